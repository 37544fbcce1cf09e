package call

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/q764"
	"github.com/sipgw/sipgw/tdm/g711"
	"github.com/sipgw/sipgw/tdm/sdp"
)

// Media rows: calls on circuits with bearers (Params.Media) negotiate
// PCMA/PCMU and telephone-event with tdm/sdp and ask for the bridge at
// early media or answer, and stop it at the release.

var (
	gwRTP = netip.MustParseAddr("192.0.2.9")
	// offers and answers of the SIP side
	sdpPCMA    = []byte("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n")
	sdpPCMU    = []byte("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n")
	sdpG729    = []byte("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n")
	sdpMoved   = []byte("v=0\r\no=- 1 2 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\nm=audio 5000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n")
	sdpGarbage = []byte("this is not SDP")
)

func sdpBody(b []byte) func(*Msg) {
	return func(m *Msg) { m.SDP, m.ContentType, m.Body = true, "application/sdp", b }
}

func mediaParams(law g711.Law, transcode bool) *Params {
	return &Params{Media: &Media{Addr: gwRTP, Port: 30000, Law: law, EventPT: 101, Transcode: transcode, SessionID: 7}}
}

func seizedLaw(cic uint16, law g711.Law) Event { return Event{Kind: EvSeized, CIC: cic, Law: law} }

// sentSDP parses the session description of the SIP action acts[i].
func sentSDP(t *testing.T, acts []Action, i int) *sdp.Session {
	t.Helper()
	if i >= len(acts) || acts[i].Kind != ActSIP || !acts[i].SIP.SDP {
		t.Fatalf("action %d carries no SDP: %v", i, acts)
	}
	s, err := sdp.Parse(acts[i].SIP.Body)
	if err != nil {
		t.Fatalf("our SDP does not parse: %v\n%s", err, acts[i].SIP.Body)
	}
	return s
}

func hasLine(t *testing.T, s *sdp.Session, want ...string) {
	t.Helper()
	b := string(s.Marshal())
	for _, w := range want {
		if !strings.Contains(b, w+"\r\n") {
			t.Errorf("SDP lacks %q:\n%s", w, b)
		}
	}
}

