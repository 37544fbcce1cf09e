// Package mem is an in-memory association pair that behaves like an SCTP
// association as M3UA sees it (transport.Conn): whole messages with their
// stream and PPID, in order, a negotiated stream count per direction,
// graceful shutdown (the peer reads what was sent, then io.EOF) and abort
// (the peer's Recv fails at once, queued messages are lost).
//
// Tests inject faults: a drop filter on each side's sends, Sever (the
// association is lost for both sides, as on an SCTP timeout), and a Network
// of named listeners whose Dial is refused while nobody listens.
//
// Each direction is one bounded FIFO: order holds across streams too, which
// is stricter than SCTP and never breaks a user that relies only on
// per-stream order. Send copies the message into a slot buffer that is
// reused, so a steady flow allocates nothing.
package mem

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"

	"github.com/sipgw/sipgw/sigtran/transport"
)

// Errors of the in-memory transport.
var (
	// ErrAborted: the peer aborted the association, or it was severed. It
	// is transport.ErrAborted itself, so that errors.Is finds it whatever
	// the transport.
	ErrAborted = transport.ErrAborted
	// ErrShutdown: the peer shut the association down; nothing more can be
	// sent on it.
	ErrShutdown = errors.New("mem: association shut down by the peer")
	// ErrRefused: nobody listens on the dialled address.
	ErrRefused = errors.New("mem: connection refused")
	// ErrAddrInUse: a listener already has the address.
	ErrAddrInUse = errors.New("mem: address already in use")
)

// DefaultDepth is how many messages a direction queues before Send blocks.
const DefaultDepth = 4096

// Addr is an in-memory endpoint name.
type Addr string

func (a Addr) Network() string { return "mem" }
func (a Addr) String() string  { return string(a) }

// Options configure a pair.
type Options struct {
	// OutStreams and InStreams are the first side's stream counts; the
	// second side has them swapped. Zero means 1.
	OutStreams, InStreams uint16
	// Depth bounds each direction's queue (DefaultDepth when zero).
	Depth int
	// AddrA and AddrB name the two ends (LocalAddrs/RemoteAddrs).
	AddrA, AddrB Addr
}

type slot struct {
	buf    []byte
	stream uint16
	ppid   uint32
}

// queue is one direction of the association.
type queue struct {
	mu       sync.Mutex
	notEmpty sync.Cond
	notFull  sync.Cond
	ring     []slot
	head, n  int
	// eof: the sender shut down; the reader sees io.EOF once drained.
	eof bool
	// err: the reader's Recv fails with it at once (abort, sever, local
	// close); queued messages are discarded.
	err error
	// sendErr: sends into this queue fail with it.
	sendErr error
}

func newQueue(depth int) *queue {
	q := &queue{ring: make([]slot, depth)}
	q.notEmpty.L = &q.mu
	q.notFull.L = &q.mu
	return q
}

func (q *queue) put(msg []byte, stream uint16, ppid uint32) error {
	q.mu.Lock()
	for q.sendErr == nil && q.n == len(q.ring) {
		q.notFull.Wait()
	}
	if q.sendErr != nil {
		err := q.sendErr
		q.mu.Unlock()
		return err
	}
	s := &q.ring[(q.head+q.n)%len(q.ring)]
	s.buf = append(s.buf[:0], msg...)
	s.stream, s.ppid = stream, ppid
	q.n++
	q.notEmpty.Signal()
	q.mu.Unlock()
	return nil
}

func (q *queue) get(buf []byte) (int, transport.Info, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.err == nil && q.n == 0 && !q.eof {
		q.notEmpty.Wait()
	}
	if q.err != nil {
		return 0, transport.Info{}, q.err
	}
	if q.n == 0 {
		return 0, transport.Info{}, io.EOF
	}
	s := &q.ring[q.head]
	q.head = (q.head + 1) % len(q.ring)
	q.n--
	q.notFull.Signal()
	info := transport.Info{Stream: s.stream, PPID: s.ppid}
	if len(s.buf) > len(buf) {
		return 0, info, transport.ErrTooLong
	}
	return copy(buf, s.buf), info, nil
}

// fail makes the reader's Recv fail with recvErr and sends into the queue
// fail with sendErr; the first failure of each kind wins.
func (q *queue) fail(recvErr, sendErr error) {
	q.mu.Lock()
	if q.err == nil && recvErr != nil {
		q.err = recvErr
		q.n = 0
	}
	if q.sendErr == nil && sendErr != nil {
		q.sendErr = sendErr
	}
	q.notEmpty.Broadcast()
	q.notFull.Broadcast()
	q.mu.Unlock()
}

