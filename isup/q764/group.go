package q764

import (
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/circuit"
)

// ---------------------------------------------------------------------------
// Group messages awaiting acknowledgement.

func (t *Trunk) findOp(typ isup.MessageType, cgsm isup.CGSMType, base uint16) *groupOp {
	for i := range t.ops {
		if o := &t.ops[i]; o.typ == typ && o.cgsm == cgsm && o.base == base {
			return o
		}
	}
	return nil
}

// newOp takes a free slot (nil when every slot is busy).
func (t *Trunk) newOp(typ isup.MessageType, cgsm isup.CGSMType, base uint16, rng uint8, status uint32) *groupOp {
	var o *groupOp
	for i := range t.ops {
		if t.ops[i].typ == 0 {
			o = &t.ops[i]
			break
		}
	}
	if o == nil {
		if len(t.ops) == cap(t.ops) {
			return nil
		}
		t.ops = append(t.ops, groupOp{})
		o = &t.ops[len(t.ops)-1]
	}
	*o = groupOp{typ: typ, cgsm: cgsm, base: base, rng: rng, status: status}
	return o
}

func (t *Trunk) opStart(o *groupOp, tm Timer) {
	o.timers |= 1 << tm
	t.emit(Action{Kind: ActStartTimer, CIC: o.base, Timer: tm, Dur: t.tm[tm], CGSM: o.cgsm})
}

func (t *Trunk) opStop(o *groupOp, tm Timer) {
	if o.timers&(1<<tm) != 0 {
		o.timers &^= 1 << tm
		t.emit(Action{Kind: ActStopTimer, CIC: o.base, Timer: tm, CGSM: o.cgsm})
	}
}

// opFree ends a group operation: its timers stop and its alarm clears.
func (t *Trunk) opFree(o *groupOp, reason string) {
	for m := o.timers; m != 0; m &= m - 1 {
		t.opStop(o, Timer(trailingZeros(m)))
	}
	if o.alarm {
		t.emit(Action{Kind: ActAlarm, CIC: o.base, Alarm: groupAlarm(o.typ), CGSM: o.cgsm, Text: reason})
	}
	*o = groupOp{}
}

func groupAlarm(typ isup.MessageType) Alarm {
	switch typ {
	case isup.CGB:
		return AlarmGroupBlock
	case isup.CGU:
		return AlarmGroupUnblock
	case isup.GRS:
		return AlarmGroupReset
	}
	return AlarmQuery
}

func (t *Trunk) inRange(o *groupOp, cic uint16) bool {
	return cic >= o.base && int(cic) <= int(o.base)+int(o.rng)
}

// opHasGRS reports whether a circuit of o's range still awaits the GRA.
func (t *Trunk) opHasGRS(o *groupOp) bool {
	for i := 0; i <= int(o.rng); i++ {
		if c := t.circ(o.base + uint16(i)); c != nil && c.flags&fGRS != 0 {
			return true
		}
	}
	return false
}

// sendGroup emits a group message.
func (t *Trunk) sendGroup(typ isup.MessageType, cgsm isup.CGSMType, base uint16, rng uint8, status uint32) {
	t.emit(Action{Kind: ActSend, CIC: base, Type: typ, CGSM: cgsm, Range: rng, Status: status})
}

// startGroup sends CGB or CGU under T18/T19 or T20/T21. One of the same
// kind and type awaiting acknowledgement for the same first circuit takes
// the new circuits in (it is sent again with all of them); when no slot is
// left the message goes unsupervised.
func (t *Trunk) startGroup(typ isup.MessageType, cgsm isup.CGSMType, base uint16, rng uint8, status uint32) {
	short, long := T18, T19
	if typ == isup.CGU {
		short, long = T20, T21
	}
	o := t.findOp(typ, cgsm, base)
	fresh := false
	if o == nil {
		if o = t.newOp(typ, cgsm, base, rng, status); o == nil {
			t.sendGroup(typ, cgsm, base, rng, status)
			return
		}
		fresh = true
	} else {
		o.status |= status
		o.rng = max(o.rng, rng)
	}
	t.sendGroup(typ, o.cgsm, o.base, o.rng, o.status)
	t.opStart(o, short)
	if fresh {
		t.opStart(o, long)
	}
}

