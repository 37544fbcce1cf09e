package pcapfile

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
)

// Magic numbers as read little-endian from the first four bytes.
const (
	magicMicro    = 0xa1b2c3d4 // pcap, microsecond timestamps
	magicNano     = 0xa1b23c4d // pcap, nanosecond timestamps
	magicModified = 0xa1b2cd34 // Kuznetzov's "modified" pcap: 24-byte records
	magicSHB      = 0x0a0d0d0a // pcapng section header block, the same either way round
)

// openSource sets up the byte stream: the input itself when it can be
// re-read at an offset, else a buffered stream (decompressed if gzip)
// teed into a spool file.
func (r *Reader) openSource(in io.Reader) error {
	ra, seekable := in.(io.ReaderAt)
	sk, ok := in.(io.Seeker)
	var start int64
	r.first = readChunk
	var size int64
	if seekable && ok {
		var err error
		if start, err = sk.Seek(0, io.SeekCurrent); err != nil {
			seekable = false // a pipe or terminal
		} else if end, err := sk.Seek(0, io.SeekEnd); err == nil {
			size = end - start
			// A small file needs no large first buffer (+1 to see its end).
			r.first = int(min(end-start+1, readChunk))
			_, err = sk.Seek(start, io.SeekStart)
			if err != nil {
				return fmt.Errorf("pcapfile: %s: seek: %w", r.name, err)
			}
		}
	} else {
		seekable = false
	}

	var head [2]byte
	var hn int
	if seekable {
		hn, _ = ra.ReadAt(head[:], start)
	} else {
		r.raw = bufio.NewReaderSize(in, readChunk)
		p, _ := r.raw.Peek(2)
		hn = copy(head[:], p)
		r.live = true
	}
	if hn == 2 && head[0] == 0x1f && head[1] == 0x8b {
		if r.raw == nil {
			// A gzip file: large reads from it, no need to end batches early.
			r.raw = bufio.NewReaderSize(in, readChunk)
		}
		gz, err := gzip.NewReader(r.raw)
		if err != nil {
			return fmt.Errorf("pcapfile: %s: gzip: %w", r.name, err)
		}
		r.closers = append(r.closers, gz)
		r.src = gz
		seekable = false
	} else if seekable {
		r.src = in
		r.ra, r.raBase = ra, start
		r.size = size
		return nil
	} else {
		r.src = r.raw
	}
	r.needSpool = !r.opt.NoSpool
	return nil
}

// startSpool creates the spool file once the input is known to be a
// capture and writes to it what was read so far; read tees the rest.
func (r *Reader) startSpool() error {
	f, err := os.CreateTemp(r.opt.TempDir, "pcapfile-spool-*")
	if err != nil {
		return fmt.Errorf("pcapfile: %s: spool: %w", r.name, err)
	}
	// Unlink at once so that no spool outlives the process; the open
	// handle keeps the data.
	if os.Remove(f.Name()) != nil {
		r.spoolRm = f.Name()
	}
	r.spool, r.ra = f, f
	if _, err := f.Write(r.buf[:r.end]); err != nil {
		return fmt.Errorf("pcapfile: %s: spool: %w", r.name, err)
	}
	return nil
}

// readFileHeader recognises the format and reads the pcap file header
// (a pcapng section header is read as the first block).
func (r *Reader) readFileHeader() error {
	r.buf = make([]byte, max(r.first, 64))
	b := &r.nb
	b.buf = r.buf
	gz := len(r.closers) > 0 && isGzip(r.closers[len(r.closers)-1])
	if err := r.need(16, b); err != nil && err != io.EOF {
		return err
	}
	p := r.buf[r.off:r.end]
	if len(p) < 4 {
		return notCapture(r.name, p, gz)
	}
	switch m := binary.LittleEndian.Uint32(p); {
	case m == magicSHB:
		if len(p) < 16 {
			return notCapture(r.name, p, gz)
		}
		be, ok := sectionOrder(p)
		if !ok {
			return notCapture(r.name, p, gz)
		}
		if major := r.ng16(p[12:], be); major != 1 {
			return fmt.Errorf("pcapfile: %s: %w: pcapng major version %d", r.name, ErrVersion, major)
		}
		r.format = FormatPcapNG
		// The section starts now, so that blocks found after a bad first
		// section header still have a byte order and a place to go.
		r.newSection(0, be)
		return nil
	case m == magicMicro || m == magicNano || m == magicModified:
	case swap32(m) == magicMicro || swap32(m) == magicNano || swap32(m) == magicModified:
		r.be = true
		m = swap32(m)
	default:
		return notCapture(r.name, p, gz)
	}
	r.format = FormatPcap
	if err := r.need(24, b); err != nil {
		if err == io.EOF {
			return fmt.Errorf("pcapfile: %s: %w: file header needs 24 bytes, file has %d", r.name, ErrTruncated, r.end-r.off)
		}
		return err
	}
	p = r.buf[r.off : r.off+24]
	m := r.u32(p)
	r.nsec = m == magicNano
	r.hdrLen = 16
	if m == magicModified {
		r.hdrLen = 24
	}
	if major := r.u16(p[4:]); major != 2 {
		return fmt.Errorf("pcapfile: %s: %w: pcap major version %d", r.name, ErrVersion, major)
	}
	r.snap = r.u32(p[16:])
	// The link-type field's upper bits carry FCS information.
	r.linkType = uint16(r.u32(p[20:]))
	r.maxCap = max(r.snap, maxSnap)
	if r.maxCap > maxRecord {
		r.maxCap = maxRecord
	}
	r.off += 24
	return nil
}

func isGzip(c io.Closer) bool {
	_, ok := c.(*gzip.Reader)
	return ok
}

func swap32(v uint32) uint32 {
	return v>>24 | v>>8&0xff00 | v<<8&0xff0000 | v<<24
}

func (r *Reader) u32(p []byte) uint32 {
	if r.be {
		return binary.BigEndian.Uint32(p)
	}
	return binary.LittleEndian.Uint32(p)
}

func (r *Reader) u16(p []byte) uint16 {
	if r.be {
		return binary.BigEndian.Uint16(p)
	}
	return binary.LittleEndian.Uint16(p)
}
