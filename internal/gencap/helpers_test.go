package gencap

import (
	"bytes"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/sipgw/sipgw/isup"
	"github.com/wmnsk/go-m3ua/messages"
)

// generate returns the capture c describes.
func generate(t testing.TB, c Config) ([]byte, Stats) {
	t.Helper()
	var buf bytes.Buffer
	st, err := Generate(&buf, c)
	if err != nil {
		t.Fatal(err)
	}
	if st.Bytes != int64(buf.Len()) {
		t.Fatalf("Stats.Bytes %d, wrote %d", st.Bytes, buf.Len())
	}
	return buf.Bytes(), st
}

// frame is one decoded frame of a generated capture.
type frame struct {
	n        int // 1-based, as tshark numbers frames
	ts       time.Time
	src, dst netip.AddrPort
	sip      *sipMsg
	m3ua     *m3uaISUP
}

type sipMsg struct {
	start  string // request or status line
	method string // request method, "" for a response
	status int
	hdr    map[string]string // first value of each header, by lower-case name
	body   []byte
}

// m3uaISUP is an ISUP message carried in M3UA DATA.
type m3uaISUP struct {
	opc, dpc uint32
	si, sls  uint8
	msg      isup.Message
}

// decodeCapture reads every frame with gopacket's layer decoders, an
// implementation independent of the writer, and parses SIP text or M3UA
// DATA from them.
func decodeCapture(t testing.TB, capture []byte) []frame {
	t.Helper()
	r, err := pcapgo.NewReader(bytes.NewReader(capture))
	if err != nil {
		t.Fatal(err)
	}
	if r.LinkType() != layers.LinkTypeEthernet {
		t.Fatalf("link type %v", r.LinkType())
	}
	var out []frame
	for n := 1; ; n++ {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		p := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
		if el := p.ErrorLayer(); el != nil {
			t.Fatalf("frame %d: %v", n, el.Error())
		}
		ip, _ := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if ip == nil {
			t.Fatalf("frame %d: no IPv4", n)
		}
		f := frame{n: n, ts: ci.Timestamp}
		src, _ := netip.AddrFromSlice(ip.SrcIP)
		dst, _ := netip.AddrFromSlice(ip.DstIP)
		switch {
		case p.Layer(layers.LayerTypeUDP) != nil:
			u := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
			f.src, f.dst = netip.AddrPortFrom(src, uint16(u.SrcPort)), netip.AddrPortFrom(dst, uint16(u.DstPort))
			m, err := parseSIP(u.Payload)
			if err != nil {
				t.Fatalf("frame %d: %v", n, err)
			}
			f.sip = m
		case p.Layer(layers.LayerTypeSCTPData) != nil:
			s := p.Layer(layers.LayerTypeSCTP).(*layers.SCTP)
			d := p.Layer(layers.LayerTypeSCTPData).(*layers.SCTPData)
			f.src, f.dst = netip.AddrPortFrom(src, uint16(s.SrcPort)), netip.AddrPortFrom(dst, uint16(s.DstPort))
			msg, err := messages.Parse(d.Payload)
			if err != nil {
				t.Fatalf("frame %d: M3UA: %v", n, err)
			}
			dm, ok := msg.(*messages.Data)
			if !ok {
				t.Fatalf("frame %d: M3UA %T, want DATA", n, msg)
			}
			pd, err := dm.ProtocolData.ProtocolData()
			if err != nil {
				t.Fatalf("frame %d: protocol data: %v", n, err)
			}
			x := &m3uaISUP{opc: pd.OriginatingPointCode, dpc: pd.DestinationPointCode, si: pd.ServiceIndicator, sls: pd.SignalingLinkSelection}
			if err := x.msg.Decode(append([]byte(nil), pd.Data...), isup.ITU); err != nil {
				t.Fatalf("frame %d: ISUP: %v", n, err)
			}
			f.m3ua = x
		default:
			t.Fatalf("frame %d: neither UDP nor SCTP DATA", n)
		}
		out = append(out, f)
	}
}

// parseSIP splits a SIP message into start line, headers and body and
// checks that Content-Length matches the body.
func parseSIP(b []byte) (*sipMsg, error) {
	head, body, ok := bytes.Cut(b, []byte("\r\n\r\n"))
	if !ok {
		return nil, fmt.Errorf("SIP: no end of headers")
	}
	lines := strings.Split(string(head), "\r\n")
	m := &sipMsg{start: lines[0], hdr: map[string]string{}, body: body}
	if rest, ok := strings.CutPrefix(m.start, "SIP/2.0 "); ok {
		code, _, _ := strings.Cut(rest, " ")
		n, err := strconv.Atoi(code)
		if err != nil {
			return nil, fmt.Errorf("SIP: status line %q", m.start)
		}
		m.status = n
	} else {
		method, rest, _ := strings.Cut(m.start, " ")
		if !strings.HasSuffix(rest, " SIP/2.0") {
			return nil, fmt.Errorf("SIP: request line %q", m.start)
		}
		m.method = method
	}
	for _, l := range lines[1:] {
		name, value, ok := strings.Cut(l, ": ")
		if !ok {
			return nil, fmt.Errorf("SIP: header line %q", l)
		}
		k := strings.ToLower(name)
		if _, dup := m.hdr[k]; !dup {
			m.hdr[k] = value
		}
	}
	if cl, err := strconv.Atoi(m.hdr["content-length"]); err != nil || cl != len(body) {
		return nil, fmt.Errorf("SIP %q: Content-Length %q for a %d-octet body", m.start, m.hdr["content-length"], len(body))
	}
	return m, nil
}

// cseqMethod returns the method of the CSeq header.
func (m *sipMsg) cseqMethod() string {
	_, method, _ := strings.Cut(m.hdr["cseq"], " ")
	return method
}

// branch returns the Via branch.
func (m *sipMsg) branch() string {
	_, b, _ := strings.Cut(m.hdr["via"], ";branch=")
	b, _, _ = strings.Cut(b, ";")
	return b
}

// uriUser returns the user part of the first SIP URI in s.
func uriUser(s string) string {
	_, s, _ = strings.Cut(s, "sip:")
	u, _, _ := strings.Cut(s, "@")
	return u
}
