package m3ua

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sipgw/sipgw/sigtran/mtp3"
	"github.com/sipgw/sipgw/sigtran/route"
	"github.com/sipgw/sipgw/sigtran/transport"
	"github.com/sipgw/sipgw/sigtran/transport/mem"
)

var (
	pcA = mtp3.ITUPC(1001)
	pcB = mtp3.ITUPC(1002)
)

// ipspPair builds two of our stacks peer to peer: A dials B, which
// listens; both IPSPs with the given exchange.
func ipspPair(t testing.TB, ex Exchange, mode TrafficMode, dialsA int, tweak ...func(ca, cb *Config)) (a, b *Stack, ra, rb *received, n *mem.Network) {
	t.Helper()
	n = mem.NewNetwork()
	ln, err := n.Listen("b:2905", mem.Streams{Out: 8, MaxIn: 8})
	if err != nil {
		t.Fatal(err)
	}
	ra, rb = &received{}, &received{}
	var dialers []transport.Dialer
	for i := 0; i < dialsA; i++ {
		dialers = append(dialers, &mem.Dialer{Net: n, Local: mem.Addr(fmt.Sprintf("a:%d", i+1)), Remote: "b:2905", Streams: mem.Streams{Out: 8, MaxIn: 8}})
	}
	peer := PeerConfig{Role: RoleIPSP, Exchange: ex, RoutingContexts: []uint32{7}, TrafficMode: mode, TAck: 100 * time.Millisecond}
	pa, pb := peer, peer
	pa.Initiator = true
	bo := Backoff{Initial: 5 * time.Millisecond, Max: 20 * time.Millisecond}
	ca := Config{LocalPC: pcA, NI: mtp3.NINational, OnISUP: ra.add, Backoff: bo,
		ASs:    []ASConfig{{Name: "to-b", Peer: pa, Dial: dialers}},
		Routes: []route.Route{{DPC: pcB, Linkset: "to-b"}}}
	cb := Config{LocalPC: pcB, NI: mtp3.NINational, OnISUP: rb.add, Backoff: bo,
		ASs:    []ASConfig{{Name: "from-a", Peer: pb, Listen: ln, Tr: 300 * time.Millisecond}},
		Routes: []route.Route{{DPC: pcA, Linkset: "from-a"}}}
	for _, f := range tweak {
		f(&ca, &cb)
	}
	if a, err = New(ca); err != nil {
		t.Fatal(err)
	}
	if b, err = New(cb); err != nil {
		t.Fatal(err)
	}
	runStack(t, a)
	runStack(t, b)
	return
}

