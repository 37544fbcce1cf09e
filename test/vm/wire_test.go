//go:build vmresults

// Checks, on the host, of what tcpdump captured in the VM (make
// test-sctp sets SIPGW_VM_RESULTS to the folder the VM sent back).

package vm

import (
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sipgw/sipgw/capture/netdec"
	"github.com/sipgw/sipgw/capture/pcapfile"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/sigtran/route"
)

// SCTP chunk types (RFC 9260 §3.2).
const (
	chunkINIT             = 1
	chunkINITACK          = 2
	chunkHEARTBEAT        = 4
	chunkHEARTBEATACK     = 5
	chunkABORT            = 6
	chunkSHUTDOWN         = 7
	chunkSHUTDOWNACK      = 8
	chunkSHUTDOWNCOMPLETE = 14
	paramIPv4             = 5 // IPv4 Address parameter of INIT / INIT ACK
)

type chunk struct {
	at               time.Time
	src, dst         netip.Addr
	srcPort, dstPort uint16
	typ              uint8
	value            []byte
	data             netdec.DataChunk // DATA only
}

func (c chunk) between(a, b uint16) bool {
	return (c.srcPort == a && c.dstPort == b) || (c.srcPort == b && c.dstPort == a)
}

// M3UA header fields of a DATA chunk's payload.
func (c chunk) m3ua() (class, typ uint8, ok bool) {
	p := c.data.Payload
	if len(p) < 8 || p[0] != 1 || int(binary.BigEndian.Uint32(p[4:])) != len(p) {
		return 0, 0, false
	}
	return p[2], p[3], true
}

// protocolData returns the ISUP octets (and OPC, DPC) of an M3UA DATA.
func (c chunk) protocolData() (opc, dpc uint32, sls uint8, user []byte, ok bool) {
	p := c.data.Payload[8:]
	for len(p) >= 4 {
		tag, l := binary.BigEndian.Uint16(p), int(binary.BigEndian.Uint16(p[2:]))
		if l < 4 || l > len(p) {
			return
		}
		if tag == 0x0210 && l >= 16 { // Protocol Data (RFC 4666 §3.3.1)
			v := p[4:l]
			return binary.BigEndian.Uint32(v), binary.BigEndian.Uint32(v[4:]), v[11], v[12:], true
		}
		p = p[(l+3)&^3:]
	}
	return
}

// readCapture reads the capture of the transport and osmo-stp scenarios.
func readCapture(t *testing.T) ([]chunk, string) {
	t.Helper()
	return readCaptureFile(t, "vm.pcap", "tcpdump.log")
}

// readCaptureFile reads every SCTP chunk of capture name of the results
// folder; logName is its tcpdump's log, which must report no drop.
func readCaptureFile(t *testing.T, name, logName string) ([]chunk, string) {
	t.Helper()
	dir := os.Getenv("SIPGW_VM_RESULTS")
	if dir == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("SIPGW_VM_RESULTS not set: run make test-sctp")
		}
		t.Skip("SIPGW_VM_RESULTS not set: run make test-sctp")
	}
	// A capture with holes would make absence checks lie.
	log, err := os.ReadFile(filepath.Join(dir, logName))
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`(\d+) packets? dropped by kernel`).FindSubmatch(log); m == nil || string(m[1]) != "0" {
		t.Fatalf("the capture is incomplete or tcpdump did not say: %s", log)
	}
	path := filepath.Join(dir, name)
	r, err := pcapfile.Open(path, 0, pcapfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	dec := netdec.NewDecoder()
	var out []chunk
	for {
		f, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var p netdec.Packet
		if err := dec.Decode(f.LinkType, f.Data, &p); err != nil || p.Kind != netdec.KindSCTP {
			continue
		}
		at := time.Unix(0, f.Time)
		err = netdec.SCTPChunks(p.Payload, func(c netdec.Chunk) bool {
			ch := chunk{at: at, src: p.Src, dst: p.Dst, srcPort: p.SrcPort, dstPort: p.DstPort, typ: c.Type,
				value: append([]byte(nil), c.Data...)}
			if c.Type == netdec.ChunkDATA {
				if err := netdec.ParseData(netdec.Chunk{Type: c.Type, Flags: c.Flags, Data: ch.value}, &ch.data); err != nil {
					t.Errorf("DATA chunk: %v", err)
				}
			}
			out = append(out, ch)
			return true
		})
		if err != nil {
			t.Errorf("chunks: %v", err)
		}
	}
	if len(out) == 0 {
		t.Fatal("no SCTP in the capture")
	}
	return out, path
}

