package sipi

import (
	"bytes"
	"encoding/base64"
	"io"
	"iter"
	"mime/quotedprintable"
	"strconv"
	"strings"

	"github.com/sipgw/sipgw/isup"
)

// Limits of a zero Decoder.
const (
	DefaultMaxParts   = 16
	DefaultMaxHeaders = 32 // per part
	// MaxBoundary bounds the boundary accepted when decoding. RFC 2046
	// allows 70 characters; longer ones are seen and tolerated.
	MaxBoundary = 256
)

// Header is one part header. Name and Value are substrings of one string
// per part; Value is trimmed and folded lines are joined with a space.
type Header struct {
	Name, Value string
	// Offset is where the header line starts in the body (-1 when the
	// header was built rather than decoded).
	Offset int
}

// Part is one body part, or the whole body when it is not multipart.
type Part struct {
	Index       int      // position in Body.Parts
	Header      []Header // in the order received
	ContentType ContentType
	Disposition Disposition
	Encoding    string // Content-Transfer-Encoding as received; "" when absent
	// Body is the part's content, aliasing the decoded input (capacity
	// clipped so appending to it cannot overwrite the input).
	Body       []byte
	Offset     int // where the part (its first header line) starts in the input
	BodyOffset int // where Body starts in the input
}

// Body is a decoded message body. A Body reused across Decode calls
// reuses its Parts and Header storage; slices obtained from an earlier
// decode are then overwritten.
type Body struct {
	ContentType ContentType // of the whole body
	Multipart   bool
	Parts       []Part
	Preamble    []byte // before the first delimiter (multipart only)
	Epilogue    []byte // after the close delimiter line (multipart only)
	BareLF      bool   // delimiter lines end in LF instead of CRLF

	delim []byte // "\r\n--" + boundary
}

// Decoder decodes bodies with limits. The zero value uses the defaults.
type Decoder struct {
	MaxParts   int // 0 means DefaultMaxParts
	MaxHeaders int // per part; 0 means DefaultMaxHeaders
}

// Decode decodes body with a zero Decoder. On error the returned Body
// holds what was decoded before the error.
func Decode(contentType string, body []byte) (*Body, error) {
	b := new(Body)
	err := (&Decoder{}).Decode(b, contentType, body)
	return b, err
}

// Decode decodes body, whose Content-Type header value is contentType, into
// dst. A multipart/* body is split into its parts; any other body becomes a
// single part (its Disposition is the zero value: the caller may set it from
// the message's Content-Disposition header with ParseDisposition). Errors
// are *Error; on error dst holds the parts decoded before it (for a missing
// close delimiter, every part, the last one running to the end).
func (d *Decoder) Decode(dst *Body, contentType string, body []byte) error {
	dst.reset()
	if trimLWS(contentType) == "" {
		if len(body) == 0 {
			return nil
		}
		return &Error{Part: -1, Header: "Content-Type", Err: ErrContentType, Detail: "missing for a non-empty body"}
	}
	ct, err := ParseContentType(contentType)
	if err != nil {
		return err
	}
	dst.ContentType = ct
	if !ct.IsMultipart() {
		p := dst.newPart()
		p.ContentType = ct
		p.Body = body[:len(body):len(body)]
		return nil
	}
	dst.Multipart = true
	return d.multipart(dst, body)
}

func (b *Body) reset() {
	*b = Body{Parts: b.Parts[:0], delim: b.delim[:0]}
}

func (b *Body) newPart() *Part {
	n := len(b.Parts)
	if n < cap(b.Parts) {
		b.Parts = b.Parts[:n+1]
		b.Parts[n] = Part{Header: b.Parts[n].Header[:0]}
	} else {
		b.Parts = append(b.Parts, Part{})
	}
	p := &b.Parts[n]
	p.Index = n
	return p
}

func (d *Decoder) maxParts() int {
	if d.MaxParts > 0 {
		return d.MaxParts
	}
	return DefaultMaxParts
}

func (d *Decoder) maxHeaders() int {
	if d.MaxHeaders > 0 {
		return d.MaxHeaders
	}
	return DefaultMaxHeaders
}

// checkBoundary applies the decoding rules (lenient on length and
// characters, but a boundary must fit on one line).
func checkBoundary(bnd string) string {
	switch {
	case bnd == "":
		return "empty"
	case len(bnd) > MaxBoundary:
		return "longer than " + strconv.Itoa(MaxBoundary) + " octets"
	case strings.ContainsAny(bnd, "\r\n"):
		return "contains CR or LF"
	}
	return ""
}

