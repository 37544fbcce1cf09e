package call

import (
	"github.com/sipgw/sipgw/interwork/call/prack"
	"github.com/sipgw/sipgw/interwork/mapping"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/q764"
)

// ISUP → SIP: the call is the ISUP incoming exchange and the SIP UAC
// (interworking notes §2, third and fourth tables; Q.1912.5 §7, RFC 3398
// §8).

func (c *Call) uacISUP(a *q764.Action) {
	switch a.Ind {
	case q764.IndSetup:
		if c.st.ISUP == ISUPIdle {
			c.incomingIAM(a)
		}
	case q764.IndContinuity:
		// Q.764 §2.1.8: the called side is not alerted before COT; a
		// failed check arrives as IndRelease and no INVITE ever goes.
		if c.st.ISUP == ISUPContinuity && a.On {
			c.st.ISUP = ISUPSetup
			c.afterAddress()
		}
	case q764.IndSAM:
		c.uacSAM(a.Msg)
	case q764.IndEarlyACM:
		// The Trunk sent ACM itself (T11, or T10): the next 18x maps to a
		// CPG (Q.764 Annex A, interworking notes §2).
		c.acmSent = true
		if c.st.ISUP == ISUPSetup {
			c.st.ISUP = ISUPProceeding
		}
	case q764.IndRelease:
		if c.st.ISUP == ISUPDone || c.st.ISUP == ISUPIdle {
			return
		}
		ci, rel := causeOfInd(a)
		c.st.ISUP = ISUPDone
		c.note(ci.Value, PartyISUP)
		c.uacReleaseSIP(&ci, rel)
	case q764.IndReleased:
		if c.st.ISUP == ISUPReleasing {
			c.st.ISUP = ISUPDone
		}
	case q764.IndRejected:
		c.uacRejected()
	case q764.IndProgress, q764.IndSuspend, q764.IndResume, q764.IndInfoReq, q764.IndInfo, q764.IndMessage, q764.IndConfusion:
		// From the originating exchange no CPG maps to a SIP response:
		// every one rides in INFO, as the other mid-call messages.
		c.isupMidCall(a)
	}
}

// uacRejected handles the Trunk refusing the call's last request. The one
// race it resolves: the Trunk's T11 (or T10) sent ACM while the call's
// ACM or CON was on its way; the call then sends the CPG or ANM that
// follows an ACM.
func (c *Call) uacRejected() {
	switch {
	case c.st.ISUP == ISUPReleasing:
		c.st.ISUP = ISUPDone
	case c.retry == q764.ReqACM && c.acmSent:
		c.retry = 0
		r := c.retryResp
		c.backwardISUP(r.Status, r.SDP, r.PEarlyMedia, c.retryEnc)
	case c.retry == q764.ReqCON && c.acmSent && c.st.ISUP == ISUPAnswered:
		c.retry = 0
		c.st.ISUP = ISUPProceeding // the Trunk's ACM went; the answer is still to send
		c.backwardAnswer(c.retryEnc)
	}
}

func (c *Call) incomingIAM(a *q764.Action) {
	c.cic, c.hasCIC = a.CIC, true
	c.rec.CIC, c.rec.HasCIC = a.CIC, true
	c.iam = own(a.Msg)
	var cd isup.CalledPartyNumber
	c.digits = numberDigits(c.iam, &cd)
	c.rec.Called = c.digits
	var cg isup.CallingPartyNumber
	c.rec.Calling = numberDigits(c.iam, &cg)
	if c.iam == nil {
		c.st.ISUP = ISUPSetup
		c.note(isup.CauseInvalidMessage, PartyGateway)
		c.releaseISUP(causeInd(isup.CauseInvalidMessage, isup.LocPublicLocal), nil)
		c.st.SIP = SIPDone
		return
	}
	if a.On {
		c.st.ISUP = ISUPContinuity
		return
	}
	c.st.ISUP = ISUPSetup
	c.afterAddress()
}

