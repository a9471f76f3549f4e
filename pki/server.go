package pki

import (
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"math/big"
	"time"
)

// Defaults of `crypto pki server` on the seed lab's releases (15.x), as
// `show` in cs-server mode lists them: lifetime certificate 365, lifetime
// ca-certificate 1095, lifetime crl 6 (hours), lifetime enrollment-request
// 168 (hours); keys of 1024 bits; bare `auto-rollover` is 30 days.
const (
	DefaultCertLifetime    = 365 * 24 * time.Hour
	DefaultCALifetime      = 1095 * 24 * time.Hour
	DefaultCRLLifetime     = 6 * time.Hour
	DefaultRequestLifetime = 168 * time.Hour
	DefaultAutoRollover    = 30 * 24 * time.Hour
	DefaultKeyModulus      = 1024
	DefaultDatabaseURL     = "nvram:"
)

// Timer names, as `show crypto pki timers` prints them.
const (
	TimerCRLUpdate = "CS CRL UPDATE"
	TimerShadow    = "CS SHADOW CERT GENERATION"
	TimerExpire    = "CS CERT EXPIRE"
)

// GrantMode is `grant auto|none|ra-auto`.
type GrantMode int

const (
	// GrantNone keeps requests pending until Grant (IOS's default; shown
	// as "manual").
	GrantNone GrantMode = iota
	// GrantAuto grants every valid request at once.
	GrantAuto
	// GrantRAAuto grants requests that come through an RA at once; the
	// engine has no RA, so it behaves as GrantNone.
	GrantRAAuto
)

// String returns what `show crypto pki server` prints after
// "Granting mode is: ": "manual", "auto", "ra-auto".
func (g GrantMode) String() string {
	switch g {
	case GrantAuto:
		return "auto"
	case GrantRAAuto:
		return "ra-auto"
	}
	return "manual"
}

// DBLevel is `database level minimum|names|complete`.
type DBLevel int

const (
	// LevelMinimum stores only what is needed to go on issuing without
	// conflict (the serial file).
	LevelMinimum DBLevel = iota
	// LevelNames also writes <serial>.cnm (serial, subject, expiry) for each
	// issued certificate.
	LevelNames
	// LevelComplete also writes each issued certificate as <serial>.cer.
	LevelComplete
)

// String returns the text after "Database Level: " in `show crypto pki
// server`.
func (l DBLevel) String() string {
	switch l {
	case LevelNames:
		return "Names - all certificate names written to storage"
	case LevelComplete:
		return "Complete - all issued certs written as <serialnum>.cer"
	}
	return "Minimum - no cert data written to storage"
}

// FileKind is a kind of database file with its own `database url KIND URL`.
type FileKind string

const (
	FileSer FileKind = "ser" // NAME.ser, the serial file and server state
	FileCRL FileKind = "crl" // NAME.crl
	FileCNM FileKind = "cnm" // <serial>.cnm at level names and complete
	FileCRT FileKind = "crt" // <serial>.cer at level complete
	FileP12 FileKind = "p12" // NAME.p12, NAME_0000N.p12 archives
	FilePEM FileKind = "pem" // NAME.pem, NAME_0000N.pem archives
)

// ArchiveFormat is `database archive pkcs12|pem`.
type ArchiveFormat int

const (
	ArchiveNone ArchiveFormat = iota
	ArchivePKCS12
	ArchivePEM
)

