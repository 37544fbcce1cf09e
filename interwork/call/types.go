package call

import (
	"strconv"
	"strings"
	"time"

	"github.com/sipgw/sipgw/interwork/call/prack"
	"github.com/sipgw/sipgw/interwork/mapping"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/q764"
	"github.com/sipgw/sipgw/tdm/g711"
)

// Direction says which side started the call.
type Direction uint8

const (
	// SIPToISUP: an INVITE came in, the gateway sends an IAM (the call is
	// the SIP UAS and the ISUP outgoing exchange).
	SIPToISUP Direction = iota
	// ISUPToSIP: an IAM came in, the gateway sends an INVITE (the call is
	// the ISUP incoming exchange and the SIP UAC).
	ISUPToSIP
)

func (d Direction) String() string {
	switch d {
	case SIPToISUP:
		return "sip-to-isup"
	case ISUPToSIP:
		return "isup-to-sip"
	}
	return "Direction(" + strconv.Itoa(int(d)) + ")"
}

// Method is a SIP method the call handles.
type Method uint8

const (
	MethodNone Method = iota
	INVITE
	ACK
	BYE
	CANCEL
	PRACK
	UPDATE
	INFO
	OPTIONS
	MethodOther
)

var methodNames = [...]string{MethodNone: "none", INVITE: "INVITE", ACK: "ACK", BYE: "BYE", CANCEL: "CANCEL",
	PRACK: "PRACK", UPDATE: "UPDATE", INFO: "INFO", OPTIONS: "OPTIONS", MethodOther: "other"}

func (m Method) String() string {
	if int(m) < len(methodNames) {
		return methodNames[m]
	}
	return "Method(" + strconv.Itoa(int(m)) + ")"
}

// ParseMethod maps a method name (case-sensitive, RFC 3261 §7.1) to a
// Method; unknown names are MethodOther.
func ParseMethod(s string) Method {
	for m := INVITE; m < MethodOther; m++ {
		if methodNames[m] == s {
			return m
		}
	}
	return MethodOther
}

// Msg is a SIP message as the call sees it: the fields the interworking
// reads (received) or decides (sent). The dialog layer supplies the rest
// (Via, Call-ID, tags, Contact, Route, CSeq of in-dialog requests) and
// turns sipgo messages into Msgs and back.
type Msg struct {
	// Method is the request's method; for a response, the method of its
	// CSeq.
	Method Method
	// Status is the response status; 0 for a request.
	Status int
	// CSeq is the CSeq number. Received: always. Sent: for responses the
	// number of the request answered; for INVITE the number the call
	// chose (RFC 3578 INVITEs need increasing ones); for CANCEL and ACK
	// the number of the INVITE; 0 for in-dialog requests the dialog layer
	// numbers (BYE, PRACK).
	CSeq uint32
	// Tag is the remote tag. Received responses: the To tag, one per
	// early dialog (fork). Sent requests: the dialog (fork) the request
	// goes to.
	Tag string
	// InDialog marks a received request with a To tag (re-INVITE, UPDATE,
	// BYE …), as opposed to a dialog-creating one.
	InDialog bool
	// Terminated marks a received CANCEL that the transaction layer has
	// answered itself: 200 to the CANCEL and 487 to the INVITE it
	// cancels (sipgo does so for every CANCEL matching an INVITE server
	// transaction that has no final response yet). The call sends
	// neither, and whatever it answered that INVITE since never went: a
	// 2xx that crossed the CANCEL lost (RFC 3261 §9.2 allows one final
	// response), so the call ends as if the CANCEL had come first.
	Terminated bool
	// RSeq of a reliable provisional response; RAck of a PRACK.
	RSeq uint32
	RAck prack.RAck
	// Require and Supported hold 100rel (RFC 3262 §8.1).
	Require100rel, Supported100rel bool
	// Invite holds the mapped fields of an initial INVITE (mapping.Invite
	// is filled from a sipgo request by mapping.InviteFromRequest, and
	// makes one with NewRequest).
	Invite *mapping.Invite
	// Reason is the Reason header value (RFC 3326).
	Reason string
	// Warning is the first Warning code of a response (488/606 mapping).
	Warning int
	// PEarlyMedia: the response carries P-Early-Media (RFC 5009).
	PEarlyMedia bool
	// Contact of a 3xx the call sends (cause 22 with a new number).
	Contact string
	// Accept of a 415, Unsupported of a 420, RetryAfter (seconds) of a
	// 5xx.
	Accept, Unsupported string
	RetryAfter          int
	// SDP marks a body that carries the gateway's session description
	// (sent) or a body with SDP (received).
	SDP bool
	// The body and its headers.
	ContentType, Disposition string
	Body                     []byte
}

