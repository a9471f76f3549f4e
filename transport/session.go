package transport

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
)

// Transport names carried in [Session.Transport].
const (
	TransportSSH    = "ssh"
	TransportTelnet = "telnet"
)

// ErrServerClosed is returned by Serve after Close.
var ErrServerClosed = errors.New("transport: server closed")

// Session is one interactive or exec session, transport-agnostic.
type Session struct {
	// ReadWriter carries raw bytes from and to the client. Reads are
	// keystrokes (telnet: IAC sequences already stripped, CR NUL and CR LF
	// normalised so that Enter reads as "\r"). Writes go out as-is (the CLI
	// writes "\r\n"); telnet doubles 0xFF bytes.
	io.ReadWriter

	User       string // authenticated user (SSH); "" for telnet (the CLI runs the IOS login)
	RemoteAddr net.Addr
	Transport  string // TransportSSH or TransportTelnet
	Term       string // terminal type if known
	Command    string // SSH exec request ("show version"); "" for an interactive shell

	// Window returns the current terminal size (0, 0 if unknown).
	Window func() (width, height int)
	// Resized is signalled (non-blocking, buffered 1) on every window change
	// (SSH window-change, telnet NAWS).
	Resized <-chan struct{}

	// Close ends the session; the transport closes the channel or
	// connection. It is idempotent.
	Close func() error
	// Exit sets the SSH exit-status sent when the session ends; no-op for
	// telnet.
	Exit func(status int)
	// LoggedIn tells the transport that the login dialog succeeded: telnet
	// then lifts the deadline of an unfinished login (TelnetServer
	// LoginTimeout). nil for SSH, whose login is its own.
	LoggedIn func()
}

// Handler serves sessions. ServeSession runs in its own goroutine; ctx is
// cancelled when the client goes away or the server closes. When it returns
// the transport ends the session.
type Handler interface {
	ServeSession(ctx context.Context, s *Session)
}

// HandlerFunc adapts a function to a [Handler].
type HandlerFunc func(ctx context.Context, s *Session)

// ServeSession calls f(ctx, s).
func (f HandlerFunc) ServeSession(ctx context.Context, s *Session) { f(ctx, s) }

// Authenticator checks credentials for SSH (password and the
// keyboard-interactive "Password:" prompt).
type Authenticator interface {
	CheckPassword(user, password string, remote net.Addr) bool
}

// AuthenticatorFunc adapts a function to an [Authenticator].
type AuthenticatorFunc func(user, password string, remote net.Addr) bool

// CheckPassword calls f(user, password, remote).
func (f AuthenticatorFunc) CheckPassword(user, password string, remote net.Addr) bool {
	return f(user, password, remote)
}

// window is a terminal size shared between a transport and its session.
type window struct {
	mu      sync.Mutex
	w, h    int
	resized chan struct{}
}

func newWindow() *window { return &window{resized: make(chan struct{}, 1)} }

func (w *window) get() (width, height int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w, w.h
}

// set records a new size and signals resized without blocking.
func (w *window) set(width, height int) {
	w.mu.Lock()
	w.w, w.h = width, height
	w.mu.Unlock()
	select {
	case w.resized <- struct{}{}:
	default:
	}
}

// connSet tracks live connections and listeners so Close can end them all.
type connSet struct {
	mu        sync.Mutex
	closed    bool
	listeners map[net.Listener]struct{}
	conns     map[io.Closer]struct{}
	ctx       context.Context
	cancel    context.CancelFunc
}

func (c *connSet) init() {
	if c.ctx == nil {
		c.ctx, c.cancel = context.WithCancel(context.Background())
		c.listeners = map[net.Listener]struct{}{}
		c.conns = map[io.Closer]struct{}{}
	}
}

// addListener registers l; it reports false if the server is closed.
func (c *connSet) addListener(l net.Listener) (context.Context, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.init()
	if c.closed {
		return nil, false
	}
	c.listeners[l] = struct{}{}
	return c.ctx, true
}

func (c *connSet) removeListener(l net.Listener) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.listeners, l)
}

// add registers a connection; it reports false if the server is closed.
func (c *connSet) add(conn io.Closer) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.init()
	if c.closed {
		return false
	}
	c.conns[conn] = struct{}{}
	return true
}

func (c *connSet) remove(conn io.Closer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.conns, conn)
}

func (c *connSet) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// close closes every listener and connection and returns the first error.
func (c *connSet) close() error {
	c.mu.Lock()
	c.init()
	c.closed = true
	var closers []io.Closer
	for l := range c.listeners {
		closers = append(closers, l)
	}
	for conn := range c.conns {
		closers = append(closers, conn)
	}
	c.listeners = map[net.Listener]struct{}{}
	c.conns = map[io.Closer]struct{}{}
	c.mu.Unlock()
	var first error
	for _, cl := range closers {
		if err := cl.Close(); err != nil && first == nil && !errors.Is(err, net.ErrClosed) {
			first = err
		}
	}
	// Cancel after closing, so that no handler ends its session cleanly
	// (exit-status 0) before its connection is gone.
	c.cancel()
	return first
}

func loggerOrDiscard(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.New(slog.DiscardHandler)
}
