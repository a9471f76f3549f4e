package scep

import (
	"bytes"
	"crypto/rand"
	"encoding/asn1"
	"encoding/base64"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzServer feeds the handler arbitrary queries and bodies, by GET (the
// body becomes message=) and POST: it must never panic nor answer 500, and
// every 200 PKIOperation answer must be a CertRep signed by the CA.
func FuzzServer(f *testing.F) {
	ca := newTestCA(f, false)
	ca.addRollover(f, false)
	h := NewServer(ca, Options{MaxBodySize: 16 << 10})
	e := enrollment(f, 2, ca.cert, "spoke-1.cisco.com")
	key := testKey(f, 2)
	for i, typ := range []string{"19", "17", "20", "21", "22", "3"} {
		data := e.CSR
		switch typ {
		case "20":
			data, _ = asn1.Marshal(issuerAndSubject{Issuer: asn1.RawValue{FullBytes: ca.cert.RawSubject}, Subject: asn1.RawValue{FullBytes: ca.cert.RawSubject}})
		case "21", "22":
			data, _ = asn1.Marshal(issuerAndSerial{Issuer: asn1.RawValue{FullBytes: ca.cert.RawSubject}, Serial: big.NewInt(1)})
		}
		nonce := make([]byte, 16)
		rand.Read(nonce)
		env, err := envelope(data, ca.cert, Cipher(i%4))
		if err != nil {
			f.Fatal(err)
		}
		msg, err := signData(env, e.SignerCert, key, digests[i%6].hash, []attr{
			{oidSCEPTransactionID, printable("TID")},
			{oidSCEPMessageType, printable(typ)},
			{oidSCEPSenderNonce, octetString(nonce)},
		})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(true, "operation=PKIOperation", msg)
		f.Add(false, "operation=PKIOperation&message=", []byte(base64.StdEncoding.EncodeToString(msg)))
	}
	f.Add(false, "operation=GetCACaps", []byte{})
	f.Add(false, "operation=GetNextCACert&message=x", []byte{})
	f.Add(false, "operation=GetCACert&message=", []byte("Root-CA"))
	f.Add(true, "", []byte{0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0, 0x80, 0x00, 0x00, 0x00, 0x00})

	f.Fuzz(func(t *testing.T, isPost bool, query string, body []byte) {
		var r *http.Request
		if isPost {
			r = httptest.NewRequest(http.MethodPost, "/cgi-bin/pkiclient.exe", bytes.NewReader(body))
			r.URL.RawQuery = query
		} else {
			r = httptest.NewRequest(http.MethodGet, "/cgi-bin/pkiclient.exe", nil)
			r.URL.RawQuery = query + string(body)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("HTTP %d: %s", w.Code, w.Body.String())
		}
		if w.Code == 200 && w.Header().Get("Content-Type") == typePKIMessage {
			rep, err := parseSigned(w.Body.Bytes())
			if err != nil {
				t.Fatalf("the answer does not parse: %v", err)
			}
			if rep.verify(ca.cert.PublicKey) != nil && rep.verify(ca.next.PublicKey) != nil {
				t.Fatalf("the answer is not signed by a CA key")
			}
		}
	})
}
