package device

import (
	"net/netip"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/parser"
)

// The IOS telnet and ssh clients: a session on another router of the lab,
// over this session's terminal. The other router is found through the lab's
// address map, and must be reachable as a ping would be.

func (d *Router) registerConnect(r *cli.Registry) {
	r.Install(parser.Exec,
		cmd{Syntax: "telnet A.B.C.D$addr", Help: "Open a telnet connection\nIP address or hostname of a remote system",
			Handler: func(s *cli.Session, a parser.Args) { d.connect(s, netip.MustParseAddr(a.String("addr")), "") }},
		cmd{Syntax: "ssh -l WORD$user A.B.C.D$addr", Help: "Open a secure shell client connection\nLog in using this user name\nLogin name\nIP address or hostname of a remote system",
			Handler: func(s *cli.Session, a parser.Args) {
				d.connect(s, netip.MustParseAddr(a.String("addr")), a.String("user"))
			}},
	)
}

// Telnet implements cli.Connector: an IPv4 address typed as a command is a
// telnet to it, as on IOS.
func (d *Router) Telnet(s *cli.Session, word string) bool {
	a, err := netip.ParseAddr(word)
	if err != nil || !a.Is4() {
		return false
	}
	d.connect(s, a, "")
	return true
}

// connect opens a session on the router that owns addr: telnet (user "",
// the other router's login dialog) or ssh -l user (a password here).
func (d *Router) connect(s *cli.Session, addr netip.Addr, user string) {
	if user == "" {
		s.Printf("Trying %s ... ", addr)
	}
	peer, src, ok := d.reach(addr)
	if !ok {
		if user == "" {
			s.Printf("\n")
		}
		s.Println("% Connection timed out; remote host not responding")
		s.Println("")
		return
	}
	// The peer may be this router, whose lock is held: ask it unlocked.
	relock := s.Unlocked()
	sshOK, telnetOK := peer.Transports()
	relock()
	if (user == "" && !telnetOK) || (user != "" && !sshOK) {
		if user == "" {
			s.Printf("\n")
		}
		s.Println("% Connection refused by remote host")
		s.Println("")
		return
	}
	if user == "" {
		s.Println("Open")
	} else {
		authed := false
		for try := 0; try < 3 && !authed; try++ {
			// The peer checks the password under its own lock: release ours.
			pw := s.AskSecret("Password: ")
			relock := s.Unlocked()
			_, authed = peer.Authenticate(user, pw)
			relock()
		}
		if !authed {
			s.Println("% Authentication failed.")
			return
		}
	}
	if peer != d {
		// The connection and its login count on both routers' interfaces
		// (what is typed in the session does not).
		if user == "" {
			d.tcpExchange(addr, flow{bytes: telnetUp, segs: 4}, flow{bytes: telnetDown, segs: 4})
		} else {
			d.tcpExchange(addr, flow{bytes: sshUp, segs: 8}, flow{bytes: sshDown, segs: 8})
		}
	}
	if s.Nest(peer, user, src.String()) {
		s.Printf("\n[Connection to %s closed by foreign host]\n", addr)
	}
}

// What a telnet or SSH connection's start carries before the session is
// used: telnet's option negotiation and the login dialog; SSH's version
// strings, key exchange (RSA 2048), and password authentication.
const (
	telnetUp, telnetDown = 60, 180
	sshUp, sshDown       = 1400, 1900
)

// reach finds the router that owns addr, if this one can reach it, and
// this router's address on the way there.
func (d *Router) reach(addr netip.Addr) (*Router, netip.Addr, bool) {
	if _, self := d.Owns(addr); self {
		return d, addr, true
	}
	if d.peer == nil || d.neighbor == nil {
		return nil, netip.Addr{}, false
	}
	hop, routed := d.path(addr)
	if !routed {
		return nil, netip.Addr{}, false
	}
	if _, ok := d.neighbor(hop); !ok {
		return nil, netip.Addr{}, false
	}
	peer, ok := d.peer(addr)
	if !ok {
		return nil, netip.Addr{}, false
	}
	var src netip.Addr
	if i := d.onLink(hop); i != nil {
		src = i.addr.Addr()
	}
	return peer, src, true
}
