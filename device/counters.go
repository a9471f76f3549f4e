package device

import (
	"fmt"
	"math"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/parser"
)

// Interface counters: what crosses an interface (pings, the ARP exchange
// before them, and what a lab peer sends this router) counts packets and
// bytes and sets "Last input/output"; `clear counters` zeroes them and
// records when. They live beside the configuration under their own lock,
// so that a peer router can count what it sends here without this
// router's lock.

// ifCounters are one interface's counters.
type ifCounters struct {
	inPkts, inBytes, inBcast    uint64
	outPkts, outBytes, outBcast uint64
	resets                      uint64
	lastIn, lastOut             time.Time // lab time; zero: never
	cleared                     time.Time // lab time of the last clear; zero: never

	// The weighted rates (bits and packets a second) as of rateAt, and
	// the interface's load-interval (zero: 300 s). See traffic.go.
	inBps, inPps, outBps, outPps float64
	rateAt                       time.Time
	load                         time.Duration
}

// counterSet holds a router's counters by interface name.
type counterSet struct {
	mu  sync.Mutex
	m   map[string]*ifCounters
	ntp map[string]ntpSeen // NTP polls counted, by server (ntpSettle)
}

func (c *counterSet) get(name string) *ifCounters {
	if c.m == nil {
		c.m = map[string]*ifCounters{}
	}
	k := c.m[name]
	if k == nil {
		k = &ifCounters{}
		c.m[name] = k
	}
	return k
}

// count adds packets of a size to an interface, inbound or outbound.
func (c *counterSet) count(name string, in bool, pkts, bytes int, bcast bool, now time.Time) {
	if name == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	k := c.get(name)
	k.decayTo(now, k.tau())
	if in {
		k.addIn(pkts, pkts*bytes, now)
		if bcast {
			k.inBcast += uint64(pkts)
		}
	} else {
		k.addOut(pkts, pkts*bytes, now)
		if bcast {
			k.outBcast += uint64(pkts)
		}
	}
}

// add counts an exchange on an interface: frames and bytes out and in.
func (c *counterSet) add(name string, outP, outB, inP, inB int, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := c.get(name)
	k.decayTo(now, k.tau())
	if outP > 0 {
		k.addOut(outP, outB, now)
	}
	if inP > 0 {
		k.addIn(inP, inB, now)
	}
}

// weight is what a packet at time at adds to a rate averaged up to rateAt
// (exponentially, over the load interval).
func (k *ifCounters) weight(at time.Time) float64 {
	tau := k.tau()
	return math.Exp(-k.rateAt.Sub(at).Seconds()/tau) / tau
}

func (k *ifCounters) addIn(pkts, bytes int, at time.Time) {
	k.inPkts += uint64(pkts)
	k.inBytes += uint64(bytes)
	if at.After(k.lastIn) {
		k.lastIn = at
	}
	w := k.weight(at)
	k.inBps += float64(8*bytes) * w
	k.inPps += float64(pkts) * w
}

func (k *ifCounters) addOut(pkts, bytes int, at time.Time) {
	k.outPkts += uint64(pkts)
	k.outBytes += uint64(bytes)
	if at.After(k.lastOut) {
		k.lastOut = at
	}
	w := k.weight(at)
	k.outBps += float64(8*bytes) * w
	k.outPps += float64(pkts) * w
}

// addPeriodic counts n exchanges of one frame each way, the last at last
// and the others every period before it (NTP polls), in one update: the
// rates take the geometric sum of their impulses.
func (c *counterSet) addPeriodic(name string, n, frame int, last time.Time, period time.Duration, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := c.get(name)
	tau := k.tau()
	k.decayTo(now, tau)
	if !k.cleared.IsZero() && last.Before(k.cleared) {
		return
	}
	if !k.cleared.IsZero() {
		// Only the polls since the clear count.
		n = min(n, int(last.Sub(k.cleared)/period)+1)
	}
	r := math.Exp(-period.Seconds() / tau)
	sum := (1 - math.Pow(r, float64(n))) / (1 - r)
	w := math.Exp(-k.rateAt.Sub(last).Seconds()/tau) / tau * sum
	k.inPkts += uint64(n)
	k.outPkts += uint64(n)
	k.inBytes += uint64(n * frame)
	k.outBytes += uint64(n * frame)
	if last.After(k.lastIn) {
		k.lastIn = last
	}
	if last.After(k.lastOut) {
		k.lastOut = last
	}
	k.inBps += float64(8*frame) * w
	k.outBps += float64(8*frame) * w
	k.inPps += w
	k.outPps += w
}

