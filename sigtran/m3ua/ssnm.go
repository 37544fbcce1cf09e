package m3ua

import "strconv"

// Availability of a destination as SSNM reports it (RFC 4666 §4.5).
type Availability uint8

const (
	// Available is the default: an ASP takes every destination behind
	// the SG as reachable until told otherwise.
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

// DestStatus is what SSNM from one peer says about one destination.
type DestStatus struct {
	Availability Availability
	// Congestion is the SCON congestion level (0: none).
	Congestion uint8
	// UserParts has bit SI set for each MTP3 user DUPU reported
	// unavailable; Causes[SI] is the cause.
	UserParts uint16
	Causes    [16]Cause
}

// UserPartAvailable reports whether no DUPU marked the user part si
// unavailable.
func (s DestStatus) UserPartAvailable(si uint8) bool { return si >= 16 || s.UserParts&(1<<si) == 0 }

// rule is one SSNM statement about a point code range; the latest rule
// covering a point code decides.
type rule struct {
	apc AffectedPC
	seq uint64
	val uint8
}

type rules []rule

func (rs rules) get(pc uint32) (uint8, uint64, bool) {
	var best rule
	found := false
	for _, r := range rs {
		if r.apc.Covers(pc) && (!found || r.seq > best.seq) {
			best, found = r, true
		}
	}
	return best.val, best.seq, found
}

// set records a rule, dropping the older ones it covers entirely.
func (rs rules) set(apc AffectedPC, seq uint64, val uint8) rules {
	keep := rs[:0]
	for _, r := range rs {
		if r.apc.Mask <= apc.Mask && apc.Covers(r.apc.PC) {
			continue // fully within the new range
		}
		keep = append(keep, r)
	}
	return append(keep, rule{apc: apc, seq: seq, val: val})
}

// Destinations is the SSNM state learnt from one peer (one SG or IPSP):
// DUNA, DAVA, DRST, SCON and DUPU applied to point codes and masked
// ranges (RFC 4666 §3.4, §4.5). It is pure and not safe for concurrent
// use.
type Destinations struct {
	seq   uint64
	avail rules
	cong  rules
	upu   map[uint32]uint16 // exact point code → SIs unavailable
	cause map[uint32]*[16]Cause
}

// Apply takes one SSNM message and reports whether any state changed.
// Messages of other types are ignored.
func (d *Destinations) Apply(m *Message) bool {
	changed := false
	for i := 0; i < m.AffectedPointCodes.Len(); i++ {
		a := m.AffectedPointCodes.At(i)
		d.seq++
		switch m.Type {
		case DUNA, DAVA, DRST:
			v := uint8(Available)
			if m.Type == DUNA {
				v = uint8(Unavailable)
			} else if m.Type == DRST {
				v = uint8(Restricted)
			}
			if old, _, _ := d.avail.get(a.PC); old != v || a.Mask != 0 {
				changed = true
			}
			d.avail = d.avail.set(a, d.seq, v)
			if m.Type != DRST {
				// A destination that went away or came back starts
				// uncongested and with every user part.
				d.cong = d.cong.set(a, d.seq, 0)
				for pc := range d.upu {
					if a.Covers(pc) {
						delete(d.upu, pc)
						delete(d.cause, pc)
					}
				}
			}
		case SCON:
			// RFC 4666 §3.4.4: the Concerned Destination names who sent
			// the message that met congestion; the level applies to the
			// affected point codes.
			if old, _, _ := d.cong.get(a.PC); old != m.CongestionLevel || a.Mask != 0 {
				changed = true
			}
			d.cong = d.cong.set(a, d.seq, m.CongestionLevel)
		case DUPU:
			// RFC 4666 §3.4.5: one point code, no mask.
			si := m.UserCause.User
			if si >= 16 {
				continue
			}
			if d.upu == nil {
				d.upu, d.cause = map[uint32]uint16{}, map[uint32]*[16]Cause{}
			}
			if d.upu[a.PC]&(1<<si) == 0 {
				changed = true
			}
			d.upu[a.PC] |= 1 << si
			c := d.cause[a.PC]
			if c == nil {
				c = new([16]Cause)
				d.cause[a.PC] = c
			}
			c[si] = m.UserCause.Cause
		}
	}
	return changed
}

// Status returns what is known of pc.
func (d *Destinations) Status(pc uint32) DestStatus {
	var s DestStatus
	if v, _, ok := d.avail.get(pc); ok {
		s.Availability = Availability(v)
	}
	if v, _, ok := d.cong.get(pc); ok {
		s.Congestion = v
	}
	s.UserParts = d.upu[pc]
	if c := d.cause[pc]; c != nil {
		s.Causes = *c
	}
	return s
}

// Reset forgets everything (the peer went away; a new association starts
// from "all available").
func (d *Destinations) Reset() { *d = Destinations{} }
