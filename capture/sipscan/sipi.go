package sipscan

import (
	"sync"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/sipi"
)

// bodies recycles sipi bodies (their part and header storage) between
// ISUPPart calls; what ISUPPart returns aliases the message, never a Body.
var bodies = sync.Pool{New: func() any { return new(sipi.Body) }}

// ISUPPart returns the ISUP message of a SIP-I/SIP-T body (RFC 3204): the
// octets from the message type on, and the variant its version and base
// parameters name (sipi.DefaultVariant, ITU-T, when they name none). It
// looks at application/ISUP bodies and at multipart/* bodies (mixed,
// related, alternative) with an application/ISUP part, the first one.
// ok is false, with a nil error, when the message carries no ISUP; err is
// a *sipi.Error when the body is malformed.
//
// The media type is checked in place first, so the common SDP-only message
// costs nothing; decoding a SIP-I body allocates the part header strings
// (package sipi), and a copy when the part is base64 or quoted-printable.
func ISUPPart(m *Message) (data []byte, variant isup.Variant, ok bool, err error) {
	single, multi := mediaKind(m.ContentType)
	if !single && !multi {
		return nil, sipi.DefaultVariant, false, nil
	}
	if data, variant, ok, handled := isupFast(m, single); handled {
		return data, variant, ok, nil
	}
	return isupGeneral(m, single)
}

// isupGeneral is ISUPPart through the complete MIME decoder of package
// sipi.
func isupGeneral(m *Message, single bool) (data []byte, variant isup.Variant, ok bool, err error) {
	b := bodies.Get().(*sipi.Body)
	defer bodies.Put(b)
	var d sipi.Decoder
	if err := d.Decode(b, string(m.ContentType), m.Body); err != nil {
		return nil, sipi.DefaultVariant, false, err
	}
	p := b.ISUP()
	if p == nil {
		return nil, sipi.DefaultVariant, false, nil
	}
	if single {
		// The part is the whole body: its transfer encoding, if any, is a
		// header of the message.
		if enc := m.Lookup(&cteName); enc != nil {
			p.Encoding = string(enc)
		}
	}
	data, err = p.Content()
	if err != nil {
		return nil, sipi.DefaultVariant, false, err
	}
	v, _ := p.Variant()
	return data, v, true, nil
}

// mediaKind looks at a Content-Type value without allocating: single is
// application/ISUP, multi is any multipart type.
func mediaKind(ct []byte) (single, multi bool) {
	ct = trimLWS(ct)
	end := func(n int) bool {
		return len(ct) == n || ct[n] == ';' || isLWS(ct[n])
	}
	const isupType, multipart = "application/isup", "multipart/"
	switch {
	case len(ct) >= len(isupType) && eqLower(ct[:len(isupType)], isupType) && end(len(isupType)):
		return true, false
	case len(ct) > len(multipart) && eqLower(ct[:len(multipart)], multipart):
		return false, true
	}
	return false, false
}
