package ss7dec

import (
	"encoding/binary"
	"strconv"
)

// SUType is the kind of MTP2 signal unit, told apart by its length
// indicator (Q.703 §2.3.3).
type SUType uint8

const (
	SUFISU SUType = iota + 1 // fill-in signal unit (LI 0)
	SULSSU                   // link status signal unit (LI 1 or 2)
	SUMSU                    // message signal unit (LI 3 or more)
)

func (t SUType) String() string {
	switch t {
	case SUFISU:
		return "FISU"
	case SULSSU:
		return "LSSU"
	case SUMSU:
		return "MSU"
	}
	return "SU(" + strconv.Itoa(int(t)) + ")"
}

// LSSUStatus is the status indication of an LSSU: the low three bits of
// its status field (Q.703 §11.1.2).
type LSSUStatus uint8

const (
	LSSUSIO  LSSUStatus = 0 // status indication "O": out of alignment
	LSSUSIN  LSSUStatus = 1 // "N": normal alignment
	LSSUSIE  LSSUStatus = 2 // "E": emergency alignment
	LSSUSIOS LSSUStatus = 3 // "OS": out of service
	LSSUSIPO LSSUStatus = 4 // "PO": processor outage
	LSSUSIB  LSSUStatus = 5 // "B": busy
)

var lssuNames = [...]string{"SIO", "SIN", "SIE", "SIOS", "SIPO", "SIB"}

func (s LSSUStatus) String() string {
	if int(s) < len(lssuNames) {
		return lssuNames[s]
	}
	return "SF(" + strconv.Itoa(int(s)) + ")"
}

// MTP2Info is the MTP2 part of a signal unit.
type MTP2Info struct {
	Type     SUType
	BSN, FSN uint16 // 7 bits, or 12 in the Annex A format
	BIB, FIB bool
	LI       uint16     // 6 bits, or 9 in the Annex A format
	Status   LSSUStatus // LSSU only
	Extended bool       // decoded in the Q.703 Annex A extended format

	// From the DLT 139 pseudo-header, when Options.PseudoHeader is set.
	PseudoHeader bool
	Sent         bool   // the capturing side sent the signal unit
	LinkNumber   uint16 // the capture device's link number
}

// DLT 139 pseudo-header (libpcap LINKTYPE_MTP2_WITH_PHDR): sent (1
// octet), annex_a_used (1: 0 no, 1 yes, 2 unknown), link_number (2,
// big-endian).
const (
	phdrLen         = 4
	phdrAnnexANo    = 0
	phdrAnnexAYes   = 1
	basicHeaderLen  = 3 // BSN/BIB, FSN/FIB, LI
	extHeaderLen    = 6 // Annex A: 16-bit BSN/BIB, FSN/FIB, LI, little-endian
	basicLIMax      = 63
	extSeqMask      = 0x0fff
	extIndicatorBit = 0x8000
	extLIMask       = 0x01ff
)

// DecodeMTP2 decodes an MTP2 signal unit without flags and FCS (DLT 140;
// DLT 139 with opt.PseudoHeader). An MSU yields its MTP3 content in
// opt.Format.
//
// A length indicator that disagrees with the frame length is reported
// with ErrLIMismatch while the signal unit is still decoded: hasMSU then
// tells whether msu is usable. In the basic format LI 63 stands for 63
// or more octets; octets beyond a smaller LI (an FCS the capture kept,
// say) are left out of the MSU.
func DecodeMTP2(b []byte, opt Options) (msu MSU, hasMSU bool, info MTP2Info, err error) {
	f, err := opt.format("mtp2")
	if err != nil {
		return MSU{}, false, info, err
	}
	off := 0
	ext := opt.AnnexA
	if opt.PseudoHeader {
		if len(b) < phdrLen {
			return MSU{}, false, info, newErr("mtp2", len(b), ErrTruncated, "pseudo-header needs 4 octets, have "+itoa(len(b)))
		}
		info.PseudoHeader = true
		info.Sent = b[0] != 0
		info.LinkNumber = binary.BigEndian.Uint16(b[2:4])
		// "Unknown" (2) and anything else leave the choice to the option,
		// as Wireshark does with its preference.
		switch b[1] {
		case phdrAnnexANo:
			ext = false
		case phdrAnnexAYes:
			ext = true
		}
		off = phdrLen
	}
	info.Extended = ext
	h := b[off:]
	hl := basicHeaderLen
	if ext {
		hl = extHeaderLen
	}
	if len(h) < hl {
		return MSU{}, false, info, newErr("mtp2", len(b), ErrTruncated, "signal unit header needs "+itoa(hl)+" octets, have "+itoa(len(h)))
	}
	if ext {
		w := binary.LittleEndian.Uint16(h[0:])
		info.BSN, info.BIB = w&extSeqMask, w&extIndicatorBit != 0
		w = binary.LittleEndian.Uint16(h[2:])
		info.FSN, info.FIB = w&extSeqMask, w&extIndicatorBit != 0
		info.LI = binary.LittleEndian.Uint16(h[4:]) & extLIMask
	} else {
		info.BSN, info.BIB = uint16(h[0]&0x7f), h[0]&0x80 != 0
		info.FSN, info.FIB = uint16(h[1]&0x7f), h[1]&0x80 != 0
		info.LI = uint16(h[2] & 0x3f)
	}
	liOff := off + hl - 2
	if !ext {
		liOff = off + 2
	}
	li, rest := int(info.LI), len(h)-hl
	saturated := !ext && li == basicLIMax
	var mismatch error
	if (saturated && rest < li) || (!saturated && rest != li) {
		d := "LI " + itoa(li) + ", " + itoa(rest) + " octets follow"
		if rest == li+2 {
			d += " (a 2-octet FCS?)"
		}
		mismatch = newErr("mtp2", liOff, ErrLIMismatch, d)
	}
	switch {
	case li == 0:
		info.Type = SUFISU
	case li <= 2:
		info.Type = SULSSU
		if rest < 1 {
			return MSU{}, false, info, newErr("mtp2", len(b), ErrTruncated, "LSSU without its status field")
		}
		info.Status = LSSUStatus(h[hl] & 7)
	default:
		info.Type = SUMSU
		end := len(h)
		if !saturated && rest > li {
			end = hl + li
		}
		msu, err := decodeMTP3(h[hl:end], f)
		if err != nil {
			return MSU{}, false, info, shift(err, off+hl)
		}
		return msu, true, info, mismatch
	}
	return MSU{}, false, info, mismatch
}
