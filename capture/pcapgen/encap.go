package pcapgen

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// More link types Frame builds.
const (
	LinkNull     = layers.LinkTypeNull      // 0: BSD loopback, address family in host order
	LinkRaw      = layers.LinkTypeRaw       // 101: raw IPv4 or IPv6
	LinkLoop     = layers.LinkTypeLoop      // 108: address family in network order
	LinkSLL      = layers.LinkTypeLinuxSLL  // 113
	LinkMTP2Phdr = layers.LinkTypeMTP2Phdr  // 139: MTP2 with a 4-octet pseudo-header
	LinkIPv4     = layers.LinkTypeIPv4      // 228
	LinkIPv6     = layers.LinkType(229)     // raw IPv6
	LinkSLL2     = layers.LinkTypeLinuxSLL2 // 276
)

// Errors of the frame builders.
var (
	ErrLayer = errors.New("pcapgen: layer does not fit what it wraps")
	ErrMTU   = errors.New("pcapgen: MTU too small to fragment")
)

// content is what a Frame's bytes are at this point of the building.
type content uint8

const (
	contentIPv4 content = iota + 1
	contentIPv6
	contentEthernet
	contentMPLS
	contentLink // a link-layer frame other than Ethernet: nothing wraps it
)

var contentNames = [...]string{"", "IPv4", "IPv6", "Ethernet", "MPLS", "link frame"}

func (c content) String() string { return contentNames[c] }

// Frame is a frame under construction, built from the inside out: start
// from an IP packet (NewUDP, NewTCP, NewSCTP, NewIP, FromIP) and wrap it in
// tunnels (IPinIP, GRE, ERSPAN2 …) and finally a link layer (Ethernet,
// SLL, SLL2, Null, Loop, Raw). Each method returns the Frame for chaining;
// the first error sticks and Bytes returns it.
//
//	f := pcapgen.NewUDP(a, b, sip).Ethernet().ERSPAN2(tunA, tunB, pcapgen.ERSPAN{Session: 7}).Ethernet(pcapgen.Dot1Q(100))
type Frame struct {
	b    []byte
	c    content
	link layers.LinkType
	err  error
}

var ipID atomic.Uint32

// nextID numbers the IPv4 packets the builders make, so that fragments of
// different packets are not mixed up.
func nextID() uint16 { return uint16(ipID.Add(1)) }

// FromIP starts a Frame from a whole IPv4 or IPv6 packet.
func FromIP(packet []byte) *Frame {
	f := &Frame{b: packet}
	switch {
	case len(packet) >= 20 && packet[0]>>4 == 4:
		f.c = contentIPv4
	case len(packet) >= 40 && packet[0]>>4 == 6:
		f.c = contentIPv6
	default:
		f.err = fmt.Errorf("%w: %d octets are not an IP packet", ErrLayer, len(packet))
	}
	return f
}

// FromEthernet starts a Frame from an Ethernet frame (to wrap it in GRE or
// ERSPAN).
func FromEthernet(frame []byte) *Frame {
	return &Frame{b: frame, c: contentEthernet, link: Ethernet}
}

// NewIP builds an IPv4 or IPv6 packet (by the addresses' version) with the
// given protocol and payload.
func NewIP(src, dst netip.Addr, proto uint8, payload []byte) *Frame {
	b, err := ipPacket(src, dst, layers.IPProtocol(proto), nil, gopacket.Payload(payload))
	return fromIPErr(b, err)
}

// NewUDP builds an IP/UDP packet with lengths and checksum.
func NewUDP(src, dst netip.AddrPort, payload []byte) *Frame {
	udp := &layers.UDP{SrcPort: layers.UDPPort(src.Port()), DstPort: layers.UDPPort(dst.Port())}
	b, err := ipPacket(src.Addr(), dst.Addr(), layers.IPProtocolUDP, udp, udp, gopacket.Payload(payload))
	return fromIPErr(b, err)
}

