package pki

import (
	"bytes"
	"encoding/asn1"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// AVA is one attribute of a distinguished name: cn=RootCA.
type AVA struct {
	Type  asn1.ObjectIdentifier
	Value string
	// Tag is the ASN.1 string type of Value (asn1.TagPrintableString,
	// asn1.TagUTF8String, asn1.TagIA5String, asn1.TagT61String,
	// asn1.TagBMPString); 0 lets Marshal choose as IOS does: PrintableString
	// when the value allows it, IA5String for e-mail and dc, else UTF8String.
	Tag int
}

// RDN is one relative distinguished name; more than one AVA is IOS's
// "serialNumber=67109104+hostname=R15.labtech.su".
type RDN []AVA

// Name is a distinguished name in encoding (DER) order: the most general
// RDN first. IOS strings and show lines list it the other way round.
type Name []RDN

// OIDs of the attributes IOS names.
var (
	OIDCommonName          = asn1.ObjectIdentifier{2, 5, 4, 3}
	OIDSurname             = asn1.ObjectIdentifier{2, 5, 4, 4}
	OIDSerialNumber        = asn1.ObjectIdentifier{2, 5, 4, 5}
	OIDCountry             = asn1.ObjectIdentifier{2, 5, 4, 6}
	OIDLocality            = asn1.ObjectIdentifier{2, 5, 4, 7}
	OIDState               = asn1.ObjectIdentifier{2, 5, 4, 8}
	OIDStreet              = asn1.ObjectIdentifier{2, 5, 4, 9}
	OIDOrganization        = asn1.ObjectIdentifier{2, 5, 4, 10}
	OIDOrganizationalUnit  = asn1.ObjectIdentifier{2, 5, 4, 11}
	OIDTitle               = asn1.ObjectIdentifier{2, 5, 4, 12}
	OIDPostalCode          = asn1.ObjectIdentifier{2, 5, 4, 17}
	OIDGivenName           = asn1.ObjectIdentifier{2, 5, 4, 42}
	OIDInitials            = asn1.ObjectIdentifier{2, 5, 4, 43}
	OIDDNQualifier         = asn1.ObjectIdentifier{2, 5, 4, 46}
	OIDEmailAddress        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}
	OIDUnstructuredName    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 2}
	OIDUnstructuredAddress = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 8}
	OIDDomainComponent     = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 25}
	OIDUserID              = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}
)

type dnAttr struct {
	show  string   // the keyword IOS prints in show output
	names []string // keywords accepted in DN strings (lower case)
	oid   asn1.ObjectIdentifier
}

var dnAttrs = []dnAttr{
	{"cn", []string{"cn", "commonname"}, OIDCommonName},
	{"ou", []string{"ou", "organizationalunitname"}, OIDOrganizationalUnit},
	{"o", []string{"o", "organizationname"}, OIDOrganization},
	{"c", []string{"c", "countryname"}, OIDCountry},
	{"l", []string{"l", "localityname"}, OIDLocality},
	{"st", []string{"st", "s", "stateorprovincename"}, OIDState},
	{"street", []string{"street", "streetaddress"}, OIDStreet},
	{"t", []string{"t", "title"}, OIDTitle},
	{"sn", []string{"sn", "surname"}, OIDSurname},
	{"serialNumber", []string{"serialnumber"}, OIDSerialNumber},
	{"postalcode", []string{"postalcode"}, OIDPostalCode},
	{"gn", []string{"gn", "givenname"}, OIDGivenName},
	{"i", []string{"i", "initials"}, OIDInitials},
	{"dnq", []string{"dnq", "dnqualifier"}, OIDDNQualifier},
	{"ea", []string{"ea", "e", "email", "emailaddress"}, OIDEmailAddress},
	{"hostname", []string{"hostname", "unstructuredname"}, OIDUnstructuredName},
	{"ipaddress", []string{"ipaddress", "unstructuredaddress"}, OIDUnstructuredAddress},
	{"dc", []string{"dc", "domaincomponent"}, OIDDomainComponent},
	{"uid", []string{"uid", "userid"}, OIDUserID},
}

