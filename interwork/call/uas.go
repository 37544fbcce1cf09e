package call

import (
	"errors"
	"strings"
	"time"

	"github.com/sipgw/sipgw/interwork/call/prack"
	"github.com/sipgw/sipgw/interwork/mapping"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/q764"
)

// SIP → ISUP: the call is the SIP UAS and the ISUP outgoing exchange
// (interworking notes §2, first and second tables; Q.1912.5 §6, RFC 3398
// §7).

func (c *Call) uasRequest(m *Msg) {
	switch m.Method {
	case INVITE:
		switch {
		case m.InDialog:
			c.reinvite(m)
		case c.st.SIP == SIPIdle:
			c.uasInvite(m)
		default:
			c.overlapInvite(m)
		}
	case ACK:
		c.uasAck(m)
	case CANCEL:
		c.uasCancel(m)
	case BYE:
		c.bye(m)
	case PRACK:
		c.uasPrack(m)
	default:
		c.otherRequest(m)
	}
}

// uasResponse handles responses to the requests the UAS side sends (BYE).
func (c *Call) uasResponse(m *Msg) {
	if m.Method == INFO {
		c.infoResponse(m)
		return
	}
	if m.Method == BYE && m.Status >= 200 && c.st.SIP == SIPTerminating {
		c.st.SIP = SIPDone
	}
}

// uasFinal sends the final response m to the pending INVITE and ends the
// SIP leg's transaction state: reliable 1xx stop, queued ones are dropped.
func (c *Call) uasFinal(m Msg) { c.uasEnd(m, true) }

// uasEnd is uasFinal for a final response that is sent (send) or that
// the transaction layer already sent (a CANCEL's 487).
func (c *Call) uasEnd(m Msg, send bool) {
	m.Method, m.CSeq = INVITE, c.invCSeq
	c.invPending = false
	c.queue = c.queue[:0]
	c.hasHeld = false
	c.snd.Stop()
	c.stop(TimerRel1xx)
	if send {
		c.sendSIP(m)
	}
	if c.rec.Status == 0 || m.Status < 300 {
		c.rec.Status = m.Status
	}
	if m.Status >= 300 {
		// The transaction layer absorbs the ACK of a failure response.
		c.st.SIP = SIPDone
	}
}

// reject answers the initial INVITE before any ISUP leg exists; the CDR
// gets the cause the profile maps the status to.
func (c *Call) reject(m Msg) {
	c.uasFinal(m)
	c.st.ISUP = ISUPDone
	cause, _, _ := c.cfg.Map.Causes.CauseFor(m.Status, 0)
	c.note(cause, PartyGateway)
}

func (c *Call) uasInvite(m *Msg) {
	c.invCSeq, c.invPending = m.CSeq, true
	c.st.SIP = SIPProceeding
	// RFC 3261 §8.2.6.1 / §17.2.1: 100 Trying at once, so that the UAC
	// stops retransmitting while the ISUP leg is set up.
	c.respond(m, 100, Msg{})
	switch c.cfg.Rel100 {
	case Rel100None:
		if m.Require100rel {
			c.reject(Msg{Status: 420, Unsupported: prack.Tag}) // RFC 3261 §8.2.2.3
			return
		}
	case Rel100Supported:
		c.rel100 = m.Require100rel || m.Supported100rel
	case Rel100Required:
		if !m.Require100rel && !m.Supported100rel {
			c.reject(Msg{Status: 421, Require100rel: true}) // RFC 3262 §3
			return
		}
		c.rel100 = true
	}
	if c.rel100 {
		c.snd.Reset(m.CSeq, c.p.RSeq, c.cfg.T1)
	}
	dec, enc, _, err := c.readBody(m)
	switch {
	case err != nil:
		// A malformed body (multipart framing, ISUP that does not decode):
		// a clear 400 rather than a guess at the IAM.
		c.reject(Msg{Status: 400})
		return
	case dec.Action == mapping.Reject415:
		c.reject(Msg{Status: 415, Accept: dec.Accept}) // RFC 3204 §6, RFC 3261 §21.4.13
		return
	}
	if m.Invite == nil {
		c.reject(Msg{Status: 400})
		return
	}
	if !c.mediaInvite(m) {
		return
	}
	var base *isup.Message
	if enc != nil && enc.Type == isup.IAM {
		base = enc // Q.1912.5 profile C: the encapsulated IAM is the base
	}
	res, err := c.t.overlap.BuildIAM(m.Invite, base)
	if err != nil {
		c.reject(Msg{Status: failureStatus(err)})
		return
	}
	c.iam = res.IAM
	var cd isup.CalledPartyNumber
	c.digits = numberDigits(c.iam, &cd)
	c.rec.Called = c.digits
	var cg isup.CallingPartyNumber
	c.rec.Calling = numberDigits(c.iam, &cg)
	if c.cfg.NoAnswer > 0 {
		c.start(TimerNoAnswer, c.cfg.NoAnswer)
	}
	c.seize()
}

