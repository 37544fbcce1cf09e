package sipp

import (
	"bytes"
	"context"
	"encoding/base64"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sipgw/sipgw/gateway/config"
	"github.com/sipgw/sipgw/gateway/sim"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/sipi"
)

// Mid-call ISUP in INFO and backward transparency, end to end.

// simWait returns the first message of type typ that x's simulator
// exchanged (kind) since mark, waiting up to 10 s.
func (x *gw) simWait(mark int, kind sim.EventKind, typ isup.MessageType) sim.Event {
	x.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, e := range x.simEvents(mark) {
			if e.Kind == kind && e.Type == typ {
				return e
			}
		}
		if time.Now().After(deadline) {
			x.t.Fatalf("the simulator never %v %v; it saw: %s", kind, typ, isupSeen(x.simEvents(mark)))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// twoExchanges: exchange A (the simulator of gateway A) → ISUP → sipgw A
// → SIP-I → sipgw B → ISUP → exchange B (gateway B's simulator), each
// exchange in memory with its gateway. Exchange B answers after 150 ms,
// its ACM and ANM carrying parameters no SIP header maps (optional
// backward call indicators, generic notification, user-to-user
// information, access transport); gateway B's Q.764 T6 is 2 s.
func twoExchanges(t *testing.T) (a, b *gw) {
	leakCheck(t, runtime.NumGoroutine())
	docB := `sip: {udp: "127.0.0.1:0"}
sip_trunks:
  - name: a
    acl: [127.0.0.1/32]
    rel100: none
    mapping: {sip: {profile: sip-i}}
sigtran:
  - name: gw
    point_code: 1-1-3
    associations: [{name: ex, transport: mem, remote: "exchange-b:1"}]
isup_trunks: [{name: pstn, sigtran: gw, peer_pc: 1-1-4, cics: 1-8, timers: {T6: 2s}}]
routes: [{prefix: "", from: a, to: [pstn]}]
simulator:
  trunk: pstn
  rules:
    - prefix: ""
      ring: 50ms
      answer: 100ms
      params:
        - {message: ACM, code: 0x29, data: "02"}
        - {message: ACM, code: 0x2c, data: "f9"}
        - {message: ACM, code: 0x20, data: "0462"}
        - {message: ANM, code: 0x20, data: "04616e73"}
        - {message: ANM, code: 0x03, data: "7e02a101"}
`
	b = startGatewayNoLeakCheck(t, docB)
	docA := `sip: {udp: "127.0.0.1:0"}
sip_trunks:
  - name: b
    peers: ["` + b.addr + `"]
    rel100: none
    mapping: {sip: {profile: sip-i}, numbering: {host: 127.0.0.1}}
sigtran:
  - name: gw
    point_code: 1-1-1
    associations: [{name: ex, transport: mem, remote: "exchange-a:1"}]
isup_trunks: [{name: pstn, sigtran: gw, peer_pc: 1-1-2, cics: 1-8}]
routes: [{prefix: "", from: pstn, to: [b]}]
simulator: {trunk: pstn}
`
	a = startGatewayNoLeakCheck(t, docA)
	// Each exchange calls only once its gateway reaches it and has reset
	// every circuit (an IAM must not cross the start-up GRS).
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, x := range []*gw{a, b} {
		if err := x.sim.WaitRoute(ctx); err != nil {
			t.Fatal(err)
		}
		x.waitReset(10 * time.Second)
	}
	return a, b
}

// TestTwoExchangesMidCall: exchange A calls exchange B through two
// gateways. The ACM and ANM exchange B sends arrive at exchange A octet
// for octet (backward transparency); then mid-call messages from either
// exchange reach the other octet for octet in INFOs: FAC, CPG after the
// answer, INR and INF, SUS and RES (network) from B, USR and APM, SUS and
// RES from A. Last, a SUS from B that no RES follows: gateway B's T6
// releases the call, REL 102 at both exchanges. Both gateways and
// exchanges end idle, no goroutine left.
func TestTwoExchangesMidCall(t *testing.T) {
	a, b := twoExchanges(t)
	ctx := context.Background()
	markA, markB := a.simMark(), b.simMark()
	if _, err := a.sim.Call(ctx, config.SimOriginate{Called: "4930555", Calling: "4930111"}); err != nil {
		t.Fatal(err)
	}
	for _, typ := range []isup.MessageType{isup.ACM, isup.ANM} {
		got := a.simWait(markA, sim.EvReceived, typ)
		sent := b.simWait(markB, sim.EvSent, typ)
		if !bytes.Equal(got.Data[2:], sent.Data[2:]) {
			t.Errorf("%v at exchange A % x, exchange B sent % x", typ, got.Data[2:], sent.Data[2:])
		}
	}
	if iam := b.simWait(markB, sim.EvReceived, isup.IAM); iam.Called != "4930555" {
		t.Errorf("IAM at exchange B for %q", iam.Called)
	}
	cicsA, err := a.sim.CallCICs(ctx)
	if err != nil || len(cicsA) != 1 {
		t.Fatalf("exchange A calls %v %v", cicsA, err)
	}
	cicsB, err := b.sim.CallCICs(ctx)
	if err != nil || len(cicsB) != 1 {
		t.Fatalf("exchange B calls %v %v", cicsB, err)
	}
	ends := map[*gw]uint16{a: cicsA[0], b: cicsB[0]}

	fac := isup.New(isup.ITU, isup.FAC, 0)
	fac.SetRaw(isup.ParamAccessTransport, []byte{0x7e, 0x03, 0xa1, 0x01, 0x05})
	cpg := isup.New(isup.ITU, isup.CPG, 0)
	cpg.Set(&isup.EventInformation{Event: isup.EventProgress})
	cpg.AddOptional(isup.ParamGenericNotificationIndicator, []byte{0xf9})
	inr := isup.New(isup.ITU, isup.INR, 0)
	inr.Set(&isup.InformationRequestIndicators{CallingPartyAddress: true})
	inf := isup.New(isup.ITU, isup.INF, 0)
	inf.Set(&isup.InformationIndicators{CallingPartyAddress: 3})
	inf.Set(&isup.CallingPartyNumber{NAI: isup.NAINational, NPI: isup.NPIE164, Screening: 3, Digits: isup.MustDigits("4930111")})
	apm := isup.New(isup.ITU, isup.APM, 0)
	apm.SetRaw(isup.ParamApplicationTransport, []byte{0x85, 0x80, 0x00, 0x01, 0x02})
	susNet := isup.NewSuspendResume(isup.ITU, isup.SUS, 0, isup.SuspendNetworkInitiated)
	resNet := isup.NewSuspendResume(isup.ITU, isup.RES, 0, isup.SuspendNetworkInitiated)
	for _, step := range []struct {
		from, to *gw
		m        *isup.Message
	}{
		{b, a, fac}, {b, a, cpg}, {b, a, inr}, {a, b, inf}, {b, a, susNet}, {b, a, resNet},
		{a, b, isup.NewUSR(isup.ITU, 0, []byte{0x04, 'f', 'r', 'o', 'm', ' ', 'A'})}, {a, b, apm}, {a, b, susNet}, {a, b, resNet},
	} {
		who := map[*gw]string{a: "A", b: "B"}
		mark := step.to.simMark()
		sent := time.Now()
		if err := step.from.sim.Send(ctx, ends[step.from], step.m); err != nil {
			t.Fatalf("exchange %s: %v", who[step.from], err)
		}
		got := step.to.simWait(mark, sim.EvReceived, step.m.Type)
		// Exchange to exchange (the receiving simulator's own time of
		// arrival): ISUP, the first gateway's loop, an INFO over UDP, the
		// second gateway's loop, ISUP.
		t.Logf("%v exchange %s → exchange %s in %v", step.m.Type, who[step.from], who[step.to], got.Time.Sub(sent).Round(10*time.Microsecond))
		want, _ := step.m.AppendBody(nil)
		if !bytes.Equal(got.Data[2:], want) || got.CIC != ends[step.to] {
			t.Errorf("%v from exchange %s: exchange %s got % x on CIC %d, want % x on CIC %d", step.m.Type, who[step.from], who[step.to], got.Data[2:], got.CIC, want, ends[step.to])
		}
	}

	// SUS network with no RES: gateway B's T6 (2 s) ends the call.
	markA, markB = a.simMark(), b.simMark()
	start := time.Now()
	if err := b.sim.Send(ctx, ends[b], susNet); err != nil {
		t.Fatal(err)
	}
	a.simWait(markA, sim.EvReceived, isup.SUS)
	relB := b.simWait(markB, sim.EvReceived, isup.REL)
	relA := a.simWait(markA, sim.EvReceived, isup.REL)
	if d := time.Since(start); d < 1900*time.Millisecond {
		t.Errorf("released after %v, before T6 (2 s)", d)
	}
	if relB.Cause != isup.CauseRecoveryOnTimerExpiry || relA.Cause != isup.CauseRecoveryOnTimerExpiry {
		t.Errorf("REL cause %d at exchange B, %d at exchange A; want 102 (T6)", relB.Cause, relA.Cause)
	}
	a.waitIdle(10 * time.Second)
	b.waitIdle(10 * time.Second)
	for _, x := range []*gw{a, b} {
		if l := x.cdrList(); len(l) != 1 || !strings.Contains(l[0], "cause=102") {
			t.Errorf("CDRs %v", l)
		}
	}
}

// TestUACInfo: SIPp UAC → sipgw → ISUP → simulator on a SIP-I trunk with
// base64 ISUP parts. SIPp's INFO whose ISUP does not decode gets 400 and
// the call goes on: its FAC, SUS and RES in INFOs reach the exchange octet
// for octet; the exchange's FAC reaches SIPp in an INFO; SIPp hangs up.
func TestUACInfo(t *testing.T) {
	requireSIPp(t)
	doc := strings.Replace(uacDoc, "    mapping: {sip: {profile: sip-i}}\n", "    isup_encoding: base64\n    mapping: {sip: {profile: sip-i}}\n", 1)
	x := startGateway(t, doc)
	ctx := context.Background()
	mark := x.simMark()
	fac := isup.New(isup.ITU, isup.FAC, 0)
	fac.SetRaw(isup.ParamAccessTransport, []byte{0x7e, 0x02, 0xa1, 0x07})
	sus := isup.NewSuspendResume(isup.ITU, isup.SUS, 0, isup.SuspendNetworkInitiated)
	res := isup.NewSuspendResume(isup.ITU, isup.RES, 0, isup.SuspendNetworkInitiated)
	keys := []string{}
	for _, k := range []struct {
		name string
		m    *isup.Message
	}{{"fac", fac}, {"sus", sus}, {"res", res}} {
		b, _ := k.m.AppendBody(nil)
		keys = append(keys, "-key", k.name, base64.StdEncoding.EncodeToString(b))
	}
	wait := startSIPp(t, x.addr, sippRun{scenario: "uac_info.xml", service: "2001000", extra: keys})
	for _, m := range []*isup.Message{fac, sus, res} {
		got := x.simWait(mark, sim.EvReceived, m.Type)
		want, _ := m.AppendBody(nil)
		if !bytes.Equal(got.Data[2:], want) {
			t.Errorf("%v at the exchange % x, want % x", m.Type, got.Data[2:], want)
		}
	}
	cics, err := x.sim.CallCICs(ctx)
	if err != nil || len(cics) != 1 {
		t.Fatalf("calls %v %v", cics, err)
	}
	back := isup.New(isup.ITU, isup.FAC, 0)
	back.SetRaw(isup.ParamAccessTransport, []byte{0x7e, 0x02, 0xa1, 0x09})
	if err := x.sim.Send(ctx, cics[0], back); err != nil {
		t.Fatal(err)
	}
	trace := wait()
	x.waitIdle(10 * time.Second)
	if got := isupSeen(x.simEvents(mark)); got != "<IAM 2001000 >ACM >ANM <FAC <SUS <RES >FAC <REL 16 >RLC" {
		t.Errorf("ISUP at the exchange: %s", got)
	}
	info := strings.ReplaceAll(firstWith(received(trace), "INFO "), "\r\n", "\n")
	i := strings.Index(info, "\n\n")
	ct := ""
	for _, line := range strings.Split(info[:max(i, 0)], "\n") {
		if strings.HasPrefix(strings.ToLower(line), "content-type:") {
			ct = strings.TrimSpace(line[len("content-type:"):])
		}
	}
	if i < 0 || ct == "" {
		t.Fatalf("INFO without body:\n%s", info)
	}
	dec, err := sipi.Decode(ct, []byte(strings.ReplaceAll(info[i+2:], "\n", "\r\n")))
	if err != nil || dec.ISUP() == nil {
		t.Fatalf("INFO body %q: %v\n%s", ct, err, info)
	}
	var got isup.Message
	if err := dec.ISUP().DecodeISUP(&got); err != nil {
		t.Fatal(err)
	}
	g, _ := got.AppendBody(nil)
	w, _ := back.AppendBody(nil)
	if !bytes.Equal(g, w) || dec.ISUP().Disposition.Handling != sipi.HandlingOptional {
		t.Errorf("INFO carries % x (%v), want % x with handling=optional", g, dec.ISUP().Disposition, w)
	}
}
