package pcapfile

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sipgw/sipgw/capture/pcapgen"
	"github.com/sipgw/sipgw/capture/record"
)

// t0 is the time of the first generated frame.
var t0 = time.Date(2024, 7, 5, 13, 9, 59, 862196000, time.UTC)

// tframe is a frame a test writes: what the reader must give back.
type tframe struct {
	data []byte
	time int64
	orig uint32
	lt   uint16
	off  int64 // offset of its record or block, filled in by the builders
}

// payload returns a recognisable frame body of n bytes for frame i.
func payload(i, n int) []byte {
	p := bytes.Repeat([]byte{byte(i)}, n)
	copy(p, fmt.Sprintf("frame %05d|", i))
	return p
}

// pcapBuilder writes classic pcap bytes by hand, in either byte order and
// any of the three record formats, so the tests do not depend on one
// writer's choices.
type pcapBuilder struct {
	be       bool
	magic    uint32
	snap     uint32
	lt       uint16
	buf      []byte
	frames   []tframe
	modified bool
}

func newPcap(be bool, magic uint32, snap uint32, lt uint16) *pcapBuilder {
	b := &pcapBuilder{be: be, magic: magic, snap: snap, lt: lt, modified: magic == magicModified}
	b.buf = b.put32(b.buf, magic)
	b.buf = b.put16(b.buf, 2)
	b.buf = b.put16(b.buf, 4)
	b.buf = b.put32(b.buf, 0)
	b.buf = b.put32(b.buf, 0)
	b.buf = b.put32(b.buf, snap)
	b.buf = b.put32(b.buf, uint32(lt))
	return b
}

