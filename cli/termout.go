package cli

import (
	"io"
	"sync"
)

// termFlushAt is how much coalesced output is held before it is written
// anyway.
const termFlushAt = 16 << 10

// termOut is a terminal's write side. While the session works through
// input it has already received (busy), what it writes is coalesced: the
// echo of a typed or pasted line, the command's output and the next prompt
// leave in one write (one SSH packet, one telnet segment) rather than one per
// character. Before the session waits for more input (idle) everything
// pending is written, and while it is idle writes go straight through, so
// an interactive user sees each echo at once and a monitor line is shown
// as it comes. A nested session (Nest) shares its outer session's termOut.
type termOut struct {
	mu   sync.Mutex
	w    io.Writer
	buf  []byte
	busy bool
}

// write writes text, or holds it while busy. It reports the terminal's
// write error (the session is then over).
func (t *termOut) write(text string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.busy {
		_, err := io.WriteString(t.w, text)
		return err
	}
	t.buf = append(t.buf, text...)
	if len(t.buf) < termFlushAt {
		return nil
	}
	return t.pushLocked()
}

// push writes what is pending now, for output that must not wait for the
// session to be idle (a command that reports as it goes, the end of a
// session).
func (t *termOut) push() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pushLocked()
}

func (t *termOut) pushLocked() error {
	if len(t.buf) == 0 {
		return nil
	}
	_, err := t.w.Write(t.buf)
	// A held session keeps no buffer beyond a prompt's worth: a thousand
	// idle sessions should not each hold their last output's.
	if cap(t.buf) > 256 {
		t.buf = nil
	} else {
		t.buf = t.buf[:0]
	}
	return err
}

// idle writes what is pending: the session is about to wait for input.
func (t *termOut) idle() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.busy = false
	return t.pushLocked()
}

// wake marks the session busy: input has arrived.
func (t *termOut) wake() {
	t.mu.Lock()
	t.busy = true
	t.mu.Unlock()
}