// NewTCP builds an IP/TCP segment; flags is the TCP flags octet (FIN 0x01,
// SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10).
func NewTCP(src, dst netip.AddrPort, seq, ack uint32, flags uint8, payload []byte) *Frame {
	b, err := TCPSegment(src, dst, seq, ack, flags, payload)
	return fromIPErr(b, err)
}

// TCPSegment returns an IP/TCP packet with lengths and checksum.
func TCPSegment(src, dst netip.AddrPort, seq, ack uint32, flags uint8, payload []byte) ([]byte, error) {
	tcp := &layers.TCP{
		SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()),
		Seq: seq, Ack: ack, Window: 65535,
		FIN: flags&0x01 != 0, SYN: flags&0x02 != 0, RST: flags&0x04 != 0, PSH: flags&0x08 != 0,
		ACK: flags&0x10 != 0, URG: flags&0x20 != 0, ECE: flags&0x40 != 0, CWR: flags&0x80 != 0,
	}
	return ipPacket(src.Addr(), dst.Addr(), layers.IPProtocolTCP, tcp, tcp, gopacket.Payload(payload))
}

// NewSCTP builds an IP/SCTP packet holding the chunks, with its CRC32c.
func NewSCTP(src, dst netip.AddrPort, vtag uint32, chunks ...Chunk) *Frame {
	if len(chunks) == 0 {
		return &Frame{err: ErrNoChunks}
	}
	var body []byte
	for _, c := range chunks {
		body = c.AppendChunk(body)
	}
	sctp := &layers.SCTP{SrcPort: layers.SCTPPort(src.Port()), DstPort: layers.SCTPPort(dst.Port()), VerificationTag: vtag}
	b, err := ipPacket(src.Addr(), dst.Addr(), layers.IPProtocolSCTP, nil, sctp, gopacket.Payload(body))
	return fromIPErr(b, err)
}

func fromIPErr(b []byte, err error) *Frame {
	if err != nil {
		return &Frame{err: err}
	}
	return FromIP(b)
}

// ipPacket serializes an IPv4 or IPv6 header and the layers after it into
// a fresh buffer (gopacket's PrependBytes does not zero reused memory).
func ipPacket(src, dst netip.Addr, proto layers.IPProtocol, nl interface {
	SetNetworkLayerForChecksum(gopacket.NetworkLayer) error
}, ls ...gopacket.SerializableLayer) ([]byte, error) {
	src, dst = src.Unmap(), dst.Unmap()
	if src.Is4() != dst.Is4() || !src.IsValid() {
		return nil, fmt.Errorf("%w: %v → %v", ErrAddrMix, src, dst)
	}
	var net gopacket.NetworkLayer
	var sl gopacket.SerializableLayer
	if src.Is4() {
		ip := &layers.IPv4{Version: 4, TTL: 64, Id: nextID(), Flags: layers.IPv4DontFragment, Protocol: proto,
			SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
		net, sl = ip, ip
	} else {
		ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: proto, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
		net, sl = ip, ip
	}
	if nl != nil {
		if err := nl.SetNetworkLayerForChecksum(net); err != nil {
			return nil, err
		}
	}
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, append([]gopacket.SerializableLayer{sl}, ls...)...); err != nil {
		return nil, err
	}
	if n := len(buf.Bytes()); (src.Is4() && n > 65535) || (!src.Is4() && n > 65535+40) {
		return nil, fmt.Errorf("%w: %d octets of IP", ErrTooLarge, n)
	}
	return buf.Bytes(), nil
}

// Bytes returns the frame, or the first error met while building it.
func (f *Frame) Bytes() ([]byte, error) { return f.b, f.err }

// Err returns the first error met while building the frame.
func (f *Frame) Err() error { return f.err }

// LinkType returns the link type of the outermost layer: Ethernet after
// Ethernet, LinkSLL after SLL, …, LinkRaw for a bare IP packet.
func (f *Frame) LinkType() layers.LinkType {
	switch f.c {
	case contentIPv4, contentIPv6:
		return LinkRaw
	}
	return f.link
}

