// Package hep decodes HEP, the Homer Encapsulation Protocol (also EEP) in
// which SIP servers (Kamailio's siptrace, OpenSIPS, FreeSWITCH) and capture
// agents (heplify, captagent) send copies of the signalling they see to a
// collector: version 1 and 2 (a fixed header: family, protocol, ports,
// addresses, version 2 a time header) and version 3 (typed chunks,
// network byte order).
//
// Decode aliases the datagram and allocates nothing, except for a gzip
// payload (chunk 16), which it inflates up to MaxPayload. Frame rebuilds
// the IP packet the copy came from (raw IPv4 or IPv6, with a UDP, TCP or
// SCTP header), so that sipsniff decodes HEP input as it decodes packets
// from a wire: TCP segments carry per-flow sequence numbers and SCTP
// chunks per-association TSNs, so the reassemblers see streams.
package hep

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
)

// Payload types (HEP3 chunk 11) sipsniff decodes; other types (RTCP
// reports, logs, DNS…) are not signalling it knows.
const (
	TypeSIP  = 0x01
	TypeM2UA = 0x08
	TypeM3UA = 0x09
	TypeM2PA = 0x0d
)

// IP protocols.
const (
	ProtoTCP  = 6
	ProtoUDP  = 17
	ProtoSCTP = 132
)

// MaxPayload bounds a payload inflated from a compressed chunk: larger
// than any SIP message over UDP, TCP or SCTP that a capture would hold.
const MaxPayload = 256 << 10

// Errors, wrapped in a *DecodeError that says where.
var (
	ErrShort      = errors.New("datagram too short")
	ErrVersion    = errors.New("not HEP (no known version)")
	ErrLength     = errors.New("length does not match the datagram")
	ErrChunk      = errors.New("bad chunk")
	ErrFamily     = errors.New("unknown address family")
	ErrAddress    = errors.New("addresses missing or of the wrong family")
	ErrCompressed = errors.New("compressed payload does not inflate")
)

// DecodeError is a packet that does not decode: what and where.
type DecodeError struct {
	Version int
	Offset  int
	Chunk   uint16 // HEP3 chunk type, 0 outside chunks
	Err     error
}

