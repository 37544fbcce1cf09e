package netdec

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/sipgw/sipgw/capture/pcapgen"
	"github.com/sipgw/sipgw/capture/record"
)

// fragmented builds a UDP datagram of n payload octets and its fragments
// at the given MTU, each decoded as the analyzer would see it (inside
// Ethernet). want is the datagram the Defragmenter must rebuild.
type fragmented struct {
	want  []byte
	frags []Packet
	raw   [][]byte
}

func fragments(t *testing.T, v6 bool, n, mtu int, id uint32) fragmented {
	t.Helper()
	src, dst := a4, b4
	if v6 {
		src, dst = a6, b6
	}
	payload := bytes.Repeat([]byte("fragment-data-"), n/14+1)[:n]
	f := pcapgen.NewUDP(src, dst, payload)
	ip, _ := f.Bytes()
	return fragmentPacket(t, ip, mtu, id)
}

func fragmentPacket(t *testing.T, ip []byte, mtu int, id uint32) fragmented {
	t.Helper()
	var fr fragmented
	fr.want = append([]byte(nil), ip...)
	if ip[0]>>4 == 4 {
		// Fragmenting clears DF; the rebuilt header keeps the first
		// fragment's flags (none) with a fresh checksum.
		fr.want[6] &^= 0x40
		fr.want[10], fr.want[11] = 0, 0
		put16(fr.want[10:], ipChecksum(fr.want[:20]))
	}
	fs, err := pcapgen.FromIP(ip).Fragments(mtu, id)
	if err != nil {
		t.Fatal(err)
	}
	d := NewDecoder()
	for _, f := range fs {
		lt, frame := build(t, f.Ethernet())
		var p Packet
		if err := d.Decode(lt, frame, &p); err != nil {
			t.Fatal(err)
		}
		if p.Kind != KindIPFragment {
			t.Fatalf("fragment decoded as %v", p.Kind)
		}
		fr.frags = append(fr.frags, p)
		fr.raw = append(fr.raw, frame)
	}
	return fr
}

func ref(i int) record.FrameRef { return record.FrameRef{File: 1, Frame: uint32(i + 1)} }

const sec = int64(time.Second)

func TestDefragOrders(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		fr := fragments(t, v6, 5000, 1500, 0xbeef)
		if len(fr.frags) != 4 {
			t.Fatalf("%d fragments", len(fr.frags))
		}
		for name, order := range map[string][]int{
			"in order":  {0, 1, 2, 3},
			"reversed":  {3, 2, 1, 0},
			"shuffled":  {2, 0, 3, 1},
			"last half": {3, 1, 0, 2},
		} {
			f := NewDefragmenter()
			for k, i := range order {
				dg, frames, ok, err := f.Add(&fr.frags[i], int64(k)*sec, ref(i))
				if err != nil {
					t.Fatalf("v6 %v %s: %v", v6, name, err)
				}
				if ok != (k == len(order)-1) {
					t.Fatalf("v6 %v %s: complete %v after %d fragments", v6, name, ok, k+1)
				}
				if !ok {
					continue
				}
				if !bytes.Equal(dg, fr.want) {
					t.Fatalf("v6 %v %s: rebuilt datagram differs\n got %x\nwant %x", v6, name, dg[:60], fr.want[:60])
				}
				if len(frames) != len(order) {
					t.Fatalf("frames %v", frames)
				}
				for j, r := range frames {
					if r != ref(order[j]) {
						t.Errorf("frames %v, want capture order %v", frames, order)
					}
				}
				p := fr.frags[i]
				if err := NewDecoder().DecodeIP(dg, &p); err != nil || p.Kind != KindUDP || len(p.Payload) != 5000 || p.LinkType != LinkEthernet {
					t.Errorf("re-decoded: %v %v %d", err, p.Kind, len(p.Payload))
				}
			}
			if s := f.Stats(); s.Datagrams != 1 || s.Fragments != 4 || f.InFlight() != 0 {
				t.Errorf("v6 %v %s: %+v", v6, name, s)
			}
		}
	}
}

