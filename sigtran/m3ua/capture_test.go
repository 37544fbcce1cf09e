package m3ua

import (
	"os"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Third-party captures: read at test time from the shared folder, never
// copied into the repository (their licences differ).
const (
	arkimeCapture  = "/work/shared/captures/arkime_m3ua_synthetic.pcap"
	tcpdumpCapture = "/work/shared/captures/tcpdump_isup.pcap"
)

// captured is one M3UA message from a capture.
type captured struct {
	frame  int
	stream uint16
	msg    []byte
}

// captureMessages returns the payloads of the SCTP DATA chunks with PPID 3
// in a pcap file. A missing file fails in CI and skips elsewhere.
func captureMessages(t testing.TB, path string) []captured {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("capture needed in CI: %v", err)
		}
		t.Skipf("capture not available: %v", err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []captured
	for frame := 1; ; frame++ {
		data, _, err := r.ReadPacketData()
		if err != nil {
			break
		}
		p := gopacket.NewPacket(data, r.LinkType(), gopacket.Default)
		for _, l := range p.Layers() {
			if c, ok := l.(*layers.SCTPData); ok && c.PayloadProtocol == 3 && c.BeginFragment && c.EndFragment {
				out = append(out, captured{frame: frame, stream: c.StreamId, msg: append([]byte(nil), c.Payload...)})
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: no M3UA found", path)
	}
	return out
}
