//go:build !linux

package nvram

import "errors"

const canSyncFS = false

func syncFS(string) error { return errors.New("syncfs is not supported") }
