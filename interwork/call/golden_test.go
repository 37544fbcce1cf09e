package call

import (
	"bytes"
	"strings"
	"testing"

	"github.com/sipgw/sipgw/interwork/mapping"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/q764"
	"github.com/sipgw/sipgw/isup/sipi"
)

// Golden tests: a whole call through the world (the real q764 Trunks back
// to back), the message that comes out of the gateway decoded from the
// wire and checked field by field.

// lastWire returns the latest ISUP message of type typ that crossed toward
// the PSTN (toPSTN) or toward the gateway.
func (w *world) lastWire(toPSTN bool, typ isup.MessageType) *isup.Message {
	for i := len(w.wire) - 1; i >= 0; i-- {
		if w.wire[i].toPSTN == toPSTN && w.wire[i].m.Type == typ {
			return w.wire[i].m
		}
	}
	w.tb.Fatalf("no %v toward %s crossed", typ, map[bool]string{true: "the PSTN", false: "the gateway"}[toPSTN])
	return nil
}

func (w *world) countWire(toPSTN bool, typ isup.MessageType) int {
	n := 0
	for _, x := range w.wire {
		if x.toPSTN == toPSTN && x.m.Type == typ {
			n++
		}
	}
	return n
}

// pstnDo makes the PSTN's call user request r on its (only) call.
func (w *world) pstnDo(r q764.Request) {
	if r.CIC == 0 {
		for cic := range w.pu.calls {
			r.CIC = cic
		}
	}
	w.pstn.Request(w.now, r)
	w.pump()
	w.flush()
}

// uasRespond sends a response of the UAS peer, which keeps track of it.
func (w *world) uasRespond(m Msg) {
	if inv := w.uas.invs[m.CSeq]; inv != nil && m.Method == INVITE {
		if m.Status < 200 {
			inv.prov = true
		} else if inv.final == 0 {
			inv.final = m.Status
		}
		if m.Status >= 200 && m.Status < 300 {
			w.uas.answered[m.Tag] = true
		}
	}
	w.sip(m)
}

// sipStatuses lists what the call sent, compactly.
func (w *world) sipSent() []string {
	var out []string
	for _, m := range w.sipOut {
		out = append(out, (&m).String())
	}
	return out
}

func getParam[T any, P interface {
	*T
	isup.Value
}](t *testing.T, m *isup.Message) T {
	t.Helper()
	var v T
	if ok, err := m.Get(P(&v)); !ok || err != nil {
		t.Fatalf("%v: parameter %T missing or bad: %v", m.Type, v, err)
	}
	return v
}

// decodeBodyISUP returns the ISUP message of a SIP-I body.
func decodeBodyISUP(t *testing.T, m Msg) *isup.Message {
	t.Helper()
	b, err := sipi.Decode(m.ContentType, m.Body)
	if err != nil {
		t.Fatalf("body of %v: %v", m.String(), err)
	}
	p := b.ISUP()
	if p == nil {
		t.Fatalf("no application/ISUP part in %v", m.String())
	}
	var im isup.Message
	if err := p.DecodeISUP(&im); err != nil {
		t.Fatal(err)
	}
	return &im
}

