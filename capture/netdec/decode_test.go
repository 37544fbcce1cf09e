package netdec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"

	"github.com/sipgw/sipgw/capture/pcapgen"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

var (
	a4  = netip.MustParseAddrPort("192.0.2.1:5060")
	b4  = netip.MustParseAddrPort("198.51.100.7:5080")
	a6  = netip.MustParseAddrPort("[2001:db8::1]:5060")
	b6  = netip.MustParseAddrPort("[2001:db8:1::2]:5062")
	t4a = netip.MustParseAddr("10.0.0.1")
	t4b = netip.MustParseAddr("10.0.0.2")
	t6a = netip.MustParseAddr("fd00::a")
	t6b = netip.MustParseAddr("fd00::b")
	sip = []byte("OPTIONS sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1\r\nContent-Length: 0\r\n\r\n")
)

func build(t testing.TB, f *pcapgen.Frame) (uint16, []byte) {
	t.Helper()
	b, err := f.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return uint16(f.LinkType()), b
}

// want is what a decoded frame must hold.
type want struct {
	kind             Kind
	src, dst         netip.AddrPort
	ipv              uint8
	tunnels          uint8
	payload          []byte
	vtag, seq, ack   uint32
	flags            uint8
	fragOff          uint16
	moreFrags, trunc bool
}

func check(t *testing.T, p *Packet, w want) {
	t.Helper()
	if p.Kind != w.kind {
		t.Fatalf("kind %v, want %v", p.Kind, w.kind)
	}
	if w.src.IsValid() {
		if p.Src != w.src.Addr() || p.Dst != w.dst.Addr() {
			t.Errorf("addresses %v → %v, want %v → %v", p.Src, p.Dst, w.src.Addr(), w.dst.Addr())
		}
		if w.kind != KindIPFragment && (p.SrcPort != w.src.Port() || p.DstPort != w.dst.Port()) {
			t.Errorf("ports %d → %d, want %d → %d", p.SrcPort, p.DstPort, w.src.Port(), w.dst.Port())
		}
	}
	if w.ipv != 0 && p.IPVersion != w.ipv {
		t.Errorf("IP version %d, want %d", p.IPVersion, w.ipv)
	}
	if p.Tunnels != w.tunnels {
		t.Errorf("tunnels %d, want %d", p.Tunnels, w.tunnels)
	}
	if w.payload != nil && !bytes.Equal(p.Payload, w.payload) {
		t.Errorf("payload %q, want %q", p.Payload, w.payload)
	}
	if p.VTag != w.vtag || p.Seq != w.seq || p.Ack != w.ack || p.TCPFlags != w.flags {
		t.Errorf("vtag %x seq %d ack %d flags %x, want %x %d %d %x", p.VTag, p.Seq, p.Ack, p.TCPFlags, w.vtag, w.seq, w.ack, w.flags)
	}
	if p.FragOffset != w.fragOff || p.MoreFragments != w.moreFrags {
		t.Errorf("fragment offset %d more %v, want %d %v", p.FragOffset, p.MoreFragments, w.fragOff, w.moreFrags)
	}
	if p.Truncated != w.trunc {
		t.Errorf("truncated %v, want %v", p.Truncated, w.trunc)
	}
}

type frameCase struct {
	name  string
	frame *pcapgen.Frame
	link  uint16 // expected link type
	want  want
}

func udp4() *pcapgen.Frame { return pcapgen.NewUDP(a4, b4, sip) }
func udp6() *pcapgen.Frame { return pcapgen.NewUDP(a6, b6, sip) }

func ether(f *pcapgen.Frame) *pcapgen.Frame { return f.Ethernet() }

