package isup

// Redirection information (Q.763 §3.45; same format in T1.113.3):
//
//	octet 1  original redirection reason (4) | spare | redirecting indicator (3)
//	octet 2  redirecting reason (4) | spare | redirection counter (3)
//
// Octet 2 may be absent (the 1988 format).

// RedirectingIndicator is bits 3–1 of octet 1.
type RedirectingIndicator uint8

const (
	RedirNone                     RedirectingIndicator = 0
	RedirRerouted                 RedirectingIndicator = 1
	RedirReroutedAllRestricted    RedirectingIndicator = 2
	RedirDiverted                 RedirectingIndicator = 3
	RedirDivertedAllRestricted    RedirectingIndicator = 4
	RedirReroutedNumberRestricted RedirectingIndicator = 5
	RedirDivertedNumberRestricted RedirectingIndicator = 6
)

var redirectingIndicatorNames = Names{
	0: "no redirection (national use)",
	1: "call rerouted (national use)",
	2: "call rerouted, all redirection information presentation restricted (national use)",
	3: "call diverted",
	4: "call diverted, all redirection information presentation restricted",
	5: "call rerouted, redirection number presentation restricted (national use)",
	6: "call diversion, redirection number presentation restricted (national use)",
}

func (r RedirectingIndicator) String() string {
	return redirectingIndicatorNames.Of(uint64(r), "spare")
}

// RedirectionReason is a redirection reason (original or current, 4 bits).
type RedirectionReason uint8

const (
	RedirReasonUnknown             RedirectionReason = 0
	RedirReasonUserBusy            RedirectionReason = 1
	RedirReasonNoReply             RedirectionReason = 2
	RedirReasonUnconditional       RedirectionReason = 3
	RedirReasonDeflectionAlerting  RedirectionReason = 4 // redirecting reason only
	RedirReasonDeflectionImmediate RedirectionReason = 5 // redirecting reason only
	RedirReasonMobileNotReachable  RedirectionReason = 6 // redirecting reason only
)

var originalReasonNames = Names{
	0: "unknown/not available",
	1: "user busy (national use)",
	2: "no reply (national use)",
	3: "unconditional (national use)",
}

var redirectingReasonNames = Names{
	0: "unknown/not available",
	1: "user busy",
	2: "no reply",
	3: "unconditional",
	4: "deflection during alerting",
	5: "deflection immediate response",
	6: "mobile subscriber not reachable",
}

func (r RedirectionReason) String() string { return redirectingReasonNames.Of(uint64(r), "spare") }

// RedirectionInformation is the redirection information parameter.
type RedirectionInformation struct {
	Indicator      RedirectingIndicator
	OriginalReason RedirectionReason
	Counter        uint8 // 3 bits, 1–5 in use
	Reason         RedirectionReason
	// OneOctet marks the short form without octet 2.
	OneOctet bool
	// Spare holds bit 4 of octet 1 (0x08) and bit 4 of octet 2 (0x80) so
	// that re-encoding is exact.
	Spare uint8
}

func (p *RedirectionInformation) Code() ParamCode { return ParamRedirectionInformation }

func (p *RedirectionInformation) DecodeParam(d []byte, v Variant) error {
	if len(d) < 1 || len(d) > 2 {
		return paramErr(ParamRedirectionInformation, ErrLength, len(d), "must be 1 or 2 octets, has "+itoa(len(d)))
	}
	*p = RedirectionInformation{
		Indicator:      RedirectingIndicator(getBits(d[0], 0, 3)),
		OriginalReason: RedirectionReason(getBits(d[0], 4, 4)),
		Spare:          d[0] & 0x08,
		OneOctet:       len(d) == 1,
	}
	if len(d) == 2 {
		p.Counter = getBits(d[1], 0, 3)
		p.Reason = RedirectionReason(getBits(d[1], 4, 4))
		p.Spare |= (d[1] & 0x08) << 4
	}
	return nil
}

func (p *RedirectionInformation) AppendParam(b []byte, v Variant) []byte {
	o1 := setBits(uint8(p.Indicator)&7|p.Spare&0x08, 4, 4, uint8(p.OriginalReason))
	b = append(b, o1)
	if p.OneOctet {
		return b
	}
	return append(b, setBits(p.Counter&7|(p.Spare&0x80)>>4, 4, 4, uint8(p.Reason)))
}

func (p *RedirectionInformation) Fields(v Variant) []Field {
	out := []Field{
		Enum("Redirecting indicator", "redirecting_indicator", uint64(p.Indicator), redirectingIndicatorNames, "isup.redirecting_ind"),
		Enum("Original redirection reason", "original_redirection_reason", uint64(p.OriginalReason), originalReasonNames, "isup.original_redirection_reason"),
	}
	if !p.OneOctet {
		out = append(out,
			Uint("Redirection counter", "redirection_counter", uint64(p.Counter), "", "isup.redirection_counter"),
			Enum("Redirecting reason", "redirecting_reason", uint64(p.Reason), redirectingReasonNames, "isup.redirection_reason"))
	}
	if p.Spare != 0 {
		out = append(out, Uint("Spare", "spare", uint64(p.Spare), "", ""))
	}
	return out
}

func init() {
	Register(Both, ParamRedirectionInformation, func() Value { return new(RedirectionInformation) })
}
