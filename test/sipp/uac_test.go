package sipp

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sipgw/sipgw/gateway/sim"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/circuit"
)

// uacDoc is a gateway for SIPp UACs on 127.0.0.1 with the in-process
// simulator behind one ISUP trunk; the simulator's rules give each test
// its outcome by number. Its parts: the SIP side, the ISUP side (in
// memory here; over osmo-stp in the VM, topology_test.go), the route and
// the simulator.
const uacDoc = uacSIP + uacMem + uacRoutes + uacSim

const uacSIP = `sip: {udp: "127.0.0.1:0"}
sip_trunks:
  - name: sipp
    acl: [127.0.0.1/32]
    sip_overlap: true
    no_answer: 2s
    mapping: {sip: {profile: sip-i}}
`

const uacMem = `sigtran:
  - name: gw
    point_code: 1-1-1
    associations: [{name: ex, transport: mem, remote: "exchange:1"}]
isup_trunks: [{name: pstn, sigtran: gw, peer_pc: 1-1-2, cics: 1-64}]
`

const uacRoutes = `routes: [{prefix: "", from: sipp, to: [pstn]}]
`

const uacSim = `simulator:
  trunk: pstn
  rules:
    - {prefix: "486", action: busy}
    - {prefix: "404", action: reject, cause: 1}
    - {prefix: "408", action: noanswer}
    - {prefix: "183", action: answer, inband: true, ring: 100ms, answer: 400ms}
    - {prefix: "55", action: answer, ring: 1500ms}
    - {prefix: "777", action: answer, hold: 300ms}
    - {prefix: "9", action: answer, ring: 50ms, answer: 20s}
    - {prefix: "", action: answer}
`

// isupSeen summarises the simulator's messages: "<IAM 2001000" received,
// ">ACM" sent, "<REL 16".
func isupSeen(evs []sim.Event) string {
	var b []string
	for _, e := range evs {
		if e.Type == isup.GRS || e.Type == isup.GRA {
			continue // the start-up reset
		}
		s := ">"
		if e.Kind == sim.EvReceived {
			s = "<"
		}
		s += e.Type.String()
		switch e.Type {
		case isup.IAM, isup.SAM:
			s += " " + e.Called
		case isup.REL:
			s += " " + itoa(int(e.Cause))
		}
		b = append(b, s)
	}
	return strings.Join(b, " ")
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

// firstWith returns the first received message starting with prefix.
func firstWith(msgs []string, prefix string) string {
	for _, m := range msgs {
		if strings.HasPrefix(m, prefix) {
			return m
		}
	}
	return ""
}

// TestUAC: SIPp UAC → sipgw → ISUP → simulator (in memory on the host,
// over kernel SCTP through osmo-stp in the VM): the calls of the issue,
// asserted at both ends.
func TestUAC(t *testing.T) {
	requireSIPp(t)
	var x *gw
	if overOsmoSTP(t) {
		x = uacOverSTP(t)
	} else {
		x = startGateway(t, uacDoc)
	}
	rows := []struct {
		name, scenario, service string
		isup                    string // what the simulator saw, in order
		sip                     []string
	}{
		{"answered, caller hangs up", "uac_answer.xml", "2001000", "<IAM 2001000 >ACM >ANM <REL 16 >RLC",
			[]string{"SIP/2.0 180", "application/ISUP", "SIP/2.0 200"}},
		{"busy 486 ↔ 17", "uac_486.xml", "4861", "<IAM 4861 >REL 17 <RLC", []string{"Reason: Q.850;cause=17"}},
		{"reject 404 ↔ 1", "uac_404.xml", "4041", "<IAM 4041 >REL 1 <RLC", []string{"Reason: Q.850;cause=1"}},
		{"no answer", "uac_480.xml", "4081", "<IAM 4081 >ACM <REL 19 >RLC", []string{"SIP/2.0 180", "Reason: Q.850;cause=19"}},
		{"CANCEL before answer", "uac_cancel.xml", "9001", "<IAM 9001 >ACM <REL 16 >RLC", []string{"SIP/2.0 487"}},
		{"BYE from the exchange", "uac_remote_bye.xml", "7771", "<IAM 7771 >ACM >ANM >REL 16 <RLC", []string{"BYE sip:", "Reason: Q.850;cause=16"}},
		{"183 early media with PRACK", "uac_prack.xml", "1831", "<IAM 1831 >ACM >CPG >ANM <REL 16 >RLC",
			[]string{"SIP/2.0 183", "Require: 100rel", "RSeq: 1", "SIP/2.0 180", "RSeq: 2"}},
		{"overlap dialling", "uac_overlap.xml", "", "<IAM 55 <SAM 12345 >ACM >ANM <REL 16 >RLC", []string{"SIP/2.0 484"}},
		{"malformed SIP-I body", "uac_malformed.xml", "2001000", "", []string{"SIP/2.0 400"}},
		{"serving after it", "uac_answer.xml", "2001001", "<IAM 2001001 >ACM >ANM <REL 16 >RLC", nil},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			mark := x.simMark()
			trace := runSIPp(t, x.addr, sippRun{scenario: r.scenario, service: r.service})
			x.waitIdle(10 * time.Second)
			got := isupSeen(x.simEvents(mark))
			if got != r.isup {
				t.Errorf("ISUP at the exchange:\n got %s\nwant %s", got, r.isup)
			}
			msgs := strings.Join(received(trace), "\n")
			for _, w := range r.sip {
				if !strings.Contains(msgs, w) {
					t.Errorf("SIPp did not receive %q in:\n%s", w, tail(msgs, 4000))
				}
			}
			noteWire(t, x.simEvents(mark))
		})
	}
}

