package nvram

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// tmpPrefix marks temporary files of an atomic write. Names starting with it
// are invisible to List and rejected as file names.
const tmpPrefix = ".iosemu-tmp-"

// ErrNoSpace is returned (wrapped) when a write does not fit the device.
var ErrNoSpace = errors.New("not enough space on device")

// ErrInvalidPath is returned (wrapped) for absolute paths, ".." components and
// other names that would escape or confuse the device directory.
var ErrInvalidPath = errors.New("invalid file name")

// nvramReserved are the creation indexes IOS shows for the configuration
// files at the top of the nvram: listing (ISR G2 15.x: 253/254/255).
var nvramReserved = map[string]int{
	"startup-config":    253,
	"private-config":    254,
	"underlying-config": 255,
}

// FS is one file system of a router (nvram:, flash:, bootflash:). It is safe
// for concurrent use.
type FS struct {
	name      string
	dir       string
	root      *os.Root
	size      int64
	format    Format
	indexPath string
	log       *slog.Logger
	deferred  *Deferred

	mu     sync.Mutex
	nosync bool           // this write leaves its fsyncs to deferred.Flush (under mu)
	idx    map[string]int // creation index by slash path
	next   int

	// reading counts the ReadFile calls under way, and streamed is set
	// by the first Open: a file a reader may hold is never made the spare
	// that a write overwrites (writeSpare).
	reading  atomic.Int64
	streamed atomic.Bool
}

// Entry is one line of a directory listing.
type Entry struct {
	Index   int         // creation index, as `dir` shows it
	Name    string      // base name
	Size    int64       // bytes (0 for directories on IOS, 4096 on IOS-XE)
	Mode    fs.FileMode // permission bits and fs.ModeDir
	ModTime time.Time   // device time of the last write
	IsDir   bool
}

// Name returns the device name without colon, e.g. "nvram".
func (f *FS) Name() string { return f.name }

// Total returns the device's capacity in bytes.
func (f *FS) Total() int64 { return f.size }

// Free returns the capacity not used by files (never negative).
func (f *FS) Free() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	used, _ := f.usedLocked()
	if free := f.size - used; free > 0 {
		return free
	}
	return 0
}

// cleanPath validates a device-relative name. An optional "dev:" prefix naming
// this device is accepted ("nvram:startup-config", "flash:/x").
func (f *FS) cleanPath(name string) (string, error) {
	orig := name
	if i := strings.IndexByte(name, ':'); i >= 0 {
		if !strings.EqualFold(name[:i], f.name) {
			return "", fmt.Errorf("nvram: %q is not on %s: %w", orig, f.name, ErrInvalidPath)
		}
		name = strings.TrimPrefix(name[i+1:], "/")
	}
	if name == "" || strings.HasPrefix(name, "/") || strings.ContainsAny(name, "\x00\\") {
		return "", fmt.Errorf("nvram: %q: %w", orig, ErrInvalidPath)
	}
	for _, el := range strings.Split(name, "/") {
		if el == ".." || el == "." || strings.HasPrefix(el, tmpPrefix) {
			return "", fmt.Errorf("nvram: %q: %w", orig, ErrInvalidPath)
		}
	}
	clean := path.Clean(name)
	if !fs.ValidPath(clean) || clean == "." {
		return "", fmt.Errorf("nvram: %q: %w", orig, ErrInvalidPath)
	}
	return clean, nil
}

// ReadFile returns the content of name. A missing file yields an error
// wrapping fs.ErrNotExist.
func (f *FS) ReadFile(name string) ([]byte, error) {
	p, err := f.cleanPath(name)
	if err != nil {
		return nil, err
	}
	if f.root == nil {
		return nil, fmt.Errorf("nvram: read %s:%s: %w", f.name, p, fs.ErrNotExist)
	}
	f.reading.Add(1)
	b, err := f.root.ReadFile(p)
	f.reading.Add(-1)
	if err != nil {
		return nil, fmt.Errorf("nvram: read %s:%s: %w", f.name, p, err)
	}
	return b, nil
}

