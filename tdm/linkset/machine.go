package linkset

import (
	"bytes"
	"strconv"
	"time"

	"github.com/sipgw/sipgw/sigtran/mtp3"
)

type coState uint8

const (
	coNone       coState = iota
	coWaitBSNT           // asked the failed link's MTP2 for its BSNT
	coWaitCOA            // COO/ECO sent, T2 running
	coRetrieving         // retrieving the failed link's buffers
)

type link struct {
	slc         uint8
	state       LinkState
	sltFailures int
	running     [numTimers]bool

	co         coState
	coRemote   bool  // the far end's COO/ECO for this link arrived
	coECO      bool  // ... and it was an ECO (no FSN)
	coFSN      uint8 // the far end's FSN from its COO
	bsnt       uint8
	bsntOK     bool
	retrieved  [][]byte
	buf        [][]byte // held during changeover or changeback
	cbPending  map[uint8]bool
	bufDropped int
}

// Linkset is the level 3 of one linkset. Not safe for concurrent use.
type Linkset struct {
	cfg      Config
	t        Timers
	pattern  []byte
	links    []*link
	bySLC    [16]int8
	slsCount int
	assign   [256]int8 // SLS → link index, -1 none
	traSent  bool
	traRecv  bool
	up       bool
	avail    int
	running  bool
	t21      bool
	cbCode   uint8
	out      []Action
	scratch  []byte
	stats    Stats
}

// Stats counts what the machine discarded, for operations.
type Stats struct {
	WrongNI, NotForUs, BadLabel, BadSNM, FromStranger uint64
	SLTFailures, Changeovers, EmergencyChangeovers    uint64
	Changebacks, DroppedNoRoute, DroppedBufferFull    uint64
}

// New returns a linkset with every link inactive.
func New(cfg Config) (*Linkset, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ls := &Linkset{cfg: cfg, t: cfg.Timers, pattern: cfg.TestPattern, scratch: make([]byte, 0, 1024)}
	d := DefaultTimers
	for _, p := range []struct{ v, d *time.Duration }{{&ls.t.T2, &d.T2}, {&ls.t.T4, &d.T4}, {&ls.t.T5, &d.T5},
		{&ls.t.T17, &d.T17}, {&ls.t.T21, &d.T21}, {&ls.t.SLTT1, &d.SLTT1}, {&ls.t.SLTT2, &d.SLTT2}} {
		if *p.v <= 0 {
			*p.v = *p.d
		}
	}
	if len(ls.pattern) == 0 {
		ls.pattern = DefaultTestPattern
	}
	if ls.cfg.BufferLimit <= 0 {
		ls.cfg.BufferLimit = 1024
	}
	for i := range ls.bySLC {
		ls.bySLC[i] = -1
	}
	for i, s := range cfg.SLCs {
		ls.links = append(ls.links, &link{slc: s, cbPending: map[uint8]bool{}})
		ls.bySLC[s] = int8(i)
	}
	switch {
	case cfg.Format == mtp3.ITU:
		ls.slsCount = 16
	case cfg.SLS5:
		ls.slsCount = 32
	default:
		ls.slsCount = 256
	}
	ls.clearAssign()
	return ls, nil
}

func (ls *Linkset) clearAssign() {
	for i := range ls.assign {
		ls.assign[i] = -1
	}
}

// Up reports whether the linkset carries traffic.
func (ls *Linkset) Up() bool { return ls.up }

// AvailableLinks returns how many links carry traffic.
func (ls *Linkset) AvailableLinks() int { return ls.avail }

// LinkState returns level 3's state of link slc.
func (ls *Linkset) LinkState(slc uint8) LinkState {
	if l := ls.link(slc); l != nil {
		return l.state
	}
	return Inactive
}

// Stats returns the counters.
func (ls *Linkset) Stats() Stats { return ls.stats }

// LinkFor returns the SLC of the link that traffic with sls takes now,
// and false when none does.
func (ls *Linkset) LinkFor(sls uint8) (uint8, bool) {
	i := ls.assign[int(sls)%ls.slsCount]
	if i < 0 {
		return 0, false
	}
	return ls.links[i].slc, true
}

