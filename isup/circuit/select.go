package circuit

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Strategy is the order in which a Selector offers idle circuits to an
// outgoing call.
type Strategy uint8

const (
	// Ascending takes the lowest available CIC. With Descending at the far
	// end it is Q.764 §2.9.1.3 method 1 (opposite order of selection at
	// each end), which keeps dual seizures to the last free circuits.
	Ascending Strategy = iota
	// Descending takes the highest available CIC.
	Descending
	// RoundRobin takes the next available CIC after the one last seized,
	// wrapping round, so that every circuit carries its share of calls.
	RoundRobin
	// LeastRecentlyUsed takes the available circuit idle the longest: the
	// one released the earliest; circuits never released come first,
	// lowest CIC first. With PreferControlled it is Q.764 §2.9.1.3
	// method 2.
	LeastRecentlyUsed
	// Random takes an available circuit uniformly at random, from a
	// generator seeded by WithSeed: the same seed and the same calls give
	// the same choices.
	Random
)

var strategyNames = [...]string{"ascending", "descending", "round-robin", "lru", "random"}

func (s Strategy) String() string {
	if int(s) < len(strategyNames) {
		return strategyNames[s]
	}
	return "strategy(" + strconv.Itoa(int(s)) + ")"
}

// ParseStrategy reads the names String writes, any case.
func ParseStrategy(s string) (Strategy, error) {
	for i, n := range strategyNames {
		if strings.EqualFold(s, n) {
			return Strategy(i), nil
		}
	}
	return 0, &Error{Field: "Strategy", Err: ErrValue, Detail: strconv.Quote(s) + ": want one of " + strings.Join(strategyNames[:], ", ")}
}

func (s Strategy) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

func (s *Strategy) UnmarshalText(b []byte) (err error) {
	*s, err = ParseStrategy(string(b))
	return err
}

// Parity is a preference among a group's circuits: the preferred ones are
// offered first, in the strategy's order, and the others only when none of
// the preferred is available.
type Parity uint8

const (
	// NoPreference offers every circuit in one pass. The zero value.
	NoPreference Parity = iota
	// PreferControlled offers first the circuits this exchange controls
	// under the group's Control rule, where it wins a dual seizure
	// (Q.764 §2.9.1.3 method 2: priority access to the controlled circuits,
	// non-priority access to the others).
	PreferControlled
	// PreferOdd offers the odd CICs first.
	PreferOdd
	// PreferEven offers the even CICs first.
	PreferEven
)

var parityNames = [...]string{"none", "controlled", "odd", "even"}

func (p Parity) String() string {
	if int(p) < len(parityNames) {
		return parityNames[p]
	}
	return "parity(" + strconv.Itoa(int(p)) + ")"
}

// ParseParity reads the names String writes, any case.
func ParseParity(s string) (Parity, error) {
	for i, n := range parityNames {
		if strings.EqualFold(s, n) {
			return Parity(i), nil
		}
	}
	return 0, &Error{Field: "Parity", Err: ErrValue, Detail: strconv.Quote(s) + ": want one of " + strings.Join(parityNames[:], ", ")}
}

func (p Parity) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

func (p *Parity) UnmarshalText(b []byte) (err error) {
	*p, err = ParseParity(string(b))
	return err
}

// Selector picks the circuit for an outgoing call. It knows the order, not
// the circuits' states: avail, given by the caller (who knows which circuits
// are idle and unblocked), must report whether a circuit may be seized, and
// must not change its answer during one Select. Select records nothing
// (random only advances its generator); the caller reports what happened
// with Seized and Released. A Selector is not safe for concurrent use: the
// event loop that owns the group drives it.
type Selector interface {
	// Select returns an available circuit, or ok == false when avail
	// refuses every circuit. It allocates nothing.
	Select(avail func(cic uint16) bool) (cic uint16, ok bool)
	// Seized reports that this exchange seized cic for an outgoing call
	// (the IAM went out): round robin continues after it, least recently
	// used sets it aside until it is released.
	Seized(cic uint16, now time.Time)
	// Released reports that cic became idle again, after a call in either
	// direction or a reset: least recently used orders the idle circuits
	// by it. A missed report costs order, never a circuit: Select still
	// offers every circuit avail accepts.
	Released(cic uint16, now time.Time)
}

// Option configures NewSelector.
type Option func(*options)

type options struct{ seed uint64 }

// WithSeed seeds the Random strategy's generator (default 0). Other
// strategies ignore it.
func WithSeed(seed uint64) Option { return func(o *options) { o.seed = seed } }

