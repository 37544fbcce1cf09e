package mtp3

import "strconv"

// Routing label lengths in octets.
const (
	ITULabelLen  = 4 // Q.704 §2.2: DPC 14, OPC 14, SLS 4 bits
	ANSILabelLen = 7 // T1.111.4 §2.2: DPC 24, OPC 24, SLS 8 (or 5 + 3 spare) bits
)

// Label is the MTP3 routing label. Set Format (and SLS5 for ANSI) before
// Decode; Decode fills the rest and keeps those settings.
type Label struct {
	Format Format // ITU or ANSI
	// SLS5 selects the ANSI 5-bit SLS: the SLS octet's top three bits are
	// then spare (kept in Spare). Without it ANSI uses the 8-bit SLS.
	SLS5 bool
	DPC  PointCode
	OPC  PointCode
	SLS  uint8
	// Spare holds the ANSI SLS octet's three spare bits (5-bit SLS), as
	// received, so that re-encoding is exact.
	Spare uint8
}

// Len returns the encoded length of the label (0 for an unsupported format).
func (l *Label) Len() int {
	switch l.Format {
	case ITU:
		return ITULabelLen
	case ANSI:
		return ANSILabelLen
	}
	return 0
}

func (l *Label) slsBits() uint {
	switch {
	case l.Format == ITU:
		return 4
	case l.SLS5:
		return 5
	}
	return 8
}

// Decode parses the routing label at the start of b. Octets after the label
// are ignored. It allocates nothing on success.
func (l *Label) Decode(b []byte) error {
	switch l.Format {
	case ITU:
		// Q.704 §2.2.1: the label is transmitted least significant bit
		// first, DPC in the lowest bits: a little-endian 32-bit word.
		if len(b) < ITULabelLen {
			return &Error{What: "ITU routing label", Offset: len(b), Err: ErrTruncated, Detail: "needs 4 octets, have " + strconv.Itoa(len(b))}
		}
		w := uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
		l.DPC = PointCode{n: w & 0x3fff, f: ITU}
		l.OPC = PointCode{n: w >> 14 & 0x3fff, f: ITU}
		l.SLS = uint8(w >> 28)
		l.Spare = 0
		return nil
	case ANSI:
		if len(b) < ANSILabelLen {
			return &Error{What: "ANSI routing label", Offset: len(b), Err: ErrTruncated, Detail: "needs 7 octets, have " + strconv.Itoa(len(b))}
		}
		// Each point code is member, cluster, network: a little-endian
		// 24-bit value whose top octet is the network.
		l.DPC = PointCode{n: uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16, f: ANSI}
		l.OPC = PointCode{n: uint32(b[3]) | uint32(b[4])<<8 | uint32(b[5])<<16, f: ANSI}
		if l.SLS5 {
			l.SLS = b[6] & 0x1f
			l.Spare = b[6] >> 5
		} else {
			l.SLS = b[6]
			l.Spare = 0
		}
		return nil
	}
	return &Error{What: "routing label", Offset: 0, Err: ErrUnsupported, Detail: l.Format.String()}
}

// Append encodes the label and appends it to b. Values wider than their
// fields are masked; Validate reports them. An unsupported format appends
// nothing.
func (l *Label) Append(b []byte) []byte {
	switch l.Format {
	case ITU:
		w := l.DPC.n&0x3fff | (l.OPC.n&0x3fff)<<14 | uint32(l.SLS&15)<<28
		return append(b, byte(w), byte(w>>8), byte(w>>16), byte(w>>24))
	case ANSI:
		d, o := l.DPC.n, l.OPC.n
		s := l.SLS
		if l.SLS5 {
			s = s&0x1f | l.Spare<<5
		}
		return append(b, byte(d), byte(d>>8), byte(d>>16), byte(o), byte(o>>8), byte(o>>16), s)
	}
	return b
}

// Validate reports a label that Append would not encode as given: an
// unsupported format, point codes of another format, an SLS or spare bits
// wider than their fields.
func (l *Label) Validate() error {
	what := l.Format.String() + " routing label"
	if l.Len() == 0 {
		return &Error{What: "routing label", Offset: -1, Err: ErrUnsupported, Detail: l.Format.String()}
	}
	for _, pc := range [2]struct {
		name string
		pc   PointCode
	}{{"DPC", l.DPC}, {"OPC", l.OPC}} {
		if pc.pc.f != l.Format {
			return &Error{What: what, Offset: -1, Err: ErrFormatClash, Detail: pc.name + " is " + pc.pc.f.String()}
		}
	}
	if bits := l.slsBits(); bits < 8 && l.SLS >= 1<<bits {
		return &Error{What: what, Offset: -1, Err: ErrRange, Detail: "SLS " + strconv.Itoa(int(l.SLS)) + " exceeds " + strconv.Itoa(int(bits)) + " bits"}
	}
	if l.Spare != 0 && !(l.Format == ANSI && l.SLS5 && l.Spare < 8) {
		return &Error{What: what, Offset: -1, Err: ErrRange, Detail: "spare bits " + strconv.Itoa(int(l.Spare)) + " do not fit"}
	}
	return nil
}

func (l Label) String() string {
	return "OPC=" + l.OPC.String() + " DPC=" + l.DPC.String() + " SLS=" + strconv.Itoa(int(l.SLS))
}
