package sctp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"

	"github.com/sipgw/sipgw/sigtran/transport"
)

// Socket options and control messages of the SCTP sockets API (RFC 6458),
// with Linux's numbers (include/uapi/linux/sctp.h).
const (
	solSCTP = syscall.IPPROTO_SCTP

	optInitMsg     = 2  // SCTP_INITMSG, RFC 6458 §8.1.3
	optNoDelay     = 3  // SCTP_NODELAY, RFC 6458 §8.1.5
	optStatus      = 14 // SCTP_STATUS, RFC 6458 §8.2.1
	optRecvRcvInfo = 32 // SCTP_RECVRCVINFO, RFC 6458 §8.1.29

	// The sctp_bindx, sctp_connectx and sctp_getladdrs/getpaddrs of RFC
	// 6458 §9 are these options in Linux (lksctp-tools calls them so).
	optBindxAdd   = 100 // SCTP_SOCKOPT_BINDX_ADD: a packed array of sockaddrs
	optPeerAddrs  = 108 // SCTP_GET_PEER_ADDRS: struct sctp_getaddrs
	optLocalAddrs = 109 // SCTP_GET_LOCAL_ADDRS: struct sctp_getaddrs
	optConnectx   = 110 // SCTP_SOCKOPT_CONNECTX: a packed array of sockaddrs

	cmsgSndRcv  = 1 // SCTP_SNDRCV (deprecated), RFC 6458 §5.3.2
	cmsgSndInfo = 2 // SCTP_SNDINFO, RFC 6458 §5.3.4
	cmsgRcvInfo = 3 // SCTP_RCVINFO, RFC 6458 §5.3.5

	flagUnordered = 1 // SCTP_UNORDERED in sinfo_flags / rcv_flags

	msgNotification = 0x8000 // MSG_NOTIFICATION: an event, not user data
)

// Sizes of the C structures (the same on every Linux architecture: fixed
// width fields, 4-byte sctp_assoc_t).
const (
	initMsgLen = 8  // struct sctp_initmsg: 4 × u16
	sndInfoLen = 16 // struct sctp_sndinfo: sid, flags, ppid, context, assoc_id
	rcvInfoLen = 28 // struct sctp_rcvinfo: sid, ssn, flags, pad, ppid, tsn, cumtsn, context, assoc_id
	sndRcvLen  = 32 // struct sctp_sndrcvinfo

	// struct sctp_status: assoc_id, state, rwnd, unackdata, penddata,
	// instrms, outstrms, fragmentation_point, primary (sctp_paddrinfo).
	statusLen    = 24 + paddrInfoLen
	statusInOff  = 16
	statusOutOff = 18

	// struct sctp_getaddrs: assoc_id, addr_num, then addr_num sockaddrs
	// of the socket's family, packed.
	getAddrsHdrLen = 8
	// getAddrsLen leaves room for 146 IPv6 addresses, far more than an
	// association has (the library asks with the same 4096 octets).
	getAddrsLen = getAddrsHdrLen + 4096
)

// InitMsg is struct sctp_initmsg (RFC 6458 §8.1.3): what this end asks for
// in its INIT or INIT ACK. Zero fields keep the kernel's defaults.
type initMsg struct {
	OutStreams     uint16 // sinit_num_ostreams
	MaxInStreams   uint16 // sinit_max_instreams
	MaxAttempts    uint16 // sinit_max_attempts
	MaxInitTimeout uint16 // sinit_max_init_timeo, milliseconds
}

// encode lays the structure out in host byte order, as setsockopt reads it.
func (m initMsg) encode() [initMsgLen]byte {
	var b [initMsgLen]byte
	binary.NativeEndian.PutUint16(b[0:], m.OutStreams)
	binary.NativeEndian.PutUint16(b[2:], m.MaxInStreams)
	binary.NativeEndian.PutUint16(b[4:], m.MaxAttempts)
	binary.NativeEndian.PutUint16(b[6:], m.MaxInitTimeout)
	return b
}

// sndInfoSpace is the room one SCTP_SNDINFO control message takes.
var sndInfoSpace = syscall.CmsgSpace(sndInfoLen)

// putSndInfo writes an SCTP_SNDINFO control message into b (at least
// sndInfoSpace octets) and returns its length. The PPID goes in network
// byte order: the kernel copies snd_ppid into the DATA chunk unchanged
// (RFC 6458 §5.3.4 leaves the order to the caller; RFC 9260 §3.3.1 puts
// it on the wire big-endian).
func putSndInfo(b []byte, stream uint16, ppid uint32) int {
	putCmsgHdr(b, solSCTP, cmsgSndInfo, sndInfoLen)
	d := b[syscall.CmsgLen(0):]
	clear(d[:sndInfoLen])
	binary.NativeEndian.PutUint16(d[0:], stream) // snd_sid
	// snd_flags 0: ordered delivery (M3UA needs order per stream).
	binary.BigEndian.PutUint32(d[4:], ppid) // snd_ppid
	return sndInfoSpace
}

func putCmsgHdr(b []byte, level, typ int32, dataLen int) {
	l := syscall.CmsgLen(dataLen)
	if syscall.SizeofCmsghdr == 16 { // size_t cmsg_len on 64-bit
		binary.NativeEndian.PutUint64(b[0:], uint64(l))
		binary.NativeEndian.PutUint32(b[8:], uint32(level))
		binary.NativeEndian.PutUint32(b[12:], uint32(typ))
	} else {
		binary.NativeEndian.PutUint32(b[0:], uint32(l))
		binary.NativeEndian.PutUint32(b[4:], uint32(level))
		binary.NativeEndian.PutUint32(b[8:], uint32(typ))
	}
}

