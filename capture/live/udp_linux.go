//go:build linux

package live

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/sipgw/sipgw/internal/sockaddr"
	"golang.org/x/sys/unix"
)

// udpSocket is a UDP socket on x/sys/unix rather than package net: net
// would link its cgo resolver (and libc, dynamically) into sipsniff,
// which costs every run 1.6 MB of resident memory and the static binary
// the VM stage runs.
type udpSocket struct {
	fd    int
	local netip.AddrPort
}

var errTimeout = errors.New("live: no datagram yet")

func listenUDP(addr netip.AddrPort) (*udpSocket, error) {
	family := unix.AF_INET6
	if addr.Addr().Is4() {
		family = unix.AF_INET
	}
	fd, err := unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	var sa unix.Sockaddr
	if family == unix.AF_INET {
		sa = &unix.SockaddrInet4{Port: int(addr.Port()), Addr: addr.Addr().As4()}
	} else {
		sa = &unix.SockaddrInet6{Port: int(addr.Port()), Addr: addr.Addr().As16()}
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return nil, err
	}
	// HEP senders burst: a large receive buffer keeps what comes while a
	// batch is handed over (the kernel caps it at rmem_max unless root).
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 8<<20) != nil {
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 8<<20)
	}
	s := &udpSocket{fd: fd}
	if got, err := unix.Getsockname(fd); err == nil {
		s.local = sockaddr.AddrPort(got)
	}
	return s, nil
}

// recv waits up to wait for a datagram.
func (s *udpSocket) recv(buf []byte, wait time.Duration) (int, netip.AddrPort, error) {
	fds := []unix.PollFd{{Fd: int32(s.fd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, int(max(wait/time.Millisecond, 1)))
	if err == unix.EINTR || err == nil && n == 0 {
		return 0, netip.AddrPort{}, errTimeout
	}
	if err != nil {
		return 0, netip.AddrPort{}, fmt.Errorf("poll: %w", err)
	}
	m, from, err := unix.Recvfrom(s.fd, buf, unix.MSG_DONTWAIT)
	if err == unix.EAGAIN || err == unix.EINTR {
		return 0, netip.AddrPort{}, errTimeout
	}
	if err != nil {
		return 0, netip.AddrPort{}, err
	}
	return m, sockaddr.AddrPort(from), nil
}

func (s *udpSocket) close() error { return unix.Close(s.fd) }
