package gateway

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sipgw/sipgw/isup/circuit"
	"github.com/sipgw/sipgw/ops"
)

// TestFalloverUnreachableCDR: a call falls over from a trunk without a
// free circuit (cause 34) to one whose exchange cannot be reached: the
// caller gets 503 with cause 41, and the call still has its one CDR and
// leaves no phase counted (the fall-over keeps the first attempt's CDR
// back; the refusal on the second trunk writes the call's).
func TestFalloverUnreachableCDR(t *testing.T) {
	doc := strings.Replace(cancelDoc, `isup_trunks: [{name: p, sigtran: g, peer_pc: 1-1-2, cics: 1-8}]
routes: [{prefix: "", from: a, to: [p]}]`, `isup_trunks:
  - {name: p, sigtran: g, peer_pc: 1-1-2, cics: 1-8}
  - {name: q, sigtran: g2, peer_pc: 1-1-5, cics: 1-8}
routes: [{prefix: "", from: a, to: [p, q]}]`, 1)
	doc = strings.Replace(doc, "sigtran:\n", "sigtran:\n  - name: g2\n    point_code: 1-1-4\n    associations: [{name: nowhere, transport: mem, remote: \"nowhere:1\"}]\n", 1)
	cd, obs := &cdrList{}, &recObserver{}
	g := runWith(t, doc, "", Options{CDR: cd, Observer: obs})
	x := &cancelGW{g: g, cdrs: cd, obs: obs}
	waitCircuits(t, g, func(s circuit.Status) bool { return s.State == circuit.Idle && s.Reason == "GRA received" })
	all, _ := circuit.ParseRanges("1-8")
	if err := g.Block(context.Background(), "p", all); err != nil {
		t.Fatal(err)
	}
	waitCircuits(t, g, func(s circuit.Status) bool { return s.State == circuit.LocalMaintBlocked })

	u := newSIPClient(t, g.SIPAddr("udp"))
	u.invite("4930126")
	r := u.waitStatus(503, 5*time.Second)
	if h := r.GetHeader("Reason"); h == nil || !strings.Contains(h.Value(), "cause=41") {
		t.Errorf("503 %v", r)
	}
	u.ackFailure(r)
	c := x.cdr(t)
	if c.SIPStatus != 503 || c.Cause != 41 || c.ReleasedBy != "gateway" || c.ISUPTrunk != "q" || c.Attempts != 1 || c.CallID == "" {
		t.Errorf("CDR %+v", c)
	}
	if got := obs.String(); got != "started, ended setup answered=false" {
		t.Errorf("observed: %s", got)
	}
	phases(t, g, ops.PhaseCounts{})
	if st, _ := g.Status(context.Background()); st.Calls != 0 {
		t.Errorf("%d calls left", st.Calls)
	}
	if err := g.Unblock(context.Background(), "p", all); err != nil {
		t.Fatal(err)
	}
	waitCircuits(t, g, func(s circuit.Status) bool { return s.State == circuit.Idle })
}