// TestGoldenSIPToISUPPlain: INVITE in, the IAM out decoded and checked;
// then ACM, ANM, BYE through to RLC.
func TestGoldenSIPToISUPPlain(t *testing.T) {
	w := newWorld(t, SIPToISUP, trunkOf(t, nil, nil), nil)
	inv := inviteMsg(t, 1, ruri, func(m *Msg) {
		m.Invite.MaxForwards = 20
		m.Invite.HistoryInfo = []string{`<sip:+4930999@gw.example;user=phone>;index=1, <sip:+4930123456@gw.example;user=phone;cause=486>;index=1.1;mp=1`}
	})
	w.sip(*inv)
	w.flush()
	iam := w.lastWire(true, isup.IAM)
	cd := getParam[isup.CalledPartyNumber](t, iam)
	if cd.NAI != isup.NAIInternational || cd.NPI != isup.NPIE164 || !cd.INN || cd.Digits.String() != "4930123456" {
		t.Errorf("called party number %+v %s", cd, cd.Digits.String())
	}
	cg := getParam[isup.CallingPartyNumber](t, iam)
	if cg.NAI != isup.NAIInternational || cg.Screening != 3 || cg.APRI != isup.APRIAllowed || cg.Digits.String() != "494011112222" {
		t.Errorf("calling party number %+v %s", cg, cg.Digits.String())
	}
	if cpc := getParam[isup.CallingPartysCategory](t, iam); cpc != isup.CategoryOrdinary {
		t.Errorf("CPC %v", cpc)
	}
	if tmr := getParam[isup.TransmissionMediumRequirement](t, iam); tmr.Medium != isup.TMR3k1Audio {
		t.Errorf("TMR %v", tmr.Medium)
	}
	if fci := getParam[isup.ForwardCallIndicators](t, iam); !fci.Interworking {
		t.Errorf("FCI %+v", fci)
	}
	if h := getParam[isup.HopCounter](t, iam); h.Count == 0 || h.Count > 20 {
		t.Errorf("hop counter %d from Max-Forwards 20", h.Count)
	}
	rn := getParam[isup.RedirectingNumber](t, iam)
	if rn.Digits.String() != "4930999" {
		t.Errorf("redirecting number %s", rn.Digits.String())
	}
	ri := getParam[isup.RedirectionInformation](t, iam)
	if ri.Reason != 1 || ri.Counter != 1 { // user busy (cause=486), one diversion
		t.Errorf("redirection information %+v", ri)
	}

	w.pstnDo(q764.Request{Kind: q764.ReqACM, Msg: backward(isup.ITU, isup.ACM, isup.SubscriberFree, false)})
	w.pstnDo(q764.Request{Kind: q764.ReqANM, Msg: isup.New(isup.ITU, isup.ANM, 0)})
	w.sip(Msg{Method: ACK, CSeq: 1})
	w.sip(Msg{Method: BYE, CSeq: 2, InDialog: true})
	w.flush()
	rel := w.lastWire(true, isup.REL)
	if ci := getParam[isup.CauseIndicators](t, rel); ci.Value != isup.CauseNormalClearing || ci.Location != isup.LocNetworkBeyondInterworking {
		t.Errorf("REL cause %v location %v", ci.Value, ci.Location)
	}
	if w.countWire(false, isup.RLC) != 1 {
		t.Error("no RLC came back")
	}
	want := []string{"100 INVITE/1", "180 INVITE/1", "200 INVITE/1 sdp", "200 BYE/2"}
	if got := w.sipSent(); !eqStrs(got, want) {
		t.Errorf("SIP sent %v, want %v", got, want)
	}
	if !w.call.Finished() || w.cdr.Status != 200 || w.cdr.Cause != 16 || w.cdr.ReleasedBy != PartySIP || w.cdr.Called != "4930123456" || w.cdr.Calling != "494011112222" {
		t.Errorf("CDR %+v", w.cdr)
	}
	w.settle()
	w.check()
}

