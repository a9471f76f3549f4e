package device_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iosemu/iosemu/clock"
	"github.com/iosemu/iosemu/device"
	"github.com/iosemu/iosemu/platforms"
)

// The lab FTP and NTP service in these tests.
const service = "172.16.1.9"

var serviceAddr = netip.MustParseAddr(service)

// fakeHTTP answers every request with a body of n bytes and a length.
type fakeHTTP struct{ n int }

func (f fakeHTTP) Do(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/x-pki-message"}}, ContentLength: int64(f.n),
		Body: io.NopCloser(bytes.NewReader(make([]byte, f.n))), Request: req}, nil
}

// fakeFTP holds files of a given size.
type fakeFTP struct{ n int }

func (f fakeFTP) Get(ctx context.Context, u *url.URL, limit int64) ([]byte, error) {
	return make([]byte, f.n), nil
}
func (f fakeFTP) Put(ctx context.Context, u *url.URL, data []byte) error { return nil }

// trafficLab is twoRouters with a lab service at 172.16.1.9 (FTP, NTP)
// and an HTTP client that answers with a 3000-byte body.
func trafficLab(t testing.TB, lab *clock.Lab, extra string) (r1, r2 *device.Router) {
	t.Helper()
	var routers []*device.Router
	peer := func(a netip.Addr) (*device.Router, bool) {
		for _, r := range routers {
			if _, ok := r.Owns(a); ok {
				return r, true
			}
		}
		return nil, false
	}
	neighbor := func(a netip.Addr) (string, bool) {
		if a == serviceAddr {
			return "0050.56aa.0009", true
		}
		if r, ok := peer(a); ok {
			return r.Owns(a)
		}
		return "", false
	}
	for n, name := range []string{"R1", "R2"} {
		p, _ := platforms.Lookup("ISR-G2")
		cfg := strings.Replace(defaultConfig("ISR-G2"), "hostname R1", "hostname "+name, 1)
		cfg = strings.Replace(cfg, "172.16.1.1 ", []string{"172.16.1.1 ", "172.16.1.2 "}[n], 1) + extra
		r, err := device.New(device.Options{Name: name, Platform: p, Lab: lab, Dir: t.TempDir(), Initial: cfg, Peer: peer, Neighbor: neighbor,
			HTTP: fakeHTTP{3000}, Remote: fakeFTP{10000},
			NTPReachable: func(addr string) bool { return addr == service }})
		if err != nil {
			t.Fatal(err)
		}
		routers = append(routers, r)
	}
	return routers[0], routers[1]
}

var rateLine = regexp.MustCompile(`(\d+ \w+) input rate (\d+) bits/sec, (\d+) packets/sec\n\s+\d+ \w+ output rate (\d+) bits/sec, (\d+) packets/sec`)

// rates are an interface's input and output bits/sec in `show interfaces`.
func rates(t *testing.T, out string) (span string, in, out_ int) {
	t.Helper()
	m := rateLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no rates in:\n%s", out)
	}
	in, _ = strconv.Atoi(m[2])
	out_, _ = strconv.Atoi(m[4])
	return m[1], in, out_
}

// TestSCEPExchangeCounts: an HTTP exchange R1 makes with R2 (a SCEP
// request of 2000 bytes answered with 3000) counts on both routers'
// interfaces by the TCP model of device/doc.go, sets Last input/output
// on both, fills both ARP caches, and lifts the 5-minute rates, which are
// back to 0 after six hours without traffic.
func TestSCEPExchangeCounts(t *testing.T) {
	lab := clock.NewFake(start)
	r1, r2 := trafficLab(t, lab, "")
	gi := firstInterface("ISR-G2")
	lab.Advance(time.Hour, nil)
	req, _ := http.NewRequest("POST", "http://172.16.1.2/cgi-bin/pkiclient.exe?operation=PKIOperation", bytes.NewReader(make([]byte, 2000)))
	req.Header.Set("Content-Type", "application/x-pki-message")
	resp, err := r1.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// Request: 2000 bytes of body and 192 of request line and headers
	// (2 segments); reply: 3000 and 60 (3 segments). R1 sends SYN, ACK,
	// 2 segments, 2 delayed ACKs, FIN, last ACK = 8 frames; R2 SYN-ACK,
	// 3 segments, 1 ACK, FIN, ACK = 7 frames.
	const up, down = 2192, 3060
	outB := 6*60 + 2*54 + up
	inB := 4*60 + 3*54 + down
	out := session(t, r1, "terminal length 0", "show interfaces "+gi, "show arp")
	if got, want := strings.Join(counters(t, out), " "), "7 "+strconv.Itoa(inB)+" 0 8 "+strconv.Itoa(outB); got != want {
		t.Errorf("R1 counters %s, want %s\n%s", got, want, out)
	}
	if !strings.Contains(out, "Last input 00:00:00, output 00:00:00") || !regexp.MustCompile(`Internet  172\.16\.1\.2 +0 +\S+ +ARPA +`+gi).MatchString(out) {
		t.Errorf("R1 last input/output or ARP:\n%s", out)
	}
	if span, in, o := rates(t, out); span != "5 minute" || in != 0 || o != 0 {
		t.Errorf("R1 rates %s %d/%d: %d and %d bits/sec show as 0", span, in, o, 8*inB/300, 8*outB/300)
	}
	out2 := session(t, r2, "terminal length 0", "show interfaces "+gi, "show arp")
	if got, want := strings.Join(counters(t, out2), " "), "8 "+strconv.Itoa(outB)+" 0 7 "+strconv.Itoa(inB); got != want {
		t.Errorf("R2 counters %s, want %s\n%s", got, want, out2)
	}
	if !regexp.MustCompile(`Internet  172\.16\.1\.1 +0 +\S+ +ARPA +` + gi).MatchString(out2) {
		t.Errorf("R2 did not learn R1:\n%s", out2)
	}
}

