package ss7dec

import (
	"bytes"
	"errors"
	"testing"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

func TestMTP3(t *testing.T) {
	iam := isupMsg(t, isup.ITU, isup.IAM, 213)
	tests := []struct {
		name string
		opt  Options
		b    []byte
		want MSU
		v    isup.Variant
	}{
		// SIO 0xc5, label DPC 12163 OPC 11522 SLS 5: the tcpdump_isup.pcap IAM's MTP3 header.
		{"ITU by hand", Options{}, append([]byte{0xc5, 0x83, 0xaf, 0x40, 0x5b}, iam...),
			MSU{NI: 3, SI: 5, OPC: mtp3.ITUPC(11522), DPC: mtp3.ITUPC(12163), SLS: 5, Data: iam}, isup.ITU},
		{"ITU", Options{Format: mtp3.ITU}, mtp3MSU(t, mtp3.ITU, mtp3.NIInternational, 0, mtp3.SISCCP, 0x3fff, 1, 15, []byte{9}),
			MSU{NI: 0, SI: 3, OPC: mtp3.ITUPC(0x3fff), DPC: mtp3.ITUPC(1), SLS: 15, Data: []byte{9}}, isup.ITU},
		// ANSI label: DPC 4-5-6, OPC 1-2-3 (member, cluster, network on the wire), SLS 0xa7.
		{"ANSI by hand", Options{Format: mtp3.ANSI}, []byte{0x95, 6, 5, 4, 3, 2, 1, 0xa7, 0x01, 0x00, 0x10},
			MSU{NI: 2, Priority: 1, SI: 5, OPC: mtp3.ANSIPC(0x010203), DPC: mtp3.ANSIPC(0x040506), SLS: 0xa7, Data: []byte{0x01, 0x00, 0x10}}, isup.ANSI},
		{"label only", Options{}, []byte{0x85, 1, 0, 0, 0},
			MSU{NI: 2, SI: 5, OPC: mtp3.ITUPC(0), DPC: mtp3.ITUPC(1), SLS: 0, Data: []byte{}}, isup.ITU},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, err := DecodeMTP3(tc.b, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			w := tc.want
			if g.NI != w.NI || g.Priority != w.Priority || g.SI != w.SI || g.OPC != w.OPC || g.DPC != w.DPC || g.SLS != w.SLS || !bytes.Equal(g.Data, w.Data) {
				t.Errorf("got %+v\nwant %+v", g, w)
			}
			if g.Variant() != tc.v {
				t.Errorf("variant %v, want %v", g.Variant(), tc.v)
			}
			if !aliases(tc.b, g.Data) {
				t.Error("user part does not alias the input")
			}
			if g.OPC.String() != w.OPC.String() {
				t.Errorf("OPC text %s, want %s", g.OPC, w.OPC)
			}
		})
	}
	if (MSU{}).Variant() != isup.ITU {
		t.Error("zero MSU is not ITU")
	}
}

func TestMTP3Errors(t *testing.T) {
	ansi := mtp3MSU(t, mtp3.ANSI, 2, 0, 5, 1, 2, 3, []byte{1, 0, 1})
	for n := 0; n < 5; n++ {
		_, err := DecodeMTP3(ansi[:n], Options{})
		wantErr(t, err, "mtp3", n, ErrTruncated, "")
	}
	for n := 0; n < 8; n++ {
		_, err := DecodeMTP3(ansi[:n], Options{Format: mtp3.ANSI})
		wantErr(t, err, "mtp3", n, ErrTruncated, "")
	}
	_, err := DecodeMTP3(ansi, Options{Format: mtp3.Japan})
	wantErr(t, err, "mtp3", 0, ErrFormat, "Japan")
	_, err = DecodeMTP3(ansi, Options{Format: 9})
	if !errors.Is(err, ErrFormat) {
		t.Errorf("format 9: %v", err)
	}
	if got := err.Error(); got != "mtp3: offset 0: unsupported point code format: Format(9) (want ITU or ANSI)" {
		t.Errorf("message %q", got)
	}
}

func TestMTP3Allocs(t *testing.T) {
	b := mtp3MSU(t, mtp3.ANSI, 2, 0, 5, 1, 2, 3, isupMsg(t, isup.ANSI, isup.IAM, 5))
	n := testing.AllocsPerRun(200, func() {
		if _, err := DecodeMTP3(b, Options{Format: mtp3.ANSI}); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Errorf("%v allocations per decode, want 0", n)
	}
}
