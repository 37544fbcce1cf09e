// Package isup is an ISDN User Part codec: ITU-T Q.763 and ANSI T1.113.
//
// A Message is decoded by a table that describes every message type's layout
// once (layout.go): the mandatory fixed part, the pointers to the mandatory
// variable part and to the optional part. Parameters are kept as raw
// {Code, Data} that alias the input, so a decoded message re-encodes
// byte for byte and decoding allocates nothing into a reused Message.
// Typed views of the parameters (numbers, indicators, cause, …) are decoded on
// demand with Message.Get and are registered in a per-variant registry; any
// parameter without a typed view stays raw.
package isup

// Variant selects the ISUP standard a message is coded to.
type Variant uint8

const (
	ITU  Variant = iota // ITU-T Q.763
	ANSI                // ANSI T1.113
)

func (v Variant) String() string {
	switch v {
	case ITU:
		return "itu"
	case ANSI:
		return "ansi"
	}
	return "variant(" + itoa(int(v)) + ")"
}

// ParseVariant accepts "itu" or "ansi" (any case).
func ParseVariant(s string) (Variant, bool) {
	switch s {
	case "itu", "ITU", "itu-t", "ITU-T":
		return ITU, true
	case "ansi", "ANSI":
		return ANSI, true
	}
	return 0, false
}

// CICMask returns the bits of the two CIC octets that carry the circuit
// identification code: 12 bits in ITU-T, 14 bits in ANSI.
func (v Variant) CICMask() uint16 {
	if v == ANSI {
		return 0x3fff
	}
	return 0x0fff
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
