package ss7dec

import (
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// sharedCaptures holds the third-party captures; tests read them in place
// and never copy them into the repository.
const sharedCaptures = "../../../shared/captures"

func capturePath(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(sharedCaptures, name)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("capture missing in CI: %v", err)
		}
		t.Skipf("capture %s not available: %v", name, err)
	}
	return p
}

// userMsg is one SCTP user message: a DATA chunk's payload, or the
// payloads of a fragmented message joined (the tests' stand-in for the
// SCTP reassembly netdec does).
type userMsg struct {
	frame int // 1-based frame that completed it
	ppid  uint32
	port  uint16 // destination port
	data  []byte
}

func sctpMessages(t *testing.T, path string) []userMsg {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []userMsg
	partial := map[uint16][]byte{} // by stream
	for frame := 1; ; frame++ {
		data, _, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("frame %d: %v", frame, err)
		}
		p := gopacket.NewPacket(data, r.LinkType(), gopacket.Default)
		var port uint16
		if s, ok := p.Layer(layers.LayerTypeSCTP).(*layers.SCTP); ok {
			port = uint16(s.DstPort)
		}
		for _, l := range p.Layers() {
			c, ok := l.(*layers.SCTPData)
			if !ok {
				continue
			}
			buf := append(partial[c.StreamId], c.Payload...)
			if !c.EndFragment {
				partial[c.StreamId] = buf
				continue
			}
			delete(partial, c.StreamId)
			out = append(out, userMsg{frame: frame, ppid: uint32(c.PayloadProtocol), port: port, data: buf})
		}
	}
}

// TestCaptureTcpdumpISUP: a call over pre-RFC (draft 6) M3UA. The DATA
// messages carry the raw MTP3 MSU under tag 0x0002; tshark needs a
// preference for it, the decoder recognises it alone.
func TestCaptureTcpdumpISUP(t *testing.T) {
	msgs := sctpMessages(t, capturePath(t, "tcpdump_isup.pcap"))
	want := []isup.MessageType{isup.IAM, isup.CFN, isup.ACM, isup.ANM, isup.REL, isup.RLC}
	if len(msgs) != len(want) {
		t.Fatalf("%d SCTP user messages, want %d", len(msgs), len(want))
	}
	a, b := mtp3.ITUPC(11522), mtp3.ITUPC(12163)
	for i, u := range msgs {
		var m M3UA
		if err := DecodeM3UA(u.data, Options{}, &m); err != nil {
			t.Fatalf("frame %d: %v", u.frame, err)
		}
		if u.ppid != 3 || m.Name != "DATA" || !m.Draft || !m.HasMSU {
			t.Fatalf("frame %d: PPID %d %s draft %v hasMSU %v", u.frame, u.ppid, m.Name, m.Draft, m.HasMSU)
		}
		s := m.MSU
		if s.SI != mtp3.SIISUP || s.NI != mtp3.NINationalSpare || s.Variant() != isup.ITU {
			t.Errorf("frame %d: SI %v NI %v variant %v", u.frame, s.SI, s.NI, s.Variant())
		}
		// The IAM goes 11522 → 12163 (tshark: "OPC: 11522, DPC: 12163, SLS 5").
		if !(s.OPC == a && s.DPC == b) && !(s.OPC == b && s.DPC == a) {
			t.Errorf("frame %d: OPC %v DPC %v", u.frame, s.OPC.Decimal(), s.DPC.Decimal())
		}
		if i == 0 && (s.OPC != a || s.SLS != 5) {
			t.Errorf("IAM: OPC %v SLS %d, want 11522 and 5", s.OPC.Decimal(), s.SLS)
		}
		var im isup.Message
		if err := im.Decode(s.Data, s.Variant()); err != nil {
			t.Fatalf("frame %d: ISUP: %v", u.frame, err)
		}
		if im.Type != want[i] || im.CIC != 213 {
			t.Errorf("frame %d: %v CIC %d, want %v CIC 213", u.frame, im.Type, im.CIC, want[i])
		}
		if want[i] == isup.REL {
			if c := im.Summarize().Cause; c != 16 {
				t.Errorf("REL cause %d, want 16", c)
			}
		}
	}
}

