package clock

import (
	"fmt"
	"strings"
	"time"
)

// NTPNotEnabled is what IOS answers to show ntp commands without NTP configured.
const NTPNotEnabled = "%NTP is not enabled."

// ntpEpochOffset is the number of seconds from 1900-01-01 to 1970-01-01.
const ntpEpochOffset = 2208988800

// ntpTimestamp formats t as an NTP timestamp "E68F02BB.D3B647E8".
func ntpTimestamp(t time.Time) string {
	sec := uint32(t.Unix() + ntpEpochOffset)
	frac := uint32((uint64(t.Nanosecond()) << 32) / 1e9)
	return fmt.Sprintf("%08X.%08X", sec, frac)
}

// association is one server's computed state at a lab instant.
type association struct {
	mode    string // "*~", "+~", " ~"
	addr    string
	refID   string
	stratum int
	when    string
	reach   int
	delay   float64
	disp    float64
}

// polls returns how many polls of s have happened by lab instant n.
func (s *ntpServer) polls(n int64) int64 {
	if !s.reachable || n < s.polled {
		return 0
	}
	return (n-s.polled)/int64(NTPPoll) + 1
}

func (d *Device) associationsLocked(n int64) []association {
	out := make([]association, 0, len(d.ntp))
	for _, s := range d.ntp {
		a := association{mode: " ~", addr: s.addr, refID: ".INIT.", stratum: 16, when: "-", disp: 15937}
		if p := s.polls(n); p > 0 {
			a.refID, a.stratum = LabNTPRefID, LabNTPStratum
			a.when = fmt.Sprint((n - s.polled) % int64(NTPPoll) / int64(time.Second))
			if p > 8 {
				p = 8
			}
			a.reach = 1<<p - 1
			a.delay = 1
			a.disp = []float64{189.44, 64.221, 3.945, 1.204}[min(p, 4)-1]
			switch {
			case d.synced && d.peer == s.addr:
				a.mode = "*~"
			case d.synced && n-s.since >= int64(NTPSyncDelay):
				a.mode = "+~"
			}
		}
		out = append(out, a)
	}
	return out
}

// formatDisp prints a dispersion with five significant digits as IOS does
// ("1.204", "189.44", "7938.0", "15937.").
func formatDisp(v float64) string {
	switch {
	case v >= 10000:
		return fmt.Sprintf("%.0f.", v)
	case v >= 1000:
		return fmt.Sprintf("%.1f", v)
	case v >= 100:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.3f", v)
}

// FormatShowNTPAssociations renders `show ntp associations` from the device's
// NTP state (IOS 15 layout).
func FormatShowNTPAssociations(d *Device) string {
	n := d.labNs()
	d.mu.Lock()
	as := d.associationsLocked(n)
	enabled := len(d.ntp) > 0
	d.mu.Unlock()
	if !enabled {
		return NTPNotEnabled
	}
	var b strings.Builder
	b.WriteString("\n  address         ref clock       st   when   poll reach  delay  offset   disp\n")
	for _, a := range as {
		fmt.Fprintf(&b, "%s%-16s%-15s%3d%7s%7d%6o%7.3f%8.3f%7s\n",
			a.mode, a.addr, a.refID, a.stratum, a.when, int64(NTPPoll/time.Second), a.reach,
			a.delay, 0.0, formatDisp(a.disp))
	}
	b.WriteString(" * sys.peer, # selected, + candidate, - outlyer, x falseticker, ~ configured")
	return b.String()
}

// FormatShowNTPStatus renders `show ntp status` from the device's NTP state
// (IOS 15 layout); reference time is shown in the device's zone.
func FormatShowNTPStatus(d *Device) string {
	n := d.labNs()
	d.mu.Lock()
	enabled := len(d.ntp) > 0
	synced, peer, since, last := d.synced, d.peer, d.ntpSince, d.lastUpdate
	var lastPoll int64
	for _, s := range d.ntp {
		if s.addr == peer && s.polls(n) > 0 {
			lastPoll = s.polled + (s.polls(n)-1)*int64(NTPPoll)
		}
	}
	loc := d.loc
	offset := d.offset
	d.mu.Unlock()
	if !enabled {
		return NTPNotEnabled
	}
	if synced && lastPoll > last {
		last = lastPoll
	}
	var b strings.Builder
	if synced {
		fmt.Fprintf(&b, "Clock is synchronized, stratum %d, reference is %s\n", LabNTPStratum+1, peer)
	} else {
		b.WriteString("Clock is unsynchronized, stratum 16, no reference clock\n")
	}
	b.WriteString("nominal freq is 250.0000 Hz, actual freq is 250.0000 Hz, precision is 2**10\n")
	fmt.Fprintf(&b, "ntp uptime is %d (1/100 of seconds), resolution is 4000\n", (n-since)/int64(10*time.Millisecond))
	if last == 0 {
		b.WriteString("reference time is 00000000.00000000 (00:00:00.000 UTC Mon Jan 1 1900)\n")
	} else {
		rt := fromNs(last + int64(offset))
		fmt.Fprintf(&b, "reference time is %s (%s)\n", ntpTimestamp(rt), rt.In(loc).Format(showClockLayout))
	}
	if synced {
		b.WriteString("clock offset is 0.0000 msec, root delay is 1.00 msec\n")
		b.WriteString("root dispersion is 2.22 msec, peer dispersion is 1.20 msec\n")
		b.WriteString("loopfilter state is 'CTRL' (Normal Controlled Loop), drift is 0.000000000 s/s\n")
	} else {
		b.WriteString("clock offset is 0.0000 msec, root delay is 0.00 msec\n")
		b.WriteString("root dispersion is 0.00 msec, peer dispersion is 0.00 msec\n")
		b.WriteString("loopfilter state is 'FSET' (Drift set from file), drift is 0.000000000 s/s\n")
	}
	if last == 0 {
		fmt.Fprintf(&b, "system poll interval is %d, never updated.", int64(NTPPoll/time.Second))
	} else {
		fmt.Fprintf(&b, "system poll interval is %d, last update was %d sec ago.",
			int64(NTPPoll/time.Second), (n-last)/int64(time.Second))
	}
	return b.String()
}

// NTPPolls reports how the association with addr has polled by now: the
// lab time of its first poll and how many polls it has made (0 when the
// server is unreachable or not configured). The device's interface
// counters count them.
func (d *Device) NTPPolls(addr string) (first time.Time, n int64) {
	now := d.labNs()
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, s := range d.ntp {
		if s.addr == addr {
			if p := s.polls(now); p > 0 {
				return fromNs(s.polled), p
			}
		}
	}
	return time.Time{}, 0
}
