package lab

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/iosemu/iosemu/clock"
	"github.com/iosemu/iosemu/internal/porttest"
)

// A web page cannot drive the control API: foreign Host (DNS rebinding) and
// Origin are refused, POST needs application/json, bodies are capped, and an
// error quotes little of the input and is always an HTTP error status.
func TestControlAPIRefusesWebPages(t *testing.T) {
	spec, _ := Builtin("seed")
	start := time.Date(2015, 10, 9, 13, 14, 16, 0, time.UTC)
	c := clock.NewFake(start)
	l, base := startLab(t, spec, c)
	api := fmt.Sprintf("http://127.0.0.1:%d", base)
	// spoke-4 gets a mark in its running config that a reset would erase.
	run(l.Node("spoke-4"), "configure terminal", "hostname MARKED", "end")

	do := func(method, path, host, origin, ctype string, body io.Reader) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, api+path, body)
		if err != nil {
			t.Fatal(err)
		}
		if host != "" {
			req.Host = host
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	own := fmt.Sprintf("127.0.0.1:%d", base)
	for _, tc := range []struct {
		name, method, path, host, origin, ctype string
		body                                    string
		code                                    int
		want                                    string
	}{
		{"foreign origin, text/plain", "POST", "/v1/devices/spoke-4/reset", "", "http://evil.example", "text/plain", "", 403, "origin"},
		{"foreign origin, json", "POST", "/v1/devices/spoke-4/reset", "", "http://evil.example", "application/json", "", 403, "origin"},
		{"origin on another port", "POST", "/v1/devices/spoke-4/reset", "", fmt.Sprintf("http://127.0.0.1:%d", base+1), "application/json", "", 403, "origin"},
		{"https origin", "GET", "/v1/devices", "", "https://" + own, "", "", 403, "origin"},
		{"null origin", "GET", "/v1/devices", "", "null", "", "", 403, "origin"},
		{"text/plain", "POST", "/v1/devices/spoke-4/reset", "", "", "text/plain", "", 415, "application/json"},
		{"form", "POST", "/v1/save", "", "", "application/x-www-form-urlencoded", "", 415, "application/json"},
		{"no content type", "POST", "/v1/save", "", "", "", "", 415, "application/json"},
		{"rebound host", "GET", "/v1/devices", fmt.Sprintf("evil.example:%d", base), "", "", "", 421, "not this lab's control API"},
		{"rebound host POST", "POST", "/v1/devices/spoke-4/reset", "evil.example", "", "application/json", "", 421, "host"},
		{"unknown path", "GET", "/v1/nope", "", "", "", "", 404, "no GET"},
		{"wrong method", "GET", "/v1/save", "", "", "", "", 404, "no GET"},
		{"not json", "POST", "/v1/clock/advance", "", "", "application/json", "{by: 1d", 400, "not JSON"},
		{"wrong type", "POST", "/v1/clock/advance", "", "", "application/json", `{"by": 5}`, 400, "number"},
		{"long bad time", "POST", "/v1/clock/set", "", "", "application/json", `{"to":"` + strings.Repeat("Z", 10000) + `"}`, 400, "not an RFC 3339 time"},
		{"long bad duration", "POST", "/v1/clock/advance", "", "", "application/json", `{"by":"` + strings.Repeat("9", 10000) + `"}`, 400, "limit"},
		{"overflowing jump", "POST", "/v1/clock/advance", "", "", "application/json", `{"by":"106000d106000d106000d"}`, 400, "limit"},
		{"past the clock's end", "POST", "/v1/clock/set", "", "", "application/json", `{"to":"2300-01-01T00:00:00Z"}`, 400, "limit"},
		{"backwards", "POST", "/v1/clock/set", "", "", "application/json", `{"to":"2000-01-01T00:00:00Z"}`, 400, "only moves forward"},
		{"long device name", "POST", "/v1/devices/" + strings.Repeat("x", 5000) + "/reset", "", "", "application/json", "", 404, "no device"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := do(tc.method, tc.path, tc.host, tc.origin, tc.ctype, strings.NewReader(tc.body))
			if code != tc.code || !strings.Contains(body, tc.want) {
				t.Fatalf("%s %s = %d %.300s, want %d with %q", tc.method, tc.path, code, body, tc.code, tc.want)
			}
			if len(body) > 300 {
				t.Fatalf("error body is %d bytes: %.300s...", len(body), body)
			}
		})
	}
	if got := l.Node("spoke-4").Router.Hostname(); got != "MARKED" {
		t.Fatalf("a refused request reset spoke-4 (hostname %q)", got)
	}
	// A body over the cap is refused, not read into memory and echoed.
	big := bytes.Repeat([]byte("A"), 1<<20)
	code, body := do("POST", "/v1/clock/set", "", "", "application/json", bytes.NewReader(append(append([]byte(`{"to":"`), big...), '"', '}')))
	if code != 413 || len(body) > 200 {
		t.Fatalf("1 MiB body: %d %.300s", code, body)
	}
	// Chunked (no Content-Length): capped while reading.
	pr, pw := io.Pipe()
	go func() { pw.Write([]byte(`{"to":"`)); pw.Write(big); pw.Close() }()
	if code, body := do("POST", "/v1/clock/set", "", "", "application/json", pr); code != 413 || len(body) > 200 {
		t.Fatalf("chunked 1 MiB body: %d %.300s", code, body)
	}
	// The API's own origin works (a page it serves itself), as does ctl's request.
	for _, origin := range []string{fmt.Sprintf("http://localhost:%d", base), "http://" + own, ""} {
		if code, body := do("GET", "/v1/devices", "", origin, "", nil); code != 200 {
			t.Fatalf("GET with origin %q: %d %s", origin, code, body)
		}
	}
	if code, body := do("GET", "/v1/clock", fmt.Sprintf("localhost:%d", base), "", "", nil); code != 200 {
		t.Fatalf("Host localhost: %d %s", code, body)
	}
	code, body = do("POST", "/v1/devices/spoke-4/reset", "", "http://"+own, "application/json; charset=utf-8", nil)
	if code != 200 || l.Node("spoke-4").Router.Hostname() == "MARKED" {
		t.Fatalf("same-origin reset: %d %s, hostname %s", code, body, l.Node("spoke-4").Router.Hostname())
	}
	// Every line of a jump's stream carries the lab time, never year 1.
	code, body = do("POST", "/v1/clock/advance", "", "", "application/json", strings.NewReader(`{"by":"2d"}`))
	if code != 200 {
		t.Fatalf("advance: %d %s", code, body)
	}
	for _, line := range strings.Split(strings.TrimSpace(body), "\n") {
		var p Progress
		if err := json.Unmarshal([]byte(line), &p); err != nil || p.Now.Before(start) {
			t.Fatalf("progress line %s: %v", line, err)
		}
	}
}

