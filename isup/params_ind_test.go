package isup

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// indCodes lists every parameter params_ind*.go registers.
var indCodes = []ParamCode{
	ParamNatureOfConnectionIndicators, ParamForwardCallIndicators, ParamBackwardCallIndicators,
	ParamOptionalForwardCallIndicators, ParamOptionalBackwardCallIndicators, ParamCallingPartysCategory,
	ParamTransmissionMediumRequirement, ParamTransmissionMediumUsed, ParamTransmissionMediumReqPrime,
	ParamEventInformation, ParamHopCounter, ParamContinuityIndicators, ParamSuspendResumeIndicators,
	ParamInformationRequestIndicators, ParamInformationIndicators, ParamCircuitGroupSupervisionMsgType,
	ParamRangeAndStatus, ParamCircuitStateIndicator, ParamAutomaticCongestionLevel, ParamPropagationDelayCounter,
	ParamEchoControlInformation, ParamMessageCompatibilityInfo, ParamParameterCompatibilityInfo,
	ParamClosedUserGroupInterlockCode, ParamCallReference, ParamFacilityIndicator, ParamUIDActionIndicators,
	ParamUIDCapabilityIndicators, ParamMCIDRequestIndicators, ParamMCIDResponseIndicators,
	ParamGenericNotificationIndicator, ParamCallDiversionInformation, ParamAccessDeliveryInformation,
	ParamUserToUserIndicators, ParamCallHistoryInformation, ParamMLPPPrecedence, ParamRedirectionNumberRestriction,
	ParamLoopPreventionIndicators, ParamCCSS, ParamCollectCallRequest, ParamConferenceTreatmentInd,
	ParamCallOfferingTreatmentInd, ParamCallDiversionTreatmentInd, ParamSignallingPointCode,
	ParamOriginationISCPointCode, ParamNetworkManagementControls, ParamRedirectCounter, ParamDisplayInformation,
	ParamCorrelationID, ParamSCFID,
}

type indCase struct {
	name string
	v    Variant
	hex  string
	want Value
}

func indCpc(c CallingPartysCategory) *CallingPartysCategory { return &c }