// TestRatesDecay: 30 MB in at once (31.1e6 bytes with the headers) lifts
// the 5-minute input rate to 8*31.1e6/300 = 830 kbit/s (shown to the
// thousand), which decays as e^(-t/300 s): 556000 after 2 minutes, 0
// after six hours.
func TestRatesDecay(t *testing.T) {
	lab := clock.NewFake(start)
	r1, r2 := trafficLab(t, lab, "")
	gi := firstInterface("ISR-G2")
	device.CountExchange(r1, netip.MustParseAddr("172.16.1.2"), 0, 30_000_000)
	// 30e6 bytes in 20548 segments of 54 bytes of headers, 11 frames of 60.
	inB := 30_000_000 + 20548*54 + 5*60
	want := (8*inB/300 + 500) / 1000 * 1000
	if _, in, _ := rates(t, session(t, r1, "show interfaces "+gi)); in != want {
		t.Errorf("input rate %d, want %d", in, want)
	}
	if _, _, o := rates(t, session(t, r2, "show interfaces "+gi)); o != want {
		t.Errorf("R2's output rate %d, want %d", o, want)
	}
	lab.Advance(2*time.Minute, nil)
	if _, in, _ := rates(t, session(t, r1, "show interfaces "+gi)); in != 556000 {
		t.Errorf("after 2 minutes %d, want 556000", in)
	}
	lab.Advance(6*time.Hour, nil)
	if _, in, o := rates(t, session(t, r1, "show interfaces "+gi)); in != 0 || o != 0 {
		t.Errorf("rates after 6 hours idle: %d/%d", in, o)
	}
}

// TestLoadInterval: load-interval 30 is saved, renames the rate lines
// and makes them decay ten times faster than the default 300 s.
func TestLoadInterval(t *testing.T) {
	lab := clock.NewFake(start)
	r1, _ := trafficLab(t, lab, "interface "+firstInterface("ISR-G2")+"\n load-interval 30\n")
	gi := firstInterface("ISR-G2")
	req, _ := http.NewRequest("GET", "http://172.16.1.2/cgi-bin/pkiclient.exe?operation=GetCACert", nil)
	if _, err := r1.HTTPClient().Do(req); err != nil {
		t.Fatal(err)
	}
	out := session(t, r1, "show running-config interface "+gi, "show interfaces "+gi)
	if !strings.Contains(out, " load-interval 30\n") {
		t.Errorf("load-interval not in running-config:\n%s", out)
	}
	span, in, _ := rates(t, out)
	if span != "30 second" || in == 0 {
		t.Errorf("rates %q %d", span, in)
	}
	lab.Advance(5*time.Minute, nil)
	if _, in, _ := rates(t, session(t, r1, "show interfaces "+gi)); in != 0 {
		t.Errorf("30-second rate after 5 minutes: %d", in)
	}
	if out := session(t, r1, "configure terminal", "interface "+gi, "load-interval 45", "end"); !strings.Contains(out, "multiple of 30") {
		t.Errorf("load-interval 45 accepted:\n%s", out)
	}
}

