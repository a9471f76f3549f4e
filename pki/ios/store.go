package ios

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"strings"
	"sync"

	"github.com/iosemu/iosemu/device"
	"github.com/iosemu/iosemu/nvram"
)

// store is the certificate server's database storage: IOS URLs over the
// router's own file systems (nvram:, flash:, bootflash:, and unix:, which
// IOS-XE maps to its bootflash) and over the lab's FTP service (ftp://).
// It implements pki.Store.
type store struct {
	d    *device.Router
	seen *writeCache
}

// writeCache remembers what was last written where, so that writing the
// same bytes again (the engine saves its state after each step, and a
// step often changes nothing of it) costs no transfer.
type writeCache struct {
	mu   sync.Mutex
	last map[string][sha256.Size]byte
}

// same reports whether url last got exactly data, and records data.
func (w *writeCache) same(url string, data []byte) bool {
	if w == nil {
		return false
	}
	sum := sha256.Sum256(data)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.last == nil {
		w.last = map[string][sha256.Size]byte{}
	}
	if old, ok := w.last[url]; ok && old == sum {
		return true
	}
	w.last[url] = sum
	return false
}

// forget drops what is known of url (a failed write, a removal).
func (w *writeCache) forget(url string) {
	if w == nil {
		return
	}
	w.mu.Lock()
	delete(w.last, url)
	w.mu.Unlock()
}

// resolve splits an IOS URL into a local file system and a path in it; for
// ftp:// it returns the parsed URL instead.
func (s store) resolve(raw string) (*nvram.FS, string, *url.URL, error) {
	if strings.HasPrefix(strings.ToLower(raw), "ftp://") {
		u, err := url.Parse(raw)
		if err != nil {
			return nil, "", nil, fmt.Errorf("ios: %s: %w", raw, err)
		}
		return nil, "", u, nil
	}
	fsName, p, ok := strings.Cut(raw, ":")
	if !ok {
		return nil, "", nil, fmt.Errorf("ios: %s: not a URL", raw)
	}
	fsName = strings.ToLower(fsName)
	switch fsName {
	case "unix", "flash", "bootflash", "disk0", "flash0":
		fsName = s.d.Platform().Flash
	}
	f, ok := s.d.Store().Device(fsName)
	if !ok {
		return nil, "", nil, fmt.Errorf("ios: %s: no such device", raw)
	}
	p = strings.TrimPrefix(path.Clean("/"+p), "/")
	if p == "" {
		return nil, "", nil, fmt.Errorf("ios: %s: no file name", raw)
	}
	return f, p, nil, nil
}

// ReadFile implements pki.Store.
func (s store) ReadFile(raw string) ([]byte, error) {
	f, p, u, err := s.resolve(raw)
	if err != nil {
		return nil, err
	}
	if u != nil {
		r := s.d.Remote()
		if r == nil {
			return nil, fmt.Errorf("ios: %s: %w", raw, device.ErrUnreachable)
		}
		b, err := r.Get(context.Background(), u, maxDBFile)
		if errors.Is(err, device.ErrNotFound) {
			return nil, fmt.Errorf("ios: %s: %w", raw, fs.ErrNotExist)
		}
		return b, err
	}
	return f.ReadFile(p)
}

// WriteFile implements pki.Store. Local files are written atomically; the
// archives, which hold the CA's key, are readable by the owner only.
func (s store) WriteFile(raw string, data []byte) (err error) {
	if s.seen.same(raw, data) {
		return nil
	}
	defer func() {
		if err != nil {
			s.seen.forget(raw)
		}
	}()
	f, p, u, err := s.resolve(raw)
	if err != nil {
		return err
	}
	if u != nil {
		r := s.d.Remote()
		if r == nil {
			return fmt.Errorf("ios: %s: %w", raw, device.ErrUnreachable)
		}
		return r.Put(context.Background(), u, data)
	}
	if dir := path.Dir(p); dir != "." {
		if _, err := f.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			if err := f.Mkdir(dir, s.d.Clock().Now()); err != nil {
				return err
			}
		}
	}
	return f.WriteFile(p, data, filePerm(p), s.d.Clock().Now())
}

// filePerm is a database file's mode: the archives hold the CA's private
// key and are the owner's only (`dir` shows them as ----, as it does
// private-config); the serial file, the CRL and the certificates are public
// (-rw-).
func filePerm(name string) fs.FileMode {
	switch strings.ToLower(path.Ext(name)) {
	case ".p12", ".pem", ".prv":
		return 0o600
	}
	return 0o644
}

// Remove implements pki.Store; the lab FTP service keeps what it has.
func (s store) Remove(raw string) error {
	s.seen.forget(raw)
	f, p, u, err := s.resolve(raw)
	if err != nil || u != nil {
		return err
	}
	if err := f.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// maxDBFile bounds a database file read from a server: the CA's files are
// a few kilobytes; a server that sends more is refused.
const maxDBFile = 16 << 20
