package m3ua

import (
	"encoding/binary"
	"errors"
	"strconv"
)

// ProtocolData is the DATA message's Protocol Data parameter
// (RFC 4666 §3.3.1): the MTP3 routing label and SIO fields unpacked, and
// the user part message (for ISUP, from its CIC on).
type ProtocolData struct {
	OPC, DPC uint32
	SI       uint8 // service indicator
	NI       uint8 // network indicator
	MP       uint8 // message priority
	SLS      uint8 // signalling link selection
	// Data aliases the decoded input.
	Data []byte
}

// AffectedPC is one entry of the Affected Point Code parameter
// (RFC 4666 §3.4.1): a point code and a mask, the number of its low bits
// that are wildcards.
type AffectedPC struct {
	Mask uint8
	PC   uint32
}

// Covers reports whether pc falls within the entry.
func (a AffectedPC) Covers(pc uint32) bool {
	if a.Mask >= 24 {
		return true
	}
	return (a.PC^pc)&0xffffff>>a.Mask == 0
}

// RCList is a list of Routing Contexts as on the wire (4 octets each).
type RCList []byte

// Len returns the number of Routing Contexts.
func (l RCList) Len() int { return len(l) / 4 }

// At returns the i-th Routing Context.
func (l RCList) At(i int) uint32 { return binary.BigEndian.Uint32(l[4*i:]) }

// Contains reports whether rc is in the list.
func (l RCList) Contains(rc uint32) bool {
	for i := 0; i < l.Len(); i++ {
		if l.At(i) == rc {
			return true
		}
	}
	return false
}

// APCList is the Affected Point Code list as on the wire.
type APCList []byte

// Len returns the number of entries.
func (l APCList) Len() int { return len(l) / 4 }

// At returns the i-th entry.
func (l APCList) At(i int) AffectedPC {
	w := binary.BigEndian.Uint32(l[4*i:])
	return AffectedPC{Mask: uint8(w >> 24), PC: w & 0xffffff}
}

// UserCause is the DUPU User/Cause parameter (RFC 4666 §3.4.5).
type UserCause struct {
	Cause Cause
	User  uint16 // MTP3-User Identity: the service indicator
}

// presence has one bit per parameter this package decodes.
type presence uint32

// The parameters this package knows, in bit order.
var knownTags = [...]Tag{
	TagInfoString, TagRoutingContext, TagDiagnosticInformation, TagHeartbeatData,
	TagTrafficModeType, TagErrorCode, TagStatus, TagASPIdentifier,
	TagAffectedPointCode, TagCorrelationID, TagNetworkAppearance, TagUserCause,
	TagCongestionIndications, TagConcernedDestination, TagProtocolData,
}

func bitOf(t Tag) presence {
	switch t {
	case TagInfoString:
		return 1 << 0
	case TagRoutingContext:
		return 1 << 1
	case TagDiagnosticInformation:
		return 1 << 2
	case TagHeartbeatData:
		return 1 << 3
	case TagTrafficModeType:
		return 1 << 4
	case TagErrorCode:
		return 1 << 5
	case TagStatus:
		return 1 << 6
	case TagASPIdentifier:
		return 1 << 7
	case TagAffectedPointCode:
		return 1 << 8
	case TagCorrelationID:
		return 1 << 9
	case TagNetworkAppearance:
		return 1 << 10
	case TagUserCause:
		return 1 << 11
	case TagCongestionIndications:
		return 1 << 12
	case TagConcernedDestination:
		return 1 << 13
	case TagProtocolData:
		return 1 << 14
	}
	return 0
}

// need says whether a parameter must be present (RFC 4666 §3: Mandatory)
// or may be (Optional, or Conditional: the procedures decide).
type need uint8

const (
	optional need = iota
	mandatory
)

type paramSpec struct {
	tag  Tag
	need need
}

