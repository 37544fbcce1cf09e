package m3ua

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/sipgw/sipgw/sigtran/mtp3"
	"github.com/sipgw/sipgw/sigtran/route"
	"github.com/sipgw/sipgw/sigtran/transport"
)

// Config configures a Stack: one signalling point reaching the SS7
// network through M3UA.
type Config struct {
	// LocalPC is this signalling point: the OPC of what it sends, the DPC
	// it accepts. NI is the network indicator sent and required.
	LocalPC mtp3.PointCode
	NI      mtp3.NetworkIndicator
	// SLS5 selects the 5-bit SLS for ANSI point codes (8-bit otherwise).
	SLS5 bool
	// ASs are the application servers, each a linkset of routes.
	ASs []ASConfig
	// Routes send traffic by DPC over ASs (Route.Linkset is the AS name).
	Routes []route.Route
	// OnISUP receives DATA with service indicator 5, on the association's
	// event loop: it must not block for long. The UserData and its Data
	// are valid during the call only.
	OnISUP func(*UserData)
	// OnData receives DATA of other service indicators (nil: counted and
	// dropped).
	OnData func(*UserData)
	// OnState is told of association and ASP state changes (optional;
	// called on the association's loop, must not block).
	OnState func(StateEvent)
	// MaxMessage is the receive buffer size (4096 when zero).
	MaxMessage int
	// QueueLimit bounds the DATA held per AS while AS-PENDING (1024 when
	// zero).
	QueueLimit int
	// Backoff spaces reconnection attempts (DefaultBackoff when zero).
	Backoff Backoff
	// Clock and Rand are injectable for tests (system clock, math/rand).
	Clock Clock
	Rand  func() float64
	// Log receives state changes and errors (nil: none).
	Log *slog.Logger
}

// ASConfig is one application server: the associations that serve it and
// the M3UA parameters they share.
type ASConfig struct {
	Name string
	// Peer is the M3UA configuration of each association. Its
	// TrafficMode is the AS's (override when zero, and then not sent in
	// ASPAC: the SGP's configuration decides). LocalPCs defaults
	// to the Stack's LocalPC; AuditPCs (ASP role) to the DPCs routed
	// over this AS.
	Peer PeerConfig
	// Dial opens one association per dialer, each re-dialled with back-off
	// when it ends.
	Dial []transport.Dialer
	// Listen accepts associations into this AS, at most MaxAssociations
	// at once (8 when zero).
	Listen          transport.Listener
	MaxAssociations int
	// MinActive and Tr configure the AS state kept when answering ASPAC
	// (IPSP): loadshare's n, and T(r).
	MinActive int
	Tr        time.Duration
}

// UserData is one received MTP3 user message.
type UserData struct {
	AS       string
	Assoc    int
	Stream   uint16
	OPC, DPC mtp3.PointCode
	SI       mtp3.ServiceIndicator
	NI       mtp3.NetworkIndicator
	MP, SLS  uint8
	// Data is the user part message (for ISUP from the CIC on); it
	// aliases a receive buffer.
	Data []byte
}

// StateEvent reports a change on one association.
type StateEvent struct {
	AS            string
	Assoc         int
	Up            bool
	Local, Remote ASPState
	Traffic       bool
	Err           error // why it ended, when it did
}

// Errors of the Stack.
var (
	ErrConfig  = errors.New("m3ua: bad configuration")
	ErrNoRoute = route.ErrNoRoute
	ErrStopped = errors.New("m3ua: stack not running")
)

// Stack is an M3UA signalling point: ASs of associations (dialled with
// back-off, or accepted), each association with its own event loop, MTP3
// routing by DPC over them, DATA dispatch by service indicator.
type Stack struct {
	cfg   Config
	clock Clock
	rand  func() float64
	log   *slog.Logger
	ctr   counters

	// mu guards the control plane: routes, AS machines, destination
	// state, member states, the AS-PENDING queues.
	mu      sync.Mutex
	routes  *route.Table
	ass     []*asRuntime
	byName  map[string]*asRuntime
	changed chan struct{} // closed and replaced on every state change
	asWake  chan struct{} // an AS deadline changed
	running bool
}

// asRuntime is one AS's live state.
type asRuntime struct {
	s       *Stack
	cfg     ASConfig
	rc      uint32
	hasRC   bool
	members []*member
	client  *ClientAS
	server  *ServerAS
	dest    []Destinations
	queue   []queued
	reach   asReach
}

