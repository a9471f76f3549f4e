package device

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/iosemu/iosemu/clock"
)

// config is the router's running configuration as state. Everything
// `show running-config` prints is rendered from here by the section writers.
type config struct {
	hostname      string
	enable        *secret
	users         map[string]*user
	domainName    string
	domainLookup  bool
	interfaces    []*iface
	lines         []*lineCfg
	httpServer    bool
	httpPort      int
	logBuffered   bool
	logSize       int
	logLevel      string
	noLogConsole  bool      // no logging console
	consoleLevel  string    // logging console LEVEL ("": debugging, the default)
	filePrompt    string    // file prompt noisy|quiet ("": alert, the default)
	scpServer     bool      // ip scp server enable
	vrfs          []*vrfCfg // vrf definition
	multilinkAuth bool      // multilink bundle-name authenticated
	redundancy    bool      // redundancy / mode none
	tsDebug       tsCfg
	tsLog         tsCfg
	passwordEnc   bool
	tz            *tzCfg
	summer        *summerCfg
	calendarOK    bool
	ntpServers    []string
	routes        []staticRoute
	banners       map[string]string // motd, login, exec: the text between the delimiters
	method        string            // how an address was set: "NVRAM" while booting, else "manual"
	dirty         bool              // changed since the last save
}

type user struct {
	name string
	priv int
	kind string // "secret" or "password"
	sec  secret
}

func (u *user) check(p string) bool { return u.sec.check(p) }

type iface struct {
	name, short, hardware string
	bandwidth             int
	builtin               bool
	description           string
	addr                  netip.Prefix
	method                string
	shutdown              bool
	vrf                   string // vrf forwarding
	load                  int    // load-interval in seconds; 0: the default (300)
}

type lineCfg struct {
	kind          string // "con", "aux", "vty"
	first, last   int
	loginLocal    bool
	transport     []string // transport input
	execTimeout   [2]int
	execTimeoutOn bool
}

type tsCfg struct {
	on       bool
	uptime   bool
	msec     bool
	local    bool
	showZone bool
	year     bool
}

type tzCfg struct {
	name        string
	hours, mins int
}

type summerCfg struct {
	name string
	rule string // the rest of the command as typed, rendered back verbatim
}

// Order of the running-config sections; features add theirs in between.
const (
	OrderHeader     = 0
	OrderService    = 10
	OrderHostname   = 20
	OrderBoot       = 30
	OrderLogging    = 40
	OrderEnable     = 50
	OrderClock      = 60
	OrderIP         = 70
	OrderCrypto     = 80 // crypto pki (a feature)
	OrderUsers      = 90
	OrderInterfaces = 100
	OrderHTTP       = 110
	OrderRoutes     = 112
	OrderBanner     = 115
	OrderLines      = 120
	OrderNTP        = 130
)

func defaultConfig(d *Router) *config {
	c := &config{
		hostname:     "Router",
		users:        map[string]*user{},
		banners:      map[string]string{},
		domainLookup: true,
		httpPort:     80,
		logBuffered:  true, // IOS buffers 4096 bytes of syslog by default
		logSize:      4096,
		tsDebug:      tsCfg{on: true, msec: true},
		tsLog:        tsCfg{on: true, msec: true},
	}
	for _, pi := range d.profile.Interfaces {
		c.interfaces = append(c.interfaces, &iface{
			name: pi.Name, short: pi.Short, hardware: pi.Hardware, bandwidth: pi.Bandwidth,
			builtin: true, shutdown: true, method: "unset",
		})
	}
	c.lines = []*lineCfg{{kind: "con"}}
	if !d.profile.NoAux {
		c.lines = append(c.lines, &lineCfg{kind: "aux"})
	}
	c.lines = append(c.lines, &lineCfg{kind: "vty", first: 0, last: 4})
	d.xeDefaults(c)
	d.hostname.Store(c.hostname)
	d.domainLookup.Store(true)
	d.lmu.Lock()
	d.ts = clock.TimestampOpts{Msec: true}
	d.tsOff = false
	d.lmu.Unlock()
	return c
}

// markChanged records a configuration change (for the running-config header
// and the reload prompt).
func (d *Router) markChanged(by string) {
	d.refreshAddrs()
	d.refreshNTP()
	d.cfg.dirty = true
	d.changed = d.clk.Now()
	d.changeBy = by
	for _, f := range d.onChange {
		f()
	}
}

// renderConfig renders the configuration body: every section in order.
func (d *Router) renderConfig() string {
	var w strings.Builder
	d.writeCore(&w)
	return w.String()
}