func frameCases() []frameCase {
	u4 := want{kind: KindUDP, src: a4, dst: b4, ipv: 4, payload: sip}
	u6 := want{kind: KindUDP, src: a6, dst: b6, ipv: 6, payload: sip}
	tun := func(w want, n uint8) want { w.tunnels = n; return w }
	return []frameCase{
		{"ethernet ipv4 udp", udp4().Ethernet(), LinkEthernet, u4},
		{"ethernet ipv6 udp", udp6().Ethernet(), LinkEthernet, u6},
		{"802.1Q", udp4().Ethernet(pcapgen.Dot1Q(100)), LinkEthernet, u4},
		{"QinQ 802.1ad", udp6().Ethernet(pcapgen.QinQ(10), pcapgen.Dot1Q(20)), LinkEthernet, u6},
		{"QinQ 0x9100 three tags", udp4().Ethernet(pcapgen.VLANTag{TPID: 0x9100, ID: 1}, pcapgen.QinQ(2), pcapgen.Dot1Q(3)), LinkEthernet, u4},
		{"MPLS two labels ipv4", udp4().MPLS(100, 200).Ethernet(), LinkEthernet, u4},
		{"MPLS ipv6 in VLAN", udp6().MPLS(16).Ethernet(pcapgen.Dot1Q(7)), LinkEthernet, u6},
		{"IPv4 in IPv4", udp4().IPinIP(t4a, t4b).Ethernet(), LinkEthernet, tun(u4, 1)},
		{"IPv6 in IPv4", udp6().IPinIP(t4a, t4b).Ethernet(), LinkEthernet, tun(u6, 1)},
		{"IPv4 in IPv6", udp4().IPinIP(t6a, t6b).Ethernet(), LinkEthernet, tun(u4, 1)},
		{"IPv6 in IPv6 in IPv4", udp6().IPinIP(t6a, t6b).IPinIP(t4a, t4b).Ethernet(), LinkEthernet, tun(u6, 2)},
		{"GRE ipv4", udp4().GRE(t4a, t4b, pcapgen.GREOptions{}).Ethernet(), LinkEthernet, tun(u4, 1)},
		{"GRE checksum key seq", udp4().GRE(t4a, t4b, pcapgen.GREOptions{Checksum: true, KeyPresent: true, Key: 9, SeqPresent: true, Seq: 3}).Ethernet(), LinkEthernet, tun(u4, 1)},
		{"GRE key ipv6 over ipv6", udp6().GRE(t6a, t6b, pcapgen.GREOptions{KeyPresent: true, Key: 1}).Ethernet(), LinkEthernet, tun(u6, 1)},
		{"GRE TEB VLAN", udp4().Ethernet(pcapgen.Dot1Q(5)).GRE(t4a, t4b, pcapgen.GREOptions{KeyPresent: true}).Ethernet(), LinkEthernet, tun(u4, 1)},
		{"GRE MPLS", udp4().MPLS(30).GRE(t4a, t4b, pcapgen.GREOptions{}).Ethernet(), LinkEthernet, tun(u4, 1)},
		{"ERSPAN I", udp4().Ethernet().ERSPAN1(t4a, t4b).Ethernet(), LinkEthernet, tun(u4, 1)},
		{"ERSPAN II", udp4().Ethernet(pcapgen.Dot1Q(12)).ERSPAN2(t4a, t4b, pcapgen.ERSPAN{Session: 100, Seq: 77}).Ethernet(), LinkEthernet, tun(u4, 1)},
		{"ERSPAN III", udp6().Ethernet().ERSPAN3(t4a, t4b, pcapgen.ERSPAN{Session: 3, Timestamp: 12345}).Ethernet(), LinkEthernet, tun(u6, 1)},
		{"ERSPAN III subheader over IPv6", udp4().Ethernet().ERSPAN3(t6a, t6b, pcapgen.ERSPAN{Subheader: true}).Ethernet(pcapgen.Dot1Q(9)), LinkEthernet, tun(u4, 1)},
		{"GRE in GRE with IP-in-IP", udp4().IPinIP(t4b, t4a).GRE(t6a, t6b, pcapgen.GREOptions{}).Ethernet().ERSPAN2(t4a, t4b, pcapgen.ERSPAN{}).Ethernet(), LinkEthernet, tun(u4, 3)},
		{"SLL ipv4", udp4().SLL(), LinkLinuxSLL, u4},
		{"SLL ipv6", udp6().SLL(), LinkLinuxSLL, u6},
		{"SLL2 ipv4", udp4().SLL2(), LinkLinuxSLL2, u4},
		{"SLL2 ipv6", udp6().SLL2(), LinkLinuxSLL2, u6},
		{"Null little-endian ipv4", udp4().Null(false), LinkNull, u4},
		{"Null big-endian ipv6", udp6().Null(true), LinkNull, u6},
		{"Loop ipv4", udp4().Loop(), LinkLoop, u4},
		{"Loop ipv6", udp6().Loop(), LinkLoop, u6},
		{"raw ipv4", udp4().Raw(false), LinkRaw, u4},
		{"raw ipv6", udp6().Raw(false), LinkRaw, u6},
		{"DLT 228", udp4().Raw(true), LinkIPv4, u4},
		{"DLT 229", udp6().Raw(true), LinkIPv6, u6},
		{"TCP", pcapgen.NewTCP(a4, b4, 1000, 2000, TCPPsh|TCPAck, sip).Ethernet(), LinkEthernet,
			want{kind: KindTCP, src: a4, dst: b4, ipv: 4, payload: sip, seq: 1000, ack: 2000, flags: TCPPsh | TCPAck}},
		{"TCP SYN ipv6 no payload", pcapgen.NewTCP(a6, b6, 1<<31, 0, TCPSyn, nil).SLL(), LinkLinuxSLL,
			want{kind: KindTCP, src: a6, dst: b6, ipv: 6, payload: []byte{}, seq: 1 << 31, flags: TCPSyn}},
		{"SCTP", pcapgen.NewSCTP(a4, b4, 0xdeadbeef, pcapgen.DataChunk{TSN: 1, Stream: 1, PPID: 3, Payload: []byte("m3ua")}).Ethernet(), LinkEthernet,
			want{kind: KindSCTP, src: a4, dst: b4, ipv: 4, vtag: 0xdeadbeef,
				payload: []byte{0, 3, 0, 20, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 3, 'm', '3', 'u', 'a'}}},
	}
}