func (b *pcapBuilder) order() binary.AppendByteOrder {
	if b.be {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

func (b *pcapBuilder) put32(p []byte, v uint32) []byte { return b.order().AppendUint32(p, v) }
func (b *pcapBuilder) put16(p []byte, v uint16) []byte { return b.order().AppendUint16(p, v) }

// add appends a record for data at time ns with original length orig.
func (b *pcapBuilder) add(ns int64, data []byte, orig uint32) {
	off := int64(len(b.buf))
	frac := uint32(ns % 1e9)
	wantNs := ns
	if b.magic != magicNano {
		frac /= 1000
		wantNs = ns - ns%1000
	}
	b.buf = b.put32(b.buf, uint32(ns/1e9))
	b.buf = b.put32(b.buf, frac)
	b.buf = b.put32(b.buf, uint32(len(data)))
	b.buf = b.put32(b.buf, orig)
	if b.modified {
		b.buf = b.put32(b.buf, 2) // ifindex
		b.buf = b.put16(b.buf, 0x0800)
		b.buf = append(b.buf, 0, 0)
	}
	b.buf = append(b.buf, data...)
	b.frames = append(b.frames, tframe{data: data, time: wantNs, orig: orig, lt: b.lt, off: off})
}

// simplePcap returns a little-endian microsecond pcap of n frames of size
// bytes, one millisecond apart, and the frames.
func simplePcap(n, size int) ([]byte, []tframe) {
	b := newPcap(false, magicMicro, 65535, LinkTypeEthernet)
	for i := range n {
		b.add(t0.UnixNano()+int64(i)*1e6, payload(i+1, size), uint32(size+i%3))
	}
	return b.buf, b.frames
}

// ngBuilder writes pcapng bytes by hand: sections in either byte order,
// interfaces with options, and every packet block type.
type ngBuilder struct {
	buf    []byte
	be     bool
	frames []tframe
	ifs    []ngIf
}

type ngIf struct {
	lt   uint16
	snap uint32
	conv func(ts uint64) int64
}

func (g *ngBuilder) order() binary.AppendByteOrder {
	if g.be {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// block appends a block of type typ with body padded to 4 bytes and
// returns its offset.
func (g *ngBuilder) block(typ uint32, body []byte) int64 {
	off := int64(len(g.buf))
	pad := (4 - len(body)%4) % 4
	n := uint32(12 + len(body) + pad)
	o := g.order()
	g.buf = o.AppendUint32(g.buf, typ)
	g.buf = o.AppendUint32(g.buf, n)
	g.buf = append(g.buf, body...)
	g.buf = append(g.buf, make([]byte, pad)...)
	g.buf = o.AppendUint32(g.buf, n)
	return off
}

func (g *ngBuilder) opt(code uint16, v []byte) []byte {
	o := g.order()
	p := o.AppendUint16(nil, code)
	p = o.AppendUint16(p, uint16(len(v)))
	p = append(p, v...)
	return append(p, make([]byte, (4-len(v)%4)%4)...)
}

// shb starts a section in byte order be.
func (g *ngBuilder) shb(be bool) {
	g.be, g.ifs = be, nil
	o := g.order()
	body := o.AppendUint32(nil, 0x1a2b3c4d)
	body = o.AppendUint16(body, 1)
	body = o.AppendUint16(body, 0)
	body = o.AppendUint64(body, ^uint64(0)) // section length unknown
	body = append(body, g.opt(3, []byte("test"))...)
	body = append(body, g.opt(0, nil)...)
	g.block(blockSHB, body)
}

// idb describes an interface; conv is how the test expects its
// timestamps to convert (with the if_tsresol/if_tsoffset given in opts).
func (g *ngBuilder) idb(lt uint16, snap uint32, conv func(uint64) int64, opts ...[]byte) {
	o := g.order()
	body := o.AppendUint16(nil, lt)
	body = o.AppendUint16(body, 0)
	body = o.AppendUint32(body, snap)
	for _, op := range opts {
		body = append(body, op...)
	}
	if len(opts) > 0 {
		body = append(body, g.opt(0, nil)...)
	}
	g.block(blockIDB, body)
	g.ifs = append(g.ifs, ngIf{lt, snap, conv})
}

func (g *ngBuilder) epb(id uint32, ts uint64, data []byte, orig uint32) {
	o := g.order()
	body := o.AppendUint32(nil, id)
	body = o.AppendUint32(body, uint32(ts>>32))
	body = o.AppendUint32(body, uint32(ts))
	body = o.AppendUint32(body, uint32(len(data)))
	body = o.AppendUint32(body, orig)
	body = append(body, data...)
	body = append(body, make([]byte, (4-len(data)%4)%4)...)
	body = append(body, g.opt(1, []byte("a comment"))...)
	body = append(body, g.opt(0, nil)...)
	off := g.block(blockEPB, body)
	in := g.ifs[id]
	g.frames = append(g.frames, tframe{data: data, time: in.conv(ts), orig: orig, lt: in.lt, off: off})
}

func (g *ngBuilder) pb(id uint16, ts uint64, data []byte, orig uint32) {
	o := g.order()
	body := o.AppendUint16(nil, id)
	body = o.AppendUint16(body, 0) // drops
	body = o.AppendUint32(body, uint32(ts>>32))
	body = o.AppendUint32(body, uint32(ts))
	body = o.AppendUint32(body, uint32(len(data)))
	body = o.AppendUint32(body, orig)
	body = append(body, data...)
	off := g.block(blockPB, body)
	in := g.ifs[id]
	g.frames = append(g.frames, tframe{data: data, time: in.conv(ts), orig: orig, lt: in.lt, off: off})
}

// spb writes a simple packet block holding data (already cut to the
// interface's snaplen by the caller) of a packet of orig bytes. Its time
// is the previous frame's.
func (g *ngBuilder) spb(data []byte, orig uint32) {
	body := g.order().AppendUint32(nil, orig)
	body = append(body, data...)
	off := g.block(blockSPB, body)
	var prev int64
	if len(g.frames) > 0 {
		prev = g.frames[len(g.frames)-1].time
	}
	g.frames = append(g.frames, tframe{data: data, time: prev, orig: orig, lt: g.ifs[0].lt, off: off})
}

func micro(ts uint64) int64 { return int64(ts) * 1000 }
func nano(ts uint64) int64  { return int64(ts) }

// got is a frame read back, its data copied out of the batch.
type got struct {
	Frame
	data []byte
}

// readAll reads r to the end with ReadBatch and returns copies of its
// frames.
func readAll(t testing.TB, r interface{ ReadBatch(*Batch) error }) []got {
	t.Helper()
	var b Batch
	var out []got
	for {
		err := r.ReadBatch(&b)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Frames) == 0 {
			t.Fatal("ReadBatch returned an empty batch without io.EOF")
		}
		for _, f := range b.Frames {
			out = append(out, got{f, append([]byte(nil), f.Data...)})
		}
	}
}

// check compares frames read with those written, numbering from 1.
func check(t *testing.T, file uint16, gotFrames []got, want []tframe) {
	t.Helper()
	if len(gotFrames) != len(want) {
		t.Fatalf("%d frames, want %d", len(gotFrames), len(want))
	}
	for i, g := range gotFrames {
		w := want[i]
		if !bytes.Equal(g.data, w.data) || g.Time != w.time || g.OrigLen != w.orig || g.LinkType != w.lt {
			t.Errorf("frame %d: %d bytes %q… time %d orig %d lt %d; want %d bytes %q… time %d orig %d lt %d", i+1,
				len(g.data), head(g.data), g.Time, g.OrigLen, g.LinkType, len(w.data), head(w.data), w.time, w.orig, w.lt)
		}
		if g.Ref.File != file || g.Ref.Frame != uint32(i+1) || g.Ref.Offset != w.off {
			t.Errorf("frame %d: ref %+v, want file %d frame %d offset %d", i+1, g.Ref, file, i+1, w.off)
		}
	}
}

func head(b []byte) []byte { return b[:min(len(b), 12)] }

// checkReread re-reads every frame by its Ref and compares.
func checkReread(t *testing.T, fr interface {
	ReadFrame(ref record.FrameRef) (Frame, error)
}, frames []got) {
	t.Helper()
	for _, g := range frames {
		f, err := fr.ReadFrame(g.Ref)
		if err != nil {
			t.Fatalf("ReadFrame(%v): %v", g.Ref, err)
		}
		if !bytes.Equal(f.Data, g.data) || f.OrigLen != g.OrigLen || f.LinkType != g.LinkType || f.Ref != g.Ref {
			t.Fatalf("ReadFrame(%v) = %d bytes orig %d lt %d ref %v; read %d bytes orig %d lt %d",
				g.Ref, len(f.Data), f.OrigLen, f.LinkType, f.Ref, len(g.data), g.OrigLen, g.LinkType)
		}
		if f.Time != g.Time && !(f.Time == 0 && isSPB(t, fr, g)) {
			t.Fatalf("ReadFrame(%v): time %d, read %d", g.Ref, f.Time, g.Time)
		}
	}
}

// isSPB tells whether a frame came from a simple packet block (whose
// re-read time is 0).
func isSPB(t *testing.T, fr any, g got) bool {
	r, ok := fr.(*Reader)
	if !ok || r.format != FormatPcapNG {
		return false
	}
	sec, ok := r.sectionAt(g.Ref.Offset)
	if !ok {
		return false
	}
	var p [4]byte
	if _, err := r.ra.ReadAt(p[:], r.raBase+g.Ref.Offset); err != nil {
		t.Fatal(err)
	}
	return r.ng32(p[:], sec.be) == blockSPB
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// sipCapture writes n SIP/UDP frames with pcapgen (pcap or pcapng).
func sipCapture(t testing.TB, n int, ng bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w *pcapgen.Writer
	var err error
	if ng {
		w, err = pcapgen.NewNgWriter(&buf, pcapgen.Ethernet)
	} else {
		w, err = pcapgen.NewWriter(&buf, pcapgen.Ethernet)
	}
	if err != nil {
		t.Fatal(err)
	}
	src, dst := netip.MustParseAddrPort("192.0.2.1:5060"), netip.MustParseAddrPort("192.0.2.2:5060")
	for i := range n {
		msg := fmt.Sprintf("OPTIONS sip:%d@example.com SIP/2.0\r\nCall-ID: %d@a\r\nCSeq: %d OPTIONS\r\nContent-Length: 0\r\n\r\n", i, i, i+1)
		if err := w.UDP(t0.Add(time.Duration(i)*time.Millisecond), src, dst, []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func mustOpen(t *testing.T, path string, file uint16, opt Options) *Reader {
	t.Helper()
	r, err := Open(path, file, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func mustReader(t *testing.T, data []byte, name string, file uint16, opt Options) *Reader {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data), name, file, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// stream hides a reader's other methods so that it reads like a pipe.
type stream struct{ io.Reader }
