package device_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/clock"
)

// Sessions are limited to the configured vty lines: with `line vty 0 4`
// busy a sixth login is refused (closed at once), and `line vty 5 99` (IOS
// numbers vty lines up to 1869) makes room.
func TestSessionsLimitedToVtyLines(t *testing.T) {
	r := newRouter(t, "ISR-G2", clock.NewFake(start), false, "")
	type held struct {
		pw   *io.PipeWriter
		ch   chanWriter
		done chan struct{}
	}
	var open []held
	for i := 0; i < 5; i++ {
		pr, pw := io.Pipe()
		h := held{pw, make(chanWriter, 100), make(chan struct{})}
		s := cli.New(r, cli.Conn{RW: pipeRW{pr, h.ch}, User: "admin", Remote: "10.0.0.7", Close: func() error { return pr.Close() }})
		go func() { s.Serve(context.Background()); close(h.done) }()
		var screen strings.Builder
		waitFor(t, h.ch, &screen, "R1#")
		open = append(open, h)
	}
	closed := false
	rw := &termRW{Reader: strings.NewReader("show users\r")}
	cli.New(r, cli.Conn{RW: rw, User: "admin", Remote: "10.0.0.9", Close: func() error { closed = true; return nil }}).Serve(context.Background())
	if !closed || rw.out.Len() != 0 {
		t.Errorf("a sixth session with vty 0-4 busy was not refused (closed %v):\n%s", closed, rw.out.String())
	}

	var screen strings.Builder
	io.WriteString(open[0].pw, "configure terminal\rline vty 5 99\rend\r")
	waitFor(t, open[0].ch, &screen, "R1(config-line)#end\nR1#")
	if out := serve(t, r, "show users\r", "admin"); !strings.Contains(out, "vty 5     admin") {
		t.Errorf("with line vty 5 99 the sixth session gets no vty 5:\n%s", out)
	}
	for _, h := range open {
		h.pw.Close()
		<-h.done
	}
}
