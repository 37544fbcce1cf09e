package sipp

import (
	"bytes"
	"encoding/base64"
	"net"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/sipi"
)

// Two gateways: SIPp UAC → sipgw A → ISUP over M3UA/TCP (A dials B, both
// IPSPs) → sipgw B → SIPp UAS; in the VM, A and B are ASPs of osmo-stp
// over kernel SCTP instead (topology_test.go).
func twoGateways(t *testing.T) (a, b *gw, uasPort int) {
	uasPort = freePort(t)
	sipB, sipA := twoSIP(uasPort)
	if overOsmoSTP(t) {
		a, b = twoOverSTP(t, sipB, sipA)
		return a, b, uasPort
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m3uaAddr := l.Addr().String()
	l.Close()
	docB := sipB + `sigtran:
  - name: b
    point_code: 1-1-3
    associations: [{name: a, transport: tcp, listen: "` + m3uaAddr + `"}]
isup_trunks: [{name: froma, sigtran: b, peer_pc: 1-1-1, cics: 1-64}]
`
	docA := sipA + `sigtran:
  - name: a
    point_code: 1-1-1
    associations: [{name: b, transport: tcp, remote: "` + m3uaAddr + `"}]
isup_trunks: [{name: tob, sigtran: a, peer_pc: 1-1-3, cics: 1-64}]
`
	leakCheck(t, runtime.NumGoroutine())
	b = startGatewayNoLeakCheck(t, docB)
	a = startGatewayNoLeakCheck(t, docA)
	a.waitIdle(5 * time.Second)
	b.waitIdle(5 * time.Second)
	return a, b, uasPort
}

// twoSIP returns the SIP sides (and routes) of B, toward the SIPp UAS on
// uasPort, and of A, taking SIPp's calls; the ISUP sides depend on the
// topology.
func twoSIP(uasPort int) (sipB, sipA string) {
	sipB = `sip: {udp: "127.0.0.1:0"}
sip_trunks:
  - name: uas
    peers: ["127.0.0.1:` + strconv.Itoa(uasPort) + `"]
    rel100: none
    isup_encoding: base64
    mapping: {sip: {profile: sip-i}, numbering: {host: 127.0.0.1}}
routes: [{prefix: "", from: froma, to: [uas]}]
`
	sipA = `sip: {udp: "127.0.0.1:0"}
sip_trunks:
  - name: sipp
    acl: [127.0.0.1/32]
    mapping: {sip: {profile: sip-i}}
routes: [{prefix: "", from: sipp, to: [tob]}]
`
	return sipB, sipA
}

func TestTwoGateways(t *testing.T) {
	requireSIPp(t)
	a, b, uasPort := twoGateways(t)
	rows := []struct {
		name, uac, uas string
		uacWant        []string // in what the UAC received
		uasWant        []string // in what the UAS received
	}{
		{"answered, caller hangs up", "uac_answer.xml", "uas_answer.xml", []string{"SIP/2.0 180", "SIP/2.0 200"}, []string{"INVITE sip:", "application/ISUP", "BYE sip:", "Reason: Q.850;cause=16"}},
		{"busy 486 ↔ 17 ↔ 486", "uac_486.xml", "uas_486.xml", []string{"Reason: Q.850;cause=17"}, []string{"ACK sip:"}},
		{"reject 404 ↔ 1 ↔ 404", "uac_404.xml", "uas_404.xml", []string{"Reason: Q.850;cause=1"}, []string{"ACK sip:"}},
		{"CANCEL ↔ REL ↔ CANCEL", "uac_cancel.xml", "uas_cancel.xml", []string{"SIP/2.0 487"}, []string{"CANCEL sip:", "Reason: Q.850;cause=16"}},
		{"BYE from the called side", "uac_remote_bye.xml", "uas_bye.xml", []string{"BYE sip:", "Reason: Q.850;cause=16"}, []string{"SIP/2.0 200"}},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			waitUAS := startSIPp(t, "", sippRun{scenario: r.uas, port: uasPort})
			time.Sleep(100 * time.Millisecond)
			uacTrace := runSIPp(t, a.addr, sippRun{scenario: r.uac, service: "4930555"})
			uasTrace := waitUAS()
			a.waitIdle(10 * time.Second)
			b.waitIdle(10 * time.Second)
			check := func(who, trace string, want []string) {
				msgs := strings.Join(received(trace), "\n")
				for _, w := range want {
					if !strings.Contains(msgs, w) {
						t.Errorf("%s did not receive %q in:\n%s", who, w, tail(msgs, 3000))
					}
				}
			}
			check("the UAC", uacTrace, r.uacWant)
			check("the UAS", uasTrace, r.uasWant)
		})
	}
	_ = b
}

