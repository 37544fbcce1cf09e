//go:build linux

// Package rtpsock is the network side of many calls' RTP, read and
// written by one goroutine: the bearer engine's loop.
//
// The plain way — a net.UDPConn and a goroutine blocked in ReadFrom per
// call — costs a goroutine wake-up, a trip through the runtime's poller
// and a system call for every packet: with 1,000 calls that is 50,000 of
// each a second in each direction, and it was most of the CPU of a
// 1,000-call gateway (tdm/bearer's load measurement: 72–79 % of a core,
// against 8.8 % for the bridging itself). A Set keeps its sockets out of
// the runtime's poller: Poll, called once per engine step, asks its own
// epoll instance which sockets are readable (one system call for all of
// them) and drains each with recvmmsg; Send writes on a socket connected
// to the far end, so that the kernel neither looks the route up again nor
// accepts datagrams from anyone else. No goroutine per call, no wake-up
// per packet: a packet waits at most one engine step (5 ms by default),
// which the jitter buffer absorbs.
//
// A socket may latch instead (symmetric RTP behind NAT): it stays
// unconnected, takes the first datagram's source as the far end and
// accepts any port of that address afterwards.
package rtpsock

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/sipgw/sipgw/internal/sockaddr"
	"golang.org/x/sys/unix"
)

// Batch is how many datagrams one recvmmsg takes from a socket (a call
// receives one packet per 20 ms; more wait only after a stall).
const Batch = 8

// MaxPacket is the largest datagram read; longer ones are cut (and
// counted as bad by the bridge, which checks lengths).
const MaxPacket = 1500

// Set is a group of RTP sockets polled together.
type Set struct {
	mu     sync.Mutex
	ep     int
	socks  map[int32]*Sock
	events []unix.EpollEvent
	closed bool

	// recvmmsg buffers (used under mu, by Poll only).
	msgs  [Batch]mmsghdr
	iovs  [Batch]unix.Iovec
	names [Batch]unix.RawSockaddrInet6
	bufs  [Batch][MaxPacket]byte

	received, dropped, errs atomic.Int64

	// io_uring (nil: not available, turned off, or broken): Poll reads
	// every readable socket in one submission, and between Hold and
	// Flush sends are queued and go out in one submission too.
	ring     *uring
	rslots   []*rslot
	sendMu   sync.Mutex
	hold     bool
	queue    []queued
	arena    []byte
	stuck    [][]byte // buffers a stuck ring may still write or read
	ringErr  error
	sendErrs atomic.Int64
}

// rslot is one receive of a Poll through the ring.
type rslot struct {
	hdr  unix.Msghdr
	iov  unix.Iovec
	name unix.RawSockaddrInet6
	buf  [MaxPacket]byte
	k    *Sock
}

// queued is a send held until Flush: the datagram is arena[off:off+n].
type queued struct {
	k      *Sock
	off, n int
}

// SetOptions configure a set.
type SetOptions struct {
	// NoURing keeps to plain system calls even where io_uring works.
	NoURing bool
	// URingEntries is the ring's size (1024 when zero; a submission
	// larger than the ring goes in several).
	URingEntries uint32
}

// mmsghdr is struct mmsghdr of recvmmsg(2): a msghdr and the length
// received, padded to the pointer size.
type mmsghdr struct {
	hdr unix.Msghdr
	n   uint32
	_   [unsafe.Sizeof(uintptr(0)) - 4]byte
}

// NewSet returns an empty set, using io_uring where the kernel allows it.
func NewSet() (*Set, error) { return NewSetWith(SetOptions{}) }

// NewSetWith returns an empty set configured by o.
func NewSetWith(o SetOptions) (*Set, error) {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("rtpsock: epoll: %w", err)
	}
	s := &Set{ep: ep, socks: map[int32]*Sock{}, events: make([]unix.EpollEvent, 256)}
	if !o.NoURing {
		if o.URingEntries == 0 {
			o.URingEntries = 1024
		}
		s.ring, s.ringErr = newURing(o.URingEntries)
	}
	for i := range s.msgs {
		s.iovs[i].Base = &s.bufs[i][0]
		s.iovs[i].SetLen(MaxPacket)
		s.msgs[i].hdr.Iov = &s.iovs[i]
		s.msgs[i].hdr.SetIovlen(1)
		s.msgs[i].hdr.Name = (*byte)(unsafe.Pointer(&s.names[i]))
	}
	return s, nil
}

// Stats counts what Poll did: datagrams handed to receivers, datagrams
// dropped (from a source other than the far end, or with no receiver),
// and receive errors (other than the ICMP errors of a connected socket);
// and the held sends that failed at Flush.
type Stats struct{ Received, Dropped, Errors, SendErrors int64 }