// Config is the `crypto pki server NAME` configuration. Zero values mean
// the IOS defaults.
type Config struct {
	Name string
	// IssuerName is the `issuer-name` DN string; "" means "CN=NAME".
	IssuerName string
	Grant      GrantMode
	// GrantAutoRollover is `grant auto rollover ca-cert`: a request for the
	// rollover CA signed by a valid certificate of this CA is granted even
	// under GrantNone.
	GrantAutoRollover bool
	CertLifetime      time.Duration // `lifetime certificate` (days)
	CALifetime        time.Duration // `lifetime ca-certificate` (days)
	CRLLifetime       time.Duration // `lifetime crl` (hours)
	RequestLifetime   time.Duration // `lifetime enrollment-request` (hours)
	// AutoRollover is the overlap of `auto-rollover [DAYS [H [M]]]`; 0 is
	// no auto-rollover (bare `auto-rollover` is DefaultAutoRollover).
	AutoRollover  time.Duration
	DatabaseLevel DBLevel
	// DatabaseURL is the primary storage directory ("nvram:",
	// "ftp://10.1.1.1/DB/ROOTCA/"); "" means "nvram:". URLs overrides it
	// per kind of file.
	DatabaseURL string
	URLs        map[FileKind]string
	Archive     ArchiveFormat
	// ArchivePassword encrypts the archives; "" means the passphrase given
	// to Enable.
	ArchivePassword string
	// Hash signs the CA certificates and the CRL (HashDefault: MD5, the
	// 15.x default) and the issued certificates; with HashDefault an issued
	// certificate is signed with the hash of its request's signature, SHA-1
	// at least (what the captures show: an md5 CA issuing sha1 certs).
	Hash Hash
	// KeyModulus is the size of a key the server generates; 0 means 1024.
	KeyModulus int
	// CDPURL is `cdp-url`: when set, issued certificates carry it as a CRL
	// distribution point.
	CDPURL string
	// InitialSerial is `serial-number 0xN`: the serial the CA certificate
	// follows (nil means 0, so the CA certificate is 1).
	InitialSerial *big.Int
}

// Errors. The face turns them into IOS texts.
var (
	ErrClockNotAuthoritative = errors.New("pki: the clock is not authoritative")
	ErrNotEnabled            = errors.New("pki: certificate server is not enabled")
	ErrLocked                = errors.New("pki: setting cannot be changed after CA certificate generation")
	ErrNoRequest             = errors.New("pki: no such enrollment request")
	ErrRequestNotPending     = errors.New("pki: enrollment request is not pending")
	ErrNoRollover            = errors.New("pki: no rollover CA certificate")
	ErrRolloverExists        = errors.New("pki: rollover CA certificate already exists")
	ErrNotIssued             = errors.New("pki: no certificate with that serial number was issued")
	ErrAlreadyRevoked        = errors.New("pki: certificate is already revoked")
	ErrNotRevoked            = errors.New("pki: certificate is not revoked")
)

// ServerState is the server's state.
type ServerState int

const (
	// StateDisabled: shut down (or never enabled).
	StateDisabled ServerState = iota
	// StateEnabled: enabled and issuing. The face shows "check failed"
	// instead when the HTTP server is off.
	StateEnabled
)

// String returns "disabled" or "enabled".
func (s ServerState) String() string {
	if s == StateEnabled {
		return "enabled"
	}
	return "disabled"
}

// Info is the state `show crypto pki server` renders. Zero times mean
// "not set".
type Info struct {
	Name       string
	IssuerName string // as configured (the DN string), or "CN=NAME"
	State      ServerState
	// Locked: the CA certificate exists, the configuration is locked.
	Locked              bool
	CAFingerprint       string // MD5 of the CA cert, IOS groups; "" before
	Grant               GrantMode
	LastSerial          *big.Int // "Last certificate issued serial number (hex)"
	CAExpiry            time.Time
	CRLNextUpdate       time.Time
	PrimaryStorage      string // "Current primary storage dir"
	DatabaseLevel       DBLevel
	Rollover            bool // a rollover CA certificate is available
	RolloverFingerprint string
	RolloverExpiry      time.Time
	AutoRollover        time.Duration // 0: not configured
	AutoRolloverDue     time.Time     // "Autorollover timer" (the shadow timer)
}

// TimerInfo is one armed timer of the server.
type TimerInfo struct {
	Name string
	Due  time.Time
}

// RequestState is the state of an enrollment request.
type RequestState int

const (
	RequestPending RequestState = iota
	RequestGranted
	RequestRejected
)

