package call

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/q764"
)

// Golden mid-call tests: the world's real q764 Trunks back to back, the
// messages checked as they crossed the wire.

// confirmedSIPToISUP sets up an answered, confirmed SIP → ISUP call on
// trunk tr and returns the world.
func confirmedSIPToISUP(t *testing.T, tr *Trunk) *world {
	t.Helper()
	w := newWorld(t, SIPToISUP, tr, nil)
	w.sip(*inviteMsg(t, 1, ruri))
	w.flush()
	w.pstnDo(q764.Request{Kind: q764.ReqACM, Msg: backward(isup.ITU, isup.ACM, isup.SubscriberFree, false)})
	w.pstnDo(q764.Request{Kind: q764.ReqANM, Msg: isup.New(isup.ITU, isup.ANM, 0)})
	w.sip(Msg{Method: ACK, CSeq: 1})
	w.flush()
	if st := w.call.State(); st != (State{SIPConfirmed, ISUPAnswered}) {
		t.Fatalf("state %v", st)
	}
	return w
}

// lastINFO returns the ISUP message of the latest INFO the call sent.
func (w *world) lastINFO(t *testing.T) *isup.Message {
	t.Helper()
	for i := len(w.sipOut) - 1; i >= 0; i-- {
		if m := w.sipOut[i]; m.Method == INFO && m.Status == 0 {
			return decodeBodyISUP(t, m)
		}
	}
	t.Fatalf("no INFO sent: %v", w.sipSent())
	return nil
}

func (w *world) countINFO() int {
	n := 0
	for _, m := range w.sipOut {
		if m.Method == INFO && m.Status == 0 {
			n++
		}
	}
	return n
}

func sameBody(t *testing.T, what string, got, want *isup.Message) {
	t.Helper()
	g, _ := got.AppendBody(nil)
	x, _ := want.AppendBody(nil)
	if !bytes.Equal(g, x) {
		t.Errorf("%s: % x, want % x", what, g, x)
	}
}

// TestGoldenMidCallSIPI: on an answered SIP-I call, the PSTN's FAC, SUS
// (network) and RES reach SIP in INFO octet for octet, the gateway's
// Trunk running T6 in between; USR, SUS and RES from SIP in INFO reach
// the PSTN octet for octet.
func TestGoldenMidCallSIPI(t *testing.T) {
	w := confirmedSIPToISUP(t, trunkOf(t, sipI, nil))
	cic, _ := w.call.CIC()

	fac := isup.New(isup.ITU, isup.FAC, 0)
	fac.SetRaw(isup.ParamAccessTransport, []byte{0x7e, 0x03, 0xa1, 0x01, 0x02})
	w.pstnDo(q764.Request{Kind: q764.ReqMessage, Msg: fac})
	sameBody(t, "FAC in INFO", w.lastINFO(t), w.lastWire(false, isup.FAC))

	w.pstnDo(q764.Request{Kind: q764.ReqSuspend, Msg: isup.NewSuspendResume(isup.ITU, isup.SUS, 0, isup.SuspendNetworkInitiated)})
	sameBody(t, "SUS in INFO", w.lastINFO(t), w.lastWire(false, isup.SUS))
	if !running(w, q764.TimerRef{CIC: cic, Timer: q764.T6}) {
		t.Error("the gateway's Trunk does not run T6 after SUS network (Q.764 §2.4)")
	}
	w.pstnDo(q764.Request{Kind: q764.ReqResume, Msg: isup.NewSuspendResume(isup.ITU, isup.RES, 0, isup.SuspendNetworkInitiated)})
	sameBody(t, "RES in INFO", w.lastINFO(t), w.lastWire(false, isup.RES))
	if running(w, q764.TimerRef{CIC: cic, Timer: q764.T6}) {
		t.Error("T6 still runs after RES")
	}
	if n := w.countINFO(); n != 3 {
		t.Errorf("%d INFOs, want 3", n)
	}

	for _, m := range []*isup.Message{
		isup.NewUSR(isup.ITU, 0, []byte{0x04, 'f', 'r', 'o', 'm', ' ', 's', 'i', 'p'}),
		isup.NewSuspendResume(isup.ITU, isup.SUS, 0, isup.SuspendNetworkInitiated),
		isup.NewSuspendResume(isup.ITU, isup.RES, 0, isup.SuspendNetworkInitiated),
	} {
		w.sip(*infoWith(t, 10, m, "optional"))
		w.flush()
		sameBody(t, m.Type.String()+" at the PSTN", w.lastWire(true, m.Type), m)
		if last := w.sipOut[len(w.sipOut)-1]; last.Status != 200 || last.Method != INFO {
			t.Errorf("INFO answered %v", last.String())
		}
	}
	w.sip(Msg{Method: BYE, CSeq: 20, InDialog: true})
	w.settle()
	w.check()
	if w.cdr.Status != 200 || w.cdr.Cause != 16 || w.cdr.ReleasedBy != PartySIP {
		t.Errorf("CDR %+v", w.cdr)
	}
}

