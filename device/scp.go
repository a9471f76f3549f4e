package device

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/iosemu/iosemu/cli"
)

// The IOS SCP server (`ip scp server enable`): the legacy rcp protocol that
// OpenSSH's scp (-O), paramiko's scp module and netmiko's file transfer
// speak over an SSH exec request. "scp -t TARGET" receives files into a
// file system, "scp -f SOURCE" sends one. Each control line ("C0644 SIZE
// NAME", "T..." times, "E") is answered with a zero byte, or with 0x01 and
// a message for an error the client reports. Files go through the device's
// nvram.FS, so `dir` shows them at once. Only privilege 15 may copy.

// maxSCPLine bounds a protocol control line.
const maxSCPLine = 4096

// scpRequest is a parsed "scp -t|-f [opts] [--] PATH" command.
type scpRequest struct {
	sink bool // -t: the client sends
	path string
}

// parseSCP parses an exec request; ok=false means it is not an scp command.
func parseSCP(command string) (scpRequest, bool) {
	f := strings.Fields(command)
	if len(f) < 3 || f[0] != "scp" {
		return scpRequest{}, false
	}
	var r scpRequest
	mode := false
	i := 1
	for ; i < len(f) && strings.HasPrefix(f[i], "-"); i++ {
		if f[i] == "--" {
			i++
			break
		}
		for _, c := range f[i][1:] {
			switch c {
			case 't':
				r.sink, mode = true, true
			case 'f':
				mode = true
			case 'r':
				return scpRequest{}, false // recursive copies: not an IOS feature
			}
		}
	}
	if !mode || i != len(f)-1 {
		return scpRequest{}, false
	}
	r.path = strings.Trim(f[i], `'"`)
	return r, true
}

// SCP implements cli.FileServer.
func (d *Router) SCP(s *cli.Session, rw io.ReadWriter, command string) (int, bool) {
	req, ok := parseSCP(command)
	if !ok {
		return 0, false
	}
	d.mu.Lock()
	on := d.cfg.scpServer
	d.mu.Unlock()
	if !on {
		return 0, false
	}
	c := &scpConn{r: bufio.NewReader(rw), w: rw}
	if s.Priv() < 15 {
		c.fail("Permission denied")
		return 1, true
	}
	if req.sink {
		return d.scpSink(c, req.path), true
	}
	return d.scpSource(c, req.path), true
}

type scpConn struct {
	r *bufio.Reader
	w io.Writer
}

func (c *scpConn) ok() error {
	_, err := c.w.Write([]byte{0})
	return err
}

// fail sends an error the client shows ("scp: ..." on its side).
func (c *scpConn) fail(msg string) {
	_, _ = fmt.Fprintf(c.w, "\x01scp: %s\n", msg)
}

// line reads a control line without its "\n".
func (c *scpConn) line() (string, error) {
	var b []byte
	for {
		ch, err := c.r.ReadByte()
		if err != nil {
			return "", err
		}
		if ch == '\n' {
			return string(b), nil
		}
		if len(b) >= maxSCPLine {
			return "", errors.New("device: scp: control line too long")
		}
		b = append(b, ch)
	}
}

// ack reads the peer's answer: nil for a zero byte, else its message.
func (c *scpConn) ack() error {
	ch, err := c.r.ReadByte()
	if err != nil {
		return err
	}
	if ch == 0 {
		return nil
	}
	msg, _ := c.line()
	return fmt.Errorf("device: scp: peer: %s", msg)
}

// scpSink receives files into target: a file name, or a file system or
// directory that takes the name the client sends.
func (d *Router) scpSink(c *scpConn, target string) int {
	fsys, dev, file, ok := d.filePath(target)
	if !ok {
		c.fail(target + ": No such device")
		return 1
	}
	if dev == "nvram" {
		c.fail(target + ": Permission denied")
		return 1
	}
	into := file == ""
	if !into {
		if e, err := fsys.Stat(file); err == nil && e.IsDir {
			into = true
		}
	}
	if err := c.ok(); err != nil {
		return 1
	}
	status := 0
	for {
		l, err := c.line()
		if err != nil {
			return status // the client is done (EOF)
		}
		if l == "" {
			c.fail("protocol error: empty control line")
			return 1
		}
		switch l[0] {
		case 'T', 'E':
			if c.ok() != nil {
				return 1
			}
		case 'D':
			c.fail(dev + ": directories are not supported")
			return 1
		case '\x01', '\x02':
			// The client reports an error of its own (a file it cannot read).
			status = 1
			if l[0] == '\x02' {
				return status
			}
		case 'C':
			size, name, err := scpHeader(l)
			if err != nil {
				c.fail(err.Error())
				return 1
			}
			dst := file
			if into {
				dst = strings.Trim(path.Join(file, name), "/")
			}
			if size > fsys.Free() {
				c.fail(fmt.Sprintf("%s:/%s: Not enough space on device", dev, dst))
				return 1
			}
			if c.ok() != nil {
				return 1
			}
			// The buffer grows with what arrives: a size alone allocates
			// nothing.
			var buf bytes.Buffer
			if _, err := io.CopyN(&buf, c.r, size); err != nil {
				return 1
			}
			if c.ack() != nil {
				return 1
			}
			d.mu.Lock()
			now := d.clk.Now()
			d.mu.Unlock()
			if err := fsys.WriteFile(dst, buf.Bytes(), 0o644, now); err != nil {
				c.fail(fmt.Sprintf("%s:/%s: %s", dev, dst, fileErr(err)))
				status = 1
				continue
			}
			if c.ok() != nil {
				return 1
			}
		default:
			c.fail("protocol error: unexpected control line")
			return 1
		}
	}
}

// scpHeader parses "C0644 SIZE NAME".
func scpHeader(l string) (int64, string, error) {
	f := strings.SplitN(l, " ", 3)
	if len(f) != 3 || len(f[0]) != 5 {
		return 0, "", errors.New("protocol error: bad file header")
	}
	if _, err := strconv.ParseUint(f[0][1:], 8, 32); err != nil {
		return 0, "", errors.New("protocol error: bad file mode")
	}
	size, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil || size < 0 {
		return 0, "", errors.New("protocol error: bad file size")
	}
	name := f[2]
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") {
		return 0, "", fmt.Errorf("%s: Invalid argument", name)
	}
	return size, name, nil
}

// scpSource sends one file.
func (d *Router) scpSource(c *scpConn, source string) int {
	if c.ack() != nil {
		return 1
	}
	fsys, dev, file, ok := d.filePath(source)
	if !ok {
		c.fail(source + ": No such device")
		return 1
	}
	if file == "" {
		c.fail(source + ": Is a directory")
		return 1
	}
	f, err := fsys.Open(file)
	if err != nil {
		c.fail(fmt.Sprintf("%s:/%s: %s", dev, file, fileErr(err)))
		return 1
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		c.fail(fmt.Sprintf("%s:/%s: Is a directory", dev, file))
		return 1
	}
	if _, err := fmt.Fprintf(c.w, "C0644 %d %s\n", st.Size(), path.Base(file)); err != nil {
		return 1
	}
	if c.ack() != nil {
		return 1
	}
	if _, err := io.CopyN(c.w, f, st.Size()); err != nil {
		return 1
	}
	if c.ok() != nil || c.ack() != nil {
		return 1
	}
	return 0
}
