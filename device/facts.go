package device

import (
	"strconv"
	"strings"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/parser"
)

// The show commands automation collects facts with (Ansible ios_facts
// hardware and interfaces subsets): memory, IP per interface, IPv6 (none
// configured), and the neighbour protocols, which this emulator does not run.

func (d *Router) registerFacts(r *cli.Registry) {
	r.Install(parser.Exec,
		cmd{Syntax: "show memory statistics", Help: cli.HelpShow + "\nMemory statistics\nMemory statistics", Handler: d.showMemory},
		cmd{Syntax: "show ip interface [IFNAME$ifname]", Help: cli.HelpShow + "\nIP information\nIP interface status and configuration\nInterface name", Handler: d.showIPInterface},
		cmd{Syntax: "show ipv6 interface", Help: cli.HelpShow + "\nIPv6 information\nIPv6 interface status and configuration",
			// No interface has IPv6 enabled: IOS lists nothing.
			Handler: func(*cli.Session, parser.Args) {}},
		cmd{Syntax: "show ipv6 interface brief", Help: cli.HelpShow + "\nIPv6 information\nIPv6 interface status and configuration\nBrief summary of IPv6 status and configuration",
			// Every interface, none with an IPv6 address.
			Handler: func(s *cli.Session, _ parser.Args) {
				for _, i := range d.cfg.interfaces {
					st, proto := i.status()
					// The name column is 23 wide; a longer name keeps a
					// space before the status (TenGigabitEthernet0/1/0).
					s.Printf("%-22s [%s/%s]\n    unassigned\n", i.name, st, proto)
				}
			}},
		cmd{Syntax: "show lldp [neighbors] [detail]", Help: cli.HelpShow + "\nLLDP information\nLLDP neighbor entries\nShow detailed information",
			Handler: func(s *cli.Session, _ parser.Args) { s.Println("% LLDP is not enabled") }},
		cmd{Syntax: "show cdp [neighbors] [detail]", Help: cli.HelpShow + "\nCDP information\nCDP neighbor entries\nShow detailed information",
			Handler: func(s *cli.Session, _ parser.Args) { s.Println("% CDP is not enabled") }},
	)
}

// memoryKB reads the processor and I/O memory of the profile ("487424K/36864K").
func (d *Router) memoryKB() (proc, io int64) {
	a, b, _ := strings.Cut(d.profile.Memory, "/")
	p, _ := strconv.ParseInt(strings.TrimSuffix(a, "K"), 10, 64)
	i, _ := strconv.ParseInt(strings.TrimSuffix(b, "K"), 10, 64)
	return p, i
}

// showMemory renders the pools from the platform's memory. Use grows with
// the configuration and the sessions, so it moves as the router works.
func (d *Router) showMemory(s *cli.Session, _ parser.Args) {
	proc, io := d.memoryKB()
	pt, it := proc*1024*3/4, io*1024
	used := pt/5 + int64(len(d.renderConfig()))*64 + int64(len(d.Sessions()))*65536
	iused := it / 4
	s.Println("                Head    Total(b)     Used(b)     Free(b)   Lowest(b)  Largest(b)")
	s.Printf("Processor   %8X  %10d  %10d  %10d  %10d  %10d\n", 0x2B1A1D40, pt, used, pt-used, pt-used-pt/200, (pt-used)*97/100)
	s.Printf("      I/O   %8X  %10d  %10d  %10d  %10d  %10d\n", 0xE000000, it, iused, it-iused, it-iused-it/200, (it-iused)*97/100)
}

func (d *Router) showIPInterface(s *cli.Session, a parser.Args) {
	list, ok := d.selectIfaces(s, a, "ifname")
	if !ok {
		return
	}
	for _, i := range list {
		st, proto := i.status()
		s.Printf("%s is %s, line protocol is %s\n", i.name, st, proto)
		if !i.addr.IsValid() {
			s.Println("  Internet protocol processing disabled")
			continue
		}
		s.Printf("  Internet address is %s\n", i.addr)
		s.Println("  Broadcast address is 255.255.255.255")
		s.Println("  Address determined by " + map[string]string{"NVRAM": "non-volatile memory", "manual": "setup command"}[i.method])
		s.Println("  MTU is 1500 bytes")
		s.Println("  Helper address is not set")
		s.Println("  Directed broadcast forwarding is disabled")
		s.Println("  Outgoing access list is not set")
		s.Println("  Inbound  access list is not set")
		s.Println("  Proxy ARP is enabled")
		s.Println("  Local Proxy ARP is disabled")
		s.Println("  Security level is default")
		s.Println("  Split horizon is enabled")
		s.Println("  ICMP redirects are always sent")
		s.Println("  ICMP unreachables are always sent")
		s.Println("  ICMP mask replies are never sent")
		s.Println("  IP fast switching is enabled")
		s.Println("  IP CEF switching is enabled")
		s.Println("  IP multicast fast switching is enabled")
		s.Println("  Router Discovery is disabled")
		s.Println("  IP output packet accounting is disabled")
		s.Println("  IP access violation accounting is disabled")
		s.Println("  TCP/IP header compression is disabled")
		s.Println("  RTP/IP header compression is disabled")
		s.Println("  Policy routing is disabled")
		s.Println("  Network address translation is disabled")
		s.Println("  BGP Policy Mapping is disabled")
		s.Println("  Input features: MCI Check")
	}
}
