package scep

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// DefaultMaxBodySize is the cap on a POSTed pkiMessage and on a GET's
// message= parameter when Options.MaxBodySize is zero.
const DefaultMaxBodySize = 64 << 10

// replayMemory is how many senderNonces the server remembers to refuse a
// replayed pkiMessage.
const replayMemory = 4096

// Options configure a server. The zero value is ready to use.
type Options struct {
	// Logger receives one record per request (operation, message type,
	// transactionID, outcome) and the reason of every rejection. Nil
	// discards.
	Logger *slog.Logger

	// MaxBodySize caps the pkiMessage of a PKIOperation, POSTed or in a
	// GET's message= (after base64 decoding): larger gets HTTP 413. Zero
	// means DefaultMaxBodySize.
	MaxBodySize int64
}

// NewServer returns the SCEP server of a: an http.Handler serving every path
// ending in "pkiclient.exe" (and answering 404 to any other path). See the
// package documentation for the operations and their answers.
func NewServer(a Authority, opts Options) http.Handler {
	s := &server{auth: a, log: opts.Logger, max: opts.MaxBodySize, seen: map[string]struct{}{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.max <= 0 {
		s.max = DefaultMaxBodySize
	}
	return s
}

type server struct {
	auth Authority
	log  *slog.Logger
	max  int64

	mu   sync.Mutex
	seen map[string]struct{} // senderNonces of verified messages
	ring []string            // the same, oldest first
}

const (
	typeCACert     = "application/x-x509-ca-cert"
	typeNextCACert = "application/x-x509-next-ca-cert"
	typePKIMessage = "application/x-pki-message"
)

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(strings.ToLower(r.URL.Path), "pkiclient.exe") {
		http.NotFound(w, r)
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost:
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		s.fail(w, r, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed")
		return
	}
	op, msg, hasMsg := queryParams(r.URL.RawQuery)
	if op == "" && r.Method == http.MethodPost {
		op = "PKIOperation" // RFC 8894 4.3: many clients leave it out
	}
	caCert, caKey := s.auth.CA()
	if caCert == nil || caKey == nil {
		s.fail(w, r, http.StatusServiceUnavailable, "the certificate server is not enabled")
		return
	}
	switch strings.ToLower(op) {
	case "getcacaps":
		w.Header().Set("Content-Type", "text/plain")
		var b strings.Builder
		for _, c := range s.auth.Caps() {
			b.WriteString(c)
			b.WriteByte('\n')
		}
		io.WriteString(w, b.String())
		s.log.Info("scep", "op", "GetCACaps", "remote", r.RemoteAddr)
	case "getcacert":
		w.Header().Set("Content-Type", typeCACert)
		w.Write(caCert.Raw)
		s.log.Info("scep", "op", "GetCACert", "remote", r.RemoteAddr)
	case "getnextcacert":
		s.getNextCACert(w, r, caCert, caKey)
	case "pkioperation":
		var body []byte
		if r.Method == http.MethodPost {
			var err error
			body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, s.max))
			if err != nil {
				var tooBig *http.MaxBytesError
				if errors.As(err, &tooBig) {
					s.fail(w, r, http.StatusRequestEntityTooLarge, "pkiMessage over the size limit")
				} else {
					s.fail(w, r, http.StatusBadRequest, "reading the body: "+err.Error())
				}
				return
			}
		} else {
			if !hasMsg {
				s.fail(w, r, http.StatusBadRequest, "PKIOperation without message")
				return
			}
			var status int
			body, status = s.decodeMessage(msg)
			if status != 0 {
				s.fail(w, r, status, "undecodable message")
				return
			}
		}
		s.pkiOperation(w, r, body, caCert, caKey)
	default:
		s.fail(w, r, http.StatusBadRequest, "unknown operation "+strconv.Quote(op))
	}
}

// fail answers an HTTP error with a one-line text/plain reason.
func (s *server) fail(w http.ResponseWriter, r *http.Request, status int, reason string) {
	s.log.Info("scep rejected", "status", status, "reason", reason, "path", r.URL.Path, "remote", r.RemoteAddr)
	http.Error(w, "scep: "+reason, status)
}

