package circuit

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseRanges(t *testing.T) {
	cases := []struct {
		in   string
		want Ranges
		str  string // canonical String(); "" means in
	}{
		{"1-15,17-31", Ranges{{1, 15}, {17, 31}}, ""},
		{"16", Ranges{{16, 16}}, ""},
		{"0", Ranges{{0, 0}}, ""},
		{"65535", Ranges{{65535, 65535}}, ""},
		{"0-65535", Ranges{{0, 65535}}, ""},
		{"5-5", Ranges{{5, 5}}, "5"},
		{" 1 - 3 , 5 ,\t7-9 ", Ranges{{1, 3}, {5, 5}, {7, 9}}, "1-3,5,7-9"},
		{"01-002", Ranges{{1, 2}}, "1-2"},
		{"17-31,1-15", Ranges{{17, 31}, {1, 15}}, ""}, // order kept as written
		{"1-10,5-20", Ranges{{1, 10}, {5, 20}}, ""},   // overlaps are Validate's business
	}
	for _, c := range cases {
		got, err := ParseRanges(c.in)
		if err != nil {
			t.Errorf("ParseRanges(%q): %v", c.in, err)
			continue
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("ParseRanges(%q) = %v, want %v", c.in, got, c.want)
		}
		str := c.str
		if str == "" {
			str = c.in
		}
		if s := got.String(); s != str {
			t.Errorf("ParseRanges(%q).String() = %q, want %q", c.in, s, str)
		}
	}
}

func TestParseRangesErrors(t *testing.T) {
	cases := []struct {
		in     string
		err    error
		detail string
	}{
		{"", ErrEmpty, "no CIC ranges"},
		{" \t ", ErrEmpty, "no CIC ranges"},
		{"1-", ErrSyntax, "at offset 2 of \"1-\": want a CIC, got end of input"},
		{"-1", ErrSyntax, "at offset 0 of \"-1\": want a CIC, got \"-\""},
		{"1,,2", ErrSyntax, "at offset 2 of \"1,,2\": want a CIC, got \",\""},
		{"1-15,", ErrSyntax, "at offset 5 of \"1-15,\": want a CIC, got end of input"},
		{"a", ErrSyntax, "want a CIC, got \"a\""},
		{"15-1", ErrSyntax, "at offset 0 of \"15-1\": range 15-1 runs backwards"},
		{"3, 20-10", ErrSyntax, "at offset 3 of \"3, 20-10\": range 20-10 runs backwards"},
		{"65536", ErrRange, "at offset 0 of \"65536\": 65536 does not fit in 16 bits"},
		{"1-99999999999999999999", ErrRange, "99999999999999999999 does not fit in 16 bits"},
		{"1-2-3", ErrSyntax, "at offset 3 of \"1-2-3\": unexpected \"-\", want ',' or '-'"},
		{"1 2", ErrSyntax, "at offset 2 of \"1 2\": unexpected \"2\", want ',' or '-'"},
		{"1;2", ErrSyntax, "unexpected \";\""},
		{"1–5", ErrSyntax, "unexpected \"\\xe2\""}, // an en dash is not a dash
	}
	for _, c := range cases {
		got, err := ParseRanges(c.in)
		if err == nil {
			t.Errorf("ParseRanges(%q) = %v, want error %v", c.in, got, c.err)
			continue
		}
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, c.err) || e.Field != "CICs" {
			t.Errorf("ParseRanges(%q) error %#v, want *Error{Field: CICs, Err: %v}", c.in, err, c.err)
			continue
		}
		if !strings.Contains(e.Detail, c.detail) {
			t.Errorf("ParseRanges(%q) detail %q, want it to contain %q", c.in, e.Detail, c.detail)
		}
		if !strings.HasPrefix(err.Error(), "circuit: CICs: ") {
			t.Errorf("ParseRanges(%q) message %q lacks the field", c.in, err)
		}
	}
}

func TestRangesText(t *testing.T) {
	var rs Ranges
	if err := rs.UnmarshalText([]byte("1-15, 17-31")); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rs, Ranges{{1, 15}, {17, 31}}) {
		t.Fatalf("UnmarshalText = %v", rs)
	}
	b, _ := rs.MarshalText()
	if string(b) != "1-15,17-31" {
		t.Errorf("MarshalText = %q", b)
	}
	if err := rs.UnmarshalText([]byte("x")); !errors.Is(err, ErrSyntax) {
		t.Errorf("UnmarshalText(x) = %v, want ErrSyntax", err)
	}
	if !slices.Equal(rs, Ranges{{1, 15}, {17, 31}}) {
		t.Errorf("a failed UnmarshalText changed the value to %v", rs)
	}
}

