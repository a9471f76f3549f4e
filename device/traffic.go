package device

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"github.com/iosemu/iosemu/clock"
)

// Lab traffic other than pings: the router's own TCP exchanges (its SCEP
// client's HTTP, its FTP copies and a CA's database on ftp://) and its NTP
// polls move the counters of the interface each end uses, as device/doc.go
// describes. A transfer is counted once, when it ends, from its sizes: no
// packet exists as a value and nothing is allocated per packet.

// fwdTable is the router's forwarding state as other routers and the
// traffic counters read it without the router's lock: the routes (longest
// prefix first) and the connected subnets. refreshAddrs publishes it.
type fwdTable struct {
	routes []fwdRoute
	links  []fwdLink
}

type fwdRoute struct {
	prefix netip.Prefix
	hop    netip.Addr // invalid: the destination itself is on-link
}

type fwdLink struct {
	subnet netip.Prefix
	ifname string
	local  netip.Addr // the interface's own address
	mac    string
}

// buildFwd computes the forwarding table from the configuration (the lock
// is held).
func (d *Router) buildFwd() *fwdTable {
	t := &fwdTable{}
	table, _ := d.routes()
	for _, r := range table {
		t.routes = append(t.routes, fwdRoute{prefix: r.prefix, hop: r.nexthop})
	}
	// Longest prefix first; the table's own order breaks ties, as path does.
	for i := 1; i < len(t.routes); i++ {
		for j := i; j > 0 && t.routes[j].prefix.Bits() > t.routes[j-1].prefix.Bits(); j-- {
			t.routes[j], t.routes[j-1] = t.routes[j-1], t.routes[j]
		}
	}
	for n, i := range d.cfg.interfaces {
		if i.addr.IsValid() && !i.shutdown && i.vrf == "" {
			t.links = append(t.links, fwdLink{subnet: i.addr.Masked(), ifname: i.name, local: i.addr.Addr(), mac: d.ident.InterfaceMAC(n)})
		}
	}
	return t
}

// egress is how this router sends to dst: the next hop (dst itself when
// on-link) and the connected interface it leaves by; ok is false without a
// route or when the next hop is on no connected subnet. It takes no lock.
func (d *Router) egress(dst netip.Addr) (hop netip.Addr, link fwdLink, ok bool) {
	t := d.fwd.Load()
	if t == nil {
		return hop, link, false
	}
	found := false
	for _, r := range t.routes {
		if r.prefix.Contains(dst) {
			hop, found = dst, true
			if r.hop.IsValid() {
				hop = r.hop
			}
			break
		}
	}
	if !found {
		return hop, link, false
	}
	for _, l := range t.links {
		if l.subnet.Contains(hop) {
			return hop, l, true
		}
	}
	return hop, link, false
}

// serviceEgress is how this router reaches a lab service (the FTP and NTP
// servers): by its route when it has one, else by its first up interface,
// as the lab's services answer on any (DESIGN "Addresses between
// devices"); onLink tells whether hop is on that interface's subnet.
func (d *Router) serviceEgress(dst netip.Addr) (hop netip.Addr, link fwdLink, onLink, ok bool) {
	if hop, link, ok := d.egress(dst); ok {
		return hop, link, true, true
	}
	t := d.fwd.Load()
	if t == nil || len(t.links) == 0 {
		return hop, link, false, false
	}
	return dst, t.links[0], false, true
}

// The packetisation model (see device/doc.go).
const (
	tcpMSS     = 1460 // an Ethernet segment's payload
	tcpHdrs    = 54   // Ethernet 14 + IP 20 + TCP 20
	minFrame   = 60   // a frame without payload is padded to the minimum
	ntpFrame   = 90   // Ethernet 14 + IP 20 + UDP 8 + NTP 48
	ftpCmds    = 6    // USER, PASS, TYPE I, PASV, RETR|STOR, QUIT
	ftpCmdLen  = 14   // their average length with CRLF
	ftpReplies = 8    // 220, 331, 230, 200, 227, 150, 226, 221
	ftpRepLen  = 40   // their average length
)

// flow is what one side of a TCP connection sent: bytes of payload in
// segs segments (0: as many full segments as the bytes need).
type flow struct{ bytes, segs int }

func (f flow) segments() int {
	if f.segs > 0 {
		return f.segs
	}
	return (f.bytes + tcpMSS - 1) / tcpMSS
}

// tcpCount is the frames and bytes one side of a connection sends: SYN (or
// SYN-ACK), its data segments, a delayed ACK for every two segments of the
// other side, its FIN and the ACK of the other side's FIN; the client also
// sends the handshake's third ACK.
func tcpCount(mine, theirs flow, client bool) (pkts, bytes int) {
	ctl := 3 + (theirs.segments()+1)/2
	if client {
		ctl++
	}
	data := mine.segments()
	return ctl + data, ctl*minFrame + data*tcpHdrs + mine.bytes
}

