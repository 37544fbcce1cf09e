package netdec

import "net/netip"

// maxDepth bounds the headers one frame may stack (VLAN tags, MPLS labels,
// IP and GRE headers, IPv6 extension headers): real traffic needs far
// fewer, and a crafted frame must not make decoding walk forever.
const maxDepth = 32

// EtherTypes and IP protocol numbers this package follows.
const (
	etIPv4     = 0x0800
	etIPv6     = 0x86dd
	etVLAN     = 0x8100 // IEEE 802.1Q
	etQinQ     = 0x88a8 // IEEE 802.1ad service tag
	etQinQOld  = 0x9100 // pre-standard QinQ
	etQinQOld2 = 0x9200
	etMPLS     = 0x8847
	etMPLSMc   = 0x8848
	etTEB      = 0x6558 // transparent Ethernet bridging (GRE carrying Ethernet)
	etERSPAN2  = 0x88be // ERSPAN type II, or type I when GRE has no sequence number
	etERSPAN3  = 0x22eb

	protoHopByHop = 0
	protoIPv4     = 4
	protoTCP      = 6
	protoUDP      = 17
	protoIPv6     = 41
	protoRouting  = 43
	protoFragment = 44
	protoGRE      = 47
	protoAH       = 51
	protoDstOpts  = 60
	protoSCTP     = 132
	protoMobility = 135
	protoHIP      = 139
	protoShim6    = 140
)

// Decoder decodes frames into Packets. It keeps no state between frames;
// it is not safe for concurrent use (use one per goroutine).
type Decoder struct {
	depth int
}

// NewDecoder returns a Decoder.
func NewDecoder() *Decoder { return &Decoder{} }

// Decode decodes one frame of the given link type into p (all of p is
// overwritten). Payload aliases frame. A frame this package does not
// follow to the end (ARP, ICMP, an unknown EtherType) is not an error: its
// Kind is KindOther. Errors are *Error values wrapping ErrTruncated,
// ErrUnsupportedLink, ErrBadHeader or ErrTooDeep; the fields decoded before
// the failing layer are kept, Kind is KindNone.
func (d *Decoder) Decode(linkType uint16, frame []byte, p *Packet) error {
	*p = Packet{LinkType: linkType}
	d.depth = 0
	var err error
	switch linkType {
	case LinkEthernet:
		err = d.ethernet(frame, 0, p)
	case LinkRaw, LinkRawBSD, LinkRawOpenBSD:
		err = d.ip(frame, 0, p)
	case LinkIPv4:
		err = d.ipv4(frame, 0, p)
	case LinkIPv6:
		err = d.ipv6(frame, 0, p)
	case LinkLinuxSLL:
		err = d.sll(frame, p)
	case LinkLinuxSLL2:
		err = d.sll2(frame, p)
	case LinkNull, LinkLoop:
		err = d.null(frame, linkType == LinkLoop, p)
	case LinkMTP2:
		err = d.mtp2(frame, 0, false, p)
	case LinkMTP2Phdr:
		if len(frame) < 4 {
			err = truncated(LayerMTP2, 0, "pseudo-header")
			break
		}
		// sent (1 octet), annex_a_used (0 no, 1 yes, 2 unknown), link
		// number (2 octets, network order), as libpcap writes it.
		p.MTP2Sent = frame[0] != 0
		p.MTP2Link = be16(frame[2:])
		err = d.mtp2(frame[4:], 4, frame[1] == 1, p)
	case LinkMTP3:
		if len(frame) == 0 {
			err = truncated(LayerMTP3, 0, "empty frame")
			break
		}
		p.Kind, p.Payload = KindMTP3, frame
	default:
		err = errUnsupportedLink
	}
	if err != nil {
		p.Kind = KindNone
	}
	return err
}

// errUnsupportedLink is shared: a capture interface of a link type we do
// not read fails every frame, and that must not allocate.
var errUnsupportedLink = &Error{Layer: LayerLink, Err: ErrUnsupportedLink}

