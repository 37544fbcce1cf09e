package tcpasm

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"
	"unsafe"
)

// The case sngrep gets wrong: 100 and 180 in one segment.
func TestSeveralMessagesInOneSegment(t *testing.T) {
	f := newFeeder(t, Options{})
	m100, m180, m200 := sipResp(100, "Trying", 1), sipResp(180, "Ringing", 1), sipResp(200, "OK", 1)
	seg := cat(m100, m180, m200)
	var inPlace int
	f.a.Add(&Segment{Key: kBA, Seq: 1000, Flags: ACK | PSH, Payload: seg, Time: 5}, func(m *Message) {
		// Zero copy: the message is a slice of the segment.
		p := uintptr(unsafe.Pointer(unsafe.SliceData(m.Data)))
		base := uintptr(unsafe.Pointer(unsafe.SliceData(seg)))
		if p >= base && p < base+uintptr(len(seg)) {
			inPlace++
		}
		f.r.emit(m)
	})
	wantDatas(t, f.r, m100, m180, m200)
	if inPlace != 3 {
		t.Errorf("%d of 3 messages framed in place, want all", inPlace)
	}
	if len(f.a.Problems()) != 0 {
		t.Errorf("problems: %v", f.a.Problems())
	}
	for _, m := range f.r.msgs {
		if m.time != 5 || len(m.frames) != 1 || m.key != kBA {
			t.Errorf("message %+v", m)
		}
	}
}

func TestMessageOverSegments(t *testing.T) {
	inv := sipReq("INVITE", 1, 64<<10) // a 64 KB SDP body
	bye := sipReq("BYE", 2, 0)
	f := newFeeder(t, Options{})
	f.add(kAB, 99, SYN, nil)
	seq := uint32(100)
	var frames []uint32
	for _, c := range chunk(inv, 16<<10, 32<<10, 48<<10, 64<<10) {
		frames = append(frames, f.add(kAB, seq, 0, c))
		seq += uint32(len(c))
		if len(f.r.msgs) != 0 && len(frames) < 5 {
			t.Fatalf("message emitted after %d of 5 segments", len(frames))
		}
	}
	f.add(kAB, seq, PSH, bye)
	wantDatas(t, f.r, inv, bye)
	if g := f.r.msgs[0]; !slices.Equal(g.frames, frames) || g.time != ms(frames[4]) {
		t.Errorf("INVITE frames %v time %d, want %v time %d", g.frames, g.time, frames, ms(frames[4]))
	}
	if g := f.r.msgs[1]; !slices.Equal(g.frames, []uint32{7}) {
		t.Errorf("BYE frames %v, want [7]", g.frames)
	}
}

// Every way of cutting a stream of three messages in two, and in three.
func TestAllSplits(t *testing.T) {
	msgs := [][]byte{sipReq("INVITE", 1, 30), sipResp(100, "Trying", 1), sipReq("ACK", 1, 0)}
	stream := cat(msgs...)
	check := func(cuts ...int) {
		f := newFeeder(t, Options{})
		seq := uint32(7)
		for _, c := range chunk(stream, cuts...) {
			f.add(kAB, seq, 0, c)
			seq += uint32(len(c))
		}
		if !slices.Equal(f.r.datas(), []string{string(msgs[0]), string(msgs[1]), string(msgs[2])}) {
			t.Fatalf("cuts %v: got %q", cuts, short(f.r.datas()))
		}
		if len(f.a.Problems()) != 0 {
			t.Fatalf("cuts %v: problems %v", cuts, f.a.Problems())
		}
		// Each message lists exactly the segments holding its bytes.
		off := 0
		for i, m := range msgs {
			var want []uint32
			bounds := append(append([]int{0}, cuts...), len(stream))
			for s := 0; s+1 < len(bounds); s++ {
				if bounds[s] < off+len(m) && bounds[s+1] > off && bounds[s+1] > bounds[s] {
					want = append(want, uint32(s+1))
				}
			}
			if !slices.Equal(f.r.msgs[i].frames, want) {
				t.Fatalf("cuts %v message %d frames %v want %v", cuts, i, f.r.msgs[i].frames, want)
			}
			off += len(m)
		}
	}
	for i := 1; i < len(stream); i++ {
		check(i)
	}
	// Three pieces: every pair of cuts over the first two messages.
	n := len(msgs[0]) + len(msgs[1])
	for i := 1; i < n; i += 3 {
		for j := i + 1; j < n; j += 5 {
			check(i, j)
		}
	}
}

