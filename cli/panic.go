package cli

import (
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
)

// A command handler that panics is a bug of iosemu, not of the user's
// input; it must not take the whole lab (every router of the process) down
// with it, nor leave the router's lock held. The session recovers, prints
// an error line, and reports the panic with its stack to the function set
// with OnPanic (standard error by default; the lab logs it); Panics counts them, so that a test or a
// fuzz target fails on one instead of never seeing it.

var (
	panics      atomic.Int64
	panicMu     sync.Mutex
	panicReport = func(line string, v any, stack []byte) {
		fmt.Fprintf(os.Stderr, "cli: command %q panicked: %v\n%s", line, v, stack)
	}
)

// OnPanic sets what is told of a recovered handler panic: the command line,
// the panic value and the goroutine's stack. It returns the previous
// function (a test restores it).
func OnPanic(f func(line string, v any, stack []byte)) (previous func(line string, v any, stack []byte)) {
	panicMu.Lock()
	defer panicMu.Unlock()
	previous, panicReport = panicReport, f
	return previous
}

// Panics is how many handler panics sessions have recovered.
func Panics() int64 { return panics.Load() }

// recoverCommand, deferred around a handler, turns its panic into an error
// line on the session.
func (s *Session) recoverCommand(line string) {
	v := recover()
	if v == nil {
		return
	}
	panics.Add(1)
	stack := debug.Stack()
	panicMu.Lock()
	report := panicReport
	panicMu.Unlock()
	report(line, v, stack)
	msg := strings.ReplaceAll(fmt.Sprint(v), "\n", " ")
	if len(msg) > 120 {
		msg = msg[:120]
	}
	s.Error("%% Internal error: the command failed (%s); iosemu logged it", msg)
}
