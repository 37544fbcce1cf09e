// Package netdec decodes captured frames down to the transport payload the
// signalling decoders read: link layers (Ethernet, Linux SLL/SLL2, BSD
// loopback, raw IP, MTP2, MTP3), VLAN/QinQ tags, MPLS, IP-in-IP, GRE,
// ERSPAN, IPv4, IPv6 with its extension headers, UDP, TCP and SCTP.
//
// A Decoder is stateless between frames and allocates nothing for a frame
// that decodes; use one per goroutine. Stateful work is separate and runs in
// capture order on one goroutine: a Defragmenter rebuilds IP datagrams from
// fragments (re-decode them with DecodeIP), an SCTPAssembler rebuilds
// fragmented SCTP user messages and drops retransmitted DATA chunks.
//
// Checksums (IPv4 header, UDP, TCP, SCTP CRC32c) are not verified: captures
// taken on the sending host carry whatever checksum offload left there.
package netdec

import (
	"errors"
	"net/netip"
	"strconv"
)

// Link types (LINKTYPE_* values as stored in pcap and pcapng files).
const (
	LinkNull       = 0   // BSD loopback: 4-octet address family in the capturing host's byte order
	LinkEthernet   = 1   // IEEE 802.3 Ethernet
	LinkRawBSD     = 12  // raw IP (DLT_RAW as numbered on most BSDs, seen in old files)
	LinkRawOpenBSD = 14  // raw IP (DLT_RAW as numbered on OpenBSD)
	LinkRaw        = 101 // raw IPv4 or IPv6, told apart by the version nibble
	LinkLoop       = 108 // OpenBSD loopback: address family in network byte order
	LinkLinuxSLL   = 113 // Linux "cooked" capture, version 1
	LinkMTP2Phdr   = 139 // MTP2 preceded by a 4-octet pseudo-header
	LinkMTP2       = 140 // MTP2 signal unit without flags or FCS
	LinkMTP3       = 141 // an MTP3 MSU: SIO, routing label, SIF
	LinkIPv4       = 228 // raw IPv4
	LinkIPv6       = 229 // raw IPv6
	LinkLinuxSLL2  = 276 // Linux "cooked" capture, version 2
)

// SupportedLink reports whether Decode handles frames of link type lt.
func SupportedLink(lt uint16) bool {
	switch lt {
	case LinkNull, LinkEthernet, LinkRawBSD, LinkRawOpenBSD, LinkRaw, LinkLoop, LinkLinuxSLL,
		LinkMTP2Phdr, LinkMTP2, LinkMTP3, LinkIPv4, LinkIPv6, LinkLinuxSLL2:
		return true
	}
	return false
}

// Kind is what a decoded frame carries.
type Kind uint8

const (
	KindNone       Kind = iota // nothing decoded (the frame did not decode)
	KindUDP                    // Payload is the UDP payload
	KindTCP                    // Payload is the TCP segment's data
	KindSCTP                   // Payload is the chunks after the SCTP common header
	KindIPFragment             // Payload is the whole IP fragment (header included), for a Defragmenter
	KindMTP2                   // an MTP2 signal unit: Payload is the MSU (SIO onwards), empty for FISU and LSSU
	KindMTP3                   // Payload is the MSU of a DLT 141 frame
	KindOther                  // something this package does not decode (ARP, ICMP, ESP, …); Payload is what follows the last header understood
)

