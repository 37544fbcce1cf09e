package m3ua

import (
	"errors"
	"strconv"
	"time"
)

// ASPState is an ASP's state as RFC 4666 §4.3.1 names them.
type ASPState uint8

const (
	ASPDown ASPState = iota
	ASPInactive
	ASPActive
)

func (s ASPState) String() string {
	switch s {
	case ASPDown:
		return "ASP-DOWN"
	case ASPInactive:
		return "ASP-INACTIVE"
	case ASPActive:
		return "ASP-ACTIVE"
	}
	return "ASPState(" + strconv.Itoa(int(s)) + ")"
}

// ASState is an Application Server's state (RFC 4666 §4.3.2).
type ASState uint8

const (
	ASDown ASState = iota
	ASInactive
	ASActive
	ASPending
)

func (s ASState) String() string {
	switch s {
	case ASDown:
		return "AS-DOWN"
	case ASInactive:
		return "AS-INACTIVE"
	case ASActive:
		return "AS-ACTIVE"
	case ASPending:
		return "AS-PENDING"
	}
	return "ASState(" + strconv.Itoa(int(s)) + ")"
}

// Role is the part this end plays on an association.
type Role uint8

const (
	// RoleASP: an ASP toward an SGP (an SG or an STP such as osmo-stp).
	RoleASP Role = iota + 1
	// RoleIPSP: an IP server process toward a peer IPSP (RFC 4666 §4.3.1,
	// §5.5): no SG between the two.
	RoleIPSP
)

func (r Role) String() string {
	switch r {
	case RoleASP:
		return "ASP"
	case RoleIPSP:
		return "IPSP"
	}
	return "Role(" + strconv.Itoa(int(r)) + ")"
}

// Exchange is the IPSP model (RFC 4666 §4.3.1): in a single exchange only
// one side sends ASPUP and ASPAC and the other acknowledges; in a double
// exchange both sides do, and each direction has its own state.
type Exchange uint8

const (
	SingleExchange Exchange = iota + 1
	DoubleExchange
)

func (e Exchange) String() string {
	switch e {
	case SingleExchange:
		return "single exchange"
	case DoubleExchange:
		return "double exchange"
	}
	return "Exchange(" + strconv.Itoa(int(e)) + ")"
}

// Errors an association ends with.
var (
	ErrHeartbeatLost = errors.New("m3ua: heartbeat lost")
	ErrNoAck         = errors.New("m3ua: no acknowledgement")
)

// ActionKind says what an Action asks of the driver.
type ActionKind uint8

const (
	// ActSend: send Msg on Stream.
	ActSend ActionKind = iota + 1
	// ActDeliver: Msg is DATA for the MTP3 user (checked: state, stream,
	// routing context, network appearance).
	ActDeliver
	// ActState: the local or remote ASP state, or traffic, changed.
	ActState
	// ActNotify: a NTFY arrived (Msg.Status).
	ActNotify
	// ActSSNM: DUNA, DAVA, SCON, DUPU or DRST arrived for the MTP3 level.
	ActSSNM
	// ActPeerError: the peer sent ERR (Msg.ErrorCode).
	ActPeerError
	// ActProtocolError: the peer sent something wrong (Code); an ERR went
	// back unless the offending message was itself an ERR.
	ActProtocolError
	// ActDiscard: a message was dropped without an answer, as RFC 4666
	// says for some states (Code says why, when there is one).
	ActDiscard
	// ActAbort: end the association (Reason).
	ActAbort
)

var actionNames = [...]string{ActSend: "send", ActDeliver: "deliver", ActState: "state", ActNotify: "notify",
	ActSSNM: "ssnm", ActPeerError: "peer-error", ActProtocolError: "protocol-error", ActDiscard: "discard", ActAbort: "abort"}

func (k ActionKind) String() string {
	if int(k) < len(actionNames) && actionNames[k] != "" {
		return actionNames[k]
	}
	return "ActionKind(" + strconv.Itoa(int(k)) + ")"
}

// Action is one thing a state machine asks its driver to do. Msg points
// into the machine's buffers or the received message: valid until the
// machine's next call.
type Action struct {
	Kind   ActionKind
	Stream uint16
	Msg    *Message
	Code   ErrorCode
	Reason error
}

// Default timer values.
const (
	// DefaultTAck is T(ack), the ASPSM/ASPTM retransmission timer
	// (RFC 4666 §4.3.4.1); the RFC leaves its value to configuration.
	DefaultTAck = 2 * time.Second
	// DefaultTr is T(r), the AS recovery timer (RFC 4666 §4.3.4.3).
	DefaultTr = 2 * time.Second
	// DefaultBeatLoss BEATs without BEAT_ACK end the association.
	DefaultBeatLoss = 3
)
