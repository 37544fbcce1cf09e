package q764

import (
	"bytes"
	"testing"

	"github.com/sipgw/sipgw/isup"
)

// Every message the machine builds encodes to what the codec decodes back,
// in both variants.
func TestAppendMessageRoundTrip(t *testing.T) {
	for _, v := range []isup.Variant{isup.ITU, isup.ANSI} {
		cases := []struct {
			a     Action
			check func(t *testing.T, m *isup.Message)
		}{
			{Action{Type: isup.REL, Cause: isup.CauseRecoveryOnTimerExpiry, Location: isup.LocPublicLocal, Data: []byte{0x70}},
				func(t *testing.T, m *isup.Message) {
					var c isup.CauseIndicators
					if _, err := m.Get(&c); err != nil || c.Value != 102 || c.Location != isup.LocPublicLocal || !bytes.Equal(c.Diagnostics, []byte{0x70}) {
						t.Errorf("cause %+v, %v", c, err)
					}
				}},
			{Action{Type: isup.CFN, Cause: 99, Location: isup.LocPublicLocal, Data: []byte{0xf0, 0xf1}},
				func(t *testing.T, m *isup.Message) {
					var c isup.CauseIndicators
					if _, err := m.Get(&c); err != nil || c.Value != 99 || !bytes.Equal(c.Diagnostics, []byte{0xf0, 0xf1}) {
						t.Errorf("cause %+v, %v", c, err)
					}
				}},
			{Action{Type: isup.RLC}, nil},
			{Action{Type: isup.COT, On: true}, func(t *testing.T, m *isup.Message) {
				var c isup.ContinuityIndicators
				if _, err := m.Get(&c); err != nil || c.Continuity != isup.ContinuityCheckSuccessful {
					t.Errorf("continuity %+v, %v", c, err)
				}
			}},
			{Action{Type: isup.COT}, func(t *testing.T, m *isup.Message) {
				var c isup.ContinuityIndicators
				if _, err := m.Get(&c); err != nil || c.Continuity != isup.ContinuityCheckFailed {
					t.Errorf("continuity %+v, %v", c, err)
				}
			}},
			{Action{Type: isup.CCR}, nil}, {Action{Type: isup.RSC}, nil}, {Action{Type: isup.BLO}, nil},
			{Action{Type: isup.BLA}, nil}, {Action{Type: isup.UBL}, nil}, {Action{Type: isup.UBA}, nil},
			{Action{Type: isup.UCIC}, nil}, {Action{Type: isup.UPA}, nil},
			{Action{Type: isup.GRS, Range: 31}, rangeCheck(31, nil)},
			{Action{Type: isup.CQM, Range: 0}, rangeCheck(0, nil)},
			{Action{Type: isup.GRA, Range: 9, Status: 0b1000000010}, rangeCheck(9, []byte{0x02, 0x02})},
			{Action{Type: isup.CGB, CGSM: isup.CGSMHardwareFailure, Range: 1, Status: 1}, cgsmCheck(isup.CGSMHardwareFailure, 1, []byte{1})},
			{Action{Type: isup.CGBA, Range: 31, Status: 0xffffffff}, cgsmCheck(isup.CGSMMaintenance, 31, []byte{0xff, 0xff, 0xff, 0xff})},
			{Action{Type: isup.CGU, Range: 7, Status: 0x81}, cgsmCheck(isup.CGSMMaintenance, 7, []byte{0x81})},
			{Action{Type: isup.CGUA, CGSM: isup.CGSMHardwareFailure, Range: 8, Status: 0x101}, cgsmCheck(isup.CGSMHardwareFailure, 8, []byte{1, 1})},
			{Action{Type: isup.CQR, Range: 2, Data: []byte{0x0c, 0x08, 0x03}}, func(t *testing.T, m *isup.Message) {
				rangeCheck(2, nil)(t, m)
				var s isup.CircuitStateIndicator
				if _, err := m.Get(&s); err != nil || !bytes.Equal(s.States, []byte{0x0c, 0x08, 0x03}) {
					t.Errorf("states %x, %v", s.States, err)
				}
			}},
			{Action{Type: isup.ACM, Data: []byte{0x00, 0x01}}, func(t *testing.T, m *isup.Message) {
				var b isup.BackwardCallIndicators
				if _, err := m.Get(&b); err != nil || !b.Interworking || b.CalledStatus != 0 {
					t.Errorf("bci %+v, %v", b, err)
				}
			}},
			{Action{Type: isup.SUS, Data: []byte{1}}, func(t *testing.T, m *isup.Message) {
				var s isup.SuspendResumeIndicators
				if _, err := m.Get(&s); err != nil || s.Indicator != isup.SuspendNetworkInitiated {
					t.Errorf("sus %+v, %v", s, err)
				}
			}},
			{Action{Type: isup.RES}, nil},
		}
		for _, c := range cases {
			a := c.a
			a.Kind, a.CIC = ActSend, 0x0abc
			b, err := AppendMessage(nil, v, &a)
			if err != nil {
				t.Errorf("%v %v: %v", v, a.Type, err)
				continue
			}
			var m isup.Message
			if err := m.Decode(b, v); err != nil {
				t.Errorf("%v %v: decode %x: %v", v, a.Type, b, err)
				continue
			}
			if m.Type != a.Type || m.CIC != 0x0abc || m.NonCanonical {
				t.Errorf("%v %v: decoded type %v cic %#x non-canonical %v", v, a.Type, m.Type, m.CIC, m.NonCanonical)
			}
			if err := m.Validate(); err != nil {
				t.Errorf("%v %v: %v", v, a.Type, err)
			}
			if c.check != nil {
				c.check(t, &m)
			}
		}
	}
}

