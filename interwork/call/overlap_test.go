package call

import (
	"testing"

	"github.com/sipgw/sipgw/interwork/mapping"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/q764"
)

func samDigits(t *testing.T, a Action) string {
	t.Helper()
	var sn isup.SubsequentNumber
	if a.ISUP.Kind != q764.ReqSAM || a.ISUP.Msg == nil {
		t.Fatalf("not a SAM request: %v", a)
	}
	if ok, err := a.ISUP.Msg.Get(&sn); !ok || err != nil {
		t.Fatalf("SAM without subsequent number: %v", err)
	}
	return sn.Digits.String()
}

// TestOverlapSIPToISUP: RFC 3578 INVITEs from SIP become the IAM and SAMs
// (Q.764 §2.1.2); each earlier INVITE is answered 484.
func TestOverlapSIPToISUP(t *testing.T) {
	ov := trunkOf(t, func(c *mapping.TrunkConfig) { c.Numbering.MinDigits, c.Numbering.EndOfPulsing = 10, true },
		func(c *Config) { c.SIPOverlap = true })
	i1 := sipEv(inviteMsg(t, 1, "sip:+49301234@gw.example;user=phone"))
	i2 := sipEv(inviteMsg(t, 2, "sip:+4930123456@gw.example;user=phone"))
	i3 := sipEv(inviteMsg(t, 3, "sip:+493012345678@gw.example;user=phone"))
	acm := indEv(q764.IndProceed, acmMsg(t, isup.SubscriberFree, false))

	runTable(t, SIPToISUP, ov, []row{
		{name: "the first INVITE's IAM carries its digits, no ST, no minimum length",
			ev: i1, want: []string{"sip 100 INVITE/1", "isup setup select IAM"}, state: State{SIPProceeding, ISUPSeizing},
			check: func(t *testing.T, _ *Call, acts []Action) {
				var cd isup.CalledPartyNumber
				if ok, err := acts[1].ISUP.Msg.Get(&cd); !ok || err != nil || cd.Digits.String() != "49301234" {
					t.Errorf("called number %q %v", cd.Digits.String(), err)
				}
			}},
		{name: "a later INVITE with more digits: 100, 484 to the earlier, SAM with the new digits",
			setup: evs(i1, seizedEv(7)), ev: i2,
			want: []string{"sip 100 INVITE/2", "sip 484 INVITE/1", "isup sam cic7 SAM"}, state: State{SIPProceeding, ISUPSetup},
			check: func(t *testing.T, _ *Call, acts []Action) {
				if d := samDigits(t, acts[2]); d != "56" {
					t.Errorf("SAM digits %q", d)
				}
			}},
		{name: "a third INVITE: the second answered 484, SAM again",
			setup: evs(i1, seizedEv(7), i2), ev: i3,
			want: []string{"sip 100 INVITE/3", "sip 484 INVITE/2", "isup sam cic7 SAM"}, state: State{SIPProceeding, ISUPSetup},
			check: func(t *testing.T, _ *Call, acts []Action) {
				if d := samDigits(t, acts[2]); d != "78" {
					t.Errorf("SAM digits %q", d)
				}
			}},
		{name: "the ACM after the SAMs answers the latest INVITE",
			setup: evs(i1, seizedEv(7), i2), ev: acm, want: []string{"sip 180 INVITE/2"}, state: State{SIPEarly, ISUPProceeding}},
		{name: "digits before the circuit is known wait for the seizure",
			setup: evs(i1), ev: i2, want: []string{"sip 100 INVITE/2", "sip 484 INVITE/1"}, state: State{SIPProceeding, ISUPSeizing}},
		{name: "… and go in a SAM once seized",
			setup: evs(i1, i2), ev: seizedEv(7), want: []string{"isup sam cic7 SAM"}, state: State{SIPProceeding, ISUPSetup},
			check: func(t *testing.T, _ *Call, acts []Action) {
				if d := samDigits(t, acts[0]); d != "56" {
					t.Errorf("SAM digits %q", d)
				}
			}},
		{name: "a repeat attempt sends the IAM again and the digits since in a SAM",
			setup: evs(i1, seizedEv(7), i2, reattempt(q764.WhyDualSeizure)), ev: seizedEv(9),
			want: []string{"isup sam cic9 SAM"}, state: State{SIPProceeding, ISUPSetup}},
		{name: "after ACM a later INVITE takes over: 484 to the earlier, the 180 repeated, no SAM (Q.764 §2.1.2)",
			setup: evs(i1, seizedEv(7), acm), ev: i2,
			want: []string{"sip 100 INVITE/2", "sip 484 INVITE/1", "sip 180 INVITE/2"}, state: State{SIPEarly, ISUPProceeding}},
		{name: "an INVITE whose digits do not extend those sent → 404, the call goes on",
			setup: evs(i1, seizedEv(7)), ev: sipEv(inviteMsg(t, 2, "sip:+49309999@gw.example;user=phone")),
			want: []string{"sip 404 INVITE/2"}, state: State{SIPProceeding, ISUPSetup}},
		{name: "an INVITE with a lower CSeq → 482 (merged request, RFC 3261 §8.2.2.2)",
			setup: evs(i2, seizedEv(7)), ev: i1, want: []string{"sip 482 INVITE/1"}, state: State{SIPProceeding, ISUPSetup}},
		{name: "a second INVITE on a trunk without overlap → 482",
			trunk: trunkOf(t, nil, nil), setup: evs(i1, seizedEv(7)), ev: i2,
			want: []string{"sip 482 INVITE/2"}, state: State{SIPProceeding, ISUPSetup}},
		{name: "a second INVITE after the answer → 482",
			setup: evs(i1, seizedEv(7), indEv(q764.IndAnswer, conMsg(t))), ev: i2,
			want: []string{"sip 482 INVITE/2"}, state: State{SIPAnswered, ISUPAnswered}},
		{name: "CANCEL of the latest INVITE releases with the collected digits",
			setup: evs(i1, seizedEv(7), i2), ev: sipEv(req(CANCEL, 2)),
			want: []string{"sip 200 CANCEL/2", "sip 487 INVITE/2", "isup release cic7 cause=16", "start guard 1m4s"}, state: State{SIPDone, ISUPReleasing},
			check: func(t *testing.T, c *Call, _ []Action) {
				if r := c.Record(); r.Called != "4930123456" {
					t.Errorf("CDR called %q", r.Called)
				}
			}},
	})
}
