package su

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/sipgw/sipgw/capture/ss7dec"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Vectors: the first units libss7 2.0 wrote on a seqpacket socket when a
// peer answered its SIO with SIE (read raw off the socket, check-bit
// octets dropped): its SIO, SIE, the FISU after proving, its first SLTM
// (DPC 1057, OPC 1058, SLS 0, pattern "2564286288") and the FISU after
// it; then hand-made edge cases.
var vectors = []struct {
	name string
	hex  string
	want SU
}{
	{"libss7 SIO", "ff ff 01 00", SU{BSN: 127, BIB: true, FSN: 127, FIB: true, LI: 1, Kind: LSSU, Status: SIO}},
	{"libss7 SIE", "ff ff 01 02", SU{BSN: 127, BIB: true, FSN: 127, FIB: true, LI: 1, Kind: LSSU, Status: SIE, StatusField: 2}},
	{"libss7 FISU", "ff ff 00", SU{BSN: 127, BIB: true, FSN: 127, FIB: true, Kind: FISU}},
	{"libss7 SLTM", "ff 80 11 81 21 84 08 01 11 a0 32 35 36 34 32 38 36 32 38 38",
		SU{BSN: 127, BIB: true, FSN: 0, FIB: true, LI: 17, Kind: MSU}},
	{"libss7 FISU after SLTM", "ff 80 00", SU{BSN: 127, BIB: true, FSN: 0, FIB: true, Kind: FISU}},
	{"SIOS", "ff ff 01 03", SU{BSN: 127, BIB: true, FSN: 127, FIB: true, LI: 1, Kind: LSSU, Status: SIOS, StatusField: 3}},
	{"FISU zeros", "00 00 00", SU{Kind: FISU}},
	{"LSSU two octets, spare bits kept", "05 86 c2 fa 77", SU{BSN: 5, FSN: 6, FIB: true, LI: 2, Spare: 3, Kind: LSSU, Status: SIE, StatusField: 0xfa, TwoOctetSF: true, Status2: 0x77}},
	{"MSU LI 62", "01 02 3e" + strings.Repeat("05", 62), SU{BSN: 1, FSN: 2, LI: 62, Kind: MSU}},
	{"MSU LI 63 for 63", "01 02 3f" + strings.Repeat("05", 63), SU{BSN: 1, FSN: 2, LI: 63, Kind: MSU}},
	{"MSU LI 63 for 273", "01 02 3f" + strings.Repeat("85", 273), SU{BSN: 1, FSN: 2, LI: 63, Kind: MSU}},
}

func TestVectors(t *testing.T) {
	for _, tc := range vectors {
		t.Run(tc.name, func(t *testing.T) {
			b := unhex(t, tc.hex)
			var u SU
			if err := u.Decode(b); err != nil {
				t.Fatal(err)
			}
			want := tc.want
			if want.Kind == MSU {
				want.Payload = b[HeaderLen:]
			}
			if u.String() != want.String() || u.LI != want.LI || u.Spare != want.Spare || u.StatusField != want.StatusField ||
				u.Status2 != want.Status2 || u.TwoOctetSF != want.TwoOctetSF || !bytes.Equal(u.Payload, want.Payload) {
				t.Fatalf("decoded %+v\nwant %+v", u, want)
			}
			if err := u.Validate(); err != nil {
				t.Fatal(err)
			}
			if u.Len() != len(b) {
				t.Errorf("Len %d, want %d", u.Len(), len(b))
			}
			if out := u.Append(nil); !bytes.Equal(out, b) {
				t.Errorf("re-encoded %x, want %x", out, b)
			}
			// The analyzer's independent decoder reads the same fields.
			_, _, info, err := ss7dec.DecodeMTP2(b, ss7dec.Options{})
			if err != nil && !errors.Is(err, ss7dec.ErrLIMismatch) {
				t.Fatalf("ss7dec: %v", err)
			}
			if uint8(info.BSN) != u.BSN || info.BIB != u.BIB || uint8(info.FSN) != u.FSN || info.FIB != u.FIB || uint8(info.LI) != u.LI ||
				int(info.Type)-1 != int(u.Kind) || (u.Kind == LSSU && uint8(info.Status) != uint8(u.Status)) {
				t.Errorf("ss7dec reads %+v", info)
			}
		})
	}
}

func TestAppendHelpers(t *testing.T) {
	if got := AppendFISU(nil, 127, true, 127, true); !bytes.Equal(got, unhex(t, "ffff00")) {
		t.Errorf("FISU %x", got)
	}
	if got := AppendLSSU(nil, 127, true, 127, true, SIN); !bytes.Equal(got, unhex(t, "ffff0101")) {
		t.Errorf("SIN %x", got)
	}
	long := bytes.Repeat([]byte{0x85}, 100)
	got := AppendMSU(nil, 3, false, 4, true, long)
	if got[2] != 63 || !bytes.Equal(got[3:], long) || got[1] != 0x84 {
		t.Errorf("long MSU header %x", got[:3])
	}
	SetBackward(got, 9, true)
	SetFIB(got, false)
	var u SU
	if err := u.Decode(got); err != nil || u.BSN != 9 || !u.BIB || u.FIB || u.FSN != 4 {
		t.Errorf("after SetBackward/SetFIB: %v %v", u, err)
	}
	// An LSSU whose status field does not carry Status is written from Status.
	l := SU{Kind: LSSU, Status: SIPO, StatusField: 0xf1}
	if got := l.Append(nil); got[3] != 4 {
		t.Errorf("status field %x", got[3])
	}
}

