package isup

// Number parameters: called/calling party number and their relatives
// (Q.763 §3.9, 3.10, 3.16, 3.26, 3.30, 3.39, 3.44, 3.46, 3.51, 3.64, 3.73,
// 3.86, 3.87, 3.90; T1.113.3 §3 for ANSI). They share one shape: octet 1
// holds the odd/even indicator and the nature of address indicator, octet 2
// the numbering plan plus, depending on the parameter and the variant, the
// INN or NI indicator, the presentation and the screening indicators; BCD
// address signals follow. A numFormat says which fields exist, so one
// decoder, one encoder and one field describer serve every number type.
// Bits a parameter does not define are spare and kept in Number.Spare so
// that re-encoding is exact.

// NAI is the nature of address indicator (7 bits).
type NAI uint8

// Nature of address values (Q.763 §3.9 b), §3.10 b); T1.113.3 adds the
// 113–119 codes, which ITU-T reserves for national use).
const (
	NAISpare                         NAI = 0
	NAISubscriber                    NAI = 1 // subscriber number (national use)
	NAIUnknown                       NAI = 2 // unknown (national use)
	NAINational                      NAI = 3 // national (significant) number
	NAIInternational                 NAI = 4 // international number
	NAINetworkSpecific               NAI = 5 // network-specific number (national use)
	NAINetworkRoutingNational        NAI = 6 // network routing number in national number format
	NAINetworkRoutingNetworkSpecific NAI = 7 // network routing number in network-specific format
	NAINetworkRoutingWithCDN         NAI = 8 // network routing number concatenated with called directory number

	NAISubscriberOperatorRequested    NAI = 113 // ANSI; calling: non-unique subscriber number
	NAINationalOperatorRequested      NAI = 114 // ANSI
	NAIInternationalOperatorRequested NAI = 115 // ANSI; calling: non-unique national number
	NAINoNumberOperatorRequested      NAI = 116 // ANSI; calling: non-unique international number
	NAINoNumberCutThrough             NAI = 117 // ANSI
	NAI950Call                        NAI = 118 // ANSI
	NAITestLineTestCode               NAI = 119 // ANSI
)

var naiCalledITU = Names{
	0: "spare",
	1: "subscriber number (national use)",
	2: "unknown (national use)",
	3: "national (significant) number",
	4: "international number",
	5: "network-specific number (national use)",
	6: "network routing number in national (significant) number format (national use)",
	7: "network routing number in network-specific number format (national use)",
	8: "network routing number concatenated with called directory number (national use)",
}

var naiCallingITU = Names{
	0: "spare",
	1: "subscriber number (national use)",
	2: "unknown (national use)",
	3: "national (significant) number",
	4: "international number",
}

var naiCalledANSI = Names{
	0:   "spare",
	1:   "subscriber number",
	3:   "national (significant) number",
	4:   "international number",
	113: "subscriber number, operator requested",
	114: "national number, operator requested",
	115: "international number, operator requested",
	116: "no number present, operator requested",
	117: "no number present, cut-through call to carrier",
	118: "950+ call from local exchange carrier public station, hotel/motel or non-exchange access end office",
	119: "test line test code",
}

// ANSI calling-type numbers distinguish unique from non-unique numbers.
var naiCallingANSI = Names{
	0:   "spare",
	1:   "unique subscriber number",
	3:   "unique national (significant) number",
	4:   "unique international number",
	113: "non-unique subscriber number",
	115: "non-unique national (significant) number",
	116: "non-unique international number",
	119: "test line test code",
}

// T1.113.3 charge number.
var naiCharge = Names{
	0: "spare",
	1: "ANI of the calling party; subscriber number",
	2: "ANI not available or not provided",
	3: "ANI of the calling party; national number",
	5: "ANI of the called party; subscriber number",
	6: "ANI of the called party; no number present",
	7: "ANI of the called party; national number",
}

// Q.763 §3.90, a 4-bit field.
var naiNRN = Names{
	0: "spare",
	1: "network routing number in national (significant) number format (national use)",
	2: "network routing number in network-specific number format (national use)",
}

func (n NAI) String() string { return naiMeaning(naiCalledITU, uint64(n), 7) }

// naiMeaning names v; in a 7-bit NAI 112–126 are reserved for national use.
func naiMeaning(t Names, v uint64, width int) string {
	if s, ok := t[v]; ok {
		return s
	}
	if width == 7 && v >= 112 && v <= 126 {
		return "reserved for national use"
	}
	return "spare"
}

// NPI is the numbering plan indicator (3 bits).
type NPI uint8

const (
	NPIUnknown  NPI = 0 // spare in ITU-T, unknown in ANSI
	NPIE164     NPI = 1 // ISDN (telephony) numbering plan, E.164
	NPIData     NPI = 3 // data numbering plan, X.121 (national use)
	NPITelex    NPI = 4 // telex numbering plan, F.69 (national use)
	NPIPrivate  NPI = 5 // private numbering plan (national use)
	NPINational NPI = 6 // reserved for national use
)

var npiITU = Names{
	1: "ISDN (telephony) numbering plan (E.164)",
	3: "data numbering plan (X.121) (national use)",
	4: "telex numbering plan (F.69) (national use)",
	5: "private numbering plan (national use)",
	6: "reserved for national use",
}

var npiANSI = Names{
	0: "unknown",
	1: "ISDN (telephony) numbering plan (E.164)",
	3: "data numbering plan (X.121)",
	4: "telex numbering plan (F.69)",
	5: "private numbering plan",
}

func (p NPI) String() string { return npiITU.Of(uint64(p), "spare") }

// APRI is the address presentation restricted indicator (2 bits).
type APRI uint8

const (
	APRIAllowed      APRI = 0
	APRIRestricted   APRI = 1
	APRINotAvailable APRI = 2 // ITU-T: address not available; no digits follow
	APRIReserved     APRI = 3 // reserved for restriction by the network
)

var apriITU = Names{
	0: "presentation allowed",
	1: "presentation restricted",
	2: "address not available",
	3: "reserved for restriction by the network",
}

// T1.113.3 defines only allowed and restricted.
var apriANSI = Names{
	0: "presentation allowed",
	1: "presentation restricted",
}

func (a APRI) String() string { return apriITU.Of(uint64(a), "spare") }

// Screening is the screening indicator (2 bits).
type Screening uint8

