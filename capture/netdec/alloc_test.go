package netdec

import (
	"testing"

	"github.com/sipgw/sipgw/capture/pcapgen"
	"github.com/sipgw/sipgw/capture/record"
)

// TestDecodeAllocs checks that decoding allocates nothing per frame.
func TestDecodeAllocs(t *testing.T) {
	d := NewDecoder()
	for _, tc := range []struct {
		name string
		f    *pcapgen.Frame
	}{
		{"ethernet vlan ipv4 udp", pcapgen.NewUDP(a4, b4, sip600).Ethernet(pcapgen.Dot1Q(10))},
		{"sll ipv6 udp", pcapgen.NewUDP(a6, b6, sip600).SLL()},
		{"sll2 ipv6 tcp", pcapgen.NewTCP(a6, b6, 1, 2, TCPAck, sip600).SLL2()},
		{"gre erspan ii", pcapgen.NewUDP(a4, b4, sip600).Ethernet().ERSPAN2(t4a, t4b, pcapgen.ERSPAN{}).Ethernet()},
		{"gre erspan iii ipv6", pcapgen.NewUDP(a6, b6, sip600).Ethernet().ERSPAN3(t6a, t6b, pcapgen.ERSPAN{}).Ethernet()},
		{"ip in ip mpls", pcapgen.NewUDP(a4, b4, sip600).IPinIP(t4a, t4b).MPLS(1, 2).Ethernet()},
		{"sctp", pcapgen.NewSCTP(a4, b4, 1, pcapgen.DataChunk{TSN: 1, Payload: sip600}).Ethernet()},
	} {
		lt, frame := build(t, tc.f)
		var p Packet
		if n := testing.AllocsPerRun(100, func() {
			if err := d.Decode(lt, frame, &p); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("%s: %v allocations per frame", tc.name, n)
		}
	}
}

// TestSCTPPathAllocs: the whole per-packet SCTP path (decode, chunk walk
// with a closure, ParseData, the assembler's window check) allocates
// nothing.
func TestSCTPPathAllocs(t *testing.T) {
	lt, frame := build(t, pcapgen.NewSCTP(a4, b4, 9,
		pcapgen.RawChunk{Type: 3, Value: make([]byte, 12)},
		pcapgen.DataChunk{TSN: 1, Stream: 1, PPID: 3, Payload: sip600[:300]},
		pcapgen.DataChunk{TSN: 2, Stream: 1, SSN: 1, PPID: 3, Payload: sip600[300:]}).Ethernet())
	d := NewDecoder()
	a := NewSCTPAssembler()
	var p Packet
	var dc DataChunk
	tsn := uint32(0)
	delivered := 0
	n := testing.AllocsPerRun(500, func() {
		if err := d.Decode(lt, frame, &p); err != nil {
			t.Fatal(err)
		}
		err := SCTPChunks(p.Payload, func(c Chunk) bool {
			if ParseData(c, &dc) == nil {
				tsn++
				dc.TSN = tsn
				if _, _, ok, _ := a.Add(&p, &dc, 0, record.FrameRef{}); ok {
					delivered++
				}
			}
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Errorf("%v allocations per packet", n)
	}
	if delivered != 2*501 {
		t.Errorf("%d messages delivered", delivered)
	}
}

// TestCommonErrorsAllocs: the errors every frame of a stream may hit (an
// unsupported link type, a control chunk) allocate nothing.
func TestCommonErrorsAllocs(t *testing.T) {
	d := NewDecoder()
	var p Packet
	var dc DataChunk
	sack := Chunk{Type: 3, Data: make([]byte, 12)}
	if n := testing.AllocsPerRun(100, func() {
		if d.Decode(105, sip600, &p) == nil || ParseData(sack, &dc) == nil {
			t.Fatal("no error")
		}
	}); n != 0 {
		t.Errorf("%v allocations", n)
	}
}
