package call

import (
	"time"

	"github.com/sipgw/sipgw/interwork/call/prack"
	"github.com/sipgw/sipgw/interwork/mapping"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/q764"
	"github.com/sipgw/sipgw/tdm/g711"
)

// Params are the per-call inputs the daemon chooses.
type Params struct {
	// SDP is the gateway's session description for this call: the answer
	// to the INVITE's offer (SIP → ISUP) or the offer of the INVITE the
	// call sends (ISUP → SIP). nil: the call's messages carry none. A
	// fixed description, for circuits without a bearer; Media replaces it.
	SDP []byte
	// Media, when set, is the call's RTP side on a circuit with a bearer:
	// the call negotiates media (tdm/sdp) and asks for the bridge
	// (ActMedia); SDP is then unused.
	Media *Media
	// CSeq is the CSeq number of the first INVITE the call sends
	// (default 1); RSeq the first RSeq of its reliable provisional
	// responses (default 1; RFC 3262 §3 wants it random).
	CSeq, RSeq uint32
	// Boundary is the multipart boundary of SIP-I/SIP-T bodies (default
	// "sipgw-isup-part"); fixed so that the machine stays deterministic.
	Boundary string
}

// maxQueued bounds the provisional responses waiting for the PRACK of the
// outstanding reliable one; later ones are dropped (they only repeat
// progress the UAC already has).
const maxQueued = 4

// uacInvite is one INVITE the call sent (several under RFC 3578).
type uacInvite struct {
	cseq        uint32
	provisional bool // a 1xx arrived: CANCEL may go (RFC 3261 §9.1)
	final       bool
	cancel      bool // to be cancelled
	cancelSent  bool
	superseded  bool // a later INVITE carries more digits: its failure is absorbed
}

// fork is one early dialog of the INVITE the call sent.
type fork struct {
	tag string
	rx  prack.Receiver
}

// Call is the interworking state machine of one call. It is not safe for
// concurrent use: the daemon feeds it the events of its call in order,
// from the loop that also runs the call's q764 Trunk (a request of the
// call must never overtake an indication the Trunk already emitted for
// it).
type Call struct {
	t   *Trunk
	cfg *Config
	dir Direction
	p   Params
	st  State

	finished bool
	forced   bool
	now      time.Time
	out      []Action
	timers   uint8 // bit per running Timer

	// ISUP leg.
	cic        uint16
	hasCIC     bool
	attempts   int
	iam        *isup.Message // SIP → ISUP: the IAM (kept for repeat attempts); ISUP → SIP: a copy of the one received
	digits     string        // called number digits: signalled (SIP → ISUP) or collected (ISUP → SIP), "F" = ST
	pendingSAM string        // SIP → ISUP: digits that arrived while seizing
	relPending bool          // release wanted while seizing
	rel        q764.Request  // … this release
	acmSent    bool          // ISUP → SIP: ACM sent (by the call or the Trunk's T11/T10)
	retry      q764.RequestKind
	retryResp  Msg           // the response whose ACM/CON the Trunk may refuse (raced by T11)
	retryEnc   *isup.Message // … and the backward message it encapsulated

	// Mid-call INFOs (midcall.go): waiting for a dialog or for the final
	// response of the one outstanding.
	infoQ    []Msg
	infoBusy bool

	// SIP leg, UAS (SIP → ISUP).
	invCSeq     uint32
	invPending  bool
	rel100      bool
	snd         prack.Sender
	unacked     Msg   // the reliable 1xx awaiting PRACK (retransmitted as is)
	queue       []Msg // 1xx waiting for that PRACK
	held        Msg   // 2xx waiting for that PRACK (its 1xx carried SDP)
	hasHeld     bool
	last18x     Msg
	has18x      bool
	byeAfterAck bool
	byeMsg      Msg // the BYE to send once the ACK comes

	// SIP leg, UAC (ISUP → SIP).
	nextCSeq  uint32
	invs      []uacInvite
	forks     []fork
	chosen    string
	hasChosen bool
	winner    string
	hasWinner bool
	cancelMsg Msg      // Reason and body of the CANCELs and of a BYE after a crossing 2xx
	endedTags []string // dialogs of other forks the call ended with BYE

	// Media (media.go).
	med media

	rec Record
}

