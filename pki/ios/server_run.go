package ios

import (
	"errors"
	"math/big"
	"strings"
	"time"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/device"
	"github.com/iosemu/iosemu/pki"
)

// The certificate server's life on the router: the engine (pki.Server) is
// made from the configuration when the server is first enabled, restored
// from its database at boot, and stopped by shutdown, reload and `no crypto
// pki server`.

// devClock is the router's clock as the engine sees it: device time, its
// authority, and named timers on the lab clock (owner: the router), which
// `show crypto pki timers` lists. A callback runs under the device lock, as
// a command does.
type devClock struct {
	d     *device.Router
	fired func(device, timer string) // Feature.Fired
}

func (c devClock) Now() time.Time      { return c.d.Clock().Now() }
func (c devClock) Authoritative() bool { return c.d.Clock().Authoritative() }

func (c devClock) At(name string, due time.Time, f func()) pki.Timer {
	// The device clock runs at an offset from the lab clock.
	labDue := due.Add(-c.d.Clock().Offset())
	return labTimer{c.d.LabClock().At(c.d.Name(), name, labDue, func() {
		if c.fired != nil {
			c.fired(c.d.Name(), name)
		}
		c.d.Lock()
		defer c.d.Unlock()
		f()
	}), c.d}
}

type labTimer struct {
	t interface {
		Stop() bool
		Due() time.Time
	}
	d *device.Router
}

func (t labTimer) Stop() bool     { return t.t.Stop() }
func (t labTimer) Due() time.Time { return t.t.Due().Add(t.d.Clock().Offset()) }

// engineConfig is the engine's configuration of cs.
func (c *face) engineConfig(cs *csConfig) pki.Config {
	cfg := pki.Config{
		Name:            cs.name,
		IssuerName:      cs.issuer,
		CertLifetime:    time.Duration(orDefault(cs.lifeCert, defLifeCert)) * 24 * time.Hour,
		CALifetime:      time.Duration(orDefault(cs.lifeCA, defLifeCA)) * 24 * time.Hour,
		CRLLifetime:     time.Duration(orDefault(cs.lifeCRL, defLifeCRL)) * time.Hour,
		RequestLifetime: time.Duration(orDefault(cs.lifeEnroll, defLifeEnroll)) * time.Hour,
		DatabaseURL:     cs.primaryURL(),
		CDPURL:          cs.cdpURL,
	}
	switch cs.grant {
	case "auto":
		cfg.Grant = pki.GrantAuto
	case "ra-auto":
		cfg.Grant = pki.GrantRAAuto
	}
	cfg.GrantAutoRollover = cs.grantRoll == "ca-cert"
	if cs.rollover {
		cfg.AutoRollover = time.Duration(cs.rollDays)*24*time.Hour +
			time.Duration(cs.rollHours)*time.Hour + time.Duration(cs.rollMinutes)*time.Minute
	}
	switch cs.dbLevel {
	case "names":
		cfg.DatabaseLevel = pki.LevelNames
	case "complete":
		cfg.DatabaseLevel = pki.LevelComplete
	}
	if len(cs.dbURLKind) > 0 {
		cfg.URLs = map[pki.FileKind]string{}
		for k, u := range cs.dbURLKind {
			cfg.URLs[pki.FileKind(k)] = u
		}
	}
	switch cs.archive {
	case "none":
		cfg.Archive = pki.ArchiveNone
	case "pem":
		cfg.Archive = pki.ArchivePEM
	default:
		cfg.Archive = pki.ArchivePKCS12
	}
	if cs.archivePW != "" {
		cfg.ArchivePassword, _ = device.DecodeType7(cs.archivePW)
	}
	if cs.hash != "" {
		cfg.Hash, _ = pki.ParseHash(cs.hash)
	}
	if cs.serial != "" {
		if n, ok := new(big.Int).SetString(strings.TrimPrefix(cs.serial, "0x"), 16); ok {
			cfg.InitialSerial = n
		}
	}
	return cfg
}

// deps are the engine's dependencies on this router.
func (c *face) deps() pki.Deps {
	return pki.Deps{
		Clock:  devClock{c.d, c.fired},
		Store:  store{c.d, &c.written},
		Keys:   c.keys,
		Events: c.event,
		Rand:   c.d.Rand(),
	}
}

