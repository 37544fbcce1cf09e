package sipi

import (
	"iter"
	"strconv"
	"strings"

	"github.com/sipgw/sipgw/isup"
)

// ContentType is a parsed Content-Type value (RFC 2045 §5.1, RFC 3261
// §20.15). Type and Subtype are kept as received; compare them with Is.
// Parameters are validated by ParseContentType and read on demand, in
// order, from the value text, so parsing allocates nothing. The zero value
// means the header was absent (RFC 2045 then implies text/plain).
type ContentType struct {
	Type    string
	Subtype string
	raw     string // the whole value, trimmed
	params  string // from the first ';' on
}

// ParseContentType parses a Content-Type header value such as
// `application/ISUP; version=itu-t92+; base="itu-t92+"`. Parameter values
// may be quoted strings or unquoted text; unquoted values accept any
// visible character but ';' and '"' (real boundaries carry '=' and '/'
// unquoted). A parameter without "=value", a trailing ';' and empty
// parameters are tolerated. Errors are *Error with Part -1, Header
// "Content-Type" and Offset into s.
func ParseContentType(s string) (ContentType, error) {
	ct, off, detail := parseContentType(s)
	if detail != "" {
		return ContentType{}, &Error{Part: -1, Header: "Content-Type", Offset: off, Err: ErrContentType, Detail: detail}
	}
	return ct, nil
}

func parseContentType(s string) (ContentType, int, string) {
	i := skipLWS(s, 0)
	start := i
	j := scanToken(s, i)
	if j == i {
		if i == len(s) {
			return ContentType{}, i, "empty value"
		}
		return ContentType{}, i, "media type expected"
	}
	typ := s[i:j]
	i = skipLWS(s, j)
	if i == len(s) || s[i] != '/' {
		return ContentType{}, i, "'/' expected after media type " + quote(typ)
	}
	i = skipLWS(s, i+1)
	j = scanToken(s, i)
	if j == i {
		return ContentType{}, i, "media subtype expected"
	}
	sub := s[i:j]
	i = skipLWS(s, j)
	if off, detail := validateParams(s, i); detail != "" {
		return ContentType{}, off, detail
	}
	raw := trimLWS(s[start:])
	return ContentType{Type: typ, Subtype: sub, raw: raw, params: tail(raw, i-start)}, 0, ""
}

// String returns the value as received (trimmed), or "" for the zero value.
func (ct ContentType) String() string { return ct.raw }

// Is reports whether ct has media type mt ("type/subtype"), ignoring case.
func (ct ContentType) Is(mt string) bool {
	i := strings.IndexByte(mt, '/')
	return i >= 0 && strings.EqualFold(ct.Type, mt[:i]) && strings.EqualFold(ct.Subtype, mt[i+1:])
}

// IsMultipart reports whether ct is multipart/* (mixed, related,
// alternative, … are all framed the same way).
func (ct ContentType) IsMultipart() bool { return strings.EqualFold(ct.Type, "multipart") }

// IsISUP reports whether ct is application/ISUP.
func (ct ContentType) IsISUP() bool { return ct.Is("application/isup") }

// IsSDP reports whether ct is application/sdp.
func (ct ContentType) IsSDP() bool { return ct.Is("application/sdp") }

// Param returns the value of the first parameter called name (ignoring
// case), unquoted.
func (ct ContentType) Param(name string) (string, bool) { return paramOf(ct.params, name) }

// Params yields the parameters in order: name as received, value unquoted.
func (ct ContentType) Params() iter.Seq2[string, string] { return paramSeq(ct.params) }

// Boundary returns the boundary parameter ("" when absent).
func (ct ContentType) Boundary() string { v, _ := ct.Param("boundary"); return v }

// Version returns the RFC 3204 version parameter ("" when absent).
func (ct ContentType) Version() string { v, _ := ct.Param("version"); return v }

// Base returns the RFC 3204 base parameter ("" when absent).
func (ct ContentType) Base() string { v, _ := ct.Param("base"); return v }

