package linkset

import (
	"errors"
	"strconv"

	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// Heading is the first octet after the routing label of a signalling
// network management (SI 0) or testing (SI 1/2) message: heading code H0
// in the low four bits, H1 in the high four (Q.704 §15.2, Q.707 §5.1).
type Heading uint8

// Signalling network management messages (Q.704 §15, Figure 12) and the
// signalling link test messages (Q.707 §5: SI 1 in ITU, 2 in ANSI).
const (
	COO  Heading = 0x11 // changeover order
	COA  Heading = 0x21 // changeover acknowledgement
	CBD  Heading = 0x51 // changeback declaration
	CBA  Heading = 0x61 // changeback acknowledgement
	ECO  Heading = 0x12 // emergency changeover order
	ECA  Heading = 0x22 // emergency changeover acknowledgement
	TFP  Heading = 0x14 // transfer prohibited
	TFR  Heading = 0x34 // transfer restricted
	TFA  Heading = 0x54 // transfer allowed
	TRA  Heading = 0x17 // traffic restart allowed
	UPU  Heading = 0x1a // user part unavailable
	SLTM Heading = 0x11 // signalling link test message (SNT)
	SLTA Heading = 0x21 // signalling link test acknowledgement (SNT)
)

var snmNames = map[Heading]string{COO: "COO", COA: "COA", CBD: "CBD", CBA: "CBA", ECO: "ECO", ECA: "ECA", TFP: "TFP", TFR: "TFR", TFA: "TFA", TRA: "TRA", UPU: "UPU"}

// SNMName names h as an SNM message.
func (h Heading) SNMName() string {
	if s, ok := snmNames[h]; ok {
		return s
	}
	return "SNM(H0=" + strconv.Itoa(int(h&15)) + ",H1=" + strconv.Itoa(int(h>>4)) + ")"
}

// SNTName names h as a test message.
func (h Heading) SNTName() string {
	switch h {
	case SLTM:
		return "SLTM"
	case SLTA:
		return "SLTA"
	}
	return "SNT(H0=" + strconv.Itoa(int(h&15)) + ",H1=" + strconv.Itoa(int(h>>4)) + ")"
}

// Msg is a decoded SNM or SLT message: the fields after the label.
type Msg struct {
	Heading Heading
	// SLC is the link code the ANSI formats carry in the message; in ITU
	// it is the label's SLS (Q.704 §15.3).
	SLC uint8
	// FSN of the last message accepted (COO, COA).
	FSN uint8
	// Code is the changeback code (CBD, CBA).
	Code uint8
	// Pattern is the test pattern (SLTM, SLTA), aliasing the input.
	Pattern []byte
}

// Errors of the message codec.
var (
	ErrTruncated = errors.New("linkset: message truncated")
	ErrPattern   = errors.New("linkset: test pattern longer than 15 octets")
)

// ParseSNM reads an SNM message (b starts after the routing label).
// Headings this package does not act on parse with their heading only.
func ParseSNM(f mtp3.Format, b []byte) (Msg, error) {
	if len(b) < 1 {
		return Msg{}, ErrTruncated
	}
	m := Msg{Heading: Heading(b[0])}
	p := b[1:]
	need := func(n int) error {
		if len(p) < n {
			return errors.New("linkset: " + m.Heading.SNMName() + " needs " + strconv.Itoa(n) + " octets after the heading, has " + strconv.Itoa(len(p)))
		}
		return nil
	}
	ansi := f == mtp3.ANSI
	switch m.Heading {
	case COO, COA:
		if ansi {
			// T1.111.4 §15.4: SLC (4), FSN (7), spare (5).
			if err := need(2); err != nil {
				return m, err
			}
			m.SLC = p[0] & 15
			m.FSN = (p[0]>>4 | p[1]<<4) & 0x7f
		} else {
			// Q.704 §15.4: FSN of the last accepted message, 7 bits.
			if err := need(1); err != nil {
				return m, err
			}
			m.FSN = p[0] & 0x7f
		}
	case CBD, CBA:
		if ansi {
			if err := need(2); err != nil {
				return m, err
			}
			m.SLC = p[0] & 15
			m.Code = p[0]>>4 | p[1]<<4
		} else {
			if err := need(1); err != nil {
				return m, err
			}
			m.Code = p[0]
		}
	case ECO, ECA:
		if ansi {
			if err := need(1); err != nil {
				return m, err
			}
			m.SLC = p[0] & 15
		}
	}
	return m, nil
}

// AppendSNM encodes m after a label already in b.
func AppendSNM(f mtp3.Format, b []byte, m Msg) []byte {
	b = append(b, byte(m.Heading))
	ansi := f == mtp3.ANSI
	switch m.Heading {
	case COO, COA:
		if ansi {
			return append(b, m.SLC&15|m.FSN<<4, (m.FSN&0x7f)>>4)
		}
		return append(b, m.FSN&0x7f)
	case CBD, CBA:
		if ansi {
			return append(b, m.SLC&15|m.Code<<4, m.Code>>4)
		}
		return append(b, m.Code)
	case ECO, ECA:
		if ansi {
			return append(b, m.SLC&15)
		}
	}
	return b
}

// ParseSLT reads an SLTM or SLTA (b starts after the label): Q.707 §5.2,
// length indicator in the high four bits of the octet after the heading
// (ANSI puts the SLC in the low four), then the pattern.
func ParseSLT(f mtp3.Format, b []byte) (Msg, error) {
	if len(b) < 2 {
		return Msg{}, ErrTruncated
	}
	m := Msg{Heading: Heading(b[0])}
	n := int(b[1] >> 4)
	if f == mtp3.ANSI {
		m.SLC = b[1] & 15
	}
	if len(b)-2 < n {
		return m, errors.New("linkset: " + m.Heading.SNTName() + " pattern of " + strconv.Itoa(n) + " octets, " + strconv.Itoa(len(b)-2) + " present")
	}
	m.Pattern = b[2 : 2+n : 2+n]
	return m, nil
}

// AppendSLT encodes an SLTM or SLTA after a label already in b.
func AppendSLT(f mtp3.Format, b []byte, m Msg) []byte {
	n := min(len(m.Pattern), 15)
	x := byte(n) << 4
	if f == mtp3.ANSI {
		x |= m.SLC & 15
	}
	b = append(b, byte(m.Heading), x)
	return append(b, m.Pattern[:n]...)
}
