package lab

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"

	ftpserver "goftp.io/server/v2"
	"goftp.io/server/v2/driver/file"
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
