package m3ua

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sipgw/sipgw/sigtran/transport"
	"github.com/sipgw/sipgw/sigtran/transport/mem"
)

// fakeSGP is a scripted SGP for host tests: it accepts associations on a
// mem network, answers ASPSM/ASPTM as RFC 4666 §4.3.4 has an SGP do
// (ASPUP_ACK then NTFY AS-INACTIVE, ASPAC_ACK then NTFY AS-ACTIVE, ...),
// echoes BEAT, and reports every message it receives. Tests make it send
// SSNM, DATA and ERR, stop answering BEAT, or drop the association.
type fakeSGP struct {
	t      testing.TB
	ln     *mem.Listener
	rx     chan sgpMsg
	mu     sync.Mutex
	conns  []*mem.Conn
	noBeat atomic.Bool // stop answering BEAT
	noNTFY atomic.Bool
	wg     sync.WaitGroup
}

type sgpMsg struct {
	conn   *mem.Conn
	m      Message
	raw    []byte
	stream uint16
	ppid   uint32
	bad    bool // did not decode
}

func newFakeSGP(t testing.TB, n *mem.Network, addr mem.Addr) *fakeSGP {
	t.Helper()
	ln, err := n.Listen(addr, mem.Streams{Out: 16, MaxIn: 16})
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSGP{t: t, ln: ln, rx: make(chan sgpMsg, 4096)}
	f.wg.Add(1)
	go f.accept()
	t.Cleanup(f.stop)
	return f
}

func (f *fakeSGP) stop() {
	f.ln.Close()
	f.mu.Lock()
	for _, c := range f.conns {
		c.Abort()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

func (f *fakeSGP) accept() {
	defer f.wg.Done()
	for {
		c, err := f.ln.Accept(context.Background())
		if err != nil {
			return
		}
		mc := c.(*mem.Conn)
		f.mu.Lock()
		f.conns = append(f.conns, mc)
		f.mu.Unlock()
		f.wg.Add(1)
		go f.serve(mc)
	}
}

func (f *fakeSGP) serve(c *mem.Conn) {
	defer f.wg.Done()
	buf := make([]byte, 8192)
	for {
		n, info, err := c.Recv(buf)
		if err != nil {
			return
		}
		raw := append([]byte(nil), buf[:n]...)
		var m Message
		if err := m.Decode(raw); err != nil {
			f.rx <- sgpMsg{conn: c, raw: raw, stream: info.Stream, ppid: info.PPID, bad: true}
			continue
		}
		switch m.Type {
		case ASPUP:
			f.send(c, ASPUPAck, 0)
			if !f.noNTFY.Load() {
				f.ntfy(c, StatusASInactive)
			}
		case ASPAC:
			a := Message{Type: ASPACAck}
			if m.Has(TagRoutingContext) {
				a.RoutingContexts = m.RoutingContexts
				a.Set(TagRoutingContext)
			}
			if m.Has(TagTrafficModeType) {
				a.TrafficMode = m.TrafficMode
				a.Set(TagTrafficModeType)
			}
			f.sendMsg(c, &a, 0)
			if !f.noNTFY.Load() {
				f.ntfy(c, StatusASActive)
			}
		case ASPIA:
			f.send(c, ASPIAAck, 0)
		case ASPDN:
			f.send(c, ASPDNAck, 0)
		case BEAT:
			if !f.noBeat.Load() {
				a := Message{Type: BEATAck, HeartbeatData: m.HeartbeatData}
				a.Set(TagHeartbeatData)
				f.sendMsg(c, &a, 0)
			}
		}
		f.rx <- sgpMsg{conn: c, m: m, raw: raw, stream: info.Stream, ppid: info.PPID}
	}
}

func (f *fakeSGP) send(c *mem.Conn, t MessageType, stream uint16) {
	m := Message{Type: t}
	f.sendMsg(c, &m, stream)
}

func (f *fakeSGP) sendMsg(c *mem.Conn, m *Message, stream uint16) {
	b, err := m.Append(nil)
	if err != nil {
		f.t.Errorf("fake SGP: %v: %v", m.Type, err)
		return
	}
	c.Send(b, stream, transport.PPIDM3UA)
}

func (f *fakeSGP) ntfy(c *mem.Conn, s Status) {
	m := Message{Type: NTFY, Status: s}
	m.Set(TagStatus)
	f.sendMsg(c, &m, 0)
}

// last returns the most recent association.
func (f *fakeSGP) last() *mem.Conn {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.conns) == 0 {
		return nil
	}
	return f.conns[len(f.conns)-1]
}

// expect waits for a message of type t (skipping others) and returns it.
func (f *fakeSGP) expect(t MessageType) sgpMsg {
	f.t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case x := <-f.rx:
			if !x.bad && x.m.Type == t {
				return x
			}
		case <-deadline:
			f.t.Fatalf("fake SGP: no %v within 5 s", t)
			return sgpMsg{}
		}
	}
}

// waitFor polls cond until it holds or 5 s pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// runStack starts s and stops it at the end of the test.
func runStack(t testing.TB, s *Stack) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Errorf("Run did not return")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