// TestFTPCopyCounts: a copy from the lab FTP service counts a control
// and a data connection on the interface towards it and learns the
// server's MAC address.
func TestFTPCopyCounts(t *testing.T) {
	lab := clock.NewFake(start)
	r1, _ := trafficLab(t, lab, "")
	gi := firstInterface("ISR-G2")
	u, _ := url.Parse("ftp://" + service + "/DB/R1.ser")
	if _, err := r1.Remote().Get(context.Background(), u, 1<<20); err != nil {
		t.Fatal(err)
	}
	// Control: 6 commands (84 bytes) out, 8 replies (320) in; R1 sends
	// SYN, ACK, 6, 4 ACKs, FIN, ACK = 14; the server SYN-ACK, 8, 3 ACKs,
	// FIN, ACK = 14. Data: 10000 bytes in 7 segments; R1 sends SYN, ACK,
	// 4 ACKs, FIN, ACK = 8; the server SYN-ACK, 7, FIN, ACK = 10.
	outB := (8*60 + 6*54 + 84) + 8*60
	inB := (6*60 + 8*54 + 320) + (3*60 + 7*54 + 10000)
	out := session(t, r1, "terminal length 0", "show interfaces "+gi, "show arp")
	if got, want := strings.Join(counters(t, out), " "), "24 "+strconv.Itoa(inB)+" 0 22 "+strconv.Itoa(outB); got != want {
		t.Errorf("R1 counters %s, want %s\n%s", got, want, out)
	}
	if !strings.Contains(out, "Internet  172.16.1.9              0   0050.56aa.0009  ARPA   "+gi) {
		t.Errorf("server not learnt:\n%s", out)
	}
}

// TestNTPPollsCount: every 64 s poll of the NTP server is a 90-byte
// request and reply; 10 minutes after the server is configured the
// interface has counted 10 of each, the last 16 s ago, and its rates
// settle near 90*8/64 = 11 bits/sec. A four-year clock jump costs
// nothing more: the polls are counted from the association when read.
func TestNTPPollsCount(t *testing.T) {
	lab := clock.NewFake(start)
	r1, _ := trafficLab(t, lab, "ntp server "+service+"\n")
	gi := firstInterface("ISR-G2")
	lab.Advance(10*time.Minute, nil)
	out := session(t, r1, "terminal length 0", "show interfaces "+gi, "show arp", "show ntp associations")
	if got := strings.Join(counters(t, out), " "); got != "10 900 0 10 900" {
		t.Errorf("counters after 10 polls %s\n%s", got, out)
	}
	if !strings.Contains(out, "Last input 00:00:24, output 00:00:24") || !strings.Contains(out, "172.16.1.9 ") {
		t.Errorf("last poll or ARP:\n%s", out)
	}
	lab.Advance(time.Hour, nil)
	// 11 bits/sec shows as 0 (to the thousand); the rate itself is there.
	_, in, o := rates(t, session(t, r1, "show interfaces "+gi))
	rin, rout := device.Rates(r1, gi)
	if in != 0 || o != 0 || rin < 9 || rin > 13 || rout != rin {
		t.Errorf("NTP rates %d/%d shown, %d/%d bits/sec, want about 11", in, o, rin, rout)
	}
	session(t, r1, "clear counters", "")
	lab.Advance(4*365*24*time.Hour, nil)
	out = session(t, r1, "terminal length 0", "show interfaces "+gi)
	polls := 4 * 365 * 24 * 3600 / 64
	if got := counters(t, out); got[0] != strconv.Itoa(polls) && got[0] != strconv.Itoa(polls+1) {
		t.Errorf("after 4 years %v, want %d polls", got, polls)
	}
}

// TestPingedRouterLearnsPinger: the router a ping reaches enters the
// pinger in its ARP cache (from the ARP request it answered).
func TestPingedRouterLearnsPinger(t *testing.T) {
	lab := clock.NewFake(start)
	r1, r2 := trafficLab(t, lab, "")
	if out := session(t, r2, "show arp"); strings.Contains(out, "172.16.1.1 ") {
		t.Fatalf("R2 knows R1 before any traffic:\n%s", out)
	}
	session(t, r1, "ping 172.16.1.2")
	if out := session(t, r2, "show arp"); !regexp.MustCompile(`Internet  172\.16\.1\.1 +0 +5475\.\S+ +ARPA`).MatchString(out) {
		t.Errorf("R2 did not learn R1:\n%s", out)
	}
}

// TestExchangeAllocatesNothing: counting a transfer allocates nothing
// (one counter update per transfer on each end).
func TestExchangeAllocatesNothing(t *testing.T) {
	lab := clock.NewFake(start)
	r1, _ := trafficLab(t, lab, "")
	dst := netip.MustParseAddr("172.16.1.2")
	session(t, r1, "ping 172.16.1.2") // counters and ARP entries exist
	if n := testing.AllocsPerRun(100, func() { device.CountExchange(r1, dst, 2000, 3000) }); n != 0 {
		t.Errorf("%v allocations per transfer", n)
	}
}