// layouts lists each message's parameters in the order RFC 4666 §3.3–§3.8
// draws them; encoding follows it, decoding accepts any order.
var layouts = map[MessageType][]paramSpec{
	DATA: {{TagNetworkAppearance, optional}, {TagRoutingContext, optional}, {TagProtocolData, mandatory}, {TagCorrelationID, optional}},
	DUNA: ssnmLayout, DAVA: ssnmLayout, DAUD: ssnmLayout, DRST: ssnmLayout,
	SCON: {{TagNetworkAppearance, optional}, {TagRoutingContext, optional}, {TagAffectedPointCode, mandatory},
		{TagConcernedDestination, optional}, {TagCongestionIndications, optional}, {TagInfoString, optional}},
	DUPU: {{TagNetworkAppearance, optional}, {TagRoutingContext, optional}, {TagAffectedPointCode, mandatory},
		{TagUserCause, mandatory}, {TagInfoString, optional}},
	ASPUP:    {{TagASPIdentifier, optional}, {TagInfoString, optional}},
	ASPUPAck: {{TagASPIdentifier, optional}, {TagInfoString, optional}},
	ASPDN:    {{TagInfoString, optional}},
	ASPDNAck: {{TagInfoString, optional}},
	BEAT:     {{TagHeartbeatData, optional}},
	BEATAck:  {{TagHeartbeatData, optional}},
	ASPAC:    {{TagTrafficModeType, optional}, {TagRoutingContext, optional}, {TagInfoString, optional}},
	ASPACAck: {{TagTrafficModeType, optional}, {TagRoutingContext, optional}, {TagInfoString, optional}},
	ASPIA:    {{TagRoutingContext, optional}, {TagInfoString, optional}},
	ASPIAAck: {{TagRoutingContext, optional}, {TagInfoString, optional}},
	ERR: {{TagErrorCode, mandatory}, {TagRoutingContext, optional}, {TagNetworkAppearance, optional},
		{TagAffectedPointCode, optional}, {TagDiagnosticInformation, optional}},
	NTFY: {{TagStatus, mandatory}, {TagASPIdentifier, optional}, {TagRoutingContext, optional}, {TagInfoString, optional}},
}

var ssnmLayout = []paramSpec{{TagNetworkAppearance, optional}, {TagRoutingContext, optional},
	{TagAffectedPointCode, mandatory}, {TagInfoString, optional}}

// layoutSet is a layout as bit sets, for decoding without a map lookup.
type layoutSet struct {
	known             bool
	allowed, required presence
}

// sets is indexed by class (up to 4) and type octet (up to 7).
var sets = func() (s [5][8]layoutSet) {
	for t, l := range layouts {
		e := &s[t.Class()][t.TypeOctet()]
		e.known = true
		for _, p := range l {
			e.allowed |= bitOf(p.tag)
			if p.need == mandatory {
				e.required |= bitOf(p.tag)
			}
		}
	}
	return s
}()

func setOf(t MessageType) layoutSet {
	if c, o := t.Class(), t.TypeOctet(); c < 5 && o < 8 {
		return sets[c][o]
	}
	return layoutSet{}
}

// Message is any M3UA message, its parameters unpacked into fields.
// Decode fills it from a received message, aliasing the input (nothing is
// allocated); Append encodes the parameters marked present. Reuse one
// Message for many decodes.
type Message struct {
	Type MessageType
	has  presence

	NetworkAppearance     uint32
	RoutingContexts       RCList
	ProtocolData          ProtocolData
	CorrelationID         uint32
	TrafficMode           TrafficMode
	ErrorCode             ErrorCode
	Status                Status
	ASPIdentifier         uint32
	HeartbeatData         []byte
	InfoString            []byte
	DiagnosticInformation []byte
	AffectedPointCodes    APCList
	ConcernedDestination  uint32
	CongestionLevel       uint8 // Congestion Indications (RFC 4666 §3.4.4)
	UserCause             UserCause

	// Skipped counts parameters that Decode passed over: tags M3UA does
	// not define here, or known ones this message type does not carry.
	Skipped int

	// inline storage for lists set by the Set methods
	rcBuf  [8 * 4]byte
	apcBuf [8 * 4]byte
}

// Reset clears m for a message of type t with no parameters.
func (m *Message) Reset(t MessageType) {
	*m = Message{Type: t}
}

// Has reports whether the parameter is present.
func (m *Message) Has(t Tag) bool { b := bitOf(t); return b != 0 && m.has&b != 0 }

// Set marks the parameter present (its field holds the value).
func (m *Message) Set(t Tag) { m.has |= bitOf(t) }

// Clear marks the parameter absent.
func (m *Message) Clear(t Tag) { m.has &^= bitOf(t) }

