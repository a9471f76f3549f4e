package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/ssh"
)

// authFails records OnAuthFail calls.
type authFails struct {
	mu    sync.Mutex
	users []string
}

func (a *authFails) record(user string, remote net.Addr) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if remote == nil {
		user += " (no remote)"
	}
	a.users = append(a.users, user)
}

func (a *authFails) get() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.users...)
}

func startSSH(t testing.TB, mod func(*SSHServer)) (string, *SSHServer) {
	t.Helper()
	srv := &SSHServer{HostKey: testHostKey(t), Auth: ciscoAuth, Handler: HandlerFunc(testHandler)}
	if mod != nil {
		mod(srv)
	}
	return startServer(t, srv), srv
}

func clientConfig(user string, auth ...ssh.AuthMethod) *ssh.ClientConfig {
	return &ssh.ClientConfig{
		User:            user,
		Auth:            auth,
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
		Timeout:         testTimeout,
	}
}

func dial(t testing.TB, addr string, cfg *ssh.ClientConfig) *ssh.Client {
	t.Helper()
	c, err := ssh.Dial("tcp", addr, cfg)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// kbdInt answers every keyboard-interactive prompt with password and
// records the prompts.
func kbdInt(password string, prompts *[]string) ssh.AuthMethod {
	return ssh.KeyboardInteractive(func(name, instruction string, questions []string, echos []bool) ([]string, error) {
		answers := make([]string, len(questions))
		for i, q := range questions {
			*prompts = append(*prompts, fmt.Sprintf("%s echo=%v", q, echos[i]))
			answers[i] = password
		}
		return answers, nil
	})
}

func TestSSHAuth(t *testing.T) {
	tests := []struct {
		name        string
		user        string
		auth        func(prompts *[]string) ssh.AuthMethod
		wantOK      bool
		wantPrompts []string
	}{
		{name: "password ok", user: "admin", auth: func(*[]string) ssh.AuthMethod { return ssh.Password("cisco") }, wantOK: true},
		{name: "wrong password", user: "admin", auth: func(*[]string) ssh.AuthMethod { return ssh.Password("wrong") }},
		{name: "unknown user", user: "bob", auth: func(*[]string) ssh.AuthMethod { return ssh.Password("cisco") }},
		{
			name: "keyboard-interactive ok", user: "admin", wantOK: true,
			auth:        func(p *[]string) ssh.AuthMethod { return kbdInt("cisco", p) },
			wantPrompts: []string{"Password:  echo=false"},
		},
		{
			name: "keyboard-interactive wrong", user: "admin",
			auth:        func(p *[]string) ssh.AuthMethod { return kbdInt("nope", p) },
			wantPrompts: []string{"Password:  echo=false"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fails authFails
			addr, _ := startSSH(t, func(s *SSHServer) { s.OnAuthFail = fails.record })
			var prompts []string
			c, err := ssh.Dial("tcp", addr, clientConfig(tt.user, tt.auth(&prompts)))
			if tt.wantOK {
				if err != nil {
					t.Fatalf("dial: %v", err)
				}
				defer c.Close()
				if got := string(c.ServerVersion()); got != DefaultSSHVersion {
					t.Errorf("server version %q, want %q", got, DefaultSSHVersion)
				}
				if got := fails.get(); len(got) != 0 {
					t.Errorf("OnAuthFail called: %v", got)
				}
			} else {
				if err == nil {
					c.Close()
					t.Fatal("authentication succeeded, want failure")
				}
				if got := fails.get(); len(got) != 1 || got[0] != tt.user {
					t.Errorf("OnAuthFail calls %v, want [%s]", got, tt.user)
				}
			}
			if strings.Join(prompts, "|") != strings.Join(tt.wantPrompts, "|") {
				t.Errorf("prompts %q, want %q", prompts, tt.wantPrompts)
			}
		})
	}
}

func TestSSHMaxAuthTries(t *testing.T) {
	tests := []struct {
		name     string
		maxTries int
		want     int
	}{
		{name: "default", maxTries: 0, want: DefaultMaxAuthTries},
		{name: "five", maxTries: 5, want: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fails authFails
			addr, _ := startSSH(t, func(s *SSHServer) {
				s.MaxAuthTries = tt.maxTries
				s.OnAuthFail = fails.record
			})
			var tries atomic.Int32
			auth := ssh.RetryableAuthMethod(ssh.PasswordCallback(func() (string, error) {
				tries.Add(1)
				return "wrong", nil
			}), 100)
			_, err := ssh.Dial("tcp", addr, clientConfig("admin", auth))
			if err == nil {
				t.Fatal("authentication succeeded")
			}
			if got := int(tries.Load()); got != tt.want {
				t.Errorf("client tried %d passwords before disconnect, want %d", got, tt.want)
			}
			if got := len(fails.get()); got != tt.want {
				t.Errorf("OnAuthFail called %d times, want %d", got, tt.want)
			}
		})
	}
}

