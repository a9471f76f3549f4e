package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/iosemu/iosemu/internal/porttest"
)

// These tests drive the real binary: build it, run a lab, talk to it with
// an SSH client and with `iosemu ctl`, kill -9 it, and start it again.

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "iosemu-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "iosemu")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func freeBase(t *testing.T) int {
	t.Helper()
	base, err := porttest.FreeBase(5)
	if err != nil {
		t.Fatal(err)
	}
	return base
}

type labProc struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	base int
}

// syncBuffer collects a child's output while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// runLab starts `iosemu run` and waits until it says it is up.
func runLab(t *testing.T, state string, base int, args ...string) *labProc {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"run", "--state", state, "--base-port", fmt.Sprint(base)}, args...)...)
	out := &syncBuffer{}
	cmd.Stderr = out
	// The lab dies with the test binary, even when a timeout kills it
	// before its cleanups run.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &labProc{cmd: cmd, out: out, base: base}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	up := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			out.Write([]byte(sc.Text() + "\n"))
			if strings.Contains(sc.Text(), "Ctrl-C stops the lab") {
				close(up)
			}
		}
	}()
	select {
	case <-up:
		return p
	case <-time.After(30 * time.Second): // wall-clock-ok: a lab that never comes up fails the test
		t.Fatalf("lab did not come up:\n%s", out.String())
	}
	return nil
}

func sshConfig(hostKey *ssh.PublicKey) *ssh.ClientConfig {
	return &ssh.ClientConfig{
		User: "admin",
		Auth: []ssh.AuthMethod{ssh.Password("cisco")},
		HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
			if hostKey != nil {
				*hostKey = key
			}
			return nil
		},
		Timeout: 10 * time.Second,
	}
}

// sshSession logs in as admin and opens a session channel; both close
// when the test ends.
func sshSession(t *testing.T, port int, hostKey *ssh.PublicKey) *ssh.Session {
	t.Helper()
	c, err := ssh.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port), sshConfig(hostKey))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// sshExec runs one exec-request command.
func sshExec(t *testing.T, port int, command string, hostKey *ssh.PublicKey) string {
	t.Helper()
	s := sshSession(t, port, hostKey)
	out, err := s.CombinedOutput(command)
	if err != nil {
		t.Fatalf("ssh %q: %v\n%s", command, err, out)
	}
	return strings.ReplaceAll(string(out), "\r", "")
}

// sshShell types lines into an interactive shell and returns the screen.
func sshShell(t *testing.T, port int, lines ...string) string {
	t.Helper()
	s := sshSession(t, port, nil)
	if err := s.RequestPty("vt100", 24, 80, ssh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	s.Stdout = &out
	s.Stdin = strings.NewReader(strings.Join(lines, "\r") + "\r")
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Wait() }()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatalf("shell did not end\n%s", out.String())
	}
	return strings.ReplaceAll(out.String(), "\r", "")
}

