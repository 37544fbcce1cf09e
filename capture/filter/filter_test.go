package filter

import (
	"errors"
	"reflect"
	"regexp/syntax"
	"strings"
	"testing"

	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// matching returns the IDs of the fixture calls e matches.
func matching(t *testing.T, a *calls.Analysis, expr string, group bool) []uint32 {
	t.Helper()
	e, err := Parse(expr)
	if err != nil {
		t.Fatalf("Parse(%q): %v", expr, err)
	}
	var ids []uint32
	for _, c := range a.Calls {
		ok := e.Match(a, c)
		if group {
			ok = e.MatchGroup(a, c)
		}
		if ok {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

func ids(v ...uint32) []uint32 { return v }

// TestMatchFields runs every field and operator against the fixture (see
// fixture_test.go for what each call is).
func TestMatchFields(t *testing.T) {
	a := fixture()
	tests := []struct {
		expr string
		want []uint32
	}{
		// numbers: exact, glob prefix/suffix/middle, regexp, negation
		{"from=4930111", ids(1, 3, 5)},
		{"to=4930222", ids(1, 3)},
		{"called=4930*", ids(1, 3)},
		{"called=*99#", ids(7)},
		{"called=*0*3*", ids(2)},
		{`called="*99#"`, ids(7)},
		{"called=49*1*1", ids(4)},
		{"called=4930", nil},
		{"called=*", ids(1, 2, 3, 4, 5, 6, 7)},
		{`called=""`, ids(5)},
		{"calling=alice", ids(2)},
		{"calling~^\\+49", ids(7)},
		{"calling=+4930*", ids(7)},
		{"number=4930222", ids(1, 3)},
		{"number=*555", ids(7)},
		{"number~^49(69|89)", ids(4)},
		{"number!=4930111", ids(2, 4, 6, 7)},
		{"number!~4930", ids(2, 4, 6)},
		{"from~ALICE", nil},
		{"from~(?i)ALICE", ids(2)},
		{"to~^312", ids(6)},
		// methods: SIP and ISUP, case-insensitive, regexp over names
		{"method=INVITE", ids(1, 2, 4, 7)},
		{"method=invite", ids(1, 2, 4, 7)},
		{"method=register", ids(5)},
		{"method=BYE", ids(1)},
		{"method=IAM", ids(3, 4, 6)},
		{"method=anm", ids(3)},
		{"method!=ACK", ids(3, 5, 6, 7)},
		{"method~^(BYE|REL)$", ids(1, 3, 6)},
		{"method!~^(INVITE|IAM)$", ids(5)},
		{"method=OTHER", nil},
		// status: any response, classes, comparisons
		{"status=200", ids(1, 5)},
		{"status=4xx", ids(2, 5)},
		{"status=18x", ids(1, 7)},
		{"status=1xx", ids(1, 2, 4, 7)},
		{"status!=200", ids(2, 3, 4, 6, 7)},
		{"status>=500", ids(4)},
		{"status<101", ids(1, 2, 4)},
		{"status>486", ids(4)},
		{"status<=100", ids(1, 2, 4)},
		{"final=200", ids(1)},
		{"final=4xx", ids(2)},
		{"final>=400", ids(2, 4)},
		{"final!=200", ids(2, 3, 4, 5, 6, 7)},
		// cause: the call's or any message's
		{"cause=16", ids(3)},
		{"cause=17", ids(2)},
		{"cause>=30", ids(4, 6)},
		{"cause<17", ids(3)},
		{"cause=3x", ids(4, 6)},
		{"cause!=16", ids(1, 2, 4, 5, 6, 7)},
		// callid: exact (a '*' is literal), regexp
		{"callid=abc@host", ids(1)},
		{"callid=abc*", nil},
		{"callid=x*y@h", ids(7)},
		{"callid~^sipi-", ids(4)},
		{"callid!=abc@host", ids(2, 3, 4, 5, 6, 7)},
		{`callid=""`, ids(3, 6)},
		// cic: ISUP legs and ISUP carried in SIP-I
		{"cic=213", ids(3)},
		{"cic=7", ids(4)},
		{"cic>=200 cic<=299", ids(3)},
		{"cic>500", ids(6)},
		{"cic=1xxx", ids(6)},
		// point codes: ITU text, ANSI text, decimal, dots
		{"pc=2-200-1", ids(3, 6)},
		{"pc=2.200.1", ids(3, 6)},
		{"pc=5697", ids(3)},
		{"opc=2-200-1", ids(3)},
		{"dpc=2-200-1", ids(6)},
		{"dpc=5-160-2", ids(3)},
		{"opc=1-2-3", ids(6)},
		{"opc=66051", ids(6)},
		{"pc=1-2-3", ids(6)},
		{"pc!=2-200-1", ids(1, 2, 4, 5, 7)},
		{"opc=5-160-2", nil},
		// outcome and proto
		{"outcome=answered", ids(1, 3)},
		{"outcome=Cancelled", ids(6)},
		{"outcome=canceled", ids(6)},
		{"outcome=in-progress", ids(7)},
		{"outcome=inprogress", ids(7)},
		{"outcome=not-call", ids(5)},
		{"outcome!=answered", ids(2, 4, 5, 6, 7)},
		{"proto=isup", ids(3, 6)},
		{"proto=SIP", ids(1, 2, 4, 5, 7)},
		{"proto!=sip", ids(3, 6)},
		// durations: answered calls only; pdd where alerting or answer came
		{"duration=60s", ids(1)},
		{"duration=60.06s", ids(3)},
		{"duration>30s", ids(1, 3)},
		{"duration>60.05", ids(3)},
		{"duration>=1m0.06s", ids(3)},
		{"duration<1m", nil},
		{"duration!=60s", ids(2, 3, 4, 5, 6, 7)},
		{"pdd<=1.2s", ids(1, 3)},
		{"pdd<1200ms", ids(3)},
		{"pdd<1060ms", nil},
		{"pdd>2s", ids(6, 7)},
		{"pdd=1060ms", ids(3)},
		{"pdd>=1", ids(1, 3, 6, 7)},
		// words
		{"answered", ids(1, 3)},
		{"busy", ids(2)},
		{"rejected", nil},
		{"cancelled", ids(6)},
		{"CANCELED", ids(6)},
		{"failed", ids(4)},
		{"inprogress", ids(7)},
		{"sip", ids(1, 2, 4, 5, 7)},
		{"isup", ids(3, 6)},
		{"sipi", ids(4)},
		{"linked", ids(1, 3)},
		{"retrans", ids(2)},
		// aliases of field names
		{"call-id=abc@host", ids(1)},
		{"type=REL", ids(3, 6)},
		{"Called = 4930*", ids(1, 3)},
		{"CALLED==4930222", ids(1, 3)},
		{"called=~^4930", ids(1, 3)},
	}
	for _, tt := range tests {
		got := matching(t, a, tt.expr, false)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q matches %v, want %v", tt.expr, got, tt.want)
		}
	}
}

func TestPrecedenceAndCombinators(t *testing.T) {
	a := fixture()
	tests := []struct {
		expr string
		want []uint32
	}{
		{"busy or answered and isup", ids(2, 3)},
		{"(busy or answered) and isup", ids(3)},
		{"busy || answered && isup", ids(2, 3)},
		{"not busy and sip", ids(1, 4, 5, 7)},
		{"not (busy and sip)", ids(1, 3, 4, 5, 6, 7)},
		{"!busy sip", ids(1, 4, 5, 7)},
		{"not answered or isup", ids(2, 3, 4, 5, 6, 7)},
		{"not not answered", ids(1, 3)},
		{"!!answered", ids(1, 3)},
		{"called=4930* failed", nil},
		{"called=4930* answered", ids(1, 3)},
		{"called=4930* answered sip", ids(1)},
		{"sip and called=49* and (busy or failed)", ids(2, 4)},
		{"sip called=49* (busy failed)", nil},
		{"(called~^49(30|40)) or cancelled", ids(1, 2, 3, 6)},
		{"(called~^49(30|40))||cancelled", ids(1, 2, 3, 6)},
		{"called~^49(30|40)&&isup", ids(3)},
		{"isup or busy or failed", ids(2, 3, 4, 6)},
		{"answered and (isup or busy) or failed", ids(3, 4)},
		{"((answered))", ids(1, 3)},
		{"NOT answered AND sip OR isup", ids(2, 3, 4, 5, 6, 7)},
	}
	for _, tt := range tests {
		got := matching(t, a, tt.expr, false)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q matches %v, want %v", tt.expr, got, tt.want)
		}
	}
}

func TestMatchGroup(t *testing.T) {
	a := fixture()
	tests := []struct {
		expr string
		want []uint32
	}{
		// The SIP leg 1 is linked to the ISUP leg 3: a filter on either
		// leg's fields selects both.
		{"isup and answered", ids(1, 3)},
		{"callid=abc@host", ids(1, 3)},
		{"cic=213", ids(1, 3)},
		{"busy", ids(2)},
		{"cic=1000", ids(6)},
	}
	for _, tt := range tests {
		got := matching(t, a, tt.expr, true)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("MatchGroup %q matches %v, want %v", tt.expr, got, tt.want)
		}
	}

	// A group of three in a chain 1 – 2 – 3, group head 1: the walk from 3
	// reaches 1 through the group head and 2 through the links.
	b := newBuilder()
	x := b.call(&calls.Call{Kind: record.SIP, CallID: "leg-a"})
	y := b.call(&calls.Call{Kind: record.SIP, CallID: "leg-b", Group: 1})
	z := b.call(&calls.Call{Kind: record.ISUP, CIC: 42, Group: 1})
	w := b.call(&calls.Call{Kind: record.SIP, CallID: "alone"})
	x.Linked, y.Linked, z.Linked = []uint32{2}, []uint32{1, 3}, []uint32{2}
	e, _ := Parse("callid=leg-b")
	for _, c := range []*calls.Call{x, y, z} {
		if !e.MatchGroup(&b.a, c) {
			t.Errorf("MatchGroup(callid=leg-b) on call %d = false, want true", c.ID)
		}
	}
	if e.MatchGroup(&b.a, w) {
		t.Errorf("MatchGroup on an unlinked call matched another group's leg")
	}
	// A link to an ID outside the analysis, or to another group, is ignored.
	w.Linked = []uint32{99, 2}
	if e.MatchGroup(&b.a, w) {
		t.Errorf("MatchGroup followed a link into another group")
	}
}

func TestNilAndBrokenInputs(t *testing.T) {
	var e *Expr
	if !e.Match(nil, &calls.Call{}) || e.String() != "" {
		t.Errorf("nil Expr must match everything and print as empty")
	}
	f, err := Parse("method=INVITE or status=200 or cause=16 or cic=1 or pc=1 or sipi")
	if err != nil {
		t.Fatal(err)
	}
	if f.Match(nil, nil) || f.MatchGroup(nil, nil) {
		t.Errorf("nil call matched")
	}
	// No analysis: message-based fields see nothing, call fields still work.
	c := &calls.Call{ID: 1, Group: 1, Kind: record.SIP, Status: 200, Cause: record.NoCause, Messages: []uint32{5, 6}}
	if !f.Match(nil, c) {
		t.Errorf("status=200 from the call itself should match without an analysis")
	}
	g, _ := Parse("method=BYE")
	// Message indexes beyond the analysis are ignored, not a panic.
	a := &calls.Analysis{Messages: []record.Message{{Proto: record.SIP, Method: record.BYE}}}
	c.Messages = []uint32{0, 1 << 30}
	if g.Match(a, c) {
		t.Errorf("a call with out-of-range message indexes matched its messages")
	}
	c.Messages = []uint32{0}
	if !g.Match(a, c) {
		t.Errorf("method=BYE did not match a BYE")
	}
	// Endpoint IDs beyond the table are ignored too.
	h, _ := Parse("pc=1")
	if h.Match(a, &calls.Call{Caller: 7, Callee: 9}) {
		t.Errorf("pc matched a missing endpoint")
	}
	ep := &calls.Analysis{Endpoints: []record.Endpoint{{PC: mtp3.ITUPC(1)}, {PC: mtp3.ITUPC(2)}}}
	if !h.Match(ep, &calls.Call{Caller: 1, Callee: 0}) {
		t.Errorf("pc=1 did not match the callee endpoint's point code")
	}
}

func TestString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"called=4930* failed", "called=4930* and failed"},
		{"Called = 4930*", "called=4930*"},
		{"CALLED==4930222", "called=4930222"},
		{"called=~^49", "called~^49"},
		{"busy || answered && isup", "busy or answered and isup"},
		{"(busy or answered) and isup", "(busy or answered) and isup"},
		{"not (busy and sip)", "not (busy and sip)"},
		{"not (busy or sip)", "not (busy or sip)"},
		{"!(busy)", "not busy"},
		{"!!busy", "not not busy"},
		{"busy or (answered or failed)", "busy or answered or failed"},
		{"busy and (answered and failed)", "busy and answered and failed"},
		{"busy and (answered or failed) and sip", "busy and (answered or failed) and sip"},
		{"(called~^49(30|40))", "called~^49(30|40)"},
		{"method=invite", "method=INVITE"},
		{"method~^inv", "method~^inv"},
		{"status=4XX", "status=4xx"},
		{"status=04xx", "status=4xx"},
		{"cause=016", "cause=16"},
		{"duration>90", "duration>1m30s"},
		{"pdd<=0.15", "pdd<=150ms"},
		{"outcome=CANCELED", "outcome=cancelled"},
		{"outcome=inprogress", "outcome=in-progress"},
		{"proto=ISUP", "proto=isup"},
		{"CANCELED", "cancelled"},
		{"in-progress", "inprogress"},
		{"pc=2.200.1", "pc=2.200.1"},
		{`callid="a b"`, `callid="a b"`},
		{`callid="a\"b"`, `callid=a"b`},
		{`from="\d+"`, `from=\d+`},
		{`from="a\\"`, `from=a\`},
		{`from="(x"`, `from=(x`},
		{`from="x)"`, `from="x)"`},
		{`from="or"`, `from="or"`},
		{`from="OR"`, `from="OR"`},
		{`from=""`, `from=""`},
		{`from="a&&b"`, `from="a&&b"`},
		{`from="a&b"`, `from=a&b`},
		{`from="\"x"`, `from="\"x"`},
		{"from=x\"y", `from=x"y`},
		// Found by FuzzParse: a value that starts with an operator character.
		{"from= ~0", `from="~0"`},
		{"from= =0", `from="=0"`},
		{"status!= 200", `status!=200`},
		{`from="<3"`, `from="<3"`},
		{"NOT answered AND sip OR isup", "not answered and sip or isup"},
	}
	for _, tt := range tests {
		e, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := e.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
		e2, err := Parse(e.String())
		if err != nil {
			t.Errorf("Parse(%q) (the canonical form of %q): %v", e.String(), tt.in, err)
			continue
		}
		if e2.String() != e.String() {
			t.Errorf("round trip of %q: %q then %q", tt.in, e.String(), e2.String())
		}
	}
}

