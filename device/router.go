package device

import (
	crand "crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/clock"
	"github.com/iosemu/iosemu/nvram"
	"github.com/iosemu/iosemu/platforms"
)

// Feature is a set of commands and state a platform profile adds to a
// router (the PKI, later protocols). Features are listed explicitly by the
// caller; nothing registers itself through init order.
type Feature interface {
	Register(r *cli.Registry, d *Router)
}

// Options configure a Router.
type Options struct {
	Name     string             // the lab's name for the device; also the default hostname
	Platform *platforms.Profile // required
	Lab      *clock.Lab         // required: the lab clock
	Dir      string             // the device's state directory (its nvram and flash)
	// Deferred, if set, takes the fsyncs of the device's first writes (a
	// lab booting many devices flushes them all at once; see nvram.Deferred).
	Deferred *nvram.Deferred
	// Initial is the configuration a device with an empty nvram boots with
	// (the lab file's config). It is saved to startup-config on first boot.
	Initial  string
	Features []Feature
	Logger   *slog.Logger
	// Rand is the source of randomness for salts and keys (nil: crypto/rand).
	Rand io.Reader
	// Peer finds the lab router that owns an address (telnet, ssh -l);
	// nil means there are none.
	Peer func(addr netip.Addr) (*Router, bool)
	// Remote moves files to and from the lab's servers (copy … ftp://);
	// nil means none are reachable.
	Remote Remote
	// Neighbor tells whether something in the lab (a device's up
	// interface, a lab service) owns an address, and its MAC address; nil
	// means nothing does.
	Neighbor func(addr netip.Addr) (mac string, ok bool)
	// NTPReachable tells whether a lab address answers NTP (the lab's NTP
	// service); nil means no NTP server is reachable.
	NTPReachable func(addr string) bool
	// HTTP carries the router's own HTTP requests (SCEP) into the lab; nil
	// means no HTTP server is reachable.
	HTTP HTTPDoer
}

// Router is one emulated router: its configuration state, storage, clock,
// command set and sessions. Commands run one at a time under its lock, as on
// IOS, where the parser is a single process.
type Router struct {
	mu sync.Mutex // guards the configuration state; held while a command runs

	name     string
	profile  *platforms.Profile
	ident    platforms.Identity
	lab      *clock.Lab
	clk      *clock.Device
	store    *nvram.Store
	reg      *cli.Registry
	features []Feature
	log      *slog.Logger
	initial  string

	ntpReachable func(addr string) bool
	neighbor     func(addr netip.Addr) (string, bool)
	remote       Remote
	httpc        HTTPDoer
	peer         func(addr netip.Addr) (*Router, bool)
	addrs        atomic.Value             // map[netip.Addr]string: up interfaces' addresses and MACs (refreshAddrs)
	ifAddrs      atomic.Value             // map[netip.Addr]string: up interfaces' addresses and names (refreshAddrs)
	counters     counterSet               // interface counters, under their own lock
	fwd          atomic.Pointer[fwdTable] // routes and connected subnets (refreshAddrs)
	lastPeer     atomic.Pointer[peerHit]  // the router peerOf found last
	arpMu        sync.Mutex               // guards arp; taken last, also by peers that learn this router
	arp          map[netip.Addr]arpEntry  // the ARP cache
	rand         io.Reader

	cfg       *config
	sections  []section
	booted    time.Time // device time at boot
	bootedLab time.Time // lab time at boot (uptime survives clock set)
	reason    string    // last reload reason
	changed   time.Time
	changeBy  string
	saved     time.Time // last write memory, for the running-config header
	savedBy   string

	smu      sync.Mutex // guards sessions
	sessions map[*cli.Session]*sessionInfo

	lmu      sync.Mutex // guards the log buffer and timestamp options
	logbuf   []string
	logBytes int // the bytes of logbuf's lines
	logged   int
	ts       clock.TimestampOpts
	tsOff    bool // no service timestamps log

	private  []func(w *strings.Builder) // features' parts of private-config (AddPrivateSection)
	onBoot   []func()                   // features' boot hooks (OnBoot)
	onBooted []func()                   // … and after the configuration is applied (OnBooted)
	onChange []func()                   // features' configuration-change hooks (OnChange)

	privateSum [sha256.Size]byte // of the private-config last written (saveLocked)
	// fresh: New is booting a router whose store is not made yet (see
	// nvram.Store.First); the first boot's save is kept in firstSave.
	fresh     bool
	firstSave func(nv *nvram.FS) error

	// http is the device's HTTP server (`ip http server`): features add
	// paths (the SCEP server at /cgi-bin/pkiclient.exe); ServeMux is safe
	// for that while it serves. Every other path answers 404.
	http *http.ServeMux

	kindsOnce sync.Once
	kinds     []ifKind // the platform's interface types (ifKinds)

	bootMu sync.Mutex
	ready  chan struct{} // closed when the device has booted

	// Read by sessions outside the lock (prompts, unknown-word lookups).
	hostname     atomic.Value // string
	domainLookup atomic.Bool
}

