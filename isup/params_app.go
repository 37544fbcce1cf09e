package isup

// Q.763 parameters of the supplementary and network services added after
// 1993: application transport (APM), pivot routing and redirection,
// GVNS, geodetic location, number portability. Their formats are ITU-T
// only, so they are registered for ITU.

func init() {
	for c, nv := range map[ParamCode]func() Value{
		ParamApplicationTransport:           func() Value { return new(ApplicationTransport) },
		ParamPivotCapability:                func() Value { return new(PivotCapability) },
		ParamPivotRoutingIndicators:         func() Value { return new(PivotRoutingIndicators) },
		ParamCallingGeodeticLocation:        func() Value { return new(CallingGeodeticLocation) },
		ParamHTRInformation:                 func() Value { return new(HTRInformation) },
		ParamQueryOnReleaseCapability:       func() Value { return new(QueryOnReleaseCapability) },
		ParamPivotStatus:                    func() Value { return new(PivotStatus) },
		ParamPivotCounter:                   func() Value { return new(PivotCounter) },
		ParamPivotRoutingForwardInformation: func() Value { return &PivotRoutingForwardInformation{} },
		ParamPivotRoutingBackwardInfo:       func() Value { return &PivotRoutingBackwardInformation{} },
		ParamRedirectStatus:                 func() Value { return new(RedirectStatus) },
		ParamRedirectForwardInformation:     func() Value { return &RedirectForwardInformation{} },
		ParamRedirectBackwardInformation:    func() Value { return &RedirectBackwardInformation{} },
		ParamNumberPortabilityForwardInfo:   func() Value { return new(NumberPortabilityForwardInformation) },
		ParamFreephoneIndicators:            func() Value { return new(FreephoneIndicators) },
		ParamGenericReference:               func() Value { return new(GenericReference) },
		ParamCallTransferReference:          func() Value { return new(CallTransferReference) },
		ParamForwardGVNS:                    func() Value { return new(ForwardGVNS) },
		ParamBackwardGVNS:                   func() Value { return new(BackwardGVNS) },
		ParamRedirectCapability:             func() Value { return new(RedirectCapability) },
		ParamChargedPartyIdentification:     func() Value { return new(ChargedPartyIdentification) },
		ParamCCNRPossibleIndicator:          func() Value { return new(CCNRPossibleIndicator) },
	} {
		Register(OnlyITU, c, nv)
	}
}

// appOneOctet reads a parameter of exactly one octet.
func appOneOctet(c ParamCode, data []byte) (byte, error) {
	if err := exactLen(c, data, 1); err != nil {
		return 0, err
	}
	return data[0], nil
}

// appExtOctet reads octet 1 of a parameter whose octet 1 carries an
// extension bit: the extension octets that follow it (an extension Q.763
// does not define yet) are returned as ext so that they re-encode
// unchanged; octets after the extension chain are an error.
func appExtOctet(c ParamCode, data []byte) (byte, []byte, error) {
	if err := needLen(c, data, 1); err != nil {
		return 0, nil, err
	}
	ext, off, err := q931Group(c, data, 0, "octet 1")
	if err != nil {
		return 0, nil, err
	}
	if off != len(data) {
		return 0, nil, paramErr(c, ErrLength, off, itoa(len(data)-off)+" octets after the last extension octet")
	}
	return data[0], ext, nil
}

// appYesNo returns the meaning of a one-bit indicator.
func appYesNo(b bool, no, yes string) string {
	if b {
		return yes
	}
	return no
}

func appRestField(out []Field, rest []byte) []Field {
	if len(rest) > 0 {
		out = append(out, Octets("Extension octets", "extension", rest, ""))
	}
	return out
}

// Application context identifiers (Q.763 §3.82).
const (
	ACIUCEH     uint8 = 0
	ACIPSS1     uint8 = 1
	ACICharging uint8 = 3
	ACIGAT      uint8 = 4
	ACIBAT      uint8 = 5
	ACIEUCEH    uint8 = 6
)

var (
	appACINames = Names{
		0: "Unidentified Context and Error Handling (UCEH) ASE", 1: "PSS1 ASE (VPN)", 3: "Charging ASE",
		4: "GAT", 5: "BAT ASE", 6: "Enhanced Unidentified Context and Error Handling ASE (EUCEH ASE)",
	}
	appSegNames = Names{0: "final segment"}
)

// ApplicationTransport is the application transport parameter (Q.763
// §3.82) that APM messages carry.
type ApplicationTransport struct {
	// ACI is the application context identifier (octet 1 bits 7-1).
	ACI uint8
	// ACIExt holds octet 1a and beyond when octet 1's extension bit is 0.
	ACIExt  []byte
	SNI     bool  // send notification indicator (octet 2 bit 2)
	RCI     bool  // release call indicator (octet 2 bit 1)
	Spare2  uint8 // octet 2 bits 7-3 as received
	Oct2Ext []byte
	// SI is the sequence indicator: true for a new sequence.
	SI bool
	// Segmentation is the APM segmentation indicator: 0 for the final
	// segment, 1–9 the number of following segments.
	Segmentation uint8
	// HasSLR reports octet 3a, the segmentation local reference.
	HasSLR  bool
	SLR     uint8
	Oct3Ext []byte // octets after 3a
	// UserInfo is the APM-user information (aliases the input).
	UserInfo []byte
}

