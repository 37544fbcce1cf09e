package circuit

import (
	"errors"
	"slices"
	"testing"
)

// FuzzParseRanges: any input parses or fails with an *Error naming the
// field; what parses prints in a canonical form that parses back to the
// same ranges; validation of the result never panics.
func FuzzParseRanges(f *testing.F) {
	for _, s := range []string{"1-15,17-31", "16", "", "1-", "15-1", "65536", " 1 - 3 , 5 ", "1,,2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rs, err := ParseRanges(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Field != "CICs" ||
				!(errors.Is(err, ErrSyntax) || errors.Is(err, ErrRange) || errors.Is(err, ErrEmpty)) {
				t.Fatalf("ParseRanges(%q): unexpected error %#v", s, err)
			}
			if rs != nil {
				t.Fatalf("ParseRanges(%q) returned %v with an error", s, rs)
			}
			return
		}
		if len(rs) == 0 || len(rs) > len(s) {
			t.Fatalf("ParseRanges(%q) = %d ranges", s, len(rs))
		}
		for _, r := range rs {
			if r.First > r.Last {
				t.Fatalf("ParseRanges(%q) gave backwards range %v", s, r)
			}
		}
		canon := rs.String()
		again, err := ParseRanges(canon)
		if err != nil || !slices.Equal(again, rs) {
			t.Fatalf("ParseRanges(%q) = %v; its String %q parses to %v, %v", s, rs, canon, again, err)
		}
		if again.String() != canon {
			t.Fatalf("String not canonical: %q then %q", canon, again.String())
		}
		for _, v := range []Variant{ITU, ANSI} {
			if err := rs.Validate(v); err == nil {
				for _, r := range rs {
					if r.Last > v.MaxCIC() {
						t.Fatalf("%v: %v validated for %v", s, r, v)
					}
				}
			}
		}
	})
}