func TestQuotedValues(t *testing.T) {
	a := &calls.Analysis{}
	c := &calls.Call{ID: 1, Group: 1, From: `a "quoted" name`, CallID: `x\y`}
	for _, s := range []string{`from="a \"quoted\" name"`, `from~"\"quoted\""`, `callid="x\\y"`, `callid~"^x\\\\y$"`, `from~"quoted\" n"`} {
		e, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q): %v", s, err)
		}
		if !e.Match(a, c) {
			t.Errorf("%s does not match", s)
		}
	}
	// An unknown escape keeps its backslash, so regexps read as written.
	e, err := Parse(`from~"^\d+$"`)
	if err != nil {
		t.Fatal(err)
	}
	if !e.Match(a, &calls.Call{From: "4930"}) || e.Match(a, &calls.Call{From: "49a"}) {
		t.Errorf(`"^\d+$" did not keep its backslash`)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		in   string
		col  int
		kind error
		msg  string
	}{
		{`answered and calld=49`, 14, ErrUnknownField, `unknown field "calld" (fields: from, to, called, calling, number, method, status, final, cause, callid, cic, pc, opc, dpc, outcome, proto, duration, pdd)`},
		{`answerd`, 1, ErrUnknownWord, `unknown word "answerd"`},
		{`called=`, 8, ErrMissingValue, `missing value after "called="`},
		{`called=   `, 11, ErrMissingValue, `missing value`},
		{`(called=)`, 9, ErrMissingValue, `missing value after "called="`},
		{`called= and busy`, 9, ErrMissingValue, `missing value`},
		{`called`, 7, ErrMissingValue, `field "called" needs an operator and a value`},
		{`(answered`, 1, ErrUnbalanced, `this "(" is never closed`},
		{`busy or ((answered)`, 9, ErrUnbalanced, `never closed`},
		{`answered)`, 9, ErrUnbalanced, `")" closes nothing`},
		{`)`, 1, ErrUnbalanced, `")" closes nothing`},
		{`()`, 2, ErrMissingTerm, `missing term after "("`},
		{`from~a(`, 6, ErrBadRegexp, `bad regular expression "a(": missing closing )`},
		{`from~"x[" or busy`, 6, ErrBadRegexp, `bad regular expression`},
		{`method~(`, 8, ErrBadRegexp, `bad regular expression`},
		{`pc=9-9-9-9`, 4, ErrBadPointCode, `bad point code "9-9-9-9"`},
		{`opc=8-300-1`, 5, ErrBadPointCode, `bad point code`},
		{`dpc=abc`, 5, ErrBadPointCode, `bad point code`},
		{`pc=99999999`, 4, ErrBadPointCode, `bad point code`},
		{`from<3`, 5, ErrBadOperator, `operator < not valid for field "from" (use =, !=, ~, !~)`},
		{`status~4..`, 7, ErrBadOperator, `operator ~ not valid for field "status" (use =, !=, <, <=, >, >=)`},
		{`outcome>answered`, 8, ErrBadOperator, `(use =, !=)`},
		{`status=abc`, 8, ErrBadValue, `status: "abc" is not a number (or a class such as 4xx)`},
		{`status<4xx`, 8, ErrBadValue, `works with = and != only`},
		{`cic=-1`, 5, ErrBadValue, `not a number`},
		{`cic=99999999999`, 5, ErrBadValue, `not a number`},
		{`duration>soon`, 10, ErrBadValue, `not a duration`},
		{`pdd>-1s`, 5, ErrBadValue, `not a duration`},
		{`method=INVIET`, 8, ErrUnknownMethod, `unknown method "INVIET"`},
		{`outcome=won`, 9, ErrUnknownOutcome, `unknown outcome "won"`},
		{`proto=h323`, 7, ErrBadValue, `neither sip nor isup`},
		{`from="abc`, 6, ErrUnterminated, `unterminated`},
		{``, 1, ErrEmpty, `empty filter`},
		{"  \t", 1, ErrEmpty, `empty filter`},
		{`busy and`, 9, ErrMissingTerm, `missing term after "and"`},
		{`busy ||`, 8, ErrMissingTerm, `missing term after "||"`},
		{`or busy`, 1, ErrMissingTerm, `missing term before "or"`},
		{`not`, 4, ErrMissingTerm, `missing term after "not"`},
		{`busy and or failed`, 10, ErrMissingTerm, `missing term after "and"`},
		{`=4930`, 1, ErrMissingTerm, `operator "=" without a field`},
		{`"busy"`, 1, ErrUnexpected, `unexpected quoted value`},
		{`busy & failed`, 6, ErrUnexpected, `unexpected character "&"`},
		{`busy | failed`, 6, ErrUnexpected, `unexpected character "|"`},
		{`(busy failed"x")`, 13, ErrUnexpected, `unexpected quoted value`},
		{`called=4930* Ä=1`, 14, ErrUnknownField, `unknown field "Ä"`},
		{`Ärger=1`, 1, ErrUnknownField, `unknown field`},
		{`ñ busy calld=1`, 1, ErrUnknownWord, `unknown word "ñ"`},
		{`from=Ä busy calld=1`, 13, ErrUnknownField, `unknown field "calld"`},
		{`busy ü`, 6, ErrUnknownWord, `unknown word "ü"`},
		{strings.Repeat("(", 101) + "busy" + strings.Repeat(")", 101), 101, ErrTooDeep, `nested too deeply`},
		{strings.Repeat("!", 200) + "busy", 101, ErrTooDeep, `nested too deeply`},
		{strings.Repeat("x", maxLen+1), 1, ErrTooLong, `longer than 64 KiB`},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%.40q) = %v, want a *SyntaxError", tt.in, err)
			continue
		}
		if se.Pos != tt.col || !errors.Is(err, tt.kind) || !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("Parse(%.40q):\n got column %d kind %v: %s\nwant column %d kind %v: …%s…", tt.in, se.Pos, se.Kind, se.Msg, tt.col, tt.kind, tt.msg)
		}
		if want := "filter: column "; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("error text %q does not start with %q", err.Error(), want)
		}
	}

	// The example of the brief, whole.
	_, err := Parse(`answered and calld=49`)
	const want = `filter: column 14: unknown field "calld" (fields: from, to, called, calling, number, method, status, final, cause, callid, cic, pc, opc, dpc, outcome, proto, duration, pdd)`
	if err == nil || err.Error() != want {
		t.Errorf("error text\n got %v\nwant %s", err, want)
	}
	// Underlying causes stay reachable.
	_, err = Parse(`from~a(`)
	var re *syntax.Error
	if !errors.As(err, &re) || re.Code != syntax.ErrMissingParen {
		t.Errorf("bad regexp error does not wrap *syntax.Error: %v", err)
	}
	_, err = Parse(`pc=1-2-3-4`)
	var pe *mtp3.Error
	if !errors.As(err, &pe) || !errors.Is(err, mtp3.ErrSyntax) {
		t.Errorf("bad point code error does not wrap *mtp3.Error: %v", err)
	}
}

