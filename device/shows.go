package device

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/parser"
)

// The show commands automation scripts run beyond the core ones, each
// rendered from the device's state in its family's layout: interface
// descriptions, the routing summary and the CEF table from the RIB, the
// file systems from the store, the HTTP server from its configuration,
// processes from uptime and memory, licenses from the platform profile.

func (d *Router) registerShows(r *cli.Registry) {
	r.Install(parser.Exec,
		cmd{Syntax: "show ip arp", Help: cli.HelpShow + "\nIP information\nIP ARP table", Handler: d.showARP},
		cmd{Syntax: "show interfaces description", Help: cli.HelpShow + "\nInterface status and configuration\nShow interface description", Handler: d.showIfDescription},
		cmd{Syntax: "show ip route summary", Help: cli.HelpShow + "\nIP information\nIP routing table\nSummary of all routes", Handler: d.showRouteSummary},
		cmd{Syntax: "show ip http server status", Help: cli.HelpShow + "\nIP information\nHTTP information\nHTTP server information\nHTTP server status", Handler: d.showHTTPStatus},
		cmd{Syntax: "show file systems", Help: cli.HelpShow + "\nShow filesystem information\nList filesystems", Handler: d.showFileSystems},
		cmd{Syntax: "show bootvar", Help: cli.HelpShow + "\nBoot and related environment variable", Handler: d.showBootvar},
		cmd{Syntax: "show processes cpu [<sorted|history>$how]", Help: cli.HelpShow + "\nActive process statistics\nShow CPU use per process\nSort output by percentage of CPU used\nShow CPU history in graph format", Handler: d.showProcessesCPU},
		cmd{Syntax: "show processes memory [sorted]", Help: cli.HelpShow + "\nActive process statistics\nShow memory use per process\nSort output by Holding memory", Handler: d.showProcessesMemory},
		cmd{Syntax: "show ip access-lists", Help: cli.HelpShow + "\nIP information\nList IP access lists", Handler: func(*cli.Session, parser.Args) {}},
		cmd{Syntax: "show vrf", Help: cli.HelpShow + "\nVPN Routing/Forwarding instance information", Handler: d.showVRF},
		cmd{Syntax: "show ip cef", Help: cli.HelpShow + "\nIP information\nCisco Express Forwarding", Handler: d.showCEF},
		cmd{Syntax: "show archive", Help: cli.HelpShow + "\nArchive functions", Handler: d.showArchive},
	)
	if len(d.profile.Licenses()) > 0 {
		r.Install(parser.Exec, cmd{Syntax: "show license", Help: cli.HelpShow + "\nShow license information", Handler: func(s *cli.Session, _ parser.Args) {
			s.Printf("%s", d.profile.ShowLicense())
		}})
	}
	if d.profile.IsXE() {
		r.Install(parser.Exec,
			cmd{Syntax: "show boot", Help: cli.HelpShow + "\nBoot and related environment variable", Handler: d.showBootvar},
			cmd{Syntax: "show platform", Help: cli.HelpShow + "\nshow platform information", Handler: d.showPlatform},
		)
	}
}

// ifStatus is the Status column of `show interfaces description`.
func (i *iface) descStatus() (string, string) {
	if i.shutdown {
		return "admin down", "down"
	}
	return "up", "up"
}

func (d *Router) showIfDescription(s *cli.Session, _ parser.Args) {
	s.Printf("%-30s %-14s %-8s %s\n", "Interface", "Status", "Protocol", "Description")
	for _, i := range d.cfg.interfaces {
		st, proto := i.descStatus()
		s.Printf("%-30s %-14s %-8s %s\n", i.short, st, proto, i.description)
	}
}

