package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
)

// Defaults for [SSHServer].
const (
	DefaultSSHVersion       = "SSH-2.0-Cisco-1.25" // what IOS announces
	DefaultMaxAuthTries     = 3                    // IOS "ip ssh authentication-retries 3"
	DefaultHandshakeTimeout = 120 * time.Second    // IOS "ip ssh time-out 120"
)

// SSH algorithm lists. They are wide on purpose: OpenSSH 9, old paramiko 2.x
// (ansible, netmiko) and Go x/crypto clients all pick from their own
// preference order, and IOS itself still offers the SHA-1 and CBC algorithms.
var (
	sshKeyExchanges = []string{
		ssh.KeyExchangeMLKEM768X25519,
		ssh.KeyExchangeCurve25519,
		ssh.KeyExchangeECDHP256,
		ssh.KeyExchangeECDHP384,
		ssh.KeyExchangeECDHP521,
		ssh.KeyExchangeDHGEXSHA256,
		ssh.KeyExchangeDH16SHA512,
		ssh.KeyExchangeDH14SHA256,
		ssh.InsecureKeyExchangeDH14SHA1,
		ssh.InsecureKeyExchangeDHGEXSHA1,
		ssh.InsecureKeyExchangeDH1SHA1,
	}
	sshCiphers = []string{
		ssh.CipherAES128GCM,
		ssh.CipherAES256GCM,
		ssh.CipherChaCha20Poly1305,
		ssh.CipherAES128CTR,
		ssh.CipherAES192CTR,
		ssh.CipherAES256CTR,
		ssh.InsecureCipherAES128CBC,
		ssh.InsecureCipherTripleDESCBC,
	}
	sshMACs = []string{
		ssh.HMACSHA256ETM,
		ssh.HMACSHA512ETM,
		ssh.HMACSHA256,
		ssh.HMACSHA512,
		ssh.HMACSHA1,
		ssh.InsecureHMACSHA196,
	}
)

// SSHServer serves SSH sessions. The host key is offered as rsa-sha2-256,
// rsa-sha2-512 and ssh-rsa (SHA-1, for old paramiko). Only password and
// keyboard-interactive authentication are accepted.
type SSHServer struct {
	HostKey ssh.Signer    // required
	Auth    Authenticator // required: no access without credentials
	Handler Handler       // required
	Banner  string        // optional, sent before authentication
	Version string        // server version string, default DefaultSSHVersion
	Logger  *slog.Logger  // discards by default
	// MaxAuthTries is the number of failed authentications before the
	// server disconnects; 0 means DefaultMaxAuthTries.
	MaxAuthTries int
	// OnAuthFail is called after each failed password (for the device's
	// %SEC_LOGIN-4-LOGIN_FAILED line).
	OnAuthFail func(user string, remote net.Addr)
	// HandshakeTimeout bounds key exchange plus authentication; 0 means
	// DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration

	set connSet
}

// Serve accepts connections on l until Close; it then returns
// ErrServerClosed. It closes l.
func (s *SSHServer) Serve(l net.Listener) error {
	switch {
	case s.HostKey == nil:
		return errors.New("transport: ssh: no host key")
	case s.Auth == nil:
		return errors.New("transport: ssh: no authenticator")
	case s.Handler == nil:
		return errors.New("transport: ssh: no handler")
	}
	cfg := s.config()
	return serve(l, &s.set, func(ctx context.Context, c net.Conn) { s.handleConn(ctx, cfg, c) })
}

// Close closes the listeners and every connection. Handlers see their
// contexts cancelled.
func (s *SSHServer) Close() error { return s.set.close() }

func (s *SSHServer) logger() *slog.Logger { return loggerOrDiscard(s.Logger) }

