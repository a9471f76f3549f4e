package pki_test

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/iosemu/iosemu/pki"
	"github.com/iosemu/iosemu/pki/pkitest"
	"github.com/iosemu/iosemu/pki/scep"
)

// csAuthority is the least scep.Authority over a pki.Server (the face's
// adapter is the real one), with an in-process HTTP doer that can be cut.
type csAuthority struct {
	s       *pki.Server
	handler http.Handler
	down    atomic.Bool
}

func newCSAuthority(s *pki.Server) *csAuthority {
	a := &csAuthority{s: s}
	a.handler = scep.NewServer(a, scep.Options{})
	return a
}

func (a *csAuthority) Caps() []string {
	return []string{"GetNextCACert", "Renewal", "SHA-1", "SHA-256"}
}

func (a *csAuthority) CA() (*x509.Certificate, crypto.Signer) {
	c, k, ok := a.s.Signer(false)
	if !ok {
		return nil, nil
	}
	return c, k
}

func (a *csAuthority) Rollover() (*x509.Certificate, crypto.Signer, bool) {
	c, k, ok := a.s.Signer(true)
	if !ok {
		return nil, nil, false
	}
	return c, k, true
}

func decision(res pki.EnrollResult, err error) scep.Decision {
	switch {
	case errors.Is(err, pki.ErrNoRequest):
		return scep.Reject(scep.BadCertID)
	case err != nil:
		return scep.Reject(scep.BadRequest)
	case res.Status == pki.StatusGranted:
		return scep.Grant(res.Cert, res.Issuer)
	case res.Status == pki.StatusPending:
		return scep.Defer()
	}
	return scep.Reject(scep.FailInfo(strconv.Itoa(int(res.FailInfo))))
}

func (a *csAuthority) Enroll(_ context.Context, req *scep.Request) scep.Decision {
	return decision(a.s.Enroll(pki.EnrollRequest{CSR: req.CSR.Raw, TransactionID: req.TransactionID,
		Signer: req.Signer, Rollover: req.Rollover}))
}

func (a *csAuthority) Poll(_ context.Context, req *scep.PollRequest) scep.Decision {
	return decision(a.s.Poll(req.TransactionID))
}

func (a *csAuthority) GetCert(_ []byte, serial *big.Int) (*x509.Certificate, bool) {
	return a.s.Certificate(serial)
}

func (a *csAuthority) GetCRL([]byte, *big.Int) ([]byte, bool) {
	crl := a.s.CRL()
	return crl.DER, crl.DER != nil
}

func (a *csAuthority) Do(req *http.Request) (*http.Response, error) {
	if a.down.Load() {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	}
	rec := httptest.NewRecorder()
	a.handler.ServeHTTP(rec, req)
	return rec.Result(), nil
}

// csRig is the seed lab in miniature: the ROOTCA certificate server and
// spokes on one fake clock.
type csRig struct {
	t      *testing.T
	clock  *pkitest.Clock
	server *pki.Server
	auth   *csAuthority
	spokes []*pki.Trustpoint

	mu     sync.Mutex
	events []pki.Event // the spokes' events, each prefixed "spoke-N "
}