func (*ApplicationTransport) Code() ParamCode { return ParamApplicationTransport }

func (a *ApplicationTransport) DecodeParam(data []byte, v Variant) error {
	const c = ParamApplicationTransport
	*a = ApplicationTransport{}
	if err := needLen(c, data, 3); err != nil {
		return err
	}
	var err error
	off := 0
	a.ACI = data[0] & 0x7f
	if a.ACIExt, off, err = q931Group(c, data, 0, "octet 1"); err != nil {
		return err
	}
	if off >= len(data) {
		return paramErr(c, ErrLength, off, "octet 2 (instruction indicators) missing")
	}
	a.SNI, a.RCI, a.Spare2 = data[off]&0x02 != 0, data[off]&0x01 != 0, getBits(data[off], 2, 5)
	if a.Oct2Ext, off, err = q931Group(c, data, off, "octet 2"); err != nil {
		return err
	}
	if off >= len(data) {
		return paramErr(c, ErrLength, off, "octet 3 (segmentation indicator) missing")
	}
	a.SI, a.Segmentation = data[off]&0x40 != 0, data[off]&0x3f
	ext, next, err := q931Group(c, data, off, "octet 3")
	if err != nil {
		return err
	}
	if len(ext) > 0 {
		a.HasSLR, a.SLR = true, ext[0]&0x7f
		if len(ext) > 1 {
			a.Oct3Ext = ext[1:]
		}
	}
	a.UserInfo = data[next:]
	return nil
}

func (a *ApplicationTransport) AppendParam(b []byte, v Variant) []byte {
	b = append(b, q931ExtBit(a.ACIExt)|a.ACI&0x7f)
	b = append(b, a.ACIExt...)
	o := q931ExtBit(a.Oct2Ext) | (a.Spare2&0x1f)<<2
	if a.SNI {
		o |= 0x02
	}
	if a.RCI {
		o |= 0x01
	}
	b = append(append(b, o), a.Oct2Ext...)
	o = a.Segmentation & 0x3f
	if a.SI {
		o |= 0x40
	}
	if !a.HasSLR {
		return append(append(b, o|0x80), a.UserInfo...)
	}
	b = append(b, o)
	b = append(b, q931ExtBit(a.Oct3Ext)|a.SLR&0x7f)
	return append(append(b, a.Oct3Ext...), a.UserInfo...)
}

func (a *ApplicationTransport) Fields(v Variant) []Field {
	// tshark reads octets 1 and 1a as one 16-bit identifier, so its value
	// matches only when octet 1a is absent.
	aciWS := "isup.app_context_identifier"
	if len(a.ACIExt) > 0 {
		aciWS = ""
	}
	seg := appSegNames.Of(uint64(a.Segmentation), "spare")
	if a.Segmentation >= 1 && a.Segmentation <= 9 {
		seg = "number of following segments"
	}
	si := "subsequent segment to first segment"
	if a.SI {
		si = "new sequence"
	}
	out := []Field{
		Enum("Application context identifier", "aci", uint64(a.ACI), appACINames, aciWS),
	}
	if len(a.ACIExt) > 0 {
		out = append(out, Octets("Application context identifier extension", "aci_ext", a.ACIExt, ""))
	}
	out = append(out,
		Flag("Send notification indicator (SNI)", "sni", a.SNI, appYesNo(a.SNI, "do not send notification", "send notification"), "isup.app_Send_notification_ind"),
		Flag("Release call indicator (RCI)", "rci", a.RCI, appYesNo(a.RCI, "do not release call", "release call"), "isup.app_Release_call_indicator"))
	if len(a.Oct2Ext) > 0 {
		out = append(out, Octets("Octet 2 extension", "octet2_ext", a.Oct2Ext, ""))
	}
	out = append(out,
		Flag("Sequence indicator (SI)", "si", a.SI, si, "isup.APM_Sequence_ind"),
		Field{Name: "APM segmentation indicator", Key: "segmentation", Value: uint64(a.Segmentation), Meaning: seg, WS: "isup.apm_segmentation_ind"})
	if a.HasSLR {
		out = append(out, Uint("Segmentation local reference (SLR)", "slr", uint64(a.SLR), "", "isup.APM_slr"))
	}
	if len(a.Oct3Ext) > 0 {
		out = append(out, Octets("Octet 3 extension", "octet3_ext", a.Oct3Ext, ""))
	}
	// tshark parses APM-user information further (Q.765 addresses), so
	// the octets get no WS name.
	return append(out, Octets("APM-user information", "apm_user_information", a.UserInfo, ""))
}

var appPivotPossibleNames = Names{
	0: "no indication", 1: "pivot routing possible before ACM", 2: "pivot routing possible before ANM",
	3: "pivot routing possible any time during the call",
}

