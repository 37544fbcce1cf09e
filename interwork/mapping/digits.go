package mapping

import "github.com/sipgw/sipgw/isup"

// Address signals between SIP text and ISUP BCD (Q.763 §3.9 f)): 0–9 are
// the digits, code 11 and code 12 (0xB, 0xC) carry '*' and '#' as the
// access signalling codes do (Q.931 IA5 '*' and '#' ↔ ISUP codes 11/12,
// deployed practice in libss7 and Yate), 0xF is ST (end of pulsing) and
// is never a character of a SIP number. 0xA, 0xD and 0xE pass as the hex
// digits RFC 3966 allows (phonedigit-hex).

// digitNibble maps one character of a SIP number to its address signal.
func digitNibble(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c == '*':
		return 0xb, true
	case c == '#':
		return 0xc, true
	case c == 'a' || c == 'A':
		return 0xa, true
	case c == 'b' || c == 'B':
		return 0xb, true
	case c == 'c' || c == 'C':
		return 0xc, true
	case c == 'd' || c == 'D':
		return 0xd, true
	case c == 'e' || c == 'E':
		return 0xe, true
	}
	return 0, false
}

// nibbleChar is the SIP character for an address signal (not ST).
const nibbleChars = "0123456789A*#DE"

// packDigits packs s (a SIP number without '+') into BCD, appending ST
// when st is set. The result is a new slice: the IAM keeps it.
func packDigits(s string, st bool) (isup.Digits, error) {
	n := len(s)
	if st {
		n++
	}
	b := make([]byte, (n+1)/2)
	for i := 0; i < n; i++ {
		var v byte = 0xf
		if i < len(s) {
			var ok bool
			if v, ok = digitNibble(s[i]); !ok {
				return isup.Digits{}, &NumberError{Number: s, Err: ErrBadDigit, Offset: i}
			}
		}
		if i%2 == 0 {
			b[i/2] = v
		} else {
			b[i/2] |= v << 4
		}
	}
	return isup.Digits{BCD: b, Odd: n%2 == 1}, nil
}

// appendDigits appends the address signals of d as SIP characters,
// dropping a trailing ST; ok is false when a ST or a filler-like 0xF
// occurs before the end (not a dialable number).
func appendDigits(dst []byte, d isup.Digits) ([]byte, bool) {
	n := d.Len()
	if n > 0 && d.At(n-1) == 0xf {
		n--
	}
	for i := 0; i < n; i++ {
		v := d.At(i)
		if v == 0xf {
			return dst, false
		}
		dst = append(dst, nibbleChars[v])
	}
	return dst, true
}

// hasST reports whether d ends with the ST signal.
func hasST(d isup.Digits) bool {
	n := d.Len()
	return n > 0 && d.At(n-1) == 0xf
}
