package pki_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/iosemu/iosemu/pki"
	"github.com/iosemu/iosemu/pki/pkitest"
	"github.com/iosemu/iosemu/pki/scep"
)

// grant modes of the test CA.
const (
	grantAuto = iota
	grantNone
	grantReject
)

// testCA is a small IOS-like certificate server behind scep.NewServer, on
// the test's fake clock: certificates capped at the CA's end, a rollover
// CA certificate `overlap` before the CA expires, the switch at its expiry.
type testCA struct {
	t     testing.TB
	clock *pkitest.Clock

	mu               sync.Mutex
	cert, roll       *x509.Certificate
	key, rollKey     *rsa.PrivateKey
	caLife, certLife time.Duration
	overlap          time.Duration // 0: no automatic rollover
	serial           int64
	mode             int
	pending          map[string]*scep.Request
	approved         map[string]bool
	issued           map[string]*x509.Certificate
	down             bool
	caps             []string
	enrolls, polls   int
	rolloverRequests int
	rollovers        int // CA certificates that became active after the first
	handler          http.Handler
	backdate         time.Duration // NotBefore this long before issuance (a Windows CA: 10 minutes)
}

func newTestCA(t testing.TB, clock *pkitest.Clock, caLife, certLife, overlap time.Duration) *testCA {
	ca := &testCA{t: t, clock: clock, caLife: caLife, certLife: certLife, overlap: overlap,
		pending: map[string]*scep.Request{}, approved: map[string]bool{}, issued: map[string]*x509.Certificate{},
		caps: []string{"GetNextCACert", "Renewal", "SHA-1", "SHA-256"}}
	ca.key = genKey(t)
	ca.serial = 1
	ca.cert = ca.selfSign(ca.key, 1, clock.Now())
	ca.handler = scep.NewServer(ca, scep.Options{})
	ca.armLocked()
	return ca
}

var caName = mustDN("CN=RootCA,OU=TAC,O=Cisco")

func mustDN(s string) pki.Name {
	n, err := pki.ParseDN(s)
	if err != nil {
		panic(err)
	}
	return n
}

func genKey(t testing.TB) *rsa.PrivateKey {
	k, err := pki.GenerateKey(nil, "k", 1024, false, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return k.Private
}

func (ca *testCA) selfSign(key *rsa.PrivateKey, serial int64, from time.Time) *x509.Certificate {
	der, err := pki.CreateCertificate(&pki.Template{SerialNumber: big.NewInt(serial), Issuer: caName, Subject: caName,
		NotBefore: from, NotAfter: from.Add(ca.caLife), PublicKey: &key.PublicKey, CA: true}, key)
	if err != nil {
		ca.t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		ca.t.Fatal(err)
	}
	return c
}

// armLocked arms the CA's rollover generation and expiry.
func (ca *testCA) armLocked() {
	if ca.overlap > 0 && ca.roll == nil {
		ca.clock.At("CS SHADOW CERT GENERATION", ca.cert.NotAfter.Add(-ca.overlap), ca.generateRollover)
	}
	ca.clock.At("CS CERT EXPIRE", ca.cert.NotAfter, ca.expire)
}

func (ca *testCA) generateRollover() {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if ca.roll != nil {
		return
	}
	ca.rollKey = genKey(ca.t)
	ca.serial++
	ca.roll = ca.selfSign(ca.rollKey, ca.serial, ca.cert.NotAfter)
}

func (ca *testCA) expire() {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if ca.roll == nil || ca.clock.Now().Before(ca.cert.NotAfter) {
		return
	}
	ca.cert, ca.key, ca.roll, ca.rollKey = ca.roll, ca.rollKey, nil, nil
	ca.rollovers++
	ca.armLocked()
}

func (ca *testCA) setMode(m int)  { ca.mu.Lock(); ca.mode = m; ca.mu.Unlock() }
func (ca *testCA) setDown(d bool) { ca.mu.Lock(); ca.down = d; ca.mu.Unlock() }

// approveAll grants the pending requests at their next poll.
func (ca *testCA) approveAll() {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	for id := range ca.pending {
		ca.approved[id] = true
	}
}

func (ca *testCA) Caps() []string { return ca.caps }

func (ca *testCA) CA() (*x509.Certificate, crypto.Signer) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	return ca.cert, ca.key
}