func (d *Decoder) multipart(dst *Body, body []byte) error {
	bnd, ok := dst.ContentType.Param("boundary")
	if !ok {
		return &Error{Part: -1, Header: "Content-Type", Err: ErrNoBoundary}
	}
	if why := checkBoundary(bnd); why != "" {
		return &Error{Part: -1, Header: "Content-Type", Err: ErrBoundary, Detail: why}
	}
	dst.delim = append(append(dst.delim[:0], "\r\n--"...), bnd...)
	lfDash := dst.delim[1:] // "\n--" boundary
	dash := dst.delim[2:]   // "--" boundary

	// The first delimiter line may start the body or follow the preamble.
	start, pos, closed, lf, found := -1, 0, false, false, false
	if bytes.HasPrefix(body, dash) {
		pos, closed, lf, found = delimTail(body, len(dash), true)
		start = 0
	}
	for from := 0; !found; {
		i := bytes.Index(body[from:], lfDash)
		if i < 0 {
			return &Error{Part: -1, Offset: 0, Err: ErrNoDelimiter, Detail: "no line \"--" + trunc(bnd) + "\" in " + strconv.Itoa(len(body)) + " octets"}
		}
		i += from
		if pos, closed, lf, found = delimTail(body, i+len(lfDash), true); found {
			start = i
			if i > 0 && body[i-1] == '\r' {
				start = i - 1
			}
		}
		from = i + 1
	}
	dst.Preamble = body[:start:start]
	dst.BareLF = lf && !closed

	maxParts, maxHeaders := d.maxParts(), d.maxHeaders()
	for !closed {
		if len(dst.Parts) >= maxParts {
			return &Error{Part: -1, Offset: pos, Err: ErrTooManyParts, Detail: "more than " + strconv.Itoa(maxParts)}
		}
		end, next, cl, ok := dst.nextDelim(body, pos)
		if !ok {
			end = len(body)
		}
		if err := parsePart(dst, body, pos, end, maxHeaders); err != nil {
			return err
		}
		if !ok {
			return &Error{Part: len(dst.Parts) - 1, Offset: len(body), Err: ErrNoCloseDelimiter, Detail: "body ends inside the part"}
		}
		pos, closed = next, cl
	}
	dst.Epilogue = body[pos:len(body):len(body)]
	return nil
}

// delimTail checks what follows "--boundary" at body[q:]: an optional "--"
// (close delimiter), transport padding (SP/HT), then CRLF, LF (when lf is
// allowed or after a close delimiter) or the end of the body. It returns
// where the next line starts.
func delimTail(body []byte, q int, allowLF bool) (next int, closed, lf, ok bool) {
	if q+1 < len(body) && body[q] == '-' && body[q+1] == '-' {
		closed = true
		q += 2
	}
	for q < len(body) && (body[q] == ' ' || body[q] == '\t') {
		q++
	}
	switch {
	case q == len(body):
		return q, closed, false, true
	case body[q] == '\r' && q+1 < len(body) && body[q+1] == '\n':
		return q + 2, closed, false, true
	case body[q] == '\n' && (allowLF || closed):
		return q + 1, closed, true, true
	}
	return 0, false, false, false
}

// nextDelim finds the delimiter that ends the part starting at pos: end is
// where the part ends (the delimiter's line break), next where the line
// after the delimiter starts.
func (b *Body) nextDelim(body []byte, pos int) (end, next int, closed, ok bool) {
	dash := b.delim[2:]
	// Tolerance: a delimiter right after the previous delimiter line (an
	// empty part whose line break was eaten by that line).
	if bytes.HasPrefix(body[pos:], dash) {
		if next, closed, _, ok = delimTail(body, pos+len(dash), b.BareLF); ok {
			return pos, next, closed, true
		}
	}
	pat := b.delim // CRLF "--" boundary
	if b.BareLF {
		pat = b.delim[1:]
	}
	for from := pos; ; {
		i := bytes.Index(body[from:], pat)
		if i < 0 {
			return 0, 0, false, false
		}
		i += from
		if next, closed, _, ok = delimTail(body, i+len(pat), b.BareLF); ok {
			end = i
			if b.BareLF && i > pos && body[i-1] == '\r' {
				end = i - 1
			}
			return end, next, closed, true
		}
		from = i + 1
	}
}

