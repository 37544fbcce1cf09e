package capture

import (
	"context"
	"io"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/sipgw/sipgw/capture/pcapfile"
	"github.com/sipgw/sipgw/internal/gencap"
)

// slowSource hands out a capture file's frames a batch at a time with a
// pause before each, as a live capture would: the pipeline waits in
// ReadBatch between them.
type slowSource struct {
	r     *pcapfile.Reader
	pause time.Duration
	// idle: after half the batches, one long pause with nothing coming,
	// during which a snapshot must still be made.
	idle      time.Duration
	n, idleAt int
}

func (s *slowSource) ReadBatch(b *pcapfile.Batch) error {
	s.n++
	if s.n == s.idleAt {
		time.Sleep(s.idle)
	}
	time.Sleep(s.pause)
	return s.r.ReadBatch(b)
}

// TestStreamSnapshots: a run over frames that come slowly hands out
// snapshots while it goes — the calls growing, each snapshot whole and
// left as it was — one of them while no frame came for a while, and ends
// with the analysis Run makes of the same file.
func TestStreamSnapshots(t *testing.T) {
	f := genCapture(t, gencap.SIPI, 400, false)
	want, err := Run(context.Background(), Options{Files: []string{f}})
	if err != nil {
		t.Fatal(err)
	}
	defer want.Close()

	r, err := pcapfile.Open(f, 0, pcapfile.Options{BatchFrames: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	src := &slowSource{r: r, pause: 2 * time.Millisecond, idle: 300 * time.Millisecond, idleAt: 40}
	var (
		mu    sync.Mutex
		snaps []*Progress
		calls []int
	)
	rep, err := Stream(context.Background(), src, Options{Workers: 2, SnapshotEvery: 20 * time.Millisecond,
		Snapshot: func(p *Progress) {
			mu.Lock()
			defer mu.Unlock()
			snaps = append(snaps, p)
			calls = append(calls, len(p.Analysis.Calls))
		}})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(snaps) < 5 {
		t.Fatalf("%d snapshots in a run of more than 300 ms every 20 ms", len(snaps))
	}
	for i := 1; i < len(snaps); i++ {
		if calls[i] < calls[i-1] || snaps[i].Frames < snaps[i-1].Frames {
			t.Errorf("snapshot %d: %d calls, %d frames after %d, %d", i, calls[i], snaps[i].Frames, calls[i-1], snaps[i-1].Frames)
		}
	}
	if calls[0] >= len(want.Analysis.Calls) {
		t.Errorf("the first snapshot already had all %d calls", calls[0])
	}
	// One snapshot shows everything read before the pause: the calls of
	// the first 39 batches, while the pipeline waited for the 40th.
	paused := false
	for _, p := range snaps {
		if p.Frames == 39*64 {
			paused = true
		}
	}
	if !paused {
		t.Errorf("no snapshot while no frame came (frames of the snapshots: %v)", framesOf(snaps))
	}
	for i, p := range snaps {
		a := p.Analysis
		if len(a.Calls) != calls[i] {
			t.Fatalf("snapshot %d changed: %d calls, had %d", i, len(a.Calls), calls[i])
		}
		for _, c := range a.Calls {
			for _, mi := range c.Messages {
				if a.Messages[mi].Call != c.ID {
					t.Fatalf("snapshot %d: call %d lists message %d of call %d", i, c.ID, mi, a.Messages[mi].Call)
				}
			}
		}
	}
	if !reflect.DeepEqual(rep.Analysis.Calls, want.Analysis.Calls) || !reflect.DeepEqual(rep.Analysis.Stats, want.Analysis.Stats) {
		t.Errorf("Stream's final analysis differs from Run's")
	}
	if rep.Frames != want.Frames || rep.Messages != want.Messages {
		t.Errorf("%d frames, %d messages; Run: %d, %d", rep.Frames, rep.Messages, want.Frames, want.Messages)
	}
}

func framesOf(ps []*Progress) []uint64 {
	var f []uint64
	for _, p := range ps {
		f = append(f, p.Frames)
	}
	return f
}

// endless never ends until the test stops it.
type endless struct {
	stop <-chan struct{}
}

func (e endless) ReadBatch(b *pcapfile.Batch) error {
	<-e.stop
	return io.EOF
}

// TestStreamStops: a source that ends (a live capture told to stop) ends
// the run with a report, snapshots made meanwhile.
func TestStreamStops(t *testing.T) {
	stop := make(chan struct{})
	n := 0
	// Stopped a while after the first snapshot: the timer fires several
	// times more, with nothing new.
	rep, err := Stream(context.Background(), endless{stop}, Options{SnapshotEvery: 10 * time.Millisecond, Snapshot: func(*Progress) {
		if n++; n == 1 {
			time.AfterFunc(100*time.Millisecond, func() { close(stop) })
		}
	}})
	if err != nil || rep.Analysis == nil {
		t.Fatalf("Stream: %v, %v", rep, err)
	}
	if n != 1 {
		t.Errorf("%d snapshots of nothing; want one (the first), none after it while nothing changed", n)
	}
}
