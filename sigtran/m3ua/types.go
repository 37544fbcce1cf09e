package m3ua

import "strconv"

// Version is the only M3UA version (RFC 4666 §3.1.1).
const Version = 1

// HeaderLen is the length of the common header (RFC 4666 §3.1).
const HeaderLen = 8

// MessageClass is the common header's Message Class (RFC 4666 §3.1.2).
type MessageClass uint8

const (
	ClassMGMT     MessageClass = 0 // management
	ClassTransfer MessageClass = 1
	ClassSSNM     MessageClass = 2 // SS7 signalling network management
	ClassASPSM    MessageClass = 3 // ASP state maintenance
	ClassASPTM    MessageClass = 4 // ASP traffic maintenance
	ClassRKM      MessageClass = 9 // routing key management
)

func (c MessageClass) String() string {
	switch c {
	case ClassMGMT:
		return "MGMT"
	case ClassTransfer:
		return "Transfer"
	case ClassSSNM:
		return "SSNM"
	case ClassASPSM:
		return "ASPSM"
	case ClassASPTM:
		return "ASPTM"
	case ClassRKM:
		return "RKM"
	}
	return "MessageClass(" + strconv.Itoa(int(c)) + ")"
}

// MessageType is a message class and type as one value: class<<8 | type.
type MessageType uint16

// Message types of RFC 4666 §3.1.3, named as the RFC names them.
const (
	ERR      MessageType = 0x0000
	NTFY     MessageType = 0x0001
	DATA     MessageType = 0x0101
	DUNA     MessageType = 0x0201
	DAVA     MessageType = 0x0202
	DAUD     MessageType = 0x0203
	SCON     MessageType = 0x0204
	DUPU     MessageType = 0x0205
	DRST     MessageType = 0x0206
	ASPUP    MessageType = 0x0301
	ASPDN    MessageType = 0x0302
	BEAT     MessageType = 0x0303
	ASPUPAck MessageType = 0x0304
	ASPDNAck MessageType = 0x0305
	BEATAck  MessageType = 0x0306
	ASPAC    MessageType = 0x0401
	ASPIA    MessageType = 0x0402
	ASPACAck MessageType = 0x0403
	ASPIAAck MessageType = 0x0404
	REGREQ   MessageType = 0x0901
	REGRSP   MessageType = 0x0902
	DEREGREQ MessageType = 0x0903
	DEREGRSP MessageType = 0x0904
)

// NewMessageType combines a class and a type octet.
func NewMessageType(class MessageClass, typ uint8) MessageType {
	return MessageType(class)<<8 | MessageType(typ)
}

// Class returns the message class.
func (t MessageType) Class() MessageClass { return MessageClass(t >> 8) }

// TypeOctet returns the message type octet within the class.
func (t MessageType) TypeOctet() uint8 { return uint8(t) }

var typeNames = map[MessageType]string{
	ERR: "ERR", NTFY: "NTFY", DATA: "DATA",
	DUNA: "DUNA", DAVA: "DAVA", DAUD: "DAUD", SCON: "SCON", DUPU: "DUPU", DRST: "DRST",
	ASPUP: "ASPUP", ASPDN: "ASPDN", BEAT: "BEAT", ASPUPAck: "ASPUP_ACK", ASPDNAck: "ASPDN_ACK", BEATAck: "BEAT_ACK",
	ASPAC: "ASPAC", ASPIA: "ASPIA", ASPACAck: "ASPAC_ACK", ASPIAAck: "ASPIA_ACK",
	REGREQ: "REG_REQ", REGRSP: "REG_RSP", DEREGREQ: "DEREG_REQ", DEREGRSP: "DEREG_RSP",
}

func (t MessageType) String() string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return t.Class().String() + "(" + strconv.Itoa(int(t.TypeOctet())) + ")"
}

// Tag is a parameter tag (RFC 4666 §3.2).
type Tag uint16

