package parser

import (
	"sort"
	"strings"
)

// Kind is the outcome of matching a line.
type Kind int

// Match outcomes.
const (
	OK         Kind = iota // a command matched
	Empty                  // blank line
	NoMatch                // invalid input at Offset
	Incomplete             // the line is a valid prefix of commands but none ends here
	Ambiguous              // the token at Offset abbreviates several keywords
)

// String names the kind.
func (k Kind) String() string {
	switch k {
	case OK:
		return "OK"
	case Empty:
		return "Empty"
	case NoMatch:
		return "NoMatch"
	case Incomplete:
		return "Incomplete"
	case Ambiguous:
		return "Ambiguous"
	}
	return "Kind(?)"
}

// Result is what Parse found.
type Result[H any] struct {
	Kind Kind
	// Offset is, for NoMatch, the byte offset in the line of the first
	// character that fails (the caret column relative to the start of the
	// line); for Ambiguous, the offset of the ambiguous token; for
	// Incomplete, the end of the last token.
	Offset  int
	Handler H           // OK only
	Args    Args        // OK only
	Cmd     *Command[H] // OK only
}

// HelpResult is what Help found.
type HelpResult struct {
	Kind   Kind // OK, or the NoMatch/Ambiguous/Incomplete of the text before the '?'
	Offset int
	Glued  bool       // '?' typed inside a word: Words holds the completions
	Lines  []HelpLine // next tokens (Glued false)
	Words  []string   // completions of the partial word (Glued true)
}

type span struct{ s, e int }

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

func split(line string) []span {
	var out []span
	for i := 0; i < len(line); {
		if isSpace(line[i]) {
			i++
			continue
		}
		j := i
		for j < len(line) && !isSpace(line[j]) {
			j++
		}
		out = append(out, span{i, j})
		i = j
	}
	return out
}

type state[H any] struct {
	n       *node[H]
	partial bool // matched as a Partial typed placeholder: may only end the line
}

func (n *node[H]) isLine() bool { return n.spec != nil && n.spec.kind == tkLine }

func matchSpec(t *tokSpec, w string) (MatchLevel, int) {
	switch t.kind {
	case tkWord, tkLine:
		return Exact, 0
	case tkTyped:
		l, bad := t.typ.Match(w)
		return l, max(0, min(bad, len(w)))
	}
	return None, 0
}

// candidate classes by IOS priority, best first.
const (
	clExact   = iota + 1 // exact keyword
	clPrefix             // keyword prefix
	clTyped              // typed placeholder, Exact
	clWord               // WORD, LINE
	clHidden             // prefix of a hidden keyword: only when nothing visible matches
	clPartial            // typed placeholder, Partial
	clNone
)

type cand[H any] struct {
	n     *node[H]
	class int
}

// kwRange returns the keyword children of n that lw (lower case) prefixes.
func (n *node[H]) kwRange(lw string) []*node[H] {
	i := sort.Search(len(n.kws), func(i int) bool { return n.kws[i].spec.lc >= lw })
	j := i
	for j < len(n.kws) && strings.HasPrefix(n.kws[j].spec.lc, lw) {
		j++
	}
	return n.kws[i:j]
}

// step matches one word against the children of states.
func step[H any](states []state[H], word string, priv int) (next []state[H], kind Kind) {
	lw := lower(word)
	var cands []cand[H]
	var carried []state[H]
	best := clNone
	for _, st := range states {
		if st.partial {
			continue
		}
		if st.n.isLine() {
			carried = append(carried, st)
			continue
		}
		for _, c := range st.n.kwRange(lw) {
			if c.minPriv > priv {
				continue
			}
			cl := clPrefix
			if c.spec.lc == lw {
				cl = clExact
			} else if c.minVisPriv > priv {
				cl = clHidden
			}
			cands = append(cands, cand[H]{c, cl})
			best = min(best, cl)
		}
		if best <= clPrefix {
			continue // no placeholder can win any more
		}
		for _, c := range st.n.phs {
			if c.minPriv > priv {
				continue
			}
			l, _ := matchSpec(c.spec, word)
			cl := clNone
			switch {
			case l == Exact && c.spec.kind == tkTyped:
				cl = clTyped
			case l == Exact:
				cl = clWord
			case l == Partial:
				cl = clPartial
			}
			if cl != clNone {
				cands = append(cands, cand[H]{c, cl})
				best = min(best, cl)
			}
		}
	}
	if best == clNone {
		if len(carried) > 0 {
			return carried, OK
		}
		return nil, NoMatch
	}
	if best == clPrefix || best == clHidden {
		first := ""
		for _, c := range cands {
			if c.class != best {
				continue
			}
			if first == "" {
				first = c.n.spec.lc
			} else if c.n.spec.lc != first {
				return nil, Ambiguous
			}
		}
	}
	next = carried
	for _, c := range cands {
		if c.class == best {
			next = append(next, state[H]{c.n, best == clPartial})
		}
	}
	return next, OK
}

