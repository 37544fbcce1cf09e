package netdec

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"time"

	"github.com/sipgw/sipgw/capture/record"
)

// SCTPAssembler limits.
const (
	DefaultMaxDirections = 4096             // association directions tracked at once
	DefaultSCTPTimeout   = 30 * time.Second // pending fragments older than this (capture time) are dropped
	MaxPendingChunks     = 512              // pending fragments per direction
	MaxPendingBytes      = 1 << 20          // pending fragment octets per direction

	// tsnSlots is the duplicate window: the last TSNs of a direction, each
	// in slot TSN mod tsnSlots. A DATA chunk retransmitted after more than
	// this many newer TSNs is not recognised (the message layers above
	// flag retransmissions of their own).
	tsnSlots   = 2048
	keepBufs   = 256     // spare fragment buffers kept for reuse
	keepBufCap = 1 << 16 // larger buffers are not kept
)

// SCTPStats counts what an SCTPAssembler did.
type SCTPStats struct {
	Chunks     uint64 // DATA and I-DATA chunks added
	Duplicates uint64 // chunks recognised as retransmissions
	Messages   uint64 // messages rebuilt from several fragments
	Expired    uint64 // fragments dropped after Timeout
	Dropped    uint64 // fragments dropped to stay within MaxPendingChunks/MaxPendingBytes
	Evicted    uint64 // directions forgotten to stay within MaxDirections
}

// SCTPAssembler rebuilds fragmented SCTP user messages and suppresses
// retransmitted DATA chunks, per association direction (addresses, ports
// and verification tag). Feed it every DATA and I-DATA chunk in capture
// order from one goroutine; unfragmented chunks too, since that is how
// retransmissions are recognised (a cheap TSN window check).
//
// DATA fragments are joined by consecutive TSN from the Begin to the End
// fragment (RFC 9260 §6.9), in whatever order they arrive; I-DATA
// fragments by stream, U flag and MID, ordered by FSN (RFC 8260). A chunk
// whose TSN was seen with the same contents is a duplicate. Memory is
// bounded: MaxDirections directions, each with a fixed TSN window and at
// most MaxPendingChunks fragments of MaxPendingBytes in all.
type SCTPAssembler struct {
	// MaxDirections and Timeout may be changed before the first Add.
	MaxDirections int
	Timeout       time.Duration

	dirs      map[sctpKey]*sctpDir
	lastKey   sctpKey
	lastDir   *sctpDir
	msg       []byte
	frames    []record.FrameRef
	one       [1]record.FrameRef
	spare     [][]byte
	group     []int
	nextSweep int64
	stats     SCTPStats
}

type sctpKey struct {
	src, dst     netip.Addr
	sport, dport uint16
	vtag         uint32
}

type tsnSlot struct{ tsn, fp uint32 }

type sctpDir struct {
	tsns  [tsnSlots]tsnSlot
	base  uint32     // TSNs are ordered by their distance from base
	data  []sctpFrag // pending DATA fragments, sorted by TSN
	idata []sctpFrag // pending I-DATA fragments, in arrival order
	bytes int        // octets pending
	last  int64      // time of the last chunk
	key   sctpKey
}

type sctpFrag struct {
	tsn, ppid, mid, fsn uint32
	stream, ssn         uint16
	unordered           bool
	begin, end          bool
	t                   int64
	ref                 record.FrameRef
	buf                 []byte
}

// NewSCTPAssembler returns an SCTPAssembler with the default limits.
func NewSCTPAssembler() *SCTPAssembler {
	return &SCTPAssembler{
		MaxDirections: DefaultMaxDirections,
		Timeout:       DefaultSCTPTimeout,
		dirs:          make(map[sctpKey]*sctpDir),
	}
}

// Stats returns the counters.
func (a *SCTPAssembler) Stats() SCTPStats { return a.stats }

// Pending returns how many fragments wait for the rest of their message.
func (a *SCTPAssembler) Pending() int {
	n := 0
	for _, d := range a.dirs {
		n += len(d.data) + len(d.idata)
	}
	return n
}

