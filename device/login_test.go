package device_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/clock"
)

func TestLoginNeedsTheRightPassword(t *testing.T) {
	r := newRouter(t, "ISR-G2", clock.NewFake(start), false, "logging buffered\n")
	for _, tc := range []struct {
		name, keys string
	}{
		{"empty password", "admin\r\rshow privilege\r\r"},
		{"wrong password", "admin\rCisco\radmin\rcisco \radmin\r\r"},
		{"unknown user", "root\rcisco\rnobody\r\r\r"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := serve(t, r, tc.keys, "")
			if strings.Contains(out, "R1#") || strings.Contains(out, "R1>") {
				t.Fatalf("logged in:\n%s", out)
			}
			if !strings.Contains(out, "% Login invalid") {
				t.Errorf("no %% Login invalid:\n%s", out)
			}
		})
	}
	// Three failures end the session.
	out := serve(t, r, "a\rb\rc\rd\re\rf\radmin\rcisco\r", "")
	if !strings.HasSuffix(out, "% Bad passwords\n") || strings.Count(out, "Username:") != 3 {
		t.Errorf("after three failures:\n%s", out)
	}
	// Failures are logged.
	if log := session(t, r, "show logging | include LOGIN_FAILED"); !strings.Contains(log, "%SEC_LOGIN-4-LOGIN_FAILED: Login failed [user: root] [Source: 10.0.0.2]") {
		t.Errorf("login failures not logged:\n%s", log)
	}
	if _, ok := r.Authenticate("admin", ""); ok || r.CheckPassword("admin", "") {
		t.Error("an empty password authenticates")
	}
}

// The transport's login deadline ends the dialog with IOS's message; a
// completed login tells the transport (LoggedIn) so that it lifts it.
func TestLoginTimeoutAndLoggedIn(t *testing.T) {
	r := newRouter(t, "ISR-G2", clock.NewFake(start), false, "")
	sent := false
	rw := &termRW{Reader: readerFunc(func(b []byte) (int, error) {
		if !sent {
			sent = true
			return copy(b, "adm"), nil
		}
		return 0, os.ErrDeadlineExceeded
	})}
	loggedIn := 0
	cli.New(r, cli.Conn{RW: rw, Remote: "10.0.0.2", Close: func() error { return nil }, LoggedIn: func() { loggedIn++ }}).Serve(context.Background())
	if out := strings.ReplaceAll(rw.out.String(), "\r", ""); !strings.HasSuffix(out, "Username: adm\n% Username:  timeout expired!\n") || loggedIn != 0 {
		t.Errorf("login timeout (LoggedIn called %d times):\n%q", loggedIn, out)
	}
	rw = &termRW{Reader: strings.NewReader("admin\rcisco\r")}
	cli.New(r, cli.Conn{RW: rw, Remote: "10.0.0.2", Close: func() error { return nil }, LoggedIn: func() { loggedIn++ }}).Serve(context.Background())
	if loggedIn != 1 {
		t.Errorf("LoggedIn called %d times after a login", loggedIn)
	}
}