type queued struct {
	pd  ProtocolData
	buf [288]byte
}

// asReach tells the route table what the AS's peers report of a
// destination: the best over its members carrying traffic.
type asReach struct{ as *asRuntime }

func (r asReach) Reach(dpc uint32) route.Availability {
	best := route.Unavailable
	for i, m := range r.as.members {
		if !m.traffic {
			continue
		}
		switch r.as.dest[i].Status(dpc).Availability {
		case Available:
			return route.Available
		case Restricted:
			best = route.Restricted
		}
	}
	return best
}

// New checks cfg and returns a Stack; Run starts it.
func New(cfg Config) (*Stack, error) {
	if !cfg.LocalPC.IsValid() {
		return nil, fmt.Errorf("%w: LocalPC not set", ErrConfig)
	}
	if cfg.NI > 3 {
		return nil, fmt.Errorf("%w: NI %d", ErrConfig, cfg.NI)
	}
	if len(cfg.ASs) == 0 {
		return nil, fmt.Errorf("%w: no AS", ErrConfig)
	}
	if cfg.MaxMessage <= 0 {
		cfg.MaxMessage = 4096
	}
	if cfg.QueueLimit <= 0 {
		cfg.QueueLimit = 1024
	}
	if cfg.Backoff == (Backoff{}) {
		cfg.Backoff = DefaultBackoff
	}
	s := &Stack{cfg: cfg, clock: cfg.Clock, rand: cfg.Rand, log: cfg.Log, byName: map[string]*asRuntime{},
		changed: make(chan struct{}), asWake: make(chan struct{}, 1)}
	if s.clock == nil {
		s.clock = SystemClock{}
	}
	if s.rand == nil {
		s.rand = defaultRand
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	names := make([]string, 0, len(cfg.ASs))
	for _, a := range cfg.ASs {
		names = append(names, a.Name)
	}
	s.routes = route.New(cfg.LocalPC.Format(), names...)
	for _, r := range cfg.Routes {
		if err := s.routes.Add(r); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrConfig, err)
		}
	}
	for _, ac := range cfg.ASs {
		if ac.Name == "" || s.byName[ac.Name] != nil {
			return nil, fmt.Errorf("%w: AS name %q empty or repeated", ErrConfig, ac.Name)
		}
		pc := &ac.Peer
		switch pc.Role {
		case RoleASP:
		case RoleIPSP:
			if pc.Exchange != SingleExchange && pc.Exchange != DoubleExchange {
				return nil, fmt.Errorf("%w: AS %s: IPSP needs Exchange", ErrConfig, ac.Name)
			}
		default:
			return nil, fmt.Errorf("%w: AS %s: no Role", ErrConfig, ac.Name)
		}
		if len(ac.Dial) == 0 && ac.Listen == nil {
			return nil, fmt.Errorf("%w: AS %s: neither Dial nor Listen", ErrConfig, ac.Name)
		}
		// The AS machines need a mode; the Peer keeps zero (no Traffic
		// Mode Type sent in ASPAC, any accepted) when none is configured.
		mode := pc.TrafficMode
		if mode == 0 {
			mode = Override
		}
		if len(pc.LocalPCs) == 0 {
			pc.LocalPCs = []uint32{cfg.LocalPC.Uint32()}
		}
		n := len(ac.Dial)
		if ac.Listen != nil {
			if ac.MaxAssociations <= 0 {
				ac.MaxAssociations = 8
			}
			n += ac.MaxAssociations
		}
		a := &asRuntime{s: s, cfg: ac, client: NewClientAS(mode, n), server: NewServerAS(mode, n, ac.Tr),
			dest: make([]Destinations, n)}
		if ac.MinActive > 0 {
			a.server.MinActive = ac.MinActive
		}
		// Double exchange: the accepting side follows the dialler's
		// choice of association (see ClientAS).
		a.client.Follow = pc.Role == RoleIPSP && pc.Exchange == DoubleExchange && len(ac.Dial) == 0
		if len(pc.RoutingContexts) > 0 && !pc.Compat.OmitRC {
			a.rc, a.hasRC = pc.RoutingContexts[0], true
		}
		a.reach = asReach{a}
		for i := 0; i < n; i++ {
			a.members = append(a.members, newMember(a, i))
		}
		s.ass = append(s.ass, a)
		s.byName[ac.Name] = a
	}
	// An ASP audits the destinations routed over its AS (RFC 4666
	// §4.5.3) unless told which.
	for _, a := range s.ass {
		if a.cfg.Peer.Role != RoleASP || len(a.cfg.Peer.AuditPCs) > 0 {
			continue
		}
		for _, dpc := range s.routes.Known() {
			if s.routedOver(a, dpc) {
				a.cfg.Peer.AuditPCs = append(a.cfg.Peer.AuditPCs, dpc)
			}
		}
	}
	return s, nil
}

