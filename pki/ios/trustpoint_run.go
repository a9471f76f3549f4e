package ios

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/device"
	"github.com/iosemu/iosemu/parser"
	"github.com/iosemu/iosemu/pki"
)

// The trustpoints' life on the router: each `crypto pki trustpoint NAME`
// has an engine (pki.Trustpoint) that holds its certificates, sends its SCEP
// requests and runs its timers. The configuration's `crypto pki certificate
// chain` gives the certificates back at boot.

// engineTPConfig is the engine's configuration of tp.
func (c *face) engineTPConfig(tp *tpConfig) pki.TrustpointConfig {
	cfg := pki.TrustpointConfig{
		URL:               tp.enrollURL,
		RA:                tp.enrollMode == "ra",
		PEM:               tp.enrollTerm == "terminal pem",
		RetryCount:        tp.retryCount,
		RetryPeriod:       time.Duration(tp.retryPeriod) * time.Minute,
		SubjectName:       tp.subject,
		SubjectAltName:    tp.altName,
		FQDN:              tp.fqdn,
		Revocation:        strings.Fields(tp.revocation),
		KeyLabel:          tp.keyPair,
		KeyBits:           tp.keySize,
		AutoEnroll:        tp.autoEnroll,
		AutoEnrollPercent: tp.autoPct,
		Regenerate:        tp.regenerate,
		Fingerprint:       tp.fingerprint,
		Usage:             tp.usage,
	}
	switch {
	case tp.selfSigned:
		cfg.Enrollment = pki.EnrollmentSelfSigned
	case tp.enrollTerm != "":
		cfg.Enrollment = pki.EnrollmentTerminal
	case tp.enrollURL != "":
		cfg.Enrollment = pki.EnrollmentURL
	}
	switch tp.serial {
	case "serial-number":
		cfg.SerialNumber = pki.IncludeYes
	case "serial-number none":
		cfg.SerialNumber = pki.IncludeNo
	}
	switch ip := tp.ipAddr; {
	case ip == "":
	case ip == "none":
		cfg.IPAddress = pki.IncludeNo
	default:
		cfg.IPAddress = pki.IncludeYes
		if a, err := netip.ParseAddr(ip); err == nil {
			cfg.IPAddr = a.String()
		} else if addr, ok := c.d.InterfaceAddrLocked(ip); ok {
			cfg.IPAddr = addr
		}
	}
	if tp.password != "" {
		cfg.Password, _ = device.DecodeType7(tp.password)
	}
	return cfg
}

// tpDeps are a trustpoint engine's dependencies on this router.
func (c *face) tpDeps() pki.TrustpointDeps {
	return pki.TrustpointDeps{
		Clock: devClock{c.d, c.fired},
		Keys:  c.keys,
		HTTP:  routedDoer{c.d},
		Identity: func() pki.Identity {
			return pki.Identity{Hostname: c.d.Hostname(), Domain: c.d.DomainName(), SerialNumber: c.d.SerialNumber()}
		},
		Events: c.event,
		// A change a timer made is saved at once (%PKI-6-AUTOSAVE), so
		// that a restarted lab keeps every renewed certificate and key.
		Save: func() bool { return c.d.SaveLocked() == nil },
		// A change of certificates changes running-config.
		Changed: func() { c.d.MarkChanged("console") },
		Rand:    c.d.Rand(),
	}
}

// routedDoer is the router's HTTP client: a request goes out only when the
// router has a route to the server and something in the lab answers there,
// as a real router needs. It runs under the device lock (commands and
// timers hold it).
type routedDoer struct{ d *device.Router }

func (r routedDoer) Do(req *http.Request) (*http.Response, error) {
	hc := r.d.HTTPClient()
	if hc == nil {
		return nil, errors.New("ios: no lab network")
	}
	if a, err := netip.ParseAddr(req.URL.Hostname()); err == nil && !r.d.Reachable(a) {
		return nil, &url.Error{Op: req.Method, URL: req.URL.String(), Err: errors.New("connection timed out")}
	}
	return hc.Do(req)
}

