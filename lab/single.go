package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/jlaffaye/ftp"
	"gopkg.in/yaml.v3"

	"github.com/iosemu/iosemu/device"
	pkiios "github.com/iosemu/iosemu/pki/ios"
	"github.com/iosemu/iosemu/platforms"
	"github.com/iosemu/iosemu/transport"
)

// One device on its own (`iosemu device`, one container of a containerlab
// topology): the same router, features, transports and bootstrap as a lab's
// device, but on real ports, and with its lab peers on the real network.
// Its own connections (SCEP over HTTP, `copy … ftp://`, the CA's database
// url) dial the lab address itself, where in a container the peer's
// container has that address; a peer map sends an address, or one port of
// it, elsewhere (tests on 127.0.0.1, an address no container can have).

// DeviceFile is device.yaml: a lab file's device (name, platform, address,
// config, bootstrap) with what it needs from the lab around it.
//
//	name: spoke-1
//	platform: ISR-G1
//	address: 172.16.1.11
//	config: |
//	  hostname spoke-1
//	bootstrap: |
//	  admin
//	services:                        # lab services it reaches (as in a lab file)
//	  - {name: ftp, kind: ftp, address: 10.1.1.1}
//	peers:                           # lab address[:port] -> real host[:port]
//	  10.1.1.1: 172.16.1.100
//	wait_for:                        # what must answer before the bootstrap (http 2xx, tcp connect)
//	  - http://172.16.1.1:80/cgi-bin/pkiclient.exe?operation=GetCACert
type DeviceFile struct {
	DeviceSpec `yaml:",inline"`
	Services   []ServiceSpec     `yaml:"services,omitempty"`
	Peers      map[string]string `yaml:"peers,omitempty"`
	WaitFor    []string          `yaml:"wait_for,omitempty"`
}

// LoadDeviceFile reads and checks a device.yaml.
func LoadDeviceFile(file string) (*DeviceFile, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	return ParseDeviceFile(file, data)
}

// ParseDeviceFile decodes a device.yaml. Unknown fields are errors that
// name the file and line.
func ParseDeviceFile(file string, data []byte) (*DeviceFile, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(root.Content) == 0 {
		return nil, &FieldError{file, 1, "name", "empty device file"}
	}
	doc := root.Content[0]
	if err := checkKeys(file, doc, "device", "name", "platform", "address", "config", "bootstrap", "services", "peers", "wait_for"); err != nil {
		return nil, err
	}
	f := &DeviceFile{}
	if err := doc.Decode(f); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	f.line = doc.Line
	if err := f.Check(); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			fe.File = file
			fe.Line = fieldLine(doc, strings.SplitN(fe.Field, "[", 2)[0], doc.Line)
		}
		return nil, err
	}
	return f, nil
}

// Check validates the device file (after flags have changed it) and
// resolves its platform.
func (f *DeviceFile) Check() error {
	fe := func(field, msg string) error { return &FieldError{"device.yaml", f.line, field, msg} }
	if f.Name == "" {
		return fe("name", "missing")
	}
	p, err := platforms.Lookup(f.Platform)
	if err != nil {
		return fe("platform", err.Error())
	}
	f.profile = p
	if f.Address != "" {
		if a, err := netip.ParseAddr(f.Address); err != nil || !a.Is4() {
			return fe("address", fmt.Sprintf("%q is not an IPv4 address", f.Address))
		}
	}
	for i, s := range f.Services {
		switch s.Kind {
		case "ftp", "ntp":
		case "forward":
			if _, err := netip.ParseAddr(s.To); err != nil {
				return fe(fmt.Sprintf("services[%d].to", i), fmt.Sprintf("%q is not an IP address", s.To))
			}
		default:
			return fe(fmt.Sprintf("services[%d].kind", i), fmt.Sprintf("%q is not a service kind (ftp, ntp, forward)", s.Kind))
		}
		if a, err := netip.ParseAddr(s.Address); err != nil || !a.Is4() {
			return fe(fmt.Sprintf("services[%d].address", i), fmt.Sprintf("%q is not an IPv4 address", s.Address))
		}
	}
	if _, err := parsePeers(f.Peers); err != nil {
		return fe("peers", err.Error())
	}
	for i, u := range f.WaitFor {
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "tcp") || pu.Port() == "" && pu.Scheme == "tcp" || pu.Host == "" {
			return fe(fmt.Sprintf("wait_for[%d]", i), fmt.Sprintf("%q is not an http:// URL or a tcp://HOST:PORT", u))
		}
	}
	return nil
}

