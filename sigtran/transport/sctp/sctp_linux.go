//go:build linux

package sctp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	lib "github.com/ishidawataru/sctp"

	"github.com/sipgw/sipgw/sigtran/transport"
)

// Available reports whether the kernel has SCTP: nil, or an error wrapping
// ErrNoKernelSCTP and EPROTONOSUPPORT.
func Available() error {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, syscall.IPPROTO_SCTP)
	if err != nil {
		return socketError(err)
	}
	syscall.Close(fd)
	return nil
}

// Conn is one association on a one-to-one style SCTP socket. It
// implements transport.Conn: Send from any goroutine, Recv from one.
type Conn struct {
	f        *os.File
	rc       syscall.RawConn
	in, out  uint16
	closed   atomic.Bool
	closeMu  sync.Mutex
	isClosed bool

	// Recv state: one Recv at a time, so one set, reused without
	// allocating.
	rhdr  syscall.Msghdr
	riov  syscall.Iovec
	roob  [128]byte
	rn    int
	rerr  syscall.Errno
	rfn   func(fd uintptr) bool
	drain [2048]byte
}

var _ transport.Conn = (*Conn)(nil)

// newConn takes over fd (non-blocking, connected).
func newConn(fd int) (*Conn, error) {
	f := os.NewFile(uintptr(fd), "sctp")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	return newConnFile(f, rc)
}

// newConnFile wraps a connected socket and reads the negotiated stream
// counts; it closes f on error.
func newConnFile(f *os.File, rc syscall.RawConn) (*Conn, error) {
	c := &Conn{f: f, rc: rc}
	c.rfn = c.recvmsgFd
	var err error
	cerr := rc.Control(func(fd uintptr) {
		b := make([]byte, statusLen)
		var n int
		if n, err = getsockopt(fd, optStatus, b); err == nil {
			c.in, c.out, err = decodeStatus(b[:n])
		}
	})
	if err == nil {
		err = cerr
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("sctp: SCTP_STATUS: %w", err)
	}
	return c, nil
}

// getsockopt reads the SCTP socket option opt into b and returns the
// length the kernel wrote. The pointers become uintptr in the call to
// Syscall6 itself (unsafe.Pointer rule 4), so that b and the length stay
// where the kernel writes them. The library's getsockopt takes them as
// uintptr arguments of an ordinary function instead: when the goroutine's
// stack grows on that call, a buffer on the stack moves and the kernel
// writes into the old stack (the race detector's larger frames made
// Listener.Addrs come back empty).
func getsockopt(fd uintptr, opt int, b []byte) (int, error) {
	l := uint32(len(b))
	_, _, e := syscall.Syscall6(syscall.SYS_GETSOCKOPT, fd, solSCTP, uintptr(opt),
		uintptr(unsafe.Pointer(&b[0])), uintptr(unsafe.Pointer(&l)), 0)
	if e != 0 {
		return 0, e
	}
	return int(min(l, uint32(len(b)))), nil
}

// getAddrs returns the addresses of the association (optLocalAddrs or
// optPeerAddrs) or, on a listening socket, the bound ones.
func getAddrs(fd uintptr, opt int) ([]net.Addr, error) {
	// assoc_id 0: the one association of a one-to-one socket.
	b := make([]byte, getAddrsLen)
	if _, err := getsockopt(fd, opt, b); err != nil {
		return nil, err
	}
	// The whole buffer, not the length the kernel gives back: for
	// SCTP_GET_LOCAL_ADDRS Linux counts the addresses without the header
	// (a mistake its source says it cannot change any more), for
	// SCTP_GET_PEER_ADDRS with it. addr_num bounds the reading; what the
	// kernel did not write is zero.
	return parseAddrs(b)
}

var errEmpty = errors.New("sctp: empty message (SCTP carries no empty user message)")

