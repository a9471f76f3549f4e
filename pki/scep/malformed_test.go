package scep

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// msgSpec describes a hand-built pkiMessage.
type msgSpec struct {
	typ       string // messageType text
	tid       string
	nonce     []byte
	data      []byte            // envelope content
	to        *x509.Certificate // envelope recipient
	signer    *x509.Certificate
	key       crypto.Signer // signing key (not necessarily signer's)
	noNonce   bool
	noContent bool
}

func buildMsg(t *testing.T, m msgSpec) []byte {
	t.Helper()
	var content []byte
	if !m.noContent {
		var err error
		content, err = envelope(m.data, m.to, DES3)
		if err != nil {
			t.Fatal(err)
		}
	}
	attrs := []attr{{oidSCEPTransactionID, printable(m.tid)}, {oidSCEPMessageType, printable(m.typ)}}
	if !m.noNonce {
		attrs = append(attrs, attr{oidSCEPSenderNonce, octetString(m.nonce)})
	}
	out, err := signData(content, m.signer, m.key, crypto.SHA256, attrs)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func post(h http.Handler, path string, body []byte) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	h.ServeHTTP(w, r)
	return w
}

func get(h http.Handler, target string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
	return w
}

// TestMalformed: bad input gets HTTP 4xx or a CertRep FAILURE, as the
// package documentation says, and never reaches the Authority.
func TestMalformed(t *testing.T) {
	ca := newTestCA(t, false)
	h := NewServer(ca, Options{MaxBodySize: 8 << 10})
	key := testKey(t, 2)
	e := enrollment(t, 2, ca.cert, "spoke-1.cisco.com")
	stranger, err := SelfSigned(testKey(t, 5), pkix.Name{CommonName: "stranger"}, t0, t0.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	badCSR := bytes.Clone(e.CSR)
	badCSR[len(badCSR)-1] ^= 0xff // inside the CSR's signature
	nonce := func() []byte { n := make([]byte, 16); rand.Read(n); return n }
	good := func() msgSpec {
		return msgSpec{typ: "19", tid: "T1", nonce: nonce(), data: e.CSR, to: ca.cert, signer: e.SignerCert, key: key}
	}
	valid := buildMsg(t, good())
	b64 := base64.StdEncoding.EncodeToString(valid)
	random := make([]byte, 3000)
	rand.Read(random)

	type answer struct {
		status   int      // HTTP status
		failInfo FailInfo // for a 200 CertRep FAILURE
	}
	cases := []struct {
		name string
		do   func() *httptest.ResponseRecorder
		want answer
	}{
		{"random bytes POST", func() *httptest.ResponseRecorder {
			return post(h, "/cgi-bin/pkiclient.exe?operation=PKIOperation", random)
		}, answer{status: 400}},
		{"random bytes GET", func() *httptest.ResponseRecorder {
			return get(h, "/cgi-bin/pkiclient.exe?operation=PKIOperation&message="+url.QueryEscape(base64.StdEncoding.EncodeToString(random)))
		}, answer{status: 400}},
		{"truncated base64", func() *httptest.ResponseRecorder {
			return get(h, "/cgi-bin/pkiclient.exe?operation=PKIOperation&message="+b64[:len(b64)/2+1])
		}, answer{status: 400}},
		{"truncated message", func() *httptest.ResponseRecorder {
			return post(h, "/cgi-bin/pkiclient.exe?operation=PKIOperation", valid[:len(valid)-40])
		}, answer{status: 400}},
		{"bad percent escape", func() *httptest.ResponseRecorder {
			w := httptest.NewRecorder()
			r := httptest.NewRequest(http.MethodGet, "/cgi-bin/pkiclient.exe", nil)
			r.URL.RawQuery = "operation=PKIOperation&message=%zz"
			h.ServeHTTP(w, r)
			return w
		}, answer{status: 400}},
		{"no message", func() *httptest.ResponseRecorder { return get(h, "/cgi-bin/pkiclient.exe?operation=PKIOperation") }, answer{status: 400}},
		{"unknown operation", func() *httptest.ResponseRecorder { return get(h, "/cgi-bin/pkiclient.exe?operation=GetMeACoffee") }, answer{status: 400}},
		{"no operation GET", func() *httptest.ResponseRecorder { return get(h, "/cgi-bin/pkiclient.exe") }, answer{status: 400}},
		{"PUT", func() *httptest.ResponseRecorder {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodPut, "/cgi-bin/pkiclient.exe?operation=PKIOperation", bytes.NewReader(valid)))
			return w
		}, answer{status: 405}},
		{"other path", func() *httptest.ResponseRecorder { return get(h, "/cgi-bin/other.exe?operation=GetCACert") }, answer{status: 404}},
		{"body over the cap", func() *httptest.ResponseRecorder {
			return post(h, "/cgi-bin/pkiclient.exe?operation=PKIOperation", make([]byte, 9<<10))
		}, answer{status: 413}},
		{"message over the cap", func() *httptest.ResponseRecorder {
			return get(h, "/cgi-bin/pkiclient.exe?operation=PKIOperation&message="+strings.Repeat("QUFB", 4<<10))
		}, answer{status: 413}},
		{"no senderNonce", func() *httptest.ResponseRecorder {
			m := good()
			m.noNonce = true
			return post(h, "/cgi-bin/pkiclient.exe?operation=PKIOperation", buildMsg(t, m))
		}, answer{status: 400}},
		{"signer certificate missing", func() *httptest.ResponseRecorder {
			// Signed by a twin of the signer certificate (another serial
			// number), whose certificate is then swapped for the original:
			// no certificate matches the SignerInfo.
			tmpl := *e.SignerCert
			tmpl.SerialNumber = new(big.Int).Add(e.SignerCert.SerialNumber, big.NewInt(1))
			der, err := x509.CreateCertificate(rand.Reader, &tmpl, &tmpl, &key.PublicKey, key)
			if err != nil {
				t.Fatal(err)
			}
			twin, _ := x509.ParseCertificate(der)
			if len(twin.Raw) != len(e.SignerCert.Raw) {
				t.Skip("twin certificate of another length")
			}
			m := good()
			m.signer = twin
			msg := bytes.Replace(buildMsg(t, m), twin.Raw, e.SignerCert.Raw, 1)
			return post(h, "/cgi-bin/pkiclient.exe?operation=PKIOperation", msg)
		}, answer{status: 400}},
		{"bad signature", func() *httptest.ResponseRecorder {
			m := good()
			m.key = testKey(t, 5) // not the signer certificate's key
			return post(h, "/cgi-bin/pkiclient.exe?operation=PKIOperation", buildMsg(t, m))
		}, answer{status: 200, failInfo: BadMessageCheck}},
		{"wrong recipient", func() *httptest.ResponseRecorder {
			m := good()
			m.to = stranger
			return post(h, "/cgi-bin/pkiclient.exe?operation=PKIOperation", buildMsg(t, m))
		}, answer{status: 200, failInfo: BadMessageCheck}},
		{"unknown messageType", func() *httptest.ResponseRecorder {
			m := good()
			m.typ = "99"
			return post(h, "/cgi-bin/pkiclient.exe?operation=PKIOperation", buildMsg(t, m))
		}, answer{status: 200, failInfo: BadRequest}},
		{"no envelope", func() *httptest.ResponseRecorder {
			m := good()
			m.noContent = true
			return post(h, "/cgi-bin/pkiclient.exe?operation=PKIOperation", buildMsg(t, m))
		}, answer{status: 200, failInfo: BadRequest}},
		{"garbage CSR", func() *httptest.ResponseRecorder {
			m := good()
			m.data = []byte("not a certificate request")
			return post(h, "/cgi-bin/pkiclient.exe?operation=PKIOperation", buildMsg(t, m))
		}, answer{status: 200, failInfo: BadRequest}},
		{"CSR signature", func() *httptest.ResponseRecorder {
			m := good()
			m.data = badCSR
			return post(h, "/cgi-bin/pkiclient.exe?operation=PKIOperation", buildMsg(t, m))
		}, answer{status: 200, failInfo: BadMessageCheck}},
		{"unknown digest", func() *httptest.ResponseRecorder {
			// SHA-256's OID turned into an unassigned sibling (…4.2.99).
			sha256 := []byte{0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01}
			msg := buildMsg(t, good())
			if bytes.Count(msg, sha256) != 2 {
				t.Fatalf("SHA-256 OID %d times in the message", bytes.Count(msg, sha256))
			}
			msg = bytes.ReplaceAll(msg, sha256, append(sha256[:10:10], 99))
			return post(h, "/cgi-bin/pkiclient.exe?operation=PKIOperation", msg)
		}, answer{status: 200, failInfo: BadAlg}},
		{"unknown cipher", func() *httptest.ResponseRecorder {
			// The envelope's DES-EDE3-CBC turned into RC2-CBC (…3.2).
			m := good()
			env, err := envelope(m.data, m.to, DES3)
			if err != nil {
				t.Fatal(err)
			}
			des3 := []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x03, 0x07}
			env = bytes.Replace(env, des3, append(des3[:9:9], 0x02), 1)
			msg, err := signData(env, m.signer, m.key, crypto.SHA256, []attr{
				{oidSCEPTransactionID, printable(m.tid)}, {oidSCEPMessageType, printable(m.typ)}, {oidSCEPSenderNonce, octetString(m.nonce)}})
			if err != nil {
				t.Fatal(err)
			}
			return post(h, "/cgi-bin/pkiclient.exe?operation=PKIOperation", msg)
		}, answer{status: 200, failInfo: BadAlg}},
		{"ECDSA signer", func() *httptest.ResponseRecorder {
			// A valid signature, but no RSA key to encrypt the reply to:
			// refused before the Authority could issue anything.
			ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			self, err := SelfSigned(ek, pkix.Name{CommonName: "ec"}, t0, t0.AddDate(1, 0, 0))
			if err != nil {
				t.Fatal(err)
			}
			m := good()
			m.signer, m.key = self, ek
			return post(h, "/cgi-bin/pkiclient.exe?operation=PKIOperation", buildMsg(t, m))
		}, answer{status: 200, failInfo: BadAlg}},
		{"garbage poll", func() *httptest.ResponseRecorder {
			m := good()
			m.typ, m.data = "20", []byte{0x30, 0x03, 0x02, 0x01}
			return post(h, "/cgi-bin/pkiclient.exe?operation=PKIOperation", buildMsg(t, m))
		}, answer{status: 200, failInfo: BadRequest}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := ca.calls.Load()
			w := tc.do()
			if w.Code != tc.want.status {
				t.Fatalf("HTTP %d (%s), want %d", w.Code, strings.TrimSpace(w.Body.String()), tc.want.status)
			}
			if ca.calls.Load() != before {
				t.Errorf("the Authority was called")
			}
			if tc.want.status != 200 {
				return
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/x-pki-message" {
				t.Errorf("Content-Type %q", ct)
			}
			checkFailure(t, w.Body.Bytes(), ca.cert, tc.want.failInfo)
		})
	}
}

