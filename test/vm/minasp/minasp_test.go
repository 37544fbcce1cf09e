package minasp

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/wmnsk/go-m3ua/messages"
	"github.com/wmnsk/go-m3ua/messages/params"

	"github.com/sipgw/sipgw/sigtran/transport"
	"github.com/sipgw/sipgw/sigtran/transport/tcp"
)

// sgp is the far end for host tests: a hand-driven SGP over the TCP
// transport (streams are not carried there; the VM checks them).
type sgp struct {
	t   *testing.T
	c   transport.Conn
	buf []byte
}

func (s *sgp) recv() messages.M3UA {
	s.t.Helper()
	n, _, err := s.c.Recv(s.buf)
	if err != nil {
		s.t.Fatalf("SGP Recv: %v", err)
	}
	m, err := messages.Parse(s.buf[:n])
	if err != nil {
		s.t.Fatalf("SGP parse % x: %v", s.buf[:n], err)
	}
	return m
}

func (s *sgp) send(m messages.M3UA) {
	s.t.Helper()
	b, err := m.MarshalBinary()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := s.c.Send(b, 0, transport.PPIDM3UA); err != nil {
		s.t.Fatalf("SGP Send: %v", err)
	}
}

// handshake answers ASPUP and ASPAC as an SGP does, with a NTFY (AS
// active) before the ASPAC ACK.
func (s *sgp) handshake(rc uint32) {
	s.t.Helper()
	if _, ok := s.recv().(*messages.AspUp); !ok {
		s.t.Fatal("first message is not ASPUP")
	}
	s.send(messages.NewAspUpAck(nil, nil))
	ac, ok := s.recv().(*messages.AspActive)
	if !ok {
		s.t.Fatal("second message is not ASPAC")
	}
	if ac.RoutingContext == nil || ac.RoutingContext.RoutingContext() != rc {
		s.t.Fatalf("ASPAC routing context %v, want %d", ac.RoutingContext, rc)
	}
	if ac.TrafficModeType == nil || ac.TrafficModeType.TrafficModeType() != TrafficOverride {
		s.t.Fatalf("ASPAC traffic mode %v", ac.TrafficModeType)
	}
	s.send(messages.NewNotify(params.NewStatus(params.AsStateActive), nil, params.NewRoutingContext(rc), nil))
	s.send(messages.NewAspActiveAck(nil, params.NewRoutingContext(rc), nil))
}

func nextEvent(t *testing.T, a *ASP, want EventKind) Event {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case e := <-a.Events():
			if e.Kind == want {
				return e
			}
		case <-timeout:
			t.Fatalf("no %v event", want)
		}
	}
}