// TestUnknownSource: an INVITE from an address in no trunk's ACL is
// refused with 403 and nothing reaches ISUP (no open relay into the PSTN).
func TestUnknownSource(t *testing.T) {
	requireSIPp(t)
	x := startGateway(t, uacDoc)
	mark := x.simMark()
	trace := runSIPp(t, x.addr, sippRun{scenario: "uac_403.xml", service: "2001000", local: "127.0.0.2"})
	if m := firstWith(received(trace), "SIP/2.0 403"); !strings.Contains(m, "Reason: Q.850;cause=21") {
		t.Errorf("403 without the cause: %q", m)
	}
	if got := x.isupWait(mark, ""); got != "" {
		t.Errorf("ISUP for a refused call: %s", got)
	}
	// The gateway still serves its trunk.
	runSIPp(t, x.addr, sippRun{scenario: "uac_answer.xml", service: "2001000"})
	x.waitIdle(10 * time.Second)
}

// TestLimits: beyond the trunk's calls per second the INVITE gets 503 with
// Retry-After; beyond max_calls too; the calls within them go through.
func TestLimits(t *testing.T) {
	requireSIPp(t)
	doc := strings.Replace(uacDoc, "    no_answer: 2s\n", "    no_answer: 2s\n    cps: 0.2\n    max_calls: 1\n", 1)
	x := startGateway(t, doc)
	mark := x.simMark()
	runSIPp(t, x.addr, sippRun{scenario: "uac_answer.xml", service: "2001000"})
	trace := runSIPp(t, x.addr, sippRun{scenario: "uac_503.xml", service: "2001000"})
	if m := firstWith(received(trace), "SIP/2.0 503"); !strings.Contains(m, "Retry-After: 1") {
		t.Errorf("CPS 503 without Retry-After 1: %q", m)
	}
	if got := x.isupWait(mark, "<IAM 2001000 >ACM >ANM <REL 16 >RLC"); got != "<IAM 2001000 >ACM >ANM <REL 16 >RLC" {
		t.Errorf("ISUP: %s", got)
	}
	x.waitIdle(10 * time.Second)
}

// TestMaxCalls: while one call rings, a second INVITE gets 503 with the
// max_calls Retry-After (5 s).
func TestMaxCalls(t *testing.T) {
	requireSIPp(t)
	doc := strings.Replace(uacDoc, "    no_answer: 2s\n", "    no_answer: 2s\n    max_calls: 1\n", 1)
	x := startGateway(t, doc)
	done := make(chan string, 1)
	go func() {
		// Rings until SIPp cancels it (the 9 prefix answers after 20 s).
		done <- runSIPpErr(x.addr, sippRun{scenario: "uac_cancel.xml", service: "9001"})
	}()
	// Once it rings (the 9 prefix rings after 50 ms).
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		cs, err := x.g.Calls(context.Background())
		if err == nil && len(cs) == 1 && strings.Contains(cs[0].State, "isup=proceeding") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the first call does not ring: %+v", cs)
		}
	}
	trace := runSIPp(t, x.addr, sippRun{scenario: "uac_503.xml", service: "2001000"})
	if m := firstWith(received(trace), "SIP/2.0 503"); !strings.Contains(m, "Retry-After: 5") {
		t.Errorf("max_calls 503 without Retry-After 5: %q", m)
	}
	if err := <-done; err != "" {
		t.Errorf("the ringing call: %s", err)
	}
	x.waitIdle(10 * time.Second)
}

