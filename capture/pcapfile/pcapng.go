package pcapfile

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
	"sort"
	"sync"

	"github.com/sipgw/sipgw/capture/record"
)

// pcapng block types (draft-ietf-opsawg-pcapng).
const (
	blockIDB         = 0x00000001
	blockPB          = 0x00000002 // obsolete Packet Block
	blockSPB         = 0x00000003
	blockNRB         = 0x00000004
	blockISB         = 0x00000005
	blockEPB         = 0x00000006
	blockIRIG        = 0x00000007
	blockARINC       = 0x00000008
	blockJournal     = 0x00000009
	blockDSB         = 0x0000000a
	blockCustom      = 0x00000bad
	blockCustomNoCpy = 0x40000bad
	blockSHB         = magicSHB
)

// IDB options read.
const (
	optEndOfOpt = 0
	optTSResol  = 9
	optTSOffset = 14
)

const (
	bomLE       = 0x1a2b3c4d // byte-order magic as read little-endian from a little-endian section
	bomBE       = 0x4d3c2b1a // … from a big-endian section
	maxSections = 1 << 16    // sections remembered for ReadFrame
	maxIfaces   = 1 << 16    // interfaces per section
)

// minBlockLen is the smallest total length of each block type.
func minBlockLen(typ uint32) uint32 {
	switch typ {
	case blockSHB:
		return 28
	case blockIDB:
		return 20
	case blockEPB, blockPB:
		return 32
	case blockSPB, blockNRB:
		return 16
	case blockISB:
		return 24
	}
	return 12
}

func knownBlock(typ uint32) bool {
	switch typ {
	case blockSHB, blockIDB, blockPB, blockSPB, blockNRB, blockISB, blockEPB,
		blockIRIG, blockARINC, blockJournal, blockDSB, blockCustom, blockCustomNoCpy:
		return true
	}
	return false
}

// iface is what an Interface Description Block says about its frames.
type iface struct {
	linkType uint16
	snap     uint32
	ts       tsConv
}

// section is one pcapng section: where it starts, its byte order and its
// interfaces, kept so that ReadFrame can decode a block at any offset.
type section struct {
	start  int64
	be     bool
	ifaces []iface
}

type ngState struct {
	mu       sync.Mutex // guards sections: ReadFrame reads them beside the reader
	sections []section
	lost     int64   // sections from this offset on are not remembered (0: none)
	ifaces   []iface // the current section's
	recorded bool    // the current section is in sections
}

// tsConv turns a pcapng timestamp into nanoseconds for one if_tsresol and
// if_tsoffset.
type tsConv struct {
	kind   uint8 // tsMul, tsDiv, tsBin, tsZero
	k      uint64
	offset int64 // if_tsoffset in ns
}

const (
	tsMul  = iota // ns = ts × k (resolution 10^-e, e ≤ 9)
	tsDiv         // ns = ts ÷ k (10^-e, 9 < e ≤ 28)
	tsBin         // ns = ts × 10^9 ÷ 2^k (resolution 2^-k)
	tsZero        // finer than 10^-28 s: every timestamp is below 1 ns
)

func newTSConv(resol uint8, offsetSec int64) tsConv {
	c := tsConv{offset: offsetSec * 1e9}
	e := uint64(resol & 0x7f)
	switch {
	case resol&0x80 != 0:
		c.kind, c.k = tsBin, e
	case e <= 9:
		c.kind, c.k = tsMul, pow10(9-e)
	case e-9 <= 19:
		c.kind, c.k = tsDiv, pow10(e-9)
	default:
		c.kind = tsZero
	}
	return c
}

func pow10(e uint64) uint64 {
	v := uint64(1)
	for ; e > 0; e-- {
		v *= 10
	}
	return v
}

func (c tsConv) ns(ts uint64) int64 {
	var v uint64
	switch c.kind {
	case tsMul:
		v = ts * c.k
	case tsDiv:
		v = ts / c.k
	case tsBin:
		hi, lo := bits.Mul64(ts, 1e9)
		switch {
		case c.k == 0:
			v = lo
		case c.k < 64:
			v = lo>>c.k | hi<<(64-c.k)
		default:
			v = hi >> (c.k - 64)
		}
	}
	return int64(v) + c.offset
}

func (r *Reader) ng32(p []byte, be bool) uint32 {
	if be {
		return binary.BigEndian.Uint32(p)
	}
	return binary.LittleEndian.Uint32(p)
}

// blockLenProblem says what is impossible about a block's total length.
func blockLenProblem(typ, blen uint32) string {
	switch {
	case blen%4 != 0:
		return fmt.Sprintf("block length %d is not a multiple of 4", blen)
	case blen < minBlockLen(typ):
		return fmt.Sprintf("block length %d is below the %d of block type 0x%x", blen, minBlockLen(typ), typ)
	case blen > maxRecord:
		return fmt.Sprintf("block length %d exceeds %d", blen, maxRecord)
	}
	return ""
}

