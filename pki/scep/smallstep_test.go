package scep

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	smallscep "github.com/smallstep/scep"
)

// Cross-checks against smallstep/scep, an implementation written
// elsewhere: its client's PKCSReq enrols against our server and it reads
// our CertRep; our client enrols against a server made of its parser and
// CertRep builder.

// smallstepRequest builds a PKCSReq with smallstep/scep for key i.
func smallstepRequest(t testing.TB, ca *x509.Certificate, key *rsa.PrivateKey) (*smallscep.PKIMessage, *x509.Certificate) {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "smallstep"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	csr, _ := x509.ParseCertificateRequest(der)
	// smallstep/pkcs7 checks its wall-clock signingTime against the
	// signer's validity.
	self, err := SelfSigned(key, pkix.Name{CommonName: "smallstep"}, t0, t0.AddDate(100, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	msg, err := smallscep.NewCSRRequest(csr, &smallscep.PKIMessage{
		MessageType: smallscep.PKCSReq,
		Recipients:  []*x509.Certificate{ca},
		SignerKey:   key,
		SignerCert:  self,
	})
	if err != nil {
		t.Fatal(err)
	}
	return msg, self
}

func TestSmallstepClientAgainstOurServer(t *testing.T) {
	for _, md5CA := range []bool{false, true} {
		ca := newTestCA(t, md5CA)
		h := NewServer(ca, Options{})
		key := testKey(t, 2)
		msg, self := smallstepRequest(t, ca.cert, key)
		w := post(h, "/cgi-bin/pkiclient.exe?operation=PKIOperation", msg.Raw)
		if w.Code != 200 || ca.calls.Load() != 1 {
			t.Fatalf("HTTP %d, %d calls: %s", w.Code, ca.calls.Load(), w.Body)
		}
		rep, err := smallscep.ParsePKIMessage(w.Body.Bytes(), smallscep.WithCACerts([]*x509.Certificate{ca.cert}))
		if err != nil {
			t.Fatalf("smallstep cannot read our CertRep: %v", err)
		}
		if rep.PKIStatus != smallscep.SUCCESS || !bytes.Equal(rep.RecipientNonce, msg.SenderNonce) || rep.TransactionID != msg.TransactionID {
			t.Fatalf("smallstep read status %q", rep.PKIStatus)
		}
		if err := rep.DecryptPKIEnvelope(self, key); err != nil {
			t.Fatalf("smallstep cannot open our CertRep: %v", err)
		}
		if !rep.Certificate.Equal(ca.issued[string(msg.TransactionID)]) {
			t.Errorf("smallstep got another certificate")
		}
	}
}

// smallstepServer is a SCEP PKIOperation endpoint made of smallstep/scep.
func smallstepServer(t testing.TB, ca *testCA) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, m, _ := queryParams(r.URL.RawQuery)
		body, err := base64.StdEncoding.DecodeString(m)
		if r.Method == http.MethodPost {
			body, err = io.ReadAll(r.Body)
		}
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		msg, err := smallscep.ParsePKIMessage(body)
		if err == nil {
			err = msg.DecryptPKIEnvelope(ca.cert, ca.key)
		}
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		d := ca.Enroll(r.Context(), &Request{Message: Message{TransactionID: string(msg.TransactionID)}, CSR: msg.CSR})
		rep, err := msg.Success(ca.cert, ca.key, d.Cert)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Write(rep.Raw)
	})
}

func TestOurClientAgainstSmallstepServer(t *testing.T) {
	ca := newTestCA(t, false)
	srv := httptest.NewServer(smallstepServer(t, ca))
	defer srv.Close()
	// smallstep decrypts DES, 3DES and AES; IOS's 3DES and GET first.
	for _, opts := range []ClientOptions{{}, {Post: true, Cipher: AES128, Digest: 0}} {
		cl, err := NewClient(srv.URL, srv.Client(), opts)
		if err != nil {
			t.Fatal(err)
		}
		e := enrollment(t, 2, ca.cert, "spoke-1.cisco.com")
		e.TransactionID = fmt.Sprint("T", opts.Post)
		d, err := cl.Enroll(context.Background(), e)
		if err != nil || d.Status != Success {
			t.Fatalf("%+v: %v %v", opts, d.Status, err)
		}
		if !strings.HasPrefix(d.Cert.Subject.CommonName, "spoke-1") {
			t.Errorf("got %v", d.Cert.Subject)
		}
	}
}
