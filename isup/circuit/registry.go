package circuit

import (
	"iter"
	"strconv"
	"time"
)

// BlockedBits are the four blocking conditions of Q.764 §2.8.2: local and
// remote, maintenance and hardware oriented.
const BlockedBits = LocalMaintBlocked | LocalHWBlocked | RemoteMaintBlocked | RemoteHWBlocked

// Registry holds every circuit's Status for one group, in a slice indexed
// by the circuit's position in the group, so that reading and updating a
// circuit costs a binary search over the group's CICs and allocates
// nothing. The Q.764 machines write it; operators and metrics read it. It
// is not safe for concurrent use: the event loop that owns the group owns it.
type Registry struct {
	g  *Group
	st []Status
}

// NewRegistry returns a registry with every circuit of g idle since now.
func NewRegistry(g *Group, now time.Time) *Registry {
	r := &Registry{g: g, st: make([]Status, len(g.cics))}
	for i, cic := range g.cics {
		r.st[i] = Status{CIC: cic, State: Idle, Since: now}
	}
	return r
}

// Group returns the registry's group.
func (r *Registry) Group() *Group { return r.g }

// Len returns the number of circuits.
func (r *Registry) Len() int { return len(r.st) }

func (r *Registry) unknown(cic uint16) error {
	return &Error{Group: r.g.cfg.Name, Field: "CICs", Err: ErrUnknownCIC, Detail: "CIC " + strconv.Itoa(int(cic))}
}

// Set records that cic is in state s. When s differs from the circuit's
// state, Since becomes now and Reason becomes reason, and changed is true;
// when it is the same, nothing changes, so Since and Reason keep saying when
// and why the circuit entered the state (a repeated BLO does not move
// "blocked since"). It fails only for a CIC outside the group.
func (r *Registry) Set(cic uint16, s State, now time.Time, reason string) (changed bool, err error) {
	i, ok := r.g.positionOf(cic)
	if !ok {
		return false, r.unknown(cic)
	}
	st := &r.st[i]
	if st.State == s {
		return false, nil
	}
	st.State, st.Since, st.Reason = s, now, reason
	return true, nil
}

// Add sets bits on top of cic's state (e.g. RemoteMaintBlocked on a busy
// circuit, Q.764 §2.8.2.1), as Set does.
func (r *Registry) Add(cic uint16, bits State, now time.Time, reason string) (changed bool, err error) {
	st, ok := r.Get(cic)
	if !ok {
		return false, r.unknown(cic)
	}
	return r.Set(cic, st.State|bits, now, reason)
}

// Clear removes bits from cic's state, as Set does.
func (r *Registry) Clear(cic uint16, bits State, now time.Time, reason string) (changed bool, err error) {
	st, ok := r.Get(cic)
	if !ok {
		return false, r.unknown(cic)
	}
	return r.Set(cic, st.State&^bits, now, reason)
}

// Get returns cic's status; ok is false for a CIC outside the group.
func (r *Registry) Get(cic uint16) (Status, bool) {
	i, ok := r.g.positionOf(cic)
	if !ok {
		return Status{}, false
	}
	return r.st[i], true
}

// Available reports whether an outgoing call may seize cic (State.Available);
// false outside the group. The method value r.Available is a ready avail
// function for Selector.Select (form it once: forming it allocates).
func (r *Registry) Available(cic uint16) bool {
	i, ok := r.g.positionOf(cic)
	return ok && r.st[i].State.Available()
}

// All yields every circuit's status in ascending CIC order.
func (r *Registry) All() iter.Seq[Status] {
	return func(yield func(Status) bool) {
		for _, st := range r.st {
			if !yield(st) {
				return
			}
		}
	}
}

// Filter selects statuses for List and Count; nil selects all.
type Filter func(Status) bool

// HasAny selects circuits with any of bits set: HasAny(BlockedBits) is every
// blocked circuit, HasAny(Quarantined) every quarantined one.
func HasAny(bits State) Filter { return func(s Status) bool { return s.State&bits != 0 } }

// Is selects circuits exactly in state s (Is(Idle): the idle ones).
func Is(s State) Filter { return func(st Status) bool { return st.State == s } }

// List appends the statuses keep selects to dst, in ascending CIC order, and
// returns the extended slice (pass a reused dst[:0] to allocate nothing).
func (r *Registry) List(dst []Status, keep Filter) []Status {
	for _, st := range r.st {
		if keep == nil || keep(st) {
			dst = append(dst, st)
		}
	}
	return dst
}

// Count returns how many circuits keep selects.
func (r *Registry) Count(keep Filter) int {
	n := 0
	for _, st := range r.st {
		if keep == nil || keep(st) {
			n++
		}
	}
	return n
}

// Counts is the number of circuits per state condition, for metrics. A
// circuit counts once in Total, in Idle when idle, and once under each
// condition it is in (a busy circuit blocked remotely counts under both).
type Counts struct {
	Total, Idle                       int
	BusyIncoming, BusyOutgoing        int
	LocalMaintBlocked, LocalHWBlocked int
	RemoteMaintBlocked                int
	RemoteHWBlocked                   int
	Resetting, Quarantined            int
	Unequipped                        int
}

