package sipscan

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/sipgw/sipgw/isup"
)

// capturesDir holds the shared third-party captures (outside the
// repository; see INDEX.md there). They are read, never copied.
const capturesDir = "../../../shared/captures"

// needCapture returns the path of a capture, skipping the test when it is
// absent, unless CI=true, where that is a failure.
func needCapture(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(capturesDir, name)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("capture %s: %v", name, err)
		}
		t.Skipf("capture %s not available: %v", name, err)
	}
	return p
}

// capFrame is the transport payload of one captured frame.
type capFrame struct {
	num  int
	udp  []byte // UDP payload (the innermost UDP of tunnels)
	tcp  []byte // TCP payload
	frag bool   // an IP fragment whose datagram is not reassembled here
	sctp []*layers.SCTPData
}

// readFrames decodes every frame of a pcap or pcapng file with gopacket.
func readFrames(t testing.TB, path string) []capFrame {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var magic [4]byte
	if _, err := f.ReadAt(magic[:], 0); err != nil {
		t.Fatal(err)
	}
	type source interface {
		ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	}
	var src source
	var link layers.LinkType
	if bytes.Equal(magic[:], []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		r, err := pcapgo.NewNgReader(f, pcapgo.DefaultNgReaderOptions)
		if err != nil {
			t.Fatal(err)
		}
		src, link = r, r.LinkType()
	} else {
		r, err := pcapgo.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		src, link = r, r.LinkType()
	}
	var first gopacket.Decoder = link
	switch link {
	case 228: // LINKTYPE_IPV4: gopacket has no decoder registered for it
		first = layers.LayerTypeIPv4
	case 229:
		first = layers.LayerTypeIPv6
	}
	var out []capFrame
	for n := 1; ; n++ {
		data, _, err := src.ReadPacketData()
		if err != nil {
			break
		}
		p := gopacket.NewPacket(data, first, gopacket.Default)
		fr := capFrame{num: n}
		for _, l := range p.Layers() {
			switch l := l.(type) {
			case *layers.UDP:
				fr.udp = l.Payload
			case *layers.TCP:
				fr.tcp = l.Payload
			case *layers.IPv6Fragment:
				fr.frag = true
			case *layers.IPv4:
				if l.Flags&layers.IPv4MoreFragments != 0 || l.FragOffset != 0 {
					fr.frag = true
				}
			case *layers.SCTPData:
				fr.sctp = append(fr.sctp, l)
			}
		}
		out = append(out, fr)
	}
	return out
}

// oracleRow is what tshark reports for one frame; fields with several
// occurrences (several messages, or a repeated header) are split.
type oracleRow struct {
	methods, statuses, callIDs, cseqs, fromUsers, toUsers []string
}

// tsharkSIP runs tshark on a capture and returns its SIP rows by frame.
func tsharkSIP(t testing.TB, path string, extra ...string) map[int]oracleRow {
	t.Helper()
	bin, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tshark not found")
		}
		t.Skip("tshark not found: the oracle is not available")
	}
	args := append([]string{"-r", path}, extra...)
	args = append(args, "-Y", "sip", "-T", "fields", "-E", "separator=/t", "-E", "aggregator=\x1f",
		"-e", "frame.number", "-e", "sip.Method", "-e", "sip.Status-Code", "-e", "sip.Call-ID",
		"-e", "sip.CSeq.seq", "-e", "sip.from.user", "-e", "sip.to.user")
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		t.Fatalf("tshark %s: %v", path, err)
	}
	split := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(s, "\x1f")
	}
	rows := map[int]oracleRow{}
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 7 {
			t.Fatalf("tshark line %q", line)
		}
		n, err := strconv.Atoi(f[0])
		if err != nil {
			t.Fatalf("tshark line %q", line)
		}
		rows[n] = oracleRow{split(f[1]), split(f[2]), split(f[3]), split(f[4]), split(f[5]), split(f[6])}
	}
	return rows
}

// scanned is what we read from one frame, in the oracle's shape.
func scanned(t *testing.T, msgs [][]byte) oracleRow {
	t.Helper()
	var r oracleRow
	var m Message
	for _, b := range msgs {
		if err := Parse(b, &m); err != nil && !errors.Is(err, ErrTruncated) {
			t.Errorf("Parse: %v\n%q", err, b[:min(len(b), 200)])
			continue
		}
		if m.Request {
			r.methods = append(r.methods, string(m.Method))
		} else {
			r.statuses = append(r.statuses, strconv.Itoa(m.Status))
		}
		if m.CallID != nil {
			r.callIDs = append(r.callIDs, string(m.CallID))
		}
		if m.CSeqMethod != nil {
			r.cseqs = append(r.cseqs, strconv.FormatUint(uint64(m.CSeq), 10))
		}
		if m.FromUser != nil {
			r.fromUsers = append(r.fromUsers, string(m.FromUser))
		}
		// Every To value of the message, as tshark lists them all.
		m.Headers("To", func(v []byte) bool {
			if u := uriUser(firstURI(v)); u != nil {
				r.toUsers = append(r.toUsers, string(u))
			}
			return true
		})
		if len(r.toUsers) > 0 && m.ToUser != nil && !containsStr(r.toUsers, string(m.ToUser)) {
			t.Errorf("ToUser %q not among the To values %q", m.ToUser, r.toUsers)
		}
	}
	return r
}

