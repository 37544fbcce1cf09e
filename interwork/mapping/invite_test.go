package mapping

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/emiago/sipgo/sip"
	"github.com/sipgw/sipgw/isup"
	"gopkg.in/yaml.v3"
)

func testTrunk(t testing.TB, mod func(*TrunkConfig)) *Trunk {
	t.Helper()
	c := TrunkConfig{Numbering: de}
	if mod != nil {
		mod(&c)
	}
	tr, err := c.Compile("trunk")
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func sampleInvite(t testing.TB) Invite {
	t.Helper()
	inv := Invite{
		From:        `"Bob" <sip:+494011112222@pbx.example;user=phone>;tag=9fx`,
		To:          `<sip:+4930123456@gw.example;user=phone>`,
		PAI:         []string{`<sip:+494011110000;cpc=payphone@pbx.example;user=phone>`},
		MaxForwards: 20,
		HistoryInfo: []string{`<sip:+4930999@gw.example;user=phone>;index=1, <sip:+4930123456@gw.example;user=phone;cause=486>;index=1.1;mp=1`},
	}
	if err := sip.ParseUri("sip:+4930123456@gw.example;user=phone", &inv.RequestURI); err != nil {
		t.Fatal(err)
	}
	return inv
}

// decodeIAM encodes m as a SIP-I body would carry it and decodes it again
// with the isup codec, so that the checks read what goes on the wire.
func decodeWire(t *testing.T, m *isup.Message) *isup.Message {
	t.Helper()
	b, err := m.AppendBody(nil)
	if err != nil {
		t.Fatalf("%v: encode: %v", m.Type, err)
	}
	var out isup.Message
	if err := out.DecodeBody(b, m.Variant); err != nil {
		t.Fatalf("%v: decode: %v (%x)", m.Type, err, b)
	}
	if out.NonCanonical {
		t.Errorf("%v: non-canonical encoding", m.Type)
	}
	return &out
}

func get[T any, P interface {
	*T
	isup.Value
}](t *testing.T, m *isup.Message) (T, bool) {
	t.Helper()
	var v T
	ok, err := m.Get(P(&v))
	if err != nil {
		t.Fatalf("%v: %v", m.Type, err)
	}
	return v, ok
}

func TestBuildIAMDefaults(t *testing.T) {
	tr := testTrunk(t, nil)
	inv := sampleInvite(t)
	res, err := tr.BuildIAM(&inv, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 0 {
		t.Errorf("changes %v", res.Changes)
	}
	m := decodeWire(t, res.IAM)
	nci, _ := get[isup.NatureOfConnectionIndicators](t, m)
	if nci.Satellite != 0 || nci.ContinuityCheck != 0 || nci.EchoControlDevice {
		t.Errorf("NCI %+v", nci)
	}
	fci, _ := get[isup.ForwardCallIndicators](t, m)
	if !fci.Interworking || fci.ISUPPreference != isup.ISUPPreferredAllTheWay || fci.International || fci.ISUPAllTheWay {
		t.Errorf("FCI %+v", fci)
	}
	if cpc, _ := get[isup.CallingPartysCategory](t, m); cpc != isup.CategoryPayphone {
		t.Errorf("CPC %#x (cpc=payphone in PAI)", cpc)
	}
	if tmr, _ := get[isup.TransmissionMediumRequirement](t, m); tmr.Medium != isup.TMR3k1Audio {
		t.Errorf("TMR %d", tmr.Medium)
	}
	cd, _ := get[isup.CalledPartyNumber](t, m)
	if cd.NAI != isup.NAIInternational || cd.NPI != isup.NPIE164 || cd.Digits.String() != "4930123456" || !cd.INN {
		t.Errorf("CdPN %+v %s", cd, cd.Digits)
	}
	cg, _ := get[isup.CallingPartyNumber](t, m)
	if cg.NAI != isup.NAIInternational || cg.Digits.String() != "494011110000" || cg.APRI != isup.APRIAllowed || cg.Screening != isup.ScreeningNetworkProvided {
		t.Errorf("CgPN %+v %s", cg, cg.Digits)
	}
	gn, ok := get[isup.GenericNumber](t, m)
	if !ok || gn.Qualifier != isup.NQIAdditionalCalling || gn.Digits.String() != "494011112222" || gn.Screening != isup.ScreeningUserNotVerified {
		t.Errorf("GN %+v", gn)
	}
	rn, _ := get[isup.RedirectingNumber](t, m)
	ri, _ := get[isup.RedirectionInformation](t, m)
	if rn.Digits.String() != "4930999" || ri.Reason != isup.RedirReasonUserBusy || ri.Counter != 1 || ri.Indicator != isup.RedirDiverted {
		t.Errorf("redirection %s %+v", rn.Digits, ri)
	}
	if m.Has(isup.ParamOriginalCalledNumber) {
		t.Error("OCN after one diversion")
	}
	if h, _ := get[isup.HopCounter](t, m); h.Count != 20 {
		t.Errorf("hop counter %d", h.Count)
	}
}

func TestBuildIAMOverrides(t *testing.T) {
	cpc, tmr := 0x0d, 0
	tr := testTrunk(t, func(c *TrunkConfig) {
		c.IAM = IAMDefaults{Satellite: 1, EchoControl: true, International: true, ISUPPreference: 2, ISDNAccess: true, CPC: &cpc, TMR: &tmr, NoHopCounter: true}
		c.Numbering.CalledNAI = "national"
		c.Numbering.EndOfPulsing = true
	})
	inv := sampleInvite(t)
	inv.PAI = nil
	inv.HistoryInfo = nil
	inv.From = AnonymousFrom
	inv.Privacy = "id"
	res, err := tr.BuildIAM(&inv, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := decodeWire(t, res.IAM)
	nci, _ := get[isup.NatureOfConnectionIndicators](t, m)
	fci, _ := get[isup.ForwardCallIndicators](t, m)
	if nci.Satellite != 1 || !nci.EchoControlDevice || !fci.International || fci.ISUPPreference != 2 || !fci.ISDNAccess {
		t.Errorf("NCI %+v FCI %+v", nci, fci)
	}
	if c, _ := get[isup.CallingPartysCategory](t, m); c != 0x0d {
		t.Errorf("CPC %#x", c)
	}
	if x, _ := get[isup.TransmissionMediumRequirement](t, m); x.Medium != 0 {
		t.Errorf("TMR %d", x.Medium)
	}
	cd, _ := get[isup.CalledPartyNumber](t, m)
	if cd.NAI != isup.NAINational || cd.Digits.String() != "30123456F" {
		t.Errorf("CdPN %d %s", cd.NAI, cd.Digits)
	}
	cg, _ := get[isup.CallingPartyNumber](t, m)
	if cg.APRI != isup.APRINotAvailable || cg.Digits.Len() != 0 || cg.Screening != isup.ScreeningNetworkProvided {
		t.Errorf("CgPN %+v", cg)
	}
	if m.Has(isup.ParamHopCounter) || m.Has(isup.ParamRedirectingNumber) || m.Has(isup.ParamGenericNumber) {
		t.Error("unexpected optional parameters")
	}
}

func TestBuildIAMErrors(t *testing.T) {
	tr := testTrunk(t, func(c *TrunkConfig) { c.Numbering.MinDigits = 8 })
	inv := sampleInvite(t)
	_ = sip.ParseUri("sip:0301@gw.example", &inv.RequestURI)
	_, err := tr.BuildIAM(&inv, nil)
	var ne *NumberError
	if !errors.As(err, &ne) || ne.Status() != 484 {
		t.Errorf("short number: %v", err)
	}
	_ = sip.ParseUri("sip:alice@gw.example", &inv.RequestURI)
	if _, err := tr.BuildIAM(&inv, nil); !errors.Is(err, ErrNotNumeric) {
		t.Errorf("alice: %v", err)
	}
	// To instead of the Request-URI.
	tr2 := testTrunk(t, func(c *TrunkConfig) { c.IAM.CalledFromTo = true })
	res, err := tr2.BuildIAM(&inv, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cd, _ := get[isup.CalledPartyNumber](t, res.IAM); cd.Digits.String() != "4930123456" {
		t.Errorf("from To: %s", cd.Digits)
	}
}

// A SIP-I IAM as base: every parameter survives, unknown ones byte for
// byte; the called number follows a retargeted Request-URI; the hop counter
// counts this exchange; a continuity check request is cleared.
func TestTransitIAMKeepsParameters(t *testing.T) {
	tr := testTrunk(t, func(c *TrunkConfig) { c.SIP.Profile = "sip-i" })
	base := isup.New(isup.ITU, isup.IAM, 0)
	base.Set(&isup.NatureOfConnectionIndicators{Satellite: 1, ContinuityCheck: 1})
	base.Set(&isup.ForwardCallIndicators{International: true, ISUPAllTheWay: true, ISUPPreference: 2})
	cpc := isup.CategoryTestCall
	base.Set(&cpc)
	base.Set(&isup.TransmissionMediumRequirement{Medium: isup.TMR64kUnrestricted})
	cd, _ := isup.NewCalledPartyNumber(isup.NAIInternational, "4930111111")
	base.Set(&cd)
	cg, _ := isup.NewCallingPartyNumber(isup.NAINational, "4011110000", isup.APRIRestricted)
	base.Set(&cg)
	base.Set(&isup.HopCounter{Count: 12})
	base.AddOptional(isup.ParamCode(0xfa), []byte{0xde, 0xad, 0xbe, 0xef}) // unknown to us
	base.AddOptional(isup.ParamUserServiceInformation, []byte{0x80, 0x90, 0xa3})
	wire := decodeWire(t, base)

	inv := sampleInvite(t) // Request-URI +4930123456: retargeted
	inv.MaxForwards = 70
	res, err := tr.BuildIAM(&inv, wire)
	if err != nil {
		t.Fatal(err)
	}
	out := decodeWire(t, res.IAM)
	changed := map[isup.ParamCode]bool{}
	for _, c := range res.Changes {
		changed[c.Param] = true
		if c.Why == "" {
			t.Errorf("change of %v without a reason", c.Param)
		}
	}
	if len(changed) != 3 || !changed[isup.ParamCalledPartyNumber] || !changed[isup.ParamHopCounter] || !changed[isup.ParamNatureOfConnectionIndicators] {
		t.Errorf("changes %v", res.Changes)
	}
	for _, p := range wire.Params {
		if changed[p.Code] {
			continue
		}
		got, ok := out.Param(p.Code)
		if !ok || !bytes.Equal(got, p.Data) {
			t.Errorf("parameter %v: %x → %x", p.Code, p.Data, got)
		}
	}
	if c, _ := get[isup.CalledPartyNumber](t, out); c.Digits.String() != "4930123456" {
		t.Errorf("CdPN %s", c.Digits)
	}
	if h, _ := get[isup.HopCounter](t, out); h.Count != 11 {
		t.Errorf("hop %d", h.Count)
	}
	if n, _ := get[isup.NatureOfConnectionIndicators](t, out); n.ContinuityCheck != 0 || n.Satellite != 1 {
		t.Errorf("NCI %+v", n)
	}
	// PAI/From of the INVITE do not replace the encapsulated CgPN.
	if c, _ := get[isup.CallingPartyNumber](t, out); c.APRI != isup.APRIRestricted || c.Digits.String() != "4011110000" {
		t.Errorf("CgPN %+v", c)
	}
	// Unchanged Request-URI and Max-Forwards that bind: only the hop counter moves.
	_ = sip.ParseUri("sip:+4930111111@gw;user=phone", &inv.RequestURI)
	inv.MaxForwards = 5
	wire2 := decodeWire(t, &isup.Message{Variant: wire.Variant, Type: wire.Type, Params: wire.Params})
	nci := isup.NatureOfConnectionIndicators{Satellite: 1}
	wire2.Set(&nci)
	res, err = tr.BuildIAM(&inv, decodeWire(t, wire2))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 1 || res.Changes[0].Param != isup.ParamHopCounter {
		t.Errorf("changes %v", res.Changes)
	}
	if h, _ := get[isup.HopCounter](t, res.IAM); h.Count != 5 {
		t.Errorf("hop %d, want 5 from Max-Forwards", h.Count)
	}
}

func TestInviteFromIAM(t *testing.T) {
	tr := testTrunk(t, func(c *TrunkConfig) { c.SIP.Redirection = "both" })
	m := isup.New(isup.ITU, isup.IAM, 0)
	m.Set(&isup.NatureOfConnectionIndicators{})
	m.Set(&isup.ForwardCallIndicators{})
	cpc := isup.CategoryPayphone
	m.Set(&cpc)
	m.Set(&isup.TransmissionMediumRequirement{})
	cd, _ := isup.NewCalledPartyNumber(isup.NAINational, "30123456F")
	m.Set(&cd)
	cg, _ := isup.NewCallingPartyNumber(isup.NAINational, "4011110000", isup.APRIRestricted)
	m.Set(&cg)
	rn, _ := isup.NewRedirectingNumber(isup.NAINational, "30999", isup.APRIAllowed)
	m.Set(&rn)
	m.Set(&isup.RedirectionInformation{Indicator: isup.RedirDiverted, Counter: 1, Reason: isup.RedirReasonNoReply, OriginalReason: isup.RedirReasonNoReply})
	m.Set(&isup.HopCounter{Count: 9})
	inv, err := tr.InviteFromIAM(decodeWire(t, m))
	if err != nil {
		t.Fatal(err)
	}
	if inv.RequestURI.String() != "sip:+4930123456@gw.example;user=phone" || inv.To != "<sip:+4930123456@gw.example;user=phone>" {
		t.Errorf("R-URI %s To %s", inv.RequestURI.String(), inv.To)
	}
	if inv.From != AnonymousFrom || inv.Privacy != "id" || len(inv.PAI) != 1 || inv.PAI[0] != "<sip:+494011110000;cpc=payphone@gw.example;user=phone>" {
		t.Errorf("identity From %s PAI %v Privacy %s", inv.From, inv.PAI, inv.Privacy)
	}
	if inv.MaxForwards != 9 {
		t.Errorf("Max-Forwards %d", inv.MaxForwards)
	}
	if len(inv.HistoryInfo) != 2 || !strings.Contains(inv.HistoryInfo[1], "cause=408") || len(inv.Diversion) != 1 || !strings.Contains(inv.Diversion[0], "reason=no-answer") {
		t.Errorf("HI %q Diversion %q", inv.HistoryInfo, inv.Diversion)
	}
	// Without a called party number there is no INVITE.
	m.Remove(isup.ParamCalledPartyNumber)
	if _, err := tr.InviteFromIAM(m); err == nil {
		t.Error("IAM without CdPN mapped")
	}
}

// INVITE → IAM → INVITE keeps the numbers, the privacy, cpc and the
// redirection; and the INVITE survives sipgo (NewRequest/InviteFromRequest).
func TestRoundTripInviteIAMInvite(t *testing.T) {
	for _, redir := range []string{"history-info", "diversion"} {
		tr := testTrunk(t, func(c *TrunkConfig) { c.SIP.Redirection = redir })
		for _, tc := range []struct {
			name    string
			mod     func(*Invite)
			from    string
			pai     string
			privacy string
		}{
			{"asserted, allowed", func(*Invite) {}, "<sip:+494011112222@gw.example;user=phone>", "<sip:+494011110000;cpc=payphone@gw.example;user=phone>", ""},
			{"restricted", func(i *Invite) { i.Privacy = "id"; i.From = AnonymousFrom }, AnonymousFrom, "<sip:+494011110000;cpc=payphone@gw.example;user=phone>", "id"},
			{"From only", func(i *Invite) { i.PAI = nil }, "<sip:+494011112222@gw.example;user=phone>", "", ""},
		} {
			inv := sampleInvite(t)
			tc.mod(&inv)
			if redir == "diversion" {
				inv.HistoryInfo = nil
				inv.Diversion = []string{"<sip:+4930999@gw.example;user=phone>;reason=user-busy;counter=1"}
			}
			req, err := inv.NewRequest()
			if err != nil {
				t.Fatal(err)
			}
			in := InviteFromRequest(req)
			res, err := tr.BuildIAM(&in, nil)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			back, err := tr.InviteFromIAM(decodeWire(t, res.IAM))
			if err != nil {
				t.Fatal(err)
			}
			label := redir + "/" + tc.name
			if back.RequestURI.String() != "sip:+4930123456@gw.example;user=phone" {
				t.Errorf("%s: R-URI %s", label, back.RequestURI.String())
			}
			if back.From != tc.from || strings.Join(back.PAI, ",") != tc.pai || back.Privacy != tc.privacy {
				t.Errorf("%s: From %s PAI %v Privacy %q", label, back.From, back.PAI, back.Privacy)
			}
			if back.MaxForwards != 20 {
				t.Errorf("%s: Max-Forwards %d", label, back.MaxForwards)
			}
			var r Redirection
			if redir == "diversion" {
				r, err = RedirectionFromDiversion(back.Diversion, &de)
			} else {
				r, err = RedirectionFromHistoryInfo(back.HistoryInfo, &de)
			}
			if err != nil || r.Redirecting.Digits.String() != "4930999" || r.Info.Reason != isup.RedirReasonUserBusy || r.Info.Counter != 1 {
				t.Errorf("%s: redirection %+v %v (%q %q)", label, r, err, back.HistoryInfo, back.Diversion)
			}
			// And once more to ISUP: the same IAM.
			again, err := tr.BuildIAM(&back, nil)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := res.IAM.AppendBody(nil)
			b, _ := again.IAM.AppendBody(nil)
			if tc.name != "asserted, allowed" && !bytes.Equal(a, b) {
				// (with PAI and a different From the From becomes the
				// additional calling number and survives as such)
				t.Errorf("%s: IAM → INVITE → IAM differs:\n%x\n%x", label, a, b)
			}
		}
	}
}

func TestISUPForResponse(t *testing.T) {
	tr := testTrunk(t, nil)
	none, sent := CallProgress{}, CallProgress{ACMSent: true}
	type want struct {
		typ    isup.MessageType
		status isup.CalledPartysStatus
		event  isup.EventIndicator
		inBand bool
		cause  isup.Cause
	}
	for _, tc := range []struct {
		name   string
		tr     *Trunk
		st     CallProgress
		status int
		sdp    bool
		pem    bool
		w      *want
	}{
		{"first 180", tr, none, 180, false, false, &want{typ: isup.ACM, status: isup.SubscriberFree}},
		{"first 183", tr, none, 183, false, false, &want{typ: isup.ACM, status: isup.CalledStatusNoIndication}},
		{"first 183 with SDP", tr, none, 183, true, false, &want{typ: isup.ACM, status: isup.CalledStatusNoIndication, inBand: true}},
		{"180 after 183", tr, sent, 180, false, false, &want{typ: isup.CPG, event: isup.EventAlerting}},
		{"later 183 with media", tr, sent, 183, true, false, &want{typ: isup.CPG, event: isup.EventInBandInformation, inBand: true}},
		{"later 183", tr, sent, 183, false, false, &want{typ: isup.CPG, event: isup.EventProgress}},
		{"200 after ACM", tr, sent, 200, false, false, &want{typ: isup.ANM}},
		{"200 without 18x", tr, none, 200, false, false, &want{typ: isup.CON}},
		{"486", tr, sent, 486, false, false, &want{typ: isup.REL, cause: 17}},
		{"404", tr, none, 404, false, false, &want{typ: isup.REL, cause: 1}},
		{"302 not followed", tr, none, 302, false, false, &want{typ: isup.REL, cause: 18}},
		{"487", tr, sent, 487, false, false, nil},
		{"491", tr, sent, 491, false, false, nil},
		{"100", tr, none, 100, false, false, nil},
		{"183 never", testTrunk(t, func(c *TrunkConfig) { c.Backward.ACMOn183 = "never" }), none, 183, true, true, nil},
		{"183 without P-Early-Media", testTrunk(t, func(c *TrunkConfig) { c.Backward.ACMOn183 = "p-early-media" }), none, 183, true, false, nil},
		{"183 with P-Early-Media", testTrunk(t, func(c *TrunkConfig) { c.Backward.ACMOn183 = "p-early-media" }), none, 183, false, true, &want{typ: isup.ACM, inBand: true}},
	} {
		m, err := tc.tr.ISUPForResponse(tc.st, tc.status, tc.sdp, tc.pem, 0, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if tc.w == nil {
			if m != nil {
				t.Errorf("%s: %v, want nothing", tc.name, m.Type)
			}
			continue
		}
		if m == nil || m.Type != tc.w.typ {
			t.Errorf("%s: %v, want %v", tc.name, m, tc.w.typ)
			continue
		}
		w := decodeWire(t, m)
		switch w.Type {
		case isup.ACM, isup.CON, isup.ANM:
			bci, ok := get[isup.BackwardCallIndicators](t, w)
			if !ok || !bci.Interworking || w.Type == isup.ACM && (bci.CalledStatus != tc.w.status || bci.Charge != isup.ChargeIndCharge) {
				t.Errorf("%s: BCI %+v", tc.name, bci)
			}
		case isup.CPG:
			if ev, _ := get[isup.EventInformation](t, w); ev.Event != tc.w.event {
				t.Errorf("%s: event %v", tc.name, ev.Event)
			}
		case isup.REL:
			ci, _ := get[isup.CauseIndicators](t, w)
			if ci.Value != tc.w.cause || ci.Location != isup.LocNetworkBeyondInterworking {
				t.Errorf("%s: cause %d location %d", tc.name, ci.Value, ci.Location)
			}
		}
		obci, _ := get[isup.OptionalBackwardCallIndicators](t, w)
		if obci.InBandInformation != tc.w.inBand {
			t.Errorf("%s: in-band %v", tc.name, obci.InBandInformation)
		}
	}
	// Edge case: 183 before 180 → ACM (no indication) then CPG alerting.
	st := CallProgress{}
	m1, _ := tr.ISUPForResponse(st, 183, false, false, 0, "", nil)
	st.ACMSent = m1 != nil && m1.Type == isup.ACM
	m2, _ := tr.ISUPForResponse(st, 180, false, false, 0, "", nil)
	if m1 == nil || m1.Type != isup.ACM || m2 == nil || m2.Type != isup.CPG {
		t.Errorf("183 then 180: %v then %v", m1, m2)
	}
	// A Reason header and an encapsulated REL reach the REL.
	m, _ := tr.ISUPForResponse(sent, 486, false, false, 0, "Q.850;cause=34", nil)
	if ci, _ := get[isup.CauseIndicators](t, m); ci.Value != 34 {
		t.Errorf("Reason: %d", ci.Value)
	}
	enc := tr.REL(isup.CauseIndicators{Location: isup.LocUser, Value: 21})
	m, _ = tr.ISUPForResponse(sent, 486, false, false, 0, "Q.850;cause=34", decodeWire(t, enc))
	if ci, _ := get[isup.CauseIndicators](t, m); ci.Value != 21 || ci.Location != isup.LocUser {
		t.Errorf("encapsulated: %+v", ci)
	}
}

func TestResponseFor(t *testing.T) {
	tr := testTrunk(t, nil)
	msg := func(typ isup.MessageType, vals ...isup.Value) *isup.Message {
		m := isup.New(isup.ITU, typ, 0)
		for _, v := range vals {
			m.Set(v)
		}
		return decodeWire(t, m)
	}
	rn, _ := isup.NewRedirectionNumber(isup.NAINational, "30555")
	for _, tc := range []struct {
		name string
		m    *isup.Message
		want Response
	}{
		{"ACM subscriber free", msg(isup.ACM, &isup.BackwardCallIndicators{CalledStatus: isup.SubscriberFree}), Response{Status: 180}},
		{"ACM no indication", msg(isup.ACM, &isup.BackwardCallIndicators{}), Response{Status: 183}},
		{"ACM in-band", msg(isup.ACM, &isup.BackwardCallIndicators{CalledStatus: isup.SubscriberFree}, &isup.OptionalBackwardCallIndicators{InBandInformation: true}), Response{Status: 183, EarlyMedia: true}},
		{"CPG alerting", msg(isup.CPG, &isup.EventInformation{Event: isup.EventAlerting}), Response{Status: 180}},
		{"CPG alerting in-band", msg(isup.CPG, &isup.EventInformation{Event: isup.EventAlerting}, &isup.OptionalBackwardCallIndicators{InBandInformation: true}), Response{Status: 183, EarlyMedia: true}},
		{"CPG progress", msg(isup.CPG, &isup.EventInformation{Event: isup.EventProgress}), Response{Status: 183}},
		{"CPG in-band", msg(isup.CPG, &isup.EventInformation{Event: isup.EventInBandInformation}), Response{Status: 183, EarlyMedia: true}},
		{"CPG forwarded", msg(isup.CPG, &isup.EventInformation{Event: isup.EventForwardedOnBusy}), Response{Status: 181}},
		{"ANM", msg(isup.ANM), Response{Status: 200}},
		{"CON", msg(isup.CON, &isup.BackwardCallIndicators{}), Response{Status: 200}},
		{"REL 17", msg(isup.REL, &isup.CauseIndicators{Location: isup.LocPublicRemote, Value: 17}), Response{Status: 486, Reason: `Q.850;cause=17;text="user busy"`}},
		{"REL 21 user", msg(isup.REL, &isup.CauseIndicators{Location: isup.LocUser, Value: 21}), Response{Status: 603, Reason: `Q.850;cause=21;text="call rejected"`}},
		{"REL 21 network", msg(isup.REL, &isup.CauseIndicators{Location: isup.LocTransit, Value: 21}), Response{Status: 403, Reason: `Q.850;cause=21;text="call rejected"`}},
		{"REL 22 new number", msg(isup.REL, &isup.CauseIndicators{Value: 22}, &rn), Response{Status: 301, Reason: `Q.850;cause=22;text="number changed"`, Contact: "sip:+4930555@gw.example;user=phone"}},
		{"REL 22", msg(isup.REL, &isup.CauseIndicators{Value: 22}), Response{Status: 410, Reason: `Q.850;cause=22;text="number changed"`}},
		{"REL 16", msg(isup.REL, &isup.CauseIndicators{Value: 16}), Response{Status: 480, ByeOrCancel: true, Reason: `Q.850;cause=16;text="normal call clearing"`}},
		{"REL 102", msg(isup.REL, &isup.CauseIndicators{Value: 102}), Response{Status: 504, Reason: `Q.850;cause=102;text="recovery on timer expiry"`}},
		{"SAM", msg(isup.SAM, func() isup.Value { s, _ := isup.NewSubsequentNumber("1"); return &s }()), Response{}},
	} {
		got, err := tr.ResponseFor(tc.m)
		if err != nil || got != tc.want {
			t.Errorf("%s: %+v %v, want %+v", tc.name, got, err, tc.want)
		}
	}
	if _, err := tr.ResponseFor(isup.New(isup.ITU, isup.REL, 0)); err == nil {
		t.Error("REL without cause mapped")
	}
	if _, err := tr.ResponseFor(isup.New(isup.ITU, isup.CPG, 0)); err == nil {
		t.Error("CPG without event mapped")
	}
}

func TestTrunkConfigYAML(t *testing.T) {
	const doc = `
variant: itu
causes: {profile: q1912.5, sip_to_isup: {486: 34}}
numbering: {country_code: "49", national_prefix: "0", international_prefix: "00", called_nai: national, host: gw.example}
identity: {pai_screening: 1, cpc: {operator: 2}}
hop: {scale: 2}
iam: {satellite: 1, cpc: 11, tmr: 0}
backward: {acm_on_183: p-early-media, charge: 0}
sip: {profile: sip-i, handling: required, redirection: diversion}
`
	var c TrunkConfig
	if err := yaml.Unmarshal([]byte(doc), &c); err != nil {
		t.Fatal(err)
	}
	tr, err := c.Compile("trunks[0]")
	if err != nil {
		t.Fatal(err)
	}
	if tr.Causes.Name != Q19125 || tr.EarlyMedia != EarlyACMWithPEarlyMedia || tr.Redirection != RedirectDiversion || tr.Profile.Kind != SIPI || !tr.Profile.Required || tr.cpc != 11 || tr.tmr != 0 || tr.charge != 0 || tr.Config.Hop.Scale != 2 {
		t.Errorf("%+v", tr)
	}
	bad := TrunkConfig{Variant: "q767", IAM: IAMDefaults{Satellite: 3, ISUPPreference: 5, CPC: ptr(300)}, Backward: BackwardConfig{ACMOn183: "sometimes", Charge: ptr(4)},
		SIP: SIPConfig{Profile: "h323", Handling: "maybe", Redirection: "carrier-pigeon", Version: "ansi00"}, Numbering: NumberingConfig{CountryCode: "x"}, Identity: IdentityConfig{FromScreening: ptr(4)}, Hop: HopConfig{Scale: 100}}
	_, err = bad.Compile("trunks[7]")
	if err == nil {
		t.Fatal("no error")
	}
	for _, f := range []string{"trunks[7].variant", "trunks[7].iam.satellite", "trunks[7].iam.isup_preference", "trunks[7].iam.cpc", "trunks[7].backward.acm_on_183", "trunks[7].backward.charge",
		"trunks[7].sip.profile", "trunks[7].sip.handling", "trunks[7].sip.redirection", "trunks[7].sip.version", "trunks[7].numbering.country_code", "trunks[7].identity.from_screening", "trunks[7].hop.scale"} {
		if !strings.Contains(err.Error(), f+":") {
			t.Errorf("error does not name %s:\n%v", f, err)
		}
	}
}
