package netdec

import (
	"bytes"
	"errors"
	"testing"
	"time"
	"unsafe"

	"github.com/sipgw/sipgw/capture/pcapgen"
	"github.com/sipgw/sipgw/capture/record"
)

// fuzzLinks maps the fuzzer's link type byte to the link types Decode
// supports, plus one it does not.
var fuzzLinks = []uint16{LinkNull, LinkEthernet, LinkRawBSD, LinkRawOpenBSD, LinkRaw, LinkLoop, LinkLinuxSLL,
	LinkMTP2Phdr, LinkMTP2, LinkMTP3, LinkIPv4, LinkIPv6, LinkLinuxSLL2, 147}

// within reports whether b lies inside frame (aliases it).
func within(b, frame []byte) bool {
	if len(b) == 0 {
		return true
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(frame)))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return p >= start && p+uintptr(len(b)) <= start+uintptr(len(frame))
}

// FuzzDecode: Decode never panics; a frame either decodes to a Kind with a
// Payload inside the frame, or fails with an *Error wrapping a sentinel,
// at an offset inside the frame; decoding is deterministic.
func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, link byte, frame []byte) {
		lt := fuzzLinks[int(link)%len(fuzzLinks)]
		d := NewDecoder()
		var p, q Packet
		err := d.Decode(lt, frame, &p)
		err2 := d.Decode(lt, frame, &q)
		if (err == nil) != (err2 == nil) || p.Kind != q.Kind || len(p.Payload) != len(q.Payload) || p.Src != q.Src {
			t.Fatalf("not deterministic: %v / %v", err, err2)
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Offset < 0 || e.Offset > len(frame) || p.Kind != KindNone {
				t.Fatalf("error %v (%T), kind %v", err, err, p.Kind)
			}
			if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrBadHeader) && !errors.Is(err, ErrTooDeep) && !errors.Is(err, ErrUnsupportedLink) {
				t.Fatalf("unexpected sentinel: %v", err)
			}
			return
		}
		if p.Kind == KindNone || p.Kind > KindOther {
			t.Fatalf("kind %v without error", p.Kind)
		}
		if !within(p.Payload, frame) {
			t.Fatal("payload outside the frame")
		}
		if p.Tunnels > maxDepth {
			t.Fatalf("%d tunnels", p.Tunnels)
		}
		switch p.Kind {
		case KindSCTP:
			n := 0
			_ = SCTPChunks(p.Payload, func(c Chunk) bool {
				n++
				var dc DataChunk
				if ParseData(c, &dc) == nil && !within(dc.Payload, frame) {
					t.Fatal("chunk payload outside the frame")
				}
				return true
			})
			if n > len(p.Payload)/4 {
				t.Fatalf("%d chunks in %d octets", n, len(p.Payload))
			}
		case KindIPFragment:
			if p.IPVersion != 4 && p.IPVersion != 6 {
				t.Fatalf("fragment of IP version %d", p.IPVersion)
			}
			var fr fragment
			if err := parseFragment(p.Payload, &fr); err == nil && !p.Truncated && (fr.offset != int(p.FragOffset) || fr.more != p.MoreFragments) {
				t.Fatalf("defragmenter reads offset %d more %v, decoder %d %v", fr.offset, fr.more, p.FragOffset, p.MoreFragments)
			}
		}
	})
}

// splitRecords cuts b into records, each a 2-octet length and that many
// octets (the last one takes what is left).
func splitRecords(b []byte, fn func(rec []byte)) {
	for len(b) >= 2 {
		n := min(int(b[0])<<8|int(b[1]), len(b)-2)
		fn(b[2 : 2+n])
		b = b[2+n:]
	}
}

// shuffle permutes n items from seed, and picks some to send twice.
func shuffle(n int, seed uint64) []int {
	order := make([]int, 0, n+n/3)
	for i := range n {
		order = append(order, i)
		if seed>>(i%64)&1 == 1 && i%3 == 0 {
			order = append(order, i)
		}
	}
	for i := len(order) - 1; i > 0; i-- {
		seed = seed*6364136223846793005 + 1442695040888963407
		j := int(seed>>33) % (i + 1)
		order[i], order[j] = order[j], order[i]
	}
	return order
}

