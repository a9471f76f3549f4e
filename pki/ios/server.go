package ios

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/device"
	"github.com/iosemu/iosemu/parser"
)

// csConfig is `crypto pki server NAME` as configured: what running-config
// shows, in the words it was typed. The engine's configuration is made from
// it when the server starts (engineConfig).
type csConfig struct {
	name string

	dbLevel     string            // minimum (default) | names | complete
	dbURL       string            // primary storage; "" is nvram:
	dbURLKind   map[string]string // cnm, crl, crt, p12, pem, ser: a copy of those files elsewhere
	archive     string            // "" (pkcs12, the default) | pkcs12 | pem | none
	archivePW   string            // type 7 text, "" when not configured
	issuer      string            // "" is CN=NAME
	grant       string            // "" (manual) | auto | none | ra-auto
	grantRoll   string            // grant auto rollover ca-cert|ra-cert
	hash        string            // "" is the release's default
	mode        string            // "" | ra | sub-cs
	lifeCert    int               // days; 0 = default
	lifeCA      int               // days
	lifeCRL     int               // hours
	lifeEnroll  int               // hours
	rollover    bool              // auto-rollover configured
	rollDays    int               // overlap
	rollHours   int               //
	rollMinutes int               //
	cdpURL      string            //
	serial      string            // serial-number, as typed
	shutdown    bool              // `shutdown` typed
}

// Defaults of the seed lab's releases (IOS 15.1-15.5, XE 3.x).
const (
	defLifeCert   = 365  // days
	defLifeCA     = 1095 // days
	defLifeCRL    = 6    // hours
	defLifeEnroll = 168  // hours
	defRollover   = 30   // days, for a bare `auto-rollover`
)

func (c *csConfig) primaryURL() string {
	if c.dbURL == "" {
		return "nvram:"
	}
	return c.dbURL
}

func (c *csConfig) issuerName() string {
	if c.issuer == "" {
		return "CN=" + c.name
	}
	return c.issuer
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// write renders the server's running-config block: what differs from the
// defaults, in IOS's order.
func (c *csConfig) write(w *strings.Builder, all bool) {
	line := func(format string, a ...any) { fmt.Fprintf(w, " "+format+"\n", a...) }
	if c.serial != "" {
		line("serial-number %s", c.serial)
	}
	if c.dbLevel != "" && c.dbLevel != "minimum" {
		line("database level %s", c.dbLevel)
	} else if all {
		line("database level minimum")
	}
	switch {
	case c.archive == "none":
		line("no database archive")
	case c.archive != "" && c.archivePW != "":
		line("database archive %s password 7 %s", c.archive, c.archivePW)
	case c.archive != "":
		line("database archive %s", c.archive)
	case all:
		line("no database archive")
	}
	if c.issuer != "" || all {
		line("issuer-name %s", c.issuerName())
	}
	if c.grant != "" {
		line("grant %s", c.grant)
	}
	if c.grantRoll != "" {
		line("grant auto rollover %s", c.grantRoll)
	}
	if c.hash != "" {
		line("hash %s", c.hash)
	}
	if c.mode != "" {
		line("mode %s", c.mode)
	}
	if c.lifeCRL != 0 || all {
		line("lifetime crl %d", orDefault(c.lifeCRL, defLifeCRL))
	}
	if c.lifeCert != 0 || all {
		line("lifetime certificate %d", orDefault(c.lifeCert, defLifeCert))
	}
	if c.lifeCA != 0 || all {
		line("lifetime ca-certificate %d", orDefault(c.lifeCA, defLifeCA))
	}
	if c.lifeEnroll != 0 || all {
		line("lifetime enrollment-request %d", orDefault(c.lifeEnroll, defLifeEnroll))
	}
	if c.dbURL != "" {
		line("database url %s", c.dbURL)
	}
	kinds := make([]string, 0, len(c.dbURLKind))
	for k := range c.dbURLKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		line("database url %s %s", k, c.dbURLKind[k])
	}
	if c.cdpURL != "" {
		line("cdp-url %s", c.cdpURL)
	}
	if c.rollover {
		switch {
		case c.rollMinutes != 0:
			line("auto-rollover %d %d %d", c.rollDays, c.rollHours, c.rollMinutes)
		case c.rollHours != 0:
			line("auto-rollover %d %d", c.rollDays, c.rollHours)
		default:
			line("auto-rollover %d", c.rollDays)
		}
	}
	if c.shutdown {
		line("shutdown")
	}
}

