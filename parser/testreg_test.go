package parser

import "strings"

// ifName is the test's IFNAME type: an interface type (any prefix, any case)
// glued to a slot/port number: GigabitEthernet0/0, Gi0/0, lo1.
type ifName struct{}

var ifTypes = []string{"GigabitEthernet", "Loopback"}

func (ifName) Match(w string) (MatchLevel, int) {
	i := 0
	for i < len(w) && !isDigit(w[i]) {
		i++
	}
	letters, num := lower(w[:i]), w[i:]
	typeOK := false
	best := 0
	for _, t := range ifTypes {
		lt := lower(t)
		if letters != "" && strings.HasPrefix(lt, letters) {
			typeOK = true
		}
		best = max(best, lcp(lt, letters))
	}
	if !typeOK {
		return None, best
	}
	if num == "" {
		return Partial, 0
	}
	for j := 0; j < len(num); j++ {
		c := num[j]
		if !isDigit(c) && (c != '/' || j == 0 || num[j-1] == '/') {
			return None, i + j
		}
	}
	if num[len(num)-1] == '/' {
		return Partial, 0
	}
	return Exact, 0
}

func (ifName) Help() []HelpLine {
	return []HelpLine{
		{Word: "GigabitEthernet", Text: "GigabitEthernet IEEE 802.3z"},
		{Word: "Loopback", Text: "Loopback interface"},
	}
}

func (ifName) Complete(p string) []string {
	var out []string
	for _, t := range ifTypes {
		if p != "" && strings.HasPrefix(lower(t), lower(p)) {
			out = append(out, t)
		}
	}
	return out
}

var months = []string{"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"}

// month matches a month name by unique prefix.
func month(w string) (MatchLevel, int) {
	n, best := 0, 0
	lw := lower(w)
	for _, m := range months {
		lm := lower(m)
		if strings.HasPrefix(lm, lw) {
			n++
		}
		best = max(best, lcp(lm, lw))
	}
	switch {
	case n == 1:
		return Exact, 0
	case n > 1:
		return Partial, 0
	}
	return None, best
}

// timeOfDay matches hh:mm:ss.
func timeOfDay(w string) (MatchLevel, int) {
	if len(w) != 8 || w[2] != ':' || w[5] != ':' {
		return None, 0
	}
	return Exact, 0
}

var configIf = NewMode("config-if", "(config-if)#", Config)

