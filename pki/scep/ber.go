package scep

import "errors"

var errBER = errors.New("scep: malformed BER")

// maxBERDepth bounds the nesting of a message; real pkiMessages nest about
// a dozen deep.
const maxBERDepth = 48

// toDER re-encodes one BER value (indefinite lengths, non-minimal lengths)
// with minimal definite lengths, so that encoding/asn1 can read it. Strings
// sent in constructed form stay constructed; the readers here accept both.
// Trailing bytes after the value are an error.
func toDER(b []byte) ([]byte, error) {
	out, rest, err := berValue(b, 0)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, errBER
	}
	return out, nil
}

// berValue reads one value at the start of b and returns its DER and the
// bytes after it.
func berValue(b []byte, depth int) (der, rest []byte, err error) {
	if depth > maxBERDepth || len(b) < 2 {
		return nil, nil, errBER
	}
	i := 1
	if b[0]&0x1f == 0x1f { // high tag number form
		for {
			if i >= len(b) || i > 5 {
				return nil, nil, errBER
			}
			c := b[i]
			i++
			if c&0x80 == 0 {
				break
			}
		}
	}
	if i >= len(b) {
		return nil, nil, errBER
	}
	head := b[:i]
	constructed := b[0]&0x20 != 0
	l := int(b[i])
	i++
	if l == 0x80 { // indefinite: children up to the end-of-contents octets
		if !constructed {
			return nil, nil, errBER
		}
		var body []byte
		rest = b[i:]
		for {
			if len(rest) < 2 {
				return nil, nil, errBER
			}
			if rest[0] == 0 && rest[1] == 0 {
				rest = rest[2:]
				break
			}
			var child []byte
			child, rest, err = berValue(rest, depth+1)
			if err != nil {
				return nil, nil, err
			}
			body = append(body, child...)
		}
		return encodeTLV(head, body), rest, nil
	}
	if l > 0x80 {
		n := l & 0x7f
		if n > 4 || i+n > len(b) {
			return nil, nil, errBER
		}
		l = 0
		for _, c := range b[i : i+n] {
			l = l<<8 | int(c)
		}
		i += n
	}
	if l < 0 || l > len(b)-i {
		return nil, nil, errBER
	}
	content, rest := b[i:i+l], b[i+l:]
	if !constructed {
		return encodeTLV(head, content), rest, nil
	}
	var body []byte
	for len(content) > 0 {
		var child []byte
		child, content, err = berValue(content, depth+1)
		if err != nil {
			return nil, nil, err
		}
		body = append(body, child...)
	}
	return encodeTLV(head, body), rest, nil
}

// encodeTLV returns the tag bytes head, the DER length of body, and body.
func encodeTLV(head, body []byte) []byte {
	out := make([]byte, 0, len(head)+6+len(body))
	out = append(out, head...)
	out = appendLength(out, len(body))
	return append(out, body...)
}

func appendLength(out []byte, n int) []byte {
	switch {
	case n < 0x80:
		return append(out, byte(n))
	case n < 0x100:
		return append(out, 0x81, byte(n))
	case n < 0x10000:
		return append(out, 0x82, byte(n>>8), byte(n))
	case n < 0x1000000:
		return append(out, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
	return append(out, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}