func TestDefragDuplicatesAndOverlaps(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		fr := fragments(t, v6, 3000, 1400, 7)
		// A duplicate fragment brings nothing and is not listed.
		f := NewDefragmenter()
		mustAdd(t, f, &fr.frags[0], 0, ref(0), false)
		mustAdd(t, f, &fr.frags[0], 0, ref(1), false)
		mustAdd(t, f, &fr.frags[1], 0, ref(2), false)
		dg, frames := mustAdd(t, f, &fr.frags[2], 0, ref(3), true)
		if !bytes.Equal(dg, fr.want) || len(frames) != 3 || frames[1] != ref(2) {
			t.Errorf("v6 %v: duplicate: frames %v", v6, frames)
		}
		if s := f.Stats(); s.Duplicates != 1 {
			t.Errorf("%+v", s)
		}

		// The same datagram cut at another MTU: fragments overlap with
		// the same contents and fill the holes of the first set.
		other := fragmentPacket(t, ipOf(fr), 1000, 7)
		f = NewDefragmenter()
		mustAdd(t, f, &fr.frags[0], 0, ref(0), false)
		mustAdd(t, f, &other.frags[1], 0, ref(1), false)
		mustAdd(t, f, &other.frags[2], 0, ref(2), false)
		dg, _ = mustAdd(t, f, &fr.frags[2], 0, ref(3), true)
		if !bytes.Equal(dg, fr.want) {
			t.Errorf("v6 %v: consistent overlap rebuilt a different datagram", v6)
		}

		// Overlap with different contents drops the datagram.
		bad := fragmentPacket(t, ipOf(fr), 1000, 7)
		bad.frags[1].Payload = append([]byte(nil), bad.frags[1].Payload...)
		bad.frags[1].Payload[len(bad.frags[1].Payload)-1] ^= 0xff
		f = NewDefragmenter()
		mustAdd(t, f, &fr.frags[0], 0, ref(0), false)
		mustAdd(t, f, &fr.frags[1], 0, ref(1), false)
		_, _, ok, err := f.Add(&bad.frags[1], 0, ref(2))
		var e *Error
		if ok || !errors.Is(err, ErrOverlap) || !errors.As(err, &e) || e.Layer != LayerFragment {
			t.Errorf("v6 %v: conflicting overlap: %v %v", v6, ok, err)
		}
		if f.InFlight() != 0 || f.Stats().Overlaps != 1 {
			t.Errorf("v6 %v: datagram kept: %d %+v", v6, f.InFlight(), f.Stats())
		}

		// Two last fragments that disagree on the end.
		f = NewDefragmenter()
		last := fr.frags[len(fr.frags)-1]
		mustAdd(t, f, &last, 0, ref(0), false)
		short := last
		short.Payload = shorten(last.Payload, 8)
		if _, _, _, err := f.Add(&short, 0, ref(1)); !errors.Is(err, ErrOverlap) {
			t.Errorf("v6 %v: two ends: %v", v6, err)
		}
	}
}

// ipOf returns a copy of the datagram a fragmented set rebuilds.
func ipOf(fr fragmented) []byte { return append([]byte(nil), fr.want...) }

// shorten drops n octets from the end of an IP fragment, fixing its length.
func shorten(ip []byte, n int) []byte {
	out := append([]byte(nil), ip[:len(ip)-n]...)
	if out[0]>>4 == 4 {
		put16(out[2:], uint16(len(out)))
	} else {
		put16(out[4:], uint16(len(out)-40))
	}
	return out
}

func mustAdd(t *testing.T, f *Defragmenter, p *Packet, at int64, r record.FrameRef, complete bool) ([]byte, []record.FrameRef) {
	t.Helper()
	dg, frames, ok, err := f.Add(p, at, r)
	if err != nil {
		t.Fatal(err)
	}
	if ok != complete {
		t.Fatalf("complete %v, want %v", ok, complete)
	}
	return dg, frames
}

func TestDefragLimits(t *testing.T) {
	fr := fragments(t, false, 3000, 1400, 0)
	// Incomplete datagrams expire after the timeout in capture time.
	f := NewDefragmenter()
	mustAdd(t, f, &fr.frags[0], 0, ref(0), false)
	mustAdd(t, f, &fr.frags[1], 29*sec, ref(1), false)
	other := fragments(t, true, 3000, 1400, 1)
	mustAdd(t, f, &other.frags[0], 31*sec, ref(2), false)
	if f.Stats().Expired != 1 || f.InFlight() != 1 {
		t.Fatalf("after timeout: %d in flight, %+v", f.InFlight(), f.Stats())
	}
	// The late last fragment starts a new datagram that cannot complete.
	mustAdd(t, f, &fr.frags[2], 31*sec, ref(3), false)

	// At most MaxDatagrams at once: the oldest goes.
	f = NewDefragmenter()
	f.MaxDatagrams = 2
	sets := []fragmented{fragments(t, false, 2000, 1400, 0), fragments(t, false, 2000, 1400, 0), fragments(t, false, 2000, 1400, 0)}
	for i := range sets {
		mustAdd(t, f, &sets[i].frags[0], int64(i), ref(i), false)
	}
	if f.InFlight() != 2 || f.Stats().Evicted != 1 {
		t.Fatalf("%d in flight, %+v", f.InFlight(), f.Stats())
	}
	if _, _, ok, _ := f.Add(&sets[0].frags[1], 3, ref(3)); ok {
		t.Error("evicted datagram completed")
	}
	if _, _, ok, _ := f.Add(&sets[2].frags[1], 3, ref(4)); !ok {
		t.Error("newest datagram did not complete")
	}

	// A fragment reaching past 65535 octets drops its datagram.
	f = NewDefragmenter()
	last := fr.frags[2]
	last.Payload = append([]byte(nil), last.Payload...)
	put16(last.Payload[6:], 0x1fff) // offset 65528, MF set
	last.Payload[10], last.Payload[11] = 0, 0
	mustAdd(t, f, &fr.frags[0], 0, ref(0), false)
	if _, _, _, err := f.Add(&last, 0, ref(1)); !errors.Is(err, ErrTooBig) {
		t.Errorf("offset 65528: %v", err)
	}
	if f.InFlight() != 0 {
		t.Error("oversized datagram kept")
	}

	// Not a fragment, and a fragment cut by the snap length.
	var p Packet
	_, frame := build(t, udp4().Ethernet())
	if err := NewDecoder().Decode(LinkEthernet, frame, &p); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := f.Add(&p, 0, ref(0)); !errors.Is(err, ErrNotFragment) {
		t.Errorf("UDP packet: %v", err)
	}
	cut := fr.raw[0][:600]
	if err := NewDecoder().Decode(LinkEthernet, cut, &p); err != nil || !p.Truncated {
		t.Fatal(err, p.Truncated)
	}
	if _, _, _, err := f.Add(&p, 0, ref(0)); !errors.Is(err, ErrTruncated) {
		t.Errorf("cut fragment: %v", err)
	}
}