const (
	ScreeningUserNotVerified    Screening = 0 // reserved: user provided, not verified
	ScreeningUserVerifiedPassed Screening = 1
	ScreeningUserVerifiedFailed Screening = 2 // reserved: user provided, verified and failed
	ScreeningNetworkProvided    Screening = 3
)

var pnScreeningNames = Names{
	0: "user provided, not verified",
	1: "user provided, verified and passed",
	2: "user provided, verified and failed",
	3: "network provided",
}

func (s Screening) String() string { return pnScreeningNames.Of(uint64(s), "spare") }

// Number holds the fields of a number parameter. Fields the parameter does
// not define stay zero when decoded and are ignored when encoding.
type Number struct {
	NAI NAI
	// INN is the internal network number indicator of called-type numbers:
	// true means routing to an internal network number is not allowed.
	INN bool
	// NI is the number incomplete indicator (calling party number and
	// generic number, ITU-T only).
	NI        bool
	NPI       NPI
	APRI      APRI
	Screening Screening
	// Spare holds the header bits the parameter leaves spare, in place
	// (octet 2 bits, or octet 1 bits 7–1 for the subsequent number).
	Spare uint8
	// Digits are the address signals; they alias the decoded input.
	Digits Digits
}

// Address returns the address signals ("F" is ST).
func (n *Number) Address() string { return n.Digits.String() }

// NewNumber returns a number with the given nature of address and digits
// in the E.164 numbering plan.
func NewNumber(nai NAI, digits string) (Number, error) {
	d, err := ParseDigits(digits)
	if err != nil {
		return Number{}, err
	}
	return Number{NAI: nai, NPI: NPIE164, Digits: d}, nil
}

type numKind uint8

const (
	numStd        numKind = iota // O/E+NAI, then a second indicator octet
	numSubsequent                // O/E + 7 spare bits
	numNRN                       // O/E, NPI, 4-bit NAI in one octet
)

const (
	bit8Spare = iota
	bit8INN
	bit8NI
)

// numFormat describes one number parameter in one variant.
type numFormat struct {
	code      ParamCode
	kind      numKind
	bit8      uint8
	apri      bool
	screening bool
	nai       Names
	naiWS     string
	screenWS  string
	digitsWS  string
}

// covered returns the octet-2 bits this format defines.
func (f *numFormat) covered() uint8 {
	m := uint8(0x70)
	if f.bit8 != bit8Spare {
		m |= 0x80
	}
	if f.apri {
		m |= 0x0c
	}
	if f.screening {
		m |= 0x03
	}
	return m
}

func (f *numFormat) hdrLen() int {
	if f.kind == numStd {
		return 2
	}
	return 1
}

const (
	wsNAICalled  = "isup.called_party_nature_of_address_indicator"
	wsNAICalling = "isup.calling_party_nature_of_address_indicator"
)

// Formats per Q.763 §3 (ITU-T) and T1.113.3 (ANSI). tshark decodes some
// parameters it does not know (0x7d, 0x7f, 0x84) not at all, hence no WS.
var (
	fmtCalledITU       = numFormat{code: ParamCalledPartyNumber, bit8: bit8INN, nai: naiCalledITU, naiWS: wsNAICalled, digitsWS: "isup.called"}
	fmtCalledANSI      = numFormat{code: ParamCalledPartyNumber, nai: naiCalledANSI, naiWS: wsNAICalled, digitsWS: "isup.called"}
	fmtSubsequent      = numFormat{code: ParamSubsequentNumber, kind: numSubsequent, digitsWS: "isup.subsequent_number"}
	fmtCallingITU      = numFormat{code: ParamCallingPartyNumber, bit8: bit8NI, apri: true, screening: true, nai: naiCallingITU, naiWS: wsNAICalling, screenWS: "isup.screening_indicator", digitsWS: "isup.calling"}
	fmtCallingANSI     = numFormat{code: ParamCallingPartyNumber, apri: true, screening: true, nai: naiCallingANSI, naiWS: wsNAICalling, screenWS: "isup.screening_indicator", digitsWS: "isup.calling"}
	fmtRedirectingITU  = numFormat{code: ParamRedirectingNumber, apri: true, nai: naiCallingITU, naiWS: wsNAICalling, digitsWS: "isup.redirecting"}
	fmtRedirectingANSI = numFormat{code: ParamRedirectingNumber, apri: true, nai: naiCallingANSI, naiWS: wsNAICalling, digitsWS: "isup.redirecting"}
	fmtRedirectionITU  = numFormat{code: ParamRedirectionNumber, bit8: bit8INN, nai: naiCalledITU, naiWS: wsNAICalled, digitsWS: "isup.redirection_number"}
	fmtRedirectionANSI = numFormat{code: ParamRedirectionNumber, nai: naiCalledANSI, naiWS: wsNAICalled, digitsWS: "isup.redirection_number"}
	fmtConnectedITU    = numFormat{code: ParamConnectedNumber, apri: true, screening: true, nai: naiCallingITU, naiWS: wsNAICalling, screenWS: "isup.screening_indicator", digitsWS: "isup.connected_number"}
	fmtConnectedANSI   = numFormat{code: ParamConnectedNumber, apri: true, screening: true, nai: naiCallingANSI, naiWS: wsNAICalling, screenWS: "isup.screening_indicator", digitsWS: "isup.connected_number"}
	fmtOrigCalledITU   = numFormat{code: ParamOriginalCalledNumber, apri: true, nai: naiCallingITU, naiWS: wsNAICalling, digitsWS: "isup.original_called_number"}
	fmtOrigCalledANSI  = numFormat{code: ParamOriginalCalledNumber, apri: true, nai: naiCallingANSI, naiWS: wsNAICalling, digitsWS: "isup.original_called_number"}
	fmtLocation        = numFormat{code: ParamLocationNumber, bit8: bit8INN, apri: true, screening: true, nai: naiCallingITU, naiWS: wsNAICalling, screenWS: "isup.screening_indicator", digitsWS: "isup.location_number"}
	fmtCallTransfer    = numFormat{code: ParamCallTransferNumber, apri: true, screening: true, nai: naiCallingITU, naiWS: wsNAICalling, screenWS: "isup.screening_indicator_enhanced", digitsWS: "isup.call_transfer_number"}
	fmtCalledIN        = numFormat{code: ParamCalledINNumber, apri: true, nai: naiCallingITU, naiWS: wsNAICalling, digitsWS: "isup.called_in_number"}
	fmtCalledDirectory = numFormat{code: ParamCalledDirectoryNumber, bit8: bit8INN, nai: naiCalledITU}
	fmtOrigCalledIN    = numFormat{code: ParamOriginalCalledINNumber, apri: true, nai: naiCallingITU}
	fmtNRN             = numFormat{code: ParamNetworkRoutingNumber, kind: numNRN, nai: naiNRN}
	fmtCharge          = numFormat{code: ParamChargeNumber, nai: naiCharge, naiWS: "isup.charge_number_nature_of_address_indicator", digitsWS: "isup.charge_number"}
	// Generic number (ITU-T) after its qualifier octet; tshark shows the
	// screening bits under its "enhanced" name here.
	fmtGenericITU = numFormat{code: ParamGenericNumber, bit8: bit8NI, apri: true, screening: true, nai: naiCallingITU, naiWS: wsNAICalling, screenWS: "isup.screening_indicator_enhanced", digitsWS: "isup.generic_number"}
	// Generic address (ANSI): bit 8 and bits 2–1 of octet 3 are spare.
	fmtGenericANSI = numFormat{code: ParamGenericNumber, apri: true, nai: naiCalledANSI, naiWS: wsNAICalling, digitsWS: "isup.generic_number"}
)

