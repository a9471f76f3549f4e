package pki

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/iosemu/iosemu/pki/scep"
)

// scepTransport is what a trustpoint needs of a SCEP client; *scep.Client
// is one.
type scepTransport interface {
	GetCACert(ctx context.Context, name string) ([]*x509.Certificate, error)
	GetCACaps(ctx context.Context) ([]string, error)
	GetNextCACert(ctx context.Context, name string, current *x509.Certificate) ([]*x509.Certificate, error)
	Enroll(ctx context.Context, e *scep.Enrollment) (scep.Decision, error)
	Poll(ctx context.Context, e *scep.Enrollment) (scep.Decision, error)
}

// tpState is the trustpoint's mutable state, guarded by Trustpoint.mu.
type tpState struct {
	cfg TrustpointConfig

	ca, caRoll     *x509.Certificate
	ra             []*x509.Certificate
	id, idRoll     *x509.Certificate
	keyLabel       string // the key pair of id
	shadowKeyLabel string // the key pair of idRoll, or of a pending regenerate request
	caps           []string
	pending        *pendingReq
	stopped        bool
	answers        EnrollOptions // the last dialog answers, reused by timers

	closed bool
	busy   bool // a SCEP exchange is in flight
	seq    uint64
	armed  map[string]*armedTimer // by kind: TimerTPRenew, ...
	retry  *connectRetry
	// nonAuthLogged: %PKI-2-NON_AUTHORITATIVE_CLOCK was said since the
	// last Start with an authoritative clock.
	nonAuthLogged bool
	// idFrom is the Current-Authoritative-Time IOS computes RENEW and SHADOW
	// from: when id was installed or became active; zero after LoadChain
	// (the next arming takes the clock's time then, as IOS does at boot).
	idFrom time.Time
	// after holds keyring changes made under the lock, run by unlock (the
	// keyring's change hook may call into the face).
	after []func()
}

// unlock releases the lock and runs the keyring changes queued under it.
func (t *Trustpoint) unlock() {
	after := t.tp.after
	t.tp.after = nil
	t.mu.Unlock()
	for _, f := range after {
		f()
	}
}

type armedTimer struct {
	timer Timer
	seq   uint64
}

// pendingReq is a request the CA holds PENDING (or one being retried
// after the CA could not be reached).
type pendingReq struct {
	info     PendingEnrollment
	enr      *scep.Enrollment
	key      *Key // the key of the request when it is not yet in the keyring's active label
	interval time.Duration
}

// connectRetry is an operation to redo when the CA could not be reached.
type connectRetry struct {
	kind     string // TimerTPRenew or TimerTPShadow
	attempts int
	due      time.Time
	req      *pendingReq // the request to send again (same transaction), nil before one was built
}

func newTrustpoint(name string, cfg TrustpointConfig, deps TrustpointDeps) (*Trustpoint, error) {
	if name == "" {
		return nil, errors.New("pki: trustpoint name is empty")
	}
	if deps.Clock == nil || deps.Keys == nil || deps.Identity == nil {
		return nil, errors.New("pki: trustpoint needs a clock, a keyring and an identity")
	}
	t := &Trustpoint{name: name, deps: deps, tp: tpState{cfg: cfg, armed: map[string]*armedTimer{}}}
	return t, nil
}

// transport returns the SCEP client of the configured URL.
func (t *Trustpoint) transport(cfg TrustpointConfig) (scepTransport, error) {
	if t.newTransport != nil {
		return t.newTransport(cfg.URL)
	}
	if cfg.Enrollment != EnrollmentURL || cfg.URL == "" {
		return nil, ErrNoEnrollment
	}
	if t.deps.HTTP == nil {
		return nil, errors.New("pki: trustpoint has no HTTP doer")
	}
	return scep.NewClient(cfg.URL, t.deps.HTTP, scep.ClientOptions{})
}

// --- events -------------------------------------------------------------

// tpIndent is the indent of the continuation lines of IOS's multi-line PKI
// messages (after the timestamp's width).
const tpIndent = "                      "

type eventList []Event

func (e *eventList) log(now time.Time, text string) {
	*e = append(*e, Event{Kind: EventLog, Time: now, Text: text})
}

func (e *eventList) debug(now time.Time, text string) {
	*e = append(*e, Event{Kind: EventDebug, Time: now, Text: text})
}

