package call

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/sipgw/sipgw/interwork/call/prack"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/circuit"
	"github.com/sipgw/sipgw/isup/q764"
	"github.com/sipgw/sipgw/isup/q764/driver"
	"github.com/sipgw/sipgw/isup/sipi"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// The world is the daemon in miniature around one Call: the gateway's
// real q764 Trunk (with the driver's timers) back to back with a second
// Trunk acting as the PSTN exchange, ISUP messages encoded and decoded on
// the way, a SIP peer (a UAC for SIP → ISUP calls, a UAS for ISUP → SIP
// ones), the PSTN's call user, and the call's own timers on the same
// clock. It routes as the daemon must: the Trunk's indications for the
// call's circuit (and the refusal of its setup) to the call, the IAM's
// send action as the seizure, everything in one ordered loop.

const (
	toPSTN = iota
	toGW
)

type packet struct {
	to   int
	data []byte
}

type trunkReq struct {
	gw  bool
	req q764.Request
}

type world struct {
	tb   testing.TB
	rng  *rand.Rand // nil: scripted
	now  time.Time
	v    isup.Variant
	tr   *Trunk
	dir  Direction
	p    Params
	gw   *driver.Driver
	pstn *driver.Driver

	net     []packet
	call    *Call
	ctimer  [numTimers]time.Time
	evq     []Event
	reqs    []trunkReq
	toPeer  []Msg
	toCall  []Msg
	seizing bool
	acts    []Action

	finished int
	cdr      *Record
	// What crossed: every ISUP message (decoded, with its direction) and
	// every SIP message of the call.
	wire    []wired
	sipOut  []Msg
	quiet   bool
	trace   bool
	uac     uacPeer
	uas     uasPeer
	pu      pstnUser
	errs    []string
	calls   int
	otherCs map[uint16]bool // circuits of calls the world refused
}

type wired struct {
	toPSTN bool
	m      *isup.Message
}

var gwCICs = []uint16{1, 2, 3, 4}

func newWorld(tb testing.TB, dir Direction, tr *Trunk, rng *rand.Rand) *world {
	w := &world{tb: tb, rng: rng, now: t0, v: isup.ITU, tr: tr, dir: dir, p: Params{SDP: testSDP}, otherCs: map[uint16]bool{}}
	gcfg := q764.DefaultConfig(isup.ITU)
	gcfg.OwnPC, gcfg.PeerPC = mtp3.ITUPC(2), mtp3.ITUPC(1)
	gcfg.CICs = gwCICs
	tr.TrunkOptions(&gcfg.Options)
	pcfg := q764.DefaultConfig(isup.ITU)
	pcfg.OwnPC, pcfg.PeerPC = mtp3.ITUPC(1), mtp3.ITUPC(2)
	pcfg.CICs = gwCICs
	pcfg.Options.UseT11 = false
	gt, err := q764.New(gcfg)
	if err != nil {
		tb.Fatal(err)
	}
	pt, err := q764.New(pcfg)
	if err != nil {
		tb.Fatal(err)
	}
	w.gw = driver.New(gt, w.gwSink)
	w.pstn = driver.New(pt, w.pstnSink)
	w.uas.init()
	w.uac.init()
	w.pu.calls = map[uint16]*pcall{}
	w.acts = make([]Action, 0, 16)
	return w
}

func (w *world) fail(format string, a ...any) {
	w.errs = append(w.errs, fmt.Sprintf("%s: ", w.now.Sub(t0))+fmt.Sprintf(format, a...))
}

// ---------------------------------------------------------------------------
// The daemon's routing.

func (w *world) gwSink(now time.Time, acts []q764.Action) {
	for i := range acts {
		a := acts[i]
		switch a.Kind {
		case q764.ActSend:
			b, err := q764.AppendMessage(nil, w.v, &a)
			if err != nil {
				w.fail("gw encode %v: %v", a.Type, err)
				continue
			}
			w.net = append(w.net, packet{toPSTN, b})
			if w.seizing && a.Type == isup.IAM {
				w.seizing = false
				w.evq = append(w.evq, Event{Kind: EvSeized, CIC: a.CIC})
			}
		case q764.ActIndicate:
			w.routeGW(a)
		}
	}
}

