package pki

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	_ "crypto/md5"    // registers crypto.MD5
	_ "crypto/sha256" // registers crypto.SHA256
	_ "crypto/sha512" // registers crypto.SHA384, crypto.SHA512

	"github.com/iosemu/iosemu/pki/rsacrt"
)

// Hash is the digest of an RSA signature (`hash` in cs-server mode).
type Hash int

// Hashes. HashDefault is "not configured": see [Config.Hash].
const (
	HashDefault Hash = iota
	MD5
	SHA1
	SHA256
	SHA384
	SHA512
)

var hashNames = [...]string{"", "md5", "sha1", "sha256", "sha384", "sha512"}

// ParseHash parses the IOS keyword: md5, sha1, sha256, sha384, sha512.
func ParseHash(s string) (Hash, error) {
	for i, n := range hashNames {
		if i > 0 && strings.EqualFold(n, s) {
			return Hash(i), nil
		}
	}
	return HashDefault, fmt.Errorf("pki: unknown hash %q", clip(s))
}

// String returns the IOS keyword ("md5"); "" for HashDefault.
func (h Hash) String() string {
	if h < 0 || int(h) >= len(hashNames) {
		return fmt.Sprintf("Hash(%d)", int(h))
	}
	return hashNames[h]
}

// Crypto returns the crypto.Hash of h (MD5 for HashDefault).
func (h Hash) Crypto() crypto.Hash {
	switch h {
	case SHA1:
		return crypto.SHA1
	case SHA256:
		return crypto.SHA256
	case SHA384:
		return crypto.SHA384
	case SHA512:
		return crypto.SHA512
	}
	return crypto.MD5
}

// SignatureAlgorithm returns the x509 signature algorithm of RSA with h.
func (h Hash) SignatureAlgorithm() x509.SignatureAlgorithm {
	switch h {
	case SHA1:
		return x509.SHA1WithRSA
	case SHA256:
		return x509.SHA256WithRSA
	case SHA384:
		return x509.SHA384WithRSA
	case SHA512:
		return x509.SHA512WithRSA
	}
	return x509.MD5WithRSA
}

// HashOf returns the Hash of an RSA PKCS#1 v1.5 signature algorithm.
func HashOf(alg x509.SignatureAlgorithm) (Hash, bool) {
	switch alg {
	case x509.MD5WithRSA:
		return MD5, true
	case x509.SHA1WithRSA:
		return SHA1, true
	case x509.SHA256WithRSA:
		return SHA256, true
	case x509.SHA384WithRSA:
		return SHA384, true
	case x509.SHA512WithRSA:
		return SHA512, true
	}
	return HashDefault, false
}

var (
	oidMD5WithRSA    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 4}
	oidSHA1WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	oidSHA256WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}

	oidBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidAuthorityKeyID   = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidSubjectKeyID     = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidSubjectAltName   = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidCRLDistribution  = asn1.ObjectIdentifier{2, 5, 29, 31}
	oidExtensionRequest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 14}
)

func (h Hash) algorithmIdentifier() pkix.AlgorithmIdentifier {
	oid := oidMD5WithRSA
	switch h {
	case SHA1:
		oid = oidSHA1WithRSA
	case SHA256:
		oid = oidSHA256WithRSA
	case SHA384:
		oid = oidSHA384WithRSA
	case SHA512:
		oid = oidSHA512WithRSA
	}
	return pkix.AlgorithmIdentifier{Algorithm: oid, Parameters: asn1.NullRawValue}
}

