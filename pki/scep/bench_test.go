package scep

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	smallscep "github.com/smallstep/scep"
)

// Enrolments per second, RSA-2048 CA and client keys: through this
// package's client and server over HTTP on loopback (3DES, SHA-1, GET as
// IOS sends it), and the bare smallstep/scep round trip in process with the
// same keys and the same issuance. Each iteration is one whole enrolment:
// the client signs and encrypts, the server verifies, decrypts, issues,
// signs and encrypts, the client verifies and decrypts.

var (
	benchOnce sync.Once
	benchKeys [2]*rsa.PrivateKey
)

func benchCA(b *testing.B) (*testCA, *rsa.PrivateKey) {
	benchOnce.Do(func() {
		for i := range benchKeys {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			benchKeys[i] = k
		}
	})
	ca := newTestCA(b, false)
	ca.key = benchKeys[0]
	// smallstep/pkcs7 stamps a wall-clock signingTime and checks it
	// against the signer's validity: the bench certificates span a century.
	ca.cert = newCACertUntil(b, ca.key, 1, t0, t0.AddDate(100, 0, 0))
	return ca, benchKeys[1]
}

func BenchmarkEnrollHTTP(b *testing.B) {
	ca, key := benchCA(b)
	srv := httptest.NewServer(NewServer(ca, Options{}))
	defer srv.Close()
	cl, err := NewClient(srv.URL, srv.Client(), ClientOptions{})
	if err != nil {
		b.Fatal(err)
	}
	subject := pkix.Name{CommonName: "spoke-1.cisco.com"}
	csr, err := NewCSR(&x509.CertificateRequest{Subject: subject}, key, "cisco123")
	if err != nil {
		b.Fatal(err)
	}
	self, err := SelfSigned(key, subject, t0, t0.AddDate(1, 0, 0))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		e := &Enrollment{CSR: csr, SignerCert: self, SignerKey: key, CA: ca.cert, TransactionID: "B" + strconv.Itoa(i)}
		d, err := cl.Enroll(context.Background(), e)
		if err != nil || d.Status != Success {
			b.Fatal(d.Status, err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "enrolments/s")
}

func BenchmarkEnrollBareSmallstep(b *testing.B) {
	ca, key := benchCA(b)
	first, self := smallstepRequest(b, ca.cert, key)
	tmpl := &smallscep.PKIMessage{MessageType: smallscep.PKCSReq, Recipients: []*x509.Certificate{ca.cert}, SignerKey: key, SignerCert: self}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		msg, err := smallscep.NewCSRRequest(first.CSR, tmpl) // the client: encrypt, sign
		if err != nil {
			b.Fatal(err)
		}
		in, err := smallscep.ParsePKIMessage(msg.Raw)
		if err == nil {
			err = in.DecryptPKIEnvelope(ca.cert, ca.key)
		}
		if err != nil {
			b.Fatal(err)
		}
		d := ca.Enroll(context.Background(), &Request{Message: Message{TransactionID: "B" + strconv.Itoa(i)}, CSR: in.CSR})
		rep, err := in.Success(ca.cert, ca.key, d.Cert)
		if err != nil {
			b.Fatal(err)
		}
		out, err := smallscep.ParsePKIMessage(rep.Raw, smallscep.WithCACerts([]*x509.Certificate{ca.cert}))
		if err == nil {
			err = out.DecryptPKIEnvelope(self, key)
		}
		if err != nil || out.Certificate == nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "enrolments/s")
}
