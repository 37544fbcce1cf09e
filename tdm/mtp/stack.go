package mtp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sipgw/sipgw/sigtran/mtp3"
	"github.com/sipgw/sipgw/sigtran/route"
	"github.com/sipgw/sipgw/tdm/channel"
	"github.com/sipgw/sipgw/tdm/linkset"
	"github.com/sipgw/sipgw/tdm/mtp2"
)

// Config is one signalling point on TDM linksets.
type Config struct {
	// LocalPC is this point; NI the network indicator sent and
	// required; SLS5 the ANSI 5-bit SLS.
	LocalPC mtp3.PointCode
	NI      mtp3.NetworkIndicator
	SLS5    bool
	// Linksets, each to one adjacent point.
	Linksets []LinksetConfig
	// Routes by DPC over the linksets (Route.Linkset is a linkset's
	// Name). Without any, each linkset routes its adjacent point.
	Routes []route.Route
	// OnISUP receives user messages with service indicator 5 on the
	// linkset's loop: it must not block for long. The UserData and its
	// Data are valid during the call only.
	OnISUP func(*UserData)
	// OnData receives the other user parts (nil: counted and dropped).
	OnData func(*UserData)
	// OnState is told of link and linkset changes (on a loop; must not
	// block).
	OnState func(StateEvent)
	// Reopen is the wait before a failed channel is opened again (1 s
	// when zero).
	Reopen time.Duration
	// QueueLimit bounds what Send may leave waiting for a linkset: its
	// mailbox, its links' mailboxes and their MTP2 transmission queues
	// (2048 when zero). Past it Send fails with ErrCongested rather than
	// letting MTP2 drop messages.
	QueueLimit int
	Log        *slog.Logger
}

// LinksetConfig is the links to one adjacent point.
type LinksetConfig struct {
	Name        string
	AdjacentPC  mtp3.PointCode
	Links       []LinkConfig
	TestPattern []byte
	Timers      linkset.Timers
	BufferLimit int
}

// LinkConfig is one signalling link.
type LinkConfig struct {
	// SLC is the link's code, 0–15, as both ends number it.
	SLC uint8
	// Open returns the link's channel; it is called again (after
	// Config.Reopen) whenever the channel fails. It should return when
	// ctx ends.
	Open func(ctx context.Context) (channel.Channel, error)
	// MTP2 timers and monitors (Q.703 defaults when zero).
	MTP2 mtp2.Config
}

// UserData is one received user part message.
type UserData struct {
	Linkset  string
	SLC      uint8
	OPC, DPC mtp3.PointCode
	SI       mtp3.ServiceIndicator
	NI       mtp3.NetworkIndicator
	Priority uint8
	SLS      uint8
	// Data is the user part message (ISUP from its CIC on).
	Data []byte
}

// StateEvent reports a change: of link SLC when Link is true, else of
// the linkset.
type StateEvent struct {
	Linkset string
	Link    bool
	SLC     uint8
	// Link: level 3's state and, when it failed, why (the MTP2 reason
	// or the link test's).
	State  linkset.LinkState
	Reason string
	// Linkset: whether it carries traffic, over how many links.
	Up        bool
	Available int
}

// Errors of the Stack.
var (
	ErrConfig    = errors.New("mtp: bad configuration")
	ErrNoRoute   = route.ErrNoRoute
	ErrStopped   = errors.New("mtp: stack not running")
	ErrCongested = errors.New("mtp: linkset queue full")
)

// Stack is a signalling point's MTP over TDM linksets.
type Stack struct {
	cfg   Config
	log   *slog.Logger
	mu    sync.Mutex
	rt    *route.Table
	sets  []*lsRuntime
	byNm  map[string]*lsRuntime
	chg   chan struct{}
	run   atomic.Bool
	wg    sync.WaitGroup
	ctr   counters
	ready chan struct{}
}

type counters struct {
	sent, received, dropped, noRoute atomic.Uint64
}