// afterAddress sends the INVITE, or collects more digits first: en bloc
// collection waits for a complete number (RFC 3578 §2); multiple INVITEs
// start once the numbering's minimum digits are there (RFC 3578 §3).
func (c *Call) afterAddress() {
	switch {
	case c.cfg.Overlap == OverlapNone, c.t.complete(c.digits):
	case c.cfg.Overlap == OverlapInvites && len(c.digits) >= c.cfg.Map.Config.Numbering.MinDigits:
	default:
		c.start(TimerCollect, c.cfg.Collect)
		return
	}
	c.invite()
}

func (c *Call) uacSAM(m *isup.Message) {
	if m == nil || (c.st.ISUP != ISUPSetup && c.st.ISUP != ISUPContinuity) {
		return
	}
	var sn isup.SubsequentNumber
	if ok, err := m.Get(&sn); !ok || err != nil {
		return
	}
	if c.st.SIP != SIPIdle && c.cfg.Overlap != OverlapInvites {
		// The INVITE went (en bloc by the collection rules, or at once):
		// later digits ride in INFO on SIP-I/SIP-T, the in-dialog overlap
		// method (TS 29.163 §7.2.3.1.4C); plain SIP has no way for them.
		c.digits += sn.Digits.String()
		c.rec.Called = c.digits
		c.tunnel(m)
		return
	}
	if c.t.complete(c.digits) {
		return // Q.764 §2.1.2: the number is complete; later digits are not used
	}
	c.digits += sn.Digits.String()
	c.rec.Called = c.digits
	if c.st.ISUP == ISUPContinuity {
		return
	}
	switch {
	case c.st.SIP == SIPIdle:
		c.stop(TimerCollect)
		c.afterAddress()
	case c.cfg.Overlap == OverlapInvites && (c.st.SIP == SIPProceeding || c.st.SIP == SIPEarly) && !c.hasWinner:
		// RFC 3578 §3: a new INVITE with all the digits so far; the
		// earlier ones are cancelled and their 484 absorbed.
		for i := range c.invs {
			if !c.invs[i].final {
				c.invs[i].superseded = true
				c.cancelInvite(i)
			}
		}
		c.invite()
	}
}

func (c *Call) collectExpired() {
	if c.st.SIP == SIPIdle && c.st.ISUP == ISUPSetup {
		c.invite()
	}
}

// calledIAM returns the IAM with the collected digits as its called party
// number (the base of the INVITE and of the SIP-I body).
func (c *Call) calledIAM() *isup.Message {
	var cd isup.CalledPartyNumber
	if ok, err := c.iam.Get(&cd); !ok || err != nil || cd.Digits.String() == c.digits {
		return c.iam
	}
	d, err := isup.ParseDigits(c.digits)
	if err != nil {
		return c.iam
	}
	m := &isup.Message{Variant: c.iam.Variant, Type: isup.IAM, CIC: c.iam.CIC, OptionalPresent: c.iam.OptionalPresent}
	m.Params = append(m.Params, c.iam.Params...)
	cd.Digits = d
	m.Set(&cd)
	return m
}

// invite sends an INVITE mapped from the IAM (mapping.InviteFromIAM:
// Request-URI, From, PAI, Privacy, cpc, History-Info/Diversion,
// Max-Forwards; the IAM encapsulated on SIP-I/SIP-T trunks).
func (c *Call) invite() {
	iam := c.calledIAM()
	inv, err := c.cfg.Map.InviteFromIAM(iam)
	if err != nil {
		// No usable called number: address incomplete/invalid.
		ci := causeInd(isup.CauseInvalidNumberFormat, isup.LocPublicLocal)
		c.note(ci.Value, PartyGateway)
		c.releaseISUP(ci, nil)
		if c.st.SIP == SIPIdle {
			c.st.SIP = SIPDone
		}
		return
	}
	m := Msg{Method: INVITE, CSeq: c.nextCSeq, Invite: &inv}
	c.nextCSeq++
	switch c.cfg.Rel100 {
	case Rel100Supported:
		m.Supported100rel = true
	case Rel100Required:
		m.Require100rel = true
	}
	c.mediaOffer()
	c.body(&m, true, iam)
	c.invs = append(c.invs, uacInvite{cseq: m.CSeq})
	if c.st.SIP == SIPIdle {
		c.st.SIP = SIPProceeding
		if c.cfg.NoAnswer > 0 {
			c.start(TimerNoAnswer, c.cfg.NoAnswer)
		}
	}
	c.sendSIP(m)
}