// rates are an interface's weighted rates at now, in bits and packets a
// second.
func (c *counterSet) rates(name string, now time.Time) (inBps, inPps, outBps, outPps uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := c.get(name)
	k.decayTo(now, k.tau())
	return uint64(k.inBps), uint64(k.inPps), uint64(k.outBps), uint64(k.outPps)
}

// kbits is a bit rate as the rate lines show it: to the nearest thousand
// ("3000 bits/sec"; a link carrying only NTP shows 0).
func kbits(bps uint64) uint64 { return (bps + 500) / 1000 * 1000 }

// setLoad sets an interface's load-interval (zero: the default).
func (c *counterSet) setLoad(name string, d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.get(name).load = d
}

func (c *counterSet) snapshot(name string) ifCounters {
	c.mu.Lock()
	defer c.mu.Unlock()
	return *c.get(name)
}

// zero forgets every counter, as a reload does ("Last clearing …
// never").
func (c *counterSet) zero() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m, c.ntp = nil, nil
}

// reset counts an interface reset (a shutdown / no shutdown cycle).
func (c *counterSet) reset(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.get(name).resets++
}

func (c *counterSet) clear(name string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	load := c.get(name).load // makes c.m if a reload dropped it
	c.m[name] = &ifCounters{cleared: now, rateAt: now, load: load}
}

// Frame sizes on Ethernet: an ARP request or reply is a minimum frame
// (60 bytes without the FCS); an ICMP echo of size bytes (the IP datagram)
// carries a 14-byte Ethernet header.
const (
	arpFrame = 60
	etherHdr = 14
)

// Traffic counts frames a lab peer exchanged with this router's address
// addr: in frames arrived, out frames left (its replies). It takes no
// router lock.
func (d *Router) Traffic(addr netip.Addr, in, out, bytes int, bcast bool) {
	name, ok := d.ifOf(addr)
	if !ok {
		return
	}
	now := d.lab.Now()
	if in > 0 {
		d.counters.count(name, true, in, bytes, bcast, now)
	}
	if out > 0 {
		d.counters.count(name, false, out, bytes, false, now)
	}
}

// ifOf is the up interface that owns addr, read without the lock.
func (d *Router) ifOf(addr netip.Addr) (string, bool) {
	m, _ := d.ifAddrs.Load().(map[netip.Addr]string)
	n, ok := m[addr]
	return n, ok
}

// countEcho records one echo to dst (in fragments when it is larger than
// the MTU) on the way out of egress and, answered, its reply; the peer that owns the next hop counts the same
// frames the other way, and a routed destination counts them too (and
// learns its own next hop back).
func (d *Router) countEcho(egress string, dst, hop netip.Addr, size int, answered bool) {
	now := d.lab.Now()
	frames, bytes := echoFrames(size)
	inF, inB := 0, 0
	if answered {
		inF, inB = frames, bytes
	}
	d.counters.add(egress, frames, bytes, inF, inB, now)
	if p := d.peerOf(hop); p != nil {
		p.traffic(hop, frames, bytes, inF, inB)
	}
	if dst == hop {
		return
	}
	p := d.peerOf(dst)
	if p == nil {
		return
	}
	p.traffic(dst, frames, bytes, inF, inB)
	if _, link, ok := d.egress(hop); ok {
		if back, plink, ok := p.egress(link.local); ok {
			if mac, up := p.neighborMAC(back); up {
				p.learn(back, mac, plink.ifname, now)
			}
		}
	}
}

// echoFrames are the frames and bytes of an echo (or its reply) of size
// bytes: a datagram larger than the 1500-byte MTU leaves in fragments of
// at most 1480 bytes of data, each with its own IP and Ethernet header.
func echoFrames(size int) (frames, bytes int) {
	frames = max((size-20+1479)/1480, 1)
	return frames, size + 20*(frames-1) + etherHdr*frames
}

// traffic counts frames a lab peer sent to this router's address addr
// (in) and this router's answers (out).
func (d *Router) traffic(addr netip.Addr, inF, inB, outF, outB int) {
	if name, ok := d.ifOf(addr); ok {
		d.counters.add(name, outF, outB, inF, inB, d.lab.Now())
	}
}