// failOffset is the offset inside word of the first character no child of
// states accepts: the longest keyword prefix, or a type's bad offset.
func failOffset[H any](states []state[H], word string, priv int) int {
	lw := lower(word)
	off := 0
	for _, st := range states {
		if st.partial || st.n.isLine() {
			continue
		}
		n := st.n
		i := sort.Search(len(n.kws), func(i int) bool { return n.kws[i].spec.lc >= lw })
		// In sorted order the longest common prefix is with a neighbour.
		for j := i; j < len(n.kws); j++ {
			if n.kws[j].minPriv <= priv {
				off = max(off, lcp(n.kws[j].spec.lc, lw))
				break
			}
		}
		for j := i - 1; j >= 0; j-- {
			if n.kws[j].minPriv <= priv {
				off = max(off, lcp(n.kws[j].spec.lc, lw))
				break
			}
		}
		for _, c := range n.phs {
			if c.minPriv > priv {
				continue
			}
			if l, bad := matchSpec(c.spec, word); l == None {
				off = max(off, bad)
			}
		}
	}
	return min(off, len(word))
}

func lcp(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

// walk matches spans one by one from the root. On failure it returns the
// kind and the offset in line.
func walk[H any](g *graph[H], line string, spans []span, priv int) ([]state[H], Kind, int) {
	if g == nil {
		if len(spans) == 0 {
			return nil, OK, 0
		}
		return nil, NoMatch, spans[0].s
	}
	states := []state[H]{{n: g.root}}
	for _, sp := range spans {
		word := line[sp.s:sp.e]
		next, kind := step(states, word, priv)
		switch kind {
		case NoMatch:
			return nil, NoMatch, sp.s + failOffset(states, word, priv)
		case Ambiguous:
			return nil, Ambiguous, sp.s
		}
		states = next
	}
	return states, OK, 0
}

// Parse matches one line (no pipes) in mode m at privilege priv.
func (r *Registry[H]) Parse(m *Mode, line string, priv int) Result[H] {
	spans := split(line)
	if len(spans) == 0 {
		return Result[H]{Kind: Empty}
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	states, kind, off := walk(r.graph(m), line, spans, priv)
	if kind != OK {
		return Result[H]{Kind: kind, Offset: off}
	}
	last := spans[len(spans)-1]
	var hit *entry[H]
	var at *node[H]
	for _, st := range states {
		if st.partial {
			continue
		}
		e := st.n.end
		if e == nil || e.cmd.priv() > priv || e == hit {
			continue
		}
		if hit != nil && hit.cmd != e.cmd {
			return Result[H]{Kind: Ambiguous, Offset: last.s}
		}
		hit, at = e, st.n
	}
	if hit == nil {
		return Result[H]{Kind: Incomplete, Offset: last.e}
	}
	return Result[H]{Kind: OK, Handler: r.handler(hit), Cmd: hit.cmd, Args: bind(hit, at, line, spans)}
}

// bind collects the arguments along the path to n.
func bind[H any](e *entry[H], n *node[H], line string, spans []span) Args {
	a := Args{form: e.form, words: make([]string, len(spans))}
	for i, sp := range spans {
		a.words[i] = line[sp.s:sp.e]
	}
	path := make([]*node[H], n.depth+1)
	for x := n; x.depth >= 0; x = x.parent {
		path[x.depth] = x
	}
	for d, x := range path {
		t := x.spec
		var val string
		switch t.kind {
		case tkKeyword:
			val = t.text
		case tkLine:
			val = line[spans[d].s:]
		default:
			val = a.words[d]
		}
		if t.kind != tkKeyword {
			a.values = append(a.values, val)
		}
		sl := e.slots[d]
		if sl.kw != "" {
			a.vals = append(a.vals, argVal{sl.kw, val, true})
		}
		if sl.name != "" && sl.name != sl.kw {
			a.vals = append(a.vals, argVal{sl.name, val, t.kind == tkKeyword})
		}
	}
	return a
}

// helpLines returns what "?" shows for a placeholder node.
func helpLines(t *tokSpec) []HelpLine {
	if t.kind == tkTyped {
		if hl := t.typ.Help(); len(hl) > 0 {
			out := make([]HelpLine, len(hl))
			for i, l := range hl {
				if l.Text == "" {
					l.Text = t.help
				}
				out[i] = l
			}
			return out
		}
	}
	return []HelpLine{{Word: t.text, Text: t.help}}
}

func (n *node[H]) endVisible(priv int) bool {
	return n.end != nil && n.end.cmd.priv() <= priv && !n.end.cmd.Hidden
}

// Help answers "?" typed at the end of line (line excludes the '?').
func (r *Registry[H]) Help(m *Mode, line string, priv int) HelpResult {
	spans := split(line)
	glued := len(spans) > 0 && spans[len(spans)-1].e == len(line)
	before := spans
	if glued {
		before = spans[:len(spans)-1]
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	states, kind, off := walk(r.graph(m), line, before, priv)
	if kind != OK {
		return HelpResult{Kind: kind, Offset: off, Glued: glued}
	}
	if glued {
		return HelpResult{Kind: OK, Glued: true, Words: gluedWords(states, line[spans[len(spans)-1].s:], priv)}
	}
	var kws, phs []*node[H]
	cr, partial := false, false
	for _, st := range states {
		switch {
		case st.partial:
			partial = true
			continue
		case st.n.isLine():
			phs = append(phs, st.n)
		default:
			for _, c := range st.n.kws {
				if c.minVisPriv <= priv {
					kws = append(kws, c)
				}
			}
			for _, c := range st.n.phs {
				if c.minVisPriv <= priv {
					phs = append(phs, c)
				}
			}
		}
		cr = cr || st.n.endVisible(priv)
	}
	if len(states) > 1 {
		sort.SliceStable(kws, func(i, j int) bool { return kws[i].spec.lc < kws[j].spec.lc })
	}
	var lines []HelpLine
	seen := map[string]bool{}
	for _, c := range kws {
		if !seen[c.spec.lc] {
			seen[c.spec.lc] = true
			lines = append(lines, HelpLine{Word: c.spec.text, Text: c.spec.help})
		}
	}
	for _, c := range phs {
		for _, l := range helpLines(c.spec) {
			if !seen[l.Word] {
				seen[l.Word] = true
				lines = append(lines, l)
			}
		}
	}
	if cr {
		lines = append(lines, HelpLine{Word: "<cr>"})
	}
	if len(lines) == 0 && partial {
		return HelpResult{Kind: Incomplete, Offset: len(line)}
	}
	return HelpResult{Kind: OK, Lines: lines}
}

// gluedWords lists what the partial word w can complete to.
func gluedWords[H any](states []state[H], w string, priv int) []string {
	lw := lower(w)
	var kws, rest []string
	seen := map[string]bool{}
	addTo := func(list *[]string, s string) {
		if !seen[s] {
			seen[s] = true
			*list = append(*list, s)
		}
	}
	for _, st := range states {
		if st.partial {
			continue
		}
		if st.n.isLine() {
			addTo(&rest, st.n.spec.text)
			continue
		}
		for _, c := range st.n.kwRange(lw) {
			if c.minVisPriv <= priv {
				addTo(&kws, c.spec.text)
			}
		}
		for _, c := range st.n.phs {
			if c.minVisPriv > priv {
				continue
			}
			if c.spec.kind == tkTyped {
				if comp := c.spec.typ.Complete(w); len(comp) > 0 {
					for _, s := range comp {
						addTo(&rest, s)
					}
					continue
				}
			}
			if l, _ := matchSpec(c.spec, w); l != None {
				for _, h := range helpLines(c.spec) {
					addTo(&rest, h.Word)
				}
			}
		}
	}
	sort.Strings(kws)
	return append(kws, rest...)
}

// Complete answers TAB: if the last (partial) token of line completes
// uniquely to a keyword (or a custom type's completion), it returns the line
// with that word completed and a trailing space.
func (r *Registry[H]) Complete(m *Mode, line string, priv int) (newLine string, ok bool) {
	spans := split(line)
	if len(spans) == 0 || spans[len(spans)-1].e != len(line) {
		return "", false
	}
	lastSp := spans[len(spans)-1]
	r.mu.RLock()
	defer r.mu.RUnlock()
	states, kind, _ := walk(r.graph(m), line, spans[:len(spans)-1], priv)
	if kind != OK {
		return "", false
	}
	w := line[lastSp.s:]
	lw := lower(w)
	var exact string
	var prefix, typed []string
	for _, st := range states {
		if st.partial || st.n.isLine() {
			continue
		}
		for _, c := range st.n.kwRange(lw) {
			if c.minVisPriv > priv {
				continue
			}
			if c.spec.lc == lw {
				exact = c.spec.text
			} else {
				prefix = addUnique(prefix, c.spec.text)
			}
		}
		for _, c := range st.n.phs {
			if c.minVisPriv > priv || c.spec.kind != tkTyped {
				continue
			}
			for _, s := range c.spec.typ.Complete(w) {
				typed = addUnique(typed, s)
			}
		}
	}
	var word string
	switch {
	case exact != "":
		word = exact
	case len(prefix) == 1:
		word = prefix[0]
	case len(prefix) == 0 && len(typed) == 1:
		word = typed[0]
	default:
		return "", false
	}
	return line[:lastSp.s] + word + " ", true
}

func addUnique(list []string, s string) []string {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return list
		}
	}
	return append(list, s)
}
