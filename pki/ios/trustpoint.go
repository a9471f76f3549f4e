package ios

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/device"
	"github.com/iosemu/iosemu/parser"
	"github.com/iosemu/iosemu/pki"
)

// tpConfig is `crypto pki trustpoint NAME` as configured, in the words it
// was typed, and the certificates it holds as its chain.
type tpConfig struct {
	name string

	enrollURL     string
	enrollMode    string // "" | ra
	enrollTerm    string // "" | terminal | terminal pem
	selfSigned    bool
	retryCount    int    // 0: default
	retryPeriod   int    // minutes; 0: default
	serial        string // "" not configured | "serial-number" | "serial-number none"
	ipAddr        string // "" | A.B.C.D | INTERFACE | none
	password      string // type 7
	subject       string
	altName       string
	fqdn          string
	revocation    string // "" | crl | none | ocsp …
	keyPair       string
	keySize       int
	autoEnroll    bool
	autoPct       int // 0: not given
	regenerate    bool
	fingerprint   string
	usage         string
	chainValidate string

	// certs are the certificates a configuration's `crypto pki certificate
	// chain` gave, until the engine takes them (startTrustpoints).
	certs []chainCert

	eng *pki.Trustpoint // the engine: certificates, requests, timers
}

// write renders the trustpoint's running-config block.
func (tp *tpConfig) write(w *strings.Builder) {
	fmt.Fprintf(w, "crypto pki trustpoint %s\n", tp.name)
	line := func(format string, a ...any) { fmt.Fprintf(w, " "+format+"\n", a...) }
	if tp.enrollMode != "" {
		line("enrollment mode %s", tp.enrollMode)
	}
	switch {
	case tp.selfSigned:
		line("enrollment selfsigned")
	case tp.enrollTerm != "":
		line("enrollment %s", tp.enrollTerm)
	case tp.enrollURL != "":
		line("enrollment url %s", tp.enrollURL)
	}
	if tp.retryPeriod != 0 {
		line("enrollment retry period %d", tp.retryPeriod)
	}
	if tp.retryCount != 0 {
		line("enrollment retry count %d", tp.retryCount)
	}
	if tp.serial != "" {
		line("%s", tp.serial)
	}
	if tp.fqdn != "" {
		line("fqdn %s", tp.fqdn)
	}
	if tp.ipAddr != "" {
		line("ip-address %s", tp.ipAddr)
	}
	if tp.password != "" {
		line("password 7 %s", tp.password)
	}
	if tp.subject != "" {
		line("subject-name %s", tp.subject)
	}
	if tp.altName != "" {
		line("subject-alt-name %s", tp.altName)
	}
	if tp.revocation != "" {
		line("revocation-check %s", tp.revocation)
	}
	if tp.keyPair != "" {
		if tp.keySize != 0 {
			line("rsakeypair %s %d", tp.keyPair, tp.keySize)
		} else {
			line("rsakeypair %s", tp.keyPair)
		}
	}
	if tp.autoEnroll {
		ae := "auto-enroll"
		if tp.autoPct != 0 {
			ae += fmt.Sprintf(" %d", tp.autoPct)
		}
		if tp.regenerate {
			ae += " regenerate"
		}
		line("%s", ae)
	}
	if tp.fingerprint != "" {
		line("fingerprint %s", tp.fingerprint)
	}
	if tp.usage != "" {
		line("usage %s", tp.usage)
	}
	if tp.chainValidate != "" {
		line("chain-validation %s", tp.chainValidate)
	}
}

// chain is the certificates the trustpoint holds, as running-config lists
// them.
func (tp *tpConfig) chain() []chainCert {
	if tp.eng == nil {
		return tp.certs
	}
	var out []chainCert
	for _, cc := range tp.eng.Chain() {
		out = append(out, chainCert{
			serial:   cc.Serial,
			ca:       cc.Role == pki.RoleCA || cc.Role == pki.RoleCARollover,
			rollover: cc.Role == pki.RoleIDRollover || cc.Role == pki.RoleCARollover,
			der:      cc.Cert.Raw,
		})
	}
	return out
}

// trustpointList returns the trustpoints by name.
func (c *face) trustpointList() []*tpConfig {
	out := make([]*tpConfig, 0, len(c.tps))
	for _, n := range slices.Sorted(maps.Keys(c.tps)) {
		out = append(out, c.tps[n])
	}
	return out
}

