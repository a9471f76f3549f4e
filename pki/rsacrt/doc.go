// Package rsacrt makes the RSA private-key operations of the emulated PKI
// (PKCS #1 v1.5 signatures and decryption) with the Chinese remainder
// theorem over math/big, and falls back to crypto/rsa for anything else.
//
// Why: crypto/rsa works in constant time with its own arithmetic, which has
// fast code for some sizes only. With a 1024-bit key (IOS's default, and
// the seeds') CRT works modulo 512-bit primes, which take its generic
// path: a signature costs 2.4 times what math/big takes (0.60 against
// 0.25 ms, BenchmarkSign), and a four-year clock jump of a CA and 1,000
// routers makes some 40,000 of them, one after another. Larger keys go to
// crypto/rsa, which is as fast or faster for them.
//
// The results are the same bytes crypto/rsa produces (PKCS #1 v1.5 is
// deterministic), and every signature is checked with the public key
// before it is returned. The arithmetic is not constant-time: these are
// the keys of emulated routers in a lab, which guard nothing.
package rsacrt
