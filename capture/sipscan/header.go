package sipscan

import "bytes"

// compactForms maps each compact header name to its full name: RFC 3261
// §7.3.3 (c e f i k l m s t v), RFC 3265 (o u), RFC 3515 (r), RFC 3841
// (a d j), RFC 3892 (b), RFC 4028 (x), RFC 4474 (n y).
var compactForms = [26]string{
	'a' - 'a': "Accept-Contact",
	'b' - 'a': "Referred-By",
	'c' - 'a': "Content-Type",
	'd' - 'a': "Request-Disposition",
	'e' - 'a': "Content-Encoding",
	'f' - 'a': "From",
	'i' - 'a': "Call-ID",
	'j' - 'a': "Reject-Contact",
	'k' - 'a': "Supported",
	'l' - 'a': "Content-Length",
	'm' - 'a': "Contact",
	'n' - 'a': "Identity-Info",
	'o' - 'a': "Event",
	'r' - 'a': "Refer-To",
	's' - 'a': "Subject",
	't' - 'a': "To",
	'u' - 'a': "Allow-Events",
	'v' - 'a': "Via",
	'x' - 'a': "Session-Expires",
	'y' - 'a': "Identity",
}

// CompactForm returns the compact form letter of a header name ('i' for
// "Call-ID", any case), or 0 when it has none.
func CompactForm(name string) byte {
	for i, full := range compactForms {
		if full != "" && len(full) == len(name) && eqFoldString(name, full) {
			return byte('a' + i)
		}
	}
	return 0
}

// FullName returns the full name of a compact form letter ("Call-ID" for
// 'i' or 'I'), or "" when the letter is not one.
func FullName(c byte) string {
	c = lower(c)
	if c < 'a' || c > 'z' {
		return ""
	}
	return compactForms[c-'a']
}

// matcher tests header names against one queried name in both forms.
type matcher struct {
	full    string // full name ("" when the query is an unknown letter)
	compact byte   // lower-case compact letter, 0 if none
	name    string // the query, for names that have no compact form
}

func newMatcher(name string) matcher {
	if len(name) == 1 {
		if full := FullName(name[0]); full != "" {
			return matcher{full: full, compact: lower(name[0])}
		}
		return matcher{name: name}
	}
	return matcher{full: name, compact: CompactForm(name)}
}

func (mt *matcher) match(n []byte) bool {
	if len(n) == 1 && mt.compact != 0 {
		return lower(n[0]) == mt.compact
	}
	if mt.full != "" {
		return eqFold(n, mt.full)
	}
	return eqFold(n, mt.name)
}

func (m *Message) fieldName(f *field) []byte {
	return m.buf[f.name : f.name+uint32(f.nameLen)]
}

func (m *Message) fieldValue(f *field) []byte {
	v := trimLWS(m.buf[f.vs:f.ve])
	return v[:len(v):len(v)]
}

// Header returns the value of the first header field called name (case
// insensitive; a full name also finds its compact form and the other way
// round), trimmed, or nil. It is the whole field value: a header carrying
// several comma-separated values is returned as one (see Headers). A
// folded value keeps its inner line breaks: treat CR and LF as white space.
func (m *Message) Header(name string) []byte {
	mt := newMatcher(name)
	for k := range m.hdrs {
		f := &m.hdrs[k]
		if mt.match(m.fieldName(f)) {
			return m.fieldValue(f)
		}
	}
	return nil
}

// HeaderName is a header name prepared once for repeated lookups with
// Lookup: resolving a name's compact form at every lookup cost as much as
// the lookup itself.
type HeaderName struct{ mt matcher }

// NewHeaderName prepares name (full or compact form, any case).
func NewHeaderName(name string) HeaderName { return HeaderName{newMatcher(name)} }

// Lookup is Header for a prepared name.
func (m *Message) Lookup(n *HeaderName) []byte {
	for k := range m.hdrs {
		f := &m.hdrs[k]
		if n.mt.match(m.fieldName(f)) {
			return m.fieldValue(f)
		}
	}
	return nil
}

// HeaderSet is several header names prepared for LookupSet, which finds
// them all in one pass over the fields.
type HeaderSet struct {
	names []HeaderName
	lens  uint64 // bit n: some name (full form) is n bytes long (n < 64)
	long  bool   // some name is 64 bytes or longer
	short uint32 // bit c-'a': some name has compact form c
}

// NewHeaderSet prepares names.
func NewHeaderSet(names ...string) *HeaderSet {
	hs := &HeaderSet{}
	for _, name := range names {
		n := NewHeaderName(name)
		hs.names = append(hs.names, n)
		full := n.mt.full
		if full == "" {
			full = n.mt.name
		}
		if len(full) < 64 {
			hs.lens |= 1 << len(full)
		} else {
			hs.long = true
		}
		if n.mt.compact != 0 {
			hs.short |= 1 << (n.mt.compact - 'a')
		}
	}
	return hs
}

// Len is the number of names in the set.
func (hs *HeaderSet) Len() int { return len(hs.names) }

// LookupSet sets out[i] to the value of the first field called the set's
// name i (nil if none), as Lookup would; out must have room for Len
// values. Fields whose name has a length no name of the set has are passed
// over without a comparison.
func (m *Message) LookupSet(hs *HeaderSet, out [][]byte) {
	out = out[:len(hs.names)]
	for i := range out {
		out[i] = nil
	}
	left := len(out)
	for k := range m.hdrs {
		f := &m.hdrs[k]
		n := f.nameLen
		switch {
		case n == 1:
			// A compact form of a name of the set, or a one-byte name
			// of the set that has none.
			c := lower(m.buf[f.name])
			if (c < 'a' || c > 'z' || hs.short&(1<<(c-'a')) == 0) && hs.lens&(1<<1) == 0 {
				continue
			}
		case n < 64:
			if hs.lens&(1<<n) == 0 {
				continue
			}
		case !hs.long:
			continue
		}
		name := m.fieldName(f)
		for i := range hs.names {
			if out[i] == nil && hs.names[i].mt.match(name) {
				out[i] = m.fieldValue(f)
				if left--; left == 0 {
					return
				}
			}
		}
	}
}

