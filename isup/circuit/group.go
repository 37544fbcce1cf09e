package circuit

import (
	"iter"
	"slices"
	"strconv"
	"strings"

	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// Variant is the ISUP standard a circuit group speaks; it sets the CIC
// width. The values match isup.Variant (ITU 0, ANSI 1) so that a caller
// converts with circuit.Variant(v); this package does not import the codec.
type Variant uint8

const (
	ITU  Variant = iota // ITU-T Q.763: 12-bit CIC
	ANSI                // ANSI T1.113: 14-bit CIC
)

func (v Variant) String() string {
	switch v {
	case ITU:
		return "itu"
	case ANSI:
		return "ansi"
	}
	return "variant(" + strconv.Itoa(int(v)) + ")"
}

func (v Variant) label() string {
	if v == ANSI {
		return "ANSI"
	}
	return "ITU-T"
}

// CICBits returns the width of the CIC: 12 bits in Q.763 §1.2, 14 in
// T1.113.3 (the two spare bits of the second octet are used); 0 if v is
// unknown.
func (v Variant) CICBits() int {
	switch v {
	case ITU:
		return 12
	case ANSI:
		return 14
	}
	return 0
}

// MaxCIC returns the largest CIC of variant v.
func (v Variant) MaxCIC() uint16 { return uint16(1)<<v.CICBits() - 1 }

// ParseVariant accepts "itu" (or "itu-t") and "ansi", any case.
func ParseVariant(s string) (Variant, error) {
	switch strings.ToLower(s) {
	case "itu", "itu-t":
		return ITU, nil
	case "ansi":
		return ANSI, nil
	}
	return 0, &Error{Field: "Variant", Err: ErrValue, Detail: strconv.Quote(s) + `: want "itu" or "ansi"`}
}

func (v Variant) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

func (v *Variant) UnmarshalText(b []byte) (err error) {
	*v, err = ParseVariant(string(b))
	return err
}

// Config describes one circuit group: the circuits of one trunk between this
// exchange (OwnPC) and one adjacent exchange (PeerPC). NewGroup validates it.
type Config struct {
	Name     string
	Variant  Variant
	OwnPC    mtp3.PointCode
	PeerPC   mtp3.PointCode
	NI       mtp3.NetworkIndicator // the network both point codes belong to
	CICs     Ranges
	Strategy Strategy // how Select picks an idle circuit for an outgoing call
	Parity   Parity   // which circuits Select tries first
	Control  Control  // which end wins a dual seizure (Q.764 §2.9.1.4)
}

// Group is a validated circuit group. It is immutable, so Selectors and
// Registries built on it may share it.
type Group struct {
	cfg  Config   // CICs sorted ascending
	cics []uint16 // every CIC, ascending: position i is the i-th circuit
}

// NewGroup validates c and returns the group. Every problem found is
// reported, each an *Error naming the group and the field.
func NewGroup(c Config) (*Group, error) {
	if err := joinErrs(c.validate()); err != nil {
		return nil, err
	}
	c.CICs = slices.Clone(c.CICs)
	slices.SortFunc(c.CICs, func(a, b Range) int { return int(a.First) - int(b.First) })
	g := &Group{cfg: c, cics: make([]uint16, 0, c.CICs.Len())}
	for _, r := range c.CICs {
		for cic := int(r.First); cic <= int(r.Last); cic++ {
			g.cics = append(g.cics, uint16(cic))
		}
	}
	return g, nil
}

func (c *Config) validate() []error {
	var errs []error
	bad := func(field string, err error, detail string) {
		errs = append(errs, &Error{Group: c.Name, Field: field, Err: err, Detail: detail})
	}
	if strings.TrimSpace(c.Name) == "" {
		bad("Name", ErrEmpty, "a group needs a name for operators and alarms")
	}
	if c.Variant.CICBits() == 0 {
		bad("Variant", ErrValue, c.Variant.String()+`: want "itu" or "ansi"`)
	}
	ownOK, peerOK := c.OwnPC.IsValid(), c.PeerPC.IsValid()
	if !ownOK {
		bad("OwnPC", ErrPointCode, "not set")
	}
	if !peerOK {
		bad("PeerPC", ErrPointCode, "not set")
	}
	if ownOK && peerOK {
		switch {
		case c.OwnPC.Format() != c.PeerPC.Format():
			bad("PeerPC", ErrPointCode, c.PeerPC.Format().String()+" point code "+c.PeerPC.String()+
				" beside the "+c.OwnPC.Format().String()+" own point code "+c.OwnPC.String())
		case c.OwnPC.Uint32() == c.PeerPC.Uint32():
			// Q.764 §2.9.1.4 compares the two codes: equal codes leave
			// dual seizure unresolvable.
			bad("PeerPC", ErrPointCode, "equal to the own point code "+c.OwnPC.String())
		}
	}
	if c.NI > mtp3.NINationalSpare {
		bad("NI", ErrValue, strconv.Itoa(int(c.NI))+" does not fit the 2-bit network indicator")
	}
	if c.Variant.CICBits() != 0 {
		errs = append(errs, c.CICs.validate(c.Name, c.Variant)...)
	} else if len(c.CICs) == 0 {
		bad("CICs", ErrEmpty, "a group needs at least one CIC")
	}
	if c.Strategy > Random {
		bad("Strategy", ErrValue, c.Strategy.String())
	}
	if c.Parity > PreferEven {
		bad("Parity", ErrValue, c.Parity.String())
	}
	if c.Control > ControlNone {
		bad("Control", ErrValue, c.Control.String())
	}
	return errs
}

// NewGroups validates every config and then the set: names unique, and no
// CIC in two groups of the same signalling relation (network indicator, own
// and peer point code), since the routing label and CIC are all an ISUP
// message has to find its circuit (Q.763 §1.2).
func NewGroups(cs []Config) ([]*Group, error) {
	var errs []error
	gs := make([]*Group, 0, len(cs))
	for _, c := range cs {
		g, err := NewGroup(c)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		gs = append(gs, g)
	}
	seen := make(map[string]bool, len(gs))
	type relation struct {
		ni        mtp3.NetworkIndicator
		own, peer mtp3.PointCode
	}
	type owned struct {
		r Range
		g *Group
	}
	byRel := make(map[relation][]owned)
	var rels []relation // in config order, for a deterministic report
	for _, g := range gs {
		if seen[g.cfg.Name] {
			errs = append(errs, &Error{Group: g.cfg.Name, Field: "Name", Err: ErrDuplicate, Detail: "two groups have this name"})
		}
		seen[g.cfg.Name] = true
		k := relation{g.cfg.NI, g.cfg.OwnPC, g.cfg.PeerPC}
		if _, ok := byRel[k]; !ok {
			rels = append(rels, k)
		}
		for _, r := range g.cfg.CICs {
			byRel[k] = append(byRel[k], owned{r, g})
		}
	}
	for _, k := range rels {
		rs := byRel[k]
		slices.SortStableFunc(rs, func(a, b owned) int { return int(a.r.First) - int(b.r.First) })
		for i, reach := 1, 0; i < len(rs); i++ {
			cur, wide := rs[i], rs[reach]
			if cur.r.First <= wide.r.Last && cur.g != wide.g {
				errs = append(errs, &Error{Group: cur.g.cfg.Name, Field: "CICs", Err: ErrDuplicate,
					Detail: "CICs " + Range{cur.r.First, min(cur.r.Last, wide.r.Last)}.String() +
						" also in group " + strconv.Quote(wide.g.cfg.Name) + " toward " + k.peer.String() +
						" from " + k.own.String() + " (" + k.ni.String() + " network)"})
			}
			if cur.r.Last > wide.r.Last {
				reach = i
			}
		}
	}
	if len(errs) > 0 {
		return nil, joinErrs(errs)
	}
	return gs, nil
}

// Config returns a copy of the group's configuration, ranges sorted.
func (g *Group) Config() Config {
	c := g.cfg
	c.CICs = slices.Clone(c.CICs)
	return c
}

func (g *Group) Name() string                      { return g.cfg.Name }
func (g *Group) Variant() Variant                  { return g.cfg.Variant }
func (g *Group) OwnPC() mtp3.PointCode             { return g.cfg.OwnPC }
func (g *Group) PeerPC() mtp3.PointCode            { return g.cfg.PeerPC }
func (g *Group) NI() mtp3.NetworkIndicator         { return g.cfg.NI }
func (g *Group) Strategy() Strategy                { return g.cfg.Strategy }
func (g *Group) Parity() Parity                    { return g.cfg.Parity }
func (g *Group) ControlRule() Control              { return g.cfg.Control }
func (g *Group) String() string                    { return g.cfg.Name }
func (g *Group) positionOf(cic uint16) (int, bool) { return slices.BinarySearch(g.cics, cic) }

// Len returns the number of circuits.
func (g *Group) Len() int { return len(g.cics) }

// Contains reports whether cic belongs to the group.
func (g *Group) Contains(cic uint16) bool {
	_, ok := g.positionOf(cic)
	return ok
}

// Index returns cic's position among the group's circuits in ascending
// order (0 … Len()-1), for tables indexed by circuit.
func (g *Group) Index(cic uint16) (int, bool) { return g.positionOf(cic) }

// CIC returns the circuit at position i (0 ≤ i < Len()).
func (g *Group) CIC(i int) uint16 { return g.cics[i] }

// CICs yields every CIC in ascending order; ranging over it allocates
// nothing.
func (g *Group) CICs() iter.Seq[uint16] {
	return func(yield func(uint16) bool) {
		for _, cic := range g.cics {
			if !yield(cic) {
				return
			}
		}
	}
}

// Controls reports whether this exchange controls cic for dual seizure
// under the group's Control rule (Q.764 §2.9.1.4).
func (g *Group) Controls(cic uint16) bool {
	return g.cfg.Control.Controls(g.cfg.OwnPC, g.cfg.PeerPC, cic)
}
