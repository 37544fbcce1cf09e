package q764

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// ---------------------------------------------------------------------------
// Messages as they come off the wire: built, encoded and decoded again in
// the trunk's variant.

type spec struct {
	typ    isup.MessageType
	cic    uint16
	params []isup.Param
	body   []byte // raw body for message types without a layout
}

func (s spec) with(code isup.ParamCode, data ...byte) spec {
	s.params = append(slices.Clone(s.params), isup.Param{Code: code, Data: data})
	return s
}

func build(tb testing.TB, v isup.Variant, s spec) *isup.Message {
	tb.Helper()
	m := isup.New(v, s.typ, s.cic)
	m.Body = s.body
	for _, p := range s.params {
		if v == isup.ANSI && p.Code == isup.ParamTransmissionMediumRequirement {
			// T1.113 IAM: user service information instead (speech).
			m.SetRaw(isup.ParamUserServiceInformation, []byte{0x80, 0x90, 0xa2})
			continue
		}
		if l := m.Layout(); l == nil {
			tb.Fatalf("no layout for %v", s.typ)
		}
		m.SetRaw(p.Code, p.Data)
	}
	b, err := m.Append(nil)
	if err != nil {
		tb.Fatalf("encode %v: %v", s.typ, err)
	}
	var d isup.Message
	if err := d.Decode(b, v); err != nil {
		tb.Fatalf("decode %v: %v", s.typ, err)
	}
	return &d
}

// bcd packs digits ('0'–'9', 'F' for ST) two per octet, low nibble first.
func bcd(digits string) ([]byte, bool) {
	var out []byte
	for i := 0; i < len(digits); i++ {
		var n byte
		switch c := digits[i]; {
		case c >= '0' && c <= '9':
			n = c - '0'
		case c == 'F':
			n = 15
		default:
			panic("digit " + string(c))
		}
		if i%2 == 0 {
			out = append(out, n)
		} else {
			out[len(out)-1] |= n << 4
		}
	}
	return out, len(digits)%2 == 1
}

func mk(typ isup.MessageType, cic uint16) spec { return spec{typ: typ, cic: cic} }

// iam: cc is the continuity check indicator, digits may end in F (ST).
func iam(cic uint16, cc byte, digits string) spec {
	d, odd := bcd(digits)
	o1 := byte(0x03)
	if odd {
		o1 |= 0x80
	}
	return mk(isup.IAM, cic).
		with(isup.ParamNatureOfConnectionIndicators, cc<<2).
		with(isup.ParamForwardCallIndicators, 0x60, 0x01).
		with(isup.ParamCallingPartysCategory, byte(isup.CategoryOrdinary)).
		with(isup.ParamTransmissionMediumRequirement, 0x00).
		with(isup.ParamCalledPartyNumber, append([]byte{o1, 0x10}, d...)...)
}

func testIAM(cic uint16) spec {
	s := iam(cic, 0, "1234F")
	for i := range s.params {
		if s.params[i].Code == isup.ParamCallingPartysCategory {
			s.params[i].Data = []byte{byte(isup.CategoryTestCall)}
		}
	}
	return s
}

func sam(cic uint16, digits string) spec {
	d, odd := bcd(digits)
	var o1 byte
	if odd {
		o1 = 0x80
	}
	return mk(isup.SAM, cic).with(isup.ParamSubsequentNumber, append([]byte{o1}, d...)...)
}

func acm(cic uint16) spec {
	return mk(isup.ACM, cic).with(isup.ParamBackwardCallIndicators, 0x16, 0x14)
}
func con(cic uint16) spec {
	return mk(isup.CON, cic).with(isup.ParamBackwardCallIndicators, 0x16, 0x14)
}
func anm(cic uint16) spec { return mk(isup.ANM, cic) }
func cpg(cic uint16) spec { return mk(isup.CPG, cic).with(isup.ParamEventInformation, 0x01) }
func rel(cic uint16, cause isup.Cause) spec {
	return mk(isup.REL, cic).with(isup.ParamCauseIndicators, 0x82, 0x80|byte(cause))
}
func rlc(cic uint16) spec { return mk(isup.RLC, cic) }
func sus(cic uint16, network bool) spec {
	var ind byte
	if network {
		ind = 1
	}
	return mk(isup.SUS, cic).with(isup.ParamSuspendResumeIndicators, ind)
}
func res(cic uint16, network bool) spec {
	s := sus(cic, network)
	s.typ = isup.RES
	return s
}
func inr(cic uint16) spec {
	return mk(isup.INR, cic).with(isup.ParamInformationRequestIndicators, 0x01, 0x00)
}
func inf(cic uint16) spec { return mk(isup.INF, cic).with(isup.ParamInformationIndicators, 0x03, 0x00) }
func cot(cic uint16, ok bool) spec {
	var ind byte
	if ok {
		ind = 1
	}
	return mk(isup.COT, cic).with(isup.ParamContinuityIndicators, ind)
}
func cfn(cic uint16, cause isup.Cause) spec {
	return mk(isup.CFN, cic).with(isup.ParamCauseIndicators, 0x82, 0x80|byte(cause))
}
func rangeStatus(rng uint8, status uint32) []byte {
	n := statusLen(rng)
	b := []byte{rng}
	for i := 0; i < n; i++ {
		b = append(b, byte(status>>(8*i)))
	}
	return b
}
func grs(cic uint16, rng uint8) spec { return mk(isup.GRS, cic).with(isup.ParamRangeAndStatus, rng) }
func cqm(cic uint16, rng uint8) spec { return mk(isup.CQM, cic).with(isup.ParamRangeAndStatus, rng) }
func gra(cic uint16, rng uint8, status uint32) spec {
	return mk(isup.GRA, cic).with(isup.ParamRangeAndStatus, rangeStatus(rng, status)...)
}
func grp(typ isup.MessageType, cic uint16, hw bool, rng uint8, status uint32) spec {
	var t byte
	if hw {
		t = 1
	}
	return mk(typ, cic).with(isup.ParamCircuitGroupSupervisionMsgType, t).
		with(isup.ParamRangeAndStatus, rangeStatus(rng, status)...)
}
func cqr(cic uint16, rng uint8, states ...byte) spec {
	return mk(isup.CQR, cic).with(isup.ParamRangeAndStatus, rng).with(isup.ParamCircuitStateIndicator, states...)
}

