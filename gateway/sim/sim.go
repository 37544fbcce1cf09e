// Package sim is the exchange simulator: an ISUP peer of the gateway that
// runs its own q764.Trunk over M3UA and behaves as a PSTN switch would —
// it rings, answers after delays, rejects with a cause, never answers,
// sends early ACM with in-band information and CPG, answers with CON,
// loops continuity checks, and originates calls (en bloc or in overlap,
// with or without a continuity check) toward the gateway.
//
// It is the far end of one ISUP trunk of a gateway configuration,
// mirrored: its point code is the trunk's peer point code, its circuits
// the trunk's. In the gateway's process it answers the trunk's
// association over sigtran/transport/mem; as `sipgw sim` it listens over
// TCP (lab) or SCTP.
//
// Both ends are M3UA IPSPs in a single exchange (RFC 4666 §4.3.1): the
// gateway dials and sends ASPUP/ASPAC, the simulator answers. An IPSP
// pair is what two IP signalling points without a signalling gateway
// between them are; the alternative, an ASP toward an SGP, would need the
// simulator to be an SGP, a role the m3ua package does not implement.
//
// Like the gateway, the simulator runs one ordered event loop owning its
// Trunk, the Trunk's timers and its calls' timers.
package sim

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sipgw/sipgw/gateway/config"
	"github.com/sipgw/sipgw/gateway/internal/assoc"
	"github.com/sipgw/sipgw/gateway/internal/tq"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/circuit"
	"github.com/sipgw/sipgw/isup/q764"
	"github.com/sipgw/sipgw/isup/q764/driver"
	"github.com/sipgw/sipgw/sigtran/m3ua"
	"github.com/sipgw/sipgw/sigtran/mtp3"
	"github.com/sipgw/sipgw/sigtran/route"
	"github.com/sipgw/sipgw/sigtran/transport/mem"
)

// Options are what the process around the simulator supplies.
type Options struct {
	// Net is the in-memory network of an in-process simulator (transport
	// mem); nil otherwise.
	Net *mem.Network
	// Listen overrides where the simulator accepts the gateway.
	Listen string
	Log    *slog.Logger
	// History is how many events Events keeps (default 4096).
	History int
}

// EventKind says what happened on the simulator's side.
type EventKind uint8

const (
	EvReceived EventKind = iota + 1 // an ISUP message from the gateway
	EvSent                          // an ISUP message to the gateway
)

