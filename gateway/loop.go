package gateway

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/sipgw/sipgw/gateway/config"
	"github.com/sipgw/sipgw/gateway/internal/tq"
	"github.com/sipgw/sipgw/interwork/call"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/circuit"
	"github.com/sipgw/sipgw/isup/q764"
	"github.com/sipgw/sipgw/isup/q764/driver"
	"github.com/sipgw/sipgw/ops"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// trunk is one ISUP trunk and its event loop: the loop owns the q764
// Trunk, the driver's timers, and every call on the trunk with its call
// timers and SIP dialog state. SIP events, ISUP messages, timer expiries
// and operator requests for them are posted to the loop and handled in
// order, one at a time (interwork/call's contract: a request of a call
// never overtakes an indication the Trunk already emitted).
type trunk struct {
	gw    *Gateway
	cfg   *config.ISUPTrunk
	name  string
	v     isup.Variant
	peer  mtp3.PointCode
	stack isupTransport
	log   *slog.Logger

	in   chan event
	drv  *driver.Driver
	tq   *tq.Queue[tkey]
	acts []call.Action

	calls map[uint64]*entry
	byCIC map[uint16]*entry
	// media is the gateway's spans and bearer engine when the trunk's
	// circuits have bearers (nil: calls carry the fixed SDP); cot the
	// continuity checks running on its circuits.
	media   *mediaRuntime
	cot     map[uint16]*cotCheck
	seizing *entry
	pending []pendingEv
	sendBuf []byte
	done    chan struct{}
}

// tkey names a call timer (call.Timer) or a dialog timer of entry id.
type tkey struct {
	id uint64
	t  uint8
}

// Dialog timers, beside call.Timer values.
const (
	t2xx uint8 = 200 + iota // retransmit the 2xx over UDP until the ACK (RFC 3261 §13.3.1.4)
)

// entry is one call on the trunk.
type entry struct {
	id  uint64
	c   *call.Call
	leg *leg
	cic uint16
	has bool
	med *callMedia // RTP socket and bridge (trunks with bearers)
}

type pendingEv struct {
	e  *entry
	ev call.Event
}

type eventKind uint8

const (
	evNewCall   eventKind = iota + 1 // an INVITE routed to this trunk (leg, msg)
	evSIP                            // a SIP request or response of a leg (msg, req/tx or res)
	evISUP                           // an ISUP message from the peer (data)
	evFunc                           // run fn on the loop
	evTxTimeout                      // a client transaction of a leg ended without a final response (408, 503)
)

// event is what the loop's channel carries.
type event struct {
	kind eventKind
	leg  *leg
	msg  *call.Msg
	req  *sip.Request
	tx   sip.ServerTransaction
	res  *sip.Response
	data []byte
	fn   func()
}

func newTrunk(gw *Gateway, c *config.ISUPTrunk, st isupTransport) (*trunk, error) {
	qc := c.R.Q764
	t := &trunk{gw: gw, cfg: c, name: c.Name, v: c.R.Variant, peer: c.R.Group.PeerPC(), stack: st,
		log: gw.log.With("isup_trunk", c.Name), in: make(chan event, 8192), tq: tq.New[tkey](),
		calls: map[uint64]*entry{}, byCIC: map[uint16]*entry{}, done: make(chan struct{}), cot: map[uint16]*cotCheck{}}
	if gw.media.hasBearers(c.Name) {
		t.media = gw.media
	}
	qt, err := q764.New(qc)
	if err != nil {
		return nil, err
	}
	t.drv = driver.New(qt, t.sink)
	return t, nil
}

// post hands an event to the loop. It blocks while the loop's queue is
// full (back-pressure on the SIP and M3UA readers) unless the loop ended.
func (t *trunk) post(e event) bool {
	select {
	case t.in <- e:
		return true
	case <-t.done:
		return false
	}
}

