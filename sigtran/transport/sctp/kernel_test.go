//go:build sctpkernel && linux

// Tests on real kernel SCTP. The hosts have none: make test-sctp runs
// them in a VM (scripts/vm). Elsewhere they skip, or fail when CI=true.

package sctp

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"os"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/sipgw/sipgw/sigtran/transport"
	"github.com/sipgw/sipgw/sigtran/transport/transporttest"
)

func requireKernel(t testing.TB) {
	t.Helper()
	if err := Available(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("kernel SCTP needed: %v", err)
		}
		t.Skipf("kernel SCTP needed (run make test-sctp): %v", err)
	}
}

func ep(t testing.TB, s string) Endpoint {
	t.Helper()
	e, err := ParseEndpoint(s)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// factory sets associations up from a dialer on client (empty: the
// kernel picks) to a listener on server (port 0: picked), each end's
// Config made from the streams it asks for.
func factory(server, client string, listen, dial func(transporttest.Streams) Config) transporttest.Factory {
	return transporttest.Factory{
		Listen: func(t testing.TB, s transporttest.Streams) transport.Listener {
			requireKernel(t)
			l, err := Listen(ep(t, server), listen(s))
			if err != nil {
				t.Fatal(err)
			}
			return l
		},
		Dialer: func(t testing.TB, l transport.Listener, s transporttest.Streams) transport.Dialer {
			remote := ep(t, server)
			remote.Port = l.Addrs()[0].(Addr).Port()
			d := &Dialer{Remote: remote, Config: dial(s)}
			if client != "" {
				d.Local = ep(t, client)
			}
			return d
		},
	}
}

// assoc sets up one association with fixed configurations.
func assoc(t testing.TB, server, client string, scfg, ccfg Config) (c, s *Conn) {
	t.Helper()
	f := factory(server, client,
		func(transporttest.Streams) Config { return scfg },
		func(transporttest.Streams) Config { return ccfg })
	x, y := f.Pair(t, transporttest.Streams{}, transporttest.Streams{})
	return x.(*Conn), y.(*Conn)
}

// contract is kernel SCTP on the loopback for the transporttest suite:
// streams and PPIDs carried, no empty message, the kernel's errno for an
// abort and a refused INIT.
func contract() transporttest.Factory {
	asked := func(s transporttest.Streams) Config { return Config{OutStreams: s.Out, InStreams: s.In} }
	f := factory("127.0.0.1:0", "", asked, asked)
	// The peer ABORTs an INIT to a port nobody listens on.
	f.Refused = syscall.ECONNREFUSED
	f.DefaultStreams = DefaultStreams
	f.StreamsCarried = true
	f.AnyPPID = true
	f.AbortErr = syscall.ECONNRESET
	f.CloseAgainErr = net.ErrClosed
	// About 0.2 ms a message in the emulated VM.
	f.PerSender = 200
	return f
}

func TestKernelContract(t *testing.T) {
	requireKernel(t)
	transporttest.Run(t, contract())
}

// BenchmarkKernelSendRecv: DATA-sized messages through kernel SCTP on the
// loopback, one sender, one receiver.
func BenchmarkKernelSendRecv(b *testing.B) { transporttest.Benchmark(b, contract()) }

func TestKernelMultiHoming(t *testing.T) {
	c, s := assoc(t, "127.0.0.1/127.0.0.2:0", "127.0.0.3/127.0.0.4:0", Config{}, Config{})
	ips := func(as []net.Addr) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.(Addr).Addr().String())
		}
		sort.Strings(out)
		return out
	}
	for _, tc := range []struct {
		name string
		got  []net.Addr
		want []string
	}{
		{"client remote", c.RemoteAddrs(), []string{"127.0.0.1", "127.0.0.2"}},
		{"server local", s.LocalAddrs(), []string{"127.0.0.1", "127.0.0.2"}},
		{"client local", c.LocalAddrs(), []string{"127.0.0.3", "127.0.0.4"}},
		{"server remote", s.RemoteAddrs(), []string{"127.0.0.3", "127.0.0.4"}},
	} {
		if got := ips(tc.got); len(got) != 2 || got[0] != tc.want[0] || got[1] != tc.want[1] {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	if p := c.RemoteAddrs()[0].(Addr).Port(); p == 0 {
		t.Error("remote port 0")
	}
	// DATA still flows with the second address as the primary path; a
	// non-peer address is refused.
	if err := c.SetPrimary(netip.MustParseAddr("127.0.0.2")); err != nil {
		t.Fatal(err)
	}
	if err := c.SetPrimary(netip.MustParseAddr("127.0.0.9")); err == nil {
		t.Fatal("SetPrimary to a non-peer address succeeded")
	}
	if err := c.Send([]byte("via .2"), 1, transport.PPIDM3UA); err != nil {
		t.Fatal(err)
	}
	if n, _, err := s.Recv(make([]byte, 64)); err != nil || n != 6 {
		t.Fatalf("after SetPrimary: %d, %v", n, err)
	}
	// Both paths get confirmed by HEARTBEAT (RFC 9260 §5.4): the second
	// address is really used, not only listed.
	deadline := time.Now().Add(15 * time.Second)
	for {
		ps, err := c.Paths()
		if err != nil {
			t.Fatal(err)
		}
		active := 0
		for _, p := range ps {
			if p.State == PathActive {
				active++
			}
		}
		if len(ps) == 2 && active == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("paths not confirmed: %+v", ps)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestKernelNoDelay(t *testing.T) {
	c, s := assoc(t, "127.0.0.1:0", "", Config{}, Config{})
	for _, conn := range []*Conn{c, s} {
		var v int
		var err error
		conn.rc.Control(func(fd uintptr) { v, err = syscall.GetsockoptInt(int(fd), solSCTP, optNoDelay) })
		if err != nil || v != 1 {
			t.Fatalf("SCTP_NODELAY = %d, %v; want 1", v, err)
		}
	}
	// ACM then ANM: the second is sent while the first is in flight.
	gap := func(c, s *Conn) time.Duration {
		buf := make([]byte, 64)
		var last time.Time
		var d time.Duration
		for round := 0; round < 3; round++ {
			c.Send([]byte("ACM"), 1, transport.PPIDM3UA)
			c.Send([]byte("ANM"), 1, transport.PPIDM3UA)
			for i := 0; i < 2; i++ {
				if _, _, err := s.Recv(buf); err != nil {
					t.Fatal(err)
				}
				if i == 1 {
					d = max(d, time.Since(last))
				}
				last = time.Now()
			}
			time.Sleep(300 * time.Millisecond) // let the SACKs settle
		}
		return d
	}
	if d := gap(c, s); d > 100*time.Millisecond {
		t.Fatalf("back-to-back messages %v apart with SCTP_NODELAY", d)
	}
	// The control: with Nagle the second waits for the delayed SACK.
	n, m := assoc(t, "127.0.0.1:0", "", Config{}, Config{Nagle: true})
	if d := gap(n, m); d < 100*time.Millisecond {
		t.Logf("with Nagle: %v apart (the delayed SACK usually shows as ~200 ms)", d)
	} else {
		t.Logf("with Nagle: %v apart", d)
	}
}

func TestKernelFixedSourcePortReused(t *testing.T) {
	// An ASP reconnects from the same source port right after its
	// previous association closed (osmo-stp knows ASPs by source port).
	requireKernel(t)
	l, err := Listen(ep(t, "127.0.0.1:0"), Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	remote := ep(t, "127.0.0.1:0")
	remote.Port = l.Addrs()[0].(Addr).Port()
	d := &Dialer{Local: ep(t, "127.0.0.1:39999"), Remote: remote}
	for i := 0; i < 3; i++ {
		c, err := d.DialSCTP(context.Background())
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		s, err := l.AcceptSCTP(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if p := s.RemoteAddrs()[0].(Addr).Port(); p != 39999 {
			t.Fatalf("source port %d", p)
		}
		c.Close()
		s.Recv(make([]byte, 8))
		s.Close()
	}
}

// TestKernelPartialDelivery: with a low partial delivery point the kernel
// hands a fragmented message over in pieces without MSG_EOR (RFC 6458
// §8.1.21); Recv joins them into one message.
func TestKernelPartialDelivery(t *testing.T) {
	c, s := assoc(t, "127.0.0.1:0", "", Config{}, Config{})
	const optPartialDeliveryPoint = 19 // SCTP_PARTIAL_DELIVERY_POINT
	var err error
	s.rc.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), solSCTP, optPartialDeliveryPoint, 1024) })
	if err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 150000) // three fragments on the loopback's 64 KiB MTU
	for i := range big {
		big[i] = byte(i / 1000)
	}
	done := make(chan error, 1)
	go func() { done <- c.Send(big, 2, transport.PPIDM3UA) }()
	buf := make([]byte, 200000)
	n, info, err := s.Recv(buf)
	if err != nil || n != len(big) || !bytes.Equal(buf[:n], big) || info.Stream != 2 {
		t.Fatalf("Recv: %d octets (want %d), %+v, %v", n, len(big), info, err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
