package q764

import (
	"slices"
	"testing"
	"time"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/circuit"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// TestTrunkOverCircuitGroup builds a trunk from a circuit group with the
// least-recently-used strategy: the trunk tells the selector of its
// seizures and releases, so after four calls released in the order 3, 1,
// 4, 2 the next four calls take the circuits in that order.
func TestTrunkOverCircuitGroup(t *testing.T) {
	cics, err := circuit.ParseRanges("1-4")
	if err != nil {
		t.Fatal(err)
	}
	g, err := circuit.NewGroup(circuit.Config{Name: "to-peer", Variant: circuit.ITU, OwnPC: mtp3.ITUPC(2), PeerPC: mtp3.ITUPC(1),
		CICs: cics, Strategy: circuit.LeastRecentlyUsed, Control: circuit.ControlNone})
	if err != nil {
		t.Fatal(err)
	}
	cfg := ConfigOf(g)
	if cfg.Variant != isup.ITU || !slices.Equal(cfg.CICs, []uint16{1, 2, 3, 4}) || cfg.Control != circuit.ControlNone || cfg.Selector == nil {
		t.Fatalf("ConfigOf: %+v", cfg)
	}
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{tb: t, v: cfg.Variant, tr: tr, now: epoch}
	seize := func() uint16 {
		e.now = e.now.Add(time.Second)
		for _, a := range req(Request{Kind: ReqSetup, Select: true}, iam(0, 0, "1234F"))(e) {
			if a.Kind == ActSend && a.Type == isup.IAM {
				return a.CIC
			}
		}
		t.Fatal("no IAM sent")
		return 0
	}
	var first []uint16
	for range 4 {
		first = append(first, seize())
	}
	slices.Sort(first)
	if !slices.Equal(first, []uint16{1, 2, 3, 4}) {
		t.Fatalf("first seizures took %v", first)
	}
	order := []uint16{3, 1, 4, 2}
	for _, cic := range order {
		e.now = e.now.Add(time.Second)
		req(Request{Kind: ReqRelease, CIC: cic, Cause: isup.CauseNormalClearing})(e)
		rx(rlc(cic))(e)
		if st, _ := tr.Status(cic); st.State != circuit.Idle {
			t.Fatalf("CIC %d is %v after RLC", cic, st.State)
		}
	}
	var next []uint16
	for range 4 {
		next = append(next, seize())
	}
	if !slices.Equal(next, order) {
		t.Errorf("after releases in the order %v the selector took %v", order, next)
	}
	if err := tr.Verify(); err != nil {
		t.Fatal(err)
	}
}
