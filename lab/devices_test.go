package lab

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/iosemu/iosemu/clock"
)

// run types lines on a device in one admin session and returns the screen
// (replay.go's typeOn, which iosemu replay uses too).
func run(n *Node, lines ...string) string { return typeOn(n, lines...) }

func TestPingFollowsTheLabAddressMap(t *testing.T) {
	spec, _ := Builtin("seed")
	l, _ := startLab(t, spec, clock.NewFake(time.Date(2015, 10, 9, 12, 0, 0, 0, time.UTC)))
	spoke, ca := l.Node("spoke-1"), l.Node("Root-CA")
	for _, tc := range []struct {
		node  *Node
		lines []string
		want  string
	}{
		// The spoke enrolled with Root-CA at start (SCEP): it knows the
		// CA's MAC address until its ARP cache is cleared.
		{spoke, []string{"show arp | include 172.16.1.1 "}, "Internet  172.16.1.1              0   "},
		{spoke, []string{"clear arp-cache", "ping 172.16.1.1"}, ".!!!!\nSuccess rate is 80 percent (4/5), round-trip min/avg/max = 1/1/1 ms"},
		{spoke, []string{"ping 172.16.1.1 repeat 3"}, "!!!\nSuccess rate is 100 percent (3/3)"},
		{spoke, []string{"ping 172.16.1.11"}, "!!!!!\nSuccess rate is 100 percent (5/5)"},
		{spoke, []string{"ping 172.16.1.99"}, ".....\nSuccess rate is 0 percent (0/5)"},
		{spoke, []string{"ping 10.1.1.1"}, "!!!!\nSuccess rate is"},                  // the services LAN, through Root-CA
		{spoke, []string{"ping 10.2.2.2"}, ".....\nSuccess rate is 0 percent (0/5)"}, // no route
		{spoke, []string{"configure terminal", "no ip route 10.1.1.0 255.255.255.0 172.16.1.1", "end", "ping 10.1.1.1"}, ".....\nSuccess rate is 0 percent (0/5)"},
		{ca, []string{"configure terminal", "interface GigabitEthernet0/0", "shutdown", "end"}, ""},
		{spoke, []string{"ping 172.16.1.1"}, ".....\nSuccess rate is 0 percent (0/5)"},
		{spoke, []string{"ping router.example"}, "% Unrecognized host or address, or protocol not running."},
	} {
		if out := run(tc.node, tc.lines...); !strings.Contains(out, tc.want) {
			t.Errorf("%s: %q:\n%s\nwant %q", tc.node.Spec.Name, tc.lines, out, tc.want)
		}
	}
}

func TestSSHLoginFailureIsLoggedAndNoPasswordGetsIn(t *testing.T) {
	spec, _ := Builtin("seed")
	l, base := startLab(t, spec, clock.NewFake(time.Date(2015, 10, 9, 12, 0, 0, 0, time.UTC)))
	for _, pw := range []string{"wrong", ""} {
		cfg := &ssh.ClientConfig{User: "admin", Auth: []ssh.AuthMethod{ssh.Password(pw)},
			HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second}
		if c, err := ssh.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", base+1), cfg); err == nil {
			c.Close()
			t.Fatalf("SSH login with password %q succeeded", pw)
		}
	}
	out := run(l.Node("Root-CA"), "show logging | include LOGIN_FAILED")
	if !strings.Contains(out, "%SEC_LOGIN-4-LOGIN_FAILED: Login failed [user: admin] [Source: 127.0.0.1] [localport: 22]") {
		t.Errorf("SSH login failure not in the log:\n%s", out)
	}
}

