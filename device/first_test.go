package device_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iosemu/iosemu/clock"
	"github.com/iosemu/iosemu/device"
	"github.com/iosemu/iosemu/nvram"
	"github.com/iosemu/iosemu/platforms"
)

// A new router whose lab defers its first files boots from memory: its
// store is made, with the image, the XE directories and the first
// startup-config, by the Deferred after New returns. What a user sees is
// the same as with the files made inline: every look at the storage waits
// for them. After Flush they are on disk, and a restart boots from them.
func TestFirstFilesOffTheBootPath(t *testing.T) {
	state := t.TempDir()
	d := nvram.NewDeferred(state)
	if d == nil {
		t.Skip("no syncfs here: nothing is deferred")
	}
	p, err := platforms.Lookup("ISR-4K")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(state, "R1")
	lab := clock.NewFake(start)
	cfg := defaultConfig("ISR-4K")
	r, err := device.New(device.Options{Name: "R1", Platform: p, Lab: lab, Dir: dir, Initial: cfg, Deferred: d})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Store().Fresh() {
		t.Fatal("a new router's store under a pending Deferred is made at once")
	}
	out := session(t, r, "dir bootflash:", "dir nvram:", "show startup-config")
	for _, want := range []string{"lost+found", "tracelogs", "packages.conf", "isr4300-rpios-universalk9", "startup-config", "hostname R1"} {
		if !strings.Contains(out, want) {
			t.Errorf("the first look at the storage lacks %q:\n%s", want, out)
		}
	}
	if err := d.Flush(); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "nvram", "startup-config")); err != nil || !strings.Contains(string(b), "hostname R1") {
		t.Fatalf("startup-config on disk after Flush: %q, %v", b, err)
	}
	// Restarted on its state: not fresh, same files, same configuration.
	again, err := device.New(device.Options{Name: "R1", Platform: p, Lab: lab, Dir: dir, Initial: "hostname OTHER\n", Deferred: nvram.NewDeferred(state)})
	if err != nil {
		t.Fatal(err)
	}
	if again.Store().Fresh() {
		t.Fatal("a restarted router's store is fresh")
	}
	if got := again.Hostname(); got != "R1" {
		t.Errorf("restarted router is %q, want R1 (its startup-config)", got)
	}
}