// New returns a call of trunk t in direction dir, started at now.
func New(t *Trunk, dir Direction, p Params, now time.Time) *Call {
	if p.CSeq == 0 {
		p.CSeq = 1
	}
	if p.RSeq == 0 {
		p.RSeq = 1
	}
	if p.Boundary == "" {
		p.Boundary = "sipgw-isup-part"
	}
	c := &Call{t: t, cfg: &t.cfg, dir: dir, p: p, nextCSeq: p.CSeq}
	if p.Media != nil {
		c.med.on, c.med.law = true, p.Media.Law
	}
	c.rec.Direction = dir
	c.rec.Start = now
	return c
}

// State returns the state of both legs.
func (c *Call) State() State { return c.st }

// Finished reports whether the call is over (ActFinished was emitted).
func (c *Call) Finished() bool { return c.finished }

// Direction returns the call's direction.
func (c *Call) Direction() Direction { return c.dir }

// CIC returns the call's circuit, once known.
func (c *Call) CIC() (uint16, bool) { return c.cic, c.hasCIC }

// Running reports whether call timer t runs.
func (c *Call) Running(t Timer) bool { return c.timers&(1<<t) != 0 }

// Record returns the call's record so far.
func (c *Call) Record() Record { return c.rec }

// Handle feeds one event at now and appends the call's actions to out.
func (c *Call) Handle(now time.Time, ev Event, out []Action) []Action {
	c.now, c.out = now, out
	if c.finished {
		c.afterFinish(ev)
		return c.end()
	}
	switch ev.Kind {
	case EvTimer:
		if ev.Timer > 0 && ev.Timer < numTimers && c.Running(ev.Timer) {
			c.timers &^= 1 << ev.Timer
			c.expire(ev.Timer)
		}
	case EvSIP:
		if ev.SIP == nil {
			break
		}
		switch {
		case ev.SIP.IsRequest() && c.dir == SIPToISUP:
			c.uasRequest(ev.SIP)
		case ev.SIP.IsRequest():
			c.uacRequest(ev.SIP)
		case c.dir == SIPToISUP:
			c.uasResponse(ev.SIP)
		default:
			c.uacResponse(ev.SIP)
		}
	case EvISUP:
		if ev.ISUP == nil || ev.ISUP.Kind != q764.ActIndicate {
			break
		}
		if c.dir == SIPToISUP {
			c.uasISUP(ev.ISUP)
		} else {
			c.uacISUP(ev.ISUP)
		}
	case EvSeized:
		c.seized(ev.CIC, ev.Law)
	case EvRelease:
		cause := ev.Cause
		if cause == 0 {
			cause = isup.CauseNormalClearing
		}
		c.gatewayRelease(cause)
	}
	c.settle()
	return c.end()
}

func (c *Call) end() []Action {
	out := c.out
	c.out = nil
	return out
}

// afterFinish answers what still arrives for a finished call: a request
// gets 481 (RFC 3261 §12.2.2: no such dialog or transaction), anything
// else is dropped.
func (c *Call) afterFinish(ev Event) {
	if ev.Kind == EvSIP && ev.SIP != nil && ev.SIP.IsRequest() && ev.SIP.Method != ACK && !ev.SIP.Terminated {
		c.respond(ev.SIP, 481, Msg{})
	}
}

// ---------------------------------------------------------------------------
// Emitters.

func (c *Call) emit(a Action) { c.out = append(c.out, a) }

func (c *Call) sendSIP(m Msg) { c.emit(Action{Kind: ActSIP, SIP: m}) }

// respond answers request req with status; m carries extra fields.
func (c *Call) respond(req *Msg, status int, m Msg) {
	m.Method, m.CSeq, m.Status = req.Method, req.CSeq, status
	c.sendSIP(m)
}

