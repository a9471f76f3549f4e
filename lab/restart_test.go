package lab

import (
	"strings"
	"testing"
	"time"

	"github.com/iosemu/iosemu/clock"
)

// TestRestartKeepsTheLabConnected stops the seed lab and starts it again on
// the same state: its interfaces come back up (IOS brings up an interface of
// a loaded configuration unless it says shutdown), so the routers still reach
// each other and the lab services; an interface shut before write memory
// stays shut after a reload.
func TestRestartKeepsTheLabConnected(t *testing.T) {
	spec, ok := Builtin("seed")
	if !ok {
		t.Fatal("no seed lab")
	}
	state := t.TempDir()
	start := func() *Lab {
		t.Helper()
		l, err := Start(spec, Options{StateDir: state, BasePort: freeBase(t, len(spec.Devices)),
			Clock: clock.NewFake(time.Date(2015, 10, 9, 12, 0, 0, 0, time.UTC))})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	l := start()
	spoke := l.Node("spoke-1")
	// The seed lab's spokes route the services LAN through Root-CA.
	if out := run(spoke, "clear arp-cache", "ping 172.16.1.1", "ping 10.1.1.1"); !strings.Contains(out, "(4/5)") || !strings.Contains(out, "(5/5)") {
		t.Fatalf("first start:\n%s", out)
	}
	l.Close()

	l = start()
	defer l.Close()
	spoke, ca := l.Node("spoke-1"), l.Node("Root-CA")
	if out := run(spoke, "show ip interface brief | include FastEthernet0/0"); !strings.Contains(out, "172.16.1.11     YES NVRAM  up                    up") {
		t.Errorf("after a restart the lab interface is not up:\n%s", out)
	}
	for _, tc := range []struct {
		node *Node
		addr string
	}{{spoke, "172.16.1.1"}, {spoke, "10.1.1.1"}, {ca, "172.16.1.11"}, {spoke, "172.16.1.14"}} {
		// 80 % while ARP resolves a new next hop, then 100 %.
		if out := run(tc.node, "ping "+tc.addr); !strings.Contains(out, "!!!!\nSuccess rate is") {
			t.Errorf("after a restart %s cannot reach %s:\n%s", tc.node.Spec.Name, tc.addr, out)
		}
	}
	advance := func() {
		t.Helper()
		if err := l.Clock().Advance(10*time.Minute, nil); err != nil {
			t.Fatal(err)
		}
	}
	advance()
	if out := run(spoke, "show ntp status"); !strings.Contains(out, "Clock is synchronized") {
		t.Errorf("after a restart NTP does not synchronise:\n%s", out)
	}

	// Shut before write memory: still shut after reload, and NTP through
	// them is lost.
	run(ca, "configure terminal", "interface GigabitEthernet0/0", "shutdown", "interface GigabitEthernet0/1", "shutdown", "end", "write memory")
	if err := ca.Router.Reload("Reload Command"); err != nil {
		t.Fatal(err)
	}
	if out := run(ca, "show ip interface brief | include GigabitEthernet0/0"); !strings.Contains(out, "administratively down down") {
		t.Errorf("an interface shut before write memory came back up after reload:\n%s", out)
	}
	if out := run(spoke, "ping 172.16.1.1"); !strings.Contains(out, "Success rate is 0 percent") {
		t.Errorf("the shut interface still answers:\n%s", out)
	}
	advance()
	if out := run(ca, "show ntp status"); !strings.Contains(out, "Clock is unsynchronized") {
		t.Errorf("NTP claims sync with its interfaces down:\n%s", out)
	}
}