// IsRequest reports whether m is a request.
func (m *Msg) IsRequest() bool { return m.Status == 0 }

// String describes m compactly; the transition tables compare these.
func (m *Msg) String() string {
	var b strings.Builder
	if m.Status != 0 {
		b.WriteString(strconv.Itoa(m.Status) + " " + m.Method.String() + "/" + strconv.FormatUint(uint64(m.CSeq), 10))
	} else {
		b.WriteString(m.Method.String())
		if m.CSeq != 0 {
			b.WriteString("/" + strconv.FormatUint(uint64(m.CSeq), 10))
		}
	}
	if m.Tag != "" {
		b.WriteString(" tag=" + m.Tag)
	}
	if m.Terminated {
		b.WriteString(" terminated")
	}
	if m.RSeq != 0 {
		b.WriteString(" rseq=" + strconv.FormatUint(uint64(m.RSeq), 10))
	}
	if m.RAck.RSeq != 0 {
		b.WriteString(" rack=" + m.RAck.String())
	}
	if m.Require100rel {
		b.WriteString(" require=100rel")
	}
	if m.Supported100rel {
		b.WriteString(" supported=100rel")
	}
	if m.Invite != nil && m.Status == 0 {
		b.WriteString(" uri=" + m.Invite.RequestURI.String())
	}
	if m.SDP {
		b.WriteString(" sdp")
	}
	if t := bodyISUPType(m); t != 0 {
		b.WriteString(" isup=" + t.String())
	}
	if m.Reason != "" {
		b.WriteString(" reason=" + m.Reason)
	}
	if m.Contact != "" {
		b.WriteString(" contact=" + m.Contact)
	}
	if m.Accept != "" {
		b.WriteString(" accept=" + m.Accept)
	}
	if m.Unsupported != "" {
		b.WriteString(" unsupported=" + m.Unsupported)
	}
	if m.RetryAfter != 0 {
		b.WriteString(" retry-after=" + strconv.Itoa(m.RetryAfter))
	}
	return b.String()
}

// bodyISUPType returns the type of the ISUP message a body carries (0 for
// none): its first octet after the application/ISUP part headers. Only
// for descriptions; it does not validate.
func bodyISUPType(m *Msg) isup.MessageType {
	ct := strings.ToLower(m.ContentType)
	switch {
	case strings.HasPrefix(ct, "application/isup"):
		if len(m.Body) > 0 {
			return isup.MessageType(m.Body[0])
		}
	case strings.HasPrefix(ct, "multipart/"):
		i := strings.Index(strings.ToLower(string(m.Body)), "application/isup")
		if i < 0 {
			return 0
		}
		j := strings.Index(string(m.Body[i:]), "\r\n\r\n")
		if j >= 0 && i+j+4 < len(m.Body) {
			return isup.MessageType(m.Body[i+j+4])
		}
	}
	return 0
}

// EventKind says what an Event carries.
type EventKind uint8

const (
	// EvSIP: a SIP request or response for this call (SIP).
	EvSIP EventKind = iota + 1
	// EvISUP: an indication of the q764 Trunk for this call's circuit
	// (ISUP, an ActIndicate action), or IndRejected for a request of it.
	EvISUP
	// EvSeized: the Trunk sent this call's IAM on circuit CIC (the daemon
	// sees the ActSend of IAM in the actions of the setup request); Law
	// is the circuit's bearer's (calls with Params.Media).
	EvSeized
	// EvTimer: call timer Timer expired.
	EvTimer
	// EvRelease: the gateway ends the call (operator drop, shutdown) with
	// Cause.
	EvRelease
)

var eventNames = [...]string{EvSIP: "sip", EvISUP: "isup", EvSeized: "seized", EvTimer: "timer", EvRelease: "release"}

func (k EventKind) String() string {
	if int(k) < len(eventNames) && eventNames[k] != "" {
		return eventNames[k]
	}
	return "EventKind(" + strconv.Itoa(int(k)) + ")"
}

