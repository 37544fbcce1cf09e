package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/netdec"
	"github.com/sipgw/sipgw/capture/pcapfile"
	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/capture/sipscan"
	"github.com/sipgw/sipgw/capture/tcpasm"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// Options configure a run of the pipeline.
type Options struct {
	Files []string  // capture files in -r order; "-" is standard input
	Stdin io.Reader // standard input (os.Stdin when nil)

	// SS7 is the point code and routing label format of MTP2, MTP3, M2PA
	// and M3UA links: mtp3.ITU (the default) or mtp3.ANSI. ISUP is
	// decoded in the matching variant.
	SS7 mtp3.Format

	Calls calls.Config

	// Workers decoding frames in parallel (default GOMAXPROCS).
	Workers int

	// Visit, when set, sees every message in capture order with its index
	// (the index of Analysis.Messages) and its call ID (0 if none). The
	// Decoded and its byte slices are valid only during the call.
	Visit func(index, call uint32, d *record.Decoded)

	// NoCorrelate skips correlation (Visit still sees every message, with
	// call ID 0, and indexes in the same order).
	NoCorrelate bool

	// MaxProblems is how many problems are kept with their location
	// (default 200); all are counted.
	MaxProblems int

	// Snapshot, when set, is handed the analysis so far every
	// SnapshotEvery (default 250 ms; longer when a snapshot takes more
	// than an eighth of that) while frames come, between two batches of
	// the sequential stage; Run's caller then has the final one. The
	// Progress and its Analysis are the caller's to keep: the pipeline
	// never changes them. A viewer of a large file or of a live capture
	// shows calls before the end this way.
	Snapshot      func(*Progress)
	SnapshotEvery time.Duration
	// SnapshotBackoff spaces the snapshots by twice the run's age once
	// that is more than SnapshotEvery (250 ms, 750 ms, 2.25 s…): a viewer
	// of a file sees it early, and the file's end, which every snapshot
	// delays (they run in the sequential stage and cost a pass over the
	// calls), comes as soon as without them but for the first.
	SnapshotBackoff bool

	// Opened, when set, is handed Run's report once the input files are
	// open, before they are read: its ReadFrame re-reads frames of the
	// snapshots' messages while the run goes on. The report is complete
	// only when Run returns it.
	Opened func(*Report)
}

// Progress is the state of a run at one moment (Options.Snapshot).
type Progress struct {
	Analysis      *calls.Analysis // nil with NoCorrelate
	Frames, Bytes uint64
	Messages      uint32
	Evicted       int // calls evicted (calls.Config.MaxCalls)
	Problems      []Problem
	ProblemCounts map[string]int
	Counters      map[string]uint64
}

// OfflineGCPercent is the garbage collector's target (debug.SetGCPercent)
// for a process whose heap is nearly all one offline analysis, live to the
// end: collecting at every doubling re-marks it for little garbage. 300%
// takes as little time as 400% on the benchmark captures (0.40 s SIP-I,
// 1.27 s 250k SIP calls) for 2 MB less peak memory on the SIP-I capture
// (59.3 MB, where the terminal UI's code added 1.5 MB to every run) and
// 19 MB less on the 250k calls (153 MB); at 100% the SIP-I capture took 6%
// more CPU (make bench-sniff). sipsniff sets it unless GOGC is set.
const OfflineGCPercent = 300

// Batches of 256 frames (about 40 µs of decoding each) keep the workers
// busy as well as batches of 1,024 did, and the 2·workers+2 batches in
// flight with their decoded items take 4 MB instead of 15 MB: a quarter of
// the memory budget of the SIP-I benchmark capture (measured with
// make bench-sniff).
const (
	batchFrames = 256
	batchBytes  = 256 << 10
)

// Report is the result of a run.
type Report struct {
	Analysis *calls.Analysis // nil with NoCorrelate
	Files    []string
	Frames   uint64
	Bytes    uint64
	Messages uint32
	// Evicted counts the calls evicted beyond calls.Config.MaxCalls.
	Evicted int

	// Problems met, in capture order (the first MaxProblems), and counts
	// of all of them by layer.
	Problems      []Problem
	ProblemCounts map[string]int
	// Counters of things that are not errors: frames that carry no
	// signalling, SCTP duplicates suppressed, TCP retransmissions, SIP
	// keep-alives, M3UA management messages…
	Counters map[string]uint64

	mu    sync.RWMutex // ReadFrame may run beside Close (Options.Opened)
	files []*pcapfile.Reader
}

