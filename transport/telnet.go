package transport

// The telnet option layer. github.com/reiver/go-telnet (the design card's
// choice, v0.0.0-20180421082511-9ff0b2ab096e) was tried first and cannot do
// what IOS clients need:
//   - its Server gives the handler only a Writer that doubles every 0xFF and a
//     Context holding a logger: the raw net.Conn is hidden, so IAC WILL ECHO /
//     WILL SGA / DO NAWS cannot be sent up front (scrapligo negotiates only at
//     connection open; inetutils telnet needs WILL ECHO + WILL SGA for
//     character mode);
//   - its Reader silently discards WILL/WONT/DO/DONT and whole subnegotiations:
//     nothing is answered and NAWS never reaches the session;
//   - its Reader fails the session with "Corrupted" on IAC NOP, AYT, IP, BRK,
//     GA, ... (any command other than option verbs, SB, SE and IAC);
//   - its Reader loops until the caller's buffer is completely full, so a
//     single keystroke is not delivered until len(p) bytes arrived:
//     character-at-a-time echo is impossible;
//   - no CR NUL / CR LF handling, no Close, no way to end live sessions, and
//     its Writer panics on a short write.
// So this file implements RFC 854/855 option handling (RFC 1143 style state
// per option, no loops), RFC 1073 NAWS and RFC 1091 TERMINAL-TYPE directly.

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"
)

// Telnet protocol bytes (RFC 854) and the options used here.
const (
	tnSE   = 240
	tnNOP  = 241
	tnDM   = 242
	tnBRK  = 243
	tnIP   = 244
	tnAO   = 245
	tnAYT  = 246
	tnEC   = 247
	tnEL   = 248
	tnGA   = 249
	tnSB   = 250
	tnWILL = 251
	tnWONT = 252
	tnDO   = 253
	tnDONT = 254
	tnIAC  = 255

	optEcho  = 1
	optSGA   = 3
	optTTYPE = 24
	optNAWS  = 31

	ttypeIS   = 0
	ttypeSEND = 1

	// maxSubneg bounds a subnegotiation; a longer one is abandoned.
	maxSubneg = 256
)

// DefaultLoginTimeout is how long a telnet client has to finish the login
// dialog: IOS closes a vty whose login is not completed within 30 seconds.
const DefaultLoginTimeout = 30 * time.Second

// DefaultWriteTimeout bounds one write to a telnet client; a client that
// stops reading for longer loses its connection.
const DefaultWriteTimeout = time.Minute

// DefaultNegotiationTimeout bounds how long a telnet connection waits for the
// client to answer the initial options before the handler starts.
const DefaultNegotiationTimeout = time.Second

// TelnetServer serves telnet sessions. On connect it sends, as IOS does,
// IAC WILL ECHO, IAC WILL SUPPRESS-GO-AHEAD, IAC DO TERMINAL-TYPE and IAC DO
// NAWS, then waits (at most NegotiationTimeout) for the answers so that the
// session starts with its terminal type and window size known. Later
// negotiation is answered whenever it comes.
type TelnetServer struct {
	Handler Handler      // required
	Logger  *slog.Logger // discards by default
	// NegotiationTimeout: 0 means DefaultNegotiationTimeout.
	NegotiationTimeout time.Duration
	// LoginTimeout: 0 means DefaultLoginTimeout. The connection's reads
	// fail with os.ErrDeadlineExceeded once it passes, until the handler
	// calls Session.LoggedIn.
	LoginTimeout time.Duration
	// WriteTimeout: 0 means DefaultWriteTimeout.
	WriteTimeout time.Duration

	set connSet
}

// Serve accepts connections on l until Close; it then returns
// ErrServerClosed. It closes l.
func (t *TelnetServer) Serve(l net.Listener) error {
	if t.Handler == nil {
		return errors.New("transport: telnet: no handler")
	}
	return serve(l, &t.set, t.handleConn)
}

// Close closes the listeners and every connection. Handlers see their
// contexts cancelled.
func (t *TelnetServer) Close() error { return t.set.close() }