// initInfo reads an INIT or INIT ACK: streams asked for and the
// addresses listed.
func initInfo(v []byte) (os, mis uint16, addrs []string) {
	if len(v) < 16 {
		return
	}
	os, mis = binary.BigEndian.Uint16(v[8:]), binary.BigEndian.Uint16(v[10:])
	for p := v[16:]; len(p) >= 4; {
		typ, l := binary.BigEndian.Uint16(p), int(binary.BigEndian.Uint16(p[2:]))
		if l < 4 || l > len(p) {
			break
		}
		if typ == paramIPv4 && l == 8 {
			addrs = append(addrs, netip.AddrFrom4([4]byte(p[4:8])).String())
		}
		p = p[min((l+3)&^3, len(p)):]
	}
	sort.Strings(addrs)
	return
}

// TestWirePPID: every DATA chunk of the capture carries PPID 3 (M3UA),
// written big-endian, and a well-formed M3UA message; M3UA DATA travels on
// streams ≥ 1.
func TestWirePPID(t *testing.T) {
	chunks, _ := readCapture(t)
	n := 0
	for _, c := range chunks {
		if c.typ != netdec.ChunkDATA {
			continue
		}
		n++
		if c.data.PPID != 3 {
			t.Errorf("%v:%d → %v:%d: DATA chunk with PPID %#x", c.src, c.srcPort, c.dst, c.dstPort, c.data.PPID)
		}
		class, typ, ok := c.m3ua()
		if !ok {
			t.Errorf("%d → %d: DATA chunk that is not one M3UA message: % x", c.srcPort, c.dstPort, c.data.Payload)
			continue
		}
		if class == 1 && typ == 1 && c.data.Stream == 0 {
			t.Errorf("%d → %d: M3UA DATA on stream 0", c.srcPort, c.dstPort)
		}
	}
	if n < 20 {
		t.Fatalf("only %d DATA chunks captured", n)
	}
	t.Logf("%d DATA chunks, all PPID 3", n)
}

// TestWireTransport checks the association of TestWireTransport.
func TestWireTransport(t *testing.T) {
	chunks, _ := readCapture(t)
	var seen = map[uint8]int{}
	dsts := map[uint16]map[string]bool{PortWireServer: {}, PortWireClient: {}}
	dataDsts := map[uint16]map[string]bool{PortWireServer: {}, PortWireClient: {}}
	var acm, anm time.Time
	for _, c := range chunks {
		if !c.between(PortWireServer, PortWireClient) {
			continue
		}
		seen[c.typ]++
		dsts[c.dstPort][c.dst.String()] = true
		if c.typ == netdec.ChunkDATA {
			dataDsts[c.dstPort][c.dst.String()] = true
		}
		switch c.typ {
		case chunkINIT:
			os, mis, addrs := initInfo(c.value)
			if os != WireClientOut || mis != WireClientIn || strings.Join(addrs, " ") != "127.0.0.3 127.0.0.4" {
				t.Errorf("INIT: OS %d MIS %d addresses %v; want %d %d, 127.0.0.3 127.0.0.4", os, mis, addrs, WireClientOut, WireClientIn)
			}
		case chunkINITACK:
			// Linux answers with the counts already cut to the INIT's.
			os, mis, addrs := initInfo(c.value)
			wantOS, wantMIS := min(WireServerOut, WireClientIn), min(WireServerIn, WireClientOut)
			if os != uint16(wantOS) || mis != uint16(wantMIS) || strings.Join(addrs, " ") != "127.0.0.1 127.0.0.2" {
				t.Errorf("INIT ACK: OS %d MIS %d addresses %v; want %d %d, 127.0.0.1 127.0.0.2", os, mis, addrs, wantOS, wantMIS)
			}
		case netdec.ChunkDATA:
			class, typ, _ := c.m3ua()
			if class == 1 {
				_, _, _, u, _ := c.protocolData()
				if len(u) >= 3 && u[2] == byte(isup.ACM) {
					acm = c.at
				}
				if len(u) >= 3 && u[2] == byte(isup.ANM) {
					anm = c.at
				}
				if c.data.Stream < 1 {
					t.Errorf("M3UA DATA on stream %d", c.data.Stream)
				}
			} else if c.data.Stream != 0 {
				t.Errorf("M3UA class %d type %d on stream %d, want 0", class, typ, c.data.Stream)
			}
		}
	}
	for _, typ := range []uint8{chunkINIT, chunkINITACK, chunkHEARTBEAT, chunkHEARTBEATACK, chunkSHUTDOWN, chunkSHUTDOWNACK, chunkSHUTDOWNCOMPLETE} {
		if seen[typ] == 0 {
			t.Errorf("no chunk of type %d on the wire", typ)
		}
	}
	// Multi-homing: packets went to both addresses of each end.
	if len(dsts[PortWireServer]) != 2 || len(dsts[PortWireClient]) != 2 {
		t.Errorf("destinations: to the server %v, to the client %v; want both addresses of each", dsts[PortWireServer], dsts[PortWireClient])
	}
	// SetPrimary moved DATA to the second addresses.
	if !dataDsts[PortWireServer]["127.0.0.2"] || !dataDsts[PortWireClient]["127.0.0.4"] {
		t.Errorf("DATA went to %v (server) and %v (client); want 127.0.0.2 and 127.0.0.4 after SetPrimary",
			dataDsts[PortWireServer], dataDsts[PortWireClient])
	}
	if acm.IsZero() || anm.IsZero() {
		t.Fatal("ACM or ANM not captured")
	}
	if d := anm.Sub(acm); d > 100*time.Millisecond || d < 0 {
		t.Errorf("ANM %v after ACM on the wire (SCTP_NODELAY should make it ~0)", d)
	} else {
		t.Logf("ANM %v after ACM on the wire", d)
	}
}