func (w *world) routeGW(a q764.Action) {
	switch a.Ind {
	case q764.IndCheckTone, q764.IndLoop, q764.IndQuery:
		return // bearer and maintenance: the daemon's, not the call's
	}
	if a.Ind == q764.IndSetup {
		if w.dir == ISUPToSIP && w.call == nil {
			w.call = New(w.tr, ISUPToSIP, w.p, w.now)
			w.calls++
			ac := a
			w.evq = append(w.evq, Event{Kind: EvISUP, ISUP: &ac})
			return
		} else if cic, ok := w.callCIC(); !ok || cic != a.CIC || w.call.Finished() {
			// Another incoming call: this world serves one; refuse it
			// as a daemon without resources would (cause 34).
			w.otherCs[a.CIC] = true
			w.reqs = append(w.reqs, trunkReq{gw: true, req: q764.Request{Kind: q764.ReqRelease, CIC: a.CIC, Cause: isup.CauseNoCircuitAvailable, Location: isup.LocPublicLocal}})
			return
		}
	}
	if w.call == nil || w.call.Finished() {
		return
	}
	cic, ok := w.callCIC()
	mine := ok && cic == a.CIC
	if a.Ind == q764.IndRejected && !ok && a.CIC == 0 {
		mine = true // the refusal of the call's setup request
	}
	if !mine {
		return
	}
	ac := a
	w.evq = append(w.evq, Event{Kind: EvISUP, ISUP: &ac})
}

func (w *world) callCIC() (uint16, bool) {
	if w.call == nil {
		return 0, false
	}
	return w.call.CIC()
}

func (w *world) pstnSink(now time.Time, acts []q764.Action) {
	for i := range acts {
		a := acts[i]
		switch a.Kind {
		case q764.ActSend:
			b, err := q764.AppendMessage(nil, w.v, &a)
			if err != nil {
				w.fail("pstn encode %v: %v", a.Type, err)
				continue
			}
			w.net = append(w.net, packet{toGW, b})
		case q764.ActIndicate:
			w.pu.indicate(w, a)
		}
	}
}

// handle feeds one event to the call and carries out its actions.
func (w *world) handle(ev Event) {
	if w.call == nil {
		if w.dir != SIPToISUP || ev.Kind != EvSIP || ev.SIP.Method != INVITE || !ev.SIP.IsRequest() {
			return
		}
		w.call = New(w.tr, SIPToISUP, w.p, w.now)
		w.calls++
	}
	wasFinished := w.call.Finished()
	acts := w.call.Handle(w.now, ev, w.acts[:0])
	if w.trace {
		w.tb.Logf("%8v call %v → %v [%v]", w.now.Sub(t0), ev, strs(acts), w.call.State())
	}
	for _, a := range acts {
		if wasFinished && !(a.Kind == ActSIP && a.SIP.Status == 481) {
			w.fail("action %v after the call finished", a)
		}
		switch a.Kind {
		case ActSIP:
			w.sipOut = append(w.sipOut, a.SIP)
			w.toPeer = append(w.toPeer, a.SIP)
		case ActISUP:
			if a.ISUP.Kind == q764.ReqSetup {
				w.seizing = true
				w.gw.Request(w.now, a.ISUP)
				w.seizing = false
			} else {
				w.gw.Request(w.now, a.ISUP)
			}
		case ActStartTimer:
			w.ctimer[a.Timer] = w.now.Add(a.Dur)
		case ActStopTimer:
			w.ctimer[a.Timer] = time.Time{}
		case ActCDR:
			w.cdr = a.CDR
		case ActFinished:
			w.finished++
		}
	}
	w.acts = acts[:0]
}

// pump delivers what the last step queued for the call and the trunks.
func (w *world) pump() {
	for n := 0; len(w.evq) > 0 || len(w.reqs) > 0; n++ {
		if n > 10000 {
			w.tb.Fatal("pump does not settle")
		}
		if len(w.evq) > 0 {
			ev := w.evq[0]
			w.evq = w.evq[1:]
			w.handle(ev)
			continue
		}
		r := w.reqs[0]
		w.reqs = w.reqs[1:]
		if r.gw {
			w.gw.Request(w.now, r.req)
		} else {
			w.pstn.Request(w.now, r.req)
		}
	}
}

// sip delivers a SIP message from the peer to the call.
func (w *world) sip(m Msg) {
	if w.dir == SIPToISUP && m.IsRequest() && m.Method == INVITE && !m.InDialog && m.CSeq > w.uac.cseq {
		// A scripted INVITE: the UAC model keeps track of it.
		w.uac.cseq, w.uac.nextCSeq = m.CSeq, max(w.uac.nextCSeq, m.CSeq+1)
	}
	w.handle(Event{Kind: EvSIP, SIP: &m})
	w.pump()
}

// deliverNet delivers the oldest ISUP message in flight.
func (w *world) deliverNet() {
	p := w.net[0]
	w.net = w.net[1:]
	m := new(isup.Message)
	if err := m.Decode(p.data, w.v); err != nil {
		w.fail("decode %x: %v", p.data, err)
		return
	}
	w.wire = append(w.wire, wired{p.to == toPSTN, m})
	if w.trace {
		w.tb.Logf("%8v isup → %s %v cic%d", w.now.Sub(t0), map[bool]string{true: "pstn", false: "gw"}[p.to == toPSTN], m.Type, m.CIC)
	}
	if p.to == toPSTN {
		w.pstn.Receive(w.now, m)
	} else {
		w.gw.Receive(w.now, m)
	}
	w.pump()
}

