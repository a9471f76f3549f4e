package parser

import (
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	r := testRegistry()
	tests := []struct {
		name   string
		mode   *Mode
		line   string
		priv   int
		kind   Kind
		offset int    // NoMatch / Ambiguous
		cmd    string // OK
	}{
		// abbreviations
		{"sh run", Exec, "sh run", 15, OK, 0, "show-run"},
		{"conf t", Exec, "conf t", 15, OK, 0, "conf-t"},
		{"sh ver", Exec, "sh ver", 15, OK, 0, "show-ver"},
		{"sh ip int b", Exec, "sh ip int b", 15, OK, 0, "show-ip-int-brief"},
		{"upper case", Exec, "SH VER", 15, OK, 0, "show-ver"},
		{"full words", Exec, "show ip interface brief", 15, OK, 0, "show-ip-int-brief"},
		{"spaces and tabs", Exec, "  show \t  version  ", 1, OK, 0, "show-ver"},
		{"optional absent", Exec, "sh clock", 1, OK, 0, "show-clock"},
		{"optional present", Exec, "sh clock det", 1, OK, 0, "show-clock"},
		{"hidden matches", Exec, "show tech-secrets", 1, OK, 0, "show-hidden"},
		{"hidden abbreviated", Exec, "show tech", 1, OK, 0, "show-hidden"},
		{"word", Exec, "ping 10.1.1.1", 1, OK, 0, "ping"},
		{"custom types dmy", Exec, "clock set 10:00:00 1 Jan 2020", 15, OK, 0, "clock-set-dmy"},
		{"custom types mdy", Exec, "clock set 10:00:00 jan 1 2020", 15, OK, 0, "clock-set-mdy"},
		// empty
		{"empty", Exec, "", 15, Empty, 0, ""},
		{"blank", Exec, "   \t ", 15, Empty, 0, ""},
		// exact beats prefix
		{"ip exact over ipv6", Exec, "sh ip int br", 15, OK, 0, "show-ip-int-brief"},
		{"ipv6", Exec, "sh ipv int br", 15, OK, 0, "show-ipv6-int-brief"},
		{"config ip exact", Config, "ip domain lookup", 15, OK, 0, "ip-domain-lookup"},
		{"visible prefix beats hidden", Config, "ip dom look", 15, OK, 0, "ip-domain-lookup"},
		{"hidden by prefix", Config, "ip domain-l", 15, OK, 0, "ip-domain-lookup-old"},
		{"keyword prefix beats typed", Config, "logging b", 15, OK, 0, "logging-buffered"},
		// ambiguous
		{"config i", Config, "i", 15, Ambiguous, 0, ""},
		{"config i indented", Config, "   i", 15, Ambiguous, 3, ""},
		{"exec c", Exec, "c", 15, Ambiguous, 0, ""},
		{"sh i", Exec, "sh i int b", 15, Ambiguous, 3, ""},
		{"month prefix ambiguous is partial", Exec, "clock set 10:00:00 ju 1 2020", 15, NoMatch, 22, ""},
		// incomplete
		{"logging", Config, "logging", 15, Incomplete, 0, ""},
		{"show", Exec, "show", 15, Incomplete, 0, ""},
		{"show ip", Exec, "sh ip", 15, Incomplete, 0, ""},
		{"interface partial", Config, "interface Gig", 15, Incomplete, 0, ""},
		{"username half", Config, "username bob privilege 15 secret", 15, Incomplete, 0, ""},
		{"no alone", Config, "no", 15, Incomplete, 0, ""},
		// caret offsets
		{"hostnane", Config, "hostnane S1", 15, NoMatch, 6, ""},
		{"hostnane indented", Config, "  hostnane S1", 15, NoMatch, 8, ""},
		{"longer than keyword", Config, "hostnamex S1", 15, NoMatch, 8, ""},
		{"malformed address", Config, "logging 0255.255.1", 15, NoMatch, 8, ""},
		{"malformed address indented", Config, " logging  0255.255.1", 15, NoMatch, 10, ""},
		{"out of range", Config, "logging buffered 100", 15, NoMatch, 17, ""},
		{"bad digit in range", Config, "logging buffered 40x96", 15, NoMatch, 19, ""},
		{"bad octet", configIf, "ip address 10.1.1.300 255.0.0.0", 15, NoMatch, 11, ""},
		{"bad mask", configIf, "ip address 10.1.1.1 255.0.0", 15, Incomplete, 0, ""},
		{"privilege out of range", Config, "username bob privilege 16 secret x", 15, NoMatch, 23, ""},
		{"extra token", Exec, "show version extra", 15, NoMatch, 13, ""},
		{"extra token spaced", Exec, "  show version   extra", 15, NoMatch, 17, ""},
		{"inside keyword", Exec, "shox version", 15, NoMatch, 3, ""},
		{"after full keyword", Exec, "show versionx", 15, NoMatch, 12, ""},
		{"unknown first word", Exec, "xyz", 15, NoMatch, 0, ""},
		{"custom type bad char", Config, "interface Gi0/x", 15, NoMatch, 14, ""},
		{"custom type bad type", Config, "interface Gx0/1", 15, NoMatch, 11, ""},
		{"extra after LINE never", configIf, "description a b c", 15, OK, 0, "description"},
		// privilege
		{"priv hides command", Exec, "sh run", 1, NoMatch, 3, ""},
		{"priv hides first word", Exec, "conf t", 1, NoMatch, 0, ""},
		{"priv 0 means 1", Exec, "sh ver", 1, OK, 0, "show-ver"},
		// no / default
		{"no hostname", Config, "no hostname", 15, OK, 0, "hostname"},
		{"default hostname", Config, "def hostname", 15, OK, 0, "hostname"},
		{"no ip domain lookup", Config, "no ip dom look", 15, OK, 0, "ip-domain-lookup"},
		{"no same syntax", Config, "no interface gi0/1", 15, OK, 0, "interface"},
		{"no not negatable", Config, "no username bob privilege 1 secret x", 15, NoMatch, 3, ""},
		{"no ip address bare", configIf, "no ip address", 15, OK, 0, "ip-address"},
		{"no ip address full", configIf, "no ip address 1.1.1.1 255.0.0.0 sec", 15, OK, 0, "ip-address"},
		{"no form stops early", Config, "no hostname R1", 15, NoMatch, 12, ""},
		{"no bad word", Config, "no xyz", 15, NoMatch, 3, ""},
		// modes
		{"submode command not in config", Config, "shutdown", 15, NoMatch, 0, ""},
		{"config-if", configIf, "shut", 15, OK, 0, "shutdown"},
		{"unknown mode", NewMode("nowhere", "", nil), "show", 15, NoMatch, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := r.Parse(tt.mode, tt.line, tt.priv)
			if res.Kind != tt.kind {
				t.Fatalf("Parse(%q) kind = %v (offset %d), want %v", tt.line, res.Kind, res.Offset, tt.kind)
			}
			switch tt.kind {
			case NoMatch, Ambiguous:
				if res.Offset != tt.offset {
					t.Errorf("Parse(%q) offset = %d, want %d\n%s\n%s^", tt.line, res.Offset, tt.offset, tt.line, strings.Repeat(" ", res.Offset))
				}
			case OK:
				if res.Handler != tt.cmd || res.Cmd == nil || res.Cmd.Handler != tt.cmd {
					t.Errorf("Parse(%q) handler = %q, want %q", tt.line, res.Handler, tt.cmd)
				}
			}
		})
	}
}

