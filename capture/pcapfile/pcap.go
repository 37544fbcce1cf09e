package pcapfile

import (
	"fmt"
	"io"

	"github.com/sipgw/sipgw/capture/record"
)

const day = 86400e9 // ns; resync accepts records within a day of the last good one

// pcapRecord reads one classic pcap record into b.
func (r *Reader) pcapRecord(b *Batch) error {
	h := r.hdrLen
	if r.end-r.off < h {
		if err := r.need(h, b); err != nil {
			if err == io.EOF {
				return r.atEOF("record", h)
			}
			return err
		}
	}
	caplen := r.u32(r.buf[r.off+8:])
	if caplen > r.maxCap {
		r.startResync(fmt.Sprintf("record length %d exceeds snaplen %d", caplen, r.snap))
		return nil
	}
	total := h + int(caplen)
	if r.end-r.off < total {
		if err := r.need(total, b); err != nil {
			if err == io.EOF {
				return r.atEOF("record", total)
			}
			return err
		}
	}
	p := r.buf[r.off : r.off+total : r.off+total]
	t := r.pcapTime(p)
	r.frame++
	b.Frames = append(b.Frames, Frame{
		Data:     p[h:],
		Time:     t,
		OrigLen:  r.u32(p[12:]),
		LinkType: r.linkType,
		Ref:      record.FrameRef{File: r.file, Frame: r.frame, Offset: r.base + int64(r.off)},
	})
	r.lastTime, r.haveTime = t, true
	r.off += total
	return nil
}

func (r *Reader) pcapTime(p []byte) int64 {
	sec, frac := int64(r.u32(p)), int64(r.u32(p[4:]))
	if !r.nsec {
		frac *= 1000
	}
	return sec*1e9 + frac
}

// pcapHeaderOK says whether a record header looks real: lengths within
// the snapshot length, a fraction of a second below one second, and a time
// within a day of ref (when known).
func (r *Reader) pcapHeaderOK(p []byte, ref int64, haveRef bool) bool {
	caplen, orig := r.u32(p[8:]), r.u32(p[12:])
	limit := r.maxCap
	if r.snap > 0 && r.snap < limit {
		limit = r.snap
	}
	if caplen > limit || caplen > orig || orig == 0 || orig > maxRecord {
		return false
	}
	frac := r.u32(p[4:])
	if r.nsec && frac >= 1e9 || !r.nsec && frac >= 1e6 {
		return false
	}
	if haveRef {
		d := r.pcapTime(p) - ref
		if d > day || d < -day {
			return false
		}
	}
	return true
}

// pcapPlausible says whether a real record starts at buf[off]: its header
// looks real and so does the next one (or the input ends after it).
// io.EOF means no record can start here or later.
func (r *Reader) pcapPlausible(b *Batch) (bool, error) {
	h := r.hdrLen
	if err := r.need(h, b); err != nil {
		return false, err
	}
	if !r.pcapHeaderOK(r.buf[r.off:], r.lastTime, r.haveTime) {
		return false, nil
	}
	total := h + int(r.u32(r.buf[r.off+8:]))
	if err := r.need(total+h, b); err != nil && err != io.EOF {
		return false, err
	}
	switch have := r.end - r.off; {
	case have < total:
		return false, nil // would be cut off by the end of the input
	case have < total+h:
		return true, nil // the last record
	}
	return r.pcapHeaderOK(r.buf[r.off+total:], r.pcapTime(r.buf[r.off:]), true), nil
}
