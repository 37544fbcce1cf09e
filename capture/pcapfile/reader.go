package pcapfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/sipgw/sipgw/capture/record"
)

// Frame is one captured frame.
type Frame struct {
	Data     []byte // captured bytes, aliasing the batch buffer
	Time     int64  // unix nanoseconds
	OrigLen  uint32 // length on the wire (≥ len(Data) unless the file says otherwise)
	LinkType uint16 // LINKTYPE value of this frame's interface
	Ref      record.FrameRef
}

// Batch is a set of consecutive frames and the buffer their Data aliases.
// A Batch is reused: ReadBatch overwrites it, so hand it to one consumer
// at a time and give it back when its frames are no longer needed.
// The zero value is ready to use.
type Batch struct {
	Frames []Frame
	buf    []byte
	used   int // bytes of buf that Append filled
}

// Reset empties the batch, keeping its buffers.
func (b *Batch) Reset() { b.Frames = b.Frames[:0]; b.used = 0 }

// Append copies f (its Data into the batch's own buffer) to the end of
// the batch; false, and nothing copied, when the batch holds maxFrames
// frames or its maxBytes buffer has no room left for the data. A frame
// longer than maxBytes goes alone into an empty batch. It is how a live
// capture fills batches; readers fill theirs in place.
func (b *Batch) Append(f *Frame, maxFrames, maxBytes int) bool {
	n := len(f.Data)
	if len(b.Frames) >= maxFrames || b.used+n > maxBytes && len(b.Frames) > 0 {
		return false
	}
	if len(b.Frames) == 0 {
		b.used = 0
	}
	if need := max(maxBytes, n); cap(b.buf) < need {
		// Frames of this batch alias the buffer: a new one only when it
		// is empty (above) or for the first frames.
		b.buf = make([]byte, need)
	}
	b.buf = b.buf[:cap(b.buf)]
	if cap(b.Frames) < maxFrames {
		fr := make([]Frame, len(b.Frames), maxFrames)
		copy(fr, b.Frames)
		b.Frames = fr
	}
	g := *f
	g.Data = b.buf[b.used : b.used+n : b.used+n]
	copy(g.Data, f.Data)
	b.used += n
	b.Frames = append(b.Frames, g)
	return true
}

// Options tune a Reader. The zero value gives the defaults.
type Options struct {
	BatchFrames int       // most frames per batch (default 1024)
	BatchBytes  int       // about how many bytes per batch (default 1 MiB)
	Stdin       io.Reader // read for the path "-" instead of os.Stdin
	TempDir     string    // where spool files go (default os.TempDir())
	// NoSpool: do not keep a copy of a stream (stdin, gzip) for
	// ReadFrame; ReadFrame then returns ErrNoRandomAccess for it.
	NoSpool bool
}

const (
	defaultBatchFrames = 1024
	defaultBatchBytes  = 1 << 20
	readChunk          = 256 << 10 // smallest read from the input
	maxSnap            = 256 << 10 // caplen allowed beyond a smaller snaplen
	maxRecord          = 16 << 20  // no record or block is larger
	maxProblems        = 1000      // Problems kept; more are only counted
)

// Format is the framing of a capture file.
type Format uint8

const (
	FormatPcap Format = iota + 1
	FormatPcapNG
)

func (f Format) String() string {
	switch f {
	case FormatPcap:
		return "pcap"
	case FormatPcapNG:
		return "pcapng"
	}
	return "unknown"
}

// errStop ends a batch early: the buffer is full while frames alias it, or
// the next read from a pipe could block while frames are ready.
var errStop = errors.New("pcapfile: batch full")