// Two of our own stacks, IPSP double exchange: each sends ASPUP and ASPAC
// and answers the other's; ISUP flows both ways, in order per CIC.
func TestIPSPDoubleExchange(t *testing.T) {
	a, b, ra, rb, _ := ipspPair(t, DoubleExchange, Override, 1)
	waitRoute(t, a, pcB)
	waitRoute(t, b, pcA)
	for i := 0; i < 50; i++ {
		cic := uint16(i % 5)
		if err := a.SendISUP(pcB, cic, isupREL(cic)); err != nil {
			t.Fatal(err)
		}
		if err := b.SendISUP(pcA, cic+100, isupREL(cic+100)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "100 messages", func() bool { return ra.count() == 50 && rb.count() == 50 })
	for _, r := range []*received{ra, rb} {
		r.mu.Lock()
		for _, u := range r.msgs {
			if u.SLS != uint8(u.Data[0]&15) || u.Stream != route.Stream(u.SLS, 8) {
				t.Errorf("CIC %d: SLS %d stream %d", u.Data[0], u.SLS, u.Stream)
			}
		}
		r.mu.Unlock()
	}
	sa, sb := a.Stats(), b.Stats()
	// Both directions exchanged: each sent ASPUP/ASPAC and acknowledged the other's.
	for _, st := range []Snapshot{sa, sb} {
		if st.Out[ASPUP] != 1 || st.Out[ASPUPAck] != 1 || st.Out[ASPAC] != 1 || st.Out[ASPACAck] != 1 {
			t.Errorf("out %v", st.Out)
		}
		as := st.Associations[0]
		if as.Local != ASPActive || as.Remote != ASPActive || !as.Traffic {
			t.Errorf("assoc %+v", as)
		}
	}
	if sb.ASs[0].State != ASActive {
		t.Errorf("B's AS %v", sb.ASs[0].State)
	}
}

// IPSP single exchange: only the initiator sends ASPUP/ASPAC.
func TestIPSPSingleExchange(t *testing.T) {
	a, b, ra, rb, _ := ipspPair(t, SingleExchange, Override, 1)
	waitRoute(t, a, pcB)
	waitRoute(t, b, pcA)
	a.SendISUP(pcB, 1, isupREL(1))
	b.SendISUP(pcA, 2, isupREL(2))
	waitFor(t, "both", func() bool { return ra.count() == 1 && rb.count() == 1 })
	sa, sb := a.Stats(), b.Stats()
	if sa.Out[ASPUP] != 1 || sa.Out[ASPAC] != 1 || sa.Out[ASPUPAck] != 0 || sb.Out[ASPUP] != 0 || sb.Out[ASPUPAck] != 1 || sb.Out[ASPACAck] != 1 {
		t.Fatalf("A out %v, B out %v", sa.Out, sb.Out)
	}
	// B keeps the AS state and notified A.
	if sb.ASs[0].State != ASActive || sa.In[NTFY] < 2 || sa.ASs[0].State != ASActive {
		t.Fatalf("AS states: B %v, A %v (NTFY %d)", sb.ASs[0].State, sa.ASs[0].State, sa.In[NTFY])
	}
}

// Override between two associations of one AS: the first is active, the
// second standby (ASPUP only); when the first fails the second takes over
// and traffic continues. On the answering side the AS is AS-PENDING in
// between, and DATA sent meanwhile waits for T(r) and is then delivered.
func TestOverrideFailover(t *testing.T) {
	a, b, ra, rb, _ := ipspPair(t, SingleExchange, Override, 2)
	waitRoute(t, a, pcB)
	waitRoute(t, b, pcA)
	// Whichever association came up first is active, the other standby.
	act := -1
	waitFor(t, "one active, one standby", func() bool {
		st := a.Stats()
		if len(st.Associations) != 2 {
			return false
		}
		for i, as := range st.Associations {
			o := st.Associations[1-i]
			if as.Traffic && as.Local == ASPActive && o.Local == ASPInactive && !o.Traffic {
				act = i
				return true
			}
		}
		return false
	})
	sb := 1 - act
	for cic := uint16(0); cic < 8; cic++ {
		a.SendISUP(pcB, cic, isupREL(cic))
	}
	waitFor(t, "8 at B", func() bool { return rb.count() == 8 })
	rb.mu.Lock()
	for _, u := range rb.msgs {
		if u.Assoc != rb.msgs[0].Assoc {
			t.Fatalf("override spread traffic over associations %d and %d", u.Assoc, rb.msgs[0].Assoc)
		}
	}
	first := rb.msgs[0].Assoc
	rb.mu.Unlock()

	// Sever A's active association: B's AS goes AS-PENDING; what B sends
	// meanwhile is held, then delivered over the standby.
	a.ass[0].members[act].sendMu.Lock()
	active := a.ass[0].members[act].conn.(*mem.Conn)
	a.ass[0].members[act].sendMu.Unlock()
	active.Sever(nil)
	severed := fmt.Sprintf("a:%d", act+1)
	waitFor(t, "B noticed", func() bool {
		st := b.Stats()
		for _, as := range st.Associations {
			if as.Peer == severed && as.Traffic {
				return false
			}
		}
		return st.ASs[0].State == ASPending || st.ASs[0].State == ASActive
	})
	if err := b.SendISUP(pcA, 3, isupREL(3)); err != nil { // held if pending, sent if already active
		t.Fatal(err)
	}
	waitFor(t, "failover", func() bool {
		st := a.Stats()
		return st.Associations[sb].Traffic && st.Associations[sb].Local == ASPActive
	})
	waitFor(t, "held message delivered", func() bool { return ra.count() == 1 })
	for cic := uint16(0); cic < 8; cic++ {
		if err := a.SendISUP(pcB, cic, isupREL(cic)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "8 more at B", func() bool { return rb.count() == 16 })
	rb.mu.Lock()
	second := rb.msgs[15].Assoc
	rb.mu.Unlock()
	if second == first {
		t.Fatalf("traffic still on association slot %d", first)
	}
	// The failed association comes back as standby: no fail-back.
	waitFor(t, "first back as standby", func() bool {
		st := a.Stats()
		return st.Associations[act].Up && st.Associations[act].Local == ASPInactive
	})
	if st := a.Stats(); st.Associations[act].Traffic || !st.Associations[sb].Traffic {
		t.Fatalf("fail-back: %+v", st.Associations)
	}
	if st := b.Stats(); st.In[DATA] != 16 || st.Out[DATA] != 1 || st.ASs[0].Queued != 0 {
		t.Fatalf("B: %+v", st)
	}
}

// T(r) expiry: no ASP takes over, so what was held is discarded and
// counted, and DATA is refused afterwards.
func TestTrExpiryDiscards(t *testing.T) {
	a, b, ra, _, _ := ipspPair(t, SingleExchange, Override, 1, func(ca, cb *Config) {
		ca.Backoff = Backoff{Initial: time.Hour, Max: time.Hour} // A does not come back
	})
	waitRoute(t, b, pcA)
	m := a.ass[0].members[0]
	m.sendMu.Lock()
	conn := m.conn.(*mem.Conn)
	m.sendMu.Unlock()
	conn.Sever(nil)
	waitFor(t, "AS-PENDING", func() bool { return b.Stats().ASs[0].State == ASPending })
	for cic := uint16(1); cic <= 3; cic++ {
		if err := b.SendISUP(pcA, cic, isupREL(cic)); err != nil {
			t.Fatalf("held: %v", err)
		}
	}
	if q := b.Stats().ASs[0].Queued; q != 3 {
		t.Fatalf("queued %d", q)
	}
	waitFor(t, "T(r) expiry", func() bool { return b.Stats().ASs[0].State == ASDown })
	st := b.Stats()
	if st.Errors[string(ErrKindTrExpired)] != 3 || st.ASs[0].Queued != 0 {
		t.Fatalf("after T(r): %+v", st)
	}
	if err := b.SendISUP(pcA, 1, isupREL(1)); !errors.Is(err, ErrNoRoute) {
		t.Fatalf("after T(r): %v", err)
	}
	if ra.count() != 0 {
		t.Fatal("discarded traffic delivered")
	}
}

// Loadshare over two associations: every CIC keeps one association and
// one stream, and its messages arrive in order.
func TestLoadshareKeepsSLSOnOneAssociation(t *testing.T) {
	a, b, _, rb, _ := ipspPair(t, SingleExchange, Loadshare, 2)
	waitRoute(t, b, pcA)
	waitFor(t, "both carrying", func() bool {
		st := a.Stats()
		return len(st.Associations) == 2 && st.Associations[0].Traffic && st.Associations[1].Traffic
	})
	// B's AS must see both active too, else it would alternate.
	waitFor(t, "B sees both", func() bool { return b.Stats().ASs[0].Carrying == 2 })
	const rounds = 20
	for r := 0; r < rounds; r++ {
		for cic := uint16(0); cic < 32; cic++ {
			msg := isupREL(cic)
			msg[5] = byte(r) // sequence, in the cause length octet's place
			if err := a.SendISUP(pcB, cic, msg); err != nil {
				t.Fatal(err)
			}
		}
	}
	waitFor(t, "all at B", func() bool { return rb.count() == rounds*32 })
	rb.mu.Lock()
	defer rb.mu.Unlock()
	type where struct {
		assoc  int
		stream uint16
	}
	first := map[uint16]where{}
	next := map[uint16]byte{}
	assocs := map[int]bool{}
	for i, u := range rb.msgs {
		d := rb.data[i]
		cic := uint16(d[0]) | uint16(d[1])<<8
		w := where{u.Assoc, u.Stream}
		if f, ok := first[cic]; !ok {
			first[cic] = w
		} else if f != w {
			t.Fatalf("CIC %d moved from %+v to %+v", cic, f, w)
		}
		if d[5] != next[cic] {
			t.Fatalf("CIC %d: message %d arrived when %d was due", cic, d[5], next[cic])
		}
		next[cic]++
		assocs[u.Assoc] = true
	}
	if len(assocs) != 2 {
		t.Fatalf("load not shared: %v", assocs)
	}
}

// recordClock fires every timer at once and records the durations asked
// for: the back-off sequence can be checked without waiting.
type recordClock struct {
	mu     sync.Mutex
	delays []time.Duration
}

func (c *recordClock) Now() time.Time { return t0 }
func (c *recordClock) NewTimer(d time.Duration) Timer {
	c.mu.Lock()
	c.delays = append(c.delays, d)
	c.mu.Unlock()
	ch := make(chan time.Time, 1)
	ch <- t0
	return &firedTimer{ch}
}

type firedTimer struct{ ch chan time.Time }

func (t *firedTimer) C() <-chan time.Time        { return t.ch }
func (t *firedTimer) Stop() bool                 { return false }
func (t *firedTimer) Reset(d time.Duration) bool { return false }

// failingDialer refuses n dials, then cancels the test's context.
type failingDialer struct {
	n      int
	calls  int
	cancel context.CancelFunc
}

func (d *failingDialer) Dial(ctx context.Context) (transport.Conn, error) {
	d.calls++
	if d.calls >= d.n {
		d.cancel()
	}
	return nil, errors.New("refused")
}

// Reconnection back-off: exponential from Initial, capped at Max,
// jittered by the injected random source.
func TestReconnectBackoff(t *testing.T) {
	clk := &recordClock{}
	rnd := []float64{0, 0.5, 0.99, 0.25}
	k := 0
	bo := Backoff{Initial: 100 * time.Millisecond, Max: time.Second, Multiplier: 2, Jitter: 0.5}
	ctx, cancel := context.WithCancel(context.Background())
	d := &failingDialer{n: 8, cancel: cancel}
	s, err := New(Config{LocalPC: pcA, Clock: clk, Backoff: bo,
		Rand: func() float64 { r := rnd[k%len(rnd)]; k++; return r },
		ASs:  []ASConfig{{Name: "x", Peer: PeerConfig{Role: RoleASP}, Dial: []transport.Dialer{d}}}})
	if err != nil {
		t.Fatal(err)
	}
	m := s.ass[0].members[0]
	s.dialLoop(ctx, m, d)
	clk.mu.Lock()
	defer clk.mu.Unlock()
	var want []time.Duration
	for i := 0; i < d.n-1; i++ {
		want = append(want, bo.Delay(i, rnd[i%len(rnd)]))
	}
	if len(clk.delays) != len(want) {
		t.Fatalf("delays %v, want %v", clk.delays, want)
	}
	for i := range want {
		if clk.delays[i] != want[i] {
			t.Fatalf("delay %d: %v, want %v (all %v)", i, clk.delays[i], want[i], clk.delays)
		}
	}
	// The figures themselves: 100 ms ×(1 ± 0.5), doubling, capped at 1 s.
	exact := []time.Duration{50 * time.Millisecond, 200 * time.Millisecond, 596 * time.Millisecond, 600 * time.Millisecond,
		500 * time.Millisecond, time.Second, time.Second}
	for i, e := range exact {
		if diff := clk.delays[i] - e; diff < -time.Millisecond || diff > time.Millisecond {
			t.Errorf("delay %d: %v, want ≈%v", i, clk.delays[i], e)
		}
	}
	if s.Stats().Errors[string(ErrKindDialFailed)] != uint64(d.n-1) {
		t.Errorf("dial failures %v", s.Stats().Errors)
	}
}

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Initial: time.Second, Max: 30 * time.Second, Multiplier: 2}
	for i, want := range []time.Duration{1, 2, 4, 8, 16, 30, 30} {
		if got := b.Delay(i, 0.7); got != want*time.Second {
			t.Errorf("attempt %d: %v, want %v", i, got, want*time.Second)
		}
	}
	j := Backoff{Initial: time.Second, Max: 30 * time.Second, Jitter: 0.2}
	for i := 0; i < 10; i++ {
		for _, r := range []float64{0, 0.5, 0.999} {
			base := b.Delay(i, 0)
			got := j.Delay(i, r)
			if got < time.Duration(float64(base)*0.8)-1 || got > time.Duration(float64(base)*1.2)+1 || got > 30*time.Second {
				t.Errorf("attempt %d r %v: %v outside ±20%% of %v, cap 30 s", i, r, got, base)
			}
		}
	}
	if d := (Backoff{}).Delay(0, 0.5); d != DefaultBackoff.Initial {
		t.Errorf("zero Backoff: %v", d)
	}
}

