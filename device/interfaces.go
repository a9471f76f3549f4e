package device

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/parser"
	"github.com/iosemu/iosemu/platforms"
)

// ifType is the IFNAME token: an interface type and number, glued
// ("GigabitEthernet0/0", "gi0/0", "Lo0") as IOS accepts them.
type ifType struct{ d *Router }

// ifKind is one interface type the platform has.
type ifKind struct {
	name, help string
	virtual    bool // created on demand (Loopback)
}

// ifKinds is the platform's interface types, worked out once: every token
// match of an interface name asks for them.
func (d *Router) ifKinds() []ifKind {
	d.kindsOnce.Do(func() { d.kinds = platformKinds(d.profile.Interfaces) })
	return d.kinds
}

func platformKinds(ifs []platforms.Interface) []ifKind {
	seen := map[string]bool{}
	var kinds []ifKind
	for _, pi := range ifs {
		k := strings.TrimRightFunc(pi.Name, func(r rune) bool { return r >= '0' && r <= '9' || r == '/' || r == '.' })
		if !seen[k] {
			seen[k] = true
			kinds = append(kinds, ifKind{name: k, help: k + " IEEE 802.3" + map[bool]string{true: "z", false: ""}[strings.HasPrefix(k, "Gig")]})
		}
	}
	kinds = append(kinds, ifKind{name: "Loopback", help: "Loopback interface", virtual: true})
	sort.Slice(kinds, func(i, j int) bool { return kinds[i].name < kinds[j].name })
	return kinds
}

// split cuts "gi0/0" into "gi" and "0/0".
func splitIfName(word string) (kind, num string) {
	i := strings.IndexFunc(word, func(r rune) bool { return r >= '0' && r <= '9' })
	if i < 0 {
		return word, ""
	}
	return word[:i], word[i:]
}

// resolve finds the kind a (possibly abbreviated) type name means.
func (t ifType) resolve(prefix string) (ifKind, int) {
	var found []ifKind
	for _, k := range t.d.ifKinds() {
		if strings.EqualFold(k.name, prefix) {
			return k, 1
		}
		if len(prefix) > 0 && strings.HasPrefix(strings.ToLower(k.name), strings.ToLower(prefix)) {
			found = append(found, k)
		}
	}
	if len(found) == 1 {
		return found[0], 1
	}
	return ifKind{}, len(found)
}

func (t ifType) Match(word string) (parser.MatchLevel, int) {
	kind, num := splitIfName(word)
	k, n := t.resolve(kind)
	if n == 0 {
		// The caret goes where the type name stops matching any type.
		bad := 0
		for i := 1; i <= len(kind); i++ {
			if _, m := t.resolve(kind[:i]); m == 0 {
				break
			}
			bad = i
		}
		return parser.None, bad
	}
	if n > 1 {
		return parser.Partial, 0
	}
	if num == "" {
		return parser.Partial, 0
	}
	if k.virtual {
		if v, err := strconv.Atoi(num); err == nil && v >= 0 && v <= 2147483647 {
			return parser.Exact, 0
		}
		return parser.None, len(kind)
	}
	if t.d.findIface(k.name+num) != nil {
		return parser.Exact, 0
	}
	// A number this chassis does not have: a valid prefix of one it has?
	for _, pi := range t.d.profile.Interfaces {
		if strings.HasPrefix(pi.Name, k.name+num) {
			return parser.Partial, 0
		}
	}
	return parser.None, len(kind)
}

func (t ifType) Help() []parser.HelpLine {
	var out []parser.HelpLine
	for _, k := range t.d.ifKinds() {
		out = append(out, parser.HelpLine{Word: k.name, Text: k.help})
	}
	return out
}

func (t ifType) Complete(prefix string) []string {
	kind, num := splitIfName(prefix)
	if num != "" {
		return nil
	}
	var out []string
	for _, k := range t.d.ifKinds() {
		if strings.HasPrefix(strings.ToLower(k.name), strings.ToLower(kind)) {
			out = append(out, k.name)
		}
	}
	return out
}

