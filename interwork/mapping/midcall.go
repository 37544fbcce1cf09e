package mapping

import (
	"strconv"

	"github.com/sipgw/sipgw/isup"
)

// Mid-call ISUP: the messages of end-to-end significance (interworking
// notes §1) that no SIP request or response of the call carries travel in
// INFO requests on SIP-I and SIP-T trunks (RFC 3372: SIP-T carries
// mid-call ISUP in INFO, the legacy INFO usage of RFC 2976 that RFC 6086
// keeps; Q.1912.5 profile C encapsulates every ISUP message it receives
// except those its §5.4.3 excludes, as 3GPP TS 29.235 §4.3.1.1 restates). A
// plain trunk has nowhere to put them: they end at the gateway, where
// Q.764 still runs their procedures on the gateway's own circuit (SUS
// network starts T6, RES stops it, INR starts T33 …).

// midCall lists the messages that ride in INFO: the end-to-end set of the
// notes minus IAM, ACM, CON, ANM, REL and RLC, which the INVITE, its
// responses and BYE/CANCEL carry. CPG rides in INFO only where no 18x maps
// it (after answer, or an event with no SIP status); SAM only after the
// INVITE went on a trunk without RFC 3578 INVITEs (the in-dialog overlap
// method, TS 29.163 §7.2.3.1.4C).
var midCall = [256]bool{
	isup.SAM: true, isup.FOT: true, isup.SUS: true, isup.RES: true, isup.FAR: true, isup.FAA: true,
	isup.FRJ: true, isup.CPG: true, isup.USR: true, isup.CFN: true, isup.NRM: true, isup.FAC: true,
	isup.INR: true, isup.INF: true, isup.IDR: true, isup.IRS: true, isup.LPR: true, isup.APM: true,
	isup.PRI: true,
}

// MidCall reports whether message type t is a mid-call message that rides
// in INFO on SIP-I/SIP-T trunks.
func MidCall(t isup.MessageType) bool { return midCall[t] }

// MidCallMode is a trunk's handling of mid-call ISUP messages.
type MidCallMode uint8

const (
	// MidCallInfo tunnels them in INFO (the default of SIP-I and SIP-T).
	MidCallInfo MidCallMode = iota
	// MidCallDrop ends them at the gateway (plain SIP always; a SIP-I or
	// SIP-T peer that answers INFO badly).
	MidCallDrop
)

var midCallNames = [...]string{"info", "drop"}

func (m MidCallMode) String() string {
	if int(m) < len(midCallNames) {
		return midCallNames[m]
	}
	return "MidCallMode(" + strconv.Itoa(int(m)) + ")"
}

// Tunnels reports whether the profile sends message type t in an INFO:
// SIP-I or SIP-T, mid_call info, and a mid-call message.
func (p SIPProfile) Tunnels(t isup.MessageType) bool {
	return p.Kind != Plain && p.MidCall == MidCallInfo && midCall[t]
}

// InfoAction is what the gateway does with an INFO request of a call.
type InfoAction uint8

const (
	// InfoNoISUP: the body carries no ISUP (another INFO usage, e.g. DTMF
	// relay, which the gateway does not take): 200, nothing on ISUP, as
	// for any INFO before.
	InfoNoISUP InfoAction = iota
	// InfoForward: 200, and Message goes on the call's circuit.
	InfoForward
	// InfoIgnore: 200, nothing on ISUP: an optional ISUP part the trunk
	// does not take (plain SIP, mid_call drop, another variant) or a
	// message that does not ride in INFO (Why says which).
	InfoIgnore
	// InfoReject: answer Status (400 malformed, 415 with Accept for a
	// required part the trunk cannot take); the call goes on.
	InfoReject
)

var infoActionNames = [...]string{"no ISUP", "forward", "ignore", "reject"}

func (a InfoAction) String() string {
	if int(a) < len(infoActionNames) {
		return infoActionNames[a]
	}
	return "InfoAction(" + strconv.Itoa(int(a)) + ")"
}

// InfoDecision is the decision on a received INFO's body.
type InfoDecision struct {
	Action InfoAction
	// Status and Accept answer an InfoReject.
	Status int
	Accept string
	// Message is the decoded mid-call message (InfoForward); its
	// parameters alias the body given.
	Message *isup.Message
	// Why explains InfoIgnore and InfoReject, for logs.
	Why string
}

