package lab

import (
	"strings"
	"sync/atomic"

	"github.com/iosemu/iosemu/pki"
)

// pkiCounters count the PKI's work across the lab, from the events the
// routers' PKI reports (pkiios.Feature.Events).
type pkiCounters struct {
	enrolments atomic.Uint64 // %PKI-6-CERTRET: a certificate received from a CA
	renewals   atomic.Uint64 // %PKI-6-CERTRENEWAUTO: a timer-driven renewal
	rollovers  atomic.Uint64 // a CA's shadow certificate, a router's rollover ID certificate activated
}

// pkiEvent records one event of a router's PKI and counts it.
func (l *Lab) pkiEvent(device string, e pki.Event) {
	l.pkiRecord(device, e)
	t := e.Text
	switch {
	case strings.HasPrefix(t, "%PKI-6-CERTRET:"):
		l.pki.enrolments.Add(1)
	case strings.HasPrefix(t, "%PKI-6-CERTRENEWAUTO:"):
		l.pki.renewals.Add(1)
	case strings.HasPrefix(t, "%PKI-6-CERT_ROLLOVER_ACTIVE:"), strings.HasPrefix(t, "CRYPTO_CS: shadow CA successfully created"):
		l.pki.rollovers.Add(1)
	}
}

// jumpStats are the counters now.
func (l *Lab) jumpStats() JumpStats {
	return JumpStats{
		TimersFired: l.clock.Fired(),
		Enrolments:  l.pki.enrolments.Load(),
		Renewals:    l.pki.renewals.Load(),
		Rollovers:   l.pki.rollovers.Load(),
	}
}

// Stats returns the counters since the lab started: timers fired and the
// PKI's work (what `ctl clock advance` reports for one jump).
func (l *Lab) Stats() JumpStats { return l.jumpStats() }
