package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iosemu/iosemu/clock"
	"github.com/iosemu/iosemu/parser"
)

// Handler runs one matched command. It writes its output to s ("\n" line
// endings; the session adds "\r"), asks questions with s.Ask and s.Confirm,
// and changes mode with s.Enter.
type Handler func(s *Session, a parser.Args)

// Registry is a device's command set: one graph per mode.
type Registry = parser.Registry[Handler]

// NewRegistry makes an empty command set.
func NewRegistry() *Registry { return parser.NewRegistry[Handler]() }

// Host is what a session needs from the device it runs on. The device package
// implements it; cli never sees device state directly.
type Host interface {
	// The lock is held while a command runs and released while it waits
	// for the user (a dialog, the pager), so sessions never block each other
	// on input.
	sync.Locker
	Hostname() string
	Registry() *Registry
	// Authenticate checks a local user for the login dialog; priv is the
	// user's privilege level. An empty password never matches.
	Authenticate(user, password string) (priv int, ok bool)
	// Privilege is the level of a user the transport authenticated.
	Privilege(user string) (priv int, ok bool)
	// CheckEnable checks the enable secret. configured=false means no
	// enable secret is set, and IOS refuses enable on a vty.
	CheckEnable(password string) (ok, configured bool)
	// Attach registers a session (show users, terminal monitor, reload) on
	// a free line and returns the line's name ("vty0") and a function to
	// detach it; ok=false when every line is busy and the session is
	// refused.
	Attach(s *Session) (line string, detach func(), ok bool)
	// Log records a syslog message ("%SYS-5-CONFIG_I: ...") with the
	// device's timestamp and sends it to the monitors.
	Log(msg string)
	// ExecHeader is the "terminal exec prompt timestamp" header, "\n"-ended lines.
	ExecHeader() string
	// DomainLookup reports whether `ip domain-lookup` is on.
	DomainLookup() bool
	// Banner is the configured banner of a kind ("motd", "login", "exec"),
	// "" when there is none.
	Banner(kind string) string
}

// Connector is a Host that can open a session to another host named by a
// word typed in EXEC: IOS takes an unknown word for a host to telnet to. It
// runs like a command, under the host's lock, and reports whether the word
// named a host it can try.
type Connector interface {
	Telnet(s *Session, word string) bool
}

// FileServer is a Host that copies files over an SSH exec request: the IOS
// SCP server ("scp -t flash:/x" receives a file, "scp -f flash:/x" sends
// one).
type FileServer interface {
	// SCP serves command over rw for the session's user, without the host
	// lock held, and returns the exit status. ok=false means the host does
	// not take the command (not an scp command, or the server is off): it
	// then runs as a CLI command, as on IOS.
	SCP(s *Session, rw io.ReadWriter, command string) (status int, ok bool)
}

// Idler is a Host whose lines log out idle sessions (IOS exec-timeout).
type Idler interface {
	// ExecTimeout is the idle limit of a line ("vty0"); 0 means none.
	ExecTimeout(line string) time.Duration
	// IdleTimer calls f once d of idle time has passed since the timer's
	// last Touch (the lab clock measures it: scaled wall time, never jumps).
	IdleTimer(d time.Duration, f func()) *clock.IdleTimer
}

// Conn is a transport's session as the CLI sees it.
type Conn struct {
	RW      io.ReadWriter
	User    string // already authenticated by the transport (SSH); "" runs the IOS login dialog
	Remote  string // client address, for logs and show users
	Command string // a single exec command (SSH exec request); "" for a shell
	Window  func() (width, height int)
	Close   func() error
	Exit    func(status int)
	// LoggedIn, if set, is called once the login dialog has succeeded (or
	// at once for a user the transport authenticated): telnet lifts the
	// deadline it gives an unfinished login.
	LoggedIn func()
}