// tcpExchange counts a TCP connection this router opened to dst that
// carried up (this router's payload) and down (the server's): on the egress
// interface here and, when dst is another lab router, on the interface
// that owns dst there. Both ends learn the neighbour's MAC address.
func (d *Router) tcpExchange(dst netip.Addr, up, down flow) {
	outP, outB := tcpCount(up, down, true)
	inP, inB := tcpCount(down, up, false)
	d.exchange(dst, outP, outB, inP, inB)
}

// exchange counts frames sent to dst and received from it.
func (d *Router) exchange(dst netip.Addr, outP, outB, inP, inB int) {
	hop, link, ok := d.egress(dst)
	if !ok {
		return
	}
	now := d.lab.Now()
	d.counters.add(link.ifname, outP, outB, inP, inB, now)
	if mac, up := d.neighborMAC(hop); up {
		d.learn(hop, mac, link.ifname, now)
	}
	p := d.peerOf(dst)
	if p == nil {
		return
	}
	name, ok := p.ifOf(dst)
	if !ok {
		return
	}
	p.counters.add(name, inP, inB, outP, outB, now)
	// The server learns the client (on a shared subnet) or its own next
	// hop back towards it.
	back, plink, ok := p.egress(link.local)
	if !ok {
		return
	}
	if back == link.local {
		p.learn(back, link.mac, plink.ifname, now)
	} else if mac, up := p.neighborMAC(back); up {
		p.learn(back, mac, plink.ifname, now)
	}
}

func (d *Router) neighborMAC(a netip.Addr) (string, bool) {
	if d.neighbor == nil {
		return "", false
	}
	return d.neighbor(a)
}

// learn enters a neighbour in the ARP cache unless a live entry is there.
func (d *Router) learn(a netip.Addr, mac, ifname string, now time.Time) {
	d.arpMu.Lock()
	defer d.arpMu.Unlock()
	if e, ok := d.arp[a]; ok && now.Sub(e.at) < arpTimeout {
		return
	}
	if d.arp == nil {
		d.arp = map[netip.Addr]arpEntry{}
	}
	d.arp[a] = arpEntry{mac: mac, iface: ifname, at: now}
}

// countingDoer is the router's HTTP client as features see it: each
// exchange (one connection per request, as the IOS HTTP client closes
// after a reply) is counted when its reply has been read.
type countingDoer struct {
	d  *Router
	hc HTTPDoer
}

func (c countingDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.hc.Do(req)
	dst, perr := netip.ParseAddr(req.URL.Hostname())
	if err != nil || perr != nil {
		return resp, err
	}
	up := requestSize(req)
	head := headSize(resp.Proto, resp.Status, resp.Header)
	if resp.ContentLength >= 0 || resp.Body == nil {
		c.d.tcpExchange(dst, flow{bytes: up}, flow{bytes: head + int(max(resp.ContentLength, 0))})
		return resp, nil
	}
	resp.Body = &countedBody{ReadCloser: resp.Body, d: c.d, dst: dst, up: up, down: head}
	return resp, nil
}

// countedBody counts an exchange whose reply had no length once the
// reply is read to its end or closed.
type countedBody struct {
	io.ReadCloser
	d       *Router
	dst     netip.Addr
	up      int
	down    int
	counted bool
}

func (b *countedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.down += n
	if err == io.EOF {
		b.count()
	}
	return n, err
}

func (b *countedBody) Close() error {
	b.count()
	return b.ReadCloser.Close()
}

func (b *countedBody) count() {
	if !b.counted {
		b.counted = true
		b.d.tcpExchange(b.dst, flow{bytes: b.up}, flow{bytes: b.down})
	}
}

// requestSize is the bytes of a request on the wire: its request line,
// Host, the headers set and the ones a client adds (User-Agent,
// Content-Length, Accept-Encoding: about 70 bytes), and the body.
func requestSize(req *http.Request) int {
	n := len(req.Method) + 1 + len(req.URL.RequestURI()) + len(" HTTP/1.1\r\n")
	n += len("Host: \r\n") + len(req.URL.Host) + 70 + 2
	for k, vs := range req.Header {
		for _, v := range vs {
			n += len(k) + 2 + len(v) + 2
		}
	}
	return n + int(max(req.ContentLength, 0))
}

// headSize is the bytes of a reply's status line and headers.
func headSize(proto, status string, h http.Header) int {
	n := len(proto) + 1 + len(status) + 2 + 2
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + 2 + len(v) + 2
		}
	}
	return n
}

// countingRemote is the way to the lab's FTP servers as the router's
// commands and features see it: a copy is one FTP control connection and
// one data connection, counted when it ends.
type countingRemote struct {
	d *Router
	r Remote
}

