package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/sipgw/sipgw/capture/pcapfile"
	"github.com/sipgw/sipgw/capture/pcapgen"
	"github.com/sipgw/sipgw/internal/testenv"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/sipi"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// --- a synthetic capture for the command: three legs in two groups ---
//
//	call 1  SIP-I/UDP  4930123456 → 4940987654, INVITE with the IAM,
//	        answered, BYE (REL cause 16): group 1
//	call 2  ISUP/M3UA  the same call towards the PSTN, CIC 31, 1-37-1 →
//	        3-80-5, answered, cause 16: group 1, linked by sip-i
//	call 3  SIP/UDP    4930111111 → 4940222222, 486 Busy Here: group 3
//
// The capture package's synthetic tests cover every framing; this one is
// about what the command does with an analysis.

var (
	t0     = time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC)
	ua     = netip.MustParseAddrPort("192.0.2.10:5060")
	gw     = netip.MustParseAddrPort("203.0.113.30:5060")
	ub     = netip.MustParseAddrPort("198.51.100.20:5060")
	sgA    = netip.MustParseAddrPort("172.16.0.1:2905")
	sgB    = netip.MustParseAddrPort("172.16.0.2:2905")
	opc    = mtp3.ITUPC(2345) // 1-37-1
	dpc    = mtp3.ITUPC(6789) // 3-80-5
	niNat  = mtp3.NINational
	callID = "sipi-1@synth.example"
)

