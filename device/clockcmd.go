package device

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/clock"
	"github.com/iosemu/iosemu/parser"
)

const months = "January|February|March|April|May|June|July|August|September|October|November|December"

var monthHelp = strings.Repeat("Month of the year\n", 12)

// registerClock declares the clock, calendar and NTP commands.
func (d *Router) registerClock(r *cli.Registry) {
	hasCal := d.profile.HasCalendar
	r.Install(parser.Exec,
		cmd{Syntax: "clock set WORD$time (1-31)$day <" + months + ">$month (1993-2035)$year",
			Help:    "Manage the system clock\nSet the time and date\nCurrent Time (hh:mm:ss)\nDay of the month\n" + monthHelp + "Year",
			Priv:    15,
			Handler: d.clockSet},
		cmd{Syntax: "clock set WORD$time <" + months + ">$month (1-31)$day (1993-2035)$year",
			Help:    "Manage the system clock\nSet the time and date\nCurrent Time (hh:mm:ss)\n" + monthHelp + "Day of the month\nYear",
			Priv:    15,
			Handler: d.clockSet},
		cmd{Syntax: "show clock [detail]", Help: cli.HelpShow + "\nDisplay the system clock\nDisplay detailed information",
			Handler: func(s *cli.Session, a parser.Args) {
				if a.Has("detail") {
					s.Println(clock.FormatShowClockDetail(d.clk))
				} else {
					s.Println(clock.FormatShowClock(d.clk))
				}
			}},
		cmd{Syntax: "show ntp status", Help: cli.HelpShow + "\nNetwork time protocol\nNTP status",
			Handler: func(s *cli.Session, _ parser.Args) { s.Println(clock.FormatShowNTPStatus(d.clk)) }},
		cmd{Syntax: "show ntp associations", Help: cli.HelpShow + "\nNetwork time protocol\nNTP associations",
			Handler: func(s *cli.Session, _ parser.Args) { s.Println(clock.FormatShowNTPAssociations(d.clk)) }},
	)
	if hasCal {
		r.Install(parser.Exec,
			cmd{Syntax: "show calendar", Help: cli.HelpShow + "\nDisplay the hardware calendar",
				Handler: func(s *cli.Session, _ parser.Args) { s.Println(clock.FormatShowCalendar(d.clk)) }},
			cmd{Syntax: "calendar set WORD$time (1-31)$day <" + months + ">$month (1993-2035)$year",
				Help: "Manage the hardware calendar\nSet the time and date\nCurrent Time (hh:mm:ss)\nDay of the month\n" + monthHelp + "Year",
				Priv: 15, Handler: d.calendarSet},
			cmd{Syntax: "calendar set WORD$time <" + months + ">$month (1-31)$day (1993-2035)$year",
				Help: "Manage the hardware calendar\nSet the time and date\nCurrent Time (hh:mm:ss)\n" + monthHelp + "Day of the month\nYear",
				Priv: 15, Handler: d.calendarSet},
			cmd{Syntax: "clock update-calendar", Help: "Manage the system clock\nUpdate the hardware calendar from the clock", Priv: 15,
				Handler: func(*cli.Session, parser.Args) { d.clk.UpdateCalendar() }},
			cmd{Syntax: "clock read-calendar", Help: "Manage the system clock\nRead the hardware calendar into the clock", Priv: 15,
				Handler: func(*cli.Session, parser.Args) { d.clk.ReadCalendar() }},
		)
		r.Install(parser.Config,
			cmd{Syntax: "clock calendar-valid", Help: "Configure time-of-day clock\nCalendar time is authoritative", No: "=",
				Handler: func(s *cli.Session, a parser.Args) {
					on := !a.Negated() && !a.Default()
					d.cfg.calendarOK = on
					d.clk.SetCalendarValid(on)
					d.markChanged(s.User())
				}},
		)
	}
	r.Install(parser.Config,
		cmd{Syntax: "clock timezone WORD$zone WORD$hours [(0-59)$mins]",
			Help: "Configure time-of-day clock\nConfigure time zone\nname of time zone\nHours offset from UTC (-23 - 23)\nMinutes offset from UTC",
			No:   "clock timezone [LINE]", NoHelp: "Configure time-of-day clock\nConfigure time zone\nLINE",
			Handler: d.clockTimezone},
		cmd{Syntax: "clock summer-time WORD$zone <recurring|date>$kind [LINE$rule]",
			Help: "Configure time-of-day clock\nConfigure summer (daylight savings) time\nname of time zone in summer\nConfigure recurring summer time\nConfigure absolute summer time\nWeek number, start/end day, month, time, offset",
			No:   "clock summer-time [LINE]", NoHelp: "Configure time-of-day clock\nConfigure summer (daylight savings) time\nLINE",
			Handler: d.clockSummer},
		cmd{Syntax: "ntp server A.B.C.D$addr [prefer]", Help: "Configure NTP\nConfigure NTP server\nIP address of peer\nPrefer this peer when possible",
			No: "ntp server A.B.C.D$addr", NoHelp: "Configure NTP\nConfigure NTP server\nIP address of peer",
			Handler: d.ntpServer},
	)
}

