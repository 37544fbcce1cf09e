package call

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/tdm/g711"
	"github.com/sipgw/sipgw/tdm/sdp"
)

// Media describes the RTP side of a call whose circuit has a bearer (a
// timeslot of a local span): with it the call negotiates real media
// through tdm/sdp — PCMA or PCMU by the circuit's law and telephone-event
// (RFC 3264 offer/answer) — instead of sending Params.SDP, and asks the
// daemon to bridge the circuit's timeslot and RTP (ActMedia) at early
// media or answer, and to stop at the release.
type Media struct {
	// Addr and Port are this side's RTP socket (the daemon opened it).
	Addr netip.Addr
	Port int
	// Law is the circuit's law when it is known at the start (ISUP →
	// SIP: the IAM's circuit); SIP → ISUP calls learn it with EvSeized.
	Law g711.Law
	// EventPT is the telephone-event payload type offered (101 when 0).
	EventPT uint8
	// Transcode lets the other law be offered second and accepted.
	Transcode bool
	// SessionID is the o= session id (RFC 8866 §5.2).
	SessionID uint64
}

// MediaOp says what an ActMedia asks.
type MediaOp uint8

const (
	// MediaStart: bridge circuit CIC (law Law) and RTP as Negotiated
	// says; again when the negotiation changed (a new remote address or
	// codec: the daemon moves the running bridge).
	MediaStart MediaOp = iota + 1
	// MediaStop: stop the bridge (the RTP socket stays until the call
	// finishes).
	MediaStop
)

func (o MediaOp) String() string {
	switch o {
	case MediaStart:
		return "start"
	case MediaStop:
		return "stop"
	}
	return "MediaOp(" + strconv.Itoa(int(o)) + ")"
}

// MediaAction is the media part of an ActMedia.
type MediaAction struct {
	Op         MediaOp
	CIC        uint16
	Law        g711.Law
	Negotiated sdp.Negotiated
}

func (m MediaAction) String() string {
	s := "media " + m.Op.String()
	if m.Op == MediaStart {
		n := &m.Negotiated
		s += " cic" + strconv.Itoa(int(m.CIC)) + " " + m.Law.String() + " " + codecName(n.Codec) + "/" + strconv.Itoa(int(n.PayloadType))
		if n.EventPT != 0 {
			s += " te/" + strconv.Itoa(int(n.EventPT))
		}
		s += " → " + n.Remote.String()
	}
	return s
}

func codecName(l g711.Law) string {
	if l == g711.MuLaw {
		return "PCMU"
	}
	return "PCMA"
}

// media is a call's media state.
type media struct {
	on      bool
	law     g711.Law
	offer   *sdp.Session // UAS: the offer of the INVITE (nil: late offer)
	late    bool         // UAS: the INVITE had no SDP: the call offers, the ACK answers
	local   []byte       // our session description (answer or offer)
	version uint64
	neg     sdp.Negotiated
	hasNeg  bool
	started sdp.Negotiated // what the running bridge was started with
	running bool
	moved   bool // a re-INVITE or UPDATE changed the negotiation of the running bridge
	cic     uint16
}

func (c *Call) local() sdp.Local {
	m := c.p.Media
	return sdp.Local{Addr: m.Addr, Port: m.Port, Law: c.med.law, EventPT: m.EventPT, Transcode: m.Transcode,
		User: "sipgw", SessionID: m.SessionID, Version: c.med.version, Name: "sipgw"}
}

// sdpBody is the session description the call's messages carry.
func (c *Call) sdpBody() []byte {
	if c.med.on {
		return c.med.local
	}
	return c.p.SDP
}

// sdpOf returns the session description of a received message (its
// application/sdp body or multipart part), nil for none.
func (c *Call) sdpOf(m *Msg) []byte {
	if len(m.Body) == 0 {
		return nil
	}
	if strings.HasPrefix(strings.ToLower(m.ContentType), "application/sdp") {
		return m.Body
	}
	dec, err := c.cfg.Map.Profile.CheckBody(m.ContentType, m.Disposition, m.Body)
	if err != nil || dec.SDP == nil {
		return nil
	}
	return dec.SDP.Body
}

// mediaInvite reads the offer of an initial INVITE (SIP → ISUP). It
// reports false when the call was rejected: an offer that does not parse
// (400) or has no audio stream this side can take (488, RFC 3261
// §21.4.26), before any circuit is seized.
func (c *Call) mediaInvite(m *Msg) bool {
	if !c.med.on {
		return true
	}
	b := c.sdpOf(m)
	if b == nil {
		c.med.late = true
		return true
	}
	s, err := sdp.Parse(b)
	if err != nil {
		c.reject(Msg{Status: 400})
		return false
	}
	// The circuit (and so its law) is not chosen yet: an offer without
	// the law of any span is refused now only when it has no G.711 at
	// all, or only the other law while transcoding is off (then the
	// trunk's law is unknown here: checked again at the seizure).
	probe := c.local()
	probe.Transcode = true
	probe.Law = g711.ALaw
	if _, _, err := sdp.Answer(s, probe); err != nil {
		c.reject(Msg{Status: 488})
		return false
	}
	c.med.offer = s
	return true
}

