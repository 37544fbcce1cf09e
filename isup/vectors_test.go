package isup

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	s = strings.NewReplacer(" ", "", "\n", "", "\t", "", ":", "").Replace(s)
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// Vectors from independent implementations and real traces (facts only;
// see INDEX.md in ../shared/captures for where each comes from).
var realVectors = []struct {
	name    string
	variant Variant
	hex     string
	typ     MessageType
	cic     uint16
	params  []ParamCode
}{
	{"jss7 IAM", ITU, "0c0b01 10 2001 0a 00 02 0a 08 0410970000 0000f0 0a08841197000000 0000 0b07 031009000000 00 1302 0332 2807 031009000000 00 1d03 8090a3 3102 005a 3402 9181 6f08 84140700000000 00 00",
		IAM, 0x0b0c, []ParamCode{0x06, 0x07, 0x09, 0x02, 0x04, 0x0a, 0x0b, 0x13, 0x28, 0x1d, 0x31, 0x34, 0x6f}},
	{"jss7 IAM real trace", ITU, "7300 01 11 6000 0a 03 02 09 07 8390797045 2609 0a07 8313596385 9600 3f07 8317175020 0300 0313 2811424552544841 4c494e204a61637175 6573 00",
		IAM, 115, []ParamCode{0x06, 0x07, 0x09, 0x02, 0x04, 0x0a, 0x3f, 0x03}},
	{"jss7 ACM", ITU, "0c0b 06 0120 01 2901 01 1202 829c 00", ACM, 0x0b0c, []ParamCode{0x11, 0x29, 0x12}},
	{"jss7 ANM", ITU, "0c0b 09 01 0105 01 01 01 de 01 3307 01020304050607 00", ANM, 0x0b0c, nil},
	{"jss7 REL", ITU, "0c0b 0c 02 00 02 839f", REL, 0x0b0c, []ParamCode{0x12}},
	{"jss7 RLC", ITU, "0c0b 10 00", RLC, 0x0b0c, nil},
	{"jss7 CPG", ITU, "0c0b 2c 02 01 1102 a69d 3501 03 2105 01 43 83 60 38 00", CPG, 0x0b0c, []ParamCode{0x24, 0x11, 0x35, 0x21}},
	{"osmo GRS", ITU, "01 00 17 01 01 0e", GRS, 1, []ParamCode{0x16}},
	{"osmo IAM", ITU, "0900 01 10 4800 0a 03 02 0a 08 8310299924 0080 0f 0a 08 03 1394034230 9320 f2 15 36190800 0015ffffffffffffffffffff1d4538cb20 00",
		IAM, 9, []ParamCode{0x06, 0x07, 0x09, 0x02, 0x04, 0x0a, 0xf2}},
}

func TestRealVectorsRoundTrip(t *testing.T) {
	for _, tc := range realVectors {
		t.Run(tc.name, func(t *testing.T) {
			b := unhex(t, tc.hex)
			var m Message
			if err := m.Decode(b, tc.variant); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if m.Type != tc.typ || m.CIC != tc.cic {
				t.Fatalf("got %v CIC %d, want %v CIC %d", m.Type, m.CIC, tc.typ, tc.cic)
			}
			if m.NonCanonical {
				t.Errorf("real vector flagged non-canonical")
			}
			if tc.params != nil {
				var got []ParamCode
				for _, p := range m.Params {
					got = append(got, p.Code)
				}
				if !equalCodes(got, tc.params) {
					t.Errorf("params %x, want %x", got, tc.params)
				}
			}
			out, err := m.Append(nil)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			if !bytes.Equal(out, b) {
				t.Fatalf("round trip differs\n got %x\nwant %x", out, b)
			}
			if n := m.MarshalLen(); n != len(b) {
				t.Errorf("MarshalLen %d, want %d", n, len(b))
			}
		})
	}
}

func equalCodes(a, b []ParamCode) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDecodeErrorsSayWhere(t *testing.T) {
	cases := []struct {
		name   string
		hex    string
		sent   error
		param  ParamCode
		hasPar bool
		offset int
	}{
		{"empty", "", ErrTruncated, 0, false, 0},
		{"no type", "0100", ErrTruncated, 0, false, 2},
		{"IAM fixed truncated", "0100 01 10 20", ErrTruncated, ParamForwardCallIndicators, true, 4},
		{"REL pointer past end", "0100 0c 09 00", ErrPointer, ParamCauseIndicators, true, 3},
		{"REL zero pointer", "0100 0c 00 00", ErrPointer, ParamCauseIndicators, true, 3},
		{"REL length past end", "0100 0c 02 00 05 8390", ErrLength, ParamCauseIndicators, true, 5},
		{"ANM optional without end", "0100 09 01 2901 01", ErrMissingEnd, 0, false, 7},
		{"ANM optional length past end", "0100 09 01 2905 01", ErrLength, ParamOptionalBackwardCallIndicators, true, 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var m Message
			err := m.Decode(unhex(t, tc.hex), ITU)
			if !errors.Is(err, tc.sent) {
				t.Fatalf("error %v, want %v", err, tc.sent)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error", err)
			}
			if e.HasParam != tc.hasPar || (tc.hasPar && e.Param != tc.param) || e.Offset != tc.offset {
				t.Fatalf("error %v: param %v/%v offset %d, want %v/%v %d", err, e.Param, e.HasParam, e.Offset, tc.param, tc.hasPar, tc.offset)
			}
		})
	}
}

func TestUnknownTypeKeepsBytes(t *testing.T) {
	b := unhex(t, "0500 7a 01 02 03")
	var m Message
	if err := m.Decode(b, ITU); err != nil {
		t.Fatal(err)
	}
	if m.Type != 0x7a || !bytes.Equal(m.Body, []byte{1, 2, 3}) {
		t.Fatalf("got %v body %x", m.Type, m.Body)
	}
	out, _ := m.Append(nil)
	if !bytes.Equal(out, b) {
		t.Fatalf("round trip %x, want %x", out, b)
	}
}

func TestCICSpareBitsKept(t *testing.T) {
	b := unhex(t, "ff ff 09 00")
	var m Message
	if err := m.Decode(b, ITU); err != nil {
		t.Fatal(err)
	}
	if m.CIC != 0x0fff || m.CICSpare != 0xf0 {
		t.Fatalf("CIC %x spare %x", m.CIC, m.CICSpare)
	}
	if err := m.Decode(b, ANSI); err != nil {
		t.Fatal(err)
	}
	if m.CIC != 0x3fff || m.CICSpare != 0xc0 {
		t.Fatalf("ANSI CIC %x spare %x", m.CIC, m.CICSpare)
	}
	out, _ := m.Append(nil)
	if !bytes.Equal(out, b) {
		t.Fatalf("round trip %x", out)
	}
}

func TestMissingOptionalPointerAccepted(t *testing.T) {
	var m Message
	if err := m.Decode(unhex(t, "0100 10"), ITU); err != nil {
		t.Fatalf("RLC without optional pointer: %v", err)
	}
	if !m.NonCanonical {
		t.Fatal("not flagged non-canonical")
	}
	out, _ := m.Append(nil)
	if want := unhex(t, "0100 10 00"); !bytes.Equal(out, want) {
		t.Fatalf("re-encoded %x, want %x", out, want)
	}
	if err := m.Decode(unhex(t, "0100 10"), ANSI); err != nil || m.NonCanonical {
		t.Fatalf("ANSI RLC has no optional part: err %v noncanonical %v", err, m.NonCanonical)
	}
}
