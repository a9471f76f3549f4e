package device

import (
	"strings"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/parser"
)

// registerDelete declares `delete [/force] FS:FILE`. IOS asks for the file
// name (offering the one typed) and then for a confirmation naming the
// file; /force skips the confirmation and `file prompt quiet` both
// questions. netmiko's test suite removes its test files this way.
func (d *Router) registerDelete(r *cli.Registry) {
	r.Install(parser.Exec,
		cmd{Syntax: "delete [/force] WORD$file", Help: "Delete a file\nForce delete\nFile to be deleted", Priv: 15,
			Handler: d.deleteFile},
	)
}

func (d *Router) deleteFile(s *cli.Session, a parser.Args) {
	name := a.String("file")
	quiet := d.cfg.filePrompt == "quiet"
	if !quiet {
		typed := name
		if i := strings.IndexByte(typed, ':'); i >= 0 {
			typed = typed[i+1:]
		}
		ans := strings.TrimSpace(s.Ask("Delete filename [" + strings.TrimPrefix(typed, "/") + "]? "))
		if ans == "\x03" {
			return
		}
		if ans != "" {
			name = ans
		}
	}
	fsys, dev, file, ok := d.filePath(name)
	if !ok {
		s.Error("%%Error deleting %s (No such device)", name)
		return
	}
	full := dev + ":/" + file
	if file == "" {
		s.Error("%%Error deleting %s (Is a directory)", full)
		return
	}
	if e, err := fsys.Stat(file); err != nil {
		s.Error("%%Error deleting %s (%s)", full, fileErr(err))
		return
	} else if e.IsDir {
		s.Error("%%Error deleting %s (Is a directory)", full)
		return
	}
	if !quiet && !a.Has("/force") && !s.Confirm("Delete "+full+"? ") {
		return
	}
	if err := fsys.Remove(file); err != nil {
		s.Error("%%Error deleting %s (%s)", full, fileErr(err))
	}
}
