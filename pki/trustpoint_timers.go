package pki

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/iosemu/iosemu/pki/scep"
)

// Texts of the messages the timers log.
const (
	msgNonAuthClock = "%PKI-2-NON_AUTHORITATIVE_CLOCK: PKI functions can not be initialized until an authoritative time source, like NTP, can be obtained."
	msgSocketSend   = "%PKI-3-SOCKETSEND: Failed to send out message to CA server."
	msgAutoSave     = "%PKI-6-AUTOSAVE: Running configuration saved to NVRAM"
	msgShadowSave   = "%PKI-6-SHADOWAUTOSAVE: Running configuration saved to NVRAM"
	msgNoAutoSave   = `%PKI-4-NOAUTOSAVE: Configuration was modified.  Issue "write memory" to save new certificate`
)

// maxShadowBackoff caps the wait between two GetNextCACert attempts while
// the CA has no rollover certificate yet.
const maxShadowBackoff = 24 * time.Hour

// caShadowPercent is when, without auto-enroll, IOS fetches the rollover
// CA certificate: at 90 % of the CA certificate's life.
const caShadowPercent = 90

func lifePoint(c *x509.Certificate, pct int) time.Time {
	return percentOf(c.NotBefore, c.NotAfter, pct)
}

// percentOf is from + pct % of (to - from).
func percentOf(from, to time.Time, pct int) time.Time {
	life := to.Sub(from)
	return from.Add(time.Duration(int64(life) / 100 * int64(pct)))
}

// renewDueLocked is when RENEW (or SHADOW, for an ID certificate that ends
// with the CA's) fires: IOS computes it from the Current-Authoritative-Time
// at which the certificate was installed, T + pct × (end − T). The capture
// of a certificate backdated 10 minutes by its CA shows the renew date 2
// minutes after start + 80 %: exactly this.
func (t *Trustpoint) renewDueLocked() time.Time {
	id := t.tp.id
	from := t.tp.idFrom
	if from.IsZero() {
		from = t.deps.Clock.Now()
		t.tp.idFrom = from
	}
	if from.Before(id.NotBefore) {
		from = id.NotBefore
	}
	if from.After(id.NotAfter) {
		return id.NotAfter
	}
	return percentOf(from, id.NotAfter, t.tp.cfg.percent())
}

// endsWithCA: the ID certificate expires with (or after) the CA
// certificate, so it is renewed by SHADOW, not RENEW.
func endsWithCA(id, ca *x509.Certificate) bool {
	return !id.NotAfter.Truncate(time.Second).Before(ca.NotAfter.Truncate(time.Second))
}

func hasCap(caps []string, c string) bool {
	for _, x := range caps {
		if strings.EqualFold(strings.TrimSpace(x), c) {
			return true
		}
	}
	return false
}

func (t *Trustpoint) timerName(kind string) string { return kind + " " + t.name }

func (t *Trustpoint) stopTimer(kind string) {
	if a := t.tp.armed[kind]; a != nil {
		a.timer.Stop()
		delete(t.tp.armed, kind)
	}
}

func (t *Trustpoint) stopTimersLocked() {
	for k := range t.tp.armed {
		t.stopTimer(k)
	}
}

func (t *Trustpoint) armTimer(kind string, due time.Time) {
	t.stopTimer(kind)
	t.tp.seq++
	seq := t.tp.seq
	tm := t.deps.Clock.At(t.timerName(kind), due, func() { t.fire(kind, seq) })
	t.tp.armed[kind] = &armedTimer{timer: tm, seq: seq}
}

func (t *Trustpoint) armLocked() eventList {
	var ev eventList
	t.armLockedInto(&ev)
	return ev
}

