package mapping

import (
	"errors"
	"testing"

	"github.com/sipgw/sipgw/isup"
)

func TestParseReason(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []Reason
	}{
		{`Q.850;cause=16;text="Terminated"`, []Reason{{Protocol: "Q.850", Cause: 16, HasCause: true, Text: "Terminated", HasText: true}}},
		{`SIP ;cause=200 ;text="Call completed elsewhere"`, []Reason{{Protocol: "SIP", Cause: 200, HasCause: true, Text: "Call completed elsewhere", HasText: true}}},
		{`q.850;CAUSE=17`, []Reason{{Protocol: "q.850", Cause: 17, HasCause: true}}},
		{`SIP;cause=480, Q.850;cause=18;text="a, \"b\"";location=BI`, []Reason{
			{Protocol: "SIP", Cause: 480, HasCause: true},
			{Protocol: "Q.850", Cause: 18, HasCause: true, Text: `a, \"b\"`, HasText: true, Location: 10, HasLocation: true}}},
		{`Q.850;cause=21;location=U;foo=bar;flag`, []Reason{{Protocol: "Q.850", Cause: 21, HasCause: true, HasLocation: true}}},
		{`preemption;cause=1`, []Reason{{Protocol: "preemption", Cause: 1, HasCause: true}}},
		{`Q.850`, []Reason{{Protocol: "Q.850"}}},
	} {
		var got []Reason
		if err := ParseReasons(tc.in, func(r Reason) bool { got = append(got, r); return true }); err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if len(got) != len(tc.want) {
			t.Errorf("%q: %d values, want %d", tc.in, len(got), len(tc.want))
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%q [%d]: %+v, want %+v", tc.in, i, got[i], tc.want[i])
			}
		}
	}
	r, _ := ParseReason(`Q.850;cause=18;text="a \"b\" \\c"`)
	if r.TextValue() != `a "b" \c` {
		t.Errorf("TextValue %q", r.TextValue())
	}
}

func TestParseReasonErrors(t *testing.T) {
	for _, in := range []string{
		`Q.850;cause=abc`, `Q.850;cause=`, `Q.850;cause="16"`, `Q 850;cause=16`, `;cause=16`,
		`Q.850;text="unterminated`, `Q.850;;cause=1`, `Q.850;cause=1234567890`, `Q.850;text="x" y`, `"`,
	} {
		err := ParseReasons(in, func(Reason) bool { return true })
		if !errors.Is(err, ErrReason) {
			t.Errorf("%q: %v, want ErrReason", in, err)
		}
	}
	if _, err := ParseReason("SIP;cause=1, Q.850;cause=2"); err == nil {
		t.Error("ParseReason accepted two values")
	}
	if _, err := ParseReason(""); err == nil {
		t.Error("ParseReason accepted nothing")
	}
	if _, ok := FindReason(`SIP;cause=1, Q.850;cause=x`, ProtoQ850); ok {
		t.Error("FindReason returned from a malformed header")
	}
}

func TestAppendReason(t *testing.T) {
	ci := isup.CauseIndicators{Value: 17, Location: isup.LocPublicRemote}
	if got := Q850Reason(&ci, false).String(); got != `Q.850;cause=17;text="user busy"` {
		t.Errorf("got %s", got)
	}
	if got := Q850Reason(&ci, true).String(); got != `Q.850;cause=17;text="user busy";location=RLN` {
		t.Errorf("got %s", got)
	}
	r := Reason{Protocol: "SIP", Cause: 486, HasCause: true, Text: `say "hi"` + "\r\n", HasText: true}
	out := r.String()
	if out != `SIP;cause=486;text="say \"hi\"  "` {
		t.Errorf("got %s", out)
	}
	back, err := ParseReason(out)
	if err != nil || back.TextValue() != `say "hi"  ` || back.Cause != 486 {
		t.Errorf("round trip: %+v %v", back, err)
	}
}

func TestReasonAllocs(t *testing.T) {
	const h = `SIP;cause=480, Q.850;cause=18;text="No user responding";location=BI`
	n := testing.AllocsPerRun(100, func() {
		if r, ok := FindReason(h, ProtoQ850); !ok || r.Cause != 18 {
			t.Fatal("not found")
		}
	})
	if n != 0 {
		t.Errorf("FindReason allocates %v times", n)
	}
}

func FuzzReason(f *testing.F) {
	for _, s := range []string{`Q.850;cause=16;text="Terminated"`, `SIP;cause=200, Q.850;cause=16;location=LN`, `x;text="\"`, ``} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var rs []Reason
		err := ParseReasons(s, func(r Reason) bool { rs = append(rs, r); return true })
		if err != nil {
			return
		}
		// What parsed re-encodes to something that parses to the same.
		for _, r := range rs {
			if r.HasCause && (r.Cause < 0 || r.Cause > 999999999) {
				t.Fatalf("cause %d", r.Cause)
			}
			out := r.String()
			back, err := ParseReason(out)
			if err != nil {
				t.Fatalf("%q → %q does not parse: %v", s, out, err)
			}
			if back.Cause != r.Cause || back.HasCause != r.HasCause || back.TextValue() != r.TextValue() && !hasCRLF(r.TextValue()) || back.Location != r.Location {
				t.Fatalf("%q → %q → %+v, was %+v", s, out, back, r)
			}
		}
	})
}

func hasCRLF(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '\r' || s[i] == '\n' {
			return true
		}
	}
	return false
}