func (ls *Linkset) link(slc uint8) *link {
	if slc > 15 || ls.bySLC[slc] < 0 {
		return nil
	}
	return ls.links[ls.bySLC[slc]]
}

func (ls *Linkset) begin() {
	ls.out = ls.out[:0]
	ls.scratch = ls.scratch[:0]
}

func (ls *Linkset) emit(a Action) { ls.out = append(ls.out, a) }

func (ls *Linkset) dur(t Timer) time.Duration {
	switch t {
	case T2:
		return ls.t.T2
	case T4:
		return ls.t.T4
	case T5:
		return ls.t.T5
	case T17:
		return ls.t.T17
	case T21:
		return ls.t.T21
	case SLTT1:
		return ls.t.SLTT1
	case SLTT2:
		return ls.t.SLTT2
	}
	return 0
}

func (ls *Linkset) startTimer(l *link, t Timer) {
	l.running[t] = true
	ls.emit(Action{Kind: StartTimer, Timer: t, SLC: l.slc, Duration: ls.dur(t)})
}

func (ls *Linkset) stopTimer(l *link, t Timer) {
	if l.running[t] {
		l.running[t] = false
		ls.emit(Action{Kind: StopTimer, Timer: t, SLC: l.slc})
	}
}

func (ls *Linkset) setState(l *link, s LinkState, why string) {
	if l.state == s {
		return
	}
	l.state = s
	ls.emit(Action{Kind: LinkStatus, SLC: l.slc, State: s, Reason: why})
}

// update recomputes availability and reports a change.
func (ls *Linkset) update() {
	n := 0
	for _, l := range ls.links {
		if l.state == Available {
			n++
		}
	}
	if n == 0 && ls.avail > 0 {
		// The linkset went down: the next time it comes up is a restart.
		ls.traSent, ls.traRecv = false, false
		if ls.t21 {
			ls.t21 = false
			ls.emit(Action{Kind: StopTimer, Timer: T21})
		}
	}
	up := n > 0 && ls.traRecv
	if up != ls.up || n != ls.avail {
		ls.up, ls.avail = up, n
		ls.emit(Action{Kind: LinksetState, Up: up, Avail: n})
	}
}

// Start activates every link (Q.704 §12.2): emergency alignment, since
// no link of the linkset is in service yet.
func (ls *Linkset) Start() []Action {
	ls.begin()
	ls.running = true
	for _, l := range ls.links {
		if l.state == Inactive {
			ls.activate(l)
		}
	}
	return ls.out
}

func (ls *Linkset) activate(l *link) {
	// §12.2.2: emergency alignment when no other link of the linkset
	// carries traffic.
	ls.emit(Action{Kind: LinkStart, SLC: l.slc, Emergency: ls.availExcept(l) == 0})
	l.sltFailures = 0
	ls.setState(l, Activating, "")
}

func (ls *Linkset) availExcept(x *link) int {
	n := 0
	for _, l := range ls.links {
		if l != x && l.state == Available {
			n++
		}
	}
	return n
}

// Stop deactivates every link and drops what is held.
func (ls *Linkset) Stop() []Action {
	ls.begin()
	ls.running = false
	for _, l := range ls.links {
		for t := Timer(1); t < numTimers; t++ {
			ls.stopTimer(l, t)
		}
		if l.state != Inactive {
			ls.emit(Action{Kind: LinkStop, SLC: l.slc})
		}
		l.co, l.coRemote, l.retrieved, l.buf = coNone, false, nil, nil
		clear(l.cbPending)
		ls.setState(l, Inactive, "stopped")
	}
	ls.clearAssign()
	ls.update()
	return ls.out
}

// LinkInService: link slc's MTP2 is in service: test it (Q.707 §2.2).
func (ls *Linkset) LinkInService(slc uint8) []Action {
	ls.begin()
	l := ls.link(slc)
	if l == nil || l.state != Activating {
		return ls.out
	}
	ls.setState(l, Testing, "")
	l.sltFailures = 0
	ls.sendSLTM(l)
	return ls.out
}

func (ls *Linkset) sio(si mtp3.ServiceIndicator) mtp3.SIO {
	prio := uint8(0)
	if ls.cfg.Format == mtp3.ANSI && si <= mtp3.SISNTSpec {
		prio = 3 // T1.111.5: network management and tests at the highest priority
	}
	return mtp3.NewSIO(ls.cfg.NI, prio, si)
}

