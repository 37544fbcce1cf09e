// Package su is the codec of MTP level 2 signal units (ITU-T Q.703 §2):
// fill-in signal units (FISU), link status signal units (LSSU) and message
// signal units (MSU), with their sequence numbers, indicator bits and
// length indicator, and the CRC-16 check bits (Q.703 §4.2) for channels
// that carry them.
//
// It is written for sending: Append encodes a unit from its fields, Decode
// reads one back aliasing the input and allocating nothing. Nothing here
// does I/O. The analyzer's decoder (capture/ss7dec) reads captures; this
// one is what our own MTP2 puts on a signalling channel.
package su

import (
	"errors"
	"strconv"
)

// Sizes of the fields (Q.703 §2.2, Figure 3).
const (
	// HeaderLen is BSN/BIB, FSN/FIB and LI/spare: the whole of a FISU.
	HeaderLen = 3
	// FCSLen is the check bits that follow the unit on the link.
	FCSLen = 2
	// MaxLI is the largest length indicator: 63 stands for any MSU whose
	// SIO and SIF are 63 octets or longer (Q.703 §2.3.3).
	MaxLI = 63
	// MaxSIF is the longest signalling information field (Q.703 §2.3.8).
	MaxSIF = 272
	// MinPayload is SIO + the shortest SIF: an MSU's LI is at least 3
	// (Q.703 §2.3.3), so that it is not taken for an LSSU.
	MinPayload = 3
	// MaxPayload is SIO + the longest SIF.
	MaxPayload = 1 + MaxSIF
	// MaxLen is the longest unit without its check bits.
	MaxLen = HeaderLen + MaxPayload
	// Modulus of the forward and backward sequence numbers (7 bits).
	Modulus = 128
)

// Kind is the type of a signal unit, told by its length indicator
// (Q.703 §2.3.3): 0 FISU, 1 or 2 LSSU, 3 and more MSU.
type Kind uint8

const (
	FISU Kind = iota
	LSSU
	MSU
)