type sessionInfo struct {
	line  string
	vty   int
	since time.Time
}

// section writes one feature's part of the running configuration.
type section struct {
	order int
	write func(w *strings.Builder)
}

// New builds a router and boots it: from startup-config when its nvram has
// one, else from opt.Initial (which it then saves).
func New(opt Options) (*Router, error) {
	if opt.Platform == nil || opt.Lab == nil {
		return nil, errors.New("device: platform and lab clock are required")
	}
	p := opt.Platform
	store, err := nvram.OpenOptions(opt.Dir, nvram.Options{Deferred: opt.Deferred},
		nvram.Device{Name: "nvram", Size: p.NVRAMSize, Format: storageFormat(p)},
		nvram.Device{Name: p.Flash, Size: p.FlashSize, Format: storageFormat(p), Aliases: flashAliases(p)},
	)
	if err != nil {
		return nil, fmt.Errorf("device %s: %w", opt.Name, err)
	}
	d := &Router{
		name:         opt.Name,
		profile:      p,
		ident:        p.Identity(opt.Name),
		lab:          opt.Lab,
		clk:          opt.Lab.Device(opt.Name, p.HasCalendar),
		store:        store,
		features:     opt.Features,
		log:          opt.Logger,
		initial:      opt.Initial,
		ntpReachable: opt.NTPReachable,
		neighbor:     opt.Neighbor,
		remote:       opt.Remote,
		httpc:        opt.HTTP,
		peer:         opt.Peer,
		rand:         opt.Rand,
		sessions:     make(map[*cli.Session]*sessionInfo),
		http:         http.NewServeMux(),
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.rand == nil {
		d.rand = crand.Reader
	}
	// A new router in a lab that defers its first files (fresh store)
	// boots from memory; its flash contents and first startup-config are
	// written after, off the lab's start (nvram.Store.First).
	d.fresh = store.Fresh()
	if !d.fresh {
		if err := d.factoryFiles(store.Device); err != nil {
			return nil, err
		}
	}
	d.buildRegistry()
	d.ready = make(chan struct{})
	if err := d.boot("power-on"); err != nil {
		return nil, err
	}
	if d.fresh {
		first := d.firstSave
		d.firstSave = nil
		d.fresh = false
		err := store.First(func(dev func(string) (*nvram.FS, bool)) error {
			if err := d.factoryFiles(dev); err != nil {
				return err
			}
			nv, _ := dev("nvram")
			return first(nv)
		})
		if err != nil {
			return nil, fmt.Errorf("device %s: %w", opt.Name, err)
		}
	}
	close(d.ready)
	return d, nil
}

// factoryFiles makes what a router's flash holds from the factory: its
// system image (on IOS-XE, packages.conf and the packages it lists) and, on
// IOS-XE, whose bootflash is a Linux file system, lost+found and the
// directories the system writes core dumps and trace logs into. What
// exists is left alone.
func (d *Router) factoryFiles(dev func(string) (*nvram.FS, bool)) error {
	p := d.profile
	if img := p.Image; img != "" {
		if fsName, file, ok := strings.Cut(img, ":"); ok {
			if fl, ok := dev(fsName); ok {
				if err := fl.Placeholder(file, p.ImageSize, d.clk.Now()); err != nil {
					return fmt.Errorf("device %s: %w", d.name, err)
				}
				for _, f := range p.BootFiles {
					if err := fl.Placeholder(f.Name, f.Size, d.clk.Now()); err != nil {
						return fmt.Errorf("device %s: %w", d.name, err)
					}
				}
			}
		}
	}
	if p.IsXE() {
		if fl, ok := dev(p.Flash); ok {
			for _, dir := range []string{"lost+found", "core", "tracelogs"} {
				if err := fl.Mkdir(dir, d.clk.Now()); err != nil && !errors.Is(err, fs.ErrExist) {
					return fmt.Errorf("device %s: %w", d.name, err)
				}
			}
		}
	}
	return nil
}

// flashAliases are the other names of the flash (flash0: on an ISR G2).
func flashAliases(p *platforms.Profile) []string {
	if p.FlashPrimary == "" {
		return nil
	}
	return []string{p.FlashPrimary}
}

func storageFormat(p *platforms.Profile) nvram.Format {
	if p.XEVersion != "" {
		return nvram.FormatXE
	}
	return nvram.FormatIOS
}

// buildRegistry declares the router's commands: the session's own, the core
// system commands, then each feature's.
func (d *Router) buildRegistry() {
	r := cli.NewRegistry()
	// Every router of a platform with the same features declares the same
	// commands: they share one grammar (see parser.Registry.ShareAs).
	// The interface types the IFNAME token matches come from the
	// platform's interfaces: they are part of what must be equal.
	key := d.profile.Name
	for _, k := range d.ifKinds() {
		key += "|" + k.name
	}
	for _, f := range d.features {
		key += fmt.Sprintf("|%T", f)
	}
	r.ShareAs(key)
	defer r.Seal()
	cli.Register(r)
	d.registerInterfaceType(r)
	d.registerSystem(r)
	d.registerFiles(r)
	d.registerDelete(r)
	d.registerShows(r)
	d.registerCounters(r)
	d.registerInterfaces(r)
	d.registerLines(r)
	d.registerClock(r)
	d.registerBanners(r)
	d.registerRoutes(r)
	d.registerFacts(r)
	d.registerPing(r)
	d.registerCopy(r)
	d.registerConnect(r)
	for _, f := range d.features {
		f.Register(r, d)
	}
	d.reg = r
}

// AddSection adds a writer for a part of the running configuration; order
// places it among the others (see the order constants in config.go).
func (d *Router) AddSection(order int, write func(w *strings.Builder)) {
	d.sections = append(d.sections, section{order, write}) // writeCore orders them
}

// boot resets the configuration to defaults and applies startup-config (or
// the initial config on a new device).
func (d *Router) boot(reason string) error {
	for _, f := range d.onBoot {
		f()
	}
	// The clock's configuration (zone, summer time, NTP, calendar-valid)
	// comes from the configuration being booted; the time itself carries on.
	d.clk.ClearTimezone()
	d.clk.ClearSummerTime()
	d.clk.SetCalendarValid(false)
	for _, s := range d.clk.NTPServers() {
		d.clk.RemoveNTPServer(s)
	}
	d.mu.Lock()
	d.cfg = defaultConfig(d)
	d.arpMu.Lock()
	d.arp = map[netip.Addr]arpEntry{}
	d.arpMu.Unlock()
	d.counters.zero() // a reload starts the interface counters afresh
	d.refreshAddrs()
	d.booted = d.clk.Now()
	d.bootedLab = d.lab.Now()
	d.reason = reason
	d.mu.Unlock()
	nv, _ := d.store.Device("nvram")
	text, err := nv.ReadFile("startup-config")
	first := false
	switch {
	case errors.Is(err, fs.ErrNotExist):
		text, first = []byte(d.initial), true
	case err != nil:
		return fmt.Errorf("device %s: read startup-config: %w", d.name, err)
	}
	if errs := d.apply(string(text), "NVRAM"); len(errs) > 0 {
		d.log.Warn("startup-config had errors", "device", d.name, "errors", errs)
	}
	if first {
		d.mu.Lock()
		var err error
		if d.fresh {
			// Rendered now, written by the store's First.
			d.firstSave = d.saveFilesLocked()
		} else {
			err = d.saveLocked("")
		}
		d.mu.Unlock()
		if err != nil {
			return err
		}
	}
	d.mu.Lock()
	d.changed, d.changeBy = time.Time{}, ""
	d.saved, d.savedBy = time.Time{}, ""
	d.cfg.dirty = false
	d.mu.Unlock()
	// The boot lines a real router logs: the restart with the software
	// banner under it, then each interface that comes up.
	d.logLines("%SYS-5-RESTART: System restarted --", d.profile.RestartBanner())
	d.mu.Lock()
	var up []string
	for _, i := range d.cfg.interfaces {
		if !i.shutdown {
			up = append(up, i.name)
		}
	}
	d.mu.Unlock()
	for _, n := range up {
		d.Log(fmt.Sprintf("%%LINK-3-UPDOWN: Interface %s, changed state to up", n))
	}
	for _, n := range up {
		d.Log(fmt.Sprintf("%%LINEPROTO-5-UPDOWN: Line protocol on Interface %s, changed state to up", n))
	}
	for _, f := range d.onBooted {
		f()
	}
	return nil
}

// apply runs configuration text through the same grammar a user types, in
// configuration mode. It returns the lines that failed.
func (d *Router) apply(text, method string) []string {
	s := cli.NewHeadless(d)
	d.mu.Lock()
	d.cfg.method = method
	d.mu.Unlock()
	var errs []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, "\r")
		if s.Collecting() {
			// A banner's text: every line as it is.
			s.Exec(line)
			continue
		}
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "!") {
			continue
		}
		if t == "end" {
			break
		}
		before := len(s.Errors())
		s.Exec(line)
		if len(s.Errors()) > before {
			errs = append(errs, fmt.Sprintf("%s: %s", line, s.Errors()[len(s.Errors())-1]))
		}
	}
	d.mu.Lock()
	d.cfg.method = "manual"
	d.mu.Unlock()
	return errs
}

