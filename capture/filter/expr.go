package filter

import (
	"strings"

	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// Expr is a compiled filter. It is read-only after Parse and safe for use
// by several goroutines. A nil *Expr matches every call.
type Expr struct {
	root *node
}

type nodeKind uint8

const (
	nTerm nodeKind = iota + 1
	nWord
	nAnd
	nOr
	nNot
)

type node struct {
	kind nodeKind
	kids []*node // and, or: two or more; not: one
	term *term
	word Word
}

// String returns the canonical form: lower-case fields, words and
// operators, explicit "and", parentheses only where precedence needs them,
// values normalised (methods upper-case, durations as Go writes them) and
// quoted only when they must be. Parse(e.String()) gives the same filter.
func (e *Expr) String() string {
	if e == nil || e.root == nil {
		return ""
	}
	var b strings.Builder
	e.root.write(&b)
	return b.String()
}

func (n *node) write(b *strings.Builder) {
	switch n.kind {
	case nTerm:
		b.WriteString(n.term.field.String())
		b.WriteString(n.term.op.String())
		writeValue(b, n.term.canon)
	case nWord:
		b.WriteString(n.word.String())
	case nNot:
		b.WriteString("not ")
		n.kids[0].writeIn(b, nNot)
	case nAnd, nOr:
		sep := " and "
		if n.kind == nOr {
			sep = " or "
		}
		for i, k := range n.kids {
			if i > 0 {
				b.WriteString(sep)
			}
			k.writeIn(b, n.kind)
		}
	}
}

// writeIn writes n as an operand of parent, in parentheses when n binds
// more loosely (or and and under not, or under and).
func (n *node) writeIn(b *strings.Builder, parent nodeKind) {
	paren := (n.kind == nOr && parent != nOr) || (n.kind == nAnd && parent == nNot) ||
		(n.kind == parent && n.kind != nNot) // never made by Parse (it flattens), kept exact anyway
	if paren {
		b.WriteByte('(')
	}
	n.write(b)
	if paren {
		b.WriteByte(')')
	}
}

// writeValue writes v bare when the lexer would read it back whole, quoted
// otherwise. A value that starts like an operator is quoted so it cannot
// merge with the one before it ("=" then "~0" would read as "=~" "0").
func writeValue(b *strings.Builder, v string) {
	if v != "" && !strings.ContainsRune(`"=~<>!`, rune(v[0])) && !isKeyword(v) && scanValue(v, 0) == len(v) {
		b.WriteString(v)
		return
	}
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		if v[i] == '"' || v[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(v[i])
	}
	b.WriteByte('"')
}

// Match reports whether call c of analysis a satisfies the filter. It does
// not allocate. a may be nil, in which case fields that need the call's
// messages or endpoints see none.
func (e *Expr) Match(a *calls.Analysis, c *calls.Call) bool {
	if e == nil || e.root == nil {
		return true
	}
	if c == nil {
		return false
	}
	return e.root.match(a, c)
}

// maxGroupWalk bounds the legs MatchGroup visits: groups are a handful of
// legs, and a correlator bug must not make one filter call quadratic.
const maxGroupWalk = 1024

// MatchGroup reports whether any leg of c's linked group satisfies the
// filter, so that selecting one leg of a B2BUA or SIP↔ISUP call shows the
// whole call. It walks Call.Linked from c and from the group's first leg,
// so it needs Linked to connect the group; it does not scan the analysis.
// It allocates only for groups of more than 32 legs.
func (e *Expr) MatchGroup(a *calls.Analysis, c *calls.Call) bool {
	if e.Match(a, c) {
		return true
	}
	if a == nil || c == nil || !isLinked(c) {
		return false
	}
	var buf [32]uint32
	seen := append(buf[:0], c.ID)
	if c.Group != c.ID && c.Group != 0 {
		seen = append(seen, c.Group)
	}
	for i := 0; i < len(seen) && i < maxGroupWalk; i++ {
		o := a.Call(seen[i])
		if o == nil || o.Group != c.Group {
			continue
		}
		if i > 0 && e.root.match(a, o) {
			return true
		}
		for _, id := range o.Linked {
			if !contains(seen, id) {
				seen = append(seen, id)
			}
		}
	}
	return false
}

func contains(s []uint32, v uint32) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func isLinked(c *calls.Call) bool { return len(c.Linked) > 0 || (c.Group != 0 && c.Group != c.ID) }

func (n *node) match(a *calls.Analysis, c *calls.Call) bool {
	switch n.kind {
	case nTerm:
		return n.term.match(a, c)
	case nWord:
		return matchWord(n.word, a, c)
	case nNot:
		return !n.kids[0].match(a, c)
	case nAnd:
		for _, k := range n.kids {
			if !k.match(a, c) {
				return false
			}
		}
		return true
	case nOr:
		for _, k := range n.kids {
			if k.match(a, c) {
				return true
			}
		}
	}
	return false
}

func matchWord(w Word, a *calls.Analysis, c *calls.Call) bool {
	switch w {
	case WordAnswered:
		return c.Outcome == calls.Answered
	case WordBusy:
		return c.Outcome == calls.Busy
	case WordRejected:
		return c.Outcome == calls.Rejected
	case WordCancelled:
		return c.Outcome == calls.Cancelled
	case WordFailed:
		return c.Outcome == calls.Failed
	case WordInProgress:
		return c.Outcome == calls.InProgress
	case WordSIP:
		return c.Kind == record.SIP
	case WordISUP:
		return c.Kind == record.ISUP
	case WordSIPI:
		if c.Kind != record.SIP || a == nil {
			return false
		}
		for _, i := range c.Messages {
			if int(i) < len(a.Messages) {
				if m := &a.Messages[i]; m.Flags&record.HasISUP != 0 || m.Transport == record.SIPI {
					return true
				}
			}
		}
		return false
	case WordLinked:
		return isLinked(c)
	case WordRetrans:
		return c.Retrans > 0
	}
	return false
}

func (t *term) match(a *calls.Analysis, c *calls.Call) bool {
	return t.eval(a, c) != t.neg
}

// eval is the positive predicate (=, ~, <…); match negates it for != and !~.
// Fields with several values (number, method, status, cause, cic, pc) are
// true when any value satisfies it.
func (t *term) eval(a *calls.Analysis, c *calls.Call) bool {
	switch t.field {
	case FieldFrom:
		return t.str(c.From)
	case FieldTo:
		return t.str(c.To)
	case FieldCalled:
		return t.str(c.Called)
	case FieldCalling:
		return t.str(c.Calling)
	case FieldNumber:
		// Called is usually To and Calling usually From: skip the repeats,
		// which halves the regexp work on most calls.
		return t.str(c.From) || t.str(c.To) || (c.Called != c.To && t.str(c.Called)) ||
			(c.Calling != c.From && t.str(c.Calling))
	case FieldCallID:
		return t.str(c.CallID)
	case FieldMethod:
		if c.Kind == record.SIP && t.sipMask&(1<<c.Method) != 0 {
			return true
		}
		for _, m := range msgs(a, c) {
			if t.methodOf(a, m) {
				return true
			}
		}
		return false
	case FieldStatus:
		if c.Status != 0 && t.num(int64(c.Status)) {
			return true
		}
		for _, i := range msgs(a, c) {
			if m := &a.Messages[i]; m.Proto == record.SIP && m.Status != 0 && t.num(int64(m.Status)) {
				return true
			}
		}
		return false
	case FieldFinal:
		return c.Status != 0 && t.num(int64(c.Status))
	case FieldCause:
		if c.Cause >= 0 && t.num(int64(c.Cause)) {
			return true
		}
		for _, i := range msgs(a, c) {
			if m := &a.Messages[i]; m.Cause >= 0 && t.num(int64(m.Cause)) {
				return true
			}
		}
		return false
	case FieldCIC:
		if c.Kind == record.ISUP && t.num(int64(c.CIC)) {
			return true
		}
		for _, i := range msgs(a, c) {
			if m := &a.Messages[i]; m.Proto == record.ISUP && t.num(int64(m.CIC)) {
				return true
			}
		}
		return false
	case FieldOPC:
		return t.pc(c.OPC)
	case FieldDPC:
		return t.pc(c.DPC)
	case FieldPC:
		if t.pc(c.OPC) || t.pc(c.DPC) {
			return true
		}
		if a != nil {
			if int(c.Caller) < len(a.Endpoints) && t.pc(a.Endpoints[c.Caller].PC) {
				return true
			}
			if int(c.Callee) < len(a.Endpoints) && t.pc(a.Endpoints[c.Callee].PC) {
				return true
			}
		}
		return false
	case FieldOutcome:
		return c.Outcome == t.outcome
	case FieldProto:
		return c.Kind == t.proto
	case FieldDuration:
		d, ok := c.Duration()
		return ok && t.num(int64(d))
	case FieldPDD:
		d, ok := c.PDD()
		return ok && t.num(int64(d))
	}
	return false
}

// msgs returns c's message indexes, or none when a cannot resolve them all
// (a hand-made or truncated analysis must not make Match panic).
func msgs(a *calls.Analysis, c *calls.Call) []uint32 {
	if a == nil {
		return nil
	}
	for _, i := range c.Messages {
		if int(i) >= len(a.Messages) {
			return nil
		}
	}
	return c.Messages
}

func (t *term) methodOf(a *calls.Analysis, i uint32) bool {
	m := &a.Messages[i]
	switch m.Proto {
	case record.SIP:
		return m.Method != record.MethodNone && m.Method <= record.MethodOther && t.sipMask&(1<<m.Method) != 0
	case record.ISUP:
		return t.isupMask[m.ISUPType>>6]&(1<<(m.ISUPType&63)) != 0
	}
	return false
}

func (t *term) str(s string) bool {
	switch {
	case t.re != nil:
		return strings.HasPrefix(s, t.rePrefix) && t.re.MatchString(s)
	case t.glob != nil:
		return globMatch(t.glob, s)
	}
	return s == t.exact
}

func (t *term) num(v int64) bool {
	switch t.cmp {
	case OpEq:
		return v >= t.lo && v <= t.hi
	case OpLt:
		return v < t.lo
	case OpLe:
		return v <= t.lo
	case OpGt:
		return v > t.lo
	case OpGe:
		return v >= t.lo
	}
	return false
}

// pc compares by value within the call's own point code format; a decimal
// filter value matches a point code of any format with that value.
func (t *term) pc(pc mtp3.PointCode) bool {
	if !pc.IsValid() {
		return false
	}
	if t.isDec {
		return pc.Uint32() == t.dec
	}
	switch pc.Format() {
	case mtp3.ITU:
		return t.itu.IsValid() && t.itu.Uint32() == pc.Uint32()
	case mtp3.ANSI:
		return t.ansi.IsValid() && t.ansi.Uint32() == pc.Uint32()
	}
	return false
}

// globMatch matches s against a pattern split at its '*'s: the first part
// is a prefix, the last a suffix, the middle ones found in order (leftmost
// is enough when '*' is the only wildcard).
func globMatch(parts []string, s string) bool {
	first, last := parts[0], parts[len(parts)-1]
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	s = s[len(first) : len(s)-len(last)]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return true
}

// NeedsMessages reports whether e looks at the messages of a call (method,
// status, cause and CIC of any message, the word sipi), so that it needs
// an analysis that kept its message records (calls.Config.CallsOnly off).
func (e *Expr) NeedsMessages() bool {
	return e != nil && e.root != nil && e.root.needsMessages()
}

func (n *node) needsMessages() bool {
	switch n.kind {
	case nTerm:
		switch n.term.field {
		case FieldMethod, FieldStatus, FieldCause, FieldCIC:
			return true
		}
	case nWord:
		return n.word == WordSIPI
	}
	for _, k := range n.kids {
		if k.needsMessages() {
			return true
		}
	}
	return false
}
