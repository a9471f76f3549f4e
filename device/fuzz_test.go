package device_test

import (
	"testing"
	"time"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/clock"
	"github.com/iosemu/iosemu/device"
	"github.com/iosemu/iosemu/platforms"
)

// FuzzSession feeds random keystrokes to a session on a router: whatever
// arrives, the session neither panics nor hangs, and ends when its input does.
func FuzzSession(f *testing.F) {
	for _, seed := range []string{
		"show version\r", "sh?\tconf t\rint gi0/0\rip add 1.1.1.1 255.0.0.0\r\x1a",
		"terminal length 3\rshow running-config\r \r q", "\x1b[A\x1b[B\x1b[C\x1b[D\x1b[3~\x1b",
		"conf t\rline vty 0 4\rdo show users | include vty\rend\rwr\r", "enable 5\rdisable\r???\t\t\x03",
		"show run | section interface\rshow run | count \r| foo\r", "copy run start\r\rerase startup-config\rn",
		"\xff\xfe\xfd\x00\x01\x7f\x08\r\n\r\x00", "clock set 10:00:00 1 Jan 2016\rshow clock detail\r",
		"r\r \x7f\rr\rY", // two reloads from one session once closed a channel twice
	} {
		f.Add(seed)
	}
	p, err := platforms.Lookup("ISR-G2")
	if err != nil {
		f.Fatal(err)
	}
	lab := clock.NewFake(time.Date(2015, 10, 9, 13, 14, 16, 0, time.UTC))
	r, err := device.New(device.Options{Name: "R1", Platform: p, Lab: lab, Dir: f.TempDir(), Initial: defaultConfig("ISR-G2")})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, input string) {
		before := cli.Panics()
		serve(t, r, input, "admin")
		if cli.Panics() != before {
			t.Fatalf("a command panicked on input %q (the session recovered; its stack is on standard error)", input)
		}
		// An input may have reloaded the router (r, re… abbreviate
		// reload): the next one starts on a booted router.
		select {
		case <-r.Ready():
		case <-time.After(10 * time.Second): // wall-clock-ok: a reload that never ends is the failure
			t.Fatalf("router did not finish booting after input %q", input)
		}
	})
}