func firstURI(v []byte) []byte { u, _ := splitAddr(v); return u }

func containsStr(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func sameRow(a, b oracleRow) bool {
	eq := func(x, y []string) bool { return strings.Join(x, "\x1f") == strings.Join(y, "\x1f") }
	return eq(a.methods, b.methods) && eq(a.statuses, b.statuses) && eq(a.callIDs, b.callIDs) &&
		eq(a.cseqs, b.cseqs) && eq(a.fromUsers, b.fromUsers) && eq(a.toUsers, b.toUsers)
}

// streamMessages cuts the whole messages out of a TCP payload that starts
// with a message, as a stream framer would.
func streamMessages(p []byte) [][]byte {
	var out [][]byte
	for len(p) > 0 {
		n, err := FrameLen(p)
		if errors.Is(err, ErrKeepAlive) {
			p = p[n:]
			continue
		}
		if err != nil || n == 0 {
			break
		}
		out = append(out, p[:n])
		p = p[n:]
	}
	return out
}

// TestCaptures checks every SIP message of the real captures against
// tshark: method or status, Call-ID, CSeq number, From and To users. UDP
// frames that tshark does not call SIP must not be SIP to us either. TCP
// frames are compared when they start with a message (messages spanning
// segments are the TCP assembler's job), with all the whole messages they
// hold.
func TestCaptures(t *testing.T) {
	tests := []struct {
		file      string
		tshark    []string // extra tshark options
		udp, tcp  int      // messages expected to be compared, at least
		nonSIPUDP int      // UDP frames that must not be SIP, at least
	}{
		{file: "sngrep_aaa.pcap", udp: 81, nonSIPUDP: 100},
		{file: "heplify_sip_ipv6_udp.pcap", udp: 6},
		{file: "heplify_erspan_sip_ipv4_udp.pcapng", udp: 140},
		{file: "suricata_sip-body-frames.pcap", udp: 10},
		{file: "suricata_sip-compact-form.pcap", udp: 1},
		{file: "suricata_sip-header-multi-value.pcap", udp: 1},
		{file: "zeek_sip_invalid-content-length.pcap", udp: 2},
		{file: "zeek_sip_sip-junk-before-request.pcap", udp: 1, nonSIPUDP: 1},
		{file: "zeek_sip_sip-long-request-response-paths.pcap", udp: 2},
		{file: "ndpi_sip_hello.pcapng", udp: 8, nonSIPUDP: 22},
		{file: "ndpi_FAX-Call-t38-CA-TDM-SIP-FB-1.pcap", udp: 92, nonSIPUDP: 1000},
		{file: "sngrep_ipv6frag.pcap", udp: 30},
		{file: "heplify_sip_tcp_websocket.pcap", udp: 20},
		{file: "heplify_sip_ipv4_tcp_retrans.pcap", udp: 4, tcp: 4},
		{file: "heplify_sip_ipv4_tcp.pcap", tcp: 7},
		{file: "heplify_sip_ipv4_tcp_fragmented.pcap", tshark: []string{"-d", "tcp.port==6060,sip"}, tcp: 150},
		{file: "sngrep_ipip.pcap", tcp: 4},
		{file: "suricata_sip-body-large.pcap", tcp: 1},
		{file: "ndpi_http_on_sip_port.pcap"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := needCapture(t, tt.file)
			oracle := tsharkSIP(t, path, tt.tshark...)
			var udpN, tcpN, nonSIP, fragSkipped, retrans int
			seenTCP := map[string]bool{}
			for _, fr := range readFrames(t, path) {
				want, isSIP := oracle[fr.num]
				if isSIP && len(want.methods)+len(want.statuses) == 0 {
					isSIP = false // "SIP Continuation": tshark found no message
				}
				switch {
				case fr.udp != nil:
					var m Message
					err := Parse(fr.udp, &m)
					if !isSIP {
						if IsSIP(fr.udp) || !errors.Is(err, ErrNotSIP) {
							t.Errorf("frame %d: SIP to us, not to tshark: %q", fr.num, fr.udp[:min(60, len(fr.udp))])
						}
						nonSIP++
						continue
					}
					if !IsSIP(fr.udp) {
						t.Errorf("frame %d: IsSIP false", fr.num)
					}
					got := scanned(t, [][]byte{fr.udp})
					// A frame carries one message: a field tshark lists twice
					// comes from a repeated header (To in the multi-value
					// capture), which we give one by one too.
					if !sameRow(got, want) {
						t.Errorf("frame %d:\n got %q\nwant %q", fr.num, got, want)
					}
					udpN++
				case fr.tcp != nil:
					if seenTCP[string(fr.tcp)] && !isSIP {
						// A retransmitted segment: tshark's TCP analysis
						// keeps it from the SIP dissector.
						retrans++
						continue
					}
					if len(fr.tcp) > 0 {
						seenTCP[string(fr.tcp)] = true
					}
					msgs := streamMessages(fr.tcp)
					if len(msgs) == 0 {
						if isSIP && IsSIP(fr.tcp) {
							// The frame starts a message that ends later:
							// tshark reports it in the last segment.
							t.Errorf("frame %d: tshark has a whole message, we need more bytes", fr.num)
						}
						continue
					}
					got := scanned(t, msgs)
					if !isSIP {
						t.Errorf("frame %d: SIP to us, not to tshark: %q", fr.num, got)
						continue
					}
					if !sameRow(got, want) {
						t.Errorf("frame %d:\n got %q\nwant %q", fr.num, got, want)
					}
					tcpN += len(msgs)
				case fr.frag && isSIP:
					fragSkipped++
				}
			}
			t.Logf("%d UDP and %d TCP messages match tshark; %d non-SIP UDP frames; %d fragmented messages not compared; %d TCP retransmissions",
				udpN, tcpN, nonSIP, fragSkipped, retrans)
			if udpN < tt.udp || tcpN < tt.tcp || nonSIP < tt.nonSIPUDP {
				t.Errorf("compared %d UDP, %d TCP messages, %d non-SIP frames; want at least %d, %d, %d",
					udpN, tcpN, nonSIP, tt.udp, tt.tcp, tt.nonSIPUDP)
			}
		})
	}
}