func (t *Trustpoint) deliver(ev eventList) {
	if t.deps.Events == nil {
		return
	}
	for _, e := range ev {
		t.deps.Events(e)
	}
}

func (t *Trustpoint) changed() {
	if t.deps.Changed != nil {
		t.deps.Changed()
	}
}

// SerialHex returns a certificate serial number as IOS names it in
// `crypto pki certificate chain` and the certificate messages: upper-case
// hex with an even number of digits ("02", "0A", "1B3F").
func SerialHex(n *big.Int) string {
	if n == nil {
		return "00"
	}
	s := strings.ToUpper(n.Text(16))
	if len(s)%2 == 1 {
		s = "0" + s
	}
	return s
}

// NameString returns the IOS one-line form of a DER Name
// ("cn=RootCA,ou=TAC,o=Cisco"), or "" when it does not parse.
func NameString(der []byte) string {
	n, err := ParseName(der)
	if err != nil {
		return ""
	}
	return n.String()
}

func certInstallText(mnemonic, head, tp string, c *x509.Certificate) string {
	return mnemonic + ": " + head + "\n" +
		tpIndent + "Trustpoint   : " + tp + "\n" +
		tpIndent + "Issuer-name  : " + NameString(c.RawIssuer) + "\n" +
		tpIndent + "Subject-name : " + NameString(c.RawSubject) + "\n" +
		tpIndent + "Serial-number: " + SerialHex(c.SerialNumber) + "\n" +
		tpIndent + "End-date     : " + c.NotAfter.UTC().Format("2006-01-02T15:04:05Z")
}

// csrFingerprintEvents are %PKI-6-CSR_FINGERPRINT and the CRYPTO_PKI lines
// IOS prints with it.
func csrFingerprintEvents(ev *eventList, now time.Time, csr []byte) {
	m := md5.Sum(csr)
	s := sha1.Sum(csr)
	ev.log(now, "%PKI-6-CSR_FINGERPRINT:\n"+
		tpIndent+"CSR Fingerprint MD5 : "+strings.ToUpper(hex.EncodeToString(m[:]))+"\n"+
		tpIndent+"CSR Fingerprint SHA1: "+strings.ToUpper(hex.EncodeToString(s[:])))
	ev.debug(now, "CRYPTO_PKI:  Certificate Request Fingerprint MD5: "+HexGroups(m[:]))
	ev.debug(now, "CRYPTO_PKI:  Certificate Request Fingerprint SHA1: "+HexGroups(s[:]))
}

// --- configuration and snapshots --------------------------------------

func (t *Trustpoint) config() TrustpointConfig {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.tp.cfg
	c.Revocation = slices.Clone(c.Revocation)
	return c
}

func (t *Trustpoint) setConfig(cfg TrustpointConfig) {
	t.mu.Lock()
	t.tp.cfg = cfg
	t.tp.cfg.Revocation = slices.Clone(cfg.Revocation)
	ev := t.armLocked()
	t.unlock()
	t.deliver(ev)
}

func (t *Trustpoint) keyLabel() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.keyLabelLocked()
}

func (t *Trustpoint) keyLabelLocked() string {
	if t.tp.cfg.KeyLabel != "" {
		return t.tp.cfg.KeyLabel
	}
	return t.deps.Identity().FQDN()
}

func (cfg TrustpointConfig) retryCount() int {
	if cfg.RetryCount > 0 {
		return cfg.RetryCount
	}
	return DefaultRetryCount
}

func (cfg TrustpointConfig) retryPeriod() time.Duration {
	if cfg.RetryPeriod > 0 {
		return cfg.RetryPeriod
	}
	return DefaultRetryPeriod
}

func (cfg TrustpointConfig) percent() int {
	if cfg.AutoEnrollPercent > 0 && cfg.AutoEnrollPercent <= 100 {
		return cfg.AutoEnrollPercent
	}
	return 100
}

func (t *Trustpoint) state() TrustpointState {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := TrustpointState{
		CA: t.tp.ca, CARollover: t.tp.caRoll, RA: slices.Clone(t.tp.ra),
		ID: t.tp.id, IDRollover: t.tp.idRoll,
		KeyLabel: t.tp.keyLabel, ShadowKeyLabel: t.tp.shadowKeyLabel,
		Caps: slices.Clone(t.tp.caps), Stopped: t.tp.stopped,
	}
	if s.ID != nil && s.KeyLabel == "" {
		s.KeyLabel = t.keyLabelLocked()
	}
	if p := t.tp.pending; p != nil {
		info := p.info
		s.Pending = &info
	}
	return s
}