// Stat returns the Entry for name.
func (f *FS) Stat(name string) (Entry, error) {
	p, err := f.cleanPath(name)
	if err != nil {
		return Entry{}, err
	}
	if f.root == nil {
		return Entry{}, fmt.Errorf("nvram: stat %s:%s: %w", f.name, p, fs.ErrNotExist)
	}
	fi, err := f.root.Stat(p)
	if err != nil {
		return Entry{}, fmt.Errorf("nvram: stat %s:%s: %w", f.name, p, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.entryLocked(p, fi), nil
}

// WriteFile atomically replaces name with data: a temporary file in the same
// directory is written, fsynced and renamed over name, then the directory is
// fsynced. An existing file is never truncated in place. perm is applied
// exactly (umask ignored); use 0600 for private files. mtime, the device's
// virtual time, becomes the file's modification time (zero keeps the host's).
// Missing parent directories are created (0700).
func (f *FS) WriteFile(name string, data []byte, perm fs.FileMode, mtime time.Time) error {
	p, err := f.cleanPath(name)
	if err != nil {
		return err
	}
	defer f.lockWrite()()
	if err := f.made(); err != nil {
		return err
	}
	if f.size > 0 {
		used, err := f.usedLocked()
		if err != nil {
			return err
		}
		var old int64
		if fi, err := f.root.Stat(p); err == nil && fi.Mode().IsRegular() {
			old = fi.Size()
		}
		if used-old+int64(len(data)) > f.size {
			return fmt.Errorf("nvram: write %s:%s: %w", f.name, p, ErrNoSpace)
		}
	}
	write := writeSpare
	if f.reading.Load() > 0 || f.streamed.Load() {
		write = writeAtomic
	}
	if err := write(f.root, p, data, perm.Perm(), mtime, !f.nosync); err != nil {
		return fmt.Errorf("nvram: write %s:%s: %w", f.name, p, err)
	}
	if _, ok := f.idx[p]; !ok {
		f.assignLocked(p)
		if dir := path.Dir(p); dir != "." {
			// parents created by MkdirAll get indexes too
			for d := dir; d != "."; d = path.Dir(d) {
				if _, ok := f.idx[d]; !ok {
					f.assignLocked(d)
				}
			}
		}
		if err := f.saveIndexLocked(); err != nil {
			return err
		}
	}
	return nil
}

// Placeholder creates name as a sparse file of size bytes if it does not
// exist: the system image a router's flash holds, which `dir` lists at its
// real size without taking disk space. An existing file is left alone.
func (f *FS) Placeholder(name string, size int64, mtime time.Time) error {
	p, err := f.cleanPath(name)
	if err != nil {
		return err
	}
	defer f.lockWrite()()
	if err := f.made(); err != nil {
		return err
	}
	file, err := f.root.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("nvram: create %s:%s: %w", f.name, p, err)
	}
	err = file.Truncate(size)
	if err == nil && !f.nosync {
		err = fsync(file)
	}
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = f.root.Remove(p)
		return fmt.Errorf("nvram: create %s:%s: %w", f.name, p, err)
	}
	if !mtime.IsZero() {
		_ = f.root.Chtimes(p, mtime, mtime)
	}
	f.assignLocked(p)
	return f.saveIndexLocked()
}

// Mkdir creates directory name (0700) with the given modification time.
func (f *FS) Mkdir(name string, mtime time.Time) error {
	p, err := f.cleanPath(name)
	if err != nil {
		return err
	}
	defer f.lockWrite()()
	if err := f.made(); err != nil {
		return err
	}
	if err := f.root.Mkdir(p, 0o700); err != nil {
		return fmt.Errorf("nvram: mkdir %s:%s: %w", f.name, p, err)
	}
	if !mtime.IsZero() {
		_ = f.root.Chtimes(p, mtime, mtime)
	}
	f.assignLocked(p)
	return f.saveIndexLocked()
}

// Remove deletes the file (or empty directory) name. A missing file yields an
// error wrapping fs.ErrNotExist.
func (f *FS) Remove(name string) error {
	p, err := f.cleanPath(name)
	if err != nil {
		return err
	}
	defer f.lockWrite()()
	if err := f.made(); err != nil {
		return err
	}
	if err := f.root.Remove(p); err != nil {
		return fmt.Errorf("nvram: remove %s:%s: %w", f.name, p, err)
	}
	if err := f.syncDirLocked(path.Dir(p)); err != nil {
		return fmt.Errorf("nvram: remove %s:%s: %w", f.name, p, err)
	}
	delete(f.idx, p)
	return f.saveIndexLocked()
}

// List returns the top-level entries in the order IOS `dir` prints them: by
// creation index, except that on nvram: the configuration files
// (startup-config, private-config, underlying-config) come first.
func (f *FS) List() ([]Entry, error) { return f.ListDir(".") }

