package mapping

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/sipi"
)

// midCallTypes are the messages of end-to-end significance (notes §1) that
// no SIP request or response carries: they ride in INFO.
var midCallTypes = []isup.MessageType{isup.SAM, isup.FOT, isup.SUS, isup.RES, isup.FAR, isup.FAA, isup.FRJ,
	isup.CPG, isup.USR, isup.CFN, isup.NRM, isup.FAC, isup.INR, isup.INF, isup.IDR, isup.IRS, isup.LPR,
	isup.APM, isup.PRI}

// notInInfo: end-to-end messages a SIP request or response carries, and
// hop-by-hop ones.
var notInInfo = []isup.MessageType{isup.IAM, isup.ACM, isup.CON, isup.ANM, isup.REL, isup.RLC,
	isup.BLO, isup.UBL, isup.RSC, isup.CCR, isup.COT, isup.UCIC, isup.LPA, isup.UPT}

// midMsg is mid-call message typ with an extra optional parameter, so that
// transparency is visible.
func midMsg(t testing.TB, v isup.Variant, typ isup.MessageType) *isup.Message {
	t.Helper()
	m := isup.Skeleton(v, typ, 0)
	if m == nil {
		t.Fatalf("no skeleton for %v", typ)
	}
	if isup.LayoutOf(v, typ).Optional {
		m.SetRaw(isup.ParamAccessTransport, []byte{0x7e, 0x02, 0xa1, 0x01})
	}
	return m
}

// infoBody is an INFO body with m: the ISUP part alone (disposition as
// given) or in multipart/mixed.
func infoBody(t testing.TB, m *isup.Message, version string, handling string, multipart bool) (ct, disp string, body []byte) {
	t.Helper()
	b, err := m.AppendBody(nil)
	if err != nil {
		t.Fatal(err)
	}
	x := sipi.ISUP{Version: version, Required: handling == "required", Message: b}
	if multipart {
		ct, body, err = sipi.Encode([]byte(testSDP), x, "mc-bnd")
		if err != nil {
			t.Fatal(err)
		}
		if handling == "" {
			body = bytes.Replace(body, []byte("Content-Disposition: signal;handling=optional\r\n"), nil, 1)
		}
		return ct, "", body
	}
	ct = x.ContentType()
	if handling != "" {
		disp = "signal;handling=" + handling
	}
	return ct, disp, b
}

func TestTunnels(t *testing.T) {
	profiles := map[string]SIPProfile{
		"sip-i":      testTrunk(t, func(c *TrunkConfig) { c.SIP.Profile = "sip-i" }).Profile,
		"sip-t":      testTrunk(t, func(c *TrunkConfig) { c.SIP.Profile = "sip-t" }).Profile,
		"plain":      testTrunk(t, nil).Profile,
		"sip-i drop": testTrunk(t, func(c *TrunkConfig) { c.SIP.Profile, c.SIP.MidCall = "sip-i", "drop" }).Profile,
	}
	for _, typ := range midCallTypes {
		for name, p := range profiles {
			want := name == "sip-i" || name == "sip-t"
			if p.Tunnels(typ) != want || !MidCall(typ) {
				t.Errorf("%v on %s: tunnels %v, want %v", typ, name, p.Tunnels(typ), want)
			}
		}
	}
	for _, typ := range notInInfo {
		for name, p := range profiles {
			if p.Tunnels(typ) || MidCall(typ) {
				t.Errorf("%v tunnelled on %s", typ, name)
			}
		}
	}
}

func TestMidCallConfig(t *testing.T) {
	for _, tc := range []struct {
		sip  SIPConfig
		want MidCallMode
		err  string
	}{
		{SIPConfig{Profile: "sip-i"}, MidCallInfo, ""},
		{SIPConfig{Profile: "sip-t", MidCall: "INFO"}, MidCallInfo, ""},
		{SIPConfig{Profile: "sip-i", MidCall: "drop"}, MidCallDrop, ""},
		{SIPConfig{}, MidCallDrop, ""},
		{SIPConfig{MidCall: "drop"}, MidCallDrop, ""},
		{SIPConfig{MidCall: "info"}, 0, "trunk.sip.mid_call: info needs profile sip-i or sip-t"},
		{SIPConfig{Profile: "sip-i", MidCall: "tunnel"}, 0, `trunk.sip.mid_call: unknown mode "tunnel" (info, drop)`},
	} {
		c := TrunkConfig{Numbering: de, SIP: tc.sip}
		tr, err := c.Compile("trunk")
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%+v: error %v, want %q", tc.sip, err, tc.err)
			}
		case err != nil:
			t.Errorf("%+v: %v", tc.sip, err)
		case tr.Profile.MidCall != tc.want:
			t.Errorf("%+v: mode %v, want %v", tc.sip, tr.Profile.MidCall, tc.want)
		}
	}
}