// armLockedInto arms the timers the state calls for, replacing those
// armed. Nothing is armed with a non-authoritative clock.
func (t *Trustpoint) armLockedInto(ev *eventList) {
	t.stopTimersLocked()
	if t.tp.closed || !t.deps.Clock.Authoritative() {
		return
	}
	cfg := t.tp.cfg
	ca, id := t.tp.ca, t.tp.id
	if cfg.Enrollment != EnrollmentURL || ca == nil {
		return
	}
	var pendKind, retryKind = RequestKind(-1), ""
	if p := t.tp.pending; p != nil {
		pendKind = p.info.Kind
		if !p.info.NextPoll.IsZero() {
			t.armTimer(TimerTPPoll, p.info.NextPoll)
		}
	}
	if r := t.tp.retry; r != nil {
		retryKind = r.kind
		t.armTimer(TimerTPConnectRetry, r.due)
	}
	auto := cfg.AutoEnroll && !t.tp.stopped && id != nil
	renewBusy := pendKind == RequestEnroll || pendKind == RequestRenew || retryKind == TimerTPRenew
	shadowBusy := pendKind == RequestShadow || retryKind == TimerTPShadow
	if auto && !endsWithCA(id, ca) && !renewBusy {
		t.armTimer(TimerTPRenew, t.renewDueLocked())
	}
	switch {
	case auto && endsWithCA(id, ca) && t.tp.idRoll == nil && pendKind < 0 && !shadowBusy:
		t.armTimer(TimerTPShadow, t.renewDueLocked())
	case t.tp.caRoll != nil:
		t.armTimer(TimerTPShadow, ca.NotAfter) // the rollover certificates become active
	case shadowBusy:
	case t.tp.caps == nil || hasCap(t.tp.caps, "GetNextCACert"):
		// without caps (after a reload) IOS's own CA is assumed: it always
		// offers GetNextCACert
		t.armTimer(TimerTPShadow, lifePoint(ca, caShadowPercent))
	}
}

func (t *Trustpoint) start() {
	var ev eventList
	t.mu.Lock()
	if !t.deps.Clock.Authoritative() {
		t.stopTimersLocked()
		if !t.tp.nonAuthLogged {
			t.tp.nonAuthLogged = true
			ev.log(t.deps.Clock.Now(), msgNonAuthClock)
		}
	} else {
		t.tp.nonAuthLogged = false
		t.armLockedInto(&ev)
	}
	t.unlock()
	t.deliver(ev)
}

