package rsacrt

import (
	"crypto"
	"crypto/rsa"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"io"
	"math/big"
)

// digestOIDs are the hashes whose DigestInfo SignPKCS1v15 builds itself.
var digestOIDs = map[crypto.Hash]asn1.ObjectIdentifier{
	crypto.MD5:    {1, 2, 840, 113549, 2, 5},
	crypto.SHA1:   {1, 3, 14, 3, 2, 26},
	crypto.SHA256: {2, 16, 840, 1, 101, 3, 4, 2, 1},
	crypto.SHA384: {2, 16, 840, 1, 101, 3, 4, 2, 2},
	crypto.SHA512: {2, 16, 840, 1, 101, 3, 4, 2, 3},
}

// usable reports whether key is one the fast path is faster for (a
// modulus of at most 1024 bits; from 1536 on crypto/rsa is as fast or
// faster) and has the two primes and CRT values it needs (keys from
// rsa.GenerateKey and the x509 parsers have them).
func usable(key *rsa.PrivateKey) bool {
	return key != nil && key.N != nil && key.N.Sign() > 0 && key.N.BitLen() <= 1024 &&
		len(key.Primes) == 2 && key.Precomputed.Dp != nil && key.Precomputed.Dq != nil && key.Precomputed.Qinv != nil
}

// private returns c^d mod n by CRT.
func private(key *rsa.PrivateKey, c *big.Int) *big.Int {
	p, q := key.Primes[0], key.Primes[1]
	m1 := new(big.Int).Exp(new(big.Int).Mod(c, p), key.Precomputed.Dp, p)
	m2 := new(big.Int).Exp(new(big.Int).Mod(c, q), key.Precomputed.Dq, q)
	h := m1.Sub(m1, m2)
	h.Mul(h, key.Precomputed.Qinv).Mod(h, p)
	return h.Mul(h, q).Add(h, m2)
}

// SignPKCS1v15 is rsa.SignPKCS1v15(nil, key, hash, digest).
func SignPKCS1v15(key *rsa.PrivateKey, hash crypto.Hash, digest []byte) ([]byte, error) {
	oid, ok := digestOIDs[hash]
	if !ok || !usable(key) || len(digest) != hash.Size() {
		return rsa.SignPKCS1v15(nil, key, hash, digest)
	}
	info, err := asn1.Marshal(struct {
		Alg    pkix.AlgorithmIdentifier
		Digest []byte
	}{pkix.AlgorithmIdentifier{Algorithm: oid, Parameters: asn1.NullRawValue}, digest})
	if err != nil {
		return nil, err
	}
	k := key.Size()
	if len(info)+11 > k {
		return nil, rsa.ErrMessageTooLong
	}
	// EM = 0x00 || 0x01 || 0xFF... || 0x00 || DigestInfo
	em := make([]byte, k)
	em[1] = 1
	for i := 2; i < k-len(info)-1; i++ {
		em[i] = 0xff
	}
	copy(em[k-len(info):], info)
	m := new(big.Int).SetBytes(em)
	s := private(key, m)
	if new(big.Int).Exp(s, big.NewInt(int64(key.E)), key.N).Cmp(m) != 0 {
		return nil, errors.New("rsacrt: the signature does not verify")
	}
	return s.FillBytes(make([]byte, k)), nil
}

// DecryptPKCS1v15 is rsa.DecryptPKCS1v15(nil, key, ciphertext).
func DecryptPKCS1v15(key *rsa.PrivateKey, ciphertext []byte) ([]byte, error) {
	if !usable(key) {
		return rsa.DecryptPKCS1v15(nil, key, ciphertext)
	}
	k := key.Size()
	if len(ciphertext) != k || k < 11 {
		return nil, rsa.ErrDecryption
	}
	c := new(big.Int).SetBytes(ciphertext)
	if c.Cmp(key.N) >= 0 {
		return nil, rsa.ErrDecryption
	}
	em := private(key, c).FillBytes(make([]byte, k))
	// EM = 0x00 || 0x02 || PS (8 or more non-zero bytes) || 0x00 || M
	if em[0] != 0 || em[1] != 2 {
		return nil, rsa.ErrDecryption
	}
	for i := 2; i < k; i++ {
		if em[i] == 0 {
			if i < 10 {
				return nil, rsa.ErrDecryption
			}
			return em[i+1:], nil
		}
	}
	return nil, rsa.ErrDecryption
}

// Key is an RSA private key whose Sign (PKCS #1 v1.5) and Decrypt
// (PKCS #1 v1.5) take the fast path; other options go to crypto/rsa.
type Key struct{ *rsa.PrivateKey }

// Sign implements crypto.Signer.
func (k Key) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if h, ok := opts.(crypto.Hash); ok {
		return SignPKCS1v15(k.PrivateKey, h, digest)
	}
	return k.PrivateKey.Sign(r, digest, opts)
}

// Decrypt implements crypto.Decrypter.
func (k Key) Decrypt(r io.Reader, ciphertext []byte, opts crypto.DecrypterOpts) ([]byte, error) {
	switch o := opts.(type) {
	case nil:
		return DecryptPKCS1v15(k.PrivateKey, ciphertext)
	case *rsa.PKCS1v15DecryptOptions:
		if o == nil || o.SessionKeyLen == 0 {
			return DecryptPKCS1v15(k.PrivateKey, ciphertext)
		}
	}
	return k.PrivateKey.Decrypt(r, ciphertext, opts)
}

// Fast returns key as a Key when it is an *rsa.PrivateKey, else key.
func Fast(key crypto.Signer) crypto.Signer {
	if k, ok := key.(*rsa.PrivateKey); ok {
		return Key{k}
	}
	return key
}
