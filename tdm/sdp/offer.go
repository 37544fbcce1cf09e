package sdp

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"

	"github.com/sipgw/sipgw/tdm/g711"
)

// Local describes this side of a call on a TDM circuit.
type Local struct {
	Addr netip.Addr // RTP address
	Port int        // RTP port (RTCP on Port+1, RFC 3550 §11)
	Law  g711.Law   // the span's law: its codec is preferred (no transcoding)
	// EventPT is the telephone-event payload type offered (RFC 4733 §7.1:
	// dynamic); 101 when zero; NoEvents to offer none.
	EventPT  uint8
	NoEvents bool
	// Transcode lets the other law be offered and accepted too (the
	// bearer converts with a table per sample).
	Transcode bool
	// Origin fields: user ("-" when empty), session id and version (RFC
	// 8866 §5.2: the version grows with each new offer of the session).
	User      string
	SessionID uint64
	Version   uint64
	Name      string // s= ("-" when empty)
}

// Ptime is the packetisation this side sends and asks for (RFC 3551 §4.5.14).
const Ptime = 20

// Negotiated is the outcome of offer/answer for the audio stream: what
// the bearer bridge needs (tdm/bearer.Config: Codec, PayloadType,
// EventPT) and where to send.
type Negotiated struct {
	Remote      netip.AddrPort // 0 port: the stream is disabled
	Codec       g711.Law
	PayloadType uint8
	EventPT     uint8 // 0: no telephone-event (DTMF stays in-band)
	Ptime       int   // the remote side's a=ptime, 0 when absent
	Direction   Direction
	Index       int // the m= line
}

// ErrNotAcceptable: no audio stream with a codec this side can use; the
// gateway answers 488 Not Acceptable Here (RFC 3261 §21.4.26).
var ErrNotAcceptable = errors.New("sdp: no acceptable audio stream (PCMA/PCMU over RTP/AVP)")

func codecPT(l g711.Law) int {
	if l == g711.MuLaw {
		return 0
	}
	return 8
}

func codecName(l g711.Law) string {
	if l == g711.MuLaw {
		return "PCMU"
	}
	return "PCMA"
}

func (l Local) eventPT() uint8 {
	if l.EventPT == 0 {
		return 101
	}
	return l.EventPT
}

func (l Local) laws() []g711.Law {
	law := l.Law
	if !law.Valid() {
		law = g711.ALaw
	}
	if !l.Transcode {
		return []g711.Law{law}
	}
	other := g711.MuLaw
	if law == g711.MuLaw {
		other = g711.ALaw
	}
	return []g711.Law{law, other}
}

func (l Local) session() *Session {
	user, name := l.User, l.Name
	if user == "" {
		user = "-"
	}
	if name == "" {
		name = "-"
	}
	at := "IP4"
	if l.Addr.Is6() && !l.Addr.Is4In6() {
		at = "IP6"
	}
	addr := l.Addr.Unmap().String()
	return &Session{
		Origin:     Origin{user, strconv.FormatUint(l.SessionID, 10), l.Version, "IN", at, addr},
		Name:       name,
		Connection: &Connection{"IN", at, addr},
		Lines:      []Line{{'t', "0 0"}},
	}
}

// audio returns the m=audio section this side sends: its law(s), then
// telephone-event, ptime 20, and dir.
func (l Local) audio(laws []g711.Law, ptFor func(g711.Law) int, ev int, dir Direction) *Media {
	m := &Media{Type: "audio", Port: l.Port, Proto: "RTP/AVP"}
	for _, law := range laws {
		pt := ptFor(law)
		m.Formats = append(m.Formats, strconv.Itoa(pt))
		m.Attributes = append(m.Attributes, Attribute{"rtpmap", strconv.Itoa(pt) + " " + codecName(law) + "/8000", true})
	}
	if ev >= 0 {
		m.Formats = append(m.Formats, strconv.Itoa(ev))
		m.Attributes = append(m.Attributes, Attribute{"rtpmap", strconv.Itoa(ev) + " telephone-event/8000", true},
			Attribute{"fmtp", strconv.Itoa(ev) + " 0-15", true})
	}
	m.Attributes = append(m.Attributes, Attribute{"ptime", strconv.Itoa(Ptime), true}, Attribute{dir.String(), "", false})
	return m
}

// Offer makes this side's offer: one audio stream with the span's law
// first (and the other when transcoding is allowed) and telephone-event.
func Offer(l Local) *Session {
	s := l.session()
	ev := -1
	if !l.NoEvents {
		ev = int(l.eventPT())
	}
	s.Media = []*Media{l.audio(l.laws(), codecPT, ev, SendRecv)}
	return s
}

