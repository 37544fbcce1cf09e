package mapping

import (
	"bytes"
	"strings"
	"testing"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/sipi"
)

const testSDP = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 8\r\n"

func TestEncapsulates(t *testing.T) {
	sipI := testTrunk(t, func(c *TrunkConfig) { c.SIP.Profile = "sip-i" }).Profile
	plain := testTrunk(t, nil).Profile
	endToEnd := []isup.MessageType{isup.IAM, isup.SAM, isup.ACM, isup.CON, isup.FOT, isup.ANM, isup.REL, isup.SUS, isup.RES, isup.RLC,
		isup.FAR, isup.FAA, isup.FRJ, isup.CPG, isup.USR, isup.CFN, isup.NRM, isup.FAC, isup.INR, isup.INF, isup.IDR, isup.IRS, isup.LPR, isup.APM, isup.PRI}
	supervision := []isup.MessageType{isup.BLO, isup.UBL, isup.BLA, isup.UBA, isup.RSC, isup.GRS, isup.GRA, isup.CGB, isup.CGU, isup.CGBA, isup.CGUA, isup.CQM, isup.CQR, isup.UCIC, isup.CCR, isup.LPA, isup.UPT, isup.UPA, isup.OLM}
	for _, mt := range endToEnd {
		if !sipI.Encapsulates(mt) || plain.Encapsulates(mt) {
			t.Errorf("%v: sip-i %v plain %v", mt, sipI.Encapsulates(mt), plain.Encapsulates(mt))
		}
	}
	for _, mt := range supervision {
		if sipI.Encapsulates(mt) {
			t.Errorf("%v tunnelled", mt)
		}
	}
}

func TestBuildBody(t *testing.T) {
	rel := isup.New(isup.ITU, isup.REL, 0)
	rel.Set(&isup.CauseIndicators{Location: 10, Value: 16})
	blo := isup.New(isup.ITU, isup.BLO, 0)
	for _, tc := range []struct {
		name     string
		cfg      func(*TrunkConfig)
		sdp      []byte
		m        *isup.Message
		ct       string // prefix
		disp     string
		isupPart bool
		version  string
		required bool
	}{
		{"sip-i multipart", func(c *TrunkConfig) { c.SIP.Profile = "sip-i" }, []byte(testSDP), rel, "multipart/mixed;boundary=", "", true, "itu-t92+", false},
		{"sip-i ISUP alone", func(c *TrunkConfig) { c.SIP.Profile = "sip-i" }, nil, rel, "application/ISUP;version=itu-t92+;base=itu-t92+", "signal;handling=optional", true, "itu-t92+", false},
		{"sip-t required etsi", func(c *TrunkConfig) {
			c.SIP = SIPConfig{Profile: "sip-t", Version: "etsi356", Base: "itu-t92+", Handling: "required"}
		}, []byte(testSDP), rel, "multipart/mixed", "", true, "etsi356", true},
		{"ansi sip-t", func(c *TrunkConfig) { c.Variant = "ansi"; c.SIP.Profile = "sip-t" }, nil, func() *isup.Message {
			m := isup.New(isup.ANSI, isup.REL, 0)
			m.Set(&isup.CauseIndicators{Value: 16})
			return m
		}(), "application/ISUP;version=ansi00;base=ansi00", "signal;handling=optional", true, "ansi00", false},
		{"plain", nil, []byte(testSDP), rel, "application/sdp", "", false, "", false},
		{"plain nothing", nil, nil, rel, "", "", false, "", false},
		{"supervision never", func(c *TrunkConfig) { c.SIP.Profile = "sip-i" }, []byte(testSDP), blo, "application/sdp", "", false, "", false},
	} {
		tr := testTrunk(t, tc.cfg)
		b, err := tr.Profile.BuildBody(tc.sdp, tc.m)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !strings.HasPrefix(b.ContentType, tc.ct) || b.Disposition != tc.disp {
			t.Errorf("%s: %q / %q", tc.name, b.ContentType, b.Disposition)
		}
		if b.ContentType == "" {
			continue
		}
		// The receiving side reads back what was built.
		dec, err := tr.Profile.CheckBody(b.ContentType, b.Disposition, b.Data)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if (dec.Action == UseISUP) != tc.isupPart {
			t.Errorf("%s: %v (%s)", tc.name, dec.Action, dec.Why)
		}
		if tc.sdp != nil && (dec.SDP == nil || !bytes.Equal(dec.SDP.Body, tc.sdp)) {
			t.Errorf("%s: SDP lost", tc.name)
		}
		if !tc.isupPart {
			continue
		}
		if dec.ISUP.Version() != tc.version || dec.ISUP.Required() != tc.required {
			t.Errorf("%s: version %q required %v", tc.name, dec.ISUP.Version(), dec.ISUP.Required())
		}
		var m isup.Message
		if err := dec.ISUP.DecodeISUP(&m); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var ci isup.CauseIndicators
		if ok, err := m.Get(&ci); !ok || err != nil || m.Type != isup.REL || ci.Value != 16 || m.Variant != tr.Variant {
			t.Errorf("%s: decoded %v %+v %v", tc.name, m.Type, ci, err)
		}
	}
}