var indCases = []indCase{
	{"NCI echo", ITU, "10", &NatureOfConnectionIndicators{EchoControlDevice: true}},
	{"NCI spare kept", ITU, "e5", &NatureOfConnectionIndicators{Satellite: 1, ContinuityCheck: 1, Spare: 0xe0}},
	{"NCI ANSI", ANSI, "06", &NatureOfConnectionIndicators{Satellite: 2, ContinuityCheck: 1}},
	{"FCI jss7", ITU, "2001", &ForwardCallIndicators{ISUPAllTheWay: true, ISDNAccess: true}},
	{"FCI trace", ITU, "6000", &ForwardCallIndicators{ISUPAllTheWay: true, ISUPPreference: ISUPNotRequiredAllTheWay}},
	{"FCI all", ITU, "ffff", &ForwardCallIndicators{true, 3, true, true, true, 3, true, 3, true, true, 0xc8}},
	{"FCI ANSI ported", ANSI, "a110", &ForwardCallIndicators{International: true, ISUPAllTheWay: true, ISUPPreference: 2, PortedNumberTranslated: true}},
	{"BCI jss7", ITU, "0120", &BackwardCallIndicators{Charge: ChargeIndNoCharge, EchoControlDevice: true}},
	{"BCI CPG", ITU, "a69d", &BackwardCallIndicators{Charge: ChargeIndCharge, CalledStatus: SubscriberFree, CalledCategory: CalledPayphone, EndToEndMethod: 2,
		Interworking: true, ISUPAllTheWay: true, Holding: true, ISDNAccess: true, SCCPMethod: 2}},
	{"BCI ANSI IAM seg", ANSI, "1602", &BackwardCallIndicators{Charge: ChargeIndCharge, CalledStatus: SubscriberFree, CalledCategory: CalledOrdinarySubscriber, EndToEndInformation: true}},
	{"OFCI", ITU, "83", &OptionalForwardCallIndicators{CUGCall: 3, ConnectedLineIdentityReq: true}},
	{"OFCI spare", ITU, "7c", &OptionalForwardCallIndicators{SimpleSegmentation: true, Spare: 0x78}},
	{"OBCI jss7", ITU, "01", &OptionalBackwardCallIndicators{InBandInformation: true}},
	{"OBCI all", ITU, "ff", &OptionalBackwardCallIndicators{true, true, true, true, 0xf0}},
	{"CPC ordinary", ITU, "0a", indCpc(CategoryOrdinary)},
	{"CPC payphone", ITU, "0f", indCpc(CategoryPayphone)},
	{"CPC test", ITU, "0d", indCpc(CategoryTestCall)},
	{"CPC ANSI emergency", ANSI, "e0", indCpc(CategoryANSIEmergency)},
	{"TMR speech", ITU, "00", &TransmissionMediumRequirement{TMRSpeech}},
	{"TMR 64k", ITU, "02", &TransmissionMediumRequirement{TMR64kUnrestricted}},
	{"TMR audio", ITU, "03", &TransmissionMediumRequirement{TMR3k1Audio}},
	{"TMU CPG", ITU, "03", &TransmissionMediumUsed{TMR3k1Audio}},
	{"TMR prime", ITU, "00", &TransmissionMediumRequirementPrime{TMRSpeech}},
	{"EVT progress", ITU, "02", &EventInformation{Event: EventProgress}},
	{"EVT alerting restricted", ITU, "81", &EventInformation{EventAlerting, true}},
	{"Hop", ITU, "1f", &HopCounter{Count: 31}},
	{"Hop spare", ITU, "e3", &HopCounter{3, 0xe0}},
	{"COT ok", ITU, "01", &ContinuityIndicators{Continuity: ContinuityCheckSuccessful}},
	{"COT failed spare", ITU, "fe", &ContinuityIndicators{ContinuityCheckFailed, 0xfe}},
	{"SUS network", ITU, "01", &SuspendResumeIndicators{Indicator: SuspendNetworkInitiated}},
	{"SUS subscriber", ITU, "00", &SuspendResumeIndicators{}},
	{"INR", ITU, "0b00", &InformationRequestIndicators{CallingPartyAddress: true, Holding: true, CallingPartysCat: true}},
	{"INR all", ITU, "fff0", &InformationRequestIndicators{true, true, true, true, true, 0x64, 0xf0}},
	{"INF", ITU, "e300", &InformationIndicators{CallingPartyAddress: 3, CallingPartysCat: true, ChargeInformation: true, Solicited: true}},
	{"INF spare", ITU, "1c05", &InformationIndicators{HoldProvided: true, Spare: 0x18, Spare2: 5}},
	{"CGSMT maintenance", ITU, "00", &CircuitGroupSupervisionMessageType{Type: CGSMMaintenance}},
	{"CGSMT hardware", ITU, "01", &CircuitGroupSupervisionMessageType{Type: CGSMHardwareFailure}},
	{"RS GRS", ITU, "0e", &RangeAndStatus{Range: 14}},
	{"RS 8", ITU, "07ff", &RangeAndStatus{7, []byte{0xff}}},
	{"RS 32", ITU, "1f01020304", &RangeAndStatus{31, []byte{1, 2, 3, 4}}},
	{"RS ANSI 24", ANSI, "17ffff00", &RangeAndStatus{23, []byte{0xff, 0xff, 0}}},
	{"CSI", ITU, "030e1f", &CircuitStateIndicator{[]byte{3, 0x0e, 0x1f}}},
	{"ACL 2", ITU, "02", &AutomaticCongestionLevel{2}},
	{"PDC jss7", ITU, "005a", &PropagationDelayCounter{90}},
	{"ECI", ITU, "e4", &EchoControlInformation{0, 1, 2, 3}},
	{"MCI", ITU, "85", &MessageCompatibilityInformation{TransitAtIntermediateExchange: true, SendNotification: true}},
	{"MCI ext", ITU, "7e80", &MessageCompatibilityInformation{false, true, true, true, true, 3, true, []byte{0x80}}},
	{"PCI one", ITU, "2385", &ParameterCompatibilityInformation{[]byte{0x23, 0x85}}},
	{"PCI two", ITU, "0a4183c0ff", &ParameterCompatibilityInformation{[]byte{0x0a, 0x41, 0x83, 0xc0, 0xff}}},
	{"CUG", ITU, "12340102", &ClosedUserGroupInterlockCode{[2]byte{0x12, 0x34}, 0x0102}},
	{"CallRef ITU", ITU, "000001e8c3", &CallReference{1, 1000, 0xc0}},
	{"CallRef ANSI", ANSI, "123456010203", &CallReference{0x123456, 0x030201, 0}},
	{"Facility UUS", ITU, "02", &FacilityIndicator{2}},
	{"UID action", ITU, "83", &UIDActionIndicators{ThroughConnection: true, StopT9: true}},
	{"UID action ext", ITU, "0481", &UIDActionIndicators{Spare: 4, Continues: true, Ext: []byte{0x81}}},
	{"UID capability", ITU, "81", &UIDCapabilityIndicators{ThroughConnection: true}},
	{"MCID request", ITU, "03", &MCIDRequestIndicators{MCIDRequested: true, Holding: true}},
	{"MCID response", ITU, "05", &MCIDResponseIndicators{MCIDIncluded: true, Spare: 4}},
	{"GNI conference", ITU, "c2", &GenericNotificationIndicator{Notification: 0x42}},
	{"GNI continues", ITU, "6083", &GenericNotificationIndicator{0x60, true, []byte{0x83}}},
	{"CDI", ITU, "1a", &CallDiversionInformation{NotificationOptions: 2, RedirectingReason: 3}},
	{"ADI", ITU, "01", &AccessDeliveryInformation{NoSetupGenerated: true}},
	{"UUI request", ITU, "16", &UserToUserIndicators{Service: [3]uint8{3, 2, 0}}},
	{"UUI response discard", ITU, "8d", &UserToUserIndicators{true, [3]uint8{2, 1, 0}, true}},
	{"CHI", ITU, "0100", &CallHistoryInformation{256}},
	{"MLPP", ITU, "44 1234 000001", &MLPPPrecedence{PrecedenceLevel: 4, LookForwardBusy: 2, NetworkIdentity: [2]byte{0x12, 0x34}, ServiceDomain: 1}},
	{"RNR", ITU, "01", &RedirectionNumberRestriction{Presentation: 1}},
	{"LPI response", ITU, "03", &LoopPreventionIndicators{Response: true, ResponseIndicator: 1}},
	{"LPI request", ITU, "00", &LoopPreventionIndicators{}},
	{"CCSS", ITU, "01", &CCSS{CCSSCall: true}},
	{"Collect", ITU, "01", &CollectCallRequest{Requested: true}},
	{"Conference", ITU, "81", &ConferenceTreatmentIndicators{Acceptance: 1}},
	{"Call offering", ITU, "82", &CallOfferingTreatmentIndicators{CallToBeOffered: 2}},
	{"Call diversion treatment", ITU, "81", &CallDiversionTreatmentIndicators{CallToBeDiverted: 1}},
	{"SPC ITU", ITU, "e803", &SignallingPointCode{PointCode: 1000}},
	{"SPC ANSI", ANSI, "010203", &SignallingPointCode{PointCode: 0x030201}},
	{"OPC ISC", ITU, "e8c3", &OriginationISCPointCode{1000, 0xc0}},
	{"NMC", ITU, "81", &NetworkManagementControls{TAR: true}},
	{"Redirect counter", ITU, "02", &RedirectCounter{Count: 2}},
	{"Display", ITU, "414243", &DisplayInformation{[]byte("ABC")}},
	{"Correlation id", ITU, "0102", &CorrelationID{[]byte{1, 2}}},
	{"SCF id", ITU, "a003", &SCFID{[]byte{0xa0, 3}}},
}