func TestSSHExec(t *testing.T) {
	tests := []struct {
		command    string
		wantOutput string
		wantStatus int
	}{
		{command: "show version", wantOutput: "Cisco IOS Software, test handler, user admin\r\n"},
		{command: "exit 3", wantStatus: 3},
		{command: "bogus", wantOutput: "% Invalid input: bogus\r\n", wantStatus: 1},
	}
	addr, _ := startSSH(t, nil)
	c := dial(t, addr, clientConfig("admin", ssh.Password("cisco")))
	for _, tt := range tests {
		t.Run(tt.command, func(t *testing.T) {
			sess, err := c.NewSession()
			if err != nil {
				t.Fatal(err)
			}
			defer sess.Close()
			out, err := sess.Output(tt.command)
			status := 0
			var exitErr *ssh.ExitError
			if errors.As(err, &exitErr) {
				status = exitErr.ExitStatus()
			} else if err != nil {
				t.Fatalf("exec: %v", err)
			}
			if string(out) != tt.wantOutput || status != tt.wantStatus {
				t.Errorf("got %q status %d, want %q status %d", out, status, tt.wantOutput, tt.wantStatus)
			}
		})
	}
}

// shell opens an interactive session with a pty and returns its screen.
func shell(t testing.TB, c *ssh.Client, term string, w, h int) (*ssh.Session, *screen, func(string)) {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sess.Close() })
	if term != "" {
		if err := sess.RequestPty(term, h, w, ssh.TerminalModes{ssh.ECHO: 0}); err != nil {
			t.Fatal(err)
		}
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Setenv("LANG", "C"); err != nil {
		t.Errorf("env request refused: %v", err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	send := func(s string) {
		if _, err := stdin.Write([]byte(s)); err != nil {
			t.Errorf("write: %v", err)
		}
	}
	return sess, newScreen(stdout), send
}

func TestSSHShellPtyWindow(t *testing.T) {
	addr, _ := startSSH(t, nil)
	c := dial(t, addr, clientConfig("admin", ssh.Password("cisco")))
	sess, sc, send := shell(t, c, "vt100", 80, 24)
	sc.waitFor(t, "transport=ssh term=vt100 size=80x24\r\nRouter>")
	send("hello\r")
	sc.waitFor(t, "hello\r\necho: hello\r\nRouter>")

	steps := []struct{ w, h int }{{132, 50}, {100, 30}}
	for _, st := range steps {
		if err := sess.WindowChange(st.h, st.w); err != nil {
			t.Fatal(err)
		}
		sc.waitFor(t, fmt.Sprintf("[resized %dx%d]", st.w, st.h))
		send("window\r")
		sc.waitFor(t, fmt.Sprintf("window=%dx%d\r\n", st.w, st.h))
	}
	send("exit\r")
	if err := sess.Wait(); err != nil {
		t.Errorf("session ended with %v, want exit status 0", err)
	}
}

func TestSSHShellWithoutPty(t *testing.T) {
	addr, _ := startSSH(t, nil)
	c := dial(t, addr, clientConfig("admin", ssh.Password("cisco")))
	sess, sc, send := shell(t, c, "", 0, 0)
	sc.waitFor(t, "transport=ssh term= size=0x0\r\nRouter>")
	send("show clock\n")
	sc.waitFor(t, "echo: show clock\r\n")
	send("exit\n")
	if err := sess.Wait(); err != nil {
		t.Errorf("session ended with %v", err)
	}
}

func TestSSHMultipleChannels(t *testing.T) {
	addr, _ := startSSH(t, nil)
	c := dial(t, addr, clientConfig("admin", ssh.Password("cisco")))
	_, sc1, send1 := shell(t, c, "xterm", 80, 24)
	_, sc2, send2 := shell(t, c, "xterm", 100, 40)
	sc1.waitFor(t, "size=80x24\r\nRouter>")
	sc2.waitFor(t, "size=100x40\r\nRouter>")
	send2("two\r")
	send1("one\r")
	sc1.waitFor(t, "echo: one\r\n")
	sc2.waitFor(t, "echo: two\r\n")
	out, err := mustSession(t, c).Output("show version")
	if err != nil || !strings.Contains(string(out), "Cisco IOS") {
		t.Errorf("exec beside shells: %q, %v", out, err)
	}
}

func mustSession(t testing.TB, c *ssh.Client) *ssh.Session {
	t.Helper()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSSHAlgorithms(t *testing.T) {
	tests := []struct {
		name string
		alg  ssh.Config
		host []string
	}{
		{name: "ssh-rsa sha1 host key (old paramiko)", host: []string{ssh.KeyAlgoRSA}},
		{name: "rsa-sha2-256", host: []string{ssh.KeyAlgoRSASHA256}},
		{name: "rsa-sha2-512", host: []string{ssh.KeyAlgoRSASHA512}},
		{name: "paramiko 2 style", host: []string{ssh.KeyAlgoRSA}, alg: ssh.Config{
			KeyExchanges: []string{ssh.InsecureKeyExchangeDH14SHA1},
			Ciphers:      []string{ssh.CipherAES128CTR},
			MACs:         []string{ssh.HMACSHA1},
		}},
		{name: "group-exchange sha256 aes256-ctr", alg: ssh.Config{
			KeyExchanges: []string{ssh.KeyExchangeDHGEXSHA256},
			Ciphers:      []string{ssh.CipherAES256CTR},
			MACs:         []string{ssh.HMACSHA256},
		}},
		{name: "IOS legacy cbc", alg: ssh.Config{
			KeyExchanges: []string{ssh.InsecureKeyExchangeDH1SHA1},
			Ciphers:      []string{ssh.InsecureCipherAES128CBC},
			MACs:         []string{ssh.InsecureHMACSHA196},
		}},
		{name: "modern", alg: ssh.Config{
			KeyExchanges: []string{ssh.KeyExchangeCurve25519},
			Ciphers:      []string{ssh.CipherChaCha20Poly1305},
		}},
	}
	addr, _ := startSSH(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := clientConfig("admin", ssh.Password("cisco"))
			cfg.Config = tt.alg
			cfg.HostKeyAlgorithms = tt.host
			c := dial(t, addr, cfg)
			out, err := mustSession(t, c).Output("show version")
			if err != nil || !strings.Contains(string(out), "Cisco IOS") {
				t.Errorf("exec: %q, %v", out, err)
			}
		})
	}
}

func TestSSHBannerAndVersion(t *testing.T) {
	addr, _ := startSSH(t, func(s *SSHServer) {
		s.Banner = "Authorized access only\r\n"
		s.Version = "SSH-2.0-Cisco-2.0"
	})
	var banner string
	cfg := clientConfig("admin", ssh.Password("cisco"))
	cfg.BannerCallback = func(msg string) error { banner = msg; return nil }
	c := dial(t, addr, cfg)
	if banner != "Authorized access only\r\n" {
		t.Errorf("banner %q", banner)
	}
	if v := string(c.ServerVersion()); v != "SSH-2.0-Cisco-2.0" {
		t.Errorf("version %q", v)
	}
}

func TestSSHRejectsNonSessionChannel(t *testing.T) {
	addr, _ := startSSH(t, nil)
	c := dial(t, addr, clientConfig("admin", ssh.Password("cisco")))
	_, err := c.Dial("tcp", "127.0.0.1:1")
	var oce *ssh.OpenChannelError
	if !errors.As(err, &oce) || oce.Reason != ssh.Prohibited {
		t.Errorf("direct-tcpip: %v, want prohibited", err)
	}
}

func TestSSHServeRequiresConfig(t *testing.T) {
	tests := []struct {
		name string
		srv  *SSHServer
	}{
		{name: "no host key", srv: &SSHServer{Auth: ciscoAuth, Handler: HandlerFunc(testHandler)}},
		{name: "no auth", srv: &SSHServer{HostKey: testHostKey(t), Handler: HandlerFunc(testHandler)}},
		{name: "no handler", srv: &SSHServer{HostKey: testHostKey(t), Auth: ciscoAuth}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := listen(t)
			defer l.Close()
			if err := tt.srv.Serve(l); err == nil || !strings.HasPrefix(err.Error(), "transport: ") {
				t.Errorf("Serve: %v, want a transport error", err)
			}
		})
	}
}

