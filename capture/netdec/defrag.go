package netdec

import (
	"net/netip"
	"time"

	"github.com/sipgw/sipgw/capture/record"
)

// Defragmenter limits.
const (
	DefaultMaxDatagrams = 4096             // datagrams rebuilt at once
	DefaultFragTimeout  = 30 * time.Second // in capture time, as Linux's ipfrag_time
	MaxFragments        = 1024             // fragments of one datagram (64 KiB in 64-octet pieces)

	maxFragmentable = 65535 // octets after the IPv4 header or the IPv6 unfragmentable part
	keepDatagrams   = 32    // spare datagram buffers kept for reuse
)

// DefragStats counts what a Defragmenter did, so that nothing it drops goes
// unnoticed.
type DefragStats struct {
	Fragments  uint64 // fragments taken into a datagram
	Datagrams  uint64 // datagrams rebuilt
	Duplicates uint64 // fragments that brought nothing new
	Overlaps   uint64 // datagrams dropped: fragments overlap with different contents
	Expired    uint64 // datagrams dropped incomplete after Timeout
	Evicted    uint64 // datagrams dropped incomplete to stay within MaxDatagrams
	Invalid    uint64 // datagrams dropped: too big, or more than MaxFragments fragments
}

// Defragmenter rebuilds IPv4 (RFC 791) and IPv6 (RFC 8200 §4.5) datagrams
// from their fragments. Feed it every KindIPFragment Packet in capture
// order from one goroutine.
//
// Fragments may come in any order and more than once. Overlapping
// fragments whose contents agree are accepted; if they disagree the
// datagram is dropped (ErrOverlap), as RFC 5722 asks of IPv6 hosts and
// Linux does for IPv4: what is rebuilt is what a host would have accepted.
// Memory is bounded by MaxDatagrams datagrams of at most 64 KiB each.
type Defragmenter struct {
	// MaxDatagrams bounds the datagrams being rebuilt at once: beyond it
	// the oldest is dropped. Timeout drops a datagram whose first fragment
	// is older, in capture time. Set them before the first Add.
	MaxDatagrams int
	Timeout      time.Duration

	live   map[fragKey]*datagram
	queue  []queued // datagrams in the order they started
	head   int
	spare  []*datagram
	out    []byte
	frames []record.FrameRef
	stats  DefragStats
}

type fragKey struct {
	src, dst netip.Addr
	id       uint32
	proto    uint8 // IPv4 only: RFC 791 keys on the protocol too
}

type span struct{ start, end int }

type datagram struct {
	key     fragKey
	first   int64
	gen     uint32
	v6      bool
	hasHdr  bool
	hdr     []byte // IPv4 header, or IPv6 unfragmentable part, of the offset-0 fragment
	nhOff   int    // IPv6: offset in hdr of the next header octet naming the fragment header
	nextHdr uint8  // IPv6: the fragment header's next header
	total   int    // length of the fragmentable part, -1 until the last fragment came
	data    []byte // fragmentable part, by offset
	have    []span // received ranges of data, sorted and merged
	frames  []record.FrameRef
}

type queued struct {
	dg    *datagram
	gen   uint32
	first int64
}

// NewDefragmenter returns a Defragmenter with the default limits.
func NewDefragmenter() *Defragmenter {
	return &Defragmenter{
		MaxDatagrams: DefaultMaxDatagrams,
		Timeout:      DefaultFragTimeout,
		live:         make(map[fragKey]*datagram),
	}
}

// Stats returns the counters.
func (f *Defragmenter) Stats() DefragStats { return f.stats }

// InFlight returns how many datagrams are incomplete.
func (f *Defragmenter) InFlight() int { return len(f.live) }

// fragment is what Add needs of one fragment.
type fragment struct {
	key     fragKey
	v6      bool
	hdrLen  int // IPv4 header / IPv6 unfragmentable part
	nhOff   int
	nextHdr uint8
	offset  int
	more    bool
	data    []byte
}