// loadChainCert takes a certificate given back by the configuration (or
// pasted) into its trustpoint.
func (c *face) loadChainCert(s *cli.Session, tpName string, cc chainCert) {
	if c.cs != nil && tpName == c.cs.name {
		return // the server's chain is its database's
	}
	tp, ok := c.tps[tpName]
	if !ok {
		if !s.Headless() {
			s.Printf("%% Trustpoint %s does not exist.\n", tpName)
		}
		return
	}
	if !c.booting && len(tp.certs) == 0 {
		tp.certs = tp.chain()
	}
	c.dropChainCert(tpName, cc)
	tp.certs = append(tp.certs, cc)
	sort.SliceStable(tp.certs, func(i, j int) bool { return chainRank(tp.certs[i]) < chainRank(tp.certs[j]) })
	c.certsChanged(tp)
	c.d.MarkChanged(s.User())
}

// chainRank orders a chain as IOS writes it: ID, rollover ID, CA rollover,
// CA.
func chainRank(cc chainCert) int {
	switch {
	case !cc.ca && !cc.rollover:
		return 0
	case !cc.ca:
		return 1
	case cc.rollover:
		return 2
	}
	return 3
}

// dropChainCert removes a certificate of the same kind and serial.
func (c *face) dropChainCert(tpName string, cc chainCert) {
	tp, ok := c.tps[tpName]
	if !ok {
		return
	}
	kept := tp.certs[:0]
	for _, x := range tp.certs {
		if x.serial == cc.serial && x.ca == cc.ca && x.rollover == cc.rollover {
			continue
		}
		kept = append(kept, x)
	}
	tp.certs = kept
}