func (s *SSHServer) config() *ssh.ServerConfig {
	maxTries := s.MaxAuthTries
	if maxTries == 0 {
		maxTries = DefaultMaxAuthTries
	}
	version := s.Version
	if version == "" {
		version = DefaultSSHVersion
	}
	check := func(c ssh.ConnMetadata, password string) (*ssh.Permissions, error) {
		if s.Auth.CheckPassword(c.User(), password, c.RemoteAddr()) {
			return nil, nil
		}
		s.logger().Info("ssh authentication failed", "user", c.User(), "remote", c.RemoteAddr())
		if s.OnAuthFail != nil {
			s.OnAuthFail(c.User(), c.RemoteAddr())
		}
		return nil, errors.New("transport: ssh: authentication failed")
	}
	cfg := &ssh.ServerConfig{
		Config: ssh.Config{
			KeyExchanges: sshKeyExchanges,
			Ciphers:      sshCiphers,
			MACs:         sshMACs,
		},
		MaxAuthTries:  maxTries,
		ServerVersion: version,
		PasswordCallback: func(c ssh.ConnMetadata, password []byte) (*ssh.Permissions, error) {
			return check(c, string(password))
		},
		KeyboardInteractiveCallback: func(c ssh.ConnMetadata, challenge ssh.KeyboardInteractiveChallenge) (*ssh.Permissions, error) {
			answers, err := challenge("", "", []string{"Password: "}, []bool{false})
			if err != nil {
				return nil, fmt.Errorf("transport: ssh: keyboard-interactive: %w", err)
			}
			if len(answers) != 1 {
				return nil, errors.New("transport: ssh: keyboard-interactive: expected one answer")
			}
			return check(c, answers[0])
		},
	}
	if s.Banner != "" {
		banner := s.Banner
		cfg.BannerCallback = func(ssh.ConnMetadata) string { return banner }
	}
	cfg.AddHostKey(s.HostKey)
	return cfg
}

// serve is the accept loop shared by both servers.
func serve(l net.Listener, set *connSet, handle func(context.Context, net.Conn)) error {
	ctx, ok := set.addListener(l)
	if !ok {
		l.Close()
		return ErrServerClosed
	}
	defer set.removeListener(l)
	defer l.Close()
	var backoff AcceptBackoff
	for {
		c, err := l.Accept()
		if err != nil {
			if set.isClosed() {
				return ErrServerClosed
			}
			if TemporaryAcceptError(err) {
				if !backoff.Wait(ctx) {
					return ErrServerClosed
				}
				continue
			}
			return fmt.Errorf("transport: accept: %w", err)
		}
		backoff.Reset()
		if !set.add(c) {
			c.Close()
			return ErrServerClosed
		}
		go func() {
			defer set.remove(c)
			defer c.Close()
			handle(ctx, c)
		}()
	}
}

func (s *SSHServer) handleConn(ctx context.Context, cfg *ssh.ServerConfig, c net.Conn) {
	log := s.logger().With("remote", c.RemoteAddr())
	timeout := s.HandshakeTimeout
	if timeout == 0 {
		timeout = DefaultHandshakeTimeout
	}
	c.SetDeadline(time.Now().Add(timeout)) // wall-clock-ok: network handshake deadline
	sc, chans, reqs, err := ssh.NewServerConn(c, cfg)
	if err != nil {
		log.Debug("ssh handshake failed", "err", err)
		return
	}
	c.SetDeadline(time.Time{})
	defer sc.Close()
	log = log.With("user", sc.User())
	log.Info("ssh connection")

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// This goroutine serves the connection's global requests (refused, as
	// keep-alives want), its new channels, and the requests of its first
	// session channel (pty-req, shell, window-change), which is all most
	// clients open: a held session costs no goroutine of its own for its
	// requests. Further channels get a goroutine each. chans is closed when
	// the connection ends; then every session's context is cancelled.
	var wg sync.WaitGroup
	var first *sshChannel
	var firstReqs <-chan *ssh.Request
	for chans != nil || firstReqs != nil {
		select {
		case req, ok := <-reqs:
			if !ok {
				reqs = nil
			} else if req.WantReply {
				req.Reply(false, nil)
			}
		case req, ok := <-firstReqs:
			if !ok {
				firstReqs = nil
				first.cancel() // waited for below
				continue
			}
			first.handle(req)
		case nc, ok := <-chans:
			if !ok {
				chans = nil
				continue
			}
			if nc.ChannelType() != "session" {
				nc.Reject(ssh.Prohibited, "only session channels are supported")
				continue
			}
			ch, creqs, err := nc.Accept()
			if err != nil {
				log.Debug("ssh channel accept failed", "err", err)
				continue
			}
			c := s.newChannel(ctx, log, sc, ch)
			if first == nil {
				first, firstReqs = c, creqs
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for req := range creqs {
					c.handle(req)
				}
				c.finish()
			}()
		}
	}
	cancel()
	if first != nil {
		first.finish()
	}
	wg.Wait()
}