// sectionOrder reads a section header's byte-order magic.
func sectionOrder(p []byte) (be, ok bool) {
	switch binary.LittleEndian.Uint32(p[8:]) {
	case bomLE:
		return false, true
	case bomBE:
		return true, true
	}
	return false, false
}

// ngBlock reads one pcapng block: a frame into b, or a section or
// interface into the reader's state; other blocks are skipped.
func (r *Reader) ngBlock(b *Batch) error {
	if r.end-r.off < 12 {
		if err := r.need(12, b); err != nil {
			if err == io.EOF {
				return r.atEOF("block", 12)
			}
			return err
		}
	}
	p := r.buf[r.off:]
	typ := r.u32(p)
	be := r.be
	if typ == blockSHB {
		var ok bool
		if be, ok = sectionOrder(p); !ok {
			r.startResync(fmt.Sprintf("section header byte-order magic %08x is neither 1a2b3c4d nor 4d3c2b1a", binary.BigEndian.Uint32(p[8:])))
			return nil
		}
	}
	blen := r.ng32(p[4:], be)
	if s := blockLenProblem(typ, blen); s != "" {
		r.startResync(s)
		return nil
	}
	n := int(blen)
	if r.end-r.off < n {
		if err := r.need(n, b); err != nil {
			if err == io.EOF {
				return r.atEOF("block", n)
			}
			return err
		}
	}
	p = r.buf[r.off : r.off+n : r.off+n]
	if t := r.ng32(p[n-4:], be); t != blen {
		r.startResync(fmt.Sprintf("block trailer length %d does not match header length %d", t, blen))
		return nil
	}
	off := r.base + int64(r.off)
	switch typ {
	case blockSHB:
		if major := r.ng16(p[12:], be); major != 1 {
			r.startResync(fmt.Sprintf("section header version %d.%d is not 1.x", major, r.ng16(p[14:], be)))
			return nil
		}
		r.newSection(off, be)
	case blockIDB:
		r.addIface(off, p)
	case blockEPB, blockPB, blockSPB:
		if f, bad, _ := r.ngPacket(typ, p, r.ng.ifaces, r.be); bad != "" {
			r.addProblem(off, r.frame, &RecordError{Err: ErrBadRecord, Detail: bad, Skipped: int64(n)})
		} else {
			r.frame++
			if typ == blockSPB {
				// A simple packet block has no timestamp: keep the
				// previous frame's so that time order holds.
				f.Time = r.lastTime
			}
			f.Ref = record.FrameRef{File: r.file, Frame: r.frame, Offset: off}
			b.Frames = append(b.Frames, f)
			r.lastTime, r.haveTime = f.Time, true
		}
	}
	r.off += n
	return nil
}

func (r *Reader) ng16(p []byte, be bool) uint16 {
	if be {
		return binary.BigEndian.Uint16(p)
	}
	return binary.LittleEndian.Uint16(p)
}

// ngPacket decodes a whole EPB, PB or SPB block p (lengths and trailer
// checked) with the interfaces of its section. It returns why the block
// is unusable, or "", and whether only its interface is missing.
func (r *Reader) ngPacket(typ uint32, p []byte, ifs []iface, be bool) (f Frame, bad string, noIface bool) {
	n := uint32(len(p))
	var id, caplen, orig uint32
	var ts uint64
	data := uint32(28)
	switch typ {
	case blockEPB:
		id = r.ng32(p[8:], be)
		ts = uint64(r.ng32(p[12:], be))<<32 | uint64(r.ng32(p[16:], be))
		caplen, orig = r.ng32(p[20:], be), r.ng32(p[24:], be)
	case blockPB:
		id = uint32(r.ng16(p[8:], be))
		ts = uint64(r.ng32(p[12:], be))<<32 | uint64(r.ng32(p[16:], be))
		caplen, orig = r.ng32(p[20:], be), r.ng32(p[24:], be)
	case blockSPB:
		data = 12
		orig = r.ng32(p[8:], be)
		caplen = min(orig, n-16)
		if len(ifs) > 0 && ifs[0].snap != 0 {
			caplen = min(caplen, ifs[0].snap)
		}
	default:
		return Frame{}, fmt.Sprintf("block type 0x%x is not a packet block", typ), false
	}
	if caplen > n-data-4 {
		return Frame{}, fmt.Sprintf("captured length %d exceeds the block's %d bytes of packet data", caplen, n-data-4), false
	}
	if id >= uint32(len(ifs)) {
		return Frame{}, fmt.Sprintf("interface %d is not described (the section has %d)", id, len(ifs)), true
	}
	in := &ifs[id]
	return Frame{
		Data:     p[data : data+caplen : data+caplen],
		Time:     in.ts.ns(ts),
		OrigLen:  orig,
		LinkType: in.linkType,
	}, "", false
}

