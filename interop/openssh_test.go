package interop

import (
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// sshOpts keep OpenSSH away from the user's known_hosts and keys.
var sshOpts = []string{
	"-o", "StrictHostKeyChecking=no",
	"-o", "UserKnownHostsFile=/dev/null",
	"-o", "LogLevel=ERROR",
	"-o", "PubkeyAuthentication=no",
	"-o", "PreferredAuthentications=password,keyboard-interactive",
}

// TestOpenSSHExec runs `ssh -p PORT admin@127.0.0.1 show version` through
// sshpass on every device: exit status 0, the whole output unpaged, and the
// platform's IOS, model and uptime lines.
func TestOpenSSHExec(t *testing.T) {
	devs := routers(t)
	sshpass := need(t, "sshpass")
	need(t, "ssh")
	for _, d := range devs {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			w := wants[d.Name]
			args := append([]string{sshpass, "-p", "cisco", "ssh", "-p", fmt.Sprint(d.SSH)}, sshOpts...)
			args = append(args, "admin@127.0.0.1", "show version")
			out := run(t, 30*time.Second, exec.Command(args[0], args[1:]...))
			ls := lines(out)
			for _, sub := range []string{w.IOSLine, w.ModelLine, d.Name + " uptime is ", `System image file is "` + w.Image + `"`} {
				if !slices.ContainsFunc(ls, func(l string) bool { return strings.Contains(l, sub) }) {
					t.Errorf("show version lacks %q:\n%s", sub, out)
				}
			}
			// An exec request is not a terminal: no pager, no prompt.
			if strings.Contains(out, "--More--") || strings.Contains(out, d.Name+"#") {
				t.Errorf("exec output has a pager or a prompt:\n%s", out)
			}
		})
	}
}

// TestOpenSSHShell drives an interactive OpenSSH session with expect
// (testdata/ssh_shell.exp): password login, prompt, configure terminal, a
// caret error under the right column, show privilege, exit.
func TestOpenSSHShell(t *testing.T) {
	devs := routers(t)
	expect := need(t, "expect")
	need(t, "ssh")
	for _, d := range devs {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			out := run(t, 40*time.Second, exec.Command(expect, "testdata/ssh_shell.exp", fmt.Sprint(d.SSH), d.Name))
			if !strings.HasSuffix(strings.TrimSpace(out), "OK") {
				t.Fatalf("ssh_shell.exp did not finish:\n%s", out)
			}
		})
	}
}

// TestTelnetExpect drives inetutils telnet with expect
// (testdata/telnet.exp): Username:/Password: login, per-character echo, `?`
// help, the pager, exit.
func TestTelnetExpect(t *testing.T) {
	devs := routers(t)
	expect := need(t, "expect")
	need(t, "telnet")
	for _, d := range devs {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			out := run(t, 40*time.Second, exec.Command(expect, "testdata/telnet.exp", fmt.Sprint(d.Telnet), d.Name))
			if !strings.HasSuffix(strings.TrimSpace(out), "OK") {
				t.Fatalf("telnet.exp did not finish:\n%s", out)
			}
		})
	}
}