// showRouteSummary counts the RIB by source; a route on its classful
// network's boundary is a network, a longer one a subnet.
func (d *Router) showRouteSummary(s *cli.Session, _ parser.Args) {
	table, _ := d.routes()
	type count struct{ nets, subnets int }
	var conn, static count
	majors := map[netip.Prefix]bool{}
	for _, r := range table {
		c := &conn
		if strings.HasPrefix(r.code, "S") {
			c = &static
		}
		if r.prefix == classful(r.prefix.Addr()) || r.prefix.Bits() == 0 {
			c.nets++
		} else {
			c.subnets++
		}
		majors[classful(r.prefix.Addr())] = true
	}
	// IOS charges 64 bytes of overhead and 288 of memory per route on a
	// 64-bit IOSd, 588 per internal (major network) entry.
	row := func(name string, c count) (int, int) {
		n := c.nets + c.subnets
		s.Printf("%-15s %-11d %-11d %-11d %-11d %d\n", name, c.nets, c.subnets, 0, 64*n, 288*n)
		return 64 * n, 288 * n
	}
	s.Printf("IP routing table name is default (0x0)\nIP routing table maximum-paths is 32\n")
	s.Printf("%-15s %-11s %-11s %-11s %-11s %s\n", "Route Source", "Networks", "Subnets", "Replicates", "Overhead", "Memory (bytes)")
	o1, m1 := row("connected", conn)
	o2, m2 := row("static", static)
	internal := len(majors)
	s.Printf("%-15s %-11d %-11s %-11s %-11s %d\n", "internal", internal, "", "", "", 588*internal)
	s.Printf("%-15s %-11d %-11d %-11d %-11d %d\n", "Total", conn.nets+static.nets+internal, conn.subnets+static.subnets, 0, o1+o2, m1+m2+588*internal)
}

func (d *Router) showHTTPStatus(s *cli.Session, _ parser.Args) {
	st := "Disabled"
	if d.cfg.httpServer {
		st = "Enabled"
	}
	s.Printf("HTTP server status: %s\n", st)
	s.Printf("HTTP server port: %d\n", d.cfg.httpPort)
	s.Printf("HTTP server active supplementary listener ports: \n")
	s.Printf("HTTP server authentication method: enable\n")
	s.Printf("HTTP server digest algorithm: md5\n")
	s.Printf("HTTP server access class: 0\n")
	s.Printf("HTTP server IPv4 access class: None\n")
	s.Printf("HTTP server IPv6 access class: None\n")
	s.Printf("HTTP server base path: %s:\n", d.profile.Flash)
	s.Printf("HTTP File Upload status: Disabled\n")
	s.Printf("HTTP server upload path: \n")
	s.Printf("HTTP server help root: \n")
	s.Printf("Maximum number of concurrent server connections allowed: 5\n")
	s.Printf("Maximum number of secondary server connections allowed: 50\n")
	s.Printf("Server idle time-out: 180 seconds\n")
	s.Printf("Server life time-out: 180 seconds\n")
	s.Printf("Server session idle time-out: 600 seconds\n")
	s.Printf("Maximum number of requests allowed on a connection: 1\n")
	s.Printf("Server linger time : 60 seconds\n")
	s.Printf("HTTP server active session modules: ALL\n")
	s.Printf("HTTP secure server capability: Present\n")
	s.Printf("HTTP secure server status: Disabled\n")
	s.Printf("HTTP secure server port: 443\n")
}

