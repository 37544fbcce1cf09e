package mapping

import (
	"strconv"
	"strings"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/sipi"
)

// SIPProfileKind is the SIP flavour of a trunk.
type SIPProfileKind uint8

const (
	// Plain SIP: no ISUP bodies; SDP only.
	Plain SIPProfileKind = iota
	// SIPI is Q.1912.5 profile C: ISUP encapsulated, and an incoming IAM
	// is the base of the outgoing one.
	SIPI
	// SIPT is RFC 3372: ISUP encapsulated in application/ISUP
	// (RFC 3204) with version and base.
	SIPT
)

var profileKindNames = [...]string{"plain", "sip-i", "sip-t"}

func (k SIPProfileKind) String() string {
	if int(k) < len(profileKindNames) {
		return profileKindNames[k]
	}
	return "SIPProfileKind(" + strconv.Itoa(int(k)) + ")"
}

// SIPConfig is the SIP side of a trunk's configuration.
type SIPConfig struct {
	// Profile is plain (default), sip-i or sip-t.
	Profile string `yaml:"profile,omitempty" json:"profile,omitempty"`
	// Version and Base are the RFC 3204 tokens written in application/ISUP
	// (default itu-t92+ for ITU trunks, ansi00 for ANSI; base as version).
	Version string `yaml:"version,omitempty" json:"version,omitempty"`
	Base    string `yaml:"base,omitempty" json:"base,omitempty"`
	// Handling is the Content-Disposition handling of the ISUP bodies the
	// gateway writes: optional (default; RFC 3204 §6 lets a UA without
	// ISUP ignore the part) or required.
	Handling string `yaml:"handling,omitempty" json:"handling,omitempty"`
	// Redirection is history-info (default), diversion, both or none.
	Redirection string `yaml:"redirection,omitempty" json:"redirection,omitempty"`
	// MidCall is what happens to mid-call ISUP messages (SUS, RES, FAC,
	// USR, APM, INR/INF, CPG after answer …): info (default on sip-i and
	// sip-t) sends and takes them in INFO requests, drop ends them at the
	// gateway (the only choice of plain SIP).
	MidCall string `yaml:"mid_call,omitempty" json:"mid_call,omitempty"`
}

// SIPProfile is a compiled SIPConfig.
type SIPProfile struct {
	Kind     SIPProfileKind
	Version  string
	Base     string
	Required bool
	Variant  isup.Variant
	// MidCall is MidCallDrop on plain trunks.
	MidCall MidCallMode
}

func (c *SIPConfig) compile(prefix string, v isup.Variant) (SIPProfile, []error) {
	var errs []error
	p := SIPProfile{Variant: v}
	k, ok := parseEnum(c.Profile, profileKindNames[:])
	if !ok {
		errs = append(errs, cfgErr(prefix+".profile", "unknown profile "+strconv.Quote(c.Profile)+" (plain, sip-i, sip-t)"))
	}
	p.Kind = SIPProfileKind(k)
	p.Version, p.Base = c.Version, c.Base
	if p.Version == "" {
		p.Version = sipi.ITUT92Plus
		if v == isup.ANSI {
			p.Version = sipi.ANSI00
		}
	}
	if p.Base == "" {
		p.Base = p.Version
	}
	for _, f := range []struct{ name, tok string }{{"version", p.Version}, {"base", p.Base}} {
		if fv, ok := sipi.LookupVariant(f.tok); !ok || fv != v {
			errs = append(errs, cfgErr(prefix+"."+f.name, strconv.Quote(f.tok)+" does not name the trunk's ISUP variant "+v.String()))
		}
	}
	if m, ok := parseEnum(c.MidCall, midCallNames[:]); !ok {
		errs = append(errs, cfgErr(prefix+".mid_call", "unknown mode "+strconv.Quote(c.MidCall)+" (info, drop)"))
	} else {
		p.MidCall = MidCallMode(m)
		if p.Kind == Plain {
			if c.MidCall != "" && p.MidCall == MidCallInfo {
				errs = append(errs, cfgErr(prefix+".mid_call", "info needs profile sip-i or sip-t: plain SIP carries no ISUP"))
			}
			p.MidCall = MidCallDrop
		}
	}
	switch strings.ToLower(c.Handling) {
	case "", "optional":
	case "required":
		p.Required = true
	default:
		errs = append(errs, cfgErr(prefix+".handling", "unknown handling "+strconv.Quote(c.Handling)+" (optional, required)"))
	}
	return p, errs
}

// encapsulated lists the messages of end-to-end significance that ride in
// SIP-I/SIP-T bodies (interworking notes §1; Q.1912.5 §5.4.x). Circuit
// supervision (BLO, UBL, RSC, GRS, CGB, CGU, CQM, UCIC, …) is hop by hop
// and never tunnelled.
var encapsulated = [256]bool{
	isup.IAM: true, isup.SAM: true, isup.ACM: true, isup.CON: true, isup.FOT: true,
	isup.ANM: true, isup.REL: true, isup.SUS: true, isup.RES: true, isup.RLC: true,
	isup.FAR: true, isup.FAA: true, isup.FRJ: true, isup.CPG: true, isup.USR: true,
	isup.CFN: true, isup.NRM: true, isup.FAC: true, isup.INR: true, isup.INF: true,
	isup.IDR: true, isup.IRS: true, isup.LPR: true, isup.APM: true, isup.PRI: true,
}

