// Package opstest is an in-memory ops.Gateway for the tests of the
// operations packages (metrics, admin, ctl). It is a test double of the
// seam, not of the behaviour under test: it keeps real circuit registries
// (isup/circuit), so that blocking a range really changes what a later
// listing shows, and it records every request so that tests can assert what
// the HTTP layer asked of the gateway.
package opstest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/sipgw/sipgw/isup/circuit"
	"github.com/sipgw/sipgw/ops"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// Request is one call of a Gateway method, as recorded.
type Request struct {
	Method string // "Circuits", "Block", "Unblock", "Reset", "Calls", "DropCall", "ReloadRoutes", "Status"
	Trunk  string
	CICs   string // circuit.Ranges.String() of the request
	ID     string
	Cause  uint8
}

// Gateway is a concurrency-safe fake ops.Gateway.
type Gateway struct {
	mu        sync.Mutex
	now       func() time.Time
	regs      []*circuit.Registry
	calls     []ops.CallInfo
	status    ops.Status
	requests  []Request
	err       error
	delay     time.Duration
	reloadErr error
}

var _ ops.Gateway = (*Gateway)(nil)

// New returns an empty gateway whose clock is now.
func New(now func() time.Time) *Gateway { return &Gateway{now: now} }

// AddTrunk adds an ISUP trunk with every circuit idle. Point codes 1 and 2
// (ITU) are filled in when cfg leaves them unset.
func (g *Gateway) AddTrunk(cfg circuit.Config) error {
	if !cfg.OwnPC.IsValid() {
		cfg.OwnPC, cfg.PeerPC = mtp3.ITUPC(1), mtp3.ITUPC(2)
	}
	grp, err := circuit.NewGroup(cfg)
	if err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.regs = append(g.regs, circuit.NewRegistry(grp, g.now()))
	return nil
}

// SetCircuit puts one circuit in state s with a reason, at the clock's now.
func (g *Gateway) SetCircuit(trunk string, cic uint16, s circuit.State, reason string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	r := g.reg(trunk)
	if r == nil {
		return fmt.Errorf("%w %q", ops.ErrUnknownTrunk, trunk)
	}
	_, err := r.Set(cic, s, g.now(), reason)
	return err
}

// AddCall adds a call in progress.
func (g *Gateway) AddCall(c ops.CallInfo) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls = append(g.calls, c)
}

// SetStatus sets what Status returns (Calls and Phases are filled in
// from the calls).
func (g *Gateway) SetStatus(s ops.Status) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.status = s
}

// FailWith makes every method return err (nil: work again).
func (g *Gateway) FailWith(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.err = err
}

// FailReload makes ReloadRoutes return err.
func (g *Gateway) FailReload(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.reloadErr = err
}

// SlowDown makes every method wait d (or until its context ends) first,
// as a gateway whose event loop is stuck would.
func (g *Gateway) SlowDown(d time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.delay = d
}

// Requests returns the requests recorded so far.
func (g *Gateway) Requests() []Request {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.requests)
}

func (g *Gateway) reg(trunk string) *circuit.Registry {
	for _, r := range g.regs {
		if r.Group().Name() == trunk {
			return r
		}
	}
	return nil
}

// enter records r, then waits the delay and returns the configured error.
// On success it returns with g.mu held.
func (g *Gateway) enter(ctx context.Context, r Request) error {
	g.mu.Lock()
	g.requests = append(g.requests, r)
	d, err := g.delay, g.err
	g.mu.Unlock()
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	g.mu.Lock()
	return nil
}

func (g *Gateway) Circuits(ctx context.Context, trunk string) ([]ops.TrunkCircuits, error) {
	if err := g.enter(ctx, Request{Method: "Circuits", Trunk: trunk}); err != nil {
		return nil, err
	}
	defer g.mu.Unlock()
	var out []ops.TrunkCircuits
	for _, r := range g.regs {
		if trunk != "" && r.Group().Name() != trunk {
			continue
		}
		out = append(out, ops.TrunkCircuits{Trunk: r.Group().Name(), Circuits: r.List(nil, nil)})
	}
	if trunk != "" && out == nil {
		return nil, fmt.Errorf("%w %q", ops.ErrUnknownTrunk, trunk)
	}
	return out, nil
}