func TestSSHCloseEndsSessions(t *testing.T) {
	started := make(chan struct{})
	ended := make(chan struct{})
	srv := &SSHServer{HostKey: testHostKey(t), Auth: ciscoAuth, Handler: HandlerFunc(func(ctx context.Context, s *Session) {
		close(started)
		<-ctx.Done()
		close(ended)
	})}
	l := listen(t)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	c, err := ssh.Dial("tcp", l.Addr().String(), clientConfig("admin", ssh.Password("cisco")))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	<-started
	if err := srv.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	<-ended
	if err := <-served; !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve: %v", err)
	}
	if err := sess.Wait(); err == nil {
		t.Error("session still fine after server Close")
	}
	if err := srv.Serve(listen(t)); !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve after Close: %v", err)
	}
}

func TestSSHConcurrentSessions(t *testing.T) {
	const n = 200
	addr, _ := startSSH(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- roundTrip(ctx, addr, i) }()
	}
	for range n {
		select {
		case err := <-errs:
			if err != nil {
				t.Error(err)
			}
		case <-ctx.Done():
			t.Fatalf("%d concurrent sessions did not finish in %v", n, testTimeout)
		}
	}
}

// roundTrip opens a shell, sends a line and waits for its echo.
func roundTrip(ctx context.Context, addr string, i int) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	sc, chans, reqs, err := ssh.NewClientConn(conn, addr, clientConfig("admin", ssh.Password("cisco")))
	if err != nil {
		return fmt.Errorf("session %d: handshake: %w", i, err)
	}
	c := ssh.NewClient(sc, chans, reqs)
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		return fmt.Errorf("session %d: %w", i, err)
	}
	defer sess.Close()
	if err := sess.RequestPty("xterm", 24, 80, nil); err != nil {
		return fmt.Errorf("session %d: pty: %w", i, err)
	}
	stdin, _ := sess.StdinPipe()
	stdout, _ := sess.StdoutPipe()
	if err := sess.Shell(); err != nil {
		return fmt.Errorf("session %d: shell: %w", i, err)
	}
	fmt.Fprintf(stdin, "ping %d\r", i)
	want := fmt.Sprintf("echo: ping %d\r\n", i)
	var got []byte
	buf := make([]byte, 1024)
	for !strings.Contains(string(got), want) {
		n, err := stdout.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			return fmt.Errorf("session %d: read: %w (got %q)", i, err, got)
		}
	}
	fmt.Fprint(stdin, "exit\r")
	return sess.Wait()
}