func (ls *Linkset) sntSI() mtp3.ServiceIndicator {
	if ls.cfg.Format == mtp3.ANSI {
		return mtp3.SISNTSpec
	}
	return mtp3.SISNT
}

// header appends SIO and a label to the scratch arena and returns where
// the message starts.
func (ls *Linkset) header(si mtp3.ServiceIndicator, dpc mtp3.PointCode, sls uint8) int {
	n := len(ls.scratch)
	ls.scratch = append(ls.scratch, byte(ls.sio(si)))
	lb := mtp3.Label{Format: ls.cfg.Format, SLS5: ls.cfg.SLS5, DPC: dpc, OPC: ls.cfg.LocalPC, SLS: sls}
	ls.scratch = lb.Append(ls.scratch)
	return n
}

func (ls *Linkset) sendOn(l *link, n int) {
	ls.emit(Action{Kind: LinkSend, SLC: l.slc, Payload: ls.scratch[n:len(ls.scratch):len(ls.scratch)]})
}

func (ls *Linkset) sendSLTM(l *link) {
	n := ls.header(ls.sntSI(), ls.cfg.AdjacentPC, l.slc)
	ls.scratch = AppendSLT(ls.cfg.Format, ls.scratch, Msg{Heading: SLTM, SLC: l.slc, Pattern: ls.pattern})
	ls.sendOn(l, n)
	ls.stopTimer(l, SLTT1)
	ls.startTimer(l, SLTT1)
}

// sendSNM sends an SNM message about link about on link via.
func (ls *Linkset) sendSNM(via, about *link, m Msg) {
	m.SLC = about.slc
	n := ls.header(mtp3.SISNM, ls.cfg.AdjacentPC, about.slc)
	ls.scratch = AppendSNM(ls.cfg.Format, ls.scratch, m)
	ls.sendOn(via, n)
}

// alternative returns an available link other than x, preferring the
// lowest SLC.
func (ls *Linkset) alternative(x *link) *link {
	for _, l := range ls.links {
		if l != x && l.state == Available {
			return l
		}
	}
	return nil
}

// LinkFailed: link slc's MTP2 went out of service (why from Q.703).
func (ls *Linkset) LinkFailed(slc uint8, why string) []Action {
	ls.begin()
	if l := ls.link(slc); l != nil {
		ls.linkDown(l, why, false)
	}
	return ls.out
}

// linkDown takes l out of traffic, starts changeover when it carried
// some, and schedules its restart after T17 (Q.704 §12.2.3).
func (ls *Linkset) linkDown(l *link, why string, stop bool) {
	if l.state == Inactive || l.state == Failed {
		return
	}
	prev := l.state
	ls.stopTimer(l, SLTT1)
	ls.stopTimer(l, SLTT2)
	if stop {
		ls.emit(Action{Kind: LinkStop, SLC: l.slc})
	}
	ls.setState(l, Failed, why)
	if ls.running {
		ls.startTimer(l, T17)
	}
	if prev == Available {
		ls.changeover(l)
	}
	ls.update()
}

// changeover starts Q.704 §5 for l, which carried traffic.
func (ls *Linkset) changeover(l *link) {
	if len(l.cbPending) > 0 {
		clear(l.cbPending)
		ls.stopTimer(l, T4)
		ls.stopTimer(l, T5)
	}
	if ls.alternative(l) == nil {
		// No other link: nothing to change over to. The traffic is lost
		// with the linkset (§5.1: changeover needs an alternative).
		ls.emit(Action{Kind: LinkFlush, SLC: l.slc})
		ls.stats.DroppedNoRoute += uint64(len(l.buf))
		l.buf, l.retrieved = nil, nil
		l.co = coNone
		ls.clearAssign()
		return
	}
	if l.co != coNone {
		return
	}
	ls.stats.Changeovers++
	l.co = coWaitBSNT
	ls.emit(Action{Kind: LinkRetrieveBSNT, SLC: l.slc})
}

