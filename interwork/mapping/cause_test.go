package mapping

import (
	"errors"
	"strings"
	"testing"

	"github.com/sipgw/sipgw/isup"
	"gopkg.in/yaml.v3"
)

// The rows below are copied from the interworking notes §3 (tables A–D),
// independently of the tables in cause.go, so that a wrong row in either
// place fails.

// Table A: ISUP cause → SIP status (RFC 3398 §7.2.4.1).
var tableA = map[int]int{
	1: 404, 2: 404, 3: 404, 17: 486, 18: 408, 19: 480, 20: 480, 21: 403, 22: 410,
	23: 410, 26: 404, 27: 502, 28: 484, 29: 501, 31: 480, 34: 503, 38: 503, 41: 503,
	42: 503, 47: 503, 55: 403, 57: 403, 58: 503, 65: 488, 70: 488, 79: 501, 87: 403,
	88: 503, 102: 504, 111: 500, 127: 500,
}

// Table B: SIP status → ISUP cause (RFC 3398 §8.2.6.1); -1 no mapping,
// -2 by Warning.
var tableB = map[int]int{
	400: 41, 401: 21, 402: 21, 403: 21, 404: 1, 405: 63, 406: 79, 407: 21, 408: 102,
	410: 22, 413: 127, 414: 127, 415: 79, 416: 127, 420: 127, 421: 127, 423: 127,
	480: 18, 481: 41, 482: 25, 483: 25, 484: 28, 485: 1, 486: 17, 487: -1, 488: -2,
	500: 41, 501: 79, 502: 38, 503: 41, 504: 102, 505: 127, 513: 127, 600: 17,
	603: 21, 604: 1, 606: -2,
}

// Table C: Q.1912.5 style.
var tableC = map[int]int{404: 1, 410: 22, 480: 20, 484: 28, 486: 17, 600: 17, 603: 21, 604: 1}

// Table D: SBC (RFC 6432 style).
var tableD = map[int]int{
	400: 111, 414: 111, 416: 111, 420: 111, 421: 111, 403: 79, 417: 79, 501: 79,
	422: 31, 433: 24, 488: 50, 502: 27, 513: 95, 604: 2, 606: 88,
}

func allFinal() []int {
	var s []int
	for i := 400; i <= 699; i++ {
		s = append(s, i)
	}
	return s
}

func TestTableAISUPToSIP(t *testing.T) {
	for _, name := range ProfileNames() {
		tab := MustProfile(name)
		for c := 0; c < 128; c++ {
			ci := isup.CauseIndicators{Value: isup.Cause(c), Location: isup.LocPublicRemote}
			got := tab.StatusFor(&ci, nil)
			want, ok := tableA[c]
			switch {
			case c == 16:
				if got.Action != SendByeOrCancel || got.Status != 480 {
					t.Errorf("%s: cause 16: %+v, want BYE/CANCEL (480 if pending)", name, got)
				}
			case ok:
				if got.Action != SendResponse || got.Status != want {
					t.Errorf("%s: cause %d → %d, want %d", name, c, got.Status, want)
				}
			default:
				if got.Status != 500 {
					t.Errorf("%s: unlisted cause %d → %d, want 500", name, c, got.Status)
				}
			}
		}
	}
}

func TestTableBSIPToISUP(t *testing.T) {
	tab := MustProfile(RFC3398)
	for _, s := range allFinal() {
		c, src, ok := tab.CauseFor(s, 0)
		want, listed := tableB[s]
		if s == 491 { // not in table B; no ISUP mapping (re-INVITE glare)
			want, listed = -1, true
		}
		switch {
		case !listed:
			if !ok || c != 31 || src != FromTable {
				t.Errorf("unlisted %d → %d %v %v, want 31", s, c, src, ok)
			}
		case want == -1:
			if ok {
				t.Errorf("%d → %d, want no ISUP mapping", s, c)
			}
		case want == -2:
			if !ok || c != 31 {
				t.Errorf("%d without Warning → %d, want the default 31", s, c)
			}
		default:
			if !ok || int(c) != want {
				t.Errorf("%d → %d, want %d", s, c, want)
			}
		}
	}
	if _, _, ok := tab.CauseFor(491, 0); ok {
		t.Error("491 has an ISUP mapping")
	}
	for _, s := range []int{0, 200, 399, 700} {
		if _, _, ok := tab.CauseFor(s, 0); ok {
			t.Errorf("status %d mapped", s)
		}
	}
}

