package ios

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/parser"
	"github.com/iosemu/iosemu/pki"
)

// The PKI's show commands, each rendered from the engine's state in the
// layouts of real routers (shared/reference/captures): show crypto pki
// server [NAME [requests|certificates|crl]], show crypto pki certificates
// [verbose] [TP], show crypto pki trustpoints [status], show crypto pki
// timers. Trailing blanks are IOS's own.

func (c *face) registerShows(r *cli.Registry) {
	const pkiHelp = cli.HelpShow + "\nEncryption module\nPublic Key components"
	r.Install(parser.Exec,
		cmd{Syntax: "show crypto pki server [WORD$name [<requests|certificates|crl>$what]]",
			Help:    pkiHelp + "\nShow Certificate Server status\nCertificate Server name\nEnrollment Request Database\nIssued certificates\nCertificate Revocation List",
			Handler: c.showServer},
		cmd{Syntax: "show crypto pki certificates [verbose] [WORD$tp]",
			Help:    pkiHelp + "\nShow certificates\nDisplay all certificate details\nTrustpoint name",
			Handler: c.showCertificates},
		cmd{Syntax: "show crypto pki trustpoints [status]",
			Help:    pkiHelp + "\nShow trustpoints\nShow trustpoint status",
			Handler: c.showTrustpoints},
		cmd{Syntax: "show crypto pki timers", Help: pkiHelp + "\nShow PKI timers", Handler: c.showTimers},
		cmd{Syntax: "debug crypto pki server", Help: cli.HelpDebug + "\nCryptographic subsystem\nPublic Key components\nCertificate Server",
			Priv: 15, Handler: func(s *cli.Session, _ parser.Args) {
				c.debugCS.Store(true)
				s.Println("Crypto PKI Certificate Server debugging is on")
			}},
		cmd{Syntax: "undebug crypto pki server", Help: "Disable debugging functions (see also 'debug')\nCryptographic subsystem\nPublic Key components\nCertificate Server",
			Priv: 15, Handler: func(s *cli.Session, _ parser.Args) {
				c.debugCS.Store(false)
				s.Println("Crypto PKI Certificate Server debugging is off")
			}},
		cmd{Syntax: "crypto pki server WORD$name <grant|reject>$verb <all|(1-2147483647)$id>$which",
			Help: cli.HelpCrypto + "\nPublic Key components\nExecute Certificate Server commands\nCertificate Server name\nGrant enrollment requests\nReject enrollment requests\nAll pending requests\nRequest ID",
			Priv: 15, Handler: c.execGrant},
		cmd{Syntax: "crypto pki server WORD$name <revoke|unrevoke>$verb WORD$serial",
			Help: cli.HelpCrypto + "\nPublic Key components\nExecute Certificate Server commands\nCertificate Server name\nRevoke a certificate\nUnrevoke a certificate\nSerial number (hex, 0x prefix for hex)",
			Priv: 15, Handler: c.execRevoke},
		cmd{Syntax: "crypto pki server WORD$name rollover [cancel]",
			Help: cli.HelpCrypto + "\nPublic Key components\nExecute Certificate Server commands\nCertificate Server name\nGenerate the rollover CA certificate\nDelete the rollover CA certificate",
			Priv: 15, Handler: c.execRollover},
	)
}

// dateOf renders a time as the PKI shows do, in the router's zone.
func (c *face) dateOf(t time.Time) string {
	return t.In(c.d.Clock().Location()).Format("15:04:05 MST Jan 2 2006")
}

// server returns the configured server named name ("" for any) and its
// engine, saying why not on s.
func (c *face) server(s *cli.Session, name string) (*csConfig, *pki.Server, bool) {
	cs := c.cs
	if cs == nil || (name != "" && cs.name != name) {
		if name != "" {
			s.Printf("%% Certificate server %s does not exist.\n", name)
		}
		return nil, nil, false
	}
	return cs, c.srv.Load(), true
}