// canonicalIf turns an accepted IFNAME word into the interface's full name.
func (d *Router) canonicalIf(word string) string {
	kind, num := splitIfName(word)
	k, n := ifType{d}.resolve(kind)
	if n != 1 {
		return word
	}
	if k.virtual {
		v, _ := strconv.Atoi(num)
		return fmt.Sprintf("%s%d", k.name, v)
	}
	return k.name + num
}

func (d *Router) findIface(name string) *iface {
	for _, i := range d.cfg.interfaces {
		if strings.EqualFold(i.name, name) {
			return i
		}
	}
	return nil
}

func (d *Router) registerInterfaceType(r *cli.Registry) {
	r.DefineType("IFNAME", ifType{d})
	r.DefineType("IFTYPE", ifKindType{d})
	r.DefineType("IFNUM", ifNumType{})
}

// ifKindType is an interface type on its own ("Loopback", "gi"), for the
// form where the number follows as a separate word.
type ifKindType struct{ d *Router }

func (t ifKindType) Match(word string) (parser.MatchLevel, int) {
	if strings.IndexFunc(word, func(r rune) bool { return r >= '0' && r <= '9' }) >= 0 {
		return parser.None, 0
	}
	switch _, n := (ifType{t.d}).resolve(word); n {
	case 1:
		return parser.Exact, 0
	case 0:
		return parser.None, 0
	}
	return parser.Partial, 0
}

func (t ifKindType) Help() []parser.HelpLine    { return ifType{t.d}.Help() }
func (t ifKindType) Complete(p string) []string { return ifType{t.d}.Complete(p) }

// ifNumType is an interface number: "0", "0/1", "0/0/0", "1.100".
type ifNumType struct{}

func (ifNumType) Match(word string) (parser.MatchLevel, int) {
	for i, r := range word {
		if !(r >= '0' && r <= '9' || r == '/' || r == '.' || r == ':') || i == 0 && (r < '0' || r > '9') {
			return parser.None, i
		}
	}
	return parser.Exact, 0
}

func (ifNumType) Help() []parser.HelpLine {
	return []parser.HelpLine{{Word: "<0-2147483647>", Text: "Interface number"}}
}

func (ifNumType) Complete(string) []string { return nil }

// interfaceCmd enters (creating a loopback if need be), removes or
// defaults the interface name.
func (d *Router) interfaceCmd(s *cli.Session, a parser.Args, im *parser.Mode, name string) {
	i := d.findIface(name)
	if a.Negated() || a.Default() {
		if i == nil {
			return
		}
		if i.builtin {
			if a.Default() {
				*i = iface{name: i.name, short: i.short, hardware: i.hardware, bandwidth: i.bandwidth, builtin: true, shutdown: true, method: "unset"}
				return
			}
			s.Error("%% Removal of physical interfaces is not permitted")
			return
		}
		d.removeIface(i)
		d.markChanged(s.User())
		return
	}
	if i == nil {
		i = &iface{name: name, short: "Lo" + strings.TrimPrefix(name, "Loopback"), hardware: "Loopback", bandwidth: 8000000, method: "unset"}
		d.cfg.interfaces = append(d.cfg.interfaces, i)
		sortIfaces(d.cfg.interfaces)
		d.Log(fmt.Sprintf("%%LINEPROTO-5-UPDOWN: Line protocol on Interface %s, changed state to up", name))
	}
	if i.builtin && s.Headless() && d.cfg.method == "NVRAM" {
		// IOS shuts a router's interfaces only when it has no configuration:
		// an interface of the configuration it boots comes up unless its
		// block says shutdown (which the next line then applies).
		i.shutdown = false
		d.markChanged(s.User())
	}
	s.Enter(im, i)
}

