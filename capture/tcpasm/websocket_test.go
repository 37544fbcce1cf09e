package tcpasm

import (
	"encoding/binary"
	"errors"
	"slices"
	"testing"
)

const (
	wsGET = "GET /ws HTTP/1.1\r\nHost: proxy.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: sip\r\nSec-WebSocket-Version: 13\r\n\r\n"
	ws101 = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: sip\r\n\r\n"
)

var testKey = [4]byte{0x37, 0xfa, 0x21, 0x3d}

// wsFrame encodes one frame with the shortest length form; key nil means
// unmasked (server to client).
func wsFrame(fin bool, op byte, payload []byte, key *[4]byte) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	b := []byte{b0, 0}
	switch n := len(payload); {
	case n < 126:
		b[1] = byte(n)
	case n <= 0xffff:
		b[1] = 126
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b[1] = 127
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	p := slices.Clone(payload)
	if key != nil {
		b[1] |= 0x80
		b = append(b, key[:]...)
		maskBytes(p, *key, 0)
	}
	return append(b, p...)
}

func wsText(payload []byte, key *[4]byte) []byte { return wsFrame(true, wsOpText, payload, key) }

// sendStream feeds b as segments cut at cuts, from sequence number seq.
func (f *feeder) sendStream(k FlowKey, seq uint32, b []byte, cuts ...int) uint32 {
	for _, c := range chunk(b, cuts...) {
		f.add(k, seq, 0, c)
		seq += uint32(len(c))
	}
	return seq
}

func TestWebSocketCall(t *testing.T) {
	inv := sipReq("INVITE", 1, 900)                                    // 16-bit length, masked
	short := []byte("SIP/2.0 100 Trying\r\nContent-Length: 0\r\n\r\n") // 7-bit length
	ring := sipResp(180, "Ringing", 1)
	big := sipReq("MESSAGE", 2, 70<<10) // 64-bit length
	f := newFeeder(t, Options{})
	f.add(kAB, 100, SYN, nil)
	f.add(kBA, 500, SYN, nil)
	f.add(kAB, 101, PSH, []byte(wsGET))
	f.add(kBA, 501, PSH, []byte(ws101))
	cs := uint32(101 + len(wsGET))
	ss := uint32(501 + len(ws101))
	cs = f.sendStream(kAB, cs, wsText(inv, &testKey))
	// Two frames in one segment, server side, unmasked.
	ss = f.sendStream(kBA, ss, cat(wsText(short, nil), wsText(ring, nil)))
	fr := wsText(big, &testKey)
	f.sendStream(kAB, cs, fr, segCuts(len(fr), 16<<10)...)
	wantDatas(t, f.r, inv, short, ring, big)
	for i, m := range f.r.msgs {
		if !m.ws {
			t.Errorf("message %d not marked WebSocket", i)
		}
	}
	if g := f.r.msgs[3].frames; len(g) != 5 || g[0] != 7 || g[4] != 11 {
		t.Errorf("big message frames %v", g)
	}
	st := f.a.Stats()
	if st.Upgrades != 2 || st.WebSocket != 4 || len(f.a.Problems()) != 0 {
		t.Fatalf("stats %+v problems %v", st, f.a.Problems())
	}
}

func TestWebSocketFragmented(t *testing.T) {
	inv := sipReq("INVITE", 1, 400)
	m2 := sipReq("ACK", 1, 0)
	k2 := [4]byte{1, 2, 3, 4}
	msg1 := cat(
		wsFrame(false, wsOpText, inv[:100], &testKey),
		wsFrame(true, wsOpPing, []byte("ping"), &k2), // control frames may come between fragments
		wsFrame(false, wsOpContinuation, inv[100:101], &k2),
		wsFrame(false, wsOpContinuation, nil, &k2),
		wsFrame(true, wsOpContinuation, inv[101:], &testKey),
	)
	pong := wsFrame(true, wsOpPong, nil, nil)
	msg2 := wsText(m2, &k2)
	stream := cat(msg1, pong, msg2, wsFrame(true, wsOpClose, []byte{0x03, 0xe8}, &k2))
	// frames lists the segments (2 before the cut, 3 after) holding [from, to).
	frames := func(cut, from, to int) []uint32 {
		var f []uint32
		if from < cut {
			f = append(f, 2)
		}
		if to > cut {
			f = append(f, 3)
		}
		return f
	}
	// Every two-way split, WebSocket headers included.
	for i := 1; i < len(stream); i++ {
		f := newFeeder(t, Options{})
		f.add(kAB, 1, SYN, []byte(wsGET))
		f.sendStream(kAB, 2+uint32(len(wsGET)), stream, i)
		wantDatas(t, f.r, inv, m2)
		if len(f.a.Problems()) != 0 {
			t.Fatalf("split %d: problems %v", i, f.a.Problems())
		}
		s2 := len(msg1) + len(pong)
		if g, w := f.r.msgs[0].frames, frames(i, 0, len(msg1)); !slices.Equal(g, w) {
			t.Fatalf("split %d: first message frames %v, want %v", i, g, w)
		}
		if g, w := f.r.msgs[1].frames, frames(i, s2, s2+len(msg2)); !slices.Equal(g, w) {
			t.Fatalf("split %d: second message frames %v, want %v", i, g, w)
		}
	}
}

