package nvram

import (
	"bytes"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

var cet = time.FixedZone("CET", 3600)

// t0 is the seed lab's start: 2015-10-09 13:14:16 CET.
var t0 = time.Date(2015, 10, 9, 13, 14, 16, 0, cet)

func openTest(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir,
		Device{Name: "nvram", Size: 262136},
		Device{Name: "flash", Size: 255744000},
		Device{Name: "bootflash", Size: 7451738112, Format: FormatXE},
	)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func mustDev(t *testing.T, s *Store, name string) *FS {
	t.Helper()
	f, ok := s.Device(name)
	if !ok {
		t.Fatalf("device %q missing", name)
	}
	return f
}

func TestDeviceLookup(t *testing.T) {
	s := openTest(t, t.TempDir())
	tests := []struct {
		name string
		ok   bool
	}{
		{"nvram", true}, {"nvram:", true}, {"NVRAM:", true}, {"flash:", true},
		{"bootflash", true}, {"disk0:", false}, {"", false},
	}
	for _, tt := range tests {
		if _, ok := s.Device(tt.name); ok != tt.ok {
			t.Errorf("Device(%q) ok = %v, want %v", tt.name, ok, tt.ok)
		}
	}
	if got := s.Devices(); strings.Join(got, ",") != "nvram,flash,bootflash" {
		t.Errorf("Devices() = %v", got)
	}
}

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name string
		devs []Device
	}{
		{"bad name", []Device{{Name: "../x"}}},
		{"duplicate", []Device{{Name: "nvram"}, {Name: "nvram:"}}},
		{"empty", []Device{{Name: ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if s, err := Open(t.TempDir(), tt.devs...); err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
		})
	}
	if _, err := Open(""); err == nil {
		t.Error("Open(\"\") succeeded")
	}
}

func TestPathEscapesRejected(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, filepath.Join(dir, "store"))
	f := mustDev(t, s, "flash")
	bad := []string{
		"", "/etc/passwd", "..", "../x", "a/../../x", "a/..", "./x", "a/./b",
		"flash:/../x", "nvram:startup-config", "x\x00y", `..\x`, tmpPrefix + "1",
		"a//b/" + tmpPrefix, "/", "flash:",
	}
	for _, name := range bad {
		t.Run(name, func(t *testing.T) {
			if err := f.WriteFile(name, []byte("x"), 0o644, t0); !errors.Is(err, ErrInvalidPath) {
				t.Errorf("WriteFile(%q) = %v, want ErrInvalidPath", name, err)
			}
			if _, err := f.ReadFile(name); !errors.Is(err, ErrInvalidPath) {
				t.Errorf("ReadFile(%q) = %v, want ErrInvalidPath", name, err)
			}
			if err := f.Remove(name); !errors.Is(err, ErrInvalidPath) {
				t.Errorf("Remove(%q) = %v, want ErrInvalidPath", name, err)
			}
		})
	}
	// Nothing escaped into the parent.
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("parent dir has %d entries, want only the store", len(ents))
	}
	// A symlink planted inside the device cannot be followed outside.
	if err := os.Symlink(dir, filepath.Join(f.dir, "escape")); err != nil {
		t.Fatal(err)
	}
	if err := f.WriteFile("escape/x", []byte("x"), 0o644, t0); err == nil {
		t.Error("write through symlink escaping the device succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "x")); err == nil {
		t.Error("file written outside the device")
	}
}

func TestAcceptedNames(t *testing.T) {
	s := openTest(t, t.TempDir())
	f := mustDev(t, s, "flash")
	tests := []struct{ in, stored string }{
		{"a.cfg", "a.cfg"},
		{"flash:b.cfg", "b.cfg"},
		{"FLASH:/c.cfg", "c.cfg"},
		{"DB/ROOTCA/ROOTCA.ser", "DB/ROOTCA/ROOTCA.ser"},
		{"IOS-Self-Sig#1.cer", "IOS-Self-Sig#1.cer"},
	}
	for _, tt := range tests {
		if err := f.WriteFile(tt.in, []byte(tt.in), 0o644, t0); err != nil {
			t.Fatalf("WriteFile(%q): %v", tt.in, err)
		}
		got, err := os.ReadFile(filepath.Join(f.dir, filepath.FromSlash(tt.stored)))
		if err != nil || string(got) != tt.in {
			t.Errorf("%q stored as %q: %q, %v", tt.in, tt.stored, got, err)
		}
	}
}

