package ops

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestPhaseJSON: phases travel by name (the admin API to `sipgw ctl`),
// both ways; names that are not phases are refused.
func TestPhaseJSON(t *testing.T) {
	for p := range NumPhases {
		b, err := json.Marshal(CallInfo{Phase: p})
		if err != nil || !strings.Contains(string(b), `"phase":"`+p.String()+`"`) {
			t.Errorf("%v: %s %v", p, b, err)
		}
		var c CallInfo
		if err := json.Unmarshal(b, &c); err != nil || c.Phase != p {
			t.Errorf("%v: back %v %v", p, c.Phase, err)
		}
	}
	var c CallInfo
	if err := json.Unmarshal([]byte(`{"phase":"ringing"}`), &c); err == nil || !strings.Contains(err.Error(), `unknown call phase "ringing"`) {
		t.Errorf("unknown phase: %v", err)
	}
	if _, err := json.Marshal(CallInfo{Phase: NumPhases}); err == nil {
		t.Error("phase out of range marshalled")
	}
	if s := Phase(9).String(); s != "Phase(9)" {
		t.Errorf("String %q", s)
	}
	var pc PhaseCounts
	pc.Add(PhaseEarly, 2)
	pc.Add(PhaseReleasing, 1)
	pc.Add(NumPhases, 5)
	if pc != (PhaseCounts{Early: 2, Releasing: 1}) {
		t.Errorf("counts %+v", pc)
	}
}
