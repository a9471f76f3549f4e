package cli

import (
	"fmt"
	"strings"

	"github.com/iosemu/iosemu/parser"
)

// target is where a line is matched: the mode, the text handed to the
// parser and where that text starts in the typed line (for the caret).
type target struct {
	mode   *parser.Mode
	text   string
	offset int
	do     bool // "do" from a configuration mode: run in exec
}

// resolve handles "do": in a configuration mode, "do CMD" runs CMD in exec.
func (s *Session) resolve(line string) target {
	t := target{mode: s.mode, text: line}
	if s.mode == parser.Exec {
		return t
	}
	trim := strings.TrimLeft(line, " ")
	lead := len(line) - len(trim)
	word, _, _ := strings.Cut(trim, " ")
	if strings.EqualFold(word, "do") {
		rest := trim[len(word):]
		t.mode, t.do = parser.Exec, true
		t.text = rest
		t.offset = lead + len(word)
	}
	return t
}

// match parses text in mode m, falling back to the parent modes the way IOS
// does when a sub-mode does not know a command. It returns the result and
// the mode that matched.
func (s *Session) match(m *parser.Mode, text string) (parser.Result[Handler], *parser.Mode) {
	reg := s.host.Registry()
	first := reg.Parse(m, text, s.priv)
	if first.Kind == parser.OK || first.Kind == parser.Empty {
		return first, m
	}
	best, bestMode := first, m
	for p := m.Parent; p != nil; p = p.Parent {
		r := reg.Parse(p, text, s.priv)
		if r.Kind == parser.OK {
			return r, p
		}
	}
	return best, bestMode
}

// runLine runs one typed line: pipes, do, matching, errors, the handler.
func (s *Session) runLine(line string) {
	if s.collect != nil {
		done := true
		func() {
			s.host.Lock()
			defer s.host.Unlock()
			defer s.recoverCommand(line)
			done = s.collect(line)
		}()
		if done {
			s.collect = nil
		}
		return
	}
	if strings.TrimSpace(line) == "" {
		return
	}
	var filter *pipe
	cmdText, pipeText, pipeOff := splitPipe(line)
	if pipeOff >= 0 {
		f, ok := s.parsePipe(line, pipeText, pipeOff)
		if !ok {
			return
		}
		filter = f
	}
	t := s.resolve(cmdText)
	if t.do && strings.TrimSpace(t.text) == "" {
		s.Error("%% Incomplete command.\n")
		return
	}
	res, m := s.match(t.mode, t.text)
	switch res.Kind {
	case parser.Empty:
		return
	case parser.Incomplete:
		if w := strings.ToLower(strings.TrimSpace(t.text)); t.mode == parser.Exec && len(w) >= 2 && strings.HasPrefix("show", w) {
			s.Error("%% Type \"show ?\" for a list of subcommands")
			return
		}
		s.Error("%% Incomplete command.\n")
		return
	case parser.Ambiguous:
		s.Error("%% Ambiguous command:  \"%s\"", strings.TrimSpace(line))
		return
	case parser.NoMatch:
		if t.mode == parser.Exec && !t.do && res.Offset < firstWordEnd(t.text) {
			s.unknownHost(t.text)
			return
		}
		s.caret(t.offset + res.Offset)
		return
	}
	if filter != nil && t.mode == parser.Exec && !pipeable(t.text) {
		// Output modifiers follow only the commands that display something
		// (as '?' shows); a streaming command such as ping cannot be held
		// back for a filter.
		s.caret(pipeOff - 1)
		return
	}
	if t.mode == parser.Exec && s.timestampOn() {
		s.out.WriteString(s.host.ExecHeader() + "\n\n")
	}
	start := s.out.Len()
	if m != s.mode && !t.do {
		// A parent mode's command leaves the sub-mode first.
		for s.mode != m && len(s.parent) > 0 {
			f := s.parent[len(s.parent)-1]
			s.parent = s.parent[:len(s.parent)-1]
			s.mode, s.ctx = f.mode, f.ctx
		}
	}
	s.host.Lock()
	s.locked = true
	s.filtered = filter != nil
	func() {
		defer func() {
			s.locked = false
			s.filtered = false
			s.host.Unlock()
		}()
		defer s.recoverCommand(line)
		res.Handler(s, res.Args)
	}()
	if filter != nil {
		out := s.out.String()
		s.out.Truncate(start)
		s.out.WriteString(filter.apply(out[start:]))
	}
}

func (s *Session) timestampOn() bool { return s.timestamp }

// caret prints the IOS invalid-input marker under column off of the typed
// line (the prompt's width counts).
func (s *Session) caret(off int) {
	if s.headless {
		s.errs = append(s.errs, "% Invalid input detected")
		return
	}
	col := len(s.Prompt()) + off
	s.out.WriteString(strings.Repeat(" ", col) + "^\n")
	s.out.WriteString("% Invalid input detected at '^' marker.\n\n")
}