// NewSelector returns the selector for g's strategy and parity preference.
func NewSelector(g *Group, opts ...Option) Selector {
	var o options
	for _, f := range opts {
		f(&o)
	}
	p := newPool(g)
	switch g.cfg.Strategy {
	case Descending:
		return &ordered{pool: p, descending: true}
	case RoundRobin:
		return &roundRobin{pool: p}
	case LeastRecentlyUsed:
		return newLRU(p)
	case Random:
		// The second PCG word is a fixed odd constant so that one seed
		// is all the caller has to keep.
		return &random{pool: p, rng: rand.New(rand.NewPCG(o.seed, 0x9e3779b97f4a7c15))}
	}
	return &ordered{pool: p}
}

// pool is what every strategy shares: the circuits split by the parity
// preference into the CICs offered in the first pass and the rest, each in
// ascending order. The preference depends only on a CIC's parity for every
// Parity and Control value, so the split is fixed for the group.
type pool struct {
	g      *Group
	pass   [2][]uint16 // pass[1] is empty when the preference does not split the group
	pref   [2]bool     // pref[cic&1]: the CIC is in pass 0
	passes int
}

func newPool(g *Group) pool {
	p := pool{g: g}
	switch g.cfg.Parity {
	case PreferControlled:
		p.pref = [2]bool{g.Controls(0), g.Controls(1)}
	case PreferOdd:
		p.pref = [2]bool{false, true}
	case PreferEven:
		p.pref = [2]bool{true, false}
	default:
		p.pref = [2]bool{true, true}
	}
	if p.pref[0] == p.pref[1] {
		p.passes = 1
		p.pass[0] = g.cics
		return p
	}
	p.passes = 2
	for _, cic := range g.cics {
		k := p.passOf(cic)
		p.pass[k] = append(p.pass[k], cic)
	}
	return p
}

// passOf returns the pass that offers cic (0 preferred, 1 the rest).
func (p *pool) passOf(cic uint16) int {
	if p.passes == 1 || p.pref[cic&1] {
		return 0
	}
	return 1
}

// ordered is Ascending and Descending.
type ordered struct {
	pool
	descending bool
}

func (s *ordered) Select(avail func(uint16) bool) (uint16, bool) {
	for k := 0; k < s.passes; k++ {
		cics := s.pass[k]
		if s.descending {
			for i := len(cics) - 1; i >= 0; i-- {
				if avail(cics[i]) {
					return cics[i], true
				}
			}
			continue
		}
		for _, c := range cics {
			if avail(c) {
				return c, true
			}
		}
	}
	return 0, false
}

func (s *ordered) Seized(uint16, time.Time)   {}
func (s *ordered) Released(uint16, time.Time) {}

// roundRobin keeps one cursor per pass, so that with a preference each
// class of circuits is cycled through on its own.
type roundRobin struct {
	pool
	next [2]int // index in pass[k] where the next search starts
}

func (s *roundRobin) Select(avail func(uint16) bool) (uint16, bool) {
	for k := 0; k < s.passes; k++ {
		cics, start := s.pass[k], s.next[k]
		for j := range cics {
			i := start + j
			if i >= len(cics) {
				i -= len(cics)
			}
			if avail(cics[i]) {
				return cics[i], true
			}
		}
	}
	return 0, false
}

func (s *roundRobin) Seized(cic uint16, _ time.Time) {
	k := s.passOf(cic)
	if i, ok := slices.BinarySearch(s.pass[k], cic); ok {
		s.next[k] = i + 1
		if s.next[k] == len(s.pass[k]) {
			s.next[k] = 0
		}
	}
}

func (s *roundRobin) Released(uint16, time.Time) {}

// lru keeps, for each pass, the idle circuits in a list ordered by release
// time, earliest first, and the circuits this exchange seized in a second
// list. Select walks the idle lists and stops at the first available
// circuit: in steady state, a step or two. The seized lists are walked only
// after both idle lists, so that a circuit whose release was never reported
// is still offered, last, rather than lost.
type lru struct {
	pool
	prev, next []int32     // links by position in the group; -1 ends a list
	in         []uint8     // the list each position is on: pass*2 + idle(0)/seized(1)
	lists      [4]dlist    // idle pass 0, seized pass 0, idle pass 1, seized pass 1
	released   []time.Time // last release; zero: never released
}

type dlist struct{ head, tail int32 }