// Template describes a certificate for [CreateCertificate].
type Template struct {
	SerialNumber        *big.Int
	Issuer, Subject     Name
	NotBefore, NotAfter time.Time // truncated to seconds, encoded as UTCTime
	PublicKey           crypto.PublicKey
	// CA makes an IOS CA certificate: basicConstraints CA:TRUE (critical),
	// keyUsage digitalSignature, keyCertSign, cRLSign (critical), AKI, SKI,
	// in that order. Otherwise: keyUsage (KeyUsage, or digitalSignature and
	// keyEncipherment when 0; critical), AKI, SKI.
	CA       bool
	KeyUsage x509.KeyUsage
	// SubjectKeyID defaults to the SHA-1 of the subject public key's bits;
	// AuthorityKeyID to the same digest of the signer's public key.
	SubjectKeyID, AuthorityKeyID []byte
	// ExtraExtensions are appended after the SKI (subjectAltName, CRL
	// distribution points).
	ExtraExtensions []pkix.Extension
	Hash            Hash // HashDefault signs with MD5
}

type validity struct {
	NotBefore, NotAfter time.Time
}

type tbsCertificate struct {
	Version            int `asn1:"optional,explicit,default:0,tag:0"`
	SerialNumber       *big.Int
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Issuer             asn1.RawValue
	Validity           validity
	Subject            asn1.RawValue
	PublicKey          asn1.RawValue
	Extensions         []pkix.Extension `asn1:"optional,explicit,tag:3"`
}

type signedData struct {
	TBS                asn1.RawValue
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          asn1.BitString
}

type spki struct {
	Algorithm pkix.AlgorithmIdentifier
	PublicKey asn1.BitString
}

// KeyID returns the key identifier IOS puts in SKI and AKI: the SHA-1 of
// the subjectPublicKey bits of pub (RFC 5280 method 1).
func KeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("pki: key identifier: %w", err)
	}
	var s spki
	if _, err := asn1.Unmarshal(der, &s); err != nil {
		return nil, fmt.Errorf("pki: key identifier: %w", err)
	}
	sum := sha1.Sum(s.PublicKey.RightAlign())
	return sum[:], nil
}

// CreateCertificate builds the TBSCertificate of t itself (so that MD5,
// which crypto/x509 refuses, works) and signs it with signer using
// RSA PKCS#1 v1.5. It returns the DER certificate.
func CreateCertificate(t *Template, signer *rsa.PrivateKey) ([]byte, error) {
	if t.SerialNumber == nil || t.SerialNumber.Sign() <= 0 {
		return nil, errors.New("pki: certificate serial number must be positive")
	}
	if signer == nil {
		return nil, errors.New("pki: no signing key")
	}
	issuer, err := t.Issuer.Marshal()
	if err != nil {
		return nil, err
	}
	subject, err := t.Subject.Marshal()
	if err != nil {
		return nil, err
	}
	pub, err := x509.MarshalPKIXPublicKey(t.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("pki: certificate public key: %w", err)
	}
	ski := t.SubjectKeyID
	if ski == nil {
		if ski, err = KeyID(t.PublicKey); err != nil {
			return nil, err
		}
	}
	aki := t.AuthorityKeyID
	if aki == nil {
		if aki, err = KeyID(&signer.PublicKey); err != nil {
			return nil, err
		}
	}
	var exts []pkix.Extension
	if t.CA {
		bc, _ := asn1.Marshal(struct{ CA bool }{true})
		exts = append(exts, pkix.Extension{Id: oidBasicConstraints, Critical: true, Value: bc})
		exts = append(exts, keyUsageExt(x509.KeyUsageDigitalSignature|x509.KeyUsageCertSign|x509.KeyUsageCRLSign))
	} else {
		ku := t.KeyUsage
		if ku == 0 {
			ku = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
		}
		exts = append(exts, keyUsageExt(ku))
	}
	akiVal, _ := asn1.Marshal(struct {
		KeyID []byte `asn1:"optional,tag:0"`
	}{aki})
	skiVal, _ := asn1.Marshal(ski)
	exts = append(exts,
		pkix.Extension{Id: oidAuthorityKeyID, Value: akiVal},
		pkix.Extension{Id: oidSubjectKeyID, Value: skiVal})
	exts = append(exts, t.ExtraExtensions...)

	tbs := tbsCertificate{
		Version:            2,
		SerialNumber:       t.SerialNumber,
		SignatureAlgorithm: t.Hash.algorithmIdentifier(),
		Issuer:             asn1.RawValue{FullBytes: issuer},
		Validity:           validity{utcSecond(t.NotBefore), utcSecond(t.NotAfter)},
		Subject:            asn1.RawValue{FullBytes: subject},
		PublicKey:          asn1.RawValue{FullBytes: pub},
		Extensions:         exts,
	}
	tbsDER, err := asn1.Marshal(tbs)
	if err != nil {
		return nil, fmt.Errorf("pki: encoding certificate: %w", err)
	}
	return signDER(tbsDER, t.Hash, signer)
}

