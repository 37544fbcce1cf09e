package isup

// Supplementary-service and network indicators (Q.763 §3; T1.113.3 where
// its coding differs). Single-indicator parameters whose last bit is an
// extension indicator keep bit H as Continues (H = 0: information continues
// in the next octet) and whatever follows the first octet in Ext, so that
// re-encoding is exact even for octets this package does not interpret.

func init() {
	Register(Both, ParamClosedUserGroupInterlockCode, func() Value { return new(ClosedUserGroupInterlockCode) })
	Register(Both, ParamCallReference, func() Value { return new(CallReference) })
	Register(Both, ParamFacilityIndicator, func() Value { return new(FacilityIndicator) })
	Register(Both, ParamUIDActionIndicators, func() Value { return new(UIDActionIndicators) })
	Register(Both, ParamUIDCapabilityIndicators, func() Value { return new(UIDCapabilityIndicators) })
	Register(Both, ParamMCIDRequestIndicators, func() Value { return new(MCIDRequestIndicators) })
	Register(Both, ParamMCIDResponseIndicators, func() Value { return new(MCIDResponseIndicators) })
	Register(Both, ParamGenericNotificationIndicator, func() Value { return new(GenericNotificationIndicator) })
	Register(Both, ParamCallDiversionInformation, func() Value { return new(CallDiversionInformation) })
	Register(Both, ParamAccessDeliveryInformation, func() Value { return new(AccessDeliveryInformation) })
	Register(Both, ParamUserToUserIndicators, func() Value { return new(UserToUserIndicators) })
	Register(Both, ParamCallHistoryInformation, func() Value { return new(CallHistoryInformation) })
	Register(Both, ParamMLPPPrecedence, func() Value { return new(MLPPPrecedence) })
	Register(Both, ParamRedirectionNumberRestriction, func() Value { return new(RedirectionNumberRestriction) })
	Register(Both, ParamLoopPreventionIndicators, func() Value { return new(LoopPreventionIndicators) })
	Register(Both, ParamCCSS, func() Value { return new(CCSS) })
	Register(Both, ParamCollectCallRequest, func() Value { return new(CollectCallRequest) })
	Register(Both, ParamConferenceTreatmentInd, func() Value { return new(ConferenceTreatmentIndicators) })
	Register(Both, ParamCallOfferingTreatmentInd, func() Value { return new(CallOfferingTreatmentIndicators) })
	Register(Both, ParamCallDiversionTreatmentInd, func() Value { return new(CallDiversionTreatmentIndicators) })
	Register(Both, ParamSignallingPointCode, func() Value { return new(SignallingPointCode) })
	Register(Both, ParamOriginationISCPointCode, func() Value { return new(OriginationISCPointCode) })
	Register(Both, ParamNetworkManagementControls, func() Value { return new(NetworkManagementControls) })
	Register(Both, ParamRedirectCounter, func() Value { return new(RedirectCounter) })
	Register(Both, ParamDisplayInformation, func() Value { return new(DisplayInformation) })
	Register(Both, ParamCorrelationID, func() Value { return new(CorrelationID) })
	Register(Both, ParamSCFID, func() Value { return new(SCFID) })
}

// indExtFirst splits a parameter into its first octet, bit H clear
// (continues) and the octets that follow (aliasing data).
func indExtFirst(c ParamCode, data []byte) (b byte, continues bool, ext []byte, err error) {
	if err = needLen(c, data, 1); err != nil {
		return 0, false, nil, err
	}
	if len(data) > 1 {
		ext = data[1:]
	}
	return data[0], data[0]&0x80 == 0, ext, nil
}

// indExtAppend appends a first octet (bits G-A) with bit H, then ext.
func indExtAppend(b []byte, first byte, continues bool, ext []byte) []byte {
	return append(append(b, first&0x7f|indIf(!continues, 7)), ext...)
}

func indExtFields(f []Field, continues bool, ext []byte) []Field {
	f = append(f, indFlag("Extension indicator", "extension", !continues, "information continues in the next octet", "last octet", ""))
	if len(ext) > 0 {
		f = append(f, Octets("Extension octets", "ext", ext, ""))
	}
	return f
}

// indNiString renders two octets of network identity digits, the first digit
// in bits 8-5 (Q.763 §3.15).
func indNiString(ni [2]byte) string {
	return string([]byte{digitChars[ni[0]>>4], digitChars[ni[0]&15], digitChars[ni[1]>>4], digitChars[ni[1]&15]})
}

// ---------------------------------------------------------------------------
// 3.15 Closed user group interlock code

// ClosedUserGroupInterlockCode is parameter 0x1a: the network identity (four
// BCD digits, the first in bits 8-5 of octet 1) and a 16-bit binary code.
type ClosedUserGroupInterlockCode struct {
	NetworkIdentity [2]byte // as received; see NI
	BinaryCode      uint16
}