// initialConfig is what the device boots with on an empty nvram: its
// config, or the blank lab's essentials when it has none.
func (f *DeviceFile) initialConfig() string {
	if f.Config != "" {
		return f.Config
	}
	return defaultConfig(f.Name, f.Address, f.profile)
}

// defaultConfig is the blank lab's hostname, login, first interface and vty
// lines.
func defaultConfig(name, addr string, p *platforms.Profile) string {
	var b strings.Builder
	fmt.Fprintf(&b, "hostname %s\nenable secret cisco\nusername admin privilege 15 secret cisco\n", name)
	if addr != "" {
		for _, i := range p.Interfaces {
			if !i.Management {
				fmt.Fprintf(&b, "interface %s\n ip address %s 255.255.255.0\n no shutdown\n", i.Name, addr)
				break
			}
		}
	}
	b.WriteString("line vty 0 4\n login local\n transport input ssh telnet\n")
	return b.String()
}

// peerMap sends lab addresses elsewhere: "A:P" -> "H:Q" for one port, "A"
// -> "H" for every port (the port is kept).
type peerMap struct {
	ports map[string]string
	hosts map[string]string
}

// ParsePeer checks one peer mapping, "ADDR[:PORT]=HOST[:PORT]" (the flag's
// form), and returns its two sides.
func ParsePeer(s string) (from, to string, err error) {
	from, to, ok := strings.Cut(s, "=")
	if !ok {
		return "", "", fmt.Errorf("lab: peer %q: want LABADDR[:PORT]=HOST[:PORT]", s)
	}
	if _, err := parsePeers(map[string]string{from: to}); err != nil {
		return "", "", err
	}
	return from, to, nil
}

func parsePeers(m map[string]string) (peerMap, error) {
	p := peerMap{ports: map[string]string{}, hosts: map[string]string{}}
	for from, to := range m {
		fh, fp, fErr := net.SplitHostPort(from)
		th, tp, tErr := net.SplitHostPort(to)
		switch {
		case fErr == nil && tErr == nil:
			if _, err := netip.ParseAddr(fh); err != nil || fp == "" || th == "" || tp == "" {
				return p, fmt.Errorf("lab: peer %s=%s: want LABADDR:PORT=HOST:PORT", from, to)
			}
			p.ports[from] = to
		case fErr != nil && tErr != nil:
			if _, err := netip.ParseAddr(from); err != nil || to == "" {
				return p, fmt.Errorf("lab: peer %s=%s: want LABADDR=HOST", from, to)
			}
			p.hosts[from] = to
		default:
			return p, fmt.Errorf("lab: peer %s=%s: give a port on both sides or on neither", from, to)
		}
	}
	return p, nil
}

// resolve is where a connection to a lab address and port goes.
func (p peerMap) resolve(address string) string {
	if to, ok := p.ports[address]; ok {
		return to
	}
	if host, port, err := net.SplitHostPort(address); err == nil {
		if to, ok := p.hosts[host]; ok {
			return net.JoinHostPort(to, port)
		}
	}
	return address
}

func (p peerMap) has(addr netip.Addr) bool {
	if _, ok := p.hosts[addr.String()]; ok {
		return true
	}
	for from := range p.ports {
		if h, _, _ := net.SplitHostPort(from); h == addr.String() {
			return true
		}
	}
	return false
}

