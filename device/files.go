package device

import (
	"strings"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/parser"
)

// registerFiles declares the file-system commands over the device's nvram
// and flash.
func (d *Router) registerFiles(r *cli.Registry) {
	flash := d.profile.Flash + ":"
	r.Install(parser.Exec,
		cmd{Syntax: "dir [<nvram:|" + flash + ">$fs]", Help: "List files on a filesystem\nDirectory or file name\nDirectory or file name", Priv: 15,
			Handler: func(s *cli.Session, a parser.Args) {
				name := a.Keyword("fs")
				if name == "" {
					name = flash
				}
				fs, ok := d.store.Device(strings.TrimSuffix(name, ":"))
				if !ok {
					s.Error("%%Error opening %s (No such device)", name)
					return
				}
				out, err := fs.RenderDir(d.clk.Location())
				if err != nil {
					s.Error("%%Error opening %s (%v)", name, err)
					return
				}
				s.Printf("%s", out)
			}},
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
}