// TestFallover: the first trunk of the route has no circuit to give (all
// blocked by the operator): the call falls over (cause 34) to the second
// trunk, unseen by SIP, and is answered there.
func TestFallover(t *testing.T) {
	requireSIPp(t)
	doc := strings.Replace(uacDoc, "routes: [{prefix: \"\", from: sipp, to: [pstn]}]",
		"routes: [{prefix: \"\", from: sipp, to: [blocked, pstn]}]", 1)
	doc = strings.Replace(doc, "isup_trunks: [{name: pstn, sigtran: gw, peer_pc: 1-1-2, cics: 1-64}]",
		"isup_trunks:\n  - {name: pstn, sigtran: gw, peer_pc: 1-1-2, cics: 1-64}\n  - {name: blocked, sigtran: gw2, peer_pc: 1-1-5, cics: 1-8}", 1)
	doc = strings.Replace(doc, "sigtran:\n", "sigtran:\n  - name: gw2\n    point_code: 1-1-4\n    associations: [{name: nowhere, transport: mem, remote: \"nowhere:1\"}]\n", 1)
	x := startGateway(t, doc)
	// The trunk with no peer: its circuits stay blocked, awaiting
	// acknowledgements that never come.
	x.skip = "blocked"
	all, _ := circuit.ParseRanges("1-8")
	if err := x.g.Block(context.Background(), "blocked", all); err != nil {
		t.Fatal(err)
	}
	mark := x.simMark()
	runSIPp(t, x.addr, sippRun{scenario: "uac_answer.xml", service: "2001000"})
	x.waitIdle(10 * time.Second)
	if got := x.isupWait(mark, "<IAM 2001000 >ACM >ANM <REL 16 >RLC"); got != "<IAM 2001000 >ACM >ANM <REL 16 >RLC" {
		t.Errorf("ISUP at the exchange of the second trunk: %s", got)
	}
	if cdrs := x.cdrList(); len(cdrs) != 1 || !strings.Contains(cdrs[0], "status=200") {
		t.Errorf("CDRs %v", cdrs)
	}
}

// TestDropCall: an operator drops an answered call: BYE with the cause
// toward SIP, REL with it toward ISUP.
func TestDropCall(t *testing.T) {
	requireSIPp(t)
	x := startGateway(t, uacDoc)
	mark := x.simMark()
	wait := startSIPp(t, x.addr, sippRun{scenario: "uac_remote_bye.xml", service: "2001000"})
	id := x.waitCall(5 * time.Second)
	if err := x.g.DropCall(context.Background(), id, 31); err != nil {
		t.Fatal(err)
	}
	trace := wait()
	if m := firstWith(received(trace), "BYE "); !strings.Contains(m, "Reason: Q.850;cause=31") {
		t.Errorf("BYE %q", m)
	}
	x.waitIdle(10 * time.Second)
	if got := x.isupWait(mark, "<IAM 2001000 >ACM >ANM <REL 31 >RLC"); got != "<IAM 2001000 >ACM >ANM <REL 31 >RLC" {
		t.Errorf("ISUP: %s", got)
	}
}

// TestShutdownReleases: stopping the gateway releases the active call
// (cause 41 both ways), resets the circuits and ends Run.
func TestShutdownReleases(t *testing.T) {
	requireSIPp(t)
	x := startGateway(t, uacDoc)
	mark := x.simMark()
	wait := startSIPp(t, x.addr, sippRun{scenario: "uac_remote_bye.xml", service: "2001000"})
	x.waitCall(5 * time.Second)
	x.stop()
	trace := wait()
	if m := firstWith(received(trace), "BYE "); !strings.Contains(m, "Reason: Q.850;cause=41") {
		t.Errorf("BYE %q", m)
	}
	evs := x.simEvents(mark)
	if got := isupSeen(evs); got != "<IAM 2001000 >ACM >ANM <REL 41 >RLC" {
		t.Errorf("ISUP: %s", got)
	}
	// Then the circuits were reset (GRS, answered GRA), the last messages.
	n := len(evs)
	if n < 2 || evs[n-2].Type != isup.GRS || evs[n-1].Type != isup.GRA {
		t.Errorf("no circuit group reset at shutdown: %+v", evs[max(n-2, 0):])
	}
}

// TestDigestAuth: a trunk with credentials challenges the INVITE (401,
// RFC 3261 §22); SIPp answers with its digest and the call goes through.
func TestDigestAuth(t *testing.T) {
	requireSIPp(t)
	doc := strings.Replace(uacDoc, "    no_answer: 2s\n", "    no_answer: 2s\n    auth: {realm: sipgw, username: alice, password: s3cret}\n", 1)
	x := startGateway(t, doc)
	mark := x.simMark()
	trace := runSIPp(t, x.addr, sippRun{scenario: "uac_auth.xml", service: "2001000", extra: []string{"-au", "alice", "-ap", "s3cret"}})
	if m := firstWith(received(trace), "SIP/2.0 401"); !strings.Contains(m, `WWW-Authenticate: Digest realm="sipgw"`) {
		t.Errorf("401 %q", m)
	}
	if got := x.isupWait(mark, "<IAM 2001000 >ACM >ANM <REL 16 >RLC"); got != "<IAM 2001000 >ACM >ANM <REL 16 >RLC" {
		t.Errorf("ISUP: %s", got)
	}
	// A wrong password is challenged again: nothing reaches ISUP.
	mark = x.simMark()
	trace = runSIPp(t, x.addr, sippRun{scenario: "uac_auth.xml", service: "2001000", extra: []string{"-au", "alice", "-ap", "guess"}, wantFail: true, timeout: "3s"})
	if n := strings.Count(strings.Join(received(trace), "\n"), "SIP/2.0 401"); n < 2 {
		t.Errorf("%d challenges for a wrong password", n)
	}
	if got := x.isupWait(mark, ""); got != "" {
		t.Errorf("ISUP for a refused call: %s", got)
	}
	x.waitIdle(10 * time.Second)
}
