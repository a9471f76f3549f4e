// Package porttest finds free TCP port ranges for tests that run labs on
// 127.0.0.1.
package porttest

import (
	"fmt"
	"math/rand/v2"
	"net"
)

// Ports lists the ports a lab of n devices uses with base-port base: the
// control API, the lab FTP service, then SSH, telnet and HTTP of each
// device. It is lab.Layout's arithmetic (lab's tests import this package,
// so it cannot import lab; lab's TestLayout checks that the two agree).
func Ports(base, n int) []int {
	block := (n/100 + 1) * 100
	ports := []int{base, base + 3*block}
	for i := 0; i < n; i++ {
		ports = append(ports, base+1+i, base+block+1+i, base+2*block+1+i)
	}
	return ports
}

// FreeBase returns a base port between 10000 and 32767 - the lab's span
// (tests stay below the ephemeral range) whose lab ports (for n devices) are
// all free right now.
func FreeBase(n int) (int, error) {
	span := 3 * (n/100 + 1) * 100
	slots := (32767 - span - 10000) / 10
	if slots <= 0 {
		return 0, fmt.Errorf("porttest: %d devices do not fit below port 32768", n)
	}
	for try := 0; try < 200; try++ {
		base := 10000 + rand.IntN(slots)*10
		if allFree(Ports(base, n)) {
			return base, nil
		}
	}
	return 0, fmt.Errorf("porttest: no free range of lab ports for %d devices", n)
}

func allFree(ports []int) bool {
	for _, p := range ports {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			return false
		}
		ln.Close()
	}
	return true
}
