package q764

import (
	"slices"
	"strconv"
	"time"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/circuit"
)

// Per-circuit flags besides the phase.
const (
	fCOT         uint32 = 1 << iota // continuity: outgoing COT not sent yet / incoming COT not received yet
	fCOTPrev                        // … the check concerns a previous circuit
	fOverlap                        // incoming: more digits may follow (no ST yet)
	fSuspended                      // SUS received, RES awaited (T2/T6)
	fINR                            // INR sent, INF awaited (T33)
	fBLO                            // BLO sent, BLA awaited (T12/T13)
	fUBL                            // UBL sent, UBA awaited (T14/T15)
	fReset                          // RSC sent, RLC awaited (T16/T17)
	fResetT5                        // … sent on T5 expiry (T17 only)
	fGRS                            // in the range of a GRS awaiting GRA
	fQuarantined                    // the reset went unanswered QuarantineAfter times
	fUnequipped                     // UCIC received
	fTesting                        // out: re-test tone sent (T24); in: loop attached after CCR (T36)
	fTone                           // check-tone transceiver attached (IndCheckTone on)
	fLoop                           // check loop attached (IndLoop on)
	fUserGone                       // the call user has been told the call ended; no more call indications
)

// Timers grouped by what they supervise.
const (
	callTimers  = 1<<T1 | 1<<T2 | 1<<T5 | 1<<T6 | 1<<T7 | 1<<T8 | 1<<T9 | 1<<T10 | 1<<T11 | 1<<T24 | 1<<T25 | 1<<T26 | 1<<T27 | 1<<T33 | 1<<T35 | 1<<T36 | 1<<T38
	resetTimers = 1<<T16 | 1<<T17
	bloTimers   = 1<<T12 | 1<<T13
	ublTimers   = 1<<T14 | 1<<T15
)

const blockBits = circuit.LocalMaintBlocked | circuit.LocalHWBlocked | circuit.RemoteMaintBlocked | circuit.RemoteHWBlocked

// circ is one circuit's machine state.
type circ struct {
	cic    uint16
	phase  Phase
	out    bool          // the call (or release) is outgoing
	block  circuit.State // blocking bits only
	flags  uint32
	timers uint64 // bit per Timer running for this CIC
	alarms uint32 // bit per latched Alarm raised
	resetN uint8  // T17 expiries of the current reset
	digits uint8  // address digits received (incoming)
	// REL retransmission (T1) needs the cause of the REL sent.
	relCause isup.Cause
	relLoc   isup.Location
	// What operators see.
	st     circuit.State
	since  time.Time
	reason string
}

// groupOp is a circuit group message awaiting its acknowledgement.
type groupOp struct {
	typ    isup.MessageType // CGB, CGU, GRS or CQM; 0 when the slot is free
	cgsm   isup.CGSMType
	base   uint16
	rng    uint8
	status uint32
	timers uint64
	longN  uint8 // long-timer expiries (T19, T21, T23)
	alarm  bool
}

// Trunk runs the Q.764 procedures for the circuits of one trunk. It is not
// safe for concurrent use: one goroutine (the driver's event loop) feeds it.
type Trunk struct {
	cfg    Config
	v      isup.Variant
	tm     Timers
	opt    Options
	qafter uint8

	circs []circ  // ascending CIC order
	index []int32 // CIC → index into circs + 1 (0: not in the trunk)
	ops   []groupOp
	known [256]bool // parameter codes this exchange recognizes

	sel     Selector
	hooks   selectorHooks // sel's Seized/Released, when it has them
	availFn func(uint16) bool

	// Per-call scratch: the actions being appended and Action.Data storage.
	now   time.Time
	out   []Action
	arena []byte
}

// maxGroupOps bounds the group messages awaiting acknowledgement.
const maxGroupOps = 64

// New returns a Trunk for cfg with every circuit idle. Call Request with
// ReqStartup to reset the circuits as the start-up policy says.
func New(cfg Config) (*Trunk, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	t := &Trunk{cfg: cfg, v: cfg.Variant, tm: cfg.Timers, opt: cfg.Options, sel: cfg.Selector}
	t.cfg.CICs = slices.Clone(cfg.CICs)
	slices.Sort(t.cfg.CICs)
	t.hooks, _ = cfg.Selector.(selectorHooks)
	t.qafter = 3
	if q := cfg.Options.QuarantineAfter; q > 0 {
		t.qafter = uint8(min(q, 255))
	}
	t.circs = make([]circ, len(t.cfg.CICs))
	t.index = make([]int32, int(t.cfg.CICs[len(t.cfg.CICs)-1])+1)
	for i, cic := range t.cfg.CICs {
		t.circs[i] = circ{cic: cic, reason: "configured"}
		t.index[cic] = int32(i) + 1
	}
	t.ops = make([]groupOp, 0, maxGroupOps)
	for c := 0; c < 256; c++ {
		t.known[c] = isup.ParamCode(c).Known(t.v)
	}
	t.availFn = t.available
	t.arena = make([]byte, 0, 1024)
	return t, nil
}