// sendOp is the state of one sendmsg, pooled so that Send, which may run
// on several goroutines, allocates nothing.
type sendOp struct {
	hdr syscall.Msghdr
	iov syscall.Iovec
	oob [64]byte
	n   int
	err syscall.Errno
	fn  func(fd uintptr) bool
}

var sendOps = sync.Pool{New: func() any {
	op := new(sendOp)
	op.fn = op.sendmsg
	return op
}}

func (op *sendOp) sendmsg(fd uintptr) bool {
	for {
		r, _, e := syscall.Syscall(syscall.SYS_SENDMSG, fd, uintptr(unsafe.Pointer(&op.hdr)), syscall.MSG_NOSIGNAL)
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false // the send buffer is full: wait in the poller
		}
		op.n, op.err = int(r), e
		return true
	}
}

// Send transmits msg as one user message on stream with ppid (host order;
// written big-endian on the wire), ordered within its stream.
func (c *Conn) Send(msg []byte, stream uint16, ppid uint32) error {
	if stream >= c.out {
		return transport.ErrStream
	}
	if len(msg) == 0 {
		return errEmpty
	}
	op := sendOps.Get().(*sendOp)
	l := putSndInfo(op.oob[:], stream, ppid)
	op.iov.Base = &msg[0]
	op.iov.SetLen(len(msg))
	op.hdr = syscall.Msghdr{Iov: &op.iov, Control: &op.oob[0]}
	op.hdr.Iovlen = 1
	op.hdr.SetControllen(l)
	err := c.rc.Write(op.fn)
	n, e := op.n, op.err
	op.iov.Base = nil // do not keep the caller's buffer alive in the pool
	sendOps.Put(op)
	switch {
	case err != nil:
		if c.closed.Load() {
			return net.ErrClosed
		}
		return err
	case e != 0:
		return syscallError("sendmsg", e)
	case n != len(msg):
		// SCTP queues a message whole or not at all.
		return fmt.Errorf("sctp: sendmsg queued %d of %d octets", n, len(msg))
	}
	return nil
}

func (c *Conn) recvmsgFd(fd uintptr) bool {
	for {
		// The kernel rewrites these on success; set them for each try.
		c.rhdr.SetControllen(len(c.roob))
		c.rhdr.Flags = 0
		r, _, e := syscall.Syscall(syscall.SYS_RECVMSG, fd, uintptr(unsafe.Pointer(&c.rhdr)), 0)
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		c.rn, c.rerr = int(r), e
		return true
	}
}

// syscallError names the failed call; ECONNRESET, which the kernel
// reports once the peer sent ABORT, also wraps transport.ErrAborted.
func syscallError(op string, e syscall.Errno) error {
	err := os.NewSyscallError(op, e)
	if e == syscall.ECONNRESET {
		return fmt.Errorf("%w: %w", transport.ErrAborted, err)
	}
	return err
}

// recvmsg reads (part of) one message into p: the octets, the flags
// (MSG_EOR, MSG_NOTIFICATION) and, in c.roob, the control messages.
func (c *Conn) recvmsg(p []byte) (int, int, error) {
	c.riov.Base = nil
	if len(p) > 0 {
		c.riov.Base = &p[0]
	}
	c.riov.SetLen(len(p))
	c.rhdr = syscall.Msghdr{Iov: &c.riov, Control: &c.roob[0]}
	c.rhdr.Iovlen = 1
	err := c.rc.Read(c.rfn)
	c.riov.Base = nil
	switch {
	case err != nil:
		if c.closed.Load() {
			return 0, 0, net.ErrClosed
		}
		return 0, 0, err
	case c.rerr != 0:
		return 0, 0, syscallError("recvmsg", c.rerr)
	}
	return c.rn, int(c.rhdr.Flags), nil
}

// drainMessage reads and drops the rest of a message.
func (c *Conn) drainMessage() error {
	for {
		n, flags, err := c.recvmsg(c.drain[:])
		if err != nil {
			return err
		}
		if flags&syscall.MSG_EOR != 0 {
			return nil
		}
		if n == 0 {
			return io.ErrUnexpectedEOF
		}
	}
}