func ctl(t *testing.T, base int, args ...string) string {
	t.Helper()
	out, err := exec.Command(binary, append([]string{"ctl", "--base-port", fmt.Sprint(base)}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("iosemu ctl %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// TestSeedLabClockSaveKillRestart is the end-to-end story: the seed
// lab at the seeds' start time, a 639-day jump, write memory, kill -9, and a
// restart that keeps what was saved (and the clock, and the host key) and
// loses what was not.
func TestSeedLabClockSaveKillRestart(t *testing.T) {
	state := t.TempDir()
	base := freeBase(t)
	p := runLab(t, state, base, "--start", "2015-10-09T13:14:16+01:00")
	for _, want := range []string{"Root-CA", "spoke-4", fmt.Sprintf("ssh -p %d admin@127.0.0.1", base+1), "CSR1000V"} {
		if !strings.Contains(p.out.String(), want) {
			t.Errorf("start-up table lacks %q:\n%s", want, p.out.String())
		}
	}
	rootCA := base + 1
	var key1 ssh.PublicKey
	clk := sshExec(t, rootCA, "show clock", &key1)
	if !regexp.MustCompile(`^13:14:1\d\.\d{3} CET Fri Oct 9 2015\n$`).MatchString(clk) {
		t.Errorf("show clock at start = %q", clk)
	}
	if out := ctl(t, base, "clock", "advance", "639d"); !strings.Contains(out, "2017-07-") {
		t.Errorf("ctl clock advance: %s", out)
	}
	if clk := sshExec(t, rootCA, "show clock", nil); !regexp.MustCompile(`^13:14:\d\d\.\d{3} CET Sun Jul 9 2017\n$`).MatchString(clk) {
		t.Errorf("show clock after 639d = %q", clk)
	}
	screen := sshShell(t, rootCA, "configure terminal", "hostname SAVED-CA", "end", "write memory",
		"configure terminal", "ip domain name unsaved.example", "end", "exit")
	if !strings.Contains(screen, "[OK]") {
		t.Fatalf("write memory did not say [OK]:\n%s", screen)
	}
	if run := sshExec(t, rootCA, "show running-config", nil); !strings.Contains(run, "ip domain name unsaved.example") {
		t.Fatalf("unsaved change missing from running-config")
	}

	// kill -9: no chance to save anything on the way out.
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()

	p2 := runLab(t, state, base, "--start", "2015-10-09T13:14:16+01:00")
	if !strings.Contains(p2.out.String(), "--start is not used") {
		t.Errorf("a restart with --start does not say the saved clock wins:\n%s", p2.out.String())
	}
	var key2 ssh.PublicKey
	run := sshExec(t, rootCA, "show running-config", &key2)
	if !strings.Contains(run, "hostname SAVED-CA") {
		t.Errorf("saved hostname lost after kill -9:\n%s", run)
	}
	if strings.Contains(run, "unsaved.example") {
		t.Errorf("unsaved change survived a restart")
	}
	if !bytes.Equal(key1.Marshal(), key2.Marshal()) {
		t.Errorf("SSH host key changed across a restart")
	}
	if clk := sshExec(t, rootCA, "show clock", nil); !strings.Contains(clk, "Jul 9 2017") {
		t.Errorf("restarted lab lost its time: %q", clk)
	}
	if fi, err := os.Stat(filepath.Join(state, "devices", "Root-CA", "ssh_host_rsa_key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("host key file: %v %v", fi, err)
	}
}

func TestCommandLineErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"run", "--lab", "/nonexistent.yaml"}, 1, "/nonexistent.yaml"},
		{[]string{"run", "--start", "yesterday"}, 2, "not an RFC 3339 time"},
		{[]string{"run", "--time-scale", "-1"}, 2, "--time-scale must be 0 (frozen) or positive"},
		{[]string{"ctl", "--addr", "127.0.0.1:1", "clock"}, 1, "no lab running at 127.0.0.1:1"},
		{[]string{"ctl", "clock", "advance", "5y"}, 2, "unknown unit"},
		{[]string{"ctl", "clock", "set", "soon"}, 2, "not an RFC 3339 time"},
		{[]string{"version"}, 0, "iosemu "},
		{[]string{"--help"}, 0, "Usage:"},
		{[]string{"run", "--base-port", "65400"}, 2, "use a base port from 1 to 65235"},
		{[]string{"run", "--help"}, 0, "blocks of the\nsmallest multiple of 100"},
		{[]string{"run", "--help"}, 0, "0 freezes the lab clock"},
		{[]string{"ctl", "clock", "advance", "106000d106000d106000d"}, 2, "limit of 100000d"},
	} {
		cmd := exec.Command(binary, tc.args...)
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		if code != tc.code || !strings.Contains(string(out), tc.want) {
			t.Errorf("iosemu %v: exit %d %q; want exit %d containing %q", tc.args, code, out, tc.code, tc.want)
		}
	}
	// The help says what the README says: the IOS PKI is in.
	if out, _ := exec.Command(binary, "--help").CombinedOutput(); !strings.Contains(string(out), "IOS PKI") {
		t.Errorf("iosemu --help does not say it has the IOS PKI:\n%s", out)
	}
}

func TestPortInUse(t *testing.T) {
	base := freeBase(t)
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", base+2))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	out, err := exec.Command(binary, "run", "--state", t.TempDir(), "--base-port", fmt.Sprint(base)).CombinedOutput()
	if err == nil || !strings.Contains(string(out), fmt.Sprintf("port %d is already in use", base+2)) {
		t.Errorf("run with a busy port: %v %s", err, out)
	}
}
