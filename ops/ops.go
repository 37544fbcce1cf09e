// Package ops is what the gateway shows and lets operators do: the
// control interface the admin HTTP API and `sipgw ctl` use, and the
// records (CDRs) and figures (metrics) the gateway emits. The gateway
// implements Gateway; ops knows nothing of SIP stacks or SIGTRAN.
package ops

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/sipgw/sipgw/isup/circuit"
)

// Gateway is the running gateway as operators drive it. Every method is
// safe for concurrent use and returns promptly (it queues the work on the
// event loop that owns the state and waits for its answer or ctx).
type Gateway interface {
	// Circuits lists the circuits of every ISUP trunk (or of one trunk when
	// trunk is not ""), with state, since when and why.
	Circuits(ctx context.Context, trunk string) ([]TrunkCircuits, error)
	// Block, Unblock and Reset act on CIC ranges of a trunk: maintenance
	// blocking (BLO/CGB), unblocking (UBL/CGU), reset (RSC/GRS).
	Block(ctx context.Context, trunk string, cics circuit.Ranges) error
	Unblock(ctx context.Context, trunk string, cics circuit.Ranges) error
	Reset(ctx context.Context, trunk string, cics circuit.Ranges) error
	// Calls lists the calls in progress.
	Calls(ctx context.Context) ([]CallInfo, error)
	// DropCall releases a call with the given Q.850 cause (16 when 0).
	DropCall(ctx context.Context, id string, cause uint8) error
	// ReloadRoutes re-reads the routing table from the configuration file.
	ReloadRoutes(ctx context.Context) error
	// Status is a summary: version, uptime, trunks and their peers' state,
	// M3UA associations and ASP state, calls.
	Status(ctx context.Context) (Status, error)
}

// TrunkCircuits is one ISUP trunk's circuits.
type TrunkCircuits struct {
	Trunk    string           `json:"trunk"`
	Circuits []circuit.Status `json:"circuits"`
}

// Phase is where a call in progress stands, coarse enough to count calls
// by. A call only moves forward: setup → early → answered → releasing
// (phases may be skipped).
type Phase uint8

const (
	// PhaseSetup: accepted, no progress from the called side yet.
	PhaseSetup Phase = iota
	// PhaseEarly: ringing or early media (18x sent or received, ACM),
	// not answered.
	PhaseEarly
	// PhaseAnswered: the caller has the answer (2xx sent, or ANM/CON
	// sent for a 2xx received).
	PhaseAnswered
	// PhaseReleasing: either side has begun to end the call.
	PhaseReleasing
	// NumPhases counts the phases.
	NumPhases
)

var phaseNames = [NumPhases]string{"setup", "early", "answered", "releasing"}

func (p Phase) String() string {
	if p < NumPhases {
		return phaseNames[p]
	}
	return "Phase(" + strconv.Itoa(int(p)) + ")"
}

// MarshalText writes the phase's name (JSON).
func (p Phase) MarshalText() ([]byte, error) {
	if p >= NumPhases {
		return nil, fmt.Errorf("ops: phase %d out of range", uint8(p))
	}
	return []byte(phaseNames[p]), nil
}

// UnmarshalText reads a phase's name.
func (p *Phase) UnmarshalText(b []byte) error {
	for i, n := range phaseNames {
		if n == string(b) {
			*p = Phase(i)
			return nil
		}
	}
	return fmt.Errorf("ops: unknown call phase %q", b)
}

// PhaseCounts counts calls in progress by phase.
type PhaseCounts struct {
	Setup     int `json:"setup"`
	Early     int `json:"early"`
	Answered  int `json:"answered"`
	Releasing int `json:"releasing"`
}

// Add counts n calls in phase p.
func (c *PhaseCounts) Add(p Phase, n int) {
	switch p {
	case PhaseSetup:
		c.Setup += n
	case PhaseEarly:
		c.Early += n
	case PhaseAnswered:
		c.Answered += n
	case PhaseReleasing:
		c.Releasing += n
	}
}

// CallInfo is one call in progress.
type CallInfo struct {
	ID        string    `json:"id"`
	Direction string    `json:"direction"` // "sip-to-isup" or "isup-to-sip"
	Phase     Phase     `json:"phase"`
	State     string    `json:"state"` // finer: the SIP and ISUP legs' states
	SIPTrunk  string    `json:"sip_trunk"`
	ISUPTrunk string    `json:"isup_trunk"`
	CIC       uint16    `json:"cic,omitempty"`
	Calling   string    `json:"calling,omitempty"`
	Called    string    `json:"called,omitempty"`
	CallID    string    `json:"call_id,omitempty"` // SIP Call-ID
	Start     time.Time `json:"start"`
	Answered  time.Time `json:"answered,omitzero"`
}

// Status summarises the gateway.
type Status struct {
	Version      string        `json:"version"`
	Started      time.Time     `json:"started"`
	Calls        int           `json:"calls"`
	Phases       PhaseCounts   `json:"phases"` // the calls by phase
	SIPTrunks    []PeerStatus  `json:"sip_trunks"`
	Associations []AssocStatus `json:"associations"`
}

// PeerStatus is a SIP trunk's peer as OPTIONS keep-alives see it.
type PeerStatus struct {
	Trunk string    `json:"trunk"`
	State string    `json:"state"` // "up", "down", "unknown"
	Since time.Time `json:"since"`
	Calls int       `json:"calls"`
}

// AssocStatus is one M3UA association.
type AssocStatus struct {
	Name     string    `json:"name"`
	State    string    `json:"state"`     // association state
	ASPState string    `json:"asp_state"` // ASP-DOWN, ASP-INACTIVE, ASP-ACTIVE
	Since    time.Time `json:"since"`
}

// CDR is one finished call, written as a JSON line.
type CDR struct {
	ID         string    `json:"id"`
	Direction  string    `json:"direction"`
	SIPTrunk   string    `json:"sip_trunk"`
	ISUPTrunk  string    `json:"isup_trunk"`
	CIC        uint16    `json:"cic,omitempty"`
	Calling    string    `json:"calling"`
	Called     string    `json:"called"`
	CallID     string    `json:"call_id"`
	Start      time.Time `json:"start"`
	Alerted    time.Time `json:"alerted,omitzero"`
	Answered   time.Time `json:"answered,omitzero"`
	End        time.Time `json:"end"`
	DurationMS int64     `json:"duration_ms"` // answer to end, 0 when not answered
	SIPStatus  int       `json:"sip_status"`
	Cause      uint8     `json:"cause"`       // Q.850
	ReleasedBy string    `json:"released_by"` // "sip", "isup", "gateway"
	Attempts   int       `json:"attempts"`
}