// PivotCapability is the pivot capability parameter (Q.763 §3.84).
type PivotCapability struct {
	// PivotPossible is the pivot possible indicator (bits 3-1).
	PivotPossible uint8
	// InterworkingToRedirectionProhibited is bit 7 (ITWI).
	InterworkingToRedirectionProhibited bool
	Spare                               uint8 // bits 6-4
	Rest                                []byte
}

func (*PivotCapability) Code() ParamCode { return ParamPivotCapability }

func (p *PivotCapability) DecodeParam(data []byte, v Variant) error {
	o, rest, err := appExtOctet(ParamPivotCapability, data)
	if err != nil {
		return err
	}
	*p = PivotCapability{PivotPossible: o & 7, InterworkingToRedirectionProhibited: o&0x40 != 0, Spare: getBits(o, 3, 3), Rest: rest}
	return nil
}

func (p *PivotCapability) AppendParam(b []byte, v Variant) []byte {
	o := q931ExtBit(p.Rest) | (p.Spare&7)<<3 | p.PivotPossible&7
	if p.InterworkingToRedirectionProhibited {
		o |= 0x40
	}
	return append(append(b, o), p.Rest...)
}

func (p *PivotCapability) Fields(v Variant) []Field {
	return appRestField([]Field{
		Enum("Pivot possible indicator", "pivot_possible", uint64(p.PivotPossible), appPivotPossibleNames, ""),
		Flag("Interworking to redirection indicator", "itwi", p.InterworkingToRedirectionProhibited, appYesNo(p.InterworkingToRedirectionProhibited, "allowed (forward)", "not allowed (forward)"), ""),
	}, p.Rest)
}

var appPivotRoutingNames = Names{
	0: "no indication", 1: "pivot request", 2: "cancel pivot request", 3: "pivot request failure",
	4: "interworking to redirection prohibited (backward) (national use)",
}

// PivotRoutingIndicators is the pivot routing indicators parameter
// (Q.763 §3.85).
type PivotRoutingIndicators struct {
	Indicator uint8 // bits 7-1
	Rest      []byte
}

func (*PivotRoutingIndicators) Code() ParamCode { return ParamPivotRoutingIndicators }

func (p *PivotRoutingIndicators) DecodeParam(data []byte, v Variant) error {
	o, rest, err := appExtOctet(ParamPivotRoutingIndicators, data)
	if err != nil {
		return err
	}
	*p = PivotRoutingIndicators{Indicator: o & 0x7f, Rest: rest}
	return nil
}

func (p *PivotRoutingIndicators) AppendParam(b []byte, v Variant) []byte {
	return append(append(b, q931ExtBit(p.Rest)|p.Indicator&0x7f), p.Rest...)
}

func (p *PivotRoutingIndicators) Fields(v Variant) []Field {
	return appRestField([]Field{Enum("Pivot routing indicators", "pivot_routing_indicators", uint64(p.Indicator), appPivotRoutingNames, "")}, p.Rest)
}

var (
	appLPRINames      = Names{0: "presentation allowed", 1: "presentation restricted", 2: "location not available"}
	appScreeningNames = Names{0: "user provided, not verified", 1: "user provided, verified and passed", 2: "user provided, verified and failed", 3: "network provided"}
	appShapeNames     = Names{
		0: "ellipsoid point", 1: "ellipsoid point with uncertainty", 2: "point with altitude and uncertainty",
		3: "ellipse on the ellipsoid", 4: "ellipsoid circle sector", 5: "polygon",
	}
)

// CallingGeodeticLocation is the calling geodetic location parameter
// (Q.763 §3.88). The shape description is kept as octets.
type CallingGeodeticLocation struct {
	Spare                  uint8 // octet 1 bits 8-5
	PresentationRestricted uint8 // LPRI, octet 1 bits 4-3
	Screening              uint8 // octet 1 bits 2-1
	// HasShape reports octet 2; it is absent when the location is not
	// available.
	HasShape    bool
	TypeOfShape uint8 // octet 2 bits 7-1
	ShapeExt    []byte
	Shape       []byte // shape description (aliases the input)
}

func (*CallingGeodeticLocation) Code() ParamCode { return ParamCallingGeodeticLocation }

func (g *CallingGeodeticLocation) DecodeParam(data []byte, v Variant) error {
	const c = ParamCallingGeodeticLocation
	*g = CallingGeodeticLocation{}
	if err := needLen(c, data, 1); err != nil {
		return err
	}
	g.Spare, g.PresentationRestricted, g.Screening = data[0]>>4, getBits(data[0], 2, 2), data[0]&3
	if len(data) == 1 {
		return nil
	}
	ext, off, err := q931Group(c, data, 1, "octet 2")
	if err != nil {
		return err
	}
	g.HasShape, g.TypeOfShape, g.ShapeExt, g.Shape = true, data[1]&0x7f, ext, data[off:]
	return nil
}

func (g *CallingGeodeticLocation) AppendParam(b []byte, v Variant) []byte {
	b = append(b, g.Spare<<4|(g.PresentationRestricted&3)<<2|g.Screening&3)
	if !g.HasShape {
		return b
	}
	b = append(b, q931ExtBit(g.ShapeExt)|g.TypeOfShape&0x7f)
	return append(append(b, g.ShapeExt...), g.Shape...)
}