// TestGoldenSuspendT6: SUS network on a plain trunk goes nowhere on SIP,
// but Q.764 runs at the gateway: no RES within T6 and the call is
// released, REL 102 toward the PSTN and BYE with Reason 102 toward SIP.
func TestGoldenSuspendT6(t *testing.T) {
	w := confirmedSIPToISUP(t, trunkOf(t, nil, nil))
	w.pstnDo(q764.Request{Kind: q764.ReqSuspend, Msg: isup.NewSuspendResume(isup.ITU, isup.SUS, 0, isup.SuspendNetworkInitiated)})
	if n := w.countINFO(); n != 0 {
		t.Fatalf("%d INFOs on a plain trunk", n)
	}
	w.advance(w.now.Add(time.Minute + time.Second))
	w.flush()
	rel := w.lastWire(true, isup.REL)
	if ci := getParam[isup.CauseIndicators](t, rel); ci.Value != isup.CauseRecoveryOnTimerExpiry {
		t.Errorf("REL cause %v, want 102", ci.Value)
	}
	var bye Msg
	for _, m := range w.sipOut {
		if m.Method == BYE && m.Status == 0 {
			bye = m
		}
	}
	if !strings.Contains(bye.Reason, "cause=102") {
		t.Errorf("BYE %v", bye.String())
	}
	w.settle()
	w.check()
	if w.cdr.Cause != isup.CauseRecoveryOnTimerExpiry || w.cdr.ReleasedBy != PartyISUP {
		t.Errorf("CDR %+v", w.cdr)
	}
}

// TestGoldenBackwardTransparency: an ISUP → SIP call on a SIP-I trunk:
// the ACM and ANM the SIP-I responses encapsulate arrive at the PSTN octet
// for octet; an INR from SIP in INFO reaches the PSTN (the gateway's
// Trunk starts T33) and the PSTN's INF goes back in INFO.
func TestGoldenBackwardTransparency(t *testing.T) {
	w := newWorld(t, ISUPToSIP, trunkOf(t, sipI, nil), nil)
	w.pu.calls[3] = &pcall{cic: 3}
	w.pstn.Request(w.now, q764.Request{Kind: q764.ReqSetup, CIC: 3, Msg: pstnIAM("30123456F", 0)})
	w.pump()
	w.flush()

	acm := isup.New(isup.ITU, isup.ACM, 0)
	acm.Set(&isup.BackwardCallIndicators{Charge: isup.ChargeIndNoCharge, CalledStatus: isup.SubscriberFree, ISDNAccess: true, ISUPAllTheWay: true})
	acm.Set(&isup.OptionalBackwardCallIndicators{InBandInformation: true})
	acm.AddOptional(isup.ParamGenericNotificationIndicator, []byte{0xf9})
	r180 := Msg{Method: INVITE, CSeq: 1, Status: 180, Tag: "a1"}
	withISUPBody(t, &r180, acm)
	w.uasRespond(r180)
	w.flush()
	sameBody(t, "ACM at the PSTN", w.lastWire(true, isup.ACM), acm)

	anm := isup.New(isup.ITU, isup.ANM, 0)
	anm.AddOptional(isup.ParamUserToUserInformation, []byte{0x04, 'o', 'k'})
	ok := Msg{Method: INVITE, CSeq: 1, Status: 200, Tag: "a1"}
	withISUPBody(t, &ok, anm)
	w.uasRespond(ok)
	w.flush()
	sameBody(t, "ANM at the PSTN", w.lastWire(true, isup.ANM), anm)

	inr := isup.New(isup.ITU, isup.INR, 0)
	inr.Set(&isup.InformationRequestIndicators{CallingPartyAddress: true})
	w.sip(*infoWith(t, 7, inr, "optional", tagged("a1")))
	w.flush()
	sameBody(t, "INR at the PSTN", w.lastWire(true, isup.INR), inr)
	if !running(w, q764.TimerRef{CIC: 3, Timer: q764.T33}) {
		t.Error("no T33 for the INR the gateway sent")
	}
	inf := isup.New(isup.ITU, isup.INF, 0)
	inf.Set(&isup.InformationIndicators{CallingPartyAddress: 3})
	inf.Set(&isup.CallingPartyNumber{NAI: isup.NAINational, NPI: isup.NPIE164, Screening: 3, Digits: isup.MustDigits("4011112222")})
	w.pstnDo(q764.Request{Kind: q764.ReqINF, Msg: inf})
	sameBody(t, "INF in INFO", w.lastINFO(t), w.lastWire(false, isup.INF))
	if running(w, q764.TimerRef{CIC: 3, Timer: q764.T33}) {
		t.Error("T33 still runs after INF")
	}
	w.pstnDo(q764.Request{Kind: q764.ReqRelease, Cause: isup.CauseNormalClearing, Location: isup.LocUser})
	w.settle()
	w.check()
}

func running(w *world, ref q764.TimerRef) bool {
	_, ok := w.gw.Timers.Running(ref)
	return ok
}

// withISUPBody makes m carry ISUP message im as a SIP-I UAS would.
func withISUPBody(t *testing.T, m *Msg, im *isup.Message) {
	t.Helper()
	b, err := im.AppendBody(nil)
	if err != nil {
		t.Fatal(err)
	}
	m.ContentType, m.Disposition, m.Body = "application/ISUP;version=itu-t92+;base=itu-t92+", "signal;handling=optional", b
}
