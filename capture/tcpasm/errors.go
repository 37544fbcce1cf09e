package tcpasm

import (
	"errors"
	"strconv"
)

// Sentinel errors carried by Problem.Err (an *Error); test with errors.Is.
var (
	ErrMidStream  = errors.New("capture joined the stream inside a message")
	ErrGap        = errors.New("segments missing from the capture")
	ErrFraming    = errors.New("bytes do not start a message")
	ErrOverflow   = errors.New("message longer than MaxBuffer")
	ErrIncomplete = errors.New("stream ended inside a message")
	ErrEvicted    = errors.New("flow evicted with undelivered bytes")
	ErrFramer     = errors.New("framer result out of range")

	ErrWebSocket = errors.New("invalid WebSocket frame")
	// Specific WebSocket errors; each also matches ErrWebSocket.
	ErrWSReserved     = wsErr("reserved bits set")
	ErrWSOpcode       = wsErr("reserved opcode")
	ErrWSLength       = wsErr("payload length not minimally encoded or too large")
	ErrWSControl      = wsErr("fragmented or oversized control frame")
	ErrWSContinuation = wsErr("continuation without a message, or data frame inside a fragmented message")
	ErrWSCompressed   = wsErr("compressed message (permessage-deflate) not decoded")
)

// wsError is a specific WebSocket error that also matches ErrWebSocket.
type wsError struct{ s string }

func wsErr(s string) error              { return &wsError{s} }
func (e *wsError) Error() string        { return "WebSocket: " + e.s }
func (e *wsError) Is(target error) bool { return target == ErrWebSocket }

// Layer is where in the stack a problem was found.
type Layer uint8

const (
	LayerTCP       Layer = iota + 1 // segment order, gaps, buffers
	LayerWebSocket                  // WebSocket framing
	LayerMessage                    // the Framer's message framing
)

func (l Layer) String() string {
	switch l {
	case LayerTCP:
		return "tcp"
	case LayerWebSocket:
		return "websocket"
	case LayerMessage:
		return "message"
	}
	return "layer(" + strconv.Itoa(int(l)) + ")"
}

// Error says where in a flow's stream bytes were lost and why.
type Error struct {
	Layer   Layer
	Offset  uint64 // stream offset (bytes from the first byte seen on the flow) where it began
	Missing uint64 // for ErrGap: bytes the capture lacks
	Err     error  // one of the sentinels above
	Cause   error  // the Framer's error, if any
}

func (e *Error) Error() string {
	s := "tcpasm: " + e.Layer.String() + " at stream offset " + strconv.FormatUint(e.Offset, 10) + ": " + e.Err.Error()
	if e.Missing > 0 {
		s += " (" + strconv.FormatUint(e.Missing, 10) + " bytes missing)"
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap gives both the sentinel and the Framer's error to errors.Is/As.
func (e *Error) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Err, e.Cause}
	}
	return []error{e.Err}
}
