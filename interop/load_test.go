package interop

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// showClock is IOS `show clock`: optional * (not authoritative) or .
// (authoritative, not synchronised), time with milliseconds, zone, date.
var showClock = regexp.MustCompile(`^[*.]?\d{2}:\d{2}:\d{2}\.\d{3} [A-Z]+ (Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 1-3]?\d \d{4}\r?\n$`)

// TestConcurrentSSH opens 200 concurrent x/crypto/ssh connections spread
// over the five devices; each runs `show version` and `show clock` as exec
// requests. None may fail, and all must finish inside the deadline. A router
// takes as many sessions as it has vty lines, as IOS does: the test first
// gives each router enough (`line vty 0 99`), as an operator would before a
// load test.
func TestConcurrentSSH(t *testing.T) {
	devs := routers(t)
	for _, d := range devs {
		configure(t, d, "configure terminal", "line vty 0 99", "login local", "transport input ssh telnet", "end")
	}
	const clients = 200
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// Every client connects before any of them runs a command, so the
	// 200 sessions really are open at the same time.
	var connected sync.WaitGroup
	connected.Add(clients)
	errs := make(chan error, clients)
	var wg sync.WaitGroup
	for i := range clients {
		d := devs[i%len(devs)]
		wg.Go(func() {
			errs <- loadClient(ctx, d, &connected)
		})
	}
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if err != nil {
			failed++
			if failed <= 5 {
				t.Error(err)
			}
		}
	}
	if failed > 0 {
		t.Fatalf("%d of %d clients failed", failed, clients)
	}
	if ctx.Err() != nil {
		t.Fatalf("deadline exceeded: %v", ctx.Err())
	}
}

func loadClient(ctx context.Context, d device, connected *sync.WaitGroup) (err error) {
	once := sync.OnceFunc(connected.Done)
	defer once()
	var dialer net.Dialer
	addr := fmt.Sprintf("127.0.0.1:%d", d.SSH)
	conn, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("%s: dial: %w", d.Name, err)
	}
	defer conn.Close()
	// Tie the connection to the test's deadline.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	cfg := &ssh.ClientConfig{
		User:            "admin",
		Auth:            []ssh.AuthMethod{ssh.Password("cisco")},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
	}
	c, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
	if err != nil {
		return fmt.Errorf("%s: handshake: %w", d.Name, err)
	}
	client := ssh.NewClient(c, chans, reqs)
	defer client.Close()

	once()
	connected.Wait()

	w := wants[d.Name]
	for _, cmd := range []string{"show version", "show clock"} {
		sess, err := client.NewSession()
		if err != nil {
			return fmt.Errorf("%s: session: %w", d.Name, err)
		}
		out, err := sess.CombinedOutput(cmd)
		sess.Close()
		if err != nil {
			return fmt.Errorf("%s: %s: %w\n%s", d.Name, cmd, err, out)
		}
		switch cmd {
		case "show version":
			if !strings.Contains(string(out), w.IOSLine) || !strings.Contains(string(out), d.Name+" uptime is ") {
				return fmt.Errorf("%s: show version:\n%s", d.Name, out)
			}
		case "show clock":
			if !showClock.Match(out) {
				return fmt.Errorf("%s: show clock: %q", d.Name, out)
			}
		}
	}
	return nil
}

// configure types lines into an interactive SSH shell on d, then logs out.
func configure(t *testing.T, d device, lines ...string) {
	t.Helper()
	cfg := &ssh.ClientConfig{
		User:            "admin",
		Auth:            []ssh.AuthMethod{ssh.Password("cisco")},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
		Timeout:         20 * time.Second,
	}
	c, err := ssh.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", d.SSH), cfg)
	if err != nil {
		t.Fatalf("%s: %v", d.Name, err)
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatalf("%s: %v", d.Name, err)
	}
	defer sess.Close()
	if err := sess.RequestPty("vt100", 24, 80, ssh.TerminalModes{}); err != nil {
		t.Fatalf("%s: %v", d.Name, err)
	}
	var out strings.Builder
	sess.Stdout = &out
	sess.Stdin = strings.NewReader(strings.Join(append(lines, "exit"), "\r") + "\r")
	if err := sess.Shell(); err != nil {
		t.Fatalf("%s: %v", d.Name, err)
	}
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second): // wall-clock-ok: a shell that never ends fails the test
		t.Fatalf("%s: the shell did not end:\n%s", d.Name, out.String())
	}
	if strings.Contains(out.String(), "% Invalid input") {
		t.Fatalf("%s: %s", d.Name, out.String())
	}
}
