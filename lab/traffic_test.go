package lab

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iosemu/iosemu/clock"
)

var inOut = regexp.MustCompile(`(\d+) packets input, (\d+) bytes[\s\S]*?(\d+) packets output, (\d+) bytes`)

// packets are an interface's input and output packets in show interfaces.
func packets(t *testing.T, n *Node, ifname string) (in, out int) {
	t.Helper()
	s := run(n, "terminal length 0", "show interfaces "+ifname)
	m := inOut.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("%s %s:\n%s", n.Spec.Name, ifname, s)
	}
	in, _ = strconv.Atoi(m[1])
	out, _ = strconv.Atoi(m[3])
	return in, out
}

// TestLabTrafficMovesCounters: in the seed lab, the spokes' enrolment at
// start (SCEP over the lab's HTTP) counts on both ends of the link, and
// Root-CA's database writes to the lab FTP service (ftp://10.1.1.1/DB/)
// count on its services-LAN interface; Root-CA has learnt every spoke's
// MAC address, as a real CA answering their requests would have.
func TestLabTrafficMovesCounters(t *testing.T) {
	spec, _ := Builtin("seed")
	l, _ := startLab(t, spec, clock.NewFake(time.Date(2015, 10, 9, 12, 0, 0, 0, time.UTC)))
	ca, spoke := l.Node("Root-CA"), l.Node("spoke-1")
	if in, out := packets(t, ca, "GigabitEthernet0/0"); in == 0 || out == 0 {
		t.Errorf("Root-CA Gi0/0 counted %d in, %d out", in, out)
	}
	if in, out := packets(t, ca, "GigabitEthernet0/1"); in == 0 || out == 0 {
		t.Errorf("Root-CA Gi0/1 (FTP database) counted %d in, %d out", in, out)
	}
	if in, out := packets(t, spoke, "FastEthernet0/0"); in == 0 || out == 0 {
		t.Errorf("spoke-1 counted %d in, %d out", in, out)
	}
	arp := run(ca, "show arp")
	for _, a := range []string{"172.16.1.11 ", "172.16.1.12 ", "172.16.1.13 ", "172.16.1.14 ", "10.1.1.1 "} {
		if !strings.Contains(arp, "Internet  "+a) {
			t.Errorf("Root-CA has not learnt %s:\n%s", a, arp)
		}
	}
}
