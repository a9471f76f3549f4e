package cli

import (
	"fmt"
	"strings"

	"github.com/iosemu/iosemu/parser"
)

// Help lines shared by every feature that declares a command under these
// keywords, so the merged graph has one text for each.
const (
	HelpShow     = "Show running system information"
	HelpNo       = "Negate a command or set its defaults"
	HelpIP       = "Global IP configuration subcommands"
	HelpTerminal = "Set terminal line parameters"
	HelpClear    = "Reset functions"
	HelpCopy     = "Copy from one file to another"
	HelpDebug    = "Debugging functions (see also 'undebug')"
	HelpCrypto   = "Encryption module"
)

// NewMode declares a configuration sub-mode and installs the commands every
// configuration mode has (exit, end, do).
func NewMode(r *Registry, name, prompt string, parent *parser.Mode) *parser.Mode {
	m := parser.NewMode(name, prompt, parent)
	installConfigCommon(r, m, "Exit from "+strings.TrimPrefix(name, "config-")+" configuration mode")
	return m
}

func installConfigCommon(r *Registry, m *parser.Mode, exitHelp string) {
	r.Install(m,
		parser.Command[Handler]{Syntax: "exit", Help: exitHelp, Handler: func(s *Session, _ parser.Args) { s.Exit() }},
		parser.Command[Handler]{Syntax: "end", Help: "Exit from configure mode", Handler: func(s *Session, _ parser.Args) { s.End() }},
		// do is taken apart before matching (see resolve); this entry gives it help.
		parser.Command[Handler]{Syntax: "do LINE", Help: "To run exec commands in config mode\nExec Command", Handler: func(*Session, parser.Args) {}},
	)
}

// Register installs the session's own commands: privilege, modes, terminal
// settings, pipes.
func Register(r *Registry) {
	installPipes(r)
	installConfigCommon(r, parser.Config, "Exit from configure mode")
	r.Install(parser.Exec,
		parser.Command[Handler]{Syntax: "enable [(0-15)$level]", Help: "Turn on privileged commands\nEnable level", Handler: enable},
		parser.Command[Handler]{Syntax: "disable [(0-15)$level]", Help: "Turn off privileged commands\nPrivilege level to go to", Handler: func(s *Session, a parser.Args) {
			lvl := 1
			if a.Has("level") {
				lvl = a.Int("level")
			}
			if lvl < s.priv {
				s.priv = lvl
			}
		}},
		parser.Command[Handler]{Syntax: "configure [terminal]", Help: "Enter configuration mode\nConfigure from the terminal", Priv: 15, Handler: configure},
		parser.Command[Handler]{Syntax: "exit", Help: "Exit from the EXEC", Handler: func(s *Session, _ parser.Args) { s.Close() }},
		parser.Command[Handler]{Syntax: "logout", Help: "Exit from the EXEC", Handler: func(s *Session, _ parser.Args) { s.Close() }},
		parser.Command[Handler]{Syntax: "quit", Help: "Exit from the EXEC", Handler: func(s *Session, _ parser.Args) { s.Close() }},
		parser.Command[Handler]{Syntax: "terminal length (0-512)$n", Help: HelpTerminal + "\nSet number of lines on a screen\nNumber of lines on screen (0 for no pausing)",
			Handler: func(s *Session, a parser.Args) { s.length, s.sizeSet = a.Int("n"), true }},
		parser.Command[Handler]{Syntax: "terminal width (0-512)$n", Help: HelpTerminal + "\nSet width of the display terminal\nNumber of characters on a screen line",
			Handler: func(s *Session, a parser.Args) { s.width, s.sizeSet = a.Int("n"), true }},
		parser.Command[Handler]{Syntax: "terminal monitor", Help: HelpTerminal + "\nCopy debug output to the current terminal line",
			Handler: func(s *Session, _ parser.Args) { s.monitor.Store(true) }},
		parser.Command[Handler]{Syntax: "terminal no monitor", Help: HelpTerminal + "\nNegate a command or set its defaults\nCopy debug output to the current terminal line",
			Handler: func(s *Session, _ parser.Args) { s.monitor.Store(false) }},
		parser.Command[Handler]{Syntax: "terminal exec prompt timestamp", Help: HelpTerminal + "\nConfigure EXEC\nEXEC prompt\nEnable timestamps",
			Handler: func(s *Session, _ parser.Args) { s.timestamp = true }},
		parser.Command[Handler]{Syntax: "terminal no exec prompt timestamp", Help: HelpTerminal + "\nNegate a command or set its defaults\nConfigure EXEC\nEXEC prompt\nEnable timestamps",
			Handler: func(s *Session, _ parser.Args) { s.timestamp = false }},
		parser.Command[Handler]{Syntax: "terminal history size (0-256)$n", Help: HelpTerminal + "\nEnable and control the command history function\nSet history buffer size\nSize of history buffer",
			Handler: func(s *Session, a parser.Args) {
				s.hist.size = a.Int("n")
				if len(s.hist.lines) > s.hist.size {
					s.hist.lines = s.hist.lines[len(s.hist.lines)-s.hist.size:]
				}
			}},
		parser.Command[Handler]{Syntax: "show privilege", Help: HelpShow + "\nShow current privilege level",
			Handler: func(s *Session, _ parser.Args) { s.Printf("Current privilege level is %d\n", s.priv) }},
		parser.Command[Handler]{Syntax: "show history", Help: HelpShow + "\nDisplay the session command history",
			Handler: func(s *Session, _ parser.Args) {
				for _, l := range s.hist.lines {
					s.Printf("  %s\n", l)
				}
			}},
		parser.Command[Handler]{Syntax: "show terminal", Help: HelpShow + "\nDisplay terminal configuration parameters", Handler: showTerminal},
	)
}

