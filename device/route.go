package device

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/parser"
)

// staticRoute is one `ip route`.
type staticRoute struct {
	prefix   netip.Prefix
	nexthop  netip.Addr // invalid when only an interface is given
	ifname   string
	distance int // 1 unless configured
}

func (r staticRoute) String() string {
	s := fmt.Sprintf("ip route %s %s", r.prefix.Addr(), maskString(r.prefix.Bits()))
	if r.ifname != "" {
		s += " " + r.ifname
	}
	if r.nexthop.IsValid() {
		s += " " + r.nexthop.String()
	}
	if r.distance != 1 {
		s += fmt.Sprintf(" %d", r.distance)
	}
	return s
}

func (d *Router) registerRoutes(r *cli.Registry) {
	const help = cli.HelpIP + "\nEstablish static routes\nDestination prefix\nDestination prefix mask\n"
	r.Install(parser.Config,
		cmd{Syntax: "ip route A.B.C.D$prefix A.B.C.D$mask A.B.C.D$nexthop [(1-255)$distance]",
			Help: help + "Forwarding router's address\nDistance metric for this route", No: "=", Handler: d.ipRoute},
		cmd{Syntax: "ip route A.B.C.D$prefix A.B.C.D$mask IFNAME$ifname [A.B.C.D$nexthop] [(1-255)$distance]",
			Help: help + "Interface name\nForwarding router's address\nDistance metric for this route", No: "=", Handler: d.ipRoute},
	)
	r.Install(parser.Exec,
		cmd{Syntax: "show ip route", Help: cli.HelpShow + "\nIP information\nIP routing table", Handler: d.showIPRoute},
	)
}

func (d *Router) ipRoute(s *cli.Session, a parser.Args) {
	addr, _ := netip.ParseAddr(a.String("prefix"))
	mask, _ := netip.ParseAddr(a.String("mask"))
	bits, ok := maskBits(mask)
	if !ok {
		s.Error("%%Inconsistent address and mask")
		return
	}
	p := netip.PrefixFrom(addr, bits)
	if p.Masked() != p {
		s.Error("%%Inconsistent address and mask")
		return
	}
	rt := staticRoute{prefix: p, distance: 1}
	if a.Has("nexthop") {
		rt.nexthop, _ = netip.ParseAddr(a.String("nexthop"))
	}
	if a.Has("ifname") {
		i := d.findIface(d.canonicalIf(a.String("ifname")))
		if i == nil {
			s.Error("%% Invalid interface type and number")
			return
		}
		rt.ifname = i.name
	}
	if a.Has("distance") {
		rt.distance = a.Int("distance")
	}
	// One route per prefix and path; a new distance replaces the old.
	out := d.cfg.routes[:0]
	for _, o := range d.cfg.routes {
		if o.prefix == rt.prefix && o.nexthop == rt.nexthop && o.ifname == rt.ifname {
			continue
		}
		out = append(out, o)
	}
	d.cfg.routes = out
	if !a.Negated() && !a.Default() {
		d.cfg.routes = append(d.cfg.routes, rt)
		sort.SliceStable(d.cfg.routes, func(i, j int) bool {
			return d.cfg.routes[i].prefix.Addr().Less(d.cfg.routes[j].prefix.Addr()) ||
				d.cfg.routes[i].prefix.Addr() == d.cfg.routes[j].prefix.Addr() && d.cfg.routes[i].prefix.Bits() < d.cfg.routes[j].prefix.Bits()
		})
	}
	d.markChanged(s.User())
}

func (d *Router) writeRoutes(w *strings.Builder) {
	for _, r := range d.cfg.routes {
		w.WriteString(r.String() + "\n")
	}
	if len(d.cfg.routes) > 0 {
		w.WriteString("!\n")
	}
}

// rib is one entry of the routing table.
type rib struct {
	code    string // C, L, S, S*
	prefix  netip.Prefix
	text    string     // what follows the prefix
	nexthop netip.Addr // invalid for connected routes
}