func pnPick(v Variant, itu, ansi *numFormat) *numFormat {
	if v == ANSI {
		return ansi
	}
	return itu
}

// decode parses d; base is d's offset in the parameter (for errors).
func (n *Number) decode(d []byte, f *numFormat, base int) error {
	h := f.hdrLen()
	if len(d) < h {
		return paramErr(f.code, ErrLength, base+len(d), "needs at least "+itoa(base+h)+" octets, has "+itoa(base+len(d)))
	}
	*n = Number{}
	o1 := d[0]
	odd := o1&0x80 != 0
	switch f.kind {
	case numSubsequent:
		n.Spare = o1 & 0x7f
	case numNRN:
		n.NPI = NPI(getBits(o1, 4, 3))
		n.NAI = NAI(getBits(o1, 0, 4))
	default:
		n.NAI = NAI(o1 & 0x7f)
		o2 := d[1]
		switch f.bit8 {
		case bit8INN:
			n.INN = o2&0x80 != 0
		case bit8NI:
			n.NI = o2&0x80 != 0
		}
		n.NPI = NPI(getBits(o2, 4, 3))
		if f.apri {
			n.APRI = APRI(getBits(o2, 2, 2))
		}
		if f.screening {
			n.Screening = Screening(getBits(o2, 0, 2))
		}
		n.Spare = o2 &^ f.covered()
	}
	n.Digits = Digits{BCD: d[h:len(d):len(d)], Odd: odd}
	return nil
}

func (n *Number) append(b []byte, f *numFormat) []byte {
	var o1 byte
	if n.Digits.Odd {
		o1 = 0x80
	}
	switch f.kind {
	case numSubsequent:
		b = append(b, o1|n.Spare&0x7f)
	case numNRN:
		o1 = setBits(o1, 4, 3, uint8(n.NPI))
		b = append(b, setBits(o1, 0, 4, uint8(n.NAI)))
	default:
		o2 := n.Spare &^ f.covered()
		switch {
		case f.bit8 == bit8INN && n.INN, f.bit8 == bit8NI && n.NI:
			o2 |= 0x80
		}
		o2 = setBits(o2, 4, 3, uint8(n.NPI))
		if f.apri {
			o2 = setBits(o2, 2, 2, uint8(n.APRI))
		}
		if f.screening {
			o2 = setBits(o2, 0, 2, uint8(n.Screening))
		}
		b = append(b, o1|byte(n.NAI)&0x7f, o2)
	}
	return append(b, n.Digits.BCD...)
}

func (n *Number) fields(v Variant, f *numFormat) []Field {
	out := make([]Field, 0, 9)
	oe := "even number of address signals"
	if n.Digits.Odd {
		oe = "odd number of address signals"
	}
	out = append(out, Flag("Odd/even indicator", "odd_even", n.Digits.Odd, oe, pnWS(f.digitsWS != "", "isup.isdn_odd_even_indicator")))
	npis := npiITU
	apris := apriITU
	if v == ANSI {
		npis, apris = npiANSI, apriANSI
	}
	switch f.kind {
	case numSubsequent:
		if n.Spare != 0 {
			out = append(out, Uint("Spare", "spare", uint64(n.Spare), "", ""))
		}
	case numNRN:
		out = append(out,
			Enum("Numbering plan indicator", "npi", uint64(n.NPI), npis, ""),
			Field{Name: "Nature of address indicator", Key: "nai", Value: uint64(n.NAI), Meaning: naiMeaning(f.nai, uint64(n.NAI), 4)})
	default:
		out = append(out, Field{Name: "Nature of address indicator", Key: "nai", Value: uint64(n.NAI), Meaning: naiMeaning(f.nai, uint64(n.NAI), 7), WS: f.naiWS})
		switch f.bit8 {
		case bit8INN:
			m := "routing to internal network number allowed"
			if n.INN {
				m = "routing to internal network number not allowed"
			}
			out = append(out, Flag("Internal network number indicator", "inn", n.INN, m, pnWS(f.naiWS != "", "isup.inn_indicator")))
		case bit8NI:
			m := "complete"
			if n.NI {
				m = "incomplete"
			}
			out = append(out, Flag("Number incomplete indicator", "ni", n.NI, m, "isup.ni_indicator"))
		}
		out = append(out, Enum("Numbering plan indicator", "npi", uint64(n.NPI), npis, pnWS(f.naiWS != "", "isup.numbering_plan_indicator")))
		if f.apri {
			out = append(out, Enum("Address presentation restricted indicator", "apri", uint64(n.APRI), apris, pnWS(f.naiWS != "", "isup.address_presentation_restricted_indicator")))
		}
		if f.screening {
			out = append(out, Enum("Screening indicator", "screening", uint64(n.Screening), pnScreeningNames, f.screenWS))
		}
		if n.Spare != 0 {
			out = append(out, Uint("Spare", "spare", uint64(n.Spare), "", ""))
		}
	}
	// tshark shows no digits field for an empty number.
	out = append(out, Str("Address signals", "digits", n.Digits.String(), pnWS(n.Digits.Len() > 0, f.digitsWS)))
	return out
}

func pnWS(ok bool, ws string) string {
	if ok {
		return ws
	}
	return ""
}

