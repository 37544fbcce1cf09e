package pcapgen_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/sipgw/sipgw/capture/pcapgen"
	"github.com/sipgw/sipgw/internal/oracle"
	"github.com/sipgw/sipgw/internal/testenv"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

var (
	ts   = time.Date(2024, 7, 5, 13, 9, 59, 0, time.UTC)
	ua4  = netip.MustParseAddrPort("192.0.2.1:5060")
	ub4  = netip.MustParseAddrPort("198.51.100.7:5060")
	ua6  = netip.MustParseAddrPort("[2001:db8::1]:5060")
	ub6  = netip.MustParseAddrPort("[2001:db8:1::2]:5060")
	ta4  = netip.MustParseAddr("10.0.0.1")
	tb4  = netip.MustParseAddr("10.0.0.2")
	ta6  = netip.MustParseAddr("fd00::a")
	tb6  = netip.MustParseAddr("fd00::b")
	opts = "OPTIONS sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n" +
		"From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\nCall-ID: c1@192.0.2.1\r\n" +
		"CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
)

// sipBody returns a SIP MESSAGE request with a body of n octets.
func sipBody(n int) []byte {
	body := bytes.Repeat([]byte("0123456789abcde\n"), n/16+1)[:n]
	h := "MESSAGE sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK2\r\n" +
		"From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\nCall-ID: c2@192.0.2.1\r\n" +
		"CSeq: 1 MESSAGE\r\nMax-Forwards: 70\r\nContent-Type: text/plain\r\nContent-Length: " +
		itoa(n) + "\r\n\r\n"
	return append([]byte(h), body...)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func mustBytes(t *testing.T, f *pcapgen.Frame) []byte {
	t.Helper()
	b, err := f.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decode parses a frame with gopacket (an independent decoder).
func decode(t *testing.T, first gopacket.Decoder, b []byte) gopacket.Packet {
	t.Helper()
	p := gopacket.NewPacket(b, first, gopacket.Default)
	if el := p.ErrorLayer(); el != nil {
		t.Fatalf("gopacket: %v", el.Error())
	}
	return p
}

func TestBuildersGopacket(t *testing.T) {
	udp := func() *pcapgen.Frame { return pcapgen.NewUDP(ua4, ub4, []byte(opts)) }
	for _, tc := range []struct {
		name   string
		f      *pcapgen.Frame
		lt     layers.LinkType
		layers []gopacket.LayerType
	}{
		{"QinQ", udp().Ethernet(pcapgen.QinQ(10), pcapgen.Dot1Q(20)), pcapgen.Ethernet,
			[]gopacket.LayerType{layers.LayerTypeEthernet, layers.LayerTypeDot1Q, layers.LayerTypeDot1Q, layers.LayerTypeIPv4, layers.LayerTypeUDP}},
		{"MPLS", udp().MPLS(1, 2).Ethernet(), pcapgen.Ethernet,
			[]gopacket.LayerType{layers.LayerTypeEthernet, layers.LayerTypeMPLS, layers.LayerTypeMPLS, layers.LayerTypeIPv4, layers.LayerTypeUDP}},
		{"IP in IP", udp().IPinIP(ta6, tb6).Ethernet(), pcapgen.Ethernet,
			[]gopacket.LayerType{layers.LayerTypeEthernet, layers.LayerTypeIPv6, layers.LayerTypeIPv4, layers.LayerTypeUDP}},
		{"GRE", udp().GRE(ta4, tb4, pcapgen.GREOptions{Checksum: true, KeyPresent: true, Key: 5}).Ethernet(), pcapgen.Ethernet,
			[]gopacket.LayerType{layers.LayerTypeEthernet, layers.LayerTypeIPv4, layers.LayerTypeGRE, layers.LayerTypeIPv4, layers.LayerTypeUDP}},
		{"ERSPAN II", udp().Ethernet().ERSPAN2(ta4, tb4, pcapgen.ERSPAN{Session: 9, Seq: 1}).Ethernet(), pcapgen.Ethernet,
			[]gopacket.LayerType{layers.LayerTypeEthernet, layers.LayerTypeIPv4, layers.LayerTypeGRE, layers.LayerTypeERSPANII, layers.LayerTypeEthernet, layers.LayerTypeIPv4, layers.LayerTypeUDP}},
		{"SLL", udp().SLL(), pcapgen.LinkSLL,
			[]gopacket.LayerType{layers.LayerTypeLinuxSLL, layers.LayerTypeIPv4, layers.LayerTypeUDP}},
		{"SLL2", pcapgen.NewUDP(ua6, ub6, nil).SLL2(), pcapgen.LinkSLL2,
			[]gopacket.LayerType{layers.LayerTypeLinuxSLL2, layers.LayerTypeIPv6, layers.LayerTypeUDP}},
		{"Null", udp().Null(false), pcapgen.LinkNull,
			[]gopacket.LayerType{layers.LayerTypeLoopback, layers.LayerTypeIPv4, layers.LayerTypeUDP}},
		{"TCP", pcapgen.NewTCP(ua4, ub4, 1, 2, 0x18, []byte("x")).Raw(false), pcapgen.LinkRaw,
			[]gopacket.LayerType{layers.LayerTypeIPv4, layers.LayerTypeTCP}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.f.LinkType() != tc.lt {
				t.Fatalf("link type %v, want %v", tc.f.LinkType(), tc.lt)
			}
			p := decode(t, tc.lt, mustBytes(t, tc.f))
			var got []gopacket.LayerType
			for _, l := range p.Layers() {
				if l.LayerType() != gopacket.LayerTypePayload && l.LayerType() != layers.LayerTypeSIP {
					got = append(got, l.LayerType())
				}
			}
			if len(got) != len(tc.layers) {
				t.Fatalf("layers %v, want %v", got, tc.layers)
			}
			for i := range got {
				if got[i] != tc.layers[i] {
					t.Fatalf("layers %v, want %v", got, tc.layers)
				}
			}
		})
	}
}

func TestBuilderErrors(t *testing.T) {
	udp := pcapgen.NewUDP(ua4, ub4, nil)
	for name, f := range map[string]*pcapgen.Frame{
		"address mix":       pcapgen.NewUDP(ua4, ub6, nil),
		"ERSPAN around IP":  pcapgen.NewUDP(ua4, ub4, nil).ERSPAN2(ta4, tb4, pcapgen.ERSPAN{}),
		"SLL around SLL":    pcapgen.NewUDP(ua4, ub4, nil).SLL().SLL(),
		"no chunks":         pcapgen.NewSCTP(ua4, ub4, 1),
		"not IP":            pcapgen.FromIP([]byte{1, 2, 3}),
		"MPLS no labels":    pcapgen.NewUDP(ua4, ub4, nil).MPLS(),
		"IP-in-IP Ethernet": pcapgen.FromEthernet(make([]byte, 20)).IPinIP(ta4, tb4),
		"too big":           pcapgen.NewUDP(ua4, ub4, make([]byte, 65535)),
	} {
		if _, err := f.Bytes(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := udp.Fragments(20, 0); !errors.Is(err, pcapgen.ErrMTU) {
		t.Errorf("MTU 20: %v", err)
	}
	if _, err := pcapgen.IPv6Fragments(mustBytes(t, pcapgen.NewUDP(ua6, ub6, nil)), 50, 1); !errors.Is(err, pcapgen.ErrMTU) {
		t.Errorf("IPv6 MTU 50: %v", err)
	}
	var buf bytes.Buffer
	w, _ := pcapgen.NewWriter(&buf, pcapgen.Ethernet)
	if err := w.WriteFrame(ts, pcapgen.NewUDP(ua4, ub4, nil).SLL()); !errors.Is(err, pcapgen.ErrLinkType) {
		t.Errorf("SLL frame in an Ethernet capture: %v", err)
	}
}

// TestIPv4Fragments checks the fragments against the packet: offsets,
// flags, lengths, header checksums, and the data put back together.
func TestIPv4Fragments(t *testing.T) {
	pkt := mustBytes(t, pcapgen.NewUDP(ua4, ub4, sipBody(4000)))
	frags, err := pcapgen.IPv4Fragments(pkt, 1500)
	if err != nil {
		t.Fatal(err)
	}
	if len(frags) != 3 {
		t.Fatalf("%d fragments", len(frags))
	}
	var data []byte
	for i, fr := range frags {
		if len(fr) > 1500 {
			t.Errorf("fragment %d: %d octets", i, len(fr))
		}
		ip := decode(t, layers.LayerTypeIPv4, fr).Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if int(ip.FragOffset)*8 != len(data) || (ip.Flags&layers.IPv4MoreFragments != 0) != (i < 2) || ip.Flags&layers.IPv4DontFragment != 0 {
			t.Errorf("fragment %d: offset %d flags %v", i, ip.FragOffset, ip.Flags)
		}
		if ip.Id != binary.BigEndian.Uint16(pkt[4:]) || int(ip.Length) != len(fr) {
			t.Errorf("fragment %d: id %d length %d", i, ip.Id, ip.Length)
		}
		var sum uint32
		for j := 0; j < 20; j += 2 {
			sum += uint32(fr[j])<<8 | uint32(fr[j+1])
		}
		if sum = sum&0xffff + sum>>16; sum&0xffff+sum>>16 != 0xffff {
			t.Errorf("fragment %d: bad header checksum", i)
		}
		data = append(data, fr[20:]...)
	}
	if !bytes.Equal(data, pkt[20:]) {
		t.Error("fragments do not add up to the packet")
	}
	one, _ := pcapgen.IPv4Fragments(pkt, 9000)
	if len(one) != 1 || !bytes.Equal(one[0], pkt) {
		t.Error("a packet that fits was fragmented")
	}
}

func TestSCTPChunksBuilt(t *testing.T) {
	msg := bytes.Repeat([]byte("0123456789"), 30) // 300 octets: 128 + 128 + 44
	var chunks []pcapgen.Chunk
	for _, c := range pcapgen.FragmentData(100, 1, 7, 0, msg, 128) {
		chunks = append(chunks, c)
	}
	chunks = append(chunks, pcapgen.RawChunk{Type: 3, Value: []byte{0, 0, 0, 99, 0, 1, 0, 0, 0, 0, 0, 0}}) // SACK
	f := pcapgen.NewSCTP(ua4, ub4, 0xabcdef01, chunks...)
	b := mustBytes(t, f)
	sctp := b[20:]
	got := binary.LittleEndian.Uint32(sctp[8:12])
	c := append([]byte(nil), sctp...)
	clear(c[8:12])
	if want := crc32.Checksum(c, crc32.MakeTable(crc32.Castagnoli)); got != want {
		t.Errorf("CRC32c %08x, want %08x", got, want)
	}
	p := decode(t, layers.LayerTypeIPv4, b)
	var n int
	var data []byte
	for _, l := range p.Layers() {
		if d, ok := l.(*layers.SCTPData); ok {
			if d.TSN != uint32(100+n) || d.StreamId != 1 || d.StreamSequence != 7 || d.BeginFragment != (n == 0) || d.EndFragment != (n == 2) {
				t.Errorf("chunk %d: %+v", n, d)
			}
			data = append(data, d.Payload...)
			n++
		}
	}
	if n != 3 || !bytes.Equal(data, msg) {
		t.Errorf("%d DATA chunks, %d octets", n, len(data))
	}
	idata := pcapgen.FragmentIData(5, 2, 9, 3, msg, 200)
	if len(idata) != 2 || !idata[0].Begin || idata[0].End || idata[1].Begin || !idata[1].End || idata[1].FSN != 1 || idata[1].TSN != 6 {
		t.Errorf("I-DATA fragments %+v", idata)
	}
	if w := idata[1].AppendChunk(nil); len(w)%4 != 0 || w[0] != 64 || w[1] != 0x01 || binary.BigEndian.Uint32(w[16:]) != 1 {
		t.Errorf("I-DATA chunk %x", w[:20])
	}
}

// TestBuildersTshark writes captures of every builder and link type and
// checks that tshark, an independent decoder, finds the protocols and
// addresses intended, reassembles the fragments, and flags nothing.
func TestBuildersTshark(t *testing.T) {
	testenv.Tool(t, "tshark", "this check compares with tshark")
	type frame struct {
		f      *pcapgen.Frame
		protos string // frame.protocols
		src    string // innermost IP source
	}
	udp := func() *pcapgen.Frame { return pcapgen.NewUDP(ua4, ub4, []byte(opts)) }
	udp6 := func() *pcapgen.Frame { return pcapgen.NewUDP(ua6, ub6, []byte(opts)) }
	const sip = "udp:sip"
	big := sipBody(3000)
	frags4, err := pcapgen.NewUDP(ua4, ub4, big).Fragments(1400, 0)
	if err != nil {
		t.Fatal(err)
	}
	frags6, err := pcapgen.NewUDP(ua6, ub6, big).Fragments(1400, 0x5a5a)
	if err != nil {
		t.Fatal(err)
	}
	msg := sipBody(1000)
	half := (len(msg) + 1) / 2 // two fragments each
	dataFr := pcapgen.FragmentData(10, 0, 0, 0, msg, half)
	idataFr := pcapgen.FragmentIData(20, 0, 0, 0, msg, half)
	ethernet := []frame{
		{udp().Ethernet(), "eth:ethertype:ip:" + sip, "192.0.2.1"},
		{udp6().Ethernet(pcapgen.Dot1Q(100)), "eth:ethertype:vlan:ethertype:ipv6:" + sip, "2001:db8::1"},
		{udp().Ethernet(pcapgen.QinQ(10), pcapgen.Dot1Q(20)), "eth:ethertype:ieee8021ad:ethertype:vlan:ethertype:ip:" + sip, "192.0.2.1"},
		{udp().MPLS(100, 200).Ethernet(), "eth:ethertype:mpls:ip:" + sip, "192.0.2.1"},
		{udp().IPinIP(ta4, tb4).Ethernet(), "eth:ethertype:ip:ip:" + sip, "192.0.2.1"},
		{udp6().IPinIP(ta4, tb4).Ethernet(), "eth:ethertype:ip:ipv6:" + sip, "2001:db8::1"},
		{udp().IPinIP(ta6, tb6).Ethernet(), "eth:ethertype:ipv6:ip:" + sip, "192.0.2.1"},
		{udp().GRE(ta4, tb4, pcapgen.GREOptions{Checksum: true, KeyPresent: true, Key: 7, SeqPresent: true, Seq: 1}).Ethernet(), "eth:ethertype:ip:gre:ip:" + sip, "192.0.2.1"},
		{udp().Ethernet().GRE(ta4, tb4, pcapgen.GREOptions{KeyPresent: true}).Ethernet(), "eth:ethertype:ip:gre:eth:ethertype:ip:" + sip, "192.0.2.1"},
		{udp().Ethernet().ERSPAN1(ta4, tb4).Ethernet(), "eth:ethertype:ip:gre:erspan:eth:ethertype:ip:" + sip, "192.0.2.1"},
		{udp().Ethernet(pcapgen.Dot1Q(5)).ERSPAN2(ta4, tb4, pcapgen.ERSPAN{Session: 100, Seq: 2}).Ethernet(), "eth:ethertype:ip:gre:erspan:eth:ethertype:vlan:ethertype:ip:" + sip, "192.0.2.1"},
		{udp6().Ethernet().ERSPAN3(ta6, tb6, pcapgen.ERSPAN{Session: 3, Seq: 3, Timestamp: 99}).Ethernet(), "eth:ethertype:ipv6:gre:erspan:eth:ethertype:ipv6:" + sip, "2001:db8::1"},
		{udp().Ethernet().ERSPAN3(ta4, tb4, pcapgen.ERSPAN{Session: 4, Seq: 4, Subheader: true}).Ethernet(), "eth:ethertype:ip:gre:erspan:eth:ethertype:ip:" + sip, "192.0.2.1"},
		{pcapgen.NewTCP(ua4, ub4, 1000, 2000, 0x18, []byte(opts)).Ethernet(), "eth:ethertype:ip:tcp:sip", "192.0.2.1"},
	}
	for i, fr := range frags4 {
		p := "eth:ethertype:ip:data"
		if i == len(frags4)-1 {
			p = "eth:ethertype:ip:" + sip + ":data-text-lines"
		}
		ethernet = append(ethernet, frame{fr.Ethernet(), p, "192.0.2.1"})
	}
	for i, fr := range frags6 {
		p := "eth:ethertype:ipv6:ipv6.fraghdr:data"
		if i == len(frags6)-1 {
			p = "eth:ethertype:ipv6:ipv6.fraghdr:" + sip + ":data-text-lines"
		}
		ethernet = append(ethernet, frame{fr.Ethernet(), p, "2001:db8::1"})
	}
	ethernet = append(ethernet,
		frame{pcapgen.NewSCTP(ua4, ub4, 1, dataFr[0]).Ethernet(), "eth:ethertype:ip:sctp", "192.0.2.1"},
		frame{pcapgen.NewSCTP(ua4, ub4, 1, dataFr[1]).Ethernet(), "eth:ethertype:ip:sctp:sip:data-text-lines", "192.0.2.1"},
		frame{pcapgen.NewSCTP(ua6, ub6, 2, idataFr[0]).Ethernet(), "eth:ethertype:ipv6:sctp", "2001:db8::1"},
		frame{pcapgen.NewSCTP(ua6, ub6, 2, idataFr[1]).Ethernet(), "eth:ethertype:ipv6:sctp:sip:data-text-lines", "2001:db8::1"},
	)
	m := &mtp3.MSU{
		SIO:   mtp3.NewSIO(mtp3.NINational, 0, mtp3.SIISUP),
		Label: mtp3.Label{Format: mtp3.ITU, OPC: mtp3.ITUPC(11522), DPC: mtp3.ITUPC(12163), SLS: 5},
		Data:  []byte{0xd5, 0x00, 0x10, 0x00}, // RLC, CIC 213
	}
	files := []struct {
		lt     layers.LinkType
		frames []frame
		raw    [][]byte // frames given as bytes
		protos []string
	}{
		{lt: pcapgen.Ethernet, frames: ethernet},
		{lt: pcapgen.LinkSLL, frames: []frame{{udp().SLL(), "sll:ethertype:ip:" + sip, "192.0.2.1"}, {udp6().SLL(), "sll:ethertype:ipv6:" + sip, "2001:db8::1"}}},
		{lt: pcapgen.LinkSLL2, frames: []frame{{udp().SLL2(), "sll:ethertype:ip:" + sip, "192.0.2.1"}, {udp6().SLL2(), "sll:ethertype:ipv6:" + sip, "2001:db8::1"}}},
		{lt: pcapgen.LinkNull, frames: []frame{{udp().Null(false), "null:ip:" + sip, "192.0.2.1"}, {udp6().Null(true), "null:ipv6:" + sip, "2001:db8::1"}}},
		{lt: pcapgen.LinkLoop, frames: []frame{{udp().Loop(), "null:ip:" + sip, "192.0.2.1"}, {udp6().Loop(), "null:ipv6:" + sip, "2001:db8::1"}}},
		{lt: pcapgen.LinkRaw, frames: []frame{{udp().Raw(false), "raw:ip:" + sip, "192.0.2.1"}, {udp6().Raw(false), "raw:ipv6:" + sip, "2001:db8::1"}}},
		{lt: pcapgen.LinkIPv4, frames: []frame{{udp().Raw(true), "ip:" + sip, "192.0.2.1"}}},
		{lt: pcapgen.LinkIPv6, frames: []frame{{udp6().Raw(true), "ipv6:" + sip, "2001:db8::1"}}},
		{lt: pcapgen.LinkMTP2Phdr, raw: [][]byte{pcapgen.MTP2WithPhdr(true, 3, pcapgen.NewMTP2Link().MSU(m))}, protos: []string{"mtp2:mtp3:isup"}},
	}
	dir := t.TempDir()
	for _, file := range files {
		path := filepath.Join(dir, strings.ReplaceAll(file.lt.String(), " ", "_")+".pcap")
		out, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		w, err := pcapgen.NewWriter(out, file.lt)
		if err != nil {
			t.Fatal(err)
		}
		protos := file.protos
		for _, fr := range file.frames {
			if err := w.WriteFrame(ts, fr.f); err != nil {
				t.Fatal(err)
			}
			protos = append(protos, fr.protos)
		}
		for _, b := range file.raw {
			if err := w.Frame(ts, b); err != nil {
				t.Fatal(err)
			}
		}
		out.Close()
		// SCTP reassembly is off by default in tshark.
		pkts, err := oracle.Tshark(context.Background(), path, "sctp.reassembly:TRUE")
		if err != nil {
			t.Fatal(err)
		}
		if len(pkts) != len(protos) {
			t.Fatalf("%v: tshark read %d frames, want %d", file.lt, len(pkts), len(protos))
		}
		for i, p := range pkts {
			got := ""
			if n := p.All("frame.protocols"); len(n) > 0 {
				got = n[0].Show
			}
			if got != protos[i] {
				t.Errorf("%v frame %d: protocols %q, want %q", file.lt, i+1, got, protos[i])
			}
			if probs := p.Problems(oracle.SeverityWarn); len(probs) > 0 {
				t.Errorf("%v frame %d: tshark flags %v", file.lt, i+1, probs)
			}
			if i < len(file.frames) {
				var src string // the innermost: the last in the tree
				for _, pr := range p.Protos {
					pr.Walk(func(n *oracle.Node) {
						if n.Name == "ip.src" || n.Name == "ipv6.src" {
							src = n.Show
						}
					})
				}
				if src != file.frames[i].src {
					t.Errorf("%v frame %d: innermost source %q, want %q", file.lt, i+1, src, file.frames[i].src)
				}
			}
		}
		// The reassembled SIP messages are whole: tshark found their
		// Content-Length satisfied.
		for i, p := range pkts {
			for _, cl := range p.All("sip.Content-Length") {
				if cl.Show != "0" && cl.Show != "3000" && cl.Show != "1000" {
					t.Errorf("%v frame %d: Content-Length %s", file.lt, i+1, cl.Show)
				}
			}
		}
	}
}
