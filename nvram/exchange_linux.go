//go:build linux

package nvram

import "golang.org/x/sys/unix"

// exchangeAt swaps the names a and b in the directory dirfd
// (renameat2 RENAME_EXCHANGE): both must exist.
func exchangeAt(dirfd int, a, b string) error {
	return unix.Renameat2(dirfd, a, dirfd, b, unix.RENAME_EXCHANGE)
}
