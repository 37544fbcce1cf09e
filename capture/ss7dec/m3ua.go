package ss7dec

import (
	"encoding/binary"
	"strconv"

	"github.com/sipgw/sipgw/sigtran/mtp3"
	"github.com/wmnsk/go-m3ua/messages"
)

// M3UAClass is the message class of the common header (RFC 4666 §3.1.2;
// the classes other adaptation layers registered are named after them).
type M3UAClass uint8

const (
	M3UAMGMT     M3UAClass = 0  // management: ERR, NTFY
	M3UATransfer M3UAClass = 1  // transfer: DATA
	M3UASSNM     M3UAClass = 2  // SS7 signalling network management
	M3UAASPSM    M3UAClass = 3  // ASP state maintenance
	M3UAASPTM    M3UAClass = 4  // ASP traffic maintenance
	M3UAQPTM     M3UAClass = 5  // IUA (RFC 4233) Q.921/Q.931 boundary primitives
	M3UAMAUP     M3UAClass = 6  // M2UA (RFC 3331) MTP2 user adaptation
	M3UASUACL    M3UAClass = 7  // SUA (RFC 3868) connectionless
	M3UASUACO    M3UAClass = 8  // SUA connection-oriented
	M3UARKM      M3UAClass = 9  // routing key management
	M3UAIIM      M3UAClass = 10 // M2UA interface identifier management
	M3UAM2PA     M3UAClass = 11 // M2PA (RFC 4165)
)

var m3uaClassNames = [...]string{
	M3UAMGMT: "MGMT", M3UATransfer: "Transfer", M3UASSNM: "SSNM", M3UAASPSM: "ASPSM",
	M3UAASPTM: "ASPTM", M3UAQPTM: "QPTM (IUA)", M3UAMAUP: "MAUP (M2UA)", M3UASUACL: "CL (SUA)",
	M3UASUACO: "CO (SUA)", M3UARKM: "RKM", M3UAIIM: "IIM (M2UA)", M3UAM2PA: "M2PA",
}

