package lab

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/iosemu/iosemu/clock"
	pkiios "github.com/iosemu/iosemu/pki/ios"
)

// The timeline: the lab's PKI over time, for a trainer.
//
//	GET /                 the timeline page (static, embedded: timeline/*)
//	GET /v1/pki           certificates and pending PKI timers of every device
//	GET /v1/events        the event history (?since=RFC3339&device=NAME)
//	GET /v1/stream        server-sent events: "change" when the clock jumped
//	                      or an event was recorded
//
// The page draws from /v1/pki and /v1/events and jumps the clock with
// POST /v1/clock/advance|set, as `iosemu ctl` does, behind the same guard.

//go:embed timeline
var timelineFS embed.FS

// PKIState is GET /v1/pki.
type PKIState struct {
	Now     time.Time   `json:"now"`    // the lab clock
	Scale   float64     `json:"scale"`  // virtual seconds per real second
	Frozen  bool        `json:"frozen"` // only jumps move the clock
	Devices []PKIDevice `json:"devices"`
}

// PKIDevice is one device's certificates and pending PKI timers.
type PKIDevice struct {
	Name     string     `json:"name"`
	Hostname string     `json:"hostname"`
	Clock    string     `json:"clock"` // show clock
	Certs    []PKICert  `json:"certs"`
	Timers   []PKITimer `json:"timers"`
}

// PKICert is a certificate a device holds, as `show crypto pki
// certificates` lists it.
type PKICert struct {
	Title       string    `json:"title"` // the block's title: "CA Certificate (Rollover)"
	Role        string    `json:"role"`  // CA, CA rollover, ID, ID rollover
	Trustpoints []string  `json:"trustpoints"`
	Serial      string    `json:"serial"` // hex, as IOS prints it
	Issuer      string    `json:"issuer"`
	Subject     string    `json:"subject"`
	NotBefore   time.Time `json:"not_before"`
	NotAfter    time.Time `json:"not_after"`
	Show        string    `json:"show"` // the block of show crypto pki certificates
}

// PKITimer is a pending PKI timer.
type PKITimer struct {
	Name string    `json:"name"`
	Due  time.Time `json:"due"` // lab time
}

// pkiTimerNames are the prefixes of the lab clock's timers that are the
// PKI's (show crypto pki timers lists the same).
var pkiTimerNames = []string{"CS ", "RENEW ", "SHADOW ", "POLL ", "CONNECT RETRY", "SESSION CLEANUP", "TRUSTPOOL"}

func isPKITimer(name string) bool {
	for _, p := range pkiTimerNames {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// PKI returns the certificates and pending PKI timers of every device.
func (l *Lab) PKI() PKIState {
	st := PKIState{Now: l.clock.Now(), Scale: l.clock.Scale(), Frozen: l.clock.Frozen(), Devices: []PKIDevice{}}
	for _, n := range l.nodes {
		d := PKIDevice{Name: n.Spec.Name, Hostname: n.Router.Hostname(), Clock: clock.FormatShowClock(n.Router.Clock()), Certs: []PKICert{}, Timers: []PKITimer{}}
		for _, c := range pkiios.ShowCertificates(n.Router) {
			d.Certs = append(d.Certs, PKICert{
				Title: c.Title, Role: string(c.Role), Trustpoints: c.Trustpoints,
				Serial: fmt.Sprintf("%X", c.Cert.SerialNumber), Issuer: c.Cert.Issuer.String(), Subject: c.Cert.Subject.String(),
				NotBefore: c.Cert.NotBefore, NotAfter: c.Cert.NotAfter, Show: c.Text,
			})
		}
		for _, t := range l.clock.Timers(n.Spec.Name) {
			if isPKITimer(t.Name) {
				d.Timers = append(d.Timers, PKITimer{Name: t.Name, Due: t.Due})
			}
		}
		st.Devices = append(st.Devices, d)
	}
	return st
}

func (l *Lab) apiPKI(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, l.PKI())
}

func (l *Lab) apiEvents(w http.ResponseWriter, r *http.Request) {
	var since time.Time
	if s := r.URL.Query().Get("since"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, apiError{fmt.Sprintf("since %s is not an RFC 3339 time", quote(s))})
			return
		}
		since = t
	}
	dev := r.URL.Query().Get("device")
	if dev != "" && l.Node(dev) == nil {
		writeJSON(w, http.StatusNotFound, apiError{fmt.Sprintf("no device %s in this lab", quote(dev))})
		return
	}
	writeJSON(w, http.StatusOK, l.Events(since, dev))
}

// streamChange is the data of a server-sent "change" event.
type streamChange struct {
	Now    time.Time `json:"now"`
	Events int       `json:"events"` // events recorded so far
}

// apiStream sends a "change" event at once and whenever the clock jumped
// or an event was recorded (bursts coalesce: a slow reader gets the latest
// state, not every step), until the client goes away or the lab closes.
func (l *Lab) apiStream(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		writeJSON(w, http.StatusInternalServerError, apiError{"streaming is not supported"})
		return
	}
	ch, cancel := l.history.subscribe()
	defer cancel()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	send := func() bool {
		b, _ := json.Marshal(streamChange{Now: l.clock.Now(), Events: l.history.len()})
		if _, err := fmt.Fprintf(w, "event: change\ndata: %s\n\n", b); err != nil {
			return false
		}
		fl.Flush()
		return true
	}
	if !send() {
		return
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case <-ch:
			if !send() {
				return
			}
		}
	}
}

// servePage serves the embedded timeline page.
func servePage() http.Handler {
	sub, err := fs.Sub(timelineFS, "timeline")
	if err != nil {
		panic(err) // the embedded tree is part of the binary
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'")
		files.ServeHTTP(w, r)
	})
}
