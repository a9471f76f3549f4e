package nvram

import (
	"errors"
	"fmt"
	"os"
	"runtime"
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
	// The index files too are written once, at Flush, rather than after
	// each file a new router makes: dirty holds the file systems whose
	// index is due.
	dirtyMu sync.Mutex
	dirty   map[*FS]bool
	// Work given by Store.First: run by at most workers goroutines at
	// once; Flush waits for it and reports its errors.
	tasks   sync.WaitGroup
	workers chan struct{}
	errMu   sync.Mutex
	errs    []error
}

// NewDeferred returns a Deferred for stores under dir, or nil where the
// system cannot sync a file system at once (then every write fsyncs).
func NewDeferred(dir string) *Deferred {
	if !canSyncFS {
		return nil
	}
	// One core is left to the lab's listeners and their first clients.
	n := max(1, runtime.GOMAXPROCS(0)-1)
	return &Deferred{dir: dir, pending: true, dirty: make(map[*FS]bool), workers: make(chan struct{}, n)}
}

// deferring reports whether writes are still deferred.
func (d *Deferred) deferring() bool {
	if d == nil {
		return false
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.pending
}

// run runs task on a worker.
func (d *Deferred) run(task func() error) {
	d.tasks.Add(1)
	go func() {
		defer d.tasks.Done()
		d.workers <- struct{}{}
		defer func() { <-d.workers }()
		if err := task(); err != nil {
			d.errMu.Lock()
			d.errs = append(d.errs, err)
			d.errMu.Unlock()
		}
	}()
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

// later takes f's index to write at Flush; it reports false once Flush
// has begun (the caller writes it itself).
func (d *Deferred) later(f *FS) bool {
	if d == nil {
		return false
	}
	d.dirtyMu.Lock()
	defer d.dirtyMu.Unlock()
	if d.dirty == nil {
		return false
	}
	d.dirty[f] = true
	return true
}

// Flush waits for the work given by Store.First, makes every write made so
// far durable and ends the deferral. It is safe to call more than once.
func (d *Deferred) Flush() error {
	if d == nil {
		return nil
	}
	// The stores' first files first (their writes hold d.mu to read).
	d.tasks.Wait()
	d.errMu.Lock()
	err := errors.Join(d.errs...)
	d.errs = nil
	d.errMu.Unlock()
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.pending {
		return nil
	}
	d.dirtyMu.Lock()
	dirty := d.dirty
	d.dirty = nil
	d.dirtyMu.Unlock()
	// The index writes are a thousand small files: written side by side.
	work := make(chan *FS)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range work {
				if err := f.flushIndex(); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	for f := range dirty {
		work <- f
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
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

// flushIndex writes f's index for its Deferred's Flush, without an fsync
// (the Flush syncs the file system after).
func (f *FS) flushIndex() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	nosync := f.nosync
	f.nosync = true
	defer func() { f.nosync = nosync }()
	return f.writeIndexLocked()
}
