//go:build linux

package rtpsock

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/sipgw/sipgw/internal/testenv"
	"golang.org/x/sys/unix"
)

var lo = netip.MustParseAddrPort("127.0.0.1:0")

// setOpts is what newSet makes: both tells each test to run with
// io_uring and with plain system calls.
var setOpts SetOptions

func newSet(t *testing.T) *Set {
	t.Helper()
	s, err := NewSetWith(setOpts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	on, why := s.URing()
	if on == setOpts.NoURing {
		t.Fatalf("io_uring in use %v with NoURing %v (%v)", on, setOpts.NoURing, why)
	}
	return s
}

// both runs f with io_uring, then with plain system calls. Where the
// kernel refuses io_uring the first fails in CI and is skipped elsewhere.
func both(t *testing.T, f func(t *testing.T)) {
	t.Run("io_uring", func(t *testing.T) {
		r, err := newURing(8)
		if err != nil {
			testenv.Missing(t, "no io_uring here (%v): the ring's half of this test needs it", err)
		}
		r.close()
		setOpts = SetOptions{URingEntries: 16} // small: batches span several submissions
		f(t)
	})
	t.Run("syscalls", func(t *testing.T) {
		setOpts = SetOptions{NoURing: true}
		f(t)
	})
	setOpts = SetOptions{}
}

func listen(t *testing.T, s *Set, local netip.AddrPort, o Options) *Sock {
	t.Helper()
	k, err := s.Listen(local, o)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// collector keeps what a socket received.
type collector struct {
	mu   sync.Mutex
	pkts [][]byte
}

func (c *collector) add(p []byte) {
	c.mu.Lock()
	c.pkts = append(c.pkts, append([]byte(nil), p...))
	c.mu.Unlock()
}

func (c *collector) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pkts)
}

// pollUntil polls s until cond holds (2 s at most).
func pollUntil(t *testing.T, s *Set, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		s.Poll()
		time.Sleep(time.Millisecond)
	}
}

func pkt(seq uint16) []byte {
	p := make([]byte, 172)
	p[0] = 0x80
	p[1] = 8
	binary.BigEndian.PutUint16(p[2:], seq)
	return p
}

// Two connected sockets of one set exchange datagrams both ways, in
// order, each delivered once, on the polling goroutine only.
func TestExchange(t *testing.T) { both(t, testExchange) }