// NI returns the network identity digits.
func (p *ClosedUserGroupInterlockCode) NI() string { return indNiString(p.NetworkIdentity) }

func (*ClosedUserGroupInterlockCode) Code() ParamCode { return ParamClosedUserGroupInterlockCode }

func (p *ClosedUserGroupInterlockCode) DecodeParam(data []byte, v Variant) error {
	if err := exactLen(p.Code(), data, 4); err != nil {
		return err
	}
	*p = ClosedUserGroupInterlockCode{[2]byte{data[0], data[1]}, uint16(data[2])<<8 | uint16(data[3])}
	return nil
}

func (p *ClosedUserGroupInterlockCode) AppendParam(b []byte, v Variant) []byte {
	return append(b, p.NetworkIdentity[0], p.NetworkIdentity[1], byte(p.BinaryCode>>8), byte(p.BinaryCode))
}

func (p *ClosedUserGroupInterlockCode) Fields(v Variant) []Field {
	return []Field{
		Str("Network identity", "network_identity", p.NI(), "isup.network_identity"),
		Uint("Binary code", "binary_code", uint64(p.BinaryCode), "", "isup.binary_code"),
	}
}

// ---------------------------------------------------------------------------
// 3.8 Call reference

// CallReference is parameter 0x01: a call identity (3 octets, most
// significant first) and the point code of the exchange that allocated it:
// ITU 14 bits in two octets (least significant first, 2 spare bits), ANSI
// 24 bits in three octets (member, cluster, network).
type CallReference struct {
	CallIdentity uint32 // 24 bits
	PointCode    uint32
	Spare        uint8 // ITU: bits 8-7 of the last octet as received (0xc0)
}

func (*CallReference) Code() ParamCode { return ParamCallReference }

func (p *CallReference) DecodeParam(data []byte, v Variant) error {
	n := 5
	if v == ANSI {
		n = 6
	}
	if err := exactLen(p.Code(), data, n); err != nil {
		return err
	}
	p.CallIdentity = uint32(data[0])<<16 | uint32(data[1])<<8 | uint32(data[2])
	p.PointCode, p.Spare = indPcDecode(data[3:], v)
	return nil
}

func (p *CallReference) AppendParam(b []byte, v Variant) []byte {
	b = append(b, byte(p.CallIdentity>>16), byte(p.CallIdentity>>8), byte(p.CallIdentity))
	return indPcAppend(b, p.PointCode, p.Spare, v)
}

func (p *CallReference) Fields(v Variant) []Field {
	// No WS for the point code: tshark 4.0 reads it most significant octet
	// first, Q.763 §3.8 codes it least significant octet first.
	return []Field{
		Uint("Call identity", "call_identity", uint64(p.CallIdentity), "", "isup.call_identity"),
		Uint("Signalling point code", "point_code", uint64(p.PointCode), "", ""),
	}
}

// indPcDecode reads a point code: ITU two octets, least significant first, 14
// bits; ANSI three octets member, cluster, network. data has the length.
func indPcDecode(data []byte, v Variant) (pc uint32, spare uint8) {
	if v == ANSI {
		return uint32(data[2])<<16 | uint32(data[1])<<8 | uint32(data[0]), 0
	}
	return uint32(data[0]) | uint32(data[1]&0x3f)<<8, data[1] & 0xc0
}

func indPcAppend(b []byte, pc uint32, spare uint8, v Variant) []byte {
	if v == ANSI {
		return append(b, byte(pc), byte(pc>>8), byte(pc>>16))
	}
	return append(b, byte(pc), byte(pc>>8)&0x3f|spare&0xc0)
}

func indPcLen(v Variant) int {
	if v == ANSI {
		return 3
	}
	return 2
}

// ---------------------------------------------------------------------------
// 3.53 Signalling point code, 3.40 origination ISC point code

// SignallingPointCode is parameter 0x1e (ITU 14 bits, ANSI 24 bits).
type SignallingPointCode struct {
	PointCode uint32
	Spare     uint8 // ITU: bits 8-7 of octet 2 as received
}

func (*SignallingPointCode) Code() ParamCode { return ParamSignallingPointCode }

func (p *SignallingPointCode) DecodeParam(data []byte, v Variant) error {
	if err := exactLen(p.Code(), data, indPcLen(v)); err != nil {
		return err
	}
	p.PointCode, p.Spare = indPcDecode(data, v)
	return nil
}

func (p *SignallingPointCode) AppendParam(b []byte, v Variant) []byte {
	return indPcAppend(b, p.PointCode, p.Spare, v)
}

func (p *SignallingPointCode) Fields(v Variant) []Field {
	// No WS: tshark 4.0 reads the octets most significant first, against
	// Q.763 §3.53 (least significant first, as in the routing label).
	return []Field{Uint("Signalling point code", "point_code", uint64(p.PointCode), "", "")}
}

// OriginationISCPointCode is parameter 0x2b (coded as a signalling point code).
type OriginationISCPointCode struct {
	PointCode uint32
	Spare     uint8 // ITU: bits 8-7 of octet 2 as received
}

