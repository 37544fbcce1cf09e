package mapping

import (
	"errors"
	"strconv"
	"strings"

	"github.com/sipgw/sipgw/isup"
)

// ErrHistoryInfo and ErrDiversion report malformed headers.
var (
	ErrDiversion   = errors.New("malformed Diversion header")
	ErrHistoryInfo = errors.New("malformed History-Info header")
)

// Diversion is one element of a Diversion header (RFC 5806 §4).
type Diversion struct {
	Addr    NameAddr
	Reason  string // as written (unknown, user-busy, no-answer, unconditional, …)
	Counter int    // 1 when absent (RFC 5806 §4)
	Privacy string // full, session, off, name, uri
	Screen  string // yes, no
}

// ParseDiversions calls fn for each element of a Diversion header value
// (most recent diversion first, RFC 5806 §4), stopping when fn returns
// false.
func ParseDiversions(s string, fn func(Diversion) bool) error {
	var perr error
	err := ParseNameAddrs(s, func(na NameAddr) bool {
		d := Diversion{Addr: na, Counter: 1}
		for i := 0; i < len(na.Params); {
			p, next, _ := nextParam(na.Params, i)
			i = next
			switch strings.ToLower(p.name) {
			case "reason":
				d.Reason = p.value
			case "counter":
				n, ok := atoiBounded(p.value)
				if !ok || n < 1 || n > 100 {
					perr = &HeaderError{Header: "Diversion", Value: s, Err: ErrDiversion, Detail: "counter " + strconv.Quote(p.value) + " is not 1–100"}
					return false
				}
				d.Counter = n
			case "privacy":
				d.Privacy = p.value
			case "screen":
				d.Screen = p.value
			}
		}
		return fn(d)
	})
	if err != nil {
		return &HeaderError{Header: "Diversion", Value: s, Err: ErrDiversion, Detail: err.Error()}
	}
	return perr
}

// Diversion reasons (RFC 5806 §4) against Q.763 §3.45 redirecting reasons.
var diversionReasons = []struct {
	name string
	r    isup.RedirectionReason
}{
	{"unknown", isup.RedirReasonUnknown},
	{"user-busy", isup.RedirReasonUserBusy},
	{"no-answer", isup.RedirReasonNoReply},
	{"unconditional", isup.RedirReasonUnconditional},
	{"deflection", isup.RedirReasonDeflectionAlerting},
	{"unavailable", isup.RedirReasonMobileNotReachable},
	// RFC 5806 reasons without an ISUP counterpart: forwarding by policy
	// is unconditional, an out-of-service user is not reachable.
	{"time-of-day", isup.RedirReasonUnconditional},
	{"do-not-disturb", isup.RedirReasonUnconditional},
	{"follow-me", isup.RedirReasonUnconditional},
	{"away", isup.RedirReasonUnconditional},
	{"out-of-service", isup.RedirReasonMobileNotReachable},
}

// ReasonFromDiversion maps a Diversion reason to a redirecting reason
// (unknown names are unknown).
func ReasonFromDiversion(name string) isup.RedirectionReason {
	for _, d := range diversionReasons {
		if strings.EqualFold(d.name, name) {
			return d.r
		}
	}
	return isup.RedirReasonUnknown
}

// DiversionReason maps a redirecting reason to a Diversion reason; both
// deflection reasons are "deflection".
func DiversionReason(r isup.RedirectionReason) string {
	if r == isup.RedirReasonDeflectionImmediate {
		return "deflection"
	}
	for _, d := range diversionReasons[:6] {
		if d.r == r {
			return d.name
		}
	}
	return "unknown"
}

// RFC 4458 §3.1 cause values of a retargeted URI against Q.763 §3.45.
var hiCauses = [...]struct {
	cause int
	r     isup.RedirectionReason
}{
	{404, isup.RedirReasonUnknown},
	{486, isup.RedirReasonUserBusy},
	{408, isup.RedirReasonNoReply},
	{302, isup.RedirReasonUnconditional},
	{487, isup.RedirReasonDeflectionAlerting},
	{480, isup.RedirReasonDeflectionImmediate},
	{503, isup.RedirReasonMobileNotReachable},
}

// ReasonFromCause maps an RFC 4458 cause to a redirecting reason.
func ReasonFromCause(c int) isup.RedirectionReason {
	for _, h := range hiCauses {
		if h.cause == c {
			return h.r
		}
	}
	return isup.RedirReasonUnknown
}

// CauseForReason maps a redirecting reason to its RFC 4458 cause.
func CauseForReason(r isup.RedirectionReason) int {
	for _, h := range hiCauses {
		if h.r == r {
			return h.cause
		}
	}
	return 404
}

