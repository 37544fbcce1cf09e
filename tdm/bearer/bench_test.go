package bearer

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/sipgw/sipgw/tdm/g711"
	"github.com/sipgw/sipgw/tdm/softspan"
	"github.com/sipgw/sipgw/tdm/span"
)

type nullMedia struct{ n int }

func (m *nullMedia) Send(p []byte) error { m.n++; return nil }

// BenchmarkBridge1000 is 20 ms of media on 1,000 bridged G.711 calls in
// both directions: per call one RTP packet in (unmarshal, jitter buffer)
// and one out (DTMF detection on speech-level noise, marshal), 160
// samples read from and written to a software E1 timeslot (34 span
// pairs), the far ends writing their 160 samples, the line clock
// advancing. One op = 20 ms of media for all 1,000 calls, so
// ns/op ÷ 20,000,000 is the share of one core (the figure "core%").
// Sending on a socket is not included (Media is a counter).
func BenchmarkBridge1000(b *testing.B) {
	const calls = 1000
	eng := NewEngine()
	media := &nullMedia{}
	r := rand.New(rand.NewPCG(1, 1))
	speech := make([]byte, 8000) // a second of noise at speech level
	for i := range speech {
		speech[i] = g711.ALaw.Encode(int16(r.NormFloat64() * 3000))
	}
	type leg struct {
		c   *Call
		far span.Bearer
		pkt []byte
	}
	var legs []leg
	var pairs []*softspan.Pair
	for len(legs) < calls {
		p := softspan.NewPair(span.E1, 0)
		pairs = append(pairs, p)
		for ts := 1; ts <= 31 && len(legs) < calls; ts++ {
			if ts == 16 {
				continue
			}
			a, _ := p.A.Open(ts)
			far, _ := p.B.Open(ts)
			c, err := eng.Start(a, media, Config{Law: g711.ALaw, EventPT: 101, RandomStart: true})
			if err != nil {
				b.Fatal(err)
			}
			legs = append(legs, leg{c, far, pkt(8, 0, 0, false, speech[:Frame])})
		}
	}
	buf := make([]byte, 2*Frame)
	tick := func(k int) {
		off := (k * Frame) % (len(speech) - Frame)
		for i := range legs {
			l := &legs[i]
			binary.BigEndian.PutUint16(l.pkt[2:], uint16(k))
			binary.BigEndian.PutUint32(l.pkt[4:], uint32(k*Frame))
			copy(l.pkt[12:], speech[off:off+Frame])
			l.c.Deliver(l.pkt)
			l.far.Write(speech[off : off+Frame])
		}
		eng.Step()
		for _, p := range pairs {
			p.Advance(Frame)
		}
		for i := range legs {
			legs[i].far.Read(buf)
		}
	}
	for k := range 50 { // warm up: a second of media
		tick(k)
	}
	b.ReportAllocs()
	b.ResetTimer()
	k := 50
	for b.Loop() {
		tick(k)
		k++
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/20e6*100, "core%")
	if media.n < calls*b.N {
		b.Fatalf("%d packets sent for %d×%d", media.n, calls, b.N)
	}
}

// BenchmarkBridgeTick is one call's 20 ms alone: Receive + Tick.
func BenchmarkBridgeTick(b *testing.B) {
	br, _ := NewBridge(Config{Law: g711.ALaw, EventPT: 101})
	r := rand.New(rand.NewPCG(1, 1))
	rx := make([]byte, Frame)
	for i := range rx {
		rx[i] = g711.ALaw.Encode(int16(r.NormFloat64() * 3000))
	}
	tx := make([]byte, Frame)
	p := pkt(8, 0, 0, false, rx)
	k := 0
	b.ReportAllocs()
	for b.Loop() {
		binary.BigEndian.PutUint16(p[2:], uint16(k))
		binary.BigEndian.PutUint32(p[4:], uint32(k*Frame))
		br.Receive(p)
		br.Tick(rx, tx)
		k++
	}
}
