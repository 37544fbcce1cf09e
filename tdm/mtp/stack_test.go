package mtp

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/sipgw/sipgw/sigtran/mtp3"
	"github.com/sipgw/sipgw/tdm/channel"
	"github.com/sipgw/sipgw/tdm/linkset"
	"github.com/sipgw/sipgw/tdm/mtp2"
)

// patch is a patch panel between two stacks: each link slot is a pair of
// channels, made anew when both sides open it after a failure.
type patch struct {
	mu      sync.Mutex
	seq     bool // seqpacket socketpairs, else in-memory pipes
	pending map[uint8]channel.Channel
	current map[uint8][2]channel.Channel
}

func newPatch(seq bool) *patch {
	return &patch{seq: seq, pending: map[uint8]channel.Channel{}, current: map[uint8][2]channel.Channel{}}
}

func (p *patch) open(slc uint8) func(ctx context.Context) (channel.Channel, error) {
	return func(ctx context.Context) (channel.Channel, error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		if c, ok := p.pending[slc]; ok {
			delete(p.pending, slc)
			return c, nil
		}
		var a, b channel.Channel
		if p.seq {
			sa, f, err := channel.SocketPair()
			if err != nil {
				return nil, err
			}
			sb, err := channel.FileSeqPacket(f)
			f.Close()
			if err != nil {
				return nil, err
			}
			sa.VerifyFCS, sb.VerifyFCS = true, true
			a, b = sa, sb
		} else {
			pa, pb := channel.Pipe()
			a, b = pa, pb
		}
		p.pending[slc] = b
		p.current[slc] = [2]channel.Channel{a, b}
		return a, nil
	}
}

// cut closes link slc's current channel (both ends see it fail).
func (p *patch) cut(slc uint8) {
	p.mu.Lock()
	c := p.current[slc]
	p.mu.Unlock()
	c[0].Close()
	c[1].Close()
}

var (
	pcA = mtp3.ITUPC(100)
	pcB = mtp3.ITUPC(200)
)

// fast timers so tests do not wait for the Q.703 values.
var fastMTP2 = mtp2.Config{T4e: 50 * time.Millisecond, T4n: 200 * time.Millisecond, T1: 2 * time.Second, T2: 2 * time.Second, T3: time.Second}
var fastL3 = linkset.Timers{T17: 100 * time.Millisecond, SLTT1: 500 * time.Millisecond}

type side struct {
	st     *Stack
	got    chan UserData
	states chan StateEvent
}

func newSide(t *testing.T, local, adj mtp3.PointCode, p *patch, slcs ...uint8) *side {
	sd := &side{got: make(chan UserData, 10000), states: make(chan StateEvent, 1000)}
	var links []LinkConfig
	for _, slc := range slcs {
		links = append(links, LinkConfig{SLC: slc, Open: p.open(slc), MTP2: fastMTP2})
	}
	st, err := New(Config{LocalPC: local, NI: mtp3.NINational, Reopen: 50 * time.Millisecond,
		Linksets: []LinksetConfig{{Name: "ls", AdjacentPC: adj, Links: links, Timers: fastL3}},
		OnISUP: func(u *UserData) {
			c := *u
			c.Data = append([]byte(nil), u.Data...)
			sd.got <- c
		},
		OnState: func(e StateEvent) { sd.states <- e },
	})
	if err != nil {
		t.Fatal(err)
	}
	sd.st = st
	return sd
}