// queryParams returns the raw values of operation= and message=. message is
// returned as sent, not query-unescaped: IOS sends base64 raw, and
// query-unescaping would turn its '+' into spaces.
func queryParams(raw string) (op, msg string, hasMsg bool) {
	for part := range strings.SplitSeq(raw, "&") {
		k, v, _ := strings.Cut(part, "=")
		k, err := url.QueryUnescape(k)
		if err != nil {
			continue
		}
		switch strings.ToLower(k) {
		case "operation":
			if u, err := url.QueryUnescape(v); err == nil && op == "" {
				op = u
			}
		case "message":
			if !hasMsg {
				msg, hasMsg = v, true
			}
		}
	}
	return op, msg, hasMsg
}

// decodeMessage turns a GET's message= value (base64 or base64url,
// URL-escaped or raw) into the pkiMessage; status is non-zero on failure.
func (s *server) decodeMessage(v string) ([]byte, int) {
	if int64(len(v)) > 3*(s.max/3*4+8) { // escaped base64 of s.max bytes at most
		return nil, http.StatusRequestEntityTooLarge
	}
	u, err := url.PathUnescape(v) // keeps '+'; %2B, %2F, %3D become themselves
	if err != nil {
		return nil, http.StatusBadRequest
	}
	u = strings.Map(func(r rune) rune {
		switch r {
		case ' ':
			return '+' // a '+' that went through form decoding somewhere
		case '-':
			return '+' // base64url, as micromdm's scepclient sends it
		case '_':
			return '/'
		case '\r', '\n', '\t':
			return -1
		}
		return r
	}, u)
	b, err := base64.StdEncoding.DecodeString(u)
	if err != nil {
		b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(u, "="))
	}
	if err != nil || len(b) == 0 {
		return nil, http.StatusBadRequest
	}
	if int64(len(b)) > s.max {
		return nil, http.StatusRequestEntityTooLarge
	}
	return b, 0
}

func (s *server) getNextCACert(w http.ResponseWriter, r *http.Request, caCert *x509.Certificate, caKey crypto.Signer) {
	next, _, ok := s.auth.Rollover()
	if !ok || next == nil {
		s.fail(w, r, http.StatusForbidden, "no rollover CA certificate")
		return
	}
	deg, err := degenerate([]*x509.Certificate{next}, nil)
	if err == nil {
		var out []byte
		out, err = signData(deg, caCert, caKey, s.capsHash(), nil)
		if err == nil {
			w.Header().Set("Content-Type", typeNextCACert)
			w.Write(out)
			s.log.Info("scep", "op", "GetNextCACert", "remote", r.RemoteAddr)
			return
		}
	}
	s.log.Error("scep: GetNextCACert", "err", err)
	http.Error(w, "scep: cannot sign the rollover CA certificate", http.StatusInternalServerError)
}

// capsHash is the digest of messages no request chose one for: SHA-256 if
// the CA advertises it, else SHA-1.
func (s *server) capsHash() crypto.Hash {
	for _, c := range s.auth.Caps() {
		if strings.EqualFold(c, "SHA-256") {
			return crypto.SHA256
		}
	}
	return crypto.SHA1
}

// reply is a CertRep under construction.
type reply struct {
	tid       []byte            // the transactionID value as sent (DER)
	nonce     []byte            // the request's senderNonce
	cert      *x509.Certificate // the CA certificate that signs
	key       crypto.Signer
	hash      crypto.Hash
	recipient *x509.Certificate // the requester's signer certificate
	cipher    Cipher
}