// Run starts every association and blocks until ctx ends; then it takes
// the ASPs down (ASPDN, for at most T(ack)), closes the associations and
// returns ctx's error.
func (s *Stack) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return errors.New("m3ua: Run called twice")
	}
	s.running = true
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, a := range s.ass {
		for i, d := range a.cfg.Dial {
			m := a.members[i]
			wg.Add(1)
			go func() { defer wg.Done(); s.dialLoop(ctx, m, d) }()
		}
		if a.cfg.Listen != nil {
			wg.Add(1)
			go func() { defer wg.Done(); s.acceptLoop(ctx, a) }()
		}
	}
	wg.Add(1)
	go func() { defer wg.Done(); s.asTimerLoop(ctx) }()
	<-ctx.Done()
	for _, a := range s.ass {
		if a.cfg.Listen != nil {
			a.cfg.Listen.Close()
		}
	}
	wg.Wait()
	s.mu.Lock()
	s.running = false
	s.mu.Unlock()
	return ctx.Err()
}

// wait sleeps d on the stack's clock, or until ctx ends.
func (s *Stack) wait(ctx context.Context, d time.Duration) bool {
	t := s.clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return true
	case <-ctx.Done():
		return false
	}
}

// dialLoop keeps one association of m up: dial, run it, and after a
// failure or loss wait the back-off delay (reset once an association got
// as far as ASP-INACTIVE).
func (s *Stack) dialLoop(ctx context.Context, m *member, d transport.Dialer) {
	attempt := 0
	for ctx.Err() == nil {
		conn, err := d.Dial(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.ctr.kinds[kDialFailed].Add(1)
			s.log.Debug("m3ua: dial failed", "as", m.as.cfg.Name, "assoc", m.idx, "err", err)
		} else {
			if m.run(ctx, conn) {
				attempt = 0
			}
			if ctx.Err() != nil {
				return
			}
		}
		if !s.wait(ctx, s.cfg.Backoff.Delay(attempt, s.rand())) {
			return
		}
		attempt++
	}
}

// acceptLoop takes associations into free member slots of a.
func (s *Stack) acceptLoop(ctx context.Context, a *asRuntime) {
	var wg sync.WaitGroup
	defer wg.Wait()
	first := len(a.cfg.Dial)
	for {
		conn, err := a.cfg.Listen.Accept(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Warn("m3ua: accept", "as", a.cfg.Name, "err", err)
			if !s.wait(ctx, 100*time.Millisecond) {
				return
			}
			continue
		}
		var slot *member
		for _, m := range a.members[first:] {
			if m.claim() {
				slot = m
				break
			}
		}
		if slot == nil {
			s.log.Warn("m3ua: association refused: all slots busy", "as", a.cfg.Name)
			conn.Abort()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer slot.release()
			slot.run(ctx, conn)
		}()
	}
}

// asTimerLoop runs the AS timers (T(r)).
func (s *Stack) asTimerLoop(ctx context.Context) {
	t := s.clock.NewTimer(time.Hour)
	defer t.Stop()
	for {
		s.mu.Lock()
		var next time.Time
		for _, a := range s.ass {
			if d, ok := a.server.Deadline(); ok && (next.IsZero() || d.Before(next)) {
				next = d
			}
		}
		s.mu.Unlock()
		wait := time.Hour
		if !next.IsZero() {
			wait = max(next.Sub(s.clock.Now()), 0)
		}
		t.Stop()
		t.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-s.asWake:
		case <-t.C():
			now := s.clock.Now()
			s.mu.Lock()
			var post []posted
			for _, a := range s.ass {
				post = a.apply(now, a.server.Tick(now), post)
			}
			s.mu.Unlock()
			deliverPosted(post)
		}
	}
}

// posted is a command for another association's loop, delivered after
// the control lock is released.
type posted struct {
	m   *member
	cmd ASCommand
}

func deliverPosted(ps []posted) {
	for _, p := range ps {
		p.m.post(p.cmd)
	}
}

