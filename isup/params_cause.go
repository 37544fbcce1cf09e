package isup

// Cause indicators (Q.763 §3.12, coded as Q.850 §2; T1.113.3 for ANSI):
//
//	octet 1   ext | coding standard (2) | spare | location (4)
//	octet 1a  ext | recommendation (7)       present when octet 1's ext is 0
//	octet 2   ext | cause value (7) = class (3) + value in class (4)
//	octet 3…  diagnostics
//
// ANSI codes its own cause values under coding standard 2 (national).

// Location is the Q.850 location field.
type Location uint8

const (
	LocUser                      Location = 0  // U
	LocPrivateLocal              Location = 1  // LPN: private network serving the local user
	LocPublicLocal               Location = 2  // LN: public network serving the local user
	LocTransit                   Location = 3  // TN: transit network
	LocPublicRemote              Location = 4  // RLN: public network serving the remote user
	LocPrivateRemote             Location = 5  // RPN: private network serving the remote user
	LocInternational             Location = 7  // INTL: international network
	LocNetworkBeyondInterworking Location = 10 // BI: network beyond interworking point
)

var causeLocationNames = Names{
	0:  "user",
	1:  "private network serving the local user",
	2:  "public network serving the local user",
	3:  "transit network",
	4:  "public network serving the remote user",
	5:  "private network serving the remote user",
	7:  "international network",
	10: "network beyond interworking point",
}

func (l Location) String() string {
	if l >= 12 && l <= 15 {
		return "reserved for national use"
	}
	return causeLocationNames.Of(uint64(l), "spare")
}

// CauseCodingStandard is the Q.850 coding standard field.
type CauseCodingStandard uint8

const (
	CauseCodingITU      CauseCodingStandard = 0
	CauseCodingISO      CauseCodingStandard = 1
	CauseCodingNational CauseCodingStandard = 2 // ANSI uses this for its cause values
	CauseCodingLocation CauseCodingStandard = 3 // standard specific to identified location
)

var causeCodingITU = Names{
	0: "ITU-T standardized coding",
	1: "ISO/IEC standard",
	2: "national standard",
	3: "standard specific to identified location",
}

var causeCodingANSI = Names{
	0: "ITU-T standardized coding",
	1: "ISO/IEC standard",
	2: "ANSI standard",
	3: "standard specific to identified location",
}

func (c CauseCodingStandard) String() string { return causeCodingITU.Of(uint64(c), "spare") }

// Cause is a cause value (7 bits: class in bits 7–5, value in class in
// bits 4–1).
type Cause uint8

// Cause values call control names (Q.850 Table 1).
const (
	CauseUnallocatedNumber        Cause = 1
	CauseNoRouteToDestination     Cause = 3
	CauseNormalClearing           Cause = 16
	CauseUserBusy                 Cause = 17
	CauseNoUserResponding         Cause = 18
	CauseNoAnswer                 Cause = 19
	CauseSubscriberAbsent         Cause = 20
	CauseCallRejected             Cause = 21
	CauseNumberChanged            Cause = 22
	CauseDestinationOutOfOrder    Cause = 27
	CauseInvalidNumberFormat      Cause = 28
	CauseNormalUnspecified        Cause = 31
	CauseNoCircuitAvailable       Cause = 34
	CauseNetworkOutOfOrder        Cause = 38
	CauseTemporaryFailure         Cause = 41
	CauseSwitchingCongestion      Cause = 42
	CauseResourceUnavailable      Cause = 47
	CauseBearerCapNotAuthorized   Cause = 57
	CauseBearerCapNotAvailable    Cause = 58
	CauseServiceNotAvailable      Cause = 63
	CauseBearerCapNotImplemented  Cause = 65
	CauseServiceNotImplemented    Cause = 79
	CauseIncompatibleDestination  Cause = 88
	CauseInvalidMessage           Cause = 95
	CauseRecoveryOnTimerExpiry    Cause = 102
	CauseProtocolError            Cause = 111
	CauseInterworking             Cause = 127
	CauseMessageTypeNonExistent   Cause = 97
	CauseParameterNonExistentDisc Cause = 99
)

