package transport

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// testTimeout bounds every wait in these tests.
const testTimeout = 20 * time.Second

var (
	hostKeyOnce   sync.Once
	hostKeySigner ssh.Signer
)

// testHostKey returns one RSA 2048 host key shared by the tests.
func testHostKey(t testing.TB) ssh.Signer {
	t.Helper()
	hostKeyOnce.Do(func() {
		key, err := rsa.GenerateKey(rand.Reader, HostKeyBits)
		if err != nil {
			panic(err)
		}
		hostKeySigner, err = ssh.NewSignerFromKey(key)
		if err != nil {
			panic(err)
		}
	})
	return hostKeySigner
}

// requireBinary skips without the binary, but fails in CI.
func requireBinary(t *testing.T, names ...string) {
	t.Helper()
	for _, name := range names {
		if _, err := exec.LookPath(name); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is required in CI: %v", name, err)
			}
			t.Skipf("%s not installed", name)
		}
	}
}

func listen(t testing.TB) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// server is what startServer needs from SSHServer and TelnetServer.
type server interface {
	Serve(net.Listener) error
	Close() error
}

// startServer serves on a loopback port and closes the server at cleanup,
// checking that Serve returned ErrServerClosed.
func startServer(t testing.TB, s server) string {
	t.Helper()
	l := listen(t)
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return l.Addr().String()
}

// ciscoAuth accepts admin/cisco only.
var ciscoAuth = AuthenticatorFunc(func(user, password string, _ net.Addr) bool {
	return user == "admin" && password == "cisco"
})

// testHandler is a tiny IOS-like session used by every test:
//   - exec: "show version" prints a line; "exit N" exits with status N;
//   - shell: prints term and size, then reads lines (echoing each
//     character as it arrives), answering "window", "term", "exit";
//     "?" is answered at once, without Enter (as IOS does);
//   - telnet: first runs a Username:/Password: dialog.
//
// Window changes are reported asynchronously as "[resized WxH]".
func testHandler(ctx context.Context, s *Session) {
	var wmu sync.Mutex
	write := func(format string, args ...any) {
		wmu.Lock()
		defer wmu.Unlock()
		fmt.Fprintf(s, format, args...)
	}
	if s.Command != "" {
		var status int
		switch {
		case s.Command == "show version":
			write("Cisco IOS Software, test handler, user %s\r\n", s.User)
		case strings.HasPrefix(s.Command, "exit "):
			fmt.Sscanf(s.Command, "exit %d", &status)
		default:
			write("%% Invalid input: %s\r\n", s.Command)
			status = 1
		}
		s.Exit(status)
		return
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case <-s.Resized:
				w, h := s.Window()
				write("\r\n[resized %dx%d]\r\n", w, h)
			case <-done:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	lr := &lineReader{r: s, echo: func(b []byte) { wmu.Lock(); s.Write(b); wmu.Unlock() }}
	if s.Transport == TransportTelnet {
		write("\r\nUser Access Verification\r\n\r\nUsername: ")
		user, err := lr.line(true)
		if err != nil {
			return
		}
		write("Password: ")
		if _, err := lr.line(false); err != nil {
			return
		}
		write("\r\nwelcome %s\r\n", user)
	}
	w, h := s.Window()
	write("transport=%s term=%s size=%dx%d\r\nRouter>", s.Transport, s.Term, w, h)
	for {
		line, err := lr.line(true)
		if err != nil {
			return
		}
		switch {
		case line == "exit":
			s.Close()
			return
		case line == "window":
			w, h := s.Window()
			write("window=%dx%d\r\n", w, h)
		case line == "term":
			write("term=%s\r\n", s.Term)
		default:
			write("echo: %s\r\n", line)
		}
		write("Router>")
	}
}

// lineReader reads keystrokes one at a time.
type lineReader struct {
	r      io.Reader
	echo   func([]byte)
	buf    []byte
	lastCR bool
}

func (lr *lineReader) byte() (byte, error) {
	for len(lr.buf) == 0 {
		p := make([]byte, 256)
		n, err := lr.r.Read(p)
		lr.buf = append(lr.buf, p[:n]...)
		if n == 0 && err != nil {
			return 0, err
		}
	}
	b := lr.buf[0]
	lr.buf = lr.buf[1:]
	return b, nil
}

// line reads up to Enter ("\r", or "\n" not right after "\r"); "?" is
// answered immediately with a help line and the line so far retyped.
func (lr *lineReader) line(echo bool) (string, error) {
	var line []byte
	for {
		b, err := lr.byte()
		if err != nil {
			return "", err
		}
		wasCR := lr.lastCR
		lr.lastCR = b == '\r'
		switch {
		case b == '\n' && wasCR:
		case b == '\r' || b == '\n':
			lr.echo([]byte("\r\n"))
			return string(line), nil
		case b == '?' && echo:
			lr.echo([]byte(fmt.Sprintf("?\r\nhelp for %q\r\nRouter>%s", line, line)))
		case b == 0x15: // Ctrl-U
			if echo {
				lr.echo([]byte("\r\nRouter>"))
			}
			line = line[:0]
		case b == 0x7f || b == 0x08:
			if len(line) > 0 {
				line = line[:len(line)-1]
				if echo {
					lr.echo([]byte("\b \b"))
				}
			}
		default:
			line = append(line, b)
			if echo {
				lr.echo([]byte{b})
			}
		}
	}
}

// screen collects everything read from r and lets tests wait for text.
type screen struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
	err     error
}

func newScreen(r io.Reader) *screen {
	sc := &screen{changed: make(chan struct{}, 1)}
	go func() {
		p := make([]byte, 4096)
		for {
			n, err := r.Read(p)
			sc.mu.Lock()
			sc.buf.Write(p[:n])
			if err != nil {
				sc.err = err
			}
			sc.mu.Unlock()
			select {
			case sc.changed <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()
	return sc
}

func (sc *screen) String() string {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return sc.buf.String()
}

// waitFor waits until the screen contains want and returns everything
// after it, consuming the screen up to there.
func (sc *screen) waitFor(t testing.TB, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	for {
		sc.mu.Lock()
		s, err := sc.buf.String(), sc.err
		if i := strings.Index(s, want); i >= 0 {
			sc.buf.Next(i + len(want))
			sc.mu.Unlock()
			return
		}
		sc.mu.Unlock()
		if err != nil {
			t.Fatalf("waiting for %q: read ended (%v); screen: %q", want, err, s)
		}
		select {
		case <-sc.changed:
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %q; screen: %q", want, s)
		}
	}
}
