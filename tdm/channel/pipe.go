package channel

import (
	"fmt"
	"sync"

	"github.com/sipgw/sipgw/tdm/su"
)

// Pipe returns the two ends of an in-memory channel. Each unit written
// on one end is read once, in order, on the other; writes never block
// (the queue grows). Closing either end closes both.
func Pipe() (*PipeEnd, *PipeEnd) {
	s := &pipeShared{done: make(chan struct{})}
	a := &PipeEnd{s: s, in: newQueue()}
	b := &PipeEnd{s: s, in: newQueue()}
	a.peer, b.peer = b, a
	return a, b
}

type pipeShared struct {
	once sync.Once
	done chan struct{}
}

// PipeEnd is one end of a Pipe.
type PipeEnd struct {
	s    *pipeShared
	in   *queue
	peer *PipeEnd
	// Corrupt, when set before use, is asked for every unit written on
	// this end: true delivers it to the far end as errored (a unit with
	// bad check bits).
	Corrupt func(unit []byte) bool
}

type queue struct {
	mu    sync.Mutex
	items [][]byte
	bad   []bool
	ready chan struct{}
}

func newQueue() *queue { return &queue{ready: make(chan struct{}, 1)} }

func (q *queue) put(b []byte, bad bool) {
	q.mu.Lock()
	q.items = append(q.items, b)
	q.bad = append(q.bad, bad)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

func (q *queue) take() ([]byte, bool, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) == 0 {
		return nil, false, false
	}
	b, bad := q.items[0], q.bad[0]
	q.items[0] = nil
	q.items, q.bad = q.items[1:], q.bad[1:]
	if len(q.items) > 0 {
		select {
		case q.ready <- struct{}{}:
		default:
		}
	}
	return b, bad, true
}

// WriteSU implements Channel.
func (p *PipeEnd) WriteSU(unit []byte) error {
	select {
	case <-p.s.done:
		return ErrClosed
	default:
	}
	if len(unit) < su.HeaderLen || len(unit) > su.MaxLen {
		return fmt.Errorf("channel: unit of %d octets", len(unit))
	}
	bad := p.Corrupt != nil && p.Corrupt(unit)
	p.peer.in.put(append([]byte(nil), unit...), bad)
	return nil
}

// ReadSU implements Channel.
func (p *PipeEnd) ReadSU(b []byte) (int, error) {
	for {
		if u, bad, ok := p.in.take(); ok {
			if bad {
				return 0, fmt.Errorf("%w: corrupted in the pipe", ErrErroredSU)
			}
			return copy(b, u), nil
		}
		select {
		case <-p.in.ready:
		case <-p.s.done:
			if u, bad, ok := p.in.take(); ok && !bad {
				return copy(b, u), nil
			}
			return 0, ErrClosed
		}
	}
}

// Close implements Channel: both ends.
func (p *PipeEnd) Close() error {
	p.s.once.Do(func() { close(p.s.done) })
	return nil
}
