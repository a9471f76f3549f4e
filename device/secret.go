package device

import (
	"crypto/hmac"
	crand "crypto/rand"
	"crypto/sha256"
	"io"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/GehirnInc/crypt"
	_ "github.com/GehirnInc/crypt/md5_crypt" // IOS type 5 secrets are MD5-crypt
)

// secret is a stored credential: an IOS type 5 hash (MD5-crypt) for
// `secret`, or a reversible type 0/7 password for `password`.
type secret struct {
	typ  int    // 0 (clear), 5 (MD5-crypt), 7 (Vigenère)
	text string // the hash, or the clear/encoded password
}

// hashSecret turns a clear-text secret into IOS type 5.
func hashSecret(clear string, rnd io.Reader) secret {
	salt := make([]byte, 4)
	_, _ = io.ReadFull(rnd, salt)
	const alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	for i := range salt {
		salt[i] = alphabet[int(salt[i])%len(alphabet)]
	}
	h, err := crypt.MD5.New().Generate([]byte(clear), []byte("$1$"+string(salt)))
	if err != nil {
		// Generate only fails on a malformed salt, which we never make.
		return secret{typ: 0, text: clear}
	}
	verified.add(h, clear)
	return secret{typ: 5, text: h}
}

// verified remembers the MD5-crypt hashes this process has already seen
// matched by their password, so that a script logging in a thousand times
// pays one MD5-crypt (about 0.2 ms, the most expensive step of an SSH
// login after the key exchange) and not a thousand. It holds keyed digests
// (HMAC-SHA-256 under a key made at start), never a password; only a right
// password finds its entry, so a wrong one still costs one MD5-crypt, as
// an unknown user does.
var verified = newVerifiedCache(4096)

type verifiedCache struct {
	key [32]byte
	max int
	mu  sync.Mutex
	set map[[sha256.Size]byte]struct{}
}

func newVerifiedCache(max int) *verifiedCache {
	c := &verifiedCache{max: max, set: make(map[[sha256.Size]byte]struct{})}
	_, _ = crand.Read(c.key[:])
	return c
}

func (c *verifiedCache) digest(hash, clear string) (d [sha256.Size]byte) {
	m := hmac.New(sha256.New, c.key[:])
	m.Write([]byte(hash))
	m.Write([]byte{0})
	m.Write([]byte(clear))
	m.Sum(d[:0])
	return d
}

func (c *verifiedCache) add(hash, password string) {
	d := c.digest(hash, password)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.set) >= c.max {
		clear(c.set) // bounded: start again rather than grow
	}
	c.set[d] = struct{}{}
}

func (c *verifiedCache) has(hash, clear string) bool {
	d := c.digest(hash, clear)
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.set[d]
	return ok
}

// md5Checks counts MD5-crypt verifications (tests compare what a check
// costs by it, not by the clock).
var md5Checks atomic.Int64

func (s secret) check(clear string) bool {
	switch s.typ {
	case 5:
		if verified.has(s.text, clear) {
			return true
		}
		md5Checks.Add(1)
		if crypt.MD5.New().Verify(s.text, []byte(clear)) != nil {
			return false
		}
		verified.add(s.text, clear)
		return true
	case 7:
		dec, ok := decodeType7(s.text)
		return ok && dec == clear
	default:
		return s.text == clear
	}
}

// xlat is the key of IOS type 7 password "encryption".
const xlat = "dsfd;kfoA,.iyewrkldJKDHSUBsgvca69834ncxv9873254k;fg87"

// encodeType7 encodes clear as an IOS type 7 string with seed 2.
func encodeType7(clear string) string {
	var b strings.Builder
	seed := 2
	b.WriteString("02")
	for i := 0; i < len(clear); i++ {
		b.WriteString(strings.ToUpper(hex2(clear[i] ^ xlat[(seed+i)%len(xlat)])))
	}
	return b.String()
}

// decodeType7 decodes an IOS type 7 string.
func decodeType7(enc string) (string, bool) {
	if len(enc) < 4 || len(enc)%2 != 0 {
		return "", false
	}
	seed := int(enc[0]-'0')*10 + int(enc[1]-'0')
	if seed < 0 || seed > 15 {
		return "", false
	}
	var out []byte
	for i := 2; i+1 < len(enc); i += 2 {
		v, ok := unhex(enc[i : i+2])
		if !ok {
			return "", false
		}
		out = append(out, v^xlat[(seed+(i-2)/2)%len(xlat)])
	}
	return string(out), true
}

func hex2(b byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[b>>4], digits[b&15]})
}

func unhex(s string) (byte, bool) {
	var v byte
	for _, c := range []byte(strings.ToLower(s)) {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | (c - '0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | (c - 'a' + 10)
		default:
			return 0, false
		}
	}
	return v, true
}