func (k EventKind) String() string {
	switch k {
	case EvReceived:
		return "received"
	case EvSent:
		return "sent"
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// Event is one ISUP message the simulator exchanged: what tests assert on.
type Event struct {
	Time   time.Time
	Kind   EventKind
	CIC    uint16
	Type   isup.MessageType
	Cause  isup.Cause // REL
	Called string     // IAM, SAM: the digits
	// Data is the message, CIC first.
	Data []byte
}

// Sim is a running exchange simulator.
type Sim struct {
	log     *slog.Logger
	v       isup.Variant
	pc      mtp3.PointCode
	gwPC    mtp3.PointCode
	stack   *m3ua.Stack
	drv     *driver.Driver
	rules   []config.SimRule
	orig    []config.SimOriginate
	in      chan []byte
	ctl     chan func()
	timers  *tq.Queue[key]
	calls   map[uint16]*scall
	hist    int
	mu      sync.Mutex // guards events
	events  []Event
	started chan struct{}
	// seizing is set while the loop sends an originated call's IAM; the
	// ActSend of the IAM names the CIC the Trunk chose.
	seizing *scall
	origN   []int // calls still to originate per entry
	// refused is the Trunk's refusal of the last request (Send).
	refused string
}

type timerKind uint8

const (
	tRing timerKind = iota + 1
	tAlert
	tAnswer
	tHold
	tSAM
	tOrig
)

type key struct {
	cic  uint16
	kind timerKind
}

// scall is one call on a circuit.
type scall struct {
	cic      uint16
	incoming bool
	rule     config.SimRule
	digits   string
	pending  string // originated overlap digits still to send
	hold     time.Duration
	cot      bool // incoming: COT awaited before acting
}

// New builds the simulator facing ISUP trunk c.Simulator.Trunk of c.
func New(c *config.Config, o Options) (*Sim, error) {
	if c.Simulator == nil {
		return nil, errors.New("sim: the configuration has no simulator section")
	}
	var tr *config.ISUPTrunk
	for i := range c.ISUPTrunks {
		if c.ISUPTrunks[i].Name == c.Simulator.Trunk {
			tr = &c.ISUPTrunks[i]
		}
	}
	if tr == nil || tr.R.Group == nil {
		return nil, fmt.Errorf("sim: no ISUP trunk %q", c.Simulator.Trunk)
	}
	if tr.R.Sigtran < 0 {
		return nil, fmt.Errorf("sim: ISUP trunk %q runs on MTP linksets: the simulator faces an M3UA trunk", tr.Name)
	}
	sg := &c.Sigtran[tr.R.Sigtran]
	var as *config.Association
	for i := range sg.Associations {
		if sg.Associations[i].Name == tr.R.AS {
			as = &sg.Associations[i]
		}
	}
	if as == nil || as.Remote == "" {
		return nil, fmt.Errorf("sim: trunk %q: the simulator answers the association the gateway dials; %q does not dial", tr.Name, tr.R.AS)
	}
	if strings.EqualFold(as.Role, "asp") {
		return nil, fmt.Errorf("sim: trunk %q: association %q is an ASP; the simulator is an IPSP", tr.Name, as.Name)
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Sim{log: log.With("component", "sim"), v: tr.R.Variant, pc: tr.R.Group.PeerPC(), gwPC: tr.R.Group.OwnPC(),
		in: make(chan []byte, 4096), ctl: make(chan func()), timers: tq.New[key](), calls: map[uint16]*scall{},
		hist: o.History, started: make(chan struct{})}
	if s.hist <= 0 {
		s.hist = 4096
	}
	s.rules = append(s.rules, c.Simulator.Rules...)
	// Longest prefix first: the first match wins.
	sort.SliceStable(s.rules, func(i, j int) bool { return len(s.rules[i].Prefix) > len(s.rules[j].Prefix) })
	s.orig = c.Simulator.Originate
	for _, oe := range s.orig {
		s.origN = append(s.origN, max(oe.Count, 1))
	}

	// The mirror of the gateway's circuit group.
	gc := tr.R.Group.Config()
	gc.Name = "sim-" + gc.Name
	gc.OwnPC, gc.PeerPC = gc.PeerPC, gc.OwnPC
	g, err := circuit.NewGroup(gc)
	if err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	qc := q764.ConfigOf(g)
	qc.Timers = tr.R.Q764.Timers
	// The gateway resets the circuits at its start-up; the simulator
	// starts with them idle and answers.
	qc.Options.Startup = q764.StartupNone
	qc.Options.UseT11 = false
	qc.Options.UseT9 = false
	t, err := q764.New(qc)
	if err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	s.drv = driver.New(t, s.sink)

	listen := o.Listen
	if listen == "" {
		listen = c.Simulator.Listen
	}
	if listen == "" {
		listen = as.Remote
	}
	tname := as.Transport
	if strings.EqualFold(tname, "mem") && o.Net == nil {
		return nil, fmt.Errorf("sim: association %q is in memory: run the simulator in the gateway's process, or give it a tcp or sctp association", as.Name)
	}
	ln, err := assoc.Listen(tname, listen, o.Net)
	if err != nil {
		return nil, fmt.Errorf("sim: listen %s: %w", listen, err)
	}
	peer := m3ua.PeerConfig{Role: m3ua.RoleIPSP, Exchange: m3ua.SingleExchange}
	if as.RoutingContext != nil {
		peer.RoutingContexts = []uint32{*as.RoutingContext}
	}
	if as.NetworkAppearance != nil {
		peer.NetworkAppearance, peer.HasNA = *as.NetworkAppearance, true
	}
	// TCP has no streams (the gateway's side does the same).
	peer.Compat.AcceptDATAOnStream0 = strings.EqualFold(tname, "tcp")
	if strings.EqualFold(as.Exchange, "double") {
		peer.Exchange = m3ua.DoubleExchange
	}
	st, err := m3ua.New(m3ua.Config{LocalPC: s.pc, NI: sg.R.NI,
		ASs:    []m3ua.ASConfig{{Name: "gateway", Peer: peer, Listen: ln}},
		Routes: []route.Route{{DPC: s.gwPC, Linkset: "gateway"}},
		OnISUP: s.onISUP, Log: s.log})
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("sim: %w", err)
	}
	s.stack = st
	return s, nil
}

// onISUP runs on the association's loop: copy and hand over.
func (s *Sim) onISUP(u *m3ua.UserData) {
	if u.OPC.Uint32() != s.gwPC.Uint32() {
		return
	}
	b := make([]byte, len(u.Data))
	copy(b, u.Data)
	select {
	case s.in <- b:
	default:
		s.log.Warn("ISUP input queue full: message dropped")
	}
}

// Run runs the simulator until ctx ends.
func (s *Sim) Run(ctx context.Context) error {
	sctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); s.stack.Run(sctx) }()
	defer func() { cancel(); wg.Wait() }()
	if len(s.orig) > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if s.stack.WaitRoute(sctx, s.gwPC) == nil {
				select {
				case s.ctl <- s.startOriginating:
				case <-sctx.Done():
				}
			}
		}()
	}
	close(s.started)
	tm := time.NewTimer(time.Hour)
	defer tm.Stop()
	for {
		s.arm(tm)
		select {
		case <-ctx.Done():
			return nil
		case b := <-s.in:
			s.receive(b)
		case f := <-s.ctl:
			f()
		case <-tm.C:
		}
		s.expire(time.Now())
	}
}

