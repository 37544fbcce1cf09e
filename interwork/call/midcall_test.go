package call

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/sipgw/sipgw/interwork/mapping"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/q764"
	"github.com/sipgw/sipgw/isup/sipi"
)

// The mid-call messages (mapping.MidCall) and how each reaches the call
// from its Trunk (the q764 indication) and leaves it toward the Trunk
// (the request kind, as Action strings name it). SAM is an address
// message: from the Trunk only on an incoming call before the answer, to
// it only on an outgoing one before ACM (own rows below).
var midCallRows = []struct {
	typ isup.MessageType
	ind q764.Indication
	req string
}{
	{isup.FOT, q764.IndMessage, "message"},
	{isup.SUS, q764.IndSuspend, "suspend"},
	{isup.RES, q764.IndResume, "resume"},
	{isup.FAR, q764.IndMessage, "message"},
	{isup.FAA, q764.IndMessage, "message"},
	{isup.FRJ, q764.IndMessage, "message"},
	{isup.CPG, q764.IndProgress, "cpg"},
	{isup.USR, q764.IndMessage, "message"},
	{isup.CFN, q764.IndConfusion, "message"},
	{isup.NRM, q764.IndMessage, "message"},
	{isup.FAC, q764.IndMessage, "message"},
	{isup.INR, q764.IndInfoReq, "inr"},
	{isup.INF, q764.IndInfo, "inf"},
	{isup.IDR, q764.IndMessage, "message"},
	{isup.IRS, q764.IndMessage, "message"},
	{isup.LPR, q764.IndMessage, "message"},
	{isup.APM, q764.IndMessage, "message"},
	{isup.PRI, q764.IndMessage, "message"},
}

// midISUP is mid-call message typ as the Trunk indicates it: its
// mandatory parameters and an access transport, so that the INFO body can
// be compared octet for octet.
func midISUP(tb testing.TB, typ isup.MessageType) *isup.Message {
	tb.Helper()
	m := isup.Skeleton(isup.ITU, typ, 1)
	switch typ {
	case isup.SUS, isup.RES:
		m.Set(&isup.SuspendResumeIndicators{Indicator: isup.SuspendNetworkInitiated})
	case isup.CPG:
		m.Set(&isup.EventInformation{Event: isup.EventProgress})
	}
	if isup.LayoutOf(isup.ITU, typ).Optional {
		m.SetRaw(isup.ParamAccessTransport, []byte{0x7e, 0x02, 0xa1, byte(typ)})
	}
	return wire(tb, m)
}

// infoWith is an INFO carrying m in application/ISUP with handling h.
func infoWith(tb testing.TB, cseq uint32, m *isup.Message, h string, opts ...func(*Msg)) *Msg {
	tb.Helper()
	b, err := m.AppendBody(nil)
	if err != nil {
		tb.Fatal(err)
	}
	x := sipi.ISUP{Version: sipi.ITUT92Plus, Base: sipi.ITUT92Plus, Required: h == "required", Message: b}
	return req(INFO, cseq, append([]func(*Msg){inDialog, withBody(x.ContentType(), x.Disposition(), b)}, opts...)...)
}

// checkINFO asserts that acts[i] is an INFO whose body is m octet for
// octet, as application/ISUP with version, base and handling=optional.
func checkINFO(t *testing.T, acts []Action, i int, m *isup.Message) {
	t.Helper()
	s := acts[i].SIP
	if s.Method != INFO || s.Status != 0 {
		t.Fatalf("action %d is %v", i, acts[i])
	}
	if s.ContentType != "application/ISUP;version=itu-t92+;base=itu-t92+" || s.Disposition != "signal;handling=optional" {
		t.Errorf("INFO Content-Type %q, Content-Disposition %q", s.ContentType, s.Disposition)
	}
	want, _ := m.AppendBody(nil)
	if !bytes.Equal(s.Body, want) {
		t.Errorf("INFO body % x, want % x", s.Body, want)
	}
}

