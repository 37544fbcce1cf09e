package su

// The check bits (Q.703 §4.2) are the ones' complement of the remainder of
// the unit (preceded, in effect, by 16 ones) divided by x^16 + x^12 + x^5
// + 1, computed over the bits in the order they are sent, least
// significant bit of each octet first: the CRC the HDLC family (ISO 3309,
// X.25) calls FCS-16. The check bits go out most significant term first,
// which on a least-significant-first link means the low octet first.

var fcsTable = func() (t [256]uint16) {
	for i := range t {
		c := uint16(i)
		for range 8 {
			if c&1 != 0 {
				c = c>>1 ^ 0x8408 // x^16+x^12+x^5+1, bit-reversed
			} else {
				c >>= 1
			}
		}
		t[i] = c
	}
	return t
}()

// FCS returns the check bits of unit.
func FCS(unit []byte) uint16 {
	c := uint16(0xffff)
	for _, b := range unit {
		c = c>>8 ^ fcsTable[byte(c)^b]
	}
	return ^c
}

// AppendFCS appends the check bits of b's contents after start (the unit
// begins at b[start]), low octet first.
func AppendFCS(b []byte, start int) []byte {
	f := FCS(b[start:])
	return append(b, byte(f), byte(f>>8))
}

// CheckFCS reports whether frame (a unit followed by its two check bits)
// is intact. Over a whole frame the register holds a fixed residue when
// the check bits are right.
func CheckFCS(frame []byte) bool {
	if len(frame) < FCSLen {
		return false
	}
	c := uint16(0xffff)
	for _, b := range frame {
		c = c>>8 ^ fcsTable[byte(c)^b]
	}
	return c == 0xf0b8 // the good-frame residue of FCS-16
}
