package sim

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sipgw/sipgw/gateway/config"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/q764"
	"github.com/sipgw/sipgw/isup/q764/driver"
	"github.com/sipgw/sipgw/sigtran/m3ua"
	"github.com/sipgw/sipgw/sigtran/route"
	"github.com/sipgw/sipgw/sigtran/transport"
	"github.com/sipgw/sipgw/sigtran/transport/mem"
)

const doc = `sip: {udp: "127.0.0.1:0"}
sip_trunks: [{name: s, acl: [127.0.0.1]}]
sigtran:
  - name: gw
    point_code: 1-1-1
    associations: [{name: x, transport: mem, remote: "sim:2905"}]
isup_trunks: [{name: p, sigtran: gw, peer_pc: 1-1-2, cics: 1-8}]
routes: [{prefix: "", from: s, to: [p]}]
simulator:
  trunk: p
  rules:
    - {prefix: "486", action: busy}
    - {prefix: "404", action: reject, cause: 1}
    - {prefix: "7", action: answer, connect: true}
    - {prefix: "183", action: answer, inband: true, ring: 20ms, answer: 20ms}
    - {prefix: "", action: answer, ring: 10ms, answer: 10ms}
  originate:
    - {called: "5551234", calling: "4930", overlap: 4, count: 1, delay: 10ms, hold: 50ms}
`

// peer is the gateway's side in miniature: a q764 Trunk over an M3UA IPSP
// that dials the simulator, recording the indications it gets.
type peer struct {
	mu   sync.Mutex
	drv  *driver.Driver
	st   *m3ua.Stack
	inds []string
	msgs []*isup.Message // the messages indicated, copied
	t    *testing.T
}

func (p *peer) sink(now time.Time, acts []q764.Action) {
	for i := range acts {
		a := &acts[i]
		switch a.Kind {
		case q764.ActSend:
			b, err := q764.AppendMessage(nil, isup.ITU, a)
			if err != nil {
				p.t.Error(err)
				continue
			}
			p.st.SendISUP(p.drv.Trunk.Config().PeerPC, a.CIC, b)
		case q764.ActIndicate:
			s := a.Ind.String()
			if a.Msg != nil {
				s += " " + a.Msg.Type.String()
				if a.Msg.Type == isup.REL {
					var ci isup.CauseIndicators
					a.Msg.Get(&ci)
					s += " " + itoa(int(ci.Value))
				}
				if a.Msg.Type == isup.ACM {
					var o isup.OptionalBackwardCallIndicators
					if ok, _ := a.Msg.Get(&o); ok && o.InBandInformation {
						s += " inband"
					}
				}
			}
			p.inds = append(p.inds, s)
			if a.Msg != nil {
				b, _ := a.Msg.Append(nil)
				var m isup.Message
				if m.Decode(b, isup.ITU) == nil {
					p.msgs = append(p.msgs, &m)
				}
			}
			if a.Ind == q764.IndSetup {
				// Answer the simulator's call, as a called user would.
				acm := isup.New(isup.ITU, isup.ACM, a.CIC)
				acm.Set(&isup.BackwardCallIndicators{CalledStatus: isup.SubscriberFree})
				go func(cic uint16) {
					// After the overlap digits (SAMs go only before ACM).
					time.Sleep(300 * time.Millisecond)
					p.mu.Lock()
					defer p.mu.Unlock()
					p.drv.Request(time.Now(), q764.Request{Kind: q764.ReqACM, CIC: cic, Msg: acm})
					p.drv.Request(time.Now(), q764.Request{Kind: q764.ReqANM, CIC: cic, Msg: isup.New(isup.ITU, isup.ANM, cic)})
				}(a.CIC)
			}
		}
	}
}

func itoa(n int) string {
	return strings.TrimSpace(strings.Repeat(" ", 0) + string(rune('0'+n/10%10)) + string(rune('0'+n%10)))
}