func (c *Call) isupReq(r q764.Request) { c.emit(Action{Kind: ActISUP, ISUP: r}) }

func (c *Call) start(t Timer, d time.Duration) {
	c.timers |= 1 << t
	c.emit(Action{Kind: ActStartTimer, Timer: t, Dur: d})
}

func (c *Call) stop(t Timer) {
	if c.Running(t) {
		c.timers &^= 1 << t
		c.emit(Action{Kind: ActStopTimer, Timer: t})
	}
}

// ---------------------------------------------------------------------------
// Common procedures.

// causeInd builds cause indicators with the ITU-T coding standard.
func causeInd(c isup.Cause, loc isup.Location) isup.CauseIndicators {
	return isup.CauseIndicators{CodingStandard: isup.CauseCodingITU, Location: loc, Value: c}
}

// note records the first release cause and who released.
func (c *Call) note(cause isup.Cause, by Party) {
	if c.rec.ReleasedBy == PartyNone {
		c.rec.ReleasedBy, c.rec.Cause = by, cause
	}
}

// releaseISUP ends the ISUP leg: REL with ci, or the encapsulated REL enc
// (SIP-I/SIP-T: the far side's own REL, kept whole).
func (c *Call) releaseISUP(ci isup.CauseIndicators, enc *isup.Message) {
	r := q764.Request{Kind: q764.ReqRelease, CIC: c.cic, Cause: ci.Value, Location: ci.Location}
	if enc != nil {
		r.Msg = enc
	}
	switch c.st.ISUP {
	case ISUPContinuity, ISUPSetup, ISUPProceeding, ISUPAnswered:
		c.isupReq(r)
		c.st.ISUP = ISUPReleasing
	case ISUPSeizing:
		// The circuit is not known yet: release it once seized.
		c.relPending, c.rel = true, r
	case ISUPIdle:
		c.st.ISUP = ISUPDone
	}
}

// reasonOf is the Reason header for an ISUP cause (RFC 3326, RFC 3398
// §7.2.4.1).
func (c *Call) reasonOf(ci *isup.CauseIndicators) string {
	return mapping.Q850Reason(ci, c.cfg.Map.Config.Backward.ReasonLocation).String()
}

// gatewayRelease ends the call on the gateway's decision (timer, operator,
// error) with cause: REL toward ISUP, the mapped status, CANCEL or BYE
// toward SIP.
func (c *Call) gatewayRelease(cause isup.Cause) {
	ci := causeInd(cause, isup.LocPublicLocal)
	c.note(cause, PartyGateway)
	c.releaseISUP(ci, nil)
	if c.dir == SIPToISUP {
		c.uasReleaseSIP(&ci, nil)
	} else {
		c.uacReleaseSIP(&ci, nil)
	}
}

// expire handles a call timer.
func (c *Call) expire(t Timer) {
	switch t {
	case TimerRel1xx:
		c.rel1xxExpired()
	case TimerCollect:
		c.collectExpired()
	case TimerNoAnswer:
		// The ring time limit: cause 19, no answer from user (user
		// alerted), which maps to 480 (RFC 3398 §7.2.4.1).
		c.gatewayRelease(isup.CauseNoAnswer)
	case TimerAck:
		// RFC 3261 §13.3.1.4: no ACK for 64·T1: the dialog counts as
		// confirmed and the session ends with a BYE.
		if c.st.SIP == SIPAnswered {
			c.st.SIP = SIPConfirmed
			if c.byeAfterAck {
				c.byeAfterAck = false
				c.sendBye(c.byeMsg)
				return
			}
			c.gatewayRelease(isup.CauseRecoveryOnTimerExpiry)
		}
	case TimerGuard:
		c.forceEnd()
	}
}

