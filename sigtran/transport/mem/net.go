package mem

import (
	"context"
	"net"
	"sync"

	"github.com/sipgw/sipgw/sigtran/transport"
)

// Network is a namespace of listeners, so that a test can stop a peer
// (its listener closes, Dial is refused) and start it again under the same
// address, as when an STP restarts.
type Network struct {
	mu        sync.Mutex
	listeners map[Addr]*Listener
}

// NewNetwork returns an empty network.
func NewNetwork() *Network { return &Network{listeners: make(map[Addr]*Listener)} }

// Streams are the stream counts an end asks for at setup: outbound
// streams (OS) and maximum inbound streams (MIS), as in the SCTP INIT.
// Zero means 1.
type Streams struct {
	Out, MaxIn uint16
}

func (s Streams) norm() Streams {
	if s.Out == 0 {
		s.Out = 1
	}
	if s.MaxIn == 0 {
		s.MaxIn = 1
	}
	return s
}

// Listen starts a listener on addr.
func (n *Network) Listen(addr Addr, s Streams) (*Listener, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.listeners[addr]; ok {
		return nil, &net.OpError{Op: "listen", Net: "mem", Addr: addr, Err: ErrAddrInUse}
	}
	l := &Listener{net: n, addr: addr, streams: s.norm(), backlog: make(chan *Conn, 16), done: make(chan struct{})}
	n.listeners[addr] = l
	return l, nil
}

// Dialer opens associations to a listener of its network.
type Dialer struct {
	Net     *Network
	Local   Addr
	Remote  Addr
	Streams Streams
	// Depth bounds each direction's queue (DefaultDepth when zero).
	Depth int
}

var _ transport.Dialer = (*Dialer)(nil)

// Dial connects to the listener on d.Remote. The stream counts are
// negotiated as SCTP does (RFC 9260 §5.1.1): each direction carries
// min(sender's OS, receiver's MIS) streams.
func (d *Dialer) Dial(ctx context.Context) (transport.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d.Net.mu.Lock()
	l := d.Net.listeners[d.Remote]
	d.Net.mu.Unlock()
	if l == nil {
		return nil, &net.OpError{Op: "dial", Net: "mem", Addr: d.Remote, Err: ErrRefused}
	}
	ds := d.Streams.norm()
	a, b := NewPipe(Options{
		OutStreams: min(ds.Out, l.streams.MaxIn),
		InStreams:  min(l.streams.Out, ds.MaxIn),
		Depth:      d.Depth,
		AddrA:      d.Local,
		AddrB:      d.Remote,
	})
	l.mu.Lock()
	closed := l.closed
	if !closed {
		select {
		case l.backlog <- b:
		default:
			closed = true // backlog full: the INIT goes unanswered
		}
	}
	l.mu.Unlock()
	if closed {
		return nil, &net.OpError{Op: "dial", Net: "mem", Addr: d.Remote, Err: ErrRefused}
	}
	return a, nil
}

// Listener accepts associations dialled to its address.
type Listener struct {
	net     *Network
	addr    Addr
	streams Streams
	backlog chan *Conn
	done    chan struct{}
	mu      sync.Mutex
	closed  bool
}

var _ transport.Listener = (*Listener)(nil)

// Accept returns the next association; after Close, net.ErrClosed.
func (l *Listener) Accept(ctx context.Context) (transport.Conn, error) {
	select {
	case c := <-l.backlog:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (l *Listener) Addrs() []net.Addr { return []net.Addr{l.addr} }

// Close stops accepting and frees the address; associations dialled but
// not accepted are aborted. Accepted ones live on.
func (l *Listener) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	close(l.done)
	l.mu.Unlock()
	l.net.mu.Lock()
	if l.net.listeners[l.addr] == l {
		delete(l.net.listeners, l.addr)
	}
	l.net.mu.Unlock()
	for {
		select {
		case c := <-l.backlog:
			c.Abort()
		default:
			return nil
		}
	}
}
