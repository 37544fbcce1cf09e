// Package mtp2 is the MTP level 2 signalling link procedures of ITU-T
// Q.703 for one link, as a pure state machine: events and the signal
// units received go in, actions come out (transmit this unit, start or
// stop that timer, deliver this message to level 3, report the link in or
// out of service and why). It does no I/O and keeps no clock; the driver
// (package tdm/mtp) runs its timers and its channel.
//
// Covered: initial alignment (§7) with normal and emergency proving and
// the alignment error rate monitor (AERM, §10.3); the link status signal
// units SIO, SIN, SIE, SIOS, SIPO and SIB (§11); basic error correction
// (§5) with the retransmission buffer, positive acknowledgement by BSN and
// negative acknowledgement by inverting the BIB; the signal unit error
// rate monitor (SUERM, §10.2); processor outage (§8); level 2 flow control
// (§9, SIB and T5/T6); T1–T7 with the Q.703 §12.3 values for 64 kbit/s;
// failure reports to level 3 with their reason; BSNT retrieval and the
// retrieval of unacknowledged messages for changeover (Q.704 §5).
//
// Fill-in units are written when their content changes, not repeated: a
// channel that needs a continuous stream (an HDLC timeslot) repeats the
// last one itself, as DAHDI's MTP2 mode does; a packet channel (libss7's
// seqpacket form) carries each once.
package mtp2

import (
	"strconv"
	"time"

	"github.com/sipgw/sipgw/tdm/su"
)

// State is the link state control's state (Q.703 §3, Figure 8), with the
// initial alignment control's states inside "initial alignment".
type State uint8

const (
	OutOfService State = iota
	NotAligned         // IAC: sending SIO, waiting for the far end (T2)
	Aligned            // IAC: sending SIN/SIE, waiting for the far end's (T3)
	Proving            // IAC: proving period running (T4)
	AlignedReady       // proving passed, sending FISU, waiting for FISU/MSU (T1)
	InService
	ProcessorOutage // in service, but a local or remote processor outage
)

var stateNames = [...]string{"out of service", "not aligned", "aligned", "proving", "aligned ready", "in service", "processor outage"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Timer names a Q.703 §12.3 timer.
type Timer uint8

const (
	T1 Timer = iota + 1 // alignment ready
	T2                  // not aligned
	T3                  // aligned
	T4                  // proving period
	T5                  // sending SIB
	T6                  // remote congestion
	T7                  // excessive delay of acknowledgement
	numTimers
)

func (t Timer) String() string {
	if t >= T1 && t < numTimers {
		return "T" + strconv.Itoa(int(t))
	}
	return "Timer(" + strconv.Itoa(int(t)) + ")"
}

// Reason says why a link went out of service (Q.703 §3.2: "link failure"
// to level 3, with the cause).
type Reason uint8

const (
	ReasonNone         Reason = iota
	ReasonT1                  // T1: no FISU/MSU after proving
	ReasonT2                  // T2: the far end never answered SIO
	ReasonT3                  // T3: the far end never started proving
	ReasonProving             // AERM: proving failed M times
	ReasonReceivedSIO         // far end restarted alignment (SIO)
	ReasonReceivedSIOS        // far end out of service (SIOS)
	ReasonReceivedSIN         // SIN/SIE received while in service
	ReasonAbnormalBSN         // two consecutive BSNs outside the window (§5.3.1)
	ReasonAbnormalFIB         // two consecutive FIBs inverted unasked (§5.3.2)
	ReasonT6                  // remote congestion lasted T6
	ReasonT7                  // no acknowledgement within T7
	ReasonSUERM               // signal unit error rate above threshold (§10.2)
	ReasonChannel             // the signalling channel failed (driver)
)

var reasonNames = [...]string{"none", "T1 expired (alignment ready)", "T2 expired (not aligned)", "T3 expired (aligned)",
	"proving failed (AERM)", "received SIO", "received SIOS", "received SIN/SIE in service", "abnormal BSN", "abnormal FIB",
	"T6 expired (remote congestion)", "T7 expired (excessive delay of acknowledgement)", "SUERM threshold", "signalling channel failed"}

func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "Reason(" + strconv.Itoa(int(r)) + ")"
}

// Kind of an action.
type Kind uint8

const (
	// Transmit Unit on the channel (without check bits).
	Transmit Kind = iota + 1
	StartTimer
	StopTimer
	// Deliver Payload (SIO + SIF) to level 3.
	Deliver
	// InServiceInd: the link is in service (Q.703 "in service" to L3).
	InServiceInd
	// OutOfServiceInd: the link failed, with Reason.
	OutOfServiceInd
	RemoteProcessorOutageInd
	RemoteProcessorRecoveredInd
	// BSNTInd answers RetrieveBSNT with BSNT; BSNTNotRetrievable when the
	// link has no valid one (Q.704 §5.4: emergency changeover).
	BSNTInd
	BSNTNotRetrievable
	// Retrieved is one unacknowledged or unsent message, in order;
	// RetrievalComplete ends the list (Q.704 §5.5 buffer updating).
	Retrieved
	RetrievalComplete
	// RemoteCongestionInd reports SIB received (On) and its end.
	RemoteCongestionInd
	// Dropped: Send could not queue the message (queue full or link
	// never started); Payload is what was dropped.
	Dropped
)