// checkReq asserts that acts[i] hands the Trunk m (CIC set) octet for octet.
func checkReq(t *testing.T, acts []Action, i int, m *isup.Message, cic uint16) {
	t.Helper()
	r := acts[i].ISUP
	if acts[i].Kind != ActISUP || r.Msg == nil || r.CIC != cic {
		t.Fatalf("action %d is %v", i, acts[i])
	}
	got, _ := r.Msg.AppendBody(nil)
	want, _ := m.AppendBody(nil)
	if !bytes.Equal(got, want) {
		t.Errorf("%v % x, want % x", r.Msg.Type, got, want)
	}
}

// TestMidCallSIPToISUP: a SIP → ISUP call, answered and confirmed, on a
// SIP-I, a SIP-T and a plain trunk: every mid-call message of the ISUP
// side goes in an INFO (nothing on plain SIP), every one in an INFO from
// SIP goes to the Trunk (200 and nothing on plain SIP), with the rows of
// the phases, queueing and bad bodies after them.
func TestMidCallSIPToISUP(t *testing.T) {
	plain := trunkOf(t, nil, nil)
	si := trunkOf(t, sipI, nil)
	st := trunkOf(t, func(c *mapping.TrunkConfig) { c.SIP.Profile = "sip-t" }, nil)
	drop := trunkOf(t, func(c *mapping.TrunkConfig) { c.SIP.Profile, c.SIP.MidCall = "sip-i", "drop" }, nil)
	inv := sipEv(inviteMsg(t, 1, ruri))
	setup := evs(inv, seizedEv(7))
	alerting := seq(setup, evs(indEv(q764.IndProceed, acmMsg(t, isup.SubscriberFree, false))))
	answered := seq(alerting, evs(indEv(q764.IndAnswer, anmMsg(t))))
	confirmed := seq(answered, evs(sipEv(req(ACK, 1))))
	stConf := State{SIPConfirmed, ISUPAnswered}
	fac := midISUP(t, isup.FAC)
	sus := midISUP(t, isup.SUS)

	var rows []row
	for _, mc := range midCallRows {
		m := midISUP(t, mc.typ)
		ev := indEv(mc.ind, m)
		name := mc.typ.String()
		for _, p := range []struct {
			name string
			tr   *Trunk
		}{{"sip-i", si}, {"sip-t", st}} {
			rows = append(rows, row{name: name + " from ISUP → INFO (" + p.name + ")",
				trunk: p.tr, setup: confirmed, ev: ev, want: []string{"sip INFO isup=" + name}, state: stConf,
				check: func(t *testing.T, c *Call, acts []Action) { checkINFO(t, acts, 0, m) }})
			rows = append(rows, row{name: "INFO " + name + " from SIP → " + mc.req + " (" + p.name + ")",
				trunk: p.tr, setup: confirmed, ev: sipEv(infoWith(t, 5, m, "optional")),
				want: []string{"sip 200 INFO/5", "isup " + mc.req + " cic7 " + name}, state: stConf,
				check: func(t *testing.T, c *Call, acts []Action) { checkReq(t, acts, 1, m, 7) }})
		}
		rows = append(rows,
			row{name: name + " from ISUP on plain SIP: dropped", trunk: plain, setup: confirmed, ev: ev, want: nil, state: stConf},
			row{name: name + " from ISUP with mid_call drop: dropped", trunk: drop, setup: confirmed, ev: ev, want: nil, state: stConf},
			row{name: "INFO " + name + " optional on plain SIP: 200, nothing on ISUP", trunk: plain, setup: confirmed,
				ev: sipEv(infoWith(t, 5, m, "optional")), want: []string{"sip 200 INFO/5"}, state: stConf},
			row{name: "INFO " + name + " required on plain SIP: 415", trunk: plain, setup: confirmed,
				ev: sipEv(infoWith(t, 5, m, "required")), want: []string{"sip 415 INFO/5 accept=application/sdp"}, state: stConf},
		)
	}
	malformed := req(INFO, 5, inDialog, withBody("application/ISUP;version=itu-t92+", "signal;handling=optional", []byte{0x33, 0x05}))
	rows = append(rows,
		// --- Phases (Q.764 §2.4, §2.1.2, §2.9.5.1).
		row{name: "INFO SUS before the answer: 200, no SUS (Q.764 §2.4: answered calls only)", trunk: si, setup: alerting,
			ev: sipEv(infoWith(t, 5, sus, "optional")), want: []string{"sip 200 INFO/5"}, state: State{SIPEarly, ISUPProceeding}},
		row{name: "INFO FAC in the early dialog → FAC", trunk: si, setup: alerting,
			ev: sipEv(infoWith(t, 5, fac, "optional")), want: []string{"sip 200 INFO/5", "isup message cic7 FAC"}, state: State{SIPEarly, ISUPProceeding}},
		row{name: "INFO SAM while the IAM awaits ACM → SAM, the digits added", trunk: si, setup: setup,
			ev: sipEv(infoWith(t, 5, samMsg(t, "99F"), "optional")), want: []string{"sip 200 INFO/5", "isup sam cic7 SAM"}, state: State{SIPProceeding, ISUPSetup},
			check: func(t *testing.T, c *Call, _ []Action) {
				if r := c.Record(); r.Called != "493012345699F" {
					t.Errorf("called %q", r.Called)
				}
			}},
		row{name: "INFO SAM after ACM: 200, no SAM (Q.764 §2.1.2)", trunk: si, setup: alerting,
			ev: sipEv(infoWith(t, 5, samMsg(t, "9"), "optional")), want: []string{"sip 200 INFO/5"}, state: State{SIPEarly, ISUPProceeding}},
		row{name: "INFO CPG before ACM: 200, no CPG", trunk: si, setup: setup,
			ev: sipEv(infoWith(t, 5, midISUP(t, isup.CPG), "optional")), want: []string{"sip 200 INFO/5"}, state: State{SIPProceeding, ISUPSetup}},
		row{name: "INFO FAC while the circuit is being seized: 200, nothing", trunk: si, setup: evs(inv),
			ev: sipEv(infoWith(t, 5, fac, "optional")), want: []string{"sip 200 INFO/5"}, state: State{SIPProceeding, ISUPSeizing}},
		// --- Bodies (mapping.CheckInfo): the call goes on.
		row{name: "INFO with an ISUP body that does not decode: 400, the call goes on", trunk: si, setup: confirmed,
			ev: sipEv(malformed), want: []string{"sip 400 INFO/5"}, state: stConf},
		row{name: "INFO with a malformed multipart: 400", trunk: si, setup: confirmed,
			ev: sipEv(req(INFO, 5, inDialog, withBody("multipart/mixed;boundary=zz", "", []byte("junk")))), want: []string{"sip 400 INFO/5"}, state: stConf},
		row{name: "INFO REL (its own SIP requests carry it) required: 415", trunk: si, setup: confirmed,
			ev: sipEv(infoWith(t, 5, relMsg(t, 16, 0), "required")), want: []string{"sip 415 INFO/5 accept=application/sdp, application/ISUP, multipart/mixed"}, state: stConf},
		row{name: "INFO REL optional: 200, the call goes on", trunk: si, setup: confirmed,
			ev: sipEv(infoWith(t, 5, relMsg(t, 16, 0), "optional")), want: []string{"sip 200 INFO/5"}, state: stConf},
		row{name: "INFO with DTMF relay: 200 as before", trunk: si, setup: confirmed,
			ev: sipEv(req(INFO, 5, inDialog, withBody("application/dtmf-relay", "", []byte("Signal=5\r\n")))), want: []string{"sip 200 INFO/5"}, state: stConf},
		row{name: "INFO without body: 200", trunk: si, setup: confirmed, ev: sipEv(req(INFO, 5, inDialog)), want: []string{"sip 200 INFO/5"}, state: stConf},

		// --- ISUP → INFO: when it goes.
		row{name: "FAC while no 18x went: queued", trunk: si, setup: setup, ev: indEv(q764.IndMessage, fac), want: nil, state: State{SIPProceeding, ISUPSetup}},
		row{name: "queued FAC goes after the 180 that opens the early dialog", trunk: si, setup: seq(setup, evs(indEv(q764.IndMessage, fac))),
			ev: indEv(q764.IndProceed, acmMsg(t, isup.SubscriberFree, false)), want: []string{"sip 180 INVITE/1 isup=ACM", "sip INFO isup=FAC"}, state: State{SIPEarly, ISUPProceeding}},
		row{name: "FAC in the early dialog → INFO", trunk: si, setup: alerting, ev: indEv(q764.IndMessage, fac), want: []string{"sip INFO isup=FAC"}, state: State{SIPEarly, ISUPProceeding}},
		row{name: "SUS after the 2xx, before its ACK: queued", trunk: si, setup: answered, ev: indEv(q764.IndSuspend, sus), want: nil, state: State{SIPAnswered, ISUPAnswered}},
		row{name: "the ACK lets the queued SUS go", trunk: si, setup: seq(answered, evs(indEv(q764.IndSuspend, sus))),
			ev: sipEv(req(ACK, 1)), want: []string{"stop ack", "sip INFO isup=SUS"}, state: stConf},
		row{name: "a second INFO waits for the first one's final response", trunk: si, setup: seq(confirmed, evs(indEv(q764.IndSuspend, sus))),
			ev: indEv(q764.IndResume, midISUP(t, isup.RES)), want: nil, state: stConf},
		row{name: "the final response to the INFO lets the next go", trunk: si, setup: seq(confirmed, evs(indEv(q764.IndSuspend, sus), indEv(q764.IndResume, midISUP(t, isup.RES)))),
			ev: sipEv(resp(INFO, 3, 200, "")), want: []string{"sip INFO isup=RES"}, state: stConf},
		row{name: "a failure to the INFO (peer without INFO): the next goes, the call stays", trunk: si, setup: seq(confirmed, evs(indEv(q764.IndSuspend, sus), indEv(q764.IndResume, midISUP(t, isup.RES)))),
			ev: sipEv(resp(INFO, 3, 501, "")), want: []string{"sip INFO isup=RES"}, state: stConf},
		row{name: "a timed-out INFO (408): the call stays", trunk: si, setup: seq(confirmed, evs(indEv(q764.IndSuspend, sus))),
			ev: sipEv(resp(INFO, 3, 408, "")), want: nil, state: stConf},
		row{name: "481 to the INFO: the dialog is gone (RFC 5057): REL 41 and BYE", trunk: si, setup: seq(confirmed, evs(indEv(q764.IndMessage, fac))),
			ev: sipEv(resp(INFO, 3, 481, "")), want: []string{"isup release cic7 cause=41", `sip BYE isup=REL reason=Q.850;cause=41;text="temporary failure"`, "start guard 1m4s"},
			state: State{SIPTerminating, ISUPReleasing}},
		row{name: "BYE drops the INFOs still queued", trunk: si, setup: seq(confirmed, evs(indEv(q764.IndSuspend, sus), indEv(q764.IndResume, midISUP(t, isup.RES)))),
			ev: sipEv(req(BYE, 2, inDialog)), want: []string{"sip 200 BYE/2", "isup release cic7 cause=16", "start guard 1m4s"}, state: State{SIPDone, ISUPReleasing},
			check: func(t *testing.T, c *Call, _ []Action) {
				if len(c.infoQ) != 0 {
					t.Errorf("%d INFOs left", len(c.infoQ))
				}
			}},
		row{name: "the Trunk's T6 release after SUS network → BYE 102", trunk: si, setup: seq(confirmed, evs(indEv(q764.IndSuspend, sus))),
			ev: relInd(isup.CauseRecoveryOnTimerExpiry), want: []string{"sip BYE isup=REL " + rsn102, "start guard 1m4s"}, state: State{SIPTerminating, ISUPDone}},
		row{name: "an INFO queue bounded at " + strconv.Itoa(maxInfoQueued), trunk: si,
			setup: seq(confirmed, func() []Event {
				var e []Event
				for range maxInfoQueued + 4 {
					e = append(e, indEv(q764.IndMessage, fac))
				}
				return e
			}()),
			ev: indEv(q764.IndMessage, fac), want: nil, state: stConf,
			check: func(t *testing.T, c *Call, _ []Action) {
				if len(c.infoQ) != maxInfoQueued || !c.infoBusy {
					t.Errorf("%d queued, busy %v", len(c.infoQ), c.infoBusy)
				}
			}},
		row{name: "CPG alerting before the answer → 180, not an INFO", trunk: si, setup: alerting,
			ev: indEv(q764.IndProgress, cpgMsg(t, isup.EventAlerting)), want: []string{"sip 180 INVITE/1 isup=CPG"}, state: State{SIPEarly, ISUPProceeding}},
		row{name: "CPG with an event no 18x carries, before the answer → INFO", trunk: si, setup: alerting,
			ev: indEv(q764.IndProgress, cpgMsg(t, 0x10)), want: []string{"sip INFO isup=CPG"}, state: State{SIPEarly, ISUPProceeding}},
	)
	runTable(t, SIPToISUP, si, rows)
}