// FuzzDefrag: (1) arbitrary records decoded as raw IP and fed to a
// Defragmenter never panic or yield more than a datagram can hold; (2) a
// UDP datagram carrying data, fragmented at mtu and fed in a shuffled
// order with duplicates, comes back whole exactly once.
func FuzzDefrag(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, mtu uint16, seed uint64, v6 bool) {
		d := NewDecoder()
		df := NewDefragmenter()
		df.MaxDatagrams = 8
		n := 0
		splitRecords(data, func(rec []byte) {
			var p Packet
			if d.Decode(LinkRaw, rec, &p) != nil || p.Kind != KindIPFragment {
				return
			}
			n++
			dg, frames, ok, err := df.Add(&p, int64(n)*int64(time.Second), record.FrameRef{Frame: uint32(n)})
			if ok {
				if err != nil || len(dg) > 65535+40 || len(frames) == 0 || len(frames) > n {
					t.Fatalf("datagram of %d octets from %d frames (%v)", len(dg), len(frames), err)
				}
				var q Packet
				_ = d.DecodeIP(dg, &q)
			}
		})
		if df.InFlight() > 8 {
			t.Fatalf("%d datagrams in flight", df.InFlight())
		}

		if len(data) > 20000 {
			data = data[:20000]
		}
		src, dst := a4, b4
		m := int(mtu)%1500 + 68
		if v6 {
			src, dst, m = a6, b6, int(mtu)%9000+1280
		}
		ip, err := pcapgen.NewUDP(src, dst, data).Bytes()
		if err != nil {
			t.Fatal(err)
		}
		frags, err := pcapgen.FromIP(ip).Fragments(m, uint32(seed))
		if err != nil {
			t.Fatal(err)
		}
		if len(frags) == 1 {
			return // fits: a whole IPv4 packet or an IPv6 atomic fragment
		}
		df = NewDefragmenter()
		done := 0
		for _, i := range shuffle(len(frags), seed) {
			fb, _ := frags[i].Bytes()
			var p Packet
			if err := d.Decode(LinkRaw, fb, &p); err != nil || p.Kind != KindIPFragment {
				t.Fatalf("fragment %d: %v %v", i, err, p.Kind)
			}
			dg, _, ok, err := df.Add(&p, 0, record.FrameRef{Frame: uint32(i)})
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				done++
				var q Packet
				if err := d.DecodeIP(dg, &q); err != nil || q.Kind != KindUDP || !bytes.Equal(q.Payload, data) {
					t.Fatalf("rebuilt datagram: %v %v %d octets", err, q.Kind, len(q.Payload))
				}
			}
		}
		if done != 1 {
			t.Fatalf("rebuilt %d times", done)
		}
	})
}

// FuzzSCTP: (1) arbitrary chunk areas, in packets of a few associations,
// go through SCTPChunks, ParseData and an SCTPAssembler without panic and
// within its bounds; (2) a message carried in DATA (or I-DATA) fragments
// of size octets, shuffled with retransmissions, comes out whole once.
func FuzzSCTP(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, size uint16, seed uint64, idata bool) {
		a := NewSCTPAssembler()
		k := 0
		splitRecords(data, func(rec []byte) {
			k++
			p := Packet{Kind: KindSCTP, Src: a4.Addr(), Dst: b4.Addr(), SrcPort: 2905, DstPort: uint16(k % 3), VTag: uint32(k % 2), Payload: rec}
			_ = SCTPChunks(rec, func(c Chunk) bool {
				var d DataChunk
				if ParseData(c, &d) != nil {
					return true
				}
				orig := d.Payload
				msg, frames, ok, dup := a.Add(&p, &d, int64(k), record.FrameRef{Frame: uint32(k)})
				if ok && dup {
					t.Fatal("complete and duplicate")
				}
				if ok && len(frames) == 1 && !bytes.Equal(msg, orig) {
					t.Fatal("single chunk message differs from its payload")
				}
				if ok && len(msg) > MaxPendingBytes+len(orig) {
					t.Fatalf("message of %d octets", len(msg))
				}
				return true
			})
		})
		if a.Pending() > 6*MaxPendingChunks {
			t.Fatalf("%d fragments pending", a.Pending())
		}

		if len(data) > 30000 {
			data = data[:30000]
		}
		sz := int(size)%2000 + 1
		var chunks []pcapgen.Chunk
		if idata {
			for _, c := range pcapgen.FragmentIData(uint32(seed), 1, uint32(seed>>32), 46, data, sz) {
				chunks = append(chunks, c)
			}
		} else {
			for _, c := range pcapgen.FragmentData(uint32(seed), 1, uint16(seed>>32), 46, data, sz) {
				chunks = append(chunks, c)
			}
		}
		if len(chunks) > MaxPendingChunks {
			return
		}
		a = NewSCTPAssembler()
		done := 0
		for _, i := range shuffle(len(chunks), seed) {
			p := Packet{Kind: KindSCTP, Src: a6.Addr(), Dst: b6.Addr(), SrcPort: 1, DstPort: 2, VTag: 3, Payload: chunks[i].AppendChunk(nil)}
			var d DataChunk
			if err := SCTPChunks(p.Payload, func(c Chunk) bool {
				if err := ParseData(c, &d); err != nil {
					t.Fatal(err)
				}
				return true
			}); err != nil {
				t.Fatal(err)
			}
			msg, _, ok, _ := a.Add(&p, &d, 0, record.FrameRef{Frame: uint32(i)})
			if ok {
				done++
				if !bytes.Equal(msg, data) || d.PPID != 46 {
					t.Fatalf("message of %d octets, PPID %d, want %d octets", len(msg), d.PPID, len(data))
				}
			}
		}
		if done != 1 {
			t.Fatalf("delivered %d times", done)
		}
	})
}
