package device

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/parser"
)

// Remote moves files to and from servers the lab reaches (ftp://10.1.1.1/…).
// The lab implements it over its address map; the device never dials.
type Remote interface {
	// Get fetches a file of at most limit bytes; a larger one is
	// ErrTooLarge, never a file cut short.
	Get(ctx context.Context, u *url.URL, limit int64) ([]byte, error)
	Put(ctx context.Context, u *url.URL, data []byte) error
}

// What a Remote returns, so that the device can word them as IOS does.
var (
	ErrUnreachable = errors.New("timed out")                 // nothing answers at the address
	ErrNotFound    = errors.New("no such file or directory") // the server has no such file or directory
	ErrDenied      = errors.New("permission denied")         // the server refused
	ErrTooLarge    = errors.New("file too large")            // the file is larger than the copy's limit
)

// MaxConfigCopy is the largest file `copy … running-config` loads: 16 MiB,
// far more than any router's configuration (their NVRAM holds 256 KiB to
// 32 MiB). A file to startup-config must fit the platform's NVRAM.
const MaxConfigCopy = 16 << 20

func (d *Router) registerCopy(r *cli.Registry) {
	r.Install(parser.Exec,
		cmd{Syntax: "copy running-config WORD$dst", Help: cli.HelpCopy + "\nCopy from current system configuration\nDestination URL (ftp:, ftp://HOST/FILE)", Priv: 15,
			Handler: d.copyToRemote},
		cmd{Syntax: "copy WORD$src <running-config|startup-config>$dst", Help: cli.HelpCopy + "\nSource URL (ftp://HOST/FILE)\nUpdate (merge with) current system configuration\nCopy to startup configuration", Priv: 15,
			Handler: d.copyFromRemote},
	)
}

// remoteURL completes a copy URL with the IOS dialog: the host and the file
// name, each offered with its default.
func (d *Router) remoteURL(s *cli.Session, raw, defFile, fileQuestion string) (*url.URL, bool) {
	if !strings.HasPrefix(strings.ToLower(raw), "ftp:") {
		s.Error("%%Error opening %s (No such device)", raw)
		return nil, false
	}
	u, err := url.Parse(raw)
	if err != nil {
		s.Error("%%Error parsing filename (Invalid argument)")
		return nil, false
	}
	host := u.Hostname()
	ans := strings.TrimSpace(s.Ask(fmt.Sprintf("Address or name of remote host [%s]? ", host)))
	if ans == "\x03" {
		return nil, false
	}
	if ans != "" {
		host = ans
	}
	if host == "" {
		s.Error("%%Error parsing filename (Invalid argument)")
		return nil, false
	}
	file := strings.TrimPrefix(u.Path, "/")
	if file == "" {
		file = defFile
	}
	ans = strings.TrimSpace(s.Ask(fmt.Sprintf("%s [%s]? ", fileQuestion, file)))
	if ans == "\x03" {
		return nil, false
	}
	if ans != "" {
		file = ans
	}
	return &url.URL{Scheme: "ftp", Host: host, Path: "/" + strings.TrimPrefix(file, "/")}, true
}

// remoteErr renders a transfer failure as IOS does.
func remoteErr(s *cli.Session, u *url.URL, err error) {
	var reason string
	switch {
	case errors.Is(err, ErrUnreachable):
		reason = "Timed out"
	case errors.Is(err, ErrNotFound):
		reason = "No such file or directory"
	case errors.Is(err, ErrDenied):
		reason = "Permission denied"
	default:
		reason = "I/O error"
	}
	s.Error("%%Error opening %s (%s)", u, reason)
}

func (d *Router) copyToRemote(s *cli.Session, a parser.Args) {
	if d.remote == nil {
		s.Error("%%Error opening %s (No such device)", a.String("dst"))
		return
	}
	u, ok := d.remoteURL(s, a.String("dst"), strings.ToLower(d.cfg.hostname)+"-confg", "Destination filename")
	if !ok {
		return
	}
	data := []byte(d.renderConfig())
	start := time.Now() // wall-clock-ok: IOS reports the real transfer time
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	relock := s.Unlocked()
	err := d.Remote().Put(ctx, u, data)
	relock()
	if err != nil {
		remoteErr(s, u, err)
		return
	}
	s.Printf("Writing %s !\n", strings.TrimPrefix(u.Path, "/"))
	s.Printf("%s\n", copied(len(data), time.Since(start))) // wall-clock-ok
}

func (d *Router) copyFromRemote(s *cli.Session, a parser.Args) {
	dst := a.Keyword("dst")
	if d.remote == nil {
		s.Error("%%Error opening %s (No such device)", a.String("src"))
		return
	}
	u, ok := d.remoteURL(s, a.String("src"), "", "Source filename")
	if !ok {
		return
	}
	ans := strings.TrimSpace(s.Ask(fmt.Sprintf("Destination filename [%s]? ", dst)))
	if ans == "\x03" {
		return
	}
	s.Printf("Accessing %s...\n", u)
	start := time.Now() // wall-clock-ok: IOS reports the real transfer time
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	limit := int64(MaxConfigCopy)
	if dst == "startup-config" {
		limit = d.profile.NVRAMSize
	}
	relock := s.Unlocked()
	data, err := d.Remote().Get(ctx, u, limit)
	relock()
	if errors.Is(err, ErrTooLarge) {
		// Nothing is loaded: a file cut short would be a different
		// configuration.
		s.Error("%%Error copying %s (Not enough space on device)", u)
		return
	}
	if err != nil {
		remoteErr(s, u, err)
		return
	}
	s.Printf("Loading %s !\n[OK - %d/4096 bytes]\n\n", path.Base(u.Path), len(data))
	switch dst {
	case "startup-config":
		nv, _ := d.store.Device("nvram")
		if err := nv.WriteFile("startup-config", data, 0o644, d.clk.Now()); err != nil {
			s.Error("%%Error opening nvram:startup-config (%v)", err)
			return
		}
	default:
		// Merging runs the text through the parser, which takes the lock per line.
		relock := s.Unlocked()
		errs := d.apply(string(data), "manual")
		relock()
		for _, e := range errs {
			s.Println(e)
		}
		d.markChanged(s.User())
	}
	s.Printf("%s\n", copied(len(data), time.Since(start))) // wall-clock-ok
}

// copied is IOS's transfer summary line.
func copied(n int, took time.Duration) string {
	secs := took.Seconds()
	if secs < 0.001 {
		secs = 0.001
	}
	return fmt.Sprintf("%d bytes copied in %.3f secs (%d bytes/sec)", n, secs, int(float64(n)/secs))
}
