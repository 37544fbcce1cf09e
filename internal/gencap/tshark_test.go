package gencap

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// These tests check generated captures with tshark, a decoder the project
// did not write. Without tshark they fail under CI=true and skip otherwise.

func requireTshark(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tshark is not installed (scripts/deps.sh installs it) and CI=true")
		}
		t.Skip("tshark is not installed; scripts/deps.sh installs it")
	}
}

// writeCapture generates c into a temporary file.
func writeCapture(t *testing.T, c Config) (string, Stats) {
	t.Helper()
	capture, st := generate(t, c)
	path := filepath.Join(t.TempDir(), c.Kind.String()+".pcap")
	if err := os.WriteFile(path, capture, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, st
}

func tshark(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("tshark", append([]string{"-n"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// fields runs tshark -T fields and returns the rows.
func fields(t *testing.T, path, filter string, names ...string) [][]string {
	t.Helper()
	args := []string{"-r", path, "-Y", filter, "-T", "fields", "-E", "separator=|", "-E", "occurrence=f"}
	for _, n := range names {
		args = append(args, "-e", n)
	}
	var rows [][]string
	for _, l := range strings.Split(strings.TrimRight(tshark(t, args...), "\n"), "\n") {
		if l != "" {
			rows = append(rows, strings.Split(l, "|"))
		}
	}
	return rows
}

func noErrors(t *testing.T, path string) {
	t.Helper()
	if bad := fields(t, path, "_ws.malformed || _ws.expert.severity==error", "frame.number", "_ws.col.Info"); len(bad) > 0 {
		t.Errorf("tshark reports malformed frames or errors: %v", bad[:min(len(bad), 5)])
	}
}

// sipCounts counts SIP messages by method or "status CSeq-method".
func sipCounts(t *testing.T, path string) map[string]int {
	t.Helper()
	got := map[string]int{}
	for _, r := range fields(t, path, "sip", "sip.Method", "sip.Status-Code", "sip.CSeq.method") {
		if r[0] != "" {
			got[r[0]]++
		} else {
			got[r[1]+" "+r[2]]++
		}
	}
	return got
}

// wantSIPCounts maps the generator's message counts to what tshark shows.
func wantSIPCounts(st Stats) map[string]int {
	w := map[string]int{
		"INVITE": st.Msgs[MsgINVITE], "ACK": st.Msgs[MsgACK] + st.Msgs[MsgACKFailure], "BYE": st.Msgs[MsgBYE],
		"CANCEL": st.Msgs[MsgCANCEL], "100 INVITE": st.Msgs[Msg100], "180 INVITE": st.Msgs[Msg180],
		"200 INVITE": st.Msgs[Msg200Invite], "200 BYE": st.Msgs[Msg200Bye], "200 CANCEL": st.Msgs[Msg200Cancel],
		"486 INVITE": st.Msgs[Msg486], "404 INVITE": st.Msgs[Msg404], "487 INVITE": st.Msgs[Msg487],
	}
	for k, v := range w {
		if v == 0 {
			delete(w, k)
		}
	}
	return w
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestTsharkSIP(t *testing.T) {
	requireTshark(t)
	path, _ := writeCapture(t, DefaultConfig(SIP, 20))
	want := map[string]int{"INVITE": 20, "ACK": 20, "BYE": 20, "100 INVITE": 20, "180 INVITE": 20, "200 INVITE": 20, "200 BYE": 20}
	if got := sipCounts(t, path); !equalCounts(got, want) {
		t.Errorf("tshark counts %v, want %v", got, want)
	}
	ids := map[string]bool{}
	for _, r := range fields(t, path, "sip.Method==INVITE", "sip.Call-ID", "sdp.media.port", "sip.r-uri.user", "sip.to.user") {
		ids[r[0]] = true
		if r[1] == "" || r[2] == "" || r[2] != r[3] {
			t.Errorf("INVITE %s: RTP port %q, R-URI user %q, To user %q", r[0], r[1], r[2], r[3])
		}
	}
	if len(ids) != 20 {
		t.Errorf("%d distinct Call-IDs in 20 INVITEs", len(ids))
	}
	noErrors(t, path)
	// The statistics the benchmark asks tshark for: every message counted,
	// none taken for a retransmission.
	stat := tshark(t, "-q", "-r", path, "-z", "sip,stat")
	for _, re := range []string{`Number of SIP messages: 140\b`, `Number of resent SIP messages: 0\b`, `INVITE\s+:\s+20 Packets`, `SIP 200 OK\s+:\s+40 Packets`} {
		if !regexp.MustCompile(re).MatchString(stat) {
			t.Errorf("sip,stat lacks %q:\n%s", re, stat)
		}
	}
}

func TestTsharkSIPMix(t *testing.T) {
	requireTshark(t)
	cfg := DefaultConfig(SIP, 300)
	cfg.Mix = true
	path, st := writeCapture(t, cfg)
	for o := range NumOutcomes {
		if st.Outcomes[o] == 0 {
			t.Fatalf("no %v call", o)
		}
	}
	if got, want := sipCounts(t, path), wantSIPCounts(st); !equalCounts(got, want) {
		t.Errorf("tshark counts %v, want %v", got, want)
	}
	noErrors(t, path)
}

func TestTsharkSIPI(t *testing.T) {
	requireTshark(t)
	path, st := writeCapture(t, DefaultConfig(SIPI, 20))
	if got, want := sipCounts(t, path), wantSIPCounts(st); !equalCounts(got, want) || want["INVITE"] != 20 {
		t.Errorf("tshark SIP counts %v, want %v", got, want)
	}
	// ISUP carried in SIP-I bodies, with the SIP numbers.
	isupType := map[string]string{"INVITE": "1", "180 INVITE": "6", "200 INVITE": "9", "BYE": "12", "200 BYE": "16"}
	called := map[string]bool{}
	n := 0
	for _, r := range fields(t, path, "sip && isup", "sip.Method", "sip.Status-Code", "sip.CSeq.method", "isup.message_type",
		"sip.r-uri.user", "sip.from.user", "isup.called", "isup.calling", "isup.cause_indicator", "sip.Content-Type") {
		n++
		key := r[0]
		if key == "" {
			key = r[1] + " " + r[2]
		}
		if isupType[key] != r[3] {
			t.Errorf("%s carries ISUP type %s", key, r[3])
		}
		switch r[3] {
		case "1":
			if r[4] != r[6] || r[5] != r[7] || len(r[6]) != 9 {
				t.Errorf("INVITE to %s from %s carries IAM to %s from %s", r[4], r[5], r[6], r[7])
			}
			if !strings.HasPrefix(r[9], "multipart/mixed") {
				t.Errorf("INVITE Content-Type %q", r[9])
			}
			called[r[6]] = true
		case "12":
			if r[8] != "16" {
				t.Errorf("SIP-I REL cause %q, want 16", r[8])
			}
		}
	}
	if n != 5*20 {
		t.Errorf("%d SIP messages carry ISUP, want 100", n)
	}
	// The ISUP leg over M3UA (RFC 4666, tshark's default).
	types := map[string]int{}
	cics := map[string]bool{}
	for _, r := range fields(t, path, "m3ua && isup", "isup.message_type", "isup.cic", "m3ua.protocol_data_opc", "m3ua.protocol_data_dpc",
		"m3ua.protocol_data_si", "isup.called", "isup.cause_indicator", "sctp.data_payload_proto_id") {
		types[r[0]]++
		cics[r[1]] = true
		fromGW := r[0] == "1" || r[0] == "12"
		if fromGW && (r[2] != "2067" || r[3] != "4129") || !fromGW && (r[2] != "4129" || r[3] != "2067") || r[4] != "5" || r[7] != "3" {
			t.Errorf("ISUP type %s on CIC %s: OPC %s DPC %s SI %s PPID %s", r[0], r[1], r[2], r[3], r[4], r[7])
		}
		if r[0] == "1" && !called[r[5]] {
			t.Errorf("M3UA IAM on CIC %s to %s: no SIP-I INVITE to that number", r[1], r[5])
		}
		if r[0] == "12" && r[6] != "16" {
			t.Errorf("M3UA REL cause %q, want 16", r[6])
		}
	}
	if want := map[string]int{"1": 20, "6": 20, "9": 20, "12": 20, "16": 20}; !equalCounts(types, want) || len(cics) != 20 {
		t.Errorf("M3UA ISUP types %v on %d CICs, want %v on 20", types, len(cics), want)
	}
	noErrors(t, path)
}
