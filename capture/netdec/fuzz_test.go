package netdec

import (
	"errors"
	"testing"
	"unsafe"
)

// fuzzLinks maps the fuzzer's link type byte to the link types Decode
// supports, plus one it does not.
var fuzzLinks = []uint16{LinkNull, LinkEthernet, LinkRawBSD, LinkRawOpenBSD, LinkRaw, LinkLoop, LinkLinuxSLL,
	LinkMTP2Phdr, LinkMTP2, LinkMTP3, LinkIPv4, LinkIPv6, LinkLinuxSLL2, 147}

// within reports whether b lies inside frame (aliases it).
func within(b, frame []byte) bool {
	if len(b) == 0 {
		return true
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(frame)))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return p >= start && p+uintptr(len(b)) <= start+uintptr(len(frame))
}

// FuzzDecode: Decode never panics; a frame either decodes to a Kind with a
// Payload inside the frame, or fails with an *Error wrapping a sentinel,
// at an offset inside the frame; decoding is deterministic.
func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, link byte, frame []byte) {
		lt := fuzzLinks[int(link)%len(fuzzLinks)]
		d := NewDecoder()
		var p, q Packet
		err := d.Decode(lt, frame, &p)
		err2 := d.Decode(lt, frame, &q)
		if (err == nil) != (err2 == nil) || p.Kind != q.Kind || len(p.Payload) != len(q.Payload) || p.Src != q.Src {
			t.Fatalf("not deterministic: %v / %v", err, err2)
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Offset < 0 || e.Offset > len(frame) || p.Kind != KindNone {
				t.Fatalf("error %v (%T), kind %v", err, err, p.Kind)
			}
			if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrBadHeader) && !errors.Is(err, ErrTooDeep) && !errors.Is(err, ErrUnsupportedLink) {
				t.Fatalf("unexpected sentinel: %v", err)
			}
			return
		}
		if p.Kind == KindNone || p.Kind > KindOther {
			t.Fatalf("kind %v without error", p.Kind)
		}
		if !within(p.Payload, frame) {
			t.Fatal("payload outside the frame")
		}
		if p.Tunnels > maxDepth {
			t.Fatalf("%d tunnels", p.Tunnels)
		}
		switch p.Kind {
		case KindSCTP:
			n := 0
			_ = SCTPChunks(p.Payload, func(c Chunk) bool {
				n++
				var dc DataChunk
				if ParseData(c, &dc) == nil && !within(dc.Payload, frame) {
					t.Fatal("chunk payload outside the frame")
				}
				return true
			})
			if n > len(p.Payload)/4 {
				t.Fatalf("%d chunks in %d octets", n, len(p.Payload))
			}
		}
	})
}
