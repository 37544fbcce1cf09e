package q764_test

import (
	"testing"
	"time"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/q764"
	"github.com/sipgw/sipgw/isup/q764/driver"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// cycle runs full call cycles on one circuit through a Trunk (and, with a
// driver, its timers): the outgoing IAM … RLC and the incoming IAM … RLC,
// with messages decoded once up front, as a daemon's reused buffers hold
// them.
type cycle struct {
	tr                      *q764.Trunk
	d                       *driver.Timers
	now                     time.Time
	acts                    []q764.Action
	iam, acm, anm, rlc, rel *isup.Message
	inIAM                   *isup.Message
}

func newCycle(tb testing.TB, withDriver bool) *cycle {
	cfg := q764.DefaultConfig(isup.ITU)
	cfg.OwnPC, cfg.PeerPC = mtp3.ITUPC(2), mtp3.ITUPC(1)
	for c := uint16(1); c <= 32; c++ {
		cfg.CICs = append(cfg.CICs, c)
	}
	tr, err := q764.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	c := &cycle{tr: tr, now: epoch, acts: make([]q764.Action, 0, 32)}
	if withDriver {
		c.d = driver.NewTimers()
	}
	c.iam = q764.IAMMessage(tb, isup.ITU, 7, 0, "4930123456F")
	c.inIAM = q764.IAMMessage(tb, isup.ITU, 7, 0, "4930123456F")
	c.acm = q764.Message(tb, isup.ITU, isup.ACM, 7)
	c.anm = q764.Message(tb, isup.ITU, isup.ANM, 7)
	c.rlc = q764.Message(tb, isup.ITU, isup.RLC, 7)
	c.rel = q764.Message(tb, isup.ITU, isup.REL, 7)
	return c
}

func (c *cycle) apply() {
	if c.d != nil {
		c.d.Apply(c.now, c.acts)
	}
}

func (c *cycle) rx(m *isup.Message) {
	c.now = c.now.Add(time.Millisecond)
	c.acts = c.tr.Receive(c.now, m, c.acts[:0])
	c.apply()
}

func (c *cycle) req(r q764.Request) {
	c.now = c.now.Add(time.Millisecond)
	c.acts = c.tr.Request(c.now, r, c.acts[:0])
	c.apply()
}

// outgoing: IAM sent, ACM, ANM received, REL sent, RLC received.
func (c *cycle) outgoing() {
	c.req(q764.Request{Kind: q764.ReqSetup, CIC: 7, Msg: c.iam})
	c.rx(c.acm)
	c.rx(c.anm)
	c.req(q764.Request{Kind: q764.ReqRelease, CIC: 7, Cause: isup.CauseNormalClearing})
	c.rx(c.rlc)
}

// incoming: IAM received, ACM and ANM sent, REL received (RLC sent).
func (c *cycle) incoming() {
	c.rx(c.inIAM)
	c.req(q764.Request{Kind: q764.ReqACM, CIC: 7, Msg: c.acm})
	c.req(q764.Request{Kind: q764.ReqANM, CIC: 7, Msg: c.anm})
	c.rx(c.rel)
}

func (c *cycle) check(tb testing.TB) {
	tb.Helper()
	if st, _ := c.tr.Status(7); st.State != 0 {
		tb.Fatalf("cycle ends %v (%s)", st.State, st.Reason)
	}
	if c.d != nil && c.d.Len() != 0 {
		tb.Fatalf("%d timers left", c.d.Len())
	}
}

// Steady state allocates nothing: every event of a call cycle, both ways,
// with and without the driver's timers.
func TestCallCycleAllocs(t *testing.T) {
	for _, withDriver := range []bool{false, true} {
		c := newCycle(t, withDriver)
		c.outgoing()
		c.incoming()
		c.check(t)
		if n := testing.AllocsPerRun(200, c.outgoing); n != 0 {
			t.Errorf("driver %v: outgoing cycle: %v allocations", withDriver, n)
		}
		if n := testing.AllocsPerRun(200, c.incoming); n != 0 {
			t.Errorf("driver %v: incoming cycle: %v allocations", withDriver, n)
		}
		c.check(t)
	}
}

func benchCycle(b *testing.B, withDriver bool, run func(*cycle)) {
	c := newCycle(b, withDriver)
	run(c)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		run(c)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cycles/s")
	c.check(b)
}

func BenchmarkCallCycleOutgoing(b *testing.B) {
	benchCycle(b, false, (*cycle).outgoing)
}

func BenchmarkCallCycleIncoming(b *testing.B) {
	benchCycle(b, false, (*cycle).incoming)
}

func BenchmarkCallCycleOutgoingDriver(b *testing.B) {
	benchCycle(b, true, (*cycle).outgoing)
}

func BenchmarkCallCycleIncomingDriver(b *testing.B) {
	benchCycle(b, true, (*cycle).incoming)
}
