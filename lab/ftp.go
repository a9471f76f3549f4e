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

	"github.com/iosemu/iosemu/device"
)

// The lab FTP service (10.1.1.1 in the seed lab): the server IOS
// certificate servers keep their database on (`database url
// ftp://10.1.1.1/DB/ROOTCA/`). It serves STATE/ftp on the lab's FTP port
// (see Layout) and takes any user name and password, as a lab server set up
// for IOS's default anonymous login does, unless the lab file lists users
// on the service. The server itself is in ftpd.go.

// serveFTP starts the FTP service on ln, rooted at dir.
func (l *Lab) serveFTP(ln net.Listener, dir string, users []FTPUser) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("lab: ftp root: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("lab: ftp root: %w", err)
	}
	srv := newFTPServer(abs, l.opt.Host, users, l.log)
	l.mu.Lock()
	l.servers = append(l.servers, srv)
	l.mu.Unlock()
	l.goServe(func() error { return srv.Serve(ln) })
	return nil
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
	target := net.JoinHostPort(r.l.opt.Host, fmt.Sprint(r.l.ports.FTP()))
	c, err := ftp.Dial(target, ftp.DialWithContext(ctx), ftp.DialWithTimeout(10*time.Second))
	if err != nil {
		return nil, err
	}
	user, pass := credentials(u)
	if err := c.Login(user, pass); err != nil {
		c.Quit()
		return nil, err
	}
	return c, nil
}

// credentials are the login of a URL: IOS logs in anonymously unless ip
// ftp username/password are set (which the device passes as the URL's
// user).
func credentials(u *url.URL) (user, pass string) {
	user, pass = "anonymous", "ios@"+u.Hostname()
	if u.User != nil {
		user = u.User.Username()
		pass, _ = u.User.Password()
	}
	return user, pass
}

// ftpPool keeps a few logged-in connections to the lab FTP service, by
// login: a CA writes its database file by file, thousands of times in a
// long clock jump, and a login per file would be most of the cost.
type ftpPool struct {
	mu   sync.Mutex
	idle map[string][]*ftp.ServerConn
}

const ftpIdlePerLogin = 4

// with runs op on a logged-in connection, a kept one if there is one; a
// kept connection that fails (the server closed it) is replaced once.
func (r remote) with(ctx context.Context, u *url.URL, op func(c *ftp.ServerConn) error) error {
	user, pass := credentials(u)
	key := user + "\x00" + pass
	p := &r.l.ftpPool
	for attempt := 0; attempt < 2; attempt++ {
		var c *ftp.ServerConn
		kept := false
		p.mu.Lock()
		if l := p.idle[key]; attempt == 0 && len(l) > 0 {
			c, p.idle[key], kept = l[len(l)-1], l[:len(l)-1], true
		}
		p.mu.Unlock()
		if c == nil {
			var err error
			if c, err = r.dial(ctx, u); err != nil {
				return err
			}
		}
		err := op(c)
		var te *textproto.Error
		if err != nil && !errors.As(err, &te) {
			// The connection itself failed: drop it, and try a fresh one
			// if it was a kept one.
			c.Quit()
			if kept {
				continue
			}
			return err
		}
		p.mu.Lock()
		if p.idle == nil {
			p.idle = map[string][]*ftp.ServerConn{}
		}
		if len(p.idle[key]) < ftpIdlePerLogin {
			p.idle[key] = append(p.idle[key], c)
			c = nil
		}
		p.mu.Unlock()
		if c != nil {
			c.Quit()
		}
		return err
	}
	return device.ErrUnreachable
}

// close ends the kept connections.
func (p *ftpPool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.idle {
		for _, c := range l {
			c.Quit()
		}
	}
	p.idle = nil
}

func (r remote) Get(ctx context.Context, u *url.URL, limit int64) ([]byte, error) {
	var data []byte
	err := r.with(ctx, u, func(c *ftp.ServerConn) error {
		resp, err := c.Retr(u.Path)
		if err != nil {
			return err
		}
		defer resp.Close()
		data, err = io.ReadAll(io.LimitReader(resp, limit+1))
		return err
	})
	if err == nil && int64(len(data)) > limit {
		return nil, device.ErrTooLarge
	}
	return data, ftpErr(err)
}

func (r remote) Put(ctx context.Context, u *url.URL, data []byte) error {
	return ftpErr(r.with(ctx, u, func(c *ftp.ServerConn) error {
		return c.Stor(u.Path, bytes.NewReader(data))
	}))
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