// Two SIP messages over WebSocket in one TCP segment, both directions,
// and the same stream cut at every byte.
func TestWebSocketAllSplits(t *testing.T) {
	m1, m2 := sipReq("REGISTER", 1, 0), sipReq("SUBSCRIBE", 2, 150)
	for _, key := range []*[4]byte{&testKey, nil} {
		stream := cat(wsText(m1, key), wsFrame(true, wsOpBinary, m2, key))
		for i := 0; i < len(stream); i++ {
			f := newFeeder(t, Options{})
			f.add(kAB, 1, SYN, nil)
			f.add(kAB, 2, 0, []byte(wsGET))
			var cuts []int
			if i > 0 {
				cuts = []int{i}
			}
			f.sendStream(kAB, 2+uint32(len(wsGET)), stream, cuts...)
			wantDatas(t, f.r, m1, m2)
		}
	}
}

func TestWebSocketMidStream(t *testing.T) {
	m1, m2, m3 := sipReq("INVITE", 1, 200), sipResp(100, "Trying", 1), sipResp(180, "Ringing", 1)
	t.Run("joined at a frame", func(t *testing.T) {
		f := newFeeder(t, Options{})
		f.sendStream(kAB, 77, cat(wsText(m1, &testKey), wsText(m2, &testKey)), 50)
		wantDatas(t, f.r, m1, m2)
		if st := f.a.Stats(); st.Upgrades != 1 || st.WebSocket != 2 || len(f.a.Problems()) != 0 {
			t.Fatalf("stats %+v problems %v", st, f.a.Problems())
		}
	})
	t.Run("joined inside a frame", func(t *testing.T) {
		f := newFeeder(t, Options{})
		s := cat(wsText(m1, nil), wsText(m2, nil), wsText(m3, nil))
		f.sendStream(kBA, 77, s[40:], 300)
		wantDatas(t, f.r, m2, m3)
		ps := problemsIs(f.a, ErrMidStream)
		if len(ps) != 1 || ps[0].Skipped != len(wsText(m1, nil))-40 {
			t.Fatalf("problems %v", f.a.Problems())
		}
	})
}

