package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/clock"
	"github.com/iosemu/iosemu/internal/porttest"
)

// Scenario files: a document's sequence (commands typed on routers, clock
// jumps, waits for an event) replayed on a fresh lab with a frozen clock
// into a transcript (iosemu replay).
//
//	lab: seed                          # seed, blank or a lab file (default seed)
//	start: 2015-10-09T13:14:16+01:00   # the lab clock's start (RFC 3339)
//	steps:
//	  - set: 2015-10-09T13:19:58.946+01:00
//	  - device: Root-CA
//	    type: |                        # typed as a person would, one line a line,
//	      show crypto pki timers       # dialog answers included (an empty line
//	    expect: 639d23:54:17           # is Return); expect: regexps the step's
//	  - advance: 640d                  # output must match (one or a list)
//	  - wait: shadow CA successfully   # run the clock timer by timer until an
//	    limit: 30d                     # event matches (default limit 3650d)
//
// Every device step is one session logged in as admin; it starts with
// `terminal length 0` and `terminal exec prompt timestamp`, so that every
// command's output is headed by the load and time lines, as the seeds print
// them. A clock step's output, for expect, is the text of the events
// recorded during it; a wait's, the matching event.

// Scenario is a replay file.
type Scenario struct {
	Lab   string `yaml:"lab"`
	Start string `yaml:"start"`
	Steps []Step `yaml:"steps"`
}

// Step is one step of a scenario: exactly one of Device, Advance, Set and
// Wait.
type Step struct {
	Name    string   `yaml:"name"`
	Device  string   `yaml:"device"`
	Type    string   `yaml:"type"`
	Advance string   `yaml:"advance"`
	Set     string   `yaml:"set"`
	Wait    string   `yaml:"wait"`
	Limit   string   `yaml:"limit"`
	Expect  patterns `yaml:"expect"`
}

// patterns is one regexp or a list of them.
type patterns []string

func (p *patterns) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*p = patterns{n.Value}
		return nil
	}
	var l []string
	if err := n.Decode(&l); err != nil {
		return err
	}
	*p = l
	return nil
}

// describe names a step for the transcript and errors.
func (s Step) describe(i int) string {
	d := ""
	switch {
	case s.Device != "":
		d = "device " + s.Device
	case s.Advance != "":
		d = "advance " + s.Advance
	case s.Set != "":
		d = "set " + s.Set
	case s.Wait != "":
		d = "wait /" + s.Wait + "/"
	}
	if s.Name != "" {
		d = s.Name + ": " + d
	}
	return fmt.Sprintf("step %d (%s)", i+1, d)
}

// ReplayError is a scenario step that failed: an expect not met, a wait that
// ran out, a device that does not exist.
type ReplayError struct {
	Step int    // 1-based
	Desc string // "step 3 (device Root-CA)"
	Err  error
}

func (e *ReplayError) Error() string { return fmt.Sprintf("replay: %s: %v", e.Desc, e.Err) }
func (e *ReplayError) Unwrap() error { return e.Err }

// ParseScenario reads a scenario file's content; errors name the file.
func ParseScenario(file string, data []byte) (*Scenario, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var sc Scenario
	if err := dec.Decode(&sc); err != nil {
		return nil, fmt.Errorf("replay: %s: %w", file, err)
	}
	if len(sc.Steps) == 0 {
		return nil, fmt.Errorf("replay: %s: no steps", file)
	}
	for i, s := range sc.Steps {
		n := 0
		for _, v := range []string{s.Device, s.Advance, s.Set, s.Wait} {
			if v != "" {
				n++
			}
		}
		bad := func(msg string) error { return fmt.Errorf("replay: %s: step %d: %s", file, i+1, msg) }
		switch {
		case n != 1:
			return nil, bad("a step is one of device, advance, set or wait")
		case s.Type != "" && s.Device == "":
			return nil, bad("type needs a device")
		case s.Limit != "" && s.Wait == "":
			return nil, bad("limit goes with wait")
		}
		for _, p := range append(append(patterns{}, s.Expect...), s.Wait) {
			if _, err := regexp.Compile(p); err != nil {
				return nil, bad(fmt.Sprintf("bad pattern %s: %v", quote(p), err))
			}
		}
		if s.Advance != "" {
			if _, err := ParseDuration(s.Advance); err != nil {
				return nil, bad(err.Error())
			}
		}
		if s.Limit != "" {
			if _, err := ParseDuration(s.Limit); err != nil {
				return nil, bad(err.Error())
			}
		}
		if s.Set != "" {
			if _, err := time.Parse(time.RFC3339Nano, s.Set); err != nil {
				return nil, bad(fmt.Sprintf("set %s is not an RFC 3339 time", quote(s.Set)))
			}
		}
	}
	return &sc, nil
}

