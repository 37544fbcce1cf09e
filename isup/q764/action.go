package q764

import (
	"strconv"
	"strings"
	"time"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/circuit"
)

// ActionKind says what an Action asks of the driver or the call user.
type ActionKind uint8

const (
	// ActSend: send message Type on CIC. Msg, when set, is the call user's
	// message to forward (or a received message to pass on); otherwise
	// the message is built from the Action's fields (see AppendMessage).
	ActSend ActionKind = iota + 1
	// ActStartTimer: start Timer for CIC (a group timer: CIC is the first
	// circuit of the range) to run Dur; a running timer with the same
	// TimerRef is replaced.
	ActStartTimer
	// ActStopTimer: stop the timer if it runs.
	ActStopTimer
	// ActIndicate: tell the call user (or the operator) Ind.
	ActIndicate
	// ActAlarm: raise (On) or clear an alarm for CIC; Text says why.
	ActAlarm
	// ActState: the circuit's state changed from Prev to State; Text says why.
	ActState
)

var actionKindNames = [...]string{ActSend: "send", ActStartTimer: "start", ActStopTimer: "stop",
	ActIndicate: "ind", ActAlarm: "alarm", ActState: "state"}

func (k ActionKind) String() string {
	if int(k) < len(actionKindNames) && actionKindNames[k] != "" {
		return actionKindNames[k]
	}
	return "ActionKind(" + strconv.Itoa(int(k)) + ")"
}

// Indication is what the machine tells the call user (or the operator).
type Indication uint8

const (
	// IndSetup: an IAM arrived (Msg). With Pending the IAM asked for a
	// continuity check: the user must not alert the called party before
	// IndContinuity with On.
	IndSetup      Indication = iota + 1
	IndSAM                   // a SAM arrived (Msg): more digits
	IndEarlyACM              // the machine sent ACM itself on T10 or T11 expiry (Text says which); use CPG from now on
	IndProceed               // ACM arrived (Msg)
	IndProgress              // CPG arrived (Msg)
	IndAnswer                // ANM or CON arrived (Msg)
	IndRelease               // the call is released: REL arrived (Msg) or the machine released it (Cause, Text)
	IndReleased              // RLC arrived for the user's REL: the circuit is free
	IndSuspend               // SUS arrived (Msg)
	IndResume                // RES arrived (Msg)
	IndInfoReq               // INR arrived (Msg)
	IndInfo                  // INF arrived (Msg)
	IndCheckTone             // outgoing continuity check: attach (On) or remove the check-tone transceiver and report with ReqContinuity
	IndLoop                  // incoming continuity check: attach (On) or remove the check loop
	IndContinuity            // COT arrived on an incoming call: On when the check succeeded
	IndReattempt             // the call could not proceed on CIC: set it up again on another circuit (Why)
	IndConfusion             // CFN arrived (Msg)
	IndMessage               // another call message arrived (Msg), or one passed on under compatibility rules
	IndQuery                 // CQR arrived for the operator's CQM (Msg)
	IndRejected              // a request was refused; Text says why
)

var indicationNames = [...]string{IndSetup: "setup", IndSAM: "sam", IndEarlyACM: "early-acm",
	IndProceed: "proceed", IndProgress: "progress", IndAnswer: "answer", IndRelease: "release",
	IndReleased: "released", IndSuspend: "suspend", IndResume: "resume", IndInfoReq: "info-request",
	IndInfo: "info", IndCheckTone: "check-tone", IndLoop: "loop", IndContinuity: "continuity",
	IndReattempt: "reattempt", IndConfusion: "confusion", IndMessage: "message", IndQuery: "query",
	IndRejected: "rejected"}

func (i Indication) String() string {
	if int(i) < len(indicationNames) && indicationNames[i] != "" {
		return indicationNames[i]
	}
	return "Indication(" + strconv.Itoa(int(i)) + ")"
}

// Why is the reason for an automatic repeat attempt.
type Why uint8

const (
	WhyNone        Why = iota
	WhyDualSeizure     // Q.764 §2.9.1.4: the other exchange controls this circuit
	WhyBlocked         // Q.764 §2.8.2.1: BLO/CGB arrived before the first backward message
	WhyReset           // Q.764 §2.9.3: RSC/GRS arrived, or the machine reset the circuit
	WhyContinuity      // Q.764 §2.1.8: the continuity check failed
	WhyUnequipped      // Q.764 §2.12: UCIC arrived
	WhyUnexpected      // Q.764 §2.9.5.1: an unexpected message before the first backward message
)

var whyNames = [...]string{WhyNone: "none", WhyDualSeizure: "dual-seizure", WhyBlocked: "blocked",
	WhyReset: "reset", WhyContinuity: "continuity", WhyUnequipped: "unequipped", WhyUnexpected: "unexpected"}