// showFileSystems lists the opaque and network file systems IOS always
// has, and the store's devices with their real size and free space.
func (d *Router) showFileSystems(s *cli.Session, _ parser.Args) {
	s.Printf("File Systems:\n\n     Size(b)     Free(b)      Type  Flags  Prefixes\n")
	opaque := func(kind, flags, name string) {
		s.Printf("  %10s  %10s %9s %6s   %s\n", "-", "-", kind, flags, name)
	}
	for _, n := range []string{"archive:", "system:", "tmpsys:", "null:"} {
		opaque("opaque", "rw", n)
	}
	opaque("network", "rw", "tftp:")
	fl, _ := d.store.Device(d.profile.Flash)
	flags := d.profile.Flash + ":"
	if d.profile.Flash == "flash" && !d.profile.IsXE() && d.profile.Name == "ISR-G2" {
		flags = "flash0: flash:"
	}
	if d.profile.IsXE() {
		flags = d.profile.Flash + ": flash:"
	}
	s.Printf("* %10d  %10d %9s %6s   %s#\n", fl.Total(), fl.Free(), "disk", "rw", flags)
	nv, _ := d.store.Device("nvram")
	s.Printf("  %10d  %10d %9s %6s   %s\n", nv.Total(), nv.Free(), "nvram", "rw", "nvram:")
	opaque("opaque", "wo", "syslog:")
	for _, n := range []string{"rcp:", "http:", "ftp:", "scp:"} {
		opaque("network", "rw", n)
	}
	opaque("opaque", "ro", "tar:")
	opaque("network", "rw", "https:")
	opaque("opaque", "ro", "cns:")
}

// showBootvar: no `boot system` is configured, so BOOT is empty on classic
// IOS; IOS-XE boots its image from the flash.
func (d *Router) showBootvar(s *cli.Session, _ parser.Args) {
	if d.profile.IsXE() {
		s.Printf("BOOT variable = %s,12;\n", d.profile.Image)
		s.Printf("CONFIG_FILE variable = \nBOOTLDR variable does not exist\n")
		s.Printf("Configuration register is %s\n\nStandby not ready to show bootvar\n\n", d.profile.ConfigRegister)
		return
	}
	s.Printf("BOOT variable = \nCONFIG_FILE variable = \nBOOTLDR variable = \n")
	s.Printf("Configuration register is %s\n\n", d.profile.ConfigRegister)
}

// process is one line of `show processes`: what IOS runs on every router.
type process struct {
	pid     int
	name    string
	permil  int // runtime per mille of uptime
	invokes int // invocations per minute
	holding int64
}

var processes = []process{
	{1, "Chunk Manager", 0, 1, 9868},
	{2, "Load Meter", 2, 12, 9868},
	{3, "DiagCard3/-1", 0, 0, 28760},
	{4, "Retransmission of Signal", 0, 1, 9868},
	{5, "Check heaps", 9, 1, 9868},
	{6, "Pool Manager", 0, 1, 21868},
	{8, "Timers", 0, 2, 9868},
	{9, "WATCH_AFS", 0, 1, 9868},
	{10, "ARP Input", 1, 10, 22800},
	{11, "ARP Background", 0, 1, 9868},
	{13, "DDR Timers", 0, 1, 9868},
	{14, "Entity MIB API", 0, 1, 9868},
	{17, "IPC Dynamic Cache", 0, 1, 9868},
	{18, "IPC Periodic Timer", 1, 60, 9868},
	{19, "IPC Deferred Port Closure", 0, 60, 9868},
	{20, "IPC Loadometer", 0, 1, 9868},
	{25, "Net Background", 0, 2, 14868},
	{26, "IOSD ipc task", 4, 120, 9868},
	{32, "Per-Second Jobs", 3, 60, 9868},
	{40, "Per-minute Jobs", 2, 1, 9868},
	{46, "SSH Process", 0, 1, 30580},
	{56, "IP Input", 3, 30, 24880},
	{60, "TCP Timer", 1, 30, 9868},
	{61, "TCP Protocols", 0, 2, 9868},
	{75, "NTP", 0, 1, 9868},
	{120, "HTTP CORE", 0, 1, 26868},
	{135, "crypto sw pk proc", 0, 1, 9868},
	{190, "CEF background", 1, 1, 9868},
}

// cpuPercent is a steady low load: an idle router stays at 1-2 %.
func (d *Router) cpuPercent() (five, one, fiveMin int) { return 1, 1, 1 }