// cancelGroupBits takes cic out of the pending group messages of type typ
// (a newer request of the opposite kind supersedes them).
func (t *Trunk) cancelGroupBits(typ isup.MessageType, cgsm isup.CGSMType, cic uint16) {
	for i := range t.ops {
		o := &t.ops[i]
		if o.typ != typ || o.cgsm != cgsm || !t.inRange(o, cic) {
			continue
		}
		o.status &^= 1 << (cic - o.base)
		if o.status == 0 {
			t.opFree(o, "superseded")
		}
	}
}

// statusBits reads the status subfield of range and status.
func statusBits(st []byte, rng uint8) uint32 {
	var s uint32
	for i := 0; i <= int(rng) && i/8 < len(st); i++ {
		if st[i/8]&(1<<(i%8)) != 0 {
			s |= 1 << i
		}
	}
	return s
}

// ---------------------------------------------------------------------------
// Group messages received (Q.764 §2.8.2, §2.9.3.2, circuit group query).

func (t *Trunk) receiveGroup(m *isup.Message) {
	rs, ok := m.Param(isup.ParamRangeAndStatus)
	if !ok || len(rs) == 0 {
		return
	}
	rng, st := rs[0], rs[1:]
	base := m.CIC
	if t.circ(base) == nil {
		if m.Type != isup.CQR && !t.opt.NoUCIC {
			t.send(base, isup.UCIC, nil)
		}
		return
	}
	// Range 0 is reserved in GRS, CGB, CGU and their acknowledgements; at
	// most 32 circuits are addressed (Q.763 §3.43): discard otherwise.
	if rng > 31 || rng == 0 && m.Type != isup.CQM && m.Type != isup.CQR {
		return
	}
	cgsm := isup.CGSMMaintenance
	switch m.Type {
	case isup.CGB, isup.CGBA, isup.CGU, isup.CGUA:
		d, ok := m.Param(isup.ParamCircuitGroupSupervisionMsgType)
		if !ok || len(d) == 0 || d[0]&3 > 1 {
			return // reserved type indicator
		}
		cgsm = isup.CGSMType(d[0] & 3)
		if len(st) == 0 {
			return
		}
	}
	switch m.Type {
	case isup.GRS:
		t.rxGRS(base, rng)
	case isup.GRA:
		t.rxGRA(base, rng, statusBits(st, rng))
	case isup.CGB:
		t.rxCGB(base, rng, cgsm, statusBits(st, rng))
	case isup.CGU:
		t.rxCGU(base, rng, cgsm, statusBits(st, rng))
	case isup.CGBA:
		t.rxCGBA(base, rng, cgsm, statusBits(st, rng))
	case isup.CGUA:
		t.rxCGUA(base, rng, cgsm, statusBits(st, rng))
	case isup.CQM:
		t.rxCQM(base, rng)
	case isup.CQR:
		t.rxCQR(base, rng, m)
	}
}

func blockBit(cgsm isup.CGSMType, local bool) circuit.State {
	switch {
	case cgsm == isup.CGSMHardwareFailure && local:
		return circuit.LocalHWBlocked
	case cgsm == isup.CGSMHardwareFailure:
		return circuit.RemoteHWBlocked
	case local:
		return circuit.LocalMaintBlocked
	}
	return circuit.RemoteMaintBlocked
}

