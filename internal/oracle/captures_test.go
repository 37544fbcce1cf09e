package oracle

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/sipgw/sipgw/isup"
)

// sharedCaptures is where the third-party captures live; tests read them
// there and never copy them into the repository.
const sharedCaptures = "../../../shared/captures"

// TestRealCapturesAgainstTshark decodes every ISUP message that tshark finds
// in the third-party captures with our codec, checks that it re-encodes
// byte for byte, and compares every field with tshark's decode.
func TestRealCapturesAgainstTshark(t *testing.T) {
	requireTshark(t)
	cases := []struct {
		file  string
		prefs []string
		types []isup.MessageType
		cics  []uint16
		sum   []isup.Summary // checked where non-zero
		// messages whose layout is not canonical (octets after the end)
		nonCanonical int
	}{
		{"tcpdump_isup.pcap", []string{"m3ua.version:Internet Draft version 6"},
			[]isup.MessageType{isup.IAM, isup.CFN, isup.ACM, isup.ANM, isup.REL, isup.RLC},
			[]uint16{213, 213, 213, 213, 213, 213},
			[]isup.Summary{4: {Cause: 16}}, 0},
		{"arkime_m3ua_synthetic.pcap", nil,
			[]isup.MessageType{isup.ACM, isup.ACM, isup.ACM, 0},
			[]uint16{1, 1, 1, 256}, nil, 3},
		{"heplify_sip_sctp.pcap", nil,
			[]isup.MessageType{isup.IAM}, nil,
			[]isup.Summary{{Called: "9275890000F", Calling: "9171969136"}}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join(sharedCaptures, tc.file)
			if _, err := os.Stat(path); err != nil {
				if os.Getenv("CI") == "true" {
					t.Fatalf("capture missing in CI: %v", err)
				}
				t.Skipf("capture not available: %v", err)
			}
			ctx := context.Background()
			pkts, err := Tshark(ctx, path, tc.prefs...)
			if err != nil {
				t.Fatal(err)
			}
			raws := isupRaw(t, ctx, path, tc.prefs)
			if len(raws) != len(tc.types) {
				t.Fatalf("tshark found %d ISUP messages, want %d", len(raws), len(tc.types))
			}
			i := 0
			compared, nonCanonical := 0, 0
			for _, p := range pkts {
				if !hasProto(p, "isup") {
					continue
				}
				noCIC := hasProto(p, "sip")
				var m isup.Message
				if noCIC {
					err = m.DecodeBody(raws[i], isup.ITU)
				} else {
					err = m.Decode(raws[i], isup.ITU)
				}
				if err != nil {
					t.Fatalf("message %d: %v (octets %x)", i, err, raws[i])
				}
				if m.Type != tc.types[i] {
					t.Errorf("message %d: type %v, want %v", i, m.Type, tc.types[i])
				}
				if tc.cics != nil && m.CIC != tc.cics[i] {
					t.Errorf("message %d: CIC %d, want %d", i, m.CIC, tc.cics[i])
				}
				var out []byte
				if noCIC {
					out, err = m.AppendBody(nil)
				} else {
					out, err = m.Append(nil)
				}
				if m.NonCanonical {
					// Not a valid Q.763 layout (e.g. octets after the end):
					// Append writes the canonical form instead.
					t.Logf("message %d: non-canonical layout %x, re-encoded as %x", i, raws[i], out)
					nonCanonical++
				} else if err != nil || !bytes.Equal(out, raws[i]) {
					t.Errorf("message %d: re-encoding differs (err %v)\n got %x\nwant %x", i, err, out, raws[i])
				}
				if i < len(tc.sum) {
					want, got := tc.sum[i], m.Summarize()
					if want.Called != "" && got.Called != want.Called {
						t.Errorf("message %d: called %q, want %q", i, got.Called, want.Called)
					}
					if want.Calling != "" && got.Calling != want.Calling {
						t.Errorf("message %d: calling %q, want %q", i, got.Calling, want.Calling)
					}
					if want.Cause != 0 && got.Cause != want.Cause {
						t.Errorf("message %d: cause %d, want %d", i, got.Cause, want.Cause)
					}
				}
				label := tc.file + " " + m.Type.String()
				compared += checkISUP(t, label, p, &sent{msg: &m, wire: raws[i], noCIC: noCIC})
				i++
			}
			if i != len(tc.types) {
				t.Errorf("matched %d ISUP messages to tshark's packets, want %d", i, len(tc.types))
			}
			if nonCanonical != tc.nonCanonical {
				t.Errorf("%d messages with a non-canonical layout, want %d", nonCanonical, tc.nonCanonical)
			}
			t.Logf("%s: %d ISUP messages, %d fields compared with tshark", tc.file, i, compared)
		})
	}
}

// isupRaw returns the octets of every ISUP layer tshark finds, in order.
func isupRaw(t *testing.T, ctx context.Context, path string, prefs []string) [][]byte {
	t.Helper()
	var args []string
	for _, pref := range prefs {
		args = append(args, "-o", pref)
	}
	args = append(args, "-r", path, "-T", "json", "-x")
	out, err := exec.CommandContext(ctx, "tshark", args...).Output()
	if err != nil {
		t.Fatalf("tshark -T json -x: %v", err)
	}
	var doc any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("tshark JSON: %v", err)
	}
	var raws [][]byte
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			if r, ok := x["isup_raw"].([]any); ok && len(r) > 0 {
				if s, ok := r[0].(string); ok {
					b, err := hex.DecodeString(s)
					if err != nil {
						t.Fatalf("isup_raw %q: %v", s, err)
					}
					raws = append(raws, b)
				}
			}
			// Walk in a stable order: only "_source"/"layers" nesting matters
			// and tshark emits one isup layer per object.
			for _, k := range []string{"_source", "layers"} {
				if c, ok := x[k]; ok {
					walk(c)
				}
			}
			for k, c := range x {
				if k == "_source" || k == "layers" || k == "isup_raw" {
					continue
				}
				if _, ok := c.(map[string]any); ok {
					walk(c)
				}
			}
		}
	}
	walk(doc)
	return raws
}

func hasProto(p *Packet, name string) bool {
	found := false
	for _, pr := range p.Protos {
		pr.Walk(func(n *Node) {
			if n.Name == name {
				found = true
			}
		})
	}
	return found
}
