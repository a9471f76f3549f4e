package nvram

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// Format selects the column layout `dir` uses for a device.
type Format int

const (
	// FormatIOS is classic IOS (ISR G1/G2): 12-column size field.
	FormatIOS Format = iota
	// FormatXE is IOS-XE (ISR 4K, ASR 1k, CSR 1000V): 15-column size field.
	FormatXE
)

// Device declares one file system of a router.
type Device struct {
	Name   string // "nvram", "flash", "bootflash", "flash0", ...
	Size   int64  // capacity in bytes, shown as "N bytes total"
	Format Format // layout of `dir`; FormatIOS when zero
	// Aliases are other names of the same file system (flash0: on an ISR
	// G2 is also flash:); Device finds it by any of them.
	Aliases []string
}

// Store is one router's storage: one directory per Device under dir.
type Store struct {
	dir   string
	order []string
	devs  map[string]*FS
	log   *slog.Logger
	// fresh: the store's directory did not exist and nothing has been
	// made on disk yet (a new router, opened with a pending Deferred);
	// First makes it. gate, once First has been called, is closed when
	// First's work is done; Device waits for it.
	fresh    bool
	deferred *Deferred
	gate     chan struct{}
}

// Open opens (creating with mode 0700 where missing) the store under dir with
// the given devices. Leftover temporary files from an interrupted write are
// removed. The logger discards.
func Open(dir string, devices ...Device) (*Store, error) {
	return OpenLogger(dir, nil, devices...)
}

// OpenLogger is Open with a logger; a nil logger discards.
func OpenLogger(dir string, log *slog.Logger, devices ...Device) (*Store, error) {
	return OpenOptions(dir, Options{Logger: log}, devices...)
}

// Options are a store's optional settings.
type Options struct {
	Logger   *slog.Logger // nil discards
	Deferred *Deferred    // writes leave their fsyncs to its Flush until then
}

// OpenOptions is Open with options.
func OpenOptions(dir string, opt Options, devices ...Device) (*Store, error) {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if dir == "" {
		return nil, errors.New("nvram: empty store directory")
	}
	s := &Store{dir: dir, devs: make(map[string]*FS), log: log, deferred: opt.Deferred}
	if opt.Deferred.deferring() {
		if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
			s.fresh = true
		}
	}
	if !s.fresh {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("nvram: create store: %w", err)
		}
	}
	for _, d := range devices {
		name := strings.ToLower(strings.TrimSuffix(d.Name, ":"))
		if !validDeviceName(name) {
			s.Close()
			return nil, fmt.Errorf("nvram: invalid device name %q", d.Name)
		}
		if _, dup := s.devs[name]; dup {
			s.Close()
			return nil, fmt.Errorf("nvram: duplicate device %q", name)
		}
		f, err := openFS(dir, name, d, log, opt.Deferred, s.fresh)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.devs[name] = f
		s.order = append(s.order, name)
		for _, a := range d.Aliases {
			a = strings.ToLower(strings.TrimSuffix(a, ":"))
			if _, dup := s.devs[a]; dup || !validDeviceName(a) {
				s.Close()
				return nil, fmt.Errorf("nvram: invalid or duplicate alias %q", a)
			}
			s.devs[a] = f
		}
	}
	return s, nil
}

