package ss7dec

import (
	"bytes"
	"errors"
	"testing"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

func TestM2PAUserData(t *testing.T) {
	iam := isupMsg(t, isup.ITU, isup.IAM, 213)
	msu := mtp3MSU(t, mtp3.ITU, mtp3.NINational, 0, mtp3.SIISUP, 11522, 12163, 5, iam)
	ansi := mtp3MSU(t, mtp3.ANSI, mtp3.NINational, 3, mtp3.SIISUP, 0x010203, 0x040506, 200, isupMsg(t, isup.ANSI, isup.IAM, 213))
	tests := []struct {
		name string
		opt  Options
		b    []byte
		info M2PAInfo
		msu  []byte
	}{
		{"ITU IAM", Options{}, m2paMsg(1, 0xffffff, 0, append([]byte{0x00}, msu...)),
			M2PAInfo{Type: M2PAUserData, BSN: 0xffffff, FSN: 0}, msu},
		// The unused octet before each sequence number is not part of it.
		{"unused octets set", Options{}, func() []byte {
			b := m2paMsg(1, 0x123456, 0x654321, append([]byte{0x00}, msu...))
			b[8], b[12] = 0xff, 0xff
			return b
		}(), M2PAInfo{Type: M2PAUserData, BSN: 0x123456, FSN: 0x654321}, msu},
		{"priority 3, spare bits set", Options{}, m2paMsg(1, 1, 2, append([]byte{0xff}, msu...)),
			M2PAInfo{Type: M2PAUserData, BSN: 1, FSN: 2, Priority: 3}, msu},
		{"ANSI", Options{Format: mtp3.ANSI}, m2paMsg(1, 7, 8, append([]byte{0x40}, ansi...)),
			M2PAInfo{Type: M2PAUserData, BSN: 7, FSN: 8, Priority: 1}, ansi},
		{"acknowledgement only", Options{}, m2paMsg(1, 10, 11, nil),
			M2PAInfo{Type: M2PAUserData, BSN: 10, FSN: 11}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok, info, err := DecodeM2PA(tc.b, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if info != tc.info {
				t.Errorf("info %+v, want %+v", info, tc.info)
			}
			if ok != (tc.msu != nil) {
				t.Fatalf("hasMSU %v", ok)
			}
			if !ok {
				return
			}
			want, err := DecodeMTP3(tc.msu, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if got.OPC != want.OPC || got.DPC != want.DPC || got.SLS != want.SLS || got.SI != want.SI || got.NI != want.NI || got.Priority != want.Priority || !bytes.Equal(got.Data, want.Data) {
				t.Errorf("MSU %+v\nwant %+v", got, want)
			}
			if !aliases(tc.b, got.Data) {
				t.Error("user part does not alias the input")
			}
			var im isup.Message
			if err := im.Decode(got.Data, got.Variant()); err != nil || im.Type != isup.IAM || im.CIC != 213 {
				t.Errorf("ISUP %v CIC %d err %v", im.Type, im.CIC, err)
			}
		})
	}
}

func TestM2PALinkStatus(t *testing.T) {
	names := map[M2PAState]string{1: "Alignment", 2: "Proving Normal", 3: "Proving Emergency", 4: "Ready",
		5: "Processor Outage", 6: "Processor Recovered", 7: "Busy", 8: "Busy Ended", 9: "Out of Service",
		0: "state(0)", 10: "state(10)"}
	for st, name := range names {
		for _, filler := range [][]byte{nil, make([]byte, 4)} {
			b := m2paMsg(2, 0xffffff, 0xffffff, append([]byte{0, 0, 0, byte(st)}, filler...))
			_, ok, info, err := DecodeM2PA(b, Options{})
			if err != nil || ok {
				t.Fatalf("state %d: hasMSU %v err %v", st, ok, err)
			}
			if info.Type != M2PALinkStatus || info.State != st || info.State.String() != name || info.BSN != 0xffffff || info.FSN != 0xffffff {
				t.Errorf("state %d: %+v %q, want %q", st, info, info.State, name)
			}
		}
	}
	for ty, name := range map[M2PAType]string{1: "User Data", 2: "Link Status", 3: "type(3)"} {
		if ty.String() != name {
			t.Errorf("%d: %q, want %q", ty, ty, name)
		}
	}
}

func TestM2PAErrors(t *testing.T) {
	msu := mtp3MSU(t, mtp3.ITU, mtp3.NINational, 0, mtp3.SIISUP, 1, 2, 3, []byte{1, 0, 0x10, 0})
	good := m2paMsg(1, 1, 2, append([]byte{0}, msu...))
	set := func(b []byte, off int, v ...byte) []byte {
		c := bytes.Clone(b)
		copy(c[off:], v)
		return c
	}
	tests := []struct {
		name   string
		b      []byte
		opt    Options
		layer  string
		off    int
		cause  error
		detail string
	}{
		{"empty", nil, Options{}, "m2pa", 0, ErrTruncated, "16 octets"},
		{"header cut", good[:15], Options{}, "m2pa", 15, ErrTruncated, "have 15"},
		{"version 2", set(good, 0, 2), Options{}, "m2pa", 0, ErrVersion, "version 2"},
		{"M3UA class", set(good, 2, 1), Options{}, "m2pa", 2, ErrOtherProtocol, "Transfer"},
		{"M2UA class", set(good, 2, 6), Options{}, "m2pa", 2, ErrOtherProtocol, "M2UA"},
		{"class 12", set(good, 2, 12), Options{}, "m2pa", 2, ErrClass, "class 12"},
		{"type 3", set(good, 3, 3), Options{}, "m2pa", 3, ErrType, "type 3"},
		{"length 15", set(good, 4, 0, 0, 0, 15), Options{}, "m2pa", 4, ErrLength, "length 15"},
		{"length beyond input", set(good, 4, 0, 0, 0, 99), Options{}, "m2pa", len(good), ErrTruncated, "length 99"},
		{"trailing octets", append(bytes.Clone(good), 0), Options{}, "m2pa", len(good), ErrLength, "1 octets after"},
		{"priority octet only", m2paMsg(1, 1, 2, []byte{0}), Options{}, "mtp3", 17, ErrTruncated, "service information octet"},
		{"label cut", m2paMsg(1, 1, 2, append([]byte{0}, msu[:4]...)), Options{}, "mtp3", 21, ErrTruncated, "routing label"},
		{"link status without state", m2paMsg(2, 1, 2, []byte{0, 0, 4}), Options{}, "m2pa", 19, ErrTruncated, "state"},
		{"Japan", good, Options{Format: mtp3.Japan}, "m2pa", 0, ErrFormat, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, ok, _, err := DecodeM2PA(tc.b, tc.opt)
			wantErr(t, err, tc.layer, tc.off, tc.cause, tc.detail)
			if ok {
				t.Error("hasMSU on error")
			}
		})
	}
	for n := range len(good) {
		if _, ok, _, err := DecodeM2PA(good[:n], Options{}); err == nil || ok || !errors.Is(err, ErrTruncated) {
			t.Errorf("cut to %d: hasMSU %v err %v", n, ok, err)
		}
	}
	// Every value of the length field's low octet: no panic, and a
	// decoded user part stays in the input.
	for v := range 256 {
		b := set(good, 7, byte(v))
		if m, ok, _, err := DecodeM2PA(b, Options{}); err == nil && ok && !aliases(b, m.Data) {
			t.Errorf("length %d: user part outside the input", v)
		}
	}
}

func TestM2PAAllocs(t *testing.T) {
	msu := mtp3MSU(t, mtp3.ITU, mtp3.NINational, 0, mtp3.SIISUP, 1, 2, 3, isupMsg(t, isup.ITU, isup.IAM, 9))
	for name, b := range map[string][]byte{
		"user data":   m2paMsg(1, 1, 2, append([]byte{0}, msu...)),
		"link status": m2paMsg(2, 1, 2, []byte{0, 0, 0, 4}),
	} {
		n := testing.AllocsPerRun(200, func() {
			if _, _, _, err := DecodeM2PA(b, Options{}); err != nil {
				t.Fatal(err)
			}
		})
		if n != 0 {
			t.Errorf("%s: %v allocations per decode, want 0", name, n)
		}
	}
}