// ProblemTotal is the number of problems of every layer.
func (r *Report) ProblemTotal() int {
	n := 0
	for _, c := range r.ProblemCounts {
		n += c
	}
	return n
}

// Close releases the input files (and removes spool files of stdin and
// gzip input). Frames can be re-read with ReadFrame until then.
func (r *Report) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var first error
	for _, f := range r.files {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	r.files = nil
	return first
}

// ReadFrame re-reads one frame of the input.
func (r *Report) ReadFrame(ref record.FrameRef) (pcapfile.Frame, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if int(ref.File) >= len(r.files) {
		return pcapfile.Frame{}, fmt.Errorf("capture: no input file %d", ref.File)
	}
	return r.files[ref.File].ReadFrame(ref)
}

// Problem is one piece of bad input, with where it was.
type Problem struct {
	Ref   record.FrameRef
	File  string // file name
	Layer string // "file", "link", "ip", "tcp", "sctp", "sip", "m3ua", "m2pa", "mtp2", "mtp3", "isup"
	Err   error
}

func (p Problem) Error() string {
	if p.Layer == "file" {
		// The reader's own text names the file, the offset and the
		// last good frame.
		return p.Err.Error()
	}
	if p.Ref.Frame == 0 {
		return fmt.Sprintf("%s: %s: %v", p.File, p.Layer, p.Err)
	}
	return fmt.Sprintf("%s frame %d: %s: %v", p.File, p.Ref.Frame, p.Layer, p.Err)
}

func (p Problem) Unwrap() error { return p.Err }

// job is one batch of frames on its way through a worker and back.
type job struct {
	seq   uint64
	batch pcapfile.Batch
	items []item
	count counts
}

// Run reads every input file and returns the analysis. Errors opening a
// file are returned; bad input inside a file is a Problem and the run
// goes on.
func Run(ctx context.Context, opt Options) (*Report, error) {
	if len(opt.Files) == 0 {
		return nil, errors.New("capture: no input file")
	}
	setDefaults(&opt)
	rep := newReport(opt.Files)
	for i, name := range opt.Files {
		r, err := pcapfile.Open(name, uint16(i), pcapfile.Options{Stdin: opt.Stdin, BatchFrames: batchFrames, BatchBytes: batchBytes})
		if err != nil {
			rep.Close()
			return nil, err
		}
		rep.files = append(rep.files, r)
	}
	src := pcapfile.Merge(rep.files...)
	if opt.Calls.MessagesHint == 0 {
		opt.Calls.MessagesHint = messagesHint(rep.files)
	}
	if opt.Opened != nil {
		opt.Opened(rep)
	}
	s := newSequencer(&opt, rep)
	if err := pipeline(ctx, src, &opt, rep, s); err != nil {
		rep.Close()
		return nil, err
	}
	s.finish()
	for _, p := range src.Problems() {
		s.problemAt(record.FrameRef{File: p.File, Frame: p.Frame, Offset: p.Offset}, "file", p)
	}
	s.end()
	return rep, nil
}

// FrameSource feeds Stream: ReadBatch fills the batch with the next
// frames, each with the Ref it can be re-read by; it blocks until frames
// come (a live capture), returns a short batch rather than wait for more
// when some are ready, and returns io.EOF at the end (a live capture once
// it is told to stop). Any other error ends the run.
type FrameSource interface {
	ReadBatch(b *pcapfile.Batch) error
}

// Stream runs the pipeline over frames that come as they are captured:
// the same decoding and correlation as Run, snapshots handed to
// opt.Snapshot while it runs, and the final analysis when src ends.
// Cancelling ctx aborts the run with its error; a live capture that is
// stopped ends with io.EOF from src and a complete report. opt.Files is
// not used: frames are re-read through src's own means.
func Stream(ctx context.Context, src FrameSource, opt Options) (*Report, error) {
	setDefaults(&opt)
	rep := newReport(nil)
	s := newSequencer(&opt, rep)
	if err := pipeline(ctx, src, &opt, rep, s); err != nil {
		return nil, err
	}
	s.finish()
	s.end()
	return rep, nil
}