func (t *Trustpoint) chain() []ChainCert {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []ChainCert
	add := func(r CertRole, c *x509.Certificate) {
		if c != nil {
			out = append(out, ChainCert{Role: r, Serial: SerialHex(c.SerialNumber), Cert: c})
		}
	}
	add(RoleIDRollover, t.tp.idRoll)
	add(RoleID, t.tp.id)
	add(RoleCARollover, t.tp.caRoll)
	add(RoleCA, t.tp.ca)
	for _, c := range t.tp.ra {
		add(RoleRA, c)
	}
	return out
}

// keyFor returns the label of the keyring's key whose public half is
// cert's, preferring want.
func (t *Trustpoint) keyFor(cert *x509.Certificate, want ...string) (string, bool) {
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return "", false
	}
	for _, l := range want {
		if k, ok := t.deps.Keys.Get(l); ok && k.Public().Equal(pub) {
			return l, true
		}
	}
	for _, k := range t.deps.Keys.List() {
		if k.Public().Equal(pub) {
			return k.Label, true
		}
	}
	return "", false
}

func (t *Trustpoint) loadChain(certs []ChainCert) error {
	var ca, caRoll, id, idRoll *x509.Certificate
	var ra []*x509.Certificate
	for _, c := range certs {
		if c.Cert == nil {
			return errors.New("pki: trustpoint chain: missing certificate")
		}
		switch c.Role {
		case RoleCA:
			ca = c.Cert
		case RoleCARollover:
			caRoll = c.Cert
		case RoleID:
			id = c.Cert
		case RoleIDRollover:
			idRoll = c.Cert
		case RoleRA:
			ra = append(ra, c.Cert)
		default:
			return fmt.Errorf("pki: trustpoint chain: unknown role %d", c.Role)
		}
	}
	t.mu.Lock()
	label := t.keyLabelLocked()
	t.unlock()
	var keyLabel, shadowLabel string
	if id != nil {
		keyLabel, _ = t.keyFor(id, label)
	}
	if idRoll != nil {
		shadowLabel, _ = t.keyFor(idRoll, label+"#", label)
	}
	t.mu.Lock()
	t.tp.ca, t.tp.caRoll, t.tp.id, t.tp.idRoll, t.tp.ra = ca, caRoll, id, idRoll, ra
	t.tp.keyLabel, t.tp.shadowKeyLabel = keyLabel, shadowLabel
	t.tp.stopped = false
	t.tp.idFrom = time.Time{}
	t.unlock()
	return nil
}

func (t *Trustpoint) close() {
	t.mu.Lock()
	t.tp.closed = true
	t.stopTimersLocked()
	t.unlock()
}

func (t *Trustpoint) cancelRequest() bool {
	t.mu.Lock()
	had := t.tp.pending != nil
	t.tp.pending = nil
	t.stopTimer(TimerTPPoll)
	t.unlock()
	if had {
		t.changed()
	}
	return had
}

func (t *Trustpoint) deleteCert(role CertRole, serial string) error {
	t.mu.Lock()
	var p **x509.Certificate
	switch role {
	case RoleCA:
		p = &t.tp.ca
	case RoleCARollover:
		p = &t.tp.caRoll
	case RoleID:
		p = &t.tp.id
	case RoleIDRollover:
		p = &t.tp.idRoll
	case RoleRA:
		for i, c := range t.tp.ra {
			if strings.EqualFold(SerialHex(c.SerialNumber), normSerial(serial)) {
				t.tp.ra = slices.Delete(t.tp.ra, i, i+1)
				t.unlock()
				t.changed()
				return nil
			}
		}
		t.unlock()
		return ErrNoCertificate
	}
	if p == nil || *p == nil || !strings.EqualFold(SerialHex((*p).SerialNumber), normSerial(serial)) {
		t.unlock()
		return ErrNoCertificate
	}
	*p = nil
	ev := t.armLocked()
	t.unlock()
	t.deliver(ev)
	t.changed()
	return nil
}

func normSerial(s string) string {
	s = strings.TrimSpace(s)
	if len(s)%2 == 1 {
		s = "0" + s
	}
	return s
}

// --- authentication -----------------------------------------------------