// FuzzControlAPI drives the control API handler with arbitrary requests: it
// never panics, always answers with a status, keeps errors short and JSON,
// and never does anything for a request that is not the lab's own.
func FuzzControlAPI(f *testing.F) {
	spec, _ := Builtin("blank")
	base, err := porttest.FreeBase(len(spec.Devices))
	if err != nil {
		f.Fatal(err)
	}
	l, err := Start(spec, Options{StateDir: f.TempDir(), BasePort: base, Clock: clock.NewFake(time.Date(2015, 10, 9, 13, 14, 16, 0, time.UTC))})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { l.Close() })
	h := l.controlHandler()
	own := fmt.Sprintf("127.0.0.1:%d", base)
	f.Add("POST", "/v1/clock/advance", own, "", "application/json", []byte(`{"by":"1d"}`))
	f.Add("POST", "/v1/clock/set", own, "", "application/json", []byte(`{"to":"2016-01-01T00:00:00Z"}`))
	f.Add("POST", "/v1/devices/spoke-4/reset", own, "http://evil.example", "text/plain", []byte(``))
	f.Add("GET", "/v1/devices", "evil.example", "", "", []byte(``))
	f.Add("POST", "/v1/save", own, "http://"+own, "application/json", []byte(`null`))
	f.Add("GET", "/v1/clock", own, "", "", []byte(``))
	f.Add("POST", "/v1/clock/advance", own, "", "application/json", []byte(`{"by":"106000d106000d106000d"}`))
	f.Fuzz(func(t *testing.T, method, path, host, origin, ctype string, body []byte) {
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		req, err := http.NewRequest(method, "http://"+own+"/", bytes.NewReader(body))
		if err != nil {
			return
		}
		req.URL.Path = path
		req.Host = host
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		req.Header.Set("Content-Type", ctype)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		code := rec.Code
		ok := map[string]bool{own: true, fmt.Sprintf("localhost:%d", base): true, fmt.Sprintf("[::1]:%d", base): true}
		lo := strings.ToLower(origin)
		foreign := !ok[strings.ToLower(host)] || (origin != "" && (!strings.HasPrefix(lo, "http://") || !ok[strings.TrimPrefix(lo, "http://")]))
		if foreign && code < 400 {
			t.Fatalf("%s %q host %q origin %q: %d, want refused", method, path, host, origin, code)
		}
		if method == "POST" && code < 400 && !strings.HasPrefix(strings.ToLower(ctype), "application/json") {
			t.Fatalf("POST with Content-Type %q: %d", ctype, code)
		}
		if code >= 400 {
			var e apiError
			b := rec.Body.Bytes()
			if json.Unmarshal(b, &e) != nil || e.Error == "" {
				t.Fatalf("error %d is not JSON: %q", code, b)
			}
			if len(b) > 400 {
				t.Fatalf("error %d body is %d bytes", code, len(b))
			}
		}
	})
}