func setDefaults(opt *Options) {
	if opt.SS7 == 0 {
		opt.SS7 = mtp3.ITU
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.MaxProblems <= 0 {
		opt.MaxProblems = 200
	}
	if opt.Calls.LinkHeaders == nil {
		// The workers read the headers and the correlator matches them:
		// both must see the default that calls.Config documents.
		opt.Calls.LinkHeaders = calls.DefaultLinkHeaders
	}
	if opt.SnapshotEvery <= 0 {
		opt.SnapshotEvery = 250 * time.Millisecond
	}
}

func newReport(files []string) *Report {
	return &Report{Files: files, ProblemCounts: map[string]int{}, Counters: map[string]uint64{}}
}

// end orders the problems and finishes the analysis.
func (s *sequencer) end() {
	rep := s.rep
	sort.SliceStable(rep.Problems, func(a, b int) bool {
		pa, pb := rep.Problems[a].Ref, rep.Problems[b].Ref
		if pa.File != pb.File {
			return pa.File < pb.File
		}
		return pa.Offset < pb.Offset
	})
	if !s.opt.NoCorrelate {
		rep.Evicted = s.corr.Evicted()
		rep.Analysis = s.corr.Finish()
		for k, v := range rep.ProblemCounts {
			rep.Analysis.Stats.DecodeErrors[k] = v
		}
	}
}

// pipeline reads src to its end through the workers and the sequential
// stage; it returns ctx's error if ctx ends first, or a read error.
func pipeline(ctx context.Context, src FrameSource, opt *Options, rep *Report, s *sequencer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// A batch per worker being decoded, and two more read ahead or waiting
	// for their turn in the sequential stage: with the workers reading for
	// themselves, more (2·workers+2 before) only held 2 MB more of the
	// SIP-I benchmark capture's peak for no speed.
	nJobs := opt.Workers + 2
	free := make(chan *job, nJobs)
	for i := 0; i < nJobs; i++ {
		free <- &job{}
	}

	// Every worker reads a batch (in turn), decodes it, and hands it to
	// the sequential stage, which runs on whichever worker finds it free,
	// for every batch that is next in capture order. With a reader and a
	// sequencer goroutine of their own, the batches' hand-offs parked and
	// woke threads some 4,000 times a second, and a core stood idle for a
	// sixth of the run (the SIP-I benchmark capture, make bench-sniff).
	var (
		readMu   sync.Mutex
		readDone bool
		readErr  error
		nextRead uint64

		seqMu    sync.Mutex
		pending  = map[uint64]*job{}
		next     uint64
		draining bool

		snapWant atomic.Bool
		snapCost atomic.Int64
		snapAt   uint64 = ^uint64(0) // batches filed at the last snapshot
	)
	// read fills j with the next batch; false at the end of the input.
	read := func(j *job) bool {
		readMu.Lock()
		defer readMu.Unlock()
		if readDone {
			return false
		}
		j.batch.Reset()
		err := src.ReadBatch(&j.batch)
		if err != nil {
			readDone = true
			if !errors.Is(err, io.EOF) {
				readErr = err
			}
		}
		if len(j.batch.Frames) == 0 {
			return false
		}
		j.seq = nextRead
		nextRead++
		return true
	}
	// snapshot hands the analysis so far to opt.Snapshot; it runs in the
	// sequential stage, between batches.
	snapshot := func() {
		snapWant.Store(false)
		if next == snapAt {
			return // nothing new since the last one
		}
		snapAt = next
		start := time.Now()
		p := &Progress{
			Frames: rep.Frames, Bytes: rep.Bytes, Messages: rep.Messages,
			Problems: slices.Clone(rep.Problems), ProblemCounts: maps.Clone(rep.ProblemCounts), Counters: maps.Clone(rep.Counters),
		}
		if s.corr != nil {
			p.Analysis = s.corr.Snapshot()
			p.Evicted = s.corr.Evicted()
			for k, v := range rep.ProblemCounts {
				p.Analysis.Stats.DecodeErrors[k] = v
			}
		}
		opt.Snapshot(p)
		snapCost.Store(int64(time.Since(start)))
	}
	// drain runs the sequential stage: every batch that is next in order,
	// until the next one is not decoded yet. Its caller holds seqMu and
	// has set draining; drain releases both. A batch filed meanwhile is
	// taken by this loop (the check that ends it and the filing hold the
	// same lock), so is a snapshot asked for.
	drain := func() {
		for {
			if snapWant.Load() {
				seqMu.Unlock()
				snapshot()
				seqMu.Lock()
			}
			nj, ok := pending[next]
			if !ok || ctx.Err() != nil {
				draining = false
				seqMu.Unlock()
				return
			}
			delete(pending, next)
			next++
			seqMu.Unlock()
			s.batch(nj)
			free <- nj // never blocks: free holds every job
			seqMu.Lock()
		}
	}
	// sequence files a decoded batch; the goroutine that finds the stage
	// idle runs it.
	sequence := func(j *job) {
		seqMu.Lock()
		pending[j.seq] = j
		if draining {
			seqMu.Unlock()
			return
		}
		draining = true
		drain()
	}

	stopTimer, timerDone := make(chan struct{}), make(chan struct{})
	started := time.Now()
	if opt.Snapshot == nil {
		close(timerDone)
	} else {
		// Snapshots are asked for on a timer; when the stage is idle (a
		// live capture between packets) this goroutine runs it itself.
		go func() {
			defer close(timerDone)
			t := time.NewTimer(opt.SnapshotEvery)
			defer t.Stop()
			for {
				select {
				case <-stopTimer:
					return
				case <-t.C:
				}
				snapWant.Store(true)
				seqMu.Lock()
				if draining {
					seqMu.Unlock()
				} else {
					draining = true
					drain()
				}
				// A snapshot costs what the calls kept cost: at most an
				// eighth of the time goes to them.
				next := max(opt.SnapshotEvery, 8*time.Duration(snapCost.Load()))
				if opt.SnapshotBackoff {
					next = max(next, 2*time.Since(started))
				}
				t.Reset(next)
			}
		}()
	}

	var wg sync.WaitGroup
	for i := 0; i < opt.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := newWorker(opt)
			for {
				var j *job
				select {
				case j = <-free:
				case <-ctx.Done():
					return
				}
				if !read(j) {
					free <- j
					return
				}
				w.run(j)
				sequence(j)
			}
		}()
	}
	wg.Wait()
	// The timer's goroutine may be running the stage: it finishes what is
	// filed, then stops.
	close(stopTimer)
	<-timerDone
	left := len(pending)
	if err := ctx.Err(); err != nil {
		return err
	}
	if readErr != nil {
		return readErr
	}
	if left > 0 {
		// Unreachable: every batch read is decoded and filed, and the
		// last filing runs the stage to the end.
		return fmt.Errorf("capture: %d batches left unsequenced", left)
	}
	return nil
}

