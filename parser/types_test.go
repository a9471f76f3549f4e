package parser

import "testing"

func TestBuiltinTypes(t *testing.T) {
	types := builtinTypes()
	tests := []struct {
		typ  string
		word string
		want MatchLevel
	}{
		{"A.B.C.D", "10.1.1.1", Exact},
		{"A.B.C.D", "255.255.255.255", Exact},
		{"A.B.C.D", "10.1", Partial},
		{"A.B.C.D", "10.1.1.", Partial},
		{"A.B.C.D", "0255.255.1", None},
		{"A.B.C.D", "256.1.1.1", None},
		{"A.B.C.D", "1..1.1", None},
		{"A.B.C.D", "1.1.1.1.1", None},
		{"A.B.C.D", "a.b.c.d", None},
		{"A.B.C.D/M", "10.0.0.0/8", Exact},
		{"A.B.C.D/M", "10.0.0.0/", Partial},
		{"A.B.C.D/M", "10.0.0", Partial},
		{"A.B.C.D/M", "10.0.0.0/33", None},
		{"A.B.C.D/M", "10.0/8", None},
		{"A.B.C.D/M", "10.0.0.0/3x", None},
		{"H.H.H", "0011.22aa.BBcc", Exact},
		{"H.H.H", "1.2.3", Exact},
		{"H.H.H", "0011.22", Partial},
		{"H.H.H", "00111.2.3", None},
		{"H.H.H", "1.2.3.4", None},
		{"H.H.H", "gg.1.1", None},
		{"X:X::X:X", "2001:db8::1", Exact},
		{"X:X::X:X", "::ffff:10.1.1.1", Exact},
		{"X:X::X:X", "2001:db8:", Partial},
		{"X:X::X:X", "2001", Partial},
		{"X:X::X:X", "20011", None},
		{"X:X::X:X", "10.1", None},
		{"X:X::X:X", "fe80::1%eth0", None},
		{"X:X::X:X/M", "2001:db8::/32", Exact},
		{"X:X::X:X/M", "2001:db8::/129", None},
		{"X:X::X:X/M", "2001:db8::", Partial},
	}
	for _, tt := range tests {
		if got, _ := types[tt.typ].Match(tt.word); got != tt.want {
			t.Errorf("%s.Match(%q) = %v, want %v", tt.typ, tt.word, got, tt.want)
		}
	}
}

func TestRangeType(t *testing.T) {
	r := rangeType{lo: -5, hi: 300, word: "<-5-300>"}
	tests := []struct {
		word string
		want MatchLevel
		bad  int
	}{
		{"0", Exact, 0},
		{"300", Exact, 0},
		{"-5", Exact, 0},
		{"-", Partial, 0},
		{"301", None, 0},
		{"-6", None, 0},
		{"12x", None, 2},
		{"99999999999999999999999", None, 0},
		{"", None, 0},
	}
	for _, tt := range tests {
		if got, bad := r.Match(tt.word); got != tt.want || bad != tt.bad {
			t.Errorf("Match(%q) = %v, %d; want %v, %d", tt.word, got, bad, tt.want, tt.bad)
		}
	}
	if h := r.Help(); len(h) != 1 || h[0].Word != "<-5-300>" {
		t.Errorf("Help() = %v", h)
	}
}

func TestModes(t *testing.T) {
	r := testRegistry()
	got := map[string]bool{}
	for _, m := range r.Modes() {
		got[m.String()] = true
	}
	for _, name := range []string{"exec", "config", "config-if"} {
		if !got[name] {
			t.Errorf("Modes() lacks %s: %v", name, got)
		}
	}
	if configIf.Parent != Config || Exec.Prompt != "#" || Config.Prompt != "(config)#" {
		t.Error("base modes changed")
	}
}