// String returns the word of `show crypto pki server NAME requests`.
func (s RequestState) String() string {
	switch s {
	case RequestGranted:
		return "granted"
	case RequestRejected:
		return "denied"
	}
	return "pending"
}

// Request is one entry of the enrollment request database.
type Request struct {
	ID            int
	State         RequestState
	Fingerprint   string // MD5 of the PKCS#10 request, upper-case hex, no blanks
	Subject       Name
	TransactionID string
	Received      time.Time
	Serial        *big.Int // of the granted certificate
	Rollover      bool     // for the rollover CA
}

// EnrollRequest is a certificate request handed to [Server.Enroll].
type EnrollRequest struct {
	CSR []byte // DER PKCS#10
	// TransactionID is the SCEP transactionID; "" for a request pasted at
	// the terminal.
	TransactionID string
	// Signer is the certificate that signed the SCEP message: self-signed
	// on a first enrollment, a certificate of this CA on a renewal.
	Signer *x509.Certificate
	// Rollover: the message was encrypted to the rollover CA certificate;
	// the certificate is issued by the rollover CA.
	Rollover bool
}

// EnrollStatus is the SCEP pkiStatus of an answer.
type EnrollStatus int

const (
	StatusGranted EnrollStatus = 0 // SUCCESS
	StatusFailure EnrollStatus = 2 // FAILURE
	StatusPending EnrollStatus = 3 // PENDING
)

// FailInfo is the SCEP failInfo of a FAILURE (RFC 8894 3.2.1.4.5).
type FailInfo int

const (
	FailBadAlg          FailInfo = 0
	FailBadMessageCheck FailInfo = 1
	FailBadRequest      FailInfo = 2
	FailBadTime         FailInfo = 3
	FailBadCertID       FailInfo = 4
)

// EnrollResult is the server's answer to a request or a poll.
type EnrollResult struct {
	Status    EnrollStatus
	RequestID int
	Cert      *x509.Certificate // the granted certificate
	Issuer    *x509.Certificate // the CA certificate that signed it
	FailInfo  FailInfo          // when Status is StatusFailure
}

// IssuedCert is one certificate of the database (`show crypto pki server
// NAME certificates`), the CA certificates included.
type IssuedCert struct {
	Serial    *big.Int
	NotBefore time.Time
	NotAfter  time.Time
	Subject   Name
	Revoked   bool
}

// CRLInfo is the current CRL (`show crypto pki server NAME crl`).
type CRLInfo struct {
	DER        []byte
	ThisUpdate time.Time
	NextUpdate time.Time
	Entries    []CRLEntry
}

// Server is one certificate server. See the package documentation.
type Server struct {
	st *server
}

// NewServer returns a new, disabled server with no CA certificate.
func NewServer(cfg Config, deps Deps) (*Server, error) { return newServer(cfg, deps) }

// Load rebuilds a server after a restart from its serial file (NAME.ser
// under the ser URL) and the keyring, and re-arms its timers; a timer whose
// due time passed meanwhile fires at once. Without a serial file it returns
// a new server, as NewServer does.
func Load(cfg Config, deps Deps) (*Server, error) { return loadServer(cfg, deps) }

// Name returns the server's name.
func (s *Server) Name() string { return s.st.name() }

// Config returns the server's configuration.
func (s *Server) Config() Config { return s.st.config() }

// SetConfig replaces the configuration. Once the CA certificate exists, the
// issuer name, the key modulus and the CA lifetime are locked: changing them
// returns ErrLocked and changes nothing. Grant mode, lifetimes, auto-rollover
// and the rest take effect at once (timers are re-armed).
func (s *Server) SetConfig(cfg Config) error { return s.st.setConfig(cfg) }

// Enable is `no shutdown`. On the first enable it generates (or reuses) the
// key NAME, self-signs the CA certificate, writes the serial file, the CRL
// and the archive (NAME.p12, encrypted with the archive password or else
// passphrase), and arms the timers; later it only re-enables. It returns
// ErrClockNotAuthoritative, and changes nothing, when the clock is not
// authoritative. Enabling an enabled server does nothing.
func (s *Server) Enable(passphrase string) error { return s.st.enable(passphrase) }

