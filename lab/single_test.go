package lab

import (
	"strings"
	"testing"
)

func TestParseDeviceFile(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, err string
	}{
		{"ok", "name: R1\nplatform: CSR1k\naddress: 10.0.0.1\npeers: {10.1.1.1: 127.0.0.1, '172.16.1.1:80': '127.0.0.1:8080'}\n", ""},
		{"unknown field", "name: R1\nplatform: CSR1k\nports: 3\n", "d.yaml:3: device.ports: unknown field"},
		{"platform", "name: R1\nplatform: C7200\n", "d.yaml:2: platform:"},
		{"no name", "platform: CSR1k\n", "name: missing"},
		{"address", "name: R1\nplatform: CSR1k\naddress: 10.0.0\n", `"10.0.0" is not an IPv4 address`},
		{"peer one port", "name: R1\nplatform: CSR1k\npeers: {'10.1.1.1:21': 127.0.0.1}\n", "a port on both sides or on neither"},
		{"peer not an address", "name: R1\nplatform: CSR1k\npeers: {ftp: 127.0.0.1}\n", "want LABADDR=HOST"},
		{"service kind", "name: R1\nplatform: CSR1k\nservices: [{name: x, kind: tftp, address: 10.1.1.1}]\n", `services[0].kind: "tftp" is not a service kind`},
		{"wait_for", "name: R1\nplatform: CSR1k\nwait_for: [ftp://10.1.1.1/]\n", "is not an http:// URL or a tcp://HOST:PORT"},
		{"wait_for tcp without port", "name: R1\nplatform: CSR1k\nwait_for: ['tcp://10.1.1.1']\n", "is not an http:// URL"},
		{"wait_for tcp", "name: R1\nplatform: CSR1k\naddress: 10.0.0.1\nwait_for: ['tcp://10.1.1.1:21', 'http://172.16.1.1/x']\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseDeviceFile("d.yaml", []byte(tc.yaml))
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				if cfg := f.initialConfig(); !strings.Contains(cfg, "hostname R1\n") || !strings.Contains(cfg, "interface GigabitEthernet1\n ip address 10.0.0.1 255.255.255.0") {
					t.Errorf("default config:\n%s", cfg)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("err = %v, want %q", err, tc.err)
			}
		})
	}
}

func TestPeerMapResolve(t *testing.T) {
	p, err := parsePeers(map[string]string{"10.1.1.1": "127.0.0.1", "10.1.1.1:21": "127.0.0.1:2121", "172.16.1.1:80": "127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"10.1.1.1:21":    "127.0.0.1:2121", // the port rule wins
		"10.1.1.1:40000": "127.0.0.1:40000",
		"172.16.1.1:80":  "127.0.0.1:8080",
		"172.16.1.1:443": "172.16.1.1:443", // only port 80 is mapped
		"172.16.1.11:80": "172.16.1.11:80",
	} {
		if got := p.resolve(in); got != want {
			t.Errorf("resolve(%s) = %s, want %s", in, got, want)
		}
	}
	d := netDialer{peers: p, services: []ServiceSpec{{Kind: "forward", Address: "10.9.9.9", To: "192.0.2.1"}}}
	if got := d.target("10.9.9.9:443"); got != "192.0.2.1:443" {
		t.Errorf("forward service: %s", got)
	}
}