func TestWriteReadPermsMtime(t *testing.T) {
	s := openTest(t, t.TempDir())
	nv := mustDev(t, s, "nvram")
	tests := []struct {
		name string
		perm fs.FileMode
		data string
		when time.Time
	}{
		{"startup-config", 0o644, "hostname Root-CA\n", t0},
		{"private-config", 0o600, "secret\n", t0.Add(time.Minute)},
		{"ROOTCA#1CA.cer", 0o644, "cert", t0.AddDate(2, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := syscall.Umask(0o077)
			defer syscall.Umask(old)
			if err := nv.WriteFile(tt.name, []byte(tt.data), tt.perm, tt.when); err != nil {
				t.Fatal(err)
			}
			got, err := nv.ReadFile("nvram:" + tt.name)
			if err != nil || string(got) != tt.data {
				t.Fatalf("ReadFile = %q, %v", got, err)
			}
			fi, err := os.Stat(filepath.Join(nv.dir, tt.name))
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != tt.perm {
				t.Errorf("perm = %v, want %v", fi.Mode().Perm(), tt.perm)
			}
			if !fi.ModTime().Equal(tt.when) {
				t.Errorf("mtime = %v, want %v", fi.ModTime(), tt.when)
			}
			e, err := nv.Stat(tt.name)
			if err != nil || e.Size != int64(len(tt.data)) || !e.ModTime.Equal(tt.when) {
				t.Errorf("Stat = %+v, %v", e, err)
			}
		})
	}
}

func TestMissingFile(t *testing.T) {
	s := openTest(t, t.TempDir())
	f := mustDev(t, s, "flash")
	if _, err := f.ReadFile("nope"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile = %v, want ErrNotExist", err)
	}
	if err := f.Remove("nope"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Remove = %v, want ErrNotExist", err)
	}
	if _, err := f.Stat("nope"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat = %v, want ErrNotExist", err)
	}
}

func TestOverwriteNeverTruncatesInPlace(t *testing.T) {
	s := openTest(t, t.TempDir())
	f := mustDev(t, s, "nvram")
	old := bytes.Repeat([]byte("A"), 10000)
	if err := f.WriteFile("startup-config", old, 0o644, t0); err != nil {
		t.Fatal(err)
	}
	// A reader holding the old file keeps seeing all of it.
	h, err := os.Open(filepath.Join(f.dir, "startup-config"))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	before, _ := h.Stat()
	if err := f.WriteFile("startup-config", []byte("B"), 0o644, t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(filepath.Join(f.dir, "startup-config"))
	if err != nil {
		t.Fatal(err)
	}
	if os.SameFile(before, after) {
		t.Error("file was rewritten in place (same inode)")
	}
	got := make([]byte, 20000)
	n, _ := h.Read(got)
	if !bytes.Equal(got[:n], old) {
		t.Errorf("old handle sees %d bytes, want the full old content", n)
	}
}

func TestLeftoverTempCleanedOnOpen(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	f := mustDev(t, s, "flash")
	if err := f.WriteFile("keep.cfg", []byte("complete"), 0o644, t0); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Simulate crashes mid-write: temp files in the device and a subdirectory,
	// and a half-written index.
	leftovers := []string{
		filepath.Join(dir, "flash", tmpPrefix+"99-1"),
		filepath.Join(dir, "flash", "sub", tmpPrefix+"99-2"),
		filepath.Join(dir, tmpPrefix+"flash-123"),
	}
	for _, p := range leftovers {
		os.MkdirAll(filepath.Dir(p), 0o700)
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s2 := openTest(t, dir)
	f2 := mustDev(t, s2, "flash")
	for _, p := range leftovers {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("leftover %s not removed: %v", p, err)
		}
	}
	ents, err := f2.List()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name)
	}
	if strings.Join(names, ",") != "keep.cfg,sub" {
		t.Errorf("List = %v", names)
	}
	if b, _ := f2.ReadFile("keep.cfg"); string(b) != "complete" {
		t.Errorf("keep.cfg = %q", b)
	}
}

func TestIndexStableAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	f := mustDev(t, s, "flash")
	for _, n := range []string{"c.bin", "a.cfg", "b.txt"} {
		if err := f.WriteFile(n, []byte(n), 0o644, t0); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Remove("a.cfg"); err != nil {
		t.Fatal(err)
	}
	if err := f.WriteFile("d.cfg", nil, 0o644, t0); err != nil {
		t.Fatal(err)
	}
	if err := f.WriteFile("c.bin", []byte("rewritten"), 0o644, t0); err != nil {
		t.Fatal(err)
	}
	// A file dropped in by hand gets the next index.
	if err := os.WriteFile(filepath.Join(dir, "flash", "e.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s.Close()
	f = mustDev(t, openTest(t, dir), "flash")
	ents, err := f.List()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name+"="+strconv.Itoa(e.Index))
	}
	want := "c.bin=1,b.txt=3,d.cfg=4,e.txt=5"
	if strings.Join(got, ",") != want {
		t.Errorf("List = %v, want %s", got, want)
	}
}

func TestNoSpace(t *testing.T) {
	s, err := Open(t.TempDir(), Device{Name: "nvram", Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f := mustDev(t, s, "nvram")
	if err := f.WriteFile("a", make([]byte, 60), 0o644, t0); err != nil {
		t.Fatal(err)
	}
	if err := f.WriteFile("b", make([]byte, 60), 0o644, t0); !errors.Is(err, ErrNoSpace) {
		t.Errorf("WriteFile over capacity = %v, want ErrNoSpace", err)
	}
	// Replacing a file counts only the difference.
	if err := f.WriteFile("a", make([]byte, 90), 0o644, t0); err != nil {
		t.Errorf("replace within capacity: %v", err)
	}
	if got := f.Free(); got != 10 {
		t.Errorf("Free = %d, want 10", got)
	}
	if got := f.Total(); got != 100 {
		t.Errorf("Total = %d, want 100", got)
	}
}

func TestRenderDirGolden(t *testing.T) {
	utc := time.UTC
	tests := []struct {
		golden string
		device string
		loc    *time.Location
		files  []struct {
			name string
			size int
			perm fs.FileMode
			at   time.Duration
		}
		dirs []string
	}{
		{golden: "dir_nvram_ios.txt", device: "nvram", loc: cet, files: []struct {
			name string
			size int
			perm fs.FileMode
			at   time.Duration
		}{
			{"persistent-data", 57, 0o600, 0},
			{"startup-config", 1069, 0o644, time.Minute},
			{"private-config", 1914, 0o600, time.Minute},
			{"underlying-config", 1069, 0o644, time.Minute},
			{"IOS-Self-Sig#1.cer", 559, 0o644, 2 * time.Minute},
		}},
		{golden: "dir_flash_ios.txt", device: "flash", loc: cet, files: []struct {
			name string
			size int
			perm fs.FileMode
			at   time.Duration
		}{
			{"c2900-universalk9-mz.SPA.154-3.M.bin", 977940, 0o644, -400 * 24 * time.Hour},
			{"Root-CA.cfg", 1459, 0o644, 0},
			{"ROOTCA.ser", 32, 0o600, 90 * time.Second},
		}, dirs: []string{"DB"}},
		{golden: "dir_bootflash_xe.txt", device: "bootflash", loc: utc, files: []struct {
			name string
			size int
			perm fs.FileMode
			at   time.Duration
		}{
			{"packages.conf", 1941, 0o644, -30 * 24 * time.Hour},
			{"tracelogs.629", 0, 0o644, 0},
		}, dirs: []string{"core"}},
		{golden: "dir_flash_empty.txt", device: "flash", loc: cet},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			s := openTest(t, t.TempDir())
			f := mustDev(t, s, tt.device)
			for _, d := range tt.dirs {
				if err := f.Mkdir(d, t0); err != nil {
					t.Fatal(err)
				}
			}
			for _, fl := range tt.files {
				if err := f.WriteFile(fl.name, make([]byte, fl.size), fl.perm, t0.Add(fl.at)); err != nil {
					t.Fatal(err)
				}
			}
			got, err := f.RenderDir(tt.loc)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tt.golden, got)
		})
	}
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s mismatch\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}