// tshark 4.0 shows this parameter as raw octets, hence no WS names.
func (g *CallingGeodeticLocation) Fields(v Variant) []Field {
	out := []Field{
		Enum("Location presentation restricted indicator", "lpri", uint64(g.PresentationRestricted), appLPRINames, ""),
		Enum("Screening indicator", "screening", uint64(g.Screening), appScreeningNames, ""),
	}
	if g.HasShape {
		out = append(out, Enum("Type of shape", "type_of_shape", uint64(g.TypeOfShape), appShapeNames, ""))
		if len(g.ShapeExt) > 0 {
			out = append(out, Octets("Type of shape extension", "type_of_shape_ext", g.ShapeExt, ""))
		}
		out = append(out, Octets("Shape description", "shape_description", g.Shape, ""))
	}
	return out
}

var (
	appHTRNAINames = Names{1: "subscriber number (national use)", 2: "unknown (national use)", 3: "national (significant) number", 4: "international number"}
	appNPINames    = Names{1: "ISDN (Telephony) numbering plan (E.164)", 3: "data numbering plan (X.121) (national use)", 4: "telex numbering plan (F.69) (national use)", 5: "private numbering plan (national use)"}
)

// HTRInformation is the HTR (hard to reach) information parameter (Q.763
// §3.89): a number, coded like the other ISUP numbers.
type HTRInformation struct {
	NAI    uint8 // octet 1 bits 7-1
	NPI    uint8 // octet 2 bits 7-5
	Spare2 uint8 // octet 2 bit 8 and bits 4-1 as received
	Digits Digits
}

func (*HTRInformation) Code() ParamCode { return ParamHTRInformation }

func (h *HTRInformation) DecodeParam(data []byte, v Variant) error {
	if err := needLen(ParamHTRInformation, data, 2); err != nil {
		return err
	}
	*h = HTRInformation{NAI: data[0] & 0x7f, NPI: getBits(data[1], 4, 3), Spare2: data[1] & 0x8f,
		Digits: Digits{BCD: data[2:], Odd: data[0]&0x80 != 0}}
	return nil
}

func (h *HTRInformation) AppendParam(b []byte, v Variant) []byte {
	o := h.NAI & 0x7f
	if h.Digits.Odd {
		o |= 0x80
	}
	b = append(b, o, h.Spare2&0x8f|(h.NPI&7)<<4)
	return append(b, h.Digits.BCD...)
}

// Address returns the HTR digits.
func (h *HTRInformation) Address() string { return h.Digits.String() }

func (h *HTRInformation) Fields(v Variant) []Field {
	return []Field{
		Flag("Odd/even indicator", "odd", h.Digits.Odd, "", ""),
		Enum("Nature of address indicator", "nai", uint64(h.NAI), appHTRNAINames, ""),
		Enum("Numbering plan indicator", "npi", uint64(h.NPI), appNPINames, ""),
		Str("Address signals", "digits", h.Digits.String(), ""),
	}
}

// QueryOnReleaseCapability is the query on release capability parameter
// (Q.763 §3.91).
type QueryOnReleaseCapability struct {
	QoRSupport bool  // bit 1
	Spare      uint8 // bits 7-2
	Rest       []byte
}

func (*QueryOnReleaseCapability) Code() ParamCode { return ParamQueryOnReleaseCapability }

func (q *QueryOnReleaseCapability) DecodeParam(data []byte, v Variant) error {
	o, rest, err := appExtOctet(ParamQueryOnReleaseCapability, data)
	if err != nil {
		return err
	}
	*q = QueryOnReleaseCapability{QoRSupport: o&1 != 0, Spare: getBits(o, 1, 6), Rest: rest}
	return nil
}

func (q *QueryOnReleaseCapability) AppendParam(b []byte, v Variant) []byte {
	o := q931ExtBit(q.Rest) | (q.Spare&0x3f)<<1
	if q.QoRSupport {
		o |= 1
	}
	return append(append(b, o), q.Rest...)
}

func (q *QueryOnReleaseCapability) Fields(v Variant) []Field {
	return appRestField([]Field{Flag("QoR capability indicator", "qor_capability", q.QoRSupport, appYesNo(q.QoRSupport, "no indication", "QoR support"), "")}, q.Rest)
}

// appStatus is the layout shared by pivot status (§3.92) and redirect
// status (§3.98): a 2-bit status in an octet with an extension bit.
type appStatus struct {
	Status uint8 // bits 2-1
	Spare  uint8 // bits 7-3
	Rest   []byte
}

func (s *appStatus) decode(c ParamCode, data []byte) error {
	o, rest, err := appExtOctet(c, data)
	if err != nil {
		return err
	}
	*s = appStatus{Status: o & 3, Spare: getBits(o, 2, 5), Rest: rest}
	return nil
}

func (s *appStatus) appendTo(b []byte) []byte {
	return append(append(b, q931ExtBit(s.Rest)|(s.Spare&0x1f)<<2|s.Status&3), s.Rest...)
}