func (d *Router) registerInterfaces(r *cli.Registry) {
	im := cli.NewMode(r, "config-if", "(config-if)#", parser.Config)
	if d.profile.IsXE() {
		d.registerXE(r, im)
	}
	r.Install(parser.Config,
		cmd{Syntax: "interface IFNAME$name", Help: "Select an interface to configure\nInterface name",
			No: "interface IFNAME$name", NoHelp: "Select an interface to configure\nInterface name",
			Handler: func(s *cli.Session, a parser.Args) { d.interfaceCmd(s, a, im, d.canonicalIf(a.String("name"))) }},
		// The type and the number may also come apart: interface Loopback 0.
		cmd{Syntax: "interface IFTYPE$type IFNUM$num", Help: "Select an interface to configure\nInterface type\nInterface number",
			No: "interface IFTYPE$type IFNUM$num", NoHelp: "Select an interface to configure\nInterface type\nInterface number",
			Handler: func(s *cli.Session, a parser.Args) {
				joined := a.String("type") + a.String("num")
				if m, _ := (ifType{d}).Match(joined); m != parser.Exact {
					s.Error("%% Invalid interface type and number")
					return
				}
				d.interfaceCmd(s, a, im, d.canonicalIf(joined))
			}},
	)
	r.Install(im,
		cmd{Syntax: "load-interval (30-600)$secs", Help: "Specify interval for load calculation for an interface\nLoad interval delay in seconds",
			No: "load-interval [(30-600)$secs]", NoHelp: "Specify interval for load calculation for an interface\nLoad interval delay in seconds",
			Handler: func(s *cli.Session, a parser.Args) {
				i := s.Context().(*iface)
				secs := 0
				if !a.Negated() && !a.Default() {
					secs = a.Int("secs")
					if secs%30 != 0 {
						s.Error("%% Load interval must be a multiple of 30 seconds")
						return
					}
					if secs == int(defaultLoad/time.Second) {
						secs = 0
					}
				}
				i.load = secs
				d.counters.setLoad(i.name, time.Duration(secs)*time.Second)
				d.markChanged(s.User())
			}},
		cmd{Syntax: "description LINE$text", Help: "Interface specific description\nUp to 240 characters describing this interface",
			No: "description [LINE$text]", NoHelp: "Interface specific description\nUp to 240 characters describing this interface",
			Handler: func(s *cli.Session, a parser.Args) {
				i := s.Context().(*iface)
				if a.Negated() || a.Default() {
					i.description = ""
				} else {
					i.description = strings.TrimSpace(a.String("text"))
				}
				d.markChanged(s.User())
			}},
		cmd{Syntax: "ip address A.B.C.D$addr A.B.C.D$mask", Help: "Interface Internet Protocol config commands\nSet the IP address of an interface\nIP address\nIP subnet mask",
			No: "ip address [A.B.C.D$addr A.B.C.D$mask]", NoHelp: "Interface Internet Protocol config commands\nSet the IP address of an interface\nIP address\nIP subnet mask",
			Handler: func(s *cli.Session, a parser.Args) {
				i := s.Context().(*iface)
				if a.Negated() || a.Default() {
					i.addr = netip.Prefix{}
					i.method = "unset"
					d.markChanged(s.User())
					return
				}
				addr, err1 := netip.ParseAddr(a.String("addr"))
				mask, err2 := netip.ParseAddr(a.String("mask"))
				bits, ok := maskBits(mask)
				if err1 != nil || err2 != nil || !ok {
					s.Error("%% Bad mask %s for address %s", a.String("mask"), a.String("addr"))
					return
				}
				p := netip.PrefixFrom(addr, bits)
				if bits < 31 && (addr == p.Masked().Addr()) {
					s.Error("Bad mask /%d for address %s", bits, addr)
					return
				}
				for _, o := range d.cfg.interfaces {
					if o != i && o.addr.IsValid() && o.addr.Masked() == p.Masked() {
						s.Error("%% %s overlaps with %s", p.Masked(), o.name)
						return
					}
				}
				i.addr = p
				i.method = d.cfg.method
				d.markChanged(s.User())
			}},
		cmd{Syntax: "shutdown", Help: "Shutdown the selected interface", No: "=",
			Handler: func(s *cli.Session, a parser.Args) {
				i := s.Context().(*iface)
				down := !a.Negated()
				if a.Default() {
					down = i.builtin
				}
				if i.shutdown != down {
					d.counters.reset(i.name)
				}
				if i.shutdown != down && !s.Headless() {
					if down {
						d.Log(fmt.Sprintf("%%LINK-5-CHANGED: Interface %s, changed state to administratively down", i.name))
						d.Log(fmt.Sprintf("%%LINEPROTO-5-UPDOWN: Line protocol on Interface %s, changed state to down", i.name))
					} else {
						d.Log(fmt.Sprintf("%%LINK-3-UPDOWN: Interface %s, changed state to up", i.name))
						d.Log(fmt.Sprintf("%%LINEPROTO-5-UPDOWN: Line protocol on Interface %s, changed state to up", i.name))
					}
				}
				i.shutdown = down
				d.markChanged(s.User())
			}},
		cmd{Syntax: "duplex <auto|full|half>", Help: "Configure duplex operation.\nEnable AUTO duplex configuration\nForce full duplex operation\nForce half-duplex operation", Hidden: true,
			Handler: func(*cli.Session, parser.Args) {}},
		cmd{Syntax: "speed <10|100|1000|auto>", Help: "Configure speed operation.\nForce 10 Mbps operation\nForce 100 Mbps operation\nForce 1000 Mbps operation\nEnable AUTO speed configuration", Hidden: true,
			Handler: func(*cli.Session, parser.Args) {}},
		cmd{Syntax: "negotiation auto", Help: "Select Autonegotiation mode\nEnable link autonegotiation", Hidden: true,
			Handler: func(*cli.Session, parser.Args) {}},
	)
	r.Install(parser.Exec,
		cmd{Syntax: "show ip interface brief", Help: cli.HelpShow + "\nIP information\nIP interface status and configuration\nBrief summary of IP status and configuration", Handler: d.showIPIntBrief},
		cmd{Syntax: "show interfaces [IFNAME$name]", Help: cli.HelpShow + "\nInterface status and configuration\nInterface name", Handler: d.showInterfaces},
	)
}

