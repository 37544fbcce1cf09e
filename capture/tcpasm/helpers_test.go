package tcpasm

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/sipgw/sipgw/capture/record"
)

var (
	cliAddr = netip.MustParseAddrPort("10.0.0.1:41234")
	srvAddr = netip.MustParseAddrPort("10.0.0.2:5060")
	kAB     = FlowKey{Src: cliAddr, Dst: srvAddr}
	kBA     = kAB.Reverse()
)

// sipReq builds a request with a body of n bytes.
func sipReq(method string, cseq, n int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s sip:bob@example.com SIP/2.0\r\n", method)
	fmt.Fprintf(&b, "Via: SIP/2.0/TCP 10.0.0.1:41234;branch=z9hG4bK%d\r\n", cseq)
	b.WriteString("From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>\r\n")
	fmt.Fprintf(&b, "Call-ID: c%d@10.0.0.1\r\nCSeq: %d %s\r\n", cseq, cseq, method)
	if n > 0 {
		b.WriteString("Content-Type: application/sdp\r\n")
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", n)
	b.Write(body(n))
	return b.Bytes()
}

// sipResp builds a response without body.
func sipResp(code int, reason string, cseq int) []byte {
	return fmt.Appendf(nil, "SIP/2.0 %d %s\r\nVia: SIP/2.0/TCP 10.0.0.1:41234;branch=z9hG4bK%d\r\n"+
		"From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>;tag=b2\r\n"+
		"Call-ID: c%d@10.0.0.1\r\nCSeq: %d INVITE\r\nContent-Length: 0\r\n\r\n", code, reason, cseq, cseq, cseq)
}

// body is SDP-looking text of n bytes: lines that never start a message,
// the last one ending in CRLF.
func body(n int) []byte {
	b := make([]byte, 0, n+16)
	for i := 0; len(b) < n; i++ {
		b = fmt.Appendf(b, "a=x-line:%d\r\n", i)
	}
	b = b[:n]
	if n >= 2 {
		copy(b[n-2:], "\r\n")
	}
	return b
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// got is a copy of an emitted message.
type got struct {
	key    FlowKey
	data   string
	frames []uint32
	time   int64
	ws     bool
}

type recorder struct {
	t    testing.TB
	msgs []got
}

func (r *recorder) emit(m *Message) {
	g := got{key: m.Key, data: string(m.Data), time: m.Time, ws: m.WebSocket}
	for _, f := range m.Frames {
		g.frames = append(g.frames, f.Frame)
	}
	if r.t != nil {
		if n, err := (sipFramer{}).Frame(m.Data); err != nil || n != len(m.Data) {
			r.t.Errorf("emitted bytes the framer does not accept as one message: n=%d err=%v %q", n, err, m.Data)
		}
	}
	r.msgs = append(r.msgs, g)
}

func (r *recorder) datas() []string {
	var s []string
	for _, m := range r.msgs {
		s = append(s, m.data)
	}
	return s
}

func (r *recorder) labels() []string {
	var s []string
	for _, m := range r.msgs {
		s = append(s, startLabel([]byte(m.data)))
	}
	return s
}

// feeder numbers frames 1, 2, … with times 1 ms apart.
type feeder struct {
	a     *Assembler
	r     *recorder
	frame uint32
}

func newFeeder(t testing.TB, opt Options) *feeder {
	return &feeder{a: New(sipFramer{}, opt), r: &recorder{t: t}}
}

func (f *feeder) add(k FlowKey, seq uint32, flags uint8, p []byte) uint32 {
	f.frame++
	s := Segment{Key: k, Seq: seq, Flags: flags | ACK, Payload: p, Time: ms(f.frame),
		Ref: record.FrameRef{Frame: f.frame, Offset: int64(f.frame) * 100}}
	f.a.Add(&s, f.r.emit)
	return f.frame
}

func (f *feeder) addAck(k FlowKey, seq, ack uint32, flags uint8, p []byte) uint32 {
	f.frame++
	s := Segment{Key: k, Seq: seq, Ack: ack, Flags: flags | ACK, Payload: p, Time: ms(f.frame),
		Ref: record.FrameRef{Frame: f.frame}}
	f.a.Add(&s, f.r.emit)
	return f.frame
}

func (f *feeder) flush() { f.a.Flush(f.r.emit) }

func ms(frame uint32) int64 { return int64(frame) * 1e6 }

// chunk cuts b at the given offsets.
func chunk(b []byte, cuts ...int) [][]byte {
	var out [][]byte
	prev := 0
	for _, c := range cuts {
		out = append(out, b[prev:c])
		prev = c
	}
	return append(out, b[prev:])
}

func wantDatas(t *testing.T, r *recorder, want ...[]byte) {
	t.Helper()
	var w []string
	for _, b := range want {
		w = append(w, string(b))
	}
	if g := r.datas(); !slices.Equal(g, w) {
		t.Fatalf("messages:\n got %d %q\nwant %d %q", len(g), short(g), len(w), short(w))
	}
}

func short(s []string) []string {
	var o []string
	for _, x := range s {
		if len(x) > 40 {
			x = x[:40] + "…"
		}
		o = append(o, strings.ReplaceAll(x, "\r\n", "|"))
	}
	return o
}

// problemsIs returns the problems whose error matches target.
func problemsIs(a *Assembler, target error) []Problem {
	var out []Problem
	for _, p := range a.Problems() {
		if errors.Is(p.Err, target) {
			out = append(out, p)
		}
	}
	return out
}

func recordFrame(i int) record.FrameRef { return record.FrameRef{Frame: uint32(i)} }
