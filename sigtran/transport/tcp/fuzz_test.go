package tcp

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/sipgw/sipgw/sigtran/transport"
)

// FuzzRecv feeds an arbitrary byte stream to Recv and checks every result
// against the stream itself: each message returned is the next FrameLen
// octets of the input, a skipped one is exactly one frame, and the end is
// EOF only on a frame boundary. Never panics, never loops.
func FuzzRecv(f *testing.F) {
	f.Add(append(m3ua(3, 1, nil), m3ua(1, 1, make([]byte, 36))...))
	f.Add(m3ua(1, 1, make([]byte, 200)))
	f.Add([]byte{1, 0, 1, 1, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{1, 0, 3, 1, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		const max = 256
		c := &Conn{cfg: Config{MaxMessage: max}, r: bufio.NewReaderSize(bytes.NewReader(data), 16)}
		buf := make([]byte, 64)
		off := 0
		for i := 0; i <= len(data)/HeaderLen+1; i++ {
			n, info, err := c.Recv(buf)
			if info.PPID != transport.PPIDM3UA || info.Stream != 0 {
				t.Fatalf("info %+v", info)
			}
			switch {
			case err == nil:
				want, ferr := FrameLen(data[off:], max)
				if ferr != nil || n != want || !bytes.Equal(buf[:n], data[off:off+n]) {
					t.Fatalf("at %d: got % x (%v), input frame %d", off, buf[:n], ferr, want)
				}
				off += n
			case errors.Is(err, transport.ErrTooLong):
				want, ferr := FrameLen(data[off:], max)
				if ferr != nil || want <= len(buf) || off+want > len(data) {
					t.Fatalf("at %d: ErrTooLong for frame %d (%v)", off, want, ferr)
				}
				off += want
			case errors.Is(err, ErrFrame):
				if _, ferr := FrameLen(data[off:], max); ferr == nil {
					t.Fatalf("at %d: ErrFrame on a good header", off)
				}
				return
			case err == io.EOF:
				if off != len(data) {
					t.Fatalf("EOF at %d of %d", off, len(data))
				}
				return
			case err == io.ErrUnexpectedEOF:
				want, ferr := FrameLen(data[off:], max)
				if off == len(data) || (ferr == nil && off+want <= len(data)) {
					t.Fatalf("unexpected EOF at %d of %d (frame %d)", off, len(data), want)
				}
				return
			default:
				t.Fatalf("at %d: %v", off, err)
			}
		}
		t.Fatalf("no end after %d Recvs", len(data)/HeaderLen+2)
	})
}
