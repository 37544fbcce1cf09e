package q764

import (
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/circuit"
)

// ---------------------------------------------------------------------------
// Message parameter peeks (raw, so that the call path does not allocate).

// continuityIndicator returns the continuity check indicator of an IAM's
// nature of connection indicators (bits DC): 0 not required, 1 required on
// this circuit, 2 performed on a previous circuit.
func continuityIndicator(m *isup.Message) uint8 {
	if d, ok := m.Param(isup.ParamNatureOfConnectionIndicators); ok && len(d) > 0 {
		if cc := d[0] >> 2 & 3; cc <= 2 {
			return cc
		}
	}
	return 0
}

// testCall reports an IAM whose calling party's category is "test call".
func testCall(m *isup.Message) bool {
	d, ok := m.Param(isup.ParamCallingPartysCategory)
	return ok && len(d) == 1 && isup.CallingPartysCategory(d[0]) == isup.CategoryTestCall
}

// addressDigits counts the address signals of a called party number (hdr
// 2) or subsequent number (hdr 1) and reports whether the last is ST.
func addressDigits(d []byte, hdr int) (n int, st bool) {
	if len(d) <= hdr {
		return 0, false
	}
	odd := d[0]&0x80 != 0
	bcd := d[hdr:]
	n = 2 * len(bcd)
	last := bcd[len(bcd)-1] >> 4
	if odd {
		n--
		last = bcd[len(bcd)-1] & 0x0f
	}
	return n, last == 0x0f
}

// causeOf returns the cause value and location of a REL's cause indicators.
func causeOf(m *isup.Message) (isup.Cause, isup.Location) {
	d, ok := m.Param(isup.ParamCauseIndicators)
	if !ok || len(d) < 2 {
		return isup.CauseNormalUnspecified, isup.LocUser
	}
	i := 1
	if d[0]&0x80 == 0 && len(d) >= 3 {
		i = 2
	}
	return isup.Cause(d[i] & 0x7f), isup.Location(d[0] & 0x0f)
}

// ---------------------------------------------------------------------------
// Outgoing call control (Q.764 §2.1.1, §2.1.2, §2.1.4, §2.1.7).

func (t *Trunk) reqSetup(r *Request) {
	var c *circ
	if r.Select {
		var cic uint16
		var ok bool
		if t.sel != nil {
			cic, ok = t.sel.Select(t.availFn)
		} else {
			for i := range t.circs {
				if t.available(t.circs[i].cic) {
					cic, ok = t.circs[i].cic, true
					break
				}
			}
		}
		if !ok || !t.available(cic) {
			t.reject(r.CIC, "no circuit available")
			return
		}
		c = t.circ(cic)
	} else if c = t.circ(r.CIC); c == nil {
		t.reject(r.CIC, "CIC not in the trunk")
		return
	}
	if r.Msg == nil || r.Msg.Type != isup.IAM {
		t.reject(c.cic, "setup needs an IAM")
		return
	}
	if !t.available(c.cic) {
		t.reject(c.cic, "circuit not available: "+c.st.String()+" "+c.phase.String())
		return
	}
	cc := continuityIndicator(r.Msg)
	if cc == 1 && t.opt.Continuity == ContinuityNone {
		t.reject(c.cic, "continuity check on this circuit requested but the trunk has no bearer access")
		return
	}
	c.phase, c.out = PhaseOutSetup, true
	c.flags &^= callFlags
	t.send(c.cic, isup.IAM, r.Msg)
	t.start(c, T7)
	switch cc {
	case 1: // Q.764 §2.1.8: attach the transceiver, T24 awaits the backward tone
		c.flags |= fCOT
		t.toneOn(c)
		t.start(c, T24)
	case 2: // the result of the previous circuit's check follows (ReqContinuity)
		c.flags |= fCOT | fCOTPrev
	}
	t.commit(c, "IAM sent")
}

func (t *Trunk) reqSAM(c *circ, r *Request) {
	if c.phase != PhaseOutSetup || r.Msg == nil {
		t.reject(c.cic, "SAM only while the IAM awaits ACM")
		return
	}
	t.send(c.cic, isup.SAM, r.Msg)
	t.start(c, T7) // Q.764 Annex A: T7 runs from the latest address message
}

