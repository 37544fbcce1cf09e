package ops

import "errors"

// Errors a Gateway returns (wrapped, with detail) so that the admin API can
// answer with the right status and `sipgw ctl` can say what went wrong
// without parsing text. A CIC outside a trunk's group is circuit.ErrUnknownCIC
// (isup/circuit), which the API also recognises.
var (
	// ErrUnknownTrunk: no ISUP (or SIP) trunk of that name.
	ErrUnknownTrunk = errors.New("unknown trunk")
	// ErrUnknownCall: no call in progress with that id.
	ErrUnknownCall = errors.New("unknown call")
	// ErrUnavailable: the gateway cannot act now (starting, shutting down,
	// its event loop gone).
	ErrUnavailable = errors.New("gateway unavailable")
	// ErrInvalid: a request the gateway understood and refuses (e.g. a
	// cause out of range, a routing file that does not validate).
	ErrInvalid = errors.New("invalid request")
)
