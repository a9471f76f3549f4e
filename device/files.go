package device

import (
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/nvram"
	"github.com/iosemu/iosemu/parser"
)

// registerFiles declares the file-system commands over the device's nvram
// and flash.
func (d *Router) registerFiles(r *cli.Registry) {
	flash := d.profile.Flash + ":"
	def := d.flashName() + ":"
	r.Install(parser.Exec,
		// flash0: (an ISR G2's flash, whose alias flash: is) goes by the
		// path form below: as a keyword beside flash: it would make the
		// common abbreviation "dir flash" ambiguous.
		cmd{Syntax: "dir [<nvram:|" + flash + ">$fs]", Help: "List files on a filesystem\nDirectory or file name\nDirectory or file name", Priv: 15,
			Handler: func(s *cli.Session, a parser.Args) {
				name := a.Keyword("fs")
				if name == "" {
					name = def
				}
				d.dir(s, name)
			}},
		// dir flash:/FILE: a path on a file system (netmiko's file transfer
		// checks a file this way before and after it copies).
		cmd{Syntax: "dir WORD$path", Help: "List files on a filesystem\nDirectory or file name", Priv: 15, Hidden: true,
			Handler: func(s *cli.Session, a parser.Args) { d.dir(s, a.String("path")) }},
		cmd{Syntax: "show " + flash, Help: cli.HelpShow + "\ndisplay information about " + flash + " file system", Priv: 15,
			Handler: func(s *cli.Session, _ parser.Args) { d.showFlash(s) }},
		cmd{Syntax: "verify /md5 WORD$file", Help: "Verify a file\nCompute the MD5 signature for a file\nFile to compute MD5 signature", Priv: 15,
			Handler: d.verifyMD5},
		cmd{Syntax: "more <nvram:startup-config|system:running-config>$file", Help: "Display the contents of a file\nFile in nvram\nFile in system", Priv: 15,
			Handler: func(s *cli.Session, a parser.Args) {
				if a.Keyword("file") == "system:running-config" {
					s.Printf("%s", d.renderConfig())
					return
				}
				nv, _ := d.store.Device("nvram")
				text, err := nv.ReadFile("startup-config")
				if err != nil {
					s.Error("%%Error opening nvram:startup-config (No such file or directory)")
					return
				}
				s.Printf("%s", text)
			}},
	)
	r.Install(parser.Config,
		cmd{Syntax: "file prompt [<alert|noisy|quiet>$how]", Help: "Adjust file system parameters\nPrompt level for file operations\nPrompt only for destructive file operations\nConfirm all file operation parameters\nSeldom prompt for file operations",
			No: "file prompt", NoHelp: "Adjust file system parameters\nPrompt level for file operations",
			Handler: func(s *cli.Session, a parser.Args) {
				d.cfg.filePrompt = a.Keyword("how")
				if a.Negated() || a.Default() || d.cfg.filePrompt == "alert" {
					d.cfg.filePrompt = ""
				}
				d.markChanged(s.User())
			}},
		cmd{Syntax: "ip scp server enable", Help: cli.HelpIP + "\nScp commands\nConfigure scp server\nEnable scp server", No: "=",
			Handler: func(s *cli.Session, a parser.Args) {
				d.cfg.scpServer = !(a.Negated() || a.Default())
				d.markChanged(s.User())
			}},
	)
}

// filePath splits a file name as typed ("flash:/x.bin", "flash:x.bin",
// "x.bin", "nvram:") into its file system and the path on it ("" for the
// file system itself). A name without a device is on the default flash.
func (d *Router) filePath(name string) (fsys *nvram.FS, dev, file string, ok bool) {
	dev, file = d.profile.Flash, name
	if i := strings.IndexByte(name, ':'); i >= 0 {
		dev, file = strings.ToLower(name[:i]), name[i+1:]
	}
	file = strings.Trim(file, "/")
	fsys, ok = d.store.Device(dev)
	if !ok && dev == "flash" && d.profile.IsXE() {
		// IOS-XE accepts flash: as another name of bootflash:.
		fsys, ok = d.store.Device(d.profile.Flash)
	}
	return fsys, dev, file, ok
}