// Variant maps the version and base parameters with ISUPVariant.
func (ct ContentType) Variant() (isup.Variant, bool) { return ISUPVariant(ct.Version(), ct.Base()) }

// Handling is the handling parameter of Content-Disposition (RFC 3204 §6,
// RFC 3261 §20.11).
type Handling uint8

const (
	HandlingAbsent   Handling = iota // no handling parameter: treated as required
	HandlingOptional                 // handling=optional: ignore the part if not understood
	HandlingRequired                 // handling=required: 415 if not understood
	HandlingOther                    // an extension value: treated as required
)

func (h Handling) String() string {
	switch h {
	case HandlingAbsent:
		return "absent"
	case HandlingOptional:
		return "optional"
	case HandlingRequired:
		return "required"
	case HandlingOther:
		return "other"
	}
	return "handling(" + strconv.Itoa(int(h)) + ")"
}

// Required reports whether a part with this handling must be understood.
// A missing or unknown handling counts as required (RFC 3261 §20.11).
func (h Handling) Required() bool { return h != HandlingOptional }

// Disposition is a parsed Content-Disposition value such as
// "signal;handling=optional". The zero value means the header was absent.
type Disposition struct {
	Type     string // disposition type as received: "signal", "session", …
	Handling Handling
	raw      string
	params   string
}

// ParseDisposition parses a Content-Disposition value. Errors are *Error
// with Part -1, Header "Content-Disposition" and Offset into s.
func ParseDisposition(s string) (Disposition, error) {
	d, off, detail := parseDisposition(s)
	if detail != "" {
		return Disposition{}, &Error{Part: -1, Header: "Content-Disposition", Offset: off, Err: ErrDisposition, Detail: detail}
	}
	return d, nil
}

func parseDisposition(s string) (Disposition, int, string) {
	i := skipLWS(s, 0)
	start := i
	j := scanToken(s, i)
	if j == i {
		if i == len(s) {
			return Disposition{}, i, "empty value"
		}
		return Disposition{}, i, "disposition type expected"
	}
	d := Disposition{Type: s[i:j]}
	i = skipLWS(s, j)
	if off, detail := validateParams(s, i); detail != "" {
		return Disposition{}, off, detail
	}
	d.raw = trimLWS(s[start:])
	d.params = tail(d.raw, i-start)
	if h, ok := paramOf(d.params, "handling"); ok {
		switch {
		case strings.EqualFold(h, "optional"):
			d.Handling = HandlingOptional
		case strings.EqualFold(h, "required"):
			d.Handling = HandlingRequired
		default:
			d.Handling = HandlingOther
		}
	}
	return d, 0, ""
}

// String returns the value as received (trimmed).
func (d Disposition) String() string { return d.raw }

// Param returns the value of the first parameter called name, unquoted.
func (d Disposition) Param(name string) (string, bool) { return paramOf(d.params, name) }

// Params yields the parameters in order.
func (d Disposition) Params() iter.Seq2[string, string] { return paramSeq(d.params) }

// tail returns s[i:], or "" when i is past the end (trailing white space
// was trimmed), so that a value and its String re-parse equal.
func tail(s string, i int) string {
	if i >= len(s) {
		return ""
	}
	return s[i:]
}

// --- lexical helpers (RFC 2045 token, quoted-string; SIP linear white space)

func isLWS(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func skipLWS(s string, i int) int {
	for i < len(s) && isLWS(s[i]) {
		i++
	}
	return i
}

func trimLWS(s string) string {
	i, j := 0, len(s)
	for i < j && isLWS(s[i]) {
		i++
	}
	for j > i && isLWS(s[j-1]) {
		j--
	}
	return s[i:j]
}

// isTokenChar reports RFC 2045 token characters: visible ASCII except
// tspecials.
func isTokenChar(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return false
	}
	switch c {
	case '(', ')', '<', '>', '@', ',', ';', ':', '\\', '"', '/', '[', ']', '?', '=':
		return false
	}
	return true
}