func TestDecodeFrames(t *testing.T) {
	d := NewDecoder()
	for _, tc := range frameCases() {
		t.Run(tc.name, func(t *testing.T) {
			lt, frame := build(t, tc.frame)
			if lt != tc.link {
				t.Fatalf("builder made link type %d, want %d", lt, tc.link)
			}
			var p Packet
			if err := d.Decode(lt, frame, &p); err != nil {
				t.Fatal(err)
			}
			if p.LinkType != lt {
				t.Errorf("link type %d", p.LinkType)
			}
			check(t, &p, tc.want)
		})
	}
}

// TestTruncatedEverywhere cuts every frame at every length: each cut must
// either fail with ErrTruncated, or decode to the same kind with a prefix of
// the payload and the Truncated flag (the IP length says more was sent).
func TestTruncatedEverywhere(t *testing.T) {
	d := NewDecoder()
	for _, tc := range frameCases() {
		lt, frame := build(t, tc.frame)
		var full Packet
		if err := d.Decode(lt, frame, &full); err != nil {
			t.Fatal(err)
		}
		for n := range len(frame) {
			var p Packet
			err := d.Decode(lt, frame[:n], &p)
			if err != nil {
				var e *Error
				if !errors.Is(err, ErrTruncated) || !errors.As(err, &e) || e.Offset > n {
					t.Errorf("%s cut at %d: %v", tc.name, n, err)
				}
				if p.Kind != KindNone {
					t.Errorf("%s cut at %d: error with kind %v", tc.name, n, p.Kind)
				}
				continue
			}
			if p.Kind != full.Kind || !p.Truncated || !bytes.HasPrefix(full.Payload, p.Payload) {
				t.Errorf("%s cut at %d: kind %v truncated %v payload %d octets", tc.name, n, p.Kind, p.Truncated, len(p.Payload))
			}
		}
	}
}

