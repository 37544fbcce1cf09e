// Package cdr writes the gateway's call detail records (ops.CDR) as JSON
// lines to a file, rotated by size and/or age, without ever making a call's
// event loop wait on the disk.
//
// Policy:
//
//   - Write puts the record on a bounded queue (Options.QueueSize) and
//     returns; one goroutine encodes and writes. When the queue is full the
//     record being written is dropped (the newest: the queued ones are
//     older and as valuable), counted (Stats.Dropped,
//     sipgw_cdr_dropped_total) and logged at most once per LogEvery with the
//     number dropped since. Write after Close drops likewise.
//   - Records are buffered and written every FlushInterval, when the buffer
//     reaches 64 KiB, on Flush and on Close. Every write(2) to the file
//     holds whole lines only; still, a write(2) the kernel cuts short (a
//     process killed in it, a full disk, power loss) leaves part of a line,
//     which is cut off: after a short write at once, and when the file is
//     opened again (a record that was never whole is not one; the lines
//     before it stay).
//   - Rotation: before a line would take the file past MaxSize, or once the
//     file is older than MaxAge, it is renamed to PATH.YYYYMMDDTHHMMSS.mmmZ
//     (UTC, the rotation time) and a new file opened; only the Keep newest
//     rotated files are kept.
//   - Reopen (on SIGHUP) closes and reopens PATH, for an external logrotate
//     that renamed it.
//   - A failed write keeps the lines (retried on the next flush, reopening
//     the file) up to 1 MiB; beyond that they are counted as lost
//     (Stats.Lost) and logged.
package cdr

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sipgw/sipgw/ops"
	"github.com/sipgw/sipgw/ops/metrics"
)

// Options configure Open. Zero values take the defaults.
type Options struct {
	Path          string        // the file; its directory must exist
	MaxSize       int64         // rotate before the file would pass it (0: never by size)
	MaxAge        time.Duration // rotate when the file is older (0: never by age)
	Keep          int           // rotated files kept (default 10)
	FlushInterval time.Duration // default 1 s
	QueueSize     int           // default 8192 records
	LogEvery      time.Duration // drop/loss warnings at most this often (default 10 s)
	Perm          os.FileMode   // default 0o640: CDRs carry subscribers' numbers
	Logger        *slog.Logger  // default slog.Default()
	Now           func() time.Time
}

// Stats are the writer's counters since Open.
type Stats struct {
	Written   uint64 // records written to the file
	Dropped   uint64 // records refused: queue full, or after Close
	Lost      uint64 // records given up after write errors
	Rotations uint64
	Queued    int // records waiting now
}

// Writer writes CDRs. Its methods are safe for concurrent use.
type Writer struct {
	o    Options
	q    chan ops.CDR
	mu   sync.RWMutex // held for reading by Write, for writing by Close
	shut bool

	reopen    chan struct{}
	flush     chan chan error
	stop      chan struct{}
	done      chan struct{}
	closeErr  error
	closeOnce sync.Once

	written, dropped, lost, rotations atomic.Uint64
	droppedLogged                     atomic.Uint64
	lastDropLog                       atomic.Int64

	// owned by the loop goroutine
	f        *os.File
	size     int64
	opened   time.Time
	buf      []byte
	bufLines int
	failing  bool

	beforeRecord func() // tests: hold the loop
}

const (
	flushAt   = 64 << 10
	maxRetain = 1 << 20
	stampFmt  = "20060102T150405.000Z"
)

