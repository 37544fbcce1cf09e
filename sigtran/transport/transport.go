// Package transport is what M3UA runs over: an association that carries
// whole messages, each with the stream it travels on and its payload
// protocol identifier (RFC 4960 §3.3.1; M3UA is PPID 3, RFC 4666 §1.4.7).
//
// Implementations: kernel SCTP (package sigtran/transport/sctp), an
// in-memory pair for tests (package sigtran/transport/mem), and M3UA over
// TCP for the lab (non-standard: no streams, no PPID on the wire).
package transport

import (
	"context"
	"errors"
	"net"
)

// PPIDM3UA is M3UA's SCTP payload protocol identifier, in host order (the
// implementation writes it in network order on the wire).
const PPIDM3UA = 3

// Info describes one received message.
type Info struct {
	Stream uint16 // SCTP stream identifier
	PPID   uint32 // payload protocol identifier, host order
	// Unordered reports an unordered delivery (the U bit of the DATA chunk).
	Unordered bool
}

// Conn is one association. Send may be called from several goroutines;
// Recv from one. Each message is delivered whole, in order per stream.
//
// How an association ended shows in the errors of Recv and Send, the same
// for every implementation:
//   - the peer shut it down gracefully: Recv returns io.EOF once what was
//     sent before has been read;
//   - the peer aborted it (an SCTP ABORT; a TCP RST): errors wrap
//     ErrAborted;
//   - this end called Close or Abort: errors wrap net.ErrClosed;
//   - anything else (a timeout, retransmissions exhausted): another error.
type Conn interface {
	// Send transmits one message on stream with ppid. It fails with
	// ErrStream when stream is not below OutStreams.
	Send(msg []byte, stream uint16, ppid uint32) error
	// Recv reads the next message into buf and returns its length. A
	// message longer than buf fails with ErrTooLong (and is dropped).
	// io.EOF: the peer shut the association down; an error wrapping
	// ErrAborted: the peer aborted it; net.ErrClosed: this end closed it;
	// other errors: it was lost otherwise (timeout).
	Recv(buf []byte) (n int, info Info, err error)
	// OutStreams and InStreams are the stream counts negotiated at setup.
	OutStreams() uint16
	InStreams() uint16
	LocalAddrs() []net.Addr
	RemoteAddrs() []net.Addr
	// Close shuts the association down (SHUTDOWN, gracefully) and unblocks
	// Recv; Abort sends ABORT. After either, the local Recv and Send fail
	// with an error wrapping net.ErrClosed.
	Close() error
	Abort() error
}

// Dialer opens associations.
type Dialer interface {
	Dial(ctx context.Context) (Conn, error)
}

// Listener accepts associations.
type Listener interface {
	// Accept waits for the next association; Close unblocks it with
	// net.ErrClosed.
	Accept(ctx context.Context) (Conn, error)
	Addrs() []net.Addr
	Close() error
}

var (
	// ErrStream: a stream number at or beyond the negotiated count.
	ErrStream = errors.New("transport: stream out of range")
	// ErrTooLong: a received message did not fit the buffer.
	ErrTooLong = errors.New("transport: message longer than the buffer")
	// ErrAborted is wrapped by the errors of Recv and Send once the peer
	// aborted the association (SCTP ABORT, TCP RST), so that callers tell
	// an abort from a graceful end (io.EOF) or a local Close
	// (net.ErrClosed) without knowing the transport.
	ErrAborted = errors.New("transport: association aborted by the peer")
)