// Name is the device's lab name.
func (d *Router) Name() string { return d.name }

// Platform is the device's profile.
func (d *Router) Platform() *platforms.Profile { return d.profile }

// Clock is the device's clock.
func (d *Router) Clock() *clock.Device { return d.clk }

// LabClock is the lab clock (for timers).
func (d *Router) LabClock() *clock.Lab { return d.lab }

// Store is the device's storage.
func (d *Router) Store() *nvram.Store { return d.store }

// Lock takes the device lock: commands and timers change state under it.
func (d *Router) Lock() { d.mu.Lock() }

// Unlock releases the device lock.
func (d *Router) Unlock() { d.mu.Unlock() }

// Hostname implements cli.Host.
func (d *Router) Hostname() string {
	h, _ := d.hostname.Load().(string)
	return h
}

// setHostname changes the hostname (with the lock held).
func (d *Router) setHostname(h string) {
	d.cfg.hostname = h
	d.hostname.Store(h)
}

// Registry implements cli.Host.
func (d *Router) Registry() *cli.Registry { return d.reg }

// DomainLookup implements cli.Host.
func (d *Router) DomainLookup() bool { return d.domainLookup.Load() }

// HTTP is the handler for the device's HTTP server (`ip http server`).
func (d *Router) HTTP() http.Handler { return d.http }