// apply carries out AS commands; s.mu is held.
func (a *asRuntime) apply(now time.Time, cmds []ASCommand, post []posted) []posted {
	s := a.s
	for _, c := range cmds {
		switch c.Kind {
		case CmdNotify, CmdAlternate, CmdActivate, CmdDeactivate:
			post = append(post, posted{a.members[c.Member], c})
		case CmdState:
			s.log.Info("m3ua: AS state", "as", a.cfg.Name, "state", c.State)
			s.signal()
		case CmdFlush:
			q := a.queue
			a.queue = nil
			for i := range q {
				s.sendLocked(a, &q[i].pd)
			}
		case CmdDiscard:
			s.ctr.kinds[kTrExpired].Add(uint64(len(a.queue)))
			a.queue = nil
		}
	}
	select {
	case s.asWake <- struct{}{}:
	default:
	}
	return post
}

// signal wakes WaitRoute callers; s.mu is held.
func (s *Stack) signal() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// memberChanged brings the AS machines and the route table up to date
// with member m's Peer; it runs on m's loop.
func (s *Stack) memberChanged(m *member, p *Peer) {
	now := s.clock.Now()
	a := m.as
	s.mu.Lock()
	m.local, m.remote, m.traffic, m.notified = p.Local(), p.Remote(), p.TrafficUp(), p.NotifiedAS()
	var post []posted
	post = a.apply(now, a.client.MemberState(m.idx, m.local, m.remote, m.traffic, m.notified), post)
	if p.runsRemote() {
		post = a.apply(now, a.server.MemberState(now, m.idx, m.remote), post)
	}
	s.routes.SetLinkset(a.cfg.Name, len(a.client.Carrying()) > 0, a.reach)
	s.signal()
	s.mu.Unlock()
	deliverPosted(post)
}

// Send sends an MTP3 user message to dpc with link selector sls and
// service indicator si (OPC and NI from the configuration). It fails with
// ErrNoRoute when no route is usable, unless the AS is AS-PENDING (then
// the message waits for T(r)).
func (s *Stack) Send(dpc mtp3.PointCode, sls uint8, si mtp3.ServiceIndicator, data []byte) error {
	pd := ProtocolData{OPC: s.cfg.LocalPC.Uint32(), DPC: dpc.Uint32(), SI: uint8(si), NI: uint8(s.cfg.NI), SLS: sls, Data: data}
	s.mu.Lock()
	name, err := s.routes.Select(pd.DPC, sls)
	if err != nil {
		// An AS-PENDING AS still takes traffic, to be held for T(r).
		for _, a := range s.ass {
			if a.server.Queue() && s.routedOver(a, pd.DPC) {
				err = s.enqueue(a, &pd)
				s.mu.Unlock()
				return err
			}
		}
		s.mu.Unlock()
		s.ctr.kinds[kNoRoute].Add(1)
		return err
	}
	a := s.byName[name]
	if a.server.Queue() {
		err = s.enqueue(a, &pd)
		s.mu.Unlock()
		return err
	}
	if a.client.Mode == Broadcast {
		err = s.sendLocked(a, &pd)
		s.mu.Unlock()
		return err
	}
	idx, ok := a.client.Pick(sls)
	s.mu.Unlock()
	if !ok {
		s.ctr.kinds[kNoRoute].Add(1)
		return ErrNoRoute
	}
	return a.members[idx].sendData(&pd)
}

// routedOver: a route of its own for dpc goes over a, or a carries the
// default route.
func (s *Stack) routedOver(a *asRuntime, dpc uint32) bool {
	for _, r := range s.cfg.Routes {
		if r.Linkset == a.cfg.Name && (r.Default || r.DPC.Uint32() == dpc) {
			return true
		}
	}
	return false
}

// sendLocked sends with s.mu held (flush, broadcast).
func (s *Stack) sendLocked(a *asRuntime, pd *ProtocolData) error {
	if a.client.Mode == Broadcast {
		var err error
		for _, i := range a.client.Carrying() {
			if e := a.members[i].sendData(pd); e != nil {
				err = e
			}
		}
		if len(a.client.Carrying()) == 0 {
			return ErrNoRoute
		}
		return err
	}
	idx, ok := a.client.Pick(pd.SLS)
	if !ok {
		s.ctr.kinds[kNoRoute].Add(1)
		return ErrNoRoute
	}
	return a.members[idx].sendData(pd)
}

