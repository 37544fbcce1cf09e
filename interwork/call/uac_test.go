package call

import (
	"strings"
	"testing"

	"github.com/sipgw/sipgw/interwork/mapping"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/q764"
	"github.com/sipgw/sipgw/isup/sipi"
)

const inv1 = "sip INVITE/1 uri=" + ruri + " sdp"

// bci returns the backward call indicators of the ISUP request of acts[i].
func bciOf(t *testing.T, acts []Action, i int) isup.BackwardCallIndicators {
	t.Helper()
	var b isup.BackwardCallIndicators
	if ok, err := acts[i].ISUP.Msg.Get(&b); !ok || err != nil {
		t.Fatalf("no BCI in %v: %v", acts[i], err)
	}
	return b
}

func relCause(t *testing.T, a Action) (isup.Cause, isup.Location) {
	t.Helper()
	var ci isup.CauseIndicators
	if a.ISUP.Msg != nil {
		if ok, err := a.ISUP.Msg.Get(&ci); !ok || err != nil {
			t.Fatalf("REL without cause: %v", err)
		}
		return ci.Value, ci.Location
	}
	return a.ISUP.Cause, a.ISUP.Location
}

// TestISUPToSIP is the ISUP → SIP table: interworking notes §2, the "ISUP
// in → SIP out" and "SIP in → ISUP out" rows of an incoming ISUP call
// (Q.1912.5 §7, RFC 3398 §8, RFC 3578).
func TestISUPToSIP(t *testing.T) {
	def := trunkOf(t, nil, nil)
	iam := indEv(q764.IndSetup, iamMsg(t, "30123456F", 0))
	setup := evs(iam)
	trying := sipEv(resp(INVITE, 1, 100, ""))
	ringing := sipEv(resp(INVITE, 1, 180, "a"))
	alerting := seq(setup, evs(trying, ringing))
	ok200 := sipEv(resp(INVITE, 1, 200, "a", withSDPBody))
	answered := seq(alerting, evs(ok200))
	cotIAM := onInd(q764.IndSetup, iamMsg(t, "30123456F", 1))
	never := trunkOf(t, func(c *mapping.TrunkConfig) { c.Backward.ACMOn183 = "never" }, nil)
	pem := trunkOf(t, func(c *mapping.TrunkConfig) { c.Backward.ACMOn183 = "p-early-media" }, nil)
	q := trunkOf(t, q19125, nil)
	si := trunkOf(t, sipI, nil)
	collect := trunkOf(t, nil, func(c *Config) {
		c.Overlap = OverlapCollect
		c.Lengths = []LengthRule{{Prefix: "30", Digits: 10}, {Prefix: "309", Digits: 8}}
	})
	invites := trunkOf(t, func(c *mapping.TrunkConfig) { c.Numbering.MinDigits = 4 }, func(c *Config) { c.Overlap = OverlapInvites })
	noAnswer := trunkOf(t, nil, func(c *Config) { c.NoAnswer = 90e9 })
	iamOverlap := indEv(q764.IndSetup, iamMsg(t, "3012", 0))

	encREL := func() func(*Msg) {
		b, _ := relMsg(t, isup.CauseCallRejected, isup.LocUser).AppendBody(nil)
		x := sipi.ISUP{Version: sipi.ITUT92Plus, Base: sipi.ITUT92Plus, Message: b}
		return withBody(x.ContentType(), x.Disposition(), b)
	}()

	runTable(t, ISUPToSIP, def, []row{
		// --- IAM → INVITE (Q.1912.5 §7.1, RFC 3398 §8.1).
		{name: "IAM en bloc → INVITE with the SDP offer",
			ev: iam, want: []string{inv1}, state: State{SIPProceeding, ISUPSetup},
			check: func(t *testing.T, c *Call, acts []Action) {
				inv := acts[0].SIP.Invite
				if !strings.Contains(inv.From, "+494011112222") || len(inv.PAI) != 1 || inv.MaxForwards != 70 {
					t.Errorf("INVITE fields %+v", inv)
				}
				if cic, ok := c.CIC(); !ok || cic != 1 {
					t.Errorf("CIC %d %v", cic, ok)
				}
			}},
		{name: "IAM on a SIP-I trunk → INVITE with SDP and the IAM encapsulated",
			trunk: si, ev: iam, want: []string{inv1 + " isup=IAM"}, state: State{SIPProceeding, ISUPSetup},
			check: func(t *testing.T, c *Call, acts []Action) {
				if !strings.HasPrefix(acts[0].SIP.ContentType, "multipart/mixed;boundary=") {
					t.Errorf("Content-Type %q", acts[0].SIP.ContentType)
				}
			}},
		{name: "IAM on a 100rel trunk → INVITE Supported: 100rel",
			trunk: trunkOf(t, nil, func(c *Config) { c.Rel100 = Rel100Supported }), ev: iam,
			want: []string{"sip INVITE/1 supported=100rel uri=" + ruri + " sdp"}, state: State{SIPProceeding, ISUPSetup}},
		{name: "IAM on a trunk requiring 100rel → INVITE Require: 100rel",
			trunk: trunkOf(t, nil, func(c *Config) { c.Rel100 = Rel100Required }), ev: iam,
			want: []string{"sip INVITE/1 require=100rel uri=" + ruri + " sdp"}, state: State{SIPProceeding, ISUPSetup}},
		{name: "IAM with the ring time limit starts it with the INVITE",
			trunk: noAnswer, ev: iam, want: []string{"start no-answer 1m30s", inv1}, state: State{SIPProceeding, ISUPSetup}},
		{name: "IAM asking for a continuity check: no INVITE before COT (Q.764 §2.1.8)",
			ev: cotIAM, want: nil, state: State{SIPIdle, ISUPContinuity}},
		{name: "COT success → INVITE",
			setup: evs(cotIAM), ev: onInd(q764.IndContinuity, nil), want: []string{inv1}, state: State{SIPProceeding, ISUPSetup}},
		{name: "IAM with the check done on a previous circuit: no INVITE before COT either",
			ev: onInd(q764.IndSetup, iamMsg(t, "30123456F", 2)), want: nil, state: State{SIPIdle, ISUPContinuity}},
		{name: "SAM while COT is awaited: digits kept, no INVITE",
			trunk: collect, setup: evs(onInd(q764.IndSetup, iamMsg(t, "3012", 1))), ev: indEv(q764.IndSAM, samMsg(t, "3456F")),
			want: nil, state: State{SIPIdle, ISUPContinuity}},
		{name: "… COT then sends the INVITE with them",
			trunk: collect, setup: evs(onInd(q764.IndSetup, iamMsg(t, "3012", 1)), indEv(q764.IndSAM, samMsg(t, "3456F"))), ev: onInd(q764.IndContinuity, nil),
			want: []string{inv1}, state: State{SIPProceeding, ISUPSetup}},
		{name: "COT failure (the Trunk releases, cause 41) → no INVITE ever",
			setup: evs(cotIAM), ev: relInd(isup.CauseTemporaryFailure),
			want: []string{"cdr isup-to-sip status=0 cause=41 by=isup", "finished"}, state: stDone},
		{name: "IAM whose called number is ST alone → REL 28",
			ev:   indEv(q764.IndSetup, iamMsg(t, "F", 0)), // ST alone: no digits
			want: []string{"isup release cic1 cause=28", "start guard 1m4s"}, state: State{SIPDone, ISUPReleasing}},

		// --- Responses → backward messages.
		{name: "100 Trying → nothing", setup: setup, ev: trying, want: nil, state: State{SIPProceeding, ISUPSetup}},
		{name: "first 180 → ACM subscriber free, interworking encountered",
			setup: seq(setup, evs(trying)), ev: ringing, want: []string{"isup acm cic1 ACM"}, state: State{SIPEarly, ISUPProceeding},
			check: func(t *testing.T, _ *Call, acts []Action) {
				if b := bciOf(t, acts, 0); b.CalledStatus != isup.SubscriberFree || !b.Interworking {
					t.Errorf("BCI %+v", b)
				}
			}},
		{name: "first 183 → ACM no indication",
			setup: setup, ev: sipEv(resp(INVITE, 1, 183, "a")), want: []string{"isup acm cic1 ACM"}, state: State{SIPEarly, ISUPProceeding},
			check: func(t *testing.T, _ *Call, acts []Action) {
				if b := bciOf(t, acts, 0); b.CalledStatus != isup.CalledStatusNoIndication {
					t.Errorf("BCI %+v", b)
				}
			}},
		{name: "first 183 with SDP → ACM with in-band information",
			setup: setup, ev: sipEv(resp(INVITE, 1, 183, "a", withSDPBody)), want: []string{"isup acm cic1 ACM"}, state: State{SIPEarly, ISUPProceeding},
			check: func(t *testing.T, _ *Call, acts []Action) {
				var o isup.OptionalBackwardCallIndicators
				if ok, _ := acts[0].ISUP.Msg.Get(&o); !ok || !o.InBandInformation {
					t.Errorf("OBCI %+v %v", o, ok)
				}
			}},
		{name: "183 policy never: no ACM",
			trunk: never, setup: setup, ev: sipEv(resp(INVITE, 1, 183, "a", withSDPBody)), want: nil, state: State{SIPEarly, ISUPSetup}},
		{name: "183 policy p-early-media: a 183 without P-Early-Media sends nothing",
			trunk: pem, setup: setup, ev: sipEv(resp(INVITE, 1, 183, "a", withSDPBody)), want: nil, state: State{SIPEarly, ISUPSetup}},
		{name: "183 policy p-early-media: with P-Early-Media → ACM",
			trunk: pem, setup: setup, ev: sipEv(resp(INVITE, 1, 183, "a", func(m *Msg) { m.PEarlyMedia = true })),
			want: []string{"isup acm cic1 ACM"}, state: State{SIPEarly, ISUPProceeding}},
		{name: "183 before 180: the 180 → CPG alerting",
			setup: seq(setup, evs(sipEv(resp(INVITE, 1, 183, "a")))), ev: ringing, want: []string{"isup cpg cic1 CPG"}, state: State{SIPEarly, ISUPProceeding},
			check: func(t *testing.T, _ *Call, acts []Action) {
				var e isup.EventInformation
				if ok, _ := acts[0].ISUP.Msg.Get(&e); !ok || e.Event != isup.EventAlerting {
					t.Errorf("event %+v", e)
				}
			}},
		{name: "later 183 with SDP → CPG in-band information",
			setup: alerting, ev: sipEv(resp(INVITE, 1, 183, "a", withSDPBody)), want: []string{"isup cpg cic1 CPG"}, state: State{SIPEarly, ISUPProceeding}},
		{name: "180 after the Trunk's early ACM (T11) → CPG",
			setup: seq(setup, evs(indEv(q764.IndEarlyACM, nil))), ev: ringing, want: []string{"isup cpg cic1 CPG"}, state: State{SIPEarly, ISUPProceeding}},
		{name: "200 after ACM → ACK, ANM",
			setup: alerting, ev: ok200, want: []string{"sip ACK/1 tag=a", "isup anm cic1 ANM"}, state: State{SIPConfirmed, ISUPAnswered}},
		{name: "200 without 18x → ACK, CON",
			setup: seq(setup, evs(trying)), ev: ok200, want: []string{"sip ACK/1 tag=a", "isup con cic1 CON"}, state: State{SIPConfirmed, ISUPAnswered}},
		{name: "200 stops the ring time limit",
			trunk: noAnswer, setup: alerting, ev: ok200, want: []string{"sip ACK/1 tag=a", "stop no-answer", "isup anm cic1 ANM"}, state: State{SIPConfirmed, ISUPAnswered}},

		// --- Failure responses → REL (notes §3 table B/C).
		{name: "486 → REL 17",
			setup: alerting, ev: sipEv(resp(INVITE, 1, 486, "a")), want: []string{"isup release cic1 cause=17", "start guard 1m4s"}, state: State{SIPDone, ISUPReleasing},
			check: func(t *testing.T, c *Call, acts []Action) {
				if cs, loc := relCause(t, acts[0]); cs != 17 || loc != isup.LocNetworkBeyondInterworking {
					t.Errorf("cause %d location %d", cs, loc)
				}
			}},
		{name: "404 → REL 1",
			setup: setup, ev: sipEv(resp(INVITE, 1, 404, "a")), want: []string{"isup release cic1 cause=1", "start guard 1m4s"}, state: State{SIPDone, ISUPReleasing}},
		{name: "603 → REL 21, location user",
			setup: setup, ev: sipEv(resp(INVITE, 1, 603, "a")), want: []string{"isup release cic1 cause=21", "start guard 1m4s"}, state: State{SIPDone, ISUPReleasing},
			check: func(t *testing.T, _ *Call, acts []Action) {
				if _, loc := relCause(t, acts[0]); loc != isup.LocUser {
					t.Errorf("location %d", loc)
				}
			}},
		{name: "480 → REL 20 (Q.1912.5 profile)",
			trunk: q, setup: setup, ev: sipEv(resp(INVITE, 1, 480, "a")), want: []string{"isup release cic1 cause=20", "start guard 1m4s"}, state: State{SIPDone, ISUPReleasing}},
		{name: "480 with Reason: Q.850 cause 18 → REL 18",
			setup: setup, ev: sipEv(resp(INVITE, 1, 480, "a", withReason("Q.850;cause=18"))), want: []string{"isup release cic1 cause=18", "start guard 1m4s"}, state: State{SIPDone, ISUPReleasing}},
		{name: "SIP-I 480 with an encapsulated REL (cause 21): the REL goes on whole",
			trunk: si, setup: setup, ev: sipEv(resp(INVITE, 1, 480, "a", withReason("Q.850;cause=18"), encREL)),
			want: []string{"isup release cic1 REL cause=21", "start guard 1m4s"}, state: State{SIPDone, ISUPReleasing}},
		{name: "487 without a CANCEL of ours → REL with the default cause (31)",
			setup: alerting, ev: sipEv(resp(INVITE, 1, 487, "a")), want: []string{"isup release cic1 cause=31", "start guard 1m4s"}, state: State{SIPDone, ISUPReleasing}},
		{name: "302 not followed → REL as 480 (cause 18)",
			setup: setup, ev: sipEv(resp(INVITE, 1, 302, "a")), want: []string{"isup release cic1 cause=18", "start guard 1m4s"}, state: State{SIPDone, ISUPReleasing}},
		{name: "RLC after that REL ends the call",
			setup: seq(alerting, evs(sipEv(resp(INVITE, 1, 486, "a")))), ev: indEv(q764.IndReleased, nil),
			want: []string{"stop guard", "cdr isup-to-sip status=486 cause=17 by=sip", "finished"}, state: stDone},

		// --- Release from ISUP.
		{name: "REL before any provisional response: the CANCEL waits for one (RFC 3261 §9.1)",
			setup: setup, ev: indEv(q764.IndRelease, relMsg(t, isup.CauseNormalClearing, isup.LocUser)),
			want: []string{"start guard 1m4s"}, state: State{SIPCancelling, ISUPDone}},
		{name: "… the first provisional response lets the CANCEL go, with Reason",
			setup: seq(setup, evs(indEv(q764.IndRelease, relMsg(t, isup.CauseNormalClearing, isup.LocUser)))), ev: trying,
			want: []string{"sip CANCEL/1 " + rsn16}, state: State{SIPCancelling, ISUPDone}},
		{name: "… and its 487 ends the call",
			setup: seq(setup, evs(indEv(q764.IndRelease, relMsg(t, isup.CauseNormalClearing, isup.LocUser)), trying)), ev: sipEv(resp(INVITE, 1, 487, "a")),
			want: []string{"stop guard", "cdr isup-to-sip status=0 cause=16 by=isup", "finished"}, state: stDone},
		{name: "REL after 180 → CANCEL with Reason",
			setup: alerting, ev: indEv(q764.IndRelease, relMsg(t, isup.CauseUserBusy, isup.LocUser)),
			want: []string{"sip CANCEL/1 " + rsn17, "start guard 1m4s"}, state: State{SIPCancelling, ISUPDone}},
		{name: "REL after answer → BYE with Reason",
			setup: answered, ev: indEv(q764.IndRelease, relMsg(t, isup.CauseNormalClearing, isup.LocUser)),
			want: []string{"sip BYE tag=a " + rsn16, "start guard 1m4s"}, state: State{SIPTerminating, ISUPDone}},
		{name: "REL while collecting digits → nothing on SIP",
			trunk: collect, setup: evs(iamOverlap), ev: indEv(q764.IndRelease, relMsg(t, isup.CauseNormalClearing, isup.LocUser)),
			want: []string{"stop collect", "cdr isup-to-sip status=0 cause=16 by=isup", "finished"}, state: stDone},

		// --- Release from SIP.
		{name: "BYE → 200, REL 16",
			setup: answered, ev: sipEv(req(BYE, 1, tagged("a"))),
			want: []string{"sip 200 BYE/1", "isup release cic1 cause=16", "start guard 1m4s"}, state: State{SIPDone, ISUPReleasing}},
		{name: "BYE from another dialog → 481",
			setup: answered, ev: sipEv(req(BYE, 1, tagged("b"))), want: []string{"sip 481 BYE/1"}, state: State{SIPConfirmed, ISUPAnswered}},
		{name: "BYE of the callee on an early dialog → 481 (RFC 3261 §15)",
			setup: alerting, ev: sipEv(req(BYE, 1, tagged("a"))), want: []string{"sip 481 BYE/1"}, state: State{SIPEarly, ISUPProceeding}},
		{name: "ring time limit → CANCEL (cause 19), REL 19",
			trunk: noAnswer, setup: alerting, ev: timerEv(TimerNoAnswer),
			want: []string{"isup release cic1 cause=19", "sip CANCEL/1 " + rsn19, "start guard 1m4s"}, state: State{SIPCancelling, ISUPReleasing}},

		// --- Overlap: en bloc collection (RFC 3578 §2).
		{name: "collect: IAM without ST → collection timer, no INVITE",
			trunk: collect, ev: iamOverlap, want: []string{"start collect 4s"}, state: State{SIPIdle, ISUPSetup}},
		{name: "collect: SAM short of the length rule → timer again",
			trunk: collect, setup: evs(iamOverlap), ev: indEv(q764.IndSAM, samMsg(t, "34")),
			want: []string{"stop collect", "start collect 4s"}, state: State{SIPIdle, ISUPSetup}},
		{name: "collect: SAM with ST → INVITE with every digit",
			trunk: collect, setup: evs(iamOverlap), ev: indEv(q764.IndSAM, samMsg(t, "3456F")),
			want: []string{"stop collect", inv1}, state: State{SIPProceeding, ISUPSetup}},
		{name: "collect: the length rule completes the number → INVITE",
			trunk: collect, setup: evs(iamOverlap), ev: indEv(q764.IndSAM, samMsg(t, "345678")),
			want: []string{"stop collect", "sip INVITE/1 uri=sip:+493012345678@gw.example;user=phone sdp"}, state: State{SIPProceeding, ISUPSetup}},
		{name: "collect: the longest prefix rule wins (309: 8 digits)",
			trunk: collect, setup: evs(indEv(q764.IndSetup, iamMsg(t, "3091", 0))), ev: indEv(q764.IndSAM, samMsg(t, "9999")),
			want: []string{"stop collect", "sip INVITE/1 uri=sip:+4930919999@gw.example;user=phone sdp"}, state: State{SIPProceeding, ISUPSetup}},
		{name: "collect: timer expiry → INVITE with the digits there are",
			trunk: collect, setup: evs(iamOverlap, indEv(q764.IndSAM, samMsg(t, "3456"))), ev: timerEv(TimerCollect),
			want: []string{inv1}, state: State{SIPProceeding, ISUPSetup}},
		{name: "collect: SAM after the INVITE → ignored",
			trunk: collect, setup: evs(iamOverlap, indEv(q764.IndSAM, samMsg(t, "3456F"))), ev: indEv(q764.IndSAM, samMsg(t, "7")),
			want: nil, state: State{SIPProceeding, ISUPSetup}},

		// --- Overlap: multiple INVITEs (RFC 3578 §3).
		{name: "invites: IAM with the minimum digits → INVITE at once",
			trunk: invites, ev: iamOverlap, want: []string{"sip INVITE/1 uri=sip:+493012@gw.example;user=phone sdp"}, state: State{SIPProceeding, ISUPSetup}},
		{name: "invites: IAM short of the minimum → collect",
			trunk: invites, ev: indEv(q764.IndSetup, iamMsg(t, "301", 0)), want: []string{"start collect 4s"}, state: State{SIPIdle, ISUPSetup}},
		{name: "invites: SAM → CANCEL of the earlier INVITE, new INVITE with more digits and a higher CSeq",
			trunk: invites, setup: evs(iamOverlap, trying), ev: indEv(q764.IndSAM, samMsg(t, "34")),
			want: []string{"sip CANCEL/1", "sip INVITE/2 uri=sip:+49301234@gw.example;user=phone sdp"}, state: State{SIPProceeding, ISUPSetup}},
		{name: "invites: SAM before any 1xx → new INVITE, the CANCEL waits",
			trunk: invites, setup: evs(iamOverlap), ev: indEv(q764.IndSAM, samMsg(t, "34")),
			want: []string{"sip INVITE/2 uri=sip:+49301234@gw.example;user=phone sdp"}, state: State{SIPProceeding, ISUPSetup}},
		{name: "invites: the earlier INVITE's 484 is absorbed",
			trunk: invites, setup: evs(iamOverlap, trying, indEv(q764.IndSAM, samMsg(t, "34"))), ev: sipEv(resp(INVITE, 1, 484, "x")),
			want: nil, state: State{SIPProceeding, ISUPSetup}},
		{name: "invites: 18x of a superseded INVITE → nothing",
			trunk: invites, setup: evs(iamOverlap, indEv(q764.IndSAM, samMsg(t, "34"))), ev: sipEv(resp(INVITE, 1, 180, "x")),
			want: []string{"sip CANCEL/1"}, state: State{SIPProceeding, ISUPSetup}},
		{name: "invites: 180 of the latest INVITE → ACM",
			trunk: invites, setup: evs(iamOverlap, trying, indEv(q764.IndSAM, samMsg(t, "34")), sipEv(resp(INVITE, 1, 484, "x"))),
			ev: sipEv(resp(INVITE, 2, 180, "y")), want: []string{"isup acm cic1 ACM"}, state: State{SIPEarly, ISUPProceeding}},
		{name: "invites: the latest INVITE's failure releases",
			trunk: invites, setup: evs(iamOverlap, trying, indEv(q764.IndSAM, samMsg(t, "34")), sipEv(resp(INVITE, 1, 484, "x"))),
			ev: sipEv(resp(INVITE, 2, 404, "y")), want: []string{"isup release cic1 cause=1", "start guard 1m4s"}, state: State{SIPDone, ISUPReleasing}},
	})
}
