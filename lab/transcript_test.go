package lab

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"github.com/iosemu/iosemu/clock"
)

var update = flag.Bool("update", false, "rewrite the golden lab transcripts under testdata/lab")

// Lab transcripts: testdata/lab/<name>.txtar replay a timeline on a whole
// lab with a frozen clock, as a trainer would type it, and hold what the
// routers printed.
//
// The archive comment holds "key: value" headers: lab (seed, blank or a
// file), start (the lab clock's start, RFC 3339). The "script" section is a
// list of steps:
//
//	@ DEVICE            the lines that follow are typed on DEVICE, in one
//	                    session logged in as admin (it ends at the next step)
//	% set RFC3339       jump the lab clock to that instant (every timer due
//	                    on the way fires, in order)
//	% advance DURATION  jump it by that much (640d, 1h30m)
//
// and "output" is the screen of every session, each headed by its step.
// Key material differs from run to run: hex dumps and fingerprints are
// replaced by <hex> in both (see mask).
func TestLabTranscripts(t *testing.T) {
	files, err := filepath.Glob("../testdata/lab/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no lab transcripts: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			hdr := map[string]string{}
			for _, l := range strings.Split(string(ar.Comment), "\n") {
				if k, v, ok := strings.Cut(l, ":"); ok {
					hdr[strings.TrimSpace(k)] = strings.TrimSpace(v)
				}
			}
			script, outIdx := "", -1
			for i, f := range ar.Files {
				switch f.Name {
				case "script":
					script = string(f.Data)
				case "output":
					outIdx = i
				}
			}
			got := runLabTranscript(t, hdr, script)
			if *update {
				if outIdx < 0 {
					ar.Files = append(ar.Files, txtar.File{Name: "output"})
					outIdx = len(ar.Files) - 1
				}
				ar.Files[outIdx].Data = []byte(got)
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if outIdx < 0 {
				t.Fatalf("%s has no output (go test ./lab -run TestLabTranscripts -update)", file)
			}
			want := string(ar.Files[outIdx].Data)
			if got != want {
				t.Errorf("transcript differs from %s:\n%s", file, lineDiff(want, got))
			}
		})
	}
}

func runLabTranscript(t *testing.T, hdr map[string]string, script string) string {
	t.Helper()
	spec, err := Load(hdr["lab"])
	if err != nil {
		t.Fatal(err)
	}
	start, err := time.Parse(time.RFC3339, hdr["start"])
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	l, _ := startLab(t, spec, clock.NewFake(start))
	var out strings.Builder
	var dev string
	var typed []string
	flush := func() {
		if dev == "" {
			return
		}
		n := l.Node(dev)
		if n == nil {
			t.Fatalf("no device %q", dev)
		}
		fmt.Fprintf(&out, "@ %s\n", dev)
		out.WriteString(mask(run(n, typed...)))
		out.WriteString("\n")
		dev, typed = "", nil
	}
	for _, line := range strings.Split(strings.TrimRight(script, "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "@ "):
			flush()
			dev = strings.TrimSpace(line[2:])
		case strings.HasPrefix(line, "% "):
			flush()
			f := strings.Fields(line[2:])
			if len(f) != 2 {
				t.Fatalf("bad step %q", line)
			}
			switch f[0] {
			case "set":
				at, err := time.Parse(time.RFC3339Nano, f[1])
				if err != nil {
					t.Fatal(err)
				}
				if err := l.Clock().Set(at, nil); err != nil {
					t.Fatal(err)
				}
			case "advance":
				d, err := ParseDuration(f[1])
				if err != nil {
					t.Fatal(err)
				}
				if err := l.Clock().Advance(d, nil); err != nil {
					t.Fatal(err)
				}
			default:
				t.Fatalf("bad step %q", line)
			}
			fmt.Fprintf(&out, "%% %s\n\n", strings.Join(f, " "))
		default:
			typed = append(typed, line)
		}
	}
	flush()
	return out.String()
}

// Hex that differs from run to run: key and certificate dumps (lines of
// 8-digit groups), fingerprints (groups of 8, or 32/40 digits in one).
var (
	hexDump  = regexp.MustCompile(`\b[0-9A-F]{8}( [0-9A-F]{1,8})+\b`)
	hexSolid = regexp.MustCompile(`\b[0-9A-F]{32}([0-9A-F]{8})?\b`)
)

func mask(s string) string {
	s = hexDump.ReplaceAllString(s, "<hex>")
	return hexSolid.ReplaceAllString(s, "<hex>")
}

// lineDiff shows the first lines where two texts part.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\nwant %q\ngot  %q", i+1, wl, gl)
		}
	}
	return "(equal)"
}
