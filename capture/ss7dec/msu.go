package ss7dec

import (
	"errors"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// MSU is the MTP3 content of a message signal unit, whichever transport
// carried it.
type MSU struct {
	NI       mtp3.NetworkIndicator
	Priority uint8 // SIO bits 6-5 (ANSI message priority), or M3UA's MP field
	SI       mtp3.ServiceIndicator
	OPC, DPC mtp3.PointCode
	SLS      uint8
	// Data is the user part (for SI 5, ISUP from the CIC on). It aliases
	// the decoder's input and its capacity ends with it, so appending to
	// it never overwrites the input.
	Data []byte
}

// Variant returns the ISUP variant that the point code format implies:
// ANSI point codes carry ANSI T1.113 ISUP, anything else ITU-T Q.763.
func (m MSU) Variant() isup.Variant {
	if m.OPC.Format() == mtp3.ANSI {
		return isup.ANSI
	}
	return isup.ITU
}

// Options say how to read what the payload itself does not tell.
type Options struct {
	// Format is the point code and routing label format for MTP2, MTP3,
	// M2PA and draft M3UA, and the width M3UA's 32-bit point code fields
	// must fit: mtp3.ITU (the default when zero) or mtp3.ANSI (7-octet
	// label, 24-bit point codes, 8-bit SLS).
	Format mtp3.Format
	// PseudoHeader: MTP2 input starts with the 4-octet DLT 139
	// (LINKTYPE_MTP2_WITH_PHDR) pseudo-header. Without it the input is a
	// DLT 140 signal unit.
	PseudoHeader bool
	// AnnexA: decode MTP2 in the Q.703 Annex A extended format (12-bit
	// sequence numbers, 9-bit LI) unless a pseudo-header says which format
	// the link uses.
	AnnexA bool
}

func (o *Options) format(layer string) (mtp3.Format, error) {
	switch o.Format {
	case 0, mtp3.ITU:
		return mtp3.ITU, nil
	case mtp3.ANSI:
		return mtp3.ANSI, nil
	}
	return 0, newErr(layer, 0, ErrFormat, o.Format.String()+" (want ITU or ANSI)")
}

// DecodeMTP3 decodes an MTP3 MSU (the DLT 141 frame format): the service
// information octet, the routing label in opt.Format and the user part.
func DecodeMTP3(b []byte, opt Options) (MSU, error) {
	f, err := opt.format("mtp3")
	if err != nil {
		return MSU{}, err
	}
	return decodeMTP3(b, f)
}

func decodeMTP3(b []byte, f mtp3.Format) (MSU, error) {
	var m mtp3.MSU
	m.Label.Format = f
	if err := m.Decode(b); err != nil {
		return MSU{}, fromMTP3(err)
	}
	return MSU{
		NI:       m.SIO.NI(),
		Priority: m.SIO.Priority(),
		SI:       m.SIO.SI(),
		OPC:      m.Label.OPC,
		DPC:      m.Label.DPC,
		SLS:      m.Label.SLS,
		Data:     m.Data,
	}, nil
}

// fromMTP3 turns the mtp3 package's error into ours; the only failure
// left once the format is checked is a short input.
func fromMTP3(err error) error {
	var me *mtp3.Error
	if !errors.As(err, &me) {
		return newErr("mtp3", 0, ErrTruncated, err.Error())
	}
	cause := ErrTruncated
	if !errors.Is(me.Err, mtp3.ErrTruncated) {
		cause = ErrFormat
	}
	return newErr("mtp3", max(me.Offset, 0), cause, me.What+": "+me.Detail)
}
