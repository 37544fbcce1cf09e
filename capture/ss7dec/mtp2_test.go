package ss7dec

import (
	"bytes"
	"errors"
	"testing"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

func TestMTP2(t *testing.T) {
	iam := isupMsg(t, isup.ITU, isup.IAM, 213)
	msu := mtp3MSU(t, mtp3.ITU, mtp3.NINational, 0, mtp3.SIISUP, 11522, 12163, 5, iam)
	long := mtp3MSU(t, mtp3.ITU, mtp3.NINational, 0, mtp3.SIISUP, 1, 2, 3, bytes.Repeat([]byte{0xaa}, 200))
	short := mtp3MSU(t, mtp3.ITU, mtp3.NINational, 0, mtp3.SISNM, 1, 2, 3, []byte{0x17})
	ansi := mtp3MSU(t, mtp3.ANSI, mtp3.NINational, 2, mtp3.SIISUP, 0x010203, 0x040506, 99, iam)
	phdr := func(sent, annexA byte, link uint16, su []byte) []byte {
		return append([]byte{sent, annexA, byte(link >> 8), byte(link)}, su...)
	}
	tests := []struct {
		name string
		opt  Options
		b    []byte
		info MTP2Info
		msu  []byte // the MTP3 part expected, nil for none
	}{
		{"FISU", Options{}, mtp2SU(5, true, 6, false, 0, nil),
			MTP2Info{Type: SUFISU, BSN: 5, BIB: true, FSN: 6, FIB: false}, nil},
		{"MSU", Options{}, mtp2SU(127, true, 0, true, uint8(len(msu)), msu),
			MTP2Info{Type: SUMSU, BSN: 127, BIB: true, FSN: 0, FIB: true, LI: uint16(len(msu))}, msu},
		{"shortest MSU (LI 6)", Options{}, mtp2SU(1, false, 2, false, 6, short),
			MTP2Info{Type: SUMSU, BSN: 1, FSN: 2, LI: 6}, short},
		{"MSU of 63 octets", Options{}, mtp2SU(1, false, 2, false, 63, long[:63]),
			MTP2Info{Type: SUMSU, BSN: 1, FSN: 2, LI: 63}, long[:63]},
		{"long MSU, LI saturated at 63", Options{}, mtp2SU(1, false, 2, false, 63, long),
			MTP2Info{Type: SUMSU, BSN: 1, FSN: 2, LI: 63}, long},
		{"spare bits above LI ignored", Options{}, mtp2SU(1, false, 2, false, 0xc0|uint8(len(msu)), msu),
			MTP2Info{Type: SUMSU, BSN: 1, FSN: 2, LI: uint16(len(msu))}, msu},
		{"ANSI MSU", Options{Format: mtp3.ANSI}, mtp2SU(3, false, 4, true, uint8(len(ansi)), ansi),
			MTP2Info{Type: SUMSU, BSN: 3, FSN: 4, FIB: true, LI: uint16(len(ansi))}, ansi},
		{"pseudo-header, basic", Options{PseudoHeader: true}, phdr(1, 0, 0x0102, mtp2SU(9, false, 10, false, uint8(len(msu)), msu)),
			MTP2Info{Type: SUMSU, BSN: 9, FSN: 10, LI: uint16(len(msu)), PseudoHeader: true, Sent: true, LinkNumber: 0x0102}, msu},
		{"pseudo-header says Annex A", Options{PseudoHeader: true}, phdr(0, 1, 7, mtp2ExtSU(4000, true, 4095, false, uint16(len(long)), long)),
			MTP2Info{Type: SUMSU, BSN: 4000, BIB: true, FSN: 4095, LI: uint16(len(long)), Extended: true, PseudoHeader: true, LinkNumber: 7}, long},
		{"pseudo-header says basic over the option", Options{PseudoHeader: true, AnnexA: true}, phdr(0, 0, 7, mtp2SU(9, false, 10, false, 0, nil)),
			MTP2Info{Type: SUFISU, BSN: 9, FSN: 10, PseudoHeader: true, LinkNumber: 7}, nil},
		{"pseudo-header unknown: option decides", Options{PseudoHeader: true, AnnexA: true}, phdr(0, 2, 0, mtp2ExtSU(1, false, 2, true, 0, nil)),
			MTP2Info{Type: SUFISU, BSN: 1, FSN: 2, FIB: true, Extended: true, PseudoHeader: true}, nil},
		{"Annex A without pseudo-header", Options{AnnexA: true}, mtp2ExtSU(300, false, 301, true, 1, []byte{byte(LSSUSIPO)}),
			MTP2Info{Type: SULSSU, BSN: 300, FSN: 301, FIB: true, LI: 1, Status: LSSUSIPO, Extended: true}, nil},
		{"Annex A spare bits ignored", Options{AnnexA: true}, []byte{0x01, 0x70, 0x02, 0x70, byte(len(msu)), 0xfe},
			MTP2Info{Type: SUMSU, BSN: 1, FSN: 2, LI: uint16(len(msu)), Extended: true}, nil},
	}
	// The last case needs its MSU appended after the header.
	tests[len(tests)-1].b = append(tests[len(tests)-1].b, msu...)
	tests[len(tests)-1].msu = msu
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok, info, err := DecodeMTP2(tc.b, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if info != tc.info {
				t.Errorf("info %+v\nwant %+v", info, tc.info)
			}
			if ok != (tc.msu != nil) {
				t.Fatalf("hasMSU %v", ok)
			}
			if ok {
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
			}
		})
	}
}

