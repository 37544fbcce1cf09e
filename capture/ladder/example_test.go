package ladder_test

import (
	"net/netip"
	"os"
	"time"

	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/ladder"
	"github.com/sipgw/sipgw/capture/record"
)

func Example() {
	t0 := time.Date(2024, 5, 17, 9, 30, 0, 0, time.UTC).UnixNano()
	ms := int64(time.Millisecond)
	a := &calls.Analysis{
		Endpoints: []record.Endpoint{
			{Addr: netip.MustParseAddrPort("10.0.0.1:5060")},
			{Addr: netip.MustParseAddrPort("10.0.0.2:5060")},
		},
		Messages: []record.Message{
			{Time: t0, Src: 0, Dst: 1, Proto: record.SIP, Method: record.INVITE, Cause: record.NoCause},
			{Time: t0 + 40*ms, Src: 1, Dst: 0, Proto: record.SIP, Status: 486, Cause: 17},
			{Time: t0 + 45*ms, Src: 0, Dst: 1, Proto: record.SIP, Method: record.ACK, Cause: record.NoCause},
		},
	}
	c := &calls.Call{ID: 1, Group: 1, Kind: record.SIP, CallID: "b7a1@10.0.0.1", Messages: []uint32{0, 1, 2}}
	a.Calls = []*calls.Call{c}

	l := ladder.Build(a, a.GroupOf(c))
	l.Write(os.Stdout, ladder.Options{Width: 64, ASCII: true})
	l.Write(os.Stdout, ladder.Options{Format: ladder.Mermaid})
	// Output:
	// SIP leg 1 (call 1) Call-ID b7a1@10.0.0.1
	//                10.0.0.1:5060                       10.0.0.2:5060
	// 09:30:00.000 +0.000  |--------------INVITE-------------->|
	// 09:30:00.040 +0.040  |<------486 Busy Here cause=17------|
	// 09:30:00.045 +0.005  |---------------ACK---------------->|
	// sequenceDiagram
	//     participant P1 as 10.0.0.1:5060
	//     participant P2 as 10.0.0.2:5060
	//     Note over P1,P2: SIP leg 1 (call 1) Call-ID b7a1@10.0.0.1
	//     P1->>P2: INVITE
	//     P2-->>P1: 486 Busy Here cause=17
	//     P1->>P2: ACK
}
