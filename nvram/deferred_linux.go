package nvram

import (
	"os"

	"golang.org/x/sys/unix"
)

const canSyncFS = true

// syncFS flushes the whole file system that holds dir (syncfs(2)).
func syncFS(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return unix.Syncfs(int(d.Fd()))
}