func TestArgs(t *testing.T) {
	r := testRegistry()
	tests := []struct {
		mode   *Mode
		line   string
		strs   map[string]string // String(name)
		ints   map[string]int    // Int(name)
		kws    map[string]string // Keyword(name)
		absent []string          // !Has(name)
		values []string
		neg    bool
		dflt   bool
	}{
		{mode: Config, line: "hostname R1", strs: map[string]string{"WORD": "R1", "hostname": "hostname"}, values: []string{"R1"}},
		{mode: Config, line: "host R1", strs: map[string]string{"hostname": "hostname"}},
		{mode: Config, line: "no hostname", neg: true, absent: []string{"WORD", "no"}},
		{mode: Config, line: "default hostname", dflt: true, absent: []string{"WORD", "default"}},
		{mode: Config, line: "logging buffered 8192", ints: map[string]int{"size": 8192}, strs: map[string]string{"buffered": "buffered", "size": "8192"}},
		{mode: Config, line: "logging buf", absent: []string{"size"}, ints: map[string]int{"size": 0, "buffered": 0}},
		{mode: Config, line: "logging con 3", kws: map[string]string{"target": "console", "level": ""}, ints: map[string]int{"level": 3}, strs: map[string]string{"console": "console"}, absent: []string{"monitor"}},
		{mode: Config, line: "logging MON", kws: map[string]string{"target": "monitor"}, absent: []string{"level"}},
		{mode: Config, line: "interface gi0/1", strs: map[string]string{"name": "gi0/1"}, absent: []string{"IFNAME"}},
		{mode: Config, line: "logging host 10.0.0.1", strs: map[string]string{"A.B.C.D": "10.0.0.1"}},
		{mode: Config, line: "username bob privilege 15 secret 5 $1$xyz", ints: map[string]int{"(0-15)": 15, "(0-9)": 5}, absent: []string{"WORD"}, values: []string{"bob", "15", "5", "$1$xyz"}, strs: map[string]string{"secret": "secret", "privilege": "privilege"}},
		{mode: Config, line: "username bob priv 0 sec pw", values: []string{"bob", "0", "pw"}, absent: []string{"(0-9)"}},
		{mode: configIf, line: "ip address 10.1.1.1 255.255.255.0", values: []string{"10.1.1.1", "255.255.255.0"}, absent: []string{"A.B.C.D", "secondary"}},
		{mode: configIf, line: "description   hello   world  ", strs: map[string]string{"text": "hello   world  "}},
		{mode: Config, line: "banner motd # hi #", strs: map[string]string{"LINE": "# hi #"}},
		{mode: Exec, line: "clock set 10:20:30 9 October 2015", ints: map[string]int{"day": 9, "year": 2015}, strs: map[string]string{"HH:MM:SS": "10:20:30", "MONTH": "October"}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			res := r.Parse(tt.mode, tt.line, 15)
			if res.Kind != OK {
				t.Fatalf("Parse(%q) = %v at %d", tt.line, res.Kind, res.Offset)
			}
			a := res.Args
			for k, v := range tt.strs {
				if !a.Has(k) || a.String(k) != v {
					t.Errorf("String(%q) = %q (has %v), want %q", k, a.String(k), a.Has(k), v)
				}
			}
			for k, v := range tt.ints {
				if a.Int(k) != v {
					t.Errorf("Int(%q) = %d, want %d", k, a.Int(k), v)
				}
			}
			for k, v := range tt.kws {
				if a.Keyword(k) != v {
					t.Errorf("Keyword(%q) = %q, want %q", k, a.Keyword(k), v)
				}
			}
			for _, k := range tt.absent {
				if a.Has(k) || a.String(k) != "" {
					t.Errorf("Has(%q) = true, want false", k)
				}
			}
			if tt.values != nil && !reflect.DeepEqual(a.Values(), tt.values) {
				t.Errorf("Values() = %q, want %q", a.Values(), tt.values)
			}
			if a.Negated() != tt.neg || a.Default() != tt.dflt {
				t.Errorf("Negated/Default = %v/%v, want %v/%v", a.Negated(), a.Default(), tt.neg, tt.dflt)
			}
			if got, want := a.Words(), strings.Fields(tt.line); !reflect.DeepEqual(got, want) {
				t.Errorf("Words() = %q, want %q", got, want)
			}
		})
	}
}

