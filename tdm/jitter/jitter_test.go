package jitter

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sipgw/sipgw/tdm/g711"
)

// frame returns packet k's payload: every sample carries k's low bits so
// that what comes out can be traced back to its packet.
func frame(k, n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(k)
	}
	return p
}

type arrival struct {
	at   float64 // ms of the receiver's clock
	k    int
	ts   uint32
	size int
}

// sim plays packets against a receiver that takes one 20 ms frame per tick:
// before tick t (at t·20 ms) every packet that has arrived is Put.
type sim struct {
	b       *Buffer
	results map[Result]int
	out     []byte
	status  []Status
}

func run(b *Buffer, arrivals []arrival, ticks int) *sim {
	slices.SortStableFunc(arrivals, func(x, y arrival) int {
		switch {
		case x.at < y.at:
			return -1
		case x.at > y.at:
			return 1
		}
		return 0
	})
	s := &sim{b: b, results: map[Result]int{}}
	f := make([]byte, 160)
	i := 0
	for t := 0; t < ticks; t++ {
		for ; i < len(arrivals) && arrivals[i].at <= float64(t*20); i++ {
			a := arrivals[i]
			s.results[b.Put(a.ts, frame(a.k, a.size))]++
		}
		st := b.Get(f)
		s.status = append(s.status, st)
		s.out = append(s.out, f...)
	}
	return s
}

func steady(n int, delay func(k int) float64) []arrival {
	var a []arrival
	for k := 0; k < n; k++ {
		a = append(a, arrival{at: float64(k*20) + 5 + delay(k), k: k, ts: 1000 + uint32(k*160), size: 160})
	}
	return a
}

func TestInOrder(t *testing.T) {
	b := New(Config{Law: g711.ALaw})
	s := run(b, steady(100, func(int) float64 { return 0 }), 104)
	// the last frame is past the end of the stream
	if s.results[Stored] != 100 || b.Stats().ConcealedFrames != 1 || b.Stats().PlayedFrames != 100 || b.Stats().Drops != 0 {
		t.Fatalf("%v %+v", s.results, b.Stats())
	}
	// Idle until the first packet's turn (the initial delay), then every
	// packet in order.
	if s.status[0] != Idle || s.status[1] != Idle || s.status[2] != Idle {
		t.Errorf("start: %v", s.status[:4])
	}
	for k := 0; k < 100; k++ {
		if got := s.out[(k+3)*160]; got != byte(k) {
			t.Fatalf("frame %d holds packet %d", k+3, got)
		}
	}
	if b.Delay() != 0 {
		t.Errorf("drained: delay %d", b.Delay())
	}
}

func TestReorderAndDuplicates(t *testing.T) {
	b := New(Config{})
	a := steady(60, func(k int) float64 {
		if k%2 == 0 {
			return 15 // each even packet overtaken by the next odd one
		}
		return 0
	})
	a = append(a, a[10], a[11]) // duplicates, a bit later
	a[len(a)-1].at += 1
	a[len(a)-2].at += 1
	s := run(b, a, 65)
	if s.results[Duplicate] != 2 || s.results[Late] != 0 || b.Stats().ConcealedFrames != 65-3-60 {
		t.Fatalf("%v %+v", s.results, b.Stats())
	}
	for k := 0; k < 60; k++ {
		if got := s.out[(k+3)*160+80]; got != byte(k) {
			t.Fatalf("frame %d holds packet %d", k+3, got)
		}
	}
}

// A lost packet is concealed by repeating the previous frame; losses in a
// row fade to silence; the next packet plays normally.
func TestLossConcealment(t *testing.T) {
	b := New(Config{Law: g711.ALaw})
	var a []arrival
	for _, x := range steady(40, func(int) float64 { return 0 }) {
		if x.k == 10 || x.k >= 20 && x.k < 25 {
			continue
		}
		x.k = 0x2A // a loud A-law code (−32256) on every sample
		a = append(a, x)
	}
	s := run(b, a, 44)
	if s.status[10+3] != Concealed || s.out[(10+3)*160] != 0x2A {
		t.Errorf("one loss: %v, sample %#x (want the previous frame repeated)", s.status[13], s.out[13*160])
	}
	want := []int16{-32256, -16128, -8064, 8, 8} // 0, −6, −12 dB, then idle
	for i, w := range want {
		got := g711.ALaw.Decode(s.out[(20+3+i)*160])
		if math.Abs(float64(got-w)) > math.Abs(float64(w))/30 {
			t.Errorf("loss %d in a row: %d, want ≈ %d", i+1, got, w)
		}
	}
	if s.status[25+3] != Played {
		t.Errorf("after the losses: %v", s.status[28])
	}
	if st := b.Stats(); st.ConcealedFrames != 6+1 { // and the frame after the stream
		t.Errorf("%+v", st)
	}
}

