package gateway

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/sipgw/sipgw/gateway/sim"
	"github.com/sipgw/sipgw/interwork/call"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/circuit"
	"github.com/sipgw/sipgw/ops"
)

// cancelDoc: a SIP trunk for the hand-driven client, the Q.1912.5 cause
// profile (CANCEL → REL 31), the simulator answering 4911… at once with
// an ACM and 100 ms later with an ANM.
const cancelDoc = `sip: {udp: "127.0.0.1:0"}
sip_trunks:
  - name: a
    acl: [127.0.0.1/32]
    mapping: {causes: {profile: q1912.5}}
sigtran:
  - name: g
    point_code: 1-1-1
    associations: [{name: x, transport: mem, remote: "sim:1"}]
isup_trunks: [{name: p, sigtran: g, peer_pc: 1-1-2, cics: 1-8}]
routes: [{prefix: "", from: a, to: [p]}]
simulator:
  trunk: p
  rules: [{prefix: "", action: answer, answer: 100ms}]
shutdown_timeout: 3s
`

// cdrList records CDRs.
type cdrList struct {
	mu   sync.Mutex
	list []ops.CDR
}

func (c *cdrList) WriteCDR(r ops.CDR) {
	c.mu.Lock()
	c.list = append(c.list, r)
	c.mu.Unlock()
}

func (c *cdrList) all() []ops.CDR {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]ops.CDR(nil), c.list...)
}

// recObserver records the call events the metrics are fed.
type recObserver struct {
	NopObserver
	mu     sync.Mutex
	events []string
}

func (o *recObserver) add(s string) {
	o.mu.Lock()
	o.events = append(o.events, s)
	o.mu.Unlock()
}

func (o *recObserver) CallStarted(string, string, string) { o.add("started") }

func (o *recObserver) CallPhase(_, _, _ string, from, to ops.Phase) {
	o.add(from.String() + "→" + to.String())
}

func (o *recObserver) CallEnded(c ops.CDR, last ops.Phase, answered bool) {
	o.add(fmt.Sprintf("ended %s answered=%v", last, answered))
}

func (o *recObserver) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return strings.Join(o.events, ", ")
}

// phases checks the calls in progress by phase (Status: read without the
// loops, so it answers while a test holds one).
func phases(t *testing.T, g *Gateway, want ops.PhaseCounts) {
	t.Helper()
	st, err := g.Status(context.Background())
	if err != nil || st.Phases != want {
		t.Errorf("phases %+v (%v), want %+v", st.Phases, err, want)
	}
}

// setHook installs testHookRespond for the test.
func setHook(t *testing.T, f func(*leg, *call.Msg)) {
	testHookRespond.Store(&f)
	t.Cleanup(func() { testHookRespond.Store(nil) })
}

