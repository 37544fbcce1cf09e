package call

import (
	"testing"
	"time"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/q764"
)

// reset prepares the world for the next call on the same Trunks.
func (w *world) reset() {
	w.call, w.cdr, w.finished = nil, nil, 0
	w.wire, w.sipOut = w.wire[:0], w.sipOut[:0]
	w.ctimer = [numTimers]time.Time{}
	w.uac.init()
	w.uas.init()
	w.now = w.now.Add(time.Second)
}

// BenchmarkCallSIPToISUP is a whole call through the machine and both
// q764 Trunks, every ISUP message encoded and decoded: INVITE → 100 + IAM,
// ACM → 180, ANM → 200, ACK, BYE → 200 + REL, RLC → finished. One op is
// one call; calls/s = 1e9 / (ns/op).
func BenchmarkCallSIPToISUP(b *testing.B) {
	w := newWorld(b, SIPToISUP, trunkOf(b, nil, nil), nil)
	inv := *inviteMsg(b, 1, ruri)
	acm := q764.Request{Kind: q764.ReqACM, Msg: backward(isup.ITU, isup.ACM, isup.SubscriberFree, false)}
	anm := q764.Request{Kind: q764.ReqANM, Msg: isup.New(isup.ITU, isup.ANM, 0)}
	ack := Msg{Method: ACK, CSeq: 1}
	bye := Msg{Method: BYE, CSeq: 2, InDialog: true}
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		w.sip(inv)
		w.flush()
		w.pstnDo(acm)
		w.pstnDo(anm)
		w.sip(ack)
		w.sip(bye)
		w.flush()
		if !w.call.Finished() {
			b.Fatalf("call not finished: %v", w.call.State())
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

// BenchmarkCallISUPToSIP: IAM → INVITE, 180 → ACM, 200 → ACK + ANM, BYE →
// 200 + REL, RLC → finished, through both Trunks.
func BenchmarkCallISUPToSIP(b *testing.B) {
	w := newWorld(b, ISUPToSIP, trunkOf(b, nil, nil), nil)
	iam := pstnIAM("30123456F", 0)
	ringing := Msg{Method: INVITE, CSeq: 1, Status: 180, Tag: "a1"}
	ok := Msg{Method: INVITE, CSeq: 1, Status: 200, Tag: "a1"}
	withSDPBody(&ok)
	bye := Msg{Method: BYE, CSeq: 7, Tag: "a1", InDialog: true}
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		w.pu.calls[1] = &pcall{cic: 1}
		w.pstn.Request(w.now, q764.Request{Kind: q764.ReqSetup, CIC: 1, Msg: iam})
		w.pump()
		w.flush()
		w.sip(ringing)
		w.sip(ok)
		w.flush()
		w.sip(bye)
		w.flush()
		if w.call == nil || !w.call.Finished() {
			b.Fatal("call not finished")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

// BenchmarkCallOnly* feed the Call alone with prepared events: the
// machine's own cost per call, without the Trunks or the codec.
func BenchmarkCallOnlySIPToISUP(b *testing.B) {
	tr := trunkOf(b, nil, nil)
	evs := []Event{sipEv(inviteMsg(b, 1, ruri)), seizedEv(1), indEv(q764.IndProceed, acmMsg(b, isup.SubscriberFree, false)),
		indEv(q764.IndAnswer, anmMsg(b)), sipEv(req(ACK, 1)), sipEv(req(BYE, 2)), indEv(q764.IndReleased, nil)}
	out := make([]Action, 0, 16)
	b.ReportAllocs()
	for b.Loop() {
		c := New(tr, SIPToISUP, Params{SDP: testSDP}, t0)
		for _, ev := range evs {
			out = c.Handle(t0, ev, out[:0])
		}
		if !c.Finished() {
			b.Fatal("not finished")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

func BenchmarkCallOnlyISUPToSIP(b *testing.B) {
	tr := trunkOf(b, nil, nil)
	evs := []Event{indEv(q764.IndSetup, iamMsg(b, "30123456F", 0)), sipEv(resp(INVITE, 1, 180, "a")),
		sipEv(resp(INVITE, 1, 200, "a", withSDPBody)), sipEv(req(BYE, 2, tagged("a"))), indEv(q764.IndReleased, nil)}
	out := make([]Action, 0, 16)
	b.ReportAllocs()
	for b.Loop() {
		c := New(tr, ISUPToSIP, Params{SDP: testSDP}, t0)
		for _, ev := range evs {
			out = c.Handle(t0, ev, out[:0])
		}
		if !c.Finished() {
			b.Fatal("not finished")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}