func (k Kind) String() string {
	switch k {
	case FISU:
		return "FISU"
	case LSSU:
		return "LSSU"
	case MSU:
		return "MSU"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Status is the status indication of an LSSU: the low three bits of its
// status field (Q.703 §11.1.2, Figure 6).
type Status uint8

const (
	SIO  Status = 0 // status "O": out of alignment
	SIN  Status = 1 // status "N": normal alignment
	SIE  Status = 2 // status "E": emergency alignment
	SIOS Status = 3 // status "OS": out of service
	SIPO Status = 4 // status "PO": processor outage
	SIB  Status = 5 // status "B": busy (level 2 congestion)
)

func (s Status) String() string {
	switch s {
	case SIO:
		return "SIO"
	case SIN:
		return "SIN"
	case SIE:
		return "SIE"
	case SIOS:
		return "SIOS"
	case SIPO:
		return "SIPO"
	case SIB:
		return "SIB"
	}
	return "Status(" + strconv.Itoa(int(s)) + ")"
}

// SU is one signal unit. The zero value is a FISU with every field 0.
type SU struct {
	BSN uint8 // backward sequence number, 0–127
	BIB bool  // backward indicator bit
	FSN uint8 // forward sequence number, 0–127
	FIB bool  // forward indicator bit
	// LI is the length indicator as received. Append computes it from
	// the kind and the payload and ignores this field.
	LI   uint8
	Kind Kind
	// Status of an LSSU; StatusField is its whole first status octet as
	// received (the top five bits are spare), kept so a re-encoding is
	// exact. Append writes StatusField when its low bits equal Status,
	// and Status alone otherwise.
	Status      Status
	StatusField uint8
	// Status2 is the second status octet of a two-octet LSSU (LI = 2),
	// which Q.703 §11.1.2 leaves for future use: kept, not interpreted.
	Status2    uint8
	TwoOctetSF bool
	// Payload of an MSU: the service information octet and the SIF. It
	// aliases the decoded input.
	Payload []byte
	// Spare holds the two spare bits above the LI as received.
	Spare uint8
}

// Errors of Decode, wrapped in *Error; test with errors.Is.
var (
	ErrTruncated = errors.New("truncated")
	ErrLength    = errors.New("length indicator does not match the unit")
	ErrTooLong   = errors.New("longer than the longest signal unit")
	ErrFCS       = errors.New("check bits do not match")
)

// Error says where and why a unit does not decode.
type Error struct {
	Offset int
	Err    error
	Detail string
}

func (e *Error) Error() string {
	s := "su: offset " + strconv.Itoa(e.Offset) + ": " + e.Err.Error()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Decode reads the signal unit b, without its check bits. Payload aliases
// b. It allocates nothing.
//
// Q.703 §2.3.3 ties the LI to the octets between it and the check bits:
// a unit whose LI disagrees is an errored unit (§4.1.2: "the number of
// octets ... is inconsistent with the length indicator"), as is one longer
// than the longest MSU.
func (u *SU) Decode(b []byte) error {
	if len(b) < HeaderLen {
		return &Error{Offset: len(b), Err: ErrTruncated, Detail: "a signal unit has at least 3 octets, have " + strconv.Itoa(len(b))}
	}
	if len(b) > MaxLen {
		return &Error{Offset: MaxLen, Err: ErrTooLong, Detail: strconv.Itoa(len(b)) + " octets, at most " + strconv.Itoa(MaxLen)}
	}
	*u = SU{
		BSN: b[0] & 0x7f, BIB: b[0]&0x80 != 0,
		FSN: b[1] & 0x7f, FIB: b[1]&0x80 != 0,
		LI: b[2] & 0x3f, Spare: b[2] >> 6,
	}
	n := len(b) - HeaderLen
	switch {
	case u.LI == 0:
		u.Kind = FISU
		if n != 0 {
			return &Error{Offset: 2, Err: ErrLength, Detail: "FISU (LI 0) followed by " + strconv.Itoa(n) + " octets"}
		}
	case u.LI <= 2:
		u.Kind = LSSU
		if n != int(u.LI) {
			return &Error{Offset: 2, Err: ErrLength, Detail: "LSSU with LI " + strconv.Itoa(int(u.LI)) + " followed by " + strconv.Itoa(n) + " octets"}
		}
		u.StatusField = b[3]
		u.Status = Status(b[3] & 7)
		if u.LI == 2 {
			u.TwoOctetSF = true
			u.Status2 = b[4]
		}
	default:
		u.Kind = MSU
		if (u.LI < MaxLI && n != int(u.LI)) || (u.LI == MaxLI && n < MaxLI) {
			return &Error{Offset: 2, Err: ErrLength, Detail: "MSU with LI " + strconv.Itoa(int(u.LI)) + " followed by " + strconv.Itoa(n) + " octets"}
		}
		u.Payload = b[HeaderLen:len(b):len(b)]
	}
	return nil
}

// Len returns the encoded length without check bits.
func (u *SU) Len() int {
	switch u.Kind {
	case LSSU:
		if u.TwoOctetSF {
			return HeaderLen + 2
		}
		return HeaderLen + 1
	case MSU:
		return HeaderLen + len(u.Payload)
	}
	return HeaderLen
}

// Validate reports a unit that Append would not encode as given.
func (u *SU) Validate() error {
	switch {
	case u.BSN >= Modulus || u.FSN >= Modulus:
		return &Error{Offset: 0, Err: ErrTooLong, Detail: "sequence number above 127"}
	case u.Kind == MSU && len(u.Payload) < MinPayload:
		return &Error{Offset: HeaderLen, Err: ErrLength, Detail: "an MSU carries an SIO and at least two SIF octets"}
	case u.Kind == MSU && len(u.Payload) > MaxPayload:
		return &Error{Offset: HeaderLen, Err: ErrTooLong, Detail: "payload of " + strconv.Itoa(len(u.Payload)) + " octets, at most " + strconv.Itoa(MaxPayload)}
	case u.Kind > MSU:
		return &Error{Offset: 2, Err: ErrLength, Detail: u.Kind.String()}
	}
	return nil
}

// Append encodes the unit (without check bits) and appends it to b.
func (u *SU) Append(b []byte) []byte {
	li := uint8(0)
	switch u.Kind {
	case LSSU:
		li = 1
		if u.TwoOctetSF {
			li = 2
		}
	case MSU:
		li = uint8(min(len(u.Payload), MaxLI))
	}
	b = append(b, u.BSN&0x7f|bit(u.BIB), u.FSN&0x7f|bit(u.FIB), li|u.Spare<<6)
	switch u.Kind {
	case LSSU:
		sf := uint8(u.Status) & 7
		if u.StatusField&7 == sf {
			sf = u.StatusField
		}
		b = append(b, sf)
		if u.TwoOctetSF {
			b = append(b, u.Status2)
		}
	case MSU:
		b = append(b, u.Payload...)
	}
	return b
}

func bit(v bool) uint8 {
	if v {
		return 0x80
	}
	return 0
}

func (u SU) String() string {
	s := u.Kind.String()
	if u.Kind == LSSU {
		s += " " + u.Status.String()
	}
	s += " BSN=" + strconv.Itoa(int(u.BSN)) + " BIB=" + b01(u.BIB) + " FSN=" + strconv.Itoa(int(u.FSN)) + " FIB=" + b01(u.FIB)
	if u.Kind == MSU {
		s += " len=" + strconv.Itoa(len(u.Payload))
	}
	return s
}

func b01(v bool) string {
	if v {
		return "1"
	}
	return "0"
}

// AppendFISU, AppendLSSU and AppendMSU are the encoders the MTP2 machine
// uses: a unit from its sequence fields alone.
func AppendFISU(b []byte, bsn uint8, bib bool, fsn uint8, fib bool) []byte {
	return append(b, bsn&0x7f|bit(bib), fsn&0x7f|bit(fib), 0)
}

func AppendLSSU(b []byte, bsn uint8, bib bool, fsn uint8, fib bool, st Status) []byte {
	return append(b, bsn&0x7f|bit(bib), fsn&0x7f|bit(fib), 1, uint8(st)&7)
}

func AppendMSU(b []byte, bsn uint8, bib bool, fsn uint8, fib bool, payload []byte) []byte {
	b = append(b, bsn&0x7f|bit(bib), fsn&0x7f|bit(fib), uint8(min(len(payload), MaxLI)))
	return append(b, payload...)
}

// SetBackward rewrites the BSN/BIB octet of an encoded unit, and SetFIB its
// FIB: a retransmitted MSU carries the current backward fields and forward
// indicator (Q.703 §5.2.2).
func SetBackward(unit []byte, bsn uint8, bib bool) { unit[0] = bsn&0x7f | bit(bib) }

func SetFIB(unit []byte, fib bool) { unit[1] = unit[1]&0x7f | bit(fib) }