func isupPartBody(t *testing.T, version, base, handling string) (ct string, body []byte) {
	t.Helper()
	iam := isup.New(isup.ITU, isup.IAM, 0)
	iam.Set(&isup.NatureOfConnectionIndicators{})
	iam.Set(&isup.ForwardCallIndicators{})
	cpc := isup.CategoryOrdinary
	iam.Set(&cpc)
	iam.Set(&isup.TransmissionMediumRequirement{})
	cd, _ := isup.NewCalledPartyNumber(isup.NAINational, "301234")
	iam.Set(&cd)
	msg, err := iam.AppendBody(nil)
	if err != nil {
		t.Fatal(err)
	}
	ctype := "application/ISUP;version=" + version
	if base != "" {
		ctype += ";base=" + base
	}
	hdrs := []sipi.Header{{Name: "Content-Type", Value: ctype}}
	if handling != "" {
		hdrs = append(hdrs, sipi.Header{Name: "Content-Disposition", Value: "signal;handling=" + handling})
	}
	ip, err := sipi.NewPart(msg, hdrs...)
	if err != nil {
		t.Fatal(err)
	}
	parts := []sipi.Part{sipi.SDPPart([]byte(testSDP)), ip}
	bnd, err := sipi.NewBoundary(parts...)
	if err != nil {
		t.Fatal(err)
	}
	body, err = sipi.AppendMultipart(nil, bnd, parts...)
	if err != nil {
		t.Fatal(err)
	}
	return sipi.MultipartContentType(bnd), body
}

func TestCheckBody(t *testing.T) {
	plain := testTrunk(t, nil).Profile
	sipI := testTrunk(t, func(c *TrunkConfig) { c.SIP.Profile = "sip-i" }).Profile
	ansiT := testTrunk(t, func(c *TrunkConfig) { c.Variant = "ansi"; c.SIP.Profile = "sip-t" }).Profile
	for _, tc := range []struct {
		name                    string
		p                       SIPProfile
		version, base, handling string
		want                    BodyAction
		accept                  string
	}{
		{"sip-i takes its variant", sipI, "itu-t92+", "itu-t92+", "required", UseISUP, ""},
		{"plain: required → 415", plain, "itu-t92+", "", "required", Reject415, "application/sdp"},
		{"plain: optional ignored", plain, "itu-t92+", "", "optional", IgnoreISUP, ""},
		{"plain: no handling is required", plain, "itu-t92+", "", "", Reject415, "application/sdp"},
		{"unknown version, known base", sipI, "itu-t2030", "etsi356", "required", UseISUP, ""},
		{"free-form version by family", sipI, "etsi-v3", "", "required", UseISUP, ""},
		{"unknown version and base, required", sipI, "x-private", "y", "required", Reject415, "application/sdp, application/ISUP, multipart/mixed"},
		{"unknown version and base, optional", sipI, "x-private", "", "optional", IgnoreISUP, ""},
		{"ANSI body on ITU trunk, required", sipI, "ansi00", "", "required", Reject415, "application/sdp, application/ISUP, multipart/mixed"},
		{"ITU body on ANSI trunk, optional", ansiT, "itu-t92+", "", "optional", IgnoreISUP, ""},
	} {
		ct, body := isupPartBody(t, tc.version, tc.base, tc.handling)
		d, err := tc.p.CheckBody(ct, "", body)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if d.Action != tc.want || d.Accept != tc.accept || (tc.want == Reject415) != (d.Status == 415) {
			t.Errorf("%s: %v %d %q (%s)", tc.name, d.Action, d.Status, d.Accept, d.Why)
		}
		if d.SDP == nil {
			t.Errorf("%s: SDP part not found", tc.name)
		}
		if (tc.want == IgnoreISUP || tc.want == Reject415) && d.Why == "" {
			t.Errorf("%s: no reason given", tc.name)
		}
	}
	// SDP only, nothing, a bare ISUP body with its disposition on the SIP
	// message, and a malformed body.
	if d, err := plain.CheckBody("application/sdp", "", []byte(testSDP)); err != nil || d.Action != NoISUP || d.SDP == nil {
		t.Errorf("SDP only: %+v %v", d, err)
	}
	if d, err := plain.CheckBody("", "", nil); err != nil || d.Action != NoISUP {
		t.Errorf("empty: %+v %v", d, err)
	}
	rel := isup.New(isup.ITU, isup.REL, 0)
	rel.Set(&isup.CauseIndicators{Value: 16})
	b, _ := sipI.BuildBody(nil, rel)
	if d, err := plain.CheckBody(b.ContentType, "signal;handling=optional", b.Data); err != nil || d.Action != IgnoreISUP {
		t.Errorf("bare optional on plain: %+v %v", d, err)
	}
	if d, err := plain.CheckBody(b.ContentType, "signal;handling=required", b.Data); err != nil || d.Action != Reject415 {
		t.Errorf("bare required on plain: %+v %v", d, err)
	}
	if d, err := sipI.CheckBody(b.ContentType, "signal;handling=required", b.Data); err != nil || d.Action != UseISUP {
		t.Errorf("bare on sip-i: %+v %v", d, err)
	}
	if _, err := sipI.CheckBody("multipart/mixed;boundary=x", "", []byte("garbage")); err == nil {
		t.Error("malformed multipart accepted")
	}
	if _, err := sipI.CheckBody(b.ContentType, "signal;handling=", b.Data); err == nil {
		t.Error("malformed disposition accepted")
	}
}
