package ss7dec

import (
	"encoding/binary"
	"strconv"
)

// M2PAType is the M2PA message type (RFC 4165 §2.1.4).
type M2PAType uint8

const (
	M2PAUserData   M2PAType = 1
	M2PALinkStatus M2PAType = 2
)

func (t M2PAType) String() string {
	switch t {
	case M2PAUserData:
		return "User Data"
	case M2PALinkStatus:
		return "Link Status"
	}
	return "type(" + strconv.Itoa(int(t)) + ")"
}

// M2PAState is the State field of a Link Status message (RFC 4165 §2.3.2).
type M2PAState uint32

const (
	M2PAAlignment          M2PAState = 1
	M2PAProvingNormal      M2PAState = 2
	M2PAProvingEmergency   M2PAState = 3
	M2PAReady              M2PAState = 4
	M2PAProcessorOutage    M2PAState = 5
	M2PAProcessorRecovered M2PAState = 6
	M2PABusy               M2PAState = 7
	M2PABusyEnded          M2PAState = 8
	M2PAOutOfService       M2PAState = 9
)

var m2paStateNames = [...]string{
	M2PAAlignment: "Alignment", M2PAProvingNormal: "Proving Normal", M2PAProvingEmergency: "Proving Emergency",
	M2PAReady: "Ready", M2PAProcessorOutage: "Processor Outage", M2PAProcessorRecovered: "Processor Recovered",
	M2PABusy: "Busy", M2PABusyEnded: "Busy Ended", M2PAOutOfService: "Out of Service",
}

func (s M2PAState) String() string {
	if s > 0 && int(s) < len(m2paStateNames) {
		return m2paStateNames[s]
	}
	return "state(" + strconv.FormatUint(uint64(s), 10) + ")"
}

// M2PAInfo is what an M2PA message says besides the MSU it may carry.
type M2PAInfo struct {
	Type     M2PAType
	BSN, FSN uint32    // 24-bit sequence numbers
	Priority uint8     // User Data PRI field (TTC national use; 0 elsewhere)
	State    M2PAState // Link Status
}

// m2paHeader is the common header (8 octets) plus the M2PA header
// (unused+BSN, unused+FSN).
const m2paHeader = 16

// DecodeM2PA decodes one M2PA message (an SCTP user message with PPID 5,
// or on port 3565). A User Data message with data yields its MTP3 MSU, in
// opt.Format; one without data only acknowledges (hasMSU false). A Link
// Status message gives its state in info.
func DecodeM2PA(b []byte, opt Options) (msu MSU, hasMSU bool, info M2PAInfo, err error) {
	f, err := opt.format("m2pa")
	if err != nil {
		return MSU{}, false, info, err
	}
	if len(b) < m2paHeader {
		return MSU{}, false, info, newErr("m2pa", len(b), ErrTruncated, "header needs 16 octets, have "+itoa(len(b)))
	}
	if b[0] != 1 {
		return MSU{}, false, info, newErr("m2pa", 0, ErrVersion, "version "+itoa(int(b[0]))+", want 1")
	}
	if c := M3UAClass(b[2]); c != M3UAM2PA {
		if c <= M3UAM2PA {
			return MSU{}, false, info, newErr("m2pa", 2, ErrOtherProtocol, "message class "+itoa(int(c))+" is "+c.String()+", not M2PA (11)")
		}
		return MSU{}, false, info, newErr("m2pa", 2, ErrClass, "message class "+itoa(int(c))+", want 11")
	}
	info.Type = M2PAType(b[3])
	n := binary.BigEndian.Uint32(b[4:8])
	switch {
	case n < m2paHeader:
		return MSU{}, false, info, newErr("m2pa", 4, ErrLength, "message length "+itoa(int(n))+" is shorter than the 16-octet header")
	case uint64(n) > uint64(len(b)):
		return MSU{}, false, info, newErr("m2pa", len(b), ErrTruncated, "message length "+itoa(int(n))+", have "+itoa(len(b))+" octets")
	case int(n) < len(b):
		return MSU{}, false, info, newErr("m2pa", int(n), ErrLength, itoa(len(b)-int(n))+" octets after the message length "+itoa(int(n)))
	}
	info.BSN = binary.BigEndian.Uint32(b[8:12]) & 0xffffff
	info.FSN = binary.BigEndian.Uint32(b[12:16]) & 0xffffff
	switch info.Type {
	case M2PAUserData:
		if len(b) == m2paHeader {
			return MSU{}, false, info, nil
		}
		// §2.3.1: one octet of priority (2 bits) and spare, then the MTP3
		// message (SIO and SIF) without MTP2's LI.
		info.Priority = b[16] >> 6
		msu, err := decodeMTP3(b[17:], f)
		if err != nil {
			return MSU{}, false, info, shift(err, 17)
		}
		return msu, true, info, nil
	case M2PALinkStatus:
		if len(b) < m2paHeader+4 {
			return MSU{}, false, info, newErr("m2pa", len(b), ErrTruncated, "Link Status needs a 4-octet state")
		}
		info.State = M2PAState(binary.BigEndian.Uint32(b[16:20]))
		return MSU{}, false, info, nil
	}
	return MSU{}, false, info, newErr("m2pa", 3, ErrType, "message type "+itoa(int(info.Type)))
}