// Add takes one DATA or I-DATA chunk d of SCTP packet p, captured at t
// (unix nanoseconds) in frame ref.
//
// A retransmitted chunk returns dup. An unfragmented chunk returns
// (d.Payload, [ref], true, false) without copying. A fragment returns
// complete only when it completes its message: msg is the whole user
// message and frames the frames of its fragments in message order; d is
// then rewritten to describe the message (TSN, SSN/MID and PPID of its
// first fragment, Begin and End set, Payload = msg). msg and frames are
// valid until the next Add.
func (a *SCTPAssembler) Add(p *Packet, d *DataChunk, t int64, ref record.FrameRef) (msg []byte, frames []record.FrameRef, complete bool, dup bool) {
	a.stats.Chunks++
	dir := a.direction(p, t)
	slot := &dir.tsns[d.TSN%tsnSlots]
	fp := fingerprint(d)
	if slot.fp == fp && slot.tsn == d.TSN {
		a.stats.Duplicates++
		return nil, nil, false, true
	}
	slot.tsn, slot.fp = d.TSN, fp

	if d.Begin && d.End {
		a.one[0] = ref
		return d.Payload, a.one[:], true, false
	}
	if a.Timeout > 0 && dir.bytes > 0 {
		a.expireDir(dir, t-int64(a.Timeout))
	}
	a.makeRoom(dir, len(d.Payload))
	fr := sctpFrag{
		tsn: d.TSN, ppid: d.PPID, mid: d.MID, fsn: d.FSN, stream: d.Stream, ssn: d.SSN,
		unordered: d.Unordered, begin: d.Begin, end: d.End, t: t, ref: ref,
		buf: append(a.buffer(len(d.Payload)), d.Payload...),
	}
	dir.bytes += len(fr.buf)
	if d.IData {
		return a.addIData(dir, d, fr)
	}
	return a.addData(dir, d, fr)
}

func (a *SCTPAssembler) addData(dir *sctpDir, d *DataChunk, fr sctpFrag) ([]byte, []record.FrameRef, bool, bool) {
	if len(dir.data) == 0 {
		// Order TSNs by distance from a point half the TSN space behind
		// this one, so that a wrap from 2^32-1 to 0 sorts right.
		dir.base = fr.tsn - 1<<31
	}
	i, found := slices.BinarySearchFunc(dir.data, fr.tsn-dir.base, func(e sctpFrag, k uint32) int {
		return cmpU32(e.tsn-dir.base, k)
	})
	if found {
		// Same TSN, other contents, still pending: keep the newer copy
		// (the window already took it as new).
		dir.bytes -= len(dir.data[i].buf)
		a.release(dir.data[i].buf)
		dir.data[i] = fr
	} else {
		dir.data = slices.Insert(dir.data, i, fr)
	}
	same := func(x, y *sctpFrag) bool {
		return x.tsn+1 == y.tsn && x.stream == y.stream && x.unordered == y.unordered && (x.unordered || x.ssn == y.ssn)
	}
	first := i
	for !dir.data[first].begin {
		if first == 0 || dir.data[first-1].end || !same(&dir.data[first-1], &dir.data[first]) {
			return nil, nil, false, false
		}
		first--
	}
	last := i
	for !dir.data[last].end {
		if last+1 == len(dir.data) || dir.data[last+1].begin || !same(&dir.data[last], &dir.data[last+1]) {
			return nil, nil, false, false
		}
		last++
	}
	a.msg, a.frames = a.msg[:0], a.frames[:0]
	for k := first; k <= last; k++ {
		a.msg = append(a.msg, dir.data[k].buf...)
		a.frames = append(a.frames, dir.data[k].ref)
	}
	head := dir.data[first]
	*d = DataChunk{TSN: head.tsn, Stream: head.stream, SSN: head.ssn, PPID: head.ppid, Unordered: head.unordered,
		Begin: true, End: true, Payload: a.msg}
	for k := first; k <= last; k++ {
		dir.bytes -= len(dir.data[k].buf)
		a.release(dir.data[k].buf)
	}
	dir.data = slices.Delete(dir.data, first, last+1)
	a.stats.Messages++
	return a.msg, a.frames, true, false
}

