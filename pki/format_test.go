package pki

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// seedsCert reads an IOS hex certificate block kept from the seeds.
func seedsCert(t testing.TB, name string) ([]byte, []string) {
	t.Helper()
	text, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(text), "\n"), "\n")[1:] // drop "certificate ca 01"
	der, err := ParseIOSHex(strings.Join(lines, "\n"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return der, lines
}

func TestIOSHexSeeds(t *testing.T) {
	for _, f := range []string{"seeds_ca_01.txt", "seeds_ca_rollover_03.txt"} {
		der, lines := seedsCert(t, f)
		if got := IOSHex(der); !reflect.DeepEqual(got, lines) {
			t.Errorf("%s: IOSHex =\n%s\nwant\n%s", f, strings.Join(got, "\n"), strings.Join(lines, "\n"))
		}
	}
	// The seeds' `show crypto key mypubkey rsa` of ROOTCA is the CA cert's key.
	der, _ := seedsCert(t, "seeds_ca_01.txt")
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile("testdata/seeds_mypubkey_rootca.txt")
	spki, _ := x509.MarshalPKIXPublicKey(ca.PublicKey)
	if got := strings.Join(IOSHex(spki), "\n") + "\n"; got != string(want) {
		t.Errorf("key data =\n%s\nwant\n%s", got, want)
	}
}

func TestIOSHexLayout(t *testing.T) {
	seq := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i)
		}
		return b
	}
	tests := []struct {
		n         int
		lines     int
		lastGroup int // groups on the last line
	}{
		{1, 1, 1}, {4, 1, 1}, {32, 1, 8}, {33, 1, 9}, {34, 1, 9}, {35, 1, 9}, {36, 2, 1}, {162, 5, 9}, {294, 10, 2}, {571, 18, 7},
	}
	for _, tt := range tests {
		got := IOSHex(seq(tt.n))
		if len(got) != tt.lines || len(strings.Fields(got[len(got)-1])) != tt.lastGroup {
			t.Errorf("IOSHex(%d bytes) = %d lines, last %q", tt.n, len(got), got[len(got)-1])
		}
		back, err := ParseIOSHex(strings.Join(got, "\n"))
		if err != nil || !bytes.Equal(back, seq(tt.n)) {
			t.Errorf("ParseIOSHex(IOSHex(%d bytes)) = %x, %v", tt.n, back, err)
		}
	}
	for _, bad := range []string{"", "quit", "3082 XYZ", "308", "308201A0A0", "  \n "} {
		if _, err := ParseIOSHex(bad); err == nil {
			t.Errorf("ParseIOSHex(%q) = nil error", bad)
		}
	}
	if b, err := ParseIOSHex("  30820237 3082\r\n  01\n\tquit\n"); err != nil || !bytes.Equal(b, []byte{0x30, 0x82, 0x02, 0x37, 0x30, 0x82, 0x01}) {
		t.Errorf("ParseIOSHex with CR and quit = %x, %v", b, err)
	}
}

func TestFingerprints(t *testing.T) {
	ca, _ := seedsCert(t, "seeds_ca_01.txt")
	roll, _ := seedsCert(t, "seeds_ca_rollover_03.txt")
	if got := FingerprintMD5(ca); got != "CC748544 A0AB7832 935D8CD0 214A152E" {
		t.Errorf("CA fingerprint = %q", got)
	}
	if got := FingerprintMD5(roll); got != "031904DC F4FAD1FD 8A866373 C63CE20F" {
		t.Errorf("rollover fingerprint = %q", got)
	}
	if got := FingerprintSHA1([]byte("abc")); got != "A9993E36 4706816A BA3E2571 7850C26C 9CD0D89D" {
		t.Errorf("SHA1 fingerprint = %q", got)
	}
}

func TestKeyIDMatchesSeeds(t *testing.T) {
	for _, f := range []string{"seeds_ca_01.txt", "seeds_ca_rollover_03.txt"} {
		der, _ := seedsCert(t, f)
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		id, err := KeyID(c.PublicKey)
		if err != nil || !bytes.Equal(id, c.SubjectKeyId) || !bytes.Equal(id, c.AuthorityKeyId) {
			t.Errorf("%s: KeyID = %X, SKI %X, AKI %X", f, id, c.SubjectKeyId, c.AuthorityKeyId)
		}
	}
}

