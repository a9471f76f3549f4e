// Package pki is the PKI engine of iosemu: RSA key pairs with IOS labels,
// X.509 certificates and CRLs built and checked the way a Cisco IOS
// certificate server does it (md5WithRSAEncryption included, which crypto/x509
// refuses), IOS distinguished-name strings, IOS hex dumps and fingerprints,
// and the certificate server (`crypto pki server NAME`) as a state machine:
// CA certificate, serial file, database, enrollment requests, grant and
// reject, revocation and CRL, archives, and CA rollover on timers.
//
// The engine knows no router, session, socket or wall clock. Its IOS face
// (grammar, dialogs, show renderers, running-config) lives in pki/ios and
// drives it; the SCEP wire protocol lives in pki/scep. Everything the engine
// needs from the outside is injected through [Deps]:
//
//   - a [Clock]: the device's time, whether that time is authoritative, and
//     named one-shot timers ("CS CRL UPDATE", "CS SHADOW CERT GENERATION",
//     "CS CERT EXPIRE") that `show crypto pki timers` lists;
//   - a [Store]: files addressed by IOS URLs ("nvram:ROOTCA.ser",
//     "ftp://10.1.1.1/DB/ROOTCA/ROOTCA_00001.p12"), each write atomic;
//   - a [Keyring]: the router's key pairs, which the face saves in
//     private-config;
//   - an event sink: the IOS log texts (%PKI-6-CS_ENABLED, the CRYPTO_CS
//     debug lines) the face prints or logs;
//   - randomness.
//
// Package pkitest holds in-memory fakes of the clock and the store.
//
// # Formats
//
// [IOSHex] and [PublicKeyHex] produce the hex lines IOS prints in
// `crypto pki certificate chain` and `show crypto key mypubkey rsa` (8 hex
// digits a group, 8 groups a line, upper case); [ParseIOSHex] reads them
// back. [FingerprintMD5] and [FingerprintSHA1] format digests as IOS does
// ("CC748544 A0AB7832 935D8CD0 214A152E"). [ParseDN] reads IOS DN strings
// ("CN=RootCA,OU=TAC,O=Cisco") into a [Name], encoded as IOS encodes it:
// reversed from the string, PrintableString where the value allows it.
//
// # The certificate server
//
// A [Server] is created with [NewServer] (new) or [Load] (after a restart;
// it reads its database through the Store and re-arms its timers, firing at
// once those whose due time passed while the router was down). [Server.Enable]
// is `no shutdown`: it needs an authoritative clock, generates or reuses the
// key NAME, self-signs the CA certificate (serial from the serial file),
// writes the serial file, the CRL and the archive, and arms the timers.
// Serial numbers are written to the serial file before a certificate leaves
// the server, so a crash never reuses one. The database lives under the
// database URL:
//
//   - NAME.ser: the serial file, with the small state the server needs to
//     come back (CA and rollover certificates, revocations, requests that
//     went through the pending state, the archive counter, timer state);
//   - NAME.crl: the current CRL;
//   - <serial>.cnm at levels names and complete (serial, validity, subject:
//     the index `show crypto pki server NAME certificates` lists after a
//     restart) and <serial>.cer at level complete; <serial> is upper-case
//     hex without leading zeros ([SerialFileName]);
//   - NAME.p12 (or NAME.pem) at the first enable and NAME_0000N.p12 for the
//     N-th rollover CA (the seeds' ROOTCA_00001.p12).
//
// A request granted in its own reply (grant auto) is kept in memory only,
// for `show ... requests` and transactionID replays, until it expires.
//
// Concurrency: a Server is safe for use by many goroutines (CLI sessions,
// HTTP handlers, timer callbacks). Events are delivered after the server's
// lock is released, so a sink may call back into the server.
package pki
