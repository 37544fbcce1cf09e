package pcapfile

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedCaptures holds the third-party captures (see its INDEX.md); they
// are read there, never copied into the repository.
const sharedCaptures = "../../../shared/captures"

// TestSharedCaptures opens every collected capture and checks the frame
// count capinfos gives and the link type INDEX.md lists, that nothing is
// reported as a problem, and that every frame re-reads by its Ref.
func TestSharedCaptures(t *testing.T) {
	for _, tc := range []struct {
		file   string
		frames int
		lt     uint16
		format Format
		// first and last frame times as tshark gives them (frame.time_epoch), where checked
		first, last int64
	}{
		{"tcpdump_isup.pcap", 6, LinkTypeEthernet, FormatPcap, 1089032999862196000, 1089033016952114000},
		{"arkime_m3ua_synthetic.pcap", 90, LinkTypeEthernet, FormatPcap, 0, 0},
		{"heplify_sip_sctp.pcap", 5, LinkTypeLinuxSLL, FormatPcap, 0, 0},
		{"sngrep_aaa.pcap", 691, LinkTypeEthernet, FormatPcap, 0, 0},
		{"sngrep_ipip.pcap", 4, LinkTypeEthernet, FormatPcap, 0, 0},
		{"sngrep_ipv6frag.pcap", 34, LinkTypeLinuxSLL, FormatPcap, 0, 0},
		{"heplify_sip_ipv4_tcp.pcap", 84, LinkTypeEthernet, FormatPcap, 0, 0},
		{"heplify_sip_ipv4_tcp_fragmented.pcap", 1542, LinkTypeEthernet, FormatPcap, 0, 0},
		{"heplify_sip_ipv4_tcp_retrans.pcap", 196, LinkTypeLinuxSLL, FormatPcap, 0, 0},
		{"heplify_sip_ipv6_udp.pcap", 6, LinkTypeEthernet, FormatPcap, 0, 0},
		{"heplify_sip_tcp_websocket.pcap", 61, LinkTypeEthernet, FormatPcap, 0, 0},
		{"heplify_erspan_sip_ipv4_udp.pcapng", 140, LinkTypeEthernet, FormatPcapNG, 1526006114962510000, 1526006149957697000},
		{"ndpi_FAX-Call-t38-CA-TDM-SIP-FB-1.pcap", 1552, LinkTypeEthernet, FormatPcap, 0, 0},
		{"ndpi_sip_hello.pcapng", 30, LinkTypeEthernet, FormatPcapNG, 1645515834707950000, 1645516326267438000},
		// Named .pcap, but pcapng inside (capinfos agrees).
		{"ndpi_http_on_sip_port.pcap", 4, LinkTypeEthernet, FormatPcapNG, 1618744016209720000, 1618744016532140000},
		{"suricata_sip-body-frames.pcap", 10, LinkTypeEthernet, FormatPcap, 0, 0},
		{"suricata_sip-body-large.pcap", 16, LinkTypeNull, FormatPcap, 1782243452934517000, 1782243452936081000},
		{"suricata_sip-compact-form.pcap", 1, LinkTypeEthernet, FormatPcap, 0, 0},
		{"suricata_sip-header-multi-value.pcap", 1, LinkTypeEthernet, FormatPcap, 0, 0},
		{"zeek_sip_invalid-content-length.pcap", 2, LinkTypeEthernet, FormatPcap, 0, 0},
		{"zeek_sip_sip-junk-before-request.pcap", 2, LinkTypeEthernet, FormatPcap, 0, 0},
		{"zeek_sip_sip-long-request-response-paths.pcap", 2, LinkTypeIPv4, FormatPcap, 0, 0},
	} {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join(sharedCaptures, tc.file)
			if _, err := os.Stat(path); err != nil {
				if os.Getenv("CI") == "true" {
					t.Fatalf("capture missing in CI: %v", err)
				}
				t.Skipf("capture not available: %v", err)
			}
			r := mustOpen(t, path, 1, Options{})
			if r.Format() != tc.format {
				t.Errorf("format %v, want %v", r.Format(), tc.format)
			}
			frames := readAll(t, r)
			if len(frames) != tc.frames {
				t.Errorf("%d frames, want %d", len(frames), tc.frames)
			}
			var prev int64
			for i, f := range frames {
				if f.LinkType != tc.lt {
					t.Fatalf("frame %d: link type %s, want %s", i+1, LinkTypeName(f.LinkType), LinkTypeName(tc.lt))
				}
				if f.Ref.Frame != uint32(i+1) || f.Ref.Offset <= prev || len(f.data) == 0 || int(f.OrigLen) < len(f.data) {
					t.Fatalf("frame %d: %+v", i+1, f.Frame)
				}
				prev = f.Ref.Offset
			}
			if tc.first != 0 && (frames[0].Time != tc.first || frames[len(frames)-1].Time != tc.last) {
				t.Errorf("times %d…%d, want %d…%d", frames[0].Time, frames[len(frames)-1].Time, tc.first, tc.last)
			}
			if ps := r.Problems(); len(ps) != 0 {
				t.Errorf("problems: %v", ps)
			}
			checkReread(t, r, frames)
		})
	}
}