// failureStatus is the status answering an INVITE that cannot be mapped:
// a number error says (484 incomplete, 404 too long), anything else is a
// malformed request.
func failureStatus(err error) int {
	var ne *mapping.NumberError
	if errors.As(err, &ne) {
		return ne.Status()
	}
	return 400
}

// seize asks the Trunk for a circuit and sends the IAM on it.
func (c *Call) seize() {
	c.attempts++
	c.rec.Attempts = c.attempts
	c.st.ISUP = ISUPSeizing
	c.isupReq(q764.Request{Kind: q764.ReqSetup, Select: true, Msg: c.iam})
}

// noCircuit ends a call for which no circuit could be had (cause 34, no
// circuit/channel available: 503 by RFC 3398 §7.2.4.1).
func (c *Call) noCircuit() {
	c.st.ISUP = ISUPDone
	c.relPending = false
	ci := causeInd(isup.CauseNoCircuitAvailable, isup.LocPublicLocal)
	c.note(ci.Value, PartyGateway)
	c.uasReleaseSIP(&ci, nil)
}

func (c *Call) uasISUP(a *q764.Action) {
	switch a.Ind {
	case q764.IndRejected:
		switch c.st.ISUP {
		case ISUPSeizing:
			c.noCircuit()
		case ISUPReleasing:
			// The Trunk has no call left to release (a REL crossed ours):
			// the circuit is already back with it.
			c.st.ISUP = ISUPDone
		}
	case q764.IndReattempt:
		if c.st.ISUP != ISUPSetup && c.st.ISUP != ISUPSeizing {
			return
		}
		// Q.764 §2.9.1.4 (dual seizure), §2.8.2.1 (blocking), §2.9.3
		// (reset), §2.1.8 (continuity): the IAM goes again on another
		// circuit, unseen by SIP, within the trunk's bound.
		c.hasCIC = false
		if !c.invPending || c.attempts >= c.cfg.MaxAttempts {
			c.noCircuit()
			return
		}
		c.pendingSAM = c.pendingDigitsAfterIAM()
		c.seize()
	case q764.IndProceed:
		if c.st.ISUP != ISUPSetup {
			return
		}
		c.st.ISUP = ISUPProceeding
		c.uasProgress(a.Msg)
	case q764.IndProgress:
		// A CPG maps to an 18x while the INVITE is pending; after the
		// answer, or with an event no 18x carries, it rides in INFO.
		if c.st.ISUP != ISUPProceeding || !c.uasProgress(a.Msg) {
			c.isupMidCall(a)
		}
	case q764.IndSuspend, q764.IndResume, q764.IndInfoReq, q764.IndInfo, q764.IndMessage, q764.IndConfusion:
		c.isupMidCall(a)
	case q764.IndAnswer:
		if c.st.ISUP != ISUPSetup && c.st.ISUP != ISUPProceeding {
			return
		}
		c.st.ISUP = ISUPAnswered
		c.uasAnswer(a.Msg)
	case q764.IndRelease:
		if c.st.ISUP == ISUPDone || c.st.ISUP == ISUPIdle {
			return
		}
		ci, rel := causeOfInd(a)
		c.st.ISUP = ISUPDone
		c.note(ci.Value, PartyISUP)
		c.uasReleaseSIP(&ci, rel)
	case q764.IndReleased:
		if c.st.ISUP == ISUPReleasing {
			c.st.ISUP = ISUPDone
		}
	}
}