// transparencyIAM is the IAM SIPp's INVITE carries: besides what the
// gateway maps, a user-to-user information parameter (Q.763 §3.61) that
// no SIP header carries, so only SIP-I transparency can bring it to B.
func transparencyIAM(t *testing.T) (body []byte, uui []byte) {
	m := isup.New(isup.ITU, isup.IAM, 0)
	m.Set(&isup.NatureOfConnectionIndicators{})
	m.Set(&isup.ForwardCallIndicators{ISDNAccess: true})
	cpc := isup.CategoryOrdinary
	m.Set(&cpc)
	m.Set(&isup.TransmissionMediumRequirement{Medium: isup.TMR3k1Audio})
	d, _ := isup.ParseDigits("4930555")
	m.Set(&isup.CalledPartyNumber{NAI: isup.NAINational, INN: true, NPI: isup.NPIE164, Digits: d})
	uui = []byte{0x04, 's', 'i', 'p', 'g', 'w', 0x00, 0x7f}
	m.SetRaw(isup.ParamUserToUserInformation, uui)
	b, err := m.AppendBody(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b, uui
}

// TestSIPITransparency: a parameter set in the IAM SIPp sends to A arrives
// unchanged in the IAM that B encapsulates in its INVITE to the SIPp UAS,
// decoded from the body SIPp received.
func TestSIPITransparency(t *testing.T) {
	requireSIPp(t)
	a, _, uasPort := twoGateways(t)
	iam, uui := transparencyIAM(t)
	waitUAS := startSIPp(t, "", sippRun{scenario: "uas_answer.xml", port: uasPort})
	time.Sleep(100 * time.Millisecond)
	runSIPp(t, a.addr, sippRun{scenario: "uac_sipi.xml", service: "4930555", extra: []string{"-key", "iam", base64.StdEncoding.EncodeToString(iam)}})
	trace := waitUAS()
	inv := strings.ReplaceAll(firstWith(received(trace), "INVITE "), "\r\n", "\n")
	i := strings.Index(inv, "\n\n")
	ct := ""
	for _, line := range strings.Split(inv[:max(i, 0)], "\n") {
		if strings.HasPrefix(strings.ToLower(line), "content-type:") {
			ct = strings.TrimSpace(line[len("content-type:"):])
		}
	}
	if i < 0 || ct == "" {
		t.Fatalf("INVITE without body:\n%s", inv)
	}
	body := []byte(strings.ReplaceAll(inv[i+2:], "\n", "\r\n"))
	dec, err := sipi.Decode(ct, body)
	if err != nil {
		t.Fatalf("decode the SIP-I body %q: %v\n%s", ct, err, inv)
	}
	var got isup.Message
	found := false
	for i := range dec.Parts {
		if _, ok := dec.Parts[i].Variant(); !ok {
			continue
		}
		if err := dec.Parts[i].DecodeISUP(&got); err != nil {
			t.Fatalf("ISUP part: %v", err)
		}
		found = true
	}
	if !found || got.Type != isup.IAM {
		t.Fatalf("no IAM in the body: %+v", dec)
	}
	v, ok := got.Param(isup.ParamUserToUserInformation)
	if !ok || !bytes.Equal(v, uui) {
		t.Errorf("user-to-user information %x, want %x", v, uui)
	}
}