func TestWebSocketProblems(t *testing.T) {
	m1, m2 := sipReq("INVITE", 1, 100), sipReq("BYE", 2, 0)
	start := func(t *testing.T) (*feeder, uint32) {
		f := newFeeder(t, Options{})
		f.add(kAB, 1, SYN, nil)
		f.add(kAB, 2, 0, []byte(wsGET))
		return f, 2 + uint32(len(wsGET))
	}
	t.Run("compressed message", func(t *testing.T) {
		f, seq := start(t)
		c := wsText([]byte("\xf2\x48\xcd\xc9\xc9\x07\x00 deflated bytes"), &testKey)
		c[0] |= 0x40 // RSV1: permessage-deflate
		f.sendStream(kAB, seq, cat(c, wsText(m2, &testKey)))
		wantDatas(t, f.r, m2)
		ps := problemsIs(f.a, ErrWSCompressed)
		if len(ps) != 1 || !errors.Is(ps[0].Err, ErrWebSocket) || ps[0].Skipped != len(c) {
			t.Fatalf("problems %v", f.a.Problems())
		}
	})
	t.Run("reserved opcode, then resync", func(t *testing.T) {
		f, seq := start(t)
		bad := wsFrame(true, 0x3, []byte("what is this"), &testKey)
		f.sendStream(kAB, seq, cat(wsText(m1, &testKey), bad, wsText(m2, &testKey)))
		wantDatas(t, f.r, m1, m2)
		ps := problemsIs(f.a, ErrWSOpcode)
		if len(ps) != 1 || ps[0].Skipped != len(bad) || len(f.a.Problems()) != 1 {
			t.Fatalf("problems %v", f.a.Problems())
		}
		var e *Error
		if !errors.As(ps[0].Err, &e) || e.Layer != LayerWebSocket || e.Offset != uint64(len(wsGET)+len(wsText(m1, &testKey))) {
			t.Fatalf("error %#v", ps[0].Err)
		}
	})
	t.Run("bad lengths", func(t *testing.T) {
		for _, hdr := range [][]byte{
			{0x81, 126, 0, 5},                      // 16-bit form for 5 bytes
			{0x81, 127, 0, 0, 0, 0, 0, 0, 0x10, 0}, // 64-bit form for 4096
			{0x81, 127, 0x80, 0, 0, 0, 0, 0, 0, 0}, // most significant bit set
			{0x89, 126, 0, 200},                    // control frame over 125
			{0x09, 4},                              // fragmented control frame
			{0xa1, 4},                              // RSV2
		} {
			_, _, err := parseWSHeader(hdr, 4<<20)
			if !errors.Is(err, ErrWebSocket) {
				t.Errorf("% x: %v", hdr, err)
			}
		}
		if _, _, err := parseWSHeader([]byte{0x82, 127, 0, 0, 0, 0, 0, 0x10, 0, 0}, 64<<10); !errors.Is(err, ErrWSLength) {
			t.Errorf("frame over MaxBuffer: %v", err)
		}
	})
	t.Run("gap inside a message", func(t *testing.T) {
		f, seq := start(t)
		fr1 := wsText(m1, &testKey)
		s := cat(fr1, wsText(m2, &testKey))
		f.add(kAB, seq, 0, s[:50])
		f.add(kAB, seq+100, 0, s[100:])
		f.flush()
		wantDatas(t, f.r, m2)
		ps := problemsIs(f.a, ErrGap)
		if len(ps) != 1 || ps[0].Skipped != len(fr1)-50 {
			t.Fatalf("problems %v", f.a.Problems())
		}
	})
	t.Run("continuation without a start", func(t *testing.T) {
		f, seq := start(t)
		f.sendStream(kAB, seq, cat(wsFrame(true, wsOpContinuation, []byte("tail of something"), &testKey), wsText(m2, &testKey)))
		wantDatas(t, f.r, m2)
		if ps := problemsIs(f.a, ErrWSContinuation); len(ps) != 1 || ps[0].Skipped != 17+6 {
			t.Fatalf("problems %v", f.a.Problems())
		}
	})
	t.Run("message that is not SIP", func(t *testing.T) {
		f, seq := start(t)
		f.sendStream(kAB, seq, cat(wsText([]byte(`{"json":"rpc"}`), &testKey), wsText(m2, &testKey)))
		wantDatas(t, f.r, m2)
		if ps := problemsIs(f.a, ErrFraming); len(ps) != 1 || ps[0].Skipped != 14 {
			t.Fatalf("problems %v", f.a.Problems())
		}
	})
	t.Run("message over MaxBuffer", func(t *testing.T) {
		f := newFeeder(t, Options{MaxBuffer: 1000})
		f.add(kAB, 1, SYN, []byte(wsGET))
		big := sipReq("MESSAGE", 1, 1200)
		fr1, fr2 := wsFrame(false, wsOpText, big[:600], &testKey), wsFrame(true, wsOpContinuation, big[600:], &testKey)
		f.sendStream(kAB, 2+uint32(len(wsGET)), cat(fr1, fr2, wsText(m2, &testKey)))
		wantDatas(t, f.r, m2)
		if ps := problemsIs(f.a, ErrOverflow); len(ps) != 1 || ps[0].Skipped != len(fr1)+len(fr2) {
			t.Fatalf("problems %v", f.a.Problems())
		}
	})
}

func TestNotWebSocket(t *testing.T) {
	for name, hs := range map[string]string{
		"GET without Upgrade": "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"101 to h2c":          "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n",
		"200":                 "HTTP/1.1 200 OK\r\nUpgrade: websocket\r\n\r\n",
	} {
		f := newFeeder(t, Options{})
		f.add(kAB, 1, SYN, nil)
		f.sendStream(kAB, 2, cat([]byte(hs), wsText(sipReq("INVITE", 1, 0), &testKey)))
		f.flush()
		if len(f.r.msgs) != 0 || f.a.Stats().Upgrades != 0 {
			t.Errorf("%s: %d messages, stats %+v", name, len(f.r.msgs), f.a.Stats())
		}
	}
}

func TestMaskBytes(t *testing.T) {
	for pos := range 4 {
		for n := range 40 {
			b := make([]byte, n)
			for i := range b {
				b[i] = byte(i * 7)
			}
			c := slices.Clone(b)
			maskBytes(c, testKey, pos)
			for i := range b {
				if c[i] != b[i]^testKey[(pos+i)%4] {
					t.Fatalf("pos %d n %d byte %d", pos, n, i)
				}
			}
		}
	}
}

func TestWebSocketZeroAllocs(t *testing.T) {
	inv := sipReq("INVITE", 1, 300)
	a := New(sipFramer{}, Options{})
	n := 0
	emit := func(*Message) { n++ }
	seq := uint32(1)
	add := func(k FlowKey, p []byte) {
		a.Add(&Segment{Key: k, Seq: seq, Flags: ACK, Payload: p}, emit)
		seq += uint32(len(p))
	}
	add(kAB, []byte(wsGET))
	masked := wsText(inv, &testKey)
	frag := cat(wsFrame(false, wsOpText, inv[:100], &testKey), wsFrame(true, wsOpContinuation, inv[100:], &testKey))
	add(kAB, masked)
	allocs := testing.AllocsPerRun(500, func() {
		add(kAB, masked)
		add(kAB, frag[:70])
		add(kAB, frag[70:])
	})
	if allocs != 0 || n != 1+2*501 {
		t.Fatalf("%v allocs, %d messages", allocs, n)
	}
}
