package bearer

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/pion/rtp"
	"github.com/sipgw/sipgw/tdm/dtmf"
	"github.com/sipgw/sipgw/tdm/g711"
	"github.com/sipgw/sipgw/tdm/rfc4733"
	"github.com/sipgw/sipgw/tdm/softspan"
	"github.com/sipgw/sipgw/tdm/span"
)

// recorder is the network side: it keeps every packet sent, with the
// tick (of the injected 20 ms clock) it left at.
type recorder struct {
	tick int
	pkts []sent
}

type sent struct {
	tick int
	p    rtp.Packet
}

func (r *recorder) Send(b []byte) error {
	var p rtp.Packet
	if err := p.Unmarshal(append([]byte(nil), b...)); err != nil {
		return err
	}
	r.pkts = append(r.pkts, sent{r.tick, p})
	return nil
}

// rig is one call on timeslot 5 of span A, with span B's timeslot 5
// looped back (what it receives it sends back) or driven by the test.
type rig struct {
	pair *softspan.Pair
	eng  *Engine
	call *Call
	net  *recorder
	far  span.Bearer
	loop bool
	rxB  []byte // what span B received on the timeslot
	txB  func(n int) []byte
}

func newRig(t *testing.T, cfg Config) *rig {
	t.Helper()
	r := &rig{pair: softspan.NewPair(span.E1, 0), eng: NewEngine(), net: &recorder{}}
	a, err := r.pair.A.Open(5)
	if err != nil {
		t.Fatal(err)
	}
	if r.far, err = r.pair.B.Open(5); err != nil {
		t.Fatal(err)
	}
	if r.call, err = r.eng.Start(a, r.net, cfg); err != nil {
		t.Fatal(err)
	}
	return r
}

// tick is 20 ms: the engine steps, the line moves 160 samples, the far
// end answers.
func (r *rig) tick() {
	r.eng.Step()
	r.pair.Advance(Frame)
	buf := make([]byte, 2*Frame)
	n, _ := r.far.Read(buf)
	r.rxB = append(r.rxB, buf[:n]...)
	switch {
	case r.loop:
		r.far.Write(buf[:n])
	case r.txB != nil:
		r.far.Write(r.txB(n))
	}
	r.net.tick++
}

func pkt(pt uint8, seq uint16, ts uint32, marker bool, payload []byte) []byte {
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: seq, Timestamp: ts, SSRC: 0xCAFE, Marker: marker}, Payload: payload}
	b, err := p.Marshal()
	if err != nil {
		panic(err)
	}
	return b
}

// noise returns n random A-law codes of moderate level (no DTMF in it).
func noise(r *rand.Rand, n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = g711.ALaw.Encode(int16(r.NormFloat64() * 2000))
	}
	return p
}

// The proof of the issue: RTP in → timeslot of a software span → looped
// back at the far end → RTP out. Every payload comes back octet for
// octet, five ticks later (the bridge is clocked by the frames the line
// delivers, which start a tick late; two frames of jitter buffer; a frame
// each way on the line) until the buffer sheds the spare frame, then
// four, one packet per 20 ms tick, with consecutive sequence numbers,
// timestamps 160 apart, one SSRC and the marker only on the first.
func TestLoopbackRTP(t *testing.T) {
	for _, reorder := range []bool{false, true} {
		r := newRig(t, Config{Law: g711.ALaw, SSRC: 0x1234, Seq: 65530, Timestamp: 0xFFFFFF00})
		r.loop = true
		rnd := rand.New(rand.NewPCG(1, 2))
		const n = 200
		in := make([][]byte, n)
		var held []byte
		for k := 0; k < n; k++ {
			in[k] = noise(rnd, Frame)
			p := pkt(8, uint16(1000+k), uint32(50000+k*Frame), k == 0, in[k])
			if reorder && k%5 == 2 { // every fifth packet overtaken by the next
				held = p
			} else {
				r.call.Deliver(p)
				if held != nil {
					r.call.Deliver(held)
					held = nil
				}
			}
			r.tick()
		}
		out := r.net.pkts
		if len(out) != n-1 { // the first step finds nothing yet: the line has a frame of delay
			t.Fatalf("%d packets out in %d ticks", len(out), n)
		}
		which := map[string]int{}
		for k, p := range in {
			which[string(p)] = k
		}
		prev, skipped := -1, 0
		for i, s := range out {
			h := s.p.Header
			if h.SSRC != 0x1234 || h.PayloadType != PTPCMA || h.SequenceNumber != uint16(65530+i) ||
				h.Timestamp != 0xFFFFFF00+uint32(i*Frame) || h.Marker != (i == 0) || s.tick != i+1 {
				t.Fatalf("packet %d: %+v at tick %d", i, h, s.tick)
			}
			k, ok := which[string(s.p.Payload)]
			if s.tick < 5 {
				if ok || !bytes.Equal(s.p.Payload, bytes.Repeat([]byte{0xD5}, Frame)) {
					t.Fatalf("tick %d: idle codes expected before the first packet comes back", s.tick)
				}
				continue
			}
			if !ok {
				t.Fatalf("reorder %v: packet out at tick %d carries no input packet", reorder, s.tick)
			}
			if prev >= 0 && k != prev+1 {
				skipped += k - prev - 1
			}
			if s.tick-k < 4 || s.tick-k > 5 {
				t.Fatalf("input packet %d came back at tick %d", k, s.tick)
			}
			prev = k
		}
		// With packets arriving a tick ahead of need, the buffer sheds
		// that frame of delay once (a drop), and only that.
		if st := r.call.Stats(); skipped != st.Jitter.Drops || skipped > 1 {
			t.Errorf("skipped %d input packets, the buffer dropped %d", skipped, st.Jitter.Drops)
		}
		if st := r.call.Stats(); st.Jitter.ConcealedFrames != 0 || st.Jitter.Late != 0 || st.Received != n {
			t.Errorf("reorder %v: %+v", reorder, st)
		}
		// One frame of idle went out before the first frame came in; after
		// that the engine kept pace with the line.
		if c := r.pair.A.Counters(5); c.Underrun != Frame || c.Overrun != 0 {
			t.Errorf("%+v", c)
		}
	}
}

