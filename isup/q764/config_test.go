package q764

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

func TestDefaultTimers(t *testing.T) {
	itu, ansi := DefaultTimers(isup.ITU), DefaultTimers(isup.ANSI)
	for tm := T1; tm <= T38; tm++ {
		if itu[tm] <= 0 || ansi[tm] <= 0 {
			t.Errorf("%v has no default", tm)
		}
	}
	// Q.764 Annex A ranges for the ITU-T values.
	within := []struct {
		tm     Timer
		lo, hi time.Duration
	}{
		{T1, 15 * time.Second, time.Minute}, {T5, 5 * time.Minute, 15 * time.Minute},
		{T7, 20 * time.Second, 30 * time.Second}, {T8, 10 * time.Second, 15 * time.Second},
		{T10, 4 * time.Second, 6 * time.Second}, {T11, 15 * time.Second, 20 * time.Second},
		{T12, 15 * time.Second, time.Minute}, {T13, 5 * time.Minute, 15 * time.Minute},
		{T16, 15 * time.Second, time.Minute}, {T17, 5 * time.Minute, 15 * time.Minute},
		{T22, 15 * time.Second, time.Minute}, {T23, 5 * time.Minute, 15 * time.Minute},
		{T24, 0, 2*time.Second - 1}, {T25, time.Second, 10 * time.Second}, {T26, time.Minute, 3 * time.Minute},
		{T27, 4 * time.Minute, time.Hour}, {T28, 10 * time.Second, 10 * time.Second},
		{T33, 12 * time.Second, 15 * time.Second}, {T35, 15 * time.Second, 20 * time.Second},
	}
	for _, w := range within {
		if d := itu[w.tm]; d < w.lo || d > w.hi {
			t.Errorf("ITU %v = %v, outside %v–%v", w.tm, d, w.lo, w.hi)
		}
	}
	// T1.113: shorter release and maintenance timers, the rest as ITU-T.
	for _, tm := range []Timer{T1, T12, T14, T16, T18, T20, T22} {
		if ansi[tm] < 4*time.Second || ansi[tm] > 15*time.Second {
			t.Errorf("ANSI %v = %v, outside 4–15 s", tm, ansi[tm])
		}
	}
	for _, tm := range []Timer{T5, T13, T15, T17, T19, T21, T23} {
		if ansi[tm] != time.Minute {
			t.Errorf("ANSI %v = %v, want 1 min", tm, ansi[tm])
		}
	}
	if ansi[T7] != itu[T7] || ansi[T8] != itu[T8] {
		t.Error("ANSI call set-up timers differ from ITU-T")
	}
}

func TestConfigValidate(t *testing.T) {
	good := testConfig(isup.ITU)
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"no point codes", func(c *Config) { c.PeerPC = mtp3.PointCode{} }, "OwnPC, PeerPC"},
		{"equal point codes", func(c *Config) { c.PeerPC = c.OwnPC }, "equal point codes"},
		{"no CICs", func(c *Config) { c.CICs = nil }, "CICs: empty"},
		{"CIC twice", func(c *Config) { c.CICs = []uint16{1, 1} }, "listed twice"},
		{"CIC beyond 12 bits", func(c *Config) { c.CICs = []uint16{4096} }, "exceeds the itu CIC range"},
		{"timer missing", func(c *Config) { c.Timers[T17] = 0 }, "Timers[T17]"},
		{"T9 used without value", func(c *Config) { c.Options.UseT9 = true; c.Timers[T9] = 0 }, "Timers[T9]"},
		{"T35 needed", func(c *Config) { c.Options.MinDigits = 4; c.Timers[T35] = 0 }, "Timers[T35]"},
		{"unknown policy", func(c *Config) { c.Options.Startup = 9 }, "unknown policy"},
	}
	for _, c := range cases {
		cfg := testConfig(isup.ITU)
		c.mod(&cfg)
		err := cfg.Validate()
		if err == nil || !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an ErrConfig about %q", c.name, err, c.want)
		}
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New accepted it", c.name)
		}
	}
	// ANSI CICs have 14 bits.
	cfg := testConfig(isup.ANSI)
	cfg.CICs = []uint16{16383}
	if err := cfg.Validate(); err != nil {
		t.Errorf("ANSI CIC 16383: %v", err)
	}
}

// Every named value has a name.
func TestNames(t *testing.T) {
	check := func(s string) {
		t.Helper()
		if s == "" || strings.Contains(s, "(") {
			t.Errorf("no name: %q", s)
		}
	}
	for tm := T1; tm <= T38; tm++ {
		check(tm.String())
	}
	for k := ActSend; k <= ActState; k++ {
		check(k.String())
	}
	for i := IndSetup; i <= IndRejected; i++ {
		check(i.String())
	}
	for w := WhyNone; w <= WhyUnexpected; w++ {
		check(w.String())
	}
	for a := AlarmRelease; a < numAlarms; a++ {
		check(a.String())
	}
	for k := ReqSetup; k < numRequestKinds; k++ {
		check(k.String())
	}
	for p := PhaseIdle; p <= PhaseInRetest; p++ {
		check(p.String())
	}
	for _, s := range []string{UnexpectedReset.String(), UnexpectedDiscard.String(), StartupGRS.String(),
		StartupRSC.String(), StartupNone.String(), ContinuityUser.String(), ContinuityNone.String(),
		ParamDiscardNotify.String(), ParamDiscard.String(), ParamPass.String()} {
		check(s)
	}
	if Timer(0).String() != "Timer(0)" || Phase(99).String() != "Phase(99)" {
		t.Error("out-of-range values must say so")
	}
	if got := (TimerRef{CIC: 7, Timer: T19, Hardware: true}).String(); got != "T19@7/hw" {
		t.Errorf("TimerRef %q", got)
	}
}

// Status and Statuses give operators since when and why.
func TestStatuses(t *testing.T) {
	e := newEnv(t)
	e.now = epoch.Add(time.Hour)
	e.tr.Request(e.now, Request{Kind: ReqBlock, CIC: 3}, nil)
	all := e.tr.Statuses(nil)
	if len(all) != 8 || all[2].CIC != 3 {
		t.Fatalf("statuses %+v", all)
	}
	if s := all[2]; s.State.String() != "local-maintenance-blocked" || !s.Since.Equal(e.now) || s.Reason != "blocked by the operator" {
		t.Errorf("cic 3: %+v", s)
	}
	if s := all[0]; s.State != 0 || !s.Since.IsZero() || s.Reason != "configured" {
		t.Errorf("cic 1: %+v", s)
	}
	if _, ok := e.tr.Status(99); ok {
		t.Error("status of a CIC not in the trunk")
	}
}
