package metrics

import "sync/atomic"

// window counts two quantities per second over a ring of seconds, without
// locks or allocation: each slot is one 64-bit word holding the second it
// belongs to (low 24 bits of the Unix time) and the two counts (20 bits
// each), updated by compare-and-swap. A slot whose second is not the one
// asked for is stale and reads as zero; writing a new second into it
// restarts its counts. Counts saturate at 2^20-1 per second (a million calls
// a second, far beyond the gateway's reach).
type window struct {
	slots []atomic.Uint64
}

const (
	secBits   = 24
	countBits = 20
	countMax  = 1<<countBits - 1
	secMask   = 1<<secBits - 1
)

func newWindow(seconds int) *window {
	return &window{slots: make([]atomic.Uint64, seconds)}
}

func (w *window) slot(sec int64) *atomic.Uint64 {
	n := int64(len(w.slots))
	return &w.slots[((sec%n)+n)%n]
}

// add counts a and b in second sec.
func (w *window) add(sec int64, a, b uint64) {
	s := uint64(sec) & secMask
	p := w.slot(sec)
	for {
		old := p.Load()
		var oa, ob uint64
		if old>>(2*countBits) == s {
			oa, ob = old>>countBits&countMax, old&countMax
		}
		na, nb := min(oa+a, countMax), min(ob+b, countMax)
		if p.CompareAndSwap(old, s<<(2*countBits)|na<<countBits|nb) {
			return
		}
	}
}

// sum adds up the counts of seconds from first to last inclusive; seconds
// further back than the ring holds read as zero.
func (w *window) sum(first, last int64) (a, b uint64) {
	if last-first >= int64(len(w.slots)) {
		first = last - int64(len(w.slots)) + 1
	}
	for sec := first; sec <= last; sec++ {
		v := w.slot(sec).Load()
		if v>>(2*countBits) == uint64(sec)&secMask {
			a += v >> countBits & countMax
			b += v & countMax
		}
	}
	return a, b
}
