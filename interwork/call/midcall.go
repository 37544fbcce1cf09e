package call

import (
	"github.com/sipgw/sipgw/interwork/mapping"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/q764"
)

// Mid-call ISUP (both directions): the messages of end-to-end significance
// that no SIP request or response of the call carries ride in INFO on
// SIP-I/SIP-T trunks (mapping.MidCall, RFC 3372, Q.1912.5 profile C).
// The q764 Trunk has already run their procedures on the gateway's own
// circuit (SUS network started T6, RES stopped it, INR started T33 at the
// exchange that sent it); the call only carries them across.

// maxInfoQueued bounds the INFOs waiting for a dialog or for the previous
// INFO's final response; later ones are dropped (a peer that stops
// answering INFO cannot grow the call without bound).
const maxInfoQueued = 16

// tunnel sends mid-call message m of the ISUP side to SIP in an INFO (SIP-I
// and SIP-T trunks with mid_call info; plain trunks end it here). INFOs go
// one at a time, in order: a RES must never overtake its SUS, and over UDP
// a later INFO can arrive first (its receiver then refuses the earlier one
// with 500, RFC 3261 §12.2.2). They wait for a dialog to carry them: an early dialog
// (an 18x with a tag) or the confirmed one; the UAS side also waits for the
// ACK of its 2xx, so that the INFO never reaches the caller before the 2xx
// that creates its dialog there.
func (c *Call) tunnel(m *isup.Message) {
	if m == nil || !c.cfg.Map.Profile.Tunnels(m.Type) || c.sipEnding() || len(c.infoQ) >= maxInfoQueued {
		return
	}
	info := Msg{Method: INFO}
	c.body(&info, false, m)
	if len(info.Body) == 0 {
		return
	}
	c.infoQ = append(c.infoQ, info)
}

// sipEnding reports whether the SIP leg is ending or over: no INFO goes.
func (c *Call) sipEnding() bool {
	return c.st.SIP == SIPCancelling || c.st.SIP == SIPTerminating || c.st.SIP == SIPDone || c.byeAfterAck
}

// infoDialog returns the dialog an INFO may go on now: the leg's own as
// UAS (early once an 18x went, confirmed once the ACK came), the chosen
// early dialog or the answered one as UAC.
func (c *Call) infoDialog() (string, bool) {
	if c.dir == SIPToISUP {
		return "", c.st.SIP == SIPEarly || c.st.SIP == SIPConfirmed
	}
	switch c.st.SIP {
	case SIPConfirmed:
		return c.winner, c.hasWinner
	case SIPEarly:
		return c.chosen, c.hasChosen
	}
	return "", false
}

// flushInfo sends the next queued INFO when none is outstanding and a
// dialog carries it; a leg that ends drops what is left.
func (c *Call) flushInfo() {
	if c.sipEnding() {
		c.infoQ = c.infoQ[:0]
		return
	}
	if c.infoBusy || len(c.infoQ) == 0 {
		return
	}
	tag, ok := c.infoDialog()
	if !ok {
		return
	}
	m := c.infoQ[0]
	c.infoQ = append(c.infoQ[:0], c.infoQ[1:]...)
	m.Tag = tag
	c.infoBusy = true
	c.sendSIP(m)
}

// infoResponse takes the final response to the call's INFO: the next one
// may go. A 481 says the peer has no such dialog any more (RFC 5057:
// the usage is terminated): the call ends with the cause the profile maps
// 481 to. Other failures (a peer that does not take INFO, 408 …) leave
// the call as it is: the message was optional.
func (c *Call) infoResponse(m *Msg) {
	if m.Status < 200 || !c.infoBusy {
		return
	}
	c.infoBusy = false
	if m.Status == 481 && c.st.SIP == SIPConfirmed {
		cause, _, _ := c.cfg.Map.Causes.CauseFor(481, 0)
		c.gatewayRelease(cause)
	}
}

// info answers an INFO of the call (mapping.CheckInfo): a malformed body
// 400, a required ISUP part the trunk cannot take 415 with Accept, anything
// else 200 — and a mid-call ISUP message goes on the call's circuit. Never
// does an INFO end the call.
func (c *Call) info(m *Msg) {
	d := c.cfg.Map.CheckInfo(m.ContentType, m.Disposition, m.Body)
	if d.Action == mapping.InfoReject {
		c.respond(m, d.Status, Msg{Accept: d.Accept})
		return
	}
	c.respond(m, 200, Msg{})
	if d.Action == mapping.InfoForward {
		c.forward(own(d.Message))
	}
}

// forward sends mid-call message m from SIP on the call's circuit, as the
// q764 request of its type, when the ISUP leg is where Q.764 allows it:
// SUS and RES on an answered call (§2.4), CPG after ACM, SAM while the IAM
// awaits ACM (§2.1.2), the others on any call in progress. Otherwise it is
// dropped, as Q.764 §2.9.5.1 discards a message that is not expected after
// the first backward message.
func (c *Call) forward(m *isup.Message) {
	if m == nil || !c.hasCIC {
		return
	}
	st := c.st.ISUP
	if st != ISUPSetup && st != ISUPProceeding && st != ISUPAnswered {
		return
	}
	r := q764.Request{Kind: q764.ReqMessage, CIC: c.cic, Msg: m}
	switch m.Type {
	case isup.SUS, isup.RES:
		if st != ISUPAnswered {
			return
		}
		r.Kind = q764.ReqSuspend
		if m.Type == isup.RES {
			r.Kind = q764.ReqResume
		}
	case isup.CPG:
		if st == ISUPSetup {
			return
		}
		r.Kind = q764.ReqCPG
	case isup.SAM:
		var sn isup.SubsequentNumber
		if c.dir != SIPToISUP || st != ISUPSetup {
			return
		}
		if ok, err := m.Get(&sn); !ok || err != nil {
			return
		}
		c.digits += sn.Digits.String()
		c.rec.Called = c.digits
		r.Kind = q764.ReqSAM
	case isup.INR:
		r.Kind = q764.ReqINR
	case isup.INF:
		r.Kind = q764.ReqINF
	}
	m.CIC = c.cic
	// A refusal of this request must not be read as the one of an ACM or
	// CON raced by T11 (uacRejected).
	c.retry = r.Kind
	c.isupReq(r)
}

// isupMidCall carries the Trunk's indication of a mid-call message to SIP.
func (c *Call) isupMidCall(a *q764.Action) {
	switch c.st.ISUP {
	case ISUPContinuity, ISUPSetup, ISUPProceeding, ISUPAnswered:
		c.tunnel(a.Msg)
	}
}
