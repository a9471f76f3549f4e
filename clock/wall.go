package clock

import (
	"sync"
	"time"
)

// WallSource is where a real-time Lab reads wall time and how its runner
// sleeps. Tests inject a FakeWall so that nothing sleeps.
type WallSource interface {
	// Now returns the current wall time.
	Now() time.Time
	// TimerAt returns a channel that is closed or sent on once the wall clock
	// reaches deadline (at once if it already has), and a func that releases
	// the timer early.
	TimerAt(deadline time.Time) (c <-chan struct{}, stop func())
}

// realWall is the process's wall clock; clock/ is the one package allowed to
// read it.
type realWall struct{}

func (realWall) Now() time.Time { return time.Now() } // wall-clock-ok: clock/ owns wall time

func (realWall) TimerAt(deadline time.Time) (<-chan struct{}, func()) {
	c := make(chan struct{})
	t := time.AfterFunc(time.Until(deadline), func() { close(c) }) // wall-clock-ok: the runner's sleep
	return c, func() { t.Stop() }
}

// FakeWall is a WallSource for tests: its time moves only by Advance.
type FakeWall struct {
	mu      sync.Mutex
	now     time.Time
	waiters map[*fakeWaiter]struct{}
}

type fakeWaiter struct {
	at   time.Time
	c    chan struct{}
	once sync.Once
}

func (w *fakeWaiter) fire() { w.once.Do(func() { close(w.c) }) }

// NewFakeWall returns a fake wall clock standing at start.
func NewFakeWall(start time.Time) *FakeWall {
	return &FakeWall{now: start, waiters: make(map[*fakeWaiter]struct{})}
}

// Now returns the fake wall time.
func (f *FakeWall) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// TimerAt implements WallSource.
func (f *FakeWall) TimerAt(deadline time.Time) (<-chan struct{}, func()) {
	w := &fakeWaiter{at: deadline, c: make(chan struct{})}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.now.Before(deadline) {
		w.fire()
		return w.c, func() {}
	}
	f.waiters[w] = struct{}{}
	return w.c, func() {
		f.mu.Lock()
		delete(f.waiters, w)
		f.mu.Unlock()
	}
}

// Advance moves the fake wall clock forward by d and wakes the sleepers whose
// deadline has come.
func (f *FakeWall) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	for w := range f.waiters {
		if !f.now.Before(w.at) {
			w.fire()
			delete(f.waiters, w)
		}
	}
}