func (s *Sim) arm(tm *time.Timer) {
	next, ok := s.timers.Next()
	if n2, ok2 := s.drv.Timers.Next(); ok2 && (!ok || n2.Before(next)) {
		next, ok = n2, true
	}
	if !ok {
		next = time.Now().Add(time.Hour)
	}
	tm.Reset(time.Until(next))
}

func (s *Sim) expire(now time.Time) {
	s.drv.Run(now)
	for {
		k, _, ok := s.timers.Pop(now)
		if !ok {
			return
		}
		s.fire(now, k)
	}
}

// do runs f on the loop and waits (tests and the ops view).
func (s *Sim) do(ctx context.Context, f func()) error {
	done := make(chan struct{})
	select {
	case s.ctl <- func() { f(); close(done) }:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Circuits returns the simulator's view of every circuit.
func (s *Sim) Circuits(ctx context.Context) ([]circuit.Status, error) {
	var out []circuit.Status
	err := s.do(ctx, func() { out = s.drv.Trunk.Statuses(nil) })
	return out, err
}

// Calls returns the number of calls in progress.
func (s *Sim) Calls(ctx context.Context) (int, error) {
	var n int
	err := s.do(ctx, func() { n = len(s.calls) })
	return n, err
}

// Events returns the messages exchanged so far (the latest History).
func (s *Sim) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Event(nil), s.events...)
}

// CallCICs returns the circuits that carry a call of the simulator, in
// ascending order.
func (s *Sim) CallCICs(ctx context.Context) ([]uint16, error) {
	var out []uint16
	err := s.do(ctx, func() {
		for cic := range s.calls {
			out = append(out, cic)
		}
	})
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, err
}

// Send sends m on the call of circuit cic as the exchange's call user
// would: SUS and RES (suspend, resume), INR, INF, CPG, SAM by their own
// requests, any other call message (FAC, USR, APM …) as it is. The error
// is the Trunk's refusal (no call on cic, SUS before the answer …).
func (s *Sim) Send(ctx context.Context, cic uint16, m *isup.Message) error {
	kind := q764.ReqMessage
	switch m.Type {
	case isup.SUS:
		kind = q764.ReqSuspend
	case isup.RES:
		kind = q764.ReqResume
	case isup.INR:
		kind = q764.ReqINR
	case isup.INF:
		kind = q764.ReqINF
	case isup.CPG:
		kind = q764.ReqCPG
	case isup.SAM:
		kind = q764.ReqSAM
	}
	return s.requestWait(ctx, q764.Request{Kind: kind, CIC: cic, Msg: m})
}

// Release releases the call on cic with cause (REL, location public
// network serving the local user).
func (s *Sim) Release(ctx context.Context, cic uint16, cause isup.Cause) error {
	return s.requestWait(ctx, q764.Request{Kind: q764.ReqRelease, CIC: cic, Cause: cause, Location: isup.LocPublicLocal})
}

// requestWait makes request r on the loop and reports its refusal.
func (s *Sim) requestWait(ctx context.Context, r q764.Request) error {
	var refused string
	err := s.do(ctx, func() {
		if r.Kind == q764.ReqRelease {
			s.end(r.CIC)
		}
		s.refused = ""
		s.request(time.Now(), r)
		refused = s.refused
	})
	if err == nil && refused != "" {
		err = fmt.Errorf("sim: CIC %d: %s refused: %s", r.CIC, r.Kind, refused)
	}
	return err
}

