package parser

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestInstallPanics(t *testing.T) {
	tests := []struct {
		name string
		cmds []Command[string]
		want string // substring of the panic message
	}{
		{"unclosed bracket", []Command[string]{{Syntax: "show [foo", Help: "a\nb"}}, "missing"},
		{"stray closer", []Command[string]{{Syntax: "show foo]", Help: "a\nb"}}, "unexpected"},
		{"mismatched closer", []Command[string]{{Syntax: "show <a|b]", Help: "a\nb\nc"}}, "unexpected"},
		{"empty alternative", []Command[string]{{Syntax: "show <a|>", Help: "a\nb"}}, "empty alternative"},
		{"empty syntax", []Command[string]{{Syntax: "  ", Help: ""}}, "empty syntax"},
		{"optional only", []Command[string]{{Syntax: "[foo]", Help: "a"}}, "empty line"},
		{"bad range", []Command[string]{{Syntax: "foo (9-1)", Help: "a\nb"}}, "bad range"},
		{"bad range text", []Command[string]{{Syntax: "foo (a-b)", Help: "a\nb"}}, "bad range"},
		{"bad bind", []Command[string]{{Syntax: "foo WORD$", Help: "a\nb"}}, "binding"},
		{"stray bind", []Command[string]{{Syntax: "foo $x", Help: "a"}}, "binding"},
		{"LINE not last", []Command[string]{{Syntax: "foo LINE bar", Help: "a\nb\nc"}}, "LINE"},
		{"too few help lines", []Command[string]{{Syntax: "show version", Help: "Show"}}, "1 help lines for 2 tokens"},
		{"too many help lines", []Command[string]{{Syntax: "show", Help: "a\nb"}}, "2 help lines for 1 tokens"},
		{"no help count", []Command[string]{{Syntax: "foo bar", Help: "a\nb", No: "foo", NoHelp: "a\nb"}}, "no form"},
		{"duplicate in batch", []Command[string]{
			{Syntax: "show version", Help: "a\nb"},
			{Syntax: "sh version", Help: "a\nb"},
			{Syntax: "show version", Help: "x\ny"},
		}, "duplicate"},
		{"duplicate through optional", []Command[string]{
			{Syntax: "show clock [detail]", Help: "a\nb\nc"},
			{Syntax: "show clock", Help: "a\nb"},
		}, "duplicate"},
		{"duplicate case-insensitive", []Command[string]{
			{Syntax: "show clock", Help: "a\nb"},
			{Syntax: "Show Clock", Help: "a\nb"},
		}, "duplicate"},
		{"duplicate no form", []Command[string]{
			{Syntax: "hostname WORD", Help: "a\nb", No: "hostname", NoHelp: "a"},
			{Syntax: "no hostname", Help: "a\nb"},
		}, "duplicate"},
		{"duplicate with installed", []Command[string]{{Syntax: "configure terminal", Help: "a\nb"}}, "duplicate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRegistry[string]()
			r.Install(Exec, Command[string]{Syntax: "configure terminal", Help: "a\nb"})
			msg := catch(func() { r.Install(Exec, tt.cmds...) })
			if !strings.Contains(msg, tt.want) || !strings.HasPrefix(msg, "parser: ") {
				t.Errorf("panic = %q, want it to contain %q", msg, tt.want)
			}
			// Nothing of the failed batch was installed.
			if res := r.Parse(Exec, "show version", 15); res.Kind != NoMatch {
				t.Errorf("after a failed Install, show version = %v", res.Kind)
			}
			if res := r.Parse(Exec, "conf t", 15); res.Kind != OK {
				t.Errorf("after a failed Install, conf t = %v", res.Kind)
			}
		})
	}
}

func TestRegistrationPanics(t *testing.T) {
	r := NewRegistry[string]()
	r.DefineType("IFNAME", ifName{})
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"type defined twice", func() { r.DefineType("IFNAME", ifName{}) }, "already defined"},
		{"builtin redefined", func() { r.DefineType("A.B.C.D", ifName{}) }, "already defined"},
		{"lower-case type", func() { r.DefineType("ifname", ifName{}) }, "ALLCAPS"},
		{"WORD type", func() { r.DefineType("WORD", ifName{}) }, "ALLCAPS"},
		{"nil type", func() { r.DefineType("FOO", nil) }, "nil"},
		{"nil mode", func() { r.Install(nil) }, "nil mode"},
		{"two modes one name", func() {
			r.Install(NewMode("x", "", nil), Command[string]{Syntax: "a", Help: "a"})
			r.Install(NewMode("x", "", nil), Command[string]{Syntax: "b", Help: "b"})
		}, "two modes"},
	}
	for _, tt := range tests {
		if msg := catch(tt.f); !strings.Contains(msg, tt.want) {
			t.Errorf("%s: panic = %q, want %q", tt.name, msg, tt.want)
		}
	}
}

