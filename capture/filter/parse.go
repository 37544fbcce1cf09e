package filter

import (
	"strings"
	"unicode/utf8"
)

// Limits that keep Parse bounded on hostile input (the fuzzer's and a
// user's paste alike).
const (
	maxLen   = 64 << 10 // characters of filter text
	maxDepth = 100      // nesting of parentheses and "not"
)

type tokKind uint8

const (
	tEOF tokKind = iota
	tWord
	tString // a quoted value where a term was expected
	tOp
	tLParen
	tRParen
	tAnd
	tOr
	tNot
	tBad // a character that starts no token
)

var tokNames = [...]string{"end of filter", "word", "quoted value", "operator", `"("`, `")"`, `"and"`, `"or"`, `"not"`, "character"}

func (k tokKind) String() string { return tokNames[k] }

type token struct {
	kind tokKind
	text string // as written
	pos  int    // byte offset
	op   Op
}

type parser struct {
	s      string
	pos    int
	peeked bool
	tok    token
	depth  int
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// isWordByte reports whether c may appear in a bare word outside a value.
func isWordByte(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\f', '\v', '(', ')', '"', '!', '=', '~', '<', '>', '&', '|':
		return false
	}
	return true
}

func (p *parser) skipSpace() {
	for p.pos < len(p.s) && isSpace(p.s[p.pos]) {
		p.pos++
	}
}

// lex reads the next token outside a value.
func (p *parser) lex() token {
	p.skipSpace()
	start := p.pos
	if p.pos >= len(p.s) {
		return token{kind: tEOF, pos: start}
	}
	c := p.s[p.pos]
	next := byte(0)
	if p.pos+1 < len(p.s) {
		next = p.s[p.pos+1]
	}
	tok := func(k tokKind, n int, op Op) token {
		p.pos += n
		return token{kind: k, text: p.s[start:p.pos], pos: start, op: op}
	}
	switch c {
	case '(':
		return tok(tLParen, 1, 0)
	case ')':
		return tok(tRParen, 1, 0)
	case '&':
		if next == '&' {
			return tok(tAnd, 2, 0)
		}
		return tok(tBad, 1, 0)
	case '|':
		if next == '|' {
			return tok(tOr, 2, 0)
		}
		return tok(tBad, 1, 0)
	case '!':
		switch next {
		case '=':
			return tok(tOp, 2, OpNe)
		case '~':
			return tok(tOp, 2, OpNoMatch)
		}
		return tok(tNot, 1, 0)
	case '=':
		switch next {
		case '=':
			return tok(tOp, 2, OpEq)
		case '~':
			return tok(tOp, 2, OpMatch)
		}
		return tok(tOp, 1, OpEq)
	case '~':
		return tok(tOp, 1, OpMatch)
	case '<':
		if next == '=' {
			return tok(tOp, 2, OpLe)
		}
		return tok(tOp, 1, OpLt)
	case '>':
		if next == '=' {
			return tok(tOp, 2, OpGe)
		}
		return tok(tOp, 1, OpGt)
	case '"':
		// A quoted value where a term belongs; read it whole so the
		// error points at it rather than at its inside.
		if _, end, ok := unquote(p.s, p.pos); ok {
			p.pos = end
		} else {
			p.pos = len(p.s)
		}
		return token{kind: tString, text: p.s[start:p.pos], pos: start}
	}
	for p.pos < len(p.s) && isWordByte(p.s[p.pos]) {
		p.pos++
	}
	w := p.s[start:p.pos]
	switch {
	case strings.EqualFold(w, "and"):
		return token{kind: tAnd, text: w, pos: start}
	case strings.EqualFold(w, "or"):
		return token{kind: tOr, text: w, pos: start}
	case strings.EqualFold(w, "not"):
		return token{kind: tNot, text: w, pos: start}
	}
	return token{kind: tWord, text: w, pos: start}
}

func (p *parser) peek() token {
	if !p.peeked {
		p.tok = p.lex()
		p.peeked = true
	}
	return p.tok
}

func (p *parser) next() token {
	t := p.peek()
	p.peeked = false
	return t
}

