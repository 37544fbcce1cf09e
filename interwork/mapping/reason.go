package mapping

import (
	"errors"
	"strconv"
	"strings"

	"github.com/sipgw/sipgw/isup"
)

// The Reason header (RFC 3326): Reason: Q.850;cause=16;text="Terminated".
// sipgo keeps it as an unparsed generic header, so it is parsed here; the
// parser returns substrings of the header value and allocates nothing.

// Reason protocols of RFC 3326 §2.
const (
	ProtoQ850 = "Q.850"
	ProtoSIP  = "SIP"
)

// ErrReason reports a malformed Reason header value.
var ErrReason = errors.New("malformed Reason header")

// Reason is one reason-value of a Reason header.
type Reason struct {
	Protocol string // as written ("Q.850", "SIP", or an extension token)
	Cause    int
	HasCause bool
	// Text is the reason-text's quoted-string content as written, escapes
	// included (see TextValue); AppendReason re-escapes it canonically.
	Text    string
	HasText bool
	// Location is the Q.850 location given by the "location" extension
	// parameter of 3GPP TS 24.229 (U, LPN, LN, TN, RLN, RPN, INTL, BI).
	Location    isup.Location
	HasLocation bool
}

// TextValue returns Text with its backslash escapes removed.
func (r Reason) TextValue() string { return unquote(r.Text) }

// Is reports whether r's protocol is proto (ignoring case, RFC 3326 §2
// registers protocol names case-insensitively).
func (r Reason) Is(proto string) bool { return strings.EqualFold(r.Protocol, proto) }

// locationNames are the location abbreviations of Q.850 Table 2 as 3GPP
// TS 24.229 §7.2A writes them in the Reason location parameter.
var locationNames = [16]string{0: "U", 1: "LPN", 2: "LN", 3: "TN", 4: "RLN", 5: "RPN", 7: "INTL", 10: "BI"}

// LocationAbbrev returns the Reason location token for l ("" if none).
func LocationAbbrev(l isup.Location) string {
	if int(l) < len(locationNames) {
		return locationNames[l]
	}
	return ""
}

func parseLocation(s string) (isup.Location, bool) {
	for i, n := range locationNames {
		if n != "" && strings.EqualFold(n, s) {
			return isup.Location(i), true
		}
	}
	return 0, false
}

// ParseReasons calls fn for each reason-value of a Reason header value, in
// order, until fn returns false. It returns ErrReason (wrapped with the
// offending element) for a malformed element; the elements before it have
// been passed to fn.
func ParseReasons(s string, fn func(Reason) bool) error {
	for i := 0; i < len(s); {
		elem, next, bad := nextElem(s, i)
		if bad {
			return reasonErr(elem, "unterminated quote")
		}
		i = next
		if trimWS(elem) == "" {
			continue
		}
		r, err := parseReason(elem)
		if err != nil {
			return err
		}
		if !fn(r) {
			return nil
		}
	}
	return nil
}

// ParseReason parses a Reason header value holding one reason-value.
func ParseReason(s string) (Reason, error) {
	var out Reason
	n := 0
	err := ParseReasons(s, func(r Reason) bool {
		out = r
		n++
		return n < 2
	})
	if err != nil {
		return Reason{}, err
	}
	if n != 1 {
		return Reason{}, reasonErr(s, "expected one reason-value")
	}
	return out, nil
}

// FindReason returns the first reason-value with protocol proto in a
// Reason header value (which may list several, RFC 3326 §2: at most one per
// protocol). A malformed header yields ok false.
func FindReason(s, proto string) (Reason, bool) {
	var out Reason
	found := false
	err := ParseReasons(s, func(r Reason) bool {
		if r.Is(proto) {
			out, found = r, true
			return false
		}
		return true
	})
	return out, found && err == nil
}

func parseReason(elem string) (Reason, error) {
	var r Reason
	semi := strings.IndexByte(elem, ';')
	proto := elem
	if semi >= 0 {
		proto = elem[:semi]
	}
	r.Protocol = trimWS(proto)
	if !isToken(r.Protocol) {
		return Reason{}, reasonErr(elem, "protocol is not a token")
	}
	if semi < 0 {
		return r, nil
	}
	for i := semi + 1; i < len(elem); {
		p, next, ok := nextParam(elem, i)
		if !ok {
			return Reason{}, reasonErr(elem, "malformed parameter")
		}
		i = next
		switch {
		case strings.EqualFold(p.name, "cause"):
			c, ok := atoiBounded(p.value)
			if !ok || p.quoted {
				return Reason{}, reasonErr(elem, "cause is not a number")
			}
			r.Cause, r.HasCause = c, true
		case strings.EqualFold(p.name, "text"):
			r.Text, r.HasText = p.value, true
		case strings.EqualFold(p.name, "location"):
			if l, ok := parseLocation(p.value); ok {
				r.Location, r.HasLocation = l, true
			}
		}
	}
	return r, nil
}

func reasonErr(elem, why string) error {
	if len(elem) > 64 {
		elem = elem[:64] + "…"
	}
	return &HeaderError{Header: "Reason", Value: elem, Err: ErrReason, Detail: why}
}

// HeaderError says which header value did not parse and why.
type HeaderError struct {
	Header string
	Value  string
	Err    error
	Detail string
}

func (e *HeaderError) Error() string {
	return "mapping: " + e.Header + " " + strconv.Quote(e.Value) + ": " + e.Err.Error() + ": " + e.Detail
}

func (e *HeaderError) Unwrap() error { return e.Err }

// AppendReason appends r as a reason-value: protocol, ;cause=, ;text=
// (quoted) and ;location= when set.
func AppendReason(b []byte, r Reason) []byte {
	b = append(b, r.Protocol...)
	if r.HasCause {
		b = append(b, ";cause="...)
		b = strconv.AppendInt(b, int64(r.Cause), 10)
	}
	if r.HasText {
		b = append(b, ";text="...)
		b = appendQuoted(b, unquote(r.Text))
	}
	if r.HasLocation {
		if l := LocationAbbrev(r.Location); l != "" {
			b = append(b, ";location="...)
			b = append(b, l...)
		}
	}
	return b
}

// String formats r with AppendReason.
func (r Reason) String() string { return string(AppendReason(nil, r)) }

// Q850Reason is the Reason a gateway writes for an ISUP cause (RFC 3398
// §7.2.4.1 and Q.1912.5 §7: the cause travels with the mapped response so
// that a SIP-I or ISUP network beyond gets the original cause back). The
// text is Q.850's name of the cause; the location is included when
// withLocation is set (3GPP style).
func Q850Reason(ci *isup.CauseIndicators, withLocation bool) Reason {
	c := ci.Value & 0x7f
	r := Reason{Protocol: ProtoQ850, Cause: int(c), HasCause: true, Text: c.String(), HasText: true}
	if withLocation && LocationAbbrev(ci.Location) != "" {
		r.Location, r.HasLocation = ci.Location, true
	}
	return r
}
