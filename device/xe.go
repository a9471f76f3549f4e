package device

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/parser"
)

// What an IOS-XE router's configuration holds from the factory: the
// management VRF (vrf definition Mgmt-intf, with GigabitEthernet0 in it on
// the platforms that have that port), `multilink bundle-name
// authenticated` and `redundancy` (mode none on a single route
// processor). They are state like any other part of the configuration:
// rendered into running-config, read back from startup-config, changeable.

// vrfCfg is one `vrf definition`.
type vrfCfg struct {
	name string
	afs  []string // address families, in the order configured ("ipv4", "ipv6")
}

// xeDefaults fills the factory configuration of an IOS-XE platform.
func (d *Router) xeDefaults(c *config) {
	if !d.profile.IsXE() {
		return
	}
	c.multilinkAuth = true
	c.redundancy = true
	for _, i := range c.interfaces {
		for _, pi := range d.profile.Interfaces {
			if pi.Name == i.name && pi.Management {
				if c.vrf("Mgmt-intf") == nil {
					c.vrfs = append(c.vrfs, &vrfCfg{name: "Mgmt-intf", afs: []string{"ipv4", "ipv6"}})
				}
				i.vrf = "Mgmt-intf"
			}
		}
	}
}

func (c *config) vrf(name string) *vrfCfg {
	for _, v := range c.vrfs {
		if v.name == name {
			return v
		}
	}
	return nil
}

func (d *Router) registerXE(r *cli.Registry, im *parser.Mode) {
	vm := cli.NewMode(r, "config-vrf", "(config-vrf)#", parser.Config)
	am := cli.NewMode(r, "config-vrf-af", "(config-vrf-af)#", vm)
	rm := cli.NewMode(r, "config-red", "(config-red)#", parser.Config)
	r.Install(rm,
		cmd{Syntax: "mode none", Help: "redundancy mode for this chassis\nNo redundancy", Handler: func(*cli.Session, parser.Args) {}},
	)
	r.Install(parser.Config,
		cmd{Syntax: "vrf definition WORD$name", Help: "VRF commands\nVRF definition\nVRF name",
			No: "vrf definition WORD$name", NoHelp: "VRF commands\nVRF definition\nVRF name",
			Handler: func(s *cli.Session, a parser.Args) {
				name := a.String("name")
				if a.Negated() || a.Default() {
					out := d.cfg.vrfs[:0]
					for _, v := range d.cfg.vrfs {
						if v.name != name {
							out = append(out, v)
						}
					}
					d.cfg.vrfs = out
					for _, i := range d.cfg.interfaces {
						if i.vrf == name {
							i.vrf, i.addr = "", netip.Prefix{}
						}
					}
					d.refreshAddrs()
					d.markChanged(s.User())
					return
				}
				v := d.cfg.vrf(name)
				if v == nil {
					v = &vrfCfg{name: name}
					d.cfg.vrfs = append(d.cfg.vrfs, v)
					d.markChanged(s.User())
				}
				s.Enter(vm, v)
			}},
		cmd{Syntax: "multilink bundle-name authenticated", Help: "Configure multilink parameters\nSelect method for naming multilink bundles\nUse peer's authenticated name", No: "=",
			Handler: func(s *cli.Session, a parser.Args) {
				d.cfg.multilinkAuth = !(a.Negated() || a.Default())
				d.markChanged(s.User())
			}},
		cmd{Syntax: "redundancy", Help: "Enter redundancy mode", No: "=",
			Handler: func(s *cli.Session, a parser.Args) {
				d.cfg.redundancy = !(a.Negated() || a.Default())
				d.markChanged(s.User())
				if d.cfg.redundancy {
					s.Enter(rm, nil)
				}
			}},
	)
	r.Install(vm,
		cmd{Syntax: "address-family <ipv4|ipv6>$af", Help: "Enter Address Family command mode\nAddress family\nAddress family",
			No: "=", Handler: func(s *cli.Session, a parser.Args) {
				v := s.Context().(*vrfCfg)
				af := a.Keyword("af")
				has := false
				out := v.afs[:0]
				for _, x := range v.afs {
					if x == af {
						has = true
						if a.Negated() {
							continue
						}
					}
					out = append(out, x)
				}
				v.afs = out
				if !a.Negated() {
					if !has {
						v.afs = append(v.afs, af)
					}
					s.Enter(am, v)
				}
				d.markChanged(s.User())
			}},
	)
	r.Install(am,
		cmd{Syntax: "exit-address-family", Help: "Exit from Address Family configuration mode",
			Handler: func(s *cli.Session, _ parser.Args) { s.Exit() }},
	)
	r.Install(im,
		cmd{Syntax: "vrf forwarding WORD$name", Help: "VPN Routing/Forwarding parameters on the interface\nConfigure forwarding table\nVRF name",
			No: "vrf forwarding [WORD$name]", NoHelp: "VPN Routing/Forwarding parameters on the interface\nConfigure forwarding table\nVRF name",
			Handler: func(s *cli.Session, a parser.Args) {
				i := s.Context().(*iface)
				name := ""
				if !a.Negated() && !a.Default() {
					name = a.String("name")
					if d.cfg.vrf(name) == nil {
						s.Error("%% VRF %s not configured", name)
						return
					}
				}
				if i.vrf != name {
					// IOS removes the address of an interface that changes VRF.
					if i.addr.IsValid() && !s.Headless() {
						s.Printf("%% Interface %s IPv4 disabled and address(es) removed due to enabling VRF %s\n", i.name, name)
					}
					i.vrf, i.addr = name, netip.Prefix{}
					d.refreshAddrs()
					d.markChanged(s.User())
				}
			}},
	)
}

// writeVRFs writes the vrf definitions.
func (d *Router) writeVRFs(w *strings.Builder) {
	for _, v := range d.cfg.vrfs {
		fmt.Fprintf(w, "vrf definition %s\n", v.name)
		for _, af := range v.afs {
			fmt.Fprintf(w, " !\n address-family %s\n exit-address-family\n", af)
		}
		w.WriteString("!\n")
	}
}

func (d *Router) writeXEGlobal(w *strings.Builder) {
	// On by default on IOS-XE: turned off, it shows in its no form.
	if d.cfg.multilinkAuth {
		w.WriteString("multilink bundle-name authenticated\n!\n")
	} else if d.profile.IsXE() {
		w.WriteString("no multilink bundle-name authenticated\n!\n")
	}
	if d.cfg.redundancy {
		w.WriteString("redundancy\n mode none\n!\n")
	}
}

// showVRF lists the VRFs with their address families and interfaces.
func (d *Router) showVRF(s *cli.Session, _ parser.Args) {
	if len(d.cfg.vrfs) == 0 {
		return
	}
	s.Printf("  %-32s %-21s %-11s %s\n", "Name", "Default RD", "Protocols", "Interfaces")
	for _, v := range d.cfg.vrfs {
		var ifs []string
		for _, i := range d.cfg.interfaces {
			if i.vrf == v.name {
				ifs = append(ifs, i.short)
			}
		}
		s.Printf("  %-32s %-21s %-11s %s\n", v.name, "<not set>", strings.Join(v.afs, ","), strings.Join(ifs, " "))
	}
}
