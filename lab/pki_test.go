//go:debug rsa1024min=0

package lab

import (
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/iosemu/iosemu/clock"
	"github.com/iosemu/iosemu/pki"
	pkiios "github.com/iosemu/iosemu/pki/ios"
)

// The seeds' start: Root-CA's CA certificate begins at 13:14:16 CET.
var seedsStart = time.Date(2015, 10, 9, 13, 14, 16, 0, time.FixedZone("CET", 3600))

var spokes = []string{"spoke-1", "spoke-2", "spoke-3", "spoke-4"}

// certsOf returns what a router holds, by trustpoint and role.
func certsOf(n *Node, tp string) map[pkiios.CertRole]*x509.Certificate {
	m := map[pkiios.CertRole]*x509.Certificate{}
	for _, h := range pkiios.Snapshot(n.Router) {
		if h.Trustpoint == tp {
			m[h.Role] = h.Cert
		}
	}
	return m
}

func TestSeedLabStandsAtTheSeedsPrerequisites(t *testing.T) {
	spec, _ := Builtin("seed")
	l, _ := startLab(t, spec, clock.NewFake(seedsStart))
	if err := l.Clock().Set(seedsStart.Add(5*time.Minute+42*time.Second+946*time.Millisecond), nil); err != nil {
		t.Fatal(err)
	}
	ca := run(l.Node("Root-CA"), "terminal length 0", "show crypto pki timers")
	for _, want := range []string{"|639d23:54:17.054  CS SHADOW CERT GENERATION", "|729d23:54:17.054  CS CERT EXPIRE", "|     5:54:17.054  CS CRL UPDATE"} {
		if !strings.Contains(ca, want) {
			t.Errorf("Root-CA show crypto pki timers lacks %q:\n%s", want, ca)
		}
	}
	for _, name := range spokes {
		out := run(l.Node(name), "terminal length 0", "show crypto pki timers", "show crypto pki certificates Root-CA")
		for _, want := range []string{
			"|291d23:54:17.054  RENEW Root-CA",
			"Certificate\n  Status: Available",
			"    end   date: 13:14:16 CET Oct 8 2016",
			"Associated Trustpoints: Root-CA",
			"serialNumber=",
			"cn=spoke-",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q:\n%s", name, want, out)
			}
		}
	}
}

// nextDue is the earliest pending timer of the lab's devices.
func nextDue(l *Lab) (time.Time, bool) {
	var best time.Time
	for _, n := range l.Nodes() {
		for _, ti := range l.Clock().Timers(n.Spec.Name) {
			if best.IsZero() || ti.Due.Before(best) {
				best = ti.Due
			}
		}
	}
	return best, !best.IsZero()
}

func TestFourYearsEverySpokeStaysEnrolled(t *testing.T) {
	if testing.Short() {
		t.Skip("four years of timers")
	}
	spec, _ := Builtin("seed")
	l, _ := startLab(t, spec, clock.NewFake(seedsStart))
	end := seedsStart.Add(1461 * 24 * time.Hour)
	caSerials := map[string]bool{}
	shadows := 0
	steps := 0
	for {
		due, ok := nextDue(l)
		if !ok || due.After(end) {
			break
		}
		if err := l.Clock().Set(due, nil); err != nil {
			t.Fatal(err)
		}
		steps++
		now := l.Clock().Now()
		root := certsOf(l.Node("Root-CA"), "ROOTCA")[pkiios.RoleCA]
		if root == nil {
			t.Fatalf("%s: Root-CA has no CA certificate", now)
		}
		caSerials[root.SerialNumber.String()] = true
		for _, name := range spokes {
			held := certsOf(l.Node(name), "Root-CA")
			id, ca := held[pkiios.RoleID], held[pkiios.RoleCA]
			switch {
			case id == nil || ca == nil:
				t.Fatalf("%s: %s holds ID %v, CA %v", now, name, id != nil, ca != nil)
			case now.Before(id.NotBefore) || !now.Before(id.NotAfter):
				t.Fatalf("%s: %s's ID certificate %X is not valid now (%s .. %s)", now, name, id.SerialNumber, id.NotBefore, id.NotAfter)
			case now.Before(ca.NotBefore) || !now.Before(ca.NotAfter):
				t.Fatalf("%s: %s's CA certificate %X is not valid now", now, name, ca.SerialNumber)
			}
			if err := pki.VerifySignature(id, ca); err != nil {
				t.Fatalf("%s: %s's ID certificate does not chain to its CA certificate: %v", now, name, err)
			}
			if held[pkiios.RoleIDRollover] != nil {
				shadows++
			}
		}
	}
	if len(caSerials) != 3 {
		t.Errorf("the CA certificate was %d different certificates over four years, want 3 (two rollovers)", len(caSerials))
	}
	if shadows == 0 {
		t.Error("no spoke ever held a shadow ID certificate")
	}
	t.Logf("%d timer instants checked", steps)
}

