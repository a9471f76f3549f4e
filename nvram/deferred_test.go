package nvram

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"testing"
	"time"
)

// Until Flush, a store opened with a Deferred writes without an fsync and
// its files read back at once; Flush ends that, with writes still going on,
// and from then on every write fsyncs again.
func TestDeferredFlush(t *testing.T) {
	dir := t.TempDir()
	d := NewDeferred(dir)
	if d == nil {
		t.Skip("no syncfs on this system: nothing is deferred")
	}
	mtime := time.Date(2015, 10, 9, 13, 14, 16, 0, time.UTC)
	var stores []*Store
	for i := 0; i < 4; i++ {
		s, err := OpenOptions(fmt.Sprintf("%s/R%d", dir, i), Options{Deferred: d},
			Device{Name: "nvram", Size: 1 << 20}, Device{Name: "flash", Size: 64 << 20})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores = append(stores, s)
	}
	before := fsyncs.Load()
	for _, s := range stores {
		if !s.Fresh() {
			t.Fatal("a new store under a pending Deferred is not fresh")
		}
		nv, _ := s.Device("nvram")
		if err := nv.WriteFile("x", nil, 0o600, mtime); !errors.Is(err, errNotMade) {
			t.Fatalf("a write before First: %v", err)
		}
		if _, err := nv.ReadFile("startup-config"); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("a read before First: %v", err)
		}
		err := s.First(func(dev func(string) (*FS, bool)) error {
			nv, _ := dev("nvram")
			fl, _ := dev("flash")
			if err := nv.WriteFile("startup-config", []byte("hostname R\n"), 0o600, mtime); err != nil {
				return err
			}
			// Made in the reverse of name order, so that the index shows.
			if err := fl.Mkdir("tracelogs", mtime); err != nil {
				return err
			}
			return fl.Placeholder("image.bin", 1<<20, mtime)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range stores {
		// Device waits for First's writes.
		nv, _ := s.Device("nvram")
		if b, err := nv.ReadFile("startup-config"); err != nil || string(b) != "hostname R\n" {
			t.Fatalf("read back %q, %v", b, err)
		}
	}
	if n := fsyncs.Load() - before; n != 0 {
		t.Errorf("%d fsyncs before Flush, want 0", n)
	}
	if _, err := os.Stat(dir + "/R0/flash.index"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the index is written before Flush: %v", err)
	}

	// Flush while the stores keep writing: each write is either before it
	// (deferred, then flushed) or after it (fsynced by itself).
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nv, _ := s.Device("nvram")
			for k := 0; k < 20; k++ {
				if err := nv.WriteFile(fmt.Sprintf("f%d-%d", i, k), []byte("x"), 0o600, mtime); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	if err := d.Flush(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if err := d.Flush(); err != nil {
		t.Fatalf("second Flush: %v", err)
	}
	// The indexes were written by Flush: a reopened store lists the
	// files in the order they were made.
	again, err := Open(dir+"/R1", Device{Name: "flash", Size: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	fl, _ := again.Device("flash")
	list, err := fl.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "tracelogs" || list[0].Index != 1 || list[1].Name != "image.bin" || list[1].Index != 2 {
		t.Errorf("flash after Flush and reopen: %+v", list)
	}
	nv, _ := stores[0].Device("nvram")
	before = fsyncs.Load()
	if err := nv.WriteFile("startup-config", []byte("hostname S\n"), 0o600, mtime); err != nil {
		t.Fatal(err)
	}
	if n := fsyncs.Load() - before; n < 2 {
		t.Errorf("a write after Flush made %d fsyncs, want its file's and its directory's", n)
	}
}

// A store without a Deferred fsyncs every write, as before.
func TestWritesSyncWithoutDeferred(t *testing.T) {
	s, err := Open(t.TempDir(), Device{Name: "nvram", Size: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	nv, _ := s.Device("nvram")
	before := fsyncs.Load()
	if err := nv.WriteFile("startup-config", []byte("x"), 0o600, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if n := fsyncs.Load() - before; n < 2 {
		t.Errorf("%d fsyncs, want at least 2", n)
	}
}
