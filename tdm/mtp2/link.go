package mtp2

import (
	"time"

	"github.com/sipgw/sipgw/tdm/su"
)

// Link is the level 2 of one signalling link. Not safe for concurrent
// use: its driver calls it from one loop.
type Link struct {
	cfg   Config
	state State

	emergency       bool // local emergency (SIE, Pe) asked by level 3
	farEmergency    bool // SIE received in this alignment
	provingPeriod   bool // true: emergency proving (Pe)
	aermCount       int  // Ca
	provingFailures int  // Cp
	suermCount      int  // Cs
	suermBlock      int  // units since the last decrement

	localPO, remotePO bool
	localBusy         bool
	remoteBusy        bool
	frozenBSN         uint8 // the BSN sent while locally busy

	// Basic error correction (§5). Transmitting side: FSN of the last MSU
	// sent, of the last one acknowledged, and the FIB. Receiving side: FSN
	// of the last MSU accepted (the BSN we send) and the BIB.
	lastSent, lastAcked uint8
	fib, bib            bool
	lastAccepted        uint8
	nackPending         bool
	farReady            bool // a FISU came while we were still proving
	abnormalBSN         int
	abnormalFIB         int
	bsntValid           bool

	// rtb holds the units sent and not yet acknowledged, by FSN; txq the
	// messages waiting for a sequence number (ring).
	rtb  [su.Modulus][]byte
	txq  [][]byte
	txqH int
	free [][]byte // spare payload buffers for txq

	running [numTimers]bool
	out     []Action
	scratch []byte
	sentAny bool // a unit went out in this step (it carried the BSN)
	ackDue  bool
	// ackPending: with DeferAck, an acknowledgement waits for FlushAck.
	ackPending bool
	// pendingFlush: Retrieve handed out payloads that alias the buffers;
	// they are emptied at the next call.
	pendingFlush bool
}

// New returns a link out of service.
func New(cfg Config) *Link {
	l := &Link{cfg: cfg.withDefaults(), scratch: make([]byte, 0, 256), out: make([]Action, 0, 16)}
	l.resetSequence()
	return l
}

// State returns the link's state.
func (l *Link) State() State {
	if l.state == InService && (l.localPO || l.remotePO) {
		return ProcessorOutage
	}
	return l.state
}

// Outstanding returns the messages sent and not yet acknowledged, and
// those waiting for transmission.
func (l *Link) Outstanding() (unacked, queued int) {
	return int(l.lastSent-l.lastAcked) & 0x7f, len(l.txq) - l.txqH
}

// resetSequence puts the sequence numbers where Q.703 §5.2 starts a
// link: FSN and BSN 127, FIB and BIB 1 (libss7 relies on it too).
func (l *Link) resetSequence() {
	l.lastSent, l.lastAcked, l.lastAccepted = 127, 127, 127
	l.fib, l.bib = true, true
	l.nackPending = false
	l.abnormalBSN, l.abnormalFIB = 0, 0
}

func (l *Link) begin() {
	if l.pendingFlush {
		l.pendingFlush = false
		l.flush()
	}
	l.out = l.out[:0]
	l.scratch = l.scratch[:0]
	l.sentAny, l.ackDue = false, false
}

func (l *Link) emit(a Action) { l.out = append(l.out, a) }

func (l *Link) start(t Timer) {
	l.running[t] = true
	l.emit(Action{Kind: StartTimer, Timer: t, Duration: l.duration(t)})
}

func (l *Link) duration(t Timer) time.Duration {
	switch t {
	case T1:
		return l.cfg.T1
	case T2:
		return l.cfg.T2
	case T3:
		return l.cfg.T3
	case T4:
		if l.provingPeriod {
			return l.cfg.T4e
		}
		return l.cfg.T4n
	case T5:
		return l.cfg.T5
	case T6:
		return l.cfg.T6
	case T7:
		return l.cfg.T7
	}
	return 0
}

func (l *Link) stop(t Timer) {
	if l.running[t] {
		l.running[t] = false
		l.emit(Action{Kind: StopTimer, Timer: t})
	}
}

