//go:build sctpkernel && linux

package vm

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/sipgw/sipgw/sigtran/transport/sctp"
	"github.com/sipgw/sipgw/test/vm/minasp"
)

// ASP is what the osmo-stp scenarios need from an M3UA ASP. The minimal
// ASP of test/vm/minasp implements it today; when sigtran/m3ua lands, its
// ASP replaces it in startASP below and nothing else changes.
type ASP interface {
	// WaitActive returns once the ASP is ASP-ACTIVE (ASPAC ACK received).
	WaitActive(ctx context.Context) error
	// WaitLost returns once the ASP has noticed its association is gone.
	WaitLost(ctx context.Context) error
	// Send sends an MTP-TRANSFER as DATA (stream chosen from the SLS).
	Send(Transfer) error
	// Recv returns the next received DATA.
	Recv(ctx context.Context) (Transfer, error)
	// IsAvailable: pc is reachable (active, and no DUNA for it).
	IsAvailable(pc uint32) bool
	Close() error
}

// Transfer is an MTP-TRANSFER: routing label, SI, user part octets; and
// the SCTP stream a received one came on.
type Transfer struct {
	OPC, DPC    uint32
	SI, NI, SLS uint8
	Data        []byte
	Stream      uint16
}

type aspConfig struct {
	Name           string
	LocalPort      uint16 // osmo-stp knows its ASPs by source port
	RoutingContext uint32
}

// startASP starts one ASP toward the osmo-stp of the scenario.
//
// THE FUNCTION BOUNDARY: to test sigtran/m3ua's ASP, construct it here
// (same transport: an *sctp.Dialer from LocalPort to 127.0.0.1:PortSTP,
// routing context cfg.RoutingContext, traffic mode override) and return
// a small adapter to the ASP interface, as minAdapter does.
func startASP(cfg aspConfig) ASP {
	lo := netip.MustParseAddr("127.0.0.1")
	d := &sctp.Dialer{
		Local:  sctp.Endpoint{Addrs: []netip.Addr{lo}, Port: cfg.LocalPort},
		Remote: sctp.Endpoint{Addrs: []netip.Addr{lo}, Port: PortSTP},
	}
	return &minAdapter{minasp.Start(minasp.Config{
		Name: cfg.Name, Dialer: d, RoutingContext: cfg.RoutingContext, TrafficMode: minasp.TrafficOverride,
	})}
}

// minAdapter presents minasp.ASP as ASP.
type minAdapter struct{ a *minasp.ASP }

func (m *minAdapter) WaitActive(ctx context.Context) error { return m.a.WaitActive(ctx) }

func (m *minAdapter) WaitLost(ctx context.Context) error {
	for {
		select {
		case e := <-m.a.Events():
			if e.Kind == minasp.Lost {
				return nil
			}
		case <-ctx.Done():
			return fmt.Errorf("association loss not noticed: %w", ctx.Err())
		}
	}
}

func (m *minAdapter) Send(t Transfer) error {
	return m.a.Send(minasp.Transfer{OPC: t.OPC, DPC: t.DPC, SI: t.SI, NI: t.NI, SLS: t.SLS, Data: t.Data})
}

func (m *minAdapter) Recv(ctx context.Context) (Transfer, error) {
	select {
	case t := <-m.a.Transfers():
		return Transfer{OPC: t.OPC, DPC: t.DPC, SI: t.SI, NI: t.NI, SLS: t.SLS, Data: t.Data, Stream: t.Stream}, nil
	case <-ctx.Done():
		return Transfer{}, ctx.Err()
	}
}

func (m *minAdapter) IsAvailable(pc uint32) bool { return m.a.IsAvailable(pc) }

func (m *minAdapter) Close() error { return m.a.Close() }