func (*OriginationISCPointCode) Code() ParamCode { return ParamOriginationISCPointCode }

func (p *OriginationISCPointCode) DecodeParam(data []byte, v Variant) error {
	if err := exactLen(p.Code(), data, indPcLen(v)); err != nil {
		return err
	}
	p.PointCode, p.Spare = indPcDecode(data, v)
	return nil
}

func (p *OriginationISCPointCode) AppendParam(b []byte, v Variant) []byte {
	return indPcAppend(b, p.PointCode, p.Spare, v)
}

func (p *OriginationISCPointCode) Fields(v Variant) []Field {
	// No WS, for the reason given at SignallingPointCode.Fields.
	return []Field{Uint("Origination ISC point code", "point_code", uint64(p.PointCode), "", "")}
}

// ---------------------------------------------------------------------------
// 3.22 Facility indicator

var indFacilityNames = Names{2: "user-to-user service"}

// FacilityIndicator is parameter 0x18.
type FacilityIndicator struct{ Facility uint8 }

func (*FacilityIndicator) Code() ParamCode { return ParamFacilityIndicator }

func (p *FacilityIndicator) DecodeParam(data []byte, v Variant) error {
	b, err := indOctet(p.Code(), data)
	p.Facility = b
	return err
}

func (p *FacilityIndicator) AppendParam(b []byte, v Variant) []byte { return append(b, p.Facility) }

func (p *FacilityIndicator) Fields(v Variant) []Field {
	return []Field{indEnum("Facility indicator", "facility", p.Facility, indFacilityNames, "")}
}

// ---------------------------------------------------------------------------
// 3.78 UID action indicators, 3.79 UID capability indicators

// UIDActionIndicators is parameter 0x74.
type UIDActionIndicators struct {
	ThroughConnection bool  // A: through-connect in both directions
	StopT9            bool  // B: stop or do not start T9 timer
	Spare             uint8 // bits G-C as received
	Continues         bool
	Ext               []byte
}

func (*UIDActionIndicators) Code() ParamCode { return ParamUIDActionIndicators }

func (p *UIDActionIndicators) DecodeParam(data []byte, v Variant) error {
	b, c, ext, err := indExtFirst(p.Code(), data)
	*p = UIDActionIndicators{indBit(b, 0), indBit(b, 1), b & 0x7c, c, ext}
	return err
}

func (p *UIDActionIndicators) AppendParam(b []byte, v Variant) []byte {
	return indExtAppend(b, indIf(p.ThroughConnection, 0)|indIf(p.StopT9, 1)|p.Spare&0x7c, p.Continues, p.Ext)
}

func (p *UIDActionIndicators) Fields(v Variant) []Field {
	return indExtFields([]Field{
		indFlag("Through-connection instruction indicator", "through_connection", p.ThroughConnection, "no indication", "through-connect in both directions", ""),
		indFlag("T9 timer instruction indicator", "stop_t9", p.StopT9, "no indication", "stop or do not start T9 timer", ""),
	}, p.Continues, p.Ext)
}

// UIDCapabilityIndicators is parameter 0x75.
type UIDCapabilityIndicators struct {
	ThroughConnection bool  // A: through-connection modification possible
	T9                bool  // B: stopping of T9 timer possible
	Spare             uint8 // bits G-C as received
	Continues         bool
	Ext               []byte
}

func (*UIDCapabilityIndicators) Code() ParamCode { return ParamUIDCapabilityIndicators }

func (p *UIDCapabilityIndicators) DecodeParam(data []byte, v Variant) error {
	b, c, ext, err := indExtFirst(p.Code(), data)
	*p = UIDCapabilityIndicators{indBit(b, 0), indBit(b, 1), b & 0x7c, c, ext}
	return err
}

func (p *UIDCapabilityIndicators) AppendParam(b []byte, v Variant) []byte {
	return indExtAppend(b, indIf(p.ThroughConnection, 0)|indIf(p.T9, 1)|p.Spare&0x7c, p.Continues, p.Ext)
}

func (p *UIDCapabilityIndicators) Fields(v Variant) []Field {
	return indExtFields([]Field{
		indFlag("Through-connection indicator", "through_connection", p.ThroughConnection, "no indication", "through-connection modification possible", ""),
		indFlag("T9 timer indicator", "t9", p.T9, "no indication", "stopping of T9 timer possible", ""),
	}, p.Continues, p.Ext)
}

// ---------------------------------------------------------------------------
// 3.31 MCID request indicators, 3.32 MCID response indicators

// MCIDRequestIndicators is parameter 0x3b.
type MCIDRequestIndicators struct {
	MCIDRequested bool  // A
	Holding       bool  // B: holding requested (national use)
	Spare         uint8 // bits H-C as received
}

func (*MCIDRequestIndicators) Code() ParamCode { return ParamMCIDRequestIndicators }

