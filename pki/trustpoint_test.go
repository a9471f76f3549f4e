package pki_test

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iosemu/iosemu/pki"
	"github.com/iosemu/iosemu/pki/pkitest"
)

const tpDay = 24 * time.Hour

var (
	tpCET   = time.FixedZone("CET", 3600)
	tpStart = time.Date(2015, 10, 9, 13, 14, 16, 0, tpCET)
)

// seedConfig is the seeds' spoke trustpoint Root-CA.
func seedConfig() pki.TrustpointConfig {
	return pki.TrustpointConfig{
		Enrollment:        pki.EnrollmentURL,
		URL:               "http://172.16.1.1:80",
		SerialNumber:      pki.IncludeYes,
		IPAddress:         pki.IncludeNo,
		Password:          "Rev0cati0n$Passw0rd",
		SubjectName:       "CN=spoke-1.cisco.com,OU=CVO",
		Revocation:        []string{"crl"},
		KeyLabel:          "spoke-1-RSA",
		AutoEnroll:        true,
		AutoEnrollPercent: 80,
	}
}

type tpRig struct {
	t     *testing.T
	clock *pkitest.Clock
	ca    *testCA
	keys  *pki.Keyring
	tp    *pki.Trustpoint

	mu     sync.Mutex
	events []pki.Event
	saves  int
}

func newTPRig(t *testing.T, cfg pki.TrustpointConfig, caLife, certLife, overlap time.Duration) *tpRig {
	t.Helper()
	r := &tpRig{t: t, clock: pkitest.NewClock(tpStart), keys: pki.NewKeyring()}
	r.ca = newTestCA(t, r.clock, caLife, certLife, overlap)
	r.tp = r.newTrustpoint(cfg, r.keys, r.ca)
	return r
}

func (r *tpRig) newTrustpoint(cfg pki.TrustpointConfig, keys *pki.Keyring, doer interface {
	Do(*http.Request) (*http.Response, error)
}) *pki.Trustpoint {
	tp, err := pki.NewTrustpoint("Root-CA", cfg, pki.TrustpointDeps{
		Clock: r.clock, Keys: keys, HTTP: doer,
		Identity: func() pki.Identity {
			return pki.Identity{Hostname: "spoke-1", Domain: "cisco.com", SerialNumber: "67109104"}
		},
		Events: func(e pki.Event) {
			r.mu.Lock()
			r.events = append(r.events, e)
			r.mu.Unlock()
		},
		Save: func() bool {
			r.mu.Lock()
			r.saves++
			r.mu.Unlock()
			return true
		},
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return tp
}

// logged returns the times of the log events starting with prefix.
func (r *tpRig) logged(prefix string) []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []time.Time
	for _, e := range r.events {
		if e.Kind == pki.EventLog && strings.HasPrefix(e.Text, prefix) {
			out = append(out, e.Time)
		}
	}
	return out
}

func (r *tpRig) eventTexts(prefix string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		if strings.HasPrefix(e.Text, prefix) {
			out = append(out, e.Text)
		}
	}
	return out
}

// enrol authenticates (accepting the offer) and enrols.
func (r *tpRig) enrol() pki.EnrollOutcome {
	r.t.Helper()
	ctx := context.Background()
	offer, err := r.tp.Authenticate(ctx)
	if err != nil {
		r.t.Fatal(err)
	}
	if !offer.Accepted {
		if err := r.tp.Accept(ctx, offer); err != nil {
			r.t.Fatal(err)
		}
	}
	out, err := r.tp.Enroll(ctx, pki.EnrollOptions{})
	if err != nil {
		r.t.Fatal(err)
	}
	return out
}

func (r *tpRig) timer(kind string) (time.Time, bool) {
	for _, ti := range r.tp.Timers() {
		if ti.Name == kind+" Root-CA" {
			return ti.Due, true
		}
	}
	return time.Time{}, false
}

// step moves the clock to the next armed timer (firing every timer due
// then) and returns false when none is due before end.
func (r *tpRig) step(end time.Time) bool {
	p := r.clock.Pending()
	if len(p) == 0 || p[0].Due.After(end) {
		r.clock.Set(end)
		return false
	}
	r.clock.Set(p[0].Due)
	return true
}

