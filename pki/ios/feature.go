// Package ios is the IOS face of the PKI: the commands, dialogs, show
// outputs and configuration sections of `crypto key`, `crypto pki server`
// and `crypto pki trustpoint`, over the engine in package pki. It is a
// device.Feature: the lab lists it for every router, and it keeps one state
// per router, bound at Register.
//
// Where to look: keys.go (crypto key generate|zeroize, show crypto key),
// server.go (crypto pki server and its mode), server_run.go (the server's
// life: enable dialog, restore at boot, the clock the engine runs on),
// scep.go (the SCEP mount), trustpoint.go and trustpoint_run.go (crypto
// pki trustpoint, authenticate, enroll, import, export), show.go and
// trustpoint_show.go (the shows and the exec commands on the server),
// timers.go (show crypto pki timers), config.go (running-config,
// private-config, certificate chains), store.go (the database URLs over
// nvram and the lab FTP service).
package ios

import (
	"crypto/x509"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/device"
	"github.com/iosemu/iosemu/parser"
	"github.com/iosemu/iosemu/pki"
)

type cmd = parser.Command[cli.Handler]

// Feature is the PKI of a router. The zero value is ready to use.
type Feature struct {
	Logger *slog.Logger
	// Events, when set, hears every event of the router's PKI (log and
	// debug lines, whether or not they are shown): the lab counts them.
	Events func(device string, e pki.Event)
	// Fired, when set, hears every PKI timer of the router as it fires
	// (before its work runs, the lab clock standing at its due time): the
	// lab's event history marks them.
	Fired func(device, timer string)
}

// Register declares the PKI commands on one router and binds its state.
func (f Feature) Register(r *cli.Registry, d *device.Router) {
	c := &face{d: d, keys: pki.NewKeyring(), log: f.Logger, tps: map[string]*tpConfig{}, tap: f.Events, fired: f.Fired}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	faces.Store(d, c)
	d.OnBoot(c.boot)
	d.OnBooted(c.booted)
	d.OnChange(c.configChanged)
	// NTP synchronisation makes the clock authoritative: the PKI timers
	// start then (IOS initialises none before).
	d.Clock().OnNTPSync(func() {
		c.d.Lock()
		defer c.d.Unlock()
		c.clockChecked()
	})
	d.AddPrivateSection(c.writePrivate)
	d.AddSection(device.OrderCrypto, c.writeConfig)
	c.registerKeys(r)
	c.registerServer(r)
	c.registerTrustpoint(r)
	c.registerChain(r)
	c.registerTrustpointExec(r)
	c.registerShows(r)
	c.mountSCEP()
}

// crypto is one router's PKI state. Commands and timers change it under the
// device lock; mu guards what other goroutines read without that lock (the
// SCEP handler's view of the server).
type face struct {
	d    *device.Router
	keys *pki.Keyring
	log  *slog.Logger

	csMode *parser.Mode // (cs-server)
	tpMode *parser.Mode // (ca-trustpoint)

	tps map[string]*tpConfig // `crypto pki trustpoint NAME`

	cs  *csConfig                  // `crypto pki server NAME`; IOS has at most one
	srv atomic.Pointer[pki.Server] // its engine, once enabled (read by the SCEP handler)

	tap   func(device string, e pki.Event) // Feature.Events
	fired func(device, timer string)       // Feature.Fired

	written writeCache // what the certificate server's store last wrote where

	epoch time.Time // lab time the PKI started (boot): the session cleanup's schedule

	booting       bool // the boot configuration is being applied
	authoritative bool // the clock was authoritative at the last look

	debugCS        atomic.Bool // debug crypto pki server
	debugTP        atomic.Bool // debug crypto pki transactions
	httpServer     atomic.Bool // ip http server is on
	enabledPending atomic.Bool // CS_ENABLED waits for the HTTP server
}

// boot drops the PKI state before the configuration is applied, and loads
// the keys private-config holds.
func (c *face) boot() {
	c.d.Lock()
	defer c.d.Unlock()
	c.stopServer()
	c.stopTrustpoints()
	c.booting = true
	c.cs = nil
	c.tps = map[string]*tpConfig{}
	c.httpServer.Store(false)
	c.keys = pki.NewKeyring()
	nv, ok := c.d.Store().Device("nvram")
	if !ok {
		return
	}
	data, err := nv.ReadFile("private-config")
	if err != nil || len(strings.TrimSpace(string(data))) == 0 {
		return
	}
	if err := c.keys.UnmarshalBinary(data); err != nil {
		c.log.Warn("private-config has unreadable keys", "device", c.d.Name(), "err", err)
	}
}

// booted starts what the boot configuration describes: the certificate
// server, the trustpoints' certificates and timers.
func (c *face) booted() {
	c.restoreServer()
	c.d.Lock()
	defer c.d.Unlock()
	c.booting = false
	c.epoch = c.d.LabClock().Now()
	c.authoritative = c.d.Clock().Authoritative()
	c.startTrustpoints()
}

// logf logs a syslog message on the router.
func (c *face) logf(format string, a ...any) { c.d.Log(fmt.Sprintf(format, a...)) }

// faces finds the PKI state of a router, for Snapshot.
var faces sync.Map // *device.Router → *face

// CertRole says what a certificate is to the router that holds it.
type CertRole string

// Roles of Snapshot certificates.
const (
	RoleCA         CertRole = "CA"
	RoleCARollover CertRole = "CA rollover"
	RoleID         CertRole = "ID"
	RoleIDRollover CertRole = "ID rollover"
)

// HeldCert is a certificate a router holds, under a trustpoint (or its
// certificate server).
type HeldCert struct {
	Trustpoint string
	Role       CertRole
	Cert       *x509.Certificate
}

// Snapshot returns the certificates a router holds: its certificate
// server's CA certificates and every trustpoint's, for tests, the control
// API and the timeline. It takes the router's lock.
func Snapshot(d *device.Router) []HeldCert {
	v, ok := faces.Load(d)
	if !ok {
		return nil
	}
	c := v.(*face)
	d.Lock()
	defer d.Unlock()
	var out []HeldCert
	if cs := c.cs; cs != nil {
		if srv := c.srv.Load(); srv != nil && srv.CACert() != nil {
			out = append(out, HeldCert{cs.name, RoleCA, srv.CACert()})
			if r := srv.RolloverCert(); r != nil {
				out = append(out, HeldCert{cs.name, RoleCARollover, r})
			}
		}
	}
	for _, tp := range c.trustpointList() {
		if tp.eng == nil {
			continue
		}
		st := tp.eng.State()
		for _, h := range []HeldCert{{tp.name, RoleCA, st.CA}, {tp.name, RoleCARollover, st.CARollover}, {tp.name, RoleID, st.ID}, {tp.name, RoleIDRollover, st.IDRollover}} {
			if h.Cert != nil {
				out = append(out, h)
			}
		}
	}
	return out
}
