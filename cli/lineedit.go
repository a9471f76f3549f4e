package cli

import (
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// Keys the editor reports to its caller instead of handling them itself.
type lineEvent int

const (
	evEnter lineEvent = iota // a complete line
	evCtrlZ                  // Ctrl-Z: leave configuration mode
	evCtrlC                  // Ctrl-C: abandon the line
)

// keyReader reads keystrokes from a terminal byte stream. It turns the
// different forms of Enter ("\r", "\r\n", "\r\x00", "\n") into one '\r',
// decodes the escape sequences of cursor keys and UTF-8 characters.
//
// The connection is read by a goroutine of its own (started on the first
// read), so that a running command can look for an abort key without
// waiting for one (interrupted).
type keyReader struct {
	src    io.Reader
	once   sync.Once
	chunks chan []byte   // what the reader goroutine read; closed at the end
	done   chan struct{} // closed by stop: the reader goroutine gives up
	stopMu sync.Once
	err    error // why the stream ended; set before chunks is closed
	buf    []byte
	lastCR bool // the previous byte was '\r': a following '\n' or NUL belongs to it
	// input, if set, is told of every chunk the client sends (idle time,
	// exec-timeout); it is read by the reader goroutine.
	input atomic.Pointer[func()]
	// idle, if set, is called before the reader waits for input that has
	// not arrived (the terminal writes what it holds); wake after input
	// arrives. Both run on the session's goroutine.
	idle, wake func()
}

// readChunk is the most a session reads from its connection at once.
const readChunk = 512

// Special keys decoded from escape sequences.
const (
	keyUp    = -1
	keyDown  = -2
	keyRight = -3
	keyLeft  = -4
	keyHome  = -5
	keyEnd   = -6
	keyDel   = -7
	keyWordB = -8 // ESC b
	keyWordF = -9 // ESC f
	keyNone  = -100
)

// Abort keys: Ctrl-^ is IOS's escape sequence (Ctrl-Shift-6), which stops
// ping and other long commands; Ctrl-C does too.
const (
	keyEscape = 0x1e
	keyCtrlC  = 0x03
)

func newKeyReader(r io.Reader) *keyReader {
	return &keyReader{src: r, chunks: make(chan []byte), done: make(chan struct{})}
}

// start runs the goroutine that reads the connection.
func (k *keyReader) start() {
	k.once.Do(func() {
		go func() {
			defer close(k.chunks)
			// One read buffer for the session's life; each chunk handed
			// on is a copy the size of what arrived (mostly a few bytes).
			b := make([]byte, readChunk)
			for {
				n, err := k.src.Read(b)
				if n > 0 {
					if f := k.input.Load(); f != nil {
						(*f)()
					}
					select {
					case k.chunks <- append([]byte(nil), b[:n]...):
					case <-k.done:
						k.err = io.EOF
						return
					}
				}
				if err != nil {
					k.err = err
					return
				}
			}
		}()
	})
}

// stop lets the reader goroutine end once its read returns (the session is
// over; the transport closes the connection).
func (k *keyReader) stop() { k.stopMu.Do(func() { close(k.done) }) }

// fill waits for more input.
func (k *keyReader) fill() error {
	k.start()
	var c []byte
	var ok bool
	select {
	case c, ok = <-k.chunks:
	default:
		if k.idle != nil {
			k.idle()
		}
		c, ok = <-k.chunks
	}
	if k.wake != nil {
		k.wake()
	}
	if !ok {
		return k.err
	}
	k.buf = append(k.buf, c...)
	return nil
}

// poll takes what has arrived without waiting.
func (k *keyReader) poll() {
	k.start()
	for {
		select {
		case c, ok := <-k.chunks:
			if !ok {
				return
			}
			k.buf = append(k.buf, c...)
		default:
			return
		}
	}
}

func (k *keyReader) readByte() (byte, error) {
	for len(k.buf) == 0 {
		if err := k.fill(); err != nil {
			return 0, err
		}
	}
	b := k.buf[0]
	k.buf = k.buf[1:]
	return b, nil
}

// interrupted reports whether Ctrl-^ or Ctrl-C has been typed; it and the
// keys typed before it are consumed, the keys after it kept.
func (k *keyReader) interrupted() bool {
	k.poll()
	for i, b := range k.buf {
		if b == keyEscape || b == keyCtrlC {
			k.buf = k.buf[i+1:]
			k.lastCR = false
			return true
		}
	}
	return false
}

// next returns one key: a character (a byte below 0x80 or a decoded UTF-8
// rune) or one of the negative key codes.
func (k *keyReader) next() (int, error) {
	for {
		b, err := k.readByte()
		if err != nil {
			return 0, err
		}
		if k.lastCR {
			k.lastCR = false
			if b == '\n' || b == 0 {
				continue
			}
		}
		switch {
		case b == '\r':
			k.lastCR = true
			return '\r', nil
		case b == '\n':
			return '\r', nil
		case b == 0x1b:
			return k.escape()
		case b >= 0x80:
			if r, ok := k.utf8(b); ok {
				return int(r), nil
			}
			continue // not UTF-8: dropped
		}
		return int(b), nil
	}
}

// utf8 decodes the character that starts with lead, waiting for its
// continuation bytes.
func (k *keyReader) utf8(lead byte) (rune, bool) {
	n := 0
	switch {
	case lead&0xe0 == 0xc0:
		n = 1
	case lead&0xf0 == 0xe0:
		n = 2
	case lead&0xf8 == 0xf0:
		n = 3
	default:
		return 0, false
	}
	seq := []byte{lead}
	for len(seq) <= n {
		for len(k.buf) == 0 {
			if err := k.fill(); err != nil {
				return 0, false
			}
		}
		if k.buf[0]&0xc0 != 0x80 {
			return 0, false // a broken sequence: the byte after it is a key of its own
		}
		seq = append(seq, k.buf[0])
		k.buf = k.buf[1:]
	}
	r, size := utf8.DecodeRune(seq)
	if r == utf8.RuneError || size != len(seq) || r < 0xa0 {
		return 0, false // invalid, overlong, or a C1 control
	}
	return r, true
}

// escape decodes what follows ESC. Unknown sequences are swallowed whole so
// that a stray arrow key never types garbage into the line.
func (k *keyReader) escape() (int, error) {
	if len(k.buf) == 0 {
		// A lone ESC (nothing else arrived with it): ignore it.
		return keyNone, nil
	}
	b, err := k.readByte()
	if err != nil {
		return 0, err
	}
	switch b {
	case 'b', 'B':
		return keyWordB, nil
	case 'f', 'F':
		return keyWordF, nil
	case '[', 'O':
	default:
		return keyNone, nil
	}
	// CSI: parameter and intermediate bytes (0x20..0x3f) then a final byte
	// in 0x40..0x7e. However many parameters come, the whole sequence is
	// consumed; only the first 16 are kept. Any other byte ends it and is
	// a key of its own.
	var param []byte
	for {
		if len(k.buf) == 0 {
			if err := k.fill(); err != nil {
				return 0, err
			}
		}
		c := k.buf[0]
		if c < 0x20 || c > 0x7e {
			return keyNone, nil
		}
		k.buf = k.buf[1:]
		if c <= 0x3f {
			if len(param) < 16 {
				param = append(param, c)
			}
			continue
		}
		switch c {
		case 'A':
			return keyUp, nil
		case 'B':
			return keyDown, nil
		case 'C':
			return keyRight, nil
		case 'D':
			return keyLeft, nil
		case 'H':
			return keyHome, nil
		case 'F':
			return keyEnd, nil
		case '~':
			switch string(param) {
			case "1", "7":
				return keyHome, nil
			case "4", "8":
				return keyEnd, nil
			case "3":
				return keyDel, nil
			}
		}
		return keyNone, nil
	}
}

// editor is an IOS-style line editor: it echoes every character as it is
// typed, supports the Emacs keys IOS supports, and keeps a history.
type editor struct {
	keys    *keyReader
	out     func(string) // writes to the terminal (serialised by the session)
	history *history
	// help answers '?' for the line so far; the editor then redisplays the
	// prompt and the line. complete answers TAB.
	help     func(line string)
	complete func(line string) (string, bool)

	prompt string
	buf    []rune
	pos    int
}

type history struct {
	size  int
	lines []string
}

func (h *history) add(line string) {
	line = strings.TrimRight(line, " ")
	if line == "" || h.size == 0 {
		return
	}
	if n := len(h.lines); n > 0 && h.lines[n-1] == line {
		return
	}
	h.lines = append(h.lines, line)
	if len(h.lines) > h.size {
		h.lines = h.lines[len(h.lines)-h.size:]
	}
}

// readLine shows prompt followed by initial text and edits a line until
// Enter, Ctrl-Z or Ctrl-C. '?' and TAB go to the help and complete callbacks
// when set. echo=false reads a password: nothing is echoed, and '?' and TAB
// are ordinary characters.
func (e *editor) readLine(prompt, initial string, echo bool) (string, lineEvent, error) {
	e.prompt = prompt
	e.buf = []rune(initial)
	e.pos = len(e.buf)
	if echo {
		e.out(prompt + initial)
	} else {
		e.out(prompt)
	}
	histIdx := len(e.history.lines)
	saved := ""
	for {
		k, err := e.keys.next()
		if err != nil {
			return string(e.buf), evEnter, err
		}
		if !echo {
			switch k {
			case '\r':
				e.out("\r\n")
				return string(e.buf), evEnter, nil
			case 0x7f, 0x08:
				if len(e.buf) > 0 {
					e.buf = e.buf[:len(e.buf)-1]
				}
			case 0x03:
				e.out("\r\n")
				return "", evCtrlC, nil
			default:
				if (k >= 0x20 && k < 0x7f || k >= 0x80) && len(e.buf) < maxLine {
					e.buf = append(e.buf, rune(k))
				}
			}
			continue
		}
		switch k {
		case '\r':
			e.out("\r\n")
			return string(e.buf), evEnter, nil
		case '?':
			if e.help == nil {
				e.insert('?')
				continue
			}
			line := string(e.buf)
			e.out("?\r\n")
			e.help(line)
			e.buf = []rune(line)
			e.pos = len(e.buf)
			e.out(e.prompt + line)
		case '\t':
			if e.complete == nil {
				continue
			}
			line := string(e.buf[:e.pos])
			ws := e.wordStart()
			head := string(e.buf[:ws])
			nl, ok := e.complete(line)
			switch {
			case !ok || nl == line:
				e.out("\a")
			case strings.HasPrefix(nl, line):
				// The usual case: type the rest of the word.
				for _, r := range nl[len(line):] {
					e.insert(r)
				}
			case strings.HasPrefix(nl, head):
				// The word was typed in another case: retype it.
				n := e.pos - ws
				e.moveTo(ws)
				e.deleteAt(n)
				for _, r := range nl[len(head):] {
					e.insert(r)
				}
			default:
				e.out("\a")
			}
		case 0x1a: // Ctrl-Z: IOS echoes it as ^Z
			e.moveTo(len(e.buf))
			e.out("^Z\r\n")
			return string(e.buf), evCtrlZ, nil
		case 0x03: // Ctrl-C: echoed as ^C
			e.moveTo(len(e.buf))
			e.out("^C\r\n")
			return string(e.buf), evCtrlC, nil
		case 0x01, keyHome: // Ctrl-A
			e.moveTo(0)
		case 0x05, keyEnd: // Ctrl-E
			e.moveTo(len(e.buf))
		case 0x02, keyLeft: // Ctrl-B
			e.moveTo(e.pos - 1)
		case 0x06, keyRight: // Ctrl-F
			e.moveTo(e.pos + 1)
		case keyWordB:
			e.moveTo(e.wordStart())
		case keyWordF:
			e.moveTo(e.wordEnd())
		case 0x7f, 0x08: // Backspace
			if e.pos > 0 {
				e.moveTo(e.pos - 1)
				e.deleteAt(1)
			}
		case 0x04, keyDel: // Ctrl-D
			if e.pos < len(e.buf) {
				e.deleteAt(1)
			}
		case 0x0b: // Ctrl-K: delete to end of line
			e.deleteAt(len(e.buf) - e.pos)
		case 0x15, 0x18: // Ctrl-U, Ctrl-X: delete to start of line
			n := e.pos
			e.moveTo(0)
			e.deleteAt(n)
		case 0x17: // Ctrl-W: delete the word before the cursor
			start := e.wordStart()
			n := e.pos - start
			e.moveTo(start)
			e.deleteAt(n)
		case 0x0c, 0x12: // Ctrl-L, Ctrl-R: redisplay
			e.out("\r\n" + e.prompt + string(e.buf))
			e.pos = len(e.buf)
		case 0x10, keyUp: // Ctrl-P
			if histIdx > 0 {
				if histIdx == len(e.history.lines) {
					saved = string(e.buf)
				}
				histIdx--
				e.replace(e.history.lines[histIdx])
			} else {
				e.out("\a")
			}
		case 0x0e, keyDown: // Ctrl-N
			if histIdx < len(e.history.lines) {
				histIdx++
				if histIdx == len(e.history.lines) {
					e.replace(saved)
				} else {
					e.replace(e.history.lines[histIdx])
				}
			} else {
				e.out("\a")
			}
		default:
			if k >= 0x20 && k < 0x7f || k >= 0x80 {
				e.insert(rune(k))
			}
		}
	}
}

func (e *editor) wordStart() int {
	i := e.pos
	for i > 0 && e.buf[i-1] == ' ' {
		i--
	}
	for i > 0 && e.buf[i-1] != ' ' {
		i--
	}
	return i
}

func (e *editor) wordEnd() int {
	i := e.pos
	for i < len(e.buf) && e.buf[i] == ' ' {
		i++
	}
	for i < len(e.buf) && e.buf[i] != ' ' {
		i++
	}
	return i
}

// moveTo moves the cursor with backspaces (left) or by rewriting the
// characters it passes over (right), as IOS does on a dumb terminal.
func (e *editor) moveTo(p int) {
	if p < 0 || p > len(e.buf) || p == e.pos {
		return
	}
	if p < e.pos {
		e.out(strings.Repeat("\b", e.pos-p))
	} else {
		e.out(string(e.buf[e.pos:p]))
	}
	e.pos = p
}

// maxLine is the longest line the editor takes, in characters. IOS's line
// buffer is finite too; 1024 is more than any command or configuration line
// needs (a description holds 240 characters) and bounds what one keystroke
// redraws. A key that would make the line longer beeps and is ignored.
const maxLine = 1024

func (e *editor) insert(r rune) {
	if len(e.buf) >= maxLine {
		e.out("\a")
		return
	}
	tail := e.buf[e.pos:]
	e.buf = append(e.buf[:e.pos], append([]rune{r}, tail...)...)
	rest := string(e.buf[e.pos+1:])
	e.out(string(r) + rest + strings.Repeat("\b", len([]rune(rest))))
	e.pos++
}

// deleteAt removes n characters at the cursor and redraws the tail.
func (e *editor) deleteAt(n int) {
	if n <= 0 {
		return
	}
	e.buf = append(e.buf[:e.pos], e.buf[e.pos+n:]...)
	rest := string(e.buf[e.pos:])
	e.out(rest + strings.Repeat(" ", n) + strings.Repeat("\b", len([]rune(rest))+n))
}

// replace swaps the whole line for s (history recall).
func (e *editor) replace(s string) {
	e.moveTo(len(e.buf))
	old := len(e.buf)
	e.out(strings.Repeat("\b", old) + strings.Repeat(" ", old) + strings.Repeat("\b", old) + s)
	e.buf = []rune(s)
	e.pos = len(e.buf)
}