func (l *Link) stopAll() {
	for t := T1; t < numTimers; t++ {
		l.stop(t)
	}
}

// bsnOut is the BSN we send: frozen while locally busy (§9.3: the
// acknowledgements are withheld).
func (l *Link) bsnOut() uint8 {
	if l.localBusy {
		return l.frozenBSN
	}
	return l.lastAccepted
}

func (l *Link) sendStatus(st su.Status) {
	n := len(l.scratch)
	l.scratch = su.AppendLSSU(l.scratch, l.bsnOut(), l.bib, l.lastSent, l.fib, st)
	l.emit(Action{Kind: Transmit, Unit: l.scratch[n:len(l.scratch):len(l.scratch)]})
	l.sentAny, l.ackPending = true, false
}

func (l *Link) sendFISU() {
	n := len(l.scratch)
	l.scratch = su.AppendFISU(l.scratch, l.bsnOut(), l.bib, l.lastSent, l.fib)
	l.emit(Action{Kind: Transmit, Unit: l.scratch[n:len(l.scratch):len(l.scratch)]})
	l.sentAny, l.ackPending = true, false
}

// sendFill sends the fill-in the state calls for.
func (l *Link) sendFill() {
	switch {
	case l.localPO:
		l.sendStatus(su.SIPO)
	case l.localBusy:
		l.sendStatus(su.SIB)
	default:
		l.sendFISU()
	}
}

func (l *Link) alignStatus() su.Status {
	if l.emergency {
		return su.SIE
	}
	return su.SIN
}

// fail takes the link out of service and tells level 3 why (Q.703 §3.2).
// Buffers stay for retrieval (Q.704 §5.5).
func (l *Link) fail(r Reason) {
	wasInService := l.state >= AlignedReady
	l.stopAll()
	l.state = OutOfService
	l.localBusy, l.remoteBusy, l.remotePO = false, false, false
	l.sendStatus(su.SIOS)
	if wasInService {
		l.bsntValid = true
	}
	l.emit(Action{Kind: OutOfServiceInd, Reason: r})
}

// Start begins initial alignment (level 3 "start", Q.703 §7.2): sequence
// numbers reset, buffers flushed, SIO sent, T2 started. A link already
// started is left alone.
func (l *Link) Start(emergency bool) []Action {
	l.begin()
	if l.state != OutOfService {
		return l.out
	}
	l.emergency = emergency
	l.farEmergency = false
	l.provingFailures = 0
	l.localBusy, l.remoteBusy, l.remotePO = false, false, false
	l.suermCount, l.suermBlock = 0, 0
	l.flush()
	l.resetSequence()
	l.bsntValid = false
	l.state = NotAligned
	l.sendStatus(su.SIO)
	l.start(T2)
	return l.out
}

// Stop takes the link out of service at level 3's request: SIOS, no
// failure report.
func (l *Link) Stop() []Action {
	l.begin()
	if l.state == OutOfService {
		return l.out
	}
	wasInService := l.state >= AlignedReady
	l.stopAll()
	l.state = OutOfService
	if wasInService {
		l.bsntValid = true
	}
	l.sendStatus(su.SIOS)
	return l.out
}

// Repeat transmits the fill-in unit of the current state again: SIOS out
// of service, SIO/SIN/SIE while aligning, FISU (SIPO, SIB) otherwise. A
// driver calls it for a channel that must never idle (an HDLC timeslot)
// and when a channel is attached anew, so the far end learns the state
// that a lost unit carried.
func (l *Link) Repeat() []Action {
	l.begin()
	switch l.state {
	case OutOfService:
		l.sendStatus(su.SIOS)
	case NotAligned:
		l.sendStatus(su.SIO)
	case Aligned, Proving:
		l.sendStatus(l.alignStatus())
	default:
		l.sendFill()
	}
	return l.out
}

