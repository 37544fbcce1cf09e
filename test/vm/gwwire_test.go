//go:build vmresults

// Checks, on the host, of the capture of the gateway's end-to-end calls
// (test/sipp in the osmo-stp topology; run.sh captures them in gw.pcap).

package vm

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/sipgw/sipgw/capture/netdec"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/sigtran/mtp3"
	"github.com/sipgw/sipgw/sigtran/route"
)

// Our ends of the gateway scenarios, by port, and osmo-stp's.
var gwEnds = map[uint16]string{PortGWA: "gwa", PortGWB: "gwb", PortExchange: "exchange"}

func gwLeg(src, dst uint16) string {
	name := func(p uint16) string {
		if n, ok := gwEnds[p]; ok {
			return n
		}
		if p == PortSTP || p == PortSTPClient {
			return "stp"
		}
		return strconv.Itoa(int(p))
	}
	return name(src) + "→" + name(dst)
}

func pc(t *testing.T, s string) uint32 {
	t.Helper()
	p, err := mtp3.ParsePointCode(mtp3.ITU, s)
	if err != nil {
		t.Fatal(err)
	}
	return p.Uint32()
}

// readGatewayISUP reads what the simulator noted (GatewayISUPFile).
func readGatewayISUP(t *testing.T) []WireISUP {
	t.Helper()
	f, err := os.Open(filepath.Join(os.Getenv("SIPGW_VM_RESULTS"), GatewayISUPFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []WireISUP
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var w WireISUP
		if err := json.Unmarshal(sc.Bytes(), &w); err != nil {
			t.Fatalf("%s: %v", GatewayISUPFile, err)
		}
		out = append(out, w)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("%s is empty: the simulator noted no call", GatewayISUPFile)
	}
	return out
}

// legsOf are the two legs a message the simulator noted crossed: gateway
// A ↔ osmo-stp and osmo-stp ↔ the simulator, in its direction.
func legsOf(w WireISUP) []string {
	if w.Sent {
		return []string{"exchange→stp", "stp→gwa"}
	}
	return []string{"gwa→stp", "stp→exchange"}
}

// TestWireGateway checks the capture of the gateway's calls through
// osmo-stp (gw.pcap):
//   - every DATA chunk carries PPID 3 and one M3UA message; M3UA DATA is
//     never on stream 0, our ends' management always is; no ERR;
//   - our ends (the gateways, the simulator) send each CIC's ISUP with
//     SLS route.SLS(CIC) on stream route.Stream(SLS) of the streams
//     negotiated, so one call keeps one stream;
//   - osmo-stp relays ISUP unchanged: every message it delivers to one of
//     our ends was sent by another with the same label and octets; what it
//     did not deliver is a GRS toward an AS that was not active (a
//     gateway's start-up reset sent before its peer came up), and its
//     repetition (T22) was delivered;
//   - every ISUP message the simulator noted crossed both legs, gateway A
//     ↔ osmo-stp and osmo-stp ↔ simulator, octet for octet, with the
//     point codes of A and of the simulator.
func TestWireGateway(t *testing.T) {
	chunks, _ := readCaptureFile(t, "gw.pcap", "gw.tcpdump.log")
	noted := readGatewayISUP(t)
	type msgKey struct {
		opc, dpc uint32
		octets   string
	}
	sent, delivered := map[msgKey]int{}, map[msgKey]int{}
	onLeg := map[string]map[string]int{} // leg → octets → count
	var sentTypes = map[msgKey]isup.MessageType{}
	// Streams each end sends on, from the INIT and INIT ACK of its
	// current association: the fewer of its outbound count and the
	// peer's inbound one.
	type counts struct{ os, mis uint16 }
	initBy := map[uint16]counts{}
	out := map[uint16]uint16{}
	seen := map[string]bool{} // DATA by association direction and TSN: retransmissions count once
	nData := 0
	for _, c := range chunks {
		_, ours := gwEnds[c.srcPort]
		_, toUs := gwEnds[c.dstPort]
		if !ours && !toUs {
			continue
		}
		switch c.typ {
		case chunkINIT:
			os, mis, _ := initInfo(c.value)
			initBy[c.srcPort] = counts{os, mis}
		case chunkINITACK:
			os, mis, _ := initInfo(c.value)
			in := initBy[c.dstPort]
			out[c.dstPort] = min(in.os, mis)
			out[c.srcPort] = min(os, in.mis)
		}
		if c.typ != netdec.ChunkDATA {
			continue
		}
		nData++
		leg := gwLeg(c.srcPort, c.dstPort)
		if c.data.PPID != 3 {
			t.Errorf("%s: DATA chunk with PPID %#x", leg, c.data.PPID)
		}
		class, typ, ok := c.m3ua()
		if !ok {
			t.Errorf("%s: DATA chunk that is not one M3UA message: % x", leg, c.data.Payload)
			continue
		}
		if class == 0 && typ == 0 {
			t.Errorf("%s: M3UA ERR % x", leg, c.data.Payload)
		}
		if class != 1 || typ != 1 {
			if ours && c.data.Stream != 0 {
				t.Errorf("%s: M3UA class %d type %d on stream %d, want 0", leg, class, typ, c.data.Stream)
			}
			continue
		}
		if c.data.Stream == 0 {
			t.Errorf("%s: M3UA DATA on stream 0", leg)
		}
		k := fmt.Sprintf("%d>%d/%d", c.srcPort, c.dstPort, c.data.TSN)
		if seen[k] {
			continue
		}
		seen[k] = true
		opc, dpc, sls, u, ok := c.protocolData()
		if !ok {
			t.Errorf("%s: M3UA DATA without Protocol Data", leg)
			continue
		}
		var m isup.Message
		if err := m.Decode(u, isup.ITU); err != nil {
			t.Errorf("%s: ISUP does not decode: %v (% x)", leg, err, u)
			continue
		}
		mk := msgKey{opc, dpc, string(u)}
		if ours {
			sent[mk]++
			sentTypes[mk] = m.Type
			if sls != SLS(m.CIC) {
				t.Errorf("%s: %v CIC %d with SLS %d, want %d", leg, m.Type, m.CIC, sls, SLS(m.CIC))
			}
			if want := route.Stream(sls, out[c.srcPort]); c.data.Stream != want {
				t.Errorf("%s: %v CIC %d SLS %d on stream %d, want %d of %d", leg, m.Type, m.CIC, sls, c.data.Stream, want, out[c.srcPort])
			}
		} else {
			delivered[mk]++
		}
		if onLeg[leg] == nil {
			onLeg[leg] = map[string]int{}
		}
		onLeg[leg][string(u)]++
	}
	if nData < 100 {
		t.Fatalf("only %d DATA chunks to or from the gateways and the simulator", nData)
	}
	var lost []string
	for k, n := range delivered {
		if n > sent[k] {
			t.Errorf("osmo-stp delivered %d× and was sent %d× from %d to %d: % x", n, sent[k], k.opc, k.dpc, k.octets)
		}
	}
	for k, n := range sent {
		if n > delivered[k] {
			lost = append(lost, fmt.Sprintf("%v %d→%d ×%d", sentTypes[k], k.opc, k.dpc, n-delivered[k]))
			if sentTypes[k] != isup.GRS || delivered[k] == 0 {
				t.Errorf("osmo-stp did not deliver %v from %d to %d (%d sent, %d delivered): % x", sentTypes[k], k.opc, k.dpc, n, delivered[k], k.octets)
			}
		}
	}
	sort.Strings(lost)
	ends := map[string]uint16{}
	for p, n := range gwEnds {
		ends[n] = out[p]
	}
	t.Logf("%d DATA chunks, PPID 3; outbound streams of our ends %v; not delivered by osmo-stp: %v", nData, ends, lost)

	gwa, ex := pc(t, PCGWA), pc(t, PCExchange)
	need := map[string]map[string]int{}
	for _, w := range noted {
		for _, leg := range legsOf(w) {
			if need[leg] == nil {
				need[leg] = map[string]int{}
			}
			need[leg][string(w.Data)]++
		}
		opc, dpc := gwa, ex
		if w.Sent {
			opc, dpc = ex, gwa
		}
		if sent[msgKey{opc, dpc, string(w.Data)}] == 0 {
			t.Errorf("%s: %s CIC %d (sent %v) not sent from %d to %d", w.Test, w.Type, w.CIC, w.Sent, opc, dpc)
		}
	}
	for leg, m := range need {
		for octets, n := range m {
			if got := onLeg[leg][octets]; got < n {
				t.Errorf("%s: ISUP % x noted %d×, captured %d×", leg, octets, n, got)
			}
		}
	}
	if !t.Failed() {
		t.Logf("%d ISUP messages the simulator noted, all on both legs", len(noted))
	}
}

// tsharkISUP is one ISUP message as tshark decodes it.
type tsharkISUP struct {
	leg    string
	cic    string
	typ    int
	called string
	cause  string
}

// TestWireGatewayTshark: an independent decoder (Wireshark's SCTP, M3UA
// and ISUP dissectors) sees the calls as the simulator sent and received
// them: PPID 3 on every ISUP frame; every IAM with its CIC and called
// number, every REL with its CIC and cause, on both legs through
// osmo-stp.
func TestWireGatewayTshark(t *testing.T) {
	_, path := readCaptureFile(t, "gw.pcap", "gw.tcpdump.log")
	noted := readGatewayISUP(t)
	if _, err := exec.LookPath("tshark"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tshark missing")
		}
		t.Skip("tshark missing")
	}
	out, err := exec.Command("tshark", "-n", "-r", path, "-Y", "isup", "-T", "fields",
		"-e", "sctp.srcport", "-e", "sctp.dstport", "-e", "sctp.data_payload_proto_id",
		"-e", "isup.cic", "-e", "isup.message_type", "-e", "isup.called", "-e", "isup.cause_indicator").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Logf("%s", ee.Stderr)
		}
		t.Fatal(err)
	}
	var got []tsharkISUP
	// Only the line ends go: a line's last fields may be empty.
	for _, l := range strings.Split(strings.TrimRight(string(out), "\r\n"), "\n") {
		f := strings.Split(strings.TrimRight(l, "\r"), "\t")
		if len(f) != 7 {
			t.Fatalf("tshark line %q", l)
		}
		src, _ := strconv.Atoi(f[0])
		dst, _ := strconv.Atoi(f[1])
		leg := gwLeg(uint16(src), uint16(dst))
		for _, p := range strings.Split(f[2], ",") {
			if p != "3" {
				t.Errorf("tshark: %s: PPID %s", leg, p)
			}
		}
		// Bundled chunks give comma-separated values; the called number
		// belongs to the frame's IAMs and the cause to its RELs, in order.
		split := func(s string) []string {
			if s == "" {
				return nil
			}
			return strings.Split(s, ",")
		}
		cics, types, called, causes := split(f[3]), split(f[4]), split(f[5]), split(f[6])
		if len(cics) != len(types) {
			t.Fatalf("tshark line %q", l)
		}
		var iams, rels int
		for _, ty := range types {
			switch ty {
			case strconv.Itoa(int(isup.IAM)):
				iams++
			case strconv.Itoa(int(isup.REL)):
				rels++
			}
		}
		if iams != len(called) || rels != len(causes) {
			t.Fatalf("tshark line %q: cannot tell which message a called number or cause belongs to", l)
		}
		for i := range types {
			ty, _ := strconv.Atoi(types[i])
			m := tsharkISUP{leg: leg, cic: cics[i], typ: ty}
			switch isup.MessageType(ty) {
			case isup.IAM:
				m.called, called = called[0], called[1:]
			case isup.REL:
				m.cause, causes = causes[0], causes[1:]
			}
			got = append(got, m)
		}
	}
	have := map[tsharkISUP]int{}
	for _, m := range got {
		have[m]++
	}
	want := map[tsharkISUP]int{}
	iams, rels := 0, 0
	for _, w := range noted {
		var m isup.Message
		if err := m.Decode(w.Data, isup.ITU); err != nil {
			t.Fatalf("%s: noted %s does not decode: %v", w.Test, w.Type, err)
		}
		var k tsharkISUP
		switch m.Type {
		case isup.IAM:
			k = tsharkISUP{cic: strconv.Itoa(int(w.CIC)), typ: int(m.Type), called: w.Called}
			iams++
		case isup.REL:
			k = tsharkISUP{cic: strconv.Itoa(int(w.CIC)), typ: int(m.Type), cause: strconv.Itoa(int(w.Cause))}
			rels++
		default:
			continue
		}
		for _, leg := range legsOf(w) {
			k.leg = leg
			want[k]++
		}
	}
	for k, n := range want {
		if have[k] < n {
			t.Errorf("tshark: %s %v CIC %s called %q cause %q: %d× in the capture, noted %d×", k.leg,
				isup.MessageType(k.typ), k.cic, k.called, k.cause, have[k], n)
		}
	}
	if iams == 0 || rels == 0 {
		t.Fatalf("the simulator noted %d IAMs and %d RELs", iams, rels)
	}
	if t.Failed() {
		return
	}
	t.Logf("tshark: %d ISUP messages; the %d IAMs (called number) and %d RELs (cause) the simulator noted, on both legs", len(got), iams, rels)
}
