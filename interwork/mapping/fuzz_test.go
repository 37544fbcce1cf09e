package mapping

import (
	"bytes"
	"strings"
	"testing"

	"github.com/sipgw/sipgw/isup"
)

// Fuzz targets for every parser of the package. Each seed corpus is in
// testdata/fuzz/<Name>/; crashers found later become named tests.

func FuzzTelNumber(f *testing.F) {
	for _, s := range []string{"+4930123", "030-12(3);phone-context=+49;cpc=payphone", "*21%23", "12;npdi;rn=+1", "+", "1;=", "%2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tn, err := ParseTelNumber(s)
		if err != nil {
			return
		}
		if tn.Digits == "" {
			t.Fatalf("%q: no digits but no error", s)
		}
		// The written form parses back to the same number.
		back, err := ParseTelNumber(tn.String())
		if err != nil || back.Digits != tn.Digits || back.Global != tn.Global || back.CPC != tn.CPC {
			t.Fatalf("%q → %q → %+v %v, was %+v", s, tn.String(), back, err, tn)
		}
		// A number that parses maps to ISUP digits or fails cleanly.
		if n, err := de.CalledPartyNumber(tn); err == nil {
			if tn2, ok := de.SIPNumber((*isup.Number)(&n)); !ok || tn2.Digits == "" {
				t.Fatalf("%q: ISUP %q does not map back", s, n.Digits.String())
			}
		}
	})
}