// PivotStatus is the pivot status parameter (Q.763 §3.92).
type PivotStatus struct{ appStatus }

func (*PivotStatus) Code() ParamCode { return ParamPivotStatus }
func (p *PivotStatus) DecodeParam(data []byte, v Variant) error {
	return p.decode(ParamPivotStatus, data)
}
func (p *PivotStatus) AppendParam(b []byte, v Variant) []byte { return p.appendTo(b) }
func (p *PivotStatus) Fields(v Variant) []Field {
	return appRestField([]Field{Enum("Pivot status indicator", "pivot_status", uint64(p.Status),
		Names{0: "not used", 1: "acknowledgment of pivot routing", 2: "pivot routing will not be invoked"}, "")}, p.Rest)
}

// RedirectStatus is the redirect status parameter (Q.763 §3.98).
type RedirectStatus struct{ appStatus }

func (*RedirectStatus) Code() ParamCode { return ParamRedirectStatus }
func (r *RedirectStatus) DecodeParam(data []byte, v Variant) error {
	return r.decode(ParamRedirectStatus, data)
}
func (r *RedirectStatus) AppendParam(b []byte, v Variant) []byte { return r.appendTo(b) }
func (r *RedirectStatus) Fields(v Variant) []Field {
	return appRestField([]Field{Enum("Redirect status indicator", "redirect_status", uint64(r.Status),
		Names{0: "not used", 1: "acknowledgment of redirection", 2: "redirection will not be invoked"}, "")}, r.Rest)
}

// PivotCounter is the pivot counter parameter (Q.763 §3.93).
type PivotCounter struct {
	Counter uint8 // bits 5-1
	Spare   uint8 // bits 8-6
}

func (*PivotCounter) Code() ParamCode { return ParamPivotCounter }

func (p *PivotCounter) DecodeParam(data []byte, v Variant) error {
	o, err := appOneOctet(ParamPivotCounter, data)
	if err != nil {
		return err
	}
	*p = PivotCounter{Counter: o & 0x1f, Spare: o >> 5}
	return nil
}

func (p *PivotCounter) AppendParam(b []byte, v Variant) []byte {
	return append(b, p.Spare<<5|p.Counter&0x1f)
}

func (p *PivotCounter) Fields(v Variant) []Field {
	return []Field{Uint("Pivot counter", "pivot_counter", uint64(p.Counter), "", "")}
}

// AppInfoElement is one {tag, length, value} element of the pivot routing
// and redirect forward/backward information parameters.
type AppInfoElement struct {
	Tag   uint8
	Value []byte // aliases the input
}

// appInfoList holds the information elements of Q.763 §3.94, §3.95,
// §3.99 and §3.100 as carried.
type appInfoList struct {
	Elements []byte
}

func (l *appInfoList) decode(c ParamCode, data []byte) error {
	if err := needLen(c, data, 2); err != nil {
		return err
	}
	for off := 0; off < len(data); {
		if off+2 > len(data) {
			return paramErr(c, ErrLength, off, "information element tag "+itoa(int(data[off]))+" has no length octet")
		}
		n := int(data[off+1])
		if off+2+n > len(data) {
			return paramErr(c, ErrLength, off+1, "information element length "+itoa(n)+" runs past the parameter")
		}
		off += 2 + n
	}
	l.Elements = data
	return nil
}

// Each calls yield for every information element.
func (l *appInfoList) Each(yield func(AppInfoElement) bool) {
	d := l.Elements
	for off := 0; off+2 <= len(d); {
		n := int(d[off+1])
		if off+2+n > len(d) {
			return
		}
		if !yield(AppInfoElement{Tag: d[off], Value: d[off+2 : off+2+n]}) {
			return
		}
		off += 2 + n
	}
}

// AppendAppInfoElement appends e in {tag, length, value} form.
func AppendAppInfoElement(b []byte, e AppInfoElement) []byte {
	return append(append(b, e.Tag, byte(len(e.Value))), e.Value...)
}

var appReasonNames = Names{
	0: "unknown/not available", 1: "service provider portability (national use)", 2: "reserved for location portability",
	3: "reserved for service portability",
}

func (l *appInfoList) fields(tags Names) []Field {
	var out []Field
	l.Each(func(e AppInfoElement) bool {
		name := tags.Of(uint64(e.Tag), "spare")
		g := Group(name, "information_element",
			Uint("Information type tag", "tag", uint64(e.Tag), name, ""),
			Uint("Length", "length", uint64(len(e.Value)), "", ""))
		switch {
		case appTagKind(name) == "duration" && len(e.Value) > 0 && len(e.Value) <= 2:
			d := uint64(e.Value[0])
			if len(e.Value) == 2 {
				d = d<<8 | uint64(e.Value[1])
			}
			g.Children = append(g.Children, Uint("Duration (seconds)", "duration", d, "", ""))
		case appTagKind(name) == "reason" && len(e.Value) > 0:
			g.Children = append(g.Children, Enum("Reason", "reason", uint64(e.Value[0]&0x7f), appReasonNames, ""))
			if len(e.Value) > 1 {
				g.Children = append(g.Children, Octets("Further octets", "value", e.Value[1:], ""))
			}
		default:
			g.Children = append(g.Children, Octets("Value", "value", e.Value, ""))
		}
		out = append(out, g)
		return true
	})
	return out
}

