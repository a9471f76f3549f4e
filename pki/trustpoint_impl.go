package pki

import (
	"context"
	"crypto/x509"
	"errors"
)

var errTPNotImplemented = errors.New("pki: trustpoint: not implemented")

// tpState is the trustpoint's mutable state, guarded by Trustpoint.mu.
type tpState struct {
	cfg TrustpointConfig
}

func newTrustpoint(name string, cfg TrustpointConfig, deps TrustpointDeps) (*Trustpoint, error) {
	if name == "" {
		return nil, errors.New("pki: trustpoint name is empty")
	}
	if deps.Clock == nil || deps.Keys == nil || deps.Identity == nil {
		return nil, errors.New("pki: trustpoint needs a clock, a keyring and an identity")
	}
	return &Trustpoint{name: name, deps: deps, tp: tpState{cfg: cfg}}, nil
}

func (t *Trustpoint) config() TrustpointConfig {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.tp.cfg
}

func (t *Trustpoint) setConfig(cfg TrustpointConfig) {
	t.mu.Lock()
	t.tp.cfg = cfg
	t.mu.Unlock()
}

func (t *Trustpoint) keyLabel() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tp.cfg.KeyLabel != "" {
		return t.tp.cfg.KeyLabel
	}
	return t.deps.Identity().FQDN()
}

func (t *Trustpoint) state() TrustpointState                         { return TrustpointState{} }
func (t *Trustpoint) chain() []ChainCert                             { return nil }
func (t *Trustpoint) loadChain([]ChainCert) error                    { return errTPNotImplemented }
func (t *Trustpoint) start()                                         {}
func (t *Trustpoint) timers() []TimerInfo                            { return nil }
func (t *Trustpoint) close()                                         {}
func (t *Trustpoint) authenticate(context.Context) (*CAOffer, error) { return nil, errTPNotImplemented }
func (t *Trustpoint) accept(context.Context, *CAOffer) error         { return errTPNotImplemented }
func (t *Trustpoint) installCA([]byte, bool) (*CAOffer, error)       { return nil, errTPNotImplemented }
func (t *Trustpoint) importCert([]byte) (*x509.Certificate, error)   { return nil, errTPNotImplemented }
func (t *Trustpoint) exportPEM() ([]byte, []byte, error)             { return nil, nil, errTPNotImplemented }
func (t *Trustpoint) deleteCert(CertRole, string) error              { return errTPNotImplemented }
func (t *Trustpoint) cancelRequest() bool                            { return false }
func (t *Trustpoint) enroll(context.Context, EnrollOptions) (EnrollOutcome, error) {
	return EnrollOutcome{}, errTPNotImplemented
}
