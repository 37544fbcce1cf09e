package tcpasm

import (
	"fmt"
	"hash/fnv"
	"net/netip"
	"slices"
	"testing"

	"github.com/sipgw/sipgw/capture/record"
)

// rng is a small xorshift generator driven by the fuzz input.
type rng uint64

func newRNG(seed []byte) *rng {
	h := fnv.New64a()
	h.Write(seed)
	r := rng(h.Sum64() | 1)
	return &r
}

func (r *rng) next() uint64 {
	x := uint64(*r)
	x ^= x << 13
	x ^= x >> 7
	x ^= x << 17
	*r = rng(x)
	return x
}

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// Plan flags (first plan byte).
const (
	planClean = 1 << iota // build SIP messages around the data, expect exactly them
	planWS                // carry the stream in WebSocket after a handshake
	planLoss              // drop some segments
	planSYN               // open with a SYN
	planWrap              // start near 2^32
)

// fuzzOptions are small so that the bounds are reached.
var fuzzOptions = Options{MaxBuffer: 4096, MaxOutOfOrder: 8, MaxOutOfOrderBytes: 8192, MaxFlows: 4, MaxMemory: 64 << 10}

// buildMessages cuts data into bodies of SIP messages.
func buildMessages(data []byte, r *rng) [][]byte {
	var msgs [][]byte
	for i := 0; len(data) > 0 || i == 0; i++ {
		n := min(len(data), r.intn(300))
		body := data[:n]
		data = data[n:]
		msgs = append(msgs, fmt.Appendf(nil, "MESSAGE sip:u%d@example.com SIP/2.0\r\nCSeq: %d MESSAGE\r\nContent-Length: %d\r\n\r\n%s",
			i, i, len(body), body))
	}
	return msgs
}

// wsWrap frames each message as a WebSocket message: split in fragments,
// masked or not, control frames between.
func wsWrap(msgs [][]byte, r *rng) []byte {
	var out []byte
	for _, m := range msgs {
		var key *[4]byte
		if r.intn(2) == 0 {
			k := [4]byte{byte(r.next()), byte(r.next()), byte(r.next()), byte(r.next())}
			key = &k
		}
		op := byte(wsOpText + r.intn(2))
		for first := true; ; first = false {
			n := len(m)
			if r.intn(3) == 0 {
				n = r.intn(len(m) + 1)
			}
			if first {
				// Long enough to be recognised mid-stream (wsSniffLen).
				n = max(n, min(len(m), wsSniffLen))
			}
			fin := n == len(m)
			out = append(out, wsFrame(fin, op, m[:n], key)...)
			m, op = m[n:], wsOpContinuation
			if r.intn(4) == 0 {
				out = append(out, wsFrame(true, wsOpPing+byte(r.intn(2)), []byte("keepalive"), key)...)
			}
			if fin {
				break
			}
		}
	}
	return out
}

type fuzzSeg struct {
	seq   uint32
	flags uint8
	data  []byte
}

// segmentStream cuts a TCP byte stream into segments, duplicating,
// overlapping, swapping and (with planLoss) dropping some.
func segmentStream(stream []byte, flags byte, r *rng) []fuzzSeg {
	isn := uint32(r.next())
	if flags&planWrap != 0 {
		isn = uint32(1<<32 - 1 - r.intn(600))
	}
	var segs []fuzzSeg
	if flags&planSYN != 0 {
		segs = append(segs, fuzzSeg{seq: isn, flags: SYN})
	}
	base := isn + 1
	for off := 0; off < len(stream); {
		n := min(len(stream)-off, 1+r.intn(200))
		s := fuzzSeg{seq: base + uint32(off), data: stream[off : off+n]}
		switch r.intn(10) {
		case 0:
			segs = append(segs, s, s) // duplicate
		case 1:
			if off > 0 { // retransmission overlapping the previous bytes
				back := 1 + r.intn(off)
				segs = append(segs, s, fuzzSeg{seq: base + uint32(off-back), data: stream[off-back : off+n]})
			} else {
				segs = append(segs, s)
			}
		case 2:
			if flags&planLoss != 0 {
				break
			}
			segs = append(segs, s)
		default:
			segs = append(segs, s)
		}
		off += n
	}
	if len(segs) > 0 && r.intn(2) == 0 {
		segs[len(segs)-1].flags |= FIN // the segment that ends the stream
	}
	// Swap some neighbours (out of order by one). The first segment stays
	// first: without a SYN it is where the stream starts.
	for i := len(segs) - 2; i >= 1; i-- {
		if r.intn(6) == 0 {
			segs[i], segs[i+1] = segs[i+1], segs[i]
		}
	}
	return segs
}

// runSegments feeds each segment on each flow in turn, checking bounds
// after each one.
func runSegments(t *testing.T, a *Assembler, keys []FlowKey, segs []fuzzSeg, r *recorder) {
	t.Helper()
	for i, s := range segs {
		for _, k := range keys {
			a.Add(&Segment{Key: k, Seq: s.seq, Flags: s.flags | ACK, Payload: s.data, Time: int64(i) * 1e6,
				Ref: record.FrameRef{Frame: uint32(i + 1)}}, r.emit)
			checkBounds(t, a)
		}
	}
	a.Flush(r.emit)
	if a.nflows != 0 || len(a.flows) != 0 || a.head != nil || len(a.gapFlows) != 0 {
		t.Fatalf("after Flush: %d flows, %d gap flows", a.nflows, len(a.gapFlows))
	}
}