// deliverToCall delivers the oldest SIP message from the peer.
func (w *world) deliverToCall() {
	m := w.toCall[0]
	w.toCall = w.toCall[1:]
	w.sip(m)
}

// deliverToPeer hands the oldest SIP message of the call to the peer.
func (w *world) deliverToPeer() {
	m := w.toPeer[0]
	w.toPeer = w.toPeer[1:]
	if w.trace {
		w.tb.Logf("%8v peer ← %v", w.now.Sub(t0), m.String())
	}
	if w.dir == SIPToISUP {
		w.uac.receive(w, m)
	} else {
		w.uas.receive(w, m)
	}
}

func (w *world) peerSend(m Msg) { w.toCall = append(w.toCall, m) }

// nextTimer returns the earliest deadline of any timer in the world.
func (w *world) nextTimer() (time.Time, bool) {
	var best time.Time
	ok := false
	consider := func(t time.Time) {
		if !t.IsZero() && (!ok || t.Before(best)) {
			best, ok = t, true
		}
	}
	if t, has := w.gw.Timers.Next(); has {
		consider(t)
	}
	if t, has := w.pstn.Timers.Next(); has {
		consider(t)
	}
	if w.call != nil && !w.call.Finished() {
		for i := Timer(1); i < numTimers; i++ {
			consider(w.ctimer[i])
		}
	}
	return best, ok
}

// advance moves the clock to to, firing every timer due on the way in
// deadline order.
func (w *world) advance(to time.Time) {
	for {
		next, ok := w.nextTimer()
		if !ok || next.After(to) {
			break
		}
		w.now = next
		fired := false
		if w.call != nil && !w.call.Finished() {
			for i := Timer(1); i < numTimers; i++ {
				if d := w.ctimer[i]; !d.IsZero() && !d.After(w.now) {
					w.ctimer[i] = time.Time{}
					w.handle(Event{Kind: EvTimer, Timer: i})
					fired = true
					break
				}
			}
		}
		if !fired {
			w.gw.Run(w.now)
			w.pstn.Run(w.now)
		}
		w.pump()
	}
	if to.After(w.now) {
		w.now = to
	}
}

// run delivers everything in flight (ISUP first, as the faster path) and
// lets the peers react, without moving the clock.
func (w *world) flush() {
	for n := 0; ; n++ {
		if n > 100000 {
			w.tb.Fatal("flush does not settle")
		}
		switch {
		case len(w.net) > 0:
			w.deliverNet()
		case len(w.toCall) > 0:
			w.deliverToCall()
		case len(w.toPeer) > 0:
			w.deliverToPeer()
		default:
			return
		}
	}
}

// settle ends the run: no more spontaneous events; the peers close what
// they have open; messages are delivered and the timers run out.
func (w *world) settle() {
	w.quiet = true
	for round := 0; round < 2000; round++ {
		w.flush()
		if w.dir == SIPToISUP {
			w.uac.close(w)
		} else {
			w.uas.close(w)
		}
		w.pu.close(w)
		w.flush()
		next, ok := w.nextTimer()
		if !ok {
			if len(w.net)+len(w.toCall)+len(w.toPeer) == 0 {
				return
			}
			continue
		}
		w.advance(next)
	}
	t, _ := w.nextTimer()
	w.tb.Fatalf("the world does not settle: call %v; next timer %v; gw %v pstn %v", w.call.State(), t.Sub(t0), w.gw.Timers.All(nil), w.pstn.Timers.All(nil))
}

// check asserts the end state: the call finished once with no timer, every
// circuit idle at both ends with no timer, both machines consistent, no
// invariant broken on the way.
func (w *world) check() {
	w.tb.Helper()
	for _, e := range w.errs {
		w.tb.Error(e)
	}
	if w.call == nil {
		if w.dir == SIPToISUP {
			w.tb.Error("no call was made")
		}
	} else {
		if !w.call.Finished() || w.finished != 1 {
			w.tb.Errorf("call finished %v, %d ActFinished; state %v", w.call.Finished(), w.finished, w.call.State())
		}
		if w.call.timers != 0 {
			w.tb.Errorf("call timers left: %b", w.call.timers)
		}
		for i := Timer(1); i < numTimers; i++ {
			if !w.ctimer[i].IsZero() {
				w.tb.Errorf("call timer %v left running in the daemon", i)
			}
		}
		if w.cdr == nil {
			w.tb.Error("no CDR")
		}
	}
	for _, d := range []*driver.Driver{w.gw, w.pstn} {
		if err := d.Trunk.Verify(); err != nil {
			w.tb.Error(err)
		}
		if n := d.Timers.Len(); n != 0 {
			w.tb.Errorf("%d q764 timers left: %v", n, d.Timers.All(nil))
		}
		for _, st := range d.Trunk.Statuses(nil) {
			if st.State != circuit.Idle || d.Trunk.Phase(st.CIC) != q764.PhaseIdle {
				w.tb.Errorf("CIC %d: %v %v (%s)", st.CIC, st.State, d.Trunk.Phase(st.CIC), st.Reason)
			}
		}
	}
}