func (t *Trunk) rxACM(c *circ, m *isup.Message) {
	if c.phase != PhaseOutSetup {
		t.unexpected(c, m.Type)
		return
	}
	t.stop(c, T7)
	if t.opt.UseT9 {
		t.start(c, T9)
	}
	c.phase = PhaseOutProceeding
	t.ind(c, IndProceed, m)
}

func (t *Trunk) rxCON(c *circ, m *isup.Message) {
	if c.phase != PhaseOutSetup {
		t.unexpected(c, m.Type)
		return
	}
	t.stop(c, T7)
	c.phase = PhaseOutAnswered
	t.ind(c, IndAnswer, m)
}

func (t *Trunk) rxANM(c *circ, m *isup.Message) {
	switch c.phase {
	case PhaseOutProceeding:
		t.stop(c, T9)
	case PhaseOutSetup:
		// ANM without ACM: taken as answer (T7 stops) rather than reset.
		t.stop(c, T7)
	default:
		t.unexpected(c, m.Type)
		return
	}
	c.phase = PhaseOutAnswered
	t.ind(c, IndAnswer, m)
}

func (t *Trunk) rxCPG(c *circ, m *isup.Message) {
	switch c.phase {
	case PhaseOutProceeding, PhaseOutAnswered, PhaseInProceeding, PhaseInAnswered:
		if c.flags&fUserGone == 0 {
			t.ind(c, IndProgress, m)
		}
	default:
		t.unexpected(c, m.Type)
	}
}

// ---------------------------------------------------------------------------
// Incoming call control.

func (t *Trunk) rxIAM(c *circ, m *isup.Message) {
	switch {
	case c.phase == PhaseOutSetup:
		// Q.764 §2.9.1.4: dual seizure. The controlling exchange completes
		// its call and disregards the IAM; the other backs off, re-attempts
		// elsewhere and serves the incoming call.
		if t.controls(c.cic) {
			return
		}
		t.userReattempt(c, WhyDualSeizure, "dual seizure: the far end controls this circuit")
		t.bearerOff(c)
		t.stopAll(c, callTimers)
		c.flags &^= callFlags
		c.phase = PhaseIdle
	case c.phase != PhaseIdle:
		t.unexpected(c, m.Type)
		return
	case c.flags&(fReset|fGRS|fQuarantined) != 0:
		// A reset awaits its acknowledgement; the far end will release.
		return
	}
	test := testCall(m)
	if !test {
		// Q.764 §2.8.2.3: a call on a circuit this exchange blocked is
		// refused by repeating the blocking; one on a circuit the far end
		// blocked unblocks it.
		// A circuit being unblocked takes the call: the far end has seen
		// the unblocking if it sends IAMs.
		mnt, hw := t.reportedBlocks(c)
		if mnt || hw {
			if mnt {
				t.sendBLO(c)
			} else {
				t.hwReblock(c)
			}
			t.commit(c, "IAM refused: circuit blocked here")
			return
		}
		c.block &^= circuit.RemoteMaintBlocked | circuit.RemoteHWBlocked
	}
	c.phase, c.out = PhaseInSetup, false
	c.flags &^= callFlags
	switch continuityIndicator(m) {
	case 1: // Q.764 §2.1.8: loop the circuit, T8 awaits COT
		c.phase = PhaseInContinuity
		c.flags |= fCOT
		t.loopOn(c)
		t.start(c, T8)
	case 2:
		c.phase = PhaseInContinuity
		c.flags |= fCOT | fCOTPrev
		t.start(c, T8)
	}
	cd, _ := m.Param(isup.ParamCalledPartyNumber)
	n, st := addressDigits(cd, 2)
	c.digits = uint8(min(n, 255))
	if !st {
		c.flags |= fOverlap
	}
	t.ind(c, IndSetup, m)
	t.out[len(t.out)-1].On = c.flags&fCOT != 0
	t.addressTimers(c, st)
	t.commit(c, "IAM received")
}

func (t *Trunk) rxSAM(c *circ, m *isup.Message) {
	if (c.phase != PhaseInSetup && c.phase != PhaseInContinuity) || c.flags&fOverlap == 0 {
		t.unexpected(c, m.Type)
		return
	}
	sn, _ := m.Param(isup.ParamSubsequentNumber)
	n, st := addressDigits(sn, 1)
	c.digits = uint8(min(int(c.digits)+n, 255))
	if st {
		c.flags &^= fOverlap
	}
	if c.flags&fUserGone == 0 {
		t.ind(c, IndSAM, m)
	}
	t.addressTimers(c, st)
}

