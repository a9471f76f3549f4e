package parser

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// tokKind classifies grammar tokens by matching priority.
type tokKind uint8

const (
	tkKeyword tokKind = iota // literal keyword
	tkTyped                  // range, address, custom type
	tkWord                   // WORD and other ALLCAPS variables
	tkLine                   // LINE: the rest of the line
)

// tokSpec is one token of a command's grammar.
type tokSpec struct {
	kind tokKind
	text string // as written, without $bind: "show", "(1-255)", "A.B.C.D", "WORD"
	lc   string // keyword in lower case; node key for the other kinds
	typ  TokenType
	help string
	bind string // $name, or the implicit name of a unique unnamed placeholder
	k    string // graph key, see setKey
}

func (t *tokSpec) key() string { return t.k }

// setKey computes the graph key: equal keys share a graph node.
func (t *tokSpec) setKey() {
	switch t.kind {
	case tkKeyword:
		t.k = "k" + t.lc
	case tkTyped:
		t.k = "t" + t.text
	case tkWord:
		t.k = "w" + t.text
	default:
		t.k = "l" + t.text
	}
}

// elem is a node of a parsed Syntax.
type elem struct {
	op   byte // 't' token, '[' optional, '<' one of, '{' any of
	tok  *tokSpec
	alts [][]elem
}

// lexeme kinds: a word, a bracket or pipe (the byte itself), a $bind.
type lexeme struct {
	punct byte // 0 for words and binds
	text  string
	bind  bool
}

func lex(s string) ([]lexeme, error) {
	var out []lexeme
	for i := 0; i < len(s); {
		c := s[i]
		switch c {
		case ' ', '\t', '\n':
			i++
		case '[', ']', '<', '>', '{', '}', '|':
			out = append(out, lexeme{punct: c})
			i++
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n[]<>{}|", rune(s[j])) {
				j++
			}
			w := s[i:j]
			if c == '$' {
				if len(out) == 0 || !strings.ContainsRune("]>}", rune(out[len(out)-1].punct)) {
					return nil, fmt.Errorf("binding %q does not follow a token or group", w)
				}
				if !validName(w[1:]) {
					return nil, fmt.Errorf("bad binding name %q", w)
				}
				out = append(out, lexeme{text: w[1:], bind: true})
			} else {
				out = append(out, lexeme{text: w})
			}
			i = j
		}
	}
	return out, nil
}

func validName(n string) bool {
	if n == "" {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !(c == '_' || c == '-' || isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			return false
		}
	}
	return true
}

// grammar parses one Syntax string against a registry's types.
type grammar struct {
	lx     []lexeme
	pos    int
	types  map[string]TokenType
	toks   []*tokSpec          // textual order
	intern map[string]*tokSpec // token text -> classified token, shared by a registry
}

func parseSyntax(syntax string, types map[string]TokenType, intern map[string]*tokSpec) ([]elem, []*tokSpec, error) {
	lx, err := lex(syntax)
	if err != nil {
		return nil, nil, err
	}
	g := &grammar{lx: lx, types: types, intern: intern}
	seq, err := g.seq()
	if err != nil {
		return nil, nil, err
	}
	if g.pos < len(g.lx) {
		return nil, nil, fmt.Errorf("unexpected %q", g.lx[g.pos].show())
	}
	if len(seq) == 0 {
		return nil, nil, errors.New("empty syntax")
	}
	return seq, g.toks, nil
}

func (l lexeme) show() string {
	if l.punct != 0 {
		return string(l.punct)
	}
	if l.bind {
		return "$" + l.text
	}
	return l.text
}

var closer = map[byte]byte{'[': ']', '<': '>', '{': '}'}