// A PCMU call on an E1 (A-law) timeslot is transcoded both ways.
func TestTranscoding(t *testing.T) {
	r := newRig(t, Config{Law: g711.ALaw, Codec: g711.MuLaw})
	r.loop = true
	mu := make([]byte, Frame)
	for i := range mu {
		mu[i] = g711.MuLaw.Encode(int16(i * 150))
	}
	for k := 0; k < 10; k++ {
		r.call.Deliver(pkt(0, uint16(k), uint32(k*Frame), false, mu))
		r.tick()
	}
	if len(r.rxB) < 4*Frame || r.rxB[3*Frame+10] != g711.ALaw.Encode(g711.MuLaw.Decode(mu[10])) {
		t.Fatalf("the timeslot carries A-law")
	}
	last := r.net.pkts[len(r.net.pkts)-1].p
	if last.PayloadType != PTPCMU {
		t.Fatalf("PT %d", last.PayloadType)
	}
	for i, c := range last.Payload {
		if d := int(g711.MuLaw.Decode(c)) - int(g711.MuLaw.Decode(mu[i])); d > 300 || d < -300 {
			t.Fatalf("sample %d: %d vs %d", i, g711.MuLaw.Decode(c), g711.MuLaw.Decode(mu[i]))
		}
	}
}

// RFC 4733 events in → DTMF on the timeslot, found by a detector at the
// far end with the durations the events gave (at least 40 ms, and 40 ms
// apart, Q.24).
func TestEventsToTones(t *testing.T) {
	r := newRig(t, Config{Law: g711.ALaw, EventPT: 101})
	seq, ts := uint16(1), uint32(0)
	audio := func() {
		r.call.Deliver(pkt(8, seq, ts, false, bytes.Repeat([]byte{0xD5}, Frame)))
		seq++
		ts += Frame
	}
	send := func(digit byte, ms int, loseEnd bool) {
		ev := uint8(dtmf.Event(digit))
		start := ts
		for d := Frame; d <= ms*8; d += Frame {
			r.call.Deliver(pkt(101, seq, start, d == Frame, rfc4733.Block{Event: ev, Volume: 10, Duration: uint16(d)}.Append(nil)))
			seq++
			ts += Frame
			r.tick()
		}
		for range 3 {
			if !loseEnd {
				r.call.Deliver(pkt(101, seq, start, false, rfc4733.Block{Event: ev, Volume: 10, End: true, Duration: uint16(ms * 8)}.Append(nil)))
			}
			seq++
		}
		for range 10 { // 200 ms of silence between digits
			audio()
			r.tick()
		}
	}
	for range 5 {
		audio()
		r.tick()
	}
	send('1', 100, false)
	send('#', 200, false)
	send('9', 20, false) // too short for a receiver: played for 40 ms
	send('4', 100, true) // all three end packets lost
	send('A', 60, false)
	det := dtmf.NewDetector(dtmf.DetectorConfig{})
	evs := det.ProcessCodes(r.rxB, g711.ALaw.DecodeTable(), nil)
	var got []string
	for _, e := range evs {
		if e.End {
			got = append(got, string(e.Digit))
			want := map[byte]int{'1': 800, '#': 1600, '9': 320, '4': 800, 'A': 480}[e.Digit]
			slack := 2 * dtmf.Block
			if e.Digit == '4' {
				slack = lostEnd*Frame + dtmf.Block // the end was guessed
			}
			if e.Duration < want-slack || e.Duration > want+slack {
				t.Errorf("%c lasted %d samples on the timeslot, want %d", e.Digit, e.Duration, want)
			}
		}
	}
	if strings.Join(got, "") != "1#94A" {
		t.Fatalf("timeslot carried %q (%v)", strings.Join(got, ""), evs)
	}
	if st := r.call.Stats(); st.DigitsPlayed != 5 {
		t.Errorf("%+v", st)
	}
}