// ifIndex is the interface's position on the chassis (its MAC offset).
func (d *Router) ifIndex(i *iface) int {
	for n, o := range d.cfg.interfaces {
		if o == i {
			return n
		}
	}
	return 0
}

func (d *Router) removeIface(i *iface) {
	out := d.cfg.interfaces[:0]
	for _, o := range d.cfg.interfaces {
		if o != i {
			out = append(out, o)
		}
	}
	d.cfg.interfaces = out
}

// sortIfaces keeps physical interfaces first in chassis order, then the
// virtual ones by name and number, as IOS lists them.
func sortIfaces(l []*iface) {
	sort.SliceStable(l, func(a, b int) bool {
		if l[a].builtin != l[b].builtin {
			return l[a].builtin
		}
		if l[a].builtin {
			return false
		}
		ka, na := splitIfName(l[a].name)
		kb, nb := splitIfName(l[b].name)
		if ka != kb {
			return ka < kb
		}
		x, _ := strconv.Atoi(na)
		y, _ := strconv.Atoi(nb)
		return x < y
	})
}

func (i *iface) status() (string, string) {
	if i.shutdown {
		return "administratively down", "down"
	}
	return "up", "up"
}

func (d *Router) showIPIntBrief(s *cli.Session, _ parser.Args) {
	s.Printf("%-26s %-15s %-3s %-6s %-21s %s\n", "Interface", "IP-Address", "OK?", "Method", "Status", "Protocol")
	for _, i := range d.cfg.interfaces {
		addr := "unassigned"
		if i.addr.IsValid() {
			addr = i.addr.Addr().String()
		}
		st, proto := i.status()
		s.Printf("%-26s %-15s YES %-6s %-21s %-8s\n", i.name, addr, i.method, st, proto)
	}
}

// selectIfaces is every interface, or the one an optional IFNAME argument
// names; ok=false after printing IOS's error for an unknown one.
func (d *Router) selectIfaces(s *cli.Session, a parser.Args, arg string) (list []*iface, ok bool) {
	if !a.Has(arg) {
		return d.cfg.interfaces, true
	}
	i := d.findIface(d.canonicalIf(a.String(arg)))
	if i == nil {
		s.Error("%% Invalid interface type and number")
		return nil, false
	}
	return []*iface{i}, true
}

func (d *Router) showInterfaces(s *cli.Session, a parser.Args) {
	list, ok := d.selectIfaces(s, a, "name")
	if !ok {
		return
	}
	d.ntpSettle()
	for _, i := range list {
		d.showInterface(s, i)
	}
}

func dly(i *iface) int {
	switch {
	case strings.HasPrefix(i.name, "Loopback"):
		return 5000
	case i.bandwidth >= 1000000:
		return 10
	default:
		return 100
	}
}
