package scep

import (
	"context"
	"crypto"
	"crypto/x509"
	"math/big"
	"strconv"
)

// Authority is what the server needs from a certificate authority. All its
// methods may be called from many goroutines at once.
//
// The server calls Enroll and Poll only for messages whose signature
// verified and whose envelope opened with the key of the CA certificate
// named in Message.Recipient.
type Authority interface {
	// Caps returns the GetCACaps keywords, in order (e.g. "GetNextCACert",
	// "Renewal", "SHA-1", "SHA-256"). The server writes them one a line.
	Caps() []string

	// CA returns the current CA certificate and its key. The key must also
	// be a crypto.Decrypter (an *rsa.PrivateKey is). A nil cert means the
	// server is not serving: every request gets HTTP 503.
	CA() (cert *x509.Certificate, key crypto.Signer)

	// Rollover returns the rollover (shadow) CA certificate and its key
	// (a crypto.Decrypter too), if there is one.
	Rollover() (cert *x509.Certificate, key crypto.Signer, ok bool)

	// Enroll decides a PKCSReq or RenewalReq. A repeat of a transactionID
	// is the same transaction (a client re-sending, or re-enrolling the
	// same key): it must not be granted twice by accident.
	Enroll(ctx context.Context, req *Request) Decision

	// Poll decides a CertPoll (GetCertInitial) for an earlier request. A
	// transactionID it has no request for must be rejected (RFC 8894 4.4):
	// Reject(BadCertID) or Reject(BadRequest).
	Poll(ctx context.Context, req *PollRequest) Decision

	// GetCert returns the certificate the issuer (the DER of an X.509
	// Name, as the client sent it) issued with that serial number.
	GetCert(issuer []byte, serial *big.Int) (*x509.Certificate, bool)

	// GetCRL returns the DER of the current CRL of the issuer that issued
	// the certificate with that serial number.
	GetCRL(issuer []byte, serial *big.Int) ([]byte, bool)
}

// Message is what every verified pkiMessage tells the Authority.
type Message struct {
	// Type is the messageType attribute.
	Type MessageType

	// TransactionID is the transactionID attribute, as sent.
	TransactionID string

	// Signer is the certificate whose key signed the pkiMessage:
	// self-signed on a first enrolment, a certificate the CA issued for a
	// renewal (a RenewalReq, or an IOS renewal, which is a PKCSReq signed by
	// the router's current ID certificate).
	Signer *x509.Certificate

	// SignerIssuer is the CA certificate (current or rollover) whose key
	// signed Signer, checked with crypto/rsa (MD5 included); nil when Signer
	// is self-signed or was not issued by either CA key. Whether the
	// certificate is still valid or revoked is the Authority's to decide.
	SignerIssuer *x509.Certificate

	// Recipient is the CA certificate the request's envelope was encrypted
	// to: the current CA certificate, or the rollover one when Rollover is
	// set. The reply is signed with its key; a certificate granted for a
	// rollover request must be issued by the rollover CA.
	Recipient *x509.Certificate
	Rollover  bool

	// RemoteAddr is the client's address, from http.Request.RemoteAddr.
	RemoteAddr string
}

// Request is a PKCSReq or RenewalReq.
type Request struct {
	Message

	// CSR is the PKCS#10 request, its own signature verified; CSR.Raw is
	// its DER.
	CSR *x509.CertificateRequest

	// ChallengePassword is the CSR's challengePassword attribute, "" if
	// none.
	ChallengePassword string
}

// PollRequest is a CertPoll (GetCertInitial). RFC 8894 3.3.3: the
// transactionID identifies the request; Issuer and Subject are what the
// client sent (the DER of the CA's subject and of the requested subject).
type PollRequest struct {
	Message
	Issuer  []byte
	Subject []byte
}

// Status is the outcome of a decision, the pkiStatus of a CertRep. Its zero
// value is Failure.
type Status int

const (
	Failure Status = iota // FAILURE (pkiStatus 2)
	Success               // SUCCESS (pkiStatus 0)
	Pending               // PENDING (pkiStatus 3)
)

func (s Status) String() string {
	switch s {
	case Failure:
		return "FAILURE"
	case Success:
		return "SUCCESS"
	case Pending:
		return "PENDING"
	}
	return "Status(" + strconv.Itoa(int(s)) + ")"
}

// pkiStatus is the wire text of s.
func (s Status) pkiStatus() string {
	switch s {
	case Success:
		return "0"
	case Pending:
		return "3"
	}
	return "2"
}

// FailInfo is the failInfo of a FAILURE: RFC 8894's decimal text. The zero
// value "" is sent as badRequest.
type FailInfo string

const (
	BadAlg          FailInfo = "0" // unrecognised or unsupported algorithm
	BadMessageCheck FailInfo = "1" // signature or integrity check failed
	BadRequest      FailInfo = "2" // transaction not permitted or supported
	BadTime         FailInfo = "3" // signingTime too far from the CA's time
	BadCertID       FailInfo = "4" // no certificate matches the criteria
)

func (f FailInfo) String() string {
	switch f.wire() {
	case BadAlg:
		return "badAlg"
	case BadMessageCheck:
		return "badMessageCheck"
	case BadTime:
		return "badTime"
	case BadCertID:
		return "badCertId"
	}
	return "badRequest"
}

// wire is f as sent: "" and unknown values become badRequest.
func (f FailInfo) wire() FailInfo {
	switch f {
	case BadAlg, BadMessageCheck, BadRequest, BadTime, BadCertID:
		return f
	}
	return BadRequest
}

// Decision is an Authority's answer to an enrolment or a poll, and what a
// Client reports of a CertRep. The zero Decision is a FAILURE with failInfo
// badRequest: an Authority that decides nothing grants nothing.
type Decision struct {
	Status Status

	// Cert is the granted certificate (Success). Chain holds further
	// certificates for the reply, after Cert (e.g. the issuing CA).
	Cert  *x509.Certificate
	Chain []*x509.Certificate

	// FailInfo is the reason of a Failure.
	FailInfo FailInfo
}

// Grant is a Success with cert and, after it, chain. A Grant with a nil cert
// is answered as a FAILURE badRequest.
func Grant(cert *x509.Certificate, chain ...*x509.Certificate) Decision {
	return Decision{Status: Success, Cert: cert, Chain: chain}
}

// Defer is a Pending decision: the client will poll.
func Defer() Decision { return Decision{Status: Pending} }

// Reject is a Failure with info.
func Reject(info FailInfo) Decision { return Decision{Status: Failure, FailInfo: info} }

// MessageType is the messageType of a pkiMessage (RFC 8894 3.2.1.2).
type MessageType int

const (
	CertRep    MessageType = 3
	RenewalReq MessageType = 17
	PKCSReq    MessageType = 19
	CertPoll   MessageType = 20 // GetCertInitial in older drafts and IOS
	GetCert    MessageType = 21
	GetCRL     MessageType = 22
)

func (t MessageType) String() string {
	switch t {
	case CertRep:
		return "CertRep"
	case RenewalReq:
		return "RenewalReq"
	case PKCSReq:
		return "PKCSReq"
	case CertPoll:
		return "CertPoll"
	case GetCert:
		return "GetCert"
	case GetCRL:
		return "GetCRL"
	}
	return "MessageType(" + strconv.Itoa(int(t)) + ")"
}