// checkValid fails unless the trustpoint holds an unexpired ID certificate
// chained to an unexpired CA certificate.
func (r *tpRig) checkValid() {
	r.t.Helper()
	now := r.clock.Now()
	s := r.tp.State()
	if s.CA == nil || s.ID == nil {
		r.t.Fatalf("%v: CA %v ID %v", now, s.CA != nil, s.ID != nil)
	}
	for _, c := range []struct {
		what string
		from time.Time
		to   time.Time
	}{{"CA", s.CA.NotBefore, s.CA.NotAfter}, {"ID", s.ID.NotBefore, s.ID.NotAfter}} {
		if now.Before(c.from) || now.After(c.to) {
			r.t.Fatalf("%v: %s certificate not valid (%v .. %v)", now, c.what, c.from, c.to)
		}
	}
	if err := pki.VerifySignature(s.ID, s.CA); err != nil {
		r.t.Fatalf("%v: ID certificate not issued by the CA: %v", now, err)
	}
	if s.IDRollover != nil {
		if s.CARollover == nil || pki.VerifySignature(s.IDRollover, s.CARollover) != nil {
			r.t.Fatalf("%v: rollover ID certificate not issued by the rollover CA", now)
		}
	}
}

// sameDN compares IOS DN strings, the order of the AVAs of one RDN aside
// (see the report: pki.RDN.String prints them reversed from DER).
func sameDN(a, b string) bool {
	norm := func(s string) []string {
		var out []string
		for _, rdn := range strings.Split(s, ",") {
			avas := strings.Split(rdn, "+")
			slices.Sort(avas)
			out = append(out, strings.Join(avas, "+"))
		}
		return out
	}
	return slices.Equal(norm(a), norm(b))
}

func near(a, b time.Time) bool { d := a.Sub(b); return d > -time.Second && d < time.Second }

func days(ts []time.Time) []string {
	var out []string
	for _, t := range ts {
		out = append(out, fmt.Sprintf("%.2f", t.Sub(tpStart).Hours()/24))
	}
	return out
}

// The seeds: enrolled at the CA's creation (2015-10-09 13:14:16 CET), a
// 730-tpDay CA with auto-rollover 90, 365-tpDay certificates, auto-enroll 80.
// Four years later the spoke has renewed, shadowed and switched twice, and
// at every instant held a valid ID certificate chained to a valid CA.
func TestTrustpointSeedTimeline(t *testing.T) {
	r := newTPRig(t, seedConfig(), 730*tpDay, 365*tpDay, 90*tpDay)
	out := r.enrol()
	if out.Step != pki.EnrollGranted || out.Cert == nil {
		t.Fatalf("enroll: %v", out.Step)
	}
	if got, want := out.Cert.NotAfter.In(tpCET).Format("Jan 2 2006"), "Oct 8 2016"; got != want {
		t.Fatalf("ID certificate ends %s, want %s", got, want)
	}
	// `show crypto pki timers` at 13:19:58.946: 291d23:54:17.054 RENEW Root-CA.
	r.clock.Set(time.Date(2015, 10, 9, 13, 19, 58, 946e6, tpCET))
	due, ok := r.timer(pki.TimerTPRenew)
	if !ok {
		t.Fatalf("no RENEW timer: %v", r.tp.Timers())
	}
	if got, want := due.Sub(r.clock.Now()), 291*tpDay+23*time.Hour+54*time.Minute+17*time.Second+54*time.Millisecond; got != want {
		t.Fatalf("RENEW in %v, want %v", got, want)
	}

	end := tpStart.Add(1461 * tpDay)
	steps := 0
	for r.step(end) {
		steps++
		r.checkValid()
	}
	r.checkValid()

	renewals := r.logged("%PKI-6-CERTRENEWAUTO")
	shadows := r.logged("%PKI-6-CERT_SHADOW_INSTALL")
	actives := r.logged("%PKI-6-CERT_ROLLOVER_ACTIVE")
	check := func(what string, got []time.Time, wantDays ...float64) {
		t.Helper()
		if len(got) != len(wantDays) {
			t.Fatalf("%s at days %v, want %v", what, days(got), wantDays)
		}
		for i, d := range wantDays {
			if !near(got[i], tpStart.Add(time.Duration(d*float64(tpDay)))) {
				t.Fatalf("%s at days %v, want %v", what, days(got), wantDays)
			}
		}
	}
	// After the switch at tpDay 730 RENEW counts from then: 730 + 80 % of
	// the 335.8 days left of the shadow certificate (700.8 .. 1065.8).
	check("RENEW", renewals, 292, 584, 998.64, 1290.64)
	check("SHADOW", shadows, 700.8, 1426.128)
	check("rollover", actives, 730, 1460)
	if _, _, _, rolls := r.ca.counts(); rolls != 2 {
		t.Fatalf("the CA rolled over %d times, want 2", rolls)
	}
	if n := len(r.logged("%PKI-6-SHADOWAUTOSAVE")); n != 2 {
		t.Fatalf("%d SHADOWAUTOSAVE, want 2", n)
	}
	if n := len(r.logged("%PKI-6-AUTOSAVE")); n != 6 { // 4 renewals, 2 activations
		t.Fatalf("%d AUTOSAVE, want 6", n)
	}
	t.Logf("%d timer instants in 1461 days", steps)
}

