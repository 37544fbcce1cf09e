package gateway

import (
	"github.com/sipgw/sipgw/isup/circuit"
	"github.com/sipgw/sipgw/ops"
)

// CDRSink receives the record of every finished call (the ops CDR
// writer). WriteCDR is called from the call's event loop: it must not
// block for long (queue and write elsewhere).
type CDRSink interface {
	WriteCDR(ops.CDR)
}

// Observer is told what the metrics count. Every method is called from
// an event loop or a SIP handler and must return promptly.
type Observer interface {
	// CallStarted: a call was accepted (INVITE routed, or IAM taken);
	// direction is "sip-to-isup" or "isup-to-sip". The metrics derive
	// calls per second from it.
	CallStarted(sipTrunk, isupTrunk, direction string)
	// CallPhase: a call moved from phase from to phase to. Calls start in
	// ops.PhaseSetup and only move forward (early: 18x/ACM; answered: the
	// caller has the answer; releasing: either side began to end it), so
	// to == ops.PhaseAnswered is the call's answer, once.
	CallPhase(sipTrunk, isupTrunk, direction string, from, to ops.Phase)
	// CallEnded: the call is over, in phase last; answered says whether it
	// went through ops.PhaseAnswered. The CDR carries the SIP status, the
	// Q.850 cause and who released.
	CallEnded(cdr ops.CDR, last ops.Phase, answered bool)
	// CallRefused: an INVITE was refused before any call existed (403
	// unknown source, 401 challenge, 503 limits, 404 no route).
	CallRefused(sipTrunk string, status int, why string)
	// CircuitState: a circuit of an ISUP trunk changed state.
	CircuitState(isupTrunk string, cic uint16, prev, state circuit.State)
	// AssociationState: an M3UA association changed (state "up"/"down",
	// ASP state "ASP-DOWN", "ASP-INACTIVE", "ASP-ACTIVE").
	AssociationState(sigtran, as string, state, aspState string)
	// PeerState: a SIP trunk's peer went "up" or "down" (OPTIONS).
	PeerState(sipTrunk, state string)
}

// NopObserver observes nothing.
type NopObserver struct{}

func (NopObserver) CallStarted(string, string, string)                        {}
func (NopObserver) CallPhase(string, string, string, ops.Phase, ops.Phase)    {}
func (NopObserver) CallEnded(ops.CDR, ops.Phase, bool)                        {}
func (NopObserver) CallRefused(string, int, string)                           {}
func (NopObserver) CircuitState(string, uint16, circuit.State, circuit.State) {}
func (NopObserver) AssociationState(string, string, string, string)           {}
func (NopObserver) PeerState(string, string)                                  {}

var _ Observer = NopObserver{}