func TestASPLifeCycle(t *testing.T) {
	l, err := tcp.Listen("127.0.0.1:0", tcp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	a := Start(Config{Name: "asp1", Dialer: &tcp.Dialer{Addr: l.Addrs()[0].String()}, RoutingContext: 7})
	defer a.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	accept := func() *sgp {
		c, err := l.Accept(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return &sgp{t: t, c: c, buf: make([]byte, 4096)}
	}
	s := accept()
	if err := a.Send(Transfer{DPC: 3}); err != ErrNotActive {
		t.Fatalf("Send before ASPAC ACK: %v, want ErrNotActive", err)
	}
	s.handshake(7)
	if err := a.WaitActive(ctx); err != nil {
		t.Fatal(err)
	}
	if e := nextEvent(t, a, Notify); e.Info != params.AsStateActive {
		t.Fatalf("NTFY status %#x", e.Info)
	}
	if !a.IsAvailable(3) {
		t.Fatal("PC 3 unavailable while active")
	}

	// DATA both ways, bytes unchanged.
	isup := []byte{0x05, 0x00, 0x01, 0x00, 0x02, 0x0a, 0x00}
	if err := a.Send(Transfer{OPC: 2, DPC: 3, SI: 5, NI: 2, SLS: 5, Data: isup}); err != nil {
		t.Fatal(err)
	}
	d, ok := s.recv().(*messages.Data)
	if !ok {
		t.Fatal("not DATA")
	}
	pd, err := d.ProtocolData.ProtocolData()
	if err != nil || d.RoutingContext.RoutingContext() != 7 || pd.OriginatingPointCode != 2 || pd.DestinationPointCode != 3 ||
		pd.ServiceIndicator != 5 || pd.NetworkIndicator != 2 || pd.SignalingLinkSelection != 5 || !bytes.Equal(pd.Data, isup) {
		t.Fatalf("DATA %+v (%v)", pd, err)
	}
	s.send(messages.NewData(nil, params.NewRoutingContext(7), params.NewProtocolData(3, 2, 5, 2, 0, 5, isup[:3]), nil))
	select {
	case tr := <-a.Transfers():
		if tr.OPC != 3 || tr.DPC != 2 || tr.SLS != 5 || !bytes.Equal(tr.Data, isup[:3]) {
			t.Fatalf("transfer %+v", tr)
		}
	case <-ctx.Done():
		t.Fatal("no transfer")
	}

	// BEAT is answered with its data; DUNA and DAVA change availability.
	s.send(messages.NewHeartbeat(params.NewHeartbeatData([]byte("hb-1"))))
	if ack, ok := s.recv().(*messages.HeartbeatAck); !ok || string(ack.HeartbeatData.HeartbeatData()) != "hb-1" {
		t.Fatalf("BEAT answer %v", ack)
	}
	s.send(messages.NewDestinationUnavailable(nil, params.NewRoutingContext(7), params.NewAffectedPointCode(3), nil))
	if e := nextEvent(t, a, Unavailable); e.PC != 3 {
		t.Fatalf("DUNA event %v", e)
	}
	if a.IsAvailable(3) {
		t.Fatal("PC 3 available after DUNA")
	}
	s.send(messages.NewDestinationAvailable(nil, params.NewRoutingContext(7), params.NewAffectedPointCode(3), nil))
	nextEvent(t, a, Available)
	if !a.IsAvailable(3) {
		t.Fatal("PC 3 unavailable after DAVA")
	}

	// The SGP goes away: the ASP notices, reconnects and does it again.
	s.c.Abort()
	nextEvent(t, a, Lost)
	if a.IsAvailable(3) {
		t.Fatal("PC 3 available while the association is down")
	}
	if err := a.Send(Transfer{DPC: 3}); err != ErrNotActive {
		t.Fatalf("Send while down: %v", err)
	}
	s = accept()
	s.handshake(7)
	nextEvent(t, a, Active)
	if err := a.Send(Transfer{OPC: 2, DPC: 3, SI: 5, Data: isup}); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.recv().(*messages.Data); !ok {
		t.Fatal("no DATA after reconnecting")
	}
}

func TestASPHandshakeTimeout(t *testing.T) {
	l, err := tcp.Listen("127.0.0.1:0", tcp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	a := Start(Config{Dialer: &tcp.Dialer{Addr: l.Addrs()[0].String()}, Handshake: 200 * time.Millisecond})
	defer a.Close()
	c, err := l.Accept(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// An SGP that never answers ASPUP: the ASP gives up and says why.
	if e := nextEvent(t, a, Lost); e.Err == nil {
		t.Fatal("Lost without a reason")
	}
}

func TestStreamOf(t *testing.T) {
	for _, tc := range []struct {
		sls  uint8
		out  uint16
		want uint16
	}{{0, 2, 1}, {5, 2, 1}, {0, 17, 1}, {5, 17, 6}, {15, 17, 16}, {16, 17, 1}, {5, 4, 3}} {
		if got := StreamOf(tc.sls, tc.out); got != tc.want {
			t.Errorf("StreamOf(%d, %d) = %d, want %d", tc.sls, tc.out, got, tc.want)
		}
	}
}