// SetRoutingContexts stores the list and marks it present. Up to eight
// values use storage inside m.
func (m *Message) SetRoutingContexts(rcs ...uint32) {
	var b []byte
	if len(rcs)*4 <= len(m.rcBuf) {
		b = m.rcBuf[:0]
	}
	for _, rc := range rcs {
		b = binary.BigEndian.AppendUint32(b, rc)
	}
	m.RoutingContexts = b
	m.Set(TagRoutingContext)
}

// SetAffectedPointCodes stores the list and marks it present.
func (m *Message) SetAffectedPointCodes(pcs ...AffectedPC) {
	var b []byte
	if len(pcs)*4 <= len(m.apcBuf) {
		b = m.apcBuf[:0]
	}
	for _, p := range pcs {
		b = binary.BigEndian.AppendUint32(b, uint32(p.Mask)<<24|p.PC&0xffffff)
	}
	m.AffectedPointCodes = b
	m.Set(TagAffectedPointCode)
}

// Peek reads the message type and length from a common header without
// decoding the rest.
func Peek(b []byte) (t MessageType, length uint32, ok bool) {
	if len(b) < HeaderLen {
		return 0, 0, false
	}
	return NewMessageType(MessageClass(b[2]), b[3]), binary.BigEndian.Uint32(b[4:]), true
}

func perr(t MessageType, tag Tag, off int, code ErrorCode, err error, detail string) *Error {
	return &Error{Type: t, Header: true, Tag: tag, Offset: off, Code: code, Err: err, Detail: detail}
}

// Decode parses one whole message (as one SCTP user message carries it).
// Fields alias b. Parameters this message type does not carry are skipped
// and counted; a malformed header or parameter, a duplicate or a missing
// mandatory parameter fails with an *Error carrying the Error Code to
// answer with.
func (m *Message) Decode(b []byte) error {
	*m = Message{}
	if len(b) < HeaderLen {
		return &Error{Offset: len(b), Code: ErrProtocolError, Err: ErrTruncated, Detail: "common header needs 8 octets, have " + strconv.Itoa(len(b))}
	}
	t := NewMessageType(MessageClass(b[2]), b[3])
	m.Type = t
	if b[0] != Version {
		return &Error{Type: t, Header: true, Offset: 0, Code: ErrInvalidVersion, Err: ErrVersion, Detail: "version " + strconv.Itoa(int(b[0]))}
	}
	ls := setOf(t)
	want := ls.allowed
	if !ls.known {
		switch t.Class() {
		case ClassMGMT, ClassTransfer, ClassSSNM, ClassASPSM, ClassASPTM:
			return perr(t, 0, 3, ErrUnsupportedMessageType, ErrType, "")
		}
		// RKM is optional (RFC 4666 §4.4) and not implemented here.
		return perr(t, 0, 2, ErrUnsupportedMessageClass, ErrClass, "")
	}
	n := binary.BigEndian.Uint32(b[4:])
	if n != uint32(len(b)) {
		return perr(t, 0, 4, ErrProtocolError, ErrLength, "message length "+strconv.FormatUint(uint64(n), 10)+", have "+strconv.Itoa(len(b)))
	}
	off := HeaderLen
	for off < len(b) {
		if len(b)-off < 4 {
			return perr(t, 0, off, ErrParameterFieldError, ErrTruncated, "parameter header needs 4 octets")
		}
		tag := Tag(binary.BigEndian.Uint16(b[off:]))
		plen := int(binary.BigEndian.Uint16(b[off+2:]))
		if plen < 4 || plen > len(b)-off {
			return perr(t, tag, off, ErrParameterFieldError, ErrLength, "parameter length "+strconv.Itoa(plen)+", "+strconv.Itoa(len(b)-off)+" octets left")
		}
		v := b[off+4 : off+plen : off+plen]
		// RFC 4666 §3.2: padding to 4 octets is not in the parameter
		// length. A last parameter sent without it is accepted.
		next := off + (plen+3)&^3
		if next > len(b) {
			next = len(b)
		}
		bit := bitOf(tag)
		switch {
		case bit == 0 || want&bit == 0:
			m.Skipped++
		case m.has&bit != 0:
			return perr(t, tag, off, ErrParameterFieldError, ErrDuplicate, "")
		default:
			if err := m.setValue(tag, v); err != nil {
				return perr(t, tag, off, ErrParameterFieldError, ErrValueLength, err.Error())
			}
			m.has |= bit
		}
		off = next
	}
	if miss := ls.required &^ m.has; miss != 0 {
		for _, p := range layouts[t] {
			if miss&bitOf(p.tag) != 0 {
				return perr(t, p.tag, len(b), ErrMissingParameter, ErrMissing, "")
			}
		}
	}
	return nil
}