// DeviceOptions configure a device run on its own.
type DeviceOptions struct {
	StateDir string
	Start    time.Time // the clock's start on a new state dir (zero: now)
	Scale    float64   // virtual seconds per real second; 0 freezes the clock
	// Listen is the address the ports listen on ("" or "0.0.0.0": all).
	Listen string
	// The device's ports; 0 means 22, 23 and 80.
	SSHPort, TelnetPort, HTTPPort int
	// Control, when set, serves the lab control API there (clock, save),
	// for requests to 127.0.0.1, localhost or the Listen address.
	Control string
	Logger  *slog.Logger
	// BootstrapDone is called when the bootstrap has run (or was not
	// needed), with its error; nil: logged.
	BootstrapDone func(error)
}

// StartDevice boots one device from f and opens its ports. Its bootstrap,
// on the first start of a state dir, is typed in the background once every
// wait_for URL answers, so the device answers on its ports at once.
func StartDevice(f *DeviceFile, opt DeviceOptions) (*Lab, error) {
	if f.profile == nil {
		if err := f.Check(); err != nil {
			return nil, err
		}
	}
	peers, err := parsePeers(f.Peers)
	if err != nil {
		return nil, err
	}
	if opt.Scale < 0 || math.IsNaN(opt.Scale) || math.IsInf(opt.Scale, 0) {
		return nil, fmt.Errorf("lab: time scale %v: must be 0 (frozen) or positive", opt.Scale)
	}
	if opt.SSHPort == 0 {
		opt.SSHPort = 22
	}
	if opt.TelnetPort == 0 {
		opt.TelnetPort = 23
	}
	if opt.HTTPPort == 0 {
		opt.HTTPPort = 80
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(opt.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("lab: state dir: %w", err)
	}
	host := opt.Listen
	if host == "0.0.0.0" {
		host = ""
	}
	spec := &Spec{Name: f.Name, Services: f.Services, Devices: []DeviceSpec{f.DeviceSpec}}
	l := &Lab{spec: spec, opt: Options{StateDir: opt.StateDir, Start: opt.Start, Scale: opt.Scale, Host: host, Logger: log}, log: log}
	if l.unlock, err = lockState(opt.StateDir); err != nil {
		return nil, err
	}
	if l.clock, err = l.openClock(); err != nil {
		l.Close()
		return nil, err
	}
	var ctl, sshLn, telLn, httpLn net.Listener
	if opt.Control != "" {
		if ctl, err = l.listenAddr(opt.Control); err != nil {
			l.Close()
			return nil, err
		}
		// The control API answers requests for its own host:port only
		// (127.0.0.1, localhost, the --listen address).
		l.opt.BasePort = ctl.Addr().(*net.TCPAddr).Port
	}
	for _, p := range []struct {
		ln   *net.Listener
		port int
	}{{&sshLn, opt.SSHPort}, {&telLn, opt.TelnetPort}, {&httpLn, opt.HTTPPort}} {
		if *p.ln, err = l.listenAddr(net.JoinHostPort(host, fmt.Sprint(p.port))); err != nil {
			l.Close()
			return nil, err
		}
	}
	ntp := map[string]bool{}
	for _, s := range f.Services {
		if s.Kind == "ntp" {
			ntp[s.Address] = true
		}
	}
	nd := netDialer{peers: peers, services: f.Services}
	dir := l.deviceDir(f.Name)
	r, err := device.New(device.Options{
		Name:         f.Name,
		Platform:     f.profile,
		Lab:          l.clock,
		Dir:          dir,
		Initial:      f.initialConfig(),
		Logger:       log,
		NTPReachable: func(addr string) bool { return ntp[addr] },
		Neighbor: func(a netip.Addr) (string, bool) {
			if mac, ok := l.owns(a); ok || !peers.has(a) {
				return mac, ok
			}
			return serviceMAC(a), true
		},
		Remote:   netRemote{nd},
		HTTP:     nd.httpClient(),
		Features: []device.Feature{pkiios.Feature{Logger: log}},
	})
	if err != nil {
		l.Close()
		return nil, err
	}
	r.Clock().SyncNow()
	n := &Node{Spec: f.DeviceSpec, Router: r, SSHPort: opt.SSHPort, Telnet: opt.TelnetPort, HTTPPort: opt.HTTPPort}
	l.nodes = []*Node{n}
	key, err := transport.LoadOrCreateHostKey(filepath.Join(dir, "ssh_host_rsa_key"))
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("lab: %s: %w", f.Name, err)
	}
	l.serveNode(n, key, sshLn, telLn, httpLn)
	if !l.resumed {
		if err := l.SaveClock(); err != nil {
			l.Close()
			return nil, err
		}
	}
	l.started = true
	if ctl != nil {
		l.serveControl(ctl)
	}
	ctx, cancel := context.WithCancel(context.Background())
	l.mu.Lock()
	l.servers = append(l.servers, closerFunc(func() error { cancel(); return nil }))
	l.mu.Unlock()
	done := opt.BootstrapDone
	if done == nil {
		done = func(err error) {
			if err != nil {
				log.Error("bootstrap", "device", f.Name, "err", err)
			}
		}
	}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		err := nd.waitFor(ctx, f.WaitFor, log)
		if err == nil {
			err = l.bootstrap(ctx)
		}
		if ctx.Err() == nil { // not stopped on the way
			done(err)
		}
	}()
	return l, nil
}

