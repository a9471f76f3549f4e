package parser

import (
	"fmt"
	"sort"
	"sync"
)

// Command is one declared command: grammar, help and handler in one place.
type Command[H any] struct {
	Syntax string // FRR-style grammar (see the package doc)
	Help   string // one help line per token of Syntax, "\n"-separated, in token order
	// No is the grammar of the "no" form without the leading "no"; "" means
	// not negatable, "=" the same as Syntax. It is installed under "no" and
	// under "default".
	No      string
	NoHelp  string // help lines for No's tokens ("" when No is "=")
	Priv    int    // minimum privilege; 0 means 1
	Hidden  bool   // matches but never shown in ? or TAB
	Handler H
}

func (c *Command[H]) priv() int {
	if c.Priv <= 0 {
		return 1
	}
	return c.Priv
}

// form says how a path reaches a command.
type form uint8

const (
	plain form = iota
	negated
	defaulted
)

// slot is what one matched token binds.
type slot struct {
	kw   string // keyword name (lower case) for keywords
	name string // $name or implicit placeholder name
}

// entry is a command ending at a graph node.
type entry[H any] struct {
	cmd   *Command[H]
	form  form
	slots []slot // per depth, from the first word
}

// node is a graph node: one token at one depth.
type node[H any] struct {
	spec       *tokSpec // first spec installed here (help text, type)
	parent     *node[H]
	depth      int        // word index; -1 for the root
	kws        []*node[H] // keyword children sorted by spec.lc
	phs        []*node[H] // placeholder children in install order
	index      map[string]*node[H]
	end        *entry[H]
	minPriv    int // lowest privilege of any command through here
	minVisPriv int // same over non-hidden commands (maxPriv+1 if none)
}

const noPriv = 1 << 30

func newNode[H any](spec *tokSpec, parent *node[H]) *node[H] {
	n := &node[H]{spec: spec, parent: parent, depth: -1, minPriv: noPriv, minVisPriv: noPriv}
	if parent != nil {
		n.depth = parent.depth + 1
	}
	return n
}

const indexAt = 8 // children count from which a node keeps a map

func (n *node[H]) child(key string) *node[H] {
	if n.index != nil {
		return n.index[key]
	}
	for _, c := range n.kws {
		if c.spec.key() == key {
			return c
		}
	}
	for _, c := range n.phs {
		if c.spec.key() == key {
			return c
		}
	}
	return nil
}

func (n *node[H]) add(spec *tokSpec) *node[H] {
	c := newNode(spec, n)
	if spec.kind == tkKeyword {
		i := sort.Search(len(n.kws), func(i int) bool { return n.kws[i].spec.lc >= spec.lc })
		n.kws = append(n.kws, nil)
		copy(n.kws[i+1:], n.kws[i:])
		n.kws[i] = c
	} else {
		n.phs = append(n.phs, c)
	}
	switch {
	case n.index != nil:
		n.index[spec.key()] = c
	case len(n.kws)+len(n.phs) >= indexAt:
		n.index = make(map[string]*node[H], 2*indexAt)
		for _, x := range n.kws {
			n.index[x.spec.key()] = x
		}
		for _, x := range n.phs {
			n.index[x.spec.key()] = x
		}
	}
	return c
}

// graph is the one matching graph of a mode.
type graph[H any] struct {
	mode *Mode
	root *node[H]
}

// Registry holds the command graphs of all modes and the custom types.
type Registry[H any] struct {
	mu     sync.RWMutex
	types  map[string]TokenType
	graphs map[*Mode]*graph[H]
	names  map[string]*Mode
	intern map[string]*tokSpec // classified tokens by text (types must not change them)
}

// NewRegistry returns an empty registry knowing the built-in types.
func NewRegistry[H any]() *Registry[H] {
	return &Registry[H]{
		types:  builtinTypes(),
		graphs: map[*Mode]*graph[H]{},
		names:  map[string]*Mode{},
		intern: map[string]*tokSpec{},
	}
}

// DefineType adds a custom placeholder token usable in Syntax by its name,
// which must be ALLCAPS (e.g. "IFNAME"). Define a type before installing
// commands that use it: an unknown ALLCAPS token is a WORD-like variable. It
// panics on a bad or already defined name.
func (r *Registry[H]) DefineType(name string, t TokenType) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !isPlaceholder(name) || name == "WORD" || name == "LINE" || t == nil {
		panic(fmt.Sprintf("parser: DefineType(%q): not an ALLCAPS placeholder name or nil type", name))
	}
	if _, dup := r.types[name]; dup {
		panic(fmt.Sprintf("parser: DefineType(%q): already defined", name))
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c == ' ' || c == '$' || c == '(' || c == '\t' {
			panic(fmt.Sprintf("parser: DefineType(%q): bad character %q", name, c))
		}
	}
	r.types[name] = t
	delete(r.intern, name) // it was a WORD-like variable until now
}

// Modes returns the modes that have commands, in no particular order.
func (r *Registry[H]) Modes() []*Mode {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*Mode, 0, len(r.graphs))
	for m := range r.graphs {
		out = append(out, m)
	}
	return out
}

// negation keywords, installed in front of every No grammar.
func negSpecs(m *Mode) (no, def *tokSpec) {
	noHelp := "Negate a command or set its defaults"
	if m == Exec {
		noHelp = "Disable debugging functions (see also 'undebug')"
	}
	no = &tokSpec{kind: tkKeyword, text: "no", lc: "no", help: noHelp}
	def = &tokSpec{kind: tkKeyword, text: "default", lc: "default", help: "Set a command to its defaults"}
	no.setKey()
	def.setKey()
	return no, def
}

