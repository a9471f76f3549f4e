package ios

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"strings"

	"github.com/iosemu/iosemu/device"
	"github.com/iosemu/iosemu/nvram"
)

// store is the certificate server's database storage: IOS URLs over the
// router's own file systems (nvram:, flash:, bootflash:, and unix:, which
// IOS-XE maps to its bootflash) and over the lab's FTP service (ftp://).
// It implements pki.Store.
type store struct{ d *device.Router }

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

// WriteFile implements pki.Store. Local files are written atomically and
// readable by the owner only: the database holds the CA's archives.
func (s store) WriteFile(raw string, data []byte) error {
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
	return f.WriteFile(p, data, 0o600, s.d.Clock().Now())
}

// Remove implements pki.Store; the lab FTP service keeps what it has.
func (s store) Remove(raw string) error {
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