// notifyQueue is how many asynchronous messages (terminal monitor's syslog
// lines) wait for a terminal; more are dropped and counted, so that a client
// that stops reading never holds up the device that logs.
const notifyQueue = 256

// Session is one user's CLI: a mode stack, terminal settings and I/O.
type Session struct {
	host Host
	conn Conn
	keys *keyReader
	ed   *editor

	term *termOut // the terminal's write side (nil headless)

	notesMu   sync.Mutex
	notes     chan string   // asynchronous messages for the terminal (Notify); made by the first
	serveDone chan struct{} // closed when Serve ends: the notes goroutine stops
	dropped   atomic.Int64  // messages dropped because notes was full

	user   string
	line   string
	priv   int
	mode   *parser.Mode
	ctx    any // the mode's context (the interface being configured, …)
	parent []frame

	length, width int
	sizeSet       bool        // terminal length/width typed: the window no longer sets them
	monitor       atomic.Bool // read by the device when it logs
	timestamp     bool
	hist          history

	out      bytes.Buffer // the running command's output
	headless bool
	closed   atomic.Bool // set by Close, from any goroutine (reload, the transport)
	locked   bool        // the host lock is held (a command is running)
	nested   bool        // runs inside another session's terminal (Nest): its keys are the outer session's
	refused  bool        // Attach found no free line
	filtered bool        // the running command's output goes through a pipe: it cannot be streamed
	errs     []string    // headless: errors seen (for config loading)

	// collect, while set, takes every line typed (or loaded) instead of the
	// parser: a command's multi-line text such as a banner. It returns true
	// on the line that ends the text.
	collect func(line string) (done bool)
}

type frame struct {
	mode *parser.Mode
	ctx  any
}

// New makes a session for conn on host. Serve runs it.
func New(host Host, conn Conn) *Session {
	s := &Session{
		host:   host,
		conn:   conn,
		mode:   parser.Exec,
		length: 24,
		width:  80,
		hist:   history{size: 10},
	}
	if conn.Window != nil {
		if w, h := conn.Window(); w > 0 && h > 0 {
			s.width, s.length = w, h
		}
	}
	s.keys = newKeyReader(conn.RW)
	if conn.RW != nil {
		s.term = &termOut{w: conn.RW}
		s.keys.idle = func() {
			if s.term.idle() != nil {
				s.closed.Store(true)
			}
		}
		s.keys.wake = s.term.wake
	}
	s.ed = &editor{keys: s.keys, out: s.write, history: &s.hist}
	return s
}

// NewHeadless makes a session with no terminal, at privilege 15 in
// configuration mode: the device uses it to apply startup-config through the
// same grammar a user types. Output and dialogs are discarded.
func NewHeadless(host Host) *Session {
	s := &Session{host: host, priv: 15, mode: parser.Config, length: 0, width: 0, headless: true, user: "console"}
	s.line = "console"
	return s
}

// Exec runs one line as if typed, in the session's current mode, and returns
// its output. Used for headless sessions and exec requests.
func (s *Session) Exec(line string) string {
	s.runLine(line)
	out := s.out.String()
	s.out.Reset()
	return out
}

// Errors returns the error messages a headless session printed, with the
// line that caused each.
func (s *Session) Errors() []string { return s.errs }

// User is the logged-in user name.
func (s *Session) User() string { return s.user }

// Line is the session's line name ("vty0").
func (s *Session) Line() string { return s.line }

// Remote is the client address.
func (s *Session) Remote() string { return s.conn.Remote }

// Priv is the current privilege level.
func (s *Session) Priv() int { return s.priv }

// Mode is the current mode.
func (s *Session) Mode() *parser.Mode { return s.mode }

// Context is the value the current mode was entered with.
func (s *Session) Context() any { return s.ctx }

// Monitor reports whether `terminal monitor` is on.
func (s *Session) Monitor() bool { return s.monitor.Load() }

