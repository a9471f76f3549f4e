package device

import (
	"fmt"
	"strings"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/clock"
	"github.com/iosemu/iosemu/parser"
	"github.com/iosemu/iosemu/platforms"
)

type cmd = parser.Command[cli.Handler]

// registerSystem declares the global configuration and the exec commands
// of the router as a whole.
func (d *Router) registerSystem(r *cli.Registry) {
	r.Install(parser.Config,
		cmd{Syntax: "hostname WORD$name", Help: "Set system's network name\nThis system's network name",
			Handler: d.hostnameCmd},
		cmd{Syntax: "enable secret [<0|5>$type] WORD$pw", Help: "Modify enable password parameters\nAssign the privileged level secret (MAX of 25 characters)\nSpecifies an UNENCRYPTED password will follow\nSpecifies a MD5 HASHED secret will follow\nThe UNENCRYPTED (cleartext) 'enable' secret",
			No: "enable secret", NoHelp: "Modify enable password parameters\nAssign the privileged level secret (MAX of 25 characters)",
			Handler: d.enableSecretCmd},
		cmd{Syntax: "username WORD$name [privilege (0-15)$priv] <secret|password>$kind [<0|5|7>$type] WORD$pw",
			Help: "Establish User Name Authentication\nUser name\nSet user privilege level\nUser privilege level\nSpecify the secret for the user\nSpecify the password for the user\nSpecifies an UNENCRYPTED secret will follow\nSpecifies a HIDDEN secret will follow\nSpecifies a HIDDEN password will follow\nThe secret for the user",
			No:   "username WORD$name", NoHelp: "Establish User Name Authentication\nUser name",
			Handler: d.usernameCmd},
		cmd{Syntax: "ip domain name WORD$dname", Help: cli.HelpIP + "\nIP DNS Resolver\nDefine the default domain name\nDefault domain name",
			No: "ip domain name [WORD$dname]", NoHelp: cli.HelpIP + "\nIP DNS Resolver\nDefine the default domain name\nDefault domain name",
			Handler: func(s *cli.Session, a parser.Args) {
				if a.Negated() || a.Default() {
					d.cfg.domainName = ""
				} else {
					d.cfg.domainName = a.String("dname")
				}
				d.markChanged(s.User())
			}},
		cmd{Syntax: "ip domain-name WORD$dname", Help: cli.HelpIP + "\nDefine the default domain name\nDefault domain name", Hidden: true,
			Handler: func(s *cli.Session, a parser.Args) { d.cfg.domainName = a.String("dname"); d.markChanged(s.User()) }},
		cmd{Syntax: "ip domain lookup", Help: cli.HelpIP + "\nIP DNS Resolver\nEnable IP Domain Name System hostname translation",
			No: "=", Handler: d.domainLookupCmd},
		cmd{Syntax: "ip domain-lookup", Help: cli.HelpIP + "\nEnable IP Domain Name System hostname translation",
			No: "=", Hidden: true, Handler: d.domainLookupCmd},
		cmd{Syntax: "ip http server", Help: cli.HelpIP + "\nHTTP server configuration\nEnable HTTP server", No: "=",
			Handler: func(s *cli.Session, a parser.Args) {
				d.cfg.httpServer = !(a.Negated() || a.Default())
				d.markChanged(s.User())
			}},
		cmd{Syntax: "ip http port (1-65535)$num", Help: cli.HelpIP + "\nHTTP server configuration\nHTTP server port\nHTTP server port", No: "ip http port [(1-65535)$num]",
			NoHelp: cli.HelpIP + "\nHTTP server configuration\nHTTP server port\nHTTP server port",
			Handler: func(s *cli.Session, a parser.Args) {
				d.cfg.httpPort = 80
				if !a.Negated() && !a.Default() {
					d.cfg.httpPort = a.Int("num")
				}
				d.markChanged(s.User())
			}},
		cmd{Syntax: "ip cef", Help: cli.HelpIP + "\nCisco Express Forwarding", No: "=", Handler: func(*cli.Session, parser.Args) {}},
		cmd{Syntax: "ipv6 cef", Help: "IPv6 configuration commands\nCisco Express Forwarding for IPv6", No: "=", Handler: func(*cli.Session, parser.Args) {}},
		cmd{Syntax: "logging buffered [(4096-2147483647)$size] [<emergencies|alerts|critical|errors|warnings|notifications|informational|debugging>$level]",
			Help: "Modify message logging facilities\nSet buffered logging parameters\nLogging buffer size\nSystem is unusable                (severity=0)\nImmediate action needed           (severity=1)\nCritical conditions               (severity=2)\nError conditions                  (severity=3)\nWarning conditions                (severity=4)\nNormal but significant conditions (severity=5)\nInformational messages            (severity=6)\nDebugging messages                (severity=7)",
			No:   "logging buffered", NoHelp: "Modify message logging facilities\nSet buffered logging parameters",
			Handler: d.loggingBufferedCmd},
		cmd{Syntax: "logging console [<emergencies|alerts|critical|errors|warnings|notifications|informational|debugging>$level]",
			Help: "Modify message logging facilities\nSet console logging parameters\nSystem is unusable                (severity=0)\nImmediate action needed           (severity=1)\nCritical conditions               (severity=2)\nError conditions                  (severity=3)\nWarning conditions                (severity=4)\nNormal but significant conditions (severity=5)\nInformational messages            (severity=6)\nDebugging messages                (severity=7)",
			No:   "logging console", NoHelp: "Modify message logging facilities\nSet console logging parameters",
			Handler: func(s *cli.Session, a parser.Args) {
				d.cfg.noLogConsole = a.Negated()
				d.cfg.consoleLevel = ""
				if !a.Negated() && !a.Default() {
					d.cfg.consoleLevel = a.Keyword("level")
				}
				d.markChanged(s.User())
			}},
		cmd{Syntax: "service timestamps [<debug|log>$kind] [<datetime|uptime>$fmt] [msec] [localtime] [show-timezone] [year]",
			Help: "Modify use of network based services\nTimestamp debug/log messages\nTimestamp debug messages\nTimestamp log messages\nTimestamp with date and time\nTimestamp with system uptime\nInclude milliseconds in timestamp\nUse local time zone for timestamps\nAdd time zone information to timestamp\nInclude year in timestamp",
			No:   "service timestamps [<debug|log>$kind]", NoHelp: "Modify use of network based services\nTimestamp debug/log messages\nTimestamp debug messages\nTimestamp log messages",
			Handler: d.timestampsCmd},
		cmd{Syntax: "service password-encryption", Help: "Modify use of network based services\nEncrypt system passwords", No: "=",
			Handler: func(s *cli.Session, a parser.Args) { d.cfg.passwordEnc = !a.Negated(); d.markChanged(s.User()) }},
		// Lines that IOS writes into every configuration; accepted on load.
		cmd{Syntax: "version WORD", Help: "Version\nVersion number", Hidden: true, Handler: func(*cli.Session, parser.Args) {}},
		cmd{Syntax: "boot-start-marker", Help: "Boot marker", Hidden: true, Handler: func(*cli.Session, parser.Args) {}},
		cmd{Syntax: "boot-end-marker", Help: "Boot marker", Hidden: true, Handler: func(*cli.Session, parser.Args) {}},
		cmd{Syntax: "aaa new-model", Help: "Authentication, Authorization and Accounting.\nEnable NEW access control commands and functions.(Disables OLD commands.)",
			No: "=", Handler: func(s *cli.Session, a parser.Args) {
				if !a.Negated() {
					s.Error("%% AAA is not supported by this emulator; the local user database is used")
				}
			}},
	)
	r.Install(parser.Exec,
		cmd{Syntax: "show running-config", Help: cli.HelpShow + "\nCurrent operating configuration", Priv: 15,
			Handler: func(s *cli.Session, _ parser.Args) { s.Printf("%s", d.renderRunning()) }},
		cmd{Syntax: "show running-config interface IFNAME$ifname", Help: cli.HelpShow + "\nCurrent operating configuration\nShow interface configuration\nInterface name", Priv: 15,
			Handler: func(s *cli.Session, a parser.Args) {
				i := d.findIface(d.canonicalIf(a.String("ifname")))
				if i == nil {
					s.Error("%% Invalid interface type and number")
					return
				}
				var w strings.Builder
				w.WriteString("!\n")
				d.writeInterface(&w, i)
				w.WriteString("end\n")
				s.Printf("%s\n", buildingConfig(w.String()))
			}},
		cmd{Syntax: "show startup-config", Help: cli.HelpShow + "\nContents of startup configuration", Priv: 15, Handler: d.showStartup},
		cmd{Syntax: "write [memory]", Help: "Write running configuration to memory, network, or terminal\nWrite to NV memory", Priv: 15, Handler: d.writeMemory},
		cmd{Syntax: "write terminal", Help: "Write running configuration to memory, network, or terminal\nWrite to terminal", Priv: 15,
			Handler: func(s *cli.Session, _ parser.Args) { s.Printf("%s", d.renderRunning()) }},
		cmd{Syntax: "write erase", Help: "Write running configuration to memory, network, or terminal\nErase NV memory", Priv: 15, Handler: d.eraseStartup},
		cmd{Syntax: "copy running-config startup-config", Help: cli.HelpCopy + "\nCopy from current system configuration\nCopy to startup configuration", Priv: 15, Handler: d.copyRunStart},
		cmd{Syntax: "copy startup-config running-config", Help: cli.HelpCopy + "\nCopy from startup configuration\nUpdate (merge with) current system configuration", Priv: 15, Handler: d.copyStartRun},
		cmd{Syntax: "erase startup-config", Help: "Erase a filesystem\nErase contents of configuration memory", Priv: 15, Handler: d.eraseStartup},
		cmd{Syntax: "erase nvram:", Help: "Erase a filesystem\nnvram: Filesystem", Priv: 15, Handler: d.eraseStartup},
		cmd{Syntax: "reload", Help: "Halt and perform a cold restart", Priv: 15, Handler: d.reloadCmd},
		cmd{Syntax: "show version", Help: cli.HelpShow + "\nSystem hardware and software status", Handler: d.showVersion},
		cmd{Syntax: "show inventory", Help: cli.HelpShow + "\nShow the physical inventory", Handler: func(s *cli.Session, _ parser.Args) {
			s.Printf("%s", d.profile.ShowInventory(d.ident))
		}},
		cmd{Syntax: "show logging", Help: cli.HelpShow + "\nShow the contents of logging buffers", Priv: 15, Handler: d.showLogging},
		cmd{Syntax: "show users", Help: cli.HelpShow + "\nDisplay information about terminal lines", Handler: d.showUsers},
		cmd{Syntax: "clear logging", Help: cli.HelpClear + "\nClear logging buffer", Priv: 15, Handler: func(s *cli.Session, _ parser.Args) {
			if s.Confirm("Clear logging buffer ") {
				d.lmu.Lock()
				d.logbuf, d.logBytes = nil, 0
				d.lmu.Unlock()
			}
		}},
	)
}

