package pki

import (
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// IOSHex returns der as IOS prints binary data in `crypto pki certificate
// chain` and `show crypto key mypubkey rsa`: upper-case hex in groups of 8
// digits (4 bytes), 8 groups a line, no indent. A line is broken only when
// at least one full group follows it, so a tail shorter than 4 bytes stays
// on the last full line ("... 83020301 0001", as the seeds show).
func IOSHex(der []byte) []string {
	if len(der) == 0 {
		return nil
	}
	var lines []string
	var b strings.Builder
	groups := 0
	for i := 0; i < len(der); i += 4 {
		end := min(i+4, len(der))
		if groups == 8 {
			if len(der)-i >= 4 {
				lines = append(lines, b.String())
				b.Reset()
				groups = 0
			}
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strings.ToUpper(hex.EncodeToString(der[i:end])))
		groups++
	}
	return append(lines, b.String())
}

// ParseIOSHex reads the hex of an IOS certificate block (the lines between
// `certificate ca 01` and `quit`, indented or not; a trailing "quit" line
// is accepted) back into bytes.
func ParseIOSHex(text string) ([]byte, error) {
	var out []byte
	for n, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 1 && f[0] == "quit" {
			continue
		}
		for _, g := range f {
			if len(g) > 8 || len(g)%2 != 0 {
				return nil, fmt.Errorf("pki: IOS hex line %d: bad group %q", n+1, clip(g))
			}
			b, err := hex.DecodeString(g)
			if err != nil {
				return nil, fmt.Errorf("pki: IOS hex line %d: bad group %q", n+1, clip(g))
			}
			out = append(out, b...)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("pki: IOS hex: no data")
	}
	return out, nil
}

func clip(s string) string {
	if len(s) > 16 {
		return s[:16] + "..."
	}
	return s
}

// FingerprintMD5 returns the MD5 digest of der as IOS prints it:
// "CC748544 A0AB7832 935D8CD0 214A152E". This is the CA cert fingerprint of
// `show crypto pki server` and the "Fingerprint MD5" of certificates.
func FingerprintMD5(der []byte) string {
	s := md5.Sum(der)
	return HexGroups(s[:])
}

// FingerprintSHA1 returns the SHA-1 digest of der in IOS's groups of 8.
func FingerprintSHA1(der []byte) string {
	s := sha1.Sum(der)
	return HexGroups(s[:])
}

// HexGroups returns b in upper-case hex, a space every 4 bytes, all on one
// line ("8D421ABE D6DCADB8 ...", as key identifiers are shown).
func HexGroups(b []byte) string {
	var sb strings.Builder
	for i := 0; i < len(b); i += 4 {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(strings.ToUpper(hex.EncodeToString(b[i:min(i+4, len(b))])))
	}
	return sb.String()
}
