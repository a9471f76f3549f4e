package scep

import (
	"context"
	"crypto"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The test CA: a real CA made with crypto/x509 (or by hand, MD5-signed),
// issuing with its current or rollover key, granting, holding or
// rejecting as its mode says, and counting the calls that reach it.

var t0 = time.Date(2015, 10, 9, 12, 14, 16, 0, time.UTC)

var (
	keysOnce sync.Once
	keys     []*rsa.PrivateKey
)

// testKey returns the i-th of a few RSA-1024 keys made once per run.
func testKey(t testing.TB, i int) *rsa.PrivateKey {
	t.Helper()
	keysOnce.Do(func() {
		for range 8 {
			k, err := rsa.GenerateKey(rand.Reader, 1024)
			if err != nil {
				panic(err)
			}
			keys = append(keys, k)
		}
	})
	return keys[i]
}

var caName = pkix.Name{Organization: []string{"Cisco"}, OrganizationalUnit: []string{"TAC"}, CommonName: "RootCA"}

// newCACert makes a self-signed CA certificate with crypto/x509 (SHA-256).
func newCACert(t testing.TB, key *rsa.PrivateKey, serial int64, from time.Time) *x509.Certificate {
	t.Helper()
	return newCACertUntil(t, key, serial, from, from.AddDate(2, 0, 0))
}

func newCACertUntil(t testing.TB, key *rsa.PrivateKey, serial int64, from, to time.Time) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial),
		Subject:               caName,
		NotBefore:             from,
		NotAfter:              to,
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newMD5CACert builds a v3 CA certificate like IOS's (md5WithRSAEncryption,
// O=Cisco, OU=TAC, CN=RootCA, basicConstraints and keyUsage critical,
// UTCTime validity): the TBSCertificate assembled with encoding/asn1 and
// signed with rsa.SignPKCS1v15(crypto.MD5).
func newMD5CACert(t testing.TB, key *rsa.PrivateKey, serial int64, from time.Time) *x509.Certificate {
	t.Helper()
	name := pkix.RDNSequence{
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 10}, Value: "Cisco"}},
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 11}, Value: "TAC"}},
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "RootCA"}},
	}
	rawName, err := asn1.Marshal(name)
	if err != nil {
		t.Fatal(err)
	}
	return md5Cert(t, key, &key.PublicKey, serial, rawName, rawName, from, from.AddDate(2, 0, 0), true)
}

// md5Cert builds a certificate signed md5WithRSAEncryption by key, as IOS
// issues them: a CA certificate (basicConstraints and keyUsage critical,
// AKI = SKI) or a leaf (keyUsage digitalSignature, keyEncipherment).
func md5Cert(t testing.TB, key *rsa.PrivateKey, pub crypto.PublicKey, serial int64, issuer, subject []byte, from, to time.Time, isCA bool) *x509.Certificate {
	t.Helper()
	md5RSA := pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 4}, Parameters: asn1.NullRawValue}
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	issuerSPKI, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	ski, aki := sha1.Sum(spki), sha1.Sum(issuerSPKI)
	akiExt, _ := asn1.Marshal(struct {
		ID []byte `asn1:"optional,tag:0"`
	}{aki[:]})
	skiExt, _ := asn1.Marshal(ski[:])
	var exts []pkix.Extension
	if isCA {
		bc, _ := asn1.Marshal(struct{ IsCA bool }{true})
		ku, _ := asn1.Marshal(asn1.BitString{Bytes: []byte{0x86}, BitLength: 7}) // digitalSignature, keyCertSign, cRLSign
		exts = append(exts,
			pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 19}, Critical: true, Value: bc},
			pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 15}, Critical: true, Value: ku})
	} else {
		ku, _ := asn1.Marshal(asn1.BitString{Bytes: []byte{0xa0}, BitLength: 3}) // digitalSignature, keyEncipherment
		exts = append(exts, pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 15}, Critical: true, Value: ku})
	}
	exts = append(exts,
		pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 35}, Value: akiExt},
		pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 14}, Value: skiExt})
	tbs := struct {
		Version    int `asn1:"explicit,tag:0"`
		Serial     *big.Int
		Sig        pkix.AlgorithmIdentifier
		Issuer     asn1.RawValue
		Validity   struct{ From, To time.Time }
		Subject    asn1.RawValue
		SPKI       asn1.RawValue
		Extensions []pkix.Extension `asn1:"explicit,tag:3"`
	}{2, big.NewInt(serial), md5RSA, asn1.RawValue{FullBytes: issuer},
		struct{ From, To time.Time }{from.UTC(), to.UTC()},
		asn1.RawValue{FullBytes: subject}, asn1.RawValue{FullBytes: spki}, exts}
	tbsDER, err := asn1.Marshal(tbs)
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(tbsDER)
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.MD5, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	der, err := asn1.Marshal(struct {
		TBS asn1.RawValue
		Alg pkix.AlgorithmIdentifier
		Sig asn1.BitString
	}{asn1.RawValue{FullBytes: tbsDER}, md5RSA, asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if c.SignatureAlgorithm != x509.MD5WithRSA {
		t.Fatalf("hand-made certificate signed with %v", c.SignatureAlgorithm)
	}
	return c
}

type mode int

const (
	grantAuto mode = iota
	grantNone      // hold every request PENDING until approve
	rejectAll
	zeroDecision // an Authority that returns Decision{}
)

type testCA struct {
	mu      sync.Mutex
	cert    *x509.Certificate
	key     *rsa.PrivateKey
	next    *x509.Certificate
	nextKey *rsa.PrivateKey
	mode    mode
	md5     bool // an IOS CA: certificates signed md5WithRSAEncryption
	tb      testing.TB
	caps    []string
	serial  int64
	issued  map[string]*x509.Certificate // by transactionID
	bySer   map[int64]*x509.Certificate
	pending map[string]*Request
	ok      map[string]bool // approved transactionIDs
	crl     []byte

	calls    atomic.Int64 // Enroll and Poll calls
	requests []*Request
	polls    []*PollRequest
}

func newTestCA(t testing.TB, md5CA bool) *testCA {
	key := testKey(t, 0)
	ca := &testCA{
		key:     key,
		md5:     md5CA,
		tb:      t,
		caps:    []string{"GetNextCACert", "Renewal", "SHA-1", "SHA-256"},
		serial:  1,
		issued:  map[string]*x509.Certificate{},
		bySer:   map[int64]*x509.Certificate{},
		pending: map[string]*Request{},
		ok:      map[string]bool{},
	}
	if md5CA {
		ca.cert = newMD5CACert(t, key, 1, t0)
	} else {
		ca.cert = newCACert(t, key, 1, t0)
	}
	crl, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: t0, NextUpdate: t0.Add(6 * time.Hour),
	}, ca.cert, key)
	if err != nil {
		t.Fatal(err)
	}
	ca.crl = crl
	return ca
}