// ChannelFailed reports that the channel under the link is gone: a link
// failure for level 3 (nothing can be sent).
func (l *Link) ChannelFailed() []Action {
	l.begin()
	if l.state == OutOfService {
		return l.out
	}
	l.fail(ReasonChannel)
	// The SIOS cannot go out; drop it so the driver does not try.
	out := l.out[:0]
	for _, a := range l.out {
		if a.Kind != Transmit {
			out = append(out, a)
		}
	}
	l.out = out
	return l.out
}

// SetEmergency sets or clears the emergency alignment asked by level 3
// (Q.703 §7.1): SIE instead of SIN and the short proving period, from the
// next alignment on (and at once while not aligned or aligned).
func (l *Link) SetEmergency(on bool) []Action {
	l.begin()
	if l.emergency == on {
		return l.out
	}
	l.emergency = on
	if l.state == Aligned {
		l.sendStatus(l.alignStatus())
	}
	return l.out
}

// Expire is a timer's expiry; a timer already stopped is ignored.
func (l *Link) Expire(t Timer) []Action {
	l.begin()
	if t < T1 || t >= numTimers || !l.running[t] {
		return l.out
	}
	l.running[t] = false
	switch t {
	case T2:
		l.fail(ReasonT2)
	case T3:
		l.fail(ReasonT3)
	case T4:
		// Proving passed (§7.3): send FISU (SIPO under a local processor
		// outage), wait for the far end's for T1.
		l.state = AlignedReady
		l.sendFill()
		if l.farReady {
			// The far end finished proving first and its FISU came
			// while we were proving. A packet channel does not repeat
			// it, so it counts now (§7.3 takes the next one).
			l.state = InService
			l.bsntValid = true
			l.emit(Action{Kind: InServiceInd})
			return l.out
		}
		l.start(T1)
	case T1:
		l.fail(ReasonT1)
	case T5:
		if l.localBusy && l.state == InService {
			l.sendStatus(su.SIB)
			l.start(T5)
		}
	case T6:
		l.fail(ReasonT6)
	case T7:
		l.fail(ReasonT7)
	}
	return l.out
}

// ErroredSU counts a unit the channel received in error (bad check bits,
// bad length, an aborted frame) in the error rate monitors (§10).
func (l *Link) ErroredSU() []Action {
	l.begin()
	switch l.state {
	case Proving:
		l.aermCount++
		th := l.cfg.Tin
		if l.provingPeriod {
			th = l.cfg.Tie
		}
		if l.aermCount > th {
			l.abortProving()
		}
	case AlignedReady, InService:
		l.suermCount++
		l.suermTick()
		if l.suermCount >= l.cfg.SUERMT {
			l.fail(ReasonSUERM)
		}
	}
	return l.out
}

// suermTick counts a unit in the SUERM's block of D (§10.2.2).
func (l *Link) suermTick() {
	l.suermBlock++
	if l.suermBlock >= l.cfg.SUERMD {
		l.suermBlock = 0
		if l.suermCount > 0 {
			l.suermCount--
		}
	}
}

// abortProving: the AERM crossed its threshold (§7.3): proving starts
// again, M failures end the alignment.
func (l *Link) abortProving() {
	l.provingFailures++
	l.stop(T4)
	if l.provingFailures >= l.cfg.M {
		l.fail(ReasonProving)
		return
	}
	l.aermCount = 0
	l.start(T4)
}

// LocalProcessorOutage sets or clears a local processor outage (§8):
// SIPO is sent and received messages are discarded while it lasts.
func (l *Link) LocalProcessorOutage(on bool) []Action {
	l.begin()
	if l.localPO == on {
		return l.out
	}
	l.localPO = on
	if l.state == InService || l.state == AlignedReady {
		l.sendFill()
	}
	return l.out
}

// LocalBusy sets or clears level 2 receive congestion (§9.3): SIB every
// T5 and acknowledgements withheld while it lasts.
func (l *Link) LocalBusy(on bool) []Action {
	l.begin()
	if l.localBusy == on || l.state != InService {
		l.localBusy = on && l.state == InService
		return l.out
	}
	if on {
		l.frozenBSN = l.lastAccepted
		l.localBusy = true
		l.sendStatus(su.SIB)
		l.start(T5)
	} else {
		l.localBusy = false
		l.stop(T5)
		l.sendFill()
	}
	return l.out
}