func checkBounds(t *testing.T, a *Assembler) {
	t.Helper()
	o := a.opt
	if a.nflows > o.MaxFlows {
		t.Fatalf("%d flows", a.nflows)
	}
	total, n := 0, 0
	for f := a.head; f != nil; f = f.next {
		n++
		if a.find(f.key) != f {
			t.Fatalf("flow %v not found by its key", f.key)
		}
		if len(f.buf) > o.MaxBuffer+maxHandshake+64<<10 || f.oooBytes > o.MaxOutOfOrderBytes || len(f.ooo) > o.MaxOutOfOrder ||
			len(f.ws.msg) > o.MaxBuffer || len(f.spans)-f.spanHead > maxSpans {
			t.Fatalf("flow over bounds: buf %d ooo %d/%d ws %d spans %d", len(f.buf), len(f.ooo), f.oooBytes, len(f.ws.msg), len(f.spans))
		}
		total += f.bytes
	}
	if n != a.nflows {
		t.Fatalf("%d flows listed, %d counted", n, a.nflows)
	}
	if total != a.buffered || a.buffered > o.MaxMemory+64<<10 {
		t.Fatalf("buffered %d, flows hold %d", a.buffered, total)
	}
}

func FuzzAssembler(f *testing.F) {
	f.Fuzz(func(t *testing.T, data, plan []byte) {
		if len(plan) == 0 || len(data) > 8<<10 {
			return
		}
		flags := plan[0]
		r := newRNG(plan)
		var msgs [][]byte
		stream := data
		if flags&planClean != 0 {
			msgs = buildMessages(data, r)
			stream = slices.Concat(msgs...)
		}
		if flags&planWS != 0 {
			if flags&planClean != 0 {
				stream = wsWrap(msgs, r)
			}
			stream = append([]byte(wsGET), stream...)
		}
		segs := segmentStream(stream, flags, r)
		a := New(sipFramer{}, fuzzOptions)
		a.hmask = 1 // the two flows may share a hash chain
		rec := &recorder{t: t}
		// Two unrelated flows (not each other's reverse: the fuzzer's ACK
		// numbers are not real).
		keys := []FlowKey{kAB, {Src: netip.MustParseAddrPort("[2001:db8::7]:5060"), Dst: srvAddr}}
		runSegments(t, a, keys, segs, rec)
		for _, m := range rec.msgs {
			// With segments dropped the handshake may be lost: an unmasked
			// frame's SIP text is then found by resynchronising on the
			// plain stream, a message recovered as TCP. That is allowed.
			if flags&planLoss != 0 && flags&planWS != 0 && !m.ws {
				continue
			}
			// Raw fuzz bytes (no messages built) on a flow joined without
			// its SYN may look like WebSocket framing before a SIP start
			// line: the assembler's mid-stream sniffing may then take them
			// for it (a CI fuzz find, kept as a seed); only built streams
			// say which framing is right.
			if flags&planClean == 0 {
				continue
			}
			if m.ws != (flags&planWS != 0) {
				t.Fatalf("WebSocket %v on a plan %#x stream", m.ws, flags)
			}
		}
		if flags&planClean != 0 && flags&planLoss == 0 {
			// Every message, once, in order, whatever the segmentation.
			for _, k := range keys {
				var g []string
				for _, m := range rec.msgs {
					if m.key == k {
						g = append(g, m.data)
					}
				}
				if len(g) != len(msgs) {
					t.Fatalf("%v: %d messages, want %d; problems %v", k, len(g), len(msgs), a.Problems())
				}
				for i, m := range msgs {
					if g[i] != string(m) {
						t.Fatalf("%v message %d:\n got %q\nwant %q", k, i, g[i], m)
					}
				}
			}
			if st := a.Stats(); st.Gaps != 0 || st.BytesSkipped != 0 || st.Problems != 0 {
				t.Fatalf("stats %+v problems %v", st, a.Problems())
			}
		}
	})
}

func FuzzWebSocket(f *testing.F) {
	f.Fuzz(func(t *testing.T, data, plan []byte) {
		if len(data) > 8<<10 {
			return
		}
		// Any header parse stays within its input and its bounds.
		for i := range min(len(data), 64) {
			h, ok, err := parseWSHeader(data[i:], 4096)
			if ok && (err != nil || h.hlen > len(data)-i || h.plen > 4096 || (h.op >= wsOpClose && h.plen > 125)) {
				t.Fatalf("header %+v ok=%v err=%v from % x", h, ok, err, data[i:min(len(data), i+14)])
			}
		}
		r := newRNG(plan)
		var flags byte
		if len(plan) > 0 {
			flags = plan[0] &^ (planClean | planLoss)
		}
		// Raw: the data as the frame stream after a handshake.
		a := New(sipFramer{}, fuzzOptions)
		rec := &recorder{t: t}
		runSegments(t, a, []FlowKey{kBA}, segmentStream(append([]byte(ws101), data...), flags, r), rec)
		for _, m := range rec.msgs {
			if !m.ws {
				t.Fatalf("message not marked WebSocket")
			}
		}
		// Built: the data as the body of one message, framed per plan.
		msg := buildMessages(data[:min(len(data), 300)], r)[0]
		stream := append([]byte(wsGET), wsWrap([][]byte{msg}, r)...)
		a = New(sipFramer{}, fuzzOptions)
		rec = &recorder{t: t}
		runSegments(t, a, []FlowKey{kAB}, segmentStream(stream, flags, r), rec)
		if len(rec.msgs) != 1 || rec.msgs[0].data != string(msg) || !rec.msgs[0].ws {
			t.Fatalf("got %q, want %q; problems %v", rec.datas(), msg, a.Problems())
		}
	})
}
