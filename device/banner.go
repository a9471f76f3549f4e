package device

import (
	"fmt"
	"strings"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/parser"
)

// registerBanners declares `banner motd|login|exec`: text between two
// delimiter characters, on one line or many. IOS writes the delimiter back
// as ^C, and reads ^C in a configuration file as one delimiter.
func (d *Router) registerBanners(r *cli.Registry) {
	r.Install(parser.Config,
		cmd{Syntax: "banner <exec|login|motd>$kind LINE$text",
			Help: "Define a login banner\nSet EXEC process creation banner\nSet login banner\nSet Message of the Day banner\nc banner-text c, where 'c' is a delimiting character",
			No:   "banner <exec|login|motd>$kind", NoHelp: "Define a login banner\nSet EXEC process creation banner\nSet login banner\nSet Message of the Day banner",
			Handler: d.bannerCmd},
	)
}

func (d *Router) bannerCmd(s *cli.Session, a parser.Args) {
	kind := a.Keyword("kind")
	if a.Negated() || a.Default() {
		delete(d.cfg.banners, kind)
		d.markChanged(s.User())
		return
	}
	text := strings.TrimLeft(a.String("text"), " ")
	delim := text[:1]
	if strings.HasPrefix(text, "^C") {
		delim = "^C"
	}
	rest := text[len(delim):]
	if i := strings.Index(rest, delim); i >= 0 {
		d.cfg.banners[kind] = rest[:i]
		d.markChanged(s.User())
		return
	}
	if !s.Headless() {
		show := delim
		if delim == "^C" {
			show = "^C"
		}
		s.Printf("Enter TEXT message.  End with the character '%s'.\n", show)
	}
	body := rest
	user := s.User()
	s.Collect(func(line string) bool {
		if i := strings.Index(line, delim); i >= 0 {
			d.cfg.banners[kind] = body + "\n" + line[:i]
			d.markChanged(user)
			return true
		}
		body += "\n" + line
		return false
	})
}

// Banner implements cli.Host.
func (d *Router) Banner(kind string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg.banners[kind]
}

func (d *Router) writeBanners(w *strings.Builder) {
	any := false
	for _, kind := range []string{"exec", "login", "motd"} {
		if b, ok := d.cfg.banners[kind]; ok {
			fmt.Fprintf(w, "banner %s ^C%s^C\n", kind, b)
			any = true
		}
	}
	if any {
		w.WriteString("!\n")
	}
}