func (d *Router) hostnameCmd(s *cli.Session, a parser.Args) {
	name := a.String("name")
	if !validHostname(name) {
		s.Error("%% Hostname contains one or more illegal characters.")
		return
	}
	d.setHostname(name)
	d.markChanged(s.User())
}

// validHostname applies the RFC 1123 rule IOS enforces: letters, digits and
// hyphens, starting with a letter, at most 63 characters.
func validHostname(h string) bool {
	if h == "" || len(h) > 63 {
		return false
	}
	for i, c := range h {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if i == 0 && !letter {
			return false
		}
		if !letter && !(c >= '0' && c <= '9') && c != '-' {
			return false
		}
	}
	return true
}

func (d *Router) enableSecretCmd(s *cli.Session, a parser.Args) {
	if a.Negated() || a.Default() {
		d.cfg.enable = nil
		d.markChanged(s.User())
		return
	}
	sec, ok := d.parseSecret(a.String("type"), a.String("pw"), false)
	if !ok {
		s.Error("%% Invalid encrypted secret: %s", a.String("pw"))
		return
	}
	d.cfg.enable = &sec
	d.markChanged(s.User())
}

// parseSecret builds a stored secret from a configured type and text.
// password=true keeps clear text (type 0, or 7 with password-encryption).
func (d *Router) parseSecret(typ, text string, password bool) (secret, bool) {
	switch typ {
	case "5":
		if password || !strings.HasPrefix(text, "$1$") {
			return secret{}, false
		}
		return secret{typ: 5, text: text}, true
	case "7":
		if !password {
			return secret{}, false
		}
		if _, ok := decodeType7(text); !ok {
			return secret{}, false
		}
		return secret{typ: 7, text: text}, true
	}
	if password {
		return secret{typ: 0, text: text}, true
	}
	return hashSecret(text, d.rand), true
}

