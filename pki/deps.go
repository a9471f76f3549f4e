package pki

import (
	"io"
	"time"
)

// Clock is the device's clock as the engine sees it.
type Clock interface {
	// Now returns the device's current time.
	Now() time.Time
	// Authoritative reports whether the device's time is authoritative (NTP
	// synchronised, or the hardware calendar declared valid); IOS starts no
	// PKI timer and enables no certificate server otherwise.
	Authoritative() bool
	// At arms a one-shot timer named name (as `show crypto pki timers`
	// prints it) that calls f once the device clock reaches due; a due time
	// in the past fires as soon as possible. f runs on the clock's goroutine,
	// never inside At.
	At(name string, due time.Time, f func()) Timer
}

// Timer is an armed timer of a [Clock].
type Timer interface {
	// Stop disarms the timer and reports whether it was still pending.
	Stop() bool
	// Due returns the instant the timer fires.
	Due() time.Time
}

// Store reads and writes the certificate server's database files, addressed
// by IOS URLs: "nvram:ROOTCA.ser", "flash:/db/ROOTCA.crl",
// "ftp://10.1.1.1/DB/ROOTCA/ROOTCA_00001.p12".
type Store interface {
	// ReadFile returns the content of url; an error wrapping fs.ErrNotExist
	// when there is no such file.
	ReadFile(url string) ([]byte, error)
	// WriteFile replaces the content of url atomically: after a crash the
	// file holds the old or the new content, never a mix.
	WriteFile(url string, data []byte) error
	// Remove deletes url; removing a missing file is not an error.
	Remove(url string) error
}

// EventKind says how the face shows an [Event].
type EventKind int

const (
	// EventLog is a syslog message, its Text starting with the mnemonic:
	// "%PKI-6-CS_ENABLED: Certificate server now enabled."
	EventLog EventKind = iota
	// EventDebug is a `debug crypto pki server` line:
	// "CRYPTO_CS: shadow generation timer fired."
	EventDebug
)

// Event is one line the engine has to say, with the device time it was said.
type Event struct {
	Kind EventKind
	Time time.Time
	Text string
}

// Deps are what a [Server] is given. Clock, Store and Keys are required.
type Deps struct {
	Clock Clock
	Store Store
	// Keys holds the router's key pairs; the server generates and uses the
	// keys NAME and NAME# in it.
	Keys *Keyring
	// Events receives the server's log and debug lines; nil discards them.
	// It is called without the server's lock held.
	Events func(Event)
	// Rand is the randomness for PKCS#12 salts and key generation; nil
	// means crypto/rand. (Go ignores it for RSA key generation outside
	// tests; see testing/cryptotest.SetGlobalRandom.)
	Rand io.Reader
}
