package sctp

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"syscall"
)

// PathState is the state of one path (a peer address) of a multi-homed
// association (RFC 9260 §8.2; Linux's enum sctp_spinfo_state).
type PathState int32

const (
	PathInactive    PathState = 0 // failed: retransmissions exceeded Path.Max.Retrans
	PathPF          PathState = 1 // potentially failed (RFC 7829)
	PathActive      PathState = 2 // confirmed and reachable
	PathUnconfirmed PathState = 3 // not yet confirmed by a HEARTBEAT ACK (RFC 9260 §5.4)
)

func (s PathState) String() string {
	switch s {
	case PathInactive:
		return "Inactive"
	case PathPF:
		return "PF"
	case PathActive:
		return "Active"
	case PathUnconfirmed:
		return "Unconfirmed"
	}
	return fmt.Sprintf("PathState(%d)", int32(s))
}

// Path is one peer address of an association as the kernel sees it
// (SCTP_GET_PEER_ADDR_INFO, RFC 6458 §8.2.2).
type Path struct {
	Addr  netip.AddrPort
	State PathState
	SRTT  uint32 // smoothed round-trip time, ms
	RTO   uint32 // retransmission timeout, ms
	MTU   uint32
}

const (
	optPrimaryAddr  = 6   // SCTP_PRIMARY_ADDR
	optPeerAddrInfo = 15  // SCTP_GET_PEER_ADDR_INFO
	paddrInfoLen    = 152 // struct sctp_paddrinfo, packed: assoc_id, sockaddr_storage, state, cwnd, srtt, rto, mtu
	paddrAddrOff    = 4
	paddrStateOff   = paddrAddrOff + 128
)

// encodePaddrInfo lays out the request for one peer address: assoc_id 0
// (one-to-one socket) and the address as a sockaddr_in or sockaddr_in6.
func encodePaddrInfo(a netip.AddrPort, v6 bool) [paddrInfoLen]byte {
	var b [paddrInfoLen]byte
	sa := b[paddrAddrOff:]
	ip := a.Addr().Unmap()
	if !v6 && ip.Is4() {
		binary.NativeEndian.PutUint16(sa[0:], syscall.AF_INET)
		binary.BigEndian.PutUint16(sa[2:], a.Port())
		v4 := ip.As4()
		copy(sa[4:], v4[:])
		return b
	}
	binary.NativeEndian.PutUint16(sa[0:], syscall.AF_INET6)
	binary.BigEndian.PutUint16(sa[2:], a.Port())
	v16 := ip.As16() // an IPv4 peer on an IPv6 socket is v4-mapped
	copy(sa[8:], v16[:])
	return b
}

// decodePaddrInfo reads the kernel's answer.
func decodePaddrInfo(b []byte, a netip.AddrPort) (Path, error) {
	if len(b) < paddrInfoLen {
		return Path{}, fmt.Errorf("sctp: SCTP_GET_PEER_ADDR_INFO answer of %d octets", len(b))
	}
	return Path{
		Addr:  a,
		State: PathState(int32(binary.NativeEndian.Uint32(b[paddrStateOff:]))),
		SRTT:  binary.NativeEndian.Uint32(b[paddrStateOff+8:]),
		RTO:   binary.NativeEndian.Uint32(b[paddrStateOff+12:]),
		MTU:   binary.NativeEndian.Uint32(b[paddrStateOff+16:]),
	}, nil
}
