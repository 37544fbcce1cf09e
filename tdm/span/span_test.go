package span

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/circuit"
	"github.com/sipgw/sipgw/isup/q764"
	"github.com/sipgw/sipgw/sigtran/mtp3"
	"github.com/sipgw/sipgw/tdm/g711"
	"gopkg.in/yaml.v3"
)

func rs(s string) circuit.Ranges {
	r, err := circuit.ParseRanges(s)
	if err != nil {
		panic(err)
	}
	return r
}

func e1(name string, dahdiSpan, first int, circ ...Circuits) Config {
	return Config{Name: name, Type: E1, DAHDI: DAHDI{Span: dahdiSpan, FirstChannel: first}, Signalling: []int{16}, Circuits: circ}
}

func TestKinds(t *testing.T) {
	for _, tc := range []struct {
		k       Kind
		s       string
		ts, sig int
		law     g711.Law
	}{{E1, "e1", 31, 16, g711.ALaw}, {T1, "t1", 24, 24, g711.MuLaw}} {
		if tc.k.String() != tc.s || tc.k.Timeslots() != tc.ts || tc.k.Signalling() != tc.sig || tc.k.Law() != tc.law {
			t.Errorf("%v: %d %d %v", tc.k, tc.k.Timeslots(), tc.k.Signalling(), tc.k.Law())
		}
	}
	if Kind(7).String() != "Kind(7)" || Kind(7).Timeslots() != 0 {
		t.Error("unknown kind")
	}
	if (LOS|RAI).String() != "LOS+RAI" || Alarms(0).String() != "clear" || Alarms(1<<12).String() != "Alarms(0x1000)" {
		t.Error(LOS|RAI, Alarms(0), Alarms(1<<12))
	}
}

// The YAML form the gateway will embed decodes into Config.
func TestYAML(t *testing.T) {
	const doc = `
- name: e1-a
  type: E1
  backend: dahdi
  dahdi: {span: 1, first_channel: 1}
  signalling: [16]
  circuits:
    - {trunk: pstn, timeslots: "1-15,17-31", cics: "1-15,17-31"}
- name: t1-b
  type: t1
  law: alaw
  backend: soft
  circuits:
    - {trunk: pstn, timeslots: "1-23", cics: "33-55"}
`
	var cs []Config
	if err := yaml.Unmarshal([]byte(doc), &cs); err != nil {
		t.Fatal(err)
	}
	m, err := Build(cs)
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := m.Span("e1-a"); c.Law != g711.ALaw || c.Backend != BackendDAHDI {
		t.Errorf("e1-a: %+v", c)
	}
	if c, _ := m.Span("t1-b"); c.Law != g711.ALaw || c.Backend != BackendSoft || c.Type != T1 {
		t.Errorf("t1-b: %+v (law given explicitly)", c)
	}
	if got := m.TrunkCICs("pstn").String(); got != "1-15,17-31,33-55" {
		t.Errorf("TrunkCICs = %s", got)
	}
	if ref, ok := m.Circuit(Slot{"e1-a", 17}); !ok || ref != (CircuitRef{"pstn", 17}) {
		t.Errorf("e1-a/17 → %v %v", ref, ok)
	}
	if s, ok := m.Slot(CircuitRef{"pstn", 40}); !ok || s != (Slot{"t1-b", 8}) {
		t.Errorf("pstn:40 → %v %v", s, ok)
	}
	if _, ok := m.Circuit(Slot{"e1-a", 16}); ok || !m.Signalling(Slot{"e1-a", 16}) {
		t.Error("TS16 is signalling, not a circuit")
	}
	if law, ok := m.Law(CircuitRef{"pstn", 2}); !ok || law != g711.ALaw {
		t.Error("law of pstn:2", law)
	}
	if len(m.Circuits("e1-a")) != 30 || len(m.Circuits("t1-b")) != 23 {
		t.Errorf("circuits: %d %d", len(m.Circuits("e1-a")), len(m.Circuits("t1-b")))
	}
	var bad []Config
	if err := yaml.Unmarshal([]byte("- {name: x, type: j1}"), &bad); err == nil || !strings.Contains(err.Error(), "want e1 or t1") {
		t.Errorf("type j1: %v", err)
	}
}

func TestBuildErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spans []Config
		field string
		err   error
	}{
		{"no name", []Config{{Type: E1, DAHDI: DAHDI{Span: 1}}}, "spans[0].name", ErrMissing},
		{"no type", []Config{{Name: "a"}}, "spans[0].type", ErrMissing},
		{"dup name", []Config{e1("a", 1, 1), e1("a", 2, 32)}, "spans[1].name", ErrDuplicate},
		{"no dahdi span", []Config{{Name: "a", Type: E1}}, "spans[0].dahdi.span", ErrMissing},
		{"no first channel", []Config{{Name: "a", Type: E1, DAHDI: DAHDI{Span: 2}}}, "spans[0].dahdi.first_channel", ErrMissing},
		{"DAHDI span twice", []Config{e1("a", 1, 1), e1("b", 1, 32)}, "spans[1].dahdi.span", ErrDuplicate},
		{"channels overlap", []Config{e1("a", 1, 1), e1("b", 2, 31)}, "spans[1].dahdi.first_channel", ErrDuplicate},
		{"TS0", []Config{e1("a", 1, 1, Circuits{"p", rs("0-1"), rs("1-2")})}, "spans[0].circuits[0].timeslots", ErrRange},
		{"TS25 of T1", []Config{{Name: "a", Type: T1, Backend: BackendSoft, Circuits: []Circuits{{"p", rs("20-25"), rs("1-6")}}}}, "spans[0].circuits[0].timeslots", ErrRange},
		{"signalling TS32", []Config{{Name: "a", Type: E1, Backend: BackendSoft, Signalling: []int{32}}}, "spans[0].signalling[0]", ErrRange},
		{"signalling twice", []Config{{Name: "a", Type: E1, Backend: BackendSoft, Signalling: []int{16, 16}}}, "spans[0].signalling[1]", ErrDuplicate},
		{"TS16 both", []Config{e1("a", 1, 1, Circuits{"p", rs("15-17"), rs("1-3")})}, "spans[0].circuits[0].timeslots", ErrDuplicate},
		{"counts", []Config{e1("a", 1, 1, Circuits{"p", rs("1-15"), rs("1-14")})}, "spans[0].circuits[0].cics", ErrMismatch},
		{"no trunk", []Config{e1("a", 1, 1, Circuits{"", rs("1"), rs("1")})}, "spans[0].circuits[0].trunk", ErrMissing},
		{"no timeslots", []Config{e1("a", 1, 1, Circuits{"p", nil, nil})}, "spans[0].circuits[0].timeslots", ErrMissing},
		{"CIC twice", []Config{e1("a", 1, 1, Circuits{"p", rs("1-2"), rs("5-6")}), e1("b", 2, 32, Circuits{"p", rs("1"), rs("6")})}, "spans[1].circuits[0].cics", ErrDuplicate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Build(tc.spans)
			var e *Error
			if !errors.As(err, &e) || e.Field != tc.field || !errors.Is(err, tc.err) {
				t.Fatalf("got %v, want %s: %v", err, tc.field, tc.err)
			}
		})
	}
	// The same CIC number in two trunks is two circuits.
	if _, err := Build([]Config{e1("a", 1, 1, Circuits{"p", rs("1"), rs("1")}, Circuits{"q", rs("2"), rs("1")})}); err != nil {
		t.Error(err)
	}
}

