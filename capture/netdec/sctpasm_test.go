package netdec

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"
	"unsafe"

	"github.com/sipgw/sipgw/capture/pcapgen"
	"github.com/sipgw/sipgw/capture/record"
)

// sctpPacket builds and decodes one SCTP packet with the chunks.
func sctpPacket(t testing.TB, src, dst netip.AddrPort, vtag uint32, chunks ...pcapgen.Chunk) Packet {
	t.Helper()
	lt, frame := build(t, pcapgen.NewSCTP(src, dst, vtag, chunks...).Ethernet())
	var p Packet
	if err := NewDecoder().Decode(lt, frame, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// dataChunks returns the DATA and I-DATA chunks of a packet.
func dataChunks(t testing.TB, p *Packet) []DataChunk {
	t.Helper()
	var out []DataChunk
	err := SCTPChunks(p.Payload, func(c Chunk) bool {
		var d DataChunk
		if err := ParseData(c, &d); err == nil {
			out = append(out, d)
		} else if !errors.Is(err, ErrNotData) {
			t.Fatal(err)
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sctpMsg is one fragment as a decoded packet and its chunk.
type sctpMsg struct {
	p Packet
	d DataChunk
}

func dataFrags(t *testing.T, tsn uint32, stream, ssn uint16, msg []byte, size int) []sctpMsg {
	var out []sctpMsg
	for _, c := range pcapgen.FragmentData(tsn, stream, ssn, 46, msg, size) {
		p := sctpPacket(t, a4, b4, 0x1234, c)
		out = append(out, sctpMsg{p, dataChunks(t, &p)[0]})
	}
	return out
}

func idataFrags(t *testing.T, tsn uint32, stream uint16, mid uint32, msg []byte, size int) []sctpMsg {
	var out []sctpMsg
	for _, c := range pcapgen.FragmentIData(tsn, stream, mid, 46, msg, size) {
		p := sctpPacket(t, a6, b6, 0x99, c)
		out = append(out, sctpMsg{p, dataChunks(t, &p)[0]})
	}
	return out
}

func TestSCTPChunksAndParse(t *testing.T) {
	msg := []byte("INVITE sip:x SIP/2.0\r\n\r\n")
	p := sctpPacket(t, a4, b4, 7,
		pcapgen.RawChunk{Type: 3, Value: make([]byte, 12)}, // SACK
		pcapgen.DataChunk{TSN: 5, Stream: 2, SSN: 9, PPID: 3, Unordered: true, Payload: msg},
		pcapgen.IDataFragment{TSN: 6, Stream: 4, MID: 8, FSN: 2, End: true, Payload: msg[:5]},
		pcapgen.IDataFragment{TSN: 7, Stream: 4, MID: 9, PPID: 51, Begin: true, Payload: msg[:3]},
	)
	var types []uint8
	if err := SCTPChunks(p.Payload, func(c Chunk) bool { types = append(types, c.Type); return true }); err != nil {
		t.Fatal(err)
	}
	if string(types) != string([]uint8{3, 0, 64, 64}) {
		t.Fatalf("chunk types %v", types)
	}
	ds := dataChunks(t, &p)
	want := []DataChunk{
		{TSN: 5, Stream: 2, SSN: 9, PPID: 3, Unordered: true, Begin: true, End: true, Payload: msg},
		{TSN: 6, Stream: 4, IData: true, MID: 8, FSN: 2, End: true, Payload: msg[:5]},
		{TSN: 7, Stream: 4, IData: true, MID: 9, PPID: 51, Begin: true, Payload: msg[:3]},
	}
	for i := range want {
		g, w := ds[i], want[i]
		if g.TSN != w.TSN || g.Stream != w.Stream || g.SSN != w.SSN || g.PPID != w.PPID || g.Unordered != w.Unordered ||
			g.Begin != w.Begin || g.End != w.End || g.IData != w.IData || g.MID != w.MID || g.FSN != w.FSN || !bytes.Equal(g.Payload, w.Payload) {
			t.Errorf("chunk %d: %+v, want %+v", i, g, w)
		}
	}
	// Stop early.
	n := 0
	_ = SCTPChunks(p.Payload, func(Chunk) bool { n++; return false })
	if n != 1 {
		t.Errorf("%d chunks after stopping", n)
	}
	// Bad lengths and cuts.
	for _, tc := range []struct {
		b   []byte
		err error
		off int
	}{
		{[]byte{0, 3, 0, 2, 0, 0, 0, 0}, ErrBadHeader, 0},
		{[]byte{3, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 40}, ErrTruncated, 16},
		{[]byte{3, 0, 0, 5, 1, 0, 0, 0, 0, 3}, ErrTruncated, 8},
	} {
		err := SCTPChunks(tc.b, func(Chunk) bool { return true })
		var e *Error
		if !errors.Is(err, tc.err) || !errors.As(err, &e) || e.Offset != tc.off || e.Layer != LayerSCTPChunk {
			t.Errorf("%x: %v", tc.b, err)
		}
	}
	var d DataChunk
	if err := ParseData(Chunk{Type: 0, Data: make([]byte, 11)}, &d); !errors.Is(err, ErrTruncated) {
		t.Errorf("short DATA: %v", err)
	}
	if err := ParseData(Chunk{Type: 64, Data: make([]byte, 15)}, &d); !errors.Is(err, ErrTruncated) {
		t.Errorf("short I-DATA: %v", err)
	}
	if err := ParseData(Chunk{Type: 1, Data: make([]byte, 20)}, &d); !errors.Is(err, ErrNotData) {
		t.Errorf("INIT: %v", err)
	}
}

func sameSlice(a, b []byte) bool {
	return len(a) == len(b) && unsafe.SliceData(a) == unsafe.SliceData(b)
}

func TestSCTPUnfragmentedAndRetransmitted(t *testing.T) {
	a := NewSCTPAssembler()
	msg := []byte("SIP/2.0 200 OK\r\n\r\n")
	p := sctpPacket(t, a4, b4, 1, pcapgen.DataChunk{TSN: 100, Stream: 1, PPID: 0, Payload: msg})
	d := dataChunks(t, &p)[0]
	got, frames, ok, dup := a.Add(&p, &d, 0, ref(0))
	if !ok || dup || !sameSlice(got, d.Payload) || len(frames) != 1 || frames[0] != ref(0) {
		t.Fatalf("unfragmented: %v %v %q %v", ok, dup, got, frames)
	}
	// The retransmission, in a later frame.
	d2 := d
	if _, _, ok, dup := a.Add(&p, &d2, sec, ref(1)); ok || !dup {
		t.Errorf("retransmission: complete %v dup %v", ok, dup)
	}
	// The same TSN in the other direction is another chunk.
	q := sctpPacket(t, b4, a4, 2, pcapgen.DataChunk{TSN: 100, Stream: 1, Payload: msg})
	dq := dataChunks(t, &q)[0]
	if _, _, ok, dup := a.Add(&q, &dq, sec, ref(2)); !ok || dup {
		t.Errorf("other direction: %v %v", ok, dup)
	}
	// A TSN reused for other data (seen in synthetic captures) is not a
	// retransmission.
	r := sctpPacket(t, a4, b4, 1, pcapgen.DataChunk{TSN: 100, Stream: 1, SSN: 1, Payload: []byte("BYE sip:x SIP/2.0\r\n\r\n")})
	dr := dataChunks(t, &r)[0]
	if _, _, ok, dup := a.Add(&r, &dr, sec, ref(3)); !ok || dup {
		t.Errorf("reused TSN: %v %v", ok, dup)
	}
	if s := a.Stats(); s.Chunks != 4 || s.Duplicates != 1 {
		t.Errorf("%+v", s)
	}
}

func TestSCTPFragmentedData(t *testing.T) {
	msg := bytes.Repeat([]byte("0123456789"), 100)
	for name, order := range map[string][]int{
		"in order": {0, 1, 2, 3},
		"reversed": {3, 2, 1, 0},
		"middle":   {1, 3, 0, 2},
		"end":      {3, 0, 1, 2},
	} {
		fr := dataFrags(t, 0xfffffffe, 3, 17, msg, 300) // TSNs wrap to 0
		a := NewSCTPAssembler()
		for k, i := range order {
			got, frames, ok, dup := a.Add(&fr[i].p, &fr[i].d, int64(k), ref(i))
			if dup || ok != (k == len(order)-1) {
				t.Fatalf("%s: after %d: complete %v dup %v", name, k+1, ok, dup)
			}
			if !ok {
				continue
			}
			if !bytes.Equal(got, msg) {
				t.Fatalf("%s: message differs", name)
			}
			for j, r := range frames {
				if r != ref(j) { // message order
					t.Errorf("%s: frames %v", name, frames)
				}
			}
			d := fr[i].d
			if d.TSN != 0xfffffffe || d.SSN != 17 || d.Stream != 3 || d.PPID != 46 || !d.Begin || !d.End || !bytes.Equal(d.Payload, msg) {
				t.Errorf("%s: chunk not rewritten to the message: %+v", name, d)
			}
		}
		if a.Pending() != 0 || a.Stats().Messages != 1 {
			t.Errorf("%s: %d pending, %+v", name, a.Pending(), a.Stats())
		}
	}
}

func TestSCTPFragmentRetransmissions(t *testing.T) {
	msg := bytes.Repeat([]byte("abcdefghij"), 100)
	fr := dataFrags(t, 50, 1, 0, msg, 400)
	next := dataFrags(t, 53, 1, 1, msg[:700], 400)
	a := NewSCTPAssembler()
	add := func(m sctpMsg, i int) (bool, bool) {
		d := m.d
		_, _, ok, dup := a.Add(&m.p, &d, int64(i), ref(i))
		return ok, dup
	}
	steps := []struct {
		m       sctpMsg
		ok, dup bool
	}{
		{fr[0], false, false},
		{fr[0], false, true}, // retransmitted before the rest
		{next[1], false, false},
		{fr[1], false, false},
		{fr[2], true, false},
		{fr[1], false, true}, // retransmitted after completion
		{next[0], true, false},
		{fr[2], false, true},
	}
	for i, s := range steps {
		if ok, dup := add(s.m, i); ok != s.ok || dup != s.dup {
			t.Fatalf("step %d: complete %v dup %v, want %v %v", i, ok, dup, s.ok, s.dup)
		}
	}
	if a.Pending() != 0 || a.Stats().Duplicates != 3 || a.Stats().Messages != 2 {
		t.Errorf("%d pending %+v", a.Pending(), a.Stats())
	}
}

func TestSCTPIData(t *testing.T) {
	m1 := bytes.Repeat([]byte("first message "), 50)
	m2 := bytes.Repeat([]byte("second message "), 40)
	f1 := idataFrags(t, 10, 2, 7, m1, 250)
	f2 := idataFrags(t, 13, 2, 8, m2, 250) // same stream, interleaved
	a := NewSCTPAssembler()
	order := []sctpMsg{f2[1], f1[2], f1[0], f2[0], f1[1], f2[2]}
	var got [][]byte
	for i, m := range order {
		d := m.d
		msg, frames, ok, dup := a.Add(&m.p, &d, int64(i), ref(i))
		if dup {
			t.Fatalf("step %d: dup", i)
		}
		if ok {
			got = append(got, append([]byte(nil), msg...))
			if d.PPID != 46 || !d.IData || d.FSN != 0 || !d.Begin || !d.End || len(frames) != 3 {
				t.Errorf("step %d: chunk %+v, frames %v", i, d, frames)
			}
		}
	}
	if len(got) != 2 || !bytes.Equal(got[0], m1) || !bytes.Equal(got[1], m2) {
		t.Fatalf("%d messages", len(got))
	}
	// The same fragment under a new TSN is a duplicate.
	f3 := idataFrags(t, 20, 1, 1, m1, 400)
	dup := f3[0]
	dup.d.TSN = 99
	a.Add(&f3[0].p, &f3[0].d, 10, ref(10))
	if _, _, ok, isDup := a.Add(&dup.p, &dup.d, 11, ref(11)); ok || !isDup {
		t.Errorf("same FSN, new TSN: %v %v", ok, isDup)
	}
}

func TestSCTPLimits(t *testing.T) {
	// Fragments that never end are bounded per direction.
	a := NewSCTPAssembler()
	big := make([]byte, 4000)
	for i := range MaxPendingChunks + 10 {
		p := sctpPacket(t, a4, b4, 1, pcapgen.DataFragment{TSN: uint32(2 * i), Begin: true, Payload: big})
		d := dataChunks(t, &p)[0]
		a.Add(&p, &d, int64(i), ref(i))
	}
	if a.Pending() > MaxPendingChunks || a.Stats().Dropped == 0 {
		t.Errorf("%d pending, %+v", a.Pending(), a.Stats())
	}
	for _, dir := range a.dirs {
		if dir.bytes > MaxPendingBytes {
			t.Errorf("%d octets pending", dir.bytes)
		}
	}
	// They expire after the timeout, also in a direction gone silent.
	q := sctpPacket(t, b6, a6, 2, pcapgen.DataChunk{TSN: 1, Payload: big})
	dq := dataChunks(t, &q)[0]
	a.Add(&q, &dq, 31*sec+MaxPendingChunks+10, ref(0))
	if a.Pending() != 0 || a.Stats().Expired == 0 {
		t.Errorf("after timeout: %d pending %+v", a.Pending(), a.Stats())
	}
	// Directions are bounded.
	a = NewSCTPAssembler()
	a.MaxDirections = 3
	for i := range 5 {
		p := sctpPacket(t, a4, b4, uint32(i), pcapgen.DataChunk{TSN: 1, Payload: big[:10]})
		d := dataChunks(t, &p)[0]
		a.Add(&p, &d, int64(i), ref(i))
	}
	if len(a.dirs) != 3 || a.Stats().Evicted != 2 {
		t.Errorf("%d directions, %+v", len(a.dirs), a.Stats())
	}
}

func TestSCTPAllocs(t *testing.T) {
	a := NewSCTPAssembler()
	p := sctpPacket(t, a4, b4, 1, pcapgen.DataChunk{TSN: 1, Stream: 1, Payload: sip600})
	d := dataChunks(t, &p)[0]
	tsn := uint32(1)
	if n := testing.AllocsPerRun(1000, func() {
		tsn++
		d.TSN = tsn
		if _, _, ok, _ := a.Add(&p, &d, 0, record.FrameRef{}); !ok {
			t.Fatal("not delivered")
		}
	}); n != 0 {
		t.Errorf("unfragmented: %v allocations", n)
	}
	fr := dataFrags(t, 0, 1, 0, sip600, 250)
	run := func() {
		for i := range fr {
			tsn++
			c := fr[i].d
			c.TSN = tsn
			a.Add(&fr[i].p, &c, 0, record.FrameRef{})
		}
	}
	for range 10 {
		run()
	}
	if n := testing.AllocsPerRun(200, run); n != 0 {
		t.Errorf("fragmented: %v allocations per message", n)
	}
}

// BenchmarkSCTPData is the whole per-packet SCTP path: decode, walk the
// chunks, parse the DATA chunk, pass it through the assembler.
func BenchmarkSCTPData(b *testing.B) {
	lt, frame := benchFrame(b, pcapgen.NewSCTP(a4, b4, 7, pcapgen.DataChunk{TSN: 1, Stream: 1, PPID: 3, Payload: sip600[:200]}).Ethernet())
	d := NewDecoder()
	a := NewSCTPAssembler()
	var p Packet
	var dc DataChunk
	tsn := uint32(0)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		if err := d.Decode(lt, frame, &p); err != nil {
			b.Fatal(err)
		}
		// A new TSN every time, as on a live association.
		tsn++
		p.Payload[4], p.Payload[5], p.Payload[6], p.Payload[7] = byte(tsn>>24), byte(tsn>>16), byte(tsn>>8), byte(tsn)
		err := SCTPChunks(p.Payload, func(c Chunk) bool {
			if ParseData(c, &dc) == nil {
				if _, _, ok, dup := a.Add(&p, &dc, int64(tsn), record.FrameRef{Frame: tsn}); !ok || dup {
					b.Fatal("not delivered")
				}
			}
			return true
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
