package ios

import (
	"crypto/x509"
	"fmt"
	"strings"

	"github.com/iosemu/iosemu/device"
)

// printer is where a show renderer writes: a CLI session, or a buffer for
// ShowCertificates.
type printer interface {
	Printf(format string, a ...any)
	Println(a ...any)
}

// textPrinter is a printer into a string.
type textPrinter struct{ b strings.Builder }

func (p *textPrinter) Printf(format string, a ...any) { fmt.Fprintf(&p.b, format, a...) }
func (p *textPrinter) Println(a ...any)               { fmt.Fprintln(&p.b, a...) }

// ShownCert is one block of `show crypto pki certificates`: the certificate,
// its title, role and trustpoints, and the block's text as the command
// prints it.
type ShownCert struct {
	Title       string // "CA Certificate (Rollover)", "Certificate" …
	Role        CertRole
	Trustpoints []string
	Cert        *x509.Certificate
	Text        string
}

// ShowCertificates returns what `show crypto pki certificates` prints about
// each certificate the router holds, block by block in the command's order
// and from the same renderer (pending requests left out), for the lab's
// timeline. It takes the router's lock.
func ShowCertificates(d *device.Router) []ShownCert {
	v, ok := faces.Load(d)
	if !ok {
		return nil
	}
	c := v.(*face)
	d.Lock()
	defer d.Unlock()
	var out []ShownCert
	for _, cv := range c.certViews() {
		var p textPrinter
		c.writeCert(&p, cv, false)
		out = append(out, ShownCert{
			Title: cv.title, Role: roleOf(cv), Trustpoints: append([]string(nil), cv.tps...),
			Cert: cv.cert, Text: p.b.String(),
		})
	}
	return out
}

func roleOf(v certView) CertRole {
	rollover := strings.HasSuffix(v.title, "(Rollover)")
	switch {
	case v.cert.IsCA && rollover:
		return RoleCARollover
	case v.cert.IsCA:
		return RoleCA
	case rollover:
		return RoleIDRollover
	}
	return RoleID
}
