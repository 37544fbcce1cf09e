package q764

import (
	"strconv"

	"github.com/sipgw/sipgw/isup"
)

// RequestKind is what the call user or the operator asks for.
type RequestKind uint8

const (
	// Call user (Msg is the message to send; its type must match).
	ReqSetup      RequestKind = iota + 1 // IAM on CIC, or on a selected circuit with Select
	ReqSAM                               // SAM (overlap sending)
	ReqACM                               // ACM on an incoming call
	ReqCPG                               // CPG
	ReqANM                               // ANM after ACM
	ReqCON                               // CON (answer without ACM)
	ReqRelease                           // REL: Msg, or Cause and Location
	ReqSuspend                           // SUS: Msg, or Network for a machine-built one
	ReqResume                            // RES: Msg, or Network
	ReqINR                               // INR
	ReqINF                               // INF
	ReqMessage                           // any other call message to forward (FAC, APM, USR, …)
	ReqContinuity                        // result of the check the machine asked for (OK), or of a previous circuit's check
	// Operator.
	ReqBlock           // BLO; CGB with Range > 0 or Hardware (Status selects circuits, 0 = all)
	ReqUnblock         // UBL; CGU with Range > 0 or Hardware
	ReqReset           // RSC; GRS with Range > 0
	ReqQuery           // CQM over CIC…CIC+Range
	ReqStartup         // start-up reset of every circuit (Options.Startup)
	ReqClearQuarantine // maintenance intervention: stop resetting, circuit idle
	numRequestKinds
)

var requestNames = [...]string{ReqSetup: "setup", ReqSAM: "sam", ReqACM: "acm", ReqCPG: "cpg", ReqANM: "anm",
	ReqCON: "con", ReqRelease: "release", ReqSuspend: "suspend", ReqResume: "resume", ReqINR: "inr",
	ReqINF: "inf", ReqMessage: "message", ReqContinuity: "continuity", ReqBlock: "block", ReqUnblock: "unblock",
	ReqReset: "reset", ReqQuery: "query", ReqStartup: "startup", ReqClearQuarantine: "clear-quarantine"}

func (k RequestKind) String() string {
	if int(k) < len(requestNames) && requestNames[k] != "" {
		return requestNames[k]
	}
	return "RequestKind(" + strconv.Itoa(int(k)) + ")"
}

// msgType is the message type a call request sends (0 for any).
func (k RequestKind) msgType() isup.MessageType {
	switch k {
	case ReqSetup:
		return isup.IAM
	case ReqSAM:
		return isup.SAM
	case ReqACM:
		return isup.ACM
	case ReqCPG:
		return isup.CPG
	case ReqANM:
		return isup.ANM
	case ReqCON:
		return isup.CON
	case ReqRelease:
		return isup.REL
	case ReqSuspend:
		return isup.SUS
	case ReqResume:
		return isup.RES
	case ReqINR:
		return isup.INR
	case ReqINF:
		return isup.INF
	}
	return 0
}

// Request is one request from the call user or the operator.
type Request struct {
	Kind RequestKind
	CIC  uint16
	// Select asks ReqSetup to pick the circuit (Config.Selector); the
	// chosen CIC is the one of the resulting actions.
	Select bool
	// Msg is the message to send; the machine does not keep it.
	Msg *isup.Message
	// Cause and Location for a ReqRelease without Msg.
	Cause    isup.Cause
	Location isup.Location
	// Range (number of circuits after CIC) and Status (bit i: CIC+i; 0
	// means every circuit of the range) for group operations.
	Range  uint8
	Status uint32
	// Hardware: hardware failure oriented (group) blocking or unblocking.
	Hardware bool
	// OK: continuity check result. Network: SUS/RES network initiated.
	OK, Network bool
}