func (c *face) showServer(s *cli.Session, a parser.Args) {
	cs, srv, ok := c.server(s, a.String("name"))
	if !ok {
		return
	}
	switch a.Keyword("what") {
	case "requests":
		c.showRequests(s, srv)
		return
	case "certificates":
		c.showIssued(s, srv)
		return
	case "crl":
		c.showCRL(s, srv)
		return
	}
	s.Printf("Certificate Server %s:\n", cs.name)
	if srv == nil || srv.CACert() == nil {
		s.Println("    Status: disabled")
		s.Println("    State: disabled")
		s.Println("    Server's configuration is unlocked  (enter \"no shut\" to lock it)")
		s.Printf("    Issuer name: %s\n", cs.issuerName())
		s.Println("    CA cert fingerprint: -Not found-")
		return
	}
	info := srv.Info()
	switch {
	case info.State != pki.StateEnabled:
		s.Println("    Status: disabled")
		s.Println("    State: disabled")
	case !c.httpOn():
		s.Println("    Status: disabled, HTTP Server is disabled")
		s.Println("    State: check failed")
	default:
		s.Println("    Status: enabled")
		s.Println("    State: enabled")
	}
	if info.Locked {
		s.Println("    Server's configuration is locked  (enter \"shut\" to unlock it)")
	}
	s.Printf("    Issuer name: %s\n", info.IssuerName)
	s.Printf("    CA cert fingerprint: %s \n", info.CAFingerprint)
	s.Printf("    Granting mode is: %s\n", info.Grant)
	last := info.LastSerial
	if last == nil {
		last = big.NewInt(0)
	}
	s.Printf("    Last certificate issued serial number (hex): %X\n", last)
	if !info.CAExpiry.IsZero() {
		s.Printf("    CA certificate expiration timer: %s\n", c.dateOf(info.CAExpiry))
	}
	if !info.CRLNextUpdate.IsZero() {
		s.Printf("    CRL NextUpdate timer: %s\n", c.dateOf(info.CRLNextUpdate))
	}
	s.Printf("    Current primary storage dir: %s\n", info.PrimaryStorage)
	s.Printf("    Database Level: %s\n", info.DatabaseLevel)
	if info.Rollover {
		s.Println("    Rollover status: available for rollover")
		s.Printf("    Rollover CA certificate fingerprint: %s\n", info.RolloverFingerprint)
		s.Printf("    Rollover CA certificate expiration time: %s\n", c.dateOf(info.RolloverExpiry))
	}
	if info.AutoRollover > 0 {
		s.Printf("    Auto-Rollover configured, overlap period %d days\n", int(info.AutoRollover/(24*time.Hour)))
		if !info.Rollover && !info.AutoRolloverDue.IsZero() {
			s.Printf("    Autorollover timer: %s\n", c.dateOf(info.AutoRolloverDue))
		}
	}
}

func (c *face) showRequests(s *cli.Session, srv *pki.Server) {
	s.Println("Enrollment Request Database:")
	s.Println("")
	header := func(title string) {
		s.Println(title)
		s.Println("ReqID  State      Fingerprint                      SubjectName")
		s.Println("--------------------------------------------------------------")
	}
	header("Subordinate CA certificate requests:")
	s.Println("")
	header("RA certificate requests:")
	s.Println("")
	header("Router certificates requests:")
	if srv == nil {
		return
	}
	for _, r := range srv.Requests() {
		s.Printf("%-6d %-10s %-32s %s\n", r.ID, r.State, r.Fingerprint, r.Subject.String())
	}
}

func (c *face) showIssued(s *cli.Session, srv *pki.Server) {
	s.Println("Serial Issued date              Expire date               Subject Name")
	if srv == nil {
		return
	}
	for _, ic := range srv.Certificates() {
		serial := fmt.Sprintf("%X", ic.Serial)
		if ic.Revoked {
			serial += "*"
		}
		s.Printf("%-8s%-25s%-26s%s\n", serial, c.dateOf(ic.NotBefore), c.dateOf(ic.NotAfter)+" ", strings.Join(ic.Subject.Lines(), " "))
	}
}