// DecodeIP decodes an IP datagram, such as one a Defragmenter rebuilt, into
// p. It keeps p.LinkType and p.Tunnels (they describe what was outside the
// datagram) and overwrites the rest; tunnels found inside are added.
func (d *Decoder) DecodeIP(ip []byte, p *Packet) error {
	*p = Packet{LinkType: p.LinkType, Tunnels: p.Tunnels}
	d.depth = 0
	err := d.ip(ip, 0, p)
	if err != nil {
		p.Kind = KindNone
	}
	return err
}

func (d *Decoder) deeper(l Layer, off int) error {
	d.depth++
	if d.depth > maxDepth {
		return errAt(l, off, ErrTooDeep, "")
	}
	return nil
}

func (d *Decoder) ethernet(b []byte, off int, p *Packet) error {
	if len(b) < 14 {
		return truncated(LayerEthernet, off, "header")
	}
	return d.etherType(be16(b[12:]), b[14:], off+14, p)
}

// etherType follows an EtherType (or a GRE protocol type, the same
// numbers) over VLAN tags and LLC/SNAP to the network layer.
func (d *Decoder) etherType(et uint16, b []byte, off int, p *Packet) error {
	for {
		switch et {
		case etIPv4:
			return d.ipv4(b, off, p)
		case etIPv6:
			return d.ipv6(b, off, p)
		case etVLAN, etQinQ, etQinQOld, etQinQOld2:
			if err := d.deeper(LayerVLAN, off); err != nil {
				return err
			}
			if len(b) < 4 {
				return truncated(LayerVLAN, off, "tag")
			}
			et, b, off = be16(b[2:]), b[4:], off+4
		case etMPLS, etMPLSMc:
			return d.mpls(b, off, p)
		default:
			if et > 1500 {
				p.Kind, p.Payload = KindOther, b
				return nil
			}
			// An IEEE 802.3 length: LLC follows. Only SNAP with an
			// EtherType (RFC 1042 and bridge-tunnel OUIs) leads on.
			if len(b) < 8 || b[0] != 0xaa || b[1] != 0xaa || b[2] != 0x03 || b[3] != 0 || b[4] != 0 || (b[5] != 0 && b[5] != 0xf8) {
				p.Kind, p.Payload = KindOther, b
				return nil
			}
			if err := d.deeper(LayerLLC, off); err != nil {
				return err
			}
			et, b, off = be16(b[6:]), b[8:], off+8
		}
	}
}

// mpls skips a label stack (RFC 3032) and guesses the payload from its
// first nibble, as there is no protocol field: 4 is IPv4, 6 is IPv6.
func (d *Decoder) mpls(b []byte, off int, p *Packet) error {
	for {
		if err := d.deeper(LayerMPLS, off); err != nil {
			return err
		}
		if len(b) < 4 {
			return truncated(LayerMPLS, off, "label stack entry")
		}
		bottom := b[2]&1 != 0
		b, off = b[4:], off+4
		if bottom {
			break
		}
	}
	if len(b) == 0 {
		return truncated(LayerMPLS, off, "payload")
	}
	switch b[0] >> 4 {
	case 4:
		return d.ipv4(b, off, p)
	case 6:
		return d.ipv6(b, off, p)
	}
	p.Kind, p.Payload = KindOther, b
	return nil
}

func (d *Decoder) sll(b []byte, p *Packet) error {
	if len(b) < 16 {
		return truncated(LayerSLL, 0, "header")
	}
	return d.cooked(be16(b[2:]), be16(b[14:]), b[16:], 16, p)
}

func (d *Decoder) sll2(b []byte, p *Packet) error {
	if len(b) < 20 {
		return truncated(LayerSLL2, 0, "header")
	}
	return d.cooked(be16(b[8:]), be16(b[0:]), b[20:], 20, p)
}

