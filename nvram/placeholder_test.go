package nvram

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestPlaceholderIsSparseAndListed(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Device{Name: "flash", Size: 4 << 30})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f, _ := s.Device("flash")
	mt := time.Date(2015, 10, 9, 13, 14, 16, 0, time.UTC)
	const size = 1 << 30
	if err := f.Placeholder("image.bin", size, mt); err != nil {
		t.Fatal(err)
	}
	// A second call leaves the file alone.
	if err := f.Placeholder("image.bin", 5, mt); err != nil {
		t.Fatal(err)
	}
	e, err := f.Stat("image.bin")
	if err != nil || e.Size != size || !e.ModTime.Equal(mt) {
		t.Fatalf("stat = %+v, %v", e, err)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(filepath.Join(dir, "flash", "image.bin"), &st); err != nil {
		t.Fatal(err)
	}
	if st.Blocks*512 > 1<<20 {
		t.Errorf("placeholder takes %d bytes of disk, want a sparse file", st.Blocks*512)
	}
	if err := f.Placeholder("../escape", 1, mt); err == nil {
		t.Error("Placeholder accepted a path outside the device")
	}
	if _, err := os.Stat(filepath.Join(dir, "escape")); err == nil {
		t.Error("file created outside the device")
	}
}