// TestGoldenSIPITransparency: a SIP-I INVITE's IAM is the base of the
// outgoing one: a parameter the SIP headers cannot carry arrives byte for
// byte; the PSTN's REL comes back encapsulated in the final response.
func TestGoldenSIPITransparency(t *testing.T) {
	w := newWorld(t, SIPToISUP, trunkOf(t, sipI, nil), nil)
	base := iamMsg(t, "30123456F", 0)
	uui := []byte{0x01, 0x42, 0x17, 0x99}
	base.AddOptional(isup.ParamUserToUserInformation, uui)
	base.Set(&isup.HopCounter{Count: 12})
	body, err := base.AppendBody(nil)
	if err != nil {
		t.Fatal(err)
	}
	ct, mp, err := sipi.Encode(testSDP, sipi.ISUP{Version: sipi.ITUT92Plus, Base: sipi.ITUT92Plus, Message: body}, "bnd-1")
	if err != nil {
		t.Fatal(err)
	}
	inv := inviteMsg(t, 1, ruri, withBody(ct, "", mp))
	w.sip(*inv)
	w.flush()
	iam := w.lastWire(true, isup.IAM)
	if d, ok := iam.Param(isup.ParamUserToUserInformation); !ok || !bytes.Equal(d, uui) {
		t.Errorf("user-to-user information %x %v, want %x", d, ok, uui)
	}
	if h := getParam[isup.HopCounter](t, iam); h.Count != 11 {
		t.Errorf("hop counter %d, want 11 (decremented)", h.Count)
	}
	if cg := getParam[isup.CallingPartyNumber](t, iam); cg.NAI != isup.NAINational || cg.Digits.String() != "4011112222" {
		t.Errorf("calling number %+v: the base IAM's was replaced", cg)
	}
	if cd := getParam[isup.CalledPartyNumber](t, iam); cd.Digits.String() != "4930123456" || cd.NAI != isup.NAIInternational {
		t.Errorf("called number %s NAI %v: the Request-URI prevails", cd.Digits.String(), cd.NAI)
	}
	w.pstnDo(q764.Request{Kind: q764.ReqRelease, Cause: isup.CauseUserBusy, Location: isup.LocUser})
	last := w.sipOut[len(w.sipOut)-1]
	if last.Status != 486 || !strings.Contains(last.Reason, "cause=17") {
		t.Fatalf("final response %v", last.String())
	}
	rel := decodeBodyISUP(t, last)
	if ci := getParam[isup.CauseIndicators](t, rel); rel.Type != isup.REL || ci.Value != isup.CauseUserBusy || ci.Location != isup.LocUser {
		t.Errorf("encapsulated %v cause %v location %v", rel.Type, ci.Value, ci.Location)
	}
	w.settle()
	w.check()
}