// ListDir is List for a subdirectory ("." is the top level).
func (f *FS) ListDir(dir string) ([]Entry, error) {
	p := "."
	if dir != "." && dir != "" {
		var err error
		if p, err = f.cleanPath(dir); err != nil {
			return nil, err
		}
	}
	defer f.lockWrite()()
	if f.root == nil {
		return nil, nil // a new router's file system, not made yet: empty
	}
	des, err := fs.ReadDir(f.root.FS(), p)
	if err != nil {
		return nil, fmt.Errorf("nvram: list %s:%s: %w", f.name, p, err)
	}
	var out []Entry
	changed := false
	for _, de := range des {
		if strings.HasPrefix(de.Name(), tmpPrefix) {
			continue
		}
		fi, err := de.Info()
		if err != nil {
			continue // vanished meanwhile
		}
		rel := path.Join(p, de.Name())
		if _, ok := f.idx[rel]; !ok {
			f.assignLocked(rel) // created behind our back
			changed = true
		}
		out = append(out, f.entryLocked(rel, fi))
	}
	if changed {
		if err := f.saveIndexLocked(); err != nil {
			return nil, err
		}
	}
	isNVRAM := f.name == "nvram" && p == "."
	sort.SliceStable(out, func(i, j int) bool {
		if isNVRAM {
			_, ri := nvramReserved[out[i].Name]
			_, rj := nvramReserved[out[j].Name]
			if ri != rj {
				return ri
			}
		}
		return out[i].Index < out[j].Index
	})
	return out, nil
}

func (f *FS) entryLocked(rel string, fi fs.FileInfo) Entry {
	e := Entry{
		Index:   f.idx[rel],
		Name:    fi.Name(),
		Size:    fi.Size(),
		Mode:    fi.Mode(),
		ModTime: fi.ModTime(),
		IsDir:   fi.IsDir(),
	}
	if e.IsDir {
		e.Size = 0
		if f.format == FormatXE {
			e.Size = 4096
		}
	}
	return e
}

func (f *FS) usedLocked() (int64, error) {
	var used int64
	if f.root == nil {
		return 0, nil
	}
	err := fs.WalkDir(f.root.FS(), ".", func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if de.Type().IsRegular() && !strings.HasPrefix(de.Name(), tmpPrefix) {
			if fi, err := de.Info(); err == nil {
				used += fi.Size()
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("nvram: usage of %s: %w", f.name, err)
	}
	return used, nil
}

// assignLocked gives rel the next creation index (or its reserved one).
func (f *FS) assignLocked(rel string) {
	if f.name == "nvram" {
		if n, ok := nvramReserved[rel]; ok {
			f.idx[rel] = n
			return
		}
	}
	if f.next < 1 {
		f.next = 1
	}
	for f.isReservedIndex(f.next) {
		f.next++
	}
	f.idx[rel] = f.next
	f.next++
}

func (f *FS) isReservedIndex(n int) bool {
	if f.name != "nvram" {
		return false
	}
	for _, r := range nvramReserved {
		if r == n {
			return true
		}
	}
	return false
}

var tmpCounter atomic.Uint64

// errNotMade is the error of a write to a new router's file system before
// the store's First has made it (see Store.First).
var errNotMade = errors.New("not made yet")

func (f *FS) made() error {
	if f.root == nil {
		return fmt.Errorf("nvram: %s: %w", f.name, errNotMade)
	}
	return nil
}

// lockWrite locks f for a write and returns the unlock: the write holds
// its store's Deferred (if any) for its whole length, so Flush finds it
// done or not begun.
func (f *FS) lockWrite() (unlock func()) {
	skip, release := f.deferred.hold()
	f.mu.Lock()
	f.nosync = skip
	return func() {
		f.nosync = false
		f.mu.Unlock()
		release()
	}
}

func (f *FS) syncDirLocked(dir string) error {
	if f.nosync {
		return nil
	}
	return syncDir(f.root, dir)
}

// writeAtomic writes data to name inside root via a temporary file + rename,
// with fsyncs of the file and its directory unless sync is false (a write
// whose durability a Deferred flush provides).
func writeAtomic(root *os.Root, name string, data []byte, perm fs.FileMode, mtime time.Time, sync bool) (err error) {
	dir := path.Dir(name)
	if dir != "." {
		if err := root.MkdirAll(dir, 0o700); err != nil {
			return err
		}
	}
	tmp := path.Join(dir, fmt.Sprintf("%s%d-%d", tmpPrefix, os.Getpid(), tmpCounter.Add(1)))
	fh, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			fh.Close()
			_ = root.Remove(tmp)
		}
	}()
	if _, err = fh.Write(data); err != nil {
		return err
	}
	if err = finish(root, fh, tmp, perm, mtime, sync); err != nil {
		return err
	}
	if err = root.Rename(tmp, name); err != nil {
		return err
	}
	if !sync {
		return nil
	}
	return syncDir(root, dir)
}

