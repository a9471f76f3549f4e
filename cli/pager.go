package cli

import "strings"

// The --More-- prompt and how IOS erases it (backspace over it, blank it,
// backspace again).
const (
	morePrompt = " --More-- "
	moreErase  = "\b\b\b\b\b\b\b\b\b        \b\b\b\b\b\b\b\b\b"
)

// page writes a command's output, stopping every screenful at --More-- when
// terminal length is not 0. Space shows the next screen, Enter one more
// line, anything else ends the output.
func (s *Session) page(out string) {
	if out == "" {
		return
	}
	s.followWindow()
	if s.length <= 0 || s.headless {
		s.write(out)
		return
	}
	lines := strings.SplitAfter(out, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	// A screen shows length-1 lines above --More--; at terminal length 1
	// still one line, or Space would show nothing forever.
	screen := max(s.length-1, 1)
	room := screen
	for i := 0; i < len(lines); {
		n := room
		if n > len(lines)-i {
			n = len(lines) - i
		}
		s.write(strings.Join(lines[i:i+n], ""))
		i += n
		if i >= len(lines) {
			return
		}
		s.write(morePrompt)
		k, err := s.keys.next()
		if err != nil {
			return
		}
		s.write(moreErase)
		switch k {
		case ' ':
			room = screen
		case '\r':
			room = 1
		default:
			return
		}
	}
}
