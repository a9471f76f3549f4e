package pki

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iosemu/iosemu/pki/scep"
)

// Defaults of a trustpoint's configuration.
const (
	// DefaultRetryCount is the number of polls of a PENDING request
	// (`enrollment retry count`) when none is configured: the seeds' 999999.
	DefaultRetryCount = 999999
	// DefaultRetryPeriod is the first poll interval (`enrollment retry
	// period`, in minutes) when none is configured.
	DefaultRetryPeriod = time.Minute
	// DefaultTrustpointKeyBits is the modulus of a key pair the enrolment
	// generates when TrustpointDeps.DefaultKeyBits is 0.
	DefaultTrustpointKeyBits = 1024
)

// Timer name prefixes of a trustpoint, as `show crypto pki timers` prints
// them followed by a blank and the trustpoint name ("RENEW Root-CA").
const (
	TimerTPRenew        = "RENEW"
	TimerTPShadow       = "SHADOW"
	TimerTPPoll         = "POLL"
	TimerTPConnectRetry = "CONNECT RETRY"
)

// EnrollmentMode is how a trustpoint gets its certificates.
type EnrollmentMode int

const (
	EnrollmentNone       EnrollmentMode = iota // nothing configured
	EnrollmentURL                              // `enrollment url URL`: SCEP
	EnrollmentTerminal                         // `enrollment terminal [pem]`: cut and paste
	EnrollmentSelfSigned                       // `enrollment selfsigned`
)

// Include is a trustpoint setting that `crypto pki enroll` asks about when
// it is not configured (`serial-number [none]`, `ip-address ...|none`).
type Include int

const (
	IncludeAsk Include = iota // not configured: the dialog asks
	IncludeYes                // `serial-number`, `ip-address A.B.C.D`
	IncludeNo                 // `serial-number none`, `ip-address none`
)

// TrustpointConfig is the configuration of `crypto pki trustpoint NAME`.
// The zero value is a trustpoint with nothing configured.
type TrustpointConfig struct {
	Enrollment EnrollmentMode
	URL        string // `enrollment url`, as typed
	RA         bool   // `enrollment mode ra`
	PEM        bool   // `enrollment terminal pem`

	// RetryCount is `enrollment retry count` (0: DefaultRetryCount);
	// RetryPeriod is `enrollment retry period` (0: DefaultRetryPeriod).
	RetryCount  int
	RetryPeriod time.Duration

	// SerialNumber: include the router's serial number
	// (TrustpointDeps.Identity) as serialNumber= in the subject.
	SerialNumber Include
	// IPAddress: include IPAddr as ipaddress= (unstructuredAddress) in the
	// subject. With IncludeYes the face sets IPAddr (for `ip-address
	// INTERFACE` it resolves the interface's address).
	IPAddress Include
	IPAddr    string

	// Password is the challenge password in clear text (`password`); the
	// face stores it as type 7.
	Password string

	// SubjectName is the `subject-name` DN string ("CN=spoke-1.cisco.com,OU=CVO").
	SubjectName string
	// SubjectAltName is the `subject-alt-name` value, sent as a DNS name.
	SubjectAltName string
	// FQDN is `fqdn NAME`: the hostname= (unstructuredName) of the subject
	// instead of the router's hostname.domain; "none" leaves hostname= out.
	FQDN string

	// Revocation is `revocation-check` (e.g. ["crl"]); the engine only keeps it.
	Revocation []string

	// KeyLabel and KeyBits are `rsakeypair LABEL [SIZE]`. Without a label
	// the router's default key pair is used: hostname.domain (see
	// Trustpoint.KeyLabel).
	KeyLabel string
	KeyBits  int

	// AutoEnroll is `auto-enroll [PCT] [regenerate]`; AutoEnrollPercent 0
	// means 100 (renew when the certificate expires).
	AutoEnroll        bool
	AutoEnrollPercent int
	Regenerate        bool

	// Fingerprint is `fingerprint HEX`: a CA certificate whose MD5 or SHA-1
	// fingerprint matches is accepted without asking (blanks ignored, any
	// case).
	Fingerprint string

	// Usage is `usage` (e.g. "ike"); the engine only keeps it.
	Usage string

	// Hash is `hash`: the digest the certificate requests are signed with;
	// HashDefault means SHA-1 (IOS 15's requests are sha1WithRSA, which an
	// IOS CA answers with a sha1WithRSA certificate even from an MD5 CA).
	Hash Hash
}

