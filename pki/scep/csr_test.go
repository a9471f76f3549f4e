package scep

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"testing"
)

// countingSigner counts the signatures its key makes.
type countingSigner struct {
	crypto.Signer
	n int
}

func (c *countingSigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	c.n++
	return c.Signer.Sign(r, digest, opts)
}

// TestNewCSRSignsOnce: the router's key signs a request once (a renewal
// in a long clock jump pays for every private-key operation), and the
// request is the one crypto/x509 makes with that key: same subject, key,
// extensions and (PKCS#1 v1.5 being deterministic) signature.
func TestNewCSRSignsOnce(t *testing.T) {
	key := testKey(t, 0)
	for _, tmpl := range []*x509.CertificateRequest{
		{Subject: pkix.Name{CommonName: "spoke-1.cisco.com", OrganizationalUnit: []string{"CVO"}}, SignatureAlgorithm: x509.SHA256WithRSA},
		{Subject: pkix.Name{CommonName: "spoke-2.cisco.com"}, DNSNames: []string{"spoke-2.cisco.com"}, SignatureAlgorithm: x509.SHA256WithRSA},
	} {
		cs := &countingSigner{Signer: key}
		got, err := NewCSR(tmpl, cs, "")
		if err != nil {
			t.Fatal(err)
		}
		if cs.n != 1 {
			t.Errorf("%s: the key signed %d times, want 1", tmpl.Subject, cs.n)
		}
		want, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: NewCSR differs from crypto/x509's request", tmpl.Subject)
		}
		csr, err := x509.ParseCertificateRequest(got)
		if err != nil || csr.CheckSignature() != nil {
			t.Fatalf("%s: %v", tmpl.Subject, err)
		}
	}
}
