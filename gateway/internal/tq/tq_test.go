package tq

import (
	"math/rand/v2"
	"sort"
	"testing"
	"time"
)

// TestOrder: timers come out in deadline order, ties in start order;
// restarting replaces, stopping removes — checked against a model.
func TestOrder(t *testing.T) {
	t0 := time.Unix(0, 0)
	rng := rand.New(rand.NewPCG(1, 2))
	q := New[int]()
	model := map[int]time.Time{}
	order := map[int]int{}
	seq := 0
	for step := 0; step < 5000; step++ {
		k := rng.IntN(50)
		switch rng.IntN(3) {
		case 0, 1:
			at := t0.Add(time.Duration(rng.IntN(100)) * time.Millisecond)
			q.Start(k, at)
			model[k] = at
			seq++
			order[k] = seq
		case 2:
			_, had := model[k]
			if q.Stop(k) != had {
				t.Fatalf("Stop(%d) disagrees", k)
			}
			delete(model, k)
		}
		if q.Len() != len(model) {
			t.Fatalf("len %d, model %d", q.Len(), len(model))
		}
	}
	keys := make([]int, 0, len(model))
	for k := range model {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := model[keys[i]], model[keys[j]]
		if !a.Equal(b) {
			return a.Before(b)
		}
		return order[keys[i]] < order[keys[j]]
	})
	if _, _, ok := q.Pop(t0.Add(-time.Millisecond)); ok {
		t.Fatal("popped a timer not yet due")
	}
	for _, want := range keys {
		k, at, ok := q.Pop(t0.Add(time.Hour))
		if !ok || k != want || !at.Equal(model[want]) {
			t.Fatalf("popped %d %v, want %d %v", k, at, want, model[want])
		}
	}
	if q.Len() != 0 || q.Running(1) {
		t.Fatal("not empty")
	}
}
