package pki

import (
	"crypto/rsa"
	"crypto/x509"
	"math/big"
)

type server struct{}

func newServer(cfg Config, deps Deps) (*Server, error)  { panic("todo") }
func loadServer(cfg Config, deps Deps) (*Server, error) { panic("todo") }

func (s *server) name() string                    { panic("todo") }
func (s *server) config() Config                  { panic("todo") }
func (s *server) setConfig(cfg Config) error      { panic("todo") }
func (s *server) enable(passphrase string) error  { panic("todo") }
func (s *server) shutdown() error                 { panic("todo") }
func (s *server) close()                          { panic("todo") }
func (s *server) info() Info                      { panic("todo") }
func (s *server) timerInfo() []TimerInfo          { panic("todo") }
func (s *server) caCert() *x509.Certificate       { panic("todo") }
func (s *server) rolloverCert() *x509.Certificate { panic("todo") }
func (s *server) signer(rollover bool) (*x509.Certificate, *rsa.PrivateKey, bool) {
	panic("todo")
}
func (s *server) enroll(req EnrollRequest) (EnrollResult, error)        { panic("todo") }
func (s *server) poll(tid string) (EnrollResult, error)                 { panic("todo") }
func (s *server) grant(id int, all bool) error                          { panic("todo") }
func (s *server) reject(id int, all bool) error                         { panic("todo") }
func (s *server) requests() []Request                                   { panic("todo") }
func (s *server) certificate(serial *big.Int) (*x509.Certificate, bool) { panic("todo") }
func (s *server) certificates() []IssuedCert                            { panic("todo") }
func (s *server) revoke(serial *big.Int) error                          { panic("todo") }
func (s *server) unrevoke(serial *big.Int) error                        { panic("todo") }
func (s *server) crl() CRLInfo                                          { panic("todo") }
func (s *server) rollover() error                                       { panic("todo") }
func (s *server) cancelRollover() error                                 { panic("todo") }