func (f *Frame) need(layer string, cs ...content) bool {
	if f.err != nil {
		return false
	}
	for _, c := range cs {
		if f.c == c {
			return true
		}
	}
	f.err = fmt.Errorf("%w: %s cannot wrap %v", ErrLayer, layer, f.c)
	return false
}

// prepend serializes layers in front of the frame's bytes.
func (f *Frame) prepend(ls ...gopacket.SerializableLayer) {
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, append(ls, gopacket.Payload(f.b))...); err != nil {
		f.err = err
		return
	}
	f.b = buf.Bytes()
}

// addrs returns the addresses of an IP frame's header.
func (f *Frame) addrs() (src, dst netip.Addr) {
	if f.c == contentIPv4 {
		return netip.AddrFrom4([4]byte(f.b[12:16])), netip.AddrFrom4([4]byte(f.b[16:20]))
	}
	return netip.AddrFrom16([16]byte(f.b[8:24])), netip.AddrFrom16([16]byte(f.b[24:40]))
}

// outerIP puts an IP header with protocol proto around the frame.
func (f *Frame) outerIP(src, dst netip.Addr, proto layers.IPProtocol) {
	b, err := ipPacket(src, dst, proto, nil, gopacket.Payload(f.b))
	if err != nil {
		f.err = err
		return
	}
	f.b, f.link = b, 0
	f.c = contentIPv6
	if src.Unmap().Is4() {
		f.c = contentIPv4
	}
}

// IPinIP wraps an IP packet in an outer IPv4 or IPv6 header (protocol 4
// for IPv4 inside, 41 for IPv6 inside).
func (f *Frame) IPinIP(src, dst netip.Addr) *Frame {
	if !f.need("IP-in-IP", contentIPv4, contentIPv6) {
		return f
	}
	proto := layers.IPProtocolIPv4
	if f.c == contentIPv6 {
		proto = layers.IPProtocolIPv6
	}
	f.outerIP(src, dst, proto)
	return f
}

// GREOptions are the optional GRE fields (RFC 2784, RFC 2890).
type GREOptions struct {
	Checksum   bool
	Key        uint32
	KeyPresent bool
	Seq        uint32
	SeqPresent bool
}

// GRE wraps the frame in GRE over IP: IP inside (protocol type 0x0800 or
// 0x86dd), Ethernet (transparent Ethernet bridging, 0x6558) or MPLS
// (0x8847).
func (f *Frame) GRE(src, dst netip.Addr, o GREOptions) *Frame {
	if !f.need("GRE", contentIPv4, contentIPv6, contentEthernet, contentMPLS) {
		return f
	}
	proto := map[content]layers.EthernetType{
		contentIPv4: layers.EthernetTypeIPv4, contentIPv6: layers.EthernetTypeIPv6,
		contentEthernet: layers.EthernetTypeTransparentEthernetBridging, contentMPLS: layers.EthernetTypeMPLSUnicast,
	}[f.c]
	return f.gre(src, dst, proto, o)
}

func (f *Frame) gre(src, dst netip.Addr, proto layers.EthernetType, o GREOptions, inner ...gopacket.SerializableLayer) *Frame {
	g := &layers.GRE{Protocol: proto, ChecksumPresent: o.Checksum, KeyPresent: o.KeyPresent, Key: o.Key,
		SeqPresent: o.SeqPresent, Seq: o.Seq}
	f.prepend(append([]gopacket.SerializableLayer{g}, inner...)...)
	if f.err == nil {
		f.outerIP(src, dst, layers.IPProtocolGRE)
	}
	return f
}

// ERSPAN holds the ERSPAN header fields the builders set.
type ERSPAN struct {
	Session   uint16 // 10 bits
	VLAN      uint16 // 12 bits: the original VLAN
	Seq       uint32 // GRE sequence number
	Timestamp uint32 // type III only
	// Subheader adds the 8-octet platform-specific subheader (type III,
	// O flag).
	Subheader bool
}