// seq parses tokens and groups until '|', a closing bracket or the end.
func (g *grammar) seq() ([]elem, error) {
	var out []elem
	for g.pos < len(g.lx) {
		l := g.lx[g.pos]
		switch {
		case l.bind:
			return nil, fmt.Errorf("unexpected $%s", l.text)
		case l.punct == 0:
			t, err := g.token(l.text)
			if err != nil {
				return nil, err
			}
			g.pos++
			out = append(out, elem{op: 't', tok: t})
		case closer[l.punct] != 0:
			g.pos++
			alts, err := g.alts(closer[l.punct])
			if err != nil {
				return nil, err
			}
			e := elem{op: l.punct, alts: alts}
			if g.pos < len(g.lx) && g.lx[g.pos].bind {
				bindGroup(e.alts, g.lx[g.pos].text)
				g.pos++
			}
			out = append(out, e)
		default: // '|' or a closer: the caller's business
			return out, nil
		}
	}
	return out, nil
}

// alts parses "a b | c | d e" up to and including the closing byte.
func (g *grammar) alts(close byte) ([][]elem, error) {
	var alts [][]elem
	for {
		s, err := g.seq()
		if err != nil {
			return nil, err
		}
		if len(s) == 0 {
			return nil, errors.New("empty alternative")
		}
		alts = append(alts, s)
		if g.pos >= len(g.lx) {
			return nil, fmt.Errorf("missing %q", close)
		}
		switch p := g.lx[g.pos].punct; p {
		case '|':
			g.pos++
		case close:
			g.pos++
			return alts, nil
		default:
			return nil, fmt.Errorf("unexpected %q, want %q", p, close)
		}
	}
}

// bindGroup names the first token of every alternative of a group.
func bindGroup(alts [][]elem, name string) {
	for _, a := range alts {
		switch e := a[0]; e.op {
		case 't':
			e.tok.bind = name
		default:
			bindGroup(e.alts, name)
		}
	}
}

// isPlaceholder reports whether a token is ALLCAPS: at least one upper-case
// letter and no lower-case one.
func isPlaceholder(w string) bool {
	upper := false
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= 'a' && c <= 'z' {
			return false
		}
		if c >= 'A' && c <= 'Z' {
			upper = true
		}
	}
	return upper
}

func (g *grammar) token(w string) (*tokSpec, error) {
	text, bind, hasBind := strings.Cut(w, "$")
	if hasBind && !validName(bind) {
		return nil, fmt.Errorf("bad binding name in %q", w)
	}
	if proto, ok := g.intern[text]; ok {
		t := new(tokSpec)
		*t = *proto
		t.bind = bind
		g.toks = append(g.toks, t)
		return t, nil
	}
	t := &tokSpec{text: text, bind: bind}
	defer func() {
		if g.intern != nil && t.k != "" {
			proto := *t
			proto.bind, proto.help = "", ""
			g.intern[text] = &proto
		}
	}()
	switch {
	case text == "":
		return nil, fmt.Errorf("empty token in %q", w)
	case text[0] == '(':
		lo, hi, err := parseRange(text)
		if err != nil {
			return nil, err
		}
		t.kind = tkTyped
		t.typ = rangeType{lo: lo, hi: hi, word: "<" + text[1:len(text)-1] + ">"}
	case text == "LINE":
		t.kind = tkLine
	case text == "WORD":
		t.kind = tkWord
	case isPlaceholder(text):
		if typ, ok := g.types[text]; ok {
			t.kind, t.typ = tkTyped, typ
		} else {
			t.kind = tkWord
		}
	default:
		if strings.ContainsAny(text, "()$") {
			return nil, fmt.Errorf("bad keyword %q", text)
		}
		t.kind = tkKeyword
		t.lc = lower(text)
	}
	if t.kind != tkKeyword {
		t.lc = text
	}
	t.setKey()
	g.toks = append(g.toks, t)
	return t, nil
}

func parseRange(s string) (lo, hi int64, err error) {
	if len(s) < 5 || s[len(s)-1] != ')' {
		return 0, 0, fmt.Errorf("bad range %q", s)
	}
	body := s[1 : len(s)-1]
	// The separator is the first '-' that is not a leading sign.
	i := strings.IndexByte(body[1:], '-')
	if i < 0 {
		return 0, 0, fmt.Errorf("bad range %q", s)
	}
	i++
	lo, err1 := strconv.ParseInt(body[:i], 10, 64)
	hi, err2 := strconv.ParseInt(body[i+1:], 10, 64)
	if err1 != nil || err2 != nil || lo > hi {
		return 0, 0, fmt.Errorf("bad range %q", s)
	}
	return lo, hi, nil
}

