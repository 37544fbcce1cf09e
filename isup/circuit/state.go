// Package circuit holds what the ISUP procedures and the operator share about
// a circuit: its state as an operator sees it, circuit groups per trunk, and
// the selection of a circuit for an outgoing call. It does no I/O.
package circuit

import (
	"strings"
	"time"
)

// State is a circuit's condition as an operator sees it. The call part
// (idle, busy incoming, busy outgoing) combines with blocking bits and the
// reset condition, as Q.764 §2.8 lets blocking and calls coexist.
type State uint16

const (
	// Idle is the zero State: no call, not blocked, not resetting.
	Idle State = 0

	BusyIncoming       State = 1 << iota // a call the far end set up
	BusyOutgoing                         // a call this exchange set up
	LocalMaintBlocked                    // blocked by this exchange for maintenance (BLO/CGB maintenance)
	LocalHWBlocked                       // blocked by this exchange for a hardware failure (CGB hardware)
	RemoteMaintBlocked                   // blocked by the far end for maintenance
	RemoteHWBlocked                      // blocked by the far end for a hardware failure
	Resetting                            // RSC/GRS sent, RLC/GRA awaited
	Quarantined                          // the far end never answered a reset; an alarm says why
	Unequipped                           // the far end answered with UCIC: it has no such circuit
)

var stateNames = [...]struct {
	bit  State
	name string
}{
	{BusyIncoming, "busy-incoming"},
	{BusyOutgoing, "busy-outgoing"},
	{LocalMaintBlocked, "local-maintenance-blocked"},
	{LocalHWBlocked, "local-hardware-blocked"},
	{RemoteMaintBlocked, "remote-maintenance-blocked"},
	{RemoteHWBlocked, "remote-hardware-blocked"},
	{Resetting, "resetting"},
	{Quarantined, "quarantined"},
	{Unequipped, "unequipped"},
}

// String names every bit set, joined by "+"; "idle" for none.
func (s State) String() string {
	if s == Idle {
		return "idle"
	}
	var b strings.Builder
	for _, n := range stateNames {
		if s&n.bit != 0 {
			if b.Len() > 0 {
				b.WriteByte('+')
			}
			b.WriteString(n.name)
		}
	}
	if rest := s &^ (1<<(len(stateNames)+1) - 2); rest != 0 {
		if b.Len() > 0 {
			b.WriteByte('+')
		}
		b.WriteString("unknown")
	}
	return b.String()
}

// Busy reports a call on the circuit, in either direction.
func (s State) Busy() bool { return s&(BusyIncoming|BusyOutgoing) != 0 }

// LocallyBlocked reports blocking by this exchange (maintenance or hardware).
func (s State) LocallyBlocked() bool { return s&(LocalMaintBlocked|LocalHWBlocked) != 0 }

// RemotelyBlocked reports blocking by the far end (maintenance or hardware).
func (s State) RemotelyBlocked() bool { return s&(RemoteMaintBlocked|RemoteHWBlocked) != 0 }

// Blocked reports blocking by either end.
func (s State) Blocked() bool { return s.LocallyBlocked() || s.RemotelyBlocked() }

// Available reports whether a new outgoing call may seize the circuit: no
// call, no blocking, no reset in progress, not quarantined or unequipped.
func (s State) Available() bool { return s == Idle }

// Status is one circuit's state with since when and why, for operators.
type Status struct {
	CIC    uint16
	State  State
	Since  time.Time // when State last changed
	Reason string    // why it changed (e.g. "BLO received", "T17 expired: no RLC to RSC")
}
