package parser

import "testing"

// Registries that declare the same commands share one graph per mode and
// keep their own handlers; one that declares something else builds its own
// graphs, and a late install never changes the shared ones.
func TestShareAs(t *testing.T) {
	key := t.Name() // a key of its own: the shared sets live for the process
	decl := func(owner string, extra bool) *Registry[string] {
		r := NewRegistry[string]()
		r.ShareAs(key)
		m := NewMode("config-x", "(config-x)#", Config)
		r.Install(Exec, Command[string]{Syntax: "show thing", Help: "Show\nThing", Handler: owner + ":show"})
		r.Install(m, Command[string]{Syntax: "value (1-10)$v", Help: "Value\nNumber", No: "=", Handler: owner + ":value"})
		if extra {
			r.Install(Exec, Command[string]{Syntax: "show other", Help: "Show\nOther", Handler: owner + ":other"})
		}
		r.Seal()
		return r
	}
	first, second := decl("first", false), decl("second", false)
	if second.shared == nil || first.shared != second.shared {
		t.Fatal("two registries of one key do not share their graphs")
	}
	for owner, r := range map[string]*Registry[string]{"first": first, "second": second} {
		if res := r.Parse(Exec, "sh thing", 15); res.Kind != OK || res.Handler != owner+":show" {
			t.Errorf("%s: show thing = %v %q", owner, res.Kind, res.Handler)
		}
		m := r.Modes()
		var cfg *Mode
		for _, x := range m {
			if x.Name == "config-x" {
				cfg = x
			}
		}
		if res := r.Parse(cfg, "no value 3", 15); res.Kind != OK || res.Handler != owner+":value" || !res.Args.Negated() {
			t.Errorf("%s: no value 3 = %v %q", owner, res.Kind, res.Handler)
		}
	}

	// A registry whose commands differ builds its own graphs.
	third := decl("third", true)
	if third.shared != nil {
		t.Fatal("a registry with other commands shares the graphs")
	}
	if res := third.Parse(Exec, "show other", 15); res.Handler != "third:other" {
		t.Errorf("third: show other = %v %q", res.Kind, res.Handler)
	}
	if res := first.Parse(Exec, "show other", 15); res.Kind == OK {
		t.Error("another registry's command reached the shared graphs")
	}

	// A late install on a sharing registry: it leaves the shared graphs.
	second.Install(Exec, Command[string]{Syntax: "show late", Help: "Show\nLate", Handler: "second:late"})
	if res := second.Parse(Exec, "show late", 15); res.Handler != "second:late" {
		t.Errorf("second: show late = %v %q", res.Kind, res.Handler)
	}
	if res := second.Parse(Exec, "show thing", 15); res.Handler != "second:show" {
		t.Errorf("second after its own graphs: show thing = %q", res.Handler)
	}
	if res := first.Parse(Exec, "show late", 15); res.Kind == OK {
		t.Error("a late install changed the shared graphs")
	}

	// Two registries of one key declaring at once: the one that seals
	// second adopts the other's graphs only if it declared the same.
	a, b := NewRegistry[string](), NewRegistry[string]()
	a.ShareAs(key + "/race")
	b.ShareAs(key + "/race")
	a.Install(Exec, Command[string]{Syntax: "show a", Help: "Show\nA", Handler: "a"})
	b.Install(Exec, Command[string]{Syntax: "show b", Help: "Show\nB", Handler: "b"})
	a.Seal()
	b.Seal()
	if b.shared != nil {
		t.Fatal("a registry adopted the graphs of another that declared something else")
	}
	if res := b.Parse(Exec, "show b", 15); res.Handler != "b" {
		t.Errorf("b: show b = %v %q", res.Kind, res.Handler)
	}
}
