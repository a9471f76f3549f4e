//go:debug rsa1024min=0

package ios_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/clock"
	"github.com/iosemu/iosemu/device"
	"github.com/iosemu/iosemu/pki/ios"
	"github.com/iosemu/iosemu/platforms"
)

var start = time.Date(2015, 10, 9, 13, 14, 16, 0, time.FixedZone("CET", 3600))

const baseConfig = `hostname R1
clock timezone CET 1 0
username admin privilege 15 secret cisco
interface GigabitEthernet0/0
 ip address 10.0.0.1 255.255.255.0
 no shutdown
`

// newRouter is an ISR G2 with the PKI on a frozen lab clock.
func newRouter(t testing.TB, dir, extra string) *device.Router {
	t.Helper()
	p, err := platforms.Lookup("ISR-G2")
	if err != nil {
		t.Fatal(err)
	}
	r, err := device.New(device.Options{
		Name: "R1", Platform: p, Lab: clock.NewFake(start), Dir: dir,
		Initial: baseConfig + extra, Features: []device.Feature{ios.Feature{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

type screen struct {
	*strings.Reader
	strings.Builder
}

// session types lines on r as admin and returns the screen.
func session(r *device.Router, lines ...string) string {
	sc := &screen{Reader: strings.NewReader(strings.Join(append([]string{"terminal length 0"}, lines...), "\r") + "\r")}
	cli.New(r, cli.Conn{RW: sc, User: "admin", Close: func() error { return nil }}).Serve(context.Background())
	return strings.ReplaceAll(sc.String(), "\r", "")
}

func wants(t *testing.T, out string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(out, s) {
			t.Errorf("lacks %q:\n%s", s, out)
		}
	}
}

func TestKeyGenerationDialogs(t *testing.T) {
	dir := t.TempDir()
	r := newRouter(t, dir, "")
	out := session(r, "configure terminal", "crypto key generate rsa")
	wants(t, out, "% Please define a domain-name first.")

	out = session(r, "configure terminal", "ip domain name example.com", "crypto key generate rsa", "1024", "end",
		"show crypto key mypubkey rsa")
	wants(t, out,
		"The name for the keys will be: R1.example.com\n",
		"Choose the size of the key modulus in the range of 360 to 4096 for your\n  General Purpose Keys. Choosing a key modulus greater than 512 may take\n  a few minutes.\n\nHow many bits in the modulus [512]: ",
		"% Generating 1024 bit RSA keys, keys will be non-exportable...\n[OK] (elapsed time was 0 seconds)\n",
		"Key name: R1.example.com\nKey type: RSA KEYS\n Storage Device: not specified\n Usage: General Purpose Key\n Key is not exportable.\n Key Data:\n  30819F30 0D06092A 864886F7 0D010101 05000381 8D003081 89028181 00")

	wants(t, session(r, "show logging"), "%SSH-5-ENABLED: SSH 1.99 has been enabled")
	out = session(r, "configure terminal", "crypto key generate rsa", "no", "crypto key generate rsa label R1.example.com modulus 512 exportable", "end")
	wants(t, out,
		"% You already have RSA keys defined named R1.example.com.\n% Do you really want to replace them? [yes/no]: no",
		"% You already have RSA keys defined named R1.example.com.\n% They will be replaced.\n\n% The key modulus size is 512 bits\n% Generating 512 bit RSA keys, keys will be exportable...")

	// Saved, the key is in private-config, readable by the owner only, and
	// comes back after a reload.
	wants(t, session(r, "write memory", "show crypto key mypubkey rsa"), "Storage Device: private-config", "Key is exportable.")
	fi, err := os.Stat(filepath.Join(dir, "nvram", "private-config"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("private-config: %v, %v", fi, err)
	}
	if err := r.Reload("Reload Command"); err != nil {
		t.Fatal(err)
	}
	<-r.Ready()
	wants(t, session(r, "show crypto key mypubkey rsa"), "Key name: R1.example.com", "Storage Device: private-config")

	out = session(r, "configure terminal", "crypto key zeroize rsa", "yes", "end", "show crypto key mypubkey rsa")
	wants(t, out, "% All keys will be removed.\n% All router certs issued using these keys will also be removed.\nDo you really want to remove these keys? [yes/no]: yes")
	if strings.Contains(out, "Key name:") {
		t.Errorf("keys left after zeroize:\n%s", out)
	}
}

func TestCertificateServerNeedsHTTPAndAnAuthoritativeClock(t *testing.T) {
	r := newRouter(t, t.TempDir(), "ip domain name example.com\n")
	// No authoritative clock: IOS starts no PKI.
	out := session(r, "configure terminal", "crypto pki server CA", "database archive pkcs12 password cisco123", "no shutdown", "end")
	wants(t, out, "% Time has not been set. Cannot start the Certificate server.")
	wants(t, session(r, "show logging"), "%PKI-2-NON_AUTHORITATIVE_CLOCK")

	// An authoritative clock but no HTTP server: the CA exists, its state
	// is "check failed", and the server starts with `ip http server`.
	out = session(r, "configure terminal", "clock calendar-valid", "crypto pki server CA", "no shutdown", "show", "end", "show crypto pki server")
	wants(t, out,
		"%Some server settings cannot be changed after CA certificate generation.\n% Generating 1024 bit RSA keys, keys will be non-exportable...",
		"% Exporting Certificate Server signing certificate and keys...",
		" database level minimum\n database archive pkcs12 password 7 ",
		" issuer-name CN=CA\n lifetime crl 6\n lifetime certificate 365\n lifetime ca-certificate 1095\n lifetime enrollment-request 168\n",
		"Certificate Server CA:\n    Status: disabled, HTTP Server is disabled\n    State: check failed\n    Server's configuration is locked  (enter \"shut\" to unlock it)\n    Issuer name: CN=CA\n    CA cert fingerprint: ",
		"    Granting mode is: manual\n    Last certificate issued serial number (hex): 1\n    CA certificate expiration timer: 13:14:16 CET Oct 8 2018\n    CRL NextUpdate timer: 19:14:16 CET Oct 9 2015\n    Current primary storage dir: nvram:\n    Database Level: Minimum - no cert data written to storage\n")
	if strings.Contains(out, "% Certificate Server enabled.") || strings.Contains(session(r, "show logging"), "CS_ENABLED") {
		t.Errorf("the server claims to be enabled without an HTTP server:\n%s", out)
	}
	out = session(r, "configure terminal", "ip http server", "end", "show logging | include CS_ENABLED", "show crypto pki server")
	wants(t, out, "%PKI-6-CS_ENABLED: Certificate server now enabled.", "    Status: enabled\n    State: enabled\n")

	// The configuration is locked while the server runs.
	out = session(r, "configure terminal", "crypto pki server CA", "issuer-name CN=Other", "lifetime ca-certificate 10", "grant auto", "end")
	wants(t, out, "% Server's configuration is locked (enter \"shut\" to unlock it)",
		"%Some server settings cannot be changed after CA certificate generation.")
	wants(t, session(r, "show logging"), "%PKI-6-CS_GRANT_AUTO: All enrollment requests will be automatically granted.")
	out = session(r, "show running-config | section crypto pki server")
	wants(t, out, "crypto pki server CA\n database archive pkcs12 password 7 ", " grant auto\n")
	if strings.Contains(out, "CN=Other") || strings.Contains(out, "lifetime ca-certificate") {
		t.Errorf("a locked setting changed:\n%s", out)
	}
	// The CA's own trustpoint and its chain are in running-config.
	wants(t, session(r, "show running-config | begin crypto pki trustpoint"),
		"crypto pki trustpoint CA\n revocation-check crl\n rsakeypair CA\n",
		"crypto pki certificate chain CA\n certificate ca 01\n  30820")

	// Shut, the server is disabled and says so.
	out = session(r, "configure terminal", "crypto pki server CA", "shutdown", "end", "show crypto pki server", "show logging | include CS_DISABLED")
	wants(t, out, "    Status: disabled\n    State: disabled\n", "%PKI-6-CS_DISABLED: Certificate server now disabled.")
}

func TestCertificateServerComesBackAfterAReload(t *testing.T) {
	dir := t.TempDir()
	r := newRouter(t, dir, "ip domain name example.com\nclock calendar-valid\nip http server\n")
	out := session(r, "configure terminal", "crypto pki server CA", "database level complete", "no shutdown", "cisco123", "cisco123", "end", "write memory")
	wants(t, out, "% Please enter a passphrase to protect the private key\n% or type Return to exit\nPassword: \n", "Re-enter password: \n", "% Certificate Server enabled.")
	before := session(r, "show crypto pki server")
	if err := r.Reload("Reload Command"); err != nil {
		t.Fatal(err)
	}
	<-r.Ready()
	after := session(r, "show crypto pki server", "show crypto pki timers")
	fp := func(s string) string {
		i := strings.Index(s, "CA cert fingerprint: ")
		if i < 0 {
			return ""
		}
		return s[i : i+60]
	}
	if fp(before) == "" || fp(before) != fp(after) {
		t.Errorf("the CA certificate changed across a reload:\n%s\n%s", before, after)
	}
	wants(t, after, "    Status: enabled", "CS CRL UPDATE", "CS CERT EXPIRE")
	// The database is real files, the archive readable by the owner only.
	err := filepath.WalkDir(filepath.Join(dir, "nvram"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".p12") {
			fi, _ := d.Info()
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("%s has mode %v", p, fi.Mode().Perm())
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	listing := session(r, "dir nvram:")
	wants(t, listing, "CA.ser", "CA.crl", "CA.p12")
	for _, l := range strings.Split(listing, "\n") {
		switch {
		case strings.HasSuffix(l, "CA.ser") && !strings.Contains(l, "-rw-"),
			strings.HasSuffix(l, "CA.p12") && !strings.Contains(l, "----"):
			t.Errorf("dir nvram: %q", l)
		}
	}
}
