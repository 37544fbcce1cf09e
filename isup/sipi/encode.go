package sipi

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// NewPart builds a part from its headers, in order, and its content (not
// copied). Content-Type, Content-Disposition and Content-Transfer-Encoding
// are parsed as when decoding.
func NewPart(body []byte, headers ...Header) (Part, error) {
	p := Part{Header: make([]Header, len(headers)), Body: body, Offset: -1, BodyOffset: -1}
	for i, h := range headers {
		h.Offset = -1
		p.Header[i] = h
	}
	if err := p.parseHeaders(nil); err != nil {
		return Part{}, err
	}
	return p, nil
}

// SDPPart returns a part carrying sdp with Content-Type application/sdp.
func SDPPart(sdp []byte) Part {
	p, _ := NewPart(sdp, Header{Name: "Content-Type", Value: "application/sdp"})
	return p
}

// ISUP describes an application/ISUP body to encode.
type ISUP struct {
	Version string // RFC 3204 version token; "" means ITUT92Plus
	Base    string // RFC 3204 base token; "" omits the parameter
	// Required selects handling=required; the default is handling=optional,
	// which lets a SIP UA that does not know ISUP ignore the part.
	Required bool
	Message  []byte // the ISUP message from the message type octet on
}

// ContentType returns the Content-Type value, e.g.
// "application/ISUP;version=itu-t92+;base=itu-t92+".
func (x *ISUP) ContentType() string {
	v := x.Version
	if v == "" {
		v = ITUT92Plus
	}
	b := make([]byte, 0, 48)
	b = append(b, "application/ISUP;version="...)
	b = appendParamValue(b, v)
	if x.Base != "" {
		b = append(b, ";base="...)
		b = appendParamValue(b, x.Base)
	}
	return string(b)
}

// Disposition returns the Content-Disposition value:
// "signal;handling=optional" or "signal;handling=required". A single-part
// ISUP body carries it as the SIP message's Content-Disposition header.
func (x *ISUP) Disposition() string {
	if x.Required {
		return "signal;handling=required"
	}
	return "signal;handling=optional"
}

// Part returns the multipart body part: Content-Type, Content-Disposition
// and Content-Transfer-Encoding: binary, then Message (not copied).
func (x *ISUP) Part() (Part, error) {
	return NewPart(x.Message,
		Header{Name: "Content-Type", Value: x.ContentType()},
		Header{Name: "Content-Disposition", Value: x.Disposition()},
		Header{Name: "Content-Transfer-Encoding", Value: "binary"})
}

// Encode builds a SIP-I/SIP-T body. With sdp nil it is the bare ISUP
// message (body aliases x.Message) and contentType is x.ContentType(); the
// caller adds x.Disposition() as the message's Content-Disposition. With
// sdp it is multipart/mixed with the SDP part then the ISUP part; boundary
// "" means NewBoundary.
func Encode(sdp []byte, x ISUP, boundary string) (contentType string, body []byte, err error) {
	if sdp == nil {
		return x.ContentType(), x.Message, nil
	}
	ip, err := x.Part()
	if err != nil {
		return "", nil, err
	}
	parts := [2]Part{SDPPart(sdp), ip}
	if boundary == "" {
		if boundary, err = NewBoundary(parts[:]...); err != nil {
			return "", nil, err
		}
	}
	n := 64 + 2*len(boundary)
	for i := range parts {
		n += partLen(&parts[i], boundary)
	}
	body, err = AppendMultipart(make([]byte, 0, n), boundary, parts[:]...)
	if err != nil {
		return "", nil, err
	}
	return MultipartContentType(boundary), body, nil
}

// MultipartContentType returns "multipart/mixed;boundary=…", quoting the
// boundary when it is not a token.
func MultipartContentType(boundary string) string {
	b := append(make([]byte, 0, 26+len(boundary)), "multipart/mixed;boundary="...)
	return string(appendParamValue(b, boundary))
}

// NewBoundary returns a random boundary ("sipi-" and 24 hex digits) that
// occurs nowhere in parts' headers or content.
func NewBoundary(parts ...Part) (string, error) {
	var r [12]byte
	for try := 0; try < 8; try++ {
		if _, err := rand.Read(r[:]); err != nil {
			return "", err
		}
		bnd := "sipi-" + hex.EncodeToString(r[:])
		if !occursIn(parts, bnd) {
			return bnd, nil
		}
	}
	return "", &Error{Part: -1, Err: ErrBoundaryInPart, Detail: "no random boundary found that is absent from the parts"}
}