// ---------------------------------------------------------------------------
// The PSTN's call user.

type pcall struct {
	cic     uint16
	in      bool // the PSTN received the IAM (SIP → ISUP)
	phase   int  // 0 setup, 1 proceeding (ACM), 2 answered
	cot     bool // a continuity check result is owed
	overlap bool // no ST sent yet
	digits  int
	// suspended: the PSTN sent SUS, RES is next.
	suspended bool
}

type pstnUser struct {
	calls     map[uint16]*pcall
	originate int    // IAMs the PSTN may still send
	script    bool   // scripted: no automatic behaviour
	iamMods   func() // unused hook
}

func (u *pstnUser) indicate(w *world, a q764.Action) {
	c := u.calls[a.CIC]
	switch a.Ind {
	case q764.IndSetup:
		u.calls[a.CIC] = &pcall{cic: a.CIC, in: true}
	case q764.IndProceed, q764.IndEarlyACM:
		if c != nil {
			c.phase = 1
		}
	case q764.IndAnswer:
		if c != nil {
			c.phase = 2
		}
	case q764.IndCheckTone:
		switch {
		case !a.On:
		case c != nil:
			c.cot = true
		default:
			// A re-test after a failed check (Q.764 §2.1.8): the PSTN's
			// bearer finds the loop this time.
			w.reqs = append(w.reqs, trunkReq{req: q764.Request{Kind: q764.ReqContinuity, CIC: a.CIC, OK: true}})
		}
	case q764.IndRelease, q764.IndReleased, q764.IndReattempt:
		delete(u.calls, a.CIC)
	}
}

// act does one random thing a PSTN user or operator does.
func (u *pstnUser) act(w *world) {
	r := w.rng
	if r.IntN(40) == 0 {
		// An operator resets a circuit (Q.764 §2.9.3).
		cic := gwCICs[r.IntN(len(gwCICs))]
		delete(u.calls, cic)
		w.reqs = append(w.reqs, trunkReq{req: q764.Request{Kind: q764.ReqReset, CIC: cic}})
		w.pump()
		return
	}
	if w.dir == ISUPToSIP && len(u.calls) == 0 && u.originate > 0 {
		u.originate--
		u.setup(w, gwCICs[r.IntN(len(gwCICs))], r.IntN(3) == 0, r.IntN(6) == 0)
		return
	}
	if w.dir == SIPToISUP && r.IntN(25) == 0 {
		// An IAM of the PSTN's own: dual seizure when it meets ours.
		u.setup(w, gwCICs[r.IntN(len(gwCICs))], false, false)
		return
	}
	for _, c := range u.calls {
		u.step(w, c)
		return
	}
}

// setup sends an IAM from the PSTN (overlap: without ST; cot: asking for
// a continuity check).
func (u *pstnUser) setup(w *world, cic uint16, overlap, cot bool) {
	digits := "30123456F"
	if overlap {
		digits = "3012"
	}
	var cc uint8
	if cot {
		cc = 1
	}
	m := pstnIAM(digits, cc)
	u.calls[cic] = &pcall{cic: cic, overlap: overlap, digits: len(digits)}
	w.pstn.Request(w.now, q764.Request{Kind: q764.ReqSetup, CIC: cic, Msg: m})
	w.pump()
}

func pstnIAM(digits string, cc uint8) *isup.Message {
	m := isup.New(isup.ITU, isup.IAM, 0)
	m.Set(&isup.NatureOfConnectionIndicators{ContinuityCheck: cc})
	m.Set(&isup.ForwardCallIndicators{})
	cpc := isup.CategoryOrdinary
	m.Set(&cpc)
	m.Set(&isup.TransmissionMediumRequirement{Medium: isup.TMR3k1Audio})
	m.Set(&isup.CalledPartyNumber{NAI: isup.NAINational, NPI: isup.NPIE164, INN: true, Digits: isup.MustDigits(digits)})
	m.Set(&isup.CallingPartyNumber{NAI: isup.NAINational, NPI: isup.NPIE164, Screening: 3, Digits: isup.MustDigits("4011112222")})
	return m
}