// ERSPAN1 wraps an Ethernet frame in ERSPAN type I: GRE protocol 0x88be
// without a sequence number and without an ERSPAN header.
func (f *Frame) ERSPAN1(src, dst netip.Addr) *Frame {
	if !f.need("ERSPAN type I", contentEthernet) {
		return f
	}
	return f.gre(src, dst, layers.EthernetTypeERSPAN, GREOptions{})
}

// ERSPAN2 wraps an Ethernet frame in ERSPAN type II over GRE (sequence
// number present, protocol 0x88be, 8-octet ERSPAN header).
func (f *Frame) ERSPAN2(src, dst netip.Addr, e ERSPAN) *Frame {
	if !f.need("ERSPAN type II", contentEthernet) {
		return f
	}
	h := &layers.ERSPANII{Version: layers.ERSPANIIVersion, VLANIdentifier: e.VLAN & 0xfff, SessionID: e.Session & 0x3ff}
	return f.gre(src, dst, layers.EthernetTypeERSPAN, GREOptions{SeqPresent: true, Seq: e.Seq}, h)
}

// ERSPAN3 wraps an Ethernet frame in ERSPAN type III over GRE (protocol
// 0x22eb, 12-octet header, frame type 0 = Ethernet).
func (f *Frame) ERSPAN3(src, dst netip.Addr, e ERSPAN) *Frame {
	if !f.need("ERSPAN type III", contentEthernet) {
		return f
	}
	h := make([]byte, 12, 20)
	binary.BigEndian.PutUint16(h, 2<<12|e.VLAN&0xfff) // version 2
	binary.BigEndian.PutUint16(h[2:], e.Session&0x3ff)
	binary.BigEndian.PutUint32(h[4:], e.Timestamp)
	// SGT 0, P 0, FT 0 (Ethernet), hardware ID 0, D 0, Gra 00 (100 µs).
	if e.Subheader {
		h[11] |= 1
		h = append(h, 0, 0, 0, 0, 0, 0, 0, 0)
	}
	return f.gre(src, dst, 0x22eb, GREOptions{SeqPresent: true, Seq: e.Seq}, gopacket.Payload(h))
}

// MPLS puts a label stack (outermost first) on an IP packet.
func (f *Frame) MPLS(labels ...uint32) *Frame {
	if !f.need("MPLS", contentIPv4, contentIPv6) {
		return f
	}
	if len(labels) == 0 {
		f.err = fmt.Errorf("%w: MPLS without labels", ErrLayer)
		return f
	}
	ls := make([]gopacket.SerializableLayer, len(labels))
	for i, l := range labels {
		ls[i] = &layers.MPLS{Label: l, StackBottom: i == len(labels)-1, TTL: 64}
	}
	f.prepend(ls...)
	f.c = contentMPLS
	return f
}

// VLANTag is one 802.1Q or 802.1ad tag.
type VLANTag struct {
	TPID     layers.EthernetType // 0x8100 (802.1Q), 0x88a8 (802.1ad), 0x9100 (pre-standard QinQ)
	ID       uint16
	Priority uint8
}

// Dot1Q returns an 802.1Q customer tag.
func Dot1Q(id uint16) VLANTag { return VLANTag{TPID: layers.EthernetTypeDot1Q, ID: id} }

// QinQ returns an 802.1ad service tag, the outer tag of QinQ.
func QinQ(id uint16) VLANTag { return VLANTag{TPID: layers.EthernetTypeQinQ, ID: id} }

