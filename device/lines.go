package device

import (
	"strconv"
	"strings"
	"time"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/clock"
	"github.com/iosemu/iosemu/parser"
)

// registerLines declares `line con|aux|vty` and its sub-mode.
func (d *Router) registerLines(r *cli.Registry) {
	lm := cli.NewMode(r, "config-line", "(config-line)#", parser.Config)
	kinds, kindHelp := "console|aux", "Primary terminal line\nAuxiliary line"
	if d.profile.NoAux {
		kinds, kindHelp = "console", "Primary terminal line"
	}
	line := func(s *cli.Session, kind string, a parser.Args) {
		first := a.Int("first")
		last := first
		if a.Has("last") {
			last = a.Int("last")
		}
		if last < first || (kind != "vty" && (first != 0 || last != 0)) {
			s.Error("%% Invalid line number")
			return
		}
		for _, l := range d.cfg.lines {
			if l.kind == kind && l.first == first && l.last == last {
				s.Enter(lm, l)
				return
			}
		}
		l := &lineCfg{kind: kind, first: first, last: last}
		d.cfg.lines = append(d.cfg.lines, l)
		s.Enter(lm, l)
	}
	r.Install(parser.Config,
		cmd{Syntax: "line <" + kinds + ">$kind (0-15)$first [(0-15)$last]",
			Help: "Configure a terminal line\n" + kindHelp + "\nFirst Line number\nLast Line number",
			Handler: func(s *cli.Session, a parser.Args) {
				line(s, map[string]string{"console": "con", "aux": "aux"}[a.Keyword("kind")], a)
			}},
		// Each vty line is a session (Router.Attach): the configuration
		// decides how many a router takes, up to IOS's highest vty number.
		cmd{Syntax: "line vty (0-1869)$first [(0-1869)$last]",
			Help:    "Configure a terminal line\nVirtual terminal\nFirst Line number\nLast Line number",
			Handler: func(s *cli.Session, a parser.Args) { line(s, "vty", a) }},
	)
	r.Install(lm,
		cmd{Syntax: "login [local]", Help: "Enable password checking\nLocal password checking", No: "login",
			NoHelp: "Enable password checking",
			Handler: func(s *cli.Session, a parser.Args) {
				s.Context().(*lineCfg).loginLocal = !a.Negated() && a.Has("local")
				d.markChanged(s.User())
			}},
		cmd{Syntax: "transport input <all|none|ssh|telnet>$p1 [<ssh|telnet>$p2]",
			Help: "Define transport protocols for line\nDefine which protocols to use when connecting to the terminal server\nAll protocols\nNo protocols\nTCP/IP SSH protocol\nTCP/IP Telnet protocol\nTCP/IP SSH protocol\nTCP/IP Telnet protocol",
			No:   "transport input", NoHelp: "Define transport protocols for line\nDefine which protocols to use when connecting to the terminal server",
			Handler: func(s *cli.Session, a parser.Args) {
				l := s.Context().(*lineCfg)
				l.transport = nil
				if !a.Negated() && !a.Default() {
					l.transport = append(l.transport, a.Keyword("p1"))
					if p := a.Keyword("p2"); p != "" && p != l.transport[0] {
						l.transport = append(l.transport, p)
					}
				}
				d.markChanged(s.User())
			}},
		cmd{Syntax: "exec-timeout (0-35791)$min [(0-2147483)$sec]", Help: "Set the EXEC timeout\nTimeout in minutes\nTimeout in seconds",
			No: "exec-timeout", NoHelp: "Set the EXEC timeout",
			Handler: func(s *cli.Session, a parser.Args) {
				l := s.Context().(*lineCfg)
				l.execTimeoutOn = !a.Negated() && !a.Default()
				l.execTimeout = [2]int{a.Int("min"), a.Int("sec")}
				if l.execTimeout == [2]int{10, 0} {
					l.execTimeoutOn = false
				}
				d.markChanged(s.User())
			}},
	)
}

// Transports reports which protocols `line vty` admits (IOS 15 default: all).
func (d *Router) Transports() (ssh, telnet bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, l := range d.cfg.lines {
		if l.kind != "vty" || l.first != 0 {
			continue
		}
		if len(l.transport) == 0 {
			return true, true
		}
		for _, t := range l.transport {
			switch t {
			case "all":
				return true, true
			case "ssh":
				ssh = true
			case "telnet":
				telnet = true
			}
		}
	}
	return ssh, telnet
}

// defaultExecTimeout is IOS's exec-timeout when a line sets none.
const defaultExecTimeout = 10 * time.Minute

// ExecTimeout implements cli.Idler: the exec-timeout of a line ("vty2",
// "con0"); 0 when `exec-timeout 0 0` turns it off.
func (d *Router) ExecTimeout(line string) time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, l := range d.cfg.lines {
		n, err := strconv.Atoi(strings.TrimPrefix(line, l.kind))
		if err != nil || !strings.HasPrefix(line, l.kind) || n < l.first || n > l.last {
			continue
		}
		if !l.execTimeoutOn {
			return defaultExecTimeout
		}
		return time.Duration(l.execTimeout[0])*time.Minute + time.Duration(l.execTimeout[1])*time.Second
	}
	return defaultExecTimeout
}

// IdleTimer implements cli.Idler with the lab clock.
func (d *Router) IdleTimer(limit time.Duration, f func()) *clock.IdleTimer {
	return d.lab.IdleTimer(limit, f)
}
