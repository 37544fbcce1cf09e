package hep

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sipgw/sipgw/capture/netdec"
)

// The tests build HEP datagrams with their own encoders, written from the
// HEP3 specification (github.com/sipcapture/HEP) and the senders' v1/v2
// structs, so that Decode is checked against an independent writer.

type chunk struct {
	vendor, typ uint16
	val         []byte
}

func u8(v uint8) []byte           { return []byte{v} }
func u16(v uint16) []byte         { return binary.BigEndian.AppendUint16(nil, v) }
func u32(v uint32) []byte         { return binary.BigEndian.AppendUint32(nil, v) }
func ip(s string) []byte          { return netip.MustParseAddr(s).AsSlice() }
func ch(t uint16, v []byte) chunk { return chunk{typ: t, val: v} }

// encode3 makes a HEP3 datagram of the chunks.
func encode3(cs ...chunk) []byte {
	b := []byte("HEP3\x00\x00")
	for _, c := range cs {
		b = binary.BigEndian.AppendUint16(b, c.vendor)
		b = binary.BigEndian.AppendUint16(b, c.typ)
		b = binary.BigEndian.AppendUint16(b, uint16(6+len(c.val)))
		b = append(b, c.val...)
	}
	binary.BigEndian.PutUint16(b[4:], uint16(len(b)))
	return b
}

const invite = "INVITE sip:bob@10.0.0.2 SIP/2.0\r\nCall-ID: hep-1@a\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"

var when = time.Date(2026, 3, 1, 10, 0, 0, 123456000, time.UTC)

// sip3 is a HEP3 SIP packet as heplify sends it.
func sip3(proto uint8, src, dst string, sport, dport uint16, payload string) []byte {
	a := netip.MustParseAddr(src)
	cs := []chunk{ch(chProto, u8(proto))}
	if a.Is4() {
		cs = append(cs, ch(chFamily, u8(afInet)), ch(chSrc4, ip(src)), ch(chDst4, ip(dst)))
	} else {
		cs = append(cs, ch(chFamily, u8(afInet6)), ch(chSrc6, ip(src)), ch(chDst6, ip(dst)))
	}
	cs = append(cs, ch(chSrcPort, u16(sport)), ch(chDstPort, u16(dport)),
		ch(chTimeSec, u32(uint32(when.Unix()))), ch(chTimeUsec, u32(uint32(when.Nanosecond()/1000))),
		ch(chType, u8(TypeSIP)), ch(chCaptureID, u32(2001)), ch(chAuthKey, []byte("myHep")),
		chunk{vendor: 3, typ: 0x20, val: []byte("a Kamailio chunk")},
		ch(chPayload, []byte(payload)))
	return encode3(cs...)
}