func FuzzPrivacy(f *testing.F) {
	for _, s := range []string{"id", "header;id;critical", "none", "ID, history", "x-y;id", `"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePrivacy(s)
		if err != nil {
			return
		}
		back, err := ParsePrivacy(p.String())
		if err != nil || back != p {
			t.Fatalf("%q → %v (%q) → %v %v", s, p, p.String(), back, err)
		}
	})
}

func FuzzCPC(f *testing.F) {
	for _, s := range []string{"ordinary", "payphone", "operator", "mobile-hplmn", "TEST"} {
		f.Add(s, byte(0x0a))
	}
	f.Fuzz(func(t *testing.T, name string, code byte) {
		// The cpc parameter as a telephone-subscriber carries it.
		if tn, err := ParseTelNumber("+4930;cpc=" + name); err == nil {
			if c, ok := CPCFromName(tn.CPC); ok {
				n, ok := CPCName(c)
				if !ok {
					t.Fatalf("%q → %#x has no name", name, c)
				}
				if c2, _ := CPCFromName(n); c2 != c {
					t.Fatalf("%q → %#x → %q → %#x", name, c, n, c2)
				}
			}
		}
		c := isup.CallingPartysCategory(code)
		if n, ok := CPCName(c); ok {
			c2, ok := CPCFromName(n)
			if !ok {
				t.Fatalf("%#x → %q unknown", code, n)
			}
			if n2, _ := CPCName(c2); n2 != n {
				t.Fatalf("%#x → %q → %#x → %q", code, n, c2, n2)
			}
		}
	})
}

func FuzzDiversion(f *testing.F) {
	for _, s := range []string{
		`<sip:+4930111@a;user=phone>;reason=user-busy;counter=2;privacy=full, <tel:+4940222>;reason=unconditional`,
		`"A, B" <sip:030111@a>;reason="no-answer"`, `<sip:a@b>;counter=0`, `<sip:a@b`, `sip:1@b;counter=3`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := 0
		err := ParseDiversions(s, func(d Diversion) bool {
			if d.Counter < 1 || d.Counter > 100 || d.Addr.URI == "" {
				t.Fatalf("%q: %+v", s, d)
			}
			n++
			return true
		})
		if err != nil {
			return
		}
		r, err := RedirectionFromDiversion([]string{s}, &de)
		if err != nil || !r.HasRedirecting {
			return
		}
		if r.Info.Counter == 0 || r.Info.Counter > 7 {
			t.Fatalf("%q: counter %d", s, r.Info.Counter)
		}
		// What maps to ISUP maps back to Diversion and again to the same
		// redirecting number.
		back, err := RedirectionFromDiversion(r.Diversion(&de), &de)
		if err != nil || !sameNumber(isup.Number(back.Redirecting), isup.Number(r.Redirecting)) {
			t.Fatalf("%q: %+v → %q → %+v %v", s, r, r.Diversion(&de), back, err)
		}
	})
}

func FuzzHistoryInfo(f *testing.F) {
	for _, s := range []string{
		`<sip:+4930111@a;user=phone?Privacy=history>;index=1, <sip:+4940222@a;user=phone;cause=486>;index=1.1;mp=1`,
		`<sip:+4930111@a?Reason=SIP%3Bcause%3D408>;index=1,<sip:+4940222@a>;index=1.1;mp=1`,
		`<sip:a@b>;index=1..1`, `<sip:a@b?Reason=%zz>;index=1`, `<tel:+49>;index=1`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ParseHistoryInfo(s, func(e HistoryEntry) bool {
			if !validIndex(e.Index) || strings.Contains(e.Index, "..") {
				t.Fatalf("%q: index %q", s, e.Index)
			}
			return true
		})
		if err != nil {
			return
		}
		r, err := RedirectionFromHistoryInfo([]string{s}, &de)
		if err != nil || !r.HasRedirecting {
			return
		}
		hi := r.HistoryInfo(TelNumber{Digits: "4950333", Global: true}, &de)
		back, err := RedirectionFromHistoryInfo(hi, &de)
		if err != nil || !sameNumber(isup.Number(back.Redirecting), isup.Number(r.Redirecting)) || back.Info.Reason != r.Info.Reason {
			t.Fatalf("%q: %+v → %q → %+v %v", s, r, hi, back, err)
		}
	})
}

// sameNumber compares two ISUP numbers by their SIP form: a national
// number and the international number with the country code are the same.
func sameNumber(a, b isup.Number) bool {
	x, ok1 := de.SIPNumber(&a)
	y, ok2 := de.SIPNumber(&b)
	return ok1 == ok2 && x.String() == y.String()
}

// FuzzCheckInfo: any INFO body gets a decision without panicking: a
// forwarded message is a mid-call one that encodes again; a rejection is
// 400 or 415 (with Accept); nothing else carries a message.
func FuzzCheckInfo(f *testing.F) {
	fac, _ := isup.Skeleton(isup.ITU, isup.FAC, 0).AppendBody(nil)
	f.Add("application/ISUP;version=itu-t92+;base=itu-t92+", "signal;handling=optional", fac, true)
	f.Add("application/ISUP;version=itu-t92+", "signal;handling=required", []byte{0x0c, 0x02, 0x00, 0x02, 0x80, 0x90}, false)
	f.Add("multipart/mixed;boundary=b", "", []byte("--b\r\nContent-Type: application/ISUP;version=itu-t92+\r\nContent-Transfer-Encoding: base64\r\n\r\nMwU=\r\n--b--\r\n"), true)
	f.Add("application/dtmf-relay", "", []byte("Signal=1\r\n"), true)
	f.Fuzz(func(t *testing.T, ct, disp string, body []byte, sipI bool) {
		tr := fuzzPlain
		if sipI {
			tr = fuzzSIPI
		}
		d := tr.CheckInfo(ct, disp, body)
		switch d.Action {
		case InfoForward:
			if d.Message == nil || !MidCall(d.Message.Type) {
				t.Fatalf("forwarded %+v", d.Message)
			}
			if _, err := d.Message.AppendBody(nil); err != nil {
				t.Fatalf("forwarded %v does not encode: %v", d.Message.Type, err)
			}
		case InfoReject:
			if d.Status != 400 && (d.Status != 415 || d.Accept == "") || d.Message != nil {
				t.Fatalf("rejected %d %q", d.Status, d.Accept)
			}
		case InfoIgnore, InfoNoISUP:
			if d.Message != nil || d.Status != 0 {
				t.Fatalf("%v with %+v", d.Action, d)
			}
		default:
			t.Fatalf("action %v", d.Action)
		}
	})
}

// FuzzBackwardFor: any encapsulated message gives a backward message of
// the type the state calls for that encodes, and an encapsulated one of
// that very type goes octet for octet.
func FuzzBackwardFor(f *testing.F) {
	acm := isup.New(isup.ITU, isup.ACM, 0)
	acm.Set(&isup.BackwardCallIndicators{CalledStatus: isup.SubscriberFree})
	acm.AddOptional(isup.ParamGenericNotificationIndicator, []byte{0xf9})
	b, _ := acm.AppendBody(nil)
	f.Add(b, 180, false)
	f.Add(b, 180, true)
	anm, _ := isup.Skeleton(isup.ITU, isup.ANM, 0).AppendBody(nil)
	f.Add(anm, 200, false)
	f.Add([]byte{0x2c, 0x01, 0x00}, 183, true)
	f.Fuzz(func(t *testing.T, data []byte, status int, acmSent bool) {
		var enc isup.Message
		if enc.DecodeBody(data, isup.ITU) != nil {
			return
		}
		st := CallProgress{ACMSent: acmSent}
		m, err := fuzzSIPI.BackwardFor(st, status, false, false, &enc)
		if err != nil || m == nil {
			return
		}
		switch m.Type {
		case isup.ACM, isup.CPG, isup.ANM, isup.CON, isup.REL:
		default:
			t.Fatalf("status %d gave %v", status, m.Type)
		}
		out, err := m.AppendBody(nil)
		if err != nil {
			t.Fatalf("%v from %v does not encode: %v", m.Type, enc.Type, err)
		}
		if m.Type == enc.Type && status > 100 && status < 300 {
			want, err := enc.AppendBody(nil)
			if err == nil && !bytes.Equal(out, want) {
				t.Fatalf("%v: % x, want % x", m.Type, out, want)
			}
		}
	})
}

var (
	fuzzSIPI  = MustTrunk(TrunkConfig{Numbering: de, SIP: SIPConfig{Profile: "sip-i"}})
	fuzzPlain = MustTrunk(TrunkConfig{Numbering: de})
)