// TestNTPPollsCountedWhenTheServerGoes: the polls made before `no ntp
// server` count even though no one looked at the counters meanwhile.
func TestNTPPollsCountedWhenTheServerGoes(t *testing.T) {
	lab := clock.NewFake(start)
	r1, _ := trafficLab(t, lab, "ntp server "+service+"\n")
	lab.Advance(10*time.Minute, nil)
	session(t, r1, "configure terminal", "no ntp server "+service, "end")
	lab.Advance(time.Hour, nil)
	out := session(t, r1, "terminal length 0", "show interfaces "+firstInterface("ISR-G2"))
	if got := strings.Join(counters(t, out), " "); got != "10 900 0 10 900" {
		t.Errorf("counters %s, want the 10 polls made before the server was removed\n%s", got, out)
	}
}

// TestTelnetCounts: a telnet from R1 to R2 counts its connection and login
// on both routers (R1: 10 frames out, 9 in; see device/doc.go) and R2
// learns R1.
func TestTelnetCounts(t *testing.T) {
	lab := clock.NewFake(start)
	r1, r2 := trafficLab(t, lab, "")
	gi := firstInterface("ISR-G2")
	out := session(t, r1, "telnet 172.16.1.2", "admin", "cisco", "exit")
	if !strings.Contains(out, "Open") {
		t.Fatalf("telnet:\n%s", out)
	}
	out2 := session(t, r2, "terminal length 0", "show interfaces "+gi, "show arp")
	if got := strings.Join(counters(t, out2), " "); got != "10 636 0 9 696" {
		t.Errorf("R2 counters %s, want 10 636 0 9 696\n%s", got, out2)
	}
	if !strings.Contains(out2, "Internet  172.16.1.1 ") {
		t.Errorf("R2 did not learn R1:\n%s", out2)
	}
}

// TestLoadFollowsRate: rxload is the input rate in 255ths of the
// bandwidth: 2 GB in at once (2.074e9 bytes with the headers of its
// 1.37 M segments) is 8*2.074e9/300 = 55.3 Mbit/s on a 1 Gbit/s port,
// 14/255.
func TestLoadFollowsRate(t *testing.T) {
	lab := clock.NewFake(start)
	r1, _ := trafficLab(t, lab, "")
	device.CountExchange(r1, netip.MustParseAddr("172.16.1.2"), 0, 2_000_000_000)
	out := session(t, r1, "show interfaces "+firstInterface("ISR-G2")+" | include load")
	if !strings.Contains(out, "reliability 255/255, txload 1/255, rxload 14/255") {
		t.Errorf("load:\n%s", out)
	}
}

// BenchmarkCountExchange: the cost of counting one transfer on both ends.
func BenchmarkCountExchange(b *testing.B) {
	lab := clock.NewFake(start)
	r1, _ := trafficLab(b, lab, "")
	dst := netip.MustParseAddr("172.16.1.2")
	b.ReportAllocs()
	for b.Loop() {
		device.CountExchange(r1, dst, 2000, 3000)
	}
}

// TestReloadZeroesCounters: a reload starts the counters afresh.
func TestReloadZeroesCounters(t *testing.T) {
	lab := clock.NewFake(start)
	r1, _ := trafficLab(t, lab, "")
	gi := firstInterface("ISR-G2")
	session(t, r1, "ping 172.16.1.2", "write memory", "reload", "")
	select {
	case <-r1.Ready():
	case <-time.After(10 * time.Second): // wall-clock-ok: a reload that never ends fails the test
		t.Fatal("the router did not boot again")
	}
	out := session(t, r1, "terminal length 0", "show interfaces "+gi, "show arp")
	if got := strings.Join(counters(t, out), " "); got != "0 0 0 0 0" || strings.Contains(out, "172.16.1.2 ") {
		t.Errorf("after reload: counters %s\n%s", got, out)
	}
}

// TestPingFragments: an echo larger than the MTU leaves in fragments: a
// 3000-byte echo is 3 frames (1480 + 1480 + 20 bytes of data, each with
// its IP and Ethernet header: 3082 bytes). Two echoes, the first lost
// while ARP resolves: 7 frames out (ARP and 2×3), 4 in.
func TestPingFragments(t *testing.T) {
	lab := clock.NewFake(start)
	r1, _ := trafficLab(t, lab, "")
	out := session(t, r1, "terminal length 0", "ping 172.16.1.2 size 3000 repeat 2", "show interfaces "+firstInterface("ISR-G2"))
	if got := strings.Join(counters(t, out), " "); got != "4 3142 0 7 6224" {
		t.Errorf("counters %s, want 4 3142 0 7 6224\n%s", got, out)
	}
}
