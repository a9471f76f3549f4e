package interop

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/scrapli/scrapligo/driver/options"
	"github.com/scrapli/scrapligo/platform"
	"github.com/scrapli/scrapligo/transport"
)

// TestScrapligo opens every device with scrapligo's cisco_iosxe platform
// over the system transport (/usr/bin/ssh), the standard transport
// (x/crypto/ssh) and telnet; sends show version and a config set; checks
// the change in running-config; closes.
func TestScrapligo(t *testing.T) {
	devs := routers(t)
	for i, d := range devs {
		for j, tr := range []string{transport.SystemTransport, transport.StandardTransport, transport.TelnetTransport} {
			loopback := 200 + 10*i + j // distinct per device and transport
			t.Run(d.Name+"/"+tr, func(t *testing.T) {
				t.Parallel()
				port := d.SSH
				if tr == transport.TelnetTransport {
					port = d.Telnet
				}
				if tr == transport.SystemTransport {
					need(t, "ssh")
				}
				scrapli(t, d, tr, port, loopback)
			})
		}
	}
}

func scrapli(t *testing.T, d device, tr string, port, loopback int) {
	w := wants[d.Name]
	// scrapligo's telnet open reads option negotiation until the line has
	// been quiet for half the socket timeout (after waiting a quarter of
	// it for the first byte): keep that short, not too short under -race.
	socketTimeout := 20 * time.Second
	if tr == transport.TelnetTransport {
		socketTimeout = 4 * time.Second
	}
	p, err := platform.NewPlatform("cisco_iosxe", "127.0.0.1",
		options.WithTransportType(tr),
		options.WithPort(port),
		options.WithAuthUsername("admin"),
		options.WithAuthPassword("cisco"),
		options.WithAuthSecondary("cisco"),
		options.WithAuthNoStrictKey(),
		options.WithSSHKnownHostsFile("/dev/null"),
		options.WithTimeoutOps(20*time.Second),
		options.WithTimeoutSocket(socketTimeout),
	)
	if err != nil {
		t.Fatalf("scrapligo platform: %v", err)
	}
	drv, err := p.GetNetworkDriver()
	if err != nil {
		t.Fatalf("scrapligo driver: %v", err)
	}
	if err := drv.Open(); err != nil {
		t.Fatalf("scrapligo open: %v", err)
	}
	defer func() {
		// Close writes `exit` and closes the channel at once. The device
		// ends the session on exit, as IOS does; when its channel close
		// arrives first, x/crypto/ssh reports io.EOF for ours.
		if err := drv.Close(); err != nil && !errors.Is(err, io.EOF) {
			t.Errorf("scrapligo close: %v", err)
		}
	}()

	prompt, err := drv.GetPrompt()
	if err != nil || prompt != d.Name+"#" {
		t.Fatalf("prompt %q (%v), want %q", prompt, err, d.Name+"#")
	}

	r, err := drv.SendCommand("show version")
	if err != nil {
		t.Fatalf("show version: %v", err)
	}
	for _, sub := range []string{w.IOSLine, w.ModelLine, d.Name + " uptime is "} {
		if !strings.Contains(r.Result, sub) {
			t.Errorf("show version lacks %q:\n%s", sub, r.Result)
		}
	}
	if r.Failed != nil {
		t.Errorf("show version failed: %v", r.Failed)
	}

	desc := fmt.Sprintf("scrapli-%s-%d", tr, loopback)
	mr, err := drv.SendConfigs([]string{
		fmt.Sprintf("interface Loopback%d", loopback),
		"description " + desc,
		fmt.Sprintf("ip address 10.98.%d.1 255.255.255.255", loopback-200),
	})
	if err != nil {
		t.Fatalf("send configs: %v", err)
	}
	if mr.Failed != nil {
		t.Fatalf("send configs failed: %v\n%s", mr.Failed, mr.JoinedResult())
	}

	r, err = drv.SendCommand(fmt.Sprintf("show running-config | section ^interface Loopback%d$", loopback))
	if err != nil {
		t.Fatalf("show running-config | section: %v", err)
	}
	for _, sub := range []string{fmt.Sprintf("interface Loopback%d\n", loopback), " description " + desc + "\n"} {
		if !strings.Contains(r.Result, sub) {
			t.Errorf("running-config lacks %q:\n%s", sub, r.Result)
		}
	}
}