func TestCopyConfigOverFTPThroughTheAddressMap(t *testing.T) {
	spec, _ := Builtin("seed")
	l, _ := startLab(t, spec, clock.NewFake(time.Date(2015, 10, 9, 12, 0, 0, 0, time.UTC)))
	spoke := l.Node("spoke-2")
	// Back up to the lab FTP service (10.1.1.1), with the IOS dialog.
	out := run(spoke, "copy running-config ftp://10.1.1.1/spoke-2.cfg", "", "")
	for _, want := range []string{"Address or name of remote host [10.1.1.1]? ", "Destination filename [spoke-2.cfg]? ",
		"Writing spoke-2.cfg !", "bytes copied in"} {
		if !strings.Contains(out, want) {
			t.Errorf("copy to ftp lacks %q:\n%s", want, out)
		}
	}
	saved, err := os.ReadFile(filepath.Join(l.ftpDir(), "spoke-2.cfg"))
	if err != nil || !strings.Contains(string(saved), "hostname spoke-2") {
		t.Fatalf("backup on the FTP server: %v\n%s", err, saved)
	}
	// Restore it elsewhere: spoke-3 merges it into its running config.
	out = run(l.Node("spoke-3"), "copy ftp://10.1.1.1/spoke-2.cfg running-config", "", "", "", "show running-config | include ^hostname")
	if !strings.Contains(out, "Loading spoke-2.cfg !") || !strings.Contains(out, "\nhostname spoke-2\n") {
		t.Errorf("copy from ftp:\n%s", out)
	}
	// A directory the server lacks, an unreachable host and a missing file
	// fail as IOS does.
	if out := run(spoke, "copy running-config ftp://10.1.1.1/no/such/dir.cfg", "", ""); !strings.Contains(out, "(No such file or directory)") {
		t.Errorf("missing directory:\n%s", out)
	}
	if out := run(spoke, "copy running-config ftp://192.0.2.9/x", "", ""); !strings.Contains(out, "%Error opening ftp://192.0.2.9/x (Timed out)") {
		t.Errorf("unreachable host:\n%s", out)
	}
	if out := run(spoke, "copy ftp://10.1.1.1/nope startup-config", "", "", ""); !strings.Contains(out, "%Error opening ftp://10.1.1.1/nope (No such file or directory)") {
		t.Errorf("missing file:\n%s", out)
	}
}

func TestARPCacheOnTheLabClock(t *testing.T) {
	spec, _ := Builtin("seed")
	c := clock.NewFake(time.Date(2015, 10, 9, 12, 0, 0, 0, time.UTC))
	l, _ := startLab(t, spec, c)
	spoke, ca := l.Node("spoke-1"), l.Node("Root-CA")
	caMAC, _ := ca.Router.Owns(netip.MustParseAddr("172.16.1.1"))
	run(spoke, "ping 172.16.1.1")
	if err := c.Advance(30*time.Minute, nil); err != nil {
		t.Fatal(err)
	}
	out := run(spoke, "show arp")
	want := fmt.Sprintf("Internet  172.16.1.1             30   %s  ARPA   FastEthernet0/0", caMAC)
	if !strings.Contains(out, "Protocol  Address          Age (min)  Hardware Addr   Type   Interface") || !strings.Contains(out, want) ||
		!strings.Contains(out, "Internet  172.16.1.11             -   ") {
		t.Errorf("show arp:\n%s\nwant a line %q", out, want)
	}
	// After four hours the entry is gone and the next ping loses its first echo again.
	if err := c.Advance(4*time.Hour, nil); err != nil {
		t.Fatal(err)
	}
	if out := run(spoke, "show arp | include 172.16.1.1 ", "ping 172.16.1.1"); strings.Contains(out, caMAC) || !strings.Contains(out, ".!!!!") {
		t.Errorf("ARP entry did not age out:\n%s", out)
	}
}

