package parser

import "strings"

// FormatHelp renders help lines in IOS layout: "  " + Word padded to the
// longest Word + 2, then Text; "  <cr>" alone when its Text is empty. Every
// line ends with "\n". When width > 0, long help text is wrapped at width
// with continuation lines indented to the text column.
func FormatHelp(lines []HelpLine, width int) string {
	w := 0
	for _, l := range lines {
		w = max(w, len(l.Word))
	}
	col := 2 + w + 2
	var b strings.Builder
	for _, l := range lines {
		if l.Text == "" {
			b.WriteString("  " + l.Word + "\n")
			continue
		}
		b.WriteString("  " + l.Word + strings.Repeat(" ", col-2-len(l.Word)))
		chunks := []string{l.Text}
		if width > 0 && col+len(l.Text) > width && width-col >= 10 {
			chunks = wrap(l.Text, width-col)
		}
		for i, c := range chunks {
			if i > 0 {
				b.WriteString(strings.Repeat(" ", col))
			}
			b.WriteString(c + "\n")
		}
	}
	return b.String()
}

// wrap splits text at spaces into chunks of at most n bytes (a longer word
// gets a chunk of its own).
func wrap(text string, n int) []string {
	var out []string
	cur := ""
	for _, f := range strings.Fields(text) {
		switch {
		case cur == "":
			cur = f
		case len(cur)+1+len(f) <= n:
			cur += " " + f
		default:
			out = append(out, cur)
			cur = f
		}
	}
	if cur != "" || len(out) == 0 {
		out = append(out, cur)
	}
	return out
}

// FormatWords renders the candidates of a glued "?" IOS-style: each word
// followed by two spaces, wrapped so that lines stay within width (when
// width > 0). Lines are "\n"-separated; there is no final newline.
func FormatWords(words []string, width int) string {
	var b strings.Builder
	n := 0
	for _, w := range words {
		item := w + "  "
		if width > 0 && n > 0 && n+len(item) > width {
			b.WriteString("\n")
			n = 0
		}
		b.WriteString(item)
		n += len(item)
	}
	return b.String()
}
