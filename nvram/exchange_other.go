//go:build !linux

package nvram

import "errors"

func exchangeAt(int, string, string) error { return errors.ErrUnsupported }

// Exchange swaps the files at paths a and b, in one directory, atomically
// where the system can (renameat2 RENAME_EXCHANGE on Linux); here it
// fails with errors.ErrUnsupported.
func Exchange(a, b string) error { return errors.ErrUnsupported }
