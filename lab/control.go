package lab

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
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
//	GET  /, /v1/pki, /v1/events, /v1/stream  the timeline (timeline.go)
//
// A web page must not be able to drive it (any page can send a "simple"
// cross-origin POST, and DNS rebinding makes a foreign name resolve to
// 127.0.0.1), so every request passes [Lab.guard]:
//   - Host must be 127.0.0.1:PORT, localhost:PORT or [::1]:PORT (PORT the
//     control port): a rebound name is refused (421);
//   - an Origin header, if any, must be http://127.0.0.1:PORT,
//     http://localhost:PORT or http://[::1]:PORT, the API's own origin (403);
//   - a POST must say Content-Type: application/json (415), which a page
//     cannot send cross-origin without a CORS preflight this API never
//     answers;
//   - a body is at most maxBody bytes (413).
//
// Every error is an HTTP error status with a JSON body {"error": "..."}
// that quotes at most maxQuote bytes of the input. A clock jump checks its
// request before it answers: a bad duration, a time in the past or a jump
// that would overflow the clock is a 400, a jump already running a 409. Once
// the jump runs, the answer is 200 with Content-Type application/x-ndjson
// and progress lines; the status cannot change after that, so a failure
// during the jump (or saving the clock after it) is reported on the stream's
// last line, {"done":true,"error":"..."}, which a client must read. A stream
// that ends without a "done" line was cut off.

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
	Now     time.Time `json:"now"` // the lab time the line was written at
	Error   string    `json:"error,omitempty"`
	// The last line says what the jump did.
	*JumpStats
}

// JumpStats counts what happened during a clock jump: timers fired and the
// PKI's work (certificates received from a CA, timer-driven renewals, CA
// and ID certificate rollovers).
type JumpStats struct {
	TimersFired uint64 `json:"timers_fired"`
	Enrolments  uint64 `json:"enrolments"`
	Renewals    uint64 `json:"renewals"`
	Rollovers   uint64 `json:"rollovers"`
}

type apiError struct {
	Error string `json:"error"`
}

// maxBody caps a control API request body; maxQuote caps how much of bad
// input an error message repeats.
const (
	maxBody  = 64 << 10
	maxQuote = 40
)

// quote renders bad input for an error message: quoted, at most maxQuote
// bytes of it.
func quote(s string) string {
	if len(s) <= maxQuote {
		return strconv.Quote(s)
	}
	return strconv.Quote(strings.ToValidUTF8(s[:maxQuote], "")) + "..."
}

func (l *Lab) serveControl(ln net.Listener) {
	l.control = &http.Server{Handler: l.controlHandler(), ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 64 << 10}
	l.goServe(func() error { return l.control.Serve(ln) })
}

// guard admits a request from the lab's own host and origin only (see the
// package comment above) and caps its body.
func (l *Lab) guard(next http.Handler) http.Handler {
	port := strconv.Itoa(l.opt.BasePort)
	hosts := map[string]bool{"127.0.0.1:" + port: true, "localhost:" + port: true, "[::1]:" + port: true}
	if l.opt.Host != "" {
		hosts[net.JoinHostPort(l.opt.Host, port)] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !hosts[strings.ToLower(r.Host)] {
			writeJSON(w, http.StatusMisdirectedRequest, apiError{fmt.Sprintf("host %s is not this lab's control API (use 127.0.0.1:%s)", quote(r.Host), port)})
			return
		}
		if o, ok := r.Header["Origin"]; ok && (len(o) != 1 || !hosts[strings.TrimPrefix(strings.ToLower(o[0]), "http://")] || !strings.HasPrefix(strings.ToLower(o[0]), "http://")) {
			writeJSON(w, http.StatusForbidden, apiError{fmt.Sprintf("origin %s may not use the control API", quote(strings.Join(o, ",")))})
			return
		}
		if r.Method == http.MethodPost {
			if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
				writeJSON(w, http.StatusUnsupportedMediaType, apiError{"the control API takes Content-Type: application/json"})
				return
			}
		}
		if r.ContentLength > maxBody {
			writeJSON(w, http.StatusRequestEntityTooLarge, apiError{fmt.Sprintf("request body over %d bytes", maxBody)})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		next.ServeHTTP(w, r)
	})
}

// decode reads a JSON request body into v; an empty body leaves v alone. It
// answers the error itself and reports whether to go on.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	data, err := io.ReadAll(r.Body)
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		writeJSON(w, http.StatusRequestEntityTooLarge, apiError{fmt.Sprintf("request body over %d bytes", maxBody)})
		return false
	case err != nil:
		writeJSON(w, http.StatusBadRequest, apiError{"reading the request body failed"})
		return false
	case len(bytes.TrimSpace(data)) == 0:
		return true
	}
	if err := json.Unmarshal(data, v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		msg := "the request body is not JSON"
		switch {
		case errors.As(err, &se):
			msg = fmt.Sprintf("the request body is not JSON (at byte %d)", se.Offset)
		case errors.As(err, &te):
			msg = fmt.Sprintf("the request body has a %s where %s must be a %s", te.Value, quote(te.Field), te.Type)
		}
		writeJSON(w, http.StatusBadRequest, apiError{msg})
		return false
	}
	return true
}

