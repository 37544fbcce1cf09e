package isup

import (
	"errors"
	"testing"
)

func TestRedirectionInformation(t *testing.T) {
	runParamCases(t, []paramCase{
		// jss7 IAM vector.
		{"jss7", ITU, "03 32", &RedirectionInformation{Indicator: RedirDiverted, Counter: 2, Reason: RedirReasonUnconditional}, ""},
		{"busy, restricted", ITU, "14 11", &RedirectionInformation{Indicator: RedirDivertedAllRestricted, OriginalReason: RedirReasonUserBusy, Counter: 1, Reason: RedirReasonUserBusy}, ""},
		{"1988 one octet", ITU, "13", &RedirectionInformation{Indicator: RedirDiverted, OriginalReason: RedirReasonUserBusy, OneOctet: true}, ""},
		{"spare bits kept", ANSI, "0b 6d", &RedirectionInformation{Indicator: RedirDiverted, Counter: 5, Reason: RedirReasonMobileNotReachable, Spare: 0x88}, ""},
	})
	if RedirDiverted.String() != "call diverted" || RedirReasonNoReply.String() != "no reply" {
		t.Errorf("names")
	}
	for _, h := range []string{"", "010203"} {
		var r RedirectionInformation
		if err := r.DecodeParam(unhex(t, h), ITU); !errors.Is(err, ErrLength) {
			t.Errorf("%q: %v", h, err)
		}
	}
}