func TestMediaSIPToISUP(t *testing.T) {
	def := trunkOf(t, nil, nil)
	a := mediaParams(0, true)
	noTC := mediaParams(0, false)
	inv := sipEv(inviteMsg(t, 1, ruri, sdpBody(sdpPCMA)))
	setup := evs(inv, seizedLaw(7, g711.ALaw))
	early183 := indEv(q764.IndProceed, acmMsg(t, isup.CalledStatusNoIndication, true))
	acmFree := indEv(q764.IndProceed, acmMsg(t, isup.SubscriberFree, false))
	anm := indEv(q764.IndAnswer, anmMsg(t))
	answered := seq(setup, evs(acmFree, anm))
	confirmed := seq(answered, evs(sipEv(req(ACK, 1))))
	start := "media start cic7 alaw PCMA/8 te/101 → 192.0.2.1:4000"
	late := sipEv(inviteMsg(t, 1, ruri, noBody))
	lateAnswered := seq(evs(late, seizedLaw(7, g711.ALaw), acmFree, anm))

	runTable(t, SIPToISUP, def, []row{
		{name: "INVITE with a PCMA offer: IAM, nothing else yet", params: a,
			ev: inv, want: []string{"sip 100 INVITE/1", "isup setup select IAM"}, state: State{SIPProceeding, ISUPSeizing}},
		{name: "INVITE offering no G.711: 488 before any circuit", params: a,
			ev:    sipEv(inviteMsg(t, 1, ruri, sdpBody(sdpG729))),
			want:  []string{"sip 100 INVITE/1", "sip 488 INVITE/1", "cdr sip-to-isup status=488 cause=31 by=gateway", "finished"},
			state: stDone},
		{name: "INVITE with a body that is not SDP: 400", params: a,
			ev:    sipEv(inviteMsg(t, 1, ruri, sdpBody(sdpGarbage))),
			want:  []string{"sip 100 INVITE/1", "sip 400 INVITE/1", "cdr sip-to-isup status=400 cause=41 by=gateway", "finished"},
			state: stDone},
		{name: "seized: the answer is made for the circuit's law, nothing sent", params: a,
			setup: evs(inv), ev: seizedLaw(7, g711.ALaw), want: nil, state: State{SIPProceeding, ISUPSetup}},
		{name: "seized on a µ-law circuit, PCMA only offered, no transcoding: REL 65, 488", params: noTC,
			setup: evs(inv), ev: seizedLaw(7, g711.MuLaw),
			want:  []string{"isup release cic7 cause=65", "sip 488 INVITE/1 " + `reason=Q.850;cause=65;text="bearer capability not implemented"`, "start guard 1m4s"},
			state: State{SIPDone, ISUPReleasing}},
		{name: "ACM with in-band information: 183 with the answer, bridge started (early media)", params: a,
			setup: setup, ev: early183, want: []string{"sip 183 INVITE/1 sdp", start}, state: State{SIPEarly, ISUPProceeding},
			check: func(t *testing.T, c *Call, acts []Action) {
				hasLine(t, sentSDP(t, acts, 0), "c=IN IP4 192.0.2.9", "m=audio 30000 RTP/AVP 8 101", "a=rtpmap:8 PCMA/8000",
					"a=rtpmap:101 telephone-event/8000", "a=ptime:20", "a=sendrecv")
			}},
		{name: "ACM subscriber free: 180 without SDP, no bridge yet", params: a,
			setup: setup, ev: acmFree, want: []string{"sip 180 INVITE/1"}, state: State{SIPEarly, ISUPProceeding}},
		{name: "ANM: 200 with the answer, bridge started", params: a,
			setup: seq(setup, evs(acmFree)), ev: anm, want: []string{"sip 200 INVITE/1 sdp", "start ack 32s", start},
			state: State{SIPAnswered, ISUPAnswered}},
		{name: "ANM after early media: 200 with the same answer, the bridge runs on", params: a,
			setup: seq(setup, evs(early183)), ev: anm, want: []string{"sip 200 INVITE/1 sdp", "start ack 32s"},
			state: State{SIPAnswered, ISUPAnswered},
			check: func(t *testing.T, c *Call, acts []Action) {
				if !bytes.Equal(acts[0].SIP.Body, c.med.local) {
					t.Error("the 200 carries another SDP than the 183")
				}
			}},
		{name: "BYE: REL 16, bridge stopped", params: a,
			setup: confirmed, ev: sipEv(req(BYE, 2)),
			want:  []string{"sip 200 BYE/2", "isup release cic7 cause=16", "media stop", "start guard 1m4s"},
			state: State{SIPDone, ISUPReleasing}},
		{name: "REL from ISUP: BYE, bridge stopped", params: a,
			setup: confirmed, ev: relInd(isup.CauseNormalClearing),
			want:  []string{"sip BYE " + rsn16, "media stop", "start guard 1m4s"},
			state: State{SIPTerminating, ISUPDone}},
		{name: "re-INVITE moving the far end: a new answer, the bridge follows", params: a,
			setup: confirmed, ev: sipEv(inviteMsg(t, 2, ruri, inDialog, sdpBody(sdpMoved))),
			want:  []string{"sip 200 INVITE/2 sdp", "media start cic7 alaw PCMA/8 te/101 → 192.0.2.5:5000"},
			state: State{SIPConfirmed, ISUPAnswered},
			check: func(t *testing.T, c *Call, acts []Action) {
				hasLine(t, sentSDP(t, acts, 0), "o=sipgw 7 2 IN IP4 192.0.2.9")
			}},
		{name: "re-INVITE offering no G.711: 488, the session stays", params: a,
			setup: confirmed, ev: sipEv(inviteMsg(t, 2, ruri, inDialog, sdpBody(sdpG729))),
			want: []string{"sip 488 INVITE/2"}, state: State{SIPConfirmed, ISUPAnswered}},
		{name: "late offer: the 200 offers, no bridge before the answer", params: a,
			setup: evs(late, seizedLaw(7, g711.ALaw), acmFree), ev: anm,
			want: []string{"sip 200 INVITE/1 sdp", "start ack 32s"}, state: State{SIPAnswered, ISUPAnswered},
			check: func(t *testing.T, c *Call, acts []Action) {
				hasLine(t, sentSDP(t, acts, 0), "m=audio 30000 RTP/AVP 8 0 101")
			}},
		{name: "late offer: the ACK's answer starts the bridge", params: a,
			setup: lateAnswered, ev: sipEv(req(ACK, 1, sdpBody(sdpPCMU))),
			want: []string{"stop ack", "media start cic7 alaw PCMU/0 → 192.0.2.1:4000"}, state: State{SIPConfirmed, ISUPAnswered}},
		{name: "late offer: an ACK without answer ends the call (65)", params: a,
			setup: lateAnswered, ev: sipEv(req(ACK, 1)),
			want:  []string{"stop ack", "isup release cic7 cause=65", "sip BYE " + `reason=Q.850;cause=65;text="bearer capability not implemented"`, "start guard 1m4s"},
			state: State{SIPTerminating, ISUPReleasing}},
		{name: "without Media: the fixed SDP, no bridge (plain trunks as before)",
			setup: seq(setup, evs(acmFree)), ev: anm, want: []string{"sip 200 INVITE/1 sdp", "start ack 32s"},
			state: State{SIPAnswered, ISUPAnswered},
			check: func(t *testing.T, c *Call, acts []Action) {
				if !bytes.Equal(acts[0].SIP.Body, testSDP) {
					t.Errorf("body %s", acts[0].SIP.Body)
				}
			}},
	})
}

