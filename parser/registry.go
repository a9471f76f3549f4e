package parser

import (
	"fmt"
	"slices"
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
	idx   int // the command's place in its registry's install order (Registry.handlers)
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

	// handlers are the installed commands' handlers, in install order
	// (entry.idx); history is what was installed, for a registry that
	// stops sharing (see ShareAs).
	handlers []H
	history  []installed[H]

	key    string        // ShareAs key; "" does not share
	log    []sig         // the signatures of the commands installed, in order
	shared *sharedSet[H] // graphs built by another registry of the same key
	pos    int           // the next signature a sharing registry expects
}

// installed is one Install call.
type installed[H any] struct {
	mode *Mode
	cmds []Command[H]
}

// sharedSet is the graphs of a sealed registry, by mode name, and the
// signatures of the commands it installed: any registry that installs the
// same commands in the same order uses these graphs with its own handlers.
type sharedSet[H any] struct {
	graphs map[string]*graph[H]
	log    []sig
}

// sharedSets are the sealed registries' graphs by ShareAs key.
var sharedSets sync.Map // string → *sharedSet[H]

// ShareAs names what the registry's commands will be, before any Install:
// registries that declare the same commands in the same order (every router
// of one platform with the same features) share one matching graph per
// mode, each with its own handlers, as FRR binds one command graph to many
// vtys. The first registry of a key builds the graphs and Seal publishes
// them; a later one only checks that each command it installs is the one
// the graphs hold at that place (grammar, help, no form, privilege), and
// builds graphs of its own from everything it was given if one differs or
// comes after the end. Custom types are matched with the first registry's:
// they must depend only on what the key says.
func (r *Registry[H]) ShareAs(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.handlers) > 0 || key == "" {
		return
	}
	r.key = key
	if v, ok := sharedSets.Load(key); ok {
		if set, ok := v.(*sharedSet[H]); ok {
			r.shared = set
		}
	}
}

// Seal ends a registry's declarations: the first registry of its ShareAs
// key publishes its graphs for the others. A command installed later makes
// the registry build graphs of its own again (the published ones never
// change).
func (r *Registry[H]) Seal() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.key == "" || r.shared != nil {
		return
	}
	set := &sharedSet[H]{graphs: map[string]*graph[H]{}, log: r.log}
	for m, g := range r.graphs {
		set.graphs[m.Name] = g
	}
	v, _ := sharedSets.LoadOrStore(r.key, set)
	// Another registry of the key may have sealed first: its graphs serve
	// only if it installed exactly what this one did.
	if s, ok := v.(*sharedSet[H]); ok && slices.Equal(s.log, r.log) {
		r.shared, r.pos = s, len(r.log)
		r.graphs, r.intern = map[*Mode]*graph[H]{}, map[string]*tokSpec{}
	}
}

// sig is what must be equal for two registries to share a command. Its
// strings are mostly the same literals in every router, so comparing them
// costs little (equal pointers), and making one allocates nothing.
type sig struct {
	mode, syntax, help, no, noHelp string
	priv                           int
	hidden                         bool
}

func signature[H any](m *Mode, c *Command[H]) sig {
	return sig{m.Name, c.Syntax, c.Help, c.No, c.NoHelp, c.priv(), c.Hidden}
}

// graph is m's graph: the shared one of its name, or the registry's own.
func (r *Registry[H]) graph(m *Mode) *graph[H] {
	if r.shared != nil {
		return r.shared.graphs[m.Name]
	}
	return r.graphs[m]
}

// handler is the handler of the command e ends.
func (r *Registry[H]) handler(e *entry[H]) H {
	if e.idx < len(r.handlers) {
		return r.handlers[e.idx]
	}
	return e.cmd.Handler
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
	if r.shared != nil {
		seen := map[*Mode]bool{}
		var out []*Mode
		for _, in := range r.history {
			if !seen[in.mode] {
				seen[in.mode] = true
				out = append(out, in.mode)
			}
		}
		return out
	}
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
	if r.key != "" {
		r.history = append(r.history, installed[H]{m, append([]Command[H](nil), cmds...)})
	}
	if r.shared != nil {
		if r.follow(m, cmds) {
			return
		}
		// Not the shared commands: build this registry's own graphs from
		// everything it was given.
		r.shared, r.key = nil, ""
		r.handlers, r.log = nil, nil
		hist := r.history
		r.history = nil
		for _, in := range hist {
			r.install(in.mode, in.cmds)
		}
		return
	}
	r.install(m, cmds)
}

// follow takes cmds as the next commands of the shared graphs, if they are.
func (r *Registry[H]) follow(m *Mode, cmds []Command[H]) bool {
	if r.pos+len(cmds) > len(r.shared.log) {
		return false
	}
	for i := range cmds {
		if signature(m, &cmds[i]) != r.shared.log[r.pos+i] {
			return false
		}
	}
	for i := range cmds {
		r.handlers = append(r.handlers, cmds[i].Handler)
	}
	r.pos += len(cmds)
	return true
}

// install builds cmds into the registry's own graph of m.
func (r *Registry[H]) install(m *Mode, cmds []Command[H]) {
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
		idx := len(r.handlers) + i
		plainE := &entry[H]{cmd: c, idx: idx, form: plain}
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
		negE, defE := &entry[H]{cmd: c, idx: idx, form: negated}, &entry[H]{cmd: c, idx: idx, form: defaulted}
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
	for i := range stored {
		r.handlers = append(r.handlers, stored[i].Handler)
		if r.key != "" {
			r.log = append(r.log, signature(m, &stored[i]))
		}
	}
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