func TestWarningRows(t *testing.T) {
	tab := MustProfile(RFC3398)
	for _, tc := range []struct {
		status, warning int
		want            isup.Cause
		src             CauseSource
	}{
		{488, 304, 65, FromWarning}, {488, 305, 65, FromWarning}, {606, 300, 65, FromWarning},
		{606, 331, 65, FromWarning}, {488, 370, 58, FromWarning}, {606, 370, 58, FromWarning},
		{488, 399, 31, FromTable}, {488, 0, 31, FromTable},
	} {
		c, src, ok := tab.CauseFor(tc.status, tc.warning)
		if !ok || c != tc.want || src != tc.src {
			t.Errorf("%d with Warning %d → %d (%v), want %d (%v)", tc.status, tc.warning, c, src, tc.want, tc.src)
		}
	}
}

func TestTableCQ19125(t *testing.T) {
	tab := MustProfile(Q19125)
	for _, s := range allFinal() {
		c, _, ok := tab.CauseFor(s, 0)
		if s == 487 || s == 491 {
			if ok {
				t.Errorf("%d mapped to %d", s, c)
			}
			continue
		}
		want := 127
		if w, ok := tableC[s]; ok {
			want = w
		}
		if !ok || int(c) != want {
			t.Errorf("%d → %d, want %d", s, c, want)
		}
	}
	if tab.CancelCause != 31 || tab.ByeCause != 16 || tab.NetworkLocation != 10 {
		t.Errorf("CANCEL %d BYE %d location %d", tab.CancelCause, tab.ByeCause, tab.NetworkLocation)
	}
	// The differences from table B the notes call out.
	b := MustProfile(RFC3398)
	if c, _, _ := b.CauseFor(480, 0); c != 18 {
		t.Errorf("rfc3398 480 → %d", c)
	}
	if c, _, _ := tab.CauseFor(480, 0); c != 20 {
		t.Errorf("q1912.5 480 → %d", c)
	}
	if b.CancelCause != 16 {
		t.Errorf("rfc3398 CANCEL → %d", b.CancelCause)
	}
}

func TestTableDRFC6432(t *testing.T) {
	tab := MustProfile(RFC6432)
	for s, want := range tableD {
		if c, _, ok := tab.CauseFor(s, 0); !ok || int(c) != want {
			t.Errorf("%d → %d, want %d", s, c, want)
		}
	}
	if c, _, _ := tab.CauseFor(499, 0); c != 127 {
		t.Errorf("other → %d, want 127", c)
	}
	// 488 and 606 are explicit rows here: the Warning code does not matter.
	if c, src, _ := tab.CauseFor(488, 304); c != 50 || src != FromTable {
		t.Errorf("488 → %d %v", c, src)
	}
}