func TestParseDN(t *testing.T) {
	tests := []struct {
		in    string
		lines []string
		str   string
	}{
		{"CN=RootCA,OU=TAC,O=Cisco", []string{"cn=RootCA", "ou=TAC", "o=Cisco"}, "cn=RootCA,ou=TAC,o=Cisco"},
		{"cn=spoke-1.cisco.com,ou=CVO", []string{"cn=spoke-1.cisco.com", "ou=CVO"}, "cn=spoke-1.cisco.com,ou=CVO"},
		{"cn=ca.qytang.com, ou=qytang", []string{"cn=ca.qytang.com", "ou=qytang"}, "cn=ca.qytang.com,ou=qytang"},
		{"CN=MY-CS,OU=VPN,O=Cisco,C=RU", []string{"cn=MY-CS", "ou=VPN", "o=Cisco", "c=RU"}, "cn=MY-CS,ou=VPN,o=Cisco,c=RU"},
		{"cn=RCA1 C=pki", []string{"cn=RCA1 C=pki"}, "cn=RCA1 C=pki"},
		{"serialNumber=67109104+hostname=R15.labtech.su", []string{"serialNumber=67109104+hostname=R15.labtech.su"}, "serialNumber=67109104+hostname=R15.labtech.su"},
		{"ipaddress=202.100.1.1+hostname=c8kv1.qytang.com,cn=c8kv1.qytang.com,ou=qytang",
			[]string{"ipaddress=202.100.1.1+hostname=c8kv1.qytang.com", "cn=c8kv1.qytang.com", "ou=qytang"},
			"ipaddress=202.100.1.1+hostname=c8kv1.qytang.com,cn=c8kv1.qytang.com,ou=qytang"},
		{"unstructuredName=r1.lab,E=a@b.c,2.5.4.3=x", []string{"hostname=r1.lab", "ea=a@b.c", "cn=x"}, "hostname=r1.lab,ea=a@b.c,cn=x"},
	}
	for _, tt := range tests {
		n, err := ParseDN(tt.in)
		if err != nil {
			t.Errorf("ParseDN(%q): %v", tt.in, err)
			continue
		}
		if got := n.Lines(); !reflect.DeepEqual(got, tt.lines) {
			t.Errorf("ParseDN(%q).Lines() = %q, want %q", tt.in, got, tt.lines)
		}
		if got := n.String(); got != tt.str {
			t.Errorf("ParseDN(%q).String() = %q, want %q", tt.in, got, tt.str)
		}
		der, err := n.Marshal()
		if err != nil {
			t.Errorf("Marshal(%q): %v", tt.in, err)
			continue
		}
		back, err := ParseName(der)
		if err != nil || !back.Equal(n) {
			t.Errorf("ParseName(Marshal(%q)) = %v, %v", tt.in, back, err)
		}
	}
	for _, bad := range []string{"", " ", "RootCA", "cn=", "=x", "foo=bar", "cn=a,,o=b", "3.1=x", "1.99=x", "cn=\xff"} {
		if n, err := ParseDN(bad); err == nil {
			t.Errorf("ParseDN(%q) = %v, want error", bad, n)
		}
	}
}

func TestDNEncodingMatchesSeeds(t *testing.T) {
	der, _ := seedsCert(t, "seeds_ca_01.txt")
	c, _ := x509.ParseCertificate(der)
	n, err := ParseDN("CN=RootCA,OU=TAC,O=Cisco")
	if err != nil {
		t.Fatal(err)
	}
	got, err := n.Marshal()
	if err != nil || !bytes.Equal(got, c.RawSubject) {
		t.Errorf("Marshal = %X, want the seeds' %X", got, c.RawSubject)
	}
	// A value PrintableString cannot hold goes UTF8; e-mail goes IA5.
	n, _ = ParseDN("cn=a_b,ea=x@y")
	der2, _ := n.Marshal()
	back, _ := ParseName(der2)
	if back[0][0].Tag != asn1.TagIA5String || back[1][0].Tag != asn1.TagUTF8String {
		t.Errorf("tags = %d, %d", back[0][0].Tag, back[1][0].Tag)
	}
}

