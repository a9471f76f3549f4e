package transport

import (
	"context"
	"errors"
	"net"
	"syscall"
	"time"
)

// Accept backoff after a temporary error, as net/http's Server does: 5 ms,
// doubling, at most 1 s. Out of file descriptors (EMFILE, ENFILE) is the
// usual cause: a connection flood must slow a port down, not close it.
const (
	acceptBackoffMin = 5 * time.Millisecond
	acceptBackoffMax = time.Second
)

// TemporaryAcceptError tells whether an Accept error is worth a retry: the
// listener is fine and a later Accept may succeed.
func TemporaryAcceptError(err error) bool {
	if err == nil || errors.Is(err, net.ErrClosed) {
		return false
	}
	for _, e := range []error{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED, syscall.ECONNRESET, syscall.EINTR, syscall.EAGAIN} {
		if errors.Is(err, e) {
			return true
		}
	}
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// AcceptBackoff is the retry schedule of an accept loop. The zero value is
// ready; Reset after a successful Accept.
type AcceptBackoff struct{ d time.Duration }

// Wait sleeps for the next delay or until ctx ends; it reports whether the
// loop should go on (false: ctx ended).
func (b *AcceptBackoff) Wait(ctx context.Context) bool {
	if b.d == 0 {
		b.d = acceptBackoffMin
	} else if b.d *= 2; b.d > acceptBackoffMax {
		b.d = acceptBackoffMax
	}
	t := time.NewTimer(b.d) // wall-clock-ok: network back-off between accept retries, not device time
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// Reset starts the schedule over.
func (b *AcceptBackoff) Reset() { b.d = 0 }

// Delay is the last delay waited (0 before the first Wait).
func (b *AcceptBackoff) Delay() time.Duration { return b.d }
