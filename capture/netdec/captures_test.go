package netdec

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"
	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/internal/testenv"
)

// sharedCaptures holds the third-party captures (see its INDEX.md); tests
// read them there and never copy them into the repository.
const sharedCaptures = "../../../shared/captures"

type capFrame struct {
	lt    uint16
	t     int64
	data  []byte
	frame uint32
}

// readCapture reads a pcap or pcapng file with gopacket's pcapgo. A
// missing file fails the test under CI=true and skips it otherwise.
func readCapture(t *testing.T, name string) []capFrame {
	t.Helper()
	path := filepath.Join(sharedCaptures, name)
	f, err := os.Open(path)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("capture missing in CI: %v", err)
		}
		t.Skipf("capture not available: %v", err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	magic, err := br.Peek(4)
	if err != nil {
		t.Fatal(err)
	}
	var out []capFrame
	if string(magic) == "\x0a\x0d\x0d\x0a" {
		r, err := pcapgo.NewNgReader(br, pcapgo.DefaultNgReaderOptions)
		if err != nil {
			t.Fatal(err)
		}
		for {
			data, ci, err := r.ReadPacketData()
			if err == io.EOF {
				return out
			}
			if err != nil {
				t.Fatal(err)
			}
			intf, err := r.Interface(ci.InterfaceIndex)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, capFrame{uint16(intf.LinkType), ci.Timestamp.UnixNano(), append([]byte(nil), data...), uint32(len(out) + 1)})
		}
	}
	r, err := pcapgo.NewReader(br)
	if err != nil {
		t.Fatal(err)
	}
	for {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, capFrame{uint16(r.LinkType()), ci.Timestamp.UnixNano(), append([]byte(nil), data...), uint32(len(out) + 1)})
	}
}

// sipStart returns the method of a SIP request or the status of a
// response, from the start line.
func sipStart(b []byte) string {
	line, _, _ := bytes.Cut(b, []byte("\r\n"))
	f := strings.Fields(string(line))
	if len(f) < 2 {
		return ""
	}
	if f[0] == "SIP/2.0" {
		return f[1]
	}
	return f[0]
}

func count(xs []string) map[string]int {
	m := map[string]int{}
	for _, x := range xs {
		m[x]++
	}
	return m
}

func sameCounts(t *testing.T, got []string, want map[string]int) {
	t.Helper()
	g := count(got)
	if len(g) != len(want) {
		t.Errorf("messages %v, want %v", g, want)
		return
	}
	for k, v := range want {
		if g[k] != v {
			t.Errorf("messages %v, want %v", g, want)
			return
		}
	}
}

// TestCaptureERSPAN: every SIP/UDP frame of the capture is inside GRE
// (transparent Ethernet bridging) from a mirror port.
func TestCaptureERSPAN(t *testing.T) {
	frames := readCapture(t, "heplify_erspan_sip_ipv4_udp.pcapng")
	if len(frames) != 140 {
		t.Fatalf("%d frames", len(frames))
	}
	d := NewDecoder()
	var msgs []string
	for _, fr := range frames {
		var p Packet
		if err := d.Decode(fr.lt, fr.data, &p); err != nil {
			t.Fatalf("frame %d: %v", fr.frame, err)
		}
		if p.Kind != KindUDP || p.Tunnels != 1 || p.IPVersion != 4 {
			t.Fatalf("frame %d: %v, %d tunnels", fr.frame, p.Kind, p.Tunnels)
		}
		msgs = append(msgs, sipStart(p.Payload))
		if fr.frame == 1 && (p.Src != netip.MustParseAddr("180.173.83.248") || p.SrcPort != 53221 || p.Dst != netip.MustParseAddr("101.231.48.19") || p.DstPort != 5260) {
			t.Errorf("frame 1: %v:%d → %v:%d", p.Src, p.SrcPort, p.Dst, p.DstPort)
		}
	}
	// INDEX.md, from tshark.
	sameCounts(t, msgs, map[string]int{"INVITE": 16, "ACK": 18, "BYE": 6, "SUBSCRIBE": 12, "NOTIFY": 11, "REFER": 4,
		"100": 14, "180": 6, "200": 30, "202": 8, "401": 1, "407": 4, "481": 8, "488": 2})
}