type closerFunc func() error

func (c closerFunc) Close() error { return c() }

// listenAddr listens on a full HOST:PORT address.
func (l *Lab) listenAddr(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("lab: listen on %s: %w", addr, err)
	}
	l.mu.Lock()
	l.listeners = append(l.listeners, ln)
	l.mu.Unlock()
	return ln, nil
}

func serviceMAC(a netip.Addr) string {
	b := a.As4()
	return fmt.Sprintf("0200.%02x%02x.%02x%02x", b[0], b[1], b[2], b[3])
}

// netDialer is a lone device's way into the lab: the real network, through
// the peer map and the forward services.
type netDialer struct {
	peers    peerMap
	services []ServiceSpec
}

func (d netDialer) target(address string) string {
	if host, port, err := net.SplitHostPort(address); err == nil {
		for _, s := range d.services {
			if s.Kind == "forward" && s.Address == host {
				return net.JoinHostPort(s.To, port)
			}
		}
	}
	return d.peers.resolve(address)
}

func (d netDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	nd := net.Dialer{Timeout: 10 * time.Second} // wall-clock-ok: a TCP connect deadline
	return nd.DialContext(ctx, network, d.target(address))
}

func (d netDialer) httpClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			DialContext:         d.DialContext,
			MaxIdleConnsPerHost: 4,
			IdleConnTimeout:     30 * time.Second, // wall-clock-ok: a socket's idle life
		},
		Timeout: 30 * time.Second, // wall-clock-ok: a network deadline
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// waitFor polls each URL until it answers: the peers a bootstrap needs
// (a CA that enrols) come up in their own containers, in their own time.
func (d netDialer) waitFor(ctx context.Context, urls []string, log *slog.Logger) error {
	c := d.httpClient()
	c.Timeout = 5 * time.Second // wall-clock-ok: one probe's deadline
	for _, u := range urls {
		tick := time.NewTicker(time.Second) // wall-clock-ok: polling a peer on the real network
		waited := 0
		for {
			if d.answers(ctx, c, u) {
				break
			}
			if waited%30 == 0 {
				log.Info("waiting before the bootstrap", "url", u)
			}
			waited++
			select {
			case <-ctx.Done():
				tick.Stop()
				return ctx.Err()
			case <-tick.C:
			}
		}
		tick.Stop()
	}
	return nil
}