// start runs the simulator of configuration d and a peer facing it until
// the test ends; call sends an IAM for called on cic from the peer.
func start(t *testing.T, d string) (s *Sim, p *peer, call func(cic uint16, called string)) {
	c, err := config.Parse("sim.yaml", []byte(d))
	if err != nil {
		t.Fatal(err)
	}
	n := mem.NewNetwork()
	s, err = New(c, Options{Net: n})
	if err != nil {
		t.Fatal(err)
	}
	tr := c.ISUPTrunks[0].R
	qt, err := q764.New(tr.Q764)
	if err != nil {
		t.Fatal(err)
	}
	p = &peer{t: t}
	p.drv = driver.New(qt, p.sink)
	p.st, err = m3ua.New(m3ua.Config{LocalPC: tr.Group.OwnPC(), NI: c.Sigtran[0].R.NI,
		ASs: []m3ua.ASConfig{{Name: "x", Peer: c.Sigtran[0].R.ASs[0].Peer,
			Dial: []transport.Dialer{&mem.Dialer{Net: n, Local: "gw:1", Remote: "sim:2905", Streams: mem.Streams{Out: 17, MaxIn: 17}}}}},
		Routes: []route.Route{{DPC: tr.Group.PeerPC(), Linkset: "x"}},
		OnISUP: func(u *m3ua.UserData) {
			m := new(isup.Message)
			if err := m.Decode(append([]byte(nil), u.Data...), isup.ITU); err != nil {
				t.Error(err)
				return
			}
			p.mu.Lock()
			p.drv.Receive(time.Now(), m)
			p.mu.Unlock()
		}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s.Run(ctx) }()
	go func() { defer wg.Done(); p.st.Run(ctx) }()
	t.Cleanup(func() { cancel(); wg.Wait() })
	wctx, wc := context.WithTimeout(ctx, 5*time.Second)
	defer wc()
	if err := p.st.WaitRoute(wctx, tr.Group.PeerPC()); err != nil {
		t.Fatal(err)
	}
	call = func(cic uint16, called string) {
		iam := isup.New(isup.ITU, isup.IAM, cic)
		iam.Set(&isup.NatureOfConnectionIndicators{})
		iam.Set(&isup.ForwardCallIndicators{})
		cpc := isup.CategoryOrdinary
		iam.Set(&cpc)
		iam.Set(&isup.TransmissionMediumRequirement{})
		d, _ := isup.ParseDigits(called)
		iam.Set(&isup.CalledPartyNumber{NAI: isup.NAINational, NPI: isup.NPIE164, Digits: d})
		p.mu.Lock()
		p.drv.Request(time.Now(), q764.Request{Kind: q764.ReqSetup, CIC: cic, Msg: iam})
		p.mu.Unlock()
	}
	return s, p, call
}

func TestSimulator(t *testing.T) {
	s, p, call := start(t, doc)
	call(2, "4861")
	call(4, "4041")
	call(6, "1234")
	call(8, "1830")
	call(5, "7000")
	want := []string{"release REL 17", "release REL 01", "proceed ACM", "answer ANM", "proceed ACM inband", "progress CPG", "answer CON",
		"setup IAM", "release REL 16"}
	deadline := time.Now().Add(5 * time.Second)
	for {
		p.mu.Lock()
		got := strings.Join(p.inds, "|")
		p.mu.Unlock()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(got, w)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("indications %s\nwant each of %v", got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The simulator saw the IAMs with their numbers, and a SAM per
	// overlap digit, the last with ST.
	var called []string
	var sams int
	for _, e := range s.Events() {
		if e.Kind == EvReceived && e.Type == isup.IAM {
			called = append(called, e.Called)
		}
		if e.Kind == EvSent && e.Type == isup.SAM {
			sams++
		}
	}
	if strings.Join(called, ",") != "4861,4041,1234,1830,7000" || sams != 3 {
		t.Errorf("IAMs %v, SAMs sent %d", called, sams)
	}
}

// TestSimulatorMidCall: a rule's parameters go in its ACM and ANM; Send
// sends mid-call messages on an answered call by their own requests (the
// Trunk refuses a SUS before the answer); Release ends the call.
func TestSimulatorMidCall(t *testing.T) {
	d := strings.Split(doc, "  rules:")[0] + `  rules:
    - prefix: ""
      ring: 10ms
      answer: 10ms
      params:
        - {message: ACM, code: 0x2c, data: f9}
        - {message: acm, code: 41, data: "01"}
        - {message: ANM, code: 32, data: "04aabb"}
        - {message: CPG, code: 44, data: "80"}
`
	s, p, call := start(t, d)
	ctx := context.Background()
	call(3, "1234")
	wait := func(what string) string {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			p.mu.Lock()
			got := strings.Join(p.inds, "|")
			p.mu.Unlock()
			if strings.Contains(got, what) {
				return got
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %q in %s", what, got)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	wait("proceed ACM")
	if err := s.Send(ctx, 3, isup.NewSuspendResume(isup.ITU, isup.SUS, 3, isup.SuspendNetworkInitiated)); err == nil {
		t.Error("SUS before the answer was sent")
	}
	wait("answer ANM")
	if cics, err := s.CallCICs(ctx); err != nil || len(cics) != 1 || cics[0] != 3 {
		t.Errorf("calls on %v (%v)", cics, err)
	}
	p.mu.Lock()
	var acm, anm *isup.Message
	for _, m := range p.msgs {
		switch m.Type {
		case isup.ACM:
			acm = m
		case isup.ANM:
			anm = m
		}
	}
	p.mu.Unlock()
	for _, c := range []struct {
		m    *isup.Message
		code isup.ParamCode
		want string
	}{{acm, 0x2c, "\xf9"}, {acm, 0x29, "\x01"}, {anm, 0x20, "\x04\xaa\xbb"}} {
		if d, ok := c.m.Param(c.code); !ok || string(d) != c.want {
			t.Errorf("%v parameter %v: % x", c.m.Type, c.code, d)
		}
	}
	if anm.Has(0x2c) {
		t.Error("an ACM parameter in the ANM")
	}
	fac := isup.Skeleton(isup.ITU, isup.FAC, 3)
	fac.SetRaw(isup.ParamAccessTransport, []byte{0x7e, 0x01, 0x01})
	for _, m := range []*isup.Message{fac, isup.NewSuspendResume(isup.ITU, isup.SUS, 3, isup.SuspendNetworkInitiated),
		isup.NewSuspendResume(isup.ITU, isup.RES, 3, isup.SuspendNetworkInitiated), isup.NewUSR(isup.ITU, 3, []byte{4, 1})} {
		if err := s.Send(ctx, 3, m); err != nil {
			t.Errorf("%v: %v", m.Type, err)
		}
	}
	wait("message FAC")
	wait("suspend SUS")
	wait("resume RES")
	wait("message USR")
	if err := s.Release(ctx, 3, isup.CauseNormalUnspecified); err != nil {
		t.Fatal(err)
	}
	wait("release REL 31")
	if err := s.Send(ctx, 3, fac); err == nil {
		t.Error("FAC after the release was sent")
	}
}
