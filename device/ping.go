package device

import (
	"net/netip"
	"strings"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/parser"
)

// ping answers from the lab's address map: an echo succeeds when this
// router has a route to the address (an up interface, or a static route
// whose next hop answers) and something in the lab owns the address. As on a
// real router, the first echo to an on-link neighbour not yet in the ARP
// cache is lost while ARP resolves.

func (d *Router) registerPing(r *cli.Registry) {
	r.Install(parser.Exec,
		cmd{Syntax: "ping A.B.C.D$addr [repeat (1-2147483647)$count] [size (36-18024)$bytes]",
			Help:    "Send echo messages\nPing destination address or hostname\nspecify repeat count\nRepeat count\nspecify datagram size\nDatagram size",
			Handler: d.ping},
		cmd{Syntax: "ping WORD$host", Help: "Send echo messages\nPing destination address or hostname",
			Handler: func(s *cli.Session, a parser.Args) {
				s.Println("% Unrecognized host or address, or protocol not running.")
				s.Println("")
			}},
	)
}

// refreshAddrs publishes the addresses of the up interfaces, which other
// routers read without this router's lock.
func (d *Router) refreshAddrs() {
	m := map[netip.Addr]bool{}
	for _, i := range d.cfg.interfaces {
		if i.addr.IsValid() && !i.shutdown {
			m[i.addr.Addr()] = true
		}
	}
	d.addrs.Store(m)
}

// Owns reports whether an up interface of this router has addr.
func (d *Router) Owns(addr netip.Addr) bool {
	m, _ := d.addrs.Load().(map[netip.Addr]bool)
	return m[addr]
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
			if v := strings.Index(r.text, "via "); v >= 0 {
				f := strings.Fields(r.text[v+4:])
				hop, _ = netip.ParseAddr(strings.TrimSuffix(f[0], ","))
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
	self := d.Owns(addr)
	answers := self || (routed && d.neighbor != nil && d.neighbor(addr) && (hop == addr || d.neighbor(hop)))
	ok := 0
	var marks strings.Builder
	for n := 0; n < count; n++ {
		if n > 0 && n%70 == 0 {
			marks.WriteString("\n")
		}
		switch {
		case !answers:
			marks.WriteString(".")
		case !self && !d.arp[hop]:
			d.arp[hop] = true // resolved while the first echo timed out
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
