package pcapfile

import (
	"errors"
	"fmt"
	"strconv"
)

// Sentinel errors; test with errors.Is.
var (
	// ErrNotCapture: the input is neither pcap nor pcapng (nor a gzip of
	// one). Open and NewReader return it wrapped with the name and first
	// bytes.
	ErrNotCapture = errors.New("not a capture file")
	// ErrVersion: a capture format version this package does not read.
	ErrVersion = errors.New("unsupported capture format version")
	// ErrTruncated: the input ends inside a header or record.
	ErrTruncated = errors.New("truncated")
	// ErrBadRecord: a record or block whose lengths are impossible; the
	// reader skipped to the next plausible one.
	ErrBadRecord = errors.New("bad record")
	// ErrNoFrame: ReadFrame found no packet record at the offset given.
	ErrNoFrame = errors.New("no frame at offset")
	// ErrNoRandomAccess: the input can not be re-read (a stream read
	// with Options.NoSpool).
	ErrNoRandomAccess = errors.New("frames of this input can not be re-read")
	// ErrWrongFile: a FrameRef names another file than the reader's.
	ErrWrongFile = errors.New("frame reference names another file")
	// ErrClosed: the reader was closed.
	ErrClosed = errors.New("reader closed")
	// ErrLinkType: Writer.WriteFrame got a frame of a link type the
	// writer was not created for.
	ErrLinkType = errors.New("link type not declared to the writer")
)

// RecordError says what was wrong with one record and how the reader went
// on. It unwraps to ErrBadRecord or ErrTruncated.
type RecordError struct {
	Err    error  // ErrBadRecord or ErrTruncated
	Detail string // why, with the numbers read
	// Skipped is how many bytes, from the bad record's first byte, the
	// reader passed over before the next valid record (or the end).
	Skipped int64
	// AtEnd: no valid record followed; the bytes up to the end were
	// skipped.
	AtEnd bool
}

func (e *RecordError) Error() string {
	if e.Err == ErrTruncated {
		return "truncated: " + e.Detail
	}
	s := e.Detail
	if e.AtEnd {
		s += "; skipped " + strconv.FormatInt(e.Skipped, 10) + " bytes to the end (no valid record after it)"
	} else {
		s += "; skipped " + strconv.FormatInt(e.Skipped, 10) + " bytes to the next valid record"
	}
	return s
}

func (e *RecordError) Unwrap() error { return e.Err }

// Problem is a corrupt or truncated record met while reading. Reading
// goes on after it (resynchronised) unless the input ended.
type Problem struct {
	File   uint16 // file index given to Open
	Name   string // file name as given ("stdin" for "-")
	Offset int64  // byte offset of the bad record in the decompressed stream
	Frame  uint32 // number of the last good frame before it (0: none)
	Err    error  // a *RecordError
}

func (p Problem) Error() string {
	return fmt.Sprintf("%s: offset %d (after frame %d): %v", p.Name, p.Offset, p.Frame, p.Err)
}

func (p Problem) Unwrap() error { return p.Err }

// notCapture builds the Open error for an input that is not a capture.
func notCapture(name string, first []byte, gz bool) error {
	what := ""
	if gz {
		what = "gzip-compressed, "
	}
	if len(first) == 0 {
		return fmt.Errorf("pcapfile: %s: %w (%sempty)", name, ErrNotCapture, what)
	}
	if len(first) > 8 {
		first = first[:8]
	}
	return fmt.Errorf("pcapfile: %s: %w (%sfirst bytes % x %q)", name, ErrNotCapture, what, first, first)
}
