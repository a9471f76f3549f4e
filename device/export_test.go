package device

import "net/netip"

// MD5Checks is how many MD5-crypt verifications the package has run.
func MD5Checks() int64 { return md5Checks.Load() }

// CountExchange counts a TCP exchange of up and down bytes from r to dst.
func CountExchange(r *Router, dst netip.Addr, up, down int) {
	r.tcpExchange(dst, flow{bytes: up}, flow{bytes: down})
}

// Rates are an interface's input and output rates in bits a second, not
// rounded as show interfaces rounds them.
func Rates(r *Router, name string) (in, out uint64) {
	in, _, out, _ = r.counters.rates(name, r.lab.Now())
	return in, out
}
