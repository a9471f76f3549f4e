// Command report measures iosemu on the machine it runs on, and prints a
// table and the same figures as JSON:
//
//	go run ./bench/report [--sizes 5,100,1000] [--sessions 200] [--held 200]
//	                      [--cisshgo PATH] [--json FILE]
//
// It builds the iosemu binary (or takes --iosemu PATH), starts it as a
// process on a generated lab file for each size, and measures from the
// start to every device's SSH banner (ports read from GET /v1/devices) and
// the idle RSS (/proc/PID/status VmRSS). On the smallest lab it measures SSH
// sessions (login, `terminal length 0`, `show version`, exit) at each
// concurrency: latency percentiles and the server's CPU per session
// (/proc/PID/stat utime+stime); the RSS each held session costs; and the
// latency of `show running-config` on an open session. Given --cisshgo PATH
// (a cisshgo binary built outside this repository, run in its own directory
// so it finds its transcripts), it measures the same figures for cisshgo
// side by side.
//
// Every process it starts is killed when it ends, on error or on Ctrl-C.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/iosemu/iosemu/platforms"
)

// Report is what the command prints as JSON.
type Report struct {
	Machine  Machine    `json:"machine"`
	Programs []*Program `json:"programs"`
}

// Machine says where the figures were measured.
type Machine struct {
	Date   string `json:"date"`
	CPU    string `json:"cpu"`
	Cores  int    `json:"cores"`
	Kernel string `json:"kernel"`
	Go     string `json:"go"`
}

// Program is one program's figures.
type Program struct {
	Name     string     `json:"name"`
	Version  string     `json:"version,omitempty"`
	Starts   []Start    `json:"starts"`
	Sessions []Sessions `json:"sessions"`
	Held     *Held      `json:"held,omitempty"`
	ShowRun  *Latency   `json:"show_running_config,omitempty"`
	Errors   []string   `json:"errors,omitempty"`
}

// Start is a cold start of a lab of Devices devices.
type Start struct {
	Devices    int     `json:"devices"`
	ReadySec   float64 `json:"ready_s"`      // process start to every SSH banner
	IdleRSSMiB float64 `json:"idle_rss_mib"` // VmRSS once ready and settled
	Error      string  `json:"error,omitempty"`
}

// Latency is a distribution in milliseconds.
type Latency struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50_ms"`
	P95 float64 `json:"p95_ms"`
	P99 float64 `json:"p99_ms"`
}

// Sessions is a run of sessions at a concurrency.
type Sessions struct {
	Concurrency int     `json:"concurrency"`
	Latency     Latency `json:"latency"`
	CPUms       float64 `json:"server_cpu_ms_per_session"`
	Failed      int     `json:"failed"`
}

// Held is the memory of held-open sessions.
type Held struct {
	Sessions int     `json:"sessions"`
	KiBEach  float64 `json:"rss_kib_per_session"`
}

// wall is the benchmark's clock: it measures wall time.
func wall() time.Time { return time.Now() } // wall-clock-ok: the report measures wall time

func since(t time.Time) time.Duration { return time.Since(t) } // wall-clock-ok: the report measures wall time

func pause(d time.Duration) { time.Sleep(d) } // wall-clock-ok: polling a process and letting it settle