func (u *pstnUser) step(w *world, c *pcall) {
	r := w.rng
	v := w.v
	req := func(q q764.Request) {
		q.CIC = c.cic
		w.pstn.Request(w.now, q)
		w.pump()
	}
	if !c.in {
		switch {
		case c.cot:
			c.cot = false
			req(q764.Request{Kind: q764.ReqContinuity, OK: r.IntN(5) != 0})
		case c.overlap && c.phase == 0 && r.IntN(2) == 0:
			d := strconv.Itoa(r.IntN(100))
			if r.IntN(3) == 0 {
				d += "F"
				c.overlap = false
			}
			s := isup.New(v, isup.SAM, 0)
			s.Set(&isup.SubsequentNumber{Digits: isup.MustDigits(d)})
			req(q764.Request{Kind: q764.ReqSAM, Msg: s})
		case r.IntN(4) == 0:
			req(q764.Request{Kind: q764.ReqRelease, Cause: isup.Cause([]int{16, 16, 31, 41}[r.IntN(4)])})
		}
		return
	}
	switch c.phase {
	case 0:
		switch r.IntN(5) {
		case 0, 1:
			st := []isup.CalledPartysStatus{isup.SubscriberFree, isup.CalledStatusNoIndication}[r.IntN(2)]
			req(q764.Request{Kind: q764.ReqACM, Msg: backward(v, isup.ACM, st, r.IntN(2) == 0)})
			c.phase = 1
		case 2:
			req(q764.Request{Kind: q764.ReqCON, Msg: backward(v, isup.CON, 0, false)})
			c.phase = 2
		case 3:
			req(q764.Request{Kind: q764.ReqRelease, Cause: isup.Cause([]int{1, 17, 19, 21, 34, 16, 127}[r.IntN(7)]), Location: isup.LocUser})
		}
	case 1:
		switch r.IntN(4) {
		case 0:
			m := isup.New(v, isup.CPG, 0)
			m.Set(&isup.EventInformation{Event: isup.EventIndicator(1 + r.IntN(3))})
			req(q764.Request{Kind: q764.ReqCPG, Msg: m})
		case 1, 2:
			req(q764.Request{Kind: q764.ReqANM, Msg: isup.New(v, isup.ANM, 0)})
			c.phase = 2
		case 3:
			req(q764.Request{Kind: q764.ReqRelease, Cause: isup.Cause([]int{17, 19, 16}[r.IntN(3)]), Location: isup.LocUser})
		}
	case 2:
		switch r.IntN(6) {
		case 0, 1:
			req(q764.Request{Kind: q764.ReqRelease, Cause: isup.CauseNormalClearing, Location: isup.LocUser})
		case 2:
			// Mid-call messages: the call tunnels them on SIP-I, Q.764
			// runs their timers (SUS network: T6 at the gateway).
			req(q764.Request{Kind: q764.ReqMessage, Msg: isup.Skeleton(v, isup.FAC, 0)})
		case 3:
			if c.suspended {
				req(q764.Request{Kind: q764.ReqResume, Msg: isup.NewSuspendResume(v, isup.RES, 0, isup.SuspendNetworkInitiated)})
			} else {
				req(q764.Request{Kind: q764.ReqSuspend, Msg: isup.NewSuspendResume(v, isup.SUS, 0, isup.SuspendNetworkInitiated)})
			}
			c.suspended = !c.suspended
		}
	}
}

// midCallInfo is an INFO a SIP-I peer sends in the call: a mid-call ISUP
// message (FAC, USR, SUS or RES network initiated), sometimes one whose
// ISUP does not decode.
func midCallInfo(w *world, cseq uint32, r *rand.Rand) Msg {
	var im *isup.Message
	switch r.IntN(5) {
	case 0:
		im = isup.Skeleton(w.v, isup.FAC, 0)
	case 1:
		im = isup.NewUSR(w.v, 0, []byte{4, 1, 2})
	case 2:
		im = isup.NewSuspendResume(w.v, isup.SUS, 0, isup.SuspendNetworkInitiated)
	case 3:
		im = isup.NewSuspendResume(w.v, isup.RES, 0, isup.SuspendNetworkInitiated)
	}
	b := []byte{0x33, 0x02} // FAC with a pointer past the end
	if im != nil {
		b, _ = im.AppendBody(nil)
	}
	x := sipi.ISUP{Version: sipi.ITUT92Plus, Message: b}
	return Msg{Method: INFO, CSeq: cseq, InDialog: true, ContentType: x.ContentType(), Disposition: x.Disposition(), Body: b}
}