func TestEthernetPaddingAndOffload(t *testing.T) {
	d := NewDecoder()
	_, frame := build(t, pcapgen.NewUDP(a4, b4, []byte("x")).Ethernet())
	padded := append(append([]byte(nil), frame...), make([]byte, 60-len(frame))...)
	var p Packet
	if err := d.Decode(LinkEthernet, padded, &p); err != nil {
		t.Fatal(err)
	}
	check(t, &p, want{kind: KindUDP, src: a4, dst: b4, payload: []byte("x")})

	// Segmentation offload: IPv4 total length 0, the frame end is the end.
	_, frame = build(t, pcapgen.NewTCP(a4, b4, 5, 6, TCPAck, sip).Ethernet())
	frame[14+2], frame[14+3] = 0, 0
	if err := d.Decode(LinkEthernet, frame, &p); err != nil {
		t.Fatal(err)
	}
	check(t, &p, want{kind: KindTCP, src: a4, dst: b4, payload: sip, seq: 5, ack: 6, flags: TCPAck})

	// IPv6 payload length 0 (jumbogram / offload) and UDP length 0.
	_, frame = build(t, udp6().Ethernet())
	frame[14+4], frame[14+5] = 0, 0
	frame[14+40+4], frame[14+40+5] = 0, 0
	if err := d.Decode(LinkEthernet, frame, &p); err != nil {
		t.Fatal(err)
	}
	check(t, &p, want{kind: KindUDP, src: a6, dst: b6, payload: sip})
}

func TestLLCSNAP(t *testing.T) {
	_, ip := build(t, udp4())
	frame := make([]byte, 0, 100)
	frame = append(frame, 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1)
	frame = binary.BigEndian.AppendUint16(frame, uint16(8+len(ip))) // 802.3 length
	frame = append(frame, 0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00)
	frame = append(frame, ip...)
	var p Packet
	d := NewDecoder()
	if err := d.Decode(LinkEthernet, frame, &p); err != nil {
		t.Fatal(err)
	}
	check(t, &p, want{kind: KindUDP, src: a4, dst: b4, payload: sip})

	// Plain LLC (spanning tree) is not followed.
	stp := append(append([]byte(nil), frame[:12]...), 0, 38, 0x42, 0x42, 0x03, 0, 0)
	if err := d.Decode(LinkEthernet, stp, &p); err != nil || p.Kind != KindOther || len(p.Payload) != 5 {
		t.Errorf("STP: %v %v %x", err, p.Kind, p.Payload)
	}
}

// ipv6Ext inserts extension headers (each: next header set by the
// function, length from its size) after the IPv6 header of packet.
func ipv6Ext(packet []byte, exts ...[]byte) []byte {
	out := append([]byte(nil), packet[:40]...)
	next := packet[6]
	out[6] = exts[0][0]
	for i, e := range exts {
		e = append([]byte(nil), e...)
		if i+1 < len(exts) {
			e[0] = exts[i+1][0]
		} else {
			e[0] = next
		}
		out = append(out, e...)
	}
	out = append(out, packet[40:]...)
	binary.BigEndian.PutUint16(out[4:], uint16(len(out)-40))
	return out
}

// Extension headers; the first octet says which header it is (the
// function replaces it with the next header).
var (
	hopByHop = []byte{protoHopByHop, 0, 1, 4, 0, 0, 0, 0}                         // PadN
	dstOpts  = []byte{protoDstOpts, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0} // 16 octets
	routing  = []byte{protoRouting, 0, 0, 0, 0, 0, 0, 0}                          // type 0, segments left 0
	authHdr  = []byte{protoAH, 4, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	atomic   = []byte{protoFragment, 0, 0, 0, 0, 0, 0, 42}
)

func TestIPv6ExtensionHeaders(t *testing.T) {
	_, pkt := build(t, udp6())
	d := NewDecoder()
	for _, tc := range []struct {
		name string
		exts [][]byte
	}{
		{"hop-by-hop", [][]byte{hopByHop}},
		{"hop-by-hop routing destination", [][]byte{hopByHop, dstOpts, routing, dstOpts}},
		{"authentication header", [][]byte{authHdr}},
		{"atomic fragment", [][]byte{hopByHop, atomic}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ip := ipv6Ext(pkt, tc.exts...)
			var p Packet
			if err := d.Decode(LinkRaw, ip, &p); err != nil {
				t.Fatal(err)
			}
			check(t, &p, want{kind: KindUDP, src: a6, dst: b6, ipv: 6, payload: sip})
			if p.IPProto != protoUDP {
				t.Errorf("IP protocol %d", p.IPProto)
			}
			for n := 40; n < len(ip)-len(sip); n++ {
				if err := d.Decode(LinkRaw, ip[:n], &p); err == nil && !p.Truncated {
					t.Errorf("cut at %d: no error, not truncated", n)
				}
			}
		})
	}
}

