package pcapfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/sipgw/sipgw/capture/record"
)

func TestWriterRoundTrip(t *testing.T) {
	mk := func(lts ...uint16) []Frame {
		var fs []Frame
		for i := range 40 {
			d := payload(i+1, 20+i*13)
			fs = append(fs, Frame{Data: d, Time: t0.UnixNano() + int64(i)*1_000_000_007, OrigLen: uint32(len(d) + i%4*100),
				LinkType: lts[i%len(lts)], Ref: record.FrameRef{File: 9, Frame: uint32(i + 1)}})
		}
		return fs
	}
	for _, tc := range []struct {
		name   string
		types  []uint16
		format Format
		magic  uint32
	}{
		{"pcap", []uint16{LinkTypeMTP3}, FormatPcap, magicNano},
		{"pcap, type repeated", []uint16{LinkTypeIPv6, LinkTypeIPv6}, FormatPcap, magicNano},
		{"pcapng", []uint16{LinkTypeEthernet, LinkTypeMTP2, LinkTypeLinuxSLL2}, FormatPcapNG, magicSHB},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := NewWriter(&buf, tc.types)
			if err != nil {
				t.Fatal(err)
			}
			in := mk(tc.types...)
			for i := range in {
				if err := w.WriteFrame(&in[i]); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if m := binary.LittleEndian.Uint32(buf.Bytes()); m != tc.magic {
				t.Errorf("magic %08x, want %08x", m, tc.magic)
			}
			r := mustReader(t, buf.Bytes(), "out", 2, Options{})
			if r.Format() != tc.format {
				t.Errorf("format %v", r.Format())
			}
			frames := readAll(t, r)
			if len(frames) != len(in) {
				t.Fatalf("%d frames", len(frames))
			}
			for i, f := range frames {
				if !bytes.Equal(f.data, in[i].Data) || f.Time != in[i].Time || f.OrigLen != in[i].OrigLen || f.LinkType != in[i].LinkType {
					t.Errorf("frame %d: %d bytes time %d orig %d lt %d, wrote %d bytes time %d orig %d lt %d", i+1,
						len(f.data), f.Time, f.OrigLen, f.LinkType, len(in[i].Data), in[i].Time, in[i].OrigLen, in[i].LinkType)
				}
			}
			checkReread(t, r, frames)
		})
	}
}

func TestWriterLimits(t *testing.T) {
	if _, err := NewWriter(&bytes.Buffer{}, nil); err == nil {
		t.Error("no link types accepted")
	}
	var buf bytes.Buffer
	w, err := NewWriter(&buf, []uint16{LinkTypeEthernet})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteFrame(&Frame{Data: []byte{1}, OrigLen: 1, LinkType: LinkTypeRaw}); !errors.Is(err, ErrLinkType) {
		t.Errorf("undeclared link type: %v", err)
	}
	// Longer than the snapshot length: cut, original length kept. An
	// original length below the data is raised to it.
	big := payload(1, WriteSnapLen+100)
	for _, f := range []Frame{
		{Data: big, OrigLen: uint32(len(big)), LinkType: LinkTypeEthernet, Time: 5},
		{Data: []byte{1, 2, 3}, OrigLen: 1, LinkType: LinkTypeEthernet, Time: 6},
	} {
		if err := w.WriteFrame(&f); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	frames := readAll(t, mustReader(t, buf.Bytes(), "out", 0, Options{}))
	if len(frames) != 2 || len(frames[0].data) != WriteSnapLen || !bytes.Equal(frames[0].data, big[:WriteSnapLen]) ||
		frames[0].OrigLen != uint32(len(big)) || frames[1].OrigLen != 3 || frames[1].Time != 6 {
		t.Errorf("frames %v", frames)
	}
}
