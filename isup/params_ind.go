package isup

// Call control indicators: the parameters of the mandatory fixed parts and
// the optional indicators call control reads (Q.763 §3, T1.113.3 where its
// coding differs). Every type keeps the spare bits it does not name in a
// Spare field, in place (not shifted), so that re-encoding is exact.

func init() {
	Register(Both, ParamNatureOfConnectionIndicators, func() Value { return new(NatureOfConnectionIndicators) })
	Register(Both, ParamForwardCallIndicators, func() Value { return new(ForwardCallIndicators) })
	Register(Both, ParamBackwardCallIndicators, func() Value { return new(BackwardCallIndicators) })
	Register(Both, ParamOptionalForwardCallIndicators, func() Value { return new(OptionalForwardCallIndicators) })
	Register(Both, ParamOptionalBackwardCallIndicators, func() Value { return new(OptionalBackwardCallIndicators) })
	Register(Both, ParamCallingPartysCategory, func() Value { return new(CallingPartysCategory) })
	Register(Both, ParamTransmissionMediumRequirement, func() Value { return &TransmissionMediumRequirement{} })
	Register(Both, ParamTransmissionMediumUsed, func() Value { return &TransmissionMediumUsed{} })
	Register(Both, ParamTransmissionMediumReqPrime, func() Value { return &TransmissionMediumRequirementPrime{} })
	Register(Both, ParamEventInformation, func() Value { return new(EventInformation) })
	Register(Both, ParamHopCounter, func() Value { return new(HopCounter) })
	Register(Both, ParamContinuityIndicators, func() Value { return new(ContinuityIndicators) })
	Register(Both, ParamSuspendResumeIndicators, func() Value { return new(SuspendResumeIndicators) })
	Register(Both, ParamInformationRequestIndicators, func() Value { return new(InformationRequestIndicators) })
	Register(Both, ParamInformationIndicators, func() Value { return new(InformationIndicators) })
	Register(Both, ParamCircuitGroupSupervisionMsgType, func() Value { return new(CircuitGroupSupervisionMessageType) })
	Register(Both, ParamRangeAndStatus, func() Value { return new(RangeAndStatus) })
	Register(Both, ParamCircuitStateIndicator, func() Value { return new(CircuitStateIndicator) })
	Register(Both, ParamAutomaticCongestionLevel, func() Value { return new(AutomaticCongestionLevel) })
	Register(Both, ParamPropagationDelayCounter, func() Value { return new(PropagationDelayCounter) })
	Register(Both, ParamEchoControlInformation, func() Value { return new(EchoControlInformation) })
	Register(Both, ParamMessageCompatibilityInfo, func() Value { return new(MessageCompatibilityInformation) })
	Register(Both, ParamParameterCompatibilityInfo, func() Value { return new(ParameterCompatibilityInformation) })
}

// indBit reports bit n (0 = bit A) of b.
func indBit(b byte, n uint) bool { return b&(1<<n) != 0 }

// indIf returns bit n set when v.
func indIf(v bool, n uint) byte {
	if v {
		return 1 << n
	}
	return 0
}

// indFlag is a one-bit field whose meaning is no (0) or yes (1).
func indFlag(name, key string, v bool, no, yes, ws string) Field {
	m := no
	if v {
		m = yes
	}
	return Flag(name, key, v, m, ws)
}

func indEnum(name, key string, v uint8, names Names, ws string) Field {
	return Enum(name, key, uint64(v), names, ws)
}

// indOctet checks that data is exactly one octet and returns it.
func indOctet(c ParamCode, data []byte) (byte, error) {
	if err := exactLen(c, data, 1); err != nil {
		return 0, err
	}
	return data[0], nil
}

// ---------------------------------------------------------------------------
// 3.35 Nature of connection indicators (same bits in T1.113)

// Satellite indicator values (bits BA).
var indSatelliteNames = Names{0: "no satellite circuit in the connection", 1: "one satellite circuit in the connection", 2: "two satellite circuits in the connection"}

// Continuity check indicator values (bits DC).
var indContinuityCheckNames = Names{0: "continuity check not required", 1: "continuity check required on this circuit", 2: "continuity check performed on a previous circuit"}

// NatureOfConnectionIndicators is parameter 0x06.
type NatureOfConnectionIndicators struct {
	Satellite         uint8 // bits BA, see indSatelliteNames
	ContinuityCheck   uint8 // bits DC: 0 not required, 1 required on this circuit, 2 performed on a previous circuit
	EchoControlDevice bool  // bit E: outgoing half echo control device included
	Spare             uint8 // bits H-F as received
}

func (*NatureOfConnectionIndicators) Code() ParamCode { return ParamNatureOfConnectionIndicators }

func (p *NatureOfConnectionIndicators) DecodeParam(data []byte, v Variant) error {
	b, err := indOctet(p.Code(), data)
	if err != nil {
		return err
	}
	*p = NatureOfConnectionIndicators{getBits(b, 0, 2), getBits(b, 2, 2), indBit(b, 4), b & 0xe0}
	return nil
}

func (p *NatureOfConnectionIndicators) AppendParam(b []byte, v Variant) []byte {
	return append(b, p.Satellite&3|(p.ContinuityCheck&3)<<2|indIf(p.EchoControlDevice, 4)|p.Spare&0xe0)
}

func (p *NatureOfConnectionIndicators) Fields(v Variant) []Field {
	return []Field{
		indEnum("Satellite indicator", "satellite", p.Satellite, indSatelliteNames, "isup.satellite_indicator"),
		indEnum("Continuity check indicator", "continuity_check", p.ContinuityCheck, indContinuityCheckNames, "isup.continuity_check_indicator"),
		indFlag("Echo control device indicator", "echo_control_device", p.EchoControlDevice, "outgoing echo control device not included", "outgoing echo control device included", "isup.echo_control_device_indicator"),
	}
}

// ---------------------------------------------------------------------------
// 3.23 Forward call indicators

// End-to-end method indicator values (FCI bits CB, BCI bits HG).
var indEndToEndMethodNames = Names{0: "no end-to-end method available (only link-by-link method available)", 1: "pass-along method available (national use)", 2: "SCCP method available", 3: "pass-along and SCCP methods available (national use)"}

// ISDN user part preference indicator values (FCI bits HG).
var indIsupPreferenceNames = Names{0: "ISDN user part preferred all the way", 1: "ISDN user part not required all the way", 2: "ISDN user part required all the way"}

// SCCP method indicator values (FCI bits KJ, BCI bits PO).
var indSccpMethodNames = Names{0: "no indication", 1: "connectionless method available (national use)", 2: "connection oriented method available", 3: "connectionless and connection oriented methods available (national use)"}

// ISUP preference values (FCI bits HG).
const (
	ISUPPreferredAllTheWay   uint8 = 0
	ISUPNotRequiredAllTheWay uint8 = 1
	ISUPRequiredAllTheWay    uint8 = 2
)

// ForwardCallIndicators is parameter 0x07 (two octets, A-H then I-P).
type ForwardCallIndicators struct {
	International          bool  // A: call to be treated as international
	EndToEndMethod         uint8 // CB, see indEndToEndMethodNames
	Interworking           bool  // D: interworking encountered
	EndToEndInformation    bool  // E: end-to-end information available (national use)
	ISUPAllTheWay          bool  // F: ISDN user part used all the way
	ISUPPreference         uint8 // HG: ISUPPreferredAllTheWay, …
	ISDNAccess             bool  // I: originating access ISDN
	SCCPMethod             uint8 // KJ, see indSccpMethodNames
	PortedNumberTranslated bool  // M: ported number translation indicator
	// QoRAttempt is bit N, query on release attempt (Q.763 only; T1.113
	// reserves bit N for national use, so ANSI shows it as spare).
	QoRAttempt bool
	Spare      uint8 // second octet bits L, P, O as received (0xc8)
}