// sipText builds a SIP message: start line, the dialog headers, extra
// headers, and a body with its Content-Type.
func sipText(start, callID string, cseq int, method, from, to string, extra []string, ctype string, body []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK%s%d\r\nMax-Forwards: 70\r\n", start, method[:2], cseq)
	fmt.Fprintf(&b, "From: <sip:%s@192.0.2.10>;tag=f%s\r\nTo: <sip:%s@example.net>", from, callID[:4], to)
	if !strings.HasPrefix(start, "INVITE") && !strings.HasPrefix(start, "SIP/2.0 100") {
		b.WriteString(";tag=t" + callID[:4])
	}
	fmt.Fprintf(&b, "\r\nCall-ID: %s\r\nCSeq: %d %s\r\n", callID, cseq, method)
	for _, h := range extra {
		b.WriteString(h + "\r\n")
	}
	if ctype != "" {
		b.WriteString("Content-Type: " + ctype + "\r\n")
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
	b.Write(body)
	return b.Bytes()
}

func sdpOf(host string) []byte {
	return []byte("v=0\r\no=- 1 1 IN IP4 " + host + "\r\ns=-\r\nc=IN IP4 " + host + "\r\nt=0 0\r\nm=audio 40000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n")
}

func mustISUP(t *testing.T, m *isup.Message, body bool) []byte {
	t.Helper()
	var b []byte
	var err error
	if body {
		b, err = m.AppendBody(nil)
	} else {
		b, err = m.Append(nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func iam(t *testing.T, cic uint16) *isup.Message {
	m := isup.New(isup.ITU, isup.IAM, cic)
	m.Set(&isup.NatureOfConnectionIndicators{})
	m.Set(&isup.ForwardCallIndicators{ISUPAllTheWay: true})
	cpc := isup.CategoryOrdinary
	m.Set(&cpc)
	m.Set(&isup.TransmissionMediumRequirement{})
	cd, err := isup.NewCalledPartyNumber(isup.NAINational, "4940987654")
	if err != nil {
		t.Fatal(err)
	}
	m.Set(&cd)
	cg, err := isup.NewCallingPartyNumber(isup.NAINational, "4930123456", isup.APRIAllowed)
	if err != nil {
		t.Fatal(err)
	}
	m.Set(&cg)
	return m
}

func isupOf(t isup.MessageType, cic uint16) *isup.Message {
	m := isup.New(isup.ITU, t, cic)
	switch t {
	case isup.ACM:
		m.Set(&isup.BackwardCallIndicators{})
	case isup.REL:
		m.Set(&isup.CauseIndicators{Location: isup.LocPublicLocal, Value: isup.CauseNormalClearing})
	}
	return m
}

type cliFrame struct {
	ms int
	b  []byte
}

// cliCapture returns the capture described above as pcap bytes, and the
// number of frames of each call.
func cliCapture(t *testing.T) []byte {
	t.Helper()
	var frames []cliFrame
	udp := func(ms int, src, dst netip.AddrPort, msg []byte) {
		b, err := pcapgen.NewUDP(src, dst, msg).Ethernet().Bytes()
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, cliFrame{ms, b})
	}
	// Call 1: SIP-I.
	x := sipi.ISUP{Version: sipi.ITUT92Plus, Base: sipi.ITUT92Plus, Message: mustISUP(t, iam(t, 0), true)}
	ct, body, err := sipi.Encode(sdpOf("192.0.2.10"), x, "sipsniff-cli")
	if err != nil {
		t.Fatal(err)
	}
	bare := func(m *isup.Message) (string, []byte, []string) {
		x := sipi.ISUP{Version: sipi.ITUT92Plus, Base: sipi.ITUT92Plus, Message: mustISUP(t, m, true)}
		return x.ContentType(), x.Message, []string{"Content-Disposition: " + x.Disposition()}
	}
	const a, b = "4930123456", "4940987654"
	udp(0, ua, gw, sipText("INVITE sip:"+b+"@example.net SIP/2.0", callID, 1, "INVITE", a, b, []string{"MIME-Version: 1.0"}, ct, body))
	udp(10, gw, ua, sipText("SIP/2.0 100 Trying", callID, 1, "INVITE", a, b, nil, "", nil))
	acmCT, acmB, disp := bare(isupOf(isup.ACM, 0))
	udp(80, gw, ua, sipText("SIP/2.0 180 Ringing", callID, 1, "INVITE", a, b, disp, acmCT, acmB))
	anmCT, anmB, _ := bare(isupOf(isup.ANM, 0))
	udp(1520, gw, ua, sipText("SIP/2.0 200 OK", callID, 1, "INVITE", a, b, disp, anmCT, anmB))
	udp(1530, ua, gw, sipText("ACK sip:"+b+"@203.0.113.30 SIP/2.0", callID, 1, "ACK", a, b, nil, "", nil))
	relCT, relB, _ := bare(isupOf(isup.REL, 0))
	udp(6000, ua, gw, sipText("BYE sip:"+b+"@203.0.113.30 SIP/2.0", callID, 2, "BYE", a, b, disp, relCT, relB))
	rlcCT, rlcB, _ := bare(isupOf(isup.RLC, 0))
	udp(6040, gw, ua, sipText("SIP/2.0 200 OK", callID, 2, "BYE", a, b, disp, rlcCT, rlcB))
	// Call 2: the ISUP leg over M3UA.
	fwd := pcapgen.NewAssoc(sgA, sgB, 0xa1, 1, 4)
	back := fwd.Reverse(0xb2, 7)
	for _, s := range []struct {
		ms      int
		forward bool
		m       *isup.Message
	}{{20, true, iam(t, 31)}, {80, false, isupOf(isup.ACM, 31)}, {1520, false, isupOf(isup.ANM, 31)},
		{6020, true, isupOf(isup.REL, 31)}, {6040, false, isupOf(isup.RLC, 31)}} {
		as, o, d := fwd, opc, dpc
		if !s.forward {
			as, o, d = back, dpc, opc
		}
		pd, err := as.M3UA(o, d, mtp3.SIISUP, niNat, 0, 3, mustISUP(t, s.m, false))
		if err != nil {
			t.Fatal(err)
		}
		fb, err := pcapgen.NewSCTP(as.Src, as.Dst, as.VTag, as.Next(1, pcapgen.PPIDM3UA, pd)).Ethernet().Bytes()
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, cliFrame{s.ms, fb})
	}
	// Call 3: busy.
	const id3, c, d = "busy-3@synth.example", "4930111111", "4940222222"
	udp(8000, ua, ub, sipText("INVITE sip:"+d+"@example.net SIP/2.0", id3, 1, "INVITE", c, d, nil, "application/sdp", sdpOf("192.0.2.10")))
	udp(8010, ub, ua, sipText("SIP/2.0 100 Trying", id3, 1, "INVITE", c, d, nil, "", nil))
	udp(8300, ub, ua, sipText("SIP/2.0 486 Busy Here", id3, 1, "INVITE", c, d, nil, "", nil))
	udp(8310, ua, ub, sipText("ACK sip:"+d+"@example.net SIP/2.0", id3, 1, "ACK", c, d, nil, "", nil))

	slices.SortStableFunc(frames, func(a, b cliFrame) int { return a.ms - b.ms })
	var buf bytes.Buffer
	w, err := pcapgen.NewWriter(&buf, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		if err := w.Frame(t0.Add(time.Duration(f.ms)*time.Millisecond), f.b); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// Frames of each call in cliCapture: 7 SIP-I, 5 M3UA, 4 SIP.
const framesCall1, framesCall2, framesCall3 = 7, 5, 4

func writeCLICapture(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cli.pcap")
	if err := os.WriteFile(path, cliCapture(t), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// sharedCapture returns a third-party capture of ../../../shared/captures
// (cmd/sipsniff is two levels below the repository root); it is read in
// place, never copied. Missing, it fails under CI=true and skips otherwise.
func sharedCapture(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join("..", "..", "..", "shared", "captures", name)
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared capture missing in CI: %v", err)
		}
		t.Skipf("shared capture not available: %v", err)
	}
	return path
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, errs, err := runCmd(t, "", args...)
	if err != nil {
		t.Fatalf("sipsniff %s: %v\nstderr: %s", strings.Join(args, " "), err, errs)
	}
	return out
}

// ndjson decodes one JSON object per line.
func ndjson(t *testing.T, out string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not JSON: %q: %v", line, err)
		}
		recs = append(recs, m)
	}
	return recs
}

// field compares a decoded JSON field with want (numbers as float64).
func wantField(t *testing.T, what string, m map[string]any, key string, want any) {
	t.Helper()
	got, ok := m[key]
	if n, isInt := want.(int); isInt {
		want = float64(n)
	}
	if want == nil {
		if ok {
			t.Errorf("%s: %s = %v, want none", what, key, got)
		}
		return
	}
	if !ok || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s: %s = %v (present %v), want %v", what, key, got, ok, want)
	}
}

// --- modes on the synthetic capture ---

func TestCallsJSON(t *testing.T) {
	path := writeCLICapture(t)
	recs := ndjson(t, mustRun(t, "-r", path, "--calls", "--json"))
	if len(recs) != 3 {
		t.Fatalf("%d calls, want 3", len(recs))
	}
	c1, c2, c3 := recs[0], recs[1], recs[2]
	for k, v := range map[string]any{"call": 1, "proto": "sip", "call_id": callID, "method": "INVITE", "outcome": "answered",
		"sip_status": 200, "cause": 16, "calling": "4930123456", "called": "4940987654", "caller": "192.0.2.10:5060",
		"callee": "203.0.113.30:5060", "pdd_ms": 80, "answer_delay_ms": 1520, "duration_ms": 4480, "released_by": "caller",
		"messages": 12, "group": 1, "linked": "[2]", "linked_by": "sip-i", "start": "2024-03-05T10:00:00.000000000Z",
		"end": "2024-03-05T10:00:06.040000000Z"} {
		wantField(t, "call 1", c1, k, v)
	}
	for k, v := range map[string]any{"call": 2, "proto": "isup", "ni": 2, "opc": "1-37-1", "dpc": "3-80-5", "cic": 31,
		"outcome": "answered", "cause": 16, "calling": "4930123456", "called": "4940987654", "pdd_ms": 60, "messages": 5,
		"group": 1, "linked": "[1]", "linked_by": "sip-i", "call_id": nil, "sip_status": nil} {
		wantField(t, "call 2", c2, k, v)
	}
	for k, v := range map[string]any{"call": 3, "proto": "sip", "outcome": "busy", "sip_status": 486, "group": 3,
		"linked": nil, "duration_ms": nil, "pdd_ms": nil, "messages": 4, "released_by": "callee"} {
		wantField(t, "call 3", c3, k, v)
	}
}

func TestCallsText(t *testing.T) {
	path := writeCLICapture(t)
	out := mustRun(t, "-r", path)
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "CALL") {
		t.Fatalf("want a header and 3 calls:\n%s", out)
	}
	for i, want := range [][]string{
		{"1 ", "SIP", "4930123456", "4940987654", "answered", "200/16", "80ms", "4.48s", "12", callID},
		{"2 ", "ISUP", "answered", "c16", "60ms", "NI 2 1-37-1↔3-80-5 CIC 31"},
		{"3 ", "SIP", "busy", "486", "busy-3@synth.example"},
	} {
		for _, w := range want {
			if !strings.Contains(lines[i+1], w) {
				t.Errorf("line %d lacks %q: %s", i+1, w, lines[i+1])
			}
		}
	}
}