var (
	errCmsg     = errors.New("sctp: malformed control message")
	errNoRcvInf = errors.New("sctp: no SCTP_RCVINFO or SCTP_SNDRCV with the message")
)

// parseRcvInfo finds the stream, PPID and unordered flag of a received
// message in its control messages: SCTP_RCVINFO (what this package asks
// for) or SCTP_SNDRCV (what a socket subscribed to the old data_io event
// gets). It never panics and allocates nothing.
func parseRcvInfo(oob []byte) (transport.Info, error) {
	hdr := syscall.CmsgLen(0)
	for len(oob) > 0 {
		if len(oob) < hdr {
			return transport.Info{}, errCmsg
		}
		var l uint64
		var level, typ uint32
		if syscall.SizeofCmsghdr == 16 {
			l = binary.NativeEndian.Uint64(oob[0:])
			level = binary.NativeEndian.Uint32(oob[8:])
			typ = binary.NativeEndian.Uint32(oob[12:])
		} else {
			l = uint64(binary.NativeEndian.Uint32(oob[0:]))
			level = binary.NativeEndian.Uint32(oob[4:])
			typ = binary.NativeEndian.Uint32(oob[8:])
		}
		if l < uint64(hdr) || l > uint64(len(oob)) {
			return transport.Info{}, errCmsg
		}
		d := oob[hdr:l]
		if level == solSCTP {
			switch {
			case typ == cmsgRcvInfo && len(d) >= rcvInfoLen:
				return transport.Info{
					Stream:    binary.NativeEndian.Uint16(d[0:]),
					PPID:      binary.BigEndian.Uint32(d[8:]),
					Unordered: binary.NativeEndian.Uint16(d[4:])&flagUnordered != 0,
				}, nil
			case typ == cmsgSndRcv && len(d) >= sndRcvLen:
				return transport.Info{
					Stream:    binary.NativeEndian.Uint16(d[0:]),
					PPID:      binary.BigEndian.Uint32(d[8:]),
					Unordered: binary.NativeEndian.Uint16(d[4:])&flagUnordered != 0,
				}, nil
			}
		}
		// Next header at the aligned end of this one (CMSG_NXTHDR).
		next := uint64(syscall.CmsgSpace(int(l) - hdr))
		if next >= uint64(len(oob)) {
			break
		}
		oob = oob[next:]
	}
	return transport.Info{}, errNoRcvInf
}

// decodeStatus reads the negotiated stream counts out of SCTP_STATUS.
func decodeStatus(b []byte) (in, out uint16, err error) {
	if len(b) < statusLen {
		return 0, 0, fmt.Errorf("sctp: SCTP_STATUS answer of %d octets, want %d", len(b), statusLen)
	}
	return binary.NativeEndian.Uint16(b[statusInOff:]), binary.NativeEndian.Uint16(b[statusOutOff:]), nil
}

var errGetAddrs = errors.New("sctp: malformed SCTP_GET_LOCAL_ADDRS/SCTP_GET_PEER_ADDRS answer")

// parseAddrs reads a struct sctp_getaddrs: addr_num sockaddr_in (16
// octets) or sockaddr_in6 (28 octets) one after the other, each with its
// port. IPv4-mapped addresses (an IPv6 socket's view of IPv4 peers) come
// out as IPv4. It never panics and never reads beyond b.
func parseAddrs(b []byte) ([]net.Addr, error) {
	if len(b) < getAddrsHdrLen {
		return nil, fmt.Errorf("%w: %d octets", errGetAddrs, len(b))
	}
	n := binary.NativeEndian.Uint32(b[4:])
	b = b[getAddrsHdrLen:]
	// Each address takes at least 16 octets: bound n before allocating.
	if uint64(n)*syscall.SizeofSockaddrInet4 > uint64(len(b)) {
		return nil, fmt.Errorf("%w: %d addresses in %d octets", errGetAddrs, n, len(b))
	}
	out := make([]net.Addr, 0, n)
	for i := uint32(0); i < n; i++ {
		if len(b) < 2 {
			return nil, fmt.Errorf("%w: address %d cut", errGetAddrs, i)
		}
		var ip netip.Addr
		var size int
		switch f := binary.NativeEndian.Uint16(b); f {
		case syscall.AF_INET:
			size = syscall.SizeofSockaddrInet4
			if len(b) >= size {
				ip = netip.AddrFrom4([4]byte(b[4:8]))
			}
		case syscall.AF_INET6:
			size = syscall.SizeofSockaddrInet6
			if len(b) >= size {
				ip = netip.AddrFrom16([16]byte(b[8:24])).Unmap()
			}
		default:
			return nil, fmt.Errorf("%w: address %d of family %d", errGetAddrs, i, f)
		}
		if len(b) < size {
			return nil, fmt.Errorf("%w: address %d cut", errGetAddrs, i)
		}
		out = append(out, Addr{netip.AddrPortFrom(ip, binary.BigEndian.Uint16(b[2:]))})
		b = b[size:]
	}
	return out, nil
}
