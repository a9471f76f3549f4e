// Package porttest finds free TCP port ranges for tests that run labs on
// 127.0.0.1.
package porttest

import (
	"fmt"
	"math/rand/v2"
	"net"
)

// Ports lists the ports a lab of n devices uses with base-port base: the
// control API, SSH, telnet, HTTP and the lab FTP service.
func Ports(base, n int) []int {
	ports := []int{base, base + 300}
	for i := 0; i < n; i++ {
		ports = append(ports, base+1+i, base+101+i, base+201+i)
	}
	return ports
}

// FreeBase returns a base port between 20000 and 60000 whose lab ports (for
// n devices) are all free right now.
func FreeBase(n int) (int, error) {
	for try := 0; try < 200; try++ {
		base := 20000 + rand.IntN(4000)*10
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