// Broadcast: every association of the AS is active and carries a copy of
// each message.
func TestBroadcast(t *testing.T) {
	a, b, _, rb, _ := ipspPair(t, SingleExchange, Broadcast, 2)
	waitRoute(t, b, pcA)
	waitFor(t, "both carrying", func() bool {
		st := a.Stats()
		return len(st.Associations) == 2 && st.Associations[0].Traffic && st.Associations[1].Traffic
	})
	for cic := uint16(0); cic < 4; cic++ {
		if err := a.SendISUP(pcB, cic, isupREL(cic)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "8 copies", func() bool { return rb.count() == 8 })
	rb.mu.Lock()
	defer rb.mu.Unlock()
	per := map[int]int{}
	for _, u := range rb.msgs {
		per[u.Assoc]++
	}
	if len(per) != 2 {
		t.Fatalf("copies per association %v", per)
	}
	for _, n := range per {
		if n != 4 {
			t.Fatalf("copies per association %v", per)
		}
	}
}

// A responder configured without a traffic mode accepts the initiator's.
func TestUnsetTrafficModeAcceptsPeers(t *testing.T) {
	_, b, _, _, _ := ipspPair(t, SingleExchange, Loadshare, 1, func(ca, cb *Config) {
		cb.ASs[0].Peer.TrafficMode = 0
	})
	waitRoute(t, b, pcA)
	if e := b.Stats().Errors; len(e) != 0 {
		t.Fatalf("errors %v", e)
	}
}

// Double exchange over two associations in override mode: both ends end
// up active on the same association (the listener follows the dialler),
// so traffic flows both ways. A's first ASPUP on its first association is
// lost, so A picks its second association while B would pick its first.
func TestIPSPDoubleExchangeOverrideConverges(t *testing.T) {
	a, b, ra, rb, _ := ipspPair(t, DoubleExchange, Override, 2, func(ca, cb *Config) {
		d := ca.ASs[0].Dial[0].(*mem.Dialer)
		ca.ASs[0].Dial[0] = &dropFirstASPUP{d: d}
	})
	waitRoute(t, a, pcB)
	waitRoute(t, b, pcA)
	// Both ends settle on association 1, association 0 (its ASPUP sent
	// again after T(ack)) standing by in both directions. B may meanwhile
	// have been moved between associations by the NTFYs of A's AS; it
	// must not stay inactive.
	waitFor(t, "traffic on association 1, association 0 standing by", func() bool {
		st := a.Stats().Associations
		return st[1].Traffic && !st[0].Traffic && st[0].Local == ASPInactive && st[0].Remote == ASPInactive
	})
	if err := a.SendISUP(pcB, 1, isupREL(1)); err != nil {
		t.Fatal(err)
	}
	if err := b.SendISUP(pcA, 2, isupREL(2)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "both ways", func() bool { return ra.count() == 1 && rb.count() == 1 })
}

// dropFirstASPUP dials, and loses the first ASPUP sent on the first
// association.
type dropFirstASPUP struct {
	d     *mem.Dialer
	mu    sync.Mutex
	calls int
}

func (x *dropFirstASPUP) Dial(ctx context.Context) (transport.Conn, error) {
	c, err := x.d.Dial(ctx)
	if err != nil {
		return nil, err
	}
	x.mu.Lock()
	x.calls++
	first := x.calls == 1
	x.mu.Unlock()
	if first {
		var dropped bool
		c.(*mem.Conn).SetDrop(func(msg []byte, stream uint16, ppid uint32) bool {
			if t, _, ok := Peek(msg); ok && t == ASPUP && !dropped {
				dropped = true
				return true
			}
			return false
		})
	}
	return c, nil
}