// HistoryEntry is one hi-entry of a History-Info header (RFC 7044 §4).
type HistoryEntry struct {
	Addr  NameAddr
	URI   URI
	Index string // "1.1.2"
	// Cause is the RFC 4458 cause URI parameter of the target (0 none).
	Cause int
	// ReasonCause is the cause of an escaped Reason header in the URI
	// (RFC 7044 §4.2: why the request to this target ended), 0 for none.
	ReasonCause int
	// Private is set by an escaped Privacy: history header in the URI
	// (RFC 7044 §10.1.2).
	Private bool
	MP, RC  string // the index this entry was retargeted (mp) or rerouted (rc) from
}

// ParseHistoryInfo calls fn for each hi-entry of a History-Info header
// value in order, stopping when fn returns false. Each entry must have a
// valid index (RFC 7044 §4: hi-index is mandatory).
func ParseHistoryInfo(s string, fn func(HistoryEntry) bool) error {
	var perr error
	err := ParseNameAddrs(s, func(na NameAddr) bool {
		e := HistoryEntry{Addr: na}
		u, err := ParseURI(na.URI)
		if err != nil {
			perr = &HeaderError{Header: "History-Info", Value: s, Err: ErrHistoryInfo, Detail: err.Error()}
			return false
		}
		e.URI = u
		for i := 0; i < len(na.Params); {
			p, next, _ := nextParam(na.Params, i)
			i = next
			switch strings.ToLower(p.name) {
			case "index":
				e.Index = p.value
			case "mp":
				e.MP = p.value
			case "rc":
				e.RC = p.value
			}
		}
		if !validIndex(e.Index) {
			perr = &HeaderError{Header: "History-Info", Value: s, Err: ErrHistoryInfo, Detail: "index " + strconv.Quote(e.Index) + " is not 1*DIGIT *(\".\" 1*DIGIT)"}
			return false
		}
		if c, ok := u.Param("cause"); ok {
			if n, ok := atoiBounded(c); ok && n < 1000 {
				e.Cause = n
			}
		}
		if r, ok := u.Header("Reason"); ok {
			if rs, ok := FindReason(r, ProtoSIP); ok && rs.HasCause {
				e.ReasonCause = rs.Cause
			}
		}
		if pv, ok := u.Header("Privacy"); ok {
			if p, err := ParsePrivacy(pv); err == nil && p&PrivacyHistory != 0 {
				e.Private = true
			}
		}
		return fn(e)
	})
	if err != nil {
		return &HeaderError{Header: "History-Info", Value: s, Err: ErrHistoryInfo, Detail: err.Error()}
	}
	return perr
}

func validIndex(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	digit := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digit = true
		case c == '.' && digit:
			digit = false
		default:
			return false
		}
	}
	return digit
}

// Redirection is the redirection part of an IAM.
type Redirection struct {
	Redirecting       isup.RedirectingNumber
	HasRedirecting    bool
	OriginalCalled    isup.OriginalCalledNumber
	HasOriginalCalled bool
	Info              isup.RedirectionInformation
	HasInfo           bool
}

// point is one diversion: who diverted, why, how many times, privacy.
type point struct {
	tn      TelNumber
	reason  isup.RedirectionReason
	count   int
	private bool
}

// redirectionOf builds the ISUP parameters from diversion points, oldest
// first (Q.763 §3.39, §3.44, §3.45): the redirecting number is the last
// diverting party, the original called number the first one (only after
// more than one diversion, as Q.732.2 §2.5 includes it), the counter the
// number of diversions (3 bits, capped at 7).
func redirectionOf(pts []point, num *NumberingConfig) (Redirection, error) {
	var r Redirection
	if len(pts) == 0 {
		return r, nil
	}
	total, anyPrivate := 0, false
	for _, p := range pts {
		total += p.count
		anyPrivate = anyPrivate || p.private
	}
	last, first := pts[len(pts)-1], pts[0]
	n, err := num.PartyNumber(last.tn)
	if err != nil {
		return r, err
	}
	if last.private {
		n.APRI = isup.APRIRestricted
	}
	r.Redirecting, r.HasRedirecting = isup.RedirectingNumber(n), true
	if total > 1 {
		o, err := num.PartyNumber(first.tn)
		if err != nil {
			return r, err
		}
		if first.private {
			o.APRI = isup.APRIRestricted
		}
		r.OriginalCalled, r.HasOriginalCalled = isup.OriginalCalledNumber(o), true
	}
	r.HasInfo = true
	r.Info = isup.RedirectionInformation{Indicator: isup.RedirDiverted, Reason: last.reason, Counter: uint8(min(total, 7))}
	if first.reason <= isup.RedirReasonUnconditional {
		r.Info.OriginalReason = first.reason
	}
	if total == 1 {
		r.Info.OriginalReason = last.reason
		if last.reason > isup.RedirReasonUnconditional {
			r.Info.OriginalReason = isup.RedirReasonUnknown
		}
	}
	if anyPrivate {
		r.Info.Indicator = isup.RedirDivertedAllRestricted
	}
	return r, nil
}

