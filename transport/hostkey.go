package transport

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/crypto/ssh"
)

// HostKeyBits is the size of generated host keys (IOS uses RSA).
const HostKeyBits = 2048

// LoadOrCreateHostKey returns the SSH host key stored at path, creating an
// RSA 2048 key there first if the file does not exist. The key is written as
// a PKCS#1 PEM file with mode 0600, atomically: a temporary file in the same
// directory is written, synced and renamed, then the directory is synced.
func LoadOrCreateHostKey(path string) (ssh.Signer, error) {
	pemBytes, err := os.ReadFile(path)
	switch {
	case err == nil:
		signer, err := ssh.ParsePrivateKey(pemBytes)
		if err != nil {
			return nil, fmt.Errorf("transport: host key %s: %w", path, err)
		}
		return signer, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("transport: host key: %w", err)
	}
	key, err := rsa.GenerateKey(rand.Reader, HostKeyBits)
	if err != nil {
		return nil, fmt.Errorf("transport: host key: generate: %w", err)
	}
	pemBytes = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := writeFileAtomic(path, pemBytes, 0o600); err != nil {
		return nil, fmt.Errorf("transport: host key: %w", err)
	}
	signer, err := ssh.NewSignerFromKey(key)
	if err != nil {
		return nil, fmt.Errorf("transport: host key: %w", err)
	}
	return signer, nil
}

// writeFileAtomic writes data to path through a synced temporary file in the
// same directory, renamed into place, and syncs the directory.
func writeFileAtomic(path string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(perm); err != nil {
		return err
	}
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// HostKey is a device's SSH host key, loaded from its file or, for a new
// device, generated the first time a client needs it (or when Generate is
// called, off the boot path): making an RSA 2048 key takes tens of
// milliseconds, which a lab of a thousand routers should not pay before its
// first banner. The key is persisted as LoadOrCreateHostKey persists it.
type HostKey struct {
	path string
	once sync.Once
	key  ssh.Signer
	err  error
}

// OpenHostKey returns the host key stored at path, loaded now when the file
// exists, else generated on first use.
func OpenHostKey(path string) (*HostKey, error) {
	h := &HostKey{path: path}
	if _, err := os.Stat(path); err == nil {
		h.Generate()
		if h.err != nil {
			return nil, h.err
		}
	}
	return h, nil
}

// Generate loads or makes the key now, if it is not there yet.
func (h *HostKey) Generate() {
	h.once.Do(func() { h.key, h.err = LoadOrCreateHostKey(h.path) })
}

func (h *HostKey) signer() (ssh.Signer, error) {
	h.Generate()
	return h.key, h.err
}

// Signer is the key as x/crypto/ssh takes it: an ssh.AlgorithmSigner whose
// public half says "ssh-rsa" before the key exists.
func (h *HostKey) Signer() ssh.Signer { return lazySigner{h} }

type lazySigner struct{ h *HostKey }

func (s lazySigner) PublicKey() ssh.PublicKey { return lazyPublicKey{s.h} }

func (s lazySigner) Sign(r io.Reader, data []byte) (*ssh.Signature, error) {
	k, err := s.h.signer()
	if err != nil {
		return nil, err
	}
	return k.Sign(r, data)
}

func (s lazySigner) SignWithAlgorithm(r io.Reader, data []byte, algorithm string) (*ssh.Signature, error) {
	k, err := s.h.signer()
	if err != nil {
		return nil, err
	}
	as, ok := k.(ssh.AlgorithmSigner)
	if !ok {
		return nil, fmt.Errorf("transport: host key %s cannot sign %s", s.h.path, algorithm)
	}
	return as.SignWithAlgorithm(r, data, algorithm)
}

type lazyPublicKey struct{ h *HostKey }

func (p lazyPublicKey) Type() string { return ssh.KeyAlgoRSA }

func (p lazyPublicKey) Marshal() []byte {
	k, err := p.h.signer()
	if err != nil {
		return nil
	}
	return k.PublicKey().Marshal()
}

func (p lazyPublicKey) Verify(data []byte, sig *ssh.Signature) error {
	k, err := p.h.signer()
	if err != nil {
		return err
	}
	return k.PublicKey().Verify(data, sig)
}
