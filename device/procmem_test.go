package device_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestProcessesMemorySorted: `show processes memory sorted` lists the
// processes by Holding, largest first, and IOS-XE names its second pool
// lsmpi_io (the layout the community cisco_ios TextFSM template reads; see
// interop's TestTextFSM); classic IOS keeps its I/O pool.
func TestProcessesMemorySorted(t *testing.T) {
	row := regexp.MustCompile(`^\s*\d+\s+\d+\s+\d+\s+\d+\s+(\d+)\s+\d+\s+\d+\s+\S`)
	for platform, pool := range map[string]string{"ISR-G2": "      I/O Pool Total:", "CSR1k": " lsmpi_io Pool Total:"} {
		r := newSCPRouter(t, platform, "")
		out := serve(t, r, "show processes memory sorted\rexit\r", "admin")
		if !strings.Contains(out, "\n"+pool) {
			t.Errorf("%s: want the line %q in\n%s", platform, pool, out)
		}
		var holding []int
		for _, l := range strings.Split(out, "\n") {
			if m := row.FindStringSubmatch(l); m != nil {
				n, _ := strconv.Atoi(m[1])
				holding = append(holding, n)
			}
		}
		if len(holding) < 5 {
			t.Fatalf("%s: %d process rows in\n%s", platform, len(holding), out)
		}
		for i := 1; i < len(holding); i++ {
			if holding[i] > holding[i-1] {
				t.Errorf("%s: row %d holds %d, more than the row before (%d): not sorted", platform, i+1, holding[i], holding[i-1])
			}
		}
	}
}

// TestInterfacesDescriptionLoopback: a loopback is listed by its short
// name (Lo100), as every other interface is; an empty name column broke
// the TextFSM template for the whole output.
func TestInterfacesDescriptionLoopback(t *testing.T) {
	r := newSCPRouter(t, "ISR-G2", "")
	out := serve(t, r, "configure terminal\rinterface Loopback100\rdescription mgmt loop\rend\rshow interfaces description\rexit\r", "admin")
	if !regexp.MustCompile(`\nLo100 +up +up +mgmt loop\n`).MatchString(out) {
		t.Errorf("want a Lo100 row with its description in\n%s", out)
	}
}