// event prints what the engine says: syslog messages always, debug lines
// while `debug crypto pki server` is on. The CS_ENABLED message waits while
// the HTTP server is off (State: check failed): IOS logs it when the
// server can serve.
func (c *face) event(e pki.Event) {
	if c.tap != nil {
		c.tap(c.d.Name(), e)
	}
	switch e.Kind {
	case pki.EventDebug:
		if c.debugCS.Load() {
			c.d.Log(e.Text)
		}
	default:
		if strings.HasPrefix(e.Text, "%PKI-6-CS_ENABLED") && !c.httpOn() {
			c.enabledPending.Store(true)
			return
		}
		c.d.Log(e.Text)
	}
}

// httpOn tells whether `ip http server` is on; the lock is held.
func (c *face) httpOn() bool { return c.httpServer.Load() }

// serverRunning tells whether the server is enabled.
func (c *face) serverRunning() bool {
	srv := c.srv.Load()
	return srv != nil && srv.Info().State == pki.StateEnabled
}

// serverHasCA tells whether the server's CA certificate exists.
func (c *face) serverHasCA() bool {
	srv := c.srv.Load()
	return srv != nil && srv.CACert() != nil
}

// keyInUseByServer tells whether label is the server's key (NAME or NAME#).
func (c *face) keyInUseByServer(label string) bool {
	return c.cs != nil && c.serverHasCA() && (label == c.cs.name || label == c.cs.name+"#")
}

// applyGrant hands a changed grant mode to a running engine.
func (c *face) applyGrant() {
	if srv := c.srv.Load(); srv != nil && c.cs != nil {
		_ = srv.SetConfig(c.engineConfig(c.cs))
	}
}

// noShutdown is `no shutdown` in cs-server mode: the first time, the IOS
// dialog (the passphrase that protects the archive, key generation, the
// export), then the CA certificate; later, a plain re-enable.
func (c *face) noShutdown(s *cli.Session, cs *csConfig) {
	srv := c.srv.Load()
	if srv == nil {
		var err error
		if srv, err = pki.NewServer(c.engineConfig(cs), c.deps()); err != nil {
			s.Printf("%% Failed to configure the certificate server: %v\n", err)
			return
		}
		c.srv.Store(srv)
	} else if err := srv.SetConfig(c.engineConfig(cs)); err != nil && !errors.Is(err, pki.ErrLocked) {
		s.Printf("%% %v\n", err)
	}
	if c.serverHasCA() {
		if err := srv.Enable(""); err != nil {
			c.enableFailed(s, err)
			return
		}
		if !s.Headless() {
			s.Println("% Certificate Server enabled.")
		}
		return
	}
	if s.Headless() {
		// A configuration being loaded cannot answer the passphrase dialog:
		// the server waits for `no shutdown` typed by a person.
		return
	}
	s.Println("%Some server settings cannot be changed after CA certificate generation.")
	pass := ""
	if cs.archive != "none" && cs.archivePW == "" {
		for {
			s.Println("% Please enter a passphrase to protect the private key")
			s.Println("% or type Return to exit")
			pass = s.AskSecret("Password: ")
			s.Println("")
			if pass == "" {
				return
			}
			again := s.AskSecret("Re-enter password: ")
			s.Println("")
			if again == pass {
				break
			}
			s.Println("% Passphrases do not match.")
		}
	}
	if !c.d.Clock().Authoritative() {
		c.enableFailed(s, pki.ErrClockNotAuthoritative)
		return
	}
	if _, ok := c.keys.Get(cs.name); !ok {
		s.Printf("%% Generating %d bit RSA keys, keys will be non-exportable...\n", pki.DefaultKeyModulus)
		s.Println("[OK] (elapsed time was 1 seconds)")
		s.Println("")
	}
	if cs.archive != "none" {
		s.Println("% Exporting Certificate Server signing certificate and keys...")
		s.Println("")
	}
	if err := srv.Enable(pass); err != nil {
		c.enableFailed(s, err)
		return
	}
	c.serverTrustpoint(cs)
	if c.httpOn() {
		s.Println("% Certificate Server enabled.")
	}
}

