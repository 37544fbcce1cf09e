package filter

import (
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"time"

	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// term is one FIELD OP VALUE, compiled so that matching allocates nothing.
type term struct {
	field Field
	op    Op     // as written, for String
	canon string // value in canonical form, for String
	neg   bool   // != and !~: the negation of = and ~

	// numbers and Call-ID
	exact    string
	glob     []string // exact parts between '*'; nil when the pattern has none
	re       *regexp.Regexp
	rePrefix string // literal text every match starts with, when re is anchored

	// method: SIP methods by record.Method bit, ISUP types by code
	sipMask  uint16
	isupMask [4]uint64

	// status, cause, cic: cmp against lo (and hi for = ranges)
	cmp    Op
	lo, hi int64

	// point codes: the text read in each format it fits
	itu, ansi mtp3.PointCode
	dec       uint32
	isDec     bool

	outcome calls.Outcome
	proto   record.Proto
}

func (p *parser) newTerm(f Field, opTok token, v string, vpos int) (*term, error) {
	op := opTok.op
	k := f.kind()
	if ok, list := k.allowed(op); !ok {
		return nil, p.errAt(opTok.pos, ErrBadOperator, "operator "+op.String()+" not valid for field "+quote(f.String())+" (use "+list+")", nil)
	}
	t := &term{field: f, op: op, canon: v, neg: op == OpNe || op == OpNoMatch}
	if op == OpMatch || op == OpNoMatch {
		re, err := regexp.Compile(v)
		if err != nil {
			return nil, p.errAt(vpos, ErrBadRegexp, "bad regular expression "+quote(v)+": "+reason(err), err)
		}
		if k == kindMethod {
			t.methodsMatching(re.MatchString)
		} else {
			t.re, t.rePrefix = re, anchoredPrefix(v)
		}
		return t, nil
	}
	bad := func(kind error, msg string, cause error) (*term, error) {
		return nil, p.errAt(vpos, kind, msg, cause)
	}
	switch k {
	case kindNumber:
		t.exact = v
		if strings.IndexByte(v, '*') >= 0 {
			t.glob = strings.Split(v, "*")
		}
	case kindText:
		t.exact = v
	case kindMethod:
		u := strings.ToUpper(v)
		t.methodsMatching(func(name string) bool { return name == u })
		if t.sipMask == 0 && t.isupMask == [4]uint64{} {
			return bad(ErrUnknownMethod, "unknown method "+quote(v)+" (a SIP method such as INVITE, or an ISUP message type such as IAM)", nil)
		}
		t.canon = u
	case kindInt:
		t.cmp = op
		if op == OpNe {
			t.cmp = OpEq
		}
		lo, hi, xs, ok := parseIntValue(v)
		class := xs > 0
		if !ok {
			return bad(ErrBadValue, f.String()+": "+quote(v)+" is not a number"+classHint(f), nil)
		}
		if class && t.cmp != OpEq {
			return bad(ErrBadValue, f.String()+": a class such as "+quote(v)+" works with = and != only", nil)
		}
		t.lo, t.hi = lo, hi
		t.canon = strconv.FormatInt(lo, 10)
		if class {
			t.canon = strconv.FormatInt(hi/pow10(xs), 10) + strings.Repeat("x", xs)
		}
	case kindDuration:
		t.cmp = op
		if op == OpNe {
			t.cmp = OpEq
		}
		d, ok := parseDuration(v)
		if !ok {
			return bad(ErrBadValue, f.String()+": "+quote(v)+" is not a duration (like 2s, 150ms, 1m30s, or seconds: 2.5)", nil)
		}
		t.lo, t.hi = int64(d), int64(d)
		t.canon = d.String()
	case kindPC:
		if err := t.parsePC(v); err != nil {
			return bad(ErrBadPointCode, "bad point code "+quote(v)+" (ITU 3-8-3 like 2-200-1, ANSI 8-8-8 like 1-2-3, or decimal): "+reason(err), err)
		}
	case kindOutcome:
		o, ok := parseOutcome(v)
		if !ok {
			return bad(ErrUnknownOutcome, "unknown outcome "+quote(v)+" (answered, busy, rejected, cancelled, failed, in-progress, not-call)", nil)
		}
		t.outcome = o
		t.canon = o.String()
	case kindProto:
		switch strings.ToLower(v) {
		case "sip":
			t.proto = record.SIP
		case "isup":
			t.proto = record.ISUP
		default:
			return bad(ErrBadValue, "proto: "+quote(v)+" is neither sip nor isup", nil)
		}
		t.canon = t.proto.String()
	}
	return t, nil
}

// reason strips the package prefix from an underlying error's text.
func reason(err error) string {
	s := err.Error()
	for _, pre := range []string{"error parsing regexp: ", "mtp3: "} {
		s = strings.TrimPrefix(s, pre)
	}
	return s
}

func classHint(f Field) string {
	if f == FieldStatus || f == FieldFinal {
		return " (or a class such as 4xx)"
	}
	return ""
}

// methodsMatching sets the masks to every SIP method and ISUP message type
// whose name pred accepts, once at parse time, so matching a call tests
// bits rather than strings.
func (t *term) methodsMatching(pred func(string) bool) {
	for m := record.INVITE; m <= record.MethodOther; m++ {
		if pred(m.String()) {
			t.sipMask |= 1 << m
		}
	}
	for i := 0; i < 256; i++ {
		mt := isup.MessageType(i)
		name := mt.String()
		if strings.HasPrefix(name, "0x") {
			continue
		}
		if pred(name) {
			t.isupMask[i>>6] |= 1 << (i & 63)
		}
	}
}

// parseIntValue reads "486", or a class "4xx"/"18x" (digits then x's) as the
// range it stands for; xs is the number of x's.
func parseIntValue(v string) (lo, hi int64, xs int, ok bool) {
	digits := strings.TrimRight(strings.ToLower(v), "x")
	xs = len(v) - len(digits)
	if digits == "" || len(v) > 10 {
		return 0, 0, 0, false
	}
	n, err := strconv.ParseUint(digits, 10, 32)
	if err != nil {
		return 0, 0, 0, false
	}
	return int64(n) * pow10(xs), int64(n)*pow10(xs) + pow10(xs) - 1, xs, true
}

func pow10(n int) int64 {
	p := int64(1)
	for ; n > 0; n-- {
		p *= 10
	}
	return p
}

// parseDuration takes Go durations ("2s", "150ms", "1m30s") or a plain
// number of seconds ("2.5").
func parseDuration(v string) (time.Duration, bool) {
	if d, err := time.ParseDuration(v); err == nil {
		return d, d >= 0
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f > 1e9 || f != f {
		return 0, false
	}
	return time.Duration(f * float64(time.Second)), true
}

func parseOutcome(v string) (calls.Outcome, bool) {
	switch strings.ToLower(v) {
	case "answered":
		return calls.Answered, true
	case "busy":
		return calls.Busy, true
	case "rejected":
		return calls.Rejected, true
	case "cancelled", "canceled":
		return calls.Cancelled, true
	case "failed":
		return calls.Failed, true
	case "in-progress", "inprogress":
		return calls.InProgress, true
	case "not-call", "notcall":
		return calls.NotCall, true
	}
	return 0, false
}

// parsePC reads v in every format it fits: a structured "2-200-1" may be
// ITU or ANSI, and the call's own point code decides which one applies.
func (t *term) parsePC(v string) error {
	if n, err := strconv.ParseUint(v, 10, 32); err == nil && n <= uint64(mtp3.ANSI.Max()) {
		t.isDec, t.dec = true, uint32(n)
		return nil
	}
	itu, errITU := mtp3.ParsePointCode(mtp3.ITU, v)
	ansi, errANSI := mtp3.ParsePointCode(mtp3.ANSI, v)
	if errITU != nil && errANSI != nil {
		return errANSI
	}
	t.itu, t.ansi = itu, ansi
	return nil
}

// anchoredPrefix returns the literal text right after a leading "^" of
// expr ("^49(30|40)" → "49"), so most numbers are rejected by a prefix test
// before the regexp runs; Regexp.LiteralPrefix does not report it for
// anchored expressions.
func anchoredPrefix(expr string) string {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return ""
	}
	re = re.Simplify()
	if re.Op != syntax.OpConcat || len(re.Sub) < 2 || re.Sub[0].Op != syntax.OpBeginText {
		return ""
	}
	var b strings.Builder
	for _, sub := range re.Sub[1:] {
		if sub.Op != syntax.OpLiteral || sub.Flags&syntax.FoldCase != 0 {
			break
		}
		b.WriteString(string(sub.Rune))
	}
	return b.String()
}
