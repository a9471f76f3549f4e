package nvram

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
)

// Deferred lets many stores write their first files without an fsync each
// and makes them durable together with one Flush. A lab of a thousand new
// routers writes some ten thousand small files as it boots (startup-config,
// indexes, the image placeholder, directories): fsynced one by one they
// take seconds, while one syncfs(2) of the file system takes milliseconds.
//
// Until Flush, a write of a store opened with the Deferred skips its fsyncs
// (its temporary file and rename are unchanged, so a kill -9 still leaves
// the old file or the new one: the page cache survives the process). Only
// a crash of the host before Flush can lose such a write. Flush waits for
// the writes in progress, syncs the file system of the directory and from
// then on every write fsyncs itself again. A nil *Deferred, and any on a
// system without syncfs(2), defers nothing.
type Deferred struct {
	dir     string
	mu      sync.RWMutex
	pending bool
}

// NewDeferred returns a Deferred for stores under dir, or nil where the
// system cannot sync a file system at once (then every write fsyncs).
func NewDeferred(dir string) *Deferred {
	if !canSyncFS {
		return nil
	}
	return &Deferred{dir: dir, pending: true}
}

// hold is taken by a write for its whole length: skip says whether it may
// leave its fsyncs to Flush.
func (d *Deferred) hold() (skip bool, release func()) {
	if d == nil {
		return false, func() {}
	}
	d.mu.RLock()
	return d.pending, d.mu.RUnlock
}

// Flush makes every write made so far durable and ends the deferral. It is
// safe to call more than once.
func (d *Deferred) Flush() error {
	if d == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.pending {
		return nil
	}
	if err := syncFS(d.dir); err != nil {
		return fmt.Errorf("nvram: sync %s: %w", d.dir, err)
	}
	d.pending = false
	return nil
}

// fsyncs counts the fsyncs the package has made (tests compare what a
// write costs by it).
var fsyncs atomic.Int64

func fsync(f *os.File) error {
	fsyncs.Add(1)
	return f.Sync()
}