// Ethernet puts an Ethernet header, with VLAN tags (outermost first), on an
// IP packet or an MPLS stack. MAC addresses are derived from the IP
// addresses, as UDP does.
func (f *Frame) Ethernet(tags ...VLANTag) *Frame {
	if !f.need("Ethernet", contentIPv4, contentIPv6, contentMPLS) {
		return f
	}
	eth := &layers.Ethernet{SrcMAC: []byte{2, 0, 0, 0, 0, 1}, DstMAC: []byte{2, 0, 0, 0, 0, 2}}
	inner := f.etherType()
	if f.c != contentMPLS {
		src, dst := f.addrs()
		eth.SrcMAC, eth.DstMAC = mac(src), mac(dst)
	}
	ls := []gopacket.SerializableLayer{eth}
	eth.EthernetType = inner
	for i, t := range tags {
		if i == 0 {
			eth.EthernetType = t.TPID
		}
		next := inner
		if i+1 < len(tags) {
			next = tags[i+1].TPID
		}
		ls = append(ls, &layers.Dot1Q{VLANIdentifier: t.ID & 0xfff, Priority: t.Priority, Type: next})
	}
	f.prepend(ls...)
	f.c, f.link = contentEthernet, Ethernet
	return f
}

func (f *Frame) etherType() layers.EthernetType {
	switch f.c {
	case contentIPv4:
		return layers.EthernetTypeIPv4
	case contentIPv6:
		return layers.EthernetTypeIPv6
	case contentMPLS:
		return layers.EthernetTypeMPLSUnicast
	}
	return 0
}

// SLL puts a Linux cooked (v1) header on an IP packet: received by this
// host, ARPHRD_ETHER, the source MAC as link-layer address.
func (f *Frame) SLL() *Frame {
	if !f.need("SLL", contentIPv4, contentIPv6) {
		return f
	}
	src, _ := f.addrs()
	h := make([]byte, 16, 16+len(f.b))
	binary.BigEndian.PutUint16(h[0:], 0) // LINUX_SLL_HOST
	binary.BigEndian.PutUint16(h[2:], 1) // ARPHRD_ETHER
	binary.BigEndian.PutUint16(h[4:], 6)
	copy(h[6:14], mac(src))
	binary.BigEndian.PutUint16(h[14:], uint16(f.etherType()))
	f.b, f.c, f.link = append(h, f.b...), contentLink, LinkSLL
	return f
}

// SLL2 puts a Linux cooked v2 header on an IP packet (interface index 1).
func (f *Frame) SLL2() *Frame {
	if !f.need("SLL2", contentIPv4, contentIPv6) {
		return f
	}
	src, _ := f.addrs()
	h := make([]byte, 20, 20+len(f.b))
	binary.BigEndian.PutUint16(h[0:], uint16(f.etherType()))
	binary.BigEndian.PutUint32(h[4:], 1) // interface index
	binary.BigEndian.PutUint16(h[8:], 1) // ARPHRD_ETHER
	h[10] = 0                            // LINUX_SLL_HOST
	h[11] = 6
	copy(h[12:20], mac(src))
	f.b, f.c, f.link = append(h, f.b...), contentLink, LinkSLL2
	return f
}

// Null puts a DLT_NULL header on an IP packet: the address family (2 for
// IPv4, 24 for IPv6 as the BSDs number it) in little-endian order, or
// big-endian when bigEndian is set, as the capturing host's order.
func (f *Frame) Null(bigEndian bool) *Frame {
	if !f.need("Null", contentIPv4, contentIPv6) {
		return f
	}
	h := make([]byte, 4, 4+len(f.b))
	af := uint32(2)
	if f.c == contentIPv6 {
		af = 24
	}
	if bigEndian {
		binary.BigEndian.PutUint32(h, af)
	} else {
		binary.LittleEndian.PutUint32(h, af)
	}
	f.b, f.c, f.link = append(h, f.b...), contentLink, LinkNull
	return f
}

// Loop puts a DLT_LOOP header (address family in network order) on an IP
// packet.
func (f *Frame) Loop() *Frame {
	if !f.need("Loop", contentIPv4, contentIPv6) {
		return f
	}
	f.Null(true)
	f.link = LinkLoop
	return f
}

