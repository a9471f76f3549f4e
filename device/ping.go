package device

import (
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/parser"
)

// ping answers from the lab's address map: an echo succeeds when this
// router has a route to the address (an up interface, or a static route
// whose next hop answers) and something in the lab owns the address. As on a
// real router, the first echo to a next hop not in the ARP cache is lost
// while ARP resolves; entries age out after four hours of lab time.

func (d *Router) registerPing(r *cli.Registry) {
	r.Install(parser.Exec,
		// IOS's bounds: repeat 1-2147483647, size 36-18024, timeout
		// 0-3600 seconds, in any order after the address.
		cmd{Syntax: "ping A.B.C.D$addr [{repeat (1-2147483647)$count|size (36-18024)$bytes|timeout (0-3600)$secs}]",
			Help:    "Send echo messages\nPing destination address or hostname\nspecify repeat count\nRepeat count\nspecify datagram size\nDatagram size\nspecify timeout interval\nTimeout in seconds",
			Handler: d.ping},
		cmd{Syntax: "show arp", Help: cli.HelpShow + "\nARP table", Handler: d.showARP},
		cmd{Syntax: "clear arp-cache", Help: cli.HelpClear + "\nClear the entire ARP cache", Priv: 15,
			Handler: func(*cli.Session, parser.Args) {
				d.arpMu.Lock()
				d.arp = map[netip.Addr]arpEntry{}
				d.arpMu.Unlock()
			}},
		cmd{Syntax: "ping WORD$host", Help: "Send echo messages\nPing destination address or hostname",
			Handler: func(s *cli.Session, a parser.Args) {
				s.Println("% Unrecognized host or address, or protocol not running.")
				s.Println("")
			}},
	)
}

// refreshAddrs publishes the addresses of the up interfaces and their MACs,
// which other routers read without this router's lock.
func (d *Router) refreshAddrs() {
	m, names := map[netip.Addr]string{}, map[netip.Addr]string{}
	for n, i := range d.cfg.interfaces {
		if i.addr.IsValid() && !i.shutdown {
			m[i.addr.Addr()] = d.ident.InterfaceMAC(n)
			names[i.addr.Addr()] = i.name
		}
	}
	d.addrs.Store(m)
	d.ifAddrs.Store(names)
	d.fwd.Store(d.buildFwd())
}

// Owns reports whether an up interface of this router has addr, and that
// interface's MAC address.
func (d *Router) Owns(addr netip.Addr) (mac string, ok bool) {
	m, _ := d.addrs.Load().(map[netip.Addr]string)
	mac, ok = m[addr]
	return mac, ok
}

// arpEntry is a neighbour learnt by ARP.
type arpEntry struct {
	mac   string
	iface string
	at    time.Time // lab time it was learnt
}

// arpTimeout is IOS's default ARP cache lifetime (arp timeout 14400).
const arpTimeout = 4 * time.Hour

// arpLookup finds a live ARP entry, dropping it once it has aged out.
func (d *Router) arpLookup(a netip.Addr) (arpEntry, bool) {
	d.arpMu.Lock()
	defer d.arpMu.Unlock()
	e, ok := d.arp[a]
	if ok && d.lab.Now().Sub(e.at) >= arpTimeout {
		delete(d.arp, a)
		return arpEntry{}, false
	}
	return e, ok
}

// onLink is the up interface whose subnet holds a, if any.
func (d *Router) onLink(a netip.Addr) *iface {
	for _, i := range d.cfg.interfaces {
		if i.addr.IsValid() && !i.shutdown && i.vrf == "" && i.addr.Masked().Contains(a) {
			return i
		}
	}
	return nil
}

// path finds how this router reaches addr: the next hop that must answer
// ARP (the address itself when on-link) and whether a route exists.
func (d *Router) path(addr netip.Addr) (hop netip.Addr, ok bool) {
	table, _ := d.routes()
	best := -1
	for _, r := range table {
		if r.prefix.Contains(addr) && r.prefix.Bits() > best {
			best = r.prefix.Bits()
			hop = addr
			if r.nexthop.IsValid() {
				hop = r.nexthop
			}
		}
	}
	return hop, best >= 0
}

