package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func ev(cmd, opt byte, data ...byte) telnetEvent { return telnetEvent{cmd: cmd, opt: opt, data: data} }

func TestTelnetDecode(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		data   string
		events []telnetEvent
	}{
		{name: "plain", in: "show version", data: "show version"},
		{name: "CR NUL", in: "a\r\x00b", data: "a\rb"},
		{name: "CR LF", in: "a\r\nb", data: "a\rb"},
		{name: "lone CR", in: "a\rb", data: "a\rb"},
		{name: "CR CR LF", in: "\r\r\n", data: "\r\r"},
		{name: "bare LF kept", in: "a\nb", data: "a\nb"},
		{name: "NUL not after CR kept", in: "a\x00", data: "a\x00"},
		{name: "IAC IAC", in: "a\xff\xffb", data: "a\xffb"},
		{name: "CR IAC IAC", in: "\r\xff\xff\n", data: "\r\xff\n"},
		{name: "option verbs", in: "\xff\xfd\x01\xff\xfe\x03x\xff\xfb\x1f\xff\xfc\x18",
			data: "x", events: []telnetEvent{ev(tnDO, optEcho), ev(tnDONT, optSGA), ev(tnWILL, optNAWS), ev(tnWONT, optTTYPE)}},
		{name: "NAWS", in: "\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0ok",
			data: "ok", events: []telnetEvent{ev(tnSB, optNAWS, 0, 80, 0, 24)}},
		{name: "NAWS with escaped 255", in: "\xff\xfa\x1f\x00\xff\xff\x00\x18\xff\xf0",
			events: []telnetEvent{ev(tnSB, optNAWS, 0, 255, 0, 24)}},
		{name: "TTYPE IS", in: "\xff\xfa\x18\x00XTERM\xff\xf0",
			events: []telnetEvent{ev(tnSB, optTTYPE, 0, 'X', 'T', 'E', 'R', 'M')}},
		{name: "CR NUL around SB", in: "\r\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0\x00z",
			data: "\rz", events: []telnetEvent{ev(tnSB, optNAWS, 0, 80, 0, 24)}},
		{name: "commands", in: "\xff\xf1a\xff\xf6b\xff\xf3\xff\xf9\xff\xf2\xff\xf5",
			data: "ab", events: []telnetEvent{ev(tnNOP, 0), ev(tnAYT, 0), ev(tnBRK, 0), ev(tnGA, 0), ev(tnDM, 0), ev(tnAO, 0)}},
		{name: "IP EC EL as keys", in: "ab\xff\xf7\xff\xf8\xff\xf4", data: "ab\x08\x15\x03"},
		{name: "stray SE and non-command", in: "a\xff\xf0b\xff\x41c", data: "abc"},
		{name: "unterminated SB ended by command", in: "\xff\xfa\x1f\x00\x50\xff\xfd\x01x",
			data: "x", events: []telnetEvent{ev(tnDO, optEcho)}},
		{name: "half-sent sequence waits", in: "ab\xff", data: "ab"},
		{name: "half-sent SB waits", in: "ab\xff\xfa\x1f\x00", data: "ab"},
		{name: "endless SB abandoned", in: "\xff\xfa\x18" + strings.Repeat("x", maxSubneg+1) + "tail",
			data: "tail"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d telnetDecoder
			data, events := d.decode(nil, nil, []byte(tt.in))
			if string(data) != tt.data {
				t.Errorf("data %q, want %q", data, tt.data)
			}
			if !eventsEqual(events, tt.events) {
				t.Errorf("events %v, want %v", events, tt.events)
			}
			// Byte-at-a-time input must decode the same.
			var d1 telnetDecoder
			var data1 []byte
			var events1 []telnetEvent
			for i := range len(tt.in) {
				data1, events1 = d1.decode(data1, events1, []byte{tt.in[i]})
			}
			if string(data1) != tt.data || !eventsEqual(events1, tt.events) {
				t.Errorf("byte at a time: %q %v", data1, events1)
			}
		})
	}
}

func eventsEqual(a, b []telnetEvent) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].cmd != b[i].cmd || a[i].opt != b[i].opt || !bytes.Equal(a[i].data, b[i].data) {
			return false
		}
	}
	return true
}

