package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/iosemu/iosemu/parser"
)

// chunkRW hands out its input one chunk per Read, as a network connection
// does, and records each Read and Write in order. Like a client that waits
// for the answer to what it sent, it hands out the next chunk only once the
// session has written something after the last one.
type chunkRW struct {
	mu       sync.Mutex
	answered *sync.Cond
	chunks   []string
	events   []string // "read", or "write:TEXT"
	reads    int
	writes   int // since the last read
}

func newChunkRW(chunks ...string) *chunkRW {
	c := &chunkRW{chunks: chunks}
	c.answered = sync.NewCond(&c.mu)
	return c
}

func (c *chunkRW) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.reads > 0 && c.writes == 0 {
		c.answered.Wait()
	}
	if len(c.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.chunks[0])
	c.chunks[0] = c.chunks[0][n:]
	if c.chunks[0] == "" {
		c.chunks = c.chunks[1:]
	}
	c.events = append(c.events, "read")
	c.reads++
	c.writes = 0
	return n, nil
}

func (c *chunkRW) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, "write:"+string(p))
	c.writes++
	c.answered.Broadcast()
	return len(p), nil
}

// What a session does with one chunk of input (a line typed by a script,
// its echo, the command's output, the next prompt) leaves in one write, not
// one per echoed character; nothing is lost or reordered.
func TestTerminalOutputCoalesced(t *testing.T) {
	rw := newChunkRW("configure terminal\r", "hostname S1\rend\r", "show version\r")
	New(newTestHost(), Conn{RW: rw, User: "admin", Close: func() error { return nil }}).Serve(context.Background())
	var screen strings.Builder
	writes := 0
	reads := 0
	for i, e := range rw.events {
		if e == "read" {
			reads++
			writes = 0
			continue
		}
		screen.WriteString(strings.TrimPrefix(e, "write:"))
		if writes++; writes > 1 && reads > 0 {
			t.Errorf("event %d: write %d after read %d: %q", i, writes, reads, e)
		}
	}
	want := "R1#configure terminal\r\nEnter configuration commands, one per line.  End with CNTL/Z.\r\nR1(config)#hostname S1\r\nS1(config)#end\r\nS1#show version\r\nS1#"
	if got := screen.String(); !strings.Contains(got, want) {
		t.Errorf("screen:\n%q\nwant it to hold\n%q", got, want)
	}
}

// A handler that panics costs its command, not the lab: the session says
// so and goes on, the router's lock is free again, and the panic is
// reported with its stack and counted.
func TestHandlerPanicRecovered(t *testing.T) {
	h := newTestHost()
	h.reg.Install(parser.Exec, parser.Command[Handler]{Syntax: "crash", Help: "Crash",
		Handler: func(*Session, parser.Args) { panic("boom") }})
	var reported []string
	prev := OnPanic(func(line string, v any, stack []byte) {
		reported = append(reported, fmt.Sprintf("%s: %v: %t", line, v, strings.Contains(string(stack), "TestHandlerPanicRecovered")))
	})
	defer OnPanic(prev)
	before := Panics()
	rw := &screenRW{Reader: strings.NewReader("crash\rshow version\rcrash\r")}
	New(h, Conn{RW: rw, User: "admin", Close: func() error { return nil }}).Serve(context.Background())
	screen := strings.ReplaceAll(rw.String(), "\r", "")
	if n := strings.Count(screen, "% Internal error: the command failed (boom); iosemu logged it"); n != 2 {
		t.Errorf("%d error lines for two panics:\n%s", n, screen)
	}
	if !strings.Contains(screen, "R1#show version\nR1#crash") {
		t.Errorf("the session did not go on after the panic:\n%s", screen)
	}
	if n := Panics() - before; n != 2 || len(reported) != 2 || reported[0] != "crash: boom: true" {
		t.Errorf("counted %d, reported %q", n, reported)
	}
	if !h.TryLock() {
		t.Error("the router's lock is still held after the panic")
	}
}
