package pki

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// FileURL returns the URL of a database file of kind kind named file: the
// per-kind `database url KIND` if set, else the database url, else nvram:.
func (c Config) FileURL(kind FileKind, file string) string {
	base := c.URLs[kind]
	if base == "" {
		base = c.DatabaseURL
	}
	if base == "" {
		base = DefaultDatabaseURL
	}
	if strings.HasSuffix(base, ":") || strings.HasSuffix(base, "/") {
		return base + file
	}
	return base + "/" + file
}

// SerialFileName is the name of a certificate's database files, without
// extension: the serial in upper-case hex without leading zeros ("2", "1A").
func SerialFileName(serial *big.Int) string { return strings.ToUpper(serial.Text(16)) }

func (c Config) issuerString() string {
	if c.IssuerName != "" {
		return c.IssuerName
	}
	return "CN=" + c.Name
}

func (c Config) certLifetime() time.Duration { return orDefault(c.CertLifetime, DefaultCertLifetime) }
func (c Config) caLifetime() time.Duration   { return orDefault(c.CALifetime, DefaultCALifetime) }
func (c Config) crlLifetime() time.Duration  { return orDefault(c.CRLLifetime, DefaultCRLLifetime) }
func (c Config) requestLifetime() time.Duration {
	return orDefault(c.RequestLifetime, DefaultRequestLifetime)
}

