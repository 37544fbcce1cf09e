package pcapgen

import (
	"time"

	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// MTP3Frame writes an MSU as a DLT 141 frame (SIO, routing label, data).
func (w *Writer) MTP3Frame(ts time.Time, m *mtp3.MSU) error {
	if err := w.need(MTP3); err != nil {
		return err
	}
	if err := m.Validate(); err != nil {
		return err
	}
	return w.Frame(ts, m.Append(make([]byte, 0, m.Len())))
}

// MTP2Link numbers the signal units of one direction of an MTP2 link
// (Q.703 basic error correction, 7-bit sequence numbers).
type MTP2Link struct {
	FSN, BSN uint8 // next forward / last acknowledged sequence numbers (0-127)
	FIB, BIB bool
}

// NewMTP2Link returns a link in the state Q.703 starts with: FSN 127 (the
// first MSU gets 0), FIB = BIB = 1.
func NewMTP2Link() *MTP2Link { return &MTP2Link{FSN: 127, BSN: 127, FIB: true, BIB: true} }

// MSU returns the next MTP2 signal unit carrying m: BSN/BIB, FSN/FIB, the
// length indicator (octets after it, 63 when more, Q.703 §2.3.3), then the
// SIO and SIF. No flags or FCS: DLT 140 frames carry none.
func (l *MTP2Link) MSU(m *mtp3.MSU) []byte {
	l.FSN = (l.FSN + 1) & 127
	b := make([]byte, 3, 3+m.Len())
	b[0] = l.BSN & 127
	if l.BIB {
		b[0] |= 0x80
	}
	b[1] = l.FSN & 127
	if l.FIB {
		b[1] |= 0x80
	}
	b[2] = byte(min(m.Len(), 63))
	return m.Append(b)
}

// MTP2Frame writes an MSU as a DLT 140 frame, numbered by l.
func (w *Writer) MTP2Frame(ts time.Time, l *MTP2Link, m *mtp3.MSU) error {
	if err := w.need(MTP2); err != nil {
		return err
	}
	if err := m.Validate(); err != nil {
		return err
	}
	return w.Frame(ts, l.MSU(m))
}
