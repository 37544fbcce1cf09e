// Package live captures signalling as it happens, for capture.Stream:
// frames from network interfaces (AF_PACKET, capture/afpacket) behind a
// tcpdump-style filter compiled for the kernel (capture/pktfilter), HEP
// copies sent by SIP servers and capture agents (capture/hep), and pcap
// streams from a pipe. A Capture merges its inputs into batches in the
// order frames arrive, numbers them, writes them to -w files
// (pcapfile.Rotator) and, for viewers that re-read messages, to a spool
// from which ReadFrame serves them; the spool's space is given back as
// evicted calls stop needing it (Punch).
//
// Each input runs on its own goroutine and fills batches from a small
// pool; when the analysis falls behind, the pool runs dry, the input
// waits and the kernel drops (and counts) what its ring cannot hold,
// rather than memory growing.
package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sipgw/sipgw/capture"
	"github.com/sipgw/sipgw/capture/pcapfile"
	"github.com/sipgw/sipgw/capture/record"
)

// Batch limits: those of capture.Run's reader.
const (
	batchFrames = 256
	batchBytes  = 256 << 10
	// flushAfter: an input hands over a batch that is not full once its
	// first frame is this old, so that a quiet link shows at once.
	flushAfter = 20 * time.Millisecond
)

// Input is a source of frames: Interface, HEP or Reader.
type Input interface {
	// Name names the input in counters and problems ("eth0",
	// "hep udp:0.0.0.0:9060", "stdin").
	Name() string
	// LinkTypes are the link types of its frames.
	LinkTypes() []uint16
	// run captures until ctx ends or the input does.
	run(ctx context.Context, c *Capture) error
	// counters adds the input's counters to m.
	counters(m map[string]uint64)
	close() error
}

// Options of Start.
type Options struct {
	// Write, when its Path is set, writes every frame captured (-w, with
	// rotation). Its LinkTypes are the inputs'.
	Write pcapfile.RotateOptions
	// Spool keeps every frame in an unlinked temporary file (in SpoolDir)
	// so that ReadFrame can re-read them.
	Spool    bool
	SpoolDir string
	// MaxProblems kept with their text (default 200); all are counted.
	MaxProblems int
}

// Capture merges its inputs' frames; it is a capture.FrameSource.
type Capture struct {
	inputs []Input
	ch     chan *pcapfile.Batch
	pool   chan *pcapfile.Batch
	wg     sync.WaitGroup
	cancel context.CancelFunc

	// Set by ReadBatch (the pipeline calls it from one goroutine at a
	// time).
	frames uint64
	rot    *pcapfile.Rotator
	spool  atomic.Pointer[spool] // ReadFrame and Punch read it on other goroutines

	mu        sync.Mutex
	problems  []capture.Problem
	counts    map[string]int
	maxProbs  int
	writeErr  error
	inputErrs []error
	closed    atomic.Bool
}

// Start starts capturing from the inputs until ctx ends or every input
// has ended; ReadBatch then returns io.EOF after the last frames.
func Start(ctx context.Context, inputs []Input, o Options) (*Capture, error) {
	if len(inputs) == 0 {
		return nil, errors.New("live: no input")
	}
	if o.MaxProblems <= 0 {
		o.MaxProblems = 200
	}
	c := &Capture{inputs: inputs, counts: map[string]int{}, maxProbs: o.MaxProblems}
	if o.Write.Path != "" {
		var lts []uint16
		for _, in := range inputs {
			if len(in.LinkTypes()) == 0 {
				o.Write.PcapNG = true
			}
			for _, lt := range in.LinkTypes() {
				if !slices.Contains(lts, lt) {
					lts = append(lts, lt)
				}
			}
		}
		o.Write.LinkTypes = lts
		r, err := pcapfile.NewRotator(o.Write)
		if err != nil {
			c.closeInputs()
			return nil, err
		}
		c.rot = r
	}
	if o.Spool {
		s, err := newSpool(o.SpoolDir)
		if err != nil {
			c.closeInputs()
			if c.rot != nil {
				c.rot.Close()
			}
			return nil, err
		}
		c.spool.Store(s)
	}
	n := 4*len(inputs) + 4
	c.ch = make(chan *pcapfile.Batch, n)
	c.pool = make(chan *pcapfile.Batch, n)
	for range n {
		c.pool <- new(pcapfile.Batch)
	}
	ctx, c.cancel = context.WithCancel(ctx)
	for _, in := range inputs {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			if err := in.run(ctx, c); err != nil && ctx.Err() == nil {
				c.mu.Lock()
				c.inputErrs = append(c.inputErrs, fmt.Errorf("%s: %w", in.Name(), err))
				c.mu.Unlock()
				c.problem(capture.Problem{File: in.Name(), Layer: "input", Err: err})
			}
		}()
	}
	go func() {
		c.wg.Wait()
		close(c.ch)
	}()
	return c, nil
}

// get takes an empty batch from the pool (nil when ctx ends first).
func (c *Capture) get(ctx context.Context) *pcapfile.Batch {
	select {
	case b := <-c.pool:
		b.Reset()
		return b
	case <-ctx.Done():
		return nil
	}
}

// send hands a filled batch to ReadBatch; false when ctx ended first.
func (c *Capture) send(ctx context.Context, b *pcapfile.Batch) bool {
	select {
	case c.ch <- b:
		return true
	case <-ctx.Done():
		return false
	}
}