// Recv reads the next message whole into buf, joining partial deliveries
// (RFC 6458 §8.1.21: without MSG_EOR more of the message follows). A
// message longer than buf is read to its end, dropped, and reported as
// transport.ErrTooLong; the next Recv returns the following one. io.EOF:
// the peer shut the association down (SHUTDOWN); ECONNRESET wrapped with
// transport.ErrAborted: the peer aborted it (ABORT); another syscall error:
// it was lost otherwise (retransmissions exhausted); net.ErrClosed after
// Close or Abort.
func (c *Conn) Recv(buf []byte) (int, transport.Info, error) {
	for {
		n, flags, err := c.recvmsg(buf)
		if err != nil {
			return 0, transport.Info{}, err
		}
		if flags&msgNotification != 0 {
			// None is subscribed to; skip any the kernel sends anyway.
			if flags&syscall.MSG_EOR == 0 {
				if err := c.drainMessage(); err != nil {
					return 0, transport.Info{}, err
				}
			}
			continue
		}
		if n == 0 && flags&syscall.MSG_EOR == 0 && len(buf) > 0 {
			return 0, transport.Info{}, io.EOF
		}
		info, ierr := parseRcvInfo(c.roob[:c.rhdr.Controllen])
		total := n
		for flags&syscall.MSG_EOR == 0 {
			if total == len(buf) {
				if err := c.drainMessage(); err != nil {
					return 0, info, err
				}
				return 0, info, transport.ErrTooLong
			}
			n, flags, err = c.recvmsg(buf[total:])
			if err != nil {
				return 0, info, err
			}
			if n == 0 {
				return 0, info, io.ErrUnexpectedEOF
			}
			total += n
		}
		if ierr != nil {
			return 0, info, ierr
		}
		return total, info, nil
	}
}

// OutStreams is the number of outbound streams negotiated at setup.
func (c *Conn) OutStreams() uint16 { return c.out }

// InStreams is the number of inbound streams negotiated at setup.
func (c *Conn) InStreams() uint16 { return c.in }

// LocalAddrs returns the association's local transport addresses (one per
// address of a multi-homed endpoint); nil after Close.
func (c *Conn) LocalAddrs() []net.Addr { return c.addrs(optLocalAddrs) }

// RemoteAddrs returns the peer's transport addresses; nil after Close.
func (c *Conn) RemoteAddrs() []net.Addr { return c.addrs(optPeerAddrs) }

func (c *Conn) addrs(opt int) []net.Addr {
	var out []net.Addr
	c.rc.Control(func(fd uintptr) { out, _ = getAddrs(fd, opt) })
	return out
}

// Close shuts the association down gracefully: the kernel sends SHUTDOWN
// once the queued messages are acknowledged (RFC 9260 §9.2) and the peer's
// Recv returns io.EOF. A local Recv returns net.ErrClosed. Messages
// received but not yet read make the kernel ABORT instead (RFC 6458 §4.1.8).
func (c *Conn) Close() error { return c.close(false) }

// Abort sends ABORT (SO_LINGER with a zero timeout, RFC 6458 §8.1.4); the
// peer's Recv fails with ECONNRESET, wrapped with transport.ErrAborted.
func (c *Conn) Abort() error { return c.close(true) }

func (c *Conn) close(abort bool) error {
	c.closeMu.Lock()
	defer c.closeMu.Unlock()
	if c.isClosed {
		return net.ErrClosed
	}
	c.isClosed = true
	c.closed.Store(true)
	if abort {
		c.rc.Control(func(fd uintptr) {
			syscall.SetsockoptLinger(int(fd), syscall.SOL_SOCKET, syscall.SO_LINGER, &syscall.Linger{Onoff: 1, Linger: 0})
		})
	}
	return c.f.Close()
}

