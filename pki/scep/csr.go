package scep

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"time"
)

// NewCSR returns the DER of a PKCS#10 request for key with tmpl's subject
// (RawSubject if set, else Subject), extensions and SANs, carrying
// challenge as its challengePassword attribute when not "". It is signed
// with tmpl.SignatureAlgorithm, SHA-256 with RSA when zero
// (MD5WithRSA is accepted, as old IOS releases sign with it).
func NewCSR(tmpl *x509.CertificateRequest, key crypto.Signer, challenge string) ([]byte, error) {
	return nil, errors.New("scep: not implemented")
}

// SelfSigned returns the self-signed certificate that signs a first
// enrolment's pkiMessage, as IOS makes one: key's public key, subject,
// keyUsage digitalSignature and keyEncipherment, valid from notBefore to
// notAfter, a serial number from the key.
func SelfSigned(key crypto.Signer, subject pkix.Name, notBefore, notAfter time.Time) (*x509.Certificate, error) {
	return nil, errors.New("scep: not implemented")
}