// TestCaptureSIPI reads the SIP-I call of heplify_sip_sctp.pcap: SCTP user
// messages (the INVITE is in two DATA chunks, joined here) are compared
// with tshark, the INVITE's ISUP part must be the IAM (called 9275890000
// then ST, calling 9171969136) and the 403 carries Q.850 cause 21.
func TestCaptureSIPI(t *testing.T) {
	path := needCapture(t, "heplify_sip_sctp.pcap")
	oracle := tsharkSIP(t, path)
	var cur []byte
	var n, iams int
	var m Message
	for _, fr := range readFrames(t, path) {
		for _, d := range fr.sctp {
			if d.BeginFragment {
				cur = cur[:0]
			}
			cur = append(cur, d.Payload...)
			if !d.EndFragment {
				continue
			}
			msg := append([]byte(nil), cur...)
			if err := Parse(msg, &m); err != nil {
				t.Fatalf("frame %d: %v", fr.num, err)
			}
			if got, want := scanned(t, [][]byte{msg}), oracle[fr.num]; !sameRow(got, want) {
				t.Errorf("frame %d:\n got %q\nwant %q", fr.num, got, want)
			}
			n++
			data, v, ok, err := ISUPPart(&m)
			if err != nil {
				t.Fatalf("frame %d: %v", fr.num, err)
			}
			if string(m.Method) == "INVITE" {
				if !ok || v != isup.ITU {
					t.Fatalf("INVITE: ISUP %v variant %v", ok, v)
				}
				var im isup.Message
				if err := im.DecodeBody(data, v); err != nil {
					t.Fatal(err)
				}
				var cdpn isup.CalledPartyNumber
				var cgpn isup.CallingPartyNumber
				if _, err := im.Get(&cdpn); err != nil {
					t.Fatal(err)
				}
				if _, err := im.Get(&cgpn); err != nil {
					t.Fatal(err)
				}
				if im.Type != isup.IAM || cdpn.Digits.String() != "9275890000F" || cgpn.Digits.String() != "9171969136" {
					t.Errorf("IAM: type %v called %s calling %s", im.Type, cdpn.Digits, cgpn.Digits)
				}
				iams++
			} else if ok {
				t.Errorf("frame %d: ISUP in %s %d", fr.num, m.Method, m.Status)
			}
			if m.Status == 403 {
				if c, ok := Q850Cause(m.Reason); !ok || c != 21 {
					t.Errorf("403 Reason %q: cause %d %v", m.Reason, c, ok)
				}
			}
		}
	}
	if n != len(oracle) || iams != 1 {
		t.Errorf("%d messages (tshark %d), %d IAMs", n, len(oracle), iams)
	}
}