// writeCore writes the core sections and the features' sections in order.
func (d *Router) writeCore(w *strings.Builder) {
	core := []section{
		{OrderHeader, d.writeHeader},
		{OrderService, d.writeService},
		{OrderHostname, func(w *strings.Builder) { fmt.Fprintf(w, "!\nhostname %s\n!\n", d.cfg.hostname) }},
		{OrderBoot, func(w *strings.Builder) { w.WriteString("boot-start-marker\nboot-end-marker\n!\n") }},
		{OrderLogging, d.writeLogging},
		{OrderEnable, d.writeEnable},
		{OrderClock, d.writeClock},
		{OrderBoot + 5, d.writeVRFs},
		{OrderIP, d.writeIP},
		{OrderUsers, d.writeUsers},
		{OrderUsers + 5, d.writeXEGlobal},
		{OrderInterfaces, d.writeInterfaces},
		{OrderHTTP, d.writeHTTP},
		{OrderRoutes, d.writeRoutes},
		{OrderBanner, d.writeBanners},
		{OrderLines, d.writeLines},
		{OrderNTP, d.writeNTP},
	}
	all := append(core, d.sections...)
	sort.SliceStable(all, func(i, j int) bool { return all[i].order < all[j].order })
	for _, s := range all {
		s.write(w)
	}
	w.WriteString("!\nend\n")
}

func (d *Router) writeHeader(w *strings.Builder) {
	w.WriteString("!\n")
	if !d.changed.IsZero() {
		fmt.Fprintf(w, "! Last configuration change at %s by %s\n", d.formatConfigTime(d.changed), d.changeBy)
	}
	if !d.saved.IsZero() {
		fmt.Fprintf(w, "! NVRAM config last updated at %s by %s\n", d.formatConfigTime(d.saved), d.savedBy)
	}
	if !d.changed.IsZero() || !d.saved.IsZero() {
		w.WriteString("!\n")
	}
	fmt.Fprintf(w, "version %s\n", majorVersion(d.profile.Version))
}

// formatConfigTime renders "13:14:16 CET Fri Oct 9 2015" in the device zone.
func (d *Router) formatConfigTime(t time.Time) string {
	t = t.In(d.clk.Location())
	return t.Format("15:04:05 MST Mon Jan 2 2006")
}

// majorVersion turns "15.4(3)M" into "15.4".
func majorVersion(v string) string {
	if i := strings.IndexByte(v, '('); i > 0 {
		return v[:i]
	}
	return v
}

func (t tsCfg) render(kind string) string {
	if !t.on {
		return fmt.Sprintf("no service timestamps %s\n", kind)
	}
	if t.uptime {
		return fmt.Sprintf("service timestamps %s uptime\n", kind)
	}
	s := "service timestamps " + kind + " datetime"
	if t.msec {
		s += " msec"
	}
	if t.local {
		s += " localtime"
	}
	if t.showZone {
		s += " show-timezone"
	}
	if t.year {
		s += " year"
	}
	return s + "\n"
}

func (d *Router) writeService(w *strings.Builder) {
	w.WriteString(d.cfg.tsDebug.render("debug"))
	w.WriteString(d.cfg.tsLog.render("log"))
	if d.cfg.passwordEnc {
		w.WriteString("service password-encryption\n")
	} else {
		w.WriteString("no service password-encryption\n")
	}
}

// writeLogging writes what differs from IOS's default: buffered logging on,
// 4096 bytes, level debugging.
func (d *Router) writeLogging(w *strings.Builder) {
	c := d.cfg
	switch {
	case !c.logBuffered:
		w.WriteString("no logging buffered\n")
	case c.logSize != 4096 || (c.logLevel != "" && c.logLevel != "debugging"):
		s := "logging buffered"
		if c.logSize != 4096 {
			s += fmt.Sprintf(" %d", c.logSize)
		}
		if c.logLevel != "" && c.logLevel != "debugging" {
			s += " " + c.logLevel
		}
		w.WriteString(s + "\n")
	}
	switch {
	case c.noLogConsole:
		w.WriteString("no logging console\n")
	case c.consoleLevel != "" && c.consoleLevel != "debugging":
		fmt.Fprintf(w, "logging console %s\n", c.consoleLevel)
	}
}

func (d *Router) writeEnable(w *strings.Builder) {
	if e := d.cfg.enable; e != nil {
		fmt.Fprintf(w, "enable secret %d %s\n", e.typ, e.text)
	}
	w.WriteString("!\nno aaa new-model\n")
}

func (d *Router) writeClock(w *strings.Builder) {
	c := d.cfg
	if c.tz != nil {
		if c.tz.mins != 0 {
			fmt.Fprintf(w, "clock timezone %s %d %d\n", c.tz.name, c.tz.hours, c.tz.mins)
		} else {
			fmt.Fprintf(w, "clock timezone %s %d 0\n", c.tz.name, c.tz.hours)
		}
	}
	if c.summer != nil {
		fmt.Fprintf(w, "clock summer-time %s %s\n", c.summer.name, c.summer.rule)
	}
	if c.calendarOK {
		w.WriteString("clock calendar-valid\n")
	}
}

