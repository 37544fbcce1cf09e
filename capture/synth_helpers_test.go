package capture_test

// Builders of the synthetic captures: SIP text, ISUP messages, TCP and
// SCTP senders, and a capture file writer for one or several link types.
// Frames come from capture/pcapgen; nothing here decodes.

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/sipgw/sipgw/capture/pcapgen"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/sipi"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// t0 is the start of every synthetic capture: timestamps are t0 plus a
// fixed offset, so goldens do not depend on the clock.
var t0 = time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

// Hosts of the synthetic captures (documentation ranges, RFC 5737/3849).
var (
	uacAddr  = netip.MustParseAddr("192.0.2.10")
	uasAddr  = netip.MustParseAddr("198.51.100.20")
	pbxAddr  = netip.MustParseAddr("203.0.113.30")
	uac6Addr = netip.MustParseAddr("2001:db8::10")
	uas6Addr = netip.MustParseAddr("2001:db8:1::20")
	tunA     = netip.MustParseAddr("10.1.0.1")
	tunB     = netip.MustParseAddr("10.1.0.2")
	sgA      = netip.MustParseAddr("172.16.0.1") // signalling gateway side
	sgB      = netip.MustParseAddr("172.16.0.2") // softswitch side
)

func ap(a netip.Addr, port uint16) netip.AddrPort { return netip.AddrPortFrom(a, port) }

// --- capture files ---

// wframe is one frame of a capture with its link type.
type wframe struct {
	t  time.Time
	lt layers.LinkType
	b  []byte
}

// capBuilder collects the frames of one capture file.
type capBuilder struct {
	t      testing.TB
	frames []wframe
}

func newCap(t testing.TB) *capBuilder { return &capBuilder{t: t} }

// add appends a built frame at ms.
func (c *capBuilder) add(ms int, f *pcapgen.Frame) {
	c.t.Helper()
	b, err := f.Bytes()
	if err != nil {
		c.t.Fatalf("frame at %d ms: %v", ms, err)
	}
	c.frames = append(c.frames, wframe{at(ms), f.LinkType(), b})
}

// raw appends a frame of link type lt as given.
func (c *capBuilder) raw(ms int, lt layers.LinkType, b []byte) {
	c.frames = append(c.frames, wframe{at(ms), lt, b})
}

// linkTypes lists the frames' link types in order of first use.
func (c *capBuilder) linkTypes() []layers.LinkType {
	var lts []layers.LinkType
	for _, f := range c.frames {
		if !slices.Contains(lts, f.lt) {
			lts = append(lts, f.lt)
		}
	}
	return lts
}

