//go:build sctpkernel && linux

// Tests on real kernel SCTP. The hosts have none: make test-sctp runs
// them in a VM (scripts/vm). Elsewhere they skip, or fail when CI=true.

package sctp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/sipgw/sipgw/sigtran/transport"
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

// assoc sets up one association: a listener on server (port 0: picked),
// a dialer from client.
func assoc(t testing.TB, server, client string, scfg, ccfg Config) (c, s *Conn) {
	t.Helper()
	requireKernel(t)
	l, err := Listen(ep(t, server), scfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	remote := ep(t, server)
	remote.Port = l.Addrs()[0].(Addr).Port()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	type res struct {
		c   *Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := l.AcceptSCTP(ctx)
		ch <- res{c, err}
	}()
	d := &Dialer{Remote: remote, Config: ccfg}
	if client != "" {
		d.Local = ep(t, client)
	}
	c, err = d.DialSCTP(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	t.Cleanup(func() { c.Close(); r.c.Close() })
	return c, r.c
}

func TestKernelStreamsNegotiated(t *testing.T) {
	// Each way gets min(sender's OutStreams, receiver's InStreams).
	c, s := assoc(t, "127.0.0.1:0", "", Config{OutStreams: 7, InStreams: 10}, Config{OutStreams: 5, InStreams: 3})
	if c.OutStreams() != 5 || c.InStreams() != 3 || s.OutStreams() != 3 || s.InStreams() != 5 {
		t.Fatalf("client out/in %d/%d, server out/in %d/%d; want 5/3, 3/5",
			c.OutStreams(), c.InStreams(), s.OutStreams(), s.InStreams())
	}
	d, _ := assoc(t, "127.0.0.1:0", "", Config{}, Config{})
	if d.OutStreams() != DefaultStreams || d.InStreams() != DefaultStreams {
		t.Fatalf("default streams %d/%d, want %d", d.OutStreams(), d.InStreams(), DefaultStreams)
	}
}

func TestKernelSendRecv(t *testing.T) {
	c, s := assoc(t, "127.0.0.1:0", "", Config{OutStreams: 4, InStreams: 4}, Config{OutStreams: 4, InStreams: 4})
	msgs := []struct {
		b      []byte
		stream uint16
		ppid   uint32
	}{
		{[]byte("aspup"), 0, transport.PPIDM3UA},
		{bytes.Repeat([]byte{1}, 1000), 1, transport.PPIDM3UA},
		{bytes.Repeat([]byte{2}, 3000), 3, transport.PPIDM3UA},
		{[]byte{9}, 2, 46}, // another PPID (Diameter): carried, not fixed
		{bytes.Repeat([]byte{3}, 40000), 1, 0x01020304},
	}
	for _, m := range msgs {
		if err := c.Send(m.b, m.stream, m.ppid); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 65536)
	for i, m := range msgs {
		n, info, err := s.Recv(buf)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if !bytes.Equal(buf[:n], m.b) {
			t.Fatalf("message %d: %d octets, want %d", i, n, len(m.b))
		}
		if info.Stream != m.stream || info.PPID != m.ppid || info.Unordered {
			t.Fatalf("message %d: info %+v, want stream %d PPID %#x", i, info, m.stream, m.ppid)
		}
	}
	// And the other way.
	if err := s.Send([]byte("ack"), 3, transport.PPIDM3UA); err != nil {
		t.Fatal(err)
	}
	if n, info, err := c.Recv(buf); err != nil || string(buf[:n]) != "ack" || info.Stream != 3 {
		t.Fatalf("reply: %q %+v %v", buf[:n], info, err)
	}
	if err := c.Send([]byte("x"), 4, transport.PPIDM3UA); !errors.Is(err, transport.ErrStream) {
		t.Fatalf("Send on stream 4 of 4: %v, want ErrStream", err)
	}
	if err := c.Send(nil, 1, transport.PPIDM3UA); err == nil {
		t.Fatal("empty Send succeeded")
	}
}

func TestKernelTooLong(t *testing.T) {
	c, s := assoc(t, "127.0.0.1:0", "", Config{}, Config{})
	long := bytes.Repeat([]byte{7}, 5000)
	for _, m := range [][]byte{long, []byte("next"), bytes.Repeat([]byte{8}, 1024)} {
		if err := c.Send(m, 1, transport.PPIDM3UA); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 1024)
	if n, _, err := s.Recv(buf); !errors.Is(err, transport.ErrTooLong) || n != 0 {
		t.Fatalf("Recv of 5000 octets into 1024: %d, %v; want ErrTooLong", n, err)
	}
	if n, info, err := s.Recv(buf); err != nil || string(buf[:n]) != "next" || info.PPID != 3 {
		t.Fatalf("after the long one: %q %+v %v", buf[:n], info, err)
	}
	// Exactly the buffer's size is not too long.
	if n, _, err := s.Recv(buf); err != nil || n != 1024 {
		t.Fatalf("message of the buffer's size: %d, %v", n, err)
	}
}

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

func TestKernelCloseIsShutdown(t *testing.T) {
	c, s := assoc(t, "127.0.0.1:0", "", Config{}, Config{})
	// The peer reads what was sent before the SHUTDOWN, then EOF.
	if err := c.Send([]byte("last"), 1, transport.PPIDM3UA); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	if n, _, err := s.Recv(buf); err != nil || string(buf[:n]) != "last" {
		t.Fatalf("before EOF: %q %v", buf[:n], err)
	}
	if _, _, err := s.Recv(buf); err != io.EOF {
		t.Fatalf("after Close the peer reads %v, want io.EOF", err)
	}
	if err := c.Close(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
	if err := c.Send([]byte("x"), 1, 3); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Send after Close: %v", err)
	}
}

func TestKernelAbort(t *testing.T) {
	c, s := assoc(t, "127.0.0.1:0", "", Config{}, Config{})
	if err := c.Abort(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Recv(make([]byte, 64)); !errors.Is(err, syscall.ECONNRESET) || !errors.Is(err, transport.ErrAborted) {
		t.Fatalf("after Abort the peer reads %v, want ECONNRESET and transport.ErrAborted", err)
	}
	// This end closed it: net.ErrClosed, not the peer's abort.
	if _, _, err := c.Recv(make([]byte, 64)); !errors.Is(err, net.ErrClosed) || errors.Is(err, transport.ErrAborted) {
		t.Fatalf("after its own Abort the aborting end reads %v, want net.ErrClosed", err)
	}
	if err := c.Send([]byte{1}, 0, transport.PPIDM3UA); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("after its own Abort the aborting end sends: %v, want net.ErrClosed", err)
	}
}

func TestKernelCloseUnblocksRecv(t *testing.T) {
	c, _ := assoc(t, "127.0.0.1:0", "", Config{}, Config{})
	done := make(chan error, 1)
	go func() {
		_, _, err := c.Recv(make([]byte, 64))
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	c.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Recv after Close: %v, want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not unblock Recv")
	}
}

func TestKernelAccept(t *testing.T) {
	requireKernel(t)
	l, err := Listen(ep(t, "127.0.0.1:0"), Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := l.Accept(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Accept with an ending context: %v", err)
	}
	// The listener still works after that.
	port := l.Addrs()[0].(Addr).Port()
	go func() {
		d := &Dialer{Remote: Endpoint{Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}, Port: port}}
		if c, err := d.Dial(context.Background()); err == nil {
			c.Recv(make([]byte, 8))
			c.Close()
		}
	}()
	c, err := l.Accept(context.Background())
	if err != nil {
		t.Fatalf("Accept after a cancelled one: %v", err)
	}
	c.Close()

	done := make(chan error, 1)
	go func() {
		_, err := l.Accept(context.Background())
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	l.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Accept after Close: %v, want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not unblock Accept")
	}
}

func TestKernelDialRefused(t *testing.T) {
	requireKernel(t)
	// Nobody listens on port 9 of the loopback: the peer ABORTs the INIT.
	d := &Dialer{Remote: ep(t, "127.0.0.1:9")}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := d.Dial(ctx); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("Dial to a closed port: %v, want ECONNREFUSED", err)
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

func TestKernelSendRecvAllocs(t *testing.T) {
	c, s := assoc(t, "127.0.0.1:0", "", Config{}, Config{})
	msg := make([]byte, 48)
	buf := make([]byte, 256)
	allocs := testing.AllocsPerRun(200, func() {
		if err := c.Send(msg, 1, transport.PPIDM3UA); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Recv(buf); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per Send+Recv, want 0", allocs)
	}
}

// BenchmarkKernelSendRecv: DATA-sized messages through kernel SCTP on the
// loopback, one sender, one receiver.
func BenchmarkKernelSendRecv(b *testing.B) {
	c, s := assoc(b, "127.0.0.1:0", "", Config{}, Config{})
	msg := make([]byte, 48)
	buf := make([]byte, 256)
	done := make(chan error, 1)
	go func() {
		for i := 0; i < b.N; i++ {
			if _, _, err := s.Recv(buf); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.Send(msg, uint16(1+i%16), transport.PPIDM3UA); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
}

// TestKernelConcurrentSend: Send from several goroutines, one per stream;
// each stream's messages arrive whole and in order (RFC 9260 §6.6).
func TestKernelConcurrentSend(t *testing.T) {
	c, s := assoc(t, "127.0.0.1:0", "", Config{}, Config{})
	const senders, each = 4, 200
	errs := make(chan error, senders)
	for g := 0; g < senders; g++ {
		go func(stream uint16) {
			msg := make([]byte, 64)
			for i := 0; i < each; i++ {
				msg[0], msg[1], msg[2] = byte(stream), byte(i>>8), byte(i)
				if err := c.Send(msg, stream, transport.PPIDM3UA); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}(uint16(g + 1))
	}
	next := map[uint16]int{}
	buf := make([]byte, 128)
	for n := 0; n < senders*each; n++ {
		k, info, err := s.Recv(buf)
		if err != nil {
			t.Fatal(err)
		}
		i := int(buf[1])<<8 | int(buf[2])
		if k != 64 || uint16(buf[0]) != info.Stream || i != next[info.Stream] {
			t.Fatalf("stream %d: message %d (%d octets, tagged stream %d), want %d", info.Stream, i, k, buf[0], next[info.Stream])
		}
		next[info.Stream]++
	}
	for g := 0; g < senders; g++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
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