// TestMidCallISUPToSIP: the same on an ISUP → SIP call (the gateway is
// the UAC; INFOs go on the answered dialog, or the first early one).
func TestMidCallISUPToSIP(t *testing.T) {
	plain := trunkOf(t, nil, nil)
	si := trunkOf(t, sipI, nil)
	st := trunkOf(t, func(c *mapping.TrunkConfig) { c.SIP.Profile = "sip-t" }, nil)
	iam := indEv(q764.IndSetup, iamMsg(t, "30123456F", 0))
	alerting := evs(iam, sipEv(resp(INVITE, 1, 180, "a")))
	confirmed := seq(alerting, evs(sipEv(resp(INVITE, 1, 200, "a", withSDPBody))))
	stConf := State{SIPConfirmed, ISUPAnswered}
	fac := midISUP(t, isup.FAC)

	var rows []row
	for _, mc := range midCallRows {
		m := midISUP(t, mc.typ)
		ev := indEv(mc.ind, m)
		name := mc.typ.String()
		for _, p := range []struct {
			name string
			tr   *Trunk
		}{{"sip-i", si}, {"sip-t", st}} {
			rows = append(rows, row{name: name + " from ISUP → INFO on the answered dialog (" + p.name + ")",
				trunk: p.tr, setup: confirmed, ev: ev, want: []string{"sip INFO tag=a isup=" + name}, state: stConf,
				check: func(t *testing.T, c *Call, acts []Action) { checkINFO(t, acts, 0, m) }})
			rows = append(rows, row{name: "INFO " + name + " from SIP → " + mc.req + " (" + p.name + ")",
				trunk: p.tr, setup: confirmed, ev: sipEv(infoWith(t, 5, m, "optional", tagged("a"))),
				want: []string{"sip 200 INFO/5", "isup " + mc.req + " cic1 " + name}, state: stConf,
				check: func(t *testing.T, c *Call, acts []Action) { checkReq(t, acts, 1, m, 1) }})
		}
		rows = append(rows,
			row{name: name + " from ISUP on plain SIP: dropped", trunk: plain, setup: confirmed, ev: ev, want: nil, state: stConf},
			row{name: "INFO " + name + " optional on plain SIP: 200, nothing on ISUP", trunk: plain, setup: confirmed,
				ev: sipEv(infoWith(t, 5, m, "optional", tagged("a"))), want: []string{"sip 200 INFO/5"}, state: stConf},
			row{name: "INFO " + name + " required on plain SIP: 415", trunk: plain, setup: confirmed,
				ev: sipEv(infoWith(t, 5, m, "required", tagged("a"))), want: []string{"sip 415 INFO/5 accept=application/sdp"}, state: stConf},
		)
	}
	// A 183 that sends no ACM leaves an early dialog before ACM: the one
	// later digits take (the in-dialog method).
	never := trunkOf(t, func(c *mapping.TrunkConfig) { c.SIP.Profile, c.Backward.ACMOn183 = "sip-i", "never" }, nil)
	early := evs(iam, sipEv(resp(INVITE, 1, 183, "a")))
	rows = append(rows,
		row{name: "SAM after the INVITE (no RFC 3578) → INFO in the early dialog", trunk: never, setup: early,
			ev: indEv(q764.IndSAM, samMsg(t, "7")), want: []string{"sip INFO tag=a isup=SAM"}, state: State{SIPEarly, ISUPSetup},
			check: func(t *testing.T, c *Call, acts []Action) {
				checkINFO(t, acts, 0, samMsg(t, "7"))
				if r := c.Record(); r.Called != "30123456F7" {
					t.Errorf("called %q", r.Called)
				}
			}},
		row{name: "SAM after the INVITE before any 18x: queued", trunk: si, setup: evs(iam),
			ev: indEv(q764.IndSAM, samMsg(t, "7")), want: nil, state: State{SIPProceeding, ISUPSetup}},
		row{name: "the queued SAM goes on the first early dialog", trunk: never, setup: evs(iam, indEv(q764.IndSAM, samMsg(t, "7"))),
			ev: sipEv(resp(INVITE, 1, 183, "b")), want: []string{"sip INFO tag=b isup=SAM"}, state: State{SIPEarly, ISUPSetup}},
		row{name: "SAM after ACM: Q.764 has none (the Trunk never indicates it); the call drops it", trunk: si, setup: alerting,
			ev: indEv(q764.IndSAM, samMsg(t, "7")), want: nil, state: State{SIPEarly, ISUPProceeding}},
		row{name: "SAM after the INVITE on plain SIP: nowhere to go", trunk: trunkOf(t, func(c *mapping.TrunkConfig) { c.Backward.ACMOn183 = "never" }, nil), setup: early,
			ev: indEv(q764.IndSAM, samMsg(t, "7")), want: nil, state: State{SIPEarly, ISUPSetup}},
		row{name: "FAC before the INVITE (continuity awaited): queued, then on the early dialog", trunk: si,
			setup: evs(onInd(q764.IndSetup, iamMsg(t, "30123456F", 1)), indEv(q764.IndMessage, fac), onInd(q764.IndContinuity, nil), sipEv(resp(INVITE, 1, 100, ""))),
			ev:    sipEv(resp(INVITE, 1, 180, "a")), want: []string{"isup acm cic1 ACM", "sip INFO tag=a isup=FAC"}, state: State{SIPEarly, ISUPProceeding}},
		row{name: "INFO from a fork that did not answer: its own request, 200 and forwarded", trunk: si, setup: confirmed,
			ev: sipEv(infoWith(t, 5, fac, "optional", tagged("a"))), want: []string{"sip 200 INFO/5", "isup message cic1 FAC"}, state: stConf},
		row{name: "INFO with an ISUP body that does not decode: 400, the call goes on", trunk: si, setup: confirmed,
			ev:   sipEv(req(INFO, 5, inDialog, tagged("a"), withBody("application/ISUP;version=itu-t92+", "signal;handling=optional", []byte{0x33, 0x05}))),
			want: []string{"sip 400 INFO/5"}, state: stConf},
	)
	runTable(t, ISUPToSIP, si, rows)
}