func TestRetransmission(t *testing.T) {
	m1, m2, m3 := sipReq("INVITE", 1, 200), sipReq("ACK", 1, 0), sipReq("BYE", 2, 0)
	stream := cat(m1, m2, m3)
	p := chunk(stream, 100, len(m1)+20, len(m1)+len(m2)+10)
	const isn = 5000
	at := func(i int) uint32 { // sequence number of piece i
		n := 0
		for _, x := range p[:i] {
			n += len(x)
		}
		return isn + uint32(n)
	}
	tests := []struct {
		name string
		run  func(f *feeder)
		// retransmitted and overlapping segments counted
		retrans, overlaps uint64
	}{
		{"exact duplicates", func(f *feeder) {
			for i := range p {
				f.add(kAB, at(i), 0, p[i])
				f.add(kAB, at(i), 0, p[i])
			}
		}, 4, 0},
		{"overlapping", func(f *feeder) {
			f.add(kAB, at(0), 0, p[0])
			f.add(kAB, at(0), 0, stream[:at(2)-isn]) // p0 again plus p1
			f.add(kAB, at(1)+10, 0, stream[at(1)+10-isn:])
		}, 0, 2},
		{"retransmission of a delivered message after the next one", func(f *feeder) {
			f.add(kAB, at(0), 0, p[0])
			f.add(kAB, at(1), 0, p[1])
			f.add(kAB, at(0), 0, stream[:len(m1)])
			f.add(kAB, at(2), 0, p[2])
			f.add(kAB, at(3), 0, p[3])
			f.add(kAB, at(2), 0, p[2])
		}, 2, 0},
		{"retransmission beyond a gap", func(f *feeder) {
			f.add(kAB, at(0), 0, p[0])
			f.add(kAB, at(2), 0, p[2])
			f.add(kAB, at(2), 0, p[2])
			f.add(kAB, at(1), 0, p[1])
			f.add(kAB, at(3), 0, p[3])
		}, 1, 0},
		{"retransmission after FIN", func(f *feeder) {
			for i := range p {
				fl := uint8(0)
				if i == len(p)-1 {
					fl = FIN
				}
				f.add(kAB, at(i), fl, p[i])
			}
			f.add(kAB, at(3), FIN, p[3])
			f.add(kAB, at(1), 0, p[1])
		}, 2, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFeeder(t, Options{})
			tc.run(f)
			wantDatas(t, f.r, m1, m2, m3)
			st := f.a.Stats()
			if st.Retransmitted != tc.retrans || st.Overlaps != tc.overlaps {
				t.Errorf("retransmitted %d overlaps %d, want %d %d", st.Retransmitted, st.Overlaps, tc.retrans, tc.overlaps)
			}
			if len(f.a.Problems()) != 0 {
				t.Errorf("problems: %v", f.a.Problems())
			}
		})
	}
}

