package scep

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sync"
	"time"

	"github.com/iosemu/iosemu/pki/rsacrt"
)

// NewCSR returns the DER of a PKCS#10 request for key with tmpl's subject
// (RawSubject if set, else Subject), extensions and SANs, carrying
// challenge as its challengePassword attribute when not "". It is signed
// with tmpl.SignatureAlgorithm, SHA-256 with RSA (or ECDSA) when zero;
// MD5WithRSA is accepted, as old IOS releases sign with it.
func NewCSR(tmpl *x509.CertificateRequest, key crypto.Signer, challenge string) ([]byte, error) {
	if tmpl == nil || key == nil {
		return nil, errors.New("scep: csr: no template or key")
	}
	alg := tmpl.SignatureAlgorithm
	if alg == x509.UnknownSignatureAlgorithm {
		alg = x509.SHA256WithRSA
		if _, ok := key.Public().(*ecdsa.PublicKey); ok {
			alg = x509.ECDSAWithSHA256
		}
	}
	hash := sigHash(alg)
	algID, ok := sigAlgIDs[alg]
	if hash == 0 || !ok {
		return nil, fmt.Errorf("scep: csr: unsupported signature algorithm %v", alg)
	}
	// Let crypto/x509 encode the subject and the extensions (SANs
	// included), then re-assemble the request with the attributes and
	// key's public key. That draft is signed by a throwaway P-256 key: its
	// signature is dropped, and an RSA signature would cost as much as the
	// real one.
	spki, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, fmt.Errorf("scep: csr: %w", err)
	}
	draftKey, err := draftSigner()
	if err != nil {
		return nil, fmt.Errorf("scep: csr: %w", err)
	}
	t := *tmpl
	t.SignatureAlgorithm = x509.UnknownSignatureAlgorithm
	der, err := x509.CreateCertificateRequest(rand.Reader, &t, draftKey)
	if err != nil {
		return nil, fmt.Errorf("scep: csr: %w", err)
	}
	base, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, fmt.Errorf("scep: csr: %w", err)
	}
	var attrs []attr
	if challenge != "" {
		attrs = append(attrs, attr{oidChallengePassword, printable(challenge)})
	}
	if len(base.Extensions) > 0 {
		ext, err := asn1.Marshal(base.Extensions)
		if err != nil {
			return nil, fmt.Errorf("scep: csr: %w", err)
		}
		attrs = append(attrs, attr{oidExtensionRequest, ext})
	}
	var enc [][]byte
	for _, a := range attrs {
		oid, _ := asn1.Marshal(a.oid)
		enc = append(enc, encodeTLV([]byte{0x30}, append(oid, encodeTLV([]byte{0x31}, a.value)...)))
	}
	slices.SortFunc(enc, bytes.Compare) // DER SET OF order
	set := bytes.Join(enc, nil)
	version, _ := asn1.Marshal(0)
	info := append(version, base.RawSubject...)
	info = append(info, spki...)
	info = append(info, encodeTLV([]byte{0xa0}, set)...)
	info = encodeTLV([]byte{0x30}, info)

	h := hash.New()
	h.Write(info)
	sig, err := rsacrt.Fast(key).Sign(rand.Reader, h.Sum(nil), hash)
	if err != nil {
		return nil, fmt.Errorf("scep: csr: sign: %w", err)
	}
	algDER, err := asn1.Marshal(algID)
	if err != nil {
		return nil, err
	}
	bits, err := asn1.Marshal(asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)})
	if err != nil {
		return nil, err
	}
	out := append(info, algDER...)
	return encodeTLV([]byte{0x30}, append(out, bits...)), nil
}

// draftSigner is the key NewCSR signs its drafts with, made once.
var draftSigner = sync.OnceValues(func() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
})

// sigAlgIDs are the AlgorithmIdentifiers of the signature algorithms NewCSR
// signs with.
var sigAlgIDs = map[x509.SignatureAlgorithm]algorithmIdentifier{
	x509.MD5WithRSA:      {asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 4}, asn1.NullRawValue},
	x509.SHA1WithRSA:     {asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}, asn1.NullRawValue},
	x509.SHA256WithRSA:   {asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}, asn1.NullRawValue},
	x509.SHA384WithRSA:   {asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}, asn1.NullRawValue},
	x509.SHA512WithRSA:   {asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}, asn1.NullRawValue},
	x509.ECDSAWithSHA256: {Algorithm: asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}},
	x509.ECDSAWithSHA384: {Algorithm: asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}},
	x509.ECDSAWithSHA512: {Algorithm: asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}},
}

// SelfSigned returns the self-signed certificate that signs a first
// enrolment's pkiMessage, as IOS makes one: key's public key, subject,
// keyUsage digitalSignature and keyEncipherment, valid from notBefore to
// notAfter, a serial number derived from the key.
func SelfSigned(key crypto.Signer, subject pkix.Name, notBefore, notAfter time.Time) (*x509.Certificate, error) {
	if key == nil {
		return nil, errors.New("scep: self-signed certificate: no key")
	}
	spki, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, fmt.Errorf("scep: self-signed certificate: %w", err)
	}
	sum := sha1.Sum(spki)
	serial := new(big.Int).SetBytes(sum[:8])
	if serial.Sign() == 0 {
		serial.SetInt64(1)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      subject,
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
	}
	if _, ok := key.Public().(*rsa.PublicKey); !ok {
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("scep: self-signed certificate: %w", err)
	}
	return x509.ParseCertificate(der)
}