func FuzzTelnetDecode(f *testing.F) {
	for _, seed := range []string{
		"show version\r\n", "a\r\x00b", "\xff\xff", "\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0",
		"\xff\xfd\x01\xff\xfb\x18", "\xff\xfa\x18\x00XTERM\xff\xf0", "\xff", "\xff\xfa", "\xff\xfa\xff\xff\xf0",
		"\xff\xf6\xff\xf4\r",
	} {
		f.Add([]byte(seed), uint8(3))
	}
	f.Fuzz(func(t *testing.T, in []byte, split uint8) {
		var whole telnetDecoder
		data, events := whole.decode(nil, nil, in)
		// Splitting the input anywhere must not change the result.
		var parts telnetDecoder
		var pdata []byte
		var pevents []telnetEvent
		step := int(split)%7 + 1
		for i := 0; i < len(in); i += step {
			pdata, pevents = parts.decode(pdata, pevents, in[i:min(i+step, len(in))])
		}
		if !bytes.Equal(data, pdata) || !eventsEqual(events, pevents) {
			t.Fatalf("split by %d changed the result: %q %v vs %q %v", step, data, events, pdata, pevents)
		}
		if len(data) > len(in) {
			t.Fatalf("decoded %d bytes from %d", len(data), len(in))
		}
		if !bytes.ContainsAny(in, "\xff\r") && !bytes.Equal(data, in) {
			t.Fatalf("plain input changed: %q -> %q", in, data)
		}
		for _, e := range events {
			if len(e.data) > maxSubneg {
				t.Fatalf("subnegotiation of %d bytes", len(e.data))
			}
		}
		// The negotiator must answer anything without panicking or
		// replying to its own replies forever.
		var n telnetNegotiator
		n.start()
		for _, e := range events {
			if reply := n.handle(e); len(reply) > 16 {
				t.Fatalf("reply too long: %q", reply)
			}
		}
	})
}

func TestTelnetNegotiator(t *testing.T) {
	tests := []struct {
		name        string
		events      []telnetEvent
		replies     string // concatenated
		settled     bool
		echo, naws  optState
		clientTType optState
	}{
		{name: "nothing answered", echo: optWantYes, naws: optWantYes, clientTType: optWantYes},
		{
			name:    "telnetlib refuses everything",
			events:  []telnetEvent{ev(tnDONT, optEcho), ev(tnDONT, optSGA), ev(tnWONT, optTTYPE), ev(tnWONT, optNAWS)},
			settled: true,
		},
		{
			name: "inetutils accepts",
			events: []telnetEvent{ev(tnDO, optEcho), ev(tnDO, optSGA), ev(tnWILL, optTTYPE), ev(tnWILL, optNAWS),
				ev(tnSB, optNAWS, 0, 80, 0, 24), ev(tnSB, optTTYPE, 0, 'X')},
			replies: "\xff\xfa\x18\x01\xff\xf0",
			settled: true, echo: optYes, naws: optYes, clientTType: optYes,
		},
		{
			name:    "NAWS agreed but size not sent yet",
			events:  []telnetEvent{ev(tnDO, optEcho), ev(tnDO, optSGA), ev(tnWONT, optTTYPE), ev(tnWILL, optNAWS)},
			echo:    optYes,
			naws:    optYes,
			settled: false,
		},
		{
			name:    "unsupported options refused once",
			events:  []telnetEvent{ev(tnDO, 0), ev(tnWILL, 39), ev(tnDO, 0), ev(tnDONT, 5), ev(tnWONT, 6)},
			replies: "\xff\xfc\x00\xff\xfe\x27\xff\xfc\x00",
			echo:    optWantYes, naws: optWantYes, clientTType: optWantYes,
		},
		{
			name: "echo turned off later and on again",
			events: []telnetEvent{ev(tnDO, optEcho), ev(tnDO, optSGA), ev(tnWONT, optTTYPE), ev(tnWONT, optNAWS),
				ev(tnDONT, optEcho), ev(tnDONT, optEcho), ev(tnDO, optEcho)},
			replies: "\xff\xfc\x01\xff\xfb\x01",
			settled: true, echo: optYes,
		},
		{
			name: "client offers SGA and NAWS late",
			events: []telnetEvent{ev(tnDONT, optEcho), ev(tnDONT, optSGA), ev(tnWONT, optTTYPE), ev(tnWONT, optNAWS),
				ev(tnWILL, optSGA), ev(tnWILL, optNAWS), ev(tnWILL, optNAWS), ev(tnWONT, optNAWS)},
			replies: "\xff\xfd\x03\xff\xfd\x1f\xff\xfe\x1f",
			settled: true,
		},
		{name: "are you there", events: []telnetEvent{ev(tnAYT, 0)}, replies: "\r\n[Yes]\r\n",
			echo: optWantYes, naws: optWantYes, clientTType: optWantYes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n telnetNegotiator
			if got := n.start(); string(got) != "\xff\xfb\x01\xff\xfb\x03\xff\xfd\x18\xff\xfd\x1f" {
				t.Fatalf("start %q", got)
			}
			var replies []byte
			for _, e := range tt.events {
				replies = append(replies, n.handle(e)...)
			}
			if string(replies) != tt.replies {
				t.Errorf("replies %q, want %q", replies, tt.replies)
			}
			if n.settled() != tt.settled {
				t.Errorf("settled %v, want %v", n.settled(), tt.settled)
			}
			if n.us[optEcho] != tt.echo || n.him[optNAWS] != tt.naws || n.him[optTTYPE] != tt.clientTType {
				t.Errorf("echo %v naws %v ttype %v, want %v %v %v", n.us[optEcho], n.him[optNAWS], n.him[optTTYPE], tt.echo, tt.naws, tt.clientTType)
			}
		})
	}
}

