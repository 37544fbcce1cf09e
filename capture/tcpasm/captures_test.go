package tcpasm

import (
	"errors"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/sipgw/sipgw/capture/record"
)

// The third-party captures are read in place (never copied): from this
// package's directory, /work/shared/captures is three levels up.
const captureDir = "../../../shared/captures"

func ciMode() bool { return os.Getenv("CI") == "true" }

func capturePath(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(captureDir, name)
	if _, err := os.Stat(p); err != nil {
		if ciMode() {
			t.Fatalf("capture %s missing (CI=true): %v", p, err)
		}
		t.Skipf("capture %s not available: %v", p, err)
	}
	return p
}

// readSegments decodes the TCP segments of a pcap with gopacket.
func readSegments(t testing.TB, path string) []Segment {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	// Some files named .pcap are pcapng.
	var r interface {
		ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
		LinkType() layers.LinkType
	}
	var magic [4]byte
	if _, err := io.ReadFull(fh, magic[:]); err != nil {
		t.Fatal(err)
	}
	if _, err := fh.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if magic == [4]byte{0x0a, 0x0d, 0x0d, 0x0a} {
		r, err = pcapgo.NewNgReader(fh, pcapgo.DefaultNgReaderOptions)
	} else {
		r, err = pcapgo.NewReader(fh)
	}
	if err != nil {
		t.Fatal(err)
	}
	var segs []Segment
	for frame := uint32(1); ; frame++ {
		data, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s frame %d: %v", path, frame, err)
		}
		p := gopacket.NewPacket(data, r.LinkType(), gopacket.Default)
		tl, _ := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if tl == nil {
			continue
		}
		var src, dst netip.Addr
		switch ip := p.NetworkLayer().(type) {
		case *layers.IPv4:
			src, _ = netip.AddrFromSlice(ip.SrcIP.To4())
			dst, _ = netip.AddrFromSlice(ip.DstIP.To4())
		case *layers.IPv6:
			src, _ = netip.AddrFromSlice(ip.SrcIP)
			dst, _ = netip.AddrFromSlice(ip.DstIP)
		default:
			continue
		}
		var fl uint8
		for _, b := range []struct {
			on bool
			f  uint8
		}{{tl.FIN, FIN}, {tl.SYN, SYN}, {tl.RST, RST}, {tl.PSH, PSH}, {tl.ACK, ACK}} {
			if b.on {
				fl |= b.f
			}
		}
		segs = append(segs, Segment{
			Key:     FlowKey{Src: netip.AddrPortFrom(src, uint16(tl.SrcPort)), Dst: netip.AddrPortFrom(dst, uint16(tl.DstPort))},
			Seq:     tl.Seq,
			Ack:     tl.Ack,
			Flags:   fl,
			Payload: slices.Clone(tl.Payload),
			Time:    ci.Timestamp.UnixNano(),
			Ref:     record.FrameRef{Frame: frame},
		})
	}
	return segs
}

// tsharkSIP returns, per frame, the sorted start-line labels (method or
// status code) of the SIP messages tshark finds over TCP.
func tsharkSIP(t testing.TB, path string, extra ...string) map[uint32][]string {
	t.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		if ciMode() {
			t.Fatalf("tshark missing (CI=true): %v", err)
		}
		t.Skipf("tshark not installed: %v", err)
	}
	args := append([]string{"-r", path}, extra...)
	args = append(args, "-Y", "sip && tcp", "-T", "fields", "-e", "frame.number", "-e", "sip.Method", "-e", "sip.Status-Code")
	out, err := exec.Command("tshark", args...).Output()
	if err != nil {
		t.Fatalf("tshark %v: %v", args, err)
	}
	m := map[uint32][]string{}
	for line := range strings.Lines(string(out)) {
		f := strings.Split(strings.TrimRight(line, "\r\n"), "\t")
		if len(f) < 3 {
			continue
		}
		n, err := strconv.ParseUint(f[0], 10, 32)
		if err != nil {
			t.Fatalf("tshark line %q", line)
		}
		var labels []string
		for _, v := range strings.Split(f[1]+","+f[2], ",") {
			if v != "" {
				labels = append(labels, v)
			}
		}
		if len(labels) > 0 {
			slices.Sort(labels)
			m[uint32(n)] = labels
		}
	}
	return m
}

type capResult struct {
	msgs     []got
	byFrame  map[uint32][]string // completing frame → sorted labels
	problems []Problem
	stats    Stats
}

func assemble(t *testing.T, segs []Segment) capResult {
	t.Helper()
	a := New(sipFramer{}, Options{})
	r := &recorder{t: t}
	for i := range segs {
		a.Add(&segs[i], r.emit)
	}
	a.Flush(r.emit)
	res := capResult{msgs: r.msgs, byFrame: map[uint32][]string{}, problems: a.Problems(), stats: a.Stats()}
	times := map[uint32]int64{}
	for _, s := range segs {
		times[s.Ref.Frame] = s.Time
	}
	for _, m := range r.msgs {
		last := slices.Max(m.frames)
		res.byFrame[last] = append(res.byFrame[last], startLabel([]byte(m.data)))
		if m.time != times[last] {
			t.Errorf("message completed by frame %d has time %d, frame time %d", last, m.time, times[last])
		}
	}
	for _, l := range res.byFrame {
		slices.Sort(l)
	}
	return res
}

