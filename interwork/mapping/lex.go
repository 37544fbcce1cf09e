package mapping

import "strings"

// Small lexers shared by the header parsers of this package. They return
// substrings of their input and allocate nothing; every index is checked,
// so any input (the fuzz targets feed them garbage) ends in an error or a
// result, never a panic.

func isWS(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func trimWS(s string) string {
	i, j := 0, len(s)
	for i < j && isWS(s[i]) {
		i++
	}
	for j > i && isWS(s[j-1]) {
		j--
	}
	return s[i:j]
}

// isToken is RFC 3261 token: alphanum and -.!%*_+`'~
func isTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("-.!%*_+`'~", c) >= 0
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}

// skipQuoted returns the index after the quoted string starting at s[i]
// ('"'), honouring backslash escapes; ok is false when it is unterminated.
func skipQuoted(s string, i int) (int, bool) {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '"':
			return j + 1, true
		}
	}
	return len(s), false
}

// nextElem returns the list element of s starting at i, up to a comma that
// is outside quotes and angle brackets, and the index after that comma
// (len(s) at the end). bad reports an unterminated quote or bracket.
func nextElem(s string, i int) (elem string, next int, bad bool) {
	start := i
	for i < len(s) {
		switch s[i] {
		case '"':
			j, ok := skipQuoted(s, i)
			if !ok {
				return s[start:], len(s), true
			}
			i = j
			continue
		case '<':
			j := strings.IndexByte(s[i:], '>')
			if j < 0 {
				return s[start:], len(s), true
			}
			i += j + 1
			continue
		case ',':
			return s[start:i], i + 1, false
		}
		i++
	}
	return s[start:], len(s), false
}

// param is one ";name[=value]" of a parameter list.
type param struct {
	name, value string
	quoted      bool // value was a quoted string (value excludes the quotes)
}

// nextParam reads the parameter at s[i:] (after a ';'), returning the
// index of the next ';' + 1, or len(s). ok is false for an empty name or an
// unterminated quote.
func nextParam(s string, i int) (p param, next int, ok bool) {
	j := i
	for j < len(s) && s[j] != ';' && s[j] != '=' {
		j++
	}
	p.name = trimWS(s[i:j])
	if p.name == "" {
		return p, len(s), false
	}
	if j >= len(s) || s[j] == ';' {
		return p, min(j+1, len(s)), true
	}
	// value
	k := j + 1
	for k < len(s) && isWS(s[k]) {
		k++
	}
	if k < len(s) && s[k] == '"' {
		e, ok := skipQuoted(s, k)
		if !ok {
			return p, len(s), false
		}
		p.value, p.quoted = s[k+1:e-1], true
		for e < len(s) && isWS(s[e]) {
			e++
		}
		if e < len(s) && s[e] != ';' {
			return p, len(s), false
		}
		return p, min(e+1, len(s)), true
	}
	e := k
	for e < len(s) && s[e] != ';' {
		e++
	}
	p.value = trimWS(s[k:e])
	return p, min(e+1, len(s)), true
}

// unquote removes backslash escapes from a quoted-string body; it
// allocates only when there is an escape.
func unquote(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b = append(b, s[i])
	}
	return string(b)
}

// appendQuoted appends s as a quoted-string.
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' || c == '\\' {
			b = append(b, '\\')
		}
		if c == '\r' || c == '\n' {
			c = ' '
		}
		b = append(b, c)
	}
	return append(b, '"')
}

// atoiBounded parses a decimal of at most 9 digits.
func atoiBounded(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// unescapeURI undoes %HH escapes (RFC 3986) as found in the headers part
// of a URI; it allocates only when there is an escape. ok is false for a
// malformed escape.
func unescapeURI(s string) (string, bool) {
	if strings.IndexByte(s, '%') < 0 {
		return s, true
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", false
		}
		h, ok1 := unhex(s[i+1])
		l, ok2 := unhex(s[i+2])
		if !ok1 || !ok2 {
			return "", false
		}
		b = append(b, h<<4|l)
		i += 2
	}
	return string(b), true
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// appendEscaped appends s escaping the characters that may not appear in a
// URI header value (RFC 3261 hvalue: unreserved / escaped / hnv-unreserved).
func appendEscaped(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			strings.IndexByte("-_.!~*'()[]/?:+$", c) >= 0:
			b = append(b, c)
		default:
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return b
}
