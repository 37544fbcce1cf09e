package isup

import (
	"bytes"
	"testing"
)

func TestIndicatorEnumStrings(t *testing.T) {
	cases := []struct {
		got, want string
	}{
		{CalledStatusNoIndication.String(), "no indication"},
		{SubscriberFree.String(), "subscriber free"},
		{ConnectWhenFree.String(), "connect when free (national use)"},
		{CalledPartysStatus(3).String(), "spare"},
		{ChargeIndNoCharge.String(), "no charge"},
		{ChargeIndCharge.String(), "charge"},
		{CalledPayphone.String(), "payphone"},
		{CategoryOrdinary.String(), "ordinary calling subscriber"},
		{CategoryTestCall.String(), "test call"},
		{CategoryPayphone.String(), "payphone"},
		{CategoryOperatorEnglish.String(), "operator, language English"},
		{CallingPartysCategory(0x10).String(), "spare"},
		{CategoryANSIEmergency.String(), "reserved for national use"},
		{CategoryANSIEmergency.Name(ANSI), "emergency service call"},
		{EventAlerting.String(), "ALERTING"},
		{EventProgress.String(), "PROGRESS"},
		{EventInBandInformation.String(), "in-band information or an appropriate pattern is now available"},
		{EventForwardedUnconditional.String(), "call forwarded unconditional (national use)"},
		{TMRSpeech.String(), "speech"},
		{TMR64kUnrestricted.String(), "64 kbit/s unrestricted"},
		{TMR3k1Audio.String(), "3.1 kHz audio"},
		{TMR3x64kUnrestricted.String(), "3 × 64 kbit/s unrestricted"},
		{TMR29x64kUnrestricted.String(), "29 × 64 kbit/s unrestricted"},
		{TransmissionMedium(19).String(), "spare"},
		{ContinuityCheckSuccessful.String(), "continuity check successful"},
		{ContinuityCheckFailed.String(), "continuity check failed"},
		{SuspendISDNSubscriberInitiated.String(), "ISDN subscriber initiated"},
		{SuspendNetworkInitiated.String(), "network initiated"},
		{CGSMMaintenance.String(), "maintenance oriented"},
		{CGSMHardwareFailure.String(), "hardware failure oriented"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestRangeAndStatusBits(t *testing.T) {
	var rs RangeAndStatus
	if err := rs.DecodeParam([]byte{9, 0x05, 0x02}, ITU); err != nil {
		t.Fatal(err)
	}
	want := map[int]bool{0: true, 2: true, 9: true}
	for i := -1; i <= 12; i++ {
		if rs.StatusBit(i) != want[i] {
			t.Errorf("bit %d = %v", i, rs.StatusBit(i))
		}
	}
	if !rs.Covers(9) || rs.Covers(10) {
		t.Errorf("Covers wrong for range 9")
	}
	b := RangeAndStatus{Range: 11}
	b.SetStatusBit(0, true)
	b.SetStatusBit(11, true)
	b.SetStatusBit(12, true) // outside the range: ignored
	if got := b.AppendParam(nil, ITU); !bytes.Equal(got, []byte{11, 0x01, 0x08}) {
		t.Fatalf("built %x", got)
	}
	b.SetStatusBit(0, false)
	if b.StatusBit(0) || !b.StatusBit(11) {
		t.Fatalf("clear failed: %x", b.Status)
	}
	var grs RangeAndStatus
	grs.DecodeParam([]byte{14}, ITU)
	if grs.HasStatus() || grs.StatusBit(0) {
		t.Fatalf("GRS range has no status")
	}
}

func TestCircuitStates(t *testing.T) {
	var c CircuitStateIndicator
	if err := c.DecodeParam([]byte{0x03, 0x0e, 0x1d}, ITU); err != nil {
		t.Fatal(err)
	}
	s := c.State(0)
	if s.CallProcessing() != 0 || s.MaintenanceBlocking() != 3 { // unequipped
		t.Errorf("state 0: %d %d", s.CallProcessing(), s.MaintenanceBlocking())
	}
	s = c.State(2) // 01 1101: hw locally blocked, idle, locally blocked
	if s.CallProcessing() != 3 || s.MaintenanceBlocking() != 1 || s.HardwareBlocking() != 1 {
		t.Errorf("state 2: %d %d %d", s.CallProcessing(), s.MaintenanceBlocking(), s.HardwareBlocking())
	}
	if f := c.Fields(ITU); len(f) != 3 || f[0].Children[0].Meaning != "unequipped" || len(f[2].Children) != 3 {
		t.Errorf("fields %+v", f)
	}
}

func TestParameterCompatibilityEntries(t *testing.T) {
	var p ParameterCompatibilityInformation
	if err := p.DecodeParam([]byte{0x0a, 0x41, 0x83, 0xc0, 0xff}, ITU); err != nil {
		t.Fatal(err)
	}
	if p.Len() != 2 {
		t.Fatalf("Len %d", p.Len())
	}
	e, ok := p.Entry(0)
	if !ok || e.Param != ParamCallingPartyNumber || !e.TransitAtIntermediateExchange || e.PassOnNotPossible != 2 || !e.Continues || e.BroadbandNarrowband() != 3 {
		t.Fatalf("entry 0 %+v", e)
	}
	e, ok = p.Entry(1)
	if !ok || e.Param != ParamGenericNumber || !e.TransitAtIntermediateExchange || !e.ReleaseCall || !e.SendNotification || !e.DiscardMessage || !e.DiscardParameter || e.PassOnNotPossible != 3 || e.Continues {
		t.Fatalf("entry 1 %+v", e)
	}
	if _, ok := p.Entry(2); ok {
		t.Fatalf("entry 2 exists")
	}
	var b ParameterCompatibilityInformation
	b.Add(ParamInstructions{Param: ParamCallingPartyNumber, TransitAtIntermediateExchange: true, PassOnNotPossible: 2, Continues: true, Ext: []byte{0x83}})
	b.Add(ParamInstructions{Param: ParamGenericNumber, TransitAtIntermediateExchange: true, ReleaseCall: true, SendNotification: true, DiscardMessage: true, DiscardParameter: true, PassOnNotPossible: 3})
	if !bytes.Equal(b.AppendParam(nil, ITU), p.Raw) {
		t.Fatalf("built %x, want %x", b.Raw, p.Raw)
	}
	if f := p.Fields(ITU); len(f) != 2 || f[0].Children[0].Meaning != "Calling party number" {
		t.Fatalf("fields %+v", f)
	}
}

func TestIndicatorFieldsShape(t *testing.T) {
	// Every field has a name and key; WS names are isup.* fields.
	var walk func(c ParamCode, fs []Field)
	walk = func(c ParamCode, fs []Field) {
		for _, f := range fs {
			if f.Name == "" || f.Key == "" {
				t.Errorf("%v: field %+v lacks name or key", c, f)
			}
			if f.WS != "" && len(f.WS) < 6 {
				t.Errorf("%v: odd WS %q", c, f.WS)
			}
			walk(c, f.Children)
		}
	}
	for _, tc := range indCases {
		nv := NewValue(tc.v, tc.want.Code())
		nv.DecodeParam(unhex(t, tc.hex), tc.v)
		walk(tc.want.Code(), nv.Fields(tc.v))
	}
	// ANSI names bit J of the BCI differently and has no QoR bit.
	var bci BackwardCallIndicators
	if f := bci.Fields(ANSI); f[5].Key != "iam_segmentation" {
		t.Errorf("ANSI BCI bit J: %+v", f[5])
	}
	var fci ForwardCallIndicators
	if len(fci.Fields(ANSI)) != len(fci.Fields(ITU))-1 {
		t.Errorf("ANSI FCI shows QoR")
	}
	var cug ClosedUserGroupInterlockCode
	cug.DecodeParam([]byte{0x12, 0x34, 0, 1}, ITU)
	if cug.NI() != "1234" {
		t.Errorf("NI %q", cug.NI())
	}
}

// FuzzParamsIndicators decodes arbitrary data as every indicator parameter
// in both variants; what decodes must re-encode to the same octets.
func FuzzParamsIndicators(f *testing.F) {
	for _, tc := range indCases {
		f.Add(unhex(f, tc.hex))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, c := range indCodes {
			for _, v := range []Variant{ITU, ANSI} {
				nv := NewValue(v, c)
				if err := nv.DecodeParam(data, v); err != nil {
					continue
				}
				if out := nv.AppendParam(nil, v); !bytes.Equal(out, data) {
					t.Fatalf("%v %v: %x re-encoded as %x", v, c, data, out)
				}
				nv.Fields(v)
			}
		}
	})
}
