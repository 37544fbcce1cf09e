package tcpasm

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/sipgw/sipgw/capture/record"
)

// Assembler reassembles TCP flows. It is not safe for concurrent use; the
// emit callbacks must not call back into it.
type Assembler struct {
	fr     Framer
	opt    Options
	flows  map[uint64]*flow // by hashKey; flows whose hashes collide are chained
	nflows int
	seed   uint64
	hmask  uint64 // all ones; tests narrow it to force chains
	// LRU list: head is the most recently used flow.
	head, tail *flow
	free       []*flow
	last       *flow   // flow of the previous segment: most segments follow their flow's last
	gapFlows   []*flow // flows holding segments beyond a gap

	now       int64 // latest capture time seen
	lastSweep int64
	buffered  int // bytes held over all flows

	msg    Message
	frames []record.FrameRef
	// cur is the span of the segment being framed in place (curLive):
	// recorded in the flow only if some of its bytes must wait.
	cur      span
	curLive  bool
	scratch  [wsSniffLen]byte
	problems []Problem
	stats    Stats
}

// New returns an Assembler that frames messages with f.
func New(f Framer, opt Options) *Assembler {
	opt.fill()
	return &Assembler{fr: f, opt: opt, flows: make(map[uint64]*flow), seed: rand.Uint64(), hmask: ^uint64(0)}
}

// Stats returns the counters so far.
func (a *Assembler) Stats() Stats { return a.stats }

// Problems returns the problems kept so far (none when Options.OnProblem
// is set).
func (a *Assembler) Problems() []Problem { return a.problems }

type flowState uint8

const (
	stNew    flowState = iota // nothing seen yet
	stOpen                    // receiving
	stClosed                  // FIN or RST seen; kept to recognise late retransmissions
)

func (s flowState) String() string {
	switch s {
	case stNew:
		return "new"
	case stOpen:
		return "open"
	case stClosed:
		return "closed"
	}
	return "state(" + strconv.Itoa(int(s)) + ")"
}

type flowMode uint8

const (
	modeStream flowMode = iota // the Framer on the TCP byte stream
	modeWS                     // WebSocket frames; the Framer on each message
)

func (m flowMode) String() string {
	switch m {
	case modeStream:
		return "stream"
	case modeWS:
		return "websocket"
	}
	return "mode(" + strconv.Itoa(int(m)) + ")"
}

// span records which frame brought stream bytes [start, end).
type span struct {
	start, end uint64
	time       int64
	ref        record.FrameRef
}

// maxSpans bounds the frame list kept per flow; beyond it the bytes of new
// frames are credited to the last listed frame.
const maxSpans = 4096

// oooSeg is a segment held beyond a gap; its bytes are in flow.oooData.
type oooSeg struct {
	seq    uint32
	off, n int
	fin    bool
	time   int64
	ref    record.FrameRef
}

// burst accumulates bytes skipped for one reason until the stream is back
// at a message start, so that a long run is one Problem.
type burst struct {
	open    bool
	always  bool // report even if nothing was skipped (a gap)
	layer   Layer
	err     error
	cause   error
	offset  uint64
	missing uint64
	skipped int
	ref     record.FrameRef
}

type flow struct {
	key        FlowKey
	hash       uint64
	hnext      *flow // next flow with the same hash
	prev, next *flow
	gapIdx     int // index in Assembler.gapFlows, -1 if absent

	state   flowState
	mode    flowMode
	sync    bool // at a message (or WebSocket frame) boundary
	sniff   bool // joined mid-stream: may still turn out to be WebSocket
	synSeen bool
	ackOK   bool
	synSeq  uint32
	nxt     uint32 // next expected sequence number
	ack     uint32 // latest ACK number this direction carried
	rcv     uint64 // stream offset of nxt
	pos     uint64 // stream offset of buf[0]

	buf      []byte // in-order bytes waiting for the rest of a message
	spans    []span
	spanHead int

	ooo      []oooSeg // sorted by seq
	oooData  []byte
	oooBytes int
	gapSince int64 // capture time of the last progress while segments wait

	b     burst
	ws    wsState
	bytes int // bytes accounted in Assembler.buffered
}

