// Package route is the MTP3 routing of a signalling point that reaches
// the SS7 network over SIGTRAN: routes by destination point code with
// priorities over linksets (here an application server: one or more
// associations), their availability from the linksets' state and from what
// the network reports per destination (M3UA SSNM), the SLS of a call
// chosen from its CIC, and the SCTP stream of an SLS.
//
// It is pure (no I/O, no goroutines) and imports no network code; the
// M3UA stack feeds it and reads it.
package route

import (
	"errors"
	"fmt"
	"sort"
	"strconv"

	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// Availability of a destination through one linkset, as the network
// reports it (TFA/TFR/TFP in MTP3, DAVA/DRST/DUNA in M3UA).
type Availability uint8

const (
	Available Availability = iota
	Restricted
	Unavailable
)

func (a Availability) String() string {
	switch a {
	case Available:
		return "available"
	case Restricted:
		return "restricted"
	case Unavailable:
		return "unavailable"
	}
	return "Availability(" + strconv.Itoa(int(a)) + ")"
}

// Reach tells what a linkset's far end reports about a destination.
type Reach interface {
	Reach(dpc uint32) Availability
}

// Route sends traffic for DPC (or, with Default, for any DPC without a
// route of its own) over a linkset. Lower Priority values are preferred;
// routes of equal priority share the traffic by SLS.
type Route struct {
	DPC      mtp3.PointCode
	Default  bool
	Linkset  string
	Priority int
}

// Errors of the table.
var (
	ErrNoRoute        = errors.New("route: no route to the destination")
	ErrUnknownLinkset = errors.New("route: unknown linkset")
	ErrFormat         = errors.New("route: point code of another format")
)

type linkset struct {
	name  string
	up    bool
	reach Reach
}

// Table holds the routes and linksets of one signalling point. Not safe
// for concurrent use.
type Table struct {
	format   mtp3.Format
	linksets map[string]*linkset
	routes   map[uint32][]*entry
	def      []*entry
	scratch  []*entry
}

type entry struct {
	ls       *linkset
	priority int
}

// New returns a table for point codes of format f over the named
// linksets, all down.
func New(f mtp3.Format, linksets ...string) *Table {
	t := &Table{format: f, linksets: map[string]*linkset{}, routes: map[uint32][]*entry{}}
	for _, n := range linksets {
		t.linksets[n] = &linkset{name: n}
	}
	return t
}

// Add adds a route.
func (t *Table) Add(r Route) error {
	ls := t.linksets[r.Linkset]
	if ls == nil {
		return fmt.Errorf("%w %q", ErrUnknownLinkset, r.Linkset)
	}
	e := &entry{ls: ls, priority: r.Priority}
	if r.Default {
		t.def = insert(t.def, e)
		return nil
	}
	if r.DPC.Format() != t.format {
		return fmt.Errorf("%w: DPC %v is %v, the table %v", ErrFormat, r.DPC, r.DPC.Format(), t.format)
	}
	t.routes[r.DPC.Uint32()] = insert(t.routes[r.DPC.Uint32()], e)
	return nil
}

func insert(es []*entry, e *entry) []*entry {
	es = append(es, e)
	sort.SliceStable(es, func(i, j int) bool { return es[i].priority < es[j].priority })
	return es
}

// SetLinkset records whether a linkset carries traffic (its AS is active)
// and what its far end reports of destinations (nil: all available).
func (t *Table) SetLinkset(name string, up bool, r Reach) error {
	ls := t.linksets[name]
	if ls == nil {
		return fmt.Errorf("%w %q", ErrUnknownLinkset, name)
	}
	ls.up, ls.reach = up, r
	return nil
}

func (e *entry) avail(dpc uint32) Availability {
	if !e.ls.up {
		return Unavailable
	}
	if e.ls.reach == nil {
		return Available
	}
	return e.ls.reach.Reach(dpc)
}

// Select returns the linkset for traffic to dpc with link selector sls:
// the most preferred priority with an available route; restricted routes
// only when no route is available (Q.704 §8: traffic leaves a restricted
// route for an alternative); several at the same priority share by SLS.
func (t *Table) Select(dpc uint32, sls uint8) (string, error) {
	es := t.routes[dpc]
	if len(es) == 0 {
		es = t.def
	}
	for _, want := range [...]Availability{Available, Restricted} {
		// Priority by priority, the first that has usable routes.
		c := t.scratch[:0]
		for i := 0; i < len(es) && len(c) == 0; {
			j := i
			for ; j < len(es) && es[j].priority == es[i].priority; j++ {
				if es[j].avail(dpc) == want {
					c = append(c, es[j])
				}
			}
			i = j
		}
		t.scratch = c
		if len(c) > 0 {
			return c[int(sls)%len(c)].ls.name, nil
		}
	}
	return "", ErrNoRoute
}

// Status is a destination's state for operations.
type Status struct {
	DPC       mtp3.PointCode
	Available Availability // the best over its routes
	Linksets  []string     // those it can use now, most preferred first
}

// Destinations returns the state of every destination with a route of its
// own, by point code.
func (t *Table) Destinations() []Status {
	var out []Status
	for dpc, es := range t.routes {
		s := Status{DPC: mtp3.MustPointCode(t.format, dpc), Available: Unavailable}
		for _, e := range es {
			if a := e.avail(dpc); a != Unavailable {
				s.Linksets = append(s.Linksets, e.ls.name)
				if a < s.Available {
					s.Available = a
				}
			}
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].DPC.Uint32() < out[j].DPC.Uint32() })
	return out
}

// Known returns the destination point codes with a route of their own.
func (t *Table) Known() []uint32 {
	out := make([]uint32, 0, len(t.routes))
	for dpc := range t.routes {
		out = append(out, dpc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// SLS returns the signalling link selection of a call on circuit cic, so
// that all of a call's messages take one SLS, one stream and arrive in
// order: Q.704 §2.2.5 has ITU ISUP use the CIC's four low bits; ANSI
// (T1.111.4) the low 5 or 8 bits as the label's SLS field allows.
func SLS(f mtp3.Format, sls5 bool, cic uint16) uint8 {
	switch {
	case f == mtp3.ANSI && !sls5:
		return uint8(cic)
	case f == mtp3.ANSI:
		return uint8(cic) & 0x1f
	}
	return uint8(cic) & 0x0f
}

// Stream returns the SCTP stream for DATA with link selector sls on an
// association with outStreams outbound streams: 1 + sls mod
// (outStreams-1), keeping stream 0 for management (RFC 4666 §1.4.7;
// osmo-stp refuses DATA on stream 0). With a single stream, 0 is all there
// is.
func Stream(sls uint8, outStreams uint16) uint16 {
	if outStreams < 2 {
		return 0
	}
	return 1 + uint16(sls)%(outStreams-1)
}
