package lab

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/ssh"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/clock"
	"github.com/iosemu/iosemu/device"
	"github.com/iosemu/iosemu/nvram"
	pkiios "github.com/iosemu/iosemu/pki/ios"
	"github.com/iosemu/iosemu/transport"
)

// Options configure a running lab.
type Options struct {
	StateDir string
	// Start is the lab clock's start on a new state dir (zero: now). A state
	// dir that has a saved clock continues from it instead.
	Start    time.Time
	Scale    float64 // virtual seconds per real second; 0 freezes the clock (only jumps move it)
	BasePort int     // control API; devices' ports above it (see Layout)
	Host     string  // listen address, default 127.0.0.1
	Logger   *slog.Logger
	// Clock, when set, is used instead of a new lab clock (tests pass a fake).
	Clock *clock.Lab
}

// Lab is many devices in one process, with their listeners.
type Lab struct {
	spec  *Spec
	opt   Options
	clock *clock.Lab
	nodes []*Node
	log   *slog.Logger

	mu        sync.Mutex
	listeners []net.Listener
	servers   []interface{ Close() error }
	control   *http.Server
	wg        sync.WaitGroup
	jumpMu    sync.Mutex // one jump at a time
	ports     Layout
	ftpAddr   string // the lab address of the FTP service, if any
	resumed   bool   // the clock continued from the state dir
	pki       pkiCounters
	ftpPool   ftpPool       // kept connections of the devices to the lab FTP service
	history   *history      // the event history (history.go)
	started   bool          // Start succeeded: Close saves the clock
	flushed   chan struct{} // closed when the first files are written and synced (Flushed)
	flushErr  error
	unlock    func() // releases the state dir lock
}

// Node is one running device and its ports.
type Node struct {
	Spec     DeviceSpec
	Router   *device.Router
	SSHPort  int
	Telnet   int
	HTTPPort int
}

// ErrPortInUse names a port another program holds.
type ErrPortInUse struct{ Port int }

func (e *ErrPortInUse) Error() string {
	return fmt.Sprintf("lab: port %d is already in use (choose another --base-port)", e.Port)
}

// ErrStateInUse is the error of a lab started on a state dir that another
// running lab holds.
type ErrStateInUse struct {
	Dir string
	PID int // 0 when the holder's pid could not be read
}

func (e *ErrStateInUse) Error() string {
	if e.PID == 0 {
		return fmt.Sprintf("lab: state dir %s is in use by another lab", e.Dir)
	}
	return fmt.Sprintf("lab: state dir %s is in use by pid %d", e.Dir, e.PID)
}

// clockFile holds the lab clock's state in the state dir.
const clockFile = "clock.json"