func (t *TelnetServer) handleConn(ctx context.Context, c net.Conn) {
	log := loggerOrDiscard(t.Logger).With("remote", c.RemoteAddr())
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	tc := newTelnetConn(c, log)
	tc.writeTimeout = t.WriteTimeout
	if tc.writeTimeout == 0 {
		tc.writeTimeout = DefaultWriteTimeout
	}
	login := t.LoginTimeout
	if login == 0 {
		login = DefaultLoginTimeout
	}
	_ = c.SetReadDeadline(time.Now().Add(login)) // wall-clock-ok: the network deadline of an unfinished login
	offer := tc.neg.start()
	go func() {
		tc.readLoop()
		cancel()
	}()
	if _, err := tc.writeRaw(offer); err != nil {
		log.Debug("telnet: initial negotiation failed", "err", err)
		return
	}
	timeout := t.NegotiationTimeout
	if timeout == 0 {
		timeout = DefaultNegotiationTimeout
	}
	timer := time.NewTimer(timeout) // wall-clock-ok: network negotiation deadline
	select {
	case <-tc.settled:
	case <-timer.C:
		log.Debug("telnet: negotiation timed out")
	case <-ctx.Done():
	}
	timer.Stop()
	if ctx.Err() != nil {
		return
	}
	select { // the initial NAWS is not a resize
	case <-tc.win.resized:
	default:
	}
	var once sync.Once
	closeConn := func() error {
		var err error
		once.Do(func() {
			err = c.Close()
			tc.pr.Close() // unblocks readLoop if nobody reads
		})
		if errors.Is(err, net.ErrClosed) {
			err = nil
		}
		return err
	}
	sess := &Session{
		ReadWriter: tc,
		RemoteAddr: c.RemoteAddr(),
		Transport:  TransportTelnet,
		Term:       tc.termType(),
		Window:     tc.win.get,
		Resized:    tc.win.resized,
		Close:      closeConn,
		Exit:       func(int) {},
		LoggedIn:   func() { _ = c.SetReadDeadline(time.Time{}) },
	}
	log.Info("telnet session", "term", sess.Term)
	t.Handler.ServeSession(ctx, sess)
	closeConn()
}

// telnetConn is the session side of a telnet connection: reads return
// decoded data, writes escape IAC.
type telnetConn struct {
	c   net.Conn
	log *slog.Logger
	win *window

	wmu          sync.Mutex // serialises writes from the handler and negotiation replies
	writeTimeout time.Duration

	pr *io.PipeReader
	pw *io.PipeWriter

	neg         telnetNegotiator // owned by readLoop after start
	settled     chan struct{}
	settledOnce sync.Once

	tmu  sync.Mutex
	term string
}

func newTelnetConn(c net.Conn, log *slog.Logger) *telnetConn {
	pr, pw := io.Pipe()
	return &telnetConn{c: c, log: log, win: newWindow(), pr: pr, pw: pw, settled: make(chan struct{})}
}

func (tc *telnetConn) termType() string {
	tc.tmu.Lock()
	defer tc.tmu.Unlock()
	return tc.term
}

// Read returns decoded keystrokes.
func (tc *telnetConn) Read(p []byte) (int, error) { return tc.pr.Read(p) }

// Write sends p with 0xFF doubled.
func (tc *telnetConn) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	out := p
	if n := strings.Count(string(p), "\xff"); n > 0 {
		out = make([]byte, 0, len(p)+n)
		for _, b := range p {
			if b == tnIAC {
				out = append(out, tnIAC)
			}
			out = append(out, b)
		}
	}
	if _, err := tc.writeRaw(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (tc *telnetConn) writeRaw(b []byte) (int, error) {
	tc.wmu.Lock()
	defer tc.wmu.Unlock()
	if tc.writeTimeout > 0 {
		_ = tc.c.SetWriteDeadline(time.Now().Add(tc.writeTimeout)) // wall-clock-ok: a client that stops reading
	}
	return tc.c.Write(b)
}

// readLoop decodes the connection until it fails, answering negotiation at
// once and feeding data to Read.
func (tc *telnetConn) readLoop() {
	var dec telnetDecoder
	buf := make([]byte, 4096)
	var data []byte
	var events []telnetEvent
	for {
		n, err := tc.c.Read(buf)
		if n > 0 {
			data, events = dec.decode(data[:0], events[:0], buf[:n])
			for _, ev := range events {
				if ev.cmd == tnSB {
					tc.subnegotiation(ev)
				}
				if reply := tc.neg.handle(ev); len(reply) > 0 {
					if _, werr := tc.writeRaw(reply); werr != nil {
						tc.log.Debug("telnet: reply failed", "err", werr)
					}
				}
			}
			if tc.neg.settled() {
				tc.settledOnce.Do(func() { close(tc.settled) })
			}
			if len(data) > 0 {
				if _, werr := tc.pw.Write(data); werr != nil {
					return // the session side is gone
				}
			}
		}
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				err = io.EOF
			}
			tc.pw.CloseWithError(err)
			return
		}
	}
}