// testRegistry models a small set of real IOS commands. Handlers are the
// command names, so tests can see what matched.
func testRegistry() *Registry[string] {
	r := NewRegistry[string]()
	r.DefineType("IFNAME", ifName{})
	r.DefineType("MONTH", TypeFunc{Word: "MONTH", Func: month})
	r.DefineType("HH:MM:SS", TypeFunc{Word: "hh:mm:ss", Func: timeOfDay})
	r.Install(Exec,
		Command[string]{Syntax: "show running-config", Help: "Show running system information\nCurrent operating configuration", Priv: 15, Handler: "show-run"},
		Command[string]{Syntax: "show version", Help: "Show running system information\nSystem hardware and software status", Handler: "show-ver"},
		Command[string]{Syntax: "show ip interface brief", Help: "Show running system information\nIP information\nIP interface status and configuration\nBrief summary of IP status and configuration", Handler: "show-ip-int-brief"},
		Command[string]{Syntax: "show ipv6 interface brief", Help: "Show running system information\nIPv6 information\nIPv6 interface status and configuration\nBrief summary of IPv6 status and configuration", Handler: "show-ipv6-int-brief"},
		Command[string]{Syntax: "show clock [detail]", Help: "Show running system information\nDisplay the system clock\nDisplay detailed information", Handler: "show-clock"},
		Command[string]{Syntax: "show tech-secrets", Help: "Show running system information\nHidden things", Hidden: true, Handler: "show-hidden"},
		Command[string]{Syntax: "configure terminal", Help: "Enter configuration mode\nConfigure from the terminal", Priv: 15, Handler: "conf-t"},
		Command[string]{Syntax: "clock set HH:MM:SS (1-31)$day MONTH (1993-2035)$year", Help: "Manage the system clock\nSet the time and date\nCurrent Time\nDay of the month\nMonth of the year\nYear", Priv: 15, Handler: "clock-set-dmy"},
		Command[string]{Syntax: "clock set HH:MM:SS MONTH (1-31)$day (1993-2035)$year", Help: "Manage the system clock\nSet the time and date\nCurrent Time\nMonth of the year\nDay of the month\nYear", Priv: 15, Handler: "clock-set-mdy"},
		Command[string]{Syntax: "ping WORD", Help: "Send echo messages\nPing destination address or hostname", Handler: "ping"},
	)
	r.Install(Config,
		Command[string]{Syntax: "hostname WORD", Help: "Set system's network name\nThis system's network name", No: "hostname", NoHelp: "Set system's network name", Handler: "hostname"},
		Command[string]{Syntax: "interface IFNAME$name", Help: "Select an interface to configure\nInterface name", No: "=", Handler: "interface"},
		Command[string]{Syntax: "logging buffered [(4096-2147483647)$size]", Help: "Modify message logging facilities\nSet buffered logging parameters\nLogging buffer size", No: "logging buffered", NoHelp: "Modify message logging facilities\nSet buffered logging parameters", Handler: "logging-buffered"},
		Command[string]{Syntax: "logging host A.B.C.D", Help: "Modify message logging facilities\nSet syslog server IP address and parameters\nIP address of the syslog server", No: "=", Handler: "logging-host"},
		Command[string]{Syntax: "logging A.B.C.D", Help: "Modify message logging facilities\nIP address of the logging host", Handler: "logging-addr"},
		Command[string]{Syntax: "logging <console|monitor>$target [(0-7)$level]", Help: "Modify message logging facilities\nSet console logging parameters\nSet terminal line (monitor) logging parameters\nLogging severity level", Handler: "logging-target"},
		Command[string]{Syntax: "username WORD privilege (0-15) secret [(0-9)] WORD", Help: "Establish User Name Authentication\nUser name\nSet user privilege level\nUser privilege level\nSpecify the secret for the user\nEncryption type\nThe secret", Handler: "username"},
		Command[string]{Syntax: "ip domain name WORD", Help: "Global IP configuration subcommands\nIP DNS Resolver\nDefine the default domain name\nDefault domain name", No: "ip domain name", NoHelp: "Global IP configuration subcommands\nIP DNS Resolver\nDefine the default domain name", Handler: "ip-domain-name"},
		Command[string]{Syntax: "ip domain lookup", Help: "Global IP configuration subcommands\nIP DNS Resolver\nEnable IP Domain Name System hostname translation", No: "=", Handler: "ip-domain-lookup"},
		Command[string]{Syntax: "ip domain-lookup", Help: "Global IP configuration subcommands\nEnable IP Domain Name System hostname translation", No: "=", Hidden: true, Handler: "ip-domain-lookup-old"},
		Command[string]{Syntax: "ipv6 unicast-routing", Help: "Global IPv6 configuration commands\nEnable unicast routing", No: "=", Handler: "ipv6-unicast-routing"},
		Command[string]{Syntax: "banner motd LINE", Help: "Define a login banner\nSet Message of the Day banner\nc banner-text c, where 'c' is a delimiting character", Handler: "banner-motd"},
	)
	r.Install(configIf,
		Command[string]{Syntax: "ip address A.B.C.D A.B.C.D [secondary]", Help: "Interface Internet Protocol config commands\nSet the IP address of an interface\nIP address\nIP subnet mask\nMake this IP address a secondary address",
			No: "ip address [A.B.C.D A.B.C.D [secondary]]", NoHelp: "Interface Internet Protocol config commands\nSet the IP address of an interface\nIP address\nIP subnet mask\nMake this IP address a secondary address", Handler: "ip-address"},
		Command[string]{Syntax: "description LINE$text", Help: "Interface specific description\nUp to 240 characters describing this interface", No: "description", NoHelp: "Interface specific description", Handler: "description"},
		Command[string]{Syntax: "shutdown", Help: "Shutdown the selected interface", No: "=", Handler: "shutdown"},
	)
	return r
}