// pcap returns a classic pcap file (microsecond timestamps) written with
// pcapgen; every frame must have the same link type.
func (c *capBuilder) pcap() []byte {
	c.t.Helper()
	lts := c.linkTypes()
	if len(lts) != 1 {
		c.t.Fatalf("pcap needs one link type, have %v", lts)
	}
	var buf bytes.Buffer
	w, err := pcapgen.NewWriter(&buf, lts[0])
	if err != nil {
		c.t.Fatal(err)
	}
	for _, f := range c.frames {
		if err := w.Frame(f.t, f.b); err != nil {
			c.t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// pcapng returns a pcapng file with one interface per link type, in order
// of first use (pcapgen writes one interface only; gopacket's NgWriter
// adds the others).
func (c *capBuilder) pcapng() []byte {
	c.t.Helper()
	lts := c.linkTypes()
	if len(lts) == 0 {
		lts = []layers.LinkType{layers.LinkTypeEthernet}
	}
	var buf bytes.Buffer
	in := pcapgo.NgInterface{Name: "eth0", LinkType: lts[0], SnapLength: 65535, TimestampResolution: 6}
	w, err := pcapgo.NewNgWriterInterface(&buf, in, pcapgo.DefaultNgWriterOptions)
	if err != nil {
		c.t.Fatal(err)
	}
	for i, lt := range lts[1:] {
		in.Name, in.LinkType = fmt.Sprintf("link%d", i+1), lt
		if _, err := w.AddInterface(in); err != nil {
			c.t.Fatal(err)
		}
	}
	for _, f := range c.frames {
		ci := gopacket.CaptureInfo{Timestamp: f.t, CaptureLength: len(f.b), Length: len(f.b),
			InterfaceIndex: slices.Index(lts, f.lt)}
		if err := w.WritePacket(ci, f.b); err != nil {
			c.t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		c.t.Fatal(err)
	}
	return buf.Bytes()
}

func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.ModTime = t0 // reproducible bytes
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFile(t testing.TB, path string, b []byte) string {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// pcapRecordOffsets returns the offset of each record header of a classic
// pcap file (after the 24-octet file header).
func pcapRecordOffsets(t testing.TB, b []byte) []int {
	t.Helper()
	var offs []int
	for off := 24; off+16 <= len(b); {
		offs = append(offs, off)
		off += 16 + int(binary.LittleEndian.Uint32(b[off+8:]))
	}
	return offs
}

// --- SIP ---

// sipMsg is one SIP message as text: start line, headers in order, body.
// Content-Length is added from the body unless a header sets it.
type sipMsg struct {
	start   string
	headers []string
	body    []byte
}

func (m sipMsg) bytes() []byte {
	var b bytes.Buffer
	b.WriteString(m.start + "\r\n")
	hasCL := false
	for _, h := range m.headers {
		if strings.HasPrefix(strings.ToLower(h), "content-length:") {
			hasCL = true
		}
		b.WriteString(h + "\r\n")
	}
	if !hasCL {
		b.WriteString("Content-Length: " + strconv.Itoa(len(m.body)) + "\r\n")
	}
	b.WriteString("\r\n")
	b.Write(m.body)
	return b.Bytes()
}

// dialog builds the messages of one SIP dialog between a (the caller) and
// b, as a UA on each side would write them.
type dialog struct {
	tr             string // Via transport: UDP, TCP, SCTP, WS
	a, b           netip.AddrPort
	callID         string
	from, to       string // user parts (numbers)
	fromTag, toTag string
	// extra headers on the INVITE and its 2xx (B2BUA correlation).
	extra []string
}

func hostport(a netip.AddrPort) string { return a.String() }

func (d *dialog) via(fromA bool, branch string) string {
	src := d.a
	if !fromA {
		src = d.b
	}
	return fmt.Sprintf("Via: SIP/2.0/%s %s;branch=z9hG4bK%s", d.tr, hostport(src), branch)
}

// request builds a request from the caller (or from the callee when
// fromA is false, e.g. a BYE of the called party).
func (d *dialog) request(method string, cseq int, fromA bool, ctype string, body []byte, more ...string) []byte {
	uri := fmt.Sprintf("sip:%s@%s", d.to, d.b.Addr())
	from := fmt.Sprintf("From: \"%s\" <sip:%s@%s>;tag=%s", d.from, d.from, d.a.Addr(), d.fromTag)
	to := fmt.Sprintf("To: <sip:%s@%s>", d.to, d.b.Addr())
	if method != "INVITE" || cseq != 1 {
		if d.toTag != "" && method != "CANCEL" {
			to += ";tag=" + d.toTag
		}
	}
	if !fromA {
		uri = fmt.Sprintf("sip:%s@%s", d.from, d.a.Addr())
		from, to = fmt.Sprintf("From: <sip:%s@%s>;tag=%s", d.to, d.b.Addr(), d.toTag),
			fmt.Sprintf("To: \"%s\" <sip:%s@%s>;tag=%s", d.from, d.from, d.a.Addr(), d.fromTag)
	}
	h := []string{
		d.via(fromA, fmt.Sprintf("%s%d%s", strings.ToLower(method[:2]), cseq, d.fromTag)),
		"Max-Forwards: 70", from, to,
		"Call-ID: " + d.callID,
		fmt.Sprintf("CSeq: %d %s", cseq, method),
	}
	if method == "INVITE" {
		c := d.a
		if !fromA {
			c = d.b
		}
		h = append(h, fmt.Sprintf("Contact: <sip:%s@%s;transport=%s>", d.from, hostport(c), strings.ToLower(d.tr)))
		h = append(h, d.extra...)
	}
	h = append(h, more...)
	if ctype != "" {
		h = append(h, "Content-Type: "+ctype)
	}
	h = append(h, "User-Agent: sipsniff-synth/1.0")
	return sipMsg{start: method + " " + uri + " SIP/2.0", headers: h, body: body}.bytes()
}

var reasons = map[int]string{100: "Trying", 180: "Ringing", 183: "Session Progress", 200: "OK",
	403: "Forbidden", 404: "Not Found", 486: "Busy Here", 487: "Request Terminated", 503: "Service Unavailable"}

// response builds the callee's answer to a request of the caller (or
// the caller's answer to the callee's request when fromA is true).
func (d *dialog) response(status int, method string, cseq int, fromA bool, ctype string, body []byte, more ...string) []byte {
	reqFromA := !fromA
	to := fmt.Sprintf("To: <sip:%s@%s>", d.to, d.b.Addr())
	if status > 100 && d.toTag != "" {
		to += ";tag=" + d.toTag
	}
	from := fmt.Sprintf("From: \"%s\" <sip:%s@%s>;tag=%s", d.from, d.from, d.a.Addr(), d.fromTag)
	if !reqFromA {
		from, to = fmt.Sprintf("From: <sip:%s@%s>;tag=%s", d.to, d.b.Addr(), d.toTag),
			fmt.Sprintf("To: \"%s\" <sip:%s@%s>;tag=%s", d.from, d.from, d.a.Addr(), d.fromTag)
	}
	h := []string{
		d.via(reqFromA, fmt.Sprintf("%s%d%s", strings.ToLower(method[:2]), cseq, d.fromTag)),
		from, to,
		"Call-ID: " + d.callID,
		fmt.Sprintf("CSeq: %d %s", cseq, method),
	}
	if method == "INVITE" && status >= 200 && status < 300 {
		h = append(h, fmt.Sprintf("Contact: <sip:%s@%s;transport=%s>", d.to, hostport(d.b), strings.ToLower(d.tr)))
		h = append(h, d.extra...)
	}
	h = append(h, more...)
	if ctype != "" {
		h = append(h, "Content-Type: "+ctype)
	}
	return sipMsg{start: fmt.Sprintf("SIP/2.0 %d %s", status, reasons[status]), headers: h, body: body}.bytes()
}

// sdp is a small audio offer or answer of host a.
func sdp(a netip.Addr, port int) []byte {
	ip := "IP4"
	if a.Is6() {
		ip = "IP6"
	}
	return []byte(fmt.Sprintf("v=0\r\no=- 4711 1 IN %[1]s %[2]s\r\ns=-\r\nc=IN %[1]s %[2]s\r\nt=0 0\r\n"+
		"m=audio %[3]d RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n"+
		"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n", ip, a, port))
}

// step is one message of a flow: when, which way, what.
type step struct {
	ms    int
	fromA bool
	msg   []byte
}

// basicCall is an answered call released by the caller: INVITE, 100, 180,
// 200, ACK, BYE, 200 (PDD 50 ms, answer after 1 s, 4 s of talk).
func basicCall(d *dialog) []step {
	return []step{
		{0, true, d.request("INVITE", 1, true, "application/sdp", sdp(d.a.Addr(), 40000))},
		{10, false, d.response(100, "INVITE", 1, false, "", nil)},
		{50, false, d.response(180, "INVITE", 1, false, "", nil)},
		{1000, false, d.response(200, "INVITE", 1, false, "application/sdp", sdp(d.b.Addr(), 50000))},
		{1010, true, d.request("ACK", 1, true, "", nil)},
		{5000, true, d.request("BYE", 2, true, "", nil)},
		{5010, false, d.response(200, "BYE", 2, false, "", nil)},
	}
}

func newDialog(tr string, a, b netip.AddrPort, id string) *dialog {
	return &dialog{tr: tr, a: a, b: b, callID: id + "@synth.example", from: "4930123456", to: "4940987654",
		fromTag: "ft" + id, toTag: "tt" + id}
}

// udpFlow writes the steps over UDP, each datagram wrapped by wrap (a
// link layer and tunnels), starting at base ms.
func udpFlow(c *capBuilder, base int, d *dialog, steps []step, wrap func(*pcapgen.Frame) *pcapgen.Frame) {
	for _, s := range steps {
		src, dst := d.a, d.b
		if !s.fromA {
			src, dst = dst, src
		}
		c.add(base+s.ms, wrap(pcapgen.NewUDP(src, dst, s.msg)))
	}
}

func eth(f *pcapgen.Frame) *pcapgen.Frame { return f.Ethernet() }

// --- TCP ---

// tcpConn numbers the segments of one TCP connection, a the client.
type tcpConn struct {
	a, b       netip.AddrPort
	seqA, seqB uint32
}

const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpPSH = 0x08
	tcpACK = 0x10
)

func newTCP(a, b netip.AddrPort) *tcpConn { return &tcpConn{a: a, b: b, seqA: 1000, seqB: 5000} }

// handshake adds SYN, SYN-ACK, ACK at ms.
func (c *tcpConn) handshake(cb *capBuilder, ms int) {
	cb.add(ms, pcapgen.NewTCP(c.a, c.b, c.seqA, 0, tcpSYN, nil).Ethernet())
	c.seqA++
	cb.add(ms, pcapgen.NewTCP(c.b, c.a, c.seqB, c.seqA, tcpSYN|tcpACK, nil).Ethernet())
	c.seqB++
	cb.add(ms, pcapgen.NewTCP(c.a, c.b, c.seqA, c.seqB, tcpACK, nil).Ethernet())
}

// seg returns a data segment of a (fromA) or b at the direction's next
// sequence number, and advances it.
func (c *tcpConn) seg(fromA bool, payload []byte) *pcapgen.Frame {
	f := c.segAt(fromA, c.next(fromA), payload)
	if fromA {
		c.seqA += uint32(len(payload))
	} else {
		c.seqB += uint32(len(payload))
	}
	return f
}

func (c *tcpConn) next(fromA bool) uint32 {
	if fromA {
		return c.seqA
	}
	return c.seqB
}

// segAt returns a data segment at an explicit sequence number (for
// retransmissions and reordering); it does not advance.
func (c *tcpConn) segAt(fromA bool, seq uint32, payload []byte) *pcapgen.Frame {
	if fromA {
		return pcapgen.NewTCP(c.a, c.b, seq, c.seqB, tcpPSH|tcpACK, payload).Ethernet()
	}
	return pcapgen.NewTCP(c.b, c.a, seq, c.seqA, tcpPSH|tcpACK, payload).Ethernet()
}

// splitN cuts b into n nearly equal pieces.
func splitN(b []byte, n int) [][]byte {
	var out [][]byte
	size := (len(b) + n - 1) / n
	for len(b) > size {
		out = append(out, b[:size])
		b = b[size:]
	}
	return append(out, b)
}

// --- WebSocket (RFC 6455) ---

const wsKey = "dGhlIHNhbXBsZSBub25jZQ=="

func wsUpgrade(host string) []byte {
	return []byte("GET / HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + wsKey + "\r\nOrigin: http://" + host + "\r\nSec-WebSocket-Protocol: sip\r\n" +
		"Sec-WebSocket-Version: 13\r\n\r\n")
}

// wsAccept is the answer to wsKey (RFC 6455 §1.3 gives this pair).
func wsAccept() []byte {
	return []byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: sip\r\n\r\n")
}

// wsFrame builds one frame: opcode, FIN, and the payload masked with key
// when key is not nil (clients mask, servers do not).
func wsFrame(op byte, fin bool, key []byte, payload []byte) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	b := []byte{b0}
	var mbit byte
	if key != nil {
		mbit = 0x80
	}
	switch n := len(payload); {
	case n < 126:
		b = append(b, mbit|byte(n))
	case n < 65536:
		b = append(b, mbit|126, byte(n>>8), byte(n))
	default:
		b = append(b, mbit|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	if key == nil {
		return append(b, payload...)
	}
	b = append(b, key...)
	for i, c := range payload {
		b = append(b, c^key[i%4])
	}
	return b
}

// --- ISUP ---

// isupMsg encodes an ISUP message (CIC first) with the isup codec.
func isupBytes(t testing.TB, m *isup.Message) []byte {
	t.Helper()
	b, err := m.Append(nil)
	if err != nil {
		t.Fatalf("isup %v: %v", m.Type, err)
	}
	return b
}

// isupBody encodes the message from its type octet on, as SIP-I carries it.
func isupBody(t testing.TB, m *isup.Message) []byte {
	t.Helper()
	b, err := m.AppendBody(nil)
	if err != nil {
		t.Fatalf("isup %v: %v", m.Type, err)
	}
	return b
}

func iamMsg(t testing.TB, v isup.Variant, cic uint16, called, calling string) *isup.Message {
	t.Helper()
	m := isup.New(v, isup.IAM, cic)
	m.Set(&isup.NatureOfConnectionIndicators{})
	m.Set(&isup.ForwardCallIndicators{ISUPAllTheWay: true, ISDNAccess: true})
	cpc := isup.CategoryOrdinary
	m.Set(&cpc)
	if v == isup.ANSI {
		// Speech, 64 kbit/s circuit mode, G.711 µ-law (T1.113 user
		// service information, mandatory in the ANSI IAM).
		m.SetRaw(isup.ParamUserServiceInformation, []byte{0x80, 0x90, 0xa2})
	} else {
		m.Set(&isup.TransmissionMediumRequirement{})
	}
	cd, err := isup.NewCalledPartyNumber(isup.NAINational, called)
	if err != nil {
		t.Fatal(err)
	}
	m.Set(&cd)
	if calling != "" {
		cg, err := isup.NewCallingPartyNumber(isup.NAINational, calling, isup.APRIAllowed)
		if err != nil {
			t.Fatal(err)
		}
		m.Set(&cg)
	}
	return m
}

func acmMsg(v isup.Variant, cic uint16) *isup.Message {
	m := isup.New(v, isup.ACM, cic)
	m.Set(&isup.BackwardCallIndicators{})
	return m
}

func simpleMsg(v isup.Variant, t isup.MessageType, cic uint16) *isup.Message {
	return isup.New(v, t, cic)
}

func relMsg(v isup.Variant, cic uint16, cause isup.Cause) *isup.Message {
	m := isup.New(v, isup.REL, cic)
	m.Set(&isup.CauseIndicators{Location: isup.LocPublicLocal, Value: cause})
	return m
}

// isupStep is one ISUP message of a call: when, which way, what.
type isupStep struct {
	ms      int
	forward bool // from the exchange that sent the IAM
	m       *isup.Message
}

// isupCall is an answered ISUP call released by the caller with cause
// 16: IAM, ACM, ANM, REL, RLC.
func isupCall(t testing.TB, v isup.Variant, cic uint16, called, calling string) []isupStep {
	return []isupStep{
		{0, true, iamMsg(t, v, cic, called, calling)},
		{60, false, acmMsg(v, cic)},
		{1500, false, simpleMsg(v, isup.ANM, cic)},
		{6000, true, relMsg(v, cic, isup.CauseNormalClearing)},
		{6020, false, simpleMsg(v, isup.RLC, cic)},
	}
}

// ss7Link is the two signalling points of an ISUP call.
type ss7Link struct {
	opc, dpc mtp3.PointCode // of the IAM
	ni       mtp3.NetworkIndicator
	sls      uint8
}

func (l ss7Link) msu(t testing.TB, s isupStep) *mtp3.MSU {
	lab := mtp3.Label{Format: l.opc.Format(), OPC: l.opc, DPC: l.dpc, SLS: l.sls}
	if !s.forward {
		lab.OPC, lab.DPC = l.dpc, l.opc
	}
	return &mtp3.MSU{SIO: mtp3.NewSIO(l.ni, 0, mtp3.SIISUP), Label: lab, Data: isupBytes(t, s.m)}
}

// m3uaFlow writes the steps as M3UA DATA over SCTP over Ethernet; fwd is
// the association direction of the IAM's sender.
func m3uaFlow(t testing.TB, c *capBuilder, base int, l ss7Link, fwd, back *pcapgen.Assoc, steps []isupStep) {
	for _, s := range steps {
		a, opc, dpc := fwd, l.opc, l.dpc
		if !s.forward {
			a, opc, dpc = back, l.dpc, l.opc
		}
		b, err := a.M3UA(opc, dpc, mtp3.SIISUP, l.ni, 0, l.sls, isupBytes(t, s.m))
		if err != nil {
			t.Fatal(err)
		}
		c.add(base+s.ms, pcapgen.NewSCTP(a.Src, a.Dst, a.VTag, a.Next(a.StreamFor(l.sls), pcapgen.PPIDM3UA, b)).Ethernet())
	}
}

// m2paUserData is an M2PA User Data message (RFC 4165 §2.2) with the MTP3
// MSU after the priority octet.
func m2paUserData(bsn, fsn uint32, msu []byte) []byte {
	b := []byte{1, 0, 11, 1, 0, 0, 0, 0}
	b = binary.BigEndian.AppendUint32(b, bsn&0xffffff)
	b = binary.BigEndian.AppendUint32(b, fsn&0xffffff)
	b = append(b, 0) // priority (national use), spare
	b = append(b, msu...)
	binary.BigEndian.PutUint32(b[4:], uint32(len(b)))
	return b
}

// sipiInvite is a SIP-I INVITE: multipart/mixed with SDP and the IAM.
func sipiBody(t testing.TB, sdpBody []byte, m *isup.Message) (ctype string, body []byte) {
	t.Helper()
	ct, b, err := sipi.Encode(sdpBody, sipi.ISUP{Version: sipi.ITUT92Plus, Base: sipi.ITUT92Plus, Message: isupBody(t, m)}, "sipi-boundary-1")
	if err != nil {
		t.Fatal(err)
	}
	return ct, b
}

// sipiISUP describes a bare application/ISUP body (RFC 3204).
func sipiISUP(body []byte) *sipi.ISUP {
	return &sipi.ISUP{Version: sipi.ITUT92Plus, Base: sipi.ITUT92Plus, Message: body}
}