var (
	errLen4     = errors.New("must be 4 octets")
	errList     = errors.New("must be a non-empty multiple of 4 octets")
	errProtData = errors.New("must be at least 12 octets")
)

func (m *Message) setValue(tag Tag, v []byte) error {
	u32 := func() (uint32, error) {
		if len(v) != 4 {
			return 0, errLen4
		}
		return binary.BigEndian.Uint32(v), nil
	}
	var err error
	switch tag {
	case TagNetworkAppearance:
		m.NetworkAppearance, err = u32()
	case TagCorrelationID:
		m.CorrelationID, err = u32()
	case TagASPIdentifier:
		m.ASPIdentifier, err = u32()
	case TagTrafficModeType:
		var x uint32
		x, err = u32()
		m.TrafficMode = TrafficMode(x)
	case TagErrorCode:
		var x uint32
		x, err = u32()
		m.ErrorCode = ErrorCode(x)
	case TagStatus:
		var x uint32
		x, err = u32()
		m.Status = Status(x)
	case TagConcernedDestination:
		var x uint32
		x, err = u32()
		m.ConcernedDestination = x & 0xffffff
	case TagCongestionIndications:
		var x uint32
		x, err = u32()
		m.CongestionLevel = uint8(x)
	case TagUserCause:
		var x uint32
		x, err = u32()
		m.UserCause = UserCause{Cause: Cause(x >> 16), User: uint16(x)}
	case TagRoutingContext:
		if len(v) == 0 || len(v)%4 != 0 {
			return errList
		}
		m.RoutingContexts = v
	case TagAffectedPointCode:
		if len(v) == 0 || len(v)%4 != 0 {
			return errList
		}
		m.AffectedPointCodes = v
	case TagProtocolData:
		if len(v) < 12 {
			return errProtData
		}
		m.ProtocolData = ProtocolData{
			OPC: binary.BigEndian.Uint32(v), DPC: binary.BigEndian.Uint32(v[4:]),
			SI: v[8], NI: v[9], MP: v[10], SLS: v[11], Data: v[12:],
		}
	case TagHeartbeatData:
		m.HeartbeatData = v
	case TagInfoString:
		m.InfoString = v
	case TagDiagnosticInformation:
		m.DiagnosticInformation = v
	}
	return err
}

// Encoding errors.
var (
	ErrEncodeType    = errors.New("m3ua: cannot encode this message type")
	ErrEncodeMissing = errors.New("m3ua: mandatory parameter not set")
	ErrEncodeExtra   = errors.New("m3ua: parameter set that this message type does not carry")
	ErrEncodeValue   = errors.New("m3ua: parameter value does not fit")
)

// Append encodes m and appends it to b. Only the parameters marked present
// are written, in RFC order; a mandatory one missing, or one the type does
// not carry, is an error. With enough capacity in b nothing is allocated.
func (m *Message) Append(b []byte) ([]byte, error) {
	ls := setOf(m.Type)
	if !ls.known {
		return b, ErrEncodeType
	}
	layout := layouts[m.Type]
	if m.has&^ls.allowed != 0 {
		return b, ErrEncodeExtra
	}
	if ls.required&^m.has != 0 {
		return b, ErrEncodeMissing
	}
	start := len(b)
	b = append(b, Version, 0, byte(m.Type>>8), byte(m.Type), 0, 0, 0, 0)
	for _, p := range layout {
		if m.has&bitOf(p.tag) == 0 {
			continue
		}
		var err error
		if b, err = m.appendParam(b, p.tag); err != nil {
			return b[:start], err
		}
	}
	binary.BigEndian.PutUint32(b[start+4:], uint32(len(b)-start))
	return b, nil
}

func appendTLV(b []byte, tag Tag, v ...[]byte) ([]byte, error) {
	n := 4
	for _, x := range v {
		n += len(x)
	}
	if n > 0xffff {
		return b, ErrEncodeValue
	}
	b = append(b, byte(tag>>8), byte(tag), byte(n>>8), byte(n))
	for _, x := range v {
		b = append(b, x...)
	}
	for ; n%4 != 0; n++ {
		b = append(b, 0)
	}
	return b, nil
}

