package lab

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path"
	"regexp"
	"strconv"
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
	Name    string    `yaml:"name"`
	Kind    string    `yaml:"kind"` // ftp | ntp | forward
	Address string    `yaml:"address"`
	Users   []FTPUser `yaml:"users"` // ftp: the logins it takes; none: any login
	// Dirs are folders an ftp service has from the start, as a lab's
	// administrator makes them before a CA writes its database there
	// (`database url ftp://10.1.1.1/DB/ROOTCA/`).
	Dirs []string `yaml:"dirs"`
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
		return nil, syntaxError(file, data, err)
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
		var te *yaml.TypeError
		if errors.As(err, &te) && len(te.Errors) > 0 {
			// "line 5: cannot unmarshal ..." -> "file:5: cannot unmarshal ..."
			if m := typeErrLine.FindStringSubmatch(te.Errors[0]); m != nil {
				return nil, fmt.Errorf("%s:%s: %s", file, m[1], te.Errors[0][len(m[0]):])
			}
			return nil, fmt.Errorf("%s: %s", file, te.Errors[0])
		}
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
			if err := checkKeys(file, n, fmt.Sprintf("services[%d]", i), "name", "kind", "address", "users", "dirs", "to"); err != nil {
				return nil, err
			}
			if us := mapValue(n, "users"); us != nil {
				if us.Kind != yaml.SequenceNode {
					return nil, &FieldError{file, us.Line, fmt.Sprintf("services[%d].users", i), "must be a list of {name, password}"}
				}
				for j, u := range us.Content {
					if err := checkKeys(file, u, fmt.Sprintf("services[%d].users[%d]", i, j), "name", "password"); err != nil {
						return nil, err
					}
				}
			}
			s.Services[i].line = n.Line
		}
	}
	if len(s.Devices) == 0 {
		return nil, &FieldError{file, doc.Line, "devices", "the lab has no devices"}
	}
	if _, err := LayoutFor(1, len(s.Devices)); err != nil {
		return nil, &FieldError{file, doc.Line, "devices", err.Error()}
	}
	seen := map[string]string{} // lower-case name -> name
	addrs := map[string]string{}
	for i := range s.Devices {
		d := &s.Devices[i]
		fe := func(field, msg string) error {
			return &FieldError{file, fieldLine(mapValueAt(doc, "devices", i), field, d.line), fmt.Sprintf("devices[%d].%s", i, field), msg}
		}
		if d.Name == "" {
			return nil, fe("name", "missing")
		}
		if !validName(d.Name) {
			return nil, fe("name", fmt.Sprintf("%s is not a device name (letters, digits and '-', starting with a letter, at most %d characters, as an IOS hostname)", quote(d.Name), maxNameLen))
		}
		if other, dup := seen[strings.ToLower(d.Name)]; dup {
			msg := fmt.Sprintf("duplicate device %q", d.Name)
			if other != d.Name {
				msg += fmt.Sprintf(" (%q already; names differ in more than case: they are directory names in --state)", other)
			}
			return nil, fe("name", msg)
		}
		seen[strings.ToLower(d.Name)] = d.Name
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
			for _, d := range sv.Dirs {
				if c := path.Clean("/" + d); sv.Kind != "ftp" || d == "" || c == "/" || strings.Contains(d, "..") {
					return nil, fe("dirs", fmt.Sprintf("%q is not a folder of an ftp service", d))
				}
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
		if len(sv.Users) > 0 && sv.Kind != "ftp" {
			return nil, fe("users", "only an ftp service has users")
		}
		users := map[string]bool{}
		for _, u := range sv.Users {
			switch {
			case u.Name == "" || strings.ContainsAny(u.Name, " \t\r\n") || len(u.Name) > 64:
				return nil, fe("users", fmt.Sprintf("%s is not an FTP user name (1 to 64 characters, no spaces)", quote(u.Name)))
			case strings.ContainsAny(u.Password, "\r\n") || len(u.Password) > 128:
				return nil, fe("users", fmt.Sprintf("user %s: a password is at most 128 characters, on one line", quote(u.Name)))
			case users[u.Name]:
				return nil, fe("users", fmt.Sprintf("user %s twice", quote(u.Name)))
			}
			users[u.Name] = true
		}
		if other, dup := addrs[sv.Address]; dup && seen[strings.ToLower(other)] != "" {
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

// maxNameLen is the longest device name: IOS's hostname limit.
const maxNameLen = 63

// validName tells whether name can be a device name: an IOS hostname
// (letters, digits, '-', starting with a letter, at most 63 characters). The
// name is also the device's directory in the state dir, so nothing else
// (no '/', '.', or space) may be in it.
func validName(name string) bool {
	if len(name) == 0 || len(name) > maxNameLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if i == 0 && !letter || !letter && !(c >= '0' && c <= '9') && c != '-' {
			return false
		}
	}
	return true
}

var (
	yamlLine    = regexp.MustCompile(`^yaml: line (\d+): `)
	typeErrLine = regexp.MustCompile(`^line (\d+): `)
)

// syntaxError names the line of a YAML syntax error. yaml.v3 reports the
// line where the enclosing block started (its "context"), often lines
// before the mistake. The line that breaks the document is the one after
// the longest prefix of whole lines that still parses (an unclosed quote or
// bracket: the line that opened it). The search parses prefixes from the
// end, so it gives up on a huge file with an early mistake and keeps yaml's
// line.
func syntaxError(file string, data []byte, err error) error {
	msg := err.Error()
	m := yamlLine.FindStringSubmatch(msg)
	if m == nil {
		return fmt.Errorf("%s: %s", file, strings.TrimPrefix(msg, "yaml: "))
	}
	line, _ := strconv.Atoi(m[1])
	msg = msg[len(m[0]):]
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	budget := 16 << 20 // bytes parsed at most
	for k := len(lines) - 1; k >= line && budget > 0; k-- {
		prefix := bytes.Join(lines[:k], nil)
		budget -= len(prefix)
		var n yaml.Node
		if yaml.Unmarshal(prefix, &n) == nil {
			line = k + 1
			break
		}
	}
	return fmt.Errorf("%s:%d: %s", file, line, msg)
}