// LoadScenario reads a scenario file.
func LoadScenario(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	return ParseScenario(path, data)
}

// ReplayOptions override a scenario's lab and start.
type ReplayOptions struct {
	Lab   string    // "": the scenario's (default seed)
	Start time.Time // zero: the scenario's
	// Dir is the lab's state dir; "" makes a temporary one, removed after.
	Dir string
}

// defaultWaitLimit is how far a wait may move the clock unless told.
const defaultWaitLimit = 3650 * 24 * time.Hour

// Replay runs a scenario on a fresh lab with a frozen clock and writes the
// transcript to out. It returns a *ReplayError when a step fails (the
// transcript then ends with that step), another error when the lab cannot
// run.
func Replay(sc *Scenario, opt ReplayOptions, out io.Writer) error {
	labName := sc.Lab
	if opt.Lab != "" {
		labName = opt.Lab
	}
	if labName == "" {
		labName = "seed"
	}
	spec, err := Load(labName)
	if err != nil {
		return err
	}
	start := opt.Start
	if start.IsZero() {
		if sc.Start == "" {
			return errors.New("replay: the scenario has no start (or give --start)")
		}
		if start, err = time.Parse(time.RFC3339Nano, sc.Start); err != nil {
			return fmt.Errorf("replay: start %s is not an RFC 3339 time", quote(sc.Start))
		}
	}
	dir := opt.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "iosemu-replay-"); err != nil {
			return fmt.Errorf("replay: %w", err)
		}
		defer os.RemoveAll(dir)
	}
	c := clock.NewFake(start)
	defer c.Close()
	l, err := startFree(spec, Options{StateDir: dir, Clock: c})
	if err != nil {
		return err
	}
	defer l.Close()
	// Times are written in the first device's zone (the seeds: CET).
	zone := start.Location()
	if len(l.nodes) > 0 {
		zone = l.nodes[0].Router.Clock().Location()
	}
	r := &replayer{l: l, out: out, zone: zone}
	fmt.Fprintf(out, "! iosemu replay: lab %s, lab clock from %s\n!\n", labName, start.Format(time.RFC3339Nano))
	for i, s := range sc.Steps {
		desc := s.describe(i)
		text, err := r.step(s)
		if err == nil {
			err = expect(s.Expect, text)
		}
		if err != nil {
			fmt.Fprintf(out, "! %s FAILED: %v\n", desc, err)
			return &ReplayError{Step: i + 1, Desc: desc, Err: err}
		}
	}
	return nil
}

// startFree starts a lab on free loopback ports (a replay serves nobody,
// but a lab listens).
func startFree(spec *Spec, opt Options) (*Lab, error) {
	var err error
	for try := 0; try < 5; try++ {
		var base int
		if base, err = porttest.FreeBase(len(spec.Devices)); err != nil {
			return nil, fmt.Errorf("replay: %w", err)
		}
		opt.BasePort = base
		var l *Lab
		if l, err = Start(spec, opt); err == nil {
			return l, nil
		}
		var pe *ErrPortInUse
		if !errors.As(err, &pe) {
			return nil, err
		}
	}
	return nil, err
}

type replayer struct {
	l       *Lab
	out     io.Writer
	zone    *time.Location
	matched int // the history index after the last event a wait matched
}

func (r *replayer) now() string { return r.at(r.l.clock.Now()) }

func (r *replayer) at(t time.Time) string {
	return t.In(r.zone).Format("15:04:05.000 MST Mon Jan 2 2006")
}

