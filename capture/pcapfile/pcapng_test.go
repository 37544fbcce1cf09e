package pcapfile

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
)

func TestTSConv(t *testing.T) {
	for _, tc := range []struct {
		resol  uint8
		offset int64
		ts     uint64
		want   int64
	}{
		{6, 0, 1_720_000_000_123_456, 1_720_000_000_123_456_000},
		{9, 0, 1_720_000_000_123_456_789, 1_720_000_000_123_456_789},
		{3, 0, 1_720_000_000_123, 1_720_000_000_123_000_000},
		{0, 0, 1_720_000_000, 1_720_000_000_000_000_000},
		{12, 0, 5_000_000_000_123, 5_000_000_000},
		{10, 0, 17_200_000_001_234_567_895, 1_720_000_000_123_456_789},
		{28, 0, 10_000_000_000_000_000_000, 1},
		{29, 0, 1 << 63, 0},
		{0x80 | 0, 0, 1_720_000_000, 1_720_000_000_000_000_000},
		{0x80 | 20, 0, 1_720_000_000<<20 | 1<<19, 1_720_000_000_500_000_000},
		{0x80 | 30, 0, 3 << 29, 1_500_000_000},
		{0x80 | 64, 0, 1 << 63, 500_000_000},
		{0x80 | 70, 0, 1 << 63, 7_812_500},
		{0x80 | 127, 0, 1<<64 - 1, 0},
		{6, 1000, 5_000_000, 1005_000_000_000},
		{6, -3600, 7200_000_000, 3600_000_000_000},
	} {
		c := newTSConv(tc.resol, tc.offset)
		if got := c.ns(tc.ts); got != tc.want {
			t.Errorf("resol %#x offset %d ts %d: %d ns, want %d", tc.resol, tc.offset, tc.ts, got, tc.want)
		}
	}
}

// TestPcapNGSections reads a hand-built file: a big-endian section with
// two interfaces of different link types (if_tsresol in powers of 10 and
// of 2, if_tsoffset), every packet block type, blocks to skip, then a
// little-endian section with other interfaces.
func TestPcapNGSections(t *testing.T) {
	g := &ngBuilder{}
	g.shb(true)
	g.idb(LinkTypeEthernet, 64, micro, g.opt(2, []byte("eth0"))) // default resolution: µs
	// 2^-20 s units: whole seconds above bit 20, the fraction below.
	g.idb(LinkTypeMTP3, 0, func(ts uint64) int64 { return int64(ts>>20)*1e9 + int64(ts&(1<<20-1))*1e9>>20 + 1000e9 },
		g.opt(optTSResol, []byte{0x80 | 20}), g.opt(optTSOffset, binary.BigEndian.AppendUint64(nil, 1000)))
	g.epb(0, 1_720_000_000_123_456, payload(1, 60), 60)
	g.block(blockNRB, []byte{0, 1, 0, 8, 192, 0, 2, 1, 'a', '.', 'b', 0, 0, 0, 0, 0})
	g.epb(1, 1_720_000_000<<20|1<<19, payload(2, 27), 27)
	g.block(blockISB, make([]byte, 12))
	g.spb(payload(3, 64), 200) // cut to the interface's snaplen 64
	g.block(blockCustom, []byte{0, 0, 0x7e, 0x6f, 'x', 'y'})
	g.pb(1, 1_721_000_000<<20, payload(4, 33), 40)
	g.block(blockDSB, make([]byte, 12))
	g.block(0x12345, []byte("unknown block type, skipped"))
	g.block(blockCustomNoCpy, make([]byte, 8))
	g.epb(0, 1_720_000_000_999_999, payload(5, 0), 0)

	g.shb(false)
	g.idb(LinkTypeIPv4, 0, nano, g.opt(optTSResol, []byte{9}))
	g.idb(LinkTypeLinuxSLL2, 0, func(ts uint64) int64 { return int64(ts) * 1e6 }, g.opt(optTSResol, []byte{3}), g.opt(0x8000, []byte("custom")))
	g.epb(1, 1_722_000_000_001, payload(6, 100), 1500)
	g.epb(0, 1_722_000_000_002_000_003, payload(7, 1480), 1480)
	g.spb(payload(8, 12), 12) // interface 0 of this section, no snaplen

	for _, opt := range []Options{{}, {BatchFrames: 1}, {BatchBytes: 10}} {
		t.Run(fmt.Sprintf("%+v", opt), func(t *testing.T) {
			r := mustReader(t, g.buf, "sections.pcapng", 7, opt)
			if r.Format() != FormatPcapNG {
				t.Errorf("format %v", r.Format())
			}
			frames := readAll(t, r)
			check(t, 7, frames, g.frames)
			checkReread(t, r, frames)
			if len(r.Problems()) != 0 {
				t.Errorf("problems: %v", r.Problems())
			}
		})
	}
	// The SPB is cut to the snaplen of interface 0.
	if n := len(g.frames[2].data); n != 64 {
		t.Fatalf("test data: SPB holds %d bytes", n)
	}
}

func TestPcapNGVersion(t *testing.T) {
	// A later section of an unknown version is a bad block: skipped with
	// its contents.
	g := &ngBuilder{}
	g.shb(false)
	g.idb(LinkTypeEthernet, 0, micro)
	g.epb(0, 1, payload(1, 10), 10)
	bad := int64(len(g.buf))
	g.shb(false)
	g.buf[bad+12] = 2 // major version 2
	g.idb(LinkTypeEthernet, 0, micro)
	g.epb(0, 2, payload(2, 10), 10)
	r := mustReader(t, g.buf, "v.pcapng", 0, Options{})
	frames := readAll(t, r)
	if len(frames) != 2 {
		t.Fatalf("%d frames", len(frames))
	}
	// The scan resumes at the next valid block, the IDB of the bad
	// section; its packets are then read with the old section's order.
	if ps := r.Problems(); len(ps) != 1 || ps[0].Offset != bad {
		t.Fatalf("problems %v", ps)
	}
}

// TestBadFirstSection: a first section header whose length is broken (a
// fuzz find). The blocks after it are read in the byte order its magic
// gave, and re-read by offset.
func TestBadFirstSection(t *testing.T) {
	for _, be := range []bool{false, true} {
		g := &ngBuilder{}
		g.shb(be)
		g.idb(LinkTypeEthernet, 0, micro)
		g.epb(0, 1_720_000_000_000_001, payload(1, 28), 28)
		g.epb(0, 1_720_000_000_000_002, payload(2, 28), 28)
		data := bytes.Clone(g.buf)
		clear(data[4:8]) // SHB length 0
		r := mustReader(t, data, "bad-shb.pcapng", 0, Options{})
		frames := readAll(t, r)
		check(t, 0, frames, g.frames)
		checkReread(t, r, frames)
		idb := int64(binary.LittleEndian.Uint32(g.buf[4:8]))
		if be {
			idb = int64(binary.BigEndian.Uint32(g.buf[4:8]))
		}
		text := fmt.Sprintf("bad-shb.pcapng: offset 0 (after frame 0): block length 0 is below the 28 of block type 0xa0d0d0a; skipped %d bytes to the next valid record", idb)
		if ps := r.Problems(); len(ps) != 1 || ps[0].Error() != text {
			t.Errorf("problems %v\nwant %q", ps, text)
		}
	}
}