// Reader reads the frames of one capture file in order. ReadBatch and Next
// are for one goroutine; ReadFrame may be called from others at the same
// time. A Reader stays usable for ReadFrame after io.EOF until Close.
type Reader struct {
	name   string
	file   uint16
	opt    Options
	format Format

	// input
	src     io.Reader     // the (decompressed) byte stream, read into batch buffers
	size    int64         // bytes of a plain seekable input, 0 for streams and gzip
	raw     *bufio.Reader // over a non-seekable input, nil otherwise
	live    bool          // the input is a pipe: end a batch rather than block
	short   bool          // the last read returned less than asked
	srcDone bool
	cut     error // the input ended with io.ErrUnexpectedEOF
	closers []io.Closer
	spool   *os.File
	spoolRm string // spool path still to remove (when unlinking early failed)
	// needSpool: the input can not be re-read; spool it once it is known
	// to be a capture.
	needSpool bool

	ramu   sync.RWMutex // guards ra, raBase and closed against Close
	ra     io.ReaderAt
	raBase int64 // offset of stream byte 0 in ra
	closed bool

	// window: unconsumed bytes are buf[off:end]; buf[0] is stream byte base
	buf       []byte
	off, end  int
	base      int64
	hint      int // size of the first read of the next batch
	first     int // size of the buffer the file header is read into
	lastBytes int // bytes consumed by the previous batch
	lastN     int // frames in the previous batch

	// classic pcap
	be       bool // big-endian records (pcapng: of the current section)
	nsec     bool
	hdrLen   int
	snap     uint32
	maxCap   uint32
	linkType uint16

	// pcapng
	ng ngState

	frame    uint32 // frames delivered
	lastTime int64
	haveTime bool
	rs       resync

	problems     []Problem
	problemCount int
	done         bool
	err          error

	nb Batch // for Next
	ni int
}

// Open opens a capture file; "-" reads standard input (Options.Stdin if
// set). file is the index recorded in every frame's Ref.
func Open(path string, file uint16, opt Options) (*Reader, error) {
	if path == "-" {
		in := opt.Stdin
		if in == nil {
			in = os.Stdin
		}
		return newReader(in, "stdin", file, opt, nil)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("pcapfile: %w", err)
	}
	return newReader(f, path, file, opt, f) // on error it has closed f
}

// NewReader reads a capture from r; name is used in messages. When r is a
// seekable io.ReaderAt (an *os.File of a regular file, a bytes.Reader),
// frames are re-read from it; otherwise the stream is spooled to a
// temporary file as it is read. Close does not close r.
func NewReader(r io.Reader, name string, file uint16, opt Options) (*Reader, error) {
	return newReader(r, name, file, opt, nil)
}

func newReader(in io.Reader, name string, file uint16, opt Options, owned io.Closer) (*Reader, error) {
	if opt.BatchFrames <= 0 {
		opt.BatchFrames = defaultBatchFrames
	}
	if opt.BatchBytes <= 0 {
		opt.BatchBytes = defaultBatchBytes
	}
	r := &Reader{name: name, file: file, opt: opt}
	if owned != nil {
		r.closers = append(r.closers, owned)
	}
	if err := r.openSource(in); err != nil {
		r.Close()
		return nil, err
	}
	if err := r.readFileHeader(); err != nil {
		r.Close()
		return nil, err
	}
	if r.needSpool {
		if err := r.startSpool(); err != nil {
			r.Close()
			return nil, err
		}
	}
	return r, nil
}

// Name returns the name given to Open or NewReader ("stdin" for "-").
func (r *Reader) Name() string { return r.name }

// File returns the file index given to Open or NewReader.
func (r *Reader) File() uint16 { return r.file }

// Format returns the file's format.
func (r *Reader) Format() Format { return r.format }

// LinkTypes returns the link types of the frames known so far: a pcap
// file's one; for pcapng those of the interfaces read so far (none before
// the first batch: they come as blocks).
func (r *Reader) LinkTypes() []uint16 {
	if r.format == FormatPcap {
		return []uint16{r.linkType}
	}
	var lts []uint16
	for _, in := range r.ng.ifaces {
		lts = append(lts, in.linkType)
	}
	return lts
}

// Size is the length in bytes of a plain, seekable input (a regular file
// that is not compressed), known before reading it; 0 for standard input,
// pipes and gzip, whose length is known only at the end.
func (r *Reader) Size() int64 { return r.size }

// Problems returns the corrupt or truncated records met so far (the first
// 1000; ProblemCount counts all).
func (r *Reader) Problems() []Problem { return append([]Problem(nil), r.problems...) }

// ProblemCount returns how many problems were met so far.
func (r *Reader) ProblemCount() int { return r.problemCount }

