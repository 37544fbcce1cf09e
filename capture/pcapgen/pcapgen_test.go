package pcapgen

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/sipgw/sipgw/sigtran/mtp3"
	"github.com/wmnsk/go-m3ua/messages"
	"github.com/wmnsk/go-m3ua/messages/params"
)

var t0 = time.Date(2024, 7, 5, 13, 9, 59, 862196000, time.UTC)

type packet struct {
	ci   gopacket.CaptureInfo
	data []byte
}

func readAll(t *testing.T, r io.Reader, ng bool) (layers.LinkType, []packet) {
	t.Helper()
	var src interface {
		ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	}
	var lt layers.LinkType
	if ng {
		nr, err := pcapgo.NewNgReader(r, pcapgo.DefaultNgReaderOptions)
		if err != nil {
			t.Fatal(err)
		}
		src, lt = nr, nr.LinkType()
	} else {
		pr, err := pcapgo.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		src, lt = pr, pr.LinkType()
	}
	var out []packet
	for {
		d, ci, err := src.ReadPacketData()
		if err == io.EOF {
			return lt, out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, packet{ci, append([]byte(nil), d...)})
	}
}

func TestUDP(t *testing.T) {
	for _, tc := range []struct {
		name     string
		src, dst string
		ng       bool
	}{
		{"ipv4 pcap", "192.0.2.1:5060", "192.0.2.2:5060", false},
		{"ipv6 pcapng", "[2001:db8::1]:5060", "[2001:db8::2]:5080", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			var w *Writer
			var err error
			if tc.ng {
				w, err = NewNgWriter(&buf, Ethernet)
			} else {
				w, err = NewWriter(&buf, Ethernet)
			}
			if err != nil {
				t.Fatal(err)
			}
			src, dst := netip.MustParseAddrPort(tc.src), netip.MustParseAddrPort(tc.dst)
			payload := []byte("OPTIONS sip:a@b SIP/2.0\r\n\r\n")
			if err := w.UDP(t0, src, dst, payload); err != nil {
				t.Fatal(err)
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			lt, pkts := readAll(t, &buf, tc.ng)
			if lt != Ethernet || len(pkts) != 1 || !pkts[0].ci.Timestamp.Equal(t0) {
				t.Fatalf("link %v, %d packets, ts %v", lt, len(pkts), pkts)
			}
			p := gopacket.NewPacket(pkts[0].data, layers.LayerTypeEthernet, gopacket.Default)
			if el := p.ErrorLayer(); el != nil {
				t.Fatal(el.Error())
			}
			u, _ := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
			if u == nil || int(u.SrcPort) != int(src.Port()) || int(u.DstPort) != int(dst.Port()) || !bytes.Equal(u.Payload, payload) {
				t.Fatalf("udp %+v", u)
			}
			// Recompute the checksum over the pseudo-header: a correct
			// checksum sums to 0xffff.
			if !udpChecksumOK(p) {
				t.Error("bad UDP checksum")
			}
		})
	}
}

func udpChecksumOK(p gopacket.Packet) bool {
	u := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
	var pseudo []byte
	switch ip := p.NetworkLayer().(type) {
	case *layers.IPv4:
		pseudo = append(append(append([]byte{}, ip.SrcIP.To4()...), ip.DstIP.To4()...), 0, 17, byte(u.Length>>8), byte(u.Length))
	case *layers.IPv6:
		pseudo = append(append(append([]byte{}, ip.SrcIP...), ip.DstIP...), 0, 0, byte(u.Length>>8), byte(u.Length), 0, 0, 0, 17)
	}
	all := append(append(pseudo, u.Contents...), u.Payload...)
	var s uint32
	for i := 0; i+1 < len(all); i += 2 {
		s += uint32(all[i])<<8 | uint32(all[i+1])
	}
	if len(all)%2 == 1 {
		s += uint32(all[len(all)-1]) << 8
	}
	for s > 0xffff {
		s = s&0xffff + s>>16
	}
	return s == 0xffff
}

