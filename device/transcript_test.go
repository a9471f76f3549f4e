package device_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/clock"
	"github.com/iosemu/iosemu/device"
	"github.com/iosemu/iosemu/platforms"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts under testdata/transcripts")

// Golden transcripts: testdata/transcripts/<platform>/<name>.txtar.
//
// The archive comment holds "key: value" headers:
//
//	clock: 2015-10-09T13:14:16+01:00   the fake lab clock (default below)
//	user: admin                        an SSH-authenticated user ("" runs the telnet login)
//	neighbor: 172.16.1.2               lab hosts that answer ARP and ping (space-separated)
//	ntp: 10.1.1.1                      addresses where the lab runs NTP
//
// An input line "<ADVANCE 10m>" ends the session typed so far and moves the
// lab clock on before the next one starts (with a fresh prompt).
//
// Sections: "config" (optional) is the device's boot configuration (default:
// defaultConfig); "input" is typed a line at a time, with <TAB>, <SPACE>,
// <CTRL-Z>, <CTRL-C>, <CTRL-U>, <UP>, <DOWN>, <LEFT>, <BS> as keys; a line that
// ends with '?', <TAB> or <NOCR> is sent without Enter, so the next line goes on
// typing it. "output" is the screen with "\r" removed and backspaces shown as <BS>.
func TestTranscripts(t *testing.T) {
	files, err := filepath.Glob("../testdata/transcripts/*/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts found: %v", err)
	}
	for _, file := range files {
		platform := filepath.Base(filepath.Dir(file))
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		t.Run(platform+"/"+name, func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			hdr := headers(string(ar.Comment))
			cfg, input := defaultConfig(platform), ""
			outIdx := -1
			for i, f := range ar.Files {
				switch f.Name {
				case "config":
					cfg = string(f.Data)
				case "input":
					input = string(f.Data)
				case "output":
					outIdx = i
				}
			}
			got := runTranscript(t, platform, hdr, cfg, input)
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
				t.Fatalf("%s has no output section (run go test ./device -run TestTranscripts -update)", file)
			}
			// txtar ends every section with a newline; the screen may not.
			if want := strings.TrimSuffix(string(ar.Files[outIdx].Data), "\n"); strings.TrimSuffix(got, "\n") != want {
				t.Errorf("transcript differs (run with -update and review the diff)\n%s", diff(want, got))
			}
		})
	}
}

func headers(comment string) map[string]string {
	h := map[string]string{}
	for _, l := range strings.Split(comment, "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && !strings.HasPrefix(l, "#") {
			h[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return h
}

// firstInterface is the interface the default config addresses.
func firstInterface(platform string) string {
	p, err := platforms.Lookup(platform)
	if err != nil {
		panic(err)
	}
	return p.Interfaces[0].Name
}

func defaultConfig(platform string) string {
	return fmt.Sprintf(`hostname R1
enable secret cisco
username admin privilege 15 secret cisco
username oper secret oper
clock timezone CET 1 0
interface %s
 description uplink to the lab
 ip address 172.16.1.1 255.255.255.0
 no shutdown
line vty 0 4
 login local
 transport input ssh telnet
`, firstInterface(platform))
}

var keys = strings.NewReplacer(
	"<TAB>", "\t", "<SPACE>", " ", "<CTRL-Z>", "\x1a", "<CTRL-C>", "\x03", "<CTRL-U>", "\x15",
	"<UP>", "\x1b[A", "<DOWN>", "\x1b[B", "<LEFT>", "\x1b[D", "<BS>", "\x7f", "<NOCR>", "",
)

func encodeInput(input string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSuffix(input, "\n"), "\n") {
		noCR := strings.HasSuffix(line, "?") || strings.HasSuffix(line, "<TAB>") || strings.HasSuffix(line, "<NOCR>")
		b.WriteString(keys.Replace(line))
		if !noCR {
			b.WriteString("\r")
		}
	}
	return b.String()
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(b []byte) (int, error) { return f(b) }

type termRW struct {
	io.Reader
	out bytes.Buffer
}

func (t *termRW) Write(p []byte) (int, error) { return t.out.Write(p) }

func runTranscript(t *testing.T, platform string, hdr map[string]string, cfg, input string) string {
	t.Helper()
	start := time.Date(2015, 10, 9, 13, 14, 16, 0, time.FixedZone("CET", 3600))
	if c := hdr["clock"]; c != "" {
		var err error
		if start, err = time.Parse(time.RFC3339, c); err != nil {
			t.Fatal(err)
		}
	}
	p, err := platforms.Lookup(platform)
	if err != nil {
		t.Fatal(err)
	}
	lab := clock.NewFake(start)
	// A fixed random source makes secrets' salts, and so the screens, repeatable.
	rnd := rand.New(rand.NewPCG(1, 2))
	hosts := map[netip.Addr]string{}
	for i, a := range strings.Fields(hdr["neighbor"]) {
		hosts[netip.MustParseAddr(a)] = fmt.Sprintf("0050.56aa.%04x", i+1)
	}
	ntp := strings.Fields(hdr["ntp"])
	r, err := device.New(device.Options{Name: "R1", Platform: p, Lab: lab, Dir: t.TempDir(), Initial: cfg, Rand: readerFunc(func(b []byte) (int, error) {
		for i := range b {
			b[i] = byte(rnd.Uint32())
		}
		return len(b), nil
	}),
		Neighbor: func(a netip.Addr) (string, bool) {
			mac, ok := hosts[a]
			return mac, ok
		},
		NTPReachable: func(a string) bool { return slices.Contains(ntp, a) },
	})
	if err != nil {
		t.Fatal(err)
	}
	user, ok := hdr["user"]
	if !ok {
		user = "admin"
	}
	var out strings.Builder
	for {
		chunk, rest, found := strings.Cut(input, "\n<ADVANCE ")
		if found {
			chunk += "\n"
		}
		out.WriteString(serve(t, r, encodeInput(chunk), user))
		if !found {
			break
		}
		arg, next, _ := strings.Cut(rest, "\n")
		d, err := time.ParseDuration(strings.TrimSuffix(arg, ">"))
		if err != nil {
			t.Fatalf("bad <ADVANCE %s", arg)
		}
		if err := lab.Advance(d, nil); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&out, "\n<ADVANCE %s>\n", d)
		input = next
	}
	return strings.ReplaceAll(out.String(), "\b", "<BS>")
}

// serve runs one session on r with keys as its whole input, from
// 10.0.0.2 as user ("" runs the telnet login), and returns the screen with
// "\r" removed. A session that does not end with its input fails the test.
func serve(t testing.TB, r *device.Router, keys, user string) string {
	t.Helper()
	rw := &termRW{Reader: strings.NewReader(keys)}
	s := cli.New(r, cli.Conn{RW: rw, User: user, Remote: "10.0.0.2", Close: func() error { return nil }})
	done := make(chan struct{})
	go func() {
		s.Serve(context.Background())
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second): // wall-clock-ok: a hung session fails the test
		t.Fatalf("session did not end at the end of its input %q", keys)
	}
	return strings.ReplaceAll(rw.out.String(), "\r", "")
}

func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  want %q\n  got  %q\n", i+1, wl, gl)
			if b.Len() > 4000 {
				break
			}
		}
	}
	return b.String()
}