// pkiOperation answers one pkiMessage.
func (s *server) pkiOperation(w http.ResponseWriter, r *http.Request, body []byte, caCert *x509.Certificate, caKey crypto.Signer) {
	msg, err := parseSigned(body)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "not a pkiMessage: "+err.Error())
		return
	}
	if msg.signer == nil || msg.attrs == nil {
		s.fail(w, r, http.StatusBadRequest, "pkiMessage without a signer or signed attributes")
		return
	}
	tidRaw, hasTID := msg.attrs[oidSCEPTransactionID.String()]
	nonce := msg.attrBytes(oidSCEPSenderNonce)
	typeText := msg.attrString(oidSCEPMessageType)
	if !hasTID || msg.attrString(oidSCEPTransactionID) == "" || len(nonce) == 0 || typeText == "" {
		s.fail(w, r, http.StatusBadRequest, "pkiMessage without transactionID, senderNonce or messageType")
		return
	}
	if msg.signerCert == nil {
		s.fail(w, r, http.StatusBadRequest, "pkiMessage without its signer's certificate")
		return
	}
	rep := &reply{tid: tidRaw.FullBytes, nonce: nonce, cert: caCert, key: caKey, hash: msg.hash, recipient: msg.signerCert}
	if rep.hash == 0 {
		rep.hash = s.capsHash()
	}
	m := Message{
		TransactionID: msg.attrString(oidSCEPTransactionID),
		Signer:        msg.signerCert,
		RemoteAddr:    r.RemoteAddr,
	}
	n, err := strconv.Atoi(typeText)
	if err != nil {
		n = -1
	}
	m.Type = MessageType(n)
	log := s.log.With("type", m.Type.String(), "tid", m.TransactionID, "remote", r.RemoteAddr)

	refuse := func(info FailInfo, why string) {
		log.Info("scep FAILURE", "failInfo", info.String(), "reason", why)
		s.certRep(w, r, rep, Reject(info), nil)
	}
	if err := msg.verify(msg.signerCert.PublicKey); err != nil {
		if errors.Is(err, errBadAlg) {
			refuse(BadAlg, err.Error())
		} else {
			refuse(BadMessageCheck, err.Error())
		}
		return
	}
	switch m.Type {
	case PKCSReq, RenewalReq, CertPoll, GetCert, GetCRL:
	default:
		refuse(BadRequest, "unsupported messageType "+strconv.Quote(typeText))
		return
	}
	if _, ok := msg.signerCert.PublicKey.(*rsa.PublicKey); !ok {
		// Checked before the Authority issues anything it could not send.
		refuse(BadAlg, "the signer's key cannot receive an envelope")
		return
	}
	if !s.remember(nonce) {
		refuse(BadRequest, "replayed senderNonce")
		return
	}
	if msg.content == nil {
		refuse(BadRequest, "no pkcsPKIEnvelope")
		return
	}
	env, err := parseEnvelope(msg.content)
	if err != nil {
		refuse(BadRequest, err.Error())
		return
	}
	if !env.known {
		refuse(BadAlg, "unsupported content-encryption algorithm")
		return
	}
	rep.cipher = env.cipher
	var key crypto.Signer
	next, nextKey, ok := s.auth.Rollover()
	if !ok || nextKey == nil {
		next = nil
	}
	switch {
	case env.isFor(caCert):
		m.Recipient, key = caCert, caKey
	case next != nil && env.isFor(next):
		m.Recipient, key, m.Rollover = next, nextKey, true
		rep.cert, rep.key = next, nextKey
	default:
		refuse(BadMessageCheck, "envelope not encrypted to the CA certificate")
		return
	}
	data, err := env.decrypt(m.Recipient, key)
	if err != nil {
		refuse(BadMessageCheck, err.Error())
		return
	}
	if next != nil && certSignedBy(msg.signerCert, next) {
		m.SignerIssuer = next
	} else if certSignedBy(msg.signerCert, caCert) {
		m.SignerIssuer = caCert
	}

	var d Decision
	var crl []byte
	switch m.Type {
	case PKCSReq, RenewalReq:
		csr, err := x509.ParseCertificateRequest(data)
		if err != nil {
			refuse(BadRequest, "CSR: "+err.Error())
			return
		}
		if checkSignature(csr.PublicKey, sigHash(csr.SignatureAlgorithm), csr.RawTBSCertificateRequest, csr.Signature) != nil {
			refuse(BadMessageCheck, "the CSR's signature does not verify")
			return
		}
		req := &Request{Message: m, CSR: csr, ChallengePassword: challengePassword(csr)}
		d = s.auth.Enroll(r.Context(), req)
	case CertPoll:
		var ias issuerAndSubject
		if rest, err := asn1.Unmarshal(data, &ias); err != nil || len(rest) != 0 {
			refuse(BadRequest, "malformed IssuerAndSubject")
			return
		}
		d = s.auth.Poll(r.Context(), &PollRequest{Message: m, Issuer: ias.Issuer.FullBytes, Subject: ias.Subject.FullBytes})
	case GetCert, GetCRL:
		var ias issuerAndSerial
		if rest, err := asn1.Unmarshal(data, &ias); err != nil || len(rest) != 0 || ias.Serial == nil {
			refuse(BadRequest, "malformed IssuerAndSerialNumber")
			return
		}
		if m.Type == GetCert {
			c, ok := s.auth.GetCert(ias.Issuer.FullBytes, new(big.Int).Set(ias.Serial))
			if !ok || c == nil {
				refuse(BadCertID, "no such certificate")
				return
			}
			d = Grant(c)
		} else {
			der, ok := s.auth.GetCRL(ias.Issuer.FullBytes, new(big.Int).Set(ias.Serial))
			if !ok || len(der) == 0 {
				refuse(BadCertID, "no CRL for that issuer")
				return
			}
			d, crl = Decision{Status: Success}, der
		}
	}
	if d.Status == Success && d.Cert == nil && crl == nil {
		d = Reject(BadRequest)
	}
	log.Info("scep", "status", d.Status.String(), "failInfo", d.FailInfo.String(), "rollover", m.Rollover)
	s.certRep(w, r, rep, d, crl)
}

