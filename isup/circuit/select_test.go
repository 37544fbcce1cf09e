package circuit

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// avail is a test availability pattern indexed by CIC.
type avail []bool

func availOf(cics ...uint16) avail {
	a := make(avail, 65536)
	for _, c := range cics {
		a[c] = true
	}
	return a
}

func (a avail) f(cic uint16) bool { return a[cic] }

// group10 is CICs 1-10; own point code higher than the peer's when
// ownHigher, so that it controls the even CICs under Q.764 §2.9.1.4.
func group10(t testing.TB, s Strategy, p Parity, ownHigher bool, rule Control) *Group {
	own, peer := mtp3.ITUPC(100), mtp3.ITUPC(200)
	if ownHigher {
		own, peer = peer, own
	}
	return mustGroup(t, Config{Name: "g10", Variant: ITU, OwnPC: own, PeerPC: peer, CICs: Ranges{{1, 10}},
		Strategy: s, Parity: p, Control: rule})
}

// drain selects until nothing is available, seizing each choice (it is no
// longer available), and returns the order.
func drain(sel Selector, a avail, now time.Time) []uint16 {
	var order []uint16
	for {
		cic, ok := sel.Select(a.f)
		if !ok {
			return order
		}
		if !a[cic] {
			panic(fmt.Sprintf("selected unavailable CIC %d", cic))
		}
		order = append(order, cic)
		a[cic] = false
		sel.Seized(cic, now)
	}
}

var t0 = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)

func TestSelectOrder(t *testing.T) {
	pattern := []uint16{2, 3, 5, 8, 9}
	cases := []struct {
		s         Strategy
		p         Parity
		ownHigher bool
		rule      Control
		want      []uint16
	}{
		{Ascending, NoPreference, true, ControlByPointCode, []uint16{2, 3, 5, 8, 9}},
		{Descending, NoPreference, true, ControlByPointCode, []uint16{9, 8, 5, 3, 2}},
		{RoundRobin, NoPreference, true, ControlByPointCode, []uint16{2, 3, 5, 8, 9}},
		{LeastRecentlyUsed, NoPreference, true, ControlByPointCode, []uint16{2, 3, 5, 8, 9}},
		{Ascending, PreferOdd, true, ControlByPointCode, []uint16{3, 5, 9, 2, 8}},
		{Ascending, PreferEven, false, ControlByPointCode, []uint16{2, 8, 3, 5, 9}},
		{Descending, PreferOdd, true, ControlByPointCode, []uint16{9, 5, 3, 8, 2}},
		// Q.764 §2.9.1.3 method 2 with the §2.9.1.4 rule: the higher
		// point code prefers the even circuits, the lower the odd ones.
		{Ascending, PreferControlled, true, ControlByPointCode, []uint16{2, 8, 3, 5, 9}},
		{Ascending, PreferControlled, false, ControlByPointCode, []uint16{3, 5, 9, 2, 8}},
		{Descending, PreferControlled, true, ControlByPointCode, []uint16{8, 2, 9, 5, 3}},
		{RoundRobin, PreferControlled, false, ControlByPointCode, []uint16{3, 5, 9, 2, 8}},
		// LRU: controlled circuits longest idle first, the others latest
		// released first (none released yet: highest CIC first).
		{LeastRecentlyUsed, PreferControlled, true, ControlByPointCode, []uint16{2, 8, 9, 5, 3}},
		{Ascending, PreferControlled, true, ControlByPointCodeReversed, []uint16{3, 5, 9, 2, 8}},
		// Controlling all or none leaves nothing to prefer.
		{Ascending, PreferControlled, true, ControlAll, []uint16{2, 3, 5, 8, 9}},
		{Descending, PreferControlled, true, ControlNone, []uint16{9, 8, 5, 3, 2}},
	}
	for _, c := range cases {
		name := fmt.Sprintf("%v/%v/higher=%v/%v", c.s, c.p, c.ownHigher, c.rule)
		sel := NewSelector(group10(t, c.s, c.p, c.ownHigher, c.rule))
		if got := drain(sel, availOf(pattern...), t0); !slices.Equal(got, c.want) {
			t.Errorf("%s: order %v, want %v", name, got, c.want)
		}
	}
}

func TestSelectNoneAvailable(t *testing.T) {
	for s := Ascending; s <= Random; s++ {
		for p := NoPreference; p <= PreferEven; p++ {
			sel := NewSelector(group10(t, s, p, true, ControlByPointCode))
			calls := 0
			cic, ok := sel.Select(func(uint16) bool { calls++; return false })
			if ok || cic != 0 {
				t.Errorf("%v/%v: Select = %d, %v with nothing available", s, p, cic, ok)
			}
			if calls < 10 {
				t.Errorf("%v/%v: asked about %d circuits of 10 before giving up", s, p, calls)
			}
			// Nor does a CIC outside the group disturb it.
			sel.Seized(4000, t0)
			sel.Released(4000, t0)
		}
	}
}