func TestDecodeErrors(t *testing.T) {
	cases := []struct {
		name, hex string
		err       error
		offset    int
		text      string
	}{
		{"empty", "", ErrTruncated, 0, "at least 3 octets, have 0"},
		{"two octets", "ffff", ErrTruncated, 2, "have 2"},
		{"FISU with data", "ffff00 01", ErrLength, 2, "FISU (LI 0) followed by 1 octets"},
		{"LSSU without status", "ffff01", ErrLength, 2, "LSSU with LI 1 followed by 0"},
		{"LSSU LI 1 with two", "ffff01 0102", ErrLength, 2, "LI 1 followed by 2"},
		{"MSU short", "ffff05 0102", ErrLength, 2, "MSU with LI 5 followed by 2"},
		{"MSU LI 63 short", "ffff3f" + strings.Repeat("00", 62), ErrLength, 2, "LI 63 followed by 62"},
		{"too long", "ffff3f" + strings.Repeat("00", 274), ErrTooLong, MaxLen, "277 octets, at most 276"},
	}
	for _, tc := range cases {
		var u SU
		err := u.Decode(unhex(t, tc.hex))
		var e *Error
		if !errors.Is(err, tc.err) || !errors.As(err, &e) || e.Offset != tc.offset || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%s: %v, want %v at %d saying %q", tc.name, err, tc.err, tc.offset, tc.text)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		u   SU
		err error
	}{
		{SU{Kind: MSU, Payload: []byte{5, 1}}, ErrLength},
		{SU{Kind: MSU, Payload: make([]byte, MaxPayload+1)}, ErrTooLong},
		{SU{FSN: 128}, ErrTooLong},
		{SU{Kind: 7}, ErrLength},
		{SU{Kind: MSU, Payload: make([]byte, MaxPayload)}, nil},
	} {
		if err := tc.u.Validate(); !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
			t.Errorf("%v: %v, want %v", tc.u, err, tc.err)
		}
	}
}

func TestFCS(t *testing.T) {
	// The check value of this CRC (CRC-16/X-25, the HDLC FCS) over the
	// ASCII digits 1 to 9 is 0x906e.
	if f := FCS([]byte("123456789")); f != 0x906e {
		t.Fatalf("FCS(123456789) = %#04x, want 0x906e", f)
	}
	// RFC 1662 Appendix C: a frame with its FCS appended low octet
	// first checks to the good residue; any single flipped bit does not.
	frame := AppendFCS(unhex(t, "ff ff 01 01"), 0)
	if !CheckFCS(frame) {
		t.Fatalf("frame %x does not check", frame)
	}
	for i := range len(frame) * 8 {
		bad := bytes.Clone(frame)
		bad[i/8] ^= 1 << (i % 8)
		if CheckFCS(bad) {
			t.Fatalf("bit %d flipped still checks", i)
		}
	}
	if CheckFCS([]byte{1}) {
		t.Error("one octet checks")
	}
	// AppendFCS covers only what follows start.
	b := AppendFCS([]byte{0xaa, 0xbb, 1, 2, 3}, 2)
	if !CheckFCS(b[2:]) {
		t.Error("offset start")
	}
}

func TestStrings(t *testing.T) {
	for s, want := range map[Status]string{SIO: "SIO", SIN: "SIN", SIE: "SIE", SIOS: "SIOS", SIPO: "SIPO", SIB: "SIB", 6: "Status(6)"} {
		if s.String() != want {
			t.Errorf("%d: %q", s, s.String())
		}
	}
	for k, want := range map[Kind]string{FISU: "FISU", LSSU: "LSSU", MSU: "MSU", 9: "Kind(9)"} {
		if k.String() != want {
			t.Errorf("%d: %q", k, k.String())
		}
	}
	if s := (SU{Kind: MSU, BSN: 1, FSN: 2, FIB: true, Payload: []byte{1, 2, 3}}).String(); s != "MSU BSN=1 BIB=0 FSN=2 FIB=1 len=3" {
		t.Error(s)
	}
}

func TestAllocs(t *testing.T) {
	b := unhex(t, vectors[3].hex)
	var u SU
	buf := make([]byte, 0, MaxLen+FCSLen)
	n := testing.AllocsPerRun(100, func() {
		if u.Decode(b) != nil {
			t.Fatal("decode")
		}
		buf = u.Append(buf[:0])
		buf = AppendFCS(buf, 0)
	})
	if n != 0 {
		t.Errorf("%v allocations", n)
	}
}

// FuzzDecode: decoding never panics, and what decodes re-encodes to the
// same octets and checks once its FCS is appended.
func FuzzDecode(f *testing.F) {
	for _, tc := range vectors {
		f.Add(unhex(f, tc.hex))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var u SU
		if err := u.Decode(b); err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not *Error", err)
			}
			return
		}
		if err := u.Validate(); err != nil {
			t.Fatalf("decoded unit does not validate: %v", err)
		}
		out := u.Append(nil)
		if !bytes.Equal(out, b) {
			t.Fatalf("round trip %x → %x", b, out)
		}
		if !CheckFCS(AppendFCS(out, 0)) {
			t.Fatal("FCS does not check")
		}
	})
}

func BenchmarkDecodeMSU(b *testing.B) {
	in := unhex(b, vectors[3].hex)
	var u SU
	b.ReportAllocs()
	for b.Loop() {
		if err := u.Decode(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFCS(b *testing.B) {
	in := bytes.Repeat([]byte{0x85}, 60)
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		FCS(in)
	}
}
