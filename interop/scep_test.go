package interop

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The seed lab's Root-CA is the seeds' certificate server from the lab's
// first start. Real SCEP clients nobody here wrote talk to it on its HTTP
// port: certmonger's scep-submit (GetCACaps, GetCACert), micromdm's
// scepclient (a whole enrolment), and openssl checks what they got: the
// issued certificate against the CA certificate, and the GetNextCACert
// answer after a rollover against the current CA certificate.

// rootCA is the seed lab's certificate server device.
func rootCA(t *testing.T) device {
	t.Helper()
	for _, d := range routers(t) {
		if d.Name == "Root-CA" {
			return d
		}
	}
	t.Fatal("the seed lab has no Root-CA")
	return device{}
}

// sshExec runs one exec command on a device through OpenSSH.
func sshExec(t *testing.T, d device, command string) string {
	t.Helper()
	sshpass := need(t, "sshpass")
	need(t, "ssh")
	args := append([]string{sshpass, "-p", "cisco", "ssh", "-p", fmt.Sprint(d.SSH)}, sshOpts...)
	args = append(args, "admin@127.0.0.1", command)
	return run(t, 30*time.Second, exec.Command(args[0], args[1:]...))
}

// fingerprintRE finds IOS's MD5 fingerprint groups.
var fingerprintRE = regexp.MustCompile(`CA cert fingerprint: ([0-9A-F]{8}) ([0-9A-F]{8}) ([0-9A-F]{8}) ([0-9A-F]{8})`)

func TestSCEPClientsEnrolWithRootCA(t *testing.T) {
	ca := rootCA(t)
	submit := need(t, "/usr/lib/certmonger/scep-submit")
	scepclient := need(t, "scepclient")
	openssl := need(t, "openssl")
	url := fmt.Sprintf("http://127.0.0.1:%d/cgi-bin/pkiclient.exe", ca.HTTP)
	dir := t.TempDir()

	caps := run(t, 30*time.Second, exec.Command(submit, "-u", url, "-c"))
	for _, c := range []string{"GetNextCACert", "Renewal", "SHA-1", "SHA-256"} {
		if !strings.Contains(caps, c) {
			t.Errorf("GetCACaps lacks %s:\n%s", c, caps)
		}
	}
	caPEM := run(t, 30*time.Second, exec.Command(submit, "-u", url, "-C"))
	if !strings.Contains(caPEM, "-----BEGIN CERTIFICATE-----") {
		t.Fatalf("GetCACert gave no certificate:\n%s", caPEM)
	}
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, []byte(caPEM[strings.Index(caPEM, "-----BEGIN"):]), 0o600); err != nil {
		t.Fatal(err)
	}
	// The certificate is the one the router shows: IOS's fingerprint is the
	// MD5 of its DER.
	fp := run(t, 10*time.Second, exec.Command(openssl, "x509", "-in", caFile, "-noout", "-fingerprint", "-md5"))
	m := fingerprintRE.FindStringSubmatch(sshExec(t, ca, "show crypto pki server"))
	if m == nil {
		t.Fatal("show crypto pki server has no CA cert fingerprint")
	}
	if got, want := strings.ToUpper(strings.NewReplacer("MD5 Fingerprint=", "", "md5 Fingerprint=", "", ":", "", "\n", "").Replace(fp)), strings.Join(m[1:], ""); got != want {
		t.Errorf("GetCACert's certificate has MD5 %s, the router shows %s", got, want)
	}

	key, cert := filepath.Join(dir, "client.key"), filepath.Join(dir, "client.pem")
	out := run(t, 60*time.Second, exec.Command(scepclient, "-server-url", url, "-private-key", key, "-certificate", cert,
		"-cn", "interop-client", "-ou", "LAB", "-organization", "iosemu", "-keySize", "1024"))
	if _, err := os.Stat(cert); err != nil {
		t.Fatalf("scepclient wrote no certificate: %v\n%s", err, out)
	}
	verify := run(t, 10*time.Second, exec.Command(openssl, "verify", "-auth_level", "0", "-CAfile", caFile, cert))
	if !strings.Contains(verify, ": OK") {
		t.Errorf("openssl verify: %s", verify)
	}
	issued := sshExec(t, ca, "show crypto pki server ROOTCA certificates")
	if !strings.Contains(issued, "cn=interop-client") {
		t.Errorf("the CA does not list the certificate it issued:\n%s", issued)
	}

	// A manual rollover: GetNextCACert now answers with the rollover CA
	// certificate, signed by the current CA.
	sshExec(t, ca, "crypto pki server ROOTCA rollover")
	defer sshExec(t, ca, "crypto pki server ROOTCA rollover cancel")
	resp, err := http.Get(url + "?operation=GetNextCACert&message=ROOTCA")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-x509-next-ca-cert" {
		t.Fatalf("GetNextCACert: %s %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	p7 := filepath.Join(dir, "next.p7")
	next := filepath.Join(dir, "next.pem")
	if err := os.WriteFile(p7, body, 0o600); err != nil {
		t.Fatal(err)
	}
	// The signature must verify with the current CA certificate's key; the
	// signer's own chain is what -noverify leaves out.
	run(t, 10*time.Second, exec.Command(openssl, "cms", "-verify", "-inform", "DER", "-in", p7, "-certfile", caFile,
		"-noverify", "-nosigs", "-certsout", next, "-out", os.DevNull))
	run(t, 10*time.Second, exec.Command(openssl, "cms", "-verify", "-inform", "DER", "-in", p7, "-certfile", caFile,
		"-CAfile", caFile, "-partial_chain", "-out", os.DevNull))
	subjects := run(t, 10*time.Second, exec.Command(openssl, "crl2pkcs7", "-nocrl", "-certfile", next))
	if !strings.Contains(subjects, "BEGIN PKCS7") {
		t.Fatalf("GetNextCACert held no certificate")
	}
	certs := sshExec(t, ca, "show crypto pki certificates")
	if !strings.Contains(certs, "CA Certificate (Rollover)") {
		t.Errorf("the router shows no rollover CA certificate:\n%s", certs)
	}
}