// Stats returns the set's counters.
func (s *Set) Stats() Stats {
	return Stats{Received: s.received.Load(), Dropped: s.dropped.Load(), Errors: s.errs.Load(), SendErrors: s.sendErrs.Load()}
}

// URing reports whether the set uses io_uring, and if not why.
func (s *Set) URing() (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ring != nil, s.ringErr
}

// Len returns the number of open sockets.
func (s *Set) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.socks)
}

// ErrClosed: the socket or the set is closed.
var ErrClosed = errors.New("rtpsock: closed")

// ErrNoRemote: Send before SetRemote (and before a latch).
var ErrNoRemote = errors.New("rtpsock: no remote RTP address yet")

// Sock is one call's RTP socket in a set.
type Sock struct {
	set    *Set
	fd     int
	v6     bool
	local  netip.AddrPort
	latch  bool
	remote atomic.Pointer[netip.AddrPort]
	recv   atomic.Pointer[func([]byte)]
	closed atomic.Bool

	// connMu orders connect(2) calls (SetRemote, a latch).
	connMu    sync.Mutex
	connected bool

	dropped atomic.Int64
}

// Options of a socket.
type Options struct {
	// Latch takes the first datagram's source as the far end (and any
	// port of its address after), for peers behind NAT; the socket is
	// then never connected.
	Latch bool
}

// Listen opens a socket on local (port 0: any) in the set.
func (s *Set) Listen(local netip.AddrPort, o Options) (*Sock, error) {
	v6 := local.Addr().Is6() && !local.Addr().Is4In6()
	fam := unix.AF_INET
	if v6 {
		fam = unix.AF_INET6
	}
	fd, err := unix.Socket(fam, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_UDP)
	if err != nil {
		return nil, fmt.Errorf("rtpsock: socket: %w", err)
	}
	if err := unix.Bind(fd, sockaddr.From(local, v6)); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("rtpsock: bind %v: %w", local, err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("rtpsock: getsockname: %w", err)
	}
	k := &Sock{set: s, fd: fd, v6: v6, local: sockaddr.AddrPort(sa), latch: o.Latch}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		unix.Close(fd)
		return nil, ErrClosed
	}
	if err := unix.EpollCtl(s.ep, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("rtpsock: epoll add: %w", err)
	}
	s.socks[int32(fd)] = k
	return k, nil
}

// LocalAddr returns the socket's address (for the SDP this side sends).
func (k *Sock) LocalAddr() netip.AddrPort { return k.local }

// Remote returns the far end (SDP's, or latched); false before either.
func (k *Sock) Remote() (netip.AddrPort, bool) {
	if r := k.remote.Load(); r != nil {
		return *r, true
	}
	return netip.AddrPort{}, false
}

// Dropped returns how many datagrams this socket dropped (from elsewhere
// than the far end, or with no receiver set).
func (k *Sock) Dropped() int64 { return k.dropped.Load() }

// SetReceiver sets what gets this socket's datagrams, on the goroutine
// that calls Poll (the buffer is reused after f returns); nil drops them.
func (k *Sock) SetReceiver(f func(pkt []byte)) {
	if f == nil {
		k.recv.Store(nil)
		return
	}
	k.recv.Store(&f)
}

// SetRemote sets the far end (after offer/answer, and on a re-INVITE):
// the socket is connected to it unless it latches.
func (k *Sock) SetRemote(ap netip.AddrPort) error {
	ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	if !ap.IsValid() || ap.Port() == 0 {
		return fmt.Errorf("rtpsock: remote %v is not an address and port", ap)
	}
	if !k.v6 && !ap.Addr().Is4() {
		return fmt.Errorf("rtpsock: remote %v on an IPv4 socket", ap)
	}
	k.remote.Store(&ap)
	if k.latch {
		return nil
	}
	return k.connect(ap)
}

func (k *Sock) connect(ap netip.AddrPort) error {
	k.connMu.Lock()
	defer k.connMu.Unlock()
	if k.closed.Load() {
		return ErrClosed
	}
	if err := unix.Connect(k.fd, sockaddr.From(ap, k.v6)); err != nil {
		return fmt.Errorf("rtpsock: connect %v: %w", ap, err)
	}
	k.connected = true
	return nil
}

// Send writes one datagram to the far end (bearer.Media).
func (k *Sock) Send(p []byte) error {
	if k.closed.Load() {
		return ErrClosed
	}
	r := k.remote.Load()
	if r == nil {
		return ErrNoRemote
	}
	if !k.latch && k.set.queueSend(k, p) {
		return nil
	}
	var err error
	if k.latch {
		err = unix.Sendto(k.fd, p, 0, sockaddr.From(*r, k.v6))
	} else {
		_, err = unix.Write(k.fd, p)
	}
	if err == unix.ECONNREFUSED {
		// An ICMP port unreachable for an earlier datagram, reported on
		// this one (which the kernel did not send): the far end may
		// not be listening yet.
		_, err = unix.Write(k.fd, p)
	}
	if err != nil {
		return fmt.Errorf("rtpsock: send to %v: %w", *r, err)
	}
	return nil
}

