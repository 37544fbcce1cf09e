// Package softspan is a pair of software spans wired back to back, for
// bearer tests and labs without a card: what span A transmits on timeslot
// n, span B receives on timeslot n, and the reverse. Like a real line it
// runs at 8000 samples per second per timeslot whatever the applications
// do: Advance moves n samples on every timeslot in both directions,
// sending the idle code where an application wrote too little (an
// underrun) and dropping the oldest samples an application left unread
// too long (an overrun). The caller's clock drives Advance — a ticker in a
// lab (Run), the test itself in tests — so timing is deterministic.
package softspan

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/sipgw/sipgw/tdm/g711"
	"github.com/sipgw/sipgw/tdm/span"
)

// MaxQueue is how many samples a direction holds (1 s) before dropping.
const MaxQueue = 8000

// Pair is two spans wired back to back.
type Pair struct {
	A, B *Span
	mu   sync.Mutex
}

// Span is one end of a Pair.
type Span struct {
	pair   *Pair
	kind   span.Kind
	law    g711.Law
	slots  []*slot // index: timeslot
	alarms span.Alarms
	peer   *Span
}

type slot struct {
	open      bool
	tx, rx    []byte
	underruns int
	overruns  int
}

// Counters reports a timeslot's underrun and overrun samples.
type Counters struct{ Underrun, Overrun int }

// NewPair returns two spans of kind in law (the kind's when 0).
func NewPair(kind span.Kind, law g711.Law) *Pair {
	if !law.Valid() {
		law = kind.Law()
	}
	p := &Pair{}
	mk := func() *Span {
		s := &Span{pair: p, kind: kind, law: law, slots: make([]*slot, kind.Timeslots()+1)}
		for i := range s.slots {
			s.slots[i] = &slot{}
		}
		return s
	}
	p.A, p.B = mk(), mk()
	p.A.peer, p.B.peer = p.B, p.A
	return p
}

// Advance moves n samples on every timeslot in both directions.
func (p *Pair) Advance(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range []*Span{p.A, p.B} {
		cut := s.alarms&(span.LOS|span.AIS) != 0 || s.peer.alarms&(span.LOS|span.AIS) != 0
		for ts := 1; ts < len(s.slots); ts++ {
			src, dst := s.slots[ts], s.peer.slots[ts]
			k := min(n, len(src.tx))
			if src.open && k < n {
				src.underruns += n - k
			}
			if dst.open {
				if cut {
					// a cut line delivers all ones: the law's idle code is
					// the kindest stand-in for AIS on a voice channel
					dst.rx = appendIdle(dst.rx, s.law, n)
				} else {
					dst.rx = append(dst.rx, src.tx[:k]...)
					dst.rx = appendIdle(dst.rx, s.law, n-k)
				}
				if over := len(dst.rx) - MaxQueue; over > 0 {
					dst.overruns += over
					dst.rx = append(dst.rx[:0], dst.rx[over:]...)
				}
			}
			src.tx = append(src.tx[:0], src.tx[k:]...)
		}
	}
}

func appendIdle(b []byte, law g711.Law, n int) []byte {
	for range n {
		b = append(b, law.Idle())
	}
	return b
}

// Run advances the pair by 8 samples a millisecond of clock time until ctx
// ends, on a ticker of period tick (a real-time lab span).
func (p *Pair) Run(ctx context.Context, tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	last := time.Now()
	var owed time.Duration
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			owed += now.Sub(last)
			last = now
			n := int(owed / (time.Second / 8000))
			owed -= time.Duration(n) * (time.Second / 8000)
			p.Advance(n)
		}
	}
}

// Kind returns the span's type; Law its companding law.
func (s *Span) Kind() span.Kind { return s.kind }

// Law returns the span's law.
func (s *Span) Law() g711.Law { return s.law }

// SetAlarms sets the span's alarm conditions, as a card would report
// them; LOS or AIS on either end cuts the line (idle codes both ways).
func (s *Span) SetAlarms(a span.Alarms) {
	s.pair.mu.Lock()
	s.alarms = a
	s.pair.mu.Unlock()
}

// Alarms returns the span's conditions: its own, and RAI when the far end
// has LOS (the far end signals it back, G.704).
func (s *Span) Alarms() span.Alarms {
	s.pair.mu.Lock()
	defer s.pair.mu.Unlock()
	a := s.alarms
	if s.peer.alarms&(span.LOS|span.LOF) != 0 {
		a |= span.RAI
	}
	return a
}

// Counters returns a timeslot's underruns (samples sent as idle because
// the application wrote too few) and overruns (received samples dropped).
func (s *Span) Counters(ts int) Counters {
	s.pair.mu.Lock()
	defer s.pair.mu.Unlock()
	sl := s.slots[ts]
	return Counters{sl.underruns, sl.overruns}
}

// ErrBusy: the timeslot is already open.
var ErrBusy = errors.New("softspan: timeslot busy")

// Open opens timeslot ts as a bearer.
func (s *Span) Open(ts int) (span.Bearer, error) {
	if ts < 1 || ts >= len(s.slots) {
		return nil, errors.New("softspan: no timeslot " + strconv.Itoa(ts) + " on an " + s.kind.String())
	}
	s.pair.mu.Lock()
	defer s.pair.mu.Unlock()
	sl := s.slots[ts]
	if sl.open {
		return nil, ErrBusy
	}
	*sl = slot{open: true}
	return &bearer{s: s, sl: sl}, nil
}

type bearer struct {
	s      *Span
	sl     *slot
	closed bool
}

func (b *bearer) Read(p []byte) (int, error) {
	b.s.pair.mu.Lock()
	defer b.s.pair.mu.Unlock()
	if b.closed {
		return 0, span.ErrClosed
	}
	n := copy(p, b.sl.rx)
	b.sl.rx = append(b.sl.rx[:0], b.sl.rx[n:]...)
	return n, nil
}

func (b *bearer) Write(p []byte) (int, error) {
	b.s.pair.mu.Lock()
	defer b.s.pair.mu.Unlock()
	if b.closed {
		return 0, span.ErrClosed
	}
	n := min(len(p), MaxQueue-len(b.sl.tx))
	b.sl.tx = append(b.sl.tx, p[:n]...)
	return n, nil
}

func (b *bearer) Close() error {
	b.s.pair.mu.Lock()
	defer b.s.pair.mu.Unlock()
	if b.closed {
		return span.ErrClosed
	}
	b.closed = true
	*b.sl = slot{}
	return nil
}
