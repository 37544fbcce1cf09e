package mapping

import (
	"strconv"

	"github.com/emiago/sipgo/sip"
	"github.com/sipgw/sipgw/isup"
)

// Invite holds the INVITE fields the mapping reads and writes. The
// Request-URI is a sip.Uri (sipgo parses it correctly; its number is read
// with NumberOfSipURI); the address headers are kept as their values for
// the parsers of this package.
type Invite struct {
	RequestURI  sip.Uri
	From, To    string   // header values (From/To tags are the dialog's, not ours)
	PAI         []string // P-Asserted-Identity values
	Privacy     string
	MaxForwards int // -1: absent
	Diversion   []string
	HistoryInfo []string
}

// InviteFromRequest reads the mapped fields of a sipgo request.
func InviteFromRequest(req *sip.Request) Invite {
	inv := Invite{RequestURI: req.Recipient, MaxForwards: -1}
	if h := req.From(); h != nil {
		inv.From = h.Value()
	}
	if h := req.To(); h != nil {
		inv.To = h.Value()
	}
	if h := req.MaxForwards(); h != nil {
		inv.MaxForwards = int(h.Val())
	}
	for _, h := range req.GetHeaders("P-Asserted-Identity") {
		inv.PAI = append(inv.PAI, h.Value())
	}
	if h := req.GetHeader("Privacy"); h != nil {
		inv.Privacy = h.Value()
	}
	for _, h := range req.GetHeaders("Diversion") {
		inv.Diversion = append(inv.Diversion, h.Value())
	}
	for _, h := range req.GetHeaders("History-Info") {
		inv.HistoryInfo = append(inv.HistoryInfo, h.Value())
	}
	return inv
}

// NewRequest builds a sipgo INVITE carrying the mapped fields (the
// dialog layer adds Via, Call-ID, CSeq, tags and Contact).
func (inv *Invite) NewRequest() (*sip.Request, error) {
	req := sip.NewRequest(sip.INVITE, inv.RequestURI)
	var from sip.FromHeader
	disp, err := sip.ParseAddressValue(inv.From, &from.Address, &from.Params)
	if err != nil {
		return nil, err
	}
	from.DisplayName = disp
	req.AppendHeader(&from)
	var to sip.ToHeader
	disp, err = sip.ParseAddressValue(inv.To, &to.Address, &to.Params)
	if err != nil {
		return nil, err
	}
	to.DisplayName = disp
	req.AppendHeader(&to)
	if inv.MaxForwards >= 0 {
		mf := sip.MaxForwardsHeader(inv.MaxForwards)
		req.AppendHeader(&mf)
	}
	for _, v := range inv.PAI {
		req.AppendHeader(sip.NewHeader("P-Asserted-Identity", v))
	}
	if inv.Privacy != "" {
		req.AppendHeader(sip.NewHeader("Privacy", inv.Privacy))
	}
	for _, v := range inv.HistoryInfo {
		req.AppendHeader(sip.NewHeader("History-Info", v))
	}
	for _, v := range inv.Diversion {
		req.AppendHeader(sip.NewHeader("Diversion", v))
	}
	return req, nil
}

// Change is one field the gateway changed in an IAM it took as a base.
type Change struct {
	Param isup.ParamCode
	Why   string
}

// IAMResult is an IAM built from an INVITE.
type IAMResult struct {
	IAM *isup.Message
	// Changes lists what was changed in a base IAM (SIP-I), with the
	// reason; empty when built from scratch.
	Changes []Change
}

// calledNumber reads the called party number from the Request-URI (or To).
func (t *Trunk) calledNumber(inv *Invite) (isup.CalledPartyNumber, error) {
	var tn TelNumber
	var err error
	if t.Config.IAM.CalledFromTo {
		var na NameAddr
		if na, err = ParseNameAddr(inv.To); err == nil {
			var u URI
			if u, err = ParseURI(na.URI); err == nil {
				tn, err = u.Number(t.Config.Numbering.StrictUserPhone)
			}
		}
	} else {
		tn, err = NumberOfSipURI(&inv.RequestURI, t.Config.Numbering.StrictUserPhone)
	}
	if err != nil {
		return isup.CalledPartyNumber{}, err
	}
	return t.Config.Numbering.CalledPartyNumber(tn)
}

