package pki

import (
	"bytes"
	"os"
	"testing"
)

func FuzzParseIOSHex(f *testing.F) {
	seed, _ := os.ReadFile("testdata/seeds_ca_01.txt")
	f.Add(string(seed))
	f.Add(" 30820237 3082\n  quit\n")
	f.Add("ZZ")
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseIOSHex(s)
		if err != nil {
			return
		}
		back, err := ParseIOSHex(joinLines(IOSHex(b)))
		if err != nil || !bytes.Equal(back, b) {
			t.Fatalf("round trip of %x: %x, %v", b, back, err)
		}
	})
}

func joinLines(l []string) string {
	var b bytes.Buffer
	for _, s := range l {
		b.WriteString(s)
		b.WriteByte('\n')
	}
	return b.String()
}

func FuzzParseDN(f *testing.F) {
	for _, s := range []string{"CN=RootCA,OU=TAC,O=Cisco", "serialNumber=1+hostname=r", "cn=RCA1 C=pki", "2.5.4.3=x", "cn=\u00e9t\u00e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseDN(s)
		if err != nil {
			return
		}
		der, err := n.Marshal()
		if err != nil {
			return // e.g. a country that is not printable
		}
		back, err := ParseName(der)
		if err != nil || !back.Equal(n) {
			t.Fatalf("%q: round trip %v, %v", s, back, err)
		}
		_ = back.Lines()
	})
}

func FuzzParseName(f *testing.F) {
	n, _ := ParseDN("CN=RootCA,OU=TAC,O=Cisco")
	der, _ := n.Marshal()
	f.Add(der)
	f.Add([]byte{0x30, 0x00})
	f.Fuzz(func(t *testing.T, der []byte) {
		n, err := ParseName(der)
		if err != nil {
			return
		}
		_ = n.String()
		_, _ = n.Marshal()
	})
}

func FuzzParseCRL(f *testing.F) {
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, der []byte) {
		_, _ = ParseCRL(der)
	})
}

func FuzzParseCSR(f *testing.F) {
	f.Add([]byte{0x30, 0x00})
	f.Fuzz(func(t *testing.T, der []byte) {
		_, _ = ParseCSR(der)
	})
}
