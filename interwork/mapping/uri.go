package mapping

import (
	"strings"

	"github.com/emiago/sipgo/sip"
)

// Why not sipgo here: sip.ParseUri keeps a tel URI as one raw string and
// leaves the telephone-subscriber parameters of a SIP user part (cpc, isub,
// npdi, rn, phone-context) inside Uri.User; sip.ParseAddressValue reads
// only the first element of a comma-separated header (History-Info,
// P-Asserted-Identity, Diversion) and keeps the last element's
// parameters, and its results allocate (parameter slices, strings). The
// small parsers below split those values into substrings without
// allocating. sip.Uri is still used for the Request-URI, From and To,
// which sipgo parses correctly, through NumberOfSipURI.

// URI is a SIP, SIPS or tel URI split into substrings of its text.
type URI struct {
	Scheme  string // lower or mixed case as written
	User    string // SIP: the user part (escapes kept); tel: the telephone-subscriber
	Host    string // SIP: host[:port]; empty for tel
	Params  string // SIP: the uri-parameters after host (without the first ';')
	Headers string // SIP: the headers after '?' (escaped)
}

// ParseURI splits a sip:, sips: or tel: URI. Other schemes are returned
// with everything after the colon in User and ok true: callers find no
// number in them.
func ParseURI(s string) (URI, error) {
	s = trimWS(s)
	colon := strings.IndexByte(s, ':')
	if colon <= 0 || !isToken(s[:colon]) {
		return URI{}, &HeaderError{Header: "URI", Value: s, Err: ErrBadNameAddr, Detail: "no scheme"}
	}
	u := URI{Scheme: s[:colon]}
	rest := s[colon+1:]
	if strings.EqualFold(u.Scheme, "tel") {
		u.User = rest
		return u, nil
	}
	if !strings.EqualFold(u.Scheme, "sip") && !strings.EqualFold(u.Scheme, "sips") {
		u.User = rest
		return u, nil
	}
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		u.Headers = rest[q+1:]
		rest = rest[:q]
	}
	// The user part ends at the last '@' before the host; a user part may
	// hold ';' (telephone-subscriber parameters) but not '@' unescaped.
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		u.User = rest[:at]
		rest = rest[at+1:]
		if c := strings.IndexByte(u.User, ':'); c >= 0 && !strings.ContainsAny(u.User[:c], ";") {
			u.User = u.User[:c] // drop a password
		}
	}
	if semi := strings.IndexByte(rest, ';'); semi >= 0 {
		u.Params = rest[semi+1:]
		rest = rest[:semi]
	}
	u.Host = rest
	if u.Host == "" {
		return URI{}, &HeaderError{Header: "URI", Value: s, Err: ErrBadNameAddr, Detail: "no host"}
	}
	return u, nil
}

// IsTel reports a tel URI.
func (u URI) IsTel() bool { return strings.EqualFold(u.Scheme, "tel") }

// IsSIP reports a sip or sips URI.
func (u URI) IsSIP() bool {
	return strings.EqualFold(u.Scheme, "sip") || strings.EqualFold(u.Scheme, "sips")
}

// Param returns a uri-parameter of a SIP URI (name compared ignoring case).
func (u URI) Param(name string) (string, bool) { return findParam(u.Params, name) }

// Header returns a URI header value, unescaped (RFC 3261 §19.1.1:
// hname=hvalue pairs joined by '&').
func (u URI) Header(name string) (string, bool) {
	for h := u.Headers; h != ""; {
		var kv string
		if i := strings.IndexByte(h, '&'); i >= 0 {
			kv, h = h[:i], h[i+1:]
		} else {
			kv, h = h, ""
		}
		k, v, _ := strings.Cut(kv, "=")
		if ku, ok := unescapeURI(k); ok && strings.EqualFold(ku, name) {
			vu, ok := unescapeURI(v)
			return vu, ok
		}
	}
	return "", false
}

// findParam looks a ';'-separated parameter up in list (without leading ';').
func findParam(list, name string) (string, bool) {
	for i := 0; i < len(list); {
		p, next, ok := nextParam(list, i)
		if !ok {
			return "", false
		}
		if strings.EqualFold(p.name, name) {
			return p.value, true
		}
		i = next
	}
	return "", false
}

// Number reads the telephone number of a URI: a tel URI's
// telephone-subscriber, or a SIP URI's user part when it is one (user=phone,
// or, without it, a user part that parses as a telephone-subscriber —
// deployed UAs omit user=phone; RFC 3261 §19.1.6 allows the gateway to
// treat such users as numbers by local policy: strictUserPhone disables
// that).
func (u URI) Number(strictUserPhone bool) (TelNumber, error) {
	switch {
	case u.IsTel():
		return ParseTelNumber(u.User)
	case u.IsSIP():
		up, _ := u.Param("user")
		if strictUserPhone && !strings.EqualFold(up, "phone") {
			return TelNumber{}, &NumberError{Number: u.User, Offset: -1, Err: ErrNotNumeric}
		}
		tn, err := ParseTelNumber(u.User)
		if err != nil {
			return TelNumber{}, &NumberError{Number: u.User, Offset: -1, Err: ErrNotNumeric}
		}
		return tn, nil
	}
	return TelNumber{}, &NumberError{Number: u.Scheme + ":" + u.User, Offset: -1, Err: ErrNoNumber}
}

