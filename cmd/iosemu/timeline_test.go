package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/iosemu/iosemu/lab"
)

func getJSON(t *testing.T, base int, path string, v any) {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d%s", base, path))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// TestEventsSurviveKillAndRestart: the event history of a 300-day jump (the
// spokes' first renewals) is
// on disk when the jump ends, so a kill -9 loses none of it; the restarted
// lab serves it and goes on appending. After a further 4-year jump, GET
// /v1/pki (what the timeline page draws) says what `show crypto pki
// certificates` says on every device, and every PKI message in each
// device's log is in GET /v1/events.
func TestEventsSurviveKillAndRestart(t *testing.T) {
	state := t.TempDir()
	base := freeBase(t)
	p := runLab(t, state, base, "--start", "2015-10-09T13:14:16+01:00")
	// 300 days, not 640: a lab killed after the CA's rollover and
	// restarted loses the rollover key ROOTCA# (never saved) and its CS
	// CERT EXPIRE timer then fires again and again at one instant (see the
	// report of the timeline branch).
	ctl(t, base, "clock", "advance", "300d")
	var before []lab.Event
	getJSON(t, base, "/v1/events", &before)
	has := func(evs []lab.Event, device, kind, text string) bool {
		for _, e := range evs {
			if e.Device == device && e.Kind == kind && strings.HasPrefix(e.Text, text) {
				return true
			}
		}
		return false
	}
	for _, w := range []struct{ device, kind, text string }{
		{"Root-CA", lab.EventTimer, "CS CRL UPDATE"},
		{"Root-CA", lab.EventLog, "%PKI-6-CS_ENABLED"},
		{"spoke-1", lab.EventLog, "%PKI-6-CERTRET: Certificate received from Certificate Authority"},
		{"spoke-1", lab.EventTimer, "RENEW Root-CA"},
		{"spoke-4", lab.EventLog, "%PKI-6-CERTRENEWAUTO"},
	} {
		if !has(before, w.device, w.kind, w.text) {
			t.Errorf("no %s event %q of %s in /v1/events", w.kind, w.text, w.device)
		}
	}
	var spoke []lab.Event
	getJSON(t, base, "/v1/events?device=spoke-2&since=2016-01-01T00:00:00Z", &spoke)
	for _, e := range spoke {
		if e.Device != "spoke-2" || e.Time.Year() < 2016 {
			t.Fatalf("?device=spoke-2&since=2016-01-01 gave %+v", e)
		}
	}
	if len(spoke) == 0 || len(spoke) >= len(before) {
		t.Errorf("?device&since: %d of %d events", len(spoke), len(before))
	}

	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
	runLab(t, state, base)
	var after []lab.Event
	getJSON(t, base, "/v1/events", &after)
	if len(after) < len(before) {
		t.Fatalf("%d events after kill -9 and restart, %d before", len(after), len(before))
	}
	for i := range before {
		if !before[i].Time.Equal(after[i].Time) || before[i].Device != after[i].Device || before[i].Text != after[i].Text || before[i].Kind != after[i].Kind {
			t.Fatalf("event %d changed across the restart: %+v, was %+v", i, after[i], before[i])
		}
	}

	// Four years on: the page's data against show, device by device.
	ctl(t, base, "clock", "advance", "1461d")
	var st lab.PKIState
	getJSON(t, base, "/v1/pki", &st)
	var evs []lab.Event
	getJSON(t, base, "/v1/events", &evs)
	for _, w := range []struct{ device, kind, text string }{
		{"Root-CA", lab.EventTimer, "CS SHADOW CERT GENERATION"},
		{"Root-CA", lab.EventDebug, "CRYPTO_CS: shadow CA successfully created."},
		{"Root-CA", lab.EventTimer, "CS CERT EXPIRE"},
		{"spoke-3", lab.EventTimer, "SHADOW Root-CA"},
		{"spoke-3", lab.EventLog, "%PKI-6-CERT_ROLLOVER_ACTIVE"},
	} {
		if !has(evs, w.device, w.kind, w.text) {
			t.Errorf("no %s event %q of %s in /v1/events after 4 years", w.kind, w.text, w.device)
		}
	}
	if len(st.Devices) != 5 || st.Now.Year() != 2020 {
		t.Fatalf("/v1/pki: %d devices at %v", len(st.Devices), st.Now)
	}
	pkiMsg := regexp.MustCompile(`(?m)^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d\.\d{3}: (%PKI-\d-[A-Z_]+:.*)$`)
	for i, d := range st.Devices {
		port := base + 1 + i
		show := sshExec(t, port, "show crypto pki certificates", nil)
		var page strings.Builder
		for _, c := range d.Certs {
			page.WriteString(c.Show)
			if !strings.Contains(c.Show, "Certificate Serial Number (hex): "+c.Serial+"\n") || !strings.Contains(c.Show, c.Title+"\n") {
				t.Errorf("%s: /v1/pki serial %s, title %q disagree with its text:\n%s", d.Name, c.Serial, c.Title, c.Show)
			}
		}
		if page.String() != show || len(d.Certs) == 0 {
			t.Errorf("%s: /v1/pki and show crypto pki certificates differ:\n--- /v1/pki\n%s--- show\n%s", d.Name, page.String(), show)
		}
		timers := sshExec(t, port, "show crypto pki timers", nil)
		for _, tm := range d.Timers {
			if !strings.Contains(timers, "  "+tm.Name+"\n") {
				t.Errorf("%s: /v1/pki timer %q not in show crypto pki timers:\n%s", d.Name, tm.Name, timers)
			}
		}
		logged := pkiMsg.FindAllStringSubmatch(sshExec(t, port, "show logging", nil), -1)
		if len(logged) == 0 && d.Name != "Root-CA" { // the server logs nothing after its restart
			t.Errorf("%s: no PKI messages in show logging", d.Name)
		}
		for _, m := range logged {
			if !has(evs, d.Name, lab.EventLog, m[1]) {
				t.Errorf("%s: logged %q, not in /v1/events", d.Name, m[1])
			}
		}
	}
	if _, err := os.Stat(filepath.Join(state, "events.jsonl")); err != nil {
		t.Error(err)
	}
}

// TestReplayExitStatus: the example scenario exits 0 and writes its
// transcript to --out; a failing expect exits 1 naming the step.
func TestReplayExitStatus(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rollover.txt")
	if b, err := exec.Command(binary, "replay", "../../examples/scenarios/seed-rollover.yaml", "--out", out).CombinedOutput(); err != nil {
		t.Fatalf("replay: %v\n%s", err, b)
	}
	tr, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"639d23:54:17", "ROOTCA#", "CA Certificate (Rollover)", "Root-CA: CS CERT EXPIRE", "%PKI-6-CERT_ROLLOVER_ACTIVE"} {
		if !strings.Contains(string(tr), want) {
			t.Errorf("transcript lacks %q", want)
		}
	}

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("steps:\n  - device: Root-CA\n    type: show clock\n    expect: '1999'\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "replay", bad, "--start", "2015-10-09T13:14:16+01:00")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("a failing expect: %v, want exit status 1", err)
	}
	if !strings.Contains(stderr.String(), "replay: step 1 (device Root-CA): expect /1999/ did not match") {
		t.Errorf("stderr does not name the step: %q", stderr.String())
	}
	if !strings.Contains(string(stdout), "CET Fri Oct 9 2015") {
		t.Errorf("no transcript on stdout:\n%s", stdout)
	}
}
