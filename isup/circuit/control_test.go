package circuit

import (
	"errors"
	"testing"

	"github.com/sipgw/sipgw/sigtran/mtp3"
)

func TestControls(t *testing.T) {
	hi, lo := mtp3.ITUPC(2066), mtp3.ITUPC(2065)
	ahi, alo := mtp3.ANSIPC(0x020000), mtp3.ANSIPC(0x01ffff)
	cases := []struct {
		name      string
		own, peer mtp3.PointCode
		cic       uint16
		want      bool
	}{
		{"higher, even", hi, lo, 2, true},
		{"higher, odd", hi, lo, 3, false},
		{"higher, CIC 0 is even", hi, lo, 0, true},
		{"lower, even", lo, hi, 2, false},
		{"lower, odd", lo, hi, 3, true},
		{"ANSI higher, even", ahi, alo, 16382, true},
		{"ANSI higher, odd", ahi, alo, 16383, false},
		{"ANSI lower, odd", alo, ahi, 1, true},
		{"equal, even", hi, hi, 2, false},
		{"equal, odd", hi, hi, 3, false},
	}
	for _, c := range cases {
		if got := Controls(c.own, c.peer, c.cic); got != c.want {
			t.Errorf("%s: Controls(%v, %v, %d) = %v, want %v", c.name, c.own, c.peer, c.cic, got, c.want)
		}
	}
	// Exactly one end controls each circuit.
	for cic := uint16(0); cic < 64; cic++ {
		if Controls(hi, lo, cic) == Controls(lo, hi, cic) {
			t.Errorf("CIC %d: both ends or neither control it", cic)
		}
	}
}

func TestControlRules(t *testing.T) {
	hi, lo := mtp3.ITUPC(200), mtp3.ITUPC(100)
	cases := []struct {
		rule          Control
		hiEven, hiOdd bool // what the higher point code controls
		loEven, loOdd bool
		str           string
	}{
		{ControlByPointCode, true, false, false, true, "point-code"},
		{ControlByPointCodeReversed, false, true, true, false, "point-code-reversed"},
		{ControlAll, true, true, true, true, "all"},
		{ControlNone, false, false, false, false, "none"},
	}
	for _, c := range cases {
		got := [4]bool{c.rule.Controls(hi, lo, 10), c.rule.Controls(hi, lo, 11), c.rule.Controls(lo, hi, 10), c.rule.Controls(lo, hi, 11)}
		if got != [4]bool{c.hiEven, c.hiOdd, c.loEven, c.loOdd} {
			t.Errorf("%v: hi even/odd, lo even/odd = %v", c.rule, got)
		}
		if c.rule.String() != c.str {
			t.Errorf("%v: String %q, want %q", c.rule, c.rule.String(), c.str)
		}
		if r, err := ParseControl(c.str); err != nil || r != c.rule {
			t.Errorf("ParseControl(%q) = %v, %v", c.str, r, err)
		}
		if c.rule.Controls(hi, hi, 10) && c.rule != ControlAll {
			t.Errorf("%v: equal point codes control a circuit", c.rule)
		}
	}
	// Matching provisioning at the two ends gives each circuit one controller.
	pairs := [][2]Control{{ControlByPointCode, ControlByPointCode}, {ControlByPointCodeReversed, ControlByPointCodeReversed}, {ControlAll, ControlNone}}
	for _, p := range pairs {
		for cic := uint16(1); cic <= 4; cic++ {
			if p[0].Controls(hi, lo, cic) == p[1].Controls(lo, hi, cic) {
				t.Errorf("%v at the higher end, %v at the lower: CIC %d has not one controller", p[0], p[1], cic)
			}
		}
	}
	if Control(9).String() != "control(9)" || Control(9).Controls(hi, lo, 2) {
		t.Errorf("unknown rule: %q", Control(9).String())
	}
	if _, err := ParseControl("glare-master"); !errors.Is(err, ErrValue) {
		t.Errorf("ParseControl(glare-master) = %v", err)
	}
	var r Control
	if err := r.UnmarshalText([]byte("ALL")); err != nil || r != ControlAll {
		t.Errorf("UnmarshalText(ALL) = %v, %v", r, err)
	}
}

func TestGroupControls(t *testing.T) {
	c := e1() // own 2065 < peer 2066: this exchange controls the odd CICs
	g := mustGroup(t, c)
	if g.Controls(2) || !g.Controls(3) {
		t.Errorf("lower point code: Controls(2) = %v, Controls(3) = %v", g.Controls(2), g.Controls(3))
	}
	c.Control = ControlAll
	g = mustGroup(t, c)
	if !g.Controls(2) || !g.Controls(3) {
		t.Errorf("ControlAll: Controls(2) = %v, Controls(3) = %v", g.Controls(2), g.Controls(3))
	}
}