func newLRU(p pool) *lru {
	n := len(p.g.cics)
	s := &lru{pool: p, prev: make([]int32, n), next: make([]int32, n), in: make([]uint8, n),
		released: make([]time.Time, n)}
	for i := range s.lists {
		s.lists[i] = dlist{-1, -1}
	}
	// Never-released circuits, idle since start, in ascending CIC order.
	for i, cic := range p.g.cics {
		s.in[i] = uint8(2 * s.passOf(cic))
		s.insertAfter(int32(i), s.lists[s.in[i]].tail)
	}
	return s
}

func (s *lru) Select(avail func(uint16) bool) (uint16, bool) {
	cics := s.g.cics
	for i := s.lists[0].head; i >= 0; i = s.next[i] {
		if avail(cics[i]) {
			return cics[i], true
		}
	}
	// Q.764 §2.9.1.3 method 2: of the circuits the other exchange
	// controls, take the latest released (last in, first out), the one
	// that exchange, taking its own longest idle, is least likely to seize.
	for i := s.lists[2].tail; i >= 0; i = s.prev[i] {
		if avail(cics[i]) {
			return cics[i], true
		}
	}
	// Circuits seized and never reported released: offered last, in the
	// same orders, so that a missed report costs order, not a circuit.
	for i := s.lists[1].head; i >= 0; i = s.next[i] {
		if avail(cics[i]) {
			return cics[i], true
		}
	}
	for i := s.lists[3].tail; i >= 0; i = s.prev[i] {
		if avail(cics[i]) {
			return cics[i], true
		}
	}
	return 0, false
}

func (s *lru) Seized(cic uint16, _ time.Time) {
	p, ok := s.g.positionOf(cic)
	if !ok {
		return
	}
	i := int32(p)
	s.unlink(i)
	s.in[i] = uint8(2*s.passOf(cic) + 1)
	s.insertAfter(i, s.lists[s.in[i]].tail)
}

func (s *lru) Released(cic uint16, now time.Time) {
	p, ok := s.g.positionOf(cic)
	if !ok {
		return
	}
	i := int32(p)
	s.unlink(i)
	s.in[i] = uint8(2 * s.passOf(cic))
	s.released[i] = now
	// After the last circuit released no later than now: the tail at once
	// when events come in time order, as they do from one loop.
	j := s.lists[s.in[i]].tail
	for j >= 0 && s.released[j].After(now) {
		j = s.prev[j]
	}
	s.insertAfter(i, j)
}

func (s *lru) unlink(i int32) {
	l := &s.lists[s.in[i]]
	if s.prev[i] >= 0 {
		s.next[s.prev[i]] = s.next[i]
	} else {
		l.head = s.next[i]
	}
	if s.next[i] >= 0 {
		s.prev[s.next[i]] = s.prev[i]
	} else {
		l.tail = s.prev[i]
	}
}

// insertAfter links i into its list (s.in[i]) after j, or first when j < 0.
func (s *lru) insertAfter(i, j int32) {
	l := &s.lists[s.in[i]]
	s.prev[i] = j
	if j >= 0 {
		s.next[i] = s.next[j]
		s.next[j] = i
	} else {
		s.next[i] = l.head
		l.head = i
	}
	if s.next[i] >= 0 {
		s.prev[s.next[i]] = i
	} else {
		l.tail = i
	}
}

// probes bounds the random draws before the exhaustive pass: with 90% of
// the circuits busy, 64 draws miss with probability 0.9^64 ≈ 0.1%.
const probes = 64

type random struct {
	pool
	rng *rand.Rand
}

// Select draws circuits of the pass at random and keeps the first available
// one (rejection sampling, uniform over the available circuits); when the
// draws all miss it counts the available circuits once and picks one of
// them uniformly (reservoir sampling), so a nearly full group is still
// served and the choice stays uniform.
func (s *random) Select(avail func(uint16) bool) (uint16, bool) {
	for k := 0; k < s.passes; k++ {
		cics := s.pass[k]
		if len(cics) == 0 { // a preference no circuit of the group has
			continue
		}
		for range probes {
			if c := cics[s.rng.IntN(len(cics))]; avail(c) {
				return c, true
			}
		}
		var pick uint16
		seen := 0
		for _, c := range cics {
			if avail(c) {
				seen++
				if s.rng.IntN(seen) == 0 {
					pick = c
				}
			}
		}
		if seen > 0 {
			return pick, true
		}
	}
	return 0, false
}

func (s *random) Seized(uint16, time.Time)   {}
func (s *random) Released(uint16, time.Time) {}
