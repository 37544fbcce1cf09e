package tcpasm

import (
	"net/netip"
	"testing"
)

// fixedFramer frames messages of one known length: it costs next to
// nothing, so benchmarks with it measure the Assembler alone.
type fixedFramer int

func (n fixedFramer) Frame(b []byte) (int, error) {
	if len(b) < int(n) {
		return 0, nil
	}
	return int(n), nil
}

func (fixedFramer) Resync([]byte) int { return 0 }

func benchInOrder(b *testing.B, fr Framer, msg []byte, flows int) {
	a := New(fr, Options{})
	segs := make([]Segment, flows)
	for i := range segs {
		segs[i] = Segment{Key: FlowKey{Src: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), 5060), Dst: srvAddr},
			Seq: 1, Flags: ACK | PSH, Payload: msg}
	}
	n := 0
	emit := func(*Message) { n++ }
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		s := &segs[i%flows]
		a.Add(s, emit)
		s.Seq += uint32(len(msg))
	}
	if n != b.N {
		b.Fatalf("%d messages for %d segments", n, b.N)
	}
}

// The common case: each segment holds one whole message.
func BenchmarkInOrder(b *testing.B) {
	inv := sipReq("INVITE", 1, 250)
	b.Run("assembler-only/1flow", func(b *testing.B) { benchInOrder(b, fixedFramer(len(inv)), inv, 1) })
	b.Run("assembler-only/1000flows", func(b *testing.B) { benchInOrder(b, fixedFramer(len(inv)), inv, 1000) })
	b.Run("sipFramer/1flow", func(b *testing.B) { benchInOrder(b, sipFramer{}, inv, 1) })
}

// One message over three segments.
func BenchmarkSplit(b *testing.B) {
	inv := sipReq("INVITE", 1, 1200)
	for _, c := range []struct {
		name string
		fr   Framer
	}{{"assembler-only", fixedFramer(len(inv))}, {"sipFramer", sipFramer{}}} {
		b.Run(c.name, func(b *testing.B) {
			a := New(c.fr, Options{})
			parts := chunk(inv, 500, 1000)
			s := &Segment{Key: kAB, Seq: 1, Flags: ACK}
			n := 0
			emit := func(*Message) { n++ }
			b.SetBytes(int64(len(inv)))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				for _, p := range parts {
					s.Payload = p
					a.Add(s, emit)
					s.Seq += uint32(len(p))
				}
			}
			if n != b.N {
				b.Fatalf("%d messages", n)
			}
		})
	}
}

// One SIP message per WebSocket frame per segment.
func BenchmarkWebSocket(b *testing.B) {
	inv := sipReq("INVITE", 1, 250)
	for _, c := range []struct {
		name string
		key  *[4]byte
	}{{"masked", &testKey}, {"unmasked", nil}} {
		b.Run(c.name, func(b *testing.B) {
			a := New(fixedFramer(len(inv)), Options{})
			s := &Segment{Key: kAB, Seq: 1, Flags: ACK, Payload: []byte(wsGET)}
			a.Add(s, nil)
			s.Seq += uint32(len(wsGET))
			s.Payload = wsText(inv, c.key)
			n := 0
			emit := func(*Message) { n++ }
			b.SetBytes(int64(len(s.Payload)))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				a.Add(s, emit)
				s.Seq += uint32(len(s.Payload))
			}
			if n != b.N {
				b.Fatalf("%d messages", n)
			}
		})
	}
}

func BenchmarkPureACK(b *testing.B) {
	a := New(sipFramer{}, Options{})
	s := &Segment{Key: kAB, Seq: 1, Ack: 1, Flags: ACK}
	b.ReportAllocs()
	for range b.N {
		a.Add(s, nil)
	}
}
