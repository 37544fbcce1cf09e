package circuit

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func at(hms string) time.Time {
	t, err := time.Parse("2006-01-02 15:04:05", "2024-05-01 "+hms)
	if err != nil {
		panic(err)
	}
	return t
}

func TestRegistrySetSinceReason(t *testing.T) {
	r := NewRegistry(mustGroup(t, e1()), at("09:00:00"))
	steps := []struct {
		cic     uint16
		state   State
		now     string
		reason  string
		changed bool
		// the status afterwards
		wantState  State
		wantSince  string
		wantReason string
	}{
		{5, Idle, "09:30:00", "idle again?", false, Idle, "09:00:00", ""},
		{5, BusyOutgoing, "10:00:00", "IAM sent", true, BusyOutgoing, "10:00:00", "IAM sent"},
		{5, BusyOutgoing, "10:00:05", "ACM received", false, BusyOutgoing, "10:00:00", "IAM sent"},
		{5, BusyOutgoing | RemoteMaintBlocked, "10:01:00", "BLO received", true, BusyOutgoing | RemoteMaintBlocked, "10:01:00", "BLO received"},
		{5, BusyOutgoing | RemoteMaintBlocked, "10:01:30", "BLO received", false, BusyOutgoing | RemoteMaintBlocked, "10:01:00", "BLO received"},
		{5, RemoteMaintBlocked, "10:02:00", "RLC received", true, RemoteMaintBlocked, "10:02:00", "RLC received"},
		{5, Idle, "10:03:00", "UBL received", true, Idle, "10:03:00", "UBL received"},
	}
	for i, s := range steps {
		changed, err := r.Set(s.cic, s.state, at(s.now), s.reason)
		if err != nil || changed != s.changed {
			t.Errorf("step %d: Set = %v, %v, want %v", i, changed, err, s.changed)
		}
		got, ok := r.Get(s.cic)
		want := Status{CIC: s.cic, State: s.wantState, Since: at(s.wantSince), Reason: s.wantReason}
		if !ok || got != want {
			t.Errorf("step %d: Get = %+v, want %+v", i, got, want)
		}
	}
	// Other circuits untouched.
	if got, _ := r.Get(6); got != (Status{CIC: 6, State: Idle, Since: at("09:00:00")}) {
		t.Errorf("CIC 6 = %+v", got)
	}
}

func TestRegistryAddClear(t *testing.T) {
	r := NewRegistry(mustGroup(t, e1()), at("09:00:00"))
	ops := []struct {
		op     func(uint16, State, time.Time, string) (bool, error)
		bits   State
		now    string
		reason string
		want   State
		since  string
	}{
		{r.Add, BusyIncoming, "10:00:00", "IAM received", BusyIncoming, "10:00:00"},
		{r.Add, LocalMaintBlocked, "10:01:00", "operator blocked", BusyIncoming | LocalMaintBlocked, "10:01:00"},
		{r.Add, LocalMaintBlocked, "10:02:00", "operator blocked again", BusyIncoming | LocalMaintBlocked, "10:01:00"},
		{r.Clear, BusyIncoming, "10:03:00", "RLC sent", LocalMaintBlocked, "10:03:00"},
		{r.Clear, RemoteHWBlocked, "10:04:00", "nothing to clear", LocalMaintBlocked, "10:03:00"},
		{r.Clear, BlockedBits, "10:05:00", "UBA received", Idle, "10:05:00"},
	}
	for i, o := range ops {
		if _, err := o.op(7, o.bits, at(o.now), o.reason); err != nil {
			t.Fatalf("op %d: %v", i, err)
		}
		if got, _ := r.Get(7); got.State != o.want || !got.Since.Equal(at(o.since)) {
			t.Errorf("op %d: %v since %v, want %v since %s", i, got.State, got.Since.Format("15:04:05"), o.want, o.since)
		}
	}
}