// Dialer sets up associations; it implements transport.Dialer.
type Dialer struct {
	// Local is optional: the addresses to bind (several for a multi-homed
	// endpoint) and the source port (peers such as osmo-stp identify an
	// ASP by it). Zero: the kernel picks.
	Local Endpoint
	// Remote is the peer: one or more of its addresses (sctp_connectx
	// tries them all) and its port.
	Remote Endpoint
	Config
}

var _ transport.Dialer = (*Dialer)(nil)

// Dial sets up an association; ctx bounds the setup (INIT, COOKIE).
func (d *Dialer) Dial(ctx context.Context) (transport.Conn, error) {
	c, err := d.DialSCTP(ctx)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// DialSCTP is Dial returning the concrete type.
func (d *Dialer) DialSCTP(ctx context.Context) (*Conn, error) {
	if len(d.Remote.Addrs) == 0 {
		return nil, errNoRemote
	}
	if err := d.Local.check("local"); err != nil {
		return nil, err
	}
	if err := d.Remote.check("remote"); err != nil {
		return nil, err
	}
	v6 := d.Local.v6() || d.Remote.v6()
	fd, err := newSocket(v6, d.Config)
	if err != nil {
		return nil, err
	}
	if len(d.Local.Addrs) > 0 || d.Local.Port != 0 {
		if err := bind(fd, d.Local, v6); err != nil {
			syscall.Close(fd)
			return nil, err
		}
	}
	// sctp_connectx on a non-blocking socket starts the INIT and returns
	// EINPROGRESS; the poller says when the socket becomes writable.
	if err := setsockopt(fd, solSCTP, optConnectx, toLibAddr(d.Remote, v6).ToRawSockAddrBuf()); err != nil && err != syscall.EINPROGRESS {
		syscall.Close(fd)
		return nil, fmt.Errorf("sctp: connect %s: %w", d.Remote, os.NewSyscallError("sctp_connectx", err))
	}
	f := os.NewFile(uintptr(fd), "sctp")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		f.SetWriteDeadline(time.Unix(1, 0))
		close(fired)
	})
	var cerr error
	werr := rc.Write(func(fd uintptr) bool {
		v, err := syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_ERROR)
		switch {
		case err != nil:
			cerr = err
		case v != 0:
			cerr = syscall.Errno(v)
		default:
			// Writable with no error: established, unless getpeername
			// says it is still in COOKIE-WAIT/ECHOED.
			if _, err := syscall.Getpeername(int(fd)); err == syscall.ENOTCONN {
				return false
			} else if err != nil {
				cerr = err
			}
		}
		return true
	})
	if !stop() {
		<-fired
		f.Close()
		return nil, fmt.Errorf("sctp: connect %s: %w", d.Remote, ctx.Err())
	}
	if werr == nil {
		werr = cerr
	}
	if werr != nil {
		f.Close()
		return nil, fmt.Errorf("sctp: connect %s: %w", d.Remote, werr)
	}
	return newConnFile(f, rc)
}

// newSocket opens a non-blocking one-to-one SCTP socket with the options
// every association of this package has.
func newSocket(v6 bool, cfg Config) (int, error) {
	im, err := cfg.initMsg()
	if err != nil {
		return -1, err
	}
	family := syscall.AF_INET
	if v6 {
		family = syscall.AF_INET6
	}
	fd, err := syscall.Socket(family, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, syscall.IPPROTO_SCTP)
	if err != nil {
		return -1, socketError(err)
	}
	if err := setOptions(fd, v6, cfg, im); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	return fd, nil
}

func setOptions(fd int, v6 bool, cfg Config, im initMsg) error {
	if v6 {
		// IPv4 addresses too, on the same endpoint.
		if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY, 0); err != nil {
			return os.NewSyscallError("setsockopt IPV6_V6ONLY", err)
		}
	}
	b := im.encode()
	if err := setsockopt(fd, solSCTP, optInitMsg, b[:]); err != nil {
		return os.NewSyscallError("setsockopt SCTP_INITMSG", err)
	}
	return setDataOptions(fd, cfg)
}