// pendingDigitsAfterIAM returns the digits a repeat attempt must send in a
// SAM: those signalled after the IAM (the IAM kept has the first ones).
func (c *Call) pendingDigitsAfterIAM() string {
	var cd isup.CalledPartyNumber
	first := numberDigits(c.iam, &cd)
	if strings.HasPrefix(c.digits, first) {
		return c.digits[len(first):]
	}
	return ""
}

// uasProgress sends the provisional response for ACM or CPG m
// (mapping.ResponseFor: 180, 183 with early media, 181); it reports
// whether one went.
func (c *Call) uasProgress(m *isup.Message) bool {
	if !c.invPending || m == nil {
		return false
	}
	r, err := c.cfg.Map.ResponseFor(m)
	if err != nil || r.Status < 101 || r.Status > 199 {
		return false
	}
	p := Msg{Method: INVITE, CSeq: c.invCSeq, Status: r.Status}
	c.body(&p, r.EarlyMedia, m)
	if c.rec.Alerted.IsZero() {
		c.rec.Alerted = c.now
	}
	c.st.SIP = SIPEarly
	c.last18x, c.has18x = p, true
	c.sendProvisional(p)
	if p.SDP {
		// Early media (in-band information): the caller hears the
		// circuit from now on (Q.1912.5 §6.4: ACM/CPG with in-band
		// information available → 183 with SDP).
		c.mediaStart()
	}
	return true
}

// sendProvisional sends a 1xx, reliably when 100rel is in use: one at a
// time, the next after the PRACK of the previous (RFC 3262 §3).
func (c *Call) sendProvisional(p Msg) {
	if !c.rel100 {
		c.sendSIP(p)
		return
	}
	if c.snd.Busy() {
		if len(c.queue) < maxQueued {
			c.queue = append(c.queue, p)
		}
		return
	}
	rseq, wait, _ := c.snd.Send(c.now, p.SDP)
	p.RSeq, p.Require100rel = rseq, true
	c.unacked = p
	c.sendSIP(p)
	c.start(TimerRel1xx, wait)
}

func (c *Call) rel1xxExpired() {
	again, wait := c.snd.Expired(c.now)
	if again {
		c.sendSIP(c.unacked)
		c.start(TimerRel1xx, wait)
		return
	}
	if !c.invPending {
		return
	}
	// RFC 3262 §3: 64·T1 without PRACK: the INVITE is rejected with a
	// 5xx. Cause 102 (recovery on timer expiry) gives 504 and tells ISUP.
	c.gatewayRelease(isup.CauseRecoveryOnTimerExpiry)
}

func (c *Call) uasPrack(m *Msg) {
	if !c.rel100 {
		c.respond(m, 481, Msg{})
		return
	}
	switch c.snd.PRACK(m.RAck) {
	case prack.NoMatch:
		c.respond(m, 481, Msg{}) // RFC 3262 §3
		return
	case prack.Late:
		c.respond(m, 200, Msg{})
		return
	}
	c.respond(m, 200, Msg{})
	c.stop(TimerRel1xx)
	switch {
	case c.hasHeld:
		// The 2xx waited for this PRACK (its 1xx carried the answer);
		// queued progress is moot once the call is answered.
		h := c.held
		c.uasSend2xx(h)
	case len(c.queue) > 0:
		p := c.queue[0]
		c.queue = append(c.queue[:0], c.queue[1:]...)
		c.sendProvisional(p)
	}
}

