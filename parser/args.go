package parser

import "strconv"

// Args are the bound values of a matched command.
type Args struct {
	words  []string
	vals   []argVal
	values []string
	form   form
}

type argVal struct {
	name, val string
	kw        bool
}

func (a Args) get(name string) (argVal, bool) {
	for _, v := range a.vals {
		if v.name == name {
			return v, true
		}
	}
	return argVal{}, false
}

// Has reports whether a keyword is present (by its full lower-case name) or
// an argument is bound.
func (a Args) Has(name string) bool {
	_, ok := a.get(name)
	return ok
}

// String returns a bound argument as typed ("" if absent). For a keyword or
// a bound keyword group it is the full keyword, not the abbreviation typed.
// LINE values are the raw rest of the line, spaces kept.
func (a Args) String(name string) string {
	v, _ := a.get(name)
	return v.val
}

// Int returns a bound argument as an integer (0 if absent or not a number).
func (a Args) Int(name string) int {
	v, ok := a.get(name)
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(v.val)
	if err != nil {
		return 0
	}
	return n
}

// Keyword returns the full keyword chosen for a keyword bound with $name
// (<buffered|console>$target gives "buffered" for "buf"); "" if the name is
// absent or bound to a placeholder.
func (a Args) Keyword(name string) string {
	v, ok := a.get(name)
	if !ok || !v.kw {
		return ""
	}
	return v.val
}

// Negated reports whether the command was matched through "no".
func (a Args) Negated() bool { return a.form == negated }

// Default reports whether the command was matched through "default".
func (a Args) Default() bool { return a.form == defaulted }

// Words returns the input tokens as typed, the "no"/"default" included.
func (a Args) Words() []string { return a.words }

// Values returns the values of all placeholders matched, in order, bound or
// not (useful for "ip address A.B.C.D A.B.C.D").
func (a Args) Values() []string { return a.values }