func TestIndicatorParams(t *testing.T) {
	seen := map[ParamCode]bool{}
	for _, tc := range indCases {
		t.Run(tc.name, func(t *testing.T) {
			data := unhex(t, tc.hex)
			seen[tc.want.Code()] = true
			got := NewValue(tc.v, tc.want.Code())
			if reflect.TypeOf(got) != reflect.TypeOf(tc.want) {
				t.Fatalf("registry gives %T, want %T", got, tc.want)
			}
			if err := got.DecodeParam(data, tc.v); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("decoded %+v, want %+v", got, tc.want)
			}
			if out := got.AppendParam(nil, tc.v); !bytes.Equal(out, data) {
				t.Fatalf("re-encoded %x, want %x", out, data)
			}
			// From the struct: encode, then decode gives the struct back.
			out := tc.want.AppendParam([]byte{0xee}, tc.v)
			if !bytes.Equal(out[1:], data) || out[0] != 0xee {
				t.Fatalf("built %x, want ee%x", out, data)
			}
			back := NewValue(tc.v, tc.want.Code())
			if err := back.DecodeParam(out[1:], tc.v); err != nil || !reflect.DeepEqual(back, tc.want) {
				t.Fatalf("decode of built octets: %+v, %v", back, err)
			}
			if len(got.Fields(tc.v)) == 0 {
				t.Fatalf("no fields")
			}
		})
	}
	for _, c := range indCodes {
		if !seen[c] {
			t.Errorf("no table case for %v", c)
		}
		for _, v := range []Variant{ITU, ANSI} {
			if nv := NewValue(v, c); nv == nil || nv.Code() != c {
				t.Errorf("%v %v: registered %T", v, c, nv)
			}
		}
	}
}