func (c *face) showCRL(s *cli.Session, srv *pki.Server) {
	if srv == nil || srv.CACert() == nil {
		s.Println("% CRL not available.")
		return
	}
	crl := srv.CRL()
	issuer, _ := pki.ParseName(srv.CACert().RawSubject)
	s.Println("Certificate Revocation List:")
	s.Printf("    Issuer: %s\n", strings.Join(issuer.Lines(), " "))
	s.Printf("    This Update: %s\n", c.dateOf(crl.ThisUpdate))
	s.Printf("    Next Update: %s\n", c.dateOf(crl.NextUpdate))
	s.Printf("    Number of CRL entries: %d\n", len(crl.Entries))
	s.Printf("    CRL size: %d bytes\n", len(crl.DER))
	for _, e := range crl.Entries {
		s.Printf("    Serial Number (hex): %s\n", hexSerial(e.Serial))
		s.Printf("    Revocation Date: %s\n", c.dateOf(e.RevokedAt))
	}
}

// hexSerial is a serial number as the shows print it: at least two digits.
func hexSerial(n *big.Int) string {
	h := fmt.Sprintf("%X", n)
	if len(h)%2 == 1 {
		h = "0" + h
	}
	return h
}

// parseSerial reads a serial as IOS takes it: hex with 0x, else decimal.
func parseSerial(text string) (*big.Int, bool) {
	t := strings.ToLower(text)
	if strings.HasPrefix(t, "0x") {
		return new(big.Int).SetString(t[2:], 16)
	}
	return new(big.Int).SetString(t, 10)
}

func (c *face) execGrant(s *cli.Session, a parser.Args) {
	_, srv, ok := c.server(s, a.String("name"))
	if !ok {
		return
	}
	if srv == nil || !c.serverRunning() {
		s.Println("% Certificate server is not enabled.")
		return
	}
	grant := a.Keyword("verb") == "grant"
	var err error
	switch {
	case a.Keyword("which") == "all" && grant:
		err = srv.GrantAll()
	case a.Keyword("which") == "all":
		err = srv.RejectAll()
	case grant:
		err = srv.Grant(a.Int("id"))
	default:
		err = srv.Reject(a.Int("id"))
	}
	if err != nil {
		s.Printf("%% Request %s could not be %sed: %v\n", a.String("which"), a.Keyword("verb"), errText(err))
	}
}

func (c *face) execRevoke(s *cli.Session, a parser.Args) {
	_, srv, ok := c.server(s, a.String("name"))
	if !ok {
		return
	}
	serial, ok := parseSerial(a.String("serial"))
	if !ok || srv == nil {
		s.Println("% Invalid serial number")
		return
	}
	if a.Keyword("verb") == "revoke" {
		if err := srv.Revoke(serial); err != nil {
			s.Printf("%% Certificate %s could not be revoked: %s\n", hexSerial(serial), errText(err))
			return
		}
		s.Printf("%% Certificate %s succesfully revoked.\n", hexSerial(serial))
		return
	}
	if err := srv.Unrevoke(serial); err != nil {
		s.Printf("%% Certificate %s could not be unrevoked: %s\n", hexSerial(serial), errText(err))
		return
	}
	s.Printf("%% Certificate %s succesfully unrevoked.\n", hexSerial(serial))
}

func (c *face) execRollover(s *cli.Session, a parser.Args) {
	_, srv, ok := c.server(s, a.String("name"))
	if !ok {
		return
	}
	if srv == nil || srv.CACert() == nil {
		s.Println("% Certificate server is not enabled.")
		return
	}
	if a.Has("cancel") {
		if err := srv.CancelRollover(); err != nil {
			s.Printf("%% %s\n", errText(err))
		}
		c.d.MarkChanged(s.User())
		return
	}
	if err := srv.Rollover(); err != nil {
		s.Printf("%% %s\n", errText(err))
		return
	}
	c.d.MarkChanged(s.User())
}

// errText is an engine error as a sentence for the terminal.
func errText(err error) string { return strings.TrimPrefix(err.Error(), "pki: ") }

// certUsage is the "Certificate Usage" of a certificate.
func certUsage(cert *x509.Certificate) string {
	if cert.IsCA || cert.KeyUsage&x509.KeyUsageCertSign != 0 {
		return "Signature"
	}
	return "General Purpose"
}