func TestRegistryUnknownCIC(t *testing.T) {
	r := NewRegistry(mustGroup(t, e1()), at("09:00:00"))
	for name, op := range map[string]func() (bool, error){
		"Set":   func() (bool, error) { return r.Set(16, BusyIncoming, at("10:00:00"), "IAM received") },
		"Add":   func() (bool, error) { return r.Add(16, BusyIncoming, at("10:00:00"), "IAM received") },
		"Clear": func() (bool, error) { return r.Clear(99, BusyIncoming, at("10:00:00"), "") },
	} {
		changed, err := op()
		var e *Error
		if changed || !errors.Is(err, ErrUnknownCIC) || !errors.As(err, &e) || e.Group != "e1-a" {
			t.Errorf("%s on an unknown CIC: %v, %v", name, changed, err)
		}
	}
	if _, err := r.Set(16, Idle, at("10:00:00"), ""); err == nil || err.Error() != `circuit: group "e1-a": CICs: CIC not in group: CIC 16` {
		t.Errorf("message %q", err)
	}
	if st, ok := r.Get(16); ok || st != (Status{}) {
		t.Errorf("Get(16) = %+v, %v", st, ok)
	}
	if r.Available(16) {
		t.Errorf("Available(16) for a CIC outside the group")
	}
}

// fixture: E1 1-15,17-31 with a few circuits in interesting states.
func fixture(t *testing.T) *Registry {
	r := NewRegistry(mustGroup(t, e1()), at("09:00:00"))
	set := func(cic uint16, s State, hms, reason string) {
		if _, err := r.Set(cic, s, at(hms), reason); err != nil {
			t.Fatal(err)
		}
	}
	set(3, BusyIncoming, "10:00:01", "IAM received")
	set(4, BusyIncoming, "10:00:07", "IAM received")
	set(13, BusyOutgoing, "10:01:00", "IAM sent")
	for cic := uint16(14); cic <= 15; cic++ {
		set(cic, RemoteMaintBlocked, "10:02:03", "BLO received")
	}
	for cic := uint16(17); cic <= 20; cic++ {
		set(cic, RemoteMaintBlocked, "10:02:03", "BLO received")
	}
	set(21, RemoteMaintBlocked|BusyOutgoing, "10:02:03", "BLO received")
	set(25, Resetting, "10:05:00", "RSC sent")
	set(26, Quarantined, "10:06:00", "T17 expired: no RLC to RSC")
	set(27, Quarantined, "10:06:00", "T17 expired: no RLC to RSC")
	set(28, Quarantined, "10:07:00", "T17 expired: no RLC to RSC")
	set(30, LocalHWBlocked, "10:08:00", "")
	return r
}

func TestRegistryList(t *testing.T) {
	r := fixture(t)
	cics := func(sts []Status) []uint16 {
		var out []uint16
		for _, s := range sts {
			out = append(out, s.CIC)
		}
		return out
	}
	cases := []struct {
		name string
		keep Filter
		want []uint16
	}{
		{"blocked", HasAny(BlockedBits), []uint16{14, 15, 17, 18, 19, 20, 21, 30}},
		{"quarantined", HasAny(Quarantined), []uint16{26, 27, 28}},
		{"busy", HasAny(BusyIncoming | BusyOutgoing), []uint16{3, 4, 13, 21}},
		{"exactly busy-outgoing", Is(BusyOutgoing), []uint16{13}},
		{"resetting", Is(Resetting), []uint16{25}},
		{"idle", Is(Idle), []uint16{1, 2, 5, 6, 7, 8, 9, 10, 11, 12, 22, 23, 24, 29, 31}},
		{"unequipped", HasAny(Unequipped), nil},
		{"custom: blocked and busy", func(s Status) bool { return s.State.Blocked() && s.State.Busy() }, []uint16{21}},
	}
	for _, c := range cases {
		got := r.List(nil, c.keep)
		if !slices.Equal(cics(got), c.want) {
			t.Errorf("%s: List = %v, want %v", c.name, cics(got), c.want)
		}
		if n := r.Count(c.keep); n != len(c.want) {
			t.Errorf("%s: Count = %d, want %d", c.name, n, len(c.want))
		}
	}
	if all := r.List(nil, nil); len(all) != 30 || r.Count(nil) != 30 || r.Len() != 30 {
		t.Errorf("List(nil) has %d, Count(nil) %d", len(all), r.Count(nil))
	}
	// The statuses carry their since and why.
	if q := r.List(nil, HasAny(Quarantined)); q[2].Reason != "T17 expired: no RLC to RSC" || !q[2].Since.Equal(at("10:07:00")) {
		t.Errorf("quarantined 28 = %+v", q[2])
	}
	// All yields the same, in order, and stops when told.
	var seen []uint16
	for st := range r.All() {
		seen = append(seen, st.CIC)
		if st.CIC == 3 {
			break
		}
	}
	if !slices.Equal(seen, []uint16{1, 2, 3}) {
		t.Errorf("All = %v", seen)
	}
	// Reusing dst, listing allocates nothing.
	dst := make([]Status, 0, 30)
	blocked := HasAny(BlockedBits)
	if allocs := testing.AllocsPerRun(100, func() { dst = r.List(dst[:0], blocked) }); allocs != 0 {
		t.Errorf("List allocates %v", allocs)
	}
}