// Config returns the trunk's configuration (CICs in ascending order).
func (t *Trunk) Config() Config {
	c := t.cfg
	c.CICs = slices.Clone(c.CICs)
	return c
}

func (t *Trunk) circ(cic uint16) *circ {
	if int(cic) >= len(t.index) {
		return nil
	}
	if i := t.index[cic]; i > 0 {
		return &t.circs[i-1]
	}
	return nil
}

// Has reports whether cic belongs to the trunk.
func (t *Trunk) Has(cic uint16) bool { return t.circ(cic) != nil }

// Status returns the state of circuit cic with since when and why.
func (t *Trunk) Status(cic uint16) (circuit.Status, bool) {
	c := t.circ(cic)
	if c == nil {
		return circuit.Status{}, false
	}
	return circuit.Status{CIC: c.cic, State: c.st, Since: c.since, Reason: c.reason}, true
}

// Statuses appends the status of every circuit, in CIC order, to dst.
func (t *Trunk) Statuses(dst []circuit.Status) []circuit.Status {
	for i := range t.circs {
		c := &t.circs[i]
		dst = append(dst, circuit.Status{CIC: c.cic, State: c.st, Since: c.since, Reason: c.reason})
	}
	return dst
}

// Phase returns where the call on circuit cic stands.
func (t *Trunk) Phase(cic uint16) Phase {
	if c := t.circ(cic); c != nil {
		return c.phase
	}
	return PhaseIdle
}

// Alarmed reports whether latched alarm a is raised for cic (for group
// alarms: cic is the first circuit of the range).
func (t *Trunk) Alarmed(cic uint16, a Alarm) bool {
	switch a {
	case AlarmGroupBlock, AlarmGroupUnblock, AlarmGroupReset:
		for i := range t.ops {
			if o := &t.ops[i]; o.typ != 0 && groupAlarm(o.typ) == a && o.base == cic && o.alarm {
				return true
			}
		}
		return false
	}
	c := t.circ(cic)
	return c != nil && c.alarms&(1<<a) != 0
}

// RunningTimers appends every timer the machine holds running to dst: what
// a driver's timer set must hold.
func (t *Trunk) RunningTimers(dst []TimerRef) []TimerRef {
	for i := range t.circs {
		c := &t.circs[i]
		for m := c.timers; m != 0; m &= m - 1 {
			dst = append(dst, TimerRef{CIC: c.cic, Timer: Timer(trailingZeros(m))})
		}
	}
	for i := range t.ops {
		o := &t.ops[i]
		for m := o.timers; m != 0; m &= m - 1 {
			dst = append(dst, TimerRef{CIC: o.base, Timer: Timer(trailingZeros(m)), Hardware: o.cgsm == isup.CGSMHardwareFailure})
		}
	}
	return dst
}

func trailingZeros(m uint64) int {
	n := 0
	for m&1 == 0 {
		m >>= 1
		n++
	}
	return n
}

// available reports whether a new outgoing call may seize cic.
func (t *Trunk) available(cic uint16) bool {
	c := t.circ(cic)
	return c != nil && c.phase == PhaseIdle && c.st.Available() && c.flags&(fReset|fGRS|fQuarantined|fUnequipped|fBLO|fUBL) == 0
}

// controls reports whether this exchange controls cic for dual seizure:
// by default the higher point code controls the even CICs (Q.764
// §2.9.1.4); Config.Control may say otherwise by bilateral agreement.
func (t *Trunk) controls(cic uint16) bool {
	return t.cfg.Control.Controls(t.cfg.OwnPC, t.cfg.PeerPC, cic)
}

// ---------------------------------------------------------------------------
// Entry points.

func (t *Trunk) begin(now time.Time, out []Action) {
	t.now, t.out, t.arena = now, out, t.arena[:0]
}

func (t *Trunk) end() []Action {
	out := t.out
	t.out = nil
	return out
}

