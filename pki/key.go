package pki

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"
)

// Storage strings of `show crypto key mypubkey rsa`.
const (
	StorageNotSpecified  = "not specified"
	StoragePrivateConfig = "private-config"
)

// UsageGeneralPurpose is the only key usage the engine generates.
const UsageGeneralPurpose = "General Purpose Key"

// Key is an RSA key pair with its IOS label.
type Key struct {
	Label      string
	Private    *rsa.PrivateKey
	Generated  time.Time // "% Key pair was generated at: ..."
	Exportable bool
	Storage    string // StorageNotSpecified until saved, then StoragePrivateConfig
	Usage      string // UsageGeneralPurpose
}

// GenerateKey generates an RSA key pair of bits bits labelled label, with
// generation time now and storage "not specified". bits must be 360..4096
// (IOS's range).
func GenerateKey(random io.Reader, label string, bits int, exportable bool, now time.Time) (*Key, error) {
	if label == "" {
		return nil, errors.New("pki: key label is empty")
	}
	if bits < 360 || bits > 4096 {
		return nil, fmt.Errorf("pki: key modulus %d out of range 360..4096", bits)
	}
	if random == nil {
		random = rand.Reader
	}
	priv, err := rsa.GenerateKey(random, bits)
	if err != nil {
		return nil, fmt.Errorf("pki: generating %d-bit key %q: %w", bits, label, err)
	}
	return &Key{Label: label, Private: priv, Generated: now, Exportable: exportable,
		Storage: StorageNotSpecified, Usage: UsageGeneralPurpose}, nil
}

// Modulus returns the key's size in bits.
func (k *Key) Modulus() int { return k.Private.N.BitLen() }

// Public returns the public half.
func (k *Key) Public() *rsa.PublicKey { return &k.Private.PublicKey }

// PublicKeyDER returns the DER SubjectPublicKeyInfo of the key.
func (k *Key) PublicKeyDER() []byte {
	der, err := x509.MarshalPKIXPublicKey(k.Public())
	if err != nil { // cannot happen for an RSA key
		panic(err)
	}
	return der
}

// PublicKeyHex returns the "Key Data" lines of `show crypto key mypubkey rsa`:
// the DER SubjectPublicKeyInfo as IOS hex (see [IOSHex]), without indent.
func PublicKeyHex(k *Key) []string { return IOSHex(k.PublicKeyDER()) }

// clone returns a copy of k's metadata sharing the private key.
func (k *Key) clone() *Key { c := *k; return &c }

// Keyring holds a router's key pairs by label. Labels are case-sensitive.
// A Keyring is safe for concurrent use.
type Keyring struct {
	mu       sync.Mutex
	keys     []*Key // in insertion order, which `show crypto key` follows
	onChange func()
}

// NewKeyring returns an empty keyring.
func NewKeyring() *Keyring { return &Keyring{} }

// OnChange sets f to be called (without the keyring's lock) after every
// change (Put, Delete, Rename), e.g. to save private-config. A Server
// changes its keyring while it holds its own lock (the key NAME# at shadow
// time, the rename at rollover), so f must not call into a Server.
func (r *Keyring) OnChange(f func()) {
	r.mu.Lock()
	r.onChange = f
	r.mu.Unlock()
}

func (r *Keyring) changed() {
	r.mu.Lock()
	f := r.onChange
	r.mu.Unlock()
	if f != nil {
		f()
	}
}

func (r *Keyring) indexLocked(label string) int {
	for i, k := range r.keys {
		if k.Label == label {
			return i
		}
	}
	return -1
}

// Get returns a copy of the key labelled label (the private key is shared).
func (r *Keyring) Get(label string) (*Key, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if i := r.indexLocked(label); i >= 0 {
		return r.keys[i].clone(), true
	}
	return nil, false
}

// Put adds k, replacing a key with the same label in place.
func (r *Keyring) Put(k *Key) {
	r.mu.Lock()
	if i := r.indexLocked(k.Label); i >= 0 {
		r.keys[i] = k.clone()
	} else {
		r.keys = append(r.keys, k.clone())
	}
	r.mu.Unlock()
	r.changed()
}

