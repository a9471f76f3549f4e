package device_test

import (
	"strings"
	"testing"
	"time"

	"github.com/iosemu/iosemu/clock"
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
	// without that.
	huge := strings.Repeat("x", 2<<20)
	began := time.Now() // wall-clock-ok: measures the check
	_, ok := r.Authenticate("admin", huge)
	okEnable, _ := r.CheckEnable(huge)
	if took := time.Since(began); ok || okEnable || took > time.Second { // wall-clock-ok
		t.Errorf("2 MB passwords: accepted %v/%v, took %v", ok, okEnable, took)
	}

	// Known and unknown users cost alike (MD5-crypt of the same input).
	measure := func(user string) time.Duration {
		began := time.Now() // wall-clock-ok: measures the check
		for i := 0; i < 20; i++ {
			r.Authenticate(user, strings.Repeat("y", 200))
		}
		return time.Since(began) // wall-clock-ok
	}
	known, unknown := measure("admin"), measure("nobody")
	if unknown*3 < known {
		t.Errorf("an unknown user costs %v, a known one %v: timing tells them apart", unknown, known)
	}
}
