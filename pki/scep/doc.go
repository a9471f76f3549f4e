// Package scep is the Simple Certificate Enrolment Protocol (RFC 8894) over
// HTTP, as a Cisco IOS certificate server and an IOS trustpoint speak it: a
// server [http.Handler] in front of an [Authority], and a [Client] over an
// HTTP doer.
//
// The package knows no router, CLI or certificate database. The server is
// given an Authority (in pki/ios, an adapter over the pki engine) that owns
// the CA key pairs, the issuance policy and the records; the server does the
// wire work: it parses and verifies pkiMessages, opens their envelopes with
// the CA key they were encrypted to (the current or the rollover CA), asks
// the Authority for a [Decision], and answers with a CertRep signed by that
// same key, encrypted the way the client can read it. Messages that fail
// verification never reach the Authority.
//
// What the server serves, at any path ending in "pkiclient.exe" (IOS mounts
// it at /cgi-bin/pkiclient.exe; a client appends it to whatever path its
// enrollment URL has):
//
//	?operation=GetCACaps      text/plain, Authority.Caps one a line
//	?operation=GetCACert      application/x-x509-ca-cert, DER of Authority.CA
//	?operation=GetNextCACert  application/x-x509-next-ca-cert, a SignedData
//	                          signed by the current CA holding the rollover
//	                          CA certificate; 403 when there is none
//	?operation=PKIOperation   GET (base64 in message=, URL-escaped or raw as
//	                          IOS sends it) or POST (binary body):
//	                          PKCSReq, RenewalReq, CertPoll (GetCertInitial),
//	                          GetCert, GetCRL; answered with a CertRep
//
// How a bad request is answered:
//
//   - HTTP 400 when no CertRep can be addressed: unknown operation, missing or
//     undecodable message, not a PKCS#7 SignedData, no signer, no signer
//     certificate, no transactionID, messageType or senderNonce.
//   - HTTP 405 for methods other than GET and POST (HEAD is GET), HTTP 413 for
//     a body or message over Options.MaxBodySize.
//   - HTTP 503 while the Authority has no CA certificate (a disabled server).
//   - A CertRep FAILURE once the message names a transaction, signed by the
//     CA key its envelope was encrypted to (the current CA's while that is
//     not known): badMessageCheck for a signature or message digest that
//     does not verify, an envelope not encrypted to the current or rollover
//     CA certificate or that does not open, or a CSR whose own signature
//     does not verify; badAlg for an unknown digest or cipher, or a signer
//     without an RSA key to encrypt the reply to; badRequest for an unknown
//     or unsupported messageType, a replayed senderNonce (the last 4096 are
//     remembered), or content that does not parse; badCertId for a GetCert
//     or GetCRL naming nothing
//     the Authority knows.
//
// Replies are signed with the digest the request used (MD5, SHA-1, SHA-2)
// and their envelopes use the cipher the request's envelope used (DES,
// 3DES, AES-CBC): IOS rejects AES replies, so a 3DES request gets 3DES.
//
// Certificates here may be signed md5WithRSAEncryption, as IOS's CA
// certificates are. Go's crypto/x509 refuses MD5 signatures, so every
// signature this package checks (pkiMessages, CSRs, a renewal's signer
// certificate, GetNextCACert replies) is checked with crypto/rsa directly;
// nothing here calls Certificate.CheckSignatureFrom.
//
// The CMS layer is this package's own (cms.go, ber.go: encoding/asn1 over a
// small BER-to-DER pass) and uses github.com/smallstep/pkcs7 to open
// envelopes (DES, 3DES, AES). It does what smallstep/pkcs7 and
// smallstep/scep do not: CertPoll, GetCert, GetCRL, PENDING and FAILURE
// replies, signatures with MD5 and checked with MD5, no wall-clock
// signingTime attribute (smallstep/pkcs7 stamps time.Now and checks it
// against the signer's validity, which a lab living in 2015 fails), 3DES
// envelopes, and envelopes without a package-global cipher setting, so no
// lock is needed. smallstep/scep serves the tests as an independent
// implementation to interoperate with, and the benchmark as the baseline.
// The RSA private-key operations of 1024-bit keys (signing, opening an
// envelope) go through package pki/rsacrt, which makes crypto/rsa's bytes
// in less than half its time.
//
// The package reads no clock: certificate validity is the Authority's
// business, and helpers that need times take them as arguments.
package scep