// RENEW's request, the installed certificate and the messages IOS prints.
func TestTrustpointEnrollSubjectAndMessages(t *testing.T) {
	r := newTPRig(t, seedConfig(), 730*tpDay, 365*tpDay, 90*tpDay)
	out := r.enrol()
	if got, want := out.Cert.Subject.String(), ""; got == want {
		t.Fatal("empty subject")
	}
	subject := pki.NameString(out.Cert.RawSubject)
	if !sameDN(subject, "serialNumber=67109104+hostname=spoke-1.cisco.com,cn=spoke-1.cisco.com,ou=CVO") {
		t.Errorf("subject %q", subject)
	}
	if !slices.Equal(out.SubjectLines, []string{"CN=spoke-1.cisco.com,OU=CVO", "spoke-1.cisco.com"}) || out.SerialNumber != "67109104" {
		t.Errorf("dialog lines %q serial %q", out.SubjectLines, out.SerialNumber)
	}
	if !out.KeyGenerated || out.KeyLabel != "spoke-1-RSA" {
		t.Errorf("key %q generated %v", out.KeyLabel, out.KeyGenerated)
	}
	inst := r.eventTexts("%PKI-6-CERT_INSTALL")
	want := "%PKI-6-CERT_INSTALL: An ID certificate has been installed under\n" +
		"                      Trustpoint   : Root-CA\n" +
		"                      Issuer-name  : cn=RootCA,ou=TAC,o=Cisco\n" +
		"                      Subject-name : " + subject + "\n" +
		"                      Serial-number: 02\n" +
		"                      End-date     : 2016-10-08T12:14:16Z"
	if len(inst) != 1 || inst[0] != want {
		t.Errorf("CERT_INSTALL:\n%q\nwant\n%q", inst, want)
	}
	fp := r.eventTexts("%PKI-6-CSR_FINGERPRINT")
	md5 := strings.ReplaceAll(out.FingerprintMD5, " ", "")
	if len(fp) != 1 || !strings.Contains(fp[0], "\n                      CSR Fingerprint MD5 : "+md5+"\n") {
		t.Errorf("CSR_FINGERPRINT %q, want MD5 %s", fp, md5)
	}
	if len(r.logged("%PKI-6-CERTRET: Certificate received from Certificate Authority")) != 1 ||
		len(r.logged(`%PKI-4-NOAUTOSAVE: Configuration was modified.  Issue "write memory" to save new certificate`)) != 1 {
		t.Errorf("events: %v", r.events)
	}
	s := r.tp.State()
	if !s.Authenticated() || !s.Enrolled() || s.KeyLabel != "spoke-1-RSA" || !slices.Contains(s.Caps, "GetNextCACert") {
		t.Errorf("state %+v", s)
	}
	// The chain as running-config lists it.
	ch := r.tp.Chain()
	if len(ch) != 2 || ch[0].Role != pki.RoleID || ch[0].Serial != "02" || ch[1].Role != pki.RoleCA || ch[1].Serial != "01" {
		t.Errorf("chain %+v", ch)
	}
	// A second enrol is signed with the current ID certificate and replaces it.
	out2, err := r.tp.Enroll(context.Background(), pki.EnrollOptions{})
	if err != nil || out2.Step != pki.EnrollGranted || out2.Cert.SerialNumber.Int64() != 3 {
		t.Fatalf("re-enrol: %v %v", out2.Step, err)
	}
}

