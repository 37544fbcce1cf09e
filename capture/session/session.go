// Package session is what a viewer of captured signalling looks at: a
// Source gives the current analysis as an immutable Snapshot, re-reads the
// frames behind its messages, and says when a newer snapshot is ready. A
// capture file is a Source whose snapshots grow while it is read and whose
// last one is final (Offline); a live capture is one whose snapshots follow
// the traffic, with old calls evicted to bound memory (Live).
//
// The terminal UI (package ui) and the exporters depend on this interface
// only, never on how the analysis is made.
package session

import (
	"context"
	"errors"
	"maps"
	"sync"
	"sync/atomic"

	"github.com/sipgw/sipgw/capture"
	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/pcapfile"
	"github.com/sipgw/sipgw/capture/record"
)

// Snapshot is the analysis at one moment. Nothing in it changes after it
// is handed out: a viewer may keep it while newer ones are made.
type Snapshot struct {
	Analysis *calls.Analysis
	// Gen increases with every new snapshot of a source.
	Gen uint64
	// Final: no newer snapshot will come (a file read to its end, or a
	// live capture stopped).
	Final bool
	// Evicted counts the completed calls dropped to bound memory (live
	// capture); they are in no later snapshot either.
	Evicted int
	// Frames and bytes read so far, and the problems met (the first ones
	// with where they were, all of them counted by layer).
	Frames, Bytes uint64
	Problems      []capture.Problem
	ProblemCounts map[string]int
	Counters      map[string]uint64
	// Err is the error that ended the source early, if any.
	Err error
}

// Source is a growing or finished analysis.
type Source interface {
	// Snapshot returns the newest snapshot.
	Snapshot() *Snapshot
	// Updates is signalled (coalesced: one pending signal at most) when a
	// newer snapshot is ready; nil for a source that never changes.
	Updates() <-chan struct{}
	// ReadFrame re-reads the frame a message came in.
	ReadFrame(ref record.FrameRef) (pcapfile.Frame, error)
	// Close stops the source and releases its files.
	Close() error
}

// ErrClosed is ReadFrame's error after Close.
var ErrClosed = errors.New("session: closed")

// publisher holds the newest snapshot and signals its viewers.
type publisher struct {
	snap atomic.Pointer[Snapshot]
	gen  uint64
	up   chan struct{}
	done chan struct{} // closed with the final snapshot
}

func newPublisher() *publisher {
	p := &publisher{up: make(chan struct{}, 1), done: make(chan struct{})}
	p.snap.Store(&Snapshot{Analysis: emptyAnalysis(), ProblemCounts: map[string]int{}, Counters: map[string]uint64{}})
	return p
}

func emptyAnalysis() *calls.Analysis {
	c := calls.New(calls.Config{})
	return c.Finish()
}

// publish makes s the newest snapshot; one goroutine publishes.
func (p *publisher) publish(s *Snapshot) {
	p.gen++
	s.Gen = p.gen
	p.snap.Store(s)
	select {
	case p.up <- struct{}{}:
	default:
	}
	if s.Final {
		close(p.done)
	}
}

func fromProgress(pr *capture.Progress) *Snapshot {
	return &Snapshot{
		Analysis: pr.Analysis, Evicted: pr.Evicted, Frames: pr.Frames, Bytes: pr.Bytes,
		Problems: pr.Problems, ProblemCounts: pr.ProblemCounts, Counters: pr.Counters,
	}
}

// Offline analyses capture files (keeping the message records: ladders
// and message views need them) and returns a Source whose snapshots grow
// while the files are read and whose last one is final: the first after
// opt.SnapshotEvery (250 ms by default), then spaced by twice the time
// the reading has taken (capture.Options.SnapshotBackoff), so that the
// end is not delayed. It returns when the analysis is done or with the first
// snapshot; errors opening a file are returned.
func Offline(ctx context.Context, opt capture.Options) (Source, error) {
	opt.Calls.CallsOnly = false
	opt.SnapshotBackoff = true
	ctx, cancel := context.WithCancel(ctx)
	o := &offline{publisher: newPublisher(), cancel: cancel, ended: make(chan struct{})}
	first := make(chan struct{})
	var once sync.Once
	opt.Snapshot = func(p *capture.Progress) {
		o.publish(fromProgress(p))
		once.Do(func() { close(first) })
	}
	opened := make(chan struct{})
	opt.Opened = func(r *capture.Report) {
		o.mu.Lock()
		o.rep = r
		o.mu.Unlock()
		close(opened)
	}
	var runErr error
	go func() {
		defer close(o.ended)
		rep, err := capture.Run(ctx, opt)
		if err != nil {
			runErr = err
			select {
			case <-opened:
				// Read in part: the last snapshot says why it ended.
				last := *o.snap.Load()
				last.Err, last.Final = err, true
				o.publish(&last)
			default:
			}
			return
		}
		o.mu.Lock()
		o.rep = rep
		o.mu.Unlock()
		o.publish(&Snapshot{
			Analysis: rep.Analysis, Final: true,
			Frames: rep.Frames, Bytes: rep.Bytes,
			Problems: rep.Problems, ProblemCounts: rep.ProblemCounts, Counters: rep.Counters,
		})
	}()
	select {
	case <-o.ended:
		if runErr != nil {
			cancel()
			return nil, runErr
		}
		o.static = true
	case <-first:
	}
	return o, nil
}

type offline struct {
	*publisher
	cancel context.CancelFunc
	ended  chan struct{}
	static bool // final when Offline returned: no updates to follow

	mu     sync.Mutex
	rep    *capture.Report
	closed bool
}

func (o *offline) Snapshot() *Snapshot { return o.snap.Load() }

func (o *offline) Updates() <-chan struct{} {
	if o.static {
		return nil
	}
	return o.up
}

// Close stops a run still reading and releases the files.
func (o *offline) Close() error {
	o.cancel()
	<-o.ended
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return nil
	}
	o.closed = true
	if o.rep == nil {
		return nil
	}
	return o.rep.Close()
}

func (o *offline) ReadFrame(ref record.FrameRef) (pcapfile.Frame, error) {
	o.mu.Lock()
	rep, closed := o.rep, o.closed
	o.mu.Unlock()
	if closed || rep == nil {
		return pcapfile.Frame{}, ErrClosed
	}
	return rep.ReadFrame(ref)
}

// merge adds the live capture's own problems and counters to a
// snapshot's (new maps: the snapshot's are its own).
func merge(s *Snapshot, probs []capture.Problem, counts map[string]int, ctr map[string]uint64) {
	if len(probs) > 0 {
		s.Problems = append(append([]capture.Problem(nil), s.Problems...), probs...)
	}
	pc := maps.Clone(s.ProblemCounts)
	if pc == nil {
		pc = map[string]int{}
	}
	for k, v := range counts {
		pc[k] += v
	}
	s.ProblemCounts = pc
	c := maps.Clone(s.Counters)
	if c == nil {
		c = map[string]uint64{}
	}
	for k, v := range ctr {
		c[k] += v
	}
	s.Counters = c
}