func TestPendingRequestsArePolledAndGrantedByTheCA(t *testing.T) {
	spec, _ := Builtin("blank")
	for i := range spec.Devices {
		spec.Devices[i].Bootstrap = ""
	}
	l, _ := startLab(t, spec, clock.NewFake(seedsStart))
	ca, spoke := l.Node("Root-CA"), l.Node("spoke-2")
	out := run(ca, "terminal length 0", "configure terminal", "ip domain name cisco.com", "clock calendar-valid", "ip http server",
		"crypto pki server ROOTCA", "grant none", "database archive pkcs12 password cisco123", "no shutdown", "end")
	if !strings.Contains(out, "% Certificate Server enabled.") {
		t.Fatalf("Root-CA did not enable its server:\n%s", out)
	}
	out = run(spoke, "terminal length 0", "configure terminal", "ip domain name cisco.com",
		"clock calendar-valid", "crypto pki trustpoint Root-CA", "enrollment url http://172.16.1.1:80", "serial-number none", "ip-address none",
		"password cisco", "subject-name CN=spoke-2.cisco.com", "rsakeypair spoke-2-RSA", "auto-enroll 80", "exit",
		"crypto pki authenticate Root-CA", "yes", "crypto pki enroll Root-CA", "yes", "end",
		"show crypto pki certificates", "show crypto pki timers")
	for _, want := range []string{"Trustpoint CA certificate accepted.", "Status: Pending", "POLL Root-CA"} {
		if !strings.Contains(out, want) {
			t.Fatalf("spoke-2 lacks %q:\n%s", want, out)
		}
	}
	// The polls back off: 1, 2, 4 minutes.
	var gaps []time.Duration
	last := l.Clock().Now()
	for len(gaps) < 3 {
		due, ok := nextDue(l)
		if !ok {
			t.Fatal("no timer left")
		}
		if err := l.Clock().Set(due, nil); err != nil {
			t.Fatal(err)
		}
		timers := run(spoke, "show crypto pki timers")
		if strings.Contains(timers, "POLL Root-CA") && !due.Equal(last) {
			if due.Sub(last) >= time.Minute {
				gaps = append(gaps, due.Sub(last))
			}
			last = due
		}
	}
	if gaps[0] != time.Minute || gaps[1] != 2*time.Minute || gaps[2] != 4*time.Minute {
		t.Errorf("poll intervals %v, want 1m, 2m, 4m", gaps)
	}
	reqs := run(ca, "terminal length 0", "show crypto pki server ROOTCA requests", "crypto pki server ROOTCA grant all")
	if !strings.Contains(reqs, "pending") {
		t.Fatalf("the CA shows no pending request:\n%s", reqs)
	}
	if err := l.Clock().Advance(9*time.Minute, nil); err != nil {
		t.Fatal(err)
	}
	out = run(spoke, "terminal length 0", "show crypto pki certificates Root-CA", "show crypto pki timers")
	if !strings.Contains(out, "Certificate\n  Status: Available") || strings.Contains(out, "POLL Root-CA") {
		t.Fatalf("the granted certificate was not installed at the next poll:\n%s", out)
	}
}

func TestRenewalRetriesWhileTheCAIsDownAndRecovers(t *testing.T) {
	spec, _ := Builtin("seed")
	l, _ := startLab(t, spec, clock.NewFake(seedsStart))
	ca, spoke := l.Node("Root-CA"), l.Node("spoke-3")
	first := certsOf(spoke, "Root-CA")[pkiios.RoleID]
	// The CA's HTTP server goes away a day before the spokes' RENEW.
	if err := l.Clock().Set(seedsStart.Add(291*24*time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	run(ca, "configure terminal", "no ip http server", "end")
	if err := l.Clock().Advance(2*24*time.Hour, nil); err != nil {
		t.Fatal(err)
	}
	if id := certsOf(spoke, "Root-CA")[pkiios.RoleID]; id.SerialNumber.Cmp(first.SerialNumber) != 0 {
		t.Fatal("the spoke renewed while the CA was down")
	}
	timers := run(spoke, "show crypto pki timers")
	if !strings.Contains(timers, "Root-CA") {
		t.Fatalf("no retry timer while the CA is down:\n%s", timers)
	}
	run(ca, "configure terminal", "ip http server", "end")
	if err := l.Clock().Advance(2*24*time.Hour, nil); err != nil {
		t.Fatal(err)
	}
	if id := certsOf(spoke, "Root-CA")[pkiios.RoleID]; id.SerialNumber.Cmp(first.SerialNumber) == 0 {
		t.Fatalf("the spoke did not renew once the CA was back:\n%s", run(spoke, "show crypto pki timers", "show logging"))
	}
}
