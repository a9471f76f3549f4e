package ios

import (
	"crypto/x509"
	"strings"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/parser"
	"github.com/iosemu/iosemu/pki"
)

// trustpointCertViews are the certificates a trustpoint holds.
func (c *face) trustpointCertViews(tp *tpConfig) []certView {
	if tp.eng == nil {
		return nil
	}
	st := tp.eng.State()
	var out []certView
	add := func(title string, cert *x509.Certificate, key string) {
		if cert != nil {
			out = append(out, certView{title: title, cert: cert, tps: []string{tp.name}, status: "Available", keyLabel: key})
		}
	}
	add("Certificate (Rollover)", st.IDRollover, st.ShadowKeyLabel)
	add("Certificate", st.ID, st.KeyLabel)
	add("CA Certificate (Rollover)", st.CARollover, "")
	add("CA Certificate", st.CA, "")
	return out
}

// keyLabelOf is the key pair a trustpoint uses: its rsakeypair, else the
// router's default key.
func (c *face) keyLabelOf(tp *tpConfig) string {
	if tp.eng != nil {
		return tp.eng.KeyLabel()
	}
	if tp.keyPair != "" {
		return tp.keyPair
	}
	if l, ok := c.defaultKeyLabel(); ok {
		return l
	}
	return tp.name
}

// caCertOf is a trustpoint's active CA certificate.
func (c *face) caCertOf(tp *tpConfig) *x509.Certificate {
	if tp.eng == nil {
		return nil
	}
	return tp.eng.State().CA
}

// idCertOf is a trustpoint's active identity certificate.
func (c *face) idCertOf(tp *tpConfig) *x509.Certificate {
	if tp.eng == nil {
		return nil
	}
	return tp.eng.State().ID
}

func (c *face) showTrustpoints(s *cli.Session, a parser.Args) {
	status := a.Has("status")
	type row struct {
		name string
		ca   *x509.Certificate
		id   *x509.Certificate
		key  string
	}
	var rows []row
	if cs := c.cs; cs != nil {
		if srv := c.srv.Load(); srv != nil && srv.CACert() != nil {
			rows = append(rows, row{name: cs.name, ca: srv.CACert(), key: cs.name})
		}
	}
	for _, tp := range c.trustpointList() {
		if c.cs != nil && tp.name == c.cs.name {
			continue
		}
		rows = append(rows, row{name: tp.name, ca: c.caCertOf(tp), id: c.idCertOf(tp), key: c.keyLabelOf(tp)})
	}
	for _, r := range rows {
		s.Printf("Trustpoint %s:\n", r.name)
		if !status {
			if r.ca == nil {
				s.Println("    Not authenticated.")
			} else {
				subj, _ := pki.ParseName(r.ca.RawSubject)
				s.Println("    Subject Name: ")
				for _, l := range subj.Lines() {
					s.Printf("    %s\n", l)
				}
				s.Printf("          Serial Number (hex): %s\n", hexSerial(r.ca.SerialNumber))
				s.Println("    Certificate configured.")
			}
			s.Println("")
			s.Println("")
			continue
		}
		yes := func(b bool) string {
			if b {
				return "Yes"
			}
			return "No"
		}
		if r.ca != nil {
			subj, _ := pki.ParseName(r.ca.RawSubject)
			s.Println("  Issuing CA certificate configured:")
			s.Println("    Subject Name:")
			s.Printf("     %s\n", strings.Join(subj.Lines(), ","))
			s.Printf("    Fingerprint MD5: %s \n", pki.FingerprintMD5(r.ca.Raw))
			s.Printf("    Fingerprint SHA1: %s \n", pki.FingerprintSHA1(r.ca.Raw))
		}
		if r.id != nil {
			subj, _ := pki.ParseName(r.id.RawSubject)
			s.Println("  Router General Purpose certificate configured:")
			s.Println("    Subject Name:")
			s.Printf("     %s\n", strings.Join(subj.Lines(), ","))
			s.Printf("    Fingerprint MD5: %s \n", pki.FingerprintMD5(r.id.Raw))
			s.Printf("    Fingerprint SHA1: %s \n", pki.FingerprintSHA1(r.id.Raw))
		}
		k, haveKey := c.keys.Get(r.key)
		s.Println("  State:")
		if haveKey {
			exp := "non-exportable"
			if k.Exportable {
				exp = "exportable"
			}
			s.Printf("    Keys generated ............. Yes (General Purpose, %s)\n", exp)
		} else {
			s.Println("    Keys generated ............. No")
		}
		s.Printf("    Issuing CA authenticated ....... %s\n", yes(r.ca != nil))
		s.Printf("    Certificate request(s) ..... %s\n", yes(r.id != nil || r.name == c.csName()))
		s.Println("")
	}
}

func (c *face) csName() string {
	if c.cs == nil {
		return ""
	}
	return c.cs.name
}

// showPending renders the trustpoints' pending enrolment requests, as the
// captures show them:
//
//	Certificate
//	  Subject:
//	    Name: R15.otus.ru
//	    Serial Number: 67109104
//	   Status: Pending
//	   Key Usage: General Purpose
//	   Certificate Request Fingerprint MD5: 2EDBC8C4 D2571528 7AAEDDE6 16585A93
//	   Certificate Request Fingerprint SHA1: 087B82E3 …
//	   Associated Trustpoint: R12CA
func (c *face) showPending(s *cli.Session, only string, verbose bool) {
	for _, tp := range c.trustpointList() {
		if tp.eng == nil || (only != "" && tp.name != only) {
			continue
		}
		p := tp.eng.State().Pending
		if p == nil {
			continue
		}
		s.Println("")
		s.Println("Certificate")
		s.Println("  Subject:")
		if subj, err := tp.eng.RequestSubject(pki.EnrollOptions{}); err == nil {
			if n, ok := subj.Subject.Find(oidUnstructuredName); ok {
				s.Printf("    Name: %s\n", n)
			}
			if ip, ok := subj.Subject.Find(oidUnstructuredAddress); ok {
				s.Printf("    IP Address: %s\n", ip)
			}
			if sn, ok := subj.Subject.Find(oidSerialNumber); ok {
				s.Printf("    Serial Number: %s\n", sn)
			}
		}
		s.Println("   Status: Pending")
		s.Println("   Key Usage: General Purpose")
		s.Printf("   Certificate Request Fingerprint MD5: %s \n", p.FingerprintMD5)
		s.Printf("   Certificate Request Fingerprint SHA1: %s \n", p.FingerprintSHA1)
		s.Printf("   Associated Trustpoint: %s \n", tp.name)
	}
}
