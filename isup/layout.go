package isup

// FixedSpec is one parameter of a message's mandatory fixed part.
type FixedSpec struct {
	Code ParamCode
	Len  int
}

// Layout describes a message type's format (Q.763 §2 and Tables 32–53,
// T1.113.3 Tables): the mandatory fixed part, the mandatory variable part
// (reached through one pointer each) and whether an optional part (and its
// pointer) exists. A nil Layout means the body is not parameter-structured
// (unknown type, pass-along, national charge messages) and is kept raw.
type Layout struct {
	Type     MessageType
	Fixed    []FixedSpec
	Variable []ParamCode
	Optional bool
}

func f(c ParamCode, n int) FixedSpec { return FixedSpec{c, n} }

var (
	fNCI  = f(ParamNatureOfConnectionIndicators, 1)
	fFCI  = f(ParamForwardCallIndicators, 2)
	fCPC  = f(ParamCallingPartysCategory, 1)
	fTMR  = f(ParamTransmissionMediumRequirement, 1)
	fBCI  = f(ParamBackwardCallIndicators, 2)
	fINR  = f(ParamInformationRequestIndicators, 2)
	fINF  = f(ParamInformationIndicators, 2)
	fCOT  = f(ParamContinuityIndicators, 1)
	fSR   = f(ParamSuspendResumeIndicators, 1)
	fFac  = f(ParamFacilityIndicator, 1)
	fEvt  = f(ParamEventInformation, 1)
	fCGSM = f(ParamCircuitGroupSupervisionMsgType, 1)
	fCVRI = f(ParamCircuitValidationResponseInd, 1)
	fCGCI = f(ParamCircuitGroupCharacteristicInd, 1)
)

func fixed(s ...FixedSpec) []FixedSpec { return s }
func vars(c ...ParamCode) []ParamCode  { return c }

// Layouts common to ITU-T and ANSI.
var commonLayouts = []Layout{
	{Type: SAM, Variable: vars(ParamSubsequentNumber), Optional: true},
	{Type: INR, Fixed: fixed(fINR), Optional: true},
	{Type: INF, Fixed: fixed(fINF), Optional: true},
	{Type: COT, Fixed: fixed(fCOT)},
	{Type: ACM, Fixed: fixed(fBCI), Optional: true},
	{Type: CON, Fixed: fixed(fBCI), Optional: true},
	{Type: FOT, Optional: true},
	{Type: ANM, Optional: true},
	{Type: REL, Variable: vars(ParamCauseIndicators), Optional: true},
	{Type: SUS, Fixed: fixed(fSR), Optional: true},
	{Type: RES, Fixed: fixed(fSR), Optional: true},
	{Type: CCR},
	{Type: RSC},
	{Type: BLO},
	{Type: UBL},
	{Type: BLA},
	{Type: UBA},
	{Type: GRS, Variable: vars(ParamRangeAndStatus)},
	{Type: CGB, Fixed: fixed(fCGSM), Variable: vars(ParamRangeAndStatus)},
	{Type: CGU, Fixed: fixed(fCGSM), Variable: vars(ParamRangeAndStatus)},
	{Type: CGBA, Fixed: fixed(fCGSM), Variable: vars(ParamRangeAndStatus)},
	{Type: CGUA, Fixed: fixed(fCGSM), Variable: vars(ParamRangeAndStatus)},
	{Type: FAR, Fixed: fixed(fFac), Optional: true},
	{Type: FAA, Fixed: fixed(fFac), Optional: true},
	{Type: FRJ, Fixed: fixed(fFac), Variable: vars(ParamCauseIndicators), Optional: true},
	{Type: LPA},
	{Type: GRA, Variable: vars(ParamRangeAndStatus)},
	{Type: CQM, Variable: vars(ParamRangeAndStatus)},
	{Type: CQR, Variable: vars(ParamRangeAndStatus, ParamCircuitStateIndicator)},
	{Type: CPG, Fixed: fixed(fEvt), Optional: true},
	{Type: USR, Variable: vars(ParamUserToUserInformation), Optional: true},
	{Type: UCIC},
	{Type: CFN, Variable: vars(ParamCauseIndicators), Optional: true},
	{Type: OLM},
	{Type: NRM, Optional: true},
	{Type: FAC, Optional: true},
	{Type: UPT, Optional: true},
	{Type: UPA, Optional: true},
	{Type: IDR, Optional: true},
	{Type: IRS, Optional: true},
	{Type: SGM, Optional: true},
	{Type: LPR, Optional: true},
	{Type: APM, Optional: true},
	{Type: PRI, Optional: true},
	{Type: SDN, Optional: true},
}

var ituLayouts = []Layout{
	{Type: IAM, Fixed: fixed(fNCI, fFCI, fCPC, fTMR), Variable: vars(ParamCalledPartyNumber), Optional: true},
	{Type: RLC, Optional: true},
}

// ANSI T1.113: the IAM carries user service information instead of the
// transmission medium requirement, the RLC has no optional part (as tshark's
// ANSI tables also have it), and five messages exist only in ANSI.
var ansiLayouts = []Layout{
	{Type: RLC},
	{Type: IAM, Fixed: fixed(fNCI, fFCI, fCPC), Variable: vars(ParamUserServiceInformation, ParamCalledPartyNumber), Optional: true},
	{Type: CRA},
	{Type: CRM, Fixed: fixed(fNCI)},
	{Type: CVR, Fixed: fixed(fCVRI, fCGCI), Optional: true},
	{Type: CVT},
	{Type: EXM, Optional: true},
}

var layouts [2][256]*Layout

func init() {
	for i := range commonLayouts {
		l := &commonLayouts[i]
		layouts[ITU][l.Type] = l
		layouts[ANSI][l.Type] = l
	}
	for i := range ituLayouts {
		layouts[ITU][ituLayouts[i].Type] = &ituLayouts[i]
	}
	for i := range ansiLayouts {
		layouts[ANSI][ansiLayouts[i].Type] = &ansiLayouts[i]
	}
}

// LayoutOf returns the layout of message type t in variant v, or nil when the
// body of t is not parameter-structured or t is unknown.
func LayoutOf(v Variant, t MessageType) *Layout {
	if v > ANSI {
		return nil
	}
	return layouts[v][t]
}

// MessageTypes lists every message type with a layout in variant v,
// plus the raw-bodied PAM and CRG.
func MessageTypes(v Variant) []MessageType {
	var out []MessageType
	for t := 0; t < 256; t++ {
		if layouts[v][t] != nil || MessageType(t) == PAM || MessageType(t) == CRG {
			out = append(out, MessageType(t))
		}
	}
	return out
}

// section of parameter code c in layout l.
func (l *Layout) section(c ParamCode) Section {
	for _, s := range l.Fixed {
		if s.Code == c {
			return Fixed
		}
	}
	for _, vc := range l.Variable {
		if vc == c {
			return Variable
		}
	}
	return Optional
}