// RedirectionFromDiversion maps Diversion header values (RFC 5806) to
// redirecting number, original called number and redirection information.
// Diversion lists the most recent diversion first; counters add up.
func RedirectionFromDiversion(values []string, num *NumberingConfig) (Redirection, error) {
	var buf [8]point
	pts := buf[:0]
	for _, v := range values {
		var nerr error
		err := ParseDiversions(v, func(d Diversion) bool {
			u, err := ParseURI(d.Addr.URI)
			if err != nil {
				nerr = err
				return false
			}
			tn, err := u.Number(num.StrictUserPhone)
			if err != nil {
				nerr = err
				return false
			}
			pts = append(pts, point{tn: tn, reason: ReasonFromDiversion(d.Reason), count: d.Counter,
				private: strings.EqualFold(d.Privacy, "full") || strings.EqualFold(d.Privacy, "name") || strings.EqualFold(d.Privacy, "uri")})
			return true
		})
		if err != nil {
			return Redirection{}, err
		}
		if nerr != nil {
			return Redirection{}, nerr
		}
	}
	// Oldest first for redirectionOf.
	for i, j := 0, len(pts)-1; i < j; i, j = i+1, j-1 {
		pts[i], pts[j] = pts[j], pts[i]
	}
	return redirectionOf(pts, num)
}

// RedirectionFromHistoryInfo maps History-Info (RFC 7044) to the ISUP
// redirection parameters: an entry whose target carries an RFC 4458 cause
// (or follows an entry whose Reason holds a SIP cause, with mp) is a
// diversion by the entry before it (RFC 7544 §6, TS 29.163 §7.4.x style).
func RedirectionFromHistoryInfo(values []string, num *NumberingConfig) (Redirection, error) {
	var ebuf [8]HistoryEntry
	es := ebuf[:0]
	for _, v := range values {
		if err := ParseHistoryInfo(v, func(e HistoryEntry) bool { es = append(es, e); return len(es) < 64 }); err != nil {
			return Redirection{}, err
		}
	}
	var buf [8]point
	pts := buf[:0]
	for i := 1; i < len(es); i++ {
		prev, e := &es[i-1], &es[i]
		reason, diverted := isup.RedirReasonUnknown, false
		switch {
		case e.Cause != 0:
			reason, diverted = ReasonFromCause(e.Cause), true
		case e.MP != "" && prev.ReasonCause != 0:
			reason, diverted = ReasonFromCause(prev.ReasonCause), true
		}
		if !diverted {
			continue
		}
		tn, err := prev.URI.Number(num.StrictUserPhone)
		if err != nil {
			continue // a diverting party without a number says nothing to ISUP
		}
		pts = append(pts, point{tn: tn, reason: reason, count: 1, private: prev.Private})
	}
	return redirectionOf(pts, num)
}

func (r *Redirection) counter() int {
	if r.HasInfo && !r.Info.OneOctet && r.Info.Counter > 0 {
		return int(r.Info.Counter)
	}
	return 1
}

// Diversion writes the redirection as Diversion header values, most recent
// first: the redirecting number with the redirecting reason and the
// counter less the first diversion, then the original called number with
// the original reason and counter 1. Presentation restricted numbers get
// privacy=full, others privacy=off (RFC 5806 §4).
func (r *Redirection) Diversion(num *NumberingConfig) []string {
	if !r.HasRedirecting {
		return nil
	}
	var out []string
	cnt := r.counter()
	rn := isup.Number(r.Redirecting)
	tn, ok := num.SIPNumber(&rn)
	if !ok {
		return nil
	}
	allPrivate := r.HasInfo && (r.Info.Indicator == isup.RedirDivertedAllRestricted || r.Info.Indicator == isup.RedirReroutedAllRestricted)
	privacy := func(apri isup.APRI) string {
		if allPrivate || apri == isup.APRIRestricted {
			return "full"
		}
		return "off"
	}
	first := cnt
	if r.HasOriginalCalled && cnt > 1 {
		first = cnt - 1
	}
	out = append(out, "<"+num.URI(tn)+">;reason="+DiversionReason(r.Info.Reason)+";counter="+strconv.Itoa(first)+";privacy="+privacy(rn.APRI))
	if r.HasOriginalCalled && cnt > 1 {
		on := isup.Number(r.OriginalCalled)
		if ot, ok := num.SIPNumber(&on); ok {
			out = append(out, "<"+num.URI(ot)+">;reason="+DiversionReason(r.Info.OriginalReason)+";counter=1;privacy="+privacy(on.APRI))
		}
	}
	return out
}