// uasAnswer sends 200 OK for ANM or CON m, with the answer SDP.
func (c *Call) uasAnswer(m *isup.Message) {
	c.stop(TimerNoAnswer)
	if !c.invPending {
		return
	}
	ok := Msg{Method: INVITE, CSeq: c.invCSeq, Status: 200}
	c.body(&ok, true, m)
	if _, sdp, busy := c.snd.Outstanding(); c.rel100 && busy && sdp {
		// RFC 3262 §3: no 2xx before the PRACK of a reliable 1xx that
		// carried a session description (the media of the answered
		// circuit flows meanwhile).
		c.held, c.hasHeld = ok, true
		c.mediaStart()
		return
	}
	c.uasSend2xx(ok)
	c.mediaStart()
}

func (c *Call) uasSend2xx(ok Msg) {
	c.uasFinal(ok)
	c.rec.Answered = c.now
	c.st.SIP = SIPAnswered
	// RFC 3261 §13.3.1.4: the ACK is awaited for 64·T1.
	c.start(TimerAck, 64*c.cfg.T1)
}

func (c *Call) uasAck(m *Msg) {
	if c.st.SIP != SIPAnswered || m.CSeq != c.invCSeq {
		return // ACK of a failure response or a re-INVITE
	}
	c.stop(TimerAck)
	c.st.SIP = SIPConfirmed
	if c.med.late && !c.med.hasNeg && !c.byeAfterAck {
		// A late offer: the ACK carries the answer to the 2xx's offer
		// (RFC 3261 §13.2.1); one this side cannot use ends the call.
		if !c.mediaAnswer(m) || !c.med.hasNeg {
			c.gatewayRelease(isup.CauseBearerCapNotImplemented)
			return
		}
		c.mediaStart()
	}
	if c.byeAfterAck {
		c.byeAfterAck = false
		c.sendBye(c.byeMsg)
	}
}

func (c *Call) uasCancel(m *Msg) {
	if m.Terminated && m.CSeq == c.invCSeq && !c.invPending {
		switch {
		case c.st.SIP == SIPAnswered:
			c.answerLost(m)
		case c.rec.Status >= 300:
			// Our failure response lost the same way: the caller has
			// the 487.
			c.rec.Status = 487
		}
		return
	}
	if !c.invPending || m.CSeq != c.invCSeq {
		if m.Terminated {
			// An INVITE the call no longer answers (superseded under RFC
			// 3578, or a re-INVITE): the transaction layer has said all.
			return
		}
		// RFC 3261 §9.2: a CANCEL for a transaction already answered has
		// no effect (200); for none known, 481.
		if m.CSeq != 0 && m.CSeq <= c.invCSeq {
			c.respond(m, 200, Msg{})
		} else {
			c.respond(m, 481, Msg{})
		}
		return
	}
	if !m.Terminated {
		c.respond(m, 200, Msg{})
	}
	enc := c.encREL(m)
	rel := c.cfg.Map.Causes.ReleaseForRequest(true, m.Reason, enc)
	c.uasEnd(Msg{Status: 487}, !m.Terminated)
	c.note(rel.Cause.Value, PartySIP)
	c.releaseISUP(rel.Cause, enc)
}

// answerLost ends a call whose 2xx crossed a CANCEL the transaction layer
// had already answered 487 (m.Terminated): the caller has the 487 and
// never gets the 2xx, so no ACK will come. The ISUP leg, answered
// meanwhile, is released at once with the CANCEL's cause (Q.1912.5: no
// answered ISUP leg without a SIP one) rather than after the ACK wait and
// a BYE nobody can take.
func (c *Call) answerLost(m *Msg) {
	c.stop(TimerAck)
	c.byeAfterAck = false
	c.rec.Status = 487
	c.rec.Answered = time.Time{}
	c.st.SIP = SIPDone
	enc := c.encREL(m)
	rel := c.cfg.Map.Causes.ReleaseForRequest(true, m.Reason, enc)
	c.note(rel.Cause.Value, PartySIP)
	c.releaseISUP(rel.Cause, enc)
}