func (ca *testCA) Rollover() (*x509.Certificate, crypto.Signer, bool) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if ca.roll == nil {
		return nil, nil, false
	}
	return ca.roll, ca.rollKey, true
}

func (ca *testCA) Enroll(_ context.Context, req *scep.Request) scep.Decision {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	ca.enrolls++
	if req.Rollover {
		ca.rolloverRequests++
	}
	if c, ok := ca.issued[req.TransactionID]; ok {
		return scep.Grant(c)
	}
	switch ca.mode {
	case grantNone:
		ca.pending[req.TransactionID] = req
		return scep.Defer()
	case grantReject:
		return scep.Reject(scep.BadRequest)
	}
	return ca.issueLocked(req)
}

func (ca *testCA) Poll(_ context.Context, req *scep.PollRequest) scep.Decision {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	ca.polls++
	if c, ok := ca.issued[req.TransactionID]; ok {
		return scep.Grant(c)
	}
	r, ok := ca.pending[req.TransactionID]
	if !ok {
		return scep.Reject(scep.BadCertID)
	}
	if !ca.approved[req.TransactionID] {
		return scep.Defer()
	}
	delete(ca.pending, req.TransactionID)
	return ca.issueLocked(r)
}

// issueLocked signs the CSR with the CA the request was encrypted to, for
// certLife capped at that CA's end, as IOS does.
func (ca *testCA) issueLocked(req *scep.Request) scep.Decision {
	parent, key := ca.cert, ca.key
	if req.Rollover {
		parent, key = ca.roll, ca.rollKey
	}
	if parent == nil {
		return scep.Reject(scep.BadRequest)
	}
	now := ca.clock.Now()
	end := now.Add(-ca.backdate).Add(ca.certLife)
	if end.After(parent.NotAfter) {
		end = parent.NotAfter
	}
	subj, err := pki.ParseName(req.CSR.RawSubject)
	if err != nil {
		return scep.Reject(scep.BadRequest)
	}
	ca.serial++
	der, err := pki.CreateCertificate(&pki.Template{SerialNumber: big.NewInt(ca.serial), Issuer: caName, Subject: subj,
		NotBefore: now.Add(-ca.backdate), NotAfter: end, PublicKey: req.CSR.PublicKey}, key)
	if err != nil {
		return scep.Reject(scep.BadRequest)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return scep.Reject(scep.BadRequest)
	}
	ca.issued[req.TransactionID] = c
	return scep.Grant(c, parent)
}

func (ca *testCA) GetCert([]byte, *big.Int) (*x509.Certificate, bool) { return nil, false }
func (ca *testCA) GetCRL([]byte, *big.Int) ([]byte, bool)             { return nil, false }

// Do serves req in process, or fails like a refused connection while the
// CA is down.
func (ca *testCA) Do(req *http.Request) (*http.Response, error) {
	ca.mu.Lock()
	down := ca.down
	ca.mu.Unlock()
	if down {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	}
	rec := httptest.NewRecorder()
	ca.handler.ServeHTTP(rec, req)
	return rec.Result(), nil
}

func (ca *testCA) counts() (enrolls, polls, rollReqs, rollovers int) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	return ca.enrolls, ca.polls, ca.rolloverRequests, ca.rollovers
}

// issueFor signs a certificate for pub out of band (terminal enrolment).
func (ca *testCA) issueFor(t testing.TB, rawSubject []byte, pub crypto.PublicKey) *x509.Certificate {
	subj, err := pki.ParseName(rawSubject)
	if err != nil {
		t.Fatal(err)
	}
	ca.mu.Lock()
	defer ca.mu.Unlock()
	ca.serial++
	now := ca.clock.Now()
	der, err := pki.CreateCertificate(&pki.Template{SerialNumber: big.NewInt(ca.serial), Issuer: caName, Subject: subj,
		NotBefore: now, NotAfter: now.Add(ca.certLife), PublicKey: pub}, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func pemOf(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
