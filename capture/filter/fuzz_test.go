package filter

import (
	"testing"
)

// FuzzParse: Parse never panics, and whatever it accepts prints in a
// canonical form that parses back to a filter with the same form and the
// same verdict on every fixture call.
func FuzzParse(f *testing.F) {
	a := fixture()
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			if e != nil {
				t.Fatalf("Parse(%q) returned both a filter and %v", s, err)
			}
			return
		}
		c1 := e.String()
		e2, err := Parse(c1)
		if err != nil {
			t.Fatalf("Parse(%q) ok, but its canonical form %q does not parse: %v", s, c1, err)
		}
		if c2 := e2.String(); c2 != c1 {
			t.Fatalf("canonical form not stable: %q → %q → %q", s, c1, c2)
		}
		for _, c := range a.Calls {
			if e.Match(a, c) != e2.Match(a, c) || e.MatchGroup(a, c) != e2.MatchGroup(a, c) {
				t.Fatalf("%q and its canonical form %q disagree on call %d", s, c1, c.ID)
			}
		}
	})
}