// bye ends a dialog from SIP (both directions): 200, then REL with the
// BYE's cause (16, a Reason, or the encapsulated REL's).
func (c *Call) bye(m *Msg) {
	switch c.st.SIP {
	case SIPConfirmed, SIPAnswered:
		if c.dir == ISUPToSIP && c.hasWinner && m.Tag != "" && m.Tag != c.winner {
			c.respond(m, 481, Msg{})
			return
		}
	case SIPEarly, SIPProceeding:
		if c.dir == ISUPToSIP || !c.invPending {
			// The callee may not end an early dialog with BYE (RFC 3261
			// §15).
			c.respond(m, 481, Msg{})
			return
		}
		// RFC 3261 §15.1.2: the caller ends the early dialog; the INVITE
		// is answered 487.
		c.respond(m, 200, Msg{})
		enc := c.encREL(m)
		rel := c.cfg.Map.Causes.ReleaseForRequest(false, m.Reason, enc)
		c.uasFinal(Msg{Status: 487})
		c.note(rel.Cause.Value, PartySIP)
		c.releaseISUP(rel.Cause, enc)
		return
	case SIPTerminating:
		// BYEs crossed: the dialog is over; the response to ours no
		// longer matters.
		c.respond(m, 200, Msg{})
		c.st.SIP = SIPDone
		return
	default:
		c.respond(m, 481, Msg{})
		return
	}
	c.respond(m, 200, Msg{})
	c.stop(TimerAck)
	c.byeAfterAck = false
	c.st.SIP = SIPDone
	enc := c.encREL(m)
	rel := c.cfg.Map.Causes.ReleaseForRequest(false, m.Reason, enc)
	c.note(rel.Cause.Value, PartySIP)
	c.releaseISUP(rel.Cause, enc)
}

// sendBye ends the confirmed dialog from the gateway.
func (c *Call) sendBye(b Msg) {
	b.Method, b.Status, b.CSeq = BYE, 0, 0
	if c.dir == ISUPToSIP {
		b.Tag = c.winner
	}
	c.sendSIP(b)
	c.st.SIP = SIPTerminating
}

// byeFor builds the BYE (or the fields of a final response) for an ISUP
// release: Reason with the cause, the REL encapsulated (SIP-I/SIP-T).
func (c *Call) byeFor(ci *isup.CauseIndicators, rel *isup.Message) Msg {
	b := Msg{Method: BYE, Reason: c.reasonOf(ci)}
	if rel == nil {
		rel = c.cfg.Map.REL(*ci)
	}
	c.body(&b, false, rel)
	return b
}

// uasReleaseSIP ends the SIP leg of a SIP → ISUP call for an ISUP release
// (or the gateway's): the pending INVITE gets the mapped failure status
// with Reason (cause 16 → the profile's normal clearing status), a
// confirmed dialog a BYE, an unacknowledged 2xx a BYE after the ACK.
func (c *Call) uasReleaseSIP(ci *isup.CauseIndicators, rel *isup.Message) {
	switch {
	case c.invPending:
		if rel == nil {
			rel = c.cfg.Map.REL(*ci)
		}
		r, err := c.cfg.Map.ResponseFor(rel)
		if err != nil || r.Status < 300 {
			r.Status = c.cfg.Map.Causes.DefaultStatus
		}
		f := Msg{Status: r.Status, Reason: r.Reason, Contact: r.Contact}
		if r.Status == 301 && r.Contact == "" {
			f.Status = 410
		}
		c.body(&f, false, rel)
		c.uasFinal(f)
	case c.st.SIP == SIPAnswered:
		c.byeAfterAck, c.byeMsg = true, c.byeFor(ci, rel)
	case c.st.SIP == SIPConfirmed:
		c.sendBye(c.byeFor(ci, rel))
	case c.st.SIP == SIPIdle:
		c.st.SIP = SIPDone
	}
}