func (t *Trunk) rxCGB(base uint16, rng uint8, cgsm isup.CGSMType, bits uint32) {
	var ack, abandon uint32
	for i := 0; i <= int(rng); i++ {
		c := t.circ(base + uint16(i))
		if bits&(1<<i) == 0 || c == nil {
			continue
		}
		ack |= 1 << i
		c.block |= blockBit(cgsm, false)
		if cgsm == isup.CGSMHardwareFailure {
			// Q.764 §2.8.2: calls on hardware blocked circuits are released
			// at both ends without release messages.
			t.dropCall(c, WhyBlocked, "CGB (hardware) received")
		} else if c.phase == PhaseOutSetup {
			abandon |= 1 << i
		}
		t.commit(c, "CGB received")
	}
	t.sendGroup(isup.CGBA, cgsm, base, rng, ack)
	// Q.764 §2.8.2.1: after the acknowledgement, a call not yet answered
	// by any backward message is released and re-attempted.
	for i := 0; abandon != 0; i++ {
		if abandon&(1<<i) != 0 {
			abandon &^= 1 << i
			c := t.circ(base + uint16(i))
			t.abandonBlocked(c, "CGB received before the first backward message")
		}
	}
}

func (t *Trunk) rxCGU(base uint16, rng uint8, cgsm isup.CGSMType, bits uint32) {
	var ack uint32
	for i := 0; i <= int(rng); i++ {
		c := t.circ(base + uint16(i))
		if bits&(1<<i) == 0 || c == nil {
			continue
		}
		ack |= 1 << i
		c.block &^= blockBit(cgsm, false)
		t.commit(c, "CGU received")
	}
	t.sendGroup(isup.CGUA, cgsm, base, rng, ack)
}

// localBits returns the circuits of bits that are locally blocked by cgsm
// and not being unblocked (blocked), or that are not locally blocked
// (!blocked).
func (t *Trunk) localBits(base uint16, rng uint8, cgsm isup.CGSMType, bits uint32, blocked bool) uint32 {
	var out uint32
	for i := 0; i <= int(rng); i++ {
		c := t.circ(base + uint16(i))
		if bits&(1<<i) == 0 || c == nil {
			continue
		}
		local := c.block&blockBit(cgsm, true) != 0
		if blocked && local && !t.unblocking(c, cgsm) && (cgsm != isup.CGSMMaintenance || c.flags&fUBL == 0) || !blocked && !local {
			out |= 1 << i
		}
	}
	return out
}

func (t *Trunk) rxCGBA(base uint16, rng uint8, cgsm isup.CGSMType, bits uint32) {
	o := t.findOp(isup.CGB, cgsm, base)
	if o == nil || o.rng != rng {
		// Q.764 §2.8.2.3: an acknowledgement of blocking not asked for:
		// unblock the circuits that are not blocked here.
		if extra := t.localBits(base, rng, cgsm, bits, false); extra != 0 {
			t.startGroup(isup.CGU, cgsm, base, rng, extra)
		}
		return
	}
	missing := o.status &^ bits
	extra := t.localBits(base, rng, cgsm, bits&^o.status, false)
	t.opFree(o, "CGBA received")
	if missing != 0 {
		t.startGroup(isup.CGB, cgsm, base, rng, missing)
	}
	if extra != 0 {
		t.startGroup(isup.CGU, cgsm, base, rng, extra)
	}
}

func (t *Trunk) rxCGUA(base uint16, rng uint8, cgsm isup.CGSMType, bits uint32) {
	o := t.findOp(isup.CGU, cgsm, base)
	if o == nil || o.rng != rng {
		// Unblocking acknowledged that was not asked for: block again the
		// circuits that are blocked here.
		if still := t.localBits(base, rng, cgsm, bits, true); still != 0 {
			t.startGroup(isup.CGB, cgsm, base, rng, still)
		}
		return
	}
	done := bits & o.status
	missing := o.status &^ bits
	extra := t.localBits(base, rng, cgsm, bits&^o.status, true)
	t.opFree(o, "CGUA received")
	for i := 0; i <= int(rng); i++ {
		if c := t.circ(base + uint16(i)); c != nil && done&(1<<i) != 0 {
			c.block &^= blockBit(cgsm, true)
			t.commit(c, "CGUA received: unblocked")
		}
	}
	if missing != 0 {
		t.startGroup(isup.CGU, cgsm, base, rng, missing)
	}
	if extra != 0 {
		t.startGroup(isup.CGB, cgsm, base, rng, extra)
	}
}