// rawTelnet is a scripted telnet client on a plain TCP connection.
type rawTelnet struct {
	t    testing.TB
	conn net.Conn
	sc   *screen
}

func dialTelnet(t testing.TB, addr string) *rawTelnet {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &rawTelnet{t: t, conn: conn, sc: newScreen(conn)}
}

func (r *rawTelnet) send(s string) {
	r.t.Helper()
	if _, err := r.conn.Write([]byte(s)); err != nil {
		r.t.Fatal(err)
	}
}

const (
	offer        = "\xff\xfb\x01\xff\xfb\x03\xff\xfd\x18\xff\xfd\x1f"
	refuseAll    = "\xff\xfe\x01\xff\xfe\x03\xff\xfc\x18\xff\xfc\x1f"
	acceptAll    = "\xff\xfd\x01\xff\xfd\x03\xff\xfb\x18\xff\xfb\x1f"
	naws80x24    = "\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0"
	ttypeSendReq = "\xff\xfa\x18\x01\xff\xf0"
)

func startTelnet(t testing.TB, mod func(*TelnetServer)) string {
	t.Helper()
	srv := &TelnetServer{Handler: HandlerFunc(testHandler), NegotiationTimeout: time.Hour}
	if mod != nil {
		mod(srv)
	}
	return startServer(t, srv)
}

// login answers the test handler's Username:/Password: dialog.
func (r *rawTelnet) login(enter string) {
	r.t.Helper()
	r.sc.waitFor(r.t, "Username: ")
	r.send("admin" + enter)
	r.sc.waitFor(r.t, "admin\r\nPassword: ")
	r.send("cisco" + enter)
	r.sc.waitFor(r.t, "\r\nwelcome admin\r\n")
}

