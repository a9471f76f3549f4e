package parser

// Mode is a CLI mode, declared as a value by the feature that owns it.
type Mode struct {
	Name   string // unique per registry, e.g. "exec", "config", "config-if", "config-line"
	Prompt string // text after the hostname: "#" for exec, "(config)#", "(config-if)#"
	Parent *Mode  // the mode a command falls back to (config-if -> config); nil for exec and config
}

// NewMode declares a mode. Modes are compared by identity: declare each one
// once, in the package that owns it.
func NewMode(name, prompt string, parent *Mode) *Mode {
	return &Mode{Name: name, Prompt: prompt, Parent: parent}
}

// The two base modes every feature shares.
var (
	Exec   = NewMode("exec", "#", nil)
	Config = NewMode("config", "(config)#", nil)
)

// String returns the mode's name.
func (m *Mode) String() string {
	if m == nil {
		return "<nil>"
	}
	return m.Name
}