// countARP records an ARP request broadcast on egress and its reply; the
// router that answers learns the asker, as IOS enters the sender of a
// request for one of its addresses.
func (d *Router) countARP(egress string, hop netip.Addr) {
	now := d.lab.Now()
	d.counters.count(egress, false, 1, arpFrame, true, now)
	d.counters.count(egress, true, 1, arpFrame, false, now)
	p := d.peerOf(hop)
	if p == nil {
		return
	}
	p.Traffic(hop, 1, 1, arpFrame, true)
	if _, link, ok := d.egress(hop); ok {
		if name, ok := p.ifOf(hop); ok {
			p.learn(link.local, link.mac, name, now)
		}
	}
}

// peerOf is the other lab router that owns addr, if any.
func (d *Router) peerOf(addr netip.Addr) *Router {
	if d.peer == nil {
		return nil
	}
	if _, self := d.Owns(addr); self {
		return nil
	}
	// The router last found is asked first (a spoke talks to its CA):
	// the lab's search goes through every router.
	if c := d.lastPeer.Load(); c != nil && c.addr == addr {
		if _, still := c.r.Owns(addr); still {
			return c.r
		}
	}
	p, ok := d.peer(addr)
	if !ok || p == d {
		return nil
	}
	d.lastPeer.Store(&peerHit{addr, p})
	return p
}

// peerHit is the router found last for an address (peerOf).
type peerHit struct {
	addr netip.Addr
	r    *Router
}

// ago renders the time since t as IOS's "Last input" does: "never",
// "00:00:04", "1d02h", "3w0d".
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	if d < 0 {
		d = 0
	}
	h := int(d.Hours())
	switch {
	case h < 24:
		return fmt.Sprintf("%02d:%02d:%02d", h, int(d.Minutes())%60, int(d.Seconds())%60)
	case h < 24*7:
		return fmt.Sprintf("%dd%02dh", h/24, h%24)
	default:
		return fmt.Sprintf("%dw%dd", h/(24*7), (h/24)%7)
	}
}

func (d *Router) registerCounters(r *cli.Registry) {
	r.Install(parser.Exec,
		cmd{Syntax: "clear counters [IFNAME$ifname]", Help: cli.HelpClear + "\nClear counters on one or all interfaces\nInterface name", Priv: 15,
			Handler: d.clearCounters},
	)
}

func (d *Router) clearCounters(s *cli.Session, a parser.Args) {
	list, ok := d.selectIfaces(s, a, "ifname")
	if !ok {
		return
	}
	what := "all interfaces"
	if a.Has("ifname") {
		what = "interface " + list[0].name
	}
	q := "Clear \"show interface\" counters on all interfaces "
	if a.Has("ifname") {
		q = "Clear \"show interface\" counters on this interface "
	}
	if !s.Confirm(q) {
		return
	}
	d.ntpSettle()
	now := d.lab.Now()
	for _, i := range list {
		d.counters.clear(i.name, now)
	}
	src := ""
	if r := s.Remote(); r != "" {
		src = " (" + r + ")"
	}
	d.Log(fmt.Sprintf("%%CLEAR-5-COUNTERS: Clear counter on %s by %s on %s%s", what, s.User(), s.Line(), src))
}