// signDER wraps tbs (a TBSCertificate or TBSCertList) into its signed
// SEQUENCE.
func signDER(tbs []byte, h Hash, signer *rsa.PrivateKey) ([]byte, error) {
	hh := h.Crypto().New()
	hh.Write(tbs)
	sig, err := rsacrt.SignPKCS1v15(signer, h.Crypto(), hh.Sum(nil))
	if err != nil {
		return nil, fmt.Errorf("pki: signing: %w", err)
	}
	der, err := asn1.Marshal(signedData{
		TBS:                asn1.RawValue{FullBytes: tbs},
		SignatureAlgorithm: h.algorithmIdentifier(),
		Signature:          asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)},
	})
	if err != nil {
		return nil, fmt.Errorf("pki: encoding signed data: %w", err)
	}
	return der, nil
}

func keyUsageExt(ku x509.KeyUsage) pkix.Extension {
	var b [2]byte
	b[0] = reverseBits(byte(ku))
	b[1] = reverseBits(byte(ku >> 8))
	n := 16
	for n > 0 && b[(n-1)/8]&(0x80>>uint((n-1)%8)) == 0 {
		n--
	}
	bs := asn1.BitString{Bytes: b[:(n+7)/8], BitLength: n}
	v, _ := asn1.Marshal(bs)
	return pkix.Extension{Id: oidKeyUsage, Critical: true, Value: v}
}

func reverseBits(b byte) byte {
	var r byte
	for i := 0; i < 8; i++ {
		r = r<<1 | b&1
		b >>= 1
	}
	return r
}

func utcSecond(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

// CheckSignature checks an RSA PKCS#1 v1.5 signature over signed with any
// of the algorithms of [Hash], MD5 included.
func CheckSignature(pub crypto.PublicKey, alg x509.SignatureAlgorithm, signed, signature []byte) error {
	h, ok := HashOf(alg)
	if !ok {
		return fmt.Errorf("pki: unsupported signature algorithm %v", alg)
	}
	rpub, ok := pub.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("pki: signature check: %T is not an RSA key", pub)
	}
	hh := h.Crypto().New()
	hh.Write(signed)
	if err := rsa.VerifyPKCS1v15(rpub, h.Crypto(), hh.Sum(nil), signature); err != nil {
		return fmt.Errorf("pki: bad signature: %w", err)
	}
	return nil
}

// VerifySignature checks that parent's key signed child (MD5 included) and
// that child's issuer is parent's subject. It does not check dates.
func VerifySignature(child, parent *x509.Certificate) error {
	if string(child.RawIssuer) != string(parent.RawSubject) {
		return errors.New("pki: certificate issuer is not the parent's subject")
	}
	return CheckSignature(parent.PublicKey, child.SignatureAlgorithm, child.RawTBSCertificate, child.Signature)
}

// VerifyCRL checks that parent's key signed the DER CRL (MD5 included) and
// returns it parsed by [ParseCRL].
func VerifyCRL(der []byte, parent *x509.Certificate) (*x509.RevocationList, error) {
	crl, err := ParseCRL(der)
	if err != nil {
		return nil, err
	}
	if string(crl.RawIssuer) != string(parent.RawSubject) {
		return nil, errors.New("pki: CRL issuer is not the parent's subject")
	}
	if err := CheckSignature(parent.PublicKey, crl.SignatureAlgorithm, crl.RawTBSRevocationList, crl.Signature); err != nil {
		return nil, err
	}
	return crl, nil
}