func enable(s *Session, a parser.Args) {
	want := 15
	if a.Has("level") {
		want = a.Int("level")
	}
	if want <= s.priv {
		s.priv = want
		return
	}
	if s.headless {
		s.priv = want
		return
	}
	if _, configured := s.checkEnable(""); !configured {
		s.Error("%% No password set")
		return
	}
	for try := 0; try < 3; try++ {
		pw := s.AskSecret("Password: ")
		if ok, _ := s.checkEnable(pw); ok {
			s.priv = want
			return
		}
	}
	s.Error("%% Bad secrets\n")
}

func configure(s *Session, a parser.Args) {
	if !a.Has("terminal") && !s.headless {
		ans := strings.TrimSpace(s.Ask("Configuring from terminal, memory, or network [terminal]? "))
		if ans != "" && !strings.HasPrefix("terminal", strings.ToLower(ans)) {
			s.Error("?Must be \"terminal\", \"memory\" or \"network\"")
			return
		}
	}
	s.Println("Enter configuration commands, one per line.  End with CNTL/Z.")
	s.parent = nil
	s.mode, s.ctx = parser.Config, nil
}

func showTerminal(s *Session, _ parser.Args) {
	s.Printf("Line %s, Location: \"\", Type: \"\"\n", s.line)
	s.Printf("Length: %d lines, Width: %d columns\n", s.length, s.width)
	s.Printf("Baud rate (TX/RX) is 9600/9600\n")
	s.Printf("Status: PSI Enabled, Ready, Active, No Exit Banner, Automore On\n")
	s.Printf("Capabilities: none\n")
	s.Printf("Modem state: Ready\n")
	s.Printf("Group codes:    0\n")
	s.Printf("Special Chars: Escape  Hold  Stop  Start  Disconnect  Activation\n")
	s.Printf("                ^^x    none  -     -       none         \n")
	// The host answers these under its own lock, which the command holds.
	relock := s.Unlocked()
	idle := "00:10:00"
	if h, ok := s.host.(Idler); ok {
		idle = "never"
		if d := h.ExecTimeout(s.line); d > 0 {
			idle = fmt.Sprintf("%02d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
		}
	}
	s.Printf("Timeouts:      Idle EXEC    Idle Session   Modem Answer  Session   Dispatch\n")
	s.Printf("               %-12s    never                        none     not set\n", idle)
	s.Printf("                            Idle Session Disconnect Warning\n                              never \n")
	s.Printf("                            Login-sequence User Response\n                             00:00:30\n")
	s.Printf("                            Autoselect Initial Wait\n                              not set \n")
	s.Printf("Modem type is unknown.\nSession limit is not set.\n")
	s.Printf("Editing is enabled.\n")
	s.Printf("History is enabled, history size is %d.\n", s.hist.size)
	lookup := "disabled"
	if s.host.DomainLookup() {
		lookup = "enabled"
	}
	s.Printf("DNS resolution in show commands is %s\n", lookup)
	s.Printf("Full user help is disabled\n")
	in := "telnet ssh"
	if h, ok := s.host.(interface{ Transports() (ssh, telnet bool) }); ok {
		ssh, telnet := h.Transports()
		switch {
		case ssh && telnet:
		case ssh:
			in = "ssh"
		case telnet:
			in = "telnet"
		default:
			in = "none"
		}
	}
	relock()
	s.Printf("Allowed input transports are %s.\n", in)
	s.Printf("Allowed output transports are telnet ssh.\n")
	s.Printf("Preferred transport is telnet.\n")
	s.Printf("Shell: enabled\nShell trace: off\n")
	s.Printf("No output characters are padded\nNo special data dispatching characters\n")
	mon := "off"
	if s.monitor.Load() {
		mon = "on"
	}
	s.Printf("Terminal monitor is %s\n", mon)
}

// checkEnable asks the host with the device lock released: the host takes
// it itself, and enable runs as a command, under it.
func (s *Session) checkEnable(pw string) (ok, configured bool) {
	relock := s.waitInput()
	defer relock()
	return s.host.CheckEnable(pw)
}