func (d *Router) writeIP(w *strings.Builder) {
	w.WriteString("!\n")
	if !d.cfg.domainLookup {
		w.WriteString("no ip domain lookup\n")
	}
	if d.cfg.domainName != "" {
		fmt.Fprintf(w, "ip domain name %s\n", d.cfg.domainName)
	}
	w.WriteString("ip cef\nno ipv6 cef\n!\n")
	d.writeFileCfg(w)
}

func (d *Router) writeUsers(w *strings.Builder) {
	names := make([]string, 0, len(d.cfg.users))
	for n := range d.cfg.users {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		u := d.cfg.users[n]
		priv := ""
		if u.priv != 1 {
			priv = fmt.Sprintf(" privilege %d", u.priv)
		}
		fmt.Fprintf(w, "username %s%s %s %d %s\n", u.name, priv, u.kind, u.sec.typ, u.sec.text)
	}
	if len(names) > 0 {
		w.WriteString("!\n")
	}
}

func (d *Router) writeInterfaces(w *strings.Builder) {
	for _, i := range d.cfg.interfaces {
		w.WriteString("!\n")
		d.writeInterface(w, i)
	}
	w.WriteString("!\n")
}

// writeInterface writes one interface's configuration block.
func (d *Router) writeInterface(w *strings.Builder, i *iface) {
	fmt.Fprintf(w, "interface %s\n", i.name)
	if i.description != "" {
		fmt.Fprintf(w, " description %s\n", i.description)
	}
	if i.vrf != "" {
		fmt.Fprintf(w, " vrf forwarding %s\n", i.vrf)
	}
	if i.addr.IsValid() {
		fmt.Fprintf(w, " ip address %s %s\n", i.addr.Addr(), maskString(i.addr.Bits()))
	} else {
		w.WriteString(" no ip address\n")
	}
	if i.load != 0 {
		fmt.Fprintf(w, " load-interval %d\n", i.load)
	}
	if i.shutdown {
		w.WriteString(" shutdown\n")
	}
	if i.builtin && !strings.HasPrefix(i.name, "Loopback") {
		if d.profile.XEVersion != "" {
			w.WriteString(" negotiation auto\n")
		} else if i.bandwidth >= 100000 || strings.HasPrefix(i.name, "Fast") {
			w.WriteString(" duplex auto\n speed auto\n")
		}
	}
}

func (d *Router) writeHTTP(w *strings.Builder) {
	if d.cfg.httpServer {
		w.WriteString("ip http server\n")
		if d.cfg.httpPort != 80 {
			fmt.Fprintf(w, "ip http port %d\n", d.cfg.httpPort)
		}
	} else {
		w.WriteString("no ip http server\n")
	}
	if d.cfg.scpServer {
		w.WriteString("ip scp server enable\n")
	}
	w.WriteString("!\n")
}

func (d *Router) writeLines(w *strings.Builder) {
	for _, l := range d.cfg.lines {
		if l.first == l.last {
			fmt.Fprintf(w, "line %s %d\n", l.kind, l.first)
		} else {
			fmt.Fprintf(w, "line %s %d %d\n", l.kind, l.first, l.last)
		}
		if l.execTimeoutOn {
			fmt.Fprintf(w, " exec-timeout %d %d\n", l.execTimeout[0], l.execTimeout[1])
		}
		if l.loginLocal {
			w.WriteString(" login local\n")
		}
		if len(l.transport) > 0 {
			fmt.Fprintf(w, " transport input %s\n", strings.Join(l.transport, " "))
		}
	}
	w.WriteString("!\n")
}

func (d *Router) writeNTP(w *strings.Builder) {
	for _, s := range d.cfg.ntpServers {
		fmt.Fprintf(w, "ntp server %s\n", s)
	}
}

// renderRunning is `show running-config`.
func (d *Router) renderRunning() string {
	return buildingConfig(d.renderConfig())
}

// buildingConfig puts the header IOS prints before a configuration it shows.
func buildingConfig(body string) string {
	return fmt.Sprintf("Building configuration...\n\nCurrent configuration : %d bytes\n", len(body)) + body
}

// renderStartup is what `write memory` stores in nvram:startup-config.
func (d *Router) renderStartup() string { return d.renderConfig() }

// renderPrivate is nvram:private-config: secrets that the startup-config
// does not carry (key pairs, from the PKI feature).
func (d *Router) renderPrivate() string {
	var w strings.Builder
	for _, write := range d.private {
		write(&w)
	}
	return w.String()
}

func maskString(bits int) string {
	m := uint32(0)
	if bits > 0 {
		m = ^uint32(0) << (32 - bits)
	}
	return fmt.Sprintf("%d.%d.%d.%d", m>>24, m>>16&255, m>>8&255, m&255)
}

// maskBits converts a dotted mask; ok=false if it is not contiguous.
func maskBits(a netip.Addr) (int, bool) {
	if !a.Is4() {
		return 0, false
	}
	b := a.As4()
	m := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n := 0
	for n < 32 && m&(1<<(31-n)) != 0 {
		n++
	}
	if m<<n != 0 {
		return 0, false
	}
	return n, true
}