func words(lines []HelpLine) []string {
	var out []string
	for _, l := range lines {
		out = append(out, l.Word)
	}
	return out
}

func TestHelp(t *testing.T) {
	r := testRegistry()
	tests := []struct {
		name   string
		mode   *Mode
		line   string
		priv   int
		kind   Kind
		offset int
		glued  bool
		words  []string // Lines' words, or Words when glued
	}{
		{"exec root", Exec, "", 15, OK, 0, false, []string{"clock", "configure", "ping", "show"}},
		{"exec root priv 1", Exec, "", 1, OK, 0, false, []string{"ping", "show"}},
		{"show", Exec, "show ", 15, OK, 0, false, []string{"clock", "ip", "ipv6", "running-config", "version"}},
		{"show priv 1", Exec, "sh ", 1, OK, 0, false, []string{"clock", "ip", "ipv6", "version"}},
		{"cr last", Exec, "show clock ", 15, OK, 0, false, []string{"detail", "<cr>"}},
		{"only cr", Exec, "sh ver ", 15, OK, 0, false, []string{"<cr>"}},
		{"logging", Config, "logging ", 15, OK, 0, false, []string{"buffered", "console", "host", "monitor", "A.B.C.D"}},
		{"range and cr", Config, "logging buffered ", 15, OK, 0, false, []string{"<4096-2147483647>", "<cr>"}},
		{"custom type lines", Config, "interface ", 15, OK, 0, false, []string{"GigabitEthernet", "Loopback"}},
		{"custom type alternatives", Exec, "clock set 10:00:00 ", 15, OK, 0, false, []string{"<1-31>", "MONTH"}},
		{"word", Config, "hostname ", 15, OK, 0, false, []string{"WORD"}},
		{"line", configIf, "description ", 15, OK, 0, false, []string{"LINE"}},
		{"inside line", configIf, "description foo ", 15, OK, 0, false, []string{"LINE", "<cr>"}},
		{"no", Config, "no ", 15, OK, 0, false, []string{"hostname", "interface", "ip", "ipv6", "logging"}},
		{"no logging", Config, "no logging ", 15, OK, 0, false, []string{"buffered", "host"}},
		{"default in config", Config, "", 15, OK, 0, false, []string{"banner", "default", "hostname", "interface", "ip", "ipv6", "logging", "no", "username"}},
		{"hidden not listed", Config, "ip ", 15, OK, 0, false, []string{"domain"}},
		{"typed partial", Config, "interface Gig ", 15, Incomplete, 0, false, nil},
		// glued
		{"glued sh", Exec, "sh", 15, OK, 0, true, []string{"show"}},
		{"glued i", Config, "i", 15, OK, 0, true, []string{"interface", "ip", "ipv6"}},
		{"glued case", Config, "I", 15, OK, 0, true, []string{"interface", "ip", "ipv6"}},
		{"glued second word", Exec, "show ip", 15, OK, 0, true, []string{"ip", "ipv6"}},
		{"glued custom", Config, "interface g", 15, OK, 0, true, []string{"GigabitEthernet"}},
		{"glued range", Config, "logging buffered 40960", 15, OK, 0, true, []string{"<4096-2147483647>"}},
		{"glued out of range", Config, "logging buffered 5", 15, OK, 0, true, nil},
		{"glued nothing", Exec, "xyz", 15, OK, 0, true, nil},
		{"glued hidden", Exec, "show tech", 15, OK, 0, true, nil},
		{"glued priv", Exec, "c", 1, OK, 0, true, nil},
		// errors before the position
		{"bad before", Exec, "shx ", 15, NoMatch, 2, false, nil},
		{"bad before glued", Exec, "  shx ver", 15, NoMatch, 4, true, nil},
		{"ambiguous before", Config, "i ", 15, Ambiguous, 0, false, nil},
		{"extra after command", Exec, "show version foo ", 15, NoMatch, 13, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := r.Help(tt.mode, tt.line, tt.priv)
			if h.Kind != tt.kind || h.Glued != tt.glued {
				t.Fatalf("Help(%q) = kind %v glued %v, want %v %v", tt.line, h.Kind, h.Glued, tt.kind, tt.glued)
			}
			if h.Kind == NoMatch || h.Kind == Ambiguous {
				if h.Offset != tt.offset {
					t.Errorf("Help(%q) offset = %d, want %d", tt.line, h.Offset, tt.offset)
				}
				return
			}
			got := words(h.Lines)
			if tt.glued {
				got = h.Words
			}
			if !reflect.DeepEqual(got, tt.words) {
				t.Errorf("Help(%q) = %q, want %q", tt.line, got, tt.words)
			}
		})
	}
}