func validDeviceName(name string) bool {
	if name == "" || len(name) > 32 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// Device returns the named file system; "nvram:" and "nvram" are both accepted,
// case-insensitively.
//
// For a new store whose First is under way, it waits until First is done.
func (s *Store) Device(name string) (*FS, bool) {
	if s.gate != nil {
		<-s.gate
	}
	return s.device(name)
}

func (s *Store) device(name string) (*FS, bool) {
	f, ok := s.devs[strings.ToLower(strings.TrimSuffix(name, ":"))]
	return f, ok
}

// Fresh reports whether the store is new and not yet made on disk: its
// file systems read as empty and refuse writes until First.
func (s *Store) Fresh() bool { return s.fresh }

// First makes a fresh store on disk (its directories) and then runs write,
// which makes the router's first files through dev (a file system by name,
// as Device, without waiting). On a fresh store both run later, on one of
// the Deferred's workers, off the caller's path: a lab of a thousand new
// routers serves them before their first files are written. Meanwhile
// Device waits, so no one sees the store before its first files are in
// it; Flush waits for them all. On a store that is not fresh, write runs
// at once. First is called once, before the store is shared.
func (s *Store) First(write func(dev func(name string) (*FS, bool)) error) error {
	if !s.fresh {
		return write(s.device)
	}
	s.gate = make(chan struct{})
	s.deferred.run(func() error {
		defer close(s.gate)
		if err := s.make(); err != nil {
			return err
		}
		return write(s.device)
	})
	return nil
}

// make creates a fresh store's directories and opens its file systems.
func (s *Store) make() error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("nvram: create store: %w", err)
	}
	for _, name := range s.order {
		f := s.devs[name]
		if err := os.MkdirAll(f.dir, 0o700); err != nil {
			return fmt.Errorf("nvram: create %s: %w", name, err)
		}
		root, err := os.OpenRoot(f.dir)
		if err != nil {
			return fmt.Errorf("nvram: open %s: %w", name, err)
		}
		f.mu.Lock()
		f.root = root
		f.mu.Unlock()
	}
	return nil
}

// Devices returns the device names in the order they were declared.
func (s *Store) Devices() []string {
	return append([]string(nil), s.order...)
}

// Dir returns the store's directory.
func (s *Store) Dir() string { return s.dir }

// Close releases the directory handles. The store must not be used after.
func (s *Store) Close() error {
	var errs []error
	if s.gate != nil {
		<-s.gate
	}
	for _, name := range s.order { // an alias shares its device's handle
		f := s.devs[name]
		if f.root == nil {
			continue
		}
		if err := f.root.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("nvram: close: %w", err)
	}
	return nil
}

func openFS(storeDir, name string, d Device, log *slog.Logger, deferred *Deferred, later bool) (*FS, error) {
	dir := filepath.Join(storeDir, name)
	if later {
		// A fresh store's: made by Store.First.
		return &FS{name: name, dir: dir, size: d.Size, format: d.Format,
			indexPath: filepath.Join(storeDir, name+".index"), log: log.With("device", name),
			deferred: deferred, idx: make(map[string]int), next: 1}, nil
	}
	// A directory made now holds nothing to recover: a new router's file
	// systems are opened without reading anything.
	fresh := false
	switch err := os.Mkdir(dir, 0o700); {
	case err == nil:
		fresh = true
	case errors.Is(err, fs.ErrExist):
	default:
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("nvram: create %s: %w", name, err)
		}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("nvram: open %s: %w", name, err)
	}
	f := &FS{
		name:      name,
		dir:       dir,
		root:      root,
		size:      d.Size,
		format:    d.Format,
		indexPath: filepath.Join(storeDir, name+".index"),
		log:       log.With("device", name),
		deferred:  deferred,
	}
	if fresh {
		// An index left from a directory since removed is stale: the
		// next save replaces it.
		f.idx, f.next = make(map[string]int), 1
		return f, nil
	}
	if err := f.recover(); err != nil {
		root.Close()
		return nil, err
	}
	return f, nil
}

// recover removes leftover temporary files and reconciles the index with the
// files present.
func (f *FS) recover() error {
	defer f.lockWrite()()
	// Leftover temporary index files live next to the index.
	if tmps, err := filepath.Glob(filepath.Join(filepath.Dir(f.indexPath), tmpPrefix+f.name+"-*")); err == nil {
		for _, t := range tmps {
			f.log.Info("removing leftover temporary file", "path", t)
			_ = os.Remove(t)
		}
	}
	err := fs.WalkDir(f.root.FS(), ".", func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != "." && strings.HasPrefix(de.Name(), tmpPrefix) {
			if de.Name() != spareName {
				f.log.Info("removing leftover temporary file", "path", p)
			}
			if err := f.root.Remove(p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("nvram: recover %s: %w", f.name, err)
	}
	if err := f.loadIndex(); err != nil {
		return err
	}
	return f.reconcileLocked()
}