func testExchange(t *testing.T) {
	s := newSet(t)
	a, b := listen(t, s, lo, Options{}), listen(t, s, lo, Options{})
	if a.LocalAddr().Port() == 0 || a.LocalAddr().Addr() != lo.Addr() {
		t.Fatalf("local %v", a.LocalAddr())
	}
	if err := a.Send(pkt(0)); !errors.Is(err, ErrNoRemote) {
		t.Fatalf("send before remote: %v", err)
	}
	if err := a.SetRemote(b.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if err := b.SetRemote(a.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	var ca, cb collector
	a.SetReceiver(ca.add)
	b.SetReceiver(cb.add)
	// More than one Batch waits on b: two polls at least take them all.
	for i := range 3 * Batch {
		if err := a.Send(pkt(uint16(i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Send(pkt(900)); err != nil {
		t.Fatal(err)
	}
	pollUntil(t, s, "all datagrams", func() bool { return cb.len() == 3*Batch && ca.len() == 1 })
	for i, p := range cb.pkts {
		if !bytes.Equal(p, pkt(uint16(i))) {
			t.Fatalf("datagram %d: % x", i, p[:4])
		}
	}
	if s.Poll() != 0 {
		t.Fatal("delivered twice")
	}
	if st := s.Stats(); st.Received != 3*Batch+1 || st.Dropped != 0 || st.Errors != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// A connected socket takes datagrams from its far end only (the kernel
// filters); a new remote (re-INVITE) moves the filter.
func TestConnectedFiltersAndMoves(t *testing.T) { both(t, testConnectedFiltersAndMoves) }

func testConnectedFiltersAndMoves(t *testing.T) {
	s := newSet(t)
	k := listen(t, s, lo, Options{})
	var got collector
	k.SetReceiver(got.add)
	far1, _ := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	far2, _ := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	defer far1.Close()
	defer far2.Close()
	to := net.UDPAddrFromAddrPort(k.LocalAddr())
	if err := k.SetRemote(far1.LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
		t.Fatal(err)
	}
	far2.WriteTo(pkt(2), to)
	far1.WriteTo(pkt(1), to)
	pollUntil(t, s, "far1's datagram", func() bool { return got.len() == 1 })
	if binary.BigEndian.Uint16(got.pkts[0][2:]) != 1 {
		t.Fatal("datagram from the wrong source")
	}
	// Our datagrams reach the far end.
	if err := k.Send(pkt(7)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1500)
	far1.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, from, err := far1.ReadFromUDPAddrPort(buf)
	if err != nil || n != 172 || from != k.LocalAddr() {
		t.Fatalf("far end got %d from %v: %v", n, from, err)
	}
	if err := k.SetRemote(far2.LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
		t.Fatal(err)
	}
	far1.WriteTo(pkt(3), to)
	far2.WriteTo(pkt(4), to)
	pollUntil(t, s, "far2's datagram", func() bool { return got.len() == 2 })
	if binary.BigEndian.Uint16(got.pkts[1][2:]) != 4 {
		t.Fatal("datagram from the old far end after the move")
	}
}

// A latching socket takes the first source, then any port of its address
// (NAT rebinding), and drops other addresses.
func TestLatch(t *testing.T) { both(t, testLatch) }

func testLatch(t *testing.T) {
	s := newSet(t)
	k := listen(t, s, lo, Options{Latch: true})
	var got collector
	k.SetReceiver(got.add)
	to := k.LocalAddr()
	src := func(ip string) *Sock {
		x := listen(t, s, netip.AddrPortFrom(netip.MustParseAddr(ip), 0), Options{})
		if err := x.SetRemote(to); err != nil {
			t.Fatal(err)
		}
		return x
	}
	first, samehost, other := src("127.0.0.1"), src("127.0.0.1"), src("127.0.0.2")
	if err := k.Send(pkt(0)); !errors.Is(err, ErrNoRemote) {
		t.Fatalf("send before the latch: %v", err)
	}
	first.Send(pkt(1))
	pollUntil(t, s, "latch", func() bool { return got.len() == 1 })
	if r, ok := k.Remote(); !ok || r != first.LocalAddr() {
		t.Fatalf("latched %v %v", r, ok)
	}
	other.Send(pkt(2))
	samehost.Send(pkt(3))
	pollUntil(t, s, "same host's datagram", func() bool { return got.len() == 2 })
	pollUntil(t, s, "the other host's drop", func() bool { return k.Dropped() == 1 })
	if binary.BigEndian.Uint16(got.pkts[1][2:]) != 3 {
		t.Fatal("wrong datagram accepted")
	}
	// Sends go to the latched address.
	var back collector
	first.SetReceiver(back.add)
	if err := k.Send(pkt(9)); err != nil {
		t.Fatal(err)
	}
	pollUntil(t, s, "the answer", func() bool { return back.len() == 1 })
}

// An ICMP port unreachable (far end not listening) neither stops the
// socket nor counts as an error.
func TestConnRefused(t *testing.T) { both(t, testConnRefused) }

func testConnRefused(t *testing.T) {
	s := newSet(t)
	k := listen(t, s, lo, Options{})
	gone, _ := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	dead := gone.LocalAddr().(*net.UDPAddr).AddrPort()
	gone.Close()
	k.SetRemote(dead)
	var got collector
	k.SetReceiver(got.add)
	for range 3 {
		k.Send(pkt(1)) // errors are fine: the far end is gone
		time.Sleep(2 * time.Millisecond)
		s.Poll()
	}
	live := listen(t, s, lo, Options{})
	live.SetRemote(k.LocalAddr())
	k.SetRemote(live.LocalAddr())
	live.Send(pkt(5))
	pollUntil(t, s, "a datagram after the refusals", func() bool { return got.len() == 1 })
	if st := s.Stats(); st.Errors != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestIPv6(t *testing.T) { both(t, testIPv6) }

func testIPv6(t *testing.T) {
	s := newSet(t)
	a, err := s.Listen(netip.MustParseAddrPort("[::1]:0"), Options{})
	if err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	}
	b := listen(t, s, netip.MustParseAddrPort("[::1]:0"), Options{})
	a.SetRemote(b.LocalAddr())
	b.SetRemote(a.LocalAddr())
	var got collector
	b.SetReceiver(got.add)
	a.Send(pkt(6))
	pollUntil(t, s, "IPv6 datagram", func() bool { return got.len() == 1 })
	// On an IPv4 socket an IPv6 far end is refused.
	v4 := listen(t, s, lo, Options{})
	if err := v4.SetRemote(b.LocalAddr()); err == nil {
		t.Fatal("IPv6 remote accepted on an IPv4 socket")
	}
}

func TestBadRemote(t *testing.T) { both(t, testBadRemote) }

func testBadRemote(t *testing.T) {
	s := newSet(t)
	k := listen(t, s, lo, Options{})
	for _, ap := range []netip.AddrPort{{}, netip.MustParseAddrPort("127.0.0.1:0")} {
		if err := k.SetRemote(ap); err == nil {
			t.Errorf("%v accepted", ap)
		}
	}
}

// Sockets open and close while another goroutine polls (the gateway's
// calls come and go while the engine runs): no datagram reaches a closed
// socket's receiver, and nothing races (go test -race).
func TestCloseWhilePolling(t *testing.T) { both(t, testCloseWhilePolling) }

func testCloseWhilePolling(t *testing.T) {
	s := newSet(t)
	stop := make(chan struct{})
	var polls atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			s.Poll()
			polls.Add(1)
		}
	}()
	src := listen(t, s, lo, Options{})
	for i := range 200 {
		k := listen(t, s, lo, Options{})
		var closed atomic.Bool
		k.SetReceiver(func([]byte) {
			if closed.Load() {
				t.Error("datagram after Close")
			}
		})
		src.SetRemote(k.LocalAddr())
		k.SetRemote(src.LocalAddr())
		src.Send(pkt(uint16(i)))
		if i%2 == 0 {
			time.Sleep(100 * time.Microsecond)
		}
		k.Close()
		closed.Store(true) // Close waits for a Poll delivering to k
		if err := k.Send(pkt(0)); !errors.Is(err, ErrClosed) {
			t.Fatalf("send after close: %v", err)
		}
	}
	close(stop)
	<-done
	if s.Len() != 1 {
		t.Fatalf("%d sockets left", s.Len())
	}
	if polls.Load() == 0 {
		t.Fatal("never polled")
	}
	s.Close()
	if _, err := s.Listen(lo, Options{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("listen on a closed set: %v", err)
	}
	if s.Poll() != 0 {
		t.Fatal("poll on a closed set")
	}
}

func TestParseSockaddr(t *testing.T) {
	var v4 unix.RawSockaddrInet4
	v4.Family = unix.AF_INET
	v4.Addr = [4]byte{10, 1, 2, 3}
	p := (*[2]byte)(unsafe.Pointer(&v4.Port))
	p[0], p[1] = 0x13, 0xc4 // 5060
	var v6 unix.RawSockaddrInet6
	v6.Family = unix.AF_INET6
	v6.Addr = netip.MustParseAddr("2001:db8::7").As16()
	q := (*[2]byte)(unsafe.Pointer(&v6.Port))
	q[0], q[1] = 0x27, 0x10 // 10000
	var mapped unix.RawSockaddrInet6
	mapped = v6
	mapped.Addr = netip.MustParseAddr("::ffff:192.0.2.1").As16()
	b4 := (*[unix.SizeofSockaddrInet4]byte)(unsafe.Pointer(&v4))[:]
	b6 := (*[unix.SizeofSockaddrInet6]byte)(unsafe.Pointer(&v6))[:]
	bm := (*[unix.SizeofSockaddrInet6]byte)(unsafe.Pointer(&mapped))[:]
	for _, c := range []struct {
		b    []byte
		want string
	}{
		{b4, "10.1.2.3:5060"},
		{b6, "[2001:db8::7]:10000"},
		{bm, "192.0.2.1:10000"},
		{b4[:7], "invalid AddrPort"},
		{b6[:20], "invalid AddrPort"},
		{nil, "invalid AddrPort"},
		{[]byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "invalid AddrPort"},
	} {
		if got := parseSockaddr(c.b).String(); got != c.want {
			t.Errorf("% x: %s, want %s", c.b, got, c.want)
		}
	}
}

func FuzzParseSockaddr(f *testing.F) {
	f.Add([]byte{2, 0, 0x13, 0xc4, 10, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add(make([]byte, 28))
	f.Fuzz(func(t *testing.T, b []byte) {
		ap := parseSockaddr(b)
		if ap.IsValid() && len(b) < unix.SizeofSockaddrInet4 {
			t.Fatalf("valid address from %d bytes", len(b))
		}
	})
}

// The ring's structures have the kernel's sizes (include/uapi/linux/io_uring.h).
func TestURingABI(t *testing.T) {
	if a, b, c, d := unsafe.Sizeof(sqe{}), unsafe.Sizeof(cqe{}), unsafe.Sizeof(uringParams{}), unsafe.Sizeof(getEventsArg{}); a != 64 || b != 16 || c != 120 || d != 24 {
		t.Fatalf("sqe %d cqe %d params %d getevents %d", a, b, c, d)
	}
	if o := unsafe.Offsetof(sqe{}.userData); o != 32 {
		t.Fatalf("user_data at %d", o)
	}
	if o := unsafe.Offsetof(sqe{}.msgFlags); o != 28 {
		t.Fatalf("msg_flags at %d", o)
	}
}

// Between Hold and Flush the connected sockets' sends wait, and go out,
// in order, at Flush, more of them than the ring holds; a socket closed
// meanwhile sends nothing; without io_uring Hold does nothing.
func TestHoldFlush(t *testing.T) { both(t, testHoldFlush) }

func testHoldFlush(t *testing.T) {
	s := newSet(t)
	a, b, c := listen(t, s, lo, Options{}), listen(t, s, lo, Options{}), listen(t, s, lo, Options{})
	a.SetRemote(b.LocalAddr())
	c.SetRemote(b.LocalAddr())
	b.SetRemote(a.LocalAddr())
	var got collector
	b.SetReceiver(got.add)
	ring, _ := s.URing()
	s.Hold()
	for i := range 40 {
		if err := a.Send(pkt(uint16(i))); err != nil {
			t.Fatal(err)
		}
	}
	c.Send(pkt(999))
	c.Close()
	time.Sleep(20 * time.Millisecond)
	s.Poll()
	if ring && got.len() != 0 {
		t.Fatalf("%d datagrams before Flush", got.len())
	}
	s.Flush()
	pollUntil(t, s, "the held datagrams", func() bool { return got.len() == 40 })
	for i, p := range got.pkts {
		if binary.BigEndian.Uint16(p[2:]) != uint16(i) {
			t.Fatalf("datagram %d is %d", i, binary.BigEndian.Uint16(p[2:]))
		}
	}
	// After Flush sends go out at once.
	a.Send(pkt(40))
	pollUntil(t, s, "a send after Flush", func() bool { return got.len() == 41 })
	if st := s.Stats(); st.SendErrors != 0 || st.Errors != 0 {
		t.Fatalf("stats %+v", st)
	}
}