// batcher fills batches for one input.
type batcher struct {
	c     *Capture
	ctx   context.Context
	cur   *pcapfile.Batch
	since time.Time
}

// add appends a frame; false when the capture is stopping.
func (b *batcher) add(f *pcapfile.Frame) bool {
	if b.cur == nil {
		if b.cur = b.c.get(b.ctx); b.cur == nil {
			return false
		}
		b.since = time.Now()
	}
	if b.cur.Append(f, batchFrames, batchBytes) {
		return true
	}
	if !b.flush() {
		return false
	}
	return b.add(f)
}

// due says a batch waits that should go now.
func (b *batcher) due() bool { return b.cur != nil && time.Since(b.since) >= flushAfter }

func (b *batcher) flush() bool {
	if b.cur == nil || len(b.cur.Frames) == 0 {
		return true
	}
	ok := b.c.send(b.ctx, b.cur)
	b.cur = nil
	return ok
}

// ReadBatch fills b with the next frames any input captured, numbered
// and written to the spool and the -w files; it waits for them, and
// returns io.EOF once every input has stopped.
func (c *Capture) ReadBatch(b *pcapfile.Batch) error {
	in, ok := <-c.ch
	if !ok {
		return io.EOF
	}
	for i := range in.Frames {
		f := &in.Frames[i]
		c.frames++
		f.Ref = record.FrameRef{Frame: uint32(c.frames)}
		if s := c.spool.Load(); s != nil {
			off, err := s.write(f)
			if err != nil {
				c.spoolFailed(err)
			} else {
				f.Ref.Offset = off
			}
		}
		if c.rot != nil && c.writeErr == nil {
			if err := c.rot.WriteFrame(f); err != nil {
				c.writeFailed(err)
			}
		}
	}
	if c.rot != nil && c.writeErr == nil {
		// Flushed batch by batch: the files can be read while capturing.
		if err := c.rot.Flush(); err != nil {
			c.writeFailed(err)
		}
	}
	if s := c.spool.Load(); s != nil {
		if err := s.flush(); err != nil {
			c.spoolFailed(err)
		}
	}
	*b, *in = *in, *b
	c.pool <- in // never blocks: the pool has room for every batch
	return nil
}

func (c *Capture) writeFailed(err error) {
	c.writeErr = err
	c.problem(capture.Problem{File: "-w", Layer: "write", Err: err})
}

func (c *Capture) spoolFailed(err error) {
	if s := c.spool.Swap(nil); s != nil {
		s.close()
	}
	c.problem(capture.Problem{File: "spool", Layer: "spool", Err: fmt.Errorf("frames are not kept for re-reading any more: %w", err)})
}

func (c *Capture) problem(p capture.Problem) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[p.Layer]++
	if len(c.problems) < c.maxProbs {
		c.problems = append(c.problems, p)
	}
}

// Problems returns the problems met (bad HEP packets, write errors…),
// the first ones with their text, all counted by layer.
func (c *Capture) Problems() ([]capture.Problem, map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.problems), maps.Clone(c.counts)
}

// Counters returns the inputs' counters: frames, kernel drops, HEP
// packets by kind.
func (c *Capture) Counters() map[string]uint64 {
	m := map[string]uint64{}
	for _, in := range c.inputs {
		in.counters(m)
	}
	return m
}

// Err returns why inputs stopped early, if any did.
func (c *Capture) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return errors.Join(c.inputErrs...)
}

// Files returns the -w files written that are kept.
func (c *Capture) Files() []string {
	if c.rot == nil {
		return nil
	}
	return c.rot.Files()
}

// ReadFrame re-reads a frame from the spool.
func (c *Capture) ReadFrame(ref record.FrameRef) (pcapfile.Frame, error) {
	s := c.spool.Load()
	if s == nil {
		return pcapfile.Frame{}, errors.New("live: frames are not kept (no spool, or it failed)")
	}
	return s.read(ref)
}

// Punch gives back the spool's space that no frame in need holds: needed
// are the frames of the calls kept (and any frame captured in the last 35
// seconds, which a message still being reassembled may come to need).
func (c *Capture) Punch(needed []record.FrameRef) (freed int64, err error) {
	if s := c.spool.Load(); s != nil {
		return s.punch(needed)
	}
	return 0, nil
}

// SpoolDisk returns the bytes the spool takes on disk (0 without one).
func (c *Capture) SpoolDisk() int64 {
	if s := c.spool.Load(); s != nil {
		return s.diskUsage()
	}
	return 0
}

// Stop stops the inputs; ReadBatch returns the frames still queued, then
// io.EOF.
func (c *Capture) Stop() { c.cancel() }

// Close stops the inputs, waits for them, and closes the -w file and the
// spool.
func (c *Capture) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	c.cancel()
	c.wg.Wait()
	err := c.closeInputs()
	if c.rot != nil {
		if werr := c.rot.Close(); werr != nil && err == nil && c.writeErr == nil {
			err = werr
		}
	}
	if s := c.spool.Swap(nil); s != nil {
		s.close()
	}
	return err
}

func (c *Capture) closeInputs() error {
	var first error
	for _, in := range c.inputs {
		if err := in.close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// CloseInputs closes inputs that were opened but not started (Start
// failed, or another input could not be opened).
func CloseInputs(ins []Input) error {
	var first error
	for _, in := range ins {
		if err := in.close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