// TestWireAbort: the client's Abort is an ABORT chunk.
func TestWireAbort(t *testing.T) {
	chunks, _ := readCapture(t)
	for _, c := range chunks {
		if c.typ == chunkABORT && c.srcPort == PortAbortClient && c.dstPort == PortAbortServer {
			return
		}
	}
	t.Fatal("no ABORT from the aborting client")
}

// TestWireOsmoSTP checks the osmo-stp scenario: ISUP of both calls on
// both legs with unchanged octets; our DATA with the SLS route.SLS gives
// the CIC, on the stream route.Stream gives the SLS (1 + SLS mod n-1 of
// the n negotiated), so one stream per CIC; management on stream 0; after
// the restart, a second INIT and ASPAC per ASP and traffic again.
func TestWireOsmoSTP(t *testing.T) {
	chunks, _ := readCapture(t)
	type key struct {
		leg string // "asp1→stp", "stp→asp2", …
		cic uint16
		typ isup.MessageType
	}
	count := map[key]int{}
	ourStream := map[uint16]map[uint16]bool{} // CIC → streams our ASPs used
	inits := map[uint16]int{}
	aspac := map[uint16]int{}
	// Outbound streams of each ASP's current association: the fewer of
	// what our INIT asked for and what osmo-stp's INIT ACK accepts.
	askOut := map[uint16]uint16{}
	outStreams := map[uint16]uint16{}
	legName := map[uint16]string{PortASP1: "asp1", PortASP2: "asp2", PortSTP: "stp"}
	for _, c := range chunks {
		if c.srcPort != PortSTP && c.dstPort != PortSTP {
			continue
		}
		asp := c.srcPort
		if asp == PortSTP {
			asp = c.dstPort
		}
		if c.typ == chunkINIT && c.srcPort != PortSTP {
			askOut[asp], _, _ = initInfo(c.value)
		}
		if c.typ == chunkINITACK && c.srcPort == PortSTP {
			// An association set up (an INIT refused while osmo-stp was
			// down gets an ABORT instead).
			inits[asp]++
			_, mis, _ := initInfo(c.value)
			outStreams[asp] = min(askOut[asp], mis)
		}
		if c.typ != netdec.ChunkDATA {
			continue
		}
		class, typ, ok := c.m3ua()
		if !ok {
			continue // TestWirePPID reports it
		}
		fromUs := c.dstPort == PortSTP
		if class == 4 && typ == 1 && fromUs {
			aspac[asp]++
		}
		// Neither side found fault with the other.
		if class == 0 && typ == 0 {
			t.Errorf("%s→%s: M3UA ERR % x", legName[c.srcPort], legName[c.dstPort], c.data.Payload)
		}
		if class != 1 || typ != 1 {
			if fromUs && c.data.Stream != 0 {
				t.Errorf("%s: M3UA class %d type %d on stream %d, want 0", legName[c.srcPort], class, typ, c.data.Stream)
			}
			continue
		}
		opc, dpc, sls, u, ok := c.protocolData()
		if !ok {
			t.Errorf("M3UA DATA without Protocol Data")
			continue
		}
		var m isup.Message
		if err := m.Decode(u, isup.ITU); err != nil {
			t.Errorf("ISUP in DATA does not decode: %v", err)
			continue
		}
		if want, err := ISUP(m.Type, m.CIC); err != nil || string(want) != string(u) {
			t.Errorf("%v CIC %d: octets % x, sent % x", m.Type, m.CIC, u, want)
		}
		if c.data.Stream == 0 {
			t.Errorf("%v CIC %d on stream 0", m.Type, m.CIC)
		}
		leg := legName[c.srcPort] + "→" + legName[c.dstPort]
		count[key{leg, m.CIC, m.Type}]++
		if fromUs {
			// The stack's choice: route.SLS of the CIC, route.Stream of
			// the SLS over the negotiated streams.
			if sls != SLS(m.CIC) {
				t.Errorf("%s: %v CIC %d with SLS %d, want %d", leg, m.Type, m.CIC, sls, SLS(m.CIC))
			}
			if want := route.Stream(sls, outStreams[asp]); c.data.Stream != want {
				t.Errorf("%s: %v CIC %d SLS %d on stream %d, want %d of %d", leg, m.Type, m.CIC, sls, c.data.Stream, want, outStreams[asp])
			}
			if ourStream[m.CIC] == nil {
				ourStream[m.CIC] = map[uint16]bool{}
			}
			ourStream[m.CIC][c.data.Stream] = true
		}
		if (opc != PCASP1 && opc != PCASP2) || (dpc != PCASP1 && dpc != PCASP2) || opc == dpc {
			t.Errorf("%v CIC %d: OPC %d DPC %d", m.Type, m.CIC, opc, dpc)
		}
	}
	for _, cic := range CICs {
		for _, step := range Call {
			from, to := "asp1", "asp2"
			if step.FromASP == 2 {
				from, to = to, from
			}
			for _, leg := range []string{from + "→stp", "stp→" + to} {
				if count[key{leg, cic, step.Type}] == 0 {
					t.Errorf("%v CIC %d not seen on %s", step.Type, cic, leg)
				}
			}
		}
		if len(ourStream[cic]) != 1 {
			t.Errorf("CIC %d left our ASPs on streams %v, want one", cic, ourStream[cic])
		}
	}
	if s1, s2 := ourStream[CICs[0]], ourStream[CICs[1]]; len(s1) == 1 && len(s2) == 1 {
		for s := range s1 {
			if s2[s] {
				t.Errorf("CICs %d and %d share stream %d (SLS %d and %d)", CICs[0], CICs[1], s, SLS(CICs[0]), SLS(CICs[1]))
			}
		}
	}
	// Associations set up and activated: ASP 1 before and after the
	// restart; ASP 2 also when it returned after going down (the SSNM
	// step). The first call's messages went through twice.
	for p, want := range map[uint16]int{PortASP1: 2, PortASP2: 3} {
		if inits[p] < want || aspac[p] < want {
			t.Errorf("%s: %d associations, %d ASPAC; want at least %d each", legName[p], inits[p], aspac[p], want)
		}
	}
	if n := count[key{"asp1→stp", CICs[0], isup.IAM}]; n != 2 {
		t.Errorf("IAM on CIC %d sent %d times, want 2 (before and after the restart)", CICs[0], n)
	}
	t.Logf("our streams per CIC: %v; outbound streams per ASP port: %v", ourStream, outStreams)
}

