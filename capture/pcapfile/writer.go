package pcapfile

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// WriteSnapLen is the snapshot length a Writer declares; longer frames are
// cut to it (their original length is kept), as a capture tool would.
const WriteSnapLen = 262144

// Writer writes frames to a capture file: classic pcap with nanosecond
// timestamps when there is one link type, pcapng with one interface per
// link type (if_tsresol 9) otherwise.
//
// Written here rather than with gopacket's pcapgo, which the project used
// before: pcapgo imports gopacket/layers, whose initialised metadata
// tables put 5 MB of resident memory into every sipsniff run (8% of its
// memory target on the SIP-I benchmark) for a writer of three record
// layouts. Files written here are read back by this package and by tshark
// in the tests.
type Writer struct {
	bw    *bufio.Writer
	ng    bool
	grow  bool     // pcapng taking new link types as frames come
	types []uint16 // interface i has link type types[i]
	hdr   [28]byte
	err   error
}

var le = binary.LittleEndian

// NewWriter writes the file header (and pcapng interfaces) for frames of
// the given link types to w. Call Flush when done.
func NewWriter(w io.Writer, linkTypes []uint16) (*Writer, error) {
	if len(linkTypes) == 0 {
		return nil, errors.New("pcapfile: NewWriter needs at least one link type")
	}
	return newWriter(w, linkTypes, false)
}

// NewWriterNG writes pcapng whatever the link types, and takes frames of
// link types not given here too: their interfaces are described as they
// come (a live stream's link types may not be known at the start).
func NewWriterNG(w io.Writer, linkTypes []uint16) (*Writer, error) {
	return newWriter(w, linkTypes, true)
}

func newWriter(w io.Writer, linkTypes []uint16, ng bool) (*Writer, error) {
	wr := &Writer{bw: bufio.NewWriterSize(w, 1<<16), grow: ng}
	for _, lt := range linkTypes {
		if wr.iface(lt) < 0 {
			wr.types = append(wr.types, lt)
		}
	}
	if len(wr.types) == 1 && !ng {
		var h [24]byte
		le.PutUint32(h[0:], magicNano)
		le.PutUint16(h[4:], 2)
		le.PutUint16(h[6:], 4)
		le.PutUint32(h[16:], WriteSnapLen)
		le.PutUint32(h[20:], uint32(wr.types[0]))
		wr.bw.Write(h[:])
	} else {
		wr.ng = true
		wr.sectionHeader()
		for i, lt := range wr.types {
			wr.interfaceBlock(i, lt)
		}
	}
	if err := wr.bw.Flush(); err != nil {
		return nil, fmt.Errorf("pcapfile: write header: %w", err)
	}
	return wr, nil
}

// pcapng options written besides those the reader knows.
const (
	optShbUserApp = 4
	optIfName     = 2
)

// option appends a pcapng option (code, length, value padded to 4 octets).
func option(b []byte, code uint16, v []byte) []byte {
	b = le.AppendUint16(b, code)
	b = le.AppendUint16(b, uint16(len(v)))
	b = append(b, v...)
	for i := len(v); i%4 != 0; i++ {
		b = append(b, 0)
	}
	return b
}

// block writes a pcapng block: type, total length, body, total length.
func (w *Writer) block(typ uint32, body []byte) {
	n := uint32(12 + len(body))
	var h [8]byte
	le.PutUint32(h[0:], typ)
	le.PutUint32(h[4:], n)
	w.bw.Write(h[:])
	w.bw.Write(body)
	w.bw.Write(h[4:8])
}

func (w *Writer) sectionHeader() {
	b := le.AppendUint32(nil, bomLE)
	b = le.AppendUint16(b, 1) // major version
	b = le.AppendUint16(b, 0) // minor version
	b = le.AppendUint64(b, ^uint64(0))
	b = option(b, optShbUserApp, []byte("sipsniff"))
	b = option(b, optEndOfOpt, nil)
	w.block(blockSHB, b)
}

func (w *Writer) interfaceBlock(i int, lt uint16) {
	b := le.AppendUint16(nil, lt)
	b = le.AppendUint16(b, 0)
	b = le.AppendUint32(b, WriteSnapLen)
	b = option(b, optIfName, fmt.Appendf(nil, "if%d", i))
	b = option(b, optTSResol, []byte{9}) // 10^-9 s
	b = option(b, optEndOfOpt, nil)
	w.block(blockIDB, b)
}

func (w *Writer) iface(lt uint16) int {
	for i, t := range w.types {
		if t == lt {
			return i
		}
	}
	return -1
}

// WriteFrame writes one frame with its timestamp and original length.
func (w *Writer) WriteFrame(f *Frame) error {
	if w.err != nil {
		return w.err
	}
	i := w.iface(f.LinkType)
	if i < 0 && w.grow {
		i = len(w.types)
		w.types = append(w.types, f.LinkType)
		w.interfaceBlock(i, f.LinkType)
	}
	if i < 0 {
		return fmt.Errorf("pcapfile: %w: frame %v is %s", ErrLinkType, f.Ref, LinkTypeName(f.LinkType))
	}
	data := f.Data
	if len(data) > WriteSnapLen {
		data = data[:WriteSnapLen]
	}
	orig := max(f.OrigLen, uint32(len(data))) // a capture length above the original is invalid
	ts := uint64(f.Time)
	if f.Time < 0 {
		ts = 0 // neither format has times before 1970
	}
	h := w.hdr[:]
	if !w.ng {
		le.PutUint32(h[0:], uint32(ts/1e9))
		le.PutUint32(h[4:], uint32(ts%1e9))
		le.PutUint32(h[8:], uint32(len(data)))
		le.PutUint32(h[12:], orig)
		w.bw.Write(h[:16])
		_, err := w.bw.Write(data)
		return w.fail(f, err)
	}
	pad := (4 - len(data)%4) % 4
	total := uint32(32 + len(data) + pad)
	le.PutUint32(h[0:], blockEPB)
	le.PutUint32(h[4:], total)
	le.PutUint32(h[8:], uint32(i))
	le.PutUint32(h[12:], uint32(ts>>32))
	le.PutUint32(h[16:], uint32(ts))
	le.PutUint32(h[20:], uint32(len(data)))
	le.PutUint32(h[24:], orig)
	w.bw.Write(h[:28])
	w.bw.Write(data)
	var tail [8]byte
	le.PutUint32(tail[pad:], total)
	_, err := w.bw.Write(tail[:pad+4])
	return w.fail(f, err)
}

func (w *Writer) fail(f *Frame, err error) error {
	if err != nil {
		w.err = fmt.Errorf("pcapfile: write frame %v: %w", f.Ref, err)
	}
	return w.err
}

// Flush writes out buffered data.
func (w *Writer) Flush() error {
	if err := w.bw.Flush(); err != nil {
		return fmt.Errorf("pcapfile: write: %w", err)
	}
	return w.err
}