// The delay follows the jitter: uniform 0–90 ms delays make a few packets
// late at first, the buffer grows until they stop being late; when the
// jitter goes away it shrinks back to about a frame of slack.
func TestAdaptive(t *testing.T) {
	b := New(Config{})
	r := rand.New(rand.NewPCG(7, 8))
	jittery := func(k int) float64 {
		if k >= 500 && k < 1500 {
			return r.Float64() * 90
		}
		return 0
	}
	a := steady(3000, jittery)
	var lateEarly, lateLater int
	f := make([]byte, 160)
	i := 0
	playedAt := map[int]int{} // packet (low byte) → tick
	for tick := 0; tick < 3005; tick++ {
		for ; i < len(a) && a[i].at <= float64(tick*20); i++ {
			if b.Put(a[i].ts, frame(a[i].k, 160)) == Late {
				if a[i].k < 750 {
					lateEarly++
				} else {
					lateLater++
				}
			}
		}
		if b.Get(f) == Played {
			playedAt[tick] = int(f[0])
		}
	}
	// latency of the packet played at a tick: its low byte names it
	latency := func(tick int) float64 {
		k := playedAt[tick]
		for k+256 <= tick { // restore the high bits: k is near tick
			k += 256
		}
		for k > tick {
			k -= 256
		}
		return float64(tick*20) - float64(k*20+5)
	}
	st := b.Stats()
	if lateEarly == 0 || st.Stalls == 0 {
		t.Errorf("jitter never caught the buffer out: %+v", st)
	}
	if lateLater > 15 { // < 1.2 % of the later jittery packets
		t.Errorf("%d late packets after adapting (first 5 s: %d); %+v", lateLater, lateEarly, st)
	}
	if d := latency(450); d > 60 {
		t.Errorf("latency before the jitter: %v ms", d)
	}
	if d := latency(1400); d < 90 || d > 300 {
		t.Errorf("latency under 0–90 ms jitter: %v ms", d)
	}
	if d := latency(2990); d > 60 {
		t.Errorf("latency after the jitter stopped: %v ms (drops %d)", d, st.Drops)
	}
	t.Logf("late in the first 5 s of jitter %d, later %d; latency %v → %v → %v ms; %+v", lateEarly, lateLater, latency(450), latency(1400), latency(2990), st)
}

// A sender whose clock runs 0.5 % fast or slow against the span: the
// buffer drops or inserts a frame now and then, never runs away, and
// almost nothing is lost.
func TestDrift(t *testing.T) {
	for _, ppm := range []float64{5000, -5000} {
		b := New(Config{})
		a := steady(3000, func(k int) float64 { return -float64(k*20) * ppm / 1e6 })
		s := run(b, a, 3000)
		st := b.Stats()
		if ppm > 0 && st.Drops < 10 || ppm < 0 && st.Stalls < 10 {
			t.Errorf("%v ppm: %+v", ppm, st)
		}
		if st.ConcealedFrames > 40 || b.Delay() > 800 {
			t.Errorf("%v ppm: delay %d, %+v %v", ppm, b.Delay(), st, s.results)
		}
	}
}

// 10 ms and 30 ms packets fill 20 ms frames all the same.
func TestPacketSizes(t *testing.T) {
	for _, size := range []int{80, 240} {
		b := New(Config{})
		var a []arrival
		for k := 0; k < 100; k++ {
			a = append(a, arrival{at: float64(k*size/8) + 1, k: k, ts: uint32(k * size), size: size})
		}
		run(b, a, 100*size/160)
		if st := b.Stats(); st.ConcealedFrames != 0 || st.PlayedFrames < 100*size/160-4 {
			t.Errorf("%d-sample packets: %+v", size, st)
		}
	}
}

func TestResyncAndLate(t *testing.T) {
	b := New(Config{})
	f := make([]byte, 160)
	if b.Put(5000, frame(1, 160)) != Stored || b.Put(5000, frame(1, 160)) != Duplicate {
		t.Fatal("first packet")
	}
	for range 4 {
		b.Get(f)
	}
	if r := b.Put(5000-160, frame(2, 160)); r != Late {
		t.Errorf("old packet: %v", r)
	}
	if r := b.Put(5000+160*2-40, frame(3, 160)); r != Partial {
		t.Errorf("partly played packet: %v", r)
	}
	if r := b.Put(900000, frame(4, 160)); r != Resync {
		t.Errorf("jump: %v", r)
	}
	for range 2 {
		if b.Get(f) != Idle {
			t.Error("the restarted buffer waits its initial delay")
		}
	}
	if b.Get(f) != Played || f[0] != 4 {
		t.Errorf("after resync: %d", f[0])
	}
	if b.Put(1, nil) != Empty {
		t.Error("empty")
	}
	if Late.String() != "late" || Concealed.String() != "concealed" || Result(9).String() != "Result(9)" {
		t.Error("String")
	}
}

func BenchmarkPutGet(b *testing.B) {
	buf := New(Config{})
	p := frame(1, 160)
	f := make([]byte, 160)
	ts := uint32(0)
	for b.Loop() {
		buf.Put(ts, p)
		buf.Get(f)
		ts += 160
	}
}
