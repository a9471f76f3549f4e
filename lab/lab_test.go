package lab

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/iosemu/iosemu/clock"
	"github.com/iosemu/iosemu/internal/porttest"
)

func TestParseErrorsNameFileLineField(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown platform", `
name: x
devices:
  - name: R1
    platform: ISR-G9
    address: 10.0.0.1
`, "lab.yaml:5: devices[0].platform:"},
		{"bad address", `
devices:
  - name: R1
    platform: ISR-G2
    address: 10.0.0.300
`, `lab.yaml:5: devices[0].address: "10.0.0.300" is not an IPv4 address`},
		{"unknown field", `
devices:
  - name: R1
    platfrom: ISR-G2
`, "lab.yaml:4: devices[0].platfrom: unknown field"},
		{"duplicate name", `
devices:
  - {name: R1, platform: ISR-G2, address: 10.0.0.1}
  - {name: R1, platform: ISR-G1, address: 10.0.0.2}
`, `lab.yaml:4: devices[1].name: duplicate device "R1"`},
		{"duplicate address", `
devices:
  - {name: R1, platform: ISR-G2, address: 10.0.0.1}
  - {name: R2, platform: ISR-G1, address: 10.0.0.1}
`, "lab.yaml:4: devices[1].address: 10.0.0.1 is already R1's address"},
		{"no devices", "name: x\n", "lab.yaml:1: devices: the lab has no devices"},
		{"bad service kind", `
services:
  - {name: dns, kind: dns, address: 10.1.1.1}
devices:
  - {name: R1, platform: ISR-G2, address: 10.0.0.1}
`, `lab.yaml:3: services[0].kind: "dns" is not a service kind`},
		{"not yaml", "devices: [", "lab.yaml:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("lab.yaml", []byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestBuiltinLabs(t *testing.T) {
	for _, name := range []string{"seed", "blank"} {
		s, ok := Builtin(name)
		if !ok {
			t.Fatalf("Builtin(%q) failed", name)
		}
		var names []string
		for _, d := range s.Devices {
			names = append(names, d.Name)
		}
		if got := strings.Join(names, " "); got != "Root-CA spoke-1 spoke-2 spoke-3 spoke-4" {
			t.Errorf("%s lab devices = %s", name, got)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"640d": 640 * 24 * time.Hour, "1d12h": 36 * time.Hour, "90m": 90 * time.Minute,
		"30s": 30 * time.Second, "2h30m15s": 2*time.Hour + 30*time.Minute + 15*time.Second, "1.5d": 36 * time.Hour,
	} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "d", "10", "10y", "-5d", "0s", "5 days"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) succeeded", bad)
		}
	}
	if got, err := ParseDuration("100000d"); err != nil || got != MaxDuration {
		t.Errorf("ParseDuration(100000d) = %v, %v; want the limit", got, err)
	}
	// Past the limit, or overflowing int64 nanoseconds, says so (it used to
	// say "must be positive", or wrap silently to a 286-year jump).
	for _, long := range []string{"36500000d", "106000d106000d106000d", "100000d1s", "2400001h", "9999999999999999999999999s", strings.Repeat("9", 400) + "d"} {
		_, err := ParseDuration(long)
		if err == nil || !strings.Contains(err.Error(), "limit of 100000d") {
			t.Errorf("ParseDuration(%.40q) = %v, want the limit", long, err)
		}
		if err != nil && len(err.Error()) > 150 {
			t.Errorf("ParseDuration error is %d bytes long", len(err.Error()))
		}
	}
}

func freeBase(t *testing.T, devices int) int {
	t.Helper()
	base, err := porttest.FreeBase(devices)
	if err != nil {
		t.Fatal(err)
	}
	return base
}

func startLab(t *testing.T, spec *Spec, c *clock.Lab) (*Lab, int) {
	t.Helper()
	base := freeBase(t, len(spec.Devices))
	l, err := Start(spec, Options{StateDir: t.TempDir(), BasePort: base, Clock: c})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, base
}

func post(t *testing.T, url, body string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestControlAPI(t *testing.T) {
	spec, _ := Builtin("seed")
	start := time.Date(2015, 10, 9, 13, 14, 16, 0, time.FixedZone("CET", 3600))
	c := clock.NewFake(start)
	l, base := startLab(t, spec, c)
	api := fmt.Sprintf("http://127.0.0.1:%d", base)

	resp, err := http.Get(api + "/v1/devices")
	if err != nil {
		t.Fatal(err)
	}
	var devs []DeviceInfo
	if err := json.NewDecoder(resp.Body).Decode(&devs); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(devs) != 5 || devs[0].Name != "Root-CA" || devs[0].SSH != base+1 || devs[4].Telnet != base+105 || devs[2].HTTP != base+203 {
		t.Fatalf("devices = %+v", devs)
	}
	// NTP to the lab service: synchronised at start, no '*' or '.'.
	if want := "13:14:16.000 CET Fri Oct 9 2015"; devs[0].Clock != want {
		t.Errorf("Root-CA clock = %q, want %q", devs[0].Clock, want)
	}

	// Timers on three devices fire in due order during one advance, with the
	// clock standing at their due times.
	var fired []string
	for _, tm := range []struct {
		dev string
		d   time.Duration
	}{{"spoke-1", 10 * 24 * time.Hour}, {"spoke-2", 5 * 24 * time.Hour}, {"spoke-3", 5*24*time.Hour + time.Second}} {
		tm := tm
		c.AfterFunc(tm.dev, "TEST", tm.d, func() {
			fired = append(fired, fmt.Sprintf("%s@%s", tm.dev, c.Now().Sub(start)))
		})
	}
	resp2, body := post(t, api+"/v1/clock/advance", `{"by":"30d"}`)
	if resp2.StatusCode != 200 {
		t.Fatalf("advance: %s %s", resp2.Status, body)
	}
	lines := strings.Split(strings.TrimSpace(body), "\n")
	var last Progress
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil || !last.Done || last.Error != "" {
		t.Fatalf("last progress line %q: %v", lines[len(lines)-1], err)
	}
	if !last.Now.Equal(start.Add(30 * 24 * time.Hour)) {
		t.Errorf("clock after advance = %v", last.Now)
	}
	if got, want := strings.Join(fired, " "), "spoke-2@120h0m0s spoke-3@120h0m1s spoke-1@240h0m0s"; got != want {
		t.Errorf("fired %q, want %q", got, want)
	}
	if got := l.Node("spoke-4").Router.Clock().Now(); !got.Equal(c.Now()) {
		t.Errorf("spoke-4 clock %v, lab %v", got, c.Now())
	}

	// Errors say what was wrong.
	for _, tc := range []struct{ path, body, want string }{
		{"/v1/clock/advance", `{"by":"5y"}`, `unknown unit \"y\"`},
		{"/v1/clock/set", `{"to":"2015-10-10T00:00:00Z"}`, "only moves forward"},
		{"/v1/clock/set", `{"to":"tomorrow"}`, "not an RFC 3339 time"},
		{"/v1/devices/nope/reset", ``, `no device \"nope\"`},
	} {
		resp, body := post(t, api+tc.path, tc.body)
		if resp.StatusCode < 400 || !strings.Contains(body, tc.want) {
			t.Errorf("POST %s %s = %s %s, want an error containing %q", tc.path, tc.body, resp.Status, body, tc.want)
		}
	}

	// set jumps forward to an instant.
	to := start.Add(639 * 24 * time.Hour)
	resp3, body := post(t, api+"/v1/clock/set", fmt.Sprintf(`{"to":%q}`, to.Format(time.RFC3339)))
	if resp3.StatusCode != 200 || !c.Now().Equal(to) {
		t.Fatalf("set: %s %s, clock %v", resp3.Status, body, c.Now())
	}
	resp4, _ := http.Get(api + "/v1/devices")
	var devs2 []DeviceInfo
	_ = json.NewDecoder(resp4.Body).Decode(&devs2)
	resp4.Body.Close()
	if want := "13:14:16.000 CET Sun Jul 9 2017"; devs2[0].Clock != want {
		t.Errorf("after 639d Root-CA clock = %q, want %q", devs2[0].Clock, want)
	}
}

