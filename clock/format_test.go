package clock

import (
	"strings"
	"testing"
	"time"
)

func TestFormatTimer(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		in   time.Duration
		want string
	}{
		{7*time.Minute + 49*time.Second + 3*ms, "|        7:49.003"},
		{3*day + 7*time.Hour + 5*time.Minute + 24*time.Second + 3*ms, "|  3d 7:05:24.003"},
		{5*time.Hour + 54*time.Minute + 17*time.Second + 977*ms, "|     5:54:17.977"},
		{639*day + 23*time.Hour + 54*time.Minute + 17*time.Second + 977*ms, "|639d23:54:17.977"},
		{729*day + 23*time.Hour + 54*time.Minute + 17*time.Second + 971*ms, "|729d23:54:17.971"},
		{48*time.Second + 241*ms, "|          48.241"},
		{14*time.Minute + 19*time.Second + 287*ms, "|       14:19.287"},
		{1094*day + 23*time.Hour + 34*time.Minute + 30*time.Second + 810*ms, "|1094d23:34:30.810"},
		{1283*day + 6*time.Hour + 19*time.Minute + 2*time.Second + 213*ms, "|1283d 6:19:02.213"},
		{0, "|           0.000"},
		{-time.Second, "|           0.000"},
	}
	for _, tc := range tests {
		if got := FormatTimer(tc.in); got != tc.want {
			t.Errorf("FormatTimer(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFormatUptime(t *testing.T) {
	h, m := time.Hour, time.Minute
	tests := []struct {
		in   time.Duration
		want string
	}{
		{h + 5*m, "1 hour, 5 minutes"},
		{2*365*day + 3*7*day + day + 4*h + 10*m, "2 years, 3 weeks, 1 day, 4 hours, 10 minutes"},
		{12*7*day + 2*h + 26*m, "12 weeks, 2 hours, 26 minutes"},
		{2*day + 28*m, "2 days, 28 minutes"},
		{2*7*day + 2*day + 18*h + 23*m, "2 weeks, 2 days, 18 hours, 23 minutes"},
		{day + 15*h + 32*m, "1 day, 15 hours, 32 minutes"},
		{32*m + 59*time.Second, "32 minutes"},
		{59 * time.Second, "0 minutes"},
		{7 * day, "1 week"},
	}
	for _, tc := range tests {
		if got := FormatUptime(tc.in); got != tc.want {
			t.Errorf("FormatUptime(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// cet is the seed's "clock timezone CET 1 0".
func cet(d *Device) { d.SetTimezone("CET", 1, 0) }

func euSummer() SummerRule {
	return SummerRule{
		Start: SummerPoint{Week: LastWeek, Weekday: time.Sunday, Month: time.March, At: 2 * time.Hour},
		End:   SummerPoint{Week: LastWeek, Weekday: time.Sunday, Month: time.October, At: 3 * time.Hour},
	}
}

func TestShowClockAuthorityAndSource(t *testing.T) {
	start := time.Date(2015, 10, 9, 12, 14, 16, 123e6, time.UTC)
	type step struct {
		do         func(l *Lab, d *Device)
		clock      string // FormatShowClock
		detail     string // second line of FormatShowClockDetail
		authorit   bool
		synced     bool
		execHeader string // second line of FormatExecTimestamp
	}
	tests := []struct {
		name        string
		hasCalendar bool
		steps       []step
	}{
		{"no calendar, then NTP (seed spoke)", false, []step{
			{func(l *Lab, d *Device) { cet(d) }, "*13:14:16.123 CET Fri Oct 9 2015", "No time source", false, false,
				"No time source, *13:14:16.123 CET Fri Oct 9 2015"},
			{func(l *Lab, d *Device) { d.SetNTPServer("10.1.1.1", true) }, "*13:14:16.123 CET Fri Oct 9 2015", "No time source", false, false, ""},
			{func(l *Lab, d *Device) { l.Advance(NTPSyncDelay-time.Millisecond, nil) }, "*13:17:28.122 CET Fri Oct 9 2015", "No time source", false, false, ""},
			{func(l *Lab, d *Device) { l.Advance(time.Millisecond, nil) }, "13:17:28.123 CET Fri Oct 9 2015", "Time source is NTP", true, true,
				"Time source is NTP, 13:17:28.123 CET Fri Oct 9 2015"},
			{func(l *Lab, d *Device) { l.Advance(639*day, nil) }, "13:17:28.123 CET Sun Jul 9 2017", "Time source is NTP", true, true, ""},
			// NTP lost: authoritative but not synchronised
			{func(l *Lab, d *Device) { d.SetNTPServer("10.1.1.1", false) }, ".13:17:28.123 CET Sun Jul 9 2017", "Time source is NTP", true, false,
				"Time source is NTP, .13:17:28.123 CET Sun Jul 9 2017"},
		}},
		{"ISR calendar-valid", true, []step{
			{nil, "*12:14:16.123 UTC Fri Oct 9 2015", "Time source is hardware calendar", false, false,
				"Time source is hardware calendar, *12:14:16.123 UTC Fri Oct 9 2015"},
			{func(l *Lab, d *Device) { d.SetCalendarValid(true) }, "12:14:16.123 UTC Fri Oct 9 2015", "Time source is hardware calendar", true, false, ""},
			{func(l *Lab, d *Device) { d.SetCalendarValid(false) }, "*12:14:16.123 UTC Fri Oct 9 2015", "Time source is hardware calendar", false, false, ""},
		}},
		{"calendar-valid ignored without a calendar", false, []step{
			{func(l *Lab, d *Device) { d.SetCalendarValid(true) }, "*12:14:16.123 UTC Fri Oct 9 2015", "No time source", false, false, ""},
		}},
		{"clock set (IOL capture)", true, []step{
			{func(l *Lab, d *Device) {
				d.SetTimezone("CRST", -7, 0)
				d.Set(time.Date(2024, 9, 12, 11, 40, 0, 0, time.FixedZone("CRST", -7*3600)))
				l.Advance(14931*time.Millisecond, nil)
			}, "11:40:14.931 CRST Thu Sep 12 2024", "Time source is user configuration", true, false, ""},
			// ntp configured, not yet synchronised: "."
			{func(l *Lab, d *Device) { d.SetNTPServer("10.1.1.1", true) }, ".11:40:14.931 CRST Thu Sep 12 2024", "Time source is user configuration", true, false, ""},
			// NTP steps the clock back to lab time
			{func(l *Lab, d *Device) { l.Advance(NTPSyncDelay, nil) }, "05:17:43.054 CRST Fri Oct 9 2015", "Time source is NTP", true, true, ""},
		}},
		{"clock set while synchronised re-syncs", false, []step{
			{func(l *Lab, d *Device) { d.SetNTPServer("10.1.1.1", true); d.SyncNow() }, "12:14:16.123 UTC Fri Oct 9 2015", "Time source is NTP", true, true, ""},
			{func(l *Lab, d *Device) { d.Set(start.Add(time.Hour)) }, ".13:14:16.123 UTC Fri Oct 9 2015", "Time source is user configuration", true, false, ""},
			{func(l *Lab, d *Device) { l.Advance(NTPSyncDelay, nil) }, "12:17:28.123 UTC Fri Oct 9 2015", "Time source is NTP", true, true, ""},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := NewFake(start)
			d := l.Device("R1", tc.hasCalendar)
			if l.Device("R1", tc.hasCalendar) != d {
				t.Fatal("Device does not return the same clock")
			}
			for i, s := range tc.steps {
				if s.do != nil {
					s.do(l, d)
				}
				if got := FormatShowClock(d); got != s.clock {
					t.Errorf("step %d: show clock %q, want %q", i, got, s.clock)
				}
				detail := strings.Split(FormatShowClockDetail(d), "\n")
				if detail[0] != s.clock || detail[1] != s.detail {
					t.Errorf("step %d: show clock detail %q, want %q / %q", i, detail, s.clock, s.detail)
				}
				if d.Authoritative() != s.authorit || d.Synced() != s.synced {
					t.Errorf("step %d: authoritative %v synced %v", i, d.Authoritative(), d.Synced())
				}
				if s.execHeader != "" {
					want := "Load for five secs: 0%/0%; one minute: 0%; five minutes: 0%\n" + s.execHeader
					if got := FormatExecTimestamp(d); got != want {
						t.Errorf("step %d: exec header %q, want %q", i, got, want)
					}
				}
			}
		})
	}
}

func TestSeedExecTimestamp(t *testing.T) {
	// Root-CA in the seeds: NTP, CET, five and a half minutes after the start.
	l := NewFake(time.Date(2015, 10, 9, 12, 14, 16, 0, time.UTC))
	d := l.Device("Root-CA", true)
	cet(d)
	d.SetNTPServer("10.1.1.1", true)
	l.Advance(5*time.Minute+42946*time.Millisecond, nil)
	want := "Load for five secs: 0%/0%; one minute: 0%; five minutes: 0%\nTime source is NTP, 13:19:58.946 CET Fri Oct 9 2015"
	if got := FormatExecTimestamp(d); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSummerTime(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(d *Device)
		at     time.Time // UTC
		clock  string
		detail string // lines after the source line
	}{
		{"EU before start", func(d *Device) { cet(d); d.SetSummerTime("CEST", euSummer()) },
			time.Date(2015, 3, 29, 0, 59, 59, 0, time.UTC), "*01:59:59.000 CET Sun Mar 29 2015",
			"Summer time starts 02:00:00 CET Sun Mar 29 2015\nSummer time ends 03:00:00 CEST Sun Oct 25 2015"},
		{"EU at start", func(d *Device) { cet(d); d.SetSummerTime("CEST", euSummer()) },
			time.Date(2015, 3, 29, 1, 0, 0, 0, time.UTC), "*03:00:00.000 CEST Sun Mar 29 2015", ""},
		{"EU before end", func(d *Device) { cet(d); d.SetSummerTime("CEST", euSummer()) },
			time.Date(2015, 10, 25, 0, 59, 59, 0, time.UTC), "*02:59:59.000 CEST Sun Oct 25 2015", ""},
		{"EU at end", func(d *Device) { cet(d); d.SetSummerTime("CEST", euSummer()) },
			time.Date(2015, 10, 25, 1, 0, 0, 0, time.UTC), "*02:00:00.000 CET Sun Oct 25 2015", ""},
		{"EU summer in 2017 (seed rollover day)", func(d *Device) { cet(d); d.SetSummerTime("CEST", euSummer()) },
			time.Date(2017, 7, 10, 11, 14, 16, 510e6, time.UTC), "*13:14:16.510 CEST Mon Jul 10 2017", ""},
		{"US default recurring", func(d *Device) { d.SetTimezone("EST", -5, 0); d.SetSummerTime("EDT", USSummerRule()) },
			time.Date(2016, 10, 17, 22, 56, 4, 554e6, time.UTC), "*18:56:04.554 EDT Mon Oct 17 2016",
			"Summer time starts 02:00:00 EST Sun Mar 13 2016\nSummer time ends 02:00:00 EDT Sun Nov 6 2016"},
		{"half-hour zone west", func(d *Device) { d.SetTimezone("NST", -3, 30) },
			time.Date(2016, 1, 1, 12, 0, 0, 0, time.UTC), "*08:30:00.000 NST Fri Jan 1 2016", ""},
		{"date form", func(d *Device) {
			cet(d)
			d.SetSummerTime("CEST", SummerRule{
				Start: SummerPoint{Year: 2016, Month: time.April, Day: 1, At: 2 * time.Hour},
				End:   SummerPoint{Year: 2016, Month: time.September, Day: 1, At: 3 * time.Hour},
			})
		}, time.Date(2016, 5, 1, 10, 0, 0, 0, time.UTC), "*12:00:00.000 CEST Sun May 1 2016",
			"Summer time starts 02:00:00 CET Fri Apr 1 2016\nSummer time ends 03:00:00 CEST Thu Sep 1 2016"},
		{"date form outside", func(d *Device) {
			cet(d)
			d.SetSummerTime("CEST", SummerRule{
				Start: SummerPoint{Year: 2016, Month: time.April, Day: 1, At: 2 * time.Hour},
				End:   SummerPoint{Year: 2016, Month: time.September, Day: 1, At: 3 * time.Hour},
			})
		}, time.Date(2016, 10, 1, 10, 0, 0, 0, time.UTC), "*11:00:00.000 CET Sat Oct 1 2016", ""},
		{"cleared", func(d *Device) { cet(d); d.SetSummerTime("CEST", euSummer()); d.ClearSummerTime(); d.ClearTimezone() },
			time.Date(2015, 7, 1, 10, 0, 0, 0, time.UTC), "*10:00:00.000 UTC Wed Jul 1 2015", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := NewFake(tc.at)
			d := l.Device("R1", false)
			tc.setup(d)
			if got := FormatShowClock(d); got != tc.clock {
				t.Errorf("show clock %q, want %q", got, tc.clock)
			}
			if tc.detail != "" {
				lines := strings.SplitN(FormatShowClockDetail(d), "\n", 3)
				if len(lines) < 3 || lines[2] != tc.detail {
					t.Errorf("detail %q, want %q", lines, tc.detail)
				}
			}
		})
	}
}

func TestFormatSyslog(t *testing.T) {
	boot := time.Date(2015, 4, 2, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		at    time.Time
		setup func(d *Device)
		opts  TimestampOpts
		want  string
	}{
		{"msec, unset clock", time.Date(2015, 4, 2, 18, 15, 11, 756e6, time.UTC), nil,
			TimestampOpts{Msec: true}, "*Apr  2 18:15:11.756:"},
		{"msec localtime, synchronised (seed)", time.Date(2017, 7, 10, 12, 14, 16, 510e6, time.UTC),
			func(d *Device) { cet(d); d.SetNTPServer("10.1.1.1", true); d.SyncNow() },
			TimestampOpts{Msec: true, Localtime: true}, "Jul 10 13:14:16.510:"},
		{"show-timezone year localtime", time.Date(2015, 10, 9, 12, 14, 16, 123e6, time.UTC),
			func(d *Device) { cet(d); d.SetNTPServer("10.1.1.1", true); d.SyncNow() },
			TimestampOpts{Msec: true, Localtime: true, ShowTimezone: true, Year: true}, "Oct  9 2015 13:14:16.123 CET:"},
		{"show-timezone without localtime is UTC", time.Date(2015, 10, 9, 12, 14, 16, 123e6, time.UTC),
			cet, TimestampOpts{Msec: true, ShowTimezone: true}, "*Oct  9 12:14:16.123 UTC:"},
		{"no msec, NTP lost", time.Date(2015, 10, 9, 12, 14, 16, 123e6, time.UTC),
			func(d *Device) { d.SetNTPServer("10.1.1.1", true); d.SyncNow(); d.SetNTPServer("10.1.1.1", false) },
			TimestampOpts{}, ".Oct  9 12:14:16:"},
		{"uptime hh:mm:ss", boot.Add(5*time.Minute + 12*time.Second), nil, TimestampOpts{Uptime: true, Boot: boot}, "00:05:12:"},
		{"uptime days", boot.Add(3*day + 7*time.Hour), nil, TimestampOpts{Uptime: true, Boot: boot}, "3d07h:"},
		{"uptime weeks", boot.Add(9 * day), nil, TimestampOpts{Uptime: true, Boot: boot}, "1w2d:"},
		{"uptime years", boot.Add(365*day + 14*day), nil, TimestampOpts{Uptime: true, Boot: boot}, "1y2w:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := NewFake(tc.at)
			d := l.Device("R1", false)
			if tc.setup != nil {
				tc.setup(d)
			}
			if got := FormatSyslog(d, tc.opts); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCalendar(t *testing.T) {
	l := NewFake(time.Date(2015, 10, 9, 12, 14, 16, 500e6, time.UTC))
	d := l.Device("Root-CA", true)
	cet(d)
	if got, want := FormatShowCalendar(d), "13:14:16 CET Fri Oct 9 2015"; got != want {
		t.Errorf("show calendar %q, want %q", got, want)
	}
	d.SetCalendar(time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC))
	l.Advance(time.Minute, nil)
	if got, want := FormatShowCalendar(d), "01:01:00 CET Fri Jan 1 2016"; got != want {
		t.Errorf("show calendar after calendar set %q, want %q", got, want)
	}
	if got := FormatShowClock(d); got != "*13:15:16.500 CET Fri Oct 9 2015" {
		t.Errorf("calendar set moved the clock: %q", got)
	}
	d.SetCalendarValid(true) // reads the calendar, as at boot
	if got := FormatShowClock(d); got != "01:01:00.000 CET Fri Jan 1 2016" {
		t.Errorf("after calendar-valid: %q", got)
	}
	d.Set(time.Date(2015, 10, 9, 12, 15, 16, 500e6, time.UTC))
	d.UpdateCalendar()
	if got := FormatShowCalendar(d); got != "13:15:16 CET Fri Oct 9 2015" {
		t.Errorf("after update-calendar: %q", got)
	}
	d.SetCalendar(time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC))
	d.ReadCalendar()
	if got, src := FormatShowClock(d), d.Source(); got != "01:00:00.000 CET Fri Jan 1 2016" || src != SourceCalendar {
		t.Errorf("after read-calendar: %q %q", got, src)
	}
}

func TestShowNTP(t *testing.T) {
	start := time.Date(2015, 10, 9, 12, 14, 16, 0, time.UTC)
	header := "\n  address         ref clock       st   when   poll reach  delay  offset   disp\n"
	footer := " * sys.peer, # selected, + candidate, - outlyer, x falseticker, ~ configured"
	tests := []struct {
		name   string
		setup  func(l *Lab, d *Device)
		assoc  string
		status []string // lines that must appear
	}{
		{"not enabled", func(l *Lab, d *Device) {}, NTPNotEnabled, []string{NTPNotEnabled}},
		{"unreachable", func(l *Lab, d *Device) { d.SetNTPServer("1.1.1.1", false); l.Advance(10*time.Second, nil) },
			header + " ~1.1.1.1         .INIT.          16      -     64     0  0.000   0.000 15937.\n" + footer,
			[]string{"Clock is unsynchronized, stratum 16, no reference clock",
				"ntp uptime is 1000 (1/100 of seconds), resolution is 4000",
				"reference time is 00000000.00000000 (00:00:00.000 UTC Mon Jan 1 1900)",
				"system poll interval is 64, never updated."}},
		{"polling, not yet synchronised", func(l *Lab, d *Device) { d.SetNTPServer("10.1.1.1", true); l.Advance(70*time.Second, nil) },
			header + " ~10.1.1.1        127.127.1.1      1      6     64     3  1.000   0.000 64.221\n" + footer,
			[]string{"Clock is unsynchronized, stratum 16, no reference clock"}},
		{"synchronised, with a candidate and a dead server", func(l *Lab, d *Device) {
			cet(d)
			d.SetNTPServer("10.1.1.1", true)
			d.SetNTPServer("10.1.1.2", true)
			d.SetNTPServer("192.0.2.1", false)
			l.Advance(NTPSyncDelay+11*time.Second, nil)
		},
			header +
				"*~10.1.1.1        127.127.1.1      1     11     64    17  1.000   0.000  1.204\n" +
				"+~10.1.1.2        127.127.1.1      1     11     64    17  1.000   0.000  1.204\n" +
				" ~192.0.2.1       .INIT.          16      -     64     0  0.000   0.000 15937.\n" + footer,
			[]string{"Clock is synchronized, stratum 2, reference is 10.1.1.1",
				"reference time is D9C22ED8.00000000 (13:17:28.000 CET Fri Oct 9 2015)",
				"system poll interval is 64, last update was 11 sec ago."}},
		{"peer removed: fail over", func(l *Lab, d *Device) {
			d.SetNTPServer("10.1.1.1", true)
			d.SetNTPServer("10.1.1.2", true)
			l.Advance(NTPSyncDelay, nil)
			d.RemoveNTPServer("10.1.1.1")
		},
			header + "*~10.1.1.2        127.127.1.1      1      0     64    17  1.000   0.000  1.204\n" + footer,
			[]string{"Clock is synchronized, stratum 2, reference is 10.1.1.2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := NewFake(start)
			d := l.Device("spoke-1", false)
			tc.setup(l, d)
			if got := FormatShowNTPAssociations(d); got != tc.assoc {
				t.Errorf("associations:\n%s\nwant:\n%s", got, tc.assoc)
			}
			st := FormatShowNTPStatus(d)
			for _, line := range tc.status {
				if !strings.Contains(st, line) {
					t.Errorf("status lacks %q:\n%s", line, st)
				}
			}
		})
	}
}

func TestNTPSyncTimerIsNamedAndCancelled(t *testing.T) {
	l := NewFake(t0)
	d := l.Device("spoke-2", false)
	d.SetNTPServer("10.1.1.1", true)
	ts := l.Timers("spoke-2")
	if len(ts) != 1 || ts[0].Name != NTPSyncTimer || !ts[0].Due.Equal(t0.Add(NTPSyncDelay)) {
		t.Fatalf("timers %+v", ts)
	}
	d.RemoveNTPServer("10.1.1.1")
	if ts := l.Timers("spoke-2"); len(ts) != 0 {
		t.Fatalf("sync timer left after removing the server: %+v", ts)
	}
	l.Advance(time.Hour, nil)
	if d.Synced() || d.Authoritative() {
		t.Fatal("synchronised without a server")
	}
	if got := d.NTPServers(); len(got) != 0 {
		t.Fatalf("servers %v", got)
	}
}

// A device the lab starts synchronised (SyncNow) still shows reach as
// the shift register it is, one bit per 64 s poll from its start, as a real
// router does after boot: 1, 3, 7, 17, 37, 77, 177, 377. (SyncNow once
// moved the polls back by NTPSyncDelay: reach 17 at start, 377 at 5 min.)
func TestNTPReachGrowsOneBitPerPollAfterSyncNow(t *testing.T) {
	l := NewFake(t0)
	d := l.Device("spoke-3", false)
	d.SetNTPServer("10.1.1.1", true)
	if !d.SyncNow() {
		t.Fatal("SyncNow did not synchronise")
	}
	reach := func() string {
		lines := strings.Split(FormatShowNTPAssociations(d), "\n")
		f := strings.Fields(lines[2])
		return f[5]
	}
	for i, want := range []string{"1", "3", "7", "17", "37", "77", "177", "377", "377"} {
		if i > 0 {
			l.Advance(NTPPoll, nil)
		}
		if got := reach(); got != want {
			t.Errorf("after %d polls: reach %s, want %s", i, got, want)
		}
	}
	if !d.Synced() {
		t.Error("lost sync")
	}
	if !strings.HasPrefix(strings.Split(FormatShowNTPAssociations(d), "\n")[2], "*~10.1.1.1") {
		t.Error("not the sys.peer")
	}
}