func (d *Router) usernameCmd(s *cli.Session, a parser.Args) {
	name := a.String("name")
	if a.Negated() || a.Default() {
		delete(d.cfg.users, name)
		d.markChanged(s.User())
		return
	}
	kind := a.Keyword("kind")
	sec, ok := d.parseSecret(a.String("type"), a.String("pw"), kind == "password")
	if !ok {
		s.Error("%% Invalid encrypted %s: %s", kind, a.String("pw"))
		return
	}
	if kind == "password" && d.cfg.passwordEnc && sec.typ == 0 {
		sec = secret{typ: 7, text: encodeType7(sec.text)}
	}
	priv := 1
	if a.Has("priv") {
		priv = a.Int("priv")
	}
	d.cfg.users[name] = &user{name: name, priv: priv, kind: kind, sec: sec}
	d.markChanged(s.User())
}

func (d *Router) domainLookupCmd(s *cli.Session, a parser.Args) {
	on := !a.Negated()
	d.cfg.domainLookup = on
	d.domainLookup.Store(on)
	d.markChanged(s.User())
}

func (d *Router) loggingBufferedCmd(s *cli.Session, a parser.Args) {
	if a.Negated() {
		d.cfg.logBuffered = false
	} else {
		d.cfg.logBuffered = true
		d.cfg.logSize = 4096
		if a.Has("size") {
			d.cfg.logSize = a.Int("size")
		}
		d.cfg.logLevel = a.Keyword("level")
	}
	d.markChanged(s.User())
}