func TestRegistryCounts(t *testing.T) {
	c := fixture(t).Counts()
	want := Counts{Total: 30, Idle: 15, BusyIncoming: 2, BusyOutgoing: 2, RemoteMaintBlocked: 7,
		LocalHWBlocked: 1, Resetting: 1, Quarantined: 3}
	if c != want {
		t.Errorf("Counts = %+v, want %+v", c, want)
	}
	var names []string
	var sum int
	c.Each(func(name string, n int) {
		names = append(names, name)
		sum += n
	})
	wantNames := []string{"idle", "busy-incoming", "busy-outgoing", "local-maintenance-blocked", "local-hardware-blocked",
		"remote-maintenance-blocked", "remote-hardware-blocked", "resetting", "quarantined", "unequipped"}
	if !slices.Equal(names, wantNames) || sum != 15+2+2+7+1+1+3 {
		t.Errorf("Each: %v, sum %d", names, sum)
	}
}

func TestRegistryAvailableSelects(t *testing.T) {
	r := fixture(t)
	g := r.Group()
	g.cfg.Strategy = Descending
	sel := NewSelector(g)
	avail := r.Available
	var got []uint16
	for {
		cic, ok := sel.Select(avail)
		if !ok {
			break
		}
		got = append(got, cic)
		if _, err := r.Set(cic, BusyOutgoing, at("11:00:00"), "IAM sent"); err != nil {
			t.Fatal(err)
		}
		sel.Seized(cic, at("11:00:00"))
	}
	want := []uint16{31, 29, 24, 23, 22, 12, 11, 10, 9, 8, 7, 6, 5, 2, 1}
	if !slices.Equal(got, want) {
		t.Errorf("seized %v, want %v", got, want)
	}
}

func TestRegistryTable(t *testing.T) {
	g := mustGroup(t, Config{Name: "t", Variant: ITU, OwnPC: e1().OwnPC, PeerPC: e1().PeerPC, CICs: Ranges{{1, 4}, {100, 100}}})
	r := NewRegistry(g, at("09:00:00"))
	r.Set(2, BusyOutgoing, at("10:02:01"), "IAM sent")
	r.Set(3, RemoteMaintBlocked|BusyIncoming, at("10:03:00"), "BLO received")
	r.Set(100, Quarantined, time.Time{}, "T17 expired: no RLC to RSC")
	want := "" +
		"  CIC  STATE                                     SINCE                REASON\n" +
		"    1  idle                                      2024-05-01 09:00:00\n" +
		"    2  busy-outgoing                             2024-05-01 10:02:01  IAM sent\n" +
		"    3  busy-incoming+remote-maintenance-blocked  2024-05-01 10:03:00  BLO received\n" +
		"    4  idle                                      2024-05-01 09:00:00\n" +
		"  100  quarantined                               -                    T17 expired: no RLC to RSC\n"
	if got := r.Table(); got != want {
		t.Errorf("Table:\n%s\nwant:\n%s", got, want)
	}
	if got := string(r.AppendTable([]byte("> "))); got != "> "+want {
		t.Errorf("AppendTable does not append")
	}
}

