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
	if _, err := exec.LookPath("tshark"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tshark is required in CI (make deps installs it)")
		}
		t.Skip("tshark not installed (make deps installs it)")
	}
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
	}{
		{"tcpdump_isup.pcap", []string{"-o", "m3ua.version:Internet Draft version 6"}},
		{"arkime_m3ua_synthetic.pcap", nil},
		{"heplify_sip_sctp.pcap", nil},
		{"sngrep_aaa.pcap", nil},
		{"sngrep_ipip.pcap", nil},
		{"sngrep_ipv6frag.pcap", nil},
		{"heplify_sip_ipv4_tcp.pcap", nil},
		{"heplify_sip_ipv4_tcp_fragmented.pcap", []string{"-d", "tcp.port==6060,sip"}},
		{"heplify_sip_ipv4_tcp_retrans.pcap", nil},
		{"heplify_sip_ipv6_udp.pcap", nil},
		{"heplify_sip_tcp_websocket.pcap", nil},
		{"heplify_erspan_sip_ipv4_udp.pcapng", nil},
		{"ndpi_FAX-Call-t38-CA-TDM-SIP-FB-1.pcap", nil},
		{"ndpi_sip_hello.pcapng", nil},
		{"ndpi_http_on_sip_port.pcap", nil},
		{"suricata_sip-body-frames.pcap", nil},
		{"suricata_sip-body-large.pcap", nil},
		{"suricata_sip-compact-form.pcap", nil},
		{"suricata_sip-header-multi-value.pcap", nil},
		{"zeek_sip_invalid-content-length.pcap", nil},
		{"zeek_sip_sip-junk-before-request.pcap", nil},
		{"zeek_sip_sip-long-request-response-paths.pcap", nil},
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
			if strings.Join(got.isup, ",") != strings.Join(wantISUP, ",") {
				t.Errorf("ISUP types: ours %v, tshark %v", got.isup, wantISUP)
			}
			for _, p := range got.rep.Problems {
				t.Logf("problem: %v", p)
			}
		})
	}
}
