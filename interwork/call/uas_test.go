package call

import (
	"testing"
	"time"

	"github.com/sipgw/sipgw/interwork/mapping"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/q764"
	"github.com/sipgw/sipgw/isup/sipi"
)

const ruri = "sip:+4930123456@gw.example;user=phone"

// seq concatenates event lists without sharing storage.
func seq(parts ...[]Event) []Event {
	var out []Event
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func evs(e ...Event) []Event { return e }

// The reasons the mapping writes (Q.850 names of the causes).
const (
	rsn16  = `reason=Q.850;cause=16;text="normal call clearing"`
	rsn17  = `reason=Q.850;cause=17;text="user busy"`
	rsn19  = `reason=Q.850;cause=19;text="no answer from user (user alerted)"`
	rsn34  = `reason=Q.850;cause=34;text="no circuit/channel available"`
	rsn102 = `reason=Q.850;cause=102;text="recovery on timer expiry"`
)

// TestSIPToISUP is the SIP → ISUP table: interworking notes §2, the
// "SIP in → ISUP out" and "ISUP in → SIP out on the same call" rows
// (Q.1912.5 §6, RFC 3398 §7), with RFC 3262 on the SIP side.
func TestSIPToISUP(t *testing.T) {
	def := trunkOf(t, nil, nil)
	inv := sipEv(inviteMsg(t, 1, ruri))
	setup := evs(inv, seizedEv(7))
	acmFree := indEv(q764.IndProceed, acmMsg(t, isup.SubscriberFree, false))
	alerting := seq(setup, evs(acmFree))
	answered := seq(alerting, evs(indEv(q764.IndAnswer, anmMsg(t))))
	confirmed := seq(answered, evs(sipEv(req(ACK, 1))))
	rel100 := trunkOf(t, nil, func(c *Config) { c.Rel100 = Rel100Supported })
	invRel := sipEv(inviteMsg(t, 1, ruri, supported))
	relSetup := evs(invRel, seizedEv(7))
	relAlerting := seq(relSetup, evs(acmFree))
	early183 := indEv(q764.IndProceed, acmMsg(t, isup.CalledStatusNoIndication, true))
	required := trunkOf(t, nil, func(c *Config) { c.Rel100 = Rel100Required })
	noAnswer := trunkOf(t, nil, func(c *Config) { c.NoAnswer = 90e9 })
	q := trunkOf(t, q19125, nil)

	plainISUPBody := func() func(*Msg) {
		b, _ := isupBytes(t, iamMsg(t, "30123456F", 0))
		ct, body, err := sipi.Encode(testSDP, sipi.ISUP{Version: sipi.ITUT92Plus, Required: true, Message: b}, "b1")
		if err != nil {
			t.Fatal(err)
		}
		return withBody(ct, "", body)
	}()

	runTable(t, SIPToISUP, def, []row{
		// --- INVITE → IAM (Q.1912.5 §6.1, RFC 3398 §7.1).
		{name: "INVITE: 100 Trying at once, IAM on a circuit the trunk selects",
			ev: inv, want: []string{"sip 100 INVITE/1", "isup setup select IAM"},
			state: State{SIPProceeding, ISUPSeizing},
			check: func(t *testing.T, c *Call, acts []Action) {
				var cd isup.CalledPartyNumber
				if ok, err := acts[1].ISUP.Msg.Get(&cd); !ok || err != nil || cd.Digits.String() != "4930123456" || cd.NAI != isup.NAIInternational {
					t.Errorf("called number %+v %v %v", cd, ok, err)
				}
			}},
		{name: "INVITE with the ring time limit starts it",
			trunk: noAnswer, ev: inv,
			want:  []string{"sip 100 INVITE/1", "start no-answer 1m30s", "isup setup select IAM"},
			state: State{SIPProceeding, ISUPSeizing}},
		{name: "seized: the call learns its circuit",
			setup: evs(inv), ev: seizedEv(7), want: nil, state: State{SIPProceeding, ISUPSetup},
			check: func(t *testing.T, c *Call, _ []Action) {
				if cic, ok := c.CIC(); !ok || cic != 7 {
					t.Errorf("CIC %d %v", cic, ok)
				}
			}},
		{name: "INVITE Require: 100rel on a trunk without it: 420 Unsupported (RFC 3261 §8.2.2.3)",
			ev:    sipEv(inviteMsg(t, 1, ruri, require100)),
			want:  []string{"sip 100 INVITE/1", "sip 420 INVITE/1 unsupported=100rel", "cdr sip-to-isup status=420 cause=127 by=gateway", "finished"},
			state: stDone},
		{name: "INVITE without 100rel on a trunk requiring it: 421 Require (RFC 3262 §3)",
			trunk: required, ev: inv,
			want:  []string{"sip 100 INVITE/1", "sip 421 INVITE/1 require=100rel", "cdr sip-to-isup status=421 cause=127 by=gateway", "finished"},
			state: stDone},
		{name: "INVITE with a required ISUP part a plain trunk does not take: 415 Accept (RFC 3204 §6)",
			ev:    sipEv(inviteMsg(t, 1, ruri, plainISUPBody)),
			want:  []string{"sip 100 INVITE/1", "sip 415 INVITE/1 accept=application/sdp", "cdr sip-to-isup status=415 cause=79 by=gateway", "finished"},
			state: stDone},
		{name: "INVITE with a malformed multipart body: 400",
			ev:    sipEv(inviteMsg(t, 1, ruri, withBody("multipart/mixed;boundary=zz", "", []byte("no parts here")))),
			want:  []string{"sip 100 INVITE/1", "sip 400 INVITE/1", "cdr sip-to-isup status=400 cause=41 by=gateway", "finished"},
			state: stDone},
		{name: "INVITE to a number shorter than the minimum: 484 (RFC 3398 §7.2.4.1)",
			trunk: trunkOf(t, func(c *mapping.TrunkConfig) { c.Numbering.MinDigits = 12 }, nil),
			ev:    inv,
			want:  []string{"sip 100 INVITE/1", "sip 484 INVITE/1", "cdr sip-to-isup status=484 cause=28 by=gateway", "finished"},
			state: stDone},
		{name: "INVITE to a URI that is no number: 484",
			ev:    sipEv(inviteMsg(t, 1, "sip:alice@gw.example")),
			want:  []string{"sip 100 INVITE/1", "sip 484 INVITE/1", "cdr sip-to-isup status=484 cause=28 by=gateway", "finished"},
			state: stDone},

		// --- Backward ISUP → SIP responses.
		{name: "ACM subscriber free → 180",
			setup: setup, ev: acmFree, want: []string{"sip 180 INVITE/1"}, state: State{SIPEarly, ISUPProceeding}},
		{name: "ACM no indication → 183 without SDP",
			setup: setup, ev: indEv(q764.IndProceed, acmMsg(t, isup.CalledStatusNoIndication, false)),
			want: []string{"sip 183 INVITE/1"}, state: State{SIPEarly, ISUPProceeding}},
		{name: "ACM with in-band information → 183 with SDP (early media)",
			setup: setup, ev: early183, want: []string{"sip 183 INVITE/1 sdp"}, state: State{SIPEarly, ISUPProceeding}},
		{name: "CPG alerting after ACM → 180",
			setup: seq(setup, evs(indEv(q764.IndProceed, acmMsg(t, isup.CalledStatusNoIndication, false)))),
			ev:    indEv(q764.IndProgress, cpgMsg(t, isup.EventAlerting)),
			want:  []string{"sip 180 INVITE/1"}, state: State{SIPEarly, ISUPProceeding}},
		{name: "CPG in-band information → 183 with SDP",
			setup: alerting, ev: indEv(q764.IndProgress, cpgMsg(t, isup.EventInBandInformation)),
			want: []string{"sip 183 INVITE/1 sdp"}, state: State{SIPEarly, ISUPProceeding}},
		{name: "CPG progress → 183",
			setup: alerting, ev: indEv(q764.IndProgress, cpgMsg(t, isup.EventProgress)),
			want: []string{"sip 183 INVITE/1"}, state: State{SIPEarly, ISUPProceeding}},
		{name: "CPG call forwarded → 181",
			setup: alerting, ev: indEv(q764.IndProgress, cpgMsg(t, isup.EventForwardedOnNoReply)),
			want: []string{"sip 181 INVITE/1"}, state: State{SIPEarly, ISUPProceeding}},
		{name: "ANM → 200 with the answer SDP; the ACK is awaited 64·T1",
			setup: alerting, ev: indEv(q764.IndAnswer, anmMsg(t)),
			want: []string{"sip 200 INVITE/1 sdp", "start ack 32s"}, state: State{SIPAnswered, ISUPAnswered}},
		{name: "CON (answer without ACM) → 200",
			setup: setup, ev: indEv(q764.IndAnswer, conMsg(t)),
			want: []string{"sip 200 INVITE/1 sdp", "start ack 32s"}, state: State{SIPAnswered, ISUPAnswered}},
		{name: "ANM stops the ring time limit",
			trunk: noAnswer, setup: seq(setup, evs(acmFree)), ev: indEv(q764.IndAnswer, anmMsg(t)),
			want: []string{"stop no-answer", "sip 200 INVITE/1 sdp", "start ack 32s"}, state: State{SIPAnswered, ISUPAnswered}},
		{name: "ACK confirms the dialog",
			setup: answered, ev: sipEv(req(ACK, 1)), want: []string{"stop ack"}, state: State{SIPConfirmed, ISUPAnswered}},

		// --- Release from ISUP.
		{name: "REL before answer → final response with Reason (cause 17 → 486)",
			setup: alerting, ev: indEv(q764.IndRelease, relMsg(t, isup.CauseUserBusy, isup.LocUser)),
			want:  []string{"sip 486 INVITE/1 " + rsn17, "cdr sip-to-isup status=486 cause=17 by=isup", "finished"},
			state: stDone},
		{name: "REL cause 16 while the INVITE is pending → 480 (RFC 3398: no status for 16)",
			setup: setup, ev: indEv(q764.IndRelease, relMsg(t, isup.CauseNormalClearing, isup.LocUser)),
			want:  []string{"sip 480 INVITE/1 " + rsn16, "cdr sip-to-isup status=480 cause=16 by=isup", "finished"},
			state: stDone},
		{name: "REL cause 21 with location user → 603 (RFC 3398 §7.2.4.1)",
			setup: alerting, ev: indEv(q764.IndRelease, relMsg(t, isup.CauseCallRejected, isup.LocUser)),
			want:  []string{`sip 603 INVITE/1 reason=Q.850;cause=21;text="call rejected"`, "cdr sip-to-isup status=603 cause=21 by=isup", "finished"},
			state: stDone},
		{name: "REL cause 21 from the network → 403",
			setup: alerting, ev: indEv(q764.IndRelease, relMsg(t, isup.CauseCallRejected, isup.LocPublicRemote)),
			want:  []string{`sip 403 INVITE/1 reason=Q.850;cause=21;text="call rejected"`, "cdr sip-to-isup status=403 cause=21 by=isup", "finished"},
			state: stDone},
		{name: "REL cause 22 with the new number → 301 with Contact",
			setup: setup, ev: indEv(q764.IndRelease, func() *isup.Message {
				m := isup.New(isup.ITU, isup.REL, 1)
				m.Set(&isup.CauseIndicators{Location: isup.LocPublicRemote, Value: isup.CauseNumberChanged})
				m.Set(&isup.RedirectionNumber{NAI: isup.NAINational, NPI: isup.NPIE164, Digits: isup.MustDigits("301111")})
				return wire(t, m)
			}()),
			want:  []string{`sip 301 INVITE/1 reason=Q.850;cause=22;text="number changed" contact=sip:+49301111@gw.example;user=phone`, "cdr sip-to-isup status=301 cause=22 by=isup", "finished"},
			state: stDone},
		{name: "REL cause 22 without a new number → 410",
			setup: setup, ev: indEv(q764.IndRelease, relMsg(t, isup.CauseNumberChanged, isup.LocPublicRemote)),
			want:  []string{`sip 410 INVITE/1 reason=Q.850;cause=22;text="number changed"`, "cdr sip-to-isup status=410 cause=22 by=isup", "finished"},
			state: stDone},
		{name: "T7 expiry (the Trunk releases with 102) → 504",
			setup: setup, ev: relInd(isup.CauseRecoveryOnTimerExpiry),
			want:  []string{"sip 504 INVITE/1 " + rsn102, "cdr sip-to-isup status=504 cause=102 by=isup", "finished"},
			state: stDone},
		{name: "T7 expiry on a trunk mapping 102 to 408 → 408",
			trunk: trunkOf(t, func(c *mapping.TrunkConfig) { c.Causes.ISUPToSIP = map[int]int{102: 408} }, nil),
			setup: setup, ev: relInd(isup.CauseRecoveryOnTimerExpiry),
			want:  []string{"sip 408 INVITE/1 " + rsn102, "cdr sip-to-isup status=408 cause=102 by=isup", "finished"},
			state: stDone},
		{name: "T9 expiry (cause 19) → 480",
			setup: alerting, ev: relInd(isup.CauseNoAnswer),
			want:  []string{"sip 480 INVITE/1 " + rsn19, "cdr sip-to-isup status=480 cause=19 by=isup", "finished"},
			state: stDone},
		{name: "REL after answer → BYE with Reason",
			setup: confirmed, ev: indEv(q764.IndRelease, relMsg(t, isup.CauseNormalClearing, isup.LocUser)),
			want:  []string{"sip BYE " + rsn16, "start guard 1m4s"},
			state: State{SIPTerminating, ISUPDone}},
		{name: "200 to the BYE ends the call",
			setup: seq(confirmed, evs(indEv(q764.IndRelease, relMsg(t, isup.CauseNormalClearing, isup.LocUser)))),
			ev:    sipEv(resp(BYE, 2, 200, "")),
			want:  []string{"stop guard", "cdr sip-to-isup status=200 cause=16 by=isup", "finished"},
			state: stDone},

		// --- Release from SIP.
		{name: "CANCEL → 200, 487, REL cause 16 (RFC 3398 profile)",
			setup: alerting, ev: sipEv(req(CANCEL, 1)),
			want:  []string{"sip 200 CANCEL/1", "sip 487 INVITE/1", "isup release cic7 cause=16", "start guard 1m4s"},
			state: State{SIPDone, ISUPReleasing}},
		{name: "CANCEL → REL cause 31 (Q.1912.5 profile)",
			trunk: q, setup: alerting, ev: sipEv(req(CANCEL, 1)),
			want:  []string{"sip 200 CANCEL/1", "sip 487 INVITE/1", "isup release cic7 cause=31", "start guard 1m4s"},
			state: State{SIPDone, ISUPReleasing}},
		{name: "CANCEL with Reason: Q.850 cause 41: the Reason wins",
			trunk: q, setup: alerting, ev: sipEv(req(CANCEL, 1, withReason("Q.850;cause=41"))),
			want:  []string{"sip 200 CANCEL/1", "sip 487 INVITE/1", "isup release cic7 cause=41", "start guard 1m4s"},
			state: State{SIPDone, ISUPReleasing}},
		{name: "RLC after the CANCEL's REL ends the call",
			setup: seq(alerting, evs(sipEv(req(CANCEL, 1)))), ev: indEv(q764.IndReleased, nil),
			want:  []string{"stop guard", "cdr sip-to-isup status=487 cause=16 by=sip", "finished"},
			state: stDone},
		{name: "BYE → 200, REL cause 16",
			setup: confirmed, ev: sipEv(req(BYE, 2)),
			want:  []string{"sip 200 BYE/2", "isup release cic7 cause=16", "start guard 1m4s"},
			state: State{SIPDone, ISUPReleasing}},
		{name: "BYE with Reason: Q.850 cause 31 → REL 31",
			setup: confirmed, ev: sipEv(req(BYE, 2, withReason(`Q.850;cause=31;text="x"`))),
			want:  []string{"sip 200 BYE/2", "isup release cic7 cause=31", "start guard 1m4s"},
			state: State{SIPDone, ISUPReleasing}},
		{name: "BYE on the early dialog (caller, RFC 3261 §15.1.2) → 200, 487, REL 16",
			setup: alerting, ev: sipEv(req(BYE, 2)),
			want:  []string{"sip 200 BYE/2", "sip 487 INVITE/1", "isup release cic7 cause=16", "start guard 1m4s"},
			state: State{SIPDone, ISUPReleasing}},

		// --- Repeat attempts and circuits.
		{name: "dual seizure: the IAM goes again on another circuit, unseen by SIP",
			setup: setup, ev: reattempt(q764.WhyDualSeizure),
			want: []string{"isup setup select IAM"}, state: State{SIPProceeding, ISUPSeizing},
			check: func(t *testing.T, c *Call, _ []Action) {
				if _, ok := c.CIC(); ok || c.Record().Attempts != 2 {
					t.Errorf("after reattempt: cic known %v, attempts %d", ok, c.Record().Attempts)
				}
			}},
		{name: "reset before the first backward message: repeat attempt",
			setup: setup, ev: reattempt(q764.WhyReset),
			want: []string{"isup setup select IAM"}, state: State{SIPProceeding, ISUPSeizing}},
		{name: "repeat attempts exhausted → 503 cause 34",
			setup: seq(setup, evs(reattempt(q764.WhyDualSeizure), seizedEv(9))), ev: reattempt(q764.WhyBlocked),
			want:  []string{"sip 503 INVITE/1 " + rsn34, "cdr sip-to-isup status=503 cause=34 by=gateway", "finished"},
			state: stDone},
		{name: "no circuit available (setup refused) → 503 cause 34",
			setup: evs(inv), ev: indEv(q764.IndRejected, nil),
			want:  []string{"sip 503 INVITE/1 " + rsn34, "cdr sip-to-isup status=503 cause=34 by=gateway", "finished"},
			state: stDone},
		{name: "ring time limit → 480 and REL 19",
			trunk: noAnswer, setup: seq(setup, evs(acmFree)), ev: timerEv(TimerNoAnswer),
			want:  []string{"isup release cic7 cause=19", "sip 480 INVITE/1 " + rsn19, "start guard 1m4s"},
			state: State{SIPDone, ISUPReleasing}},

		// --- RFC 3262 on the UAS side.
		{name: "100rel: ACM → reliable 180 (RSeq, Require), retransmission timer T1",
			trunk: rel100, setup: relSetup, ev: acmFree,
			want: []string{"sip 180 INVITE/1 rseq=1 require=100rel", "start rel1xx 500ms"}, state: State{SIPEarly, ISUPProceeding}},
		{name: "100rel: no PRACK in T1: the 180 again, interval doubled",
			trunk: rel100, setup: relAlerting, ev: timerEv(TimerRel1xx),
			want: []string{"sip 180 INVITE/1 rseq=1 require=100rel", "start rel1xx 1s"}, state: State{SIPEarly, ISUPProceeding}},
		{name: "100rel: PRACK matching RSeq/CSeq → 200, retransmission stops",
			trunk: rel100, setup: relAlerting, ev: sipEv(req(PRACK, 2, withRAck(1, 1))),
			want: []string{"sip 200 PRACK/2", "stop rel1xx"}, state: State{SIPEarly, ISUPProceeding}},
		{name: "100rel: PRACK not matching → 481",
			trunk: rel100, setup: relAlerting, ev: sipEv(req(PRACK, 2, withRAck(7, 1))),
			want: []string{"sip 481 PRACK/2"}, state: State{SIPEarly, ISUPProceeding}},
		{name: "100rel: a second 18x waits for the PRACK of the first",
			trunk: rel100, setup: relAlerting, ev: indEv(q764.IndProgress, cpgMsg(t, isup.EventInBandInformation)),
			want: nil, state: State{SIPEarly, ISUPProceeding}},
		{name: "100rel: the PRACK releases the queued 183 with RSeq+1",
			trunk: rel100, setup: seq(relAlerting, evs(indEv(q764.IndProgress, cpgMsg(t, isup.EventInBandInformation)))),
			ev:   sipEv(req(PRACK, 2, withRAck(1, 1))),
			want: []string{"sip 200 PRACK/2", "stop rel1xx", "sip 183 INVITE/1 rseq=2 require=100rel sdp", "start rel1xx 500ms"}, state: State{SIPEarly, ISUPProceeding}},
		{name: "100rel: ANM while a reliable 183 with SDP awaits PRACK: the 200 is held (RFC 3262 §3)",
			trunk: rel100, setup: seq(relSetup, evs(early183)), ev: indEv(q764.IndAnswer, anmMsg(t)),
			want: nil, state: State{SIPEarly, ISUPAnswered}},
		{name: "100rel: the PRACK lets the held 200 go",
			trunk: rel100, setup: seq(relSetup, evs(early183, indEv(q764.IndAnswer, anmMsg(t)))), ev: sipEv(req(PRACK, 2, withRAck(1, 1))),
			want: []string{"sip 200 PRACK/2", "stop rel1xx", "sip 200 INVITE/1 sdp", "start ack 32s"}, state: State{SIPAnswered, ISUPAnswered}},
		{name: "100rel: ANM while a reliable 180 without SDP awaits PRACK: 200 at once",
			trunk: rel100, setup: relAlerting, ev: indEv(q764.IndAnswer, anmMsg(t)),
			want: []string{"stop rel1xx", "sip 200 INVITE/1 sdp", "start ack 32s"}, state: State{SIPAnswered, ISUPAnswered}},
		{name: "100rel: retransmissions at T1, 2·T1, 4·T1 … until 64·T1",
			trunk: rel100, setup: seq(relAlerting, evs(timerEv(TimerRel1xx), timerEv(TimerRel1xx), timerEv(TimerRel1xx), timerEv(TimerRel1xx), timerEv(TimerRel1xx))),
			ev:   timerEv(TimerRel1xx),
			at:   []time.Duration{1e9, 2e9, 3e9, 3.5e9, 4.5e9, 6.5e9, 10.5e9, 18.5e9, 34.5e9},
			want: []string{"sip 180 INVITE/1 rseq=1 require=100rel", "start rel1xx 500ms"}, state: State{SIPEarly, ISUPProceeding}},
		{name: "100rel: a PRACK after the 200 for the 180 it overtook → 200",
			trunk: rel100, setup: seq(relAlerting, evs(indEv(q764.IndAnswer, anmMsg(t)))), ev: sipEv(req(PRACK, 2, withRAck(1, 1))),
			want: []string{"sip 200 PRACK/2"}, state: State{SIPAnswered, ISUPAnswered}},
		{name: "100rel: 64·T1 without PRACK → 504, REL 102 (RFC 3262 §3)",
			trunk: rel100,
			setup: seq(relAlerting, evs(timerEv(TimerRel1xx), timerEv(TimerRel1xx), timerEv(TimerRel1xx), timerEv(TimerRel1xx), timerEv(TimerRel1xx), timerEv(TimerRel1xx))),
			ev:    timerEv(TimerRel1xx),
			at:    []time.Duration{1e9, 2e9, 3e9, 3.5e9, 4.5e9, 6.5e9, 10.5e9, 18.5e9, 34.5e9, 35e9},
			want:  []string{"isup release cic7 cause=102", "sip 504 INVITE/1 " + rsn102, "start guard 1m4s"},
			state: State{SIPDone, ISUPReleasing}},
		{name: "100rel required by the trunk: Require in the INVITE is accepted",
			trunk: required, setup: evs(sipEv(inviteMsg(t, 1, ruri, require100)), seizedEv(7)), ev: acmFree,
			want: []string{"sip 180 INVITE/1 rseq=1 require=100rel", "start rel1xx 500ms"}, state: State{SIPEarly, ISUPProceeding}},
		{name: "PRACK on a call without 100rel → 481",
			setup: alerting, ev: sipEv(req(PRACK, 2, withRAck(1, 1))),
			want: []string{"sip 481 PRACK/2"}, state: State{SIPEarly, ISUPProceeding}},

		// --- In-dialog requests carry nothing to ISUP.
		{name: "re-INVITE in the confirmed dialog → 200 with the session description",
			setup: confirmed, ev: sipEv(req(INVITE, 2, inDialog, withSDPBody)),
			want: []string{"sip 200 INVITE/2 sdp"}, state: State{SIPConfirmed, ISUPAnswered}},
		{name: "UPDATE with SDP → 200 with SDP",
			setup: confirmed, ev: sipEv(req(UPDATE, 2, withSDPBody)),
			want: []string{"sip 200 UPDATE/2 sdp"}, state: State{SIPConfirmed, ISUPAnswered}},
		{name: "INFO → 200",
			setup: confirmed, ev: sipEv(req(INFO, 2)), want: []string{"sip 200 INFO/2"}, state: State{SIPConfirmed, ISUPAnswered}},
		{name: "unknown method → 501",
			setup: confirmed, ev: sipEv(req(MethodOther, 2)), want: []string{"sip 501 other/2"}, state: State{SIPConfirmed, ISUPAnswered}},
	})
}

func isupBytes(t *testing.T, m *isup.Message) ([]byte, error) {
	t.Helper()
	return m.AppendBody(nil)
}