// Receive processes one signal unit (without its check bits). A unit
// that does not decode counts as errored.
func (l *Link) Receive(unit []byte) []Action {
	l.begin()
	var u su.SU
	if err := u.Decode(unit); err != nil {
		l.out = append(l.out[:0], l.ErroredSU()...)
		return l.out
	}
	if l.state == InService || l.state == AlignedReady {
		l.suermTick()
	}
	if u.Kind == su.LSSU {
		l.receiveLSSU(u.Status)
	} else {
		l.receiveUnit(&u)
	}
	if l.ackDue && !l.sentAny && l.state == InService {
		if l.cfg.DeferAck {
			l.ackPending = true
		} else {
			l.sendFill()
		}
	}
	return l.out
}

// FlushAck sends the acknowledgement Receive deferred (Config.DeferAck),
// if no unit sent since carried it.
func (l *Link) FlushAck() []Action {
	l.begin()
	if l.ackPending && l.state == InService {
		l.sendFill()
	}
	l.ackPending = false
	return l.out
}

func (l *Link) receiveLSSU(st su.Status) {
	switch l.state {
	case OutOfService:
		// Nothing: level 3 has not started the link.
	case NotAligned:
		switch st {
		case su.SIO, su.SIN, su.SIE:
			// §7.3: the far end is there; go aligned and tell it.
			l.stop(T2)
			if st == su.SIE {
				l.farEmergency = true
			}
			if st == su.SIO {
				l.state = Aligned
				l.sendStatus(l.alignStatus())
				l.start(T3)
				return
			}
			// SIN/SIE: the far end is already aligned; answer and prove.
			l.state = Aligned
			l.sendStatus(l.alignStatus())
			l.startProving()
		}
	case Aligned:
		switch st {
		case su.SIN, su.SIE:
			if st == su.SIE {
				l.farEmergency = true
			}
			l.stop(T3)
			l.startProving()
		case su.SIOS:
			l.fail(ReasonReceivedSIOS)
		}
	case Proving:
		switch st {
		case su.SIO:
			// §7.3: the far end restarted: back to aligned.
			l.stop(T4)
			l.state = Aligned
			l.start(T3)
		case su.SIOS:
			l.fail(ReasonReceivedSIOS)
		case su.SIE:
			l.farEmergency = true
			if !l.provingPeriod {
				// Emergency on either side makes the proving short.
				l.stop(T4)
				l.provingPeriod = true
				l.aermCount = 0
				l.start(T4)
			}
		}
	case AlignedReady:
		switch st {
		case su.SIO:
			l.fail(ReasonReceivedSIO)
		case su.SIOS:
			l.fail(ReasonReceivedSIOS)
		case su.SIPO:
			l.stop(T1)
			l.state = InService
			l.bsntValid = true
			l.remotePO = true
			l.emit(Action{Kind: InServiceInd})
			l.emit(Action{Kind: RemoteProcessorOutageInd})
		}
		// SIN/SIE: the far end is still proving; wait.
	case InService:
		switch st {
		case su.SIO:
			l.fail(ReasonReceivedSIO)
		case su.SIOS:
			l.fail(ReasonReceivedSIOS)
		case su.SIN, su.SIE:
			l.fail(ReasonReceivedSIN)
		case su.SIPO:
			if !l.remotePO {
				l.remotePO = true
				// Its acknowledgements stop with its processor: T7 would
				// only turn the outage into a failure.
				l.stop(T7)
				l.emit(Action{Kind: RemoteProcessorOutageInd})
			}
		case su.SIB:
			// §9.4: remote congestion: T7 suspended, T6 bounds it.
			if !l.remoteBusy {
				l.remoteBusy = true
				l.stop(T7)
				l.start(T6)
				l.emit(Action{Kind: RemoteCongestionInd, On: true})
			}
		}
	}
}