// BSNT is link slc's answer to LinkRetrieveBSNT (ok false: not
// retrievable).
func (ls *Linkset) BSNT(slc uint8, bsnt uint8, ok bool) []Action {
	ls.begin()
	l := ls.link(slc)
	if l == nil || l.co != coWaitBSNT {
		return ls.out
	}
	l.bsnt, l.bsntOK = bsnt, ok
	alt := ls.alternative(l)
	if alt == nil {
		ls.abandonChangeover(l)
		return ls.out
	}
	if l.coRemote {
		// The far end asked first: acknowledge and update the buffers.
		if ok {
			ls.sendSNM(alt, l, Msg{Heading: COA, FSN: bsnt})
		} else {
			ls.sendSNM(alt, l, Msg{Heading: ECA})
		}
		ls.retrieve(l, l.coECO)
		return ls.out
	}
	if ok {
		ls.sendSNM(alt, l, Msg{Heading: COO, FSN: bsnt})
	} else {
		ls.stats.EmergencyChangeovers++
		ls.sendSNM(alt, l, Msg{Heading: ECO})
	}
	l.co = coWaitCOA
	ls.startTimer(l, T2)
	return ls.out
}

// retrieve asks l's MTP2 for what the far end has not accepted: after its
// FSN, or everything unacknowledged when it is unknown (ECO/ECA, T2).
func (ls *Linkset) retrieve(l *link, all bool) {
	l.co = coRetrieving
	fsn := l.coFSN
	if all {
		fsn = RetrieveAll
	}
	ls.emit(Action{Kind: LinkRetrieve, SLC: l.slc, FSN: fsn})
}

// RetrieveAll as LinkRetrieve's FSN asks for every unacknowledged
// message: the far end's FSN is unknown (emergency or time-controlled
// changeover, Q.704 §5.6, §5.7), so duplicates are possible.
const RetrieveAll = 0xff

func (ls *Linkset) abandonChangeover(l *link) {
	ls.emit(Action{Kind: LinkFlush, SLC: l.slc})
	ls.stats.DroppedNoRoute += uint64(len(l.buf))
	l.buf, l.retrieved, l.co, l.coRemote = nil, nil, coNone, false
	ls.stopTimer(l, T2)
	ls.clearAssign()
}

// Retrieved is one message retrieved from link slc's buffers.
func (ls *Linkset) Retrieved(slc uint8, payload []byte) []Action {
	ls.begin()
	if l := ls.link(slc); l != nil && l.co == coRetrieving {
		l.retrieved = append(l.retrieved, bytes.Clone(payload))
	}
	return ls.out
}

// RetrievalComplete ends link slc's retrieval: its traffic moves to the
// other links, the retrieved messages first, then those held meanwhile
// (Q.704 §5.5: diversion in sequence).
func (ls *Linkset) RetrievalComplete(slc uint8) []Action {
	ls.begin()
	l := ls.link(slc)
	if l == nil || l.co != coRetrieving {
		return ls.out
	}
	l.co, l.coRemote, l.coECO = coNone, false, false
	li := ls.bySLC[slc]
	var surv []int8
	for i, x := range ls.links {
		if x.state == Available {
			surv = append(surv, int8(i))
		}
	}
	if len(surv) == 0 {
		ls.stats.DroppedNoRoute += uint64(len(l.retrieved) + len(l.buf))
		l.retrieved, l.buf = nil, nil
		ls.clearAssign()
		return ls.out
	}
	for s := 0; s < ls.slsCount; s++ {
		if ls.assign[s] == li || ls.assign[s] < 0 {
			ls.assign[s] = surv[s%len(surv)]
		}
	}
	msgs := append(l.retrieved, l.buf...)
	l.retrieved, l.buf = nil, nil
	for _, p := range msgs {
		ls.route(p)
	}
	return ls.out
}

// route sends a complete message (SIO, label, SIF) by its SLS.
func (ls *Linkset) route(p []byte) {
	lb := mtp3.Label{Format: ls.cfg.Format, SLS5: ls.cfg.SLS5}
	if len(p) < 1 || lb.Decode(p[1:]) != nil {
		return
	}
	ls.forward(lb.SLS, p)
}

