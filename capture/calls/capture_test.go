package calls

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// capturesDir holds the shared third-party captures (outside the
// repository; INDEX.md there says where each comes from).
const capturesDir = "../../../shared/captures"

// openCapture opens a shared capture, skipping the test when it is absent
// unless CI=true, where its absence is a failure.
func openCapture(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join(capturesDir, name))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("capture %s: %v", name, err)
		}
		t.Skipf("capture %s not available: %v", name, err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// m3uaDraft6MSUs decodes what this test needs of a capture the pipeline
// will handle in full: Ethernet/IP/SCTP DATA chunks carrying M3UA draft 6
// DATA, whose Protocol Data parameter (tag 2) is a raw MTP3 MSU.
func m3uaDraft6MSUs(t *testing.T, r io.Reader) []*record.Decoded {
	t.Helper()
	pr, err := pcapgo.NewReader(r)
	if err != nil {
		t.Fatal(err)
	}
	var out []*record.Decoded
	for frame := uint32(1); ; frame++ {
		data, ci, err := pr.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("frame %d: %v", frame, err)
		}
		pkt := gopacket.NewPacket(data, pr.LinkType(), gopacket.Default)
		for _, l := range pkt.Layers() {
			chunk, ok := l.(*layers.SCTPData)
			if !ok {
				continue
			}
			msu, ok := m3uaProtocolData(chunk.Payload)
			if !ok {
				continue
			}
			var m mtp3.MSU
			m.Label.Format = mtp3.ITU
			if err := m.Decode(msu); err != nil || m.SIO.SI() != mtp3.SIISUP {
				t.Fatalf("frame %d: MSU %x: %v", frame, msu, err)
			}
			im := new(isup.Message)
			if err := im.Decode(m.Data, isup.ITU); err != nil {
				t.Fatalf("frame %d: ISUP: %v", frame, err)
			}
			s := im.Summarize()
			d := &record.Decoded{
				Message: record.Message{
					Time: ci.Timestamp.UnixNano(), Ref: record.FrameRef{Frame: frame},
					CIC: uint32(im.CIC), Cause: int16(s.Cause), Proto: record.ISUP, Transport: record.M3UA, ISUPType: im.Type,
				},
				SrcEP:   record.Endpoint{PC: m.Label.OPC, NI: m.SIO.NI()},
				DstEP:   record.Endpoint{PC: m.Label.DPC, NI: m.SIO.NI()},
				Variant: isup.ITU, SLS: m.Label.SLS, ISUPMsg: im,
				Called: []byte(strings.TrimRight(s.Called, "F")), Calling: []byte(strings.TrimRight(s.Calling, "F")),
			}
			out = append(out, d)
		}
	}
}

func m3uaProtocolData(b []byte) ([]byte, bool) {
	// Common header: version 1, reserved, class 1 (transfer), type 1 (DATA), length.
	if len(b) < 8 || b[0] != 1 || b[2] != 1 || b[3] != 1 {
		return nil, false
	}
	n := int(binary.BigEndian.Uint32(b[4:]))
	if n > len(b) {
		return nil, false
	}
	for p := b[8:n]; len(p) >= 4; {
		tag, l := binary.BigEndian.Uint16(p), int(binary.BigEndian.Uint16(p[2:]))
		if l < 4 || l > len(p) {
			return nil, false
		}
		if tag == 2 {
			return bytes.Clone(p[4:l]), true
		}
		p = p[min(len(p), (l+3)&^3):]
	}
	return nil, false
}

// TestRealISUPCall correlates tcpdump's isup.pcap: one ITU call on CIC 213
// between 11522 and 12163 (IAM, CFN, ACM, ANM, REL cause 16, RLC), as
// tshark decodes it with the M3UA draft-6 preference.
func TestRealISUPCall(t *testing.T) {
	in := m3uaDraft6MSUs(t, openCapture(t, "tcpdump_isup.pcap"))
	var types []string
	c := New(Config{})
	for _, d := range in {
		types = append(types, d.ISUPType.String())
		c.Add(d)
	}
	if got := strings.Join(types, " "); got != "IAM CFN ACM ANM REL RLC" {
		t.Fatalf("decoded %q", got)
	}
	a := c.Finish()
	checkInvariants(t, a)
	if len(a.Calls) != 1 {
		t.Fatalf("%d calls", len(a.Calls))
	}
	call := a.Calls[0]
	if call.Kind != record.ISUP || call.CIC != 213 || call.OPC.Uint32() != 11522 || call.DPC.Uint32() != 12163 ||
		call.Called != "4891" || call.Calling != "3933399708" {
		t.Errorf("leg %+v", *call)
	}
	if call.Outcome != Answered || call.Cause != 16 || call.ReleasedBy != Caller || len(call.Messages) != 6 || call.Retrans != 0 {
		t.Errorf("outcome %v cause %d released by %v, %d messages, %d retransmissions",
			call.Outcome, call.Cause, call.ReleasedBy, len(call.Messages), call.Retrans)
	}
	ts := func(i int) int64 { return in[i].Time }
	if call.Setup != ts(0) || call.Ring != ts(2) || call.Answer != ts(3) || call.Release != ts(4) || call.End != ts(5) {
		t.Errorf("times: setup %d ring %d answer %d release %d end %d", call.Setup, call.Ring, call.Answer, call.Release, call.End)
	}
	if pdd, ok := call.PDD(); !ok || pdd <= 0 {
		t.Errorf("PDD %v %v", pdd, ok)
	}
	s := a.Stats
	if s.Calls != 1 || s.ASR != 1 || s.NER != 1 || s.ByISUPType["CFN"] != 1 || s.ByTransport["m3ua"] != 6 || s.ByCause[16] != 1 {
		t.Errorf("stats %+v", s)
	}
}
