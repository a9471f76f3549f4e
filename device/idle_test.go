package device_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/clock"
	"github.com/iosemu/iosemu/device"
	"github.com/iosemu/iosemu/platforms"
)

// TestExecTimeout: `exec-timeout 1 0` on the vtys ends an idle session
// after one minute of wall time scaled by the lab (1 s at 60×); a jump of
// the lab clock by days does not; a keystroke starts the minute again;
// `exec-timeout 0 0` never ends it.
func TestExecTimeout(t *testing.T) {
	start := time.Date(2015, 10, 9, 13, 14, 16, 0, time.UTC)
	for _, tc := range []struct {
		timeout string
		ends    bool
	}{{"exec-timeout 1 0", true}, {"exec-timeout 0 0", false}} {
		t.Run(tc.timeout, func(t *testing.T) {
			wall := clock.NewFakeWall(start)
			lab := clock.NewLab(clock.Options{Start: start, Scale: 60, Wall: wall})
			defer lab.Close()
			p, _ := platforms.Lookup("ISR-G2")
			cfg := strings.Replace(defaultConfig("ISR-G2"), " login local\n", " login local\n "+tc.timeout+"\n", 1)
			r, err := device.New(device.Options{Name: "R1", Platform: p, Lab: lab, Dir: t.TempDir(), Initial: cfg})
			if err != nil {
				t.Fatal(err)
			}
			in, keys := io.Pipe()
			defer keys.Close()
			screen := make(chanWriter, 64)
			closed := make(chan struct{}, 1)
			s := cli.New(r, cli.Conn{RW: pipeRW{in, screen}, User: "admin", Remote: "10.0.0.2",
				Close: func() error {
					select {
					case closed <- struct{}{}:
					default:
					}
					keys.Close()
					return nil
				}})
			done := make(chan struct{})
			go func() { s.Serve(context.Background()); close(done) }()
			var sb strings.Builder
			waitFor(t, screen, &sb, "R1#")
			if err := lab.Advance(3*24*time.Hour, nil); err != nil {
				t.Fatal(err)
			}
			wall.Advance(900 * time.Millisecond)
			if _, err := keys.Write([]byte("show clock\r")); err != nil {
				t.Fatal(err)
			}
			waitFor(t, screen, &sb, "show clock")
			wall.Advance(900 * time.Millisecond) // 1.8 s since start, 0.9 s since the keys
			select {
			case <-done:
				t.Fatal("the session ended before a minute of idle time (a jump or a keystroke was counted)")
			case <-time.After(200 * time.Millisecond): // wall-clock-ok: give a wrong logout the chance to show
			}
			wall.Advance(200 * time.Millisecond)
			bound := 500 * time.Millisecond
			if tc.ends {
				bound = 5 * time.Second
			}
			select {
			case <-done:
				if !tc.ends {
					t.Fatal("exec-timeout 0 0 ended the session")
				}
			case <-time.After(bound): // wall-clock-ok: bound the wait for the logout
				if tc.ends {
					t.Fatal("the idle session was not logged out")
				}
				keys.Close()
				<-done
			}
		})
	}
}