// finish ends the writing of the temporary file fh (name in root): its
// permissions, its fsync unless sync is false, its close, and its
// modification time (the device's time; zero keeps the host's).
func finish(root *os.Root, fh *os.File, name string, perm fs.FileMode, mtime time.Time, sync bool) error {
	if err := fh.Chmod(perm); err != nil {
		return err
	}
	if sync {
		if err := fsync(fh); err != nil {
			return err
		}
	}
	if err := fh.Close(); err != nil {
		return err
	}
	if !mtime.IsZero() {
		return root.Chtimes(name, mtime, mtime)
	}
	return nil
}

// spareName is the file a directory keeps for the next atomic write of
// FS.WriteFile (see writeSpare); like every name with tmpPrefix it is
// invisible, and Open removes it.
const spareName = tmpPrefix + "spare"

// writeSpare is writeAtomic with fewer inodes: the new content is written
// over the directory's spare file (from its start, then cut to length),
// fsynced unless sync is false (a Deferred's write), and exchanged with
// name (renameat2 RENAME_EXCHANGE), so that the old content's inode becomes
// the next spare (cut to nothing if the file is private) instead of being
// freed and a new one allocated. A crash leaves name's old content or its
// new one, as with writeAtomic. Where the system cannot exchange, or name does not exist
// yet, the spare is renamed to name. The caller serialises the writes of a
// directory (FS.mu) and uses writeAtomic while a reader may hold a file:
// the spare was the file before last.
//
// Why: a file system without a journal (ext4 mounted so, as on some CI
// machines) does not reuse an inode freed in the last minute, and scans
// past every one of them for each new file; a long clock jump rewrites the
// same files thousands of times.
func writeSpare(root *os.Root, name string, data []byte, perm fs.FileMode, mtime time.Time, sync bool) (err error) {
	dir := path.Dir(name)
	if dir != "." {
		if err := root.MkdirAll(dir, 0o700); err != nil {
			return err
		}
	}
	spare := path.Join(dir, spareName)
	fh, err := root.OpenFile(spare, os.O_WRONLY|os.O_CREATE, perm)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			fh.Close()
			_ = root.Remove(spare)
		}
	}()
	if _, err = fh.WriteAt(data, 0); err != nil {
		return err
	}
	if err = fh.Truncate(int64(len(data))); err != nil {
		return err
	}
	if err = finish(root, fh, spare, perm, mtime, sync); err != nil {
		return err
	}
	d, err := root.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if fi, serr := root.Lstat(name); serr != nil || !fi.Mode().IsRegular() ||
		exchangeAt(int(d.Fd()), path.Base(spare), path.Base(name)) != nil {
		if err = root.Rename(spare, name); err != nil {
			return err
		}
	} else if perm&0o077 == 0 {
		// The spare now holds the old content. A private file's (0600:
		// private-config, a CA's archive) is cut to nothing: a key pair
		// zeroized from private-config must not stay on disk beside it.
		// Others keep theirs until the next write, for a reader on the
		// host that still holds the old file.
		if old, terr := root.OpenFile(spare, os.O_WRONLY|os.O_TRUNC, 0); terr == nil {
			old.Close()
		}
	}
	if !sync {
		return nil
	}
	return fsync(d)
}

func syncDir(root *os.Root, dir string) error {
	d, err := root.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return fsync(d)
}

// Open opens name for reading, for a caller that streams a file (an scp
// download, a checksum) rather than loading it whole. A missing file yields
// an error wrapping fs.ErrNotExist.
func (f *FS) Open(name string) (*os.File, error) {
	p, err := f.cleanPath(name)
	if err != nil {
		return nil, err
	}
	if f.root == nil {
		return nil, fmt.Errorf("nvram: open %s:%s: %w", f.name, p, fs.ErrNotExist)
	}
	f.streamed.Store(true)
	file, err := f.root.Open(p)
	if err != nil {
		return nil, fmt.Errorf("nvram: open %s:%s: %w", f.name, p, err)
	}
	return file, nil
}