func catch(f func()) (msg string) {
	defer func() {
		if v := recover(); v != nil {
			msg = fmt.Sprint(v)
		}
	}()
	f()
	return "no panic"
}

// TestGrammar covers the grammar constructs beyond the IOS test registry.
func TestGrammar(t *testing.T) {
	r := NewRegistry[string]()
	r.Install(Config,
		Command[string]{Syntax: "any {alpha|beta (1-9)$b|gamma}", Help: "any\nA\nB\nnum\nG", Handler: "any"},
		Command[string]{Syntax: "seq <cr|lf WORD$w>$end", Help: "seq\nCR\nLF\nword", Handler: "seq"},
		Command[string]{Syntax: "nest [one [two [three]]]", Help: "n\n1\n2\n3", Handler: "nest"},
		Command[string]{Syntax: "neg (-10-10)$v", Help: "neg\nvalue", Handler: "neg"},
		Command[string]{Syntax: "addr <A.B.C.D/M|X:X::X:X|X:X::X:X/M|H.H.H>$a", Help: "addr\np4\na6\np6\nmac", Handler: "addr"},
		Command[string]{Syntax: "var NAME", Help: "var\nthe name", Handler: "var"},
		Command[string]{Syntax: "both WORD", Help: "both\nword", Handler: "both-word"},
		Command[string]{Syntax: "both A.B.C.D", Help: "both\naddr", Handler: "both-addr"},
		Command[string]{Syntax: "both literal", Help: "both\nkw", Handler: "both-kw"},
		Command[string]{Syntax: "both hidden-thing", Help: "both\nkw", Hidden: true, Handler: "both-hidden"},
		Command[string]{Syntax: "twin (1-10)$x", Help: "twin\nlow", Handler: "twin-low"},
		Command[string]{Syntax: "twin (5-20)$y", Help: "twin\nhigh", Handler: "twin-high"},
	)
	tests := []struct {
		line string
		kind Kind
		cmd  string
		off  int
		arg  string // name=value to check
	}{
		{"any alpha", OK, "any", 0, "alpha=alpha"},
		{"any gamma beta 3 alpha", OK, "any", 0, "b=3"},
		{"any beta 3 g", OK, "any", 0, "gamma=gamma"},
		{"any", Incomplete, "", 0, ""},
		{"any alpha alpha", NoMatch, "", 10, ""},
		{"seq cr", OK, "seq", 0, "end=cr"},
		{"seq lf x", OK, "seq", 0, "w=x"},
		{"seq lf", Incomplete, "", 0, ""},
		{"seq cr x", NoMatch, "", 7, ""},
		{"nest", OK, "nest", 0, ""},
		{"nest one two three", OK, "nest", 0, "three=three"},
		{"nest two", NoMatch, "", 5, ""},
		{"neg -5", OK, "neg", 0, "v=-5"},
		{"neg 11", NoMatch, "", 4, ""},
		{"neg -", Incomplete, "", 0, ""},
		{"addr 10.0.0.0/8", OK, "addr", 0, "a=10.0.0.0/8"},
		{"addr 10.0.0.0/33", NoMatch, "", 5, ""},
		{"addr 2001:db8::1", OK, "addr", 0, "a=2001:db8::1"},
		{"addr 2001:db8::/32", OK, "addr", 0, "a=2001:db8::/32"},
		{"addr aabb.ccdd.eeff", OK, "addr", 0, "a=aabb.ccdd.eeff"},
		{"addr aabb.ccdd.eeffa", NoMatch, "", 5, ""},
		{"var x", OK, "var", 0, "NAME=x"},
		{"both lit", OK, "both-kw", 0, ""},
		{"both 1.2.3.4", OK, "both-addr", 0, "A.B.C.D=1.2.3.4"},
		{"both 1.2.3", OK, "both-word", 0, "WORD=1.2.3"},
		{"both foo", OK, "both-word", 0, "WORD=foo"},
		{"both hid", OK, "both-word", 0, "WORD=hid"},
		{"both hidden-thing", OK, "both-hidden", 0, ""},
		{"twin 3", OK, "twin-low", 0, "x=3"},
		{"twin 15", OK, "twin-high", 0, "y=15"},
		{"twin 7", Ambiguous, "", 5, ""},
	}
	for _, tt := range tests {
		res := r.Parse(Config, tt.line, 15)
		if res.Kind != tt.kind {
			t.Errorf("Parse(%q) = %v at %d, want %v", tt.line, res.Kind, res.Offset, tt.kind)
			continue
		}
		switch tt.kind {
		case OK:
			if res.Handler != tt.cmd {
				t.Errorf("Parse(%q) = %q, want %q", tt.line, res.Handler, tt.cmd)
			}
			if k, v, ok := strings.Cut(tt.arg, "="); ok && res.Args.String(k) != v {
				t.Errorf("Parse(%q) %s = %q, want %q", tt.line, k, res.Args.String(k), v)
			}
		case NoMatch, Ambiguous:
			if res.Offset != tt.off {
				t.Errorf("Parse(%q) offset %d, want %d", tt.line, res.Offset, tt.off)
			}
		}
	}
	h := r.Help(Config, "var ", 15)
	if len(h.Lines) != 1 || h.Lines[0] != (HelpLine{"NAME", "the name"}) {
		t.Errorf("help for an ALLCAPS variable = %q", h.Lines)
	}
	h = r.Help(Config, "both ", 15)
	if got := strings.Join(words(h.Lines), " "); got != "literal WORD A.B.C.D" {
		t.Errorf("help order = %q", got)
	}
}