func occursIn(parts []Part, s string) bool {
	for i := range parts {
		if bytes.Contains(parts[i].Body, []byte(s)) {
			return true
		}
		for _, h := range parts[i].Header {
			if strings.Contains(h.Name, s) || strings.Contains(h.Value, s) {
				return true
			}
		}
	}
	return false
}

// checkNewBoundary applies RFC 2046 §5.1.1 to a boundary for a new body:
// 1 to 70 bchars, not ending in a space.
func checkNewBoundary(bnd string) string {
	if bnd == "" || len(bnd) > 70 {
		return "must have 1 to 70 characters"
	}
	for i := 0; i < len(bnd); i++ {
		c := bnd[i]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("'()+_,-./:=? ", c) >= 0 {
			continue
		}
		return "character " + quoteByte(c) + " is not allowed"
	}
	if bnd[len(bnd)-1] == ' ' {
		return "must not end with a space"
	}
	return ""
}

// AppendMultipart appends a multipart body framed by boundary (which must
// follow RFC 2046) with parts, each written as its Header lines in order,
// an empty line and its Body, and returns the extended buffer. Use
// MultipartContentType(boundary) as the Content-Type. It fails with
// ErrBoundaryInPart when a part contains a line starting with
// "--"+boundary.
func AppendMultipart(dst []byte, boundary string, parts ...Part) ([]byte, error) {
	if why := checkNewBoundary(boundary); why != "" {
		return dst, &Error{Part: -1, Err: ErrBoundary, Detail: why}
	}
	return appendMultipart(dst, boundary, nil, nil, parts)
}

// AppendTo appends b encoded again: a multipart body with its boundary,
// preamble and epilogue, CRLF line endings and headers written as
// "Name: Value"; any other body as its single part's content. Use
// b.ContentType.String() as the Content-Type.
func (b *Body) AppendTo(dst []byte) ([]byte, error) {
	if !b.Multipart {
		if len(b.Parts) == 0 {
			return dst, nil
		}
		return append(dst, b.Parts[0].Body...), nil
	}
	bnd := b.ContentType.Boundary()
	if why := checkBoundary(bnd); why != "" {
		return dst, &Error{Part: -1, Header: "Content-Type", Err: ErrBoundary, Detail: why}
	}
	return appendMultipart(dst, bnd, b.Preamble, b.Epilogue, b.Parts)
}

func appendMultipart(dst []byte, bnd string, preamble, epilogue []byte, parts []Part) ([]byte, error) {
	start := len(dst)
	if lineStartsWith(preamble, bnd) {
		return dst, &Error{Part: -1, Err: ErrBoundaryInPart, Detail: "in the preamble"}
	}
	if len(preamble) > 0 {
		dst = append(append(dst, preamble...), "\r\n"...)
	}
	for i := range parts {
		p := &parts[i]
		dst = append(append(append(dst, "--"...), bnd...), "\r\n"...)
		for _, h := range p.Header {
			if h.Name == "" || scanToken(h.Name, 0) != len(h.Name) || strings.HasPrefix(h.Name, "--") {
				return dst[:start], &Error{Part: i, Offset: -1, Err: ErrHeader, Detail: "invalid header name " + quote(h.Name)}
			}
			if strings.ContainsAny(h.Value, "\r\n") {
				return dst[:start], &Error{Part: i, Offset: -1, Err: ErrHeader, Detail: "CR or LF in the value of " + h.Name}
			}
			dst = append(append(append(append(dst, h.Name...), ": "...), h.Value...), "\r\n"...)
		}
		if lineStartsWith(p.Body, bnd) {
			return dst[:start], &Error{Part: i, Offset: -1, Err: ErrBoundaryInPart, Detail: "a line of the content starts with \"--" + trunc(bnd) + "\""}
		}
		dst = append(append(dst, "\r\n"...), p.Body...)
		dst = append(dst, "\r\n"...)
	}
	dst = append(append(append(dst, "--"...), bnd...), "--\r\n"...)
	return append(dst, epilogue...), nil
}

// lineStartsWith reports whether b has a line (at its start or after an
// LF) that starts with "--"+bnd: such a line could end the part early.
func lineStartsWith(b []byte, bnd string) bool {
	for i := 0; i < len(b); {
		j := bytes.Index(b[i:], []byte(bnd))
		if j < 0 {
			return false
		}
		j += i
		if j >= 2 && b[j-1] == '-' && b[j-2] == '-' && (j == 2 || b[j-3] == '\n') {
			return true
		}
		i = j + 1
	}
	return false
}

func partLen(p *Part, bnd string) int {
	n := 6 + len(bnd) + len(p.Body)
	for _, h := range p.Header {
		n += len(h.Name) + len(h.Value) + 4
	}
	return n
}