// choose finds, in one offered or answered m=audio section, the first
// format (in the sender's order of preference, RFC 3264 §5.1) that is one
// of laws, and its telephone-event format.
func choose(m *Media, laws []g711.Law) (law g711.Law, pt int, ev int, ok bool) {
	maps := m.RTPMaps()
	ev = -1
	for _, f := range m.Formats {
		p, err := strconv.Atoi(f)
		if err != nil || p < 0 || p > 127 {
			continue
		}
		r, mapped := maps[p]
		var l g711.Law
		switch {
		case mapped && r.Clock == 8000 && r.Channels == 1 && strings.EqualFold(r.Encoding, "PCMA"):
			l = g711.ALaw
		case mapped && r.Clock == 8000 && r.Channels == 1 && strings.EqualFold(r.Encoding, "PCMU"):
			l = g711.MuLaw
		case !mapped && p == 8: // static types need no rtpmap (RFC 3551 Table 4)
			l = g711.ALaw
		case !mapped && p == 0:
			l = g711.MuLaw
		case mapped && r.Clock == 8000 && strings.EqualFold(r.Encoding, "telephone-event"):
			if ev < 0 {
				ev = p
			}
			continue
		default:
			continue
		}
		if !ok {
			for _, want := range laws {
				if l == want {
					law, pt, ok = l, p, true
				}
			}
		}
	}
	// The span's own law wins over the offerer's order when both are
	// offered: no transcoding beats a preference (RFC 3264 §6.1 lets the
	// answerer pick among the offered formats).
	if ok && law != laws[0] {
		for _, f := range m.Formats {
			p, _ := strconv.Atoi(f)
			if r, mapped := maps[p]; mapped && r.Clock == 8000 && r.Channels == 1 && strings.EqualFold(r.Encoding, codecName(laws[0])) ||
				!mapped && p == codecPT(laws[0]) && f == strconv.Itoa(p) {
				law, pt = laws[0], p
				break
			}
		}
	}
	return
}

func ptime(m *Media) int {
	if v, ok := m.Attr("ptime"); ok {
		if p, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && p > 0 && p <= 1000 {
			return p
		}
	}
	return 0
}

// Answer answers an offer (RFC 3264 §6): every offered stream gets an m=
// line, in order; the first usable audio stream (RTP/AVP, a port, PCMA
// or PCMU) is accepted with one codec — the span's law when offered —
// and telephone-event when offered, under the offerer's payload types;
// every other stream is refused with port 0. The direction mirrors the
// offer's (sendonly ↔ recvonly).
func Answer(offer *Session, l Local) (*Session, Negotiated, error) {
	s := l.session()
	var neg Negotiated
	found := false
	for i, m := range offer.Media {
		if !found && strings.EqualFold(m.Type, "audio") && m.Port != 0 && strings.EqualFold(m.Proto, "RTP/AVP") {
			law, pt, ev, ok := choose(m, l.laws())
			if ok {
				remote, err := offer.Address(m)
				if err != nil {
					return nil, Negotiated{}, err
				}
				if l.NoEvents {
					ev = -1
				}
				dir := offer.Direction(m)
				ans := map[Direction]Direction{SendRecv: SendRecv, SendOnly: RecvOnly, RecvOnly: SendOnly, Inactive: Inactive}[dir]
				s.Media = append(s.Media, l.audio([]g711.Law{law}, func(g711.Law) int { return pt }, ev, ans))
				neg = Negotiated{Remote: remote, Codec: law, PayloadType: uint8(pt), Ptime: ptime(m), Direction: ans, Index: i}
				if ev >= 0 {
					neg.EventPT = uint8(ev)
				}
				found = true
				continue
			}
		}
		// RFC 3264 §6: a refused stream keeps its media type, proto and
		// formats, with port 0.
		s.Media = append(s.Media, &Media{Type: m.Type, Port: 0, Proto: m.Proto, Formats: m.Formats})
	}
	if !found {
		return nil, Negotiated{}, ErrNotAcceptable
	}
	return s, neg, nil
}

// Accept reads the answer to this side's offer (RFC 3264 §7): the audio
// stream at the offer's position, the codec the answerer put first among
// those offered, the telephone-event type it answered with.
func Accept(answer *Session, l Local) (Negotiated, error) {
	if len(answer.Media) == 0 {
		return Negotiated{}, &Error{Reason: "the answer has no m= line"}
	}
	m := answer.Media[0]
	if !strings.EqualFold(m.Type, "audio") {
		return Negotiated{}, &Error{Reason: "the answer's first m= line is " + m.Type + ", the offer's is audio"}
	}
	if m.Port == 0 {
		return Negotiated{}, ErrNotAcceptable
	}
	law, pt, ev, ok := choose(m, l.laws())
	if !ok {
		return Negotiated{}, ErrNotAcceptable
	}
	remote, err := answer.Address(m)
	if err != nil {
		return Negotiated{}, err
	}
	neg := Negotiated{Remote: remote, Codec: law, PayloadType: uint8(pt), Ptime: ptime(m), Direction: answer.Direction(m)}
	if ev >= 0 && !l.NoEvents {
		neg.EventPT = uint8(ev)
	}
	return neg, nil
}
