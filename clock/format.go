package clock

import (
	"fmt"
	"strings"
	"time"
)

// The formatters return IOS text without a trailing newline; multi-line
// texts separate their lines with "\n".

const (
	showClockLayout = "15:04:05.000 MST Mon Jan 2 2006"
	calendarLayout  = "15:04:05 MST Mon Jan 2 2006"
)

// snapshot is a consistent view of a device clock for formatting.
type snapshot struct {
	now    time.Time // device time, in the device's zone
	prefix string
	source string
	zone   zone
	loc    *time.Location
}

func (d *Device) snapshot() snapshot {
	n := d.labNs()
	d.mu.Lock()
	defer d.mu.Unlock()
	return snapshot{
		now:    fromNs(n + int64(d.offset)).In(d.loc),
		prefix: d.prefixLocked(),
		source: d.source,
		zone:   d.zone,
		loc:    d.loc,
	}
}

func sourcePhrase(src string) string {
	if src == SourceNone {
		return "No time source"
	}
	return "Time source is " + src
}

// FormatShowClock renders `show clock`: "*13:14:16.123 CET Fri Oct 9 2015",
// prefixed `*` when not authoritative, `.` when authoritative but NTP is
// not synchronised, nothing when synchronised or otherwise authoritative.
func FormatShowClock(d *Device) string {
	s := d.snapshot()
	return s.prefix + s.now.Format(showClockLayout)
}

// FormatShowClockDetail renders `show clock detail`: the show clock line, the
// time source line and, when summer time is configured, when it starts and
// ends in the current year.
func FormatShowClockDetail(d *Device) string {
	s := d.snapshot()
	var b strings.Builder
	b.WriteString(s.prefix + s.now.Format(showClockLayout) + "\n" + sourcePhrase(s.source))
	if s.zone.summer != nil {
		start, end := s.zone.summerBounds(s.now.Year())
		stdLoc := time.FixedZone(s.zone.stdName(), int(s.zone.offset/time.Second))
		dstLoc := time.FixedZone(s.zone.summer.name, int((s.zone.offset+s.zone.summer.rule.offset())/time.Second))
		fmt.Fprintf(&b, "\nSummer time starts %s\nSummer time ends %s",
			start.In(stdLoc).Format(calendarLayout), end.In(dstLoc).Format(calendarLayout))
	}
	return b.String()
}

// FormatShowCalendar renders `show calendar`: "13:14:16 CET Fri Oct 9 2015".
func FormatShowCalendar(d *Device) string {
	return d.Calendar().In(d.Location()).Format(calendarLayout)
}

// FormatExecTimestamp renders the two header lines `terminal exec prompt
// timestamp` prints before each command's output (IOS follows them with an
// empty line): the load line and "Time source is NTP, 13:19:58.946 CET Fri
// Oct 9 2015" (or "No time source, *…").
func FormatExecTimestamp(d *Device) string {
	s := d.snapshot()
	return "Load for five secs: 0%/0%; one minute: 0%; five minutes: 0%\n" +
		sourcePhrase(s.source) + ", " + s.prefix + s.now.Format(showClockLayout)
}

// TimestampOpts is a `service timestamps log|debug …` setting.
type TimestampOpts struct {
	// Uptime selects `uptime` stamps (time since Boot); the other fields are
	// the options of `datetime`.
	Uptime bool
	// Boot is the lab instant the device booted, for Uptime.
	Boot time.Time

	Msec         bool // msec
	Localtime    bool // localtime: the device's zone instead of UTC
	ShowTimezone bool // show-timezone
	Year         bool // year
}

// FormatSyslog renders the timestamp that precedes a syslog message,
// including its trailing colon: "*Apr  2 18:15:11.756:", "Oct  9 2015
// 13:14:16.123 CET:" (day padded to two with a space), or for uptime stamps
// "00:05:12:", "3d07h:", "1w2d:", "1y2w:". Datetime stamps carry the same
// `*`/`.` prefix as show clock.
func FormatSyslog(d *Device, o TimestampOpts) string {
	if o.Uptime {
		up := d.l.Now().Sub(o.Boot)
		return formatUptimeStamp(up) + ":"
	}
	s := d.snapshot()
	t := s.now.UTC()
	if o.Localtime {
		t = s.now
	}
	layout := "Jan _2"
	if o.Year {
		layout += " 2006"
	}
	layout += " 15:04:05"
	if o.Msec {
		layout += ".000"
	}
	if o.ShowTimezone {
		layout += " MST"
	}
	return s.prefix + t.Format(layout) + ":"
}

// formatUptimeStamp is IOS's compact uptime: hh:mm:ss under a day, then
// NdHHh, NwNd, NyNw.
func formatUptimeStamp(up time.Duration) string {
	if up < 0 {
		up = 0
	}
	const day = 24 * time.Hour
	switch {
	case up < day:
		s := int64(up / time.Second)
		return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
	case up < 7*day:
		return fmt.Sprintf("%dd%02dh", int64(up/day), int64(up%day/time.Hour))
	case up < 365*day:
		return fmt.Sprintf("%dw%dd", int64(up/(7*day)), int64(up%(7*day)/day))
	}
	return fmt.Sprintf("%dy%dw", int64(up/(365*day)), int64(up%(365*day)/(7*day)))
}

// FormatTimer renders the remaining-time column of `show crypto pki timers`,
// including the leading bar: the value is right-aligned in 16 columns
// ("|        7:49.003", "|  3d 7:05:24.003", "|639d23:54:17.977"); a value
// wider than that pushes the column, as IOS does ("|1094d23:34:30.810").
// Negative remaining time prints as 0.000.
func FormatTimer(remaining time.Duration) string {
	if remaining < 0 {
		remaining = 0
	}
	ms := int64(remaining / time.Millisecond)
	days, ms := ms/86400000, ms%86400000
	h, ms := ms/3600000, ms%3600000
	m, ms := ms/60000, ms%60000
	s, ms := ms/1000, ms%1000
	var v string
	switch {
	case days > 0:
		v = fmt.Sprintf("%dd%2d:%02d:%02d.%03d", days, h, m, s, ms)
	case h > 0:
		v = fmt.Sprintf("%d:%02d:%02d.%03d", h, m, s, ms)
	case m > 0:
		v = fmt.Sprintf("%d:%02d.%03d", m, s, ms)
	default:
		v = fmt.Sprintf("%d.%03d", s, ms)
	}
	return fmt.Sprintf("|%16s", v)
}

// FormatUptime renders the duration of `show version`'s "R1 uptime is …":
// "1 hour, 5 minutes", "2 years, 3 weeks, 1 day, 4 hours, 10 minutes". Zero
// units are left out; under a minute it is "0 minutes".
func FormatUptime(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	mins := int64(d / time.Minute)
	units := []struct {
		name string
		n    int64
	}{
		{"year", 365 * 24 * 60},
		{"week", 7 * 24 * 60},
		{"day", 24 * 60},
		{"hour", 60},
		{"minute", 1},
	}
	var parts []string
	for _, u := range units {
		n := mins / u.n
		mins %= u.n
		if n == 0 {
			continue
		}
		p := fmt.Sprintf("%d %s", n, u.name)
		if n != 1 {
			p += "s"
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return "0 minutes"
	}
	return strings.Join(parts, ", ")
}
