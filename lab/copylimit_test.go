package lab

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iosemu/iosemu/clock"
)

// A configuration file too large to load is an error, and nothing of it is
// merged: not cut short and reported as copied.
func TestCopyOfATooLargeFileMergesNothing(t *testing.T) {
	spec, _ := Builtin("seed")
	l, _ := startLab(t, spec, clock.NewFake(time.Date(2015, 10, 9, 12, 0, 0, 0, time.UTC)))
	if err := os.MkdirAll(l.ftpDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	filler := strings.Repeat("! padding padding padding padding padding padding padding padding\n", 17<<20/66+1)
	for name, text := range map[string]string{
		"big.cfg":   "hostname EARLY\n" + filler + "hostname ABCDEFGHIJKLMNOP\n",
		"small.cfg": "hostname SMALL\n",
	} {
		if err := os.WriteFile(filepath.Join(l.ftpDir(), name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	spoke := l.Node("spoke-1")
	out := run(spoke, "copy ftp://10.1.1.1/big.cfg running-config", "", "", "", "show running-config | include ^hostname")
	if !strings.Contains(out, "%Error copying ftp://10.1.1.1/big.cfg (Not enough space on device)") ||
		strings.Contains(out, "bytes copied") || !strings.Contains(out, "\nhostname spoke-1\n") {
		t.Errorf("copy of a 17 MiB file:\n%s", out)
	}
	if out := run(spoke, "copy ftp://10.1.1.1/big.cfg startup-config", "", "", ""); !strings.Contains(out, "(Not enough space on device)") {
		t.Errorf("copy of a 17 MiB file to startup-config:\n%s", out)
	}
	if out := run(spoke, "copy ftp://10.1.1.1/small.cfg running-config", "", "", "", "show running-config | include ^hostname"); !strings.Contains(out, "\nhostname SMALL\n") {
		t.Errorf("copy of a small file:\n%s", out)
	}
}
