package cli

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/iosemu/iosemu/parser"
)

// An output filter: "| include RE" and its relatives. Pipes are cut off the
// line before the command is matched and applied to its whole output.
type pipe struct {
	kind string // include, exclude, begin, section, count
	re   *regexp.Regexp
}

// pipeMode is the grammar after '|'. It is a mode of its own so that '?' and
// TAB after a pipe work through the same matcher as everything else.
var pipeMode = parser.NewMode("pipe", "", nil)

func installPipes(r *parser.Registry[Handler]) {
	for _, p := range []struct{ word, help string }{
		{"begin", "Begin with the line that matches"},
		{"count", "Count number of lines which match regexp"},
		{"exclude", "Exclude lines that match"},
		{"include", "Include lines that match"},
		{"section", "Filter a section of output"},
	} {
		r.Install(pipeMode, parser.Command[Handler]{
			Syntax:  p.word + " LINE$re",
			Help:    p.help + "\nRegular Expression",
			Handler: func(*Session, parser.Args) {},
		})
	}
}

// splitPipe finds the first " | " that starts an output modifier. It returns
// the command part, the pipe text and the byte offset where the pipe text
// starts in line (-1 when there is no pipe).
func splitPipe(line string) (cmd, rest string, off int) {
	for i := 0; i < len(line); i++ {
		if line[i] == '|' && i > 0 && line[i-1] == ' ' {
			return strings.TrimRight(line[:i], " "), line[i+1:], i + 1
		}
	}
	return line, "", -1
}

// compileRegexp turns an IOS regular expression into a Go one. IOS uses
// POSIX-like syntax with '_' meaning a delimiter (start, end, space, comma,
// braces, parentheses); it also matches a literal underscore, so that the
// everyday `| include CONFIG_I` finds %SYS-5-CONFIG_I.
func compileRegexp(expr string) (*regexp.Regexp, error) {
	var b strings.Builder
	for _, r := range expr {
		if r == '_' {
			b.WriteString(`(?:^|$|[ ,{}()_])`)
			continue
		}
		b.WriteRune(r)
	}
	return regexp.Compile(b.String())
}

// apply filters out, a command's whole output ("\n"-separated lines).
func (p *pipe) apply(out string) string {
	trailing := strings.HasSuffix(out, "\n")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if out == "" {
		lines = nil
	}
	var kept []string
	switch p.kind {
	case "include":
		for _, l := range lines {
			if p.re.MatchString(l) {
				kept = append(kept, l)
			}
		}
	case "exclude":
		for _, l := range lines {
			if !p.re.MatchString(l) {
				kept = append(kept, l)
			}
		}
	case "begin":
		for i, l := range lines {
			if p.re.MatchString(l) {
				kept = lines[i:]
				break
			}
		}
	case "count":
		n := 0
		for _, l := range lines {
			if p.re.MatchString(l) {
				n++
			}
		}
		return fmt.Sprintf("Number of lines which match regexp = %d\n", n)
	case "section":
		// A section is a line that matches, or a top-level line that
		// matches, together with its indented children.
		in := false
		for _, l := range lines {
			top := l != "" && l[0] != ' '
			if top {
				in = p.re.MatchString(l)
				if in {
					kept = append(kept, l)
				}
				continue
			}
			if in {
				kept = append(kept, l)
			} else if p.re.MatchString(l) {
				kept = append(kept, l)
			}
		}
	}
	if len(kept) == 0 {
		return ""
	}
	s := strings.Join(kept, "\n")
	if trailing || p.kind != "count" {
		s += "\n"
	}
	return s
}
