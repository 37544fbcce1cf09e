package sipscan

import "bytes"

// splitAddr splits a From/To/Contact-style value into the URI and what
// follows it (the header parameters). It takes both forms of RFC 3261
// §20.10: name-addr ("display name" <URI>;params) and addr-spec
// (URI;params, where the URI cannot contain ';', ',' or '?'). A display
// name may be a quoted string holding '<', '>', ',', ':' or escaped
// quotes. When a quote never closes (seen: `\"arik\" <sip:…>`), the first
// '<' is taken as the start of the URI.
func splitAddr(v []byte) (uri, params []byte) {
	v = trimLWS(v)
	// Fast path: a name-addr whose display name has no quotes.
	for k := 0; k < len(v); k++ {
		c := v[k]
		if c == '<' {
			return angle(v, k)
		}
		if c == '"' || c == ':' {
			break
		}
	}
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '"':
			j := skipQuoted(v, i)
			if j < 0 {
				if k := bytes.IndexByte(v[i:], '<'); k >= 0 {
					return angle(v, i+k)
				}
				return nil, nil
			}
			i = j - 1
		case '<':
			return angle(v, i)
		case ':':
			// addr-spec: the scheme is the run of scheme characters before
			// the colon; the URI ends at the first parameter or value
			// separator.
			s := i
			for s > 0 && schemeChars[v[s-1]] {
				s--
			}
			e := i + 1
			for e < len(v) && v[e] != ';' && v[e] != ',' && !isLWS(v[e]) {
				e++
			}
			return v[s:e], v[e:]
		}
	}
	return nil, nil
}

// angle splits at the '<' at v[k]: the URI up to '>' (or the end when
// '>' is missing) and the rest after it.
func angle(v []byte, k int) (uri, params []byte) {
	rest := v[k+1:]
	e := bytes.IndexByte(rest, '>')
	if e < 0 {
		return trimLWS(rest), nil
	}
	return trimLWS(rest[:e]), rest[e+1:]
}

// uriUser returns the user part of a sip:/sips: URI (before '@', without
// ":password") or the number of a tel: URI (RFC 3966, before the first
// parameter); nil when there is none or for other schemes. Escapes are
// left as they are.
func uriUser(uri []byte) []byte {
	// The scheme is compared a word at a time: "sip:", "sips:", "tel:".
	if len(uri) < 5 {
		return nil
	}
	switch le.Uint32(uri) | 0x20202020 { // exact for letters and the colon
	case kSIPColon:
		return sipUser(uri[4:])
	case kTelColon:
		rest := uri[4:]
		e := 0
		for e < len(rest) && rest[e] != ';' && rest[e] != '?' && rest[e] != '>' && !isLWS(rest[e]) {
			e++
		}
		if e == 0 {
			return nil
		}
		return rest[:e]
	case kSIPS:
		if uri[4] == ':' {
			return sipUser(uri[5:])
		}
	}
	return nil
}

var (
	kSIPColon = uint32(word("sip:"))
	kTelColon = uint32(word("tel:"))
	kSIPS     = uint32(word("sips"))
)

func sipUser(rest []byte) []byte {
	at := bytes.IndexByte(rest, '@')
	if at <= 0 {
		return nil
	}
	u := rest[:at]
	if p := bytes.IndexByte(u, ':'); p >= 0 {
		u = u[:p] // user:password
	}
	if len(u) == 0 {
		return nil
	}
	return u
}