// encode12 makes a HEP v1 or v2 datagram (v2: time header in the
// sender's little-endian order, padded to 12 octets).
func encode12(v uint8, proto uint8, src, dst string, sport, dport uint16, payload string) []byte {
	a, b := netip.MustParseAddr(src), netip.MustParseAddr(dst)
	fam, alen := uint8(afInet), 4
	if a.Is6() {
		fam, alen = afInet6, 16
	}
	out := []byte{v, uint8(8 + 2*alen), fam, proto}
	out = binary.BigEndian.AppendUint16(out, sport)
	out = binary.BigEndian.AppendUint16(out, dport)
	out = append(out, a.AsSlice()...)
	out = append(out, b.AsSlice()...)
	if v == 2 {
		out = binary.LittleEndian.AppendUint32(out, uint32(when.Unix()))
		out = binary.LittleEndian.AppendUint32(out, uint32(when.Nanosecond()/1000))
		out = binary.LittleEndian.AppendUint16(out, 77)
		out = append(out, 0, 0)
	}
	return append(out, payload...)
}

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		name      string
		in        []byte
		version   int
		proto     uint8
		src, dst  string
		time      time.Time
		captureID uint32
	}{
		{"v3 IPv4 UDP", sip3(ProtoUDP, "10.0.0.1", "10.0.0.2", 5060, 5062, invite), 3, ProtoUDP, "10.0.0.1:5060", "10.0.0.2:5062", when, 2001},
		{"v3 IPv6 TCP", sip3(ProtoTCP, "2001:db8::1", "2001:db8::2", 40000, 5060, invite), 3, ProtoTCP, "[2001:db8::1]:40000", "[2001:db8::2]:5060", when, 2001},
		{"v2 IPv4", encode12(2, ProtoUDP, "192.0.2.1", "192.0.2.9", 5060, 5060, invite), 2, ProtoUDP, "192.0.2.1:5060", "192.0.2.9:5060", when, 77},
		{"v2 IPv6", encode12(2, ProtoTCP, "2001:db8::a", "2001:db8::b", 5061, 5060, invite), 2, ProtoTCP, "[2001:db8::a]:5061", "[2001:db8::b]:5060", when, 77},
		{"v1 IPv4", encode12(1, ProtoUDP, "192.0.2.1", "192.0.2.9", 5060, 5060, invite), 1, ProtoUDP, "192.0.2.1:5060", "192.0.2.9:5060", time.Time{}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p Packet
			if err := Decode(tc.in, &p); err != nil {
				t.Fatal(err)
			}
			var wantTime int64
			if !tc.time.IsZero() {
				wantTime = tc.time.UnixNano()
			}
			if p.Version != tc.version || p.Proto != tc.proto || p.Src.String() != tc.src || p.Dst.String() != tc.dst ||
				p.Time != wantTime || p.Type != TypeSIP || p.CaptureID != tc.captureID || string(p.Payload) != invite {
				t.Errorf("decoded %+v", p)
			}
			if tc.version == 3 && string(p.AuthKey) != "myHep" {
				t.Errorf("auth key %q", p.AuthKey)
			}
			if !p.Signalling() {
				t.Error("a SIP packet is not signalling")
			}
		})
	}
}