// parseFragment reads the fragment fields of a whole IP fragment.
func parseFragment(ip []byte, fr *fragment) error {
	if len(ip) == 0 {
		return truncated(LayerFragment, 0, "empty")
	}
	switch ip[0] >> 4 {
	case 4:
		if len(ip) < 20 {
			return truncated(LayerIPv4, 0, "header")
		}
		hl := int(ip[0]&0x0f) * 4
		tl := int(be16(ip[2:]))
		if hl < 20 || tl < hl {
			return bad(LayerIPv4, 0, "header or total length")
		}
		if tl > len(ip) {
			return truncated(LayerIPv4, 0, "fragment shorter than its total length")
		}
		ff := be16(ip[6:])
		*fr = fragment{
			key:    fragKey{src: netip.AddrFrom4([4]byte(ip[12:16])), dst: netip.AddrFrom4([4]byte(ip[16:20])), id: uint32(be16(ip[4:])), proto: ip[9]},
			hdrLen: hl,
			offset: int(ff&0x1fff) * 8,
			more:   ff&0x2000 != 0,
			data:   ip[hl:tl],
		}
		if !fr.more && fr.offset == 0 {
			return errAt(LayerFragment, 0, ErrNotFragment, "")
		}
		return nil
	case 6:
		if len(ip) < 40 {
			return truncated(LayerIPv6, 0, "header")
		}
		pl := int(be16(ip[4:]))
		if pl == 0 || 40+pl > len(ip) {
			return truncated(LayerIPv6, 0, "fragment shorter than its payload length")
		}
		ip = ip[:40+pl]
		nhOff, pos := 6, 40
		for {
			switch nh := ip[nhOff]; nh {
			case protoHopByHop, protoRouting, protoDstOpts, protoMobility, protoHIP, protoShim6, protoAH:
				if len(ip)-pos < 8 {
					return truncated(LayerIPv6Ext, pos, "header")
				}
				l := (int(ip[pos+1]) + 1) * 8
				if nh == protoAH {
					l = (int(ip[pos+1]) + 2) * 4
				}
				if len(ip)-pos < l {
					return truncated(LayerIPv6Ext, pos, "header")
				}
				nhOff, pos = pos, pos+l
			case protoFragment:
				if len(ip)-pos < 8 {
					return truncated(LayerIPv6Ext, pos, "fragment header")
				}
				fo := be16(ip[pos+2:])
				*fr = fragment{
					key:     fragKey{src: netip.AddrFrom16([16]byte(ip[8:24])), dst: netip.AddrFrom16([16]byte(ip[24:40])), id: be32(ip[pos+4:])},
					v6:      true,
					hdrLen:  pos,
					nhOff:   nhOff,
					nextHdr: ip[pos],
					offset:  int(fo &^ 7),
					more:    fo&1 != 0,
					data:    ip[pos+8:],
				}
				if !fr.more && fr.offset == 0 {
					return errAt(LayerFragment, 0, ErrNotFragment, "atomic fragment")
				}
				return nil
			default:
				return errAt(LayerFragment, 0, ErrNotFragment, "no fragment header")
			}
		}
	}
	return bad(LayerIP, 0, "version is neither 4 nor 6")
}

// Add takes one fragment (a KindIPFragment Packet) captured at t (unix
// nanoseconds) in frame ref. When it completes a datagram, Add returns the
// whole rebuilt IP datagram (header fixed: lengths, flags, checksum; for
// IPv6 without the fragment header), to be decoded with DecodeIP, and the
// frames of its fragments in capture order (duplicates left out);
// complete is true. Both slices are valid until the next Add.
//
// An error says the fragment could not be used (not a fragment, cut by
// the snap length) or that its datagram was dropped (ErrOverlap,
// ErrTooBig, ErrTooMany); the error's Offset is the fragment's offset in
// the datagram.
func (f *Defragmenter) Add(p *Packet, t int64, ref record.FrameRef) (datagram []byte, frames []record.FrameRef, complete bool, err error) {
	if p.Kind != KindIPFragment {
		return nil, nil, false, errAt(LayerFragment, 0, ErrNotFragment, "packet kind is "+p.Kind.String())
	}
	if p.Truncated {
		return nil, nil, false, truncated(LayerFragment, int(p.FragOffset), "fragment cut by the snap length")
	}
	var fr fragment
	if err := parseFragment(p.Payload, &fr); err != nil {
		return nil, nil, false, err
	}
	f.expire(t)
	dg := f.live[fr.key]
	if dg == nil {
		if f.MaxDatagrams > 0 && len(f.live) >= f.MaxDatagrams {
			if old := f.oldest(); old != nil {
				f.drop(old)
				f.stats.Evicted++
			}
		}
		dg = f.start(fr.key, fr.v6, t)
	}
	return f.add(dg, &fr, p.Payload, ref)
}