// BuildIAM maps an INVITE to an IAM.
//
// Without base it builds the IAM from the INVITE and the trunk's defaults
// (interworking notes §6): NCI (satellite, no continuity check, echo
// control as configured), FCI (national, interworking encountered, ISUP
// preferred all the way), CPC from cpc= or 10, TMR 3.1 kHz, called party
// number from the Request-URI, calling party number and additional
// calling party number from PAI/From/Privacy, redirection from
// History-Info or Diversion, hop counter from Max-Forwards.
//
// With base (the IAM encapsulated in a SIP-I INVITE) the outgoing IAM is
// a copy of it, so that every parameter survives end to end (Q.1912.5
// profile C), changed only where it must be; Changes says where and why.
func (t *Trunk) BuildIAM(inv *Invite, base *isup.Message) (IAMResult, error) {
	cd, err := t.calledNumber(inv)
	if err != nil {
		return IAMResult{}, err
	}
	if base != nil && base.Type == isup.IAM {
		return t.transitIAM(inv, base, &cd)
	}
	m := isup.New(t.Variant, isup.IAM, 0)
	m.Params = make([]isup.Param, 0, 12)
	d := &t.Config.IAM
	m.Set(&isup.NatureOfConnectionIndicators{Satellite: uint8(d.Satellite), EchoControlDevice: d.EchoControl})
	m.Set(&isup.ForwardCallIndicators{International: d.International, Interworking: true, ISUPPreference: uint8(d.ISUPPreference), ISDNAccess: d.ISDNAccess})
	id, err := CallingFromSIP(inv.PAI, inv.From, inv.Privacy, &t.Config.Numbering, &t.Config.Identity)
	if err != nil {
		return IAMResult{}, err
	}
	cpc := t.cpc
	if id.HasCPC {
		cpc = id.CPC
	}
	m.Set(&cpc)
	m.Set(&isup.TransmissionMediumRequirement{Medium: t.tmr})
	m.Set(&cd)
	if id.HasCalling {
		m.Set(&id.Calling)
	}
	red, err := t.redirectionFromSIP(inv)
	if err != nil {
		return IAMResult{}, err
	}
	if red.HasRedirecting {
		m.Set(&red.Redirecting)
	}
	if red.HasOriginalCalled {
		m.Set(&red.OriginalCalled)
	}
	if red.HasInfo {
		m.Set(&red.Info)
	}
	if id.HasAdditional {
		m.AddOptional(isup.ParamGenericNumber, id.Additional.AppendParam(nil, t.Variant))
	}
	if inv.MaxForwards >= 0 && !t.Config.IAM.NoHopCounter {
		h := t.Config.Hop.HopCounter(inv.MaxForwards)
		m.Set(&h)
	}
	return IAMResult{IAM: m}, nil
}

func (t *Trunk) redirectionFromSIP(inv *Invite) (Redirection, error) {
	// History-Info is the standard's carrier (RFC 7044); Diversion is read
	// when it is the only one present.
	if len(inv.HistoryInfo) > 0 {
		r, err := RedirectionFromHistoryInfo(inv.HistoryInfo, &t.Config.Numbering)
		if err != nil || r.HasRedirecting || len(inv.Diversion) == 0 {
			return r, err
		}
	}
	if len(inv.Diversion) > 0 {
		return RedirectionFromDiversion(inv.Diversion, &t.Config.Numbering)
	}
	return Redirection{}, nil
}

// transitIAM copies base and changes what the SIP leg changed:
//
//   - the called party number when the Request-URI's number differs: a
//     proxy retargeted the request and the Request-URI prevails
//     (Q.1912.5 §6.1.1, RFC 3398 §7.1.x);
//   - the hop counter, decremented for this exchange (Q.764 §2.1.x, hop
//     counter procedure) and lowered to what Max-Forwards leaves;
//   - a continuity check "required on this circuit": the SIP leg had no
//     circuit to check, so the outgoing IAM says not required (the
//     incoming side's COT never arrives over SIP).
//
// Everything else, unknown parameters included, is kept byte for byte.
func (t *Trunk) transitIAM(inv *Invite, base *isup.Message, cd *isup.CalledPartyNumber) (IAMResult, error) {
	m := &isup.Message{Variant: base.Variant, Type: isup.IAM, CIC: base.CIC, Params: make([]isup.Param, len(base.Params), len(base.Params)+2)}
	copy(m.Params, base.Params)
	m.OptionalPresent = base.OptionalPresent
	var res IAMResult
	var old isup.CalledPartyNumber
	if ok, err := base.Get(&old); !ok || err != nil || old.NAI != cd.NAI || !old.Digits.Equal(cd.Digits) {
		m.Set(cd)
		res.Changes = append(res.Changes, Change{isup.ParamCalledPartyNumber, "Request-URI number differs from the encapsulated called party number (retargeted): the Request-URI prevails (Q.1912.5 §6.1.1)"})
	}
	var h isup.HopCounter
	if ok, err := base.Get(&h); ok && err == nil {
		n := int(h.Count)
		if n > 0 {
			n--
		}
		if inv.MaxForwards >= 0 {
			n = min(n, int(t.Config.Hop.HopCounter(inv.MaxForwards).Count))
		}
		h.Count = uint8(n)
		m.Set(&h)
		res.Changes = append(res.Changes, Change{isup.ParamHopCounter, "decremented for this exchange and bounded by Max-Forwards (Q.764 hop counter procedure, Q.1912.5 §6.1.x)"})
	}
	var nci isup.NatureOfConnectionIndicators
	if ok, err := base.Get(&nci); ok && err == nil && nci.ContinuityCheck == 1 {
		nci.ContinuityCheck = 0
		m.Set(&nci)
		res.Changes = append(res.Changes, Change{isup.ParamNatureOfConnectionIndicators, "continuity check required on a circuit the SIP leg does not have: not required (Q.764 §2.1.8)"})
	}
	res.IAM = m
	return res, nil
}

// InviteFromIAM maps an IAM to the fields of an INVITE (Q.1912.5 §7.1,
// RFC 3398 §8.1): Request-URI and To from the called party number; From,
// P-Asserted-Identity and Privacy from the calling party number, the
// additional calling party number and the category (cpc=); History-Info
// and/or Diversion from the redirection parameters; Max-Forwards from the
// hop counter (70 without one).
func (t *Trunk) InviteFromIAM(iam *isup.Message) (Invite, error) {
	inv := Invite{MaxForwards: 70}
	num := &t.Config.Numbering
	var cd isup.CalledPartyNumber
	if ok, err := iam.Get(&cd); !ok || err != nil {
		if err == nil {
			err = &NumberError{Offset: -1, Err: ErrNoNumber}
		}
		return inv, err
	}
	tn, ok := num.SIPNumber((*isup.Number)(&cd))
	if !ok {
		return inv, &NumberError{Number: cd.Digits.String(), Offset: -1, Err: ErrBadDigit}
	}
	ruri := num.URI(tn)
	if err := sip.ParseUri(ruri, &inv.RequestURI); err != nil {
		return inv, err
	}
	inv.To = "<" + ruri + ">"
	var cg isup.CallingPartyNumber
	var cgp *isup.CallingPartyNumber
	if ok, err := iam.Get(&cg); ok && err == nil {
		cgp = &cg
	}
	var gnp *isup.GenericNumber
	for i := range iam.Params {
		p := &iam.Params[i]
		if p.Code != isup.ParamGenericNumber {
			continue
		}
		var gn isup.GenericNumber
		if gn.DecodeParam(p.Data, iam.Variant) == nil && gn.Qualifier == isup.NQIAdditionalCalling {
			gnp = &gn
			break
		}
	}
	var cpc isup.CallingPartysCategory
	var cpcp *isup.CallingPartysCategory
	if ok, err := iam.Get(&cpc); ok && err == nil {
		cpcp = &cpc
	}
	id := IdentityFromISUP(cgp, gnp, cpcp, num, &t.Config.Identity)
	inv.From = id.From
	if id.PAI != "" {
		inv.PAI = []string{id.PAI}
	}
	inv.Privacy = id.Privacy
	var h isup.HopCounter
	if ok, err := iam.Get(&h); ok && err == nil {
		inv.MaxForwards = t.Config.Hop.MaxForwardsFor(h)
	}
	var r Redirection
	if ok, err := iam.Get(&r.Redirecting); ok && err == nil {
		r.HasRedirecting = true
	}
	if ok, err := iam.Get(&r.OriginalCalled); ok && err == nil {
		r.HasOriginalCalled = true
	}
	if ok, err := iam.Get(&r.Info); ok && err == nil {
		r.HasInfo = true
	}
	if r.HasRedirecting {
		switch t.Redirection {
		case RedirectHistoryInfo:
			inv.HistoryInfo = r.HistoryInfo(tn, num)
		case RedirectDiversion:
			inv.Diversion = r.Diversion(num)
		case RedirectBoth:
			inv.HistoryInfo = r.HistoryInfo(tn, num)
			inv.Diversion = r.Diversion(num)
		}
	}
	return inv, nil
}

// ---------------------------------------------------------------------------
// Backward messages: SIP responses → ISUP (the gateway sent the INVITE).

// CallProgress is what the gateway has sent backward on ISUP so far; the
// interworking state machine owns it and passes it in.
type CallProgress struct {
	ACMSent bool
}

// ISUPForResponse maps a SIP response of the INVITE to the backward ISUP
// message (nil when none is sent):
//
//   - first 180 → ACM, called party's status subscriber free;
//   - first 183 → ACM, status no indication, with the in-band information
//     indicator when it brings early media (SDP or P-Early-Media), per
//     the trunk's 183 policy;
//   - later 180 → CPG alerting; later 183 → CPG in-band information (early
//     media) or progress;
//   - 200 → ANM after an ACM, else CON (answer without ACM);
//   - 3xx–6xx → REL with the cause of the trunk's profile (Reason and an
//     encapsulated REL win; see Table.ReleaseForResponse).
//
// BCIs code interworking encountered (notes §6). warning, reason and
// encREL are used for final responses only.
func (t *Trunk) ISUPForResponse(st CallProgress, status int, hasSDP, pEarlyMedia bool, warning int, reason string, encREL *isup.Message) (*isup.Message, error) {
	earlyMedia := hasSDP || pEarlyMedia
	switch {
	case status == 180:
		if st.ACMSent {
			return t.cpg(isup.EventAlerting), nil
		}
		return t.acm(isup.SubscriberFree, false), nil
	case status == 183:
		if st.ACMSent {
			if earlyMedia {
				return t.cpg(isup.EventInBandInformation), nil
			}
			return t.cpg(isup.EventProgress), nil
		}
		switch t.EarlyMedia {
		case EarlyACMNever:
			return nil, nil
		case EarlyACMWithPEarlyMedia:
			if !pEarlyMedia {
				return nil, nil
			}
		}
		return t.acm(isup.CalledStatusNoIndication, earlyMedia), nil
	case status >= 200 && status < 300:
		if st.ACMSent {
			m := isup.New(t.Variant, isup.ANM, 0)
			m.Set(&isup.BackwardCallIndicators{Interworking: true})
			return m, nil
		}
		m := isup.New(t.Variant, isup.CON, 0)
		m.Set(&isup.BackwardCallIndicators{Charge: t.charge, Interworking: true})
		return m, nil
	case status >= 300 && status <= 699:
		s := status
		if s < 400 {
			// A redirection the gateway does not follow is a failure;
			// RFC 3398 lists no 3xx row, so it is mapped as 480 (deployed
			// practice, overridable through the 480 row).
			s = 480
		}
		rel, ok := t.Causes.ReleaseForResponse(s, warning, reason, encREL)
		if !ok {
			return nil, nil
		}
		return t.REL(rel.Cause), nil
	}
	return nil, nil
}

func (t *Trunk) acm(status isup.CalledPartysStatus, inBand bool) *isup.Message {
	m := isup.New(t.Variant, isup.ACM, 0)
	m.Set(&isup.BackwardCallIndicators{Charge: t.charge, CalledStatus: status, Interworking: true})
	if inBand {
		m.Set(&isup.OptionalBackwardCallIndicators{InBandInformation: true})
	}
	return m
}

func (t *Trunk) cpg(ev isup.EventIndicator) *isup.Message {
	m := isup.New(t.Variant, isup.CPG, 0)
	m.Set(&isup.EventInformation{Event: ev})
	if ev == isup.EventInBandInformation {
		m.Set(&isup.OptionalBackwardCallIndicators{InBandInformation: true})
	}
	return m
}

// REL builds a release message with cause ci.
func (t *Trunk) REL(ci isup.CauseIndicators) *isup.Message {
	m := isup.New(t.Variant, isup.REL, 0)
	m.Set(&ci)
	return m
}

// ---------------------------------------------------------------------------
// Backward messages: ISUP → SIP responses (the gateway sent the IAM).

// Response is the SIP response for a backward ISUP message.
type Response struct {
	Status int // 0: nothing to send
	// EarlyMedia asks for SDP in a 183 (in-band tones or announcements).
	EarlyMedia bool
	// Reason is the Reason header value for a final response from REL.
	Reason string
	// Contact is the Contact URI of a 301 (cause 22 with a new number).
	Contact string
	// ByeOrCancel is set for cause 16: end the dialog with BYE or CANCEL,
	// or answer Status if the INVITE is still pending.
	ByeOrCancel bool
}

// ResponseFor maps a backward ISUP message to the SIP response:
//
//   - ACM with in-band information available → 183 with early media;
//     called party's status subscriber free → 180; otherwise 183;
//   - CPG alerting → 180 (183 with media when in-band information is
//     indicated); progress or in-band information → 183; a forwarding
//     event (national use 4–6) → 181 Call Is Being Forwarded;
//   - ANM, CON → 200;
//   - REL → the status of the trunk's profile (special rows included),
//     with Reason: Q.850;cause=N;text="…" (RFC 3398 §7.2.4.1, RFC 3326).
func (t *Trunk) ResponseFor(m *isup.Message) (Response, error) {
	var obci isup.OptionalBackwardCallIndicators
	inBand := false
	if ok, err := m.Get(&obci); ok && err == nil {
		inBand = obci.InBandInformation
	}
	switch m.Type {
	case isup.ACM:
		var bci isup.BackwardCallIndicators
		if _, err := m.Get(&bci); err != nil {
			return Response{}, err
		}
		switch {
		case inBand:
			return Response{Status: 183, EarlyMedia: true}, nil
		case bci.CalledStatus == isup.SubscriberFree:
			return Response{Status: 180}, nil
		}
		return Response{Status: 183}, nil
	case isup.CPG:
		var ev isup.EventInformation
		if ok, err := m.Get(&ev); !ok || err != nil {
			if err == nil {
				err = &isup.Error{Type: isup.CPG, HasType: true, Param: isup.ParamEventInformation, HasParam: true, Err: isup.ErrMissingParam}
			}
			return Response{}, err
		}
		switch ev.Event {
		case isup.EventAlerting:
			if inBand {
				return Response{Status: 183, EarlyMedia: true}, nil
			}
			return Response{Status: 180}, nil
		case isup.EventProgress:
			return Response{Status: 183, EarlyMedia: inBand}, nil
		case isup.EventInBandInformation:
			return Response{Status: 183, EarlyMedia: true}, nil
		case isup.EventForwardedOnBusy, isup.EventForwardedOnNoReply, isup.EventForwardedUnconditional:
			return Response{Status: 181}, nil
		}
		return Response{}, nil
	case isup.ANM, isup.CON:
		return Response{Status: 200}, nil
	case isup.REL:
		var ci isup.CauseIndicators
		if ok, err := m.Get(&ci); !ok || err != nil {
			if err == nil {
				err = &isup.Error{Type: isup.REL, HasType: true, Param: isup.ParamCauseIndicators, HasParam: true, Err: isup.ErrMissingParam}
			}
			return Response{}, err
		}
		var nn *isup.Number
		if ci.Value == isup.CauseNumberChanged {
			if n, ok := NewNumberFromREL(m, &ci); ok {
				nn = &n
			}
		}
		r := t.Causes.StatusFor(&ci, nn)
		out := Response{Status: r.Status, ByeOrCancel: r.Action == SendByeOrCancel}
		out.Reason = Q850Reason(&ci, t.Config.Backward.ReasonLocation).String()
		if r.HasContact {
			if tn, ok := t.Config.Numbering.SIPNumber(&r.Contact); ok {
				out.Contact = t.Config.Numbering.URI(tn)
			} else {
				out.Status = 410 // no usable number: plain "gone"
			}
		}
		return out, nil
	}
	return Response{}, nil
}

// String describes a response for logs.
func (r Response) String() string {
	s := strconv.Itoa(r.Status)
	if r.EarlyMedia {
		s += " with early media"
	}
	if r.Reason != "" {
		s += " Reason: " + r.Reason
	}
	return s
}