func (a *SCTPAssembler) addIData(dir *sctpDir, d *DataChunk, fr sctpFrag) ([]byte, []record.FrameRef, bool, bool) {
	sameMsg := func(e *sctpFrag) bool {
		return e.stream == fr.stream && e.unordered == fr.unordered && e.mid == fr.mid
	}
	for k := range dir.idata {
		if e := &dir.idata[k]; sameMsg(e) && e.fsn == fr.fsn && e.begin == fr.begin {
			// The same fragment under another TSN: nothing new.
			dir.bytes -= len(fr.buf)
			a.release(fr.buf)
			a.stats.Duplicates++
			return nil, nil, false, true
		}
	}
	dir.idata = append(dir.idata, fr)
	a.group = a.group[:0]
	endFSN, haveBegin, haveEnd := uint32(0), false, false
	for k := range dir.idata {
		e := &dir.idata[k]
		if !sameMsg(e) {
			continue
		}
		a.group = append(a.group, k)
		haveBegin = haveBegin || e.begin
		if e.end {
			endFSN, haveEnd = e.fsn, true
		}
	}
	// The first fragment has FSN 0 (it carries the PPID instead), so a
	// message of n fragments has FSNs 0…n-1.
	if !haveBegin || !haveEnd || uint64(endFSN)+1 != uint64(len(a.group)) {
		return nil, nil, false, false
	}
	slices.SortFunc(a.group, func(x, y int) int { return cmpU32(dir.idata[x].fsn, dir.idata[y].fsn) })
	for n, k := range a.group {
		if e := &dir.idata[k]; e.fsn != uint32(n) || (n == 0) != e.begin {
			return nil, nil, false, false
		}
	}
	a.msg, a.frames = a.msg[:0], a.frames[:0]
	for _, k := range a.group {
		a.msg = append(a.msg, dir.idata[k].buf...)
		a.frames = append(a.frames, dir.idata[k].ref)
	}
	head := dir.idata[a.group[0]]
	*d = DataChunk{TSN: head.tsn, Stream: head.stream, PPID: head.ppid, Unordered: head.unordered,
		Begin: true, End: true, IData: true, MID: head.mid, Payload: a.msg}
	dir.idata = slices.DeleteFunc(dir.idata, func(e sctpFrag) bool {
		if sameMsg(&e) {
			dir.bytes -= len(e.buf)
			a.release(e.buf)
			return true
		}
		return false
	})
	a.stats.Messages++
	return a.msg, a.frames, true, false
}

func cmpU32(x, y uint32) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// fingerprint tells a retransmission (same chunk, same TSN) from a TSN
// reused for other data, as some synthetic captures do: stream, sequence
// numbers, length and three samples of the payload. Never 0, which marks
// an empty slot.
func fingerprint(d *DataChunk) uint32 {
	h := uint64(d.Stream)<<48 | uint64(d.SSN)<<32 | uint64(len(d.Payload))
	h = mix(h ^ uint64(d.PPID)<<32 ^ uint64(d.MID))
	h = mix(h ^ uint64(d.FSN))
	var flags uint64
	if d.Begin {
		flags |= 1
	}
	if d.End {
		flags |= 2
	}
	if d.Unordered {
		flags |= 4
	}
	h = mix(h ^ flags)
	b := d.Payload
	if len(b) >= 8 {
		h = mix(h ^ binary.LittleEndian.Uint64(b))
		h = mix(h ^ binary.LittleEndian.Uint64(b[(len(b)-8)/2:]))
		h = mix(h ^ binary.LittleEndian.Uint64(b[len(b)-8:]))
	} else {
		for _, c := range b {
			h = mix(h ^ uint64(c))
		}
	}
	return uint32(h>>32) | 1
}

