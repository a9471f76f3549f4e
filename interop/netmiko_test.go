package interop

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestNetmiko runs testdata/netmiko_check.py (netmiko 2.4.2, Debian's
// python3-netmiko) against every device over SSH (cisco_ios) and telnet
// (cisco_ios_telnet): show version, send_config_set (a loopback with a
// description and an address), save_config, and a check of running- and
// startup-config through `| include`.
func TestNetmiko(t *testing.T) {
	devs := routers(t)
	needPython(t, "netmiko")
	for i, d := range devs {
		for j, kind := range []struct {
			driver string
			port   int
		}{
			{"cisco_ios", d.SSH},
			{"cisco_ios_telnet", d.Telnet},
		} {
			loopback := fmt.Sprint(100 + 10*i + j) // distinct per device and driver
			t.Run(d.Name+"/"+kind.driver, func(t *testing.T) {
				t.Parallel()
				cmd := exec.Command("/usr/bin/python3", "testdata/netmiko_check.py",
					kind.driver, fmt.Sprint(kind.port), d.Name, wants[d.Name].Model, loopback)
				out := run(t, 60*time.Second, cmd)
				if !strings.Contains(out, "OK verify") {
					t.Fatalf("netmiko_check.py did not finish:\n%s", out)
				}
			})
		}
	}
}

// TestNetmikoFileTransfer runs testdata/netmiko_scp.py (netmiko 2.4.2's
// file_transfer, paramiko's scp module) on every device: SCP put with the
// dir and verify /md5 checks, a second put that finds the file, and a get.
func TestNetmikoFileTransfer(t *testing.T) {
	devs := routers(t)
	needPython(t, "netmiko")
	for _, d := range devs {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command("/usr/bin/python3", "testdata/netmiko_scp.py", fmt.Sprint(d.SSH), d.Name)
			out := run(t, 90*time.Second, cmd)
			if !strings.Contains(out, "OK scp") {
				t.Fatalf("netmiko_scp.py did not finish:\n%s", out)
			}
		})
	}
}
