package mapping

import (
	"strings"
	"testing"

	"github.com/sipgw/sipgw/isup"
)

func TestParsePrivacy(t *testing.T) {
	for _, tc := range []struct {
		in         string
		want       Privacy
		restricted bool
	}{
		{"", 0, false},
		{"id", PrivacyID, true},
		{"header; id ;critical", PrivacyHeader | PrivacyID | PrivacyCritical, true},
		{"none", PrivacyNone, false},
		{"ID,history", PrivacyID | PrivacyHistory, true},
		{"user;session", PrivacyUser | PrivacySession, false},
		{"x-ext;id", PrivacyID, true},
		{"header", PrivacyHeader, true},
	} {
		p, err := ParsePrivacy(tc.in)
		if err != nil || p != tc.want || p.Restricted() != tc.restricted {
			t.Errorf("%q: %v (%s) %v", tc.in, p, p, err)
		}
	}
	if _, err := ParsePrivacy("id;\"x\""); err == nil {
		t.Error("quoted value accepted")
	}
	if s := (PrivacyID | PrivacyCritical).String(); s != "critical;id" {
		t.Errorf("String %q", s)
	}
}

func TestCPCNames(t *testing.T) {
	for name, want := range map[string]isup.CallingPartysCategory{
		"ordinary": 0x0a, "priority": 0x0b, "data": 0x0c, "test": 0x0d, "payphone": 0x0f, "unknown": 0, "operator": 0x09, "PAYPHONE": 0x0f,
	} {
		c, ok := CPCFromName(name)
		if !ok || c != want {
			t.Errorf("%s → %#x %v", name, c, ok)
		}
		if back, ok := CPCName(c); !ok || !strings.EqualFold(back, name) {
			t.Errorf("%#x → %q", c, back)
		}
	}
	if _, ok := CPCFromName("mobile-hplmn"); ok {
		t.Error("mobile-hplmn mapped")
	}
	for c := isup.CallingPartysCategory(1); c <= 5; c++ {
		if n, _ := CPCName(c); n != "operator" {
			t.Errorf("%#x → %q", c, n)
		}
	}
	if _, ok := CPCName(0x0e); ok {
		t.Error("IEPS named")
	}
}