// Raw leaves an IP packet as it is, for link type LinkRaw (101), or
// LinkIPv4/LinkIPv6 (228/229) when versioned is set.
func (f *Frame) Raw(versioned bool) *Frame {
	if !f.need("raw IP", contentIPv4, contentIPv6) {
		return f
	}
	f.link = LinkRaw
	if versioned {
		f.link = LinkIPv4
		if f.c == contentIPv6 {
			f.link = LinkIPv6
		}
	}
	f.c = contentLink
	return f
}

// Fragments splits an IP packet into fragments that fit mtu octets with
// IPv4Fragments (which keep the packet's identification) or IPv6Fragments
// (identification id). Each fragment is a Frame to wrap further.
func (f *Frame) Fragments(mtu int, id uint32) ([]*Frame, error) {
	if !f.need("fragmentation", contentIPv4, contentIPv6) {
		return nil, f.err
	}
	var frags [][]byte
	var err error
	if f.c == contentIPv4 {
		frags, err = IPv4Fragments(f.b, mtu)
	} else {
		frags, err = IPv6Fragments(f.b, mtu, id)
	}
	if err != nil {
		return nil, err
	}
	out := make([]*Frame, len(frags))
	for i, b := range frags {
		out[i] = FromIP(b)
	}
	return out, nil
}

// IPv4Fragments splits an IPv4 packet into fragments of at most mtu octets
// (RFC 791 §3.2): the first keeps every option, the others only those with
// the copied flag; DF is cleared. A packet that fits is returned alone.
func IPv4Fragments(packet []byte, mtu int) ([][]byte, error) {
	if len(packet) < 20 || packet[0]>>4 != 4 {
		return nil, fmt.Errorf("%w: not an IPv4 packet", ErrLayer)
	}
	hl := int(packet[0]&0x0f) * 4
	tl := int(binary.BigEndian.Uint16(packet[2:]))
	if hl < 20 || tl < hl || tl > len(packet) {
		return nil, fmt.Errorf("%w: bad IPv4 lengths", ErrLayer)
	}
	if tl <= mtu {
		return [][]byte{packet[:tl]}, nil
	}
	// Options that later fragments keep.
	later := append([]byte(nil), packet[:20]...)
	for o := packet[20:hl]; len(o) > 0; {
		if o[0] == 0 {
			break
		}
		if o[0] == 1 || len(o) < 2 || int(o[1]) < 2 || int(o[1]) > len(o) {
			o = o[1:]
			continue
		}
		if o[0]&0x80 != 0 {
			later = append(later, o[:o[1]]...)
		}
		o = o[o[1]:]
	}
	for len(later)%4 != 0 {
		later = append(later, 0)
	}
	later[0] = 0x40 | byte(len(later)/4)
	data := packet[hl:tl]
	var out [][]byte
	for off := 0; off < len(data); {
		h := later
		if off == 0 {
			h = packet[:hl]
		}
		n := (mtu - len(h)) &^ 7
		if n < 8 {
			return nil, fmt.Errorf("%w: %d octets", ErrMTU, mtu)
		}
		more := off+n < len(data)
		if !more {
			n = len(data) - off
		}
		fr := append(append(make([]byte, 0, len(h)+n), h...), data[off:off+n]...)
		binary.BigEndian.PutUint16(fr[2:], uint16(len(fr)))
		ff := uint16(off / 8)
		if more {
			ff |= 0x2000
		}
		binary.BigEndian.PutUint16(fr[6:], ff|binary.BigEndian.Uint16(packet[6:])&0x8000)
		fr[10], fr[11] = 0, 0
		binary.BigEndian.PutUint16(fr[10:], checksum(fr[:len(h)]))
		out = append(out, fr)
		off += n
	}
	return out, nil
}

