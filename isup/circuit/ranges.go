package circuit

import (
	"errors"
	"slices"
	"strconv"
	"strings"
)

// Range is an inclusive run of circuit identification codes, First ≤ Last.
type Range struct {
	First, Last uint16
}

// Len returns the number of CICs in r (0 when r runs backwards).
func (r Range) Len() int {
	if r.First > r.Last {
		return 0
	}
	return int(r.Last) - int(r.First) + 1
}

// Contains reports whether cic lies in r.
func (r Range) Contains(cic uint16) bool { return r.First <= cic && cic <= r.Last }

// String writes "1-15", or "16" for a single CIC.
func (r Range) String() string { return string(r.appendTo(nil)) }

func (r Range) appendTo(b []byte) []byte {
	b = strconv.AppendUint(b, uint64(r.First), 10)
	if r.Last != r.First {
		b = append(b, '-')
		b = strconv.AppendUint(b, uint64(r.Last), 10)
	}
	return b
}

// Ranges is a list of CIC ranges as an operator writes them: "1-15,17-31"
// for an E1 whose timeslot 16 carries no circuit.
type Ranges []Range

// ParseRanges reads the compact syntax: ranges "a-b" or single CICs "a",
// separated by commas, spaces allowed around every token. It checks the
// syntax and that each number fits in 16 bits; the variant's CIC width and
// overlaps are checked by Validate (and by NewGroup), where the variant is
// known. The ranges are kept in the order written.
func ParseRanges(s string) (Ranges, error) {
	p := rangeParser{s: s}
	p.space()
	if p.i == len(s) {
		return nil, &Error{Field: "CICs", Err: ErrEmpty, Detail: "no CIC ranges"}
	}
	out := make(Ranges, 0, strings.Count(s, ",")+1)
	for {
		p.space()
		start := p.i
		first, err := p.number()
		if err != nil {
			return nil, err
		}
		last := first
		p.space()
		if p.i < len(s) && s[p.i] == '-' {
			p.i++
			p.space()
			if last, err = p.number(); err != nil {
				return nil, err
			}
			p.space()
		}
		if first > last {
			return nil, p.errAt(start, ErrSyntax, "range "+Range{first, last}.String()+" runs backwards")
		}
		out = append(out, Range{first, last})
		if p.i == len(s) {
			return out, nil
		}
		if s[p.i] != ',' {
			return nil, p.errAt(p.i, ErrSyntax, "unexpected "+strconv.Quote(s[p.i:p.i+1])+", want ',' or '-'")
		}
		p.i++
	}
}

type rangeParser struct {
	s string
	i int
}

func (p *rangeParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *rangeParser) number() (uint16, error) {
	start := p.i
	var n uint32
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		n = n*10 + uint32(p.s[p.i]-'0')
		p.i++
		if n > 0xffff {
			for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
				p.i++
			}
			return 0, p.errAt(start, ErrRange, p.s[start:p.i]+" does not fit in 16 bits")
		}
	}
	if p.i == start {
		if p.i == len(p.s) {
			return 0, p.errAt(start, ErrSyntax, "want a CIC, got end of input")
		}
		return 0, p.errAt(start, ErrSyntax, "want a CIC, got "+strconv.Quote(p.s[p.i:p.i+1]))
	}
	return uint16(n), nil
}

func (p *rangeParser) errAt(off int, err error, detail string) *Error {
	return &Error{Field: "CICs", Err: err, Detail: "at offset " + strconv.Itoa(off) + " of " + strconv.Quote(p.s) + ": " + detail}
}

// String writes the compact syntax ParseRanges reads.
func (rs Ranges) String() string { return string(rs.appendTo(nil)) }

func (rs Ranges) appendTo(b []byte) []byte {
	for i, r := range rs {
		if i > 0 {
			b = append(b, ',')
		}
		b = r.appendTo(b)
	}
	return b
}

// MarshalText writes the compact syntax.
func (rs Ranges) MarshalText() ([]byte, error) { return rs.appendTo(nil), nil }

// UnmarshalText reads the compact syntax (see ParseRanges), so a
// configuration decoder fills Config.CICs from "1-15,17-31".
func (rs *Ranges) UnmarshalText(b []byte) error {
	v, err := ParseRanges(string(b))
	if err != nil {
		return err
	}
	*rs = v
	return nil
}

// Len returns the number of CICs in all ranges (overlaps counted twice).
func (rs Ranges) Len() int {
	n := 0
	for _, r := range rs {
		n += r.Len()
	}
	return n
}

// Contains reports whether any range holds cic.
func (rs Ranges) Contains(cic uint16) bool {
	for _, r := range rs {
		if r.Contains(cic) {
			return true
		}
	}
	return false
}

// Validate checks rs for a group of variant v: at least one range, every
// range forwards, every CIC within v's width, no two ranges overlapping.
// Every problem found is reported (errors.Join of *Error).
func (rs Ranges) Validate(v Variant) error { return joinErrs(rs.validate("", v)) }

func (rs Ranges) validate(group string, v Variant) []error {
	bad := func(err error, detail string) error {
		return &Error{Group: group, Field: "CICs", Err: err, Detail: detail}
	}
	if len(rs) == 0 {
		return []error{bad(ErrEmpty, "a group needs at least one CIC")}
	}
	var errs []error
	max := v.MaxCIC()
	for _, r := range rs {
		switch {
		case r.First > r.Last:
			errs = append(errs, bad(ErrSyntax, "range "+r.String()+" runs backwards"))
		case r.Last > max:
			errs = append(errs, bad(ErrRange, "range "+r.String()+": CIC "+strconv.Itoa(int(r.Last))+
				" exceeds the "+strconv.Itoa(v.CICBits())+"-bit "+v.label()+" CIC (max "+strconv.Itoa(int(max))+")"))
		}
	}
	sorted := make(Ranges, 0, len(rs))
	for _, r := range rs {
		if r.First <= r.Last { // backwards ranges are reported above
			sorted = append(sorted, r)
		}
	}
	slices.SortStableFunc(sorted, func(a, b Range) int { return int(a.First) - int(b.First) })
	// Compare each range with the one reaching furthest so far, so that a
	// range inside an earlier wide one is not missed.
	for i, reach := 1, 0; i < len(sorted); i++ {
		cur, wide := sorted[i], sorted[reach]
		if cur.First <= wide.Last {
			errs = append(errs, bad(ErrOverlap, wide.String()+" and "+cur.String()+" share "+
				Range{cur.First, min(cur.Last, wide.Last)}.String()))
		}
		if cur.Last > wide.Last {
			reach = i
		}
	}
	return errs
}

// joinErrs returns nil, the one error, or errors.Join of several (which
// errors.Is and errors.As see through).
func joinErrs(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}
