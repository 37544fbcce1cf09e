package sipscan

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/bits"
	"strconv"
)

// MaxHeaders bounds the header fields indexed per message.
const MaxHeaders = 256

// Message is one scanned SIP message. Byte slices alias the input given to
// Parse and are nil when absent. A Message is meant to be reused: Parse
// resets it and keeps its header index storage.
type Message struct {
	Request      bool
	Method       []byte // request method (requests)
	RequestURI   []byte // request
	Status       int    // status code (responses)
	ReasonPhrase []byte // response

	CallID      []byte
	From, To    []byte // whole first header value: name-addr or addr-spec with parameters
	CSeqMethod  []byte
	ContentType []byte
	Via         []byte // top Via value: first element of the first Via header
	Contact     []byte // first element of the first Contact header

	FromTag, ToTag []byte
	// User parts of the URIs: what precedes '@' in a sip: or sips: URI
	// (without a password), the number of a tel: URI (before ';'); nil for
	// other schemes and for URIs without a user. PAIUser is the first
	// P-Asserted-Identity element that has one.
	FromUser, ToUser, RURIUser, PAIUser []byte

	CSeq uint32 // 0 when absent or not a number below 2^32
	// ContentLength is the declared body length; -1 when the header is
	// absent, and when it is not a number (BadContentLength is then set).
	ContentLength    int
	BadContentLength bool
	// Body is Content-Length bytes after the header block, or what is there
	// when fewer (with ErrTruncated), or everything after the header block
	// when Content-Length is absent or bad.
	Body []byte
	// HeaderLen is the length of the start line and header block including
	// the empty line that ends it (and any CRLF before the start line);
	// the body starts at input[HeaderLen]. 0 when the block has no end.
	HeaderLen int
	Reason    []byte // first Reason header value (RFC 3326), whole

	buf  []byte // the input
	pai  []byte // first P-Asserted-Identity value
	hdrs []field
	vc   *variantCache // kept across Parse calls, like hdrs
}

// field locates one header field in buf: its name, and its value from
// after the colon to the end of its last line (trimmed when read; a folded
// value keeps its inner line breaks).
type field struct {
	name, vs, ve uint32
	nameLen      uint16
	kind         hkind
}

// lineEnd returns the index of the '\n' that ends the field's last line
// (ve points at it, or at the CR before it).
func (f *field) lineEnd(b []byte) int {
	e := int(f.ve)
	if e < len(b) && b[e] == '\r' {
		e++
	}
	return e
}

// hkind names the header fields Parse extracts into Message fields.
type hkind uint8

const (
	hOther hkind = iota
	hCallID
	hFrom
	hTo
	hCSeq
	hContentType
	hContentLength
	hVia
	hContact
	hPAI
	hReason
	nKinds
)

var hkindNames = [...]string{"other", "Call-ID", "From", "To", "CSeq", "Content-Type", "Content-Length",
	"Via", "Contact", "P-Asserted-Identity", "Reason"}

func (k hkind) String() string {
	if int(k) < len(hkindNames) {
		return hkindNames[k]
	}
	return "hkind(" + strconv.Itoa(int(k)) + ")"
}

// kindOf classifies a header name (full or compact form, any case). Names
// are compared a word at a time, folded to lower case with |0x20 (exact
// for letters, '-' and digits; the only other byte folding onto one of the
// names' characters is CR onto '-', harmless in a name).
func kindOf(n []byte) hkind {
	switch len(n) {
	case 1:
		switch n[0] | 0x20 {
		case 'i':
			return hCallID
		case 'f':
			return hFrom
		case 't':
			return hTo
		case 'c':
			return hContentType
		case 'l':
			return hContentLength
		case 'v':
			return hVia
		case 'm':
			return hContact
		}
	case 2:
		if le.Uint16(n)|0x2020 == 't'|'o'<<8 {
			return hTo
		}
	case 3:
		if le.Uint16(n)|0x2020 == 'v'|'i'<<8 && n[2]|0x20 == 'a' {
			return hVia
		}
	case 4:
		switch le.Uint32(n) | 0x20202020 {
		case kFrom:
			return hFrom
		case kCSeq:
			return hCSeq
		}
	case 6:
		if le.Uint32(n)|0x20202020 == kReas && le.Uint16(n[4:])|0x2020 == 'o'|'n'<<8 {
			return hReason
		}
	case 7:
		switch uint64(le.Uint32(n)|0x20202020) | uint64(le.Uint32(n[3:])|0x20202020)<<32 {
		case kCallID:
			return hCallID
		case kContact:
			return hContact
		}
	case 12:
		if le.Uint64(n)|fold8 == kContent && le.Uint32(n[8:])|0x20202020 == kType {
			return hContentType
		}
	case 14:
		if le.Uint64(n)|fold8 == kContent && le.Uint64(n[6:])|fold8 == kNtLength {
			return hContentLength
		}
	case 19:
		if le.Uint64(n)|fold8 == kPAsserte && le.Uint64(n[8:])|fold8 == kDIdentit && le.Uint32(n[15:])|0x20202020 == kTity {
			return hPAI
		}
	}
	return hOther
}

