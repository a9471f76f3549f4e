package lab

import (
	"bufio"
	"fmt"
	"io"
	"net"
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
	if err := c.MakeDir("SAVE"); err != nil {
		t.Fatal(err)
	}
	if err := c.MakeDir("SAVE/R1"); err != nil {
		t.Fatal(err)
	}
	const body = "serial 0x1\n"
	if err := c.Stor("SAVE/R1/R1.cfg", strings.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	r, err := c.Retr("SAVE/R1/R1.cfg")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if string(got) != body {
		t.Errorf("read back %q", got)
	}
	entries, err := c.List("SAVE/R1")
	if err != nil || len(entries) != 1 || entries[0].Name != "R1.cfg" {
		t.Errorf("list = %v, %v", entries, err)
	}
	// The files are real files in the state dir.
	disk, err := os.ReadFile(filepath.Join(l.ftpDir(), "SAVE", "R1", "R1.cfg"))
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

// ftpControl is a raw FTP control connection for tests.
type ftpControl struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dialFTP(t *testing.T, addr string) *ftpControl {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second)) // wall-clock-ok: test network deadline
	f := &ftpControl{t: t, c: c, r: bufio.NewReader(c)}
	f.read()
	return f
}

func (f *ftpControl) read() string {
	f.t.Helper()
	var all strings.Builder
	for {
		line, err := f.r.ReadString('\n')
		if err != nil {
			f.t.Fatalf("ftp read: %v (so far %q)", err, all.String())
		}
		all.WriteString(line)
		if len(line) >= 4 && line[3] == ' ' {
			return all.String()
		}
	}
}

func (f *ftpControl) cmd(line string) string {
	f.t.Helper()
	fmt.Fprintf(f.c, "%s\r\n", line)
	return f.read()
}

// Passive data sockets listen on 127.0.0.1 only, uploads are capped (and a
// refused one leaves nothing behind), and replies never show host paths.
func TestLabFTPServiceIsConfined(t *testing.T) {
	root := t.TempDir()
	srv := newFTPServer(root, "127.0.0.1", nil, nil)
	srv.maxUpload = 1000
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	f := dialFTP(t, ln.Addr().String())
	f.cmd("USER anonymous")
	if r := f.cmd("PASS x"); !strings.HasPrefix(r, "230") {
		t.Fatalf("login: %q", r)
	}
	for _, pasv := range []string{"EPSV", "PASV"} {
		r := f.cmd(pasv)
		var port int
		if pasv == "EPSV" {
			fmt.Sscanf(r[strings.Index(r, "|||")+3:], "%d", &port)
		} else {
			var h1, h2, h3, h4, p1, p2 int
			fmt.Sscanf(r[strings.Index(r, "(")+1:], "%d,%d,%d,%d,%d,%d", &h1, &h2, &h3, &h4, &p1, &p2)
			if fmt.Sprintf("%d.%d.%d.%d", h1, h2, h3, h4) != "127.0.0.1" {
				t.Fatalf("PASV address %q", r)
			}
			port = p1<<8 | p2
		}
		if port == 0 {
			t.Fatalf("%s: %q", pasv, r)
		}
		// 127.0.0.2 is this host's loopback too: a socket on every
		// interface would take it, one on 127.0.0.1 does not.
		if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.2:%d", port), 5*time.Second); err == nil {
			c.Close()
			t.Fatalf("%s data socket on port %d listens beyond 127.0.0.1", pasv, port)
		}
	}
	f.cmd("ABOR")
	// A too-large upload is refused and nothing is kept.
	stor := func(name string, size int) string {
		r := f.cmd("EPSV")
		var port int
		fmt.Sscanf(r[strings.Index(r, "|||")+3:], "%d", &port)
		fmt.Fprintf(f.c, "STOR %s\r\n", name)
		d, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			t.Fatal(err)
		}
		go func() { d.Write(make([]byte, size)); d.Close() }()
		if r := f.read(); !strings.HasPrefix(r, "150") {
			t.Fatalf("STOR: %q", r)
		}
		return f.read()
	}
	if r := stor("ok.bin", 1000); !strings.HasPrefix(r, "226") {
		t.Fatalf("upload at the limit: %q", r)
	}
	if r := stor("big.bin", 1001); !strings.HasPrefix(r, "552") || !strings.Contains(r, "1000 bytes") {
		t.Fatalf("upload over the limit: %q", r)
	}
	entries, _ := os.ReadDir(root)
	if len(entries) != 1 || entries[0].Name() != "ok.bin" {
		t.Fatalf("files after the refused upload: %v", entries)
	}
	for _, c := range []string{"RETR /nope/x.cer", "CWD /DB/ROOTCA", "SIZE ../../../etc/passwd", "DELE nope", "MKD /a/b/c", "RMD /nope", "RNFR nope", "LIST /nope", "STOR /nope/x"} {
		r := f.cmd(c)
		if r[0] != '5' && r[0] != '4' {
			t.Errorf("%s: %q, want an error", c, r)
		}
		if strings.Contains(r, root) || strings.Contains(r, os.TempDir()) {
			t.Errorf("%s: reply shows a host path: %q", c, r)
		}
	}
	if r := f.cmd("SIZE ../../ok.bin"); !strings.HasPrefix(r, "213 1000") {
		t.Errorf("'..' does not stop at the root: %q", r)
	}
}

// Any login is accepted unless the lab file lists FTP users.
func TestLabFTPUsers(t *testing.T) {
	spec, err := Parse("lab.yaml", []byte(`
services:
  - name: ftp
    kind: ftp
    address: 10.1.1.1
    users: [{name: ca, password: s3cret}]
devices:
  - {name: R1, platform: ISR-G2, address: 10.0.0.1}
`))
	if err != nil {
		t.Fatal(err)
	}
	_, base := startLab(t, spec, clock.NewFake(time.Date(2015, 10, 9, 12, 0, 0, 0, time.UTC)))
	addr := fmt.Sprintf("127.0.0.1:%d", base+300)
	for _, tc := range []struct {
		user, pass string
		ok         bool
	}{{"anonymous", "x", false}, {"ca", "wrong", false}, {"ca", "s3cret", true}} {
		c, err := ftp.Dial(addr, ftp.DialWithTimeout(10*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		err = c.Login(tc.user, tc.pass)
		c.Quit()
		if (err == nil) != tc.ok {
			t.Errorf("login %s/%s: %v, want ok=%v", tc.user, tc.pass, err, tc.ok)
		}
	}
	for _, bad := range []struct{ yaml, want string }{
		{"users: [{name: a, pass: b}]", "services[0].users[0].pass: unknown field"},
		{"users: a", "lab.yaml:5: cannot unmarshal"},
		{"users: [{name: '', password: b}]", "is not an FTP user name"},
		{"users: [{name: a, password: b}, {name: a, password: c}]", `user "a" twice`},
	} {
		y := "services:\n  - name: ftp\n    kind: ftp\n    address: 10.1.1.1\n    " + bad.yaml + "\ndevices:\n  - {name: R1, platform: ISR-G2, address: 10.0.0.1}\n"
		if _, err := Parse("lab.yaml", []byte(y)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: %v, want %q", bad.yaml, err, bad.want)
		}
	}
}
