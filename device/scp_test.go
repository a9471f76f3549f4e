package device_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/clock"
	"github.com/iosemu/iosemu/device"
	"github.com/iosemu/iosemu/platforms"
	"github.com/iosemu/iosemu/transport"
)

func newSCPRouter(t *testing.T, platform string, extra string) *device.Router {
	t.Helper()
	p, err := platforms.Lookup(platform)
	if err != nil {
		t.Fatal(err)
	}
	lab := clock.NewFake(time.Date(2015, 10, 9, 13, 14, 16, 0, time.UTC))
	r, err := device.New(device.Options{Name: "R1", Platform: p, Lab: lab, Dir: t.TempDir(), Initial: defaultConfig(platform) + extra})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// execSCP runs an exec request on r as user with the client's side given by
// client, which reads what the device sends on from and writes on to.
func execSCP(t *testing.T, r *device.Router, user, command string, client func(from *bufio.Reader, to io.Writer)) int {
	t.Helper()
	devR, cliW := io.Pipe()
	cliR, devW := io.Pipe()
	status := -1
	s := cli.New(r, cli.Conn{RW: pipeRW{devR, devW}, User: user, Remote: "10.0.0.2", Command: command,
		Close: func() error { devW.Close(); return nil }, Exit: func(st int) { status = st }})
	done := make(chan struct{})
	go func() {
		s.Serve(context.Background())
		close(done)
	}()
	client(bufio.NewReader(cliR), cliW)
	cliW.Close()
	io.Copy(io.Discard, cliR)
	<-done
	return status
}

func ack(t *testing.T, from *bufio.Reader) {
	t.Helper()
	b, err := from.ReadByte()
	if err != nil || b != 0 {
		rest, _ := from.ReadString('\n')
		t.Fatalf("scp: want a zero ack, got %q %q (%v)", b, rest, err)
	}
}

// TestSCPProtocol drives the device's SCP server as paramiko's scp module
// does: upload into flash:, see it in dir with its size, verify /md5 gives
// its real digest, download it back; errors come back as 0x01 lines.
func TestSCPProtocol(t *testing.T) {
	for _, platform := range []string{"ISR-G2", "CSR1k"} {
		t.Run(platform, func(t *testing.T) {
			r := newSCPRouter(t, platform, "ip scp server enable\n")
			p, _ := platforms.Lookup(platform)
			fl := p.Flash
			data := bytes.Repeat([]byte("iosemu scp payload\n"), 3000)
			st := execSCP(t, r, "admin", "scp -t "+fl+":/test.bin", func(from *bufio.Reader, to io.Writer) {
				ack(t, from)
				fmt.Fprintf(to, "C0644 %d whatever.bin\n", len(data))
				ack(t, from)
				to.Write(data)
				to.Write([]byte{0})
				ack(t, from)
			})
			if st != 0 {
				t.Fatalf("upload exit status %d", st)
			}
			out := serve(t, r, "dir "+fl+":/test.bin\rverify /md5 "+fl+":test.bin\rexit\r", "admin")
			if !strings.Contains(out, fmt.Sprintf("Directory of %s:/test.bin", fl)) || !strings.Contains(out, fmt.Sprintf(" %d  ", len(data))) {
				t.Errorf("dir does not show the file with its size:\n%s", out)
			}
			want := fmt.Sprintf("verify /md5 (%s:test.bin) = %x", fl, md5.Sum(data))
			if !strings.Contains(out, want) {
				t.Errorf("verify /md5: want %q in\n%s", want, out)
			}
			var got []byte
			st = execSCP(t, r, "admin", "scp -f "+fl+":/test.bin", func(from *bufio.Reader, to io.Writer) {
				to.Write([]byte{0})
				hdr, err := from.ReadString('\n')
				if err != nil || hdr != fmt.Sprintf("C0644 %d test.bin\n", len(data)) {
					t.Fatalf("header %q (%v)", hdr, err)
				}
				to.Write([]byte{0})
				got = make([]byte, len(data))
				if _, err := io.ReadFull(from, got); err != nil {
					t.Fatal(err)
				}
				ack(t, from)
				to.Write([]byte{0})
			})
			if st != 0 || !bytes.Equal(got, data) {
				t.Fatalf("download: status %d, %d bytes equal=%v", st, len(got), bytes.Equal(got, data))
			}
			// A missing file is an 0x01 error line and exit status 1.
			st = execSCP(t, r, "admin", "scp -f "+fl+":/nope", func(from *bufio.Reader, to io.Writer) {
				to.Write([]byte{0})
				l, _ := from.ReadString('\n')
				if l != fmt.Sprintf("\x01scp: %s:/nope: No such file or directory\n", fl) {
					t.Errorf("missing file: got %q", l)
				}
			})
			if st != 1 {
				t.Errorf("missing file: exit status %d, want 1", st)
			}
			// More than the flash holds is refused before any data.
			st = execSCP(t, r, "admin", "scp -t "+fl+":", func(from *bufio.Reader, to io.Writer) {
				ack(t, from)
				fmt.Fprintf(to, "C0644 %d huge.bin\n", p.FlashSize+1)
				l, _ := from.ReadString('\n')
				if !strings.HasPrefix(l, "\x01scp: ") || !strings.Contains(l, "Not enough space") {
					t.Errorf("huge file: got %q", l)
				}
			})
			if st != 1 {
				t.Errorf("huge file: exit status %d", st)
			}
			// A header that names a path is refused.
			execSCP(t, r, "admin", "scp -t "+fl+":", func(from *bufio.Reader, to io.Writer) {
				ack(t, from)
				fmt.Fprintf(to, "C0644 1 ../x\n")
				if l, _ := from.ReadString('\n'); !strings.HasPrefix(l, "\x01") {
					t.Errorf("bad name: got %q", l)
				}
			})
			// A privilege-1 user may not copy.
			st = execSCP(t, r, "oper", "scp -t "+fl+":/x", func(from *bufio.Reader, to io.Writer) {
				if l, _ := from.ReadString('\n'); l != "\x01scp: Permission denied\n" {
					t.Errorf("oper: got %q", l)
				}
			})
			if st != 1 {
				t.Errorf("oper: exit status %d", st)
			}
		})
	}
}

// TestSCPDisabled: without `ip scp server enable` the request runs as a CLI
// line (an unknown word: a host name to connect to), and nothing is written.
func TestSCPDisabled(t *testing.T) {
	r := newSCPRouter(t, "ISR-G2", "")
	var out []byte
	execSCP(t, r, "admin", "scp -t flash:/x", func(from *bufio.Reader, to io.Writer) {
		out, _ = io.ReadAll(from)
	})
	if !strings.Contains(string(out), "% Unknown command or computer name") {
		t.Errorf("scp without the server: got %q", out)
	}
	if got := serve(t, r, "dir flash:/x\rexit\r", "admin"); !strings.Contains(got, "%Error opening flash:/x (No such file or directory)") {
		t.Errorf("dir of a missing file:\n%s", got)
	}
}

// TestOpenSSHSCP copies a file to a device's flash and back with OpenSSH's
// scp (legacy protocol, -O, as IOS has no SFTP server) through the real SSH
// transport. Without scp or sshpass it skips, and fails in CI.
func TestOpenSSHSCP(t *testing.T) {
	for _, prog := range []string{"scp", "sshpass"} {
		if _, err := exec.LookPath(prog); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is required in CI: %v", prog, err)
			}
			t.Skipf("%s not installed", prog)
		}
	}
	r := newSCPRouter(t, "ISR-4K", "ip scp server enable\n")
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(key)
	if err != nil {
		t.Fatal(err)
	}
	srv := &transport.SSHServer{
		HostKey: signer,
		Auth:    transport.AuthenticatorFunc(func(u, pw string, _ net.Addr) bool { return r.CheckPassword(u, pw) }),
		Handler: transport.HandlerFunc(func(ctx context.Context, s *transport.Session) {
			cli.New(r, cli.Conn{RW: s.ReadWriter, User: s.User, Remote: "127.0.0.1", Command: s.Command,
				Window: s.Window, Close: s.Close, Exit: s.Exit}).Serve(ctx)
		}),
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	port := fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)

	dir := t.TempDir()
	src := filepath.Join(dir, "up.txt")
	data := bytes.Repeat([]byte("0123456789abcdef"), 40000) // 640 kB: several channel windows
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	scp := func(args ...string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		full := append([]string{"-p", "cisco", "scp", "-O", "-P", port, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
			"-o", "LogLevel=ERROR", "-o", "PubkeyAuthentication=no"}, args...)
		out, err := exec.CommandContext(ctx, "sshpass", full...).CombinedOutput()
		if err != nil {
			t.Fatalf("scp %v: %v\n%s", args, err, out)
		}
	}
	scp(src, "admin@127.0.0.1:bootflash:/up.txt")
	out := serve(t, r, "dir bootflash:/up.txt\rexit\r", "admin")
	if !strings.Contains(out, fmt.Sprintf("%d", len(data))) || !strings.Contains(out, "up.txt") {
		t.Errorf("dir after scp:\n%s", out)
	}
	back := filepath.Join(dir, "down.txt")
	scp("admin@127.0.0.1:bootflash:/up.txt", back)
	got, err := os.ReadFile(back)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("scp back: %d bytes, equal=%v, %v", len(got), bytes.Equal(got, data), err)
	}
}