// cooked follows the protocol field of a Linux cooked header. Below 0x600
// it is one of Linux's ETH_P_* pseudo-types, of which only 802.2 LLC (4)
// leads anywhere; for netlink captures (ARPHRD_NETLINK) it is a netlink
// family.
func (d *Decoder) cooked(hatype, proto uint16, b []byte, off int, p *Packet) error {
	const arphrdNetlink = 824
	if hatype == arphrdNetlink || (proto < 0x600 && proto != 4) {
		p.Kind, p.Payload = KindOther, b
		return nil
	}
	if proto == 4 {
		proto = 0 // an 802.3 length of 0: etherType checks for SNAP
	}
	return d.etherType(proto, b, off, p)
}

// null decodes the 4-octet address family of DLT_NULL (host order of the
// capturing machine, so both orders are tried) and DLT_LOOP (network order).
func (d *Decoder) null(b []byte, network bool, p *Packet) error {
	if len(b) < 4 {
		return truncated(LayerNull, 0, "address family")
	}
	af := be32(b)
	if !network {
		// Address families are small numbers: a value with its high half
		// set was written little-endian.
		if af&0xffff0000 != 0 {
			af = le32(b)
		}
	}
	switch af {
	case 2: // AF_INET everywhere
		return d.ipv4(b[4:], 4, p)
	case 24, 28, 30: // AF_INET6 on NetBSD/OpenBSD, FreeBSD, Darwin
		return d.ipv6(b[4:], 4, p)
	}
	p.Kind, p.Payload = KindOther, b[4:]
	return nil
}

// ip decodes an IP header of either version.
func (d *Decoder) ip(b []byte, off int, p *Packet) error {
	if len(b) == 0 {
		return truncated(LayerIP, off, "empty")
	}
	switch b[0] >> 4 {
	case 4:
		return d.ipv4(b, off, p)
	case 6:
		return d.ipv6(b, off, p)
	}
	return bad(LayerIP, off, "version is neither 4 nor 6")
}

func (d *Decoder) ipv4(b []byte, off int, p *Packet) error {
	if err := d.deeper(LayerIPv4, off); err != nil {
		return err
	}
	if len(b) < 20 {
		return truncated(LayerIPv4, off, "header")
	}
	if b[0]>>4 != 4 {
		return bad(LayerIPv4, off, "version is not 4")
	}
	hl := int(b[0]&0x0f) * 4
	if hl < 20 {
		return bad(LayerIPv4, off, "header length below 20")
	}
	if len(b) < hl {
		return truncated(LayerIPv4, off, "options")
	}
	tl := int(be16(b[2:]))
	if tl == 0 {
		// Segmentation offload on the capturing host leaves 0 here.
		tl = len(b)
	}
	if tl < hl {
		return bad(LayerIPv4, off, "total length below header length")
	}
	if tl > len(b) {
		p.Truncated = true
	} else {
		b = b[:tl] // drop Ethernet padding
	}
	p.IPVersion = 4
	p.IPProto = b[9]
	p.Src = netip.AddrFrom4([4]byte(b[12:16]))
	p.Dst = netip.AddrFrom4([4]byte(b[16:20]))
	if ff := be16(b[6:]); ff&0x3fff != 0 { // MF set or offset not 0
		p.Kind = KindIPFragment
		p.Payload = b
		p.FragID = uint32(be16(b[4:]))
		p.FragOffset = (ff & 0x1fff) * 8
		p.MoreFragments = ff&0x2000 != 0
		return nil
	}
	return d.ipProto(b[9], b[hl:], off+hl, p)
}

