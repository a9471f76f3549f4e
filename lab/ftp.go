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
	// IOS logs in anonymously unless ip ftp username/password are set
	// (which the device passes as the URL's user).
	user, pass := "anonymous", "ios@"+u.Hostname()
	if u.User != nil {
		user = u.User.Username()
		pass, _ = u.User.Password()
	}
	if err := c.Login(user, pass); err != nil {
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