// hashKey hashes a flow key with the Assembler's random seed (so that a
// crafted capture cannot aim at one chain). A uint64 map key takes the
// map's fast path; hashing the 64-byte FlowKey struct or a byte array key
// in the map costs twice as much per segment.
func (a *Assembler) hashKey(k FlowKey) uint64 {
	s, d := k.Src.Addr().As16(), k.Dst.Addr().As16()
	var v4 uint64
	if k.Src.Addr().Is4() {
		v4 |= 1 << 32
	}
	if k.Dst.Addr().Is4() {
		v4 |= 2 << 32
	}
	h1 := mum(binary.LittleEndian.Uint64(s[:8])^a.seed, binary.LittleEndian.Uint64(s[8:])^0xa0761d6478bd642f)
	h2 := mum(binary.LittleEndian.Uint64(d[:8])^0xe7037ed1a0b428db, binary.LittleEndian.Uint64(d[8:])^a.seed)
	ports := uint64(k.Src.Port())<<16 | uint64(k.Dst.Port()) | v4
	return mum(h1^ports^0x8ebc6af09c88c6e3, h2^0x589965cc75374cc3) & a.hmask
}

// mum folds the 128-bit product of a and b (the wyhash mixing step).
func mum(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// before reports whether sequence number x precedes y (RFC 1982 serial
// arithmetic, so wrap-around at 2^32 works).
func before(x, y uint32) bool { return int32(x-y) < 0 }

// Add processes one segment and emits the messages it completes. Segments
// must come in capture order.
func (a *Assembler) Add(s *Segment, emit func(*Message)) {
	a.stats.Segments++
	if s.Time > a.now {
		a.now = s.Time
	}
	if len(s.Payload) == 0 && s.Flags&(SYN|FIN|RST) == 0 {
		// A pure ACK matters only if it acknowledges bytes a flow waits for.
		if len(a.gapFlows) > 0 {
			if s.Flags&ACK != 0 {
				a.ackGap(s.Key.Reverse(), s.Ack, emit)
			}
			a.sweep(emit)
		}
		return
	}
	// Data segments acknowledge too: bytes of the other direction that
	// the peer received but the capture lost are skipped before this
	// segment is filed, so what followed the gap is delivered now, in
	// capture order, rather than after GapTimeout.
	if len(a.gapFlows) > 0 && s.Flags&ACK != 0 {
		a.ackGap(s.Key.Reverse(), s.Ack, emit)
	}
	f := a.lookup(s.Key, emit)
	held := f.bytes
	a.segment(f, s, emit)
	a.account(f, held)
	if len(a.gapFlows) > 0 {
		a.sweep(emit)
	}
	if a.buffered > a.opt.MaxMemory {
		a.shed(f, emit)
	}
}

// Flush ends the capture: every flow is closed, delivering what follows
// its gaps and reporting what cannot be delivered. The Assembler is then
// empty and may be fed a new capture.
func (a *Assembler) Flush(emit func(*Message)) {
	for f := a.tail; f != nil; f = f.prev {
		if f.state == stOpen {
			a.closeFlow(f, ErrIncomplete, emit)
		}
	}
	for f := a.tail; f != nil; {
		prev := f.prev
		a.remove(f)
		f = prev
	}
	a.buffered = 0
	a.gapFlows = a.gapFlows[:0]
}

func (a *Assembler) lookup(k FlowKey, emit func(*Message)) *flow {
	if f := a.last; f != nil && f.key == k {
		return f // already at the LRU head
	}
	h := a.hashKey(k)
	f := a.flows[h]
	for f != nil && f.key != k {
		f = f.hnext
	}
	if f == nil {
		f = a.newFlow(k, h, emit)
	} else {
		a.touch(f)
	}
	a.last = f
	return f
}

func (a *Assembler) find(k FlowKey) *flow {
	if f := a.last; f != nil && f.key == k {
		return f
	}
	f := a.flows[a.hashKey(k)]
	for f != nil && f.key != k {
		f = f.hnext
	}
	return f
}

func (a *Assembler) newFlow(k FlowKey, h uint64, emit func(*Message)) *flow {
	for a.nflows >= a.opt.MaxFlows && a.tail != nil {
		a.evict(a.tail, emit)
	}
	var f *flow
	if n := len(a.free); n > 0 {
		f = a.free[n-1]
		a.free = a.free[:n-1]
	} else {
		f = new(flow)
	}
	f.reset()
	f.key, f.hash, f.gapIdx = k, h, -1
	f.hnext = a.flows[h]
	a.flows[h] = f
	a.nflows++
	a.pushFront(f)
	a.stats.Flows++
	return f
}

// reset empties a flow, keeping its buffers' capacity when small.
func (f *flow) reset() {
	const keep = 64 << 10
	buf, spans, ooo, data, msg := f.buf[:0], f.spans[:0], f.ooo[:0], f.oooData[:0], f.ws.msg[:0]
	if cap(buf) > keep {
		buf = nil
	}
	if cap(data) > keep {
		data = nil
	}
	if cap(msg) > keep {
		msg = nil
	}
	if cap(spans) > 256 {
		spans = nil
	}
	*f = flow{buf: buf, spans: spans, ooo: ooo, oooData: data, gapIdx: -1}
	f.ws.msg = msg
}

func (a *Assembler) pushFront(f *flow) {
	f.prev, f.next = nil, a.head
	if a.head != nil {
		a.head.prev = f
	}
	a.head = f
	if a.tail == nil {
		a.tail = f
	}
}

func (a *Assembler) unlink(f *flow) {
	if f.prev != nil {
		f.prev.next = f.next
	} else {
		a.head = f.next
	}
	if f.next != nil {
		f.next.prev = f.prev
	} else {
		a.tail = f.prev
	}
	f.prev, f.next = nil, nil
}

func (a *Assembler) touch(f *flow) {
	if a.head != f {
		a.unlink(f)
		a.pushFront(f)
	}
}

// remove forgets a flow and recycles it.
func (a *Assembler) remove(f *flow) {
	a.unlink(f)
	a.dropGap(f)
	if p := a.flows[f.hash]; p == f {
		if f.hnext != nil {
			a.flows[f.hash] = f.hnext
		} else {
			delete(a.flows, f.hash)
		}
	} else {
		for p.hnext != f {
			p = p.hnext
		}
		p.hnext = f.hnext
	}
	a.nflows--
	if a.last == f {
		a.last = nil
	}
	a.buffered -= f.bytes
	f.reset()
	a.free = append(a.free, f)
}

// evict closes a flow for lack of room: what can be delivered is, the
// rest is reported.
func (a *Assembler) evict(f *flow, emit func(*Message)) {
	if f.state == stOpen {
		a.closeFlow(f, ErrEvicted, emit)
		a.stats.FlowsEvicted++
	}
	a.remove(f)
}

// shed evicts least recently used flows (never cur) until the bytes held
// fit MaxMemory.
func (a *Assembler) shed(cur *flow, emit func(*Message)) {
	for a.buffered > a.opt.MaxMemory {
		f := a.tail
		if f == cur {
			f = f.prev
		}
		if f == nil {
			return
		}
		a.evict(f, emit)
	}
}

// account updates the memory total after f changed.
func (a *Assembler) account(f *flow, held int) {
	f.bytes = len(f.buf) + len(f.oooData) + len(f.ws.msg) + len(f.spans)*40
	a.buffered += f.bytes - held
}

func (a *Assembler) addGap(f *flow) {
	if f.gapIdx < 0 {
		f.gapIdx = len(a.gapFlows)
		a.gapFlows = append(a.gapFlows, f)
	}
}

func (a *Assembler) dropGap(f *flow) {
	i := f.gapIdx
	if i < 0 {
		return
	}
	last := len(a.gapFlows) - 1
	a.gapFlows[i] = a.gapFlows[last]
	a.gapFlows[i].gapIdx = i
	a.gapFlows[last] = nil
	a.gapFlows = a.gapFlows[:last]
	f.gapIdx = -1
}

// sweep skips gaps that waited GapTimeout without progress. It runs a few
// times per timeout, not per segment.
func (a *Assembler) sweep(emit func(*Message)) {
	to := int64(a.opt.GapTimeout)
	if a.now-a.lastSweep < to/4 {
		return
	}
	a.lastSweep = a.now
	for i := 0; i < len(a.gapFlows); {
		f := a.gapFlows[i]
		if a.now-f.gapSince < to {
			i++
			continue
		}
		held := f.bytes
		if a.skipGap(f, emit) {
			a.closeFlow(f, ErrIncomplete, emit)
		}
		a.account(f, held)
		if i < len(a.gapFlows) && a.gapFlows[i] == f {
			i++ // still waiting on a later gap, with a fresh timer
		}
	}
}

// ackGap skips the gap of flow k if its peer acknowledged the missing
// bytes: the receiver has them, so the capture lost them for good.
func (a *Assembler) ackGap(k FlowKey, ack uint32, emit func(*Message)) {
	f := a.find(k)
	if f == nil || len(f.ooo) == 0 || before(ack, f.ooo[0].seq) {
		return
	}
	held := f.bytes
	if a.skipGap(f, emit) {
		a.closeFlow(f, ErrIncomplete, emit)
	}
	a.account(f, held)
}

// open starts a stream at sequence number seq. After a SYN the stream
// starts at a message boundary; otherwise the capture joined it anywhere.
func (a *Assembler) open(f *flow, seq uint32, syn bool, ref record.FrameRef) {
	k, h, hn, gi, prev, next := f.key, f.hash, f.hnext, f.gapIdx, f.prev, f.next
	f.reset() // the caller's account() settles f.bytes
	f.key, f.hash, f.hnext, f.gapIdx, f.prev, f.next = k, h, hn, gi, prev, next
	f.state = stOpen
	f.nxt = seq
	f.sync = syn
	if !syn {
		f.sniff = true
		a.startBurst(f, LayerTCP, ErrMidStream, nil, 0, ref)
	}
}

func (a *Assembler) segment(f *flow, s *Segment, emit func(*Message)) {
	seq, payload := s.Seq, s.Payload
	if s.Flags&ACK != 0 {
		f.ack, f.ackOK = s.Ack, true
	}
	switch {
	case s.Flags&SYN != 0:
		if f.state == stOpen && f.synSeen && seq == f.synSeq {
			if len(payload) == 0 {
				a.stats.Retransmitted++
				return
			}
		} else {
			if f.state == stOpen {
				// A new connection on the same ports.
				a.closeFlow(f, ErrIncomplete, emit)
			}
			a.open(f, seq+1, true, s.Ref)
			f.synSeen, f.synSeq = true, seq
		}
		seq++
	case f.state == stNew:
		a.open(f, seq, false, s.Ref)
	case f.state == stClosed:
		if !before(f.nxt, seq+uint32(len(payload))) {
			if len(payload) > 0 {
				a.stats.Retransmitted++
			}
			return
		}
		// New bytes after the close: the ports were reused and we missed the SYN.
		a.open(f, seq, false, s.Ref)
	}
	fin := s.Flags&FIN != 0
	end := seq + uint32(len(payload))
	if before(seq, f.nxt) {
		if !before(f.nxt, end) {
			if len(payload) > 0 {
				a.stats.Retransmitted++
			}
			// Only a FIN right at the stream's end is still news.
			if s.Flags&RST != 0 {
				a.closeFlow(f, ErrIncomplete, emit)
			} else if fin && end == f.nxt {
				a.closeFlow(f, ErrIncomplete, emit)
			}
			return
		}
		payload = payload[f.nxt-seq:]
		seq = f.nxt
		a.stats.Overlaps++
	} else if seq != f.nxt {
		if s.Flags&RST != 0 {
			a.closeFlow(f, ErrIncomplete, emit)
			return
		}
		if a.queue(f, seq, payload, fin, s.Ref, s.Time, emit) {
			a.closeFlow(f, ErrIncomplete, emit)
		}
		return
	}
	a.feed(f, payload, s.Ref, s.Time, emit)
	if len(f.ooo) > 0 {
		f.gapSince = a.now
		if a.drain(f, emit) {
			fin = true
		}
	}
	if fin || s.Flags&RST != 0 {
		a.closeFlow(f, ErrIncomplete, emit)
	}
}

// queue holds a segment that arrived beyond a gap. It reports whether a
// FIN was reached (after a gap was skipped).
func (a *Assembler) queue(f *flow, seq uint32, p []byte, fin bool, ref record.FrameRef, t int64, emit func(*Message)) bool {
	i := len(f.ooo)
	for i > 0 && before(seq, f.ooo[i-1].seq) {
		i--
	}
	if i > 0 {
		if o := &f.ooo[i-1]; !before(o.seq+uint32(o.n), seq+uint32(len(p))) && (o.fin || !fin) {
			a.stats.Retransmitted++
			return false
		}
	}
	a.stats.OutOfOrder++
	if len(f.ooo) == 0 {
		f.gapSince = a.now
		a.addGap(f)
	}
	off := len(f.oooData)
	f.oooData = append(f.oooData, p...)
	f.ooo = slices.Insert(f.ooo, i, oooSeg{seq: seq, off: off, n: len(p), fin: fin, time: t, ref: ref})
	f.oooBytes += len(p)
	if r := a.find(f.key.Reverse()); r != nil && r.ackOK && !before(r.ack, f.ooo[0].seq) {
		if a.skipGap(f, emit) {
			return true
		}
	}
	for len(f.ooo) > a.opt.MaxOutOfOrder || f.oooBytes > a.opt.MaxOutOfOrderBytes {
		if a.skipGap(f, emit) {
			return true
		}
	}
	return false
}

// drain feeds the held segments that are now in order. It reports whether
// a FIN was reached.
func (a *Assembler) drain(f *flow, emit func(*Message)) (fin bool) {
	i := 0
	for ; i < len(f.ooo) && !fin; i++ {
		o := f.ooo[i]
		if before(f.nxt, o.seq) {
			break
		}
		end := o.seq + uint32(o.n)
		if before(f.nxt, end) {
			data := f.oooData[o.off : o.off+o.n]
			a.feed(f, data[f.nxt-o.seq:], o.ref, o.time, emit)
		} else if o.n > 0 {
			a.stats.Retransmitted++
		}
		fin = o.fin && end == f.nxt
	}
	if i == 0 {
		return fin
	}
	if i == len(f.ooo) || fin {
		f.ooo, f.oooData, f.oooBytes = f.ooo[:0], f.oooData[:0], 0
		a.dropGap(f)
		return fin
	}
	// Keep the rest, moving their bytes to the front of the slab.
	rest := f.ooo[i:]
	w := 0
	f.oooBytes = 0
	for j := range rest {
		o := &rest[j]
		copy(f.oooData[w:], f.oooData[o.off:o.off+o.n])
		o.off = w
		w += o.n
		f.oooBytes += o.n
	}
	f.oooData = f.oooData[:w]
	f.ooo = f.ooo[:copy(f.ooo, rest)]
	return false
}

// skipGap gives up on the bytes before the first held segment: the
// partial message before the gap is dropped and the stream resumes at the
// next message start after it. It reports whether a FIN was reached.
func (a *Assembler) skipGap(f *flow, emit func(*Message)) bool {
	first := f.ooo[0]
	missing := uint64(first.seq - f.nxt)
	a.endBurst(f)
	lost := len(f.buf) + f.ws.drop(f.pos)
	a.stats.Gaps++
	a.stats.BytesMissing += missing
	a.stats.BytesSkipped += uint64(lost)
	a.startBurst(f, LayerTCP, ErrGap, nil, f.rcv, first.ref)
	f.b.always, f.b.missing, f.b.skipped = true, missing, lost
	f.buf = f.buf[:0]
	f.rcv += missing
	f.nxt = first.seq
	f.pos = f.rcv
	f.spans, f.spanHead = f.spans[:0], 0
	f.sync = false
	f.gapSince = a.now
	return a.drain(f, emit)
}

// closeFlow ends a direction: segments beyond gaps are delivered, what is
// left of a message is reported with err.
func (a *Assembler) closeFlow(f *flow, err error, emit func(*Message)) {
	for len(f.ooo) > 0 {
		if a.skipGap(f, emit) {
			break
		}
	}
	n := len(f.buf) + f.ws.drop(f.pos)
	if f.b.open {
		// Bytes held after a plausible start that never completed belong
		// to the burst that was skipping.
		a.skip(f, n)
		n = 0
	}
	a.endBurst(f)
	if n > 0 {
		a.stats.BytesSkipped += uint64(n)
		a.report(Problem{Key: f.key, Ref: f.lastRef(), Skipped: n,
			Err: &Error{Layer: LayerTCP, Offset: f.pos, Err: err}})
	}
	f.buf = f.buf[:0]
	f.spans, f.spanHead = f.spans[:0], 0
	f.ooo, f.oooData, f.oooBytes = f.ooo[:0], f.oooData[:0], 0
	a.dropGap(f)
	f.state = stClosed
	f.nxt++ // a FIN takes one sequence number; harmless after RST
}

// feed appends in-order bytes to the stream and frames what it can. When
// nothing is waiting, it frames on data itself and copies only the tail;
// the segment's span is then recorded only if some of its bytes are kept.
func (a *Assembler) feed(f *flow, data []byte, ref record.FrameRef, t int64, emit func(*Message)) {
	if len(data) == 0 {
		return
	}
	start := f.rcv
	f.rcv += uint64(len(data))
	f.nxt += uint32(len(data))
	if len(f.buf) == 0 {
		f.pos = start
		c := &a.cur // field by field: a span literal copied whole stalls on store forwarding
		c.start, c.end, c.time, c.ref = start, f.rcv, t, ref
		a.curLive = true
		used := a.process(f, data, emit)
		a.curLive = false
		f.pos = start + uint64(used)
		if keep := f.keep(); keep < f.rcv {
			f.pushSpan(start, f.rcv, ref, t)
			f.buf = append(f.buf, data[used:]...)
		}
	} else {
		f.pushSpan(start, f.rcv, ref, t)
		f.buf = append(f.buf, data...)
		used := a.process(f, f.buf, emit)
		if used > 0 {
			f.buf = f.buf[:copy(f.buf, f.buf[used:])]
			f.pos += uint64(used)
		}
	}
	if len(f.spans) > 0 {
		f.dropSpans(f.keep())
	}
}

// keep is the first stream offset whose frames must be remembered.
func (f *flow) keep() uint64 {
	if f.mode == modeWS && f.ws.inMsg {
		return min(f.pos, f.ws.msgStart)
	}
	return f.pos
}

// process consumes messages and skippable bytes from win, whose first
// byte is at stream offset f.pos, and returns how many it consumed; the
// rest must wait for more bytes.
func (a *Assembler) process(f *flow, win []byte, emit func(*Message)) int {
	p := 0
	for p < len(win) {
		var n int
		if f.mode == modeWS {
			n = a.wsStep(f, win[p:], f.pos+uint64(p), emit)
		} else {
			n = a.streamStep(f, win[p:], f.pos+uint64(p), emit)
		}
		if n <= 0 {
			break
		}
		p += n
	}
	return p
}

// sniffLimit is how far into a stream joined mid-way WebSocket framing is
// looked for.
const sniffLimit = 64 << 10

// streamStep handles the bytes at the start of b (stream offset off) in a
// stream framed directly by the Framer. It returns the bytes consumed, 0
// if it needs more.
func (a *Assembler) streamStep(f *flow, b []byte, off uint64, emit func(*Message)) int {
	if !f.sync {
		switch c := b[0]; {
		case f.b.skipped == 0 && (c == '\r' || c == '\n'):
			return crlf(b) // keep-alives where a message could start
		case f.sniff && off == 0 && (c == 'G' || c == 'H'):
			// Joined at a WebSocket handshake (its SYN not captured).
			if n := a.upgrade(f, b); n != 0 {
				if n > 0 {
					f.sniff = false
					a.endBurst(f)
				}
				return max(n, 0)
			}
		}
		k := a.fr.Resync(b)
		if k < 0 || k > len(b) {
			k = len(b)
		}
		if f.sniff && off < sniffLimit {
			// WebSocket framing before the first message start?
			if w, v := a.wsScan(b, k); v != wsNo {
				if v == wsNeed || w > 0 {
					a.skip(f, w)
					return w
				}
				f.mode, f.sync, f.sniff = modeWS, true, false
				a.stats.Upgrades++
				a.endBurst(f)
				return a.wsStep(f, b, off, emit)
			}
		}
		if k > 0 {
			a.skip(f, k)
			return k
		}
		// A plausible start. A burst that skipped bytes ends only when a
		// message comes out, so that a run of near misses is one problem.
		f.sync, f.sniff = true, false
		if f.b.skipped == 0 && !f.b.always {
			a.endBurst(f)
		}
	}
	switch b[0] {
	case '\r', '\n':
		return crlf(b)
	case 'G', 'H':
		if n := a.upgrade(f, b); n != 0 {
			if n > 0 {
				a.endBurst(f)
			}
			return max(n, 0)
		}
	}
	n, err := a.fr.Frame(b)
	if err == nil && (n < 0 || n > len(b)) {
		err, n = ErrFramer, 0
	}
	if err != nil {
		if !f.b.open {
			a.startBurst(f, LayerMessage, ErrFraming, err, off, a.refAt(f, off))
		}
		f.sync = false
		a.skip(f, 1)
		return 1
	}
	if n == 0 {
		if len(b) < a.opt.MaxBuffer {
			return 0
		}
		if !f.b.open {
			a.startBurst(f, LayerMessage, ErrOverflow, nil, off, a.refAt(f, off))
		}
		f.sync = false
		a.skip(f, 1)
		return 1
	}
	a.endBurst(f)
	a.deliver(f, b[:n], off, off+uint64(n), false, emit)
	return n
}

// crlf returns the length of the run of CR and LF (keep-alives, RFC 5626)
// at the start of b.
func crlf(b []byte) int {
	n := 0
	for n < len(b) && (b[n] == '\r' || b[n] == '\n') {
		n++
	}
	return n
}

// deliver emits one message whose bytes came from stream [start, end).
func (a *Assembler) deliver(f *flow, data []byte, start, end uint64, ws bool, emit func(*Message)) {
	a.frames = a.frames[:0]
	t := int64(-1 << 63)
	for i := f.spanHead; i < len(f.spans); i++ {
		sp := &f.spans[i]
		if sp.end <= start {
			continue
		}
		if sp.start >= end {
			break
		}
		if n := len(a.frames); n == 0 || a.frames[n-1] != sp.ref {
			a.frames = append(a.frames, sp.ref)
		}
		t = max(t, sp.time)
	}
	if c := &a.cur; a.curLive && c.end > start && c.start < end {
		a.frames = append(a.frames, c.ref)
		t = max(t, c.time)
	}
	if len(a.frames) == 0 {
		t = a.now
	}
	a.stats.Messages++
	if ws {
		a.stats.WebSocket++
	}
	if emit == nil {
		return
	}
	// Field by field: assigning a whole Message literal costs a typed
	// memmove (write barriers) per message.
	m := &a.msg
	m.Key, m.Data, m.Time, m.Frames, m.WebSocket = f.key, data, t, a.frames, ws
	emit(m)
}

func (f *flow) pushSpan(start, end uint64, ref record.FrameRef, t int64) {
	if n := len(f.spans); n > 0 {
		if last := &f.spans[n-1]; last.end == start && (last.ref == ref || n-f.spanHead >= maxSpans) {
			last.end = end
			last.time = max(last.time, t)
			return
		}
	}
	f.spans = append(f.spans, span{start: start, end: end, time: t, ref: ref})
}

// dropSpans forgets the frames of stream bytes before keep.
func (f *flow) dropSpans(keep uint64) {
	for f.spanHead < len(f.spans) && f.spans[f.spanHead].end <= keep {
		f.spanHead++
	}
	switch {
	case f.spanHead == len(f.spans):
		f.spans, f.spanHead = f.spans[:0], 0
	case f.spanHead >= 64 && 2*f.spanHead >= len(f.spans):
		f.spans = f.spans[:copy(f.spans, f.spans[f.spanHead:])]
		f.spanHead = 0
	}
}

// refAt returns the frame that brought stream offset off of flow f.
func (a *Assembler) refAt(f *flow, off uint64) record.FrameRef {
	for i := f.spanHead; i < len(f.spans); i++ {
		if f.spans[i].end > off {
			return f.spans[i].ref
		}
	}
	if a.curLive {
		return a.cur.ref
	}
	return f.lastRef()
}

func (f *flow) lastRef() record.FrameRef {
	if len(f.spans) > 0 {
		return f.spans[len(f.spans)-1].ref
	}
	return f.b.ref
}

func (a *Assembler) startBurst(f *flow, l Layer, err, cause error, off uint64, ref record.FrameRef) {
	a.endBurst(f)
	f.b = burst{open: true, layer: l, err: err, cause: cause, offset: off, ref: ref}
}

func (a *Assembler) skip(f *flow, n int) {
	f.b.skipped += n
	a.stats.BytesSkipped += uint64(n)
}

func (a *Assembler) endBurst(f *flow) {
	b := &f.b
	if !b.open {
		return
	}
	if b.skipped > 0 || b.always {
		a.report(Problem{Key: f.key, Ref: b.ref, Skipped: b.skipped,
			Err: &Error{Layer: b.layer, Offset: b.offset, Missing: b.missing, Err: b.err, Cause: b.cause}})
	}
	*b = burst{}
}

func (a *Assembler) report(p Problem) {
	a.stats.Problems++
	if a.opt.OnProblem != nil {
		a.opt.OnProblem(p)
		return
	}
	if len(a.problems) < a.opt.MaxProblems {
		a.problems = append(a.problems, p)
	}
}