// WaitRoute waits until the gateway is reachable.
func (s *Sim) WaitRoute(ctx context.Context) error { return s.stack.WaitRoute(ctx, s.gwPC) }

// Stack is the simulator's M3UA stack (for its statistics).
func (s *Sim) Stack() *m3ua.Stack { return s.stack }

func (s *Sim) record(kind EventKind, m *isup.Message, data []byte) {
	e := Event{Time: time.Now(), Kind: kind, CIC: m.CIC, Type: m.Type, Data: append([]byte(nil), data...)}
	switch m.Type {
	case isup.REL:
		var ci isup.CauseIndicators
		if ok, err := m.Get(&ci); ok && err == nil {
			e.Cause = ci.Value
		}
	case isup.IAM:
		var cd isup.CalledPartyNumber
		if ok, err := m.Get(&cd); ok && err == nil {
			e.Called = cd.Digits.String()
		}
	case isup.SAM:
		var sn isup.SubsequentNumber
		if ok, err := m.Get(&sn); ok && err == nil {
			e.Called = sn.Digits.String()
		}
	}
	s.mu.Lock()
	if len(s.events) >= s.hist {
		s.events = append(s.events[:0], s.events[len(s.events)-s.hist/2:]...)
	}
	s.events = append(s.events, e)
	s.mu.Unlock()
}

func (s *Sim) receive(b []byte) {
	m := new(isup.Message)
	if err := m.Decode(b, s.v); err != nil {
		s.log.Warn("undecodable ISUP from the gateway", "err", err)
		return
	}
	s.record(EvReceived, m, b)
	s.drv.Receive(time.Now(), m)
}

// sink carries out the Trunk's actions.
func (s *Sim) sink(now time.Time, acts []q764.Action) {
	for i := range acts {
		a := &acts[i]
		switch a.Kind {
		case q764.ActSend:
			b, err := q764.AppendMessage(nil, s.v, a)
			if err != nil {
				s.log.Error("encode", "type", a.Type, "err", err)
				continue
			}
			if a.Type == isup.IAM && s.seizing != nil {
				c := s.seizing
				s.seizing = nil
				c.cic = a.CIC
				s.calls[a.CIC] = c
			}
			var m isup.Message
			if m.Decode(b, s.v) == nil {
				s.record(EvSent, &m, b)
			}
			if err := s.stack.SendISUP(s.gwPC, a.CIC, b); err != nil {
				s.log.Warn("send", "type", a.Type, "cic", a.CIC, "err", err)
			}
		case q764.ActIndicate:
			s.indicate(now, a)
		case q764.ActAlarm:
			s.log.Info("alarm", "cic", a.CIC, "alarm", a.Alarm, "on", a.On, "why", a.Text)
		}
	}
}

func (s *Sim) rule(digits string) config.SimRule {
	d := strings.TrimRight(digits, "F")
	for _, r := range s.rules {
		if strings.HasPrefix(d, r.Prefix) {
			return r
		}
	}
	return config.SimRule{Action: "answer"}
}

func (s *Sim) indicate(now time.Time, a *q764.Action) {
	switch a.Ind {
	case q764.IndSetup:
		var cd isup.CalledPartyNumber
		digits := ""
		if ok, err := a.Msg.Get(&cd); ok && err == nil {
			digits = cd.Digits.String()
		}
		c := &scall{cic: a.CIC, incoming: true, digits: digits, rule: s.rule(digits), cot: a.On}
		s.calls[a.CIC] = c
		if !c.cot {
			s.act(now, c)
		}
	case q764.IndContinuity:
		if c := s.calls[a.CIC]; c != nil && c.cot && a.On {
			c.cot = false
			s.act(now, c)
		}
	case q764.IndSAM:
		if c := s.calls[a.CIC]; c != nil {
			var sn isup.SubsequentNumber
			if ok, err := a.Msg.Get(&sn); ok && err == nil {
				c.digits += sn.Digits.String()
			}
		}
	case q764.IndCheckTone:
		// An originated call asked for a continuity check: the tone
		// "passes" at once.
		if a.On {
			s.request(now, q764.Request{Kind: q764.ReqContinuity, CIC: a.CIC, OK: true})
		}
	case q764.IndAnswer:
		if c := s.calls[a.CIC]; c != nil && !c.incoming && c.hold > 0 {
			s.timers.Start(key{a.CIC, tHold}, now.Add(c.hold))
		}
	case q764.IndRelease, q764.IndReleased:
		s.end(a.CIC)
	case q764.IndReattempt:
		s.end(a.CIC)
	case q764.IndRejected:
		if s.seizing != nil {
			s.seizing = nil
		}
		s.refused = a.Text
	}
}

