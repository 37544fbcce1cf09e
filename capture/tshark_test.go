package capture_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/sipgw/sipgw/capture"
	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/internal/testenv"
)

// sharedCaptures holds the third-party captures; tests read them there
// and never copy them into the repository.
const sharedCaptures = "../../shared/captures"

func needCapture(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join(sharedCaptures, name)
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("capture missing in CI: %v", err)
		}
		t.Skipf("capture not available: %v", err)
	}
	return path
}

func needTshark(t *testing.T) {
	t.Helper()
	testenv.Tool(t, "tshark", "this check compares with tshark")
}

// tsharkFields runs tshark with a display filter and returns every value
// of each field, split where tshark joins several messages of one frame.
func tsharkFields(t *testing.T, file string, opts []string, filter string, fields ...string) [][]string {
	t.Helper()
	args := []string{"-n", "-r", file}
	args = append(args, opts...)
	args = append(args, "-Y", filter, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=|")
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	out, err := exec.CommandContext(context.Background(), "tshark", args...).Output()
	if err != nil {
		t.Fatalf("tshark %v: %v", args, err)
	}
	var rows [][]string
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if line != "" {
			rows = append(rows, strings.Split(line, "\t"))
		}
	}
	return rows
}

// tsharkSIP counts SIP messages by method or status as tshark sees them.
func tsharkSIP(t *testing.T, file string, opts []string) map[string]int {
	got := map[string]int{}
	for _, r := range tsharkFields(t, file, opts, "sip", "sip.Method", "sip.Status-Code") {
		for i, col := range r {
			if col == "" {
				continue
			}
			for _, v := range strings.Split(col, "|") {
				if i == 1 {
					v = "status " + v
				}
				got[v]++
			}
		}
	}
	return got
}

// tsharkISUP lists ISUP message types in capture order.
func tsharkISUP(t *testing.T, file string, opts []string) []string {
	var types []string
	for _, r := range tsharkFields(t, file, opts, "isup", "isup.message_type") {
		for _, v := range strings.Split(r[0], "|") {
			var n int
			fmt.Sscan(v, &n)
			types = append(types, fmt.Sprintf("%d", n))
		}
	}
	return types
}

type ours struct {
	sip  map[string]int
	isup []string
	rep  *capture.Report
}

func analyze(t *testing.T, files ...string) ours {
	t.Helper()
	o := ours{sip: map[string]int{}}
	rep, err := capture.Run(context.Background(), capture.Options{
		Files: files,
		Visit: func(_, _ uint32, d *record.Decoded) {
			switch d.Proto {
			case record.SIP:
				if d.Method != record.MethodNone {
					o.sip[d.Method.String()]++
				} else {
					o.sip[fmt.Sprintf("status %d", d.Status)]++
				}
			case record.ISUP:
				o.isup = append(o.isup, fmt.Sprintf("%d", d.ISUPType))
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rep.Close() })
	o.rep = rep
	return o
}

func sortedKeys(m map[string]int) []string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return k
}

// TestSharedCapturesAgainstTshark: every capture in ../shared/captures
// gives the same SIP message count (by method and status) and the same
// ISUP message types as tshark, with the preferences INDEX.md lists.
// We need no preference ourselves: SIP is found by content on any port,
// and the draft M3UA layout is recognised by itself.
func TestSharedCapturesAgainstTshark(t *testing.T) {
	needTshark(t)
	cases := []struct {
		file string
		opts []string // tshark only
		// sctpDup lists ISUP frames that are byte-identical copies of the
		// frame before (same TSN): SCTP delivers their message once and so
		// do we; tshark shows every copy.
		sctpDup []int
	}{
		{file: "tcpdump_isup.pcap", opts: []string{"-o", "m3ua.version:Internet Draft version 6"}},
		{file: "arkime_m3ua_synthetic.pcap", sctpDup: []int{32}},
		{file: "heplify_sip_sctp.pcap"},
		{file: "sngrep_aaa.pcap"},
		{file: "sngrep_ipip.pcap"},
		{file: "sngrep_ipv6frag.pcap"},
		{file: "heplify_sip_ipv4_tcp.pcap"},
		{file: "heplify_sip_ipv4_tcp_fragmented.pcap", opts: []string{"-d", "tcp.port==6060,sip"}},
		{file: "heplify_sip_ipv4_tcp_retrans.pcap"},
		{file: "heplify_sip_ipv6_udp.pcap"},
		{file: "heplify_sip_tcp_websocket.pcap"},
		{file: "heplify_erspan_sip_ipv4_udp.pcapng"},
		{file: "ndpi_FAX-Call-t38-CA-TDM-SIP-FB-1.pcap"},
		{file: "ndpi_sip_hello.pcapng"},
		{file: "ndpi_http_on_sip_port.pcap"},
		{file: "suricata_sip-body-frames.pcap"},
		{file: "suricata_sip-body-large.pcap"},
		{file: "suricata_sip-compact-form.pcap"},
		{file: "suricata_sip-header-multi-value.pcap"},
		{file: "zeek_sip_invalid-content-length.pcap"},
		{file: "zeek_sip_sip-junk-before-request.pcap"},
		{file: "zeek_sip_sip-long-request-response-paths.pcap"},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			path := needCapture(t, tc.file)
			want := tsharkSIP(t, path, tc.opts)
			wantISUP := tsharkISUP(t, path, tc.opts)
			got := analyze(t, path)
			if fmt.Sprint(got.sip) != fmt.Sprint(want) {
				t.Errorf("SIP messages:\n ours   %v\n tshark %v", got.sip, want)
			}
			if len(tc.sctpDup) > 0 {
				wantISUP = dropFrames(t, path, tc.opts, wantISUP, tc.sctpDup)
				if n := got.rep.Counters["SCTP DATA retransmissions"]; n != uint64(len(tc.sctpDup)) {
					t.Errorf("SCTP DATA retransmissions = %d, want %d", n, len(tc.sctpDup))
				}
			}
			if strings.Join(got.isup, ",") != strings.Join(wantISUP, ",") {
				t.Errorf("ISUP types: ours %v, tshark %v", got.isup, wantISUP)
			}
			for _, p := range got.rep.Problems {
				t.Logf("problem: %v", p)
			}
		})
	}
}

// dropFrames removes from tshark's ISUP list the messages of the given
// frames, after checking each is a byte-identical copy of its predecessor.
func dropFrames(t *testing.T, path string, opts []string, types []string, frames []int) []string {
	t.Helper()
	rows := tsharkFields(t, path, opts, "isup", "frame.number")
	drop := map[int]bool{}
	for _, f := range frames {
		hex := tsharkFields(t, path, nil, fmt.Sprintf("frame.number==%d || frame.number==%d", f-1, f), "frame.protocols", "ip.id", "sctp.data_tsn_raw", "sctp.checksum")
		if len(hex) != 2 || fmt.Sprint(hex[0]) != fmt.Sprint(hex[1]) {
			t.Fatalf("frame %d is not a copy of frame %d: %v", f, f-1, hex)
		}
		drop[f] = true
	}
	var out []string
	for i, r := range rows {
		var n int
		fmt.Sscan(r[0], &n)
		if !drop[n] {
			out = append(out, types[i])
		}
	}
	return out
}
