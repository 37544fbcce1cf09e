package isup

import (
	"bytes"
	"errors"
	"testing"
)

func TestCauseIndicators(t *testing.T) {
	runParamCases(t, []paramCase{
		// jss7 REL and ACM vectors.
		{"jss7 REL cause 31", ITU, "83 9f", &CauseIndicators{Location: LocTransit, Value: CauseNormalUnspecified}, ""},
		{"jss7 ACM cause 28", ITU, "82 9c", &CauseIndicators{Location: LocPublicLocal, Value: CauseInvalidNumberFormat}, ""},
		{"beyond interworking 16", ITU, "8a 90", &CauseIndicators{Location: LocNetworkBeyondInterworking, Value: CauseNormalClearing}, ""},
		{"recommendation and diagnostics", ITU, "04 81 95 01 02 03",
			&CauseIndicators{Location: LocPublicRemote, HasRecommendation: true, Recommendation: 1, Value: CauseCallRejected, Diagnostics: []byte{1, 2, 3}}, ""},
		{"cleared extension bits kept", ITU, "14 01 15",
			&CauseIndicators{Location: LocPublicRemote, Spare: 0x10, HasRecommendation: true, Recommendation: 1, Value: CauseCallRejected, ExtClear: 3, Diagnostics: []byte{}}, ""},
		{"ansi national cause", ANSI, "c3 9f 01 02",
			&CauseIndicators{CodingStandard: CauseCodingNational, Location: LocTransit, Value: CauseNormalUnspecified, Diagnostics: []byte{1, 2}}, ""},
		{"ansi itu cause", ANSI, "80 91", &CauseIndicators{Location: LocUser, Value: CauseUserBusy}, ""},
	})
}

func TestCauseHelpers(t *testing.T) {
	c := CauseIndicators{Location: LocNetworkBeyondInterworking, Value: 16}
	if got := c.AppendParam(nil, ITU); !bytes.Equal(got, []byte{0x8a, 0x90}) {
		t.Errorf("encode %x", got)
	}
	var cv CauseValuer = &c
	if cv.CauseValue() != 16 {
		t.Errorf("CauseValue %d", cv.CauseValue())
	}
	m := New(ITU, REL, 7)
	m.Set(&c)
	if s := m.Summarize(); s.Cause != 16 {
		t.Errorf("summary cause %d", s.Cause)
	}
	for _, tc := range []struct{ got, want string }{
		{LocNetworkBeyondInterworking.String(), "network beyond interworking point"},
		{LocUser.String(), "user"},
		{Location(6).String(), "spare"},
		{Location(13).String(), "reserved for national use"},
		{CauseNormalClearing.String(), "normal call clearing"},
		{Cause(127).String(), "interworking, unspecified"},
		{Cause(120).String(), "unallocated"},
		{CauseCodingNational.String(), "national standard"},
		{causeMeaning(ANSI, CauseCodingNational, 23), "unallocated destination number"},
		{causeMeaning(ITU, CauseCodingNational, 23), "coded to another standard"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	if CauseUserBusy.Class() != 1 || CauseInterworking.Class() != 7 {
		t.Errorf("class")
	}
	// Every value Q.850 defines has a name.
	for _, v := range []Cause{1, 2, 3, 4, 5, 6, 7, 8, 9, 14, 16, 17, 18, 19, 20, 21, 22, 23, 25, 26, 27, 28, 29, 30, 31,
		34, 38, 39, 40, 41, 42, 43, 44, 46, 47, 49, 50, 53, 55, 57, 58, 62, 63, 65, 66, 69, 70, 79,
		81, 82, 83, 84, 85, 86, 87, 88, 90, 91, 95, 96, 97, 98, 99, 100, 101, 102, 103, 110, 111, 127} {
		if v.String() == "unallocated" {
			t.Errorf("cause %d has no name", v)
		}
	}
}

func TestCauseFieldsWS(t *testing.T) {
	var c CauseIndicators
	if err := c.DecodeParam([]byte{0x83, 0x9f}, ITU); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range c.Fields(ITU) {
		if f.WS != "" {
			got = append(got, f.WS)
		}
	}
	want := []string{"q931.cause_location", "q931.coding_standard", "q931.extension_ind", "isup.cause_indicator", "q931.extension_ind"}
	if !samePrinted(got, want) {
		t.Errorf("ITU WS %v", got)
	}
	_ = c.DecodeParam([]byte{0xc3, 0x9f}, ANSI)
	got = got[:0]
	for _, f := range c.Fields(ANSI) {
		if f.WS != "" {
			got = append(got, f.WS)
		}
	}
	want = []string{"isup.cause_location", "ansi_isup.coding_standard", "ansi_isup.cause_indicator"}
	if !samePrinted(got, want) {
		t.Errorf("ANSI WS %v", got)
	}
}

func TestCauseErrors(t *testing.T) {
	for _, h := range []string{"", "83", "04 81"} {
		var c CauseIndicators
		if err := c.DecodeParam(unhex(t, h), ITU); !errors.Is(err, ErrLength) {
			t.Errorf("%q: %v", h, err)
		}
	}
	var m Message
	if err := m.Decode(unhex(t, "0100 0c 02 00 01 83"), ITU); err != nil {
		t.Fatal(err)
	}
	var c CauseIndicators
	_, err := m.Get(&c)
	var e *Error
	if !errors.As(err, &e) || !e.HasType || e.Type != REL || e.Param != ParamCauseIndicators {
		t.Errorf("Get error %v", err)
	}
}
