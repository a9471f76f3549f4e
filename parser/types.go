package parser

import (
	"net/netip"
	"strconv"
	"strings"
)

// MatchLevel is how well one input word matches a token.
type MatchLevel int

// Match levels, weakest first.
const (
	None    MatchLevel = iota // the word cannot match
	Partial                   // the word is a valid prefix of a match ("Gig", "10.1")
	Exact                     // the word is a complete match
)

// String names the level.
func (l MatchLevel) String() string {
	switch l {
	case None:
		return "None"
	case Partial:
		return "Partial"
	case Exact:
		return "Exact"
	}
	return "MatchLevel(" + strconv.Itoa(int(l)) + ")"
}

// TokenType is a placeholder type usable in Syntax by the name it is defined
// under (see Registry.DefineType).
type TokenType interface {
	// Match reports how word (one whitespace-free token) matches: Exact,
	// Partial (a valid prefix, e.g. "Gi0/0" is Exact, "Gig" is Partial) or
	// None, and for None the byte offset inside word of the first bad
	// character (0 when the whole token is wrong, e.g. out of range).
	Match(word string) (m MatchLevel, badOffset int)
	// Help is what "?" lists at this position (one or more lines). A line
	// with an empty Text gets the command's help line for the token.
	Help() []HelpLine
	// Complete returns TAB candidates (full words) for prefix.
	Complete(prefix string) []string
}

// HelpLine is one line of "?" output.
type HelpLine struct {
	Word string // "show", "WORD", "<1-255>", "A.B.C.D", "LINE", "<cr>"
	Text string
}

// TypeFunc adapts a match function to a TokenType whose help is one line
// with the given word and no completions.
type TypeFunc struct {
	Word string                              // help word, e.g. "HH:MM:SS"
	Func func(word string) (MatchLevel, int) // the matcher
}

// Match calls f.Func.
func (f TypeFunc) Match(word string) (MatchLevel, int) { return f.Func(word) }

// Help returns one line with f.Word.
func (f TypeFunc) Help() []HelpLine { return []HelpLine{{Word: f.Word}} }

// Complete returns nothing.
func (f TypeFunc) Complete(string) []string { return nil }

// rangeType is (lo-hi).
type rangeType struct {
	lo, hi int64
	word   string // "<lo-hi>"
}

func (t rangeType) Match(w string) (MatchLevel, int) {
	if w == "" {
		return None, 0
	}
	i := 0
	if w[0] == '-' {
		if t.lo >= 0 {
			return None, 0
		}
		i = 1
		if len(w) == 1 {
			return Partial, 0
		}
	}
	for j := i; j < len(w); j++ {
		if w[j] < '0' || w[j] > '9' {
			return None, j
		}
	}
	v, err := strconv.ParseInt(w, 10, 64)
	if err != nil || v < t.lo || v > t.hi {
		return None, 0
	}
	return Exact, 0
}

func (t rangeType) Help() []HelpLine         { return []HelpLine{{Word: t.word}} }
func (t rangeType) Complete(string) []string { return nil }

// builtin is one of the address-like placeholder types.
type builtin struct {
	word  string
	match func(string) MatchLevel
}

func (b builtin) Match(w string) (MatchLevel, int) {
	if l := b.match(w); l != None {
		return l, 0
	}
	return None, 0
}
func (b builtin) Help() []HelpLine         { return []HelpLine{{Word: b.word}} }
func (b builtin) Complete(string) []string { return nil }

func builtinTypes() map[string]TokenType {
	return map[string]TokenType{
		"A.B.C.D":    builtin{"A.B.C.D", matchIPv4},
		"A.B.C.D/M":  builtin{"A.B.C.D/M", matchIPv4Prefix},
		"H.H.H":      builtin{"H.H.H", matchMAC},
		"X:X::X:X":   builtin{"X:X::X:X", matchIPv6},
		"X:X::X:X/M": builtin{"X:X::X:X/M", matchIPv6Prefix},
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isHex(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// matchIPv4 matches dotted-quad addresses; octets have at most three digits.
func matchIPv4(w string) MatchLevel {
	if w == "" {
		return None
	}
	dots, digits, val := 0, 0, 0
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case isDigit(c):
			digits++
			val = val*10 + int(c-'0')
			if digits > 3 || val > 255 {
				return None
			}
		case c == '.':
			if digits == 0 || dots == 3 {
				return None
			}
			dots++
			digits, val = 0, 0
		default:
			return None
		}
	}
	if dots == 3 && digits > 0 {
		return Exact
	}
	return Partial
}

// matchMaskLen matches the "/M" part after the slash (may be empty).
func matchMaskLen(m string, max int) MatchLevel {
	if m == "" {
		return Partial
	}
	if len(m) > 3 {
		return None
	}
	v := 0
	for i := 0; i < len(m); i++ {
		if !isDigit(m[i]) {
			return None
		}
		v = v*10 + int(m[i]-'0')
	}
	if v > max {
		return None
	}
	return Exact
}

func matchIPv4Prefix(w string) MatchLevel {
	addr, mask, ok := strings.Cut(w, "/")
	l := matchIPv4(addr)
	if !ok {
		if l == None {
			return None
		}
		return Partial
	}
	if l != Exact {
		return None
	}
	return matchMaskLen(mask, 32)
}

// matchMAC matches H.H.H: three groups of one to four hex digits.
func matchMAC(w string) MatchLevel {
	if w == "" {
		return None
	}
	dots, digits := 0, 0
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case isHex(c):
			digits++
			if digits > 4 {
				return None
			}
		case c == '.':
			if digits == 0 || dots == 2 {
				return None
			}
			dots++
			digits = 0
		default:
			return None
		}
	}
	if dots == 2 && digits > 0 {
		return Exact
	}
	return Partial
}

func matchIPv6(w string) MatchLevel {
	if w == "" {
		return None
	}
	for i := 0; i < len(w); i++ {
		if c := w[i]; !isHex(c) && c != ':' && c != '.' {
			return None
		}
	}
	if a, err := netip.ParseAddr(w); err == nil && a.Is6() && a.Zone() == "" {
		return Exact
	}
	colon := strings.IndexByte(w, ':')
	if colon < 0 && (len(w) > 4 || strings.IndexByte(w, '.') >= 0) ||
		colon >= 0 && strings.IndexByte(w[:colon], '.') >= 0 {
		return None // a first group is at most four hex digits
	}
	return Partial
}

func matchIPv6Prefix(w string) MatchLevel {
	addr, mask, ok := strings.Cut(w, "/")
	l := matchIPv6(addr)
	if !ok {
		if l == None {
			return None
		}
		return Partial
	}
	if l != Exact {
		return None
	}
	return matchMaskLen(mask, 128)
}