// shut marks the end of what the sender will put in the queue.
func (q *queue) shut(sendErr error) {
	q.mu.Lock()
	q.eof = true
	if q.sendErr == nil {
		q.sendErr = sendErr
	}
	q.notEmpty.Broadcast()
	q.notFull.Broadcast()
	q.mu.Unlock()
}

// Conn is one end of an in-memory association.
type Conn struct {
	in, out    *queue
	peer       *Conn
	outStreams uint16
	inStreams  uint16
	local      Addr
	remote     Addr
	drop       atomic.Pointer[func(msg []byte, stream uint16, ppid uint32) bool]
	once       sync.Once
}

var _ transport.Conn = (*Conn)(nil)

// Pipe returns the two ends of an association: a sends on outStreams
// streams and receives on inStreams; b the reverse.
func Pipe(outStreams, inStreams uint16) (a, b transport.Conn) {
	x, y := NewPipe(Options{OutStreams: outStreams, InStreams: inStreams})
	return x, y
}

// NewPipe is Pipe with options, returning the concrete ends for fault
// injection.
func NewPipe(o Options) (a, b *Conn) {
	if o.OutStreams == 0 {
		o.OutStreams = 1
	}
	if o.InStreams == 0 {
		o.InStreams = 1
	}
	if o.Depth <= 0 {
		o.Depth = DefaultDepth
	}
	if o.AddrA == "" {
		o.AddrA = "a"
	}
	if o.AddrB == "" {
		o.AddrB = "b"
	}
	ab, ba := newQueue(o.Depth), newQueue(o.Depth)
	a = &Conn{in: ba, out: ab, outStreams: o.OutStreams, inStreams: o.InStreams, local: o.AddrA, remote: o.AddrB}
	b = &Conn{in: ab, out: ba, outStreams: o.InStreams, inStreams: o.OutStreams, local: o.AddrB, remote: o.AddrA}
	a.peer, b.peer = b, a
	return a, b
}

// Send queues a copy of msg for the peer. It blocks while the peer's queue
// is full.
func (c *Conn) Send(msg []byte, stream uint16, ppid uint32) error {
	if stream >= c.outStreams {
		return transport.ErrStream
	}
	if f := c.drop.Load(); f != nil && (*f)(msg, stream, ppid) {
		// Check that the association is still there, as a real send would.
		c.out.mu.Lock()
		err := c.out.sendErr
		c.out.mu.Unlock()
		return err
	}
	return c.out.put(msg, stream, ppid)
}

// Recv returns the next message. After the peer's Close it returns what
// was queued, then io.EOF; after the peer's Abort or Sever, ErrAborted (or
// the Sever error) at once; after the local Close or Abort, net.ErrClosed.
func (c *Conn) Recv(buf []byte) (int, transport.Info, error) { return c.in.get(buf) }

func (c *Conn) OutStreams() uint16      { return c.outStreams }
func (c *Conn) InStreams() uint16       { return c.inStreams }
func (c *Conn) LocalAddrs() []net.Addr  { return []net.Addr{c.local} }
func (c *Conn) RemoteAddrs() []net.Addr { return []net.Addr{c.remote} }
func (c *Conn) String() string          { return string(c.local) + "↔" + string(c.remote) }

// Close shuts the association down gracefully: the peer receives what was
// already sent, then io.EOF, and its sends fail with ErrShutdown.
// Messages the peer had sent to this end and not yet read are discarded.
func (c *Conn) Close() error {
	c.once.Do(func() {
		c.out.shut(net.ErrClosed)
		c.in.fail(net.ErrClosed, ErrShutdown)
	})
	return nil
}

// Abort ends the association at once: the peer's Recv and Send fail with
// ErrAborted, whatever was queued is lost.
func (c *Conn) Abort() error {
	c.once.Do(func() {
		c.out.fail(ErrAborted, net.ErrClosed)
		c.in.fail(net.ErrClosed, ErrAborted)
	})
	return nil
}

// Sever loses the association for both ends, as when SCTP gives up on an
// unreachable peer: both Recvs and Sends fail with err (ErrAborted when
// nil). Queued messages are lost.
func (c *Conn) Sever(err error) {
	if err == nil {
		err = ErrAborted
	}
	c.once.Do(func() {})
	c.peer.once.Do(func() {})
	c.out.fail(err, err)
	c.in.fail(err, err)
}

// SetDrop installs a filter on this end's sends: a message for which f
// returns true is silently lost (nil removes the filter). Send still
// reports success, as SCTP would before giving up.
func (c *Conn) SetDrop(f func(msg []byte, stream uint16, ppid uint32) bool) {
	if f == nil {
		c.drop.Store(nil)
		return
	}
	c.drop.Store(&f)
}

// Queued reports how many messages wait in this end's receive queue.
func (c *Conn) Queued() int {
	c.in.mu.Lock()
	defer c.in.mu.Unlock()
	return c.in.n
}