func (d *Router) timestampsCmd(s *cli.Session, a parser.Args) {
	kinds := []string{"debug", "log"}
	if k := a.Keyword("kind"); k != "" {
		kinds = []string{k}
	}
	t := tsCfg{on: true}
	if a.Negated() {
		t.on = false
	} else if a.Keyword("fmt") == "uptime" {
		t.uptime = true
	} else if !a.Default() {
		t = tsCfg{on: true, msec: a.Has("msec"), local: a.Has("localtime"), showZone: a.Has("show-timezone"), year: a.Has("year")}
	}
	if a.Default() {
		t = tsCfg{on: true, msec: true}
	}
	for _, k := range kinds {
		if k == "debug" {
			d.cfg.tsDebug = t
		} else {
			d.cfg.tsLog = t
			d.lmu.Lock()
			d.tsOff = !t.on
			d.ts = clock.TimestampOpts{Uptime: t.uptime, Msec: t.msec, Localtime: t.local, ShowTimezone: t.showZone, Year: t.year, Boot: d.bootedLab}
			d.lmu.Unlock()
		}
	}
	d.markChanged(s.User())
}

func (d *Router) showStartup(s *cli.Session, _ parser.Args) {
	nv, _ := d.store.Device("nvram")
	text, err := nv.ReadFile("startup-config")
	if err != nil {
		s.Println("startup-config is not present")
		return
	}
	s.Printf("Using %d out of %d bytes\n", len(text), d.profile.NVRAMSize)
	s.Printf("%s", text)
}