// The number parameter types. Each is a Number with its own code and format.

// CalledPartyNumber is Q.763 §3.9 (ANSI: no INN indicator).
type CalledPartyNumber Number

// SubsequentNumber is Q.763 §3.51: odd/even indicator and digits only.
type SubsequentNumber Number

// CallingPartyNumber is Q.763 §3.10 (ANSI: no NI indicator).
type CallingPartyNumber Number

// RedirectingNumber is Q.763 §3.44.
type RedirectingNumber Number

// RedirectionNumber is Q.763 §3.46 (ANSI: no INN indicator).
type RedirectionNumber Number

// ConnectedNumber is Q.763 §3.16.
type ConnectedNumber Number

// OriginalCalledNumber is Q.763 §3.39.
type OriginalCalledNumber Number

// LocationNumber is Q.763 §3.30.
type LocationNumber Number

// CallTransferNumber is Q.763 §3.64.
type CallTransferNumber Number

// CalledINNumber is Q.763 §3.73.
type CalledINNumber Number

// CalledDirectoryNumber is Q.763 §3.86.
type CalledDirectoryNumber Number

// OriginalCalledINNumber is Q.763 §3.87.
type OriginalCalledINNumber Number

// NetworkRoutingNumber is Q.763 §3.90: NPI and a 4-bit NAI share octet 1.
type NetworkRoutingNumber Number

// ChargeNumber is the ANSI charge number (T1.113.3).
type ChargeNumber Number

func (p *CalledPartyNumber) format(v Variant) *numFormat {
	return pnPick(v, &fmtCalledITU, &fmtCalledANSI)
}
func (p *SubsequentNumber) format(Variant) *numFormat { return &fmtSubsequent }
func (p *CallingPartyNumber) format(v Variant) *numFormat {
	return pnPick(v, &fmtCallingITU, &fmtCallingANSI)
}
func (p *RedirectingNumber) format(v Variant) *numFormat {
	return pnPick(v, &fmtRedirectingITU, &fmtRedirectingANSI)
}
func (p *RedirectionNumber) format(v Variant) *numFormat {
	return pnPick(v, &fmtRedirectionITU, &fmtRedirectionANSI)
}
func (p *ConnectedNumber) format(v Variant) *numFormat {
	return pnPick(v, &fmtConnectedITU, &fmtConnectedANSI)
}
func (p *OriginalCalledNumber) format(v Variant) *numFormat {
	return pnPick(v, &fmtOrigCalledITU, &fmtOrigCalledANSI)
}
func (p *LocationNumber) format(Variant) *numFormat         { return &fmtLocation }
func (p *CallTransferNumber) format(Variant) *numFormat     { return &fmtCallTransfer }
func (p *CalledINNumber) format(Variant) *numFormat         { return &fmtCalledIN }
func (p *CalledDirectoryNumber) format(Variant) *numFormat  { return &fmtCalledDirectory }
func (p *OriginalCalledINNumber) format(Variant) *numFormat { return &fmtOrigCalledIN }
func (p *NetworkRoutingNumber) format(Variant) *numFormat   { return &fmtNRN }
func (p *ChargeNumber) format(Variant) *numFormat           { return &fmtCharge }

func (p *CalledPartyNumber) Code() ParamCode      { return ParamCalledPartyNumber }
func (p *SubsequentNumber) Code() ParamCode       { return ParamSubsequentNumber }
func (p *CallingPartyNumber) Code() ParamCode     { return ParamCallingPartyNumber }
func (p *RedirectingNumber) Code() ParamCode      { return ParamRedirectingNumber }
func (p *RedirectionNumber) Code() ParamCode      { return ParamRedirectionNumber }
func (p *ConnectedNumber) Code() ParamCode        { return ParamConnectedNumber }
func (p *OriginalCalledNumber) Code() ParamCode   { return ParamOriginalCalledNumber }
func (p *LocationNumber) Code() ParamCode         { return ParamLocationNumber }
func (p *CallTransferNumber) Code() ParamCode     { return ParamCallTransferNumber }
func (p *CalledINNumber) Code() ParamCode         { return ParamCalledINNumber }
func (p *CalledDirectoryNumber) Code() ParamCode  { return ParamCalledDirectoryNumber }
func (p *OriginalCalledINNumber) Code() ParamCode { return ParamOriginalCalledINNumber }
func (p *NetworkRoutingNumber) Code() ParamCode   { return ParamNetworkRoutingNumber }
func (p *ChargeNumber) Code() ParamCode           { return ParamChargeNumber }

func (p *CalledPartyNumber) DecodeParam(d []byte, v Variant) error {
	return (*Number)(p).decode(d, p.format(v), 0)
}
func (p *SubsequentNumber) DecodeParam(d []byte, v Variant) error {
	return (*Number)(p).decode(d, p.format(v), 0)
}
func (p *CallingPartyNumber) DecodeParam(d []byte, v Variant) error {
	return (*Number)(p).decode(d, p.format(v), 0)
}
func (p *RedirectingNumber) DecodeParam(d []byte, v Variant) error {
	return (*Number)(p).decode(d, p.format(v), 0)
}
func (p *RedirectionNumber) DecodeParam(d []byte, v Variant) error {
	return (*Number)(p).decode(d, p.format(v), 0)
}
func (p *ConnectedNumber) DecodeParam(d []byte, v Variant) error {
	return (*Number)(p).decode(d, p.format(v), 0)
}
func (p *OriginalCalledNumber) DecodeParam(d []byte, v Variant) error {
	return (*Number)(p).decode(d, p.format(v), 0)
}
func (p *LocationNumber) DecodeParam(d []byte, v Variant) error {
	return (*Number)(p).decode(d, p.format(v), 0)
}
func (p *CallTransferNumber) DecodeParam(d []byte, v Variant) error {
	return (*Number)(p).decode(d, p.format(v), 0)
}
func (p *CalledINNumber) DecodeParam(d []byte, v Variant) error {
	return (*Number)(p).decode(d, p.format(v), 0)
}
func (p *CalledDirectoryNumber) DecodeParam(d []byte, v Variant) error {
	return (*Number)(p).decode(d, p.format(v), 0)
}
func (p *OriginalCalledINNumber) DecodeParam(d []byte, v Variant) error {
	return (*Number)(p).decode(d, p.format(v), 0)
}
func (p *NetworkRoutingNumber) DecodeParam(d []byte, v Variant) error {
	return (*Number)(p).decode(d, p.format(v), 0)
}
func (p *ChargeNumber) DecodeParam(d []byte, v Variant) error {
	return (*Number)(p).decode(d, p.format(v), 0)
}

