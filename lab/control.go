package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/iosemu/iosemu/clock"
)

// The control API: JSON over HTTP on 127.0.0.1 only.
//
//	GET  /v1/devices
//	GET  /v1/clock
//	POST /v1/clock/advance {"by":"640d"}     streams progress as JSON lines
//	POST /v1/clock/set     {"to":"RFC3339"}  forward only; streams progress
//	POST /v1/devices/{name}/reset            factory default
//	POST /v1/save                            write memory on every device, save the clock

// DeviceInfo is one row of GET /v1/devices.
type DeviceInfo struct {
	Name     string `json:"name"`
	Platform string `json:"platform"`
	Model    string `json:"model"`
	Version  string `json:"version"`
	Hostname string `json:"hostname"`
	Address  string `json:"address"`
	SSH      int    `json:"ssh"`
	Telnet   int    `json:"telnet"`
	HTTP     int    `json:"http"`
	Clock    string `json:"clock"`
}

// ClockInfo is GET /v1/clock.
type ClockInfo struct {
	Now    time.Time `json:"now"`
	Offset string    `json:"offset"` // lab time minus wall time
	Scale  float64   `json:"scale"`
	Timers int       `json:"timers"` // pending timers across the lab
}

// Progress is one line of a jump's stream; the last line has Done set.
type Progress struct {
	Done    bool      `json:"done,omitempty"`
	Elapsed string    `json:"elapsed,omitempty"` // virtual time jumped so far
	Total   string    `json:"total,omitempty"`
	Percent float64   `json:"percent"`
	Now     time.Time `json:"now,omitempty"`
	Error   string    `json:"error,omitempty"`
}

type apiError struct {
	Error string `json:"error"`
}

func (l *Lab) serveControl(ln net.Listener) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/devices", l.apiDevices)
	mux.HandleFunc("GET /v1/clock", l.apiClock)
	mux.HandleFunc("POST /v1/clock/advance", l.apiAdvance)
	mux.HandleFunc("POST /v1/clock/set", l.apiSet)
	mux.HandleFunc("POST /v1/devices/{name}/reset", l.apiReset)
	mux.HandleFunc("POST /v1/save", l.apiSave)
	l.control = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	l.goServe(func() error { return l.control.Serve(ln) })
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func (l *Lab) apiDevices(w http.ResponseWriter, _ *http.Request) {
	out := []DeviceInfo{}
	for _, n := range l.nodes {
		p := n.Router.Platform()
		out = append(out, DeviceInfo{
			Name: n.Spec.Name, Platform: p.Name, Model: p.Model, Version: p.Version,
			Hostname: n.Router.Hostname(), Address: n.Spec.Address,
			SSH: n.SSHPort, Telnet: n.Telnet, HTTP: n.HTTPPort,
			Clock: clock.FormatShowClock(n.Router.Clock()),
		})
	}
	writeJSON(w, http.StatusOK, out)
}

func (l *Lab) apiClock(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, ClockInfo{Now: l.clock.Now(), Offset: l.clock.Offset().Round(time.Millisecond).String(), Scale: l.clock.Scale(), Timers: l.clock.Pending()})
}

func (l *Lab) apiAdvance(w http.ResponseWriter, r *http.Request) {
	var req struct {
		By string `json:"by"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{"bad request body: " + err.Error()})
		return
	}
	d, err := ParseDuration(req.By)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{err.Error()})
		return
	}
	l.jump(w, func(p func(done, total time.Duration)) error { return l.clock.Advance(d, p) })
}

func (l *Lab) apiSet(w http.ResponseWriter, r *http.Request) {
	var req struct {
		To string `json:"to"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{"bad request body: " + err.Error()})
		return
	}
	t, err := time.Parse(time.RFC3339Nano, req.To)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{fmt.Sprintf("%q is not an RFC 3339 time (e.g. 2017-07-10T13:14:16+01:00)", req.To)})
		return
	}
	if now := l.clock.Now(); t.Before(now) {
		writeJSON(w, http.StatusBadRequest, apiError{fmt.Sprintf("the lab clock only moves forward: %s is before the lab time %s", t.Format(time.RFC3339), now.Format(time.RFC3339))})
		return
	}
	l.jump(w, func(p func(done, total time.Duration)) error { return l.clock.Set(t, p) })
}

