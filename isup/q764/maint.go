package q764

import (
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/circuit"
)

// ---------------------------------------------------------------------------
// Blocking and unblocking of one circuit (Q.764 §2.8.2, §2.9.4).

// sendBLO sends BLO under T12 and T13 (a running pair restarts).
func (t *Trunk) sendBLO(c *circ) {
	c.flags |= fBLO
	t.send(c.cic, isup.BLO, nil)
	t.start(c, T12)
	t.start(c, T13)
}

func (t *Trunk) sendUBL(c *circ) {
	c.flags |= fUBL
	t.send(c.cic, isup.UBL, nil)
	t.start(c, T14)
	t.start(c, T15)
}

func (t *Trunk) rxBLO(c *circ) {
	c.block |= circuit.RemoteMaintBlocked
	t.send(c.cic, isup.BLA, nil)
	if c.phase == PhaseOutSetup {
		t.abandonBlocked(c, "BLO received before the first backward message")
	}
	t.commit(c, "BLO received")
}

// abandonBlocked applies Q.764 §2.8.2.1 to an outgoing call whose circuit
// the far end (maintenance) blocked before any backward message: the call
// is released normally and re-attempted on another circuit.
func (t *Trunk) abandonBlocked(c *circ, text string) {
	t.userReattempt(c, WhyBlocked, text)
	t.releaseCall(c, nil, isup.CauseTemporaryFailure, isup.LocPublicLocal, nil, text)
}

func (t *Trunk) rxBLA(c *circ) {
	switch {
	case c.flags&fBLO != 0:
		t.stopAll(c, bloTimers)
		c.flags &^= fBLO
		t.clear(c, AlarmBlock, "BLA received")
	case c.flags&fUBL != 0, c.block&circuit.LocalMaintBlocked != 0:
		// Unblocking under way, or a repeated acknowledgement: discard.
	default:
		// Q.764 §2.8.2.3: BLA for a circuit this exchange did not block:
		// the far end thinks it is blocked; unblock it.
		t.sendUBL(c)
	}
}

func (t *Trunk) rxUBL(c *circ) {
	c.block &^= circuit.RemoteMaintBlocked
	t.send(c.cic, isup.UBA, nil)
	t.commit(c, "UBL received")
}

func (t *Trunk) rxUBA(c *circ) {
	switch {
	case c.flags&fUBL != 0:
		t.stopAll(c, ublTimers)
		c.flags &^= fUBL
		c.block &^= circuit.LocalMaintBlocked
		t.clear(c, AlarmUnblock, "UBA received")
		t.commit(c, "UBA received: unblocked")
	case c.block&circuit.LocalMaintBlocked != 0 && c.flags&fBLO == 0:
		// Q.764 §2.8.2.3: UBA for a circuit still blocked here: block again.
		t.sendBLO(c)
	}
}

// blockExpired handles T12 and T13 (Q.764 §2.9.4): repeat BLO; on T13
// alert maintenance and repeat every T13 from then on.
func (t *Trunk) blockExpired(c *circ, tm Timer) {
	if c.flags&fBLO == 0 {
		return
	}
	t.send(c.cic, isup.BLO, nil)
	if tm == T12 {
		t.start(c, T12)
		return
	}
	t.stop(c, T12)
	t.start(c, T13)
	t.raise(c, AlarmBlock, "T13 expired: no BLA to BLO")
}

func (t *Trunk) unblockExpired(c *circ, tm Timer) {
	if c.flags&fUBL == 0 {
		return
	}
	t.send(c.cic, isup.UBL, nil)
	if tm == T14 {
		t.start(c, T14)
		return
	}
	t.stop(c, T14)
	t.start(c, T15)
	t.raise(c, AlarmUnblock, "T15 expired: no UBA to UBL")
}