// HandleHTTP lets a feature serve a path on the device's HTTP server.
func (d *Router) HandleHTTP(pattern string, h http.Handler) { d.http.Handle(pattern, h) }

// HTTPPort reports whether `ip http server` is on, and its port.
func (d *Router) HTTPPort() (port int, on bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg.httpPort, d.cfg.httpServer
}

// MaxPassword is the longest password a login or enable checks, in bytes.
// Longer ones are refused before any hashing: MD5-crypt costs time in
// proportion to the input, and IOS takes no secret anywhere near this long
// (`enable secret` says "MAX of 25 characters").
const MaxPassword = 256

// dummySecret is hashed against for an unknown user, so that the answer
// costs the same time as for a known one.
var dummySecret = sync.OnceValue(func() secret { return hashSecret("no such user", crand.Reader) })

// Authenticate implements cli.Host: the local user database. An empty
// password never matches. The user's record is copied under the lock and
// checked outside it, and every check with a password of acceptable length
// runs exactly one MD5-crypt, whether or not the user exists.
func (d *Router) Authenticate(user, password string) (int, bool) {
	if len(password) > MaxPassword {
		return 0, false
	}
	d.mu.Lock()
	u, known := d.cfg.users[user]
	var rec struct {
		priv int
		sec  secret
	}
	if known {
		rec.priv, rec.sec = u.priv, u.sec
	}
	d.mu.Unlock()
	if !known {
		dummySecret().check(password)
		return 0, false
	}
	if !evenCheck(rec.sec, password) || password == "" {
		return 0, false
	}
	return rec.priv, true
}

// evenCheck checks password against sec, spending one MD5-crypt whatever
// the secret's type.
func evenCheck(sec secret, password string) bool {
	if sec.typ != 5 {
		dummySecret().check(password)
	}
	return sec.check(password)
}

