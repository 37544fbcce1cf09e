package circuit

import "testing"

func TestStateString(t *testing.T) {
	cases := []struct {
		s    State
		want string
	}{
		{Idle, "idle"},
		{BusyOutgoing, "busy-outgoing"},
		{BusyIncoming | RemoteMaintBlocked, "busy-incoming+remote-maintenance-blocked"},
		{Unequipped, "unequipped"},
		{Quarantined | 1<<15, "quarantined+unknown"},
	}
	for _, c := range cases {
		if got := c.s.String(); got != c.want {
			t.Errorf("State(%#x).String() = %q, want %q", uint16(c.s), got, c.want)
		}
	}
}

func TestStatePredicates(t *testing.T) {
	s := BusyIncoming | LocalHWBlocked
	if !s.Busy() || !s.LocallyBlocked() || s.RemotelyBlocked() || !s.Blocked() || s.Available() {
		t.Errorf("predicates wrong for %v", s)
	}
	if !Idle.Available() || Idle.Busy() || Idle.Blocked() {
		t.Errorf("predicates wrong for idle")
	}
	if (Resetting).Available() {
		t.Errorf("a resetting circuit must not be available")
	}
}
