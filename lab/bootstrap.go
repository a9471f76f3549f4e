package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/nvram"
)

// A device's bootstrap (DeviceSpec.Bootstrap) is typed once, on the lab's
// first start, into a session of its own, as a person would type it at a
// terminal: the login dialog, the commands, the answers to their questions.
// The devices are bootstrapped one after another in lab-file order, so that a
// CA is up before the routers that enrol with it. What the session printed is
// kept in the device's state dir as bootstrap.log; a marker file records
// that the bootstrap ran, so a restarted lab does not run it again.

const (
	bootstrapDone = "bootstrap.done"
	bootstrapLog  = "bootstrap.log"
)

// bootstrap runs every device's pending bootstrap.
func (l *Lab) bootstrap(ctx context.Context) error {
	for _, n := range l.nodes {
		if strings.TrimSpace(n.Spec.Bootstrap) == "" {
			continue
		}
		dir := l.deviceDir(n.Spec.Name)
		if _, err := os.Stat(filepath.Join(dir, bootstrapDone)); err == nil {
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("lab: %s: bootstrap: %w", n.Spec.Name, err)
		}
		// The dialogs save configurations: after the first files, and
		// durably.
		if err := l.Flushed(); err != nil {
			return err
		}
		out := runTyped(ctx, n, n.Spec.Bootstrap)
		if err := nvram.WriteFileAtomic(filepath.Join(dir, bootstrapLog), []byte(out), 0o600); err != nil {
			return fmt.Errorf("lab: %s: bootstrap: %w", n.Spec.Name, err)
		}
		if err := nvram.WriteFileAtomic(filepath.Join(dir, bootstrapDone), nil, 0o600); err != nil {
			return fmt.Errorf("lab: %s: bootstrap: %w", n.Spec.Name, err)
		}
		l.log.Info("bootstrapped", "device", n.Spec.Name)
	}
	return nil
}

func (l *Lab) deviceDir(name string) string {
	return filepath.Join(l.opt.StateDir, "devices", name)
}

// runTyped types text into a new session on n's router, a line at a time,
// and returns what the session printed. The session ends when the text has
// been read and run.
func runTyped(ctx context.Context, n *Node, text string) string {
	term := &typedTerminal{in: strings.NewReader(strings.ReplaceAll(strings.TrimRight(text, "\n")+"\n", "\n", "\r"))}
	sess := cli.New(n.Router, cli.Conn{RW: term, Remote: "bootstrap", Close: func() error { return nil }})
	sess.Serve(ctx)
	return term.output()
}

// typedTerminal is a terminal whose keyboard is a text and whose screen is
// a buffer.
type typedTerminal struct {
	in  io.Reader
	mu  sync.Mutex
	out strings.Builder
}

func (t *typedTerminal) Read(p []byte) (int, error) { return t.in.Read(p) }

func (t *typedTerminal) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.out.Write(p)
}

func (t *typedTerminal) output() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.ReplaceAll(t.out.String(), "\r\n", "\n")
}
