package call

import (
	"testing"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/q764"
)

// TestRacesSIPToISUP: messages crossing on a SIP → ISUP call; every path
// ends with both legs done.
func TestRacesSIPToISUP(t *testing.T) {
	def := trunkOf(t, nil, nil)
	inv := sipEv(inviteMsg(t, 1, ruri))
	setup := evs(inv, seizedEv(7))
	alerting := seq(setup, evs(indEv(q764.IndProceed, acmMsg(t, isup.SubscriberFree, false))))
	answered := seq(alerting, evs(indEv(q764.IndAnswer, anmMsg(t))))
	confirmed := seq(answered, evs(sipEv(req(ACK, 1))))
	rel16 := indEv(q764.IndRelease, relMsg(t, isup.CauseNormalClearing, isup.LocUser))
	rel100 := trunkOf(t, nil, func(c *Config) { c.Rel100 = Rel100Supported })
	overlap := trunkOf(t, nil, func(c *Config) { c.SIPOverlap = true })
	ov1 := sipEv(inviteMsg(t, 1, "sip:+49301234@gw.example;user=phone"))
	ov2 := sipEv(inviteMsg(t, 2, "sip:+4930123456@gw.example;user=phone"))

	terminated := func(m *Msg) { m.Terminated = true }
	cancelled := sipEv(req(CANCEL, 1, terminated))
	q := trunkOf(t, q19125, nil)
	lost := func(t *testing.T, c *Call, _ []Action) {
		if r := c.Record(); r.Status != 487 || !r.Answered.IsZero() {
			t.Errorf("record: status %d, answered %v; want 487, never", r.Status, r.Answered)
		}
	}

	runTable(t, SIPToISUP, def, []row{
		{name: "CANCEL crossing the 200: 200 to the CANCEL, no effect (RFC 3261 §9.2)",
			setup: answered, ev: sipEv(req(CANCEL, 1)), want: []string{"sip 200 CANCEL/1"}, state: State{SIPAnswered, ISUPAnswered}},
		{name: "CANCEL the transaction layer answered (487) while our 200 was on its way: the 200 lost, REL at once",
			setup: answered, ev: cancelled, check: lost,
			want: []string{"stop ack", "isup release cic7 cause=16", "start guard 1m4s"}, state: State{SIPDone, ISUPReleasing}},
		{name: "… the same on a Q.1912.5 trunk: REL cause 31",
			trunk: q, setup: answered, ev: cancelled, check: lost,
			want: []string{"stop ack", "isup release cic7 cause=31", "start guard 1m4s"}, state: State{SIPDone, ISUPReleasing}},
		{name: "… with a Reason: its cause",
			setup: answered, ev: sipEv(req(CANCEL, 1, terminated, withReason("Q.850;cause=41"))),
			want: []string{"stop ack", "isup release cic7 cause=41", "start guard 1m4s"}, state: State{SIPDone, ISUPReleasing}},
		{name: "… RLC ends the call: CDR 487, released by SIP",
			setup: seq(answered, evs(cancelled)), ev: indEv(q764.IndReleased, nil), check: lost,
			want: []string{"stop guard", "cdr sip-to-isup status=487 cause=16 by=sip", "finished"}, state: stDone},
		{name: "… the far end's REL came between the 200 and the CANCEL: the call ends, no BYE",
			setup: seq(answered, evs(rel16)), ev: cancelled, check: lost,
			want: []string{"stop ack", "stop guard", "cdr sip-to-isup status=487 cause=16 by=isup", "finished"}, state: stDone},
		{name: "… after our failure response, which lost the same way: nothing, the CDR says 487",
			setup: seq(alerting, evs(Event{Kind: EvRelease, Cause: isup.CauseTemporaryFailure})), ev: cancelled,
			want: nil, state: State{SIPDone, ISUPReleasing},
			check: func(t *testing.T, c *Call, _ []Action) {
				if c.Record().Status != 487 {
					t.Errorf("status %d", c.Record().Status)
				}
			}},
		{name: "CANCEL the transaction layer answered before the answer: no 200 or 487 of ours, REL",
			setup: alerting, ev: cancelled,
			want: []string{"isup release cic7 cause=16", "start guard 1m4s"}, state: State{SIPDone, ISUPReleasing}},
		{name: "… before the circuit is known: REL once seized",
			setup: evs(inv), ev: cancelled, want: []string{"start guard 1m4s"}, state: State{SIPDone, ISUPSeizing}},
		{name: "… while the 200 waits for a PRACK: REL, the 200 never goes",
			trunk: rel100, setup: evs(sipEv(inviteMsg(t, 1, ruri, supported)), seizedEv(7),
				indEv(q764.IndProceed, acmMsg(t, isup.CalledStatusNoIndication, true)), indEv(q764.IndAnswer, anmMsg(t))),
			ev: cancelled, want: []string{"stop rel1xx", "isup release cic7 cause=16", "start guard 1m4s"}, state: State{SIPDone, ISUPReleasing}},
		{name: "… for a superseded RFC 3578 INVITE: nothing",
			trunk: overlap, setup: evs(ov1, seizedEv(7), ov2), ev: cancelled, want: nil, state: State{SIPProceeding, ISUPSetup}},
		{name: "… for a re-INVITE: nothing",
			setup: confirmed, ev: sipEv(req(CANCEL, 3, terminated)), want: nil, state: State{SIPConfirmed, ISUPAnswered}},
		{name: "BYE before the ACK: 200, REL 16, the ACK wait ends",
			setup: answered, ev: sipEv(req(BYE, 2)),
			want: []string{"sip 200 BYE/2", "stop ack", "isup release cic7 cause=16", "start guard 1m4s"}, state: State{SIPDone, ISUPReleasing}},
		{name: "REL after the 200, before the ACK: the BYE waits for the ACK (RFC 3261 §15)",
			setup: answered, ev: rel16, want: []string{"start guard 1m4s"}, state: State{SIPAnswered, ISUPDone}},
		{name: "… the ACK lets the BYE go",
			setup: seq(answered, evs(rel16)), ev: sipEv(req(ACK, 1)),
			want: []string{"stop ack", "sip BYE " + rsn16}, state: State{SIPTerminating, ISUPDone}},
		{name: "… no ACK in 64·T1: the BYE goes anyway (RFC 3261 §13.3.1.4)",
			setup: seq(answered, evs(rel16)), ev: timerEv(TimerAck),
			want: []string{"sip BYE " + rsn16}, state: State{SIPTerminating, ISUPDone}},
		{name: "no ACK in 64·T1 on an answered call: BYE and REL 102",
			setup: answered, ev: timerEv(TimerAck),
			want: []string{"isup release cic7 cause=102", "sip BYE " + rsn102, "start guard 1m4s"}, state: State{SIPTerminating, ISUPReleasing}},
		{name: "BYEs crossing: the UAC's BYE while ours is pending → 200, done",
			setup: seq(confirmed, evs(rel16)), ev: sipEv(req(BYE, 2)),
			want: []string{"sip 200 BYE/2", "stop guard", "cdr sip-to-isup status=200 cause=16 by=isup", "finished"}, state: stDone},
		{name: "BYE and REL crossing: the Trunk refuses our release (its REL came first) → done",
			setup: seq(confirmed, evs(sipEv(req(BYE, 2)))), ev: indEv(q764.IndRejected, nil),
			want: []string{"stop guard", "cdr sip-to-isup status=200 cause=16 by=sip", "finished"}, state: stDone},
		{name: "BYE and REL crossing: the far end's REL reported after ours → done",
			setup: seq(confirmed, evs(sipEv(req(BYE, 2)))), ev: rel16,
			want: []string{"stop guard", "cdr sip-to-isup status=200 cause=16 by=sip", "finished"}, state: stDone},
		{name: "REL crossing ANM: an answer after our REL is ignored",
			setup: seq(alerting, evs(sipEv(req(CANCEL, 1)))), ev: indEv(q764.IndAnswer, anmMsg(t)),
			want: nil, state: State{SIPDone, ISUPReleasing}},
		{name: "CANCEL before the circuit is known: 487 now, REL once seized",
			setup: evs(inv), ev: sipEv(req(CANCEL, 1)),
			want: []string{"sip 200 CANCEL/1", "sip 487 INVITE/1", "start guard 1m4s"}, state: State{SIPDone, ISUPSeizing}},
		{name: "… seized: REL at once",
			setup: evs(inv, sipEv(req(CANCEL, 1))), ev: seizedEv(7),
			want: []string{"isup release cic7 cause=16"}, state: State{SIPDone, ISUPReleasing}},
		{name: "… or the setup refused: done",
			setup: evs(inv, sipEv(req(CANCEL, 1))), ev: indEv(q764.IndRejected, nil),
			want: []string{"stop guard", "cdr sip-to-isup status=487 cause=16 by=sip", "finished"}, state: stDone},
		{name: "CANCEL after the final response to a superseded RFC 3578 INVITE → 200, no effect",
			trunk: overlap, setup: evs(ov1, seizedEv(7), ov2), ev: sipEv(req(CANCEL, 1)),
			want: []string{"sip 200 CANCEL/1"}, state: State{SIPProceeding, ISUPSetup}},
		{name: "CANCEL for no INVITE of the call → 481",
			setup: alerting, ev: sipEv(req(CANCEL, 9)), want: []string{"sip 481 CANCEL/9"}, state: State{SIPEarly, ISUPProceeding}},
		{name: "REL while the 200 waits for a PRACK: the INVITE is still pending → failure response",
			trunk: rel100, setup: evs(sipEv(inviteMsg(t, 1, ruri, supported)), seizedEv(7),
				indEv(q764.IndProceed, acmMsg(t, isup.CalledStatusNoIndication, true)), indEv(q764.IndAnswer, anmMsg(t))),
			ev:   rel16,
			want: []string{"stop rel1xx", "sip 480 INVITE/1 " + rsn16, "cdr sip-to-isup status=480 cause=16 by=isup", "finished"}, state: stDone},
		{name: "guard: no response to our BYE → the call ends, forced",
			setup: seq(confirmed, evs(rel16)), ev: timerEv(TimerGuard),
			want: []string{"cdr sip-to-isup status=200 cause=16 by=isup forced", "finished"}, state: stDone},
		{name: "guard: no RLC to our REL → the call ends; the Trunk keeps the circuit (T1, T5)",
			setup: seq(confirmed, evs(sipEv(req(BYE, 2)))), ev: timerEv(TimerGuard),
			want: []string{"cdr sip-to-isup status=200 cause=16 by=sip forced", "finished"}, state: stDone},
		{name: "guard while the BYE waits for an ACK that never comes",
			setup: seq(answered, evs(rel16)), ev: timerEv(TimerGuard),
			want: []string{"stop ack", "cdr sip-to-isup status=200 cause=16 by=isup forced", "finished"}, state: stDone},
		{name: "operator release of a confirmed call: REL with the cause, BYE with Reason",
			setup: confirmed, ev: Event{Kind: EvRelease, Cause: isup.CauseTemporaryFailure},
			want: []string{"isup release cic7 cause=41", `sip BYE reason=Q.850;cause=41;text="temporary failure"`, "start guard 1m4s"}, state: State{SIPTerminating, ISUPReleasing}},
		{name: "operator release of a pending call: REL, failure response (41 → 503)",
			setup: alerting, ev: Event{Kind: EvRelease, Cause: isup.CauseTemporaryFailure},
			want: []string{"isup release cic7 cause=41", `sip 503 INVITE/1 reason=Q.850;cause=41;text="temporary failure"`, "start guard 1m4s"}, state: State{SIPDone, ISUPReleasing}},
		{name: "a stale timer expiry is ignored",
			setup: confirmed, ev: timerEv(TimerRel1xx), want: nil, state: State{SIPConfirmed, ISUPAnswered}},
		{name: "an IndReleased nobody asked for is ignored",
			setup: confirmed, ev: indEv(q764.IndReleased, nil), want: nil, state: State{SIPConfirmed, ISUPAnswered}},
	})
}

