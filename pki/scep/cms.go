package scep

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/ecdsa"
	_ "crypto/md5" // crypto.MD5, for the signatures of old IOS releases
	"crypto/rand"
	"crypto/rsa"
	_ "crypto/sha1"
	_ "crypto/sha256"
	_ "crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"slices"

	"github.com/smallstep/pkcs7"

	"github.com/iosemu/iosemu/pki/rsacrt"
)

var (
	oidData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidEnvelopedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 3}

	oidAttrContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidAttrMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidChallengePassword = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 7}
	oidExtensionRequest  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 14}

	oidSCEPMessageType    = asn1.ObjectIdentifier{2, 16, 840, 1, 113733, 1, 9, 2}
	oidSCEPPKIStatus      = asn1.ObjectIdentifier{2, 16, 840, 1, 113733, 1, 9, 3}
	oidSCEPFailInfo       = asn1.ObjectIdentifier{2, 16, 840, 1, 113733, 1, 9, 4}
	oidSCEPSenderNonce    = asn1.ObjectIdentifier{2, 16, 840, 1, 113733, 1, 9, 5}
	oidSCEPRecipientNonce = asn1.ObjectIdentifier{2, 16, 840, 1, 113733, 1, 9, 6}
	oidSCEPTransactionID  = asn1.ObjectIdentifier{2, 16, 840, 1, 113733, 1, 9, 7}

	oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}

	oidDESCBC     = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 7}
	oidDESEDE3CBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
	oidAES128CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES256CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
)

// digests maps the digest and signature algorithm OIDs a SignerInfo may
// carry to their hash. (Some clients put the signature OID in the digest
// field.)
var digests = []struct {
	oid  asn1.ObjectIdentifier
	hash crypto.Hash
}{
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 5}, crypto.MD5},
	{asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}, crypto.SHA1},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}, crypto.SHA224},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}, crypto.SHA256},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}, crypto.SHA384},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}, crypto.SHA512},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 4}, crypto.MD5},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}, crypto.SHA1},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 14}, crypto.SHA224},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}, crypto.SHA256},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}, crypto.SHA384},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}, crypto.SHA512},
}

func hashOf(oid asn1.ObjectIdentifier) (crypto.Hash, bool) {
	for _, d := range digests {
		if d.oid.Equal(oid) {
			return d.hash, true
		}
	}
	return 0, false
}

func digestOID(h crypto.Hash) (asn1.ObjectIdentifier, bool) {
	for _, d := range digests[:6] {
		if d.hash == h {
			return d.oid, true
		}
	}
	return nil, false
}

// ciphers are the content-encryption algorithms of envelopes.
var ciphers = []struct {
	c      Cipher
	oid    asn1.ObjectIdentifier
	keyLen int
}{
	{DES3, oidDESEDE3CBC, 24},
	{DES, oidDESCBC, 8},
	{AES128, oidAES128CBC, 16},
	{AES256, oidAES256CBC, 32},
}

func (c Cipher) String() string {
	switch c {
	case DES3:
		return "3DES"
	case DES:
		return "DES"
	case AES128:
		return "AES-128"
	case AES256:
		return "AES-256"
	}
	return fmt.Sprintf("Cipher(%d)", int(c))
}

// ASN.1 shapes (RFC 2315 / RFC 5652), read and written with encoding/asn1.

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,optional,tag:0"`
}

type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