// lower folds ASCII letters only, so byte offsets are preserved.
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// maxPaths bounds the expansion of one command.
const maxPaths = 4096

var errTooMany = fmt.Errorf("more than %d token paths", maxPaths)

// expand returns every token sequence a grammar accepts.
func expand(seq []elem) ([][]*tokSpec, error) {
	var out [][]*tokSpec
	err := expandSeq(seq, make([]*tokSpec, 0, 16), func(p []*tokSpec) error {
		if len(out) >= maxPaths {
			return errTooMany
		}
		out = append(out, append([]*tokSpec(nil), p...))
		return nil
	})
	return out, err
}

// expandSeq calls k with cur extended by every token sequence seq accepts
// (depth-first, continuation-passing; k must copy what it keeps).
func expandSeq(seq []elem, cur []*tokSpec, k func([]*tokSpec) error) error {
	if len(seq) == 0 {
		return k(cur)
	}
	e, rest := seq[0], seq[1:]
	next := func(c []*tokSpec) error { return expandSeq(rest, c, k) }
	switch e.op {
	case 't':
		return next(append(cur, e.tok))
	case '[', '<':
		if e.op == '[' {
			if err := next(cur); err != nil {
				return err
			}
		}
		for _, a := range e.alts {
			if err := expandSeq(a, cur, next); err != nil {
				return err
			}
		}
		return nil
	}
	if len(e.alts) > 16 {
		return errTooMany
	}
	return anyOrder(e.alts, 0, cur, next)
}

// anyOrder expands {a|b|c}: one or more alternatives not in used, any
// order, each once.
func anyOrder(alts [][]elem, used int, cur []*tokSpec, k func([]*tokSpec) error) error {
	for i, a := range alts {
		if used&(1<<i) != 0 {
			continue
		}
		u := used | 1<<i
		err := expandSeq(a, cur, func(c []*tokSpec) error {
			if err := k(c); err != nil {
				return err
			}
			return anyOrder(alts, u, c, k)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// splitHelp splits FRR-style help: one line per token, "\n"-separated, an
// optional final "\n".
func splitHelp(h string) []string {
	h = strings.TrimSuffix(h, "\n")
	if h == "" {
		return nil
	}
	return strings.Split(h, "\n")
}

// compile parses syntax, assigns help lines and implicit binds, and expands
// the token paths.
func compile(syntax, help string, types map[string]TokenType, intern map[string]*tokSpec) ([][]*tokSpec, error) {
	seq, toks, err := parseSyntax(syntax, types, intern)
	if err != nil {
		return nil, err
	}
	lines := splitHelp(help)
	if len(lines) != len(toks) {
		return nil, fmt.Errorf("%d help lines for %d tokens", len(lines), len(toks))
	}
	for i, t := range toks {
		t.help = lines[i]
	}
	// An unnamed placeholder binds to its own text when it is the only
	// unnamed one with that text.
	var implicit []*tokSpec
	for i, t := range toks {
		if t.kind == tkKeyword || t.bind != "" {
			continue
		}
		unique := true
		for j, u := range toks {
			if j != i && u.kind != tkKeyword && u.bind == "" && u.text == t.text {
				unique = false
				break
			}
		}
		if unique {
			implicit = append(implicit, t)
		}
	}
	for _, t := range implicit {
		t.bind = t.text
	}
	paths, err := expand(seq)
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		if len(p) == 0 {
			return nil, errors.New("a path matches the empty line")
		}
		for i, t := range p[:len(p)-1] {
			if t.kind == tkLine {
				return nil, fmt.Errorf("LINE is followed by %q", p[i+1].text)
			}
		}
	}
	return paths, nil
}
