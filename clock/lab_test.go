package clock

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var t0 = time.Date(2015, 10, 9, 12, 14, 16, 0, time.UTC) // 13:14:16 CET

const day = 24 * time.Hour

type firing struct {
	name string
	at   time.Time
}

type recorder struct {
	mu sync.Mutex
	l  *Lab
	fs []firing
}

func (r *recorder) fn(name string) func() {
	return func() {
		r.mu.Lock()
		r.fs = append(r.fs, firing{name, r.l.Now()})
		r.mu.Unlock()
	}
}

func (r *recorder) names() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var s []string
	for _, f := range r.fs {
		s = append(s, f.name)
	}
	return strings.Join(s, ",")
}

func TestAdvanceFiresInDueOrderAcrossOwners(t *testing.T) {
	l := NewFake(t0)
	r := &recorder{l: l}
	l.AfterFunc("spoke-1", "A10d", 10*day, r.fn("A10d"))
	l.AfterFunc("spoke-2", "B5d", 5*day, r.fn("B5d"))
	l.AfterFunc("Root-CA", "C5d1s", 5*day+time.Second, func() {
		r.fn("C5d1s")()
		// created inside the window by a firing timer: must fire inside it
		l.AfterFunc("Root-CA", "D+2d", 2*day, r.fn("D+2d"))
		// created inside the window but due after it: must not fire
		l.AfterFunc("Root-CA", "E+30d", 30*day, r.fn("E+30d"))
	})
	l.AfterFunc("spoke-3", "F40d", 40*day, r.fn("F40d"))

	if err := l.Advance(30*day, nil); err != nil {
		t.Fatal(err)
	}
	want := []firing{
		{"B5d", t0.Add(5 * day)},
		{"C5d1s", t0.Add(5*day + time.Second)},
		{"D+2d", t0.Add(7*day + time.Second)},
		{"A10d", t0.Add(10 * day)},
	}
	if got := r.names(); got != "B5d,C5d1s,D+2d,A10d" {
		t.Fatalf("fired %s", got)
	}
	for i, w := range want {
		if !r.fs[i].at.Equal(w.at) {
			t.Errorf("%s fired with Now()=%v, want %v", w.name, r.fs[i].at, w.at)
		}
	}
	if got := l.Now(); !got.Equal(t0.Add(30 * day)) {
		t.Errorf("after jump Now()=%v", got)
	}
	// Nothing fires twice; pending ones fire only when their time comes.
	if err := l.Advance(5*day, nil); err != nil {
		t.Fatal(err)
	}
	if got := r.names(); got != "B5d,C5d1s,D+2d,A10d" {
		t.Fatalf("after second jump fired %s", got)
	}
	if err := l.Set(t0.Add(40*day), nil); err != nil {
		t.Fatal(err)
	}
	if got := r.names(); got != "B5d,C5d1s,D+2d,A10d,E+30d,F40d" {
		t.Fatalf("after set fired %s", got)
	}
	if n := l.Pending(); n != 0 {
		t.Errorf("pending %d", n)
	}
}