// ping sends count echoes, one at a time, on the lab clock: an echo takes
// no lab time (a frozen lab answers at once, as it always has), so nothing
// here waits on the wall clock. Each mark is written as it is decided and
// the device lock is released between echoes, so a long ping neither builds
// its output in memory nor holds the router; Ctrl-^ (the IOS escape
// sequence) or Ctrl-C stops it with the statistics so far, as on IOS.
func (d *Router) ping(s *cli.Session, a parser.Args) {
	addr, _ := netip.ParseAddr(a.String("addr"))
	count, size, timeout := 5, 100, 2
	if a.Has("count") {
		count = a.Int("count")
	}
	if a.Has("bytes") {
		size = a.Int("bytes")
	}
	if a.Has("secs") {
		timeout = a.Int("secs")
	}
	s.Println("Type escape sequence to abort.")
	s.Printf("Sending %d, %d-byte ICMP Echos to %s, timeout is %d seconds:\n", count, size, addr, timeout)
	s.Flush()
	ok, sent := 0, 0
	for sent < count {
		if sent > 0 && sent%70 == 0 {
			s.Println("")
		}
		if d.echo(addr, size) {
			s.Printf("!")
			ok++
		} else {
			s.Printf(".")
		}
		sent++
		s.Flush()
		s.Unlocked()() // let other sessions and timers in between echoes
		if s.Interrupted() {
			break
		}
	}
	s.Println("")
	pct := ok * 100 / sent
	if ok == 0 {
		s.Printf("Success rate is %d percent (%d/%d)\n", pct, ok, sent)
		return
	}
	s.Printf("Success rate is %d percent (%d/%d), round-trip min/avg/max = 1/1/1 ms\n", pct, ok, sent)
}

// echo sends one echo to addr (with the lock held) and tells whether it
// was answered. The first echo to a next hop not in the ARP cache is lost
// while ARP resolves it.
func (d *Router) echo(addr netip.Addr, size int) bool {
	if _, self := d.Owns(addr); self {
		return true
	}
	hop, routed := d.path(addr)
	if !routed || d.neighbor == nil {
		return false
	}
	_, dst := d.neighbor(addr)
	hopMAC, hopUp := d.neighbor(hop)
	if !dst || !hopUp {
		return false
	}
	egress := ""
	if i := d.onLink(hop); i != nil {
		egress = i.name
	}
	if !d.arpKnown(hop) {
		if egress != "" {
			d.learn(hop, hopMAC, egress, d.lab.Now())
			d.countARP(egress, hop)
			d.countEcho(egress, addr, hop, size, false)
		}
		return false
	}
	d.countEcho(egress, addr, hop, size, true)
	return true
}

func (d *Router) arpKnown(a netip.Addr) bool {
	_, ok := d.arpLookup(a)
	return ok
}

// showARP lists the router's own addresses and the neighbours it has
// learnt, with their age on the lab clock.
func (d *Router) showARP(s *cli.Session, _ parser.Args) {
	type row struct {
		addr             netip.Addr
		age, mac, ifname string
	}
	var rows []row
	for n, i := range d.cfg.interfaces {
		if i.addr.IsValid() && !i.shutdown && !strings.HasPrefix(i.name, "Loopback") {
			rows = append(rows, row{i.addr.Addr(), "-", d.ident.InterfaceMAC(n), i.name})
		}
	}
	now := d.lab.Now()
	d.arpMu.Lock()
	for a, e := range d.arp {
		if now.Sub(e.at) >= arpTimeout {
			delete(d.arp, a)
			continue
		}
		age := int(now.Sub(e.at) / time.Minute)
		rows = append(rows, row{a, strconv.Itoa(age), e.mac, e.iface})
	}
	d.arpMu.Unlock()
	sort.Slice(rows, func(i, j int) bool { return rows[i].addr.Less(rows[j].addr) })
	s.Println("Protocol  Address          Age (min)  Hardware Addr   Type   Interface")
	for _, r := range rows {
		s.Printf("Internet  %-16s%9s   %-14s  ARPA   %s\n", r.addr, r.age, r.mac, r.ifname)
	}
}