func (e *DecodeError) Error() string {
	if e.Chunk != 0 {
		return fmt.Sprintf("hep v%d: chunk %d at offset %d: %v", e.Version, e.Chunk, e.Offset, e.Err)
	}
	return fmt.Sprintf("hep v%d: offset %d: %v", e.Version, e.Offset, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Packet is one decoded HEP datagram.
type Packet struct {
	Version   int
	Family    uint8 // 2 (AF_INET) or 10 (AF_INET6)
	Proto     uint8 // IP protocol of the copied packet
	Src, Dst  netip.AddrPort
	Time      int64 // unix nanoseconds; 0 when the packet has none
	Type      uint8 // payload type (HEP3 chunk 11; SIP for versions 1 and 2)
	CaptureID uint32
	VLAN      uint16
	AuthKey   []byte
	// Payload is the copied packet's payload (its transport payload: a SIP
	// message, an M3UA message…). It aliases the datagram unless it came
	// compressed. Empty for a keep-alive.
	Payload []byte

	inflated []byte // storage of an inflated payload, reused
}

// Address families as HEP carries them (Linux values).
const (
	afInet  = 2
	afInet6 = 10
)

// Decode decodes datagram b into p. p's byte fields alias b.
func Decode(b []byte, p *Packet) error {
	*p = Packet{inflated: p.inflated[:0]}
	switch {
	case len(b) >= 4 && string(b[:4]) == "HEP3":
		return p.decode3(b)
	case len(b) >= 1 && (b[0] == 1 || b[0] == 2):
		return p.decode12(b)
	case len(b) < 4:
		return &DecodeError{Err: ErrShort}
	}
	return &DecodeError{Err: ErrVersion}
}

// decode12 reads versions 1 and 2: version, header length, family,
// protocol, ports (network order), addresses; version 2 then has a time
// header (seconds, microseconds, capture ID, in the sender's byte order —
// little-endian on every sender in use — padded to 12 octets as C lays
// the struct out), and the payload follows.
func (p *Packet) decode12(b []byte) error {
	v := int(b[0])
	p.Version, p.Type = v, TypeSIP
	if len(b) < 8 {
		return &DecodeError{Version: v, Err: ErrShort}
	}
	hl := int(b[1])
	p.Family, p.Proto = b[2], b[3]
	sport, dport := binary.BigEndian.Uint16(b[4:]), binary.BigEndian.Uint16(b[6:])
	var alen int
	switch p.Family {
	case afInet:
		alen = 4
	case afInet6:
		alen = 16
	default:
		return &DecodeError{Version: v, Offset: 2, Err: ErrFamily}
	}
	if hl != 8+2*alen {
		return &DecodeError{Version: v, Offset: 1, Err: fmt.Errorf("%w: header length %d for family %d", ErrLength, hl, p.Family)}
	}
	if len(b) < hl {
		return &DecodeError{Version: v, Offset: len(b), Err: ErrShort}
	}
	src, _ := netip.AddrFromSlice(b[8 : 8+alen])
	dst, _ := netip.AddrFromSlice(b[8+alen : 8+2*alen])
	p.Src, p.Dst = netip.AddrPortFrom(src, sport), netip.AddrPortFrom(dst, dport)
	off := hl
	if v == 2 {
		const timeHdr = 12
		if len(b) < off+timeHdr {
			return &DecodeError{Version: v, Offset: len(b), Err: ErrShort}
		}
		sec, usec := binary.LittleEndian.Uint32(b[off:]), binary.LittleEndian.Uint32(b[off+4:])
		if usec >= 1e6 {
			return &DecodeError{Version: v, Offset: off + 4, Err: fmt.Errorf("%w: %d microseconds", ErrLength, usec)}
		}
		p.Time = int64(sec)*1e9 + int64(usec)*1e3
		p.CaptureID = uint32(binary.LittleEndian.Uint16(b[off+8:]))
		off += timeHdr
	}
	p.Payload = b[off:len(b):len(b)]
	return nil
}

// HEP3 chunk types of the generic vendor (0).
const (
	chFamily      = 1
	chProto       = 2
	chSrc4        = 3
	chDst4        = 4
	chSrc6        = 5
	chDst6        = 6
	chSrcPort     = 7
	chDstPort     = 8
	chTimeSec     = 9
	chTimeUsec    = 10
	chType        = 11
	chCaptureID   = 12
	chKeepAlive   = 13
	chAuthKey     = 14
	chPayload     = 15
	chCompressed  = 16
	chCorrelation = 17
	chVLAN        = 18
)

// decode3 reads version 3: "HEP3", the total length, then chunks (vendor,
// type, length including the 6-octet chunk header, value).
func (p *Packet) decode3(b []byte) error {
	p.Version = 3
	if len(b) < 6 {
		return &DecodeError{Version: 3, Err: ErrShort}
	}
	total := int(binary.BigEndian.Uint16(b[4:]))
	if total < 6 || total > len(b) {
		return &DecodeError{Version: 3, Offset: 4, Err: fmt.Errorf("%w: total length %d, datagram %d", ErrLength, total, len(b))}
	}
	b = b[:total]
	var (
		src4, dst4, src6, dst6 []byte
		sport, dport           uint16
		sec, usec              uint32
		haveSec                bool
		compressed             []byte
		haveFamily             bool
	)
	for off := 6; off < len(b); {
		if len(b)-off < 6 {
			return &DecodeError{Version: 3, Offset: off, Err: fmt.Errorf("%w: %d octets left, a chunk header needs 6", ErrChunk, len(b)-off)}
		}
		vendor, typ := binary.BigEndian.Uint16(b[off:]), binary.BigEndian.Uint16(b[off+2:])
		n := int(binary.BigEndian.Uint16(b[off+4:]))
		if n < 6 || off+n > len(b) {
			return &DecodeError{Version: 3, Offset: off, Chunk: typ, Err: fmt.Errorf("%w: length %d, %d octets left", ErrChunk, n, len(b)-off)}
		}
		v := b[off+6 : off+n : off+n]
		at := off
		off += n
		if vendor != 0 {
			continue // a vendor's own chunk: not ours to read
		}
		bad := func(want int) error {
			return &DecodeError{Version: 3, Offset: at, Chunk: typ, Err: fmt.Errorf("%w: %d octets, want %d", ErrChunk, len(v), want)}
		}
		switch typ {
		case chFamily:
			if len(v) != 1 {
				return bad(1)
			}
			p.Family, haveFamily = v[0], true
		case chProto:
			if len(v) != 1 {
				return bad(1)
			}
			p.Proto = v[0]
		case chSrc4, chDst4:
			if len(v) != 4 {
				return bad(4)
			}
			if typ == chSrc4 {
				src4 = v
			} else {
				dst4 = v
			}
		case chSrc6, chDst6:
			if len(v) != 16 {
				return bad(16)
			}
			if typ == chSrc6 {
				src6 = v
			} else {
				dst6 = v
			}
		case chSrcPort, chDstPort:
			if len(v) != 2 {
				return bad(2)
			}
			if typ == chSrcPort {
				sport = binary.BigEndian.Uint16(v)
			} else {
				dport = binary.BigEndian.Uint16(v)
			}
		case chTimeSec:
			if len(v) != 4 {
				return bad(4)
			}
			sec, haveSec = binary.BigEndian.Uint32(v), true
		case chTimeUsec:
			if len(v) != 4 {
				return bad(4)
			}
			usec = binary.BigEndian.Uint32(v)
		case chType:
			if len(v) != 1 {
				return bad(1)
			}
			p.Type = v[0]
		case chCaptureID:
			// Four octets in the specification; some senders use two.
			switch len(v) {
			case 4:
				p.CaptureID = binary.BigEndian.Uint32(v)
			case 2:
				p.CaptureID = uint32(binary.BigEndian.Uint16(v))
			default:
				return bad(4)
			}
		case chVLAN:
			if len(v) != 2 {
				return bad(2)
			}
			p.VLAN = binary.BigEndian.Uint16(v)
		case chAuthKey:
			p.AuthKey = v
		case chPayload:
			p.Payload = v
		case chCompressed:
			compressed = v
		}
	}
	if !haveFamily {
		// Older senders leave the family out: the addresses say it.
		switch {
		case src4 != nil:
			p.Family = afInet
		case src6 != nil:
			p.Family = afInet6
		}
	}
	var src, dst netip.Addr
	switch p.Family {
	case afInet:
		if src4 == nil || dst4 == nil {
			return &DecodeError{Version: 3, Err: ErrAddress}
		}
		src, _ = netip.AddrFromSlice(src4)
		dst, _ = netip.AddrFromSlice(dst4)
	case afInet6:
		if src6 == nil || dst6 == nil {
			return &DecodeError{Version: 3, Err: ErrAddress}
		}
		src, _ = netip.AddrFromSlice(src6)
		dst, _ = netip.AddrFromSlice(dst6)
	default:
		return &DecodeError{Version: 3, Err: fmt.Errorf("%w %d", ErrFamily, p.Family)}
	}
	p.Src, p.Dst = netip.AddrPortFrom(src, sport), netip.AddrPortFrom(dst, dport)
	if haveSec {
		p.Time = int64(sec)*1e9 + int64(usec%1e6)*1e3
	}
	if p.Payload == nil && compressed != nil {
		if err := p.inflate(compressed); err != nil {
			return &DecodeError{Version: 3, Chunk: chCompressed, Err: err}
		}
	}
	return nil
}

// inflate decompresses a gzip (or zlib-less deflate in gzip framing)
// payload into p's own buffer, at most MaxPayload octets.
func (p *Packet) inflate(z []byte) error {
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrCompressed, err)
	}
	w := bytes.NewBuffer(p.inflated[:0])
	n, err := io.Copy(w, io.LimitReader(zr, MaxPayload+1))
	p.inflated = w.Bytes()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrCompressed, err)
	}
	if n > MaxPayload {
		return fmt.Errorf("%w: more than %d octets", ErrCompressed, MaxPayload)
	}
	p.Payload = p.inflated
	return nil
}