// setDataOptions sets what each association socket needs (again on an
// accepted one: the kernel copies the listener's, but this does not depend
// on it).
func setDataOptions(fd int, cfg Config) error {
	nodelay := 1
	if cfg.Nagle {
		nodelay = 0
	}
	if err := syscall.SetsockoptInt(fd, solSCTP, optNoDelay, nodelay); err != nil {
		return os.NewSyscallError("setsockopt SCTP_NODELAY", err)
	}
	if err := syscall.SetsockoptInt(fd, solSCTP, optRecvRcvInfo, 1); err != nil {
		return os.NewSyscallError("setsockopt SCTP_RECVRCVINFO", err)
	}
	return nil
}

func setsockopt(fd, level, opt int, b []byte) error {
	_, _, e := syscall.Syscall6(syscall.SYS_SETSOCKOPT, uintptr(fd), uintptr(level), uintptr(opt),
		uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), 0)
	if e != 0 {
		return e
	}
	return nil
}

func bind(fd int, e Endpoint, v6 bool) error {
	if e.Port != 0 {
		// A fixed source port must be reusable right after the previous
		// association on it closed (reconnecting an ASP).
		if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
			return os.NewSyscallError("setsockopt SO_REUSEADDR", err)
		}
	}
	if err := setsockopt(fd, solSCTP, optBindxAdd, toLibAddr(e, v6).ToRawSockAddrBuf()); err != nil {
		return fmt.Errorf("sctp: bind %s: %w", e, os.NewSyscallError("sctp_bindx", err))
	}
	return nil
}

func toLibAddr(e Endpoint, v6 bool) *lib.SCTPAddr {
	a := &lib.SCTPAddr{Port: int(e.Port)}
	for _, ip := range e.Addrs {
		a.IPAddrs = append(a.IPAddrs, net.IPAddr{IP: net.IP(ip.Unmap().AsSlice()), Zone: ip.Zone()})
	}
	if len(a.IPAddrs) == 0 {
		any := net.IPv4zero
		if v6 {
			any = net.IPv6zero
		}
		a.IPAddrs = []net.IPAddr{{IP: any}}
	}
	return a
}

// Listener accepts associations; it implements transport.Listener.
type Listener struct {
	f      *os.File
	rc     syscall.RawConn
	cfg    Config
	closed atomic.Bool
	mu     sync.Mutex // one Accept at a time (deadlines are per socket)
}

var _ transport.Listener = (*Listener)(nil)

// Listen binds local (several addresses: multi-homed; no address: the
// wildcard; port 0: the kernel picks) and listens.
func Listen(local Endpoint, cfg Config) (*Listener, error) {
	if err := local.check("local"); err != nil {
		return nil, err
	}
	v6 := local.v6()
	fd, err := newSocket(v6, cfg)
	if err != nil {
		return nil, err
	}
	if err := bind(fd, local, v6); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	if err := syscall.Listen(fd, syscall.SOMAXCONN); err != nil {
		syscall.Close(fd)
		return nil, os.NewSyscallError("listen", err)
	}
	f := os.NewFile(uintptr(fd), "sctp-listener")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &Listener{f: f, rc: rc, cfg: cfg}, nil
}

