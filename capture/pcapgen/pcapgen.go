// Package pcapgen writes pcap and pcapng captures of frames the project
// builds itself: Ethernet/IP/UDP (SIP), Ethernet/IP/SCTP with DATA chunks
// (M3UA), and the SS7 link types DLT 141 (MTP3) and DLT 140 (MTP2). Tests use
// it to feed tshark and the analyzer; a generator uses it to build synthetic
// captures.
//
// File framing comes from gopacket's pcapgo and packet layers from its
// layers package; what they leave out is done here and says why.
package pcapgen

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Link types this package writes frames for.
const (
	Ethernet = layers.LinkTypeEthernet // 1
	MTP2     = layers.LinkTypeMTP2     // 140: MTP2 signal unit without FCS
	MTP3     = layers.LinkTypeMTP3     // 141: SIO, routing label, user data
)

// Errors returned when a frame does not suit the writer.
var (
	ErrLinkType  = errors.New("pcapgen: frame does not match the capture's link type")
	ErrAddrMix   = errors.New("pcapgen: source and destination differ in IP version")
	ErrTooLarge  = errors.New("pcapgen: payload too large for one frame")
	ErrNoChunks  = errors.New("pcapgen: SCTP packet without chunks")
	ErrBadStream = errors.New("pcapgen: M3UA DATA must not use SCTP stream 0")
)

// SnapLen is the snapshot length written in file headers.
const SnapLen = 262144

// Writer writes one capture file of one link type.
type Writer struct {
	lt   layers.LinkType
	pcap *pcapgo.Writer
	ng   *pcapgo.NgWriter
	ipID uint16
	n    int
}

// NewWriter writes a pcap file header (microsecond timestamps) for link
// type lt to w and returns a writer for its frames.
func NewWriter(w io.Writer, lt layers.LinkType) (*Writer, error) {
	pw := pcapgo.NewWriter(w)
	if err := pw.WriteFileHeader(SnapLen, lt); err != nil {
		return nil, err
	}
	return &Writer{lt: lt, pcap: pw}, nil
}

// NewNgWriter writes a pcapng section and interface header for link type
// lt to w. Call Flush when done.
func NewNgWriter(w io.Writer, lt layers.LinkType) (*Writer, error) {
	nw, err := pcapgo.NewNgWriter(w, lt)
	if err != nil {
		return nil, err
	}
	return &Writer{lt: lt, ng: nw}, nil
}

// LinkType returns the link type of the capture.
func (w *Writer) LinkType() layers.LinkType { return w.lt }

// Frames returns how many frames were written.
func (w *Writer) Frames() int { return w.n }

// Flush writes buffered pcapng data (a no-op for pcap).
func (w *Writer) Flush() error {
	if w.ng != nil {
		return w.ng.Flush()
	}
	return nil
}

// Frame writes one frame of the capture's link type as given.
func (w *Writer) Frame(ts time.Time, frame []byte) error {
	ci := gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(frame), Length: len(frame)}
	var err error
	if w.ng != nil {
		err = w.ng.WritePacket(ci, frame)
	} else {
		err = w.pcap.WritePacket(ci, frame)
	}
	if err == nil {
		w.n++
	}
	return err
}

func (w *Writer) need(lt layers.LinkType) error {
	if w.lt != lt {
		return fmt.Errorf("%w: capture is %v, frame is %v", ErrLinkType, w.lt, lt)
	}
	return nil
}

// UDP writes an Ethernet/IPv4 or Ethernet/IPv6 UDP datagram with correct
// lengths and checksums.
func (w *Writer) UDP(ts time.Time, src, dst netip.AddrPort, payload []byte) error {
	if err := w.need(Ethernet); err != nil {
		return err
	}
	udp := &layers.UDP{SrcPort: layers.UDPPort(src.Port()), DstPort: layers.UDPPort(dst.Port())}
	frame, err := w.ip(src.Addr(), dst.Addr(), layers.IPProtocolUDP, udp, udp, gopacket.Payload(payload))
	if err != nil {
		return err
	}
	return w.Frame(ts, frame)
}

// ip serializes Ethernet + IPv4/IPv6 + the given layers. nl, when not nil,
// is told the network layer for its pseudo-header checksum.
func (w *Writer) ip(src, dst netip.Addr, proto layers.IPProtocol, nl interface {
	SetNetworkLayerForChecksum(gopacket.NetworkLayer) error
}, ls ...gopacket.SerializableLayer) ([]byte, error) {
	src, dst = src.Unmap(), dst.Unmap()
	if src.Is4() != dst.Is4() {
		return nil, fmt.Errorf("%w: %v → %v", ErrAddrMix, src, dst)
	}
	eth := &layers.Ethernet{SrcMAC: mac(src), DstMAC: mac(dst)}
	var net gopacket.SerializableLayer
	if src.Is4() {
		w.ipID++
		eth.EthernetType = layers.EthernetTypeIPv4
		ip4 := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Id: w.ipID, Flags: layers.IPv4DontFragment,
			Protocol: proto, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
		net = ip4
		if nl != nil {
			if err := nl.SetNetworkLayerForChecksum(ip4); err != nil {
				return nil, err
			}
		}
	} else {
		eth.EthernetType = layers.EthernetTypeIPv6
		ip6 := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: proto, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
		net = ip6
		if nl != nil {
			if err := nl.SetNetworkLayerForChecksum(ip6); err != nil {
				return nil, err
			}
		}
	}
	// A fresh buffer per frame: gopacket's PrependBytes does not zero
	// reused memory and SCTP.SerializeTo sums its checksum field as found.
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	all := append([]gopacket.SerializableLayer{eth, net}, ls...)
	if err := gopacket.SerializeLayers(buf, opts, all...); err != nil {
		return nil, err
	}
	if n := len(buf.Bytes()) - 14; n > 65535 {
		return nil, fmt.Errorf("%w: %d octets of IP", ErrTooLarge, n)
	}
	return buf.Bytes(), nil
}

// mac derives a locally administered unicast MAC from an address, so that
// each host keeps one MAC in a capture.
func mac(a netip.Addr) []byte {
	s := a.AsSlice()
	t := s[len(s)-4:]
	return []byte{0x02, 0x00, t[0], t[1], t[2], t[3]}
}