// Close removes the socket from its set and closes it. Idempotent.
func (k *Sock) Close() error {
	if k.closed.Swap(true) {
		return nil
	}
	s := k.set
	s.mu.Lock()
	delete(s.socks, int32(k.fd))
	if !s.closed {
		unix.EpollCtl(s.ep, unix.EPOLL_CTL_DEL, k.fd, nil)
	}
	k.connMu.Lock()
	err := unix.Close(k.fd)
	k.connMu.Unlock()
	s.mu.Unlock()
	return err
}

// Poll delivers every datagram waiting on the set's sockets, without
// blocking, and returns how many it delivered.
func (s *Set) Poll() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0
	}
	if len(s.events) < len(s.socks) {
		s.events = make([]unix.EpollEvent, len(s.socks)+len(s.socks)/4)
	}
	n, err := unix.EpollWait(s.ep, s.events, 0)
	if err != nil {
		if err != unix.EINTR {
			s.errs.Add(1)
		}
		return 0
	}
	if s.ring != nil {
		return s.pollRing(s.events[:n])
	}
	total := 0
	for _, ev := range s.events[:n] {
		if k := s.socks[ev.Fd]; k != nil {
			total += s.drain(k)
		}
	}
	return total
}

// pollRing reads one datagram from each readable socket, all in one
// submission (a socket with more waiting is readable again at the next
// Poll).
func (s *Set) pollRing(events []unix.EpollEvent) int {
	total := 0
	for len(events) > 0 {
		k := min(len(events), s.ring.room())
		for len(s.rslots) < k {
			r := &rslot{}
			r.iov.Base = &r.buf[0]
			r.iov.SetLen(MaxPacket)
			r.hdr.Iov = &r.iov
			r.hdr.SetIovlen(1)
			r.hdr.Name = (*byte)(unsafe.Pointer(&r.name))
			s.rslots = append(s.rslots, r)
		}
		for i, ev := range events[:k] {
			r := s.rslots[i]
			r.k = s.socks[ev.Fd]
			if r.k == nil {
				continue
			}
			r.hdr.Namelen = unix.SizeofSockaddrInet6
			s.ring.prep(opRecvmsg, r.k.fd, unsafe.Pointer(&r.hdr), 1, uint64(i))
		}
		events = events[k:]
		err := s.ring.submit(func(ud uint64, res int32) {
			r := s.rslots[ud]
			switch {
			case res >= 0:
				from := rawAddrPort(&r.name, r.hdr.Namelen)
				f := r.k.recv.Load()
				if !r.k.accept(from) || f == nil {
					r.k.dropped.Add(1)
					s.dropped.Add(1)
					return
				}
				(*f)(r.buf[:min(int(res), MaxPacket)])
				s.received.Add(1)
				total++
			case -res == int32(unix.EAGAIN), -res == int32(unix.ECONNREFUSED), -res == int32(unix.EHOSTUNREACH), -res == int32(unix.ENETUNREACH):
				// Nothing after all, or an ICMP error now consumed.
			default:
				s.errs.Add(1)
			}
		})
		if err != nil {
			s.ringFailed(err)
			return total
		}
	}
	return total
}

// ringFailed stops using the ring: the buffers its operations may still
// use are kept alive and not used again.
func (s *Set) ringFailed(err error) {
	s.errs.Add(1)
	s.ringErr = fmt.Errorf("rtpsock: io_uring given up: %w", err)
	s.ring = nil
	s.rslots = nil
	s.sendMu.Lock()
	s.stuck = append(s.stuck, s.arena)
	s.arena = nil
	s.sendMu.Unlock()
}

// queueSend holds p for Flush when the set is holding sends through its
// ring, and reports whether it did.
func (s *Set) queueSend(k *Sock, p []byte) bool {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	if !s.hold {
		return false
	}
	off := len(s.arena)
	s.arena = append(s.arena, p...)
	s.queue = append(s.queue, queued{k: k, off: off, n: len(p)})
	return true
}

// Hold makes the connected sockets' sends wait for Flush, which sends
// them all in one submission (the engine holds during a step). Without
// io_uring it does nothing.
func (s *Set) Hold() {
	s.mu.Lock()
	ring := s.ring != nil
	s.mu.Unlock()
	s.sendMu.Lock()
	s.hold = ring
	s.sendMu.Unlock()
}

