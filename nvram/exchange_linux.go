//go:build linux

package nvram

import "golang.org/x/sys/unix"

// exchangeAt swaps the names a and b in the directory dirfd
// (renameat2 RENAME_EXCHANGE): both must exist.
func exchangeAt(dirfd int, a, b string) error {
	return unix.Renameat2(dirfd, a, dirfd, b, unix.RENAME_EXCHANGE)
}

// Exchange swaps the files at paths a and b, in one directory, atomically
// (renameat2 RENAME_EXCHANGE); both must exist. It fails with
// errors.ErrUnsupported where the system has no such call.
func Exchange(a, b string) error {
	return unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
}