func (t *Trustpoint) timers() []TimerInfo {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []TimerInfo
	for k, a := range t.tp.armed {
		out = append(out, TimerInfo{Name: t.timerName(k), Due: a.timer.Due()})
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Due.Equal(out[j].Due) {
			return out[i].Due.Before(out[j].Due)
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// timerCtx bounds one timer-driven exchange.
func (t *Trustpoint) timerCtx() (context.Context, context.CancelFunc) {
	d := t.deps.Timeout
	if d <= 0 {
		d = 30 * time.Second
	}
	// wall-clock-ok: a network deadline for the HTTP exchange, not device time.
	return context.WithTimeout(context.Background(), d)
}

// fire runs the timer kind armed with seq: it does the whole SCEP
// exchange before returning, without holding the lock while it talks.
func (t *Trustpoint) fire(kind string, seq uint64) {
	t.mu.Lock()
	a := t.tp.armed[kind]
	if a == nil || a.seq != seq || t.tp.closed {
		t.unlock()
		return
	}
	delete(t.tp.armed, kind)
	if t.tp.busy { // a manual request is in flight: look again later
		t.armTimer(kind, t.deps.Clock.Now().Add(t.tp.cfg.retryPeriod()))
		t.unlock()
		return
	}
	t.tp.busy = true
	op := kind
	if kind == TimerTPConnectRetry && t.tp.retry != nil {
		op = t.tp.retry.kind
	}
	t.unlock()
	switch op {
	case TimerTPRenew:
		t.doRenew()
	case TimerTPShadow:
		t.doShadow()
	case TimerTPPoll:
		t.doPoll()
	default:
		t.mu.Lock()
		t.tp.busy = false
		t.tp.retry = nil
		t.armLockedInto(new(eventList))
		t.unlock()
	}
}

// finish ends a timer operation: it releases busy, delivers the events and
// runs the save and change hooks.
func (t *Trustpoint) finish(ev eventList, save, shadow, changed bool) {
	t.deliver(ev)
	if save {
		now := t.deps.Clock.Now()
		var sv eventList
		switch {
		case t.deps.Save != nil && t.deps.Save():
			if shadow {
				sv.log(now, msgShadowSave)
			} else {
				sv.log(now, msgAutoSave)
			}
		default:
			sv.log(now, msgNoAutoSave)
		}
		t.deliver(sv)
	}
	if changed || save {
		t.changed()
	}
}

// retryLocked schedules a CONNECT RETRY of op after a failed exchange. The
// CA not being reachable is retried every retry period; a CA that answered
// without what was asked (no rollover certificate yet) with a doubling
// wait. After the retry count the renewal stops.
func (t *Trustpoint) retryLocked(ev *eventList, op string, req *pendingReq, err error, now time.Time) {
	r := t.tp.retry
	if r == nil || r.kind != op {
		r = &connectRetry{kind: op}
	}
	r.attempts++
	r.req = req
	wait := t.tp.cfg.retryPeriod()
	if isUnreachable(err) {
		ev.log(now, msgSocketSend)
	} else {
		for i := 1; i < r.attempts && wait < maxShadowBackoff; i++ {
			wait *= 2
		}
		wait = min(wait, maxShadowBackoff)
	}
	ev.debug(now, "CRYPTO_PKI: "+t.timerName(op)+": "+err.Error())
	if r.attempts > t.tp.cfg.retryCount() {
		t.tp.retry = nil
		t.tp.stopped = true
		return
	}
	r.due = now.Add(wait)
	t.tp.retry = r
}

// newRequestLocked builds a timer's request: a CSR for the active key (or
// a regenerated LABEL# key with `regenerate`), signed by the active ID
// certificate, encrypted to ca.
func (t *Trustpoint) newRequest(kind RequestKind, cfg TrustpointConfig, answers EnrollOptions, id, ca *x509.Certificate, idLabel string, now time.Time) (*pendingReq, error) {
	signerKey, ok := t.deps.Keys.Get(idLabel)
	if !ok {
		return nil, errors.New("pki: the key pair of the ID certificate is missing")
	}
	if pub, ok := id.PublicKey.(*rsa.PublicKey); !ok || !signerKey.Public().Equal(pub) {
		return nil, ErrKeyMismatch
	}
	key := signerKey
	if cfg.Regenerate {
		label := idLabel + "#"
		if k, ok := t.deps.Keys.Get(label); ok {
			key = k
		} else {
			k, err := GenerateKey(t.deps.Rand, label, signerKey.Modulus(), signerKey.Exportable, now)
			if err != nil {
				return nil, err
			}
			t.deps.Keys.Put(k)
			key = k
		}
	}
	subj, err := buildSubject(cfg, t.deps.Identity(), answersFrom(id, answers))
	if err != nil {
		return nil, err
	}
	csr, err := makeCSR(cfg, subj.Subject, key, cfg.Password)
	if err != nil {
		return nil, err
	}
	enr := &scep.Enrollment{CSR: csr, CA: ca, SignerCert: id, SignerKey: signerKey.Private,
		TransactionID: t.transactionID(key, kind, now)}
	return &pendingReq{enr: enr, interval: cfg.retryPeriod(), info: PendingEnrollment{
		Kind: kind, TransactionID: enr.TransactionID,
		FingerprintMD5: FingerprintMD5(csr), FingerprintSHA1: FingerprintSHA1(csr),
		Subject: subj.Subject, Sent: now, KeyLabel: key.Label}}, nil
}

// answersFrom answers the dialog's questions for a renewal the way the
// certificate being renewed was answered (they may have been typed before
// a reload): serialNumber= and ipaddress= as it has them.
func answersFrom(id *x509.Certificate, last EnrollOptions) EnrollOptions {
	n, err := ParseName(id.RawSubject)
	if err != nil {
		return last
	}
	_, last.SerialNumber = n.Find(OIDSerialNumber)
	last.IPAddr, _ = n.Find(OIDUnstructuredAddress)
	return last
}

// doRenew is the RENEW timer: a new ID certificate from the CA, the request
// signed by the current one.
func (t *Trustpoint) doRenew() {
	var ev eventList
	t.mu.Lock()
	cfg, answers := t.tp.cfg, t.tp.answers
	ca, id, idLabel := t.tp.ca, t.tp.id, t.tp.keyLabel
	var req *pendingReq
	if r := t.tp.retry; r != nil && r.kind == TimerTPRenew {
		req = r.req
	}
	t.unlock()
	now := t.deps.Clock.Now()
	if idLabel == "" {
		idLabel = t.keyLabel()
	}
	fail := func(err error) {
		t.mu.Lock()
		t.tp.busy = false
		t.retryLocked(&ev, TimerTPRenew, req, err, now)
		t.armLockedInto(&ev)
		t.unlock()
		t.finish(ev, false, false, false)
	}
	if ca == nil || id == nil {
		t.mu.Lock()
		t.tp.busy = false
		t.tp.retry = nil
		t.armLockedInto(&ev)
		t.unlock()
		return
	}
	tr, err := t.transport(cfg)
	if err != nil {
		fail(err)
		return
	}
	ev.log(now, "%PKI-6-CERTRENEWAUTO: Renewing the router certificate for trustpoint "+t.name)
	save, ok := t.send(&ev, &req, &now, tr, fail, func() (*pendingReq, error) {
		return t.newRequest(RequestRenew, cfg, answers, id, ca, idLabel, now)
	})
	if ok {
		t.finish(ev, save, false, true)
	}
}

// send makes a timer's request unless it is sending one again, sends it and
// decides on the reply. It reports false after calling fail. ev, req and
// now are the timer's own, which fail reads too: they are updated in place.
func (t *Trustpoint) send(ev *eventList, req **pendingReq, now *time.Time, tr scepTransport, fail func(error), build func() (*pendingReq, error)) (save, ok bool) {
	if *req == nil {
		r, err := build()
		if err != nil {
			fail(err)
			return false, false
		}
		*req = r
		csrFingerprintEvents(ev, *now, r.enr.CSR)
	}
	t.deliver(*ev)
	*ev = nil
	ctx, cancel := t.timerCtx()
	dec, err := tr.Enroll(ctx, (*req).enr)
	cancel()
	*now = t.deps.Clock.Now()
	if err != nil {
		fail(err)
		return false, false
	}
	t.mu.Lock()
	t.tp.busy = false
	t.tp.retry = nil
	(*req).info.Sent = *now
	_, save = t.decideLocked(ev, *req, dec, *now, true)
	t.unlock()
	return save, true
}

// doShadow is the SHADOW timer: at the CA's expiry it makes the rollover
// certificates active; before it, it fetches the rollover CA certificate
// (GetNextCACert) and, when the ID certificate ends with the CA's and
// auto-enroll is on, requests the shadow ID certificate from the rollover CA.
func (t *Trustpoint) doShadow() {
	var ev eventList
	t.mu.Lock()
	now := t.deps.Clock.Now()
	cfg, answers := t.tp.cfg, t.tp.answers
	ca, caRoll, id, idRoll, idLabel := t.tp.ca, t.tp.caRoll, t.tp.id, t.tp.idRoll, t.tp.keyLabel
	var req *pendingReq
	if r := t.tp.retry; r != nil && r.kind == TimerTPShadow {
		req = r.req
	}
	if ca != nil && caRoll != nil && !now.Before(ca.NotAfter) {
		t.activateLocked(&ev, now)
		t.tp.busy = false
		t.armLockedInto(&ev)
		t.unlock()
		t.finish(ev, true, false, true)
		return
	}
	t.unlock()
	if idLabel == "" {
		idLabel = t.keyLabel()
	}
	fail := func(err error) {
		t.mu.Lock()
		t.tp.busy = false
		t.retryLocked(&ev, TimerTPShadow, req, err, now)
		t.armLockedInto(&ev)
		t.unlock()
		t.finish(ev, false, false, false)
	}
	if ca == nil {
		t.mu.Lock()
		t.tp.busy = false
		t.tp.retry = nil
		t.unlock()
		return
	}
	tr, err := t.transport(cfg)
	if err != nil {
		fail(err)
		return
	}
	gotCA := false
	if caRoll == nil {
		ctx, cancel := t.timerCtx()
		certs, err := tr.GetNextCACert(ctx, t.name, ca)
		cancel()
		now = t.deps.Clock.Now()
		if err != nil {
			fail(err)
			return
		}
		caRoll = pickRollover(certs, ca)
		if caRoll == nil {
			fail(errors.New("pki: GetNextCACert: no usable rollover CA certificate in the reply"))
			return
		}
		ev.debug(now, "CRYPTO_PKI: rollover CA certificate received for trustpoint "+t.name+", serial "+SerialHex(caRoll.SerialNumber))
		gotCA = true
		t.mu.Lock()
		t.tp.caRoll = caRoll
		t.unlock()
	}
	wantID := cfg.AutoEnroll && id != nil && idRoll == nil && endsWithCA(id, ca)
	t.mu.Lock()
	wantID = wantID && !t.tp.stopped
	t.unlock()
	if !wantID {
		t.mu.Lock()
		t.tp.busy = false
		t.tp.retry = nil
		t.armLockedInto(&ev)
		t.unlock()
		t.finish(ev, gotCA, true, gotCA)
		return
	}
	save, ok := t.send(&ev, &req, &now, tr, fail, func() (*pendingReq, error) {
		return t.newRequest(RequestShadow, cfg, answers, id, caRoll, idLabel, now)
	})
	if ok {
		t.finish(ev, save || gotCA, true, true)
	}
}

// pickRollover returns the rollover CA certificate of a GetNextCACert
// reply: a CA certificate other than current, with the same subject.
func pickRollover(certs []*x509.Certificate, current *x509.Certificate) *x509.Certificate {
	for _, c := range certs {
		if bytes.Equal(c.Raw, current.Raw) || !bytes.Equal(c.RawSubject, current.RawSubject) {
			continue
		}
		if bytes.Equal(c.RawIssuer, c.RawSubject) && VerifySignature(c, c) != nil {
			continue
		}
		return c
	}
	return nil
}

// activateLocked makes the rollover CA certificate, and the shadow ID
// certificate and key pair, the active ones (the CA certificate expired).
func (t *Trustpoint) activateLocked(ev *eventList, now time.Time) {
	t.tp.ca = t.tp.caRoll
	t.tp.caRoll = nil
	ev.debug(now, "CRYPTO_PKI: rollover CA certificate of trustpoint "+t.name+" is now active, serial "+SerialHex(t.tp.ca.SerialNumber))
	if t.tp.idRoll == nil {
		return
	}
	active := t.keyLabelLocked()
	if l := t.tp.shadowKeyLabel; l != "" && l != active {
		t.tp.after = append(t.tp.after, func() { t.deps.Keys.Rename(l, active) })
	}
	t.tp.id = t.tp.idRoll
	t.tp.idFrom = now
	t.tp.idRoll = nil
	t.tp.keyLabel = active
	t.tp.shadowKeyLabel = ""
	c := t.tp.id
	ev.log(now, "%PKI-6-CERT_ROLLOVER_ACTIVE: A rollover ID certificate has been activated under trustpoint "+t.name+" replacing the previous ID certificate.\n"+
		tpIndent+"Issuer-name  : "+NameString(c.RawIssuer)+"\n"+
		tpIndent+"Subject-name : "+NameString(c.RawSubject)+"\n"+
		tpIndent+"Serial-number: "+SerialHex(c.SerialNumber)+"\n"+
		tpIndent+"End-date     : "+c.NotAfter.UTC().Format("2006-01-02T15:04:05Z"))
}

// doPoll is the POLL timer: GetCertInitial for the pending request, then
// again after twice the wait, until the retry count or the CA's expiry.
func (t *Trustpoint) doPoll() {
	var ev eventList
	t.mu.Lock()
	p := t.tp.pending
	cfg := t.tp.cfg
	t.unlock()
	if p == nil {
		t.mu.Lock()
		t.tp.busy = false
		t.unlock()
		return
	}
	tr, err := t.transport(cfg)
	var dec scep.Decision
	if err == nil {
		ctx, cancel := t.timerCtx()
		dec, err = tr.Poll(ctx, p.enr)
		cancel()
	}
	now := t.deps.Clock.Now()
	t.mu.Lock()
	t.tp.busy = false
	if t.tp.pending != p { // cancelled meanwhile
		t.unlock()
		return
	}
	p.info.Polls++
	if err == nil && dec.Status != scep.Pending {
		_, save := t.decideLocked(&ev, p, dec, now, true)
		t.unlock()
		t.finish(ev, save, p.info.Kind == RequestShadow, true)
		return
	}
	if err != nil {
		if isUnreachable(err) {
			ev.log(now, msgSocketSend)
		}
		ev.debug(now, "CRYPTO_PKI: "+t.timerName(TimerTPPoll)+": "+err.Error())
	} else {
		ev.debug(now, "CRYPTO_PKI: status = 102: certificate request pending")
	}
	if p.interval < 366*24*time.Hour { // no overflow; the CA's expiry ends polling long before
		p.interval *= 2
	}
	p.info.NextPoll = now.Add(p.interval)
	limit := p.enr.CA.NotAfter
	if p.info.Polls >= cfg.retryCount() || p.info.NextPoll.After(limit) {
		ev.debug(now, "CRYPTO_PKI: "+t.timerName(TimerTPPoll)+": giving up after "+strconv.Itoa(p.info.Polls)+" polls")
		t.tp.pending = nil
		if p.info.Kind != RequestEnroll {
			t.tp.stopped = true
		}
		if l := p.info.KeyLabel; l != "" && l != t.tp.keyLabel && l == t.keyLabelLocked()+"#" {
			t.tp.after = append(t.tp.after, func() { t.deps.Keys.Delete(l) })
		}
	}
	t.armLockedInto(&ev)
	t.unlock()
	t.finish(ev, false, false, true)
}

func (t *Trustpoint) renewDate() (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.tp.cfg.AutoEnroll || t.tp.id == nil {
		return time.Time{}, false
	}
	return t.renewDueLocked(), true
}