// TestCancelCrossing200: a CANCEL crossing the 200 of an answered call
// has exactly one outcome (RFC 3261 §9.2). The crossing is forced: the
// test holds the call's loop (testHookRespond) while its CANCEL reaches
// sipgo.
func TestCancelCrossing200(t *testing.T) {
	// The loop has decided the 200 (ANM came) and is about to send it
	// when the CANCEL is answered by sipgo: the 487 is the outcome, the
	// 200 never goes, and the answered ISUP leg is released at once.
	t.Run("CANCEL wins over the 200 being sent", func(t *testing.T) {
		reached, proceed := make(chan struct{}), make(chan struct{})
		var once sync.Once
		setHook(t, func(_ *leg, m *call.Msg) {
			if m.Method == call.INVITE && m.Status == 200 {
				once.Do(func() { close(reached); <-proceed })
			}
		})
		x := startCancelGW(t)
		u := newSIPClient(t, x.g.SIPAddr("udp"))
		u.invite("4930123")
		u.waitStatus(180, 5*time.Second)
		waitChan(t, reached, u, "the 200 was never about to go")
		phases(t, x.g, ops.PhaseCounts{Early: 1}) // ringing; the answer has not gone
		sent := u.cancel()
		got := u.waitStatus(487, 5*time.Second)
		close(proceed)
		x.lostAnswer(t, u, got, sent)
	})

	// The CANCEL is answered while the loop is busy with the 180 and the
	// ANM is already queued behind it: the 180 that crosses the CANCEL is
	// not sent either, and the 200 the call decides next is dropped
	// before it reaches the transaction.
	t.Run("CANCEL wins before the 200 is decided", func(t *testing.T) {
		reached, proceed := make(chan struct{}), make(chan struct{})
		var once sync.Once
		setHook(t, func(_ *leg, m *call.Msg) {
			if m.Method == call.INVITE && m.Status == 180 {
				once.Do(func() { close(reached); <-proceed })
			}
		})
		x := startCancelGW(t)
		u := newSIPClient(t, x.g.SIPAddr("udp"))
		u.invite("4930124")
		waitChan(t, reached, u, "no 180 was about to go")
		// The ANM is queued on the held loop before the CANCEL comes.
		tr := x.g.trunks[0]
		deadline := time.Now().Add(5 * time.Second)
		for !x.simSent(isup.ANM) || len(tr.in) == 0 {
			if time.Now().After(deadline) {
				t.Fatal("the simulator's ANM did not reach the loop")
			}
			time.Sleep(5 * time.Millisecond)
		}
		sent := u.cancel()
		got := u.waitStatus(487, 5*time.Second)
		close(proceed)
		x.lostAnswer(t, u, got, sent)
		for _, m := range u.seen() {
			if r, ok := m.(*sip.Response); ok && r.StatusCode == 180 {
				t.Errorf("a 180 went after the 487: %v", r.StartLine())
			}
		}
	})

	// The 200 went first: the CANCEL that crosses it on the wire gets its
	// 200 from sipgo and has no effect; the caller ACKs and ends the call
	// with BYE (RFC 3261 §9.1, §15).
	t.Run("the 200 wins", func(t *testing.T) {
		x := startCancelGW(t)
		u := newSIPClient(t, x.g.SIPAddr("udp"))
		u.invite("4930125")
		ok := u.waitStatus(200, 5*time.Second)
		if cs := ok.CSeq(); cs == nil || cs.MethodName != sip.INVITE {
			t.Fatalf("200 of %v", ok.CSeq())
		}
		u.cancel()
		res := u.waitStatus(200, 5*time.Second)
		if cs := res.CSeq(); cs == nil || cs.MethodName != sip.CANCEL {
			t.Fatalf("the CANCEL got %v", res.StartLine())
		}
		u.ack2xx(ok)
		time.Sleep(300 * time.Millisecond)
		calls, err := x.g.Calls(context.Background())
		if err != nil || len(calls) != 1 || calls[0].Answered.IsZero() || calls[0].Phase != ops.PhaseAnswered {
			t.Fatalf("after the CANCEL: calls %+v %v", calls, err)
		}
		phases(t, x.g, ops.PhaseCounts{Answered: 1})
		if x.simReceived(isup.REL) {
			t.Fatal("the CANCEL released the answered call")
		}
		u.bye(ok)
		bye := u.waitStatus(200, 5*time.Second)
		if cs := bye.CSeq(); cs == nil || cs.MethodName != sip.BYE {
			t.Fatalf("the BYE got %v", bye.StartLine())
		}
		x.waitIdle(t)
		for _, m := range u.seen() {
			if r, ok := m.(*sip.Response); ok && r.StatusCode == 487 {
				t.Errorf("a 487 after the 200: %v", r.StartLine())
			}
		}
		if got := x.isup(); got != "<IAM >ACM >ANM <REL 16 >RLC" {
			t.Errorf("ISUP: %s", got)
		}
		if c := x.cdr(t); c.SIPStatus != 200 || c.Cause != 16 || c.ReleasedBy != "sip" || c.Answered.IsZero() {
			t.Errorf("CDR %+v", c)
		}
		if got := x.obs.String(); got != "started, setup→early, early→answered, answered→releasing, ended releasing answered=true" {
			t.Errorf("observed: %s", got)
		}
		phases(t, x.g, ops.PhaseCounts{})
	})
}

// cancelGW is a gateway of cancelDoc with its CDRs.
type cancelGW struct {
	g    *Gateway
	cdrs *cdrList
	obs  *recObserver
}

func startCancelGW(t *testing.T) *cancelGW {
	t.Helper()
	cd, obs := &cdrList{}, &recObserver{}
	g := runWith(t, cancelDoc, "", Options{CDR: cd, Observer: obs})
	// Circuits are idle from the start: a call must wait for the
	// start-up reset (GRS once the route is up), which would release it.
	waitCircuits(t, g, func(s circuit.Status) bool { return s.State == circuit.Idle && s.Reason == "GRA received" })
	return &cancelGW{g: g, cdrs: cd, obs: obs}
}

