package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/sipgw/sipgw/gateway"
	"github.com/sipgw/sipgw/gateway/config"
	"github.com/sipgw/sipgw/isup/circuit"
	"github.com/sipgw/sipgw/ops"
	"github.com/sipgw/sipgw/ops/admin"
	"github.com/sipgw/sipgw/ops/cdr"
	"github.com/sipgw/sipgw/ops/ctl"
	"github.com/sipgw/sipgw/ops/metrics"
)

func init() { ctlHook = ctl.Main }

// metricsObserver turns the gateway's call events into the metrics' call
// life (setup → early → answered → releasing → end).
type metricsObserver struct{ m *metrics.Metrics }

func direction(d string) metrics.Direction {
	if d == "isup-to-sip" {
		return metrics.ISUPToSIP
	}
	return metrics.SIPToISUP
}

// phases maps the gateway's phases to the metrics'.
var phases = [ops.NumPhases]metrics.Phase{ops.PhaseSetup: metrics.PhaseSetup, ops.PhaseEarly: metrics.PhaseEarly,
	ops.PhaseAnswered: metrics.PhaseAnswered, ops.PhaseReleasing: metrics.PhaseReleasing}

func phase(p ops.Phase) metrics.Phase {
	if p < ops.NumPhases {
		return phases[p]
	}
	return metrics.PhaseSetup
}

func (o metricsObserver) CallStarted(sip, isup, dir string) {
	o.m.CallStarted(metrics.Call{Direction: direction(dir), SIPTrunk: sip, ISUPTrunk: isup})
}

func (o metricsObserver) CallPhase(sip, isup, dir string, from, to ops.Phase) {
	o.m.CallPhase(phase(from), phase(to))
	if to == ops.PhaseAnswered {
		o.m.CallAnswered(metrics.Call{Direction: direction(dir), SIPTrunk: sip, ISUPTrunk: isup})
	}
}

func (o metricsObserver) CallEnded(r ops.CDR, last ops.Phase, answered bool) {
	o.m.CallEnded(metrics.Call{Direction: direction(r.Direction), SIPTrunk: r.SIPTrunk, ISUPTrunk: r.ISUPTrunk},
		phase(last), answered, r.SIPStatus, r.Cause)
}

// The rest the metrics read from the gateway (ops.Gateway) at each scrape.
func (metricsObserver) CallRefused(string, int, string)                           {}
func (metricsObserver) CircuitState(string, uint16, circuit.State, circuit.State) {}
func (metricsObserver) AssociationState(string, string, string, string)           {}
func (metricsObserver) PeerState(string, string)                                  {}

var _ gateway.Observer = metricsObserver{}

// cdrSink hands CDRs to the writer's queue.
type cdrSink struct{ w *cdr.Writer }

func (s cdrSink) WriteCDR(r ops.CDR) { s.w.Write(r) }

// operations starts what the configuration asks of the ops packages
// around gateway g: the CDR writer, /metrics, the admin API. obs must be
// the observer given to gateway.New; its metrics are set here, before
// g.Run. The returned function stops them (after g.Run has returned).
func operations(ctx context.Context, c *config.Config, g *gateway.Gateway, obs *metricsObserver, log *slog.Logger) (stop func(), err error) {
	obs.m = metrics.New(g, metrics.Options{})
	var wg []chan error
	ctx, cancel := context.WithCancel(ctx)
	stop = func() {
		cancel()
		for _, ch := range wg {
			if err := <-ch; err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, http.ErrServerClosed) {
				log.Warn("ops server", "err", err)
			}
		}
	}
	serve := func(name string, f func() error) {
		ch := make(chan error, 1)
		wg = append(wg, ch)
		go func() { ch <- f() }()
		log.Info("serving", "what", name)
	}
	if c.Metrics.Listen != "" {
		ln, err := net.Listen("tcp", c.Metrics.Listen)
		if err != nil {
			stop()
			return nil, fmt.Errorf("metrics: %w", err)
		}
		srv := &http.Server{Handler: obs.m.Handler(), ReadHeaderTimeout: 10 * time.Second}
		serve("metrics on "+ln.Addr().String(), func() error {
			go func() { <-ctx.Done(); srv.Close() }()
			return srv.Serve(ln)
		})
	}
	if c.Admin.Listen != "" {
		h, err := admin.New(g, c.Admin.TokenFile, admin.Options{Metrics: obs.m.Handler(), Logger: log})
		if err != nil {
			stop()
			return nil, fmt.Errorf("admin: %w", err)
		}
		ln, err := admin.Listen(c.Admin.Listen, admin.ServeOptions{})
		if err != nil {
			stop()
			return nil, fmt.Errorf("admin: %w", err)
		}
		serve("admin API on "+ln.Addr().String(), func() error {
			return admin.ServeListener(ctx, ln, h, admin.ServeOptions{})
		})
	}
	return stop, nil
}