func (s *Sim) end(cic uint16) {
	delete(s.calls, cic)
	for k := tRing; k <= tSAM; k++ {
		s.timers.Stop(key{cic, k})
	}
}

// act starts the rule's behaviour for an incoming call.
func (s *Sim) act(now time.Time, c *scall) {
	r := c.rule
	switch strings.ToLower(r.Action) {
	case "busy":
		s.release(now, c.cic, isup.CauseUserBusy)
	case "reject":
		cause := isup.Cause(r.Cause)
		if cause == 0 {
			cause = isup.CauseUnallocatedNumber
		}
		s.release(now, c.cic, cause)
	case "congestion":
		s.release(now, c.cic, isup.CauseNoCircuitAvailable)
	default: // answer, noanswer, release
		s.timers.Start(key{c.cic, tRing}, now.Add(r.Ring.D()))
	}
}

func (s *Sim) fire(now time.Time, k key) {
	if k.kind == tOrig {
		s.originate(now, int(k.cic))
		return
	}
	c := s.calls[k.cic]
	if c == nil {
		return
	}
	switch k.kind {
	case tRing:
		r := c.rule
		if r.Connect && !strings.EqualFold(r.Action, "noanswer") {
			s.timers.Start(key{c.cic, tAnswer}, now.Add(r.Answer.D()))
			return
		}
		acm := isup.New(s.v, isup.ACM, c.cic)
		status := isup.SubscriberFree
		if r.InBand {
			status = isup.CalledStatusNoIndication
		}
		acm.Set(&isup.BackwardCallIndicators{CalledStatus: status, Charge: isup.ChargeIndCharge})
		if r.InBand {
			acm.Set(&isup.OptionalBackwardCallIndicators{InBandInformation: true})
		}
		withParams(acm, r.Params)
		s.request(now, q764.Request{Kind: q764.ReqACM, CIC: c.cic, Msg: acm})
		if r.InBand {
			s.timers.Start(key{c.cic, tAlert}, now.Add(max(r.Ring.D(), time.Millisecond)))
		}
		if !strings.EqualFold(r.Action, "noanswer") {
			s.timers.Start(key{c.cic, tAnswer}, now.Add(r.Answer.D()+time.Duration(b2i(r.InBand))*r.Ring.D()))
		}
	case tAlert:
		cpg := isup.New(s.v, isup.CPG, c.cic)
		cpg.Set(&isup.EventInformation{Event: isup.EventAlerting})
		withParams(cpg, c.rule.Params)
		s.request(now, q764.Request{Kind: q764.ReqCPG, CIC: c.cic, Msg: cpg})
	case tAnswer:
		kind, typ := q764.ReqANM, isup.ANM
		if c.rule.Connect {
			kind, typ = q764.ReqCON, isup.CON
		}
		m := isup.New(s.v, typ, c.cic)
		if typ == isup.CON {
			m.Set(&isup.BackwardCallIndicators{CalledStatus: isup.SubscriberFree, Charge: isup.ChargeIndCharge})
		}
		withParams(m, c.rule.Params)
		s.request(now, q764.Request{Kind: kind, CIC: c.cic, Msg: m})
		hold := c.rule.Hold.D()
		if hold == 0 && strings.EqualFold(c.rule.Action, "release") {
			hold = time.Second
		}
		if hold > 0 {
			s.timers.Start(key{c.cic, tHold}, now.Add(hold))
		}
	case tHold:
		s.release(now, c.cic, isup.CauseNormalClearing)
	case tSAM:
		if c.pending == "" {
			return
		}
		d := c.pending[:1]
		c.pending = c.pending[1:]
		if c.pending == "" {
			d += "F" // ST: end of pulsing
		}
		dg, err := isup.ParseDigits(d)
		if err != nil {
			return
		}
		sam := isup.New(s.v, isup.SAM, c.cic)
		sam.Set(&isup.SubsequentNumber{Digits: dg})
		s.request(now, q764.Request{Kind: q764.ReqSAM, CIC: c.cic, Msg: sam})
		if c.pending != "" {
			s.timers.Start(key{c.cic, tSAM}, now.Add(50*time.Millisecond))
		}
	}
}

