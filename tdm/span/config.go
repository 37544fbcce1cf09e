package span

import (
	"errors"
	"slices"
	"strconv"

	"github.com/sipgw/sipgw/isup/circuit"
	"github.com/sipgw/sipgw/tdm/g711"
)

// Config describes one span: what it is, where the backend finds it, which
// timeslots carry signalling and which carry the circuits of which trunk.
// It is written to be embedded in the gateway's YAML configuration:
//
//	spans:
//	  - name: e1-a
//	    type: e1
//	    backend: dahdi
//	    dahdi: {span: 1, first_channel: 1}
//	    signalling: [16]
//	    circuits:
//	      - {trunk: pstn, timeslots: "1-15,17-31", cics: "1-15,17-31"}
type Config struct {
	Name    string   `yaml:"name"`
	Type    Kind     `yaml:"type"`
	Law     g711.Law `yaml:"law,omitempty"`     // the type's law when zero
	Backend Backend  `yaml:"backend,omitempty"` // dahdi when zero
	DAHDI   DAHDI    `yaml:"dahdi,omitempty"`
	// Signalling lists the timeslots run in HDLC mode for MTP2 links.
	Signalling []int `yaml:"signalling,omitempty"`
	// Circuits maps voice timeslots to CICs, trunk by trunk.
	Circuits []Circuits `yaml:"circuits,omitempty"`
}

// Backend names the driver of a span.
type Backend uint8

const (
	BackendDAHDI Backend = iota // a DAHDI card (tdm/dahdi)
	BackendSoft                 // a software span (tdm/softspan), for tests and labs
)

func (b Backend) String() string {
	switch b {
	case BackendDAHDI:
		return "dahdi"
	case BackendSoft:
		return "soft"
	}
	return "Backend(" + strconv.Itoa(int(b)) + ")"
}

// MarshalText writes "dahdi" or "soft".
func (b Backend) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// UnmarshalText reads "dahdi" or "soft".
func (b *Backend) UnmarshalText(t []byte) error {
	switch string(t) {
	case "dahdi":
		*b = BackendDAHDI
	case "soft":
		*b = BackendSoft
	default:
		return errors.New("backend " + strconv.Quote(string(t)) + ": want dahdi or soft")
	}
	return nil
}

// DAHDI locates a span on a DAHDI system: its span number (as
// /etc/dahdi/system.conf and dahdi_scan number them) and the DAHDI channel
// number of its timeslot 1; timeslot n is channel FirstChannel+n−1.
type DAHDI struct {
	Span         int `yaml:"span"`
	FirstChannel int `yaml:"first_channel"`
}

// Circuits pairs timeslots with CICs of one trunk, in order: the i-th
// timeslot of Timeslots carries the i-th CIC of CICs.
type Circuits struct {
	Trunk     string         `yaml:"trunk"`
	Timeslots circuit.Ranges `yaml:"timeslots"`
	CICs      circuit.Ranges `yaml:"cics"`
}

// Error names the configuration field that is wrong ("spans[1].circuits[0].cics")
// and why; Err is one of the sentinels below (errors.Is).
type Error struct {
	Field  string
	Err    error
	Detail string
}