// subnegotiation applies NAWS and TERMINAL-TYPE reports.
func (tc *telnetConn) subnegotiation(ev telnetEvent) {
	switch ev.opt {
	case optNAWS:
		if w, h, ok := parseNAWS(ev.data); ok {
			tc.win.set(w, h)
		}
	case optTTYPE:
		if len(ev.data) > 0 && ev.data[0] == ttypeIS {
			tc.tmu.Lock()
			tc.term = strings.ToLower(string(ev.data[1:]))
			tc.tmu.Unlock()
		}
	}
}

func parseNAWS(b []byte) (width, height int, ok bool) {
	if len(b) != 4 {
		return 0, 0, false
	}
	return int(b[0])<<8 | int(b[1]), int(b[2])<<8 | int(b[3]), true
}

// telnetEvent is a command found in the stream: an option verb (cmd WILL,
// WONT, DO or DONT with opt), a subnegotiation (cmd SB, opt, data) or a
// single command such as AYT.
type telnetEvent struct {
	cmd  byte
	opt  byte
	data []byte
}

type decodeState uint8

const (
	stData  decodeState = iota
	stIAC               // after IAC
	stOpt               // after IAC WILL/WONT/DO/DONT
	stSBOpt             // after IAC SB
	stSB                // inside a subnegotiation
	stSBIAC             // IAC inside a subnegotiation
)

// telnetDecoder is a streaming decoder: input may be split anywhere and a
// partial sequence waits in the state for the next call, so nothing blocks
// on it.
type telnetDecoder struct {
	state   decodeState
	verb    byte
	sbOpt   byte
	sb      []byte
	afterCR bool // a NUL or LF right after CR is dropped
}

// decode appends the data bytes of src to data and the commands to events.
// Enter (CR NUL, CR LF or a lone CR) becomes "\r"; IAC IAC becomes 0xFF;
// IAC IP, IAC EC and IAC EL become Ctrl-C, Backspace and Ctrl-U.
func (d *telnetDecoder) decode(data []byte, events []telnetEvent, src []byte) ([]byte, []telnetEvent) {
	for _, b := range src {
		switch d.state {
		case stData:
			switch {
			case b == tnIAC:
				d.state = stIAC
			case d.afterCR && (b == 0 || b == '\n'):
				d.afterCR = false
			default:
				data = append(data, b)
				d.afterCR = b == '\r'
			}
		case stIAC:
			data, events = d.command(data, events, b)
		case stOpt:
			events = append(events, telnetEvent{cmd: d.verb, opt: b})
			d.state = stData
		case stSBOpt:
			d.sbOpt = b
			d.sb = d.sb[:0]
			d.state = stSB
		case stSB:
			if b == tnIAC {
				d.state = stSBIAC
				continue
			}
			d.sbByte(b)
		case stSBIAC:
			switch b {
			case tnSE:
				events = append(events, telnetEvent{cmd: tnSB, opt: d.sbOpt, data: append([]byte(nil), d.sb...)})
				d.state = stData
			case tnIAC:
				d.state = stSB
				d.sbByte(tnIAC)
			default:
				// A command inside a subnegotiation: the SB was never
				// terminated. Drop it and take the command.
				data, events = d.command(data, events, b)
			}
		}
	}
	return data, events
}

func (d *telnetDecoder) sbByte(b byte) {
	if len(d.sb) >= maxSubneg {
		d.state = stData // abandon an endless subnegotiation
		d.sb = d.sb[:0]
		return
	}
	d.sb = append(d.sb, b)
}