// grant none: POLL at 1, 2, 4 … minutes; granted at the next poll after the
// grant.
func TestTrustpointPollBackoff(t *testing.T) {
	r := newTPRig(t, seedConfig(), 730*tpDay, 365*tpDay, 90*tpDay)
	r.ca.setMode(grantNone)
	out := r.enrol()
	if out.Step != pki.EnrollPending {
		t.Fatalf("step %v", out.Step)
	}
	sent := r.clock.Now()
	s := r.tp.State()
	if s.Pending == nil || s.Pending.TransactionID != out.TransactionID || s.Pending.FingerprintMD5 != out.FingerprintMD5 {
		t.Fatalf("pending %+v", s.Pending)
	}
	var polls []time.Duration
	for i := 0; i < 4; i++ {
		due, ok := r.timer(pki.TimerTPPoll)
		if !ok {
			t.Fatalf("no POLL timer after %d polls: %v", i, r.tp.Timers())
		}
		r.clock.Set(due)
		polls = append(polls, due.Sub(sent))
	}
	want := []time.Duration{time.Minute, 3 * time.Minute, 7 * time.Minute, 15 * time.Minute}
	if !slices.Equal(polls, want) {
		t.Fatalf("polls at %v, want %v", polls, want)
	}
	if _, ok := r.timer(pki.TimerTPRenew); ok {
		t.Fatal("RENEW armed while the enrolment is pending")
	}
	r.ca.approveAll()
	due, _ := r.timer(pki.TimerTPPoll)
	if due.Sub(sent) != 31*time.Minute {
		t.Fatalf("next poll at %v", due.Sub(sent))
	}
	r.clock.Set(due)
	s = r.tp.State()
	if s.Pending != nil || s.ID == nil {
		t.Fatalf("not installed at the poll after the grant: %+v", s)
	}
	if _, ok := r.timer(pki.TimerTPPoll); ok {
		t.Fatal("POLL still armed")
	}
	if _, ok := r.timer(pki.TimerTPRenew); !ok {
		t.Fatal("RENEW not armed after the grant")
	}
	if len(r.logged("%PKI-6-CERTRET")) != 1 || len(r.logged("%PKI-6-AUTOSAVE")) != 1 {
		t.Fatalf("events %v", r.events)
	}
	if _, polls, _, _ := r.ca.counts(); polls != 5 {
		t.Fatalf("%d polls, want 5", polls)
	}
}

// The wait keeps doubling: 30 days of PENDING take 15 polls (1 + 2 + …
// + 2^14 minutes = 22.75 days; the 16th is due at 45.5 days).
func TestTrustpointPollDoublesForDays(t *testing.T) {
	r := newTPRig(t, seedConfig(), 730*tpDay, 365*tpDay, 90*tpDay)
	r.ca.setMode(grantNone)
	r.enrol()
	r.clock.Advance(30 * tpDay)
	if _, polls, _, _ := r.ca.counts(); polls != 15 {
		t.Fatalf("%d polls in 30 days, want 15", polls)
	}
	due, ok := r.timer(pki.TimerTPPoll)
	if !ok || due.Sub(tpStart) != (1<<16-1)*time.Minute {
		t.Fatalf("next poll %v %v", due.Sub(tpStart), ok)
	}
}

// The retry count bounds the polls.
func TestTrustpointPollRetryCount(t *testing.T) {
	cfg := seedConfig()
	cfg.RetryCount = 3
	cfg.RetryPeriod = 2 * time.Minute
	r := newTPRig(t, cfg, 730*tpDay, 365*tpDay, 90*tpDay)
	r.ca.setMode(grantNone)
	r.enrol()
	r.clock.Advance(tpDay)
	if _, polls, _, _ := r.ca.counts(); polls != 3 {
		t.Fatalf("%d polls, want 3", polls)
	}
	if s := r.tp.State(); s.Pending != nil || len(r.tp.Timers()) != 1 { // the CA's SHADOW (GetNextCACert) only
		t.Fatalf("pending %+v timers %v", s.Pending, r.tp.Timers())
	}
}