// Append3 appends p encoded as HEP3 to dst: family, protocol, addresses,
// ports, time (when set), payload type, capture ID, auth key (when set),
// payload. Decode reads it back as it was (a packet of another version
// comes back as version 3).
func Append3(dst []byte, p *Packet) []byte {
	start := len(dst)
	dst = append(dst, "HEP3\x00\x00"...)
	chunk := func(typ uint16, v ...byte) {
		dst = binary.BigEndian.AppendUint16(dst, 0)
		dst = binary.BigEndian.AppendUint16(dst, typ)
		dst = binary.BigEndian.AppendUint16(dst, uint16(6+len(v)))
		dst = append(dst, v...)
	}
	src, dsta := p.Src.Addr(), p.Dst.Addr()
	if src.Is4() {
		chunk(chFamily, afInet)
		a, b := src.As4(), dsta.As4()
		chunk(chSrc4, a[:]...)
		chunk(chDst4, b[:]...)
	} else {
		chunk(chFamily, afInet6)
		a, b := src.As16(), dsta.As16()
		chunk(chSrc6, a[:]...)
		chunk(chDst6, b[:]...)
	}
	chunk(chProto, p.Proto)
	chunk(chSrcPort, byte(p.Src.Port()>>8), byte(p.Src.Port()))
	chunk(chDstPort, byte(p.Dst.Port()>>8), byte(p.Dst.Port()))
	if p.Time != 0 {
		chunk(chTimeSec, binary.BigEndian.AppendUint32(nil, uint32(p.Time/1e9))...)
		chunk(chTimeUsec, binary.BigEndian.AppendUint32(nil, uint32(p.Time%1e9/1e3))...)
	}
	chunk(chType, p.Type)
	chunk(chCaptureID, binary.BigEndian.AppendUint32(nil, p.CaptureID)...)
	if p.VLAN != 0 {
		chunk(chVLAN, byte(p.VLAN>>8), byte(p.VLAN))
	}
	if len(p.AuthKey) > 0 {
		chunk(chAuthKey, p.AuthKey...)
	}
	chunk(chPayload, p.Payload...)
	binary.BigEndian.PutUint16(dst[start+4:], uint16(len(dst)-start))
	return dst
}