// Headless reports whether the session has no terminal (config loading).
func (s *Session) Headless() bool { return s.headless }

// Enter switches to mode m with context ctx (e.g. the interface being
// configured). The current mode is remembered so `exit` returns to it.
func (s *Session) Enter(m *parser.Mode, ctx any) {
	s.parent = append(s.parent, frame{s.mode, s.ctx})
	s.mode, s.ctx = m, ctx
}

// Write appends to the running command's output.
func (s *Session) Write(p []byte) (int, error) { return s.out.Write(p) }

// Printf formats to the running command's output.
func (s *Session) Printf(format string, a ...any) { fmt.Fprintf(&s.out, format, a...) }

// Println writes a line of output.
func (s *Session) Println(a ...any) { fmt.Fprintln(&s.out, a...) }

// Error prints an IOS error line ("% ...") and, headless, records it.
func (s *Session) Error(format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	if s.headless {
		s.errs = append(s.errs, msg)
	}
	s.out.WriteString(msg + "\n")
}

// releaseOut empties the command output buffer, dropping it if a long
// output grew it: an idle session does not keep its last output's memory.
func (s *Session) releaseOut() {
	if s.out.Cap() > 1024 {
		s.out = bytes.Buffer{}
		return
	}
	s.out.Reset()
}

// write sends text to the terminal, turning "\n" into "\r\n".
func (s *Session) write(text string) {
	if s.headless || s.conn.RW == nil {
		return
	}
	if err := s.term.write(crlf(text)); err != nil {
		// The terminal is gone (closed, or its write deadline passed): the
		// session ends, and a running command stops (Interrupted).
		s.closed.Store(true)
	}
}

func crlf(text string) string {
	if !strings.Contains(text, "\n") {
		return text
	}
	var b strings.Builder
	b.Grow(len(text) + 16)
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' && (i == 0 || text[i-1] != '\r') {
			b.WriteByte('\r')
		}
		b.WriteByte(text[i])
	}
	return b.String()
}

// flush writes pending output straight to the terminal (before a dialog).
func (s *Session) flush() {
	if s.out.Len() > 0 {
		s.write(s.out.String())
		s.out.Reset()
	}
}

// Flush sends the running command's output so far to the terminal, for a
// command that reports as it goes (ping). Output that a pipe filters is kept
// until the command ends.
func (s *Session) Flush() {
	if s.filtered || s.out.Len() == 0 {
		return
	}
	// Never write to a terminal under the host lock: a client that stops
	// reading would hold every other session of the device.
	relock := s.Unlocked()
	defer relock()
	s.flush()
	if s.term.push() != nil {
		s.closed.Store(true)
	}
}

// Interrupted reports whether the user has typed the IOS escape sequence
// (Ctrl-^, that is Ctrl-Shift-6) or Ctrl-C since the command started, or
// the session has ended, without waiting for a key: a long command (ping)
// polls it and stops.
func (s *Session) Interrupted() bool {
	if s.headless || s.keys == nil {
		return false
	}
	return s.closed.Load() || s.keys.interrupted()
}

// Notify queues an asynchronous message (a syslog line for `terminal
// monitor`) for the terminal, where the session's own goroutine shows it on
// its own lines, as IOS does without logging synchronous. It never waits:
// when the queue is full the message is dropped and counted (Dropped).
func (s *Session) Notify(msg string) {
	if s.headless {
		return
	}
	// The queue and the goroutine that shows it are made by the first
	// message: most sessions never run terminal monitor.
	s.notesMu.Lock()
	if s.notes == nil && s.serveDone != nil {
		s.notes = make(chan string, notifyQueue)
		go s.showNotes(s.notes, s.serveDone)
	}
	notes := s.notes
	s.notesMu.Unlock()
	if notes == nil {
		return // not serving a terminal
	}
	select {
	case notes <- msg:
	default:
		s.dropped.Add(1)
	}
}