// Parameter tags: common ones (RFC 4666 §3.2) and M3UA's (0x02xx).
const (
	TagInfoString               Tag = 0x0004
	TagRoutingContext           Tag = 0x0006
	TagDiagnosticInformation    Tag = 0x0007
	TagHeartbeatData            Tag = 0x0009
	TagTrafficModeType          Tag = 0x000b
	TagErrorCode                Tag = 0x000c
	TagStatus                   Tag = 0x000d
	TagASPIdentifier            Tag = 0x0011
	TagAffectedPointCode        Tag = 0x0012
	TagCorrelationID            Tag = 0x0013
	TagNetworkAppearance        Tag = 0x0200
	TagUserCause                Tag = 0x0204
	TagCongestionIndications    Tag = 0x0205
	TagConcernedDestination     Tag = 0x0206
	TagRoutingKey               Tag = 0x0207
	TagRegistrationResult       Tag = 0x0208
	TagDeregistrationResult     Tag = 0x0209
	TagLocalRoutingKeyID        Tag = 0x020a
	TagDestinationPointCode     Tag = 0x020b
	TagServiceIndicators        Tag = 0x020c
	TagOriginatingPointCodeList Tag = 0x020e
	TagProtocolData             Tag = 0x0210
	TagRegistrationStatus       Tag = 0x0212
	TagDeregistrationStatus     Tag = 0x0213
)

var tagNames = map[Tag]string{
	TagInfoString: "Info String", TagRoutingContext: "Routing Context", TagDiagnosticInformation: "Diagnostic Information",
	TagHeartbeatData: "Heartbeat Data", TagTrafficModeType: "Traffic Mode Type", TagErrorCode: "Error Code",
	TagStatus: "Status", TagASPIdentifier: "ASP Identifier", TagAffectedPointCode: "Affected Point Code",
	TagCorrelationID: "Correlation ID", TagNetworkAppearance: "Network Appearance", TagUserCause: "User/Cause",
	TagCongestionIndications: "Congestion Indications", TagConcernedDestination: "Concerned Destination",
	TagRoutingKey: "Routing Key", TagRegistrationResult: "Registration Result", TagDeregistrationResult: "Deregistration Result",
	TagLocalRoutingKeyID: "Local Routing Key Identifier", TagDestinationPointCode: "Destination Point Code",
	TagServiceIndicators: "Service Indicators", TagOriginatingPointCodeList: "Originating Point Code List",
	TagProtocolData: "Protocol Data", TagRegistrationStatus: "Registration Status", TagDeregistrationStatus: "Deregistration Status",
}

func (t Tag) String() string {
	if s, ok := tagNames[t]; ok {
		return s
	}
	return "Tag(0x" + strconv.FormatUint(uint64(t), 16) + ")"
}

// ErrorCode is the ERR message's Error Code (RFC 4666 §3.8.1).
type ErrorCode uint32

const (
	ErrInvalidVersion             ErrorCode = 0x01
	ErrUnsupportedMessageClass    ErrorCode = 0x03
	ErrUnsupportedMessageType     ErrorCode = 0x04
	ErrUnsupportedTrafficModeType ErrorCode = 0x05
	ErrUnexpectedMessage          ErrorCode = 0x06
	ErrProtocolError              ErrorCode = 0x07
	ErrInvalidStreamIdentifier    ErrorCode = 0x09
	ErrRefusedManagementBlocking  ErrorCode = 0x0d
	ErrASPIdentifierRequired      ErrorCode = 0x0e
	ErrInvalidASPIdentifier       ErrorCode = 0x0f
	ErrInvalidParameterValue      ErrorCode = 0x11
	ErrParameterFieldError        ErrorCode = 0x12
	ErrUnexpectedParameter        ErrorCode = 0x13
	ErrDestinationStatusUnknown   ErrorCode = 0x14
	ErrInvalidNetworkAppearance   ErrorCode = 0x15
	ErrMissingParameter           ErrorCode = 0x16
	ErrInvalidRoutingContext      ErrorCode = 0x19
	ErrNoConfiguredASForASP       ErrorCode = 0x1a
)