func TestFragmentsDecodeAsFragments(t *testing.T) {
	d := NewDecoder()
	big := bytes.Repeat([]byte("0123456789abcdef"), 200)
	for _, tc := range []struct {
		name string
		f    *pcapgen.Frame
		v    uint8
	}{
		{"ipv4", pcapgen.NewUDP(a4, b4, big), 4},
		{"ipv6", pcapgen.NewUDP(a6, b6, big), 6},
		{"ipv4 inside GRE", pcapgen.NewUDP(a4, b4, big), 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			frags, err := tc.f.Fragments(1500, 0x1234)
			if err != nil {
				t.Fatal(err)
			}
			if len(frags) != 3 {
				t.Fatalf("%d fragments", len(frags))
			}
			off := 0
			for i, fr := range frags {
				ip, _ := fr.Bytes()
				if tc.name == "ipv4 inside GRE" {
					fr = fr.GRE(t4a, t4b, pcapgen.GREOptions{})
				}
				lt, frame := build(t, fr.Ethernet(pcapgen.Dot1Q(1)))
				var p Packet
				if err := d.Decode(lt, frame, &p); err != nil {
					t.Fatal(err)
				}
				w := want{kind: KindIPFragment, src: a4, dst: b4, ipv: tc.v, payload: ip, fragOff: uint16(off), moreFrags: i < 2}
				if tc.v == 6 {
					w.src, w.dst = a6, b6
				}
				if tc.name == "ipv4 inside GRE" {
					w.tunnels = 1
				}
				check(t, &p, w)
				if p.IPProto != protoUDP {
					t.Errorf("fragment %d: protocol %d", i, p.IPProto)
				}
				if tc.v == 6 && p.FragID != 0x1234 {
					t.Errorf("fragment ID %x", p.FragID)
				}
				hdr := 20 // IPv4 header; IPv6 header and fragment header
				if tc.v == 6 {
					hdr = 48
				}
				off += len(p.Payload) - hdr
			}
		})
	}
}

func TestMTP(t *testing.T) {
	m := &mtp3.MSU{
		SIO:   mtp3.NewSIO(mtp3.NINational, 0, mtp3.SIISUP),
		Label: mtp3.Label{Format: mtp3.ITU, OPC: mtp3.ITUPC(11522), DPC: mtp3.ITUPC(12163), SLS: 5},
		Data:  []byte{0xd5, 0x00, 0x10, 0x00},
	}
	msu := m.Append(nil)
	l := pcapgen.NewMTP2Link()
	su := l.MSU(m) // BSN 127 BIB 1, FSN 0 FIB 1
	d := NewDecoder()
	var p Packet

	if err := d.Decode(LinkMTP2, su, &p); err != nil {
		t.Fatal(err)
	}
	if p.Kind != KindMTP2 || !bytes.Equal(p.Payload, msu) || p.BSN != 127 || !p.BIB || p.FSN != 0 || !p.FIB || p.LI != uint16(len(msu)) {
		t.Errorf("MSU: %+v", p)
	}
	if err := d.Decode(LinkMTP2Phdr, pcapgen.MTP2WithPhdr(true, 0x0102, su), &p); err != nil {
		t.Fatal(err)
	}
	if p.Kind != KindMTP2 || !bytes.Equal(p.Payload, msu) || !p.MTP2Sent || p.MTP2Link != 0x0102 || p.FSN != 0 {
		t.Errorf("MSU with pseudo-header: %+v", p)
	}
	fisu := []byte{0x85, 0x06, 0x00}
	if err := d.Decode(LinkMTP2, fisu, &p); err != nil || p.Kind != KindMTP2 || p.LI != 0 || len(p.Payload) != 0 || p.BSN != 5 || !p.BIB || p.FSN != 6 || p.FIB {
		t.Errorf("FISU: %v %+v", err, p)
	}
	lssu := []byte{0x7f, 0xff, 0x01, byte(SIOS)}
	if err := d.Decode(LinkMTP2, lssu, &p); err != nil || p.LI != 1 || p.LSSU != SIOS || len(p.Payload) != 0 || p.LSSU.String() != "SIOS" {
		t.Errorf("LSSU: %v %+v", err, p)
	}
	// Annex A: 12-bit sequence numbers, 9-bit LI, little-endian fields.
	ext := []byte{0x34, 0x82, 0xff, 0x0f, byte(len(msu)), 0x00}
	if err := d.Decode(LinkMTP2Phdr, append([]byte{0, 1, 0, 7}, append(ext, msu...)...), &p); err != nil {
		t.Fatal(err)
	}
	if p.BSN != 0x234 || !p.BIB || p.FSN != 0xfff || p.FIB || p.LI != uint16(len(msu)) || !bytes.Equal(p.Payload, msu) || p.MTP2Sent || p.MTP2Link != 7 {
		t.Errorf("Annex A: %+v", p)
	}
	if err := d.Decode(LinkMTP3, msu, &p); err != nil || p.Kind != KindMTP3 || !bytes.Equal(p.Payload, msu) {
		t.Errorf("DLT 141: %v %+v", err, p)
	}
	for _, c := range []struct {
		lt    uint16
		frame []byte
	}{{LinkMTP2, su[:2]}, {LinkMTP2, su[:3]}, {LinkMTP2, lssu[:3]}, {LinkMTP2Phdr, []byte{0, 0, 0}}, {LinkMTP3, nil}} {
		if err := d.Decode(c.lt, c.frame, &p); !errors.Is(err, ErrTruncated) {
			t.Errorf("%d %x: %v", c.lt, c.frame, err)
		}
	}
}