// TestCaptureIPinIP: two of the four SIP/TCP frames are inside IP-in-IP.
func TestCaptureIPinIP(t *testing.T) {
	frames := readCapture(t, "sngrep_ipip.pcap")
	want := []struct {
		start   string
		tunnels uint8
		length  int
	}{{"INVITE", 0, 1103}, {"183", 1, 621}, {"200", 1, 616}, {"BYE", 0, 409}}
	if len(frames) != len(want) {
		t.Fatalf("%d frames", len(frames))
	}
	d := NewDecoder()
	for i, fr := range frames {
		var p Packet
		if err := d.Decode(fr.lt, fr.data, &p); err != nil {
			t.Fatalf("frame %d: %v", fr.frame, err)
		}
		w := want[i]
		if p.Kind != KindTCP || p.Tunnels != w.tunnels || sipStart(p.Payload) != w.start || len(p.Payload) != w.length {
			t.Errorf("frame %d: %v tunnels %d %q %d octets", fr.frame, p.Kind, p.Tunnels, sipStart(p.Payload), len(p.Payload))
		}
		a, b := netip.MustParseAddr("10.15.197.103"), netip.MustParseAddr("10.15.193.31")
		if i == 1 || i == 2 {
			a, b = b, a
		}
		if p.Src != a || p.Dst != b {
			t.Errorf("frame %d: %v → %v", fr.frame, p.Src, p.Dst)
		}
	}
}

// TestCaptureIPv6Fragments: SIP/UDP over IPv6 on Linux SLL, two INVITEs in
// two fragments each.
func TestCaptureIPv6Fragments(t *testing.T) {
	frames := readCapture(t, "sngrep_ipv6frag.pcap")
	if len(frames) != 34 {
		t.Fatalf("%d frames", len(frames))
	}
	d := NewDecoder()
	df := NewDefragmenter()
	var msgs []string
	rebuilt := 0
	for _, fr := range frames {
		var p Packet
		if err := d.Decode(fr.lt, fr.data, &p); err != nil {
			t.Fatalf("frame %d: %v", fr.frame, err)
		}
		if p.LinkType != LinkLinuxSLL || p.IPVersion != 6 {
			t.Fatalf("frame %d: link %d IPv%d", fr.frame, p.LinkType, p.IPVersion)
		}
		if p.Kind == KindIPFragment {
			dg, refs, ok, err := df.Add(&p, fr.t, record.FrameRef{Frame: fr.frame})
			if err != nil {
				t.Fatalf("frame %d: %v", fr.frame, err)
			}
			if !ok {
				continue
			}
			rebuilt++
			if len(refs) != 2 || refs[0].Frame != fr.frame-1 || refs[1].Frame != fr.frame {
				t.Errorf("frame %d: rebuilt from %v", fr.frame, refs)
			}
			if err := d.DecodeIP(dg, &p); err != nil {
				t.Fatal(err)
			}
			// UDP lengths 1699 and 1879 in tshark.
			if n := len(p.Payload); p.Kind != KindUDP || (n != 1691 && n != 1871) || !bytes.HasSuffix(p.Payload, []byte("\r\n")) {
				t.Errorf("frame %d: rebuilt %v of %d octets", fr.frame, p.Kind, n)
			}
		}
		if p.Kind != KindUDP {
			t.Fatalf("frame %d: %v", fr.frame, p.Kind)
		}
		msgs = append(msgs, sipStart(p.Payload))
	}
	if rebuilt != 2 || df.InFlight() != 0 {
		t.Errorf("%d rebuilt, %d in flight", rebuilt, df.InFlight())
	}
	sameCounts(t, msgs, map[string]int{"INVITE": 2, "PRACK": 4, "UPDATE": 4, "ACK": 2, "BYE": 2, "100": 1, "183": 4, "200": 13})
}

// TestCaptureSCTP: SIP-I over SCTP; the INVITE is split in two DATA
// chunks (frames 1 and 2).
func TestCaptureSCTP(t *testing.T) {
	frames := readCapture(t, "heplify_sip_sctp.pcap")
	if len(frames) != 5 {
		t.Fatalf("%d frames", len(frames))
	}
	d := NewDecoder()
	a := NewSCTPAssembler()
	var msgs []string
	for _, fr := range frames {
		var p Packet
		if err := d.Decode(fr.lt, fr.data, &p); err != nil {
			t.Fatalf("frame %d: %v", fr.frame, err)
		}
		if p.Kind != KindSCTP || p.LinkType != LinkLinuxSLL {
			t.Fatalf("frame %d: %v", fr.frame, p.Kind)
		}
		err := SCTPChunks(p.Payload, func(c Chunk) bool {
			var dc DataChunk
			if ParseData(c, &dc) != nil {
				return true
			}
			msg, refs, ok, dup := a.Add(&p, &dc, fr.t, record.FrameRef{Frame: fr.frame})
			if dup {
				t.Errorf("frame %d: duplicate", fr.frame)
			}
			if !ok {
				return true
			}
			msgs = append(msgs, sipStart(msg))
			if sipStart(msg) == "INVITE" {
				if len(refs) != 2 || refs[0].Frame != 1 || refs[1].Frame != 2 {
					t.Errorf("INVITE from frames %v", refs)
				}
				// 1452 + 312 octets of DATA; tshark: Content-Length 657.
				_, body, _ := bytes.Cut(msg, []byte("\r\n\r\n"))
				if len(msg) != 1764 || len(body) != 657 || !bytes.Contains(msg, []byte("application/ISUP")) {
					t.Errorf("INVITE of %d octets, body %d", len(msg), len(body))
				}
			}
			return true
		})
		if err != nil {
			t.Fatalf("frame %d: %v", fr.frame, err)
		}
	}
	if strings.Join(msgs, " ") != "INVITE 100 403 ACK" || a.Pending() != 0 {
		t.Errorf("messages %v, %d pending", msgs, a.Pending())
	}
}

