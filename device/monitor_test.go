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

// chanWriter hands every write to the test.
type chanWriter chan string

func (c chanWriter) Write(p []byte) (int, error) { c <- string(p); return len(p), nil }

type pipeRW struct {
	io.Reader
	io.Writer
}

// waitFor reads the screen until it contains want.
func waitFor(t *testing.T, ch chanWriter, screen *strings.Builder, want string) {
	t.Helper()
	timeout := time.After(10 * time.Second) // wall-clock-ok: a message that never comes fails the test
	for !strings.Contains(screen.String(), want) {
		select {
		case s := <-ch:
			screen.WriteString(strings.ReplaceAll(s, "\r", ""))
		case <-timeout:
			t.Fatalf("screen never showed %q:\n%s", want, screen.String())
		}
	}
}

func TestTerminalMonitorShowsOtherSessionsLogs(t *testing.T) {
	r := newRouter(t, "ISR-G2", clock.NewFake(start), false, "")
	pr, pw := io.Pipe()
	ch := make(chanWriter, 100)
	a := cli.New(r, cli.Conn{RW: pipeRW{pr, ch}, User: "admin", Remote: "10.0.0.7", Close: func() error { return pr.Close() }})
	done := make(chan struct{})
	go func() { a.Serve(context.Background()); close(done) }()
	var screen strings.Builder
	io.WriteString(pw, "terminal monitor\r")
	waitFor(t, ch, &screen, "R1#terminal monitor\nR1#")

	// Another session configures the router; A sees the syslog line.
	session(t, r, "configure terminal", "end")
	waitFor(t, ch, &screen, "%SYS-5-CONFIG_I: Configured from console by admin on vty1 (10.0.0.2)")

	// show users lists both lines, A's marked.
	io.WriteString(pw, "show users\r")
	waitFor(t, ch, &screen, "    Line       User       Host(s)              Idle       Location\n*  2 vty 0     admin      idle                 00:00:00 10.0.0.7\n")
	pw.Close()
	<-done
}

func TestPagerFollowsTheWindowUntilTerminalLengthIsSet(t *testing.T) {
	r := newRouter(t, "ISR-G2", clock.NewFake(start), false, "")
	height := 10
	rw := &termRW{Reader: strings.NewReader("show running-config\rq" + "terminal length 0\rshow running-config\r")}
	s := cli.New(r, cli.Conn{RW: rw, User: "admin", Remote: "10.0.0.2", Close: func() error { return nil },
		Window: func() (int, int) { return 80, height }})
	height = 6 // a window-change after the session started
	s.Serve(context.Background())
	out := strings.ReplaceAll(rw.out.String(), "\r", "")
	first := out[:strings.Index(out, " --More-- ")]
	if n := strings.Count(first, "\n"); n != 7 { // the blank line, the command, then 5 lines of output above --More--
		t.Errorf("first page has %d lines, want a 6-line window's worth:\n%s", n, first)
	}
	if strings.Count(out, "--More--") != 1 {
		t.Errorf("terminal length 0 did not stop paging:\n%s", out)
	}
}

// At terminal length 1, each Space at --More-- shows one more line.
func TestPagerAtTerminalLengthOne(t *testing.T) {
	r := newRouter(t, "ISR-G2", clock.NewFake(start), false, "")
	out := serve(t, r, "terminal length 1\rshow running-config\r   q", "admin")
	i := strings.Index(out, "R1#show running-config\n")
	if i < 0 {
		t.Fatalf("no command echo:\n%s", out)
	}
	if n := strings.Count(out[i:], "--More--"); n < 4 {
		t.Fatalf("%d --More-- prompts:\n%s", n, out[i:])
	}
	if !strings.Contains(out[i:], "Building configuration...") || !strings.Contains(out[i:], "Current configuration : ") {
		t.Errorf("Space at --More-- showed nothing:\n%q", out[i:])
	}
}

// stuckWriter passes writes to ch until stuck is closed, then blocks every
// write until free is closed: a client that stops reading.
type stuckWriter struct {
	ch          chanWriter
	stuck, free chan struct{}
}

func (w stuckWriter) Write(p []byte) (int, error) {
	select {
	case <-w.stuck:
		<-w.free
		return 0, io.ErrClosedPipe
	default:
	}
	return w.ch.Write(p)
}

// A terminal monitor whose client never reads must not hold up the device:
// 30,000 configuration cycles of another session still complete, and the
// monitor's queue drops what it cannot show.
func TestStuckMonitorDoesNotFreezeTheDevice(t *testing.T) {
	r := newRouter(t, "ISR-G2", clock.NewFake(start), false, "")
	pr, pw := io.Pipe()
	w := stuckWriter{ch: make(chanWriter, 100), stuck: make(chan struct{}), free: make(chan struct{})}
	a := cli.New(r, cli.Conn{RW: pipeRW{pr, w}, User: "admin", Remote: "10.0.0.7", Close: func() error { return pr.Close() }})
	done := make(chan struct{})
	go func() { a.Serve(context.Background()); close(done) }()
	var screen strings.Builder
	io.WriteString(pw, "terminal monitor\r")
	waitFor(t, w.ch, &screen, "R1#terminal monitor\nR1#")
	close(w.stuck)

	const cycles = 30000
	serve(t, r, strings.Repeat("configure terminal\rend\r", cycles), "admin")
	if n := a.Dropped(); n < cycles-300 {
		t.Errorf("the stuck monitor dropped %d messages, want about %d", n, cycles)
	}
	close(w.free)
	pw.Close()
	<-done
}
