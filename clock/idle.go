package clock

import (
	"sync"
	"sync/atomic"
	"time"
)

// IdleTimer measures a session's idle time (IOS exec-timeout) in wall time
// scaled by the lab's scale, so that a lab run at 60× logs out a 10-minute
// idle session after 10 wall seconds, while a jump of the lab clock
// (Advance, Set: hours or years in a moment) counts for nothing: it must not
// log everyone out. A frozen or fake lab (no wall time, or scale 0) never
// lets idle time pass, and the timer never fires.
type IdleTimer struct {
	l     *Lab
	limit time.Duration // of wall time
	f     func()
	last  atomic.Int64 // wall ns of the last activity
	done  chan struct{}
	once  sync.Once
}

// IdleTimer calls f (in its own goroutine) once d of virtual time at the
// lab's scale has passed in wall time without a Touch. d <= 0 means never.
func (l *Lab) IdleTimer(d time.Duration, f func()) *IdleTimer {
	t := &IdleTimer{l: l, f: f, done: make(chan struct{})}
	if l.wall == nil || l.scale == 0 || d <= 0 {
		return t
	}
	t.limit = time.Duration(float64(d) / l.scale)
	t.last.Store(l.wall.Now().UnixNano())
	go t.run()
	return t
}

// Touch records activity (a keystroke): idle time starts again from now.
func (t *IdleTimer) Touch() {
	if t.limit > 0 {
		t.last.Store(t.l.wall.Now().UnixNano())
	}
}

// Stop releases the timer; f is not called after Stop returns unless it
// had already started. Stop is idempotent.
func (t *IdleTimer) Stop() { t.once.Do(func() { close(t.done) }) }

func (t *IdleTimer) run() {
	for {
		deadline := time.Unix(0, t.last.Load()).Add(t.limit)
		c, stop := t.l.wall.TimerAt(deadline)
		select {
		case <-c:
			stop()
			// A Touch may have moved the deadline while this one ran.
			if t.l.wall.Now().Before(time.Unix(0, t.last.Load()).Add(t.limit)) {
				continue
			}
			select {
			case <-t.done:
				return
			default:
			}
			t.f()
			return
		case <-t.done:
			stop()
			return
		}
	}
}