// mediaSeized prepares this side's session description for the circuit
// just seized (its law): the answer to the INVITE's offer, or the offer
// of a late-offer INVITE (sent in the 2xx, answered in the ACK). It
// reports false when the offer cannot be answered on this circuit's law
// (no transcoding): the call is then released with cause 65 (bearer
// capability not implemented), 488 toward SIP.
func (c *Call) mediaSeized(law g711.Law) bool {
	if !c.med.on {
		return true
	}
	if law.Valid() {
		c.med.law = law
	}
	c.med.version++
	if c.med.late {
		c.med.local = sdp.Offer(c.local()).Marshal()
		return true
	}
	ans, neg, err := sdp.Answer(c.med.offer, c.local())
	if err != nil {
		c.gatewayRelease(isup.CauseBearerCapNotImplemented)
		return false
	}
	c.med.local, c.med.neg, c.med.hasNeg = ans.Marshal(), neg, true
	return true
}

// mediaOffer makes the offer of the INVITE an ISUP → SIP call sends.
func (c *Call) mediaOffer() {
	if c.med.on && c.med.local == nil {
		c.med.version++
		c.med.local = sdp.Offer(c.local()).Marshal()
	}
}

// mediaAnswer reads the answer to the call's offer in a response (ISUP →
// SIP) or in an ACK (a late-offer SIP → ISUP call). It reports false when
// the message had an answer this side cannot use.
func (c *Call) mediaAnswer(m *Msg) bool {
	if !c.med.on {
		return true
	}
	b := c.sdpOf(m)
	if b == nil {
		return true
	}
	s, err := sdp.Parse(b)
	if err != nil {
		return false
	}
	neg, err := sdp.Accept(s, c.local())
	if err != nil {
		return false
	}
	c.med.neg, c.med.hasNeg = neg, true
	return true
}

// mediaReoffer answers an offer in a re-INVITE or UPDATE of a confirmed
// dialog: a new answer (the version grows, RFC 3264 §8) and the bridge
// moved to the new remote. It reports false for an offer this side cannot
// take (the request gets 488 and the session stays as it was).
func (c *Call) mediaReoffer(m *Msg) bool {
	b := c.sdpOf(m)
	if !c.med.on || b == nil {
		return true
	}
	s, err := sdp.Parse(b)
	if err != nil {
		return false
	}
	c.med.version++
	ans, neg, err := sdp.Answer(s, c.local())
	if err != nil {
		c.med.version--
		return false
	}
	c.med.local, c.med.neg, c.med.hasNeg, c.med.moved = ans.Marshal(), neg, true, c.med.running
	return true
}

// mediaMoved moves the running bridge after a new answer went.
func (c *Call) mediaMoved() {
	if c.med.moved {
		c.med.moved = false
		c.mediaStart()
	}
}

// mediaStart asks for the bridge once the negotiation is done and the
// circuit known, and again when the negotiation changed.
func (c *Call) mediaStart() {
	if !c.med.on || !c.med.hasNeg || !c.hasCIC || c.med.neg.Remote.Port() == 0 {
		return
	}
	if c.st.ISUP == ISUPReleasing || c.st.ISUP == ISUPDone {
		return
	}
	if c.med.running && c.med.cic == c.cic && c.med.started == c.med.neg {
		return // early media went on into the answer: nothing changes
	}
	c.med.running, c.med.cic, c.med.started = true, c.cic, c.med.neg
	c.emit(Action{Kind: ActMedia, Media: MediaAction{Op: MediaStart, CIC: c.cic, Law: c.med.law, Negotiated: c.med.neg}})
}

// mediaSettle stops the bridge when either leg is ending (REL sent or
// received, the SIP leg ended): the circuit goes back to the Trunk.
func (c *Call) mediaSettle() {
	if !c.med.running {
		return
	}
	ending := c.st.ISUP == ISUPReleasing || c.st.ISUP == ISUPDone || c.relPending ||
		c.st.SIP == SIPDone || c.st.SIP == SIPCancelling || c.st.SIP == SIPTerminating || !c.hasCIC || c.cic != c.med.cic
	if ending {
		c.med.running = false
		c.emit(Action{Kind: ActMedia, Media: MediaAction{Op: MediaStop, CIC: c.med.cic}})
	}
}