func (p *MCIDRequestIndicators) DecodeParam(data []byte, v Variant) error {
	b, err := indOctet(p.Code(), data)
	*p = MCIDRequestIndicators{indBit(b, 0), indBit(b, 1), b & 0xfc}
	return err
}

func (p *MCIDRequestIndicators) AppendParam(b []byte, v Variant) []byte {
	return append(b, indIf(p.MCIDRequested, 0)|indIf(p.Holding, 1)|p.Spare&0xfc)
}

func (p *MCIDRequestIndicators) Fields(v Variant) []Field {
	return []Field{
		indFlag("MCID request indicator", "mcid_request", p.MCIDRequested, "MCID not requested", "MCID requested", ""),
		indFlag("Holding indicator", "holding", p.Holding, "holding not requested", "holding requested", ""),
	}
}

// MCIDResponseIndicators is parameter 0x3c.
type MCIDResponseIndicators struct {
	MCIDIncluded bool  // A
	HoldProvided bool  // B
	Spare        uint8 // bits H-C as received
}

func (*MCIDResponseIndicators) Code() ParamCode { return ParamMCIDResponseIndicators }

func (p *MCIDResponseIndicators) DecodeParam(data []byte, v Variant) error {
	b, err := indOctet(p.Code(), data)
	*p = MCIDResponseIndicators{indBit(b, 0), indBit(b, 1), b & 0xfc}
	return err
}

func (p *MCIDResponseIndicators) AppendParam(b []byte, v Variant) []byte {
	return append(b, indIf(p.MCIDIncluded, 0)|indIf(p.HoldProvided, 1)|p.Spare&0xfc)
}

func (p *MCIDResponseIndicators) Fields(v Variant) []Field {
	return []Field{
		indFlag("MCID response indicator", "mcid_response", p.MCIDIncluded, "MCID not included", "MCID included", ""),
		indFlag("Hold provided indicator", "hold_provided", p.HoldProvided, "hold not provided", "hold provided", ""),
	}
}

// ---------------------------------------------------------------------------
// 3.25 Generic notification indicator

var indNotificationNames = Names{
	0x00: "user suspended", 0x01: "user resumed", 0x02: "bearer service change",
	0x03: "discriminator for extension to ASN.1 encoded component", 0x04: "call completion delay",
	0x42: "conference established", 0x43: "conference disconnected", 0x44: "other party added",
	0x45: "isolated", 0x46: "reattached", 0x47: "other party isolated", 0x48: "other party reattached",
	0x49: "other party split", 0x4a: "other party disconnected", 0x4b: "conference floating",
	0x60: "call is a waiting call", 0x68: "diversion activated", 0x69: "call transfer, alerting",
	0x6a: "call transfer, active", 0x79: "remote hold", 0x7a: "remote retrieval", 0x7b: "call is diverting",
}

// GenericNotificationIndicator is parameter 0x2c (it may repeat in a message).
type GenericNotificationIndicator struct {
	Notification uint8 // bits G-A, see indNotificationNames
	Continues    bool
	Ext          []byte
}

func (*GenericNotificationIndicator) Code() ParamCode { return ParamGenericNotificationIndicator }

func (p *GenericNotificationIndicator) DecodeParam(data []byte, v Variant) error {
	b, c, ext, err := indExtFirst(p.Code(), data)
	*p = GenericNotificationIndicator{b & 0x7f, c, ext}
	return err
}

func (p *GenericNotificationIndicator) AppendParam(b []byte, v Variant) []byte {
	return indExtAppend(b, p.Notification, p.Continues, p.Ext)
}

func (p *GenericNotificationIndicator) Fields(v Variant) []Field {
	return indExtFields([]Field{indEnum("Notification indicator", "notification", p.Notification, indNotificationNames, "isup.notification_indicator")}, p.Continues, p.Ext)
}

// ---------------------------------------------------------------------------
// 3.6 Call diversion information

var indNotificationOptionsNames = Names{0: "unknown", 1: "presentation not allowed", 2: "presentation allowed with redirection number", 3: "presentation allowed without redirection number"}
var indRedirectingReasonNames = Names{0: "unknown", 1: "user busy", 2: "no reply", 3: "unconditional", 4: "deflection during alerting", 5: "deflection immediate response", 6: "mobile subscriber not reachable"}

// CallDiversionInformation is parameter 0x36.
type CallDiversionInformation struct {
	NotificationOptions uint8 // CBA, notification subscription options
	RedirectingReason   uint8 // GFED
	Spare               uint8 // bit H as received
}

func (*CallDiversionInformation) Code() ParamCode { return ParamCallDiversionInformation }

func (p *CallDiversionInformation) DecodeParam(data []byte, v Variant) error {
	b, err := indOctet(p.Code(), data)
	*p = CallDiversionInformation{b & 7, getBits(b, 3, 4), b & 0x80}
	return err
}

