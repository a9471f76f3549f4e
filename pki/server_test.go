package pki_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iosemu/iosemu/pki"
	"github.com/iosemu/iosemu/pki/pkitest"
	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

var cet = time.FixedZone("CET", 3600)

func at(y int, m time.Month, d, h, min, s int) time.Time {
	return time.Date(y, m, d, h, min, s, 0, cet)
}

// seedsConfig is the seeds' `crypto pki server ROOTCA`.
func seedsConfig() pki.Config {
	return pki.Config{
		Name:            "ROOTCA",
		DatabaseLevel:   pki.LevelComplete,
		Archive:         pki.ArchivePKCS12,
		ArchivePassword: "cisco123",
		IssuerName:      "CN=RootCA,OU=TAC,O=Cisco",
		Grant:           pki.GrantAuto,
		CertLifetime:    365 * 24 * time.Hour,
		CALifetime:      730 * 24 * time.Hour,
		DatabaseURL:     "ftp://10.1.1.1/DB/ROOTCA/",
		AutoRollover:    90 * 24 * time.Hour,
	}
}

type rig struct {
	clock  *pkitest.Clock
	store  *pkitest.Store
	keys   *pki.Keyring
	mu     sync.Mutex
	events []pki.Event
}

func newRig(start time.Time) *rig {
	return &rig{clock: pkitest.NewClock(start), store: pkitest.NewStore(), keys: pki.NewKeyring()}
}

func (r *rig) deps() pki.Deps {
	return pki.Deps{Clock: r.clock, Store: r.store, Keys: r.keys, Events: func(e pki.Event) {
		r.mu.Lock()
		r.events = append(r.events, e)
		r.mu.Unlock()
	}}
}

func (r *rig) texts() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		out = append(out, e.Text)
	}
	return out
}

func (r *rig) server(t testing.TB, cfg pki.Config) *pki.Server {
	t.Helper()
	s, err := pki.NewServer(cfg, r.deps())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

var clientKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		panic(err)
	}
	return k
})

// csr makes a PKCS#10 request for the IOS subject dn.
func csr(t testing.TB, dn string) []byte {
	t.Helper()
	n, err := pki.ParseDN(dn)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := n.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{RawSubject: raw}, clientKey())
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func enroll(t testing.TB, s *pki.Server, req pki.EnrollRequest) pki.EnrollResult {
	t.Helper()
	res, err := s.Enroll(req)
	if err != nil {
		t.Fatalf("Enroll: %v", err)
	}
	return res
}

func timer(s *pki.Server, name string) (time.Time, bool) {
	for _, ti := range s.Timers() {
		if ti.Name == name {
			return ti.Due, true
		}
	}
	return time.Time{}, false
}

// remaining formats d as `show crypto pki timers` does: 639d23:54:17.
func remaining(d time.Duration) string {
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	return fmt.Sprintf("%dd%02d:%02d:%02d", days, d/time.Hour, d%time.Hour/time.Minute, d%time.Minute/time.Second)
}