// TestCheckInfo: the decision on every mid-call message in an INFO, on
// each profile, alone and in multipart, optional and required; then the
// messages that do not ride in INFO and the bad bodies.
func TestCheckInfo(t *testing.T) {
	sipI := testTrunk(t, func(c *TrunkConfig) { c.SIP.Profile = "sip-i" })
	sipT := testTrunk(t, func(c *TrunkConfig) { c.SIP = SIPConfig{Profile: "sip-t", Version: "itu-t88", Base: "itu-t92+"} })
	plain := testTrunk(t, nil)
	drop := testTrunk(t, func(c *TrunkConfig) { c.SIP.Profile, c.SIP.MidCall = "sip-i", "drop" })
	type want struct {
		action InfoAction
		status int
		accept string
	}
	fwd := want{InfoForward, 0, ""}
	ign := want{InfoIgnore, 0, ""}
	rej415 := want{InfoReject, 415, "application/sdp, application/ISUP, multipart/mixed"}
	rej415plain := want{InfoReject, 415, "application/sdp"}
	check := func(name string, tr *Trunk, ct, disp string, body []byte, w want, typ isup.MessageType, sent *isup.Message) {
		t.Helper()
		d := tr.CheckInfo(ct, disp, body)
		if d.Action != w.action || d.Status != w.status || d.Accept != w.accept {
			t.Errorf("%s: %v %d %q (%s), want %v %d %q", name, d.Action, d.Status, d.Accept, d.Why, w.action, w.status, w.accept)
			return
		}
		if w.action == InfoForward {
			if d.Message == nil || d.Message.Type != typ {
				t.Errorf("%s: message %+v", name, d.Message)
				return
			}
			got, _ := d.Message.AppendBody(nil)
			exp, _ := sent.AppendBody(nil)
			if !bytes.Equal(got, exp) {
				t.Errorf("%s: % x, want % x", name, got, exp)
			}
		}
		if (w.action == InfoIgnore || w.action == InfoReject) && d.Why == "" {
			t.Errorf("%s: no reason given", name)
		}
	}
	for _, typ := range midCallTypes {
		m := midMsg(t, isup.ITU, typ)
		for _, mp := range []bool{false, true} {
			for _, h := range []string{"optional", "required", ""} {
				ct, disp, body := infoBody(t, m, "itu-t92+", h, mp)
				name := typ.String() + " multipart=" + map[bool]string{false: "no", true: "yes"}[mp] + " handling=" + h
				required := h != "optional"
				check("sip-i "+name, sipI, ct, disp, body, fwd, typ, m)
				check("sip-t "+name, sipT, ct, disp, body, fwd, typ, m)
				if required {
					check("plain "+name, plain, ct, disp, body, rej415plain, typ, m)
					check("drop "+name, drop, ct, disp, body, rej415, typ, m)
				} else {
					check("plain "+name, plain, ct, disp, body, ign, typ, m)
					check("drop "+name, drop, ct, disp, body, ign, typ, m)
				}
			}
		}
	}
	for _, typ := range notInInfo {
		m := isup.Skeleton(isup.ITU, typ, 0)
		ct, disp, body := infoBody(t, m, "itu-t92+", "optional", false)
		check(typ.String()+" optional", sipI, ct, disp, body, ign, typ, m)
		ct, disp, body = infoBody(t, m, "itu-t92+", "required", false)
		check(typ.String()+" required", sipI, ct, disp, body, rej415, typ, m)
	}

	fac := midMsg(t, isup.ITU, isup.FAC)
	facBytes, _ := fac.AppendBody(nil)
	// Base64 transfer encoding in a multipart (isup_encoding: base64 peers).
	b64 := "--b\r\nContent-Type: application/ISUP;version=itu-t92+\r\nContent-Disposition: signal;handling=optional\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString(facBytes) + "\r\n--b--\r\n"
	check("base64 FAC", sipI, "multipart/mixed;boundary=b", "", []byte(b64), fwd, isup.FAC, fac)
	// A message type ISUP does not know decodes raw: not one that rides
	// in INFO.
	check("unknown type optional", sipI, "application/ISUP;version=itu-t92+", "signal;handling=optional", []byte{0xfe, 0x00}, ign, 0, nil)
	check("unknown type required", sipI, "application/ISUP;version=itu-t92+", "signal;handling=required", []byte{0xfe, 0x00}, rej415, 0, nil)
	// An ANSI part on an ITU trunk: another variant.
	ct, disp, body := infoBody(t, fac, "ansi00", "optional", false)
	check("ansi optional", sipI, ct, disp, body, ign, 0, nil)
	ct, disp, body = infoBody(t, fac, "ansi00", "required", false)
	check("ansi required", sipI, ct, disp, body, rej415, 0, nil)

	// Bodies that are wrong: 400 whatever the handling and profile.
	truncated := append([]byte(nil), facBytes[:len(facBytes)-2]...)
	for _, tc := range []struct {
		name, ct, disp string
		body           []byte
		trunks         []*Trunk
	}{
		{"ISUP that does not decode", "application/ISUP;version=itu-t92+", "signal;handling=optional", truncated, []*Trunk{sipI, sipT}},
		{"empty ISUP part", "application/ISUP;version=itu-t92+", "signal;handling=optional", []byte{}, []*Trunk{sipI}},
		{"multipart without its boundary", "multipart/mixed;boundary=zz", "", []byte("no parts here"), []*Trunk{sipI, plain}},
		{"multipart without boundary parameter", "multipart/mixed", "", []byte("--x\r\n\r\n--x--\r\n"), []*Trunk{sipI, plain}},
		{"bad Content-Disposition", "application/ISUP;version=itu-t92+", "signal;handling=", facBytes, []*Trunk{sipI, plain}},
	} {
		for _, tr := range tc.trunks {
			d := tr.CheckInfo(tc.ct, tc.disp, tc.body)
			if d.Action != InfoReject || d.Status != 400 || d.Why == "" {
				t.Errorf("%s on %v: %v %d %q, want 400", tc.name, tr.Profile.Kind, d.Action, d.Status, d.Why)
			}
		}
	}
	// Not ISUP at all: the INFO usages the gateway does not take.
	for _, tc := range []struct{ ct, disp, body string }{
		{"", "", ""},
		{"application/dtmf-relay", "", "Signal=5\r\nDuration=160\r\n"},
		{"application/dtmf-relay", "render;handling=required", "Signal=5\r\n"},
		{"multipart/mixed;boundary=q", "", "--q\r\nContent-Type: application/sdp\r\n\r\n" + testSDP + "\r\n--q--\r\n"},
	} {
		for _, tr := range []*Trunk{sipI, plain} {
			if d := tr.CheckInfo(tc.ct, tc.disp, []byte(tc.body)); d.Action != InfoNoISUP {
				t.Errorf("%q on %v: %v %d %s", tc.ct, tr.Profile.Kind, d.Action, d.Status, d.Why)
			}
		}
	}
}