func (p *CalledPartyNumber) AppendParam(b []byte, v Variant) []byte {
	return (*Number)(p).append(b, p.format(v))
}
func (p *SubsequentNumber) AppendParam(b []byte, v Variant) []byte {
	return (*Number)(p).append(b, p.format(v))
}
func (p *CallingPartyNumber) AppendParam(b []byte, v Variant) []byte {
	return (*Number)(p).append(b, p.format(v))
}
func (p *RedirectingNumber) AppendParam(b []byte, v Variant) []byte {
	return (*Number)(p).append(b, p.format(v))
}
func (p *RedirectionNumber) AppendParam(b []byte, v Variant) []byte {
	return (*Number)(p).append(b, p.format(v))
}
func (p *ConnectedNumber) AppendParam(b []byte, v Variant) []byte {
	return (*Number)(p).append(b, p.format(v))
}
func (p *OriginalCalledNumber) AppendParam(b []byte, v Variant) []byte {
	return (*Number)(p).append(b, p.format(v))
}
func (p *LocationNumber) AppendParam(b []byte, v Variant) []byte {
	return (*Number)(p).append(b, p.format(v))
}
func (p *CallTransferNumber) AppendParam(b []byte, v Variant) []byte {
	return (*Number)(p).append(b, p.format(v))
}
func (p *CalledINNumber) AppendParam(b []byte, v Variant) []byte {
	return (*Number)(p).append(b, p.format(v))
}
func (p *CalledDirectoryNumber) AppendParam(b []byte, v Variant) []byte {
	return (*Number)(p).append(b, p.format(v))
}
func (p *OriginalCalledINNumber) AppendParam(b []byte, v Variant) []byte {
	return (*Number)(p).append(b, p.format(v))
}
func (p *NetworkRoutingNumber) AppendParam(b []byte, v Variant) []byte {
	return (*Number)(p).append(b, p.format(v))
}
func (p *ChargeNumber) AppendParam(b []byte, v Variant) []byte {
	return (*Number)(p).append(b, p.format(v))
}

func (p *CalledPartyNumber) Fields(v Variant) []Field { return (*Number)(p).fields(v, p.format(v)) }
func (p *SubsequentNumber) Fields(v Variant) []Field  { return (*Number)(p).fields(v, p.format(v)) }
func (p *CallingPartyNumber) Fields(v Variant) []Field {
	return (*Number)(p).fields(v, p.format(v))
}
func (p *RedirectingNumber) Fields(v Variant) []Field { return (*Number)(p).fields(v, p.format(v)) }
func (p *RedirectionNumber) Fields(v Variant) []Field { return (*Number)(p).fields(v, p.format(v)) }
func (p *ConnectedNumber) Fields(v Variant) []Field   { return (*Number)(p).fields(v, p.format(v)) }
func (p *OriginalCalledNumber) Fields(v Variant) []Field {
	return (*Number)(p).fields(v, p.format(v))
}
func (p *LocationNumber) Fields(v Variant) []Field     { return (*Number)(p).fields(v, p.format(v)) }
func (p *CallTransferNumber) Fields(v Variant) []Field { return (*Number)(p).fields(v, p.format(v)) }
func (p *CalledINNumber) Fields(v Variant) []Field     { return (*Number)(p).fields(v, p.format(v)) }
func (p *CalledDirectoryNumber) Fields(v Variant) []Field {
	return (*Number)(p).fields(v, p.format(v))
}
func (p *OriginalCalledINNumber) Fields(v Variant) []Field {
	return (*Number)(p).fields(v, p.format(v))
}
func (p *NetworkRoutingNumber) Fields(v Variant) []Field {
	return (*Number)(p).fields(v, p.format(v))
}
func (p *ChargeNumber) Fields(v Variant) []Field { return (*Number)(p).fields(v, p.format(v)) }

func (p *CalledPartyNumber) Address() string      { return p.Digits.String() }
func (p *SubsequentNumber) Address() string       { return p.Digits.String() }
func (p *CallingPartyNumber) Address() string     { return p.Digits.String() }
func (p *RedirectingNumber) Address() string      { return p.Digits.String() }
func (p *RedirectionNumber) Address() string      { return p.Digits.String() }
func (p *ConnectedNumber) Address() string        { return p.Digits.String() }
func (p *OriginalCalledNumber) Address() string   { return p.Digits.String() }
func (p *LocationNumber) Address() string         { return p.Digits.String() }
func (p *CallTransferNumber) Address() string     { return p.Digits.String() }
func (p *CalledINNumber) Address() string         { return p.Digits.String() }
func (p *CalledDirectoryNumber) Address() string  { return p.Digits.String() }
func (p *OriginalCalledINNumber) Address() string { return p.Digits.String() }
func (p *NetworkRoutingNumber) Address() string   { return p.Digits.String() }
func (p *ChargeNumber) Address() string           { return p.Digits.String() }

// NewCalledPartyNumber returns a called party number in the E.164 plan
// with routing to an internal network number not allowed (the usual
// coding for a public number; the bit is spare in ANSI).
func NewCalledPartyNumber(nai NAI, digits string) (CalledPartyNumber, error) {
	n, err := NewNumber(nai, digits)
	n.INN = true
	return CalledPartyNumber(n), err
}

// NewCallingPartyNumber returns a complete, network-provided calling party
// number in the E.164 plan with presentation as given. An empty digit
// string gives the "address not available" form (Q.763 §3.10 note).
func NewCallingPartyNumber(nai NAI, digits string, apri APRI) (CallingPartyNumber, error) {
	n, err := NewNumber(nai, digits)
	n.APRI = apri
	n.Screening = ScreeningNetworkProvided
	if digits == "" {
		n.APRI = APRINotAvailable
	}
	return CallingPartyNumber(n), err
}

// NewRedirectingNumber returns a redirecting number in the E.164 plan.
func NewRedirectingNumber(nai NAI, digits string, apri APRI) (RedirectingNumber, error) {
	n, err := NewNumber(nai, digits)
	n.APRI = apri
	return RedirectingNumber(n), err
}

