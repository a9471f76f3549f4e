package lab

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A kill -9 in the middle of a write leaves a torn last line: it is
// skipped, and the next event starts on a line of its own.
func TestHistoryTornLine(t *testing.T) {
	dir := t.TempDir()
	whole := `{"time":"2016-07-27T12:14:16Z","device":"spoke-1","kind":"log","text":"%PKI-6-CERTRENEWAUTO: Renewing"}` + "\n"
	if err := os.WriteFile(filepath.Join(dir, eventsFile), []byte(whole+`{"time":"2016-07-27T12:14:16Z","dev`), 0o600); err != nil {
		t.Fatal(err)
	}
	h, err := openHistory(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := h.list(time.Time{}, ""); len(got) != 1 || got[0].Device != "spoke-1" {
		t.Fatalf("read back %+v", got)
	}
	h.add(Event{Time: time.Date(2017, 7, 10, 12, 14, 16, 0, time.UTC), Device: "Root-CA", Kind: EventTimer, Text: "CS SHADOW CERT GENERATION"})
	if err := h.close(); err != nil {
		t.Fatal(err)
	}
	h, err = openHistory(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer h.close()
	got := h.list(time.Time{}, "")
	if len(got) != 2 || got[1].Text != "CS SHADOW CERT GENERATION" {
		t.Fatalf("after a torn line and an append: %+v", got)
	}
	if got := h.list(time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC), "root-ca"); len(got) != 1 {
		t.Errorf("since and device (any case): %+v", got)
	}
}

// The page and the new endpoints sit behind the control API's guard.
func TestTimelineBehindTheGuard(t *testing.T) {
	l := &Lab{opt: Options{BasePort: 2200}}
	h := l.controlHandler()
	for _, tc := range []struct {
		path, host, origin string
		code               int
		body               string
	}{
		{"/", "127.0.0.1:2200", "", 200, "<title>iosemu · lab PKI timeline</title>"},
		{"/app.js", "localhost:2200", "", 200, "EventSource"},
		{"/", "evil.example:2200", "", http.StatusMisdirectedRequest, "not this lab's control API"},
		{"/v1/events", "127.0.0.1:2200", "http://evil.example", http.StatusForbidden, "may not use the control API"},
		{"/v1/stream", "127.0.0.1:2200", "http://evil.example", http.StatusForbidden, "may not use the control API"},
		{"/v1/pki", "127.0.0.1:2200", "null", http.StatusForbidden, "may not use the control API"},
		{"/v1/events?since=yesterday", "127.0.0.1:2200", "", http.StatusBadRequest, `yesterday\" is not an RFC 3339 time`},
		{"/index.html", "127.0.0.1:2200", "", http.StatusNotFound, "no GET"},
	} {
		r := httptest.NewRequest("GET", tc.path, nil)
		r.Host = tc.host
		if tc.origin != "" {
			r.Header.Set("Origin", tc.origin)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tc.code || !strings.Contains(w.Body.String(), tc.body) {
			t.Errorf("GET %s (Host %s, Origin %q): %d %.80q, want %d %q", tc.path, tc.host, tc.origin, w.Code, w.Body.String(), tc.code, tc.body)
		}
	}
}