// ---------------------------------------------------------------------------
// The trunk under test.

// Own point code 2 over the peer's 1: this exchange controls the even CICs.
func testConfig(v isup.Variant) Config {
	cfg := DefaultConfig(v)
	cfg.OwnPC, cfg.PeerPC = mtp3.ITUPC(2), mtp3.ITUPC(1)
	cfg.CICs = []uint16{1, 2, 3, 4, 5, 6, 7, 8}
	return cfg
}

type env struct {
	tb  testing.TB
	v   isup.Variant
	tr  *Trunk
	now time.Time
}

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newEnv(tb testing.TB, mods ...func(*Config)) *env {
	cfg := testConfig(isup.ITU)
	for _, m := range mods {
		m(&cfg)
	}
	tr, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return &env{tb: tb, v: cfg.Variant, tr: tr, now: epoch}
}

type step func(e *env) []Action

func rx(s spec) step {
	return func(e *env) []Action { return e.tr.Receive(e.now, build(e.tb, e.v, s), nil) }
}

func req(r Request, msg ...spec) step {
	return func(e *env) []Action {
		if len(msg) > 0 {
			r.Msg = build(e.tb, e.v, msg[0])
		}
		return e.tr.Request(e.now, r, nil)
	}
}

func expire(cic uint16, tm Timer) step {
	return func(e *env) []Action {
		e.now = e.now.Add(time.Second)
		return e.tr.Expire(e.now, TimerRef{CIC: cic, Timer: tm}, nil)
	}
}

func steps(s ...step) step {
	return func(e *env) []Action {
		var all []Action
		for _, x := range s {
			all = append(all, x(e)...)
		}
		return all
	}
}

// Common ways into a state on a CIC.
func outSetup(cic uint16) step { return req(Request{Kind: ReqSetup, CIC: cic}, iam(cic, 0, "1234F")) }
func outCOT(cic uint16, cc byte) step {
	return req(Request{Kind: ReqSetup, CIC: cic}, iam(cic, cc, "1234F"))
}
func outProceeding(cic uint16) step { return steps(outSetup(cic), rx(acm(cic))) }
func outAnswered(cic uint16) step   { return steps(outProceeding(cic), rx(anm(cic))) }
func inSetup(cic uint16) step       { return rx(iam(cic, 0, "1234F")) }
func inProceeding(cic uint16) step {
	return steps(inSetup(cic), req(Request{Kind: ReqACM, CIC: cic}, acm(cic)))
}
func inAnswered(cic uint16) step {
	return steps(inProceeding(cic), req(Request{Kind: ReqANM, CIC: cic}, anm(cic)))
}
func releasing(cic uint16) step {
	return steps(outAnswered(cic), req(Request{Kind: ReqRelease, CIC: cic, Cause: isup.CauseNormalClearing}))
}
func resetting(cic uint16) step { return req(Request{Kind: ReqReset, CIC: cic}) }

// strs renders actions other than state changes.
func strs(acts []Action) []string {
	var s []string
	for _, a := range acts {
		if a.Kind != ActState {
			s = append(s, a.String())
		}
	}
	return s
}

// ---------------------------------------------------------------------------
// Transition tables.

type row struct {
	name   string
	clause string // the Q.764 clause the row proves
	cfg    func(*Config)
	given  step
	when   step
	want   []string
	cic    uint16 // whose phase and state are checked (default 2)
	phase  Phase
	state  string // circuit.State.String(); "" skips
	reason string // substring of the status reason; "" skips
}

func runRows(t *testing.T, rows []row) {
	t.Helper()
	for _, r := range rows {
		t.Run(r.clause+" "+r.name, func(t *testing.T) {
			var mods []func(*Config)
			if r.cfg != nil {
				mods = append(mods, r.cfg)
			}
			e := newEnv(t, mods...)
			if r.given != nil {
				for _, a := range r.given(e) {
					if a.Kind == ActIndicate && a.Ind == IndRejected {
						t.Fatalf("given step rejected: %v", a)
					}
				}
				checkInvariants(t, e.tr)
			}
			got := strs(r.when(e))
			if !slices.Equal(got, r.want) {
				t.Errorf("actions\n got: %s\nwant: %s", fmtList(got), fmtList(r.want))
			}
			cic := r.cic
			if cic == 0 {
				cic = 2
			}
			if p := e.tr.Phase(cic); p != r.phase {
				t.Errorf("phase = %v, want %v", p, r.phase)
			}
			st, _ := e.tr.Status(cic)
			if r.state != "" && st.State.String() != r.state {
				t.Errorf("state = %v, want %v", st.State, r.state)
			}
			if r.reason != "" && !strings.Contains(st.Reason, r.reason) {
				t.Errorf("reason = %q, want it to contain %q", st.Reason, r.reason)
			}
			checkInvariants(t, e.tr)
		})
	}
}

func fmtList(s []string) string {
	if len(s) == 0 {
		return "(none)"
	}
	return "\n\t" + strings.Join(s, "\n\t")
}

func checkInvariants(tb testing.TB, t *Trunk) {
	tb.Helper()
	if err := t.Verify(); err != nil {
		tb.Error(err)
	}
}