// Identity is what the router tells a trustpoint about itself.
type Identity struct {
	Hostname     string // "spoke-1"
	Domain       string // `ip domain name`; "" when none
	SerialNumber string // the chassis serial number ("67109104", "FTX1234A5BC")
}

// FQDN returns hostname.domain, or the hostname alone without a domain.
func (id Identity) FQDN() string {
	if id.Domain == "" {
		return id.Hostname
	}
	return id.Hostname + "." + id.Domain
}

// TrustpointDeps are what a [Trustpoint] is given. Clock, Keys and Identity
// are required; HTTP is required for `enrollment url`.
type TrustpointDeps struct {
	Clock Clock
	Keys  *Keyring
	// HTTP sends the SCEP requests (the lab's doer dials through its
	// address map).
	HTTP scep.Doer
	// Identity returns the router's hostname, domain and serial number; it
	// is called at every request.
	Identity func() Identity
	// Events receives the trustpoint's log and debug lines; nil discards
	// them. It is called without the trustpoint's lock held.
	Events func(Event)
	// Save is the "configuration changed, save it" hook IOS runs after a
	// change made by a timer (a renewal, a shadow certificate, a rollover):
	// the face writes the configuration if it may (IOS saves only when
	// nothing else is unsaved) and reports whether it did. The engine then
	// logs %PKI-6-AUTOSAVE (or %PKI-6-SHADOWAUTOSAVE) when saved, else
	// %PKI-4-NOAUTOSAVE. Nil means never saved. Called without the lock.
	Save func() bool
	// Changed is called (without the lock) after every change of the
	// trustpoint's certificates or pending request, timer-driven or not,
	// e.g. to mark running-config modified. Nil is fine.
	Changed func()
	// DefaultKeyBits is the modulus of key pairs the enrolment generates
	// when `rsakeypair` gives no size; 0 means DefaultTrustpointKeyBits.
	DefaultKeyBits int
	// Rand is passed to key generation; nil means crypto/rand.
	Rand io.Reader
	// Timeout bounds one SCEP exchange started by a timer (the HTTP
	// doer's deadline is the doer's business); 0 means 30 s. It is a
	// network deadline, not device time.
	Timeout time.Duration
}

// Errors of trustpoint operations. The face words them as IOS does.
var (
	// ErrCAUnreachable wraps a failure to reach the CA at all (connection
	// refused, timeout, no route): IOS logs %PKI-3-SOCKETSEND and prints
	// "% Error in receiving Certificate Authority certificate: status =
	// FAIL, cert length = 0" for an authenticate.
	ErrCAUnreachable = errors.New("pki: certificate authority unreachable")
	// ErrFingerprintMismatch: the CA certificate does not match the
	// configured `fingerprint`.
	ErrFingerprintMismatch = errors.New("pki: CA certificate fingerprint does not match the configured fingerprint")
	// ErrNotAuthenticated: the trustpoint has no CA certificate.
	ErrNotAuthenticated = errors.New("pki: trustpoint is not authenticated")
	// ErrNoEnrollment: no enrollment method fits the operation.
	ErrNoEnrollment = errors.New("pki: no enrollment method configured for the operation")
	// ErrEnrollInProgress: a request of this trustpoint is pending or in flight.
	ErrEnrollInProgress = errors.New("pki: an enrollment request is in progress")
	// ErrKeyMismatch: an imported certificate is not for the trustpoint's key.
	ErrKeyMismatch = errors.New("pki: certificate public key does not match the trustpoint's key")
	// ErrNotChained: a certificate does not chain to the trustpoint's CA.
	ErrNotChained = errors.New("pki: certificate is not issued by the trustpoint's CA")
	// ErrNoCertificate: the trustpoint has no such certificate.
	ErrNoCertificate = errors.New("pki: no such certificate in the trustpoint")
)

// CertRole is the role of a certificate in a trustpoint: what
// `crypto pki certificate chain TP` calls it.
type CertRole int