func TestM3UAData(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Ethernet)
	if err != nil {
		t.Fatal(err)
	}
	rc := uint32(7)
	a := NewAssoc(netip.MustParseAddrPort("10.28.6.42:2905"), netip.MustParseAddrPort("10.28.6.44:2905"), 0x0e50b0b0, 1000, 4)
	a.RoutingContext = &rc
	opc, dpc := mtp3.ITUPC(11522), mtp3.ITUPC(12163)
	isup := []byte{0xd5, 0x00, 0x10, 0x00} // RLC, CIC 213
	for i := range 3 {
		if err := w.M3UAData(t0.Add(time.Duration(i)*time.Millisecond), a, opc, dpc, mtp3.SIISUP, mtp3.NINationalSpare, 5, isup[:3+i%2]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.M3UAData(t0, a, opc, mtp3.ANSIPC(1), mtp3.SIISUP, 0, 5, isup); err == nil {
		t.Error("mixed point code formats accepted")
	}
	_, pkts := readAll(t, &buf, false)
	if len(pkts) != 3 {
		t.Fatalf("%d packets", len(pkts))
	}
	for i, pk := range pkts {
		p := gopacket.NewPacket(pk.data, layers.LayerTypeEthernet, gopacket.Default)
		s, _ := p.Layer(layers.LayerTypeSCTP).(*layers.SCTP)
		if s == nil || s.VerificationTag != 0x0e50b0b0 || s.SrcPort != 2905 {
			t.Fatalf("sctp %+v", s)
		}
		// CRC32c over the packet with the checksum field zeroed, stored
		// as RFC 9260 Appendix A shows (least significant octet first).
		sctp := append([]byte(nil), append(s.Contents, s.Payload...)...)
		got := binary.LittleEndian.Uint32(sctp[8:12])
		clear(sctp[8:12])
		if want := crc32.Checksum(sctp, crc32.MakeTable(crc32.Castagnoli)); got != want {
			t.Errorf("packet %d: checksum %08x, want %08x", i, got, want)
		}
		d, _ := p.Layer(layers.LayerTypeSCTPData).(*layers.SCTPData)
		if d == nil || d.TSN != uint32(1000+i) || d.StreamId != 3 || d.StreamSequence != uint16(i) || d.PayloadProtocol != PPIDM3UA || !d.BeginFragment || !d.EndFragment {
			t.Fatalf("packet %d: data chunk %+v", i, d)
		}
		if int(d.Length) != 16+len(d.Payload) {
			t.Errorf("chunk length %d for %d octets", d.Length, len(d.Payload))
		}
		msg, err := messages.Parse(d.Payload)
		if err != nil {
			t.Fatal(err)
		}
		data, ok := msg.(*messages.Data)
		if !ok {
			t.Fatalf("%T", msg)
		}
		if data.RoutingContext == nil || data.RoutingContext.Data[3] != 7 {
			t.Errorf("routing context %v", data.RoutingContext)
		}
		pd, err := data.ProtocolData.ProtocolData()
		if err != nil {
			t.Fatal(err)
		}
		want := params.NewProtocolDataPayload(11522, 12163, 5, 3, 0, 5, isup[:3+i%2])
		if pd.OriginatingPointCode != want.OriginatingPointCode || pd.DestinationPointCode != want.DestinationPointCode ||
			pd.ServiceIndicator != 5 || pd.NetworkIndicator != 3 || pd.SignalingLinkSelection != 5 || !bytes.Equal(pd.Data, want.Data) {
			t.Errorf("protocol data %+v", pd)
		}
	}
}

func TestStreamFor(t *testing.T) {
	// With fewer than two streams there is only stream 0 (stream 1 would
	// not exist on the association).
	for _, n := range []uint16{0, 1} {
		a := &Assoc{Streams: n}
		if s := a.StreamFor(9); s != 0 {
			t.Errorf("%d streams: SLS 9 → stream %d, want 0", n, s)
		}
	}
	a := &Assoc{Streams: 17}
	for sls := range uint8(32) {
		if s := a.StreamFor(sls); s == 0 || s > 16 || s != a.StreamFor(sls) {
			t.Errorf("SLS %d → stream %d", sls, s)
		}
	}
	if s := a.StreamFor(5); s != 6 {
		t.Errorf("17 streams: SLS 5 → stream %d, want 1 + 5 mod 16", s)
	}
	r := a.Reverse(1, 2)
	if r.Streams != 17 || r.VTag != 1 {
		t.Errorf("%+v", r)
	}
}

func TestSS7LinkTypes(t *testing.T) {
	m := &mtp3.MSU{
		SIO:   mtp3.NewSIO(mtp3.NINational, 0, mtp3.SIISUP),
		Label: mtp3.Label{Format: mtp3.ITU, OPC: mtp3.ITUPC(11522), DPC: mtp3.ITUPC(12163), SLS: 5},
		Data:  []byte{0xd5, 0x00, 0x10, 0x00},
	}
	var b3 bytes.Buffer
	w3, _ := NewWriter(&b3, MTP3)
	if err := w3.MTP3Frame(t0, m); err != nil {
		t.Fatal(err)
	}
	if err := w3.UDP(t0, netip.MustParseAddrPort("1.2.3.4:1"), netip.MustParseAddrPort("1.2.3.5:1"), nil); !errors.Is(err, ErrLinkType) {
		t.Errorf("UDP on DLT 141: %v", err)
	}
	lt, pkts := readAll(t, &b3, false)
	if lt != MTP3 || len(pkts) != 1 || !bytes.Equal(pkts[0].data, []byte{0x85, 0x83, 0xaf, 0x40, 0x5b, 0xd5, 0x00, 0x10, 0x00}) {
		t.Fatalf("DLT 141: %v %x", lt, pkts)
	}

	var b2 bytes.Buffer
	w2, _ := NewWriter(&b2, MTP2)
	l := NewMTP2Link()
	for range 2 {
		if err := w2.MTP2Frame(t0, l, m); err != nil {
			t.Fatal(err)
		}
	}
	big := *m
	big.Data = make([]byte, 100)
	if err := w2.MTP2Frame(t0, l, &big); err != nil {
		t.Fatal(err)
	}
	_, pkts = readAll(t, &b2, false)
	wants := [][]byte{
		{0xff, 0x80, 9, 0x85, 0x83, 0xaf, 0x40, 0x5b, 0xd5, 0x00, 0x10, 0x00},
		{0xff, 0x81, 9, 0x85, 0x83, 0xaf, 0x40, 0x5b, 0xd5, 0x00, 0x10, 0x00},
	}
	for i, want := range wants {
		if !bytes.Equal(pkts[i].data, want) {
			t.Errorf("MTP2 frame %d: %x, want %x", i, pkts[i].data, want)
		}
	}
	if pkts[2].data[2] != 63 || len(pkts[2].data) != 3+105 {
		t.Errorf("long MSU: LI %d, len %d", pkts[2].data[2], len(pkts[2].data))
	}
	bad := *m
	bad.Label.SLS = 200
	if err := w2.MTP2Frame(t0, l, &bad); !errors.Is(err, mtp3.ErrRange) {
		t.Errorf("invalid label: %v", err)
	}
}

func TestAddrMix(t *testing.T) {
	w, _ := NewWriter(io.Discard, Ethernet)
	err := w.UDP(t0, netip.MustParseAddrPort("1.2.3.4:1"), netip.MustParseAddrPort("[::1]:1"), nil)
	if !errors.Is(err, ErrAddrMix) {
		t.Fatal(err)
	}
}

func BenchmarkM3UAData(b *testing.B) {
	w, _ := NewWriter(io.Discard, Ethernet)
	a := NewAssoc(netip.MustParseAddrPort("10.0.0.1:2905"), netip.MustParseAddrPort("10.0.0.2:2905"), 1, 1, 2)
	isup := make([]byte, 60)
	b.ReportAllocs()
	for b.Loop() {
		if err := w.M3UAData(t0, a, mtp3.ITUPC(1), mtp3.ITUPC(2), mtp3.SIISUP, mtp3.NINational, 1, isup); err != nil {
			b.Fatal(err)
		}
	}
}
