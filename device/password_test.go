package device_test

import (
	"strings"
	"testing"

	"github.com/iosemu/iosemu/clock"
	"github.com/iosemu/iosemu/device"
)

// Over-long passwords are refused before any hashing, and an unknown user
// costs the same hashing as a known one, so timing tells nothing.
func TestPasswordCheckBoundedAndEvenHanded(t *testing.T) {
	r := newRouter(t, "ISR-G2", clock.NewFake(start), false, "")
	if _, ok := r.Authenticate("admin", "cisco"); !ok {
		t.Fatal("admin/cisco refused")
	}
	if ok, _ := r.CheckEnable("cisco"); !ok {
		t.Fatal("enable secret cisco refused")
	}
	// A 2 MB password takes seconds to MD5-crypt; it must be refused
	// without hashing at all.
	huge := strings.Repeat("x", 2<<20)
	before := device.MD5Checks()
	_, ok := r.Authenticate("admin", huge)
	okEnable, _ := r.CheckEnable(huge)
	if n := device.MD5Checks() - before; ok || okEnable || n != 0 {
		t.Errorf("2 MB passwords: accepted %v/%v after %d MD5-crypt runs", ok, okEnable, n)
	}

	// Known and unknown users cost alike: one MD5-crypt of the same input
	// each (counted, not timed: a loaded machine makes timing lie).
	cost := func(user string) int64 {
		before := device.MD5Checks()
		r.Authenticate(user, strings.Repeat("y", 200))
		return device.MD5Checks() - before
	}
	if known, unknown := cost("admin"), cost("nobody"); known != 1 || unknown != 1 {
		t.Errorf("a known user costs %d MD5-crypt runs, an unknown one %d: timing tells them apart", known, unknown)
	}
}
