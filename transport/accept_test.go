package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// flakyListener fails its first n Accepts with EMFILE, as a process out of
// file descriptors does, then accepts normally.
type flakyListener struct {
	net.Listener
	mu    sync.Mutex
	fails int
	calls int
}

func (f *flakyListener) Accept() (net.Conn, error) {
	f.mu.Lock()
	f.calls++
	fail := f.fails > 0
	if fail {
		f.fails--
	}
	f.mu.Unlock()
	if fail {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	return f.Listener.Accept()
}

func TestTemporaryAcceptError(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&net.OpError{Op: "accept", Err: os.NewSyscallError("accept4", syscall.EMFILE)}, true},
		{&net.OpError{Op: "accept", Err: os.NewSyscallError("accept4", syscall.ENFILE)}, true},
		{&net.OpError{Op: "accept", Err: os.NewSyscallError("accept4", syscall.ECONNABORTED)}, true},
		{net.ErrClosed, false},
		{fmt.Errorf("wrapped: %w", net.ErrClosed), false},
		{errors.New("bad listener"), false},
		{nil, false},
	} {
		if got := TemporaryAcceptError(tc.err); got != tc.want {
			t.Errorf("TemporaryAcceptError(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestAcceptBackoffSchedule(t *testing.T) {
	var b AcceptBackoff
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // Wait returns at once; the schedule still advances
	var got []time.Duration
	for range 10 {
		b.Wait(ctx)
		got = append(got, b.Delay())
	}
	want := []time.Duration{5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000}
	for i := range want {
		if got[i] != want[i]*time.Millisecond {
			t.Fatalf("delays %v, want %v ms", got, want)
		}
	}
	b.Reset()
	if b.Delay() != 0 {
		t.Fatal("Reset did not start over")
	}
}

// A server whose listener reports EMFILE keeps serving once descriptors are
// back: the accept loop backs off and retries instead of returning.
func TestServeSurvivesTemporaryAcceptErrors(t *testing.T) {
	for _, kind := range []string{"telnet", "ssh"} {
		t.Run(kind, func(t *testing.T) {
			var s server
			if kind == "telnet" {
				s = &TelnetServer{Handler: HandlerFunc(testHandler)}
			} else {
				s = &SSHServer{HostKey: testHostKey(t), Auth: ciscoAuth, Handler: HandlerFunc(testHandler)}
			}
			fl := &flakyListener{Listener: listen(t), fails: 4}
			done := make(chan error, 1)
			go func() { done <- s.Serve(fl) }()
			addr := fl.Addr().String()
			if kind == "telnet" {
				c, err := net.DialTimeout("tcp", addr, testTimeout)
				if err != nil {
					t.Fatal(err)
				}
				c.SetDeadline(time.Now().Add(testTimeout)) // wall-clock-ok: test network deadline
				buf := make([]byte, 1)
				if _, err := c.Read(buf); err != nil {
					t.Fatalf("no byte from the telnet server after EMFILE: %v", err)
				}
				c.Close()
			} else {
				cfg := &ssh.ClientConfig{User: "admin", Auth: []ssh.AuthMethod{ssh.Password("cisco")},
					HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: testTimeout}
				cl, err := ssh.Dial("tcp", addr, cfg)
				if err != nil {
					t.Fatalf("ssh login after EMFILE: %v", err)
				}
				cl.Close()
			}
			fl.mu.Lock()
			calls := fl.calls
			fl.mu.Unlock()
			if calls < 5 {
				t.Fatalf("Accept called %d times, want the 4 failures and a success", calls)
			}
			s.Close()
			if err := <-done; !errors.Is(err, ErrServerClosed) {
				t.Fatalf("Serve returned %v, want ErrServerClosed", err)
			}
		})
	}
}