// answers tells whether u answers: an http:// URL with 2xx, a tcp://
// address by accepting a connection.
func (d netDialer) answers(ctx context.Context, c *http.Client, u string) bool {
	if addr, ok := strings.CutPrefix(u, "tcp://"); ok {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second) // wall-clock-ok: one probe's deadline
		defer cancel()
		conn, err := d.DialContext(ctx, "tcp", strings.TrimSuffix(addr, "/"))
		if err != nil {
			return false
		}
		conn.Close()
		return true
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return false
	}
	resp, err := c.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp.StatusCode/100 == 2
}

// netRemote is a lone device's FTP client (copy … ftp://, a CA's database
// url): real FTP to the lab address, through the peer map, data
// connections included.
type netRemote struct{ d netDialer }

func (r netRemote) dial(ctx context.Context, u *url.URL) (*ftp.ServerConn, error) {
	port := u.Port()
	if port == "" {
		port = "21"
	}
	c, err := ftp.Dial(net.JoinHostPort(u.Hostname(), port),
		ftp.DialWithDialFunc(func(network, address string) (net.Conn, error) {
			return r.d.DialContext(ctx, network, address)
		}))
	if err != nil {
		return nil, err
	}
	user, pass := "anonymous", "ios@"+u.Hostname()
	if u.User != nil { // ip ftp username/password
		user = u.User.Username()
		pass, _ = u.User.Password()
	}
	if err := c.Login(user, pass); err != nil {
		c.Quit()
		return nil, err
	}
	return c, nil
}

func (r netRemote) Get(ctx context.Context, u *url.URL, limit int64) ([]byte, error) {
	c, err := r.dial(ctx, u)
	if err != nil {
		return nil, ftpErr(err)
	}
	defer c.Quit()
	resp, err := c.Retr(u.Path)
	if err != nil {
		return nil, ftpErr(err)
	}
	defer resp.Close()
	data, err := io.ReadAll(io.LimitReader(resp, limit+1))
	if err == nil && int64(len(data)) > limit {
		return nil, device.ErrTooLarge
	}
	return data, ftpErr(err)
}

func (r netRemote) Put(ctx context.Context, u *url.URL, data []byte) error {
	c, err := r.dial(ctx, u)
	if err != nil {
		return ftpErr(err)
	}
	defer c.Quit()
	return ftpErr(c.Stor(u.Path, bytes.NewReader(data)))
}

// FTPService is the lab FTP service on its own (`iosemu service ftp`).
type FTPService struct{ l *Lab }

// StartFTP serves dir over FTP on listen (HOST:PORT), taking any login, as
// the lab's FTP service does; dirs are folders it has from the start (an
// ftp service's dirs in a lab file: DB/ROOTCA for the seed lab's CA).
func StartFTP(dir, listen string, dirs []string, log *slog.Logger) (*FTPService, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("lab: ftp: %w", err)
	}
	if host == "0.0.0.0" {
		host = "" // passive data ports then listen on the address the client reached
	}
	for _, d := range dirs {
		clean := path.Clean("/" + d)
		if strings.Contains(d, "..") || clean == "/" {
			return nil, fmt.Errorf("lab: ftp: %q is not a folder of the service", d)
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.FromSlash(clean)), 0o700); err != nil {
			return nil, fmt.Errorf("lab: ftp dirs: %w", err)
		}
	}
	l := &Lab{opt: Options{Host: host}, log: log}
	ln, err := l.listenAddr(listen)
	if err != nil {
		return nil, err
	}
	if err := l.serveFTP(ln, dir, nil); err != nil {
		l.Close()
		return nil, err
	}
	return &FTPService{l}, nil
}

// Addr is where the service listens.
func (s *FTPService) Addr() net.Addr {
	s.l.mu.Lock()
	defer s.l.mu.Unlock()
	return s.l.listeners[0].Addr()
}

// Close stops the service.
func (s *FTPService) Close() error { return s.l.Close() }
