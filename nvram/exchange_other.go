//go:build !linux

package nvram

import "errors"

func exchangeAt(int, string, string) error { return errors.ErrUnsupported }