func TestSpecialRows(t *testing.T) {
	tab := MustProfile(RFC3398)
	user := isup.CauseIndicators{Value: 21, Location: isup.LocUser}
	netw := isup.CauseIndicators{Value: 21, Location: isup.LocPublicRemote}
	if r := tab.StatusFor(&user, nil); r.Status != 603 {
		t.Errorf("21 at user → %d, want 603", r.Status)
	}
	if r := tab.StatusFor(&netw, nil); r.Status != 403 {
		t.Errorf("21 in network → %d, want 403", r.Status)
	}
	nn, err := isup.NewNumber(isup.NAIInternational, "4930123456")
	if err != nil {
		t.Fatal(err)
	}
	c22 := isup.CauseIndicators{Value: 22}
	if r := tab.StatusFor(&c22, &nn); r.Status != 301 || !r.HasContact || r.Contact.Digits.String() != "4930123456" {
		t.Errorf("22 with new number → %+v", r)
	}
	if r := tab.StatusFor(&c22, nil); r.Status != 410 || r.HasContact {
		t.Errorf("22 without number → %+v", r)
	}
	// The new number from the Q.850 diagnostic (a called party number IE,
	// type international, plan E.164, IA5 digits).
	diag := append([]byte{0x70, 9, 0x91}, "49301234"...)
	c22.Diagnostics = diag
	n, ok := NewNumberFromREL(nil, &c22)
	if !ok || n.NAI != isup.NAIInternational || n.NPI != isup.NPIE164 || n.Digits.String() != "49301234" {
		t.Fatalf("diagnostic number: %+v %v", n, ok)
	}
	// A REL with a redirection number: that number wins over the diagnostic.
	rel := isup.New(isup.ITU, isup.REL, 1)
	rel.Set(&c22)
	rn, _ := isup.NewRedirectionNumber(isup.NAINational, "301112")
	rel.Set(&rn)
	if n, ok := NewNumberFromREL(rel, &c22); !ok || n.Digits.String() != "301112" || n.NAI != isup.NAINational {
		t.Errorf("redirection number: %+v %v", n, ok)
	}
	for _, bad := range [][]byte{nil, {0x70}, {0x70, 40, 0x91, '1'}, {0x71, 2, 0x91, '1'}, {0x70, 2, 0x91, 'x'}} {
		c22.Diagnostics = bad
		if _, ok := NewNumberFromREL(nil, &c22); ok {
			t.Errorf("diagnostic %x gave a number", bad)
		}
	}
}

func TestReleaseForResponsePrecedence(t *testing.T) {
	tab := MustProfile(RFC3398)
	// Table, location network beyond interworking point for 4xx.
	r, ok := tab.ReleaseForResponse(486, 0, "", nil)
	if !ok || r.Cause.Value != 17 || r.Cause.Location != 10 || r.Source != FromTable {
		t.Errorf("486: %+v", r)
	}
	// 6xx: location user.
	r, _ = tab.ReleaseForResponse(603, 0, "", nil)
	if r.Cause.Value != 21 || r.Cause.Location != isup.LocUser {
		t.Errorf("603: %+v", r)
	}
	// Reason wins over the table.
	r, _ = tab.ReleaseForResponse(486, 0, `SIP;cause=486, Q.850;cause=34;text="No circuit"`, nil)
	if r.Cause.Value != 34 || r.Source != FromReason {
		t.Errorf("Reason: %+v", r)
	}
	// Reason with a location.
	r, _ = tab.ReleaseForResponse(486, 0, `Q.850;cause=17;location=LN`, nil)
	if r.Cause.Value != 17 || r.Cause.Location != isup.LocPublicLocal {
		t.Errorf("Reason location: %+v", r)
	}
	// An encapsulated REL wins over Reason and table, its cause kept whole.
	rel := isup.New(isup.ITU, isup.REL, 0)
	rel.Set(&isup.CauseIndicators{Location: isup.LocTransit, Value: 42, Diagnostics: []byte{1, 2}})
	r, _ = tab.ReleaseForResponse(486, 0, `Q.850;cause=34`, rel)
	if r.Cause.Value != 42 || r.Cause.Location != isup.LocTransit || string(r.Cause.Diagnostics) != "\x01\x02" || r.Source != FromEncapsulated {
		t.Errorf("encapsulated: %+v", r)
	}
	// A REL without a cause does not win.
	bad := isup.New(isup.ITU, isup.REL, 0)
	r, _ = tab.ReleaseForResponse(486, 0, "", bad)
	if r.Source != FromTable || r.Cause.Value != 17 {
		t.Errorf("REL without cause: %+v", r)
	}
	// Reason ignored when the trunk says so; out-of-range causes ignored.
	off := false
	t2, err := (&CauseConfig{ReasonWins: &off}).Compile("c")
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := t2.ReleaseForResponse(486, 0, "Q.850;cause=34", nil); r.Cause.Value != 17 {
		t.Errorf("reason_wins false: %+v", r)
	}
	if r, _ := tab.ReleaseForResponse(486, 0, "Q.850;cause=200", nil); r.Cause.Value != 17 {
		t.Errorf("cause 200: %+v", r)
	}
	// 487: no REL at all.
	if _, ok := tab.ReleaseForResponse(487, 0, "", nil); ok {
		t.Error("487 gave a REL")
	}
}