// cancelInvite cancels INVITE i, at once if a provisional response came,
// else when the first one comes (RFC 3261 §9.1).
func (c *Call) cancelInvite(i int) {
	inv := &c.invs[i]
	if inv.final || inv.cancelSent {
		return
	}
	inv.cancel = true
	if inv.provisional {
		inv.cancelSent = true
		x := c.cancelMsg
		x.Method, x.CSeq, x.Status = CANCEL, inv.cseq, 0
		if inv.superseded {
			x = Msg{Method: CANCEL, CSeq: inv.cseq}
		}
		c.sendSIP(x)
	}
}

func (c *Call) invite1(cseq uint32) (int, bool) {
	for i := range c.invs {
		if c.invs[i].cseq == cseq {
			return i, true
		}
	}
	return 0, false
}

// pendingInvites reports whether an INVITE of the call awaits its final
// response.
func (c *Call) pendingInvites() bool {
	for i := range c.invs {
		if !c.invs[i].final {
			return true
		}
	}
	return false
}

// latest reports whether INVITE i is the newest one.
func (c *Call) latest(i int) bool { return i == len(c.invs)-1 }

func (c *Call) forkOf(tag string) *fork {
	for i := range c.forks {
		if c.forks[i].tag == tag {
			return &c.forks[i]
		}
	}
	c.forks = append(c.forks, fork{tag: tag})
	return &c.forks[len(c.forks)-1]
}

func (c *Call) uacResponse(m *Msg) {
	switch m.Method {
	case INFO:
		c.infoResponse(m)
	case INVITE:
		c.inviteResponse(m)
	case BYE:
		if m.Status >= 200 && c.st.SIP == SIPTerminating {
			c.st.SIP = SIPDone
		}
	}
}

func (c *Call) inviteResponse(m *Msg) {
	i, ok := c.invite1(m.CSeq)
	if !ok {
		return
	}
	inv := &c.invs[i]
	switch {
	case m.Status < 200:
		if inv.final {
			return
		}
		inv.provisional = true
		if inv.cancel && !inv.cancelSent {
			c.cancelInvite(i)
		}
		if m.Status == 100 {
			return
		}
		if m.Require100rel && m.RSeq != 0 {
			// RFC 3262 §4: PRACK each new in-order reliable response of
			// each early dialog; retransmissions and responses out of
			// order are discarded.
			if c.forkOf(m.Tag).rx.Receive(m.RSeq) != prack.New {
				return
			}
			c.sendSIP(Msg{Method: PRACK, Tag: m.Tag, RAck: prack.RAck{RSeq: m.RSeq, CSeq: m.CSeq, Method: "INVITE"}})
		}
		if inv.cancel || !c.latest(i) || (c.st.SIP != SIPProceeding && c.st.SIP != SIPEarly) || c.hasWinner {
			return
		}
		if !c.hasChosen {
			// The first early dialog mapped: the one ForkFirst keeps, and
			// the one mid-call INFOs take before the answer.
			c.chosen, c.hasChosen = m.Tag, true
		} else if c.cfg.Forking == ForkFirst && m.Tag != c.chosen {
			return
		}
		c.st.SIP = SIPEarly
		c.backward(m)
	case m.Status < 300:
		c.uac2xx(i, m)
	default:
		inv.final = true
		switch {
		case c.hasWinner || inv.superseded:
			// A later INVITE carries the call (RFC 3578: the 484 of the
			// earlier ones is expected), or another fork answered.
		case c.st.SIP == SIPCancelling:
			if !c.pendingInvites() {
				c.st.SIP = SIPDone
			}
		case c.pendingInvites():
			// Another INVITE of the call is still pending.
		default:
			c.uacFailure(m)
		}
	}
}