// Dropped is how many Notify messages were dropped because the terminal did
// not keep up.
func (s *Session) Dropped() int64 { return s.dropped.Load() }

// showNotes writes queued messages to the terminal until done is closed.
func (s *Session) showNotes(notes <-chan string, done <-chan struct{}) {
	for {
		select {
		case msg := <-notes:
			s.write("\n" + strings.TrimRight(msg, "\n") + "\n")
		case <-done:
			return
		}
	}
}

// Ask shows prompt and reads an answer line (echoed). A headless session
// answers "".
func (s *Session) Ask(prompt string) string {
	if s.headless {
		return ""
	}
	defer s.waitInput()()
	s.flush()
	help, complete := s.ed.help, s.ed.complete
	s.ed.help, s.ed.complete = nil, nil
	line, ev, err := s.ed.readLine(prompt, "", true)
	s.ed.help, s.ed.complete = help, complete
	if err != nil || ev == evCtrlC || ev == evCtrlZ {
		return "\x03"
	}
	return line
}

// AskSecret reads a line without echo (Password:).
func (s *Session) AskSecret(prompt string) string {
	if s.headless {
		return ""
	}
	defer s.waitInput()()
	s.flush()
	line, _, err := s.ed.readLine(prompt, "", false)
	if err != nil {
		return ""
	}
	return line
}

// Confirm shows "prompt[confirm]" and reads one key: Enter, 'y' or space
// confirm; anything else declines. A headless session confirms.
func (s *Session) Confirm(prompt string) bool {
	if s.headless {
		return true
	}
	defer s.waitInput()()
	s.flush()
	s.write(prompt + "[confirm]")
	k, err := s.keys.next()
	if err != nil {
		return false
	}
	switch k {
	case '\r', 'y', 'Y', ' ':
		s.write("\n")
		return true
	}
	if k >= 0x20 && k < 0x7f {
		s.write(string(rune(k)))
	}
	s.write("\n")
	return false
}

// Close ends the session (logout, reload), after writing what it holds.
func (s *Session) Close() {
	if s.term != nil {
		_ = s.term.push()
	}
	s.closed.Store(true)
	if s.conn.Close != nil {
		_ = s.conn.Close()
	}
}

// Prompt is the current prompt: hostname plus the mode's suffix.
func (s *Session) Prompt() string {
	if s.collect != nil {
		return ""
	}
	p := s.mode.Prompt
	if s.mode == parser.Exec && s.priv < 2 {
		p = ">"
	}
	return s.host.Hostname() + p
}

// Collect hands the lines that follow to f, without prompt or parsing,
// until f returns true: how a command reads multi-line text (a banner).
func (s *Session) Collect(f func(line string) (done bool)) { s.collect = f }

// Collecting reports whether a command is reading multi-line text.
func (s *Session) Collecting() bool { return s.collect != nil }

// banner shows a configured banner, if any.
func (s *Session) banner(kind string) {
	if b := s.host.Banner(kind); b != "" {
		s.write(strings.TrimSuffix(strings.TrimPrefix(b, "\n"), "\n") + "\n")
	}
}

