package tcp

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// HeaderLen is the length of the M3UA common header (RFC 4666 §3.1): version,
// reserved, message class, message type and a 32-bit message length that
// counts the header itself.
const HeaderLen = 8

// Version is the only M3UA protocol version (RFC 4666 §3.1.1).
const Version = 1

// DefaultMaxMessage bounds the length a frame may announce. The largest M3UA
// message a gateway meets is a DATA with a 272-octet MTP3 user part or an
// SCCP XUDT of a few hundred octets; 64 KiB leaves room for anything sane
// and keeps a corrupted length from asking for gigabytes.
const DefaultMaxMessage = 1 << 16

// ErrFrame reports a byte stream that is not a sequence of M3UA messages: a
// version other than 1, a length below the header or above the bound. The
// stream cannot be resynchronised after it.
var ErrFrame = errors.New("tcp: not an M3UA frame")

// FrameError says what was wrong with a frame header.
type FrameError struct {
	Version uint8
	Length  uint32
	Reason  string
}

func (e *FrameError) Error() string {
	return fmt.Sprintf("tcp: bad M3UA frame (version %d, length %d): %s", e.Version, e.Length, e.Reason)
}

func (e *FrameError) Unwrap() error { return ErrFrame }

// FrameLen checks the M3UA common header at the start of hdr (at least
// HeaderLen octets) and returns the length of the whole message it
// announces, header included. max bounds that length (DefaultMaxMessage
// when max <= 0).
func FrameLen(hdr []byte, max int) (int, error) {
	if len(hdr) < HeaderLen {
		return 0, &FrameError{Reason: "shorter than the common header"}
	}
	if max <= 0 {
		max = DefaultMaxMessage
	}
	v, l := hdr[0], binary.BigEndian.Uint32(hdr[4:])
	switch {
	case v != Version:
		return 0, &FrameError{Version: v, Length: l, Reason: "version is not 1"}
	case l < HeaderLen:
		return 0, &FrameError{Version: v, Length: l, Reason: "length below the common header"}
	case uint64(l) > uint64(max):
		return 0, &FrameError{Version: v, Length: l, Reason: fmt.Sprintf("length above the bound %d", max)}
	}
	return int(l), nil
}