// addRollover gives the CA a rollover certificate and key.
func (ca *testCA) addRollover(t testing.TB, md5CA bool) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	ca.nextKey = testKey(t, 1)
	if md5CA {
		ca.next = newMD5CACert(t, ca.nextKey, 3, ca.cert.NotAfter)
	} else {
		ca.next = newCACert(t, ca.nextKey, 3, ca.cert.NotAfter)
	}
}

func (ca *testCA) Caps() []string { return ca.caps }

func (ca *testCA) CA() (*x509.Certificate, crypto.Signer) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if ca.cert == nil {
		return nil, nil
	}
	return ca.cert, ca.key
}

func (ca *testCA) Rollover() (*x509.Certificate, crypto.Signer, bool) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if ca.next == nil {
		return nil, nil, false
	}
	return ca.next, ca.nextKey, true
}

func (ca *testCA) Enroll(_ context.Context, req *Request) Decision {
	ca.calls.Add(1)
	ca.mu.Lock()
	defer ca.mu.Unlock()
	ca.requests = append(ca.requests, req)
	if c, ok := ca.issued[req.TransactionID]; ok {
		return Grant(c) // the same transaction again: the same certificate
	}
	switch ca.mode {
	case grantNone:
		ca.pending[req.TransactionID] = req
		return Defer()
	case rejectAll:
		return Reject(BadRequest)
	case zeroDecision:
		return Decision{}
	}
	return ca.issue(req)
}

func (ca *testCA) Poll(_ context.Context, req *PollRequest) Decision {
	ca.calls.Add(1)
	ca.mu.Lock()
	defer ca.mu.Unlock()
	ca.polls = append(ca.polls, req)
	if c, ok := ca.issued[req.TransactionID]; ok {
		return Grant(c)
	}
	r, ok := ca.pending[req.TransactionID]
	if !ok {
		return Reject(BadCertID)
	}
	if !ca.ok[req.TransactionID] {
		return Defer()
	}
	delete(ca.pending, req.TransactionID)
	return ca.issue(r)
}

// approve grants a pending transaction at its next poll.
func (ca *testCA) approve(tid string) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	ca.ok[tid] = true
}

// issue signs req's CSR with the key its envelope was encrypted to.
func (ca *testCA) issue(req *Request) Decision {
	ca.serial++
	parent, key := ca.cert, ca.key
	if req.Rollover {
		parent, key = ca.next, ca.nextKey
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(ca.serial),
		Subject:      req.CSR.Subject,
		NotBefore:    parent.NotBefore,
		NotAfter:     parent.NotBefore.AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	var c *x509.Certificate
	if ca.md5 {
		c = md5Cert(ca.tb, key, req.CSR.PublicKey, ca.serial, parent.RawSubject, req.CSR.RawSubject, tmpl.NotBefore, tmpl.NotAfter, false)
	} else {
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, req.CSR.PublicKey, key)
		if err != nil {
			return Reject(BadRequest)
		}
		if c, err = x509.ParseCertificate(der); err != nil {
			return Reject(BadRequest)
		}
	}
	ca.issued[req.TransactionID] = c
	ca.bySer[ca.serial] = c
	return Grant(c, parent)
}

func (ca *testCA) GetCert(issuer []byte, serial *big.Int) (*x509.Certificate, bool) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if !serial.IsInt64() {
		return nil, false
	}
	c, ok := ca.bySer[serial.Int64()]
	if !ok || string(c.RawIssuer) != string(issuer) {
		return nil, false
	}
	return c, true
}

func (ca *testCA) GetCRL(issuer []byte, _ *big.Int) ([]byte, bool) {
	if string(issuer) != string(ca.cert.RawSubject) {
		return nil, false
	}
	return ca.crl, true
}
