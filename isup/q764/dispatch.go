package q764

import (
	"github.com/sipgw/sipgw/isup"
)

// receive dispatches a message from the network.
func (t *Trunk) receive(m *isup.Message) {
	switch m.Type {
	case isup.GRS, isup.GRA, isup.CGB, isup.CGBA, isup.CGU, isup.CGUA, isup.CQM, isup.CQR:
		t.receiveGroup(m)
		return
	}
	c := t.circ(m.CIC)
	if c == nil {
		// Q.764 §2.12: a message for a circuit this exchange does not have.
		if m.Type != isup.UCIC && !t.opt.NoUCIC {
			t.send(m.CIC, isup.UCIC, nil)
		}
		return
	}
	if c.flags&fUnequipped != 0 && m.Type != isup.UCIC {
		// The far end signals on the circuit again: it has it now.
		c.flags &^= fUnequipped
		t.clear(c, AlarmUnequipped, m.Type.String()+" received")
		t.commit(c, "far end uses the circuit again")
	}
	if !t.recognizedType(m.Type) {
		t.unrecognizedMessage(c, m)
		return
	}
	if !t.checkParams(c, m) {
		return
	}
	switch m.Type {
	case isup.IAM:
		t.rxIAM(c, m)
	case isup.SAM:
		t.rxSAM(c, m)
	case isup.ACM:
		t.rxACM(c, m)
	case isup.CON:
		t.rxCON(c, m)
	case isup.ANM:
		t.rxANM(c, m)
	case isup.CPG:
		t.rxCPG(c, m)
	case isup.REL:
		t.rxREL(c, m)
	case isup.RLC:
		t.rxRLC(c, m)
	case isup.SUS:
		t.rxSUS(c, m)
	case isup.RES:
		t.rxRES(c, m)
	case isup.INR:
		t.rxINR(c, m)
	case isup.INF:
		t.rxINF(c, m)
	case isup.COT:
		t.rxCOT(c, m)
	case isup.CCR:
		t.rxCCR(c, m)
	case isup.LPA:
		// National loop-back acknowledgement of a CCR: nothing to do.
	case isup.RSC:
		t.rxRSC(c)
	case isup.BLO:
		t.rxBLO(c)
	case isup.BLA:
		t.rxBLA(c)
	case isup.UBL:
		t.rxUBL(c)
	case isup.UBA:
		t.rxUBA(c)
	case isup.UCIC:
		t.rxUCIC(c)
	case isup.CFN:
		if c.phase.call() && c.flags&fUserGone == 0 {
			t.ind(c, IndConfusion, m)
		}
	case isup.UPT:
		// Q.764 §2.13: the user part is available.
		t.send(c.cic, isup.UPA, nil)
	case isup.UPA:
	default:
		// Other call messages (FOT, USR, FAC, APM, NRM, IDR, IRS, SGM,
		// PRI, LPR, CRG, PAM, …) belong to the call user.
		if c.phase.call() {
			if c.flags&fUserGone == 0 {
				t.ind(c, IndMessage, m)
			}
			return
		}
		t.unexpected(c, m.Type)
	}
}