// addressTimers (re)starts the timers that run from the latest address
// message: T35 until the minimum digits or ST (Q.764 §2.2.5), T10 in
// overlap interworking, T11 for early ACM. T10 and T11 wait for a pending
// continuity check: no ACM may go back before COT.
func (t *Trunk) addressTimers(c *circ, st bool) {
	if st {
		t.stop(c, T35)
		t.stop(c, T10)
	} else if t.opt.MinDigits > 0 {
		if int(c.digits) >= t.opt.MinDigits {
			t.stop(c, T35)
		} else {
			t.start(c, T35)
		}
	}
	if c.phase != PhaseInSetup {
		return
	}
	if !st && t.opt.UseT10 {
		t.start(c, T10)
	}
	if t.opt.UseT11 {
		t.start(c, T11)
	}
}

// endCollection ends an incoming call's address collection at its first
// backward message (ACM or CON, the user's or the machine's): the
// interworking and overlap timers T10, T11 and T35 stop (Q.764 Annex A).
func (t *Trunk) endCollection(c *circ) {
	t.stop(c, T10)
	t.stop(c, T11)
	t.stop(c, T35)
	c.flags &^= fOverlap
}

// earlyACM sends the ACM Q.764 Annex A has T10 and T11 send in
// interworking: called party's status no indication, interworking
// encountered.
func (t *Trunk) earlyACM(c *circ, text string) {
	if c.phase != PhaseInSetup {
		return
	}
	t.endCollection(c)
	bci := t.data(2)
	bci[1] = 0x01 // bit I: interworking encountered
	t.emit(Action{Kind: ActSend, CIC: c.cic, Type: isup.ACM, Data: bci})
	c.phase = PhaseInProceeding
	if c.flags&fUserGone == 0 {
		t.emit(Action{Kind: ActIndicate, CIC: c.cic, Ind: IndEarlyACM, Text: text})
	}
}

func (t *Trunk) reqACM(c *circ, r *Request) {
	switch {
	case r.Msg == nil:
		t.reject(c.cic, "ACM needs the message")
	case c.phase == PhaseInContinuity:
		t.reject(c.cic, "continuity check pending: no ACM before COT")
	case c.phase == PhaseInProceeding:
		t.reject(c.cic, "ACM already sent: send CPG")
	case c.phase != PhaseInSetup:
		t.reject(c.cic, "no incoming call awaiting ACM")
	default:
		t.endCollection(c)
		t.send(c.cic, isup.ACM, r.Msg)
		c.phase = PhaseInProceeding
	}
}

func (t *Trunk) reqCON(c *circ, r *Request) {
	switch {
	case r.Msg == nil:
		t.reject(c.cic, "CON needs the message")
	case c.phase == PhaseInContinuity:
		t.reject(c.cic, "continuity check pending: no CON before COT")
	case c.phase == PhaseInProceeding:
		t.reject(c.cic, "ACM already sent: answer with ANM")
	case c.phase != PhaseInSetup:
		t.reject(c.cic, "no incoming call awaiting answer")
	default:
		t.endCollection(c)
		t.send(c.cic, isup.CON, r.Msg)
		c.phase = PhaseInAnswered
	}
}

func (t *Trunk) reqANM(c *circ, r *Request) {
	switch {
	case r.Msg == nil:
		t.reject(c.cic, "ANM needs the message")
	case c.phase == PhaseInSetup:
		t.reject(c.cic, "no ACM sent: answer with CON")
	case c.phase != PhaseInProceeding:
		t.reject(c.cic, "no incoming call awaiting answer")
	default:
		t.send(c.cic, isup.ANM, r.Msg)
		c.phase = PhaseInAnswered
	}
}

func (t *Trunk) reqCPG(c *circ, r *Request) {
	switch c.phase {
	case PhaseInProceeding, PhaseInAnswered, PhaseOutProceeding, PhaseOutAnswered:
		if r.Msg == nil {
			t.reject(c.cic, "CPG needs the message")
			return
		}
		t.send(c.cic, isup.CPG, r.Msg)
	default:
		t.reject(c.cic, "CPG only after ACM")
	}
}