// OIDs of the attributes IOS puts in a router's subject.
var (
	oidUnstructuredName    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 2}
	oidUnstructuredAddress = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 8}
	oidSerialNumber        = asn1.ObjectIdentifier{2, 5, 4, 5}
	oidCommonName          = asn1.ObjectIdentifier{2, 5, 4, 3}
)

// certView is one certificate block of show crypto pki certificates.
type certView struct {
	title    string // "Certificate", "CA Certificate (Rollover)" …
	cert     *x509.Certificate
	tps      []string // associated trustpoints
	storage  string   // "nvram:RootCA#1CA.cer", "" when not stored
	keyLabel string   // ID certificates: the key pair
	status   string   // "Available"; "Pending" has its own block
}

// writeCert renders one certificate block.
func (c *face) writeCert(s printer, v certView, verbose bool) {
	cert := v.cert
	s.Println(v.title)
	s.Printf("  Status: %s\n", v.status)
	if verbose {
		s.Printf("  Version: %d\n", cert.Version)
	}
	s.Printf("  Certificate Serial Number (hex): %s\n", hexSerial(cert.SerialNumber))
	s.Printf("  Certificate Usage: %s\n", certUsage(cert))
	issuer, _ := pki.ParseName(cert.RawIssuer)
	subject, _ := pki.ParseName(cert.RawSubject)
	s.Println("  Issuer: ")
	for _, l := range issuer.Lines() {
		s.Printf("    %s\n", l)
	}
	ca := certUsage(cert) == "Signature"
	if ca {
		s.Println("  Subject: ")
	} else {
		s.Println("  Subject:")
	}
	if name, ok := subject.Find(oidUnstructuredName); ok {
		s.Printf("    Name: %s\n", name)
	} else if cn, ok := subject.Find(oidCommonName); ok && strings.HasSuffix(v.title, "(Rollover)") {
		s.Printf("    Name: %s\n", cn)
	}
	if ip, ok := subject.Find(oidUnstructuredAddress); ok {
		s.Printf("    IP Address: %s\n", ip)
	}
	if sn, ok := subject.Find(oidSerialNumber); ok {
		s.Printf("    Serial Number: %s\n", sn)
	}
	for _, l := range subject.Lines() {
		s.Printf("    %s\n", l)
	}
	s.Println("  Validity Date: ")
	s.Printf("    start date: %s\n", c.dateOf(cert.NotBefore))
	s.Printf("    end   date: %s\n", c.dateOf(cert.NotAfter))
	if verbose {
		if pub, ok := cert.PublicKey.(*rsa.PublicKey); ok {
			s.Println("  Subject Key Info:")
			s.Println("    Public Key Algorithm: rsaEncryption")
			s.Printf("    RSA Public Key: (%d bit)\n", pub.N.BitLen())
		}
		s.Printf("  Signature Algorithm: %s\n", sigAlgName(cert.SignatureAlgorithm))
		s.Printf("  Fingerprint MD5: %s \n", pki.FingerprintMD5(cert.Raw))
		s.Printf("  Fingerprint SHA1: %s \n", pki.FingerprintSHA1(cert.Raw))
		s.Println("  X509v3 extensions:")
		if cert.KeyUsage != 0 {
			bits, names := keyUsageBits(cert.KeyUsage)
			s.Printf("    X509v3 Key Usage: %08X\n", bits)
			for _, n := range names {
				s.Printf("      %s\n", n)
			}
		}
		if len(cert.SubjectKeyId) > 0 {
			s.Printf("    X509v3 Subject Key ID: %s \n", pki.HexGroups(cert.SubjectKeyId))
		}
		if cert.BasicConstraintsValid && cert.IsCA {
			s.Println("    X509v3 Basic Constraints:")
			s.Println("        CA: TRUE")
		}
		if len(cert.AuthorityKeyId) > 0 {
			s.Printf("    X509v3 Authority Key ID: %s \n", pki.HexGroups(cert.AuthorityKeyId))
		}
		s.Println("    Authority Info Access:")
		s.Printf("  Cert install time: %s \n", c.dateOf(cert.NotBefore))
	}
	s.Printf("  Associated Trustpoints: %s \n", strings.Join(v.tps, " "))
	if v.storage != "" {
		s.Printf("  Storage: %s\n", v.storage)
	}
	if verbose && v.keyLabel != "" {
		s.Printf("  Key Label: %s\n", v.keyLabel)
	}
	s.Println("")
}