// appTagKind classifies an element name for fields: durations and
// reasons get a typed value.
func appTagKind(name string) string {
	switch name {
	case "Return to invoking exchange duration":
		return "duration"
	case "Invoking pivot reason", "Invoking redirect reason":
		return "reason"
	}
	return ""
}

var (
	appPRFITags = Names{1: "Return to invoking exchange possible", 2: "Return to invoking exchange call identifier", 3: "Performing pivot indicator", 4: "Invoking pivot reason"}
	appPRBITags = Names{1: "Return to invoking exchange duration", 2: "Return to invoking exchange call identifier", 3: "Invoking pivot reason"}
	appRFITags  = Names{1: "Return to invoking exchange possible", 2: "Return to invoking exchange call identifier", 3: "Performing redirect indicator", 4: "Invoking redirect reason"}
	appRBITags  = Names{1: "Return to invoking exchange duration", 2: "Return to invoking exchange call identifier", 3: "Invoking redirect reason"}
)

// PivotRoutingForwardInformation is Q.763 §3.94: a list of information
// elements.
type PivotRoutingForwardInformation struct{ appInfoList }

func (*PivotRoutingForwardInformation) Code() ParamCode { return ParamPivotRoutingForwardInformation }
func (p *PivotRoutingForwardInformation) DecodeParam(data []byte, v Variant) error {
	return p.decode(ParamPivotRoutingForwardInformation, data)
}
func (p *PivotRoutingForwardInformation) AppendParam(b []byte, v Variant) []byte {
	return append(b, p.Elements...)
}
func (p *PivotRoutingForwardInformation) Fields(v Variant) []Field { return p.fields(appPRFITags) }

// PivotRoutingBackwardInformation is Q.763 §3.95.
type PivotRoutingBackwardInformation struct{ appInfoList }

func (*PivotRoutingBackwardInformation) Code() ParamCode { return ParamPivotRoutingBackwardInfo }
func (p *PivotRoutingBackwardInformation) DecodeParam(data []byte, v Variant) error {
	return p.decode(ParamPivotRoutingBackwardInfo, data)
}
func (p *PivotRoutingBackwardInformation) AppendParam(b []byte, v Variant) []byte {
	return append(b, p.Elements...)
}
func (p *PivotRoutingBackwardInformation) Fields(v Variant) []Field { return p.fields(appPRBITags) }

// RedirectForwardInformation is Q.763 §3.99.
type RedirectForwardInformation struct{ appInfoList }

func (*RedirectForwardInformation) Code() ParamCode { return ParamRedirectForwardInformation }
func (r *RedirectForwardInformation) DecodeParam(data []byte, v Variant) error {
	return r.decode(ParamRedirectForwardInformation, data)
}
func (r *RedirectForwardInformation) AppendParam(b []byte, v Variant) []byte {
	return append(b, r.Elements...)
}
func (r *RedirectForwardInformation) Fields(v Variant) []Field { return r.fields(appRFITags) }

// RedirectBackwardInformation is Q.763 §3.100.
type RedirectBackwardInformation struct{ appInfoList }

func (*RedirectBackwardInformation) Code() ParamCode { return ParamRedirectBackwardInformation }
func (r *RedirectBackwardInformation) DecodeParam(data []byte, v Variant) error {
	return r.decode(ParamRedirectBackwardInformation, data)
}
func (r *RedirectBackwardInformation) AppendParam(b []byte, v Variant) []byte {
	return append(b, r.Elements...)
}
func (r *RedirectBackwardInformation) Fields(v Variant) []Field { return r.fields(appRBITags) }

var appNPStatusNames = Names{
	0: "no indication", 1: "number portability query not done for called number",
	2: "number portability query done for called number, non-ported called subscriber",
	3: "number portability query done for called number, ported called subscriber",
}

// NumberPortabilityForwardInformation is Q.763 §3.101.
type NumberPortabilityForwardInformation struct {
	Status uint8 // number portability status indicator, bits 4-1
	Spare  uint8 // bits 7-5
	Rest   []byte
}

func (*NumberPortabilityForwardInformation) Code() ParamCode {
	return ParamNumberPortabilityForwardInfo
}

func (n *NumberPortabilityForwardInformation) DecodeParam(data []byte, v Variant) error {
	o, rest, err := appExtOctet(ParamNumberPortabilityForwardInfo, data)
	if err != nil {
		return err
	}
	*n = NumberPortabilityForwardInformation{Status: o & 0x0f, Spare: getBits(o, 4, 3), Rest: rest}
	return nil
}

func (n *NumberPortabilityForwardInformation) AppendParam(b []byte, v Variant) []byte {
	return append(append(b, q931ExtBit(n.Rest)|(n.Spare&7)<<4|n.Status&0x0f), n.Rest...)
}

func (n *NumberPortabilityForwardInformation) Fields(v Variant) []Field {
	return appRestField([]Field{Enum("Number portability status indicator", "np_status", uint64(n.Status), appNPStatusNames, "")}, n.Rest)
}

