package lab

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"
)

// The devices' own connections (a trustpoint's SCEP client) go to lab
// addresses. The lab resolves them through its address map to the real
// loopback listener of the device or service that owns the address, so the
// traffic is real HTTP over TCP; nothing is ever dialled at a lab address
// itself. A `forward` service sends an address to a real host instead.

// errLabTimeout is what a connection to an address nobody in the lab owns
// gets: no answer, as a real network gives.
var errLabTimeout = errors.New("lab: connection timed out")

// errLabRefused is a connection to a device that does not listen there.
var errLabRefused = errors.New("lab: connection refused")

// dialLab connects to a lab address and port.
func (l *Lab) dialLab(ctx context.Context, network, address string) (net.Conn, error) {
	host, portText, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("lab: dial %s: %w", address, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, fmt.Errorf("lab: dial %s: bad port", address)
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return nil, fmt.Errorf("lab: dial %s: %w", address, errLabTimeout)
	}
	var d net.Dialer
	for _, s := range l.spec.Services {
		if s.Kind == "forward" && s.Address == addr.String() {
			return d.DialContext(ctx, network, net.JoinHostPort(s.To, portText))
		}
	}
	for _, n := range l.nodes {
		if _, ok := n.Router.Owns(addr); !ok {
			continue
		}
		if p, on := n.Router.HTTPPort(); on && p == port {
			return d.DialContext(ctx, network, net.JoinHostPort(l.opt.Host, strconv.Itoa(n.HTTPPort)))
		}
		return nil, fmt.Errorf("lab: dial %s: %w", address, errLabRefused)
	}
	return nil, fmt.Errorf("lab: dial %s: %w", address, errLabTimeout)
}

// httpClient is the devices' HTTP client over the lab's address map.
func (l *Lab) httpClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			DialContext:         l.dialLab,
			MaxIdleConnsPerHost: 4,
			IdleConnTimeout:     30 * time.Second, // wall-clock-ok: a socket's idle life
		},
		// A SCEP exchange with a router takes milliseconds; a stuck server
		// must not stop a clock jump for long.
		Timeout: 30 * time.Second, // wall-clock-ok: a network deadline
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