// Privilege implements cli.Host: the level of a user the transport has
// already authenticated (SSH).
func (d *Router) Privilege(user string) (int, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	u, ok := d.cfg.users[user]
	if !ok {
		return 0, false
	}
	return u.priv, true
}

// CheckPassword implements transport.Authenticator for SSH.
func (d *Router) CheckPassword(user, password string) bool {
	_, ok := d.Authenticate(user, password)
	return ok
}

// CheckEnable implements cli.Host: the enable secret is copied under the
// lock and checked outside it, with the same bound as Authenticate.
func (d *Router) CheckEnable(password string) (bool, bool) {
	d.mu.Lock()
	enable := d.cfg.enable
	var sec secret
	if enable != nil {
		sec = *enable
	}
	d.mu.Unlock()
	if enable == nil {
		return false, false
	}
	if len(password) > MaxPassword || password == "" {
		return false, true
	}
	return evenCheck(sec, password), true
}

// Attach implements cli.Host: it gives the session the lowest free vty of
// those the configuration has (`line vty 0 4`: five), and refuses it when
// every one is busy, as IOS refuses a connection with no free line.
func (d *Router) Attach(s *cli.Session) (string, func(), bool) {
	d.mu.Lock()
	vty := map[int]bool{}
	for _, l := range d.cfg.lines {
		if l.kind == "vty" {
			for n := l.first; n <= l.last; n++ {
				vty[n] = true
			}
		}
	}
	d.mu.Unlock()
	d.smu.Lock()
	defer d.smu.Unlock()
	used := map[int]bool{}
	for _, si := range d.sessions {
		used[si.vty] = true
	}
	n := -1
	for v := range vty {
		if !used[v] && (n < 0 || v < n) {
			n = v
		}
	}
	if n < 0 {
		return "", nil, false
	}
	info := &sessionInfo{line: fmt.Sprintf("vty%d", n), vty: n, since: d.clk.Now()}
	d.sessions[s] = info
	return info.line, func() {
		d.smu.Lock()
		delete(d.sessions, s)
		d.smu.Unlock()
	}, true
}

// Sessions returns the attached sessions.
func (d *Router) Sessions() []*cli.Session {
	d.smu.Lock()
	defer d.smu.Unlock()
	out := make([]*cli.Session, 0, len(d.sessions))
	for s := range d.sessions {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return d.sessions[out[i]].vty < d.sessions[out[j]].vty })
	return out
}

// Bounds of the logging buffer. IOS's messages are a few hundred bytes at
// most; a message is cut at maxLogMessage bytes (user names in login
// failures are what can make one long). The buffer keeps at most
// maxLogLines lines and maxLogBytes bytes, dropping the oldest.
const (
	maxLogMessage = 400
	maxLogLines   = 1000
	maxLogBytes   = 256 << 10
)

// cleanLogMessage replaces what could forge a syslog line or reach a
// terminal raw (C0 controls such as CR, LF and ESC, DEL, C1 controls, bytes
// that are not UTF-8) with '?', and cuts the message at maxLogMessage bytes.
func cleanLogMessage(msg string) string {
	// A message may go on over indented lines, as IOS's multi-line messages
	// do (%PKI-6-CERT_INSTALL's "Trustpoint   : …"). A line break followed
	// by anything but a blank is a control byte like any other: nothing can
	// start a line that looks like a message of its own.
	first, rest, more := strings.Cut(msg, "\n")
	if !more {
		return cleanLogLine(msg)
	}
	lines := []string{cleanLogLine(first)}
	for _, l := range strings.Split(rest, "\n") {
		if len(lines) == maxLogContinuation+1 || l == "" || l[0] != ' ' {
			lines[len(lines)-1] = cleanLogLine(lines[len(lines)-1] + "?" + l)
			continue
		}
		lines = append(lines, cleanLogLine(l))
	}
	return strings.Join(lines, "\n")
}

// maxLogContinuation is how many indented lines a message may have.
const maxLogContinuation = 8