// unknownHost is what IOS does with a word it does not know in exec: it
// takes it for a host name to telnet to.
func (s *Session) unknownHost(text string) {
	word, _, _ := strings.Cut(strings.TrimSpace(text), " ")
	if c, ok := s.host.(Connector); ok {
		handled := false
		func() {
			s.host.Lock()
			s.locked = true
			defer func() {
				s.locked = false
				s.host.Unlock()
			}()
			defer s.recoverCommand(text)
			handled = c.Telnet(s, word)
		}()
		if handled {
			return
		}
	}
	if s.host.DomainLookup() {
		fmt.Fprintf(&s.out, "Translating %q...domain server (255.255.255.255)\n", word)
	} else {
		fmt.Fprintf(&s.out, "Translating %q\n", word)
	}
	s.out.WriteString("% Unknown command or computer name, or unable to find computer address\n")
}

// parsePipe checks the text after '|' with the pipe grammar.
func (s *Session) parsePipe(line, text string, off int) (*pipe, bool) {
	res := s.host.Registry().Parse(pipeMode, text, 15)
	switch res.Kind {
	case parser.OK:
	case parser.Ambiguous:
		s.Error("%% Ambiguous command:  \"%s\"", strings.TrimSpace(line))
		return nil, false
	case parser.Incomplete, parser.Empty:
		s.Error("%% Incomplete command.\n")
		return nil, false
	default:
		s.caret(off + res.Offset)
		return nil, false
	}
	kind := strings.ToLower(res.Args.Words()[0])
	for _, k := range []string{"begin", "count", "exclude", "include", "section"} {
		if strings.HasPrefix(k, kind) {
			kind = k
			break
		}
	}
	re, err := compileRegexp(strings.TrimSpace(res.Args.String("re")))
	if err != nil {
		s.Error("%% Invalid regular expression")
		return nil, false
	}
	return &pipe{kind: kind, re: re}, true
}

// showHelp answers '?' typed after line.
func (s *Session) showHelp(line string) {
	s.followWindow()
	cmdText, pipeText, pipeOff := splitPipe(line)
	var h parser.HelpResult
	var base int
	reg := s.host.Registry()
	if pipeOff >= 0 {
		h = reg.Help(pipeMode, pipeText, 15)
		base = pipeOff
	} else if strings.HasSuffix(line, " |") || line == "|" {
		h = reg.Help(pipeMode, "", 15)
	} else {
		t := s.resolve(cmdText)
		h = reg.Help(t.mode, t.text, s.priv)
		base = t.offset
		if h.Kind != parser.OK && t.mode.Parent != nil {
			for p := t.mode.Parent; p != nil; p = p.Parent {
				if ph := reg.Help(p, t.text, s.priv); ph.Kind == parser.OK {
					h = ph
					break
				}
			}
		}
		if t.mode == parser.Exec && h.Kind == parser.OK && !h.Glued && pipeable(t.text) && hasCR(h.Lines) {
			h.Lines = append(h.Lines[:len(h.Lines)-1], parser.HelpLine{Word: "|", Text: "Output modifiers"}, h.Lines[len(h.Lines)-1])
		}
	}
	switch h.Kind {
	case parser.Ambiguous:
		fmt.Fprintf(&s.out, "%% Ambiguous command:  \"%s\"\n", strings.TrimSpace(line))
	case parser.NoMatch:
		s.caret(base + h.Offset)
	case parser.Incomplete:
		s.out.WriteString("% Incomplete command.\n\n")
	default:
		if h.Glued {
			if len(h.Words) == 0 {
				s.out.WriteString("% Unrecognized command\n")
			} else {
				s.out.WriteString(parser.FormatWords(h.Words, s.width) + "\n\n")
			}
		} else {
			s.out.WriteString(parser.FormatHelp(h.Lines, s.width) + "\n")
		}
	}
	s.page(s.out.String())
	s.out.Reset()
}

func hasCR(lines []parser.HelpLine) bool {
	return len(lines) > 0 && lines[len(lines)-1].Word == "<cr>"
}

// complete answers TAB.
func (s *Session) complete(line string) (string, bool) {
	cmdText, pipeText, pipeOff := splitPipe(line)
	reg := s.host.Registry()
	if pipeOff >= 0 {
		nl, ok := reg.Complete(pipeMode, pipeText, 15)
		return line[:pipeOff] + nl, ok
	}
	t := s.resolve(cmdText)
	nl, ok := reg.Complete(t.mode, t.text, s.priv)
	if !ok {
		for p := t.mode.Parent; p != nil && !ok; p = p.Parent {
			nl, ok = reg.Complete(p, t.text, s.priv)
		}
	}
	if !ok {
		return "", false
	}
	return line[:len(line)-len(t.text)] + nl, true
}

// firstWordEnd is the offset just past the first word of text.
func firstWordEnd(text string) int {
	i := len(text) - len(strings.TrimLeft(text, " "))
	for i < len(text) && text[i] != ' ' {
		i++
	}
	return i
}

// pipeable reports whether an exec line's command takes output modifiers:
// the commands that display something (show, more, dir).
func pipeable(text string) bool {
	word, _, _ := strings.Cut(strings.TrimSpace(text), " ")
	word = strings.ToLower(word)
	if len(word) < 2 {
		return false
	}
	for _, c := range []string{"show", "more", "dir"} {
		if strings.HasPrefix(c, word) {
			return true
		}
	}
	return false
}