// Start boots every device of spec and opens its ports.
func Start(spec *Spec, opt Options) (*Lab, error) {
	if opt.BasePort == 0 {
		opt.BasePort = 2200
	}
	if opt.Host == "" {
		opt.Host = "127.0.0.1"
	}
	if opt.Scale < 0 || math.IsNaN(opt.Scale) || math.IsInf(opt.Scale, 0) {
		return nil, fmt.Errorf("lab: time scale %v: must be 0 (frozen) or positive", opt.Scale)
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// A command handler that panics costs its command, not the lab: the
	// session recovers and the panic is logged here with its stack.
	cli.OnPanic(func(line string, v any, stack []byte) {
		log.Error("a command panicked: a bug of iosemu", "line", line, "panic", fmt.Sprint(v), "stack", string(stack))
	})
	if err := os.MkdirAll(opt.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("lab: state dir: %w", err)
	}
	ports, err := LayoutFor(opt.BasePort, len(spec.Devices))
	if err != nil {
		return nil, err
	}
	l := &Lab{spec: spec, opt: opt, log: log, ports: ports}
	unlock, err := lockState(opt.StateDir)
	if err != nil {
		return nil, err
	}
	l.unlock = unlock
	l.clock = opt.Clock
	if l.clock == nil {
		c, err := l.openClock()
		if err != nil {
			return nil, err
		}
		l.clock = c
	}
	if l.history, err = openHistory(opt.StateDir); err != nil {
		l.Close()
		return nil, err
	}
	// Listen on every port first, so a port in use fails before anything boots.
	ctl, err := l.listen(opt.BasePort)
	if err != nil {
		l.Close()
		return nil, err
	}
	ntp := map[string]bool{}
	for _, s := range spec.Services {
		switch s.Kind {
		case "ntp":
			ntp[s.Address] = true
		case "ftp":
			if l.ftpAddr != "" {
				continue
			}
			ln, err := l.listen(ports.FTP())
			if err != nil {
				l.Close()
				return nil, err
			}
			for _, d := range s.Dirs {
				if err := os.MkdirAll(filepath.Join(l.ftpDir(), filepath.FromSlash(path.Clean("/"+d))), 0o700); err != nil {
					l.Close()
					return nil, fmt.Errorf("lab: ftp dirs: %w", err)
				}
			}
			if err := l.serveFTP(ln, l.ftpDir(), s.Users); err != nil {
				l.Close()
				return nil, err
			}
			l.ftpAddr = s.Address
		}
	}
	type devLns struct{ ssh, telnet, http net.Listener }
	lns := make([]devLns, len(spec.Devices))
	for i := range spec.Devices {
		var err error
		if lns[i].ssh, err = l.listen(ports.SSH(i)); err == nil {
			if lns[i].telnet, err = l.listen(ports.Telnet(i)); err == nil {
				lns[i].http, err = l.listen(ports.HTTP(i))
			}
		}
		if err != nil {
			l.Close()
			return nil, err
		}
	}
	// Boot the devices side by side: a new device makes an RSA host key
	// (~60 ms) and boots its configuration; they share nothing but the clock.
	httpc := l.httpClient()
	// The devices' first files (startup-config, indexes, image) are made
	// durable by one sync of the state dir's file system, not by some ten
	// fsyncs each.
	deferred := nvram.NewDeferred(opt.StateDir)
	nodes := make([]*Node, len(spec.Devices))
	keys := make([]*transport.HostKey, len(spec.Devices))
	errs := make([]error, len(spec.Devices))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, ds := range spec.Devices {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			dir := filepath.Join(opt.StateDir, "devices", ds.Name)
			r, err := device.New(device.Options{
				Name:         ds.Name,
				Platform:     ds.profile,
				Lab:          l.clock,
				Dir:          dir,
				Deferred:     deferred,
				Initial:      ds.Config,
				Logger:       log,
				NTPReachable: func(addr string) bool { return ntp[addr] },
				Neighbor:     l.owns,
				Remote:       remote{l},
				HTTP:         httpc,
				Features:     []device.Feature{pkiios.Feature{Logger: log, Events: l.pkiEvent, Fired: l.timerFired}},
				Peer:         l.peer,
			})
			if err != nil {
				errs[i] = err
				return
			}
			// The lab's NTP service has been running all along: a device
			// that points at it starts synchronised, as the seeds'
			// prerequisites say.
			r.Clock().SyncNow()
			nodes[i] = &Node{Spec: ds, Router: r, SSHPort: ports.SSH(i), Telnet: ports.Telnet(i), HTTPPort: ports.HTTP(i)}
			// A new device's host key is made by its first SSH client
			// (about 60 ms, once: it is kept in the state dir), not at
			// boot: a router nobody logs into costs no key.
			if keys[i], err = transport.OpenHostKey(filepath.Join(dir, "ssh_host_rsa_key")); err != nil {
				errs[i] = fmt.Errorf("lab: %s: %w", ds.Name, err)
			}
		}()
	}
	wg.Wait()
	for i, n := range nodes {
		if n != nil {
			l.nodes = append(l.nodes, n)
		}
		if errs[i] != nil {
			l.Close()
			return nil, errs[i]
		}
	}
	for i, n := range l.nodes {
		l.serveNode(n, keys[i].Signer(), lns[i].ssh, lns[i].telnet, lns[i].http)
	}
	// New devices' first files are written, and everything made durable,
	// while the lab already serves (a device's storage waits for its own).
	l.flushed = make(chan struct{})
	go func() {
		defer close(l.flushed)
		if err := deferred.Flush(); err != nil {
			l.flushErr = fmt.Errorf("lab: %w", err)
			log.Error("writing the devices' first files", "err", err)
		}
	}()
	// Only a lab that started leaves a clock behind: a failed start (a port
	// in use) must not make the next --start on this state dir be ignored.
	if !l.resumed && l.opt.Clock == nil {
		if err := l.SaveClock(); err != nil {
			l.Close()
			return nil, err
		}
	}
	l.started = true
	l.serveControl(ctl)
	if err := l.bootstrap(context.Background()); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// openClock makes the lab clock, continuing a saved one: a restarted lab
// stays where it stood (see clock.State), whatever --start says.
func (l *Lab) openClock() (*clock.Lab, error) {
	path := filepath.Join(l.opt.StateDir, clockFile)
	c := clock.NewLab(clock.Options{Start: l.opt.Start, Scale: l.opt.Scale, Logger: l.log})
	err := c.LoadState(path)
	switch {
	case err == nil:
		l.resumed = true
		return c, nil
	case errors.Is(err, fs.ErrNotExist):
		return c, nil // saved once the lab has started
	default:
		c.Close()
		return nil, fmt.Errorf("lab: %w", err)
	}
}

func (l *Lab) listen(port int) (net.Listener, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(l.opt.Host, fmt.Sprint(port)))
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) || strings.Contains(err.Error(), "address already in use") {
			return nil, &ErrPortInUse{port}
		}
		return nil, fmt.Errorf("lab: listen on port %d: %w", port, err)
	}
	l.mu.Lock()
	l.listeners = append(l.listeners, ln)
	l.mu.Unlock()
	return ln, nil
}

