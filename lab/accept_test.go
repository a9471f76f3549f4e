package lab

import (
	"net"
	"os"
	"syscall"
	"testing"
)

// emfileListener fails its first n Accepts with EMFILE.
type emfileListener struct {
	net.Listener
	n int
}

func (e *emfileListener) Accept() (net.Conn, error) {
	if e.n > 0 {
		e.n--
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	return e.Listener.Accept()
}

// The FTP service's listener rides out EMFILE (the library's loop would
// otherwise spin on it) and still stops on Close.
func TestFTPListenerRetriesTemporaryErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	el := &emfileListener{Listener: ln, n: 3}
	tl := newTrackingListener(el)
	defer tl.Close()
	go func() {
		if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
			defer c.Close()
			c.Read(make([]byte, 1))
		}
	}()
	c, err := tl.Accept()
	if err != nil {
		t.Fatalf("Accept after EMFILE: %v", err)
	}
	c.Close()
	if el.n != 0 {
		t.Fatalf("%d EMFILE errors left unread", el.n)
	}
	tl.Close()
	if _, err := tl.Accept(); err == nil {
		t.Fatal("Accept after Close succeeded")
	}
}