// counts are per-batch counters, merged by the sequential stage so
// workers share nothing.
type counts struct {
	frames, bytes uint64
	noSignal      uint64 // frames without SIP or SS7
	nonISUP       uint64 // SS7 user parts other than ISUP (SCCP, TUP…)
	m3uaMgmt      uint64 // M3UA messages other than DATA
	m2paStatus    uint64 // M2PA link status messages
	mtp2Control   uint64 // FISU and LSSU
	keepAlive     uint64 // SIP CRLF keep-alives
	otherSCTP     uint64 // SCTP chunks other than DATA
}

func (c *counts) addTo(m map[string]uint64) {
	add := func(k string, v uint64) {
		if v != 0 {
			m[k] += v
		}
	}
	add("frames without signalling", c.noSignal)
	add("SS7 user parts other than ISUP", c.nonISUP)
	add("M3UA management messages", c.m3uaMgmt)
	add("M2PA link status messages", c.m2paStatus)
	add("MTP2 FISU/LSSU", c.mtp2Control)
	add("SIP keep-alives", c.keepAlive)
	add("SCTP control chunks", c.otherSCTP)
}

var _ = tcpasm.New
var _ = sipscan.Parse
var _ = netdec.NewDecoder

// messagesHint estimates the messages of regular input files from their
// size, generously: SIP frames with their record headers take 300 bytes
// and more, ISUP over M3UA about 100-150. An input of smaller frames
// (bare MTP2) may hold more messages than the hint: the table then grows
// by copying as usual. Standard input and gzip give 0: the correlator
// grows its table as it goes.
func messagesHint(files []*pcapfile.Reader) int {
	const minMessageFrame = 128
	total := int64(0)
	for _, f := range files {
		if f.Size() == 0 {
			return 0
		}
		total += f.Size()
	}
	return int(total / minMessageFrame)
}
