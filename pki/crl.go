package pki

import (
	"crypto/rsa"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"
)

// CRLEntry is one revoked certificate.
type CRLEntry struct {
	Serial    *big.Int
	RevokedAt time.Time
}

type revokedCert struct {
	Serial *big.Int
	Date   time.Time
}

type tbsCertList struct {
	Signature  pkix.AlgorithmIdentifier
	Issuer     asn1.RawValue
	ThisUpdate time.Time
	NextUpdate time.Time
	Revoked    []revokedCert `asn1:"optional"`
}

// CreateCRL builds and signs a CRL as the IOS certificate server does: v1
// (no version field), no extensions, the revoked certificates without entry
// extensions (the field left out when there are none), times as UTCTime.
func CreateCRL(issuer Name, entries []CRLEntry, thisUpdate, nextUpdate time.Time, h Hash, signer *rsa.PrivateKey) ([]byte, error) {
	iss, err := issuer.Marshal()
	if err != nil {
		return nil, err
	}
	tbs := tbsCertList{
		Signature:  h.algorithmIdentifier(),
		Issuer:     asn1.RawValue{FullBytes: iss},
		ThisUpdate: utcSecond(thisUpdate),
		NextUpdate: utcSecond(nextUpdate),
	}
	for _, e := range entries {
		tbs.Revoked = append(tbs.Revoked, revokedCert{Serial: e.Serial, Date: utcSecond(e.RevokedAt)})
	}
	der, err := asn1.Marshal(tbs)
	if err != nil {
		return nil, fmt.Errorf("pki: encoding CRL: %w", err)
	}
	return signDER(der, h, signer)
}