// trustpointAdded is a new `crypto pki trustpoint NAME`: its engine.
func (c *face) trustpointAdded(tp *tpConfig, loading bool) {
	eng, err := pki.NewTrustpoint(tp.name, c.engineTPConfig(tp), c.tpDeps())
	if err != nil {
		c.log.Warn("trustpoint not created", "device", c.d.Name(), "tp", tp.name, "err", err)
		return
	}
	tp.eng = eng
	if !loading {
		c.logf("%%PKI-6-TRUSTPOINT_CREATE: Trustpoint: %s created succesfully", tp.name)
	}
}

// tpConfigChanged hands a changed configuration to the engine.
func (c *face) tpConfigChanged(tp *tpConfig) {
	if tp.eng != nil {
		tp.eng.SetConfig(c.engineTPConfig(tp))
	}
}

// certsChanged hands certificates typed or pasted in a chain to the engine
// (at boot they wait for startTrustpoints).
func (c *face) certsChanged(tp *tpConfig) {
	if tp.eng == nil || c.booting {
		return
	}
	if err := tp.eng.LoadChain(tp.engineChain()); err != nil {
		c.log.Warn("certificate chain not loaded", "device", c.d.Name(), "tp", tp.name, "err", err)
	}
	tp.eng.Start()
}

// engineChain is the chain as the configuration gave it.
func (tp *tpConfig) engineChain() []pki.ChainCert {
	var out []pki.ChainCert
	for _, cc := range tp.certs {
		cert, err := x509.ParseCertificate(cc.der)
		if err != nil {
			continue
		}
		role := pki.RoleID
		switch {
		case cc.ca && cc.rollover:
			role = pki.RoleCARollover
		case cc.ca:
			role = pki.RoleCA
		case cc.rollover:
			role = pki.RoleIDRollover
		}
		out = append(out, pki.ChainCert{Role: role, Serial: cc.serial, Cert: cert})
	}
	return out
}

// startTrustpoints loads the chains the boot configuration gave and arms
// the trustpoints' timers. The lock is held.
func (c *face) startTrustpoints() {
	for _, tp := range c.trustpointList() {
		if tp.eng == nil {
			continue
		}
		if len(tp.certs) > 0 {
			if err := tp.eng.LoadChain(tp.engineChain()); err != nil {
				c.log.Warn("certificate chain not loaded", "device", c.d.Name(), "tp", tp.name, "err", err)
			}
		}
		tp.certs = nil // the engine holds them now
		tp.eng.Start()
	}
}

// removeTrustpoint is `no crypto pki trustpoint NAME`.
func (c *face) removeTrustpoint(tp *tpConfig) {
	if tp.eng != nil {
		tp.eng.Close()
	}
	delete(c.tps, tp.name)
}

// stopTrustpoints stops every trustpoint's timers (reload).
func (c *face) stopTrustpoints() {
	for _, tp := range c.tps {
		if tp.eng != nil {
			tp.eng.Close()
		}
	}
}

// The exec commands of a trustpoint.
func (c *face) registerTrustpointExec(r *cli.Registry) {
	r.Install(parser.Config,
		cmd{Syntax: "crypto pki authenticate WORD$tp",
			Help: cli.HelpCrypto + "\nPublic Key components\nGet the certificate authority certificate\nTrustpoint name",
			Priv: 15, Handler: c.authenticate},
		cmd{Syntax: "crypto pki enroll WORD$tp",
			Help: cli.HelpCrypto + "\nPublic Key components\nRequest a certificate from a certificate authority\nTrustpoint name",
			No:   "=", Priv: 15, Handler: c.enroll},
		cmd{Syntax: "crypto pki import WORD$tp certificate",
			Help: cli.HelpCrypto + "\nPublic Key components\nImport certificate or pkcs12\nTrustpoint name\nImport a certificate from a TFTP server or the terminal",
			Priv: 15, Handler: c.importCert},
		cmd{Syntax: "crypto pki export WORD$tp pem terminal",
			Help: cli.HelpCrypto + "\nPublic Key components\nExport certificate or pkcs12 file\nTrustpoint name\nExport in PEM format\nExport to the terminal",
			Priv: 15, Handler: c.exportPEM},
	)
}