// HistoryInfo writes the redirection as History-Info entries ending with
// target (the new Request-URI): the original called number (index 1),
// the redirecting number when it differs (1.1, cause of the original
// reason), then the target with the redirecting reason as RFC 4458 cause
// and mp naming the entry it was retargeted from (RFC 7044 §4.2.2). A
// restricted number carries ?Privacy=history. History-Info cannot carry a
// counter larger than the number of entries: the counter read back is the
// number of diversions shown.
func (r *Redirection) HistoryInfo(target TelNumber, num *NumberingConfig) []string {
	if !r.HasRedirecting {
		return nil
	}
	allPrivate := r.HasInfo && (r.Info.Indicator == isup.RedirDivertedAllRestricted || r.Info.Indicator == isup.RedirReroutedAllRestricted)
	type ent struct {
		tn      TelNumber
		private bool
		cause   int
	}
	var es []ent
	rn := isup.Number(r.Redirecting)
	rt, ok := num.SIPNumber(&rn)
	if !ok {
		return nil
	}
	if r.HasOriginalCalled && r.counter() > 1 {
		on := isup.Number(r.OriginalCalled)
		if ot, ok := num.SIPNumber(&on); ok && (ot.Digits != rt.Digits || ot.Global != rt.Global) {
			es = append(es, ent{tn: ot, private: allPrivate || on.APRI == isup.APRIRestricted})
			es = append(es, ent{tn: rt, private: allPrivate || rn.APRI == isup.APRIRestricted, cause: CauseForReason(r.Info.OriginalReason)})
		}
	}
	if len(es) == 0 {
		es = append(es, ent{tn: rt, private: allPrivate || rn.APRI == isup.APRIRestricted})
	}
	es = append(es, ent{tn: target, cause: CauseForReason(r.Info.Reason)})
	out := make([]string, 0, len(es))
	idx := "1"
	for i, e := range es {
		b := make([]byte, 0, 96)
		b = append(b, '<')
		b = num.appendURI(b, e.tn)
		if e.cause != 0 {
			b = append(b, ";cause="...)
			b = strconv.AppendInt(b, int64(e.cause), 10)
		}
		if e.private {
			b = append(b, "?Privacy=history"...)
		}
		b = append(b, ">;index="...)
		b = append(b, idx...)
		if i > 0 {
			b = append(b, ";mp="...)
			b = append(b, idx[:len(idx)-2]...)
		}
		out = append(out, string(b))
		idx += ".1"
	}
	return out
}

// HopConfig maps Max-Forwards and the hop counter (Q.1912.5 §6.1.x and
// §7.1.x leave the factor to the network; the deployed practice is one SIP
// hop per ISUP hop, capped at the hop counter's 5 bits).
type HopConfig struct {
	// Scale is the number of SIP hops per ISUP hop (default 1).
	Scale int `yaml:"scale,omitempty" json:"scale,omitempty"`
	// MaxForwards caps the Max-Forwards written toward SIP (default 70,
	// RFC 3261 §8.1.1.6).
	MaxForwards int `yaml:"max_forwards,omitempty" json:"max_forwards,omitempty"`
}

// Validate reports every wrong entry under prefix.
func (c *HopConfig) Validate(prefix string) []error {
	var errs []error
	if c.Scale < 0 || c.Scale > 70 {
		errs = append(errs, cfgErr(prefix+".scale", strconv.Itoa(c.Scale)+" is outside 1–70"))
	}
	if c.MaxForwards < 0 || c.MaxForwards > 255 {
		errs = append(errs, cfgErr(prefix+".max_forwards", strconv.Itoa(c.MaxForwards)+" is outside 1–255"))
	}
	return errs
}

func (c *HopConfig) scale() int {
	if c.Scale > 0 {
		return c.Scale
	}
	return 1
}

// HopCounter maps a Max-Forwards value to the hop counter of an IAM:
// Max-Forwards / scale rounded up, capped at 31. A Max-Forwards of 0 is
// answered with 483 before any mapping (RFC 3261 §16.3).
func (c *HopConfig) HopCounter(maxForwards int) isup.HopCounter {
	h := (maxForwards + c.scale() - 1) / c.scale()
	return isup.HopCounter{Count: uint8(max(0, min(h, 31)))}
}

// MaxForwardsFor maps a hop counter to Max-Forwards: count × scale, capped.
func (c *HopConfig) MaxForwardsFor(h isup.HopCounter) int {
	mf := int(h.Count&0x1f) * c.scale()
	cap := c.MaxForwards
	if cap == 0 {
		cap = 70
	}
	return min(mf, cap)
}
