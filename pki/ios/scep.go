package ios

import (
	"context"
	"crypto"
	"crypto/x509"
	"math/big"
	"net/http"
	"strconv"

	"github.com/iosemu/iosemu/pki"
	"github.com/iosemu/iosemu/pki/scep"
)

// The certificate server answers SCEP on the router's HTTP server (`ip
// http server`), at any path ending in pkiclient.exe, as IOS does
// (clients ask for /cgi-bin/pkiclient.exe).

// caps are what the server answers GetCACaps with: the four capabilities
// the seeds show an IOS server announcing (GetNextCACert even without
// auto-rollover).
var caps = []string{"GetNextCACert", "Renewal", "SHA-1", "SHA-256"}

// mountSCEP serves SCEP on the router's HTTP server; it is done once, at
// Register, and answers for whichever server the router has at the time.
func (c *face) mountSCEP() {
	h := scep.NewServer(authority{c}, scep.Options{Logger: c.log})
	c.d.HandleHTTP("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
	}))
}

// authority adapts the router's certificate server to the SCEP server.
type authority struct{ c *face }

func (a authority) server() *pki.Server {
	srv := a.c.srv.Load()
	if srv == nil || srv.Info().State != pki.StateEnabled || !a.c.httpOn() {
		return nil
	}
	return srv
}

func (a authority) Caps() []string { return caps }

func (a authority) CA() (*x509.Certificate, crypto.Signer) {
	srv := a.server()
	if srv == nil {
		return nil, nil
	}
	cert, key, ok := srv.Signer(false)
	if !ok {
		return nil, nil
	}
	return cert, key
}

func (a authority) Rollover() (*x509.Certificate, crypto.Signer, bool) {
	srv := a.server()
	if srv == nil {
		return nil, nil, false
	}
	cert, key, ok := srv.Signer(true)
	if !ok {
		return nil, nil, false
	}
	return cert, key, true
}

func (a authority) Enroll(_ context.Context, req *scep.Request) scep.Decision {
	srv := a.server()
	if srv == nil {
		return scep.Reject(scep.BadRequest)
	}
	res, err := srv.Enroll(pki.EnrollRequest{
		CSR:           req.CSR.Raw,
		TransactionID: req.TransactionID,
		Signer:        req.Signer,
		Rollover:      req.Rollover,
	})
	if err != nil {
		a.c.log.Warn("enrolment failed", "device", a.c.d.Name(), "err", err)
		return scep.Reject(scep.BadRequest)
	}
	return decision(res)
}

func (a authority) Poll(_ context.Context, req *scep.PollRequest) scep.Decision {
	srv := a.server()
	if srv == nil {
		return scep.Reject(scep.BadRequest)
	}
	res, err := srv.Poll(req.TransactionID)
	if err != nil {
		return scep.Reject(scep.BadCertID)
	}
	return decision(res)
}

func (a authority) GetCert(_ []byte, serial *big.Int) (*x509.Certificate, bool) {
	srv := a.server()
	if srv == nil {
		return nil, false
	}
	return srv.Certificate(serial)
}

func (a authority) GetCRL(_ []byte, _ *big.Int) ([]byte, bool) {
	srv := a.server()
	if srv == nil {
		return nil, false
	}
	crl := srv.CRL()
	return crl.DER, len(crl.DER) > 0
}

// decision is the SCEP answer of an engine result.
func decision(res pki.EnrollResult) scep.Decision {
	switch res.Status {
	case pki.StatusGranted:
		return scep.Grant(res.Cert)
	case pki.StatusPending:
		return scep.Defer()
	}
	return scep.Reject(scep.FailInfo(strconv.Itoa(int(res.FailInfo))))
}