func TestTimerOperations(t *testing.T) {
	tests := []struct {
		name    string
		run     func(l *Lab, r *recorder) // arms and manipulates timers
		advance time.Duration
		want    string
	}{
		{"ties fire in arming order", func(l *Lab, r *recorder) {
			l.AfterFunc("x", "1", day, r.fn("1"))
			l.At("y", "2", t0.Add(day), r.fn("2"))
			l.AfterFunc("x", "3", day, r.fn("3"))
		}, 2 * day, "1,2,3"},
		{"stop", func(l *Lab, r *recorder) {
			tm := l.AfterFunc("x", "1", day, r.fn("1"))
			l.AfterFunc("x", "2", day, r.fn("2"))
			if !tm.Stop() {
				panic("stop of a pending timer returned false")
			}
			if tm.Stop() {
				panic("second stop returned true")
			}
		}, 2 * day, "2"},
		{"reset later", func(l *Lab, r *recorder) {
			tm := l.AfterFunc("x", "1", day, r.fn("1"))
			l.AfterFunc("x", "2", 2*day, r.fn("2"))
			if !tm.Reset(3 * day) {
				panic("reset of a pending timer returned false")
			}
		}, 4 * day, "2,1"},
		{"reset beyond the jump", func(l *Lab, r *recorder) {
			tm := l.AfterFunc("x", "1", day, r.fn("1"))
			tm.Reset(10 * day)
		}, 4 * day, ""},
		{"reset a stopped timer re-arms it", func(l *Lab, r *recorder) {
			tm := l.AfterFunc("x", "1", day, r.fn("1"))
			tm.Stop()
			if tm.Reset(2 * day) {
				panic("reset of a stopped timer returned true")
			}
		}, 4 * day, "1"},
		{"repeating timer re-arms itself", func(l *Lab, r *recorder) {
			var tm *Timer
			tm = l.AfterFunc("x", "R", 6*time.Hour, func() { r.fn("R")(); tm.Reset(6 * time.Hour) })
		}, day, "R,R,R,R"},
		{"overdue and zero-delay timers fire on Advance(0)", func(l *Lab, r *recorder) {
			l.At("x", "past", t0.Add(-time.Hour), r.fn("past"))
			l.AfterFunc("x", "now", 0, r.fn("now"))
		}, 0, "past,now"},
		{"stop from an earlier callback", func(l *Lab, r *recorder) {
			victim := l.AfterFunc("x", "victim", 2*day, r.fn("victim"))
			l.AfterFunc("x", "killer", day, func() { r.fn("killer")(); victim.Stop() })
		}, 3 * day, "killer"},
		{"nil callback is a no-op", func(l *Lab, r *recorder) {
			l.AfterFunc("x", "nil", day, nil)
			l.AfterFunc("x", "2", 2*day, r.fn("2"))
		}, 3 * day, "2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := NewFake(t0)
			r := &recorder{l: l}
			tc.run(l, r)
			if err := l.Advance(tc.advance, nil); err != nil {
				t.Fatal(err)
			}
			if got := r.names(); got != tc.want {
				t.Errorf("fired %q, want %q", got, tc.want)
			}
		})
	}
}

func TestJumpErrors(t *testing.T) {
	l := NewFake(t0)
	tests := []struct {
		name string
		do   func() error
		want string
	}{
		{"set backwards", func() error { return l.Set(t0.Add(-time.Second), nil) }, "backwards"},
		{"negative advance", func() error { return l.Advance(-time.Second, nil) }, "negative"},
		{"set to now", func() error { return l.Set(t0, nil) }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if !l.Now().Equal(t0) {
				t.Errorf("clock moved to %v", l.Now())
			}
		})
	}
	var inner error
	l.AfterFunc("x", "nested", time.Second, func() { inner = l.Advance(time.Second, nil) })
	if err := l.Advance(time.Minute, nil); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(inner, ErrJumpInProgress) {
		t.Errorf("nested advance: %v", inner)
	}
}

func TestHoldBlocksNextTimer(t *testing.T) {
	l := NewFake(t0)
	var done atomic.Bool
	var sawDone bool
	l.AfterFunc("Root-CA", "starts work", time.Hour, func() {
		release := l.Hold()
		go func() {
			done.Store(true) // e.g. a SCEP exchange over loopback HTTP
			release()
			release() // idempotent
		}()
	})
	l.AfterFunc("spoke-1", "next", time.Hour+time.Millisecond, func() { sawDone = done.Load() })
	if err := l.Advance(2*time.Hour, nil); err != nil {
		t.Fatal(err)
	}
	if !sawDone {
		t.Fatal("next timer fired before the held work was released")
	}
}

func TestAdvanceProgress(t *testing.T) {
	l := NewFake(t0)
	for i := 1; i <= 10; i++ {
		l.AfterFunc("x", "t", time.Duration(i)*day, func() {})
	}
	var calls []time.Duration
	if err := l.Advance(10*day, func(done, total time.Duration) {
		if total != 10*day {
			t.Errorf("total %v", total)
		}
		calls = append(calls, done)
	}); err != nil {
		t.Fatal(err)
	}
	if len(calls) < 3 || calls[0] != 0 || calls[len(calls)-1] != 10*day {
		t.Fatalf("progress calls %v", calls)
	}
	for i := 1; i < len(calls); i++ {
		if calls[i] < calls[i-1] {
			t.Fatalf("progress went backwards: %v", calls)
		}
	}
}