func (c countingRemote) Get(ctx context.Context, u *url.URL, limit int64) ([]byte, error) {
	data, err := c.r.Get(ctx, u, limit)
	c.count(u, err, 0, len(data))
	return data, err
}

func (c countingRemote) Put(ctx context.Context, u *url.URL, data []byte) error {
	err := c.r.Put(ctx, u, data)
	c.count(u, err, len(data), 0)
	return err
}

// count counts a copy that reached the server (one that found nothing
// there answering is not counted).
func (c countingRemote) count(u *url.URL, err error, up, down int) {
	dst, perr := netip.ParseAddr(u.Hostname())
	if perr != nil || errors.Is(err, ErrUnreachable) {
		return
	}
	ctlUp, ctlDown := flow{ftpCmds * ftpCmdLen, ftpCmds}, flow{ftpReplies * ftpRepLen, ftpReplies}
	p1, b1 := tcpCount(ctlUp, ctlDown, true)
	q1, c1 := tcpCount(ctlDown, ctlUp, false)
	// The data connection: IOS opens it (passive mode) and the data
	// flows one way.
	p2, b2 := tcpCount(flow{bytes: up}, flow{bytes: down}, true)
	q2, c2 := tcpCount(flow{bytes: down}, flow{bytes: up}, false)
	c.d.exchangeService(dst, p1+p2, b1+b2, q1+q2, c1+c2)
}

// exchangeService counts frames exchanged with a lab service at dst (the
// FTP server: never a router, so no router is looked for; in a lab of a
// thousand routers that search was most of the cost of a transfer).
func (d *Router) exchangeService(dst netip.Addr, outP, outB, inP, inB int) {
	hop, link, onLink, ok := d.serviceEgress(dst)
	if !ok {
		return
	}
	now := d.lab.Now()
	d.counters.add(link.ifname, outP, outB, inP, inB, now)
	if !onLink {
		return
	}
	if mac, up := d.neighborMAC(hop); up {
		d.learn(hop, mac, link.ifname, now)
	}
}

// ntpSettle counts the NTP polls made since the last settlement (one
// 90-byte request out, one reply in, on the egress interface to the
// server), dated at each poll. Polls are not events: they are read from the
// clock's associations when the counters are read, so a long clock jump
// costs nothing here.
func (d *Router) ntpSettle() {
	for _, addr := range d.clk.NTPServers() {
		first, n := d.clk.NTPPolls(addr)
		a, err := netip.ParseAddr(addr)
		if err != nil {
			continue
		}
		d.counters.mu.Lock()
		st := d.counters.ntp[addr]
		if !st.first.Equal(first) || st.polls > n {
			st = ntpSeen{first: first}
		}
		todo := n - st.polls
		st.polls = n
		if d.counters.ntp == nil {
			d.counters.ntp = map[string]ntpSeen{}
		}
		d.counters.ntp[addr] = st
		d.counters.mu.Unlock()
		if todo <= 0 {
			continue
		}
		hop, link, onLink, ok := d.serviceEgress(a)
		if !ok {
			continue
		}
		last := first.Add(time.Duration(n-1) * clock.NTPPoll)
		d.counters.addPeriodic(link.ifname, int(todo), ntpFrame, last, clock.NTPPoll, d.lab.Now())
		if !onLink {
			continue
		}
		if mac, up := d.neighborMAC(hop); up {
			d.learn(hop, mac, link.ifname, last)
		}
	}
}

// ntpSeen is how many polls of an association the counters hold.
type ntpSeen struct {
	first time.Time
	polls int64
}

// Rates: IOS's "5 minute input rate" is an exponentially weighted average
// of the traffic over the load interval (300 s unless `load-interval`
// says otherwise). Each counted transfer adds its bits and packets as an
// impulse of weight 1/τ to a rate that decays as e^(-t/τ); the rate shown
// is that sum decayed to the moment of the show. A clock jump of hours
// leaves e^(-hours/5 min): 0.

// decayTo brings the rates to now.
func (k *ifCounters) decayTo(now time.Time, tau float64) {
	if k.rateAt.IsZero() || !now.After(k.rateAt) {
		if k.rateAt.IsZero() {
			k.rateAt = now
		}
		return
	}
	f := math.Exp(-now.Sub(k.rateAt).Seconds() / tau)
	k.inBps *= f
	k.inPps *= f
	k.outBps *= f
	k.outPps *= f
	k.rateAt = now
}

func (k *ifCounters) tau() float64 {
	if k.load > 0 {
		return k.load.Seconds()
	}
	return defaultLoad.Seconds()
}

// defaultLoad is IOS's default load-interval.
const defaultLoad = 300 * time.Second
