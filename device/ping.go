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
		cmd{Syntax: "ping A.B.C.D$addr [repeat (1-2147483647)$count] [size (36-18024)$bytes]",
			Help:    "Send echo messages\nPing destination address or hostname\nspecify repeat count\nRepeat count\nspecify datagram size\nDatagram size",
			Handler: d.ping},
		cmd{Syntax: "show arp", Help: cli.HelpShow + "\nARP table", Handler: d.showARP},
		cmd{Syntax: "clear arp-cache", Help: cli.HelpClear + "\nClear the entire ARP cache", Priv: 15,
			Handler: func(*cli.Session, parser.Args) { d.arp = map[netip.Addr]arpEntry{} }},
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
	m := map[netip.Addr]string{}
	for n, i := range d.cfg.interfaces {
		if i.addr.IsValid() && !i.shutdown {
			m[i.addr.Addr()] = d.ident.InterfaceMAC(n)
		}
	}
	d.addrs.Store(m)
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
		if i.addr.IsValid() && !i.shutdown && i.addr.Masked().Contains(a) {
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

func (d *Router) ping(s *cli.Session, a parser.Args) {
	addr, _ := netip.ParseAddr(a.String("addr"))
	count, size := 5, 100
	if a.Has("count") {
		count = a.Int("count")
	}
	if a.Has("bytes") {
		size = a.Int("bytes")
	}
	s.Println("Type escape sequence to abort.")
	s.Printf("Sending %d, %d-byte ICMP Echos to %s, timeout is 2 seconds:\n", count, size, addr)
	hop, routed := d.path(addr)
	_, self := d.Owns(addr)
	answers := self
	var hopMAC string
	if !self && routed && d.neighbor != nil {
		_, dst := d.neighbor(addr)
		var ok bool
		hopMAC, ok = d.neighbor(hop)
		answers = dst && ok
	}
	ok := 0
	var marks strings.Builder
	for n := 0; n < count; n++ {
		if n > 0 && n%70 == 0 {
			marks.WriteString("\n")
		}
		switch {
		case !answers:
			marks.WriteString(".")
		case !self && !d.arpKnown(hop):
			// The first echo times out while ARP resolves the next hop.
			if i := d.onLink(hop); i != nil {
				d.arp[hop] = arpEntry{mac: hopMAC, iface: i.name, at: d.lab.Now()}
			}
			marks.WriteString(".")
		default:
			marks.WriteString("!")
			ok++
		}
	}
	s.Println(marks.String())
	pct := ok * 100 / count
	if ok == 0 {
		s.Printf("Success rate is %d percent (%d/%d)\n", pct, ok, count)
		return
	}
	s.Printf("Success rate is %d percent (%d/%d), round-trip min/avg/max = 1/1/1 ms\n", pct, ok, count)
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
	for a := range d.arp {
		if e, ok := d.arpLookup(a); ok {
			age := int(d.lab.Now().Sub(e.at) / time.Minute)
			rows = append(rows, row{a, strconv.Itoa(age), e.mac, e.iface})
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].addr.Less(rows[j].addr) })
	s.Println("Protocol  Address          Age (min)  Hardware Addr   Type   Interface")
	for _, r := range rows {
		s.Printf("Internet  %-16s%9s   %-14s  ARPA   %s\n", r.addr, r.age, r.mac, r.ifname)
	}
}