// backward messages as a far exchange sends them, with the parameters
// transparency must keep.
var (
	gni  = []byte{0x80 | 0x79} // generic notification: remote hold (0x79), last
	uui  = []byte{0x04, 'b', '-', 's', 'i', 'd', 'e'}
	obci = []byte{0x01} // in-band information available
)

func farACM(t testing.TB) *isup.Message {
	m := isup.New(isup.ITU, isup.ACM, 9)
	m.Set(&isup.BackwardCallIndicators{Charge: isup.ChargeIndNoCharge, CalledStatus: isup.SubscriberFree, ISDNAccess: true})
	m.SetRaw(isup.ParamOptionalBackwardCallIndicators, obci)
	m.AddOptional(isup.ParamGenericNotificationIndicator, gni)
	m.AddOptional(isup.ParamUserToUserInformation, uui)
	return decodeBack(t, m)
}

func farCPG(t testing.TB, ev isup.EventIndicator, withBCI bool) *isup.Message {
	m := isup.New(isup.ITU, isup.CPG, 9)
	m.Set(&isup.EventInformation{Event: ev})
	if withBCI {
		m.Set(&isup.BackwardCallIndicators{Charge: isup.ChargeIndNoCharge, CalledStatus: isup.SubscriberFree})
	}
	m.AddOptional(isup.ParamGenericNotificationIndicator, gni)
	return decodeBack(t, m)
}

func farANM(t testing.TB, withBCI bool) *isup.Message {
	m := isup.New(isup.ITU, isup.ANM, 9)
	if withBCI {
		m.Set(&isup.BackwardCallIndicators{Charge: isup.ChargeIndNoCharge, ISDNAccess: true})
	}
	m.AddOptional(isup.ParamUserToUserInformation, uui)
	return decodeBack(t, m)
}