func TestDefragTooManyFragments(t *testing.T) {
	// 1100 fragments of 8 octets (MTU 28): more than MaxFragments.
	fr := fragments(t, false, 8800, 28, 0)
	f := NewDefragmenter()
	var err error
	for i := range fr.frags {
		if _, _, _, err = f.Add(&fr.frags[i], 0, ref(i)); err != nil {
			break
		}
	}
	if !errors.Is(err, ErrTooMany) || f.Stats().Invalid != 1 {
		t.Errorf("%v %+v", err, f.Stats())
	}
}

// TestDefragIPv6UnfragmentablePart rebuilds a datagram whose fragments
// carry Hop-by-Hop and Routing headers before the fragment header.
func TestDefragIPv6UnfragmentablePart(t *testing.T) {
	_, ip := build(t, pcapgen.NewUDP(a6, b6, bytes.Repeat([]byte{'s'}, 3000)))
	ip = ipv6Ext(ip, hopByHop, routing, dstOpts)
	fr := fragmentPacket(t, ip, 1280, 99)
	f := NewDefragmenter()
	var dg []byte
	for i := len(fr.frags) - 1; i >= 0; i-- {
		dg, _ = mustAdd(t, f, &fr.frags[i], 0, ref(i), i == 0)
	}
	if !bytes.Equal(dg, ip) {
		t.Fatalf("rebuilt %x…, want %x…", dg[:64], ip[:64])
	}
}

// TestDefragManyInterleaved feeds fragments of many datagrams, shuffled
// within a window, duplicated now and then: all must come out whole.
func TestDefragManyInterleaved(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	type item struct {
		p   *Packet
		set int
	}
	var sets []fragmented
	var all []item
	for i := range 60 {
		s := fragments(t, i%2 == 1, 1000+rng.IntN(6000), 576+rng.IntN(1000), uint32(i))
		sets = append(sets, s)
		for k := range s.frags {
			all = append(all, item{&s.frags[k], i})
			if rng.IntN(5) == 0 {
				all = append(all, item{&s.frags[k], i})
			}
		}
	}
	for i := range all { // shuffle within windows of 12
		j := min(len(all)-1, i+rng.IntN(12))
		all[i], all[j] = all[j], all[i]
	}
	f := NewDefragmenter()
	done := map[int]bool{}
	for i, it := range all {
		dg, _, ok, err := f.Add(it.p, int64(i), ref(i))
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			if done[it.set] || !bytes.Equal(dg, sets[it.set].want) {
				t.Fatalf("datagram %d rebuilt twice or wrong", it.set)
			}
			done[it.set] = true
		}
	}
	if len(done) != len(sets) {
		t.Errorf("%d of %d rebuilt, %+v", len(done), len(sets), f.Stats())
	}
	// Duplicates that came after their datagram was rebuilt opened new
	// ones, which expire.
	late := f.InFlight()
	mustAdd(t, f, &sets[0].frags[0], int64(len(all))+31*sec, ref(0), false)
	if s := f.Stats(); f.InFlight() != 1 || s.Expired != uint64(late) {
		t.Errorf("%d late duplicates, then %d in flight, %+v", late, f.InFlight(), s)
	}
}

func TestDefragAllocs(t *testing.T) {
	fr := fragments(t, false, 3000, 1400, 0)
	f := NewDefragmenter()
	id := uint16(0)
	run := func() {
		id++
		for i := range fr.frags {
			put16(fr.frags[i].Payload[4:], id) // a new datagram each time
			if _, _, _, err := f.Add(&fr.frags[i], 0, ref(i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for range 100 {
		run()
	}
	if n := testing.AllocsPerRun(200, run); n > 0 {
		t.Errorf("%v allocations per rebuilt datagram", n)
	}
	if f.Stats().Datagrams < 300 {
		t.Errorf("%+v", f.Stats())
	}
}

func TestSpans(t *testing.T) {
	var h []span
	for _, s := range []span{{10, 20}, {30, 40}, {0, 5}, {20, 30}, {4, 11}, {50, 60}, {45, 55}} {
		h = addSpan(h, s)
	}
	want := []span{{0, 40}, {45, 60}}
	if len(h) != len(want) || h[0] != want[0] || h[1] != want[1] {
		t.Errorf("%v", h)
	}
}
