package clock

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// ErrJumpInProgress is returned by Advance and Set while another jump of the
// same lab is running (including when called from a timer callback).
var ErrJumpInProgress = errors.New("clock: a clock jump is already in progress")

// Options configures a Lab. Scale must be set: 1 for a lab that runs at wall
// speed, 0 for a frozen one.
type Options struct {
	// Start is the virtual instant at which the lab clock starts; zero means
	// the wall clock's current time.
	Start time.Time
	// Scale is the number of virtual seconds per wall second. 0 freezes
	// the lab clock: it stands still between jumps, and only Advance and Set
	// move it (a transcript is then reproducible to the millisecond).
	// NewLab panics on a negative or non-finite scale (callers check input).
	Scale float64
	// Wall is the source of wall time; nil means the real wall clock.
	Wall WallSource
	// Logger receives debug records about jumps; nil discards.
	Logger *slog.Logger
}

// Lab is the one lab clock. Virtual time runs at Scale × wall time from a
// start instant; jumps (Advance, Set) move it forward and fire every timer
// inside the jump in due order. All methods are safe for concurrent use.
type Lab struct {
	fired  atomic.Uint64 // timers fired so far (Fired)
	panics atomic.Uint64 // timer callbacks that panicked (Panics)

	mu   sync.Mutex
	cond sync.Cond // broadcast when holds reach 0 or a runner firing ends

	wall  WallSource // nil: fake lab, time stands still
	fwall time.Time  // fake lab: the notional wall instant (for Offset)
	scale float64
	log   *slog.Logger

	anchorVirt int64     // virtual ns since Unix epoch at anchorWall
	anchorWall time.Time // wall instant of anchorVirt (real-time mode)

	jumping bool
	cursor  int64 // virtual ns during a jump
	firing  bool  // the runner is inside a callback
	holds   int
	seq     uint64
	heap    timerHeap

	devices map[string]*Device

	wake      chan struct{}
	done      chan struct{}
	runDone   chan struct{}
	closeOnce sync.Once
}

func newLab(start time.Time, log *slog.Logger) *Lab {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	l := &Lab{
		log:        log,
		scale:      1,
		anchorVirt: start.UnixNano(),
		devices:    make(map[string]*Device),
		wake:       make(chan struct{}, 1),
		done:       make(chan struct{}),
		runDone:    make(chan struct{}),
	}
	l.cond.L = &l.mu
	return l
}

// NewLab returns a real-time lab clock and starts its runner goroutine, which
// fires timers as they fall due in scaled wall time. Call Close to stop it.
func NewLab(o Options) *Lab {
	wall := o.Wall
	if wall == nil {
		wall = realWall{}
	}
	wnow := wall.Now()
	start := o.Start
	if start.IsZero() {
		start = wnow
	}
	if o.Scale < 0 || math.IsNaN(o.Scale) || math.IsInf(o.Scale, 0) {
		panic(fmt.Sprintf("clock: scale %v is not a number of virtual seconds per wall second >= 0", o.Scale))
	}
	l := newLab(start, o.Logger)
	l.wall = wall
	l.anchorWall = wnow
	l.scale = o.Scale
	go l.run()
	return l
}

// NewFake returns a lab clock for tests: time stands at start and moves only
// by Advance and Set; there is no runner goroutine. Its notional wall clock
// stands still at start, so Offset reports how far the clock was moved.
func NewFake(start time.Time) *Lab {
	l := newLab(start, nil)
	l.fwall = start
	close(l.runDone)
	return l
}

// Close stops the runner goroutine of a real-time lab. Pending timers stay
// pending; Advance and Set keep working. Close is idempotent.
func (l *Lab) Close() {
	l.closeOnce.Do(func() {
		close(l.done)
		<-l.runDone
	})
}

// Now returns the lab's virtual time (in UTC). During a jump it is the due
// time of the timer being fired.
func (l *Lab) Now() time.Time {
	l.mu.Lock()
	ns := l.nowNs()
	l.mu.Unlock()
	return fromNs(ns)
}