// Delete removes the key labelled label and reports whether there was one.
func (r *Keyring) Delete(label string) bool {
	r.mu.Lock()
	i := r.indexLocked(label)
	if i >= 0 {
		r.keys = append(r.keys[:i], r.keys[i+1:]...)
	}
	r.mu.Unlock()
	if i >= 0 {
		r.changed()
	}
	return i >= 0
}

// Rename relabels the key old as new, replacing any key labelled new.
func (r *Keyring) Rename(old, new string) error {
	r.mu.Lock()
	i := r.indexLocked(old)
	if i < 0 {
		r.mu.Unlock()
		return fmt.Errorf("pki: rename key %q: no such key", old)
	}
	k := r.keys[i].clone()
	k.Label = new
	r.keys = append(r.keys[:i], r.keys[i+1:]...)
	if j := r.indexLocked(new); j >= 0 {
		r.keys[j] = k
	} else {
		r.keys = append(r.keys, k)
	}
	r.mu.Unlock()
	r.changed()
	return nil
}

// List returns copies of all keys in the order they were added.
func (r *Keyring) List() []*Key {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*Key, len(r.keys))
	for i, k := range r.keys {
		out[i] = k.clone()
	}
	return out
}

// MarkSaved sets every key's storage to "private-config" (after the face
// wrote private-config).
func (r *Keyring) MarkSaved() {
	r.mu.Lock()
	for _, k := range r.keys {
		k.Storage = StoragePrivateConfig
	}
	r.mu.Unlock()
}

const keyPEMType = "RSA PRIVATE KEY"

// MarshalBinary encodes the keyring as PEM blocks, one a key (PKCS#1), the
// label and metadata in PEM headers; it is what private-config holds.
func (r *Keyring) MarshalBinary() ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b bytes.Buffer
	for _, k := range r.keys {
		blk := &pem.Block{Type: keyPEMType, Headers: map[string]string{
			"Label":      strconv.Quote(k.Label),
			"Generated":  k.Generated.UTC().Format(time.RFC3339Nano),
			"Exportable": strconv.FormatBool(k.Exportable),
			"Usage":      k.Usage,
		}, Bytes: x509.MarshalPKCS1PrivateKey(k.Private)}
		if err := pem.Encode(&b, blk); err != nil {
			return nil, fmt.Errorf("pki: encoding key %q: %w", k.Label, err)
		}
	}
	return b.Bytes(), nil
}

// UnmarshalBinary replaces the keyring's keys with those encoded in data by
// MarshalBinary; they are marked "private-config". Nothing changes on error.
func (r *Keyring) UnmarshalBinary(data []byte) error {
	var keys []*Key
	rest := data
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type != keyPEMType {
			return fmt.Errorf("pki: decoding keyring: unexpected PEM block %q", blk.Type)
		}
		label, err := strconv.Unquote(blk.Headers["Label"])
		if err != nil || label == "" {
			return fmt.Errorf("pki: decoding keyring: bad label %q", blk.Headers["Label"])
		}
		priv, err := x509.ParsePKCS1PrivateKey(blk.Bytes)
		if err != nil {
			return fmt.Errorf("pki: decoding key %q: %w", label, err)
		}
		gen, err := time.Parse(time.RFC3339Nano, blk.Headers["Generated"])
		if err != nil {
			return fmt.Errorf("pki: decoding key %q: generation time: %w", label, err)
		}
		usage := blk.Headers["Usage"]
		if usage == "" {
			usage = UsageGeneralPurpose
		}
		keys = append(keys, &Key{Label: label, Private: priv, Generated: gen,
			Exportable: blk.Headers["Exportable"] == "true", Storage: StoragePrivateConfig, Usage: usage})
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return errors.New("pki: decoding keyring: trailing data")
	}
	r.mu.Lock()
	r.keys = keys
	r.mu.Unlock()
	return nil
}