func TestOtherAndErrors(t *testing.T) {
	d := NewDecoder()
	var p Packet
	arp := append([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x08, 0x06}, make([]byte, 28)...)
	if err := d.Decode(LinkEthernet, arp, &p); err != nil || p.Kind != KindOther || len(p.Payload) != 28 {
		t.Errorf("ARP: %v %v", err, p.Kind)
	}
	_, icmp := build(t, pcapgen.NewIP(a4.Addr(), b4.Addr(), 1, []byte{8, 0, 0, 0}).Ethernet())
	if err := d.Decode(LinkEthernet, icmp, &p); err != nil || p.Kind != KindOther || p.IPProto != 1 || p.Src != a4.Addr() || len(p.Payload) != 4 {
		t.Errorf("ICMP: %v %+v", err, p)
	}
	_, esp := build(t, pcapgen.NewIP(a6.Addr(), b6.Addr(), 50, make([]byte, 16)).SLL2())
	if err := d.Decode(LinkLinuxSLL2, esp, &p); err != nil || p.Kind != KindOther || p.IPProto != 50 {
		t.Errorf("ESP: %v %+v", err, p)
	}
	_, null := build(t, udp4().Null(false))
	null[0] = 7 // AF_ISO
	if err := d.Decode(LinkNull, null, &p); err != nil || p.Kind != KindOther {
		t.Errorf("Null AF 7: %v %v", err, p.Kind)
	}
	// GRE version 1 (PPTP) is not followed.
	_, gre := build(t, udp4().GRE(t4a, t4b, pcapgen.GREOptions{}).Ethernet())
	gre[14+20+1] |= 1
	if err := d.Decode(LinkEthernet, gre, &p); err != nil || p.Kind != KindOther || p.Tunnels != 0 {
		t.Errorf("PPTP GRE: %v %v", err, p.Kind)
	}

	_, good := build(t, udp4().Ethernet())
	for _, tc := range []struct {
		name   string
		lt     uint16
		mutate func(b []byte) []byte
		layer  Layer
		offset int
		err    error
	}{
		{"unsupported link", 147, nil, LayerLink, 0, ErrUnsupportedLink},
		{"IPv4 version", LinkEthernet, func(b []byte) []byte { b[14] = 0x55; return b }, LayerIPv4, 14, ErrBadHeader},
		{"IPv4 IHL", LinkEthernet, func(b []byte) []byte { b[14] = 0x44; return b }, LayerIPv4, 14, ErrBadHeader},
		{"IPv4 total length", LinkEthernet, func(b []byte) []byte { b[16], b[17] = 0, 19; return b }, LayerIPv4, 14, ErrBadHeader},
		{"UDP length", LinkEthernet, func(b []byte) []byte { b[34+4], b[34+5] = 0, 7; return b }, LayerUDP, 34, ErrBadHeader},
		{"raw version", LinkRaw, func(b []byte) []byte { b[14] = 0x75; return b[14:] }, LayerIP, 0, ErrBadHeader},
		{"IPv4 options cut", LinkEthernet, func(b []byte) []byte { b[14] = 0x4f; return b[:14+40] }, LayerIPv4, 14, ErrTruncated},
	} {
		b := append([]byte(nil), good...)
		if tc.mutate != nil {
			b = tc.mutate(b)
		}
		err := d.Decode(tc.lt, b, &p)
		var e *Error
		if !errors.Is(err, tc.err) || !errors.As(err, &e) || e.Layer != tc.layer || e.Offset != tc.offset || p.Kind != KindNone {
			t.Errorf("%s: %v (kind %v)", tc.name, err, p.Kind)
		}
	}
	_, tcp := build(t, pcapgen.NewTCP(a4, b4, 1, 1, 0, nil).Ethernet())
	tcp[34+12] = 0x40
	if err := d.Decode(LinkEthernet, tcp, &p); !errors.Is(err, ErrBadHeader) {
		t.Errorf("TCP data offset 4: %v", err)
	}
	if got := (&Error{Layer: LayerUDP, Offset: 34, Err: ErrBadHeader, Why: "length below 8"}).Error(); got != "netdec: udp at offset 34: bad header: length below 8" {
		t.Errorf("error text %q", got)
	}
}

