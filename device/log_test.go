package device_test

import (
	"strings"
	"testing"

	"github.com/iosemu/iosemu/clock"
)

// A log message cannot forge a syslog line or reach a terminal raw, is cut
// to a bounded length, and the buffer stays bounded in bytes.
func TestLogMessagesAreSanitisedAndBounded(t *testing.T) {
	r := newRouter(t, "ISR-G2", clock.NewFake(start), false, "logging buffered\n")
	r.Log("%SEC_LOGIN-4-LOGIN_FAILED: Login failed [user: x\r\n*Oct  9 13:14:16.000: %SYS-5-RELOAD: forged\x1b[2J\x00\x7f\u009b] [Source: 10.0.0.9]")
	out := session(t, r, "show logging | include LOGIN_FAILED|RELOAD")
	if strings.Count(out, "\n*") != 1 || strings.ContainsAny(out, "\x1b\x00\x7f\u009b") {
		t.Errorf("a message forged a line or carried control bytes:\n%q", out)
	}
	if !strings.Contains(out, "[user: x??*Oct  9 13:14:16.000: %SYS-5-RELOAD: forged?[2J???] [Source: 10.0.0.9]") {
		t.Errorf("control bytes not replaced:\n%q", out)
	}

	// IOS's multi-line messages go on over indented lines; an indented
	// line is still cleaned, and a line that is not indented is no line.
	r.Log("%PKI-6-CERT_INSTALL: An ID certificate has been installed under\n                      Trustpoint   : TP\x1b\n*Oct  9 13:14:16.000: %SYS-5-RELOAD: forged")
	out = session(t, r, "show logging | begin CERT_INSTALL")
	if !strings.Contains(out, "installed under\n                      Trustpoint   : TP??*Oct  9 13:14:16.000: %SYS-5-RELOAD: forged\n") {
		t.Errorf("a multi-line message:\n%q", out)
	}

	long := strings.Repeat("n", 250_000)
	for i := 0; i < 1000; i++ {
		r.Log("%SEC_LOGIN-4-LOGIN_FAILED: Login failed [user: " + long + "] [Source: 10.0.0.9]")
	}
	out = session(t, r, "terminal length 0", "show logging")
	if len(out) > 512<<10 {
		t.Errorf("1,000 messages of 250 KB leave %d bytes in the buffer", len(out))
	}
	for _, l := range strings.Split(out, "\n") {
		if len(l) > 450 {
			t.Fatalf("a log line of %d bytes", len(l))
		}
	}
}

// A failed telnet login logs at most a few dozen characters of the name.
func TestLoginFailureLogsAShortName(t *testing.T) {
	r := newRouter(t, "ISR-G2", clock.NewFake(start), false, "logging buffered\n")
	serve(t, r, strings.Repeat("u", 900)+"\rx\r", "")
	out := session(t, r, "show logging | include LOGIN_FAILED")
	if !strings.Contains(out, "[user: "+strings.Repeat("u", 64)+"] [Source: 10.0.0.2]") {
		t.Errorf("login failure with a 900-character name:\n%s", out)
	}
}
