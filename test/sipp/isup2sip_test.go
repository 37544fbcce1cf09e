package sipp

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sipgw/sipgw/isup"
)

// TestExchangeOriginates: the simulator, as a PSTN switch would, sends a
// call in overlap (IAM with 4 digits, then a SAM per digit, the last with
// ST) asking for a continuity check; the gateway collects the number,
// waits for the COT, then sends one INVITE to the SIPp UAS. The exchange
// releases after 300 ms of conversation: BYE to SIP.
func TestExchangeOriginates(t *testing.T) {
	requireSIPp(t)
	uasPort := freePort(t)
	doc := `sip: {udp: "127.0.0.1:0"}
sip_trunks:
  - name: uas
    peers: ["127.0.0.1:` + strconv.Itoa(uasPort) + `"]
    rel100: none
    mapping: {numbering: {host: 127.0.0.1}}
sigtran:
  - name: gw
    point_code: 1-1-1
    associations: [{name: ex, transport: mem, remote: "exchange:1"}]
isup_trunks: [{name: pstn, sigtran: gw, peer_pc: 1-1-2, cics: 1-8}]
routes: [{prefix: "", from: pstn, to: [uas]}]
simulator:
  trunk: pstn
  originate:
    - {called: "4930777", calling: "4930111", overlap: 4, continuity: true, hold: 300ms, delay: 500ms}
`
	waitUAS := startSIPp(t, "", sippRun{scenario: "uas_answer.xml", port: uasPort})
	x := startGateway(t, doc)
	trace := waitUAS()
	x.waitIdle(10 * time.Second)
	inv := firstWith(received(trace), "INVITE ")
	if !strings.HasPrefix(inv, "INVITE sip:4930777@127.0.0.1") || !strings.Contains(inv, "4930111") {
		t.Errorf("INVITE for the collected number with the caller's:\n%s", inv)
	}
	var seen []string
	for _, e := range x.simEvents(0) {
		if e.Type == isup.GRS || e.Type == isup.GRA {
			continue
		}
		s := ">"
		if e.Kind == 1 {
			s = "<"
		}
		s += e.Type.String()
		if e.Type == isup.IAM || e.Type == isup.SAM {
			s += " " + e.Called
		}
		seen = append(seen, s)
	}
	want := ">IAM 4930 >COT >SAM 7 >SAM 7 >SAM 7F <ACM <ANM >REL <RLC"
	if got := strings.Join(seen, " "); got != want {
		t.Errorf("ISUP at the exchange:\n got %s\nwant %s", got, want)
	}
}
