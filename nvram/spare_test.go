package nvram

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestRewriteKeepsASpare: a rewrite leaves the old content's inode as the
// directory's spare (the next write goes there) instead of freeing it;
// the spare is invisible to List and to the space count, content and
// modes are exact whatever the sizes, and Open removes the spare.
func TestRewriteKeepsASpare(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("renameat2 RENAME_EXCHANGE is Linux's")
	}
	dir := t.TempDir()
	s := openTest(t, dir)
	f := mustDev(t, s, "nvram")
	used0, _ := f.usedLocked()
	long := bytes.Repeat([]byte("hostname R1\n"), 500)
	if err := f.WriteFile("startup-config", long, 0o644, t0); err != nil {
		t.Fatal(err)
	}
	first, err := os.Stat(filepath.Join(f.dir, "startup-config"))
	if err != nil {
		t.Fatal(err)
	}
	for i, data := range [][]byte{[]byte("hostname R2\n"), long[:100], []byte("hostname R4\n")} {
		if err := f.WriteFile("startup-config", data, 0o644, t0.Add(time.Duration(i+1)*time.Second)); err != nil {
			t.Fatal(err)
		}
		got, err := f.ReadFile("startup-config")
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("write %d: read back %q, %v", i+2, got, err)
		}
		if i == 0 {
			spare, err := os.Stat(filepath.Join(f.dir, spareName))
			if err != nil || !os.SameFile(first, spare) {
				t.Fatalf("after a rewrite the old file is not the spare: %v", err)
			}

		}
	}
	if err := f.WriteFile("private-config", []byte("key"), 0o600, t0); err != nil {
		t.Fatal(err)
	}
	// A private file's old bytes do not stay in the spare.
	if err := f.WriteFile("private-config", []byte("new key"), 0o600, t0); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(f.dir, spareName)); err != nil || fi.Size() != 0 {
		t.Fatalf("after a private rewrite the spare holds %d bytes (%v)", fi.Size(), err)
	}
	if fi, err := os.Stat(filepath.Join(f.dir, "private-config")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("private-config: %v %v", fi.Mode(), err)
	}
	if fi, err := os.Stat(filepath.Join(f.dir, "startup-config")); err != nil || fi.Mode().Perm() != 0o644 ||
		!fi.ModTime().Equal(t0.Add(3*time.Second)) {
		t.Fatalf("startup-config: %v %v %v", fi.Mode(), fi.ModTime(), err)
	}
	entries, err := f.List()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name, tmpPrefix) {
			t.Errorf("List shows %s", e.Name)
		}
	}
	if used, _ := f.usedLocked(); used != used0+int64(len("hostname R4\n")+len("new key")) {
		t.Errorf("used %d bytes, want %d", used-used0, len("hostname R4\n")+len("new key"))
	}
	s.Close()
	s2, err := Open(dir, Device{Name: "nvram", Size: 262136})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if _, err := os.Stat(filepath.Join(dir, "nvram", spareName)); !os.IsNotExist(err) {
		t.Errorf("the spare survived Open: %v", err)
	}
}

// TestStreamedFileNeverOverwritten: a file streamed with Open keeps its
// content through any number of rewrites (the spare is the file before
// last: once a reader may hold it, writes take a new file).
func TestStreamedFileNeverOverwritten(t *testing.T) {
	s := openTest(t, t.TempDir())
	f := mustDev(t, s, "nvram")
	old := bytes.Repeat([]byte("A"), 10000)
	if err := f.WriteFile("startup-config", old, 0o644, t0); err != nil {
		t.Fatal(err)
	}
	h, err := f.Open("startup-config")
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	for i := range 4 {
		if err := f.WriteFile("startup-config", bytes.Repeat([]byte{'B' + byte(i)}, 10000), 0o644, t0); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := io.ReadAll(h)
	if !bytes.Equal(got, old) {
		t.Errorf("the streamed file changed under its reader: %.20q…", got)
	}
}