func scanToken(s string, i int) int {
	for i < len(s) && isTokenChar(s[i]) {
		i++
	}
	return i
}

// isValueChar: characters of an unquoted parameter value (lenient).
func isValueChar(c byte) bool { return c > ' ' && c < 0x7f && c != ';' && c != '"' }

// param is one lexed parameter; raw is the value text, quotes included.
type param struct {
	name, raw string
	quoted    bool
	next      int
}

// nextParam lexes the parameter that starts at s[i] (which must be ';' or
// the end). ok is false at the end of s. A non-empty detail is an error at
// offset off.
func nextParam(s string, i int) (p param, ok bool, off int, detail string) {
	for {
		i = skipLWS(s, i)
		if i == len(s) {
			return p, false, 0, ""
		}
		if s[i] != ';' {
			return p, false, i, "';' expected before parameter, found " + quoteByte(s[i])
		}
		i = skipLWS(s, i+1)
		if i == len(s) {
			return p, false, 0, ""
		}
		if s[i] != ';' {
			break
		}
	}
	j := scanToken(s, i)
	if j == i {
		return p, false, i, "parameter name expected, found " + quoteByte(s[i])
	}
	p.name = s[i:j]
	i = skipLWS(s, j)
	if i == len(s) || s[i] != '=' {
		p.next = i
		return p, true, 0, "" // valueless parameter
	}
	i = skipLWS(s, i+1)
	if i == len(s) {
		return p, false, i, "value expected for parameter " + quote(p.name)
	}
	if s[i] == '"' {
		j = i + 1
		for {
			if j >= len(s) {
				return p, false, i, "unterminated quoted string in parameter " + quote(p.name)
			}
			if s[j] == '\\' {
				j += 2
				continue
			}
			if s[j] == '"' {
				break
			}
			j++
		}
		p.raw, p.quoted, p.next = s[i:j+1], true, j+1
		return p, true, 0, ""
	}
	j = i
	for j < len(s) && isValueChar(s[j]) {
		j++
	}
	if j == i {
		return p, false, i, "value expected for parameter " + quote(p.name) + ", found " + quoteByte(s[i])
	}
	p.raw, p.next = s[i:j], j
	return p, true, 0, ""
}

func validateParams(s string, i int) (int, string) {
	for {
		p, ok, off, detail := nextParam(s, i)
		if detail != "" {
			return off, detail
		}
		if !ok {
			return 0, ""
		}
		i = p.next
	}
}

func (p param) value() string {
	if !p.quoted {
		return p.raw
	}
	v := p.raw[1 : len(p.raw)-1]
	if strings.IndexByte(v, '\\') < 0 {
		return v
	}
	b := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
		}
		b = append(b, v[i])
	}
	return string(b)
}

func paramOf(s, name string) (string, bool) {
	i := 0
	for {
		p, ok, _, _ := nextParam(s, i)
		if !ok {
			return "", false
		}
		if strings.EqualFold(p.name, name) {
			return p.value(), true
		}
		i = p.next
	}
}

func paramSeq(s string) iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		i := 0
		for {
			p, ok, _, _ := nextParam(s, i)
			if !ok || !yield(p.name, p.value()) {
				return
			}
			i = p.next
		}
	}
}

// appendParamValue appends v as a token when it is one, else quoted.
func appendParamValue(b []byte, v string) []byte {
	tok := v != ""
	for i := 0; i < len(v); i++ {
		if !isTokenChar(v[i]) {
			tok = false
			break
		}
	}
	if tok {
		return append(b, v...)
	}
	b = append(b, '"')
	for i := 0; i < len(v); i++ {
		if v[i] == '"' || v[i] == '\\' {
			b = append(b, '\\')
		}
		b = append(b, v[i])
	}
	return append(b, '"')
}

func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return "\"" + s + "\""
}

func quoteByte(c byte) string {
	if c >= ' ' && c < 0x7f {
		return "'" + string(rune(c)) + "'"
	}
	const hex = "0123456789abcdef"
	return "0x" + string([]byte{hex[c>>4], hex[c&15]})
}
