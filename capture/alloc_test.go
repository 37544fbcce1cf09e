package capture

import "testing"

// The media-type checks run on every SIP message a worker decodes.
func TestContainsFoldAllocs(t *testing.T) {
	ct := []byte("multipart/mixed;boundary=unique-boundary-1")
	if n := testing.AllocsPerRun(100, func() { containsFold(ct, "isup"); containsFold(ct, "multipart") }); n != 0 {
		t.Fatalf("%v allocs", n)
	}
}
