package pcapfile

import (
	"bytes"
	"io"
	"testing"
	"unsafe"
)

func TestMerge(t *testing.T) {
	// File 0: times 1 3 5 7 9 s; file 1 (pcapng): 2 3 4 8 9 10 s.
	a := newPcap(false, magicNano, 65535, LinkTypeEthernet)
	for i, s := range []int64{1, 3, 5, 7, 9} {
		a.add(s*1e9, payload(10+i, 50), 50)
	}
	g := &ngBuilder{}
	g.shb(false)
	g.idb(LinkTypeMTP2, 0, micro)
	for i, s := range []int64{2, 3, 4, 8, 9, 10} {
		g.epb(0, uint64(s*1e6), payload(20+i, 30), 30)
	}
	type key struct {
		file  uint16
		frame uint32
	}
	want := []key{{0, 1}, {1, 1}, {0, 2}, {1, 2}, {1, 3}, {0, 3}, {0, 4}, {1, 4}, {0, 5}, {1, 5}, {1, 6}}
	for _, batch := range []int{0, 1, 3} {
		for _, swap := range []bool{false, true} {
			ra := mustReader(t, a.buf, "a.pcap", 0, Options{BatchFrames: batch})
			rb := mustReader(t, g.buf, "b.pcapng", 1, Options{BatchFrames: batch})
			m := Merge(ra, rb)
			if swap {
				m = Merge(rb, ra) // ties still go to file 0
			}
			frames := readAll(t, m)
			if len(frames) != len(want) {
				t.Fatalf("%d frames", len(frames))
			}
			for i, f := range frames {
				if (key{f.Ref.File, f.Ref.Frame}) != want[i] {
					t.Fatalf("batch %d swap %v: frame %d is %v, want %v", batch, swap, i, f.Ref, want[i])
				}
				src := a.frames
				if f.Ref.File == 1 {
					src = g.frames
				}
				w := src[f.Ref.Frame-1]
				if !bytes.Equal(f.data, w.data) || f.Time != w.time || f.LinkType != w.lt || f.Ref.Offset != w.off {
					t.Fatalf("frame %d: %+v", i, f.Frame)
				}
			}
			checkReread(t, m, frames)
			if len(m.Problems()) != 0 || m.ProblemCount() != 0 {
				t.Error(m.Problems())
			}
			if _, err := m.Next(); err != io.EOF {
				t.Errorf("Next at the end: %v", err)
			}
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestMergeOne: a single reader's batches pass through: frames alias the
// reader's buffer in place, headers between them, not packed copies.
func TestMergeOne(t *testing.T) {
	data, want := simplePcap(3000, 100)
	m := Merge(mustReader(t, data, "one", 0, Options{}))
	var b Batch
	if err := m.ReadBatch(&b); err != nil {
		t.Fatal(err)
	}
	if len(b.Frames) != defaultBatchFrames {
		t.Fatalf("%d frames", len(b.Frames))
	}
	for i := 1; i < len(b.Frames); i++ {
		prev, cur := b.Frames[i-1].Data, b.Frames[i].Data
		gap := uintptr(unsafe.Pointer(unsafe.SliceData(cur))) - uintptr(unsafe.Pointer(unsafe.SliceData(prev)))
		if gap != uintptr(len(prev)+16) {
			t.Fatalf("frame %d is %d bytes after frame %d: copied, not passed through", i+1, gap, i)
		}
	}
	frames := readAll(t, m)
	if len(frames) != 3000-defaultBatchFrames {
		t.Fatalf("%d frames after the first batch", len(frames))
	}
	for i, f := range frames {
		w := want[defaultBatchFrames+i]
		if f.Ref.Frame != uint32(defaultBatchFrames+i+1) || f.Ref.Offset != w.off || !bytes.Equal(f.data, w.data) {
			t.Fatalf("frame %v: %q…", f.Ref, head(f.data))
		}
	}
}

func TestMergeProblems(t *testing.T) {
	a, _ := simplePcap(5, 40)
	b, _ := simplePcap(5, 40)
	ra := mustReader(t, a[:len(a)-5], "a", 0, Options{})
	rb := mustReader(t, b[:len(b)-7], "b", 1, Options{})
	m := Merge(ra, rb)
	if frames := readAll(t, m); len(frames) != 8 {
		t.Errorf("%d frames", len(frames))
	}
	ps := m.Problems()
	if len(ps) != 2 || ps[0].Name != "a" || ps[1].Name != "b" {
		t.Errorf("problems %v", ps)
	}
}