func (c *Counts) of(bit State) *int {
	switch bit {
	case BusyIncoming:
		return &c.BusyIncoming
	case BusyOutgoing:
		return &c.BusyOutgoing
	case LocalMaintBlocked:
		return &c.LocalMaintBlocked
	case LocalHWBlocked:
		return &c.LocalHWBlocked
	case RemoteMaintBlocked:
		return &c.RemoteMaintBlocked
	case RemoteHWBlocked:
		return &c.RemoteHWBlocked
	case Resetting:
		return &c.Resetting
	case Quarantined:
		return &c.Quarantined
	case Unequipped:
		return &c.Unequipped
	}
	return nil
}

// Each calls f with "idle" and then each condition's name (State.String's
// names) and count, in a fixed order, for a metrics exporter's labels.
func (c Counts) Each(f func(name string, n int)) {
	f("idle", c.Idle)
	for _, sn := range stateNames {
		f(sn.name, *c.of(sn.bit))
	}
}

// Counts counts the circuits per condition.
func (r *Registry) Counts() Counts {
	c := Counts{Total: len(r.st)}
	for _, st := range r.st {
		if st.State == Idle {
			c.Idle++
			continue
		}
		for _, sn := range stateNames {
			if st.State&sn.bit != 0 {
				*c.of(sn.bit)++
			}
		}
	}
	return c
}

const sinceLayout = "2006-01-02 15:04:05"

func appendSince(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, '-')
	}
	return t.AppendFormat(b, sinceLayout)
}

// AppendTable appends one line per circuit, under a header: CIC, state,
// since when (in the times' own location) and why.
//
//	CIC  STATE                       SINCE                REASON
//	 13  busy-outgoing               2024-05-01 10:02:01  IAM sent
func (r *Registry) AppendTable(b []byte) []byte {
	names := make([]string, len(r.st))
	w := len("STATE")
	for i, st := range r.st {
		names[i] = st.State.String()
		w = max(w, len(names[i]))
	}
	line := func(cic, state, since, reason string) {
		start := len(b)
		b = appendPadLeft(b, cic, 5)
		b = append(b, "  "...)
		b = appendPadRight(b, state, w)
		b = append(b, "  "...)
		b = appendPadRight(b, since, len(sinceLayout))
		b = append(b, "  "...)
		b = append(b, reason...)
		for len(b) > start && b[len(b)-1] == ' ' {
			b = b[:len(b)-1]
		}
		b = append(b, '\n')
	}
	line("CIC", "STATE", "SINCE", "REASON")
	var since []byte
	for i, st := range r.st {
		since = appendSince(since[:0], st.Since)
		line(strconv.Itoa(int(st.CIC)), names[i], string(since), st.Reason)
	}
	return b
}

func appendPadLeft(b []byte, s string, w int) []byte {
	for n := len(s); n < w; n++ {
		b = append(b, ' ')
	}
	return append(b, s...)
}

func appendPadRight(b []byte, s string, w int) []byte {
	b = append(b, s...)
	for n := len(s); n < w; n++ {
		b = append(b, ' ')
	}
	return b
}

// Table is AppendTable as a string.
func (r *Registry) Table() string { return string(r.AppendTable(nil)) }

// noteworthy reports a state an operator must be told why about: anything
// beyond plain idle or busy.
func noteworthy(s State) bool { return s&^(BusyIncoming|BusyOutgoing) != 0 }

// AppendSummary appends one line that groups consecutive CICs in the same
// state: "1-12 idle, 13 busy-outgoing, 14-31 remote-maintenance-blocked
// (BLO received 10:02:03)". Blocked, resetting, quarantined and unequipped
// runs also share their reason and since, which the summary shows (time of
// day when it is now's date, else date and time). A gap in the CIC
// numbering ends a run, so that a missing CIC is never implied.
func (r *Registry) AppendSummary(b []byte, now time.Time) []byte {
	for i := 0; i < len(r.st); {
		first := r.st[i]
		j := i + 1
		for j < len(r.st) && r.st[j].CIC == r.st[j-1].CIC+1 && sameRun(first, r.st[j]) {
			j++
		}
		if i > 0 {
			b = append(b, ", "...)
		}
		b = Range{first.CIC, r.st[j-1].CIC}.appendTo(b)
		b = append(b, ' ')
		b = append(b, first.State.String()...)
		if noteworthy(first.State) {
			b = append(b, " ("...)
			if first.Reason != "" {
				b = append(b, first.Reason...)
			} else {
				b = append(b, "since"...)
			}
			b = append(b, ' ')
			b = appendShortTime(b, first.Since, now)
			b = append(b, ')')
		}
		i = j
	}
	return b
}

func sameRun(a, b Status) bool {
	if a.State != b.State {
		return false
	}
	return !noteworthy(a.State) || (a.Reason == b.Reason && a.Since.Equal(b.Since))
}

func appendShortTime(b []byte, t, now time.Time) []byte {
	if t.IsZero() {
		return append(b, '-')
	}
	if !now.IsZero() {
		y1, m1, d1 := t.Date()
		y2, m2, d2 := now.In(t.Location()).Date()
		if y1 == y2 && m1 == m2 && d1 == d2 {
			return t.AppendFormat(b, "15:04:05")
		}
	}
	return t.AppendFormat(b, sinceLayout)
}

// Summary is AppendSummary as a string.
func (r *Registry) Summary(now time.Time) string { return string(r.AppendSummary(nil, now)) }