// lostAnswer checks the outcome of a CANCEL that won over the answer: the
// caller gets nothing but the 487 (its retransmissions included: sipgo's
// timer G repeats it at 500 ms and 1 s until the ACK), the simulator's
// answered call is released with REL 31 (Q.1912.5's CANCEL cause) within a
// second of the CANCEL and its RLC comes, no call is left and every
// circuit is idle; the CDR says 487, released by SIP, never answered.
func (x *cancelGW) lostAnswer(t *testing.T, u *sipClient, final *sip.Response, cancelSent time.Time) {
	t.Helper()
	time.Sleep(1300 * time.Millisecond)
	for _, m := range u.seen() {
		if r, ok := m.(*sip.Response); ok && r.StatusCode >= 200 && r.CSeq() != nil && r.CSeq().MethodName == sip.INVITE && r.StatusCode != 487 {
			t.Errorf("the caller got %s after the CANCEL", r.StartLine())
		}
	}
	u.ackFailure(final)
	x.waitIdle(t)
	if got := x.isup(); got != "<IAM >ACM >ANM <REL 31 >RLC" {
		t.Errorf("ISUP: %s", got)
	}
	for _, e := range x.g.Sim().Events() {
		if e.Kind == sim.EvReceived && e.Type == isup.REL {
			if d := e.Time.Sub(cancelSent); d > time.Second {
				t.Errorf("REL %v after the CANCEL", d)
			}
		}
		if e.Kind == sim.EvSent && e.Type == isup.RLC {
			if d := e.Time.Sub(cancelSent); d > time.Second {
				t.Errorf("RLC %v after the CANCEL", d)
			}
		}
	}
	if c := x.cdr(t); c.SIPStatus != 487 || c.Cause != 31 || c.ReleasedBy != "sip" || !c.Answered.IsZero() || c.DurationMS != 0 {
		t.Errorf("CDR %+v", c)
	}
	// Never answered for the metrics either: the caller did not get it.
	if got := x.obs.String(); got != "started, setup→early, early→releasing, ended releasing answered=false" {
		t.Errorf("observed: %s", got)
	}
	phases(t, x.g, ops.PhaseCounts{})
}