func rangeCheck(rng uint8, status []byte) func(*testing.T, *isup.Message) {
	return func(t *testing.T, m *isup.Message) {
		var rs isup.RangeAndStatus
		if _, err := m.Get(&rs); err != nil || rs.Range != rng || !bytes.Equal(rs.Status, status) {
			t.Errorf("%v range and status %d %x, %v", m.Type, rs.Range, rs.Status, err)
		}
	}
}

func cgsmCheck(cgsm isup.CGSMType, rng uint8, status []byte) func(*testing.T, *isup.Message) {
	return func(t *testing.T, m *isup.Message) {
		rangeCheck(rng, status)(t, m)
		var g isup.CircuitGroupSupervisionMessageType
		if _, err := m.Get(&g); err != nil || g.Type != cgsm {
			t.Errorf("%v type %v, %v", m.Type, g.Type, err)
		}
	}
}

// A forwarded message keeps its parameters and takes the action's CIC.
func TestAppendMessageForwarded(t *testing.T) {
	m := build(t, isup.ITU, iam(5, 0, "1234F"))
	a := Action{Kind: ActSend, CIC: 7, Type: isup.IAM, Msg: m}
	b, err := AppendMessage(nil, isup.ITU, &a)
	if err != nil {
		t.Fatal(err)
	}
	var d isup.Message
	if err := d.Decode(b, isup.ITU); err != nil || d.CIC != 7 || d.Type != isup.IAM {
		t.Fatalf("decoded %v cic %d: %v", d.Type, d.CIC, err)
	}
	want, _ := m.AppendBody(nil)
	if !bytes.Equal(b[2:], want) {
		t.Errorf("body %x, want %x", b[2:], want)
	}
	a.Type = isup.ACM
	if _, err := AppendMessage(nil, isup.ITU, &a); err == nil {
		t.Error("type mismatch accepted")
	}
	if _, err := AppendMessage(nil, isup.ITU, &Action{Kind: ActStartTimer}); err != ErrNotSend {
		t.Errorf("timer action: %v", err)
	}
	if _, err := AppendMessage(nil, isup.ITU, &Action{Kind: ActSend, Type: isup.IAM}); err != ErrCannotBuild {
		t.Errorf("machine-built IAM: %v", err)
	}
}

func TestAppendMessageAllocs(t *testing.T) {
	buf := make([]byte, 0, 64)
	a := Action{Kind: ActSend, CIC: 3, Type: isup.REL, Cause: 16, Location: isup.LocPublicLocal}
	if n := testing.AllocsPerRun(100, func() {
		buf, _ = AppendMessage(buf[:0], isup.ITU, &a)
	}); n != 0 {
		t.Errorf("%v allocations per REL", n)
	}
}
