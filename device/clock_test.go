package device_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/iosemu/iosemu/clock"
	"github.com/iosemu/iosemu/device"
	"github.com/iosemu/iosemu/platforms"
)

// session runs lines on r as user admin and returns the screen.
func session(t *testing.T, r *device.Router, lines ...string) string {
	t.Helper()
	return serve(t, r, strings.Join(lines, "\r")+"\r", "admin")
}

func newRouter(t *testing.T, platform string, lab *clock.Lab, ntp bool, extra string) *device.Router {
	t.Helper()
	p, err := platforms.Lookup(platform)
	if err != nil {
		t.Fatal(err)
	}
	r, err := device.New(device.Options{
		Name: "R1", Platform: p, Lab: lab, Dir: t.TempDir(), Initial: defaultConfig(platform) + extra,
		NTPReachable: func(addr string) bool { return ntp && addr == "10.1.1.1" },
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var start = time.Date(2015, 10, 9, 13, 14, 16, 0, time.FixedZone("CET", 3600))

func TestClockAuthority(t *testing.T) {
	lab := clock.NewFake(start)
	r := newRouter(t, "ISR-G2", lab, true, "")

	// The ISR's hardware calendar is the source, but not authoritative
	// until calendar-valid: '*'.
	out := session(t, r, "show clock", "show clock detail")
	if !strings.Contains(out, "*13:14:16.000 CET Fri Oct 9 2015\nTime source is hardware calendar") {
		t.Errorf("without NTP or calendar-valid the clock is not authoritative:\n%s", out)
	}
	csr := newRouter(t, "CSR1k", clock.NewFake(start), false, "")
	if out := session(t, csr, "show clock detail"); !strings.Contains(out, "*13:14:16.000 CET Fri Oct 9 2015\nNo time source") {
		t.Errorf("CSR without NTP:\n%s", out)
	}

	session(t, r, "configure terminal", "ntp server 10.1.1.1", "end")
	if err := lab.Advance(10*time.Minute, nil); err != nil {
		t.Fatal(err)
	}
	out = session(t, r, "show clock", "show clock detail", "show ntp associations", "show ntp status")
	for _, want := range []string{"\n13:24:16.000 CET Fri Oct 9 2015\n", "Time source is NTP", "10.1.1.1", "Clock is synchronized"} {
		if !strings.Contains(out, want) {
			t.Errorf("after NTP sync, missing %q:\n%s", want, out)
		}
	}
	if run := session(t, r, "show running-config | include ntp"); !strings.Contains(run, "ntp server 10.1.1.1") {
		t.Errorf("running-config lacks the ntp server:\n%s", run)
	}
}

func TestClockCalendarValidPerPlatform(t *testing.T) {
	for _, tc := range []struct {
		platform string
		calendar bool
	}{{"ISR-G1", true}, {"ISR-G2", true}, {"ISR-4K", true}, {"ASR1k", true}, {"CSR1k", false}} {
		t.Run(tc.platform, func(t *testing.T) {
			r := newRouter(t, tc.platform, clock.NewFake(start), false, "")
			out := session(t, r, "configure terminal", "clock calendar-valid", "end", "show clock detail", "show calendar")
			if tc.calendar {
				if !strings.Contains(out, "Time source is hardware calendar") || strings.Contains(out, "% Invalid") {
					t.Errorf("calendar-valid on %s:\n%s", tc.platform, out)
				}
				if !regexp.MustCompile(`\n13:14:16 CET Fri Oct 9 2015\n`).MatchString(out) {
					t.Errorf("show calendar on %s:\n%s", tc.platform, out)
				}
			} else if strings.Count(out, "% Invalid input detected") != 2 {
				t.Errorf("%s has no hardware calendar; want invalid input for both commands:\n%s", tc.platform, out)
			}
		})
	}
}

func TestClockSetAndZones(t *testing.T) {
	lab := clock.NewFake(start)
	r := newRouter(t, "ISR-G1", lab, false, "clock summer-time CEST recurring last Sun Mar 2:00 last Sun Oct 3:00\n")
	out := session(t, r, "clock set 12:00:00 24 Oct 2015", "show clock", "clock set 12:00:00 Oct 26 2015", "show clock",
		"clock set 25:00:00 1 Jan 2016", "show running-config | include clock")
	for _, want := range []string{
		"12:00:00.000 CEST Sat Oct 24 2015", // summer time in force
		"12:00:00.000 CET Mon Oct 26 2015",  // and over
		"% Invalid input detected: time must be hh:mm:ss",
		"clock timezone CET 1 0",
		"clock summer-time CEST recurring last Sun Mar 2:00 last Sun Oct 3:00",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q:\n%s", want, out)
		}
	}
	// The device clock moved, the lab clock did not.
	if !lab.Now().Equal(start) {
		t.Errorf("clock set moved the lab clock")
	}
}

func TestUptimeAndSyslogOnVirtualTime(t *testing.T) {
	lab := clock.NewFake(start)
	r := newRouter(t, "CSR1k", lab, false, "service timestamps log datetime msec localtime show-timezone\nlogging buffered 8192\n")
	if err := lab.Advance(3*24*time.Hour+2*time.Hour+5*time.Minute, nil); err != nil {
		t.Fatal(err)
	}
	out := session(t, r, "show version | include uptime", "configure terminal", "end", "show logging | include CONFIG_I")
	if !strings.Contains(out, "R1 uptime is 3 days, 2 hours, 5 minutes") {
		t.Errorf("uptime from the virtual clock:\n%s", out)
	}
	if !strings.Contains(out, "*Oct 12 15:19:16.000 CET: %SYS-5-CONFIG_I: Configured from console by admin on vty0 (10.0.0.2)") {
		t.Errorf("syslog timestamp on virtual time:\n%s", out)
	}
}