// ---------------------------------------------------------------------------
// Release (Q.764 §2.3, §2.9.6).

// releaseCall sends REL on c's call (the user is told separately) and
// awaits RLC under T1 and T5.
func (t *Trunk) releaseCall(c *circ, m *isup.Message, cause isup.Cause, loc isup.Location, diag []byte, reason string) {
	t.bearerOff(c)
	t.stopAll(c, callTimers)
	c.flags &^= callFlags &^ fUserGone
	if m != nil {
		t.send(c.cic, isup.REL, m)
		c.relCause, c.relLoc = causeOf(m)
	} else {
		t.sendREL(c, cause, loc, diag)
	}
	t.start(c, T1)
	t.start(c, T5)
	c.phase = PhaseReleasing
	t.commit(c, reason)
}

// netRelease releases a call the machine ends (timer expiry, protocol
// error), telling the user first.
func (t *Trunk) netRelease(c *circ, cause isup.Cause, reason string) {
	if !c.phase.call() {
		return
	}
	t.userRelease(c, cause, reason)
	t.releaseCall(c, nil, cause, isup.LocPublicLocal, nil, reason)
}

func (t *Trunk) reqRelease(c *circ, r *Request) {
	if !c.phase.call() {
		t.reject(c.cic, "no call to release")
		return
	}
	cause := r.Cause
	if cause == 0 {
		cause = isup.CauseNormalClearing
	}
	t.releaseCall(c, r.Msg, cause, r.Location, nil, "REL sent")
}

func (t *Trunk) rxREL(c *circ, m *isup.Message) {
	switch c.phase {
	case PhaseReleasing:
		// Q.764 §2.3.1 e): release collision. RLC goes back; T1 and T5 keep
		// running until the RLC for our REL arrives.
		t.send(c.cic, isup.RLC, nil)
		return
	case PhaseIdle:
		// Q.764 §2.9.5.1 a): REL on an idle circuit is answered with RLC.
		t.send(c.cic, isup.RLC, nil)
		return
	case PhaseOutRetest:
		t.clear(c, AlarmContinuity, "REL received during the re-test")
	}
	if c.phase.call() && c.flags&fUserGone == 0 {
		t.ind(c, IndRelease, m)
	}
	t.idle(c)
	t.send(c.cic, isup.RLC, nil)
	t.commit(c, "REL received")
}

func (t *Trunk) rxRLC(c *circ, m *isup.Message) {
	switch {
	case c.phase == PhaseReleasing:
		t.stop(c, T1)
		t.stop(c, T5)
		if c.flags&fUserGone == 0 {
			t.ind(c, IndReleased, m)
		}
		c.flags &^= callFlags
		c.phase = PhaseIdle
		t.commit(c, "RLC received")
	case c.flags&fReset != 0:
		t.resetDone(c, "RLC received for RSC")
	case c.phase.call():
		// Q.764 §2.9.5.1 b): RLC on a busy circuit for which no REL was
		// sent: the circuit is released and REL sent.
		t.netRelease(c, isup.CauseProtocolError, "RLC received on a busy circuit")
	default:
		// Idle circuit or continuity re-test: discard.
	}
}

// t5 handles T5 expiry (Q.764 §2.9.6): no RLC ever came: reset the
// circuit, alert maintenance, and repeat RSC every T17 until answered.
func (t *Trunk) t5(c *circ) {
	if c.phase != PhaseReleasing {
		return
	}
	t.stop(c, T1)
	c.flags &^= callFlags
	c.phase = PhaseIdle
	t.raise(c, AlarmRelease, "T5 expired: no RLC to REL")
	t.send(c.cic, isup.RSC, nil)
	c.flags |= fReset | fResetT5
	c.resetN = 0
	t.start(c, T17)
	t.reportLocalBlocks(c)
	t.commit(c, "T5 expired: no RLC to REL")
}

// ---------------------------------------------------------------------------
// Suspend, resume (Q.764 §2.4) and information (§2.1.6).

