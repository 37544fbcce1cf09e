package isup

import (
	"bytes"
	"testing"
)

// TestSkeleton: every message type with a layout whose variable
// parameters Skeleton knows encodes, decodes back to the same octets and
// carries each mandatory parameter; the circuit group messages (range and
// status) and raw-bodied types give nil.
func TestSkeleton(t *testing.T) {
	for _, v := range []Variant{ITU, ANSI} {
		n := 0
		for _, typ := range MessageTypes(v) {
			m := Skeleton(v, typ, 77)
			l := LayoutOf(v, typ)
			if l == nil {
				if m != nil {
					t.Errorf("%v %v: raw-bodied type built", v, typ)
				}
				continue
			}
			needsRange := false
			for _, c := range l.Variable {
				needsRange = needsRange || c == ParamRangeAndStatus || c == ParamCircuitStateIndicator
			}
			if needsRange {
				if m != nil {
					t.Errorf("%v %v: built without a range and status form", v, typ)
				}
				continue
			}
			if m == nil {
				t.Errorf("%v %v: nil", v, typ)
				continue
			}
			n++
			b, err := m.Append(nil)
			if err != nil {
				t.Errorf("%v %v: encode: %v", v, typ, err)
				continue
			}
			var d Message
			if err := d.Decode(b, v); err != nil {
				t.Errorf("%v %v: decode % x: %v", v, typ, b, err)
				continue
			}
			if d.CIC != 77 || d.Type != typ {
				t.Errorf("%v %v: decoded CIC %d type %v", v, typ, d.CIC, d.Type)
			}
			for _, f := range l.Fixed {
				if p, ok := d.Param(f.Code); !ok || len(p) != f.Len {
					t.Errorf("%v %v: fixed %v % x", v, typ, f.Code, p)
				}
			}
			for _, c := range l.Variable {
				if !d.Has(c) {
					t.Errorf("%v %v: no %v", v, typ, c)
				}
			}
			b2, _ := d.Append(nil)
			if !bytes.Equal(b, b2) {
				t.Errorf("%v %v: re-encoded % x, want % x", v, typ, b2, b)
			}
		}
		if n < 20 {
			t.Errorf("%v: only %d types built", v, n)
		}
	}
}

func TestSuspendResumeAndUSR(t *testing.T) {
	for _, tc := range []struct {
		m    *Message
		want []byte // after the CIC
	}{
		{NewSuspendResume(ITU, SUS, 5, SuspendNetworkInitiated), []byte{0x0d, 0x01, 0x00}},
		{NewSuspendResume(ITU, RES, 5, SuspendISDNSubscriberInitiated), []byte{0x0e, 0x00, 0x00}},
		{NewUSR(ITU, 5, []byte{0x04, 'h', 'i'}), []byte{0x2d, 0x02, 0x00, 0x03, 0x04, 'h', 'i'}},
	} {
		b, err := tc.m.Append(nil)
		if err != nil {
			t.Fatalf("%v: %v", tc.m.Type, err)
		}
		if !bytes.Equal(b[:2], []byte{5, 0}) || !bytes.Equal(b[2:], tc.want) {
			t.Errorf("%v: % x, want 05 00 % x", tc.m.Type, b, tc.want)
		}
		var sr SuspendResumeIndicators
		if tc.m.Type != USR {
			if ok, err := tc.m.Get(&sr); !ok || err != nil {
				t.Errorf("%v: indicators %v %v", tc.m.Type, ok, err)
			}
		}
	}
}