func (c *face) registerServer(r *cli.Registry) {
	m := cli.NewMode(r, "cs-server", "(cs-server)#", parser.Config)
	c.csMode = m
	r.Install(parser.Config,
		cmd{Syntax: "crypto pki server WORD$name",
			Help: cli.HelpCrypto + "\nPublic Key components\nEnable IOS Certificate Server\nCertificate Server name",
			No:   "=", Priv: 15, Handler: c.cryptoPKIServer},
	)
	set := func(f func(s *cli.Session, cs *csConfig, a parser.Args)) cli.Handler {
		return func(s *cli.Session, a parser.Args) {
			cs, ok := s.Context().(*csConfig)
			if !ok || cs != c.cs {
				return
			}
			f(s, cs, a)
			c.d.MarkChanged(s.User())
		}
	}
	// locked wraps a setting that can change only while the server has no CA
	// certificate, or is shut (IOS locks them once the CA exists).
	locked := func(f func(s *cli.Session, cs *csConfig, a parser.Args)) cli.Handler {
		return set(func(s *cli.Session, cs *csConfig, a parser.Args) {
			if c.serverRunning() {
				s.Println("% Server's configuration is locked (enter \"shut\" to unlock it)")
				return
			}
			if c.serverHasCA() && !s.Headless() {
				s.Println("%Some server settings cannot be changed after CA certificate generation.")
				return
			}
			f(s, cs, a)
		})
	}
	unlocked := func(f func(s *cli.Session, cs *csConfig, a parser.Args)) cli.Handler {
		return set(func(s *cli.Session, cs *csConfig, a parser.Args) {
			if c.serverRunning() && !s.Headless() {
				s.Println("% Server's configuration is locked (enter \"shut\" to unlock it)")
				return
			}
			f(s, cs, a)
		})
	}
	r.Install(m,
		cmd{Syntax: "database level <minimum|names|complete>$lvl",
			Help: "Certificate Server database options\nLevel of data stored in database\nMinimum data stored in database\nSubject names of issued certificates stored\nEach issued certificate written to database",
			No:   "database level [<minimum|names|complete>$lvl]", NoHelp: "Certificate Server database options\nLevel of data stored in database\nMinimum data stored in database\nSubject names of issued certificates stored\nEach issued certificate written to database",
			Handler: unlocked(func(s *cli.Session, cs *csConfig, a parser.Args) {
				cs.dbLevel = ""
				if !a.Negated() && !a.Default() {
					cs.dbLevel = a.Keyword("lvl")
				}
			})},
		cmd{Syntax: "database url WORD$u",
			Help: "Certificate Server database options\nDatabase location\nPrimary database location URL",
			No:   "database url [WORD$u]", NoHelp: "Certificate Server database options\nDatabase location\nPrimary database location URL",
			Handler: unlocked(func(s *cli.Session, cs *csConfig, a parser.Args) {
				old := cs.dbURL
				cs.dbURL = ""
				if !a.Negated() && !a.Default() {
					cs.dbURL = a.String("u")
				}
				if old != cs.dbURL && !s.Headless() {
					s.Println("% Server database url was changed. You need to move the")
					s.Println("% existing database to the new location.")
				}
			})},
		cmd{Syntax: "database url <cnm|crl|crt|p12|pem|ser>$kind WORD$u",
			Help: "Certificate Server database options\nDatabase location\nCertificate name and expiration file\nCRL file\nIssued certificates\nCA key and certificate archive (PKCS12)\nCA key and certificate archive (PEM)\nSerial number file\nDatabase location URL",
			No:   "database url <cnm|crl|crt|p12|pem|ser>$kind [WORD$u]", NoHelp: "Certificate Server database options\nDatabase location\nCertificate name and expiration file\nCRL file\nIssued certificates\nCA key and certificate archive (PKCS12)\nCA key and certificate archive (PEM)\nSerial number file\nDatabase location URL",
			Handler: unlocked(func(s *cli.Session, cs *csConfig, a parser.Args) {
				k := a.Keyword("kind")
				if a.Negated() || a.Default() {
					delete(cs.dbURLKind, k)
					return
				}
				if cs.dbURLKind == nil {
					cs.dbURLKind = map[string]string{}
				}
				cs.dbURLKind[k] = a.String("u")
			})},
		cmd{Syntax: "database archive <pkcs12|pem>$fmt [password [<0|7>$enc] WORD$pw]",
			Help: "Certificate Server database options\nBackup Certificate Server Signing Certificate and Keys\nPKCS12 format\nPEM format\nPassphrase to protect the private key archive\nUnencrypted password follows\nHidden (type 7) password follows\nThe passphrase",
			No:   "database archive", NoHelp: "Certificate Server database options\nBackup Certificate Server Signing Certificate and Keys",
			Handler: unlocked(func(s *cli.Session, cs *csConfig, a parser.Args) {
				if a.Negated() {
					cs.archive, cs.archivePW = "none", ""
					return
				}
				if a.Default() {
					cs.archive, cs.archivePW = "", ""
					return
				}
				cs.archive, cs.archivePW = a.Keyword("fmt"), ""
				if a.Has("pw") {
					pw := a.String("pw")
					if a.Keyword("enc") == "7" {
						if _, ok := device.DecodeType7(pw); !ok {
							s.Println("% Invalid encrypted password")
							return
						}
						cs.archivePW = pw
					} else {
						cs.archivePW = device.EncodeType7(pw)
					}
				}
			})},
		cmd{Syntax: "issuer-name LINE$dn",
			Help: "Issuer name\nIssuer name",
			No:   "issuer-name [LINE]", NoHelp: "Issuer name\nIssuer name",
			Handler: locked(func(s *cli.Session, cs *csConfig, a parser.Args) {
				cs.issuer = ""
				if !a.Negated() && !a.Default() {
					cs.issuer = strings.TrimSpace(a.String("dn"))
				}
			})},
		cmd{Syntax: "grant <auto|none|ra-auto>$how",
			Help: "Certificate granting options\nAutomatically grant incoming SCEP enrollment requests\nAutomatically reject any enrollment request\nAutomatically grant requests authorised by an RA",
			No:   "grant [<auto|none|ra-auto>$how]", NoHelp: "Certificate granting options\nAutomatically grant incoming SCEP enrollment requests\nAutomatically reject any enrollment request\nAutomatically grant requests authorised by an RA",
			Handler: set(func(s *cli.Session, cs *csConfig, a parser.Args) {
				cs.grant = ""
				if !a.Negated() && !a.Default() {
					cs.grant = a.Keyword("how")
				}
				if cs.grant == "auto" {
					c.logf("%%PKI-6-CS_GRANT_AUTO: All enrollment requests will be automatically granted.")
				}
				c.applyGrant()
			})},
		cmd{Syntax: "grant auto rollover <ca-cert|ra-cert>$which",
			Help: "Certificate granting options\nAutomatically grant incoming SCEP enrollment requests\nAutomatically grant rollover requests\nAutomatically grant CA rollover requests\nAutomatically grant RA rollover requests",
			No:   "=",
			Handler: set(func(s *cli.Session, cs *csConfig, a parser.Args) {
				cs.grantRoll = ""
				if !a.Negated() && !a.Default() {
					cs.grantRoll = a.Keyword("which")
				}
			})},
		cmd{Syntax: "hash <md5|sha1|sha256|sha384|sha512>$alg",
			Help: "Hash algorithm\nuse md5 hash algorithm\nuse sha1 hash algorithm\nuse sha256 hash algorithm\nuse sha384 hash algorithm\nuse sha512 hash algorithm",
			No:   "hash [<md5|sha1|sha256|sha384|sha512>$alg]", NoHelp: "Hash algorithm\nuse md5 hash algorithm\nuse sha1 hash algorithm\nuse sha256 hash algorithm\nuse sha384 hash algorithm\nuse sha512 hash algorithm",
			Handler: locked(func(s *cli.Session, cs *csConfig, a parser.Args) {
				cs.hash = ""
				if !a.Negated() && !a.Default() {
					cs.hash = a.Keyword("alg")
				}
			})},
		cmd{Syntax: "mode <ra|sub-cs>$m",
			Help: "Mode supported by the Certificate Server\nRegistration Authority mode\nSubordinate Certificate Server mode",
			No:   "mode [<ra|sub-cs>$m]", NoHelp: "Mode supported by the Certificate Server\nRegistration Authority mode\nSubordinate Certificate Server mode",
			Handler: locked(func(s *cli.Session, cs *csConfig, a parser.Args) {
				cs.mode = ""
				if !a.Negated() && !a.Default() {
					cs.mode = a.Keyword("m")
				}
			})},
		cmd{Syntax: "lifetime <certificate|ca-certificate>$what (1-7305)$days",
			Help: "Lifetimes of certificates, CRLs and enrollment requests\nLifetime of issued certificates\nLifetime of the CA certificate\nLifetime in days",
			No:   "lifetime <certificate|ca-certificate>$what [(1-7305)$days]", NoHelp: "Lifetimes of certificates, CRLs and enrollment requests\nLifetime of issued certificates\nLifetime of the CA certificate\nLifetime in days",
			Handler: set(func(s *cli.Session, cs *csConfig, a parser.Args) {
				days := 0
				if !a.Negated() && !a.Default() {
					days = a.Int("days")
				}
				if a.Keyword("what") == "certificate" {
					if c.serverRunning() && !s.Headless() {
						s.Println("% Server's configuration is locked (enter \"shut\" to unlock it)")
						return
					}
					cs.lifeCert = days
					return
				}
				if (c.serverRunning() || c.serverHasCA()) && !s.Headless() {
					s.Println("%Some server settings cannot be changed after CA certificate generation.")
					return
				}
				cs.lifeCA = days
			})},
		cmd{Syntax: "lifetime <crl|enrollment-request>$what (1-8760)$hours",
			Help: "Lifetimes of certificates, CRLs and enrollment requests\nLifetime of the CRL\nLifetime of enrollment requests\nLifetime in hours",
			No:   "lifetime <crl|enrollment-request>$what [(1-8760)$hours]", NoHelp: "Lifetimes of certificates, CRLs and enrollment requests\nLifetime of the CRL\nLifetime of enrollment requests\nLifetime in hours",
			Handler: unlocked(func(s *cli.Session, cs *csConfig, a parser.Args) {
				hours := 0
				if !a.Negated() && !a.Default() {
					hours = a.Int("hours")
				}
				if a.Keyword("what") == "crl" {
					cs.lifeCRL = hours
				} else {
					cs.lifeEnroll = hours
				}
			})},
		cmd{Syntax: "auto-rollover [(0-1825)$days [(0-23)$hours [(0-59)$mins]]]",
			Help: "Rollover the CA key and certificate\nOverlap time in days\nOverlap time in hours\nOverlap time in minutes",
			No:   "auto-rollover", NoHelp: "Rollover the CA key and certificate",
			Handler: unlocked(func(s *cli.Session, cs *csConfig, a parser.Args) {
				if a.Negated() || a.Default() {
					cs.rollover, cs.rollDays, cs.rollHours, cs.rollMinutes = false, 0, 0, 0
					return
				}
				cs.rollover, cs.rollDays, cs.rollHours, cs.rollMinutes = true, defRollover, 0, 0
				if a.Has("days") {
					cs.rollDays = a.Int("days")
				}
				if a.Has("hours") {
					cs.rollHours = a.Int("hours")
				}
				if a.Has("mins") {
					cs.rollMinutes = a.Int("mins")
				}
			})},
		cmd{Syntax: "cdp-url WORD$url",
			Help: "CDP to be included in the issued certificates\nCDP URL",
			No:   "cdp-url [WORD$url]", NoHelp: "CDP to be included in the issued certificates\nCDP URL",
			Handler: unlocked(func(s *cli.Session, cs *csConfig, a parser.Args) {
				cs.cdpURL = ""
				if !a.Negated() && !a.Default() {
					cs.cdpURL = a.String("url")
				}
			})},
		cmd{Syntax: "serial-number WORD$serial",
			Help: "Serial number of last certificate issued\nSerial number (hex)",
			No:   "serial-number [WORD$serial]", NoHelp: "Serial number of last certificate issued\nSerial number (hex)",
			Handler: locked(func(s *cli.Session, cs *csConfig, a parser.Args) {
				cs.serial = ""
				if !a.Negated() && !a.Default() {
					v := strings.TrimPrefix(strings.ToLower(a.String("serial")), "0x")
					if _, err := strconv.ParseUint(v, 16, 64); err != nil {
						s.Println("% Invalid serial number")
						return
					}
					cs.serial = "0x" + v
				}
			})},
		cmd{Syntax: "shutdown", Help: "Shutdown the certificate server", No: "=",
			Handler: set(func(s *cli.Session, cs *csConfig, a parser.Args) {
				if a.Negated() {
					cs.shutdown = false
					c.noShutdown(s, cs)
					return
				}
				cs.shutdown = true
				c.shutServer(s)
			})},
		cmd{Syntax: "show", Help: "Show the certificate server settings",
			Handler: func(s *cli.Session, _ parser.Args) {
				if cs, ok := s.Context().(*csConfig); ok {
					var w strings.Builder
					cs.write(&w, true)
					s.Printf("%s", w.String())
				}
			}},
	)
}