// forward sends p (SIO, label, SIF; copied when held) on the link
// of sls, or holds it while that link changes over or back.
func (ls *Linkset) forward(sls uint8, p []byte) bool {
	s := int(sls) % ls.slsCount
	i := ls.assign[s]
	if i < 0 {
		// No assignment yet (first traffic, or after a total loss).
		if ls.avail == 0 {
			ls.stats.DroppedNoRoute++
			ls.emit(Action{Kind: Dropped, Reason: "no signalling link available"})
			return false
		}
		ls.assignFresh()
		if i = ls.assign[s]; i < 0 {
			ls.stats.DroppedNoRoute++
			ls.emit(Action{Kind: Dropped, Reason: "no signalling link available"})
			return false
		}
	}
	l := ls.links[i]
	if l.co != coNone || len(l.cbPending) > 0 || l.state != Available {
		if l.state != Available && l.co == coNone && len(l.cbPending) == 0 {
			// Stale assignment: the link left without a changeover.
			ls.assignFresh()
			if ls.assign[s] < 0 || ls.links[ls.assign[s]] == l {
				ls.stats.DroppedNoRoute++
				ls.emit(Action{Kind: Dropped, Reason: "no signalling link available"})
				return false
			}
			return ls.forward(sls, p)
		}
		if len(l.buf) >= ls.cfg.BufferLimit {
			ls.stats.DroppedBufferFull++
			ls.emit(Action{Kind: Dropped, Reason: "changeover buffer full on link " + strconv.Itoa(int(l.slc))})
			return false
		}
		l.buf = append(l.buf, bytes.Clone(p))
		return true
	}
	ls.emit(Action{Kind: LinkSend, SLC: l.slc, Payload: p})
	return true
}

// assignFresh spreads every SLS over the available links (§4.2 load
// sharing), used when nothing was assigned.
func (ls *Linkset) assignFresh() {
	var av []int8
	for i, l := range ls.links {
		if l.state == Available {
			av = append(av, int8(i))
		}
	}
	for s := 0; s < ls.slsCount; s++ {
		if len(av) == 0 {
			ls.assign[s] = -1
		} else {
			ls.assign[s] = av[s%len(av)]
		}
	}
}

// Send sends a user part message (for ISUP from the CIC on) to dpc with
// service indicator si and link selection sls. It reports false (and a
// Dropped action) when the linkset cannot carry it.
func (ls *Linkset) Send(dpc mtp3.PointCode, si mtp3.ServiceIndicator, sls uint8, data []byte) ([]Action, bool) {
	ls.begin()
	if !ls.up {
		ls.stats.DroppedNoRoute++
		ls.emit(Action{Kind: Dropped, Reason: "linkset unavailable"})
		return ls.out, false
	}
	switch {
	case ls.cfg.Format == mtp3.ITU:
		sls &= 15
	case ls.cfg.SLS5:
		sls &= 31
	}
	n := ls.header(si, dpc, sls)
	ls.scratch = append(ls.scratch, data...)
	ok := ls.forward(sls, ls.scratch[n:len(ls.scratch):len(ls.scratch)])
	return ls.out, ok
}

// becomeAvailable: l passed its test.
func (ls *Linkset) becomeAvailable(l *link) {
	others := ls.availExcept(l)
	ls.setState(l, Available, "")
	ls.startTimer(l, SLTT2)
	if others == 0 {
		// The linkset comes up: every SLS on this link, TRA to the
		// adjacent point (Q.704 §9.2), T21 for its TRA.
		li := ls.bySLC[l.slc]
		for s := 0; s < ls.slsCount; s++ {
			ls.assign[s] = li
		}
		if !ls.traSent {
			ls.traSent = true
			n := ls.header(mtp3.SISNM, ls.cfg.AdjacentPC, l.slc)
			ls.scratch = AppendSNM(ls.cfg.Format, ls.scratch, Msg{Heading: TRA})
			ls.sendOn(l, n)
		}
		if !ls.traRecv && !ls.t21 {
			ls.t21 = true
			ls.emit(Action{Kind: StartTimer, Timer: T21, Duration: ls.t.T21})
		}
		ls.update()
		return
	}
	ls.changeback(l)
	ls.update()
}