type pending[H any] struct {
	e    *entry[H]
	head *tokSpec // "no" or "default" in front of path; nil for plain forms
	path []*tokSpec
}

func (p *pending[H]) len() int {
	if p.head != nil {
		return len(p.path) + 1
	}
	return len(p.path)
}

func (p *pending[H]) at(i int) *tokSpec {
	if p.head != nil {
		if i == 0 {
			return p.head
		}
		i--
	}
	return p.path[i]
}

// hash is an FNV-1a hash of the path's graph keys.
func (p *pending[H]) hash() uint64 {
	h := uint64(14695981039346656037)
	for i := range p.len() {
		k := p.at(i).key()
		for j := 0; j < len(k); j++ {
			h = (h ^ uint64(k[j])) * 1099511628211
		}
		h = (h ^ 0xff) * 1099511628211
	}
	return h
}

func (p *pending[H]) same(q *pending[H]) bool {
	if p.len() != q.len() {
		return false
	}
	for i := range p.len() {
		if p.at(i).key() != q.at(i).key() {
			return false
		}
	}
	return true
}

// Install merges commands into the graph of mode m. It panics (like
// http.ServeMux) on a grammar error, a help-line count mismatch or a
// duplicate command; nothing is installed when it panics.
func (r *Registry[H]) Install(m *Mode, cmds ...Command[H]) {
	if m == nil {
		panic("parser: Install: nil mode")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if other, ok := r.names[m.Name]; ok && other != m {
		panic(fmt.Sprintf("parser: Install: two modes named %q", m.Name))
	}
	var todo []pending[H]
	no, def := negSpecs(m)
	stored := make([]Command[H], len(cmds))
	copy(stored, cmds)
	for i := range stored {
		c := &stored[i]
		paths, err := compile(c.Syntax, c.Help, r.types, r.intern)
		if err != nil {
			panic(fmt.Sprintf("parser: mode %s: command %q: %v", m, c.Syntax, err))
		}
		for _, p := range paths {
			if err := checkBinds(p); err != nil {
				panic(fmt.Sprintf("parser: mode %s: command %q: %v", m, c.Syntax, err))
			}
		}
		plainE := &entry[H]{cmd: c, form: plain}
		for _, p := range paths {
			todo = append(todo, pending[H]{e: plainE, path: p})
		}
		if c.No == "" {
			continue
		}
		if c.No != "=" {
			if paths, err = compile(c.No, c.NoHelp, r.types, r.intern); err != nil {
				panic(fmt.Sprintf("parser: mode %s: command %q: no form %q: %v", m, c.Syntax, c.No, err))
			}
		}
		negE, defE := &entry[H]{cmd: c, form: negated}, &entry[H]{cmd: c, form: defaulted}
		for _, p := range paths {
			todo = append(todo, pending[H]{e: negE, head: no, path: p}, pending[H]{e: defE, head: def, path: p})
		}
	}
	g := r.graphs[m]
	if g == nil {
		g = &graph[H]{mode: m, root: newNode[H](nil, nil)}
	}
	// Check for duplicates before changing anything.
	seen := make(map[uint64][]int, len(todo))
	keep := make([]bool, len(todo))
	for i := range todo {
		p := &todo[i]
		h := p.hash()
		dupOf := -1
		for _, j := range seen[h] {
			if todo[j].same(p) {
				dupOf = j
				break
			}
		}
		if dupOf >= 0 {
			if prev := todo[dupOf].e.cmd; prev != p.e.cmd {
				panic(fmt.Sprintf("parser: mode %s: duplicate command %q (also %q)", m, p.e.cmd.Syntax, prev.Syntax))
			}
			continue // two expansions of one command coincide
		}
		seen[h] = append(seen[h], i)
		if n := g.lookup(p); n != nil && n.end != nil {
			panic(fmt.Sprintf("parser: mode %s: duplicate command %q (already %q)", m, p.e.cmd.Syntax, n.end.cmd.Syntax))
		}
		keep[i] = true
	}
	for i := range todo {
		if keep[i] {
			g.insert(&todo[i])
		}
	}
	r.graphs[m] = g
	r.names[m.Name] = m
}

func (g *graph[H]) lookup(p *pending[H]) *node[H] {
	n := g.root
	for i := range p.len() {
		if n = n.child(p.at(i).key()); n == nil {
			return nil
		}
	}
	return n
}

func (g *graph[H]) insert(p *pending[H]) {
	e := p.e
	priv := e.cmd.priv()
	n := g.root
	slots := make([]slot, p.len())
	for i := range slots {
		t := p.at(i)
		c := n.child(t.key())
		if c == nil {
			c = n.add(t)
		}
		n = c
		n.minPriv = min(n.minPriv, priv)
		if !e.cmd.Hidden {
			n.minVisPriv = min(n.minVisPriv, priv)
		}
		if t.kind == tkKeyword && !(i == 0 && p.head != nil) {
			slots[i].kw = t.lc
		}
		slots[i].name = t.bind
	}
	// One entry per end node: an entry shared by several paths of a
	// command gets a copy with this path's slots.
	if e.slots != nil {
		cp := *e
		e = &cp
	}
	e.slots = slots
	n.end = e
}

// checkBinds rejects a path where a placeholder is bound to the name of one of
// its own keywords: Args.String("name") would be ambiguous between the keyword
// "name" and the value bound by "$name".
func checkBinds(path []*tokSpec) error {
	kw := map[string]bool{}
	for _, t := range path {
		if t.kind == tkKeyword && t.bind == "" {
			kw[t.lc] = true
		}
	}
	for _, t := range path {
		if t.kind != tkKeyword && t.bind != "" && kw[t.bind] {
			return fmt.Errorf("binding $%s has the name of a keyword of the command", t.bind)
		}
	}
	return nil
}
