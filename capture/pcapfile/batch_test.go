package pcapfile

import (
	"bytes"
	"testing"
)

// TestBatchAppend: frames are copied in until the frame or byte limit;
// the copies do not alias the caller's data; a frame larger than the
// byte limit goes alone; Reset starts over in the same buffer.
func TestBatchAppend(t *testing.T) {
	var b Batch
	src := bytes.Repeat([]byte{7}, 300)
	f := Frame{Data: src, Time: 5, LinkType: LinkTypeRaw}
	n := 0
	for b.Append(&f, 10, 1000) {
		n++
	}
	if n != 3 || len(b.Frames) != 3 {
		t.Fatalf("%d frames of 300 bytes fit in 1000", n)
	}
	src[0] = 9
	if b.Frames[0].Data[0] != 7 || b.Frames[2].Time != 5 || b.Frames[2].LinkType != LinkTypeRaw {
		t.Fatal("the batch aliases the frame appended, or lost its fields")
	}
	buf := &b.buf[0]
	b.Reset()
	small := Frame{Data: []byte{1, 2, 3}}
	for b.Append(&small, 4, 1000) {
	}
	if len(b.Frames) != 4 || &b.buf[0] != buf {
		t.Fatalf("%d frames after Reset (limit 4), buffer reused %v", len(b.Frames), &b.buf[0] == buf)
	}
	b.Reset()
	big := Frame{Data: make([]byte, 5000)}
	if !b.Append(&big, 4, 1000) || b.Append(&small, 4, 1000) {
		t.Fatal("a frame over the byte limit must go alone into an empty batch")
	}
}