func TestMTP2LSSU(t *testing.T) {
	names := []string{"SIO", "SIN", "SIE", "SIOS", "SIPO", "SIB", "SF(6)", "SF(7)"}
	for st := range 8 {
		for _, li := range []uint8{1, 2} {
			rest := []byte{byte(st) | 0xf8, 0x55}[:li] // high bits are spare
			_, ok, info, err := DecodeMTP2(mtp2SU(1, true, 2, true, li, rest), Options{})
			if err != nil || ok {
				t.Fatalf("status %d LI %d: hasMSU %v err %v", st, li, ok, err)
			}
			if info.Type != SULSSU || info.LI != uint16(li) || info.Status != LSSUStatus(st) || info.Status.String() != names[st] {
				t.Errorf("status %d LI %d: %+v %s", st, li, info, info.Status)
			}
		}
	}
	for ty, name := range map[SUType]string{SUFISU: "FISU", SULSSU: "LSSU", SUMSU: "MSU", 0: "SU(0)"} {
		if ty.String() != name {
			t.Errorf("%d: %s, want %s", ty, ty, name)
		}
	}
}

// TestMTP2LIMismatch: a length indicator that disagrees with the frame is
// reported with ErrLIMismatch and the signal unit still decoded.
func TestMTP2LIMismatch(t *testing.T) {
	msu := mtp3MSU(t, mtp3.ITU, mtp3.NINational, 0, mtp3.SIISUP, 1, 2, 3, isupMsg(t, isup.ITU, isup.RLC, 9))
	n := len(msu)
	rep := bytes.Repeat(msu, 10) // one MSU whose user part runs on
	tests := []struct {
		name   string
		b      []byte
		opt    Options
		ty     SUType
		data   []byte // expected MSU user part, nil for none
		off    int
		detail string
	}{
		{"FCS kept after an MSU", mtp2SU(1, false, 1, false, uint8(n), append(bytes.Clone(msu), 0x12, 0x34)), Options{}, SUMSU, msu[5:], 2, "FCS"},
		{"LI shorter than the MSU", mtp2SU(1, false, 1, false, uint8(n-1), msu), Options{}, SUMSU, msu[5 : n-1], 2, "LI " + itoa(n-1) + ", " + itoa(n) + " octets follow"},
		{"LI longer than the MSU", mtp2SU(1, false, 1, false, uint8(n+3), msu), Options{}, SUMSU, msu[5:], 2, "octets follow"},
		{"LI 63 on a short MSU", mtp2SU(1, false, 1, false, 63, msu), Options{}, SUMSU, msu[5:], 2, "LI 63"},
		{"FISU with octets", mtp2SU(1, false, 1, false, 0, []byte{1, 2}), Options{}, SUFISU, nil, 2, "LI 0, 2 octets follow"},
		{"LSSU LI 2 with one octet", mtp2SU(1, false, 1, false, 2, []byte{3}), Options{}, SULSSU, nil, 2, "LI 2, 1 octets"},
		{"Annex A LI does not saturate", mtp2ExtSU(1, false, 1, false, 63, rep), Options{AnnexA: true}, SUMSU, rep[5:63], 4, "LI 63, " + itoa(len(rep))},
		{"pseudo-header offsets", append([]byte{0, 0, 0, 1}, mtp2SU(1, false, 1, false, 0, []byte{1})...), Options{PseudoHeader: true}, SUFISU, nil, 6, "LI 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok, info, err := DecodeMTP2(tc.b, tc.opt)
			wantErr(t, err, "mtp2", tc.off, ErrLIMismatch, tc.detail)
			if info.Type != tc.ty {
				t.Errorf("type %v, want %v", info.Type, tc.ty)
			}
			if ok != (tc.data != nil) {
				t.Fatalf("hasMSU %v", ok)
			}
			if ok && !bytes.Equal(got.Data, tc.data) {
				t.Errorf("user part %x\nwant %x", got.Data, tc.data)
			}
		})
	}
}