// NewOriginalCalledNumber returns an original called number in the E.164 plan.
func NewOriginalCalledNumber(nai NAI, digits string, apri APRI) (OriginalCalledNumber, error) {
	n, err := NewNumber(nai, digits)
	n.APRI = apri
	return OriginalCalledNumber(n), err
}

// NewRedirectionNumber returns a redirection number in the E.164 plan with
// routing to an internal network number not allowed.
func NewRedirectionNumber(nai NAI, digits string) (RedirectionNumber, error) {
	n, err := NewNumber(nai, digits)
	n.INN = true
	return RedirectionNumber(n), err
}

// NewConnectedNumber returns a network-provided connected number.
func NewConnectedNumber(nai NAI, digits string, apri APRI) (ConnectedNumber, error) {
	n, err := NewNumber(nai, digits)
	n.APRI = apri
	n.Screening = ScreeningNetworkProvided
	return ConnectedNumber(n), err
}

// NewSubsequentNumber returns a subsequent number (overlap digits).
func NewSubsequentNumber(digits string) (SubsequentNumber, error) {
	d, err := ParseDigits(digits)
	return SubsequentNumber{Digits: d}, err
}

// NumberQualifier is the number qualifier indicator of the generic number
// (Q.763 §3.26); in ANSI the same octet is the generic address's type of
// address.
type NumberQualifier uint8

const (
	NQIAdditionalCalled      NumberQualifier = 1
	NQIAdditionalConnected   NumberQualifier = 5
	NQIAdditionalCalling     NumberQualifier = 6
	NQIAdditionalOrigCalled  NumberQualifier = 7
	NQIAdditionalRedirecting NumberQualifier = 8
	NQIAdditionalRedirection NumberQualifier = 9
)

var nqiITU = Names{
	0:   "reserved (dialled digits) (national use)",
	1:   "additional called number (national use)",
	2:   "reserved (supplemental user provided calling number - failed network screening) (national use)",
	3:   "reserved (supplemental user provided calling number - not screened) (national use)",
	4:   "reserved (redirecting terminating number) (national use)",
	5:   "additional connected number",
	6:   "additional calling party number",
	7:   "reserved for additional original called number",
	8:   "reserved for additional redirecting number",
	9:   "reserved for additional redirection number",
	10:  "reserved (used in 1992 version)",
	255: "reserved for expansion",
}

var typeOfAddressANSI = Names{
	0: "dialed number",
	1: "destination number",
	2: "supplemental user provided calling address - failed network screening",
	3: "supplemental user provided calling address - not screened",
	4: "completion number",
}

func (q NumberQualifier) String() string {
	if q >= 128 && q <= 254 {
		return "reserved for national use"
	}
	return nqiITU.Of(uint64(q), "spare")
}

// GenericNumber is the ITU-T generic number (Q.763 §3.26): a number
// qualifier octet, then a calling-type number. In ANSI the same code is the
// generic address (T1.113.3): a type of address octet, then O/E+NAI and an
// octet with the numbering plan and presentation (its other bits spare).
type GenericNumber struct {
	Qualifier NumberQualifier
	Number
}

func (p *GenericNumber) Code() ParamCode { return ParamGenericNumber }

func (p *GenericNumber) DecodeParam(d []byte, v Variant) error {
	if err := needLen(ParamGenericNumber, d, 3); err != nil {
		return err
	}
	p.Qualifier = NumberQualifier(d[0])
	return p.Number.decode(d[1:], pnPick(v, &fmtGenericITU, &fmtGenericANSI), 1)
}

func (p *GenericNumber) AppendParam(b []byte, v Variant) []byte {
	b = append(b, byte(p.Qualifier))
	return p.Number.append(b, pnPick(v, &fmtGenericITU, &fmtGenericANSI))
}

func (p *GenericNumber) Fields(v Variant) []Field {
	var q Field
	if v == ANSI {
		q = Enum("Type of address", "type_of_address", uint64(p.Qualifier), typeOfAddressANSI, "isup.number_qualifier_indicator")
	} else {
		q = Field{Name: "Number qualifier indicator", Key: "number_qualifier", Value: uint64(p.Qualifier), Meaning: p.Qualifier.String(), WS: "isup.number_qualifier_indicator"}
	}
	return append([]Field{q}, p.Number.fields(v, pnPick(v, &fmtGenericITU, &fmtGenericANSI))...)
}

func (p *GenericNumber) Address() string { return p.Digits.String() }

// Generic digits encoding schemes (Q.763 §3.24).
const (
	DigitsBCDEven uint8 = 0
	DigitsBCDOdd  uint8 = 1
	DigitsIA5     uint8 = 2
	DigitsBinary  uint8 = 3
)

var gdEncodingNames = Names{
	0: "BCD even: even number of digits",
	1: "BCD odd: odd number of digits",
	2: "IA5 character",
	3: "binary coded",
}

var typeOfDigitsITU = Names{
	0:  "reserved for account code",
	1:  "reserved for authorisation code",
	2:  "reserved for private networking travelling class mark",
	3:  "reserved for business communication group identity",
	31: "reserved for extension",
}

var typeOfDigitsANSI = Names{
	0:  "account code",
	1:  "authorization code",
	2:  "private networking travelling class mark",
	3:  "business communication group identity",
	31: "reserved for extension",
}

// GenericDigits is Q.763 §3.24 / T1.113.3: type of digits, encoding
// scheme, and the digits coded as that scheme says.
type GenericDigits struct {
	TypeOfDigits   uint8 // 5 bits
	EncodingScheme uint8 // 3 bits
	Data           []byte
}

func (p *GenericDigits) Code() ParamCode { return ParamGenericDigits }

func (p *GenericDigits) DecodeParam(d []byte, v Variant) error {
	if err := needLen(ParamGenericDigits, d, 1); err != nil {
		return err
	}
	p.TypeOfDigits = getBits(d[0], 0, 5)
	p.EncodingScheme = getBits(d[0], 5, 3)
	p.Data = d[1:len(d):len(d)]
	return nil
}

func (p *GenericDigits) AppendParam(b []byte, v Variant) []byte {
	b = append(b, setBits(p.TypeOfDigits&0x1f, 5, 3, p.EncodingScheme))
	return append(b, p.Data...)
}

// Digits returns the data as BCD digits (meaningful for the BCD schemes).
func (p *GenericDigits) Digits() Digits {
	return Digits{BCD: p.Data, Odd: p.EncodingScheme == DigitsBCDOdd}
}

