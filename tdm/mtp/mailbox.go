package mtp

import (
	"sync"
	"time"
)

// mailbox is an unbounded FIFO with a wake-up channel: posting never
// blocks, so two loops can post to each other freely.
type mailbox[T any] struct {
	mu    sync.Mutex
	items []T
	head  int
	wake  chan struct{}
}

func newMailbox[T any]() *mailbox[T] { return &mailbox[T]{wake: make(chan struct{}, 1)} }

func (m *mailbox[T]) put(v T) {
	m.mu.Lock()
	m.items = append(m.items, v)
	m.mu.Unlock()
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// drain moves everything queued into buf.
func (m *mailbox[T]) drain(buf []T) []T {
	m.mu.Lock()
	buf = append(buf, m.items[m.head:]...)
	clear(m.items)
	m.items, m.head = m.items[:0], 0
	m.mu.Unlock()
	return buf
}

func (m *mailbox[T]) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.items) - m.head
}

// timers keeps a loop's running timers as deadlines behind one
// time.Timer.
type timers[K comparable] struct {
	due map[K]time.Time
	t   *time.Timer
}

func newTimers[K comparable]() *timers[K] {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &timers[K]{due: map[K]time.Time{}, t: t}
}

func (ts *timers[K]) start(k K, d time.Duration) {
	ts.due[k] = time.Now().Add(d)
	ts.arm()
}

func (ts *timers[K]) stop(k K) {
	delete(ts.due, k)
	ts.arm()
}

func (ts *timers[K]) arm() {
	ts.t.Stop()
	var first time.Time
	for _, at := range ts.due {
		if first.IsZero() || at.Before(first) {
			first = at
		}
	}
	if !first.IsZero() {
		ts.t.Reset(max(time.Until(first), 0))
	}
}

// expired removes and returns the timers due now.
func (ts *timers[K]) expired(buf []K) []K {
	now := time.Now()
	for k, at := range ts.due {
		if !at.After(now) {
			buf = append(buf, k)
			delete(ts.due, k)
		}
	}
	ts.arm()
	return buf
}
