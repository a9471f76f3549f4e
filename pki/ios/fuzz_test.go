package ios_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/iosemu/iosemu/cli"
)

// FuzzPKISession types random PKI configuration and exec lines into a
// router with the PKI: whatever the order (a chain pasted before its
// trustpoint, a revoke on a disabled server, garbage hex), the session
// neither panics nor hangs.
func FuzzPKISession(f *testing.F) {
	for _, seed := range []string{
		"conf t\nclock calendar-valid\nip http server\ncrypto pki server CA\nno shut\ncisco123\ncisco123\nend\nshow crypto pki server CA requests\n",
		"conf t\ncrypto pki certificate chain X\ncertificate ca 01\nZZZZ 1234\nquit\nend\nshow crypto pki certificates\n",
		"crypto pki server CA revoke 0xZZ\ncrypto pki server CA grant 0\ncrypto pki server CA rollover cancel\n",
		"conf t\ncrypto pki trustpoint T\nenrollment url http://10.0.0.9:80\nrevocation-check crl none\nexit\ncrypto pki authenticate T\ncrypto pki enroll T\n\n\nno crypto pki trustpoint T\nyes\nend\n",
		"conf t\nip domain name x.y\ncrypto key generate rsa\n9999\n100\n1024\ncrypto key zeroize rsa\nyes\nend\nshow crypto key mypubkey rsa x\n",
		"conf t\ncrypto pki server A\nno crypto pki server A\nyes\ncrypto pki server B\nlifetime ca-certificate 1\nauto-rollover 0 0 1\nno shutdown\nx\nx\nend\nshow crypto pki timers\n",
		"conf t\ncrypto pki trustpoint S\nenrollment selfsigned\nexit\ncrypto pki enroll S\nend\nshow crypto pki trustpoints status\n",
		"conf t\ncrypto pki trustpoint P\nenrollment terminal pem\nexit\ncrypto pki authenticate P\n-----BEGIN CERTIFICATE-----\nAAAA\nquit\ncrypto pki import P certificate\nnonsense\n\nend\n",
	} {
		f.Add(seed)
	}
	r := newRouter(f, f.TempDir(), "ip domain name example.com\n")
	f.Fuzz(func(t *testing.T, input string) {
		before := cli.Panics()
		defer func() {
			if cli.Panics() != before {
				t.Fatalf("a command panicked on input %q (the session recovered; its stack is on standard error)", input)
			}
		}()
		sc := &screen{Reader: strings.NewReader(strings.ReplaceAll(input, "\n", "\r") + "\r")}
		done := make(chan struct{})
		go func() {
			defer close(done)
			cli.New(r, cli.Conn{RW: sc, User: "admin", Close: func() error { return nil }}).Serve(context.Background())
		}()
		select {
		case <-done:
		case <-time.After(20 * time.Second): // wall-clock-ok: a session that never ends is the failure
			t.Fatalf("the session did not end on input %q", input)
		}
	})
}
