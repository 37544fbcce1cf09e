package isup

// Digits is a view of BCD address signals as carried in ISUP numbers: two
// digits per octet, the first in the low nibble. When Odd is set the last
// octet's high nibble is filler. It aliases the decoded input.
type Digits struct {
	BCD []byte
	Odd bool
}

// digitChars maps a nibble to its character: 0–9, the hex digits B–E
// (code 11, code 12, … as ISUP uses them) and F (ST, end of pulsing).
const digitChars = "0123456789ABCDEF"

// Len returns the number of digits.
func (d Digits) Len() int {
	n := 2 * len(d.BCD)
	if d.Odd && n > 0 {
		n--
	}
	return n
}

// At returns digit i as a nibble value 0–15.
func (d Digits) At(i int) byte {
	b := d.BCD[i/2]
	if i%2 == 1 {
		return b >> 4
	}
	return b & 0x0f
}

// AppendString appends the digits as characters to dst.
func (d Digits) AppendString(dst []byte) []byte {
	n := d.Len()
	for i := 0; i < n; i++ {
		dst = append(dst, digitChars[d.At(i)])
	}
	return dst
}

// String returns the digits as characters ("F" is the ST signal).
func (d Digits) String() string {
	var buf [64]byte
	return string(d.AppendString(buf[:0]))
}

// Equal reports whether d and e hold the same digits.
func (d Digits) Equal(e Digits) bool {
	if d.Len() != e.Len() {
		return false
	}
	for i := 0; i < d.Len(); i++ {
		if d.At(i) != e.At(i) {
			return false
		}
	}
	return true
}

// DigitValue returns the nibble of a digit character (0-9, A-F or a-f; '#'
// is 0xF, '*' is 0xB as in DTMF notation). ok is false otherwise.
func DigitValue(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c == '*':
		return 0xb, true
	case c == '#':
		return 0xf, true
	}
	return 0, false
}

// ParseDigits packs s into BCD. It returns ErrInvalidValue for a character
// that is not a digit (see DigitValue).
func ParseDigits(s string) (Digits, error) {
	b, err := AppendBCD(nil, s)
	if err != nil {
		return Digits{}, err
	}
	return Digits{BCD: b, Odd: len(s)%2 == 1}, nil
}

// MustDigits is ParseDigits for constants in code and tests.
func MustDigits(s string) Digits {
	d, err := ParseDigits(s)
	if err != nil {
		panic(err)
	}
	return d
}

// AppendBCD appends the BCD packing of s to dst; an odd count leaves the
// last high nibble zero (filler).
func AppendBCD(dst []byte, s string) ([]byte, error) {
	for i := 0; i < len(s); i += 2 {
		lo, ok := DigitValue(s[i])
		if !ok {
			return dst, &Error{Err: ErrInvalidValue, Offset: i, Detail: "not a digit: " + string(s[i])}
		}
		var hi byte
		if i+1 < len(s) {
			if hi, ok = DigitValue(s[i+1]); !ok {
				return dst, &Error{Err: ErrInvalidValue, Offset: i + 1, Detail: "not a digit: " + string(s[i+1])}
			}
		}
		dst = append(dst, lo|hi<<4)
	}
	return dst, nil
}
