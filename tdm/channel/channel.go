// Package channel is the signalling channel an MTP2 link runs over: one
// signal unit at a time in each direction, behind the small Channel
// interface. Here: Pipe, an in-memory pair for tests, and SeqPacket, an
// AF_UNIX SOCK_SEQPACKET socket carrying one unit per packet followed by
// its two check bits, the form libss7 reads and writes for
// SS7_TRANSPORT_DAHDIMTP2. A DAHDI HDLC timeslot (package tdm/dahdi)
// implements the same interface.
package channel

import (
	"errors"
)

// Channel carries MTP2 signal units. ReadSU is called from one goroutine
// and WriteSU from another (the link's reader and its event loop); Close
// may come from any goroutine and unblocks both.
type Channel interface {
	// ReadSU waits for the next signal unit and copies it into b
	// without its check bits, returning its length. b has room for
	// su.MaxLen octets. A unit received in error (bad check bits, a
	// frame too short, too long or aborted) returns an error wrapping
	// ErrErroredSU: the channel stays usable and MTP2 counts it in its
	// error rate monitors. Any other error means the channel is gone
	// (wrapping ErrClosed once Close was called or the far end went
	// away).
	ReadSU(b []byte) (int, error)
	// WriteSU sends one signal unit given without check bits: the
	// channel adds them, or its hardware does. MTP2 writes a fill-in
	// unit (FISU, LSSU) only when it changes; a channel that must never
	// idle (an HDLC timeslot) repeats the last one itself, as DAHDI's
	// MTP2 mode does.
	WriteSU(unit []byte) error
	// Close releases the channel.
	Close() error
}

// Errors of channels.
var (
	ErrErroredSU = errors.New("channel: signal unit received in error")
	ErrClosed    = errors.New("channel: closed")
)
