package calls

import (
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/isup"
)

// finishPrefix is Finish of a fresh correlator fed in[:n]: what a
// snapshot after n messages must equal.
func finishPrefix(cfg Config, in []*record.Decoded, n int) *Analysis {
	c := New(cfg)
	for _, d := range in[:n] {
		c.Add(d)
	}
	return c.Finish()
}

// sameAnalysis fails unless a and b hold the same calls (every field,
// message lists and links included), messages, endpoints, extra frames
// and statistics.
func sameAnalysis(t testing.TB, what string, got, want *Analysis) {
	t.Helper()
	if len(got.Calls) != len(want.Calls) {
		t.Fatalf("%s: %d calls, want %d", what, len(got.Calls), len(want.Calls))
	}
	for i := range want.Calls {
		g, w := *got.Calls[i], *want.Calls[i]
		if len(g.Messages) == 0 && len(w.Messages) == 0 {
			g.Messages, w.Messages = nil, nil
		}
		if len(g.Linked) == 0 && len(w.Linked) == 0 {
			g.Linked, w.Linked = nil, nil
		}
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("%s: call %d differs:\n got %+v\nwant %+v", what, w.ID, g, w)
		}
	}
	if len(got.Messages) != len(want.Messages) || len(got.Messages) > 0 && !reflect.DeepEqual(got.Messages, want.Messages) {
		t.Fatalf("%s: messages differ: %d and %d", what, len(got.Messages), len(want.Messages))
	}
	if len(got.Endpoints) != len(want.Endpoints) || len(got.Endpoints) > 0 && !reflect.DeepEqual(got.Endpoints, want.Endpoints) {
		t.Fatalf("%s: endpoints differ:\n got %v\nwant %v", what, got.Endpoints, want.Endpoints)
	}
	if len(got.ExtraFrames) != len(want.ExtraFrames) || len(got.ExtraFrames) > 0 && !reflect.DeepEqual(got.ExtraFrames, want.ExtraFrames) {
		t.Fatalf("%s: extra frames differ:\n got %v\nwant %v", what, got.ExtraFrames, want.ExtraFrames)
	}
	if !reflect.DeepEqual(got.Stats, want.Stats) {
		t.Fatalf("%s: stats differ:\n got %+v\nwant %+v", what, got.Stats, want.Stats)
	}
}

// checkSnapshots takes a snapshot after every step-th message and checks
// each against Finish of the same prefix, at once and again at the end
// (a snapshot must not change as messages are added after it).
func checkSnapshots(t testing.TB, cfg Config, in []*record.Decoded, step int) {
	t.Helper()
	c := New(cfg)
	type pair struct {
		n         int
		got, want *Analysis
	}
	var all []pair
	for i, d := range in {
		c.Add(d)
		if (i+1)%step != 0 && i != len(in)-1 {
			continue
		}
		p := pair{i + 1, c.Snapshot(), finishPrefix(cfg, in, i+1)}
		sameAnalysis(t, fmt.Sprintf("snapshot after %d messages", p.n), p.got, p.want)
		all = append(all, p)
	}
	for _, p := range all {
		sameAnalysis(t, fmt.Sprintf("snapshot after %d messages, at the end", p.n), p.got, p.want)
	}
	// Finish after snapshots is Finish.
	sameAnalysis(t, "Finish after snapshots", c.Finish(), finishPrefix(cfg, in, len(in)))
}

func TestSnapshotMatchesFinish(t *testing.T) {
	for _, tc := range transitionCases() {
		t.Run(tc.name, func(t *testing.T) {
			in := decodedOf(tc.in)
			checkSnapshots(t, tc.cfg, in, 1)
			cfg := tc.cfg
			cfg.CallsOnly = true
			checkSnapshots(t, cfg, in, 2)
		})
	}
	t.Run("fuzz seeds", func(t *testing.T) {
		for i, s := range fuzzSeeds() {
			checkSnapshots(t, Config{}, fuzzMessages(s), 1+i%3)
		}
	})
}

// endedCall is a SIP call from a fresh pair of ports that ends within
// the second it starts at (INVITE/180/200/ACK/BYE/200).
func endedCall(sec int, id string) []msg {
	a := ipEP(fmt.Sprintf("10.1.%d.%d:5060", sec/250%250, sec%250))
	bb := uaB
	ms := sec * 1000
	return []msg{
		req(ms, a, bb, inv, id, 1),
		resp(ms+100, bb, a, 180, inv, id, 1, "t"),
		resp(ms+200, bb, a, 200, inv, id, 1, "t"),
		req(ms+210, a, bb, ack, id, 1).toTag("t"),
		req(ms+800, a, bb, bye, id, 2).toTag("t"),
		resp(ms+810, bb, a, 200, bye, id, 2, "t"),
	}
}

