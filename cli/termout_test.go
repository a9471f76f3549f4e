package cli

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"
)

// chunkRW hands out its input one chunk per Read, as a network connection
// does, and records each Read and Write in order.
type chunkRW struct {
	mu     sync.Mutex
	chunks []string
	events []string // "read", or "write:TEXT"
}

func (c *chunkRW) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.chunks[0])
	c.chunks[0] = c.chunks[0][n:]
	if c.chunks[0] == "" {
		c.chunks = c.chunks[1:]
	}
	c.events = append(c.events, "read")
	return n, nil
}

func (c *chunkRW) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, "write:"+string(p))
	return len(p), nil
}

// What a session does with one chunk of input (a line typed by a script,
// its echo, the command's output, the next prompt) leaves in one write, not
// one per echoed character; nothing is lost or reordered.
func TestTerminalOutputCoalesced(t *testing.T) {
	rw := &chunkRW{chunks: []string{"configure terminal\r", "hostname S1\rend\r", "show version\r"}}
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