// Flush sends what was held since Hold, and stops holding. A failed send
// is counted (Stats.SendErrors) and the socket's next sends go on.
func (s *Set) Flush() {
	s.sendMu.Lock()
	q := s.queue
	s.queue = s.queue[:0]
	s.hold = false
	s.sendMu.Unlock()
	if len(q) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sendMu.Lock()
	arena := s.arena
	s.sendMu.Unlock()
	for len(q) > 0 {
		if s.ring == nil || s.closed {
			// Given up meanwhile: plain writes.
			for _, x := range q {
				if !x.k.closed.Load() {
					if _, err := unix.Write(x.k.fd, arena[x.off:x.off+x.n]); err != nil {
						s.sendErrs.Add(1)
					}
				}
			}
			break
		}
		k := min(len(q), s.ring.room())
		for i, x := range q[:k] {
			if x.k.closed.Load() {
				continue // its descriptor may be another socket's by now
			}
			s.ring.prep(opSend, x.k.fd, unsafe.Pointer(&arena[x.off]), uint32(x.n), uint64(i))
		}
		err := s.ring.submit(func(ud uint64, res int32) {
			if res < 0 && -res != int32(unix.ECONNREFUSED) {
				s.sendErrs.Add(1)
			}
		})
		if err != nil {
			s.ringFailed(err)
			return
		}
		q = q[k:]
	}
	s.sendMu.Lock()
	if len(s.queue) == 0 {
		s.arena = s.arena[:0]
	}
	s.sendMu.Unlock()
}

// drain reads what k holds, up to Batch datagrams (epoll reports the
// socket again at the next Poll if more wait).
func (s *Set) drain(k *Sock) int {
	for i := range s.msgs {
		s.msgs[i].hdr.Namelen = unix.SizeofSockaddrInet6
	}
	var got int
	for try := 0; try < 2; try++ {
		r, _, e := unix.Syscall6(unix.SYS_RECVMMSG, uintptr(k.fd), uintptr(unsafe.Pointer(&s.msgs[0])), Batch, unix.MSG_DONTWAIT, 0, 0)
		if e == unix.ECONNREFUSED || e == unix.EHOSTUNREACH || e == unix.ENETUNREACH {
			// An ICMP error on a connected socket, now consumed.
			continue
		}
		if e != 0 {
			if e != unix.EAGAIN && e != unix.EINTR {
				s.errs.Add(1)
			}
			return 0
		}
		got = int(r)
		break
	}
	f := k.recv.Load()
	delivered := 0
	for i := range got {
		m := &s.msgs[i]
		from := rawAddrPort(&s.names[i], m.hdr.Namelen)
		if !k.accept(from) || f == nil {
			k.dropped.Add(1)
			s.dropped.Add(1)
			continue
		}
		(*f)(s.bufs[i][:min(int(m.n), MaxPacket)])
		delivered++
	}
	s.received.Add(int64(delivered))
	return delivered
}

// accept applies the far-end check (a connected socket's kernel did it
// already) and latches.
func (k *Sock) accept(from netip.AddrPort) bool {
	r := k.remote.Load()
	if !k.latch {
		return r != nil && *r == from
	}
	if r == nil {
		if !from.IsValid() {
			return false
		}
		k.remote.Store(&from)
		return true
	}
	return r.Addr() == from.Addr()
}

// Close closes every socket and the set.
func (s *Set) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	socks := make([]*Sock, 0, len(s.socks))
	for _, k := range s.socks {
		socks = append(socks, k)
	}
	err := unix.Close(s.ep)
	if s.ring != nil {
		s.ring.close()
		s.ring = nil
	}
	s.mu.Unlock()
	for _, k := range socks {
		k.Close()
	}
	return err
}

// rawAddrPort reads the source address recvmmsg wrote (IPv4-mapped IPv6
// sources unmapped); invalid when it is neither family or too short.
func rawAddrPort(raw *unix.RawSockaddrInet6, n uint32) netip.AddrPort {
	b := (*[unix.SizeofSockaddrInet6]byte)(unsafe.Pointer(raw))
	if n > unix.SizeofSockaddrInet6 {
		n = unix.SizeofSockaddrInet6
	}
	return parseSockaddr(b[:n])
}

// parseSockaddr decodes a struct sockaddr_in or sockaddr_in6 (family in
// host order, port in network order).
func parseSockaddr(b []byte) netip.AddrPort {
	if len(b) < 2 {
		return netip.AddrPort{}
	}
	fam := *(*uint16)(unsafe.Pointer(&b[0]))
	switch {
	case fam == unix.AF_INET && len(b) >= unix.SizeofSockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[4:8])), uint16(b[2])<<8|uint16(b[3]))
	case fam == unix.AF_INET6 && len(b) >= unix.SizeofSockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16([16]byte(b[8:24])).Unmap(), uint16(b[2])<<8|uint16(b[3]))
	}
	return netip.AddrPort{}
}
