package circuit

import (
	"math/rand/v2"
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
	// LeastRecentlyUsed takes the available circuit idle the longest
	// (released the earliest; never-released circuits first, lowest CIC
	// first). With PreferControlled it is Q.764 §2.9.1.3 method 2.
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
// must not change its answer during one Select. Select changes nothing; the
// caller reports what happened with Seized and Released. A Selector is not
// safe for concurrent use: the event loop that owns the group drives it.
type Selector interface {
	// Select returns an available circuit, or ok == false when avail
	// refuses every circuit. It allocates nothing.
	Select(avail func(cic uint16) bool) (cic uint16, ok bool)
	// Seized reports that this exchange seized cic for an outgoing call
	// (the IAM went out); round robin continues after it.
	Seized(cic uint16, now time.Time)
	// Released reports that cic became idle again after a call in either
	// direction; least recently used orders circuits by it.
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

// pool is what every strategy shares: the circuits in ascending order and
// the parity preference, which depends only on a CIC's parity for every
// Parity and Control value.
type pool struct {
	g      *Group
	cics   []uint16
	pref   [2]bool // pref[cic&1]: offered in the first pass
	passes int     // 1 when the preference does not split the group
}

func newPool(g *Group) pool {
	p := pool{g: g, cics: g.cics}
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
	p.passes = 2
	if p.pref[0] == p.pref[1] {
		p.passes = 1
	}
	return p
}

// in reports whether cic is offered in pass (0 preferred, 1 the rest).
func (p *pool) in(pass int, cic uint16) bool {
	return p.passes == 1 || p.pref[cic&1] == (pass == 0)
}

// ordered is Ascending and Descending.
type ordered struct {
	pool
	descending bool
}

func (s *ordered) Select(avail func(uint16) bool) (uint16, bool) {
	n := len(s.cics)
	for pass := 0; pass < s.passes; pass++ {
		for k := 0; k < n; k++ {
			i := k
			if s.descending {
				i = n - 1 - k
			}
			if c := s.cics[i]; s.in(pass, c) && avail(c) {
				return c, true
			}
		}
	}
	return 0, false
}

func (s *ordered) Seized(uint16, time.Time)   {}
func (s *ordered) Released(uint16, time.Time) {}

type roundRobin struct {
	pool
	next int // position where the next search starts
}

func (s *roundRobin) Select(avail func(uint16) bool) (uint16, bool) {
	n := len(s.cics)
	for pass := 0; pass < s.passes; pass++ {
		for k := 0; k < n; k++ {
			i := s.next + k
			if i >= n {
				i -= n
			}
			if c := s.cics[i]; s.in(pass, c) && avail(c) {
				return c, true
			}
		}
	}
	return 0, false
}

func (s *roundRobin) Seized(cic uint16, _ time.Time) {
	if i, ok := s.g.positionOf(cic); ok {
		s.next = i + 1
		if s.next == len(s.cics) {
			s.next = 0
		}
	}
}

func (s *roundRobin) Released(uint16, time.Time) {}

// lru keeps the circuits in a list ordered by the time they became idle,
// earliest first, so that Select walks from the head and stops at the first
// available circuit: a few steps when most circuits are free or the busy
// ones are spread, never more than the group.
type lru struct {
	pool
	prev, next []int32 // list links by position; -1 ends
	head, tail int32
	since      []time.Time // when the circuit was last released; zero: never
}

func newLRU(p pool) *lru {
	n := len(p.cics)
	s := &lru{pool: p, prev: make([]int32, n), next: make([]int32, n), since: make([]time.Time, n), head: 0, tail: int32(n - 1)}
	for i := range n {
		s.prev[i] = int32(i - 1)
		s.next[i] = int32(i + 1)
	}
	s.next[n-1] = -1
	return s
}

func (s *lru) Select(avail func(uint16) bool) (uint16, bool) {
	for i := s.head; i >= 0; i = s.next[i] {
		if c := s.cics[i]; s.in(0, c) && avail(c) {
			return c, true
		}
	}
	if s.passes == 1 {
		return 0, false
	}
	// Q.764 §2.9.1.3 method 2: of the circuits the other exchange
	// controls, take the latest released (last in, first out), the one
	// that exchange, taking its own longest idle, is least likely to seize.
	for i := s.tail; i >= 0; i = s.prev[i] {
		if c := s.cics[i]; s.in(1, c) && avail(c) {
			return c, true
		}
	}
	return 0, false
}

func (s *lru) Seized(uint16, time.Time) {}

func (s *lru) Released(cic uint16, now time.Time) {
	p, ok := s.g.positionOf(cic)
	if !ok {
		return
	}
	i := int32(p)
	// Unlink.
	if s.prev[i] >= 0 {
		s.next[s.prev[i]] = s.next[i]
	} else {
		s.head = s.next[i]
	}
	if s.next[i] >= 0 {
		s.prev[s.next[i]] = s.prev[i]
	} else {
		s.tail = s.prev[i]
	}
	s.since[i] = now
	// Insert after the last circuit released no later than now: the tail
	// at once when events come in time order, as they do from one loop.
	j := s.tail
	for j >= 0 && s.since[j].After(now) {
		j = s.prev[j]
	}
	s.prev[i] = j
	if j >= 0 {
		s.next[i] = s.next[j]
		s.next[j] = i
	} else {
		s.next[i] = s.head
		s.head = i
	}
	if s.next[i] >= 0 {
		s.prev[s.next[i]] = i
	} else {
		s.tail = i
	}
}

// probes bounds the random draws before the exhaustive pass: with 90% of
// the circuits busy, 64 draws miss with probability 0.9^64 ≈ 0.1%.
const probes = 64

type random struct {
	pool
	rng *rand.Rand
}

// Select draws positions at random and keeps the first available one in
// the pass (rejection sampling, uniform over the available circuits); when
// the draws all miss it counts the available circuits once and picks one
// of them uniformly (reservoir sampling), so a nearly full group is still
// served and the choice stays uniform.
func (s *random) Select(avail func(uint16) bool) (uint16, bool) {
	n := len(s.cics)
	for pass := 0; pass < s.passes; pass++ {
		for range probes {
			if c := s.cics[s.rng.IntN(n)]; s.in(pass, c) && avail(c) {
				return c, true
			}
		}
		var pick uint16
		seen := 0
		for _, c := range s.cics {
			if s.in(pass, c) && avail(c) {
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