func (w Why) String() string {
	if int(w) < len(whyNames) {
		return whyNames[w]
	}
	return "Why(" + strconv.Itoa(int(w)) + ")"
}

// Alarm names a condition that needs maintenance attention.
type Alarm uint8

const (
	AlarmRelease      Alarm = iota + 1 // T5 expired: no RLC to REL (Q.764 §2.9.6)
	AlarmReset                         // T17 expired: no RLC to RSC (Q.764 §2.9.3.3)
	AlarmQuarantine                    // the reset was never answered: circuit out of service
	AlarmBlock                         // T13 expired: no BLA to BLO (Q.764 §2.9.4)
	AlarmUnblock                       // T15 expired: no UBA to UBL
	AlarmGroupBlock                    // T19 expired: no CGBA to CGB
	AlarmGroupUnblock                  // T21 expired: no CGUA to CGU
	AlarmGroupReset                    // T23 expired: no GRA to GRS
	AlarmQuery                         // T28 expired: no CQR to CQM (event, not latched)
	AlarmInfo                          // T33 expired: no INF to INR (event, not latched)
	AlarmContinuity                    // repeated continuity check failure (Q.764 §2.1.8)
	AlarmUnequipped                    // UCIC arrived: the far end has no such circuit (Q.764 §2.12)
	numAlarms
)

var alarmNames = [...]string{AlarmRelease: "release-unanswered", AlarmReset: "reset-unanswered",
	AlarmQuarantine: "quarantine", AlarmBlock: "block-unanswered", AlarmUnblock: "unblock-unanswered",
	AlarmGroupBlock: "group-block-unanswered", AlarmGroupUnblock: "group-unblock-unanswered",
	AlarmGroupReset: "group-reset-unanswered", AlarmQuery: "query-unanswered", AlarmInfo: "info-unanswered",
	AlarmContinuity: "continuity", AlarmUnequipped: "unequipped"}

func (a Alarm) String() string {
	if int(a) < len(alarmNames) && alarmNames[a] != "" {
		return alarmNames[a]
	}
	return "Alarm(" + strconv.Itoa(int(a)) + ")"
}

// latched reports whether the alarm stays raised until cleared.
func (a Alarm) latched() bool { return a != AlarmQuery && a != AlarmInfo }

// Action is one thing the machine asks for. Actions are values appended to
// the caller's slice. Msg and Data alias memory the caller or the Trunk
// owns: a received message until the caller reuses it, Data until the next
// call into the Trunk.
type Action struct {
	Kind  ActionKind
	CIC   uint16
	Type  isup.MessageType // ActSend
	Timer Timer            // ActStartTimer, ActStopTimer
	Ind   Indication       // ActIndicate
	Alarm Alarm            // ActAlarm
	Why   Why              // IndReattempt
	// On: alarm raised; COT or continuity successful; transceiver or loop
	// attached; IndSetup: continuity pending.
	On bool
	// Cause and Location of a machine-built REL or CFN, or of a release
	// the machine made (IndRelease without Msg).
	Cause    isup.Cause
	Location isup.Location
	// Range, Status and CGSM of group messages: the circuits CIC…CIC+Range,
	// status bit i for CIC+i. CGSM also tells the timers and alarms of
	// hardware oriented group messages from maintenance oriented ones.
	Range  uint8
	Status uint32
	CGSM   isup.CGSMType
	// Data: CFN/REL diagnostics, CQR circuit state octets, the backward
	// call indicators of a machine-built ACM, SUS/RES indicators.
	Data []byte
	Dur  time.Duration // ActStartTimer
	Msg  *isup.Message
	// State and Prev: ActState.
	State, Prev circuit.State
	// Text says why, for people (static strings on the call path).
	Text string
}

// Ref returns the timer reference of a timer action.
func (a *Action) Ref() TimerRef {
	return TimerRef{CIC: a.CIC, Timer: a.Timer, Hardware: a.CGSM == isup.CGSMHardwareFailure}
}

