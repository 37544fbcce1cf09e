package netdec

import (
	"testing"

	"github.com/sipgw/sipgw/capture/pcapgen"
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