func TestLRUReleases(t *testing.T) {
	sel := NewSelector(group10(t, LeastRecentlyUsed, NoPreference, true, ControlByPointCode))
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	sel.Released(5, at(1))
	sel.Released(2, at(2))
	sel.Released(9, at(3))
	// Never-released circuits have been idle since start: they come first.
	if got, want := drain(sel, availOf(2, 3, 5, 8, 9), at(4)), []uint16{3, 8, 5, 2, 9}; !slices.Equal(got, want) {
		t.Errorf("after releases 5, 2, 9: order %v, want %v", got, want)
	}
	// Out-of-order reports land in time order; equal times in call order.
	sel.Released(4, at(6))
	sel.Released(6, at(5))
	sel.Released(7, at(7))
	sel.Released(1, at(7))
	if got, want := drain(sel, availOf(1, 4, 6, 7), at(8)), []uint16{6, 4, 7, 1}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
	// A new release moves a circuit to the end.
	sel.Released(2, at(9))
	sel.Released(9, at(10))
	sel.Released(5, at(11))
	sel.Released(2, at(12))
	if got, want := drain(sel, availOf(2, 5, 9), at(13)), []uint16{9, 5, 2}; !slices.Equal(got, want) {
		t.Errorf("after 2 released again: order %v, want %v", got, want)
	}
	// Every circuit still listed once: all ten come out.
	if got := drain(sel, availOf(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), at(14)); len(got) != 10 {
		t.Errorf("list lost circuits: %v", got)
	}
}

