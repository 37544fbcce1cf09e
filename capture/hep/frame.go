package hep

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"net/netip"
)

// ErrTooLarge: the payload does not fit one IP packet.
var ErrTooLarge = errors.New("payload too large for one IP packet")

// Signalling reports whether p carries what sipsniff decodes: SIP, or
// SS7 over M2UA, M3UA or M2PA.
func (p *Packet) Signalling() bool {
	switch p.Type {
	case TypeSIP, TypeM2UA, TypeM3UA, TypeM2PA:
		return len(p.Payload) > 0
	}
	return false
}

// flow is one direction of a copied connection.
type flow struct {
	src, dst netip.AddrPort
}

type sctpFlow struct {
	tsn uint32
	ssn uint16
}

// Streams numbers the TCP segments and SCTP DATA chunks that Frame
// builds, per direction, as the connection they were copied from did:
// the payloads of one direction are consecutive bytes of its stream, so
// TCP reassembly frames the SIP messages as from a wire (a HEP copy of a
// TCP segment may hold part of a message, or several). The zero value is
// ready; it remembers at most maxFlows directions (then starts over, as
// a capture starting mid-stream would).
type Streams struct {
	tcp  map[flow]uint32
	sctp map[flow]*sctpFlow
}

const maxFlows = 1 << 16

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Frame appends to dst the IP packet (raw IPv4 or IPv6: link type RAW)
// that p's payload came in: a UDP datagram, a TCP segment (PSH, ACK) or
// an SCTP packet with one unfragmented DATA chunk (payload protocol 2 for
// M2UA, 3 for M3UA, 5 for M2PA, 0 for SIP), with valid checksums.
func (s *Streams) Frame(dst []byte, p *Packet) ([]byte, error) {
	if !p.Signalling() {
		return dst, fmt.Errorf("hep: payload type %d (%d octets) is not signalling", p.Type, len(p.Payload))
	}
	transport, ppid := uint8(ProtoUDP), uint32(0)
	switch {
	case p.Type == TypeM2UA:
		transport, ppid = ProtoSCTP, 2
	case p.Type == TypeM3UA:
		transport, ppid = ProtoSCTP, 3
	case p.Type == TypeM2PA:
		transport, ppid = ProtoSCTP, 5
	case p.Proto == ProtoTCP || p.Proto == ProtoSCTP:
		transport = p.Proto
	}
	var thl int
	switch transport {
	case ProtoUDP:
		thl = 8
	case ProtoTCP:
		thl = 20
	default:
		thl = 12 + 16
	}
	n := len(p.Payload)
	pad := 0
	if transport == ProtoSCTP {
		pad = (4 - n%4) % 4
	}
	v6 := p.Src.Addr().Is6() && !p.Src.Addr().Is4In6()
	ipl := 20
	if v6 {
		ipl = 40
	}
	if thl+n+pad > 65535-ipl {
		return dst, fmt.Errorf("hep: %w: %d octets", ErrTooLarge, n)
	}
	start := len(dst)
	dst = append(dst, make([]byte, ipl+thl)...)
	dst = append(dst, p.Payload...)
	dst = append(dst, make([]byte, pad)...)
	pkt := dst[start:]
	seg := pkt[ipl:]

	src, dsta := p.Src.Addr().Unmap(), p.Dst.Addr().Unmap()
	if v6 {
		pkt[0] = 0x60
		binary.BigEndian.PutUint16(pkt[4:], uint16(len(seg)))
		pkt[6], pkt[7] = transport, 64
		a, b := src.As16(), dsta.As16()
		copy(pkt[8:], a[:])
		copy(pkt[24:], b[:])
	} else {
		pkt[0] = 0x45
		binary.BigEndian.PutUint16(pkt[2:], uint16(len(pkt)))
		binary.BigEndian.PutUint16(pkt[6:], 0x4000) // don't fragment
		pkt[8], pkt[9] = 64, transport
		a, b := src.As4(), dsta.As4()
		copy(pkt[12:], a[:])
		copy(pkt[16:], b[:])
		binary.BigEndian.PutUint16(pkt[10:], ^fold(sum(0, pkt[:20])))
	}
	binary.BigEndian.PutUint16(seg[0:], p.Src.Port())
	binary.BigEndian.PutUint16(seg[2:], p.Dst.Port())
	k := flow{p.Src, p.Dst}
	switch transport {
	case ProtoUDP:
		binary.BigEndian.PutUint16(seg[4:], uint16(len(seg)))
		c := ^fold(sum(pseudo(pkt, v6, transport, len(seg)), seg))
		if c == 0 {
			c = 0xffff
		}
		binary.BigEndian.PutUint16(seg[6:], c)
	case ProtoTCP:
		if s.tcp == nil || len(s.tcp) >= maxFlows {
			s.tcp = map[flow]uint32{}
		}
		seq, ok := s.tcp[k]
		if !ok {
			seq = flowHash(k)
		}
		s.tcp[k] = seq + uint32(n)
		binary.BigEndian.PutUint32(seg[4:], seq)
		seg[12] = 5 << 4
		seg[13] = 0x18 // PSH, ACK
		binary.BigEndian.PutUint16(seg[14:], 65535)
		binary.BigEndian.PutUint16(seg[16:], ^fold(sum(pseudo(pkt, v6, transport, len(seg)), seg)))
	default:
		if s.sctp == nil || len(s.sctp) >= maxFlows {
			s.sctp = map[flow]*sctpFlow{}
		}
		st := s.sctp[k]
		if st == nil {
			st = &sctpFlow{tsn: flowHash(k)}
			s.sctp[k] = st
		}
		binary.BigEndian.PutUint32(seg[4:], flowHash(flow{k.dst, k.src})) // verification tag: the peer's
		ch := seg[12:]
		ch[0], ch[1] = 0, 0x03 // DATA, beginning and end
		binary.BigEndian.PutUint16(ch[2:], uint16(16+n))
		binary.BigEndian.PutUint32(ch[4:], st.tsn)
		binary.BigEndian.PutUint16(ch[10:], st.ssn)
		binary.BigEndian.PutUint32(ch[12:], ppid)
		st.tsn++
		st.ssn++
		binary.LittleEndian.PutUint32(seg[8:], crc32.Checksum(seg, castagnoli))
	}
	return dst, nil
}

// flowHash is a flow's starting sequence number: any value will do, a
// different one per flow looks like real captures.
func flowHash(k flow) uint32 {
	h := uint32(2166136261)
	for _, ap := range [2]netip.AddrPort{k.src, k.dst} {
		b := ap.Addr().As16()
		for _, x := range b {
			h = (h ^ uint32(x)) * 16777619
		}
		h = (h ^ uint32(ap.Port())) * 16777619
	}
	return h
}

// sum adds b as big-endian 16-bit words to s (RFC 1071).
func sum(s uint32, b []byte) uint32 {
	for len(b) >= 2 {
		s += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
	}
	return s
}

func fold(s uint32) uint16 {
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return uint16(s)
}

// pseudo is the sum of the pseudo-header of the UDP or TCP checksum.
func pseudo(pkt []byte, v6 bool, proto uint8, n int) uint32 {
	var s uint32
	if v6 {
		s = sum(0, pkt[8:40])
	} else {
		s = sum(0, pkt[12:20])
	}
	return s + uint32(proto) + uint32(n)
}
