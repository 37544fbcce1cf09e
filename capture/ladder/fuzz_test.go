package ladder

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/record"
)

// FuzzText draws ladders of random shape (endpoints, directions, label
// lengths, widths): Write never panics, and every label appears whole on
// some line whatever the width.
//
// spec holds 3 bytes per message: source and destination endpoint (mod
// 6) and the length of the Details text (mod 90).
func FuzzText(f *testing.F) {
	f.Fuzz(func(t *testing.T, spec []byte, width int, ascii bool, v6 bool) {
		if len(spec) > 3*200 {
			spec = spec[:3*200]
		}
		width %= 400
		b := newBuilder()
		var eps []record.EndpointID
		for i := range 6 {
			s := "10.0.0." + strconv.Itoa(i+1) + ":5060"
			if v6 {
				s = "[2001:db8:85a3::8a2e:370:" + strconv.Itoa(7330+i) + "]:5060"
			}
			eps = append(eps, b.sip(s))
		}
		c := b.call(&calls.Call{Kind: record.SIP, CallID: "fuzz"})
		details := map[uint32]string{}
		for i := 0; i+2 < len(spec); i += 3 {
			m := req(eps[int(spec[i])%6], eps[int(spec[i+1])%6], record.INFO)
			m.CSeq = uint32(i / 3)
			b.add(c, float64(i), m, false)
			details[m.CSeq] = strings.Repeat("x", int(spec[i+2])%90) + "|" + strconv.Itoa(i/3)
		}
		l := Build(&b.a, b.a.Calls)
		var out bytes.Buffer
		err := l.Write(&out, Options{Width: width, ASCII: ascii, Details: func(m *record.Message) string { return details[m.CSeq] }})
		if err != nil {
			t.Fatal(err)
		}
		text := out.String()
		for i := range l.Rows {
			lab := "INFO " + details[uint32(i)]
			if !containsWhole(text, lab) {
				t.Fatalf("width %d: label %q missing:\n%s", width, lab, text)
			}
		}
	})
}

// containsWhole reports whether lab occurs in text not followed by a digit
// (so "|1" is not found inside "|12").
func containsWhole(text, lab string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], lab)
		if j < 0 {
			return false
		}
		end := i + j + len(lab)
		if end == len(text) || text[end] < '0' || text[end] > '9' {
			return true
		}
		i = i + j + 1
	}
}