// All 24 orders of four segments give the same three messages.
func TestOutOfOrderPermutations(t *testing.T) {
	m1, m2, m3 := sipReq("INVITE", 1, 300), sipResp(180, "Ringing", 1), sipReq("UPDATE", 2, 120)
	stream := cat(m1, m2, m3)
	p := chunk(stream, 150, len(m1)+5, len(m1)+len(m2)+60)
	var perm func(a []int, k int, f func([]int))
	perm = func(a []int, k int, f func([]int)) {
		if k == len(a) {
			f(a)
			return
		}
		for i := k; i < len(a); i++ {
			a[k], a[i] = a[i], a[k]
			perm(a, k+1, f)
			a[k], a[i] = a[i], a[k]
		}
	}
	n := 0
	perm([]int{0, 1, 2, 3}, 0, func(order []int) {
		n++
		f := newFeeder(t, Options{})
		f.add(kAB, 999, SYN, nil)
		for _, i := range order {
			off := 0
			for _, x := range p[:i] {
				off += len(x)
			}
			f.add(kAB, 1000+uint32(off), 0, p[i])
		}
		if !slices.Equal(f.r.datas(), []string{string(m1), string(m2), string(m3)}) {
			t.Fatalf("order %v: got %q", order, short(f.r.datas()))
		}
		if len(f.a.Problems()) != 0 || f.a.Stats().Gaps != 0 {
			t.Fatalf("order %v: problems %v", order, f.a.Problems())
		}
		// The message time is that of its latest frame.
		for i, m := range f.r.msgs {
			var want int64
			for _, fr := range m.frames {
				want = max(want, ms(fr))
			}
			if m.time != want {
				t.Fatalf("order %v message %d time %d want %d", order, i, m.time, want)
			}
		}
	})
	if n != 24 {
		t.Fatalf("%d permutations", n)
	}
}

func TestSynFinRst(t *testing.T) {
	inv, bye := sipReq("INVITE", 1, 50), sipReq("BYE", 2, 0)
	t.Run("SYN sets the start, payload after SYN", func(t *testing.T) {
		f := newFeeder(t, Options{})
		// SYN carrying data (TCP Fast Open): the data starts at ISN+1.
		f.add(kAB, 41, SYN, inv)
		f.add(kAB, 42+uint32(len(inv)), 0, bye)
		wantDatas(t, f.r, inv, bye)
	})
	t.Run("FIN delivers and closes; bytes after it are old", func(t *testing.T) {
		f := newFeeder(t, Options{})
		f.add(kAB, 1, SYN, nil)
		f.add(kAB, 2, FIN, inv)
		f.add(kAB, 2, 0, inv)                    // retransmitted data
		f.add(kAB, 2+uint32(len(inv)), FIN, nil) // retransmitted FIN
		f.add(kAB, 2+uint32(len(inv))+1, 0, nil) // final ACK: pure
		wantDatas(t, f.r, inv)
		if st := f.a.Stats(); st.Retransmitted != 1 {
			t.Errorf("retransmitted %d, want 1", st.Retransmitted)
		}
	})
	t.Run("FIN before the last data", func(t *testing.T) {
		f := newFeeder(t, Options{})
		f.add(kAB, 1, SYN, nil)
		f.add(kAB, 2+uint32(len(inv)), FIN, bye)
		f.add(kAB, 2, 0, inv)
		wantDatas(t, f.r, inv, bye)
		if len(f.a.Problems()) != 0 {
			t.Errorf("problems: %v", f.a.Problems())
		}
		// Closed: the same ports with new data but no SYN start again.
		f.add(kAB, 900000, 0, inv)
		wantDatas(t, f.r, inv, bye, inv)
	})
	t.Run("RST inside a message", func(t *testing.T) {
		f := newFeeder(t, Options{})
		f.add(kAB, 1, SYN, nil)
		f.add(kAB, 2, 0, inv[:30])
		f.add(kAB, 32, RST, nil)
		wantDatas(t, f.r)
		ps := problemsIs(f.a, ErrIncomplete)
		if len(ps) != 1 || ps[0].Skipped != 30 || ps[0].Ref.Frame != 2 {
			t.Fatalf("problems %v", f.a.Problems())
		}
		// A new connection on the same ports.
		f.add(kAB, 7000, SYN, nil)
		f.add(kAB, 7001, 0, bye)
		wantDatas(t, f.r, bye)
	})
	t.Run("new SYN while open", func(t *testing.T) {
		f := newFeeder(t, Options{})
		f.add(kAB, 1, SYN, nil)
		f.add(kAB, 2, 0, inv)
		f.add(kAB, 1, SYN, nil) // retransmitted SYN: nothing changes
		f.add(kAB, 5000, SYN, nil)
		f.add(kAB, 5001, 0, bye)
		wantDatas(t, f.r, inv, bye)
		if st := f.a.Stats(); st.Retransmitted != 1 {
			t.Errorf("retransmitted %d", st.Retransmitted)
		}
	})
}