func (p *GenericDigits) Fields(v Variant) []Field {
	tod := typeOfDigitsITU
	if v == ANSI {
		tod = typeOfDigitsANSI
	}
	tm := tod.Of(uint64(p.TypeOfDigits), "spare")
	if v == ITU && p.TypeOfDigits >= 4 && p.TypeOfDigits <= 30 {
		tm = "reserved for national use"
	}
	out := []Field{
		Enum("Encoding scheme", "encoding_scheme", uint64(p.EncodingScheme), gdEncodingNames, ""),
		{Name: "Type of digits", Key: "type_of_digits", Value: uint64(p.TypeOfDigits), Meaning: tm},
	}
	switch p.EncodingScheme {
	case DigitsBCDEven, DigitsBCDOdd:
		out = append(out, Str("Digits", "digits", p.Digits().String(), ""))
	case DigitsIA5:
		out = append(out, Str("Digits", "digits", string(p.Data), ""))
	default:
		out = append(out, Octets("Digits", "digits", p.Data, ""))
	}
	return out
}

var tniITU = Names{
	0: "ITU-T standardized identification",
	2: "national network identification",
}

var nipITU = Names{
	0: "unknown",
	3: "public data network identification code (X.121)",
	6: "public land mobile network identification code (E.212)",
}

var tniANSI = Names{
	0: "ITU-T standardized identification",
	2: "national network identification",
}

var nipANSI = Names{
	0: "unknown",
	1: "3-digit carrier identification code with circuit code",
	2: "4-digit carrier identification code with circuit code",
}

// TransitNetworkSelection is Q.763 §3.53. ITU-T: O/E, type of network
// identification, network identification plan, then the network
// identification in BCD. ANSI (T1.113.3): bit 8 spare, and with a plan
// "with circuit code" the last octet carries the circuit code in its high
// nibble after the carrier identification digits.
type TransitNetworkSelection struct {
	TypeOfNetworkID uint8 // 3 bits
	NetworkIDPlan   uint8 // 4 bits
	Spare           uint8 // ANSI: bit 8 of octet 1 (in place); low nibble of the circuit code octet
	Digits          Digits
	HasCircuitCode  bool // ANSI
	CircuitCode     uint8
}

func (p *TransitNetworkSelection) Code() ParamCode { return ParamTransitNetworkSelection }

func ansiTNSHasCircuitCode(plan uint8) bool { return plan == 1 || plan == 2 }

func (p *TransitNetworkSelection) DecodeParam(d []byte, v Variant) error {
	if err := needLen(ParamTransitNetworkSelection, d, 1); err != nil {
		return err
	}
	*p = TransitNetworkSelection{TypeOfNetworkID: getBits(d[0], 4, 3), NetworkIDPlan: getBits(d[0], 0, 4)}
	if v != ANSI {
		p.Digits = Digits{BCD: d[1:len(d):len(d)], Odd: d[0]&0x80 != 0}
		return nil
	}
	p.Spare = d[0] & 0x80
	rest := d[1:len(d):len(d)]
	if ansiTNSHasCircuitCode(p.NetworkIDPlan) && len(rest) > 0 {
		cc := rest[len(rest)-1]
		p.HasCircuitCode, p.CircuitCode, p.Spare = true, cc>>4, p.Spare|cc&0x0f
		rest = rest[: len(rest)-1 : len(rest)-1]
	}
	p.Digits = Digits{BCD: rest, Odd: p.NetworkIDPlan == 1 && len(rest) == 2}
	return nil
}

func (p *TransitNetworkSelection) AppendParam(b []byte, v Variant) []byte {
	o1 := setBits(p.NetworkIDPlan&0x0f, 4, 3, p.TypeOfNetworkID)
	if v != ANSI {
		if p.Digits.Odd {
			o1 |= 0x80
		}
		b = append(b, o1)
		return append(b, p.Digits.BCD...)
	}
	b = append(b, o1|p.Spare&0x80)
	b = append(b, p.Digits.BCD...)
	if p.HasCircuitCode {
		b = append(b, p.CircuitCode<<4|p.Spare&0x0f)
	}
	return b
}

// Address returns the network identification digits.
func (p *TransitNetworkSelection) Address() string { return p.Digits.String() }

func (p *TransitNetworkSelection) Fields(v Variant) []Field {
	if v != ANSI {
		oe := "even number of address signals"
		if p.Digits.Odd {
			oe = "odd number of address signals"
		}
		return []Field{
			Flag("Odd/even indicator", "odd_even", p.Digits.Odd, oe, "isup.isdn_odd_even_indicator"),
			Enum("Type of network identification", "type_of_network_identification", uint64(p.TypeOfNetworkID), tniITU, "isup.type_of_network_identification"),
			Enum("Network identification plan", "network_identification_plan", uint64(p.NetworkIDPlan), nipITU, "isup.network_identification_plan"),
			Str("Network identification", "network_identification", p.Digits.String(), pnWS(p.Digits.Len() > 0, "isup.transit_network_selection")),
		}
	}
	out := []Field{
		Enum("Type of network identification", "type_of_network_identification", uint64(p.TypeOfNetworkID), tniANSI, "isup.type_of_network_identification"),
		Enum("Network identification plan", "network_identification_plan", uint64(p.NetworkIDPlan), nipANSI, "ansi_isup.tns.nw_id_plan"),
		// tshark always shows four digits from two octets: no WS.
		Str("Carrier identification code", "network_identification", p.Digits.String(), ""),
	}
	if p.HasCircuitCode {
		out = append(out, Uint("Circuit code", "circuit_code", uint64(p.CircuitCode), "", "ansi_isup.circuit_code"))
	}
	return out
}

// CarrierIdentification is the ANSI carrier identification parameter
// (T1.113.3): spare bit, type of network identification, network
// identification plan, then the carrier identification code in BCD
// (3 digits plus filler, or 4 digits).
type CarrierIdentification struct {
	Spare           uint8 // bit 8 of octet 1, in place
	TypeOfNetworkID uint8
	NetworkIDPlan   uint8
	Digits          Digits
}

var nipCarrierANSI = Names{
	0: "unknown",
	1: "3-digit carrier identification code",
	2: "4-digit carrier identification code",
}

func (p *CarrierIdentification) Code() ParamCode { return ParamCarrierIdentification }