func (f *Defragmenter) add(dg *datagram, fr *fragment, ip []byte, ref record.FrameRef) ([]byte, []record.FrameRef, bool, error) {
	end := fr.offset + len(fr.data)
	if end > maxFragmentable {
		f.drop(dg)
		f.stats.Invalid++
		return nil, nil, false, errAt(LayerFragment, fr.offset, ErrTooBig, "fragment ends past 65535")
	}
	if len(dg.frames) >= MaxFragments {
		f.drop(dg)
		f.stats.Invalid++
		return nil, nil, false, errAt(LayerFragment, fr.offset, ErrTooMany, "")
	}
	changed := false
	if !fr.more {
		if (dg.total >= 0 && dg.total != end) || (len(dg.have) > 0 && dg.have[len(dg.have)-1].end > end) {
			return f.overlap(dg, fr.offset, "two different ends")
		}
		changed = dg.total < 0
		dg.total = end
	} else if dg.total >= 0 && end > dg.total {
		return f.overlap(dg, fr.offset, "fragment past the end")
	}
	covered := 0
	for _, s := range dg.have {
		lo, hi := max(s.start, fr.offset), min(s.end, end)
		if lo >= hi {
			continue
		}
		if string(dg.data[lo:hi]) != string(fr.data[lo-fr.offset:hi-fr.offset]) {
			return f.overlap(dg, fr.offset, "")
		}
		covered += hi - lo
	}
	if fr.offset == 0 && !dg.hasHdr {
		dg.hasHdr = true
		dg.hdr = append(dg.hdr[:0], ip[:fr.hdrLen]...)
		dg.nhOff, dg.nextHdr = fr.nhOff, fr.nextHdr
		changed = true
	}
	if covered == len(fr.data) && !changed {
		f.stats.Duplicates++
		return nil, nil, false, nil
	}
	if covered < len(fr.data) {
		if end > len(dg.data) {
			if end > cap(dg.data) {
				grown := make([]byte, end, min(max(end, 2*cap(dg.data), 2048), maxFragmentable))
				copy(grown, dg.data)
				dg.data = grown
			}
			dg.data = dg.data[:end]
		}
		copy(dg.data[fr.offset:end], fr.data)
		dg.have = addSpan(dg.have, span{fr.offset, end})
	}
	dg.frames = append(dg.frames, ref)
	f.stats.Fragments++
	if !dg.hasHdr || dg.total < 0 {
		return nil, nil, false, nil
	}
	if dg.total > 0 && (len(dg.have) != 1 || dg.have[0].start != 0 || dg.have[0].end != dg.total) {
		return nil, nil, false, nil
	}
	return f.finish(dg)
}

// addSpan inserts s into sorted, merged spans, merging what it touches.
func addSpan(have []span, s span) []span {
	i := 0
	for i < len(have) && have[i].end < s.start {
		i++
	}
	j := i
	for j < len(have) && have[j].start <= s.end {
		s.start, s.end = min(s.start, have[j].start), max(s.end, have[j].end)
		j++
	}
	if i == j {
		have = append(have, span{})
		copy(have[i+1:], have[i:])
		have[i] = s
		return have
	}
	have[i] = s
	return append(have[:i+1], have[j:]...)
}