func newCSRig(t *testing.T, cfg pki.Config, spokes int, tpCfg func(i int) pki.TrustpointConfig) *csRig {
	r := &csRig{t: t, clock: pkitest.NewClock(tpStart)}
	s, err := pki.NewServer(cfg, pki.Deps{Clock: r.clock, Store: pkitest.NewStore(), Keys: pki.NewKeyring()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if err := s.Enable("cisco123"); err != nil {
		t.Fatal(err)
	}
	r.server = s
	r.auth = newCSAuthority(s)
	for i := 1; i <= spokes; i++ {
		name := "spoke-" + strconv.Itoa(i)
		tp, err := pki.NewTrustpoint("Root-CA", tpCfg(i), pki.TrustpointDeps{
			Clock: r.clock, Keys: pki.NewKeyring(), HTTP: r.auth,
			Identity: func() pki.Identity {
				return pki.Identity{Hostname: name, Domain: "cisco.com", SerialNumber: strconv.Itoa(67109100 + i)}
			},
			Events: func(e pki.Event) {
				e.Text = name + " " + e.Text
				r.mu.Lock()
				r.events = append(r.events, e)
				r.mu.Unlock()
			},
			Save: func() bool { return true },
		})
		if err != nil {
			t.Fatal(err)
		}
		r.spokes = append(r.spokes, tp)
	}
	return r
}

func (r *csRig) logged(prefix string) []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []time.Time
	for _, e := range r.events {
		if _, text, _ := strings.Cut(e.Text, " "); e.Kind == pki.EventLog && strings.HasPrefix(text, prefix) {
			out = append(out, e.Time)
		}
	}
	return out
}

func (r *csRig) enrolAll() {
	ctx := context.Background()
	for _, tp := range r.spokes {
		o, err := tp.Authenticate(ctx)
		if err != nil {
			r.t.Fatal(err)
		}
		if err := tp.Accept(ctx, o); err != nil {
			r.t.Fatal(err)
		}
		if _, err := tp.Enroll(ctx, pki.EnrollOptions{}); err != nil {
			r.t.Fatal(err)
		}
	}
}

func (r *csRig) checkAll() {
	r.t.Helper()
	now := r.clock.Now()
	for i, tp := range r.spokes {
		s := tp.State()
		if s.CA == nil || s.ID == nil {
			r.t.Fatalf("%v spoke-%d: CA %v ID %v", now, i+1, s.CA != nil, s.ID != nil)
		}
		if now.Before(s.CA.NotBefore) || now.After(s.CA.NotAfter) || now.Before(s.ID.NotBefore) || now.After(s.ID.NotAfter) {
			r.t.Fatalf("%v spoke-%d: CA %v..%v ID %v..%v", now, i+1, s.CA.NotBefore, s.CA.NotAfter, s.ID.NotBefore, s.ID.NotAfter)
		}
		if err := pki.VerifySignature(s.ID, s.CA); err != nil {
			r.t.Fatalf("%v spoke-%d: %v", now, i+1, err)
		}
	}
}

func (r *csRig) step(end time.Time) bool {
	p := r.clock.Pending()
	if len(p) == 0 || p[0].Due.After(end) {
		r.clock.Set(end)
		return false
	}
	r.clock.Set(p[0].Due)
	return true
}

// The seeds end to end with the engine's certificate server: ROOTCA (730-day
// CA, 365-day certificates, auto-rollover 90, grant auto) enabled at
// 2015-10-09 13:14:16 CET, spoke-1 enrolled at once with auto-enroll 80.
// 1461 days later, sampled after every timer: always a valid ID certificate
// chained to a valid CA certificate; RENEW, SHADOW and the switch at the
// documented moments; two CA rollovers.
func TestTrustpointSeedsWithCertificateServer(t *testing.T) {
	r := newCSRig(t, seedsCSConfig(), 1, func(int) pki.TrustpointConfig { return seedConfig() })
	r.enrolAll()
	tp := r.spokes[0]
	id := tp.State().ID
	if got := id.NotAfter.In(tpCET).Format("15:04:05 MST Jan 2 2006"); got != "13:14:16 CET Oct 8 2016" {
		t.Fatalf("ID certificate ends %s", got)
	}
	if id.SignatureAlgorithm != x509.SHA1WithRSA || tp.State().CA.SignatureAlgorithm != x509.MD5WithRSA {
		t.Errorf("ID certificate %v, CA certificate %v: want SHA1-RSA from an MD5-RSA CA", id.SignatureAlgorithm, tp.State().CA.SignatureAlgorithm)
	}
	r.clock.Set(time.Date(2015, 10, 9, 13, 19, 58, 946e6, tpCET))
	var renew time.Time
	for _, ti := range tp.Timers() {
		if ti.Name == "RENEW Root-CA" {
			renew = ti.Due
		}
	}
	if got, want := renew.Sub(r.clock.Now()), 291*tpDay+23*time.Hour+54*time.Minute+17*time.Second+54*time.Millisecond; got != want {
		t.Fatalf("RENEW Root-CA in %v, want %v (timers %v)", got, want, tp.Timers())
	}
	end := tpStart.Add(1461 * tpDay)
	for r.step(end) {
		r.checkAll()
	}
	r.checkAll()
	check := func(what string, got []time.Time, want ...float64) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s at days %v, want %v", what, days(got), want)
		}
		for i, d := range want {
			if !near(got[i], tpStart.Add(time.Duration(d*float64(tpDay)))) {
				t.Fatalf("%s at days %v, want %v", what, days(got), want)
			}
		}
	}
	renewals := r.logged("%PKI-6-CERTRENEWAUTO")
	shadows := r.logged("%PKI-6-CERT_SHADOW_INSTALL")
	actives := r.logged("%PKI-6-CERT_ROLLOVER_ACTIVE")
	t.Logf("RENEW at days %v, SHADOW at %v, switch at %v", days(renewals), days(shadows), days(actives))
	check("switch", actives, 730, 1460)
	check("SHADOW", shadows, 700.8, shadowDay(r, 1))
	if len(renewals) < 4 {
		t.Fatalf("renewals at days %v", days(renewals))
	}
	check("RENEW", renewals[:2], 292, 584)
	if got := r.server.CACert(); got.NotBefore.Before(tpStart.Add(1459 * tpDay)) {
		t.Fatalf("the server's CA certificate starts %v: not rolled over twice", got.NotBefore)
	}
}