func parsePart(dst *Body, body []byte, start, end, maxHeaders int) error {
	region := body[start:end]
	p := dst.newPart()
	p.Offset = start
	// The header block ends at the first empty line.
	hdrEnd, bodyStart := len(region), len(region)
	for i := 0; i < len(region); {
		if region[i] == '\n' {
			hdrEnd, bodyStart = i, i+1
			break
		}
		if region[i] == '\r' && i+1 < len(region) && region[i+1] == '\n' {
			hdrEnd, bodyStart = i, i+2
			break
		}
		j := bytes.IndexByte(region[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
	}
	p.Body = region[bodyStart:len(region):len(region)]
	p.BodyOffset = start + bodyStart
	if hdrEnd == 0 {
		return nil
	}
	hs := string(region[:hdrEnd])
	for ls := 0; ls < len(hs); {
		line, next := nextLine(hs, ls)
		off := start + ls
		ls = next
		if line == "" {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			return &Error{Part: p.Index, Offset: off, Err: ErrHeader, Detail: "continuation line before any header"}
		}
		c := strings.IndexByte(line, ':')
		if c < 0 {
			return &Error{Part: p.Index, Offset: off, Err: ErrHeader, Detail: "no ':' in header line"}
		}
		name := strings.TrimRight(line[:c], " \t")
		if name == "" || scanToken(name, 0) != len(name) {
			return &Error{Part: p.Index, Offset: off, Err: ErrHeader, Detail: "invalid header name " + quote(name)}
		}
		if len(p.Header) >= maxHeaders {
			return &Error{Part: p.Index, Offset: off, Err: ErrTooManyHeaders, Detail: "more than " + strconv.Itoa(maxHeaders)}
		}
		val := trimLWS(line[c+1:])
		if ls < len(hs) && (hs[ls] == ' ' || hs[ls] == '\t') {
			// Unfold once (RFC 5322 §2.2.3), joining the lines with a space.
			var sb strings.Builder
			sb.WriteString(val)
			for ls < len(hs) && (hs[ls] == ' ' || hs[ls] == '\t') {
				var cont string
				cont, ls = nextLine(hs, ls)
				if v := trimLWS(cont); v != "" {
					if sb.Len() > 0 {
						sb.WriteByte(' ')
					}
					sb.WriteString(v)
				}
			}
			val = sb.String()
		}
		p.Header = append(p.Header, Header{Name: name, Value: val, Offset: off})
	}
	return p.parseHeaders(body)
}

// nextLine returns the line that starts at s[i] without its LF or CRLF,
// and where the next line starts.
func nextLine(s string, i int) (string, int) {
	line, next := s[i:], len(s)
	if j := strings.IndexByte(line, '\n'); j >= 0 {
		line, next = line[:j], i+j+1
	}
	return strings.TrimSuffix(line, "\r"), next
}

// parseHeaders fills ContentType, Disposition and Encoding from Header
// (the first of each wins). body, when not nil, is what Header offsets
// point into.
func (p *Part) parseHeaders(body []byte) error {
	var haveCT, haveCD bool
	for k := range p.Header {
		h := &p.Header[k]
		switch {
		case !haveCT && strings.EqualFold(h.Name, "Content-Type"):
			ct, off, detail := parseContentType(h.Value)
			if detail != "" {
				return &Error{Part: p.Index, Offset: valueOffset(body, h.Offset, off), Err: ErrContentType, Detail: detail}
			}
			p.ContentType, haveCT = ct, true
		case !haveCD && strings.EqualFold(h.Name, "Content-Disposition"):
			cd, off, detail := parseDisposition(h.Value)
			if detail != "" {
				return &Error{Part: p.Index, Offset: valueOffset(body, h.Offset, off), Err: ErrDisposition, Detail: detail}
			}
			p.Disposition, haveCD = cd, true
		case p.Encoding == "" && strings.EqualFold(h.Name, "Content-Transfer-Encoding"):
			p.Encoding = h.Value
		}
	}
	return nil
}

// valueOffset converts an offset into a header value to a body offset
// (exact unless the header was folded).
func valueOffset(body []byte, line, off int) int {
	if line < 0 || line >= len(body) {
		return off
	}
	i := line + bytes.IndexByte(body[line:], ':') + 1
	for i < len(body) && (body[i] == ' ' || body[i] == '\t') {
		i++
	}
	return i + off
}

func trunc(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// Get returns the value of the first header called name (ignoring case).
func (p *Part) Get(name string) (string, bool) {
	for _, h := range p.Header {
		if strings.EqualFold(h.Name, name) {
			return h.Value, true
		}
	}
	return "", false
}

// Required reports whether the part must be understood: its handling is
// required or absent (RFC 3261 §20.11).
func (p *Part) Required() bool { return p.Disposition.Handling.Required() }

// Version returns the part's RFC 3204 version parameter.
func (p *Part) Version() string { return p.ContentType.Version() }

// Base returns the part's RFC 3204 base parameter.
func (p *Part) Base() string { return p.ContentType.Base() }

// Variant returns the ISUP variant the part's version and base name (see
// ISUPVariant).
func (p *Part) Variant() (isup.Variant, bool) { return p.ContentType.Variant() }

// Content returns the part's content with the Content-Transfer-Encoding
// undone: Body itself for none, binary, 8bit and 7bit; a decoded copy for
// base64 and quoted-printable.
func (p *Part) Content() ([]byte, error) {
	e := p.Encoding
	switch {
	case e == "", strings.EqualFold(e, "binary"), strings.EqualFold(e, "8bit"), strings.EqualFold(e, "7bit"):
		return p.Body, nil
	case strings.EqualFold(e, "base64"):
		out := make([]byte, base64.StdEncoding.DecodedLen(len(p.Body)))
		n, err := base64.StdEncoding.Decode(out, bytes.TrimRight(p.Body, " \t\r\n"))
		if err != nil {
			return nil, &Error{Part: p.Index, Offset: p.BodyOffset, Err: ErrEncoding, Detail: err.Error()}
		}
		return out[:n], nil
	case strings.EqualFold(e, "quoted-printable"):
		out, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(p.Body)))
		if err != nil {
			return nil, &Error{Part: p.Index, Offset: p.BodyOffset, Err: ErrEncoding, Detail: err.Error()}
		}
		return out, nil
	}
	return nil, &Error{Part: p.Index, Offset: p.BodyOffset, Err: ErrEncoding, Detail: "unknown encoding " + quote(e)}
}

// DecodeISUP decodes the part's ISUP message (which starts at the message
// type octet) into m, in the variant its version and base name. ISUP errors
// are wrapped in an *Error whose Offset counts from the start of the body
// (for identity encodings), so errors.Is works with isup's sentinels too.
func (p *Part) DecodeISUP(m *isup.Message) error {
	if !p.ContentType.IsISUP() {
		return &Error{Part: p.Index, Offset: p.Offset, Err: ErrNotISUP, Detail: "Content-Type is " + quote(p.ContentType.String())}
	}
	data, err := p.Content()
	if err != nil {
		return err
	}
	v, _ := p.Variant()
	if err := m.DecodeBody(data, v); err != nil {
		off := p.BodyOffset
		if ie, ok := err.(*isup.Error); ok && len(data) > 0 && &data[0] == &p.Body[0] {
			off += ie.Offset
		}
		return &Error{Part: p.Index, Offset: off, Err: err}
	}
	return nil
}

// PartsOf yields the parts whose media type is mt ("type/subtype",
// ignoring case), in order.
func (b *Body) PartsOf(mt string) iter.Seq[*Part] {
	return func(yield func(*Part) bool) {
		for i := range b.Parts {
			if b.Parts[i].ContentType.Is(mt) && !yield(&b.Parts[i]) {
				return
			}
		}
	}
}

func (b *Body) first(mt string) *Part {
	for p := range b.PartsOf(mt) {
		return p
	}
	return nil
}

// SDP returns the first application/sdp part, or nil.
func (b *Body) SDP() *Part { return b.first("application/sdp") }

// ISUP returns the first application/ISUP part, or nil. Use PartsOf for
// bodies that carry several.
func (b *Body) ISUP() *Part { return b.first("application/isup") }

// Understood is the default policy of CheckRequired: application/sdp with
// disposition session, early-session or none, and application/ISUP with
// disposition signal or none whose version or base names a known ISUP
// family.
func Understood(p *Part) bool {
	dt := p.Disposition.Type
	switch {
	case p.ContentType.IsSDP():
		return dt == "" || strings.EqualFold(dt, "session") || strings.EqualFold(dt, "early-session")
	case p.ContentType.IsISUP():
		_, ok := p.Variant()
		return ok && (dt == "" || strings.EqualFold(dt, "signal"))
	}
	return false
}

// CheckRequired returns an *Error wrapping ErrNotUnderstood for the first
// part that is required (handling=required or absent) and that understood
// (nil means Understood) rejects: RFC 3261 §20.11 and RFC 3204 §6 make the
// receiver answer 415 Unsupported Media Type. Optional parts that are not
// understood are ignored. For a body that is not multipart, set
// Parts[0].Disposition from the message's Content-Disposition first.
func (b *Body) CheckRequired(understood func(*Part) bool) error {
	if understood == nil {
		understood = Understood
	}
	for i := range b.Parts {
		p := &b.Parts[i]
		if p.Required() && !understood(p) {
			return &Error{Part: i, Offset: p.Offset, Err: ErrNotUnderstood,
				Detail: quote(p.ContentType.String()) + " with disposition " + quote(p.Disposition.String())}
		}
	}
	return nil
}
