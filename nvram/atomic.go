package nvram

import (
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// WriteFileAtomic writes a file of the host file system the way the store
// writes its own: a temporary file in the same directory, fsync, rename,
// fsync of the directory. A crash leaves the old file or the new one, never
// a part.
func WriteFileAtomic(path string, data []byte, perm fs.FileMode) error {
	dir, name := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	return writeAtomic(root, name, data, perm, time.Time{}, true)
}