func (*ForwardCallIndicators) Code() ParamCode { return ParamForwardCallIndicators }

func (p *ForwardCallIndicators) DecodeParam(data []byte, v Variant) error {
	if err := exactLen(p.Code(), data, 2); err != nil {
		return err
	}
	a, b := data[0], data[1]
	*p = ForwardCallIndicators{
		International: indBit(a, 0), EndToEndMethod: getBits(a, 1, 2), Interworking: indBit(a, 3),
		EndToEndInformation: indBit(a, 4), ISUPAllTheWay: indBit(a, 5), ISUPPreference: getBits(a, 6, 2),
		ISDNAccess: indBit(b, 0), SCCPMethod: getBits(b, 1, 2), PortedNumberTranslated: indBit(b, 4),
		QoRAttempt: indBit(b, 5), Spare: b & 0xc8,
	}
	return nil
}

func (p *ForwardCallIndicators) AppendParam(b []byte, v Variant) []byte {
	return append(b,
		indIf(p.International, 0)|(p.EndToEndMethod&3)<<1|indIf(p.Interworking, 3)|indIf(p.EndToEndInformation, 4)|indIf(p.ISUPAllTheWay, 5)|(p.ISUPPreference&3)<<6,
		indIf(p.ISDNAccess, 0)|(p.SCCPMethod&3)<<1|indIf(p.PortedNumberTranslated, 4)|indIf(p.QoRAttempt, 5)|p.Spare&0xc8)
}

func (p *ForwardCallIndicators) Fields(v Variant) []Field {
	f := []Field{
		indFlag("National/international call indicator", "international", p.International, "call to be treated as a national call", "call to be treated as an international call", "isup.forw_call_natnl_inatnl_call_indicator"),
		indEnum("End-to-end method indicator", "end_to_end_method", p.EndToEndMethod, indEndToEndMethodNames, "isup.forw_call_end_to_end_method_indicator"),
		indFlag("Interworking indicator", "interworking", p.Interworking, "no interworking encountered (No. 7 signalling all the way)", "interworking encountered", "isup.forw_call_interworking_indicator"),
		indFlag("End-to-end information indicator", "end_to_end_information", p.EndToEndInformation, "no end-to-end information available", "end-to-end information available", "isup.forw_call_end_to_end_information_indicator"),
		indFlag("ISDN user part indicator", "isup_all_the_way", p.ISUPAllTheWay, "ISDN user part not used all the way", "ISDN user part used all the way", "isup.forw_call_isdn_user_part_indicator"),
		indEnum("ISDN user part preference indicator", "isup_preference", p.ISUPPreference, indIsupPreferenceNames, "isup.forw_call_preferences_indicator"),
		indFlag("ISDN access indicator", "isdn_access", p.ISDNAccess, "originating access non-ISDN", "originating access ISDN", "isup.forw_call_isdn_access_indicator"),
		indEnum("SCCP method indicator", "sccp_method", p.SCCPMethod, indSccpMethodNames, "isup.forw_call_sccp_method_indicator"),
		indFlag("Ported number translation indicator", "ported_number_translated", p.PortedNumberTranslated, "number not translated", "number translated", "isup.forw_call_ported_num_trans_indicator"),
	}
	if v != ANSI {
		f = append(f, indFlag("Query on release attempt indicator", "qor_attempt", p.QoRAttempt, "no QoR routing attempt in progress", "QoR routing attempt in progress", "isup.forw_call_qor_attempt_indicator"))
	}
	return f
}

// ---------------------------------------------------------------------------
// 3.5 Backward call indicators

// ChargeIndicator is BCI bits BA.
type ChargeIndicator uint8

const (
	ChargeIndNoIndication ChargeIndicator = 0
	ChargeIndNoCharge     ChargeIndicator = 1
	ChargeIndCharge       ChargeIndicator = 2
)

var indChargeNames = Names{0: "no indication", 1: "no charge", 2: "charge"}

func (c ChargeIndicator) String() string { return indChargeNames.Of(uint64(c), "spare") }

// CalledPartysStatus is BCI bits DC.
type CalledPartysStatus uint8

const (
	CalledStatusNoIndication CalledPartysStatus = 0
	SubscriberFree           CalledPartysStatus = 1
	ConnectWhenFree          CalledPartysStatus = 2 // national use
)

var indCalledStatusNames = Names{0: "no indication", 1: "subscriber free", 2: "connect when free (national use)"}

func (c CalledPartysStatus) String() string { return indCalledStatusNames.Of(uint64(c), "spare") }

// CalledPartysCategory is BCI bits FE.
type CalledPartysCategory uint8

const (
	CalledCategoryNoIndication CalledPartysCategory = 0
	CalledOrdinarySubscriber   CalledPartysCategory = 1
	CalledPayphone             CalledPartysCategory = 2
)

var indCalledCategoryNames = Names{0: "no indication", 1: "ordinary subscriber", 2: "payphone"}

func (c CalledPartysCategory) String() string { return indCalledCategoryNames.Of(uint64(c), "spare") }

// BackwardCallIndicators is parameter 0x11 (two octets, A-H then I-P).
type BackwardCallIndicators struct {
	Charge              ChargeIndicator      // BA
	CalledStatus        CalledPartysStatus   // DC
	CalledCategory      CalledPartysCategory // FE
	EndToEndMethod      uint8                // HG, see indEndToEndMethodNames
	Interworking        bool                 // I: interworking encountered
	EndToEndInformation bool                 // J; in T1.113 the IAM segmentation indicator
	ISUPAllTheWay       bool                 // K: ISDN user part used all the way
	Holding             bool                 // L: holding requested (ANSI: required)
	ISDNAccess          bool                 // M: terminating access ISDN
	EchoControlDevice   bool                 // N: incoming half echo control device included
	SCCPMethod          uint8                // PO, see indSccpMethodNames
}

func (*BackwardCallIndicators) Code() ParamCode { return ParamBackwardCallIndicators }

func (p *BackwardCallIndicators) DecodeParam(data []byte, v Variant) error {
	if err := exactLen(p.Code(), data, 2); err != nil {
		return err
	}
	a, b := data[0], data[1]
	*p = BackwardCallIndicators{
		Charge: ChargeIndicator(getBits(a, 0, 2)), CalledStatus: CalledPartysStatus(getBits(a, 2, 2)),
		CalledCategory: CalledPartysCategory(getBits(a, 4, 2)), EndToEndMethod: getBits(a, 6, 2),
		Interworking: indBit(b, 0), EndToEndInformation: indBit(b, 1), ISUPAllTheWay: indBit(b, 2),
		Holding: indBit(b, 3), ISDNAccess: indBit(b, 4), EchoControlDevice: indBit(b, 5), SCCPMethod: getBits(b, 6, 2),
	}
	return nil
}

func (p *BackwardCallIndicators) AppendParam(b []byte, v Variant) []byte {
	return append(b,
		uint8(p.Charge)&3|(uint8(p.CalledStatus)&3)<<2|(uint8(p.CalledCategory)&3)<<4|(p.EndToEndMethod&3)<<6,
		indIf(p.Interworking, 0)|indIf(p.EndToEndInformation, 1)|indIf(p.ISUPAllTheWay, 2)|indIf(p.Holding, 3)|
			indIf(p.ISDNAccess, 4)|indIf(p.EchoControlDevice, 5)|(p.SCCPMethod&3)<<6)
}

// IAMSegmentation is bit J as T1.113 defines it: additional information
// has been received and incorporated into call set-up.
func (p *BackwardCallIndicators) IAMSegmentation() bool { return p.EndToEndInformation }

