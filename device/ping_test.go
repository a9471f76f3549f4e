package device_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/clock"
)

// TestPingStreamsAndStops: a ping with IOS's largest repeat shows its marks
// as they come, leaves the router to other sessions meanwhile, and stops on
// the IOS escape sequence (Ctrl-^) with the statistics so far.
func TestPingStreamsAndStops(t *testing.T) {
	r := newRouter(t, "ISR-G2", clock.NewFake(start), false, "")
	for _, abort := range []string{"\x1e", "\x03"} {
		pr, pw := io.Pipe()
		ch := make(chanWriter, 100)
		a := cli.New(r, cli.Conn{RW: pipeRW{pr, ch}, User: "oper", Remote: "10.0.0.7", Close: func() error { return pr.Close() }})
		done := make(chan struct{})
		go func() { a.Serve(context.Background()); close(done) }()
		var screen strings.Builder
		io.WriteString(pw, "ping 172.16.1.1 repeat 2147483647\r")
		waitFor(t, ch, &screen, "Sending 2147483647, 100-byte ICMP Echos to 172.16.1.1, timeout is 2 seconds:\n!!!!!")

		// The device lock is free between echoes: another session runs.
		if out := session(t, r, "show users"); !strings.Contains(out, "oper") {
			t.Errorf("show users during a ping:\n%s", out)
		}
		io.WriteString(pw, abort)
		waitFor(t, ch, &screen, "Success rate is 100 percent (")
		waitFor(t, ch, &screen, "), round-trip min/avg/max = 1/1/1 ms\nR1>")
		pw.Close()
		for ended := false; !ended; {
			select {
			case <-done:
				ended = true
			case <-ch:
			}
		}
	}
}

func TestPingBounds(t *testing.T) {
	r := newRouter(t, "ISR-G2", clock.NewFake(start), false, "")
	out := session(t, r, "ping 172.16.1.1 timeout 0 repeat 1 size 36", "ping 172.16.1.1 repeat 0", "ping 172.16.1.1 size 18025", "ping 172.16.1.1 timeout 3601", "ping 172.16.1.1 | include Success")
	for _, want := range []string{
		"Sending 1, 36-byte ICMP Echos to 172.16.1.1, timeout is 0 seconds:\n!\nSuccess rate is 100 percent (1/1)",
		"R1#ping 172.16.1.1 repeat 0\n                          ^\n% Invalid input",
		"R1#ping 172.16.1.1 size 18025\n                        ^\n% Invalid input",
		"R1#ping 172.16.1.1 timeout 3601\n                           ^\n% Invalid input",
		"R1#ping 172.16.1.1 | include Success\n                   ^\n% Invalid input",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}

// failingWriter takes n writes, then fails every one: a client gone away.
type failingWriter struct{ n *int }

func (w failingWriter) Write(p []byte) (int, error) {
	if *w.n <= 0 {
		return 0, io.ErrClosedPipe
	}
	*w.n--
	return len(p), nil
}

// A ping whose client goes away stops, and its session ends.
func TestPingStopsWhenTheClientGoes(t *testing.T) {
	r := newRouter(t, "ISR-G2", clock.NewFake(start), false, "")
	pr, pw := io.Pipe()
	defer pw.Close()
	n := 50
	s := cli.New(r, cli.Conn{RW: pipeRW{pr, failingWriter{&n}}, User: "admin", Remote: "10.0.0.7", Close: func() error { return nil }})
	done := make(chan struct{})
	go func() { s.Serve(context.Background()); close(done) }()
	io.WriteString(pw, "ping 172.16.1.1 repeat 2147483647\r")
	select {
	case <-done:
	case <-time.After(10 * time.Second): // wall-clock-ok: a ping that never stops fails the test
		t.Fatal("the ping went on after its client went away")
	}
}