func (p *CallDiversionInformation) AppendParam(b []byte, v Variant) []byte {
	return append(b, p.NotificationOptions&7|(p.RedirectingReason&15)<<3|p.Spare&0x80)
}

func (p *CallDiversionInformation) Fields(v Variant) []Field {
	return []Field{
		indEnum("Notification subscription options", "notification_options", p.NotificationOptions, indNotificationOptionsNames, ""),
		indEnum("Redirecting reason", "redirecting_reason", p.RedirectingReason, indRedirectingReasonNames, ""),
	}
}

// ---------------------------------------------------------------------------
// 3.2 Access delivery information

// AccessDeliveryInformation is parameter 0x2e.
type AccessDeliveryInformation struct {
	NoSetupGenerated bool  // A: no set-up message generated
	Spare            uint8 // bits H-B as received
}

func (*AccessDeliveryInformation) Code() ParamCode { return ParamAccessDeliveryInformation }

func (p *AccessDeliveryInformation) DecodeParam(data []byte, v Variant) error {
	b, err := indOctet(p.Code(), data)
	*p = AccessDeliveryInformation{indBit(b, 0), b & 0xfe}
	return err
}

func (p *AccessDeliveryInformation) AppendParam(b []byte, v Variant) []byte {
	return append(b, indIf(p.NoSetupGenerated, 0)|p.Spare&0xfe)
}

func (p *AccessDeliveryInformation) Fields(v Variant) []Field {
	return []Field{indFlag("Access delivery indicator", "access_delivery", p.NoSetupGenerated, "set-up message generated", "no set-up message generated", "isup.access_delivery_ind")}
}

// ---------------------------------------------------------------------------
// 3.60 User-to-user indicators

var indUuiRequestNames = Names{0: "no information", 2: "request, not essential", 3: "request, essential"}
var indUuiResponseNames = Names{0: "no information", 1: "not provided", 2: "provided"}

// UserToUserIndicators is parameter 0x2a.
type UserToUserIndicators struct {
	Response bool     // A: response (else request)
	Service  [3]uint8 // services 1-3: bits CB, ED, GF
	// NetworkDiscard is bit H of a response: user-to-user information
	// discarded by the network. In a request bit H is spare; it is kept here
	// either way.
	NetworkDiscard bool
}

func (*UserToUserIndicators) Code() ParamCode { return ParamUserToUserIndicators }

func (p *UserToUserIndicators) DecodeParam(data []byte, v Variant) error {
	b, err := indOctet(p.Code(), data)
	*p = UserToUserIndicators{indBit(b, 0), [3]uint8{getBits(b, 1, 2), getBits(b, 3, 2), getBits(b, 5, 2)}, indBit(b, 7)}
	return err
}

func (p *UserToUserIndicators) AppendParam(b []byte, v Variant) []byte {
	return append(b, indIf(p.Response, 0)|(p.Service[0]&3)<<1|(p.Service[1]&3)<<3|(p.Service[2]&3)<<5|indIf(p.NetworkDiscard, 7))
}

func (p *UserToUserIndicators) Fields(v Variant) []Field {
	names, ws := indUuiRequestNames, "isup.UUI_req_service"
	if p.Response {
		names, ws = indUuiResponseNames, "isup.UUI_res_service"
	}
	f := []Field{indFlag("Type", "response", p.Response, "request", "response", "isup.UUI_type")}
	for i, s := range p.Service {
		n := itoa(i + 1)
		f = append(f, indEnum("Service "+n, "service"+n, s, names, ws+n))
	}
	if p.Response {
		f = append(f, indFlag("Network discard indicator", "network_discard", p.NetworkDiscard, "no information", "user-to-user information discarded by the network", "isup.UUI_network_discard_ind"))
	}
	return f
}

// ---------------------------------------------------------------------------
// 3.7 Call history information

// CallHistoryInformation is parameter 0x2d: the propagation delay value in
// ms, most significant octet first.
type CallHistoryInformation struct{ Milliseconds uint16 }

func (*CallHistoryInformation) Code() ParamCode { return ParamCallHistoryInformation }

func (p *CallHistoryInformation) DecodeParam(data []byte, v Variant) error {
	if err := exactLen(p.Code(), data, 2); err != nil {
		return err
	}
	p.Milliseconds = uint16(data[0])<<8 | uint16(data[1])
	return nil
}

func (p *CallHistoryInformation) AppendParam(b []byte, v Variant) []byte {
	return append(b, byte(p.Milliseconds>>8), byte(p.Milliseconds))
}

func (p *CallHistoryInformation) Fields(v Variant) []Field {
	return []Field{Uint("Propagation delay value", "milliseconds", uint64(p.Milliseconds), "ms", "isup.call_history_info")}
}

// ---------------------------------------------------------------------------
// 3.34 MLPP precedence

var indPrecedenceNames = Names{0: "flash override", 1: "flash", 2: "immediate", 3: "priority", 4: "routine"}
var indLfbNames = Names{0: "LFB allowed", 1: "path reserved (national use)", 2: "LFB not allowed"}