// IPv6Fragments splits an IPv6 packet into fragments of at most mtu octets
// (RFC 8200 §4.5) with identification id. The unfragmentable part (the
// IPv6 header, Hop-by-Hop and Routing headers, and Destination Options
// before a Routing header) is repeated in each fragment. A packet that fits
// becomes one atomic fragment (offset 0, M clear: RFC 6946).
func IPv6Fragments(packet []byte, mtu int, id uint32) ([][]byte, error) {
	if len(packet) < 40 || packet[0]>>4 != 6 {
		return nil, fmt.Errorf("%w: not an IPv6 packet", ErrLayer)
	}
	pl := int(binary.BigEndian.Uint16(packet[4:]))
	if 40+pl > len(packet) {
		return nil, fmt.Errorf("%w: bad IPv6 payload length", ErrLayer)
	}
	packet = packet[:40+pl]
	nhOff, pos := 6, 40
	for {
		nh := packet[nhOff]
		isUnfrag := nh == 0 || nh == 43
		if nh == 60 && pos+8 <= len(packet) && packet[pos] == 43 {
			isUnfrag = true // Destination Options read by the Routing header's hops
		}
		if !isUnfrag {
			break
		}
		if pos+8 > len(packet) {
			return nil, fmt.Errorf("%w: extension header cut short", ErrLayer)
		}
		l := (int(packet[pos+1]) + 1) * 8
		if pos+l > len(packet) {
			return nil, fmt.Errorf("%w: extension header cut short", ErrLayer)
		}
		nhOff, pos = pos, pos+l
	}
	unfrag, data, next := packet[:pos], packet[pos:], packet[nhOff]
	n := (mtu - len(unfrag) - 8) &^ 7
	if n < 8 {
		return nil, fmt.Errorf("%w: %d octets", ErrMTU, mtu)
	}
	var out [][]byte
	for off := 0; off == 0 || off < len(data); off += n {
		end := min(off+n, len(data))
		fr := make([]byte, 0, len(unfrag)+8+end-off)
		fr = append(fr, unfrag...)
		fr[nhOff] = 44
		fh := [8]byte{next}
		fo := uint16(off)
		if end < len(data) {
			fo |= 1
		}
		binary.BigEndian.PutUint16(fh[2:], fo)
		binary.BigEndian.PutUint32(fh[4:], id)
		fr = append(append(fr, fh[:]...), data[off:end]...)
		binary.BigEndian.PutUint16(fr[4:], uint16(len(fr)-40))
		out = append(out, fr)
	}
	return out, nil
}