func (c Config) keyModulus() int {
	if c.KeyModulus == 0 {
		return DefaultKeyModulus
	}
	return c.KeyModulus
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

func cloneConfig(c Config) Config {
	if c.URLs != nil {
		m := make(map[FileKind]string, len(c.URLs))
		for k, v := range c.URLs {
			m[k] = v
		}
		c.URLs = m
	}
	if c.InitialSerial != nil {
		c.InitialSerial = new(big.Int).Set(c.InitialSerial)
	}
	return c
}

type reqRecord struct {
	ID            int
	State         RequestState
	CSR           []byte
	TransactionID string
	Received      time.Time
	Serial        *big.Int
	Cert          []byte
	Rollover      bool
	// keep: the request went through the pending state, so it is saved in
	// the serial file until it expires (a request granted in its own reply
	// lives in memory only: the client already has its certificate).
	keep bool
}

type issuedRec struct {
	Serial    *big.Int
	Subject   []byte // DER
	NotBefore time.Time
	NotAfter  time.Time
	CA        bool
}

type armed struct {
	t   Timer
	gen uint64
}

type server struct {
	mu sync.Mutex
	d  Deps

	cfg        Config
	state      ServerState
	ca         *x509.Certificate
	roll       *x509.Certificate
	lastSerial *big.Int
	archiveN   int          // last NAME_0000N archive written
	shadowDone bool         // the shadow timer of the current CA fired or was overtaken
	reqs       []*reqRecord // by arrival (so by Received)
	byTID      map[string]*reqRecord
	nextReqID  int
	revoked    []CRLEntry
	issued     []*issuedRec // by serial
	caIssued   []*issuedRec // the CA records of issued, which the serial file lists
	crlDER     []byte
	crlThis    time.Time
	crlNext    time.Time
	revGen     int       // counts changes of revoked
	crlDraft   *crlDraft // the next CRL, signed ahead
	passphrase string

	timers map[string]*armed
	gen    uint64
	events []Event
	closed bool
}

func checkDeps(cfg Config, d Deps) error {
	if cfg.Name == "" {
		return errors.New("pki: certificate server name is empty")
	}
	if d.Clock == nil || d.Store == nil || d.Keys == nil {
		return errors.New("pki: certificate server needs a clock, a store and a keyring")
	}
	if _, err := ParseDN(cfg.issuerString()); err != nil {
		return err
	}
	return nil
}

func newServer(cfg Config, d Deps) (*Server, error) {
	if err := checkDeps(cfg, d); err != nil {
		return nil, err
	}
	if d.Rand == nil {
		d.Rand = rand.Reader
	}
	s := &server{d: d, cfg: cloneConfig(cfg), nextReqID: 1, timers: map[string]*armed{}, byTID: map[string]*reqRecord{}}
	s.lastSerial = new(big.Int)
	if cfg.InitialSerial != nil {
		s.lastSerial.Set(cfg.InitialSerial)
	}
	return &Server{st: s}, nil
}

// lock/unlock: unlock delivers the events queued under the lock.
func (s *server) lock() { s.mu.Lock() }

func (s *server) unlock() {
	ev := s.events
	s.events = nil
	sink := s.d.Events
	s.mu.Unlock()
	if sink != nil {
		for _, e := range ev {
			sink(e)
		}
	}
}

func (s *server) now() time.Time { return s.d.Clock.Now() }

func (s *server) emit(kind EventKind, format string, args ...any) {
	s.events = append(s.events, Event{Kind: kind, Time: s.now(), Text: fmt.Sprintf(format, args...)})
}

func (s *server) url(kind FileKind, file string) string { return s.cfg.FileURL(kind, file) }

func (s *server) name() string {
	s.lock()
	defer s.unlock()
	return s.cfg.Name
}

func (s *server) config() Config {
	s.lock()
	defer s.unlock()
	return cloneConfig(s.cfg)
}

func (s *server) setConfig(cfg Config) error {
	s.lock()
	defer s.unlock()
	if cfg.Name != s.cfg.Name {
		return fmt.Errorf("pki: cannot rename certificate server %q: %w", s.cfg.Name, ErrLocked)
	}
	if _, err := ParseDN(cfg.issuerString()); err != nil {
		return err
	}
	if s.ca != nil {
		if cfg.issuerString() != s.cfg.issuerString() || cfg.keyModulus() != s.cfg.keyModulus() ||
			cfg.caLifetime() != s.cfg.caLifetime() {
			return ErrLocked
		}
	}
	s.cfg = cloneConfig(cfg)
	s.armLocked()
	return nil
}

// ---- enable, shutdown ----

func (s *server) enable(passphrase string) error {
	s.lock()
	defer s.unlock()
	if s.closed {
		return errors.New("pki: certificate server is closed")
	}
	if s.state == StateEnabled {
		return nil
	}
	if !s.d.Clock.Authoritative() {
		return ErrClockNotAuthoritative
	}
	if passphrase != "" {
		s.passphrase = passphrase
	}
	if s.ca == nil {
		if err := s.createCALocked(); err != nil {
			return err
		}
	}
	s.state = StateEnabled
	if err := s.publishCRLLocked(); err != nil {
		return err
	}
	if err := s.saveLocked(); err != nil {
		return err
	}
	s.armLocked()
	s.emit(EventLog, "%%PKI-6-CS_ENABLED: Certificate server now enabled.")
	return nil
}

func (s *server) createCALocked() error {
	issuer, err := ParseDN(s.cfg.issuerString())
	if err != nil {
		return err
	}
	now := s.now()
	key, ok := s.d.Keys.Get(s.cfg.Name)
	if !ok {
		key, err = GenerateKey(s.d.Rand, s.cfg.Name, s.cfg.keyModulus(), false, now)
		if err != nil {
			return err
		}
		s.d.Keys.Put(key)
	}
	serial, err := s.nextSerialLocked()
	if err != nil {
		return err
	}
	start := now.Truncate(time.Second)
	der, err := CreateCertificate(&Template{
		SerialNumber: serial, Issuer: issuer, Subject: issuer,
		NotBefore: start, NotAfter: start.Add(s.cfg.caLifetime()),
		PublicKey: key.Public(), CA: true, Hash: s.caHash(),
	}, key.Private)
	if err != nil {
		return err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return fmt.Errorf("pki: parsing the new CA certificate: %w", err)
	}
	s.ca = cert
	s.shadowDone = false
	s.addIssuedLocked(cert, true)
	if err := s.saveLocked(); err != nil {
		return err
	}
	return s.archiveLocked(s.cfg.Name, key, cert)
}

// archiveLocked writes NAME.p12 / NAME.pem (base "NAME") or NAME_0000N.
func (s *server) archiveLocked(base string, key *Key, cert *x509.Certificate) error {
	data, kind, ext, err := s.archiveData(key, cert)
	if err != nil || data == nil {
		return err
	}
	u := s.url(kind, base+ext)
	if err := s.d.Store.WriteFile(u, data); err != nil {
		return fmt.Errorf("pki: writing archive %s: %w", u, err)
	}
	return nil
}

func (s *server) archivePassword() string {
	if s.cfg.ArchivePassword != "" {
		return s.cfg.ArchivePassword
	}
	return s.passphrase
}

func (s *server) shutdown() error {
	s.lock()
	defer s.unlock()
	s.state = StateDisabled
	s.stopTimersLocked()
	if s.ca == nil {
		return nil // nothing stored yet, nothing to write
	}
	return s.saveLocked()
}

func (s *server) close() {
	s.lock()
	defer s.unlock()
	s.closed = true
	s.stopTimersLocked()
}

// ---- serials and state ----

// nextSerialLocked allocates the next serial and writes the serial file
// before anything uses it.
func (s *server) nextSerialLocked() (*big.Int, error) {
	s.lastSerial = new(big.Int).Add(s.lastSerial, big.NewInt(1))
	serial := new(big.Int).Set(s.lastSerial)
	if err := s.saveLocked(); err != nil {
		return nil, err
	}
	return serial, nil
}

func (s *server) caHash() Hash {
	if s.cfg.Hash == HashDefault {
		return MD5
	}
	return s.cfg.Hash
}

func (s *server) issueHash(csr *x509.CertificateRequest) Hash {
	if s.cfg.Hash != HashDefault {
		return s.cfg.Hash
	}
	if h, ok := HashOf(csr.SignatureAlgorithm); ok && h != MD5 {
		return h
	}
	return SHA1
}

func (s *server) addIssuedLocked(c *x509.Certificate, ca bool) {
	r := &issuedRec{Serial: new(big.Int).Set(c.SerialNumber), Subject: c.RawSubject,
		NotBefore: c.NotBefore, NotAfter: c.NotAfter, CA: ca}
	s.issued = append(s.issued, r)
	if ca {
		s.caIssued = append(s.caIssued, r)
	}
}

func (s *server) findIssued(serial *big.Int) *issuedRec {
	for _, r := range s.issued {
		if r.Serial.Cmp(serial) == 0 {
			return r
		}
	}
	return nil
}

// ---- info ----

func (s *server) info() Info {
	s.lock()
	defer s.unlock()
	in := Info{
		Name: s.cfg.Name, IssuerName: s.cfg.issuerString(), State: s.state, Locked: s.ca != nil,
		Grant: s.cfg.Grant, LastSerial: new(big.Int).Set(s.lastSerial), CRLNextUpdate: s.crlNext,
		PrimaryStorage: s.cfg.DatabaseURL, DatabaseLevel: s.cfg.DatabaseLevel, AutoRollover: s.cfg.AutoRollover,
	}
	if in.PrimaryStorage == "" {
		in.PrimaryStorage = DefaultDatabaseURL
	}
	if s.ca != nil {
		in.CAFingerprint = FingerprintMD5(s.ca.Raw)
		in.CAExpiry = s.ca.NotAfter
	}
	if s.roll != nil {
		in.Rollover = true
		in.RolloverFingerprint = FingerprintMD5(s.roll.Raw)
		in.RolloverExpiry = s.roll.NotAfter
	}
	if a := s.timers[TimerShadow]; a != nil {
		in.AutoRolloverDue = a.t.Due()
	}
	return in
}

func (s *server) caCert() *x509.Certificate {
	s.lock()
	defer s.unlock()
	return s.ca
}

func (s *server) rolloverCert() *x509.Certificate {
	s.lock()
	defer s.unlock()
	return s.roll
}

func (s *server) signer(rollover bool) (*x509.Certificate, *rsa.PrivateKey, bool) {
	s.lock()
	defer s.unlock()
	c, k := s.signerLocked(rollover)
	return c, k, c != nil
}

func (s *server) signerLocked(rollover bool) (*x509.Certificate, *rsa.PrivateKey) {
	cert, label := s.ca, s.cfg.Name
	if rollover {
		cert, label = s.roll, s.cfg.Name+"#"
	}
	if cert == nil {
		return nil, nil
	}
	key, ok := s.d.Keys.Get(label)
	if !ok || !key.Public().Equal(cert.PublicKey) {
		return nil, nil
	}
	return cert, key.Private
}

// ---- requests ----

func (s *server) purgeLocked() {
	now := s.now()
	life := s.cfg.requestLifetime()
	if len(s.reqs) == 0 || now.Sub(s.reqs[0].Received) < life {
		return
	}
	kept := s.reqs[:0]
	save := false
	for _, r := range s.reqs {
		if now.Sub(r.Received) < life {
			kept = append(kept, r)
			continue
		}
		save = save || r.keep
		if r.TransactionID != "" && s.byTID[r.TransactionID] == r {
			delete(s.byTID, r.TransactionID)
		}
	}
	clear(s.reqs[len(kept):])
	s.reqs = kept
	if save {
		_ = s.saveLocked()
	}
}

func (s *server) findRequest(id int) *reqRecord {
	for _, r := range s.reqs {
		if r.ID == id {
			return r
		}
	}
	return nil
}

func (s *server) enroll(req EnrollRequest) (EnrollResult, error) {
	s.lock()
	defer s.unlock()
	if s.state != StateEnabled || s.ca == nil {
		return EnrollResult{}, ErrNotEnabled
	}
	s.purgeLocked()
	if req.TransactionID != "" {
		if r := s.byTID[req.TransactionID]; r != nil {
			{
				// A request left pending by a failure (or a restart) under
				// grant auto is issued now.
				if r.State == RequestPending && s.cfg.Grant == GrantAuto {
					if csr, err := ParseCSR(r.CSR); err == nil {
						if err := s.issueLocked(r, csr); err != nil && !errors.Is(err, errCAExpired) {
							return EnrollResult{}, err
						}
					}
				}
				return s.resultLocked(r), nil
			}
		}
	}
	csr, err := ParseCSR(req.CSR)
	if err != nil {
		fi := FailBadRequest
		if _, perr := x509.ParseCertificateRequest(req.CSR); perr == nil {
			fi = FailBadMessageCheck
		}
		return EnrollResult{Status: StatusFailure, FailInfo: fi}, nil
	}
	if req.Rollover && s.roll == nil {
		return EnrollResult{Status: StatusFailure, FailInfo: FailBadCertID}, nil
	}
	renewal := false
	if sg := req.Signer; sg != nil && !bytes.Equal(sg.RawIssuer, sg.RawSubject) && bytes.Equal(sg.RawIssuer, s.ca.RawSubject) {
		ok := VerifySignature(sg, s.ca) == nil
		if !ok && s.roll != nil {
			ok = VerifySignature(sg, s.roll) == nil
		}
		if !ok {
			return EnrollResult{Status: StatusFailure, FailInfo: FailBadMessageCheck}, nil
		}
		if s.isRevokedLocked(sg.SerialNumber) {
			return EnrollResult{Status: StatusFailure, FailInfo: FailBadCertID}, nil
		}
		renewal = !s.now().After(sg.NotAfter)
	}
	r := &reqRecord{ID: s.nextReqID, State: RequestPending, CSR: append([]byte(nil), req.CSR...),
		TransactionID: req.TransactionID, Received: s.now(), Rollover: req.Rollover}
	s.nextReqID++
	s.reqs = append(s.reqs, r)
	if r.TransactionID != "" {
		s.byTID[r.TransactionID] = r
	}
	auto := s.cfg.Grant == GrantAuto || (renewal && req.Rollover && s.cfg.GrantAutoRollover)
	if !auto {
		r.keep = true
		if err := s.saveLocked(); err != nil {
			return EnrollResult{}, err
		}
		return s.resultLocked(r), nil
	}
	if err := s.issueLocked(r, csr); err != nil {
		if errors.Is(err, errCAExpired) {
			r.State = RequestRejected
			_ = s.saveLocked()
			return EnrollResult{Status: StatusFailure, RequestID: r.ID, FailInfo: FailBadTime}, nil
		}
		return EnrollResult{}, err
	}
	return s.resultLocked(r), nil
}

var errCAExpired = errors.New("pki: the CA certificate has expired")

// issueLocked issues the certificate of r: the serial file is written
// before the certificate exists, the certificate file before it is handed
// out.
func (s *server) issueLocked(r *reqRecord, csr *x509.CertificateRequest) error {
	ca, key := s.signerLocked(r.Rollover && s.roll != nil)
	if ca == nil {
		return errors.New("pki: the CA key is missing")
	}
	now := s.now().Truncate(time.Second)
	notBefore := now
	if ca.NotBefore.After(notBefore) {
		notBefore = ca.NotBefore
	}
	if !notBefore.Before(ca.NotAfter) {
		return errCAExpired
	}
	notAfter := notBefore.Add(s.cfg.certLifetime())
	if notAfter.After(ca.NotAfter) {
		notAfter = ca.NotAfter
	}
	subject, err := ParseName(csr.RawSubject)
	if err != nil {
		return err
	}
	issuer, err := ParseName(ca.RawSubject)
	if err != nil {
		return err
	}
	var extra []pkix.Extension
	for _, e := range csr.Extensions {
		if e.Id.Equal(oidSubjectAltName) {
			extra = append(extra, pkix.Extension{Id: e.Id, Critical: e.Critical, Value: e.Value})
		}
	}
	if s.cfg.CDPURL != "" {
		if v, err := cdpValue(s.cfg.CDPURL); err == nil {
			extra = append(extra, pkix.Extension{Id: oidCRLDistribution, Value: v})
		}
	}
	// The certificate is signed on another goroutine while the serial
	// file, which must hold its serial before it leaves the server, is
	// written; it is dropped if that write fails.
	serial := new(big.Int).Add(s.lastSerial, big.NewInt(1))
	type signed struct {
		der []byte
		err error
	}
	sig := make(chan signed, 1)
	tmpl := &Template{
		SerialNumber: serial, Issuer: issuer, Subject: subject, NotBefore: notBefore, NotAfter: notAfter,
		PublicKey: csr.PublicKey, AuthorityKeyID: ca.SubjectKeyId, ExtraExtensions: extra, Hash: s.issueHash(csr),
	}
	go func() {
		der, err := CreateCertificate(tmpl, key)
		sig <- signed{der, err}
	}()
	if _, err := s.nextSerialLocked(); err != nil {
		<-sig
		return err
	}
	res := <-sig
	der, err := res.der, res.err
	if err != nil {
		return err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return fmt.Errorf("pki: parsing the new certificate: %w", err)
	}
	if err := s.writeCertFilesLocked(cert, subject); err != nil {
		return err
	}
	r.State, r.Serial, r.Cert = RequestGranted, serial, der
	s.addIssuedLocked(cert, false)
	return s.saveLocked()
}

func (s *server) writeCertFilesLocked(cert *x509.Certificate, subject Name) error {
	base := SerialFileName(cert.SerialNumber)
	// The .cer first: the .cnm, written last, is what lists the certificate
	// as issued after a restart.
	if s.cfg.DatabaseLevel >= LevelComplete {
		if err := s.d.Store.WriteFile(s.url(FileCRT, base+".cer"), cert.Raw); err != nil {
			return fmt.Errorf("pki: writing %s.cer: %w", base, err)
		}
	}
	if s.cfg.DatabaseLevel >= LevelNames {
		line := fmt.Sprintf("%s %s %s %X %s\n", base, cert.NotBefore.UTC().Format(time.RFC3339),
			cert.NotAfter.UTC().Format(time.RFC3339), cert.RawSubject, subject)
		if err := s.d.Store.WriteFile(s.url(FileCNM, base+".cnm"), []byte(line)); err != nil {
			return fmt.Errorf("pki: writing %s.cnm: %w", base, err)
		}
	}
	return nil
}

func cdpValue(u string) ([]byte, error) {
	type distPointName struct {
		FullName []asn1.RawValue `asn1:"optional,tag:0"`
	}
	type distPoint struct {
		DistributionPoint distPointName `asn1:"optional,tag:0"`
	}
	dp := distPoint{DistributionPoint: distPointName{FullName: []asn1.RawValue{{Tag: 6, Class: asn1.ClassContextSpecific, Bytes: []byte(u)}}}}
	return asn1.Marshal([]distPoint{dp})
}

func (s *server) resultLocked(r *reqRecord) EnrollResult {
	res := EnrollResult{RequestID: r.ID}
	switch r.State {
	case RequestGranted:
		cert, err := x509.ParseCertificate(r.Cert)
		if err != nil {
			return EnrollResult{RequestID: r.ID, Status: StatusFailure, FailInfo: FailBadCertID}
		}
		res.Status, res.Cert = StatusGranted, cert
		for _, ca := range []*x509.Certificate{s.ca, s.roll} {
			if ca != nil && bytes.Equal(cert.RawIssuer, ca.RawSubject) && VerifySignature(cert, ca) == nil {
				res.Issuer = ca
				break
			}
		}
	case RequestRejected:
		res.Status, res.FailInfo = StatusFailure, FailBadRequest
	default:
		res.Status = StatusPending
	}
	return res
}

func (s *server) poll(tid string) (EnrollResult, error) {
	s.lock()
	defer s.unlock()
	s.purgeLocked()
	if r := s.byTID[tid]; r != nil && tid != "" {
		return s.resultLocked(r), nil
	}
	return EnrollResult{Status: StatusFailure, FailInfo: FailBadCertID}, nil
}

func (s *server) grant(id int, all bool) error {
	s.lock()
	defer s.unlock()
	if s.state != StateEnabled {
		return ErrNotEnabled
	}
	s.purgeLocked()
	var todo []*reqRecord
	if all {
		for _, r := range s.reqs {
			if r.State == RequestPending {
				todo = append(todo, r)
			}
		}
	} else {
		r := s.findRequest(id)
		if r == nil {
			return ErrNoRequest
		}
		if r.State != RequestPending {
			return ErrRequestNotPending
		}
		todo = append(todo, r)
	}
	for _, r := range todo {
		csr, err := ParseCSR(r.CSR)
		if err == nil {
			err = s.issueLocked(r, csr)
		}
		if errors.Is(err, errCAExpired) || (err != nil && csr == nil) {
			r.State = RequestRejected
			if err := s.saveLocked(); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *server) reject(id int, all bool) error {
	s.lock()
	defer s.unlock()
	s.purgeLocked()
	if all {
		for _, r := range s.reqs {
			if r.State == RequestPending {
				r.State = RequestRejected
			}
		}
		return s.saveLocked()
	}
	r := s.findRequest(id)
	if r == nil {
		return ErrNoRequest
	}
	if r.State != RequestPending {
		return ErrRequestNotPending
	}
	r.State = RequestRejected
	return s.saveLocked()
}

func (s *server) requests() []Request {
	s.lock()
	defer s.unlock()
	s.purgeLocked()
	out := make([]Request, 0, len(s.reqs))
	for _, r := range s.reqs {
		q := Request{ID: r.ID, State: r.State, Fingerprint: strings.ReplaceAll(FingerprintMD5(r.CSR), " ", ""),
			TransactionID: r.TransactionID, Received: r.Received, Rollover: r.Rollover}
		if csr, err := x509.ParseCertificateRequest(r.CSR); err == nil {
			q.Subject, _ = ParseName(csr.RawSubject)
		}
		if r.Serial != nil {
			q.Serial = new(big.Int).Set(r.Serial)
		}
		out = append(out, q)
	}
	return out
}

func (s *server) certificate(serial *big.Int) (*x509.Certificate, bool) {
	s.lock()
	defer s.unlock()
	for _, c := range []*x509.Certificate{s.ca, s.roll} {
		if c != nil && c.SerialNumber.Cmp(serial) == 0 {
			return c, true
		}
	}
	for _, r := range s.reqs {
		if r.Serial != nil && r.Serial.Cmp(serial) == 0 {
			if c, err := x509.ParseCertificate(r.Cert); err == nil {
				return c, true
			}
		}
	}
	if s.cfg.DatabaseLevel >= LevelComplete && s.findIssued(serial) != nil {
		if der, err := s.d.Store.ReadFile(s.url(FileCRT, SerialFileName(serial)+".cer")); err == nil {
			if c, err := x509.ParseCertificate(der); err == nil {
				return c, true
			}
		}
	}
	return nil, false
}

func (s *server) certificates() []IssuedCert {
	s.lock()
	defer s.unlock()
	out := make([]IssuedCert, 0, len(s.issued))
	for _, r := range s.issued {
		n, _ := ParseName(r.Subject)
		out = append(out, IssuedCert{Serial: new(big.Int).Set(r.Serial), NotBefore: r.NotBefore, NotAfter: r.NotAfter,
			Subject: n, Revoked: s.isRevokedLocked(r.Serial)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Serial.Cmp(out[j].Serial) < 0 })
	return out
}

// ---- revocation and CRL ----

func (s *server) isRevokedLocked(serial *big.Int) bool {
	for _, e := range s.revoked {
		if e.Serial.Cmp(serial) == 0 {
			return true
		}
	}
	return false
}

func (s *server) revoke(serial *big.Int) error {
	s.lock()
	defer s.unlock()
	if s.ca == nil {
		return ErrNotEnabled
	}
	if r := s.findIssued(serial); (r != nil && r.CA) || serial.Sign() <= 0 || serial.Cmp(s.lastSerial) > 0 {
		return ErrNotIssued
	}
	if s.isRevokedLocked(serial) {
		return ErrAlreadyRevoked
	}
	s.revoked = append(s.revoked, CRLEntry{Serial: new(big.Int).Set(serial), RevokedAt: s.now().Truncate(time.Second)})
	s.revGen++
	return s.republishLocked()
}

func (s *server) unrevoke(serial *big.Int) error {
	s.lock()
	defer s.unlock()
	for i, e := range s.revoked {
		if e.Serial.Cmp(serial) == 0 {
			s.revoked = append(s.revoked[:i], s.revoked[i+1:]...)
			s.revGen++
			return s.republishLocked()
		}
	}
	return ErrNotRevoked
}

func (s *server) republishLocked() error {
	if err := s.saveLocked(); err != nil {
		return err
	}
	if s.state != StateEnabled {
		return nil
	}
	if err := s.publishCRLLocked(); err != nil {
		return err
	}
	if err := s.saveLocked(); err != nil {
		return err
	}
	s.armLocked()
	return nil
}

// crlDraft is a CRL signed ahead, on another goroutine, for the CRL
// UPDATE timer: the CRL it will publish is known when the timer is armed,
// unless something it depends on changes meanwhile. A long clock jump
// publishes one every 6 hours (5,844 in four years), one after another;
// the other core signs the next while this one is written.
type crlDraft struct {
	this, next time.Time
	revGen     int
	ca         *x509.Certificate
	key        *rsa.PrivateKey
	hash       Hash
	done       chan struct{}
	der        []byte
	err        error
}

// draftCRLLocked starts signing the CRL that publishCRLLocked would make
// at this with the state as it is now.
func (s *server) draftCRLLocked(this time.Time, ca *x509.Certificate, key *rsa.PrivateKey, issuer Name) {
	d := &crlDraft{this: this, next: this.Add(s.cfg.crlLifetime()), revGen: s.revGen, ca: ca, key: key,
		hash: s.caHash(), done: make(chan struct{})}
	revoked := slices.Clone(s.revoked)
	s.crlDraft = d
	go func() {
		defer close(d.done)
		d.der, d.err = CreateCRL(issuer, revoked, d.this, d.next, d.hash, d.key)
	}()
}

// publishCRLLocked signs a new CRL (thisUpdate now, nextUpdate now + lifetime
// crl) and writes NAME.crl.
func (s *server) publishCRLLocked() error {
	ca, key := s.signerLocked(false)
	if ca == nil {
		return errors.New("pki: the CA key is missing")
	}
	issuer, err := ParseName(ca.RawSubject)
	if err != nil {
		return err
	}
	now := s.now()
	next := now.Add(s.cfg.crlLifetime())
	var der []byte
	if d := s.crlDraft; d != nil && d.this.Equal(now) && d.next.Equal(next) && d.revGen == s.revGen &&
		d.ca == ca && d.key == key && d.hash == s.caHash() {
		<-d.done
		der, err = d.der, d.err
	} else {
		der, err = CreateCRL(issuer, s.revoked, now, next, s.caHash(), key)
	}
	s.crlDraft = nil
	if err != nil {
		return err
	}
	s.draftCRLLocked(next, ca, key, issuer)
	u := s.url(FileCRL, s.cfg.Name+".crl")
	if err := s.d.Store.WriteFile(u, der); err != nil {
		return fmt.Errorf("pki: writing %s: %w", u, err)
	}
	s.crlDER, s.crlThis, s.crlNext = der, now, next
	s.emit(EventDebug, "CRYPTO_CS: updated crl in memory .. ")
	return nil
}

func (s *server) crl() CRLInfo {
	s.lock()
	defer s.unlock()
	in := CRLInfo{DER: s.crlDER, ThisUpdate: s.crlThis.Truncate(time.Second), NextUpdate: s.crlNext.Truncate(time.Second)}
	for _, e := range s.revoked {
		in.Entries = append(in.Entries, CRLEntry{Serial: new(big.Int).Set(e.Serial), RevokedAt: e.RevokedAt})
	}
	return in
}

// ---- timers ----

func (s *server) stopTimersLocked() {
	for name, a := range s.timers {
		a.t.Stop()
		delete(s.timers, name)
	}
}

// armLocked (re)arms the timers from the state.
func (s *server) armLocked() {
	s.stopTimersLocked()
	if s.closed || s.state != StateEnabled || s.ca == nil {
		return
	}
	s.armOne(TimerCRLUpdate, s.crlNext, s.onCRLUpdate)
	if s.cfg.AutoRollover > 0 && s.roll == nil && !s.shadowDone {
		s.armOne(TimerShadow, s.ca.NotAfter.Add(-s.cfg.AutoRollover), s.onShadow)
	}
	s.armOne(TimerExpire, s.ca.NotAfter, s.onExpire)
}

func (s *server) armOne(name string, due time.Time, f func()) {
	s.gen++
	gen := s.gen
	t := s.d.Clock.At(name, due, func() {
		s.lock()
		defer s.unlock()
		if a := s.timers[name]; a == nil || a.gen != gen || s.closed {
			return
		}
		delete(s.timers, name)
		f()
	})
	s.timers[name] = &armed{t: t, gen: gen}
}

func (s *server) timerInfo() []TimerInfo {
	s.lock()
	defer s.unlock()
	var out []TimerInfo
	for name, a := range s.timers {
		out = append(out, TimerInfo{Name: name, Due: a.t.Due()})
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Due.Equal(out[j].Due) {
			return out[i].Due.Before(out[j].Due)
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func (s *server) failed(err error) {
	s.emit(EventDebug, "CRYPTO_CS: %v", err)
}

func (s *server) onCRLUpdate() {
	if err := s.publishCRLLocked(); err != nil {
		s.failed(err)
		s.crlNext = s.now().Add(s.cfg.crlLifetime())
	}
	// The serial file is not rewritten: after a restart a stale CRL time
	// only makes the CRL UPDATE timer fire at once.
	s.armOne(TimerCRLUpdate, s.crlNext, s.onCRLUpdate)
}

func (s *server) onShadow() {
	s.emit(EventDebug, "CRYPTO_CS: shadow generation timer fired.")
	s.shadowDone = true
	if err := s.makeRolloverLocked(); err != nil && !errors.Is(err, ErrRolloverExists) {
		s.failed(err)
	}
	if err := s.saveLocked(); err != nil {
		s.failed(err)
	}
}

func (s *server) onExpire() {
	if s.roll == nil {
		s.emit(EventDebug, "CRYPTO_CS: CA certificate expired; no rollover certificate")
		return
	}
	if err := s.promoteLocked(); err != nil {
		s.failed(err)
		// The rollover certificate cannot become the CA (its key is
		// gone): drop it rather than fail again at the same instant.
		s.roll = nil
		_ = s.saveLocked()
		return
	}
	s.armLocked()
}

// ---- rollover ----

func (s *server) rollover() error {
	s.lock()
	defer s.unlock()
	if s.ca == nil {
		return ErrNotEnabled
	}
	if err := s.makeRolloverLocked(); err != nil {
		return err
	}
	s.armLocked()
	return nil
}

func (s *server) makeRolloverLocked() error {
	if s.roll != nil {
		return ErrRolloverExists
	}
	label := s.cfg.Name + "#"
	key, ok := s.d.Keys.Get(label)
	if !ok {
		var err error
		key, err = GenerateKey(s.d.Rand, label, s.cfg.keyModulus(), false, s.now())
		if err != nil {
			return err
		}
		s.d.Keys.Put(key)
		s.emit(EventDebug, "CRYPTO_CS: key '%s' does not exist; generated automatically", label)
	}
	issuer, err := ParseName(s.ca.RawSubject)
	if err != nil {
		return err
	}
	serial, err := s.nextSerialLocked()
	if err != nil {
		return err
	}
	start := s.ca.NotAfter
	der, err := CreateCertificate(&Template{
		SerialNumber: serial, Issuer: issuer, Subject: issuer, NotBefore: start,
		NotAfter: start.Add(s.cfg.caLifetime()), PublicKey: key.Public(), CA: true, Hash: s.caHash(),
	}, key.Private)
	if err != nil {
		return err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return fmt.Errorf("pki: parsing the rollover CA certificate: %w", err)
	}
	s.roll = cert
	s.shadowDone = true
	s.addIssuedLocked(cert, true)
	s.emit(EventDebug, "CRYPTO_CS: shadow CA successfully created.")
	if err := s.saveLocked(); err != nil {
		return err
	}
	if s.cfg.Archive != ArchiveNone {
		s.emit(EventDebug, "CRYPTO_CS: exporting shadow CA key and cert")
		data, kind, ext, err := s.archiveData(key, cert)
		if err != nil {
			return err
		}
		s.archiveN++
		u := s.url(kind, fmt.Sprintf("%s_%05d%s", s.cfg.Name, s.archiveN, ext))
		if err := s.d.Store.WriteFile(u, data); err != nil {
			return fmt.Errorf("pki: writing archive %s: %w", u, err)
		}
		s.emit(EventDebug, "CRYPTO_CS: file opened: %s", u)
		return s.saveLocked()
	}
	return nil
}

func (s *server) cancelRollover() error {
	s.lock()
	defer s.unlock()
	if s.roll == nil {
		return ErrNoRollover
	}
	s.roll = nil
	s.d.Keys.Delete(s.cfg.Name + "#")
	s.shadowDone = true
	if err := s.saveLocked(); err != nil {
		return err
	}
	s.armLocked()
	return nil
}

// promoteLocked makes the rollover CA the active one: the key NAME# becomes
// NAME (the old CA key is deleted; its archive stays), and the CRL is
// re-signed by the new key.
func (s *server) promoteLocked() error {
	label := s.cfg.Name + "#"
	if _, ok := s.d.Keys.Get(label); !ok {
		return fmt.Errorf("pki: rollover key %q is missing", label)
	}
	if err := s.d.Keys.Rename(label, s.cfg.Name); err != nil {
		return err
	}
	s.ca, s.roll = s.roll, nil
	s.shadowDone = false
	if err := s.saveLocked(); err != nil {
		return err
	}
	if err := s.publishCRLLocked(); err != nil {
		return err
	}
	return s.saveLocked()
}

// ---- persistence ----

type dbRequest struct {
	ID            int
	State         RequestState
	CSR           []byte
	TransactionID string `json:",omitempty"`
	Received      time.Time
	Serial        string `json:",omitempty"`
	Cert          []byte `json:",omitempty"`
	Rollover      bool   `json:",omitempty"`
}

type dbIssued struct {
	Serial    string
	Subject   []byte
	NotBefore time.Time
	NotAfter  time.Time
	CA        bool `json:",omitempty"`
}

type dbRevoked struct {
	Serial string
	At     time.Time
}

type dbState struct {
	Format     string
	LastSerial string
	Enabled    bool
	CA         []byte `json:",omitempty"`
	Rollover   []byte `json:",omitempty"`
	ArchiveN   int
	ShadowDone bool
	NextReqID  int
	Requests   []dbRequest
	Issued     []dbIssued
	Revoked    []dbRevoked
	CRLThis    time.Time
	CRLNext    time.Time
}

const dbFormat = "iosemu-cs/1"

func hexSerial(b *big.Int) string { return b.Text(16) }

func parseSerial(s string) (*big.Int, error) {
	b, ok := new(big.Int).SetString(s, 16)
	if !ok || b.Sign() < 0 {
		return nil, fmt.Errorf("pki: bad serial %q", clip(s))
	}
	return b, nil
}

// saveLocked writes the serial file NAME.ser (the whole state).
func (s *server) saveLocked() error {
	st := dbState{Format: dbFormat, LastSerial: hexSerial(s.lastSerial), Enabled: s.state == StateEnabled,
		ArchiveN: s.archiveN, ShadowDone: s.shadowDone, NextReqID: s.nextReqID, CRLThis: s.crlThis, CRLNext: s.crlNext}
	if s.ca != nil {
		st.CA = s.ca.Raw
	}
	if s.roll != nil {
		st.Rollover = s.roll.Raw
	}
	for _, r := range s.reqs {
		if !r.keep {
			continue
		}
		d := dbRequest{ID: r.ID, State: r.State, CSR: r.CSR, TransactionID: r.TransactionID, Received: r.Received,
			Cert: r.Cert, Rollover: r.Rollover}
		if r.Serial != nil {
			d.Serial = hexSerial(r.Serial)
		}
		st.Requests = append(st.Requests, d)
	}
	// Only the CA certificates: the others are in their .cnm files (a
	// CA that issued thousands saves after each one).
	for _, r := range s.caIssued {
		st.Issued = append(st.Issued, dbIssued{Serial: hexSerial(r.Serial), Subject: r.Subject,
			NotBefore: r.NotBefore, NotAfter: r.NotAfter, CA: r.CA})
	}
	for _, e := range s.revoked {
		st.Revoked = append(st.Revoked, dbRevoked{Serial: hexSerial(e.Serial), At: e.RevokedAt})
	}
	data, err := json.MarshalIndent(st, "", " ")
	if err != nil {
		return fmt.Errorf("pki: encoding the serial file: %w", err)
	}
	u := s.url(FileSer, s.cfg.Name+".ser")
	if err := s.d.Store.WriteFile(u, data); err != nil {
		return fmt.Errorf("pki: writing %s: %w", u, err)
	}
	return nil
}

func loadServer(cfg Config, d Deps) (*Server, error) {
	srv, err := newServer(cfg, d)
	if err != nil {
		return nil, err
	}
	s := srv.st
	u := s.url(FileSer, cfg.Name+".ser")
	data, err := d.Store.ReadFile(u)
	if errors.Is(err, fs.ErrNotExist) {
		return srv, nil
	}
	if err != nil {
		return nil, fmt.Errorf("pki: reading %s: %w", u, err)
	}
	var st dbState
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("pki: decoding %s: %w", u, err)
	}
	if st.Format != dbFormat {
		return nil, fmt.Errorf("pki: %s: unknown format %q", u, clip(st.Format))
	}
	if s.lastSerial, err = parseSerial(st.LastSerial); err != nil {
		return nil, err
	}
	if st.CA != nil {
		if s.ca, err = x509.ParseCertificate(st.CA); err != nil {
			return nil, fmt.Errorf("pki: %s: CA certificate: %w", u, err)
		}
	}
	if st.Rollover != nil {
		if s.roll, err = x509.ParseCertificate(st.Rollover); err != nil {
			return nil, fmt.Errorf("pki: %s: rollover certificate: %w", u, err)
		}
	}
	s.archiveN, s.shadowDone, s.nextReqID = st.ArchiveN, st.ShadowDone, max(st.NextReqID, 1)
	// A rollover certificate whose key was never saved (the router went
	// down before its configuration did) cannot become the CA: drop it, so
	// that the shadow timer makes a new one instead of the expiry failing
	// for ever.
	if s.roll != nil {
		if _, ok := s.d.Keys.Get(s.cfg.Name + "#"); !ok {
			s.roll, s.shadowDone = nil, false
		}
	}
	s.crlThis, s.crlNext = st.CRLThis, st.CRLNext
	for _, r := range st.Requests {
		rec := &reqRecord{ID: r.ID, State: r.State, CSR: r.CSR, TransactionID: r.TransactionID,
			Received: r.Received, Cert: r.Cert, Rollover: r.Rollover, keep: true}
		if r.TransactionID != "" {
			s.byTID[r.TransactionID] = rec
		}
		if r.Serial != "" {
			if rec.Serial, err = parseSerial(r.Serial); err != nil {
				return nil, err
			}
		}
		s.reqs = append(s.reqs, rec)
	}
	for _, r := range st.Issued {
		b, err := parseSerial(r.Serial)
		if err != nil {
			return nil, err
		}
		s.issued = append(s.issued, &issuedRec{Serial: b, Subject: r.Subject, NotBefore: r.NotBefore, NotAfter: r.NotAfter, CA: r.CA})
	}
	for _, r := range st.Revoked {
		b, err := parseSerial(r.Serial)
		if err != nil {
			return nil, err
		}
		s.revoked = append(s.revoked, CRLEntry{Serial: b, RevokedAt: r.At})
	}
	if cfg.DatabaseLevel >= LevelNames {
		s.loadNamesLocked()
	}
	sort.Slice(s.issued, func(i, j int) bool { return s.issued[i].Serial.Cmp(s.issued[j].Serial) < 0 })
	for _, r := range s.issued {
		if r.CA {
			s.caIssued = append(s.caIssued, r)
		}
	}
	if der, err := d.Store.ReadFile(s.url(FileCRL, cfg.Name+".crl")); err == nil {
		s.crlDER = der
	}
	if s.ca != nil {
		if c, _ := s.signerLocked(false); c == nil {
			return nil, fmt.Errorf("pki: loading %s: the CA key %q is missing from the keyring", cfg.Name, cfg.Name)
		}
	}
	if st.Enabled && s.ca != nil {
		s.state = StateEnabled
		s.lock()
		s.armLocked()
		s.unlock()
	}
	return srv, nil
}

// loadNamesLocked rebuilds the index of issued certificates from the
// <serial>.cnm files (levels names and complete).
func (s *server) loadNamesLocked() {
	for i := big.NewInt(1); i.Cmp(s.lastSerial) <= 0; i = new(big.Int).Add(i, big.NewInt(1)) {
		if s.findIssued(i) != nil {
			continue
		}
		data, err := s.d.Store.ReadFile(s.url(FileCNM, SerialFileName(i)+".cnm"))
		if err != nil {
			continue
		}
		f := strings.Fields(string(data))
		if len(f) < 4 {
			continue
		}
		nb, err1 := time.Parse(time.RFC3339, f[1])
		na, err2 := time.Parse(time.RFC3339, f[2])
		subj, err3 := hex.DecodeString(f[3])
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		s.issued = append(s.issued, &issuedRec{Serial: new(big.Int).Set(i), Subject: subj, NotBefore: nb, NotAfter: na})
	}
}