type certListIn struct {
	TBS       asn1.RawValue
	Algorithm pkix.AlgorithmIdentifier
	Signature asn1.BitString
}

type revokedIn struct {
	Serial     *big.Int
	Date       time.Time
	Extensions []pkix.Extension `asn1:"optional"`
}

type tbsCertListIn struct {
	Version    int `asn1:"optional,default:0"`
	Signature  pkix.AlgorithmIdentifier
	Issuer     asn1.RawValue
	ThisUpdate time.Time
	NextUpdate time.Time     `asn1:"optional"`
	Revoked    []revokedIn   `asn1:"optional"`
	Extensions asn1.RawValue `asn1:"optional,explicit,tag:0"`
}

// ParseCRL parses a DER CRL of version 1 (what IOS issues, and what
// crypto/x509 refuses) or 2, without checking its signature. It fills
// Raw, RawTBSRevocationList, RawIssuer, Issuer, Signature,
// SignatureAlgorithm, ThisUpdate, NextUpdate and RevokedCertificateEntries
// (serial and time).
func ParseCRL(der []byte) (*x509.RevocationList, error) {
	var cl certListIn
	rest, err := asn1.Unmarshal(der, &cl)
	if err != nil {
		return nil, fmt.Errorf("pki: parsing CRL: %w", err)
	}
	if len(rest) != 0 {
		return nil, errors.New("pki: parsing CRL: trailing data")
	}
	var tbs tbsCertListIn
	if rest, err = asn1.Unmarshal(cl.TBS.FullBytes, &tbs); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("pki: parsing CRL: bad TBSCertList: %v", err)
	}
	if tbs.Version > 1 {
		return nil, fmt.Errorf("pki: parsing CRL: unsupported version %d", tbs.Version)
	}
	var rdn pkix.RDNSequence
	if rest, err = asn1.Unmarshal(tbs.Issuer.FullBytes, &rdn); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("pki: parsing CRL issuer: %v", err)
	}
	crl := &x509.RevocationList{
		Raw: der, RawTBSRevocationList: cl.TBS.FullBytes, RawIssuer: tbs.Issuer.FullBytes,
		Signature:          cl.Signature.RightAlign(),
		SignatureAlgorithm: sigAlgOf(cl.Algorithm.Algorithm),
		ThisUpdate:         tbs.ThisUpdate, NextUpdate: tbs.NextUpdate,
	}
	crl.Issuer.FillFromRDNSequence(&rdn)
	for _, r := range tbs.Revoked {
		crl.RevokedCertificateEntries = append(crl.RevokedCertificateEntries,
			x509.RevocationListEntry{SerialNumber: r.Serial, RevocationTime: r.Date})
	}
	return crl, nil
}

func sigAlgOf(oid asn1.ObjectIdentifier) x509.SignatureAlgorithm {
	for _, h := range []Hash{MD5, SHA1, SHA256, SHA384, SHA512} {
		if h.algorithmIdentifier().Algorithm.Equal(oid) {
			return h.SignatureAlgorithm()
		}
	}
	return x509.UnknownSignatureAlgorithm
}

// ParseCSR parses a DER PKCS#10 request and checks its self-signature (MD5
// included, as old IOS clients sign with it).
func ParseCSR(der []byte) (*x509.CertificateRequest, error) {
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, fmt.Errorf("pki: parsing certificate request: %w", err)
	}
	if err := CheckSignature(csr.PublicKey, csr.SignatureAlgorithm, csr.RawTBSCertificateRequest, csr.Signature); err != nil {
		return nil, fmt.Errorf("pki: certificate request: %w", err)
	}
	return csr, nil
}