// Every indicator parameter carried by the real-trace messages decodes and
// re-encodes exactly.
func TestIndicatorParamsInRealVectors(t *testing.T) {
	mine := map[ParamCode]bool{}
	for _, c := range indCodes {
		mine[c] = true
	}
	n := 0
	for _, tc := range realVectors {
		var m Message
		if err := m.Decode(unhex(t, tc.hex), tc.variant); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for _, p := range m.Params {
			if !mine[p.Code] {
				continue
			}
			nv := NewValue(m.Variant, p.Code)
			if err := nv.DecodeParam(p.Data, m.Variant); err != nil {
				t.Errorf("%s: %v: %v", tc.name, p.Code, err)
				continue
			}
			if out := nv.AppendParam(nil, m.Variant); !bytes.Equal(out, p.Data) {
				t.Errorf("%s: %v: %x, want %x", tc.name, p.Code, out, p.Data)
			}
			n++
		}
	}
	if n < 20 {
		t.Fatalf("only %d indicator parameters found in the real vectors", n)
	}
}

func TestIndicatorParamsInMessages(t *testing.T) {
	var m Message
	// jss7 ACM: BCI 0120, OBCI 01.
	if err := m.Decode(unhex(t, "0c0b 06 0120 01 2901 01 1202 829c 00"), ITU); err != nil {
		t.Fatal(err)
	}
	var bci BackwardCallIndicators
	if ok, err := m.Get(&bci); !ok || err != nil || bci.Charge != ChargeIndNoCharge || bci.CalledStatus != CalledStatusNoIndication || !bci.EchoControlDevice {
		t.Fatalf("BCI %+v %v %v", bci, ok, err)
	}
	// jss7 CPG: event PROGRESS, TMU 3.1 kHz audio.
	if err := m.Decode(unhex(t, "0c0b 2c 02 01 1102 a69d 3501 03 2105 01 43 83 60 38 00"), ITU); err != nil {
		t.Fatal(err)
	}
	var ev EventInformation
	var tmu TransmissionMediumUsed
	if ok, err := m.Get(&ev); !ok || err != nil || ev.Event != EventProgress {
		t.Fatalf("event %+v %v", ev, err)
	}
	if ok, err := m.Get(&tmu); !ok || err != nil || tmu.Medium != TMR3k1Audio {
		t.Fatalf("TMU %+v %v", tmu, err)
	}
	// osmo GRS: range 14, no status.
	if err := m.Decode(unhex(t, "01 00 17 01 01 0e"), ITU); err != nil {
		t.Fatal(err)
	}
	var rs RangeAndStatus
	if ok, err := m.Get(&rs); !ok || err != nil || rs.Range != 14 || rs.HasStatus() {
		t.Fatalf("range %+v %v", rs, err)
	}
	// Build an IAM from typed values.
	iam := New(ITU, IAM, 7)
	iam.Set(&NatureOfConnectionIndicators{EchoControlDevice: true})
	iam.Set(&ForwardCallIndicators{ISUPAllTheWay: true, ISDNAccess: true})
	c := CategoryOrdinary
	iam.Set(&c)
	iam.Set(&TransmissionMediumRequirement{TMRSpeech})
	iam.SetRaw(ParamCalledPartyNumber, unhex(t, "0410970000"))
	iam.Set(&HopCounter{Count: 20})
	b, err := iam.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := unhex(t, "0700 01 10 2001 0a 00 02 07 05 0410970000 3d01 14 00"); !bytes.Equal(b, want) {
		t.Fatalf("IAM %x, want %x", b, want)
	}
}

