package cli

import (
	"strings"
	"testing"
)

// edit types keys into an editor and returns the lines it produced.
func edit(keys string, hist ...string) ([]string, string) {
	var screen strings.Builder
	h := &history{size: 10, lines: hist}
	e := &editor{keys: newKeyReader(strings.NewReader(keys)), out: func(s string) { screen.WriteString(s) }, history: h}
	var lines []string
	for {
		l, ev, err := e.readLine("R1#", "", true)
		if err != nil {
			return lines, screen.String()
		}
		if ev == evEnter {
			h.add(l)
		}
		lines = append(lines, l)
	}
}

func TestEditorKeys(t *testing.T) {
	tests := []struct {
		name, keys string
		hist       []string
		want       []string
	}{
		{"enter forms", "a\rb\r\nc\r\x00d\ne\r", nil, []string{"a", "b", "c", "d", "e"}},
		{"backspace and delete", "shox\x7fw\r" + "sow\x08\x08how\r", nil, []string{"show", "show"}},
		{"ctrl-a inserts at start", "how\x01s\r", nil, []string{"show"}},
		{"arrows move the cursor", "shw\x1b[Do\x1b[C ver\r", nil, []string{"show ver"}},
		{"ctrl-w deletes a word", "show running\x17version\r", nil, []string{"show version"}},
		{"ctrl-u clears the line", "garbage\x15show clock\r", nil, []string{"show clock"}},
		{"ctrl-k kills to the end", "show clockXYZ\x02\x02\x02\x0b\r", nil, []string{"show clock"}},
		{"ctrl-d deletes under the cursor", "showw\x02\x04\r", nil, []string{"show"}},
		{"history up and down", "\x1b[A\x1b[A\r\x10\r", []string{"show clock", "show version"}, []string{"show clock", "show clock"}},
		{"down past the newest restores the line", "sh\x1b[A\x1b[B ip\r", []string{"show clock"}, []string{"sh ip"}},
		{"ctrl-c and ctrl-z end the line", "abc\x03def\x1a", nil, []string{"abc", "def"}},
		{"stray escape sequences are ignored", "sh\x1b[5~ow\x1b[99Z\r", nil, []string{"show"}},
		{"high bytes are kept, control bytes dropped", "a\x07b\x00c\r", nil, []string{"abc"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, screen := edit(tc.keys, tc.hist...)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("lines = %q, want %q (screen %q)", got, tc.want, screen)
			}
		})
	}
}

func TestEditorEchoesEachCharacter(t *testing.T) {
	_, screen := edit("sh\x7fx\r")
	if want := "R1#sh\b \bx\r\n"; !strings.HasPrefix(screen, want) {
		t.Errorf("screen %q, want %q", screen, want)
	}
}

func TestEditorPasswordNotEchoed(t *testing.T) {
	var screen strings.Builder
	e := &editor{keys: newKeyReader(strings.NewReader("secret?\t\r")), out: func(s string) { screen.WriteString(s) }, history: &history{}}
	l, _, err := e.readLine("Password: ", "", false)
	if err != nil || l != "secret?\t"[:7] {
		t.Fatalf("password = %q, %v", l, err)
	}
	if screen.String() != "Password: \r\n" {
		t.Errorf("password echoed: %q", screen.String())
	}
}

func TestHistorySize(t *testing.T) {
	h := &history{size: 3}
	for _, l := range []string{"a", "b", "b", "c", "d", "  "} {
		h.add(l)
	}
	if got := strings.Join(h.lines, ","); got != "b,c,d" {
		t.Errorf("history = %s", got)
	}
}

func TestEditorLimits(t *testing.T) {
	// The line is capped: extra keys beep and are ignored.
	lines, screen := edit(strings.Repeat("a", 1024+500) + "\r")
	if len(lines) != 1 || len(lines[0]) != maxLine {
		t.Fatalf("line of %d characters, want %d", len(lines[0]), 1024)
	}
	if n := strings.Count(screen, "\a"); n != 500 {
		t.Errorf("%d beeps, want 500", n)
	}
	// Typing at the start of a long line redraws at most the line each key.
	_, screen = edit(strings.Repeat("a", 100_000) + "\x01" + strings.Repeat("b", 200) + "\r")
	if len(screen) > 2*1024*200+100_000 {
		t.Errorf("200 keys after Ctrl-A wrote %d bytes", len(screen))
	}
	// A CSI sequence with many parameter bytes is consumed whole.
	if got, _ := edit("sh\x1b[" + strings.Repeat("1;", 20) + "5~ow\r"); len(got) != 1 || got[0] != "show" {
		t.Errorf("long CSI: %q", got)
	}
	// UTF-8 is stored as typed; bytes that are not UTF-8 are dropped.
	if got, _ := edit("description café ☕\r" + "x\xffy\xc3z\r"); strings.Join(got, "|") != "description café ☕|xyz" {
		t.Errorf("UTF-8: %q", got)
	}
}

func TestInterruptedFindsAbortKeys(t *testing.T) {
	k := newKeyReader(strings.NewReader("ab\x1ecd"))
	if key, _ := k.next(); key != 'a' {
		t.Fatalf("first key %c", key)
	}
	// Wait until the reader goroutine has handed over the whole input.
	for !strings.Contains(string(k.buf), "d") {
		k.poll()
	}
	if !k.interrupted() {
		t.Fatal("Ctrl-^ not seen")
	}
	if k.interrupted() {
		t.Error("Ctrl-^ seen twice")
	}
	if key, _ := k.next(); key != 'c' {
		t.Errorf("the key after Ctrl-^ is %c, want c", key)
	}
}