func run(t *testing.T, sides ...*side) context.CancelFunc {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, s := range sides {
		wg.Add(1)
		go func() { defer wg.Done(); s.st.Run(ctx) }()
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
	return cancel
}

func waitUp(t *testing.T, s *Stack, dpc mtp3.PointCode, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := s.WaitRoute(ctx, dpc); err != nil {
		t.Fatalf("route to %v: %v (%+v)", dpc, err, s.Stats())
	}
}

func expectISUP(t *testing.T, sd *side, cic uint16, body string, d time.Duration) UserData {
	t.Helper()
	select {
	case u := <-sd.got:
		want := fmt.Sprintf("%02x%02x%s", byte(cic), byte(cic>>8), body)
		if got := fmt.Sprintf("%x", u.Data); got != want {
			t.Fatalf("ISUP %s, want %s", got, want)
		}
		return u
	case <-time.After(d):
		t.Fatalf("no ISUP for CIC %d", cic)
	}
	return UserData{}
}

// sendRetry sends, waiting while the linkset is congested.
func sendRetry(t *testing.T, s *Stack, dpc mtp3.PointCode, cic uint16, msg []byte) error {
	for {
		err := s.SendISUP(dpc, cic, msg)
		if !errors.Is(err, ErrCongested) {
			return err
		}
		time.Sleep(time.Millisecond)
	}
}

func isupBytes(cic uint16, body ...byte) []byte {
	return append([]byte{byte(cic), byte(cic >> 8)}, body...)
}

func TestTwoStacks(t *testing.T) {
	for _, seq := range []bool{false, true} {
		t.Run(map[bool]string{false: "pipe", true: "seqpacket"}[seq], func(t *testing.T) {
			p := newPatch(seq)
			a := newSide(t, pcA, pcB, p, 0)
			b := newSide(t, pcB, pcA, p, 0)
			run(t, a, b)
			waitUp(t, a.st, pcB, 5*time.Second)
			waitUp(t, b.st, pcA, 5*time.Second)
			// ISUP both ways, with the label checked.
			if err := a.st.SendISUP(pcB, 17, isupBytes(17, 0x01, 0x02)); err != nil {
				t.Fatal(err)
			}
			u := expectISUP(t, b, 17, "0102", 2*time.Second)
			if u.OPC != pcA || u.DPC != pcB || u.SLS != 1 || u.SI != mtp3.SIISUP || u.NI != mtp3.NINational || u.Linkset != "ls" {
				t.Fatalf("label %+v", u)
			}
			if err := b.st.SendISUP(pcA, 2, isupBytes(2, 0x10)); err != nil {
				t.Fatal(err)
			}
			expectISUP(t, a, 2, "10", 2*time.Second)
			// A route nobody has.
			if err := a.st.SendISUP(mtp3.ITUPC(999), 1, isupBytes(1, 1)); !errors.Is(err, ErrNoRoute) {
				t.Fatalf("unrouted: %v", err)
			}
			// 2,000 messages arrive in order.
			for i := range 2000 {
				if err := sendRetry(t, a.st, pcB, 5, isupBytes(5, byte(i>>8), byte(i))); err != nil {
					t.Fatal(err)
				}
			}
			for i := range 2000 {
				expectISUP(t, b, 5, fmt.Sprintf("%02x%02x", byte(i>>8), byte(i)), 5*time.Second)
			}
			st := a.st.Stats()
			if ls := st.Linksets[0]; !ls.Up || ls.Available != 1 || ls.Links[0].L2 != mtp2.InService || ls.Links[0].L3 != linkset.Available {
				t.Fatalf("stats %+v", ls)
			}
		})
	}
}

// TestLinkLossAndRecovery cuts the only link: both sides report the
// failure with its reason, the route goes down, the channel is opened
// again and the link realigns.
func TestLinkLossAndRecovery(t *testing.T) {
	p := newPatch(true)
	a := newSide(t, pcA, pcB, p, 0)
	b := newSide(t, pcB, pcA, p, 0)
	run(t, a, b)
	waitUp(t, a.st, pcB, 5*time.Second)
	p.cut(0)
	deadline := time.After(5 * time.Second)
	var failed, down bool
	for !failed || !down {
		select {
		case e := <-a.states:
			if e.Link && e.State == linkset.Failed && e.Reason == mtp2.ReasonChannel.String() {
				failed = true
			}
			if !e.Link && !e.Up {
				down = true
			}
		case <-deadline:
			t.Fatalf("failure not reported (failed %v down %v)", failed, down)
		}
	}
	if err := a.st.SendISUP(pcB, 1, isupBytes(1, 1)); !errors.Is(err, ErrNoRoute) {
		t.Fatalf("send while down: %v", err)
	}
	waitUp(t, a.st, pcB, 5*time.Second)
	waitUp(t, b.st, pcA, 5*time.Second)
	a.st.SendISUP(pcB, 9, isupBytes(9, 0xab))
	expectISUP(t, b, 9, "ab", 2*time.Second)
	if f := a.st.Stats().Linksets[0].Links[0]; f.Failures == 0 || f.LastFailure != mtp2.ReasonChannel.String() {
		t.Fatalf("stats %+v", f)
	}
}

// TestChangeover: two links; one is cut while traffic flows on both: all
// messages arrive, in order per SLS, none lost; the link comes back and
// traffic is changed back.
func TestChangeover(t *testing.T) {
	p := newPatch(false)
	a := newSide(t, pcA, pcB, p, 0, 1)
	b := newSide(t, pcB, pcA, p, 0, 1)
	run(t, a, b)
	waitUp(t, a.st, pcB, 5*time.Second)
	waitForLinks(t, a.st, 2)
	waitForLinks(t, b.st, 2)
	const n = 3000
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			cic := uint16(i % 16)
			if err := sendRetry(t, a.st, pcB, cic, isupBytes(cic, byte(i>>8), byte(i))); err != nil {
				t.Errorf("send %d: %v", i, err)
				return
			}
			if i == n/3 {
				p.cut(1)
			}
			if i%50 == 0 {
				time.Sleep(time.Millisecond)
			}
		}
	}()
	<-done
	last := map[uint16]int{}
	for range n {
		select {
		case u := <-b.got:
			cic := uint16(u.Data[0]) | uint16(u.Data[1])<<8
			i := int(u.Data[2])<<8 | int(u.Data[3])
			if prev, ok := last[cic]; ok && i <= prev {
				t.Fatalf("CIC %d: message %d after %d", cic, i, prev)
			}
			last[cic] = i
		case <-time.After(5 * time.Second):
			t.Fatalf("lost messages: %+v", a.st.Stats())
		}
	}
	if a.st.Stats().Linksets[0].L3.Changeovers == 0 && b.st.Stats().Linksets[0].L3.Changeovers == 0 {
		t.Fatal("no changeover happened")
	}
	waitForLinks(t, a.st, 2)
	if a.st.Stats().Linksets[0].L3.Changebacks == 0 {
		t.Fatalf("no changeback: %+v", a.st.Stats().Linksets[0].L3)
	}
}