func (r *Reader) newSection(off int64, be bool) {
	r.be = be
	r.ng.ifaces = nil
	r.ng.mu.Lock()
	defer r.ng.mu.Unlock()
	if n := len(r.ng.sections); n > 0 && r.ng.sections[n-1].start == off {
		// The first section, started when the file was opened.
		r.ng.sections[n-1] = section{start: off, be: be}
		return
	}
	r.ng.recorded = r.ng.lost == 0 && len(r.ng.sections) < maxSections
	if r.ng.recorded {
		r.ng.sections = append(r.ng.sections, section{start: off, be: be})
	} else if r.ng.lost == 0 {
		r.ng.lost = off
		r.addProblem(off, r.frame, &RecordError{Err: ErrBadRecord, Skipped: 0,
			Detail: fmt.Sprintf("more than %d sections: frames from here on can not be re-read", maxSections)})
	}
}

// addIface reads an Interface Description Block p.
func (r *Reader) addIface(off int64, p []byte) {
	if len(r.ng.ifaces) >= maxIfaces {
		r.addProblem(off, r.frame, &RecordError{Err: ErrBadRecord, Skipped: int64(len(p)),
			Detail: fmt.Sprintf("more than %d interfaces in a section", maxIfaces)})
		return
	}
	in := parseIDB(p, r.be)
	r.ng.ifaces = append(r.ng.ifaces, in)
	if r.ng.recorded {
		r.ng.mu.Lock()
		r.ng.sections[len(r.ng.sections)-1].ifaces = r.ng.ifaces
		r.ng.mu.Unlock()
	}
}

func parseIDB(p []byte, be bool) iface {
	var o binary.ByteOrder = binary.LittleEndian
	if be {
		o = binary.BigEndian
	}
	in := iface{linkType: o.Uint16(p[8:]), snap: o.Uint32(p[12:])}
	resol, offset := uint8(6), int64(0)
	end := len(p) - 4
	for i := 16; i+4 <= end; {
		code, l := o.Uint16(p[i:]), int(o.Uint16(p[i+2:]))
		i += 4
		if code == optEndOfOpt || i+l > end {
			break // a malformed option ends the list; the block itself is fine
		}
		switch v := p[i : i+l]; {
		case code == optTSResol && l >= 1:
			resol = v[0]
		case code == optTSOffset && l >= 8:
			offset = int64(o.Uint64(v))
		}
		i += (l + 3) &^ 3
	}
	in.ts = newTSConv(resol, offset)
	return in
}

// ngPlausible says whether a real block starts at buf[off]: a known type,
// a possible length and a trailer that matches. io.EOF means no block can
// start here or later.
func (r *Reader) ngPlausible(b *Batch) (bool, error) {
	if err := r.need(12, b); err != nil {
		return false, err
	}
	p := r.buf[r.off:]
	typ := r.u32(p)
	if !knownBlock(typ) {
		return false, nil
	}
	be := r.be
	if typ == blockSHB {
		var ok bool
		if be, ok = sectionOrder(p); !ok {
			return false, nil
		}
	}
	blen := r.ng32(p[4:], be)
	if blockLenProblem(typ, blen) != "" {
		return false, nil
	}
	n := int(blen)
	if err := r.need(n, b); err != nil && err != io.EOF {
		return false, err
	}
	if r.end-r.off < n {
		return false, nil
	}
	p = r.buf[r.off : r.off+n]
	if r.ng32(p[n-4:], be) != blen {
		return false, nil
	}
	switch typ {
	case blockEPB, blockPB:
		// A packet block must fit its data; its interface must exist
		// unless the interfaces were lost with the bad block.
		if _, bad, noIface := r.ngPacket(typ, p, r.ng.ifaces, be); bad != "" && (!noIface || len(r.ng.ifaces) > 0) {
			return false, nil
		}
	}
	return true, nil
}

// sectionAt returns the section holding stream offset off.
func (r *Reader) sectionAt(off int64) (section, bool) {
	r.ng.mu.Lock()
	defer r.ng.mu.Unlock()
	if r.ng.lost != 0 && off >= r.ng.lost {
		return section{}, false
	}
	i := sort.Search(len(r.ng.sections), func(i int) bool { return r.ng.sections[i].start > off })
	if i == 0 {
		return section{}, false
	}
	return r.ng.sections[i-1], true
}
