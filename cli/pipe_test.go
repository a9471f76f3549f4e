package cli

import (
	"strings"
	"testing"
)

const runCfg = `!
hostname R1
!
interface GigabitEthernet0/0
 description uplink
 ip address 10.0.0.1 255.255.255.0
!
interface Loopback0
 ip address 1.1.1.1 255.255.255.255
!
line vty 0 4
 login local
!
end
`

func TestPipes(t *testing.T) {
	tests := []struct {
		kind, re, want string
	}{
		{"include", "address", " ip address 10.0.0.1 255.255.255.0\n ip address 1.1.1.1 255.255.255.255\n"},
		{"include", "^interface|^line", "interface GigabitEthernet0/0\ninterface Loopback0\nline vty 0 4\n"},
		{"exclude", "!|address", "hostname R1\ninterface GigabitEthernet0/0\n description uplink\ninterface Loopback0\nline vty 0 4\n login local\nend\n"},
		{"begin", "^line", "line vty 0 4\n login local\n!\nend\n"},
		{"section", "Loopback", "interface Loopback0\n ip address 1.1.1.1 255.255.255.255\n"},
		{"section", "interface", "interface GigabitEthernet0/0\n description uplink\n ip address 10.0.0.1 255.255.255.0\ninterface Loopback0\n ip address 1.1.1.1 255.255.255.255\n"},
		{"count", "interface", "Number of lines which match regexp = 2\n"},
		{"include", "_Loopback0_", "interface Loopback0\n"},
		{"include", "nothing-matches", ""},
	}
	for _, tc := range tests {
		re, err := compileRegexp(tc.re)
		if err != nil {
			t.Fatal(err)
		}
		if got := (&pipe{kind: tc.kind, re: re}).apply(runCfg); got != tc.want {
			t.Errorf("| %s %s:\n got %q\nwant %q", tc.kind, tc.re, got, tc.want)
		}
	}
}

func TestSplitPipe(t *testing.T) {
	for _, tc := range []struct{ line, cmd, rest string }{
		{"show run | include a|b", "show run", " include a|b"},
		{"show run", "show run", ""},
		{"description a|b", "description a|b", ""},
	} {
		cmd, rest, _ := splitPipe(tc.line)
		if cmd != tc.cmd || rest != tc.rest {
			t.Errorf("splitPipe(%q) = %q, %q", tc.line, cmd, rest)
		}
	}
}

func TestCRLF(t *testing.T) {
	if got := crlf("a\nb\r\nc"); got != "a\r\nb\r\nc" {
		t.Errorf("crlf = %q", got)
	}
	if !strings.Contains(crlf("x"), "x") {
		t.Error("crlf lost text")
	}
}