// TestCaptureRawIPv4: DLT 228 with ~9.5 KB SIP/UDP datagrams.
func TestCaptureRawIPv4(t *testing.T) {
	frames := readCapture(t, "zeek_sip_sip-long-request-response-paths.pcap")
	want := []struct {
		start string
		n     int
	}{{"OPTIONS", 9563}, {"200", 9548}}
	if len(frames) != 2 {
		t.Fatalf("%d frames", len(frames))
	}
	for i, fr := range frames {
		var p Packet
		if err := NewDecoder().Decode(fr.lt, fr.data, &p); err != nil {
			t.Fatal(err)
		}
		if fr.lt != LinkIPv4 || p.Kind != KindUDP || sipStart(p.Payload) != want[i].start || len(p.Payload) != want[i].n {
			t.Errorf("frame %d: link %d %v %q %d octets", fr.frame, fr.lt, p.Kind, sipStart(p.Payload), len(p.Payload))
		}
	}
}

// TestCaptureNull: DLT_NULL (little-endian AF_INET) SIP/TCP on loopback.
func TestCaptureNull(t *testing.T) {
	frames := readCapture(t, "suricata_sip-body-large.pcap")
	lens := []int{0, 0, 0, 0, 16332, 16332, 16332, 16332, 465, 0, 207, 0, 0, 0, 0, 0}
	flags := []uint8{0x02, 0x12, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x18, 0x10, 0x18, 0x10, 0x11, 0x10, 0x11, 0x10}
	if len(frames) != len(lens) {
		t.Fatalf("%d frames", len(frames))
	}
	for i, fr := range frames {
		var p Packet
		if err := NewDecoder().Decode(fr.lt, fr.data, &p); err != nil {
			t.Fatal(err)
		}
		if fr.lt != LinkNull || p.Kind != KindTCP || len(p.Payload) != lens[i] || p.TCPFlags != flags[i] || p.Src != netip.MustParseAddr("127.0.0.1") {
			t.Errorf("frame %d: %v %d octets flags %#x", fr.frame, p.Kind, len(p.Payload), p.TCPFlags)
		}
	}
}

// TestCaptureSLLMixed: Linux SLL with ARP, VRRP, TCP and UDP.
func TestCaptureSLLMixed(t *testing.T) {
	frames := readCapture(t, "heplify_sip_ipv4_tcp_retrans.pcap")
	kinds := map[Kind]int{}
	var sip []string
	seen := map[[2]uint32]bool{} // TCP port and sequence number: one retransmission
	for _, fr := range frames {
		var p Packet
		if err := NewDecoder().Decode(fr.lt, fr.data, &p); err != nil {
			t.Fatalf("frame %d: %v", fr.frame, err)
		}
		kinds[p.Kind]++
		if p.Kind == KindTCP && (p.SrcPort == 5060 || p.DstPort == 5060) && len(p.Payload) > 0 {
			k := [2]uint32{uint32(p.SrcPort), p.Seq}
			if seen[k] {
				continue
			}
			seen[k] = true
			sip = append(sip, sipStart(p.Payload))
		}
		if p.Kind == KindUDP {
			sip = append(sip, sipStart(p.Payload))
		}
	}
	// tshark: 2 ARP, 9 VRRP, 181 TCP, 4 UDP (all SIP).
	if len(frames) != 196 || kinds[KindOther] != 11 || kinds[KindTCP] != 181 || kinds[KindUDP] != 4 {
		t.Errorf("%d frames: %v", len(frames), kinds)
	}
	// REGISTER over TCP and UDP; the 200 over TCP is sent twice (frame 38).
	sameCounts(t, sip, map[string]int{"REGISTER": 4, "401": 2, "200": 2})
}

