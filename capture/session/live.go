package session

import (
	"context"
	"fmt"
	"sync"

	"github.com/sipgw/sipgw/capture"
	"github.com/sipgw/sipgw/capture/live"
	"github.com/sipgw/sipgw/capture/pcapfile"
	"github.com/sipgw/sipgw/capture/record"
)

// DefaultMaxCalls is the call limit of a live capture when none is
// given: about 100 MB of calls, messages and snapshots.
const DefaultMaxCalls = 100_000

// LiveOptions configure Live.
type LiveOptions struct {
	// Inputs: interfaces, HEP listeners, pipes (capture/live).
	Inputs []live.Input
	// Capture configures the analysis: Calls.MaxCalls bounds the calls
	// kept (DefaultMaxCalls when 0; negative: no limit), SnapshotEvery the
	// snapshots' pace. Files, Snapshot and Opened are not used.
	Capture capture.Options
	// Live: -w files, and the spool (keep it for a viewer that re-reads
	// messages).
	Live live.Options
}

// LiveSource is a live capture's Source.
type LiveSource struct {
	*publisher
	cap    *live.Capture
	cancel context.CancelFunc
	ended  chan struct{}
	rep    *capture.Report

	mu       sync.Mutex
	closed   bool
	evicted  int
	punchErr error
}

// Live starts capturing from the inputs and returns a Source whose
// snapshots follow the traffic until ctx ends or Stop; then a final one
// comes. Calls beyond the limit are evicted, oldest ended first, and
// counted; the spool's space of their frames is given back.
func Live(ctx context.Context, o LiveOptions) (*LiveSource, error) {
	switch {
	case o.Capture.Calls.MaxCalls == 0:
		o.Capture.Calls.MaxCalls = DefaultMaxCalls
	case o.Capture.Calls.MaxCalls < 0:
		o.Capture.Calls.MaxCalls = 0
	}
	ctx, cancel := context.WithCancel(ctx)
	c, err := live.Start(ctx, o.Inputs, o.Live)
	if err != nil {
		cancel()
		return nil, err
	}
	s := &LiveSource{publisher: newPublisher(), cap: c, cancel: cancel, ended: make(chan struct{})}
	opt := o.Capture
	opt.Files, opt.Opened = nil, nil
	opt.Snapshot = func(p *capture.Progress) { s.publishLive(fromProgress(p), false) }
	go func() {
		defer close(s.ended)
		// The capture's own end (Stop, ctx) ends the stream; ctx is not
		// the stream's: it ends with the frames read, not in the middle.
		rep, err := capture.Stream(context.WithoutCancel(ctx), c, opt)
		if err != nil {
			last := *s.snap.Load()
			last.Err, last.Final = err, true
			s.publishLive(&last, true)
			return
		}
		s.rep = rep
		final := &Snapshot{
			Analysis: rep.Analysis, Final: true, Evicted: rep.Evicted,
			Frames: rep.Frames, Bytes: rep.Bytes,
			Problems: rep.Problems, ProblemCounts: rep.ProblemCounts, Counters: rep.Counters,
			Err: c.Err(),
		}
		s.publishLive(final, true)
	}()
	return s, nil
}

// publishLive adds the capture's problems and counters, gives back the
// spool's space of evicted calls, and publishes.
func (s *LiveSource) publishLive(snap *Snapshot, final bool) {
	probs, counts := s.cap.Problems()
	merge(snap, probs, counts, s.cap.Counters())
	if snap.Evicted > s.evicted && snap.Analysis != nil {
		s.evicted = snap.Evicted
		if _, err := s.cap.Punch(live.NeededFrames(snap.Analysis)); err != nil && s.punchErr == nil {
			s.punchErr = err
		}
	}
	if s.punchErr != nil {
		snap.Problems = append(snap.Problems, capture.Problem{File: "spool", Layer: "spool", Err: s.punchErr})
		snap.ProblemCounts["spool"]++
	}
	if disk := s.cap.SpoolDisk(); disk > 0 {
		snap.Counters["spool bytes on disk"] = uint64(disk)
	}
	if final && snap.Err == nil {
		snap.Err = s.cap.Err()
	}
	s.publish(snap)
}

func (s *LiveSource) Snapshot() *Snapshot      { return s.snap.Load() }
func (s *LiveSource) Updates() <-chan struct{} { return s.up }

// ReadFrame re-reads a frame from the spool (LiveOptions.Live.Spool).
func (s *LiveSource) ReadFrame(ref record.FrameRef) (pcapfile.Frame, error) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return pcapfile.Frame{}, ErrClosed
	}
	return s.cap.ReadFrame(ref)
}

// Stop stops capturing; the frames captured are analysed and a final
// snapshot comes.
func (s *LiveSource) Stop() { s.cap.Stop() }

// Wait waits for the final snapshot.
func (s *LiveSource) Wait() *Snapshot {
	<-s.ended
	return s.snap.Load()
}

// Files returns the -w files kept.
func (s *LiveSource) Files() []string { return s.cap.Files() }

// Close stops capturing, waits for the final snapshot, and releases the
// inputs, the -w file and the spool.
func (s *LiveSource) Close() error {
	s.cap.Stop()
	<-s.ended
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	if err := s.cap.Close(); err != nil {
		return fmt.Errorf("session: %w", err)
	}
	return nil
}
