package scep

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// recorder is a Doer that keeps the last request URL and reply body.
type recorder struct {
	mu   sync.Mutex
	doer Doer
	urls []string
	last []byte
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	resp, err := r.doer.Do(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.urls = append(r.urls, req.URL.String())
	r.last = body
	r.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

type fixture struct {
	ca  *testCA
	srv *httptest.Server
	rec *recorder
	cl  *Client
}

func newFixture(t *testing.T, md5CA bool, opts ClientOptions) *fixture {
	t.Helper()
	ca := newTestCA(t, md5CA)
	srv := httptest.NewServer(NewServer(ca, Options{}))
	t.Cleanup(srv.Close)
	rec := &recorder{doer: srv.Client()}
	cl, err := NewClient(srv.URL, rec, opts)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{ca: ca, srv: srv, rec: rec, cl: cl}
}

// enrollment makes a first enrolment for key i: a CSR with a challenge
// password, signed by a self-signed certificate of the same key.
func enrollment(t testing.TB, i int, ca *x509.Certificate, cn string) *Enrollment {
	t.Helper()
	key := testKey(t, i)
	csr, err := NewCSR(&x509.CertificateRequest{Subject: pkix.Name{CommonName: cn, OrganizationalUnit: []string{"CVO"}}, DNSNames: []string{cn}}, key, "cisco123")
	if err != nil {
		t.Fatal(err)
	}
	self, err := SelfSigned(key, pkix.Name{CommonName: cn}, t0, t0.AddDate(10, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	return &Enrollment{CSR: csr, SignerCert: self, SignerKey: key, CA: ca}
}

var ctx = context.Background()

func TestClientURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"http://172.16.1.1:80", "http://172.16.1.1:80/cgi-bin/pkiclient.exe"},
		{"http://172.16.1.1:80/", "http://172.16.1.1:80/cgi-bin/pkiclient.exe"},
		{"http://10.0.0.149/scep/scep", "http://10.0.0.149/scep/scep/pkiclient.exe"},
		{"http://ca/cgi-bin/pkiclient.exe", "http://ca/cgi-bin/pkiclient.exe"},
	} {
		c, err := NewClient(tc.in, http.DefaultClient, ClientOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := c.URL(); got != tc.want {
			t.Errorf("NewClient(%q).URL() = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, bad := range []string{"", "ftp://x/", "172.16.1.1", "http://"} {
		if _, err := NewClient(bad, http.DefaultClient, ClientOptions{}); err == nil {
			t.Errorf("NewClient(%q) accepted", bad)
		}
	}
}

// TestIOSRequestLine: the client's GetCACert is IOS's request line and
// User-Agent.
func TestIOSRequestLine(t *testing.T) {
	var line, ua string
	ca := newTestCA(t, false)
	h := NewServer(ca, Options{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		line, ua = r.Method+" "+r.RequestURI, r.UserAgent()
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	cl, _ := NewClient(srv.URL, srv.Client(), ClientOptions{})
	if _, err := cl.GetCACert(ctx, "Root-CA"); err != nil {
		t.Fatal(err)
	}
	if want := "GET /cgi-bin/pkiclient.exe?operation=GetCACert&message=Root-CA"; line != want {
		t.Errorf("request line %q, want %q", line, want)
	}
	if ua != "Mozilla/4.0 (compatible; MSIE 5.0; Cisco PKI)" {
		t.Errorf("User-Agent %q", ua)
	}
}

func TestCapsAndCACert(t *testing.T) {
	for _, md5CA := range []bool{false, true} {
		f := newFixture(t, md5CA, ClientOptions{})
		caps, err := f.cl.GetCACaps(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(caps, ",") != "GetNextCACert,Renewal,SHA-1,SHA-256" {
			t.Errorf("caps %q", caps)
		}
		if string(f.rec.last) != "GetNextCACert\nRenewal\nSHA-1\nSHA-256\n" {
			t.Errorf("GetCACaps body %q", f.rec.last)
		}
		certs, err := f.cl.GetCACert(ctx, "Root-CA")
		if err != nil {
			t.Fatal(err)
		}
		if len(certs) != 1 || !certs[0].Equal(f.ca.cert) {
			t.Errorf("GetCACert gave %d certs, not the CA's", len(certs))
		}
	}
}

// TestEnrollGranted: every cipher and digest round trips, the reply uses
// the request's cipher and digest, and the Authority sees the request.
func TestEnrollGranted(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   ClientOptions
		md5CA  bool
		digest crypto.Hash
	}{
		{"ios-defaults", ClientOptions{}, false, crypto.SHA1},
		{"post-aes128-sha256", ClientOptions{Post: true, Cipher: AES128, Digest: crypto.SHA256}, false, crypto.SHA256},
		{"des-md5", ClientOptions{Cipher: DES, Digest: crypto.MD5}, false, crypto.MD5},
		{"aes256-sha512", ClientOptions{Cipher: AES256, Digest: crypto.SHA512}, false, crypto.SHA512},
		{"md5-ca", ClientOptions{}, true, crypto.SHA1},
		{"md5-ca-md5", ClientOptions{Digest: crypto.MD5, Cipher: DES}, true, crypto.MD5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.md5CA, tc.opts)
			e := enrollment(t, 2, f.ca.cert, "spoke-1.cisco.com")
			d, err := f.cl.Enroll(ctx, e)
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != Success || d.Cert == nil {
				t.Fatalf("decision %v %v", d.Status, d.FailInfo)
			}
			if !d.Cert.PublicKey.(*rsa.PublicKey).Equal(&testKey(t, 2).PublicKey) || d.Cert.Subject.CommonName != "spoke-1.cisco.com" {
				t.Errorf("issued cert is not for the CSR")
			}
			if len(d.Chain) != 1 || !d.Chain[0].Equal(f.ca.cert) {
				t.Errorf("chain %d certs", len(d.Chain))
			}
			if !certSignedBy(d.Cert, f.ca.cert) {
				t.Errorf("issued cert not signed by the CA key")
			}
			if len(e.TransactionID) != 32 || strings.ToUpper(e.TransactionID) != e.TransactionID {
				t.Errorf("transactionID %q not 32 uppercase hex digits", e.TransactionID)
			}
			req := f.ca.requests[0]
			if req.Type != PKCSReq || req.TransactionID != e.TransactionID || req.ChallengePassword != "cisco123" ||
				req.Rollover || !req.Recipient.Equal(f.ca.cert) || !req.Signer.Equal(e.SignerCert) || req.SignerIssuer != nil ||
				!bytes.Equal(req.CSR.Raw, e.CSR) || !strings.HasPrefix(req.RemoteAddr, "127.0.0.1:") {
				t.Errorf("the Authority saw %+v", req.Message)
			}
			// The reply: signed with the request's digest, enveloped with its cipher.
			rep, err := parseSigned(f.rec.last)
			if err != nil {
				t.Fatal(err)
			}
			if rep.hash != tc.digest {
				t.Errorf("reply digest %v, want %v", rep.hash, tc.digest)
			}
			env, err := parseEnvelope(rep.content)
			if err != nil {
				t.Fatal(err)
			}
			if env.cipher != tc.opts.Cipher || !env.isFor(e.SignerCert) {
				t.Errorf("reply envelope %v, want %v to the signer", env.cipher, tc.opts.Cipher)
			}
			if sn := rep.attrBytes(oidSCEPSenderNonce); len(sn) != 16 || bytes.Equal(sn, rep.attrBytes(oidSCEPRecipientNonce)) {
				t.Errorf("the reply's senderNonce is not fresh")
			}
			if !tc.opts.Post && !strings.Contains(f.rec.urls[0], "operation=PKIOperation&message=MII") {
				t.Errorf("PKIOperation by GET sent %q", f.rec.urls[0])
			}
		})
	}
}

func TestPendingPollGranted(t *testing.T) {
	f := newFixture(t, false, ClientOptions{})
	f.ca.mode = grantNone
	e := enrollment(t, 2, f.ca.cert, "spoke-2.cisco.com")
	d, err := f.cl.Enroll(ctx, e)
	if err != nil || d.Status != Pending {
		t.Fatalf("enroll: %v %v", d.Status, err)
	}
	d, err = f.cl.Poll(ctx, e)
	if err != nil || d.Status != Pending {
		t.Fatalf("first poll: %v %v", d.Status, err)
	}
	p := f.ca.polls[0]
	if p.Type != CertPoll || p.TransactionID != e.TransactionID || !bytes.Equal(p.Issuer, f.ca.cert.RawSubject) {
		t.Errorf("the Authority saw poll %+v", p)
	}
	csr, _ := x509.ParseCertificateRequest(e.CSR)
	if !bytes.Equal(p.Subject, csr.RawSubject) {
		t.Errorf("poll subject is not the CSR's")
	}
	f.ca.approve(e.TransactionID)
	d, err = f.cl.Poll(ctx, e)
	if err != nil || d.Status != Success || d.Cert.Subject.CommonName != "spoke-2.cisco.com" {
		t.Fatalf("poll after approval: %v %v", d.Status, err)
	}
	// A poll for a transaction the CA never saw is rejected.
	other := enrollment(t, 3, f.ca.cert, "spoke-3.cisco.com")
	other.TransactionID = "0123456789ABCDEF0123456789ABCDEF"
	d, err = f.cl.Poll(ctx, other)
	if err != nil || d.Status != Failure || d.FailInfo != BadCertID {
		t.Fatalf("poll of an unknown transaction: %v %v %v", d.Status, d.FailInfo, err)
	}
}

func TestRejectedAndZeroDecision(t *testing.T) {
	for _, m := range []mode{rejectAll, zeroDecision} {
		f := newFixture(t, false, ClientOptions{})
		f.ca.mode = m
		d, err := f.cl.Enroll(ctx, enrollment(t, 2, f.ca.cert, "r"))
		if err != nil || d.Status != Failure || d.FailInfo != BadRequest {
			t.Errorf("mode %d: %v %q %v", m, d.Status, d.FailInfo, err)
		}
	}
}

// TestRenewal: a RenewalReq, and IOS's PKCSReq signed by the ID
// certificate, name the CA that issued the signer.
func TestRenewal(t *testing.T) {
	for _, md5CA := range []bool{false, true} {
		f := newFixture(t, md5CA, ClientOptions{})
		first := enrollment(t, 2, f.ca.cert, "spoke-1.cisco.com")
		d, err := f.cl.Enroll(ctx, first)
		if err != nil || d.Status != Success {
			t.Fatalf("first enrolment: %v %v", d.Status, err)
		}
		for i, typ := range []MessageType{RenewalReq, PKCSReq} {
			e := enrollment(t, 3+i, f.ca.cert, "spoke-1.cisco.com")
			e.Type, e.SignerCert, e.SignerKey = typ, d.Cert, testKey(t, 2)
			d2, err := f.cl.Enroll(ctx, e)
			if err != nil || d2.Status != Success {
				t.Fatalf("%v renewal: %v %v", typ, d2.Status, err)
			}
			req := f.ca.requests[len(f.ca.requests)-1]
			if req.Type != typ || !req.Signer.Equal(d.Cert) || req.SignerIssuer == nil || !req.SignerIssuer.Equal(f.ca.cert) {
				t.Errorf("%v renewal: the Authority saw type %v signer issuer %v", typ, req.Type, req.SignerIssuer)
			}
			if !d2.Cert.PublicKey.(*rsa.PublicKey).Equal(&testKey(t, 3+i).PublicKey) {
				t.Errorf("renewal cert not for the new key")
			}
		}
	}
}

// TestRollover: GetNextCACert, and a request encrypted to the rollover
// certificate answered with the rollover key.
func TestRollover(t *testing.T) {
	for _, md5CA := range []bool{false, true} {
		f := newFixture(t, md5CA, ClientOptions{})
		_, err := f.cl.GetNextCACert(ctx, "Root-CA", f.ca.cert)
		var he *HTTPError
		if !errors.As(err, &he) || he.StatusCode != http.StatusForbidden {
			t.Fatalf("GetNextCACert without rollover: %v", err)
		}
		f.ca.addRollover(t, md5CA)
		certs, err := f.cl.GetNextCACert(ctx, "Root-CA", f.ca.cert)
		if err != nil {
			t.Fatal(err)
		}
		if len(certs) != 1 || !certs[0].Equal(f.ca.next) {
			t.Fatalf("GetNextCACert gave %d certs, not the rollover", len(certs))
		}
		if _, err := f.cl.GetNextCACert(ctx, "Root-CA", f.ca.next); err == nil {
			t.Errorf("GetNextCACert verified against the wrong CA certificate")
		}
		e := enrollment(t, 2, f.ca.next, "spoke-1.cisco.com")
		d, err := f.cl.Enroll(ctx, e) // verifies the CertRep with the rollover key
		if err != nil || d.Status != Success {
			t.Fatalf("rollover enrolment: %v %v", d.Status, err)
		}
		req := f.ca.requests[0]
		if !req.Rollover || !req.Recipient.Equal(f.ca.next) {
			t.Errorf("the Authority saw rollover=%v", req.Rollover)
		}
		if !certSignedBy(d.Cert, f.ca.next) || certSignedBy(d.Cert, f.ca.cert) {
			t.Errorf("shadow cert not issued by the rollover key")
		}
		rep, _ := parseSigned(f.rec.last)
		if rep.verify(f.ca.cert.PublicKey) == nil || rep.verify(f.ca.next.PublicKey) != nil {
			t.Errorf("rollover CertRep not signed by the rollover key alone")
		}
		// A renewal signed by the shadow certificate names the rollover CA.
		r := enrollment(t, 3, f.ca.next, "spoke-1.cisco.com")
		r.SignerCert, r.SignerKey = d.Cert, testKey(t, 2)
		if d, err := f.cl.Enroll(ctx, r); err != nil || d.Status != Success {
			t.Fatalf("renewal with the shadow cert: %v %v", d.Status, err)
		}
		if got := f.ca.requests[1].SignerIssuer; got == nil || !got.Equal(f.ca.next) {
			t.Errorf("renewal signed by the shadow cert: SignerIssuer %v", got)
		}
	}
}

func TestGetCertAndCRL(t *testing.T) {
	f := newFixture(t, false, ClientOptions{})
	e := enrollment(t, 2, f.ca.cert, "spoke-1.cisco.com")
	d, err := f.cl.Enroll(ctx, e)
	if err != nil || d.Status != Success {
		t.Fatal(d.Status, err)
	}
	q := Query{CA: f.ca.cert, SignerCert: d.Cert, SignerKey: testKey(t, 2), Serial: d.Cert.SerialNumber}
	c, err := f.cl.GetCert(ctx, q)
	if err != nil || !c.Equal(d.Cert) {
		t.Fatalf("GetCert: %v", err)
	}
	crl, err := f.cl.GetCRL(ctx, q)
	if err != nil || !bytes.Equal(crl, f.ca.crl) {
		t.Fatalf("GetCRL: %v", err)
	}
	q.Serial = big.NewInt(99)
	var fe *FailError
	if _, err := f.cl.GetCert(ctx, q); !errors.As(err, &fe) || fe.Info != BadCertID {
		t.Errorf("GetCert of an unknown serial: %v", err)
	}
	q.Issuer = d.Cert.RawSubject
	if _, err := f.cl.GetCRL(ctx, q); !errors.As(err, &fe) || fe.Info != BadCertID {
		t.Errorf("GetCRL of an unknown issuer: %v", err)
	}
}

func TestDisabledCA(t *testing.T) {
	f := newFixture(t, false, ClientOptions{})
	f.ca.mu.Lock()
	f.ca.cert = nil
	f.ca.mu.Unlock()
	_, err := f.cl.GetCACert(ctx, "x")
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("disabled CA: %v", err)
	}
}

// TestConcurrentEnrolments: many clients at once (run with -race).
func TestConcurrentEnrolments(t *testing.T) {
	f := newFixture(t, false, ClientOptions{})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			e := enrollment(t, 2+i%4, f.ca.cert, "spoke.cisco.com")
			e.TransactionID = "C" + strings.Repeat("X", i)
			d, err := f.cl.Enroll(ctx, e)
			if err == nil && d.Status != Success {
				err = errors.New(d.Status.String())
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if len(f.ca.bySer) != 8 {
		t.Errorf("%d certificates issued, want 8", len(f.ca.bySer))
	}
}

// TestClientReplyForms: the client reads a CA+RA degenerate PKCS#7
// (application/x-x509-ca-ra-cert, as step-ca answers IOS in the captures)
// and CRLF-separated capabilities, and reports HTTP errors as *HTTPError.
func TestClientReplyForms(t *testing.T) {
	ca := newTestCA(t, false)
	ra := newCACert(t, testKey(t, 4), 7, t0)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch op, _, _ := queryParams(r.URL.RawQuery); op {
		case "GetCACert":
			deg, err := degenerate([]*x509.Certificate{ra, ca.cert}, nil)
			if err != nil {
				t.Error(err)
			}
			w.Header().Set("Content-Type", "application/x-x509-ca-ra-cert")
			w.Write(deg)
		case "GetCACaps":
			io.WriteString(w, "POSTPKIOperation\r\nSHA-256\r\n\r\nAES\r\n")
		default:
			http.Error(w, "no", http.StatusNotFound)
		}
	}))
	defer srv.Close()
	cl, err := NewClient(srv.URL+"/scep/scep", srv.Client(), ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	certs, err := cl.GetCACert(ctx, "ca")
	if err != nil || len(certs) != 2 || !certs[0].Equal(ra) || !certs[1].Equal(ca.cert) {
		t.Fatalf("GetCACert: %d certs, %v", len(certs), err)
	}
	caps, err := cl.GetCACaps(ctx)
	if err != nil || strings.Join(caps, ",") != "POSTPKIOperation,SHA-256,AES" {
		t.Fatalf("GetCACaps: %q %v", caps, err)
	}
	_, err = cl.GetNextCACert(ctx, "ca", ca.cert)
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != 404 || he.Body != "no" {
		t.Fatalf("GetNextCACert: %v", err)
	}
}
