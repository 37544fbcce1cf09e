// Package oracle checks the project's ISUP, MTP3 and M3UA encodings against
// an independent decoder, tshark. The test builds every ISUP message type,
// wraps each in capture frames (M3UA over SCTP, DLT 140/141, SIP-I bodies)
// and compares what tshark decodes with what was encoded.
package oracle

import (
	"github.com/sipgw/sipgw/isup"
)

// Parameter octets valid per Q.763 (ITU-T) and T1.113 (ANSI). Each is
// commented with what it says, so a mismatch can be read without the spec.
var sampleParams = map[isup.ParamCode]struct{ itu, ansi []byte }{
	// No satellite, continuity check not required, no echo device.
	isup.ParamNatureOfConnectionIndicators: {[]byte{0x00}, []byte{0x00}},
	// National call, ISUP used all the way, ISUP not required all the
	// way; originating access ISDN.
	isup.ParamForwardCallIndicators: {[]byte{0x60, 0x01}, []byte{0x60, 0x01}},
	// Ordinary calling subscriber.
	isup.ParamCallingPartysCategory: {[]byte{0x0a}, []byte{0x0a}},
	// Speech.
	isup.ParamTransmissionMediumRequirement: {[]byte{0x00}, nil},
	// Odd, national (significant) number, INN allowed, E.164, "1234567".
	isup.ParamCalledPartyNumber: {[]byte{0x83, 0x10, 0x21, 0x43, 0x65, 0x07}, []byte{0x83, 0x10, 0x21, 0x43, 0x65, 0x07}},
	// Even, national number, complete, E.164, presentation allowed,
	// user provided verified and passed, "98765432".
	isup.ParamCallingPartyNumber: {[]byte{0x03, 0x11, 0x89, 0x67, 0x45, 0x23}, []byte{0x03, 0x11, 0x89, 0x67, 0x45, 0x23}},
	// Charge, subscriber free, ordinary subscriber; ISUP used all the
	// way, terminating access ISDN.
	isup.ParamBackwardCallIndicators: {[]byte{0x16, 0x14}, []byte{0x16, 0x14}},
	// ITU-T coding, public network serving the local user, cause 16.
	isup.ParamCauseIndicators: {[]byte{0x82, 0x90}, []byte{0x82, 0x90}},
	// Alerting.
	isup.ParamEventInformation: {[]byte{0x01}, []byte{0x01}},
	// Maintenance oriented.
	isup.ParamCircuitGroupSupervisionMsgType: {[]byte{0x00}, []byte{0x00}},
	// Calling party address requested.
	isup.ParamInformationRequestIndicators: {[]byte{0x01, 0x00}, []byte{0x01, 0x00}},
	// Calling party address included, calling party's category included.
	isup.ParamInformationIndicators: {[]byte{0x23, 0x00}, []byte{0x23, 0x00}},
	// Continuity check successful.
	isup.ParamContinuityIndicators: {[]byte{0x01}, []byte{0x01}},
	// Network initiated.
	isup.ParamSuspendResumeIndicators: {[]byte{0x01}, []byte{0x01}},
	// User-to-user service.
	isup.ParamFacilityIndicator: {[]byte{0x02}, []byte{0x02}},
	// Even, "89" (no ST).
	isup.ParamSubsequentNumber: {[]byte{0x00, 0x98}, []byte{0x00, 0x98}},
	// Q.931 user information: protocol discriminator 4 (IA5), "hi".
	isup.ParamUserToUserInformation: {[]byte{0x04, 0x68, 0x69}, []byte{0x04, 0x68, 0x69}},
	// Speech, circuit mode 64 kbit/s, G.711 A-law (ITU) / µ-law (ANSI).
	isup.ParamUserServiceInformation: {[]byte{0x80, 0x90, 0xa3}, []byte{0x80, 0x90, 0xa2}},
	// In-band information available.
	isup.ParamOptionalBackwardCallIndicators: {[]byte{0x01}, []byte{0x01}},
	// Non-CUG call, no segmentation, connected line identity not requested.
	isup.ParamOptionalForwardCallIndicators: {[]byte{0x00}, []byte{0x00}},
	// Hop counter 31.
	isup.ParamHopCounter: {[]byte{0x1f}, []byte{0x1f}},
	// 100 ms.
	isup.ParamPropagationDelayCounter: {[]byte{0x00, 0x64}, nil},
	// Speech.
	isup.ParamTransmissionMediumUsed: {[]byte{0x00}, nil},
	// Even, national number, E.164, presentation allowed, network
	// provided, "5550100".
	isup.ParamConnectedNumber: {[]byte{0x83, 0x13, 0x55, 0x05, 0x01, 0x00}, nil},
	// Call identity 0x010203 and the ITU SPC 12163 / ANSI PC 1-2-3.
	isup.ParamCallReference: {[]byte{0x01, 0x02, 0x03, 0x83, 0x2f}, []byte{0x01, 0x02, 0x03, 0x03, 0x02, 0x01}},
	// Congestion level 1 exceeded.
	isup.ParamAutomaticCongestionLevel: {[]byte{0x01}, []byte{0x01}},
	// Pass on, last octet.
	isup.ParamMessageCompatibilityInfo: {[]byte{0x80}, []byte{0x80}},
	// Hop counter upgraded; instruction: pass on, last octet.
	isup.ParamParameterCompatibilityInfo: {[]byte{0x3d, 0x80}, nil},
	// Requested.
	isup.ParamUserToUserIndicators: {[]byte{0x02}, []byte{0x02}},
	// MCID requested.
	isup.ParamMCIDRequestIndicators: {[]byte{0x01}, nil},
	// MCID included.
	isup.ParamMCIDResponseIndicators: {[]byte{0x01}, nil},
	// Remote user resumed, last octet.
	isup.ParamGenericNotificationIndicator: {[]byte{0x81}, []byte{0x81}},
	// Request, unsuccessful: none; last octet.
	isup.ParamLoopPreventionIndicators: {[]byte{0x00}, nil},
	// Outgoing echo control device included, no incoming information.
	isup.ParamEchoControlInformation: {[]byte{0x01}, nil},
	// Range 7; status for circuits +0…+7 (CGB/CGU/GRA: bits set mean
	// blocked/acknowledged).
	isup.ParamRangeAndStatus: {[]byte{0x07, 0x0f}, []byte{0x07, 0x0f}},
	// CVR: successful; CGCI: two-way circuit group, no double seizing,
	// ALS unknown.
	isup.ParamCircuitValidationResponseInd:  {nil, []byte{0x01}},
	isup.ParamCircuitGroupCharacteristicInd: {nil, []byte{0x03}},
}