// uac2xx handles a 2xx: the first answers the call (ACK, ANM or CON);
// retransmissions are ACKed again (RFC 3261 §13.2.2.4); 2xx from other
// forks, and a 2xx crossing the CANCEL of a released call, are ACKed and
// ended with BYE.
func (c *Call) uac2xx(i int, m *Msg) {
	inv := &c.invs[i]
	ack := Msg{Method: ACK, CSeq: m.CSeq, Tag: m.Tag}
	if c.hasWinner {
		c.sendSIP(ack)
		if m.Tag != c.winner && !c.ended(m.Tag) {
			c.endedTags = append(c.endedTags, m.Tag)
			c.sendSIP(Msg{Method: BYE, Tag: m.Tag, Reason: "Q.850;cause=16"})
		}
		return
	}
	inv.final = true
	c.winner, c.hasWinner = m.Tag, true
	c.sendSIP(ack)
	if c.st.SIP == SIPCancelling || c.st.ISUP == ISUPDone || c.st.ISUP == ISUPReleasing {
		// The CANCEL crossed the 2xx: the ISUP call is already released,
		// the dialog that came up is ended at once.
		b := c.cancelMsg
		b.Method, b.Tag = BYE, m.Tag
		c.sendBye(b)
		for j := range c.invs {
			c.cancelInvite(j)
		}
		return
	}
	for j := range c.invs {
		if j != i {
			c.invs[j].superseded = true
			c.cancelInvite(j)
		}
	}
	c.stop(TimerNoAnswer)
	c.st.SIP = SIPConfirmed
	c.rec.Status, c.rec.Answered = m.Status, c.now
	if c.rec.Alerted.IsZero() {
		c.rec.Alerted = c.now
	}
	_, enc, _, _ := c.readBody(m)
	if !c.mediaAnswer(m) {
		// An answer this side cannot use (no G.711 it takes): the
		// dialog is ended and the ISUP call released, cause 65.
		c.gatewayRelease(isup.CauseBearerCapNotImplemented)
		return
	}
	c.backwardAnswer(enc)
	c.mediaStart()
}

// ended reports whether the call already sent BYE on dialog tag (a
// retransmitted 2xx is ACKed again, not ended again).
func (c *Call) ended(tag string) bool {
	for _, t := range c.endedTags {
		if t == tag {
			return true
		}
	}
	return false
}

// backward sends the ACM or CPG for a provisional response
// (mapping.BackwardFor: first 180 → ACM subscriber free, first 183 → ACM
// no indication per the 183 policy, later 18x → CPG; the far exchange's
// encapsulated ACM or CPG as their base on SIP-I/SIP-T).
func (c *Call) backward(m *Msg) {
	_, enc, hasSDP, _ := c.readBody(m)
	c.backwardISUP(m.Status, hasSDP, m.PEarlyMedia, enc)
	if hasSDP && c.mediaAnswer(m) {
		// Early media from the called side: the ISUP caller hears it
		// (ringback, announcements) from now on.
		c.mediaStart()
	}
}