// String describes the action compactly (tests compare these).
func (a Action) String() string {
	var b strings.Builder
	b.WriteString("cic")
	b.WriteString(strconv.Itoa(int(a.CIC)))
	b.WriteByte(' ')
	b.WriteString(a.Kind.String())
	b.WriteByte(' ')
	switch a.Kind {
	case ActSend:
		b.WriteString(a.Type.String())
		if a.Msg != nil {
			break
		}
		switch a.Type {
		case isup.REL, isup.CFN:
			b.WriteString(" cause=" + strconv.Itoa(int(a.Cause)))
			if len(a.Data) > 0 {
				b.WriteString(" diag=")
				for _, d := range a.Data {
					b.WriteString(hex2(d))
				}
			}
		case isup.COT:
			if a.On {
				b.WriteString(" ok")
			} else {
				b.WriteString(" failed")
			}
		case isup.GRS, isup.CQM:
			b.WriteString(" range=" + strconv.Itoa(int(a.Range)))
		case isup.GRA, isup.CGB, isup.CGBA, isup.CGU, isup.CGUA:
			if a.Type != isup.GRA {
				if a.CGSM == isup.CGSMHardwareFailure {
					b.WriteString(" hw")
				} else {
					b.WriteString(" mnt")
				}
			}
			b.WriteString(" range=" + strconv.Itoa(int(a.Range)) + " status=" + strconv.FormatUint(uint64(a.Status), 2))
		case isup.CQR:
			b.WriteString(" range=" + strconv.Itoa(int(a.Range)) + " states=")
			for _, d := range a.Data {
				b.WriteString(hex2(d))
			}
		case isup.SUS, isup.RES:
			if len(a.Data) > 0 && a.Data[0]&1 != 0 {
				b.WriteString(" network")
			} else {
				b.WriteString(" user")
			}
		}
	case ActStartTimer:
		b.WriteString(a.Timer.String() + " " + a.Dur.String())
		if a.CGSM == isup.CGSMHardwareFailure {
			b.WriteString(" hw")
		}
	case ActStopTimer:
		b.WriteString(a.Timer.String())
		if a.CGSM == isup.CGSMHardwareFailure {
			b.WriteString(" hw")
		}
	case ActIndicate:
		b.WriteString(a.Ind.String())
		switch a.Ind {
		case IndRelease:
			if a.Msg == nil {
				b.WriteString(" cause=" + strconv.Itoa(int(a.Cause)))
			}
		case IndReattempt:
			b.WriteString(" " + a.Why.String())
		case IndCheckTone, IndLoop, IndContinuity:
			if a.On {
				b.WriteString(" on")
			} else {
				b.WriteString(" off")
			}
		case IndSetup:
			if a.On {
				b.WriteString(" cot-pending")
			}
		case IndEarlyACM, IndRejected:
			b.WriteString(" (" + a.Text + ")")
		}
	case ActAlarm:
		if a.On {
			b.WriteString("+")
		} else {
			b.WriteString("-")
		}
		b.WriteString(a.Alarm.String())
	case ActState:
		b.WriteString(a.Prev.String() + "->" + a.State.String())
	}
	return b.String()
}

func hex2(d byte) string {
	const x = "0123456789abcdef"
	return string([]byte{x[d>>4], x[d&15]})
}

// Phase is where a circuit's call (or continuity test) stands.
type Phase uint8

const (
	PhaseIdle          Phase = iota
	PhaseOutSetup            // IAM sent, no backward message yet (T7)
	PhaseOutProceeding       // ACM received, answer awaited (T9)
	PhaseOutAnswered         // ANM or CON received
	PhaseInContinuity        // IAM received asking for continuity, COT awaited (T8)
	PhaseInSetup             // IAM received, nothing sent back yet (T35, T10, T11)
	PhaseInProceeding        // ACM sent
	PhaseInAnswered          // ANM or CON sent
	PhaseReleasing           // REL sent, RLC awaited (T1, T5)
	PhaseOutRetest           // continuity failed on this exchange's check: re-test (T24–T26)
	PhaseInRetest            // continuity failed on the far end's check: CCR awaited (T27) or loop attached (T36)
)

var phaseNames = [...]string{PhaseIdle: "idle", PhaseOutSetup: "out-setup", PhaseOutProceeding: "out-proceeding",
	PhaseOutAnswered: "out-answered", PhaseInContinuity: "in-continuity", PhaseInSetup: "in-setup",
	PhaseInProceeding: "in-proceeding", PhaseInAnswered: "in-answered", PhaseReleasing: "releasing",
	PhaseOutRetest: "out-retest", PhaseInRetest: "in-retest"}

func (p Phase) String() string {
	if int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return "Phase(" + strconv.Itoa(int(p)) + ")"
}

func (p Phase) outgoing() bool {
	return p == PhaseOutSetup || p == PhaseOutProceeding || p == PhaseOutAnswered || p == PhaseOutRetest
}

func (p Phase) incoming() bool {
	return p == PhaseInContinuity || p == PhaseInSetup || p == PhaseInProceeding || p == PhaseInAnswered || p == PhaseInRetest
}

// outCall reports an outgoing call in progress.
func (p Phase) outCall() bool {
	return p == PhaseOutSetup || p == PhaseOutProceeding || p == PhaseOutAnswered
}

// call reports a call in progress (not a release or a re-test).
func (p Phase) call() bool {
	return p != PhaseIdle && p != PhaseReleasing && p != PhaseOutRetest && p != PhaseInRetest
}
