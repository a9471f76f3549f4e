package lab

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/iosemu/iosemu/clock"
)

// syncBuffer is a session's screen, written by the SSH client.
type syncBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // signalled on every write
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{changed: make(chan struct{}, 1)} }

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case b.changed <- struct{}{}:
	default:
	}
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Shells on one SSH connection are limited to the vty lines (line vty 0 4:
// five); a sixth is closed at once, and a router-to-router telnet is
// refused as IOS refuses it.
func TestSSHShellsLimitedToVtyLines(t *testing.T) {
	spec, _ := Builtin("seed")
	l, base := startLab(t, spec, clock.NewFake(time.Date(2015, 10, 9, 12, 0, 0, 0, time.UTC)))
	cfg := &ssh.ClientConfig{User: "admin", Auth: []ssh.AuthMethod{ssh.Password("cisco")},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second}
	c, err := ssh.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", base+1), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	shell := func() (*ssh.Session, io.WriteCloser, *syncBuffer) {
		t.Helper()
		s, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		in, err := s.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		out := newSyncBuffer()
		s.Stdout = out
		if err := s.RequestPty("vt100", 24, 80, ssh.TerminalModes{}); err != nil {
			t.Fatal(err)
		}
		if err := s.Shell(); err != nil {
			t.Fatal(err)
		}
		return s, in, out
	}
	for i := 0; i < 5; i++ {
		s, in, out := shell()
		defer s.Close()
		fmt.Fprint(in, "show users | include admin\r")
		waitScreen(t, out, fmt.Sprintf("*  %d vty %d     admin", i+2, i))
	}
	s, _, out := shell()
	done := make(chan error, 1)
	go func() { done <- s.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second): // wall-clock-ok: a shell that is never closed fails the test
		t.Fatal("a sixth shell with vty 0-4 busy was not closed")
	}
	if out.String() != "" {
		t.Errorf("the refused shell showed %q", out.String())
	}
	if out := run(l.Node("spoke-1"), "telnet 172.16.1.1"); !strings.Contains(out, "Open\n% Connection refused by remote host\n") || strings.Contains(out, "closed by foreign host") {
		t.Errorf("telnet to a router with every vty busy:\n%s", out)
	}
}

func waitScreen(t *testing.T, b *syncBuffer, want string) {
	t.Helper()
	timeout := time.After(10 * time.Second) // wall-clock-ok: a screen that never shows want fails the test
	for !strings.Contains(strings.ReplaceAll(b.String(), "\r", ""), want) {
		select {
		case <-b.changed:
		case <-timeout:
			t.Fatalf("screen never showed %q:\n%s", want, b.String())
		}
	}
}