func (l *Link) startProving() {
	l.state = Proving
	l.farReady = false
	l.provingPeriod = l.emergency || l.farEmergency
	l.aermCount = 0
	l.start(T4)
}

// receiveUnit handles a FISU or MSU.
func (l *Link) receiveUnit(u *su.SU) {
	switch l.state {
	case Proving:
		l.farReady = true
		return
	case AlignedReady:
		// §7.3: the far end's first FISU or MSU puts the link in service.
		l.stop(T1)
		l.state = InService
		l.bsntValid = true
		l.emit(Action{Kind: InServiceInd})
	case InService:
	default:
		return
	}
	if l.remotePO {
		l.remotePO = false
		l.emit(Action{Kind: RemoteProcessorRecoveredInd})
		l.restartT7()
	}
	if l.remoteBusy {
		l.remoteBusy = false
		l.stop(T6)
		l.emit(Action{Kind: RemoteCongestionInd, On: false})
		l.restartT7()
	}
	if !l.receiveBackward(u) {
		return
	}
	l.receiveForward(u)
	l.transmitQueued()
}

// inWindow reports whether bsn acknowledges something we sent: it lies
// between the last acknowledged and the last sent FSN (§5.3.1).
func (l *Link) inWindow(bsn uint8) bool {
	return (bsn-l.lastAcked)&0x7f <= (l.lastSent-l.lastAcked)&0x7f
}

// receiveBackward is the transmitting side's half (§5.2.2/§5.3.1):
// positive acknowledgement by BSN, negative by an inverted BIB. It
// returns false when the unit is discarded.
func (l *Link) receiveBackward(u *su.SU) bool {
	if !l.inWindow(u.BSN) {
		l.abnormalBSN++
		if l.abnormalBSN >= 2 {
			l.fail(ReasonAbnormalBSN)
		}
		return false
	}
	l.abnormalBSN = 0
	if u.BSN != l.lastAcked {
		for l.lastAcked != u.BSN {
			l.lastAcked = (l.lastAcked + 1) & 0x7f
			l.rtb[l.lastAcked] = l.rtb[l.lastAcked][:0]
		}
		l.restartT7()
	}
	if u.BIB != l.fib {
		// Negative acknowledgement: retransmit everything unacknowledged,
		// in order, with the FIB inverted (§5.2.2).
		l.fib = u.BIB
		for fsn := (l.lastAcked + 1) & 0x7f; l.lastSent != l.lastAcked; fsn = (fsn + 1) & 0x7f {
			unit := l.rtb[fsn]
			su.SetBackward(unit, l.bsnOut(), l.bib)
			su.SetFIB(unit, l.fib)
			l.emit(Action{Kind: Transmit, Unit: unit})
			l.sentAny, l.ackPending = true, false
			if fsn == l.lastSent {
				break
			}
		}
	}
	return true
}

func (l *Link) restartT7() {
	l.stop(T7)
	if l.lastSent != l.lastAcked && !l.remoteBusy && !l.remotePO {
		l.start(T7)
	}
}

// receiveForward is the receiving side's half (§5.2.3/§5.3.2).
func (l *Link) receiveForward(u *su.SU) {
	if u.FIB != l.bib {
		if l.nackPending {
			return // the retransmission has not started yet
		}
		l.abnormalFIB++
		if l.abnormalFIB >= 2 {
			l.fail(ReasonAbnormalFIB)
		}
		return
	}
	l.abnormalFIB = 0
	l.nackPending = false
	if u.FSN == l.lastAccepted {
		return // a FISU, or a duplicate MSU
	}
	if u.Kind == su.MSU && u.FSN == (l.lastAccepted+1)&0x7f {
		if l.localPO {
			return // §8: discarded while the processor is out
		}
		l.lastAccepted = u.FSN
		l.ackDue = true
		l.emit(Action{Kind: Deliver, Payload: u.Payload})
		return
	}
	// A gap: ask for retransmission once (§5.2.3).
	l.bib = !l.bib
	l.nackPending = true
	l.ackDue = true
}