// DTMF on the timeslot → RFC 4733 events out: the first with the marker,
// one timestamp (the tone's onset) for the event, durations growing by a
// frame, three end packets with the tone's duration, no audio packets
// while the digit lasts, one sequence number space throughout.
func TestTonesToEvents(t *testing.T) {
	r := newRig(t, Config{Law: g711.ALaw, EventPT: 101, Timestamp: 1000})
	gen := dtmf.NewGenerator(0, 0)
	sample := 0
	onset, toneEnd := 40*Frame+37, 40*Frame+37+800 // 100 ms starting mid-frame
	buf := make([]int16, 1)
	r.txB = func(n int) []byte {
		out := make([]byte, n)
		for i := range out {
			switch sample {
			case onset:
				gen.Start('8')
			case toneEnd:
				gen.Stop()
			}
			gen.Fill(buf)
			out[i] = g711.ALaw.Encode(buf[0])
			sample++
		}
		return out
	}
	for range 80 {
		r.tick()
	}
	// Span B's samples reach span A one frame (Advance) later, after the
	// frame of idle codes A received first: sample s of B is sample
	// s+160 of A's timeslot, whose timestamp is 1000+160+s.
	var evs []sent
	seq := r.net.pkts[0].p.SequenceNumber
	for i, s := range r.net.pkts {
		if s.p.SequenceNumber != seq+uint16(i) {
			t.Fatalf("sequence gap at packet %d", i)
		}
		if s.p.PayloadType == 101 {
			evs = append(evs, s)
		}
	}
	if len(evs) < 6 {
		t.Fatalf("%d event packets", len(evs))
	}
	var blocks []rfc4733.Block
	for i, s := range evs {
		b, err := rfc4733.Parse(s.p.Payload, nil)
		if err != nil || len(b) != 1 || b[0].Event != 8 {
			t.Fatalf("event packet %d: %v %v", i, b, err)
		}
		blocks = append(blocks, b[0])
		if s.p.Timestamp != evs[0].p.Timestamp || s.p.Marker != (i == 0) {
			t.Errorf("event packet %d: ts %d marker %v", i, s.p.Timestamp, s.p.Marker)
		}
	}
	if d := int(evs[0].p.Timestamp) - (1000 + Frame + onset); d < -dtmf.Block || d > dtmf.Block {
		t.Errorf("event timestamp %d, tone began at %d", evs[0].p.Timestamp, 1000+Frame+onset)
	}
	n := len(blocks)
	for i := 1; i < n-3; i++ {
		if blocks[i].Duration != blocks[i-1].Duration+Frame || blocks[i].End {
			t.Errorf("update %d: %v after %v", i, blocks[i], blocks[i-1])
		}
	}
	for _, b := range blocks[n-3:] {
		if !b.End || b.Duration != blocks[n-1].Duration {
			t.Errorf("end packets: %v", blocks[n-3:])
		}
	}
	if d := int(blocks[n-1].Duration) - 800; d < -dtmf.Block || d > dtmf.Block {
		t.Errorf("final duration %d, the tone lasted 800", blocks[n-1].Duration)
	}
	// no audio packet between the first event packet and the end packets
	for _, s := range r.net.pkts {
		if s.p.PayloadType == PTPCMA && s.tick > evs[0].tick && s.tick < evs[n-1].tick {
			t.Errorf("audio at tick %d while the digit lasted", s.tick)
		}
	}
	if st := r.call.Stats(); st.DigitsSent != 1 || st.SentEvents != n {
		t.Errorf("%+v", st)
	}
}

