package device_test

import (
	"strings"
	"testing"

	"github.com/iosemu/iosemu/clock"
)

func TestInterfaceTypeAndNumberApart(t *testing.T) {
	r := newRouter(t, "ISR-4K", clock.NewFake(start), false, "")
	out := session(t, r, "configure terminal", "interface Loopback 7", "description apart", "exit",
		"interface gi 0/0/1", "description uplink two", "exit", "interface Gi 9/9", "interface Loopback", "end",
		"show running-config | section Loopback7|0/0/1")
	for _, want := range []string{"R1(config-if)#description apart", "interface Loopback7\n description apart",
		"interface GigabitEthernet0/0/1\n description uplink two", "% Invalid interface type and number", "% Incomplete command."} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q:\n%s", want, out)
		}
	}
}