// TestMatchAllocs: Match is called for every call of a big capture.
func TestMatchAllocs(t *testing.T) {
	a := fixture()
	for _, s := range []string{
		"called=4930* and (answered or busy) and not method=OPTIONS",
		"number~^49(30|40) or callid~^sipi- or from=*555",
		"status=4xx or final>=500 or cause=16 or cic>=200 or pc=2-200-1",
		"duration>30s or pdd<2s or sipi or linked or retrans or outcome!=failed",
		"method~^(BYE|REL)$ and proto=sip",
	} {
		e, err := Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		n := testing.AllocsPerRun(100, func() {
			for _, c := range a.Calls {
				e.Match(a, c)
				e.MatchGroup(a, c)
			}
		})
		if n != 0 {
			t.Errorf("%q: %v allocations per pass, want 0", s, n)
		}
	}
}

func TestEnumStrings(t *testing.T) {
	for f := FieldFrom; f < numFields; f++ {
		if got := lookupField(f.String()); got != f {
			t.Errorf("lookupField(%q) = %v", f.String(), got)
		}
	}
	for w := WordAnswered; w < numWords; w++ {
		if got := lookupWord(w.String()); got != w {
			t.Errorf("lookupWord(%q) = %v", w.String(), got)
		}
	}
	if FieldNone.String() != "field?" || Field(200).String() != "field?" || Op(99).String() != "op?" || WordNone.String() != "word?" {
		t.Errorf("out-of-range enum strings")
	}
	for o := OpEq; o <= OpGe; o++ {
		p := &parser{s: "x" + o.String() + "1"}
		p.lex()
		if tok := p.lex(); tok.kind != tOp || tok.op != o {
			t.Errorf("operator %q lexes as %v %v", o.String(), tok.kind, tok.op)
		}
	}
}

func TestNeedsMessages(t *testing.T) {
	cases := map[string]bool{
		"":                                false,
		"answered":                        false,
		"called=49* and duration>30s":     false,
		"opc=1-2-3 or pc=4660":            false,
		"method=INFO":                     true,
		"not status=404":                  true,
		"answered and (busy or cause=34)": true,
		"cic=12":                          true,
		"sipi":                            true,
		"not (linked or sipi)":            true,
		"from=alice or to~^bob":           false,
	}
	for src, want := range cases {
		var e *Expr
		if src != "" {
			var err error
			if e, err = Parse(src); err != nil {
				t.Fatalf("Parse(%q): %v", src, err)
			}
		}
		if got := e.NeedsMessages(); got != want {
			t.Errorf("Parse(%q).NeedsMessages() = %v, want %v", src, got, want)
		}
	}
}