func (f *Defragmenter) overlap(dg *datagram, off int, why string) ([]byte, []record.FrameRef, bool, error) {
	f.drop(dg)
	f.stats.Overlaps++
	return nil, nil, false, errAt(LayerFragment, off, ErrOverlap, why)
}

func (f *Defragmenter) finish(dg *datagram) ([]byte, []record.FrameRef, bool, error) {
	hl, total := len(dg.hdr), dg.total
	if (!dg.v6 && hl+total > 65535) || (dg.v6 && hl-40+total > 65535) {
		f.drop(dg)
		f.stats.Invalid++
		return nil, nil, false, errAt(LayerFragment, 0, ErrTooBig, "")
	}
	out := append(append(f.out[:0], dg.hdr...), dg.data[:total]...)
	if dg.v6 {
		out[dg.nhOff] = dg.nextHdr
		put16(out[4:], uint16(hl-40+total))
	} else {
		put16(out[2:], uint16(hl+total))
		out[6] &= 0xc0 // keep DF and the reserved bit; clear MF and the offset
		out[7] = 0
		out[10], out[11] = 0, 0
		put16(out[10:], ipChecksum(out[:hl]))
	}
	f.out = out
	f.frames = append(f.frames[:0], dg.frames...)
	f.drop(dg)
	f.stats.Datagrams++
	return out, f.frames, true, nil
}

func put16(b []byte, v uint16) { b[0], b[1] = byte(v>>8), byte(v) }

// ipChecksum is the RFC 1071 checksum of an IPv4 header.
func ipChecksum(h []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(h); i += 2 {
		s += uint32(h[i])<<8 | uint32(h[i+1])
	}
	for s > 0xffff {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

func (f *Defragmenter) start(key fragKey, v6 bool, t int64) *datagram {
	var dg *datagram
	if n := len(f.spare); n > 0 {
		dg, f.spare = f.spare[n-1], f.spare[:n-1]
	} else {
		dg = &datagram{}
	}
	dg.key, dg.v6, dg.first, dg.total = key, v6, t, -1
	f.live[key] = dg
	f.queue = append(f.queue, queued{dg: dg, gen: dg.gen, first: t})
	return dg
}

// drop forgets a datagram and keeps its buffers for reuse.
func (f *Defragmenter) drop(dg *datagram) {
	delete(f.live, dg.key)
	dg.gen++
	dg.hasHdr = false
	dg.hdr, dg.data, dg.have, dg.frames = dg.hdr[:0], dg.data[:0], dg.have[:0], dg.frames[:0]
	if len(f.spare) < keepDatagrams {
		f.spare = append(f.spare, dg)
	}
	// Entries of dropped datagrams stay in the queue until they reach its
	// head; compact when they are the majority.
	if n := len(f.queue) - f.head; n > 64 && n > 2*len(f.live) {
		q := f.queue[:0]
		for _, e := range f.queue[f.head:] {
			if e.dg.gen == e.gen {
				q = append(q, e)
			}
		}
		clear(f.queue[len(q):])
		f.queue, f.head = q, 0
	}
}

// oldest returns the live datagram that started first.
func (f *Defragmenter) oldest() *datagram {
	for f.head < len(f.queue) {
		e := f.queue[f.head]
		if e.dg.gen == e.gen {
			return e.dg
		}
		f.queue[f.head] = queued{}
		f.head++
	}
	return nil
}

// expire drops the datagrams whose first fragment came more than Timeout
// before t.
func (f *Defragmenter) expire(t int64) {
	for {
		dg := f.oldest()
		if dg == nil || f.Timeout <= 0 || t-dg.first <= int64(f.Timeout) {
			break
		}
		f.drop(dg)
		f.stats.Expired++
	}
	if f.head > 1024 && f.head*2 > len(f.queue) {
		n := copy(f.queue, f.queue[f.head:])
		clear(f.queue[n:])
		f.queue, f.head = f.queue[:n], 0
	}
}