func TestReleaseForRequest(t *testing.T) {
	for _, tc := range []struct {
		p              ProfileName
		bye, cancelled isup.Cause
	}{{RFC3398, 16, 16}, {Q19125, 16, 31}, {RFC6432, 16, 31}} {
		tab := MustProfile(tc.p)
		if r := tab.ReleaseForRequest(false, "", nil); r.Cause.Value != tc.bye || r.Source != FromMethod || r.Cause.Location != 10 {
			t.Errorf("%s BYE: %+v", tc.p, r)
		}
		if r := tab.ReleaseForRequest(true, "", nil); r.Cause.Value != tc.cancelled {
			t.Errorf("%s CANCEL: %+v", tc.p, r)
		}
		if r := tab.ReleaseForRequest(true, `Q.850;cause=19;text="No answer"`, nil); r.Cause.Value != 19 || r.Source != FromReason {
			t.Errorf("%s CANCEL with Reason: %+v", tc.p, r)
		}
	}
}

func TestCauseConfigYAML(t *testing.T) {
	const doc = `
profile: q1912.5
isup_to_sip: {17: 600, 34: 480}
sip_to_isup: {486: 34, 480: 18, 499: 0}
bye_cause: 31
cancel_cause: 16
network_location: 4
reason_wins: false
warning:
  - {from: 300, to: 399, cause: 88}
`
	var c CauseConfig
	if err := yaml.Unmarshal([]byte(doc), &c); err != nil {
		t.Fatal(err)
	}
	tab, err := c.Compile("trunks[0].causes")
	if err != nil {
		t.Fatal(err)
	}
	ci := isup.CauseIndicators{Value: 17}
	if r := tab.StatusFor(&ci, nil); r.Status != 600 {
		t.Errorf("17 → %d", r.Status)
	}
	for s, want := range map[int]isup.Cause{486: 34, 480: 18, 404: 1, 500: 127} {
		if c, _, _ := tab.CauseFor(s, 0); c != want {
			t.Errorf("%d → %d, want %d", s, c, want)
		}
	}
	if _, _, ok := tab.CauseFor(499, 0); ok {
		t.Error("499 kept a mapping after override 0")
	}
	if tab.ByeCause != 31 || tab.CancelCause != 16 || tab.NetworkLocation != 4 || tab.ReasonWins {
		t.Errorf("scalars: %+v", tab)
	}
	// The built-in profile is unchanged by the override.
	if c, _, _ := MustProfile(Q19125).CauseFor(486, 0); c != 17 {
		t.Error("override leaked into the built-in profile")
	}
}

func TestCauseConfigErrors(t *testing.T) {
	loc := 20
	c := CauseConfig{
		Profile:   "q1912.5",
		ISUPToSIP: map[int]int{200: 486, 17: 999},
		SIPToISUP: map[int]int{200: 16, 486: 300},
		ByeCause:  128, NetworkLocation: &loc,
		Warning: []WarningConfig{{From: 200, To: 399, Cause: 65}, {From: 300, To: 300, Cause: 0}},
	}
	_, err := c.Compile("trunks[1].causes")
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		"trunks[1].causes.isup_to_sip[17]: status 999",
		"trunks[1].causes.isup_to_sip[200]: cause 200",
		"trunks[1].causes.sip_to_isup[200]: status 200",
		"trunks[1].causes.sip_to_isup[486]: cause 300",
		"trunks[1].causes.bye_cause: cause 128",
		"trunks[1].causes.network_location: location 20",
		"trunks[1].causes.warning[0]: range 200–399",
		"trunks[1].causes.warning[1].cause: cause 0",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Error("not a *ConfigError")
	}
	if _, err := (&CauseConfig{Profile: "bogus"}).Compile("x"); err == nil || !strings.Contains(err.Error(), "x.profile") {
		t.Errorf("unknown profile: %v", err)
	}
}