func TestPortInUseNamesThePort(t *testing.T) {
	spec, _ := Builtin("blank")
	base := freeBase(t, len(spec.Devices))
	busy, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", base+103))
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, err = Start(spec, Options{StateDir: t.TempDir(), BasePort: base, Clock: clock.NewFake(time.Now())}) // wall-clock-ok: any start
	var pe *ErrPortInUse
	if !errors.As(err, &pe) || pe.Port != base+103 || !strings.Contains(err.Error(), fmt.Sprint(base+103)) {
		t.Fatalf("Start error = %v, want port %d in use", err, base+103)
	}
	// Everything it opened is closed again: the base port is free.
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", base))
	if err != nil {
		t.Fatalf("control port left open: %v", err)
	}
	ln.Close()
}

func TestHTTPOnlyWithIPHTTPServer(t *testing.T) {
	spec, _ := Builtin("seed")
	_, base := startLab(t, spec, clock.NewFake(time.Date(2015, 10, 9, 12, 0, 0, 0, time.UTC)))
	// Root-CA has `ip http server`: it answers (404 for an unknown path).
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", base+201))
	if err != nil {
		t.Fatalf("Root-CA HTTP: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("Root-CA / = %s", resp.Status)
	}
	// spoke-1 has none: the connection is dropped.
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", base+202))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET / HTTP/1.0\r\n\r\n")
	if line, err := bufio.NewReader(conn).ReadString('\n'); err == nil {
		t.Errorf("spoke-1 answered HTTP without ip http server: %q", line)
	}
}