type signedData struct {
	Version          int
	DigestAlgorithms []algorithmIdentifier `asn1:"set"`
	EncapContent     contentInfo
	Certificates     asn1.RawValue `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue `asn1:"optional,tag:1"`
	SignerInfos      []signerInfo  `asn1:"set"`
}

type signerInfo struct {
	Version            int
	IssuerAndSerial    asn1.RawValue
	DigestAlgorithm    algorithmIdentifier
	AuthAttrs          asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm algorithmIdentifier
	Signature          []byte
	UnauthAttrs        asn1.RawValue `asn1:"optional,tag:1"`
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type issuerAndSubject struct {
	Issuer  asn1.RawValue
	Subject asn1.RawValue
}

type envelopedData struct {
	Version        int
	RecipientInfos []recipientInfo `asn1:"set"`
	Encrypted      encryptedContentInfo
}

type recipientInfo struct {
	Version         int
	IssuerAndSerial issuerAndSerial
	KeyAlgorithm    algorithmIdentifier
	EncryptedKey    []byte
}

type encryptedContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Algorithm   algorithmIdentifier
	Content     asn1.RawValue `asn1:"optional,tag:0"`
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue `asn1:"set"`
}

// signed is a parsed SignedData with one signer.
type signed struct {
	content    []byte              // the encapsulated content, nil if absent
	certs      []*x509.Certificate // the certificates field
	certsRaw   []byte              // its content octets
	crlsRaw    []byte              // the crls field's content octets
	signer     *signerInfo         // the first SignerInfo, nil if none
	signerCert *x509.Certificate   // from certs by issuer and serial
	hash       crypto.Hash         // of the signer's digest algorithm, 0 if unknown
	attrs      map[string]asn1.RawValue
	attrsOrder []byte // the signed attributes as signed (SET OF)
}

// parseSigned reads a ContentInfo holding a SignedData (BER or DER). It
// does not check the signature.
func parseSigned(b []byte) (*signed, error) {
	der, err := toDER(b)
	if err != nil {
		return nil, err
	}
	var ci contentInfo
	if rest, err := asn1.Unmarshal(der, &ci); err != nil || len(rest) != 0 {
		return nil, errors.New("scep: not a PKCS#7 ContentInfo")
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return nil, errors.New("scep: not a PKCS#7 SignedData")
	}
	var sd signedData
	if rest, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("scep: malformed SignedData: %v", err)
	}
	s := &signed{}
	if len(sd.EncapContent.Content.Bytes) > 0 {
		s.content, err = octets(sd.EncapContent.Content.Bytes)
		if err != nil {
			return nil, err
		}
	}
	if len(sd.Certificates.Bytes) > 0 {
		s.certsRaw = sd.Certificates.Bytes
		s.certs, err = x509.ParseCertificates(sd.Certificates.Bytes)
		if err != nil {
			return nil, fmt.Errorf("scep: certificates of the SignedData: %w", err)
		}
	}
	s.crlsRaw = sd.CRLs.Bytes
	if len(sd.SignerInfos) == 0 {
		return s, nil
	}
	si := &sd.SignerInfos[0]
	s.signer = si
	s.hash, _ = hashOf(si.DigestAlgorithm.Algorithm)
	var ias issuerAndSerial
	if rest, err := asn1.Unmarshal(si.IssuerAndSerial.FullBytes, &ias); err == nil && len(rest) == 0 && ias.Serial != nil {
		for _, c := range s.certs {
			if c.SerialNumber.Cmp(ias.Serial) == 0 && bytes.Equal(c.RawIssuer, ias.Issuer.FullBytes) {
				s.signerCert = c
				break
			}
		}
	}
	if len(si.AuthAttrs.Bytes) > 0 {
		s.attrs = map[string]asn1.RawValue{}
		rest := si.AuthAttrs.Bytes
		for len(rest) > 0 {
			var a attribute
			rest, err = asn1.Unmarshal(rest, &a)
			if err != nil {
				return nil, fmt.Errorf("scep: malformed signed attribute: %w", err)
			}
			var v asn1.RawValue
			if _, err := asn1.Unmarshal(a.Values.Bytes, &v); err != nil {
				return nil, fmt.Errorf("scep: malformed signed attribute %v: %w", a.Type, err)
			}
			s.attrs[a.Type.String()] = v
		}
		// The signature covers the attributes with a SET OF tag.
		s.attrsOrder = encodeTLV([]byte{0x31}, si.AuthAttrs.Bytes)
	}
	return s, nil
}

// octets returns the bytes of an OCTET STRING, primitive or constructed.
func octets(der []byte) ([]byte, error) {
	var v asn1.RawValue
	if rest, err := asn1.Unmarshal(der, &v); err != nil || len(rest) != 0 {
		return nil, errors.New("scep: malformed content")
	}
	if v.Class != asn1.ClassUniversal || v.Tag != asn1.TagOctetString {
		return nil, errors.New("scep: content is not an OCTET STRING")
	}
	if !v.IsCompound {
		return v.Bytes, nil
	}
	var out []byte
	for rest := v.Bytes; len(rest) > 0; {
		var part asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &part); err != nil {
			return nil, errors.New("scep: malformed content")
		}
		p, err := octets(part.FullBytes)
		if err != nil {
			return nil, err
		}
		out = append(out, p...)
	}
	return out, nil
}

// attrString returns a string-valued signed attribute ("" if absent or not
// a string).
func (s *signed) attrString(oid asn1.ObjectIdentifier) string {
	v, ok := s.attrs[oid.String()]
	if !ok {
		return ""
	}
	var str string
	if _, err := asn1.Unmarshal(v.FullBytes, &str); err != nil {
		return ""
	}
	return str
}

// attrBytes returns an OCTET STRING signed attribute.
func (s *signed) attrBytes(oid asn1.ObjectIdentifier) []byte {
	v, ok := s.attrs[oid.String()]
	if !ok {
		return nil
	}
	var b []byte
	if _, err := asn1.Unmarshal(v.FullBytes, &b); err != nil {
		return nil
	}
	return b
}

var (
	errNoSigner     = errors.New("scep: no signer")
	errBadAlg       = errors.New("scep: unsupported digest algorithm")
	errBadSignature = errors.New("scep: signature does not verify")
)

// verify checks the signer's signature with pub, and that the
// messageDigest attribute is the digest of the content.
func (s *signed) verify(pub crypto.PublicKey) error {
	if s.signer == nil || s.attrs == nil {
		return errNoSigner
	}
	if s.hash == 0 {
		return errBadAlg
	}
	h := s.hash.New()
	h.Write(s.content)
	md := s.attrBytes(oidAttrMessageDigest)
	if md == nil || !bytes.Equal(md, h.Sum(nil)) {
		return errBadSignature
	}
	return checkSignature(pub, s.hash, s.attrsOrder, s.signer.Signature)
}

// checkSignature verifies sig over msg with pub: RSA PKCS#1 v1.5 (MD5
// included) or ECDSA.
func checkSignature(pub crypto.PublicKey, hash crypto.Hash, msg, sig []byte) error {
	if hash == 0 || !hash.Available() {
		return errBadAlg
	}
	h := hash.New()
	h.Write(msg)
	sum := h.Sum(nil)
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if rsa.VerifyPKCS1v15(k, hash, sum, sig) != nil {
			return errBadSignature
		}
		return nil
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(k, sum, sig) {
			return errBadSignature
		}
		return nil
	}
	return errBadAlg
}

// certSignedBy reports whether parent's key signed child, checked with
// crypto/rsa (or ecdsa), MD5 accepted: never with Go's x509 checks, which
// refuse md5WithRSAEncryption.
func certSignedBy(child, parent *x509.Certificate) bool {
	if !bytes.Equal(child.RawIssuer, parent.RawSubject) {
		return false
	}
	h := sigHash(child.SignatureAlgorithm)
	return checkSignature(parent.PublicKey, h, child.RawTBSCertificate, child.Signature) == nil
}

// sigHash is the hash of an x509 signature algorithm (RSA PKCS#1 v1.5 and
// ECDSA), 0 for others.
func sigHash(a x509.SignatureAlgorithm) crypto.Hash {
	switch a {
	case x509.MD5WithRSA:
		return crypto.MD5
	case x509.SHA1WithRSA, x509.ECDSAWithSHA1:
		return crypto.SHA1
	case x509.SHA256WithRSA, x509.ECDSAWithSHA256:
		return crypto.SHA256
	case x509.SHA384WithRSA, x509.ECDSAWithSHA384:
		return crypto.SHA384
	case x509.SHA512WithRSA, x509.ECDSAWithSHA512:
		return crypto.SHA512
	}
	return 0
}

// attr is one signed attribute to write: its DER value.
type attr struct {
	oid   asn1.ObjectIdentifier
	value []byte
}

func printable(s string) []byte {
	b, err := asn1.MarshalWithParams(s, "printable")
	if err != nil {
		b, _ = asn1.Marshal(s) // UTF8String for what PrintableString cannot hold
	}
	return b
}

func octetString(b []byte) []byte {
	out, _ := asn1.Marshal(b)
	return out
}

// signData returns a ContentInfo holding a SignedData of content (none
// when content is nil) signed by cert's key with hash, carrying the
// contentType and messageDigest attributes and extra, and cert in its
// certificates. It adds no signingTime: the package reads no clock.
func signData(content []byte, cert *x509.Certificate, key crypto.Signer, hash crypto.Hash, extra []attr) ([]byte, error) {
	dOID, ok := digestOID(hash)
	if !ok {
		return nil, errBadAlg
	}
	h := hash.New()
	h.Write(content)
	ct, _ := asn1.Marshal(oidData)
	attrs := append([]attr{
		{oidAttrContentType, ct},
		{oidAttrMessageDigest, octetString(h.Sum(nil))},
	}, extra...)
	encoded := make([][]byte, len(attrs))
	for i, a := range attrs {
		oid, err := asn1.Marshal(a.oid)
		if err != nil {
			return nil, err
		}
		set := encodeTLV([]byte{0x31}, a.value)
		encoded[i] = encodeTLV([]byte{0x30}, append(oid, set...))
	}
	slices.SortFunc(encoded, bytes.Compare) // DER SET OF order
	body := bytes.Join(encoded, nil)
	h = hash.New()
	h.Write(encodeTLV([]byte{0x31}, body))
	sig, err := rsacrt.Fast(key).Sign(rand.Reader, h.Sum(nil), hash)
	if err != nil {
		return nil, fmt.Errorf("scep: sign: %w", err)
	}
	ias, err := asn1.Marshal(issuerAndSerial{Issuer: asn1.RawValue{FullBytes: cert.RawIssuer}, Serial: cert.SerialNumber})
	if err != nil {
		return nil, err
	}
	sigAlg := algorithmIdentifier{Algorithm: oidRSAEncryption, Parameters: asn1.NullRawValue}
	if _, isEC := key.Public().(*ecdsa.PublicKey); isEC {
		sigAlg = algorithmIdentifier{Algorithm: ecdsaOID(hash)}
	}
	sd := signedData{
		Version:          1,
		DigestAlgorithms: []algorithmIdentifier{{Algorithm: dOID, Parameters: asn1.NullRawValue}},
		EncapContent:     contentInfo{ContentType: oidData},
		Certificates:     asn1.RawValue{FullBytes: encodeTLV([]byte{0xa0}, cert.Raw)},
		SignerInfos: []signerInfo{{
			Version:            1,
			IssuerAndSerial:    asn1.RawValue{FullBytes: ias},
			DigestAlgorithm:    algorithmIdentifier{Algorithm: dOID, Parameters: asn1.NullRawValue},
			AuthAttrs:          asn1.RawValue{FullBytes: encodeTLV([]byte{0xa0}, body)},
			SignatureAlgorithm: sigAlg,
			Signature:          sig,
		}},
	}
	if content != nil {
		sd.EncapContent.Content = asn1.RawValue{FullBytes: encodeTLV([]byte{0xa0}, octetString(content))}
	}
	return wrap(oidSignedData, sd)
}

func ecdsaOID(h crypto.Hash) asn1.ObjectIdentifier {
	switch h {
	case crypto.SHA1:
		return asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}
	case crypto.SHA384:
		return asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	case crypto.SHA512:
		return asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	}
	return asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
}

// wrap marshals v into a ContentInfo of type oid.
func wrap(oid asn1.ObjectIdentifier, v any) ([]byte, error) {
	inner, err := asn1.Marshal(v)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(contentInfo{ContentType: oid, Content: asn1.RawValue{FullBytes: encodeTLV([]byte{0xa0}, inner)}})
}

// degenerate returns a certificates-only SignedData (RFC 8894 3.4) with
// certs and crls (DER each).
func degenerate(certs []*x509.Certificate, crls [][]byte) ([]byte, error) {
	sd := signedData{
		Version:          1,
		DigestAlgorithms: []algorithmIdentifier{},
		EncapContent:     contentInfo{ContentType: oidData},
		SignerInfos:      []signerInfo{},
	}
	if len(certs) > 0 {
		var raw []byte
		for _, c := range certs {
			raw = append(raw, c.Raw...)
		}
		sd.Certificates = asn1.RawValue{FullBytes: encodeTLV([]byte{0xa0}, raw)}
	}
	if len(crls) > 0 {
		sd.CRLs = asn1.RawValue{FullBytes: encodeTLV([]byte{0xa1}, bytes.Join(crls, nil))}
	}
	return wrap(oidSignedData, sd)
}

// parseDegenerate returns the certificates and the DER CRLs of a
// certificates-only SignedData.
func parseDegenerate(b []byte) ([]*x509.Certificate, [][]byte, error) {
	s, err := parseSigned(b)
	if err != nil {
		return nil, nil, err
	}
	var crls [][]byte
	for rest := s.crlsRaw; len(rest) > 0; {
		var v asn1.RawValue
		if rest, err = asn1.Unmarshal(rest, &v); err != nil {
			return nil, nil, errors.New("scep: malformed CRL in a SignedData")
		}
		crls = append(crls, v.FullBytes)
	}
	return s.certs, crls, nil
}

// envelope returns a ContentInfo holding an EnvelopedData of content for
// recipient's RSA key, encrypted with c. It does not use pkcs7.Encrypt,
// whose cipher is a package global and has no 3DES.
func envelope(content []byte, recipient *x509.Certificate, c Cipher) ([]byte, error) {
	pub, ok := recipient.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, errors.New("scep: the recipient's key is not RSA")
	}
	var keyLen int
	var oid asn1.ObjectIdentifier
	for _, e := range ciphers {
		if e.c == c {
			keyLen, oid = e.keyLen, e.oid
		}
	}
	if oid == nil {
		return nil, fmt.Errorf("scep: unknown cipher %d", int(c))
	}
	key := make([]byte, keyLen)
	rand.Read(key)
	var block cipher.Block
	var err error
	switch c {
	case DES3:
		block, err = des.NewTripleDESCipher(key)
	case DES:
		block, err = des.NewCipher(key)
	default:
		block, err = aes.NewCipher(key)
	}
	if err != nil {
		return nil, err
	}
	iv := make([]byte, block.BlockSize())
	rand.Read(iv)
	n := block.BlockSize() - len(content)%block.BlockSize()
	plain := append(slices.Clip(content), bytes.Repeat([]byte{byte(n)}, n)...)
	ct := make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, plain)
	ek, err := rsa.EncryptPKCS1v15(rand.Reader, pub, key)
	if err != nil {
		return nil, fmt.Errorf("scep: encrypt the content key: %w", err)
	}
	ed := envelopedData{
		RecipientInfos: []recipientInfo{{
			IssuerAndSerial: issuerAndSerial{Issuer: asn1.RawValue{FullBytes: recipient.RawIssuer}, Serial: recipient.SerialNumber},
			KeyAlgorithm:    algorithmIdentifier{Algorithm: oidRSAEncryption, Parameters: asn1.NullRawValue},
			EncryptedKey:    ek,
		}},
		Encrypted: encryptedContentInfo{
			ContentType: oidData,
			Algorithm:   algorithmIdentifier{Algorithm: oid, Parameters: asn1.RawValue{FullBytes: octetString(iv)}},
			Content:     asn1.RawValue{FullBytes: encodeTLV([]byte{0x80}, ct)},
		},
	}
	return wrap(oidEnvelopedData, ed)
}

// opened is what parseEnvelope learns without a key.
type opened struct {
	der    []byte // the ContentInfo, DER
	cipher Cipher
	known  bool // cipher is one of ours
	recips []issuerAndSerial
}

// parseEnvelope reads a ContentInfo holding an EnvelopedData.
func parseEnvelope(b []byte) (*opened, error) {
	der, err := toDER(b)
	if err != nil {
		return nil, err
	}
	var ci contentInfo
	if rest, err := asn1.Unmarshal(der, &ci); err != nil || len(rest) != 0 || !ci.ContentType.Equal(oidEnvelopedData) {
		return nil, errors.New("scep: not a PKCS#7 EnvelopedData")
	}
	var ed envelopedData
	if rest, err := asn1.Unmarshal(ci.Content.Bytes, &ed); err != nil || len(rest) != 0 {
		return nil, errors.New("scep: malformed EnvelopedData")
	}
	o := &opened{der: der}
	for _, c := range ciphers {
		if c.oid.Equal(ed.Encrypted.Algorithm.Algorithm) {
			o.cipher, o.known = c.c, true
		}
	}
	for _, r := range ed.RecipientInfos {
		if r.IssuerAndSerial.Serial != nil {
			o.recips = append(o.recips, r.IssuerAndSerial)
		}
	}
	return o, nil
}

// isFor reports whether cert is one of the envelope's recipients.
func (o *opened) isFor(cert *x509.Certificate) bool {
	for _, r := range o.recips {
		if r.Serial.Cmp(cert.SerialNumber) == 0 && bytes.Equal(r.Issuer.FullBytes, cert.RawIssuer) {
			return true
		}
	}
	return false
}

// decrypt opens the envelope with cert's key (pkcs7 does the work; it reads
// DES, 3DES and AES).
func (o *opened) decrypt(cert *x509.Certificate, key crypto.Signer) ([]byte, error) {
	if _, ok := key.(crypto.Decrypter); !ok {
		return nil, errors.New("scep: the key cannot decrypt")
	}
	p7, err := pkcs7.Parse(o.der)
	if err != nil {
		return nil, fmt.Errorf("scep: envelope: %w", err)
	}
	out, err := p7.Decrypt(cert, rsacrt.Fast(key))
	if err != nil {
		return nil, fmt.Errorf("scep: envelope: %w", err)
	}
	return out, nil
}