// appOctets is a parameter whose format Q.763 leaves national or
// reserved: kept as octets.
type appOctets struct {
	Data []byte // aliases the input
}

func (o *appOctets) decode(c ParamCode, data []byte) error {
	if err := needLen(c, data, 1); err != nil {
		return err
	}
	o.Data = data
	return nil
}

// FreephoneIndicators is parameter 0x41, reserved in Q.763 (used in the
// 1992 edition); kept as octets.
type FreephoneIndicators struct{ appOctets }

func (*FreephoneIndicators) Code() ParamCode { return ParamFreephoneIndicators }
func (f *FreephoneIndicators) DecodeParam(data []byte, v Variant) error {
	return f.decode(ParamFreephoneIndicators, data)
}
func (f *FreephoneIndicators) AppendParam(b []byte, v Variant) []byte { return append(b, f.Data...) }
func (f *FreephoneIndicators) Fields(v Variant) []Field {
	return []Field{Octets("Freephone indicators", "octets", f.Data, "")}
}

// GenericReference is parameter 0x42, reserved in Q.763; kept as octets.
type GenericReference struct{ appOctets }

func (*GenericReference) Code() ParamCode { return ParamGenericReference }
func (g *GenericReference) DecodeParam(data []byte, v Variant) error {
	return g.decode(ParamGenericReference, data)
}
func (g *GenericReference) AppendParam(b []byte, v Variant) []byte { return append(b, g.Data...) }
func (g *GenericReference) Fields(v Variant) []Field {
	return []Field{Octets("Generic reference", "octets", g.Data, "")}
}

// ChargedPartyIdentification is Q.763 §3.75, whose format is national;
// kept as octets.
type ChargedPartyIdentification struct{ appOctets }

func (*ChargedPartyIdentification) Code() ParamCode { return ParamChargedPartyIdentification }
func (c *ChargedPartyIdentification) DecodeParam(data []byte, v Variant) error {
	return c.decode(ParamChargedPartyIdentification, data)
}
func (c *ChargedPartyIdentification) AppendParam(b []byte, v Variant) []byte {
	return append(b, c.Data...)
}
func (c *ChargedPartyIdentification) Fields(v Variant) []Field {
	return []Field{Octets("Charged party identification", "octets", c.Data, "")}
}

// CallTransferReference is Q.763 §3.17: the call transfer identity.
type CallTransferReference struct {
	Identity uint8
}

func (*CallTransferReference) Code() ParamCode { return ParamCallTransferReference }

func (c *CallTransferReference) DecodeParam(data []byte, v Variant) error {
	o, err := appOneOctet(ParamCallTransferReference, data)
	c.Identity = o
	return err
}

func (c *CallTransferReference) AppendParam(b []byte, v Variant) []byte {
	return append(b, c.Identity)
}

func (c *CallTransferReference) Fields(v Variant) []Field {
	return []Field{Uint("Call transfer identity", "call_transfer_identity", uint64(c.Identity), "", "isup.call_transfer_identity")}
}

// GVNSDigits is one of the digit strings of forward GVNS: an octet with the
// odd/even indicator, 3 further bits and a length indicator (octets of
// digits), then the BCD digits.
type GVNSDigits struct {
	Bits   uint8 // bits 7-5 of the first octet (spare; NPI for the TNRN)
	Digits Digits
}

func (g *GVNSDigits) decode(c ParamCode, data []byte, off int, what string) (int, error) {
	if off >= len(data) {
		return off, paramErr(c, ErrLength, off, what+" missing")
	}
	n := int(data[off] & 0x0f)
	if off+1+n > len(data) {
		return off, paramErr(c, ErrLength, off, what+" length "+itoa(n)+" runs past the parameter")
	}
	*g = GVNSDigits{Bits: getBits(data[off], 4, 3), Digits: Digits{BCD: data[off+1 : off+1+n], Odd: data[off]&0x80 != 0}}
	return off + 1 + n, nil
}

func (g *GVNSDigits) appendTo(b []byte) []byte {
	o := (g.Bits&7)<<4 | byte(len(g.Digits.BCD))&0x0f
	if g.Digits.Odd {
		o |= 0x80
	}
	return append(append(b, o), g.Digits.BCD...)
}

// ForwardGVNS is the forward GVNS parameter (Q.763 §3.66): originating
// participating service provider (OPSP), GVNS user group (GUG) and the
// terminating network routing number (TNRN), each introduced by an octet
// with an odd/even bit and a length indicator. The TNRN is kept as
// carried (its header octet included) and shown by Fields.
type ForwardGVNS struct {
	OPSP GVNSDigits
	GUG  GVNSDigits
	TNRN []byte // aliases the input; nil when absent
}

func (*ForwardGVNS) Code() ParamCode { return ParamForwardGVNS }

func (f *ForwardGVNS) DecodeParam(data []byte, v Variant) error {
	const c = ParamForwardGVNS
	*f = ForwardGVNS{}
	off, err := f.OPSP.decode(c, data, 0, "OPSP")
	if err != nil {
		return err
	}
	if off, err = f.GUG.decode(c, data, off, "GUG"); err != nil {
		return err
	}
	if off == len(data) {
		return nil
	}
	if n := int(data[off] & 0x0f); off+1+n != len(data) {
		return paramErr(c, ErrLength, off, "TNRN length indicator "+itoa(n)+" does not match the "+itoa(len(data)-off-1)+" octets left")
	}
	f.TNRN = data[off:]
	return nil
}

func (f *ForwardGVNS) AppendParam(b []byte, v Variant) []byte {
	return append(f.GUG.appendTo(f.OPSP.appendTo(b)), f.TNRN...)
}

func (f *ForwardGVNS) Fields(v Variant) []Field {
	out := []Field{
		Str("Originating participating service provider", "opsp", f.OPSP.Digits.String(), ""),
		Str("GVNS user group", "gug", f.GUG.Digits.String(), ""),
	}
	if len(f.TNRN) == 0 {
		return out
	}
	t := f.TNRN
	out = append(out, Enum("TNRN numbering plan indicator", "tnrn_npi", uint64(getBits(t[0], 4, 3)), appNPINames, ""))
	if len(t) > 1 {
		d := Digits{BCD: t[2:], Odd: t[0]&0x80 != 0}
		out = append(out,
			Uint("TNRN nature of address indicator", "tnrn_nai", uint64(t[1]&0x7f), "", ""),
			Str("Terminating network routing number", "tnrn", d.String(), ""))
	}
	return out
}

// BackwardGVNS is Q.763 §3.62: the terminating access indicator.
type BackwardGVNS struct {
	TerminatingAccess uint8 // bits 2-1
	Spare             uint8 // bits 7-3
	Rest              []byte
}

func (*BackwardGVNS) Code() ParamCode { return ParamBackwardGVNS }

func (g *BackwardGVNS) DecodeParam(data []byte, v Variant) error {
	o, rest, err := appExtOctet(ParamBackwardGVNS, data)
	if err != nil {
		return err
	}
	*g = BackwardGVNS{TerminatingAccess: o & 3, Spare: getBits(o, 2, 5), Rest: rest}
	return nil
}

func (g *BackwardGVNS) AppendParam(b []byte, v Variant) []byte {
	return append(append(b, q931ExtBit(g.Rest)|(g.Spare&0x1f)<<2|g.TerminatingAccess&3), g.Rest...)
}

func (g *BackwardGVNS) Fields(v Variant) []Field {
	return appRestField([]Field{Enum("Terminating access indicator", "terminating_access", uint64(g.TerminatingAccess),
		Names{0: "no information", 1: "dedicated terminating access", 2: "switched terminating access"}, "")}, g.Rest)
}

var appRedirectPossibleNames = Names{
	0: "not used", 1: "redirect possible before ACM", 2: "redirect possible before ANM",
	3: "redirect possible at any time during the call",
}

// RedirectCapability is Q.763 §3.96 (national use). tshark treats its
// format as a national matter, hence no WS name.
type RedirectCapability struct {
	RedirectPossible uint8 // bits 3-1
	Spare            uint8 // bits 7-4
	Rest             []byte
}

func (*RedirectCapability) Code() ParamCode { return ParamRedirectCapability }

func (r *RedirectCapability) DecodeParam(data []byte, v Variant) error {
	o, rest, err := appExtOctet(ParamRedirectCapability, data)
	if err != nil {
		return err
	}
	*r = RedirectCapability{RedirectPossible: o & 7, Spare: getBits(o, 3, 4), Rest: rest}
	return nil
}

func (r *RedirectCapability) AppendParam(b []byte, v Variant) []byte {
	return append(append(b, q931ExtBit(r.Rest)|(r.Spare&0x0f)<<3|r.RedirectPossible&7), r.Rest...)
}

func (r *RedirectCapability) Fields(v Variant) []Field {
	return appRestField([]Field{Enum("Redirect possible indicator", "redirect_possible", uint64(r.RedirectPossible), appRedirectPossibleNames, "")}, r.Rest)
}

// CCNRPossibleIndicator is Q.763 §3.83.
type CCNRPossibleIndicator struct {
	Possible bool  // bit 1
	Spare    uint8 // bits 8-2
}

func (*CCNRPossibleIndicator) Code() ParamCode { return ParamCCNRPossibleIndicator }

func (c *CCNRPossibleIndicator) DecodeParam(data []byte, v Variant) error {
	o, err := appOneOctet(ParamCCNRPossibleIndicator, data)
	*c = CCNRPossibleIndicator{Possible: o&1 != 0, Spare: o >> 1}
	return err
}

func (c *CCNRPossibleIndicator) AppendParam(b []byte, v Variant) []byte {
	o := c.Spare << 1
	if c.Possible {
		o |= 1
	}
	return append(b, o)
}

func (c *CCNRPossibleIndicator) Fields(v Variant) []Field {
	return []Field{Flag("CCNR possible indicator", "ccnr_possible", c.Possible, appYesNo(c.Possible, "CCNR not possible", "CCNR possible"), "")}
}