func (d *Decoder) ipv6(b []byte, off int, p *Packet) error {
	if err := d.deeper(LayerIPv6, off); err != nil {
		return err
	}
	if len(b) < 40 {
		return truncated(LayerIPv6, off, "header")
	}
	if b[0]>>4 != 6 {
		return bad(LayerIPv6, off, "version is not 6")
	}
	// A payload length of 0 is a jumbogram or segmentation offload: the
	// frame's end is the packet's.
	if pl := int(be16(b[4:])); pl != 0 {
		if 40+pl > len(b) {
			p.Truncated = true
		} else {
			b = b[:40+pl]
		}
	}
	p.IPVersion = 6
	p.Src = netip.AddrFrom16([16]byte(b[8:24]))
	p.Dst = netip.AddrFrom16([16]byte(b[24:40]))
	nh, pos := b[6], 40
	for {
		switch nh {
		case protoHopByHop, protoRouting, protoDstOpts, protoMobility, protoHIP, protoShim6, protoAH:
			if err := d.deeper(LayerIPv6Ext, off+pos); err != nil {
				return err
			}
			if len(b)-pos < 8 {
				return truncated(LayerIPv6Ext, off+pos, "header")
			}
			l := (int(b[pos+1]) + 1) * 8
			if nh == protoAH {
				l = (int(b[pos+1]) + 2) * 4 // RFC 4302 counts 4-octet words
			}
			if len(b)-pos < l {
				return truncated(LayerIPv6Ext, off+pos, "header")
			}
			nh, pos = b[pos], pos+l
		case protoFragment:
			if len(b)-pos < 8 {
				return truncated(LayerIPv6Ext, off+pos, "fragment header")
			}
			fo := be16(b[pos+2:])
			if fo&0xfff9 == 0 {
				// Offset 0 and no more fragments: an atomic fragment
				// (RFC 6946), a whole packet.
				nh, pos = b[pos], pos+8
				continue
			}
			p.Kind = KindIPFragment
			p.IPProto = b[pos]
			p.Payload = b
			p.FragID = be32(b[pos+4:])
			p.FragOffset = fo &^ 7
			p.MoreFragments = fo&1 != 0
			return nil
		default:
			p.IPProto = nh
			return d.ipProto(nh, b[pos:], off+pos, p)
		}
	}
}

func (d *Decoder) ipProto(proto uint8, b []byte, off int, p *Packet) error {
	switch proto {
	case protoUDP:
		if len(b) < 8 {
			return truncated(LayerUDP, off, "header")
		}
		p.SrcPort, p.DstPort = be16(b), be16(b[2:])
		switch ul := int(be16(b[4:])); {
		case ul == 0: // IPv6 jumbogram (RFC 2675) or offload
			p.Payload = b[8:]
		case ul < 8:
			return bad(LayerUDP, off, "length below 8")
		case ul > len(b):
			p.Truncated = true
			p.Payload = b[8:]
		default:
			p.Payload = b[8:ul]
		}
		p.Kind = KindUDP
		return nil
	case protoTCP:
		if len(b) < 20 {
			return truncated(LayerTCP, off, "header")
		}
		hl := int(b[12]>>4) * 4
		if hl < 20 {
			return bad(LayerTCP, off, "data offset below 5")
		}
		if len(b) < hl {
			return truncated(LayerTCP, off, "options")
		}
		p.SrcPort, p.DstPort = be16(b), be16(b[2:])
		p.Seq, p.Ack = be32(b[4:]), be32(b[8:])
		p.TCPFlags = b[13]
		p.Kind, p.Payload = KindTCP, b[hl:]
		return nil
	case protoSCTP:
		if len(b) < 12 {
			return truncated(LayerSCTP, off, "common header")
		}
		p.SrcPort, p.DstPort = be16(b), be16(b[2:])
		p.VTag = be32(b[4:])
		p.Kind, p.Payload = KindSCTP, b[12:]
		return nil
	case protoIPv4:
		p.Tunnels++
		return d.ipv4(b, off, p)
	case protoIPv6:
		p.Tunnels++
		return d.ipv6(b, off, p)
	case protoGRE:
		return d.gre(b, off, p)
	}
	p.Kind, p.Payload = KindOther, b
	return nil
}

