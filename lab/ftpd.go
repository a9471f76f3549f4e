package lab

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iosemu/iosemu/nvram"
	"github.com/iosemu/iosemu/transport"
)

// The lab FTP service is a small FTP server of its own (RFC 959 with the
// passive modes of RFC 2428): what a lab needs and nothing that reaches past
// it. Its data sockets listen on the lab's host (127.0.0.1), never on every
// interface; a data connection is taken only from the control connection's
// address; uploads are capped at MaxFTPUpload; replies name files by their
// path inside the service (/DB/ROOTCA/ROOTCA.ser), never by their place on
// the host. Active mode (PORT, EPRT) is not offered.

// MaxFTPUpload is the largest file the lab FTP service stores (32 MiB): a
// CA database file is a few KiB; a bigger upload is refused with 552 and
// nothing is kept.
const MaxFTPUpload = 32 << 20

// FTPUser is a login of the lab FTP service (lab file: `users: [{name: x,
// password: y}]` on the ftp service). With none, any login is accepted.
type FTPUser struct {
	Name     string `yaml:"name"`
	Password string `yaml:"password"`
}

const (
	ftpIdleTimeout = 5 * time.Minute  // a control connection with no command
	ftpDataTimeout = 30 * time.Second // a data connection to open, and each read or write on it
	ftpMaxLine     = 4096
)

type ftpServer struct {
	root      string // absolute directory served as "/"
	host      string // where data sockets listen
	users     map[string]string
	maxUpload int64
	log       *slog.Logger

	// spares are, by directory, the upload files not in use (see stor);
	// retrs counts the downloads under way, which stop their reuse.
	spareMu sync.Mutex
	spares  map[string][]string
	spareN  int
	retrs   atomic.Int64

	mu     sync.Mutex
	closed bool
	lns    map[net.Listener]bool
	conns  map[net.Conn]bool
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc
}

func newFTPServer(root, host string, users []FTPUser, log *slog.Logger) *ftpServer {
	s := &ftpServer{root: root, host: host, maxUpload: MaxFTPUpload, log: log,
		lns: map[net.Listener]bool{}, conns: map[net.Conn]bool{}}
	if len(users) > 0 {
		s.users = map[string]string{}
		for _, u := range users {
			s.users[u.Name] = u.Password
		}
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s
}

// Serve accepts control connections on ln until Close; it retries
// temporary accept errors with transport's back-off.
func (s *ftpServer) Serve(ln net.Listener) error {
	if !s.track(ln, nil) {
		ln.Close()
		return net.ErrClosed
	}
	defer s.untrack(ln, nil)
	var backoff transport.AcceptBackoff
	for {
		c, err := ln.Accept()
		if err != nil {
			if s.isClosed() {
				return net.ErrClosed
			}
			if transport.TemporaryAcceptError(err) && backoff.Wait(s.ctx) {
				continue
			}
			return fmt.Errorf("lab: ftp: accept: %w", err)
		}
		backoff.Reset()
		if !s.track(nil, c) {
			c.Close()
			return net.ErrClosed
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.untrack(nil, c)
			defer c.Close()
			(&ftpSession{s: s, c: c, cwd: "/", r: bufio.NewReaderSize(c, ftpMaxLine)}).serve()
		}()
	}
}

func (s *ftpServer) track(ln net.Listener, c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if ln != nil {
		s.lns[ln] = true
	}
	if c != nil {
		s.conns[c] = true
	}
	return true
}

func (s *ftpServer) untrack(ln net.Listener, c net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.lns, ln)
	delete(s.conns, c)
}