// A CA that is down at RENEW: CONNECT RETRY every retry period, then the
// renewal goes through when the CA is back.
func TestTrustpointCADownAtRenew(t *testing.T) {
	r := newTPRig(t, seedConfig(), 730*tpDay, 365*tpDay, 90*tpDay)
	r.enrol()
	first := r.tp.State().ID
	due, _ := r.timer(pki.TimerTPRenew)
	r.ca.setDown(true)
	r.clock.Set(due)
	if got := r.tp.State().ID; got != first {
		t.Fatal("renewed while the CA is down")
	}
	for i := 1; i <= 3; i++ {
		rd, ok := r.timer(pki.TimerTPConnectRetry)
		if !ok || rd.Sub(r.clock.Now()) != time.Minute {
			t.Fatalf("retry %d: %v", i, r.tp.Timers())
		}
		if _, ok := r.timer(pki.TimerTPRenew); ok {
			t.Fatal("RENEW armed during the connect retries")
		}
		if i < 3 {
			r.clock.Set(rd)
		}
	}
	if n := len(r.logged("%PKI-3-SOCKETSEND: Failed to send out message to CA server.")); n != 3 {
		t.Fatalf("%d SOCKETSEND, want 3", n)
	}
	r.ca.setDown(false)
	rd, _ := r.timer(pki.TimerTPConnectRetry)
	r.clock.Set(rd)
	s := r.tp.State()
	if s.ID == first || s.ID.NotBefore.Before(due.Add(-time.Second)) {
		t.Fatalf("not renewed after the CA came back")
	}
	if _, ok := r.timer(pki.TimerTPConnectRetry); ok {
		t.Fatal("CONNECT RETRY still armed")
	}
	next, ok := r.timer(pki.TimerTPRenew)
	if !ok || !near(next, s.ID.NotBefore.Add(292*tpDay)) {
		t.Fatalf("RENEW %v %v", next, ok)
	}
}

// A rejected renewal stops the RENEW timer.
func TestTrustpointRejectStops(t *testing.T) {
	r := newTPRig(t, seedConfig(), 730*tpDay, 365*tpDay, 90*tpDay)
	r.enrol()
	due, _ := r.timer(pki.TimerTPRenew)
	r.ca.setMode(grantReject)
	r.clock.Set(due)
	if len(r.logged("%PKI-6-CERTREJECT: Certificate enrollment request was rejected by Certificate Authority")) != 1 {
		t.Fatalf("events %v", r.events)
	}
	if !r.tp.State().Stopped {
		t.Fatal("not stopped")
	}
	if _, ok := r.timer(pki.TimerTPRenew); ok {
		t.Fatal("RENEW re-armed after a reject")
	}
	// A manual enrolment starts over.
	r.ca.setMode(grantAuto)
	if out, err := r.tp.Enroll(context.Background(), pki.EnrollOptions{}); err != nil || out.Step != pki.EnrollGranted {
		t.Fatalf("%v %v", out.Step, err)
	}
	if _, ok := r.timer(pki.TimerTPRenew); !ok {
		t.Fatal("RENEW not armed after a manual enrolment")
	}
}

// No PKI timer with a non-authoritative clock; Start arms them once it is.
func TestTrustpointNonAuthoritativeClock(t *testing.T) {
	r := newTPRig(t, seedConfig(), 730*tpDay, 365*tpDay, 90*tpDay)
	r.clock.SetAuthoritative(false)
	r.enrol()
	r.tp.Start()
	if tm := r.tp.Timers(); len(tm) != 0 {
		t.Fatalf("timers %v", tm)
	}
	if len(r.logged("%PKI-2-NON_AUTHORITATIVE_CLOCK: PKI functions can not be initialized until an authoritative time source, like NTP, can be obtained.")) != 1 {
		t.Fatalf("events %v", r.events)
	}
	r.clock.SetAuthoritative(true)
	r.tp.Start()
	if _, ok := r.timer(pki.TimerTPRenew); !ok {
		t.Fatalf("timers %v", r.tp.Timers())
	}
}