// New validates cfg and builds the stack; Run starts it.
func New(cfg Config) (*Stack, error) {
	bad := func(f string, a ...any) error { return fmt.Errorf("%w: %s", ErrConfig, fmt.Sprintf(f, a...)) }
	f := cfg.LocalPC.Format()
	if f != mtp3.ITU && f != mtp3.ANSI {
		return nil, bad("LocalPC: an ITU or ANSI point code")
	}
	if len(cfg.Linksets) == 0 {
		return nil, bad("Linksets: none")
	}
	if cfg.Reopen <= 0 {
		cfg.Reopen = time.Second
	}
	if cfg.QueueLimit <= 0 {
		cfg.QueueLimit = 2048
	}
	s := &Stack{cfg: cfg, log: cfg.Log, byNm: map[string]*lsRuntime{}, chg: make(chan struct{}), ready: make(chan struct{})}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	var names []string
	for i, lc := range cfg.Linksets {
		if lc.Name == "" || s.byNm[lc.Name] != nil {
			return nil, bad("Linksets[%d].Name: empty or used twice (%q)", i, lc.Name)
		}
		var slcs []uint8
		for j, l := range lc.Links {
			if l.Open == nil {
				return nil, bad("Linksets[%d].Links[%d].Open: nil", i, j)
			}
			slcs = append(slcs, l.SLC)
		}
		m, err := linkset.New(linkset.Config{Format: f, NI: cfg.NI, SLS5: cfg.SLS5, LocalPC: cfg.LocalPC, AdjacentPC: lc.AdjacentPC,
			SLCs: slcs, TestPattern: lc.TestPattern, Timers: lc.Timers, BufferLimit: lc.BufferLimit})
		if err != nil {
			return nil, fmt.Errorf("%w: Linksets[%d] (%s): %w", ErrConfig, i, lc.Name, err)
		}
		r := &lsRuntime{s: s, cfg: lc, m: m, in: newMailbox[lsEvent](), tm: newTimers[lsTimer]()}
		for _, l := range lc.Links {
			l2 := l.MTP2
			l2.DeferAck = true // the link loop acknowledges each batch (FlushAck)
			r.links = append(r.links, &linkRuntime{ls: r, cfg: l, m: mtp2.New(l2), in: newMailbox[linkEvent](), tm: newTimers[mtp2.Timer]()})
		}
		s.sets = append(s.sets, r)
		s.byNm[lc.Name] = r
		names = append(names, lc.Name)
	}
	s.rt = route.New(f, names...)
	routes := cfg.Routes
	if len(routes) == 0 {
		for _, lc := range cfg.Linksets {
			routes = append(routes, route.Route{DPC: lc.AdjacentPC, Linkset: lc.Name})
		}
	}
	for i, r := range routes {
		if err := s.rt.Add(r); err != nil {
			return nil, fmt.Errorf("%w: Routes[%d]: %w", ErrConfig, i, err)
		}
	}
	return s, nil
}

// Run starts every linkset and link and blocks until ctx ends; it then
// stops them and closes their channels.
func (s *Stack) Run(ctx context.Context) error {
	if !s.run.CompareAndSwap(false, true) {
		return errors.New("mtp: Run called twice")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, r := range s.sets {
		for _, l := range r.links {
			s.wg.Add(1)
			go func() { defer s.wg.Done(); l.loop(ctx) }()
		}
		s.wg.Add(1)
		go func() { defer s.wg.Done(); r.loop(ctx) }()
	}
	close(s.ready)
	<-ctx.Done()
	s.run.Store(false)
	s.wg.Wait()
	return nil
}

// signal wakes WaitRoute callers.
func (s *Stack) signal() {
	s.mu.Lock()
	close(s.chg)
	s.chg = make(chan struct{})
	s.mu.Unlock()
}

// Send sends a user part message to dpc with link selection sls and
// service indicator si.
func (s *Stack) Send(dpc mtp3.PointCode, sls uint8, si mtp3.ServiceIndicator, data []byte) error {
	if !s.run.Load() {
		return ErrStopped
	}
	s.mu.Lock()
	name, err := s.rt.Select(dpc.Uint32(), sls)
	s.mu.Unlock()
	if err != nil {
		s.ctr.noRoute.Add(1)
		return err
	}
	r := s.byNm[name]
	if r.backlog() >= s.cfg.QueueLimit {
		s.ctr.dropped.Add(1)
		return ErrCongested
	}
	r.in.put(lsEvent{kind: evSend, dpc: dpc, si: si, sls: sls, data: slices.Clone(data)})
	s.ctr.sent.Add(1)
	return nil
}

// SendISUP sends an ISUP message (from its CIC on) to dpc; the SLS comes
// from the CIC (sigtran/route.SLS), so a call's messages keep one link
// and their order.
func (s *Stack) SendISUP(dpc mtp3.PointCode, cic uint16, msg []byte) error {
	return s.Send(dpc, route.SLS(s.cfg.LocalPC.Format(), s.cfg.SLS5, cic), mtp3.SIISUP, msg)
}

// WaitRoute waits until dpc has a usable route, or ctx ends.
func (s *Stack) WaitRoute(ctx context.Context, dpc mtp3.PointCode) error {
	for {
		s.mu.Lock()
		_, err := s.rt.Select(dpc.Uint32(), 0)
		ch := s.chg
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

// Routes returns the destinations with routes and their state.
func (s *Stack) Routes() []route.Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rt.Destinations()
}

// Snapshot is the stack's state and counters for operations.
type Snapshot struct {
	Sent, Received, Dropped, NoRoute uint64
	Linksets                         []LinksetStats
}

// LinksetStats is one linkset.
type LinksetStats struct {
	Name      string
	Up        bool
	Available int
	Links     []LinkStats
	L3        linkset.Stats
}

// LinkStats is one link.
type LinkStats struct {
	SLC                          uint8
	L2                           mtp2.State
	L3                           linkset.LinkState
	LastFailure                  string
	Failures                     uint64
	UnitsIn, UnitsOut, ErroredIn uint64
	MSUsIn, MSUsOut              uint64
}

// Stats returns a snapshot.
func (s *Stack) Stats() Snapshot {
	snap := Snapshot{Sent: s.ctr.sent.Load(), Received: s.ctr.received.Load(), Dropped: s.ctr.dropped.Load(), NoRoute: s.ctr.noRoute.Load()}
	for _, r := range s.sets {
		r.mu.Lock()
		ls := LinksetStats{Name: r.cfg.Name, Up: r.up, Available: r.avail, L3: r.l3}
		r.mu.Unlock()
		for _, l := range r.links {
			l.mu.Lock()
			ls.Links = append(ls.Links, l.stats)
			l.mu.Unlock()
		}
		snap.Linksets = append(snap.Linksets, ls)
	}
	return snap
}