// checkLive holds for any snapshot, evicted calls or not: calls in
// ascending ID order, messages and calls pointing at each other, groups
// and links among the calls kept.
func checkLive(t testing.TB, a *Analysis) {
	t.Helper()
	for i, c := range a.Calls {
		if i > 0 && c.ID <= a.Calls[i-1].ID {
			t.Fatalf("calls out of ID order: %d after %d", c.ID, a.Calls[i-1].ID)
		}
		if a.Call(c.ID) != c {
			t.Fatalf("Analysis.Call(%d) does not find it", c.ID)
		}
		for _, mi := range c.Messages {
			if int(mi) >= len(a.Messages) || a.Messages[mi].Call != c.ID {
				t.Fatalf("call %d lists message %d which is not its own", c.ID, mi)
			}
		}
		if g := a.Call(c.Group); g == nil || g.Group != g.ID {
			t.Fatalf("call %d: group %d not kept", c.ID, c.Group)
		}
		for _, l := range c.Linked {
			if o := a.Call(l); o == nil || !slices.Contains(o.Linked, c.ID) {
				t.Fatalf("call %d: link to %d not kept or not mutual", c.ID, l)
			}
		}
	}
	for i, m := range a.Messages {
		if m.Call == record.NoCall {
			continue
		}
		c := a.Call(m.Call)
		if c == nil {
			t.Fatalf("message %d: call %d not kept", i, m.Call)
		}
		if _, ok := slices.BinarySearch(c.Messages, uint32(i)); !ok {
			t.Fatalf("message %d not listed by its call %d", i, m.Call)
		}
		if int(m.Src) >= len(a.Endpoints) || int(m.Dst) >= len(a.Endpoints) {
			t.Fatalf("message %d: endpoint out of range", i)
		}
		if a.Endpoints[m.Src].Addr != a.Endpoints[m.Src].Addr || !a.Endpoints[m.Src].Addr.IsValid() && !a.Endpoints[m.Src].IsPC() {
			t.Fatalf("message %d: source endpoint %d freed", i, m.Src)
		}
	}
	for i, m := range a.Messages {
		_, extra := a.ExtraFrames[uint32(i)]
		if extra != (m.Flags&record.MoreFrames != 0) {
			t.Fatalf("message %d: MoreFrames %v, extra frames %v", i, m.Flags&record.MoreFrames != 0, extra)
		}
	}
}