func (s *Stack) enqueue(a *asRuntime, pd *ProtocolData) error {
	if len(a.queue) >= s.cfg.QueueLimit || len(pd.Data) > len(queued{}.buf) {
		s.ctr.kinds[kQueueFull].Add(1)
		return ErrNoRoute
	}
	a.queue = append(a.queue, queued{pd: *pd})
	q := &a.queue[len(a.queue)-1]
	q.pd.Data = q.buf[:copy(q.buf[:], pd.Data)]
	return nil
}

// SendISUP sends an ISUP message (from its CIC on) to dpc. The SLS comes
// from the CIC, so a call keeps one SLS, one association and one stream.
func (s *Stack) SendISUP(dpc mtp3.PointCode, cic uint16, msg []byte) error {
	return s.Send(dpc, route.SLS(s.cfg.LocalPC.Format(), s.cfg.SLS5, cic), mtp3.SIISUP, msg)
}

// deliver checks received DATA at the MTP3 level and hands it to its
// user; it runs on the association's loop.
func (s *Stack) deliver(m *member, msg *Message, stream uint16, ud *UserData) {
	pd := &msg.ProtocolData
	s.ctr.dataIn.Add(1)
	f := s.cfg.LocalPC.Format()
	if pd.OPC > f.Max() || pd.DPC > f.Max() {
		s.ctr.kinds[kBadPC].Add(1)
		return
	}
	if pd.NI != uint8(s.cfg.NI) {
		s.ctr.kinds[kWrongNI].Add(1)
		return
	}
	if pd.DPC != s.cfg.LocalPC.Uint32() {
		s.ctr.kinds[kNotForUs].Add(1)
		return
	}
	s.ctr.si[pd.SI&15].Add(1)
	*ud = UserData{AS: m.as.cfg.Name, Assoc: m.idx, Stream: stream,
		OPC: mtp3.MustPointCode(f, pd.OPC), DPC: mtp3.MustPointCode(f, pd.DPC),
		SI: mtp3.ServiceIndicator(pd.SI), NI: mtp3.NetworkIndicator(pd.NI), MP: pd.MP, SLS: pd.SLS, Data: pd.Data}
	switch {
	case pd.SI == uint8(mtp3.SIISUP) && s.cfg.OnISUP != nil:
		s.cfg.OnISUP(ud)
	case pd.SI != uint8(mtp3.SIISUP) && s.cfg.OnData != nil:
		s.cfg.OnData(ud)
	default:
		s.ctr.kinds[kUnknownSI].Add(1)
	}
}

// WaitRoute waits until traffic to dpc has a usable route, or ctx ends.
func (s *Stack) WaitRoute(ctx context.Context, dpc mtp3.PointCode) error {
	for {
		s.mu.Lock()
		_, err := s.routes.Select(dpc.Uint32(), 0)
		ch := s.changed
		s.mu.Unlock()
		if err == nil {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Routes returns the destinations with routes of their own and their
// state.
func (s *Stack) Routes() []route.Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.routes.Destinations()
}

// DestStatus returns what the peers of AS name report of dpc, per
// association slot.
func (s *Stack) DestStatus(name string, dpc mtp3.PointCode) []DestStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.byName[name]
	if a == nil {
		return nil
	}
	out := make([]DestStatus, len(a.dest))
	for i := range a.dest {
		out[i] = a.dest[i].Status(dpc.Uint32())
	}
	return out
}

// Stats returns a snapshot of states and counters.
func (s *Stack) Stats() Snapshot {
	var snap Snapshot
	s.ctr.fill(&snap)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.ass {
		st := ASStats{Name: a.cfg.Name, Carrying: len(a.client.Carrying()), Queued: len(a.queue)}
		if a.cfg.Peer.runsRemoteCfg() {
			st.State = a.server.State()
		} else {
			// The state the peer notified: a carrying member's first.
			for _, m := range a.members {
				if m.up && (st.State == ASDown || m.traffic) {
					st.State = m.notified
				}
			}
		}
		for _, m := range a.members {
			if !m.up && m.established == 0 && m.idx >= len(a.cfg.Dial) {
				continue // a listener slot never used
			}
			snap.Associations = append(snap.Associations, AssocStats{AS: a.cfg.Name, Index: m.idx, Up: m.up,
				Local: m.local, Remote: m.remote, Traffic: m.traffic, NotifiedAS: m.notified, Established: m.established, Peer: m.peer})
		}
		snap.ASs = append(snap.ASs, st)
	}
	return snap
}

func (c *PeerConfig) runsRemoteCfg() bool {
	return c.Role == RoleIPSP && (c.Exchange == DoubleExchange || !c.Initiator)
}