var le = binary.LittleEndian

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// fold8 folds eight letters to lower case.
const fold8 = 0x2020202020202020

// Lower-case name pieces as little-endian words.
var (
	kFrom     = uint32(word("from"))
	kCSeq     = uint32(word("cseq"))
	kReas     = uint32(word("reas"))
	kCallID   = word("call") | word("l-id")<<32
	kContact  = word("cont") | word("tact")<<32
	kContent  = word("content-")
	kType     = uint32(word("type"))
	kNtLength = word("t-length")
	kPAsserte = word("p-assert")
	kDIdentit = word("ed-ident")
	kTity     = uint32(word("tity"))
)

func word(s string) uint64 {
	var w uint64
	for i := len(s) - 1; i >= 0; i-- {
		w = w<<8 | uint64(s[i])
	}
	return w
}

// Parse scans one whole SIP message (a datagram, or a message cut from a
// stream with FrameLen) into m, which it resets first. CRLFs before the
// start line are skipped (RFC 3261 §7.5).
//
// A start line that is not SIP gives ErrNotSIP and an empty m. Any other
// error leaves m filled with everything that could be read, so the message
// can still be used and marked malformed: ErrTruncated (header block
// without end, or body shorter than Content-Length), ErrTooManyHeaders,
// ErrBadHeader. A Content-Length that is not a number is not an error:
// BadContentLength is set and the body runs to the end of b.
func Parse(b []byte, m *Message) error {
	hdrs := m.hdrs[:0]
	if hdrs == nil {
		hdrs = make([]field, 0, 32)
	}
	*m = Message{ContentLength: -1, hdrs: hdrs, buf: b, vc: m.vc}

	i := 0
	for i < len(b) && (b[i] == '\r' || b[i] == '\n') {
		i++
	}
	e := lineEnd(b, i)
	if e < 0 {
		*m = Message{ContentLength: -1, hdrs: m.hdrs, vc: m.vc}
		return ErrNotSIP
	}
	sl, ok := parseStartLine(b[i:e])
	if !ok {
		*m = Message{ContentLength: -1, hdrs: m.hdrs, vc: m.vc}
		return ErrNotSIP
	}
	m.Request, m.Method, m.RequestURI, m.Status, m.ReasonPhrase = sl.request, sl.method, sl.uri, sl.status, sl.reason

	// Field offsets are uint32: a header block is never near 4 GiB, but
	// the bound keeps the index sound whatever the input.
	hb := b
	if len(hb) > math.MaxUint32 {
		hb = hb[:math.MaxUint32]
	}
	sc := scanner{b: hb, m: m, hdrs: hdrs}
	pos, ended := sc.fields(e + 1)
	m.hdrs = sc.hdrs
	if sc.late == 0 {
		m.CallID = sc.value(hCallID)
		m.From = sc.value(hFrom)
		m.To = sc.value(hTo)
		m.ContentType = sc.value(hContentType)
		m.Via = sc.value(hVia)
		m.Contact = sc.value(hContact)
		m.pai = sc.value(hPAI)
		m.Reason = sc.value(hReason)
		if v := sc.value(hCSeq); v != nil {
			m.CSeq, m.CSeqMethod = parseCSeq(v)
		}
		if v := sc.value(hContentLength); v != nil {
			m.setField(hContentLength, v)
		}
	} else {
		// Some fields came from past MaxHeaders: set only the others.
		for k := hkind(1); k < nKinds; k++ {
			if sc.first[k] != 0 {
				m.setField(k, sc.value(k))
			}
		}
	}
	err := sc.err
	m.finish()
	if !ended {
		return errAt(len(b), ErrTruncated, "no empty line after the header fields")
	}
	m.HeaderLen = pos

	body := b[pos:]
	if m.ContentLength >= 0 {
		if m.ContentLength > len(body) {
			m.Body = body
			return errAt(len(b), ErrTruncated, "body has "+strconv.Itoa(len(body))+" of "+strconv.Itoa(m.ContentLength)+" bytes")
		}
		body = body[:m.ContentLength]
	}
	m.Body = body
	return err
}