// gre decodes a GRE header (RFC 2784 with the RFC 2890 key and sequence
// number) and what it carries. Version 1 (PPTP) and source routing
// (RFC 1701) are left as KindOther.
func (d *Decoder) gre(b []byte, off int, p *Packet) error {
	if err := d.deeper(LayerGRE, off); err != nil {
		return err
	}
	if len(b) < 4 {
		return truncated(LayerGRE, off, "header")
	}
	flags, proto := be16(b), be16(b[2:])
	const (
		greC = 0x8000
		greR = 0x4000
		greK = 0x2000
		greS = 0x1000
	)
	if flags&0x7 != 0 || flags&greR != 0 {
		p.Kind, p.Payload = KindOther, b
		return nil
	}
	hl := 4
	if flags&greC != 0 {
		hl += 4
	}
	if flags&greK != 0 {
		hl += 4
	}
	if flags&greS != 0 {
		hl += 4
	}
	if len(b) < hl {
		return truncated(LayerGRE, off, "optional fields")
	}
	p.Tunnels++
	b, off = b[hl:], off+hl
	switch proto {
	case etTEB:
		return d.ethernet(b, off, p)
	case etERSPAN2:
		if flags&greS == 0 {
			// Type I: no ERSPAN header, the mirrored frame follows.
			return d.ethernet(b, off, p)
		}
		if len(b) < 8 {
			return truncated(LayerERSPAN, off, "type II header")
		}
		if v := b[0] >> 4; v > 1 {
			return bad(LayerERSPAN, off, "type II header version is not 1")
		}
		return d.ethernet(b[8:], off+8, p)
	case etERSPAN3:
		if len(b) < 12 {
			return truncated(LayerERSPAN, off, "type III header")
		}
		if b[0]>>4 != 2 {
			return bad(LayerERSPAN, off, "type III header version is not 2")
		}
		hl := 12
		if b[11]&1 != 0 { // O: an 8-octet platform-specific subheader follows
			hl += 8
			if len(b) < hl {
				return truncated(LayerERSPAN, off, "platform-specific subheader")
			}
		}
		switch ft := b[10] >> 2 & 0x1f; ft {
		case 0:
			return d.ethernet(b[hl:], off+hl, p)
		case 2:
			return d.ip(b[hl:], off+hl, p)
		}
		p.Kind, p.Payload = KindOther, b[hl:]
		return nil
	}
	return d.etherType(proto, b, off, p)
}

// mtp2 decodes an MTP2 signal unit header (Q.703 §2.2, or Annex A with
// extended sequence numbers: three 16-bit little-endian fields).
func (d *Decoder) mtp2(b []byte, off int, annexA bool, p *Packet) error {
	hl := 3
	if annexA {
		hl = 6
	}
	if len(b) < hl {
		return truncated(LayerMTP2, off, "header")
	}
	if annexA {
		bsn, fsn := le16(b), le16(b[2:])
		p.BSN, p.BIB = bsn&0x0fff, bsn&0x8000 != 0
		p.FSN, p.FIB = fsn&0x0fff, fsn&0x8000 != 0
		p.LI = le16(b[4:]) & 0x01ff
	} else {
		p.BSN, p.BIB = uint16(b[0]&0x7f), b[0]&0x80 != 0
		p.FSN, p.FIB = uint16(b[1]&0x7f), b[1]&0x80 != 0
		p.LI = uint16(b[2] & 0x3f)
	}
	p.Kind = KindMTP2
	switch {
	case p.LI == 0: // FISU
	case p.LI <= 2: // LSSU
		if len(b) < hl+1 {
			return truncated(LayerMTP2, off+hl, "status field")
		}
		p.LSSU = LSSUStatus(b[hl] & 0x07)
	default:
		// The LI saturates at 63 for long MSUs (Q.703 §2.3.3): the frame
		// end is the MSU end.
		if len(b) == hl {
			return truncated(LayerMTP2, off+hl, "MSU")
		}
		p.Payload = b[hl:]
	}
	return nil
}