func main() {
	var (
		sizesFlag   = flag.String("sizes", "5,100,1000", "lab sizes (devices) to start")
		concFlag    = flag.String("concurrency", "1,20", "session concurrencies")
		sessions    = flag.Int("sessions", 200, "sessions per concurrency")
		held        = flag.Int("held", 200, "sessions held open for the memory figure")
		showRuns    = flag.Int("show-run", 200, "show running-config commands timed")
		iosemuBin   = flag.String("iosemu", "", "iosemu binary (default: go build ./cmd/iosemu)")
		cisshgo     = flag.String("cisshgo", "", "cisshgo binary to measure side by side (run in its own directory)")
		cisshgoPass = flag.String("cisshgo-password", "admin", "cisshgo's password")
		jsonFile    = flag.String("json", "", "write the JSON to FILE instead of stdout")
		timeout     = flag.Duration("timeout", 5*time.Minute, "longest wait for one lab to come up")
	)
	flag.Parse()
	sizes, err := ints(*sizesFlag)
	if err != nil || len(sizes) == 0 {
		fatal(fmt.Errorf("report: --sizes %q: %v", *sizesFlag, err))
	}
	concs, err := ints(*concFlag)
	if err != nil || len(concs) == 0 {
		fatal(fmt.Errorf("report: --concurrency %q: %v", *concFlag, err))
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		killAll()
		os.Exit(130)
	}()
	defer killAll()

	tmp, err := os.MkdirTemp("", "iosemu-report")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(tmp)
	bin := *iosemuBin
	if bin == "" {
		bin = filepath.Join(tmp, "iosemu")
		fmt.Fprintln(os.Stderr, "report: building iosemu")
		if out, err := exec.Command("go", "build", "-o", bin, "./cmd/iosemu").CombinedOutput(); err != nil {
			fatal(fmt.Errorf("report: go build ./cmd/iosemu (run from the repository root): %v\n%s", err, out))
		}
	}
	rep := &Report{Machine: machine()}
	m := measurer{sessions: *sessions, held: *held, showRuns: *showRuns, concs: concs, timeout: *timeout, tmp: tmp}

	ios := &Program{Name: "iosemu"}
	if out, err := exec.Command(bin, "version").Output(); err == nil {
		ios.Version = strings.TrimSpace(string(out))
	}
	rep.Programs = append(rep.Programs, ios)
	m.program(ios, sizes, func(n int) (*target, error) { return startIosemu(bin, tmp, n, *timeout) })

	if *cisshgo != "" {
		cg := &Program{Name: "cisshgo"}
		rep.Programs = append(rep.Programs, cg)
		m.program(cg, sizes, func(n int) (*target, error) { return startCisshgo(*cisshgo, *cisshgoPass, n, *timeout) })
	}

	printTable(os.Stdout, rep)
	data, _ := json.MarshalIndent(rep, "", "  ")
	if *jsonFile != "" {
		if err := os.WriteFile(*jsonFile, append(data, '\n'), 0o644); err != nil {
			fatal(err)
		}
		return
	}
	fmt.Printf("\n%s\n", data)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, err)
	killAll()
	os.Exit(1)
}

func ints(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// target is a running program under measurement.
type target struct {
	p        *proc
	ready    time.Duration
	ssh      []int // SSH ports, one a device
	user, pw string
}

type measurer struct {
	sessions, held, showRuns int
	concs                    []int
	timeout                  time.Duration
	tmp                      string
}

// program measures each size cold, then the sessions on the smallest lab.
func (m measurer) program(p *Program, sizes []int, start func(n int) (*target, error)) {
	small := sizes[0]
	for _, n := range sizes {
		small = min(small, n)
	}
	var keep *target
	for _, n := range sizes {
		fmt.Fprintf(os.Stderr, "report: %s: %d devices\n", p.Name, n)
		t, err := start(n)
		if err != nil {
			p.Starts = append(p.Starts, Start{Devices: n, Error: err.Error()})
			continue
		}
		pause(2 * time.Second) // let start-up garbage be collected
		st := Start{Devices: n, ReadySec: t.ready.Seconds()}
		if rss, err := t.p.rss(); err == nil {
			st.IdleRSSMiB = float64(rss) / (1 << 20)
		} else {
			st.Error = err.Error()
		}
		p.Starts = append(p.Starts, st)
		if n == small && keep == nil {
			keep = t
			continue
		}
		t.p.kill()
	}
	if keep == nil {
		p.Errors = append(p.Errors, "no lab came up: no session figures")
		return
	}
	defer keep.p.kill()
	m.sessionFigures(p, keep)
}

func (m measurer) sessionFigures(p *Program, t *target) {
	// Warm up: the first sessions pay for lazy set-up.
	for i := 0; i < 5; i++ {
		_, _ = session(t, t.ssh[i%len(t.ssh)])
	}
	for _, c := range m.concs {
		fmt.Fprintf(os.Stderr, "report: %s: %d sessions at concurrency %d\n", p.Name, m.sessions, c)
		cpu0, err := t.p.cpu()
		if err != nil {
			p.Errors = append(p.Errors, err.Error())
			return
		}
		var (
			mu     sync.Mutex
			lat    []time.Duration
			failed int
			next   int
			wg     sync.WaitGroup
		)
		for w := 0; w < c; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					mu.Lock()
					i := next
					next++
					mu.Unlock()
					if i >= m.sessions {
						return
					}
					d, err := session(t, t.ssh[i%len(t.ssh)])
					mu.Lock()
					if err != nil {
						failed++
						if failed == 1 {
							p.Errors = append(p.Errors, fmt.Sprintf("session at c=%d: %v", c, err))
						}
					} else {
						lat = append(lat, d)
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		cpu1, err := t.p.cpu()
		if err != nil {
			p.Errors = append(p.Errors, err.Error())
			return
		}
		s := Sessions{Concurrency: c, Latency: percentiles(lat), Failed: failed}
		if len(lat) > 0 {
			s.CPUms = float64((cpu1 - cpu0).Milliseconds()) / float64(len(lat))
		}
		p.Sessions = append(p.Sessions, s)
	}
	if h, err := m.heldSessions(t); err == nil {
		p.Held = h
	} else {
		p.Errors = append(p.Errors, err.Error())
	}
	if l, err := m.showRunning(t); err == nil {
		p.ShowRun = l
	} else {
		p.Errors = append(p.Errors, err.Error())
	}
}

// heldSessions opens m.held interactive sessions, spread over the devices,
// and divides the growth of the RSS by their number.
func (m measurer) heldSessions(t *target) (*Held, error) {
	fmt.Fprintf(os.Stderr, "report: %d held sessions\n", m.held)
	pause(time.Second)
	before, err := t.p.rss()
	if err != nil {
		return nil, err
	}
	var open []*shell
	defer func() {
		for _, s := range open {
			s.close()
		}
	}()
	for i := 0; i < m.held; i++ {
		s, err := openShell(t, t.ssh[i%len(t.ssh)])
		if err != nil {
			return nil, fmt.Errorf("held session %d: %w", i, err)
		}
		open = append(open, s)
	}
	pause(time.Second)
	after, err := t.p.rss()
	if err != nil {
		return nil, err
	}
	return &Held{Sessions: m.held, KiBEach: float64(after-before) / 1024 / float64(m.held)}, nil
}

// showRunning times `show running-config` on one open session.
func (m measurer) showRunning(t *target) (*Latency, error) {
	fmt.Fprintf(os.Stderr, "report: %d show running-config\n", m.showRuns)
	s, err := openShell(t, t.ssh[0])
	if err != nil {
		return nil, err
	}
	defer s.close()
	if err := s.run("terminal length 0"); err != nil {
		return nil, err
	}
	var lat []time.Duration
	for i := 0; i < m.showRuns; i++ {
		t0 := wall()
		if err := s.run("show running-config"); err != nil {
			return nil, err
		}
		lat = append(lat, since(t0))
	}
	l := percentiles(lat)
	return &l, nil
}

func percentiles(d []time.Duration) Latency {
	if len(d) == 0 {
		return Latency{}
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	at := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(d)))) - 1
		i = max(0, min(i, len(d)-1))
		return float64(d[i].Microseconds()) / 1000
	}
	return Latency{N: len(d), P50: at(0.50), P95: at(0.95), P99: at(0.99)}
}

// ---- sessions

// shell is an interactive SSH session at its prompt.
type shell struct {
	c   *ssh.Client
	s   *ssh.Session
	in  io.WriteCloser
	out io.Reader
	buf []byte
}

var prompt = regexp.MustCompile(`(?:^|\n)[A-Za-z0-9._()/-]+[#>]\s?$`)

func openShell(t *target, port int) (*shell, error) {
	cfg := &ssh.ClientConfig{
		User:            t.user,
		Auth:            []ssh.AuthMethod{ssh.Password(t.pw)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
		Timeout:         10 * time.Second, // wall-clock-ok: a connect deadline
	}
	c, err := ssh.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port), cfg)
	if err != nil {
		return nil, err
	}
	sh := &shell{c: c}
	fail := func(err error) (*shell, error) { c.Close(); return nil, err }
	if sh.s, err = c.NewSession(); err != nil {
		return fail(err)
	}
	if err := sh.s.RequestPty("vt100", 24, 200, ssh.TerminalModes{}); err != nil {
		return fail(err)
	}
	if sh.in, err = sh.s.StdinPipe(); err != nil {
		return fail(err)
	}
	if sh.out, err = sh.s.StdoutPipe(); err != nil {
		return fail(err)
	}
	if err := sh.s.Shell(); err != nil {
		return fail(err)
	}
	if err := sh.expect(); err != nil {
		return fail(err)
	}
	return sh, nil
}

// expect reads until the output ends at a prompt, within 20 s.
func (sh *shell) expect() error {
	timer := time.AfterFunc(20*time.Second, func() { sh.c.Close() }) // wall-clock-ok: a stuck server must not hang the report
	defer timer.Stop()
	sh.buf = sh.buf[:0]
	b := make([]byte, 32<<10)
	for {
		n, err := sh.out.Read(b)
		sh.buf = append(sh.buf, b[:n]...)
		if prompt.Match(bytes.ReplaceAll(sh.buf, []byte("\r"), nil)) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("no prompt (%v) after %q", err, tail(sh.buf))
		}
	}
}

func tail(b []byte) string {
	if len(b) > 200 {
		b = b[len(b)-200:]
	}
	return string(b)
}

func (sh *shell) run(cmd string) error {
	if _, err := io.WriteString(sh.in, cmd+"\r"); err != nil {
		return err
	}
	return sh.expect()
}

func (sh *shell) close() { sh.c.Close() }

// session is one timed session: login, terminal length 0, show version,
// exit, and the server closing the channel.
func session(t *target, port int) (time.Duration, error) {
	t0 := wall()
	sh, err := openShell(t, port)
	if err != nil {
		return 0, err
	}
	defer sh.close()
	for _, cmd := range []string{"terminal length 0", "show version"} {
		if err := sh.run(cmd); err != nil {
			return 0, fmt.Errorf("%s: %w", cmd, err)
		}
	}
	if _, err := io.WriteString(sh.in, "exit\r"); err != nil {
		return 0, err
	}
	timer := time.AfterFunc(10*time.Second, func() { sh.c.Close() }) // wall-clock-ok: a session that does not end must not hang the report
	defer timer.Stop()
	_, _ = io.Copy(io.Discard, sh.out)
	return since(t0), nil
}

// ---- processes

type proc struct {
	cmd  *exec.Cmd
	out  *bytes.Buffer
	mu   sync.Mutex
	done chan struct{}
}

var (
	procsMu sync.Mutex
	procs   = map[*proc]bool{}
)

func startProc(dir, bin string, args ...string) (*proc, error) {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &proc{cmd: cmd, out: &bytes.Buffer{}, done: make(chan struct{})}
	cmd.Stdout = lockedWriter{p}
	cmd.Stderr = lockedWriter{p}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	procsMu.Lock()
	procs[p] = true
	procsMu.Unlock()
	go func() { _ = cmd.Wait(); close(p.done) }()
	return p, nil
}

type lockedWriter struct{ p *proc }

func (w lockedWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	if w.p.out.Len() < 1<<20 {
		w.p.out.Write(b)
	}
	return len(b), nil
}

// output is the end of what the process printed; the whole of it is kept
// in a file (named) when there is more, for a crash's full trace.
func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.out.Bytes()
	if len(b) <= 200 {
		return string(b)
	}
	if f, err := os.CreateTemp("", "report-output-*.txt"); err == nil {
		_, _ = f.Write(b)
		f.Close()
		return fmt.Sprintf("%s (all of it in %s)", tail(b), f.Name())
	}
	return tail(b)
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill ends the process and its group, and waits for it.
func (p *proc) kill() {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
	procsMu.Lock()
	delete(procs, p)
	procsMu.Unlock()
}

func killAll() {
	procsMu.Lock()
	var all []*proc
	for p := range procs {
		all = append(all, p)
	}
	procsMu.Unlock()
	for _, p := range all {
		p.kill()
	}
}

// rss is the process's resident set in bytes.
func (p *proc) rss() (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("report: %w", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			kb, err := strconv.ParseInt(f[0], 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("report: no VmRSS")
}

// clockTicks is USER_HZ, 100 on every Linux architecture Go supports.
const clockTicks = 100

// cpu is the process's user+system CPU time.
func (p *proc) cpu() (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("report: %w", err)
	}
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, errors.New("report: short /proc/PID/stat")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("report: /proc/PID/stat: %w", err)
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

// waitBanners waits until every port sends an SSH banner; it returns when
// the last one did.
func waitBanners(p *proc, ports []int, deadline time.Time) error {
	sem := make(chan struct{}, 64)
	errs := make(chan error, len(ports))
	var wg sync.WaitGroup
	for _, port := range ports {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			for {
				if banner(port) {
					return
				}
				if p.exited() {
					errs <- fmt.Errorf("the process exited: %s", p.output())
					return
				}
				if wall().After(deadline) {
					errs <- fmt.Errorf("no SSH banner on port %d in time", port)
					return
				}
				pause(10 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func banner(port int) bool {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second) // wall-clock-ok: a connect deadline
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetReadDeadline(wall().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "SSH-2.0-")
}

// ---- iosemu

// labFile is a lab of n routers over the five platforms.
func labFile(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "name: report-%d\ndevices:\n", n)
	names := []string{"ISR-G1", "ISR-G2", "ISR-4K", "ASR1k", "CSR1k"}
	for i := 0; i < n; i++ {
		p, _ := platforms.Lookup(names[i%len(names)])
		ifname := ""
		for _, it := range p.Interfaces {
			if !it.Management {
				ifname = it.Name
				break
			}
		}
		addr := fmt.Sprintf("10.%d.%d.1", i/256, i%256)
		fmt.Fprintf(&b, "  - name: R%d\n    platform: %s\n    address: %s\n    config: |\n", i, p.Name, addr)
		for _, l := range []string{
			fmt.Sprintf("hostname R%d", i), "enable secret cisco", "username admin privilege 15 secret cisco",
			"interface " + ifname, " ip address " + addr + " 255.255.255.0", " no shutdown",
			"line vty 0 4", " login local", " transport input ssh telnet",
			// Each vty line is a session: enough for the held sessions.
			"line vty 5 99", " login local", " transport input ssh telnet",
		} {
			fmt.Fprintf(&b, "      %s\n", l)
		}
	}
	return b.String()
}

// span is how many ports after the base a lab of n devices may use: the
// documented layout up to 99 devices, blocks of the next hundred above.
func span(n int) int {
	block := 100
	if n > 99 {
		block = (n + 1 + 99) / 100 * 100
	}
	return 4*block + 1
}

func freeBase(n int) (int, error) {
	s := span(n)
	for try := 0; try < 50; try++ {
		base := 20000 + int(wall().UnixNano()/1000%int64(max(1, 32000-20000-s)))
		ok := true
		for port := base; port <= base+s && ok; port++ {
			ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
			if err != nil {
				ok = false
				break
			}
			ln.Close()
		}
		if ok {
			return base, nil
		}
	}
	return 0, fmt.Errorf("report: no free range of %d ports", s)
}

func startIosemu(bin, tmp string, n int, timeout time.Duration) (*target, error) {
	dir, err := os.MkdirTemp(tmp, fmt.Sprintf("lab%d-", n))
	if err != nil {
		return nil, err
	}
	file := filepath.Join(dir, "lab.yaml")
	if err := os.WriteFile(file, []byte(labFile(n)), 0o644); err != nil {
		return nil, err
	}
	var lastErr error
	for try := 0; try < 3; try++ {
		base, err := freeBase(n)
		if err != nil {
			return nil, err
		}
		state := filepath.Join(dir, fmt.Sprintf("state%d", try))
		t0 := wall()
		p, err := startProc(dir, bin, "run", "--lab", file, "--state", state, "--base-port", strconv.Itoa(base))
		if err != nil {
			return nil, err
		}
		deadline := t0.Add(timeout)
		ports, err := devicePorts(p, base, deadline)
		if err == nil {
			err = waitBanners(p, ports, deadline)
		}
		if err == nil {
			return &target{p: p, ready: since(t0), ssh: ports, user: "admin", pw: "cisco"}, nil
		}
		p.kill()
		lastErr = err
		if !strings.Contains(err.Error(), "already in use") {
			break
		}
	}
	return nil, lastErr
}

// devicePorts waits for the control API and reads the devices' SSH ports.
func devicePorts(p *proc, base int, deadline time.Time) ([]int, error) {
	c := &http.Client{Timeout: 5 * time.Second} // wall-clock-ok: one request's deadline
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second) // wall-clock-ok: one request's deadline
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/v1/devices", base), nil)
		resp, err := c.Do(req)
		if err == nil {
			var devs []struct {
				SSH int `json:"ssh"`
			}
			err = json.NewDecoder(resp.Body).Decode(&devs)
			resp.Body.Close()
			cancel()
			if err != nil {
				return nil, fmt.Errorf("GET /v1/devices: %w", err)
			}
			ports := make([]int, len(devs))
			for i, d := range devs {
				ports[i] = d.SSH
			}
			return ports, nil
		}
		cancel()
		if p.exited() {
			return nil, fmt.Errorf("the lab exited: %s", p.output())
		}
		if wall().After(deadline) {
			return nil, errors.New("the control API did not answer in time")
		}
		pause(10 * time.Millisecond)
	}
}

// ---- cisshgo

func startCisshgo(bin, pw string, n int, timeout time.Duration) (*target, error) {
	base, err := freeBase(n)
	if err != nil {
		return nil, err
	}
	t0 := wall()
	p, err := startProc(filepath.Dir(bin), bin, "--listeners", strconv.Itoa(n), "--starting-port", strconv.Itoa(base))
	if err != nil {
		return nil, err
	}
	ports := make([]int, n)
	for i := range ports {
		ports[i] = base + i
	}
	if err := waitBanners(p, ports, t0.Add(timeout)); err != nil {
		p.kill()
		return nil, err
	}
	return &target{p: p, ready: since(t0), ssh: ports, user: "admin", pw: pw}, nil
}

// ---- output

func machine() Machine {
	m := Machine{Date: wall().UTC().Format(time.RFC3339), Cores: runtime.NumCPU(), Go: runtime.Version()}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				m.CPU = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(data))
	}
	return m
}

func printTable(w io.Writer, r *Report) {
	fmt.Fprintf(w, "Measured %s on %s (%d cores), Linux %s, %s\n\n", r.Machine.Date, r.Machine.CPU, r.Machine.Cores, r.Machine.Kernel, r.Machine.Go)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := "| figure\t"
	rule := "|---\t"
	for _, p := range r.Programs {
		head += "| " + p.Name + "\t"
		rule += "|---\t"
	}
	if len(r.Programs) == 2 {
		head += "| ratio\t"
		rule += "|---\t"
	}
	fmt.Fprintln(tw, head+"|")
	fmt.Fprintln(tw, rule+"|")
	row := func(name string, unit string, vals func(p *Program) (float64, bool)) {
		line := "| " + name + "\t"
		var v []float64
		for _, p := range r.Programs {
			x, ok := vals(p)
			if !ok {
				line += "| —\t"
				v = append(v, math.NaN())
				continue
			}
			line += fmt.Sprintf("| %.3g %s\t", x, unit)
			v = append(v, x)
		}
		if len(r.Programs) == 2 {
			if v[1] > 0 && !math.IsNaN(v[0]) && !math.IsNaN(v[1]) {
				line += fmt.Sprintf("| %.2f\t", v[0]/v[1])
			} else {
				line += "| —\t"
			}
		}
		fmt.Fprintln(tw, line+"|")
	}
	var sizes []int
	for _, s := range r.Programs[0].Starts {
		sizes = append(sizes, s.Devices)
	}
	start := func(p *Program, n int) *Start {
		for i := range p.Starts {
			if p.Starts[i].Devices == n && p.Starts[i].Error == "" {
				return &p.Starts[i]
			}
		}
		return nil
	}
	for _, n := range sizes {
		row(fmt.Sprintf("%d devices: start to every SSH banner", n), "s", func(p *Program) (float64, bool) {
			s := start(p, n)
			return s.readyOr(), s != nil
		})
		row(fmt.Sprintf("%d devices: idle RSS", n), "MiB", func(p *Program) (float64, bool) {
			s := start(p, n)
			if s == nil {
				return 0, false
			}
			return s.IdleRSSMiB, true
		})
	}
	var concs []int
	for _, s := range r.Programs[0].Sessions {
		concs = append(concs, s.Concurrency)
	}
	sess := func(p *Program, c int) *Sessions {
		for i := range p.Sessions {
			if p.Sessions[i].Concurrency == c {
				return &p.Sessions[i]
			}
		}
		return nil
	}
	for _, c := range concs {
		for _, q := range []struct {
			name string
			f    func(s *Sessions) float64
		}{
			{"p50", func(s *Sessions) float64 { return s.Latency.P50 }},
			{"p95", func(s *Sessions) float64 { return s.Latency.P95 }},
			{"p99", func(s *Sessions) float64 { return s.Latency.P99 }},
		} {
			row(fmt.Sprintf("session c=%d %s", c, q.name), "ms", func(p *Program) (float64, bool) {
				s := sess(p, c)
				if s == nil || s.Latency.N == 0 {
					return 0, false
				}
				return q.f(s), true
			})
		}
		row(fmt.Sprintf("server CPU per session c=%d", c), "ms", func(p *Program) (float64, bool) {
			s := sess(p, c)
			if s == nil || s.Latency.N == 0 {
				return 0, false
			}
			return s.CPUms, true
		})
	}
	row("RSS per held session", "KiB", func(p *Program) (float64, bool) {
		if p.Held == nil {
			return 0, false
		}
		return p.Held.KiBEach, true
	})
	for _, q := range []string{"p50", "p99"} {
		row("show running-config "+q, "ms", func(p *Program) (float64, bool) {
			if p.ShowRun == nil {
				return 0, false
			}
			if q == "p50" {
				return p.ShowRun.P50, true
			}
			return p.ShowRun.P99, true
		})
	}
	_ = tw.Flush()
	for _, p := range r.Programs {
		for _, s := range p.Starts {
			if s.Error != "" {
				fmt.Fprintf(w, "%s, %d devices: %s\n", p.Name, s.Devices, s.Error)
			}
		}
		for _, s := range p.Sessions {
			if s.Failed > 0 {
				fmt.Fprintf(w, "%s: %d sessions failed at c=%d\n", p.Name, s.Failed, s.Concurrency)
			}
		}
		for _, e := range p.Errors {
			fmt.Fprintf(w, "%s: %s\n", p.Name, e)
		}
	}
}

func (s *Start) readyOr() float64 {
	if s == nil {
		return 0
	}
	return s.ReadySec
}