func (c *face) registerTrustpoint(r *cli.Registry) {
	m := cli.NewMode(r, "ca-trustpoint", "(ca-trustpoint)#", parser.Config)
	c.tpMode = m
	r.Install(parser.Config,
		cmd{Syntax: "crypto pki trustpoint WORD$name",
			Help: cli.HelpCrypto + "\nPublic Key components\nDefine a CA trustpoint\nCA trustpoint name",
			No:   "=", Priv: 15, Handler: c.cryptoPKITrustpoint},
	)
	set := func(f func(s *cli.Session, tp *tpConfig, a parser.Args, on bool)) cli.Handler {
		return func(s *cli.Session, a parser.Args) {
			tp, ok := s.Context().(*tpConfig)
			if !ok || c.tps[tp.name] != tp {
				return
			}
			f(s, tp, a, !a.Negated() && !a.Default())
			c.tpConfigChanged(tp)
			c.d.MarkChanged(s.User())
		}
	}
	str := func(field *string, v string, on bool) {
		*field = ""
		if on {
			*field = v
		}
	}
	r.Install(m,
		cmd{Syntax: "enrollment url WORD$u", Help: "Enrollment parameters\nCA server enrollment URL\nURL",
			No: "enrollment url [WORD$u]", NoHelp: "Enrollment parameters\nCA server enrollment URL\nURL",
			Handler: set(func(s *cli.Session, tp *tpConfig, a parser.Args, on bool) {
				str(&tp.enrollURL, a.String("u"), on)
				if on {
					tp.enrollTerm, tp.selfSigned = "", false
				}
			})},
		cmd{Syntax: "enrollment mode ra", Help: "Enrollment parameters\nMode supported by the Certificate Authority\nRegistration Authority mode", No: "=",
			Handler: set(func(s *cli.Session, tp *tpConfig, a parser.Args, on bool) { str(&tp.enrollMode, "ra", on) })},
		cmd{Syntax: "enrollment terminal [pem]", Help: "Enrollment parameters\nEnroll via the terminal (cut-and-paste)\nInclude PEM encapsulation boundaries", No: "enrollment terminal", NoHelp: "Enrollment parameters\nEnroll via the terminal (cut-and-paste)",
			Handler: set(func(s *cli.Session, tp *tpConfig, a parser.Args, on bool) {
				v := "terminal"
				if a.Has("pem") {
					v = "terminal pem"
				}
				str(&tp.enrollTerm, v, on)
				if on {
					tp.enrollURL, tp.selfSigned = "", false
				}
			})},
		cmd{Syntax: "enrollment selfsigned", Help: "Enrollment parameters\nGenerate a Self Signed Certificate", No: "=",
			Handler: set(func(s *cli.Session, tp *tpConfig, a parser.Args, on bool) {
				tp.selfSigned = on
				if on {
					tp.enrollURL, tp.enrollTerm = "", ""
				}
			})},
		cmd{Syntax: "enrollment retry count (1-100)$n", Help: "Enrollment parameters\nPolling parameters\nHow many times to poll CA for our certificate\nNumber of times to poll",
			No: "enrollment retry count [(1-100)$n]", NoHelp: "Enrollment parameters\nPolling parameters\nHow many times to poll CA for our certificate\nNumber of times to poll",
			Handler: set(func(s *cli.Session, tp *tpConfig, a parser.Args, on bool) {
				tp.retryCount = 0
				if on {
					tp.retryCount = a.Int("n")
				}
			})},
		cmd{Syntax: "enrollment retry period (1-60)$n", Help: "Enrollment parameters\nPolling parameters\nHow long to wait between requests to CA for our certificate\nNumber of minutes to wait",
			No: "enrollment retry period [(1-60)$n]", NoHelp: "Enrollment parameters\nPolling parameters\nHow long to wait between requests to CA for our certificate\nNumber of minutes to wait",
			Handler: set(func(s *cli.Session, tp *tpConfig, a parser.Args, on bool) {
				tp.retryPeriod = 0
				if on {
					tp.retryPeriod = a.Int("n")
				}
			})},
		cmd{Syntax: "serial-number [none]", Help: "Include serial number\nDo not include serial number", No: "serial-number", NoHelp: "Include serial number",
			Handler: set(func(s *cli.Session, tp *tpConfig, a parser.Args, on bool) {
				v := "serial-number"
				if a.Has("none") {
					v = "serial-number none"
				}
				str(&tp.serial, v, on)
			})},
		cmd{Syntax: "ip-address <A.B.C.D|none|WORD>$ip", Help: "Include IP address\nIP address\nDo not include IP address\nInterface whose address to include",
			No: "ip-address [<A.B.C.D|none|WORD>$ip]", NoHelp: "Include IP address\nIP address\nDo not include IP address\nInterface whose address to include",
			Handler: set(func(s *cli.Session, tp *tpConfig, a parser.Args, on bool) { str(&tp.ipAddr, a.String("ip"), on) })},
		cmd{Syntax: "password [<0|7>$enc] WORD$pw", Help: "Revocation password\nUnencrypted password follows\nHidden (type 7) password follows\nThe password",
			No: "password [LINE]", NoHelp: "Revocation password\nLINE",
			Handler: set(func(s *cli.Session, tp *tpConfig, a parser.Args, on bool) {
				tp.password = ""
				if !on {
					return
				}
				pw := a.String("pw")
				if a.Keyword("enc") == "7" {
					if _, ok := device.DecodeType7(pw); !ok {
						s.Println("% Invalid encrypted password")
						return
					}
					tp.password = pw
					return
				}
				tp.password = device.EncodeType7(pw)
			})},
		cmd{Syntax: "subject-name LINE$dn", Help: "Subject Name\nSubject name", No: "subject-name [LINE]", NoHelp: "Subject Name\nSubject name",
			Handler: set(func(s *cli.Session, tp *tpConfig, a parser.Args, on bool) {
				str(&tp.subject, strings.TrimSpace(a.String("dn")), on)
			})},
		cmd{Syntax: "subject-alt-name LINE$san", Help: "Subject Alternative Name\nSubject alternative name", No: "subject-alt-name [LINE]", NoHelp: "Subject Alternative Name\nSubject alternative name",
			Handler: set(func(s *cli.Session, tp *tpConfig, a parser.Args, on bool) {
				str(&tp.altName, strings.TrimSpace(a.String("san")), on)
			})},
		cmd{Syntax: "fqdn WORD$domain", Help: "Include fully-qualified domain name\nFully qualified domain name or none", No: "fqdn [WORD$domain]", NoHelp: "Include fully-qualified domain name\nFully qualified domain name or none",
			Handler: set(func(s *cli.Session, tp *tpConfig, a parser.Args, on bool) { str(&tp.fqdn, a.String("domain"), on) })},
		cmd{Syntax: "revocation-check LINE$how", Help: "Revocation checking options\ncrl, none or ocsp, in order", No: "revocation-check [LINE]", NoHelp: "Revocation checking options\ncrl, none or ocsp, in order",
			Handler: set(func(s *cli.Session, tp *tpConfig, a parser.Args, on bool) {
				v := strings.Join(strings.Fields(a.String("how")), " ")
				for _, f := range strings.Fields(v) {
					if f != "crl" && f != "none" && f != "ocsp" {
						s.Printf("%% Invalid revocation check method %s\n", f)
						return
					}
				}
				str(&tp.revocation, v, on)
			})},
		cmd{Syntax: "rsakeypair WORD$label [(360-4096)$size]", Help: "Specify rsakeypair for this identity\nKeypair label\nSize of the key to generate",
			No: "rsakeypair [WORD$label]", NoHelp: "Specify rsakeypair for this identity\nKeypair label",
			Handler: set(func(s *cli.Session, tp *tpConfig, a parser.Args, on bool) {
				str(&tp.keyPair, a.String("label"), on)
				tp.keySize = 0
				if on && a.Has("size") {
					tp.keySize = a.Int("size")
				}
			})},
		cmd{Syntax: "auto-enroll [(1-100)$pct] [regenerate]", Help: "Automatically enroll this router identity\nRenewal percentage\nGenerate a new key pair at renewal",
			No: "auto-enroll", NoHelp: "Automatically enroll this router identity",
			Handler: set(func(s *cli.Session, tp *tpConfig, a parser.Args, on bool) {
				tp.autoEnroll, tp.autoPct, tp.regenerate = on, 0, false
				if on {
					if a.Has("pct") {
						tp.autoPct = a.Int("pct")
					}
					tp.regenerate = a.Has("regenerate")
				}
			})},
		cmd{Syntax: "fingerprint WORD$fp", Help: "Expected CA certificate fingerprint\nFingerprint (MD5 or SHA1, hex)", No: "fingerprint [WORD$fp]", NoHelp: "Expected CA certificate fingerprint\nFingerprint (MD5 or SHA1, hex)",
			Handler: set(func(s *cli.Session, tp *tpConfig, a parser.Args, on bool) {
				str(&tp.fingerprint, strings.ToUpper(a.String("fp")), on)
			})},
		cmd{Syntax: "usage <ike|ssl-client|ssl-server>$u", Help: "Usage of the trustpoint\nIKE\nSSL client\nSSL server", No: "usage [<ike|ssl-client|ssl-server>$u]", NoHelp: "Usage of the trustpoint\nIKE\nSSL client\nSSL server",
			Handler: set(func(s *cli.Session, tp *tpConfig, a parser.Args, on bool) { str(&tp.usage, a.Keyword("u"), on) })},
		cmd{Syntax: "chain-validation <stop|continue>$how [WORD$parent]", Help: "Chain validation\nStop at this trustpoint\nContinue to the parent trustpoint\nParent trustpoint",
			No: "chain-validation", NoHelp: "Chain validation",
			Handler: set(func(s *cli.Session, tp *tpConfig, a parser.Args, on bool) {
				v := a.Keyword("how")
				if a.Has("parent") {
					v += " " + a.String("parent")
				}
				str(&tp.chainValidate, v, on)
			})},
	)
}

// cryptoPKITrustpoint is `crypto pki trustpoint NAME` and its no form.
func (c *face) cryptoPKITrustpoint(s *cli.Session, a parser.Args) {
	name := a.String("name")
	if a.Negated() || a.Default() {
		tp, ok := c.tps[name]
		if !ok {
			s.Printf("%% Trustpoint %s does not exist.\n", name)
			return
		}
		if !s.Headless() {
			s.Println("% Removing an enrolled trustpoint will destroy all certificates")
			s.Println(" received from the related Certificate Authority.")
			s.Println("")
			if !askYesNo(s, "Are you sure you want to do this? [yes/no]: ") {
				return
			}
			if len(tp.certs) > 0 {
				s.Println("% Be sure to ask the CA administrator to revoke your certificates.")
			}
		}
		c.removeTrustpoint(tp)
		c.d.MarkChanged(s.User())
		return
	}
	tp, ok := c.tps[name]
	if !ok {
		tp = &tpConfig{name: name}
		c.tps[name] = tp
		c.trustpointAdded(tp, s.Headless())
		c.d.MarkChanged(s.User())
	}
	s.Enter(c.tpMode, tp)
}