func TestEvictionBoundsCalls(t *testing.T) {
	for _, callsOnly := range []bool{false, true} {
		t.Run(fmt.Sprintf("CallsOnly=%v", callsOnly), func(t *testing.T) {
			const limit, total = 16, 200
			cfg := Config{MaxCalls: limit, CallsOnly: callsOnly}
			c := New(cfg)
			var in []*record.Decoded
			// A call that never ends, first of all: never evicted.
			stuck := []msg{
				req(0, uaA, uaC, inv, "stuck", 1),
				resp(50, uaC, uaA, 180, inv, "stuck", 1, "s"),
			}
			in = append(in, decodedOf(stuck)...)
			for i := range total {
				in = append(in, decodedOf(endedCall(i+1, fmt.Sprintf("call-%d", i)))...)
			}
			maxKept := 0
			for i, d := range in {
				c.Add(d)
				maxKept = max(maxKept, c.Kept())
				if i%37 == 0 {
					checkLive(t, c.Snapshot())
				}
			}
			if maxKept > limit+1 {
				t.Errorf("%d calls kept at most, limit %d", maxKept, limit)
			}
			a := c.Snapshot()
			checkLive(t, a)
			if c.Evicted() == 0 || c.Evicted()+len(a.Calls) != total+1 {
				t.Fatalf("%d evicted + %d kept, want %d in all", c.Evicted(), len(a.Calls), total+1)
			}
			if a.Calls[0].CallID != "stuck" || a.Calls[0].ID != 1 || a.Calls[0].Outcome != InProgress {
				t.Errorf("the call in progress was evicted: first kept %+v", *a.Calls[0])
			}
			// The newest calls are kept, under their own IDs.
			last := a.Calls[len(a.Calls)-1]
			if last.ID != total+1 || last.CallID != fmt.Sprintf("call-%d", total-1) {
				t.Errorf("last call %d %q", last.ID, last.CallID)
			}
			if !callsOnly {
				for _, call := range a.Calls {
					if int(call.Count) != len(call.Messages) {
						t.Errorf("call %d: %d messages listed of %d", call.ID, len(call.Messages), call.Count)
					}
				}
				if len(a.Messages) != 6*(len(a.Calls)-1)+2 {
					t.Errorf("%d messages kept for %d calls", len(a.Messages), len(a.Calls))
				}
			}
			// Endpoint IDs of evicted calls are reused: each call had
			// its own caller address.
			if len(a.Endpoints) > 3*limit {
				t.Errorf("%d endpoints for %d calls kept", len(a.Endpoints), len(a.Calls))
			}
			// The statistics count every call, evicted or not, as Finish
			// does without a limit.
			full := finishPrefix(Config{CallsOnly: callsOnly}, in, len(in))
			g, w := a.Stats, full.Stats
			if g.PDD.N != w.PDD.N || g.AnswerDelay.N != w.AnswerDelay.N {
				t.Errorf("delays counted %d/%d, want %d/%d", g.PDD.N, g.AnswerDelay.N, w.PDD.N, w.AnswerDelay.N)
			}
			for _, p := range [][2]time.Duration{{g.PDD.P50, w.PDD.P50}, {g.PDD.P99, w.PDD.P99}, {g.AnswerDelay.P90, w.AnswerDelay.P90}, {g.PDD.Max, w.PDD.Max}} {
				if d := p[0] - p[1]; d < -p[1]/60 || d > p[1]/60 {
					t.Errorf("percentile %v, exact %v: more than 1.6%% off", p[0], p[1])
				}
			}
			g.PDD, g.AnswerDelay, w.PDD, w.AnswerDelay = Percentiles{}, Percentiles{}, Percentiles{}, Percentiles{}
			if !reflect.DeepEqual(g, w) {
				t.Errorf("stats with eviction differ:\n got %+v\nwant %+v", g, w)
			}
		})
	}
}

// TestEvictionGroupsAndRebirth: linked legs go together; a call of the
// linked group still in progress keeps the whole group; a Call-ID seen
// after its call was evicted starts a new call with a new ID; a message of
// an evicted ISUP call's circuit does not reopen it.
func TestEvictionGroupsAndRebirth(t *testing.T) {
	cfg := Config{MaxCalls: 4}
	c := New(cfg)
	add := func(ms ...msg) {
		for _, m := range ms {
			c.Add(m.Decoded)
		}
	}
	// Group 1: a SIP-I call and its ISUP leg, ended.
	inv1, iam1 := sipi(req(0, gwSIP, uaB, inv, "g1", 1).nums("4930111111", "", "4940222222", "4940222222"),
		iam(0, gwSIP, uaB, 0, "4930111111", "4940222222"))
	add(inv1, iam1, iam(10, stpA, stpB, 7, "4930111111", "4940222222"))
	add(resp(100, uaB, gwSIP, 486, inv, "g1", 1, "x"), req(110, gwSIP, uaB, ack, "g1", 1).toTag("x"))
	add(rel(120, stpB, stpA, 7, isup.CauseUserBusy))
	// Group 2: the same, but its ISUP leg never ends.
	inv2, iam2 := sipi(req(1000, gwSIP, uaB, inv, "g2", 1).nums("4930333333", "", "4940444444", "4940444444"),
		iam(1000, gwSIP, uaB, 0, "4930333333", "4940444444"))
	add(inv2, iam2, iam(1010, stpA, stpB, 8, "4930333333", "4940444444"))
	add(resp(1100, uaB, gwSIP, 486, inv, "g2", 1, "x"), req(1110, gwSIP, uaB, ack, "g2", 1).toTag("x"))
	a := c.Snapshot()
	if len(a.Calls) != 4 || a.Calls[0].Group != a.Calls[1].Group || a.Calls[2].Group != a.Calls[3].Group {
		t.Fatalf("before eviction: %d calls, groups %v", len(a.Calls), groupsOf(a))
	}
	// One more call: over the limit. Group 1 goes, group 2 stays.
	for _, m := range endedCall(5, "x1") {
		add(m)
	}
	a = c.Snapshot()
	checkLive(t, a)
	if ids := idsOf(a); !slices.Equal(ids, []uint32{3, 4, 5}) || c.Evicted() != 2 {
		t.Fatalf("kept %v, evicted %d; want 3 4 5 (group 1 both legs), 2", ids, c.Evicted())
	}
	if a.Call(3).Group != 3 || a.Call(4).Group != 3 || a.Call(4).Link != "sip-i" {
		t.Errorf("group 2 after eviction: %v, link %q", groupsOf(a), a.Call(4).Link)
	}
	// The evicted circuit's RLC opens nothing; the evicted Call-ID comes
	// back as a new call.
	add(isupMsg(2000, stpA, stpB, isup.RLC, 7, nil), req(2100, gwSIP, uaB, inv, "g1", 2))
	a = c.Snapshot()
	checkLive(t, a)
	if ids := idsOf(a); !slices.Equal(ids, []uint32{3, 4, 5, 6}) {
		t.Fatalf("kept %v, want 3 4 5 6", ids)
	}
	if n := a.Call(6); n.CallID != "g1" || n.Count != 1 {
		t.Errorf("call 6: %+v", *n)
	}
	if a.Stats.Legs != 6 || a.Stats.ByOutcome["busy"] != 2 {
		t.Errorf("stats: %d legs, %d busy; want 6, 2", a.Stats.Legs, a.Stats.ByOutcome["busy"])
	}
}