// command handles the byte after IAC.
func (d *telnetDecoder) command(data []byte, events []telnetEvent, b byte) ([]byte, []telnetEvent) {
	d.state = stData
	switch b {
	case tnIAC:
		data = append(data, tnIAC)
		d.afterCR = false
	case tnWILL, tnWONT, tnDO, tnDONT:
		d.verb = b
		d.state = stOpt
	case tnSB:
		d.state = stSBOpt
	case tnIP:
		data = append(data, 0x03)
		d.afterCR = false
	case tnEC:
		data = append(data, 0x08)
		d.afterCR = false
	case tnEL:
		data = append(data, 0x15)
		d.afterCR = false
	case tnAYT, tnBRK, tnAO, tnNOP, tnDM, tnGA:
		events = append(events, telnetEvent{cmd: b})
	default:
		// SE outside a subnegotiation or a byte that is no command: ignore.
	}
	return data, events
}

// optState is the RFC 1143 state of one side of one option (the queue
// states are not needed: the server never changes its mind).
type optState uint8

const (
	optNo optState = iota
	optYes
	optWantYes // asked, no answer yet
)

// telnetNegotiator keeps the option states and produces the replies.
type telnetNegotiator struct {
	us       [256]optState // options the server performs (ECHO, SGA)
	him      [256]optState // options the client performs (NAWS, TTYPE, SGA)
	gotNAWS  bool
	gotTType bool
}

func serverWill(opt byte) bool { return opt == optEcho || opt == optSGA }
func clientMay(opt byte) bool  { return opt == optNAWS || opt == optTTYPE || opt == optSGA }

// start returns the options sent on connect, in the order IOS sends them.
func (n *telnetNegotiator) start() []byte {
	n.us[optEcho], n.us[optSGA] = optWantYes, optWantYes
	n.him[optTTYPE], n.him[optNAWS] = optWantYes, optWantYes
	return []byte{
		tnIAC, tnWILL, optEcho,
		tnIAC, tnWILL, optSGA,
		tnIAC, tnDO, optTTYPE,
		tnIAC, tnDO, optNAWS,
	}
}

// settled reports whether every option asked about is answered and the
// reports the client agreed to send (window size, terminal type) arrived.
func (n *telnetNegotiator) settled() bool {
	for _, s := range [...]optState{n.us[optEcho], n.us[optSGA], n.him[optTTYPE], n.him[optNAWS]} {
		if s == optWantYes {
			return false
		}
	}
	return (n.him[optNAWS] != optYes || n.gotNAWS) && (n.him[optTTYPE] != optYes || n.gotTType)
}

// handle updates the option states for ev and returns the bytes to send.
func (n *telnetNegotiator) handle(ev telnetEvent) []byte {
	opt := ev.opt
	switch ev.cmd {
	case tnDO:
		switch n.us[opt] {
		case optNo:
			if serverWill(opt) {
				n.us[opt] = optYes
				return []byte{tnIAC, tnWILL, opt}
			}
			return []byte{tnIAC, tnWONT, opt}
		case optWantYes:
			n.us[opt] = optYes
		}
	case tnDONT:
		switch n.us[opt] {
		case optYes:
			n.us[opt] = optNo
			return []byte{tnIAC, tnWONT, opt}
		case optWantYes:
			n.us[opt] = optNo
		}
	case tnWILL:
		switch n.him[opt] {
		case optNo:
			if !clientMay(opt) {
				return []byte{tnIAC, tnDONT, opt}
			}
			n.him[opt] = optYes
			return append([]byte{tnIAC, tnDO, opt}, n.enabled(opt)...)
		case optWantYes:
			n.him[opt] = optYes
			return n.enabled(opt)
		}
	case tnWONT:
		switch n.him[opt] {
		case optYes:
			n.him[opt] = optNo
			return []byte{tnIAC, tnDONT, opt}
		case optWantYes:
			n.him[opt] = optNo
		}
	case tnSB:
		switch opt {
		case optNAWS:
			n.gotNAWS = true
		case optTTYPE:
			n.gotTType = true
		}
	case tnAYT:
		return []byte("\r\n[Yes]\r\n")
	}
	return nil
}

// enabled returns what follows the client agreeing to opt.
func (n *telnetNegotiator) enabled(opt byte) []byte {
	if opt == optTTYPE {
		return []byte{tnIAC, tnSB, optTTYPE, ttypeSEND, tnIAC, tnSE}
	}
	return nil
}