// step runs one step and returns its output for expect.
func (r *replayer) step(s Step) (string, error) {
	mark := r.l.history.len()
	switch {
	case s.Device != "":
		n := r.l.Node(s.Device)
		if n == nil {
			return "", fmt.Errorf("no device %s in the lab", quote(s.Device))
		}
		lines := []string{"terminal length 0", "terminal exec prompt timestamp"}
		if t := strings.TrimSuffix(s.Type, "\n"); t != "" {
			lines = append(lines, strings.Split(t, "\n")...)
		}
		fmt.Fprintf(r.out, "! @ %s, %s\n", n.Spec.Name, r.now())
		text := typeOn(n, lines...)
		io.WriteString(r.out, text)
		if !strings.HasSuffix(text, "\n") {
			io.WriteString(r.out, "\n")
		}
		return text, nil
	case s.Advance != "":
		d, _ := ParseDuration(s.Advance)
		if err := r.l.clock.Advance(d, nil); err != nil {
			return "", err
		}
	case s.Set != "":
		t, _ := time.Parse(time.RFC3339Nano, s.Set)
		if err := r.l.clock.Set(t, nil); err != nil {
			return "", err
		}
	case s.Wait != "":
		return r.wait(s)
	}
	_ = r.l.SyncEvents()
	evs := r.l.history.from(mark)
	fmt.Fprintf(r.out, "! %% %s: lab clock %s, %d PKI events\n", strings.TrimSpace(firstOf(s.Advance, s.Set)), r.now(), len(evs))
	return eventText(evs), nil
}

func firstOf(a, b string) string {
	if a != "" {
		return "advance " + a
	}
	return "set " + b
}

// wait runs the clock timer by timer (the next pending PKI timer of any
// device) until an event matching s.Wait is recorded, or the limit. An
// event counts if it is at or after the lab time the wait starts at and
// after the event the last wait matched (a timer's work logs several lines
// at one instant: two waits in a row may match two of them).
func (r *replayer) wait(s Step) (string, error) {
	re := regexp.MustCompile(s.Wait)
	limit := defaultWaitLimit
	if s.Limit != "" {
		limit, _ = ParseDuration(s.Limit)
	}
	from := r.l.clock.Now()
	deadline := from.Add(limit)
	scan := r.matched
	for i := 0; ; i++ {
		for _, e := range r.l.history.from(scan) {
			scan++
			if !e.Time.Before(from) && re.MatchString(e.Text) {
				r.matched = scan
				fmt.Fprintf(r.out, "! %% wait /%s/: %s %s: %s\n", s.Wait, r.at(e.Time), e.Device, firstLine(e.Text))
				_ = r.l.SyncEvents()
				return e.Text, nil
			}
		}
		var next time.Time
		for _, n := range r.l.nodes {
			for _, t := range r.l.clock.Timers(n.Spec.Name) {
				if isPKITimer(t.Name) && (next.IsZero() || t.Due.Before(next)) {
					next = t.Due
				}
			}
		}
		now := r.l.clock.Now()
		if next.IsZero() || next.After(deadline) || i > 1_000_000 {
			fmt.Fprintf(r.out, "! %% wait /%s/: nothing by %s\n", s.Wait, r.now())
			return "", fmt.Errorf("no event matching /%s/ within %s", s.Wait, FormatDuration(limit))
		}
		var err error
		if next.After(now) {
			err = r.l.clock.Set(next, nil)
		} else {
			err = r.l.clock.Advance(0, nil) // an overdue timer fires now
		}
		if err != nil {
			return "", err
		}
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func eventText(evs []Event) string {
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&b, "%s %s\n", e.Device, e.Text)
	}
	return b.String()
}

// expect checks every pattern against a step's output.
func expect(ps patterns, text string) error {
	for _, p := range ps {
		if !regexp.MustCompile(p).MatchString(text) {
			return fmt.Errorf("expect /%s/ did not match", p)
		}
	}
	return nil
}

// replayScreen is a session's terminal: typed input in, the screen out.
type replayScreen struct {
	io.Reader
	strings.Builder
}

// typeOn types lines on a device in one session logged in as admin (each
// line then Return, as a person types; an empty line is Return alone) and
// returns the screen.
func typeOn(n *Node, lines ...string) string {
	sc := &replayScreen{Reader: strings.NewReader(strings.Join(lines, "\r") + "\r")}
	cli.New(n.Router, cli.Conn{RW: sc, User: "admin", Remote: "127.0.0.1", Close: func() error { return nil }}).Serve(context.Background())
	return strings.ReplaceAll(sc.String(), "\r", "")
}