func TestTimersIntrospection(t *testing.T) {
	l := NewFake(t0)
	l.AfterFunc("Root-CA", "CS CERT EXPIRE", 730*day, nil)
	l.AfterFunc("Root-CA", "CS CRL UPDATE", 6*time.Hour, nil)
	l.AfterFunc("spoke-1", "RENEW", 292*day, nil)
	tm := l.AfterFunc("Root-CA", "CS SHADOW CERT GENERATION", 640*day, nil)
	got := l.Timers("Root-CA")
	var names []string
	for _, ti := range got {
		names = append(names, ti.Name)
		if ti.Owner != "Root-CA" {
			t.Errorf("owner %q", ti.Owner)
		}
	}
	if s := strings.Join(names, "|"); s != "CS CRL UPDATE|CS SHADOW CERT GENERATION|CS CERT EXPIRE" {
		t.Errorf("timers %s", s)
	}
	if !got[1].Due.Equal(t0.Add(640*day)) || !tm.Due().Equal(t0.Add(640*day)) {
		t.Errorf("due %v", got[1].Due)
	}
	if tm.Name() != "CS SHADOW CERT GENERATION" || tm.Owner() != "Root-CA" || !tm.Pending() {
		t.Errorf("timer accessors")
	}
	if n := len(l.Timers("nobody")); n != 0 {
		t.Errorf("nobody has %d timers", n)
	}
}