func TestTooDeep(t *testing.T) {
	f := udp4()
	for range maxDepth {
		f = f.IPinIP(t4a, t4b)
	}
	lt, frame := build(t, f.Ethernet())
	var p Packet
	if err := NewDecoder().Decode(lt, frame, &p); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("%d nested IP headers: %v", maxDepth+1, err)
	}
	labels := make([]uint32, maxDepth+1)
	lt, frame = build(t, udp4().MPLS(labels...).Ethernet())
	if err := NewDecoder().Decode(lt, frame, &p); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("%d MPLS labels: %v", len(labels), err)
	}
	// A decoder is reusable after an error.
	lt, frame = build(t, udp4().Ethernet())
	d := NewDecoder()
	_ = d.Decode(LinkEthernet, frame[:20], &p)
	if err := d.Decode(lt, frame, &p); err != nil || p.Kind != KindUDP {
		t.Fatal(err)
	}
}

func TestDecodeIPKeepsOuter(t *testing.T) {
	_, ip := build(t, udp4().IPinIP(t4a, t4b))
	p := Packet{LinkType: LinkEthernet, Tunnels: 2, Kind: KindIPFragment, Payload: []byte("old")}
	if err := NewDecoder().DecodeIP(ip, &p); err != nil {
		t.Fatal(err)
	}
	if p.LinkType != LinkEthernet {
		t.Errorf("link type %d", p.LinkType)
	}
	check(t, &p, want{kind: KindUDP, src: a4, dst: b4, payload: sip, tunnels: 3})
	if err := NewDecoder().DecodeIP(nil, &p); !errors.Is(err, ErrTruncated) {
		t.Errorf("empty datagram: %v", err)
	}
}

func TestStrings(t *testing.T) {
	for k := KindNone; k <= KindOther; k++ {
		if s := k.String(); s == "" || s[:4] != "Kind" {
			t.Errorf("%d: %q", k, s)
		}
	}
	if KindIPFragment.String() != "KindIPFragment" || Kind(99).String() != "Kind(99)" {
		t.Error(KindIPFragment.String(), Kind(99).String())
	}
	if LayerIPv6Ext.String() != "ipv6 extension header" || Layer(200).String() != "Layer(200)" {
		t.Error(LayerIPv6Ext.String())
	}
	if SIB.String() != "SIB" || LSSUStatus(7).String() != "LSSUStatus(7)" {
		t.Error(SIB.String())
	}
	for _, lt := range []uint16{0, 1, 12, 14, 101, 108, 113, 139, 140, 141, 228, 229, 276} {
		if !SupportedLink(lt) {
			t.Errorf("link type %d not supported", lt)
		}
	}
	if SupportedLink(105) {
		t.Error("802.11 supported")
	}
}