// q850Causes names every value Q.850 defines.
var q850Causes = Names{
	1:   "unallocated (unassigned) number",
	2:   "no route to specified transit network",
	3:   "no route to destination",
	4:   "send special information tone",
	5:   "misdialled trunk prefix",
	6:   "channel unacceptable",
	7:   "call awarded and being delivered in an established channel",
	8:   "preemption",
	9:   "preemption - circuit reserved for reuse",
	14:  "QoR: ported number",
	16:  "normal call clearing",
	17:  "user busy",
	18:  "no user responding",
	19:  "no answer from user (user alerted)",
	20:  "subscriber absent",
	21:  "call rejected",
	22:  "number changed",
	23:  "redirection to new destination",
	24:  "call rejected due to feature at the destination",
	25:  "exchange routing error",
	26:  "non-selected user clearing",
	27:  "destination out of order",
	28:  "invalid number format (address incomplete)",
	29:  "facility rejected",
	30:  "response to STATUS ENQUIRY",
	31:  "normal, unspecified",
	34:  "no circuit/channel available",
	38:  "network out of order",
	39:  "permanent frame mode connection out of service",
	40:  "permanent frame mode connection operational",
	41:  "temporary failure",
	42:  "switching equipment congestion",
	43:  "access information discarded",
	44:  "requested circuit/channel not available",
	46:  "precedence call blocked",
	47:  "resource unavailable, unspecified",
	49:  "quality of service not available",
	50:  "requested facility not subscribed",
	53:  "outgoing calls barred within CUG",
	55:  "incoming calls barred within CUG",
	57:  "bearer capability not authorized",
	58:  "bearer capability not presently available",
	62:  "inconsistency in designated outgoing access information and subscriber class",
	63:  "service or option not available, unspecified",
	65:  "bearer capability not implemented",
	66:  "channel type not implemented",
	69:  "requested facility not implemented",
	70:  "only restricted digital information bearer capability is available",
	79:  "service or option not implemented, unspecified",
	81:  "invalid call reference value",
	82:  "identified channel does not exist",
	83:  "a suspended call exists, but this call identity does not",
	84:  "call identity in use",
	85:  "no call suspended",
	86:  "call having the requested call identity has been cleared",
	87:  "user not member of CUG",
	88:  "incompatible destination",
	90:  "non-existent CUG",
	91:  "invalid transit network selection",
	95:  "invalid message, unspecified",
	96:  "mandatory information element is missing",
	97:  "message type non-existent or not implemented",
	98:  "message not compatible with call state or message type non-existent or not implemented",
	99:  "information element/parameter non-existent or not implemented",
	100: "invalid information element contents",
	101: "message not compatible with call state",
	102: "recovery on timer expiry",
	103: "parameter non-existent or not implemented, passed on",
	110: "message with unrecognized parameter, discarded",
	111: "protocol error, unspecified",
	127: "interworking, unspecified",
}

// ansiCauses are the values T1.113 defines under the national coding
// standard in addition to (or instead of) Q.850's.
var ansiCauses = Names{
	23: "unallocated destination number",
	24: "unknown business group",
	25: "exchange routing error",
	26: "misrouted call to a ported number",
	27: "number portability query on release (QoR) number not found",
	45: "preemption",
	46: "precedence call blocked",
	51: "call type incompatible with service request",
	54: "call blocked due to group restrictions",
}

var causeClassNames = Names{
	0: "normal event",
	1: "normal event",
	2: "resource unavailable",
	3: "service or option not available",
	4: "service or option not implemented",
	5: "invalid message (e.g. parameter out of range)",
	6: "protocol error (e.g. unknown message)",
	7: "interworking",
}

func (c Cause) String() string { return q850Causes.Of(uint64(c), "unallocated") }

// Class returns the cause class (bits 7–5).
func (c Cause) Class() uint8 { return uint8(c) >> 4 & 7 }

// CauseIndicators is the cause indicators parameter.
type CauseIndicators struct {
	CodingStandard CauseCodingStandard
	Location       Location
	// HasRecommendation marks octet 1a (extension bit of octet 1 cleared).
	HasRecommendation bool
	Recommendation    uint8 // 7 bits
	Value             Cause
	// Diagnostics are the octets after the cause value, kept as received
	// (they alias the decoded input).
	Diagnostics []byte
	// Spare is bit 5 of octet 1, in place. ExtClear records extension bits
	// received as 0 where Q.850 puts 1: bit 0 for octet 1a, bit 1 for
	// octet 2. Both exist so that re-encoding is exact.
	Spare    uint8
	ExtClear uint8
}

// CauseValue returns the cause value.
func (p *CauseIndicators) CauseValue() uint8 { return uint8(p.Value) }

func (p *CauseIndicators) Code() ParamCode { return ParamCauseIndicators }