// jump runs a clock jump and streams its progress as JSON lines.
func (l *Lab) jump(w http.ResponseWriter, run func(func(done, total time.Duration)) error) {
	if !l.jumpMu.TryLock() {
		writeJSON(w, http.StatusConflict, apiError{"another clock jump is in progress"})
		return
	}
	defer l.jumpMu.Unlock()
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	fl, _ := w.(http.Flusher)
	last := -1.0
	err := run(func(done, total time.Duration) {
		pct := 100.0
		if total > 0 {
			pct = float64(done) * 100 / float64(total)
		}
		if pct-last < 1 && done != total {
			return
		}
		last = pct
		_ = enc.Encode(Progress{Elapsed: FormatDuration(done), Total: FormatDuration(total), Percent: pct})
		if fl != nil {
			fl.Flush()
		}
	})
	final := Progress{Done: true, Percent: 100, Now: l.clock.Now()}
	if err != nil {
		final.Error = err.Error()
	} else if err := l.SaveClock(); err != nil {
		final.Error = err.Error()
	}
	_ = enc.Encode(final)
}

func (l *Lab) apiReset(w http.ResponseWriter, r *http.Request) {
	n := l.Node(r.PathValue("name"))
	if n == nil {
		writeJSON(w, http.StatusNotFound, apiError{fmt.Sprintf("no device %q in this lab", r.PathValue("name"))})
		return
	}
	if err := n.Router.FactoryReset(); err != nil {
		writeJSON(w, http.StatusInternalServerError, apiError{err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"reset": n.Spec.Name})
}

func (l *Lab) apiSave(w http.ResponseWriter, _ *http.Request) {
	var saved []string
	for _, n := range l.nodes {
		if err := n.Router.Save(); err != nil {
			writeJSON(w, http.StatusInternalServerError, apiError{err.Error()})
			return
		}
		saved = append(saved, n.Spec.Name)
	}
	if err := l.SaveClock(); err != nil {
		writeJSON(w, http.StatusInternalServerError, apiError{err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"saved": saved})
}

// ParseDuration reads a lab duration: "640d", "1d12h", "90m", "30s",
// "2h30m15s", "1.5d". Units: d, h, m, s (and ms).
func ParseDuration(s string) (time.Duration, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return 0, errors.New("empty duration (use e.g. 640d, 12h, 90m, 30s)")
	}
	var total time.Duration
	rest := in
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("bad duration %q: expected a number at %q (use e.g. 640d, 12h, 90m, 30s)", in, rest)
		}
		num, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil {
			return 0, fmt.Errorf("bad duration %q: %v", in, err)
		}
		rest = rest[i:]
		j := 0
		for j < len(rest) && (rest[j] < '0' || rest[j] > '9') && rest[j] != '.' {
			j++
		}
		var unit time.Duration
		switch rest[:j] {
		case "d":
			unit = 24 * time.Hour
		case "h":
			unit = time.Hour
		case "m":
			unit = time.Minute
		case "s":
			unit = time.Second
		case "ms":
			unit = time.Millisecond
		default:
			return 0, fmt.Errorf("bad duration %q: unknown unit %q (use d, h, m, s)", in, rest[:j])
		}
		total += time.Duration(num * float64(unit))
		rest = rest[j:]
	}
	if total <= 0 {
		return 0, fmt.Errorf("bad duration %q: must be positive", in)
	}
	return total, nil
}

// FormatDuration renders a duration in days, hours, minutes and seconds.
func FormatDuration(d time.Duration) string {
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	s := ""
	if days > 0 {
		s = fmt.Sprintf("%dd", days)
	}
	h, m, sec := d/time.Hour, d%time.Hour/time.Minute, d%time.Minute/time.Second
	return s + fmt.Sprintf("%02dh%02dm%02ds", h, m, sec)
}
