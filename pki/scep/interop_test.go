package scep

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Interoperability with SCEP clients nobody here wrote, against the server
// on a 127.0.0.1 port: certmonger's scep-submit (GetCACaps, GetCACert) and
// micromdm's scepclient (Debian package scep) enrolling, the issued
// certificate checked by openssl verify. A missing program skips the test
// locally and fails it when CI is set.

func needProg(t *testing.T, prog string) string {
	t.Helper()
	p, err := exec.LookPath(prog)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not installed: %v", prog, err)
		}
		t.Skipf("%s not installed: %v", prog, err)
	}
	return p
}

// runProg runs a program and returns its combined output; a non-zero exit
// fails the test.
func runProg(t *testing.T, name string, args ...string) string {
	t.Helper()
	// wall-clock-ok: a deadline on an external program, not device time.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.WaitDelay = 2 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func writePEM(t *testing.T, path string, certs ...*x509.Certificate) {
	t.Helper()
	var b []byte
	for _, c := range certs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestInteropCertmonger(t *testing.T) {
	prog := "/usr/lib/certmonger/scep-submit"
	if _, err := os.Stat(prog); err != nil {
		needProg(t, prog)
	}
	for _, md5CA := range []bool{false, true} {
		ca := newTestCA(t, md5CA)
		srv := httptest.NewServer(NewServer(ca, Options{}))
		defer srv.Close()
		url := srv.URL + "/cgi-bin/pkiclient.exe"

		caps := runProg(t, prog, "-u", url, "-c")
		for _, c := range ca.caps {
			if !strings.Contains(caps, c) {
				t.Errorf("scep-submit -c: no %q in\n%s", c, caps)
			}
		}
		out := runProg(t, prog, "-u", url, "-C")
		block, _ := pem.Decode([]byte(out[strings.Index(out, "-----BEGIN"):]))
		if block == nil {
			t.Fatalf("scep-submit -C printed no PEM:\n%s", out)
		}
		if got, err := x509.ParseCertificate(block.Bytes); err != nil || !got.Equal(ca.cert) {
			t.Errorf("scep-submit -C printed another certificate (%v):\n%s", err, out)
		}
	}
}

func TestInteropScepclient(t *testing.T) {
	prog := needProg(t, "scepclient")
	openssl := needProg(t, "openssl")
	for _, md5CA := range []bool{false, true} {
		ca := newTestCA(t, md5CA)
		srv := httptest.NewServer(NewServer(ca, Options{}))
		defer srv.Close()
		dir := t.TempDir()
		certPath := filepath.Join(dir, "spoke.pem")
		runProg(t, prog, "-server-url", srv.URL+"/cgi-bin/pkiclient.exe",
			"-private-key", filepath.Join(dir, "spoke.key"), "-certificate", certPath,
			"-cn", "spoke-9.cisco.com", "-challenge", "cisco123", "-keySize", "1024")
		if ca.calls.Load() != 1 || len(ca.requests) != 1 {
			t.Fatalf("scepclient: the Authority saw %d requests", ca.calls.Load())
		}
		req := ca.requests[0]
		if req.ChallengePassword != "cisco123" || req.CSR.Subject.CommonName != "spoke-9.cisco.com" || req.Type != PKCSReq {
			t.Errorf("scepclient: the Authority saw type %v challenge %q CN %q", req.Type, req.ChallengePassword, req.CSR.Subject.CommonName)
		}
		b, err := os.ReadFile(certPath)
		if err != nil {
			t.Fatal(err)
		}
		block, _ := pem.Decode(b)
		if block == nil {
			t.Fatalf("scepclient wrote no PEM certificate:\n%s", b)
		}
		got, err := x509.ParseCertificate(block.Bytes)
		if err != nil || !got.Equal(ca.issued[req.TransactionID]) {
			t.Fatalf("scepclient stored another certificate than the one issued (%v)", err)
		}
		caPath := filepath.Join(dir, "ca.pem")
		writePEM(t, caPath, ca.cert)
		// The test CA lives in 2015: verify at a time inside its validity.
		args := []string{"verify", "-attime", strconv.FormatInt(t0.Add(24*time.Hour).Unix(), 10), "-CAfile", caPath}
		if md5CA {
			args = append(args, "-auth_level", "0") // OpenSSL 3 refuses MD5 otherwise
		}
		if out := runProg(t, openssl, append(args, certPath)...); !strings.Contains(out, ": OK") {
			t.Errorf("openssl verify: %s", out)
		}
	}
}