func TestSequenceWrap(t *testing.T) {
	m1, m2, m3 := sipReq("INVITE", 1, 100), sipResp(200, "OK", 1), sipReq("ACK", 1, 0)
	stream := cat(m1, m2, m3)
	wrap := uint32(1<<32 - 1)
	for _, isn := range []uint32{wrap - 10, wrap - uint32(len(m1)), wrap - uint32(len(m1)) - 3, 1<<31 - 50} {
		p := chunk(stream, 60, len(m1)+10, len(m1)+len(m2)+7)
		seqs := make([]uint32, len(p))
		s := isn + 1
		for i := range p {
			seqs[i] = s
			s += uint32(len(p[i]))
		}
		// In order, then with the segment across the wrap held back.
		for _, order := range [][]int{{0, 1, 2, 3}, {0, 2, 3, 1}, {3, 2, 1, 0}} {
			f := newFeeder(t, Options{})
			f.add(kAB, isn, SYN, nil)
			for _, i := range order {
				f.add(kAB, seqs[i], 0, p[i])
			}
			f.add(kAB, seqs[0], 0, p[0]) // an old one, from before the wrap
			if !slices.Equal(f.r.datas(), []string{string(m1), string(m2), string(m3)}) {
				t.Fatalf("isn %#x order %v: %q", isn, order, short(f.r.datas()))
			}
		}
	}
}

func TestMidStream(t *testing.T) {
	m1, m2, m3 := sipReq("INVITE", 1, 200), sipResp(100, "Trying", 1), sipResp(180, "Ringing", 1)
	t.Run("first segment inside a message", func(t *testing.T) {
		f := newFeeder(t, Options{})
		tail := m1[57:]
		f.add(kBA, 3000, 0, cat(tail, m2[:20]))
		f.add(kBA, 3000+uint32(len(tail))+20, 0, cat(m2[20:], m3))
		wantDatas(t, f.r, m2, m3)
		ps := problemsIs(f.a, ErrMidStream)
		if len(ps) != 1 || ps[0].Skipped != len(tail) || ps[0].Ref.Frame != 1 || len(f.a.Problems()) != 1 {
			t.Fatalf("problems %v", f.a.Problems())
		}
	})
	t.Run("first segment at a message start", func(t *testing.T) {
		f := newFeeder(t, Options{})
		f.add(kBA, 3000, 0, cat(m2, m3))
		wantDatas(t, f.r, m2, m3)
		if len(f.a.Problems()) != 0 {
			t.Fatalf("problems %v", f.a.Problems())
		}
	})
	t.Run("start cut by the segment end", func(t *testing.T) {
		f := newFeeder(t, Options{})
		junk := []byte("a=rtpmap:0 PCMU/8000\r\n")
		f.add(kBA, 3000, 0, cat(junk, m2[:3]))
		f.add(kBA, 3000+uint32(len(junk))+3, 0, m2[3:])
		wantDatas(t, f.r, m2)
	})
}