func TestBadPacketsAndStop(t *testing.T) {
	r := newRig(t, Config{Law: g711.ALaw, EventPT: 101})
	for _, p := range [][]byte{
		{0x80},                         // short
		pkt(0, 1, 1, false, []byte{1}), // PCMU not negotiated
		pkt(101, 1, 1, false, []byte{1, 2, 3}),
		append([]byte{0x40}, pkt(8, 1, 1, false, []byte{1})[1:]...), // version 1
	} {
		if err := r.call.b.Receive(p); !errors.Is(err, ErrPacket) {
			t.Errorf("% x: %v", p, err)
		}
	}
	if st := r.call.Stats(); st.BadPackets != 3 || st.ForeignPT != 1 {
		t.Errorf("%+v", st)
	}
	// A new SSRC restarts the jitter buffer.
	r.call.b.Receive(pkt(8, 1, 1, false, make([]byte, Frame)))
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 8, SSRC: 77, SequenceNumber: 9, Timestamp: 500000}, Payload: make([]byte, Frame)}
	raw, _ := p.Marshal()
	r.call.b.Receive(raw)
	if st := r.call.Stats(); st.SSRCChanges != 1 {
		t.Errorf("%+v", st)
	}
	for range 3 {
		r.tick()
	}
	sentBefore := len(r.net.pkts)
	r.call.Stop()
	r.call.Stop()
	if r.call.Deliver(pkt(8, 2, 2, false, []byte{1})) || r.eng.Calls() != 0 {
		t.Error("a stopped call takes no packets")
	}
	for range 3 {
		r.tick()
	}
	if len(r.net.pkts) != sentBefore {
		t.Error("a stopped call sends nothing")
	}
	// The line carries idle codes after the call.
	tail := r.rxB[len(r.rxB)-Frame:]
	if !bytes.Equal(tail, bytes.Repeat([]byte{0xD5}, Frame)) {
		t.Errorf("after stop the timeslot carries % x…", tail[:8])
	}
	// The timeslot can carry the next call.
	a, _ := r.pair.A.Open(6)
	if _, err := r.eng.Start(a, r.net, Config{Law: g711.ALaw}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.eng.Start(a, r.net, Config{}); !errors.Is(err, ErrConfig) {
		t.Error("no law:", err)
	}
	if _, err := r.eng.Start(a, r.net, Config{Law: g711.ALaw, EventPT: 8}); !errors.Is(err, ErrConfig) {
		t.Error("PT clash:", err)
	}
}

// Any datagram from the network is taken or refused without panicking,
// and the bridge keeps producing frames afterwards.
func FuzzReceive(f *testing.F) {
	f.Add(pkt(8, 1, 160, true, make([]byte, Frame)))
	f.Add(pkt(101, 2, 160, true, rfc4733.Block{Event: 5, Duration: 160}.Append(nil)))
	f.Add(pkt(101, 3, 160, false, append(rfc4733.Block{Event: 1, End: true, Duration: 800}.Append(nil), rfc4733.Block{Event: 2, Duration: 160}.Append(nil)...)))
	f.Add([]byte{0x90, 8, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xBE, 0xDE, 0, 1, 0x10, 0xFF, 0, 0})
	f.Add([]byte{0xA0, 8, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 5})
	f.Fuzz(func(t *testing.T, p []byte) {
		b, err := NewBridge(Config{Law: g711.ALaw, EventPT: 101})
		if err != nil {
			t.Fatal(err)
		}
		_ = b.Receive(p)
		_ = b.Receive(p)
		rx, tx := make([]byte, Frame), make([]byte, Frame)
		for range 30 {
			if out := b.Tick(rx, tx); len(out) != 1 {
				t.Fatalf("%d packets for a frame", len(out))
			}
		}
	})
}

// Two digits back to back without a pause: the first one's three end
// packets all go out before the second one's first packet.
func TestBackToBackDigits(t *testing.T) {
	r := newRig(t, Config{Law: g711.ALaw, EventPT: 101})
	gen := dtmf.NewGenerator(0, 0)
	sample := 0
	buf := make([]int16, 1)
	r.txB = func(n int) []byte {
		out := make([]byte, n)
		for i := range out {
			switch sample {
			case 3200:
				gen.Start('1')
			case 3200 + 800:
				gen.Start('2')
			case 3200 + 1600:
				gen.Stop()
			}
			gen.Fill(buf)
			out[i] = g711.ALaw.Encode(buf[0])
			sample++
		}
		return out
	}
	for range 60 {
		r.tick()
	}
	var got []string
	for _, s := range r.net.pkts {
		if s.p.PayloadType != 101 {
			continue
		}
		b, _ := rfc4733.Parse(s.p.Payload, nil)
		e := ""
		if b[0].End {
			e = "E"
		}
		if s.p.Marker {
			e += "M"
		}
		got = append(got, string(dtmf.Digit(int(b[0].Event)))+e)
	}
	j := strings.Join(got, " ")
	if !strings.Contains(j, "1E 1E 1E 2M") || !strings.HasPrefix(j, "1M") || !strings.HasSuffix(j, "2E 2E 2E") {
		t.Fatalf("events: %s", j)
	}
}