func backward(v isup.Variant, t isup.MessageType, st isup.CalledPartysStatus, inBand bool) *isup.Message {
	m := isup.New(v, t, 0)
	m.Set(&isup.BackwardCallIndicators{CalledStatus: st, Charge: isup.ChargeIndCharge})
	if inBand {
		m.Set(&isup.OptionalBackwardCallIndicators{InBandInformation: true})
	}
	return m
}

// close ends the PSTN's calls when the run winds down.
func (u *pstnUser) close(w *world) {
	for cic, c := range u.calls {
		if c.cot {
			c.cot = false
			w.pstn.Request(w.now, q764.Request{Kind: q764.ReqContinuity, CIC: cic, OK: true})
		}
		w.pstn.Request(w.now, q764.Request{Kind: q764.ReqRelease, CIC: cic, Cause: isup.CauseNormalClearing, Location: isup.LocUser})
		delete(u.calls, cic)
		w.pump()
	}
}

// ---------------------------------------------------------------------------
// The SIP UAC facing a SIP → ISUP call.

type uacPeer struct {
	cseq      uint32 // latest INVITE
	digits    string
	finals    map[uint32]int
	lastRSeq  map[uint32]uint32
	prack     []Msg // reliable 1xx to PRACK
	acks      []uint32
	confirmed bool
	byeSent   bool
	cancelled map[uint32]bool
	rel100    bool
	nextCSeq  uint32
	// dialog: an 18x or a 2xx came (an INFO of the call may come); ended:
	// the call's BYE came (none may come after it).
	dialog, ended bool
	infos         int // INFOs received
}

func (p *uacPeer) init() {
	p.finals, p.lastRSeq, p.cancelled = map[uint32]int{}, map[uint32]uint32{}, map[uint32]bool{}
	p.nextCSeq = 1
}

func (p *uacPeer) invite(w *world, digits string) {
	p.cseq = p.nextCSeq
	p.nextCSeq++
	p.digits = digits
	m := *inviteMsg(w.tb, p.cseq, "sip:+49"+digits+"@gw.example;user=phone")
	if p.rel100 {
		m.Supported100rel = true
	}
	w.peerSend(m)
}

func (p *uacPeer) receive(w *world, m Msg) {
	if m.IsRequest() {
		switch m.Method {
		case BYE:
			w.peerSend(Msg{Method: BYE, CSeq: m.CSeq, Status: 200})
			p.confirmed = false
			p.ended = true
		case INFO:
			// RFC 3261 §12.2.2: an INFO outside a dialog, or after its BYE,
			// would be answered 481.
			if !p.dialog || p.ended {
				w.fail("INFO without a dialog (dialog %v, ended %v)", p.dialog, p.ended)
			}
			p.infos++
			w.peerSend(Msg{Method: INFO, CSeq: m.CSeq, Status: 200})
		case CANCEL, PRACK, ACK:
			w.fail("UAS call sent %v", m.Method)
		}
		return
	}
	if m.Method != INVITE {
		return
	}
	if f, ok := p.finals[m.CSeq]; ok && f >= 200 {
		w.fail("response %d to INVITE/%d after its final %d", m.Status, m.CSeq, f)
		return
	}
	if m.Status > 100 && m.Status < 300 {
		p.dialog = true
	}
	switch {
	case m.Status < 200:
		if m.RSeq != 0 {
			last, had := p.lastRSeq[m.CSeq]
			switch {
			case !had || m.RSeq == last+1:
				p.lastRSeq[m.CSeq] = m.RSeq
				p.prack = append(p.prack, m)
			case m.RSeq == last:
			default:
				w.fail("RSeq %d after %d (RFC 3262 §3)", m.RSeq, last)
			}
		}
	default:
		p.finals[m.CSeq] = m.Status
		if m.Status < 300 {
			p.acks = append(p.acks, m.CSeq)
		}
	}
}

func (p *uacPeer) pending() bool {
	_, ok := p.finals[p.cseq]
	return p.cseq != 0 && !ok
}

