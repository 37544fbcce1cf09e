package prack

import (
	"testing"
	"time"
)

func TestParseRAck(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want RAck
		ok   bool
	}{
		{"776656 1 INVITE", RAck{776656, 1, "INVITE"}, true},
		{" 1\t 2  INVITE ", RAck{1, 2, "INVITE"}, true},
		{"4294967295 4294967295 INVITE", RAck{4294967295, 4294967295, "INVITE"}, true},
		{"1 2", RAck{}, false},
		{"1 2 INVITE x", RAck{}, false},
		{"4294967296 1 INVITE", RAck{}, false},
		{"-1 1 INVITE", RAck{}, false},
		{"1 1 IN@VITE", RAck{}, false},
		{"", RAck{}, false},
	} {
		got, err := ParseRAck(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("%q: %+v %v", tc.in, got, err)
		}
	}
	if s := (RAck{776656, 1, "INVITE"}).String(); s != "776656 1 INVITE" {
		t.Errorf("String %q", s)
	}
}

func TestHasOption(t *testing.T) {
	for _, tc := range []struct {
		v  string
		ok bool
	}{
		{"100rel", true}, {"timer, 100REL", true}, {" replaces ,100rel ,timer", true},
		{"", false}, {"100rels", false}, {"timer", false}, {"100rel-x,precondition", false},
	} {
		if got := HasOption(tc.v, Tag); got != tc.ok {
			t.Errorf("%q: %v", tc.v, got)
		}
	}
}

// TestSenderRetransmission: the interval starts at T1 and doubles; the
// last wait is cut so that giving up falls exactly at 64·T1 (RFC 3262 §3).
func TestSenderRetransmission(t *testing.T) {
	var s Sender
	const t1 = 500 * time.Millisecond
	s.Reset(1, 100, t1)
	t0 := time.Unix(0, 0)
	rseq, wait, ok := s.Send(t0, true)
	if !ok || rseq != 100 || wait != t1 {
		t.Fatalf("Send: %d %v %v", rseq, wait, ok)
	}
	if _, _, ok := s.Send(t0, false); ok {
		t.Fatal("a second reliable response before the PRACK")
	}
	if r, sdp, busy := s.Outstanding(); r != 100 || !sdp || !busy {
		t.Fatalf("Outstanding %d %v %v", r, sdp, busy)
	}
	now := t0
	for i, want := range []time.Duration{2 * t1, 4 * t1, 8 * t1, 16 * t1, 32 * t1, t1} {
		now = now.Add(wait)
		again, w := s.Expired(now)
		if !again || w != want {
			t.Fatalf("expiry %d at %v: %v %v, want %v", i, now.Sub(t0), again, w, want)
		}
		wait = w
	}
	now = now.Add(wait)
	if now.Sub(t0) != 64*t1 {
		t.Fatalf("gave up at %v", now.Sub(t0))
	}
	if again, _ := s.Expired(now); again || s.Busy() {
		t.Fatal("still retransmitting at 64·T1")
	}
}

func TestSenderPRACK(t *testing.T) {
	var s Sender
	s.Reset(7, 0, 500*time.Millisecond)
	now := time.Unix(0, 0)
	if r := s.PRACK(RAck{1, 7, "INVITE"}); r != NoMatch {
		t.Fatalf("PRACK before any response: %v", r)
	}
	rseq, _, _ := s.Send(now, false)
	if rseq != 1 {
		t.Fatalf("first RSeq %d (0 means 1)", rseq)
	}
	for _, bad := range []RAck{{2, 7, "INVITE"}, {1, 8, "INVITE"}, {1, 7, "UPDATE"}} {
		if r := s.PRACK(bad); r != NoMatch {
			t.Errorf("%v: %v", bad, r)
		}
	}
	if r := s.PRACK(RAck{1, 7, "invite"}); r != Acked || s.Busy() {
		t.Fatalf("matching PRACK: %v busy %v", r, s.Busy())
	}
	if r := s.PRACK(RAck{1, 7, "INVITE"}); r != NoMatch {
		t.Fatalf("second PRACK: %v", r)
	}
	if rseq, _, ok := s.Send(now, false); !ok || rseq != 2 {
		t.Fatalf("next RSeq %d %v", rseq, ok)
	}
	s.Stop()
	if again, _ := s.Expired(now.Add(time.Second)); again {
		t.Fatal("retransmission after Stop")
	}
	if r := s.PRACK(RAck{2, 7, "INVITE"}); r != Late {
		t.Fatalf("PRACK after the final response: %v", r)
	}
	if r := s.PRACK(RAck{2, 7, "INVITE"}); r != NoMatch {
		t.Fatalf("PRACK again: %v", r)
	}
	s.Reset(7, MaxRSeq, time.Second)
	a, _, _ := s.Send(now, false)
	s.PRACK(RAck{a, 7, "INVITE"})
	b, _, _ := s.Send(now, false)
	if a != MaxRSeq || b != 1 {
		t.Fatalf("wrap: %d then %d", a, b)
	}
}

func TestReceiver(t *testing.T) {
	var r Receiver
	for i, tc := range []struct {
		rseq uint32
		want Verdict
	}{
		{50, New}, {50, Retransmission}, {52, OutOfOrder}, {51, New}, {51, Retransmission}, {49, OutOfOrder}, {52, New},
	} {
		if got := r.Receive(tc.rseq); got != tc.want {
			t.Errorf("%d: RSeq %d: %v, want %v", i, tc.rseq, got, tc.want)
		}
	}
	if last, ok := r.Last(); !ok || last != 52 {
		t.Errorf("Last %d %v", last, ok)
	}
}

func TestStrings(t *testing.T) {
	for _, s := range []string{NoMatch.String(), Acked.String(), Late.String(), Result(9).String(),
		New.String(), Retransmission.String(), OutOfOrder.String(), Verdict(9).String()} {
		if s == "" {
			t.Error("empty name")
		}
	}
	if Result(9).String() != "Result(9)" || Verdict(9).String() != "Verdict(9)" {
		t.Error("unknown values are not named by number")
	}
}

// FuzzParseRAck: no panic; whatever parses prints back to the same value.
func FuzzParseRAck(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRAck(s)
		if err != nil {
			return
		}
		r2, err := ParseRAck(r.String())
		if err != nil || r2 != r {
			t.Fatalf("%q → %+v → %q → %+v %v", s, r, r.String(), r2, err)
		}
	})
}