func TestGap(t *testing.T) {
	m1, m2, m3, m4 := sipReq("INVITE", 1, 100), sipReq("ACK", 1, 300), sipReq("BYE", 2, 0), sipReq("OPTIONS", 3, 0)
	stream := cat(m1, m2, m3, m4)
	// Piece 2 (inside m2) is lost.
	p := chunk(stream, len(m1), len(m1)+100, len(m1)+200, len(m1)+len(m2)+len(m3))
	seq := func(i int) uint32 {
		n := 0
		for _, x := range p[:i] {
			n += len(x)
		}
		return 1 + uint32(n)
	}
	check := func(t *testing.T, f *feeder) {
		t.Helper()
		wantDatas(t, f.r, m1, m3, m4)
		ps := problemsIs(f.a, ErrGap)
		if len(ps) != 1 || len(f.a.Problems()) != 1 {
			t.Fatalf("problems %v", f.a.Problems())
		}
		var e *Error
		if !errors.As(ps[0].Err, &e) || e.Missing != uint64(len(p[2])) || e.Offset != uint64(len(m1)+100) || e.Layer != LayerTCP {
			t.Fatalf("gap error %#v", ps[0].Err)
		}
		// Dropped: the 100 bytes of m2 before the gap and its 200 after.
		if ps[0].Skipped != len(m2)-100 || ps[0].Ref.Frame != 4 {
			t.Fatalf("gap problem %v", ps[0])
		}
		st := f.a.Stats()
		if st.Gaps != 1 || st.BytesMissing != 100 || st.BytesSkipped != uint64(len(m2)-100) {
			t.Fatalf("stats %+v", st)
		}
	}
	t.Run("skipped at Flush", func(t *testing.T) {
		f := newFeeder(t, Options{})
		f.add(kAB, 0, SYN, nil)
		f.add(kAB, seq(0), 0, p[0])
		f.add(kAB, seq(1), 0, p[1])
		f.add(kAB, seq(3), 0, p[3])
		f.add(kAB, seq(4), 0, p[4])
		wantDatas(t, f.r, m1)
		f.flush()
		check(t, f)
	})
	t.Run("skipped when the receiver acknowledges the missing bytes", func(t *testing.T) {
		f := newFeeder(t, Options{})
		f.add(kAB, 0, SYN, nil)
		f.add(kAB, seq(0), 0, p[0])
		f.add(kAB, seq(1), 0, p[1])
		f.add(kAB, seq(3), 0, p[3])
		f.addAck(kBA, 1, seq(3), 0, nil) // pure ACK covering the lost piece
		wantDatas(t, f.r, m1, m3)
		f.add(kAB, seq(4), 0, p[4])
		check(t, f)
	})
	t.Run("skipped after the gap timeout", func(t *testing.T) {
		f := newFeeder(t, Options{GapTimeout: 10 * time.Millisecond})
		f.add(kAB, 0, SYN, nil)
		f.add(kAB, seq(0), 0, p[0])
		f.add(kAB, seq(1), 0, p[1])
		f.add(kAB, seq(3), 0, p[3])
		f.add(kAB, seq(4), 0, p[4])
		for range 9 {
			f.add(kBA, 1, 0, nil) // time passes
		}
		wantDatas(t, f.r, m1)
		f.frame += 2
		f.add(kBA, 1, 0, nil)
		check(t, f)
	})
	t.Run("skipped when too much waits", func(t *testing.T) {
		f := newFeeder(t, Options{MaxOutOfOrder: 1})
		f.add(kAB, 0, SYN, nil)
		f.add(kAB, seq(0), 0, p[0])
		f.add(kAB, seq(1), 0, p[1])
		f.add(kAB, seq(3), 0, p[3])
		wantDatas(t, f.r, m1)
		f.add(kAB, seq(4), 0, p[4])
		check(t, f)
	})
	t.Run("late segment after the skip is old", func(t *testing.T) {
		f := newFeeder(t, Options{})
		f.add(kAB, 0, SYN, nil)
		f.add(kAB, seq(0), 0, p[0])
		f.add(kAB, seq(1), 0, p[1])
		f.add(kAB, seq(3), 0, p[3])
		f.addAck(kBA, 1, seq(3), 0, nil)
		f.add(kAB, seq(2), 0, p[2])
		f.add(kAB, seq(4), 0, p[4])
		check(t, f)
	})
}