func (r *Reader) addProblem(off int64, frame uint32, err *RecordError) {
	r.problemCount++
	if len(r.problems) < maxProblems {
		r.problems = append(r.problems, Problem{File: r.file, Name: r.name, Offset: off, Frame: frame, Err: err})
	}
}

// ReadBatch fills b with the next frames: up to Options.BatchFrames of
// them and about Options.BatchBytes of data. It returns io.EOF when no
// frame is left. b's previous frames are dropped; frames of other batches
// stay valid.
func (r *Reader) ReadBatch(b *Batch) error {
	b.Reset()
	if r.closed {
		return ErrClosed
	}
	if r.err != nil {
		return r.err
	}
	if r.done {
		return io.EOF
	}
	r.take(b)
	for len(b.Frames) < r.opt.BatchFrames && (r.off < r.opt.BatchBytes || len(b.Frames) == 0) {
		var err error
		switch {
		case r.rs.active:
			err = r.resyncStep(b)
		case r.format == FormatPcap:
			err = r.pcapRecord(b)
		default:
			err = r.ngBlock(b)
		}
		if err == nil {
			continue
		}
		if err == errStop {
			break
		}
		if err == io.EOF {
			r.done = true
			if r.cut != nil {
				off := r.base + int64(r.end)
				r.addProblem(off, r.frame, &RecordError{Err: ErrTruncated, AtEnd: true,
					Detail: fmt.Sprintf("input ends early at offset %d: %v", off, r.cut)})
			}
		} else {
			r.err = err
		}
		if len(b.Frames) > 0 {
			break
		}
		return err
	}
	r.lastBytes, r.lastN = r.off, len(b.Frames)
	return nil
}

// Next returns the next frame, valid until the next call to Next. It reads
// through an internal batch; do not mix it with ReadBatch.
func (r *Reader) Next() (*Frame, error) {
	if r.ni >= len(r.nb.Frames) {
		if err := r.ReadBatch(&r.nb); err != nil {
			return nil, err
		}
		r.ni = 0
	}
	f := &r.nb.Frames[r.ni]
	r.ni++
	return f, nil
}

// take makes b's buffer the reader's window, moving the bytes not yet
// consumed (a partial record) to its start.
func (r *Reader) take(b *Batch) {
	carry := r.end - r.off
	size := r.opt.BatchBytes + readChunk
	switch {
	case r.srcDone:
		size = carry // the rest of the input is all there is: a small file
	case carry+readChunk > size:
		size = carry + readChunk
	}
	if cap(b.buf) < size {
		b.buf = make([]byte, size)
	}
	b.buf = b.buf[:cap(b.buf)]
	if cap(b.Frames) < r.opt.BatchFrames {
		b.Frames = make([]Frame, 0, r.opt.BatchFrames)
	}
	copy(b.buf, r.buf[r.off:r.end]) // memmove when b's buffer is the window already
	r.base += int64(r.off)
	r.buf, r.off, r.end = b.buf, 0, carry

	// Size the first read to hold the batch like the previous one, plus a
	// margin, so that little is left over to move into the next batch.
	// Without that estimate (the first batch) read readChunk; with it, not
	// more: a batch that ends at its frame limit well before readChunk
	// would otherwise leave most of each read to be moved again.
	r.hint = readChunk
	if r.lastN > 0 {
		r.hint = max(r.lastBytes+r.lastBytes/16+2*r.lastBytes/r.lastN-carry, 4096)
	}
}

// need makes n bytes available at buf[off:]. It returns io.EOF when the
// input ends first, errStop when the batch has to end before more can be
// read, or a read error.
func (r *Reader) need(n int, b *Batch) error {
	for r.end-r.off < n {
		if r.srcDone {
			return io.EOF
		}
		if len(b.Frames) > 0 && r.live && r.short && r.raw.Buffered() == 0 {
			return errStop // a pipe has nothing more now: deliver what we have
		}
		if r.off+n > len(r.buf) {
			if len(b.Frames) > 0 {
				return errStop // frames alias the buffer: move nothing
			}
			if n+readChunk > len(r.buf) {
				nb := make([]byte, n+readChunk)
				copy(nb, r.buf[r.off:r.end])
				b.buf, r.buf = nb, nb
			} else {
				copy(r.buf, r.buf[r.off:r.end])
			}
			r.base += int64(r.off)
			r.end -= r.off
			r.off = 0
		}
		if err := r.read(n - (r.end - r.off)); err != nil {
			return err
		}
	}
	return nil
}

