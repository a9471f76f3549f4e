// Package pkitest holds in-memory fakes of the dependencies of package pki:
// a clock whose timers fire only when the test advances it, and a store
// that can be told to fail.
package pkitest

import (
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/iosemu/iosemu/pki"
)

// Clock is a fake pki.Clock. Time stands still except in Advance and Set,
// which fire the timers due on the way in due order (ties in arming order)
// with the clock standing at each timer's due time while it runs.
type Clock struct {
	mu            sync.Mutex
	now           time.Time
	authoritative bool
	seq           uint64
	timers        []*Timer
}

var _ pki.Clock = (*Clock)(nil)

// NewClock returns an authoritative clock standing at start.
func NewClock(start time.Time) *Clock { return &Clock{now: start, authoritative: true} }

// Now returns the fake time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Authoritative reports what SetAuthoritative set (true at first).
func (c *Clock) Authoritative() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.authoritative
}

// SetAuthoritative sets the clock's authority.
func (c *Clock) SetAuthoritative(on bool) {
	c.mu.Lock()
	c.authoritative = on
	c.mu.Unlock()
}

// At arms a timer. It never calls f itself.
func (c *Clock) At(name string, due time.Time, f func()) pki.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &Timer{c: c, name: name, due: due, seq: c.seq, f: f, pending: true}
	c.timers = append(c.timers, t)
	return t
}

// Advance moves the clock forward by d, firing due timers in order.
func (c *Clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// Set moves the clock to t (never backwards), firing due timers in order.
func (c *Clock) Set(t time.Time) {
	for {
		c.mu.Lock()
		next := c.nextLocked()
		if next == nil || next.due.After(t) {
			if t.After(c.now) {
				c.now = t
			}
			c.mu.Unlock()
			return
		}
		next.pending = false
		c.removeLocked(next)
		if next.due.After(c.now) {
			c.now = next.due
		}
		c.mu.Unlock()
		if next.f != nil {
			next.f()
		}
	}
}

// Flush fires the timers already due without moving the clock.
func (c *Clock) Flush() { c.Set(c.Now()) }

func (c *Clock) nextLocked() *Timer {
	var best *Timer
	for _, t := range c.timers {
		if best == nil || t.due.Before(best.due) || (t.due.Equal(best.due) && t.seq < best.seq) {
			best = t
		}
	}
	return best
}

func (c *Clock) removeLocked(t *Timer) {
	for i, x := range c.timers {
		if x == t {
			c.timers = append(c.timers[:i], c.timers[i+1:]...)
			return
		}
	}
}

// Pending returns the names and due times of the armed timers, by due time.
func (c *Clock) Pending() []pki.TimerInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []pki.TimerInfo
	for _, t := range c.timers {
		out = append(out, pki.TimerInfo{Name: t.name, Due: t.due})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Due.Before(out[j].Due) })
	return out
}

// Timer is a timer of Clock.
type Timer struct {
	c       *Clock
	name    string
	due     time.Time
	seq     uint64
	f       func()
	pending bool
}

// Stop disarms the timer.
func (t *Timer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if !t.pending {
		return false
	}
	t.pending = false
	t.c.removeLocked(t)
	return true
}

// Due returns the timer's due time.
func (t *Timer) Due() time.Time { return t.due }

// Store is an in-memory pki.Store. FailWrites makes writes fail.
type Store struct {
	mu    sync.Mutex
	files map[string][]byte
	// fail, when set, is asked before each write and remove; a non-nil
	// error fails the operation.
	fail   func(op, url string) error
	writes []string
}

var _ pki.Store = (*Store)(nil)

// NewStore returns an empty store.
func NewStore() *Store { return &Store{files: map[string][]byte{}} }

// ReadFile returns a copy of the file's content.
func (s *Store) ReadFile(url string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.files[url]
	if !ok {
		return nil, fmt.Errorf("pkitest: %s: %w", url, fs.ErrNotExist)
	}
	return append([]byte(nil), b...), nil
}

// WriteFile stores a copy of data under url.
func (s *Store) WriteFile(url string, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		if err := s.fail("write", url); err != nil {
			return err
		}
	}
	s.files[url] = append([]byte(nil), data...)
	s.writes = append(s.writes, url)
	return nil
}

// Remove deletes url.
func (s *Store) Remove(url string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		if err := s.fail("remove", url); err != nil {
			return err
		}
	}
	delete(s.files, url)
	return nil
}

// FailWith sets f to be asked before each write and remove ("write" or
// "remove", url); a non-nil error fails it. nil stops failing.
func (s *Store) FailWith(f func(op, url string) error) {
	s.mu.Lock()
	s.fail = f
	s.mu.Unlock()
}

// Names returns the stored URLs, sorted.
func (s *Store) Names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.files {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Writes returns the URLs written so far, in order.
func (s *Store) Writes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.writes...)
}

// Snapshot returns a copy of the store (the disk as a crash leaves it).
func (s *Store) Snapshot() *Store {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := NewStore()
	for k, v := range s.files {
		c.files[k] = append([]byte(nil), v...)
	}
	return c
}

// HasSuffix reports whether some stored URL ends in suffix.
func (s *Store) HasSuffix(suffix string) bool {
	for _, n := range s.Names() {
		if strings.HasSuffix(n, suffix) {
			return true
		}
	}
	return false
}