func gz(s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

func TestDecodeCompressedAndKeepAlive(t *testing.T) {
	in := encode3(ch(chFamily, u8(afInet)), ch(chProto, u8(ProtoUDP)), ch(chSrc4, ip("10.0.0.1")), ch(chDst4, ip("10.0.0.2")),
		ch(chSrcPort, u16(5060)), ch(chDstPort, u16(5060)), ch(chType, u8(TypeSIP)), ch(chCompressed, gz(invite)))
	var p Packet
	if err := Decode(in, &p); err != nil {
		t.Fatal(err)
	}
	if string(p.Payload) != invite || p.Time != 0 {
		t.Errorf("payload %q time %d", p.Payload, p.Time)
	}
	ka := encode3(ch(chFamily, u8(afInet)), ch(chSrc4, ip("10.0.0.1")), ch(chDst4, ip("10.0.0.2")), ch(chKeepAlive, u16(30)), ch(chType, u8(TypeSIP)))
	if err := Decode(ka, &p); err != nil {
		t.Fatal(err)
	}
	if p.Signalling() || len(p.Payload) != 0 {
		t.Errorf("a keep-alive is signalling: %+v", p)
	}
	logs := sip3(ProtoUDP, "10.0.0.1", "10.0.0.2", 1, 2, `{"log": 1}`)
	Decode(logs, &p)
	p.Type = 100
	if p.Signalling() {
		t.Error("a log packet is signalling")
	}
}

func TestDecodeAllocs(t *testing.T) {
	in := sip3(ProtoUDP, "10.0.0.1", "10.0.0.2", 1, 2, invite)
	var p Packet
	if a := testing.AllocsPerRun(100, func() { Decode(in, &p) }); a != 0 {
		t.Errorf("%v allocations a packet", a)
	}
}

func TestDecodeErrors(t *testing.T) {
	good := sip3(ProtoUDP, "10.0.0.1", "10.0.0.2", 5060, 5060, invite)
	setLen := func(b []byte, n uint16) []byte {
		c := bytes.Clone(b)
		binary.BigEndian.PutUint16(c[4:], n)
		return c
	}
	big := bytes.Repeat([]byte("x"), MaxPayload+10)
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrShort},
		{"junk", []byte("GET / HTTP/1.1\r\n"), ErrVersion},
		{"v3 header only", []byte("HEP3\x00"), ErrShort},
		{"v3 total longer than datagram", setLen(good, uint16(len(good)+1)), ErrLength},
		{"v3 total too small", setLen(good, 3), ErrLength},
		{"v3 chunk header cut", setLen(append(bytes.Clone(good), 0, 0, 0), uint16(len(good)+3)), ErrChunk},
		{"v3 chunk longer than packet", encode3(chunk{typ: chPayload, val: []byte("ab")})[:10], ErrLength},
		{"v3 chunk length 3", func() []byte { b := encode3(ch(chFamily, u8(2))); binary.BigEndian.PutUint16(b[10:], 3); return b }(), ErrChunk},
		{"v3 bad port chunk", encode3(ch(chFamily, u8(2)), ch(chSrcPort, u8(1))), ErrChunk},
		{"v3 bad IPv4 chunk", encode3(ch(chFamily, u8(2)), ch(chSrc4, ip("2001:db8::1"))), ErrChunk},
		{"v3 no addresses", encode3(ch(chFamily, u8(2)), ch(chPayload, []byte(invite))), ErrAddress},
		{"v3 IPv6 family, IPv4 addresses", encode3(ch(chFamily, u8(10)), ch(chSrc4, ip("10.0.0.1")), ch(chDst4, ip("10.0.0.2"))), ErrAddress},
		{"v3 family 7", encode3(ch(chFamily, u8(7))), ErrFamily},
		{"v3 bad gzip", encode3(ch(chFamily, u8(2)), ch(chSrc4, ip("10.0.0.1")), ch(chDst4, ip("10.0.0.2")), ch(chCompressed, []byte("not gzip"))), ErrCompressed},
		{"v3 gzip bomb", encode3(ch(chFamily, u8(2)), ch(chSrc4, ip("10.0.0.1")), ch(chDst4, ip("10.0.0.2")), ch(chCompressed, gz(string(big)))), ErrCompressed},
		{"v2 short", []byte{2, 16, 2, 17, 0, 1}, ErrShort},
		{"v2 unknown family", func() []byte { b := encode12(2, 17, "10.0.0.1", "10.0.0.2", 1, 2, "x"); b[2] = 9; return b }(), ErrFamily},
		{"v2 header length", func() []byte { b := encode12(2, 17, "10.0.0.1", "10.0.0.2", 1, 2, "x"); b[1] = 20; return b }(), ErrLength},
		{"v2 no time header", encode12(2, 17, "10.0.0.1", "10.0.0.2", 1, 2, "")[:20], ErrShort},
		{"v2 microseconds", func() []byte {
			b := encode12(2, 17, "10.0.0.1", "10.0.0.2", 1, 2, "x")
			binary.LittleEndian.PutUint32(b[20:], 2e6)
			return b
		}(), ErrLength},
		{"v1 IPv6 cut", encode12(1, 17, "2001:db8::1", "2001:db8::2", 1, 2, "")[:30], ErrShort},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p Packet
			err := Decode(tc.in, &p)
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			var de *DecodeError
			if !errors.As(err, &de) || !strings.HasPrefix(err.Error(), "hep v") {
				t.Errorf("error %q is not a *DecodeError saying where", err)
			}
		})
	}
}

