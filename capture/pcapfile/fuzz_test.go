package pcapfile

import (
	"bytes"
	"io"
	"testing"
)

// FuzzReader reads whole files: no panic, every frame inside the input,
// numbered in order, re-readable by its Ref, and the same whether read
// from a seekable reader or a pipe.
func FuzzReader(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data), "fuzz", 0, Options{BatchFrames: 3, BatchBytes: 64, NoSpool: true})
		if err != nil {
			return
		}
		defer r.Close()
		gzipped := len(data) > 1 && data[0] == 0x1f && data[1] == 0x8b
		var frames []got
		var b Batch
		var prev int64 = -1
		for {
			err := r.ReadBatch(&b)
			if err == io.EOF {
				break
			}
			if err != nil {
				if !gzipped { // only a corrupt gzip stream fails to read
					t.Fatalf("read error: %v", err)
				}
				break
			}
			for _, fr := range b.Frames {
				if fr.Ref.Frame != uint32(len(frames)+1) || fr.Ref.Offset <= prev || len(fr.Data) > maxRecord {
					t.Fatalf("frame %d: ref %v after offset %d, %d bytes", len(frames)+1, fr.Ref, prev, len(fr.Data))
				}
				if !gzipped && fr.Ref.Offset+int64(len(fr.Data)) > int64(len(data)) {
					t.Fatalf("frame %v: %d bytes beyond the input's %d", fr.Ref, len(fr.Data), len(data))
				}
				prev = fr.Ref.Offset
				frames = append(frames, got{fr, append([]byte(nil), fr.Data...)})
			}
		}
		if len(r.Problems()) > maxProblems || r.ProblemCount() < len(r.Problems()) {
			t.Fatalf("%d problems, count %d", len(r.Problems()), r.ProblemCount())
		}
		if gzipped {
			return
		}
		for _, g := range frames {
			fr, err := r.ReadFrame(g.Ref)
			if err != nil || !bytes.Equal(fr.Data, g.data) || fr.OrigLen != g.OrigLen || fr.LinkType != g.LinkType {
				t.Fatalf("ReadFrame(%v): %v", g.Ref, err)
			}
		}
		// The same through a pipe (no seeking, no spool).
		p, err := NewReader(stream{bytes.NewReader(data)}, "fuzz", 0, Options{BatchFrames: 5, NoSpool: true})
		if err != nil {
			t.Fatalf("pipe: %v", err)
		}
		defer p.Close()
		pf := readAll(t, p)
		if len(pf) != len(frames) {
			t.Fatalf("pipe: %d frames, seekable %d", len(pf), len(frames))
		}
		for i := range pf {
			if pf[i].Ref != frames[i].Ref || pf[i].Time != frames[i].Time || !bytes.Equal(pf[i].data, frames[i].data) {
				t.Fatalf("pipe: frame %d differs", i+1)
			}
		}
		if len(p.Problems()) != len(r.Problems()) {
			t.Fatalf("pipe: %d problems, seekable %d", len(p.Problems()), len(r.Problems()))
		}
		for i, pr := range p.Problems() {
			if pr.Error() != r.Problems()[i].Error() {
				t.Fatalf("pipe: problem %q, seekable %q", pr, r.Problems()[i])
			}
		}
	})
}