// CheckInfo decides on the body of an INFO received in a call's dialog
// (contentType and disposition are the request's Content-Type and
// Content-Disposition):
//
//   - no body, or one that is neither application/ISUP nor multipart, or a
//     multipart without an ISUP part: InfoNoISUP (200);
//   - malformed framing, Content-Disposition, or an ISUP message that
//     does not decode: 400 (RFC 3261 §21.4.1), whatever the handling —
//     the body is wrong, not unsupported;
//   - a required ISUP part the trunk cannot take (plain SIP, another
//     variant, mid_call drop, or a message that does not ride in INFO):
//     415 with Accept (RFC 3204 §6, RFC 3261 §21.4.13); the same part with
//     handling=optional: InfoIgnore (200);
//   - otherwise InfoForward.
//
// Whether the call can forward the message now (SUS only on an answered
// call, SAM only before ACM …) is the call's decision.
func (t *Trunk) CheckInfo(contentType, disposition string, body []byte) InfoDecision {
	if contentType == "" && len(body) == 0 {
		return InfoDecision{Action: InfoNoISUP}
	}
	if ct := lowerPrefix(contentType); ct != "application/isup" && ct != "multipart/" {
		return InfoDecision{Action: InfoNoISUP}
	}
	dec, err := t.Profile.CheckBody(contentType, disposition, body)
	if err != nil {
		return InfoDecision{Action: InfoReject, Status: 400, Why: err.Error()}
	}
	part := dec.Parsed.ISUP()
	if part == nil {
		return InfoDecision{Action: InfoNoISUP}
	}
	reject := func(why string) InfoDecision {
		if part.Required() {
			return InfoDecision{Action: InfoReject, Status: 415, Accept: t.Profile.Accept(), Why: why}
		}
		return InfoDecision{Action: InfoIgnore, Why: why}
	}
	switch dec.Action {
	case Reject415:
		return InfoDecision{Action: InfoReject, Status: 415, Accept: dec.Accept, Why: dec.Why}
	case IgnoreISUP:
		return InfoDecision{Action: InfoIgnore, Why: dec.Why}
	case NoISUP:
		return InfoDecision{Action: InfoNoISUP}
	}
	m := new(isup.Message)
	if err := part.DecodeISUP(m); err != nil {
		return InfoDecision{Action: InfoReject, Status: 400, Why: err.Error()}
	}
	switch {
	case !midCall[m.Type]:
		return reject(m.Type.String() + " does not ride in INFO (its SIP request or response carries it, or it is hop by hop)")
	case t.Profile.MidCall != MidCallInfo:
		return reject("the trunk's mid_call is " + t.Profile.MidCall.String())
	}
	return InfoDecision{Action: InfoForward, Message: m}
}