// Scale returns the number of virtual seconds per wall second; 0 is a
// frozen clock.
func (l *Lab) Scale() float64 { return l.scale }

// Frozen reports whether the clock moves only by Advance and Set (scale 0,
// or a fake lab).
func (l *Lab) Frozen() bool { return l.wall == nil || l.scale == 0 }

// nowNs returns virtual time in ns; l.mu must be held.
func (l *Lab) nowNs() int64 {
	if l.jumping {
		return l.cursor
	}
	if l.wall == nil || l.scale == 0 {
		return l.anchorVirt
	}
	el := l.wall.Now().Sub(l.anchorWall)
	if l.scale == 1 {
		return l.anchorVirt + int64(el)
	}
	return l.anchorVirt + int64(float64(el)*l.scale)
}

// wallNow returns the wall time (the notional one for a fake lab); l.mu held.
func (l *Lab) wallNow() time.Time {
	if l.wall == nil {
		return l.fwall
	}
	return l.wall.Now()
}

// Offset returns virtual time minus wall time, the quantity a restarted lab
// needs to continue where it stood (see SaveState).
func (l *Lab) Offset() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return time.Duration(l.nowNs() - l.wallNow().UnixNano())
}

// reanchor makes virtual time ns stand at the current wall instant; l.mu held.
func (l *Lab) reanchor(ns int64) {
	l.anchorVirt = ns
	if l.wall != nil {
		l.anchorWall = l.wall.Now()
	}
}

// Hold marks work handed off by a timer callback to another goroutine as in
// progress: a running jump does not fire its next timer until every hold is
// released. The returned release func is idempotent.
func (l *Lab) Hold() (release func()) {
	l.mu.Lock()
	l.holds++
	l.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			l.holds--
			if l.holds == 0 {
				l.cond.Broadcast()
			}
			l.mu.Unlock()
		})
	}
}

// Advance jumps the clock forward by d as a discrete-event simulation: every
// timer due in (now, now+d] — and any overdue one — fires in due order (ties in
// arming order), across all owners, with Now standing at its due time while
// it runs; timers armed by a firing timer inside the window fire too. Then
// the clock stands at now+d. Callbacks run synchronously, one at a time, and
// the next one fires only after every Hold is released. progress, if not nil,
// is called now and then with the virtual time covered so far and the total.
// Advance must not be called from a timer callback (it returns
// ErrJumpInProgress).
func (l *Lab) Advance(d time.Duration, progress func(done, total time.Duration)) error {
	if d < 0 {
		return fmt.Errorf("clock: cannot advance by a negative duration %v", d)
	}
	return l.jump(func(now int64) (int64, error) {
		if now > maxNs-int64(d) {
			return 0, fmt.Errorf("clock: advancing by %v overflows the clock", d)
		}
		return now + int64(d), nil
	}, progress)
}

// Set jumps the clock forward to t, firing timers like Advance. Setting the
// clock backwards is an error.
func (l *Lab) Set(t time.Time, progress func(done, total time.Duration)) error {
	tn := t.UnixNano()
	return l.jump(func(now int64) (int64, error) {
		if tn < now {
			return 0, fmt.Errorf("clock: cannot set the clock backwards from %s to %s",
				fromNs(now).Format(time.RFC3339Nano), t.UTC().Format(time.RFC3339Nano))
		}
		return tn, nil
	}, progress)
}

const maxNs = int64(^uint64(0) >> 1)