// serveNode serves a device's SSH, telnet and HTTP ports.
func (l *Lab) serveNode(n *Node, key ssh.Signer, sshLn, telLn, httpLn net.Listener) {
	r := n.Router
	handler := func(kind string) transport.HandlerFunc {
		return func(ctx context.Context, s *transport.Session) {
			sshOK, telnetOK := r.Transports()
			if (kind == transport.TransportSSH && !sshOK) || (kind == transport.TransportTelnet && !telnetOK) {
				_ = s.Close()
				return
			}
			remote := ""
			if s.RemoteAddr != nil {
				remote, _, _ = net.SplitHostPort(s.RemoteAddr.String())
			}
			status := 0
			sess := cli.New(r, cli.Conn{
				RW: s.ReadWriter, User: s.User, Remote: remote, Command: s.Command, Exit: s.Exit,
				Window: s.Window, Close: s.Close, LoggedIn: s.LoggedIn,
			})
			sess.Serve(ctx)
			if s.Exit != nil {
				s.Exit(status)
			}
		}
	}
	sshSrv := &transport.SSHServer{
		HostKey: key,
		Auth: transport.AuthenticatorFunc(func(user, pw string, _ net.Addr) bool {
			return r.CheckPassword(user, pw)
		}),
		Handler: handler(transport.TransportSSH),
		Logger:  l.log,
		OnAuthFail: func(user string, remote net.Addr) {
			host := ""
			if remote != nil {
				host, _, _ = net.SplitHostPort(remote.String())
			}
			r.Log(fmt.Sprintf("%%SEC_LOGIN-4-LOGIN_FAILED: Login failed [user: %s] [Source: %s] [localport: 22] [Reason: Login Authentication Failed]", logUser(user), host))
		},
	}
	telSrv := &transport.TelnetServer{Handler: handler(transport.TransportTelnet), Logger: l.log}
	httpSrv := &http.Server{Handler: httpGate(r), ReadHeaderTimeout: 10 * time.Second}
	l.mu.Lock()
	l.servers = append(l.servers, sshSrv, telSrv, httpSrv)
	l.mu.Unlock()
	l.goServe(func() error { return sshSrv.Serve(sshLn) })
	l.goServe(func() error { return telSrv.Serve(telLn) })
	l.goServe(func() error { return httpSrv.Serve(httpLn) })
}

// maxLogUser is how much of a failed login's user name goes into the log
// (IOS logs a few dozen characters of it).
const maxLogUser = 40

// logUser is a user name as a log line may carry it: an unauthenticated
// client chooses it, so control bytes (CR, LF, ESC: forged lines, terminal
// escapes on monitor sessions) become '?' and it is cut to maxLogUser
// characters, "..." marking the cut.
func logUser(name string) string {
	var b strings.Builder
	n := 0
	for _, r := range name {
		if n == maxLogUser {
			b.WriteString("...")
			break
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == utf8.RuneError {
			r = '?'
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// httpGate answers only while `ip http server` is configured; otherwise it
// drops the connection, as a router with no HTTP server refuses it.
func httpGate(r *device.Router) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if _, on := r.HTTPPort(); !on {
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					_ = c.Close()
					return
				}
			}
			http.Error(w, "", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Server", "cisco-IOS")
		r.HTTP().ServeHTTP(w, req)
	})
}

func (l *Lab) goServe(f func() error) {
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		if err := f(); err != nil && !errors.Is(err, transport.ErrServerClosed) && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			l.log.Error("server stopped", "err", err)
		}
	}()
}