// rangeOnly is the range and status of GRS and CQM, which carry no status
// field (Q.763 §3.43).
var rangeOnly = []byte{0x07}

// circuitStates is the CQR circuit state indicator for range 7: eight
// circuits, idle with no blocking, the last one unequipped.
var circuitStates = []byte{0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x03}

// optionals lists a few optional parameters for each message type, in
// wire order. Codes without sample octets in a variant are skipped.
var optionals = map[isup.MessageType][]isup.ParamCode{
	isup.IAM: {isup.ParamCallingPartyNumber, isup.ParamOptionalForwardCallIndicators, isup.ParamUserServiceInformation, isup.ParamPropagationDelayCounter, isup.ParamHopCounter},
	isup.SAM: {isup.ParamMessageCompatibilityInfo},
	isup.INR: {isup.ParamCallReference},
	isup.INF: {isup.ParamCallingPartysCategory, isup.ParamCallingPartyNumber},
	isup.ACM: {isup.ParamOptionalBackwardCallIndicators, isup.ParamTransmissionMediumUsed, isup.ParamCauseIndicators},
	isup.CON: {isup.ParamOptionalBackwardCallIndicators, isup.ParamConnectedNumber},
	isup.FOT: {isup.ParamCallReference},
	isup.ANM: {isup.ParamBackwardCallIndicators, isup.ParamOptionalBackwardCallIndicators, isup.ParamConnectedNumber},
	isup.REL: {isup.ParamAutomaticCongestionLevel},
	isup.SUS: {isup.ParamCallReference},
	isup.RES: {isup.ParamCallReference},
	isup.RLC: {isup.ParamCauseIndicators},
	isup.FAR: {isup.ParamUserToUserIndicators, isup.ParamCallReference},
	isup.FAA: {isup.ParamUserToUserIndicators},
	isup.FRJ: {isup.ParamUserToUserIndicators},
	isup.CPG: {isup.ParamBackwardCallIndicators, isup.ParamOptionalBackwardCallIndicators, isup.ParamGenericNotificationIndicator},
	isup.USR: {isup.ParamCallReference},
	isup.CFN: {isup.ParamMessageCompatibilityInfo},
	isup.NRM: {isup.ParamTransmissionMediumUsed, isup.ParamEchoControlInformation, isup.ParamMessageCompatibilityInfo},
	isup.FAC: {isup.ParamMessageCompatibilityInfo},
	isup.UPT: {isup.ParamParameterCompatibilityInfo},
	isup.UPA: {isup.ParamParameterCompatibilityInfo},
	isup.IDR: {isup.ParamMCIDRequestIndicators, isup.ParamMessageCompatibilityInfo},
	isup.IRS: {isup.ParamMCIDResponseIndicators, isup.ParamCallingPartyNumber},
	isup.SGM: {isup.ParamGenericNotificationIndicator},
	isup.LPR: {isup.ParamLoopPreventionIndicators},
	isup.APM: {isup.ParamMessageCompatibilityInfo},
	isup.PRI: {isup.ParamOptionalForwardCallIndicators, isup.ParamOptionalBackwardCallIndicators},
	isup.SDN: {isup.ParamSubsequentNumber, isup.ParamMessageCompatibilityInfo},
	isup.CRM: {isup.ParamHopCounter},
	isup.EXM: {isup.ParamHopCounter},
}