const (
	RoleID         CertRole = iota // `certificate 02`: the router's (active) ID certificate
	RoleCA                         // `certificate ca 01`
	RoleIDRollover                 // `certificate rollover 05`: the shadow ID certificate
	RoleCARollover                 // `certificate ca rollover 03`
	RoleRA                         // an RA certificate (`enrollment mode ra`): `certificate ra-encrypt`/`ra-sign` in IOS; kept, not used
)

// String returns the words between `certificate` and the serial number in
// `crypto pki certificate chain` ("", "ca", "rollover", "ca rollover").
func (r CertRole) String() string {
	switch r {
	case RoleCA:
		return "ca"
	case RoleIDRollover:
		return "rollover"
	case RoleCARollover:
		return "ca rollover"
	case RoleRA:
		return "ra"
	}
	return ""
}

// ChainCert is one certificate of `crypto pki certificate chain TP`.
type ChainCert struct {
	Role CertRole
	// Serial is the serial number as IOS names it there: upper-case hex,
	// at least two digits ("02", "0A", "1B3F").
	Serial string
	Cert   *x509.Certificate
}

// RequestKind says why a request was sent.
type RequestKind int

const (
	RequestEnroll RequestKind = iota // `crypto pki enroll` (first enrolment or re-enrolment)
	RequestRenew                     // the RENEW timer
	RequestShadow                    // the SHADOW timer: for the rollover CA
)

func (k RequestKind) String() string {
	switch k {
	case RequestRenew:
		return "renew"
	case RequestShadow:
		return "shadow"
	}
	return "enroll"
}

// PendingEnrollment is a request the CA answered PENDING, polled with
// GetCertInitial on the POLL timer.
type PendingEnrollment struct {
	Kind            RequestKind
	TransactionID   string
	FingerprintMD5  string // of the PKCS#10 DER, IOS groups ("B9333411 05F61100 ...")
	FingerprintSHA1 string
	Subject         Name      // the requested subject ("Name:" and "Serial Number:" of a pending request)
	Sent            time.Time // when the PKCSReq was answered PENDING
	Polls           int       // GetCertInitial sent so far
	NextPoll        time.Time // zero when no POLL timer is armed
	KeyLabel        string    // the key pair the request is for
}

// TrustpointState is a snapshot of a trustpoint's certificates and progress.
type TrustpointState struct {
	CA         *x509.Certificate // the active CA certificate: authenticated when set
	CARollover *x509.Certificate // the rollover CA certificate (GetNextCACert)
	RA         []*x509.Certificate
	ID         *x509.Certificate // the active ID certificate: enrolled when set
	IDRollover *x509.Certificate // the shadow ID certificate, issued by CARollover
	// KeyLabel is the key pair of ID; ShadowKeyLabel the one of IDRollover
	// or of a pending renewal with `regenerate` ("" when none).
	KeyLabel       string
	ShadowKeyLabel string
	Pending        *PendingEnrollment
	Caps           []string // GetCACaps, as the CA sent them
	// Renewal failed for good (a REJECT, or the polls ran out): no timer
	// renews the certificate until the next manual enrolment.
	Stopped bool
}

// Authenticated reports whether the trustpoint has a CA certificate.
func (s TrustpointState) Authenticated() bool { return s.CA != nil }

// Enrolled reports whether the trustpoint has an ID certificate.
func (s TrustpointState) Enrolled() bool { return s.ID != nil }

// CAOffer is what `crypto pki authenticate` fetched: the certificate the
// face shows in the fingerprint dialog.
type CAOffer struct {
	CA              *x509.Certificate
	RA              []*x509.Certificate // RA certificates of a CA/RA reply
	FingerprintMD5  string              // IOS groups, "A792544F 9A2D75F5 B89E404F DF8EFD2C"
	FingerprintSHA1 string
	// Accepted: the configured fingerprint matched and the certificate is
	// installed (no dialog; IOS prints "Trustpoint CA certificate
	// accepted.").
	Accepted bool
}