// Shutdown is `shutdown`: the server stops issuing and its timers stop; the
// CA certificate and the database stay.
func (s *Server) Shutdown() error { return s.st.shutdown() }

// Close stops the server's timers (the router is going away); the stored
// state stays for Load.
func (s *Server) Close() { s.st.close() }

// Info returns the state `show crypto pki server` renders.
func (s *Server) Info() Info { return s.st.info() }

// Timers returns the armed timers, by due time.
func (s *Server) Timers() []TimerInfo { return s.st.timerInfo() }

// CACert returns the active CA certificate (nil before the first Enable).
func (s *Server) CACert() *x509.Certificate { return s.st.caCert() }

// RolloverCert returns the rollover CA certificate, or nil.
func (s *Server) RolloverCert() *x509.Certificate { return s.st.rolloverCert() }

// Signer returns the CA certificate and private key of the active CA, or of
// the rollover CA when rollover is true (for SCEP: decrypt what clients
// encrypt to it, sign the replies). ok is false when there is none.
func (s *Server) Signer(rollover bool) (cert *x509.Certificate, key *rsa.PrivateKey, ok bool) {
	return s.st.signer(rollover)
}

// Enroll handles a certificate request (SCEP PKCSReq or RenewalReq, or a
// pasted PKCS#10). It answers granted (under grant auto, or a renewal
// auto-granted), pending (the request waits for Grant), or failure. A
// request whose transactionID is already known is answered from that
// request, so a replay never gets a second certificate. The error is
// reserved for the server itself failing (a store write); then no
// certificate left the server.
func (s *Server) Enroll(req EnrollRequest) (EnrollResult, error) { return s.st.enroll(req) }

// Poll answers a SCEP CertPoll (GetCertInitial) for transactionID.
func (s *Server) Poll(transactionID string) (EnrollResult, error) { return s.st.poll(transactionID) }

// Grant grants the pending request id: the certificate is issued now and
// handed to the client at its next poll.
func (s *Server) Grant(id int) error { return s.st.grant(id, false) }

// GrantAll grants every pending request.
func (s *Server) GrantAll() error { return s.st.grant(0, true) }

// Reject rejects the pending request id.
func (s *Server) Reject(id int) error { return s.st.reject(id, false) }

// RejectAll rejects every pending request.
func (s *Server) RejectAll() error { return s.st.reject(0, true) }

// Requests returns the enrollment request database, by ID. Requests older
// than the enrollment-request lifetime are gone.
func (s *Server) Requests() []Request { return s.st.requests() }

// Certificate returns the issued certificate serial (SCEP GetCert) when the
// server still has it (level complete, or a request granted recently).
func (s *Server) Certificate(serial *big.Int) (*x509.Certificate, bool) {
	return s.st.certificate(serial)
}

// Certificates returns the issued certificates, the CA ones included, by
// serial.
func (s *Server) Certificates() []IssuedCert { return s.st.certificates() }

// Revoke revokes the certificate serial and publishes a new CRL.
func (s *Server) Revoke(serial *big.Int) error { return s.st.revoke(serial) }

// Unrevoke takes serial off the CRL and publishes a new CRL.
func (s *Server) Unrevoke(serial *big.Int) error { return s.st.unrevoke(serial) }

// CRL returns the current CRL (nil before the first Enable).
func (s *Server) CRL() CRLInfo { return s.st.crl() }

// Rollover is `crypto pki server NAME rollover`: the rollover key NAME# and
// CA certificate are made now. ErrRolloverExists if there is one already.
func (s *Server) Rollover() error { return s.st.rollover() }

// CancelRollover is `crypto pki server NAME rollover cancel`: the rollover
// key and certificate are deleted. ErrNoRollover if there is none.
func (s *Server) CancelRollover() error { return s.st.cancelRollover() }
