package call

import (
	"strings"

	"github.com/sipgw/sipgw/interwork/mapping"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/sipi"
)

// body fills m's body: the gateway's SDP when sdp is set (and the call
// has one), and the ISUP message im when the trunk's profile encapsulates
// its type (SIP-I/SIP-T: multipart/mixed with SDP then application/ISUP,
// or the ISUP alone; RFC 3204 §4–6, Q.1912.5 §5.4). The boundary is the
// call's fixed one, so that the same input gives the same bytes; only if
// the boundary occurs inside a part does a random one replace it.
func (c *Call) body(m *Msg, sdp bool, im *isup.Message) {
	var s []byte
	if b := c.sdpBody(); sdp && len(b) > 0 {
		s = b
	}
	prof := &c.cfg.Map.Profile
	if im != nil && prof.Encapsulates(im.Type) {
		data, err := im.AppendBody(make([]byte, 0, im.MarshalLen()))
		if err == nil {
			x := sipi.ISUP{Version: prof.Version, Base: prof.Base, Required: prof.Required, Message: data}
			ct, b, err := sipi.Encode(s, x, c.p.Boundary)
			if err != nil {
				ct, b, err = sipi.Encode(s, x, "")
			}
			if err == nil {
				m.ContentType, m.Body, m.SDP = ct, b, s != nil
				if s == nil {
					m.Disposition = x.Disposition()
				}
				return
			}
		}
	}
	if s != nil {
		m.ContentType, m.Body, m.SDP = "application/sdp", s, true
	}
}

// readBody decides on a received body (mapping.SIPProfile.CheckBody) and
// decodes the ISUP message of a SIP-I/SIP-T body the trunk takes, into a
// copy the call owns. hasSDP reports an SDP part (or m.SDP).
func (c *Call) readBody(m *Msg) (dec mapping.BodyDecision, enc *isup.Message, hasSDP bool, err error) {
	hasSDP = m.SDP
	if len(m.Body) == 0 && m.ContentType == "" {
		return mapping.BodyDecision{Action: mapping.NoISUP}, nil, hasSDP, nil
	}
	dec, err = c.cfg.Map.Profile.CheckBody(m.ContentType, m.Disposition, m.Body)
	if err != nil {
		return dec, nil, hasSDP, err
	}
	if dec.SDP != nil || strings.HasPrefix(strings.ToLower(m.ContentType), "application/sdp") {
		hasSDP = true
	}
	if dec.Action == mapping.UseISUP && dec.ISUP != nil {
		var im isup.Message
		if err := dec.ISUP.DecodeISUP(&im); err != nil {
			return dec, nil, hasSDP, err
		}
		enc = own(&im)
	}
	return dec, enc, hasSDP, nil
}

// encREL returns the REL a SIP-I/SIP-T message carries (nil for none or
// a body that does not decode: the cause then comes from the tables).
func (c *Call) encREL(m *Msg) *isup.Message {
	_, enc, _, err := c.readBody(m)
	if err != nil || enc == nil || enc.Type != isup.REL {
		return nil
	}
	return enc
}