// withParams sets the rule's parameters for m's type on m (validated by
// package config: a bad entry is skipped).
func withParams(m *isup.Message, ps []config.SimParam) {
	for _, p := range ps {
		if !strings.EqualFold(p.Message, m.Type.String()) || p.Code < 1 || p.Code > 255 {
			continue
		}
		if d, err := hex.DecodeString(p.Data); err == nil {
			m.SetRaw(isup.ParamCode(p.Code), d)
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (s *Sim) release(now time.Time, cic uint16, cause isup.Cause) {
	for k := tRing; k <= tSAM; k++ {
		s.timers.Stop(key{cic, k})
	}
	s.request(now, q764.Request{Kind: q764.ReqRelease, CIC: cic, Cause: cause, Location: isup.LocPublicLocal})
}

func (s *Sim) request(now time.Time, r q764.Request) { s.drv.Request(now, r) }

// startOriginating schedules the configured originations (once the
// gateway is reachable).
func (s *Sim) startOriginating() {
	now := time.Now()
	for i, o := range s.orig {
		s.timers.Start(key{uint16(i), tOrig}, now.Add(o.Delay.D()))
	}
}

// originate sends the next call of entry i.
func (s *Sim) originate(now time.Time, i int) {
	o := s.orig[i]
	if s.origN[i] <= 0 {
		return
	}
	s.origN[i]--
	if s.origN[i] > 0 {
		s.timers.Start(key{uint16(i), tOrig}, now.Add(max(o.Interval.D(), time.Millisecond)))
	}
	if _, err := s.setup(now, o); err != nil {
		s.log.Warn("originate", "err", err)
	}
}

// setup sends the IAM of call o (its first Overlap digits, the rest in
// SAMs) on a circuit the Trunk selects, and returns the circuit.
func (s *Sim) setup(now time.Time, o config.SimOriginate) (uint16, error) {
	first, rest := o.Called, ""
	if o.Overlap > 0 {
		first, rest = o.Called[:o.Overlap], o.Called[o.Overlap:]
	}
	iam := isup.New(s.v, isup.IAM, 0)
	nci := isup.NatureOfConnectionIndicators{}
	if o.Continuity {
		nci.ContinuityCheck = 1
	}
	iam.Set(&nci)
	iam.Set(&isup.ForwardCallIndicators{ISDNAccess: true})
	cpc := isup.CategoryOrdinary
	iam.Set(&cpc)
	iam.Set(&isup.TransmissionMediumRequirement{Medium: isup.TMR3k1Audio})
	if rest == "" && o.Overlap > 0 {
		first += "F"
	}
	cdd, err := isup.ParseDigits(first)
	if err != nil {
		return 0, err
	}
	iam.Set(&isup.CalledPartyNumber{NAI: isup.NAINational, INN: true, NPI: isup.NPIE164, Digits: cdd})
	if o.Calling != "" {
		cgd, err := isup.ParseDigits(o.Calling)
		if err != nil {
			return 0, err
		}
		iam.Set(&isup.CallingPartyNumber{NAI: isup.NAINational, NPI: isup.NPIE164, Screening: isup.ScreeningNetworkProvided, Digits: cgd})
	}
	c := &scall{pending: rest, hold: o.Hold.D(), digits: first}
	s.seizing = c
	s.request(now, q764.Request{Kind: q764.ReqSetup, Select: true, Msg: iam})
	if s.seizing != nil {
		s.seizing = nil
		return 0, errors.New("sim: no circuit for the call")
	}
	if rest != "" {
		s.timers.Start(key{c.cic, tSAM}, now.Add(50*time.Millisecond))
	}
	return c.cic, nil
}

// Call sets up call o toward the gateway now (as an originate entry
// would, once) and returns its circuit.
func (s *Sim) Call(ctx context.Context, o config.SimOriginate) (uint16, error) {
	var cic uint16
	var cerr error
	err := s.do(ctx, func() { cic, cerr = s.setup(time.Now(), o) })
	if err == nil {
		err = cerr
	}
	return cic, err
}
