package lab

import (
	"bufio"
	"errors"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// emfileListener fails its first n Accepts with EMFILE.
type emfileListener struct {
	net.Listener
	mu sync.Mutex
	n  int
}

func (e *emfileListener) Accept() (net.Conn, error) {
	e.mu.Lock()
	fail := e.n > 0
	if fail {
		e.n--
	}
	e.mu.Unlock()
	if fail {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	return e.Listener.Accept()
}

// The FTP service rides out EMFILE (backing off, not spinning or stopping)
// and still stops on Close.
func TestFTPServiceRetriesTemporaryAcceptErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	el := &emfileListener{Listener: ln, n: 3}
	srv := newFTPServer(t.TempDir(), "127.0.0.1", nil, slog.New(slog.DiscardHandler))
	done := make(chan error, 1)
	go func() { done <- srv.Serve(el) }()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || !strings.HasPrefix(line, "220 ") {
		t.Fatalf("greeting after EMFILE: %q, %v", line, err)
	}
	srv.Close()
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Serve after Close: %v", err)
	}
}
