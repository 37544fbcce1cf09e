package isup

// getBits returns width bits of b starting at bit shift (bit 0 = least
// significant, Q.763's bit A).
func getBits(b byte, shift, width uint) uint8 { return (b >> shift) & (1<<width - 1) }

// setBits returns b with width bits at shift replaced by v (masked).
func setBits(b byte, shift, width uint, v uint8) byte {
	m := byte(1<<width-1) << shift
	return b&^m | (v<<shift)&m
}

// needLen returns an *Error when data is shorter than n octets.
func needLen(c ParamCode, data []byte, n int) error {
	if len(data) < n {
		return paramErr(c, ErrLength, len(data), "needs at least "+itoa(n)+" octets, has "+itoa(len(data)))
	}
	return nil
}

// exactLen returns an *Error when data is not exactly n octets.
func exactLen(c ParamCode, data []byte, n int) error {
	if len(data) != n {
		return paramErr(c, ErrLength, len(data), "must be "+itoa(n)+" octets, has "+itoa(len(data)))
	}
	return nil
}