func TestFlows(t *testing.T) {
	const n = 10000
	key := func(i int) FlowKey {
		return FlowKey{Src: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), 5060),
			Dst: netip.AddrPortFrom(netip.MustParseAddr("2001:db8::1"), uint16(10000+i%7))}
	}
	inv := sipReq("INVITE", 1, 40)
	t.Run("whole messages, eviction costs nothing", func(t *testing.T) {
		f := newFeeder(t, Options{MaxFlows: 1000})
		for i := range n {
			f.add(key(i), uint32(i)*7919, 0, inv)
		}
		if len(f.r.msgs) != n || f.a.nflows != 1000 || len(f.a.Problems()) != 0 {
			t.Fatalf("%d messages, %d flows, problems %v", len(f.r.msgs), f.a.nflows, f.a.Problems())
		}
		if st := f.a.Stats(); st.Flows != n || st.FlowsEvicted != n-1000 || st.Problems != 0 {
			t.Fatalf("stats %+v (evicting a flow with nothing pending is no problem)", st)
		}
	})
	t.Run("halves interleaved", func(t *testing.T) {
		for _, c := range []struct{ maxFlows, hashBits int }{{0, 64}, {4000, 64}, {4000, 3}} {
			maxFlows := c.maxFlows
			f := newFeeder(t, Options{MaxFlows: maxFlows, MaxProblems: 1 << 20})
			f.a.hmask = ^uint64(0) >> (64 - c.hashBits) // 3 bits: long hash chains
			for i := range n {
				f.add(key(i), uint32(i), 0, inv[:50])
			}
			// Most recent first, so that the flows still held complete
			// before new ones push them out.
			for i := n - 1; i >= 0; i-- {
				f.add(key(i), uint32(i)+50, 0, inv[50:])
			}
			f.flush()
			evicted := 0
			if maxFlows > 0 {
				evicted = n - maxFlows
			}
			// An evicted flow loses its half message; it comes back
			// mid-stream with the second half, which is skipped too.
			if got := len(problemsIs(f.a, ErrMidStream)); got != evicted {
				t.Fatalf("MaxFlows %d: %d mid-stream problems, want %d", maxFlows, got, evicted)
			}
			if len(f.r.msgs) != n-evicted {
				t.Fatalf("MaxFlows %d: %d messages, want %d", maxFlows, len(f.r.msgs), n-evicted)
			}
			if got := len(problemsIs(f.a, ErrEvicted)); got != evicted {
				t.Fatalf("MaxFlows %d: %d eviction problems, want %d", maxFlows, got, evicted)
			}
			if st := f.a.Stats(); st.FlowsEvicted < uint64(evicted) {
				t.Fatalf("stats %+v", st)
			}
			for i, m := range f.r.msgs {
				if m.data != string(inv) || len(m.frames) != 2 {
					t.Fatalf("message %d: %+v", i, m)
				}
			}
		}
	})
	t.Run("MaxMemory", func(t *testing.T) {
		f := newFeeder(t, Options{MaxMemory: 1 << 20})
		big := sipReq("MESSAGE", 1, 100<<10)
		for i := range 50 {
			f.add(key(i), 1, 0, big[:60<<10])
			if f.a.buffered > 1<<20+64<<10 {
				t.Fatalf("%d bytes buffered", f.a.buffered)
			}
		}
		if st := f.a.Stats(); st.FlowsEvicted == 0 {
			t.Fatalf("nothing evicted: %+v", st)
		}
	})
}