func (p *CauseIndicators) DecodeParam(d []byte, v Variant) error {
	if err := needLen(ParamCauseIndicators, d, 2); err != nil {
		return err
	}
	*p = CauseIndicators{
		CodingStandard: CauseCodingStandard(getBits(d[0], 5, 2)),
		Location:       Location(getBits(d[0], 0, 4)),
		Spare:          d[0] & 0x10,
	}
	i := 1
	if d[0]&0x80 == 0 {
		if len(d) < 3 {
			return paramErr(ParamCauseIndicators, ErrLength, len(d), "octet 1a announced: needs at least 3 octets, has "+itoa(len(d)))
		}
		p.HasRecommendation = true
		p.Recommendation = d[1] & 0x7f
		if d[1]&0x80 == 0 {
			p.ExtClear |= 1
		}
		i = 2
	}
	p.Value = Cause(d[i] & 0x7f)
	if d[i]&0x80 == 0 {
		p.ExtClear |= 2
	}
	p.Diagnostics = d[i+1 : len(d) : len(d)]
	return nil
}

func (p *CauseIndicators) AppendParam(b []byte, v Variant) []byte {
	o1 := setBits(uint8(p.Location)&0x0f|p.Spare&0x10, 5, 2, uint8(p.CodingStandard))
	if !p.HasRecommendation {
		o1 |= 0x80
	}
	b = append(b, o1)
	if p.HasRecommendation {
		o := p.Recommendation & 0x7f
		if p.ExtClear&1 == 0 {
			o |= 0x80
		}
		b = append(b, o)
	}
	o := uint8(p.Value) & 0x7f
	if p.ExtClear&2 == 0 {
		o |= 0x80
	}
	b = append(b, o)
	return append(b, p.Diagnostics...)
}

// causeMeaning names a cause value under the coding standard and variant.
func causeMeaning(v Variant, cs CauseCodingStandard, c Cause) string {
	if v == ANSI && cs == CauseCodingNational {
		if s, ok := ansiCauses[uint64(c)]; ok {
			return s
		}
	}
	if cs == CauseCodingITU || v == ANSI && cs == CauseCodingNational {
		return c.String()
	}
	return "coded to another standard"
}

func (p *CauseIndicators) Fields(v Variant) []Field {
	ext := func(name string, on bool) Field {
		m := "information continues through the next octet"
		if on {
			m = "last octet"
		}
		// tshark shows the extension bits only for ITU-T (via Q.931).
		return Flag(name, "ext", on, m, pnWS(v == ITU, "q931.extension_ind"))
	}
	var out []Field
	if v == ANSI {
		out = append(out,
			Field{Name: "Location", Key: "location", Value: uint64(p.Location), Meaning: p.Location.String(), WS: "isup.cause_location"},
			Enum("Coding standard", "coding_standard", uint64(p.CodingStandard), causeCodingANSI, "ansi_isup.coding_standard"))
	} else {
		out = append(out,
			Field{Name: "Location", Key: "location", Value: uint64(p.Location), Meaning: p.Location.String(), WS: "q931.cause_location"},
			Enum("Coding standard", "coding_standard", uint64(p.CodingStandard), causeCodingITU, "q931.coding_standard"))
	}
	if p.Spare != 0 {
		out = append(out, Uint("Spare", "spare", uint64(p.Spare>>4), "", ""))
	}
	out = append(out, ext("Extension indicator", !p.HasRecommendation))
	if p.HasRecommendation {
		out = append(out,
			Uint("Recommendation", "recommendation", uint64(p.Recommendation), "", pnWS(v == ITU, "q931.cause.recommendation")),
			ext("Extension indicator", p.ExtClear&1 == 0))
	}
	valueWS := "isup.cause_indicator"
	if v == ANSI && p.CodingStandard == CauseCodingNational {
		valueWS = "ansi_isup.cause_indicator"
	}
	out = append(out,
		Field{Name: "Cause value", Key: "cause_value", Value: uint64(p.Value), Meaning: causeMeaning(v, p.CodingStandard, p.Value), WS: valueWS},
		Enum("Cause class", "cause_class", uint64(p.Value.Class()), causeClassNames, ""),
		ext("Extension indicator", p.ExtClear&2 == 0))
	if len(p.Diagnostics) > 0 {
		// tshark shows diagnostics as colon-separated octets or decodes
		// them per cause value: no WS.
		out = append(out, Octets("Diagnostics", "diagnostics", p.Diagnostics, ""))
	}
	return out
}

func init() {
	Register(Both, ParamCauseIndicators, func() Value { return new(CauseIndicators) })
}