var kindNames = [...]string{"", "transmit", "start", "stop", "deliver", "in-service", "out-of-service", "remote-PO",
	"remote-PO-recovered", "BSNT", "BSNT-not-retrievable", "retrieved", "retrieval-complete", "remote-congestion", "dropped"}

func (k Kind) String() string {
	if int(k) < len(kindNames) && k != 0 {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Action is one thing the machine asks of its driver. Unit and Payload
// are valid until the next call on the machine.
type Action struct {
	Kind     Kind
	Timer    Timer
	Duration time.Duration
	Unit     []byte
	Payload  []byte
	Reason   Reason
	BSNT     uint8
	On       bool
}

// String is the action as the transition tables write it.
func (a Action) String() string {
	switch a.Kind {
	case Transmit:
		var u su.SU
		if err := u.Decode(a.Unit); err != nil {
			return "transmit ?" + err.Error()
		}
		s := "tx " + u.Kind.String()
		if u.Kind == su.LSSU {
			s = "tx " + u.Status.String()
		}
		s += " " + strconv.Itoa(int(u.BSN)) + "/" + b01(u.BIB) + " " + strconv.Itoa(int(u.FSN)) + "/" + b01(u.FIB)
		if u.Kind == su.MSU {
			s += " " + hexs(u.Payload)
		}
		return s
	case StartTimer:
		return "start " + a.Timer.String()
	case StopTimer:
		return "stop " + a.Timer.String()
	case Deliver, Retrieved, Dropped:
		return a.Kind.String() + " " + hexs(a.Payload)
	case OutOfServiceInd:
		return "out-of-service: " + a.Reason.String()
	case BSNTInd:
		return "BSNT " + strconv.Itoa(int(a.BSNT))
	case RemoteCongestionInd:
		if a.On {
			return "remote-congestion on"
		}
		return "remote-congestion off"
	}
	return a.Kind.String()
}

func b01(v bool) string {
	if v {
		return "1"
	}
	return "0"
}

func hexs(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// Config holds the timers and monitor parameters. Zero fields take the
// Q.703 §12.3 and §10 values for 64 kbit/s links (DefaultConfig).
type Config struct {
	T1, T2, T3 time.Duration
	T4n, T4e   time.Duration // normal and emergency proving periods (T4)
	T5, T6, T7 time.Duration
	// AERM thresholds Tin (normal) and Tie (emergency), and M, the
	// proving attempts before alignment fails (§10.3).
	Tin, Tie, M int
	// SUERM threshold T and the block D of units that takes one off
	// its count (§10.2: 64 and 256).
	SUERMT, SUERMD int
	// QueueLimit bounds the messages waiting for transmission beyond the
	// 127 the sequence numbers allow outstanding (4096 when zero).
	QueueLimit int
	// DeferAck: Receive does not send the FISU that acknowledges an
	// accepted message; the driver calls FlushAck after a batch of
	// received units, so one FISU acknowledges them all (the BSN is
	// cumulative, Q.703 §5.2.2). Without it each message gets its own.
	DeferAck bool
}

// DefaultConfig is Q.703 §12.3 for 64 kbit/s: T1 45 s (40–50), T2 50 s
// (5–50 "low"), T3 1.5 s (1–2), T4 8.2 s normal (Pn = 2^16 octets) and
// 0.5 s emergency (Pe = 2^12), T5 100 ms (80–120), T6 5 s (3–6), T7 1 s
// (0.5–2); AERM Tin 4, Tie 1, M 5; SUERM T 64, D 256.
var DefaultConfig = Config{
	T1: 45 * time.Second, T2: 50 * time.Second, T3: 1500 * time.Millisecond,
	T4n: 8200 * time.Millisecond, T4e: 500 * time.Millisecond,
	T5: 100 * time.Millisecond, T6: 5 * time.Second, T7: time.Second,
	Tin: 4, Tie: 1, M: 5, SUERMT: 64, SUERMD: 256, QueueLimit: 4096,
}

func (c Config) withDefaults() Config {
	d := DefaultConfig
	set := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&c.T1, d.T1)
	set(&c.T2, d.T2)
	set(&c.T3, d.T3)
	set(&c.T4n, d.T4n)
	set(&c.T4e, d.T4e)
	set(&c.T5, d.T5)
	set(&c.T6, d.T6)
	set(&c.T7, d.T7)
	seti := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	seti(&c.Tin, d.Tin)
	seti(&c.Tie, d.Tie)
	seti(&c.M, d.M)
	seti(&c.SUERMT, d.SUERMT)
	seti(&c.SUERMD, d.SUERMD)
	seti(&c.QueueLimit, d.QueueLimit)
	return c
}