// Send queues a message (SIO + SIF) from level 3 and transmits what the
// window allows. It is copied.
func (l *Link) Send(payload []byte) []Action {
	l.begin()
	if len(l.txq)-l.txqH >= l.cfg.QueueLimit || len(payload) < su.MinPayload || len(payload) > su.MaxPayload {
		l.emit(Action{Kind: Dropped, Payload: payload})
		return l.out
	}
	var buf []byte
	if n := len(l.free); n > 0 {
		buf, l.free = l.free[n-1][:0], l.free[:n-1]
	}
	l.txq = append(l.txq, append(buf, payload...))
	if l.state == InService {
		l.transmitQueued()
	}
	return l.out
}

// transmitQueued sends queued messages while fewer than 127 are
// outstanding, the far end is not busy and no processor is out.
func (l *Link) transmitQueued() {
	if l.state != InService || l.remoteBusy || l.remotePO || l.localPO {
		return
	}
	for l.txqH < len(l.txq) && (l.lastSent-l.lastAcked)&0x7f < su.Modulus-1 {
		p := l.txq[l.txqH]
		l.txq[l.txqH] = nil
		l.txqH++
		fsn := (l.lastSent + 1) & 0x7f
		l.lastSent = fsn
		if cap(l.rtb[fsn]) == 0 {
			l.rtb[fsn] = make([]byte, 0, su.MaxLen)
		}
		l.rtb[fsn] = su.AppendMSU(l.rtb[fsn][:0], l.bsnOut(), l.bib, fsn, l.fib, p)
		l.free = append(l.free, p)
		l.emit(Action{Kind: Transmit, Unit: l.rtb[fsn]})
		l.sentAny, l.ackPending = true, false
		if !l.running[T7] {
			l.start(T7)
		}
	}
	if l.txqH == len(l.txq) {
		l.txq, l.txqH = l.txq[:0], 0
	}
}

// RetrieveBSNT answers with the FSN of the last message accepted (Q.704
// §5.3.1 "retrieval of BSNT"), or BSNTNotRetrievable when the link never
// got in service since it was started.
func (l *Link) RetrieveBSNT() []Action {
	l.begin()
	if !l.bsntValid || l.state != OutOfService {
		l.emit(Action{Kind: BSNTNotRetrievable})
		return l.out
	}
	l.emit(Action{Kind: BSNTInd, BSNT: l.lastAccepted})
	return l.out
}

// Retrieve hands level 3 the messages the far end has not acknowledged:
// those after fsnc (the FSN of the last message it accepted, from COA or
// COO) in the retransmission buffer, then those never sent (Q.704 §5.5).
// The buffers are emptied. With fsnc outside the window (0xff: unknown,
// after an emergency changeover) every unacknowledged message is handed
// back.
func (l *Link) Retrieve(fsnc uint8) []Action {
	l.begin()
	from := l.lastAcked
	if fsnc < su.Modulus && l.inWindow(fsnc) {
		from = fsnc
	}
	for fsn := from; fsn != l.lastSent; {
		fsn = (fsn + 1) & 0x7f
		if unit := l.rtb[fsn]; len(unit) > su.HeaderLen {
			l.emit(Action{Kind: Retrieved, Payload: unit[su.HeaderLen:]})
		}
	}
	for _, p := range l.txq[l.txqH:] {
		l.emit(Action{Kind: Retrieved, Payload: p})
	}
	l.emit(Action{Kind: RetrievalComplete})
	l.pendingFlush = true
	return l.out
}

// Flush empties the retransmission buffer and the transmission queue
// (Q.704 "clear buffers").
func (l *Link) Flush() []Action {
	l.begin()
	l.flush()
	return l.out
}

func (l *Link) flush() {
	for i := range l.rtb {
		l.rtb[i] = l.rtb[i][:0]
	}
	for _, p := range l.txq[l.txqH:] {
		l.free = append(l.free, p)
	}
	l.txq, l.txqH = l.txq[:0], 0
	l.lastAcked = l.lastSent
}
