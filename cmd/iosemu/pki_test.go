package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/iosemu/iosemu/pki/scep"
)

// enrolOnce enrols a fresh key with the seed lab's Root-CA over SCEP and
// returns the certificate's serial number.
func enrolOnce(ctx context.Context, client *scep.Client, ca *x509.Certificate, key *rsa.PrivateKey, cn string) (*big.Int, error) {
	now := time.Date(2015, 10, 9, 12, 0, 0, 0, time.UTC)
	self, err := scep.SelfSigned(key, pkix.Name{CommonName: cn}, now, now.Add(24*time.Hour))
	if err != nil {
		return nil, err
	}
	csr, err := scep.NewCSR(&x509.CertificateRequest{Subject: pkix.Name{CommonName: cn}}, key, "")
	if err != nil {
		return nil, err
	}
	// A transaction of its own: the same key and transactionID would be the
	// same request again, answered with the same certificate.
	d, err := client.Enroll(ctx, &scep.Enrollment{CSR: csr, SignerCert: self, SignerKey: key, CA: ca, TransactionID: "tx-" + cn})
	if err != nil {
		return nil, err
	}
	if d.Status != scep.Success || d.Cert == nil {
		return nil, fmt.Errorf("enrolment %s: %v", cn, d.Status)
	}
	return d.Cert.SerialNumber, nil
}

// TestKillDuringEnrolmentsReusesNoSerial enrols clients in a loop, kills the
// lab with SIGKILL in the middle, and restarts it: every certificate a
// client received is in the CA's database, no serial was given twice, and
// the next certificate follows them all.
func TestKillDuringEnrolmentsReusesNoSerial(t *testing.T) {
	state := t.TempDir()
	base := freeBase(t)
	p := runLab(t, state, base, "--start", "2015-10-09T13:14:16+01:00")
	url := fmt.Sprintf("http://127.0.0.1:%d", base+201)
	client, err := scep.NewClient(url, http.DefaultClient, scep.ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cas, err := client.GetCACert(ctx, "ROOTCA")
	if err != nil || len(cas) == 0 {
		t.Fatalf("GetCACert: %v", err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	granted := map[string]bool{}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	enough := make(chan struct{})
	var once sync.Once
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				serial, err := enrolOnce(ctx, client, cas[0], key, fmt.Sprintf("client-%d-%d", w, i))
				if err != nil {
					return // the lab is gone
				}
				mu.Lock()
				if granted[serial.Text(16)] {
					t.Errorf("serial %X granted twice", serial)
				}
				granted[serial.Text(16)] = true
				if len(granted) >= 30 {
					once.Do(func() { close(enough) })
				}
				mu.Unlock()
			}
		}()
	}
	select {
	case <-enough:
	case <-time.After(60 * time.Second): // wall-clock-ok: bounds the wait for a real child process
		t.Fatal("30 enrolments did not complete")
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
	close(stop)
	wg.Wait()

	db := filepath.Join(state, "ftp", "DB", "ROOTCA")
	for s := range granted {
		if _, err := os.Stat(filepath.Join(db, strings.ToUpper(s)+".cer")); err != nil {
			t.Errorf("granted certificate %s is not in the database: %v", strings.ToUpper(s), err)
		}
	}

	runLab(t, state, base)
	after, err := enrolOnce(ctx, client, cas[0], key, "after-restart")
	if err != nil {
		t.Fatal(err)
	}
	for s := range granted {
		n, _ := new(big.Int).SetString(s, 16)
		if after.Cmp(n) <= 0 {
			t.Errorf("after the restart the CA issued serial %X, not above %X which it had granted", after, n)
		}
	}
}

// TestKillDuringAJumpThenJumpAgain kills the lab with SIGKILL in the middle
// of a four-year jump: after a restart every spoke still holds its
// certificates, keys and timers, and the jump can be made again.
func TestKillDuringAJumpThenJumpAgain(t *testing.T) {
	state := t.TempDir()
	base := freeBase(t)
	p := runLab(t, state, base, "--start", "2015-10-09T13:14:16+01:00")
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = runCtl(base, "clock", "advance", "1461d")
	}()
	// Let the jump get well under way, past the first renewals: the lab's
	// clock is read through the control API until it is in 2016.
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(60 * time.Second) // wall-clock-ok: bounds the wait for a real child process
	for !strings.Contains(runCtl(base, "clock"), "2016-") {
		select {
		case <-tick.C:
		case <-timeout:
			t.Fatal("the jump did not reach 2016")
		}
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
	<-done

	runLab(t, state, base)
	for i := 2; i <= 5; i++ {
		port := base + i
		certs := sshExec(t, port, "show crypto pki certificates", nil)
		if !strings.Contains(certs, "Certificate\n  Status: Available") || !strings.Contains(certs, "CA Certificate") {
			t.Errorf("spoke %d lost its certificates:\n%s", i-1, certs)
		}
		if keys := sshExec(t, port, "show crypto key mypubkey rsa", nil); !strings.Contains(keys, fmt.Sprintf("Key name: spoke-%d-RSA", i-1)) {
			t.Errorf("spoke %d lost its key pair:\n%s", i-1, keys)
		}
		if timers := sshExec(t, port, "show crypto pki timers", nil); !strings.Contains(timers, "Root-CA") {
			t.Errorf("spoke %d has no PKI timers:\n%s", i-1, timers)
		}
	}
	ctl(t, base, "clock", "advance", "1461d")
	for i := 2; i <= 5; i++ {
		certs := sshExec(t, base+i, "show crypto pki certificates", nil)
		if !strings.Contains(certs, "Certificate\n  Status: Available") {
			t.Errorf("spoke %d holds no certificate after the second jump:\n%s", i-1, certs)
		}
	}
}

// runCtl runs iosemu ctl and returns its output, errors included.
func runCtl(base int, args ...string) string {
	out, _ := exec.Command(binary, append([]string{"ctl", "--base-port", fmt.Sprint(base)}, args...)...).CombinedOutput()
	return string(out)
}