func TestEvictionIdleTimeout(t *testing.T) {
	c := New(Config{MaxCalls: 2, IdleTimeout: time.Minute})
	for _, m := range []msg{req(0, uaA, uaB, inv, "lost-bye", 1), resp(100, uaB, uaA, 200, inv, "lost-bye", 1, "t")} {
		c.Add(m.Decoded)
	}
	for i := range 3 {
		for _, m := range endedCall(10+i, fmt.Sprint("c", i)) {
			c.Add(m.Decoded)
		}
	}
	if a := c.Snapshot(); a.Calls[0].CallID != "lost-bye" {
		t.Fatalf("an answered call silent for 13 s was evicted: %v", idsOf(a))
	}
	for i := range 3 {
		for _, m := range endedCall(100+i, fmt.Sprint("d", i)) {
			c.Add(m.Decoded)
		}
	}
	if a := c.Snapshot(); a.Call(1) != nil {
		t.Fatalf("a call silent for 100 s (idle timeout 1 min) was kept: %v", idsOf(a))
	}
}

func idsOf(a *Analysis) []uint32 {
	var ids []uint32
	for _, c := range a.Calls {
		ids = append(ids, c.ID)
	}
	return ids
}

func groupsOf(a *Analysis) []uint32 {
	var g []uint32
	for _, c := range a.Calls {
		g = append(g, c.Group)
	}
	return g
}

// TestEvictionMemoryFlat: 720,000 messages through a correlator limited
// to 2,000 calls, snapshots taken as a viewer would; the live heap stays
// where it was after the first 30,000 calls.
func TestEvictionMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("feeds 720k messages")
	}
	c := New(Config{MaxCalls: 2000})
	var first, peak uint64
	var keep *Analysis
	const calls = 120_000
	for i := range calls {
		for _, m := range endedCall(i, fmt.Sprintf("mem-%d@host", i)) {
			c.Add(m.Decoded)
		}
		if i%5000 == 4999 {
			keep = c.Snapshot() // one snapshot held, as the UI holds its current one
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if i+1 == 30_000 {
				first = ms.HeapAlloc
			}
			if i+1 > 30_000 {
				peak = max(peak, ms.HeapAlloc)
			}
		}
	}
	if len(keep.Calls) > 2001 || c.Evicted() < calls-2001 {
		t.Fatalf("%d calls kept, %d evicted", len(keep.Calls), c.Evicted())
	}
	t.Logf("live heap after 30k calls %.1f MB, at most %.1f MB until 120k", float64(first)/1e6, float64(peak)/1e6)
	if peak > first+first/2 {
		t.Errorf("live heap grew from %.1f MB to %.1f MB", float64(first)/1e6, float64(peak)/1e6)
	}
}

// BenchmarkSnapshot250k: a snapshot of 250,000 calls the first time
// (every call copied) and again after 1,000 more calls (the others
// shared), what a live capture at its default limit or a large file
// being read pays per snapshot.
func BenchmarkSnapshot250k(b *testing.B) {
	g := newBenchGen()
	c := New(Config{})
	g.feed(c, 250_000)
	b.Run("first", func(b *testing.B) {
		for range b.N {
			c.snap = nil
			c.Snapshot()
		}
	})
	b.Run("again", func(b *testing.B) {
		c.Snapshot()
		for range b.N {
			for j := range benchFlow {
				c.Add(g.message(j, 250_000+b.N%1000))
			}
			c.Snapshot()
		}
	})
}