// changeback moves back to l the SLSs that load sharing gives it, with a
// CBD on every link that carried them (Q.704 §6.2) and their traffic held
// until its CBA.
func (ls *Linkset) changeback(l *link) {
	li := ls.bySLC[l.slc]
	var av []int8
	for i, x := range ls.links {
		if x.state == Available {
			av = append(av, int8(i))
		}
	}
	from := map[int8]bool{}
	for s := 0; s < ls.slsCount; s++ {
		if av[s%len(av)] == li && ls.assign[s] != li {
			if ls.assign[s] >= 0 {
				from[ls.assign[s]] = true
			}
			ls.assign[s] = li
		}
	}
	if len(from) == 0 {
		return
	}
	ls.stats.Changebacks++
	for i := range ls.links {
		if !from[int8(i)] {
			continue
		}
		ls.cbCode++
		l.cbPending[ls.cbCode] = true
		ls.sendSNM(ls.links[i], l, Msg{Heading: CBD, Code: ls.cbCode})
	}
	ls.startTimer(l, T4)
}

func (ls *Linkset) changebackDone(l *link) {
	clear(l.cbPending)
	ls.stopTimer(l, T4)
	ls.stopTimer(l, T5)
	msgs := l.buf
	l.buf = nil
	for _, p := range msgs {
		ls.route(p)
	}
}

// Expire is timer t of link slc (slc ignored for T21).
func (ls *Linkset) Expire(t Timer, slc uint8) []Action {
	ls.begin()
	if t == T21 {
		if ls.t21 {
			// §9: no TRA from the adjacent point in time; traffic
			// starts anyway.
			ls.t21 = false
			ls.traRecv = true
			ls.update()
		}
		return ls.out
	}
	l := ls.link(slc)
	if l == nil || t == 0 || t >= numTimers || !l.running[t] {
		return ls.out
	}
	l.running[t] = false
	switch t {
	case SLTT1:
		ls.sltFailed(l, "SLTA not received")
	case SLTT2:
		if l.state == Available {
			ls.sendSLTM(l)
		}
	case T17:
		if l.state == Failed && ls.running {
			ls.activate(l)
		}
	case T2:
		if l.co == coWaitCOA {
			// §5.7: time-controlled changeover.
			ls.retrieve(l, true)
		}
	case T4:
		if len(l.cbPending) > 0 {
			// §6.4: repeat the CBDs once, then give up at T5.
			alt := ls.alternative(l)
			for code := range l.cbPending {
				if alt != nil {
					ls.sendSNM(alt, l, Msg{Heading: CBD, Code: code})
				}
			}
			ls.startTimer(l, T5)
		}
	case T5:
		if len(l.cbPending) > 0 {
			ls.changebackDone(l)
		}
	}
	return ls.out
}

// sltFailed: Q.707 §2.2: one failure repeats the test, a second takes
// the link out and restarts it.
func (ls *Linkset) sltFailed(l *link, why string) {
	l.sltFailures++
	ls.stats.SLTFailures++
	if l.sltFailures >= 2 {
		ls.linkDown(l, "signalling link test failed twice: "+why, true)
		return
	}
	ls.sendSLTM(l)
}

// Received is a message (SIO + label + SIF) that link slc's MTP2
// delivered.
func (ls *Linkset) Received(slc uint8, payload []byte) []Action {
	ls.begin()
	l := ls.link(slc)
	if l == nil || len(payload) < 1 {
		return ls.out
	}
	sio := mtp3.SIO(payload[0])
	if sio.NI() != ls.cfg.NI {
		ls.stats.WrongNI++
		return ls.out
	}
	lb := mtp3.Label{Format: ls.cfg.Format, SLS5: ls.cfg.SLS5}
	if err := lb.Decode(payload[1:]); err != nil {
		ls.stats.BadLabel++
		return ls.out
	}
	if lb.DPC != ls.cfg.LocalPC {
		// §2.3: no signal transfer point function here.
		ls.stats.NotForUs++
		return ls.out
	}
	body := payload[1+lb.Len():]
	switch sio.SI() {
	case mtp3.SISNM:
		if lb.OPC != ls.cfg.AdjacentPC {
			ls.stats.FromStranger++
			return ls.out
		}
		ls.receiveSNM(l, lb, body)
	case ls.sntSI():
		if lb.OPC != ls.cfg.AdjacentPC {
			ls.stats.FromStranger++
			return ls.out
		}
		ls.receiveSLT(l, lb, body)
	default:
		ls.emit(Action{Kind: Deliver, SLC: slc, SIO: sio, Label: lb, Data: body})
	}
	return ls.out
}

