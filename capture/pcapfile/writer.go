package pcapfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// WriteSnapLen is the snapshot length a Writer declares; longer frames are
// cut to it (their original length is kept), as a capture tool would.
const WriteSnapLen = 262144

// Writer writes frames to a capture file: classic pcap with nanosecond
// timestamps when there is one link type, pcapng with one interface per
// link type (if_tsresol 9) otherwise. Framing is gopacket's pcapgo.
type Writer struct {
	bw    *bufio.Writer
	pcap  *pcapgo.Writer
	ng    *pcapgo.NgWriter
	types []uint16 // interface i has link type types[i]
}

// NewWriter writes the file header (and pcapng interfaces) for frames of
// the given link types to w. Call Flush when done.
func NewWriter(w io.Writer, linkTypes []uint16) (*Writer, error) {
	if len(linkTypes) == 0 {
		return nil, errors.New("pcapfile: NewWriter needs at least one link type")
	}
	wr := &Writer{}
	for _, lt := range linkTypes {
		if wr.iface(lt) < 0 {
			wr.types = append(wr.types, lt)
		}
	}
	if len(wr.types) == 1 {
		wr.bw = bufio.NewWriterSize(w, 1<<16)
		wr.pcap = pcapgo.NewWriterNanos(wr.bw)
		if err := wr.pcap.WriteFileHeader(WriteSnapLen, layers.LinkType(wr.types[0])); err != nil {
			return nil, fmt.Errorf("pcapfile: write header: %w", err)
		}
		return wr, nil
	}
	in := pcapgo.NgInterface{Name: "if0", LinkType: layers.LinkType(wr.types[0]), SnapLength: WriteSnapLen, TimestampResolution: 9}
	ng, err := pcapgo.NewNgWriterInterface(w, in, pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: "sipsniff"}})
	if err != nil {
		return nil, fmt.Errorf("pcapfile: write header: %w", err)
	}
	for i, lt := range wr.types[1:] {
		in.Name, in.LinkType = fmt.Sprintf("if%d", i+1), layers.LinkType(lt)
		if _, err := ng.AddInterface(in); err != nil {
			return nil, fmt.Errorf("pcapfile: write interface: %w", err)
		}
	}
	wr.ng = ng
	return wr, nil
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
	i := w.iface(f.LinkType)
	if i < 0 {
		return fmt.Errorf("pcapfile: %w: frame %v is %s", ErrLinkType, f.Ref, LinkTypeName(f.LinkType))
	}
	data := f.Data
	if len(data) > WriteSnapLen {
		data = data[:WriteSnapLen]
	}
	orig := int(f.OrigLen)
	if orig < len(data) {
		orig = len(data) // pcapgo refuses a capture length above the original
	}
	ci := gopacket.CaptureInfo{Timestamp: time.Unix(0, f.Time), CaptureLength: len(data), Length: orig, InterfaceIndex: i}
	var err error
	if w.ng != nil {
		err = w.ng.WritePacket(ci, data)
	} else {
		err = w.pcap.WritePacket(ci, data)
	}
	if err != nil {
		return fmt.Errorf("pcapfile: write frame %v: %w", f.Ref, err)
	}
	return nil
}

// Flush writes out buffered data.
func (w *Writer) Flush() error {
	if w.ng != nil {
		return w.ng.Flush()
	}
	return w.bw.Flush()
}