// showInterface renders one interface of `show interfaces` in its family's
// layout: classic IOS 15 (ISR G1/G2) or IOS-XE.
func (d *Router) showInterface(s *cli.Session, i *iface) {
	idx := d.ifIndex(i)
	st, proto := i.status()
	now := d.lab.Now()
	c := d.counters.snapshot(i.name)
	loop := strings.HasPrefix(i.name, "Loopback")
	xe := d.profile.IsXE()
	s.Printf("%s is %s, line protocol is %s \n", i.name, st, proto)
	if loop {
		s.Printf("  Hardware is Loopback\n")
	} else {
		s.Printf("  Hardware is %s, address is %s (bia %s)\n", i.hardware, d.ident.InterfaceMAC(idx), d.ident.InterfaceMAC(idx))
	}
	if i.description != "" {
		s.Printf("  Description: %s\n", i.description)
	}
	if i.addr.IsValid() {
		s.Printf("  Internet address is %s\n", i.addr)
	}
	mtu, bw := 1500, i.bandwidth
	if loop {
		mtu, bw = 1514, 8000000
	}
	inBps, inPps, outBps, outPps := d.counters.rates(i.name, now)
	s.Printf("  MTU %d bytes, BW %d Kbit/sec, DLY %d usec, \n     reliability 255/255, txload %d/255, rxload %d/255\n", mtu, bw, dly(i), load(outBps, bw), load(inBps, bw))
	if loop {
		s.Printf("  Encapsulation LOOPBACK, loopback not set\n  Keepalive set (10 sec)\n")
	} else {
		s.Printf("  Encapsulation ARPA, loopback not set\n")
		if xe {
			s.Printf("  Keepalive not supported \n")
		} else {
			s.Printf("  Keepalive set (10 sec)\n")
		}
		s.Printf("  %s\n", d.duplexLine(i))
		if xe {
			s.Printf("  output flow-control is off, input flow-control is off\n")
		} else {
			s.Printf("  output flow-control is unsupported, input flow-control is unsupported\n")
		}
		s.Printf("  ARP type: ARPA, ARP Timeout 04:00:00\n")
	}
	s.Printf("  Last input %s, output %s, output hang never\n", ago(now, c.lastIn), ago(now, c.lastOut))
	s.Printf("  Last clearing of \"show interface\" counters %s\n", ago(now, c.cleared))
	inMax := 75
	if xe && !loop {
		inMax = 375
	}
	s.Printf("  Input queue: 0/%d/0/0 (size/max/drops/flushes); Total output drops: 0\n", inMax)
	s.Printf("  Queueing strategy: fifo\n")
	if loop {
		s.Printf("  Output queue: 0/0 (size/max)\n")
	} else {
		s.Printf("  Output queue: 0/40 (size/max)\n")
	}
	span := loadSpan(i.load)
	s.Printf("  %s input rate %d bits/sec, %d packets/sec\n", span, kbits(inBps), inPps)
	s.Printf("  %s output rate %d bits/sec, %d packets/sec\n", span, kbits(outBps), outPps)
	s.Printf("     %d packets input, %d bytes, 0 no buffer\n", c.inPkts, c.inBytes)
	s.Printf("     Received %d broadcasts (0 IP multicasts)\n", c.inBcast)
	s.Printf("     0 runts, 0 giants, 0 throttles \n")
	if loop {
		s.Printf("     0 input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored, 0 abort\n")
	} else {
		s.Printf("     0 input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored\n")
		s.Printf("     0 watchdog, 0 multicast, 0 pause input\n")
	}
	s.Printf("     %d packets output, %d bytes, 0 underruns\n", c.outPkts, c.outBytes)
	s.Printf("     0 output errors, 0 collisions, %d interface resets\n", c.resets)
	s.Printf("     0 unknown protocol drops\n")
	if !loop {
		s.Printf("     0 babbles, 0 late collision, 0 deferred\n")
		carrier := 0
		if i.shutdown {
			carrier = 1
		}
		s.Printf("     %d lost carrier, 0 no carrier, 0 pause output\n", carrier)
	}
	s.Printf("     0 output buffer failures, 0 output buffers swapped out\n")
}

// load is txload or rxload: the rate as a fraction of the bandwidth in
// 255ths, at least 1 as IOS shows an idle link.
func load(bps uint64, kbps int) uint64 {
	if kbps <= 0 {
		return 1
	}
	return min(max(bps*255/(uint64(kbps)*1000), 1), 255)
}

// loadSpan names a load interval as the rate lines do: "5 minute",
// "30 second".
func loadSpan(secs int) string {
	switch {
	case secs == 0:
		return "5 minute"
	case secs%60 == 0:
		return fmt.Sprintf("%d minute", secs/60)
	}
	return fmt.Sprintf("%d second", secs)
}

// duplexLine is the duplex/speed/media line: IOS-XE always states the
// negotiated values; classic IOS says "Auto" while the port is down.
func (d *Router) duplexLine(i *iface) string {
	media := "RJ45"
	for _, pi := range d.profile.Interfaces {
		if pi.Name == i.name && pi.Media != "" {
			media = pi.Media
		}
	}
	speed := fmt.Sprintf("%dMbps", i.bandwidth/1000)
	if d.profile.IsXE() {
		if i.bandwidth >= 10000000 {
			speed = fmt.Sprintf("%dGbps", i.bandwidth/1000000)
		}
		return fmt.Sprintf("Full Duplex, %s, link type is auto, media type is %s", speed, media)
	}
	if i.shutdown {
		return "Auto Duplex, Auto Speed, media type is " + media
	}
	switch {
	case i.bandwidth >= 1000000:
		speed = fmt.Sprintf("%dGbps", i.bandwidth/1000000)
	case strings.HasPrefix(i.name, "Fast"):
		return "Full-duplex, 100Mb/s, 100BaseTX/FX"
	}
	return fmt.Sprintf("Full Duplex, %s, media type is %s", speed, media)
}
