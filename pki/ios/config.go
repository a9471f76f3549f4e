package ios

import (
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/parser"
	"github.com/iosemu/iosemu/pki"
)

// The PKI's parts of the configuration: the certificate server, the
// trustpoints, and the certificate chains (the certificates each trustpoint
// holds, in IOS hex, which is how IOS keeps them across a reload); and in
// private-config, the key pairs.

// chainCert is one certificate of a `crypto pki certificate chain` block.
type chainCert struct {
	serial   string // as IOS writes it: "01", "6A"
	ca       bool
	rollover bool
	der      []byte
}

// kind is the words between "certificate" and the serial.
func (cc chainCert) keyword() string {
	switch {
	case cc.ca && cc.rollover:
		return "ca rollover "
	case cc.ca:
		return "ca "
	case cc.rollover:
		return "rollover "
	}
	return ""
}

// writeConfig writes the PKI's running-config sections.
func (c *face) writeConfig(w *strings.Builder) {
	c.writeServerConfig(w)
	for _, tp := range c.trustpointList() {
		tp.write(w)
		w.WriteString("!\n")
	}
	chains := c.chains()
	if len(chains) > 0 {
		w.WriteString("!\n")
	}
	for _, ch := range chains {
		fmt.Fprintf(w, "crypto pki certificate chain %s\n", ch.tp)
		for _, cc := range ch.certs {
			fmt.Fprintf(w, " certificate %s%s\n", cc.keyword(), cc.serial)
			for _, l := range pki.IOSHex(cc.der) {
				fmt.Fprintf(w, "  %s\n", l)
			}
			w.WriteString("  \tquit\n")
		}
	}
}

// writePrivate writes the key pairs into private-config; once written they
// are stored there (show crypto key: "Storage Device: private-config").
func (c *face) writePrivate(w *strings.Builder) {
	b, err := c.keys.MarshalBinary()
	if err != nil {
		c.log.Error("keys not saved", "device", c.d.Name(), "err", err)
		return
	}
	w.Write(b)
	c.keys.MarkSaved()
}

// chain is the certificates of one trustpoint, in IOS's order: the
// identity certificate, then the CA certificate; rollover ones first.
type chain struct {
	tp    string
	certs []chainCert
}

// chains are the certificate chains running-config shows, by trustpoint.
func (c *face) chains() []chain {
	var out []chain
	if cs := c.cs; cs != nil {
		if srv := c.srv.Load(); srv != nil && srv.CACert() != nil {
			ch := chain{tp: cs.name}
			if r := srv.RolloverCert(); r != nil {
				ch.certs = append(ch.certs, chainCert{serial: serialHex(r), ca: true, rollover: true, der: r.Raw})
			}
			ch.certs = append(ch.certs, chainCert{serial: serialHex(srv.CACert()), ca: true, der: srv.CACert().Raw})
			out = append(out, ch)
		}
	}
	for _, tp := range c.trustpointList() {
		if c.cs != nil && tp.name == c.cs.name {
			continue
		}
		if certs := tp.chain(); len(certs) > 0 {
			out = append(out, chain{tp: tp.name, certs: certs})
		}
	}
	return out
}

// registerChain declares `crypto pki certificate chain TP` and its
// `certificate [ca] [rollover] SERIAL` entries, whose hex lines are taken
// until `quit`: how a saved configuration gives the certificates back.
func (c *face) registerChain(r *cli.Registry) {
	m := cli.NewMode(r, "config-cert-chain", "(config-cert-chain)#", parser.Config)
	r.Install(parser.Config,
		cmd{Syntax: "crypto pki certificate chain WORD$tp",
			Help: cli.HelpCrypto + "\nPublic Key components\nActions on certificates\nCertificate chain for a trustpoint\nTrustpoint name",
			Priv: 15, Handler: func(s *cli.Session, a parser.Args) {
				s.Enter(m, a.String("tp"))
			}},
	)
	r.Install(m,
		cmd{Syntax: "certificate [ca] [rollover] WORD$serial",
			Help: "Certificate issued by the CA\nCA certificate\nRollover certificate\nSerial number",
			No:   "certificate [ca] [rollover] WORD$serial", NoHelp: "Certificate issued by the CA\nCA certificate\nRollover certificate\nSerial number",
			Handler: func(s *cli.Session, a parser.Args) {
				tp, _ := s.Context().(string)
				cc := chainCert{serial: strings.ToUpper(a.String("serial")), ca: a.Has("ca"), rollover: a.Has("rollover")}
				if a.Negated() || a.Default() {
					c.dropChainCert(tp, cc)
					c.d.MarkChanged(s.User())
					return
				}
				if !s.Headless() {
					s.Println("Enter the certificate in hexidecimal representation....")
				}
				var text strings.Builder
				s.Collect(func(line string) bool {
					if strings.TrimSpace(line) == "quit" {
						der, err := pki.ParseIOSHex(text.String())
						if err != nil {
							s.Println("% Invalid certificate data")
							return true
						}
						cc.der = der
						c.loadChainCert(s, tp, cc)
						return true
					}
					text.WriteString(line)
					text.WriteString("\n")
					return false
				})
			}},
	)
}

// serialHex is a certificate's serial number as IOS writes it in a chain:
// upper-case hex, an even number of digits.
func serialHex(cert *x509.Certificate) string {
	b := cert.SerialNumber.Bytes()
	if len(b) == 0 {
		return "00"
	}
	return strings.ToUpper(hex.EncodeToString(b))
}