func appendU32(b []byte, tag Tag, v uint32) []byte {
	return append(b, byte(tag>>8), byte(tag), 0, 8, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

func (m *Message) appendParam(b []byte, tag Tag) ([]byte, error) {
	switch tag {
	case TagNetworkAppearance:
		return appendU32(b, tag, m.NetworkAppearance), nil
	case TagCorrelationID:
		return appendU32(b, tag, m.CorrelationID), nil
	case TagASPIdentifier:
		return appendU32(b, tag, m.ASPIdentifier), nil
	case TagTrafficModeType:
		return appendU32(b, tag, uint32(m.TrafficMode)), nil
	case TagErrorCode:
		return appendU32(b, tag, uint32(m.ErrorCode)), nil
	case TagStatus:
		return appendU32(b, tag, uint32(m.Status)), nil
	case TagConcernedDestination:
		if m.ConcernedDestination > 0xffffff {
			return b, ErrEncodeValue
		}
		return appendU32(b, tag, m.ConcernedDestination), nil
	case TagCongestionIndications:
		return appendU32(b, tag, uint32(m.CongestionLevel)), nil
	case TagUserCause:
		return appendU32(b, tag, uint32(m.UserCause.Cause)<<16|uint32(m.UserCause.User)), nil
	case TagRoutingContext:
		if len(m.RoutingContexts) == 0 || len(m.RoutingContexts)%4 != 0 {
			return b, ErrEncodeValue
		}
		return appendTLV(b, tag, m.RoutingContexts)
	case TagAffectedPointCode:
		if len(m.AffectedPointCodes) == 0 || len(m.AffectedPointCodes)%4 != 0 {
			return b, ErrEncodeValue
		}
		return appendTLV(b, tag, m.AffectedPointCodes)
	case TagProtocolData:
		pd := &m.ProtocolData
		if len(pd.Data) > 0xffff-16 {
			return b, ErrEncodeValue
		}
		n := 16 + len(pd.Data)
		b = append(b, byte(tag>>8), byte(tag), byte(n>>8), byte(n),
			byte(pd.OPC>>24), byte(pd.OPC>>16), byte(pd.OPC>>8), byte(pd.OPC),
			byte(pd.DPC>>24), byte(pd.DPC>>16), byte(pd.DPC>>8), byte(pd.DPC),
			pd.SI, pd.NI, pd.MP, pd.SLS)
		b = append(b, pd.Data...)
		for ; n%4 != 0; n++ {
			b = append(b, 0)
		}
		return b, nil
	case TagHeartbeatData:
		return appendTLV(b, tag, m.HeartbeatData)
	case TagInfoString:
		return appendTLV(b, tag, m.InfoString)
	case TagDiagnosticInformation:
		return appendTLV(b, tag, m.DiagnosticInformation)
	}
	return b, ErrEncodeType
}

// AppendDATA encodes a DATA message without building a Message: the hot
// path of the sender. rc and na are written when their has flags are set.
func AppendDATA(b []byte, na uint32, hasNA bool, rc uint32, hasRC bool, pd *ProtocolData) ([]byte, error) {
	if len(pd.Data) > 0xffff-16-HeaderLen-16 {
		return b, ErrEncodeValue
	}
	start := len(b)
	b = append(b, Version, 0, byte(ClassTransfer), 1, 0, 0, 0, 0)
	if hasNA {
		b = appendU32(b, TagNetworkAppearance, na)
	}
	if hasRC {
		b = appendU32(b, TagRoutingContext, rc)
	}
	n := 16 + len(pd.Data)
	b = append(b, byte(TagProtocolData>>8), byte(TagProtocolData&0xff), byte(n>>8), byte(n),
		byte(pd.OPC>>24), byte(pd.OPC>>16), byte(pd.OPC>>8), byte(pd.OPC),
		byte(pd.DPC>>24), byte(pd.DPC>>16), byte(pd.DPC>>8), byte(pd.DPC),
		pd.SI, pd.NI, pd.MP, pd.SLS)
	b = append(b, pd.Data...)
	for ; n%4 != 0; n++ {
		b = append(b, 0)
	}
	binary.BigEndian.PutUint32(b[start+4:], uint32(len(b)-start))
	return b, nil
}
