package lab

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/iosemu/iosemu/pki"
)

// The event history: every event of every router's PKI (log and debug
// lines, whether or not the router shows them) and every PKI timer firing,
// with the lab time and the device, in memory and in STATE/events.jsonl,
// one JSON object a line. The file is appended as events come and synced
// (fsync) at the end of every clock jump, on POST /v1/save and at Close: a
// lab killed with SIGKILL keeps every event up to its last completed jump
// and loses at most those of a jump it was in (or, with a running clock,
// those since the last jump). A torn last line is skipped when the file is
// read back. The timeline page and GET /v1/events draw from it.

// eventsFile holds the event history in the state dir.
const eventsFile = "events.jsonl"

// Kinds of Event.
const (
	EventLog   = "log"   // a syslog message (%PKI-6-CERTRET: …)
	EventDebug = "debug" // a debug line (CRYPTO_CS: shadow generation timer fired.)
	EventTimer = "timer" // a PKI timer fired; Text is its name (RENEW Root-CA, CS CERT EXPIRE)
)

// Event is one entry of the event history.
type Event struct {
	Time   time.Time `json:"time"` // lab time
	Device string    `json:"device"`
	Kind   string    `json:"kind"`
	Text   string    `json:"text"`
}

// history is the lab's event history and its subscribers.
type history struct {
	mu     sync.Mutex
	events []Event
	f      *os.File
	werr   error // the first write error, reported by sync
	subs   map[chan struct{}]struct{}
}

// openHistory reads the history a state dir holds and opens it for
// appending.
func openHistory(dir string) (*history, error) {
	h := &history{subs: map[chan struct{}]struct{}{}}
	path := filepath.Join(dir, eventsFile)
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("lab: event history: %w", err)
	}
	torn := false
	for _, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var e Event
		if err := json.Unmarshal(line, &e); err != nil {
			torn = true // a write cut by a kill: the rest of the line is lost
			continue
		}
		h.events = append(h.events, e)
	}
	h.f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lab: event history: %w", err)
	}
	if torn || (len(data) > 0 && data[len(data)-1] != '\n') {
		// Start the next event on a line of its own.
		if _, err := h.f.Write([]byte("\n")); err != nil {
			h.f.Close()
			return nil, fmt.Errorf("lab: event history: %w", err)
		}
	}
	return h, nil
}

// add records an event and tells the subscribers.
func (h *history) add(e Event) {
	line, _ := json.Marshal(e)
	h.mu.Lock()
	h.events = append(h.events, e)
	if h.f != nil && h.werr == nil {
		if _, err := h.f.Write(append(line, '\n')); err != nil {
			h.werr = err
		}
	}
	h.mu.Unlock()
	h.notify()
}

// notify wakes every subscriber (a clock jump, an event).
func (h *history) notify() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.subs {
		select {
		case c <- struct{}{}:
		default: // already woken
		}
	}
}

// subscribe returns a channel that receives when something changed, and
// its cancel.
func (h *history) subscribe() (<-chan struct{}, func()) {
	c := make(chan struct{}, 1)
	h.mu.Lock()
	h.subs[c] = struct{}{}
	h.mu.Unlock()
	return c, func() {
		h.mu.Lock()
		delete(h.subs, c)
		h.mu.Unlock()
	}
}

// list returns the events at or after since (zero: all) of device ("":
// all), oldest first.
func (h *history) list(since time.Time, device string) []Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := []Event{}
	for _, e := range h.events {
		if (since.IsZero() || !e.Time.Before(since)) && (device == "" || strings.EqualFold(e.Device, device)) {
			out = append(out, e)
		}
	}
	return out
}

// from returns the events recorded from index i on.
func (h *history) from(i int) []Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	if i >= len(h.events) {
		return nil
	}
	return append([]Event(nil), h.events[i:]...)
}

// len is the number of events recorded.
func (h *history) len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.events)
}

// sync makes the file durable.
func (h *history) sync() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.f == nil {
		return nil
	}
	if h.werr != nil {
		return fmt.Errorf("lab: event history: %w", h.werr)
	}
	if err := h.f.Sync(); err != nil {
		return fmt.Errorf("lab: event history: %w", err)
	}
	return nil
}

// close syncs and closes the file; later events stay in memory only.
func (h *history) close() error {
	err := h.sync()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.f != nil {
		if cerr := h.f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("lab: event history: %w", cerr)
		}
		h.f = nil
	}
	return err
}

// pkiRecord records one event of a router's PKI at the lab time.
func (l *Lab) pkiRecord(device string, e pki.Event) {
	kind := EventLog
	if e.Kind == pki.EventDebug {
		kind = EventDebug
	}
	l.history.add(Event{Time: l.clock.Now(), Device: device, Kind: kind, Text: e.Text})
}

// timerFired records a PKI timer firing.
func (l *Lab) timerFired(device, timer string) {
	l.history.add(Event{Time: l.clock.Now(), Device: device, Kind: EventTimer, Text: timer})
}

// Events returns the event history at or after since (zero: all) of a
// device ("": every device).
func (l *Lab) Events(since time.Time, device string) []Event {
	return l.history.list(since, device)
}

// SyncEvents makes the event history durable (fsync).
func (l *Lab) SyncEvents() error { return l.history.sync() }
