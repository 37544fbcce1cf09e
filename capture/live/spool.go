package live

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/pcapfile"
	"github.com/sipgw/sipgw/capture/record"
)

// The spool keeps every frame captured so that a viewer can re-read the
// message it opens. It is one unlinked file, records at growing offsets
// (a FrameRef's Offset), in chunks: a record never spans two chunks
// (padding before it when it would), so that the space of a chunk no kept
// call needs can be given back to the file system with a hole punched in
// its place (fallocate), the offsets of the rest unchanged.
//
// Record: time (8 octets), captured length (4), original length (4), link
// type (2), 2 spare, then the frame; little-endian.

const (
	spoolChunk = 64 << 10
	recHeader  = 20
	// keepRecent: frames this young are never punched — a message still
	// being reassembled may come to need them (IP fragments and SCTP
	// fragments wait 30 s at most, a TCP gap 5 s).
	keepRecent = 35 * time.Second
)

type spool struct {
	mu      sync.Mutex
	f       *os.File
	w       *bufio.Writer
	off     int64 // bytes written, buffered ones included
	flushed int64
	// last frame time in each chunk, and which chunks are holes
	chunkTime []int64
	punched   []bool
	// records larger than a chunk (they span several): offset → length
	big    map[int64]int64
	noHole bool // the file system cannot punch holes
	hdr    [recHeader]byte
	pad    [spoolChunk]byte
}

func newSpool(dir string) (*spool, error) {
	f, err := os.CreateTemp(dir, "sipsniff-spool-*")
	if err != nil {
		return nil, fmt.Errorf("live: spool: %w", err)
	}
	// Unlinked at once: no spool outlives the process.
	os.Remove(f.Name())
	return &spool{f: f, w: bufio.NewWriterSize(f, 256<<10), big: map[int64]int64{}}, nil
}

// write appends a frame and returns its offset.
func (s *spool) write(f *pcapfile.Frame) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := int64(recHeader + len(f.Data))
	if room := spoolChunk - s.off%spoolChunk; n > room && n <= spoolChunk {
		if _, err := s.w.Write(s.pad[:room]); err != nil {
			return 0, err
		}
		s.off += room
	}
	off := s.off
	h := s.hdr[:]
	binary.LittleEndian.PutUint64(h[0:], uint64(f.Time))
	binary.LittleEndian.PutUint32(h[8:], uint32(len(f.Data)))
	binary.LittleEndian.PutUint32(h[12:], f.OrigLen)
	binary.LittleEndian.PutUint16(h[16:], f.LinkType)
	h[18], h[19] = 0, 0
	if _, err := s.w.Write(h); err != nil {
		return 0, err
	}
	if _, err := s.w.Write(f.Data); err != nil {
		return 0, err
	}
	s.off += n
	if n > spoolChunk {
		s.big[off] = n
	}
	last := int((s.off - 1) / spoolChunk)
	for len(s.chunkTime) <= last {
		s.chunkTime = append(s.chunkTime, 0)
		s.punched = append(s.punched, false)
	}
	for c := int(off / spoolChunk); c <= last; c++ {
		s.chunkTime[c] = max(s.chunkTime[c], f.Time)
	}
	return off, nil
}

func (s *spool) flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flushLocked()
}

func (s *spool) flushLocked() error {
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("live: spool: %w", err)
	}
	s.flushed = s.off
	return nil
}

var errPunched = errors.New("its calls were evicted and its space given back")

// read re-reads the frame at ref.Offset.
func (s *spool) read(ref record.FrameRef) (pcapfile.Frame, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ref.Offset < 0 || ref.Offset+recHeader > s.off {
		return pcapfile.Frame{}, fmt.Errorf("live: %v: no such frame in the spool", ref)
	}
	if c := int(ref.Offset / spoolChunk); c < len(s.punched) && s.punched[c] {
		return pcapfile.Frame{}, fmt.Errorf("live: %v: %w", ref, errPunched)
	}
	if ref.Offset+recHeader > s.flushed {
		if err := s.flushLocked(); err != nil {
			return pcapfile.Frame{}, err
		}
	}
	var h [recHeader]byte
	if _, err := s.f.ReadAt(h[:], ref.Offset); err != nil {
		return pcapfile.Frame{}, fmt.Errorf("live: spool: %v: %w", ref, err)
	}
	n := int64(binary.LittleEndian.Uint32(h[8:]))
	if ref.Offset+recHeader+n > s.off {
		return pcapfile.Frame{}, fmt.Errorf("live: %v: no frame at offset %d of the spool", ref, ref.Offset)
	}
	if ref.Offset+recHeader+n > s.flushed {
		if err := s.flushLocked(); err != nil {
			return pcapfile.Frame{}, err
		}
	}
	f := pcapfile.Frame{
		Data:     make([]byte, n),
		Time:     int64(binary.LittleEndian.Uint64(h[0:])),
		OrigLen:  binary.LittleEndian.Uint32(h[12:]),
		LinkType: binary.LittleEndian.Uint16(h[16:]),
		Ref:      ref,
	}
	if _, err := s.f.ReadAt(f.Data, ref.Offset+recHeader); err != nil {
		return pcapfile.Frame{}, fmt.Errorf("live: spool: %v: %w", ref, err)
	}
	return f, nil
}

// punch gives back every whole chunk that holds no needed frame and no
// frame of the last keepRecent; it returns the bytes given back.
func (s *spool) punch(needed []record.FrameRef) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.noHole {
		return 0, nil
	}
	keep := make([]bool, len(s.punched))
	for _, r := range needed {
		c := int(r.Offset / spoolChunk)
		if c < 0 || c >= len(keep) {
			continue
		}
		keep[c] = true
		if n, ok := s.big[r.Offset]; ok {
			for e := int((r.Offset + n - 1) / spoolChunk); c <= e && c < len(keep); c++ {
				keep[c] = true
			}
		}
	}
	// Only whole chunks behind what is being written; and none with a
	// frame of the last minute (capture time).
	full := int(s.flushed / spoolChunk)
	newest := int64(0)
	for _, t := range s.chunkTime {
		newest = max(newest, t)
	}
	var freed int64
	for c := 0; c < full; c++ {
		if keep[c] || s.punched[c] || s.chunkTime[c] > newest-int64(keepRecent) {
			continue
		}
		err := unix.Fallocate(int(s.f.Fd()), unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_KEEP_SIZE, int64(c)*spoolChunk, spoolChunk)
		if err != nil {
			if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOSYS) {
				s.noHole = true
				return freed, fmt.Errorf("live: spool: the file system cannot punch holes, the spool keeps growing: %w", err)
			}
			return freed, fmt.Errorf("live: spool: %w", err)
		}
		s.punched[c] = true
		freed += spoolChunk
	}
	for off := range s.big {
		if c := int(off / spoolChunk); s.punched[c] {
			delete(s.big, off)
		}
	}
	return freed, nil
}

// diskUsage returns the bytes the spool occupies on disk (holes not
// counted).
func (s *spool) diskUsage() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var st unix.Stat_t
	if err := unix.Fstat(int(s.f.Fd()), &st); err != nil {
		return -1
	}
	return st.Blocks * 512
}

func (s *spool) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.f.Close()
}

// NeededFrames lists every frame of an analysis's messages (their
// extra frames too): what Punch must keep.
func NeededFrames(a *calls.Analysis) []record.FrameRef {
	out := make([]record.FrameRef, 0, len(a.Messages))
	for i := range a.Messages {
		out = append(out, a.Messages[i].Ref)
	}
	for _, fs := range a.ExtraFrames {
		out = append(out, fs...)
	}
	return out
}
