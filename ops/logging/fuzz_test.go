package logging

import "testing"

// FuzzMaskDigits: masking keeps the length and every non-digit byte, and
// leaves no run of five digits unmasked beyond the kept ones.
func FuzzMaskDigits(f *testing.F) {
	for _, s := range []string{"sip:+4930123456@192.0.2.1:5060", "", "12345", "1234", "tel:+1-212-555-0100", "\xff99999"} {
		f.Add(s, 2)
	}
	f.Fuzz(func(t *testing.T, s string, keep int) {
		if keep < 0 || keep > 20 {
			return
		}
		m := MaskDigits(s, keep)
		if len(m) != len(s) {
			t.Fatalf("length %d → %d", len(s), len(m))
		}
		run := 0
		for i := 0; i < len(s); i++ {
			isDigit := s[i] >= '0' && s[i] <= '9'
			if !isDigit && m[i] != s[i] {
				t.Fatalf("byte %d changed: %q → %q", i, s, m)
			}
			if m[i] >= '0' && m[i] <= '9' {
				run++
				if run > max(keep, 4) {
					t.Fatalf("%d visible digits in a row: %q → %q", run, s, m)
				}
			} else {
				run = 0
			}
		}
	})
}