// TestRacesISUPToSIP: crossing messages and forks on an ISUP → SIP call.
func TestRacesISUPToSIP(t *testing.T) {
	def := trunkOf(t, nil, nil)
	each := trunkOf(t, nil, func(c *Config) { c.Forking = ForkEach })
	iam := indEv(q764.IndSetup, iamMsg(t, "30123456F", 0))
	alerting := evs(iam, sipEv(resp(INVITE, 1, 180, "a")))
	answered := seq(alerting, evs(sipEv(resp(INVITE, 1, 200, "a"))))
	rel16 := indEv(q764.IndRelease, relMsg(t, isup.CauseNormalClearing, isup.LocUser))

	runTable(t, ISUPToSIP, def, []row{
		{name: "200 crossing our CANCEL: ACK, then BYE with the release's Reason",
			setup: seq(alerting, evs(rel16)), ev: sipEv(resp(INVITE, 1, 200, "a")),
			want: []string{"sip ACK/1 tag=a", "sip BYE tag=a " + rsn16}, state: State{SIPTerminating, ISUPDone}},
		{name: "… the BYE's response ends the call",
			setup: seq(alerting, evs(rel16, sipEv(resp(INVITE, 1, 200, "a")))), ev: sipEv(resp(BYE, 2, 481, "a")),
			want: []string{"stop guard", "cdr isup-to-sip status=0 cause=16 by=isup", "finished"}, state: stDone},
		{name: "200 while releasing on SIP's failure… (ISUP REL sent): ACK and BYE",
			setup: seq(alerting, evs(Event{Kind: EvRelease, Cause: isup.CauseNoAnswer})), ev: sipEv(resp(INVITE, 1, 200, "a")),
			want: []string{"sip ACK/1 tag=a", "sip BYE tag=a " + rsn19}, state: State{SIPTerminating, ISUPReleasing}},
		{name: "forks, policy first: 180 of a second early dialog → nothing",
			setup: alerting, ev: sipEv(resp(INVITE, 1, 180, "b")), want: nil, state: State{SIPEarly, ISUPProceeding}},
		{name: "forks, policy each: 180 of a second early dialog → CPG",
			trunk: each, setup: alerting, ev: sipEv(resp(INVITE, 1, 180, "b")), want: []string{"isup cpg cic1 CPG"}, state: State{SIPEarly, ISUPProceeding}},
		{name: "forks: a reliable 183 of a second dialog is PRACKed on its dialog, not mapped",
			setup: alerting, ev: sipEv(resp(INVITE, 1, 183, "b", withRSeq(40))),
			want: []string{"sip PRACK tag=b rack=40 1 INVITE"}, state: State{SIPEarly, ISUPProceeding}},
		{name: "forks: the first 200 wins, even from another dialog",
			setup: alerting, ev: sipEv(resp(INVITE, 1, 200, "b")),
			want: []string{"sip ACK/1 tag=b", "isup anm cic1 ANM"}, state: State{SIPConfirmed, ISUPAnswered}},
		{name: "forks: a 200 of another dialog after the winner → ACK and BYE (RFC 3261 §13.2.2.4)",
			setup: answered, ev: sipEv(resp(INVITE, 1, 200, "b")),
			want: []string{"sip ACK/1 tag=b", "sip BYE tag=b reason=Q.850;cause=16"}, state: State{SIPConfirmed, ISUPAnswered}},
		{name: "the winner's 200 retransmitted → ACK again, nothing on ISUP",
			setup: answered, ev: sipEv(resp(INVITE, 1, 200, "a")), want: []string{"sip ACK/1 tag=a"}, state: State{SIPConfirmed, ISUPAnswered}},
		{name: "a failure of another fork after the winner's 200 → nothing",
			setup: answered, ev: sipEv(resp(INVITE, 1, 486, "b")), want: nil, state: State{SIPConfirmed, ISUPAnswered}},
		{name: "reliable 183 → PRACK with RAck, then ACM",
			setup: evs(iam), ev: sipEv(resp(INVITE, 1, 183, "a", withRSeq(7))),
			want: []string{"sip PRACK tag=a rack=7 1 INVITE", "isup acm cic1 ACM"}, state: State{SIPEarly, ISUPProceeding}},
		{name: "reliable 183 retransmitted (same RSeq) → dropped",
			setup: evs(iam, sipEv(resp(INVITE, 1, 183, "a", withRSeq(7)))), ev: sipEv(resp(INVITE, 1, 183, "a", withRSeq(7))),
			want: nil, state: State{SIPEarly, ISUPProceeding}},
		{name: "reliable 180 out of order (RSeq skips) → dropped, no PRACK (RFC 3262 §4)",
			setup: evs(iam, sipEv(resp(INVITE, 1, 183, "a", withRSeq(7)))), ev: sipEv(resp(INVITE, 1, 180, "a", withRSeq(9))),
			want: nil, state: State{SIPEarly, ISUPProceeding}},
		{name: "reliable 180 in order → PRACK, CPG",
			setup: evs(iam, sipEv(resp(INVITE, 1, 183, "a", withRSeq(7)))), ev: sipEv(resp(INVITE, 1, 180, "a", withRSeq(8))),
			want: []string{"sip PRACK tag=a rack=8 1 INVITE", "isup cpg cic1 CPG"}, state: State{SIPEarly, ISUPProceeding}},
		{name: "the 200 to our PRACK → nothing",
			setup: evs(iam, sipEv(resp(INVITE, 1, 183, "a", withRSeq(7)))), ev: sipEv(resp(PRACK, 2, 200, "a")),
			want: nil, state: State{SIPEarly, ISUPProceeding}},
		{name: "T11 raced our ACM: the Trunk refuses it → CPG instead",
			setup: evs(iam, sipEv(resp(INVITE, 1, 180, "a")), indEv(q764.IndEarlyACM, nil)), ev: indEv(q764.IndRejected, nil),
			want: []string{"isup cpg cic1 CPG"}, state: State{SIPEarly, ISUPProceeding}},
		{name: "T11 raced our CON: the Trunk refuses it → ANM instead",
			setup: evs(iam, sipEv(resp(INVITE, 1, 200, "a")), indEv(q764.IndEarlyACM, nil)), ev: indEv(q764.IndRejected, nil),
			want: []string{"isup anm cic1 ANM"}, state: State{SIPConfirmed, ISUPAnswered}},
		{name: "BYEs crossing: the callee's BYE while ours is pending → 200, done",
			setup: seq(answered, evs(rel16)), ev: sipEv(req(BYE, 1, tagged("a"))),
			want: []string{"sip 200 BYE/1", "stop guard", "cdr isup-to-sip status=200 cause=16 by=isup", "finished"}, state: stDone},
		{name: "BYE and REL crossing: our release refused → done",
			setup: seq(answered, evs(sipEv(req(BYE, 1, tagged("a"))))), ev: indEv(q764.IndRejected, nil),
			want: []string{"stop guard", "cdr isup-to-sip status=200 cause=16 by=sip", "finished"}, state: stDone},
		{name: "REL and a failure response crossing: the 486 after our CANCEL ends the call",
			setup: seq(alerting, evs(rel16)), ev: sipEv(resp(INVITE, 1, 486, "a")),
			want: []string{"stop guard", "cdr isup-to-sip status=0 cause=16 by=isup", "finished"}, state: stDone},
		{name: "guard: no final response to our CANCEL → forced end",
			setup: seq(alerting, evs(rel16)), ev: timerEv(TimerGuard),
			want: []string{"cdr isup-to-sip status=0 cause=16 by=isup forced", "finished"}, state: stDone},
		{name: "a CANCEL of the callee's re-INVITE the transaction layer answered → nothing",
			setup: answered, ev: sipEv(req(CANCEL, 5, func(m *Msg) { m.Terminated = true })), want: nil, state: State{SIPConfirmed, ISUPAnswered}},
		{name: "operator release while ringing: REL and CANCEL",
			setup: alerting, ev: Event{Kind: EvRelease},
			want: []string{"isup release cic1 cause=16", "sip CANCEL/1 " + rsn16, "start guard 1m4s"}, state: State{SIPCancelling, ISUPReleasing}},
		{name: "re-INVITE from the callee → 200 with the session description",
			setup: answered, ev: sipEv(req(INVITE, 5, inDialog, withSDPBody)),
			want: []string{"sip 200 INVITE/5 sdp"}, state: State{SIPConfirmed, ISUPAnswered}},
		{name: "a stray INVITE response of an unknown CSeq → nothing",
			setup: alerting, ev: sipEv(resp(INVITE, 9, 200, "z")), want: nil, state: State{SIPEarly, ISUPProceeding}},
	})
}

// TestFinishedCall: after ActFinished, requests are answered 481 and
// everything else dropped.
func TestFinishedCall(t *testing.T) {
	c := New(trunkOf(t, nil, nil), SIPToISUP, Params{}, t0)
	c.Handle(t0, sipEv(inviteMsg(t, 1, ruri)), nil)
	c.Handle(t0, indEv(q764.IndRejected, nil), nil)
	if !c.Finished() {
		t.Fatal("not finished")
	}
	for _, tc := range []struct {
		ev   Event
		want []string
	}{
		{sipEv(req(BYE, 2)), []string{"sip 481 BYE/2"}},
		{sipEv(req(ACK, 1)), nil},
		{sipEv(req(CANCEL, 1, func(m *Msg) { m.Terminated = true })), nil},
		{sipEv(resp(BYE, 2, 200, "")), nil},
		{indEv(q764.IndAnswer, anmMsg(t)), nil},
		{timerEv(TimerGuard), nil},
	} {
		if got := strs(c.Handle(t0, tc.ev, nil)); !eqStrs(got, tc.want) {
			t.Errorf("%v: got %v want %v", tc.ev, got, tc.want)
		}
	}
}