// checkFailure checks that b is a CertRep FAILURE with info signed by ca.
func checkFailure(t *testing.T, b []byte, ca *x509.Certificate, info FailInfo) {
	t.Helper()
	rep, err := parseSigned(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.verify(ca.PublicKey); err != nil {
		t.Errorf("the FAILURE is not signed by the CA: %v", err)
	}
	if rep.attrString(oidSCEPMessageType) != "3" || rep.attrString(oidSCEPPKIStatus) != "2" || rep.content != nil {
		t.Errorf("not a CertRep FAILURE without content: type %q status %q", rep.attrString(oidSCEPMessageType), rep.attrString(oidSCEPPKIStatus))
	}
	if got := FailInfo(rep.attrString(oidSCEPFailInfo)); got != info {
		t.Errorf("failInfo %v, want %v", got, info)
	}
	if rep.attrString(oidSCEPTransactionID) == "" || len(rep.attrBytes(oidSCEPRecipientNonce)) != 16 {
		t.Errorf("no transactionID or recipientNonce")
	}
}

// TestReplay: the same pkiMessage twice is refused the second time, and
// the Authority sees it once.
func TestReplay(t *testing.T) {
	ca := newTestCA(t, false)
	h := NewServer(ca, Options{})
	e := enrollment(t, 2, ca.cert, "spoke-1.cisco.com")
	msg := buildMsg(t, msgSpec{typ: "19", tid: "T1", nonce: bytes.Repeat([]byte{7}, 16), data: e.CSR, to: ca.cert, signer: e.SignerCert, key: testKey(t, 2)})
	w := post(h, "/pkiclient.exe", msg)
	rep, err := parseSigned(w.Body.Bytes())
	if err != nil || rep.attrString(oidSCEPPKIStatus) != "0" {
		t.Fatalf("first: HTTP %d %v", w.Code, err)
	}
	if ca.calls.Load() != 1 || len(ca.issued) != 1 {
		t.Fatalf("first: %d calls", ca.calls.Load())
	}
	w = post(h, "/pkiclient.exe", msg)
	checkFailure(t, w.Body.Bytes(), ca.cert, BadRequest)
	if ca.calls.Load() != 1 || len(ca.issued) != 1 {
		t.Errorf("the replay reached the Authority")
	}
	// Escaped and raw base64 by GET, at any path ending in pkiclient.exe.
	for i, path := range []string{"/cgi-bin/pkiclient.exe", "/scep/scep/pkiclient.exe"} {
		m := buildMsg(t, msgSpec{typ: "19", tid: "T" + strconv.Itoa(i+2), nonce: bytes.Repeat([]byte{byte(i)}, 16), data: e.CSR, to: ca.cert, signer: e.SignerCert, key: testKey(t, 2)})
		s := base64.StdEncoding.EncodeToString(m)
		if i == 0 {
			s = url.QueryEscape(s)
		}
		w := get(h, path+"?operation=PKIOperation&message="+s)
		rep, err := parseSigned(w.Body.Bytes())
		if err != nil || rep.attrString(oidSCEPPKIStatus) != "0" {
			t.Errorf("GET %s: HTTP %d %v", path, w.Code, err)
		}
	}
}