// scanValue returns the end of a bare value starting at i: it runs to white
// space, to a ")" that closes nothing opened inside the value (so
// "(called~^49(30|40))" works), or to "&&"/"||".
func scanValue(s string, i int) int {
	depth := 0
	for ; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			return i
		case '(':
			depth++
		case ')':
			if depth == 0 {
				return i
			}
			depth--
		case '&', '|':
			if depth == 0 && i+1 < len(s) && s[i+1] == c {
				return i
			}
		}
	}
	return i
}

// unquote reads a "…" value at s[i]. Only \" and \\ are escapes; any other
// backslash stays, so regular expressions read as written ("\d+").
func unquote(s string, i int) (val string, end int, ok bool) {
	var b strings.Builder
	plain := true
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '"':
			if plain {
				return s[i+1 : j], j + 1, true
			}
			return b.String(), j + 1, true
		case '\\':
			if j+1 < len(s) && (s[j+1] == '"' || s[j+1] == '\\') {
				if plain {
					b.WriteString(s[i+1 : j])
					plain = false
				}
				b.WriteByte(s[j+1])
				j++
				continue
			}
		}
		if !plain {
			b.WriteByte(s[j])
		}
	}
	return "", len(s), false
}

func isKeyword(s string) bool {
	return strings.EqualFold(s, "and") || strings.EqualFold(s, "or") || strings.EqualFold(s, "not")
}

// lexValue reads the value after an operator. It reports the value, its
// byte offset, and whether it was quoted.
func (p *parser) lexValue(after string) (string, int, error) {
	p.skipSpace()
	start := p.pos
	if p.pos < len(p.s) && p.s[p.pos] == '"' {
		v, end, ok := unquote(p.s, p.pos)
		if !ok {
			return "", start, p.errAt(start, ErrUnterminated, "unterminated quoted value (a closing \" is missing)", nil)
		}
		p.pos = end
		return v, start, nil
	}
	end := scanValue(p.s, p.pos)
	v := p.s[start:end]
	if v == "" || isKeyword(v) {
		return "", start, p.errAt(start, ErrMissingValue, "missing value after "+quote(after), nil)
	}
	p.pos = end
	return v, start, nil
}

// column turns a byte offset into a 1-based column in characters.
func (p *parser) column(off int) int {
	if off > len(p.s) {
		off = len(p.s)
	}
	return utf8.RuneCountInString(p.s[:off]) + 1
}

func (p *parser) errAt(off int, kind error, msg string, cause error) *SyntaxError {
	return &SyntaxError{Pos: p.column(off), Msg: msg, Kind: kind, Cause: cause}
}

func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}

// Parse compiles a filter expression. See the package documentation for
// the language.
func Parse(s string) (*Expr, error) {
	p := &parser{s: s}
	if len(s) > maxLen {
		return nil, p.errAt(0, ErrTooLong, "filter longer than 64 KiB", nil)
	}
	if p.peek().kind == tEOF {
		return nil, p.errAt(0, ErrEmpty, "empty filter", nil)
	}
	n, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		if t.kind == tRParen {
			return nil, p.errAt(t.pos, ErrUnbalanced, `unbalanced parenthesis: ")" closes nothing`, nil)
		}
		return nil, p.errAt(t.pos, ErrUnexpected, "unexpected "+describe(t), nil)
	}
	return &Expr{root: n}, nil
}

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of filter"
	case tWord, tString, tOp, tBad:
		return t.kind.String() + " " + quote(t.text)
	}
	return t.kind.String()
}

// startsTerm reports whether t can begin a term (for implicit "and").
func startsTerm(t token) bool {
	switch t.kind {
	case tWord, tString, tLParen, tNot, tOp, tBad:
		return true
	}
	return false
}

func (p *parser) parseOr() (*node, error) {
	left, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tOr {
		op := p.next()
		right, err := p.parseOperand(op)
		if err != nil {
			return nil, err
		}
		right2, err := p.parseAndFrom(right)
		if err != nil {
			return nil, err
		}
		left = join(nOr, left, right2)
	}
	return left, nil
}

func (p *parser) parseAnd() (*node, error) {
	first, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	return p.parseAndFrom(first)
}