func (e *Error) Error() string {
	s := "span: "
	if e.Field != "" {
		s += e.Field + ": "
	}
	s += e.Err.Error()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Sentinel causes of *Error.
var (
	ErrMissing   = errors.New("missing")
	ErrRange     = errors.New("out of range")
	ErrDuplicate = errors.New("used twice")
	ErrMismatch  = errors.New("counts differ")
)

// Slot names a timeslot of a span.
type Slot struct {
	Span     string
	Timeslot int
}

func (s Slot) String() string { return s.Span + "/" + strconv.Itoa(s.Timeslot) }

// CircuitRef names a circuit of a trunk.
type CircuitRef struct {
	Trunk string
	CIC   uint16
}

func (c CircuitRef) String() string { return c.Trunk + ":" + strconv.Itoa(int(c.CIC)) }

// Map is the validated configuration: spans by name, and the two-way
// mapping between timeslots and circuits.
type Map struct {
	spans   []Config
	byName  map[string]int
	circ    map[Slot]CircuitRef
	slot    map[CircuitRef]Slot
	onSpan  map[string][]CircuitRef // per span, sorted by trunk then CIC
	sigOnly map[Slot]bool
}

// Build validates spans and returns their Map. Every problem found is
// reported (errors.Join of *Error). Defaults are filled in the returned
// Map's copies (Law from Type, DAHDI.FirstChannel 1 for span 1).
func Build(spans []Config) (*Map, error) {
	m := &Map{byName: map[string]int{}, circ: map[Slot]CircuitRef{}, slot: map[CircuitRef]Slot{},
		onSpan: map[string][]CircuitRef{}, sigOnly: map[Slot]bool{}}
	var errs []error
	bad := func(field string, err error, detail string) {
		errs = append(errs, &Error{Field: field, Err: err, Detail: detail})
	}
	dahdiChans := map[int]string{}
	dahdiSpans := map[int]string{}
	for i, c := range spans {
		f := "spans[" + strconv.Itoa(i) + "]"
		if c.Name == "" {
			bad(f+".name", ErrMissing, "every span needs a name")
		} else if _, dup := m.byName[c.Name]; dup {
			bad(f+".name", ErrDuplicate, strconv.Quote(c.Name))
		}
		if c.Type != E1 && c.Type != T1 {
			bad(f+".type", ErrMissing, "e1 or t1")
			continue
		}
		if c.Law == 0 {
			c.Law = c.Type.Law()
		}
		if !c.Law.Valid() {
			bad(f+".law", ErrRange, c.Law.String())
		}
		top := c.Type.Timeslots()
		if c.Backend == BackendDAHDI {
			if c.DAHDI.FirstChannel == 0 && c.DAHDI.Span == 1 {
				c.DAHDI.FirstChannel = 1
			}
			switch {
			case c.DAHDI.Span < 1:
				bad(f+".dahdi.span", ErrMissing, "the DAHDI span number (1…)")
			case dahdiSpans[c.DAHDI.Span] != "":
				bad(f+".dahdi.span", ErrDuplicate, "DAHDI span "+strconv.Itoa(c.DAHDI.Span)+" is also "+dahdiSpans[c.DAHDI.Span])
			case c.DAHDI.FirstChannel < 1:
				bad(f+".dahdi.first_channel", ErrMissing, "the DAHDI channel number of timeslot 1 (required beyond span 1)")
			default:
				dahdiSpans[c.DAHDI.Span] = f
				for ts := 1; ts <= top; ts++ {
					ch := c.DAHDI.FirstChannel + ts - 1
					if other, dup := dahdiChans[ch]; dup {
						bad(f+".dahdi.first_channel", ErrDuplicate, "DAHDI channel "+strconv.Itoa(ch)+" also belongs to span "+strconv.Quote(other))
						break
					}
					dahdiChans[ch] = c.Name
				}
			}
		}
		used := map[int]string{}
		for j, ts := range c.Signalling {
			sf := f + ".signalling[" + strconv.Itoa(j) + "]"
			if ts < 1 || ts > top {
				bad(sf, ErrRange, "timeslot "+strconv.Itoa(ts)+" outside 1–"+strconv.Itoa(top)+" of an "+c.Type.String())
				continue
			}
			if _, dup := used[ts]; dup {
				bad(sf, ErrDuplicate, "timeslot "+strconv.Itoa(ts))
				continue
			}
			used[ts] = sf
			m.sigOnly[Slot{c.Name, ts}] = true
		}
		for j, cm := range c.Circuits {
			cf := f + ".circuits[" + strconv.Itoa(j) + "]"
			if cm.Trunk == "" {
				bad(cf+".trunk", ErrMissing, "the ISUP trunk whose circuits these are")
			}
			if cm.Timeslots.Len() == 0 {
				bad(cf+".timeslots", ErrMissing, "")
				continue
			}
			if cm.Timeslots.Len() != cm.CICs.Len() {
				bad(cf+".cics", ErrMismatch, strconv.Itoa(cm.Timeslots.Len())+" timeslots, "+strconv.Itoa(cm.CICs.Len())+" CICs")
				continue
			}
			cics := expand(cm.CICs)
			for k, ts := range expand(cm.Timeslots) {
				ts := int(ts)
				if ts < 1 || ts > top {
					bad(cf+".timeslots", ErrRange, "timeslot "+strconv.Itoa(ts)+" outside 1–"+strconv.Itoa(top)+" of an "+c.Type.String())
					continue
				}
				if prev, dup := used[ts]; dup {
					bad(cf+".timeslots", ErrDuplicate, "timeslot "+strconv.Itoa(ts)+" is already in "+prev)
					continue
				}
				used[ts] = cf
				ref, slot := CircuitRef{cm.Trunk, cics[k]}, Slot{c.Name, ts}
				if prev, dup := m.slot[ref]; dup {
					bad(cf+".cics", ErrDuplicate, ref.String()+" is already on "+prev.String())
					continue
				}
				m.slot[ref], m.circ[slot] = slot, ref
				m.onSpan[c.Name] = append(m.onSpan[c.Name], ref)
			}
		}
		slices.SortFunc(m.onSpan[c.Name], cmpRef)
		if c.Name != "" {
			if _, dup := m.byName[c.Name]; !dup {
				m.byName[c.Name] = len(m.spans)
				m.spans = append(m.spans, c)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return m, nil
}

func cmpRef(a, b CircuitRef) int {
	if a.Trunk != b.Trunk {
		if a.Trunk < b.Trunk {
			return -1
		}
		return 1
	}
	return int(a.CIC) - int(b.CIC)
}

func expand(rs circuit.Ranges) []uint16 {
	out := make([]uint16, 0, rs.Len())
	for _, r := range rs {
		for v := int(r.First); v <= int(r.Last); v++ {
			out = append(out, uint16(v))
		}
	}
	return out
}

// Spans returns the configured spans with their defaults filled in.
func (m *Map) Spans() []Config { return m.spans }

// Span returns the span named name.
func (m *Map) Span(name string) (Config, bool) {
	i, ok := m.byName[name]
	if !ok {
		return Config{}, false
	}
	return m.spans[i], true
}

// Circuit returns the circuit a voice timeslot carries.
func (m *Map) Circuit(s Slot) (CircuitRef, bool) {
	c, ok := m.circ[s]
	return c, ok
}

// Slot returns the timeslot that carries a circuit.
func (m *Map) Slot(c CircuitRef) (Slot, bool) {
	s, ok := m.slot[c]
	return s, ok
}

// Law returns the companding law of the span that carries c.
func (m *Map) Law(c CircuitRef) (g711.Law, bool) {
	s, ok := m.slot[c]
	if !ok {
		return 0, false
	}
	return m.spans[m.byName[s.Span]].Law, true
}

// Circuits returns the circuits a span carries, sorted by trunk and CIC.
func (m *Map) Circuits(span string) []CircuitRef { return m.onSpan[span] }

// Signalling reports whether a timeslot is configured for signalling.
func (m *Map) Signalling(s Slot) bool { return m.sigOnly[s] }

// TrunkCICs returns the CICs of trunk that sit on local spans, sorted, as
// ranges: the gateway checks them against the trunk's configured CICs.
func (m *Map) TrunkCICs(trunk string) circuit.Ranges {
	var cics []uint16
	for ref := range m.slot {
		if ref.Trunk == trunk {
			cics = append(cics, ref.CIC)
		}
	}
	slices.Sort(cics)
	var rs circuit.Ranges
	for _, c := range cics {
		if n := len(rs); n > 0 && rs[n-1].Last+1 == c {
			rs[n-1].Last = c
			continue
		}
		rs = append(rs, circuit.Range{First: c, Last: c})
	}
	return rs
}
