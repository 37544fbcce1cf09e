package sipscan

import (
	"testing"
)

// TestZeroAllocs: the per-packet paths allocate nothing once a Message
// has been used (its header index is kept).
func TestZeroAllocs(t *testing.T) {
	var m Message
	msgs := [][]byte{[]byte(inviteSDP), []byte(ok200), []byte(inviteSIPI), []byte(headerMsg)}
	for _, b := range msgs {
		if err := Parse(b, &m); err != nil {
			t.Fatal(err)
		}
	}
	notSIP := []byte("GET / HTTP/1.1\r\n\r\n")
	keepAlive := []byte("\r\n\r\n")
	stream := []byte("a=junk\r\n" + inviteSDP + ok200)
	var sink int
	checks := []struct {
		name string
		fn   func()
	}{
		{"Parse", func() {
			for _, b := range msgs {
				_ = Parse(b, &m)
			}
		}},
		{"Parse not SIP", func() { _ = Parse(notSIP, &m) }},
		{"FrameLen", func() {
			n, _ := FrameLen(stream[8:])
			k, _ := FrameLen(keepAlive)
			_, _ = FrameLen(notSIP)
			sink += n + k
		}},
		{"Resync", func() { sink += Resync(stream) }},
		{"IsSIP", func() {
			if IsSIP(msgs[0]) && !IsSIP(notSIP) {
				sink++
			}
		}},
		{"Header, Headers, Param, Q850Cause", func() {
			_ = Parse(msgs[3], &m)
			sink += len(m.Header("X-Call-ID")) + len(m.Header("i")) + len(m.Header("P-Charging-Vector"))
			m.Headers("Via", func(v []byte) bool { sink += len(Param(v, "branch")); return true })
			m.Headers("Date", func(v []byte) bool { sink += len(v); return true })
			sink += len(Param(m.Header("P-Charging-Vector"), "icid-value"))
			c, _ := Q850Cause(m.Header("Reason"))
			sink += c
		}},
		{"ISUPPart on SDP", func() {
			_ = Parse(msgs[0], &m)
			if _, _, ok, _ := ISUPPart(&m); ok {
				sink++
			}
		}},
	}
	for _, c := range checks {
		if n := testing.AllocsPerRun(100, c.fn); n != 0 {
			t.Errorf("%s: %v allocations", c.name, n)
		}
	}
	_ = sink
}
