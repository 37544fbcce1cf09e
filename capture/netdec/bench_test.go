package netdec

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/sipgw/sipgw/capture/pcapgen"
)

// sip600 is a 600-octet UDP payload, the size of a typical SIP request.
var sip600 = append([]byte("INVITE sip:+15551234567@example.com SIP/2.0\r\n"), bytes.Repeat([]byte{'x'}, 600-45)...)

func benchFrame(b *testing.B, f *pcapgen.Frame) (uint16, []byte) {
	lt, frame := build(b, f)
	var p Packet
	if err := NewDecoder().Decode(lt, frame, &p); err != nil {
		b.Fatal(err)
	}
	return lt, frame
}

func benchDecode(b *testing.B, f *pcapgen.Frame) {
	lt, frame := benchFrame(b, f)
	d := NewDecoder()
	var p Packet
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		if err := d.Decode(lt, frame, &p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeEthernetIPv4UDP(b *testing.B) {
	benchDecode(b, pcapgen.NewUDP(a4, b4, sip600).Ethernet())
}

func BenchmarkDecodeVLANIPv4UDP(b *testing.B) {
	benchDecode(b, pcapgen.NewUDP(a4, b4, sip600).Ethernet(pcapgen.Dot1Q(100)))
}

func BenchmarkDecodeSLLIPv6UDP(b *testing.B) {
	benchDecode(b, pcapgen.NewUDP(a6, b6, sip600).SLL())
}

func BenchmarkDecodeERSPAN2(b *testing.B) {
	benchDecode(b, pcapgen.NewUDP(a4, b4, sip600).Ethernet().ERSPAN2(t4a, t4b, pcapgen.ERSPAN{Session: 1}).Ethernet())
}

// BenchmarkGopacketEthernetIPv4UDP is the same work as
// BenchmarkDecodeEthernetIPv4UDP done with gopacket's DecodingLayerParser,
// for comparison: layer structs reused, addresses converted to netip.
func BenchmarkGopacketEthernetIPv4UDP(b *testing.B) {
	_, frame := benchFrame(b, pcapgen.NewUDP(a4, b4, sip600).Ethernet())
	var (
		eth     layers.Ethernet
		ip4     layers.IPv4
		ip6     layers.IPv6
		dot1q   layers.Dot1Q
		udp     layers.UDP
		tcp     layers.TCP
		sctp    layers.SCTP
		payload gopacket.Payload
	)
	parser := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &dot1q, &ip4, &ip6, &udp, &tcp, &sctp, &payload)
	parser.IgnoreUnsupported = true
	decoded := make([]gopacket.LayerType, 0, 8)
	var p Packet
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		if err := parser.DecodeLayers(frame, &decoded); err != nil {
			b.Fatal(err)
		}
		p = Packet{}
		for _, lt := range decoded {
			switch lt {
			case layers.LayerTypeIPv4:
				p.Src = netip.AddrFrom4([4]byte(ip4.SrcIP))
				p.Dst = netip.AddrFrom4([4]byte(ip4.DstIP))
			case layers.LayerTypeUDP:
				p.Kind, p.SrcPort, p.DstPort, p.Payload = KindUDP, uint16(udp.SrcPort), uint16(udp.DstPort), udp.Payload
			}
		}
		if p.Kind != KindUDP || len(p.Payload) != 600 {
			b.Fatal(p.Kind, len(p.Payload))
		}
	}
}
