package calls

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/sipgw/sipgw/capture/record"
)

// benchFlow is a generated call's INVITE/100/180/200/ACK/BYE/200 with
// each message's distance from the INVITE in calls started since (one
// call every 4 ms: the 180 comes 4 ms later, the 200 after 400 ms, the
// BYE after 60 s), so that about 15,000 calls are open at once as in a
// real 250 cps capture, not one call at a time.
var benchFlow = [7]struct {
	method, cseqMethod record.Method
	status             uint16
	cseq               uint32
	callee             bool // sent by the callee
	toTag              bool
	after              int // calls started between the INVITE and this message
}{
	{record.INVITE, record.INVITE, 0, 1, false, false, 0},
	{0, record.INVITE, 100, 1, true, false, 0},
	{0, record.INVITE, 180, 1, true, true, 1},
	{0, record.INVITE, 200, 1, true, true, 100},
	{record.ACK, record.ACK, 0, 1, false, true, 101},
	{record.BYE, record.BYE, 0, 2, false, true, 15000},
	{0, record.BYE, 200, 2, true, true, 15001},
}

const benchCallGap = 4 * time.Millisecond

// benchGen writes the messages of generated calls into reused Decoded
// values, as the pipeline does: nothing it hands over outlives Add.
type benchGen struct {
	d                [7]record.Decoded
	callID, ftag     [7][]byte
	ttag, from, ruri [7][]byte
	frame            uint32
}

func newBenchGen() *benchGen {
	g := &benchGen{}
	ua, proxy := ipEP("10.1.0.1:5060"), ipEP("10.2.0.1:5060")
	for j, f := range benchFlow {
		d := &g.d[j]
		d.Method, d.CSeqMethod, d.Status, d.CSeq = f.method, f.cseqMethod, f.status, f.cseq
		d.Proto, d.Transport, d.Cause = record.SIP, record.UDP, record.NoCause
		d.SrcEP, d.DstEP = ua, proxy
		if f.callee {
			d.SrcEP, d.DstEP = proxy, ua
		}
		g.callID[j] = []byte("00000000-5f3a9c2e7b1d4e21@10.1.0.1")
		g.ftag[j] = []byte("f00000000")
		g.ttag[j] = []byte("t00000000")
		g.from[j] = []byte("+4930100000000")
		g.ruri[j] = []byte("+4989200000000")
	}
	return g
}

// put writes n as eight decimal digits at the end of b's first width bytes.
func put(b []byte, width, n int) {
	for i := width - 1; i >= width-8; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
}

// message returns message j of call k.
func (g *benchGen) message(j, k int) *record.Decoded {
	d := &g.d[j]
	f := &benchFlow[j]
	put(g.callID[j], 8, k)
	put(g.ftag[j], 9, k)
	put(g.from[j], 14, k)
	put(g.ruri[j], 14, k)
	d.CallID, d.FromTag, d.FromUser, d.ToUser = g.callID[j], g.ftag[j], g.from[j], g.ruri[j]
	d.ToTag = nil
	if f.toTag {
		put(g.ttag[j], 9, k)
		d.ToTag = g.ttag[j]
	}
	d.RURIUser = nil
	if f.method == record.INVITE {
		d.RURIUser = g.ruri[j]
	}
	d.Time = t0 + int64(k+f.after)*int64(benchCallGap)
	g.frame++
	d.Ref = record.FrameRef{Frame: g.frame, Offset: int64(g.frame) * 540}
	return d
}

// feed adds the messages of n calls in time order and returns how many.
func (g *benchGen) feed(c *Correlator, n int) int {
	last := benchFlow[len(benchFlow)-1].after
	msgs := 0
	for s := 0; s < n+last; s++ {
		for j := range benchFlow {
			if k := s - benchFlow[j].after; k >= 0 && k < n {
				c.Add(g.message(j, k))
				msgs++
			}
		}
	}
	return msgs
}