// Event is one input of a Call.
type Event struct {
	Kind  EventKind
	SIP   *Msg
	ISUP  *q764.Action
	CIC   uint16
	Timer Timer
	Cause isup.Cause
	Law   g711.Law
}

func (e Event) String() string {
	switch e.Kind {
	case EvSIP:
		if e.SIP != nil {
			return "sip " + e.SIP.String()
		}
	case EvISUP:
		if e.ISUP != nil {
			s := "isup " + e.ISUP.Ind.String()
			if e.ISUP.Msg != nil {
				s += " " + e.ISUP.Msg.Type.String()
			} else if e.ISUP.Ind == q764.IndRelease {
				s += " cause=" + strconv.Itoa(int(e.ISUP.Cause))
			}
			return s
		}
	case EvSeized:
		return "seized cic" + strconv.Itoa(int(e.CIC))
	case EvTimer:
		return "timer " + e.Timer.String()
	case EvRelease:
		return "release cause=" + strconv.Itoa(int(e.Cause))
	}
	return e.Kind.String()
}

// Timer names a timer the call owns (Q.764's timers are the Trunk's).
type Timer uint8

const (
	// TimerRel1xx retransmits the reliable provisional response awaiting
	// its PRACK (RFC 3262 §3: T1 doubling; 64·T1 without PRACK → 5xx).
	TimerRel1xx Timer = iota + 1
	// TimerCollect is the en bloc collection of overlap digits from ISUP
	// before the INVITE goes (the role of Q.764 T10, "last digit received
	// in interworking", played by the call; RFC 3578 §2).
	TimerCollect
	// TimerNoAnswer limits the time from setup to answer (ring time);
	// expiry releases with cause 19 (no answer from user), i.e. 480.
	TimerNoAnswer
	// TimerAck awaits the ACK of the 2xx the call sent (RFC 3261
	// §13.3.1.4: 64·T1, then BYE).
	TimerAck
	// TimerGuard bounds a release: when the other side never completes
	// (no response to BYE or CANCEL, no RLC), the call finishes anyway.
	TimerGuard
	numTimers
)

var timerNames = [...]string{TimerRel1xx: "rel1xx", TimerCollect: "collect", TimerNoAnswer: "no-answer",
	TimerAck: "ack", TimerGuard: "guard"}

func (t Timer) String() string {
	if int(t) < len(timerNames) && timerNames[t] != "" {
		return timerNames[t]
	}
	return "Timer(" + strconv.Itoa(int(t)) + ")"
}

// ActionKind says what an Action asks of the daemon.
type ActionKind uint8

const (
	// ActSIP: send SIP: a response (SIP.Status != 0) on the server
	// transaction of the request SIP.Method/SIP.CSeq, or a request.
	ActSIP ActionKind = iota + 1
	// ActISUP: hand ISUP (a q764.Request) to the Trunk.
	ActISUP
	// ActStartTimer: run Timer for Dur (a running one is replaced).
	ActStartTimer
	// ActStopTimer: stop Timer if it runs.
	ActStopTimer
	// ActCDR: the call's record (CDR), once, just before ActFinished.
	ActCDR
	// ActFinished: the call is over on both sides; free it.
	ActFinished
	// ActMedia: start, move or stop the bridge between the circuit's
	// timeslot and RTP (Media; calls with Params.Media only).
	ActMedia
)

var actionNames = [...]string{ActSIP: "sip", ActISUP: "isup", ActStartTimer: "start", ActStopTimer: "stop",
	ActCDR: "cdr", ActFinished: "finished", ActMedia: "media"}

func (k ActionKind) String() string {
	if int(k) < len(actionNames) && actionNames[k] != "" {
		return actionNames[k]
	}
	return "ActionKind(" + strconv.Itoa(int(k)) + ")"
}

// Action is one thing the call asks for. SIP bodies and ISUP messages in
// actions belong to the call's caller once returned (the call keeps no
// reference it changes later).
type Action struct {
	Kind  ActionKind
	SIP   Msg
	ISUP  q764.Request
	Timer Timer
	Dur   time.Duration
	CDR   *Record
	Media MediaAction
	// Text says why, for logs.
	Text string
}

