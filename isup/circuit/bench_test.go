package circuit

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// The selection benchmarks use a 1,000-circuit group (CICs 1-1000) with 90%
// of the circuits busy:
//
//	spread: a fixed random 900 busy, Select only;
//	packed: the lowest 900 busy, Select only (the worst case for ascending);
//	churn:  steady state: each op selects and seizes one circuit and
//	        releases a random busy one, so 900 stay busy.
func benchGroup(b *testing.B, s Strategy, p Parity) *Group {
	return mustGroup(b, Config{Name: "bench", Variant: ITU, OwnPC: mtp3.ITUPC(2), PeerPC: mtp3.ITUPC(1),
		CICs: Ranges{{1, 1000}}, Strategy: s, Parity: p})
}

func BenchmarkSelect(b *testing.B) {
	for s := Ascending; s <= Random; s++ {
		for _, p := range []Parity{NoPreference, PreferControlled} {
			name := s.String() + "/" + p.String()
			b.Run(name+"/spread", func(b *testing.B) {
				sel := NewSelector(benchGroup(b, s, p), WithSeed(1))
				a := make(avail, 65536)
				rng := rand.New(rand.NewPCG(1, 2))
				for _, i := range rng.Perm(1000)[:100] {
					a[i+1] = true
				}
				f := a.f
				b.ReportAllocs()
				for b.Loop() {
					if _, ok := sel.Select(f); !ok {
						b.Fatal("nothing selected")
					}
				}
			})
			b.Run(name+"/packed", func(b *testing.B) {
				sel := NewSelector(benchGroup(b, s, p), WithSeed(1))
				a := make(avail, 65536)
				for cic := 901; cic <= 1000; cic++ {
					a[cic] = true
				}
				f := a.f
				b.ReportAllocs()
				for b.Loop() {
					if _, ok := sel.Select(f); !ok {
						b.Fatal("nothing selected")
					}
				}
			})
			b.Run(name+"/churn", func(b *testing.B) {
				sel := NewSelector(benchGroup(b, s, p), WithSeed(1))
				a := make(avail, 65536)
				rng := rand.New(rand.NewPCG(3, 4))
				var busy []uint16
				for i, cic := range rng.Perm(1000) {
					if i < 900 {
						busy = append(busy, uint16(cic+1))
					} else {
						a[cic+1] = true
					}
				}
				f := a.f
				now := time.Unix(0, 0)
				b.ReportAllocs()
				for b.Loop() {
					cic, ok := sel.Select(f)
					if !ok {
						b.Fatal("nothing selected")
					}
					a[cic] = false
					sel.Seized(cic, now)
					now = now.Add(time.Millisecond)
					k := rng.IntN(len(busy))
					free := busy[k]
					busy[k] = cic
					a[free] = true
					sel.Released(free, now)
				}
			})
		}
	}
}

func BenchmarkRegistrySet(b *testing.B) {
	r := NewRegistry(benchGroup(b, Ascending, NoPreference), time.Unix(0, 0))
	now := time.Unix(1, 0)
	b.ReportAllocs()
	var cic uint16 = 1
	for b.Loop() {
		r.Set(cic, BusyOutgoing, now, "IAM sent")
		r.Set(cic, Idle, now, "RLC received")
		if cic++; cic > 1000 {
			cic = 1
		}
	}
}
