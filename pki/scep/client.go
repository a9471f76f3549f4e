package scep

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
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
		return nil, errors.Join(errors.New("scep: enrollment url"), err)
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
	// must be signed by: the CA certificate, or the rollover CA
	// certificate for a SHADOW enrolment.
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
func (c *Client) URL() string { return c.endpoint().String() }

func (c *Client) endpoint() *url.URL {
	u := *c.base
	return &u
}

// GetCACaps asks for the CA's capabilities, one keyword an element.
func (c *Client) GetCACaps(ctx context.Context) ([]string, error) {
	return nil, errors.New("scep: not implemented")
}

// GetCACert asks for the CA certificate (application/x-x509-ca-cert) or the
// CA and RA certificates (application/x-x509-ca-ra-cert, a degenerate
// PKCS#7). name goes into message=; IOS sends the trustpoint name.
func (c *Client) GetCACert(ctx context.Context, name string) ([]*x509.Certificate, error) {
	return nil, errors.New("scep: not implemented")
}

// GetNextCACert asks for the rollover CA certificate(s) and checks that the
// reply is signed by current's key (crypto/rsa, MD5 accepted).
func (c *Client) GetNextCACert(ctx context.Context, name string, current *x509.Certificate) ([]*x509.Certificate, error) {
	return nil, errors.New("scep: not implemented")
}

// Enroll sends e as a PKCSReq or RenewalReq and returns the CA's decision:
// Success with the certificate (Cert) and any other certificates of the
// reply (Chain), Pending, or Failure with its FailInfo. It sets
// e.TransactionID when empty. An error means no verified CertRep came back.
func (c *Client) Enroll(ctx context.Context, e *Enrollment) (Decision, error) {
	return Decision{}, errors.New("scep: not implemented")
}

// Poll sends a CertPoll (GetCertInitial) for e, with its TransactionID and
// an IssuerAndSubject of e.CA's subject and the CSR's subject.
func (c *Client) Poll(ctx context.Context, e *Enrollment) (Decision, error) {
	return Decision{}, errors.New("scep: not implemented")
}

// GetCert asks for the certificate q names. A FAILURE is a *FailError.
func (c *Client) GetCert(ctx context.Context, q Query) (*x509.Certificate, error) {
	return nil, errors.New("scep: not implemented")
}

// GetCRL asks for the CRL of q's issuer and returns its DER. A FAILURE is a
// *FailError.
func (c *Client) GetCRL(ctx context.Context, q Query) ([]byte, error) {
	return nil, errors.New("scep: not implemented")
}
