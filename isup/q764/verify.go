package q764

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/circuit"
)

// Verify checks the machine's own consistency: the published states match
// the machine states, every timer runs only in the state Q.764 Annex A
// runs it in, every state that needs supervision has its timer, alarms
// match the conditions they report. The property and fuzz tests call it
// after every event; a daemon may call it to audit a live trunk. It
// returns nil or every violation found.
func (t *Trunk) Verify() error {
	var errs []error
	bad := func(c *circ, f string, a ...any) {
		errs = append(errs, fmt.Errorf("cic %d (%v, flags %#x, timers %v): %s", c.cic, c.phase, c.flags, timerList(c.timers), fmt.Sprintf(f, a...)))
	}
	for i := range t.circs {
		c := &t.circs[i]
		if s := t.stateOf(c); s != c.st {
			bad(c, "published state %v, machine state %v", c.st, s)
		}
		on := func(tm Timer) bool { return c.timers&(1<<tm) != 0 }
		f := func(fl uint32) bool { return c.flags&fl != 0 }
		p := c.phase
		// Each timer runs only in its state (Annex A: from its cause for
		// initiation to its normal termination).
		only := [...]struct {
			tm Timer
			ok bool
		}{
			{T1, p == PhaseReleasing}, {T5, p == PhaseReleasing},
			{T7, p == PhaseOutSetup}, {T9, p == PhaseOutProceeding},
			{T8, p == PhaseInContinuity}, {T10, p == PhaseInSetup}, {T11, p == PhaseInSetup},
			{T35, p == PhaseInSetup || p == PhaseInContinuity},
			{T24, f(fTone)}, {T25, p == PhaseOutRetest && !f(fTesting)}, {T26, p == PhaseOutRetest && !f(fTesting)},
			{T27, p == PhaseInRetest && !f(fTesting)}, {T36, p == PhaseInRetest && f(fTesting)},
			{T2, f(fSuspended)}, {T6, f(fSuspended)}, {T38, p == PhaseInAnswered || p == PhaseOutAnswered},
			{T33, f(fINR) && p.call()},
			{T12, f(fBLO)}, {T13, f(fBLO)}, {T14, f(fUBL)}, {T15, f(fUBL)},
			{T16, f(fReset) && !f(fResetT5)}, {T17, f(fReset)},
		}
		for _, k := range only {
			if on(k.tm) && !k.ok {
				bad(c, "%v runs out of its state", k.tm)
			}
		}
		if m := c.timers &^ (callTimers | resetTimers | bloTimers | ublTimers); m != 0 {
			bad(c, "unexpected timers %v", timerList(m))
		}
		// And the supervising timers run whenever their state holds.
		must := [...]struct {
			cond bool
			what string
			ok   bool
		}{
			{p == PhaseReleasing, "releasing without T5", on(T5)},
			{p == PhaseOutSetup, "IAM sent without T7", on(T7)},
			{p == PhaseInContinuity, "COT awaited without T8", on(T8)},
			{f(fReset), "reset without T17", on(T17)},
			{f(fBLO), "BLO without T12/T13", on(T12) || on(T13)},
			{f(fUBL), "UBL without T14/T15", on(T14) || on(T15)},
			{p == PhaseOutRetest, "re-test without T24/T25/T26", on(T24) || on(T25) || on(T26)},
			{p == PhaseInRetest, "re-test without T27/T36", on(T27) || on(T36)},
			{f(fINR), "INR without T33", on(T33)},
			{f(fTone), "tone without T24", on(T24)},
		}
		for _, k := range must {
			if k.cond && !k.ok {
				bad(c, "%s", k.what)
			}
		}
		switch {
		case f(fReset) && p != PhaseIdle:
			bad(c, "reset with a call")
		case f(fBLO) && f(fUBL):
			bad(c, "blocking and unblocking at once")
		case f(fBLO) && c.block&circuit.LocalMaintBlocked == 0:
			bad(c, "BLO pending on a circuit not blocked here")
		case f(fQuarantined) != (c.alarms&(1<<AlarmQuarantine) != 0):
			bad(c, "quarantine and its alarm disagree")
		case f(fQuarantined) && !f(fReset|fGRS):
			bad(c, "quarantined without a reset under way")
		case f(fUnequipped) != (c.alarms&(1<<AlarmUnequipped) != 0):
			bad(c, "unequipped and its alarm disagree")
		case f(fCOT) && !p.outCall() && p != PhaseInContinuity:
			bad(c, "continuity pending in %v", p)
		case f(fLoop) && !(p == PhaseInContinuity && f(fCOT) && !f(fCOTPrev) || p == PhaseInRetest && f(fTesting)):
			bad(c, "loop attached in %v", p)
		case f(fTone) && !(p.outCall() && f(fCOT) && !f(fCOTPrev) || p == PhaseOutRetest && f(fTesting)):
			bad(c, "tone attached in %v", p)
		case f(fGRS) && !t.coveredByGRS(c.cic):
			bad(c, "awaiting GRA with no GRS pending")
		case f(fSuspended) && p != PhaseOutAnswered && p != PhaseInAnswered:
			bad(c, "suspended in %v", p)
		case c.alarms&(1<<AlarmContinuity) != 0 && p != PhaseOutRetest:
			bad(c, "continuity alarm in %v", p)
		}
	}
	for i := range t.ops {
		o := &t.ops[i]
		if o.typ == 0 {
			if o.timers != 0 || o.alarm {
				errs = append(errs, fmt.Errorf("free group slot with timers %v", timerList(o.timers)))
			}
			continue
		}
		if o.timers == 0 {
			errs = append(errs, fmt.Errorf("%v@%d awaits its acknowledgement without a timer", o.typ, o.base))
		}
		if o.typ == isup.GRS && !t.opHasGRS(o) {
			errs = append(errs, fmt.Errorf("GRS@%d runs with no circuit awaiting it", o.base))
		}
		for j := range t.ops[:i] {
			if p := &t.ops[j]; p.typ == o.typ && p.cgsm == o.cgsm && p.base == o.base {
				errs = append(errs, fmt.Errorf("two %v@%d await acknowledgement", o.typ, o.base))
			}
		}
	}
	return errors.Join(errs...)
}

func (t *Trunk) coveredByGRS(cic uint16) bool {
	for i := range t.ops {
		if o := &t.ops[i]; o.typ == isup.GRS && t.inRange(o, cic) {
			return true
		}
	}
	return false
}

func timerList(m uint64) string {
	var s []string
	for ; m != 0; m &= m - 1 {
		s = append(s, Timer(trailingZeros(m)).String())
	}
	return "[" + strings.Join(s, " ") + "]"
}
