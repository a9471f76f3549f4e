package device

import (
	"io"
	"net/http"
	"net/netip"
	"strings"
)

// What a Feature may use of its router beyond the cli.Host methods. Features
// (the PKI) keep their own state; these hooks tie it to the router's life:
// boot, running-config, private-config, saving.

// MarkChanged records a configuration change a feature's command made (the
// running-config header and the reload prompt see it). The lock is held.
func (d *Router) MarkChanged(by string) { d.markChanged(by) }

// DomainName is `ip domain name`, "" when none is set. The lock is held.
func (d *Router) DomainName() string { return d.cfg.domainName }

// AddPrivateSection adds a writer for nvram:private-config, the file that
// holds what startup-config must not show (key pairs). It is written with
// mode 0600 by every save.
func (d *Router) AddPrivateSection(write func(w *strings.Builder)) {
	d.private = append(d.private, write)
}

// OnBoot registers f to run at the start of every boot (power-on, reload,
// factory reset), before the configuration is applied: a feature drops its
// state there and reads what it keeps outside the configuration (its keys
// from private-config). The lock is not held.
func (d *Router) OnBoot(f func()) { d.onBoot = append(d.onBoot, f) }

// SaveLocked writes the running configuration to startup-config (and
// private-config), as `write memory` does; the lock is held. A feature
// saves by itself where IOS does (%PKI-6-AUTOSAVE).
func (d *Router) SaveLocked() error { return d.saveLocked("console") }

// Remote is the way to the lab's file servers (nil when there is none).
// What it moves counts on the router's interfaces (traffic.go).
func (d *Router) Remote() Remote {
	if d.remote == nil {
		return nil
	}
	return countingRemote{d, d.remote}
}

// Rand is the router's source of randomness.
func (d *Router) Rand() io.Reader { return d.rand }

// HTTPDoer sends an HTTP request into the lab (a trustpoint's SCEP
// client); the lab resolves lab addresses through its address map.
type HTTPDoer interface {
	Do(*http.Request) (*http.Response, error)
}

// HTTPClient is the router's way to HTTP servers in the lab (nil when the
// lab gave it none). Check Reachable first, as a real router needs a route.
// What it exchanges counts on the router's interfaces (traffic.go).
func (d *Router) HTTPClient() HTTPDoer {
	if d.httpc == nil {
		return nil
	}
	return countingDoer{d, d.httpc}
}

// Reachable reports whether the router has a route to addr and something in
// the lab answers there (the test ping applies). The lock is held.
func (d *Router) Reachable(addr netip.Addr) bool {
	if _, self := d.Owns(addr); self {
		return true
	}
	hop, routed := d.path(addr)
	if !routed || d.neighbor == nil {
		return false
	}
	_, dst := d.neighbor(addr)
	_, via := d.neighbor(hop)
	return dst && via
}

// EncodeType7 hides a password the way `service password-encryption` and
// the PKI's `password 0 …` do (IOS type 7: obfuscation, not secrecy).
func EncodeType7(clear string) string { return encodeType7(clear) }

// DecodeType7 reveals a type 7 password; ok is false if enc is not one.
func DecodeType7(enc string) (clear string, ok bool) { return decodeType7(enc) }

// OnBooted registers f to run at the end of every boot, once the
// configuration has been applied: a feature starts what the configuration
// describes (a certificate server, trustpoint timers). The lock is not held.
func (d *Router) OnBooted(f func()) { d.onBooted = append(d.onBooted, f) }

// OnChange registers f to run after every configuration change (a feature
// notices `ip http server`, a clock becoming authoritative). The lock is
// held; f must not take it.
func (d *Router) OnChange(f func()) { d.onChange = append(d.onChange, f) }

// HTTPPortLocked is HTTPPort with the lock held.
func (d *Router) HTTPPortLocked() (port int, on bool) { return d.cfg.httpPort, d.cfg.httpServer }

// SerialNumber is the router's serial number as IOS puts it in a
// certificate request: the processor board ID.
func (d *Router) SerialNumber() string { return d.ident.ProcessorBoardID }

// InterfaceAddrLocked is the address of the interface named name (full or
// short form, any case), when it has one. The lock is held.
func (d *Router) InterfaceAddrLocked(name string) (string, bool) {
	for _, i := range d.cfg.interfaces {
		if (strings.EqualFold(i.name, name) || strings.EqualFold(i.short, name)) && i.addr.IsValid() {
			return i.addr.Addr().String(), true
		}
	}
	return "", false
}
