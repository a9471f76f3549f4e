package lab

import "fmt"

// Layout is where a lab's ports are, from its base port B and a block size
// that fits its devices:
//
//	control API   B
//	SSH           B+1 .. B+n
//	telnet        B+block+1 .. B+block+n
//	HTTP          B+2*block+1 .. B+2*block+n
//	lab FTP       B+3*block
//
// The block is the smallest multiple of 100 above the device count n: a lab
// of up to 99 devices keeps the documented layout (SSH B+1.., telnet
// B+101.., HTTP B+201.., FTP B+300); 100 to 199 devices use blocks of 200
// (telnet B+201.., HTTP B+401.., FTP B+600); 1,000 devices blocks of 1,100
// (FTP B+3300). Every port must be at most 65535, which bounds a lab at
// MaxDevices devices (with base port 1).
type Layout struct {
	Base  int // the control API
	Block int
	N     int // devices
}

// MaxDevices is the most devices one lab can have: 3 blocks of ports and the
// control port must fit under 65536.
const MaxDevices = 21799

// LayoutFor lays out the ports of a lab of n devices from base, or says why
// they do not fit.
func LayoutFor(base, n int) (Layout, error) {
	if n > MaxDevices {
		return Layout{}, fmt.Errorf("lab: %d devices do not fit in one lab: the ports run out above %d devices (each device has an SSH, a telnet and an HTTP port)", n, MaxDevices)
	}
	block := (n/100 + 1) * 100
	l := Layout{Base: base, Block: block, N: n}
	if base < 1 || l.Last() > 65535 {
		return l, fmt.Errorf("lab: --base-port %d: %d devices need ports %d to %d (blocks of %d), and ports end at 65535: use a base port from 1 to %d", base, n, base, l.Last(), block, 65535-3*block)
	}
	return l, nil
}

// SSH is device i's SSH port (i from 0).
func (l Layout) SSH(i int) int { return l.Base + 1 + i }

// Telnet is device i's telnet port.
func (l Layout) Telnet(i int) int { return l.Base + l.Block + 1 + i }

// HTTP is device i's HTTP port.
func (l Layout) HTTP(i int) int { return l.Base + 2*l.Block + 1 + i }

// FTP is the lab FTP service's port.
func (l Layout) FTP() int { return l.Base + 3*l.Block }

// Last is the highest port of the lab.
func (l Layout) Last() int { return l.FTP() }

// Ports lists every port of the lab: the control API, the FTP service, then
// SSH, telnet and HTTP of each device.
func (l Layout) Ports() []int {
	ports := []int{l.Base, l.FTP()}
	for i := range l.N {
		ports = append(ports, l.SSH(i), l.Telnet(i), l.HTTP(i))
	}
	return ports
}

// String describes the layout in one line, for help texts and errors.
func (l Layout) String() string {
	return fmt.Sprintf("control %d, SSH %d.., telnet %d.., HTTP %d.., FTP %d", l.Base, l.SSH(0), l.Telnet(0), l.HTTP(0), l.FTP())
}
