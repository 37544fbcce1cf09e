package rfc4733

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParseAppend(t *testing.T) {
	// RFC 4733 §2.3 layout: event 5, E, R set (ignored), volume 10, duration 800.
	p := []byte{5, 0x80 | 0x40 | 10, 0x03, 0x20}
	got, err := Parse(p, nil)
	if err != nil || len(got) != 1 || got[0] != (Block{Event: 5, End: true, Volume: 10, Duration: 800}) {
		t.Fatalf("%v %v", got, err)
	}
	if out := got[0].Append(nil); !bytes.Equal(out, []byte{5, 0x80 | 10, 0x03, 0x20}) {
		t.Errorf("Append = % x (R must be sent as zero)", out)
	}
	two, err := Parse(append(p, 11, 7, 0, 160), nil)
	if err != nil || len(two) != 2 || two[1] != (Block{Event: 11, Volume: 7, Duration: 160}) {
		t.Errorf("%v %v", two, err)
	}
	for _, bad := range [][]byte{nil, {1, 2, 3}, {1, 2, 3, 4, 5}} {
		if _, err := Parse(bad, nil); !errors.Is(err, ErrLength) {
			t.Errorf("% x: %v", bad, err)
		}
	}
	if (Block{Event: 1, Duration: 2, Volume: 3, End: true}).String() != "event 1 dur 2 vol -3 end" {
		t.Error("String")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte{5, 0x8a, 0x03, 0x20})
	f.Add([]byte{1, 0x0a, 0, 160, 1, 0x8a, 0, 200})
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, p []byte) {
		bs, err := Parse(p, nil)
		if err != nil {
			if len(p) != 0 && len(p)%4 == 0 {
				t.Fatal("rejected a whole number of blocks")
			}
			return
		}
		var out []byte
		for _, b := range bs {
			out = b.Append(out)
		}
		// Only the R bit may differ.
		for i := range p {
			if want := p[i]; i%4 == 1 && out[i] != want&^0x40 || i%4 != 1 && out[i] != want {
				t.Fatalf("round trip % x → % x", p, out)
			}
		}
	})
}

func show(ps []Packet) string {
	var s []string
	for _, p := range ps {
		m := ""
		if p.Marker {
			m = "M "
		}
		s = append(s, fmt.Sprintf("%sts=%d %v", m, p.Timestamp, p.Block))
	}
	return strings.Join(s, "; ")
}

// A 100 ms digit whose tone began at media time 1000, detected 204
// samples later, sent on a 160-sample packet clock.
func TestSender(t *testing.T) {
	var s Sender
	s.Start(3, 1000)
	var got []string
	for now := uint32(1360); now <= 1840; now += 160 {
		got = append(got, show(s.Tick(now, nil)))
	}
	s.End(800)
	got = append(got, show(s.Tick(2000, nil)), show(s.Tick(2160, nil)))
	want := []string{
		"M ts=1000 event 3 dur 360 vol -10",
		"ts=1000 event 3 dur 520 vol -10",
		"ts=1000 event 3 dur 680 vol -10",
		"ts=1000 event 3 dur 840 vol -10",
		"ts=1000 event 3 dur 800 vol -10 end; ts=1000 event 3 dur 800 vol -10 end; ts=1000 event 3 dur 800 vol -10 end",
		"",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if s.Active() {
		t.Error("still active")
	}
}

// An event longer than 0xFFFF samples is sent in segments (§2.5.1.3).
func TestSenderSegments(t *testing.T) {
	s := Sender{Volume: 7}
	s.Start(1, 0xFFFF0000) // wraps the timestamp too
	var r Receiver
	var last Action
	var dur uint32
	feed := func(ps []Packet) {
		for _, p := range ps {
			a, d := r.Receive(p.Timestamp, p.Block)
			if a != Ignore {
				last, dur = a, d
			}
		}
	}
	now := uint32(0xFFFF0000)
	for range 600 { // 600 × 160 = 96000 samples
		now += 160
		feed(s.Tick(now, nil))
	}
	if last != Update || dur != 96000 {
		t.Fatalf("receiver: %v %d", last, dur)
	}
	s.End(96100)
	ps := s.Tick(now+160, nil)
	if len(ps) != 3 || ps[0].Timestamp != 0xFFFF0000+MaxDuration || ps[0].Block.Duration != 96100-MaxDuration || !ps[0].Block.End {
		t.Fatalf("%s", show(ps))
	}
	feed(ps)
	if last != Finish || dur != 96100 {
		t.Fatalf("receiver end: %v %d", last, dur)
	}
}

func TestReceiver(t *testing.T) {
	type pkt struct {
		ts  uint32
		b   Block
		act Action
		dur uint32
	}
	ev := func(e uint8, d uint16, end bool) Block { return Block{Event: e, Duration: d, End: end} }
	for _, tc := range []struct {
		name string
		pkts []pkt
	}{
		{"normal", []pkt{
			{100, ev(5, 160, false), Begin, 160}, {100, ev(5, 320, false), Update, 320},
			{100, ev(5, 400, true), Finish, 400}, {100, ev(5, 400, true), Ignore, 0}, {100, ev(5, 400, true), Ignore, 0},
		}},
		{"reordered update", []pkt{
			{100, ev(5, 160, false), Begin, 160}, {100, ev(5, 480, false), Update, 480}, {100, ev(5, 320, false), Ignore, 0},
		}},
		{"lost start", []pkt{{100, ev(9, 480, false), Begin, 480}, {100, ev(9, 640, true), Finish, 640}}},
		{"only the end arrived", []pkt{{100, ev(9, 640, true), Finish, 640}, {100, ev(9, 640, true), Ignore, 0}}},
		{"next event without an end", []pkt{{100, ev(1, 160, false), Begin, 160}, {900, ev(2, 160, false), Begin, 160}}},
		{"an older event arrives late", []pkt{{900, ev(2, 160, false), Begin, 160}, {100, ev(1, 800, true), Ignore, 0}}},
		{"same timestamp, other event", []pkt{{100, ev(1, 160, false), Begin, 160}, {100, ev(2, 320, false), Ignore, 0}}},
		{"timestamp wrap", []pkt{{0xFFFFFF00, ev(1, 160, true), Finish, 160}, {0x100, ev(2, 160, false), Begin, 160}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r Receiver
			for i, p := range tc.pkts {
				a, d := r.Receive(p.ts, p.b)
				if a != p.act || d != p.dur {
					t.Fatalf("packet %d: %v %d, want %v %d", i, a, d, p.act, p.dur)
				}
			}
		})
	}
	if Finish.String() != "finish" || Action(9).String() != "Action(9)" {
		t.Error("Action.String")
	}
}