// TestCaptureArkimeM3UA: RFC 4666 DATA with ISUP, TUP and SCCP, one DATA
// in the draft layout, ASPUP/ASPUP_ACK, a DATA fragmented over two SCTP
// chunks, and M2UA messages (PPID 2) that must be told apart from M3UA.
func TestCaptureArkimeM3UA(t *testing.T) {
	msgs := sctpMessages(t, capturePath(t, "arkime_m3ua_synthetic.pcap"))
	type key struct {
		si       mtp3.ServiceIndicator
		opc, dpc uint32
		draft    bool
	}
	counts := map[key]int{}
	names := map[string]int{}
	m2ua := 0
	var isupMsgs []isup.Message
	for _, u := range msgs {
		var m M3UA
		err := DecodeM3UA(u.data, Options{}, &m)
		if u.ppid == 2 {
			// M2UA (RFC 3331) shares the common header; its MAUP class 6
			// is not M3UA's.
			var e *Error
			if !errors.Is(err, ErrOtherProtocol) || !errors.As(err, &e) || e.Offset != 2 || m.Class != M3UAMAUP || m.HasMSU {
				t.Errorf("frame %d (M2UA): class %v err %v", u.frame, m.Class, err)
			}
			m2ua++
			continue
		}
		if u.ppid != 3 || u.port < 2905 || u.port > 2907 {
			t.Errorf("frame %d: PPID %d port %d", u.frame, u.ppid, u.port)
		}
		if err != nil {
			t.Fatalf("frame %d: %v", u.frame, err)
		}
		names[m.Name]++
		if !m.HasMSU {
			continue
		}
		s := m.MSU
		counts[key{s.SI, s.OPC.Uint32(), s.DPC.Uint32(), m.Draft}]++
		if s.SI == mtp3.SIISUP {
			var im isup.Message
			// The reserved type 0 is kept raw by the isup package; the
			// CIC is read all the same.
			if err := im.Decode(s.Data, isup.ITU); err != nil && s.Data[2] != 0 {
				t.Fatalf("frame %d: ISUP: %v", u.frame, err)
			}
			if s.Data[2] == 0 {
				im.Type, im.CIC = 0, binary.LittleEndian.Uint16(s.Data)&0x0fff
			}
			isupMsgs = append(isupMsgs, im)
		}
	}
	wantCounts := map[key]int{
		{mtp3.SIISUP, 200, 400, false}: 3, // ACM ×3
		{mtp3.SIISUP, 600, 500, false}: 1, // reserved type 0
		{mtp3.SITUP, 300, 600, false}:  3,
		{mtp3.SISCCP, 600, 500, false}: 11, // one of them reassembled from two chunks
		{mtp3.SISCCP, 400, 20, true}:   1,  // draft layout, NI 2
	}
	for k, n := range wantCounts {
		if counts[k] != n {
			t.Errorf("%+v: %d messages, want %d", k, counts[k], n)
		}
	}
	if len(counts) != len(wantCounts) {
		t.Errorf("MSU kinds %v, want %v", counts, wantCounts)
	}
	if names["DATA"] != 19 || names["ASPUP"] != 1 || names["ASPUP_ACK"] != 1 || len(names) != 3 {
		t.Errorf("message names %v", names)
	}
	if m2ua != 4 {
		t.Errorf("%d M2UA messages, want 4", m2ua)
	}
	wantISUP := []struct {
		t   isup.MessageType
		cic uint16
	}{{isup.ACM, 1}, {isup.ACM, 1}, {isup.ACM, 1}, {0, 256}}
	if len(isupMsgs) != len(wantISUP) {
		t.Fatalf("%d ISUP messages, want %d", len(isupMsgs), len(wantISUP))
	}
	for i, w := range wantISUP {
		if isupMsgs[i].Type != w.t || isupMsgs[i].CIC != w.cic {
			t.Errorf("ISUP %d: %v CIC %d, want %v CIC %d", i, isupMsgs[i].Type, isupMsgs[i].CIC, w.t, w.cic)
		}
	}
}