// Accept waits for the next association. Close unblocks it with
// net.ErrClosed; the end of ctx with ctx.Err().
func (l *Listener) Accept(ctx context.Context) (transport.Conn, error) {
	c, err := l.AcceptSCTP(ctx)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// AcceptSCTP is Accept returning the concrete type.
func (l *Listener) AcceptSCTP(ctx context.Context) (*Conn, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		l.f.SetReadDeadline(time.Unix(1, 0))
		close(fired)
	})
	nfd := -1
	var aerr error
	err := l.rc.Read(func(fd uintptr) bool {
		for {
			nfd, _, aerr = syscall.Accept4(int(fd), syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC)
			switch aerr {
			case syscall.EINTR, syscall.ECONNABORTED:
				continue
			case syscall.EAGAIN:
				return false
			}
			return true
		}
	})
	if !stop() {
		<-fired
		l.f.SetReadDeadline(time.Time{})
		if err != nil || aerr != nil {
			return nil, ctx.Err()
		}
	}
	switch {
	case err != nil:
		if l.closed.Load() {
			return nil, net.ErrClosed
		}
		return nil, err
	case aerr != nil:
		return nil, os.NewSyscallError("accept4", aerr)
	}
	if err := setDataOptions(nfd, l.cfg); err != nil {
		syscall.Close(nfd)
		return nil, err
	}
	return newConn(nfd)
}

// Addrs returns the bound addresses (with the port the kernel picked).
func (l *Listener) Addrs() []net.Addr {
	var out []net.Addr
	l.rc.Control(func(fd uintptr) { out, _ = getAddrs(fd, optLocalAddrs) })
	return out
}

// Close stops listening and unblocks Accept.
func (l *Listener) Close() error {
	if l.closed.Swap(true) {
		return net.ErrClosed
	}
	return l.f.Close()
}

// Paths reports the state of every peer address (path) of the
// association: which are confirmed and reachable, their RTT and RTO.
func (c *Conn) Paths() ([]Path, error) {
	var out []Path
	var err error
	cerr := c.rc.Control(func(fd uintptr) {
		var peers []net.Addr
		peers, err = getAddrs(fd, optPeerAddrs)
		if err != nil {
			return
		}
		var v6 bool
		if sa, e := syscall.Getsockname(int(fd)); e == nil {
			_, v6 = sa.(*syscall.SockaddrInet6)
		}
		for _, addr := range peers {
			ap := addr.(Addr).AddrPort
			b := encodePaddrInfo(ap, v6)
			l := uint32(len(b))
			_, _, e := syscall.Syscall6(syscall.SYS_GETSOCKOPT, fd, solSCTP, optPeerAddrInfo,
				uintptr(unsafe.Pointer(&b[0])), uintptr(unsafe.Pointer(&l)), 0)
			if e != 0 {
				err = os.NewSyscallError("getsockopt SCTP_GET_PEER_ADDR_INFO", e)
				return
			}
			p, perr := decodePaddrInfo(b[:l], ap)
			if perr != nil {
				err = perr
				return
			}
			out = append(out, p)
		}
	})
	if err == nil && cerr != nil {
		if c.closed.Load() {
			return nil, net.ErrClosed
		}
		err = cerr
	}
	return out, err
}

// SetPrimary makes addr (one of the peer's addresses) the primary path:
// the kernel sends new DATA there (SCTP_PRIMARY_ADDR, RFC 6458 §8.1.8).
// Operators move traffic off a network this way before maintenance.
func (c *Conn) SetPrimary(addr netip.Addr) error {
	var err error
	cerr := c.rc.Control(func(fd uintptr) {
		var port uint16
		for _, a := range c.RemoteAddrs() {
			port = a.(Addr).Port()
		}
		var v6 bool
		if sa, e := syscall.Getsockname(int(fd)); e == nil {
			_, v6 = sa.(*syscall.SockaddrInet6)
		}
		// struct sctp_prim is struct sctp_paddrinfo's first 132 octets:
		// assoc_id and the address.
		b := encodePaddrInfo(netip.AddrPortFrom(addr, port), v6)
		err = setsockopt(int(fd), solSCTP, optPrimaryAddr, b[:paddrStateOff])
	})
	if err == nil && cerr != nil {
		if c.closed.Load() {
			return net.ErrClosed
		}
		return cerr
	}
	if err != nil {
		return fmt.Errorf("sctp: primary path %v: %w", addr, os.NewSyscallError("setsockopt SCTP_PRIMARY_ADDR", err))
	}
	return nil
}
