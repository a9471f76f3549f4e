package lab

import (
	_ "embed"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/iosemu/iosemu/platforms"
)

// Spec is a lab file: devices and lab services.
//
//	name: seed
//	services:
//	  - {name: ftp, kind: ftp, address: 10.1.1.1}
//	devices:
//	  - name: Root-CA
//	    platform: ISR-G2
//	    address: 172.16.1.1
//	    config: |
//	      hostname Root-CA
type Spec struct {
	Name     string        `yaml:"name"`
	Services []ServiceSpec `yaml:"services"`
	Devices  []DeviceSpec  `yaml:"devices"`
	file     string
}

// DeviceSpec is one router of the lab.
type DeviceSpec struct {
	Name     string `yaml:"name"`
	Platform string `yaml:"platform"`
	Address  string `yaml:"address"` // the lab address of its first interface
	Config   string `yaml:"config"`  // the configuration it boots with when its nvram is empty
	// Bootstrap is typed at the device, once, on the lab's first start,
	// after every device has booted: the login, exec commands and the
	// answers to their dialogs, a line each, as a person would type them
	// (the seed lab enables its CA and enrols its spokes this way).
	Bootstrap string `yaml:"bootstrap"`
	line      int
	profile   *platforms.Profile
}

// ServiceSpec is a lab service (the FTP server for CA databases, NTP).
type ServiceSpec struct {
	Name    string `yaml:"name"`
	Kind    string `yaml:"kind"` // ftp | ntp | forward
	Address string `yaml:"address"`
	// To is the real host a forward service sends its address to: a device
	// that connects to Address on a port reaches the same port on To
	// (an external CA such as step-ca or NDES).
	To   string `yaml:"to"`
	line int
}

//go:embed labs/seed.yaml
var seedYAML []byte

//go:embed labs/blank.yaml
var blankYAML []byte

// Builtin returns the embedded "seed" or "blank" lab.
func Builtin(name string) (*Spec, bool) {
	switch name {
	case "seed":
		s, err := Parse("seed", seedYAML)
		return s, err == nil
	case "blank":
		s, err := Parse("blank", blankYAML)
		return s, err == nil
	}
	return nil, false
}

// Load reads a lab file, or an embedded lab by name ("seed", "blank").
func Load(path string) (*Spec, error) {
	if s, ok := Builtin(path); ok {
		return s, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	return Parse(path, data)
}

// FieldError is a lab file error at a line, naming the field.
type FieldError struct {
	File  string
	Line  int
	Field string
	Msg   string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Field, e.Msg)
}

// Parse decodes and checks a lab file. Errors name the file, the line and
// the field.
func Parse(file string, data []byte) (*Spec, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("%s: %s", file, strings.Join(te.Errors, "; "))
		}
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(root.Content) == 0 {
		return nil, &FieldError{file, 1, "devices", "empty lab file"}
	}
	doc := root.Content[0]
	if err := checkKeys(file, doc, "lab", "name", "services", "devices"); err != nil {
		return nil, err
	}
	s := &Spec{file: file}
	if err := doc.Decode(s); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	// Line numbers and unknown keys, from the node tree.
	if devs := mapValue(doc, "devices"); devs != nil {
		if devs.Kind != yaml.SequenceNode {
			return nil, &FieldError{file, devs.Line, "devices", "must be a list"}
		}
		for i, n := range devs.Content {
			if err := checkKeys(file, n, fmt.Sprintf("devices[%d]", i), "name", "platform", "address", "config", "bootstrap"); err != nil {
				return nil, err
			}
			s.Devices[i].line = n.Line
		}
	}
	if svcs := mapValue(doc, "services"); svcs != nil {
		for i, n := range svcs.Content {
			if err := checkKeys(file, n, fmt.Sprintf("services[%d]", i), "name", "kind", "address", "to"); err != nil {
				return nil, err
			}
			s.Services[i].line = n.Line
		}
	}
	if len(s.Devices) == 0 {
		return nil, &FieldError{file, doc.Line, "devices", "the lab has no devices"}
	}
	seen := map[string]bool{}
	addrs := map[string]string{}
	for i := range s.Devices {
		d := &s.Devices[i]
		fe := func(field, msg string) error {
			return &FieldError{file, fieldLine(mapValueAt(doc, "devices", i), field, d.line), fmt.Sprintf("devices[%d].%s", i, field), msg}
		}
		if d.Name == "" {
			return nil, fe("name", "missing")
		}
		if seen[d.Name] {
			return nil, fe("name", fmt.Sprintf("duplicate device %q", d.Name))
		}
		seen[d.Name] = true
		p, err := platforms.Lookup(d.Platform)
		if err != nil {
			return nil, fe("platform", err.Error())
		}
		d.profile = p
		a, err := netip.ParseAddr(d.Address)
		if err != nil || !a.Is4() {
			return nil, fe("address", fmt.Sprintf("%q is not an IPv4 address", d.Address))
		}
		if other, dup := addrs[d.Address]; dup {
			return nil, fe("address", fmt.Sprintf("%s is already %s's address", d.Address, other))
		}
		addrs[d.Address] = d.Name
	}
	for i := range s.Services {
		sv := &s.Services[i]
		fe := func(field, msg string) error {
			return &FieldError{file, fieldLine(mapValueAt(doc, "services", i), field, sv.line), fmt.Sprintf("services[%d].%s", i, field), msg}
		}
		switch sv.Kind {
		case "ftp", "ntp":
			if sv.To != "" {
				return nil, fe("to", "only a forward service has one")
			}
		case "forward":
			if _, err := netip.ParseAddr(sv.To); err != nil {
				return nil, fe("to", fmt.Sprintf("%q is not an IP address", sv.To))
			}
		default:
			return nil, fe("kind", fmt.Sprintf("%q is not a service kind (ftp, ntp, forward)", sv.Kind))
		}
		a, err := netip.ParseAddr(sv.Address)
		if err != nil || !a.Is4() {
			return nil, fe("address", fmt.Sprintf("%q is not an IPv4 address", sv.Address))
		}
		if other, dup := addrs[sv.Address]; dup && seen[other] {
			return nil, fe("address", fmt.Sprintf("%s is already %s's address", sv.Address, other))
		}
	}
	return s, nil
}

func checkKeys(file string, n *yaml.Node, where string, allowed ...string) error {
	if n.Kind != yaml.MappingNode {
		return &FieldError{file, n.Line, where, "must be a mapping"}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		ok := false
		for _, a := range allowed {
			if k.Value == a {
				ok = true
			}
		}
		if !ok {
			return &FieldError{file, k.Line, where + "." + k.Value, fmt.Sprintf("unknown field (known: %s)", strings.Join(allowed, ", "))}
		}
	}
	return nil
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func mapValueAt(doc *yaml.Node, list string, i int) *yaml.Node {
	l := mapValue(doc, list)
	if l == nil || i >= len(l.Content) {
		return nil
	}
	return l.Content[i]
}

func fieldLine(n *yaml.Node, field string, def int) int {
	if v := mapValue(n, field); v != nil {
		return v.Line
	}
	return def
}