// read reads up to want bytes (at least min, the hint for a batch's first
// read, or readChunk) into the free end of the buffer and tees them to the
// spool. A pipe is read once (it may return less); other inputs until the
// amount or the end.
func (r *Reader) read(min int) error {
	want := max(min, r.hint)
	if r.hint == 0 {
		want = max(min, readChunk) // a further read for the same batch
	}
	r.hint = 0
	if free := len(r.buf) - r.end; want > free {
		want = free
	}
	got := 0
	for zero := 0; got < want; {
		n, err := r.src.Read(r.buf[r.end : r.end+want-got])
		if n > 0 {
			if r.spool != nil {
				if _, werr := r.spool.Write(r.buf[r.end : r.end+n]); werr != nil {
					return fmt.Errorf("pcapfile: %s: spool: %w", r.name, werr)
				}
			}
			r.end += n
			got += n
		}
		switch {
		case err == io.EOF:
			r.srcDone = true
			return nil
		case errors.Is(err, io.ErrUnexpectedEOF):
			// A gzip stream cut short (a capture still being written):
			// read what came, then end as for a truncated file.
			r.srcDone, r.cut = true, err
			return nil
		case err != nil:
			return fmt.Errorf("pcapfile: %s: read at offset %d: %w", r.name, r.base+int64(r.end), err)
		case n == 0:
			if zero++; zero > 100 {
				return fmt.Errorf("pcapfile: %s: read at offset %d: %w", r.name, r.base+int64(r.end), io.ErrNoProgress)
			}
		case r.live:
			r.short = got < want
			return nil
		}
	}
	return nil
}

// atEOF ends reading where the input ran out n bytes short of a record:
// a clean end if nothing is left, else a truncation problem.
func (r *Reader) atEOF(what string, n int) error {
	have := r.end - r.off
	if have > 0 {
		off := r.base + int64(r.off)
		r.addProblem(off, r.frame, &RecordError{Err: ErrTruncated, Skipped: int64(have), AtEnd: true,
			Detail: fmt.Sprintf("%s at offset %d needs %d bytes, file has %d", what, off, n, have)})
		r.off = r.end
	}
	return io.EOF
}

// resync is the state of a scan for the next valid record after a bad one.
type resync struct {
	active bool
	start  int64
	frame  uint32
	detail string
}

func (r *Reader) startResync(detail string) {
	r.rs = resync{active: true, start: r.base + int64(r.off), frame: r.frame, detail: detail}
	r.off++ // the bad record's first byte is not a record start
}

// resyncStep scans for the next plausible record, one candidate position
// at a time, and reports the problem once it is found or the input ends.
func (r *Reader) resyncStep(b *Batch) error {
	for {
		var ok bool
		var err error
		if r.format == FormatPcap {
			ok, err = r.pcapPlausible(b)
		} else {
			ok, err = r.ngPlausible(b)
		}
		switch {
		case err == io.EOF:
			r.off = r.end
			r.rs.active = false
			r.addProblem(r.rs.start, r.rs.frame, &RecordError{Err: ErrBadRecord, Detail: r.rs.detail,
				Skipped: r.base + int64(r.end) - r.rs.start, AtEnd: true})
			return io.EOF
		case err != nil:
			return err
		case ok:
			r.rs.active = false
			r.addProblem(r.rs.start, r.rs.frame, &RecordError{Err: ErrBadRecord, Detail: r.rs.detail,
				Skipped: r.base + int64(r.off) - r.rs.start})
			return nil
		}
		r.off++
	}
}

// Close releases the input and removes the spool file. Frames of batches
// read before stay valid; ReadFrame fails afterwards.
func (r *Reader) Close() error {
	r.ramu.Lock()
	defer r.ramu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	r.ra = nil
	var first error
	if r.spool != nil {
		if err := r.spool.Close(); err != nil {
			first = err
		}
		r.spool = nil
	}
	if r.spoolRm != "" {
		if err := os.Remove(r.spoolRm); err != nil && first == nil {
			first = err
		}
	}
	for _, c := range r.closers {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
