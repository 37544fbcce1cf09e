package admin

import (
	"fmt"
	"strings"
	"time"

	"github.com/sipgw/sipgw/isup/circuit"
	"github.com/sipgw/sipgw/ops"
)

// The JSON the API speaks, shared with `sipgw ctl`. Status, calls and
// CDR-like records are the ops types as they are; circuits get a wire form
// of their own because circuit.Status has no JSON names and its State is a
// bit set, which the API writes as its name ("busy-incoming+remote-
// maintenance-blocked").

// Circuit is one circuit on the wire.
type Circuit struct {
	CIC    uint16    `json:"cic"`
	State  string    `json:"state"`
	Since  time.Time `json:"since,omitzero"`
	Reason string    `json:"reason,omitempty"`
}

// TrunkCircuits is one ISUP trunk's circuits on the wire.
type TrunkCircuits struct {
	Trunk    string    `json:"trunk"`
	Circuits []Circuit `json:"circuits"`
}

// CircuitRequest is the body of POST /v1/circuits/{block,unblock,reset}.
type CircuitRequest struct {
	Trunk string `json:"trunk"`
	CICs  string `json:"cics"` // "1-15,17", as circuit.ParseRanges reads it
}

// CircuitResult answers a circuit request.
type CircuitResult struct {
	Action string `json:"action"` // block, unblock, reset
	Trunk  string `json:"trunk"`
	CICs   string `json:"cics"`  // the ranges as understood
	Count  int    `json:"count"` // circuits named
}

// DropResult answers DELETE /v1/calls/{id}.
type DropResult struct {
	ID    string `json:"id"`
	Cause uint8  `json:"cause"`
}

// Health answers GET /v1/health.
type Health struct {
	Status string `json:"status"` // "ok"
}

// Error is every error's body. Code is stable for programs; Error says
// what went wrong in words.
type Error struct {
	Code  string `json:"code"`
	Error string `json:"error"`
}

// Error codes.
const (
	CodeUnauthorized = "unauthorized"
	CodeBadRequest   = "bad-request"
	CodeNotFound     = "not-found"
	CodeMethod       = "method-not-allowed"
	CodeUnknownTrunk = "unknown-trunk"
	CodeUnknownCIC   = "unknown-cic"
	CodeUnknownCall  = "unknown-call"
	CodeInvalid      = "invalid"
	CodeUnavailable  = "unavailable"
	CodeTimeout      = "timeout"
	CodeInternal     = "internal"
)

// WireCircuits converts the gateway's listing to the wire form.
func WireCircuits(tcs []ops.TrunkCircuits) []TrunkCircuits {
	out := make([]TrunkCircuits, 0, len(tcs))
	for _, tc := range tcs {
		w := TrunkCircuits{Trunk: tc.Trunk, Circuits: make([]Circuit, 0, len(tc.Circuits))}
		for _, s := range tc.Circuits {
			w.Circuits = append(w.Circuits, Circuit{CIC: s.CIC, State: s.State.String(), Since: s.Since, Reason: s.Reason})
		}
		out = append(out, w)
	}
	return out
}

// stateBits maps each single condition's name (circuit.State.String) to its
// bit, so that the names are defined once, in isup/circuit.
var stateBits = func() map[string]circuit.State {
	m := map[string]circuit.State{}
	for b := circuit.State(1); b != 0; b <<= 1 {
		if n := b.String(); n != "unknown" && !strings.Contains(n, "+") {
			m[n] = b
		}
	}
	return m
}()

// ParseState reads what circuit.State.String writes.
func ParseState(s string) (circuit.State, error) {
	if s == "idle" {
		return circuit.Idle, nil
	}
	var st circuit.State
	for _, n := range strings.Split(s, "+") {
		b, ok := stateBits[n]
		if !ok {
			return 0, fmt.Errorf("unknown circuit state %q in %q", n, s)
		}
		st |= b
	}
	return st, nil
}

// Status converts a wire circuit back to circuit.Status.
func (c Circuit) Status() (circuit.Status, error) {
	st, err := ParseState(c.State)
	if err != nil {
		return circuit.Status{}, fmt.Errorf("CIC %d: %w", c.CIC, err)
	}
	return circuit.Status{CIC: c.CIC, State: st, Since: c.Since, Reason: c.Reason}, nil
}