func (p *BackwardCallIndicators) Fields(v Variant) []Field {
	j := indFlag("End-to-end information indicator", "end_to_end_information", p.EndToEndInformation, "no end-to-end information available", "end-to-end information available", "isup.backw_call_end_to_end_information_indicator")
	if v == ANSI {
		j = indFlag("IAM segmentation indicator", "iam_segmentation", p.EndToEndInformation, "no indication", "additional information has been received and incorporated into call set-up", "")
		// No WS name: tshark 4.0 shows this bit as isup.backw_call_iam_seg_ind
		// in an ANSI ACM but decodes the CON's indicators the ITU way.
	}
	return []Field{
		{Name: "Charge indicator", Key: "charge", Value: uint64(p.Charge), Meaning: p.Charge.String(), WS: "isup.charge_indicator"},
		{Name: "Called party's status indicator", Key: "called_status", Value: uint64(p.CalledStatus), Meaning: p.CalledStatus.String(), WS: "isup.called_partys_status_indicator"},
		{Name: "Called party's category indicator", Key: "called_category", Value: uint64(p.CalledCategory), Meaning: p.CalledCategory.String(), WS: "isup.called_partys_category_indicator"},
		indEnum("End-to-end method indicator", "end_to_end_method", p.EndToEndMethod, indEndToEndMethodNames, "isup.backw_call_end_to_end_method_indicator"),
		indFlag("Interworking indicator", "interworking", p.Interworking, "no interworking encountered (No. 7 signalling all the way)", "interworking encountered", "isup.backw_call_interworking_indicator"),
		j,
		indFlag("ISDN user part indicator", "isup_all_the_way", p.ISUPAllTheWay, "ISDN user part not used all the way", "ISDN user part used all the way", "isup.backw_call_isdn_user_part_indicator"),
		indFlag("Holding indicator", "holding", p.Holding, "holding not requested", "holding requested", "isup.backw_call_holding_indicator"),
		indFlag("ISDN access indicator", "isdn_access", p.ISDNAccess, "terminating access non-ISDN", "terminating access ISDN", "isup.backw_call_isdn_access_indicator"),
		indFlag("Echo control device indicator", "echo_control_device", p.EchoControlDevice, "incoming echo control device not included", "incoming echo control device included", "isup.backw_call_echo_control_device_indicator"),
		indEnum("SCCP method indicator", "sccp_method", p.SCCPMethod, indSccpMethodNames, "isup.backw_call_sccp_method_indicator"),
	}
}

// ---------------------------------------------------------------------------
// 3.38 Optional forward call indicators

var indCugCallNames = Names{0: "non-CUG call", 2: "closed user group call, outgoing access allowed", 3: "closed user group call, outgoing access not allowed"}

// OptionalForwardCallIndicators is parameter 0x08.
type OptionalForwardCallIndicators struct {
	CUGCall                  uint8 // BA, see indCugCallNames
	SimpleSegmentation       bool  // C: additional information will be sent in a segmentation message
	ConnectedLineIdentityReq bool  // H: connected line identity requested
	Spare                    uint8 // bits G-D as received (0x78)
}

func (*OptionalForwardCallIndicators) Code() ParamCode { return ParamOptionalForwardCallIndicators }

func (p *OptionalForwardCallIndicators) DecodeParam(data []byte, v Variant) error {
	b, err := indOctet(p.Code(), data)
	if err != nil {
		return err
	}
	*p = OptionalForwardCallIndicators{getBits(b, 0, 2), indBit(b, 2), indBit(b, 7), b & 0x78}
	return nil
}

func (p *OptionalForwardCallIndicators) AppendParam(b []byte, v Variant) []byte {
	return append(b, p.CUGCall&3|indIf(p.SimpleSegmentation, 2)|indIf(p.ConnectedLineIdentityReq, 7)|p.Spare&0x78)
}

func (p *OptionalForwardCallIndicators) Fields(v Variant) []Field {
	return []Field{
		indEnum("Closed user group call indicator", "cug_call", p.CUGCall, indCugCallNames, "isup.clg_call_ind"),
		indFlag("Simple segmentation indicator", "simple_segmentation", p.SimpleSegmentation, "no additional information will be sent", "additional information will be sent in a segmentation message", "isup.simple_segmentation_ind"),
		indFlag("Connected line identity request indicator", "connected_line_identity_request", p.ConnectedLineIdentityReq, "not requested", "requested", "isup.connected_line_identity_request_ind"),
	}
}

// ---------------------------------------------------------------------------
// 3.37 Optional backward call indicators

// OptionalBackwardCallIndicators is parameter 0x29.
type OptionalBackwardCallIndicators struct {
	InBandInformation     bool  // A: in-band information or an appropriate pattern is now available
	CallDiversionMayOccur bool  // B
	SimpleSegmentation    bool  // C: additional information will be sent in a segmentation message
	MLPPUser              bool  // D
	Spare                 uint8 // bits H-E as received (national use)
}

func (*OptionalBackwardCallIndicators) Code() ParamCode { return ParamOptionalBackwardCallIndicators }

func (p *OptionalBackwardCallIndicators) DecodeParam(data []byte, v Variant) error {
	b, err := indOctet(p.Code(), data)
	if err != nil {
		return err
	}
	*p = OptionalBackwardCallIndicators{indBit(b, 0), indBit(b, 1), indBit(b, 2), indBit(b, 3), b & 0xf0}
	return nil
}

func (p *OptionalBackwardCallIndicators) AppendParam(b []byte, v Variant) []byte {
	return append(b, indIf(p.InBandInformation, 0)|indIf(p.CallDiversionMayOccur, 1)|indIf(p.SimpleSegmentation, 2)|indIf(p.MLPPUser, 3)|p.Spare&0xf0)
}

func (p *OptionalBackwardCallIndicators) Fields(v Variant) []Field {
	return []Field{
		indFlag("In-band information indicator", "in_band_information", p.InBandInformation, "no indication", "in-band information or an appropriate pattern is now available", "isup.inband_information_ind"),
		indFlag("Call diversion may occur indicator", "call_diversion_may_occur", p.CallDiversionMayOccur, "no indication", "call diversion may occur", "isup.call_diversion_may_occur_ind"),
		indFlag("Simple segmentation indicator", "simple_segmentation", p.SimpleSegmentation, "no additional information will be sent", "additional information will be sent in a segmentation message", "isup.simple_segmentation_ind"),
		indFlag("MLPP user indicator", "mlpp_user", p.MLPPUser, "no indication", "MLPP user", "isup.mlpp_user"),
	}
}

// ---------------------------------------------------------------------------
// 3.11 Calling party's category

// CallingPartysCategory is parameter 0x09, a single coded octet.
type CallingPartysCategory uint8

// Calling party's category values (Q.763 §3.11; T1.113 additions).
const (
	CategoryUnknown            CallingPartysCategory = 0x00 // unknown at this time (national use)
	CategoryOperatorFrench     CallingPartysCategory = 0x01
	CategoryOperatorEnglish    CallingPartysCategory = 0x02
	CategoryOperatorGerman     CallingPartysCategory = 0x03
	CategoryOperatorRussian    CallingPartysCategory = 0x04
	CategoryOperatorSpanish    CallingPartysCategory = 0x05
	CategoryReservedQ104       CallingPartysCategory = 0x09 // national use: operator without language
	CategoryOrdinary           CallingPartysCategory = 0x0a
	CategoryPriority           CallingPartysCategory = 0x0b
	CategoryDataCall           CallingPartysCategory = 0x0c // voice band data
	CategoryTestCall           CallingPartysCategory = 0x0d
	CategoryIEPS               CallingPartysCategory = 0x0e // IEPS call marking for preferential call set-up
	CategoryPayphone           CallingPartysCategory = 0x0f
	CategoryANSIEmergency      CallingPartysCategory = 0xe0 // T1.113: emergency service call
	CategoryANSIHighPriority   CallingPartysCategory = 0xe1 // T1.113: high priority call
	CategoryANSINationalSecure CallingPartysCategory = 0xe2 // T1.113: NS/EP call
)