// parseClockTime reads "hh:mm:ss".
func parseClockTime(s string) (time.Duration, bool) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	lim := []int{23, 59, 59}
	var v [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > lim[i] {
			return 0, false
		}
		v[i] = n
	}
	return time.Duration(v[0])*time.Hour + time.Duration(v[1])*time.Minute + time.Duration(v[2])*time.Second, true
}

// dateArgs builds the instant a `clock set`/`calendar set` names, in the
// device's zone.
func (d *Router) dateArgs(s *cli.Session, a parser.Args) (time.Time, bool) {
	tod, ok := parseClockTime(a.String("time"))
	if !ok {
		s.Error("%% Invalid input detected: time must be hh:mm:ss")
		return time.Time{}, false
	}
	m := time.Month(0)
	for i, name := range strings.Split(months, "|") {
		if name == a.Keyword("month") {
			m = time.Month(i + 1)
		}
	}
	day := a.Int("day")
	t := time.Date(a.Int("year"), m, day, 0, 0, 0, 0, d.clk.Location()).Add(tod)
	if t.Day() != day {
		s.Error("%% Invalid date.")
		return time.Time{}, false
	}
	return t, true
}

func (d *Router) clockSet(s *cli.Session, a parser.Args) {
	t, ok := d.dateArgs(s, a)
	if !ok {
		return
	}
	before := d.formatConfigTime(d.clk.Now())
	d.clk.Set(t)
	for _, f := range d.onChange {
		f() // the clock is now authoritative: features see it
	}
	d.Log(fmt.Sprintf("%%SYS-6-CLOCKUPDATE: System clock has been updated from %s to %s, configured from console by %s on %s (%s).",
		before, d.formatConfigTime(d.clk.Now()), s.User(), s.Line(), s.Remote()))
}

func (d *Router) calendarSet(s *cli.Session, a parser.Args) {
	if t, ok := d.dateArgs(s, a); ok {
		d.clk.SetCalendar(t)
	}
}

func (d *Router) clockTimezone(s *cli.Session, a parser.Args) {
	if a.Negated() || a.Default() {
		d.cfg.tz = nil
		d.clk.ClearTimezone()
		d.markChanged(s.User())
		return
	}
	h, err := strconv.Atoi(a.String("hours"))
	if err != nil || h < -23 || h > 23 {
		s.Error("%% Invalid hours offset %q (-23 - 23)", a.String("hours"))
		return
	}
	m := a.Int("mins")
	d.cfg.tz = &tzCfg{name: a.String("zone"), hours: h, mins: m}
	d.clk.SetTimezone(a.String("zone"), h, m)
	d.markChanged(s.User())
}

func (d *Router) clockSummer(s *cli.Session, a parser.Args) {
	if a.Negated() || a.Default() {
		d.cfg.summer = nil
		d.clk.ClearSummerTime()
		d.markChanged(s.User())
		return
	}
	kind := a.Keyword("kind")
	text := strings.Join(strings.Fields(a.String("rule")), " ")
	rule, err := parseSummerRule(kind, text)
	if err != nil {
		s.Error("%% %v", err)
		return
	}
	d.cfg.summer = &summerCfg{name: a.String("zone"), rule: strings.TrimSpace(kind + " " + text)}
	d.clk.SetSummerTime(a.String("zone"), rule)
	d.markChanged(s.User())
}

// parseSummerRule reads the arguments of `clock summer-time NAME recurring
// [week day month hh:mm week day month hh:mm [offset]]` and of the date form
// `date day month year hh:mm day month year hh:mm [offset]` (or with the
// month first).
func parseSummerRule(kind, text string) (clock.SummerRule, error) {
	f := strings.Fields(text)
	if kind == "recurring" {
		if len(f) == 0 {
			return clock.USSummerRule(), nil
		}
		if len(f) != 8 && len(f) != 9 {
			return clock.SummerRule{}, fmt.Errorf("incomplete summer-time rule")
		}
		var pts [2]clock.SummerPoint
		for i := range pts {
			p, err := recurringPoint(f[i*4 : i*4+4])
			if err != nil {
				return clock.SummerRule{}, err
			}
			pts[i] = p
		}
		r := clock.SummerRule{Start: pts[0], End: pts[1]}
		if len(f) == 9 {
			n, err := strconv.Atoi(f[8])
			if err != nil || n < 1 || n > 1440 {
				return clock.SummerRule{}, fmt.Errorf("invalid offset %q", f[8])
			}
			r.Offset = time.Duration(n) * time.Minute
		}
		return r, nil
	}
	if len(f) != 8 && len(f) != 9 {
		return clock.SummerRule{}, fmt.Errorf("incomplete summer-time rule")
	}
	var pts [2]clock.SummerPoint
	for i := range pts {
		p, err := datePoint(f[i*4 : i*4+4])
		if err != nil {
			return clock.SummerRule{}, err
		}
		pts[i] = p
	}
	r := clock.SummerRule{Start: pts[0], End: pts[1]}
	if len(f) == 9 {
		n, err := strconv.Atoi(f[8])
		if err != nil || n < 1 || n > 1440 {
			return clock.SummerRule{}, fmt.Errorf("invalid offset %q", f[8])
		}
		r.Offset = time.Duration(n) * time.Minute
	}
	return r, nil
}

