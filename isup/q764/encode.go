package q764

import (
	"errors"

	"github.com/sipgw/sipgw/isup"
)

// ErrNotSend is returned by AppendMessage for an action that sends nothing.
var ErrNotSend = errors.New("q764: action is not a send")

// ErrCannotBuild is returned for a machine-built message of a type the
// machine never builds.
var ErrCannotBuild = errors.New("q764: no machine-built form for this message type")

// AppendMessage encodes the message of send action a in variant v, CIC
// first (as carried after the MTP3 routing label or in M3UA protocol
// data), and appends it to dst. A forwarded message (a.Msg) is encoded as
// it is with a's CIC; a machine-built one from a's fields. It allocates
// nothing when dst has room.
func AppendMessage(dst []byte, v isup.Variant, a *Action) ([]byte, error) {
	if a.Kind != ActSend {
		return dst, ErrNotSend
	}
	cic := a.CIC & v.CICMask()
	dst = append(dst, byte(cic), byte(cic>>8))
	if a.Msg != nil {
		if a.Msg.Type != a.Type {
			return dst[:len(dst)-2], errors.New("q764: send action type " + a.Type.String() + " but message " + a.Msg.Type.String())
		}
		out, err := a.Msg.AppendBody(dst)
		if err != nil {
			return dst[:len(dst)-2], err
		}
		return out, nil
	}
	start := len(dst) - 2
	dst = append(dst, byte(a.Type))
	switch a.Type {
	case isup.REL, isup.CFN:
		// Mandatory variable cause indicators, then an empty optional part.
		dst = append(dst, 2, 0, byte(2+len(a.Data)), 0x80|byte(a.Location)&0x0f, 0x80|byte(a.Cause)&0x7f)
		dst = append(dst, a.Data...)
	case isup.RLC:
		if isup.LayoutOf(v, isup.RLC).Optional {
			dst = append(dst, 0) // ITU-T: empty optional part; ANSI has none
		}
	case isup.COT:
		var ind byte
		if a.On {
			ind = 1
		}
		dst = append(dst, ind)
	case isup.CCR, isup.RSC, isup.BLO, isup.BLA, isup.UBL, isup.UBA, isup.UCIC, isup.LPA:
	case isup.UPA:
		dst = append(dst, 0)
	case isup.GRS, isup.CQM:
		dst = append(dst, 1, 1, a.Range)
	case isup.GRA:
		n := statusLen(a.Range)
		dst = append(dst, 1, byte(1+n), a.Range)
		dst = appendStatus(dst, a.Status, n)
	case isup.CGB, isup.CGBA, isup.CGU, isup.CGUA:
		n := statusLen(a.Range)
		dst = append(dst, byte(a.CGSM)&3, 1, byte(1+n), a.Range)
		dst = appendStatus(dst, a.Status, n)
	case isup.CQR:
		// Two mandatory variable parameters: range (no status), circuit
		// state indicator.
		dst = append(dst, 2, 3, 1, a.Range, byte(len(a.Data)))
		dst = append(dst, a.Data...)
	case isup.ACM:
		if len(a.Data) != 2 {
			return dst[:start], errors.New("q764: machine-built ACM needs two backward call indicator octets")
		}
		dst = append(dst, a.Data[0], a.Data[1], 0)
	case isup.SUS, isup.RES:
		var ind byte
		if len(a.Data) > 0 {
			ind = a.Data[0] & 1
		}
		dst = append(dst, ind, 0)
	default:
		return dst[:start], ErrCannotBuild
	}
	return dst, nil
}

func statusLen(rng uint8) int { return (int(rng) + 1 + 7) / 8 }

func appendStatus(dst []byte, s uint32, n int) []byte {
	for i := 0; i < n; i++ {
		dst = append(dst, byte(s>>(8*i)))
	}
	return dst
}
