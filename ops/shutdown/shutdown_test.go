package shutdown

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

type recorder struct {
	mu  sync.Mutex
	log []string
}

func (r *recorder) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, s)
}

func (r *recorder) get() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.log...)
}

func (r *recorder) step(name string) func(context.Context) error {
	return func(context.Context) error { r.add(name); return nil }
}

func wait(t *testing.T, m *Manager, ctx context.Context) chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- m.Wait(ctx) }()
	return done
}

func result(t *testing.T, done chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Wait did not return")
	}
	return nil
}

func TestStepsInOrderOnSignal(t *testing.T) {
	sigs := make(chan os.Signal, 4)
	m := New(Options{Signals: sigs, Logger: quiet()})
	var r recorder
	for _, n := range []string{"stop accepting", "release calls", "reset circuits", "close associations", "flush CDRs"} {
		m.Add(n, r.step(n))
	}
	done := wait(t, m, context.Background())
	select {
	case <-m.Context().Done():
		t.Fatal("Context ended before any signal")
	case <-time.After(20 * time.Millisecond):
	}
	if len(r.get()) != 0 {
		t.Fatal("steps ran before any signal")
	}
	sigs <- syscall.SIGTERM
	if err := result(t, done); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.get(), ", "); got != "stop accepting, release calls, reset circuits, close associations, flush CDRs" {
		t.Errorf("steps: %s", got)
	}
	if m.Context().Err() == nil {
		t.Error("Context not cancelled")
	}
	// Once only.
	if err := m.Wait(context.Background()); err == nil {
		t.Error("second Wait ran")
	}
	if len(r.get()) != 5 {
		t.Error("steps ran twice")
	}
}

func TestTriggerAndParentContext(t *testing.T) {
	m := New(Options{Signals: make(chan os.Signal), Logger: quiet()})
	var r recorder
	m.Add("a", r.step("a"))
	done := wait(t, m, context.Background())
	m.Trigger("fatal error")
	m.Trigger("again") // ignored
	if err := result(t, done); err != nil || len(r.get()) != 1 {
		t.Errorf("%v %v", err, r.get())
	}

	m = New(Options{Signals: make(chan os.Signal), Logger: quiet()})
	m.Add("a", r.step("b"))
	ctx, cancel := context.WithCancel(context.Background())
	done = wait(t, m, ctx)
	cancel()
	if err := result(t, done); err != nil || len(r.get()) != 2 {
		t.Errorf("%v %v", err, r.get())
	}
}

// The deadline ends a slow step; the steps after it still run, each with
// its grace context.
func TestDeadline(t *testing.T) {
	sigs := make(chan os.Signal, 1)
	m := New(Options{Signals: sigs, Timeout: 100 * time.Millisecond, Grace: time.Second, Logger: quiet()})
	var r recorder
	m.Add("release calls", func(ctx context.Context) error {
		<-ctx.Done()
		r.add("release calls ended: " + ctx.Err().Error())
		return ctx.Err()
	})
	m.Add("stuck", func(ctx context.Context) error { // ignores its context
		time.Sleep(3 * time.Second)
		return nil
	})
	var flushDeadline time.Duration
	m.Add("flush CDRs", func(ctx context.Context) error {
		d, _ := ctx.Deadline()
		flushDeadline = time.Until(d)
		r.add("flushed")
		return nil
	})
	start := time.Now()
	done := wait(t, m, context.Background())
	sigs <- syscall.SIGINT
	err := result(t, done)
	if el := time.Since(start); el > 2500*time.Millisecond {
		t.Errorf("took %v: the stuck step was waited for", el)
	}
	if err == nil || !strings.Contains(err.Error(), `shutdown step "release calls": context deadline exceeded`) ||
		!strings.Contains(err.Error(), `shutdown step "stuck": abandoned`) {
		t.Errorf("error: %v", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Error("not errors.Is DeadlineExceeded")
	}
	if got := strings.Join(r.get(), "; "); got != "release calls ended: context deadline exceeded; flushed" {
		t.Errorf("steps: %s", got)
	}
	if flushDeadline < 500*time.Millisecond {
		t.Errorf("the late step got %v, want about the 1 s grace", flushDeadline)
	}
}

func TestSecondSignalForcesExit(t *testing.T) {
	sigs := make(chan os.Signal, 2)
	exited := make(chan int, 2)
	m := New(Options{Signals: sigs, Timeout: time.Minute, Logger: quiet(), Exit: func(c int) { exited <- c }})
	started := make(chan struct{})
	m.Add("release calls", func(ctx context.Context) error {
		close(started)
		<-ctx.Done()
		return nil
	})
	done := wait(t, m, context.Background())
	sigs <- syscall.SIGTERM
	<-started
	sigs <- syscall.SIGINT
	select {
	case c := <-exited:
		if c != 1 {
			t.Errorf("exit status %d", c)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("second signal did not exit")
	}
	if err := result(t, done); !errors.Is(err, ErrForced) {
		t.Errorf("Wait: %v", err)
	}
}

func TestStepPanicAndErrors(t *testing.T) {
	m := New(Options{Signals: make(chan os.Signal), Logger: quiet()})
	var r recorder
	m.Add("boom", func(context.Context) error { panic("bad state") })
	m.Add("fails", func(context.Context) error { return errors.New("association refused close") })
	m.Add("after", r.step("after"))
	done := wait(t, m, context.Background())
	m.Trigger("test")
	err := result(t, done)
	if err == nil || !strings.Contains(err.Error(), `shutdown step "boom": panic: bad state`) || !strings.Contains(err.Error(), `shutdown step "fails": association refused close`) {
		t.Errorf("%v", err)
	}
	if len(r.get()) != 1 {
		t.Error("step after the failures did not run")
	}
}

// TestRealSignal: the process's own SIGTERM, caught by the default set-up.
func TestRealSignal(t *testing.T) {
	m := New(Options{Logger: quiet(), Exit: func(int) { t.Error("exit") }})
	var r recorder
	m.Add("a", r.step("a"))
	done := wait(t, m, context.Background())
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := result(t, done); err != nil || len(r.get()) != 1 {
		t.Errorf("%v %v", err, r.get())
	}
}