func (d *Router) writeMemory(s *cli.Session, _ parser.Args) { d.save(s) }

// save is write memory as the user sees it: Building configuration… [OK].
func (d *Router) save(s *cli.Session) bool {
	s.Println("Building configuration...")
	if err := d.saveLocked(s.User()); err != nil {
		s.Error("%% Error opening nvram:startup-config (%v)", err)
		return false
	}
	s.Println("[OK]")
	return true
}

func (d *Router) copyRunStart(s *cli.Session, _ parser.Args) {
	ans := strings.TrimSpace(s.Ask("Destination filename [startup-config]? "))
	if ans == "\x03" {
		return
	}
	if ans != "" && ans != "startup-config" && ans != "nvram:startup-config" {
		s.Error("%%Error opening nvram:%s (Permission denied)", ans)
		return
	}
	d.save(s)
}

func (d *Router) copyStartRun(s *cli.Session, _ parser.Args) {
	ans := strings.TrimSpace(s.Ask("Destination filename [running-config]? "))
	if ans == "\x03" {
		return
	}
	nv, _ := d.store.Device("nvram")
	text, err := nv.ReadFile("startup-config")
	if err != nil {
		s.Error("%%Error opening nvram:startup-config (No such file or directory)")
		return
	}
	// Merging runs the text through the parser, which takes the lock per
	// line; release it meanwhile.
	relock := s.Unlocked()
	errs := d.apply(string(text), "manual")
	relock()
	for _, e := range errs {
		s.Println(e)
	}
	s.Printf("%d bytes copied in 0.100 secs\n", len(text))
}

func (d *Router) eraseStartup(s *cli.Session, _ parser.Args) {
	if !s.Confirm("Erasing the nvram filesystem will remove all configuration files! Continue? ") {
		return
	}
	nv, _ := d.store.Device("nvram")
	_ = nv.Remove("startup-config")
	_ = nv.Remove("private-config")
	s.Println("[OK]")
	s.Println("Erase of nvram: complete")
	d.Log("%SYS-7-NV_BLOCK_INIT: Initialized the geometry of nvram")
}

func (d *Router) reloadCmd(s *cli.Session, _ parser.Args) {
	if d.cfg.dirty {
		for {
			ans := strings.ToLower(strings.TrimSpace(s.Ask("\nSystem configuration has been modified. Save? [yes/no]: ")))
			if ans == "\x03" {
				return
			}
			if ans != "" && strings.HasPrefix("yes", ans) {
				if !d.save(s) {
					return
				}
				break
			}
			if ans != "" && strings.HasPrefix("no", ans) {
				break
			}
			s.Println("% Please answer 'yes' or 'no'.")
		}
	}
	if !s.Confirm("Proceed with reload? ") {
		return
	}
	// Booting applies the configuration through sessions that need the
	// device lock, which this command holds: reboot once it returns. Ready
	// stops answering until the boot is over.
	ready := d.beginBoot()
	if ready == nil {
		s.Error("%% A reload is already in progress")
		return
	}
	d.Log(fmt.Sprintf("%%SYS-5-RELOAD: Reload requested by %s on %s. Reload Reason: Reload Command.", s.User(), s.Line()))
	go func() {
		if err := d.reload(ready, "Reload Command"); err != nil {
			d.log.Error("reload failed", "device", d.name, "err", err)
		}
	}()
}

