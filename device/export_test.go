package device

import "net/netip"

// MD5Checks is how many MD5-crypt verifications the package has run.
func MD5Checks() int64 { return md5Checks.Load() }

// CountExchange counts a TCP exchange of up and down bytes from r to dst.
func CountExchange(r *Router, dst netip.Addr, up, down int) {
	r.tcpExchange(dst, flow{bytes: up}, flow{bytes: down})
}