// NumberOfSipURI reads the number of a URI that sipgo parsed (Request-URI,
// From, To): tel URIs from Raw(), SIP user parts with ParseTelNumber.
func NumberOfSipURI(u *sip.Uri, strictUserPhone bool) (TelNumber, error) {
	switch u.Scheme {
	case "tel":
		return ParseTelNumber(u.Raw())
	case "sip", "sips", "":
		if strictUserPhone {
			if up, _ := u.UriParams.Get("user"); !strings.EqualFold(up, "phone") {
				return TelNumber{}, &NumberError{Number: u.User, Offset: -1, Err: ErrNotNumeric}
			}
		}
		tn, err := ParseTelNumber(u.User)
		if err != nil {
			return TelNumber{}, &NumberError{Number: u.User, Offset: -1, Err: ErrNotNumeric}
		}
		return tn, nil
	}
	return TelNumber{}, &NumberError{Number: u.Scheme, Offset: -1, Err: ErrNoNumber}
}

// NameAddr is one element of an address header (From, P-Asserted-Identity,
// Diversion, History-Info): display name, URI text and header parameters,
// all substrings of the header value.
type NameAddr struct {
	Display string // without quotes (escapes kept)
	URI     string
	Params  string // header parameters after the URI, without the first ';'
}

// Param returns a header parameter of the element.
func (n NameAddr) Param(name string) (string, bool) { return findParam(n.Params, name) }

// ParseNameAddr parses one name-addr or addr-spec (RFC 3261 §25.1).
func ParseNameAddr(s string) (NameAddr, error) {
	s = trimWS(s)
	var n NameAddr
	rest := s
	if strings.HasPrefix(rest, "\"") {
		e, ok := skipQuoted(rest, 0)
		if !ok {
			return NameAddr{}, &HeaderError{Header: "address", Value: s, Err: ErrBadNameAddr, Detail: "unterminated display name"}
		}
		n.Display = rest[1 : e-1]
		rest = trimWS(rest[e:])
		if !strings.HasPrefix(rest, "<") {
			return NameAddr{}, &HeaderError{Header: "address", Value: s, Err: ErrBadNameAddr, Detail: "display name without <URI>"}
		}
	}
	if lt := strings.IndexByte(rest, '<'); lt >= 0 {
		if n.Display == "" {
			n.Display = trimWS(rest[:lt])
		}
		gt := strings.IndexByte(rest[lt:], '>')
		if gt < 0 {
			return NameAddr{}, &HeaderError{Header: "address", Value: s, Err: ErrBadNameAddr, Detail: "no '>'"}
		}
		n.URI = trimWS(rest[lt+1 : lt+gt])
		rest = trimWS(rest[lt+gt+1:])
	} else {
		// addr-spec: the URI ends at the first ';' (header parameters
		// follow; RFC 3261 §20.10 forbids URI parameters here).
		if semi := strings.IndexByte(rest, ';'); semi >= 0 {
			n.URI, rest = trimWS(rest[:semi]), rest[semi:]
		} else {
			n.URI, rest = rest, ""
		}
	}
	if n.URI == "" {
		return NameAddr{}, &HeaderError{Header: "address", Value: s, Err: ErrBadNameAddr, Detail: "empty URI"}
	}
	if rest != "" {
		if rest[0] != ';' {
			return NameAddr{}, &HeaderError{Header: "address", Value: s, Err: ErrBadNameAddr, Detail: "junk after the URI"}
		}
		n.Params = rest[1:]
		for i := 0; i < len(n.Params); {
			_, next, ok := nextParam(n.Params, i)
			if !ok {
				return NameAddr{}, &HeaderError{Header: "address", Value: s, Err: ErrBadNameAddr, Detail: "malformed parameter"}
			}
			i = next
		}
	}
	return n, nil
}

// ParseNameAddrs calls fn for each element of a comma-separated address
// header value, stopping when fn returns false.
func ParseNameAddrs(s string, fn func(NameAddr) bool) error {
	for i := 0; i < len(s); {
		elem, next, bad := nextElem(s, i)
		if bad {
			return &HeaderError{Header: "address", Value: elem, Err: ErrBadNameAddr, Detail: "unterminated quote or bracket"}
		}
		i = next
		if trimWS(elem) == "" {
			continue
		}
		n, err := ParseNameAddr(elem)
		if err != nil {
			return err
		}
		if !fn(n) {
			return nil
		}
	}
	return nil
}

// appendNameAddr writes "Display" <uri>;params.
func appendNameAddr(b []byte, display, uri, params string) []byte {
	if display != "" {
		b = appendQuoted(b, display)
		b = append(b, ' ')
	}
	b = append(b, '<')
	b = append(b, uri...)
	b = append(b, '>')
	if params != "" {
		b = append(b, ';')
		b = append(b, params...)
	}
	return b
}
