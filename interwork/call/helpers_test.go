package call

import (
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/sipgw/sipgw/interwork/mapping"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/q764"
)

var (
	t0      = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	testSDP = []byte("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8\r\n")
	numDE   = mapping.NumberingConfig{CountryCode: "49", NationalPrefix: "0", InternationalPrefix: "00", Host: "gw.example"}
)

// trunkOf compiles a call trunk with the German numbering of the mapping
// tests; mod changes the mapping configuration, cmod the call's.
func trunkOf(tb testing.TB, mod func(*mapping.TrunkConfig), cmod func(*Config)) *Trunk {
	tb.Helper()
	mc := mapping.TrunkConfig{Numbering: numDE}
	if mod != nil {
		mod(&mc)
	}
	mt, err := mc.Compile("trunk")
	if err != nil {
		tb.Fatal(err)
	}
	c := Config{Map: mt}
	if cmod != nil {
		cmod(&c)
	}
	t, err := NewTrunk(c)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

func sipI(c *mapping.TrunkConfig)   { c.SIP.Profile = "sip-i" }
func q19125(c *mapping.TrunkConfig) { c.Causes.Profile = mapping.Q19125 }

// inviteMsg is an initial INVITE to ruri from +494011112222.
func inviteMsg(tb testing.TB, cseq uint32, ruri string, opts ...func(*Msg)) *Msg {
	tb.Helper()
	inv := mapping.Invite{
		From:        `"Bob" <sip:+494011112222@pbx.example;user=phone>;tag=from1`,
		To:          "<" + ruri + ">",
		PAI:         []string{`<sip:+494011112222@pbx.example;user=phone>`},
		MaxForwards: 70,
	}
	if err := sip.ParseUri(ruri, &inv.RequestURI); err != nil {
		tb.Fatal(err)
	}
	m := &Msg{Method: INVITE, CSeq: cseq, Invite: &inv, SDP: true, ContentType: "application/sdp", Body: testSDP}
	for _, o := range opts {
		o(m)
	}
	return m
}

func req(method Method, cseq uint32, opts ...func(*Msg)) *Msg {
	m := &Msg{Method: method, CSeq: cseq}
	for _, o := range opts {
		o(m)
	}
	return m
}

func resp(method Method, cseq uint32, status int, tag string, opts ...func(*Msg)) *Msg {
	m := &Msg{Method: method, CSeq: cseq, Status: status, Tag: tag}
	for _, o := range opts {
		o(m)
	}
	return m
}

func withReason(r string) func(*Msg) { return func(m *Msg) { m.Reason = r } }
func withRSeq(n uint32) func(*Msg) {
	return func(m *Msg) { m.RSeq, m.Require100rel = n, true }
}
func withRAck(rseq, cseq uint32) func(*Msg) {
	return func(m *Msg) { m.RAck.RSeq, m.RAck.CSeq, m.RAck.Method = rseq, cseq, "INVITE" }
}
func supported(m *Msg)   { m.Supported100rel = true }
func require100(m *Msg)  { m.Require100rel = true }
func inDialog(m *Msg)    { m.InDialog = true }
func withSDPBody(m *Msg) { m.SDP, m.ContentType, m.Body = true, "application/sdp", testSDP }
func noBody(m *Msg)      { m.SDP, m.ContentType, m.Body = false, "", nil }
func tagged(t string) func(*Msg) {
	return func(m *Msg) { m.Tag = t }
}
func withBody(ct, disp string, body []byte) func(*Msg) {
	return func(m *Msg) { m.ContentType, m.Disposition, m.Body, m.SDP = ct, disp, body, false }
}

// ---------------------------------------------------------------------------
// ISUP messages as they come out of the decoder.

func wire(tb testing.TB, m *isup.Message) *isup.Message {
	tb.Helper()
	b, err := m.Append(nil)
	if err != nil {
		tb.Fatalf("encode %v: %v", m.Type, err)
	}
	var d isup.Message
	if err := d.Decode(b, m.Variant); err != nil {
		tb.Fatalf("decode %v: %v", m.Type, err)
	}
	return &d
}

func acmMsg(tb testing.TB, st isup.CalledPartysStatus, inBand bool) *isup.Message {
	m := isup.New(isup.ITU, isup.ACM, 1)
	m.Set(&isup.BackwardCallIndicators{CalledStatus: st, Charge: isup.ChargeIndCharge})
	if inBand {
		m.Set(&isup.OptionalBackwardCallIndicators{InBandInformation: true})
	}
	return wire(tb, m)
}

func cpgMsg(tb testing.TB, ev isup.EventIndicator) *isup.Message {
	m := isup.New(isup.ITU, isup.CPG, 1)
	m.Set(&isup.EventInformation{Event: ev})
	return wire(tb, m)
}

func anmMsg(tb testing.TB) *isup.Message { return wire(tb, isup.New(isup.ITU, isup.ANM, 1)) }

func conMsg(tb testing.TB) *isup.Message {
	m := isup.New(isup.ITU, isup.CON, 1)
	m.Set(&isup.BackwardCallIndicators{Charge: isup.ChargeIndCharge})
	return wire(tb, m)
}

func relMsg(tb testing.TB, c isup.Cause, loc isup.Location) *isup.Message {
	m := isup.New(isup.ITU, isup.REL, 1)
	m.Set(&isup.CauseIndicators{Location: loc, Value: c})
	return wire(tb, m)
}

// iamMsg is an IAM to national number digits ("F" ends it with ST) from
// 4011112222, continuity check indicator cc.
func iamMsg(tb testing.TB, digits string, cc uint8) *isup.Message {
	tb.Helper()
	m := isup.New(isup.ITU, isup.IAM, 1)
	m.Set(&isup.NatureOfConnectionIndicators{ContinuityCheck: cc})
	m.Set(&isup.ForwardCallIndicators{ISUPPreference: 0})
	cpc := isup.CategoryOrdinary
	m.Set(&cpc)
	m.Set(&isup.TransmissionMediumRequirement{Medium: isup.TMR3k1Audio})
	m.Set(&isup.CalledPartyNumber{NAI: isup.NAINational, NPI: isup.NPIE164, INN: true, Digits: isup.MustDigits(digits)})
	m.Set(&isup.CallingPartyNumber{NAI: isup.NAINational, NPI: isup.NPIE164, Screening: 3, Digits: isup.MustDigits("4011112222")})
	return wire(tb, m)
}

func samMsg(tb testing.TB, digits string) *isup.Message {
	m := isup.New(isup.ITU, isup.SAM, 1)
	m.Set(&isup.SubsequentNumber{Digits: isup.MustDigits(digits)})
	return wire(tb, m)
}

// Events.

func sipEv(m *Msg) Event { return Event{Kind: EvSIP, SIP: m} }

func indEv(i q764.Indication, m *isup.Message) Event {
	return Event{Kind: EvISUP, ISUP: &q764.Action{Kind: q764.ActIndicate, CIC: 1, Ind: i, Msg: m}}
}

// relInd is the Trunk's own release (no message): T7, T9, COT failure.
func relInd(c isup.Cause) Event {
	return Event{Kind: EvISUP, ISUP: &q764.Action{Kind: q764.ActIndicate, CIC: 1, Ind: q764.IndRelease, Cause: c, Location: isup.LocPublicLocal}}
}

func reattempt(w q764.Why) Event {
	return Event{Kind: EvISUP, ISUP: &q764.Action{Kind: q764.ActIndicate, CIC: 1, Ind: q764.IndReattempt, Why: w}}
}

func onInd(i q764.Indication, m *isup.Message) Event {
	e := indEv(i, m)
	e.ISUP.On = true
	return e
}

func seizedEv(cic uint16) Event { return Event{Kind: EvSeized, CIC: cic} }
func timerEv(t Timer) Event     { return Event{Kind: EvTimer, Timer: t} }

// strs renders actions for comparison.
func strs(acts []Action) []string {
	out := make([]string, len(acts))
	for i, a := range acts {
		out[i] = a.String()
	}
	return out
}

func eqStrs(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func show(s []string) string { return "\n\t" + strings.Join(s, "\n\t") }
