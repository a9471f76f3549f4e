package cli

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/iosemu/iosemu/parser"
)

// testHost is the least a session needs: the session's own commands and a
// hostname command.
type testHost struct {
	sync.Mutex
	reg  *Registry
	name string
}

func newTestHost() *testHost {
	h := &testHost{reg: NewRegistry(), name: "R1"}
	Register(h.reg)
	h.reg.Install(parser.Config, parser.Command[Handler]{Syntax: "hostname WORD$name",
		Help:    "Set system's network name\nThis system's network name",
		Handler: func(s *Session, a parser.Args) { h.name = a.String("name") }})
	h.reg.Install(parser.Exec, parser.Command[Handler]{Syntax: "show version",
		Help: HelpShow + "\nSystem hardware and software status", Handler: func(*Session, parser.Args) {}})
	return h
}

func (h *testHost) Hostname() string                        { return h.name }
func (h *testHost) Registry() *Registry                     { return h.reg }
func (h *testHost) Authenticate(string, string) (int, bool) { return 0, false }
func (h *testHost) Privilege(string) (int, bool)            { return 15, true }
func (h *testHost) CheckEnable(string) (bool, bool)         { return false, false }
func (h *testHost) Attach(*Session) (string, func(), bool) {
	return "vty0", func() {}, true
}
func (h *testHost) Log(string)           {}
func (h *testHost) ExecHeader() string   { return "" }
func (h *testHost) DomainLookup() bool   { return false }
func (h *testHost) Banner(string) string { return "" }

type screenRW struct {
	*strings.Reader
	strings.Builder
}

// The caret stands under the failing character, counting the prompt.
func TestCaretColumn(t *testing.T) {
	for _, tc := range []struct {
		lines  []string
		typed  string // the line whose caret is checked, as echoed after its prompt
		column int
	}{
		// "R1(config)#" is 11 columns; "hostnane" fails at its second n (6).
		{[]string{"configure terminal", "hostnane S1"}, "R1(config)#hostnane S1", 17},
		{[]string{"configure terminal", "  hostnane S1"}, "R1(config)#  hostnane S1", 19},
		{[]string{"show versio x"}, "R1#show versio x", 15},
		{[]string{"configure terminal", "do show versiox"}, "R1(config)#do show versiox", 25},
		{[]string{"show version | inclide x"}, "R1#show version | inclide x", 22},
	} {
		rw := &screenRW{Reader: strings.NewReader(strings.Join(tc.lines, "\r") + "\r")}
		New(newTestHost(), Conn{RW: rw, User: "admin", Close: func() error { return nil }}).Serve(context.Background())
		screen := strings.ReplaceAll(rw.String(), "\r", "")
		i := strings.Index(screen, tc.typed+"\n")
		if i < 0 {
			t.Errorf("%q not echoed:\n%s", tc.typed, screen)
			continue
		}
		next, _, _ := strings.Cut(screen[i+len(tc.typed)+1:], "\n")
		if col := strings.Index(next, "^"); col != tc.column || strings.TrimLeft(next, " ") != "^" {
			t.Errorf("%q: caret line %q has the caret at column %d, want %d", tc.typed, next, col, tc.column)
		}
	}
}
