package span

import (
	"strconv"
	"time"

	"github.com/sipgw/sipgw/isup/q764"
)

// MonitorConfig tunes the alarm monitor.
type MonitorConfig struct {
	// Blocking is the set of conditions that take a span's circuits out of
	// service; DefaultBlocking when zero.
	Blocking Alarms
	// ClearHold is how long a span must stay free of blocking conditions
	// before its circuits are unblocked, so that a flapping line does not
	// send a CGB/CGU pair per flap (Q.764 leaves the filtering to the
	// exchange; G.775 defect clearing is typically ~10 s on real cards,
	// which also keep DAHDI's "recovering" alarm meanwhile). 0: at once.
	ClearHold time.Duration
}

// DefaultBlocking: every defect that makes the bearers unusable in either
// direction. RAI blocks too: the far end is not receiving this side, so a
// call on the span would be one-way (Q.764 §2.8.2 hardware failure).
const DefaultBlocking = LOS | LOF | AIS | RAI | Loopback | NotOpen | Recover | Down

// ActionKind is what the monitor asks of a trunk.
type ActionKind uint8

const (
	HardwareBlock   ActionKind = iota + 1 // feed Request (ReqBlock, Hardware) to the trunk's Q.764 machine
	HardwareUnblock                       // feed Request (ReqUnblock, Hardware)
)

func (k ActionKind) String() string {
	switch k {
	case HardwareBlock:
		return "hardware-block"
	case HardwareUnblock:
		return "hardware-unblock"
	}
	return "ActionKind(" + strconv.Itoa(int(k)) + ")"
}

// Action is one request for one trunk: the caller hands Request to that
// trunk's q764 driver (driver.Request(now, a.Request)), on the trunk's own
// event loop. Span and Alarms say why, for logs and metrics.
type Action struct {
	Kind    ActionKind
	Trunk   string
	Request q764.Request
	Span    string
	Alarms  Alarms
}

func (a Action) String() string {
	s := a.Kind.String() + " " + a.Trunk + " CIC " + strconv.Itoa(int(a.Request.CIC))
	if a.Request.Range > 0 {
		s += " range " + strconv.Itoa(int(a.Request.Range)) + " status 0x" + strconv.FormatUint(uint64(a.Request.Status), 16)
	}
	return s + " (span " + a.Span + ": " + a.Alarms.String() + ")"
}

// Monitor turns span alarm reports into hardware blocking and unblocking
// of the circuits each span carries. It is a pure state machine: reports
// and the passage of time go in, actions come out; it keeps per span
// whether its circuits are blocked and when a pending unblock is due.
type Monitor struct {
	m     *Map
	cfg   MonitorConfig
	state map[string]*spanState
}

type spanState struct {
	alarms  Alarms
	blocked bool
	clearAt time.Time // pending unblock; zero when none
}

// NewMonitor returns a monitor over the spans of m. Every span starts
// clear and unblocked (the Q.764 trunks start that way too); the first
// report of an alarm blocks.
func NewMonitor(m *Map, cfg MonitorConfig) *Monitor {
	if cfg.Blocking == 0 {
		cfg.Blocking = DefaultBlocking
	}
	mo := &Monitor{m: m, cfg: cfg, state: map[string]*spanState{}}
	for _, s := range m.Spans() {
		mo.state[s.Name] = &spanState{}
	}
	return mo
}

// Alarms returns the last conditions reported for a span.
func (mo *Monitor) Alarms(span string) Alarms {
	if st := mo.state[span]; st != nil {
		return st.alarms
	}
	return 0
}

// Blocked reports whether the monitor holds a span's circuits blocked.
func (mo *Monitor) Blocked(span string) bool {
	st := mo.state[span]
	return st != nil && st.blocked
}

// Update reports the current conditions of a span (the whole set, as a
// backend reads it: DAHDI_SPANSTAT) and appends the resulting actions.
// Reports that change nothing append nothing; an unknown span is ignored
// (false).
func (mo *Monitor) Update(now time.Time, span string, a Alarms, dst []Action) ([]Action, bool) {
	st := mo.state[span]
	if st == nil {
		return dst, false
	}
	st.alarms = a
	bad := a&mo.cfg.Blocking != 0
	switch {
	case bad:
		st.clearAt = time.Time{}
		if !st.blocked {
			st.blocked = true
			dst = mo.requests(dst, HardwareBlock, span, a)
		}
	case st.blocked && st.clearAt.IsZero():
		st.clearAt = now.Add(mo.cfg.ClearHold)
		dst = mo.Expire(now, dst)
	}
	return dst, true
}

// Expire unblocks the spans whose clear hold has run out by now.
func (mo *Monitor) Expire(now time.Time, dst []Action) []Action {
	for _, s := range mo.m.Spans() {
		st := mo.state[s.Name]
		if st.blocked && !st.clearAt.IsZero() && !now.Before(st.clearAt) {
			st.blocked, st.clearAt = false, time.Time{}
			dst = mo.requests(dst, HardwareUnblock, s.Name, st.alarms)
		}
	}
	return dst
}

// Next returns the earliest pending unblock, for the caller's timer.
func (mo *Monitor) Next() (time.Time, bool) {
	var t time.Time
	for _, st := range mo.state {
		if st.blocked && !st.clearAt.IsZero() && (t.IsZero() || st.clearAt.Before(t)) {
			t = st.clearAt
		}
	}
	return t, !t.IsZero()
}

// requests appends the Q.764 requests covering every circuit of a span,
// per trunk: circuits whose CICs lie within 32 of the first of a run go in
// one hardware-oriented group request (CGB/CGU, Q.763 §3.43: range 1–31,
// one status bit per CIC from the base, so an E1's 30 circuits with the
// TS16 gap are one message); a lone circuit is a request without range,
// which the Q.764 machine sends as a two-circuit range with one status
// bit (range 0 is reserved in CGB/CGU).
func (mo *Monitor) requests(dst []Action, kind ActionKind, span string, a Alarms) []Action {
	rk := q764.ReqBlock
	if kind == HardwareUnblock {
		rk = q764.ReqUnblock
	}
	refs := mo.m.Circuits(span) // sorted by trunk, then CIC
	for i := 0; i < len(refs); {
		base := refs[i]
		req := q764.Request{Kind: rk, CIC: base.CIC, Hardware: true}
		j := i
		for ; j < len(refs) && refs[j].Trunk == base.Trunk && refs[j].CIC-base.CIC <= 31; j++ {
			off := refs[j].CIC - base.CIC
			req.Status |= 1 << off
			req.Range = uint8(off)
		}
		if req.Range == 0 {
			req.Status = 0
		}
		dst = append(dst, Action{Kind: kind, Trunk: base.Trunk, Request: req, Span: span, Alarms: a})
		i = j
	}
	return dst
}