// scanner reads the header fields. The hot loop keeps few values live;
// the rare cases (folding, malformed lines, too many fields) are methods.
type scanner struct {
	b     []byte
	m     *Message
	hdrs  []field
	first [nKinds]uint16 // 1 + index in hdrs of the first field of each kind
	late  uint16         // kinds read from fields past MaxHeaders
	err   error          // first recoverable problem
}

// fields indexes the header fields from the line at pos on. It returns
// where the body starts and whether the empty line was found (when not,
// the position is len(b)).
func (s *scanner) fields(pos int) (int, bool) {
	b, hdrs := s.b, s.hdrs
	for pos < len(b) {
		c := b[pos]
		if c <= ' ' {
			switch {
			case c == '\n':
				s.hdrs = hdrs
				return pos + 1, true
			case c == '\r' && pos+1 < len(b) && b[pos+1] == '\n':
				s.hdrs = hdrs
				return pos + 2, true
			case c == '\r' && pos+1 == len(b):
				// A lone CR at the very end is not yet the empty line.
				s.hdrs = hdrs
				return len(b), false
			case c == ' ' || c == '\t':
				pos = s.fold(hdrs, pos)
				continue
			}
		}
		end := len(b)
		if i := bytes.IndexByte(b[pos:], '\n'); i >= 0 {
			end = pos + i
		}
		// Names are short: look for the colon in the first two words in
		// place (the lowest zero byte of w^':' is exact), without a call.
		j := -1
		if pos+16 <= len(b) {
			x := le.Uint64(b[pos:]) ^ (':' * ones)
			if t := (x - ones) &^ x & highs; t != 0 {
				j = pos + bits.TrailingZeros64(t)>>3
			} else {
				x = le.Uint64(b[pos+8:]) ^ (':' * ones)
				if t := (x - ones) &^ x & highs; t != 0 {
					j = pos + 8 + bits.TrailingZeros64(t)>>3
				}
			}
		}
		if j < 0 || j >= end {
			if j = bytes.IndexByte(b[pos:end], ':'); j < 0 {
				pos = s.badLine(pos, end)
				continue
			}
			j += pos
		}
		ne := j
		if c := b[ne-1]; c == ' ' || c == '\t' {
			for ne > pos && (b[ne-1] == ' ' || b[ne-1] == '\t') {
				ne--
			}
		}
		if ne == pos || ne-pos > 0xffff {
			pos = s.badLine(pos, end)
			continue
		}
		k := kindOf(b[pos:ne])
		if n := len(hdrs); n < MaxHeaders {
			if k != hOther && s.first[k] == 0 {
				s.first[k] = uint16(n + 1)
			}
			// The usual single space and CR are dropped here; anything
			// else is trimmed when the value is read.
			vs, ve := j+1, end
			if vs < ve && b[vs] == ' ' {
				vs++
			}
			if ve > vs && b[ve-1] == '\r' {
				ve--
			}
			hdrs = append(hdrs, field{name: uint32(pos), nameLen: uint16(ne - pos), vs: uint32(vs), ve: uint32(ve), kind: k})
		} else {
			s.overflow(pos, k, b[j+1:end])
		}
		pos = end + 1
	}
	s.hdrs = hdrs
	return len(b), false
}

// value returns the trimmed value of the first field of kind k, or nil.
func (s *scanner) value(k hkind) []byte {
	i := s.first[k]
	if i == 0 {
		return nil
	}
	f := s.hdrs[i-1]
	vs, ve := int(f.vs), int(f.ve)
	b := s.b[:ve]
	for vs < ve && lwsChars[b[vs]] {
		vs++
	}
	for ve > vs && lwsChars[b[ve-1]] {
		ve--
	}
	return b[vs:ve:ve]
}

// fold handles an obsolete continuation line (RFC 3261 §7.3.1) at pos: the
// value of the field on the line before goes on.
func (s *scanner) fold(hdrs []field, pos int) int {
	b := s.b
	end := lineEnd(b, pos)
	if end < 0 {
		end = len(b)
	}
	if n := len(hdrs); n > 0 && hdrs[n-1].lineEnd(b) == pos-1 {
		hdrs[n-1].ve = uint32(end)
	} else if n == 0 && s.err == nil {
		s.err = errAt(pos, ErrBadHeader, "continuation line before any header")
	}
	return end + 1
}

// badLine skips a header line without a name and colon, which ends at
// end.
func (s *scanner) badLine(pos, end int) int {
	if s.err == nil {
		s.err = errAt(pos, ErrBadHeader, "no header name and colon in "+quoteTrunc(trimCR(s.b[pos:end])))
	}
	return end + 1
}

