package gateway

import (
	"context"
	"testing"
	"time"

	"github.com/sipgw/sipgw/gateway/config"
	"github.com/sipgw/sipgw/isup/q764"
	"github.com/sipgw/sipgw/tdm/bearer"
	"github.com/sipgw/sipgw/tdm/g711"
)

const cotDoc = `sip: {udp: "127.0.0.1:0"}
sip_trunks: [{name: s, acl: [127.0.0.1/32]}]
sigtran:
  - name: gw
    point_code: 1-1-1
    associations: [{name: ex, transport: tcp, remote: "127.0.0.1:9"}]
isup_trunks: [{name: pstn, sigtran: gw, peer_pc: 1-1-2, cics: "1-15,17-31"}]
spans:
  - name: e1-a
    type: e1
    backend: soft
    circuits: [{trunk: pstn, timeslots: "1-15,17-31", cics: "1-15,17-31"}]
media: {rtp_ports: "33000-33099"}
routes: [{prefix: "", from: s, to: [pstn]}]
`

// TestContinuityOnBearers: the Q.764 machine's continuity indications
// drive the bearer engine on the circuit's timeslot (Q.764 §2.1.8), with
// the far end of a software E1 playing the other exchange. IndLoop on:
// the check tone the far end sends on the timeslot comes back to it;
// IndLoop off: it no longer does. IndCheckTone on: the gateway sends
// the 2000 Hz tone on the timeslot, and once the far end loops it the
// transceiver recognises it (what the trunk reports as ReqContinuity).
func TestContinuityOnBearers(t *testing.T) {
	c, err := config.Parse("cot.yaml", []byte(cotDoc))
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer g.closeStacks()
	ctx, cancel := context.WithCancel(context.Background())
	wait := g.media.run(ctx)
	defer func() { cancel(); wait() }()
	far := bearer.NewEngine()
	go far.Run(ctx, 5*time.Millisecond)
	tr := g.trunks[0]
	if tr.media == nil {
		t.Fatal("trunk pstn has bearers")
	}
	fs := g.SoftSpan("e1-a")
	now := time.Now()

	// Incoming check: our loop on CIC 5 (timeslot 5).
	b5, err := fs.Open(5)
	if err != nil {
		t.Fatal(err)
	}
	defer b5.Close()
	tr.continuity(now, &q764.Action{Kind: q764.ActIndicate, CIC: 5, Ind: q764.IndLoop, On: true})
	fc, x, err := far.StartCheck(b5, g711.ALaw)
	if err != nil {
		t.Fatal(err)
	}
	if !waitFor(2*time.Second, x.Detected) {
		t.Fatal("the far end's check tone did not come back through the loop")
	}
	fc.Stop()
	tr.continuity(now, &q764.Action{Kind: q764.ActIndicate, CIC: 5, Ind: q764.IndLoop})
	if len(tr.cot) != 0 {
		t.Fatalf("loop left attached: %v", tr.cot)
	}
	fc, x, _ = far.StartCheck(b5, g711.ALaw)
	if waitFor(400*time.Millisecond, x.Detected) {
		t.Error("the tone still comes back after the loop was removed")
	}
	fc.Stop()

	// Outgoing check: our transceiver on CIC 17 (timeslot 17), the far
	// end loops.
	b17, err := fs.Open(17)
	if err != nil {
		t.Fatal(err)
	}
	defer b17.Close()
	tr.continuity(now, &q764.Action{Kind: q764.ActIndicate, CIC: 17, Ind: q764.IndCheckTone, On: true})
	st := tr.cot[17]
	if st == nil || st.x == nil {
		t.Fatal("no transceiver attached")
	}
	if st.x.Detected() {
		t.Fatal("tone recognised before any loop")
	}
	if _, ok := tr.tq.Next(); !ok {
		t.Fatal("no poll of the transceiver scheduled")
	}
	lc, err := far.StartLoop(b17)
	if err != nil {
		t.Fatal(err)
	}
	defer lc.Stop()
	if !waitFor(2*time.Second, st.x.Detected) {
		t.Fatal("our check tone did not come back through the far end's loop")
	}
	tr.continuity(now, &q764.Action{Kind: q764.ActIndicate, CIC: 17, Ind: q764.IndCheckTone})
	if len(tr.cot) != 0 {
		t.Fatalf("transceiver left attached")
	}
}

func waitFor(d time.Duration, f func() bool) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if f() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return f()
}
