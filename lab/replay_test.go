package lab

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

// TestReplaySeedRollover replays examples/scenarios/seed-rollover.yaml: the
// seeds' document from 13:14:16 CET Oct 9 2015 through the rollover of Jul
// 10 2017 and the switch of Oct 8 2017; every expect of the file holds and
// the transcript shows the document's outputs at the document's moments.
func TestReplaySeedRollover(t *testing.T) {
	sc, err := LoadScenario("../examples/scenarios/seed-rollover.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := Replay(sc, ReplayOptions{Dir: t.TempDir()}, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	tr := out.String()
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`Time source is NTP, 13:19:58\.946 CET Fri Oct 9 2015\n`),
		regexp.MustCompile(`\|639d23:54:17\.054  CS SHADOW CERT GENERATION`),
		regexp.MustCompile(`Key name: ROOTCA#`),
		regexp.MustCompile(`Time source is NTP, 13:19:19\.652 CET Mon Jul 10 2017\n\nCA Certificate \(Rollover\)`),
		regexp.MustCompile(`! % wait /\^CS CERT EXPIRE\$/: 13:14:16\.000 CET Sun Oct 8 2017 Root-CA: CS CERT EXPIRE`),
		// The switch at expiry: the former rollover certificate (0E) is
		// the CA certificate, and the spokes' rollover ID certificates are
		// active.
		regexp.MustCompile(`Time source is NTP, 13:14:17\.000 CET Sun Oct 8 2017\n\nCA Certificate\n  Status: Available\n  Certificate Serial Number \(hex\): 0E`),
		regexp.MustCompile(`%PKI-6-CERT_ROLLOVER_ACTIVE: A rollover ID certificate has been activated under trustpoint Root-CA`),
	} {
		if !want.MatchString(tr) {
			t.Errorf("transcript lacks /%s/", want)
		}
	}
	if t.Failed() {
		t.Logf("transcript:\n%s", tr)
	}
}

// TestReplayFailingExpect: a step whose expect is not met stops the replay
// with a ReplayError naming the step; the transcript ends with it.
func TestReplayFailingExpect(t *testing.T) {
	sc, err := ParseScenario("t.yaml", []byte(`
lab: seed
start: 2015-10-09T13:14:16+01:00
steps:
  - device: Root-CA
    type: show clock
    expect: 'CET Fri Oct 9 2015'
  - name: the wrong year
    device: spoke-1
    type: |
      show clock
    expect: [CET, '2016$']
  - advance: 1d
`))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	err = Replay(sc, ReplayOptions{Dir: t.TempDir()}, &out)
	var re *ReplayError
	if !errors.As(err, &re) || re.Step != 2 || !strings.Contains(err.Error(), "step 2 (the wrong year: device spoke-1): expect /2016$/ did not match") {
		t.Fatalf("error %v, want step 2's expect", err)
	}
	if !strings.HasSuffix(out.String(), "! step 2 (the wrong year: device spoke-1) FAILED: expect /2016$/ did not match\n") || strings.Contains(out.String(), "advance 1d") {
		t.Errorf("transcript does not end with the failed step:\n%s", out.String())
	}
}

func TestParseScenarioErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"steps: []", "no steps"},
		{"steps:\n  - device: R\n    advance: 1d", "step 1: a step is one of device, advance, set or wait"},
		{"steps:\n  - type: show clock", "step 1: a step is one of"},
		{"steps:\n  - advance: 1d\n    type: x", "type needs a device"},
		{"steps:\n  - advance: 1d\n    limit: 1d", "limit goes with wait"},
		{"steps:\n  - wait: '('", `bad pattern "("`},
		{"steps:\n  - advance: 1y", `unknown unit "y"`},
		{"steps:\n  - set: tomorrow", `set "tomorrow" is not an RFC 3339 time`},
		{"steps:\n  - devise: R", "field devise not found"},
		{"steps: [", "t.yaml"},
	} {
		_, err := ParseScenario("t.yaml", []byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.in, err, tc.want)
		}
	}
}
