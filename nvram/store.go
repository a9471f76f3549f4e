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
}

// Store is one router's storage: one directory per Device under dir.
type Store struct {
	dir   string
	order []string
	devs  map[string]*FS
	log   *slog.Logger
}

// Open opens (creating with mode 0700 where missing) the store under dir with
// the given devices. Leftover temporary files from an interrupted write are
// removed. The logger discards.
func Open(dir string, devices ...Device) (*Store, error) {
	return OpenLogger(dir, nil, devices...)
}

// OpenLogger is Open with a logger; a nil logger discards.
func OpenLogger(dir string, log *slog.Logger, devices ...Device) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if dir == "" {
		return nil, errors.New("nvram: empty store directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("nvram: create store: %w", err)
	}
	s := &Store{dir: dir, devs: make(map[string]*FS), log: log}
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
		f, err := openFS(dir, name, d, log)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.devs[name] = f
		s.order = append(s.order, name)
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
func (s *Store) Device(name string) (*FS, bool) {
	f, ok := s.devs[strings.ToLower(strings.TrimSuffix(name, ":"))]
	return f, ok
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
	for _, f := range s.devs {
		if err := f.root.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("nvram: close: %w", err)
	}
	return nil
}

func openFS(storeDir, name string, d Device, log *slog.Logger) (*FS, error) {
	dir := filepath.Join(storeDir, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("nvram: create %s: %w", name, err)
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
	f.mu.Lock()
	defer f.mu.Unlock()
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