// checksum is the RFC 1071 Internet checksum.
func checksum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s > 0xffff {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// Chunk is an SCTP chunk that NewSCTP can put in a packet.
type Chunk interface {
	// AppendChunk appends the chunk (header, value, padding to 4 octets).
	AppendChunk(b []byte) []byte
}

// DATA and I-DATA chunk flags.
const (
	flagE = 0x01
	flagB = 0x02
	flagU = 0x04
)

func appendChunk(b []byte, typ, flags uint8, value ...[]byte) []byte {
	n := 4
	for _, v := range value {
		n += len(v)
	}
	b = append(b, typ, flags, byte(n>>8), byte(n))
	for _, v := range value {
		b = append(b, v...)
	}
	for n%4 != 0 {
		b = append(b, 0)
		n++
	}
	return b
}

// AppendChunk appends c as a whole (unfragmented) DATA chunk.
func (c DataChunk) AppendChunk(b []byte) []byte {
	return DataFragment{TSN: c.TSN, Stream: c.Stream, SSN: c.SSN, PPID: c.PPID, Unordered: c.Unordered,
		Begin: true, End: true, Payload: c.Payload}.AppendChunk(b)
}

// DataFragment is a DATA chunk (RFC 9260 §3.3.1) that may be one fragment
// of a user message.
type DataFragment struct {
	TSN                   uint32
	Stream, SSN           uint16
	PPID                  uint32
	Unordered, Begin, End bool
	Payload               []byte
}

func (c DataFragment) AppendChunk(b []byte) []byte {
	var h [12]byte
	binary.BigEndian.PutUint32(h[0:], c.TSN)
	binary.BigEndian.PutUint16(h[4:], c.Stream)
	binary.BigEndian.PutUint16(h[6:], c.SSN)
	binary.BigEndian.PutUint32(h[8:], c.PPID)
	return appendChunk(b, 0, dataFlags(c.Unordered, c.Begin, c.End), h[:], c.Payload)
}

func dataFlags(u, b, e bool) uint8 {
	var f uint8
	if u {
		f |= flagU
	}
	if b {
		f |= flagB
	}
	if e {
		f |= flagE
	}
	return f
}

// FragmentData splits a user message into DATA fragments of at most size
// octets of payload, numbered from tsn.
func FragmentData(tsn uint32, stream, ssn uint16, ppid uint32, payload []byte, size int) []DataFragment {
	var out []DataFragment
	for off := 0; off == 0 || off < len(payload); off += size {
		end := min(off+size, len(payload))
		out = append(out, DataFragment{TSN: tsn, Stream: stream, SSN: ssn, PPID: ppid,
			Begin: off == 0, End: end == len(payload), Payload: payload[off:end]})
		tsn++
	}
	return out
}

// IDataFragment is an I-DATA chunk (RFC 8260 §2.1). The first fragment
// (Begin) carries the PPID, the others their FSN.
type IDataFragment struct {
	TSN                   uint32
	Stream                uint16
	MID                   uint32
	PPID                  uint32 // Begin fragment only
	FSN                   uint32 // other fragments
	Unordered, Begin, End bool
	Payload               []byte
}

func (c IDataFragment) AppendChunk(b []byte) []byte {
	var h [16]byte
	binary.BigEndian.PutUint32(h[0:], c.TSN)
	binary.BigEndian.PutUint16(h[4:], c.Stream)
	binary.BigEndian.PutUint32(h[8:], c.MID)
	if c.Begin {
		binary.BigEndian.PutUint32(h[12:], c.PPID)
	} else {
		binary.BigEndian.PutUint32(h[12:], c.FSN)
	}
	return appendChunk(b, 64, dataFlags(c.Unordered, c.Begin, c.End), h[:], c.Payload)
}

// FragmentIData splits a user message into I-DATA fragments of at most
// size octets of payload, numbered from tsn, FSN from 0.
func FragmentIData(tsn uint32, stream uint16, mid, ppid uint32, payload []byte, size int) []IDataFragment {
	var out []IDataFragment
	for off, fsn := 0, uint32(0); off == 0 || off < len(payload); off, fsn = off+size, fsn+1 {
		end := min(off+size, len(payload))
		out = append(out, IDataFragment{TSN: tsn, Stream: stream, MID: mid, PPID: ppid, FSN: fsn,
			Begin: off == 0, End: end == len(payload), Payload: payload[off:end]})
		tsn++
	}
	return out
}

// RawChunk is any other chunk, value as given.
type RawChunk struct {
	Type, Flags uint8
	Value       []byte
}

func (c RawChunk) AppendChunk(b []byte) []byte { return appendChunk(b, c.Type, c.Flags, c.Value) }

// MTP2WithPhdr prefixes an MTP2 signal unit (such as MTP2Link.MSU returns)
// with the DLT 139 pseudo-header: sent, annex_a_used (0: basic sequence
// numbers) and the link number in network byte order.
func MTP2WithPhdr(sent bool, link uint16, su []byte) []byte {
	h := []byte{0, 0, byte(link >> 8), byte(link)}
	if sent {
		h[0] = 1
	}
	return append(h, su...)
}

// WriteFrame writes a built frame, checking that its link type is the
// capture's.
func (w *Writer) WriteFrame(ts time.Time, f *Frame) error {
	b, err := f.Bytes()
	if err != nil {
		return err
	}
	if err := w.need(f.LinkType()); err != nil {
		return err
	}
	return w.Frame(ts, b)
}