// cteName is looked up in every SIP-I body's message.
var cteName = NewHeaderName("Content-Transfer-Encoding")

// Headers calls fn with every value of the header fields called name, in
// order, until fn returns false. A field holding a comma-separated list
// gives one call per element (commas inside quoted strings and <…> do not
// separate); fields whose grammar is not a list (From, To, Call-ID, CSeq,
// Date, Authorization and the like, see isSingle) give their whole value.
// Empty elements are skipped.
func (m *Message) Headers(name string, fn func(v []byte) bool) {
	mt := newMatcher(name)
	single := isSingle(mt.full, mt.name)
	for k := range m.hdrs {
		f := &m.hdrs[k]
		if !mt.match(m.fieldName(f)) {
			continue
		}
		v := m.fieldValue(f)
		if single {
			if len(v) > 0 && !fn(v) {
				return
			}
			continue
		}
		for i := 0; i <= len(v); {
			var e []byte
			e, i = nextValue(v, i)
			if len(e) > 0 && !fn(e) {
				return
			}
		}
	}
}

// singleValued lists header fields whose values may contain commas that
// are not list separators (dates, credentials, free text) or that are not
// lists at all.
var singleValued = [...]string{
	"Authentication-Info", "Authorization", "Call-ID", "Content-Disposition", "Content-Length",
	"Content-Type", "CSeq", "Date", "Expires", "From", "Identity", "Identity-Info", "Max-Forwards",
	"MIME-Version", "Min-Expires", "Min-SE", "Organization", "P-Charging-Vector", "Priority",
	"Proxy-Authenticate", "Proxy-Authorization", "Refer-To", "Referred-By", "Reply-To",
	"Retry-After", "Server", "Session-Expires", "Subject", "Timestamp", "To", "User-Agent",
	"WWW-Authenticate",
}

func isSingle(full, name string) bool {
	n := full
	if n == "" {
		n = name
	}
	for _, s := range singleValued {
		if len(s) == len(n) && eqFoldString(n, s) {
			return true
		}
	}
	return false
}

// NumHeaders returns how many header fields Parse indexed.
func (m *Message) NumHeaders() int { return len(m.hdrs) }

// HeaderAt returns the name (as received) and value of the i-th indexed
// header field, for 0 ≤ i < NumHeaders.
func (m *Message) HeaderAt(i int) (name, value []byte) {
	f := &m.hdrs[i]
	return m.fieldName(f), m.fieldValue(f)
}

// Param returns the value of the parameter called name (case insensitive)
// of the first element of a header value: "tag" of a From value, "branch"
// of a Via, "cause" of a Reason, "icid-value" of a P-Charging-Vector (whose
// value starts with it). Parameters inside <…> (URI parameters) and quoted
// strings are not looked at; the search stops at the first comma outside
// them. A quoted value is returned without its quotes (escapes kept); a
// parameter without "=value" gives an empty, non-nil slice; nil means
// absent.
func Param(v []byte, name string) []byte {
	for i := 0; i <= len(v); {
		n, val, hasVal, end := paramAt(v, i)
		if len(n) > 0 && eqFold(n, name) && (end == len(v) || v[end] == ';' || v[end] == ',') {
			if !hasVal {
				return v[end:end]
			}
			return val
		}
		var more bool
		if i, more = nextParam(v, end); !more {
			return nil
		}
	}
	return nil
}

// paramValueChars: an unquoted parameter value runs to white space, ';',
// ',' or a quote.
var paramValueChars = func() (t [256]bool) {
	for c := '!'; c < 0x7f; c++ {
		t[c] = c != ';' && c != ',' && c != '"'
	}
	for c := 0x80; c < 0x100; c++ {
		t[c] = true
	}
	return t
}()

// paramAt reads "name [= value]" at v[i] (after LWS) and returns where it
// ends (after trailing LWS).
func paramAt(v []byte, i int) (name, val []byte, hasVal bool, end int) {
	i = skipLWS(v, i)
	s := i
	for i < len(v) && tokenChars[v[i]] {
		i++
	}
	name = v[s:i]
	i = skipLWS(v, i)
	if i < len(v) && v[i] == '=' {
		hasVal = true
		i = skipLWS(v, i+1)
		if i < len(v) && v[i] == '"' {
			if j := skipQuoted(v, i); j < 0 {
				val, i = v[i+1:], len(v)
			} else {
				val, i = v[i+1:j-1], j
			}
		} else {
			// token, host (IPv6 references included) or the '='-bearing
			// base64 of an icid-value.
			j := i
			for j < len(v) && paramValueChars[v[j]] {
				j++
			}
			val, i = v[i:j], j
		}
		i = skipLWS(v, i)
	}
	return name, val, hasVal, i
}

// nextParam returns the index after the next ';' at or after v[i] that is
// outside quoted strings and <…>; more is false at a ',' (end of the
// element) or the end of v.
func nextParam(v []byte, i int) (next int, more bool) {
	for i < len(v) {
		switch v[i] {
		case ';':
			return i + 1, true
		case ',':
			return i, false
		case '"':
			j := skipQuoted(v, i)
			if j < 0 {
				return len(v), false
			}
			i = j
		case '<':
			j := bytes.IndexByte(v[i+1:], '>')
			if j < 0 {
				return len(v), false
			}
			i += j + 2
		default:
			i++
		}
	}
	return i, false
}
