package pki_test

import (
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iosemu/iosemu/pki"
)

// openssl returns the path of the openssl program: missing, it skips the
// test locally and fails it in CI (as interop/ does).
func openssl(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("openssl not installed: %v", err)
		}
		t.Skipf("openssl not installed: %v", err)
	}
	return p
}

func writePEM(t *testing.T, dir, name, typ string, der []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func runOpenSSL(t *testing.T, prog string, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command(prog, args...).CombinedOutput()
	return string(out), err
}

// TestOpenSSLAcceptsIssuedCert: openssl verifies a certificate the seeds' CA
// (md5WithRSA) issued, the CRL the server signed, and decrypts the archive.
func TestOpenSSLAcceptsIssuedCert(t *testing.T) {
	prog := openssl(t)
	r := newRig(at(2015, 10, 9, 13, 14, 16))
	cfg := seedsConfig()
	cfg.Hash = pki.MD5 // `hash md5`: the issued cert is md5WithRSA too
	s := r.server(t, cfg)
	if err := s.Enable(""); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(time.Hour)
	res := enroll(t, s, pki.EnrollRequest{CSR: csr(t, "cn=spoke-1.cisco.com,ou=CVO"), TransactionID: "1"})
	if res.Status != pki.StatusGranted || res.Cert.SignatureAlgorithm.String() != "MD5-RSA" {
		t.Fatalf("%+v", res)
	}
	dir := t.TempDir()
	ca := writePEM(t, dir, "ca.pem", "CERTIFICATE", s.CACert().Raw)
	leaf := writePEM(t, dir, "leaf.pem", "CERTIFICATE", res.Cert.Raw)
	attime := strconv.FormatInt(r.clock.Now().Unix(), 10)
	if out, err := runOpenSSL(t, prog, "verify", "-auth_level", "0", "-attime", attime, "-CAfile", ca, leaf); err != nil || !strings.Contains(out, ": OK") {
		t.Fatalf("openssl verify: %v\n%s", err, out)
	}
	// The same certificate with one signature bit flipped fails: openssl
	// really checked the MD5 signature.
	bad := append([]byte(nil), res.Cert.Raw...)
	bad[len(bad)-1] ^= 1
	badLeaf := writePEM(t, dir, "bad.pem", "CERTIFICATE", bad)
	if out, err := runOpenSSL(t, prog, "verify", "-auth_level", "0", "-attime", attime, "-CAfile", ca, badLeaf); err == nil {
		t.Errorf("openssl accepted a broken MD5 signature:\n%s", out)
	}

	if err := s.Revoke(res.Cert.SerialNumber); err != nil {
		t.Fatal(err)
	}
	crl := writePEM(t, dir, "crl.pem", "X509 CRL", s.CRL().DER)
	out, err := runOpenSSL(t, prog, "verify", "-auth_level", "0", "-attime", attime, "-crl_check", "-CRLfile", crl, "-CAfile", ca, leaf)
	if err == nil || !strings.Contains(out, "certificate revoked") {
		t.Errorf("openssl verify -crl_check after revoke: %v\n%s", err, out)
	}
	if out, err := runOpenSSL(t, prog, "crl", "-in", crl, "-noout", "-CAfile", ca, "-verify"); err != nil || !strings.Contains(out, "verify OK") {
		t.Errorf("openssl crl -verify: %v\n%s", err, out)
	}

	p12, err := r.store.ReadFile("ftp://10.1.1.1/DB/ROOTCA/ROOTCA.p12")
	if err != nil {
		t.Fatal(err)
	}
	p12Path := filepath.Join(dir, "ROOTCA.p12")
	if err := os.WriteFile(p12Path, p12, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := runOpenSSL(t, prog, "pkcs12", "-in", p12Path, "-passin", "pass:cisco123", "-nodes", "-out", filepath.Join(dir, "out.pem")); err != nil {
		t.Errorf("openssl pkcs12: %v\n%s", err, out)
	}
	if out, err := runOpenSSL(t, prog, "pkcs12", "-in", p12Path, "-passin", "pass:wrong", "-nodes", "-out", filepath.Join(dir, "out2.pem")); err == nil {
		t.Errorf("openssl pkcs12 accepted a wrong password:\n%s", out)
	}
}
