package clock

import (
	"testing"
	"time"
)

// TestIdleTimer: at 60× a 10-minute limit is 10 wall seconds; a Touch
// starts it again; a jump of the lab clock by days does not fire it; a
// frozen lab never fires.
func TestIdleTimer(t *testing.T) {
	start := time.Date(2015, 10, 9, 13, 14, 16, 0, time.UTC)
	wall := NewFakeWall(start)
	l := NewLab(Options{Start: start, Scale: 60, Wall: wall})
	defer l.Close()
	fired := make(chan time.Time, 1)
	it := l.IdleTimer(10*time.Minute, func() { fired <- wall.Now() })
	defer it.Stop()
	if err := l.Advance(72*time.Hour, nil); err != nil {
		t.Fatal(err)
	}
	wall.Advance(9 * time.Second)
	it.Touch()
	wall.Advance(9 * time.Second) // 18 s after start, 9 s after the Touch
	select {
	case at := <-fired:
		t.Fatalf("fired at %v, before 10 s of idle wall time (after a jump and a touch)", at.Sub(start))
	case <-time.After(200 * time.Millisecond): // wall-clock-ok: give a wrong firing the chance to show
	}
	wall.Advance(1100 * time.Millisecond)
	select {
	case at := <-fired:
		if at.Sub(start) < 19*time.Second {
			t.Fatalf("fired %v after start, want >= 19s (touch at 9s + 10s)", at.Sub(start))
		}
	case <-time.After(10 * time.Second): // wall-clock-ok: a timer that never fires fails the test
		t.Fatal("never fired")
	}

	f := NewFake(start)
	ft := f.IdleTimer(time.Second, func() { t.Error("a fake lab's idle timer fired") })
	f.Advance(time.Hour, nil)
	ft.Stop()
	frozen := NewLab(Options{Start: start, Scale: 0, Wall: wall})
	defer frozen.Close()
	zt := frozen.IdleTimer(time.Second, func() { t.Error("a frozen lab's idle timer fired") })
	wall.Advance(time.Hour)
	zt.Stop()
}