// routes builds the routing table: connected and local routes of the
// interfaces that are up, and the static routes whose next hop resolves.
func (d *Router) routes() (table []rib, gateway string) {
	var connected []*iface
	for _, i := range d.cfg.interfaces {
		if i.addr.IsValid() && !i.shutdown && i.vrf == "" {
			connected = append(connected, i)
			table = append(table, rib{code: "C", prefix: i.addr.Masked(), text: "is directly connected, " + i.name})
			if i.addr.Bits() < 32 {
				table = append(table, rib{code: "L", prefix: netip.PrefixFrom(i.addr.Addr(), 32), text: "is directly connected, " + i.name})
			}
		}
	}
	resolves := func(nh netip.Addr) bool {
		for _, i := range connected {
			if i.addr.Masked().Contains(nh) {
				return true
			}
		}
		return false
	}
	for _, r := range d.cfg.routes {
		code := "S"
		if r.prefix.Bits() == 0 {
			code = "S*"
		}
		switch {
		case r.ifname != "":
			i := d.findIface(r.ifname)
			if i == nil || i.shutdown {
				continue
			}
			if r.nexthop.IsValid() {
				table = append(table, rib{code, r.prefix, fmt.Sprintf("[%d/0] via %s, %s", r.distance, r.nexthop, r.ifname), r.nexthop})
			} else {
				table = append(table, rib{code: code, prefix: r.prefix, text: "is directly connected, " + r.ifname})
			}
		case resolves(r.nexthop):
			table = append(table, rib{code, r.prefix, fmt.Sprintf("[%d/0] via %s", r.distance, r.nexthop), r.nexthop})
		default:
			continue
		}
		if r.prefix.Bits() == 0 && gateway == "" {
			gw := r.nexthop.String()
			if !r.nexthop.IsValid() {
				gw = "0.0.0.0"
			}
			gateway = gw + " to network 0.0.0.0"
		}
	}
	sort.SliceStable(table, func(i, j int) bool {
		a, b := table[i].prefix, table[j].prefix
		if a.Addr() != b.Addr() {
			return a.Addr().Less(b.Addr())
		}
		return a.Bits() < b.Bits()
	})
	return table, gateway
}

// classful is the classful network an address belongs to.
func classful(a netip.Addr) netip.Prefix {
	b := a.As4()
	switch {
	case b[0] < 128:
		return netip.PrefixFrom(a, 8).Masked()
	case b[0] < 192:
		return netip.PrefixFrom(a, 16).Masked()
	default:
		return netip.PrefixFrom(a, 24).Masked()
	}
}

const routeCodes = `Codes: L - local, C - connected, S - static, R - RIP, M - mobile, B - BGP
       D - EIGRP, EX - EIGRP external, O - OSPF, IA - OSPF inter area 
       N1 - OSPF NSSA external type 1, N2 - OSPF NSSA external type 2
       E1 - OSPF external type 1, E2 - OSPF external type 2
       i - IS-IS, su - IS-IS summary, L1 - IS-IS level-1, L2 - IS-IS level-2
       ia - IS-IS inter area, * - candidate default, U - per-user static route
       o - ODR, P - periodic downloaded static route, H - NHRP, l - LISP
       a - application route
       + - replicated route, % - next hop override, p - overrides from PfR
`

// showIPRoute renders the table as IOS 15 does: routes grouped under their
// classful network, with a "subnetted" header where the network is split.
func (d *Router) showIPRoute(s *cli.Session, _ parser.Args) {
	table, gw := d.routes()
	s.Printf("%s\n", routeCodes)
	if gw == "" {
		s.Printf("Gateway of last resort is not set\n\n")
	} else {
		s.Printf("Gateway of last resort is %s\n\n", gw)
	}
	for i := 0; i < len(table); {
		net := classful(table[i].prefix.Addr())
		j := i
		for j < len(table) && classful(table[j].prefix.Addr()) == net && table[j].prefix.Bits() >= net.Bits() {
			j++
		}
		if j == i { // a supernet or the default route
			s.Printf("%-2s    %s %s\n", table[i].code, table[i].prefix, table[i].text)
			i++
			continue
		}
		group := table[i:j]
		if len(group) == 1 && group[0].prefix == net {
			s.Printf("%-2s    %s %s\n", group[0].code, group[0].prefix, group[0].text)
			i = j
			continue
		}
		masks := map[int]bool{}
		for _, r := range group {
			masks[r.prefix.Bits()] = true
		}
		if len(masks) == 1 {
			s.Printf("      %s/%d is subnetted, %d subnets\n", net.Addr(), group[0].prefix.Bits(), len(group))
		} else {
			s.Printf("      %s is variably subnetted, %d subnets, %d masks\n", net, len(group), len(masks))
		}
		for _, r := range group {
			if len(masks) == 1 {
				s.Printf("%-2s       %s %s\n", r.code, r.prefix.Addr(), r.text)
			} else {
				s.Printf("%-2s       %s %s\n", r.code, r.prefix, r.text)
			}
		}
		i = j
	}
}
