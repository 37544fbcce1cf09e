package circuit

import (
	"strconv"
	"strings"

	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// Controls reports whether the exchange with signalling point code own is
// the control exchange for circuit cic toward the exchange peer: Q.764
// §2.9.1.4 gives the exchange with the higher signalling point code the
// even-numbered circuits and the other exchange the odd-numbered ones. On a
// dual seizure the control exchange completes its call and disregards the
// received IAM; the other backs off and re-attempts on another circuit.
//
// Equal point codes (a misconfiguration NewGroup rejects) control nothing,
// so that both ends back off rather than both proceed.
func Controls(own, peer mtp3.PointCode, cic uint16) bool {
	even := cic&1 == 0
	switch o, p := own.Uint32(), peer.Uint32(); {
	case o > p:
		return even
	case o < p:
		return !even
	}
	return false
}

// Control is a circuit group's dual-seizure rule: which circuits this
// exchange controls.
//
// Q.764 §2.9.1.4 has one rule, ControlByPointCode. For ANSI the T1.113.4
// text was not at hand; what was checked: the ANSI-92 procedures of one
// commercial stack (IntelliSS7) apply the same higher-point-code/even-CIC
// rule by default, with per-group overrides "all", "none", "odd", "even";
// North American practice also gives a whole trunk group to one "glare
// master" end by prior agreement (the access service request's GLARE field:
// customer, provider, or the CIC rule; Russell, "Signaling System #7",
// ch. 8 "Circuit glare": the point code/CIC method between peer end offices,
// prior agreement between non-peer ones such as an IXC and an access
// tandem). ControlAll and ControlNone are that agreement, and
// ControlByPointCodeReversed the odd-CIC option such stacks also offer.
// Both ends must be provisioned with matching rules.
type Control uint8

const (
	// ControlByPointCode is Q.764 §2.9.1.4: the higher point code controls
	// the even CICs, the lower one the odd CICs. The zero value.
	ControlByPointCode Control = iota
	// ControlByPointCodeReversed gives the higher point code the odd CICs
	// (bilateral agreement).
	ControlByPointCodeReversed
	// ControlAll makes this exchange the control exchange for every
	// circuit of the group (glare master by agreement).
	ControlAll
	// ControlNone makes the peer the control exchange for every circuit:
	// this exchange always backs off.
	ControlNone
)

var controlNames = [...]string{"point-code", "point-code-reversed", "all", "none"}

func (c Control) String() string {
	if int(c) < len(controlNames) {
		return controlNames[c]
	}
	return "control(" + strconv.Itoa(int(c)) + ")"
}

// ParseControl reads the names String writes, any case.
func ParseControl(s string) (Control, error) {
	for i, n := range controlNames {
		if strings.EqualFold(s, n) {
			return Control(i), nil
		}
	}
	return 0, &Error{Field: "Control", Err: ErrValue, Detail: strconv.Quote(s) + ": want one of " + strings.Join(controlNames[:], ", ")}
}

func (c Control) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

func (c *Control) UnmarshalText(b []byte) (err error) {
	*c, err = ParseControl(string(b))
	return err
}

// Controls reports whether own controls cic toward peer under rule c.
func (c Control) Controls(own, peer mtp3.PointCode, cic uint16) bool {
	switch c {
	case ControlByPointCode:
		return Controls(own, peer, cic)
	case ControlByPointCodeReversed:
		// The peer's view under the Q.764 rule, i.e. parity swapped, but
		// still nothing for equal codes.
		return own.Uint32() != peer.Uint32() && !Controls(own, peer, cic)
	case ControlAll:
		return true
	}
	return false
}