// TestFrame: the rebuilt packets decode (netdec) to the addresses, ports,
// transport and payload of the copy; TCP sequence numbers and SCTP TSNs
// run on per direction; checksums are valid.
func TestFrame(t *testing.T) {
	var s Streams
	dec := netdec.NewDecoder()
	var np netdec.Packet
	frame := func(in []byte) []byte {
		t.Helper()
		var p Packet
		if err := Decode(in, &p); err != nil {
			t.Fatal(err)
		}
		f, err := s.Frame(nil, &p)
		if err != nil {
			t.Fatal(err)
		}
		if err := dec.Decode(netdec.LinkRaw, f, &np); err != nil {
			t.Fatal(err)
		}
		if np.Src != p.Src.Addr() || np.Dst != p.Dst.Addr() || np.SrcPort != p.Src.Port() || np.DstPort != p.Dst.Port() {
			t.Fatalf("rebuilt %v:%d → %v:%d, copy %v → %v", np.Src, np.SrcPort, np.Dst, np.DstPort, p.Src, p.Dst)
		}
		return f
	}
	f := frame(sip3(ProtoUDP, "10.0.0.1", "10.0.0.2", 5060, 5062, invite))
	if np.Kind != netdec.KindUDP || string(np.Payload) != invite || !checksumOK(f) {
		t.Errorf("UDP: %v %q checksum ok %v", np.Kind, np.Payload, checksumOK(f))
	}
	// Two halves of one message over TCP: consecutive sequence numbers.
	f1 := frame(sip3(ProtoTCP, "2001:db8::1", "2001:db8::2", 40000, 5060, invite[:30]))
	seq1, n1 := np.Seq, len(np.Payload)
	if np.Kind != netdec.KindTCP || np.TCPFlags != netdec.TCPPsh|netdec.TCPAck || !checksumOK(f1) {
		t.Errorf("TCP: %v flags %x checksum ok %v", np.Kind, np.TCPFlags, checksumOK(f1))
	}
	frame(sip3(ProtoTCP, "2001:db8::2", "2001:db8::1", 5060, 40000, "SIP/2.0 100 Trying\r\n\r\n"))
	frame(sip3(ProtoTCP, "2001:db8::1", "2001:db8::2", 40000, 5060, invite[30:]))
	if np.Seq != seq1+uint32(n1) || string(np.Payload) != invite[30:] {
		t.Errorf("second segment at %d, want %d", np.Seq, seq1+uint32(n1))
	}
	// M3UA over SCTP: PPID 3, TSN and SSN counting.
	m3ua := []byte{1, 0, 1, 1, 0, 0, 0, 8}
	for i := range 2 {
		in := encode3(ch(chFamily, u8(afInet)), ch(chProto, u8(ProtoSCTP)), ch(chSrc4, ip("10.1.1.1")), ch(chDst4, ip("10.1.1.2")),
			ch(chSrcPort, u16(2905)), ch(chDstPort, u16(2905)), ch(chType, u8(TypeM3UA)), ch(chPayload, m3ua))
		fr := frame(in)
		if np.Kind != netdec.KindSCTP || !sctpCRCOK(fr) {
			t.Fatalf("SCTP: %v crc ok %v", np.Kind, sctpCRCOK(fr))
		}
		var dc netdec.DataChunk
		n := 0
		netdec.SCTPChunks(np.Payload, func(c netdec.Chunk) bool {
			if err := netdec.ParseData(c, &dc); err != nil {
				t.Fatal(err)
			}
			n++
			return true
		})
		if n != 1 || dc.PPID != 3 || !bytes.Equal(dc.Payload, m3ua) || dc.SSN != uint16(i) {
			t.Errorf("chunk %d: %d chunks, %+v", i, n, dc)
		}
	}
	// Not signalling, too large.
	// (A HEP datagram cannot hold that much; a rebuilt TCP stream could.)
	p := Packet{Type: TypeSIP, Src: netip.MustParseAddrPort("10.0.0.1:1"), Dst: netip.MustParseAddrPort("10.0.0.2:2"),
		Payload: bytes.Repeat([]byte("x"), 70000)}
	if _, err := s.Frame(nil, &p); !errors.Is(err, ErrTooLarge) {
		t.Errorf("70,000-octet payload: %v", err)
	}
	p.Type = 5
	if _, err := s.Frame(nil, &p); err == nil {
		t.Error("an RTCP report made a frame")
	}
}

// checksumOK verifies the IPv4 header and UDP/TCP checksums of a rebuilt
// packet.
func checksumOK(f []byte) bool {
	if f[0]>>4 == 4 {
		if fold(sum(0, f[:20])) != 0xffff {
			return false
		}
		seg := f[20:]
		return fold(sum(pseudo(f, false, f[9], len(seg)), seg)) == 0xffff
	}
	seg := f[40:]
	return fold(sum(pseudo(f, true, f[6], len(seg)), seg)) == 0xffff
}

func sctpCRCOK(f []byte) bool {
	seg := bytes.Clone(f[20:])
	want := binary.LittleEndian.Uint32(seg[8:])
	binary.LittleEndian.PutUint32(seg[8:], 0)
	return crc32.Checksum(seg, castagnoli) == want
}