func farCON(t testing.TB) *isup.Message {
	m := isup.New(isup.ITU, isup.CON, 9)
	m.Set(&isup.BackwardCallIndicators{Charge: isup.ChargeIndNoCharge, CalledStatus: isup.SubscriberFree, ISDNAccess: true})
	m.AddOptional(isup.ParamGenericNotificationIndicator, gni)
	return decodeBack(t, m)
}

// decodeBack is m as it comes out of an application/ISUP body.
func decodeBack(t testing.TB, m *isup.Message) *isup.Message {
	t.Helper()
	b, err := m.AppendBody(nil)
	if err != nil {
		t.Fatal(err)
	}
	var d isup.Message
	if err := d.DecodeBody(b, isup.ITU); err != nil {
		t.Fatal(err)
	}
	return &d
}

func body(t testing.TB, m *isup.Message) []byte {
	t.Helper()
	b, err := m.AppendBody(nil)
	if err != nil {
		t.Fatalf("%v: %v", m.Type, err)
	}
	return b
}

// TestBackwardFor: a SIP-I response's encapsulated ACM, CPG, ANM or CON is
// the base of the backward message sent (Q.1912.5 profile C); the ISUP
// state decides its type.
func TestBackwardFor(t *testing.T) {
	tr := testTrunk(t, func(c *TrunkConfig) { c.SIP.Profile = "sip-i" })
	never := testTrunk(t, func(c *TrunkConfig) { c.SIP.Profile, c.Backward.ACMOn183 = "sip-i", "never" })
	acm, cpgBCI, cpg, anm, anmNoBCI, con := farACM(t), farCPG(t, isup.EventAlerting, true), farCPG(t, isup.EventProgress, false), farANM(t, true), farANM(t, false), farCON(t)
	sent := CallProgress{ACMSent: true}
	bciOf := func(m *isup.Message) []byte { d, _ := m.Param(isup.ParamBackwardCallIndicators); return d }
	for _, tc := range []struct {
		name   string
		tr     *Trunk
		st     CallProgress
		status int
		enc    *isup.Message
		typ    isup.MessageType
		same   *isup.Message // the result must be this message, octet for octet
		check  func(t *testing.T, m *isup.Message)
	}{
		{name: "180 + ACM → that ACM", tr: tr, status: 180, enc: acm, typ: isup.ACM, same: acm},
		{name: "183 + ACM on an acm_on_183 never trunk → that ACM (the far exchange sent it)", tr: never, status: 183, enc: acm, typ: isup.ACM, same: acm},
		{name: "181 + CPG forwarding after ACM → that CPG", tr: tr, st: sent, status: 181, enc: farCPG(t, isup.EventForwardedOnBusy, false), typ: isup.CPG, same: farCPG(t, isup.EventForwardedOnBusy, false)},
		{name: "180 + CPG after ACM → that CPG", tr: tr, st: sent, status: 180, enc: cpgBCI, typ: isup.CPG, same: cpgBCI},
		{name: "200 + ANM after ACM → that ANM", tr: tr, st: sent, status: 200, enc: anm, typ: isup.ANM, same: anm},
		{name: "200 + CON before ACM → that CON", tr: tr, status: 200, enc: con, typ: isup.CON, same: con},
		{name: "180 + ACM after our ACM (T11) → CPG alerting with the ACM's parameters", tr: tr, st: sent, status: 180, enc: acm, typ: isup.CPG,
			check: func(t *testing.T, m *isup.Message) {
				var ev isup.EventInformation
				if ok, err := m.Get(&ev); !ok || err != nil || ev.Event != isup.EventAlerting {
					t.Errorf("event %+v %v %v", ev, ok, err)
				}
				if !bytes.Equal(bciOf(m), bciOf(acm)) {
					t.Errorf("optional BCI % x, want the ACM's % x", bciOf(m), bciOf(acm))
				}
				for _, p := range []struct {
					c isup.ParamCode
					d []byte
				}{{isup.ParamOptionalBackwardCallIndicators, obci}, {isup.ParamGenericNotificationIndicator, gni}, {isup.ParamUserToUserInformation, uui}} {
					if d, ok := m.Param(p.c); !ok || !bytes.Equal(d, p.d) {
						t.Errorf("%v % x, want % x", p.c, d, p.d)
					}
				}
			}},
		{name: "180 + CPG before any ACM → ACM with the CPG's BCI and notification, no event", tr: tr, status: 180, enc: cpgBCI, typ: isup.ACM,
			check: func(t *testing.T, m *isup.Message) {
				if !bytes.Equal(bciOf(m), bciOf(cpgBCI)) || m.Has(isup.ParamEventInformation) {
					t.Errorf("BCI % x (want % x), event %v", bciOf(m), bciOf(cpgBCI), m.Has(isup.ParamEventInformation))
				}
				if d, _ := m.Param(isup.ParamGenericNotificationIndicator); !bytes.Equal(d, gni) {
					t.Errorf("notification % x", d)
				}
			}},
		{name: "183 + CPG progress without BCI before ACM → ACM with the mapped BCI", tr: tr, status: 183, enc: cpg, typ: isup.ACM,
			check: func(t *testing.T, m *isup.Message) {
				var bci isup.BackwardCallIndicators
				if ok, err := m.Get(&bci); !ok || err != nil || !bci.Interworking || bci.CalledStatus != isup.CalledStatusNoIndication {
					t.Errorf("BCI %+v", bci)
				}
			}},
		{name: "200 + CON after ACM → ANM with the CON's BCI as optional", tr: tr, st: sent, status: 200, enc: con, typ: isup.ANM,
			check: func(t *testing.T, m *isup.Message) {
				if !bytes.Equal(bciOf(m), bciOf(con)) {
					t.Errorf("BCI % x, want % x", bciOf(m), bciOf(con))
				}
			}},
		{name: "200 + ANM before ACM → CON with the ANM's BCI", tr: tr, status: 200, enc: anm, typ: isup.CON,
			check: func(t *testing.T, m *isup.Message) {
				if !bytes.Equal(bciOf(m), bciOf(anm)) {
					t.Errorf("BCI % x, want % x", bciOf(m), bciOf(anm))
				}
				if d, _ := m.Param(isup.ParamUserToUserInformation); !bytes.Equal(d, uui) {
					t.Errorf("UUI % x", d)
				}
			}},
		{name: "200 + ANM without BCI before ACM → CON with the mapped BCI and the ANM's UUI", tr: tr, status: 200, enc: anmNoBCI, typ: isup.CON,
			check: func(t *testing.T, m *isup.Message) {
				var bci isup.BackwardCallIndicators
				if ok, err := m.Get(&bci); !ok || err != nil || !bci.Interworking {
					t.Errorf("BCI %+v", bci)
				}
				if d, _ := m.Param(isup.ParamUserToUserInformation); !bytes.Equal(d, uui) {
					t.Errorf("UUI % x", d)
				}
			}},
		{name: "180 + ANM (another class) → the mapped ACM", tr: tr, status: 180, enc: anm, typ: isup.ACM,
			check: func(t *testing.T, m *isup.Message) {
				if m.Has(isup.ParamUserToUserInformation) {
					t.Error("ANM parameters in the ACM")
				}
			}},
		{name: "200 + CPG (another class) → the mapped ANM", tr: tr, st: sent, status: 200, enc: cpg, typ: isup.ANM,
			check: func(t *testing.T, m *isup.Message) {
				if m.Has(isup.ParamGenericNotificationIndicator) {
					t.Error("CPG parameters in the ANM")
				}
			}},
		{name: "180 without encapsulation → the mapped ACM", tr: tr, status: 180, typ: isup.ACM},
		{name: "183 on a never trunk without encapsulation → nothing", tr: never, status: 183},
		{name: "100 + ACM → nothing", tr: tr, status: 100, enc: acm},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := tc.tr.BackwardFor(tc.st, tc.status, false, false, tc.enc)
			if err != nil {
				t.Fatal(err)
			}
			if tc.typ == 0 {
				if m != nil {
					t.Fatalf("sent %v", m.Type)
				}
				return
			}
			if m == nil || m.Type != tc.typ {
				t.Fatalf("got %+v, want %v", m, tc.typ)
			}
			out := body(t, m)
			if tc.same != nil && !bytes.Equal(out, body(t, tc.same)) {
				t.Errorf("% x, want % x", out, body(t, tc.same))
			}
			if tc.check != nil {
				tc.check(t, m)
			}
			if tc.enc != nil && len(tc.enc.Params) > 0 && len(m.Params) > 0 && len(tc.enc.Params[0].Data) > 0 && &m.Params[0].Data[0] == &tc.enc.Params[0].Data[0] {
				t.Error("the result aliases the encapsulated message")
			}
		})
	}
}