// overflow reads a field past MaxHeaders: not indexed, but its value still
// fills the Message (unfolded) when it is the first of its kind.
func (s *scanner) overflow(pos int, k hkind, v []byte) {
	if s.err == nil {
		s.err = errAt(pos, ErrTooManyHeaders, "more than "+strconv.Itoa(MaxHeaders))
	}
	if k != hOther && s.first[k] == 0 && s.late&(1<<k) == 0 {
		s.late |= 1 << k
		s.m.setField(k, trimLWS(v))
	}
}

func trimLeft(b []byte) []byte {
	for len(b) > 0 && isLWS(b[0]) {
		b = b[1:]
	}
	return b
}

func trimRight(b []byte) []byte {
	for len(b) > 0 && isLWS(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func (m *Message) setField(k hkind, v []byte) {
	switch k {
	case hCallID:
		m.CallID = v
	case hFrom:
		m.From = v
	case hTo:
		m.To = v
	case hCSeq:
		m.CSeq, m.CSeqMethod = parseCSeq(v)
	case hContentType:
		m.ContentType = v
	case hContentLength:
		if n, ok := parseUint(v, maxContentLength); ok {
			m.ContentLength, m.BadContentLength = int(n), false
		} else {
			m.ContentLength, m.BadContentLength = -1, true
		}
	case hVia:
		m.Via = v
	case hContact:
		m.Contact = v
	case hPAI:
		m.pai = v
	case hReason:
		m.Reason = v
	}
}

// maxContentLength bounds a Content-Length that Parse accepts as a number.
const maxContentLength = 1<<31 - 1

// finish derives the fields that need the whole header value.
func (m *Message) finish() {
	if m.Via != nil {
		m.Via = firstValue(m.Via)
	}
	if m.Contact != nil {
		m.Contact = firstValue(m.Contact)
	}
	if m.From != nil {
		uri, params := splitAddr(m.From)
		m.FromUser = uriUser(uri)
		m.FromTag = tagParam(params)
	}
	if m.To != nil {
		uri, params := splitAddr(m.To)
		m.ToUser = uriUser(uri)
		m.ToTag = tagParam(params)
	}
	if m.RequestURI != nil {
		m.RURIUser = uriUser(m.RequestURI)
	}
	if pai := m.pai; pai != nil {
		// Usually the first element has the user: no need to split.
		if uri, _ := splitAddr(pai); len(uriUser(uri)) > 0 {
			m.PAIUser = uriUser(uri)
			return
		}
		for i := 0; i <= len(pai); {
			var v []byte
			v, i = nextValue(pai, i)
			uri, _ := splitAddr(v)
			if u := uriUser(uri); len(u) > 0 {
				m.PAIUser = u
				break
			}
		}
	}
}

// tagParam is Param(params, "tag") for the parameters after a From or To
// URI, with a fast path for the usual ";tag=value" shape.
func tagParam(params []byte) []byte {
	for i := 0; i < len(params); i++ {
		switch params[i] {
		case '"', '<', ',', '=':
			return Param(params, "tag") // quoted values and the like
		case ';':
			j := i + 1
			if j+3 <= len(params) && params[j]|0x20 == 't' && params[j+1]|0x20 == 'a' && params[j+2]|0x20 == 'g' &&
				(j+3 == len(params) || params[j+3] != '=') && (j+3 == len(params) || !tokenChars[params[j+3]]) {
				// A tag parameter without a value comes first: the general
				// reader decides, as it does for every odd shape.
				return Param(params, "tag")
			}
			if j+4 < len(params) && le.Uint32(params[j:])|0x20202020 == kTagEq && paramValueChars[params[j+4]] {
				k := j + 4
				for k < len(params) && paramValueChars[params[k]] {
					k++
				}
				if k == len(params) || params[k] == ';' {
					return params[j+4 : k]
				}
				return Param(params, "tag")
			}
		}
	}
	if len(params) == 0 {
		return nil
	}
	return Param(params, "tag")
}

var kTagEq = uint32(word("tag=")) // '=' has the 0x20 bit: folding keeps it

// parseCSeq splits "1 INVITE" (RFC 3261 §20.16). A number that is not
// one, or is above 2^32-1, gives 0.
func parseCSeq(v []byte) (uint32, []byte) {
	i := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	n, _ := parseUint(v[:i], 1<<32-1)
	j := skipLWS(v, i)
	k := j
	for k < len(v) && tokenChars[v[k]] {
		k++
	}
	var method []byte
	if k > j {
		method = v[j:k]
	}
	return uint32(n), method
}