var kindNames = [...]string{"KindNone", "KindUDP", "KindTCP", "KindSCTP", "KindIPFragment", "KindMTP2", "KindMTP3", "KindOther"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// TCP flags (the low octet of the TCP flags field, RFC 9293 §3.1).
const (
	TCPFin = 0x01
	TCPSyn = 0x02
	TCPRst = 0x04
	TCPPsh = 0x08
	TCPAck = 0x10
	TCPUrg = 0x20
	TCPEce = 0x40
	TCPCwr = 0x80
)

// LSSUStatus is the status indication of an MTP2 link status signal unit
// (Q.703 §11.1.2, bits C B A of the status field).
type LSSUStatus uint8

const (
	SIO  LSSUStatus = iota // out of alignment
	SIN                    // normal alignment
	SIE                    // emergency alignment
	SIOS                   // out of service
	SIPO                   // processor outage
	SIB                    // busy
)

var lssuNames = [...]string{"SIO", "SIN", "SIE", "SIOS", "SIPO", "SIB"}

func (s LSSUStatus) String() string {
	if int(s) < len(lssuNames) {
		return lssuNames[s]
	}
	return "LSSUStatus(" + strconv.Itoa(int(s)) + ")"
}

// Packet is one decoded frame. Payload aliases the frame passed to Decode.
type Packet struct {
	Kind     Kind
	LinkType uint16

	// Innermost IP header.
	IPVersion uint8 // 4 or 6; 0 when the frame has no IP
	IPProto   uint8 // protocol (IPv4) or last next header (IPv6, after extension headers)
	Src, Dst  netip.Addr

	SrcPort, DstPort uint16 // UDP, TCP, SCTP

	// Payload: see Kind.
	Payload []byte

	// Truncated is set when the frame holds fewer octets than an IP or UDP
	// length field announces (a snap length cut it): Payload is what was
	// captured.
	Truncated bool

	// Tunnels counts the encapsulations peeled to reach the innermost IP
	// header: one per IP-in-IP header and one per GRE header (whatever GRE
	// carries: IP, Ethernet, ERSPAN). VLAN tags and MPLS labels do not count.
	Tunnels uint8

	// TCP
	Seq, Ack uint32
	TCPFlags uint8

	// SCTP
	VTag uint32

	// IP fragments (KindIPFragment): the identification, the offset of
	// this fragment's data in the datagram in octets, and the more
	// fragments flag.
	FragID        uint32
	FragOffset    uint16
	MoreFragments bool

	// MTP2 (DLT 140 and 139). LI < 3 means FISU (0) or LSSU (1, 2: LSSU
	// holds the status). BSN and FSN are 7 bits, or 12 with Q.703 Annex A
	// extended sequence numbers (DLT 139 says when); LI is then 9 bits.
	BSN, FSN uint16
	BIB, FIB bool
	LI       uint16
	LSSU     LSSUStatus
	// DLT 139 pseudo-header.
	MTP2Sent bool   // sent (true) or received by the capturing host
	MTP2Link uint16 // link number
}

// Layer names where a decoding error happened.
type Layer uint8

const (
	LayerLink Layer = iota // the link type itself
	LayerNull
	LayerEthernet
	LayerVLAN
	LayerLLC
	LayerMPLS
	LayerSLL
	LayerSLL2
	LayerIP // raw IP whose version nibble is neither 4 nor 6
	LayerIPv4
	LayerIPv6
	LayerIPv6Ext
	LayerGRE
	LayerERSPAN
	LayerUDP
	LayerTCP
	LayerSCTP
	LayerSCTPChunk
	LayerMTP2
	LayerMTP3
	LayerFragment // IP reassembly
)

var layerNames = [...]string{"link", "null", "ethernet", "vlan", "llc", "mpls", "sll", "sll2", "ip", "ipv4",
	"ipv6", "ipv6 extension header", "gre", "erspan", "udp", "tcp", "sctp", "sctp chunk", "mtp2", "mtp3", "ip fragment"}

func (l Layer) String() string {
	if int(l) < len(layerNames) {
		return layerNames[l]
	}
	return "Layer(" + strconv.Itoa(int(l)) + ")"
}

// Sentinel errors, wrapped in *Error by the decoders.
var (
	ErrTruncated       = errors.New("truncated")
	ErrUnsupportedLink = errors.New("unsupported link type")
	ErrBadHeader       = errors.New("bad header")
	ErrTooDeep         = errors.New("too many nested headers")
	ErrNotData         = errors.New("not a DATA or I-DATA chunk")
	ErrNotFragment     = errors.New("not an IP fragment")
	ErrOverlap         = errors.New("fragments overlap with different contents")
	ErrTooBig          = errors.New("reassembled datagram too big")
	ErrTooMany         = errors.New("too many fragments")
)

// Error says at which layer and offset a frame failed to decode, and why.
// Offsets count from the start of the frame (of the datagram for DecodeIP,
// of the first chunk for SCTPChunks).
type Error struct {
	Layer  Layer
	Offset int
	Err    error  // one of the sentinels above
	Why    string // detail, may be empty
}

func (e *Error) Error() string {
	s := "netdec: " + e.Layer.String() + " at offset " + strconv.Itoa(e.Offset) + ": " + e.Err.Error()
	if e.Why != "" {
		s += ": " + e.Why
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

func errAt(l Layer, off int, err error, why string) error {
	return &Error{Layer: l, Offset: off, Err: err, Why: why}
}

func truncated(l Layer, off int, why string) error { return errAt(l, off, ErrTruncated, why) }

func bad(l Layer, off int, why string) error { return errAt(l, off, ErrBadHeader, why) }

func be16(b []byte) uint16 { _ = b[1]; return uint16(b[0])<<8 | uint16(b[1]) }

func be32(b []byte) uint32 {
	_ = b[3]
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func le16(b []byte) uint16 { _ = b[1]; return uint16(b[1])<<8 | uint16(b[0]) }

func le32(b []byte) uint32 {
	_ = b[3]
	return uint32(b[3])<<24 | uint32(b[2])<<16 | uint32(b[1])<<8 | uint32(b[0])
}