// EnrollOptions are the answers of the `crypto pki enroll` dialog.
type EnrollOptions struct {
	// Password is the challenge password typed at the dialog; "" uses the
	// configured one.
	Password string
	// SerialNumber and IPAddr answer the questions the configuration
	// leaves open (IncludeAsk); they are ignored when configured.
	SerialNumber bool
	IPAddr       string
}

// EnrollStep is how a request ended.
type EnrollStep int

const (
	EnrollGranted   EnrollStep = iota // the certificate is installed
	EnrollPending                     // the CA holds the request; POLL is armed
	EnrollRejected                    // the CA refused it
	EnrollDisplayed                   // `enrollment terminal`: the request is for the face to print
)

func (s EnrollStep) String() string {
	switch s {
	case EnrollPending:
		return "pending"
	case EnrollRejected:
		return "rejected"
	case EnrollDisplayed:
		return "displayed"
	}
	return "granted"
}

// EnrollOutcome is what the face prints after `crypto pki enroll`.
type EnrollOutcome struct {
	Step EnrollStep
	// Subject is the subject requested; SubjectLines are the dialog's "%
	// The subject name in the certificate will include: ..." values (the
	// subject-name string, then the hostname), SerialNumber the "% The
	// serial number in the certificate will be: ..." value ("" when not
	// included), IPAddr "% The IP address in the certificate is ...".
	Subject      Name
	SubjectLines []string
	SerialNumber string
	IPAddr       string
	// KeyGenerated: the key pair KeyLabel (KeyBits) was generated for the
	// request.
	KeyLabel     string
	KeyBits      int
	KeyGenerated bool
	// FingerprintMD5/SHA1 are the request's (the CSR's DER) fingerprints.
	FingerprintMD5  string
	FingerprintSHA1 string
	TransactionID   string
	// CSR is the DER PKCS#10 request (`enrollment terminal` prints it).
	CSR  []byte
	Cert *x509.Certificate // the granted certificate
}

// Trustpoint is the engine of one `crypto pki trustpoint NAME`: its
// configuration, its certificates, its requests and its timers. It is safe
// for use by many goroutines; timer callbacks run the SCEP exchange without
// holding the trustpoint's lock.
type Trustpoint struct {
	name string
	deps TrustpointDeps

	mu sync.Mutex
	tp tpState

	txn atomic.Uint64 // makes transaction IDs unique within the trustpoint

	// newTransport replaces the SCEP client in tests.
	newTransport func(url string) (scepTransport, error)
}

// NewTrustpoint returns the trustpoint name with cfg, with no certificates.
func NewTrustpoint(name string, cfg TrustpointConfig, deps TrustpointDeps) (*Trustpoint, error) {
	return newTrustpoint(name, cfg, deps)
}

// Name returns the trustpoint's name.
func (t *Trustpoint) Name() string { return t.name }

// Config returns the configuration.
func (t *Trustpoint) Config() TrustpointConfig { return t.config() }

// SetConfig replaces the configuration and re-arms the timers it affects
// (auto-enroll, the retry settings).
func (t *Trustpoint) SetConfig(cfg TrustpointConfig) { t.setConfig(cfg) }

// KeyLabel returns the label of the key pair the trustpoint enrols with:
// `rsakeypair`'s, else the router's default hostname.domain.
func (t *Trustpoint) KeyLabel() string { return t.keyLabel() }

// State returns a snapshot of the certificates and the pending request.
func (t *Trustpoint) State() TrustpointState { return t.state() }

// Chain returns the certificates as `crypto pki certificate chain TP`
// lists them: rollover ID, ID, rollover CA, CA (IOS's order in the seeds:
// `certificate ca rollover 03` before `certificate ca 01`).
func (t *Trustpoint) Chain() []ChainCert { return t.chain() }

// LoadChain rebuilds the certificates from a configuration's `crypto pki
// certificate chain TP` (at boot, or when the face replays a config), each
// certificate as its DER. ID certificates are matched to their key pair in
// the keyring (the shadow one to KeyLabel()+"#" or any key whose public
// half matches). It does not arm timers: call Start.
func (t *Trustpoint) LoadChain(certs []ChainCert) error { return t.loadChain(certs) }