func (p *CarrierIdentification) DecodeParam(d []byte, v Variant) error {
	if err := needLen(ParamCarrierIdentification, d, 1); err != nil {
		return err
	}
	p.Spare = d[0] & 0x80
	p.TypeOfNetworkID = getBits(d[0], 4, 3)
	p.NetworkIDPlan = getBits(d[0], 0, 4)
	rest := d[1:len(d):len(d)]
	p.Digits = Digits{BCD: rest, Odd: p.NetworkIDPlan == 1 && len(rest) == 2}
	return nil
}

func (p *CarrierIdentification) AppendParam(b []byte, v Variant) []byte {
	b = append(b, p.Spare&0x80|setBits(p.NetworkIDPlan&0x0f, 4, 3, p.TypeOfNetworkID))
	return append(b, p.Digits.BCD...)
}

func (p *CarrierIdentification) Address() string { return p.Digits.String() }

func (p *CarrierIdentification) Fields(v Variant) []Field {
	return []Field{
		Enum("Type of network identification", "type_of_network_identification", uint64(p.TypeOfNetworkID), tniANSI, "ansi_isup.type_of_nw_id"),
		Enum("Network identification plan", "network_identification_plan", uint64(p.NetworkIDPlan), nipCarrierANSI, "ansi_isup.nw_id_plan"),
		// tshark shows four nibbles even for a 3-digit code: no WS.
		Str("Carrier identification code", "carrier_identification_code", p.Digits.String(), ""),
	}
}

// JurisdictionInformation is the ANSI jurisdiction information parameter
// (T1.113.3): the NPA-NXX of the originating location as BCD digits.
type JurisdictionInformation struct {
	Digits Digits
}

func (p *JurisdictionInformation) Code() ParamCode { return ParamJurisdictionInformation }

func (p *JurisdictionInformation) DecodeParam(d []byte, v Variant) error {
	if err := needLen(ParamJurisdictionInformation, d, 1); err != nil {
		return err
	}
	p.Digits = Digits{BCD: d[:len(d):len(d)]}
	return nil
}

func (p *JurisdictionInformation) AppendParam(b []byte, v Variant) []byte {
	return append(b, p.Digits.BCD...)
}

func (p *JurisdictionInformation) Address() string { return p.Digits.String() }

func (p *JurisdictionInformation) Fields(v Variant) []Field {
	return []Field{Str("Address signals", "digits", p.Digits.String(), "isup.jurisdiction")}
}

var genericNameType = Names{
	0: "spare",
	1: "calling name",
	2: "original called name",
	3: "redirecting name",
	4: "connected name",
}

var genericNamePresentation = Names{
	0: "presentation allowed",
	1: "presentation restricted",
	2: "blocking toggle",
	3: "no indication",
}

// GenericName is the ANSI generic name parameter (T1.113.3): type,
// availability and presentation, then the name in IA5.
type GenericName struct {
	Type         uint8 // 3 bits
	NotAvailable bool
	Spare        uint8 // bits 4–3, in place
	Presentation uint8 // 2 bits
	Name         []byte
}

func (p *GenericName) Code() ParamCode { return ParamGenericName }

func (p *GenericName) DecodeParam(d []byte, v Variant) error {
	if err := needLen(ParamGenericName, d, 1); err != nil {
		return err
	}
	p.Type = getBits(d[0], 5, 3)
	p.NotAvailable = d[0]&0x10 != 0
	p.Spare = d[0] & 0x0c
	p.Presentation = getBits(d[0], 0, 2)
	p.Name = d[1:len(d):len(d)]
	return nil
}

func (p *GenericName) AppendParam(b []byte, v Variant) []byte {
	o := setBits(p.Presentation&3|p.Spare&0x0c, 5, 3, p.Type)
	if p.NotAvailable {
		o |= 0x10
	}
	b = append(b, o)
	return append(b, p.Name...)
}

func (p *GenericName) Fields(v Variant) []Field {
	av := "name available/unknown"
	if p.NotAvailable {
		av = "name not available"
	}
	return []Field{
		Enum("Type", "type", uint64(p.Type), genericNameType, "isup.isdn_generic_name_type"),
		Flag("Availability", "not_available", p.NotAvailable, av, "isup.isdn_generic_name_availability"),
		Enum("Presentation", "presentation", uint64(p.Presentation), genericNamePresentation, "isup.isdn_generic_name_presentation"),
		// tshark escapes non-printable octets in its string: no WS.
		Str("Name", "name", string(p.Name), ""),
	}
}

func init() {
	Register(Both, ParamCalledPartyNumber, func() Value { return new(CalledPartyNumber) })
	Register(Both, ParamSubsequentNumber, func() Value { return new(SubsequentNumber) })
	Register(Both, ParamCallingPartyNumber, func() Value { return new(CallingPartyNumber) })
	Register(Both, ParamRedirectingNumber, func() Value { return new(RedirectingNumber) })
	Register(Both, ParamRedirectionNumber, func() Value { return new(RedirectionNumber) })
	Register(Both, ParamConnectedNumber, func() Value { return new(ConnectedNumber) })
	Register(Both, ParamOriginalCalledNumber, func() Value { return new(OriginalCalledNumber) })
	Register(OnlyITU, ParamLocationNumber, func() Value { return new(LocationNumber) })
	Register(OnlyITU, ParamCallTransferNumber, func() Value { return new(CallTransferNumber) })
	Register(OnlyITU, ParamCalledINNumber, func() Value { return new(CalledINNumber) })
	Register(OnlyITU, ParamCalledDirectoryNumber, func() Value { return new(CalledDirectoryNumber) })
	Register(OnlyITU, ParamOriginalCalledINNumber, func() Value { return new(OriginalCalledINNumber) })
	Register(OnlyITU, ParamNetworkRoutingNumber, func() Value { return new(NetworkRoutingNumber) })
	Register(Both, ParamGenericNumber, func() Value { return new(GenericNumber) })
	Register(Both, ParamGenericDigits, func() Value { return new(GenericDigits) })
	Register(Both, ParamTransitNetworkSelection, func() Value { return new(TransitNetworkSelection) })
	Register(OnlyANSI, ParamChargeNumber, func() Value { return new(ChargeNumber) })
	Register(OnlyANSI, ParamCarrierIdentification, func() Value { return new(CarrierIdentification) })
	Register(OnlyANSI, ParamJurisdictionInformation, func() Value { return new(JurisdictionInformation) })
	Register(OnlyANSI, ParamGenericName, func() Value { return new(GenericName) })
}