// Resumed reports whether the lab clock continued from a saved state (so
// Options.Start was not used).
func (l *Lab) Resumed() bool { return l.resumed }

// Ports is the lab's port layout.
func (l *Lab) Ports() Layout { return l.ports }

// Clock is the lab clock.
func (l *Lab) Clock() *clock.Lab { return l.clock }

// Nodes are the running devices in lab-file order.
func (l *Lab) Nodes() []*Node { return l.nodes }

// Node finds a device by name.
func (l *Lab) Node(name string) *Node {
	for _, n := range l.nodes {
		if strings.EqualFold(n.Spec.Name, name) {
			return n
		}
	}
	return nil
}

// Table is the table `iosemu run` prints: how to reach each device.
func (l *Lab) Table() string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DEVICE\tPLATFORM\tLAB ADDRESS\tSSH\tTELNET\tHTTP")
	for _, n := range l.nodes {
		p := n.Router.Platform()
		fmt.Fprintf(tw, "%s\t%s %s\t%s\tssh -p %d admin@%s\ttelnet %s %d\t%d\n",
			n.Spec.Name, p.Name, p.Model, n.Spec.Address, n.SSHPort, l.opt.Host, l.opt.Host, n.Telnet, n.HTTPPort)
	}
	for _, s := range l.spec.Services {
		port := "-"
		if s.Kind == "ftp" {
			port = fmt.Sprintf("FTP on %d", l.ports.FTP())
		}
		fmt.Fprintf(tw, "%s\tlab service\t%s\t-\t-\t%s\n", s.Name, s.Address, port)
	}
	_ = tw.Flush()
	return b.String()
}

// SaveClock writes the clock state to the state dir.
func (l *Lab) SaveClock() error {
	return l.clock.SaveState(filepath.Join(l.opt.StateDir, clockFile))
}

// Close stops every listener and session, and saves the clock.
// Flushed waits until the devices' first files are written and the state
// dir is synced (Start leaves that running while the lab serves), and says
// whether that failed.
func (l *Lab) Flushed() error {
	if l.flushed == nil {
		return nil
	}
	<-l.flushed
	return l.flushErr
}

func (l *Lab) Close() error {
	_ = l.Flushed()
	l.ftpPool.close()
	l.mu.Lock()
	servers, listeners := l.servers, l.listeners
	l.servers, l.listeners = nil, nil
	l.mu.Unlock()
	if l.control != nil {
		_ = l.control.Close()
	}
	for _, s := range servers {
		_ = s.Close()
	}
	for _, ln := range listeners {
		_ = ln.Close()
	}
	for _, n := range l.nodes {
		n.Router.Close()
	}
	l.wg.Wait()
	var err error
	if l.clock != nil && l.opt.Clock == nil {
		if l.started {
			err = l.SaveClock()
		}
		l.clock.Close()
	}
	if l.history != nil {
		if herr := l.history.close(); err == nil {
			err = herr
		}
	}
	if l.unlock != nil {
		l.unlock()
		l.unlock = nil
	}
	return err
}

// owns tells whether a lab device's up interface or a lab service has addr,
// and its MAC address: the lab's address map, as a ping and ARP see it.
func (l *Lab) owns(addr netip.Addr) (string, bool) {
	for _, s := range l.spec.Services {
		if s.Address == addr.String() {
			b := addr.As4()
			// A lab service's MAC: a locally administered address from its IP.
			return fmt.Sprintf("0200.%02x%02x.%02x%02x", b[0], b[1], b[2], b[3]), true
		}
	}
	for _, n := range l.nodes {
		if mac, ok := n.Router.Owns(addr); ok {
			return mac, true
		}
	}
	return "", false
}

// peer is the lab router that owns addr on an up interface.
func (l *Lab) peer(addr netip.Addr) (*device.Router, bool) {
	for _, n := range l.nodes {
		if _, ok := n.Router.Owns(addr); ok {
			return n.Router, true
		}
	}
	return nil, false
}
