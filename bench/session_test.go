package bench

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/iosemu/iosemu/clock"
	"github.com/iosemu/iosemu/internal/porttest"
	"github.com/iosemu/iosemu/lab"
)

// BenchmarkSSHSession is one whole SSH session against one router, client
// and server in this process: connect, password login, a PTY shell,
// `terminal length 0`, `show version`, `exit`. It is the session bench/report
// times from outside; run it with -cpuprofile to see the server's share
// (transport, cli, device) beside x/crypto/ssh's own work.
func BenchmarkSSHSession(b *testing.B) {
	addr, cfg := oneRouter(b, labYAML(1))
	session := func() error {
		cl, err := ssh.Dial("tcp", addr, cfg)
		if err != nil {
			return err
		}
		defer cl.Close()
		s, err := cl.NewSession()
		if err != nil {
			return err
		}
		if err := s.RequestPty("vt100", 24, 200, ssh.TerminalModes{}); err != nil {
			return err
		}
		in, _ := s.StdinPipe()
		out, _ := s.StdoutPipe()
		if err := s.Shell(); err != nil {
			return err
		}
		var buf []byte
		until := func(p string) error {
			b := make([]byte, 4096)
			for !bytes.HasSuffix(buf, []byte(p)) {
				n, err := out.Read(b)
				buf = append(buf, b[:n]...)
				if err != nil {
					return fmt.Errorf("%w after %q", err, buf)
				}
			}
			buf = buf[:0]
			return nil
		}
		if err := until("R0#"); err != nil {
			return err
		}
		for _, cmd := range []string{"terminal length 0", "show version"} {
			io.WriteString(in, cmd+"\r")
			if err := until("R0#"); err != nil {
				return err
			}
		}
		io.WriteString(in, "exit\r")
		_, _ = io.Copy(io.Discard, out)
		return nil
	}
	if err := session(); err != nil { // the host key is made by the first client
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := session(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHeldSessions holds 200 logged-in SSH shells open on one router
// and reports what they cost: heap and goroutine stacks per session. Client
// and server share the process, so the figure counts both sides; run with
// HELDPROF=FILE to write the heap (FILE) and goroutine (FILE.g) profiles
// while the sessions are held, and HELD=N to hold N (bench/report measures
// the server's RSS alone).
func BenchmarkHeldSessions(b *testing.B) {
	held := 200
	if v := os.Getenv("HELD"); v != "" {
		fmt.Sscan(v, &held)
	}
	yaml := "name: held\ndevices:\n  - name: R0\n    platform: CSR1k\n    address: 10.0.0.1\n    config: |\n" +
		"      hostname R0\n      username admin privilege 15 secret cisco\n" +
		"      line vty 0 299\n       login local\n       transport input ssh\n"
	addr, cfg := oneRouter(b, []byte(yaml))
	open := func() (*ssh.Client, error) {
		cl, err := ssh.Dial("tcp", addr, cfg)
		if err != nil {
			return nil, err
		}
		s, err := cl.NewSession()
		if err != nil {
			cl.Close()
			return nil, err
		}
		_ = s.RequestPty("vt100", 24, 200, ssh.TerminalModes{})
		_, _ = s.StdinPipe() // held open: no EOF, which would log the session out
		out, _ := s.StdoutPipe()
		if err := s.Shell(); err != nil {
			cl.Close()
			return nil, err
		}
		var buf []byte
		p := make([]byte, 1024)
		for !bytes.HasSuffix(buf, []byte("R0#")) {
			n, err := out.Read(p)
			buf = append(buf, p[:n]...)
			if err != nil {
				cl.Close()
				return nil, err
			}
		}
		return cl, nil
	}
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		var clients []*ssh.Client
		for k := 0; k < held; k++ {
			cl, err := open()
			if err != nil {
				b.Fatal(err)
			}
			clients = append(clients, cl)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if f := os.Getenv("HELDPROF"); f != "" {
			w, _ := os.Create(f)
			pprof.Lookup("heap").WriteTo(w, 0)
			w.Close()
			w, _ = os.Create(f + ".g")
			pprof.Lookup("goroutine").WriteTo(w, 1)
			w.Close()
		}
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/float64(held)/1024, "heap-KiB/session")
		b.ReportMetric(float64(after.StackInuse-before.StackInuse)/float64(held)/1024, "stack-KiB/session")
		for _, cl := range clients {
			cl.Close()
		}
	}
}

// oneRouter starts the lab of one router that yaml describes (closed at the
// end of the benchmark) and returns its SSH address and a client config for
// admin/cisco.
func oneRouter(b *testing.B, yaml []byte) (string, *ssh.ClientConfig) {
	spec, err := lab.Parse("one.yaml", yaml)
	if err != nil {
		b.Fatal(err)
	}
	base, err := porttest.FreeBase(1)
	if err != nil {
		b.Fatal(err)
	}
	c := clock.NewFake(time.Date(2015, 10, 9, 12, 0, 0, 0, time.UTC))
	l, err := lab.Start(spec, lab.Options{StateDir: b.TempDir(), BasePort: base, Clock: c})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	addr := fmt.Sprintf("127.0.0.1:%d", l.Nodes()[0].SSHPort)
	cfg := &ssh.ClientConfig{
		User:            "admin",
		Auth:            []ssh.AuthMethod{ssh.Password("cisco")},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
	}
	return addr, cfg
}
