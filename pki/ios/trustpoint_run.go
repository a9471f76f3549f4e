package ios

// The trustpoints' life on the router: the engine's trustpoints follow the
// configuration and the chains.

// trustpointAdded is a new `crypto pki trustpoint NAME`.
func (c *face) trustpointAdded(tp *tpConfig, loading bool) {
	if !loading {
		c.logf("%%PKI-6-TRUSTPOINT_CREATE: Trustpoint: %s created succesfully", tp.name)
	}
}

// tpConfigChanged follows a change of a trustpoint's configuration.
func (c *face) tpConfigChanged(tp *tpConfig) {}

// certsChanged follows a change of a trustpoint's certificates.
func (c *face) certsChanged(tp *tpConfig) {}

// removeTrustpoint is `no crypto pki trustpoint NAME`.
func (c *face) removeTrustpoint(tp *tpConfig) {
	delete(c.tps, tp.name)
}