var indCpcNames = Names{
	0x00: "calling party's category unknown at this time (national use)",
	0x01: "operator, language French", 0x02: "operator, language English", 0x03: "operator, language German",
	0x04: "operator, language Russian", 0x05: "operator, language Spanish",
	0x06: "available to Administrations for selecting a particular language by mutual agreement",
	0x07: "available to Administrations for selecting a particular language by mutual agreement",
	0x08: "available to Administrations for selecting a particular language by mutual agreement",
	0x09: "reserved (see ITU-T Q.104) (national use)",
	0x0a: "ordinary calling subscriber", 0x0b: "calling subscriber with priority",
	0x0c: "data call (voice band data)", 0x0d: "test call",
	0x0e: "IEPS call marking for preferential call set up", 0x0f: "payphone",
}

var indCpcNamesANSI = Names{
	0xe0: "emergency service call", 0xe1: "high priority call",
	0xe2: "national security and emergency preparedness (NS/EP) call",
}

// Name returns the category's meaning in variant v.
func (c CallingPartysCategory) Name(v Variant) string {
	if v == ANSI {
		if s, ok := indCpcNamesANSI[uint64(c)]; ok {
			return s
		}
	}
	if c >= 0xe0 && c <= 0xfe {
		return indCpcNames.Of(uint64(c), "reserved for national use")
	}
	return indCpcNames.Of(uint64(c), "spare")
}

func (c CallingPartysCategory) String() string { return c.Name(ITU) }

func (*CallingPartysCategory) Code() ParamCode { return ParamCallingPartysCategory }

func (p *CallingPartysCategory) DecodeParam(data []byte, v Variant) error {
	b, err := indOctet(p.Code(), data)
	*p = CallingPartysCategory(b)
	return err
}

func (p *CallingPartysCategory) AppendParam(b []byte, v Variant) []byte { return append(b, byte(*p)) }

func (p *CallingPartysCategory) Fields(v Variant) []Field {
	return []Field{{Name: "Calling party's category", Key: "category", Value: uint64(*p), Meaning: p.Name(v), WS: "isup.calling_partys_category"}}
}

// ---------------------------------------------------------------------------
// 3.54 Transmission medium requirement, 3.56 used, 3.55 prime

// TransmissionMedium is the coded octet of TMR, TMU and TMR prime.
type TransmissionMedium uint8

// Transmission medium requirement values (Q.763 §3.54).
const (
	TMRSpeech             TransmissionMedium = 0
	TMR64kUnrestricted    TransmissionMedium = 2
	TMR3k1Audio           TransmissionMedium = 3
	TMRAltSpeech64k       TransmissionMedium = 4 // reserved for alternate speech (service 2)/64 kbit/s unrestricted (service 1)
	TMRAlt64kSpeech       TransmissionMedium = 5 // reserved for alternate 64 kbit/s unrestricted (service 1)/speech (service 2)
	TMR64kPreferred       TransmissionMedium = 6
	TMR2x64kUnrestricted  TransmissionMedium = 7
	TMR384kUnrestricted   TransmissionMedium = 8
	TMR1536kUnrestricted  TransmissionMedium = 9
	TMR1920kUnrestricted  TransmissionMedium = 10
	TMR3x64kUnrestricted  TransmissionMedium = 16 // 16..42: N×64 kbit/s for N = value-13 (19 and 37 spare)
	TMR29x64kUnrestricted TransmissionMedium = 42
)

var indTmrNames = func() Names {
	n := Names{
		0: "speech", 2: "64 kbit/s unrestricted", 3: "3.1 kHz audio",
		4: "reserved for alternate speech (service 2)/64 kbit/s unrestricted (service 1)",
		5: "reserved for alternate 64 kbit/s unrestricted (service 1)/speech (service 2)",
		6: "64 kbit/s preferred", 7: "2 × 64 kbit/s unrestricted", 8: "384 kbit/s unrestricted",
		9: "1536 kbit/s unrestricted", 10: "1920 kbit/s unrestricted",
	}
	for v := 16; v <= 42; v++ {
		if v == 19 || v == 37 { // 6×64 and 24×64 are coded 8 and 9 (384, 1536)
			continue
		}
		n[uint64(v)] = itoa(v-13) + " × 64 kbit/s unrestricted"
	}
	return n
}()

func (t TransmissionMedium) String() string { return indTmrNames.Of(uint64(t), "spare") }

// indTmDecode and friends implement the three single-octet medium parameters.
func indTmDecode(c ParamCode, t *TransmissionMedium, data []byte) error {
	b, err := indOctet(c, data)
	*t = TransmissionMedium(b)
	return err
}

func indTmField(name, key string, t TransmissionMedium, ws string) []Field {
	return []Field{{Name: name, Key: key, Value: uint64(t), Meaning: t.String(), WS: ws}}
}

// TransmissionMediumRequirement is parameter 0x02.
type TransmissionMediumRequirement struct{ Medium TransmissionMedium }

func (*TransmissionMediumRequirement) Code() ParamCode { return ParamTransmissionMediumRequirement }
func (p *TransmissionMediumRequirement) DecodeParam(data []byte, v Variant) error {
	return indTmDecode(p.Code(), &p.Medium, data)
}
func (p *TransmissionMediumRequirement) AppendParam(b []byte, v Variant) []byte {
	return append(b, byte(p.Medium))
}
func (p *TransmissionMediumRequirement) Fields(v Variant) []Field {
	return indTmField("Transmission medium requirement", "medium", p.Medium, "isup.transmission_medium_requirement")
}

// TransmissionMediumUsed is parameter 0x35 (coded as TMR prime).
type TransmissionMediumUsed struct{ Medium TransmissionMedium }

func (*TransmissionMediumUsed) Code() ParamCode { return ParamTransmissionMediumUsed }
func (p *TransmissionMediumUsed) DecodeParam(data []byte, v Variant) error {
	return indTmDecode(p.Code(), &p.Medium, data)
}
func (p *TransmissionMediumUsed) AppendParam(b []byte, v Variant) []byte {
	return append(b, byte(p.Medium))
}

// Fields: tshark shows TMU under isup.transmission_medium_requirement_prime.
func (p *TransmissionMediumUsed) Fields(v Variant) []Field {
	return indTmField("Transmission medium used", "medium", p.Medium, "isup.transmission_medium_requirement_prime")
}

// TransmissionMediumRequirementPrime is parameter 0x3e.
type TransmissionMediumRequirementPrime struct{ Medium TransmissionMedium }

func (*TransmissionMediumRequirementPrime) Code() ParamCode { return ParamTransmissionMediumReqPrime }
func (p *TransmissionMediumRequirementPrime) DecodeParam(data []byte, v Variant) error {
	return indTmDecode(p.Code(), &p.Medium, data)
}
func (p *TransmissionMediumRequirementPrime) AppendParam(b []byte, v Variant) []byte {
	return append(b, byte(p.Medium))
}
func (p *TransmissionMediumRequirementPrime) Fields(v Variant) []Field {
	return indTmField("Transmission medium requirement prime", "medium", p.Medium, "isup.transmission_medium_requirement_prime")
}

// ---------------------------------------------------------------------------
// 3.21 Event information

// EventIndicator is bits G-A of event information.
type EventIndicator uint8

const (
	EventAlerting               EventIndicator = 1
	EventProgress               EventIndicator = 2
	EventInBandInformation      EventIndicator = 3 // in-band information or an appropriate pattern is now available
	EventForwardedOnBusy        EventIndicator = 4 // national use
	EventForwardedOnNoReply     EventIndicator = 5 // national use
	EventForwardedUnconditional EventIndicator = 6 // national use
)