// A stream that is not SIP gives no message, one problem per burst, and
// each byte is looked at a bounded number of times.
func TestNonMessageStream(t *testing.T) {
	http := []byte("GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: x\r\nAccept: */*\r\n\r\n")
	var stream []byte
	rnd := uint32(1)
	for len(stream) < 200<<10 {
		rnd = rnd*1664525 + 1013904223
		stream = append(stream, byte(rnd>>24))
	}
	stream = append(http, stream...)
	cf := &countingFramer{}
	a := New(cf, Options{})
	n := 0
	seq := uint32(1)
	for i, c := range chunk(stream, segCuts(len(stream), 1448)...) {
		a.Add(&Segment{Key: kAB, Seq: seq, Flags: ACK, Payload: c, Ref: recordFrame(i + 1)}, func(*Message) { n++ })
		seq += uint32(len(c))
	}
	a.Flush(func(*Message) { n++ })
	if n != 0 {
		t.Fatalf("%d messages", n)
	}
	ps := a.Problems()
	if len(ps) == 0 || len(ps) > 3 {
		t.Fatalf("%d problems: %v", len(ps), ps)
	}
	skipped := 0
	for _, p := range ps {
		skipped += p.Skipped
	}
	if skipped != len(stream) || a.Stats().BytesSkipped != uint64(len(stream)) {
		t.Fatalf("skipped %d (stats %d), stream %d", skipped, a.Stats().BytesSkipped, len(stream))
	}
	if cf.resyncBytes > 2*len(stream) || cf.frameBytes > 2*len(stream) {
		t.Fatalf("framer shown %d+%d bytes for a %d-byte stream", cf.resyncBytes, cf.frameBytes, len(stream))
	}
}

// Near misses (lines that start like a request but are not one, starts
// cut by segment ends) are still one burst.
func TestNearMissesOneProblem(t *testing.T) {
	var stream []byte
	for i := range 2000 {
		stream = fmt.Appendf(stream, "INVITE this is not a request line %d\r\nSIP/2.0 2xx\r\n", i)
	}
	f := newFeeder(t, Options{})
	f.add(kAB, 0, SYN, nil)
	f.sendStream(kAB, 1, stream, segCuts(len(stream), 1000)...)
	f.flush()
	ps := f.a.Problems()
	if len(f.r.msgs) != 0 || len(ps) != 1 || ps[0].Skipped != len(stream) || !errors.Is(ps[0].Err, errStartLine) {
		t.Fatalf("%d messages, problems %v", len(f.r.msgs), ps)
	}
}

func segCuts(n, size int) []int {
	var c []int
	for i := size; i < n; i += size {
		c = append(c, i)
	}
	return c
}

func TestOverflow(t *testing.T) {
	huge := sipReq("MESSAGE", 1, 200<<10)
	next := sipReq("BYE", 2, 0)
	stream := cat(huge, next)
	f := newFeeder(t, Options{MaxBuffer: 64 << 10})
	seq := uint32(1)
	for _, c := range chunk(stream, segCuts(len(stream), 1448)...) {
		f.add(kAB, seq, 0, c)
		seq += uint32(len(c))
		if len(f.a.last.buf) > 64<<10+1448 {
			t.Fatalf("buffer %d", len(f.a.last.buf))
		}
	}
	wantDatas(t, f.r, next)
	ps := problemsIs(f.a, ErrOverflow)
	if len(ps) != 1 || ps[0].Skipped != len(huge) {
		t.Fatalf("problems %v", f.a.Problems())
	}
}

func TestKeepAlives(t *testing.T) {
	m1, m2 := sipReq("OPTIONS", 1, 0), sipResp(200, "OK", 1)
	f := newFeeder(t, Options{})
	f.add(kAB, 1, 0, []byte("\r\n\r\n"))
	f.add(kAB, 5, 0, cat(m1, []byte("\r\n\r\n"), m2[:10]))
	f.add(kAB, 5+uint32(len(m1))+14, 0, m2[10:])
	wantDatas(t, f.r, m1, m2)
	if len(f.a.Problems()) != 0 {
		t.Fatalf("problems %v", f.a.Problems())
	}
}