func (x *cancelGW) waitIdle(t *testing.T) {
	t.Helper()
	waitCircuits(t, x.g, func(s circuit.Status) bool { return s.State == circuit.Idle })
	deadline := time.Now().Add(5 * time.Second)
	for {
		calls, err := x.g.Calls(context.Background())
		n, _ := x.g.Sim().Calls(context.Background())
		if err == nil && len(calls) == 0 && n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("calls left: %+v (simulator: %d) %v", calls, n, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cs, err := x.g.Sim().Circuits(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range cs {
		if s.State != circuit.Idle {
			t.Errorf("simulator CIC %d: %v", s.CIC, s.State)
		}
	}
}

// isup summarises the simulator's messages after its start-up reset:
// "<IAM" received, ">ACM" sent, "<REL 31".
func (x *cancelGW) isup() string {
	var b []string
	for _, e := range x.g.Sim().Events() {
		if e.Type == isup.GRS || e.Type == isup.GRA {
			continue
		}
		s := ">"
		if e.Kind == sim.EvReceived {
			s = "<"
		}
		s += e.Type.String()
		if e.Type == isup.REL {
			s += fmt.Sprintf(" %d", e.Cause)
		}
		b = append(b, s)
	}
	return strings.Join(b, " ")
}

func (x *cancelGW) simSent(typ isup.MessageType) bool { return x.simHas(sim.EvSent, typ) }

func (x *cancelGW) simReceived(typ isup.MessageType) bool { return x.simHas(sim.EvReceived, typ) }

func (x *cancelGW) simHas(k sim.EventKind, typ isup.MessageType) bool {
	for _, e := range x.g.Sim().Events() {
		if e.Kind == k && e.Type == typ {
			return true
		}
	}
	return false
}

// cdr returns the only CDR, waiting for it.
func (x *cancelGW) cdr(t *testing.T) ops.CDR {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		l := x.cdrs.all()
		if len(l) == 1 {
			return l[0]
		}
		if len(l) > 1 || time.Now().After(deadline) {
			t.Fatalf("CDRs: %+v", l)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func waitChan(t *testing.T, ch chan struct{}, u *sipClient, why string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatalf("%s; the caller got %s", why, u.summary())
	}
}

// TestCancelAroundAnswer: CANCELs sent at real, varying times around the
// answer (the simulator answers 100 ms after its ACM; the CANCEL goes 90
// to 105 ms after the 180), so that some cross the 200 on the wire or in
// the gateway. Whichever way each call goes, it has one outcome: either
// the caller gets 487 and nothing else for the INVITE, and the CDR says
// 487 with REL 31; or the caller gets the 200 (the CANCEL answered 200
// without effect), ACKs and ends with BYE, and the CDR says 200 with REL
// 16. No call is left, no release comes from a timer (cause 102), every
// circuit ends idle.
func TestCancelAroundAnswer(t *testing.T) {
	x := startCancelGW(t)
	gw := x.g.SIPAddr("udp")
	const calls = 16
	outcome := map[string]int{} // Call-ID → final status the caller got
	for i := range calls {
		u := newSIPClient(t, gw)
		u.invite("49301" + fmt.Sprint(100+i))
		u.waitStatus(180, 5*time.Second)
		time.Sleep(time.Duration(90+i) * time.Millisecond)
		u.cancel()
		m, _ := u.wait("final response to the INVITE", 5*time.Second, func(m sip.Message) bool {
			r, ok := m.(*sip.Response)
			return ok && r.StatusCode >= 200 && r.CSeq() != nil && r.CSeq().MethodName == sip.INVITE
		})
		r := m.(*sip.Response)
		outcome[u.callID] = r.StatusCode
		switch r.StatusCode {
		case 487:
			u.ackFailure(r)
		case 200:
			u.ack2xx(r)
			u.bye(r)
			u.wait("200 to the BYE", 5*time.Second, func(m sip.Message) bool {
				r, ok := m.(*sip.Response)
				return ok && r.StatusCode == 200 && r.CSeq() != nil && r.CSeq().MethodName == sip.BYE
			})
		default:
			t.Fatalf("call %d: %s", i, r.StartLine())
		}
		// Whatever came for the INVITE after its final response.
		time.Sleep(50 * time.Millisecond)
		for _, m := range u.seen() {
			if o, ok := m.(*sip.Response); ok && o.StatusCode >= 200 && o.CSeq() != nil && o.CSeq().MethodName == sip.INVITE && o.StatusCode != r.StatusCode {
				t.Errorf("call %d: %d and then %d", i, r.StatusCode, o.StatusCode)
			}
		}
	}
	x.waitIdle(t)
	n := map[int]int{}
	deadline := time.Now().Add(5 * time.Second)
	for len(x.cdrs.all()) < calls && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	for _, c := range x.cdrs.all() {
		want := outcome[c.CallID]
		n[want]++
		switch {
		case c.SIPStatus != want:
			t.Errorf("CDR %s says %d, the caller got %d", c.CallID, c.SIPStatus, want)
		case want == 487 && (c.Cause != 31 || c.ReleasedBy != "sip" || !c.Answered.IsZero()):
			t.Errorf("cancelled call's CDR %+v", c)
		case want == 200 && (c.Cause != 16 || c.ReleasedBy != "sip" || c.Answered.IsZero()):
			t.Errorf("answered call's CDR %+v", c)
		}
	}
	if len(x.cdrs.all()) != calls {
		t.Errorf("%d CDRs for %d calls", len(x.cdrs.all()), calls)
	}
	anm487 := 0
	for _, e := range x.g.Sim().Events() {
		if e.Kind == sim.EvReceived && e.Type == isup.REL && e.Cause != 31 && e.Cause != 16 {
			t.Errorf("REL cause %d", e.Cause)
		}
	}
	// Calls cancelled after the exchange answered: the crossing itself.
	answered := map[uint16]bool{}
	for _, e := range x.g.Sim().Events() {
		switch {
		case e.Kind == sim.EvSent && e.Type == isup.ANM:
			answered[e.CIC] = true
		case e.Kind == sim.EvReceived && e.Type == isup.REL:
			if answered[e.CIC] && e.Cause == 31 {
				anm487++
			}
			delete(answered, e.CIC)
		}
	}
	t.Logf("%d calls: %d answered, %d cancelled (%d of them after the exchange's ANM)", calls, n[200], n[487], anm487)
	phases(t, x.g, ops.PhaseCounts{})
}

// TestCancelBeforeCall: the CANCEL comes, and sipgo answers it 487,
// before the trunk's loop has taken the INVITE (the loop is held here):
// the call never begins — no IAM, no call left, nothing counted in a
// phase — and the caller gets nothing after the 487.
func TestCancelBeforeCall(t *testing.T) {
	x := startCancelGW(t)
	tr := x.g.trunks[0]
	held, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- tr.do(context.Background(), func() { close(held); <-release }) }()
	<-held
	u := newSIPClient(t, x.g.SIPAddr("udp"))
	u.invite("4930127")
	u.waitStatus(100, 5*time.Second)
	u.cancel()
	r := u.waitStatus(487, 5*time.Second)
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	u.ackFailure(r)
	time.Sleep(300 * time.Millisecond)
	x.waitIdle(t)
	if got := x.isup(); got != "" {
		t.Errorf("ISUP for a call cancelled before it began: %s", got)
	}
	if got := x.obs.String(); got != "" {
		t.Errorf("observed %s", got)
	}
	for _, m := range u.seen() {
		if r, ok := m.(*sip.Response); ok && r.CSeq().MethodName == sip.INVITE && r.StatusCode != 100 && r.StatusCode != 487 {
			t.Errorf("the caller got %s", r.StartLine())
		}
	}
	phases(t, x.g, ops.PhaseCounts{})
	if st, _ := x.g.Status(context.Background()); st.Calls != 0 || len(x.cdrs.all()) != 0 {
		t.Errorf("calls %d, CDRs %v", st.Calls, x.cdrs.all())
	}
}