var indEventNames = Names{1: "ALERTING", 2: "PROGRESS", 3: "in-band information or an appropriate pattern is now available",
	4: "call forwarded on busy (national use)", 5: "call forwarded on no reply (national use)", 6: "call forwarded unconditional (national use)"}

func (e EventIndicator) String() string { return indEventNames.Of(uint64(e), "spare") }

// EventInformation is parameter 0x24.
type EventInformation struct {
	Event                  EventIndicator // G-A
	PresentationRestricted bool           // H: event presentation restricted
}

func (*EventInformation) Code() ParamCode { return ParamEventInformation }

func (p *EventInformation) DecodeParam(data []byte, v Variant) error {
	b, err := indOctet(p.Code(), data)
	*p = EventInformation{EventIndicator(b & 0x7f), indBit(b, 7)}
	return err
}

func (p *EventInformation) AppendParam(b []byte, v Variant) []byte {
	return append(b, byte(p.Event)&0x7f|indIf(p.PresentationRestricted, 7))
}

func (p *EventInformation) Fields(v Variant) []Field {
	return []Field{
		{Name: "Event indicator", Key: "event", Value: uint64(p.Event), Meaning: p.Event.String(), WS: "isup.event_ind"},
		indFlag("Event presentation restricted indicator", "presentation_restricted", p.PresentationRestricted, "no indication", "presentation restricted", "isup.event_presentation_restr_ind"),
	}
}

// ---------------------------------------------------------------------------
// 3.80 Hop counter

// HopCounter is parameter 0x3d: bits E-A count down from the initial value.
type HopCounter struct {
	Count uint8 // 0-31
	Spare uint8 // bits H-F as received
}

func (*HopCounter) Code() ParamCode { return ParamHopCounter }

func (p *HopCounter) DecodeParam(data []byte, v Variant) error {
	b, err := indOctet(p.Code(), data)
	*p = HopCounter{b & 0x1f, b & 0xe0}
	return err
}

func (p *HopCounter) AppendParam(b []byte, v Variant) []byte {
	return append(b, p.Count&0x1f|p.Spare&0xe0)
}

func (p *HopCounter) Fields(v Variant) []Field {
	return []Field{Uint("Hop counter", "hop_counter", uint64(p.Count), "", "isup.hop_counter")}
}

// ---------------------------------------------------------------------------
// 3.18 Continuity indicators

// ContinuityIndicator is bit A of continuity indicators.
type ContinuityIndicator uint8

const (
	ContinuityCheckFailed     ContinuityIndicator = 0
	ContinuityCheckSuccessful ContinuityIndicator = 1
)

func (c ContinuityIndicator) String() string {
	if c == ContinuityCheckSuccessful {
		return "continuity check successful"
	}
	return "continuity check failed"
}

// ContinuityIndicators is parameter 0x10.
type ContinuityIndicators struct {
	Continuity ContinuityIndicator // A
	Spare      uint8               // bits H-B as received
}

func (*ContinuityIndicators) Code() ParamCode { return ParamContinuityIndicators }

func (p *ContinuityIndicators) DecodeParam(data []byte, v Variant) error {
	b, err := indOctet(p.Code(), data)
	*p = ContinuityIndicators{ContinuityIndicator(b & 1), b & 0xfe}
	return err
}

func (p *ContinuityIndicators) AppendParam(b []byte, v Variant) []byte {
	return append(b, byte(p.Continuity)&1|p.Spare&0xfe)
}

func (p *ContinuityIndicators) Fields(v Variant) []Field {
	return []Field{Flag("Continuity indicator", "continuity", p.Continuity == ContinuityCheckSuccessful, p.Continuity.String(), "isup.continuity_indicator")}
}

// ---------------------------------------------------------------------------
// 3.52 Suspend/resume indicators

// SuspendResume is bit A of suspend/resume indicators.
type SuspendResume uint8

const (
	SuspendISDNSubscriberInitiated SuspendResume = 0
	SuspendNetworkInitiated        SuspendResume = 1
)

func (s SuspendResume) String() string {
	if s == SuspendNetworkInitiated {
		return "network initiated"
	}
	return "ISDN subscriber initiated"
}

// SuspendResumeIndicators is parameter 0x22.
type SuspendResumeIndicators struct {
	Indicator SuspendResume // A
	Spare     uint8         // bits H-B as received
}

func (*SuspendResumeIndicators) Code() ParamCode { return ParamSuspendResumeIndicators }

func (p *SuspendResumeIndicators) DecodeParam(data []byte, v Variant) error {
	b, err := indOctet(p.Code(), data)
	*p = SuspendResumeIndicators{SuspendResume(b & 1), b & 0xfe}
	return err
}

func (p *SuspendResumeIndicators) AppendParam(b []byte, v Variant) []byte {
	return append(b, byte(p.Indicator)&1|p.Spare&0xfe)
}

func (p *SuspendResumeIndicators) Fields(v Variant) []Field {
	return []Field{Flag("Suspend/resume indicator", "suspend_resume", p.Indicator == SuspendNetworkInitiated, p.Indicator.String(), "isup.suspend_resume_indicator")}
}

// ---------------------------------------------------------------------------
// 3.29 Information request indicators

// InformationRequestIndicators is parameter 0x0e (two octets).
type InformationRequestIndicators struct {
	CallingPartyAddress bool  // A
	Holding             bool  // B (national use)
	CallingPartysCat    bool  // D
	ChargeInformation   bool  // E (national use)
	MaliciousCallID     bool  // H (reserved, used in ISUP'88)
	Spare               uint8 // first octet bits C, G, F as received (0x64)
	Spare2              uint8 // second octet as received (I-L spare, M-P national use)
}

func (*InformationRequestIndicators) Code() ParamCode { return ParamInformationRequestIndicators }

func (p *InformationRequestIndicators) DecodeParam(data []byte, v Variant) error {
	if err := exactLen(p.Code(), data, 2); err != nil {
		return err
	}
	a := data[0]
	*p = InformationRequestIndicators{indBit(a, 0), indBit(a, 1), indBit(a, 3), indBit(a, 4), indBit(a, 7), a & 0x64, data[1]}
	return nil
}

func (p *InformationRequestIndicators) AppendParam(b []byte, v Variant) []byte {
	return append(b, indIf(p.CallingPartyAddress, 0)|indIf(p.Holding, 1)|indIf(p.CallingPartysCat, 3)|indIf(p.ChargeInformation, 4)|indIf(p.MaliciousCallID, 7)|p.Spare&0x64, p.Spare2)
}

func (p *InformationRequestIndicators) Fields(v Variant) []Field {
	return []Field{
		indFlag("Calling party address request indicator", "calling_party_address_request", p.CallingPartyAddress, "calling party address not requested", "calling party address requested", "isup.calling_party_address_request_indicator"),
		indFlag("Holding indicator", "holding", p.Holding, "holding not requested", "holding requested", "isup.info_req_holding_indicator"),
		indFlag("Calling party's category request indicator", "calling_partys_category_request", p.CallingPartysCat, "calling party's category not requested", "calling party's category requested", "isup.calling_partys_category_request_indicator"),
		indFlag("Charge information request indicator", "charge_information_request", p.ChargeInformation, "charge information not requested", "charge information requested", "isup.charge_information_request_indicator"),
		indFlag("Malicious call identification request indicator", "malicious_call_identification_request", p.MaliciousCallID, "malicious call identification not requested", "malicious call identification requested", "isup.malicious_call_ident_request_indicator"),
	}
}

// ---------------------------------------------------------------------------
// 3.28 Information indicators

var indCallingAddressResponseNames = Names{0: "calling party address not included", 1: "calling party address not available", 3: "calling party address included"}

