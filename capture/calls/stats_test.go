package calls

import (
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/isup"
)

// answeredAfter is an answered call with the given PDD (INVITE → 180),
// answer delay and duration, in ms.
func answeredAfter(start int, callID string, pdd, answer, dur int) []msg {
	A, B := uaA, uaB
	return []msg{
		req(start, A, B, inv, callID, 1),
		resp(start+pdd, B, A, 180, inv, callID, 1, "t"),
		resp(start+answer, B, A, 200, inv, callID, 1, "t"),
		req(start+answer+10, A, B, ack, callID, 1).toTag("t"),
		req(start+answer+dur, A, B, bye, callID, 2).toTag("t"),
		resp(start+answer+dur+10, B, A, 200, bye, callID, 2, "t"),
	}
}

func TestStats(t *testing.T) {
	A, B, C := uaA, uaB, uaC
	var in []msg
	in = append(in, answeredAfter(0, "a1", 100, 1000, 10000)...)
	in = append(in, resp(1500, B, A, 200, inv, "a1", 1, "t")) // retransmitted 200
	in = append(in, answeredAfter(100000, "a2", 200, 2000, 20000)...)
	in = append(in, answeredAfter(200000, "a3", 300, 3000, 30000)...)
	in = append(in, answeredAfter(300000, "a4", 400, 4000, 40000)...)
	// The B2BUA's other leg of a1: linked, so counted once.
	b2 := answeredAfter(5, "a1-b", 90, 990, 10000)
	for i := range b2 {
		b2[i].SrcEP, b2[i].DstEP = map[record.Endpoint]record.Endpoint{A: B, B: C}[b2[i].SrcEP], map[record.Endpoint]record.Endpoint{A: B, B: C}[b2[i].DstEP]
	}
	b2[0] = b2[0].link(0, "a1")
	in = append(in, b2...)
	in = append(in,
		req(400000, A, B, inv, "busy", 1), resp(400300, B, A, 486, inv, "busy", 1, "t").cause(17), req(400310, A, B, ack, "busy", 1).toTag("t"),
		req(410000, A, B, inv, "rej", 1), resp(410050, B, A, 404, inv, "rej", 1, "t"), req(410060, A, B, ack, "rej", 1).toTag("t"),
		req(420000, A, B, inv, "cnl", 1), resp(420500, B, A, 180, inv, "cnl", 1, "t"), req(425000, A, B, cnl, "cnl", 1),
		resp(425010, B, A, 487, inv, "cnl", 1, "t"),
		req(430000, A, B, inv, "fail", 1), resp(430020, B, A, 503, inv, "fail", 1, "t"),
		req(440000, A, B, inv, "prog", 1), resp(440600, B, A, 180, inv, "prog", 1, "t"),
		req(450000, A, B, record.REGISTER, "reg", 1), resp(450010, B, A, 200, record.REGISTER, "reg", 1, "r"),
		isupMsg(459000, stpA, stpB, isup.GRS, 1, func(m *isup.Message) { m.Set(&isup.RangeAndStatus{Range: 0}) }),
		iam(460000, stpA, stpB, 1, "111222", "333444"),
		isupMsg(460250, stpB, stpA, isup.ACM, 1, nil),
		isupMsg(461500, stpB, stpA, isup.ANM, 1, nil),
		rel(511500, stpB, stpA, 1, isup.CauseNormalClearing),
		isupMsg(511600, stpA, stpB, isup.RLC, 1, nil),
	)
	// Capture order: the a1-b leg interleaves with a1.
	sortByTime(in)

	a := run(Config{}, in)
	checkInvariants(t, a)
	s := a.Stats

	var sipN, isupN int
	methods := map[string]int{}
	for _, m := range in {
		if m.Proto == record.SIP {
			sipN++
			if m.Method != record.MethodNone {
				methods[m.Method.String()]++
			}
		} else {
			isupN++
		}
	}
	ms := time.Millisecond
	checks := []struct {
		name      string
		got, want any
	}{
		{"Messages", s.Messages, len(in)},
		{"SIPMessages", s.SIPMessages, sipN},
		{"ISUPMessages", s.ISUPMessages, isupN},
		{"ByTransport", s.ByTransport, map[string]int{"udp": sipN, "m3ua": isupN}},
		{"ByMethod", s.ByMethod, methods},
		{"ByISUPType", s.ByISUPType, map[string]int{"GRS": 1, "IAM": 1, "ACM": 1, "ANM": 1, "REL": 1, "RLC": 1}},
		{"Legs", s.Legs, 12},
		{"Groups", s.Groups, 11},
		{"Calls", s.Calls, 10},
		{"ByOutcome", s.ByOutcome, map[string]int{"answered": 5, "busy": 1, "rejected": 1, "cancelled": 1, "failed": 1, "in-progress": 1, "not-call": 1}},
		{"ByStatus", s.ByStatus, map[int]int{200: 4, 486: 1, 404: 1, 487: 1, 503: 1}},
		{"ByCause", s.ByCause, map[int]int{17: 1, 16: 1}},
		{"Retransmissions", s.Retransmissions, 1},
		{"OutsideCalls", s.OutsideCalls, 1},
		{"ACD", s.ACD, 30 * time.Second},
		// PDDs 100 200 250 300 400 500 600 ms: nearest rank ⌈p·7/100⌉.
		{"PDD", s.PDD, Percentiles{N: 7, Min: 100 * ms, P50: 300 * ms, P90: 600 * ms, P95: 600 * ms, P99: 600 * ms, Max: 600 * ms}},
		// Answer delays 1000 1500 2000 3000 4000 ms.
		{"AnswerDelay", s.AnswerDelay, Percentiles{N: 5, Min: 1000 * ms, P50: 2000 * ms, P90: 4000 * ms, P95: 4000 * ms, P99: 4000 * ms, Max: 4000 * ms}},
	}
	for _, c := range checks {
		if !equalAny(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if math.Abs(s.ASR-5.0/9) > 1e-12 || math.Abs(s.NER-8.0/9) > 1e-12 {
		t.Errorf("ASR %v NER %v, want 5/9 and 8/9", s.ASR, s.NER)
	}
	if s.DecodeErrors == nil {
		t.Errorf("DecodeErrors is nil: the pipeline cannot count into it")
	}
}

func equalAny(a, b any) bool {
	switch x := a.(type) {
	case map[string]int:
		return maps.Equal(x, b.(map[string]int))
	case map[int]int:
		return maps.Equal(x, b.(map[int]int))
	}
	return a == b
}

func sortByTime(in []msg) {
	for i := 1; i < len(in); i++ {
		for j := i; j > 0 && in[j].Time < in[j-1].Time; j-- {
			in[j], in[j-1] = in[j-1], in[j]
		}
	}
}

func TestPercentilesNearestRank(t *testing.T) {
	var d []time.Duration
	for i := 100; i >= 1; i-- {
		d = append(d, time.Duration(i))
	}
	if got, want := percentiles(d), (Percentiles{N: 100, Min: 1, P50: 50, P90: 90, P95: 95, P99: 99, Max: 100}); got != want {
		t.Errorf("1..100: %+v, want %+v", got, want)
	}
	if got, want := percentiles([]time.Duration{30, 10, 20}), (Percentiles{N: 3, Min: 10, P50: 20, P90: 30, P95: 30, P99: 30, Max: 30}); got != want {
		t.Errorf("3 values: %+v, want %+v", got, want)
	}
	if got, want := percentiles([]time.Duration{7}), (Percentiles{N: 1, Min: 7, P50: 7, P90: 7, P95: 7, P99: 7, Max: 7}); got != want {
		t.Errorf("1 value: %+v", got)
	}
	if got := percentiles(nil); got != (Percentiles{}) {
		t.Errorf("empty: %+v", got)
	}
}

func TestEmptyAnalysis(t *testing.T) {
	a := New(Config{}).Finish()
	if len(a.Calls) != 0 || len(a.Messages) != 0 || a.Stats.ASR != 0 || a.Stats.Calls != 0 || a.ExtraFrames == nil {
		t.Fatalf("empty analysis: %+v", a)
	}
	// The correlator is reusable after Finish.
	c := New(Config{})
	for _, m := range answeredCall(0, uaA, uaB, "x") {
		c.Add(m.Decoded)
	}
	first := c.Finish()
	for _, m := range answeredCall(0, uaA, uaB, "y") {
		c.Add(m.Decoded)
	}
	second := c.Finish()
	if len(first.Calls) != 1 || len(second.Calls) != 1 || second.Calls[0].CallID != "y" || len(second.Messages) != 7 {
		t.Fatalf("reuse: first %d calls, second %d calls", len(first.Calls), len(second.Calls))
	}
}

// percentiles selects its ranks instead of sorting: it must give what the
// sorted slice gives, for every shape of input (random, few distinct
// values, sorted, reversed, all equal, organ pipe) and length.
func TestPercentilesSelectMatchesSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	shapes := map[string]func(i, n int) time.Duration{
		"random":    func(i, n int) time.Duration { return time.Duration(r.Int64N(1e9)) },
		"few":       func(i, n int) time.Duration { return time.Duration(r.IntN(3)) },
		"sorted":    func(i, n int) time.Duration { return time.Duration(i) },
		"reversed":  func(i, n int) time.Duration { return time.Duration(n - i) },
		"equal":     func(i, n int) time.Duration { return 5 },
		"organpipe": func(i, n int) time.Duration { return time.Duration(min(i, n-i)) },
	}
	for name, gen := range shapes {
		for _, n := range []int{1, 2, 3, 15, 16, 17, 99, 100, 101, 1000, 4097, 100000} {
			d := make([]time.Duration, n)
			for i := range d {
				d[i] = gen(i, n)
			}
			sorted := slices.Clone(d)
			slices.Sort(sorted)
			rank := func(p int) time.Duration { return sorted[max((p*n+99)/100, 1)-1] }
			want := Percentiles{N: n, Min: sorted[0], Max: sorted[n-1], P50: rank(50), P90: rank(90), P95: rank(95), P99: rank(99)}
			if got := percentiles(d); got != want {
				t.Errorf("%s, %d values: %+v, want %+v", name, n, got, want)
			}
		}
	}
}