// expire handles circuit timer tm of c, already marked stopped.
func (t *Trunk) expire(c *circ, tm Timer) {
	switch tm {
	case T1:
		// Q.764 §2.9.6: retransmit REL.
		t.emit(Action{Kind: ActSend, CIC: c.cic, Type: isup.REL, Cause: c.relCause, Location: c.relLoc})
		t.start(c, T1)
	case T5:
		t.t5(c)
	case T2, T6, T38:
		t.netRelease(c, isup.CauseRecoveryOnTimerExpiry, tm.String()+" expired: no RES to SUS")
	case T7:
		t.netRelease(c, isup.CauseRecoveryOnTimerExpiry, "T7 expired: no ACM or CON to IAM")
	case T8:
		t.netRelease(c, isup.CauseTemporaryFailure, "T8 expired: no COT to IAM")
	case T9:
		t.netRelease(c, isup.CauseNoAnswer, "T9 expired: no ANM after ACM")
	case T10:
		t.earlyACM(c, "T10 expired: address complete")
	case T11:
		t.earlyACM(c, "T11 expired: early ACM in interworking")
	case T35:
		t.netRelease(c, isup.CauseInvalidNumberFormat, "T35 expired: address incomplete")
	case T33:
		c.flags &^= fINR
		t.raise(c, AlarmInfo, "T33 expired: no INF to INR")
		t.netRelease(c, isup.CauseRecoveryOnTimerExpiry, "T33 expired: no INF to INR")
	case T24:
		t.continuityFailed(c, "T24 expired: no backward check tone")
	case T25, T26:
		t.retest(c)
	case T27:
		t.resetCircuit(c, WhyReset, "T27 expired: no CCR after continuity failure")
	case T36:
		t.resetCircuit(c, WhyReset, "T36 expired: no COT or REL after CCR")
	case T12, T13:
		t.blockExpired(c, tm)
	case T14, T15:
		t.unblockExpired(c, tm)
	case T16, T17:
		t.resetExpired(c, tm)
	}
}

// request dispatches a request from the call user or the operator.
func (t *Trunk) request(r *Request) {
	switch r.Kind {
	case ReqStartup:
		t.startup()
		return
	case ReqSetup:
		t.reqSetup(r)
		return
	}
	c := t.circ(r.CIC)
	if c == nil {
		t.reject(r.CIC, "CIC not in the trunk")
		return
	}
	if typ := r.Kind.msgType(); typ != 0 && r.Msg != nil && r.Msg.Type != typ {
		t.reject(c.cic, r.Kind.String()+" request carries "+r.Msg.Type.String())
		return
	}
	switch r.Kind {
	case ReqSAM:
		t.reqSAM(c, r)
	case ReqACM:
		t.reqACM(c, r)
	case ReqCPG:
		t.reqCPG(c, r)
	case ReqANM:
		t.reqANM(c, r)
	case ReqCON:
		t.reqCON(c, r)
	case ReqRelease:
		t.reqRelease(c, r)
	case ReqSuspend, ReqResume:
		t.reqSusRes(c, r)
	case ReqINR:
		t.reqINR(c, r)
	case ReqINF:
		t.reqINF(c, r)
	case ReqMessage:
		t.reqMessage(c, r)
	case ReqContinuity:
		t.reqContinuity(c, r)
	case ReqBlock:
		t.reqBlock(c, r)
	case ReqUnblock:
		t.reqUnblock(c, r)
	case ReqReset:
		t.reqReset(c, r)
	case ReqQuery:
		t.reqQuery(c, r)
	case ReqClearQuarantine:
		t.reqClearQuarantine(c)
	default:
		t.reject(c.cic, "unknown request "+r.Kind.String())
	}
}

// unexpected applies Q.764 §2.9.5.1 c) to a message that is not expected
// in c's state (REL and RLC have their own rules in their handlers).
func (t *Trunk) unexpected(c *circ, typ isup.MessageType) {
	if t.opt.Unexpected == UnexpectedDiscard {
		return
	}
	switch c.phase {
	case PhaseIdle:
		if c.flags&(fReset|fGRS|fQuarantined) != 0 {
			return // a reset is already under way
		}
		t.resetCircuit(c, WhyUnexpected, "unexpected "+typ.String()+" on an idle circuit")
	case PhaseOutSetup, PhaseInContinuity, PhaseInSetup:
		// Before the first backward message: reset; the outgoing call is
		// re-attempted, the incoming one released.
		t.resetCircuit(c, WhyUnexpected, "unexpected "+typ.String()+" before the first backward message")
	default:
		// After the first backward message, while releasing or testing:
		// discard.
	}
}