func TestFramingErrorResync(t *testing.T) {
	m1, m2 := sipReq("INVITE", 1, 0), sipReq("BYE", 2, 0)
	bad := []byte("HELLO WORLD\r\nthis is not sip\r\n")
	f := newFeeder(t, Options{})
	f.add(kAB, 0, SYN, nil)
	f.add(kAB, 1, 0, cat(m1, bad, m2))
	wantDatas(t, f.r, m1, m2)
	ps := problemsIs(f.a, ErrFraming)
	if len(ps) != 1 || ps[0].Skipped != len(bad) || !errors.Is(ps[0].Err, errStartLine) {
		t.Fatalf("problems %v", f.a.Problems())
	}
	var e *Error
	if !errors.As(ps[0].Err, &e) || e.Offset != uint64(len(m1)) || e.Layer != LayerMessage {
		t.Fatalf("error %#v", ps[0].Err)
	}
	if s := ps[0].String(); s == "" || !errors.Is(ps[0].Err, ErrFraming) {
		t.Fatal(s)
	}
}

func TestPureACKsCostNothing(t *testing.T) {
	a := New(sipFramer{}, Options{})
	s := &Segment{Key: kAB, Seq: 1, Ack: 99, Flags: ACK}
	allocs := testing.AllocsPerRun(1000, func() { a.Add(s, nil) })
	if allocs != 0 || a.Stats().Flows != 0 || a.nflows != 0 {
		t.Fatalf("allocs %v flows %d", allocs, a.Stats().Flows)
	}
}

func TestZeroAllocs(t *testing.T) {
	inv, ok := sipReq("INVITE", 1, 200), sipResp(200, "OK", 1)
	t.Run("whole messages", func(t *testing.T) {
		a := New(sipFramer{}, Options{})
		s1 := &Segment{Key: kAB, Seq: 1, Flags: ACK, Payload: inv}
		s2 := &Segment{Key: kBA, Seq: 1, Flags: ACK, Payload: ok}
		n := 0
		emit := func(*Message) { n++ }
		allocs := testing.AllocsPerRun(1000, func() {
			a.Add(s1, emit)
			s1.Seq += uint32(len(inv))
			a.Add(s2, emit)
			s2.Seq += uint32(len(ok))
		})
		if allocs != 0 || n != 2002 {
			t.Fatalf("%v allocs, %d messages", allocs, n)
		}
	})
	t.Run("split messages", func(t *testing.T) {
		a := New(sipFramer{}, Options{})
		s := &Segment{Key: kAB, Seq: 1, Flags: ACK}
		n := 0
		emit := func(*Message) { n++ }
		cuts := chunk(cat(inv, inv, inv), 100, 400, 700)
		allocs := testing.AllocsPerRun(1000, func() {
			for _, c := range cuts {
				s.Payload = c
				a.Add(s, emit)
				s.Seq += uint32(len(c))
			}
		})
		if allocs != 0 || n != 3003 {
			t.Fatalf("%v allocs, %d messages", allocs, n)
		}
	})
}

func TestOptionsDefaults(t *testing.T) {
	var o Options
	o.fill()
	if o.MaxFlows != 65536 || o.MaxBuffer != 4<<20 || o.GapTimeout != 5*time.Second || o.MaxOutOfOrder != 256 {
		t.Fatalf("%+v", o)
	}
	var seen []Problem
	f := newFeeder(t, Options{OnProblem: func(p Problem) { seen = append(seen, p) }})
	f.add(kAB, 1, 0, []byte("garbage\r\n"))
	f.flush()
	if len(seen) != 1 || len(f.a.Problems()) != 0 || f.a.Stats().Problems != 1 {
		t.Fatalf("callback got %v, kept %v", seen, f.a.Problems())
	}
}

func TestEnumStrings(t *testing.T) {
	for v, want := range map[fmt.Stringer]string{
		LayerTCP: "tcp", LayerWebSocket: "websocket", LayerMessage: "message", Layer(9): "layer(9)",
		stNew: "new", stOpen: "open", stClosed: "closed", flowState(7): "state(7)",
		modeStream: "stream", modeWS: "websocket", flowMode(3): "mode(3)",
		wsNo: "no", wsYes: "yes", wsNeed: "need more", wsVerdict(5): "verdict(5)",
	} {
		if v.String() != want {
			t.Errorf("%#v: %q, want %q", v, v.String(), want)
		}
	}
}