// rawBodies are the bodies of the message types without a layout.
var rawBodies = map[isup.MessageType][]byte{
	// A pass-along CPG: event information alerting, no optional part.
	isup.PAM: {byte(isup.CPG), 0x01, 0x00},
	// Charging information is a national matter (Q.763 Table 4): opaque.
	isup.CRG: {0x01, 0x02, 0x03},
}

// Build returns a message of type t in variant v with its mandatory
// parameters and the optional ones listed above, or nil when the type has
// neither a layout nor a sample raw body.
func Build(v isup.Variant, t isup.MessageType, cic uint16) *isup.Message {
	m := isup.New(v, t, cic)
	l := isup.LayoutOf(v, t)
	if l == nil {
		b, ok := rawBodies[t]
		if !ok {
			return nil
		}
		m.Body = b
		return m
	}
	for _, f := range l.Fixed {
		m.SetRaw(f.Code, sample(v, t, f.Code))
	}
	for _, c := range l.Variable {
		m.SetRaw(c, sample(v, t, c))
	}
	if l.Optional {
		for _, c := range optionals[t] {
			if d := sample(v, t, c); d != nil {
				m.AddOptional(c, d)
			}
		}
	}
	return m
}

func sample(v isup.Variant, t isup.MessageType, c isup.ParamCode) []byte {
	switch {
	case c == isup.ParamRangeAndStatus && (t == isup.GRS || t == isup.CQM || t == isup.CQR):
		return rangeOnly
	case c == isup.ParamCircuitStateIndicator:
		return circuitStates
	}
	s := sampleParams[c]
	if v == isup.ANSI {
		return s.ansi
	}
	return s.itu
}
