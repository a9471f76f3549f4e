package parser

import (
	"fmt"
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", " ", "sh run", "conf t", "  hostnane S1", "logging 0255.255.1", "i", "no ip dom look",
		"clock set 10:00:00 1 Jan 2020", "description  a  b ", "interface Gi0/0", "interface Gig",
		"username bob privilege 15 secret 5 x", "show version extra", "\t\tsh\tip int b",
		"ip address 1.1.1.1 255.0.0.0 sec", "logging buffered 99999999999999999999", "no", "def ",
		"\xff\xfe", "SH VER", "logging con 7",
	} {
		f.Add(s, 15)
	}
	r := testRegistry()
	modes := []*Mode{Exec, Config, configIf}
	f.Fuzz(func(t *testing.T, line string, priv int) {
		for _, m := range modes {
			res := r.Parse(m, line, priv)
			if res.Offset < 0 || res.Offset > len(line) {
				t.Fatalf("Parse(%s, %q) offset %d outside [0,%d]", m, line, res.Offset, len(line))
			}
			if res.Kind == OK && res.Cmd == nil {
				t.Fatalf("Parse(%s, %q) OK without a command", m, line)
			}
			h := r.Help(m, line, priv)
			if h.Offset < 0 || h.Offset > len(line) {
				t.Fatalf("Help(%s, %q) offset %d outside [0,%d]", m, line, h.Offset, len(line))
			}
			_ = FormatHelp(h.Lines, 40)
			_ = FormatWords(h.Words, 40)
			if nl, ok := r.Complete(m, line, priv); ok {
				if !strings.HasSuffix(nl, " ") {
					t.Fatalf("Complete(%s, %q) = %q without a trailing space", m, line, nl)
				}
				// The completed line matches at least as far as the original.
				if res.Kind == NoMatch {
					t.Fatalf("Complete(%s, %q) = %q though the line does not match", m, line, nl)
				}
			}
		}
	})
}

// bigRegistry builds a registry of about n commands shaped like IOS ones.
func bigRegistry(n int) *Registry[int] {
	r := NewRegistry[int]()
	var cmds []Command[int]
	for i := 0; len(cmds) < n; i++ {
		f := fmt.Sprintf("feature%d", i/10)
		switch i % 5 {
		case 0:
			cmds = append(cmds, Command[int]{Syntax: f + fmt.Sprintf(" sub%d WORD$name", i), Help: "f\ns\nname", No: "=", Handler: i})
		case 1:
			cmds = append(cmds, Command[int]{Syntax: f + fmt.Sprintf(" sub%d (1-65535)$n [detail|brief]", i), Help: "f\ns\nnum\nd\nb", Handler: i})
		case 2:
			cmds = append(cmds, Command[int]{Syntax: f + fmt.Sprintf(" sub%d A.B.C.D A.B.C.D [name WORD]", i), Help: "f\ns\naddr\nmask\nname\nword", No: "=", Handler: i})
		case 3:
			cmds = append(cmds, Command[int]{Syntax: fmt.Sprintf("show %s sub%d [<one|two|three>$x]", f, i), Help: "show\nf\ns\n1\n2\n3", Handler: i})
		case 4:
			cmds = append(cmds, Command[int]{Syntax: f + fmt.Sprintf(" sub%d LINE", i), Help: "f\ns\nline", Handler: i})
		}
	}
	r.Install(Config, cmds...)
	return r
}

func BenchmarkInstall500(b *testing.B) {
	for b.Loop() {
		bigRegistry(500)
	}
}

func BenchmarkParse(b *testing.B) {
	r := bigRegistry(500)
	lines := []string{
		"feature12 sub122 10.1.1.1 255.255.255.0 name foo",
		"show feature40 sub403 tw",
		"no feature3 sub30 bar",
		"feature49 sub491 80 det",
	}
	for _, l := range lines {
		if res := r.Parse(Config, l, 15); res.Kind != OK {
			b.Fatalf("%q: %v at %d", l, res.Kind, res.Offset)
		}
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		r.Parse(Config, lines[i%len(lines)], 15)
	}
}

func BenchmarkHelp(b *testing.B) {
	r := bigRegistry(500)
	for b.Loop() {
		r.Help(Config, "show ", 15)
	}
}