var errorCodeNames = map[ErrorCode]string{
	ErrInvalidVersion: "Invalid Version", ErrUnsupportedMessageClass: "Unsupported Message Class",
	ErrUnsupportedMessageType: "Unsupported Message Type", ErrUnsupportedTrafficModeType: "Unsupported Traffic Mode Type",
	ErrUnexpectedMessage: "Unexpected Message", ErrProtocolError: "Protocol Error",
	ErrInvalidStreamIdentifier: "Invalid Stream Identifier", ErrRefusedManagementBlocking: "Refused - Management Blocking",
	ErrASPIdentifierRequired: "ASP Identifier Required", ErrInvalidASPIdentifier: "Invalid ASP Identifier",
	ErrInvalidParameterValue: "Invalid Parameter Value", ErrParameterFieldError: "Parameter Field Error",
	ErrUnexpectedParameter: "Unexpected Parameter", ErrDestinationStatusUnknown: "Destination Status Unknown",
	ErrInvalidNetworkAppearance: "Invalid Network Appearance", ErrMissingParameter: "Missing Parameter",
	ErrInvalidRoutingContext: "Invalid Routing Context", ErrNoConfiguredASForASP: "No Configured AS for ASP",
}

func (c ErrorCode) String() string {
	if s, ok := errorCodeNames[c]; ok {
		return s
	}
	return "ErrorCode(0x" + strconv.FormatUint(uint64(c), 16) + ")"
}

// TrafficMode is the Traffic Mode Type (RFC 4666 §3.7.1).
type TrafficMode uint32

const (
	Override  TrafficMode = 1
	Loadshare TrafficMode = 2
	Broadcast TrafficMode = 3
)

func (m TrafficMode) String() string {
	switch m {
	case Override:
		return "Override"
	case Loadshare:
		return "Loadshare"
	case Broadcast:
		return "Broadcast"
	}
	return "TrafficMode(" + strconv.Itoa(int(m)) + ")"
}

// Status is the NTFY Status parameter: Status Type in the high 16 bits,
// Status Information in the low 16 (RFC 4666 §3.8.2).
type Status uint32

// Status values of RFC 4666 §3.8.2.
const (
	// Status Type 1, AS-State_Change.
	StatusASInactive Status = 1<<16 | 2
	StatusASActive   Status = 1<<16 | 3
	StatusASPending  Status = 1<<16 | 4
	// Status Type 2, Other.
	StatusInsufficientASPs   Status = 2<<16 | 1 // insufficient ASP resources active in AS
	StatusAlternateASPActive Status = 2<<16 | 2
	StatusASPFailure         Status = 2<<16 | 3
)

// Type returns the Status Type (1 AS-State_Change, 2 Other).
func (s Status) Type() uint16 { return uint16(s >> 16) }

// Info returns the Status Information.
func (s Status) Info() uint16 { return uint16(s) }

func (s Status) String() string {
	switch s {
	case StatusASInactive:
		return "AS-INACTIVE"
	case StatusASActive:
		return "AS-ACTIVE"
	case StatusASPending:
		return "AS-PENDING"
	case StatusInsufficientASPs:
		return "Insufficient ASP Resources Active in AS"
	case StatusAlternateASPActive:
		return "Alternate ASP Active"
	case StatusASPFailure:
		return "ASP Failure"
	}
	return "Status(" + strconv.Itoa(int(s.Type())) + "," + strconv.Itoa(int(s.Info())) + ")"
}

// Cause is the DUPU Unavailability Cause (RFC 4666 §3.4.5).
type Cause uint16

const (
	CauseUnknown            Cause = 0
	CauseUnequippedRemote   Cause = 1 // unequipped remote user
	CauseInaccessibleRemote Cause = 2 // inaccessible remote user
)

func (c Cause) String() string {
	switch c {
	case CauseUnknown:
		return "Unknown"
	case CauseUnequippedRemote:
		return "Unequipped Remote User"
	case CauseInaccessibleRemote:
		return "Inaccessible Remote User"
	}
	return "Cause(" + strconv.Itoa(int(c)) + ")"
}