// TestCapturesAgainstTshark decodes every frame of every shared capture and
// compares the innermost addresses, ports, transport and payload length
// with tshark's, frame by frame.
func TestCapturesAgainstTshark(t *testing.T) {
	testenv.Tool(t, "tshark", "this check compares with tshark")
	names, _ := filepath.Glob(filepath.Join(sharedCaptures, "*.pcap*"))
	if len(names) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("no captures in CI")
		}
		t.Skip("captures not available")
	}
	fields := []string{"frame.protocols", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "udp.srcport", "udp.dstport",
		"tcp.srcport", "tcp.dstport", "sctp.srcport", "sctp.dstport", "tcp.len", "udp.length", "ip.flags.mf", "ip.frag_offset", "ipv6.fraghdr.offset"}
	for _, path := range names {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			args := []string{"-n", "-r", path, "-T", "fields", "-E", "occurrence=l", "-E", "separator=|"}
			for _, f := range fields {
				args = append(args, "-e", f)
			}
			out, err := exec.CommandContext(context.Background(), "tshark", args...).Output()
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
			frames := readCapture(t, name)
			if len(lines) != len(frames) {
				t.Fatalf("tshark %d frames, pcapgo %d", len(lines), len(frames))
			}
			d := NewDecoder()
			compared := 0
			for i, fr := range frames {
				v := map[string]string{}
				for j, s := range strings.Split(lines[i], "|") {
					v[fields[j]] = s
				}
				var p Packet
				err := d.Decode(fr.lt, fr.data, &p)
				protos := strings.Split(v["frame.protocols"], ":")
				transport, ipv := "", ""
				for _, pr := range protos {
					switch pr {
					case "udp", "tcp", "sctp":
						transport = pr
					case "ip", "ipv6":
						ipv = pr
					case "icmp", "icmpv6":
						transport, ipv = "skip", "skip"
					}
				}
				fragment := v["ip.flags.mf"] == "1" || v["ip.flags.mf"] == "True" || (v["ip.frag_offset"] != "" && v["ip.frag_offset"] != "0") || v["ipv6.fraghdr.offset"] != ""
				if transport == "skip" || ipv == "" {
					continue
				}
				if err != nil {
					t.Errorf("frame %d (%s): %v", fr.frame, v["frame.protocols"], err)
					continue
				}
				src, dst := v["ip.src"], v["ip.dst"]
				if ipv == "ipv6" {
					src, dst = v["ipv6.src"], v["ipv6.dst"]
				}
				if p.Src.String() != src || p.Dst.String() != dst {
					t.Errorf("frame %d: %v → %v, tshark %s → %s", fr.frame, p.Src, p.Dst, src, dst)
				}
				if fragment {
					// tshark shows the reassembled transport on the
					// last fragment; each frame is a fragment to us.
					if p.Kind != KindIPFragment {
						t.Errorf("frame %d: %v, tshark: a fragment", fr.frame, p.Kind)
					}
					compared++
					continue
				}
				want := map[string]Kind{"udp": KindUDP, "tcp": KindTCP, "sctp": KindSCTP, "": KindOther}[transport]
				if p.Kind != want {
					t.Errorf("frame %d: %v, tshark %q (%s)", fr.frame, p.Kind, transport, v["frame.protocols"])
					continue
				}
				if transport != "" {
					sp, dp := v[transport+".srcport"], v[transport+".dstport"]
					if strconv.Itoa(int(p.SrcPort)) != sp || strconv.Itoa(int(p.DstPort)) != dp {
						t.Errorf("frame %d: ports %d → %d, tshark %s → %s", fr.frame, p.SrcPort, p.DstPort, sp, dp)
					}
				}
				switch transport {
				case "tcp":
					if strconv.Itoa(len(p.Payload)) != v["tcp.len"] {
						t.Errorf("frame %d: %d TCP octets, tshark %s", fr.frame, len(p.Payload), v["tcp.len"])
					}
				case "udp":
					if n, _ := strconv.Atoi(v["udp.length"]); len(p.Payload) != n-8 && !p.Truncated {
						t.Errorf("frame %d: %d UDP octets, tshark length %s", fr.frame, len(p.Payload), v["udp.length"])
					}
				}
				compared++
			}
			if compared == 0 {
				t.Error("no frame compared")
			}
			t.Logf("%d of %d frames compared with tshark", compared, len(frames))
		})
	}
}
