package device_test

import (
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/iosemu/iosemu/clock"
	"github.com/iosemu/iosemu/device"
	"github.com/iosemu/iosemu/platforms"
)

// twoRouters builds R1 (172.16.1.1) and R2 (172.16.1.2) on one LAN of a
// fake lab, each finding the other through Peer and Neighbor.
func twoRouters(t *testing.T, lab *clock.Lab) (r1, r2 *device.Router) {
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
		if r, ok := peer(a); ok {
			return r.Owns(a)
		}
		return "", false
	}
	for n, name := range []string{"R1", "R2"} {
		p, _ := platforms.Lookup("ISR-G2")
		cfg := strings.Replace(defaultConfig("ISR-G2"), "hostname R1", "hostname "+name, 1)
		cfg = strings.Replace(cfg, "172.16.1.1 ", []string{"172.16.1.1 ", "172.16.1.2 "}[n], 1)
		r, err := device.New(device.Options{Name: name, Platform: p, Lab: lab, Dir: t.TempDir(), Initial: cfg, Peer: peer, Neighbor: neighbor})
		if err != nil {
			t.Fatal(err)
		}
		routers = append(routers, r)
	}
	return routers[0], routers[1]
}

var pktLine = regexp.MustCompile(`(\d+) packets input, (\d+) bytes, 0 no buffer\n\s+Received (\d+) broadcasts[^\n]*\n(?:[^\n]*\n){3}\s+(\d+) packets output, (\d+) bytes`)

func counters(t *testing.T, out string) []string {
	t.Helper()
	m := pktLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no counters in:\n%s", out)
	}
	return m[1:]
}

// TestCountersMove: a ping of five 100-byte echoes from R1 to R2 counts the
// ARP exchange (one broadcast request, one reply, 60 bytes each) and the
// echoes (114-byte frames; the first is lost while ARP resolves) on both
// ends; Last input/output follow the lab clock; clear counters zeroes them
// and says when.
func TestCountersMove(t *testing.T) {
	lab := clock.NewFake(start)
	r1, r2 := twoRouters(t, lab)
	gi := firstInterface("ISR-G2")
	out := session(t, r1, "terminal length 0", "ping 172.16.1.2", "show interfaces "+gi)
	if !strings.Contains(out, "Success rate is 80 percent (4/5)") {
		t.Fatalf("ping:\n%s", out)
	}
	// R1: out 1 ARP request + 5 echoes, in 1 ARP reply + 4 replies.
	if got, want := counters(t, out), []string{"5", "516", "0", "6", "630"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("R1 counters (in pkts, in bytes, bcast, out pkts, out bytes) = %v, want %v\n%s", got, want, out)
	}
	if !strings.Contains(out, "Last input 00:00:00, output 00:00:00, output hang never") {
		t.Errorf("R1 last input/output:\n%s", out)
	}
	out2 := session(t, r2, "terminal length 0", "show interfaces "+gi)
	// R2: in the broadcast ARP request and 5 echoes, out its ARP reply and 4 replies.
	if got, want := counters(t, out2), []string{"6", "630", "1", "5", "516"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("R2 counters = %v, want %v\n%s", got, want, out2)
	}
	lab.Advance(90*time.Minute, nil)
	out = session(t, r1, "show interfaces "+gi+" | include Last")
	if !strings.Contains(out, "Last input 01:30:00, output 01:30:00") || !strings.Contains(out, `counters never`) {
		t.Errorf("after 90 minutes:\n%s", out)
	}
	out = session(t, r1, "terminal length 0", "clear counters", "", "show interfaces "+gi, "show logging | include CLEAR")
	if got := counters(t, out); strings.Join(got, " ") != "0 0 0 0 0" {
		t.Errorf("after clear counters: %v\n%s", got, out)
	}
	for _, want := range []string{`Clear "show interface" counters on all interfaces [confirm]`, `Last clearing of "show interface" counters 00:00:00`,
		"%CLEAR-5-COUNTERS: Clear counter on all interfaces by admin on vty0 (10.0.0.2)"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q:\n%s", want, out)
		}
	}
}

// TestShowInterfacesComplete: every field line a real router prints, per
// family (classic ISR G2 15.4 and IOS-XE 3.x).
func TestShowInterfacesComplete(t *testing.T) {
	for _, tc := range []struct {
		platform string
		want     []string
	}{
		{"ISR-G2", []string{"  Full Duplex, 1Gbps, media type is RJ45\n", "  Auto Duplex, Auto Speed, media type is RJ45\n", "  Keepalive set (10 sec)\n", "output flow-control is unsupported", "Input queue: 0/75/0/0"}},
		{"ISR-4K", []string{"  Full Duplex, 1000Mbps, link type is auto, media type is RJ45\n", "  Keepalive not supported \n", "output flow-control is off", "Input queue: 0/375/0/0"}},
		{"CSR1k", []string{"media type is Virtual\n"}},
	} {
		r := newRouter(t, tc.platform, clock.NewFake(start), false, "")
		out := session(t, r, "terminal length 0", "show interfaces")
		for _, w := range append(tc.want, "  ARP type: ARPA, ARP Timeout 04:00:00\n", "  Queueing strategy: fifo\n", "  Output queue: 0/40 (size/max)\n",
			"     0 runts, 0 giants, 0 throttles \n", "     0 input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored\n", "     0 watchdog, 0 multicast, 0 pause input\n",
			"     0 output errors, 0 collisions, ", "     0 unknown protocol drops\n", "     0 babbles, 0 late collision, 0 deferred\n",
			" lost carrier, 0 no carrier, 0 pause output\n", "     0 output buffer failures, 0 output buffers swapped out\n") {
			if !strings.Contains(out, w) {
				t.Errorf("%s: show interfaces lacks %q", tc.platform, w)
			}
		}
		first := out[strings.Index(out, firstInterface(tc.platform)+" is"):]
		if n := strings.Count(strings.SplitN(first[1:], "\n"+firstInterface(tc.platform)[:3], 2)[0], "\n"); n < 26 {
			t.Errorf("%s: %d lines for one interface, want about 28:\n%s", tc.platform, n, first)
		}
	}
}