// isUnreachable reports whether err means the CA could not be reached at
// all (as opposed to an answer IOS could not use).
func isUnreachable(err error) bool {
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.As(err, &oe), errors.As(err, &ne):
		return true
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, os.ErrDeadlineExceeded),
		errors.Is(err, context.DeadlineExceeded):
		return true
	}
	return false
}

func (t *Trustpoint) offer(certs []*x509.Certificate, cfg TrustpointConfig) (*CAOffer, error) {
	if len(certs) == 0 {
		return nil, errors.New("pki: no CA certificate received")
	}
	o := &CAOffer{}
	for _, c := range certs {
		if o.CA == nil && c.IsCA && bytes.Equal(c.RawIssuer, c.RawSubject) {
			o.CA = c
		} else {
			o.RA = append(o.RA, c)
		}
	}
	if o.CA == nil { // a subordinate CA, or a certificate without basicConstraints
		o.CA, o.RA = certs[0], certs[1:]
	}
	o.FingerprintMD5 = FingerprintMD5(o.CA.Raw)
	o.FingerprintSHA1 = FingerprintSHA1(o.CA.Raw)
	if fp := normFingerprint(cfg.Fingerprint); fp != "" {
		if fp != normFingerprint(o.FingerprintMD5) && fp != normFingerprint(o.FingerprintSHA1) {
			return o, ErrFingerprintMismatch
		}
		o.Accepted = true
	}
	return o, nil
}