// Encapsulates reports whether the profile carries message type t in SIP
// bodies: never for plain SIP, the end-to-end messages for SIP-I/SIP-T.
func (p SIPProfile) Encapsulates(t isup.MessageType) bool {
	return p.Kind != Plain && encapsulated[t]
}

// Body is a SIP message body built by BuildBody.
type Body struct {
	ContentType string
	// Disposition is the SIP message's Content-Disposition for a body that
	// is the ISUP message alone ("" otherwise: a multipart's ISUP part has
	// its own, and SDP needs none).
	Disposition string
	Data        []byte
}

// BuildBody builds the body of a SIP message carrying sdp (nil for none)
// and, when the profile encapsulates it, the ISUP message m (nil for
// none): multipart/mixed with SDP then application/ISUP, the ISUP alone,
// or the SDP alone (RFC 3204 §4–6, Q.1912.5 §5.4).
func (p SIPProfile) BuildBody(sdp []byte, m *isup.Message) (Body, error) {
	if m == nil || !p.Encapsulates(m.Type) {
		if sdp == nil {
			return Body{}, nil
		}
		return Body{ContentType: "application/sdp", Data: sdp}, nil
	}
	msg, err := m.AppendBody(make([]byte, 0, m.MarshalLen()))
	if err != nil {
		return Body{}, err
	}
	x := sipi.ISUP{Version: p.Version, Base: p.Base, Required: p.Required, Message: msg}
	ct, data, err := sipi.Encode(sdp, x, "")
	if err != nil {
		return Body{}, err
	}
	b := Body{ContentType: ct, Data: data}
	if sdp == nil {
		b.Disposition = x.Disposition()
	}
	return b, nil
}

// BodyAction is what the gateway does with a received body.
type BodyAction uint8

const (
	NoISUP     BodyAction = iota // no application/ISUP part: map from SIP headers
	UseISUP                      // decode ISUP and use it as the base
	IgnoreISUP                   // an optional ISUP part this trunk does not take
	Reject415                    // a required part not supported: 415
)

var bodyActionNames = [...]string{"no ISUP", "use ISUP", "ignore ISUP", "reject 415"}

func (a BodyAction) String() string {
	if int(a) < len(bodyActionNames) {
		return bodyActionNames[a]
	}
	return "BodyAction(" + strconv.Itoa(int(a)) + ")"
}

// BodyDecision is the receive side decision on a SIP body.
type BodyDecision struct {
	Action BodyAction
	// Status and Accept answer a Reject415 (RFC 3261 §21.4.13: 415 lists
	// the media types the UAS takes in Accept).
	Status int
	Accept string
	// Why explains IgnoreISUP and Reject415 for logs.
	Why string
	// Variant is the ISUP variant to decode with (UseISUP).
	Variant isup.Variant
	// Parsed is the decoded body (parts alias the body given).
	Parsed *sipi.Body
	ISUP   *sipi.Part
	SDP    *sipi.Part
}

// Accept returns the Accept header value of the trunk's 415.
func (p SIPProfile) Accept() string {
	if p.Kind == Plain {
		return "application/sdp"
	}
	return "application/sdp, application/ISUP, multipart/mixed"
}

// understood is the trunk's policy for CheckRequired: SDP always; ISUP
// only on a SIP-I/SIP-T trunk and in the trunk's variant. A version token
// the gateway does not know is read by its base (RFC 3204 §4: base names
// the variant a receiver that does not know the version may assume); with
// neither known the part is not understood.
func (p SIPProfile) understood(part *sipi.Part) bool {
	if part.ContentType.IsISUP() {
		if p.Kind == Plain {
			return false
		}
		v, ok := part.Variant()
		dt := part.Disposition.Type
		return ok && v == p.Variant && (dt == "" || strings.EqualFold(dt, "signal"))
	}
	return sipi.Understood(part)
}

// CheckBody decides what to do with a received SIP body: contentType and
// disposition are the SIP message's Content-Type and Content-Disposition
// values. A malformed body is an error (the caller answers 400).
func (p SIPProfile) CheckBody(contentType, disposition string, body []byte) (BodyDecision, error) {
	if contentType == "" && len(body) == 0 {
		return BodyDecision{Action: NoISUP}, nil
	}
	parsed, err := sipi.Decode(contentType, body)
	if err != nil {
		return BodyDecision{}, err
	}
	if !parsed.ContentType.IsMultipart() && len(parsed.Parts) == 1 && disposition != "" {
		d, err := sipi.ParseDisposition(disposition)
		if err != nil {
			return BodyDecision{}, err
		}
		parsed.Parts[0].Disposition = d
	}
	dec := BodyDecision{Parsed: parsed, SDP: parsed.SDP()}
	if err := parsed.CheckRequired(p.understood); err != nil {
		dec.Action, dec.Status, dec.Accept, dec.Why = Reject415, 415, p.Accept(), err.Error()
		return dec, nil
	}
	part := parsed.ISUP()
	switch {
	case part == nil:
		dec.Action = NoISUP
	case p.understood(part):
		dec.Action, dec.ISUP = UseISUP, part
		dec.Variant, _ = part.Variant()
	default:
		dec.Action, dec.ISUP = IgnoreISUP, part
		dec.Why = "optional application/ISUP " + strconv.Quote(part.ContentType.String()) + " not taken by a " + p.Kind.String() + " trunk of variant " + p.Variant.String()
	}
	return dec, nil
}
