package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/iosemu/iosemu/clock"
	"github.com/iosemu/iosemu/internal/porttest"
	"github.com/iosemu/iosemu/lab"
)

// TestSSHLoad is the load run of issue 6: IOSEMU_LOAD_SESSIONS interactive
// SSH sessions (default 500) held for IOSEMU_LOAD_DURATION (default 60s),
// each typing `show clock` once a second and checking the answer. It wants
// 0 errors, and after the sessions end no file descriptor or goroutine of
// theirs left in the process. It is opt-in (a minute of two cores):
//
//	IOSEMU_LOAD=1 go test -run TestSSHLoad -v -timeout 10m ./bench
//
// The sessions are spread over 50 routers with `line vty 0 15`, 10 each
// (a router takes as many sessions as its vty lines).
func TestSSHLoad(t *testing.T) {
	if os.Getenv("IOSEMU_LOAD") == "" {
		t.Skip("load run: set IOSEMU_LOAD=1 (see the doc comment)")
	}
	sessions := envInt(t, "IOSEMU_LOAD_SESSIONS", 500)
	dur := 60 * time.Second
	if s := os.Getenv("IOSEMU_LOAD_DURATION"); s != "" {
		var err error
		if dur, err = time.ParseDuration(s); err != nil {
			t.Fatal(err)
		}
	}
	const routers = 50
	spec, err := lab.Parse("load.yaml", loadYAML(routers))
	if err != nil {
		t.Fatal(err)
	}
	base, err := porttest.FreeBase(routers)
	if err != nil {
		t.Fatal(err)
	}
	l, err := lab.Start(spec, lab.Options{StateDir: t.TempDir(), BasePort: base, Clock: clock.NewFake(time.Date(2015, 10, 9, 12, 0, 0, 0, time.UTC))})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	nodes := l.Nodes()

	runtime.GC()
	fds0, gr0 := openFDs(t), runtime.NumGoroutine()
	t0 := time.Now() // wall-clock-ok: the load run measures wall time

	ctx, cancel := context.WithTimeout(context.Background(), dur+2*time.Minute)
	defer cancel()
	var commands, errs atomic.Int64
	var firstErr sync.Once
	var wg sync.WaitGroup
	var ready sync.WaitGroup
	ready.Add(sessions)
	start := make(chan struct{})
	for i := range sessions {
		n := nodes[i%len(nodes)]
		wg.Go(func() {
			err := loadSession(ctx, n.Spec.Name, n.SSHPort, &ready, start, dur, &commands)
			if err != nil {
				errs.Add(1)
				firstErr.Do(func() { t.Errorf("session %d on %s: %v", i, n.Spec.Name, err) })
			}
		})
	}
	ready.Wait()
	held := time.Since(t0) // wall-clock-ok: measurement
	fdsHeld, grHeld := openFDs(t), runtime.NumGoroutine()
	close(start)
	wg.Wait()
	total := time.Since(t0) // wall-clock-ok: measurement

	// The server side of each session ends shortly after its client: wait
	// for the process to come back to its baseline.
	fds, gr := openFDs(t), runtime.NumGoroutine()
	poll := time.NewTicker(20 * time.Millisecond) // wall-clock-ok: waiting for server goroutines to end
	defer poll.Stop()
	for deadline := 0; (fds > fds0 || gr > gr0) && deadline < 500; deadline++ {
		<-poll.C
		runtime.GC()
		fds, gr = openFDs(t), runtime.NumGoroutine()
	}
	t.Logf("%d sessions open in %.1fs (%d fds, %d goroutines while held); %d commands in %.1fs, %d errors; after: %d fds (baseline %d), %d goroutines (baseline %d)",
		sessions, held.Seconds(), fdsHeld, grHeld, commands.Load(), total.Seconds(), errs.Load(), fds, fds0, gr, gr0)
	if errs.Load() != 0 {
		t.Fatalf("%d of %d sessions failed", errs.Load(), sessions)
	}
	if want := int64(sessions) * int64(dur/time.Second) * 9 / 10; commands.Load() < want {
		t.Errorf("%d commands, want at least %d (one a second per session)", commands.Load(), want)
	}
	if fds > fds0 || gr > gr0 {
		t.Fatalf("left behind: %d fds and %d goroutines over the baseline", fds-fds0, gr-gr0)
	}
}

// loadSession logs in, waits for every session to be open, then types
// `show clock` once a second for dur.
func loadSession(ctx context.Context, name string, port int, ready *sync.WaitGroup, start <-chan struct{}, dur time.Duration, commands *atomic.Int64) error {
	once := sync.OnceFunc(ready.Done)
	defer once()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	c, chans, reqs, err := ssh.NewClientConn(conn, addr, &ssh.ClientConfig{
		User: "admin", Auth: []ssh.AuthMethod{ssh.Password("cisco")}, HostKeyCallback: ssh.InsecureIgnoreHostKey(),
	})
	if err != nil {
		return fmt.Errorf("handshake: %w", err)
	}
	client := ssh.NewClient(c, chans, reqs)
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		return err
	}
	defer sess.Close()
	if err := sess.RequestPty("vt100", 24, 80, ssh.TerminalModes{}); err != nil {
		return err
	}
	in, _ := sess.StdinPipe()
	out, _ := sess.StdoutPipe()
	if err := sess.Shell(); err != nil {
		return err
	}
	prompt := []byte(name + "#")
	if _, err := readUntil(out, prompt); err != nil {
		return fmt.Errorf("first prompt: %w", err)
	}
	once()
	<-start
	tick := time.NewTicker(time.Second) // wall-clock-ok: the load's pace, one command a second
	defer tick.Stop()
	end := time.Now().Add(dur)   // wall-clock-ok: the load's length
	for time.Now().Before(end) { // wall-clock-ok
		if _, err := io.WriteString(in, "show clock\r"); err != nil {
			return err
		}
		got, err := readUntil(out, prompt)
		if err != nil {
			return fmt.Errorf("show clock: %w", err)
		}
		if !bytes.Contains(got, []byte(" UTC Fri Oct 9 2015")) {
			return fmt.Errorf("show clock answered %q", got)
		}
		commands.Add(1)
		<-tick.C
	}
	_, _ = io.WriteString(in, "exit\r")
	return nil
}

// readUntil reads until the output ends with prompt.
func readUntil(r io.Reader, prompt []byte) ([]byte, error) {
	var got []byte
	buf := make([]byte, 4096)
	for !bytes.HasSuffix(bytes.TrimRight(got, " "), prompt) {
		n, err := r.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			return got, err
		}
	}
	return got, nil
}

func loadYAML(n int) []byte {
	plats := []string{"ISR-G1", "ISR-G2", "ISR-4K", "ASR1k", "CSR1k"}
	var b strings.Builder
	b.WriteString("name: load\ndevices:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  - name: R%d\n    platform: %s\n    address: 10.%d.%d.1\n    config: |\n      hostname R%d\n      username admin privilege 15 secret cisco\n      line vty 0 15\n       login local\n       transport input ssh telnet\n",
			i, plats[i%len(plats)], i/250, i%250, i)
	}
	return []byte(b.String())
}

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	return len(ents)
}

func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive number", name, s)
	}
	return n
}
