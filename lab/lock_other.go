//go:build !unix

package lab

// lockState is a no-op where flock does not exist.
func lockState(string) (func(), error) { return func() {}, nil }