// sshSession is the per-channel state behind a Session.
type sshSession struct {
	ch      ssh.Channel
	status  atomic.Int32
	endOnce sync.Once
	started bool
	win     *window
}

// end sends the exit status and closes the channel, once.
func (ss *sshSession) end() error {
	var err error
	ss.endOnce.Do(func() {
		st := ssh.Marshal(struct{ Status uint32 }{uint32(ss.status.Load())})
		if _, e := ss.ch.SendRequest("exit-status", false, st); e != nil && !errors.Is(e, net.ErrClosed) {
			err = fmt.Errorf("transport: ssh: exit-status: %w", e)
		}
		ss.ch.Close()
	})
	return err
}

// sshChannel serves one session channel's requests.
type sshChannel struct {
	srv    *SSHServer
	ctx    context.Context
	cancel context.CancelFunc
	log    *slog.Logger
	sc     *ssh.ServerConn
	ss     *sshSession
	term   string
	sess   *Session      // set by shell or exec
	done   chan struct{} // closed when the session handler returns
}

// exec prepares the session a shell ("") or exec request starts.
func (c *sshChannel) exec(command string) {
	ss := c.ss
	ss.started = true
	c.sess = &Session{
		ReadWriter: ss.ch,
		User:       c.sc.User(),
		RemoteAddr: c.sc.RemoteAddr(),
		Transport:  TransportSSH,
		Term:       c.term,
		Command:    command,
		Window:     ss.win.get,
		Resized:    ss.win.resized,
		Close:      ss.end,
		Exit:       func(status int) { ss.status.Store(int32(status)) },
	}
	c.log.Debug("ssh session", "command", command, "term", c.term)
}

func (s *SSHServer) newChannel(ctx context.Context, log *slog.Logger, sc *ssh.ServerConn, ch ssh.Channel) *sshChannel {
	ctx, cancel := context.WithCancel(ctx)
	return &sshChannel{srv: s, ctx: ctx, cancel: cancel, log: log, sc: sc,
		ss: &sshSession{ch: ch, win: newWindow()}, done: make(chan struct{})}
}

// handle answers one channel request; "shell" and "exec" start the session
// (in a goroutine of its own, after the reply, so that no output precedes
// it).
func (c *sshChannel) handle(req *ssh.Request) {
	ss := c.ss
	ok := false
	start := false
	switch req.Type {
	case "pty-req":
		var p struct {
			Term                 string
			Cols, Rows, PxW, PxH uint32
			Modes                string
		}
		if err := ssh.Unmarshal(req.Payload, &p); err == nil && !ss.started {
			c.term = p.Term
			ss.win.set(int(p.Cols), int(p.Rows))
			ok = true
		}
	case "window-change":
		var p struct{ Cols, Rows, PxW, PxH uint32 }
		if err := ssh.Unmarshal(req.Payload, &p); err == nil {
			ss.win.set(int(p.Cols), int(p.Rows))
			ok = true
		}
	case "env":
		ok = true // accepted and ignored
	case "shell", "exec":
		if ss.started {
			break
		}
		if req.Type == "exec" {
			var p struct{ Command string }
			if err := ssh.Unmarshal(req.Payload, &p); err != nil {
				break
			}
			c.exec(p.Command)
		} else {
			c.exec("")
		}
		ok, start = true, true
	}
	if req.WantReply {
		req.Reply(ok, nil)
	}
	if start {
		go func() {
			defer close(c.done)
			defer c.ss.end()
			c.srv.Handler.ServeSession(c.ctx, c.sess)
		}()
	}
}

// finish runs when the channel's requests end (the channel is closed by
// the client, by end, or with the connection): it stops the handler and
// waits for it.
func (c *sshChannel) finish() {
	c.cancel()
	if c.ss.started {
		<-c.done
	}
}