// groupReset sends GRS over base…base+rng under T22 and T23.
func (t *Trunk) groupReset(base uint16, rng uint8, reason string) {
	if o := t.findOp(isup.GRS, 0, base); o != nil {
		t.endGRS(o, "GRS repeated")
	}
	o := t.newOp(isup.GRS, 0, base, rng, 0)
	if o == nil {
		for i := 0; i <= int(rng); i++ {
			if c := t.circ(base + uint16(i)); c != nil {
				t.resetCircuit(c, WhyReset, reason)
			}
		}
		return
	}
	for i := 0; i <= int(rng); i++ {
		c := t.circ(base + uint16(i))
		if c == nil {
			continue
		}
		t.dropCall(c, WhyReset, reason)
		if c.flags&fReset != 0 {
			// The GRS supersedes a single reset and its alarms.
			t.stopAll(c, resetTimers)
			c.flags &^= fReset | fResetT5
			c.resetN = 0
			t.clear(c, AlarmRelease, reason)
			t.clear(c, AlarmReset, reason)
		}
		c.flags |= fGRS
		t.commit(c, reason)
	}
	t.sendGroup(isup.GRS, 0, base, rng, 0)
	t.opStart(o, T22)
	t.opStart(o, T23)
	t.reportGroupBlocks(base, rng)
}

// reportGroupBlocks repeats, after a GRS, the blocking of the circuits of
// its range: the far end forgets it on every GRS.
func (t *Trunk) reportGroupBlocks(base uint16, rng uint8) {
	var hw uint32
	for i := 0; i <= int(rng); i++ {
		c := t.circ(base + uint16(i))
		if c == nil {
			continue
		}
		mnt, h := t.reportedBlocks(c)
		if mnt {
			t.sendBLO(c)
		}
		if h {
			hw |= 1 << i
		}
	}
	if hw != 0 {
		t.startGroup(isup.CGB, isup.CGSMHardwareFailure, base, rng, hw)
	}
}

func (t *Trunk) rxGRS(base uint16, rng uint8) {
	var mnt, hw uint32
	for i := 0; i <= int(rng); i++ {
		c := t.circ(base + uint16(i))
		if c == nil {
			continue
		}
		t.dropCall(c, WhyReset, "GRS received")
		if c.flags&fReset != 0 {
			t.resetDone(c, "GRS received")
		}
		c.block &^= circuit.RemoteMaintBlocked | circuit.RemoteHWBlocked
		m, h := t.reportedBlocks(c)
		if m {
			mnt |= 1 << i
		}
		if h {
			hw |= 1 << i
		}
		t.commit(c, "GRS received")
	}
	// Q.764 §2.9.3.2: GRA reports maintenance blocking; hardware blocking
	// follows in a CGB.
	t.sendGroup(isup.GRA, 0, base, rng, mnt)
	if hw != 0 {
		t.startGroup(isup.CGB, isup.CGSMHardwareFailure, base, rng, hw)
	}
}

func (t *Trunk) rxGRA(base uint16, rng uint8, bits uint32) {
	o := t.findOp(isup.GRS, 0, base)
	if o == nil || o.rng != rng {
		return // Q.764 §2.9.3.2: a GRA not matching a GRS is discarded
	}
	t.endGRS(o, "GRA received")
	for i := 0; i <= int(rng); i++ {
		c := t.circ(base + uint16(i))
		if c == nil {
			continue
		}
		if c.flags&fReset != 0 {
			t.resetDone(c, "GRA received")
		}
		c.block &^= circuit.RemoteMaintBlocked | circuit.RemoteHWBlocked
		if bits&(1<<i) != 0 {
			c.block |= circuit.RemoteMaintBlocked
		}
		t.commit(c, "GRA received")
	}
}

