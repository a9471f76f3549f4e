package transport

import (
	"bytes"
	"crypto/rsa"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

func TestLoadOrCreateHostKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ssh_host_rsa_key")

	first, err := LoadOrCreateHostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if typ := first.PublicKey().Type(); typ != ssh.KeyAlgoRSA {
		t.Errorf("key type %s, want %s", typ, ssh.KeyAlgoRSA)
	}
	ck, ok := first.PublicKey().(ssh.CryptoPublicKey)
	if !ok {
		t.Fatal("not a crypto public key")
	}
	if bits := ck.CryptoPublicKey().(*rsa.PublicKey).N.BitLen(); bits != HostKeyBits {
		t.Errorf("key size %d, want %d", bits, HostKeyBits)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("mode %o, want 600", perm)
	}
	pemBytes, _ := os.ReadFile(path)
	if !bytes.HasPrefix(pemBytes, []byte("-----BEGIN RSA PRIVATE KEY-----\n")) {
		t.Errorf("not a PEM RSA key: %.40q", pemBytes)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}

	// Reload ("restart"): the same key.
	for range 2 {
		again, err := LoadOrCreateHostKey(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again.PublicKey().Marshal(), first.PublicKey().Marshal()) {
			t.Fatal("host key changed on reload")
		}
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(after, pemBytes) {
		t.Error("key file rewritten on reload")
	}
}

func TestLoadOrCreateHostKeyErrors(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage")
	if err := os.WriteFile(garbage, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
	}{
		{name: "unparsable file", path: garbage},
		{name: "missing directory", path: filepath.Join(dir, "no", "such", "key")},
		{name: "path is a directory", path: dir},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadOrCreateHostKey(tt.path)
			if err == nil || !strings.HasPrefix(err.Error(), "transport: host key") {
				t.Errorf("err %v, want a transport: host key error", err)
			}
		})
	}
}

// A new device's host key is made by its first client, not before, and
// kept: the key a client saw is the one the file holds and a restart loads.
func TestHostKeyMadeOnFirstUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ssh_host_rsa_key")
	h, err := OpenHostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Signer().PublicKey().Type(); got != ssh.KeyAlgoRSA {
		t.Fatalf("type %q", got)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the key was made before any client needed it: %v", err)
	}
	addr, _ := startSSH(t, func(s *SSHServer) { s.HostKey = h.Signer() })
	var seen ssh.PublicKey
	cfg := clientConfig("admin", ssh.Password("cisco"))
	cfg.HostKeyCallback = func(_ string, _ net.Addr, k ssh.PublicKey) error { seen = k; return nil }
	dial(t, addr, cfg)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("after the first client: %v, %v", fi, err)
	}
	again, err := OpenHostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if seen == nil || !bytes.Equal(seen.Marshal(), again.Signer().PublicKey().Marshal()) {
		t.Fatal("the key the client saw is not the one kept")
	}
}