// do runs f on the loop and waits for it, or for ctx.
func (t *trunk) do(ctx context.Context, f func()) error {
	ch := make(chan struct{})
	ev := event{kind: evFunc, fn: func() { f(); close(ch) }}
	select {
	case t.in <- ev:
	case <-t.done:
		return errStopped
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-ch:
		return nil
	case <-t.done:
		return errStopped
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (t *trunk) run(ctx context.Context) {
	defer close(t.done)
	defer t.stopMedia()
	tm := time.NewTimer(time.Hour)
	defer tm.Stop()
	for {
		t.arm(tm)
		select {
		case <-ctx.Done():
			return
		case e := <-t.in:
			t.handle(e)
		case <-tm.C:
		}
		t.expire(time.Now())
		t.drain()
	}
}

func (t *trunk) arm(tm *time.Timer) {
	next, ok := t.tq.Next()
	if n2, ok2 := t.drv.Timers.Next(); ok2 && (!ok || n2.Before(next)) {
		next, ok = n2, true
	}
	d := time.Hour
	if ok {
		d = max(time.Until(next), 0)
	}
	if !tm.Stop() {
		select {
		case <-tm.C:
		default:
		}
	}
	tm.Reset(d)
}

func (t *trunk) expire(now time.Time) {
	for {
		n := t.drv.Run(now)
		t.drain()
		k, _, ok := t.tq.Pop(now)
		if !ok {
			if n == 0 {
				return
			}
			continue
		}
		if k.t == tCOT {
			t.cotPoll(now, uint16(k.id))
			continue
		}
		e := t.calls[k.id]
		if e == nil {
			continue
		}
		if k.t == t2xx {
			e.leg.retransmit2xx(t, e)
			continue
		}
		t.feed(e, call.Event{Kind: call.EvTimer, Timer: call.Timer(k.t)})
		t.drain()
	}
}

func (t *trunk) handle(e event) {
	switch e.kind {
	case evFunc:
		e.fn()
	case evISUP:
		m := new(isup.Message)
		if err := m.Decode(e.data, t.v); err != nil {
			t.log.Warn("undecodable ISUP message", "err", err, "octets", len(e.data))
			return
		}
		t.drv.Receive(time.Now(), m)
	case evNewCall:
		t.newSIPCall(e.leg, e.msg)
	case evSIP, evTxTimeout:
		l := e.leg
		if cur := l.trunk.Load(); cur != t {
			// The call moved to another trunk (fall-over) after this
			// event was posted: it follows the call.
			if cur != nil {
				cur.post(e)
			}
			return
		}
		en := t.calls[l.entry]
		if en == nil {
			l.unknown(e)
			return
		}
		l.receive(t, en, e)
	}
	t.drain()
}

// drain delivers what the last step queued for the calls (seizures,
// indications) in order.
func (t *trunk) drain() {
	for len(t.pending) > 0 {
		p := t.pending[0]
		t.pending = t.pending[1:]
		t.feed(p.e, p.ev)
	}
	t.pending = t.pending[:0]
}

// feed hands one event to a call and carries out its actions.
func (t *trunk) feed(e *entry, ev call.Event) {
	if t.calls[e.id] != e {
		return
	}
	now := time.Now()
	acts := e.c.Handle(now, ev, t.acts[:0])
	t.acts = acts[:0]
	if e.leg.dir == call.SIPToISUP && e.leg.falloverCheck(t, e, acts) {
		return
	}
	for i := range acts {
		t.do1(now, e, &acts[i])
	}
	if t.calls[e.id] == e {
		e.leg.setPhase(t, phaseOf(e))
	}
	// The call's circuit: a repeat attempt drops the old one.
	if cic, ok := e.c.CIC(); ok && (!e.has || cic != e.cic) {
		t.bind(e, cic)
	} else if !ok && e.has {
		t.unbind(e)
	}
}

func (t *trunk) bind(e *entry, cic uint16) {
	t.unbind(e)
	e.cic, e.has = cic, true
	t.byCIC[cic] = e
}

func (t *trunk) unbind(e *entry) {
	if e.has && t.byCIC[e.cic] == e {
		delete(t.byCIC, e.cic)
	}
	e.has = false
}

func (t *trunk) do1(now time.Time, e *entry, a *call.Action) {
	switch a.Kind {
	case call.ActSIP:
		e.leg.send(t, e, &a.SIP)
	case call.ActISUP:
		if a.ISUP.Kind == q764.ReqSetup {
			t.seizing = e
			t.drv.Request(now, a.ISUP)
			if t.seizing == e {
				// No IAM went and no refusal came: treat as refused.
				t.seizing = nil
			}
			return
		}
		t.drv.Request(now, a.ISUP)
	case call.ActStartTimer:
		t.tq.Start(tkey{e.id, uint8(a.Timer)}, now.Add(a.Dur))
	case call.ActStopTimer:
		t.tq.Stop(tkey{e.id, uint8(a.Timer)})
	case call.ActMedia:
		t.mediaAction(e, a.Media)
	case call.ActCDR:
		t.gw.cdr(t, e, a.CDR)
	case call.ActFinished:
		t.finish(e)
	}
}

func (t *trunk) finish(e *entry) {
	for tm := uint8(1); tm < 8; tm++ {
		t.tq.Stop(tkey{e.id, tm})
	}
	t.tq.Stop(tkey{e.id, t2xx})
	t.unbind(e)
	t.releaseMedia(e)
	delete(t.calls, e.id)
	e.leg.finished(t)
}

// sink carries out the q764 Trunk's actions: messages go to the peer
// over M3UA, indications to the call of the circuit (queued: the call
// may be the one whose request is being handled).
func (t *trunk) sink(now time.Time, acts []q764.Action) {
	for i := range acts {
		a := &acts[i]
		switch a.Kind {
		case q764.ActSend:
			b, err := q764.AppendMessage(t.sendBuf[:0], t.v, a)
			if err != nil {
				t.log.Error("encode", "type", a.Type, "cic", a.CIC, "err", err)
				continue
			}
			t.sendBuf = b[:0]
			if err := t.stack.SendISUP(t.peer, a.CIC, b); err != nil {
				t.log.Warn("ISUP send failed", "type", a.Type, "cic", a.CIC, "err", err)
			}
			if a.Type == isup.IAM && t.seizing != nil {
				e := t.seizing
				t.seizing = nil
				t.pending = append(t.pending, pendingEv{e, call.Event{Kind: call.EvSeized, CIC: a.CIC, Law: t.lawOf(a.CIC)}})
			}
		case q764.ActIndicate:
			t.indicate(a)
		case q764.ActState:
			t.gw.obs.CircuitState(t.name, a.CIC, a.Prev, a.State)
		case q764.ActAlarm:
			if a.On {
				t.log.Warn("alarm", "cic", a.CIC, "alarm", a.Alarm, "why", a.Text)
			} else {
				t.log.Info("alarm cleared", "cic", a.CIC, "alarm", a.Alarm)
			}
		}
	}
}

func (t *trunk) indicate(a *q764.Action) {
	switch a.Ind {
	case q764.IndCheckTone, q764.IndLoop:
		// The bearer's: on a circuit with a timeslot the check loop or
		// the check-tone transceiver (continuity); without one nothing
		// (a virtual circuit: the far end's T24 decides).
		if t.media != nil {
			t.continuity(time.Now(), a)
		}
		return
	case q764.IndQuery:
		return
	case q764.IndSetup:
		t.isupSetup(a)
		return
	}
	if a.Ind == q764.IndRejected && t.seizing != nil {
		e := t.seizing
		t.seizing = nil
		ac := *a
		t.pending = append(t.pending, pendingEv{e, call.Event{Kind: call.EvISUP, ISUP: &ac}})
		return
	}
	e := t.byCIC[a.CIC]
	if e == nil {
		return
	}
	ac := *a
	if ac.Msg != nil {
		// The indication's message aliases the decode buffer of this
		// event; the call copies what it keeps (call.own), but it is
		// handled after this sink returns: keep our own.
		ac.Msg = cloneMsg(ac.Msg)
	}
	t.pending = append(t.pending, pendingEv{e, call.Event{Kind: call.EvISUP, ISUP: &ac}})
}

func cloneMsg(m *isup.Message) *isup.Message {
	c := *m
	c.Params = append([]isup.Param(nil), m.Params...)
	return &c
}

// isupSetup takes an incoming IAM: the route by called number to a SIP
// trunk, limits, then a call.
func (t *trunk) isupSetup(a *q764.Action) {
	refuse := func(cause isup.Cause, why string) {
		t.log.Info("incoming call refused", "cic", a.CIC, "cause", cause, "why", why)
		t.drv.Request(time.Now(), q764.Request{Kind: q764.ReqRelease, CIC: a.CIC, Cause: cause, Location: isup.LocPublicLocal})
	}
	if !t.gw.accepting.Load() {
		refuse(isup.CauseTemporaryFailure, "shutting down")
		return
	}
	var cd isup.CalledPartyNumber
	digits := ""
	if ok, err := a.Msg.Get(&cd); ok && err == nil {
		digits = cd.Digits.String()
	}
	st, _ := t.gw.routes().sipTarget(t.name, trimST(digits))
	if st == nil {
		refuse(isup.CauseNoRouteToDestination, "no route for "+digits)
		return
	}
	if !st.admit() {
		refuse(isup.CauseSwitchingCongestion, "SIP trunk "+st.cfg.Name+" at its limits")
		return
	}
	ct := st.cfg.R.Calls[t.v]
	l := t.gw.newLeg(call.ISUPToSIP, st)
	p, cm, err := t.callParams(l, t.lawOf(a.CIC))
	if err != nil {
		st.release()
		refuse(isup.CauseResourceUnavailable, err.Error())
		return
	}
	e := &entry{id: t.gw.nextID.Add(1), leg: l, med: cm}
	l.entry = e.id
	l.trunk.Store(t)
	e.c = call.New(ct, call.ISUPToSIP, p, time.Now())
	t.calls[e.id] = e
	t.bind(e, a.CIC)
	t.gw.started(l, t)
	ac := *a
	ac.Msg = cloneMsg(a.Msg)
	t.pending = append(t.pending, pendingEv{e, call.Event{Kind: call.EvISUP, ISUP: &ac}})
}

func trimST(d string) string {
	for len(d) > 0 && (d[len(d)-1] == 'F' || d[len(d)-1] == 'f') {
		d = d[:len(d)-1]
	}
	return d
}

// newSIPCall starts the SIP → ISUP call of leg l on this trunk with the
// INVITE m (also the next attempt of a fall-over).
func (t *trunk) newSIPCall(l *leg, m *call.Msg) {
	if s := l.srv[txKey{call.INVITE, m.CSeq}]; s != nil && l.watchCancel(s, m.CSeq) {
		// Cancelled before the call began (sipgo sent the 487): no IAM.
		l.refuse(t, 487, "cancelled before the call began")
		return
	}
	if !t.reachable() {
		// The peer exchange cannot be reached (association or route
		// down): the next trunk of the route, or 503 with cause 41
		// (temporary failure) rather than an IAM into the void and T7.
		if len(l.targets) > 0 {
			next := t.gw.trunks[l.targets[0]]
			l.targets = l.targets[1:]
			l.attempt++
			l.trunk.Store(next)
			t.log.Info("fall-over: peer unreachable", "call", l.id, "next", next.name)
			go next.post(event{kind: evNewCall, leg: l, msg: m})
			return
		}
		l.refuse(t, 503, "Q.850;cause=41;text=\"temporary failure\"")
		return
	}
	ct := l.st.cfg.R.Calls[t.v]
	p, cm, err := t.callParams(l, 0)
	if err != nil {
		t.log.Warn("call refused", "call", l.id, "err", err)
		l.refuse(t, 503, "Q.850;cause=47;text=\"resource unavailable, unspecified\"")
		return
	}
	e := &entry{id: t.gw.nextID.Add(1), leg: l, med: cm}
	l.entry = e.id
	e.c = call.New(ct, call.SIPToISUP, p, time.Now())
	t.calls[e.id] = e
	if l.attempt == 0 {
		t.gw.started(l, t)
	}
	t.feed(e, call.Event{Kind: call.EvSIP, SIP: m})
}

// release ends every call with cause (shutdown) or the one with id.
func (t *trunk) release(cause isup.Cause) {
	for _, e := range t.calls {
		t.feed(e, call.Event{Kind: call.EvRelease, Cause: cause})
		t.drain()
	}
}

// circuits returns the Trunk's circuit statuses.
func (t *trunk) circuits() []circuit.Status { return t.drv.Trunk.Statuses(nil) }

// callInfos lists the trunk's calls.
func (t *trunk) callInfos(out []ops.CallInfo) []ops.CallInfo {
	for _, e := range t.calls {
		r := e.c.Record()
		ci := ops.CallInfo{ID: e.leg.id, Direction: e.c.Direction().String(), Phase: e.leg.phase, State: e.c.State().String(),
			SIPTrunk: e.leg.st.cfg.Name, ISUPTrunk: t.name, Calling: r.Calling, Called: r.Called,
			CallID: e.leg.callID, Start: r.Start, Answered: r.Answered}
		if cic, ok := e.c.CIC(); ok {
			ci.CIC = cic
		}
		out = append(out, ci)
	}
	return out
}

// operator applies a q764 operator request over CIC ranges: one request
// per run of up to 32 consecutive CICs as a group message (range), a lone
// circuit as BLO/UBL/RSC.
func (t *trunk) operator(kind q764.RequestKind, rs circuit.Ranges) error {
	g := t.cfg.R.Group
	for _, r := range rs {
		for cic := int(r.First); cic <= int(r.Last); {
			if !g.Contains(uint16(cic)) {
				return &opError{"CIC " + strconv.Itoa(cic) + " is not in trunk " + t.name}
			}
			end := cic
			for end+1 <= int(r.Last) && end+1-cic < 32 && g.Contains(uint16(end+1)) {
				end++
			}
			req := q764.Request{Kind: kind, CIC: uint16(cic)}
			if end > cic {
				req.Range = uint8(end - cic)
			}
			t.drv.Request(time.Now(), req)
			t.drain()
			cic = end + 1
		}
	}
	return nil
}

type opError struct{ s string }

func (e *opError) Error() string { return e.s }

// reachable reports whether the M3UA route to the peer exchange is
// usable now.
func (t *trunk) reachable() bool {
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // WaitRoute answers at once when the route is up
	return t.stack.WaitRoute(ctx, t.peer) == nil
}