func TestRegistrySummary(t *testing.T) {
	g31 := mustGroup(t, Config{Name: "e1", Variant: ITU, OwnPC: e1().OwnPC, PeerPC: e1().PeerPC, CICs: Ranges{{1, 31}}})
	cases := []struct {
		name  string
		g     *Group
		setup func(r *Registry)
		now   time.Time
		want  string
	}{
		{"the operator's example", g31, func(r *Registry) {
			r.Set(13, BusyOutgoing, at("10:01:00"), "IAM sent")
			for cic := uint16(14); cic <= 31; cic++ {
				r.Set(cic, RemoteMaintBlocked, at("10:02:03"), "BLO received")
			}
		}, at("12:00:00"), "1-12 idle, 13 busy-outgoing, 14-31 remote-maintenance-blocked (BLO received 10:02:03)"},
		{"all idle", g31, func(*Registry) {}, at("12:00:00"), "1-31 idle"},
		{"busy runs merge whatever their since", g31, func(r *Registry) {
			r.Set(1, BusyIncoming, at("10:00:00"), "IAM received")
			r.Set(2, BusyIncoming, at("10:00:09"), "IAM received")
			r.Set(3, BusyIncoming, at("10:05:00"), "CON sent")
		}, at("12:00:00"), "1-3 busy-incoming, 4-31 idle"},
		{"blocked runs split by reason and by time", g31, func(r *Registry) {
			r.Set(1, LocalMaintBlocked, at("10:00:00"), "operator blocked")
			r.Set(2, LocalMaintBlocked, at("10:00:00"), "operator blocked")
			r.Set(3, LocalMaintBlocked, at("10:00:00"), "CGB sent")
			r.Set(4, LocalMaintBlocked, at("10:00:01"), "CGB sent")
			r.Set(31, Resetting, at("10:09:00"), "")
		}, at("12:00:00"), "1-2 local-maintenance-blocked (operator blocked 10:00:00), 3 local-maintenance-blocked (CGB sent 10:00:00), " +
			"4 local-maintenance-blocked (CGB sent 10:00:01), 5-30 idle, 31 resetting (since 10:09:00)"},
		{"another day shows the date", g31, func(r *Registry) {
			for cic := uint16(1); cic <= 31; cic++ {
				r.Set(cic, Quarantined, at("23:59:59"), "GRA not received")
			}
		}, at("00:00:01").AddDate(0, 0, 1), "1-31 quarantined (GRA not received 2024-05-01 23:59:59)"},
		{"no now shows the date", g31, func(r *Registry) {
			r.Set(31, Unequipped, at("08:00:00"), "UCIC received")
		}, time.Time{}, "1-30 idle, 31 unequipped (UCIC received 2024-05-01 08:00:00)"},
		{"a gap ends a run", mustGroup(t, e1()), func(r *Registry) {}, at("12:00:00"), "1-15 idle, 17-31 idle"},
		{"single circuits", mustGroup(t, e1()), func(r *Registry) {
			r.Set(15, BusyOutgoing, at("10:00:00"), "")
			r.Set(17, BusyOutgoing, at("10:00:00"), "")
		}, at("12:00:00"), "1-14 idle, 15 busy-outgoing, 17 busy-outgoing, 18-31 idle"},
	}
	for _, c := range cases {
		r := NewRegistry(c.g, at("09:00:00"))
		c.setup(r)
		if got := r.Summary(c.now); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}

func TestRegistryStateNamesInTable(t *testing.T) {
	// Every state bit renders by its shared name (state.go), unknown bits too.
	r := NewRegistry(mustGroup(t, e1()), at("09:00:00"))
	r.Set(1, 1<<15, at("10:00:00"), "future bit")
	if !strings.Contains(r.Table(), "    1  unknown") {
		t.Errorf("unknown bit not rendered:\n%s", r.Table())
	}
}
