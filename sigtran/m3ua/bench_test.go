package m3ua

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sipgw/sipgw/sigtran/mtp3"
	"github.com/sipgw/sipgw/sigtran/transport"
	"github.com/sipgw/sipgw/sigtran/transport/mem"
)

// dataPair is two of our stacks, IPSP single exchange over the mem
// transport, B counting the ISUP it receives.
func dataPair(tb testing.TB) (a *Stack, delivered *atomic.Uint64) {
	delivered = new(atomic.Uint64)
	a, b, _, _, _ := ipspPair(tb, SingleExchange, Override, 1, func(ca, cb *Config) {
		cb.OnISUP = func(*UserData) { delivered.Add(1) }
	})
	waitRoute(tb, a, pcB)
	waitRoute(tb, b, pcA)
	return a, delivered
}

// wait spins until n messages were delivered.
func waitDelivered(tb testing.TB, d *atomic.Uint64, n uint64) {
	deadline := time.Now().Add(30 * time.Second)
	for d.Load() < n {
		if time.Now().After(deadline) {
			tb.Fatalf("delivered %d of %d", d.Load(), n)
		}
		runtime.Gosched()
	}
}

// The DATA path allocates nothing per message in steady state: route
// selection, encoding, the transport, receiving, decoding, the Peer, the
// MTP3 checks and the ISUP callback, on both goroutines of each side.
func TestDATAPathAllocatesNothing(t *testing.T) {
	a, delivered := dataPair(t)
	msg := isupREL(5)
	var n uint64
	for i := 0; i < 5000; i++ { // warm the buffers
		if err := a.SendISUP(pcB, uint16(i), msg); err != nil {
			t.Fatal(err)
		}
		n++
	}
	waitDelivered(t, delivered, n)
	allocs := testing.AllocsPerRun(2000, func() {
		if err := a.SendISUP(pcB, 5, msg); err != nil {
			t.Fatal(err)
		}
		n++
		waitDelivered(t, delivered, n)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per DATA message", allocs)
	}
}

// BenchmarkDATAThroughStack: SendISUP on one stack → encode → mem
// transport → Recv goroutine → event loop → decode → Peer → MTP3 checks
// → the ISUP callback on the other stack. msg/s is the figure to read
// (run with -cpu 1 for one core).
func BenchmarkDATAThroughStack(b *testing.B) {
	a, delivered := dataPair(b)
	msg := isupREL(5)
	for i := 0; i < 10000; i++ {
		a.SendISUP(pcB, uint16(i), msg)
	}
	waitDelivered(b, delivered, 10000)
	start := delivered.Load()
	b.ReportAllocs()
	b.ResetTimer()
	t := time.Now()
	for i := 0; i < b.N; i++ {
		if err := a.SendISUP(pcB, uint16(i), msg); err != nil {
			b.Fatal(err)
		}
	}
	waitDelivered(b, delivered, start+uint64(b.N))
	b.ReportMetric(float64(b.N)/time.Since(t).Seconds(), "msg/s")
}

// BenchmarkDATACodecOverMem: the same work without the goroutines, in
// one: AppendDATA → mem Send → Recv → Decode → callback.
func BenchmarkDATACodecOverMem(b *testing.B) {
	x, y := mem.Pipe(17, 17)
	pd := ProtocolData{OPC: pcA.Uint32(), DPC: pcB.Uint32(), SI: uint8(mtp3.SIISUP), NI: 2, SLS: 5, Data: isupREL(5)}
	out := make([]byte, 0, 256)
	in := make([]byte, 4096)
	var m Message
	var got int
	deliver := func(p *ProtocolData) { got += len(p.Data) }
	b.ReportAllocs()
	t := time.Now()
	for i := 0; i < b.N; i++ {
		out, _ = AppendDATA(out[:0], 0, false, 7, true, &pd)
		if err := x.Send(out, 6, transport.PPIDM3UA); err != nil {
			b.Fatal(err)
		}
		n, _, err := y.Recv(in)
		if err != nil {
			b.Fatal(err)
		}
		if err := m.Decode(in[:n]); err != nil {
			b.Fatal(err)
		}
		deliver(&m.ProtocolData)
	}
	b.ReportMetric(float64(b.N)/time.Since(t).Seconds(), "msg/s")
	if got != b.N*len(pd.Data) {
		b.Fatal("lost messages")
	}
}