func (d *Router) showVersion(s *cli.Session, _ parser.Args) {
	s.Printf("%s", d.profile.ShowVersion(d.ident, d.versionState()))
}

func (d *Router) showUsers(s *cli.Session, _ parser.Args) {
	s.Println("    Line       User       Host(s)              Idle       Location")
	// Nobody is on the console of an emulated router: IOS lists only the
	// lines in use.
	for _, o := range d.Sessions() {
		mark := " "
		if o == s {
			mark = "*"
		}
		d.smu.Lock()
		info := d.sessions[o]
		d.smu.Unlock()
		if info == nil {
			continue
		}
		s.Printf("%s%3d %-9s %-10s %-20s %-8s %s\n", mark, d.firstVTY()+info.vty, fmt.Sprintf("vty %d", info.vty), o.User(), "idle", "00:00:00", o.Remote())
	}
	s.Println("")
	s.Println("  Interface    User               Mode         Idle     Peer Address")
	s.Println("")
}

func (d *Router) showLogging(s *cli.Session, _ parser.Args) {
	d.lmu.Lock()
	buf := append([]string(nil), d.logbuf...)
	n := d.logged
	d.lmu.Unlock()
	state := "disabled"
	if d.cfg.logBuffered {
		state = "level debugging"
		if d.cfg.logLevel != "" {
			state = "level " + d.cfg.logLevel
		}
	}
	s.Printf("Syslog logging: enabled (0 messages dropped, 0 messages rate-limited, 0 flushes, 0 overruns, xml disabled, filtering disabled)\n\n")
	s.Printf("No Active Message Discriminator.\n\n\n\nNo Inactive Message Discriminator.\n\n\n")
	switch {
	case d.cfg.noLogConsole:
		s.Printf("    Console logging: disabled\n")
	default:
		level := "debugging"
		if d.cfg.consoleLevel != "" {
			level = d.cfg.consoleLevel
		}
		s.Printf("    Console logging: level %s, %d messages logged, xml disabled,\n                     filtering disabled\n", level, n)
	}
	s.Printf("    Monitor logging: level debugging, %d messages logged, xml disabled,\n                     filtering disabled\n", n)
	s.Printf("    Buffer logging:  %s, %d messages logged, xml disabled,\n                    filtering disabled\n", state, n)
	s.Printf("    Exception Logging: size (4096 bytes)\n    Count and timestamp logging messages: disabled\n    Persistent logging: disabled\n\n")
	s.Printf("No active filter modules.\n\n    Trap logging: level informational, %d message lines logged\n        Logging Source-Interface:       VRF Name:\n\n", n)
	if d.cfg.logBuffered {
		s.Printf("Log Buffer (%d bytes):\n\n", d.cfg.logSize)
		for _, l := range buf {
			s.Println(l)
		}
	}
}

// versionState is what `show version` needs from the running device.
func (d *Router) versionState() platforms.VersionState {
	now := d.clk.Now().In(d.clk.Location())
	up := d.lab.Now().Sub(d.bootedLab)
	return platforms.VersionState{
		Hostname:         d.cfg.hostname,
		Uptime:           clock.FormatUptime(up),
		ProcessorUptime:  clock.FormatUptime(up),
		LastReloadReason: d.reason,
		// The emulator restarts at once; the reload is shown as issued the
		// platform's boot time before the restart, as a real router shows.
		ReloadedAt:     d.booted.Add(-d.profile.BootTime).In(d.clk.Location()),
		RestartedAt:    d.booted.In(d.clk.Location()),
		ConfigRegister: d.profile.ConfigRegister,
		Now:            now,
	}
}

// firstVTY is the absolute line number of vty 0: after con 0, and aux 0 on
// the platforms that have an aux port.
func (d *Router) firstVTY() int {
	if d.profile.NoAux {
		return 1
	}
	return 2
}