func (t *Trunk) reqBlock(c *circ, r *Request) {
	if !r.Hardware && r.Range == 0 {
		if c.block&circuit.LocalMaintBlocked != 0 && c.flags&fUBL == 0 {
			t.reject(c.cic, "already blocked")
			return
		}
		c.block |= circuit.LocalMaintBlocked
		t.stopAll(c, ublTimers)
		c.flags &^= fUBL
		t.clear(c, AlarmUnblock, "blocked again")
		t.cancelGroupBits(isup.CGU, isup.CGSMMaintenance, c.cic)
		t.sendBLO(c) // maintenance blocking leaves a call in progress alone
		t.commit(c, "blocked by the operator")
		return
	}
	base, rng, status, ok := t.groupArgs(c, r)
	if !ok {
		return
	}
	cgsm, bit := isup.CGSMMaintenance, circuit.LocalMaintBlocked
	if r.Hardware {
		cgsm, bit = isup.CGSMHardwareFailure, circuit.LocalHWBlocked
	}
	for i := 0; i <= int(rng); i++ {
		if status&(1<<i) == 0 {
			continue
		}
		m := t.circ(base + uint16(i))
		m.block |= bit
		t.cancelGroupBits(isup.CGU, cgsm, m.cic)
		if r.Hardware {
			// Q.764 §2.8.2: hardware blocking releases the calls without
			// release messages.
			t.dropCall(m, WhyBlocked, "hardware blocked by the operator")
		} else {
			t.stopAll(m, ublTimers)
			m.flags &^= fUBL
		}
		t.commit(m, "blocked by the operator")
	}
	t.startGroup(isup.CGB, cgsm, base, rng, status)
}

func (t *Trunk) reqUnblock(c *circ, r *Request) {
	if !r.Hardware && r.Range == 0 {
		if c.block&circuit.LocalMaintBlocked == 0 {
			t.reject(c.cic, "not blocked")
			return
		}
		if c.flags&fUBL != 0 {
			t.reject(c.cic, "unblocking already under way")
			return
		}
		t.stopAll(c, bloTimers)
		c.flags &^= fBLO
		t.clear(c, AlarmBlock, "unblocked by the operator")
		t.cancelGroupBits(isup.CGB, isup.CGSMMaintenance, c.cic)
		t.sendUBL(c)
		return
	}
	base, rng, status, ok := t.groupArgs(c, r)
	if !ok {
		return
	}
	cgsm, bit := isup.CGSMMaintenance, circuit.LocalMaintBlocked
	if r.Hardware {
		cgsm, bit = isup.CGSMHardwareFailure, circuit.LocalHWBlocked
	}
	for i := 0; i <= int(rng); i++ {
		if m := t.circ(base + uint16(i)); status&(1<<i) != 0 && m.block&bit == 0 {
			status &^= 1 << i
		}
	}
	if status == 0 {
		t.reject(c.cic, "no circuit of the range is blocked that way")
		return
	}
	for i := 0; i <= int(rng); i++ {
		if status&(1<<i) == 0 {
			continue
		}
		m := t.circ(base + uint16(i))
		t.cancelGroupBits(isup.CGB, cgsm, m.cic)
		if !r.Hardware && m.flags&fBLO != 0 {
			t.stopAll(m, bloTimers)
			m.flags &^= fBLO
			t.clear(m, AlarmBlock, "unblocked by the operator")
		}
	}
	t.startGroup(isup.CGU, cgsm, base, rng, status)
}

// groupArgs checks a group request: the range (a single hardware-oriented
// circuit is sent as a range of two with one status bit, since range 0 is
// reserved in group blocking messages) and that every circuit with a status
// bit belongs to the trunk.
func (t *Trunk) groupArgs(c *circ, r *Request) (base uint16, rng uint8, status uint32, ok bool) {
	base, rng, status = c.cic, r.Range, r.Status
	if rng == 0 {
		if base, rng, status, ok = t.single(c.cic); !ok {
			t.reject(c.cic, "a single circuit group message needs a neighbouring circuit in the trunk")
		}
		return
	}
	if rng > 31 {
		t.reject(c.cic, "range exceeds 31")
		return 0, 0, 0, false
	}
	all := uint32(1)<<(rng+1) - 1
	if rng == 31 {
		all = ^uint32(0)
	}
	if status == 0 {
		status = all
	}
	status &= all
	for i := 0; i <= int(rng); i++ {
		if status&(1<<i) != 0 && t.circ(base+uint16(i)) == nil {
			t.reject(c.cic, "CIC "+itoa(int(base)+i)+" of the range is not in the trunk")
			return 0, 0, 0, false
		}
	}
	return base, rng, status, true
}

