//go:build linux

// Package sockaddr converts between netip.AddrPort and the socket
// addresses of golang.org/x/sys/unix, for the packages that use sockets
// without the net package (live capture's HEP listener, the bearer
// engine's RTP sockets).
package sockaddr

import (
	"net/netip"

	"golang.org/x/sys/unix"
)

// AddrPort returns sa's address and port (IPv4-mapped IPv6 unmapped); the
// zero AddrPort for other families.
func AddrPort(sa unix.Sockaddr) netip.AddrPort {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port))
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(a.Addr).Unmap(), uint16(a.Port))
	}
	return netip.AddrPort{}
}

// From returns ap as a socket address of an IPv4 socket, or of an IPv6
// one when v6 (an IPv4 address then IPv4-mapped).
func From(ap netip.AddrPort, v6 bool) unix.Sockaddr {
	if !v6 {
		return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().Unmap().As4()}
	}
	return &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
}