func (s *ftpServer) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Close stops the listeners and every session, and waits for them.
func (s *ftpServer) Close() error {
	s.mu.Lock()
	s.closed = true
	s.cancel()
	for ln := range s.lns {
		ln.Close()
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

type ftpSession struct {
	s        *ftpServer
	c        net.Conn
	r        *bufio.Reader
	user     string
	loggedIn bool
	cwd      string // path inside the service, "/" first
	pasv     net.Listener
	rest     int64
	rnfr     string
}

func (f *ftpSession) reply(code int, msg string) {
	f.c.SetWriteDeadline(time.Now().Add(ftpDataTimeout)) // wall-clock-ok: network write deadline
	fmt.Fprintf(f.c, "%d %s\r\n", code, msg)
}

// readLine reads one command line; an over-long line is read to its end
// and reported as such.
func (f *ftpSession) readLine() (string, bool, error) {
	f.c.SetReadDeadline(time.Now().Add(ftpIdleTimeout)) // wall-clock-ok: network idle timeout
	var b []byte
	long := false
	for {
		part, isPrefix, err := f.r.ReadLine()
		if err != nil {
			return "", false, err
		}
		if len(b)+len(part) > ftpMaxLine {
			long = true
		} else {
			b = append(b, part...)
		}
		if !isPrefix {
			return string(b), long, nil
		}
	}
}

func (f *ftpSession) serve() {
	defer f.closePasv()
	f.reply(220, "iosemu lab FTP service")
	for {
		line, long, err := f.readLine()
		if err != nil {
			return
		}
		if long {
			f.reply(500, "Command line too long.")
			continue
		}
		cmd, arg, _ := strings.Cut(strings.TrimRight(line, " "), " ")
		cmd = strings.ToUpper(cmd)
		if !f.loggedIn {
			switch cmd {
			case "USER", "PASS", "QUIT", "FEAT", "SYST", "NOOP", "OPTS", "AUTH":
			default:
				f.reply(530, "Please login with USER and PASS.")
				continue
			}
		}
		if f.command(cmd, arg) {
			return
		}
		// RNFR and REST apply to the next command only.
		if cmd != "RNFR" {
			f.rnfr = ""
		}
		if cmd != "REST" {
			f.rest = 0
		}
	}
}

// command runs one command; it reports whether the session ends.
func (f *ftpSession) command(cmd, arg string) bool {
	switch cmd {
	case "USER":
		f.user, f.loggedIn = arg, false
		f.reply(331, "Password required.")
	case "PASS":
		pw, known := f.s.users[f.user]
		if f.user == "" || f.s.users != nil && (!known || pw != arg) {
			f.reply(530, "Login incorrect.")
			return false
		}
		f.loggedIn = true
		f.reply(230, "Logged in.")
	case "QUIT":
		f.reply(221, "Goodbye.")
		return true
	case "AUTH":
		f.reply(502, "TLS is not offered by the lab FTP service.")
	case "FEAT":
		f.c.SetWriteDeadline(time.Now().Add(ftpDataTimeout)) // wall-clock-ok: network write deadline
		io.WriteString(f.c, "211-Features:\r\n EPSV\r\n PASV\r\n SIZE\r\n MDTM\r\n REST STREAM\r\n UTF8\r\n211 End\r\n")
	case "SYST":
		f.reply(215, "UNIX Type: L8")
	case "NOOP":
		f.reply(200, "OK.")
	case "OPTS":
		if strings.EqualFold(arg, "UTF8 ON") {
			f.reply(200, "UTF8 is on.")
		} else {
			f.reply(501, "Option not understood.")
		}
	case "TYPE":
		switch strings.ToUpper(strings.Fields(arg + " x")[0]) {
		case "A", "I", "L":
			f.reply(200, "Type set.")
		default:
			f.reply(504, "Type not supported.")
		}
	case "MODE":
		f.okIf(strings.EqualFold(arg, "S"), "Mode S.", 504, "Only stream mode.")
	case "STRU":
		f.okIf(strings.EqualFold(arg, "F"), "Structure F.", 504, "Only file structure.")
	case "PWD", "XPWD":
		f.reply(257, strconv.Quote(f.cwd)+" is the current directory.")
	case "CWD", "XCWD", "CDUP", "XCUP":
		if cmd == "CDUP" || cmd == "XCUP" {
			arg = ".."
		}
		p := f.path(arg)
		if fi, err := os.Stat(f.real(p)); err != nil || !fi.IsDir() {
			f.reply(550, f.name(p)+": no such directory.")
			return false
		}
		f.cwd = p
		f.reply(250, "Directory changed to "+f.name(p)+".")
	case "PASV", "EPSV":
		f.passive(cmd == "EPSV")
	case "PORT", "EPRT":
		f.reply(502, "Active mode is not offered: use passive mode.")
	case "LIST", "NLST":
		f.list(cmd == "NLST", arg)
	case "RETR":
		f.retr(arg)
	case "STOR", "APPE":
		f.stor(arg, cmd == "APPE")
	case "REST":
		n, err := strconv.ParseInt(arg, 10, 64)
		if err != nil || n < 0 {
			f.reply(501, "Bad offset.")
			return false
		}
		f.rest = n
		f.reply(350, "Restarting at "+strconv.FormatInt(n, 10)+".")
	case "SIZE", "MDTM":
		p := f.path(arg)
		fi, err := os.Stat(f.real(p))
		if err != nil || !fi.Mode().IsRegular() {
			f.reply(550, f.name(p)+": no such file.")
			return false
		}
		if cmd == "SIZE" {
			f.reply(213, strconv.FormatInt(fi.Size(), 10))
		} else {
			f.reply(213, fi.ModTime().UTC().Format("20060102150405"))
		}
	case "DELE":
		p := f.path(arg)
		if fi, err := os.Stat(f.real(p)); err != nil || fi.IsDir() || os.Remove(f.real(p)) != nil {
			f.reply(550, f.name(p)+": could not delete.")
			return false
		}
		f.reply(250, "Deleted "+f.name(p)+".")
	case "MKD", "XMKD":
		p := f.path(arg)
		if p == "/" || os.Mkdir(f.real(p), 0o700) != nil {
			f.reply(550, f.name(p)+": could not create the directory.")
			return false
		}
		f.reply(257, strconv.Quote(p)+" created.")
	case "RMD", "XRMD":
		p := f.path(arg)
		if p == "/" || os.Remove(f.real(p)) != nil {
			f.reply(550, f.name(p)+": could not remove the directory.")
			return false
		}
		f.reply(250, "Removed "+f.name(p)+".")
	case "RNFR":
		p := f.path(arg)
		if _, err := os.Stat(f.real(p)); err != nil || p == "/" {
			f.reply(550, f.name(p)+": no such file or directory.")
			return false
		}
		f.rnfr = p
		f.reply(350, "Ready for RNTO.")
	case "RNTO":
		p := f.path(arg)
		if f.rnfr == "" || p == "/" || os.Rename(f.real(f.rnfr), f.real(p)) != nil {
			f.reply(550, "Rename failed.")
			return false
		}
		f.reply(250, "Renamed.")
	default:
		f.reply(502, "Command not implemented.")
	}
	return false
}

func (f *ftpSession) okIf(ok bool, yes string, code int, no string) {
	if ok {
		f.reply(200, yes)
	} else {
		f.reply(code, no)
	}
}

// path is arg as a clean absolute path inside the service: ".." stops at
// its root.
func (f *ftpSession) path(arg string) string {
	if !strings.HasPrefix(arg, "/") {
		arg = f.cwd + "/" + arg
	}
	return path.Clean("/" + arg)
}

// real is the host path of p, a path from f.path.
func (f *ftpSession) real(p string) string {
	return filepath.Join(f.s.root, filepath.FromSlash(p))
}

// name is p for a reply: quoted and short, never a host path.
func (f *ftpSession) name(p string) string { return quote(p) }

func (f *ftpSession) closePasv() {
	if f.pasv != nil {
		f.pasv.Close()
		f.s.untrack(f.pasv, nil)
		f.pasv = nil
	}
}

// passive opens a data socket on the lab's host.
func (f *ftpSession) passive(extended bool) {
	f.closePasv()
	ln, err := net.Listen("tcp", net.JoinHostPort(f.s.host, "0"))
	if err != nil || !f.s.track(ln, nil) {
		if ln != nil {
			ln.Close()
		}
		f.reply(425, "Cannot open a data connection.")
		return
	}
	f.pasv = ln
	a := ln.Addr().(*net.TCPAddr)
	if extended {
		f.reply(229, fmt.Sprintf("Entering Extended Passive Mode (|||%d|)", a.Port))
		return
	}
	ip4 := a.IP.To4()
	if ip4 == nil {
		f.closePasv()
		f.reply(522, "PASV needs IPv4: use EPSV.")
		return
	}
	f.reply(227, fmt.Sprintf("Entering Passive Mode (%d,%d,%d,%d,%d,%d)", ip4[0], ip4[1], ip4[2], ip4[3], a.Port>>8, a.Port&0xff))
}

// data accepts the data connection of a transfer, from the control
// connection's address only.
func (f *ftpSession) data() (net.Conn, error) {
	if f.pasv == nil {
		return nil, errors.New("no PASV or EPSV first")
	}
	ln := f.pasv
	defer f.closePasv()
	if tl, ok := ln.(*net.TCPListener); ok {
		tl.SetDeadline(time.Now().Add(ftpDataTimeout)) // wall-clock-ok: network accept deadline
	}
	want, _, _ := net.SplitHostPort(f.c.RemoteAddr().String())
	for {
		c, err := ln.Accept()
		if err != nil {
			return nil, err
		}
		if got, _, _ := net.SplitHostPort(c.RemoteAddr().String()); got == want {
			c.SetDeadline(time.Now().Add(ftpDataTimeout)) // wall-clock-ok: network transfer deadline
			return c, nil
		}
		c.Close()
	}
}

// transfer opens the data connection, runs fn on it and answers.
func (f *ftpSession) transfer(fn func(net.Conn) (code int, msg string)) {
	f.reply(150, "Opening data connection.")
	c, err := f.data()
	if err != nil {
		f.reply(425, "Cannot open a data connection.")
		return
	}
	code, msg := fn(c)
	c.Close()
	f.reply(code, msg)
}

func (f *ftpSession) list(namesOnly bool, arg string) {
	// Options such as -la are ignored.
	var target string
	for _, w := range strings.Fields(arg) {
		if !strings.HasPrefix(w, "-") {
			target = w
		}
	}
	p := f.path(target)
	fi, err := os.Stat(f.real(p))
	if err != nil {
		f.reply(550, f.name(p)+": no such file or directory.")
		return
	}
	var entries []fs.FileInfo
	if fi.IsDir() {
		des, err := os.ReadDir(f.real(p))
		if err != nil {
			f.reply(550, f.name(p)+": cannot list.")
			return
		}
		for _, de := range des {
			if strings.HasPrefix(de.Name(), ftpTmpPrefix) {
				continue // an upload's file or a spare
			}
			if info, err := de.Info(); err == nil {
				entries = append(entries, info)
			}
		}
	} else {
		entries = []fs.FileInfo{fi}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	f.transfer(func(c net.Conn) (int, string) {
		w := bufio.NewWriter(c)
		for _, e := range entries {
			if namesOnly {
				fmt.Fprintf(w, "%s\r\n", e.Name())
				continue
			}
			mode := "-rw-r--r--"
			if e.IsDir() {
				mode = "drwxr-xr-x"
			}
			fmt.Fprintf(w, "%s 1 ftp ftp %12d %s %s\r\n", mode, e.Size(), e.ModTime().UTC().Format("Jan _2 15:04"), e.Name())
		}
		if w.Flush() != nil {
			return 426, "Transfer aborted."
		}
		return 226, "Transfer complete."
	})
}

func (f *ftpSession) retr(arg string) {
	p := f.path(arg)
	rest := f.rest
	f.rest = 0
	f.s.retrs.Add(1)
	defer f.s.retrs.Add(-1)
	file, err := os.Open(f.real(p))
	if err != nil {
		f.reply(550, f.name(p)+": no such file.")
		return
	}
	defer file.Close()
	if fi, err := file.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.reply(550, f.name(p)+": not a file.")
		return
	}
	if _, err := file.Seek(rest, io.SeekStart); err != nil {
		f.reply(554, "Bad restart offset.")
		return
	}
	f.transfer(func(c net.Conn) (int, string) {
		if _, err := io.Copy(c, file); err != nil {
			return 426, "Transfer aborted."
		}
		return 226, "Transfer complete."
	})
}

// ftpTmpPrefix starts the names of the upload files (a temporary one of
// an upload, or a spare): LIST does not show them.
const ftpTmpPrefix = ".upload-"

// takeSpare returns a spare upload file of dir to write an upload into,
// or "" when none may be used: while a download is under way the spare,
// which was the file before last, may be what it reads.
func (s *ftpServer) takeSpare(dir string) string {
	if s.retrs.Load() > 0 {
		return ""
	}
	s.spareMu.Lock()
	defer s.spareMu.Unlock()
	if l := s.spares[dir]; len(l) > 0 {
		s.spares[dir] = l[:len(l)-1]
		return l[len(l)-1]
	}
	s.spareN++
	return filepath.Join(dir, ftpTmpPrefix+"spare-"+strconv.Itoa(s.spareN))
}

// putSpare gives a spare back.
func (s *ftpServer) putSpare(dir, spare string) {
	s.spareMu.Lock()
	defer s.spareMu.Unlock()
	if s.spares == nil {
		s.spares = map[string][]string{}
	}
	s.spares[dir] = append(s.spares[dir], spare)
}

// stor receives a file into an upload file beside it (fsynced), and keeps
// it only if it arrived whole and within the size limit: renamed over the
// target, or, when the target exists, exchanged with it (Linux's renameat2
// RENAME_EXCHANGE) so that the old content's file becomes a spare the next
// upload overwrites. A CA rewrites its serial file and its CRL thousands
// of times in a long clock jump: this way no inode is allocated or freed
// for each (ext4 without a journal scans past every inode freed in the
// last minute for each new file).
func (f *ftpSession) stor(arg string, appendTo bool) {
	p := f.path(arg)
	dst := f.real(p)
	if p == "/" || strings.TrimSpace(arg) == "" {
		f.reply(553, "A file name is required.")
		return
	}
	dir := filepath.Dir(dst)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		f.reply(553, f.name(path.Dir(p))+": no such directory.")
		return
	}
	var prefix int64
	var tmp *os.File
	spare := f.s.takeSpare(dir)
	var err error
	if spare != "" {
		tmp, err = os.OpenFile(spare, os.O_RDWR|os.O_CREATE, 0o600)
	} else {
		tmp, err = os.CreateTemp(dir, ftpTmpPrefix+"*")
	}
	if err != nil {
		f.reply(553, f.name(p)+": cannot store.")
		return
	}
	name := tmp.Name()
	kept, spent := false, false // kept: a spare again; spent: renamed to dst
	defer func() {
		tmp.Close()
		switch {
		case kept:
			f.s.putSpare(dir, name)
		case !spent:
			os.Remove(name)
		}
	}()
	if appendTo {
		if old, err := os.Open(dst); err == nil {
			prefix, _ = io.Copy(tmp, io.LimitReader(old, f.s.maxUpload+1))
			old.Close()
		}
	}
	f.transfer(func(c net.Conn) (int, string) {
		n, err := io.Copy(tmp, io.LimitReader(c, f.s.maxUpload-prefix+1))
		// A refused upload leaves nothing behind by the time it is answered.
		drop := func() { tmp.Close(); os.Remove(name) }
		switch {
		case err != nil:
			drop()
			return 426, "Transfer aborted."
		case prefix+n > f.s.maxUpload:
			drop()
			return 552, fmt.Sprintf("File too large: the lab FTP service keeps files of at most %d bytes.", f.s.maxUpload)
		}
		if spare != "" && (tmp.Truncate(prefix+n) != nil || tmp.Chmod(0o600) != nil) {
			drop()
			return 451, f.name(p) + ": cannot store."
		}
		if tmp.Sync() != nil || tmp.Close() != nil {
			return 451, f.name(p) + ": cannot store."
		}
		if fi, err := os.Lstat(dst); spare != "" && err == nil && fi.Mode().IsRegular() && nvram.Exchange(name, dst) == nil {
			kept = true
			return 226, "Transfer complete."
		}
		if os.Rename(name, dst) != nil {
			return 451, f.name(p) + ": cannot store."
		}
		spent = true
		return 226, "Transfer complete."
	})
}
