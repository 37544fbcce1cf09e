//go:build sctpkernel && linux

package vm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/wmnsk/go-m3ua/messages"
	"github.com/wmnsk/go-m3ua/messages/params"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/sigtran/transport"
	"github.com/sipgw/sipgw/sigtran/transport/sctp"
)

// pair sets up the association of a wire scenario on fixed ports, so that
// the host finds it in the capture.
func pair(t *testing.T, server, client string, scfg, ccfg sctp.Config) (c, s *sctp.Conn) {
	t.Helper()
	l, err := sctp.Listen(ep(t, server), scfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ch := make(chan error, 1)
	go func() {
		var err error
		s, err = l.AcceptSCTP(ctx)
		ch <- err
	}()
	c, err = (&sctp.Dialer{Local: ep(t, client), Remote: ep(t, server), Config: ccfg}).DialSCTP(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-ch; err != nil {
		t.Fatal(err)
	}
	return c, s
}

func m3uaData(t *testing.T, typ isup.MessageType, cic uint16) []byte {
	t.Helper()
	u, err := ISUP(typ, cic)
	if err != nil {
		t.Fatal(err)
	}
	b, err := messages.NewData(nil, params.NewRoutingContext(RC1),
		params.NewProtocolData(PCASP1, PCASP2, 5, NI, 0, SLS(cic), u), nil).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWireTransport: a multi-homed association with asked-for stream
// counts, management on stream 0, DATA on stream 1 + SLS, ACM and ANM
// back to back, then a graceful Close. wire_test.go checks the capture.
func TestWireTransport(t *testing.T) {
	require(t)
	c, s := pair(t, fmt.Sprintf("127.0.0.1/127.0.0.2:%d", PortWireServer), fmt.Sprintf("127.0.0.3/127.0.0.4:%d", PortWireClient),
		sctp.Config{OutStreams: WireServerOut, InStreams: WireServerIn},
		sctp.Config{OutStreams: WireClientOut, InStreams: WireClientIn})
	defer s.Close()
	// Each way: min(the sender's OutStreams, the receiver's InStreams).
	up, down := uint16(min(WireClientOut, WireServerIn)), uint16(min(WireServerOut, WireClientIn))
	if c.OutStreams() != up || s.InStreams() != up || s.OutStreams() != down || c.InStreams() != down {
		t.Fatalf("streams: client out/in %d/%d, server out/in %d/%d", c.OutStreams(), c.InStreams(), s.OutStreams(), s.InStreams())
	}

	// Both ends' second addresses get confirmed by HEARTBEATs.
	for _, conn := range []*sctp.Conn{c, s} {
		deadline := time.Now().Add(15 * time.Second)
		for {
			ps, err := conn.Paths()
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, p := range ps {
				if p.State == sctp.PathActive {
					n++
				}
			}
			if len(ps) == 2 && n == 2 {
				t.Logf("paths %+v", ps)
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("paths not confirmed: %+v", ps)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	// Traffic moves to the second addresses: the wire shows DATA there.
	if err := c.SetPrimary(netip.MustParseAddr("127.0.0.2")); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPrimary(netip.MustParseAddr("127.0.0.4")); err != nil {
		t.Fatal(err)
	}

	aspup, _ := messages.NewAspUp(nil, nil).MarshalBinary()
	aspupAck, _ := messages.NewAspUpAck(nil, nil).MarshalBinary()
	buf := make([]byte, 4096)
	expect := func(conn *sctp.Conn, want []byte, stream uint16) {
		t.Helper()
		n, info, err := conn.Recv(buf)
		if err != nil {
			t.Fatal(err)
		}
		if string(buf[:n]) != string(want) || info.Stream != stream || info.PPID != transport.PPIDM3UA {
			t.Fatalf("received % x on stream %d PPID %d; want % x on %d", buf[:n], info.Stream, info.PPID, want, stream)
		}
	}
	if err := c.Send(aspup, 0, transport.PPIDM3UA); err != nil {
		t.Fatal(err)
	}
	expect(s, aspup, 0)
	if err := s.Send(aspupAck, 0, transport.PPIDM3UA); err != nil {
		t.Fatal(err)
	}
	expect(c, aspupAck, 0)
	const cic = 7
	stream := 1 + uint16(SLS(cic))%(c.OutStreams()-1)
	acm, anm := m3uaData(t, isup.ACM, cic), m3uaData(t, isup.ANM, cic)
	if err := c.Send(acm, stream, transport.PPIDM3UA); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := c.Send(anm, stream, transport.PPIDM3UA); err != nil {
		t.Fatal(err)
	}
	expect(s, acm, stream)
	expect(s, anm, stream)
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Fatalf("ACM and ANM took %v (Nagle not off?)", d)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Recv(buf); err != io.EOF {
		t.Fatalf("after Close the peer reads %v, want io.EOF", err)
	}
}

// TestWireAbort: ABORT on the wire, ECONNRESET at the peer.
func TestWireAbort(t *testing.T) {
	require(t)
	c, s := pair(t, fmt.Sprintf("127.0.0.1:%d", PortAbortServer), fmt.Sprintf("127.0.0.1:%d", PortAbortClient), sctp.Config{}, sctp.Config{})
	defer s.Close()
	if err := c.Abort(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Recv(make([]byte, 64)); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("after Abort the peer reads %v, want ECONNRESET", err)
	}
}