var rfc3339Nano9 = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$`)

func TestMessagesJSONFields(t *testing.T) {
	path := writeCLICapture(t)
	recs := ndjson(t, mustRun(t, "-r", path, "--messages", "--json"))
	// 7 SIP + 5 SIP-I bodies + 5 M3UA + 4 SIP.
	if len(recs) != 21 {
		t.Fatalf("%d messages, want 21", len(recs))
	}
	for i, m := range recs {
		if s, _ := m["time"].(string); !rfc3339Nano9.MatchString(s) {
			t.Errorf("message %d: time %q is not RFC 3339 with 9 fraction digits", i, s)
		}
		wantField(t, fmt.Sprintf("message %d", i), m, "index", i)
		for _, k := range []string{"src", "dst", "proto", "transport", "call", "file", "frame"} {
			if _, ok := m[k]; !ok {
				t.Errorf("message %d lacks %s", i, k)
			}
		}
	}
	// The INVITE, the IAM of its body, the M3UA IAM, the M3UA REL, the 486.
	checks := []struct {
		i    int
		want map[string]any
	}{
		{0, map[string]any{"time": "2024-03-05T10:00:00.000000000Z", "src": "192.0.2.10:5060", "dst": "203.0.113.30:5060",
			"proto": "sip", "transport": "udp", "call": 1, "frame": 1, "sip_method": "INVITE", "sip_status": nil,
			"call_id": callID, "cseq": "1 INVITE", "from": "4930123456", "to": "4940987654", "cic": nil}},
		{1, map[string]any{"proto": "isup", "transport": "sip-i", "call": 1, "frame": 1, "isup_type": "IAM",
			"called": "4940987654", "calling": "4930123456", "cic": nil, "opc": nil, "call_id": nil}},
		{3, map[string]any{"time": "2024-03-05T10:00:00.020000000Z", "src": "1-37-1", "dst": "3-80-5", "proto": "isup",
			"transport": "m3ua", "call": 2, "isup_type": "IAM", "cic": 31, "opc": "1-37-1", "dpc": "3-80-5", "ni": 2, "sls": 3,
			"called": "4940987654", "calling": "4930123456", "cause": nil}},
		{13, map[string]any{"transport": "m3ua", "isup_type": "REL", "cic": 31, "opc": "1-37-1", "dpc": "3-80-5", "cause": 16}},
		{12, map[string]any{"transport": "sip-i", "isup_type": "REL", "cause": 16, "call": 1}},
		{19, map[string]any{"sip_status": 486, "sip_method": nil, "cseq": "1 INVITE", "call": 3, "call_id": "busy-3@synth.example",
			"src": "198.51.100.20:5060", "dst": "192.0.2.10:5060"}},
	}
	for _, c := range checks {
		for k, v := range c.want {
			wantField(t, fmt.Sprintf("message %d", c.i), recs[c.i], k, v)
		}
	}
}

func TestMessagesText(t *testing.T) {
	path := writeCLICapture(t)
	out := mustRun(t, "-r", path, "--messages")
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 21 {
		t.Fatalf("%d lines, want 21:\n%s", len(lines), out)
	}
	for i, want := range map[int][]string{
		0:  {"2024-03-05T10:00:00.000000000Z", "udp", "192.0.2.10:5060 → 203.0.113.30:5060", "INVITE", "call-id=" + callID},
		1:  {"sip-i", "IAM", "called=4940987654", "calling=4930123456"},
		3:  {"m3ua", "1-37-1 → 3-80-5", "IAM cic=31"},
		13: {"REL cic=31", "cause=16"},
		19: {"486", "call-id=busy-3@synth.example"},
	} {
		for _, w := range want {
			if !strings.Contains(lines[i], w) {
				t.Errorf("line %d lacks %q: %s", i, w, lines[i])
			}
		}
	}
}

func TestStats(t *testing.T) {
	path := writeCLICapture(t)
	var st map[string]any
	if err := json.Unmarshal([]byte(mustRun(t, "-r", path, "--stats", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	// Calls, ASR and outcomes count groups (the SIP-I leg and its ISUP
	// leg are one call); legs count both.
	for k, v := range map[string]any{"frames": 16, "messages": 21, "sip_messages": 11, "isup_messages": 10, "legs": 3,
		"groups": 2, "calls": 2, "asr": 0.5, "ner": 1, "retransmissions": 0,
		"by_transport": "map[m3ua:5 sip-i:5 udp:11]", "by_status": "map[200:1 486:1]", "by_outcome": "map[answered:1 busy:1]"} {
		wantField(t, "stats", st, k, v)
	}
	out := mustRun(t, "-r", path, "--stats")
	for _, w := range []string{"16 frames", "Messages:   21 (SIP 11, ISUP 10)", "Calls:      2 (legs 3, linked groups 2)",
		"ASR:        50.0 %", "NER:        100.0 %", "Decode errors:   0"} {
		if !strings.Contains(out, w) {
			t.Errorf("--stats lacks %q:\n%s", w, out)
		}
	}
}

// --filter applies to every mode.
func TestFilterEveryMode(t *testing.T) {
	path := writeCLICapture(t)
	// Calls: only the busy one, or only the ISUP leg.
	recs := ndjson(t, mustRun(t, "-r", path, "--calls", "--json", "--filter", "busy"))
	if len(recs) != 1 || recs[0]["call"] != float64(3) {
		t.Errorf("--filter busy: %v", recs)
	}
	recs = ndjson(t, mustRun(t, "-r", path, "--calls", "--json", "--filter", "cic=31 and proto=isup"))
	if len(recs) != 1 || recs[0]["call"] != float64(2) {
		t.Errorf("--filter cic=31 and proto=isup: %v", recs)
	}
	// Messages: only the messages of the chosen calls.
	recs = ndjson(t, mustRun(t, "-r", path, "--messages", "--json", "--filter", "called=4940*"))
	calls := map[float64]int{}
	for _, m := range recs {
		calls[m["call"].(float64)]++
	}
	if fmt.Sprint(calls) != "map[1:12 2:5 3:4]" {
		t.Errorf("--filter called=4940*: messages per call %v", calls)
	}
	recs = ndjson(t, mustRun(t, "-r", path, "--messages", "--json", "--filter", "status=486"))
	if len(recs) != 4 {
		t.Errorf("--filter status=486: %d messages, want the 4 of call 3", len(recs))
	}
	for _, m := range recs {
		if m["call"] != float64(3) {
			t.Errorf("--filter status=486 printed a message of call %v", m["call"])
		}
	}
	// Stats of the selection.
	var st map[string]any
	if err := json.Unmarshal([]byte(mustRun(t, "-r", path, "--stats", "--json", "--filter", "answered")), &st); err != nil {
		t.Fatal(err)
	}
	wantField(t, "stats of answered", st, "asr", 1)
	wantField(t, "stats of answered", st, "legs", 2)
	// Ladder: the filter does not choose the ladder's call, --ladder does.
	out := mustRun(t, "-r", path, "--ladder", "3", "--filter", "busy", "--width", "0")
	if !strings.Contains(out, "486") || strings.Contains(out, "IAM") {
		t.Errorf("--ladder 3 --filter busy:\n%s", out)
	}
	// -w with a filter: only the frames of the busy call.
	w := filepath.Join(t.TempDir(), "busy.pcap")
	mustRun(t, "-r", path, "-w", w, "--filter", "busy")
	if n := len(readFrames(t, w)); n != framesCall3 {
		t.Errorf("-w --filter busy wrote %d frames, want %d", n, framesCall3)
	}
	// A filter that matches nothing prints nothing and is no error.
	if out := mustRun(t, "-r", path, "--calls", "--filter", "cause=99"); strings.Count(out, "\n") != 1 {
		t.Errorf("no call matches, but:\n%s", out)
	}
}

func TestLadderFormats(t *testing.T) {
	path := writeCLICapture(t)
	for _, tc := range []struct {
		format string
		want   []string
	}{
		{"text", []string{"SIP leg 1 (call 1)", "ISUP leg 2 (call 2)", "INVITE (ISUP IAM)", "IAM cic=31", "200 OK (ISUP ANM)", "BYE (ISUP REL cause=16)", "192.0.2.10:5060", "1-37-1"}},
		{"mermaid", []string{"sequenceDiagram", "participant", "INVITE (ISUP IAM)", "IAM cic=31", "REL"}},
		{"plantuml", []string{"@startuml", "@enduml", "INVITE (ISUP IAM)", "IAM cic=31"}},
		{"html", []string{"<!DOCTYPE html>", "</html>", "INVITE (ISUP IAM)", "IAM cic=31"}},
	} {
		t.Run(tc.format, func(t *testing.T) {
			out := mustRun(t, "-r", path, "--ladder", "1", "--format", tc.format, "--width", "120")
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("%s ladder lacks %q:\n%s", tc.format, w, out)
				}
			}
			// The call's number is shown once on the INVITE, not again
			// for the IAM in its body.
			if n := strings.Count(out, "to 4940987654"); tc.format == "text" && n != 2 {
				t.Errorf("\"to 4940987654\" %d times, want once on the INVITE and once on the M3UA IAM:\n%s", n, out)
			}
		})
	}
	// By Call-ID too, and --ascii.
	out := mustRun(t, "-r", path, "--ladder", callID, "--ascii", "--width", "100")
	if strings.ContainsAny(out, "│─▶◀") || !strings.Contains(out, "INVITE") {
		t.Errorf("--ascii ladder:\n%s", out)
	}
	for _, l := range strings.Split(out, "\n") {
		if len(l) > 100 {
			t.Errorf("line wider than --width 100: %q", l)
		}
	}
}

// readFrames reads a capture with the project's reader.
func readFrames(t *testing.T, path string) []pcapfile.Frame {
	t.Helper()
	r, err := pcapfile.Open(path, 0, pcapfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []pcapfile.Frame
	for {
		f, err := r.Next()
		if err != nil {
			break
		}
		c := *f
		c.Data = slices.Clone(f.Data)
		out = append(out, c)
	}
	if r.ProblemCount() != 0 {
		t.Errorf("%s: %v", path, r.Problems())
	}
	return out
}

func TestWriteCall(t *testing.T) {
	path := writeCLICapture(t)
	in := readFrames(t, path)
	dir := t.TempDir()
	for _, tc := range []struct {
		call string
		want int // frames: the call's group
	}{{"1", framesCall1 + framesCall2}, {"2", framesCall1 + framesCall2}, {"3", framesCall3}, {"busy-3@synth.example", framesCall3}} {
		out := filepath.Join(dir, "call"+tc.call+".pcap")
		mustRun(t, "-r", path, "-w", out, "--call", tc.call)
		got := readFrames(t, out)
		if len(got) != tc.want {
			t.Errorf("--call %s: %d frames, want %d", tc.call, len(got), tc.want)
		}
		// Exactly the chosen group's frames: call 3 is everything from
		// 8 s on, the group of calls 1 and 2 everything before.
		for _, f := range got {
			if late := f.Time >= t0.Add(8*time.Second).UnixNano(); late != (tc.want == framesCall3) {
				t.Errorf("--call %s wrote the frame at %s of another call", tc.call, time.Unix(0, f.Time).UTC().Format(time.RFC3339Nano))
			}
		}
		// Each written frame is one of the input's, byte for byte, in
		// time order.
		for i, f := range got {
			if !slices.ContainsFunc(in, func(g pcapfile.Frame) bool { return g.Time == f.Time && bytes.Equal(g.Data, f.Data) }) {
				t.Errorf("--call %s: frame %d is not in the input", tc.call, i+1)
			}
			if i > 0 && f.Time < got[i-1].Time {
				t.Errorf("--call %s: frame %d before frame %d", tc.call, i+1, i)
			}
		}
	}
	// The written file is a capture tshark reads: call 3 has 4 SIP
	// messages, the group of call 1 5 ISUP over M3UA and 7 SIP-I.
	needTshark(t)
	for file, want := range map[string]string{"call3.pcap": "sip=4 isup=0", "call1.pcap": "sip=7 isup=10"} {
		out, err := exec.Command("tshark", "-n", "-r", filepath.Join(dir, file), "-T", "fields", "-e", "sip.Method", "-e", "sip.Status-Code", "-e", "isup.message_type").Output()
		if err != nil {
			t.Fatalf("tshark %s: %v", file, err)
		}
		sip, is := 0, 0
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			f := strings.Split(l, "\t")
			if f[0] != "" || (len(f) > 1 && f[1] != "") {
				sip++
			}
			if len(f) > 2 && f[2] != "" {
				is++
			}
		}
		if got := fmt.Sprintf("sip=%d isup=%d", sip, is); got != want {
			t.Errorf("tshark on %s: %s, want %s", file, got, want)
		}
	}
}

func needTshark(t *testing.T) {
	t.Helper()
	testenv.Tool(t, "tshark", "this check compares with tshark")
}

func TestReadStdin(t *testing.T) {
	data := cliCapture(t)
	out, _, err := runCmd(t, string(data), "-r", "-", "--calls", "--json")
	if err != nil {
		t.Fatal(err)
	}
	if recs := ndjson(t, out); len(recs) != 3 {
		t.Errorf("%d calls from stdin, want 3", len(recs))
	}
	// -w re-reads frames, which works for stdin through its spool file.
	w := filepath.Join(t.TempDir(), "out.pcap")
	if _, errs, err := runCmd(t, string(data), "-r", "-", "-w", w, "--call", "3"); err != nil {
		t.Fatalf("%v %s", err, errs)
	}
	if n := len(readFrames(t, w)); n != framesCall3 {
		t.Errorf("-r - -w: %d frames, want %d", n, framesCall3)
	}
}

func TestNoLinks(t *testing.T) {
	path := writeCLICapture(t)
	// SIP-I linking by numbers stays; --no-links turns off only B2BUA
	// header linking, so build a B2BUA pair: two SIP legs, the second
	// naming the first in X-Call-ID.
	var buf bytes.Buffer
	w, err := pcapgen.NewWriter(&buf, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range [][]byte{
		sipText("INVITE sip:1@x SIP/2.0", "leg-a@x", 1, "INVITE", "1000", "2000", nil, "", nil),
		sipText("INVITE sip:1@y SIP/2.0", "leg-b@y", 1, "INVITE", "1000", "2000", []string{"X-Call-ID: leg-a@x"}, "", nil),
	} {
		if err := w.UDP(t0.Add(time.Duration(i)*time.Millisecond), ua, gw, m); err != nil {
			t.Fatal(err)
		}
	}
	b2b := filepath.Join(t.TempDir(), "b2bua.pcap")
	if err := os.WriteFile(b2b, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	recs := ndjson(t, mustRun(t, "-r", b2b, "--calls", "--json"))
	if len(recs) != 2 || recs[1]["group"] != float64(1) || recs[1]["linked_by"] != "X-Call-ID" {
		t.Errorf("B2BUA legs not linked by default: %v", recs)
	}
	recs = ndjson(t, mustRun(t, "-r", b2b, "--calls", "--json", "--no-links"))
	if len(recs) != 2 || recs[1]["group"] != float64(2) {
		t.Errorf("--no-links still links: %v", recs)
	}
	recs = ndjson(t, mustRun(t, "-r", b2b, "--calls", "--json", "--link-header", "X-Other"))
	if len(recs) != 2 || recs[1]["group"] != float64(2) {
		t.Errorf("--link-header X-Other still links by X-Call-ID: %v", recs)
	}
	recs = ndjson(t, mustRun(t, "-r", path, "--calls", "--json", "--no-links"))
	if recs[1]["linked_by"] != "sip-i" {
		t.Errorf("--no-links dropped the SIP-I link: %v", recs[1])
	}
}

func TestSS7ANSI(t *testing.T) {
	// An ANSI REL over MTP3: read with --ss7 ansi, the 24-bit point codes.
	m := isup.New(isup.ANSI, isup.REL, 100)
	m.Set(&isup.CauseIndicators{Value: isup.CauseNormalClearing})
	msu := &mtp3.MSU{SIO: mtp3.NewSIO(niNat, 0, mtp3.SIISUP),
		Label: mtp3.Label{Format: mtp3.ANSI, OPC: mtp3.ANSIPC(0x010203), DPC: mtp3.ANSIPC(0x040506), SLS: 1}, Data: mustISUP(t, m, false)}
	var buf bytes.Buffer
	w, err := pcapgen.NewWriter(&buf, pcapgen.MTP3)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.MTP3Frame(t0, msu); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ansi.pcap")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	recs := ndjson(t, mustRun(t, "-r", path, "--messages", "--json", "--ss7", "ansi"))
	if len(recs) != 1 {
		t.Fatalf("%d messages", len(recs))
	}
	for k, v := range map[string]any{"isup_type": "REL", "opc": "1-2-3", "dpc": "4-5-6", "cic": 100, "cause": 16} {
		wantField(t, "ANSI REL", recs[0], k, v)
	}
	if _, _, err := runCmd(t, "", "-r", path, "--ss7", "japan"); err == nil || exitCode(err) != 2 {
		t.Errorf("--ss7 japan: %v, want a usage error", err)
	}
}

// --- shared third-party captures ---

func TestSharedISUPCall(t *testing.T) {
	path := sharedCapture(t, "tcpdump_isup.pcap")
	recs := ndjson(t, mustRun(t, "-r", path, "--calls", "--json"))
	if len(recs) != 1 {
		t.Fatalf("%d calls, want 1", len(recs))
	}
	for k, v := range map[string]any{"proto": "isup", "outcome": "answered", "cause": 16, "cic": 213, "ni": 3,
		"called": "4891", "calling": "3933399708", "released_by": "caller", "messages": 6} {
		wantField(t, "tcpdump_isup", recs[0], k, v)
	}
	msgs := ndjson(t, mustRun(t, "-r", path, "--messages", "--json"))
	var types []string
	for _, m := range msgs {
		types = append(types, m["isup_type"].(string))
		wantField(t, "tcpdump_isup message", m, "transport", "m3ua")
	}
	if strings.Join(types, " ") != "IAM CFN ACM ANM REL RLC" {
		t.Errorf("ISUP types %v", types)
	}
	out := mustRun(t, "-r", path, "--ladder", "1", "--width", "0")
	for _, w := range []string{"ISUP leg 1 (call 1) CIC 213", "IAM cic=213", "REL cic=213 cause=16", "RLC"} {
		if !strings.Contains(out, w) {
			t.Errorf("ladder lacks %q:\n%s", w, out)
		}
	}
}

func TestSharedSIPIOverSCTP(t *testing.T) {
	path := sharedCapture(t, "heplify_sip_sctp.pcap")
	recs := ndjson(t, mustRun(t, "-r", path, "--calls", "--json"))
	if len(recs) != 1 {
		t.Fatalf("%d calls, want 1", len(recs))
	}
	for k, v := range map[string]any{"proto": "sip", "outcome": "rejected", "sip_status": 403, "cause": 21,
		"called": "9275890000", "calling": "9171969136"} {
		wantField(t, "heplify_sip_sctp", recs[0], k, v)
	}
	msgs := ndjson(t, mustRun(t, "-r", path, "--messages", "--json"))
	if len(msgs) < 2 || msgs[0]["sip_method"] != "INVITE" || msgs[0]["transport"] != "sctp" ||
		msgs[1]["transport"] != "sip-i" || msgs[1]["isup_type"] != "IAM" || msgs[1]["called"] != "9275890000" {
		t.Errorf("INVITE and its IAM: %v", msgs)
	}
	out := mustRun(t, "-r", path, "--ladder", "1", "--width", "0")
	for _, w := range []string{"INVITE (ISUP IAM)", "403 Forbidden", "cause=21"} {
		if !strings.Contains(out, w) {
			t.Errorf("ladder lacks %q:\n%s", w, out)
		}
	}
	if n := strings.Count(out, "to 9275890000"); n != 1 {
		t.Errorf("\"to 9275890000\" %d times on the ladder, want 1:\n%s", n, out)
	}
}

func TestSharedStats(t *testing.T) {
	path := sharedCapture(t, "sngrep_aaa.pcap")
	var st map[string]any
	if err := json.Unmarshal([]byte(mustRun(t, "-r", path, "--stats", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	// tshark counts 81 SIP messages (INDEX.md): REGISTER 18, INVITE 11,
	// CANCEL 11, ACK 7 and 34 responses; no call is answered.
	for k, v := range map[string]any{"frames": 691, "messages": 81, "sip_messages": 81, "isup_messages": 0,
		"asr": 0, "by_method": "map[ACK:7 CANCEL:11 INVITE:11 REGISTER:18]", "by_transport": "map[udp:81]"} {
		wantField(t, "sngrep_aaa", st, k, v)
	}
	out := mustRun(t, "-r", path, "--stats")
	for _, w := range []string{"691 frames", "Messages:   81 (SIP 81, ISUP 0)", "ASR:        0.0 %", "Methods:    REGISTER 18, CANCEL 11, INVITE 11, ACK 7"} {
		if !strings.Contains(out, w) {
			t.Errorf("--stats lacks %q:\n%s", w, out)
		}
	}
}

// --- errors ---

func TestAnalyzeErrors(t *testing.T) {
	path := writeCLICapture(t)
	dir := t.TempDir()
	notCap := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notCap, []byte("this is not a capture\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pcap")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string // in the error text
	}{
		{"missing file", []string{"-r", missing}, 1, []string{missing, "no such file"}},
		{"missing second file", []string{"-r", path, "-r", missing}, 1, []string{missing}},
		{"not a capture", []string{"-r", notCap}, 1, []string{notCap, "not a capture file", "this is "}},
		{"bad filter", []string{"-r", path, "--filter", "called=49 and ("}, 2, []string{"column 16"}},
		{"bad filter field", []string{"-r", path, "--filter", "colour=red"}, 2, []string{"column 1", "colour"}},
		{"two modes", []string{"-r", path, "--calls", "--stats"}, 2, []string{"choose one"}},
		{"ladder and messages", []string{"-r", path, "--ladder", "1", "--messages"}, 2, []string{"choose one"}},
		{"-w without calls", []string{"-r", path, "-w", filepath.Join(dir, "x.pcap")}, 2, []string{"--call", "--filter"}},
		{"bad format", []string{"-r", path, "--ladder", "1", "--format", "svg"}, 2, []string{"--format"}},
		{"no such call", []string{"-r", path, "--ladder", "99"}, 1, []string{`no call "99"`}},
		{"unknown flag", []string{"-r", path, "--colour"}, 2, []string{"colour"}},
		{"stray argument", []string{"-r", path, "extra"}, 2, []string{"extra"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := runCmd(t, "", tc.args...)
			if err == nil {
				t.Fatalf("no error; output:\n%s", out)
			}
			if got := exitCode(err); got != tc.code {
				t.Errorf("exit status %d, want %d (%v)", got, tc.code, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// Bad input inside a capture is summarised on stderr, the exit status is
// 0, and -q silences the summary.
func TestProblemsOnStderr(t *testing.T) {
	data := cliCapture(t)
	// Cut the file inside its last record.
	path := filepath.Join(t.TempDir(), "cut.pcap")
	if err := os.WriteFile(path, data[:len(data)-30], 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, err := runCmd(t, "", "-r", path, "--calls")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errs, "1 decode problems") || !strings.Contains(errs, "truncated") || !strings.Contains(errs, "cut.pcap") {
		t.Errorf("stderr:\n%s", errs)
	}
	if strings.Count(out, "\n") != 4 {
		t.Errorf("the calls are still listed:\n%s", out)
	}
	_, errs, err = runCmd(t, "", "-r", path, "--calls", "-q")
	if err != nil || errs != "" {
		t.Errorf("-q: %v, stderr %q", err, errs)
	}
}

// The message records of --messages --json are the pipeline's: same
// count and order as the analysis, with the kept record's call.
func TestMessagesMatchAnalysis(t *testing.T) {
	path := writeCLICapture(t)
	recs := ndjson(t, mustRun(t, "-r", path, "--messages", "--json"))
	calls := ndjson(t, mustRun(t, "-r", path, "--calls", "--json"))
	perCall := map[float64]int{}
	for _, m := range recs {
		perCall[m["call"].(float64)]++
	}
	for _, c := range calls {
		if perCall[c["call"].(float64)] != int(c["messages"].(float64)) {
			t.Errorf("call %v: %d messages listed, the call has %v", c["call"], perCall[c["call"].(float64)], c["messages"])
		}
	}
}