func sigAlgName(a x509.SignatureAlgorithm) string {
	switch a {
	case x509.MD5WithRSA:
		return "MD5 with RSA Encryption"
	case x509.SHA1WithRSA:
		return "SHA1 with RSA Encryption"
	case x509.SHA256WithRSA:
		return "SHA256 with RSA Encryption"
	case x509.SHA384WithRSA:
		return "SHA384 with RSA Encryption"
	case x509.SHA512WithRSA:
		return "SHA512 with RSA Encryption"
	}
	return a.String()
}

// keyUsageBits is the key usage as IOS prints it: the bit string as a
// 32-bit number, and the names of the bits set.
func keyUsageBits(ku x509.KeyUsage) (uint32, []string) {
	names := []struct {
		bit  x509.KeyUsage
		name string
	}{
		{x509.KeyUsageDigitalSignature, "Digital Signature"},
		{x509.KeyUsageContentCommitment, "Non Repudiation"},
		{x509.KeyUsageKeyEncipherment, "Key Encipherment"},
		{x509.KeyUsageDataEncipherment, "Data Encipherment"},
		{x509.KeyUsageKeyAgreement, "Key Agreement"},
		{x509.KeyUsageCertSign, "Key Cert Sign"},
		{x509.KeyUsageCRLSign, "CRL Signature"},
	}
	var bits uint32
	var out []string
	for i, n := range names {
		if ku&n.bit != 0 {
			bits |= 1 << (31 - i)
			out = append(out, n.name)
		}
	}
	return bits, out
}

// storageName is where IOS keeps a certificate in nvram: the issuer's
// common name without blanks, cut to 12 characters, '#', the serial, and
// CA for a CA certificate ("RootCA#1CA.cer").
func storageName(cert *x509.Certificate) string {
	issuer, _ := pki.ParseName(cert.RawIssuer)
	cn, _ := issuer.Find(oidCommonName)
	cn = strings.Join(strings.Fields(cn), "")
	if len(cn) > 12 {
		cn = cn[:12]
	}
	suffix := ""
	if cert.IsCA {
		suffix = "CA"
	}
	return fmt.Sprintf("nvram:%s#%X%s.cer", cn, cert.SerialNumber, suffix)
}

func (c *face) showCertificates(s *cli.Session, a parser.Args) {
	only := a.String("tp")
	verbose := a.Has("verbose")
	for _, v := range c.certViews() {
		if only != "" && !slices.Contains(v.tps, only) {
			continue
		}
		c.writeCert(s, v, verbose)
	}
	c.showPending(s, only, verbose)
}

// certViews are the certificates the router holds, in IOS's order: each
// trustpoint's rollover and active identity certificates, then the CA
// certificates, rollover first, each listed once with every trustpoint
// that holds it.
func (c *face) certViews() []certView {
	var ids, cas []certView
	addCA := func(title string, cert *x509.Certificate, tp, storage string) {
		for i := range cas {
			if string(cas[i].cert.Raw) == string(cert.Raw) {
				cas[i].tps = append(cas[i].tps, tp)
				return
			}
		}
		cas = append(cas, certView{title: title, cert: cert, tps: []string{tp}, storage: storage, status: "Available"})
	}
	for _, tp := range c.trustpointList() {
		for _, v := range c.trustpointCertViews(tp) {
			if v.cert.IsCA {
				addCA(v.title, v.cert, tp.name, "")
			} else {
				ids = append(ids, v)
			}
		}
	}
	if cs := c.cs; cs != nil {
		if srv := c.srv.Load(); srv != nil && srv.CACert() != nil {
			if r := srv.RolloverCert(); r != nil {
				addCA("CA Certificate (Rollover)", r, cs.name, "")
			}
			addCA("CA Certificate", srv.CACert(), cs.name, storageName(srv.CACert()))
		}
	}
	return append(ids, cas...)
}