func TestMediaISUPToSIP(t *testing.T) {
	def := trunkOf(t, nil, nil)
	a := mediaParams(g711.ALaw, true)
	mu := mediaParams(g711.MuLaw, false)
	iam := indEv(q764.IndSetup, iamMsg(t, "30123456F", 0))
	trying := sipEv(resp(INVITE, 1, 100, ""))
	ringing := sipEv(resp(INVITE, 1, 180, "a"))
	alerting := evs(iam, trying, ringing)
	ok200 := sipEv(resp(INVITE, 1, 200, "a", sdpBody(sdpPCMA)))
	answered := seq(alerting, evs(ok200))
	start := "media start cic1 alaw PCMA/8 te/101 → 192.0.2.1:4000"

	runTable(t, ISUPToSIP, def, []row{
		{name: "IAM: the INVITE offers the circuit's law first, the other, telephone-event", params: a,
			ev: iam, want: []string{inv1}, state: State{SIPProceeding, ISUPSetup},
			check: func(t *testing.T, c *Call, acts []Action) {
				hasLine(t, sentSDP(t, acts, 0), "c=IN IP4 192.0.2.9", "m=audio 30000 RTP/AVP 8 0 101", "a=rtpmap:0 PCMU/8000", "a=fmtp:101 0-15")
			}},
		{name: "IAM on a T1 circuit without transcoding: PCMU only", params: mu,
			ev: iam, want: []string{inv1}, state: State{SIPProceeding, ISUPSetup},
			check: func(t *testing.T, c *Call, acts []Action) {
				hasLine(t, sentSDP(t, acts, 0), "m=audio 30000 RTP/AVP 0 101")
			}},
		{name: "183 with the answer: ACM, bridge started (early media)", params: a,
			setup: evs(iam, trying), ev: sipEv(resp(INVITE, 1, 183, "a", sdpBody(sdpPCMA))),
			want: []string{"isup acm cic1 ACM", start}, state: State{SIPEarly, ISUPProceeding}},
		{name: "180 without SDP: ACM, no bridge", params: a,
			setup: evs(iam, trying), ev: ringing, want: []string{"isup acm cic1 ACM"}, state: State{SIPEarly, ISUPProceeding}},
		{name: "200 with the answer: ACK, ANM, bridge started", params: a,
			setup: alerting, ev: ok200, want: []string{"sip ACK/1 tag=a", "isup anm cic1 ANM", start},
			state: State{SIPConfirmed, ISUPAnswered}},
		{name: "200 answering PCMU on an alaw circuit: transcoded", params: a,
			setup: alerting, ev: sipEv(resp(INVITE, 1, 200, "a", sdpBody(sdpPCMU))),
			want:  []string{"sip ACK/1 tag=a", "isup anm cic1 ANM", "media start cic1 alaw PCMU/0 → 192.0.2.1:4000"},
			state: State{SIPConfirmed, ISUPAnswered}},
		{name: "200 answering no G.711: ACK, BYE, REL 65", params: a,
			setup: alerting, ev: sipEv(resp(INVITE, 1, 200, "a", sdpBody(sdpG729))),
			want: []string{"sip ACK/1 tag=a", "isup release cic1 cause=65", "sip BYE tag=a " + `reason=Q.850;cause=65;text="bearer capability not implemented"`,
				"start guard 1m4s"},
			state: State{SIPTerminating, ISUPReleasing}},
		{name: "REL after the answer: BYE, bridge stopped", params: a,
			setup: answered, ev: relInd(isup.CauseNormalClearing),
			want:  []string{"sip BYE tag=a " + rsn16, "media stop", "start guard 1m4s"},
			state: State{SIPTerminating, ISUPDone}},
		{name: "BYE from SIP: REL 16, bridge stopped", params: a,
			setup: answered, ev: sipEv(req(BYE, 1, tagged("a"))),
			want:  []string{"sip 200 BYE/1", "isup release cic1 cause=16", "media stop", "start guard 1m4s"},
			state: State{SIPDone, ISUPReleasing}},
	})
}
