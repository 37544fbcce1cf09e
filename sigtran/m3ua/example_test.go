package m3ua_test

import (
	"context"
	"fmt"
	"time"

	"github.com/sipgw/sipgw/sigtran/m3ua"
	"github.com/sipgw/sipgw/sigtran/mtp3"
	"github.com/sipgw/sipgw/sigtran/route"
	"github.com/sipgw/sipgw/sigtran/transport"
	"github.com/sipgw/sipgw/sigtran/transport/mem"
)

// A gateway ASP and a peer, here two stacks over the in-memory transport.
// Against osmo-stp the gateway's side is the same with a kernel SCTP
// dialer and Role m3ua.RoleASP.
func Example() {
	n := mem.NewNetwork()
	ln, _ := n.Listen("switch:2905", mem.Streams{Out: 17, MaxIn: 17})
	gwPC, swPC := mtp3.ITUPC(200), mtp3.ITUPC(400)
	got := make(chan string, 1)

	gw, err := m3ua.New(m3ua.Config{
		LocalPC: gwPC, NI: mtp3.NINational,
		ASs: []m3ua.ASConfig{{
			Name: "switch",
			Peer: m3ua.PeerConfig{Role: m3ua.RoleIPSP, Exchange: m3ua.SingleExchange, Initiator: true, RoutingContexts: []uint32{1}},
			Dial: []transport.Dialer{&mem.Dialer{Net: n, Local: "gw:1", Remote: "switch:2905", Streams: mem.Streams{Out: 17, MaxIn: 17}}},
		}},
		Routes: []route.Route{{DPC: swPC, Linkset: "switch"}},
	})
	if err != nil {
		panic(err)
	}
	sw, err := m3ua.New(m3ua.Config{
		LocalPC: swPC, NI: mtp3.NINational,
		ASs: []m3ua.ASConfig{{
			Name:   "gw",
			Peer:   m3ua.PeerConfig{Role: m3ua.RoleIPSP, Exchange: m3ua.SingleExchange, RoutingContexts: []uint32{1}},
			Listen: ln,
		}},
		Routes: []route.Route{{DPC: gwPC, Linkset: "gw"}},
		OnISUP: func(u *m3ua.UserData) {
			got <- fmt.Sprintf("ISUP from %v, SLS %d, stream %d: % x", u.OPC, u.SLS, u.Stream, u.Data)
		},
	})
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go gw.Run(ctx)
	go sw.Run(ctx)

	wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
	defer wcancel()
	if err := gw.WaitRoute(wctx, swPC); err != nil {
		panic(err)
	}
	// REL, cause 16, on CIC 21: SLS 5, so stream 1 + 5 mod 16.
	if err := gw.SendISUP(swPC, 21, []byte{21, 0, 0x0c, 0x02, 0x00, 0x02, 0x80, 0x90}); err != nil {
		panic(err)
	}
	fmt.Println(<-got)
	// Output: ISUP from 0-25-0, SLS 5, stream 6: 15 00 0c 02 00 02 80 90
}