func TestRangesLenContains(t *testing.T) {
	rs := Ranges{{1, 15}, {17, 31}}
	if rs.Len() != 30 {
		t.Errorf("Len = %d, want 30", rs.Len())
	}
	for _, c := range []struct {
		cic  uint16
		want bool
	}{{0, false}, {1, true}, {15, true}, {16, false}, {17, true}, {31, true}, {32, false}} {
		if got := rs.Contains(c.cic); got != c.want {
			t.Errorf("Contains(%d) = %v, want %v", c.cic, got, c.want)
		}
	}
	if (Range{5, 4}).Len() != 0 || (Range{7, 7}).Len() != 1 || (Range{0, 65535}).Len() != 65536 {
		t.Errorf("Range.Len wrong")
	}
	if (Range{7, 7}).String() != "7" || (Range{7, 9}).String() != "7-9" {
		t.Errorf("Range.String wrong")
	}
}

// errList flattens an error from Validate or NewGroup into its *Errors.
func errList(t *testing.T, err error) []*Error {
	t.Helper()
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("error %v (%T) is not an *Error", err, err)
		}
		out = append(out, e)
	}
	if err != nil {
		walk(err)
	}
	return out
}

func TestRangesValidate(t *testing.T) {
	type want struct {
		err    error
		detail string
	}
	cases := []struct {
		name string
		v    Variant
		rs   Ranges
		want []want
	}{
		{"E1 without TS16", ITU, Ranges{{1, 15}, {17, 31}}, nil},
		{"ITU top", ITU, Ranges{{4064, 4095}}, nil},
		{"ANSI top", ANSI, Ranges{{16360, 16383}}, nil},
		{"CIC 0", ITU, Ranges{{0, 0}}, nil},
		{"empty", ITU, nil, []want{{ErrEmpty, "at least one CIC"}}},
		{"ITU width", ITU, Ranges{{4090, 4096}}, []want{{ErrRange, "range 4090-4096: CIC 4096 exceeds the 12-bit ITU-T CIC (max 4095)"}}},
		{"ANSI width", ANSI, Ranges{{16384, 16384}}, []want{{ErrRange, "range 16384: CIC 16384 exceeds the 14-bit ANSI CIC (max 16383)"}}},
		{"ANSI fits where ITU does not", ANSI, Ranges{{4096, 8191}}, nil},
		{"backwards", ITU, Ranges{{9, 3}}, []want{{ErrSyntax, "range 9-3 runs backwards"}}},
		{"overlap", ITU, Ranges{{1, 15}, {10, 20}}, []want{{ErrOverlap, "1-15 and 10-20 share 10-15"}}},
		{"overlap unsorted", ITU, Ranges{{10, 20}, {1, 15}}, []want{{ErrOverlap, "1-15 and 10-20 share 10-15"}}},
		{"same CIC twice", ITU, Ranges{{7, 7}, {7, 7}}, []want{{ErrOverlap, "7 and 7 share 7"}}},
		{"inside a wide range", ITU, Ranges{{1, 100}, {5, 10}, {20, 30}}, []want{
			{ErrOverlap, "1-100 and 5-10 share 5-10"}, {ErrOverlap, "1-100 and 20-30 share 20-30"}}},
		{"touching is fine", ITU, Ranges{{1, 15}, {16, 16}, {17, 31}}, nil},
		{"everything wrong", ITU, Ranges{{5000, 5001}, {3, 1}, {10, 12}, {12, 14}}, []want{
			{ErrRange, "5000-5001"}, {ErrSyntax, "3-1 runs backwards"}, {ErrOverlap, "10-12 and 12-14 share 12"}}},
	}
	for _, c := range cases {
		errs := errList(t, c.rs.Validate(c.v))
		if len(errs) != len(c.want) {
			t.Errorf("%s: Validate = %v, want %d errors", c.name, errs, len(c.want))
			continue
		}
		for i, w := range c.want {
			if !errors.Is(errs[i], w.err) || errs[i].Field != "CICs" || !strings.Contains(errs[i].Detail, w.detail) {
				t.Errorf("%s: error %d = %v, want %v containing %q", c.name, i, errs[i], w.err, w.detail)
			}
		}
	}
}