func TestMTP2Errors(t *testing.T) {
	msu := mtp3MSU(t, mtp3.ITU, mtp3.NINational, 0, mtp3.SIISUP, 1, 2, 3, []byte{1, 0, 0x10, 0})
	tests := []struct {
		name   string
		b      []byte
		opt    Options
		layer  string
		off    int
		cause  error
		detail string
	}{
		{"empty", nil, Options{}, "mtp2", 0, ErrTruncated, "needs 3"},
		{"two octets", []byte{1, 2}, Options{}, "mtp2", 2, ErrTruncated, "have 2"},
		{"Annex A header cut", []byte{1, 2, 3, 4, 5}, Options{AnnexA: true}, "mtp2", 5, ErrTruncated, "needs 6"},
		{"pseudo-header cut", []byte{0, 1, 0}, Options{PseudoHeader: true}, "mtp2", 3, ErrTruncated, "pseudo-header"},
		{"header cut after pseudo-header", []byte{0, 0, 0, 1, 5}, Options{PseudoHeader: true}, "mtp2", 5, ErrTruncated, "have 1"},
		{"LSSU without status", mtp2SU(1, false, 1, false, 1, nil), Options{}, "mtp2", 3, ErrTruncated, "status field"},
		{"MSU label cut", mtp2SU(1, false, 1, false, 3, msu[:3]), Options{}, "mtp3", 6, ErrTruncated, "routing label"},
		{"ANSI label cut", mtp2SU(1, false, 1, false, 7, msu[:7]), Options{Format: mtp3.ANSI}, "mtp3", 3 + 7, ErrTruncated, "ANSI routing label"},
		{"Japan", mtp2SU(1, false, 1, false, 0, nil), Options{Format: mtp3.Japan}, "mtp2", 0, ErrFormat, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, ok, _, err := DecodeMTP2(tc.b, tc.opt)
			wantErr(t, err, tc.layer, tc.off, tc.cause, tc.detail)
			if ok {
				t.Error("hasMSU on error")
			}
		})
	}
	// Every cut of a pseudo-header MSU fails without panicking.
	full := append([]byte{1, 0, 0, 9}, mtp2SU(1, false, 1, false, uint8(len(msu)), msu)...)
	for n := range len(full) {
		_, ok, _, err := DecodeMTP2(full[:n], Options{PseudoHeader: true})
		if err == nil || ok && !errors.Is(err, ErrLIMismatch) {
			t.Errorf("cut to %d: hasMSU %v err %v", n, ok, err)
		}
	}
}

func TestMTP2Allocs(t *testing.T) {
	msu := mtp3MSU(t, mtp3.ITU, mtp3.NINational, 0, mtp3.SIISUP, 1, 2, 3, isupMsg(t, isup.ITU, isup.IAM, 9))
	for name, tc := range map[string]struct {
		b   []byte
		opt Options
	}{
		"basic":         {mtp2SU(1, true, 2, true, uint8(len(msu)), msu), Options{}},
		"pseudo-header": {append([]byte{0, 0, 0, 1}, mtp2SU(1, true, 2, true, uint8(len(msu)), msu)...), Options{PseudoHeader: true}},
		"Annex A":       {mtp2ExtSU(1, true, 2, true, uint16(len(msu)), msu), Options{AnnexA: true}},
		"LSSU":          {mtp2SU(1, true, 2, true, 1, []byte{3}), Options{}},
	} {
		n := testing.AllocsPerRun(200, func() {
			if _, _, _, err := DecodeMTP2(tc.b, tc.opt); err != nil {
				t.Fatal(err)
			}
		})
		if n != 0 {
			t.Errorf("%s: %v allocations per decode, want 0", name, n)
		}
	}
}