func (t *Trunk) rxSUS(c *circ, m *isup.Message) {
	if c.phase != PhaseOutAnswered && c.phase != PhaseInAnswered {
		t.unexpected(c, m.Type)
		return
	}
	if d, ok := m.Param(isup.ParamSuspendResumeIndicators); ok && len(d) > 0 && d[0]&1 != 0 {
		t.start(c, T6) // network initiated
	} else {
		t.start(c, T2) // user initiated (Q.733.4)
	}
	c.flags |= fSuspended
	if c.flags&fUserGone == 0 {
		t.ind(c, IndSuspend, m)
	}
}

func (t *Trunk) rxRES(c *circ, m *isup.Message) {
	if c.phase != PhaseOutAnswered && c.phase != PhaseInAnswered {
		t.unexpected(c, m.Type)
		return
	}
	t.stop(c, T2)
	t.stop(c, T6)
	c.flags &^= fSuspended
	if c.flags&fUserGone == 0 {
		t.ind(c, IndResume, m)
	}
}

func (t *Trunk) reqSusRes(c *circ, r *Request) {
	if c.phase != PhaseOutAnswered && c.phase != PhaseInAnswered {
		t.reject(c.cic, r.Kind.String()+" only on an answered call")
		return
	}
	typ := r.Kind.msgType()
	network := r.Network
	if r.Msg != nil {
		t.send(c.cic, typ, r.Msg)
		if d, ok := r.Msg.Param(isup.ParamSuspendResumeIndicators); ok && len(d) > 0 {
			network = d[0]&1 != 0
		}
	} else {
		ind := t.data(1)
		if network {
			ind[0] = 1
		}
		t.emit(Action{Kind: ActSend, CIC: c.cic, Type: typ, Data: ind})
	}
	if typ == isup.SUS && network && t.opt.UseT38 {
		t.start(c, T38) // Q.764 §2.4.3
	}
	if typ == isup.RES {
		t.stop(c, T38)
	}
}

func (t *Trunk) reqINR(c *circ, r *Request) {
	if !c.phase.call() || r.Msg == nil {
		t.reject(c.cic, "INR needs a call and the message")
		return
	}
	t.send(c.cic, isup.INR, r.Msg)
	c.flags |= fINR
	t.start(c, T33)
}

func (t *Trunk) reqINF(c *circ, r *Request) {
	if !c.phase.call() || r.Msg == nil {
		t.reject(c.cic, "INF needs a call and the message")
		return
	}
	t.send(c.cic, isup.INF, r.Msg)
}

func (t *Trunk) rxINR(c *circ, m *isup.Message) {
	if !c.phase.call() {
		t.unexpected(c, m.Type)
		return
	}
	if c.flags&fUserGone == 0 {
		t.ind(c, IndInfoReq, m)
	}
}

func (t *Trunk) rxINF(c *circ, m *isup.Message) {
	if c.flags&fINR == 0 {
		if !c.phase.call() {
			t.unexpected(c, m.Type)
		}
		return // unsolicited INF on a call: discarded
	}
	t.stop(c, T33)
	c.flags &^= fINR
	if c.flags&fUserGone == 0 {
		t.ind(c, IndInfo, m)
	}
}

// reqMessage forwards another call message of the user.
func (t *Trunk) reqMessage(c *circ, r *Request) {
	if r.Msg == nil || !c.phase.call() {
		t.reject(c.cic, "message needs a call and the message")
		return
	}
	switch r.Msg.Type {
	case isup.IAM, isup.SAM, isup.ACM, isup.CON, isup.ANM, isup.REL, isup.RLC, isup.COT, isup.CCR,
		isup.RSC, isup.BLO, isup.BLA, isup.UBL, isup.UBA, isup.GRS, isup.GRA, isup.CGB, isup.CGBA,
		isup.CGU, isup.CGUA, isup.CQM, isup.CQR, isup.UCIC, isup.SUS, isup.RES, isup.INR:
		t.reject(c.cic, r.Msg.Type.String()+" has its own request")
		return
	}
	t.send(c.cic, r.Msg.Type, r.Msg)
}

// ---------------------------------------------------------------------------
// Continuity check (Q.764 §2.1.8).

