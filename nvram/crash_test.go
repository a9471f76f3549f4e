package nvram

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// The crash test re-executes the test binary as a writer that replaces
// startup-config in a loop, alternating two contents, and prints one line per
// completed write. The parent kills it with SIGKILL after a random number of
// writes (so at a random point inside a later write) and checks that the file
// holds one complete content, that a reopened store cleans up, and that the
// next write works.

const crashEnv = "IOSEMU_NVRAM_CRASH_WRITER"

var crashContents = [2][]byte{
	bytes.Repeat([]byte("old-content-"), 40000),  // 480 KB
	bytes.Repeat([]byte("NEW-CONTENT!!"), 30000), // 390 KB: differs in size too
}

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashEnv); dir != "" {
		crashWriter(dir)
		return
	}
	os.Exit(m.Run())
}

func crashWriter(dir string) {
	s, err := Open(dir, Device{Name: "nvram"})
	if err != nil {
		os.Stdout.WriteString("error " + err.Error() + "\n")
		os.Exit(2)
	}
	f, _ := s.Device("nvram")
	w := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		if err := f.WriteFile("startup-config", crashContents[i%2], 0o644, t0.Add(time.Duration(i)*time.Second)); err != nil {
			w.WriteString("error " + err.Error() + "\n")
			w.Flush()
			os.Exit(2)
		}
		w.WriteString("ok\n")
		w.Flush()
	}
}

func TestCrashDuringWriteKeepsOldOrNew(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	rounds := 6
	for round := range rounds {
		dir := t.TempDir()
		// Seed with a known complete content.
		s, err := Open(dir, Device{Name: "nvram"})
		if err != nil {
			t.Fatal(err)
		}
		f, _ := s.Device("nvram")
		if err := f.WriteFile("startup-config", crashContents[1], 0o644, t0); err != nil {
			t.Fatal(err)
		}
		s.Close()

		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), crashEnv+"="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		killAfter := 1 + rand.IntN(20)
		sc := bufio.NewScanner(out)
		for n := 0; n < killAfter && sc.Scan(); n++ {
			if line := sc.Text(); line != "ok" {
				t.Fatalf("writer: %s", line)
			}
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()

		got, err := os.ReadFile(filepath.Join(dir, "nvram", "startup-config"))
		if err != nil {
			t.Fatalf("round %d: after kill: %v", round, err)
		}
		if !bytes.Equal(got, crashContents[0]) && !bytes.Equal(got, crashContents[1]) {
			t.Fatalf("round %d (kill after %d writes): file is torn: %d bytes", round, killAfter, len(got))
		}

		// Reopen: leftovers gone, listing shows exactly the one file.
		s, err = Open(dir, Device{Name: "nvram"})
		if err != nil {
			t.Fatal(err)
		}
		f, _ = s.Device("nvram")
		ents, err := f.List()
		if err != nil {
			t.Fatal(err)
		}
		if len(ents) != 1 || ents[0].Name != "startup-config" || ents[0].Index != 253 {
			t.Fatalf("round %d: List after crash = %+v", round, ents)
		}
		raw, _ := os.ReadDir(filepath.Join(dir, "nvram"))
		if len(raw) != 1 {
			t.Fatalf("round %d: %d files left in device dir, want 1", round, len(raw))
		}
		if err := f.WriteFile("startup-config", []byte("after"), 0o644, t0); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
}
