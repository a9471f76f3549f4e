package lab

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iosemu/iosemu/clock"
)

// Two labs on one state dir: the second is refused with the first one's pid,
// and starts once the first has stopped.
func TestStateDirIsLocked(t *testing.T) {
	spec, _ := Builtin("blank")
	dir := t.TempDir()
	a, err := Start(spec, Options{StateDir: dir, BasePort: freeBase(t, len(spec.Devices)), Clock: clock.NewFake(time.Date(2015, 10, 9, 12, 0, 0, 0, time.UTC))})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Start(spec, Options{StateDir: dir, BasePort: freeBase(t, len(spec.Devices)), Clock: clock.NewFake(time.Date(2015, 10, 9, 12, 0, 0, 0, time.UTC))})
	var inUse *ErrStateInUse
	want := fmt.Sprintf("lab: state dir %s is in use by pid %d", dir, os.Getpid())
	if !errors.As(err, &inUse) || err.Error() != want {
		a.Close()
		t.Fatalf("second Start on one state dir: %v, want %q", err, want)
	}
	a.Close()
	b, err := Start(spec, Options{StateDir: dir, BasePort: freeBase(t, len(spec.Devices)), Clock: clock.NewFake(time.Date(2015, 10, 9, 12, 0, 0, 0, time.UTC))})
	if err != nil {
		t.Fatalf("Start after the holder stopped: %v", err)
	}
	b.Close()
}

// A start that fails (a port in use) leaves no lab clock behind, so the next
// start's --start is used.
func TestFailedStartLeavesNoClock(t *testing.T) {
	spec, _ := Builtin("blank")
	dir := t.TempDir()
	base := freeBase(t, len(spec.Devices))
	busy, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", base+102))
	if err != nil {
		t.Fatal(err)
	}
	first := time.Date(2015, 10, 9, 13, 14, 16, 0, time.UTC)
	_, err = Start(spec, Options{StateDir: dir, BasePort: base, Start: first, Scale: 1})
	busy.Close()
	if err == nil || !strings.Contains(err.Error(), "already in use") {
		t.Fatalf("Start with a busy port: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, clockFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a failed start left %s behind (%v)", clockFile, err)
	}
	second := time.Date(2017, 7, 10, 13, 14, 16, 0, time.UTC)
	l, err := Start(spec, Options{StateDir: dir, BasePort: freeBase(t, len(spec.Devices)), Start: second, Scale: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.Resumed() {
		t.Fatal("the next start resumed a clock the failed start left")
	}
	if now := l.Clock().Now(); now.Before(second) || now.After(second.Add(time.Hour)) {
		t.Fatalf("lab clock %v, want about %v", now, second)
	}
	// A started lab does keep its clock.
	if _, err := os.Stat(filepath.Join(dir, clockFile)); err != nil {
		t.Fatalf("a started lab has no %s: %v", clockFile, err)
	}
}

// --time-scale 0 freezes the lab clock; a negative scale is an error.
func TestTimeScaleZeroFreezesTheLab(t *testing.T) {
	spec, _ := Builtin("blank")
	at := time.Date(2015, 10, 9, 13, 14, 16, 0, time.UTC)
	l, err := Start(spec, Options{StateDir: t.TempDir(), BasePort: freeBase(t, len(spec.Devices)), Start: at, Scale: 0})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// Booting five routers takes wall time; the clock has not moved.
	if got := l.Clock().Now(); !got.Equal(at) || !l.Clock().Frozen() {
		t.Fatalf("frozen lab clock at %v (frozen %v), want %v", got, l.Clock().Frozen(), at)
	}
	if err := l.Clock().Advance(time.Minute, nil); err != nil || !l.Clock().Now().Equal(at.Add(time.Minute)) {
		t.Fatalf("advance: %v, now %v", err, l.Clock().Now())
	}
	if _, err := Start(spec, Options{StateDir: t.TempDir(), BasePort: freeBase(t, len(spec.Devices)), Scale: -1}); err == nil {
		t.Fatal("a negative time scale was accepted")
	}
}