// Serve runs the session until the user leaves or the connection ends.
func (s *Session) Serve(ctx context.Context) {
	if !s.nested {
		defer s.keys.stop()
	}
	if s.term != nil {
		defer s.term.push() // what the session wrote last
	}
	// A session takes a line for its whole life, login dialog included.
	line, detach, ok := s.host.Attach(s)
	if !ok {
		// Every vty is busy. IOS refuses the connection (telnet: the TCP
		// connection is refused; SSH: the connection is closed). The
		// transport has already accepted it, so the session closes it at
		// once without a word; the IOS telnet client says what its user
		// sees.
		s.refused = true
		if s.nested {
			s.write("% Connection refused by remote host\n\n")
		}
		s.Close()
		return
	}
	s.line = line
	defer detach()
	if s.conn.User != "" {
		s.user = s.conn.User
		priv, ok := s.host.Privilege(s.user)
		if !ok {
			// The user was removed between the SSH login and the shell.
			s.Close()
			return
		}
		s.priv = priv
		if s.conn.Command == "" {
			s.banner("motd")
		}
	} else if !s.login() {
		s.Close()
		return
	}
	if s.conn.LoggedIn != nil {
		s.conn.LoggedIn()
	}
	done := make(chan struct{})
	defer close(done)
	s.notesMu.Lock()
	s.serveDone = done
	s.notesMu.Unlock()
	s.ed.help, s.ed.complete = s.showHelp, s.complete
	if s.conn.Command != "" {
		if fsrv, ok := s.host.(FileServer); ok {
			if status, ok := fsrv.SCP(s, s.conn.RW, s.conn.Command); ok {
				if s.conn.Exit != nil {
					s.conn.Exit(status)
				}
				s.Close()
				return
			}
		}
		s.length, s.sizeSet = 0, true
		s.runLine(s.conn.Command)
		s.flush()
		s.Close()
		return
	}
	stop := context.AfterFunc(ctx, s.Close)
	defer stop()
	idle := s.idleTimer(nil)
	defer func() { idle.stop() }()
	s.banner("exec")
	s.write("\n")
	for !s.closed.Load() {
		text, ev, err := s.ed.readLine(s.Prompt(), "", true)
		if err != nil {
			return
		}
		switch ev {
		case evEnter:
			s.hist.add(text)
			s.runLine(text)
			s.page(s.out.String())
			s.releaseOut()
			// The command may have changed the line's exec-timeout.
			idle = s.idleTimer(idle)
		case evCtrlZ, evCtrlC:
			s.collect = nil
			if s.mode != parser.Exec {
				s.endConfig()
			}
		}
	}
}

// login runs the IOS "User Access Verification" dialog: three tries.
func (s *Session) login() bool {
	s.write("\n")
	s.banner("motd")
	s.banner("login")
	s.write("\nUser Access Verification\n\n")
	for try := 0; try < 3; try++ {
		user, ev, err := s.ed.readLine("Username: ", "", true)
		if err != nil {
			s.loginTimeout(err, "Username")
			return false
		}
		if ev != evEnter {
			s.write("\n")
			try--
			continue
		}
		user = strings.TrimSpace(user)
		if user == "" {
			try--
			continue
		}
		pass, _, err := s.ed.readLine("Password: ", "", false)
		if err != nil {
			s.loginTimeout(err, "Password")
			return false
		}
		if priv, ok := s.host.Authenticate(user, pass); ok {
			s.user, s.priv = user, priv
			return true
		}
		s.write("% Login invalid\n\n")
		s.host.Log(fmt.Sprintf("%%SEC_LOGIN-4-LOGIN_FAILED: Login failed [user: %s] [Source: %s] [localport: 23] [Reason: Login Authentication Failed]", LogUser(user), s.conn.Remote))
	}
	s.write("% Bad passwords\n")
	return false
}

// maxLogUser is how much of a user name a log message shows: IOS logs a
// few dozen characters of it.
const maxLogUser = 64

// LogUser is a user name as a login message shows it: at most maxLogUser
// characters (the device's Log replaces control bytes).
func LogUser(name string) string {
	if r := []rune(name); len(r) > maxLogUser {
		return string(r[:maxLogUser])
	}
	return name
}

// loginTimeout tells the user that the login dialog ran out of time (the
// transport's deadline), as IOS does.
func (s *Session) loginTimeout(err error, prompt string) {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		s.write("\n% " + prompt + ":  timeout expired!\n")
	}
}

// endConfig leaves configuration mode for exec, as end, Ctrl-Z and Ctrl-C do.
func (s *Session) endConfig() {
	s.mode, s.ctx, s.parent = parser.Exec, nil, nil
	s.configured()
}

