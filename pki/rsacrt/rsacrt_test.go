package rsacrt

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	_ "crypto/sha256"
	_ "crypto/sha512"
	"strconv"
	"sync"
	"testing"
)

var keys = sync.OnceValue(func() []*rsa.PrivateKey {
	var out []*rsa.PrivateKey
	for _, bits := range []int{1024, 2048} {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			panic(err)
		}
		out = append(out, k)
	}
	return out
})

// TestSameAsCryptoRSA: the signatures are crypto/rsa's, byte for byte; a
// message encrypted by crypto/rsa decrypts; corrupt input is refused.
func TestSameAsCryptoRSA(t *testing.T) {
	for _, key := range keys() {
		for _, h := range []crypto.Hash{crypto.MD5, crypto.SHA1, crypto.SHA256, crypto.SHA384, crypto.SHA512, crypto.SHA224} {
			for i := range 20 {
				digest := make([]byte, h.Size())
				rand.Read(digest)
				want, err := rsa.SignPKCS1v15(nil, key, h, digest)
				if err != nil {
					t.Fatal(err)
				}
				got, err := Key{key}.Sign(rand.Reader, digest, h)
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("%d bits, %v, #%d: signature differs from crypto/rsa's (err %v)", key.N.BitLen(), h, i, err)
				}
			}
		}
		for n := range 40 {
			msg := make([]byte, n)
			rand.Read(msg)
			ct, err := rsa.EncryptPKCS1v15(rand.Reader, &key.PublicKey, msg)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Key{key}.Decrypt(rand.Reader, ct, &rsa.PKCS1v15DecryptOptions{})
			if err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("%d bits: decrypting %d bytes: %x, %v", key.N.BitLen(), n, got, err)
			}
			ct[len(ct)/2] ^= 1
			if _, err := DecryptPKCS1v15(key, ct); err == nil {
				if _, werr := rsa.DecryptPKCS1v15(nil, key, ct); werr != nil {
					t.Errorf("%d bits: a corrupt ciphertext decrypted", key.N.BitLen())
				}
			}
		}
		if _, err := DecryptPKCS1v15(key, make([]byte, 3)); err == nil {
			t.Error("a short ciphertext decrypted")
		}
		big := bytes.Repeat([]byte{0xff}, key.Size())
		if _, err := DecryptPKCS1v15(key, big); err == nil {
			t.Error("a ciphertext above the modulus decrypted")
		}
	}
}

// TestFallback: a key without CRT values, and options the fast path does
// not take, go to crypto/rsa.
func TestFallback(t *testing.T) {
	k := keys()[0]
	bare := &rsa.PrivateKey{PublicKey: k.PublicKey, D: k.D, Primes: k.Primes}
	digest := make([]byte, 32)
	want, _ := rsa.SignPKCS1v15(nil, k, crypto.SHA256, digest)
	if got, err := SignPKCS1v15(bare, crypto.SHA256, digest); err != nil || !bytes.Equal(got, want) {
		t.Errorf("bare key: %v", err)
	}
	pss, err := Key{k}.Sign(rand.Reader, digest, &rsa.PSSOptions{Hash: crypto.SHA256})
	if err != nil || rsa.VerifyPSS(&k.PublicKey, crypto.SHA256, digest, pss, nil) != nil {
		t.Errorf("PSS: %v", err)
	}
	if Fast(k) == crypto.Signer(k) {
		t.Error("Fast left an RSA key as it was")
	}
}

func BenchmarkSign(b *testing.B) {
	for _, key := range keys() {
		digest := make([]byte, 20)
		b.Run(strconv.Itoa(key.N.BitLen())+"/crypto-rsa", func(b *testing.B) {
			for b.Loop() {
				rsa.SignPKCS1v15(nil, key, crypto.SHA1, digest)
			}
		})
		b.Run(strconv.Itoa(key.N.BitLen())+"/rsacrt", func(b *testing.B) {
			for b.Loop() {
				SignPKCS1v15(key, crypto.SHA1, digest)
			}
		})
	}
}