// TestCACertMatchesSeeds builds the seeds' CA certificate and compares it
// with the seeds' DER: with the seeds' public key and key identifier, the
// TBSCertificate is byte for byte the seeds' one; with a fresh key, every
// field but the key, the key identifiers and the signature is equal.
func TestCACertMatchesSeeds(t *testing.T) {
	seedDER, _ := seedsCert(t, "seeds_ca_01.txt")
	seed, err := x509.ParseCertificate(seedDER)
	if err != nil {
		t.Fatal(err)
	}
	cet := time.FixedZone("CET", 3600)
	issuer, _ := ParseDN("CN=RootCA,OU=TAC,O=Cisco")
	key, err := GenerateKey(rand.Reader, "ROOTCA", 1024, false, time.Date(2015, 10, 9, 13, 14, 16, 0, cet))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := Template{
		SerialNumber: seed.SerialNumber, Issuer: issuer, Subject: issuer,
		NotBefore: time.Date(2015, 10, 9, 13, 14, 16, 0, cet), NotAfter: time.Date(2017, 10, 8, 13, 14, 16, 0, cet),
		PublicKey: seed.PublicKey, CA: true, Hash: MD5, AuthorityKeyID: seed.SubjectKeyId,
	}
	der, err := CreateCertificate(&tmpl, key.Private)
	if err != nil {
		t.Fatal(err)
	}
	mine, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mine.RawTBSCertificate, seed.RawTBSCertificate) {
		t.Errorf("TBSCertificate differs from the seeds':\n%X\n%X", mine.RawTBSCertificate, seed.RawTBSCertificate)
	}

	tmpl.PublicKey, tmpl.AuthorityKeyID = key.Public(), nil
	der, err = CreateCertificate(&tmpl, key.Private)
	if err != nil {
		t.Fatal(err)
	}
	mine, _ = x509.ParseCertificate(der)
	if err := VerifySignature(mine, mine); err != nil {
		t.Errorf("self-signature: %v", err)
	}
	if mine.Version != seed.Version || mine.SerialNumber.Cmp(seed.SerialNumber) != 0 ||
		mine.SignatureAlgorithm != seed.SignatureAlgorithm || !bytes.Equal(mine.RawIssuer, seed.RawIssuer) ||
		!bytes.Equal(mine.RawSubject, seed.RawSubject) || !mine.NotBefore.Equal(seed.NotBefore) ||
		!mine.NotAfter.Equal(seed.NotAfter) || mine.PublicKeyAlgorithm != seed.PublicKeyAlgorithm ||
		key.Modulus() != 1024 {
		t.Errorf("header fields differ: %v %v %v %v", mine.SerialNumber, mine.SignatureAlgorithm, mine.NotBefore, mine.NotAfter)
	}
	if !bytes.Equal(validityDER(t, mine), validityDER(t, seed)) {
		t.Errorf("validity encoding differs")
	}
	if len(mine.Extensions) != len(seed.Extensions) {
		t.Fatalf("%d extensions, want %d", len(mine.Extensions), len(seed.Extensions))
	}
	for i, e := range seed.Extensions {
		m := mine.Extensions[i]
		if !m.Id.Equal(e.Id) || m.Critical != e.Critical {
			t.Errorf("extension %d = %v critical %v, want %v %v", i, m.Id, m.Critical, e.Id, e.Critical)
		}
		switch {
		case e.Id.Equal(oidSubjectKeyID):
			if len(m.Value) != len(e.Value) || !bytes.Equal(m.Value[:2], e.Value[:2]) {
				t.Errorf("SKI shape %X, want like %X", m.Value, e.Value)
			}
		case e.Id.Equal(oidAuthorityKeyID):
			if len(m.Value) != len(e.Value) || !bytes.Equal(m.Value[:4], e.Value[:4]) {
				t.Errorf("AKI shape %X, want like %X", m.Value, e.Value)
			}
		default:
			if !bytes.Equal(m.Value, e.Value) {
				t.Errorf("extension %v = %X, want %X", e.Id, m.Value, e.Value)
			}
		}
	}
	if !bytes.Equal(mine.AuthorityKeyId, mine.SubjectKeyId) {
		t.Errorf("AKI %X != SKI %X", mine.AuthorityKeyId, mine.SubjectKeyId)
	}
}