// configured logs %SYS-5-CONFIG_I on leaving configuration mode.
func (s *Session) configured() {
	if s.headless {
		return
	}
	s.host.Log(fmt.Sprintf("%%SYS-5-CONFIG_I: Configured from console by %s on %s (%s)", s.user, s.line, s.conn.Remote))
}

// Exit leaves the current mode for its parent (exit): a sub-mode returns to
// the mode it was entered from, config returns to exec, exec logs out.
func (s *Session) Exit() {
	switch {
	case len(s.parent) > 0 && s.parent[len(s.parent)-1].mode != parser.Exec:
		f := s.parent[len(s.parent)-1]
		s.parent = s.parent[:len(s.parent)-1]
		s.mode, s.ctx = f.mode, f.ctx
	case s.mode != parser.Exec:
		s.endConfig()
	default:
		s.Close()
	}
}

// End returns to privileged exec from any configuration mode.
func (s *Session) End() {
	if s.mode != parser.Exec {
		s.endConfig()
	}
}

// SetPriv changes the privilege level (enable, disable).
func (s *Session) SetPriv(p int) { s.priv = p }

// Nest runs a session on another router over this session's terminal, as
// the IOS telnet and ssh clients do, until that session ends. user "" runs
// the other router's login dialog; remote is this router's address as the
// other one sees it. The host lock is released meanwhile. It reports false
// when the other router refused the session (every vty busy), after saying
// so as the IOS client does.
func (s *Session) Nest(h Host, user, remote string) (attached bool) {
	relock := s.Unlocked()
	defer relock()
	s.flush()
	child := New(h, Conn{RW: s.conn.RW, User: user, Remote: remote, Window: s.conn.Window,
		Close: func() error { return nil }})
	// One terminal: the nested session writes through this one's termOut,
	// which the shared keys mark busy and idle.
	child.term = s.term
	// The keys typed next belong to the nested session: share the stream
	// (and what it has buffered) rather than reading the connection twice.
	child.keys = s.keys
	child.ed.keys = s.keys
	child.nested = true
	child.Serve(context.Background())
	return !child.refused
}

// Unlocked releases the host lock while a command waits on something slow
// (a file transfer) and returns the function that takes it back.
func (s *Session) Unlocked() (relock func()) { return s.waitInput() }

// waitInput releases the host lock while the session waits for the user,
// and returns the function that takes it back.
func (s *Session) waitInput() func() {
	if !s.locked {
		return func() {}
	}
	s.locked = false
	s.host.Unlock()
	return func() {
		s.host.Lock()
		s.locked = true
	}
}

// followWindow takes the terminal size from the client's window (SSH
// window-change, telnet NAWS) until the user sets terminal length or width.
func (s *Session) followWindow() {
	if s.sizeSet || s.conn.Window == nil {
		return
	}
	if w, h := s.conn.Window(); w > 0 && h > 0 {
		s.width, s.length = w, h
	}
}

// idle is a session's exec-timeout: the limit it was armed with and its
// timer.
type idle struct {
	limit time.Duration
	t     *clock.IdleTimer
}

func (i *idle) stop() {
	if i != nil && i.t != nil {
		i.t.Stop()
	}
}

// idleTimer arms the line's exec-timeout, or keeps cur when the limit has
// not changed. When it fires the session ends, as IOS closes an idle vty.
func (s *Session) idleTimer(cur *idle) *idle {
	h, ok := s.host.(Idler)
	if !ok || s.nested {
		return cur
	}
	d := h.ExecTimeout(s.line)
	if cur != nil && cur.limit == d {
		return cur
	}
	cur.stop()
	s.keys.input.Store(nil)
	if d <= 0 {
		return &idle{limit: d}
	}
	t := h.IdleTimer(d, s.Close)
	touch := t.Touch
	s.keys.input.Store(&touch)
	return &idle{limit: d, t: t}
}