// ParseDN parses an IOS DN string (`issuer-name CN=RootCA,OU=TAC,O=Cisco`,
// `subject-name cn=spoke-1.cisco.com,ou=CVO`): comma-separated key=value
// pairs, keys case-insensitive, blanks around them dropped, '+' joining the
// AVAs of one RDN. As IOS does, only the comma and the plus separate, so
// "cn=R1 C=pki" is one common name "R1 C=pki". The result is in encoding
// order, the reverse of the string's.
func ParseDN(s string) (Name, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("pki: empty distinguished name")
	}
	parts := strings.Split(s, ",")
	n := make(Name, 0, len(parts))
	for i := len(parts) - 1; i >= 0; i-- {
		avas := strings.Split(parts[i], "+")
		rdn := make(RDN, 0, len(avas))
		for j := range avas {
			k, v, ok := strings.Cut(avas[j], "=")
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if !ok || k == "" || v == "" {
				return nil, fmt.Errorf("pki: distinguished name %q: bad attribute %q", clip(s), clip(avas[j]))
			}
			if !utf8.ValidString(v) {
				return nil, fmt.Errorf("pki: distinguished name %q: value is not UTF-8", clip(s))
			}
			oid, err := attrOID(k)
			if err != nil {
				return nil, fmt.Errorf("pki: distinguished name %q: %w", clip(s), err)
			}
			rdn = append(rdn, AVA{Type: oid, Value: v})
		}
		sortRDN(rdn)
		n = append(n, rdn)
	}
	return n, nil
}

func attrOID(k string) (asn1.ObjectIdentifier, error) {
	lk := strings.ToLower(k)
	for _, a := range dnAttrs {
		for _, name := range a.names {
			if name == lk {
				return a.oid, nil
			}
		}
	}
	// a dotted OID is accepted too
	var oid asn1.ObjectIdentifier
	for _, f := range strings.Split(k, ".") {
		x := 0
		if f == "" || len(f) > 9 {
			return nil, fmt.Errorf("unknown attribute %q", clip(k))
		}
		for _, c := range f {
			if c < '0' || c > '9' {
				return nil, fmt.Errorf("unknown attribute %q", clip(k))
			}
			x = x*10 + int(c-'0')
		}
		oid = append(oid, x)
	}
	if len(oid) < 2 || oid[0] > 2 || (oid[0] < 2 && oid[1] > 39) {
		return nil, fmt.Errorf("unknown attribute %q", clip(k))
	}
	return oid, nil
}

// attrName returns the keyword IOS shows for oid.
func attrName(oid asn1.ObjectIdentifier) string {
	for _, a := range dnAttrs {
		if a.oid.Equal(oid) {
			return a.show
		}
	}
	return oid.String()
}

// String returns the AVA as IOS shows it: "cn=RootCA".
func (a AVA) String() string { return attrName(a.Type) + "=" + a.Value }

// String returns the RDN's AVAs joined by '+' in encoding order, which is
// the order IOS shows them in ("serialNumber=67109104+hostname=R15").
func (r RDN) String() string {
	s := make([]string, len(r))
	for i := range r {
		s[i] = r[i].String()
	}
	return strings.Join(s, "+")
}

// sortRDN puts the AVAs of a multi-valued RDN in DER SET OF order (by
// their encodings), the order they are encoded and shown in.
func sortRDN(r RDN) {
	if len(r) < 2 {
		return
	}
	enc := func(a AVA) []byte {
		tag := a.Tag
		if tag == 0 {
			tag = chooseTag(a)
		}
		v, _ := encodeString(tag, a.Value)
		b, _ := asn1.Marshal(atv{Type: a.Type, Value: asn1.RawValue{Class: asn1.ClassUniversal, Tag: tag, Bytes: v}})
		return b
	}
	sort.SliceStable(r, func(i, j int) bool { return bytes.Compare(enc(r[i]), enc(r[j])) < 0 })
}

// Lines returns the lines `show crypto pki certificates` prints under
// Issuer: and Subject: (without indent), most specific RDN first:
// "cn=RootCA", "ou=TAC", "o=Cisco".
func (n Name) Lines() []string {
	out := make([]string, len(n))
	for i := range n {
		out[i] = n[len(n)-1-i].String()
	}
	return out
}

// String returns the one-line IOS form: "cn=RootCA,ou=TAC,o=Cisco",
// "ipaddress=202.100.1.1+hostname=c8kv1.qytang.com,cn=c8kv1.qytang.com".
func (n Name) String() string { return strings.Join(n.Lines(), ",") }

// Find returns the value of the first (most specific) AVA of type oid.
func (n Name) Find(oid asn1.ObjectIdentifier) (string, bool) {
	for i := len(n) - 1; i >= 0; i-- {
		for _, a := range n[i] {
			if a.Type.Equal(oid) {
				return a.Value, true
			}
		}
	}
	return "", false
}