var t0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// The monitor as a transition table: alarm reports and time in, actions out.
func TestMonitorTable(t *testing.T) {
	m, err := Build([]Config{
		e1("a", 1, 1, Circuits{"pstn", rs("1-15,17-31"), rs("1-15,17-31")}),
		{Name: "b", Type: E1, DAHDI: DAHDI{Span: 2, FirstChannel: 32}, Circuits: []Circuits{ // no signalling timeslot
			{"pstn", rs("1-10"), rs("100-109")}, {"intl", rs("11"), rs("7")}, {"pstn", rs("12-31"), rs("130-140,200-208")}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	type step struct {
		at     time.Duration
		span   string
		alarms Alarms
		expire bool
		want   []string
	}
	blockA := "hardware-block pstn CIC 1 range 30 status 0x7fff7fff (span a: %s)"
	for _, tc := range []struct {
		name  string
		hold  time.Duration
		steps []step
	}{
		{"clear stays quiet", 0, []step{{0, "a", 0, false, nil}}},
		{"LOS blocks the E1's 30 circuits in one CGB, clear unblocks", 0, []step{
			{0, "a", LOS | LOF, false, []string{strings.Replace(blockA, "%s", "LOS+LOF", 1)}},
			{time.Second, "a", AIS, false, nil}, // still blocked: nothing new
			{2 * time.Second, "a", 0, false, []string{"hardware-unblock pstn CIC 1 range 30 status 0x7fff7fff (span a: clear)"}},
		}},
		{"each of AIS and RAI blocks", 0, []step{
			{0, "a", AIS, false, []string{strings.Replace(blockA, "%s", "AIS", 1)}},
			{0, "a", 0, false, []string{"hardware-unblock pstn CIC 1 range 30 status 0x7fff7fff (span a: clear)"}},
			{0, "a", RAI, false, []string{strings.Replace(blockA, "%s", "RAI", 1)}},
		}},
		{"two trunks on a span, ranges split at 32", 0, []step{
			{0, "b", LOS, false, []string{
				"hardware-block intl CIC 7 (span b: LOS)",
				"hardware-block pstn CIC 100 range 31 status 0xc00003ff (span b: LOS)",
				"hardware-block pstn CIC 132 range 8 status 0x1ff (span b: LOS)",
				"hardware-block pstn CIC 200 range 8 status 0x1ff (span b: LOS)",
			}},
		}},
		{"clear hold filters a flap", 10 * time.Second, []step{
			{0, "a", LOS, false, []string{strings.Replace(blockA, "%s", "LOS", 1)}},
			{time.Second, "a", 0, false, nil},
			{5 * time.Second, "a", LOS, false, nil}, // back before the hold ran out
			{12 * time.Second, "", 0, true, nil},    // the first hold would have expired here
			{13 * time.Second, "a", 0, false, nil},  // clear again: a new hold
			{22 * time.Second, "", 0, true, nil},    // not yet
			{23 * time.Second, "", 0, true, []string{"hardware-unblock pstn CIC 1 range 30 status 0x7fff7fff (span a: clear)"}},
			{24 * time.Second, "", 0, true, nil},
		}},
		{"alarms outside the blocking set", 0, []step{{0, "a", Alarms(1 << 12), false, nil}}},
		{"unknown span", 0, []step{{0, "zz", LOS, false, nil}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mo := NewMonitor(m, MonitorConfig{ClearHold: tc.hold})
			for i, s := range tc.steps {
				var out []Action
				if s.expire {
					out = mo.Expire(t0.Add(s.at), nil)
				} else {
					var known bool
					out, known = mo.Update(t0.Add(s.at), s.span, s.alarms, nil)
					if known != (s.span != "zz") {
						t.Errorf("step %d: known = %v", i, known)
					}
				}
				var got []string
				for _, a := range out {
					got = append(got, a.String())
				}
				if strings.Join(got, "\n") != strings.Join(s.want, "\n") {
					t.Fatalf("step %d (%v %v):\n got %q\nwant %q", i, s.span, s.alarms, got, s.want)
				}
			}
		})
	}
	mo := NewMonitor(m, MonitorConfig{ClearHold: time.Second})
	mo.Update(t0, "b", RAI, nil)
	mo.Update(t0, "b", 0, nil)
	if at, ok := mo.Next(); !ok || !at.Equal(t0.Add(time.Second)) || !mo.Blocked("b") || mo.Alarms("b") != 0 {
		t.Errorf("Next = %v %v", at, ok)
	}
}

// The monitor's requests, fed to real Q.764 trunks, hardware-block exactly
// the span's circuits (CGB with the hardware failure type) and unblock
// them again (CGU), leaving the other span's circuits alone; a call on a
// blocked circuit is released without REL (Q.764 §2.8.2).
func TestMonitorDrivesQ764(t *testing.T) {
	m, err := Build([]Config{
		e1("a", 1, 1, Circuits{"pstn", rs("1-15,17-31"), rs("1-15,17-31")}),
		e1("b", 2, 32, Circuits{"pstn", rs("1-15,17-31"), rs("33-47,49-63")}),
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg := q764.DefaultConfig(isup.ITU)
	cfg.OwnPC, cfg.PeerPC = mtp3.ITUPC(100), mtp3.ITUPC(200)
	for _, r := range m.TrunkCICs("pstn") {
		for c := int(r.First); c <= int(r.Last); c++ {
			cfg.CICs = append(cfg.CICs, uint16(c))
		}
	}
	tr, err := q764.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mo := NewMonitor(m, MonitorConfig{})
	acts, _ := mo.Update(t0, "a", LOS, nil)
	var out []q764.Action
	for _, a := range acts {
		if a.Trunk != "pstn" {
			t.Fatal(a)
		}
		out = tr.Request(t0, a.Request, out)
	}
	var cgb int
	for _, a := range out {
		if a.Kind == q764.ActIndicate && a.Ind == q764.IndRejected {
			t.Fatalf("rejected: %s", a.Text)
		}
		if a.Kind == q764.ActSend {
			if a.Type != isup.CGB || a.CGSM != isup.CGSMHardwareFailure {
				t.Fatalf("sent %v %v", a.Type, a.CGSM)
			}
			cgb++
		}
	}
	if cgb != 1 {
		t.Fatalf("%d CGB, want 1", cgb)
	}
	for cic := uint16(1); cic <= 63; cic++ {
		st, ok := tr.Status(cic)
		if !ok {
			continue
		}
		if want := cic < 32; st.State&circuit.LocalHWBlocked != 0 != want {
			t.Errorf("CIC %d: %v", cic, st.State)
		}
	}
	acts, _ = mo.Update(t0.Add(time.Second), "a", 0, nil)
	out = out[:0]
	for _, a := range acts {
		out = tr.Request(t0.Add(time.Second), a.Request, out)
	}
	var cgu int
	for _, a := range out {
		if a.Kind == q764.ActSend && a.Type == isup.CGU && a.CGSM == isup.CGSMHardwareFailure && a.Range == 30 && a.Status == 0x7fff7fff {
			cgu++
		}
		if a.Kind == q764.ActIndicate && a.Ind == q764.IndRejected {
			t.Fatalf("rejected: %s", a.Text)
		}
	}
	if cgu != 1 {
		t.Fatalf("want one hardware CGU over 1-31 without 16: %v", out)
	}
}