func TestRealTimeRunnerWithFakeWall(t *testing.T) {
	wall := NewFakeWall(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	l := NewLab(Options{Start: t0, Scale: 60, Wall: wall})
	defer l.Close()

	fired := make(chan time.Time, 10)
	l.AfterFunc("x", "1h", time.Hour, func() { fired <- l.Now() })
	l.AfterFunc("x", "3h", 3*time.Hour, func() { fired <- l.Now() })

	wall.Advance(30 * time.Second) // 30 virtual minutes
	if got := l.Now(); !got.Equal(t0.Add(30 * time.Minute)) {
		t.Fatalf("scaled Now() = %v", got)
	}
	wall.Advance(30 * time.Second) // 1 virtual hour: the first timer is due
	if at := <-fired; at.Before(t0.Add(time.Hour)) {
		t.Fatalf("fired early at %v", at)
	}

	// A jump excludes the runner: the 3h timer fires exactly once, in the jump.
	if err := l.Advance(3*time.Hour, nil); err != nil {
		t.Fatal(err)
	}
	if at := <-fired; !at.Equal(t0.Add(3 * time.Hour)) {
		t.Fatalf("3h timer fired at %v", at)
	}
	if got := l.Now(); !got.Equal(t0.Add(4 * time.Hour)) {
		t.Fatalf("after jump Now() = %v", got)
	}

	// A timer armed after the jump fires when the wall moves on.
	l.AfterFunc("x", "again", 10*time.Minute, func() { fired <- l.Now() })
	wall.Advance(10 * time.Second)
	if at := <-fired; at.Before(t0.Add(4*time.Hour + 10*time.Minute)) {
		t.Fatalf("fired early at %v", at)
	}
	if n := len(fired); n != 0 {
		t.Fatalf("%d extra firings", n)
	}
}

func TestRealTimeRunnerCallbacksMayArmTimers(t *testing.T) {
	wall := NewFakeWall(t0)
	l := NewLab(Options{Wall: wall, Scale: 1})
	defer l.Close()
	fired := make(chan time.Time)
	var tm *Timer
	tm = l.AfterFunc("x", "repeat", time.Second, func() {
		tm.Reset(time.Second) // re-arm from inside the callback
		fired <- l.Now()
	})
	for i := 1; i <= 3; i++ {
		wall.Advance(time.Second)
		if at := <-fired; !at.Equal(t0.Add(time.Duration(i) * time.Second)) {
			t.Fatalf("firing %d at %v", i, at)
		}
	}
	if !tm.Pending() {
		t.Fatal("timer not re-armed")
	}
}

func TestPersistenceRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "clock.json")

	tests := []struct {
		name      string
		downtime  time.Duration // wall time between save and load
		scale     float64
		advanceBy time.Duration
	}{
		{"advanced lab keeps its time", 0, 1, 639 * day},
		{"time passes at real speed while stopped", time.Hour, 1, 639 * day},
		{"scaled lab resumes at its offset", 2 * time.Hour, 3600, 10 * day},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wall := NewFakeWall(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
			a := NewLab(Options{Start: t0, Scale: tc.scale, Wall: wall})
			if err := a.Advance(tc.advanceBy, nil); err != nil {
				t.Fatal(err)
			}
			wall.Advance(time.Second)
			saved := a.Now()
			if err := a.SaveState(path); err != nil {
				t.Fatal(err)
			}
			a.Close()

			wall.Advance(tc.downtime)
			b := NewLab(Options{Scale: tc.scale, Wall: wall})
			defer b.Close()
			if err := b.LoadState(path); err != nil {
				t.Fatal(err)
			}
			if got, want := b.Now(), saved.Add(tc.downtime); !got.Equal(want) {
				t.Fatalf("restored Now() = %v, want %v", got, want)
			}
			s, err := ReadState(path)
			if err != nil {
				t.Fatal(err)
			}
			if !s.Virtual.Equal(saved) || s.Scale != tc.scale {
				t.Errorf("state %+v", s)
			}
		})
	}

	t.Run("fake lab", func(t *testing.T) {
		a := NewFake(t0)
		a.Advance(639*day, nil)
		if a.Offset() != 639*day {
			t.Fatalf("offset %v", a.Offset())
		}
		if err := a.SaveState(path); err != nil {
			t.Fatal(err)
		}
		b := NewFake(t0)
		if err := b.LoadState(path); err != nil {
			t.Fatal(err)
		}
		if !b.Now().Equal(a.Now()) {
			t.Fatalf("restored %v, want %v", b.Now(), a.Now())
		}
	})

	t.Run("errors", func(t *testing.T) {
		l := NewFake(t0)
		if err := l.LoadState(filepath.Join(dir, "missing.json")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("missing file: %v", err)
		}
		bad := filepath.Join(dir, "bad.json")
		os.WriteFile(bad, []byte("{"), 0o600)
		if err := l.LoadState(bad); err == nil || !strings.HasPrefix(err.Error(), "clock: ") {
			t.Errorf("bad file: %v", err)
		}
		if err := l.SaveState(filepath.Join(dir, "no", "such", "dir.json")); err == nil {
			t.Errorf("save into a missing dir succeeded")
		}
		if !l.Now().Equal(t0) {
			t.Errorf("clock moved")
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.Contains(e.Name(), ".tmp") {
				t.Errorf("temporary file left: %s", e.Name())
			}
		}
	})
}

func TestConcurrentUseIsRaceFree(t *testing.T) {
	wall := NewFakeWall(t0)
	l := NewLab(Options{Wall: wall, Scale: 1000})
	defer l.Close()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				tm := l.AfterFunc(fmt.Sprint("dev", g), "t", time.Duration(i)*time.Second, func() { l.Now() })
				if i%3 == 0 {
					tm.Stop()
				}
				l.Timers(fmt.Sprint("dev", g))
				wall.Advance(time.Millisecond)
			}
		}(g)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 10; i++ {
			if err := l.Advance(time.Second, nil); err != nil && !errors.Is(err, ErrJumpInProgress) {
				t.Error(err)
			}
		}
	}()
	wg.Wait()
	if err := l.Advance(day, nil); err != nil {
		t.Fatal(err)
	}
	if n := l.Pending(); n != 0 {
		t.Fatalf("%d timers left after a day", n)
	}
}