// String describes the action compactly (tests compare these).
func (a Action) String() string {
	switch a.Kind {
	case ActSIP:
		return "sip " + a.SIP.String()
	case ActISUP:
		r := &a.ISUP
		s := "isup " + r.Kind.String()
		if r.Select {
			s += " select"
		} else {
			s += " cic" + strconv.Itoa(int(r.CIC))
		}
		if r.Msg != nil {
			s += " " + r.Msg.Type.String()
			if r.Msg.Type == isup.REL {
				var ci isup.CauseIndicators
				if ok, err := r.Msg.Get(&ci); ok && err == nil {
					s += " cause=" + strconv.Itoa(int(ci.Value))
				}
			}
		} else if r.Kind == q764.ReqRelease {
			s += " cause=" + strconv.Itoa(int(r.Cause))
		}
		return s
	case ActStartTimer:
		return "start " + a.Timer.String() + " " + a.Dur.String()
	case ActStopTimer:
		return "stop " + a.Timer.String()
	case ActCDR:
		if a.CDR != nil {
			return "cdr " + a.CDR.String()
		}
	case ActMedia:
		return a.Media.String()
	}
	return a.Kind.String()
}

// Party says who ended a call.
type Party uint8

const (
	PartyNone    Party = iota
	PartySIP           // the SIP side (BYE, CANCEL, failure response)
	PartyISUP          // the ISUP side (REL, or the Trunk's own release)
	PartyGateway       // the call (timer, policy, operator, error)
)

var partyNames = [...]string{"none", "sip", "isup", "gateway"}

func (p Party) String() string {
	if int(p) < len(partyNames) {
		return partyNames[p]
	}
	return "Party(" + strconv.Itoa(int(p)) + ")"
}

// Record is the call's CDR.
type Record struct {
	Direction Direction
	CIC       uint16
	HasCIC    bool
	// Calling and Called are the ISUP numbers' digits ("" when unknown).
	Calling, Called string
	Start           time.Time
	Alerted         time.Time // first 18x/ACM (zero if none)
	Answered        time.Time // answer (zero if none)
	End             time.Time
	// Status is the SIP final status of the INVITE (200 when answered).
	Status int
	// Cause is the Q.850 cause of the release (0 when unknown).
	Cause      isup.Cause
	ReleasedBy Party
	// Attempts counts the IAMs sent (repeat attempts included).
	Attempts int
	// Forced: the release guard ended the call.
	Forced bool
}

func (r *Record) String() string {
	s := r.Direction.String() + " status=" + strconv.Itoa(r.Status) + " cause=" + strconv.Itoa(int(r.Cause)) + " by=" + r.ReleasedBy.String()
	if r.Forced {
		s += " forced"
	}
	return s
}

// SIPState is where the SIP leg stands.
type SIPState uint8

const (
	SIPIdle        SIPState = iota // no INVITE yet
	SIPProceeding                  // INVITE pending, no 18x
	SIPEarly                       // INVITE pending, 18x sent or received
	SIPAnswered                    // UAS: 2xx sent, ACK awaited
	SIPConfirmed                   // dialog confirmed
	SIPCancelling                  // UAC: CANCEL sent (or due), final response awaited
	SIPTerminating                 // BYE sent, its response awaited
	SIPDone                        // nothing left on SIP
)

var sipStateNames = [...]string{"idle", "proceeding", "early", "answered", "confirmed", "cancelling", "terminating", "done"}

func (s SIPState) String() string {
	if int(s) < len(sipStateNames) {
		return sipStateNames[s]
	}
	return "SIPState(" + strconv.Itoa(int(s)) + ")"
}

// ISUPState is where the ISUP leg stands.
type ISUPState uint8

const (
	ISUPIdle       ISUPState = iota // no circuit
	ISUPSeizing                     // setup requested, circuit not known yet
	ISUPContinuity                  // IAM received, COT awaited
	ISUPSetup                       // IAM sent or received, no backward message
	ISUPProceeding                  // ACM sent or received
	ISUPAnswered                    // ANM or CON
	ISUPReleasing                   // REL sent, RLC awaited
	ISUPDone                        // circuit back with the Trunk
)

var isupStateNames = [...]string{"idle", "seizing", "continuity", "setup", "proceeding", "answered", "releasing", "done"}

func (s ISUPState) String() string {
	if int(s) < len(isupStateNames) {
		return isupStateNames[s]
	}
	return "ISUPState(" + strconv.Itoa(int(s)) + ")"
}

// State is the pair of leg states; the transition tables name states so.
type State struct {
	SIP  SIPState
	ISUP ISUPState
}

func (s State) String() string { return "sip=" + s.SIP.String() + " isup=" + s.ISUP.String() }