// Matchers running while commands are installed (as features register
// while sessions run) give the answers they give alone, and what was
// installed meanwhile is there afterwards. Run with -race.
func TestConcurrentUse(t *testing.T) {
	r := testRegistry()
	wantHelp := r.Help(Config, "logging ", 15)
	if wantHelp.Kind != OK || len(wantHelp.Lines) < 3 {
		t.Fatalf("help for \"logging \": %+v", wantHelp)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				if res := r.Parse(Exec, "sh ip int b", 15); res.Kind != OK || res.Handler != "show-ip-int-brief" {
					t.Errorf("Parse during installs = %v %q", res.Kind, res.Handler)
					return
				}
				if h := r.Help(Config, "logging ", 15); h.Kind != OK || len(h.Lines) != len(wantHelp.Lines) {
					t.Errorf("Help during installs = %v with %d lines, want %d", h.Kind, len(h.Lines), len(wantHelp.Lines))
					return
				}
				if line, ok := r.Complete(Exec, "sh", 15); !ok || line != "show " {
					t.Errorf("Complete during installs = %q %v", line, ok)
					return
				}
			}
		}()
		r.Install(Exec, Command[string]{Syntax: fmt.Sprintf("late%d", i), Help: "x", Handler: fmt.Sprintf("late%d", i)})
	}
	wg.Wait()
	for i := range 8 {
		if res := r.Parse(Exec, fmt.Sprintf("late%d", i), 15); res.Kind != OK || res.Handler != fmt.Sprintf("late%d", i) {
			t.Errorf("late%d installed during use: %v %q", i, res.Kind, res.Handler)
		}
	}
}

func TestInstallRejectsBindingNamedLikeKeyword(t *testing.T) {
	for _, tc := range []struct {
		syntax string
		tokens int
	}{
		{"ip domain name WORD$name", 4},
		{"ip http port (1-65535)$port", 4},
		{"enable secret [<0|5>$t] WORD$secret", 5},
	} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, "binding $") {
					t.Errorf("Install(%q) panic = %q, want a binding error", tc.syntax, msg)
				}
			}()
			r := NewRegistry[int]()
			r.Install(Config, Command[int]{Syntax: tc.syntax, Help: strings.TrimSuffix(strings.Repeat("h\n", tc.tokens), "\n")})
		}()
	}
	// The same commands with distinct names install.
	r := NewRegistry[int]()
	r.Install(Config, Command[int]{Syntax: "ip domain name WORD$dname", Help: "h\nh\nh\nh"})
}
