package pcapfile

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipgw/sipgw/internal/testenv"
)

// TestWriterTshark checks the files the Writer makes with tshark: every
// frame, its interface (one per link type), its time to the nanosecond, its
// captured and original lengths.
func TestWriterTshark(t *testing.T) {
	testenv.Tool(t, "tshark", "this check compares with tshark")
	for _, tc := range []struct {
		name  string
		types []uint16
	}{
		{"pcap", []uint16{LinkTypeEthernet}},
		{"pcapng", []uint16{LinkTypeEthernet, LinkTypeMTP2, LinkTypeMTP3, LinkTypeLinuxSLL2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := NewWriter(&buf, tc.types)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for i := range 23 {
				d := payload(i+1, 1+i*7) // odd lengths exercise the pcapng padding
				f := Frame{Data: d, Time: t0.UnixNano() + int64(i)*1_000_000_123, OrigLen: uint32(len(d) + i%3*50), LinkType: tc.types[i%len(tc.types)]}
				if err := w.WriteFrame(&f); err != nil {
					t.Fatal(err)
				}
				iface := "" // tshark shows no interface for classic pcap
				if len(tc.types) > 1 {
					iface = fmt.Sprint(i % len(tc.types))
				}
				want = append(want, fmt.Sprintf("%d\t%d.%09d\t%d\t%d\t%s", i+1, f.Time/1e9, f.Time%1e9, f.OrigLen, len(d), iface))
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "out")
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("tshark", "-n", "-r", path, "-T", "fields", "-e", "frame.number", "-e", "frame.time_epoch",
				"-e", "frame.len", "-e", "frame.cap_len", "-e", "frame.interface_id").Output()
			if err != nil {
				t.Fatalf("tshark: %v", err)
			}
			got := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("tshark reads\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}