// Equal reports whether n and m hold the same attributes in the same order
// (string types aside).
func (n Name) Equal(m Name) bool {
	if len(n) != len(m) {
		return false
	}
	for i := range n {
		if len(n[i]) != len(m[i]) {
			return false
		}
		for j := range n[i] {
			if !n[i][j].Type.Equal(m[i][j].Type) || n[i][j].Value != m[i][j].Value {
				return false
			}
		}
	}
	return true
}

type atv struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue
}

// rdnSET is encoded as a SET OF (encoding/asn1 keys on the SET suffix).
type rdnSET []atv

// Marshal returns the DER RDNSequence of n.
func (n Name) Marshal() ([]byte, error) {
	seq := make([]rdnSET, len(n))
	for i, rdn := range n {
		set := make(rdnSET, len(rdn))
		for j, a := range rdn {
			tag := a.Tag
			if tag == 0 {
				tag = chooseTag(a)
			}
			val, err := encodeString(tag, a.Value)
			if err != nil {
				return nil, fmt.Errorf("pki: encoding %s: %w", a, err)
			}
			set[j] = atv{Type: a.Type, Value: asn1.RawValue{Class: asn1.ClassUniversal, Tag: tag, Bytes: val}}
		}
		seq[i] = set
	}
	der, err := asn1.Marshal(seq)
	if err != nil {
		return nil, fmt.Errorf("pki: encoding name: %w", err)
	}
	return der, nil
}

func chooseTag(a AVA) int {
	if a.Type.Equal(OIDEmailAddress) || a.Type.Equal(OIDDomainComponent) {
		if isIA5(a.Value) {
			return asn1.TagIA5String
		}
		return asn1.TagUTF8String
	}
	if isPrintable(a.Value) {
		return asn1.TagPrintableString
	}
	return asn1.TagUTF8String
}

func isPrintable(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte(" '()+,-./:=?", c) >= 0:
		default:
			return false
		}
	}
	return true
}

func isIA5(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func encodeString(tag int, s string) ([]byte, error) {
	switch tag {
	case asn1.TagPrintableString:
		if !isPrintable(s) {
			return nil, errors.New("not a PrintableString")
		}
	case asn1.TagIA5String, asn1.TagT61String, 26 /* VisibleString */ :
		if !isIA5(s) {
			return nil, errors.New("not an IA5String")
		}
	case asn1.TagUTF8String:
		if !utf8.ValidString(s) {
			return nil, errors.New("not UTF-8")
		}
	case asn1.TagBMPString:
		var b []byte
		for _, r := range s {
			if r > 0xFFFF {
				return nil, errors.New("not a BMPString")
			}
			b = append(b, byte(r>>8), byte(r))
		}
		return b, nil
	default:
		return nil, fmt.Errorf("unsupported string tag %d", tag)
	}
	return []byte(s), nil
}

// ParseName decodes a DER RDNSequence (a certificate's RawSubject or
// RawIssuer), keeping each value's string type.
func ParseName(der []byte) (Name, error) {
	var seq []rdnSET
	rest, err := asn1.Unmarshal(der, &seq)
	if err != nil {
		return nil, fmt.Errorf("pki: decoding name: %w", err)
	}
	if len(rest) != 0 {
		return nil, errors.New("pki: decoding name: trailing data")
	}
	n := make(Name, 0, len(seq))
	for _, set := range seq {
		rdn := make(RDN, 0, len(set))
		for _, a := range set {
			if a.Value.Class != asn1.ClassUniversal {
				return nil, fmt.Errorf("pki: decoding name: %s: not a string", a.Type)
			}
			var v string
			switch a.Value.Tag {
			case asn1.TagPrintableString, asn1.TagIA5String, asn1.TagT61String, asn1.TagUTF8String, 26 /* VisibleString */ :
				v = string(a.Value.Bytes)
			case asn1.TagBMPString:
				if len(a.Value.Bytes)%2 != 0 {
					return nil, errors.New("pki: decoding name: odd BMPString")
				}
				var r []rune
				for i := 0; i < len(a.Value.Bytes); i += 2 {
					r = append(r, rune(a.Value.Bytes[i])<<8|rune(a.Value.Bytes[i+1]))
				}
				v = string(r)
			default:
				return nil, fmt.Errorf("pki: decoding name: %s: unsupported string type %d", a.Type, a.Value.Tag)
			}
			rdn = append(rdn, AVA{Type: a.Type, Value: v, Tag: a.Value.Tag})
		}
		n = append(n, rdn)
	}
	return n, nil
}