// InformationIndicators is parameter 0x0f (two octets).
type InformationIndicators struct {
	CallingPartyAddress uint8 // BA response, see indCallingAddressResponseNames
	HoldProvided        bool  // C
	CallingPartysCat    bool  // F: calling party's category included
	ChargeInformation   bool  // G: charge information included
	Solicited           bool  // H: unsolicited when set
	Spare               uint8 // first octet bits E-D as received (0x18)
	Spare2              uint8 // second octet as received
}

func (*InformationIndicators) Code() ParamCode { return ParamInformationIndicators }

func (p *InformationIndicators) DecodeParam(data []byte, v Variant) error {
	if err := exactLen(p.Code(), data, 2); err != nil {
		return err
	}
	a := data[0]
	*p = InformationIndicators{getBits(a, 0, 2), indBit(a, 2), indBit(a, 5), indBit(a, 6), indBit(a, 7), a & 0x18, data[1]}
	return nil
}

func (p *InformationIndicators) AppendParam(b []byte, v Variant) []byte {
	return append(b, p.CallingPartyAddress&3|indIf(p.HoldProvided, 2)|indIf(p.CallingPartysCat, 5)|indIf(p.ChargeInformation, 6)|indIf(p.Solicited, 7)|p.Spare&0x18, p.Spare2)
}

func (p *InformationIndicators) Fields(v Variant) []Field {
	return []Field{
		indEnum("Calling party address response indicator", "calling_party_address_response", p.CallingPartyAddress, indCallingAddressResponseNames, "isup.calling_party_address_response_indicator"),
		indFlag("Hold provided indicator", "hold_provided", p.HoldProvided, "hold not provided", "hold provided", "isup.hold_provided_indicator"),
		indFlag("Calling party's category response indicator", "calling_partys_category_response", p.CallingPartysCat, "calling party's category not included", "calling party's category included", "isup.calling_partys_category_response_indicator"),
		indFlag("Charge information response indicator", "charge_information_response", p.ChargeInformation, "charge information not included", "charge information included", "isup.charge_information_response_indicator"),
		indFlag("Solicited information indicator", "solicited", p.Solicited, "solicited", "unsolicited", "isup.solicited_indicator"),
	}
}

// ---------------------------------------------------------------------------
// 3.13 Circuit group supervision message type

// CGSMType is bits BA of the circuit group supervision message type.
type CGSMType uint8

const (
	CGSMMaintenance     CGSMType = 0 // maintenance oriented
	CGSMHardwareFailure CGSMType = 1 // hardware failure oriented
)

var indCgsmNames = Names{0: "maintenance oriented", 1: "hardware failure oriented", 2: "reserved for national use"}

func (c CGSMType) String() string { return indCgsmNames.Of(uint64(c), "spare") }

// CircuitGroupSupervisionMessageType is parameter 0x15.
type CircuitGroupSupervisionMessageType struct {
	Type  CGSMType // BA
	Spare uint8    // bits H-C as received
}

func (*CircuitGroupSupervisionMessageType) Code() ParamCode {
	return ParamCircuitGroupSupervisionMsgType
}

func (p *CircuitGroupSupervisionMessageType) DecodeParam(data []byte, v Variant) error {
	b, err := indOctet(p.Code(), data)
	*p = CircuitGroupSupervisionMessageType{CGSMType(b & 3), b & 0xfc}
	return err
}

func (p *CircuitGroupSupervisionMessageType) AppendParam(b []byte, v Variant) []byte {
	return append(b, byte(p.Type)&3|p.Spare&0xfc)
}

func (p *CircuitGroupSupervisionMessageType) Fields(v Variant) []Field {
	return []Field{{Name: "Type indicator", Key: "type", Value: uint64(p.Type), Meaning: p.Type.String(), WS: "isup.cgs_message_type"}}
}

// ---------------------------------------------------------------------------
// 3.43 Range and status

// RangeAndStatus is parameter 0x16: the range (number of circuits affected
// minus one) and, except in GRS and CQM, a status bitmap of range+1 bits,
// bit 0 (bit A of the first status octet) standing for the CIC of the
// message.
type RangeAndStatus struct {
	Range uint8
	// Status aliases the decoded input; nil when the status subfield is
	// absent. Bits beyond range+1 in the last octet are kept as received.
	Status []byte
}

func (*RangeAndStatus) Code() ParamCode { return ParamRangeAndStatus }

// indStatusLen is the status subfield's length for range r.
func indStatusLen(r uint8) int { return (int(r) + 1 + 7) / 8 }

func (p *RangeAndStatus) DecodeParam(data []byte, v Variant) error {
	if err := needLen(p.Code(), data, 1); err != nil {
		return err
	}
	p.Range, p.Status = data[0], nil
	if len(data) == 1 {
		return nil
	}
	if n := indStatusLen(data[0]); len(data)-1 != n {
		return paramErr(p.Code(), ErrLength, 1, "status of range "+itoa(int(data[0]))+" needs "+itoa(n)+" octets, has "+itoa(len(data)-1))
	}
	p.Status = data[1:]
	return nil
}

func (p *RangeAndStatus) AppendParam(b []byte, v Variant) []byte {
	return append(append(b, p.Range), p.Status...)
}

// HasStatus reports whether the status subfield is present.
func (p *RangeAndStatus) HasStatus() bool { return len(p.Status) > 0 }

// Covers reports whether the circuit i places after the message's CIC is in
// the range (0 is the CIC itself).
func (p *RangeAndStatus) Covers(i int) bool { return i >= 0 && i <= int(p.Range) }

// StatusBit reports the status bit of the circuit i places after the
// message's CIC (false when outside the range or the status is absent).
func (p *RangeAndStatus) StatusBit(i int) bool {
	if !p.Covers(i) || i/8 >= len(p.Status) {
		return false
	}
	return indBit(p.Status[i/8], uint(i%8))
}

// SetStatusBit sets the status bit of circuit i, allocating the status
// subfield for the range when it is absent. Call it after setting Range.
func (p *RangeAndStatus) SetStatusBit(i int, on bool) {
	if !p.Covers(i) {
		return
	}
	if n := indStatusLen(p.Range); len(p.Status) != n {
		s := make([]byte, n)
		copy(s, p.Status)
		p.Status = s
	}
	p.Status[i/8] = setBits(p.Status[i/8], uint(i%8), 1, indIf(on, 0))
}

func (p *RangeAndStatus) Fields(v Variant) []Field {
	// tshark's isup.range_indicator shows the number of circuits (range+1).
	f := []Field{
		Uint("Range", "range", uint64(p.Range), "", ""),
		Uint("Circuits affected", "circuits", uint64(p.Range)+1, "", "isup.range_indicator"),
	}
	if p.Status != nil {
		f = append(f, Octets("Status", "status", p.Status, ""))
	}
	return f
}

// ---------------------------------------------------------------------------
// 3.14 Circuit state indicator

// CircuitState is one octet of the circuit state indicator.
type CircuitState uint8

// MaintenanceBlocking is bits BA: with CallProcessing 0 they code 0
// transient, 3 unequipped; otherwise the maintenance blocking state.
func (c CircuitState) MaintenanceBlocking() uint8 { return getBits(byte(c), 0, 2) }

// CallProcessing is bits DC: 0 (see MaintenanceBlocking), 1 incoming busy,
// 2 outgoing busy, 3 idle.
func (c CircuitState) CallProcessing() uint8 { return getBits(byte(c), 2, 2) }

// HardwareBlocking is bits FE (meaningful when CallProcessing is not 0).
func (c CircuitState) HardwareBlocking() uint8 { return getBits(byte(c), 4, 2) }

var indBlockingNames = Names{0: "no blocking (active)", 1: "locally blocked", 2: "remotely blocked", 3: "locally and remotely blocked"}
var indTransientNames = Names{0: "transient", 3: "unequipped"}
var indCallProcessingNames = Names{0: "see maintenance blocking state", 1: "circuit incoming busy", 2: "circuit outgoing busy", 3: "idle"}

