package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/jlaffaye/ftp"
	ftpserver "goftp.io/server/v2"
	"goftp.io/server/v2/driver/file"

	"github.com/iosemu/iosemu/device"
)

// The lab FTP service (10.1.1.1 in the seed lab): the server IOS
// certificate servers keep their database on (`database url
// ftp://10.1.1.1/DB/ROOTCA/`). It serves STATE/ftp on base+300 and takes any
// user name and password, as a lab server set up for IOS's default
// anonymous login does.

type anyUser struct{}

func (anyUser) CheckPasswd(*ftpserver.Context, string, string) (bool, error) { return true, nil }

// serveFTP starts the FTP service on ln, rooted at dir.
func (l *Lab) serveFTP(ln net.Listener, dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("lab: ftp root: %w", err)
	}
	drv, err := file.NewDriver(dir)
	if err != nil {
		return fmt.Errorf("lab: ftp: %w", err)
	}
	srv, err := ftpserver.NewServer(&ftpserver.Options{
		Driver:         drv,
		Auth:           anyUser{},
		Perm:           ftpserver.NewSimplePerm("root", "root"),
		Name:           "iosemu lab FTP",
		Hostname:       l.opt.Host,
		PublicIP:       l.opt.Host,
		Port:           l.opt.BasePort + 300,
		WelcomeMessage: "iosemu lab FTP service",
		Logger:         &ftpserver.DiscardLogger{},
	})
	if err != nil {
		return fmt.Errorf("lab: ftp: %w", err)
	}
	// The library's Shutdown races with its Serve (it reads fields Serve
	// writes without a lock), so the lab stops the service by closing the
	// listener and every connection it accepted instead.
	tl := &trackingListener{Listener: ln, conns: map[net.Conn]bool{}}
	l.mu.Lock()
	l.servers = append(l.servers, tl)
	l.mu.Unlock()
	l.goServe(func() error {
		err := srv.Serve(tl)
		if errors.Is(err, ftpserver.ErrServerClosed) {
			return nil
		}
		return err
	})
	return nil
}

// trackingListener remembers the connections it accepts so that Close ends
// them too.
type trackingListener struct {
	net.Listener
	mu     sync.Mutex
	conns  map[net.Conn]bool
	closed bool
}

func (t *trackingListener) Accept() (net.Conn, error) {
	c, err := t.Listener.Accept()
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		c.Close()
		return nil, net.ErrClosed
	}
	t.conns[c] = true
	return &trackedConn{Conn: c, t: t}, nil
}

func (t *trackingListener) Close() error {
	t.mu.Lock()
	t.closed = true
	conns := t.conns
	t.conns = map[net.Conn]bool{}
	t.mu.Unlock()
	for c := range conns {
		c.Close()
	}
	return t.Listener.Close()
}

type trackedConn struct {
	net.Conn
	t *trackingListener
}

func (c *trackedConn) Close() error {
	c.t.mu.Lock()
	delete(c.t.conns, c.Conn)
	c.t.mu.Unlock()
	return c.Conn.Close()
}

// ftpDir is the FTP service's root in the state dir.
func (l *Lab) ftpDir() string { return filepath.Join(l.opt.StateDir, "ftp") }

// remote is the devices' way to the lab's FTP service: a lab address is
// resolved through the address map to the service's loopback listener, and
// the copy runs over real FTP.
type remote struct{ l *Lab }

func (r remote) dial(ctx context.Context, u *url.URL) (*ftp.ServerConn, error) {
	if r.l.ftpAddr == "" || u.Hostname() != r.l.ftpAddr {
		return nil, device.ErrUnreachable
	}
	target := net.JoinHostPort(r.l.opt.Host, fmt.Sprint(r.l.opt.BasePort+300))
	c, err := ftp.Dial(target, ftp.DialWithContext(ctx), ftp.DialWithTimeout(10*time.Second))
	if err != nil {
		return nil, err
	}
	// IOS logs in anonymously unless ip ftp username/password are set.
	if err := c.Login("anonymous", "ios@"+u.Hostname()); err != nil {
		c.Quit()
		return nil, err
	}
	return c, nil
}

func (r remote) Get(ctx context.Context, u *url.URL, limit int64) ([]byte, error) {
	c, err := r.dial(ctx, u)
	if err != nil {
		return nil, ftpErr(err)
	}
	defer c.Quit()
	resp, err := c.Retr(u.Path)
	if err != nil {
		return nil, ftpErr(err)
	}
	defer resp.Close()
	data, err := io.ReadAll(io.LimitReader(resp, limit+1))
	if err == nil && int64(len(data)) > limit {
		return nil, device.ErrTooLarge
	}
	return data, ftpErr(err)
}

func (r remote) Put(ctx context.Context, u *url.URL, data []byte) error {
	c, err := r.dial(ctx, u)
	if err != nil {
		return ftpErr(err)
	}
	defer c.Quit()
	return ftpErr(c.Stor(u.Path, bytes.NewReader(data)))
}

// ftpErr turns an FTP reply into the device's words for it, keeping the
// server's own text (which names its paths) out of the router's output.
func ftpErr(err error) error {
	var te *textproto.Error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, device.ErrUnreachable):
		return err
	case errors.As(err, &te) && te.Code == 530:
		return fmt.Errorf("lab ftp: %w", device.ErrDenied)
	case errors.As(err, &te) && te.Code >= 450 && te.Code < 600:
		return fmt.Errorf("lab ftp: %w", device.ErrNotFound)
	}
	return fmt.Errorf("lab ftp: %w: %v", device.ErrUnreachable, err)
}