// TestGoldenISUPToSIP: an IAM in, the INVITE out checked; ACM/ANM from
// the SIP responses decoded at the PSTN; REL → BYE with Reason.
func TestGoldenISUPToSIP(t *testing.T) {
	w := newWorld(t, ISUPToSIP, trunkOf(t, sipI, nil), nil)
	iam := pstnIAM("30123456F", 0)
	cpc := isup.CategoryPayphone
	iam.Set(&cpc)
	iam.Set(&isup.CallingPartyNumber{NAI: isup.NAINational, NPI: isup.NPIE164, APRI: isup.APRIRestricted, Screening: 3, Digits: isup.MustDigits("4011112222")})
	iam.Set(&isup.HopCounter{Count: 10})
	iam.Set(&isup.RedirectingNumber{NAI: isup.NAINational, NPI: isup.NPIE164, Digits: isup.MustDigits("30999")})
	iam.Set(&isup.RedirectionInformation{Indicator: 3, Reason: 1, OriginalReason: 1, Counter: 1})
	w.pu.calls[2] = &pcall{cic: 2}
	w.pstn.Request(w.now, q764.Request{Kind: q764.ReqSetup, CIC: 2, Msg: iam})
	w.pump()
	w.flush()
	if len(w.sipOut) == 0 || w.sipOut[0].Method != INVITE {
		t.Fatalf("no INVITE: %v", w.sipSent())
	}
	m := w.sipOut[0]
	inv := m.Invite
	if got := inv.RequestURI.String(); got != ruri {
		t.Errorf("Request-URI %s", got)
	}
	if !strings.Contains(strings.ToLower(inv.From), "anonymous") || inv.Privacy != "id" {
		t.Errorf("From %q Privacy %q for a restricted number", inv.From, inv.Privacy)
	}
	if len(inv.PAI) != 1 || !strings.Contains(inv.PAI[0], "+494011112222") || !strings.Contains(inv.PAI[0], "cpc=payphone") {
		t.Errorf("PAI %v", inv.PAI)
	}
	if inv.MaxForwards != 10 {
		t.Errorf("Max-Forwards %d from hop counter 10", inv.MaxForwards)
	}
	if len(inv.HistoryInfo) == 0 || !strings.Contains(strings.Join(inv.HistoryInfo, ","), "+493099") {
		t.Errorf("History-Info %v", inv.HistoryInfo)
	}
	enc := decodeBodyISUP(t, m)
	arrived := w.lastWire(false, isup.IAM)
	a, _ := arrived.AppendBody(nil)
	b, _ := enc.AppendBody(nil)
	if !bytes.Equal(a, b) {
		t.Errorf("encapsulated IAM %x differs from the one received %x", b, a)
	}

	w.uasRespond(Msg{Method: INVITE, CSeq: 1, Status: 180, Tag: "a1"})
	w.flush()
	acm := w.lastWire(true, isup.ACM)
	if bci := getParam[isup.BackwardCallIndicators](t, acm); bci.CalledStatus != isup.SubscriberFree || !bci.Interworking {
		t.Errorf("ACM BCI %+v", bci)
	}
	ok := Msg{Method: INVITE, CSeq: 1, Status: 200, Tag: "a1"}
	withSDPBody(&ok)
	w.uasRespond(ok)
	w.flush()
	w.lastWire(true, isup.ANM)
	w.pstnDo(q764.Request{Kind: q764.ReqRelease, Cause: isup.CauseNormalClearing, Location: isup.LocUser})
	var bye Msg
	for _, x := range w.sipOut {
		if x.Method == BYE && x.Status == 0 {
			bye = x
		}
	}
	if bye.Tag != "a1" || !strings.Contains(bye.Reason, "cause=16") {
		t.Fatalf("BYE %v", bye.String())
	}
	if r := decodeBodyISUP(t, bye); r.Type != isup.REL {
		t.Errorf("BYE carries %v", r.Type)
	}
	want := []string{"ACK/1 tag=a1"}
	if got := w.sipSent(); !strings.HasPrefix(got[1], want[0]) {
		t.Errorf("SIP sent %v", got)
	}
	w.settle()
	w.check()
	if w.cdr.Status != 200 || w.cdr.ReleasedBy != PartyISUP || w.cdr.CIC != 2 {
		t.Errorf("CDR %+v", w.cdr)
	}
}

// TestGoldenOverlapInvites: IAM and SAMs from the PSTN become RFC 3578
// INVITEs with more and more digits; the earlier ones are cancelled and
// their 484 absorbed.
func TestGoldenOverlapInvites(t *testing.T) {
	tr := trunkOf(t, func(c *mapping.TrunkConfig) { c.Numbering.MinDigits = 4 }, func(c *Config) { c.Overlap = OverlapInvites })
	w := newWorld(t, ISUPToSIP, tr, nil)
	w.pu.calls[1] = &pcall{cic: 1}
	w.pstn.Request(w.now, q764.Request{Kind: q764.ReqSetup, CIC: 1, Msg: pstnIAM("3012", 0)})
	w.pump()
	w.flush()
	for _, d := range []string{"34", "56F"} {
		s := isup.New(isup.ITU, isup.SAM, 0)
		s.Set(&isup.SubsequentNumber{Digits: isup.MustDigits(d)})
		w.pstnDo(q764.Request{Kind: q764.ReqSAM, CIC: 1, Msg: s})
	}
	var uris []string
	cancels := 0
	for _, m := range w.sipOut {
		switch {
		case m.Method == INVITE && m.Status == 0:
			uris = append(uris, m.Invite.RequestURI.User)
		case m.Method == CANCEL:
			cancels++
		}
	}
	if !eqStrs(uris, []string{"+493012", "+49301234", "+4930123456"}) || cancels != 2 {
		t.Fatalf("INVITEs %v, %d CANCELs", uris, cancels)
	}
	// The UAS peer answered each CANCEL with 487; nothing reached ISUP.
	if w.countWire(true, isup.REL) != 0 || w.call.State() != (State{SIPProceeding, ISUPSetup}) {
		t.Fatalf("state %v, REL sent %d", w.call.State(), w.countWire(true, isup.REL))
	}
	w.uasRespond(Msg{Method: INVITE, CSeq: 3, Status: 180, Tag: "x"})
	w.flush()
	w.lastWire(true, isup.ACM)
	w.settle()
	w.check()
}

