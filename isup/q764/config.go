package q764

import (
	"errors"
	"strconv"
	"time"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/circuit"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// Config describes one trunk: the circuits between this exchange and one
// peer exchange, all coded to one ISUP variant.
type Config struct {
	Variant isup.Variant
	// OwnPC and PeerPC decide dual seizure: the exchange with the higher
	// point code controls the even-numbered circuits (Q.764 §2.9.1.4).
	OwnPC, PeerPC mtp3.PointCode
	// Control is the dual-seizure rule; the zero value is Q.764's (see
	// circuit.Control for the bilateral variants).
	Control circuit.Control
	// CICs lists the circuits of the trunk, each once.
	CICs []uint16
	// Timers holds the timer values; see DefaultTimers.
	Timers Timers
	// Selector picks the circuit for a setup request that asks for any
	// circuit (Request.Select); nil picks the lowest available CIC.
	Selector Selector
	Options  Options
}

// Selector chooses a circuit for an outgoing call among those for which
// avail reports true. The circuit package's selection strategies fit it
// (circuit.NewSelector); a Selector that also has their Seized and
// Released methods is told when this exchange seizes a circuit for an
// outgoing call and when a circuit becomes idle again.
type Selector interface {
	Select(avail func(cic uint16) bool) (uint16, bool)
}

type selectorHooks interface {
	Seized(cic uint16, now time.Time)
	Released(cic uint16, now time.Time)
}

// ConfigOf returns the configuration of a trunk over circuit group g: its
// variant, point codes, CICs, dual-seizure rule and selection strategy,
// with the variant's default timers and options.
func ConfigOf(g *circuit.Group) Config {
	cfg := Config{
		Variant: isup.Variant(g.Variant()),
		OwnPC:   g.OwnPC(),
		PeerPC:  g.PeerPC(),
		Control: g.ControlRule(),
		Timers:  DefaultTimers(isup.Variant(g.Variant())),
		Options: DefaultOptions(isup.Variant(g.Variant())),
	}
	for cic := range g.CICs() {
		cfg.CICs = append(cfg.CICs, cic)
	}
	cfg.Selector = circuit.NewSelector(g)
	return cfg
}

// Options are the places where Q.764 leaves a choice to the exchange (or
// the network operator), plus the exchange's own policies.
type Options struct {
	// Unexpected is what to do with a message that is unexpected in the
	// circuit's state (Q.764 §2.9.5.1 c).
	Unexpected UnexpectedPolicy
	// Startup is the reset sent by a start-up request.
	Startup StartupPolicy
	// UseT9 runs T9 (answer awaited after ACM): Q.764 wants it at the
	// national controlling or outgoing international exchange only.
	UseT9 bool
	// UseT10 runs T10 on incoming overlap calls in interworking: when no
	// further digit arrives within T10 the address is taken as complete
	// and an ACM is sent.
	UseT10 bool
	// UseT11 runs T11 on incoming calls in interworking: an ACM is sent
	// T11 after the latest address message unless the user has sent one.
	UseT11 bool
	// UseT38 runs T38 when the user suspends a call with SUS (network), as
	// the incoming international exchange does.
	UseT38 bool
	// MinDigits is the minimum number of address digits of an incoming
	// call; with MinDigits > 0, T35 supervises their arrival (Q.764 §2.2.5).
	MinDigits int
	// Continuity says whether the call user can attach check-tone
	// transceivers and loops (Q.764 §2.1.8).
	Continuity ContinuityMode
	// NoReattemptOnDualSeizure releases the losing call to the user with
	// cause 34 instead of asking for an automatic repeat attempt.
	NoReattemptOnDualSeizure bool
	// PassOn makes this a type B exchange for Q.764 §2.9.5.3: unrecognized
	// messages and parameters whose instructions say "pass on" are given
	// to the call user (which may tunnel them, e.g. in SIP-I) instead of
	// following the "pass on not possible" instruction.
	PassOn bool
	// ParamNoInstructions is what to do with an unrecognized parameter
	// that parameter compatibility information does not cover.
	ParamNoInstructions ParamPolicy
	// NoUCIC disables sending UCIC for messages on CICs not in the trunk
	// (UCIC is a national option in Q.764 §2.12).
	NoUCIC bool
	// QuarantineAfter is the number of T17 (or T23) expiries after which a
	// circuit whose reset is never answered is quarantined; 0 means 3.
	QuarantineAfter int
}

// DefaultOptions returns the options for variant v: Q.764's text where it
// prescribes, and for the choices: reset on unexpected messages, GRS at
// start-up, T9 for ITU-T (the gateway is a controlling exchange), T11 on.
func DefaultOptions(v isup.Variant) Options {
	return Options{
		Unexpected:      UnexpectedReset,
		Startup:         StartupGRS,
		UseT9:           v == isup.ITU,
		UseT11:          true,
		QuarantineAfter: 3,
	}
}

// DefaultConfig returns a configuration for variant v with default timers
// and options; the point codes and CICs remain to be filled in.
func DefaultConfig(v isup.Variant) Config {
	return Config{Variant: v, Timers: DefaultTimers(v), Options: DefaultOptions(v)}
}

// UnexpectedPolicy is the action on an unexpected message.
type UnexpectedPolicy uint8

const (
	// UnexpectedReset follows Q.764 §2.9.5.1 c): on an idle circuit, or a
	// call before its first backward message, send RSC; after it, discard.
	UnexpectedReset UnexpectedPolicy = iota
	// UnexpectedDiscard only discards (for peers known to send stray
	// messages); REL and RLC keep their own rules.
	UnexpectedDiscard
)

func (p UnexpectedPolicy) String() string {
	switch p {
	case UnexpectedReset:
		return "reset"
	case UnexpectedDiscard:
		return "discard"
	}
	return "UnexpectedPolicy(" + strconv.Itoa(int(p)) + ")"
}

// StartupPolicy is the reset a start-up request sends.
type StartupPolicy uint8

const (
	// StartupGRS sends GRS over every run of consecutive CICs (at most 32
	// circuits each), RSC for a circuit without neighbours.
	StartupGRS StartupPolicy = iota
	// StartupRSC sends RSC on every circuit.
	StartupRSC
	// StartupNone sends nothing: circuits start idle.
	StartupNone
)

func (p StartupPolicy) String() string {
	switch p {
	case StartupGRS:
		return "grs"
	case StartupRSC:
		return "rsc"
	case StartupNone:
		return "none"
	}
	return "StartupPolicy(" + strconv.Itoa(int(p)) + ")"
}

// ContinuityMode says who performs continuity checks.
type ContinuityMode uint8

const (
	// ContinuityUser: the call user attaches check-tone transceivers and
	// loops when told to (IndCheckTone, IndLoop) and reports results.
	ContinuityUser ContinuityMode = iota
	// ContinuityNone: no bearer access (e.g. virtual circuits): incoming
	// checks are not looped (the far end's T24 decides), and outgoing
	// setups asking for a check on this circuit are refused.
	ContinuityNone
)

func (m ContinuityMode) String() string {
	switch m {
	case ContinuityUser:
		return "user"
	case ContinuityNone:
		return "none"
	}
	return "ContinuityMode(" + strconv.Itoa(int(m)) + ")"
}

// ParamPolicy is the handling of an unrecognized parameter that carries no
// instructions.
type ParamPolicy uint8

const (
	// ParamDiscardNotify discards the parameter and sends CFN (cause 99).
	ParamDiscardNotify ParamPolicy = iota
	// ParamDiscard discards the parameter silently.
	ParamDiscard
	// ParamPass keeps the parameter for the call user.
	ParamPass
)

func (p ParamPolicy) String() string {
	switch p {
	case ParamDiscardNotify:
		return "discard-notify"
	case ParamDiscard:
		return "discard"
	case ParamPass:
		return "pass"
	}
	return "ParamPolicy(" + strconv.Itoa(int(p)) + ")"
}

// Timers every configuration must give a positive value, because the
// procedures here always run them.
var requiredTimers = [...]Timer{T1, T2, T5, T6, T7, T8, T12, T13, T14, T15, T16, T17,
	T18, T19, T20, T21, T22, T23, T24, T25, T26, T27, T28, T33, T36}

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("q764: invalid configuration")

func cfgErr(s string) error { return &configError{s} }

type configError struct{ s string }

func (e *configError) Error() string { return ErrConfig.Error() + ": " + e.s }
func (e *configError) Unwrap() error { return ErrConfig }

// Validate checks c and says which field is wrong.
func (c *Config) Validate() error {
	if c.Variant > isup.ANSI {
		return cfgErr("Variant: " + c.Variant.String())
	}
	if !c.OwnPC.IsValid() || !c.PeerPC.IsValid() {
		return cfgErr("OwnPC, PeerPC: both point codes are needed (dual seizure control)")
	}
	if c.OwnPC.Uint32() == c.PeerPC.Uint32() {
		return cfgErr("OwnPC, PeerPC: equal point codes (" + c.OwnPC.String() + ") leave dual seizure undecided")
	}
	if len(c.CICs) == 0 {
		return cfgErr("CICs: empty")
	}
	mask := c.Variant.CICMask()
	seen := make(map[uint16]bool, len(c.CICs))
	for _, cic := range c.CICs {
		if cic&^mask != 0 {
			return cfgErr("CICs: " + strconv.Itoa(int(cic)) + " exceeds the " + c.Variant.String() + " CIC range")
		}
		if seen[cic] {
			return cfgErr("CICs: " + strconv.Itoa(int(cic)) + " listed twice")
		}
		seen[cic] = true
	}
	for _, t := range requiredTimers {
		if c.Timers[t] <= 0 {
			return cfgErr("Timers[" + t.String() + "]: must be positive")
		}
	}
	o := &c.Options
	if o.UseT9 && c.Timers[T9] <= 0 {
		return cfgErr("Timers[T9]: must be positive with UseT9")
	}
	if o.UseT10 && c.Timers[T10] <= 0 {
		return cfgErr("Timers[T10]: must be positive with UseT10")
	}
	if o.UseT11 && c.Timers[T11] <= 0 {
		return cfgErr("Timers[T11]: must be positive with UseT11")
	}
	if o.UseT38 && c.Timers[T38] <= 0 {
		return cfgErr("Timers[T38]: must be positive with UseT38")
	}
	if o.MinDigits > 0 && c.Timers[T35] <= 0 {
		return cfgErr("Timers[T35]: must be positive with MinDigits")
	}
	if o.MinDigits < 0 {
		return cfgErr("Options.MinDigits: negative")
	}
	if o.QuarantineAfter < 0 {
		return cfgErr("Options.QuarantineAfter: negative")
	}
	if o.Unexpected > UnexpectedDiscard || o.Startup > StartupNone || o.Continuity > ContinuityNone || o.ParamNoInstructions > ParamPass {
		return cfgErr("Options: unknown policy value")
	}
	return nil
}