// trustpoint finds a trustpoint's configuration, or says it does not exist.
func (c *face) trustpoint(s *cli.Session, name string) (*tpConfig, bool) {
	tp, ok := c.tps[name]
	if !ok || tp.eng == nil {
		s.Printf("%% Trustpoint %s does not exist.\n", name)
		return nil, false
	}
	return tp, true
}

// authenticate is `crypto pki authenticate TP`: the CA certificate, its
// fingerprints, and the question.
func (c *face) authenticate(s *cli.Session, a parser.Args) {
	tp, ok := c.trustpoint(s, a.String("tp"))
	if !ok {
		return
	}
	if tp.enrollTerm != "" {
		c.authenticateTerminal(s, tp)
		return
	}
	if tp.enrollURL == "" {
		s.Println("% Please configure an enrollment url or enrollment terminal first.")
		return
	}
	offer, err := tp.eng.Authenticate(context.Background())
	switch {
	case errors.Is(err, pki.ErrCAUnreachable):
		s.Println("% Error in receiving Certificate Authority certificate: status = FAIL, cert length = 0")
		return
	case errors.Is(err, pki.ErrFingerprintMismatch):
		s.Println("% The fingerprint of the CA certificate does not match the configured fingerprint.")
		s.Println("% CA certificate rejected.")
		return
	case err != nil:
		s.Printf("%% Error in receiving Certificate Authority certificate: %s\n", errText(err))
		return
	}
	c.offerDialog(s, tp, offer, func() error { return tp.eng.Accept(context.Background(), offer) })
}

// offerDialog shows a CA certificate's fingerprints and installs it when
// the user accepts (or the configured fingerprint already did).
func (c *face) offerDialog(s *cli.Session, tp *tpConfig, offer *pki.CAOffer, accept func() error) {
	if offer.Accepted {
		s.Println("Trustpoint CA certificate accepted.")
		return
	}
	s.Println("Certificate has the following attributes:")
	s.Printf("       Fingerprint MD5: %s \n", offer.FingerprintMD5)
	s.Printf("      Fingerprint SHA1: %s \n", offer.FingerprintSHA1)
	s.Println("")
	if !askYesNo(s, "% Do you accept this certificate? [yes/no]: ") {
		s.Println("% Certificate not accepted.")
		return
	}
	if err := accept(); err != nil {
		s.Printf("%% %s\n", errText(err))
		return
	}
	s.Println("Trustpoint CA certificate accepted.")
	c.d.MarkChanged(s.User())
}

