// Package tcp carries M3UA over TCP for the lab.
//
// NON-STANDARD: RFC 4666 defines M3UA over SCTP only (§1.4.1). Some lab
// tools and simulators speak M3UA over TCP; this package lets the gateway
// talk to them. Messages are delimited by the length field of the M3UA
// common header (RFC 4666 §3.1). SCTP streams and the payload protocol
// identifier do not exist on TCP: Send accepts any stream below the
// configured count and drops it, and every received message reports
// Info.Stream 0 and Info.PPID 3 (M3UA). Ordering is total, not per stream,
// and there is no multi-homing. Use kernel SCTP (sigtran/transport/sctp)
// toward real networks.
package tcp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/sipgw/sipgw/sigtran/transport"
)

// DefaultStreams is the stream count a Conn reports when Config.Streams is 0.
const DefaultStreams = 16

// Config is shared by Dialer and Listen.
type Config struct {
	// Streams is the stream count reported both ways (OutStreams,
	// InStreams), so that an M3UA user mapping SLS to streams works
	// unchanged; the stream is not carried. 0 means DefaultStreams.
	Streams uint16
	// MaxMessage bounds a received message's announced length; a larger
	// one breaks the connection (ErrFrame). 0 means DefaultMaxMessage.
	MaxMessage int
}

func (c Config) streams() uint16 {
	if c.Streams == 0 {
		return DefaultStreams
	}
	return c.Streams
}

func (c Config) maxMessage() int {
	if c.MaxMessage <= 0 {
		return DefaultMaxMessage
	}
	return c.MaxMessage
}

// Conn is one M3UA-over-TCP connection; it implements transport.Conn.
type Conn struct {
	c   *net.TCPConn
	cfg Config
	r   *bufio.Reader
	// broken is the sticky error after a framing failure: the byte stream
	// has lost its message boundaries for good. Recv is single-goroutine.
	broken error
}

var _ transport.Conn = (*Conn)(nil)

func newConn(c *net.TCPConn, cfg Config) *Conn {
	// M3UA messages are small and latency matters more than segment count;
	// Go sets TCP_NODELAY by default, say so explicitly.
	_ = c.SetNoDelay(true)
	return &Conn{c: c, cfg: cfg, r: bufio.NewReaderSize(c, 16<<10)}
}

// Send writes msg, which must be one whole M3UA message (its common header
// length equal to len(msg)), so that the peer can find its end. stream must
// be below OutStreams and is not carried; ppid must be transport.PPIDM3UA.
// Concurrent Sends do not interleave: each is one Write.
func (c *Conn) Send(msg []byte, stream uint16, ppid uint32) error {
	if stream >= c.cfg.streams() {
		return transport.ErrStream
	}
	if ppid != transport.PPIDM3UA {
		return fmt.Errorf("tcp: PPID %d: only M3UA (PPID %d) can be framed on TCP", ppid, transport.PPIDM3UA)
	}
	n, err := FrameLen(msg, c.cfg.maxMessage())
	if err != nil {
		return err
	}
	if n != len(msg) {
		return &FrameError{Version: msg[0], Length: uint32(n), Reason: fmt.Sprintf("length field is not the message length %d", len(msg))}
	}
	_, err = c.c.Write(msg)
	return reset(err)
}

// reset marks a connection reset (the peer's Abort: RST) as
// transport.ErrAborted, the way every transport reports an abort.
func reset(err error) error {
	if err != nil && errors.Is(err, syscall.ECONNRESET) {
		return fmt.Errorf("%w: %w", transport.ErrAborted, err)
	}
	return err
}

// Recv reads the next M3UA message into buf. A message longer than buf is
// skipped and reported as transport.ErrTooLong; the next Recv returns the
// following message. io.EOF: the peer closed between messages;
// io.ErrUnexpectedEOF: in the middle of one; an error wrapping
// transport.ErrAborted: the peer reset the connection (its Abort);
// net.ErrClosed: this end closed it; ErrFrame: the stream is not M3UA
// (sticky).
func (c *Conn) Recv(buf []byte) (int, transport.Info, error) {
	n, info, err := c.recv(buf)
	return n, info, reset(err)
}

