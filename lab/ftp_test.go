package lab

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"

	"github.com/iosemu/iosemu/clock"
)

func TestLabFTPService(t *testing.T) {
	spec, _ := Builtin("seed")
	l, base := startLab(t, spec, clock.NewFake(time.Date(2015, 10, 9, 12, 0, 0, 0, time.UTC)))
	c, err := ftp.Dial(fmt.Sprintf("127.0.0.1:%d", base+300), ftp.DialWithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Quit()
	if err := c.Login("anonymous", "router@cisco.com"); err != nil {
		t.Fatal(err)
	}
	if err := c.MakeDir("DB"); err != nil {
		t.Fatal(err)
	}
	if err := c.MakeDir("DB/ROOTCA"); err != nil {
		t.Fatal(err)
	}
	const body = "serial 0x1\n"
	if err := c.Stor("DB/ROOTCA/ROOTCA.ser", strings.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	r, err := c.Retr("DB/ROOTCA/ROOTCA.ser")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if string(got) != body {
		t.Errorf("read back %q", got)
	}
	entries, err := c.List("DB/ROOTCA")
	if err != nil || len(entries) != 1 || entries[0].Name != "ROOTCA.ser" {
		t.Errorf("list = %v, %v", entries, err)
	}
	// The files are real files in the state dir.
	disk, err := os.ReadFile(filepath.Join(l.ftpDir(), "DB", "ROOTCA", "ROOTCA.ser"))
	if err != nil || string(disk) != body {
		t.Errorf("state dir file = %q, %v", disk, err)
	}
	// Nothing outside the root.
	if err := c.Stor("../escape", strings.NewReader("x")); err == nil {
		if _, err := os.Stat(filepath.Join(filepath.Dir(l.ftpDir()), "escape")); err == nil {
			t.Error("FTP wrote outside its root")
		}
	}
}