func TestTrustpointAuthenticate(t *testing.T) {
	r := newTPRig(t, seedConfig(), 730*tpDay, 365*tpDay, 90*tpDay)
	ctx := context.Background()
	ca, _ := r.ca.CA()
	offer, err := r.tp.Authenticate(ctx)
	if err != nil || offer.Accepted || offer.FingerprintMD5 != pki.FingerprintMD5(ca.Raw) {
		t.Fatalf("%+v %v", offer, err)
	}
	if r.tp.State().Authenticated() {
		t.Fatal("installed before Accept")
	}
	if _, err := r.tp.Enroll(ctx, pki.EnrollOptions{}); !errors.Is(err, pki.ErrNotAuthenticated) {
		t.Fatalf("enroll before authenticate: %v", err)
	}
	cfg := seedConfig()
	cfg.Fingerprint = strings.ToLower(offer.FingerprintMD5)
	r.tp.SetConfig(cfg)
	offer, err = r.tp.Authenticate(ctx)
	if err != nil || !offer.Accepted || !r.tp.State().Authenticated() {
		t.Fatalf("fingerprint: %+v %v", offer, err)
	}
	cfg.Fingerprint = "00112233 44556677 8899AABB CCDDEEFF"
	r.tp.SetConfig(cfg)
	if _, err := r.tp.Authenticate(ctx); !errors.Is(err, pki.ErrFingerprintMismatch) {
		t.Fatalf("mismatch: %v", err)
	}
	r.ca.setDown(true)
	if _, err := r.tp.Authenticate(ctx); !errors.Is(err, pki.ErrCAUnreachable) {
		t.Fatalf("down: %v", err)
	}
	if len(r.logged("%PKI-3-SOCKETSEND")) != 1 {
		t.Fatalf("events %v", r.events)
	}
}

// The chain saved in running-config and the keys in private-config bring
// the trustpoint back with the same timers, mid-shadow included.
func TestTrustpointLoadChain(t *testing.T) {
	r := newTPRig(t, seedConfig(), 730*tpDay, 365*tpDay, 90*tpDay)
	r.enrol()
	for r.clock.Now().Before(tpStart.Add(710 * tpDay)) {
		r.step(tpStart.Add(710 * tpDay))
	}
	ch := r.tp.Chain()
	var roles []pki.CertRole
	for _, c := range ch {
		roles = append(roles, c.Role)
	}
	if !slices.Equal(roles, []pki.CertRole{pki.RoleIDRollover, pki.RoleID, pki.RoleCARollover, pki.RoleCA}) {
		t.Fatalf("roles %v", roles)
	}
	want := r.tp.Timers()
	r.tp.Close()
	if len(r.tp.Timers()) != 0 {
		t.Fatal("timers left after Close")
	}
	priv, err := r.keys.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	keys := pki.NewKeyring()
	if err := keys.UnmarshalBinary(priv); err != nil {
		t.Fatal(err)
	}
	tp := r.newTrustpoint(seedConfig(), keys, r.ca)
	if err := tp.LoadChain(ch); err != nil {
		t.Fatal(err)
	}
	tp.Start()
	if got := tp.Timers(); !slices.Equal(got, want) {
		t.Fatalf("timers %v, want %v", got, want)
	}
	r.tp = tp
	for r.step(tpStart.Add(1000 * tpDay)) {
		r.checkValid()
	}
	if len(r.logged("%PKI-6-CERT_ROLLOVER_ACTIVE")) != 1 {
		t.Fatal("no rollover after the reload")
	}
}

// The timer dependency hazard: the spoke's SHADOW fires before the CA made
// its rollover certificate (auto-rollover 10 days, SHADOW at 700.8 days).
// The spoke retries GetNextCACert with a growing wait and gets its shadow
// certificate once the rollover CA exists.
func TestTrustpointShadowBeforeCARollover(t *testing.T) {
	r := newTPRig(t, seedConfig(), 730*tpDay, 365*tpDay, 10*tpDay)
	r.enrol()
	for r.step(tpStart.Add(1000 * tpDay)) {
		r.checkValid()
	}
	shadows := r.logged("%PKI-6-CERT_SHADOW_INSTALL")
	if len(shadows) != 1 || shadows[0].Before(tpStart.Add(720*tpDay)) || shadows[0].After(tpStart.Add(721*tpDay)) {
		t.Fatalf("shadow installed at days %v", days(shadows))
	}
	if n := len(r.logged("%PKI-6-CERT_ROLLOVER_ACTIVE")); n != 1 {
		t.Fatalf("%d activations", n)
	}
}

// auto-enroll regenerate: a new key pair LABEL# for the request, which
// replaces LABEL when granted.
func TestTrustpointRegenerate(t *testing.T) {
	cfg := seedConfig()
	cfg.Regenerate = true
	r := newTPRig(t, cfg, 730*tpDay, 365*tpDay, 90*tpDay)
	r.enrol()
	old, _ := r.keys.Get("spoke-1-RSA")
	due, _ := r.timer(pki.TimerTPRenew)
	r.clock.Set(due)
	k, ok := r.keys.Get("spoke-1-RSA")
	if !ok || k.Public().Equal(old.Public()) {
		t.Fatal("key not regenerated")
	}
	if _, ok := r.keys.Get("spoke-1-RSA#"); ok {
		t.Fatal("shadow key left behind")
	}
	if !k.Public().Equal(r.tp.State().ID.PublicKey) {
		t.Fatal("ID certificate not for the new key")
	}
}