// single returns the range of two circuits that addresses cic alone.
func (t *Trunk) single(cic uint16) (base uint16, rng uint8, status uint32, ok bool) {
	if cic < 0xffff && t.circ(cic+1) != nil {
		return cic, 1, 1, true
	}
	if cic > 0 && t.circ(cic-1) != nil {
		return cic - 1, 1, 2, true
	}
	return 0, 0, 0, false
}

// hwReblock tells the far end again that c is hardware blocked here.
func (t *Trunk) hwReblock(c *circ) {
	if base, rng, status, ok := t.single(c.cic); ok {
		t.startGroup(isup.CGB, isup.CGSMHardwareFailure, base, rng, status)
	}
}

// reportLocalBlocks repeats this exchange's blocking after a reset, which
// clears the far end's view of it (Q.764 §2.9.3).
func (t *Trunk) reportLocalBlocks(c *circ) {
	mnt, hw := t.reportedBlocks(c)
	if mnt {
		t.sendBLO(c)
	}
	if hw {
		t.hwReblock(c)
	}
}

// reportedBlocks returns the blocking of c this exchange reports to the far
// end: its local blocking, less what it is unblocking (an unblocking
// message on its way would otherwise cross the report).
func (t *Trunk) reportedBlocks(c *circ) (mnt, hw bool) {
	mnt = c.block&circuit.LocalMaintBlocked != 0 && c.flags&fUBL == 0 && !t.unblocking(c, isup.CGSMMaintenance)
	hw = c.block&circuit.LocalHWBlocked != 0 && !t.unblocking(c, isup.CGSMHardwareFailure)
	return mnt, hw
}

