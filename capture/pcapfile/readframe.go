package pcapfile

import (
	"fmt"
	"io"

	"github.com/sipgw/sipgw/capture/record"
)

// firstRead is how much ReadFrame reads at once: most signalling frames
// fit, so one read returns header and data.
const firstRead = 2048

// ReadFrame re-reads one frame by its Ref (from the spool file for stdin
// and gzip input). The Data is newly allocated. A frame from a pcapng
// Simple Packet Block has Time 0: the block holds none.
func (r *Reader) ReadFrame(ref record.FrameRef) (Frame, error) {
	return r.ReadFrameTo(nil, ref)
}

// ReadFrameTo is ReadFrame reading into buf's array when it is large
// enough; the Frame's Data aliases it.
func (r *Reader) ReadFrameTo(buf []byte, ref record.FrameRef) (Frame, error) {
	if ref.File != r.file {
		return Frame{}, fmt.Errorf("pcapfile: %s is file %d: %w (%v)", r.name, r.file, ErrWrongFile, ref)
	}
	r.ramu.RLock()
	defer r.ramu.RUnlock()
	if r.closed {
		return Frame{}, ErrClosed
	}
	if r.ra == nil {
		return Frame{}, fmt.Errorf("pcapfile: %s: %w", r.name, ErrNoRandomAccess)
	}
	if ref.Offset < 0 {
		return Frame{}, r.noFrame(ref, "negative offset")
	}
	p := grow(buf, firstRead)
	n, err := r.ra.ReadAt(p, r.raBase+ref.Offset)
	if err != nil && err != io.EOF {
		return Frame{}, fmt.Errorf("pcapfile: %s: re-read %v at offset %d: %w", r.name, ref, ref.Offset, err)
	}
	p = p[:n]
	var f Frame
	var total int
	if r.format == FormatPcap {
		f, total, err = r.rereadPcap(p, ref)
	} else {
		f, total, err = r.rereadNg(p, ref)
	}
	if err != nil || total <= n {
		return f, err
	}
	// The frame is longer than the first read: read the rest and decode again.
	q := grow(p, total)
	m, err := r.ra.ReadAt(q[n:total], r.raBase+ref.Offset+int64(n))
	if n+m < total {
		return Frame{}, r.noFrame(ref, fmt.Sprintf("record needs %d bytes, file has %d (%v)", total, n+m, err))
	}
	if r.format == FormatPcap {
		f, _, err = r.rereadPcap(q, ref)
	} else {
		f, _, err = r.rereadNg(q, ref)
	}
	return f, err
}

// rereadPcap decodes the pcap record at the start of p. When p holds only
// part of it, it returns the record's total length and a zero Frame.
func (r *Reader) rereadPcap(p []byte, ref record.FrameRef) (Frame, int, error) {
	h := r.hdrLen
	if len(p) < h {
		return Frame{}, 0, r.noFrame(ref, fmt.Sprintf("record header needs %d bytes, file has %d", h, len(p)))
	}
	caplen := r.u32(p[8:])
	if caplen > r.maxCap {
		return Frame{}, 0, r.noFrame(ref, fmt.Sprintf("record length %d exceeds snaplen %d", caplen, r.snap))
	}
	total := h + int(caplen)
	if len(p) < total {
		return Frame{}, total, nil
	}
	return Frame{
		Data:     p[h:total:total],
		Time:     r.pcapTime(p),
		OrigLen:  r.u32(p[12:]),
		LinkType: r.linkType,
		Ref:      ref,
	}, total, nil
}

// rereadNg decodes the pcapng packet block at the start of p with the
// interfaces of the section the offset is in.
func (r *Reader) rereadNg(p []byte, ref record.FrameRef) (Frame, int, error) {
	sec, ok := r.sectionAt(ref.Offset)
	if !ok {
		return Frame{}, 0, r.noFrame(ref, "no section header before it")
	}
	if len(p) < 12 {
		return Frame{}, 0, r.noFrame(ref, fmt.Sprintf("block needs 12 bytes, file has %d", len(p)))
	}
	typ, blen := r.ng32(p, sec.be), r.ng32(p[4:], sec.be)
	if typ != blockEPB && typ != blockSPB && typ != blockPB {
		return Frame{}, 0, r.noFrame(ref, fmt.Sprintf("block type 0x%x is not a packet block", typ))
	}
	if s := blockLenProblem(typ, blen); s != "" {
		return Frame{}, 0, r.noFrame(ref, s)
	}
	if len(p) < int(blen) {
		return Frame{}, int(blen), nil
	}
	p = p[:blen:blen]
	if t := r.ng32(p[blen-4:], sec.be); t != blen {
		return Frame{}, 0, r.noFrame(ref, fmt.Sprintf("block trailer length %d does not match header length %d", t, blen))
	}
	f, bad, _ := r.ngPacket(typ, p, sec.ifaces, sec.be)
	if bad != "" {
		return Frame{}, 0, r.noFrame(ref, bad)
	}
	if typ == blockSPB {
		f.Time = 0
	}
	f.Ref = ref
	return f, int(blen), nil
}

func (r *Reader) noFrame(ref record.FrameRef, why string) error {
	return fmt.Errorf("pcapfile: %s: %w %d (%v): %s", r.name, ErrNoFrame, ref.Offset, ref, why)
}

// grow returns b resliced to n bytes, reallocated (contents kept) if its
// capacity is smaller.
func grow(b []byte, n int) []byte {
	if cap(b) >= n {
		return b[:n]
	}
	nb := make([]byte, n)
	copy(nb, b)
	return nb
}

// Files re-reads frames of several inputs, each by the reader whose file
// index the FrameRef names. Index i normally holds file i.
type Files []*Reader

// ReadFrame re-reads the frame ref names.
func (fs Files) ReadFrame(ref record.FrameRef) (Frame, error) {
	return fs.ReadFrameTo(nil, ref)
}

// ReadFrameTo is ReadFrame reading into buf when it is large enough.
func (fs Files) ReadFrameTo(buf []byte, ref record.FrameRef) (Frame, error) {
	if int(ref.File) < len(fs) && fs[ref.File] != nil && fs[ref.File].file == ref.File {
		return fs[ref.File].ReadFrameTo(buf, ref)
	}
	for _, r := range fs {
		if r != nil && r.file == ref.File {
			return r.ReadFrameTo(buf, ref)
		}
	}
	return Frame{}, fmt.Errorf("pcapfile: %w: no reader for %v", ErrWrongFile, ref)
}