// lowerPrefix returns "application/isup" or "multipart/" when content
// type s starts with it (case-insensitive), else "".
func lowerPrefix(s string) string {
	for _, p := range [...]string{"application/isup", "multipart/"} {
		if len(s) >= len(p) && equalFoldASCII(s[:len(p)], p) {
			return p
		}
	}
	return ""
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// ---------------------------------------------------------------------------
// Backward transparency: SIP-I/SIP-T responses carrying ACM, CPG, ANM, CON.

// BackwardFor maps a provisional or 2xx response of the INVITE the gateway
// sent to the backward ISUP message it sends, as ISUPForResponse does;
// when the response encapsulates a backward message enc (SIP-I/SIP-T: the
// far exchange's own ACM, CPG, ANM or CON), that message is the base of
// the one sent, so that its backward call indicators, optional backward
// call indicators, generic notification and every other parameter
// survive end to end — as the encapsulated IAM is the base of the IAM
// (Q.1912.5 profile C).
//
// The call's ISUP state decides the type (ACM before any ACM, CPG after;
// ANM after an ACM, CON before): enc of that type goes as it is, byte for
// byte; one of the other type of its class is converted by Transit. An
// encapsulated ACM or CPG also makes a 183 the trunk's policy would not
// map (acm_on_183 never / p-early-media) and a 181/182 send it: the far
// exchange did send it. enc of another class (an ANM in a 18x) is not
// used.
func (t *Trunk) BackwardFor(st CallProgress, status int, hasSDP, pEarlyMedia bool, enc *isup.Message) (*isup.Message, error) {
	mapped, err := t.ISUPForResponse(st, status, hasSDP, pEarlyMedia, 0, "", nil)
	if err != nil || enc == nil || status <= 100 || status >= 300 {
		return mapped, err
	}
	var want isup.MessageType
	switch {
	case status < 200 && (enc.Type == isup.ACM || enc.Type == isup.CPG):
		want = isup.ACM
		if st.ACMSent {
			want = isup.CPG
		}
	case status >= 200 && (enc.Type == isup.ANM || enc.Type == isup.CON):
		want = isup.CON
		if st.ACMSent {
			want = isup.ANM
		}
	default:
		return mapped, nil
	}
	if mapped == nil || mapped.Type != want {
		mapped = t.defaultBackward(want)
	}
	return Transit(want, mapped, enc), nil
}

// defaultBackward is the message of type want the gateway builds when
// SIP says nothing more (an ACM no indication, a CPG progress, an ANM, a
// CON).
func (t *Trunk) defaultBackward(want isup.MessageType) *isup.Message {
	switch want {
	case isup.ACM:
		return t.acm(isup.CalledStatusNoIndication, false)
	case isup.CPG:
		return t.cpg(isup.EventProgress)
	case isup.CON:
		m := isup.New(t.Variant, isup.CON, 0)
		m.Set(&isup.BackwardCallIndicators{Charge: t.charge, Interworking: true})
		return m
	}
	m := isup.New(t.Variant, isup.ANM, 0)
	m.Set(&isup.BackwardCallIndicators{Interworking: true})
	return m
}

// Transit returns the backward message of type want built on enc, the
// far exchange's message: a copy of enc when it has type want; otherwise
// mapped (the gateway's own message of type want) with enc's parameters
// laid over it — a parameter enc carries replaces the mapped one, in the
// section want's layout gives it (an ACM's backward call indicators become
// the optional ones of a CPG or ANM, an ANM's optional ones the mandatory
// ones of a CON), and a mandatory parameter of enc that want has no place
// for (a CPG's event information in an ACM) is left out. The result owns
// its memory.
func Transit(want isup.MessageType, mapped, enc *isup.Message) *isup.Message {
	if enc.Type == want {
		return copyMessage(enc, want)
	}
	out := copyMessage(mapped, want)
	wl := isup.LayoutOf(out.Variant, want)
	for _, p := range enc.Params {
		mandatoryInEnc := p.Section != isup.Optional
		mandatoryInWant := wl != nil && sectionOf(wl, p.Code) != isup.Optional
		switch {
		case mandatoryInWant && !fitsFixed(wl, p.Code, len(p.Data)):
			// An optional parameter of enc of the wrong length for want's
			// fixed slot (an empty backward call indicators in a CPG, found
			// by FuzzBackwardFor): the mapped value stays, so the message
			// still encodes.
		case mandatoryInWant:
			out.SetRaw(p.Code, clone(p.Data))
		case mandatoryInEnc && p.Code != isup.ParamBackwardCallIndicators:
			// Q.763: the backward call indicators may ride as an optional
			// parameter of CPG and ANM; the event information of a CPG has
			// no place in an ACM, ANM or CON.
		default:
			out.Remove(p.Code)
		}
	}
	for _, p := range enc.Params {
		if wl != nil && sectionOf(wl, p.Code) != isup.Optional {
			continue
		}
		if p.Section != isup.Optional && p.Code != isup.ParamBackwardCallIndicators {
			continue
		}
		out.AddOptional(p.Code, clone(p.Data))
	}
	return out
}

// fitsFixed says whether n octets fit parameter c of layout l: the fixed
// length of a mandatory fixed parameter, anything for the others.
func fitsFixed(l *isup.Layout, c isup.ParamCode, n int) bool {
	for _, s := range l.Fixed {
		if s.Code == c {
			return s.Len == n
		}
	}
	return true
}

// sectionOf is the section of parameter c in layout l.
func sectionOf(l *isup.Layout, c isup.ParamCode) isup.Section {
	for _, s := range l.Fixed {
		if s.Code == c {
			return isup.Fixed
		}
	}
	for _, v := range l.Variable {
		if v == c {
			return isup.Variable
		}
	}
	return isup.Optional
}

// copyMessage copies m as a message of type typ, parameters and their
// octets included.
func copyMessage(m *isup.Message, typ isup.MessageType) *isup.Message {
	out := &isup.Message{Variant: m.Variant, Type: typ, OptionalPresent: m.OptionalPresent, Params: make([]isup.Param, len(m.Params), len(m.Params)+4)}
	for i, p := range m.Params {
		out.Params[i] = isup.Param{Code: p.Code, Section: p.Section, Data: clone(p.Data)}
	}
	if len(m.Body) > 0 {
		out.Body = clone(m.Body)
	}
	return out
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }
