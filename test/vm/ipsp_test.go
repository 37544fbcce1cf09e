//go:build sctpkernel && linux

package vm

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sipgw/sipgw/sigtran/m3ua"
	"github.com/sipgw/sipgw/sigtran/mtp3"
	"github.com/sipgw/sipgw/sigtran/route"
	"github.com/sipgw/sipgw/sigtran/transport"
	"github.com/sipgw/sipgw/sigtran/transport/sctp"
)

// TestIPSPRate: DATA messages per second between two of our stacks over
// plain kernel SCTP, IPSP single exchange, no STP: SendISUP → encode →
// SCTP → decode → the ISUP callback, on emulated CPUs (a record, not a
// target; run.sh runs it outside the capture).
func TestIPSPRate(t *testing.T) {
	require(t)
	l, err := sctp.Listen(ep(t, fmt.Sprintf("127.0.0.1:%d", PortIPSPServer)), sctp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 5000
	var delivered atomic.Int64
	all := make(chan struct{})
	srv, err := m3ua.New(m3ua.Config{
		LocalPC: mtp3.ITUPC(PCASP2), NI: NI,
		ASs: []m3ua.ASConfig{{Name: "peer", Listen: l,
			Peer: m3ua.PeerConfig{Role: m3ua.RoleIPSP, Exchange: m3ua.SingleExchange, RoutingContexts: []uint32{RC1}}}},
		Routes: []route.Route{{DPC: mtp3.ITUPC(PCASP1), Linkset: "peer"}},
		OnISUP: func(*m3ua.UserData) {
			if delivered.Add(1) == n {
				close(all)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	cli, err := m3ua.New(m3ua.Config{
		LocalPC: mtp3.ITUPC(PCASP1), NI: NI,
		ASs: []m3ua.ASConfig{{Name: "peer",
			Peer: m3ua.PeerConfig{Role: m3ua.RoleIPSP, Exchange: m3ua.SingleExchange, Initiator: true, RoutingContexts: []uint32{RC1}},
			Dial: []transport.Dialer{&sctp.Dialer{
				Local:  ep(t, fmt.Sprintf("127.0.0.1:%d", PortIPSPClient)),
				Remote: ep(t, fmt.Sprintf("127.0.0.1:%d", PortIPSPServer)),
			}}}},
		Routes: []route.Route{{DPC: mtp3.ITUPC(PCASP2), Linkset: "peer"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{}, 2)
	for _, s := range []*m3ua.Stack{srv, cli} {
		go func() { s.Run(ctx); stopped <- struct{}{} }()
	}
	defer func() {
		cancel()
		<-stopped
		<-stopped
	}()
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	if err := cli.WaitRoute(wctx, mtp3.ITUPC(PCASP2)); err != nil {
		t.Fatal(err)
	}

	msgs := rateMessages(t)
	start := time.Now()
	for i := 0; i < n; i++ {
		if err := cli.SendISUP(mtp3.ITUPC(PCASP2), uint16(i%16), msgs[i%16]); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-all:
	case <-time.After(60 * time.Second):
		t.Fatalf("%d of %d delivered", delivered.Load(), n)
	}
	d := time.Since(start)
	if out, in := cli.Stats().DataOut, srv.Stats().DataIn; out != n || in != n {
		t.Fatalf("counted %d DATA out, %d in; want %d", out, in, n)
	}
	line := fmt.Sprintf("kernel SCTP, IPSP, no STP (our stack → our stack): %d DATA in %v: %.0f msg/s\n", n, d.Round(time.Millisecond), n/d.Seconds())
	t.Log(line)
	if err := os.WriteFile(results("rate-ipsp.txt"), []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
}