// overlapInvite handles a later dialog-creating INVITE of the same call:
// RFC 3578 overlap from SIP, the INVITE carrying more digits. The
// earlier INVITE is answered 484 (RFC 3578 §3), the new digits go in a
// SAM (Q.764 §2.1.2) while the IAM still awaits ACM.
func (c *Call) overlapInvite(m *Msg) {
	if !c.cfg.SIPOverlap || !c.invPending || m.CSeq <= c.invCSeq || m.Invite == nil ||
		c.st.ISUP == ISUPAnswered || c.hasHeld {
		// Not an RFC 3578 INVITE this call can take: RFC 3261 §8.2.2.2
		// treats a second dialog-creating request of the call as merged.
		if m.CSeq != c.invCSeq {
			c.respond(m, 482, Msg{})
		}
		return
	}
	res, err := c.t.overlap.BuildIAM(m.Invite, nil)
	if err != nil {
		c.respond(m, failureStatus(err), Msg{})
		return
	}
	var cd isup.CalledPartyNumber
	d := numberDigits(res.IAM, &cd)
	if !strings.HasPrefix(d, c.digits) {
		// Digits already signalled cannot be withdrawn on ISUP: the new
		// INVITE is refused and the call goes on with the old one.
		c.respond(m, 404, Msg{})
		return
	}
	c.respond(m, 100, Msg{})
	c.uasFinal(Msg{Status: 484}) // the earlier INVITE: address incomplete
	c.st.SIP = SIPProceeding
	c.invCSeq, c.invPending = m.CSeq, true
	if c.rel100 {
		c.snd.Reset(m.CSeq, c.p.RSeq, c.cfg.T1)
	}
	c.rec.Status = 0
	suffix := d[len(c.digits):]
	c.digits = d
	c.rec.Called = d
	switch c.st.ISUP {
	case ISUPSeizing:
		c.pendingSAM += suffix
	case ISUPSetup:
		if suffix != "" {
			c.sendSAM(suffix)
		}
	case ISUPProceeding:
		// ACM came: the number was complete, later digits are not sent
		// (Q.764 §2.1.2 allows SAM only before ACM); the progress the
		// new INVITE missed is repeated on it.
		if c.has18x {
			p := c.last18x
			p.CSeq, p.RSeq, p.Require100rel = m.CSeq, 0, false
			c.st.SIP = SIPEarly
			c.sendProvisional(p)
		}
	}
}

// sendSAM sends digits (ISUP form) in a SAM.
func (c *Call) sendSAM(digits string) {
	d, err := isup.ParseDigits(digits)
	if err != nil || !c.hasCIC {
		return
	}
	s := isup.New(c.cfg.Map.Variant, isup.SAM, c.cic)
	s.Set(&isup.SubsequentNumber{Digits: d})
	c.isupReq(q764.Request{Kind: q764.ReqSAM, CIC: c.cic, Msg: s})
}

// reinvite answers a re-INVITE: nothing goes to ISUP (interworking notes
// §2: re-INVITE, UPDATE, PRACK carry SDP only); the media layer's session
// description answers it. Before the dialog is confirmed a second INVITE
// gets 500 with Retry-After (RFC 3261 §14.2).
func (c *Call) reinvite(m *Msg) {
	if c.st.SIP != SIPConfirmed {
		c.respond(m, 500, Msg{RetryAfter: 1})
		return
	}
	if !c.mediaReoffer(m) {
		c.respond(m, 488, Msg{}) // RFC 3261 §14.2: the session stays as it was
		return
	}
	r := Msg{}
	c.body(&r, true, nil)
	c.respond(m, 200, r)
	c.mediaMoved()
}

// otherRequest answers UPDATE, INFO, OPTIONS in a dialog with 200 (UPDATE
// with the session description when it offered one; nothing on ISUP) and
// anything else with 501.
func (c *Call) otherRequest(m *Msg) {
	if c.st.SIP == SIPDone || c.st.SIP == SIPIdle {
		c.respond(m, 481, Msg{})
		return
	}
	switch m.Method {
	case UPDATE:
		if m.SDP && !c.mediaReoffer(m) {
			c.respond(m, 488, Msg{}) // RFC 3311 §5.2
			return
		}
		r := Msg{}
		c.body(&r, m.SDP, nil)
		c.respond(m, 200, r)
		c.mediaMoved()
	case INFO:
		c.info(m)
	case OPTIONS:
		c.respond(m, 200, Msg{})
	case ACK:
	default:
		c.respond(m, 501, Msg{})
	}
}