func TestIndicatorParamErrors(t *testing.T) {
	cases := []struct {
		v    Variant
		code ParamCode
		hex  string
		want error
	}{
		{ITU, ParamNatureOfConnectionIndicators, "", ErrLength},
		{ITU, ParamNatureOfConnectionIndicators, "0000", ErrLength},
		{ITU, ParamForwardCallIndicators, "20", ErrLength},
		{ITU, ParamBackwardCallIndicators, "012000", ErrLength},
		{ITU, ParamCallingPartysCategory, "", ErrLength},
		{ITU, ParamInformationRequestIndicators, "01", ErrLength},
		{ITU, ParamRangeAndStatus, "", ErrLength},
		{ITU, ParamRangeAndStatus, "07ffff", ErrLength},
		{ITU, ParamRangeAndStatus, "1fff", ErrLength},
		{ITU, ParamCircuitStateIndicator, "", ErrLength},
		{ITU, ParamPropagationDelayCounter, "00", ErrLength},
		{ITU, ParamMessageCompatibilityInfo, "", ErrLength},
		{ITU, ParamMessageCompatibilityInfo, "0101", ErrLength},
		{ITU, ParamMessageCompatibilityInfo, "8181", ErrInvalidValue},
		{ITU, ParamParameterCompatibilityInfo, "23", ErrLength},
		{ITU, ParamParameterCompatibilityInfo, "238523", ErrLength},
		{ITU, ParamParameterCompatibilityInfo, "230101", ErrLength},
		{ITU, ParamClosedUserGroupInterlockCode, "123401", ErrLength},
		{ITU, ParamCallReference, "000001e8c300", ErrLength},
		{ANSI, ParamCallReference, "000001e8c3", ErrLength},
		{ITU, ParamSignallingPointCode, "e8", ErrLength},
		{ANSI, ParamSignallingPointCode, "e803", ErrLength},
		{ITU, ParamOriginationISCPointCode, "e80300", ErrLength},
		{ITU, ParamUIDActionIndicators, "", ErrLength},
		{ITU, ParamGenericNotificationIndicator, "", ErrLength},
		{ITU, ParamMLPPPrecedence, "0412340000", ErrLength},
		{ITU, ParamCallHistoryInformation, "010203", ErrLength},
		{ITU, ParamHopCounter, "", ErrLength},
	}
	for _, tc := range cases {
		nv := NewValue(tc.v, tc.code)
		err := nv.DecodeParam(unhex(t, tc.hex), tc.v)
		if !errors.Is(err, tc.want) {
			t.Errorf("%v %v %q: error %v, want %v", tc.v, tc.code, tc.hex, err, tc.want)
			continue
		}
		var e *Error
		if !errors.As(err, &e) || !e.HasParam || e.Param != tc.code {
			t.Errorf("%v %q: error %#v does not name the parameter", tc.code, tc.hex, err)
		}
	}
}

// Short and empty inputs of every length never panic and either decode or
// fail with a sentinel.
func TestIndicatorParamsNoPanic(t *testing.T) {
	buf := []byte{0xff, 0x00, 0x80, 0x7f, 0x01, 0xfe, 0x55, 0xaa, 0x80}
	for _, c := range indCodes {
		for _, v := range []Variant{ITU, ANSI} {
			for n := 0; n <= len(buf); n++ {
				nv := NewValue(v, c)
				err := nv.DecodeParam(buf[:n], v)
				if err != nil {
					if !errors.Is(err, ErrLength) && !errors.Is(err, ErrInvalidValue) {
						t.Errorf("%v %v len %d: %v", v, c, n, err)
					}
					continue
				}
				if out := nv.AppendParam(nil, v); !bytes.Equal(out, buf[:n]) {
					t.Errorf("%v %v: %x re-encoded as %x", v, c, buf[:n], out)
				}
				nv.Fields(v)
			}
		}
	}
}

func TestIndicatorParamsDecodeWithoutAllocating(t *testing.T) {
	for _, tc := range indCases {
		data := unhex(t, tc.hex)
		nv := NewValue(tc.v, tc.want.Code())
		n := testing.AllocsPerRun(50, func() {
			if err := nv.DecodeParam(data, tc.v); err != nil {
				t.Fatal(err)
			}
		})
		if n != 0 {
			t.Errorf("%s: decode allocates %v times", tc.name, n)
		}
	}
}
