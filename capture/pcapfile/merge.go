package pcapfile

import (
	"io"

	"github.com/sipgw/sipgw/capture/record"
)

// Merged reads the frames of several readers as one stream in timestamp
// order. Ties go to the lower file index, then to the earlier frame.
// Frames are copied into the caller's batch once; with a single reader
// its batches are passed through as they are.
type Merged struct {
	rs          []*Reader
	in          []Batch
	pos         []int
	eof         []bool
	err         error
	batchFrames int
	batchBytes  int

	nb Batch // for Next
	ni int
}

// Merge merges the frames of rs. The readers are read by the Merged from
// then on; Close closes them.
func Merge(rs ...*Reader) *Merged {
	m := &Merged{rs: rs, in: make([]Batch, len(rs)), pos: make([]int, len(rs)), eof: make([]bool, len(rs)),
		batchFrames: defaultBatchFrames, batchBytes: defaultBatchBytes}
	if len(rs) > 0 {
		m.batchFrames, m.batchBytes = rs[0].opt.BatchFrames, rs[0].opt.BatchBytes
	}
	return m
}

// ReadBatch fills b with the next frames in time order, up to the first
// reader's Options.BatchFrames and about its BatchBytes. It returns io.EOF
// when every reader is done.
func (m *Merged) ReadBatch(b *Batch) error {
	if len(m.rs) == 1 {
		return m.rs[0].ReadBatch(b)
	}
	b.Reset()
	if m.err != nil {
		return m.err
	}
	if cap(b.buf) < m.batchBytes+readChunk {
		b.buf = make([]byte, m.batchBytes+readChunk)
	}
	b.buf = b.buf[:cap(b.buf)]
	if cap(b.Frames) < m.batchFrames {
		b.Frames = make([]Frame, 0, m.batchFrames)
	}
	used := 0
	for len(b.Frames) < m.batchFrames && used < m.batchBytes {
		i, err := m.head()
		if err != nil {
			m.err = err
			break
		}
		if i < 0 {
			break
		}
		f := &m.in[i].Frames[m.pos[i]]
		n := len(f.Data)
		if used+n > len(b.buf) {
			if len(b.Frames) > 0 {
				break // the next batch starts with it
			}
			b.buf = make([]byte, n+readChunk)
		}
		g := *f
		g.Data = b.buf[used : used+n : used+n]
		copy(g.Data, f.Data)
		b.Frames = append(b.Frames, g)
		used += n
		m.pos[i]++
	}
	if len(b.Frames) == 0 {
		if m.err != nil {
			return m.err
		}
		return io.EOF
	}
	return nil
}

// head returns the index of the reader whose next frame comes first,
// refilling exhausted batches; -1 when all are done.
func (m *Merged) head() (int, error) {
	best := -1
	var bt int64
	for i := range m.rs {
		if m.pos[i] >= len(m.in[i].Frames) {
			if m.eof[i] {
				continue
			}
			m.pos[i] = 0
			if err := m.rs[i].ReadBatch(&m.in[i]); err == io.EOF {
				m.eof[i] = true
				continue
			} else if err != nil {
				return -1, err
			}
		}
		t := m.in[i].Frames[m.pos[i]].Time
		if best < 0 || t < bt || t == bt && m.rs[i].file < m.rs[best].file {
			best, bt = i, t
		}
	}
	return best, nil
}

// Next returns the next frame in time order, valid until the next call.
// Do not mix it with ReadBatch.
func (m *Merged) Next() (*Frame, error) {
	if m.ni >= len(m.nb.Frames) {
		if err := m.ReadBatch(&m.nb); err != nil {
			return nil, err
		}
		m.ni = 0
	}
	f := &m.nb.Frames[m.ni]
	m.ni++
	return f, nil
}

// Problems returns the problems of all readers, reader by reader.
func (m *Merged) Problems() []Problem {
	var ps []Problem
	for _, r := range m.rs {
		ps = append(ps, r.Problems()...)
	}
	return ps
}

// ProblemCount returns how many problems all readers met.
func (m *Merged) ProblemCount() int {
	n := 0
	for _, r := range m.rs {
		n += r.ProblemCount()
	}
	return n
}

// ReadFrame re-reads a frame from the reader of its file.
func (m *Merged) ReadFrame(ref record.FrameRef) (Frame, error) {
	return Files(m.rs).ReadFrame(ref)
}

// Close closes every reader.
func (m *Merged) Close() error {
	var first error
	for _, r := range m.rs {
		if err := r.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