// remember records a senderNonce and reports whether it is new.
func (s *server) remember(nonce []byte) bool {
	k := string(nonce)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.seen[k]; dup {
		return false
	}
	s.seen[k] = struct{}{}
	s.ring = append(s.ring, k)
	if len(s.ring) > replayMemory {
		delete(s.seen, s.ring[0])
		s.ring = s.ring[1:]
	}
	return true
}

// certRep writes the CertRep of d.
func (s *server) certRep(w http.ResponseWriter, r *http.Request, rep *reply, d Decision, crl []byte) {
	attrs := []attr{
		{oidSCEPTransactionID, rep.tid},
		{oidSCEPMessageType, printable(strconv.Itoa(int(CertRep)))},
		{oidSCEPRecipientNonce, octetString(rep.nonce)},
	}
	sn := make([]byte, 16)
	rand.Read(sn)
	attrs = append(attrs, attr{oidSCEPSenderNonce, octetString(sn)})
	var content []byte
	if d.Status == Success {
		var deg []byte
		var err error
		if crl != nil {
			deg, err = degenerate(nil, [][]byte{crl})
		} else {
			deg, err = degenerate(append([]*x509.Certificate{d.Cert}, d.Chain...), nil)
		}
		if err == nil {
			content, err = envelope(deg, rep.recipient, rep.cipher)
		}
		if err != nil {
			s.log.Info("scep FAILURE", "reason", "cannot encrypt the reply: "+err.Error())
			d, content = Reject(BadAlg), nil
		}
	}
	attrs = append(attrs, attr{oidSCEPPKIStatus, printable(d.Status.pkiStatus())})
	if d.Status == Failure {
		attrs = append(attrs, attr{oidSCEPFailInfo, printable(string(d.FailInfo.wire()))})
	}
	out, err := signData(content, rep.cert, rep.key, rep.hash, attrs)
	if err != nil && rep.hash == crypto.MD5 {
		out, err = signData(content, rep.cert, rep.key, crypto.SHA1, attrs)
	}
	if err != nil {
		s.log.Error("scep: signing the CertRep", "err", err)
		http.Error(w, "scep: cannot sign the reply", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", typePKIMessage)
	w.Write(out)
}

// challengePassword returns the challengePassword attribute of csr.
func challengePassword(csr *x509.CertificateRequest) string {
	var info struct {
		Version int
		Subject asn1.RawValue
		Key     asn1.RawValue
		Attrs   asn1.RawValue `asn1:"optional,tag:0"`
	}
	if _, err := asn1.Unmarshal(csr.RawTBSCertificateRequest, &info); err != nil {
		return ""
	}
	for rest := info.Attrs.Bytes; len(rest) > 0; {
		var a attribute
		var err error
		if rest, err = asn1.Unmarshal(rest, &a); err != nil {
			return ""
		}
		if !a.Type.Equal(oidChallengePassword) {
			continue
		}
		var v string
		if _, err := asn1.Unmarshal(a.Values.Bytes, &v); err == nil {
			return v
		}
	}
	return ""
}