func (c *Call) backwardISUP(status int, hasSDP, pEarlyMedia bool, enc *isup.Message) {
	if c.st.ISUP != ISUPSetup && c.st.ISUP != ISUPProceeding {
		return
	}
	msg, err := c.cfg.Map.BackwardFor(mapping.CallProgress{ACMSent: c.acmSent}, status, hasSDP, pEarlyMedia, enc)
	if err != nil || msg == nil {
		return
	}
	if c.rec.Alerted.IsZero() {
		c.rec.Alerted = c.now
	}
	kind := q764.ReqCPG
	if msg.Type == isup.ACM {
		kind = q764.ReqACM
		c.acmSent = true
		c.st.ISUP = ISUPProceeding
	}
	c.retry, c.retryResp, c.retryEnc = kind, Msg{Status: status, SDP: hasSDP, PEarlyMedia: pEarlyMedia}, enc
	c.isupReq(q764.Request{Kind: kind, CIC: c.cic, Msg: msg})
}

// backwardAnswer sends ANM after an ACM, else CON (answer without ACM),
// on the far exchange's encapsulated ANM or CON when the 2xx carried one.
func (c *Call) backwardAnswer(enc *isup.Message) {
	if c.st.ISUP != ISUPSetup && c.st.ISUP != ISUPProceeding {
		return
	}
	msg, err := c.cfg.Map.BackwardFor(mapping.CallProgress{ACMSent: c.acmSent}, 200, false, false, enc)
	if err != nil || msg == nil {
		return
	}
	kind := q764.ReqANM
	if msg.Type == isup.CON {
		kind = q764.ReqCON
	}
	c.retry, c.retryResp, c.retryEnc = kind, Msg{Status: 200}, enc
	c.st.ISUP = ISUPAnswered
	c.isupReq(q764.Request{Kind: kind, CIC: c.cic, Msg: msg})
}

// uacFailure releases the ISUP call for a final failure response: the
// encapsulated REL (SIP-I/SIP-T) goes on whole; else REL with the
// profile's cause (Reason wins where the profile says so).
func (c *Call) uacFailure(m *Msg) {
	c.st.SIP = SIPDone
	c.rec.Status = m.Status
	enc := c.encREL(m)
	s := m.Status
	if s < 400 {
		s = 480 // a redirection the gateway does not follow (mapping.ISUPForResponse)
	}
	rel, ok := c.cfg.Map.Causes.ReleaseForResponse(s, m.Warning, m.Reason, enc)
	if !ok {
		// 487 or 491 with no CANCEL of ours: no ISUP mapping; the
		// profile's default cause.
		rel.Cause = causeInd(c.cfg.Map.Causes.DefaultCause, c.cfg.Map.Causes.LocationFor(s))
	}
	c.note(rel.Cause.Value, PartySIP)
	c.releaseISUP(rel.Cause, enc)
}

// uacReleaseSIP ends the SIP leg of an ISUP → SIP call for an ISUP release
// (or the gateway's): CANCEL before a final response, BYE after.
func (c *Call) uacReleaseSIP(ci *isup.CauseIndicators, rel *isup.Message) {
	switch c.st.SIP {
	case SIPIdle:
		c.stop(TimerCollect)
		c.st.SIP = SIPDone
	case SIPProceeding, SIPEarly:
		c.cancelMsg = Msg{Reason: c.reasonOf(ci)}
		if rel != nil {
			c.body(&c.cancelMsg, false, rel)
		}
		c.st.SIP = SIPCancelling
		for i := range c.invs {
			c.cancelInvite(i)
		}
		if !c.pendingInvites() {
			c.st.SIP = SIPDone
		}
	case SIPConfirmed:
		c.sendBye(c.byeFor(ci, rel))
	}
}

// uacRequest handles requests from the called side.
func (c *Call) uacRequest(m *Msg) {
	switch m.Method {
	case BYE:
		c.bye(m)
	case INVITE:
		if m.InDialog {
			c.reinvite(m)
			return
		}
		c.respond(m, 482, Msg{})
	case ACK:
	case CANCEL, PRACK:
		if !m.Terminated {
			c.respond(m, 481, Msg{})
		}
	default:
		c.otherRequest(m)
	}
}