func (d *Router) showProcessesCPU(s *cli.Session, a parser.Args) {
	five, one, fm := d.cpuPercent()
	if a.Keyword("how") == "history" {
		d.showCPUHistory(s, five)
		return
	}
	up := d.lab.Now().Sub(d.bootedLab)
	s.Printf("CPU utilization for five seconds: %d%%/0%%; one minute: %d%%; five minutes: %d%%\n", five, one, fm)
	s.Printf(" PID Runtime(ms)     Invoked      uSecs   5Sec   1Min   5Min TTY Process \n")
	list := append([]process(nil), processes...)
	if a.Keyword("how") == "sorted" {
		sort.SliceStable(list, func(i, j int) bool { return list[i].permil > list[j].permil })
	}
	for _, p := range list {
		rt := up.Milliseconds() * int64(p.permil) / 100000
		inv := int64(up.Minutes()*float64(p.invokes)) + 1
		us := rt * 1000 / inv
		pct := float64(p.permil) / 100
		s.Printf("%4d %11d %11d %10d %5.2f%% %5.2f%% %5.2f%% %3d %-16s \n", p.pid, rt, inv, us, pct, pct, pct, 0, p.name)
	}
}

// showCPUHistory draws IOS's last-60-seconds graph at the current load:
// the axis, the scale and the column numbers (a load under 5 % draws no
// bar, as on an idle router).
func (d *Router) showCPUHistory(s *cli.Session, pct int) {
	host := d.cfg.hostname
	for _, g := range []struct {
		cols  int
		title string
	}{{60, "CPU% per second (last 60 seconds)"}, {60, "CPU% per minute (last 60 minutes)\n              * = maximum CPU%   # = average CPU%"}, {72, "CPU% per hour (last 72 hours)\n              * = maximum CPU%   # = average CPU%"}} {
		s.Printf("\n    %s\n\n", host)
		digits := strings.Repeat(fmt.Sprint(pct), g.cols)
		s.Printf("     %s\n     %s\n", digits, strings.Repeat("0", g.cols))
		for y := 100; y >= 10; y -= 10 {
			s.Printf("%3d\n", y)
		}
		s.Printf("   0....5....1....1....2....2....3....3....4....4....5....5....6....6....7..\n")
		s.Printf("             0    5    0    5    0    5    0    5    0    5    0    5    0\n")
		s.Printf("               %s\n", g.title)
	}
}

func (d *Router) showProcessesMemory(s *cli.Session, a parser.Args) {
	proc, io := d.memoryKB()
	pt, it := proc*1024*3/4, io*1024
	used := pt/5 + int64(len(d.renderConfig()))*64 + int64(len(d.Sessions()))*65536
	s.Printf("Processor Pool Total: %10d Used: %10d Free: %10d\n", pt, used, pt-used)
	if d.profile.IsXE() {
		// IOS-XE's second pool is the LSMPI I/O pool, allocated whole at boot.
		s.Printf(" lsmpi_io Pool Total: %10d Used: %10d Free: %10d\n\n", it, it-it>>13, it>>13)
	} else {
		s.Printf("      I/O Pool Total: %10d Used: %10d Free: %10d\n\n", it, it/4, it-it/4)
	}
	s.Printf(" PID TTY  Allocated      Freed    Holding    Getbufs    Retbufs Process\n")
	var listed int64
	for _, p := range processes {
		listed += p.holding
	}
	list := append([]process{{pid: 0, name: "*Init*", holding: used - listed}}, processes...)
	if a.Has("sorted") {
		sort.SliceStable(list, func(i, j int) bool { return list[i].holding > list[j].holding })
	}
	for _, p := range list {
		freed := p.holding / 4
		if p.name == "*Init*" {
			freed = used / 3
		}
		s.Printf("%4d %3d %10d %10d %10d %10d %10d %s\n", p.pid, 0, p.holding+freed, freed, p.holding, 0, 0, p.name)
	}
	s.Printf("%50d Total\n", used)
}