// dir is `dir [FS:[/PATH]]`: a file system's listing, or a file's line.
func (d *Router) dir(s *cli.Session, name string) {
	fsys, dev, file, ok := d.filePath(name)
	if !ok {
		s.Error("%%Error opening %s (No such device)", name)
		return
	}
	var out string
	var err error
	if file == "" {
		out, err = fsys.RenderDir(d.clk.Location())
	} else {
		out, err = fsys.RenderDirFile(file, d.clk.Location())
	}
	// The listing is headed by the name typed (flash0: or its alias
	// flash:), as IOS does.
	if own := "Directory of " + fsys.Name() + ":"; dev != fsys.Name() && strings.HasPrefix(out, own) {
		out = "Directory of " + dev + ":" + out[len(own):]
	}
	if err != nil {
		s.Error("%%Error opening %s:/%s (%s)", dev, file, fileErr(err))
		return
	}
	s.Printf("%s", out)
}

// flashName is the name IOS gives the flash first (flash0: on an ISR G2).
func (d *Router) flashName() string {
	if d.profile.FlashPrimary != "" {
		return d.profile.FlashPrimary
	}
	return d.profile.Flash
}

// fileErr is IOS's wording of a file-system error.
func fileErr(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "No such file or directory"
	case errors.Is(err, nvram.ErrNoSpace):
		return "Not enough space on device"
	case errors.Is(err, nvram.ErrInvalidPath):
		return "Invalid argument"
	case errors.Is(err, fs.ErrPermission):
		return "Permission denied"
	default:
		return "I/O error"
	}
}

// showFlash is `show flash:`: classic IOS lists "-#- --length--
// -----date/time------ path" and what is available and used; IOS-XE shows
// absolute paths and zero-padded days.
func (d *Router) showFlash(s *cli.Session) {
	fsys, _ := d.store.Device(d.profile.Flash)
	entries, err := fsys.List()
	if err != nil {
		s.Error("%%Error opening %s: (%s)", d.profile.Flash, fileErr(err))
		return
	}
	loc := d.clk.Location()
	xe := d.profile.XEVersion != ""
	if xe {
		s.Printf("-#- --length-- ---------date/time--------- path\n")
	} else {
		s.Printf("-#- --length-- -----date/time------ path\n")
	}
	for _, e := range entries {
		if xe {
			name := "/" + d.profile.Flash + "/" + e.Name
			if e.IsDir {
				name += "/"
			}
			s.Printf("%3d %10d %s %s\n", e.Index, e.Size, e.ModTime.In(loc).Format("Jan 02 2006 15:04:05 -07:00"), name)
		} else {
			s.Printf("%-3d %10d %s %s\n", e.Index, e.Size, e.ModTime.In(loc).Format("Jan 2 2006 15:04:05 -07:00"), e.Name)
		}
	}
	free := fsys.Free()
	s.Printf("\n%d bytes available (%d bytes used)\n", free, fsys.Total()-free)
}

// verifyMD5 is `verify /md5 FS:FILE`: IOS prints a dot per block read, then
// the digest.
func (d *Router) verifyMD5(s *cli.Session, a parser.Args) {
	name := a.String("file")
	fsys, dev, file, ok := d.filePath(name)
	if !ok {
		s.Error("%%Error opening %s (No such device)", name)
		return
	}
	if file == "" {
		s.Error("%%Error opening %s:/ (Is a directory)", dev)
		return
	}
	f, err := fsys.Open(file)
	if err != nil {
		s.Error("%%Error opening %s:/%s (%s)", dev, file, fileErr(err))
		return
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		s.Error("%%Error opening %s:/%s (Is a directory)", dev, file)
		return
	}
	// Reading a large image takes a while: other sessions go on meanwhile.
	relock := s.Unlocked()
	h := md5.New()
	buf := make([]byte, 1<<20)
	dots := 0
	var rerr error
	for {
		n, err := f.Read(buf)
		h.Write(buf[:n])
		if n > 0 && dots < 70 {
			dots++
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			rerr = err
			break
		}
	}
	relock()
	if rerr != nil {
		s.Error("%%Error reading %s:/%s (%s)", dev, file, fileErr(rerr))
		return
	}
	s.Printf("%sDone!\n", strings.Repeat(".", max(dots, 1)))
	s.Printf("verify /md5 (%s) = %x\n\n", name, h.Sum(nil))
}

// writeFileCfg writes the file-system part of the configuration.
func (d *Router) writeFileCfg(w *strings.Builder) {
	if d.cfg.filePrompt != "" {
		fmt.Fprintf(w, "file prompt %s\n", d.cfg.filePrompt)
	}
}