// enrollment terminal: the request for the face to print, the certificate
// pasted back.
func TestTrustpointTerminal(t *testing.T) {
	r := newTPRig(t, seedConfig(), 730*tpDay, 365*tpDay, 90*tpDay)
	ca, _ := r.ca.CA()
	cfg := seedConfig()
	cfg.Enrollment = pki.EnrollmentTerminal
	r.tp.SetConfig(cfg)
	if _, err := r.tp.InstallCA(pemOf(ca.Raw), true); err != nil {
		t.Fatal(err)
	}
	out, err := r.tp.Enroll(context.Background(), pki.EnrollOptions{Password: "x"})
	if err != nil || out.Step != pki.EnrollDisplayed || len(out.CSR) == 0 {
		t.Fatalf("%v %v", out.Step, err)
	}
	csr, err := pki.ParseCSR(out.CSR)
	if err != nil {
		t.Fatal(err)
	}
	// The CA signs it out of band; a certificate for another key is refused.
	other := r.ca.issueFor(t, csr.RawSubject, &genKey(t).PublicKey)
	if _, err := r.tp.Import(pemOf(other.Raw)); !errors.Is(err, pki.ErrKeyMismatch) {
		t.Fatalf("other key: %v", err)
	}
	good := r.ca.issueFor(t, csr.RawSubject, csr.PublicKey)
	if _, err := r.tp.Import(pemOf(good.Raw)); err != nil {
		t.Fatal(err)
	}
	if !r.tp.State().Enrolled() {
		t.Fatal("not enrolled")
	}
	caPEM, idPEM, err := r.tp.ExportPEM()
	if err != nil || !strings.Contains(string(caPEM), "BEGIN CERTIFICATE") || string(idPEM) != string(pemOf(good.Raw)) {
		t.Fatalf("export: %v", err)
	}
}

// Over real HTTP on a loopback port: the URL of the seeds' form gets
// /cgi-bin/pkiclient.exe.
func TestTrustpointOverHTTP(t *testing.T) {
	r := newTPRig(t, seedConfig(), 730*tpDay, 365*tpDay, 90*tpDay)
	var paths []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		paths = append(paths, req.URL.Path+"?"+strings.SplitN(req.URL.RawQuery, "&", 2)[0])
		mu.Unlock()
		r.ca.handler.ServeHTTP(w, req)
	}))
	defer srv.Close()
	cfg := seedConfig()
	cfg.URL = srv.URL
	r.tp = r.newTrustpoint(cfg, r.keys, srv.Client())
	if out := r.enrol(); out.Step != pki.EnrollGranted {
		t.Fatalf("step %v", out.Step)
	}
	want := []string{"/cgi-bin/pkiclient.exe?operation=GetCACert", "/cgi-bin/pkiclient.exe?operation=GetCACaps", "/cgi-bin/pkiclient.exe?operation=PKIOperation"}
	if !slices.Equal(paths, want) {
		t.Fatalf("requests %q, want %q", paths, want)
	}
}

// RENEW counts from the time the certificate was installed: a certificate
// backdated 10 minutes renews 2 minutes after start + 80 % (the capture's
// "start date: 09:17:52 ... renew date: 09:19:52 UTC Apr 10 2023").
func TestTrustpointRenewFromInstallTime(t *testing.T) {
	r := newTPRig(t, seedConfig(), 730*tpDay, 365*tpDay, 90*tpDay)
	r.ca.backdate = 10 * time.Minute
	out := r.enrol()
	due, ok := r.timer(pki.TimerTPRenew)
	rd, ok2 := r.tp.RenewDate()
	if !ok || !ok2 || !due.Equal(rd) {
		t.Fatalf("RENEW %v %v, renew date %v %v", due, ok, rd, ok2)
	}
	if got, want := due.Sub(out.Cert.NotBefore), 292*tpDay+2*time.Minute; got != want {
		t.Fatalf("renew %v after start, want %v", got, want)
	}
	// A pending request granted an hour later: RENEW from the grant.
	r2 := newTPRig(t, seedConfig(), 730*tpDay, 365*tpDay, 90*tpDay)
	r2.ca.setMode(grantNone)
	r2.enrol()
	r2.clock.Advance(50 * time.Minute)
	r2.ca.approveAll()
	r2.clock.Advance(20 * time.Minute) // the poll at 63 minutes installs it
	id := r2.tp.State().ID
	if id == nil {
		t.Fatal("not granted")
	}
	due, _ = r2.timer(pki.TimerTPRenew)
	if want := tpStart.Add(63 * time.Minute); !due.Equal(want.Add(time.Duration(int64(id.NotAfter.Sub(want)) / 100 * 80))) {
		t.Fatalf("RENEW %v", due)
	}
}