// endGRS ends GRS o: its circuits no longer await a GRA (nor stay
// quarantined for it) unless another GRS covers them.
func (t *Trunk) endGRS(o *groupOp, reason string) {
	base, rng := o.base, o.rng
	t.opFree(o, reason)
	for i := 0; i <= int(rng); i++ {
		c := t.circ(base + uint16(i))
		if c == nil || c.flags&fGRS == 0 || t.grsCovers(c.cic, nil) {
			continue
		}
		c.flags &^= fGRS
		if c.flags&fReset == 0 && c.flags&fQuarantined != 0 {
			c.flags &^= fQuarantined
			t.clear(c, AlarmQuarantine, reason)
		}
		t.commit(c, reason)
	}
}

// grsCovers reports whether a GRS other than except covers cic.
func (t *Trunk) grsCovers(cic uint16, except *groupOp) bool {
	for i := range t.ops {
		if o := &t.ops[i]; o != except && o.typ == isup.GRS && t.inRange(o, cic) {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------------------
// Circuit group query.

func (t *Trunk) reqQuery(c *circ, r *Request) {
	if r.Range > 31 {
		t.reject(c.cic, "range exceeds 31")
		return
	}
	if o := t.findOp(isup.CQM, 0, c.cic); o != nil {
		t.opFree(o, "CQM repeated")
	}
	o := t.newOp(isup.CQM, 0, c.cic, r.Range, 0)
	if o == nil {
		t.reject(c.cic, "too many group messages awaiting acknowledgement")
		return
	}
	t.sendGroup(isup.CQM, 0, c.cic, r.Range, 0)
	t.opStart(o, T28)
}

// groupPending reports whether a CGB or CGU covering c awaits its
// acknowledgement.
func (t *Trunk) groupPending(c *circ) bool {
	for i := range t.ops {
		o := &t.ops[i]
		if (o.typ == isup.CGB || o.typ == isup.CGU) && t.inRange(o, c.cic) && o.status&(1<<(c.cic-o.base)) != 0 {
			return true
		}
	}
	return false
}

// cqrState codes circuit c's state for a CQR (Q.763 §3.14).
func (t *Trunk) cqrState(c *circ) byte {
	if c == nil {
		return 0x03 // unequipped
	}
	// Q.764: transient are a call awaiting its first backward message or
	// its RLC, and a (group) (un)blocking or reset awaiting acknowledgement.
	if c.phase == PhaseOutSetup || c.phase == PhaseReleasing || c.flags&(fBLO|fUBL|fReset|fGRS) != 0 || t.groupPending(c) {
		return 0x00
	}
	var cp byte = 3
	switch {
	case c.phase.incoming():
		cp = 1
	case c.phase.outgoing():
		cp = 2
	}
	var mb, hb byte
	if c.block&circuit.LocalMaintBlocked != 0 {
		mb |= 1
	}
	if c.block&circuit.RemoteMaintBlocked != 0 {
		mb |= 2
	}
	if c.block&circuit.LocalHWBlocked != 0 {
		hb |= 1
	}
	if c.block&circuit.RemoteHWBlocked != 0 {
		hb |= 2
	}
	return mb | cp<<2 | hb<<4
}

func (t *Trunk) rxCQM(base uint16, rng uint8) {
	states := t.data(int(rng) + 1)
	for i := range states {
		states[i] = t.cqrState(t.circ(base + uint16(i)))
	}
	t.emit(Action{Kind: ActSend, CIC: base, Type: isup.CQR, Range: rng, Data: states})
}

// rxCQR reports the far end's view to the operator and corrects blocking
// states that disagree with it.
func (t *Trunk) rxCQR(base uint16, rng uint8, m *isup.Message) {
	o := t.findOp(isup.CQM, 0, base)
	if o == nil || o.rng != rng {
		return
	}
	t.opFree(o, "CQR received")
	c0 := t.circ(base)
	t.ind(c0, IndQuery, m)
	states, _ := m.Param(isup.ParamCircuitStateIndicator)
	for i := 0; i <= int(rng) && i < len(states); i++ {
		c := t.circ(base + uint16(i))
		if c == nil {
			continue
		}
		s := states[i]
		if s>>2&3 == 0 {
			if s&3 == 3 && c.flags&fUnequipped == 0 {
				c.flags |= fUnequipped
				t.raise(c, AlarmUnequipped, "CQR: the far end has no such circuit")
				t.commit(c, "CQR: unequipped at the far end")
			}
			continue // transient: nothing to compare
		}
		t.reconcile(c, s&3, s>>4&3)
	}
}

// reconcile aligns c's blocking with the far end's maintenance (mb) and
// hardware (hb) blocking states: bit 0 blocked there, bit 1 it sees this
// exchange's blocking.
func (t *Trunk) reconcile(c *circ, mb, hb byte) {
	setRemote := func(bit circuit.State, on bool) {
		if on {
			c.block |= bit
		} else {
			c.block &^= bit
		}
	}
	setRemote(circuit.RemoteMaintBlocked, mb&1 != 0)
	setRemote(circuit.RemoteHWBlocked, hb&1 != 0)
	local, localHW := t.reportedBlocks(c)
	switch {
	case local && mb&2 == 0 && c.flags&(fBLO|fUBL) == 0:
		t.sendBLO(c)
	case !local && mb&2 != 0 && c.flags&(fBLO|fUBL) == 0:
		t.sendUBL(c)
	}
	switch {
	case localHW && hb&2 == 0:
		t.hwReblock(c)
	case !localHW && hb&2 != 0:
		if base, rng, status, ok := t.single(c.cic); ok {
			t.startGroup(isup.CGU, isup.CGSMHardwareFailure, base, rng, status)
		}
	}
	t.commit(c, "CQR received")
}

// ---------------------------------------------------------------------------
// Group timers.

func (t *Trunk) expireGroup(r TimerRef) {
	var typ isup.MessageType
	switch r.Timer {
	case T18, T19:
		typ = isup.CGB
	case T20, T21:
		typ = isup.CGU
	case T22, T23:
		typ = isup.GRS
	case T28:
		typ = isup.CQM
	}
	cgsm := isup.CGSMMaintenance
	if r.Hardware {
		cgsm = isup.CGSMHardwareFailure
	}
	o := t.findOp(typ, cgsm, r.CIC)
	if o == nil || o.timers&(1<<r.Timer) == 0 {
		return
	}
	o.timers &^= 1 << r.Timer
	switch r.Timer {
	case T28:
		// No CQR: alert maintenance.
		c := t.circ(o.base)
		t.opFree(o, "T28 expired")
		if c != nil {
			t.raise(c, AlarmQuery, "T28 expired: no CQR to CQM")
		}
		return
	case T18, T20, T22:
		t.sendGroup(o.typ, o.cgsm, o.base, o.rng, o.status)
		t.opStart(o, r.Timer)
		if o.typ == isup.GRS {
			t.reportGroupBlocks(o.base, o.rng)
		}
		return
	}
	// T19, T21, T23: repeat, alert maintenance, and repeat every long
	// timer from then on (Q.764 §2.9.4, §2.9.3.3).
	t.sendGroup(o.typ, o.cgsm, o.base, o.rng, o.status)
	t.opStop(o, r.Timer-1)
	t.opStart(o, r.Timer)
	if o.typ == isup.GRS {
		base, rng := o.base, o.rng
		defer t.reportGroupBlocks(base, rng)
	}
	if o.longN < 255 {
		o.longN++
	}
	if !o.alarm {
		o.alarm = true
		t.emit(Action{Kind: ActAlarm, CIC: o.base, Alarm: groupAlarm(o.typ), CGSM: o.cgsm, On: true, Text: r.Timer.String() + " expired: no acknowledgement of " + o.typ.String()})
	}
	if o.typ == isup.GRS && o.longN >= t.qafter {
		reason := "T23 expired " + itoa(int(o.longN)) + " times: no GRA to GRS"
		for i := 0; i <= int(o.rng); i++ {
			if c := t.circ(o.base + uint16(i)); c != nil && c.flags&(fGRS|fQuarantined) == fGRS {
				t.quarantine(c, reason)
			}
		}
	}
}