// apply checks every CIC first, so that a request naming one wrong CIC
// changes nothing, then applies f to each.
func (g *Gateway) apply(ctx context.Context, method, trunk string, cics circuit.Ranges, f func(*circuit.Registry, uint16, time.Time) error) error {
	if err := g.enter(ctx, Request{Method: method, Trunk: trunk, CICs: cics.String()}); err != nil {
		return err
	}
	defer g.mu.Unlock()
	r := g.reg(trunk)
	if r == nil {
		return fmt.Errorf("%w %q", ops.ErrUnknownTrunk, trunk)
	}
	for _, rg := range cics {
		for c := int(rg.First); c <= int(rg.Last); c++ {
			if !r.Group().Contains(uint16(c)) {
				return fmt.Errorf("trunk %q: CIC %d: %w", trunk, c, circuit.ErrUnknownCIC)
			}
		}
	}
	now := g.now()
	for _, rg := range cics {
		for c := int(rg.First); c <= int(rg.Last); c++ {
			if err := f(r, uint16(c), now); err != nil {
				return err
			}
		}
	}
	return nil
}

func (g *Gateway) Block(ctx context.Context, trunk string, cics circuit.Ranges) error {
	return g.apply(ctx, "Block", trunk, cics, func(r *circuit.Registry, c uint16, now time.Time) error {
		_, err := r.Add(c, circuit.LocalMaintBlocked, now, "blocked by operator")
		return err
	})
}

func (g *Gateway) Unblock(ctx context.Context, trunk string, cics circuit.Ranges) error {
	return g.apply(ctx, "Unblock", trunk, cics, func(r *circuit.Registry, c uint16, now time.Time) error {
		_, err := r.Clear(c, circuit.LocalMaintBlocked, now, "unblocked by operator")
		return err
	})
}

func (g *Gateway) Reset(ctx context.Context, trunk string, cics circuit.Ranges) error {
	return g.apply(ctx, "Reset", trunk, cics, func(r *circuit.Registry, c uint16, now time.Time) error {
		_, err := r.Set(c, circuit.Resetting, now, "reset by operator")
		return err
	})
}

func (g *Gateway) Calls(ctx context.Context) ([]ops.CallInfo, error) {
	if err := g.enter(ctx, Request{Method: "Calls"}); err != nil {
		return nil, err
	}
	defer g.mu.Unlock()
	return slices.Clone(g.calls), nil
}

func (g *Gateway) DropCall(ctx context.Context, id string, cause uint8) error {
	if cause == 0 {
		cause = 16
	}
	if err := g.enter(ctx, Request{Method: "DropCall", ID: id, Cause: cause}); err != nil {
		return err
	}
	defer g.mu.Unlock()
	i := slices.IndexFunc(g.calls, func(c ops.CallInfo) bool { return c.ID == id })
	if i < 0 {
		return fmt.Errorf("%w %q", ops.ErrUnknownCall, id)
	}
	g.calls = slices.Delete(g.calls, i, i+1)
	return nil
}

func (g *Gateway) ReloadRoutes(ctx context.Context) error {
	if err := g.enter(ctx, Request{Method: "ReloadRoutes"}); err != nil {
		return err
	}
	defer g.mu.Unlock()
	return g.reloadErr
}

func (g *Gateway) Status(ctx context.Context) (ops.Status, error) {
	if err := g.enter(ctx, Request{Method: "Status"}); err != nil {
		return ops.Status{}, err
	}
	defer g.mu.Unlock()
	s := g.status
	s.Calls = len(g.calls)
	s.Phases = ops.PhaseCounts{}
	for _, c := range g.calls {
		s.Phases.Add(c.Phase, 1)
	}
	s.SIPTrunks = slices.Clone(s.SIPTrunks)
	s.Associations = slices.Clone(s.Associations)
	return s, nil
}