func lookupMonth(s string) (time.Month, bool) {
	for i, name := range strings.Split(months, "|") {
		if len(s) >= 3 && strings.HasPrefix(strings.ToLower(name), strings.ToLower(s)) {
			return time.Month(i + 1), true
		}
	}
	return 0, false
}

func lookupWeekday(s string) (time.Weekday, bool) {
	for i, name := range []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"} {
		if len(s) >= 3 && strings.HasPrefix(strings.ToLower(name), strings.ToLower(s)) {
			return time.Weekday(i), true
		}
	}
	return 0, false
}

func recurringPoint(f []string) (clock.SummerPoint, error) {
	var p clock.SummerPoint
	switch strings.ToLower(f[0]) {
	case "first":
		p.Week = 1
	case "last":
		p.Week = clock.LastWeek
	default:
		n, err := strconv.Atoi(f[0])
		if err != nil || n < 1 || n > 4 {
			return p, fmt.Errorf("invalid week %q", f[0])
		}
		p.Week = n
	}
	wd, ok := lookupWeekday(f[1])
	if !ok {
		return p, fmt.Errorf("invalid day %q", f[1])
	}
	m, ok := lookupMonth(f[2])
	if !ok {
		return p, fmt.Errorf("invalid month %q", f[2])
	}
	at, ok := parseClockTime(f[3])
	if !ok {
		return p, fmt.Errorf("invalid time %q", f[3])
	}
	p.Weekday, p.Month, p.At = wd, m, at
	return p, nil
}

func datePoint(f []string) (clock.SummerPoint, error) {
	var p clock.SummerPoint
	dayStr, monStr := f[0], f[1]
	if _, err := strconv.Atoi(f[0]); err != nil {
		dayStr, monStr = f[1], f[0]
	}
	day, err := strconv.Atoi(dayStr)
	if err != nil || day < 1 || day > 31 {
		return p, fmt.Errorf("invalid day %q", dayStr)
	}
	m, ok := lookupMonth(monStr)
	if !ok {
		return p, fmt.Errorf("invalid month %q", monStr)
	}
	year, err := strconv.Atoi(f[2])
	if err != nil || year < 1993 || year > 2035 {
		return p, fmt.Errorf("invalid year %q", f[2])
	}
	at, ok := parseClockTime(f[3])
	if !ok {
		return p, fmt.Errorf("invalid time %q", f[3])
	}
	p.Year, p.Month, p.Day, p.At = year, m, day, at
	return p, nil
}

func (d *Router) ntpServer(s *cli.Session, a parser.Args) {
	addr := a.String("addr")
	d.ntpSettle() // the polls so far count before the association changes
	if a.Negated() || a.Default() {
		out := d.cfg.ntpServers[:0]
		for _, x := range d.cfg.ntpServers {
			if x != addr {
				out = append(out, x)
			}
		}
		d.cfg.ntpServers = out
		d.clk.RemoveNTPServer(addr)
		d.markChanged(s.User())
		return
	}
	for _, x := range d.cfg.ntpServers {
		if x == addr {
			return
		}
	}
	d.cfg.ntpServers = append(d.cfg.ntpServers, addr)
	d.clk.SetNTPServer(addr, d.ntpReaches(addr))
	d.markChanged(s.User())
}

// ntpReaches tells whether an NTP server answers this router: the lab must
// run NTP at addr, and the router must be on the lab network, which is where
// the lab's services sit (they are reached from any up interface with an
// address, as the lab FTP service is; see DESIGN "Addresses between
// devices"). A router whose interfaces are all down or unaddressed reaches
// no server, and its clock loses NTP sync.
func (d *Router) ntpReaches(addr string) bool {
	if d.ntpReachable == nil || !d.ntpReachable(addr) {
		return false
	}
	for _, i := range d.cfg.interfaces {
		if i.addr.IsValid() && !i.shutdown {
			return true
		}
	}
	return false
}

// refreshNTP re-evaluates each NTP server's reachability after a change
// of interfaces (with the lock held).
func (d *Router) refreshNTP() {
	if len(d.cfg.ntpServers) > 0 {
		d.ntpSettle() // before an association restarts its polls
	}
	for _, addr := range d.cfg.ntpServers {
		d.clk.SetNTPServer(addr, d.ntpReaches(addr))
	}
}