func compareTshark(t *testing.T, res capResult, want map[uint32][]string, wantCount int) {
	t.Helper()
	n := 0
	for _, l := range want {
		n += len(l)
	}
	if n != wantCount {
		t.Errorf("tshark finds %d SIP messages, INDEX.md says %d", n, wantCount)
	}
	if len(res.msgs) != wantCount {
		t.Errorf("%d messages, want %d", len(res.msgs), wantCount)
	}
	for fr, l := range want {
		if g := res.byFrame[fr]; !slices.Equal(g, l) {
			t.Errorf("frame %d: got %v, tshark %v", fr, g, l)
		}
	}
	for fr, l := range res.byFrame {
		if _, ok := want[fr]; !ok {
			t.Errorf("frame %d: got %v, tshark nothing", fr, l)
		}
	}
}

func TestCaptureTCP(t *testing.T) {
	p := capturePath(t, "heplify_sip_ipv4_tcp.pcap")
	res := assemble(t, readSegments(t, p))
	compareTshark(t, res, tsharkSIP(t, p), 7)
	if len(res.problems) != 0 {
		t.Errorf("problems %v", res.problems)
	}
	if g := strings.Join(labelsOf(res.msgs), " "); g != "INVITE 100 180 200 ACK BYE 200" {
		t.Errorf("order %s", g)
	}
}

func labelsOf(ms []got) []string {
	var s []string
	for _, m := range ms {
		s = append(s, startLabel([]byte(m.data)))
	}
	return s
}

func TestCaptureFragmented(t *testing.T) {
	p := capturePath(t, "heplify_sip_ipv4_tcp_fragmented.pcap")
	res := assemble(t, readSegments(t, p))
	compareTshark(t, res, tsharkSIP(t, p, "-d", "tcp.port==6060,sip"), 406)
	multi := 0
	for _, m := range res.msgs {
		if len(m.frames) > 1 {
			multi++
		}
	}
	if multi != 234 {
		t.Errorf("%d messages from several segments, INDEX.md says 234", multi)
	}
	if len(res.problems) != 0 {
		t.Errorf("problems %v", res.problems)
	}
}

// REGISTER, 401, REGISTER, 200 over TCP; the 200 is retransmitted and must
// count once (tshark: 4 SIP messages over TCP, the 200 in frame 36).
func TestCaptureRetrans(t *testing.T) {
	p := capturePath(t, "heplify_sip_ipv4_tcp_retrans.pcap")
	res := assemble(t, readSegments(t, p))
	want := tsharkSIP(t, p)
	compareTshark(t, res, want, 4)
	if !slices.Equal(want[36], []string{"200"}) || res.stats.Retransmitted == 0 {
		t.Errorf("tshark frame 36 %v; retransmitted %d", want[36], res.stats.Retransmitted)
	}
}

func TestCaptureWebSocket(t *testing.T) {
	p := capturePath(t, "heplify_sip_tcp_websocket.pcap")
	res := assemble(t, readSegments(t, p))
	compareTshark(t, res, tsharkSIP(t, p), 11)
	for _, m := range res.msgs {
		if !m.ws {
			t.Errorf("not marked WebSocket: %.40q", m.data)
		}
	}
	if res.stats.Upgrades != 2 || len(res.problems) != 0 {
		t.Errorf("stats %+v problems %v", res.stats, res.problems)
	}
}

// A ~64 KB SDP body in four 16 KB segments and a short one, NULL link type.
func TestCaptureLargeBody(t *testing.T) {
	p := capturePath(t, "suricata_sip-body-large.pcap")
	segs := readSegments(t, p)
	res := assemble(t, segs)
	compareTshark(t, res, tsharkSIP(t, p), 2)
	if len(res.msgs) != 2 {
		t.FailNow()
	}
	inv := res.msgs[0]
	if !slices.Equal(inv.frames, []uint32{5, 6, 7, 8, 9}) || len(inv.data) < 64000 || !strings.HasPrefix(inv.data, "INVITE ") {
		t.Errorf("INVITE: %d bytes, frames %v", len(inv.data), inv.frames)
	}
	if len(res.problems) != 0 {
		t.Errorf("problems %v", res.problems)
	}
}

// HTTP on TCP/5060: tshark shows two "SIP Continuation" frames without a
// method or status; no message must come out.
func TestCaptureHTTPOnSIPPort(t *testing.T) {
	p := capturePath(t, "ndpi_http_on_sip_port.pcap")
	segs := readSegments(t, p)
	res := assemble(t, segs)
	compareTshark(t, res, tsharkSIP(t, p), 0)
	payload := 0
	for _, s := range segs {
		payload += len(s.Payload)
	}
	if payload == 0 || res.stats.BytesSkipped != uint64(payload) || len(res.problems) == 0 || len(res.problems) > 2 {
		t.Errorf("payload %d, stats %+v, problems %v", payload, res.stats, res.problems)
	}
	for _, pr := range res.problems {
		if !errors.Is(pr.Err, ErrFraming) && !errors.Is(pr.Err, ErrMidStream) {
			t.Errorf("problem %v", pr)
		}
	}
}