// enroll is `crypto pki enroll TP`, with its dialog; `no crypto pki enroll
// TP` cancels a pending request.
func (c *face) enroll(s *cli.Session, a parser.Args) {
	tp, ok := c.trustpoint(s, a.String("tp"))
	if !ok {
		return
	}
	if a.Negated() || a.Default() {
		if !tp.eng.CancelRequest() {
			s.Println("% No enrollment request is pending.")
		}
		return
	}
	st := tp.eng.State()
	if !st.Authenticated() && !tp.selfSigned {
		s.Printf("%% You must authenticate the Certificate Authority before you can enroll with it.\n")
		return
	}
	if st.Enrolled() {
		s.Printf("Trustpoint %s has already enrolled and has a router cert issued to it.\n", tp.name)
		s.Println("If you successfully re-enroll this trustpoint,the existing certificate will be replaced.")
		s.Println("")
		if !askYesNo(s, "Do you want to continue with re-enrollment? [yes/no]: ") {
			return
		}
	}
	var opts pki.EnrollOptions
	if tp.selfSigned {
		c.enrollSelfSigned(s, tp)
		return
	}
	s.Println("%")
	s.Println("% Start certificate enrollment .. ")
	if tp.password == "" {
		s.Println("% Create a challenge password. You will need to verbally provide this")
		s.Println("   password to the CA Administrator in order to revoke your certificate.")
		s.Println("   For security reasons your password will not be saved in the configuration.")
		s.Println("   Please make a note of it.")
		s.Println("")
		for {
			pw := s.AskSecret("Password: ")
			again := s.AskSecret("Re-enter password: ")
			if pw == again {
				opts.Password = pw
				break
			}
			s.Println("% Password mismatch, please try again.")
		}
	}
	s.Println("")
	subj, err := tp.eng.RequestSubject(opts)
	if err != nil {
		s.Printf("%% %s\n", errText(err))
		return
	}
	for _, l := range subj.SubjectLines {
		s.Printf("%% The subject name in the certificate will include: %s\n", l)
	}
	if tp.serial == "" {
		opts.SerialNumber = askYesNo(s, "% Include the router serial number in the subject name? [yes/no]: ")
		if opts.SerialNumber {
			s.Printf("%% The serial number in the certificate will be: %s\n", c.d.SerialNumber())
		}
	} else if tp.serial == "serial-number" {
		s.Printf("%% The serial number in the certificate will be: %s\n", c.d.SerialNumber())
	}
	switch {
	case tp.ipAddr == "":
		ans := strings.TrimSpace(s.Ask("% Include an IP address in the subject name? [no]: "))
		if strings.EqualFold(ans, "yes") || strings.EqualFold(ans, "y") {
			ip := strings.TrimSpace(s.Ask("Enter Interface name or IP Address[]: "))
			if addr, ok := c.d.InterfaceAddrLocked(ip); ok {
				ip = addr
			}
			opts.IPAddr = ip
		}
	case tp.ipAddr != "none":
		if subj.IPAddr != "" {
			s.Printf("%% The IP address in the certificate is %s\n", subj.IPAddr)
			s.Println("")
		}
	}
	if tp.enrollTerm != "" {
		c.enrollTerminal(s, tp, opts)
		return
	}
	if !askYesNo(s, "Request certificate from CA? [yes/no]: ") {
		return
	}
	relock := s.Unlocked()
	c.logf("%%PKI-6-CERT_ENROLL_MANUAL: Manual enrollment for trustpoint %s", tp.name)
	relock()
	s.Println("% Certificate request sent to Certificate Authority")
	s.Printf("%% The 'show crypto pki certificate verbose %s' commandwill show the fingerprint.\n", tp.name)
	s.Println("")
	out, err := tp.eng.Enroll(context.Background(), opts)
	switch {
	case errors.Is(err, pki.ErrCAUnreachable):
		c.logf("%%PKI-3-SOCKETSEND: Failed to send out message to CA server.")
		return
	case err != nil:
		s.Printf("%% %s\n", errText(err))
		return
	}
	_ = out
	c.d.MarkChanged(s.User())
}

// enrollSelfSigned is `crypto pki enroll` of an `enrollment selfsigned`
// trustpoint.
func (c *face) enrollSelfSigned(s *cli.Session, tp *tpConfig) {
	out, err := tp.eng.Enroll(context.Background(), pki.EnrollOptions{})
	if err != nil {
		s.Printf("%% %s\n", errText(err))
		return
	}
	if out.KeyGenerated {
		s.Printf("%% The key pair %s was generated with %d bits.\n", out.KeyLabel, out.KeyBits)
	}
	s.Println("% Generating Self Signed Certificate")
	c.logf("%%PKI-4-NOAUTOSAVE: Configuration was modified.  Issue \"write memory\" to save new certificate")
	c.d.MarkChanged("console")
}

