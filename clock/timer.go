package clock

import (
	"sort"
	"time"
)

// Timer is a named, introspectable one-shot timer of one owner (a device).
// Features use it instead of time.AfterFunc. A Timer may be re-armed with
// Reset, also from inside its own callback.
type Timer struct {
	l     *Lab
	owner string
	name  string
	f     func()

	// guarded by l.mu
	due   int64
	seq   uint64
	index int // position in l.heap; -1 when not pending
}

// TimerInfo describes one pending timer.
type TimerInfo struct {
	Owner, Name string
	Due         time.Time
}

// AfterFunc arms a timer that calls f in its own turn once d of virtual time
// has passed. owner is the device (or service) the timer belongs to and name
// what IOS calls it ("RENEW", "CS SHADOW CERT GENERATION"). A timer due now or
// in the past fires at the runner's next turn (real-time lab) or during the
// next jump (fake lab; Advance(0) flushes it).
func (l *Lab) AfterFunc(owner, name string, d time.Duration, f func()) *Timer {
	t := newTimer(l, owner, name, f)
	l.mu.Lock()
	t.due = addNs(l.nowNs(), d)
	l.arm(t)
	l.mu.Unlock()
	return t
}

// At arms a timer that calls f when the lab clock reaches due.
func (l *Lab) At(owner, name string, due time.Time, f func()) *Timer {
	t := newTimer(l, owner, name, f)
	l.mu.Lock()
	t.due = due.UnixNano()
	l.arm(t)
	l.mu.Unlock()
	return t
}

func newTimer(l *Lab, owner, name string, f func()) *Timer {
	if f == nil {
		f = func() {}
	}
	return &Timer{l: l, owner: owner, name: name, f: f, index: -1}
}

// arm pushes t with a fresh sequence number; l.mu held.
func (l *Lab) arm(t *Timer) {
	l.seq++
	t.seq = l.seq
	l.heap.push(t)
	if t.index == 0 {
		l.kick()
	}
}

// Stop disarms t. It reports whether t was pending (false if it had already
// fired or been stopped).
func (t *Timer) Stop() bool {
	t.l.mu.Lock()
	defer t.l.mu.Unlock()
	if t.index < 0 {
		return false
	}
	t.l.heap.remove(t.index)
	return true
}

// Reset re-arms t to fire d from now (virtual time) and reports whether it
// was pending. Ties with other timers due at the same instant are broken by
// arming order, and Reset counts as arming.
func (t *Timer) Reset(d time.Duration) bool {
	l := t.l
	l.mu.Lock()
	defer l.mu.Unlock()
	was := t.index >= 0
	if was {
		l.heap.remove(t.index)
	}
	t.due = addNs(l.nowNs(), d)
	l.arm(t)
	return was
}

// Due returns the instant t fires (or fired, or was due when it was stopped).
func (t *Timer) Due() time.Time {
	t.l.mu.Lock()
	defer t.l.mu.Unlock()
	return fromNs(t.due)
}

// Pending reports whether t is armed.
func (t *Timer) Pending() bool {
	t.l.mu.Lock()
	defer t.l.mu.Unlock()
	return t.index >= 0
}

// Name returns the timer's name.
func (t *Timer) Name() string { return t.name }

// Owner returns the timer's owner.
func (t *Timer) Owner() string { return t.owner }

// Timers returns the pending timers of one owner, sorted by due time (ties in
// arming order).
func (l *Lab) Timers(owner string) []TimerInfo {
	l.mu.Lock()
	var ts []*Timer
	for _, t := range l.heap {
		if t.owner == owner {
			ts = append(ts, t)
		}
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].before(ts[j]) })
	out := make([]TimerInfo, len(ts))
	for i, t := range ts {
		out[i] = TimerInfo{Owner: t.owner, Name: t.name, Due: fromNs(t.due)}
	}
	l.mu.Unlock()
	return out
}

// Pending returns the number of pending timers of all owners.
func (l *Lab) Pending() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.heap)
}

func addNs(ns int64, d time.Duration) int64 {
	switch {
	case d > 0 && ns > maxNs-int64(d):
		return maxNs
	case d < 0 && ns < -maxNs-int64(d):
		return -maxNs
	}
	return ns + int64(d)
}

func (t *Timer) before(u *Timer) bool {
	if t.due != u.due {
		return t.due < u.due
	}
	return t.seq < u.seq
}

// timerHeap is a binary min-heap of timers ordered by (due, seq) that keeps
// each timer's index up to date.
type timerHeap []*Timer

func (h *timerHeap) push(t *Timer) {
	*h = append(*h, t)
	t.index = len(*h) - 1
	h.up(t.index)
}

func (h *timerHeap) pop() *Timer {
	return h.remove(0)
}

func (h *timerHeap) remove(i int) *Timer {
	s := *h
	n := len(s) - 1
	t := s[i]
	if i != n {
		s[i] = s[n]
		s[i].index = i
	}
	s[n] = nil
	*h = s[:n]
	if i != n {
		if !h.down(i) {
			h.up(i)
		}
	}
	t.index = -1
	return t
}

func (h timerHeap) up(i int) {
	t := h[i]
	for i > 0 {
		p := (i - 1) / 2
		if !t.before(h[p]) {
			break
		}
		h[i] = h[p]
		h[i].index = i
		i = p
	}
	h[i] = t
	t.index = i
}

// down sifts h[i] down and reports whether it moved.
func (h timerHeap) down(i0 int) bool {
	i := i0
	t := h[i]
	n := len(h)
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && h[r].before(h[c]) {
			c = r
		}
		if !h[c].before(t) {
			break
		}
		h[i] = h[c]
		h[i].index = i
		i = c
	}
	h[i] = t
	t.index = i
	return i > i0
}