func TestHelpText(t *testing.T) {
	r := testRegistry()
	h := r.Help(Exec, "show ip interface ", 15)
	want := []HelpLine{{"brief", "Brief summary of IP status and configuration"}}
	if !reflect.DeepEqual(h.Lines, want) {
		t.Errorf("lines = %q, want %q", h.Lines, want)
	}
	h = r.Help(Config, "", 15)
	for _, l := range h.Lines {
		switch l.Word {
		case "no":
			if l.Text != "Negate a command or set its defaults" {
				t.Errorf("no help = %q", l.Text)
			}
		case "default":
			if l.Text != "Set a command to its defaults" {
				t.Errorf("default help = %q", l.Text)
			}
		}
	}
	h = r.Help(Config, "interface ", 15)
	if h.Lines[0].Text != "GigabitEthernet IEEE 802.3z" {
		t.Errorf("custom help = %q", h.Lines)
	}
	h = r.Help(Config, "logging buffered ", 15)
	if h.Lines[0] != (HelpLine{"<4096-2147483647>", "Logging buffer size"}) || h.Lines[1] != (HelpLine{"<cr>", ""}) {
		t.Errorf("range help = %q", h.Lines)
	}
}

func TestComplete(t *testing.T) {
	r := testRegistry()
	tests := []struct {
		mode *Mode
		line string
		priv int
		want string // "" = not ok
	}{
		{Exec, "sh", 15, "show "},
		{Exec, "SH", 15, "show "},
		{Exec, "sh ru", 15, "sh running-config "},
		{Exec, "  sh  ver", 15, "  sh  version "},
		{Exec, "conf", 15, "configure "},
		{Exec, "conf", 1, ""},
		{Exec, "c", 15, ""},
		{Exec, "show ", 15, ""},
		{Exec, "", 15, ""},
		{Exec, "show", 15, "show "},
		{Exec, "show ip", 15, "show ip "},
		{Exec, "show ipv", 15, "show ipv6 "},
		{Exec, "show tech", 15, ""},
		{Exec, "xyz sh", 15, ""},
		{Exec, "ping foo", 15, ""},
		{Config, "interface gig", 15, "interface GigabitEthernet "},
		{Config, "interface x", 15, ""},
		{Config, "no host", 15, "no hostname "},
		{Config, "ip domain-l", 15, ""},
		{configIf, "description fo", 15, ""},
	}
	for _, tt := range tests {
		got, ok := r.Complete(tt.mode, tt.line, tt.priv)
		if (tt.want != "") != ok || got != tt.want {
			t.Errorf("Complete(%q) = %q, %v; want %q", tt.line, got, ok, tt.want)
		}
	}
}