// serverTrustpoint makes the trustpoint IOS creates for an enabled
// certificate server: its name, `revocation-check crl`, `rsakeypair NAME`.
func (c *face) serverTrustpoint(cs *csConfig) {
	if _, ok := c.tps[cs.name]; !ok {
		c.tps[cs.name] = &tpConfig{name: cs.name, revocation: "crl", keyPair: cs.name}
	}
}

// enableFailed says why the server did not start.
func (c *face) enableFailed(s *cli.Session, err error) {
	switch {
	case errors.Is(err, pki.ErrClockNotAuthoritative):
		c.logf("%%PKI-2-NON_AUTHORITATIVE_CLOCK: PKI functions can not be initialized until an authoritative time source, like NTP, can be obtained.")
		if !s.Headless() {
			s.Println("% Time has not been set. Cannot start the Certificate server.")
		}
	default:
		if !s.Headless() {
			s.Printf("%% Failed to enable the certificate server: %v\n", err)
		}
	}
}

// shutServer is `shutdown` in cs-server mode.
func (c *face) shutServer(s *cli.Session) {
	if !c.serverRunning() {
		return
	}
	if err := c.srv.Load().Shutdown(); err != nil {
		s.Printf("%% %v\n", err)
		return
	}
	c.logf("%%PKI-6-CS_DISABLED: Certificate server now disabled.")
}

// stopServer stops the engine's timers (reload); its database stays.
func (c *face) stopServer() {
	if srv := c.srv.Swap(nil); srv != nil {
		srv.Close()
	}
	c.enabledPending.Store(false)
}

// removeServer is `no crypto pki server NAME`: the server, its key pairs
// and its CA certificates go; the database stays where it was written.
func (c *face) removeServer() {
	name := c.cs.name
	c.stopServer()
	c.keys.Delete(name)
	c.keys.Delete(name + "#")
	c.cs = nil
	c.logf("%%PKI-6-CS_DELETE: Certificate Server is deleted.")
}

// restoreServer brings back, after a boot, a server the configuration
// declares and whose CA exists (its database and keys survived): as IOS
// does, it is enabled again without a dialog unless it was shut.
func (c *face) restoreServer() {
	c.d.Lock()
	defer c.d.Unlock()
	cs := c.cs
	if cs == nil {
		return
	}
	if _, ok := c.keys.Get(cs.name); !ok {
		return // never enabled, or its keys were not saved
	}
	srv, err := pki.Load(c.engineConfig(cs), c.deps())
	if err != nil {
		c.log.Warn("certificate server database unreadable", "device", c.d.Name(), "err", err)
		return
	}
	if srv.CACert() == nil {
		srv.Close()
		return
	}
	c.srv.Store(srv)
	if !cs.shutdown {
		if err := srv.Enable(""); err != nil {
			c.log.Warn("certificate server not enabled at boot", "device", c.d.Name(), "err", err)
		}
	}
}

// configChanged follows the HTTP server: a server waiting for it logs
// CS_ENABLED once it is on. The lock is held.
func (c *face) configChanged() {
	c.clockChecked()
	_, on := c.d.HTTPPortLocked()
	was := c.httpServer.Swap(on)
	if on && !was && c.enabledPending.Swap(false) && c.serverRunning() {
		c.logf("%%PKI-6-CS_ENABLED: Certificate server now enabled.")
	}
}

// clockChecked starts the trustpoints' timers when the clock has become
// authoritative since the last look. The lock is held.
func (c *face) clockChecked() {
	now := c.d.Clock().Authoritative()
	was := c.authoritative
	c.authoritative = now
	if now && !was && !c.booting {
		// A server restored before the clock was authoritative starts now.
		if srv := c.srv.Load(); srv != nil && c.cs != nil && !c.cs.shutdown && srv.CACert() != nil && srv.Info().State != pki.StateEnabled {
			if err := srv.Enable(""); err != nil {
				c.log.Warn("certificate server not enabled", "device", c.d.Name(), "err", err)
			}
		}
		for _, tp := range c.trustpointList() {
			if tp.eng != nil {
				tp.eng.Start()
			}
		}
	}
}