// Start arms the timers the state calls for, from the certificates and the
// clock: RENEW or SHADOW, POLL for a pending request, the switch to the
// rollover certificates at the CA's expiry (done at once when that moment
// has passed). With a non-authoritative clock it arms nothing and logs
// %PKI-2-NON_AUTHORITATIVE_CLOCK; the face calls Start again when the
// clock becomes authoritative. Calling it again re-arms from scratch.
func (t *Trustpoint) Start() { t.start() }

// Timers returns the armed timers ("RENEW Root-CA", ...), by due time.
func (t *Trustpoint) Timers() []TimerInfo { return t.timers() }

// RenewDate returns when the ID certificate is renewed (`renew date:` of
// `show crypto pki certificates`): with auto-enroll, the RENEW or SHADOW
// instant computed from the time the certificate was installed; false
// without auto-enroll or ID certificate.
func (t *Trustpoint) RenewDate() (time.Time, bool) { return t.renewDate() }

// Close stops every timer (`no crypto pki trustpoint`). The trustpoint
// must not be used after.
func (t *Trustpoint) Close() { t.close() }

// Authenticate is `crypto pki authenticate NAME` with `enrollment url`:
// GetCACert (message=NAME). When the configured fingerprint matches it
// installs the certificate (Accepted) and fetches GetCACaps; a mismatch is
// ErrFingerprintMismatch. Otherwise the face shows the offer and calls
// Accept. An unreachable CA is ErrCAUnreachable (and %PKI-3-SOCKETSEND).
func (t *Trustpoint) Authenticate(ctx context.Context) (*CAOffer, error) {
	return t.authenticate(ctx)
}

// Accept installs the offered CA certificate (the dialog's "yes") and
// fetches GetCACaps; it arms the timers an auto-enroll trustpoint needs.
func (t *Trustpoint) Accept(ctx context.Context, offer *CAOffer) error {
	return t.accept(ctx, offer)
}

// InstallCA installs a CA certificate given as PEM or DER (`crypto pki
// authenticate` with `enrollment terminal`). It returns the offer for the
// fingerprint dialog without installing when accept is false.
func (t *Trustpoint) InstallCA(data []byte, accept bool) (*CAOffer, error) {
	return t.installCA(data, accept)
}

// Enroll is `crypto pki enroll NAME`. With `enrollment url` it generates
// the key pair if missing, builds the PKCS#10 request, signs the
// pkiMessage with a self-signed certificate (first enrolment) or the
// current ID certificate (re-enrolment), sends PKCSReq and handles the
// answer: granted installs the certificate and arms RENEW or SHADOW,
// pending arms POLL, rejected stops. With `enrollment terminal` it returns
// the request (CSR) for the face to print and waits for Import. With
// `enrollment selfsigned` it installs a self-signed certificate.
func (t *Trustpoint) Enroll(ctx context.Context, opts EnrollOptions) (EnrollOutcome, error) {
	return t.enroll(ctx, opts)
}

// RequestSubject returns what a request with opts would carry, without
// sending anything or generating a key: the subject and the dialog's
// lines (SubjectLines, SerialNumber, IPAddr), KeyLabel and KeyBits (of the
// existing key pair, or of the one Enroll would generate).
func (t *Trustpoint) RequestSubject(opts EnrollOptions) (EnrollOutcome, error) {
	return t.requestSubject(opts)
}

// Import installs an ID certificate given as PEM or DER (`crypto pki import
// NAME certificate`), after checking that it is for the trustpoint's key
// and chains to its CA certificate.
func (t *Trustpoint) Import(data []byte) (*x509.Certificate, error) { return t.importCert(data) }

// ExportPEM returns the CA certificate and the ID certificate as PEM
// (`crypto pki export NAME pem terminal`); id is nil when not enrolled.
func (t *Trustpoint) ExportPEM() (ca, id []byte, err error) { return t.exportPEM() }

// DeleteCertificate removes the certificate with that role and serial
// number (`no certificate SERIAL` in `crypto pki certificate chain`).
func (t *Trustpoint) DeleteCertificate(role CertRole, serial string) error {
	return t.deleteCert(role, serial)
}

// CancelRequest drops a pending request and its POLL timer (`no crypto pki
// enroll NAME`).
func (t *Trustpoint) CancelRequest() bool { return t.cancelRequest() }
