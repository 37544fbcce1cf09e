// Package shutdown runs the gateway's graceful shutdown once: on SIGINT or
// SIGTERM (or Trigger, or the end of the parent context) it cancels
// Context, so that listeners stop accepting, and runs the registered steps
// in order — stop accepting, release calls, reset circuits, close
// associations, flush CDRs — within one deadline. A second signal while the
// steps run exits at once with status 1.
//
// The deadline is shared by the steps in order. Once it has passed, each
// remaining step still runs with a short context of its own (Grace), so that
// the last ones — closing associations, flushing CDRs — always get their
// chance; a step that ignores its context is abandoned when that context
// ends (plus a moment) and the next one runs.
//
//	sd := shutdown.New(shutdown.Options{Timeout: 30 * time.Second, Logger: log})
//	go admin.Serve(sd.Context(), addr, h, admin.ServeOptions{})
//	sd.Add("release calls", gw.ReleaseAll)
//	sd.Add("flush CDRs", func(context.Context) error { return cdrs.Close() })
//	return sd.Wait(ctx)
package shutdown

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// ErrForced is returned by Wait when a second signal cut the shutdown
// short (after Exit was called, for an Exit that returns).
var ErrForced = errors.New("shutdown forced by a second signal")

// Options configure New. Zero values take the defaults.
type Options struct {
	// Timeout is the deadline of the whole shutdown (default 30 s).
	Timeout time.Duration
	// Grace is the context each step gets once the deadline has passed
	// (default 2 s).
	Grace time.Duration
	// Logger logs the signal and each step (default slog.Default()).
	Logger *slog.Logger
	// Signals replaces the process's SIGINT/SIGTERM (tests inject here).
	Signals <-chan os.Signal
	// Exit ends the process on a second signal (default os.Exit).
	Exit func(code int)
}

type step struct {
	name string
	f    func(context.Context) error
}

// Manager is the once-only shutdown.
type Manager struct {
	o       Options
	sigs    <-chan os.Signal
	stopSig func()

	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	steps   []step
	trigger chan string
	once    sync.Once
	waited  bool
}

// New starts listening for the signals at once, so that a signal during
// start-up is not lost (nor kills the process half-started).
func New(o Options) *Manager {
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Grace <= 0 {
		o.Grace = 2 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Exit == nil {
		o.Exit = os.Exit
	}
	m := &Manager{o: o, trigger: make(chan string, 1), stopSig: func() {}}
	if o.Signals != nil {
		m.sigs = o.Signals
	} else {
		c := make(chan os.Signal, 2)
		signal.Notify(c, syscall.SIGINT, syscall.SIGTERM)
		m.sigs, m.stopSig = c, func() { signal.Stop(c) }
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	return m
}

// Context is cancelled when the shutdown begins: serve with it so that
// listeners stop accepting first.
func (m *Manager) Context() context.Context { return m.ctx }

// Add registers a step; steps run in the order added.
func (m *Manager) Add(name string, f func(ctx context.Context) error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.steps = append(m.steps, step{name, f})
}

// Trigger begins the shutdown as a signal would (e.g. after a fatal error).
// Later calls do nothing.
func (m *Manager) Trigger(reason string) {
	select {
	case m.trigger <- reason:
	default:
	}
}

// Wait blocks until a signal, Trigger or the end of ctx, then runs the
// steps and returns their errors (joined, each naming its step). It runs
// the shutdown once: a second call returns an error at once.
func (m *Manager) Wait(ctx context.Context) error {
	m.mu.Lock()
	if m.waited {
		m.mu.Unlock()
		return errors.New("shutdown: Wait called twice")
	}
	m.waited = true
	m.mu.Unlock()
	defer m.stopSig()

	var why string
	select {
	case s := <-m.sigs:
		why = "signal " + s.String()
	case r := <-m.trigger:
		why = r
	case <-ctx.Done():
		why = "context ended: " + context.Cause(ctx).Error()
	}
	m.o.Logger.Info("shutting down", "why", why, "timeout", m.o.Timeout)
	m.cancel()

	forced := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- m.run() }()
	for {
		select {
		case err := <-done:
			return err
		case s := <-m.sigs:
			m.once.Do(func() {
				m.o.Logger.Warn("second signal: exiting without finishing the shutdown", "signal", s.String())
				m.o.Exit(1)
				close(forced)
			})
		case <-forced:
			return ErrForced
		}
	}
}

// slack is how long past its context a step is waited for before it is
// abandoned.
const slack = 100 * time.Millisecond

func (m *Manager) run() error {
	m.mu.Lock()
	steps := append([]step(nil), m.steps...)
	m.mu.Unlock()
	deadline := time.Now().Add(m.o.Timeout)
	var errs []error
	for _, s := range steps {
		var ctx context.Context
		var cancel context.CancelFunc
		late := !time.Now().Before(deadline)
		if late {
			ctx, cancel = context.WithTimeout(context.Background(), m.o.Grace)
		} else {
			ctx, cancel = context.WithDeadline(context.Background(), deadline)
		}
		start := time.Now()
		err := runStep(ctx, s.f)
		cancel()
		d := time.Since(start).Round(time.Millisecond)
		if err != nil {
			m.o.Logger.Error("shutdown step failed", "step", s.name, "err", err, "duration", d, "after_deadline", late)
			errs = append(errs, fmt.Errorf("shutdown step %q: %w", s.name, err))
			continue
		}
		m.o.Logger.Info("shutdown step done", "step", s.name, "duration", d, "after_deadline", late)
	}
	return errors.Join(errs...)
}

// runStep runs f, giving up on it shortly after ctx ends; a panic in a
// step is an error, not the end of the remaining steps.
func runStep(ctx context.Context, f func(context.Context) error) error {
	done := make(chan error, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Errorf("panic: %v", p)
			}
		}()
		done <- f(ctx)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	t := time.NewTimer(slack)
	defer t.Stop()
	select {
	case err := <-done:
		if err == nil {
			return nil
		}
		return err
	case <-t.C:
		return fmt.Errorf("abandoned: still running %v after its context ended (%w)", slack, ctx.Err())
	}
}
