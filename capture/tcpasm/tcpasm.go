// Package tcpasm rebuilds the byte stream of each TCP flow direction from
// captured segments and cuts it into messages with a Framer: several
// messages in one segment, one message over many segments, retransmissions,
// overlaps, out-of-order segments, captures that start mid-stream and
// segments the capture lost. It also unwraps SIP over WebSocket (RFC 6455,
// RFC 7118).
//
// The Assembler is fed segments in capture order from one goroutine and
// calls back with each message as soon as it is complete. It frames
// directly on the segment payload when a segment holds whole messages
// (the common case) and copies only the bytes that must wait for more.
//
// Bytes it cannot deliver are reported as Problems, once per burst: a gap
// in the capture, bytes skipped while looking for the next message start,
// a message cut by the end of the stream. Memory is bounded per flow
// (MaxBuffer, MaxOutOfOrder, MaxOutOfOrderBytes), in flows (MaxFlows, least
// recently used evicted) and in total (MaxMemory).
package tcpasm

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/sipgw/sipgw/capture/record"
)

// Framer finds message boundaries in a byte stream. The Assembler calls it
// only at a (supposed) message start; it need not keep state.
type Framer interface {
	// Frame returns the length of the first complete message at the start
	// of buf, 0 if more bytes are needed, or an error if buf does not start
	// with a message. It should give up (error) once buf is longer than any
	// message header it accepts, so that a stream of garbage is not
	// rescanned as it grows.
	Frame(buf []byte) (n int, err error)
	// Resync returns the offset of the next plausible message start in buf
	// (0 if buf starts with one), or -1. A start cut by the end of buf
	// ("\r\nINV") should be returned too: the bytes from there are kept
	// and framed when more arrive; bytes before the offset are dropped.
	Resync(buf []byte) int
}

// TCP flags, as in the TCP header's flags octet.
const (
	FIN = 0x01
	SYN = 0x02
	RST = 0x04
	PSH = 0x08
	ACK = 0x10
)

// FlowKey names one direction of a TCP connection.
type FlowKey struct {
	Src, Dst netip.AddrPort
}

// Reverse returns the key of the opposite direction.
func (k FlowKey) Reverse() FlowKey { return FlowKey{Src: k.Dst, Dst: k.Src} }

func (k FlowKey) String() string { return k.Src.String() + "->" + k.Dst.String() }

// Segment is one captured TCP segment. Payload is read only during Add.
type Segment struct {
	Key     FlowKey
	Seq     uint32
	Ack     uint32
	Flags   uint8 // FIN, SYN, RST, PSH, ACK
	Payload []byte
	Time    int64 // capture time, unix nanoseconds
	Ref     record.FrameRef
}

// Message is one framed message.
type Message struct {
	Key FlowKey
	// Data is the message as the Framer accepted it (unmasked and joined
	// for WebSocket). It aliases the segment or the Assembler's buffers:
	// valid until the emit callback returns (later messages of the same
	// Add may reuse the buffer); copy what must be kept.
	Data []byte
	// Time is the capture time of the latest frame that contributed bytes:
	// the frame that completed the message.
	Time int64
	// Frames lists every frame that contributed bytes, in stream order,
	// without repeats. Valid until emit returns, like Data.
	Frames []record.FrameRef
	// WebSocket is set for a message carried in WebSocket frames.
	WebSocket bool
}

// Problem reports bytes that did not become messages.
type Problem struct {
	Key     FlowKey
	Ref     record.FrameRef // the frame where the problem was seen
	Err     error           // an *Error: errors.Is(p.Err, ErrGap) and so on
	Skipped int             // bytes received but not delivered
}

func (p Problem) String() string {
	s := p.Key.String() + " " + p.Ref.String() + ": " + p.Err.Error()
	if p.Skipped > 0 {
		s += " (" + strconv.Itoa(p.Skipped) + " bytes skipped)"
	}
	return s
}

// Options bound the Assembler's memory and waiting. Zero values take the
// defaults.
type Options struct {
	// MaxFlows is the number of flow directions tracked; beyond it the
	// least recently used is closed (its deliverable messages delivered,
	// the rest reported). Default 65536.
	MaxFlows int
	// MaxBuffer is the largest message (or WebSocket message) a flow
	// buffers; a longer one is reported (ErrOverflow) and skipped.
	// Default 4 MiB.
	MaxBuffer int
	// MaxOutOfOrder and MaxOutOfOrderBytes bound the segments held per
	// flow beyond a gap; when either is exceeded the gap is skipped.
	// Defaults 256 segments, 1 MiB.
	MaxOutOfOrder      int
	MaxOutOfOrderBytes int
	// GapTimeout is how long (capture time) a flow may wait for a missing
	// segment without progress before the gap is skipped. A gap is also
	// skipped at once when the receiver acknowledges the missing bytes
	// (the capture lost them; they will not be sent again). Default 5 s.
	GapTimeout time.Duration
	// MaxMemory bounds the bytes buffered over all flows; beyond it the
	// least recently used flows are closed. Default 256 MiB.
	MaxMemory int
	// OnProblem, if set, receives each Problem as it is found; otherwise
	// Problems keeps the first MaxProblems of them.
	OnProblem   func(Problem)
	MaxProblems int // default 10000
}

const (
	defMaxFlows      = 65536
	defMaxBuffer     = 4 << 20
	defMaxOOO        = 256
	defMaxOOOBytes   = 1 << 20
	defGapTimeout    = 5 * time.Second
	defMaxMemory     = 256 << 20
	defMaxProblems   = 10000
	minBufferSetting = 64
)

func (o *Options) fill() {
	if o.MaxFlows <= 0 {
		o.MaxFlows = defMaxFlows
	}
	if o.MaxBuffer <= 0 {
		o.MaxBuffer = defMaxBuffer
	}
	o.MaxBuffer = max(o.MaxBuffer, minBufferSetting)
	if o.MaxOutOfOrder <= 0 {
		o.MaxOutOfOrder = defMaxOOO
	}
	if o.MaxOutOfOrderBytes <= 0 {
		o.MaxOutOfOrderBytes = defMaxOOOBytes
	}
	if o.GapTimeout <= 0 {
		o.GapTimeout = defGapTimeout
	}
	if o.MaxMemory <= 0 {
		o.MaxMemory = defMaxMemory
	}
	if o.MaxProblems <= 0 {
		o.MaxProblems = defMaxProblems
	}
}

// Stats counts what the Assembler saw.
type Stats struct {
	Segments      uint64 // segments passed to Add
	Flows         uint64 // flow directions opened
	Retransmitted uint64 // segments whose payload had all been received already
	Overlaps      uint64 // segments partly received already (the old bytes trimmed)
	OutOfOrder    uint64 // segments held beyond a gap
	Gaps          uint64 // gaps skipped (capture loss or timeout)
	BytesMissing  uint64 // bytes never captured, over all skipped gaps
	BytesSkipped  uint64 // bytes received but not delivered in a message
	Messages      uint64 // messages delivered
	WebSocket     uint64 // of which carried in WebSocket
	Upgrades      uint64 // WebSocket handshakes (and mid-stream detections)
	FlowsEvicted  uint64 // flows closed by MaxFlows or MaxMemory
	Problems      uint64 // problems reported (also those not kept)
}