// TestGoldenContinuity: no INVITE before the COT; the COT lets it go.
func TestGoldenContinuity(t *testing.T) {
	w := newWorld(t, ISUPToSIP, trunkOf(t, nil, nil), nil)
	w.pu.calls[3] = &pcall{cic: 3}
	w.pstn.Request(w.now, q764.Request{Kind: q764.ReqSetup, CIC: 3, Msg: pstnIAM("30123456F", 1)})
	w.pump()
	w.flush()
	if len(w.sipOut) != 0 || w.call == nil || w.call.State() != (State{SIPIdle, ISUPContinuity}) {
		t.Fatalf("before COT: sent %v", w.sipSent())
	}
	w.pstnDo(q764.Request{Kind: q764.ReqContinuity, CIC: 3, OK: true})
	if len(w.sipOut) != 1 || w.sipOut[0].Method != INVITE {
		t.Fatalf("after COT: sent %v", w.sipSent())
	}
	w.settle()
	w.check()
}

// TestGoldenContinuityFailure: a failed check never reaches SIP; the
// circuits end idle after the PSTN's re-test.
func TestGoldenContinuityFailure(t *testing.T) {
	w := newWorld(t, ISUPToSIP, trunkOf(t, nil, nil), nil)
	w.pu.calls[3] = &pcall{cic: 3}
	w.pstn.Request(w.now, q764.Request{Kind: q764.ReqSetup, CIC: 3, Msg: pstnIAM("30123456F", 1)})
	w.pump()
	w.flush()
	w.pstnDo(q764.Request{Kind: q764.ReqContinuity, CIC: 3, OK: false})
	w.settle()
	if len(w.sipOut) != 0 {
		t.Errorf("SIP sent %v", w.sipSent())
	}
	w.check()
}

// TestGoldenDualSeizure: the IAM meets the PSTN's on a circuit the PSTN
// controls; the call goes again on another circuit, SIP sees nothing.
func TestGoldenDualSeizure(t *testing.T) {
	w := newWorld(t, SIPToISUP, trunkOf(t, nil, nil), nil)
	w.sip(*inviteMsg(t, 1, ruri))
	if cic, ok := w.call.CIC(); !ok || cic != 1 {
		t.Fatalf("first circuit %d %v", cic, ok)
	}
	// The PSTN (lower point code: controls the odd circuits) seizes CIC 1
	// for a call of its own before our IAM arrives.
	w.pu.calls[1] = &pcall{cic: 1}
	w.pstn.Request(w.now, q764.Request{Kind: q764.ReqSetup, CIC: 1, Msg: pstnIAM("4011112222F", 0)})
	w.pump()
	w.flush()
	if cic, ok := w.call.CIC(); !ok || cic != 2 {
		t.Fatalf("repeat attempt on %d %v", cic, ok)
	}
	if n := w.countWire(true, isup.IAM); n != 2 {
		t.Errorf("%d IAMs toward the PSTN", n)
	}
	w.pstnDo(q764.Request{Kind: q764.ReqACM, CIC: 2, Msg: backward(isup.ITU, isup.ACM, isup.SubscriberFree, false)})
	if got := w.sipSent(); !eqStrs(got, []string{"100 INVITE/1", "180 INVITE/1"}) {
		t.Errorf("SIP sent %v", got)
	}
	if w.call.Record().Attempts != 2 {
		t.Errorf("attempts %d", w.call.Record().Attempts)
	}
	w.settle()
	w.check()
}