func (c *Conn) recv(buf []byte) (int, transport.Info, error) {
	info := transport.Info{PPID: transport.PPIDM3UA}
	if c.broken != nil {
		return 0, info, c.broken
	}
	hdr, err := c.r.Peek(HeaderLen)
	if err != nil {
		if errors.Is(err, io.EOF) && len(hdr) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return 0, info, err
	}
	n, err := FrameLen(hdr, c.cfg.maxMessage())
	if err != nil {
		c.broken = err
		return 0, info, err
	}
	if n > len(buf) {
		if _, err := c.r.Discard(n); err != nil {
			return 0, info, unexpected(err)
		}
		return 0, info, transport.ErrTooLong
	}
	if _, err := io.ReadFull(c.r, buf[:n]); err != nil {
		return 0, info, unexpected(err)
	}
	return n, info, nil
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// OutStreams reports Config.Streams (streams are not carried on TCP).
func (c *Conn) OutStreams() uint16 { return c.cfg.streams() }

// InStreams reports Config.Streams; every message arrives on stream 0.
func (c *Conn) InStreams() uint16 { return c.cfg.streams() }

// LocalAddrs returns the one local address.
func (c *Conn) LocalAddrs() []net.Addr { return []net.Addr{c.c.LocalAddr()} }

// RemoteAddrs returns the one remote address.
func (c *Conn) RemoteAddrs() []net.Addr { return []net.Addr{c.c.RemoteAddr()} }

// Close closes the connection (FIN; the peer's Recv returns io.EOF) and
// unblocks a local Recv with net.ErrClosed.
func (c *Conn) Close() error { return c.c.Close() }

// Abort resets the connection (SO_LINGER 0 sends RST, the closest TCP has
// to an SCTP ABORT); the peer's Recv fails with a connection reset that
// wraps transport.ErrAborted.
func (c *Conn) Abort() error {
	_ = c.c.SetLinger(0)
	return c.c.Close()
}

// Dialer connects to an M3UA-over-TCP peer; it implements transport.Dialer.
type Dialer struct {
	// Addr is the peer, host:port.
	Addr string
	// Local is an optional local host:port to bind (peers that identify
	// an ASP by its source port need a fixed one).
	Local string
	Config
}

var _ transport.Dialer = (*Dialer)(nil)

// Dial connects; ctx bounds the connection setup only.
func (d *Dialer) Dial(ctx context.Context) (transport.Conn, error) {
	var nd net.Dialer
	if d.Local != "" {
		la, err := net.ResolveTCPAddr("tcp", d.Local)
		if err != nil {
			return nil, fmt.Errorf("tcp: local address: %w", err)
		}
		nd.LocalAddr = la
	}
	c, err := nd.DialContext(ctx, "tcp", d.Addr)
	if err != nil {
		return nil, err
	}
	return newConn(c.(*net.TCPConn), d.Config), nil
}

// Listener accepts M3UA-over-TCP connections; it implements
// transport.Listener.
type Listener struct {
	l   *net.TCPListener
	cfg Config
	mu  sync.Mutex // serialises deadline changes between Accepts
}

var _ transport.Listener = (*Listener)(nil)

// Listen listens on addr (host:port; port 0 picks one).
func Listen(addr string, cfg Config) (*Listener, error) {
	la, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("tcp: listen address: %w", err)
	}
	l, err := net.ListenTCP("tcp", la)
	if err != nil {
		return nil, err
	}
	return &Listener{l: l, cfg: cfg}, nil
}

// Accept waits for the next connection or for ctx to end (ctx.Err()). Close
// unblocks it with net.ErrClosed.
func (l *Listener) Accept(ctx context.Context) (transport.Conn, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		_ = l.l.SetDeadline(time.Unix(1, 0))
		close(fired)
	})
	c, err := l.l.AcceptTCP()
	if !stop() {
		// ctx ended and the callback set a past deadline: clear it for the
		// next Accept once the callback is done.
		<-fired
		_ = l.l.SetDeadline(time.Time{})
		if err != nil {
			return nil, ctx.Err()
		}
	}
	if err != nil {
		return nil, err
	}
	return newConn(c, l.cfg), nil
}

// Addrs returns the listening address.
func (l *Listener) Addrs() []net.Addr { return []net.Addr{l.l.Addr()} }

// Close stops listening and unblocks Accept.
func (l *Listener) Close() error { return l.l.Close() }