// MLPPPrecedence is parameter 0x3a.
type MLPPPrecedence struct {
	PrecedenceLevel uint8   // D-A, see indPrecedenceNames
	LookForwardBusy uint8   // GF, see indLfbNames
	Spare           uint8   // bits H, E as received (0x90)
	NetworkIdentity [2]byte // four BCD digits, first in bits 8-5; see NI
	ServiceDomain   uint32  // 24 bits, most significant octet first
}

// NI returns the network identity digits.
func (p *MLPPPrecedence) NI() string { return indNiString(p.NetworkIdentity) }

func (*MLPPPrecedence) Code() ParamCode { return ParamMLPPPrecedence }

func (p *MLPPPrecedence) DecodeParam(data []byte, v Variant) error {
	if err := exactLen(p.Code(), data, 6); err != nil {
		return err
	}
	b := data[0]
	*p = MLPPPrecedence{b & 15, getBits(b, 5, 2), b & 0x90, [2]byte{data[1], data[2]}, uint32(data[3])<<16 | uint32(data[4])<<8 | uint32(data[5])}
	return nil
}

func (p *MLPPPrecedence) AppendParam(b []byte, v Variant) []byte {
	return append(b, p.PrecedenceLevel&15|(p.LookForwardBusy&3)<<5|p.Spare&0x90, p.NetworkIdentity[0], p.NetworkIdentity[1],
		byte(p.ServiceDomain>>16), byte(p.ServiceDomain>>8), byte(p.ServiceDomain))
}

func (p *MLPPPrecedence) Fields(v Variant) []Field {
	return []Field{
		indEnum("Look forward busy", "look_forward_busy", p.LookForwardBusy, indLfbNames, "isup.look_forward_busy"),
		indEnum("Precedence level", "precedence_level", p.PrecedenceLevel, indPrecedenceNames, "isup.precedence_level"),
		Str("Network identity", "network_identity", p.NI(), "isup.network_identity"),
		Uint("MLPP service domain", "service_domain", uint64(p.ServiceDomain), "", "isup.mlpp_service_domain"),
	}
}

// ---------------------------------------------------------------------------
// 3.46 Redirection number restriction

var indPresentationRestrictedNames = Names{0: "presentation allowed", 1: "presentation restricted"}

// RedirectionNumberRestriction is parameter 0x40.
type RedirectionNumberRestriction struct {
	Presentation uint8 // BA: 0 allowed, 1 restricted
	Spare        uint8 // bits H-C as received
}

func (*RedirectionNumberRestriction) Code() ParamCode { return ParamRedirectionNumberRestriction }

func (p *RedirectionNumberRestriction) DecodeParam(data []byte, v Variant) error {
	b, err := indOctet(p.Code(), data)
	*p = RedirectionNumberRestriction{b & 3, b & 0xfc}
	return err
}

func (p *RedirectionNumberRestriction) AppendParam(b []byte, v Variant) []byte {
	return append(b, p.Presentation&3|p.Spare&0xfc)
}

func (p *RedirectionNumberRestriction) Fields(v Variant) []Field {
	return []Field{indEnum("Presentation restricted indicator", "presentation", p.Presentation, indPresentationRestrictedNames, "isup.presentation_indicator")}
}

// ---------------------------------------------------------------------------
// 3.67 Loop prevention indicators

var indLoopResponseNames = Names{0: "insufficient information", 1: "no loop exists", 2: "simultaneous transfer"}

// LoopPreventionIndicators is parameter 0x44.
type LoopPreventionIndicators struct {
	Response          bool  // A: response (else request)
	ResponseIndicator uint8 // CB, meaningful in a response, see indLoopResponseNames
	Spare             uint8 // bits H-D as received
}

func (*LoopPreventionIndicators) Code() ParamCode { return ParamLoopPreventionIndicators }

func (p *LoopPreventionIndicators) DecodeParam(data []byte, v Variant) error {
	b, err := indOctet(p.Code(), data)
	*p = LoopPreventionIndicators{indBit(b, 0), getBits(b, 1, 2), b & 0xf8}
	return err
}

func (p *LoopPreventionIndicators) AppendParam(b []byte, v Variant) []byte {
	return append(b, indIf(p.Response, 0)|(p.ResponseIndicator&3)<<1|p.Spare&0xf8)
}

func (p *LoopPreventionIndicators) Fields(v Variant) []Field {
	f := []Field{indFlag("Type", "response", p.Response, "request", "response", "isup.loop_prevention_indicator_type")}
	if p.Response {
		f = append(f, indEnum("Response indicator", "response_indicator", p.ResponseIndicator, indLoopResponseNames, "isup.loop_prevention_response_ind"))
	}
	return f
}

// ---------------------------------------------------------------------------
// 3.83 CCSS, 3.84 collect call request