// Open opens (or creates, appending) the file and starts the writer.
func Open(o Options) (*Writer, error) {
	if o.Path == "" {
		return nil, errors.New("cdr: no file path")
	}
	if o.MaxSize < 0 || o.MaxAge < 0 || o.Keep < 0 || o.QueueSize < 0 || o.FlushInterval < 0 {
		return nil, fmt.Errorf("cdr: %s: negative size, age, keep, queue or flush interval", o.Path)
	}
	if o.Keep == 0 {
		o.Keep = 10
	}
	if o.FlushInterval == 0 {
		o.FlushInterval = time.Second
	}
	if o.QueueSize == 0 {
		o.QueueSize = 8192
	}
	if o.LogEvery == 0 {
		o.LogEvery = 10 * time.Second
	}
	if o.Perm == 0 {
		o.Perm = 0o640
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	w := &Writer{
		o:      o,
		q:      make(chan ops.CDR, o.QueueSize),
		reopen: make(chan struct{}, 1),
		flush:  make(chan chan error),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	if err := w.open(); err != nil {
		return nil, err
	}
	go w.loop()
	return w, nil
}

// Write queues r; it never waits for the disk. See the package doc for
// what happens when the queue is full.
func (w *Writer) Write(r ops.CDR) {
	w.mu.RLock()
	if !w.shut {
		select {
		case w.q <- r:
			w.mu.RUnlock()
			return
		default:
		}
	}
	w.mu.RUnlock()
	w.dropped.Add(1)
	w.logDrops()
}

func (w *Writer) logDrops() {
	now := w.o.Now().UnixNano()
	last := w.lastDropLog.Load()
	if now-last < int64(w.o.LogEvery) || !w.lastDropLog.CompareAndSwap(last, now) {
		return
	}
	d := w.dropped.Load()
	prev := w.droppedLogged.Swap(d)
	w.o.Logger.Warn("CDRs dropped: queue full or writer closed", "file", w.o.Path, "dropped", d-prev, "dropped_total", d, "queue", w.o.QueueSize)
}

// Reopen asks the writer to close and reopen its file (SIGHUP after an
// external rotation). It returns at once; requests coalesce.
func (w *Writer) Reopen() {
	select {
	case w.reopen <- struct{}{}:
	default:
	}
}

// Flush writes every record queued before the call and returns the write
// error, if any.
func (w *Writer) Flush(ctx context.Context) error {
	reply := make(chan error, 1)
	select {
	case w.flush <- reply:
	case <-w.done:
		return errors.New("cdr: writer closed")
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close writes what is queued, closes the file and stops the writer. Later
// Writes are dropped. It is safe to call more than once.
func (w *Writer) Close() error {
	w.closeOnce.Do(func() {
		w.mu.Lock()
		w.shut = true
		w.mu.Unlock()
		close(w.stop)
		<-w.done
	})
	return w.closeErr
}

// Stats returns the counters.
func (w *Writer) Stats() Stats {
	return Stats{Written: w.written.Load(), Dropped: w.dropped.Load(), Lost: w.lost.Load(),
		Rotations: w.rotations.Load(), Queued: len(w.q)}
}

// Collect adds the writer's counters to a metrics scrape.
func (w *Writer) Collect(_ context.Context, e *metrics.Emitter) {
	s := w.Stats()
	e.Family("sipgw_cdr_written_total", metrics.Counter, "CDRs written to the file.")
	e.Sample(float64(s.Written))
	e.Family("sipgw_cdr_dropped_total", metrics.Counter, "CDRs dropped because the writer's queue was full (or it was closed).")
	e.Sample(float64(s.Dropped))
	e.Family("sipgw_cdr_lost_total", metrics.Counter, "CDRs given up after the file could not be written.")
	e.Sample(float64(s.Lost))
	e.Family("sipgw_cdr_rotations_total", metrics.Counter, "CDR file rotations.")
	e.Sample(float64(s.Rotations))
	e.Family("sipgw_cdr_queue_length", metrics.Gauge, "CDRs waiting to be written.")
	e.Sample(float64(s.Queued))
}

var _ metrics.Source = (*Writer)(nil)

func (w *Writer) loop() {
	defer close(w.done)
	t := time.NewTicker(w.o.FlushInterval)
	defer t.Stop()
	for {
		select {
		case r := <-w.q:
			w.record(r)
		case <-t.C:
			w.maybeRotateByAge()
			w.writeBuf()
		case <-w.reopen:
			w.writeBuf()
			w.closeFile()
			if err := w.open(); err != nil {
				w.o.Logger.Error("CDR file reopen failed", "file", w.o.Path, "err", err)
			}
		case reply := <-w.flush:
			w.drain()
			reply <- w.writeBuf()
		case <-w.stop:
			w.drain()
			err := w.writeBuf()
			if w.bufLines > 0 {
				w.lost.Add(uint64(w.bufLines))
				w.o.Logger.Error("CDRs lost at close: the file could not be written", "file", w.o.Path, "lost", w.bufLines, "err", err)
			}
			w.closeErr = errors.Join(err, w.closeFile())
			return
		}
	}
}

// drain takes every record queued now.
func (w *Writer) drain() {
	for {
		select {
		case r := <-w.q:
			w.record(r)
		default:
			return
		}
	}
}

func (w *Writer) record(r ops.CDR) {
	if w.beforeRecord != nil {
		w.beforeRecord()
	}
	line, err := json.Marshal(r)
	if err != nil { // ops.CDR has only plain fields; cannot happen
		w.lost.Add(1)
		w.o.Logger.Error("CDR not encodable", "id", r.ID, "err", err)
		return
	}
	line = append(line, '\n')
	w.maybeRotateByAge()
	if w.o.MaxSize > 0 && w.size+int64(len(w.buf))+int64(len(line)) > w.o.MaxSize && w.size+int64(len(w.buf)) > 0 {
		if w.writeBuf() == nil {
			w.rotate()
		}
	}
	w.buf = append(w.buf, line...)
	w.bufLines++
	if len(w.buf) >= flushAt {
		w.writeBuf()
	}
}

func (w *Writer) maybeRotateByAge() {
	if w.o.MaxAge <= 0 || w.f == nil {
		return
	}
	now := w.o.Now()
	if now.Sub(w.opened) < w.o.MaxAge {
		return
	}
	if w.size+int64(len(w.buf)) == 0 {
		w.opened = now // nothing to rotate: an empty file's age starts over
		return
	}
	if w.writeBuf() == nil {
		w.rotate()
	}
}

// writeBuf writes the buffered lines in one write. On failure it keeps
// them for the next try (reopening the file then), up to maxRetain.
func (w *Writer) writeBuf() error {
	if len(w.buf) == 0 {
		return nil
	}
	if w.f == nil {
		if err := w.open(); err != nil {
			return w.failed(err)
		}
	}
	start := w.size
	n, err := w.f.Write(w.buf)
	w.size += int64(n)
	if err != nil {
		// A short write leaves part of a line: cut it off so the file
		// holds whole lines only, and keep the unwritten lines.
		if n > 0 {
			done := bytes.Count(w.buf[:n], []byte{'\n'})
			if w.buf[n-1] != '\n' {
				n = bytes.LastIndexByte(w.buf[:n], '\n') + 1
				if terr := w.f.Truncate(start + int64(n)); terr == nil {
					w.size = start + int64(n)
				}
			}
			w.written.Add(uint64(done))
			w.buf = w.buf[:copy(w.buf, w.buf[n:])]
			w.bufLines -= done
		}
		w.closeFile()
		return w.failed(err)
	}
	if w.failing {
		w.failing = false
		w.o.Logger.Info("CDR file writable again", "file", w.o.Path)
	}
	w.written.Add(uint64(w.bufLines))
	w.buf, w.bufLines = w.buf[:0], 0
	return nil
}

func (w *Writer) failed(err error) error {
	if !w.failing {
		w.failing = true
		w.o.Logger.Error("CDR file write failed; retrying at each flush", "file", w.o.Path, "err", err)
	}
	if len(w.buf) > maxRetain {
		w.lost.Add(uint64(w.bufLines))
		w.o.Logger.Error("CDRs lost: the file stayed unwritable", "file", w.o.Path, "lost", w.bufLines)
		w.buf, w.bufLines = w.buf[:0], 0
	}
	return err
}

// open opens the file for appending and cuts off a partial last line.
func (w *Writer) open() error {
	f, err := os.OpenFile(w.o.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, w.o.Perm)
	if err != nil {
		return fmt.Errorf("cdr: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("cdr: %w", err)
	}
	w.f, w.size, w.opened = f, st.Size(), w.o.Now()
	if w.size > 0 {
		if whole, err := wholeLines(w.o.Path, w.size); err == nil && whole < w.size {
			if err := f.Truncate(whole); err == nil {
				w.o.Logger.Warn("CDR file ended in a partial line (a crash in a write?); the partial line was cut off",
					"file", w.o.Path, "bytes", w.size-whole)
				w.size = whole
			}
		}
	}
	return nil
}

// wholeLines returns the length of the file's whole lines: size if it
// ends in a newline, else up to its last newline (0 for none).
func wholeLines(path string, size int64) (int64, error) {
	r, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	buf := make([]byte, 64<<10)
	end := size
	for end > 0 {
		start := max(end-int64(len(buf)), 0)
		b := buf[:end-start]
		if _, err := r.ReadAt(b, start); err != nil {
			return 0, err
		}
		if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
			return start + int64(i) + 1, nil
		}
		end = start
	}
	return 0, nil
}

func (w *Writer) closeFile() error {
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	return err
}

// rotate renames the file with the time and opens a new one, then prunes.
func (w *Writer) rotate() {
	w.closeFile()
	stamp := w.o.Now().UTC().Format(stampFmt)
	dst := w.o.Path + "." + stamp
	for i := 2; ; i++ {
		if _, err := os.Lstat(dst); errors.Is(err, os.ErrNotExist) {
			break
		}
		dst = fmt.Sprintf("%s.%s-%d", w.o.Path, stamp, i)
	}
	if err := os.Rename(w.o.Path, dst); err != nil {
		w.o.Logger.Error("CDR file rotation failed; going on in the same file", "file", w.o.Path, "err", err)
	} else {
		w.rotations.Add(1)
	}
	if err := w.open(); err != nil {
		w.o.Logger.Error("CDR file reopen after rotation failed", "file", w.o.Path, "err", err)
	}
	w.prune()
}

// Rotated lists the rotated files of path, oldest first.
func Rotated(path string) ([]string, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	type rotated struct{ path, rest string }
	var found []rotated
	for _, e := range ents {
		n := e.Name()
		rest, ok := strings.CutPrefix(n, base+".")
		if !ok || len(rest) < len(stampFmt) {
			continue
		}
		if _, err := time.Parse(stampFmt, rest[:len(stampFmt)]); err != nil {
			continue
		}
		found = append(found, rotated{filepath.Join(dir, n), rest})
	}
	// The stamp is fixed-width UTC, so names sort by time; a "-N" suffix
	// (two rotations in one millisecond) sorts after its stamp's first file.
	slices.SortFunc(found, func(a, b rotated) int {
		if c := strings.Compare(a.rest[:len(stampFmt)], b.rest[:len(stampFmt)]); c != 0 {
			return c
		}
		if len(a.rest) != len(b.rest) {
			return len(a.rest) - len(b.rest)
		}
		return strings.Compare(a.rest, b.rest)
	})
	out := make([]string, len(found))
	for i, f := range found {
		out[i] = f.path
	}
	return out, nil
}

func (w *Writer) prune() {
	files, err := Rotated(w.o.Path)
	if err != nil {
		w.o.Logger.Error("CDR rotated files not listed", "file", w.o.Path, "err", err)
		return
	}
	for len(files) > w.o.Keep {
		if err := os.Remove(files[0]); err != nil {
			w.o.Logger.Error("old CDR file not removed", "file", files[0], "err", err)
		}
		files = files[1:]
	}
}

var _ io.Closer = (*Writer)(nil)