func TestTelnetAndSSHBetweenRouters(t *testing.T) {
	spec, _ := Builtin("seed")
	l, _ := startLab(t, spec, clock.NewFake(time.Date(2015, 10, 9, 12, 0, 0, 0, time.UTC)))
	spoke := l.Node("spoke-1")
	out := run(spoke,
		"telnet 172.16.1.1", "admin", "cisco", "show users | include vty", "exit",
		"172.16.1.12", "admin", "cisco", "exit",
		"ssh -l admin 172.16.1.13", "cisco", "show privilege", "exit",
		"telnet 172.16.1.11", "admin", "cisco", "exit",
		"telnet 172.16.1.99",
		"ssh -l admin 172.16.1.14", "bad", "worse", "worst",
		"show privilege")
	for _, want := range []string{
		"spoke-1#telnet 172.16.1.1\nTrying 172.16.1.1 ... Open\n\n\nUser Access Verification\n\nUsername: admin\nPassword: \n\nRoot-CA#",
		"*  2 vty 0     admin      idle                 00:00:00 172.16.1.11\n",
		"Root-CA#exit\n\n[Connection to 172.16.1.1 closed by foreign host]\nspoke-1#",
		"spoke-1#172.16.1.12\nTrying 172.16.1.12 ... Open",
		"spoke-2#exit\n\n[Connection to 172.16.1.12 closed by foreign host]",
		"spoke-1#ssh -l admin 172.16.1.13\nPassword: \n\nspoke-3#show privilege\nCurrent privilege level is 15",
		"spoke-1#telnet 172.16.1.11\nTrying 172.16.1.11 ... Open", // to itself
		"Trying 172.16.1.99 ... \n% Connection timed out; remote host not responding",
		"Password: \nPassword: \nPassword: \n% Authentication failed.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if !strings.HasSuffix(out, "spoke-1#show privilege\nCurrent privilege level is 15\nspoke-1#") {
		t.Errorf("not back on spoke-1 at the end:\n%s", out)
	}
	// A router whose vty admits only SSH refuses telnet.
	run(l.Node("Root-CA"), "configure terminal", "line vty 0 4", "transport input ssh", "end")
	if out := run(spoke, "telnet 172.16.1.1"); !strings.Contains(out, "% Connection refused by remote host") {
		t.Errorf("telnet to an ssh-only router:\n%s", out)
	}
}

func TestLogUserIsCappedAndClean(t *testing.T) {
	for in, want := range map[string]string{
		"admin":                   "admin",
		"a\r\n%SYS-5-RELOAD: x":   "a??%SYS-5-RELOAD: x",
		"\x1b[2Jbell\x07\x7f":     "?[2Jbell??",
		"caf\xe9":                 "caf?",
		strings.Repeat("x", 41):   strings.Repeat("x", 40) + "...",
		strings.Repeat("é", 1000): strings.Repeat("é", 40) + "...",
	} {
		if got := logUser(in); got != want {
			t.Errorf("logUser(%q) = %q, want %q", in, got, want)
		}
	}
}

// A failed SSH login with a hostile user name (250 KB, CR/LF and ESC in it)
// logs one capped line and forges none.
func TestSSHLoginFailureLogsACappedCleanUserName(t *testing.T) {
	spec, _ := Builtin("seed")
	l, base := startLab(t, spec, clock.NewFake(time.Date(2015, 10, 9, 12, 0, 0, 0, time.UTC)))
	user := "x\r\n%SYS-5-RELOAD: Reload requested\x1b[2J" + strings.Repeat("A", 250<<10)
	cfg := &ssh.ClientConfig{User: user, Auth: []ssh.AuthMethod{ssh.Password("wrong")},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second}
	if c, err := ssh.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", base+1), cfg); err == nil {
		c.Close()
		t.Fatal("login succeeded")
	}
	out := run(l.Node("Root-CA"), "terminal length 0", "show logging")
	if strings.Contains(out, "\n%SYS-5-RELOAD") || strings.Contains(out, "\x1b") || strings.Contains(out, strings.Repeat("A", 100)) {
		t.Fatalf("the user name reached the log raw:\n%.2000s", out)
	}
	if want := "[user: x??%SYS-5-RELOAD: Reload requested?[2JAA...] [Source: 127.0.0.1]"; !strings.Contains(out, want) {
		t.Fatalf("log lacks %q:\n%.2000s", want, out)
	}
}