func (p *uacPeer) act(w *world) {
	r := w.rng
	switch {
	case p.cseq == 0:
		switch r.IntN(20) {
		case 0: // an extension the trunk may not have
			p.rel100 = true
			p.invite(w, "30123456")
			w.toCall[len(w.toCall)-1].Require100rel = true
		case 1: // a body that does not parse
			p.invite(w, "30123456")
			withBody("multipart/mixed;boundary=x", "", []byte("junk"))(&w.toCall[len(w.toCall)-1])
		case 2: // not a number
			p.invite(w, "30123456")
			m := &w.toCall[len(w.toCall)-1]
			inv := *m.Invite
			inv.RequestURI.User = "alice"
			m.Invite = &inv
		default:
			p.invite(w, "30123456")
		}
	case len(p.prack) > 0 && r.IntN(3) != 0:
		m := p.prack[0]
		p.prack = p.prack[1:]
		w.peerSend(Msg{Method: PRACK, CSeq: p.nextCSeq, RAck: rackOf(m)})
		p.nextCSeq++
	case len(p.acks) > 0 && r.IntN(4) != 0:
		cs := p.acks[0]
		p.acks = p.acks[1:]
		w.peerSend(Msg{Method: ACK, CSeq: cs})
		if cs == p.cseq {
			p.confirmed = true
		}
	case p.pending() && r.IntN(20) == 0 && !p.cancelled[p.cseq]:
		p.cancelled[p.cseq] = true
		w.peerSend(Msg{Method: CANCEL, CSeq: p.cseq})
	case p.pending() && w.tr.cfg.SIPOverlap && r.IntN(4) == 0 && len(p.digits) < 12:
		p.invite(w, p.digits+strconv.Itoa(r.IntN(10)))
	case (p.confirmed || p.finals[p.cseq] == 200) && !p.byeSent && r.IntN(4) == 0:
		p.byeSent = true
		w.peerSend(Msg{Method: BYE, CSeq: p.nextCSeq, InDialog: true})
		p.nextCSeq++
	case p.dialog && !p.byeSent && r.IntN(8) == 0:
		// Mid-call ISUP in INFO (a SIP-I peer), good or bad.
		w.peerSend(midCallInfo(w, p.nextCSeq, r))
		p.nextCSeq++
	case r.IntN(10) == 0:
		// Stray requests a call must survive.
		switch r.IntN(4) {
		case 0:
			w.peerSend(Msg{Method: PRACK, CSeq: p.nextCSeq, RAck: rackOf(Msg{RSeq: uint32(r.IntN(5)), CSeq: p.cseq})})
		case 1:
			w.peerSend(Msg{Method: INVITE, CSeq: p.nextCSeq, InDialog: true, SDP: true})
		case 2:
			w.peerSend(Msg{Method: OPTIONS, CSeq: p.nextCSeq, InDialog: true})
		case 3:
			w.peerSend(Msg{Method: CANCEL, CSeq: p.cseq})
		}
		p.nextCSeq++
	}
}

func rackOf(m Msg) prack.RAck { return prack.RAck{RSeq: m.RSeq, CSeq: m.CSeq, Method: "INVITE"} }

// close: PRACK and ACK what is owed, cancel a pending INVITE, end a
// confirmed dialog.
func (p *uacPeer) close(w *world) {
	if p.cseq == 0 {
		p.invite(w, "30123456") // every run has a call to end
		return
	}
	for _, m := range p.prack {
		w.peerSend(Msg{Method: PRACK, CSeq: p.nextCSeq, RAck: rackOf(m)})
		p.nextCSeq++
	}
	p.prack = nil
	for _, cs := range p.acks {
		w.peerSend(Msg{Method: ACK, CSeq: cs})
		if cs == p.cseq {
			p.confirmed = true
		}
	}
	p.acks = nil
	if p.pending() && !p.cancelled[p.cseq] {
		p.cancelled[p.cseq] = true
		w.peerSend(Msg{Method: CANCEL, CSeq: p.cseq})
	}
	if p.confirmed && !p.byeSent {
		p.byeSent = true
		w.peerSend(Msg{Method: BYE, CSeq: p.nextCSeq, InDialog: true})
		p.nextCSeq++
	}
}

// ---------------------------------------------------------------------------
// The SIP UAS facing an ISUP → SIP call (forking: dialogs "a" and "b").

type uasInv struct {
	prov   bool // a provisional response went
	final  int
	rel100 bool
}

type uasPeer struct {
	invs      map[uint32]*uasInv
	latest    uint32
	rseq      map[string]uint32
	answered  map[string]bool // 2xx sent on the dialog
	confirmed map[string]bool // ACK received
	byeSent   map[string]bool
	last2xx   Msg
	early     map[string]bool // 18x sent on the dialog
	byeGot    map[string]bool // the call's BYE came on the dialog
	infos     int
}

func (p *uasPeer) init() {
	p.invs, p.rseq = map[uint32]*uasInv{}, map[string]uint32{}
	p.answered, p.confirmed, p.byeSent = map[string]bool{}, map[string]bool{}, map[string]bool{}
	p.early, p.byeGot = map[string]bool{}, map[string]bool{}
}