func waitForLinks(t *testing.T, s *Stack, n int) {
	t.Helper()
	for range 500 {
		if s.Stats().Linksets[0].Available == n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%d links never available: %+v", n, s.Stats())
}

func TestConfigErrors(t *testing.T) {
	open := func(context.Context) (channel.Channel, error) { return nil, os.ErrNotExist }
	cases := []struct {
		cfg  Config
		text string
	}{
		{Config{}, "LocalPC"},
		{Config{LocalPC: pcA}, "Linksets: none"},
		{Config{LocalPC: pcA, Linksets: []LinksetConfig{{Name: "x", AdjacentPC: pcB, Links: []LinkConfig{{SLC: 0}}}}}, "Links[0].Open: nil"},
		{Config{LocalPC: pcA, Linksets: []LinksetConfig{{Name: "x", AdjacentPC: pcB, Links: []LinkConfig{{SLC: 0, Open: open}}}, {Name: "x"}}}, "used twice"},
		{Config{LocalPC: pcA, Linksets: []LinksetConfig{{Name: "x", AdjacentPC: pcB, Links: []LinkConfig{{SLC: 20, Open: open}}}}}, "SLCs[0]: 20 exceeds 15"},
	}
	for _, tc := range cases {
		if _, err := New(tc.cfg); !errors.Is(err, ErrConfig) || !contains(err.Error(), tc.text) {
			t.Errorf("%v, want %q", err, tc.text)
		}
	}
	st, _ := New(Config{LocalPC: pcA, Linksets: []LinksetConfig{{Name: "x", AdjacentPC: pcB, Links: []LinkConfig{{SLC: 0, Open: open}}}}})
	if err := st.SendISUP(pcB, 1, []byte{1, 0, 1}); !errors.Is(err, ErrStopped) {
		t.Errorf("not running: %v", err)
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}
