package device_test

import (
	"strings"
	"testing"

	"github.com/iosemu/iosemu/clock"
)

func TestBannersShownAndSaved(t *testing.T) {
	lab := clock.NewFake(start)
	r := newRouter(t, "ISR-G1", lab, false, "")
	session(t, r, "configure terminal", "banner motd ^C", "Authorized access only", "! not a comment here", "^C",
		"banner login $Log in with your lab account$", "banner exec @Welcome@", "end", "write memory", "reload", "")
	<-r.Ready()

	// Telnet: motd, then login banner, then the login dialog; exec banner after it.
	screen := serve(t, r, "admin\rcisco\rexit\r", "")
	want := "\nAuthorized access only\n! not a comment here\nLog in with your lab account\n\nUser Access Verification\n\nUsername: admin\nPassword: \nWelcome\n\nR1#exit\n"
	if screen != want {
		t.Errorf("telnet screen\n got %q\nwant %q", screen, want)
	}
	// Survived write memory and a reload, and renders with ^C.
	if run := session(t, r, "show running-config | begin banner"); !strings.Contains(run, "banner motd ^C\nAuthorized access only\n! not a comment here\n^C") ||
		!strings.Contains(run, "banner exec ^CWelcome^C") {
		t.Errorf("running-config after reload:\n%s", run)
	}
	// Ctrl-C abandons a banner being typed (back to exec, the old banner
	// kept); no banner removes one.
	out := session(t, r, "configure terminal", "banner motd #", "half typed\x03", "configure terminal", "no banner exec", "end")
	if !strings.Contains(out, "End with the character '#'.\nhalf typed^C\nR1#") {
		t.Errorf("Ctrl-C did not abandon the banner for exec:\n%s", out)
	}
	run := session(t, r, "show running-config | begin banner")
	if strings.Contains(run, "banner exec") || strings.Contains(run, "half typed") ||
		!strings.Contains(run, "banner motd ^C\nAuthorized access only\n! not a comment here\n^C") {
		t.Errorf("banner edits:\n%s", run)
	}
}