// CCSS is parameter 0x4b.
type CCSS struct {
	CCSSCall bool  // A
	Spare    uint8 // bits H-B as received
}

func (*CCSS) Code() ParamCode { return ParamCCSS }

func (p *CCSS) DecodeParam(data []byte, v Variant) error {
	b, err := indOctet(p.Code(), data)
	*p = CCSS{indBit(b, 0), b & 0xfe}
	return err
}

func (p *CCSS) AppendParam(b []byte, v Variant) []byte {
	return append(b, indIf(p.CCSSCall, 0)|p.Spare&0xfe)
}

func (p *CCSS) Fields(v Variant) []Field {
	return []Field{indFlag("CCSS call indicator", "ccss_call", p.CCSSCall, "no indication", "CCSS call", "isup.ccss_call_indicator")}
}

// CollectCallRequest is parameter 0x79.
type CollectCallRequest struct {
	Requested bool  // A: collect call requested
	Spare     uint8 // bits H-B as received
}

func (*CollectCallRequest) Code() ParamCode { return ParamCollectCallRequest }

func (p *CollectCallRequest) DecodeParam(data []byte, v Variant) error {
	b, err := indOctet(p.Code(), data)
	*p = CollectCallRequest{indBit(b, 0), b & 0xfe}
	return err
}

func (p *CollectCallRequest) AppendParam(b []byte, v Variant) []byte {
	return append(b, indIf(p.Requested, 0)|p.Spare&0xfe)
}

func (p *CollectCallRequest) Fields(v Variant) []Field {
	return []Field{indFlag("Collect call request indicator", "collect_call_requested", p.Requested, "no indication", "collect call requested", "isup.collect_call_request_indicator")}
}

// ---------------------------------------------------------------------------
// 3.76 Conference, 3.74 call offering, 3.72 call diversion treatment

var indConferenceNames = Names{0: "no indication", 1: "accept conference request", 2: "reject conference request"}
var indCallOfferingNames = Names{0: "no indication", 1: "call offering not allowed", 2: "call offering allowed"}
var indCallDiversionTreatmentNames = Names{0: "no indication", 1: "call diversion allowed", 2: "call diversion not allowed"}

// ConferenceTreatmentIndicators is parameter 0x72.
type ConferenceTreatmentIndicators struct {
	Acceptance uint8 // BA, see indConferenceNames
	Spare      uint8 // bits G-C as received
	Continues  bool
	Ext        []byte
}

func (*ConferenceTreatmentIndicators) Code() ParamCode { return ParamConferenceTreatmentInd }

func (p *ConferenceTreatmentIndicators) DecodeParam(data []byte, v Variant) error {
	b, c, ext, err := indExtFirst(p.Code(), data)
	*p = ConferenceTreatmentIndicators{b & 3, b & 0x7c, c, ext}
	return err
}

func (p *ConferenceTreatmentIndicators) AppendParam(b []byte, v Variant) []byte {
	return indExtAppend(b, p.Acceptance&3|p.Spare&0x7c, p.Continues, p.Ext)
}

func (p *ConferenceTreatmentIndicators) Fields(v Variant) []Field {
	return indExtFields([]Field{indEnum("Conference acceptance indicator", "acceptance", p.Acceptance, indConferenceNames, "isup.conference_acceptance_ind")}, p.Continues, p.Ext)
}

// CallOfferingTreatmentIndicators is parameter 0x70.
type CallOfferingTreatmentIndicators struct {
	CallToBeOffered uint8 // BA, see indCallOfferingNames
	Spare           uint8 // bits G-C as received
	Continues       bool
	Ext             []byte
}

func (*CallOfferingTreatmentIndicators) Code() ParamCode { return ParamCallOfferingTreatmentInd }

func (p *CallOfferingTreatmentIndicators) DecodeParam(data []byte, v Variant) error {
	b, c, ext, err := indExtFirst(p.Code(), data)
	*p = CallOfferingTreatmentIndicators{b & 3, b & 0x7c, c, ext}
	return err
}

func (p *CallOfferingTreatmentIndicators) AppendParam(b []byte, v Variant) []byte {
	return indExtAppend(b, p.CallToBeOffered&3|p.Spare&0x7c, p.Continues, p.Ext)
}

func (p *CallOfferingTreatmentIndicators) Fields(v Variant) []Field {
	return indExtFields([]Field{indEnum("Call to be offered indicator", "call_to_be_offered", p.CallToBeOffered, indCallOfferingNames, "isup.call_to_be_offered_ind")}, p.Continues, p.Ext)
}

// CallDiversionTreatmentIndicators is parameter 0x6e.
type CallDiversionTreatmentIndicators struct {
	CallToBeDiverted uint8 // BA, see indCallDiversionTreatmentNames
	Spare            uint8 // bits G-C as received
	Continues        bool
	Ext              []byte
}

func (*CallDiversionTreatmentIndicators) Code() ParamCode { return ParamCallDiversionTreatmentInd }