func validityDER(t *testing.T, c *x509.Certificate) []byte {
	t.Helper()
	var tbs struct {
		Version  asn1.RawValue `asn1:"optional,explicit,tag:0"`
		Serial   asn1.RawValue
		Alg      asn1.RawValue
		Issuer   asn1.RawValue
		Validity asn1.RawValue
	}
	if _, err := asn1.Unmarshal(c.RawTBSCertificate, &tbs); err != nil {
		t.Fatal(err)
	}
	return tbs.Validity.FullBytes
}

func TestVerifySignatureRejects(t *testing.T) {
	der, _ := seedsCert(t, "seeds_ca_01.txt")
	ca, _ := x509.ParseCertificate(der)
	if err := VerifySignature(ca, ca); err != nil {
		t.Fatalf("the seeds' CA does not verify itself: %v", err)
	}
	bad := bytes.Clone(der)
	bad[len(bad)-1] ^= 1
	badCert, _ := x509.ParseCertificate(bad)
	if err := VerifySignature(badCert, ca); err == nil {
		t.Error("a flipped signature bit verified")
	}
	roll, _ := seedsCert(t, "seeds_ca_rollover_03.txt")
	rc, _ := x509.ParseCertificate(roll)
	if err := VerifySignature(rc, ca); err == nil {
		t.Error("the rollover cert verified against the old key")
	}
	if err := VerifySignature(rc, rc); err != nil {
		t.Errorf("the seeds' rollover CA does not verify itself: %v", err)
	}
}

func TestCreateCertificateHashes(t *testing.T) {
	ca, err := GenerateKey(rand.Reader, "CA", 1024, false, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := GenerateKey(rand.Reader, "leaf", 1024, false, time.Time{})
	issuer, _ := ParseDN("CN=CA")
	subject, _ := ParseDN("hostname=r1.lab+ipaddress=10.1.1.1,cn=r1")
	san, _ := asn1.Marshal([]asn1.RawValue{{Class: asn1.ClassContextSpecific, Tag: 2, Bytes: []byte("r1.lab")}})
	start := time.Date(2015, 10, 9, 12, 14, 16, 0, time.UTC)
	for _, h := range []Hash{HashDefault, MD5, SHA1, SHA256, SHA384, SHA512} {
		caDER, err := CreateCertificate(&Template{SerialNumber: big.NewInt(1), Issuer: issuer, Subject: issuer,
			NotBefore: start, NotAfter: start.AddDate(3, 0, 0), PublicKey: ca.Public(), CA: true, Hash: h}, ca.Private)
		if err != nil {
			t.Fatal(err)
		}
		caCert, _ := x509.ParseCertificate(caDER)
		der, err := CreateCertificate(&Template{SerialNumber: big.NewInt(2), Issuer: issuer, Subject: subject,
			NotBefore: start, NotAfter: start.AddDate(1, 0, 0), PublicKey: leaf.Public(), Hash: h,
			ExtraExtensions: []pkix.Extension{{Id: oidSubjectAltName, Value: san}}}, ca.Private)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		if c.SignatureAlgorithm != h.SignatureAlgorithm() {
			t.Errorf("%v: signature algorithm %v", h, c.SignatureAlgorithm)
		}
		if err := VerifySignature(c, caCert); err != nil {
			t.Errorf("%v: %v", h, err)
		}
		if h != HashDefault && h != MD5 && h != SHA1 { // the standard library agrees where it can
			if err := c.CheckSignatureFrom(caCert); err != nil {
				t.Errorf("%v: crypto/x509: %v", h, err)
			}
		}
		if c.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageKeyEncipherment || c.IsCA ||
			!slices.Equal(c.DNSNames, []string{"r1.lab"}) || !bytes.Equal(c.AuthorityKeyId, caCert.SubjectKeyId) {
			t.Errorf("%v: key usage %b, CA %v, SAN %q", h, c.KeyUsage, c.IsCA, c.DNSNames)
		}
		if got, _ := ParseName(c.RawSubject); got.String() != "hostname=r1.lab+ipaddress=10.1.1.1,cn=r1" { // DER SET OF order: the shorter AVA first
			t.Errorf("subject %q", got)
		}
		for _, e := range c.Extensions {
			if e.Id.Equal(oidKeyUsage) && !bytes.Equal(e.Value, []byte{3, 2, 5, 0xA0}) {
				t.Errorf("keyUsage %X", e.Value)
			}
		}
	}
}