func (p *uasPeer) receive(w *world, m Msg) {
	if !m.IsRequest() {
		return
	}
	switch m.Method {
	case INVITE:
		if m.InDialog {
			w.fail("UAC call sent a re-INVITE")
			return
		}
		p.invs[m.CSeq] = &uasInv{rel100: m.Supported100rel || m.Require100rel}
		p.latest = m.CSeq
		if w.rng == nil || w.rng.IntN(2) == 0 {
			p.invs[m.CSeq].prov = true
			w.peerSend(Msg{Method: INVITE, CSeq: m.CSeq, Status: 100})
		}
	case CANCEL:
		inv := p.invs[m.CSeq]
		if inv == nil || !inv.prov {
			w.fail("CANCEL/%d before any provisional response (RFC 3261 §9.1)", m.CSeq)
		}
		w.peerSend(Msg{Method: CANCEL, CSeq: m.CSeq, Status: 200})
		if inv != nil && inv.final == 0 {
			inv.final = 487
			w.peerSend(Msg{Method: INVITE, CSeq: m.CSeq, Status: 487, Tag: "a" + strconv.Itoa(int(m.CSeq))})
		}
	case ACK:
		p.confirmed[m.Tag] = true
	case INFO:
		if !p.early[m.Tag] && !p.answered[m.Tag] || p.byeGot[m.Tag] {
			w.fail("INFO on dialog %q: neither early nor answered, or ended", m.Tag)
		}
		p.infos++
		w.peerSend(Msg{Method: INFO, CSeq: m.CSeq, Status: 200, Tag: m.Tag})
	case BYE:
		if !p.answered[m.Tag] {
			w.fail("BYE on dialog %q never answered", m.Tag)
		}
		p.byeGot[m.Tag] = true
		p.confirmed[m.Tag], p.answered[m.Tag] = false, false
		w.peerSend(Msg{Method: BYE, CSeq: m.CSeq, Status: 200, Tag: m.Tag})
	case PRACK:
		w.peerSend(Msg{Method: PRACK, CSeq: m.CSeq, Status: 200, Tag: m.Tag})
	}
}

func (p *uasPeer) act(w *world) {
	r := w.rng
	inv := p.invs[p.latest]
	tag := []string{"a", "b"}[r.IntN(2)] + strconv.Itoa(int(p.latest))
	switch {
	case inv != nil && inv.final == 0 && r.IntN(3) != 0:
		switch r.IntN(6) {
		case 0, 1, 2:
			m := Msg{Method: INVITE, CSeq: p.latest, Status: []int{180, 183, 183}[r.IntN(3)], Tag: tag}
			if m.Status == 183 && r.IntN(2) == 0 {
				withSDPBody(&m)
			}
			if inv.rel100 && r.IntN(2) == 0 {
				p.rseq[tag]++
				m.RSeq, m.Require100rel = p.rseq[tag]+100, true
			}
			inv.prov = true
			p.early[tag] = true
			w.peerSend(m)
		case 3, 4:
			inv.final = 200
			p.answered[tag] = true
			m := Msg{Method: INVITE, CSeq: p.latest, Status: 200, Tag: tag}
			withSDPBody(&m)
			p.last2xx = m
			w.peerSend(m)
		case 5:
			inv.final = []int{404, 486, 480, 503, 603, 484}[r.IntN(6)]
			w.peerSend(Msg{Method: INVITE, CSeq: p.latest, Status: inv.final, Tag: tag})
		}
	case inv != nil && inv.final == 200 && r.IntN(5) == 0 && !p.answered[other(p.last2xx.Tag)]:
		// A second fork answers too.
		t := other(p.last2xx.Tag)
		p.answered[t] = true
		w.peerSend(Msg{Method: INVITE, CSeq: p.latest, Status: 200, Tag: t})
	case p.last2xx.Status == 200 && r.IntN(6) == 0:
		w.peerSend(p.last2xx) // retransmission
	case p.confirmed[tag] && !p.byeSent[tag] && r.IntN(3) == 0:
		p.byeSent[tag] = true
		w.peerSend(Msg{Method: BYE, CSeq: 100, Tag: tag, InDialog: true})
	case (p.confirmed[tag] || p.early[tag]) && !p.byeSent[tag] && r.IntN(4) == 0:
		m := midCallInfo(w, 50, r)
		m.Tag = tag
		w.peerSend(m)
	}
}

func other(t string) string {
	if t != "" && t[0] == 'a' {
		return "b" + t[1:]
	}
	return "a" + t[min(1, len(t)):]
}

// close: a pending INVITE is refused, confirmed dialogs are ended.
func (p *uasPeer) close(w *world) {
	for cs, inv := range p.invs {
		if inv.final == 0 {
			inv.final = 486
			inv.prov = true
			w.peerSend(Msg{Method: INVITE, CSeq: cs, Status: 486, Tag: "a" + strconv.Itoa(int(cs))})
		}
	}
	for tag, ok := range p.confirmed {
		if ok && p.answered[tag] && !p.byeSent[tag] {
			p.byeSent[tag] = true
			w.peerSend(Msg{Method: BYE, CSeq: 100, Tag: tag, InDialog: true})
		}
	}
}