func (c M3UAClass) String() string {
	if int(c) < len(m3uaClassNames) {
		return m3uaClassNames[c]
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// isM3UA reports whether RFC 4666 defines messages in class c.
func (c M3UAClass) isM3UA() bool { return c <= M3UAASPTM || c == M3UARKM }

// m3uaNames are the RFC 4666 message acronyms by class and type.
var m3uaNames = [10][7]string{
	M3UAMGMT:     {0: "ERR", 1: "NTFY"},
	M3UATransfer: {1: "DATA"},
	M3UASSNM:     {1: "DUNA", 2: "DAVA", 3: "DAUD", 4: "SCON", 5: "DUPU", 6: "DRST"},
	M3UAASPSM:    {1: "ASPUP", 2: "ASPDN", 3: "BEAT", 4: "ASPUP_ACK", 5: "ASPDN_ACK", 6: "BEAT_ACK"},
	M3UAASPTM:    {1: "ASPAC", 2: "ASPIA", 3: "ASPAC_ACK", 4: "ASPIA_ACK"},
	M3UARKM:      {1: "REG_REQ", 2: "REG_RSP", 3: "DEREG_REQ", 4: "DEREG_RSP"},
}

// M3UAMessageName returns the RFC 4666 acronym of a message ("DATA",
// "ASPUP_ACK"…), or "" for a class and type RFC 4666 does not define.
func M3UAMessageName(class M3UAClass, typ uint8) string {
	if int(class) < len(m3uaNames) && int(typ) < len(m3uaNames[class]) {
		return m3uaNames[class][typ]
	}
	return ""
}

// M3UA parameter tags (RFC 4666 §3.2, §3.3.1) and those of the pre-RFC
// drafts (draft-ietf-sigtran-m3ua-06 and before) that DATA used.
const (
	tagRoutingContext    = 0x0006
	tagCorrelationID     = 0x0013
	tagNetworkAppearance = 0x0200
	tagProtocolData      = 0x0210

	tagDraftNetworkAppearance = 0x0001
	tagDraftProtocolData1     = 0x0002 // the MTP3 MSU as is
	tagDraftProtocolData2     = 0x0003 // an MTP2 LI octet, then the MSU
)

// M3UA is one decoded M3UA message.
type M3UA struct {
	Class M3UAClass
	Type  uint8
	Name  string // RFC 4666 acronym ("DATA", "ASPUP", "ASPUP_ACK", "DUNA"…); "" if unknown

	RoutingContext    uint32 // the first routing context of the message
	HasRC             bool
	NetworkAppearance uint32
	HasNA             bool

	// Draft: the DATA message carried the MSU in the pre-RFC draft layout
	// (Protocol Data tag 0x0002 or 0x0003 holding the raw MTP3 MSU).
	Draft bool

	MSU    MSU // DATA's protocol data
	HasMSU bool
}

// DecodeM3UA decodes one M3UA message (an SCTP user message with PPID 3,
// or on port 2905 with PPID 0) into m, which it resets first.
//
// DATA is decoded by a walk of its parameters that allocates nothing:
// Protocol Data (0x0210) gives the MSU, with point codes checked against
// opt.Format; a DATA message with the draft tag 0x0002 or 0x0003 and no
// 0x0210 is the pre-RFC layout and its MSU is decoded as MTP3 in
// opt.Format. Unknown parameters in DATA are skipped. Other messages are
// checked by the go-m3ua codec (which parameters each may carry) and
// allocate; only their name, routing context and network appearance are
// kept.
//
// On error m still holds what was decoded before it (class, type, name).
func DecodeM3UA(b []byte, opt Options, m *M3UA) error {
	*m = M3UA{}
	f, err := opt.format("m3ua")
	if err != nil {
		return err
	}
	if len(b) < 8 {
		return newErr("m3ua", len(b), ErrTruncated, "common header needs 8 octets, have "+itoa(len(b)))
	}
	if b[0] != 1 {
		return newErr("m3ua", 0, ErrVersion, "version "+itoa(int(b[0]))+", want 1")
	}
	m.Class, m.Type = M3UAClass(b[2]), b[3]
	m.Name = M3UAMessageName(m.Class, m.Type)
	n := binary.BigEndian.Uint32(b[4:8])
	switch {
	case n < 8:
		return newErr("m3ua", 4, ErrLength, "message length "+itoa(int(n))+" is shorter than the common header")
	case uint64(n) > uint64(len(b)):
		return newErr("m3ua", len(b), ErrTruncated, "message length "+itoa(int(n))+", have "+itoa(len(b))+" octets")
	case int(n) < len(b):
		return newErr("m3ua", int(n), ErrLength, itoa(len(b)-int(n))+" octets after the message length "+itoa(int(n)))
	}
	if !m.Class.isM3UA() {
		if m.Class <= M3UAM2PA {
			return newErr("m3ua", 2, ErrOtherProtocol, "message class "+itoa(int(m.Class))+" is "+m.Class.String()+", not M3UA")
		}
		return newErr("m3ua", 2, ErrClass, "message class "+itoa(int(m.Class)))
	}
	if m.Name == "" {
		return newErr("m3ua", 3, ErrType, "message type "+itoa(int(m.Type))+" in class "+m.Class.String())
	}
	if m.Class == M3UATransfer {
		return m.decodeData(b, f)
	}
	if err := m.walk(b); err != nil {
		return err
	}
	// go-m3ua knows which parameters each management message may carry;
	// these messages are rare, so its allocations do not matter.
	if _, err := messages.Parse(b); err != nil {
		return newErr("m3ua", 8, ErrParameter, m.Name+": go-m3ua: "+err.Error())
	}
	return nil
}

// param reads the parameter at off: its tag, value and where the next
// one starts. The last parameter may lack its padding.
func param(b []byte, off int) (tag uint16, val []byte, next int, err error) {
	if len(b)-off < 4 {
		return 0, nil, 0, newErr("m3ua", off, ErrTruncated, "parameter header needs 4 octets, have "+itoa(len(b)-off))
	}
	tag = binary.BigEndian.Uint16(b[off:])
	l := int(binary.BigEndian.Uint16(b[off+2:]))
	if l < 4 {
		return 0, nil, 0, newErr("m3ua", off+2, ErrLength, "parameter "+tagName(tag)+" length "+itoa(l)+" is shorter than its header")
	}
	if l > len(b)-off {
		return 0, nil, 0, newErr("m3ua", off+2, ErrTruncated, "parameter "+tagName(tag)+" length "+itoa(l)+", "+itoa(len(b)-off)+" octets left")
	}
	next = min(off+(l+3)&^3, len(b))
	return tag, b[off+4 : off+l : off+l], next, nil
}

// walk checks the framing of every parameter and keeps the routing
// context and network appearance.
func (m *M3UA) walk(b []byte) error {
	for off := 8; off < len(b); {
		tag, val, next, err := param(b, off)
		if err != nil {
			return err
		}
		if err := m.common(tag, val, off); err != nil {
			return err
		}
		off = next
	}
	return nil
}

// common decodes the parameters every class may carry.
func (m *M3UA) common(tag uint16, val []byte, off int) error {
	switch tag {
	case tagRoutingContext:
		// A list of 32-bit contexts; a message of one AS has one.
		if len(val) < 4 || len(val)%4 != 0 {
			return newErr("m3ua", off+2, ErrParameter, "Routing Context length "+itoa(len(val))+" is not a list of 4-octet contexts")
		}
		m.RoutingContext, m.HasRC = binary.BigEndian.Uint32(val), true
	case tagNetworkAppearance:
		if len(val) != 4 {
			return newErr("m3ua", off+2, ErrParameter, "Network Appearance length "+itoa(len(val))+", want 4")
		}
		m.NetworkAppearance, m.HasNA = binary.BigEndian.Uint32(val), true
	}
	return nil
}

func (m *M3UA) decodeData(b []byte, f mtp3.Format) error {
	var pd, draft []byte
	pdOff, draftOff := 0, 0
	var draftTag uint16
	var draftNA []byte
	draftNAOff := 0
	for off := 8; off < len(b); {
		tag, val, next, err := param(b, off)
		if err != nil {
			return err
		}
		switch tag {
		case tagRoutingContext, tagNetworkAppearance:
			if err := m.common(tag, val, off); err != nil {
				return err
			}
		case tagProtocolData:
			if pd != nil {
				return newErr("m3ua", off, ErrParameter, "second Protocol Data in DATA")
			}
			pd, pdOff = val, off+4
		case tagCorrelationID:
			if len(val) != 4 {
				return newErr("m3ua", off+2, ErrParameter, "Correlation Id length "+itoa(len(val))+", want 4")
			}
		case tagDraftProtocolData1, tagDraftProtocolData2:
			if draft != nil {
				return newErr("m3ua", off, ErrParameter, "second draft Protocol Data in DATA")
			}
			draft, draftOff, draftTag = val, off+4, tag
		case tagDraftNetworkAppearance:
			draftNA, draftNAOff = val, off
		}
		off = next
	}
	if pd != nil {
		msu, err := protocolData(pd, pdOff, f)
		if err != nil {
			return err
		}
		m.MSU, m.HasMSU = msu, true
		return nil
	}
	if draft == nil {
		return newErr("m3ua", 8, ErrParameter, "DATA without Protocol Data")
	}
	m.Draft = true
	if draftNA != nil {
		if len(draftNA) != 4 {
			return newErr("m3ua", draftNAOff+2, ErrParameter, "draft Network Appearance length "+itoa(len(draftNA))+", want 4")
		}
		m.NetworkAppearance, m.HasNA = binary.BigEndian.Uint32(draftNA), true
	}
	if draftTag == tagDraftProtocolData2 {
		// Protocol Data 2 keeps the MTP2 length indicator octet first.
		if len(draft) < 1 {
			return newErr("m3ua", draftOff, ErrTruncated, "draft Protocol Data 2 without its LI octet")
		}
		draft, draftOff = draft[1:], draftOff+1
	}
	msu, err := decodeMTP3(draft, f)
	if err != nil {
		return shift(err, draftOff)
	}
	m.MSU, m.HasMSU = msu, true
	return nil
}

// protocolData decodes the RFC 4666 §3.3.1 Protocol Data value at off:
// OPC (4 octets), DPC (4), SI, NI, MP, SLS, then the user part.
func protocolData(v []byte, off int, f mtp3.Format) (MSU, error) {
	if len(v) < 12 {
		return MSU{}, newErr("m3ua", off-2, ErrParameter, "Protocol Data length "+itoa(len(v)+4)+", needs at least 16")
	}
	opc := binary.BigEndian.Uint32(v)
	dpc := binary.BigEndian.Uint32(v[4:])
	if opc > f.Max() {
		return MSU{}, newErr("m3ua", off, ErrRange, "OPC "+hex32(opc)+" does not fit a "+strconv.Itoa(f.Bits())+"-bit "+f.String()+" point code")
	}
	if dpc > f.Max() {
		return MSU{}, newErr("m3ua", off+4, ErrRange, "DPC "+hex32(dpc)+" does not fit a "+strconv.Itoa(f.Bits())+"-bit "+f.String()+" point code")
	}
	if v[8] > 15 {
		return MSU{}, newErr("m3ua", off+8, ErrRange, "SI "+itoa(int(v[8]))+" exceeds 4 bits")
	}
	if v[9] > 3 {
		return MSU{}, newErr("m3ua", off+9, ErrRange, "NI "+itoa(int(v[9]))+" exceeds 2 bits")
	}
	return MSU{
		NI:       mtp3.NetworkIndicator(v[9]),
		Priority: v[10],
		SI:       mtp3.ServiceIndicator(v[8]),
		OPC:      pointCode(f, opc),
		DPC:      pointCode(f, dpc),
		SLS:      v[11],
		Data:     v[12:],
	}, nil
}

// pointCode builds a point code already checked to fit f.
func pointCode(f mtp3.Format, n uint32) mtp3.PointCode {
	if f == mtp3.ANSI {
		return mtp3.ANSIPC(n)
	}
	return mtp3.ITUPC(n)
}

func tagName(tag uint16) string {
	switch tag {
	case tagRoutingContext:
		return "Routing Context"
	case tagCorrelationID:
		return "Correlation Id"
	case tagNetworkAppearance:
		return "Network Appearance"
	case tagProtocolData:
		return "Protocol Data"
	}
	return "0x" + strconv.FormatUint(uint64(tag)|0x10000, 16)[1:]
}