// Receive handles message m received from the network. m is not kept, but
// indications may carry it (Action.Msg) and discarded unrecognized
// parameters are removed from it (Q.764 §2.9.5.3).
func (t *Trunk) Receive(now time.Time, m *isup.Message, out []Action) []Action {
	t.begin(now, out)
	t.receive(m)
	return t.end()
}

// Expire handles the expiry of timer r, which an ActStartTimer started. An
// expiry for a timer the machine has since stopped or restarted is ignored.
func (t *Trunk) Expire(now time.Time, r TimerRef, out []Action) []Action {
	t.begin(now, out)
	if r.Timer.group() {
		t.expireGroup(r)
	} else if c := t.circ(r.CIC); c != nil && c.timers&(1<<r.Timer) != 0 {
		c.timers &^= 1 << r.Timer
		t.expire(c, r.Timer)
	}
	return t.end()
}

// Request handles a request from the call user or the operator. A request
// that cannot be carried out in the circuit's state yields IndRejected.
func (t *Trunk) Request(now time.Time, r Request, out []Action) []Action {
	t.begin(now, out)
	t.request(&r)
	return t.end()
}

// ---------------------------------------------------------------------------
// Emitters.

func (t *Trunk) emit(a Action) { t.out = append(t.out, a) }

// send emits a message on c: the user's m, or a machine-built one.
func (t *Trunk) send(cic uint16, typ isup.MessageType, m *isup.Message) {
	t.out = append(t.out, Action{Kind: ActSend, CIC: cic, Type: typ, Msg: m})
}

func (t *Trunk) sendREL(c *circ, cause isup.Cause, loc isup.Location, diag []byte) {
	c.relCause, c.relLoc = cause, loc
	t.out = append(t.out, Action{Kind: ActSend, CIC: c.cic, Type: isup.REL, Cause: cause, Location: loc, Data: diag})
}

func (t *Trunk) sendCOT(c *circ, ok bool) {
	t.out = append(t.out, Action{Kind: ActSend, CIC: c.cic, Type: isup.COT, On: ok})
}

func (t *Trunk) start(c *circ, tm Timer) {
	c.timers |= 1 << tm
	t.out = append(t.out, Action{Kind: ActStartTimer, CIC: c.cic, Timer: tm, Dur: t.tm[tm]})
}

func (t *Trunk) stop(c *circ, tm Timer) {
	if c.timers&(1<<tm) != 0 {
		c.timers &^= 1 << tm
		t.out = append(t.out, Action{Kind: ActStopTimer, CIC: c.cic, Timer: tm})
	}
}

// stopAll stops the timers of c in mask, in timer order.
func (t *Trunk) stopAll(c *circ, mask uint64) {
	for m := c.timers & mask; m != 0; m &= m - 1 {
		t.stop(c, Timer(trailingZeros(m)))
	}
}

// ind tells the call user; after the user was told the call ended only
// circuit-level indications go through.
func (t *Trunk) ind(c *circ, i Indication, m *isup.Message) {
	t.out = append(t.out, Action{Kind: ActIndicate, CIC: c.cic, Ind: i, Msg: m})
}

// userRelease tells the user the machine released the call, once.
func (t *Trunk) userRelease(c *circ, cause isup.Cause, text string) {
	if c.flags&fUserGone != 0 {
		return
	}
	c.flags |= fUserGone
	t.out = append(t.out, Action{Kind: ActIndicate, CIC: c.cic, Ind: IndRelease, Cause: cause, Location: isup.LocPublicLocal, Text: text})
}

// userReattempt asks the user to set the call up on another circuit, once.
func (t *Trunk) userReattempt(c *circ, why Why, text string) {
	if c.flags&fUserGone != 0 {
		return
	}
	c.flags |= fUserGone
	if why == WhyDualSeizure && t.opt.NoReattemptOnDualSeizure {
		t.out = append(t.out, Action{Kind: ActIndicate, CIC: c.cic, Ind: IndRelease, Cause: isup.CauseNoCircuitAvailable, Location: isup.LocPublicLocal, Text: text})
		return
	}
	t.out = append(t.out, Action{Kind: ActIndicate, CIC: c.cic, Ind: IndReattempt, Why: why, Text: text})
}

func (t *Trunk) reject(cic uint16, text string) {
	t.out = append(t.out, Action{Kind: ActIndicate, CIC: cic, Ind: IndRejected, Text: text})
}

func (t *Trunk) raise(c *circ, a Alarm, text string) {
	if a.latched() {
		if c.alarms&(1<<a) != 0 {
			return
		}
		c.alarms |= 1 << a
	}
	t.out = append(t.out, Action{Kind: ActAlarm, CIC: c.cic, Alarm: a, On: true, Text: text})
}