// TestBackwardTransparency: the ACM, CPG, ANM and CON a SIP-I response
// encapsulates are the base of the ones the gateway sends (Q.1912.5
// profile C), octet for octet where the types agree.
func TestBackwardTransparency(t *testing.T) {
	si := trunkOf(t, sipI, nil)
	iam := indEv(q764.IndSetup, iamMsg(t, "30123456F", 0))
	far := func(m *isup.Message) func(*Msg) {
		b, _ := m.AppendBody(nil)
		x := sipi.ISUP{Version: sipi.ITUT92Plus, Base: sipi.ITUT92Plus, Message: b}
		return withBody(x.ContentType(), x.Disposition(), b)
	}
	acm := acmMsg(t, isup.SubscriberFree, true)
	acm.AddOptional(isup.ParamGenericNotificationIndicator, []byte{0xf9})
	acm = wire(t, acm)
	cpg := cpgMsg(t, isup.EventForwardedOnBusy)
	cpg.AddOptional(isup.ParamCallDiversionInformation, []byte{0x12})
	cpg = wire(t, cpg)
	anm := isup.New(isup.ITU, isup.ANM, 1)
	anm.Set(&isup.BackwardCallIndicators{Charge: isup.ChargeIndNoCharge, ISDNAccess: true})
	anm.AddOptional(isup.ParamUserToUserInformation, []byte{4, 9, 9})
	anm = wire(t, anm)
	alerting := evs(iam, sipEv(resp(INVITE, 1, 180, "a", far(acm))))
	same := func(m *isup.Message, i int) func(*testing.T, *Call, []Action) {
		return func(t *testing.T, _ *Call, acts []Action) { checkReq(t, acts, i, m, 1) }
	}
	runTable(t, ISUPToSIP, si, []row{
		{name: "180 with the far exchange's ACM → that ACM", setup: evs(iam), ev: sipEv(resp(INVITE, 1, 180, "a", far(acm))),
			want: []string{"isup acm cic1 ACM"}, state: State{SIPEarly, ISUPProceeding}, check: same(acm, 0)},
		{name: "181 with its CPG → that CPG", setup: alerting, ev: sipEv(resp(INVITE, 1, 181, "a", far(cpg))),
			want: []string{"isup cpg cic1 CPG"}, state: State{SIPEarly, ISUPProceeding}, check: same(cpg, 0)},
		{name: "200 with its ANM → that ANM", setup: alerting, ev: sipEv(resp(INVITE, 1, 200, "a", far(anm))),
			want: []string{"sip ACK/1 tag=a", "isup anm cic1 ANM"}, state: State{SIPConfirmed, ISUPAnswered}, check: same(anm, 1)},
		{name: "200 with an ANM and no ACM sent → CON with the ANM's BCI", setup: evs(iam), ev: sipEv(resp(INVITE, 1, 200, "a", far(anm))),
			want: []string{"sip ACK/1 tag=a", "isup con cic1 CON"}, state: State{SIPConfirmed, ISUPAnswered},
			check: func(t *testing.T, _ *Call, acts []Action) {
				got, _ := acts[1].ISUP.Msg.Param(isup.ParamBackwardCallIndicators)
				want, _ := anm.Param(isup.ParamBackwardCallIndicators)
				if !bytes.Equal(got, want) {
					t.Errorf("BCI % x, want % x", got, want)
				}
			}},
		{name: "the Trunk's early ACM crossed ours: the retry is a CPG with the far ACM's parameters",
			setup: evs(iam, indEv(q764.IndEarlyACM, nil)), ev: sipEv(resp(INVITE, 1, 180, "a", far(acm))),
			want: []string{"isup cpg cic1 CPG"}, state: State{SIPEarly, ISUPProceeding},
			check: func(t *testing.T, _ *Call, acts []Action) {
				if d, _ := acts[0].ISUP.Msg.Param(isup.ParamGenericNotificationIndicator); !bytes.Equal(d, []byte{0xf9}) {
					t.Errorf("generic notification % x", d)
				}
			}},
		{name: "an ACM refused after T11 is sent again as CPG built on the far ACM",
			setup: evs(iam, sipEv(resp(INVITE, 1, 180, "a", far(acm))), indEv(q764.IndEarlyACM, nil)),
			ev:    Event{Kind: EvISUP, ISUP: &q764.Action{Kind: q764.ActIndicate, CIC: 1, Ind: q764.IndRejected}},
			want:  []string{"isup cpg cic1 CPG"}, state: State{SIPEarly, ISUPProceeding},
			check: func(t *testing.T, _ *Call, acts []Action) {
				var ev isup.EventInformation
				if ok, err := acts[0].ISUP.Msg.Get(&ev); !ok || err != nil || ev.Event != isup.EventAlerting {
					t.Errorf("event %+v", ev)
				}
				if d, _ := acts[0].ISUP.Msg.Param(isup.ParamGenericNotificationIndicator); !bytes.Equal(d, []byte{0xf9}) {
					t.Errorf("generic notification % x", d)
				}
			}},
		{name: "a refused mid-call request is not taken for a refused ACM", setup: seq(alerting, evs(sipEv(infoWith(t, 5, midISUP(t, isup.FAC), "optional", tagged("a"))))),
			ev:   Event{Kind: EvISUP, ISUP: &q764.Action{Kind: q764.ActIndicate, CIC: 1, Ind: q764.IndRejected}},
			want: nil, state: State{SIPEarly, ISUPProceeding}},
	})
}