// enrollTerminal prints the request of an `enrollment terminal` trustpoint.
func (c *face) enrollTerminal(s *cli.Session, tp *tpConfig, opts pki.EnrollOptions) {
	if !askYesNo(s, "Display Certificate Request to terminal? [yes/no]: ") {
		return
	}
	out, err := tp.eng.Enroll(context.Background(), opts)
	if err != nil {
		s.Printf("%% %s\n", errText(err))
		return
	}
	s.Println("Certificate Request follows:")
	s.Println("")
	if tp.enrollTerm == "terminal pem" {
		s.Println("-----BEGIN CERTIFICATE REQUEST-----")
	}
	for _, l := range base64Lines(out.CSR) {
		s.Println(l)
	}
	if tp.enrollTerm == "terminal pem" {
		s.Println("-----END CERTIFICATE REQUEST-----")
	}
	s.Println("")
	s.Println("---End - This line not part of the certificate request---")
	s.Println("")
	s.Printf("Redisplay enrollment request? [yes/no]: no\n")
}

// authenticateTerminal takes a pasted CA certificate.
func (c *face) authenticateTerminal(s *cli.Session, tp *tpConfig) {
	s.Println("")
	s.Println("Enter the base 64 encoded CA certificate.")
	s.Println("End with a blank line or the word \"quit\" on a line by itself")
	s.Println("")
	c.collectPEM(s, func(data []byte) {
		offer, err := tp.eng.InstallCA(data, false)
		if err != nil {
			s.Printf("%% %s\n", errText(err))
			return
		}
		c.offerDialog(s, tp, offer, func() error {
			_, err := tp.eng.InstallCA(data, true)
			return err
		})
	})
}

// importCert is `crypto pki import TP certificate`.
func (c *face) importCert(s *cli.Session, a parser.Args) {
	tp, ok := c.trustpoint(s, a.String("tp"))
	if !ok {
		return
	}
	s.Println("")
	s.Println("Enter the base 64 encoded certificate.")
	s.Println("End with a blank line or the word \"quit\" on a line by itself")
	s.Println("")
	c.collectPEM(s, func(data []byte) {
		cert, err := tp.eng.Import(data)
		switch {
		case errors.Is(err, pki.ErrKeyMismatch):
			s.Println("% The certificate public key does not match the trustpoint's key pair.")
		case errors.Is(err, pki.ErrNotChained):
			s.Println("% Error: the certificate is not issued by the trustpoint's CA.")
		case err != nil:
			s.Printf("%% %s\n", errText(err))
		default:
			_ = cert
			s.Println("")
			s.Println("% Router Certificate successfully imported")
			c.d.MarkChanged(s.User())
		}
	})
}

// exportPEM is `crypto pki export TP pem terminal`.
func (c *face) exportPEM(s *cli.Session, a parser.Args) {
	tp, ok := c.trustpoint(s, a.String("tp"))
	if !ok {
		return
	}
	ca, id, err := tp.eng.ExportPEM()
	if err != nil {
		s.Printf("%% %s\n", errText(err))
		return
	}
	s.Println("% CA certificate:")
	s.Printf("%s", ca)
	if id != nil {
		s.Println("")
		s.Println("% General Purpose Certificate:")
		s.Printf("%s", id)
	}
}

// collectPEM takes pasted lines until a blank line or "quit", then hands
// them to done (PEM or bare base64).
func (c *face) collectPEM(s *cli.Session, done func([]byte)) {
	var b strings.Builder
	s.Collect(func(line string) bool {
		t := strings.TrimSpace(line)
		if t == "" || t == "quit" {
			text := b.String()
			if !strings.Contains(text, "-----BEGIN") {
				text = "-----BEGIN CERTIFICATE-----\n" + text + "-----END CERTIFICATE-----\n"
			}
			done([]byte(text))
			return true
		}
		b.WriteString(t + "\n")
		return false
	})
}

// base64Lines is DER as 64-character base64 lines.
func base64Lines(der []byte) []string {
	enc := base64Std(der)
	var out []string
	for len(enc) > 64 {
		out = append(out, enc[:64])
		enc = enc[64:]
	}
	return append(out, enc)
}

func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