// BenchmarkCorrelate250k feeds 250,000 calls of seven messages, the size
// of the 1 GB reference capture, and reports the time per message and the
// live heap per call while correlating (before Finish) and after Finish
// (what the analysis keeps).
func BenchmarkCorrelate250k(b *testing.B) {
	const calls = 250_000
	var msgs int
	var during, after float64
	var cpu time.Duration
	var mallocs uint64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		g := newBenchGen()
		before := liveHeap()
		t, m0 := cpuTime(), mallocCount()
		b.StartTimer()

		c := New(Config{})
		msgs += g.feed(c, calls)

		b.StopTimer()
		cpu += cpuTime() - t
		mallocs += mallocCount() - m0
		during = float64(liveHeap()-before) / calls
		t = cpuTime()
		b.StartTimer()

		a := c.Finish()

		b.StopTimer()
		cpu += cpuTime() - t
		after = float64(liveHeap()-before) / calls
		if len(a.Calls) != calls || a.Stats.ASR != 1 || len(a.Calls[calls-1].Messages) != 7 {
			b.Fatalf("%d calls, ASR %v", len(a.Calls), a.Stats.ASR)
		}
		runtime.KeepAlive(a)
		runtime.KeepAlive(c)
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(msgs), "ns/msg")
	// The machine is shared: CPU time (all threads, GC included) is the
	// steadier figure.
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(msgs), "cpu-ns/msg")
	b.ReportMetric(float64(mallocs)/float64(msgs), "allocs/msg")
	b.ReportMetric(during, "B/call-adding")
	b.ReportMetric(after, "B/call-kept")
}

func mallocCount() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Mallocs
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkAddInDialog is the cost of one message of an open call (the
// common case): lookups, retransmission check, state update.
func BenchmarkAddInDialog(b *testing.B) {
	c := New(Config{})
	g := newBenchGen()
	g.feed(c, 20_000)
	for j := 0; j < 4; j++ { // leave 20,000 more calls open, answered
		for k := 20_000; k < 40_000; k++ {
			c.Add(g.message(j, k))
		}
	}
	d := g.message(5, 20_000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		k := 20_000 + i%20_000
		put(g.callID[5], 8, k)
		d.CSeq = uint32(2 + i/20_000) // a new request each time, not a retransmission
		c.Add(d)
	}
}

// BenchmarkGenerate250k is the generator of BenchmarkCorrelate250k alone:
// subtract its cpu-ns/msg to get the correlator's own cost.
func BenchmarkGenerate250k(b *testing.B) {
	const calls = 250_000
	var msgs int
	var cpu time.Duration
	for b.Loop() {
		g := newBenchGen()
		t := cpuTime()
		last := benchFlow[len(benchFlow)-1].after
		for s := 0; s < calls+last; s++ {
			for j := range benchFlow {
				if k := s - benchFlow[j].after; k >= 0 && k < calls {
					sink = g.message(j, k)
					msgs++
				}
			}
		}
		cpu += cpuTime() - t
	}
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(msgs), "cpu-ns/msg")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(msgs), "ns/msg")
}

var sink *record.Decoded

// BenchmarkFinishLinked50k is Finish alone on 50,000 SIP INVITE legs, each
// with the ISUP leg a gateway made of it (the shape of the SIP-I benchmark
// capture): outcomes, number links, statistics.
func BenchmarkFinishLinked50k(b *testing.B) {
	const n = 50_000
	ua, gw := ipEP("10.0.0.1:5060"), ipEP("10.0.0.2:5060")
	opc, dpc := pcEP(100), pcEP(200)
	in := make([]msg, 0, 2*n)
	for k := range n {
		called, calling := fmt.Sprintf("30%08d", 200000000+k*104729%100000000), fmt.Sprintf("89%08d", k)
		inv := req(k*3, ua, gw, record.INVITE, fmt.Sprintf("call-%d", k), 1).nums(calling, "", called, called)
		in = append(in, inv, iam(k*3+1, opc, dpc, uint32(k%4000+1), calling, called))
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		c := New(Config{})
		for _, m := range in {
			c.Add(m.Decoded)
		}
		b.StartTimer()
		a := c.Finish()
		b.StopTimer()
		if a.Calls[0].Link != "numbers" || a.Calls[2*n-1].Group != a.Calls[2*n-2].ID {
			b.Fatalf("not linked: %+v", a.Calls[0])
		}
		b.StartTimer()
	}
}