// TestWireTshark: an independent decoder (Wireshark's M3UA and ISUP
// dissectors) finds the same ISUP messages.
func TestWireTshark(t *testing.T) {
	_, path := readCapture(t)
	if _, err := exec.LookPath("tshark"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tshark missing")
		}
		t.Skip("tshark missing")
	}
	out, err := exec.Command("tshark", "-n", "-r", path, "-Y", "isup",
		"-T", "fields", "-e", "sctp.data_payload_proto_id", "-e", "isup.cic", "-e", "isup.message_type").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Logf("%s", ee.Stderr)
		}
		t.Fatal(err)
	}
	// One line per frame; bundled chunks give comma-separated values.
	got := map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(l, "\t")
		if len(f) != 3 {
			t.Fatalf("tshark line %q", l)
		}
		for _, p := range strings.Split(f[0], ",") {
			if p != "3" {
				t.Errorf("tshark: PPID %s", p)
			}
		}
		cics, types := strings.Split(f[1], ","), strings.Split(f[2], ",")
		if len(cics) != len(types) {
			t.Fatalf("tshark line %q", l)
		}
		for i := range cics {
			got[cics[i]+"/"+types[i]]++
		}
	}
	for _, cic := range CICs {
		for _, step := range Call {
			k := strconv.Itoa(int(cic)) + "/" + strconv.Itoa(int(step.Type))
			if got[k] < 2 {
				t.Errorf("tshark: %v on CIC %d seen %d times, want both legs", step.Type, cic, got[k])
			}
		}
	}
}