// showCEF derives the FIB from the RIB: attached subnets with their
// network, broadcast and own addresses as receive entries, static routes
// through their next hop, and the special prefixes IOS always installs.
func (d *Router) showCEF(s *cli.Session, _ parser.Args) {
	type ent struct {
		p       netip.Prefix
		nh, ifn string
	}
	var list []ent
	add := func(p netip.Prefix, nh, ifn string) { list = append(list, ent{p, nh, ifn}) }
	table, _ := d.routes()
	def := false
	for _, r := range table {
		switch r.code {
		case "C":
			ifn := strings.TrimPrefix(r.text, "is directly connected, ")
			if r.prefix.Bits() < 31 {
				add(r.prefix, "attached", ifn)
				add(netip.PrefixFrom(r.prefix.Addr(), 32), "receive", ifn)
				add(netip.PrefixFrom(lastAddr(r.prefix), 32), "receive", ifn)
			} else {
				add(r.prefix, "receive", ifn)
			}
		case "L":
			add(r.prefix, "receive", strings.TrimPrefix(r.text, "is directly connected, "))
		default:
			if r.prefix.Bits() == 0 {
				def = true
			}
			nh, ifn := "attached", ""
			if r.nexthop.IsValid() {
				nh = r.nexthop.String()
				if i := d.onLink(r.nexthop); i != nil {
					ifn = i.name
				}
			}
			add(r.prefix, nh, ifn)
		}
	}
	if !def {
		add(netip.MustParsePrefix("0.0.0.0/0"), "no route", "")
	}
	for _, x := range []struct{ p, nh string }{
		{"0.0.0.0/8", "drop"}, {"0.0.0.0/32", "receive"}, {"127.0.0.0/8", "drop"},
		{"224.0.0.0/4", "drop"}, {"224.0.0.0/24", "receive"}, {"240.0.0.0/4", "drop"}, {"255.255.255.255/32", "receive"},
	} {
		add(netip.MustParsePrefix(x.p), x.nh, "")
	}
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].p.Addr() != list[j].p.Addr() {
			return list[i].p.Addr().Less(list[j].p.Addr())
		}
		return list[i].p.Bits() < list[j].p.Bits()
	})
	s.Printf("%-21s%-21s%s\n", "Prefix", "Next Hop", "Interface")
	for _, e := range list {
		s.Printf("%-21s%-21s%s\n", e.p, e.nh, e.ifn)
	}
}

// lastAddr is the broadcast address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	v |= (1 << (32 - p.Bits())) - 1
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// showArchive: the configuration has no `archive` section (iosemu does
// not model one), and IOS then says only that the feature is off (as in the
// real output ntc-templates ships as tests/cisco_ios/show_archive).
func (d *Router) showArchive(s *cli.Session, _ parser.Args) {
	s.Printf(" Archive feature not enabled\n")
}

// showPlatform lists the chassis slots of an IOS-XE router from its
// inventory, all up since boot.
func (d *Router) showPlatform(s *cli.Session, _ parser.Args) {
	up := platformsAgo(d.lab.Now().Sub(d.bootedLab))
	s.Printf("Chassis type: %-21s\n\n", d.profile.Model)
	s.Printf("%-9s %-19s %-21s %-17s \n", "Slot", "Type", "State", "Insert time (ago)")
	s.Printf("%s %s %s %s \n", strings.Repeat("-", 9), strings.Repeat("-", 19), strings.Repeat("-", 21), strings.Repeat("-", 17))
	for _, sl := range d.profile.Slots() {
		s.Printf("%-9s %-19s %-21s %-17s \n", sl.Slot, sl.Type, sl.State, up)
	}
	s.Println("")
}

func platformsAgo(up time.Duration) string {
	h := int(up.Hours())
	m := int(up.Minutes()) % 60
	sec := int(up.Seconds()) % 60
	if h >= 24 {
		return fmt.Sprintf("%dd%02dh", h/24, h%24)
	}
	return fmt.Sprintf("%02d:%02d:%02d", h, m, sec)
}
