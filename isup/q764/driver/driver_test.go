package driver

import (
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/q764"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func ref(cic uint16, tm q764.Timer) q764.TimerRef { return q764.TimerRef{CIC: cic, Timer: tm} }

func TestTimersOrder(t *testing.T) {
	s := NewTimers()
	s.Start(ref(1, q764.T7), t0.Add(20*time.Second))
	s.Start(ref(2, q764.T1), t0.Add(15*time.Second))
	s.Start(ref(3, q764.T5), t0.Add(15*time.Second)) // tie: start order
	s.Start(ref(4, q764.T17), t0.Add(5*time.Minute))
	s.Start(ref(1, q764.T7), t0.Add(10*time.Second)) // replaces
	if !s.Stop(ref(4, q764.T17)) || s.Stop(ref(4, q764.T17)) {
		t.Fatal("stop of a running timer then of a stopped one")
	}
	got := s.Advance(t0.Add(time.Hour), nil)
	want := []q764.TimerRef{ref(1, q764.T7), ref(2, q764.T1), ref(3, q764.T5)}
	if !slices.Equal(got, want) {
		t.Fatalf("advance: %v, want %v", got, want)
	}
	if s.Len() != 0 {
		t.Fatalf("%d timers left", s.Len())
	}
}

func TestTimersNotDue(t *testing.T) {
	s := NewTimers()
	s.Start(ref(1, q764.T7), t0.Add(20*time.Second))
	if got := s.Advance(t0.Add(19*time.Second), nil); len(got) != 0 {
		t.Fatalf("advance before the deadline: %v", got)
	}
	if at, ok := s.Next(); !ok || !at.Equal(t0.Add(20*time.Second)) {
		t.Fatalf("next %v %v", at, ok)
	}
	if got := s.Advance(t0.Add(20*time.Second), nil); len(got) != 1 {
		t.Fatalf("advance at the deadline: %v", got)
	}
}

// The heap against a sorted list, under random starts, restarts and stops.
func TestTimersRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	s := NewTimers()
	model := map[q764.TimerRef]time.Time{}
	order := map[q764.TimerRef]int{}
	now, n := t0, 0
	for step := 0; step < 20000; step++ {
		rf := ref(uint16(r.IntN(20)), q764.Timer(1+r.IntN(38)))
		switch r.IntN(4) {
		case 0, 1:
			at := now.Add(time.Duration(r.IntN(100)) * time.Second)
			s.Start(rf, at)
			n++
			model[rf], order[rf] = at, n
		case 2:
			_, want := model[rf]
			if got := s.Stop(rf); got != want {
				t.Fatalf("stop %v = %v, want %v", rf, got, want)
			}
			delete(model, rf)
		case 3:
			now = now.Add(time.Duration(r.IntN(30)) * time.Second)
			got := s.Advance(now, nil)
			var want []q764.TimerRef
			for k, at := range model {
				if !at.After(now) {
					want = append(want, k)
				}
			}
			sort.Slice(want, func(i, j int) bool {
				a, b := model[want[i]], model[want[j]]
				if !a.Equal(b) {
					return a.Before(b)
				}
				return order[want[i]] < order[want[j]]
			})
			if !slices.Equal(got, want) {
				t.Fatalf("step %d: advance %v, want %v", step, got, want)
			}
			for _, k := range want {
				delete(model, k)
			}
		}
		if s.Len() != len(model) {
			t.Fatalf("len %d, want %d", s.Len(), len(model))
		}
	}
}

func trunk(t testing.TB) *q764.Trunk {
	cfg := q764.DefaultConfig(isup.ITU)
	cfg.OwnPC, cfg.PeerPC = mtp3.ITUPC(2), mtp3.ITUPC(1)
	cfg.CICs = []uint16{1, 2, 3, 4}
	tr, err := q764.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// Run expires each timer at its own deadline and keeps the timer set equal
// to the one the trunk holds; an unanswered release ends quarantined.
func TestDriverRun(t *testing.T) {
	var log []string
	d := New(trunk(t), func(now time.Time, acts []q764.Action) {
		for _, a := range acts {
			if a.Kind == q764.ActSend {
				log = append(log, now.Sub(t0).String()+" "+a.String())
			}
		}
	})
	iam := isup.New(isup.ITU, isup.IAM, 2)
	iam.SetRaw(isup.ParamNatureOfConnectionIndicators, []byte{0})
	iam.SetRaw(isup.ParamForwardCallIndicators, []byte{0, 0})
	iam.SetRaw(isup.ParamCallingPartysCategory, []byte{10})
	iam.SetRaw(isup.ParamTransmissionMediumRequirement, []byte{0})
	iam.SetRaw(isup.ParamCalledPartyNumber, []byte{0x83, 0x10, 0x21, 0x0f})
	d.Request(t0, q764.Request{Kind: q764.ReqSetup, CIC: 2, Msg: iam})
	n := d.Run(t0.Add(20*time.Minute + 21*time.Second))
	want := []string{
		"0s cic2 send IAM",
		"20s cic2 send REL cause=102", // T7
		"35s cic2 send REL cause=102", // T1 …
		"50s cic2 send REL cause=102",
	}
	if !slices.Equal(log[:4], want) {
		t.Fatalf("log starts %q, want %q", log[:4], want)
	}
	// T5 at 5m20s, then RSC every T17 (5 min): quarantine on the third.
	st, _ := d.Trunk.Status(2)
	if st.State.String() != "quarantined" || !st.Since.Equal(t0.Add(20*time.Minute+20*time.Second)) {
		t.Fatalf("status %+v after %d expiries", st, n)
	}
	var held []q764.TimerRef
	held = d.Trunk.RunningTimers(held)
	if got := d.Timers.All(nil); !sameSet(got, held) {
		t.Fatalf("driver runs %v, trunk holds %v", got, held)
	}
	if err := d.Trunk.Verify(); err != nil {
		t.Fatal(err)
	}
}

func sameSet(a, b []q764.TimerRef) bool {
	less := func(x, y q764.TimerRef) int {
		switch {
		case x.CIC != y.CIC:
			return int(x.CIC) - int(y.CIC)
		case x.Timer != y.Timer:
			return int(x.Timer) - int(y.Timer)
		case x.Hardware != y.Hardware && x.Hardware:
			return 1
		case x.Hardware != y.Hardware:
			return -1
		}
		return 0
	}
	a, b = slices.Clone(a), slices.Clone(b)
	slices.SortFunc(a, less)
	slices.SortFunc(b, less)
	return slices.Equal(a, b)
}

// Restarting and stopping timers in steady state allocates nothing.
func TestTimersAllocs(t *testing.T) {
	s := NewTimers()
	for i := uint16(0); i < 64; i++ {
		s.Start(ref(i, q764.T7), t0)
	}
	s.Advance(t0, nil)
	now := t0
	if n := testing.AllocsPerRun(1000, func() {
		now = now.Add(time.Second)
		s.Start(ref(3, q764.T7), now.Add(20*time.Second))
		s.Start(ref(3, q764.T9), now.Add(90*time.Second))
		s.Stop(ref(3, q764.T7))
		s.Stop(ref(3, q764.T9))
	}); n != 0 {
		t.Errorf("%v allocations", n)
	}
}
