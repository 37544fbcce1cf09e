// Package tq is the timer queue of the gateway's event loops: deadlines
// keyed by a comparable value, a min-heap on (deadline, start order), so
// that one time.Timer per loop serves every call timer of the loop.
// Not safe for concurrent use: each loop owns its queue.
package tq

import "time"

// Queue holds running timers keyed by K; starting a running key replaces
// it.
type Queue[K comparable] struct {
	h   []entry[K]
	pos map[K]int
	seq uint64
}

type entry[K comparable] struct {
	at  time.Time
	seq uint64
	key K
}

// New returns an empty queue.
func New[K comparable]() *Queue[K] { return &Queue[K]{pos: map[K]int{}} }

// Len is the number of running timers.
func (q *Queue[K]) Len() int { return len(q.h) }

// Start runs key until at.
func (q *Queue[K]) Start(key K, at time.Time) {
	q.seq++
	if i, ok := q.pos[key]; ok {
		q.h[i].at, q.h[i].seq = at, q.seq
		if !q.up(i) {
			q.down(i)
		}
		return
	}
	q.h = append(q.h, entry[K]{at, q.seq, key})
	q.pos[key] = len(q.h) - 1
	q.up(len(q.h) - 1)
}

// Stop stops key; it reports whether it ran.
func (q *Queue[K]) Stop(key K) bool {
	i, ok := q.pos[key]
	if ok {
		q.remove(i)
	}
	return ok
}

// Running reports whether key runs.
func (q *Queue[K]) Running(key K) bool { _, ok := q.pos[key]; return ok }

// Next returns the earliest deadline.
func (q *Queue[K]) Next() (time.Time, bool) {
	if len(q.h) == 0 {
		return time.Time{}, false
	}
	return q.h[0].at, true
}

// Pop removes and returns the earliest timer due at or before now.
func (q *Queue[K]) Pop(now time.Time) (K, time.Time, bool) {
	var zero K
	if len(q.h) == 0 || q.h[0].at.After(now) {
		return zero, time.Time{}, false
	}
	e := q.h[0]
	q.remove(0)
	return e.key, e.at, true
}

func (q *Queue[K]) less(i, j int) bool {
	a, b := &q.h[i], &q.h[j]
	if !a.at.Equal(b.at) {
		return a.at.Before(b.at)
	}
	return a.seq < b.seq
}

func (q *Queue[K]) swap(i, j int) {
	q.h[i], q.h[j] = q.h[j], q.h[i]
	q.pos[q.h[i].key] = i
	q.pos[q.h[j].key] = j
}

func (q *Queue[K]) up(i int) bool {
	moved := false
	for i > 0 {
		p := (i - 1) / 2
		if !q.less(i, p) {
			break
		}
		q.swap(i, p)
		i, moved = p, true
	}
	return moved
}

func (q *Queue[K]) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(q.h) {
			return
		}
		m := l
		if r := l + 1; r < len(q.h) && q.less(r, l) {
			m = r
		}
		if !q.less(m, i) {
			return
		}
		q.swap(i, m)
		i = m
	}
}

func (q *Queue[K]) remove(i int) {
	last := len(q.h) - 1
	delete(q.pos, q.h[i].key)
	if i != last {
		q.h[i] = q.h[last]
		q.pos[q.h[i].key] = i
	}
	q.h = q.h[:last]
	if i < last && !q.up(i) {
		q.down(i)
	}
}