// unblocking reports whether a CGU of type cgsm covering c awaits CGUA.
func (t *Trunk) unblocking(c *circ, cgsm isup.CGSMType) bool {
	for i := range t.ops {
		if o := &t.ops[i]; o.typ == isup.CGU && o.cgsm == cgsm && t.inRange(o, c.cic) && o.status&(1<<(c.cic-o.base)) != 0 {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------------------
// Reset of one circuit (Q.764 §2.9.3.1, §2.9.6) and quarantine.

// resetCircuit ends whatever runs on c and sends RSC under T16 and T17.
func (t *Trunk) resetCircuit(c *circ, why Why, reason string) {
	t.dropCall(c, why, reason)
	t.send(c.cic, isup.RSC, nil)
	c.flags |= fReset
	c.flags &^= fResetT5
	c.resetN = 0
	t.start(c, T16)
	t.start(c, T17)
	t.reportLocalBlocks(c)
	t.commit(c, reason)
}

// resetExpired handles T16 and T17: repeat RSC; on T17 alert maintenance,
// repeat every T17 until the far end answers, and quarantine the circuit
// after QuarantineAfter expiries.
func (t *Trunk) resetExpired(c *circ, tm Timer) {
	if c.flags&fReset == 0 {
		return
	}
	t.send(c.cic, isup.RSC, nil)
	// Every RSC clears the far end's view of this exchange's blocking.
	defer t.reportLocalBlocks(c)
	if tm == T16 {
		t.start(c, T16)
		return
	}
	t.stop(c, T16)
	t.start(c, T17)
	if c.resetN < 255 {
		c.resetN++
	}
	t.raise(c, AlarmReset, "T17 expired: no RLC to RSC")
	if c.resetN >= t.qafter && c.flags&fQuarantined == 0 {
		t.quarantine(c, "T17 expired "+itoa(int(c.resetN))+" times: no RLC to RSC")
	}
}

func (t *Trunk) quarantine(c *circ, reason string) {
	c.flags |= fQuarantined
	t.raise(c, AlarmQuarantine, reason)
	t.commit(c, reason)
}

// resetDone ends this exchange's reset of c: the far end answered.
func (t *Trunk) resetDone(c *circ, reason string) {
	t.stopAll(c, resetTimers)
	c.flags &^= fReset | fResetT5 | fQuarantined
	c.resetN = 0
	t.clear(c, AlarmRelease, reason)
	t.clear(c, AlarmReset, reason)
	t.clear(c, AlarmQuarantine, reason)
	t.commit(c, reason)
}

func (t *Trunk) rxRSC(c *circ) {
	t.dropCall(c, WhyReset, "RSC received")
	if c.flags&fReset != 0 {
		// Both ends reset: the far end is alive and the circuit idle.
		t.resetDone(c, "RSC received")
	}
	// Q.764 §2.9.3.1: remote blocking ends; local blocking is reported back.
	c.block &^= circuit.RemoteMaintBlocked | circuit.RemoteHWBlocked
	t.send(c.cic, isup.RLC, nil)
	t.reportLocalBlocks(c)
	t.commit(c, "RSC received")
}

func (t *Trunk) reqReset(c *circ, r *Request) {
	if r.Range == 0 {
		t.resetCircuit(c, WhyReset, "reset by the operator")
		return
	}
	if r.Range > 31 {
		t.reject(c.cic, "range exceeds 31")
		return
	}
	t.groupReset(c.cic, r.Range, "group reset by the operator")
}

// reqClearQuarantine is the maintenance intervention that ends a reset
// the far end never answers: the circuit is taken as idle.
func (t *Trunk) reqClearQuarantine(c *circ) {
	if c.flags&(fQuarantined|fReset|fGRS) == 0 {
		t.reject(c.cic, "circuit is not being reset")
		return
	}
	t.stopAll(c, resetTimers)
	c.flags &^= fReset | fResetT5 | fQuarantined | fGRS
	c.resetN = 0
	t.clear(c, AlarmRelease, "cleared by the operator")
	t.clear(c, AlarmReset, "cleared by the operator")
	t.clear(c, AlarmQuarantine, "cleared by the operator")
	// A GRS with no circuit left to reset is over.
	for i := range t.ops {
		o := &t.ops[i]
		if o.typ == isup.GRS && t.inRange(o, c.cic) && !t.opHasGRS(o) {
			t.opFree(o, "cleared by the operator")
		}
	}
	t.commit(c, "quarantine cleared by the operator")
}

func (t *Trunk) rxUCIC(c *circ) {
	// Q.764 §2.12: the far end has no such circuit: take it out of service,
	// alert maintenance, re-attempt a call being set up.
	t.dropCall(c, WhyUnequipped, "UCIC received")
	t.stopAll(c, resetTimers|bloTimers|ublTimers)
	c.flags &^= fReset | fResetT5 | fBLO | fUBL | fQuarantined
	c.resetN = 0
	for _, a := range [...]Alarm{AlarmRelease, AlarmReset, AlarmQuarantine, AlarmBlock, AlarmUnblock} {
		t.clear(c, a, "UCIC received")
	}
	// A group message based on this circuit is discarded at the far end.
	for i := range t.ops {
		if o := &t.ops[i]; o.typ == isup.GRS && o.base == c.cic {
			t.endGRS(o, "UCIC received")
		} else if o.typ != 0 && o.base == c.cic {
			t.opFree(o, "UCIC received")
		}
	}
	c.flags |= fUnequipped
	t.raise(c, AlarmUnequipped, "UCIC received: the far end has no such circuit")
	t.commit(c, "UCIC received")
}

// startup resets every circuit as the start-up policy says.
func (t *Trunk) startup() {
	switch t.opt.Startup {
	case StartupRSC:
		for i := range t.circs {
			t.resetCircuit(&t.circs[i], WhyReset, "start-up reset")
		}
	case StartupGRS:
		for i := 0; i < len(t.circs); {
			j := i + 1
			for j < len(t.circs) && j-i < 32 && t.circs[j].cic == t.circs[j-1].cic+1 {
				j++
			}
			if j-i == 1 {
				t.resetCircuit(&t.circs[i], WhyReset, "start-up reset")
			} else {
				t.groupReset(t.circs[i].cic, uint8(j-i-1), "start-up reset")
			}
			i = j
		}
	}
}