func (p *CallDiversionTreatmentIndicators) DecodeParam(data []byte, v Variant) error {
	b, c, ext, err := indExtFirst(p.Code(), data)
	*p = CallDiversionTreatmentIndicators{b & 3, b & 0x7c, c, ext}
	return err
}

func (p *CallDiversionTreatmentIndicators) AppendParam(b []byte, v Variant) []byte {
	return indExtAppend(b, p.CallToBeDiverted&3|p.Spare&0x7c, p.Continues, p.Ext)
}

func (p *CallDiversionTreatmentIndicators) Fields(v Variant) []Field {
	return indExtFields([]Field{indEnum("Call to be diverted indicator", "call_to_be_diverted", p.CallToBeDiverted, indCallDiversionTreatmentNames, "isup.call_to_be_diverted_ind")}, p.Continues, p.Ext)
}

// ---------------------------------------------------------------------------
// 3.68 Network management controls

// NetworkManagementControls is parameter 0x5b.
type NetworkManagementControls struct {
	TAR       bool  // A: temporary alternative routing controlled call
	Spare     uint8 // bits G-B as received
	Continues bool
	Ext       []byte
}

func (*NetworkManagementControls) Code() ParamCode { return ParamNetworkManagementControls }

func (p *NetworkManagementControls) DecodeParam(data []byte, v Variant) error {
	b, c, ext, err := indExtFirst(p.Code(), data)
	*p = NetworkManagementControls{indBit(b, 0), b & 0x7e, c, ext}
	return err
}

func (p *NetworkManagementControls) AppendParam(b []byte, v Variant) []byte {
	return indExtAppend(b, indIf(p.TAR, 0)|p.Spare&0x7e, p.Continues, p.Ext)
}

func (p *NetworkManagementControls) Fields(v Variant) []Field {
	return indExtFields([]Field{indFlag("Temporary alternative routing indicator", "tar", p.TAR, "no indication", "TAR controlled call", "isup.temporary_alternative_routing_ind")}, p.Continues, p.Ext)
}

// ---------------------------------------------------------------------------
// 3.99 Redirect counter

// RedirectCounter is parameter 0x77.
type RedirectCounter struct {
	Count uint8 // bits E-A
	Spare uint8 // bits H-F as received
}

func (*RedirectCounter) Code() ParamCode { return ParamRedirectCounter }

func (p *RedirectCounter) DecodeParam(data []byte, v Variant) error {
	b, err := indOctet(p.Code(), data)
	*p = RedirectCounter{b & 0x1f, b & 0xe0}
	return err
}

func (p *RedirectCounter) AppendParam(b []byte, v Variant) []byte {
	return append(b, p.Count&0x1f|p.Spare&0xe0)
}

func (p *RedirectCounter) Fields(v Variant) []Field {
	// No WS: tshark 4.0 leaves this parameter undecoded ("national matter").
	return []Field{Uint("Redirect counter", "redirect_counter", uint64(p.Count), "", "")}
}

// ---------------------------------------------------------------------------
// 3.77 Display information, 3.72 correlation id, 3.73 SCF id

// DisplayInformation is parameter 0x73: display text as in the Q.931
// display information element (IA5).
type DisplayInformation struct {
	Text []byte // aliases the decoded input
}

func (*DisplayInformation) Code() ParamCode { return ParamDisplayInformation }

func (p *DisplayInformation) DecodeParam(data []byte, v Variant) error {
	p.Text = data
	return nil
}

func (p *DisplayInformation) AppendParam(b []byte, v Variant) []byte { return append(b, p.Text...) }

// Fields: tshark shows only the octets (FT_BYTES), so no WS.
func (p *DisplayInformation) Fields(v Variant) []Field {
	return []Field{Str("Display information", "text", string(p.Text), "")}
}

// CorrelationID is parameter 0x65 (Q.1218 digits, carried opaque).
type CorrelationID struct {
	Octets []byte // aliases the decoded input
}

func (*CorrelationID) Code() ParamCode { return ParamCorrelationID }

func (p *CorrelationID) DecodeParam(data []byte, v Variant) error {
	p.Octets = data
	return nil
}

func (p *CorrelationID) AppendParam(b []byte, v Variant) []byte { return append(b, p.Octets...) }

func (p *CorrelationID) Fields(v Variant) []Field {
	return []Field{Octets("Correlation id", "octets", p.Octets, "")}
}

// SCFID is parameter 0x66 (Q.1218 ScfID, carried opaque).
type SCFID struct {
	Octets []byte // aliases the decoded input
}

func (*SCFID) Code() ParamCode { return ParamSCFID }

func (p *SCFID) DecodeParam(data []byte, v Variant) error {
	p.Octets = data
	return nil
}

func (p *SCFID) AppendParam(b []byte, v Variant) []byte { return append(b, p.Octets...) }

func (p *SCFID) Fields(v Variant) []Field {
	return []Field{Octets("SCF id", "octets", p.Octets, "")}
}