func TestTelnetClients(t *testing.T) {
	tests := []struct {
		name      string
		answer    string // sent after the offer arrives
		afterReq  string // sent after the TTYPE SEND request
		enter     string
		wantStart string
	}{
		{
			// python telnetlib (netmiko) refuses every option and sends CR LF.
			name: "telnetlib", answer: refuseAll, enter: "\r\n",
			wantStart: "transport=telnet term= size=0x0\r\nRouter>",
		},
		{
			// scrapligo answers at open only and sends LF.
			name: "scrapligo", answer: refuseAll, enter: "\n",
			wantStart: "transport=telnet term= size=0x0\r\nRouter>",
		},
		{
			// a full client: char mode, NAWS, terminal type, CR NUL.
			name: "full client", answer: acceptAll + naws80x24, afterReq: "\xff\xfa\x18\x00VT100\xff\xf0", enter: "\r\x00",
			wantStart: "transport=telnet term=vt100 size=80x24\r\nRouter>",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// NegotiationTimeout is an hour: the session only starts in
			// time if the answers settle the negotiation.
			addr := startTelnet(t, nil)
			r := dialTelnet(t, addr)
			r.sc.waitFor(t, offer)
			r.send(tt.answer)
			if tt.afterReq != "" {
				r.sc.waitFor(t, ttypeSendReq)
				r.send(tt.afterReq)
			}
			r.login(tt.enter)
			r.sc.waitFor(t, tt.wantStart)
			// character at a time: each keystroke is echoed on its own.
			for _, c := range "show" {
				r.send(string(c))
				r.sc.waitFor(t, string(c))
			}
			r.send("?")
			r.sc.waitFor(t, "?\r\nhelp for \"show\"\r\nRouter>show")
			r.send(" clock" + tt.enter)
			r.sc.waitFor(t, " clock\r\necho: show clock\r\nRouter>")
			r.send("exit" + tt.enter)
			r.sc.waitFor(t, "exit\r\n")
			waitClosed(t, r.sc)
		})
	}
}

func TestTelnetResizeAndControl(t *testing.T) {
	addr := startTelnet(t, nil)
	r := dialTelnet(t, addr)
	r.sc.waitFor(t, offer)
	r.send(acceptAll + naws80x24)
	r.sc.waitFor(t, ttypeSendReq)
	r.send("\xff\xfa\x18\x00XTERM\xff\xf0")
	r.login("\r\x00")
	r.sc.waitFor(t, "term=xterm size=80x24\r\nRouter>")

	// A later NAWS is a resize.
	r.send("\xff\xfa\x1f\x00\x84\x00\x32\xff\xf0")
	r.sc.waitFor(t, "[resized 132x50]")
	// IAC NOP, AYT and a stray SE do not disturb the session; AYT is
	// answered.
	r.send("\xff\xf1ter\xff\xf6m\xff\xf0\r\x00")
	r.sc.waitFor(t, "[Yes]")
	r.sc.waitFor(t, "term=xterm\r\n")
	// A half-sent sequence does not hold back the keystrokes before it.
	r.send("wind\xff")
	r.sc.waitFor(t, "wind")
	r.send("\xf1ow\r\n")
	r.sc.waitFor(t, "window=132x50\r\n")
	// IAC EL erases the line; 0xFF written by the handler is escaped.
	r.send("junk\xff\xf8")
	r.send("x\xff\xffy\r\n")
	r.sc.waitFor(t, "junk\r\nRouter>x\xff\xffy\r\necho: x\xff\xffy\r\n")
}

func TestTelnetNegotiationTimeout(t *testing.T) {
	// A client that never answers still gets a session.
	addr := startTelnet(t, func(s *TelnetServer) { s.NegotiationTimeout = time.Millisecond })
	r := dialTelnet(t, addr)
	r.sc.waitFor(t, offer)
	r.login("\r\n")
	r.sc.waitFor(t, "term= size=0x0\r\nRouter>")
}

func TestTelnetSessionCloseAndServerClose(t *testing.T) {
	started := make(chan *Session, 1)
	ended := make(chan error, 1)
	srv := &TelnetServer{NegotiationTimeout: time.Hour, Handler: HandlerFunc(func(ctx context.Context, s *Session) {
		s.Exit(5) // no-op for telnet
		fmt.Fprint(s, "hello\r\n")
		started <- s
		<-ctx.Done()
		_, err := s.Read(make([]byte, 1))
		ended <- err
	})}
	addr := startServer(t, srv)

	r := dialTelnet(t, addr)
	r.sc.waitFor(t, offer)
	r.send(refuseAll)
	r.sc.waitFor(t, "hello\r\n")
	s := <-started
	if s.User != "" || s.Transport != TransportTelnet || s.RemoteAddr == nil {
		t.Errorf("session %+v", s)
	}
	// Session.Close closes the connection: the client sees EOF, the
	// handler's context ends.
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := <-ended; err == nil {
		t.Error("read after Close succeeded")
	}
	r.sc.waitFor(t, "") // drain
	waitClosed(t, r.sc)

	// Server Close ends live sessions.
	r2 := dialTelnet(t, addr)
	r2.sc.waitFor(t, offer)
	r2.send(refuseAll)
	<-started
	if err := srv.Close(); err != nil {
		t.Errorf("server Close: %v", err)
	}
	<-ended
	waitClosed(t, r2.sc)
}