// CircuitStateIndicator is parameter 0x26: one state octet per circuit of
// the range, in CIC order.
type CircuitStateIndicator struct {
	States []byte // aliases the decoded input; see State
}

func (*CircuitStateIndicator) Code() ParamCode { return ParamCircuitStateIndicator }

func (p *CircuitStateIndicator) DecodeParam(data []byte, v Variant) error {
	if err := needLen(p.Code(), data, 1); err != nil {
		return err
	}
	p.States = data
	return nil
}

func (p *CircuitStateIndicator) AppendParam(b []byte, v Variant) []byte {
	return append(b, p.States...)
}

// State returns the state of circuit i of the range.
func (p *CircuitStateIndicator) State(i int) CircuitState { return CircuitState(p.States[i]) }

func (p *CircuitStateIndicator) Fields(v Variant) []Field {
	f := make([]Field, 0, len(p.States))
	for i, b := range p.States {
		c := CircuitState(b)
		names, cpws := indBlockingNames, "isup.call_processing_state"
		if c.CallProcessing() == 0 {
			names, cpws = indTransientNames, "" // tshark then shows only bits BA
		}
		g := Group("Circuit "+itoa(i), "circuit",
			indEnum("Maintenance blocking state", "maintenance_blocking", c.MaintenanceBlocking(), names, "isup.mtc_blocking_state"),
			indEnum("Call processing state", "call_processing", c.CallProcessing(), indCallProcessingNames, cpws))
		if c.CallProcessing() != 0 {
			g.Children = append(g.Children, indEnum("Hardware blocking state", "hardware_blocking", c.HardwareBlocking(), indBlockingNames, "isup.hw_blocking_state"))
		}
		f = append(f, g)
	}
	return f
}

// ---------------------------------------------------------------------------
// 3.4 Automatic congestion level

var indAclNames = Names{1: "congestion level 1 exceeded", 2: "congestion level 2 exceeded"}

// AutomaticCongestionLevel is parameter 0x27.
type AutomaticCongestionLevel struct{ Level uint8 }

func (*AutomaticCongestionLevel) Code() ParamCode { return ParamAutomaticCongestionLevel }

func (p *AutomaticCongestionLevel) DecodeParam(data []byte, v Variant) error {
	b, err := indOctet(p.Code(), data)
	p.Level = b
	return err
}

func (p *AutomaticCongestionLevel) AppendParam(b []byte, v Variant) []byte {
	return append(b, p.Level)
}

func (p *AutomaticCongestionLevel) Fields(v Variant) []Field {
	return []Field{indEnum("Automatic congestion level", "level", p.Level, indAclNames, "isup.automatic_congestion_level")}
}

// ---------------------------------------------------------------------------
// 3.42 Propagation delay counter

// PropagationDelayCounter is parameter 0x31: the accumulated delay in ms,
// most significant octet first.
type PropagationDelayCounter struct{ Milliseconds uint16 }

func (*PropagationDelayCounter) Code() ParamCode { return ParamPropagationDelayCounter }

func (p *PropagationDelayCounter) DecodeParam(data []byte, v Variant) error {
	if err := exactLen(p.Code(), data, 2); err != nil {
		return err
	}
	p.Milliseconds = uint16(data[0])<<8 | uint16(data[1])
	return nil
}

func (p *PropagationDelayCounter) AppendParam(b []byte, v Variant) []byte {
	return append(b, byte(p.Milliseconds>>8), byte(p.Milliseconds))
}

func (p *PropagationDelayCounter) Fields(v Variant) []Field {
	return []Field{Uint("Propagation delay value", "milliseconds", uint64(p.Milliseconds), "ms", "isup.propagation_delay_counter")}
}

// ---------------------------------------------------------------------------
// 3.19 Echo control information

var indEcdInfoNames = Names{0: "no information", 1: "echo control device not included and not available", 2: "echo control device included", 3: "echo control device not included but available"}
var indEcdRequestNames = Names{0: "no information", 1: "echo control device activation request", 2: "echo control device deactivation request"}

// EchoControlInformation is parameter 0x37.
type EchoControlInformation struct {
	OutgoingInfo    uint8 // BA, see indEcdInfoNames
	IncomingInfo    uint8 // DC
	OutgoingRequest uint8 // FE, see indEcdRequestNames
	IncomingRequest uint8 // HG
}

func (*EchoControlInformation) Code() ParamCode { return ParamEchoControlInformation }

func (p *EchoControlInformation) DecodeParam(data []byte, v Variant) error {
	b, err := indOctet(p.Code(), data)
	*p = EchoControlInformation{getBits(b, 0, 2), getBits(b, 2, 2), getBits(b, 4, 2), getBits(b, 6, 2)}
	return err
}

func (p *EchoControlInformation) AppendParam(b []byte, v Variant) []byte {
	return append(b, p.OutgoingInfo&3|(p.IncomingInfo&3)<<2|(p.OutgoingRequest&3)<<4|(p.IncomingRequest&3)<<6)
}

func (p *EchoControlInformation) Fields(v Variant) []Field {
	return []Field{
		indEnum("Outgoing echo control device information indicator", "outgoing_info", p.OutgoingInfo, indEcdInfoNames, "isup.OECD_inf_ind_vals"),
		indEnum("Incoming echo control device information indicator", "incoming_info", p.IncomingInfo, indEcdInfoNames, "isup.IECD_inf_ind_vals"),
		indEnum("Outgoing echo control device request indicator", "outgoing_request", p.OutgoingRequest, indEcdRequestNames, "isup.OECD_req_ind_vals"),
		indEnum("Incoming echo control device request indicator", "incoming_request", p.IncomingRequest, indEcdRequestNames, "isup.IECD_req_ind_vals"),
	}
}

// ---------------------------------------------------------------------------
// 3.33 Message compatibility information, 3.41 parameter compatibility
// information: instruction indicators, each a chain of octets whose bit H
// is 0 when the chain continues ("extension indicator").

// indExtChain returns the length of the extension chain starting at data[0]:
// up to and including the first octet with bit H set.
func indExtChain(data []byte) (int, bool) {
	for i, b := range data {
		if b&0x80 != 0 {
			return i + 1, true
		}
	}
	return len(data), false
}

var indPassOnMsgNames = Names{0: "release call", 1: "discard information"}
var indBniMsgNames = Names{0: "pass on", 1: "discard message", 2: "release call", 3: "reserved, assume 00"}
var indPassOnParamNames = Names{0: "release call", 1: "discard message", 2: "discard parameter", 3: "reserved (interpreted as 00)"}
var indBniParamNames = Names{0: "pass on", 1: "discard message", 2: "release call", 3: "discard parameter"}

// MessageCompatibilityInformation is parameter 0x38: one instruction
// indicators octet, then extension octets.
type MessageCompatibilityInformation struct {
	TransitAtIntermediateExchange bool  // A: end node interpretation when set
	ReleaseCall                   bool  // B
	SendNotification              bool  // C
	DiscardMessage                bool  // D
	PassOnNotPossible             bool  // E: discard information when set, else release call
	BroadbandNarrowband           uint8 // GF: broadband/narrowband interworking indicator
	// Continues is bit H clear: more instruction octets follow (in Ext).
	Continues bool
	Ext       []byte // extension octets as received (aliases the input)
}

func (*MessageCompatibilityInformation) Code() ParamCode { return ParamMessageCompatibilityInfo }

func (p *MessageCompatibilityInformation) DecodeParam(data []byte, v Variant) error {
	if err := needLen(p.Code(), data, 1); err != nil {
		return err
	}
	if n, ok := indExtChain(data); !ok || n != len(data) {
		if !ok {
			return paramErr(p.Code(), ErrLength, len(data), "instruction indicators continue past the end")
		}
		return paramErr(p.Code(), ErrInvalidValue, n, "octets follow the last instruction indicators octet")
	}
	b := data[0]
	*p = MessageCompatibilityInformation{indBit(b, 0), indBit(b, 1), indBit(b, 2), indBit(b, 3), indBit(b, 4), getBits(b, 5, 2), !indBit(b, 7), nil}
	if len(data) > 1 {
		p.Ext = data[1:]
	}
	return nil
}