func TestCallingFromSIP(t *testing.T) {
	id := &IdentityConfig{}
	for _, tc := range []struct {
		name      string
		pai       []string
		from      string
		privacy   string
		cfg       *IdentityConfig
		nai       isup.NAI
		digits    string
		apri      isup.APRI
		screening isup.Screening
		addl      string
		cpc       isup.CallingPartysCategory
	}{
		{"PAI network provided", []string{"<sip:+4930111@a;user=phone>"}, "<sip:+4930111@a>", "", id, 4, "4930111", 0, 3, "", 0},
		{"PAI and different From", []string{"<sip:+4930111@a;user=phone>"}, `"B" <sip:0402222@a>;tag=x`, "", id, 4, "4930111", 0, 3, "402222", 0},
		{"tel PAI second value", []string{`"X" <sip:alice@a>, <tel:+4930111;cpc=payphone>`}, "", "", id, 4, "4930111", 0, 3, "", 0x0f},
		{"privacy id", []string{"<tel:+4930111>"}, AnonymousFrom, "id", id, 4, "4930111", 1, 3, "", 0},
		{"privacy header", []string{"<tel:+4930111>"}, AnonymousFrom, "header", id, 4, "4930111", 1, 3, "", 0},
		{"From only", nil, "<sip:030111@a>", "", id, 3, "30111", 0, 0, "", 0},
		{"From only with cpc", nil, "<sip:030111;cpc=test@a>", "", id, 3, "30111", 0, 0, "", 0x0d},
		{"anonymous", nil, AnonymousFrom, "", id, 0, "", 2, 3, "", 0},
		{"no identity", nil, "", "", id, 0, "", 2, 3, "", 0},
		{"untrusted PAI", []string{"<tel:+4930111>"}, "<sip:030222@a>", "", &IdentityConfig{UntrustedPAI: true}, 3, "30222", 0, 0, "", 0},
		{"configured screening", []string{"<tel:+4930111>"}, "", "", &IdentityConfig{PAIScreening: ptr(1)}, 4, "4930111", 0, 1, "", 0},
		{"cpc override", []string{"<tel:+4930111;cpc=operator>"}, "", "", &IdentityConfig{CPC: map[string]int{"operator": 2}}, 4, "4930111", 0, 3, "", 0x02},
	} {
		got, err := CallingFromSIP(tc.pai, tc.from, tc.privacy, &de, tc.cfg)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		c := got.Calling
		if !got.HasCalling || c.NAI != tc.nai || c.Digits.String() != tc.digits || c.APRI != tc.apri || c.Screening != tc.screening {
			t.Errorf("%s: calling NAI %d %q APRI %d screening %d", tc.name, c.NAI, c.Digits.String(), c.APRI, c.Screening)
		}
		if tc.digits != "" && c.NPI != isup.NPIE164 || tc.digits == "" && c.NPI != 0 {
			t.Errorf("%s: NPI %d", tc.name, c.NPI)
		}
		if got.HasAdditional != (tc.addl != "") || tc.addl != "" && (got.Additional.Digits.String() != tc.addl || got.Additional.Qualifier != isup.NQIAdditionalCalling || got.Additional.Screening != 0) {
			t.Errorf("%s: additional %+v", tc.name, got.Additional)
		}
		if got.HasCPC != (tc.cpc != 0) || got.CPC != tc.cpc {
			t.Errorf("%s: cpc %#x %v", tc.name, got.CPC, got.HasCPC)
		}
	}
	for _, bad := range [][3]string{{"", "<sip:a@b", ""}, {"", "<sip:1@b>", `"`}, {"<sip:1@b", "", ""}} {
		var pai []string
		if bad[0] != "" {
			pai = []string{bad[0]}
		}
		if _, err := CallingFromSIP(pai, bad[1], bad[2], &de, id); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func ptr(i int) *int { return &i }

func TestIdentityFromISUP(t *testing.T) {
	id := &IdentityConfig{}
	num := func(nai isup.NAI, d string, apri isup.APRI, scr isup.Screening) *isup.CallingPartyNumber {
		n, _ := isup.NewCallingPartyNumber(nai, d, apri)
		n.Screening = scr
		return &n
	}
	payphone := isup.CategoryPayphone
	ordinary := isup.CategoryOrdinary
	gn := &isup.GenericNumber{Qualifier: isup.NQIAdditionalCalling, Number: isup.Number{NAI: isup.NAINational, NPI: 1, Digits: isup.MustDigits("402222")}}
	for _, tc := range []struct {
		name               string
		cgpn               *isup.CallingPartyNumber
		gn                 *isup.GenericNumber
		cpc                *isup.CallingPartysCategory
		cfg                *IdentityConfig
		from, pai, privacy string
	}{
		{"allowed, network", num(4, "4930111", 0, 3), nil, &ordinary, id, "<sip:+4930111@gw.example;user=phone>", "<sip:+4930111@gw.example;user=phone>", ""},
		{"national", num(3, "30111", 0, 3), nil, nil, id, "<sip:+4930111@gw.example;user=phone>", "<sip:+4930111@gw.example;user=phone>", ""},
		{"restricted", num(4, "4930111", 1, 3), nil, nil, id, AnonymousFrom, "<sip:+4930111@gw.example;user=phone>", "id"},
		{"not available", num(0, "", 2, 3), nil, nil, id, AnonymousFrom, "", ""},
		{"absent", nil, nil, nil, id, AnonymousFrom, "", ""},
		{"user provided", num(4, "4930111", 0, 0), nil, &payphone, id, "<sip:+4930111;cpc=payphone@gw.example;user=phone>", "", ""},
		{"verified user provided asserted", num(4, "4930111", 0, 1), nil, nil, &IdentityConfig{AssertUserProvided: true}, "<sip:+4930111@gw.example;user=phone>", "<sip:+4930111@gw.example;user=phone>", ""},
		{"payphone", num(4, "4930111", 0, 3), nil, &payphone, id, "<sip:+4930111@gw.example;user=phone>", "<sip:+4930111;cpc=payphone@gw.example;user=phone>", ""},
		{"ordinary written", num(4, "4930111", 0, 3), nil, &ordinary, &IdentityConfig{OrdinaryCPC: true}, "<sip:+4930111@gw.example;user=phone>", "<sip:+4930111;cpc=ordinary@gw.example;user=phone>", ""},
		{"additional calling", num(4, "4930111", 0, 3), gn, nil, id, "<sip:+49402222@gw.example;user=phone>", "<sip:+4930111@gw.example;user=phone>", ""},
		{"additional only", nil, gn, nil, id, "<sip:+49402222@gw.example;user=phone>", "", ""},
	} {
		got := IdentityFromISUP(tc.cgpn, tc.gn, tc.cpc, &de, tc.cfg)
		if got.From != tc.from || got.PAI != tc.pai || got.Privacy != tc.privacy {
			t.Errorf("%s:\n got  %+v\n want From %s PAI %s Privacy %s", tc.name, got, tc.from, tc.pai, tc.privacy)
		}
	}
}

func TestDiversionParse(t *testing.T) {
	var ds []Diversion
	err := ParseDiversions(`<sip:+4930111@a;user=phone>;reason=user-busy;counter=2;privacy=full;screen=no, <tel:+4940222>;reason="unconditional"`, func(d Diversion) bool {
		ds = append(ds, d)
		return true
	})
	if err != nil || len(ds) != 2 || ds[0].Reason != "user-busy" || ds[0].Counter != 2 || ds[0].Privacy != "full" || ds[0].Screen != "no" || ds[1].Counter != 1 || ds[1].Reason != "unconditional" {
		t.Fatalf("%+v %v", ds, err)
	}
	for _, bad := range []string{`<sip:a@b>;counter=0`, `<sip:a@b>;counter=x`, `<sip:a@b`} {
		if err := ParseDiversions(bad, func(Diversion) bool { return true }); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestHistoryInfoParse(t *testing.T) {
	var es []HistoryEntry
	err := ParseHistoryInfo(`<sip:+4930111@a;user=phone?Privacy=history>;index=1, <sip:+4940222@a;user=phone;cause=486>;index=1.1;mp=1,<sip:bob@b?Reason=SIP%3Bcause%3D408>;index=1.1.1;rc=1.1`, func(e HistoryEntry) bool {
		es = append(es, e)
		return true
	})
	if err != nil || len(es) != 3 {
		t.Fatalf("%+v %v", es, err)
	}
	if !es[0].Private || es[0].Index != "1" || es[1].Cause != 486 || es[1].MP != "1" || es[2].ReasonCause != 408 || es[2].RC != "1.1" {
		t.Errorf("%+v", es)
	}
	for _, bad := range []string{`<sip:a@b>`, `<sip:a@b>;index=1.`, `<sip:a@b>;index=.1`, `<sip:a@b>;index=1..2`, `<nohost>;index=1`} {
		if err := ParseHistoryInfo(bad, func(HistoryEntry) bool { return true }); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestRedirectionFromDiversion(t *testing.T) {
	// Most recent first: 040222 diverted on busy after 030111 diverted
	// unconditionally.
	r, err := RedirectionFromDiversion([]string{`<sip:+49402222@a;user=phone>;reason=user-busy;counter=1`, `<sip:+4930111@a;user=phone>;reason=unconditional;counter=1;privacy=full`}, &de)
	if err != nil {
		t.Fatal(err)
	}
	if !r.HasRedirecting || r.Redirecting.Digits.String() != "49402222" || r.Redirecting.NAI != 4 || r.Redirecting.APRI != 0 {
		t.Errorf("redirecting %+v", r.Redirecting)
	}
	if !r.HasOriginalCalled || r.OriginalCalled.Digits.String() != "4930111" || r.OriginalCalled.APRI != isup.APRIRestricted {
		t.Errorf("original called %+v", r.OriginalCalled)
	}
	if r.Info.Counter != 2 || r.Info.Reason != isup.RedirReasonUserBusy || r.Info.OriginalReason != isup.RedirReasonUnconditional || r.Info.Indicator != isup.RedirDivertedAllRestricted {
		t.Errorf("info %+v", r.Info)
	}
	// One diversion: no original called number, original reason = reason.
	r, err = RedirectionFromDiversion([]string{`<tel:+4930111>;reason=no-answer`}, &de)
	if err != nil || r.HasOriginalCalled || r.Info.Counter != 1 || r.Info.Reason != isup.RedirReasonNoReply || r.Info.OriginalReason != isup.RedirReasonNoReply || r.Info.Indicator != isup.RedirDiverted {
		t.Errorf("one: %+v %v", r, err)
	}
	if _, err := RedirectionFromDiversion([]string{`<sip:alice@a>;reason=no-answer`}, &de); err == nil {
		t.Error("non-numeric Diversion accepted")
	}
	if r, err := RedirectionFromDiversion(nil, &de); err != nil || r.HasRedirecting || r.HasInfo {
		t.Errorf("none: %+v", r)
	}
}

func TestRedirectionHistoryInfoBothWays(t *testing.T) {
	rn, _ := isup.NewRedirectingNumber(isup.NAINational, "402222", isup.APRIAllowed)
	ocn, _ := isup.NewOriginalCalledNumber(isup.NAINational, "30111", isup.APRIRestricted)
	in := Redirection{Redirecting: rn, HasRedirecting: true, OriginalCalled: ocn, HasOriginalCalled: true, HasInfo: true,
		Info: isup.RedirectionInformation{Indicator: isup.RedirDiverted, OriginalReason: isup.RedirReasonUnconditional, Counter: 2, Reason: isup.RedirReasonNoReply}}
	target := TelNumber{Digits: "4950333", Global: true}
	hi := in.HistoryInfo(target, &de)
	want := []string{
		"<sip:+4930111@gw.example;user=phone?Privacy=history>;index=1",
		"<sip:+49402222@gw.example;user=phone;cause=302>;index=1.1;mp=1",
		"<sip:+4950333@gw.example;user=phone;cause=408>;index=1.1.1;mp=1.1",
	}
	if strings.Join(hi, "\n") != strings.Join(want, "\n") {
		t.Fatalf("History-Info:\n%s\nwant\n%s", strings.Join(hi, "\n"), strings.Join(want, "\n"))
	}
	back, err := RedirectionFromHistoryInfo([]string{strings.Join(hi, ", ")}, &de)
	if err != nil {
		t.Fatal(err)
	}
	if back.Redirecting.NAI != 4 || back.Redirecting.Digits.String() != "49402222" || back.OriginalCalled.Digits.String() != "4930111" ||
		back.OriginalCalled.APRI != isup.APRIRestricted || back.Info.Counter != 2 || back.Info.Reason != isup.RedirReasonNoReply || back.Info.OriginalReason != isup.RedirReasonUnconditional {
		t.Errorf("back %+v", back)
	}
	// Diversion both ways.
	dv := in.Diversion(&de)
	if len(dv) != 2 || dv[0] != "<sip:+49402222@gw.example;user=phone>;reason=no-answer;counter=1;privacy=off" || dv[1] != "<sip:+4930111@gw.example;user=phone>;reason=unconditional;counter=1;privacy=full" {
		t.Errorf("Diversion %q", dv)
	}
	bd, err := RedirectionFromDiversion(dv, &de)
	if err != nil || bd.Info != back.Info && bd.Info.Counter != 2 || bd.Redirecting.Digits.String() != "49402222" || bd.OriginalCalled.APRI != isup.APRIRestricted {
		t.Errorf("Diversion back %+v %v", bd, err)
	}
	// Reason-header style History-Info (RFC 7044 §4.2, mp on the target).
	r, err := RedirectionFromHistoryInfo([]string{`<sip:+4930111@a;user=phone?Reason=SIP%3Bcause%3D486>;index=1, <sip:+4940222@a;user=phone>;index=1.1;mp=1`}, &de)
	if err != nil || r.Redirecting.Digits.String() != "4930111" || r.Info.Reason != isup.RedirReasonUserBusy || r.Info.Counter != 1 {
		t.Errorf("Reason style: %+v %v", r, err)
	}
	// No diversion in the history: nothing.
	r, err = RedirectionFromHistoryInfo([]string{`<sip:+4930111@a>;index=1, <sip:+4940222@a>;index=1.1;rc=1`}, &de)
	if err != nil || r.HasRedirecting {
		t.Errorf("no diversion: %+v %v", r, err)
	}
}

func TestReasonTables(t *testing.T) {
	for _, tc := range []struct {
		div   string
		cause int
		r     isup.RedirectionReason
	}{{"unknown", 404, 0}, {"user-busy", 486, 1}, {"no-answer", 408, 2}, {"unconditional", 302, 3}, {"deflection", 487, 4}, {"unavailable", 503, 6}} {
		if ReasonFromDiversion(tc.div) != tc.r || DiversionReason(tc.r) != tc.div || ReasonFromCause(tc.cause) != tc.r || CauseForReason(tc.r) != tc.cause {
			t.Errorf("%s/%d ↔ %d", tc.div, tc.cause, tc.r)
		}
	}
	if DiversionReason(isup.RedirReasonDeflectionImmediate) != "deflection" || ReasonFromCause(480) != isup.RedirReasonDeflectionImmediate {
		t.Error("deflection immediate")
	}
	if ReasonFromDiversion("time-of-day") != isup.RedirReasonUnconditional || ReasonFromDiversion("x") != 0 {
		t.Error("extension reasons")
	}
}

func TestHopCounter(t *testing.T) {
	c := HopConfig{}
	for _, tc := range []struct{ mf, hop, back int }{{70, 31, 31}, {20, 20, 20}, {1, 1, 1}, {0, 0, 0}} {
		h := c.HopCounter(tc.mf)
		if int(h.Count) != tc.hop || c.MaxForwardsFor(h) != tc.back {
			t.Errorf("MF %d → hop %d → MF %d", tc.mf, h.Count, c.MaxForwardsFor(h))
		}
	}
	s := HopConfig{Scale: 3, MaxForwards: 60}
	if h := s.HopCounter(70); h.Count != 24 || s.MaxForwardsFor(h) != 60 {
		t.Errorf("scaled: %d %d", h.Count, s.MaxForwardsFor(h))
	}
	if h := s.HopCounter(10); h.Count != 4 || s.MaxForwardsFor(h) != 12 {
		t.Errorf("scaled: %d %d", h.Count, s.MaxForwardsFor(h))
	}
	if errs := (&HopConfig{Scale: -1, MaxForwards: 300}).Validate("hop"); len(errs) != 2 {
		t.Errorf("%v", errs)
	}
}