func TestFormatHelp(t *testing.T) {
	// The layout of a real IOL capture (reference/captures/
	// cli_generic_strings_more_paging_timestamp_header__multi_source.txt).
	capture := []HelpLine{
		{"ah-md5-hmac", "AH-HMAC-MD5 transform"},
		{"ah-sha-hmac", "AH-HMAC-SHA transform"},
		{"esp-sha512-hmac", "ESP transform using HMAC-SHA512 auth"},
	}
	tests := []struct {
		name  string
		lines []HelpLine
		width int
		want  string
	}{
		{"capture", capture, 0,
			"  ah-md5-hmac      AH-HMAC-MD5 transform\n" +
				"  ah-sha-hmac      AH-HMAC-SHA transform\n" +
				"  esp-sha512-hmac  ESP transform using HMAC-SHA512 auth\n"},
		{"cr alone", []HelpLine{{"<4096-2147483647>", "Logging buffer size"}, {"<cr>", ""}}, 80,
			"  <4096-2147483647>  Logging buffer size\n" +
				"  <cr>\n"},
		{"only cr", []HelpLine{{"<cr>", ""}}, 0, "  <cr>\n"},
		{"wrap", []HelpLine{{"WORD", "one two three four five six seven"}, {"x", "short"}}, 26,
			"  WORD  one two three four\n" +
				"        five six seven\n" +
				"  x     short\n"},
		{"no wrap when wide", []HelpLine{{"WORD", "one two three four five six seven"}}, 80,
			"  WORD  one two three four five six seven\n"},
		{"empty", nil, 80, ""},
	}
	for _, tt := range tests {
		if got := FormatHelp(tt.lines, tt.width); got != tt.want {
			t.Errorf("%s: FormatHelp =\n%s\nwant\n%s", tt.name, got, tt.want)
		}
	}
	// Real help output from the registry, rendered.
	r := testRegistry()
	got := FormatHelp(r.Help(Exec, "show ", 15).Lines, 80)
	want := "" +
		"  clock           Display the system clock\n" +
		"  ip              IP information\n" +
		"  ipv6            IPv6 information\n" +
		"  running-config  Current operating configuration\n" +
		"  version         System hardware and software status\n"
	if got != want {
		t.Errorf("show ? =\n%s\nwant\n%s", got, want)
	}
}

func TestFormatWords(t *testing.T) {
	tests := []struct {
		words []string
		width int
		want  string
	}{
		{[]string{"show"}, 80, "show  "},
		{[]string{"interface", "ip", "ipv6"}, 80, "interface  ip  ipv6  "},
		{[]string{"interface", "ip", "ipv6"}, 16, "interface  ip  \nipv6  "},
		{[]string{"interface", "ip", "ipv6"}, 0, "interface  ip  ipv6  "},
		{nil, 80, ""},
	}
	for _, tt := range tests {
		if got := FormatWords(tt.words, tt.width); got != tt.want {
			t.Errorf("FormatWords(%q, %d) = %q, want %q", tt.words, tt.width, got, tt.want)
		}
	}
}
