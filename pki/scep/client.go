package scep

import (
	"bytes"
	"context"
	"crypto"
	"crypto/md5"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// IOSUserAgent is the User-Agent IOS sends with every SCEP request.
const IOSUserAgent = "Mozilla/4.0 (compatible; MSIE 5.0; Cisco PKI)"

// Doer sends an HTTP request (an *http.Client is one; the lab gives a doer
// that dials through its address map).
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Cipher is the content-encryption algorithm of a request's envelope. The
// server answers with the same one.
type Cipher int

const (
	DES3   Cipher = iota // DES-EDE3-CBC, what IOS sends (the zero value)
	DES                  // DES-CBC
	AES128               // AES-128-CBC
	AES256               // AES-256-CBC
)

// ClientOptions configure a Client. The zero value behaves like IOS.
type ClientOptions struct {
	// UserAgent of every request; "" means IOSUserAgent.
	UserAgent string

	// Post sends PKIOperation by POST; IOS (and the zero value) uses GET
	// with the base64 message in the query, unescaped.
	Post bool

	// Cipher encrypts the envelopes of requests; the zero value is DES3.
	Cipher Cipher

	// Digest signs the pkiMessages; zero means SHA-1. MD5, SHA-1, SHA-256,
	// SHA-384 and SHA-512 are supported.
	Digest crypto.Hash

	// Logger receives one record per exchange. Nil discards.
	Logger *slog.Logger
}

// Client speaks SCEP to one CA, the way an IOS trustpoint does. It is safe
// for concurrent use.
type Client struct {
	doer Doer
	base *url.URL
	opts ClientOptions
	log  *slog.Logger
}

// NewClient returns a client for the enrollment URL as IOS has it
// ("http://172.16.1.1:80", "http://ca.example/scep/scep"). Like IOS it
// appends "/cgi-bin/pkiclient.exe" to a URL without a path and
// "/pkiclient.exe" to a URL with one (a path already ending in
// pkiclient.exe is kept).
func NewClient(enrollmentURL string, doer Doer, opts ClientOptions) (*Client, error) {
	u, err := url.Parse(enrollmentURL)
	if err != nil {
		return nil, fmt.Errorf("scep: enrollment url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("scep: enrollment url %q: not an http url", enrollmentURL)
	}
	if doer == nil {
		return nil, errors.New("scep: no HTTP doer")
	}
	p := strings.TrimSuffix(u.Path, "/")
	switch {
	case p == "":
		p = "/cgi-bin/pkiclient.exe"
	case !strings.HasSuffix(strings.ToLower(p), "pkiclient.exe"):
		p += "/pkiclient.exe"
	}
	u = &url.URL{Scheme: u.Scheme, User: u.User, Host: u.Host, Path: p}
	if opts.UserAgent == "" {
		opts.UserAgent = IOSUserAgent
	}
	if opts.Digest == 0 {
		opts.Digest = crypto.SHA1
	}
	if _, ok := digestOID(opts.Digest); !ok {
		return nil, fmt.Errorf("scep: unsupported digest %v", opts.Digest)
	}
	c := &Client{doer: doer, base: u, opts: opts, log: opts.Logger}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// Enrollment is one PKCSReq or RenewalReq transaction, kept by the caller
// to poll it while the CA holds it PENDING.
type Enrollment struct {
	// Type is PKCSReq (the zero value means PKCSReq) or RenewalReq. IOS
	// sends PKCSReq even when renewing with its current certificate.
	Type MessageType

	// CSR is the DER PKCS#10 request; NewCSR makes one with a challenge
	// password.
	CSR []byte

	// SignerCert and SignerKey sign the pkiMessage: a self-signed
	// certificate of the CSR's key on a first enrolment (SelfSigned), the
	// current ID certificate and its key for a renewal. SignerKey must be a
	// crypto.Decrypter too: the reply is encrypted to SignerCert.
	SignerCert *x509.Certificate
	SignerKey  crypto.Signer

	// CA is the certificate the envelope is encrypted to and the reply
	// must be signed by: the CA certificate, the rollover CA certificate
	// for a SHADOW enrolment, or the RA certificate of a CA that has one.
	CA *x509.Certificate

	// TransactionID is set by Enroll when empty: 32 uppercase hex digits
	// from the CSR's public key, shaped like IOS's.
	TransactionID string
}

// Query names one certificate for GetCert and GetCRL, and the credentials
// of the pkiMessage that asks.
type Query struct {
	CA         *x509.Certificate // recipient and expected signer of the reply
	SignerCert *x509.Certificate
	SignerKey  crypto.Signer

	// Issuer is the DER Name of the certificate's issuer; nil means
	// CA.RawSubject.
	Issuer []byte
	Serial *big.Int
}

// FailError is a CertRep FAILURE to GetCert or GetCRL.
type FailError struct{ Info FailInfo }

func (e *FailError) Error() string { return "scep: request failed: " + e.Info.String() }

// URL returns the pkiclient.exe URL the client sends to.
func (c *Client) URL() string { return c.base.String() }

// maxReply caps what the client reads of a reply.
const maxReply = 1 << 20

// get sends operation with message (already encoded, put in the query as
// is) and returns the reply's body and Content-Type.
func (c *Client) get(ctx context.Context, operation, message string) ([]byte, string, error) {
	u := *c.base
	u.RawQuery = "operation=" + operation
	if message != "" {
		u.RawQuery += "&message=" + message
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", fmt.Errorf("scep: %s: %w", operation, err)
	}
	return c.do(req, operation)
}

func (c *Client) do(req *http.Request, operation string) ([]byte, string, error) {
	req.Header.Set("User-Agent", c.opts.UserAgent)
	resp, err := c.doer.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("scep: %s: %w", operation, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxReply+1))
	if err != nil {
		return nil, "", fmt.Errorf("scep: %s: reading the reply: %w", operation, err)
	}
	if len(body) > maxReply {
		return nil, "", fmt.Errorf("scep: %s: reply over %d bytes", operation, maxReply)
	}
	c.log.Info("scep client", "op", operation, "status", resp.StatusCode, "bytes", len(body))
	if resp.StatusCode != http.StatusOK {
		return nil, "", &HTTPError{Operation: operation, StatusCode: resp.StatusCode, Body: strings.TrimSpace(string(body))}
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return body, ct, nil
}

// HTTPError is a reply other than 200 OK.
type HTTPError struct {
	Operation  string
	StatusCode int
	Body       string // the reply's text, trimmed
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("scep: %s: HTTP %d %s", e.Operation, e.StatusCode, http.StatusText(e.StatusCode))
}

// GetCACaps asks for the CA's capabilities, one keyword an element. An HTTP
// error is returned as an error; RFC 8894 says to read it as no
// capabilities.
func (c *Client) GetCACaps(ctx context.Context) ([]string, error) {
	body, _, err := c.get(ctx, "GetCACaps", "")
	if err != nil {
		return nil, err
	}
	var caps []string
	for line := range strings.Lines(string(body)) {
		if line = strings.TrimSpace(line); line != "" {
			caps = append(caps, line)
		}
	}
	return caps, nil
}

// GetCACert asks for the CA certificate (application/x-x509-ca-cert) or the
// CA and RA certificates (application/x-x509-ca-ra-cert, a degenerate
// PKCS#7). name goes into message=; IOS sends the trustpoint name.
func (c *Client) GetCACert(ctx context.Context, name string) ([]*x509.Certificate, error) {
	body, ct, err := c.get(ctx, "GetCACert", url.QueryEscape(name))
	if err != nil {
		return nil, err
	}
	if ct != "application/x-x509-ca-ra-cert" {
		if cert, err := x509.ParseCertificate(body); err == nil {
			return []*x509.Certificate{cert}, nil
		} else if ct == typeCACert {
			return nil, fmt.Errorf("scep: GetCACert: %w", err)
		}
	}
	certs, _, err := parseDegenerate(body)
	if err != nil {
		return nil, fmt.Errorf("scep: GetCACert: %w", err)
	}
	if len(certs) == 0 {
		return nil, errors.New("scep: GetCACert: no certificate in the reply")
	}
	return certs, nil
}

// GetNextCACert asks for the rollover CA certificate(s) and checks that the
// reply is signed by current's key (crypto/rsa, MD5 accepted). A CA without
// a rollover certificate answers with an HTTP error (*HTTPError).
func (c *Client) GetNextCACert(ctx context.Context, name string, current *x509.Certificate) ([]*x509.Certificate, error) {
	body, _, err := c.get(ctx, "GetNextCACert", url.QueryEscape(name))
	if err != nil {
		return nil, err
	}
	msg, err := parseSigned(body)
	if err != nil {
		return nil, fmt.Errorf("scep: GetNextCACert: %w", err)
	}
	if err := msg.verify(current.PublicKey); err != nil {
		return nil, fmt.Errorf("scep: GetNextCACert: not signed by the current CA: %w", err)
	}
	certs, _, err := parseDegenerate(msg.content)
	if err != nil {
		return nil, fmt.Errorf("scep: GetNextCACert: %w", err)
	}
	if len(certs) == 0 {
		return nil, errors.New("scep: GetNextCACert: no certificate in the reply")
	}
	return certs, nil
}

// Enroll sends e as a PKCSReq or RenewalReq and returns the CA's decision:
// Success with the certificate (Cert) and any other certificates of the
// reply (Chain), Pending, or Failure with its FailInfo. It sets
// e.TransactionID when empty. An error means no verified CertRep came back.
func (c *Client) Enroll(ctx context.Context, e *Enrollment) (Decision, error) {
	csr, err := x509.ParseCertificateRequest(e.CSR)
	if err != nil {
		return Decision{}, fmt.Errorf("scep: enroll: the CSR: %w", err)
	}
	t := e.Type
	if t == 0 {
		t = PKCSReq
	}
	if t != PKCSReq && t != RenewalReq {
		return Decision{}, fmt.Errorf("scep: enroll: message type %v", t)
	}
	if e.TransactionID == "" {
		sum := md5.Sum(csr.RawSubjectPublicKeyInfo)
		e.TransactionID = strings.ToUpper(hex.EncodeToString(sum[:]))
	}
	rep, err := c.exchange(ctx, t, e.TransactionID, e.CSR, e.CA, e.SignerCert, e.SignerKey)
	if err != nil {
		return Decision{}, err
	}
	return rep.decision(csr.PublicKey)
}

// Poll sends a CertPoll (GetCertInitial) for e, with its TransactionID and
// an IssuerAndSubject of e.CA's subject and the CSR's subject.
func (c *Client) Poll(ctx context.Context, e *Enrollment) (Decision, error) {
	csr, err := x509.ParseCertificateRequest(e.CSR)
	if err != nil {
		return Decision{}, fmt.Errorf("scep: poll: the CSR: %w", err)
	}
	if e.TransactionID == "" || e.CA == nil {
		return Decision{}, errors.New("scep: poll: no transactionID or CA certificate")
	}
	data, err := asn1.Marshal(issuerAndSubject{
		Issuer:  asn1.RawValue{FullBytes: e.CA.RawSubject},
		Subject: asn1.RawValue{FullBytes: csr.RawSubject},
	})
	if err != nil {
		return Decision{}, err
	}
	rep, err := c.exchange(ctx, CertPoll, e.TransactionID, data, e.CA, e.SignerCert, e.SignerKey)
	if err != nil {
		return Decision{}, err
	}
	return rep.decision(csr.PublicKey)
}

// GetCert asks for the certificate q names. A FAILURE is a *FailError.
func (c *Client) GetCert(ctx context.Context, q Query) (*x509.Certificate, error) {
	rep, err := c.query(ctx, GetCert, q)
	if err != nil {
		return nil, err
	}
	d, err := rep.decision(nil)
	if err != nil {
		return nil, err
	}
	if d.Status != Success {
		return nil, &FailError{Info: d.FailInfo}
	}
	return d.Cert, nil
}

// GetCRL asks for the CRL of q's issuer and returns its DER. A FAILURE is a
// *FailError.
func (c *Client) GetCRL(ctx context.Context, q Query) ([]byte, error) {
	rep, err := c.query(ctx, GetCRL, q)
	if err != nil {
		return nil, err
	}
	if rep.status != Success {
		return nil, &FailError{Info: rep.failInfo}
	}
	_, crls, err := parseDegenerate(rep.inner)
	if err != nil {
		return nil, fmt.Errorf("scep: GetCRL: %w", err)
	}
	if len(crls) == 0 {
		return nil, errors.New("scep: GetCRL: no CRL in the reply")
	}
	return crls[0], nil
}

func (c *Client) query(ctx context.Context, t MessageType, q Query) (*certRep, error) {
	if q.CA == nil || q.Serial == nil {
		return nil, fmt.Errorf("scep: %v: no CA certificate or serial number", t)
	}
	issuer := q.Issuer
	if issuer == nil {
		issuer = q.CA.RawSubject
	}
	data, err := asn1.Marshal(issuerAndSerial{Issuer: asn1.RawValue{FullBytes: issuer}, Serial: q.Serial})
	if err != nil {
		return nil, fmt.Errorf("scep: %v: %w", t, err)
	}
	tid := make([]byte, 16)
	rand.Read(tid)
	return c.exchange(ctx, t, strings.ToUpper(hex.EncodeToString(tid)), data, q.CA, q.SignerCert, q.SignerKey)
}

// certRep is a verified CertRep, its envelope opened.
type certRep struct {
	status   Status
	failInfo FailInfo
	inner    []byte // the degenerate SignedData of a SUCCESS
}

// decision reads a SUCCESS's certificates: the one for pub (the CSR's
// key) first, else the first of the reply.
func (r *certRep) decision(pub crypto.PublicKey) (Decision, error) {
	switch r.status {
	case Pending:
		return Defer(), nil
	case Failure:
		return Reject(r.failInfo), nil
	}
	certs, _, err := parseDegenerate(r.inner)
	if err != nil {
		return Decision{}, fmt.Errorf("scep: CertRep: %w", err)
	}
	if len(certs) == 0 {
		return Decision{}, errors.New("scep: CertRep SUCCESS without a certificate")
	}
	leaf := 0
	type equaler interface{ Equal(crypto.PublicKey) bool }
	if k, ok := pub.(equaler); ok {
		for i, c := range certs {
			if k.Equal(c.PublicKey) {
				leaf = i
				break
			}
		}
	}
	d := Grant(certs[leaf])
	for i, c := range certs {
		if i != leaf {
			d.Chain = append(d.Chain, c)
		}
	}
	return d, nil
}

// exchange sends one pkiMessage of type t carrying data encrypted to ca,
// signed by signer, and returns the verified CertRep.
func (c *Client) exchange(ctx context.Context, t MessageType, tid string, data []byte, ca, signer *x509.Certificate, key crypto.Signer) (*certRep, error) {
	if ca == nil || signer == nil || key == nil {
		return nil, fmt.Errorf("scep: %v: missing CA certificate, signer certificate or key", t)
	}
	env, err := envelope(data, ca, c.opts.Cipher)
	if err != nil {
		return nil, fmt.Errorf("scep: %v: %w", t, err)
	}
	nonce := make([]byte, 16)
	rand.Read(nonce)
	msg, err := signData(env, signer, key, c.opts.Digest, []attr{
		{oidSCEPTransactionID, printable(tid)},
		{oidSCEPMessageType, printable(strconv.Itoa(int(t)))},
		{oidSCEPSenderNonce, octetString(nonce)},
	})
	if err != nil {
		return nil, fmt.Errorf("scep: %v: %w", t, err)
	}
	var body []byte
	if c.opts.Post {
		u := *c.base
		u.RawQuery = "operation=PKIOperation"
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(msg))
		if err != nil {
			return nil, fmt.Errorf("scep: %v: %w", t, err)
		}
		req.Header.Set("Content-Type", typePKIMessage)
		body, _, err = c.do(req, "PKIOperation")
		if err != nil {
			return nil, err
		}
	} else {
		// IOS puts the base64 in the query unescaped.
		body, _, err = c.get(ctx, "PKIOperation", base64.StdEncoding.EncodeToString(msg))
		if err != nil {
			return nil, err
		}
	}
	rep, err := parseSigned(body)
	if err != nil {
		return nil, fmt.Errorf("scep: %v: the CertRep: %w", t, err)
	}
	if err := rep.verify(ca.PublicKey); err != nil {
		return nil, fmt.Errorf("scep: %v: the CertRep is not signed by the CA: %w", t, err)
	}
	if rep.attrString(oidSCEPMessageType) != strconv.Itoa(int(CertRep)) {
		return nil, fmt.Errorf("scep: %v: the reply is not a CertRep", t)
	}
	if got := rep.attrString(oidSCEPTransactionID); got != tid {
		return nil, fmt.Errorf("scep: %v: the CertRep's transactionID %q is not %q", t, got, tid)
	}
	if !bytes.Equal(rep.attrBytes(oidSCEPRecipientNonce), nonce) {
		return nil, fmt.Errorf("scep: %v: the CertRep's recipientNonce is not our senderNonce", t)
	}
	out := &certRep{}
	switch rep.attrString(oidSCEPPKIStatus) {
	case "0":
		out.status = Success
		if rep.content == nil {
			return nil, fmt.Errorf("scep: %v: CertRep SUCCESS without content", t)
		}
		o, err := parseEnvelope(rep.content)
		if err != nil {
			return nil, fmt.Errorf("scep: %v: the CertRep: %w", t, err)
		}
		if out.inner, err = o.decrypt(signer, key); err != nil {
			return nil, fmt.Errorf("scep: %v: the CertRep: %w", t, err)
		}
	case "2":
		out.status = Failure
		out.failInfo = FailInfo(rep.attrString(oidSCEPFailInfo))
	case "3":
		out.status = Pending
	default:
		return nil, fmt.Errorf("scep: %v: CertRep with pkiStatus %q", t, rep.attrString(oidSCEPPKIStatus))
	}
	return out, nil
}
