// Package session is what a viewer of captured signalling looks at: a
// Source gives the current analysis as an immutable Snapshot, re-reads the
// frames behind its messages, and says when a newer snapshot is ready. A
// capture file is a Source whose one snapshot is final (Offline); a live
// capture is one whose snapshots follow the traffic, with old calls
// evicted to bound memory.
//
// The terminal UI (package ui) and the exporters depend on this interface
// only, never on how the analysis is made.
package session

import (
	"context"
	"errors"

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

// Offline analyses capture files to their end (keeping the message
// records: ladders and message views need them) and returns a Source with
// that one, final snapshot.
func Offline(ctx context.Context, opt capture.Options) (Source, error) {
	opt.Calls.CallsOnly = false
	rep, err := capture.Run(ctx, opt)
	if err != nil {
		return nil, err
	}
	return &offline{rep: rep, snap: &Snapshot{
		Analysis: rep.Analysis, Gen: 1, Final: true,
		Frames: rep.Frames, Bytes: rep.Bytes,
		Problems: rep.Problems, ProblemCounts: rep.ProblemCounts, Counters: rep.Counters,
	}}, nil
}

type offline struct {
	rep  *capture.Report
	snap *Snapshot
}

func (o *offline) Snapshot() *Snapshot      { return o.snap }
func (o *offline) Updates() <-chan struct{} { return nil }
func (o *offline) Close() error             { return o.rep.Close() }

func (o *offline) ReadFrame(ref record.FrameRef) (pcapfile.Frame, error) {
	if o.rep == nil {
		return pcapfile.Frame{}, errors.New("session: closed")
	}
	return o.rep.ReadFrame(ref)
}
