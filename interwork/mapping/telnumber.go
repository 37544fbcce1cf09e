package mapping

import (
	"strings"
)

// TelNumber is a telephone-subscriber (RFC 3966 §3): a tel URI's body or
// the user part of a SIP URI with user=phone (RFC 3261 §19.1.6), with the
// parameters the interworking reads. Strings are substrings of the input
// unless the number had visual separators or escapes to remove.
type TelNumber struct {
	// Digits are the address signals without '+' and without visual
	// separators: 0–9, '*', '#' and the hex digits A–E.
	Digits string
	// Global marks a global number ('+' and an E.164 number).
	Global bool
	// PhoneContext is the phone-context of a local number.
	PhoneContext string
	// CPC is the calling party's category parameter (3GPP TS 24.229
	// §7.2A.12, RFC 4694 style tel parameter).
	CPC string
	// ISub is the ISDN subaddress (RFC 3966 §5.1.4), Ext the extension.
	ISub, Ext string
	// NPDI and RN are the number portability parameters (RFC 4694).
	NPDI bool
	RN   string
	// Params is the whole parameter list as written (without the first
	// ';'), for passing along.
	Params string
}

// ParseTelNumber parses a telephone-subscriber: "+49-30-1234;cpc=payphone",
// "030123;phone-context=+49", "*21%23". It allocates only to remove visual
// separators or escapes.
func ParseTelNumber(s string) (TelNumber, error) {
	var t TelNumber
	num := s
	if semi := strings.IndexByte(s, ';'); semi >= 0 {
		num, t.Params = s[:semi], s[semi+1:]
	}
	if strings.HasPrefix(num, "+") {
		t.Global = true
		num = num[1:]
	}
	clean := true
	nd := 0
	decimal := false
	for i := 0; i < len(num); i++ {
		c := num[i]
		switch {
		case c >= '0' && c <= '9':
			decimal = true
			nd++
		case c == '*' || c == '#':
			nd++
		case c == '%':
			if i+2 >= len(num) || !(num[i+1] == '2' && (num[i+2] == '3' || num[i+2] == 'a' || num[i+2] == 'A')) {
				return TelNumber{}, &NumberError{Number: s, Offset: i, Err: ErrBadTelURI}
			}
			clean = false
			nd++
			i += 2
		case c == '-' || c == '.' || c == '(' || c == ')':
			clean = false
		case (c >= 'a' && c <= 'e' || c >= 'A' && c <= 'E') && nd > 0 && !t.Global:
			nd++
		default:
			return TelNumber{}, &NumberError{Number: s, Offset: i, Err: ErrBadTelURI}
		}
	}
	if nd == 0 || !decimal {
		return TelNumber{}, &NumberError{Number: s, Offset: -1, Err: ErrNoNumber}
	}
	if clean {
		t.Digits = num
	} else {
		b := make([]byte, 0, nd)
		for i := 0; i < len(num); i++ {
			c := num[i]
			switch c {
			case '-', '.', '(', ')':
				continue
			case '%':
				if num[i+2] == '3' {
					c = '#'
				} else {
					c = '*'
				}
				i += 2
			}
			b = append(b, c)
		}
		t.Digits = string(b)
	}
	for i := 0; i < len(t.Params); {
		p, next, ok := nextParam(t.Params, i)
		if !ok {
			return TelNumber{}, &NumberError{Number: s, Offset: len(s) - len(t.Params) + i, Err: ErrBadTelURI}
		}
		i = next
		switch strings.ToLower(p.name) {
		case "phone-context":
			t.PhoneContext = p.value
		case "cpc":
			t.CPC = p.value
		case "isub":
			t.ISub = p.value
		case "ext":
			t.Ext = p.value
		case "npdi":
			t.NPDI = true
		case "rn":
			t.RN = p.value
		}
	}
	return t, nil
}

// String writes the number back: "+" for a global number, then the digits
// ('#' escaped as %23 so that it is valid in a URI) and Params.
func (t TelNumber) String() string { return string(t.AppendTo(nil)) }

// AppendTo appends the telephone-subscriber form of t.
func (t TelNumber) AppendTo(b []byte) []byte {
	if t.Global {
		b = append(b, '+')
	}
	b = appendUserDigits(b, t.Digits)
	if t.Params != "" {
		b = append(b, ';')
		b = append(b, t.Params...)
	}
	return b
}

func appendUserDigits(b []byte, d string) []byte {
	for i := 0; i < len(d); i++ {
		if d[i] == '#' {
			b = append(b, "%23"...)
			continue
		}
		b = append(b, d[i])
	}
	return b
}