// TestSeedsTimeline replays the seeds: enable at 13:14:16 CET Oct 9 2015,
// the timers at 13:19:58.946, the shadow generation on Jul 10 2017, the
// switch to the rollover CA on Oct 8 2017.
func TestSeedsTimeline(t *testing.T) {
	r := newRig(at(2015, 10, 9, 13, 14, 16))
	s := r.server(t, seedsConfig())
	if err := s.Enable(""); err != nil {
		t.Fatal(err)
	}
	ca := s.CACert()
	if ca.SerialNumber.Int64() != 1 || !ca.NotBefore.Equal(at(2015, 10, 9, 13, 14, 16)) || !ca.NotAfter.Equal(at(2017, 10, 8, 13, 14, 16)) {
		t.Fatalf("CA cert serial %v valid %v .. %v", ca.SerialNumber, ca.NotBefore, ca.NotAfter)
	}
	if ca.SignatureAlgorithm != x509.MD5WithRSA || ca.PublicKey.(*rsa.PublicKey).N.BitLen() != 1024 || ca.Subject.String() != "CN=RootCA,OU=TAC,O=Cisco" {
		t.Errorf("CA cert %v %d bits %q", ca.SignatureAlgorithm, ca.PublicKey.(*rsa.PublicKey).N.BitLen(), ca.Subject)
	}
	if !slices.Contains(r.texts(), "%PKI-6-CS_ENABLED: Certificate server now enabled.") {
		t.Errorf("events %q lack CS_ENABLED", r.texts())
	}
	for _, f := range []string{"ROOTCA.ser", "ROOTCA.crl", "ROOTCA.p12"} {
		if _, err := r.store.ReadFile("ftp://10.1.1.1/DB/ROOTCA/" + f); err != nil {
			t.Errorf("enable left no %s: %v", f, err)
		}
	}
	if k, ok := r.keys.Get("ROOTCA"); !ok || !k.Generated.Equal(at(2015, 10, 9, 13, 14, 16)) || k.Storage != "not specified" || k.Exportable {
		t.Errorf("key ROOTCA = %+v, %v", k, ok)
	}

	r.clock.Set(at(2015, 10, 9, 13, 19, 58).Add(946 * time.Millisecond))
	now := r.clock.Now()
	for _, tt := range []struct{ name, want string }{
		{pki.TimerCRLUpdate, "0d05:54:17"},
		{pki.TimerShadow, "639d23:54:17"},
		{pki.TimerExpire, "729d23:54:17"},
	} {
		due, ok := timer(s, tt.name)
		if got := remaining(due.Sub(now)); !ok || got != tt.want {
			t.Errorf("%s in %s, want %s.xxx", tt.name, got, tt.want)
		}
	}

	// A client enrols: serial 2.
	res := enroll(t, s, pki.EnrollRequest{CSR: csr(t, "cn=spoke-1.cisco.com,ou=CVO"), TransactionID: "t1"})
	if res.Status != pki.StatusGranted || res.Cert.SerialNumber.Int64() != 2 {
		t.Fatalf("enrol: %+v", res)
	}

	// Re-signing the CRL every 6 h for two years costs ~3000 RSA signatures
	// (seconds under -race); a weekly CRL keeps the test fast and changes
	// nothing else on the way (lifetime crl is not a locked setting).
	cfg := s.Config()
	cfg.CRLLifetime = 7 * 24 * time.Hour
	if err := s.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	r.clock.Set(at(2017, 7, 10, 13, 14, 16))
	want := []string{
		"CRYPTO_CS: shadow generation timer fired.",
		"CRYPTO_CS: key 'ROOTCA#' does not exist; generated automatically",
		"CRYPTO_CS: shadow CA successfully created.",
		"CRYPTO_CS: exporting shadow CA key and cert",
		"CRYPTO_CS: file opened: ftp://10.1.1.1/DB/ROOTCA/ROOTCA_00001.p12",
	}
	var got []string
	for _, e := range r.texts() {
		if strings.HasPrefix(e, "CRYPTO_CS: ") && !strings.Contains(e, "crl") {
			got = append(got, e)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("rollover events =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	shadow, ok := r.keys.Get("ROOTCA#")
	if !ok || shadow.Storage != "not specified" || !shadow.Generated.Equal(at(2017, 7, 10, 13, 14, 16)) {
		t.Fatalf("key ROOTCA# = %+v, %v", shadow, ok)
	}
	roll := s.RolloverCert()
	if roll == nil || roll.SerialNumber.Int64() != 3 || !roll.NotBefore.Equal(at(2017, 10, 8, 13, 14, 16)) || !roll.NotAfter.Equal(at(2019, 10, 8, 13, 14, 16)) {
		t.Fatalf("rollover cert %+v", roll)
	}
	if !bytes.Equal(roll.RawSubject, ca.RawSubject) || !bytes.Equal(roll.AuthorityKeyId, roll.SubjectKeyId) || !shadow.Public().Equal(roll.PublicKey) {
		t.Errorf("rollover cert: subject %q AKI %X SKI %X", roll.Subject, roll.AuthorityKeyId, roll.SubjectKeyId)
	}
	if err := pki.VerifySignature(roll, roll); err != nil {
		t.Errorf("rollover self-signature: %v", err)
	}
	p12, err := r.store.ReadFile("ftp://10.1.1.1/DB/ROOTCA/ROOTCA_00001.p12")
	if err != nil {
		t.Fatal(err)
	}
	pk, pc, err := pkcs12.Decode(p12, "cisco123")
	if err != nil || !pc.Equal(roll) || !shadow.Private.Equal(pk) {
		t.Errorf("ROOTCA_00001.p12 does not hold the rollover key and cert: %v", err)
	}
	in := s.Info()
	if !in.Rollover || in.RolloverFingerprint != pki.FingerprintMD5(roll.Raw) || !in.RolloverExpiry.Equal(roll.NotAfter) ||
		in.LastSerial.Int64() != 3 || in.AutoRollover != 90*24*time.Hour {
		t.Errorf("Info after shadow = %+v", in)
	}
	if _, ok := timer(s, pki.TimerShadow); ok {
		t.Error("shadow timer still armed")
	}

	// A certificate issued now never outlives the CA.
	res = enroll(t, s, pki.EnrollRequest{CSR: csr(t, "cn=spoke-2"), TransactionID: "t2"})
	if res.Status != pki.StatusGranted || !res.Cert.NotAfter.Equal(ca.NotAfter) || res.Issuer != ca {
		t.Errorf("issued at Jul 2017: %+v valid until %v", res.Status, res.Cert.NotAfter)
	}
	// A request encrypted to the rollover CA is issued by it.
	res = enroll(t, s, pki.EnrollRequest{CSR: csr(t, "cn=spoke-2"), TransactionID: "t3", Rollover: true})
	if res.Status != pki.StatusGranted || res.Issuer != roll || pki.VerifySignature(res.Cert, roll) != nil ||
		!res.Cert.NotBefore.Equal(roll.NotBefore) {
		t.Errorf("rollover issuance: %+v", res)
	}

	r.clock.Set(at(2017, 10, 8, 13, 14, 17))
	if c := s.CACert(); !c.Equal(roll) {
		t.Fatalf("active CA after Oct 8 2017 is serial %v", c.SerialNumber)
	}
	if s.RolloverCert() != nil {
		t.Error("rollover cert still there")
	}
	if k, ok := r.keys.Get("ROOTCA"); !ok || !k.Public().Equal(roll.PublicKey) {
		t.Error("key ROOTCA is not the former ROOTCA#")
	}
	if _, ok := r.keys.Get("ROOTCA#"); ok {
		t.Error("key ROOTCA# still there")
	}
	if due, ok := timer(s, pki.TimerExpire); !ok || !due.Equal(at(2019, 10, 8, 13, 14, 16)) {
		t.Errorf("CERT EXPIRE re-armed at %v", due)
	}
	if due, ok := timer(s, pki.TimerShadow); !ok || !due.Equal(at(2019, 7, 10, 13, 14, 16)) {
		t.Errorf("SHADOW re-armed at %v", due)
	}
	if _, err := pki.VerifyCRL(s.CRL().DER, roll); err != nil {
		t.Errorf("CRL after the switch: %v", err)
	}
	res = enroll(t, s, pki.EnrollRequest{CSR: csr(t, "cn=spoke-3"), TransactionID: "t4"})
	if res.Status != pki.StatusGranted || pki.VerifySignature(res.Cert, roll) != nil || res.Cert.SerialNumber.Int64() != 6 {
		t.Errorf("issued after the switch: %+v", res)
	}
}

func TestEnableNeedsAuthoritativeClock(t *testing.T) {
	r := newRig(at(2015, 10, 9, 13, 14, 16))
	r.clock.SetAuthoritative(false)
	s := r.server(t, seedsConfig())
	if err := s.Enable("pw"); !errors.Is(err, pki.ErrClockNotAuthoritative) {
		t.Fatalf("Enable = %v", err)
	}
	if n := r.store.Names(); len(n) != 0 || s.CACert() != nil || len(s.Timers()) != 0 || len(r.keys.List()) != 0 {
		t.Errorf("a refused enable left %q, %d timers", n, len(s.Timers()))
	}
	r.clock.SetAuthoritative(true)
	if err := s.Enable("pw"); err != nil || s.Info().State != pki.StateEnabled {
		t.Errorf("Enable = %v", err)
	}
}

func TestDefaults(t *testing.T) {
	r := newRig(at(2025, 3, 25, 7, 24, 39))
	s := r.server(t, pki.Config{Name: "CA"})
	if err := s.Enable("secret"); err != nil {
		t.Fatal(err)
	}
	ca := s.CACert()
	in := s.Info()
	if ca.Subject.String() != "CN=CA" || !ca.NotAfter.Equal(ca.NotBefore.Add(1095*24*time.Hour)) ||
		!in.CRLNextUpdate.Equal(r.clock.Now().Add(6*time.Hour)) || in.PrimaryStorage != "nvram:" ||
		in.Grant.String() != "manual" || in.DatabaseLevel.String() != "Minimum - no cert data written to storage" ||
		in.CAFingerprint != pki.FingerprintMD5(ca.Raw) || !in.Locked {
		t.Errorf("defaults: %+v, CA %q until %v", in, ca.Subject, ca.NotAfter)
	}
	if _, ok := timer(s, pki.TimerShadow); ok {
		t.Error("shadow timer without auto-rollover")
	}
	if !slices.Equal(r.store.Names(), []string{"nvram:CA.crl", "nvram:CA.ser"}) {
		t.Errorf("files %q", r.store.Names())
	}
	cfg := s.Config()
	cfg.IssuerName = "CN=Other"
	if err := s.SetConfig(cfg); !errors.Is(err, pki.ErrLocked) {
		t.Errorf("changing the issuer name of a locked server: %v", err)
	}
	cfg = s.Config()
	cfg.Grant = pki.GrantAuto
	if err := s.SetConfig(cfg); err != nil || s.Info().Grant != pki.GrantAuto {
		t.Errorf("changing the grant mode: %v", err)
	}
}

func TestManualGrantPollReplay(t *testing.T) {
	r := newRig(at(2025, 3, 25, 7, 24, 39))
	cfg := pki.Config{Name: "CA", DatabaseLevel: pki.LevelComplete}
	s := r.server(t, cfg)
	if err := s.Enable("x"); err != nil {
		t.Fatal(err)
	}
	req := csr(t, "serialNumber=67109104+hostname=R15.labtech.su")
	res := enroll(t, s, pki.EnrollRequest{CSR: req, TransactionID: "tid-1"})
	if res.Status != pki.StatusPending || res.RequestID != 1 {
		t.Fatalf("grant none: %+v", res)
	}
	reqs := s.Requests()
	if len(reqs) != 1 || reqs[0].State.String() != "pending" || reqs[0].Subject.String() != "serialNumber=67109104+hostname=R15.labtech.su" ||
		reqs[0].Fingerprint != strings.ReplaceAll(pki.FingerprintMD5(req), " ", "") || len(reqs[0].Fingerprint) != 32 {
		t.Fatalf("requests %+v", reqs)
	}
	if p, _ := s.Poll("tid-1"); p.Status != pki.StatusPending {
		t.Errorf("poll before grant: %+v", p)
	}
	if err := s.Grant(1); err != nil {
		t.Fatal(err)
	}
	if err := s.Grant(1); !errors.Is(err, pki.ErrRequestNotPending) {
		t.Errorf("second grant: %v", err)
	}
	if err := s.Grant(7); !errors.Is(err, pki.ErrNoRequest) {
		t.Errorf("grant 7: %v", err)
	}
	p, _ := s.Poll("tid-1")
	if p.Status != pki.StatusGranted || p.Cert.SerialNumber.Int64() != 2 || pki.VerifySignature(p.Cert, s.CACert()) != nil {
		t.Fatalf("poll after grant: %+v", p)
	}
	if p.Cert.Subject.SerialNumber != "67109104" || p.Cert.SignatureAlgorithm != x509.SHA256WithRSA {
		t.Errorf("issued subject %q, %v (a SHA-256 request gets a SHA-256 cert under the default hash)", p.Cert.Subject, p.Cert.SignatureAlgorithm)
	}
	if der, err := r.store.ReadFile("nvram:2.cer"); err != nil || !bytes.Equal(der, p.Cert.Raw) {
		t.Errorf("nvram:2.cer: %v", err)
	}
	// A replayed PKCSReq gets the same certificate, not a new serial.
	again := enroll(t, s, pki.EnrollRequest{CSR: req, TransactionID: "tid-1"})
	if again.Status != pki.StatusGranted || !again.Cert.Equal(p.Cert) || s.Info().LastSerial.Int64() != 2 {
		t.Errorf("replay: %+v, last serial %v", again, s.Info().LastSerial)
	}
	if c, ok := s.Certificate(big.NewInt(2)); !ok || !c.Equal(p.Cert) {
		t.Error("GetCert 2")
	}
	// reject
	enroll(t, s, pki.EnrollRequest{CSR: csr(t, "cn=x"), TransactionID: "tid-2"})
	if err := s.RejectAll(); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.Poll("tid-2"); p.Status != pki.StatusFailure || p.FailInfo != pki.FailBadRequest {
		t.Errorf("poll of a rejected request: %+v", p)
	}
	if p, _ := s.Poll("nope"); p.Status != pki.StatusFailure {
		t.Errorf("poll of an unknown transaction: %+v", p)
	}
	// requests expire after lifetime enrollment-request (168 h)
	r.clock.Advance(168 * time.Hour)
	if n := len(s.Requests()); n != 0 {
		t.Errorf("%d requests after 168 h", n)
	}
}

func TestBadRequests(t *testing.T) {
	r := newRig(at(2025, 3, 25, 7, 24, 39))
	s := r.server(t, pki.Config{Name: "CA", Grant: pki.GrantAuto})
	if err := s.Enable("x"); err != nil {
		t.Fatal(err)
	}
	good := csr(t, "cn=a")
	tampered := bytes.Clone(good)
	tampered[len(tampered)-1] ^= 1
	before := s.Info().LastSerial.Int64()
	for _, tt := range []struct {
		name string
		der  []byte
		want pki.FailInfo
	}{
		{"garbage", []byte("hello"), pki.FailBadRequest},
		{"truncated", good[:len(good)/2], pki.FailBadRequest},
		{"bad signature", tampered, pki.FailBadMessageCheck},
	} {
		res := enroll(t, s, pki.EnrollRequest{CSR: tt.der, TransactionID: tt.name})
		if res.Status != pki.StatusFailure || res.FailInfo != tt.want {
			t.Errorf("%s: %+v", tt.name, res)
		}
	}
	if len(s.Requests()) != 0 || s.Info().LastSerial.Int64() != before {
		t.Error("bad requests changed the database")
	}
	if res := enroll(t, s, pki.EnrollRequest{CSR: good, Rollover: true}); res.Status != pki.StatusFailure || res.FailInfo != pki.FailBadCertID {
		t.Errorf("request to a missing rollover CA: %+v", res)
	}
	if err := s.Shutdown(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Enroll(pki.EnrollRequest{CSR: good}); !errors.Is(err, pki.ErrNotEnabled) {
		t.Errorf("enroll while shut: %v", err)
	}
	if len(s.Timers()) != 0 {
		t.Error("timers after shutdown")
	}
}

// TestSerialNeverReused: the store fails after the serial file is written
// (the .cer write); the process "dies"; the restarted server issues a new
// serial.
func TestSerialNeverReused(t *testing.T) {
	r := newRig(at(2025, 3, 25, 7, 24, 39))
	cfg := pki.Config{Name: "CA", Grant: pki.GrantAuto, DatabaseLevel: pki.LevelComplete}
	s := r.server(t, cfg)
	if err := s.Enable("x"); err != nil {
		t.Fatal(err)
	}
	enroll(t, s, pki.EnrollRequest{CSR: csr(t, "cn=a"), TransactionID: "a"})
	r.store.FailWith(func(op, url string) error {
		if strings.HasSuffix(url, ".cer") {
			return errors.New("disk full")
		}
		return nil
	})
	if res, err := s.Enroll(pki.EnrollRequest{CSR: csr(t, "cn=b"), TransactionID: "b"}); err == nil {
		t.Fatalf("enroll with a failing store = %+v", res)
	}
	crashed := r.store.Snapshot()
	s.Close()

	r2 := &rig{clock: r.clock, store: crashed, keys: r.keys}
	s2, err := pki.Load(cfg, r2.deps())
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if got := s2.Info().LastSerial.Int64(); got != 3 {
		t.Errorf("last serial after the crash = %d, want 3 (2 issued, 3 burnt)", got)
	}
	res := enroll(t, s2, pki.EnrollRequest{CSR: csr(t, "cn=b"), TransactionID: "b"})
	if res.Status != pki.StatusGranted || res.Cert.SerialNumber.Int64() != 4 {
		t.Errorf("after restart: %+v", res)
	}
	var serials []int64
	for _, c := range s2.Certificates() {
		serials = append(serials, c.Serial.Int64())
	}
	if !slices.Equal(serials, []int64{1, 2, 4}) { // 3 was burnt: no certificate, no .cnm
		t.Errorf("issued after restart: %v", serials)
	}
	for _, f := range []string{"nvram:2.cer", "nvram:4.cer"} {
		if _, err := crashed.ReadFile(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}

	// The serial file write itself failing: nothing is issued.
	crashed.FailWith(func(op, url string) error {
		if strings.HasSuffix(url, ".ser") {
			return errors.New("io error")
		}
		return nil
	})
	if res, err := s2.Enroll(pki.EnrollRequest{CSR: csr(t, "cn=c"), TransactionID: "c"}); err == nil || res.Cert != nil {
		t.Errorf("enroll with a failing serial file = %+v, %v", res, err)
	}
}

func TestRevokeCRL(t *testing.T) {
	r := newRig(at(2023, 10, 30, 10, 38, 12))
	s := r.server(t, pki.Config{Name: "CA", Grant: pki.GrantAuto, CRLLifetime: 6 * time.Hour})
	if err := s.Enable("x"); err != nil {
		t.Fatal(err)
	}
	res := enroll(t, s, pki.EnrollRequest{CSR: csr(t, "cn=a")})
	r.clock.Advance(time.Hour)
	if err := s.Revoke(res.Cert.SerialNumber); err != nil {
		t.Fatal(err)
	}
	if err := s.Revoke(res.Cert.SerialNumber); !errors.Is(err, pki.ErrAlreadyRevoked) {
		t.Errorf("second revoke: %v", err)
	}
	for _, sn := range []int64{1, 9} {
		if err := s.Revoke(big.NewInt(sn)); !errors.Is(err, pki.ErrNotIssued) {
			t.Errorf("revoke %d: %v", sn, err)
		}
	}
	info := s.CRL()
	crl, err := pki.VerifyCRL(info.DER, s.CACert())
	if err != nil {
		t.Fatal(err)
	}
	if len(crl.RevokedCertificateEntries) != 1 || crl.RevokedCertificateEntries[0].SerialNumber.Int64() != 2 ||
		!crl.ThisUpdate.Equal(r.clock.Now()) || !crl.NextUpdate.Equal(r.clock.Now().Add(6*time.Hour)) ||
		crl.SignatureAlgorithm != x509.MD5WithRSA {
		t.Errorf("CRL %+v", crl)
	}
	if stored, _ := r.store.ReadFile("nvram:CA.crl"); !bytes.Equal(stored, info.DER) {
		t.Error("nvram:CA.crl is not the current CRL")
	}
	if due, _ := timer(s, pki.TimerCRLUpdate); !due.Equal(info.NextUpdate) {
		t.Errorf("CRL UPDATE at %v, CRL next update %v", due, info.NextUpdate)
	}
	// the CRL UPDATE timer re-signs the CRL
	r.clock.Advance(6 * time.Hour)
	if c := s.CRL(); !c.ThisUpdate.Equal(r.clock.Now()) || len(c.Entries) != 1 {
		t.Errorf("after CRL UPDATE: %+v", c)
	}
	if err := s.Unrevoke(big.NewInt(2)); err != nil {
		t.Fatal(err)
	}
	if crl, _ := pki.VerifyCRL(s.CRL().DER, s.CACert()); len(crl.RevokedCertificateEntries) != 0 {
		t.Error("unrevoked serial still on the CRL")
	}
	if err := s.Unrevoke(big.NewInt(2)); !errors.Is(err, pki.ErrNotRevoked) {
		t.Errorf("second unrevoke: %v", err)
	}
}

func TestLoadRearmsAndFiresLateTimers(t *testing.T) {
	r := newRig(at(2015, 10, 9, 13, 14, 16))
	cfg := seedsConfig()
	cfg.Grant = pki.GrantNone
	s := r.server(t, cfg)
	if err := s.Enable(""); err != nil {
		t.Fatal(err)
	}
	enroll(t, s, pki.EnrollRequest{CSR: csr(t, "cn=a"), TransactionID: "a"})
	enroll(t, s, pki.EnrollRequest{CSR: csr(t, "cn=b"), TransactionID: "b"})
	if err := s.Grant(1); err != nil {
		t.Fatal(err)
	}
	if err := s.Revoke(big.NewInt(2)); err != nil {
		t.Fatal(err)
	}
	before, beforeReqs, beforeTimers := s.Info(), s.Requests(), s.Timers()
	s.Close()

	// The lab was stopped for a year and a half: the shadow timer is late.
	r.clock = pkitest.NewClock(at(2017, 8, 1, 0, 0, 0))
	s2, err := pki.Load(cfg, r.deps())
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	after := s2.Info()
	if after.CAFingerprint != before.CAFingerprint || after.LastSerial.Cmp(before.LastSerial) != 0 || after.State != pki.StateEnabled {
		t.Errorf("Info after Load = %+v, before %+v", after, before)
	}
	if got := s2.Requests(); len(got) != 0 {
		t.Errorf("requests older than 168 h survived: %+v", got)
	}
	_ = beforeReqs
	if got := s2.Timers(); len(got) != len(beforeTimers) {
		t.Errorf("timers after Load %+v, before %+v", got, beforeTimers)
	}
	if len(s2.CRL().Entries) != 1 {
		t.Error("revocation lost")
	}
	r.clock.Flush()
	if s2.RolloverCert() == nil {
		t.Error("the late shadow timer did not fire at once")
	}
	if c := s2.CRL(); !c.ThisUpdate.Equal(at(2017, 8, 1, 0, 0, 0)) {
		t.Errorf("the late CRL timer did not fire at once: %v", c.ThisUpdate)
	}
	if s2.Info().LastSerial.Int64() != 3 {
		t.Errorf("rollover serial: last %v", s2.Info().LastSerial)
	}
}

func TestRenewalAndManualRollover(t *testing.T) {
	r := newRig(at(2020, 1, 1, 0, 0, 0))
	cfg := pki.Config{Name: "CA", Grant: pki.GrantNone, GrantAutoRollover: true, Archive: pki.ArchivePEM, CALifetime: 100 * 24 * time.Hour}
	s := r.server(t, cfg)
	if err := s.Enable("pass"); err != nil {
		t.Fatal(err)
	}
	if err := s.CancelRollover(); !errors.Is(err, pki.ErrNoRollover) {
		t.Errorf("cancel without rollover: %v", err)
	}
	if err := s.Rollover(); err != nil {
		t.Fatal(err)
	}
	if err := s.Rollover(); !errors.Is(err, pki.ErrRolloverExists) {
		t.Errorf("second rollover: %v", err)
	}
	if _, err := r.store.ReadFile("nvram:CA_00001.pem"); err != nil {
		t.Errorf("PEM archive: %v", err)
	}
	// an issued certificate signs a request for the rollover CA: granted
	res := enroll(t, s, pki.EnrollRequest{CSR: csr(t, "cn=r1"), TransactionID: "1"})
	if res.Status != pki.StatusPending {
		t.Fatalf("grant none: %+v", res)
	}
	if err := s.Grant(res.RequestID); err != nil {
		t.Fatal(err)
	}
	issued, _ := s.Poll("1")
	res = enroll(t, s, pki.EnrollRequest{CSR: csr(t, "cn=r1"), TransactionID: "2", Signer: issued.Cert, Rollover: true})
	if res.Status != pki.StatusGranted || res.Issuer != s.RolloverCert() {
		t.Errorf("renewal for the rollover CA: %+v", res)
	}
	// a revoked signer is refused
	if err := s.Revoke(issued.Cert.SerialNumber); err != nil {
		t.Fatal(err)
	}
	if res := enroll(t, s, pki.EnrollRequest{CSR: csr(t, "cn=r1"), TransactionID: "3", Signer: issued.Cert, Rollover: true}); res.Status != pki.StatusFailure {
		t.Errorf("renewal signed by a revoked cert: %+v", res)
	}
	if err := s.CancelRollover(); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.keys.Get("CA#"); ok || s.RolloverCert() != nil || s.Info().Rollover {
		t.Error("rollover cancel left the key or the cert")
	}
}

func TestKeyring(t *testing.T) {
	kr := pki.NewKeyring()
	changes := 0
	kr.OnChange(func() { changes++ })
	now := at(2015, 10, 9, 13, 14, 16)
	t.Setenv("GODEBUG", "rsa1024min=0") // IOS keys may be as small as 360 bits
	a, err := pki.GenerateKey(rand.Reader, "ROOTCA", 512, true, now)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pki.GenerateKey(rand.Reader, "rootca", 512, false, now.Add(time.Second))
	kr.Put(a)
	kr.Put(b)
	if _, ok := kr.Get("Rootca"); ok {
		t.Error("labels are case-sensitive")
	}
	if l := kr.List(); len(l) != 2 || l[0].Label != "ROOTCA" || l[1].Storage != "not specified" {
		t.Errorf("List = %+v", l)
	}
	kr.MarkSaved()
	data, err := kr.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	kr2 := pki.NewKeyring()
	if err := kr2.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	got, ok := kr2.Get("ROOTCA")
	if !ok || !got.Private.Equal(a.Private) || !got.Generated.Equal(now) || !got.Exportable || got.Storage != "private-config" || got.Usage != "General Purpose Key" {
		t.Errorf("round trip: %+v", got)
	}
	if err := kr2.Rename("rootca", "X#"); err != nil || len(kr2.List()) != 2 {
		t.Errorf("Rename: %v", err)
	}
	if !kr.Delete("rootca") || kr.Delete("rootca") || changes != 3 {
		t.Errorf("Delete / changes = %d", changes)
	}
	if err := kr2.UnmarshalBinary([]byte("-----BEGIN RSA PRIVATE KEY-----\nLabel: \"x\"\n\nAAAA\n-----END RSA PRIVATE KEY-----\n")); err == nil {
		t.Error("a broken key decoded")
	}
	if len(kr2.List()) != 2 {
		t.Error("a failed decode changed the keyring")
	}
	if lines := pki.PublicKeyHex(a); len(lines) != 3 || !strings.HasPrefix(lines[0], "305C300D 06092A86") {
		t.Errorf("PublicKeyHex(512) = %q", lines)
	}
}

func TestConcurrentEnrolments(t *testing.T) {
	r := newRig(at(2025, 3, 25, 7, 24, 39))
	s := r.server(t, pki.Config{Name: "CA", Grant: pki.GrantAuto, DatabaseLevel: pki.LevelNames})
	if err := s.Enable("x"); err != nil {
		t.Fatal(err)
	}
	req := csr(t, "cn=a")
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[int64]bool{}
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				res, err := s.Enroll(pki.EnrollRequest{CSR: req, TransactionID: fmt.Sprintf("%d-%d", g, i)})
				if err != nil || res.Status != pki.StatusGranted {
					t.Errorf("enroll: %+v %v", res, err)
					return
				}
				mu.Lock()
				if seen[res.Cert.SerialNumber.Int64()] {
					t.Errorf("serial %v issued twice", res.Cert.SerialNumber)
				}
				seen[res.Cert.SerialNumber.Int64()] = true
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < 20; i++ {
		r.clock.Advance(time.Hour) // CRL UPDATE timers fire meanwhile
		_ = s.Info()
	}
	wg.Wait()
	if len(seen) != 40 || s.Info().LastSerial.Int64() != 41 {
		t.Errorf("%d serials, last %v", len(seen), s.Info().LastSerial)
	}
}

// A router that went down after its CA made a rollover certificate, but
// before the rollover key NAME# was saved, comes back without that key:
// the rollover certificate is dropped and made again at the next shadow
// time, and the expiry does not fail for ever at one instant.
func TestRolloverWithoutItsKeyAfterARestart(t *testing.T) {
	r := newRig(at(2015, 10, 9, 13, 14, 16))
	cfg := seedsConfig()
	s := r.server(t, cfg)
	if err := s.Enable(""); err != nil {
		t.Fatal(err)
	}
	r.clock.Set(at(2017, 7, 11, 0, 0, 0))
	if s.RolloverCert() == nil {
		t.Fatal("no rollover certificate after the shadow time")
	}
	s.Close()
	r.keys.Delete(cfg.Name + "#") // never saved
	r.clock = pkitest.NewClock(at(2017, 7, 12, 0, 0, 0))
	s2, err := pki.Load(cfg, r.deps())
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	r.clock.Flush()
	if s2.RolloverCert() == nil {
		t.Fatal("the shadow timer did not make a new rollover certificate")
	}
	if _, ok := r.keys.Get(cfg.Name + "#"); !ok {
		t.Fatal("no rollover key")
	}
	r.clock.Set(at(2017, 10, 9, 0, 0, 0))
	if got := s2.CACert(); got.NotBefore.Year() != 2017 {
		t.Errorf("after the expiry the CA certificate starts %s, want the rollover's Oct 8 2017", got.NotBefore)
	}
	if n := len(r.clock.Pending()); n > 10 {
		t.Errorf("%d timers pending after the switch", n)
	}
}

// TestSerialFileListsOnlyCACertificates: the serial file lists the CA
// certificates (the others are in their .cnm files), before and after a
// restart, whatever the server issued in between.
func TestSerialFileListsOnlyCACertificates(t *testing.T) {
	r := newRig(at(2015, 10, 9, 13, 14, 16))
	cfg := seedsConfig()
	s := r.server(t, cfg)
	if err := s.Enable(""); err != nil {
		t.Fatal(err)
	}
	caSerials := func() []string {
		t.Helper()
		data, err := r.store.ReadFile(cfg.FileURL(pki.FileSer, cfg.Name+".ser"))
		if err != nil {
			t.Fatal(err)
		}
		var st struct{ Issued []struct{ Serial string } }
		if err := json.Unmarshal(data, &st); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, i := range st.Issued {
			out = append(out, i.Serial)
		}
		return out
	}
	for i := range 3 {
		enroll(t, s, pki.EnrollRequest{CSR: csr(t, "cn=a"), TransactionID: strconv.Itoa(i)})
	}
	if err := s.Rollover(); err != nil {
		t.Fatal(err)
	}
	enroll(t, s, pki.EnrollRequest{CSR: csr(t, "cn=b"), TransactionID: "b"})
	if got := fmt.Sprint(caSerials()); got != "[1 5]" {
		t.Errorf("serial file lists %s, want the CA certificates [1 5]", got)
	}
	s.Close()
	s2, err := pki.Load(cfg, r.deps())
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	enroll(t, s2, pki.EnrollRequest{CSR: csr(t, "cn=c"), TransactionID: "c"})
	if got := fmt.Sprint(caSerials()); got != "[1 5]" {
		t.Errorf("after a restart the serial file lists %s, want [1 5]", got)
	}
}

// TestCRLUpdatesSignedAhead: the CRL UPDATE timer publishes a CRL signed
// ahead of time (while the previous one was written); each is the one of
// its instant: thisUpdate and nextUpdate, the revocations made since, a
// valid signature, and what NAME.crl holds.
func TestCRLUpdatesSignedAhead(t *testing.T) {
	r := newRig(at(2015, 10, 9, 13, 14, 16))
	cfg := seedsConfig()
	s := r.server(t, cfg)
	if err := s.Enable(""); err != nil {
		t.Fatal(err)
	}
	var serials []*big.Int
	for i := range 3 {
		res := enroll(t, s, pki.EnrollRequest{CSR: csr(t, "cn=a"), TransactionID: strconv.Itoa(i)})
		serials = append(serials, res.Cert.SerialNumber)
	}
	revoked := 0
	check := func(step int) {
		t.Helper()
		info := s.CRL()
		crl, err := pki.VerifyCRL(info.DER, s.CACert())
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		if !crl.ThisUpdate.Equal(r.clock.Now()) || !crl.NextUpdate.Equal(crl.ThisUpdate.Add(6*time.Hour)) ||
			len(crl.RevokedCertificateEntries) != revoked {
			t.Errorf("step %d at %v: CRL %v–%v with %d entries, want %d", step, r.clock.Now(), crl.ThisUpdate,
				crl.NextUpdate, len(crl.RevokedCertificateEntries), revoked)
		}
		if stored, _ := r.store.ReadFile(cfg.FileURL(pki.FileCRL, cfg.Name+".crl")); !bytes.Equal(stored, info.DER) {
			t.Errorf("step %d: NAME.crl is not the current CRL", step)
		}
	}
	for step := range 8 {
		switch step {
		case 2: // a revocation between two updates
			r.clock.Advance(time.Hour)
			if err := s.Revoke(serials[0]); err != nil {
				t.Fatal(err)
			}
			revoked++
			check(step)
		case 5: // one at the very instant of an update, after it
			r.clock.Set(s.CRL().NextUpdate)
			if err := s.Revoke(serials[1]); err != nil {
				t.Fatal(err)
			}
			revoked++
			check(step)
		}
		r.clock.Advance(6 * time.Hour)
		check(step)
	}
}
