package mapping

import (
	"errors"
	"strings"
	"testing"

	"github.com/emiago/sipgo/sip"
	"github.com/sipgw/sipgw/isup"
)

var de = NumberingConfig{CountryCode: "49", NationalPrefix: "0", InternationalPrefix: "00", Host: "gw.example"}

func TestParseTelNumber(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want TelNumber
	}{
		{"+4930123456", TelNumber{Digits: "4930123456", Global: true}},
		{"+49-30-(123).456;cpc=payphone", TelNumber{Digits: "4930123456", Global: true, CPC: "payphone", Params: "cpc=payphone"}},
		{"030123;phone-context=+49", TelNumber{Digits: "030123", PhoneContext: "+49", Params: "phone-context=+49"}},
		{"*21%23", TelNumber{Digits: "*21#"}},
		{"12ab", TelNumber{Digits: "12ab"}},
		{"+1212;npdi;rn=+1212555;isub=12;ext=7", TelNumber{Digits: "1212", Global: true, NPDI: true, RN: "+1212555", ISub: "12", Ext: "7", Params: "npdi;rn=+1212555;isub=12;ext=7"}},
	} {
		got, err := ParseTelNumber(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("%q: %+v %v, want %+v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "+", "alice", "abc", "+49ab", "12%2", "12%41", "1 2", "-", "12;=x", "12;cpc=\"x"} {
		if tn, err := ParseTelNumber(in); err == nil {
			t.Errorf("%q parsed: %+v", in, tn)
		}
	}
	// String escapes '#'.
	if s := (TelNumber{Digits: "*21#", Params: "cpc=test"}).String(); s != "*21%23;cpc=test" {
		t.Errorf("String %q", s)
	}
}

func TestURIAndNameAddr(t *testing.T) {
	u, err := ParseURI("sip:+4930123;cpc=operator@gw.example:5060;user=phone;cause=302?Reason=SIP%3Bcause%3D302&Privacy=history")
	if err != nil {
		t.Fatal(err)
	}
	if u.User != "+4930123;cpc=operator" || u.Host != "gw.example:5060" {
		t.Errorf("%+v", u)
	}
	if v, _ := u.Param("cause"); v != "302" {
		t.Errorf("cause %q", v)
	}
	if v, _ := u.Header("reason"); v != "SIP;cause=302" {
		t.Errorf("Reason %q", v)
	}
	tn, err := u.Number(true)
	if err != nil || tn.Digits != "4930123" || tn.CPC != "operator" {
		t.Errorf("number %+v %v", tn, err)
	}
	if _, err := mustURI(t, "sip:alice@example.com").Number(false); !errors.Is(err, ErrNotNumeric) {
		t.Errorf("alice: %v", err)
	}
	if _, err := mustURI(t, "sip:0301234@example.com").Number(true); !errors.Is(err, ErrNotNumeric) {
		t.Errorf("strict without user=phone: %v", err)
	}
	if _, err := mustURI(t, "mailto:a@b").Number(false); !errors.Is(err, ErrNoNumber) {
		t.Errorf("mailto: %v", err)
	}
	for _, bad := range []string{"", "nocolon", "sip:", "sip:user@"} {
		if _, err := ParseURI(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}

	var got []NameAddr
	err = ParseNameAddrs(`"Anon, Y" <sip:anonymous@anonymous.invalid>;tag=1, <tel:+4930>, sip:+4940@h;user=phone`, func(n NameAddr) bool {
		got = append(got, n)
		return true
	})
	if err != nil || len(got) != 3 || got[0].Display != "Anon, Y" || got[0].Params != "tag=1" || got[1].URI != "tel:+4930" || got[2].URI != "sip:+4940@h" || got[2].Params != "user=phone" {
		t.Errorf("%+v %v", got, err)
	}
	for _, bad := range []string{`"x <sip:a@b>`, `<sip:a@b`, `"x" sip:a@b`, `<>`, `<sip:a@b> junk`, `<sip:a@b>;=`} {
		if err := ParseNameAddrs(bad, func(NameAddr) bool { return true }); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func mustURI(t *testing.T, s string) URI {
	t.Helper()
	u, err := ParseURI(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestNumberOfSipURI(t *testing.T) {
	for _, tc := range []struct {
		in     string
		strict bool
		digits string
		global bool
		ok     bool
	}{
		{"sip:+4930123@gw;user=phone", true, "4930123", true, true},
		{"sip:030123@gw", false, "030123", false, true},
		{"sip:030123@gw", true, "", false, false},
		{"tel:+4930123;cpc=test", false, "4930123", true, true},
		{"sip:bob@gw", false, "", false, false},
	} {
		var u sip.Uri
		if err := sip.ParseUri(tc.in, &u); err != nil {
			t.Fatal(err)
		}
		tn, err := NumberOfSipURI(&u, tc.strict)
		if (err == nil) != tc.ok || tc.ok && (tn.Digits != tc.digits || tn.Global != tc.global) {
			t.Errorf("%q: %+v %v", tc.in, tn, err)
		}
	}
}

func cdpn(t *testing.T, c *NumberingConfig, s string) (isup.CalledPartyNumber, error) {
	t.Helper()
	tn, err := ParseTelNumber(s)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return c.CalledPartyNumber(tn)
}

func TestCalledPartyNumber(t *testing.T) {
	strip := de
	strip.StripPrefixes = []string{"1234#", "99"}
	strip.AddPrefix = "7"
	st := de
	st.EndOfPulsing = true
	st.RoutingToINNAllowed = true
	intl, nat, unk := de, de, de
	intl.CalledNAI, nat.CalledNAI, unk.CalledNAI = "international", "national", "unknown"
	bounded := de
	bounded.MinDigits, bounded.MaxDigits = 6, 12
	for _, tc := range []struct {
		name   string
		c      *NumberingConfig
		in     string
		nai    isup.NAI
		digits string
		inn    bool
	}{
		{"plus is international", &de, "+4930123456", isup.NAIInternational, "4930123456", true},
		{"national prefix", &de, "030123456", isup.NAINational, "30123456", true},
		{"international prefix", &de, "00441234567", isup.NAIInternational, "441234567", true},
		{"no prefix is unknown", &de, "123456", isup.NAIUnknown, "123456", true},
		{"strip then add", &strip, "99030123", isup.NAIUnknown, "7030123", true},
		{"first strip only", &strip, "1234#99123", isup.NAIUnknown, "799123", true},
		{"plus not stripped", &strip, "+99123", isup.NAIInternational, "99123", true},
		{"ST and INN allowed", &st, "030123", isup.NAINational, "30123F", false},
		{"to international", &intl, "030123", isup.NAIInternational, "4930123", true},
		{"to national, own country", &nat, "+4930123", isup.NAINational, "30123", true},
		{"to national, foreign", &nat, "+4420123", isup.NAIInternational, "4420123", true},
		{"to unknown, intl", &unk, "+4420123", isup.NAIUnknown, "004420123", true},
		{"to unknown, national", &unk, "030123", isup.NAIUnknown, "030123", true},
		{"star and hash", &de, "*21%23", isup.NAIUnknown, "B21C", true},
		{"within bounds", &bounded, "0301234", isup.NAINational, "301234", true},
	} {
		n, err := cdpn(t, tc.c, tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if n.NAI != tc.nai || n.Digits.String() != tc.digits || n.NPI != isup.NPIE164 || n.INN != tc.inn {
			t.Errorf("%s: %q → NAI %d %q NPI %d INN %v", tc.name, tc.in, n.NAI, n.Digits.String(), n.NPI, n.INN)
		}
		// Decodes with the isup codec as it was meant.
		var back isup.CalledPartyNumber
		if err := back.DecodeParam(n.AppendParam(nil, isup.ITU), isup.ITU); err != nil || back.Digits.String() != tc.digits || back.NAI != tc.nai {
			t.Errorf("%s: codec: %+v %v", tc.name, back, err)
		}
	}
	for _, tc := range []struct {
		in     string
		err    error
		status int
	}{{"03012", ErrTooShort, 484}, {"03012345678901", ErrTooLong, 404}} {
		_, err := cdpn(t, &bounded, tc.in)
		var ne *NumberError
		if !errors.Is(err, tc.err) || !errors.As(err, &ne) || ne.Status() != tc.status {
			t.Errorf("%q: %v", tc.in, err)
		}
	}
	if _, err := cdpn(t, &de, "+"+strings.Repeat("1", 31)); !errors.Is(err, ErrTooLong) {
		t.Errorf("31 digits: %v", err)
	}
}

func TestSIPNumberFromISUP(t *testing.T) {
	local := de
	local.NationalAsLocal = true
	for _, tc := range []struct {
		c      *NumberingConfig
		nai    isup.NAI
		digits string
		want   string
	}{
		{&de, isup.NAIInternational, "4930123", "+4930123"},
		{&de, isup.NAINational, "30123", "+4930123"},
		{&local, isup.NAINational, "30123", "030123"},
		{&de, isup.NAISubscriber, "123", "123"},
		{&de, isup.NAIUnknown, "0030123F", "0030123"},
		{&de, isup.NAIUnknown, "B21C", "*21%23"},
	} {
		n, _ := isup.NewNumber(tc.nai, tc.digits)
		tn, ok := tc.c.SIPNumber(&n)
		if !ok || tn.String() != tc.want {
			t.Errorf("%d %q → %q %v, want %q", tc.nai, tc.digits, tn.String(), ok, tc.want)
		}
	}
	for _, bad := range []string{"", "F", "12F3"} {
		n, _ := isup.NewNumber(isup.NAIUnknown, bad)
		if tn, ok := de.SIPNumber(&n); ok {
			t.Errorf("%q → %+v", bad, tn)
		}
	}
	if u := de.URI(TelNumber{Digits: "4930", Global: true}); u != "sip:+4930@gw.example;user=phone" {
		t.Errorf("sip URI %q", u)
	}
	tel := de
	tel.TelURI = true
	if u := tel.URI(TelNumber{Digits: "4930", Global: true}); u != "tel:+4930" {
		t.Errorf("tel URI %q", u)
	}
	if u := tel.URI(TelNumber{Digits: "110"}); u != "tel:110;phone-context=+49" {
		t.Errorf("local tel URI %q", u)
	}
}

func TestNumberingValidate(t *testing.T) {
	c := NumberingConfig{CountryCode: "4x", NationalPrefix: "00", InternationalPrefix: "0", StripPrefixes: []string{""}, AddPrefix: "1z", CalledNAI: "weird", MinDigits: 9, MaxDigits: 5}
	errs := c.Validate("trunks[0].numbering")
	s := errors.Join(errs...).Error()
	for _, want := range []string{"numbering.country_code", "numbering.national_prefix", "strip_prefixes[0]", "numbering.add_prefix", "numbering.called_nai: unknown mode", "numbering.min_digits"} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q in\n%s", want, s)
		}
	}
	if errs := (&NumberingConfig{CalledNAI: "national"}).Validate("n"); len(errs) != 1 || !strings.Contains(errs[0].Error(), "needs country_code") {
		t.Errorf("%v", errs)
	}
	if errs := de.Validate("n"); len(errs) != 0 {
		t.Errorf("%v", errs)
	}
}

// Found by FuzzHistoryInfo: a hex digit after the international prefix
// made "+A", which is no number; such numbers now stay unknown.
func TestHexAfterPrefixStaysUnknown(t *testing.T) {
	for _, in := range []string{"00A", "0A1", "00*1"} {
		tn, err := ParseTelNumber(in)
		if err != nil {
			t.Fatal(err)
		}
		n, err := de.PartyNumber(tn)
		if err != nil || n.NAI != isup.NAIUnknown {
			t.Errorf("%q: NAI %d %v", in, n.NAI, err)
		}
		back, ok := de.SIPNumber(&n)
		if !ok || back.Global {
			t.Errorf("%q → %+v", in, back)
		}
		if _, err := ParseTelNumber(back.String()); err != nil {
			t.Errorf("%q → %q does not parse: %v", in, back.String(), err)
		}
	}
}