func (p *parser) parseAndFrom(left *node) (*node, error) {
	for {
		t := p.peek()
		var right *node
		var err error
		switch {
		case t.kind == tAnd:
			p.next()
			right, err = p.parseOperand(t)
		case startsTerm(t):
			right, err = p.parseUnary()
		default:
			return left, nil
		}
		if err != nil {
			return nil, err
		}
		left = join(nAnd, left, right)
	}
}

// parseOperand parses what follows a binary operator token op, with an error
// that names op when nothing follows.
func (p *parser) parseOperand(op token) (*node, error) {
	switch t := p.peek(); t.kind {
	case tEOF, tRParen, tAnd, tOr:
		return nil, p.errAt(t.pos, ErrMissingTerm, "missing term after "+quote(op.text), nil)
	}
	return p.parseUnary()
}

func (p *parser) parseUnary() (*node, error) {
	t := p.peek()
	if t.kind != tNot {
		return p.parsePrimary()
	}
	p.next()
	if p.depth++; p.depth > maxDepth {
		return nil, p.errAt(t.pos, ErrTooDeep, "expression nested too deeply", nil)
	}
	x, err := p.parseOperand(t)
	p.depth--
	if err != nil {
		return nil, err
	}
	return &node{kind: nNot, kids: []*node{x}}, nil
}

func (p *parser) parsePrimary() (*node, error) {
	t := p.next()
	switch t.kind {
	case tLParen:
		if p.depth++; p.depth > maxDepth {
			return nil, p.errAt(t.pos, ErrTooDeep, "expression nested too deeply", nil)
		}
		if k := p.peek().kind; k == tRParen || k == tEOF {
			return nil, p.errAt(p.peek().pos, ErrMissingTerm, `missing term after "("`, nil)
		}
		x, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		p.depth--
		c := p.next()
		if c.kind != tRParen {
			if c.kind == tEOF {
				return nil, p.errAt(t.pos, ErrUnbalanced, `unbalanced parenthesis: this "(" is never closed`, nil)
			}
			return nil, p.errAt(c.pos, ErrUnexpected, "unexpected "+describe(c)+`, want ")"`, nil)
		}
		return x, nil
	case tWord:
		if p.peek().kind == tOp {
			f := lookupField(t.text)
			if f == FieldNone {
				return nil, p.errAt(t.pos, ErrUnknownField, "unknown field "+quote(t.text)+" (fields: "+fieldList+")", nil)
			}
			op := p.next()
			v, vpos, err := p.lexValue(t.text + op.text)
			if err != nil {
				return nil, err
			}
			tm, err := p.newTerm(f, op, v, vpos)
			if err != nil {
				return nil, err
			}
			return &node{kind: nTerm, term: tm}, nil
		}
		if w := lookupWord(t.text); w != WordNone {
			return &node{kind: nWord, word: w}, nil
		}
		if f := lookupField(t.text); f != FieldNone {
			return nil, p.errAt(p.peek().pos, ErrMissingValue, "field "+quote(t.text)+" needs an operator and a value, as in "+f.String()+"=…", nil)
		}
		return nil, p.errAt(t.pos, ErrUnknownWord, "unknown word "+quote(t.text)+" (words: "+wordList+"; or FIELD=VALUE)", nil)
	case tRParen:
		return nil, p.errAt(t.pos, ErrUnbalanced, `unbalanced parenthesis: ")" closes nothing`, nil)
	case tEOF:
		return nil, p.errAt(t.pos, ErrMissingTerm, "missing term at end of filter", nil)
	case tAnd, tOr:
		return nil, p.errAt(t.pos, ErrMissingTerm, "missing term before "+quote(t.text), nil)
	case tOp:
		return nil, p.errAt(t.pos, ErrMissingTerm, "operator "+quote(t.text)+" without a field before it", nil)
	}
	return nil, p.errAt(t.pos, ErrUnexpected, "unexpected "+describe(t), nil)
}

// join builds an n-ary and/or node, flattening nested ones of the same kind
// (the operators are associative, and a flat node matches faster).
func join(k nodeKind, l, r *node) *node {
	var kids []*node
	if l.kind == k {
		kids = l.kids
	} else {
		kids = []*node{l}
	}
	if r.kind == k {
		kids = append(kids, r.kids...)
	} else {
		kids = append(kids, r)
	}
	return &node{kind: k, kids: kids}
}