// shadowDay is the expected second SHADOW: 80 % of what is left of the ID
// certificate installed by the last RENEW before it.
func shadowDay(r *csRig, _ int) float64 {
	ren := r.logged("%PKI-6-CERTRENEWAUTO")
	last := ren[len(ren)-1]
	from := last.Sub(tpStart).Hours() / 24
	return from + 0.8*(1460-from)
}

func seedsCSConfig() pki.Config {
	return pki.Config{
		Name:            "ROOTCA",
		DatabaseLevel:   pki.LevelComplete,
		Archive:         pki.ArchivePKCS12,
		ArchivePassword: "cisco123",
		IssuerName:      "CN=RootCA,OU=TAC,O=Cisco",
		Grant:           pki.GrantAuto,
		CertLifetime:    365 * tpDay,
		CALifetime:      730 * tpDay,
		DatabaseURL:     "ftp://10.1.1.1/DB/ROOTCA/",
		AutoRollover:    90 * tpDay,
		// not the seeds' 6 hours: signing 5844 CRLs in four years would be
		// most of the test's time; IOS's maximum is 336 hours
		CRLLifetime: 336 * time.Hour,
	}
}

// grant none on the server: POLL at 1, 2, 4 … minutes, granted by `crypto
// pki server ROOTCA grant all`, installed at the next poll.
func TestTrustpointPollWithCertificateServer(t *testing.T) {
	cfg := seedsCSConfig()
	cfg.Grant = pki.GrantNone
	r := newCSRig(t, cfg, 1, func(int) pki.TrustpointConfig { return seedConfig() })
	r.enrolAll()
	tp := r.spokes[0]
	if p := tp.State().Pending; p == nil {
		t.Fatal("not pending")
	}
	sent := r.clock.Now()
	var polls []time.Duration
	for i := 0; i < 3; i++ {
		r.step(sent.Add(tpDay))
		polls = append(polls, r.clock.Now().Sub(sent))
	}
	if want := []time.Duration{time.Minute, 3 * time.Minute, 7 * time.Minute}; !equalDurations(polls, want) {
		t.Fatalf("polls at %v, want %v", polls, want)
	}
	if err := r.server.GrantAll(); err != nil {
		t.Fatal(err)
	}
	r.step(sent.Add(tpDay))
	if r.clock.Now().Sub(sent) != 15*time.Minute || tp.State().ID == nil {
		t.Fatalf("at %v: ID %v", r.clock.Now().Sub(sent), tp.State().ID != nil)
	}
	r.checkAll()
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The CA is unreachable at RENEW for ten minutes: CONNECT RETRY every
// minute, then the renewal.
func TestTrustpointCADownWithCertificateServer(t *testing.T) {
	r := newCSRig(t, seedsCSConfig(), 1, func(int) pki.TrustpointConfig { return seedConfig() })
	r.enrolAll()
	tp := r.spokes[0]
	first := tp.State().ID
	r.clock.Set(tpStart.Add(292*tpDay - time.Second))
	r.auth.down.Store(true)
	r.clock.Set(tpStart.Add(292*tpDay + 10*time.Minute + 30*time.Second))
	if tp.State().ID != first {
		t.Fatal("renewed while the CA was down")
	}
	if n := len(r.logged("%PKI-3-SOCKETSEND")); n != 11 {
		t.Fatalf("%d SOCKETSEND in 10.5 minutes, want 11", n)
	}
	r.auth.down.Store(false)
	r.clock.Advance(time.Minute)
	if id := tp.State().ID; id == first || pki.VerifySignature(id, tp.State().CA) != nil {
		t.Fatal("not renewed after the CA came back")
	}
	for r.step(tpStart.Add(800 * tpDay)) {
		r.checkAll()
	}
}