func normFingerprint(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

func (t *Trustpoint) authenticate(ctx context.Context) (*CAOffer, error) {
	cfg := t.config()
	tr, err := t.transport(cfg)
	if err != nil {
		return nil, err
	}
	certs, err := tr.GetCACert(ctx, t.name)
	if err != nil {
		var ev eventList
		now := t.deps.Clock.Now()
		if isUnreachable(err) {
			ev.log(now, "%PKI-3-SOCKETSEND: Failed to send out message to CA server.")
			t.deliver(ev)
			return nil, fmt.Errorf("%w: %w", ErrCAUnreachable, err)
		}
		t.deliver(ev)
		return nil, fmt.Errorf("pki: GetCACert: %w", err)
	}
	o, err := t.offer(certs, cfg)
	if err != nil {
		return o, err
	}
	if o.Accepted {
		if err := t.acceptWith(ctx, tr, o); err != nil {
			return o, err
		}
	}
	return o, nil
}

func (t *Trustpoint) accept(ctx context.Context, o *CAOffer) error {
	if o == nil || o.CA == nil {
		return errors.New("pki: nothing to accept")
	}
	cfg := t.config()
	var tr scepTransport
	if cfg.Enrollment == EnrollmentURL {
		var err error
		if tr, err = t.transport(cfg); err != nil {
			return err
		}
	}
	return t.acceptWith(ctx, tr, o)
}

// acceptWith installs o and, with a transport, fetches GetCACaps.
func (t *Trustpoint) acceptWith(ctx context.Context, tr scepTransport, o *CAOffer) error {
	var caps []string
	var ev eventList
	if tr != nil {
		c, err := tr.GetCACaps(ctx)
		if err != nil { // RFC 8894: no capabilities
			ev.debug(t.deps.Clock.Now(), "CRYPTO_PKI: GetCACaps failed: "+err.Error())
		}
		caps = c
	}
	t.mu.Lock()
	same := t.tp.ca != nil && bytes.Equal(t.tp.ca.Raw, o.CA.Raw)
	t.tp.ca = o.CA
	t.tp.ra = slices.Clone(o.RA)
	t.tp.caps = caps
	if !same {
		t.tp.caRoll = nil
		t.tp.idRoll = nil
	}
	o.Accepted = true
	ev = append(ev, t.armLocked()...)
	t.unlock()
	t.deliver(ev)
	t.changed()
	return nil
}

func parseCertData(data []byte) (*x509.Certificate, error) {
	der := data
	if b, _ := pem.Decode(bytes.TrimSpace(data)); b != nil {
		der = b.Bytes
	} else if dec, err := decodeBase64Loose(data); err == nil {
		if c, err := x509.ParseCertificate(dec); err == nil {
			return c, nil
		}
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("pki: parsing certificate: %w", err)
	}
	return c, nil
}

func (t *Trustpoint) installCA(data []byte, accept bool) (*CAOffer, error) {
	c, err := parseCertData(data)
	if err != nil {
		return nil, err
	}
	o, err := t.offer([]*x509.Certificate{c}, t.config())
	if err != nil {
		return o, err
	}
	if accept || o.Accepted {
		return o, t.acceptWith(context.Background(), nil, o)
	}
	return o, nil
}

// --- requests -----------------------------------------------------------

// subject builds the request's subject: the subject-name RDNs, then one
// RDN of hostname= (unstructuredName), ipaddress= (unstructuredAddress) and
// serialNumber=, as IOS shows it: "serialNumber=67109104+hostname=R15".
func buildSubject(cfg TrustpointConfig, id Identity, opts EnrollOptions) (EnrollOutcome, error) {
	var out EnrollOutcome
	var n Name
	if cfg.SubjectName != "" {
		sn, err := ParseDN(cfg.SubjectName)
		if err != nil {
			return out, err
		}
		n = append(n, sn...)
		out.SubjectLines = append(out.SubjectLines, cfg.SubjectName)
	}
	var last RDN
	host := id.FQDN()
	switch {
	case strings.EqualFold(cfg.FQDN, "none"):
		host = ""
	case cfg.FQDN != "":
		host = cfg.FQDN
	}
	if host != "" {
		last = append(last, AVA{Type: OIDUnstructuredName, Value: host})
		out.SubjectLines = append(out.SubjectLines, host)
	}
	ip := ""
	switch cfg.IPAddress {
	case IncludeYes:
		ip = cfg.IPAddr
	case IncludeAsk:
		ip = opts.IPAddr
	}
	if ip != "" {
		last = append(last, AVA{Type: OIDUnstructuredAddress, Value: ip})
		out.IPAddr = ip
	}
	serial := cfg.SerialNumber == IncludeYes || (cfg.SerialNumber == IncludeAsk && opts.SerialNumber)
	if serial && id.SerialNumber != "" {
		last = append(last, AVA{Type: OIDSerialNumber, Value: id.SerialNumber})
		out.SerialNumber = id.SerialNumber
	}
	if len(last) > 0 {
		n = append(n, last)
	}
	if len(n) == 0 {
		return out, errors.New("pki: the request has an empty subject")
	}
	out.Subject = n
	return out, nil
}

func (t *Trustpoint) requestSubject(opts EnrollOptions) (EnrollOutcome, error) {
	cfg := t.config()
	out, err := buildSubject(cfg, t.deps.Identity(), opts)
	if err != nil {
		return out, err
	}
	out.KeyLabel = t.keyLabel()
	if k, ok := t.deps.Keys.Get(out.KeyLabel); ok {
		out.KeyBits = k.Modulus()
	} else {
		out.KeyBits = t.keyBits(cfg)
	}
	return out, nil
}

func (t *Trustpoint) keyBits(cfg TrustpointConfig) int {
	switch {
	case cfg.KeyBits > 0:
		return cfg.KeyBits
	case t.deps.DefaultKeyBits > 0:
		return t.deps.DefaultKeyBits
	}
	return DefaultTrustpointKeyBits
}

// makeCSR returns the DER PKCS#10 for key with subject and the
// configuration's subject-alt-name.
func makeCSR(cfg TrustpointConfig, subject Name, key *Key, challenge string) ([]byte, error) {
	raw, err := subject.Marshal()
	if err != nil {
		return nil, err
	}
	h := cfg.Hash
	if h == HashDefault {
		h = SHA1
	}
	tmpl := &x509.CertificateRequest{RawSubject: raw, SignatureAlgorithm: h.SignatureAlgorithm()}
	if cfg.SubjectAltName != "" {
		tmpl.DNSNames = []string{cfg.SubjectAltName}
	}
	return scep.NewCSR(tmpl, key.Private, challenge)
}

// selfSignedSigner is the certificate that signs a first enrolment.
func selfSignedSigner(key *Key, subject Name, now time.Time) (*x509.Certificate, error) {
	raw, err := subject.Marshal()
	if err != nil {
		return nil, err
	}
	var seq pkix.RDNSequence
	if _, err := asn1.Unmarshal(raw, &seq); err != nil {
		return nil, err
	}
	var pn pkix.Name
	pn.FillFromRDNSequence(&seq)
	if pn.CommonName == "" {
		if h, ok := subject.Find(OIDUnstructuredName); ok {
			pn.CommonName = h
		}
	}
	return scep.SelfSigned(key.Private, pn, now.Add(-time.Hour), now.Add(365*24*time.Hour))
}

// transactionID is a fresh transaction identifier for a request for key.
func (t *Trustpoint) transactionID(key *Key, kind RequestKind, now time.Time) string {
	h := md5.New()
	h.Write(key.PublicKeyDER())
	fmt.Fprintf(h, "|%s|%d|%d|%d", t.name, kind, now.UnixNano(), t.txn.Add(1))
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
}

func (t *Trustpoint) enroll(ctx context.Context, opts EnrollOptions) (EnrollOutcome, error) {
	cfg := t.config()
	switch cfg.Enrollment {
	case EnrollmentSelfSigned:
		return t.enrollSelfSigned(opts)
	case EnrollmentTerminal:
		return t.enrollTerminal(opts)
	case EnrollmentURL:
	default:
		return EnrollOutcome{}, ErrNoEnrollment
	}
	t.mu.Lock()
	if t.tp.ca == nil {
		t.unlock()
		return EnrollOutcome{}, ErrNotAuthenticated
	}
	if t.tp.busy || t.tp.pending != nil {
		t.unlock()
		return EnrollOutcome{}, ErrEnrollInProgress
	}
	t.tp.busy = true
	t.tp.answers = opts
	ca, id, idLabel := t.tp.ca, t.tp.id, t.tp.keyLabel
	t.unlock()
	release := func() {
		t.mu.Lock()
		t.tp.busy = false
		t.unlock()
	}

	tr, err := t.transport(cfg)
	if err != nil {
		release()
		return EnrollOutcome{}, err
	}
	out, err := t.requestSubject(opts)
	if err != nil {
		release()
		return out, err
	}
	now := t.deps.Clock.Now()
	key, err := t.enrollKey(&out, now)
	if err != nil {
		release()
		return out, err
	}
	challenge := opts.Password
	if challenge == "" {
		challenge = cfg.Password
	}
	csr, err := makeCSR(cfg, out.Subject, key, challenge)
	if err != nil {
		release()
		return out, err
	}
	out.CSR = csr
	out.FingerprintMD5 = FingerprintMD5(csr)
	out.FingerprintSHA1 = FingerprintSHA1(csr)
	enr := &scep.Enrollment{CSR: csr, CA: ca, SignerKey: key.Private}
	if id != nil && idLabel == key.Label && key.Public().Equal(id.PublicKey) {
		enr.SignerCert = id // a re-enrolment is signed with the current ID certificate
	} else if enr.SignerCert, err = selfSignedSigner(key, out.Subject, now); err != nil {
		release()
		return out, err
	}
	enr.TransactionID = t.transactionID(key, RequestEnroll, now)
	out.TransactionID = enr.TransactionID

	var ev eventList
	csrFingerprintEvents(&ev, now, csr)
	t.deliver(ev)
	ev = nil

	dec, err := tr.Enroll(ctx, enr)
	now = t.deps.Clock.Now()
	if err != nil {
		release()
		if isUnreachable(err) {
			ev.log(now, "%PKI-3-SOCKETSEND: Failed to send out message to CA server.")
			t.deliver(ev)
			return out, fmt.Errorf("%w: %w", ErrCAUnreachable, err)
		}
		return out, fmt.Errorf("pki: enrollment: %w", err)
	}
	req := &pendingReq{enr: enr, interval: cfg.retryPeriod(),
		info: PendingEnrollment{Kind: RequestEnroll, TransactionID: enr.TransactionID,
			FingerprintMD5: out.FingerprintMD5, FingerprintSHA1: out.FingerprintSHA1,
			Subject: out.Subject, Sent: now, KeyLabel: key.Label}}
	t.mu.Lock()
	t.tp.busy = false
	step, saved := t.decideLocked(&ev, req, dec, now, false)
	t.unlock()
	t.deliver(ev)
	t.changed()
	_ = saved
	out.Step = step
	if step == EnrollGranted {
		out.Cert = dec.Cert
	}
	return out, nil
}

// decideLocked applies the CA's decision on req: install, wait or stop.
// timer says whether a timer drove the request (IOS then saves the
// configuration by itself). It returns the step and whether the
// configuration must be saved (the caller calls the Save hook after
// unlocking).
func (t *Trustpoint) decideLocked(ev *eventList, req *pendingReq, dec scep.Decision, now time.Time, timer bool) (EnrollStep, bool) {
	switch dec.Status {
	case scep.Success:
		ev.debug(now, "CRYPTO_PKI: status = 100: certificate is granted")
		t.tp.pending = nil
		t.stopTimer(TimerTPPoll)
		if err := t.installGrantedLocked(ev, req, dec.Cert, now); err != nil {
			ev.debug(now, "CRYPTO_PKI: "+err.Error())
			t.tp.stopped = true
			t.armLockedInto(ev)
			return EnrollRejected, false
		}
		t.tp.stopped = false
		if !timer {
			ev.log(now, `%PKI-4-NOAUTOSAVE: Configuration was modified.  Issue "write memory" to save new certificate`)
		}
		t.armLockedInto(ev)
		return EnrollGranted, timer
	case scep.Pending:
		ev.debug(now, "CRYPTO_PKI: status = 102: certificate request pending")
		if t.tp.pending != req {
			req.interval = t.tp.cfg.retryPeriod()
			req.info.Polls = 0
			t.tp.pending = req
		}
		t.tp.pending.info.NextPoll = now.Add(t.tp.pending.interval)
		t.armLockedInto(ev)
		return EnrollPending, false
	}
	ev.debug(now, "CRYPTO_PKI: status = 101: certificate request is rejected")
	ev.log(now, "%PKI-6-CERTREJECT: Certificate enrollment request was rejected by Certificate Authority")
	t.tp.pending = nil
	t.stopTimer(TimerTPPoll)
	if req.info.KeyLabel != "" && req.info.KeyLabel != t.tp.keyLabel && req.info.Kind != RequestEnroll {
		label := req.info.KeyLabel // a regenerated key nobody will use
		t.tp.after = append(t.tp.after, func() { t.deps.Keys.Delete(label) })
		if t.tp.shadowKeyLabel == req.info.KeyLabel {
			t.tp.shadowKeyLabel = ""
		}
	}
	if req.info.Kind != RequestEnroll || t.tp.id != nil {
		t.tp.stopped = true // IOS stops the renewal timer: manual renewal from now on
	}
	t.armLockedInto(ev)
	return EnrollRejected, false
}

// installGrantedLocked installs cert granted for req.
func (t *Trustpoint) installGrantedLocked(ev *eventList, req *pendingReq, cert *x509.Certificate, now time.Time) error {
	if cert == nil {
		return errors.New("granted without a certificate")
	}
	csr, err := x509.ParseCertificateRequest(req.enr.CSR)
	if err != nil {
		return err
	}
	if pub, ok := cert.PublicKey.(*rsa.PublicKey); !ok || !pub.Equal(csr.PublicKey) {
		return ErrKeyMismatch
	}
	if req.info.Kind == RequestShadow && t.tp.caRoll == nil && t.tp.ca != nil && VerifySignature(cert, t.tp.ca) == nil {
		// granted after the rollover CA became active: it is the ID certificate now
		req.info.Kind = RequestRenew
	}
	if req.info.Kind == RequestShadow {
		if t.tp.caRoll == nil || VerifySignature(cert, t.tp.caRoll) != nil {
			return ErrNotChained
		}
		t.tp.idRoll = cert
		t.tp.shadowKeyLabel = req.info.KeyLabel
		ev.log(now, "%PKI-6-CERTRET: Certificate received from Certificate Authority")
		ev.log(now, certInstallText("%PKI-6-CERT_SHADOW_INSTALL", "A shadow ID certificate has been installed under", t.name, cert))
		return nil
	}
	if t.tp.ca == nil || VerifySignature(cert, t.tp.ca) != nil {
		return ErrNotChained
	}
	label := req.info.KeyLabel
	active := t.keyLabelLocked()
	if label != active && label != "" {
		// a regenerated (shadow) key pair replaces the active one
		if _, ok := t.deps.Keys.Get(label); !ok {
			return fmt.Errorf("pki: key pair %q is missing", label)
		}
		t.tp.after = append(t.tp.after, func() { t.deps.Keys.Rename(label, active) })
		if t.tp.shadowKeyLabel == label {
			t.tp.shadowKeyLabel = ""
		}
	}
	t.tp.id = cert
	t.tp.idFrom = now
	t.tp.keyLabel = active
	if r := t.tp.retry; r != nil && r.kind == TimerTPRenew {
		t.tp.retry = nil
	}
	ev.log(now, "%PKI-6-CERTRET: Certificate received from Certificate Authority")
	ev.log(now, certInstallText("%PKI-6-CERT_INSTALL", "An ID certificate has been installed under", t.name, cert))
	return nil
}

// enrollKey is the key pair an enrolment uses: the one of out's label, or
// a new one of out's size (out then says it was generated); out gets the
// key's real size.
func (t *Trustpoint) enrollKey(out *EnrollOutcome, now time.Time) (*Key, error) {
	key, ok := t.deps.Keys.Get(out.KeyLabel)
	if !ok {
		var err error
		if key, err = GenerateKey(t.deps.Rand, out.KeyLabel, out.KeyBits, false, now); err != nil {
			return nil, err
		}
		t.deps.Keys.Put(key)
		out.KeyGenerated = true
	}
	out.KeyBits = key.Modulus()
	return key, nil
}

func (t *Trustpoint) enrollTerminal(opts EnrollOptions) (EnrollOutcome, error) {
	cfg := t.config()
	out, err := t.requestSubject(opts)
	if err != nil {
		return out, err
	}
	now := t.deps.Clock.Now()
	key, err := t.enrollKey(&out, now)
	if err != nil {
		return out, err
	}
	challenge := opts.Password
	if challenge == "" {
		challenge = cfg.Password
	}
	if out.CSR, err = makeCSR(cfg, out.Subject, key, challenge); err != nil {
		return out, err
	}
	out.FingerprintMD5 = FingerprintMD5(out.CSR)
	out.FingerprintSHA1 = FingerprintSHA1(out.CSR)
	out.Step = EnrollDisplayed
	var ev eventList
	csrFingerprintEvents(&ev, now, out.CSR)
	t.deliver(ev)
	return out, nil
}

func (t *Trustpoint) enrollSelfSigned(opts EnrollOptions) (EnrollOutcome, error) {
	out, err := t.requestSubject(opts)
	if err != nil {
		return out, err
	}
	now := t.deps.Clock.Now()
	key, err := t.enrollKey(&out, now)
	if err != nil {
		return out, err
	}
	der, err := CreateCertificate(&Template{
		SerialNumber: big.NewInt(1), Issuer: out.Subject, Subject: out.Subject,
		NotBefore: now, NotAfter: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
		PublicKey: key.Public(), CA: true, Hash: SHA256,
	}, key.Private)
	if err != nil {
		return out, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return out, err
	}
	var ev eventList
	t.mu.Lock()
	t.tp.id, t.tp.ca, t.tp.keyLabel, t.tp.idFrom = cert, nil, key.Label, now
	t.unlock()
	ev.log(now, `%PKI-4-NOAUTOSAVE: Configuration was modified.  Issue "write memory" to save new certificate`)
	t.deliver(ev)
	t.changed()
	out.Step = EnrollGranted
	out.Cert = cert
	return out, nil
}

func (t *Trustpoint) importCert(data []byte) (*x509.Certificate, error) {
	c, err := parseCertData(data)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	ca := t.tp.ca
	label := t.keyLabelLocked()
	t.unlock()
	if ca == nil {
		return nil, ErrNotAuthenticated
	}
	key, ok := t.deps.Keys.Get(label)
	if !ok {
		return nil, fmt.Errorf("%w: no key pair %q", ErrKeyMismatch, label)
	}
	if !key.Public().Equal(c.PublicKey) {
		return nil, ErrKeyMismatch
	}
	if err := VerifySignature(c, ca); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotChained, err)
	}
	now := t.deps.Clock.Now()
	var ev eventList
	t.mu.Lock()
	t.tp.id, t.tp.keyLabel, t.tp.stopped, t.tp.idFrom = c, label, false, now
	ev.log(now, certInstallText("%PKI-6-CERT_INSTALL", "An ID certificate has been installed under", t.name, c))
	ev.log(now, `%PKI-4-NOAUTOSAVE: Configuration was modified.  Issue "write memory" to save new certificate`)
	t.armLockedInto(&ev)
	t.unlock()
	t.deliver(ev)
	t.changed()
	return c, nil
}

func (t *Trustpoint) exportPEM() (ca, id []byte, err error) {
	t.mu.Lock()
	c, i := t.tp.ca, t.tp.id
	t.unlock()
	if c == nil {
		return nil, nil, ErrNotAuthenticated
	}
	ca = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	if i != nil {
		id = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: i.Raw})
	}
	return ca, id, nil
}

// decodeBase64Loose decodes base64 text with line breaks and blanks (a
// certificate pasted without PEM armour).
func decodeBase64Loose(data []byte) ([]byte, error) {
	s := strings.Join(strings.Fields(string(data)), "")
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	return b, nil
}