func mix(h uint64) uint64 {
	h *= 0x9e3779b97f4a7c15
	return h ^ h>>29
}

func (a *SCTPAssembler) direction(p *Packet, t int64) *sctpDir {
	key := sctpKey{src: p.Src, dst: p.Dst, sport: p.SrcPort, dport: p.DstPort, vtag: p.VTag}
	if a.lastDir != nil && key == a.lastKey {
		a.lastDir.last = t
		return a.lastDir
	}
	if a.Timeout > 0 && t >= a.nextSweep {
		a.sweep(t)
	}
	dir := a.dirs[key]
	if dir == nil {
		if a.MaxDirections > 0 && len(a.dirs) >= a.MaxDirections {
			a.evict()
		}
		dir = &sctpDir{key: key}
		a.dirs[key] = dir
	}
	dir.last = t
	a.lastKey, a.lastDir = key, dir
	return dir
}

// sweep expires pending fragments of every direction, once per Timeout of
// capture time, so that directions that fell silent free their memory.
func (a *SCTPAssembler) sweep(t int64) {
	a.nextSweep = t + int64(a.Timeout)
	for _, dir := range a.dirs {
		if dir.bytes > 0 || len(dir.data)+len(dir.idata) > 0 {
			a.expireDir(dir, t-int64(a.Timeout))
		}
	}
}

// evict forgets the direction that has been silent longest.
func (a *SCTPAssembler) evict() {
	var old *sctpDir
	for _, dir := range a.dirs {
		if old == nil || dir.last < old.last {
			old = dir
		}
	}
	if old == nil {
		return
	}
	for _, fr := range old.data {
		a.release(fr.buf)
	}
	for _, fr := range old.idata {
		a.release(fr.buf)
	}
	a.stats.Dropped += uint64(len(old.data) + len(old.idata))
	delete(a.dirs, old.key)
	if a.lastDir == old {
		a.lastDir = nil
	}
	a.stats.Evicted++
}

// expireDir drops the fragments of dir that came before cutoff.
func (a *SCTPAssembler) expireDir(dir *sctpDir, cutoff int64) {
	del := func(fr sctpFrag) bool {
		if fr.t >= cutoff {
			return false
		}
		dir.bytes -= len(fr.buf)
		a.release(fr.buf)
		a.stats.Expired++
		return true
	}
	dir.data = slices.DeleteFunc(dir.data, del)
	dir.idata = slices.DeleteFunc(dir.idata, del)
}

// makeRoom drops the oldest fragments of dir until one more of n octets
// fits the limits.
func (a *SCTPAssembler) makeRoom(dir *sctpDir, n int) {
	for len(dir.data)+len(dir.idata) > 0 && (len(dir.data)+len(dir.idata) >= MaxPendingChunks || dir.bytes+n > MaxPendingBytes) {
		list, idx := &dir.data, -1
		for k := range dir.data {
			if idx < 0 || dir.data[k].t < (*list)[idx].t {
				idx = k
			}
		}
		for k := range dir.idata {
			if idx < 0 || dir.idata[k].t < (*list)[idx].t {
				list, idx = &dir.idata, k
			}
		}
		dir.bytes -= len((*list)[idx].buf)
		a.release((*list)[idx].buf)
		*list = slices.Delete(*list, idx, idx+1)
		a.stats.Dropped++
	}
}

func (a *SCTPAssembler) buffer(n int) []byte {
	if k := len(a.spare); k > 0 && cap(a.spare[k-1]) >= n {
		b := a.spare[k-1]
		a.spare = a.spare[:k-1]
		return b[:0]
	}
	return make([]byte, 0, max(n, 512))
}

func (a *SCTPAssembler) release(b []byte) {
	if cap(b) <= keepBufCap && len(a.spare) < keepBufs {
		a.spare = append(a.spare, b[:0])
	}
}
