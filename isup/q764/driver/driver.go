// Package driver runs the timers of a q764.Trunk deterministically against
// an injected clock: the Trunk asks for timers in its actions, the driver
// keeps their deadlines in a min-heap and, when the caller advances the
// clock, feeds the expiries back in deadline order. A daemon wraps a
// Driver in one goroutine with a real clock; tests advance it by hand.
package driver

import (
	"time"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/q764"
)

// Timers is a set of running timers keyed by q764.TimerRef. Starting a
// running timer replaces it. The zero value is not ready; use NewTimers.
type Timers struct {
	h   []entry                 // min-heap on (at, seq)
	pos map[q764.TimerRef]int32 // heap index of each running timer
	seq uint64
}

type entry struct {
	at  time.Time
	seq uint64 // start order breaks ties: deterministic
	ref q764.TimerRef
}

// NewTimers returns an empty timer set.
func NewTimers() *Timers {
	return &Timers{pos: make(map[q764.TimerRef]int32)}
}

// Len returns the number of running timers.
func (s *Timers) Len() int { return len(s.h) }

// Start runs ref until at, replacing a running ref.
func (s *Timers) Start(ref q764.TimerRef, at time.Time) {
	s.seq++
	if i, ok := s.pos[ref]; ok {
		s.h[i].at, s.h[i].seq = at, s.seq
		if !s.up(int(i)) {
			s.down(int(i))
		}
		return
	}
	s.h = append(s.h, entry{at, s.seq, ref})
	s.pos[ref] = int32(len(s.h) - 1)
	s.up(len(s.h) - 1)
}

// Stop stops ref; it reports whether ref was running.
func (s *Timers) Stop(ref q764.TimerRef) bool {
	i, ok := s.pos[ref]
	if !ok {
		return false
	}
	s.remove(int(i))
	return true
}

// Running reports whether ref runs and until when.
func (s *Timers) Running(ref q764.TimerRef) (time.Time, bool) {
	if i, ok := s.pos[ref]; ok {
		return s.h[i].at, true
	}
	return time.Time{}, false
}

// All appends every running timer to dst, in no particular order.
func (s *Timers) All(dst []q764.TimerRef) []q764.TimerRef {
	for i := range s.h {
		dst = append(dst, s.h[i].ref)
	}
	return dst
}

// Next returns the earliest deadline.
func (s *Timers) Next() (time.Time, bool) {
	if len(s.h) == 0 {
		return time.Time{}, false
	}
	return s.h[0].at, true
}

// Pop removes and returns the earliest timer due at or before now.
func (s *Timers) Pop(now time.Time) (q764.TimerRef, time.Time, bool) {
	if len(s.h) == 0 || s.h[0].at.After(now) {
		return q764.TimerRef{}, time.Time{}, false
	}
	e := s.h[0]
	s.remove(0)
	return e.ref, e.at, true
}

// Advance removes every timer due at or before now and appends them to out
// in deadline order (ties in start order). Handling one may stop another
// of the batch; a Trunk ignores such stale expiries, but Driver.Run, which
// pops them one at a time, never delivers them.
func (s *Timers) Advance(now time.Time, out []q764.TimerRef) []q764.TimerRef {
	for {
		ref, _, ok := s.Pop(now)
		if !ok {
			return out
		}
		out = append(out, ref)
	}
}

// Apply carries out the timer actions of acts, taken at now.
func (s *Timers) Apply(now time.Time, acts []q764.Action) {
	for i := range acts {
		switch a := &acts[i]; a.Kind {
		case q764.ActStartTimer:
			s.Start(a.Ref(), now.Add(a.Dur))
		case q764.ActStopTimer:
			s.Stop(a.Ref())
		}
	}
}

func (s *Timers) less(i, j int) bool {
	a, b := &s.h[i], &s.h[j]
	if !a.at.Equal(b.at) {
		return a.at.Before(b.at)
	}
	return a.seq < b.seq
}

func (s *Timers) swap(i, j int) {
	s.h[i], s.h[j] = s.h[j], s.h[i]
	s.pos[s.h[i].ref] = int32(i)
	s.pos[s.h[j].ref] = int32(j)
}

func (s *Timers) up(i int) bool {
	moved := false
	for i > 0 {
		p := (i - 1) / 2
		if !s.less(i, p) {
			break
		}
		s.swap(i, p)
		i, moved = p, true
	}
	return moved
}

func (s *Timers) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(s.h) {
			return
		}
		m := l
		if r := l + 1; r < len(s.h) && s.less(r, l) {
			m = r
		}
		if !s.less(m, i) {
			return
		}
		s.swap(i, m)
		i = m
	}
}

func (s *Timers) remove(i int) {
	last := len(s.h) - 1
	delete(s.pos, s.h[i].ref)
	if i != last {
		s.h[i] = s.h[last]
		s.pos[s.h[i].ref] = int32(i)
	}
	s.h = s.h[:last]
	if i < last && !s.up(i) {
		s.down(i)
	}
}

// Driver couples a Trunk with its timers. Every action the trunk produces
// goes to Sink (timer actions included, already carried out).
type Driver struct {
	Trunk  *q764.Trunk
	Timers *Timers
	// Sink receives the actions of each event with the event's time; the
	// slice is reused after Sink returns.
	Sink func(now time.Time, acts []q764.Action)
	acts []q764.Action
}

// New returns a driver for t; sink may be nil.
func New(t *q764.Trunk, sink func(time.Time, []q764.Action)) *Driver {
	return &Driver{Trunk: t, Timers: NewTimers(), Sink: sink, acts: make([]q764.Action, 0, 64)}
}

func (d *Driver) done(now time.Time) {
	d.Timers.Apply(now, d.acts)
	if d.Sink != nil {
		d.Sink(now, d.acts)
	}
}

// Receive feeds a message from the network.
func (d *Driver) Receive(now time.Time, m *isup.Message) {
	d.acts = d.Trunk.Receive(now, m, d.acts[:0])
	d.done(now)
}

// Request feeds a request of the call user or the operator.
func (d *Driver) Request(now time.Time, r q764.Request) {
	d.acts = d.Trunk.Request(now, r, d.acts[:0])
	d.done(now)
}

// Run expires, one at a time and in deadline order, every timer due at or
// before now, each at its own deadline. It returns the number expired.
func (d *Driver) Run(now time.Time) int {
	n := 0
	for {
		ref, at, ok := d.Timers.Pop(now)
		if !ok {
			return n
		}
		d.acts = d.Trunk.Expire(at, ref, d.acts[:0])
		d.done(at)
		n++
	}
}
