package gateway

import (
	"context"
	"fmt"
	"net"
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

// ---------------------------------------------------------------------------
// A SIP UAC driven by hand over UDP: one INVITE transaction and what
// follows it, messages written as text so that the test controls when
// each goes.

type sipClient struct {
	t      *testing.T
	c      *net.UDPConn
	gw     string
	local  string
	callID string
	tag    string
	branch string
	ruri   string

	mu    sync.Mutex
	msgs  []sip.Message
	taken map[int]bool  // responses a wait returned
	cond  chan struct{} // closed and replaced on each message
}

func newSIPClient(t *testing.T, gw string) *sipClient {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	u := &sipClient{t: t, c: c, gw: gw, local: c.LocalAddr().String(), callID: sip.GenerateTagN(16) + "@test",
		tag: sip.GenerateTagN(8), branch: sip.RFC3261BranchMagicCookie + sip.GenerateTagN(12), taken: map[int]bool{}, cond: make(chan struct{})}
	done := make(chan struct{})
	go u.read(done)
	t.Cleanup(func() { c.Close(); <-done })
	return u
}

func (u *sipClient) read(done chan struct{}) {
	defer close(done)
	buf := make([]byte, 65535)
	for {
		n, _, err := u.c.ReadFrom(buf)
		if err != nil {
			return
		}
		m, err := sip.ParseMessage(append([]byte(nil), buf[:n]...))
		if err != nil {
			continue
		}
		u.mu.Lock()
		u.msgs = append(u.msgs, m)
		close(u.cond)
		u.cond = make(chan struct{})
		u.mu.Unlock()
	}
}

func (u *sipClient) seen() []sip.Message {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]sip.Message(nil), u.msgs...)
}

// waitStatus waits for the first response with status that no earlier
// wait returned.
func (u *sipClient) waitStatus(status int, d time.Duration) *sip.Response {
	u.t.Helper()
	deadline := time.After(d)
	for {
		u.mu.Lock()
		for i, m := range u.msgs {
			if r, ok := m.(*sip.Response); ok && r.StatusCode == status && !u.taken[i] {
				u.taken[i] = true
				u.mu.Unlock()
				return r
			}
		}
		cond := u.cond
		u.mu.Unlock()
		select {
		case <-cond:
		case <-deadline:
			u.t.Fatalf("no %d in %v; got %s", status, d, u.summary())
		}
	}
}

func (u *sipClient) summary() string {
	var s []string
	for _, m := range u.seen() {
		switch m := m.(type) {
		case *sip.Response:
			s = append(s, m.StartLine()+" ("+m.CSeq().Value()+")")
			if h := m.GetHeader("Reason"); h != nil {
				s = append(s, h.Value())
			}
		case *sip.Request:
			s = append(s, m.StartLine())
		}
	}
	return strings.Join(s, " | ")
}

func (u *sipClient) send(s string) time.Time {
	u.t.Helper()
	s = strings.ReplaceAll(strings.TrimLeft(s, "\n"), "\n", "\r\n")
	addr, err := net.ResolveUDPAddr("udp", u.gw)
	if err != nil {
		u.t.Fatal(err)
	}
	now := time.Now()
	if _, err := u.c.WriteTo([]byte(s), addr); err != nil {
		u.t.Fatal(err)
	}
	return now
}

const clientSDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8\r\n"

func (u *sipClient) invite(number string) {
	u.ruri = "sip:" + number + "@" + u.gw
	u.send(fmt.Sprintf(`
INVITE %s SIP/2.0
Via: SIP/2.0/UDP %s;branch=%s
Max-Forwards: 70
From: <sip:4940111222@127.0.0.1>;tag=%s
To: <%s>
Call-ID: %s
CSeq: 1 INVITE
Contact: <sip:alice@%s>
Content-Type: application/sdp
Content-Length: %d

`, u.ruri, u.local, u.branch, u.tag, u.ruri, u.callID, u.local, len(clientSDP)) + strings.ReplaceAll(clientSDP, "\r\n", "\n"))
}

// cancel sends the CANCEL of the INVITE (RFC 3261 §9.1: its Via branch,
// To without tag) and returns when it went.
func (u *sipClient) cancel() time.Time {
	return u.send(fmt.Sprintf(`
CANCEL %s SIP/2.0
Via: SIP/2.0/UDP %s;branch=%s
Max-Forwards: 70
From: <sip:4940111222@127.0.0.1>;tag=%s
To: <%s>
Call-ID: %s
CSeq: 1 CANCEL
Content-Length: 0

`, u.ruri, u.local, u.branch, u.tag, u.ruri, u.callID))
}

// ackFailure acknowledges a failure response: the INVITE's transaction
// (RFC 3261 §17.1.1.3).
func (u *sipClient) ackFailure(r *sip.Response) {
	u.send(fmt.Sprintf(`
ACK %s SIP/2.0
Via: SIP/2.0/UDP %s;branch=%s
Max-Forwards: 70
From: <sip:4940111222@127.0.0.1>;tag=%s
To: %s
Call-ID: %s
CSeq: 1 ACK
Content-Length: 0

`, u.ruri, u.local, u.branch, u.tag, r.To().Value(), u.callID))
}

// ack2xx and bye are requests of the dialog the 2xx r made: to its
// Contact, a new transaction each.
func (u *sipClient) ack2xx(r *sip.Response) { u.inDialog(r, "ACK", 1) }
func (u *sipClient) bye(r *sip.Response)    { u.inDialog(r, "BYE", 2) }

func (u *sipClient) inDialog(r *sip.Response, method string, cseq int) {
	target := u.ruri
	if c := r.Contact(); c != nil {
		target = c.Address.String()
	}
	u.send(fmt.Sprintf(`
%s %s SIP/2.0
Via: SIP/2.0/UDP %s;branch=%s
Max-Forwards: 70
From: <sip:4940111222@127.0.0.1>;tag=%s
To: %s
Call-ID: %s
CSeq: %d %s
Content-Length: 0

`, method, target, u.local, sip.RFC3261BranchMagicCookie+sip.GenerateTagN(12), u.tag, r.To().Value(), u.callID, cseq, method))
}