// cryptoPKIServer is `crypto pki server NAME` (enters its mode) and its no
// form (removes the server).
func (c *face) cryptoPKIServer(s *cli.Session, a parser.Args) {
	name := a.String("name")
	if a.Negated() || a.Default() {
		if c.cs == nil || c.cs.name != name {
			s.Printf("%% Certificate server %s does not exist.\n", name)
			return
		}
		if !s.Headless() && !askYesNo(s, "%Certificate server '"+name+"' and its CA certificate and keys will be removed.\nDo you want to continue? [yes/no]: ") {
			return
		}
		c.removeServer()
		c.d.MarkChanged(s.User())
		return
	}
	if c.cs != nil && c.cs.name != name {
		s.Printf("%% Only one certificate server is supported; %s is already configured.\n", c.cs.name)
		return
	}
	if c.cs == nil {
		c.cs = &csConfig{name: name}
		c.d.MarkChanged(s.User())
	}
	s.Enter(c.csMode, c.cs)
}

// writeServerConfig renders the `crypto pki server` block.
func (c *face) writeServerConfig(w *strings.Builder) {
	if c.cs == nil {
		return
	}
	fmt.Fprintf(w, "crypto pki server %s\n", c.cs.name)
	c.cs.write(w, false)
	w.WriteString("!\n")
}
