package transport

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// These tests drive the real client programs (OpenSSH through sshpass,
// inetutils telnet through expect). Without them they skip, except in CI.

func runClient(t *testing.T, name string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s %s: timed out; output:\n%s", name, strings.Join(args, " "), out)
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return string(out), exitErr.ExitCode()
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return string(out), 0
}

func TestOpenSSHClient(t *testing.T) {
	requireBinary(t, "sshpass", "ssh")
	var fails authFails
	addr, _ := startSSH(t, func(s *SSHServer) { s.OnAuthFail = fails.record })
	_, port, _ := net.SplitHostPort(addr)
	tests := []struct {
		name       string
		password   string
		opts       []string
		command    string
		wantOutput string
		wantCode   int
	}{
		{name: "show version", password: "cisco", command: "show version",
			wantOutput: "Cisco IOS Software, test handler, user admin\r\n"},
		{name: "exit status", password: "cisco", command: "exit 3", wantCode: 3},
		{name: "keyboard-interactive", password: "cisco", command: "show version",
			opts:       []string{"-o", "PreferredAuthentications=keyboard-interactive"},
			wantOutput: "Cisco IOS Software"},
		{name: "password method", password: "cisco", command: "show version",
			opts:       []string{"-o", "PreferredAuthentications=password"},
			wantOutput: "Cisco IOS Software"},
		{name: "legacy algorithms", password: "cisco", command: "show version",
			opts: []string{"-o", "HostKeyAlgorithms=ssh-rsa", "-o", "KexAlgorithms=diffie-hellman-group14-sha1",
				"-c", "aes128-cbc", "-o", "MACs=hmac-sha1"},
			wantOutput: "Cisco IOS Software"},
		// sshpass exits 5 when the password is refused.
		{name: "wrong password", password: "wrong", command: "show version", wantCode: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"-p", tt.password, "ssh", "-F", "/dev/null",
				"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"}
			args = append(args, tt.opts...)
			args = append(args, "-p", port, "admin@127.0.0.1", tt.command)
			out, code := runClient(t, "sshpass", args...)
			if code != tt.wantCode || !strings.Contains(out, tt.wantOutput) {
				t.Errorf("exit %d output %q, want exit %d output containing %q", code, out, tt.wantCode, tt.wantOutput)
			}
		})
	}
	if got := fails.get(); len(got) == 0 || got[0] != "admin" {
		t.Errorf("OnAuthFail calls %v, want admin", got)
	}
}

func TestInetutilsTelnetExpect(t *testing.T) {
	requireBinary(t, "expect", "telnet")
	addr := startTelnet(t, nil)
	_, port, _ := net.SplitHostPort(addr)
	out, code := runClient(t, "expect", "-f", "testdata/telnet_echo.exp", port)
	t.Logf("expect transcript:\n%s", out)
	if code != 0 || !strings.Contains(out, "\nOK") {
		t.Fatalf("expect script failed (exit %d):\n%s", code, out)
	}
}

// python is the system interpreter, with Debian's paramiko 2.x.
const python = "/usr/bin/python3"

// requirePython skips without python3 or one of its modules, but fails in
// CI.
func requirePython(t *testing.T, modules ...string) {
	t.Helper()
	requireBinary(t, python)
	for _, m := range modules {
		if err := exec.Command(python, "-W", "ignore", "-c", "import "+m).Run(); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("python module %s is required in CI: %v", m, err)
			}
			t.Skipf("python module %s not installed", m)
		}
	}
}

func TestParamikoClient(t *testing.T) {
	requirePython(t, "paramiko")
	addr, _ := startSSH(t, nil)
	_, port, _ := net.SplitHostPort(addr)
	out, code := runClient(t, python, "-W", "ignore", "testdata/paramiko_client.py", port)
	if code != 0 || !strings.HasSuffix(out, "OK\n") {
		t.Fatalf("paramiko client failed (exit %d):\n%s", code, out)
	}
}

func TestTelnetlibClient(t *testing.T) {
	requirePython(t, "telnetlib")
	addr := startTelnet(t, nil)
	_, port, _ := net.SplitHostPort(addr)
	out, code := runClient(t, python, "-W", "ignore", "testdata/telnetlib_client.py", port)
	if code != 0 || !strings.HasSuffix(out, "OK\n") {
		t.Fatalf("telnetlib client failed (exit %d):\n%s", code, out)
	}
}