func (p *MessageCompatibilityInformation) AppendParam(b []byte, v Variant) []byte {
	b = append(b, indIf(p.TransitAtIntermediateExchange, 0)|indIf(p.ReleaseCall, 1)|indIf(p.SendNotification, 2)|
		indIf(p.DiscardMessage, 3)|indIf(p.PassOnNotPossible, 4)|(p.BroadbandNarrowband&3)<<5|indIf(!p.Continues, 7))
	return append(b, p.Ext...)
}

func indInstrFlags(transit, release, notify, discard bool) []Field {
	return []Field{
		indFlag("Transit at intermediate exchange indicator", "transit_at_intermediate_exchange", transit, "transit interpretation", "end node interpretation", "isup.transit_at_intermediate_exchange_ind"),
		indFlag("Release call indicator", "release_call", release, "do not release call", "release call", "isup.Release_call_ind"),
		indFlag("Send notification indicator", "send_notification", notify, "do not send notification", "send notification", "isup.Send_notification_ind"),
		indFlag("Discard message indicator", "discard_message", discard, "do not discard message (pass on)", "discard message", "isup.Discard_message_ind_value"),
	}
}

func (p *MessageCompatibilityInformation) Fields(v Variant) []Field {
	f := indInstrFlags(p.TransitAtIntermediateExchange, p.ReleaseCall, p.SendNotification, p.DiscardMessage)
	f = append(f,
		indFlag("Pass on not possible indicator", "pass_on_not_possible", p.PassOnNotPossible, "release call", "discard information", "isup.Pass_on_not_possible_val"),
		indEnum("Broadband/narrowband interworking indicator", "broadband_narrowband_interworking", p.BroadbandNarrowband, indBniMsgNames, "isup.broadband_narrowband_interworking_ind2"),
		indFlag("Extension indicator", "extension", !p.Continues, "information continues in the next octet", "last octet", ""))
	if len(p.Ext) > 0 {
		f = append(f, Octets("Extension octets", "ext", p.Ext, ""))
	}
	return f
}

// ParamInstructions is one entry of parameter compatibility information:
// the upgraded parameter's code and its instruction indicators.
type ParamInstructions struct {
	Param                         ParamCode
	TransitAtIntermediateExchange bool  // A
	ReleaseCall                   bool  // B
	SendNotification              bool  // C
	DiscardMessage                bool  // D
	DiscardParameter              bool  // E
	PassOnNotPossible             uint8 // GF, see indPassOnParamNames
	Continues                     bool  // bit H clear: octet 2 follows
	// Ext holds the octets after the first (octet 2 carries the
	// broadband/narrowband interworking indicator in bits BA); it aliases
	// the input.
	Ext []byte
}

// BroadbandNarrowband returns octet 2's bits BA (0, pass on, when absent).
func (e ParamInstructions) BroadbandNarrowband() uint8 {
	if len(e.Ext) == 0 {
		return 0
	}
	return e.Ext[0] & 3
}

func (e ParamInstructions) appendTo(b []byte) []byte {
	b = append(b, byte(e.Param), indIf(e.TransitAtIntermediateExchange, 0)|indIf(e.ReleaseCall, 1)|indIf(e.SendNotification, 2)|
		indIf(e.DiscardMessage, 3)|indIf(e.DiscardParameter, 4)|(e.PassOnNotPossible&3)<<5|indIf(!e.Continues, 7))
	return append(b, e.Ext...)
}

// ParameterCompatibilityInformation is parameter 0x39: a sequence of
// {parameter code, instruction indicators}. Raw aliases the decoded input;
// read the entries with Len and Entry, build them with Add.
type ParameterCompatibilityInformation struct {
	Raw []byte
}

func (*ParameterCompatibilityInformation) Code() ParamCode { return ParamParameterCompatibilityInfo }

// indPCIEntry parses the entry at the start of data, returning it and its length.
func indPciEntry(data []byte) (ParamInstructions, int, bool) {
	if len(data) < 2 {
		return ParamInstructions{}, 0, false
	}
	n, ok := indExtChain(data[1:])
	if !ok {
		return ParamInstructions{}, 0, false
	}
	b := data[1]
	e := ParamInstructions{ParamCode(data[0]), indBit(b, 0), indBit(b, 1), indBit(b, 2), indBit(b, 3), indBit(b, 4), getBits(b, 5, 2), !indBit(b, 7), nil}
	if n > 1 {
		e.Ext = data[2 : 1+n]
	}
	return e, 1 + n, true
}

func (p *ParameterCompatibilityInformation) DecodeParam(data []byte, v Variant) error {
	if err := needLen(p.Code(), data, 2); err != nil {
		return err
	}
	for off := 0; off < len(data); {
		_, n, ok := indPciEntry(data[off:])
		if !ok {
			return paramErr(p.Code(), ErrLength, off, "entry "+itoa(off)+" truncated")
		}
		off += n
	}
	p.Raw = data
	return nil
}

func (p *ParameterCompatibilityInformation) AppendParam(b []byte, v Variant) []byte {
	return append(b, p.Raw...)
}

// Len returns the number of entries.
func (p *ParameterCompatibilityInformation) Len() int {
	k := 0
	for off := 0; off < len(p.Raw); k++ {
		_, n, ok := indPciEntry(p.Raw[off:])
		if !ok {
			break
		}
		off += n
	}
	return k
}

// Entry returns entry i (ok false when there is none).
func (p *ParameterCompatibilityInformation) Entry(i int) (ParamInstructions, bool) {
	for off := 0; off < len(p.Raw); i-- {
		e, n, ok := indPciEntry(p.Raw[off:])
		if !ok {
			break
		}
		if i == 0 {
			return e, true
		}
		off += n
	}
	return ParamInstructions{}, false
}

// Add appends an entry.
func (p *ParameterCompatibilityInformation) Add(e ParamInstructions) {
	p.Raw = e.appendTo(p.Raw[:len(p.Raw):len(p.Raw)])
}

func (p *ParameterCompatibilityInformation) Fields(v Variant) []Field {
	var f []Field
	for off := 0; off < len(p.Raw); {
		e, n, ok := indPciEntry(p.Raw[off:])
		if !ok {
			break
		}
		off += n
		c := []Field{{Name: "Upgraded parameter", Key: "parameter", Value: uint64(e.Param), Meaning: e.Param.Name(v), WS: "isup.upgraded_parameter"}}
		c = append(c, indInstrFlags(e.TransitAtIntermediateExchange, e.ReleaseCall, e.SendNotification, e.DiscardMessage)...)
		c = append(c,
			indFlag("Discard parameter indicator", "discard_parameter", e.DiscardParameter, "do not discard parameter (pass on)", "discard parameter", "isup.Discard_parameter_ind"),
			indEnum("Pass on not possible indicator", "pass_on_not_possible", e.PassOnNotPossible, indPassOnParamNames, "isup.Pass_on_not_possible_ind"),
			indFlag("Extension indicator", "extension", !e.Continues, "information continues in the next octet", "last octet", ""))
		if len(e.Ext) > 0 {
			c = append(c, indEnum("Broadband/narrowband interworking indicator", "broadband_narrowband_interworking", e.BroadbandNarrowband(), indBniParamNames, "isup.broadband_narrowband_interworking_ind"))
			c = append(c, Octets("Extension octets", "ext", e.Ext, ""))
		}
		f = append(f, Group("Parameter instructions", "instructions", c...))
	}
	return f
}