func (t *Trunk) clear(c *circ, a Alarm, text string) {
	if c.alarms&(1<<a) != 0 {
		c.alarms &^= 1 << a
		t.out = append(t.out, Action{Kind: ActAlarm, CIC: c.cic, Alarm: a, Text: text})
	}
}

// stateOf computes the state operators see from c's machine state.
func (t *Trunk) stateOf(c *circ) circuit.State {
	s := c.block
	switch {
	case c.phase.outgoing():
		s |= circuit.BusyOutgoing
	case c.phase.incoming():
		s |= circuit.BusyIncoming
	case c.phase == PhaseReleasing:
		if c.out {
			s |= circuit.BusyOutgoing
		} else {
			s |= circuit.BusyIncoming
		}
	}
	if c.flags&fQuarantined != 0 {
		s |= circuit.Quarantined
	} else if c.flags&(fReset|fGRS) != 0 {
		s |= circuit.Resetting
	}
	if c.flags&fUnequipped != 0 {
		s |= circuit.Unequipped
	}
	return s
}

// commit publishes c's state if it changed, with the reason.
func (t *Trunk) commit(c *circ, reason string) {
	s := t.stateOf(c)
	if s == c.st {
		return
	}
	t.out = append(t.out, Action{Kind: ActState, CIC: c.cic, Prev: c.st, State: s, Text: reason})
	if t.hooks != nil {
		// The selector learns of seizures and releases for its strategy
		// (least recently used, round robin).
		if s&circuit.BusyOutgoing != 0 && c.st&circuit.BusyOutgoing == 0 {
			t.hooks.Seized(c.cic, t.now)
		}
		if c.st.Busy() && !s.Busy() {
			t.hooks.Released(c.cic, t.now)
		}
	}
	c.st, c.since, c.reason = s, t.now, reason
}

// data returns n zeroed bytes of per-call scratch for Action.Data.
func (t *Trunk) data(n int) []byte {
	i := len(t.arena)
	for k := 0; k < n; k++ {
		t.arena = append(t.arena, 0)
	}
	return t.arena[i : i+n : i+n]
}

// bearerOff detaches any check-tone transceiver or loop the user attached.
func (t *Trunk) bearerOff(c *circ) {
	if c.flags&fTone != 0 {
		c.flags &^= fTone
		t.out = append(t.out, Action{Kind: ActIndicate, CIC: c.cic, Ind: IndCheckTone})
	}
	if c.flags&fLoop != 0 {
		c.flags &^= fLoop
		t.out = append(t.out, Action{Kind: ActIndicate, CIC: c.cic, Ind: IndLoop})
	}
}

func (t *Trunk) toneOn(c *circ) {
	c.flags |= fTone
	t.out = append(t.out, Action{Kind: ActIndicate, CIC: c.cic, Ind: IndCheckTone, On: true})
}

func (t *Trunk) loopOn(c *circ) {
	if t.opt.Continuity == ContinuityNone {
		return
	}
	c.flags |= fLoop
	t.out = append(t.out, Action{Kind: ActIndicate, CIC: c.cic, Ind: IndLoop, On: true})
}

// callFlags are cleared when a call ends.
const callFlags = fCOT | fCOTPrev | fOverlap | fSuspended | fINR | fTesting | fUserGone

// dropCall ends whatever call or test runs on c without signalling it to
// the far end (the caller sends RSC, or nothing for hardware blocking): the
// user is told (a repeat attempt before the first backward message), the
// bearer is freed and the call timers stop.
func (t *Trunk) dropCall(c *circ, why Why, text string) {
	switch {
	case c.phase == PhaseOutSetup:
		t.userReattempt(c, why, text)
	case c.phase.call():
		t.userRelease(c, isup.CauseTemporaryFailure, text)
	case c.phase == PhaseReleasing:
		if c.flags&fUserGone == 0 {
			c.flags |= fUserGone
			t.ind(c, IndReleased, nil)
		}
	case c.phase == PhaseOutRetest:
		t.clear(c, AlarmContinuity, text)
	}
	t.bearerOff(c)
	t.stopAll(c, callTimers)
	c.flags &^= callFlags
	c.phase = PhaseIdle
}

// idle returns c to idle after its call ended normally.
func (t *Trunk) idle(c *circ) {
	t.bearerOff(c)
	t.stopAll(c, callTimers)
	c.flags &^= callFlags
	c.phase = PhaseIdle
}

func itoa(n int) string { return strconv.Itoa(n) }