// controlHandler is the control API behind its guard.
func (l *Lab) controlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/devices", l.apiDevices)
	mux.HandleFunc("GET /v1/clock", l.apiClock)
	mux.HandleFunc("POST /v1/clock/advance", l.apiAdvance)
	mux.HandleFunc("POST /v1/clock/set", l.apiSet)
	mux.HandleFunc("POST /v1/devices/{name}/reset", l.apiReset)
	mux.HandleFunc("POST /v1/save", l.apiSave)
	mux.HandleFunc("GET /v1/pki", l.apiPKI)
	mux.HandleFunc("GET /v1/events", l.apiEvents)
	mux.HandleFunc("GET /v1/stream", l.apiStream)
	page := servePage()
	for _, p := range []string{"/{$}", "/app.js", "/style.css"} {
		mux.Handle("GET "+p, page)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, apiError{fmt.Sprintf("no %s %s in the control API", r.Method, quote(r.URL.Path))})
	})
	return l.guard(mux)
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
	if !decode(w, r, &req) {
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
	if !decode(w, r, &req) {
		return
	}
	t, err := time.Parse(time.RFC3339Nano, req.To)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{fmt.Sprintf("%s is not an RFC 3339 time (e.g. 2017-07-10T13:14:16+01:00)", quote(req.To))})
		return
	}
	if t.Year() > MaxYear {
		writeJSON(w, http.StatusBadRequest, apiError{fmt.Sprintf("%s is past the lab clock's limit (year %d)", quote(req.To), MaxYear)})
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
	// The stream starts with the first progress line, which the clock sends
	// only once it has accepted the jump: a refused jump is still an HTTP
	// error.
	started := false
	before := l.jumpStats()
	enc := json.NewEncoder(w)
	fl, _ := w.(http.Flusher)
	last := -1.0
	err := run(func(done, total time.Duration) {
		if !started {
			started = true
			w.Header().Set("Content-Type", "application/x-ndjson")
			w.WriteHeader(http.StatusOK)
		}
		pct := 100.0
		if total > 0 {
			pct = float64(done) * 100 / float64(total)
		}
		if pct-last < 1 && done != total {
			return
		}
		last = pct
		_ = enc.Encode(Progress{Elapsed: FormatDuration(done), Total: FormatDuration(total), Percent: pct, Now: l.clock.Now()})
		if fl != nil {
			fl.Flush()
		}
	})
	if !started {
		code := http.StatusBadRequest
		if errors.Is(err, clock.ErrJumpInProgress) {
			code = http.StatusConflict
		}
		msg := "the clock refused the jump"
		if err != nil {
			msg = err.Error()
		}
		writeJSON(w, code, apiError{msg})
		return
	}
	// The page hears of the jump; the events it made are made durable.
	l.history.notify()
	serr := l.SyncEvents()
	after := l.jumpStats()
	final := Progress{Done: true, Percent: 100, Now: l.clock.Now(), JumpStats: &JumpStats{
		TimersFired: after.TimersFired - before.TimersFired,
		Enrolments:  after.Enrolments - before.Enrolments,
		Renewals:    after.Renewals - before.Renewals,
		Rollovers:   after.Rollovers - before.Rollovers,
	}}
	if err != nil {
		final.Error = err.Error()
	} else if err := l.SaveClock(); err != nil {
		final.Error = err.Error()
	} else if serr != nil {
		final.Error = serr.Error()
	}
	_ = enc.Encode(final)
}

func (l *Lab) apiReset(w http.ResponseWriter, r *http.Request) {
	n := l.Node(r.PathValue("name"))
	if n == nil {
		writeJSON(w, http.StatusNotFound, apiError{fmt.Sprintf("no device %s in this lab", quote(r.PathValue("name")))})
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
	if err := l.SyncEvents(); err != nil {
		writeJSON(w, http.StatusInternalServerError, apiError{err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"saved": saved})
}

// MaxDuration is the longest jump ParseDuration takes: the clock counts
// nanoseconds in an int64 (about 292 years from 1970), so a lab clock ends in
// 2262. 100000 days (about 273 years) is the documented limit.
const MaxDuration = 100000 * 24 * time.Hour

// MaxYear is the last year the lab clock can stand in (int64 nanoseconds
// since 1970 end in April 2262).
const MaxYear = 2261

// ParseDuration reads a lab duration: "640d", "1d12h", "90m", "30s",
// "2h30m15s", "1.5d". Units: d, h, m, s (and ms). It must be positive and
// at most MaxDuration (100000d); every step is checked for overflow.
func ParseDuration(s string) (time.Duration, error) {
	in := strings.TrimSpace(s)
	q := quote(in)
	if in == "" {
		return 0, errors.New("empty duration (use e.g. 640d, 12h, 90m, 30s)")
	}
	tooLong := fmt.Errorf("bad duration %s: longer than the lab clock's limit of %dd", q, MaxDuration/(24*time.Hour))
	var total float64 // ns; float64 holds every sum we accept exactly enough
	rest := in
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("bad duration %s: expected a number at %s (use e.g. 640d, 12h, 90m, 30s)", q, quote(rest))
		}
		num, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return 0, tooLong
			}
			return 0, fmt.Errorf("bad duration %s: %s is not a number", q, quote(rest[:i]))
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
		case "":
			return 0, fmt.Errorf("bad duration %s: a number needs a unit (d, h, m, s)", q)
		default:
			return 0, fmt.Errorf("bad duration %s: unknown unit %s (use d, h, m, s)", q, quote(rest[:j]))
		}
		total += num * float64(unit)
		if math.IsInf(total, 0) || total > float64(MaxDuration) {
			return 0, tooLong
		}
		rest = rest[j:]
	}
	d := time.Duration(math.Round(total))
	if d <= 0 {
		return 0, fmt.Errorf("bad duration %s: must be positive", q)
	}
	return d, nil
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
