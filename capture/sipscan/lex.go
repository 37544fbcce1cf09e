package sipscan

import "bytes"

// Character classes of RFC 3261 §25.1, as tables: the scanner tests one
// byte per table load.
var (
	tokenChars  [256]bool // token: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~"
	schemeChars [256]bool // scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
	alphaChars  [256]bool
)

func init() {
	for c := 'a'; c <= 'z'; c++ {
		tokenChars[c], tokenChars[c-32] = true, true
		schemeChars[c], schemeChars[c-32] = true, true
		alphaChars[c], alphaChars[c-32] = true, true
	}
	for c := '0'; c <= '9'; c++ {
		tokenChars[c], schemeChars[c] = true, true
	}
	for _, c := range "-.!%*_+`'~" {
		tokenChars[c] = true
	}
	for _, c := range "+-." {
		schemeChars[c] = true
	}
}

// isLWS: white space inside a (possibly folded) header value.
func isLWS(c byte) bool { return lwsChars[c] }

var lwsChars = [256]bool{' ': true, '\t': true, '\r': true, '\n': true}

func skipLWS(b []byte, i int) int {
	for i < len(b) && isLWS(b[i]) {
		i++
	}
	return i
}

func trimLWS(b []byte) []byte {
	i, j := 0, len(b)
	for i < j && isLWS(b[i]) {
		i++
	}
	for j > i && isLWS(b[j-1]) {
		j--
	}
	return b[i:j]
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// eqLower reports whether b equals s ignoring ASCII case; s must be lower
// case.
func eqLower(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if lower(b[i]) != s[i] {
			return false
		}
	}
	return true
}

// eqFold reports whether b equals s ignoring ASCII case.
func eqFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if lower(b[i]) != lower(s[i]) {
			return false
		}
	}
	return true
}

// eqFoldString is eqFold for two strings.
func eqFoldString(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

// skipQuoted returns the index after the quoted string that starts at
// b[i] == '"', honouring backslash escapes, or -1 if it does not end.
func skipQuoted(b []byte, i int) int {
	for j := i + 1; ; {
		q := bytes.IndexByte(b[j:], '"')
		if q < 0 {
			return -1
		}
		q += j
		// The quote ends the string unless an odd run of backslashes
		// escapes it.
		n := 0
		for k := q - 1; k > i && b[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return q + 1
		}
		j = q + 1
	}
}

// nextValue returns the element of a comma-separated header value that
// starts at or after b[i], trimmed, and where the next one starts (len(b)+1
// at the end). Commas inside quoted strings and <…> do not separate.
func nextValue(b []byte, i int) (v []byte, next int) {
	s := i
	for i < len(b) {
		switch b[i] {
		case ',':
			return trimLWS(b[s:i]), i + 1
		case '"':
			j := skipQuoted(b, i)
			if j < 0 {
				// An unterminated quote cannot be told apart from junk:
				// the rest is one value.
				return trimLWS(b[s:]), len(b) + 1
			}
			i = j
			continue
		case '<':
			j := bytes.IndexByte(b[i+1:], '>')
			if j < 0 {
				return trimLWS(b[s:]), len(b) + 1
			}
			i += j + 2
			continue
		}
		i++
	}
	return trimLWS(b[s:]), len(b) + 1
}

// firstValue is the first non-empty comma-separated element of v.
func firstValue(v []byte) []byte {
	// Fast path: no comma, or none after a quote or '<'.
	c := bytes.IndexByte(v, ',')
	if c < 0 {
		return trimLWS(v)
	}
	if c > 0 && bytes.IndexByte(v[:c], '"') < 0 && bytes.IndexByte(v[:c], '<') < 0 {
		return trimLWS(v[:c])
	}
	for i := 0; i <= len(v); {
		var e []byte
		e, i = nextValue(v, i)
		if len(e) > 0 {
			return e
		}
	}
	return nil
}

// parseUint parses decimal digits (at most 10, surrounded by optional
// LWS) into a value ≤ max. ok is false for anything else.
func parseUint(b []byte, max uint64) (n uint64, ok bool) {
	b = trimLWS(b)
	if len(b) == 0 || len(b) > 10 {
		return 0, false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, n <= max
}