func (ls *Linkset) receiveSLT(l *link, lb mtp3.Label, body []byte) {
	m, err := ParseSLT(ls.cfg.Format, body)
	if err != nil {
		ls.stats.BadSNM++
		return
	}
	switch m.Heading {
	case SLTM:
		// Q.707 §2.2: answer on the link it came on, pattern echoed.
		n := len(ls.scratch)
		ls.scratch = append(ls.scratch, byte(ls.sio(ls.sntSI())))
		back := mtp3.Label{Format: ls.cfg.Format, SLS5: ls.cfg.SLS5, DPC: lb.OPC, OPC: ls.cfg.LocalPC, SLS: lb.SLS}
		ls.scratch = back.Append(ls.scratch)
		ls.scratch = AppendSLT(ls.cfg.Format, ls.scratch, Msg{Heading: SLTA, SLC: m.SLC, Pattern: m.Pattern})
		if l.state == Testing || l.state == Available || l.state == Activating {
			ls.sendOn(l, n)
		}
	case SLTA:
		if !l.running[SLTT1] {
			return
		}
		ls.stopTimer(l, SLTT1)
		if lb.SLS != l.slc || !bytes.Equal(m.Pattern, ls.pattern) {
			ls.sltFailed(l, "SLTA does not match the SLTM")
			return
		}
		l.sltFailures = 0
		if l.state == Testing {
			ls.becomeAvailable(l)
		}
	default:
		ls.stats.BadSNM++
	}
}

func (ls *Linkset) receiveSNM(on *link, lb mtp3.Label, body []byte) {
	m, err := ParseSNM(ls.cfg.Format, body)
	if err != nil {
		ls.stats.BadSNM++
		return
	}
	// The link the message is about: the label's SLS in ITU (Q.704
	// §15.3), the SLC field in ANSI.
	about := lb.SLS
	if ls.cfg.Format == mtp3.ANSI {
		about = m.SLC
	}
	switch m.Heading {
	case TRA:
		ls.traRecv = true
		if ls.t21 {
			ls.t21 = false
			ls.emit(Action{Kind: StopTimer, Timer: T21})
		}
		ls.update()
		return
	case COO, ECO, COA, ECA, CBD, CBA:
	default:
		return // TFP, TFA, UPU…: routes beyond the adjacent point are not kept here
	}
	l := ls.link(about)
	if l == nil {
		ls.stats.BadSNM++
		return
	}
	switch m.Heading {
	case COO, ECO:
		// §5.3/§5.4: the far end changes over from l.
		if l.state == Available || l.state == Testing {
			ls.linkDown(l, "changeover ordered by the adjacent point", true)
		}
		switch l.co {
		case coNone, coWaitBSNT:
			l.coRemote, l.coECO, l.coFSN = true, m.Heading == ECO, m.FSN
			if l.co == coNone {
				l.co = coWaitBSNT
				ls.emit(Action{Kind: LinkRetrieveBSNT, SLC: l.slc})
			}
		case coWaitCOA:
			// Orders crossed: theirs acknowledges ours (§5.3.2).
			ls.stopTimer(l, T2)
			if l.bsntOK {
				ls.sendSNM(on, l, Msg{Heading: COA, FSN: l.bsnt})
			} else {
				ls.sendSNM(on, l, Msg{Heading: ECA})
			}
			l.coFSN = m.FSN
			ls.retrieve(l, m.Heading == ECO)
		case coRetrieving:
		}
	case COA, ECA:
		if l.co != coWaitCOA {
			return
		}
		ls.stopTimer(l, T2)
		l.coFSN = m.FSN
		ls.retrieve(l, m.Heading == ECA)
	case CBD:
		ls.sendSNM(on, l, Msg{Heading: CBA, Code: m.Code})
	case CBA:
		if l.cbPending[m.Code] {
			delete(l.cbPending, m.Code)
			if len(l.cbPending) == 0 {
				ls.changebackDone(l)
			}
		}
	}
}
