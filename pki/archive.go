package pki

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"

	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// archiveData encodes key and cert in the configured archive format:
// PKCS#12 (3DES, as IOS writes) or PEM (certificate and 3DES-encrypted
// key). It returns nil data when archiving is off.
func (s *server) archiveData(key *Key, cert *x509.Certificate) (data []byte, kind FileKind, ext string, err error) {
	pw := s.archivePassword()
	switch s.cfg.Archive {
	case ArchivePKCS12:
		data, err = pkcs12.LegacyDES.WithRand(s.d.Rand).Encode(key.Private, cert, nil, pw)
		if err != nil {
			return nil, "", "", fmt.Errorf("pki: encoding the PKCS#12 archive: %w", err)
		}
		return data, FileP12, ".p12", nil
	case ArchivePEM:
		out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
		//nolint:staticcheck // IOS's PEM archive is a legacy encrypted PEM key
		blk, err := x509.EncryptPEMBlock(s.d.Rand, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key.Private), []byte(pw), x509.PEMCipher3DES)
		if err != nil {
			return nil, "", "", fmt.Errorf("pki: encoding the PEM archive: %w", err)
		}
		out = append(out, pem.EncodeToMemory(blk)...)
		return out, FilePEM, ".pem", nil
	}
	return nil, "", "", nil
}