func TestLRUSeizedMovesBack(t *testing.T) {
	sel := NewSelector(group10(t, LeastRecentlyUsed, NoPreference, true, ControlByPointCode))
	a := availOf(1, 2, 3)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	var got []uint16
	for i := range 6 {
		cic, _ := sel.Select(a.f)
		got = append(got, cic)
		// Seized, never reported released (a missed report), yet
		// available again: it is offered after the others, not lost.
		sel.Seized(cic, at(i))
	}
	if want := []uint16{1, 2, 3, 1, 2, 3}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

func TestEmptyPreferredPass(t *testing.T) {
	// PreferOdd on a group of even CICs only: nothing to prefer.
	for s := Ascending; s <= Random; s++ {
		g := mustGroup(t, Config{Name: "even", Variant: ITU, OwnPC: mtp3.ITUPC(2), PeerPC: mtp3.ITUPC(1),
			CICs: Ranges{{2, 2}, {4, 4}, {6, 6}}, Strategy: s, Parity: PreferOdd})
		sel := NewSelector(g)
		if cic, ok := sel.Select(availOf(4).f); !ok || cic != 4 {
			t.Errorf("%v: Select = %d, %v, want 4", s, cic, ok)
		}
		sel.Seized(4, t0)
		sel.Released(4, t0)
		if cic, ok := sel.Select(availOf().f); ok {
			t.Errorf("%v: Select = %d with nothing free", s, cic)
		}
	}
}

func TestLRUControlledReleases(t *testing.T) {
	// Own point code higher: this exchange controls the even CICs.
	sel := NewSelector(group10(t, LeastRecentlyUsed, PreferControlled, true, ControlByPointCode))
	for i, cic := range []uint16{2, 4, 3, 5, 7} {
		sel.Released(cic, t0.Add(time.Duration(i)*time.Second))
	}
	// Even: longest idle first (first in, first out); odd: latest
	// released first (last in, first out), never released last.
	want := []uint16{2, 4, 7, 5, 3, 1}
	if got := drain(sel, availOf(1, 2, 3, 4, 5, 7), t0.Add(time.Minute)); !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

func TestRoundRobinFairness(t *testing.T) {
	g := mustGroup(t, e1())
	g.cfg.Strategy = RoundRobin
	sel := NewSelector(g)
	a := availOf(g.cics...)
	count := map[uint16]int{}
	var first []uint16
	for i := range 3000 {
		cic, ok := sel.Select(a.f)
		if !ok {
			t.Fatal("nothing selected")
		}
		sel.Seized(cic, t0)
		sel.Released(cic, t0)
		count[cic]++
		if i < 32 {
			first = append(first, cic)
		}
	}
	for _, cic := range g.cics {
		if count[cic] != 100 {
			t.Errorf("CIC %d chosen %d times of 3000, want 100", cic, count[cic])
		}
	}
	want := append(slices.Clone(g.cics), 1, 2)
	if !slices.Equal(first, want) {
		t.Errorf("first picks %v, want %v", first, want)
	}

	// With some circuits busy for good, the others share equally, and the
	// search resumes after the last seized circuit, wrapping round.
	sel = NewSelector(g)
	a = availOf(2, 5, 8, 30)
	var order []uint16
	for range 8 {
		cic, _ := sel.Select(a.f)
		sel.Seized(cic, t0)
		order = append(order, cic)
	}
	if want := []uint16{2, 5, 8, 30, 2, 5, 8, 30}; !slices.Equal(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
	// An incoming-side release does not move the cursor; a seizure does.
	sel.Released(29, t0)
	sel.Seized(5, t0)
	if cic, _ := sel.Select(a.f); cic != 8 {
		t.Errorf("after seizing 5: %d, want 8", cic)
	}
}

func TestRandomDeterministic(t *testing.T) {
	g := mustGroup(t, Config{Name: "big", Variant: ITU, OwnPC: mtp3.ITUPC(2), PeerPC: mtp3.ITUPC(1),
		CICs: Ranges{{1, 1000}}, Strategy: Random})
	a := make(avail, 65536)
	for cic := uint16(1); cic <= 1000; cic++ {
		a[cic] = cic%7 == 0 || cic%11 == 0
	}
	run := func(seed uint64) []uint16 {
		sel := NewSelector(g, WithSeed(seed))
		out := make([]uint16, 200)
		for i := range out {
			cic, ok := sel.Select(a.f)
			if !ok || !a[cic] {
				t.Fatalf("seed %d: Select = %d, %v", seed, cic, ok)
			}
			out[i] = cic
		}
		return out
	}
	x, y, z := run(42), run(42), run(43)
	if !slices.Equal(x, y) {
		t.Errorf("seed 42 gave two sequences")
	}
	if slices.Equal(x, z) {
		t.Errorf("seeds 42 and 43 gave the same sequence")
	}
	if d := NewSelector(g); fmt.Sprint(d.(*random).rng.Uint64()) != fmt.Sprint(NewSelector(g, WithSeed(0)).(*random).rng.Uint64()) {
		t.Errorf("the default seed is not 0")
	}
}

func TestRandomUniform(t *testing.T) {
	g := mustGroup(t, Config{Name: "big", Variant: ITU, OwnPC: mtp3.ITUPC(2), PeerPC: mtp3.ITUPC(1),
		CICs: Ranges{{1, 1000}}, Strategy: Random})
	// 10 of 1000 free: half the selections miss all 64 draws and take the
	// exhaustive pass, so both paths are measured.
	free := []uint16{1, 2, 3, 500, 501, 997, 998, 999, 1000, 250}
	a := availOf(free...)
	sel := NewSelector(g, WithSeed(7))
	count := map[uint16]int{}
	for range 20000 {
		cic, ok := sel.Select(a.f)
		if !ok {
			t.Fatal("nothing selected")
		}
		count[cic]++
	}
	for _, cic := range free {
		// Expect 2000 each (σ ≈ 42): ±300 is a failure only if biased.
		if n := count[cic]; n < 1700 || n > 2300 {
			t.Errorf("CIC %d chosen %d times of 20000, want about 2000", cic, n)
		}
	}
	if len(count) != len(free) {
		t.Errorf("chose %d distinct circuits, %d were free", len(count), len(free))
	}
	// One free circuit among 1000 is still found.
	if cic, ok := sel.Select(availOf(777).f); !ok || cic != 777 {
		t.Errorf("single free circuit: %d, %v", cic, ok)
	}
}

func TestRandomPreference(t *testing.T) {
	g := group10(t, Random, PreferControlled, true, ControlByPointCode) // even controlled
	sel := NewSelector(g, WithSeed(1))
	for range 100 {
		if cic, _ := sel.Select(availOf(3, 4, 7).f); cic != 4 {
			t.Fatalf("chose %d while controlled 4 was free", cic)
		}
	}
	seen := map[uint16]bool{}
	for range 100 {
		cic, ok := sel.Select(availOf(3, 7).f)
		if !ok || (cic != 3 && cic != 7) {
			t.Fatalf("Select = %d, %v", cic, ok)
		}
		seen[cic] = true
	}
	if !seen[3] || !seen[7] {
		t.Errorf("fallback not random: %v", seen)
	}
}

func TestSelectNoAlloc(t *testing.T) {
	a := availOf(3, 8, 9)
	f := a.f
	for s := Ascending; s <= Random; s++ {
		for p := NoPreference; p <= PreferEven; p++ {
			sel := NewSelector(group10(t, s, p, true, ControlByPointCode), WithSeed(3))
			now := t0
			allocs := testing.AllocsPerRun(200, func() {
				cic, ok := sel.Select(f)
				if !ok {
					panic("nothing selected")
				}
				sel.Seized(cic, now)
				now = now.Add(time.Second)
				sel.Released(cic, now)
			})
			if allocs != 0 {
				t.Errorf("%v/%v: %v allocations per Select/Seized/Released", s, p, allocs)
			}
		}
	}
}

func TestStrategyParityNames(t *testing.T) {
	for s := Ascending; s <= Random; s++ {
		got, err := ParseStrategy(s.String())
		var u Strategy
		if err != nil || got != s || u.UnmarshalText([]byte(s.String())) != nil || u != s {
			t.Errorf("strategy %v does not round-trip: %v %v", s, got, err)
		}
	}
	for p := NoPreference; p <= PreferEven; p++ {
		got, err := ParseParity(p.String())
		var u Parity
		if err != nil || got != p || u.UnmarshalText([]byte(p.String())) != nil || u != p {
			t.Errorf("parity %v does not round-trip: %v %v", p, got, err)
		}
	}
	want := []string{"ascending", "descending", "round-robin", "lru", "random", "strategy(5)"}
	for i, w := range want {
		if s := Strategy(i).String(); s != w {
			t.Errorf("Strategy(%d) = %q, want %q", i, s, w)
		}
	}
	want = []string{"none", "controlled", "odd", "even", "parity(4)"}
	for i, w := range want {
		if s := Parity(i).String(); s != w {
			t.Errorf("Parity(%d) = %q, want %q", i, s, w)
		}
	}
	if _, err := ParseStrategy("fifo"); !errors.Is(err, ErrValue) {
		t.Errorf("ParseStrategy(fifo) = %v", err)
	}
	if _, err := ParseParity("both"); !errors.Is(err, ErrValue) {
		t.Errorf("ParseParity(both) = %v", err)
	}
	if b, _ := LeastRecentlyUsed.MarshalText(); string(b) != "lru" {
		t.Errorf("MarshalText = %q", b)
	}
	if b, _ := PreferControlled.MarshalText(); string(b) != "controlled" {
		t.Errorf("MarshalText = %q", b)
	}
}

// TestLRUModel checks the linked lists against a plain model over random
// sequences of selections, seizures and releases (times sometimes out of
// order): the model sorts idle circuits by (release time, report order),
// never-released first by CIC, reversed for the non-preferred pass, and
// offers the seized circuits after every idle one.
func TestLRUModel(t *testing.T) {
	type entry struct {
		seized bool
		at     time.Time
		seq    int // report order; never-released: CIC-65536 so CIC order
	}
	for _, parity := range []Parity{NoPreference, PreferControlled, PreferOdd} {
		g := mustGroup(t, Config{Name: "m", Variant: ITU, OwnPC: mtp3.ITUPC(2), PeerPC: mtp3.ITUPC(1),
			CICs: Ranges{{1, 7}, {9, 20}}, Strategy: LeastRecentlyUsed, Parity: parity})
		rng := rand.New(rand.NewPCG(uint64(parity), 99))
		for run := range 200 {
			sel := NewSelector(g)
			p := newPool(g)
			model := map[uint16]*entry{}
			for _, cic := range g.cics {
				model[cic] = &entry{seq: int(cic) - 65536}
			}
			seq := 0
			// Idle circuits of pass 0 by (release time, report order),
			// then those of pass 1 the other way round, then the seized
			// ones by seizure order, pass 1 reversed.
			expect := func(a avail) (uint16, bool) {
				for _, seized := range []bool{false, true} {
					for k := 0; k < p.passes; k++ {
						var best uint16
						found := false
						for _, c := range p.pass[k] {
							e := model[c]
							if !a[c] || e.seized != seized {
								continue
							}
							if !found {
								best, found = c, true
								continue
							}
							b := model[best]
							before := e.at.Before(b.at) || (e.at.Equal(b.at) && e.seq < b.seq)
							if seized {
								before = e.seq < b.seq
							}
							if before == (k == 0) {
								best = c
							}
						}
						if found {
							return best, true
						}
					}
				}
				return 0, false
			}
			for step := range 60 {
				a := make(avail, 65536)
				dry := rng.IntN(3) == 0 // pass 0 refused, to reach pass 1
				for _, c := range g.cics {
					a[c] = rng.IntN(3) > 0 && !(dry && p.passOf(c) == 0 && p.passes == 2)
				}
				switch rng.IntN(3) {
				case 0:
					got, ok := sel.Select(a.f)
					want, wok := expect(a)
					if got != want || ok != wok {
						t.Fatalf("%v run %d step %d: Select = %d, %v, model %d, %v", parity, run, step, got, ok, want, wok)
					}
				case 1:
					c := g.cics[rng.IntN(len(g.cics))]
					seq++
					model[c].seized, model[c].seq = true, seq
					sel.Seized(c, t0)
				case 2:
					c := g.cics[rng.IntN(len(g.cics))]
					now := t0.Add(time.Duration(rng.IntN(20)) * time.Second)
					seq++
					*model[c] = entry{at: now, seq: seq}
					sel.Released(c, now)
				}
			}
		}
	}
}