// A shadow request still pending when the CA certificate expires: the
// rollover CA becomes active at its time, and the certificate granted
// later is installed as the ID certificate.
func TestTrustpointShadowPendingAtExpiry(t *testing.T) {
	r := newTPRig(t, seedConfig(), 730*tpDay, 365*tpDay, 90*tpDay)
	r.enrol()
	for r.step(tpStart.Add(700 * tpDay)) {
	}
	r.ca.setMode(grantNone)
	for r.step(tpStart.Add(729 * tpDay)) {
	}
	if s := r.tp.State(); s.Pending == nil || s.Pending.Kind != pki.RequestShadow || s.CARollover == nil {
		t.Fatalf("no pending shadow request: %+v", s)
	}
	r.clock.Set(tpStart.Add(730 * tpDay))
	caRoll, _, _ := r.ca.Rollover()
	_ = caRoll
	s := r.tp.State()
	if s.CARollover != nil || s.CA.NotBefore.Before(tpStart.Add(729*tpDay)) {
		t.Fatalf("rollover CA not active at the expiry: %+v", s)
	}
	r.ca.approveAll()
	due, ok := r.timer(pki.TimerTPPoll)
	if !ok {
		t.Fatalf("timers %v", r.tp.Timers())
	}
	r.clock.Set(due)
	s = r.tp.State()
	if s.Pending != nil || s.ID == nil || pki.VerifySignature(s.ID, s.CA) != nil || s.ID.NotAfter.Before(tpStart.Add(1000*tpDay)) {
		t.Fatalf("shadow certificate not installed as the ID: %+v", s)
	}
	if _, ok := r.timer(pki.TimerTPRenew); !ok {
		t.Fatalf("timers %v", r.tp.Timers())
	}
}

// The dialog's answers (serial number, IP address) are kept by renewals,
// after a reload too: they are read back from the certificate renewed.
func TestTrustpointRenewKeepsAnswers(t *testing.T) {
	cfg := seedConfig()
	cfg.SerialNumber = pki.IncludeAsk
	cfg.IPAddress = pki.IncludeAsk
	r := newTPRig(t, cfg, 730*tpDay, 365*tpDay, 90*tpDay)
	ctx := context.Background()
	o, err := r.tp.Authenticate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.tp.Accept(ctx, o); err != nil {
		t.Fatal(err)
	}
	out, err := r.tp.Enroll(ctx, pki.EnrollOptions{SerialNumber: true, IPAddr: "10.1.1.5"})
	if err != nil || out.Step != pki.EnrollGranted || out.SerialNumber != "67109104" || out.IPAddr != "10.1.1.5" {
		t.Fatalf("%+v %v", out, err)
	}
	want := pki.NameString(out.Cert.RawSubject)
	if !sameDN(want, "serialNumber=67109104+ipaddress=10.1.1.5+hostname=spoke-1.cisco.com,cn=spoke-1.cisco.com,ou=CVO") {
		t.Fatalf("subject %q", want)
	}
	if csr, err := x509.ParseCertificateRequest(out.CSR); err != nil || csr.SignatureAlgorithm != x509.SHA1WithRSA {
		t.Errorf("request signed with %v (%v), want SHA1-RSA", csr.SignatureAlgorithm, err)
	}
	ch := r.tp.Chain()
	r.tp.Close()
	r.tp = r.newTrustpoint(cfg, r.keys, r.ca)
	if err := r.tp.LoadChain(ch); err != nil {
		t.Fatal(err)
	}
	r.tp.Start()
	due, _ := r.timer(pki.TimerTPRenew)
	r.clock.Set(due)
	id := r.tp.State().ID
	if id.Equal(out.Cert) || pki.NameString(id.RawSubject) != want {
		t.Fatalf("renewed subject %q, want %q", pki.NameString(id.RawSubject), want)
	}
}