func (l *Lab) jump(targetOf func(now int64) (int64, error), progress func(done, total time.Duration)) error {
	l.mu.Lock()
	if l.jumping {
		l.mu.Unlock()
		return ErrJumpInProgress
	}
	start := l.nowNs()
	target, err := targetOf(start)
	if err != nil {
		l.mu.Unlock()
		return err
	}
	l.jumping = true
	l.cursor = start
	for l.firing { // exclude the runner: let its current callback finish
		l.cond.Wait()
	}
	total := time.Duration(target - start)
	step := total / 100
	if step <= 0 {
		step = 1
	}
	last := start
	fired := 0
	locked, completed := true, false
	defer func() {
		// Also runs when a callback panics: leave the lab usable, standing at
		// the panicking timer's due time with the rest still pending.
		if !locked {
			l.mu.Lock()
		}
		if completed {
			l.cursor = target
		}
		l.reanchor(l.cursor)
		l.jumping = false
		l.mu.Unlock()
		l.kick()
	}()
	if progress != nil {
		l.mu.Unlock()
		progress(0, total)
		l.mu.Lock()
	}
	for {
		for l.holds > 0 {
			l.cond.Wait()
		}
		if len(l.heap) == 0 || l.heap[0].due > target {
			break
		}
		t := l.heap.pop()
		if t.due > l.cursor {
			l.cursor = t.due
		}
		fired++
		l.fired.Add(1)
		f := t.f
		report := progress != nil && time.Duration(l.cursor-last) >= step
		cur := l.cursor
		l.mu.Unlock()
		locked = false
		l.call(f)
		if report {
			last = cur
			progress(time.Duration(cur-start), total)
		}
		l.mu.Lock()
		locked = true
	}
	completed = true
	l.log.Debug("clock: jump", "from", fromNs(start), "to", fromNs(target), "fired", fired)
	if progress != nil {
		l.mu.Unlock()
		locked = false
		progress(total, total)
	}
	return nil
}

// kick wakes the runner so it recomputes its next deadline.
func (l *Lab) kick() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// run is the real-time runner: it sleeps until the next timer is due in
// scaled wall time and fires due timers in order, one at a time.
func (l *Lab) run() {
	defer close(l.runDone)
	for {
		l.mu.Lock()
		var deadline time.Time
		for !l.jumping && len(l.heap) > 0 {
			t := l.heap[0]
			if l.scale == 0 {
				// Frozen: only a timer already due (armed for now, or
				// overdue after LoadState) fires; the rest wait for a jump.
				if l.nowNs() < t.due {
					break
				}
			} else if deadline = l.wallDeadline(t.due); l.nowNs() < t.due && l.wall.Now().Before(deadline) {
				break
			}
			l.heap.pop()
			l.firing = true
			f := t.f
			l.mu.Unlock()
			l.runCallback(f)
			l.mu.Lock()
			l.firing = false
			l.cond.Broadcast()
			deadline = time.Time{}
		}
		wait := !l.jumping && len(l.heap) > 0 && l.scale != 0
		l.mu.Unlock()

		var timerC <-chan struct{}
		stop := func() {}
		if wait {
			timerC, stop = l.wall.TimerAt(deadline)
		}
		select {
		case <-l.done:
			stop()
			return
		case <-l.wake:
		case <-timerC:
		}
		stop()
	}
}

// runCallback runs f on the runner; a panicking callback is logged and does
// not kill the runner.
func (l *Lab) runCallback(f func()) {
	l.fired.Add(1)
	l.call(f)
}

// call runs a timer's callback. One that panics (a bug of iosemu) is
// logged with its stack and counted (Panics), and the clock goes on: a jump
// fires the timers after it, the runner keeps running.
func (l *Lab) call(f func()) {
	defer func() {
		if r := recover(); r != nil {
			l.panics.Add(1)
			l.log.Error("clock: timer callback panicked", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	f()
}

// Panics returns how many timer callbacks have panicked.
func (l *Lab) Panics() uint64 { return l.panics.Load() }

// Fired returns how many timers have fired since the lab clock was made
// (`ctl clock advance` reports the difference a jump made).
func (l *Lab) Fired() uint64 { return l.fired.Load() }

// wallDeadline is the wall instant at which virtual time reaches due; l.mu held.
func (l *Lab) wallDeadline(due int64) time.Time {
	dv := due - l.anchorVirt
	if l.scale == 1 {
		return l.anchorWall.Add(time.Duration(dv))
	}
	return l.anchorWall.Add(time.Duration(float64(dv)/l.scale) + 1)
}

func fromNs(ns int64) time.Time { return time.Unix(0, ns).UTC() }
