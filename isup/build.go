package isup

// Builders of whole messages for the call flows that need them (tests of
// the gateway, the exchange simulator): the message's mandatory
// parameters in their shortest well-formed form, or those the caller
// gives.

// Skeleton returns a message of type t in variant v on cic whose mandatory
// parameters hold a minimal well-formed value: zero octets for the fixed
// part (an event "spare", a subscriber-initiated suspend, a facility 0,
// no information requested …), and for the variable part a cause 16
// (normal clearing) with ITU-T coding, the subsequent digit 1, one octet of
// user-to-user information, the called number 1 (NAI unknown) and
// speech for ANSI's user service information. It returns nil for a type
// without a layout or with a variable parameter it has no form for
// (circuit group supervision: range and status). Set or SetRaw the
// parameters a test cares about on the result.
func Skeleton(v Variant, t MessageType, cic uint16) *Message {
	l := LayoutOf(v, t)
	if l == nil {
		return nil
	}
	m := New(v, t, cic)
	for _, f := range l.Fixed {
		m.SetRaw(f.Code, make([]byte, f.Len))
	}
	for _, c := range l.Variable {
		switch c {
		case ParamCauseIndicators:
			m.Set(&CauseIndicators{CodingStandard: CauseCodingITU, Value: CauseNormalClearing})
		case ParamSubsequentNumber:
			m.Set(&SubsequentNumber{Digits: MustDigits("1")})
		case ParamUserToUserInformation:
			m.SetRaw(c, []byte{0})
		case ParamCalledPartyNumber:
			m.Set(&CalledPartyNumber{NAI: NAIUnknown, NPI: NPIE164, Digits: MustDigits("1")})
		case ParamUserServiceInformation:
			// Q.931 bearer capability: speech, circuit mode 64 kbit/s.
			m.SetRaw(c, []byte{0x80, 0x90})
		default:
			return nil
		}
	}
	return m
}

// NewSuspendResume returns a SUS or RES (t) with suspend/resume
// indicator ind (Q.763 §3.52).
func NewSuspendResume(v Variant, t MessageType, cic uint16, ind SuspendResume) *Message {
	m := New(v, t, cic)
	m.Set(&SuspendResumeIndicators{Indicator: ind})
	return m
}

// NewUSR returns a user-to-user information message carrying uui
// (Q.763 §3.61: protocol discriminator, then the user's octets).
func NewUSR(v Variant, cic uint16, uui []byte) *Message {
	m := New(v, USR, cic)
	m.SetRaw(ParamUserToUserInformation, append([]byte(nil), uui...))
	return m
}