// BenchmarkAdvance730d is the benchmark: 100 devices each holding 10
// repeating 6-hour timers, jumped 730 days (~2.9M timer events).
func BenchmarkAdvance730d(b *testing.B) {
	var events int64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		l := NewFake(t0)
		var n int64
		for dev := 0; dev < 100; dev++ {
			owner := fmt.Sprintf("spoke-%d", dev)
			for k := 0; k < 10; k++ {
				var tm *Timer
				tm = l.AfterFunc(owner, fmt.Sprintf("CRL %d", k), time.Duration(dev*10+k)*time.Second, func() {
					n++
					tm.Reset(6 * time.Hour)
				})
			}
		}
		b.StartTimer()
		if err := l.Advance(730*day, nil); err != nil {
			b.Fatal(err)
		}
		events += n
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(events)/float64(b.N), "events/op")
}

// Scale 0 freezes the lab: wall time passing moves nothing, timers fire only
// in jumps, and a restart continues at the saved instant.
func TestFrozenLab(t *testing.T) {
	wall := NewFakeWall(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	l := NewLab(Options{Start: t0, Scale: 0, Wall: wall})
	defer l.Close()
	if !l.Frozen() || l.Scale() != 0 {
		t.Fatalf("Frozen() = %v, Scale() = %v", l.Frozen(), l.Scale())
	}
	var fired []time.Time
	l.AfterFunc("x", "1s", time.Second, func() { fired = append(fired, l.Now()) })
	wall.Advance(time.Hour)
	if got := l.Now(); !got.Equal(t0) {
		t.Fatalf("a frozen clock moved with the wall: %v", got)
	}
	if l.Pending() != 1 {
		t.Fatalf("pending = %d", l.Pending())
	}
	if err := l.Advance(2*time.Second, nil); err != nil {
		t.Fatal(err)
	}
	if len(fired) != 1 || !fired[0].Equal(t0.Add(time.Second)) {
		t.Fatalf("fired %v", fired)
	}
	wall.Advance(time.Hour)
	if got := l.Now(); !got.Equal(t0.Add(2 * time.Second)) {
		t.Fatalf("after a jump and an hour of wall time: %v", got)
	}
	// A timer due now still fires, from the runner.
	now := make(chan time.Time, 1)
	l.AfterFunc("x", "now", 0, func() { now <- l.Now() })
	if got := <-now; !got.Equal(t0.Add(2 * time.Second)) {
		t.Fatalf("due-now timer fired at %v", got)
	}
	path := filepath.Join(t.TempDir(), "clock.json")
	if err := l.SaveState(path); err != nil {
		t.Fatal(err)
	}
	wall.Advance(24 * time.Hour) // the lab is stopped for a day
	m := NewLab(Options{Scale: 0, Wall: wall})
	defer m.Close()
	if err := m.LoadState(path); err != nil {
		t.Fatal(err)
	}
	if got := m.Now(); !got.Equal(t0.Add(2 * time.Second)) {
		t.Fatalf("a restarted frozen lab stands at %v, want the saved instant", got)
	}
}

func TestNegativeScalePanics(t *testing.T) {
	for _, s := range []float64{-1, math.NaN(), math.Inf(1)} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewLab with scale %v did not panic", s)
				}
			}()
			NewLab(Options{Scale: s}).Close()
		}()
	}
}

// A timer callback that panics (a bug) is logged and counted; the jump
// fires the timers after it and the clock stays usable.
func TestAdvanceSurvivesPanickingTimer(t *testing.T) {
	l := NewFake(time.Date(2015, 10, 9, 13, 14, 16, 0, time.UTC))
	var after int
	l.AfterFunc("R1", "BAD", time.Minute, func() { panic("boom") })
	l.AfterFunc("R1", "GOOD", 2*time.Minute, func() { after++ })
	if err := l.Advance(time.Hour, nil); err != nil {
		t.Fatal(err)
	}
	if after != 1 || l.Panics() != 1 {
		t.Fatalf("after the panic: %d later timers fired, %d panics counted", after, l.Panics())
	}
	l.AfterFunc("R1", "GOOD", time.Minute, func() { after++ })
	if err := l.Advance(time.Hour, nil); err != nil || after != 2 {
		t.Fatalf("the next jump: %v, %d fired", err, after)
	}
}
