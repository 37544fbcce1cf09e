package sipscan

import (
	"bytes"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/sipi"
)

// isupFast finds the ISUP part of the common SIP-I body shapes in place,
// without allocating: a multipart body whose application/ISUP part has no
// Content-Transfer-Encoding (or binary/8bit), or a bare application/ISUP
// body. handled is false for anything else (encoded parts, nested
// multiparts, a missing boundary, odd framing): ISUPPart then takes the
// general decoder in package sipi, which is exact but allocates. Both give
// the same answer wherever the fast path answers (FuzzISUPPart checks).
func isupFast(m *Message, single bool) (data []byte, variant isup.Variant, ok, handled bool) {
	if single {
		if m.Lookup(&cteName) != nil {
			return nil, 0, false, false
		}
		return m.Body, m.variantOf(m.ContentType), true, true
	}
	bnd := m.boundaryOf(m.ContentType)
	if len(bnd) == 0 || len(bnd) > 70 {
		return nil, 0, false, false
	}
	// Delimiters are found by "\n--boundary" so that bare-LF bodies work
	// as in the general decoder; the CR before, if any, is stripped from
	// the part.
	var dbuf [73]byte
	delim := append(append(dbuf[:0], "\n--"...), bnd...)
	body := m.Body
	// The first delimiter may start the body (no CRLF before it).
	var i int
	switch {
	case bytes.HasPrefix(body, delim[1:]):
		i = len(delim) - 1
	default:
		j := bytes.Index(body, delim)
		if j < 0 {
			return nil, 0, false, false
		}
		i = j + len(delim)
	}
	for {
		// After a delimiter: "--" closes, else transport padding and CRLF.
		if bytes.HasPrefix(body[i:], []byte("--")) {
			return nil, 0, false, true
		}
		eol := bytes.IndexByte(body[i:], '\n')
		if eol < 0 {
			return nil, 0, false, false
		}
		if len(trimLWS(body[i:i+eol])) != 0 {
			return nil, 0, false, false
		}
		start := i + eol + 1
		end := bytes.Index(body[start:], delim)
		if end < 0 {
			return nil, 0, false, false
		}
		part := body[start : start+end]
		if len(part) > 0 && part[len(part)-1] == '\r' {
			part = part[:len(part)-1]
		}
		ct, enc, content, good := partHeaders(part)
		if !good {
			return nil, 0, false, false
		}
		if single, multi := mediaKind(ct); single {
			if len(enc) != 0 && !eqFold(enc, "binary") && !eqFold(enc, "8bit") {
				return nil, 0, false, false
			}
			return content, m.variantOf(ct), true, true
		} else if multi {
			return nil, 0, false, false // nested multipart: the general path
		}
		i = start + end + len(delim)
	}
}

// partHeaders splits a MIME part into its Content-Type and
// Content-Transfer-Encoding values and its content. Folded or odd header
// lines make it give up (good false).
func partHeaders(p []byte) (ct, enc, content []byte, good bool) {
	for i := 0; ; {
		eol := bytes.IndexByte(p[i:], '\n')
		if eol < 0 {
			return nil, nil, nil, false
		}
		line := p[i : i+eol]
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		next := i + eol + 1
		if len(line) == 0 {
			return ct, enc, p[next:], true
		}
		if isLWS(line[0]) {
			return nil, nil, nil, false
		}
		c := bytes.IndexByte(line, ':')
		if c <= 0 {
			return nil, nil, nil, false
		}
		name, val := trimLWS(line[:c]), trimLWS(line[c+1:])
		switch {
		case eqFold(name, "Content-Type"):
			ct = val
		case eqFold(name, "Content-Transfer-Encoding"):
			enc = val
		}
		i = next
	}
}

// variantOf reads the version and base parameters of an application/ISUP
// media type.
func variantOf(ct []byte) isup.Variant {
	ver, base := unquote(Param(ct, "version")), unquote(Param(ct, "base"))
	if len(ver) == 0 && len(base) == 0 {
		return sipi.DefaultVariant
	}
	var vb, bb [32]byte
	if len(ver) > len(vb) || len(base) > len(bb) {
		v, _ := sipi.ISUPVariant(string(ver), string(base))
		return v
	}
	v, _ := sipi.ISUPVariant(stackString(vb[:0], ver), stackString(bb[:0], base))
	return v
}

// stackString copies b into buf for a string conversion the compiler can
// keep off the heap (ISUPVariant does not retain its arguments).
// variantCache remembers the variant of the last ISUP content type a
// Message met: a capture's SIP-I bodies nearly all carry the same one, and
// reading its version and base parameters cost a tenth of SIP-I decoding.
type variantCache struct {
	ct [96]byte
	n  int
	v  isup.Variant

	// The boundary of the last multipart content type, for the same
	// reason: user agents reuse one (parsing it was a tenth of finding
	// the ISUP part).
	mct  [128]byte
	mctN int
	bnd  [70]byte
	bndN int
}

// boundaryOf returns the boundary parameter of a multipart content type,
// unquoted.
func (m *Message) boundaryOf(ct []byte) []byte {
	c := m.vc
	if c != nil && c.mctN == len(ct) && c.mctN > 0 && string(c.mct[:c.mctN]) == string(ct) {
		return c.bnd[:c.bndN]
	}
	bnd := unquote(Param(ct, "boundary"))
	if len(ct) <= len(variantCache{}.mct) && len(bnd) <= len(variantCache{}.bnd) {
		if c == nil {
			c = new(variantCache)
			m.vc = c
		}
		c.mctN = copy(c.mct[:], ct)
		c.bndN = copy(c.bnd[:], bnd)
	}
	return bnd
}

func (m *Message) variantOf(ct []byte) isup.Variant {
	c := m.vc
	if c != nil && c.n == len(ct) && string(c.ct[:c.n]) == string(ct) {
		return c.v
	}
	v := variantOf(ct)
	if len(ct) <= len(variantCache{}.ct) {
		if c == nil {
			c = new(variantCache)
			m.vc = c
		}
		c.n = copy(c.ct[:], ct)
		c.v = v
	}
	return v
}

func stackString(buf, b []byte) string { return string(append(buf, b...)) }

func unquote(v []byte) []byte {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1]
	}
	return v
}