// forceEnd finishes a release the other side never completed: the SIP
// transactions left are abandoned (the dialog layer's timers end them) and
// a REL still awaiting RLC stays with the Trunk (T1 repeats it, T5 resets
// the circuit).
func (c *Call) forceEnd() {
	if c.st.ISUP != ISUPDone && c.st.ISUP != ISUPReleasing {
		c.note(isup.CauseRecoveryOnTimerExpiry, PartyGateway)
		c.releaseISUP(causeInd(isup.CauseRecoveryOnTimerExpiry, isup.LocPublicLocal), nil)
	}
	if c.invPending {
		ci := causeInd(isup.CauseRecoveryOnTimerExpiry, isup.LocPublicLocal)
		c.uasFinal(Msg{Status: 500, Reason: c.reasonOf(&ci)})
	}
	c.st.SIP, c.st.ISUP = SIPDone, ISUPDone
	c.relPending = false
	c.forced = true
}

// settle finishes the call when both legs are done, and starts the
// release guard when one leg is ending.
func (c *Call) settle() {
	if c.finished {
		return
	}
	c.mediaSettle()
	if c.st.SIP == SIPDone && c.st.ISUP == ISUPDone {
		for t := Timer(1); t < numTimers; t++ {
			c.stop(t)
		}
		c.rec.End = c.now
		c.rec.Forced = c.forced
		if c.hasCIC {
			c.rec.CIC, c.rec.HasCIC = c.cic, true
		}
		rec := c.rec
		c.emit(Action{Kind: ActCDR, CDR: &rec})
		c.emit(Action{Kind: ActFinished})
		c.finished = true
		return
	}
	c.flushInfo()
	ending := c.st.SIP == SIPDone || c.st.SIP == SIPCancelling || c.st.SIP == SIPTerminating ||
		c.st.ISUP == ISUPDone || c.st.ISUP == ISUPReleasing || c.relPending || c.byeAfterAck
	if ending && !c.Running(TimerGuard) {
		c.stop(TimerNoAnswer)
		c.stop(TimerCollect)
		c.start(TimerGuard, c.cfg.Guard)
	}
}

// seized binds the circuit the Trunk chose for the IAM (law: its
// bearer's, for a call with Media).
func (c *Call) seized(cic uint16, law g711.Law) {
	if c.st.ISUP != ISUPSeizing {
		return
	}
	c.cic, c.hasCIC = cic, true
	c.st.ISUP = ISUPSetup
	if !c.relPending && !c.mediaSeized(law) {
		return
	}
	if c.relPending {
		c.relPending = false
		c.rel.CIC = cic
		c.isupReq(c.rel)
		c.st.ISUP = ISUPReleasing
		return
	}
	if c.pendingSAM != "" {
		c.sendSAM(c.pendingSAM)
		c.pendingSAM = ""
	}
}

// causeOfInd reads the cause of an IndRelease: the REL's, or the one the
// Trunk released with.
func causeOfInd(a *q764.Action) (isup.CauseIndicators, *isup.Message) {
	if a.Msg != nil && a.Msg.Type == isup.REL {
		var ci isup.CauseIndicators
		if ok, err := a.Msg.Get(&ci); ok && err == nil {
			return ci, a.Msg
		}
		return causeInd(isup.CauseNormalUnspecified, isup.LocUser), a.Msg
	}
	return causeInd(a.Cause, a.Location), nil
}

// own copies m into memory the call owns (received messages alias the
// daemon's buffers).
func own(m *isup.Message) *isup.Message {
	if m == nil {
		return nil
	}
	b, err := m.AppendBody(make([]byte, 0, m.MarshalLen()))
	if err != nil {
		return nil
	}
	var d isup.Message
	if err := d.DecodeBody(b, m.Variant); err != nil {
		return nil
	}
	d.CIC = m.CIC
	return &d
}

// numberDigits returns the digits of number parameter code in m.
func numberDigits(m *isup.Message, v isup.Value) string {
	if m == nil {
		return ""
	}
	if ok, err := m.Get(v); !ok || err != nil {
		return ""
	}
	switch n := v.(type) {
	case *isup.CalledPartyNumber:
		return n.Digits.String()
	case *isup.CallingPartyNumber:
		return n.Digits.String()
	}
	return ""
}
