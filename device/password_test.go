package device_test

import (
	"strings"
	"testing"
	"time"

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

// A right password pays its MD5-crypt once (the first check, or none for a
// secret this process hashed itself); a wrong one pays every time, and a
// new hash of the same password is not taken for the old one.
func TestVerifiedSecretsAreRemembered(t *testing.T) {
	start := time.Date(2015, 10, 9, 13, 14, 16, 0, time.UTC)
	// ext's hash was made elsewhere (openssl passwd -1), new's is made here.
	r := newRouter(t, "ISR-G2", clock.NewFake(start), false,
		"username ext privilege 15 secret 5 $1$mERr$hx5rVt7rPNoS4wqbXKX7m0\nusername new privilege 15 secret s3cret\n")
	runs := func(user, pw string, want bool) int64 {
		t.Helper()
		before := device.MD5Checks()
		if _, ok := r.Authenticate(user, pw); ok != want {
			t.Fatalf("%s/%s: accepted %v, want %v", user, pw, ok, want)
		}
		return device.MD5Checks() - before
	}
	if n := runs("ext", "cisco", true); n != 1 {
		t.Errorf("first login with a foreign hash: %d MD5-crypt runs, want 1", n)
	}
	for i := 0; i < 3; i++ {
		if n := runs("ext", "cisco", true); n != 0 {
			t.Errorf("login %d: %d MD5-crypt runs, want 0", i+2, n)
		}
		if n := runs("ext", "wrong", false); n != 1 {
			t.Errorf("wrong password %d: %d MD5-crypt runs, want 1", i+1, n)
		}
	}
	if n := runs("new", "s3cret", true); n != 0 {
		t.Errorf("a secret this router hashed: %d MD5-crypt runs, want 0", n)
	}
	// Another hash (another salt) of the remembered password is checked
	// afresh: the password is right for it too, at the price of one run.
	session(t, r, "configure terminal", "username ext privilege 15 secret 5 $1$abcd$2hDGYdE0UrwK2pqoiF6BB1", "end")
	if n := runs("ext", "cisco", true); n != 1 {
		t.Errorf("a new hash: %d MD5-crypt runs, want 1", n)
	}
}