func (t *Trunk) reqContinuity(c *circ, r *Request) {
	switch {
	case c.phase.outCall() && c.flags&fCOT != 0:
		// Normally before ACM: the far end waits for COT; a far end that
		// answers early does not change the check.
		if c.flags&fCOTPrev != 0 {
			c.flags &^= fCOT | fCOTPrev
			t.sendCOT(c, r.OK)
			return
		}
		if !r.OK {
			t.continuityFailed(c, "continuity check failed")
			return
		}
		t.stop(c, T24)
		t.bearerOff(c)
		c.flags &^= fCOT
		t.sendCOT(c, true)
	case c.phase == PhaseOutRetest && c.flags&fTesting != 0:
		if !r.OK {
			t.continuityFailed(c, "continuity re-test failed")
			return
		}
		// The re-test passed: the circuit returns to idle through REL.
		t.stop(c, T24)
		t.bearerOff(c)
		c.flags &^= fTesting
		t.clear(c, AlarmContinuity, "continuity re-test passed")
		t.releaseCall(c, nil, isup.CauseNormalUnspecified, isup.LocPublicLocal, nil, "continuity re-test passed")
		c.flags |= fUserGone
	default:
		t.reject(c.cic, "no continuity check awaits a result")
	}
}

// continuityFailed sends COT (failure) and schedules the re-test: after
// T25 for the check of a call (whose repeat attempt goes elsewhere), after
// T26, with maintenance alerted, for a failed re-test.
func (t *Trunk) continuityFailed(c *circ, text string) {
	t.stop(c, T24)
	t.bearerOff(c)
	t.sendCOT(c, false)
	if c.phase.outCall() {
		t.userReattempt(c, WhyContinuity, text)
		t.stopAll(c, callTimers)
		c.flags = c.flags&^callFlags | fUserGone
		c.phase = PhaseOutRetest
		t.start(c, T25)
	} else {
		c.flags &^= fTesting
		t.raise(c, AlarmContinuity, text)
		t.start(c, T26)
	}
	t.commit(c, text)
}

// retest sends CCR and checks again (T25 or T26 expired).
func (t *Trunk) retest(c *circ) {
	if c.phase != PhaseOutRetest {
		return
	}
	t.send(c.cic, isup.CCR, nil)
	c.flags |= fTesting
	t.toneOn(c)
	t.start(c, T24)
}

func (t *Trunk) rxCOT(c *circ, m *isup.Message) {
	ok := false
	if d, present := m.Param(isup.ParamContinuityIndicators); present && len(d) > 0 {
		ok = d[0]&1 != 0
	}
	switch {
	case c.phase == PhaseInContinuity && c.flags&fCOT != 0:
		t.bearerOff(c)
		prev := c.flags&fCOTPrev != 0
		c.flags &^= fCOT | fCOTPrev
		switch {
		case ok:
			t.stop(c, T8)
			c.phase = PhaseInSetup
			if c.flags&fUserGone == 0 {
				t.emit(Action{Kind: ActIndicate, CIC: c.cic, Ind: IndContinuity, On: true, Msg: m})
			}
			t.addressTimers(c, c.flags&fOverlap == 0)
		case prev:
			// The preceding exchange re-tests its circuit and releases this
			// one; T8 keeps running in case its REL never comes.
			t.userRelease(c, isup.CauseTemporaryFailure, "continuity check failed on a previous circuit")
		default:
			t.stop(c, T8)
			t.userRelease(c, isup.CauseTemporaryFailure, "continuity check failed")
			c.phase = PhaseInRetest
			t.start(c, T27)
			t.commit(c, "COT failure received")
		}
	case c.phase == PhaseInRetest && c.flags&fTesting != 0:
		t.stop(c, T36)
		t.bearerOff(c)
		c.flags &^= fTesting
		if ok {
			c.phase = PhaseIdle
			c.flags &^= callFlags
			t.commit(c, "continuity re-test passed")
		} else {
			t.start(c, T27)
		}
	default:
		t.unexpected(c, m.Type)
	}
}

func (t *Trunk) rxCCR(c *circ, m *isup.Message) {
	switch {
	case c.phase == PhaseIdle && c.flags&(fReset|fGRS|fQuarantined) == 0:
		c.phase, c.out = PhaseInRetest, false
		c.flags &^= callFlags
		c.flags |= fUserGone // a test: nothing for the call user
	case c.phase == PhaseInRetest && c.flags&fTesting == 0:
		t.stop(c, T27)
	default:
		t.unexpected(c, m.Type)
		return
	}
	c.flags |= fTesting
	t.loopOn(c)
	t.start(c, T36)
	t.commit(c, "CCR received")
}