func waitClosed(t testing.TB, sc *screen) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	for {
		sc.mu.Lock()
		err := sc.err
		sc.mu.Unlock()
		if err != nil {
			return
		}
		select {
		case <-sc.changed:
		case <-ctx.Done():
			t.Fatal("connection not closed")
		}
	}
}

func TestTelnetServeRequiresHandler(t *testing.T) {
	var srv TelnetServer
	l := listen(t)
	defer l.Close()
	if err := srv.Serve(l); err == nil || errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve without handler: %v", err)
	}
}

func TestTelnetWriteEscapesIAC(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain\r\n", "plain\r\n"},
		{"\xff", "\xff\xff"},
		{"a\xffb\xff", "a\xff\xffb\xff\xff"},
		{"", ""},
	}
	for _, tt := range tests {
		client, srv := net.Pipe()
		tc := newTelnetConn(srv, loggerOrDiscard(nil))
		got := make(chan []byte, 1)
		go func() {
			var all []byte
			buf := make([]byte, 64)
			for {
				n, err := client.Read(buf)
				all = append(all, buf[:n]...)
				if err != nil {
					got <- all
					return
				}
			}
		}()
		n, err := tc.Write([]byte(tt.in))
		srv.Close()
		if n != len(tt.in) || err != nil {
			t.Errorf("Write(%q) = %d, %v", tt.in, n, err)
		}
		if g := <-got; !reflect.DeepEqual(string(g), tt.want) {
			t.Errorf("Write(%q) sent %q, want %q", tt.in, g, tt.want)
		}
	}
}

// A login that is not completed ends at the login deadline: the handler's
// reads fail with os.ErrDeadlineExceeded.
func TestTelnetLoginTimeout(t *testing.T) {
	ended := make(chan error, 1)
	srv := &TelnetServer{NegotiationTimeout: time.Hour, LoginTimeout: 50 * time.Millisecond,
		Handler: HandlerFunc(func(ctx context.Context, s *Session) {
			if s.LoggedIn == nil {
				t.Error("telnet session without a LoggedIn hook")
			}
			fmt.Fprint(s, "Username: ")
			_, err := io.ReadAll(s)
			ended <- err
		})}
	addr := startServer(t, srv)
	r := dialTelnet(t, addr)
	r.sc.waitFor(t, offer)
	r.send(refuseAll)
	r.sc.waitFor(t, "Username: ")
	select {
	case err := <-ended:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("read ended with %v, want the login deadline", err)
		}
	case <-time.After(testTimeout): // wall-clock-ok: a login that never times out fails the test
		t.Fatal("the login never timed out")
	}
	waitClosed(t, r.sc)
}

// A client that stops reading makes the session's writes fail at the write
// deadline instead of blocking for ever.
func TestTelnetWriteTimeout(t *testing.T) {
	ended := make(chan error, 1)
	srv := &TelnetServer{NegotiationTimeout: time.Millisecond, WriteTimeout: 50 * time.Millisecond,
		Handler: HandlerFunc(func(ctx context.Context, s *Session) {
			chunk := bytes.Repeat([]byte("x"), 1<<20)
			for {
				if _, err := s.Write(chunk); err != nil {
					ended <- err
					return
				}
			}
		})}
	addr := startServer(t, srv)
	conn, err := net.Dial("tcp", addr) // never read
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	select {
	case err := <-ended:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("write ended with %v, want the write deadline", err)
		}
	case <-time.After(testTimeout): // wall-clock-ok: a write that never times out fails the test
		t.Fatal("writes to a client that does not read never timed out")
	}
}
