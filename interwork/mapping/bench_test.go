package mapping

import (
	"testing"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/sipi"
)

// The header parsers return substrings: no allocation for inputs without
// escapes or visual separators.
func TestParserAllocs(t *testing.T) {
	const pai = `"Bob" <sip:+494011110000;cpc=payphone@pbx.example;user=phone>, <tel:+494011110000>`
	const div = `<sip:+4930111@a;user=phone>;reason=user-busy;counter=2;privacy=full, <tel:+4940222>;reason=unconditional`
	for name, f := range map[string]func(){
		"ParseTelNumber": func() { _, _ = ParseTelNumber("+494011110000;cpc=payphone;npdi") },
		"ParseNameAddrs": func() { _ = ParseNameAddrs(pai, func(NameAddr) bool { return true }) },
		"ParseURI":       func() { _, _ = ParseURI("sip:+4930@h;user=phone?Privacy=history") },
		"ParsePrivacy":   func() { _, _ = ParsePrivacy("id;critical") },
		"ParseDiversions": func() {
			_ = ParseDiversions(div, func(Diversion) bool { return true })
		},
		"ParseHistoryInfo": func() {
			_ = ParseHistoryInfo(`<sip:+4930111@a;user=phone>;index=1, <sip:+4940222@a;cause=486>;index=1.1;mp=1`, func(HistoryEntry) bool { return true })
		},
	} {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s allocates %v times", name, n)
		}
	}
}

func BenchmarkInviteToIAM(b *testing.B) {
	tr := testTrunk(b, nil)
	inv := sampleInvite(b)
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		res, err := tr.BuildIAM(&inv, nil)
		if err != nil {
			b.Fatal(err)
		}
		if buf, err = res.IAM.AppendBody(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIAMToInvite(b *testing.B) {
	tr := testTrunk(b, nil)
	inv := sampleInvite(b)
	res, err := tr.BuildIAM(&inv, nil)
	if err != nil {
		b.Fatal(err)
	}
	wire, err := res.IAM.AppendBody(nil)
	if err != nil {
		b.Fatal(err)
	}
	var m isup.Message
	b.ReportAllocs()
	for b.Loop() {
		if err := m.DecodeBody(wire, isup.ITU); err != nil {
			b.Fatal(err)
		}
		if _, err := tr.InviteFromIAM(&m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReleaseForResponse(b *testing.B) {
	tab := MustProfile(Q19125)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := tab.ReleaseForResponse(486, 0, `SIP;cause=486, Q.850;cause=17;text="user busy"`, nil); !ok {
			b.Fatal("no mapping")
		}
	}
}

// BenchmarkCheckInfo: the decision on an INFO carrying a FAC in a
// multipart body (the gateway's per-INFO cost before the Trunk).
func BenchmarkCheckInfo(b *testing.B) {
	tr := MustTrunk(TrunkConfig{Numbering: de, SIP: SIPConfig{Profile: "sip-i"}})
	fac := isup.Skeleton(isup.ITU, isup.FAC, 0)
	fac.SetRaw(isup.ParamAccessTransport, []byte{0x7e, 0x02, 0xa1, 0x01})
	msg, _ := fac.AppendBody(nil)
	ct, body, err := sipi.Encode([]byte(testSDP), sipi.ISUP{Version: sipi.ITUT92Plus, Message: msg}, "b")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if d := tr.CheckInfo(ct, "", body); d.Action != InfoForward {
			b.Fatal(d.Why)
		}
	}
}

// BenchmarkBackwardFor: an encapsulated ACM made the ACM sent.
func BenchmarkBackwardFor(b *testing.B) {
	tr := MustTrunk(TrunkConfig{Numbering: de, SIP: SIPConfig{Profile: "sip-i"}})
	acm := farACM(b)
	b.ReportAllocs()
	for b.Loop() {
		if m, err := tr.BackwardFor(CallProgress{}, 180, false, false, acm); err != nil || m == nil {
			b.Fatal(err)
		}
	}
}