// cleanLogLine replaces control bytes and cuts one line of a message.
func cleanLogLine(msg string) string {
	var b strings.Builder
	for _, r := range msg {
		if r < 0x20 || r >= 0x7f && r < 0xa0 || r == utf8.RuneError {
			r = '?'
		}
		if b.Len()+utf8.RuneLen(r) > maxLogMessage {
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Log records a syslog message with the device's timestamp in the logging
// buffer and queues it for every session with terminal monitor.
func (d *Router) Log(msg string) { d.logLines(msg, nil) }

// logLines logs msg followed by lines of the device's own text (a software
// banner), which start at the left margin as IOS prints them; only msg is
// cleaned.
func (d *Router) logLines(msg string, extra []string) {
	msg = cleanLogMessage(msg)
	for _, l := range extra {
		msg += "\n" + l
	}
	d.lmu.Lock()
	line := msg
	if !d.tsOff {
		line = clock.FormatSyslog(d.clk, d.ts) + " " + msg
	}
	d.logged++
	d.logbuf = append(d.logbuf, line)
	d.logBytes += len(line)
	drop := 0
	for len(d.logbuf)-drop > maxLogLines || d.logBytes > maxLogBytes {
		d.logBytes -= len(d.logbuf[drop])
		drop++
	}
	if drop > 0 {
		d.logbuf = append(d.logbuf[:0:0], d.logbuf[drop:]...)
	}
	d.lmu.Unlock()
	d.log.Info("syslog", "device", d.name, "msg", line)
	for _, s := range d.Sessions() {
		if s.Monitor() {
			s.Notify(line)
		}
	}
}

// ExecHeader implements cli.Host: the two lines of `terminal exec prompt
// timestamp`.
func (d *Router) ExecHeader() string { return clock.FormatExecTimestamp(d.clk) }

// Ready is closed when the device has finished booting (after New, and
// again after each reload).
func (d *Router) Ready() <-chan struct{} {
	d.bootMu.Lock()
	defer d.bootMu.Unlock()
	return d.ready
}

// ErrReloading is returned while a reload is already under way.
var ErrReloading = errors.New("device: a reload is already in progress")

// Reload drops every session and boots again from startup-config.
func (d *Router) Reload(reason string) error {
	ready := d.beginBoot()
	if ready == nil {
		return ErrReloading
	}
	return d.reload(ready, reason)
}

// beginBoot announces a boot (Ready stops answering) and returns the channel
// to close when it is over; nil if a boot is already under way.
func (d *Router) beginBoot() chan struct{} {
	d.bootMu.Lock()
	defer d.bootMu.Unlock()
	select {
	case <-d.ready:
	default:
		return nil
	}
	d.ready = make(chan struct{})
	return d.ready
}

// reload is a boot announced by beginBoot.
func (d *Router) reload(ready chan struct{}, reason string) error {
	defer close(ready)
	for _, s := range d.Sessions() {
		s.Close()
	}
	return d.boot(reason)
}

// FactoryReset erases nvram and boots with the initial configuration.
func (d *Router) FactoryReset() error {
	nv, _ := d.store.Device("nvram")
	for _, f := range []string{"startup-config", "private-config"} {
		if err := nv.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("device %s: %w", d.name, err)
		}
	}
	return d.Reload("Reload Command")
}

// Save writes the running configuration to startup-config.
func (d *Router) Save() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.saveLocked("console")
}

func (d *Router) saveLocked(by string) error {
	nv, _ := d.store.Device("nvram")
	if by != "" {
		d.saved, d.savedBy = d.clk.Now(), by
	}
	return d.saveFilesLocked()(nv)
}

// saveFilesLocked renders the configuration to save now and returns what
// writes it: startup-config, and private-config when it changed.
func (d *Router) saveFilesLocked() func(nv *nvram.FS) error {
	now := d.clk.Now()
	startup := []byte(d.renderStartup())
	// private-config holds what must not be readable by others (the PKI's
	// key pairs). It changes far less often than startup-config (a
	// certificate renewal keeps its key): the same bytes are not written
	// again.
	private := []byte(d.renderPrivate())
	sum := sha256.Sum256(private)
	changed := sum != d.privateSum
	d.privateSum = sum
	d.cfg.dirty = false
	return func(nv *nvram.FS) error {
		if err := nv.WriteFile("startup-config", startup, 0o644, now); err != nil {
			return fmt.Errorf("device %s: save: %w", d.name, err)
		}
		if _, err := nv.Stat("private-config"); err != nil || changed {
			if err := nv.WriteFile("private-config", private, 0o600, now); err != nil {
				return fmt.Errorf("device %s: save: %w", d.name, err)
			}
		}
		return nil
	}
}

// Close stops the device's sessions.
func (d *Router) Close() {
	for _, s := range d.Sessions() {
		s.Close()
	}
}
