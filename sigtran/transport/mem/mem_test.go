package mem

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sipgw/sipgw/sigtran/transport"
	"github.com/sipgw/sipgw/sigtran/transport/transporttest"
)

func recvOne(t *testing.T, c transport.Conn) ([]byte, transport.Info) {
	t.Helper()
	buf := make([]byte, 1024)
	n, info, err := c.Recv(buf)
	if err != nil {
		t.Fatalf("Recv: %v", err)
	}
	return buf[:n], info
}

// contract is the in-memory transport for the transporttest suite: one
// Network, a listener per association on an address of its own, queues
// depth deep.
func contract(depth int) transporttest.Factory {
	n := NewNetwork()
	var next atomic.Int64
	return transporttest.Factory{
		Listen: func(t testing.TB, s transporttest.Streams) transport.Listener {
			l, err := n.Listen(Addr(fmt.Sprintf("stp:%d", next.Add(1))), Streams{Out: s.Out, MaxIn: s.In})
			if err != nil {
				t.Fatal(err)
			}
			return l
		},
		Dialer: func(t testing.TB, l transport.Listener, s transporttest.Streams) transport.Dialer {
			return &Dialer{
				Net: n, Local: Addr(fmt.Sprintf("asp:%d", next.Add(1))), Remote: l.Addrs()[0].(Addr),
				Streams: Streams{Out: s.Out, MaxIn: s.In},
				Depth:   depth,
			}
		},
		Refused:        ErrRefused,
		DefaultStreams: 1,
		StreamsCarried: true,
		AnyPPID:        true,
		EmptyMessages:  true,
		// Close and Abort are once-only and quiet after that.
		CloseAgainErr: nil,
		// Each slot of the queue grows its buffer on its first message.
		AllocWarmup: depth,
		PerSender:   2000,
	}
}

// TestContract runs the suite with 64-deep queues, so that its concurrent
// senders fill them and wait for the reader.
func TestContract(t *testing.T) { transporttest.Run(t, contract(64)) }

// Pipe's ends have the stream counts asked for, each the other's reverse.
func TestPipeStreams(t *testing.T) {
	a, b := Pipe(4, 2)
	if a.OutStreams() != 4 || a.InStreams() != 2 || b.OutStreams() != 2 || b.InStreams() != 4 {
		t.Fatalf("streams a %d/%d b %d/%d", a.OutStreams(), a.InStreams(), b.OutStreams(), b.InStreams())
	}
	if err := a.Send([]byte("x"), 4, 3); !errors.Is(err, transport.ErrStream) {
		t.Fatalf("stream 4 of 4: %v", err)
	}
	if err := b.Send([]byte("x"), 2, 3); !errors.Is(err, transport.ErrStream) {
		t.Fatalf("stream 2 of 2: %v", err)
	}
	x, y := NewPipe(Options{})
	if x.OutStreams() != 1 || x.InStreams() != 1 || y.OutStreams() != 1 || y.InStreams() != 1 {
		t.Fatalf("NewPipe's default streams %d/%d %d/%d, want 1", x.OutStreams(), x.InStreams(), y.OutStreams(), y.InStreams())
	}
}

// Close discards what the peer sent and this end did not read, and the
// peer's sends fail with ErrShutdown (the suite checks the rest of Close).
func TestCloseDiscardsUnreadAndShutsThePeer(t *testing.T) {
	a, b := NewPipe(Options{})
	b.Send([]byte("lost"), 0, 3)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if a.Queued() != 0 {
		t.Fatalf("%d messages still queued at the closed end", a.Queued())
	}
	if _, _, err := a.Recv(make([]byte, 10)); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("local Recv after Close with a message unread: %v, want net.ErrClosed", err)
	}
	if err := b.Send([]byte("x"), 0, 3); !errors.Is(err, ErrShutdown) {
		t.Fatalf("peer Send after Close: %v, want ErrShutdown", err)
	}
}

// Abort loses what was queued for the peer: its Recv fails at once, and
// its sends fail with ErrAborted.
func TestAbortLosesQueued(t *testing.T) {
	a, b := Pipe(1, 1)
	a.Send([]byte("never read"), 0, 3)
	a.Abort()
	if _, _, err := b.Recv(make([]byte, 10)); !errors.Is(err, transport.ErrAborted) {
		t.Fatalf("peer Recv after Abort, a message queued: %v", err)
	}
	if err := b.Send([]byte("x"), 0, 3); !errors.Is(err, transport.ErrAborted) {
		t.Fatalf("peer Send after Abort: %v", err)
	}
}

// Sever loses the association for both ends: both Recvs, blocked or not,
// and both Sends fail with the error given (ErrAborted for nil).
func TestSever(t *testing.T) {
	errLost := errors.New("retransmissions exhausted")
	for _, tc := range []struct {
		name      string
		err, want error
	}{{"nil", nil, ErrAborted}, {"given", errLost, errLost}} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := NewPipe(Options{})
			errs := make(chan [2]error)
			go func() {
				var e [2]error
				var wg sync.WaitGroup
				wg.Add(2)
				go func() { defer wg.Done(); _, _, e[0] = a.Recv(make([]byte, 8)) }()
				go func() { defer wg.Done(); _, _, e[1] = b.Recv(make([]byte, 8)) }()
				wg.Wait()
				errs <- e
			}()
			time.Sleep(10 * time.Millisecond) // let both block
			a.Sever(tc.err)
			select {
			case e := <-errs:
				if !errors.Is(e[0], tc.want) || !errors.Is(e[1], tc.want) {
					t.Fatalf("Recv: %v and %v, want %v", e[0], e[1], tc.want)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Recv stayed blocked")
			}
			for _, c := range []*Conn{a, b} {
				if err := c.Send([]byte("x"), 0, 3); !errors.Is(err, tc.want) {
					t.Fatalf("Send after Sever: %v, want %v", err, tc.want)
				}
			}
			// Close and Abort afterwards change nothing.
			a.Close()
			b.Abort()
			if _, _, err := b.Recv(make([]byte, 8)); !errors.Is(err, tc.want) {
				t.Fatalf("Recv after Sever and Abort: %v, want %v", err, tc.want)
			}
		})
	}
}

func TestFullQueueBlocksSendUntilRead(t *testing.T) {
	a, b := NewPipe(Options{Depth: 2})
	a.Send([]byte{1}, 0, 3)
	a.Send([]byte{2}, 0, 3)
	done := make(chan error)
	go func() { done <- a.Send([]byte{3}, 0, 3) }()
	select {
	case err := <-done:
		t.Fatalf("Send into a full queue returned %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	recvOne(t, b)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for want := byte(2); want <= 3; want++ {
		if got, _ := recvOne(t, b); got[0] != want {
			t.Fatalf("got %d want %d", got[0], want)
		}
	}
	// A Send blocked on a full queue returns when the peer aborts.
	a.Send([]byte{4}, 0, 3)
	a.Send([]byte{5}, 0, 3)
	go func() { done <- a.Send([]byte{6}, 0, 3) }()
	time.Sleep(10 * time.Millisecond)
	b.Abort()
	if err := <-done; !errors.Is(err, ErrAborted) {
		t.Fatalf("blocked Send after peer Abort: %v", err)
	}
}

func TestDrop(t *testing.T) {
	a, b := NewPipe(Options{OutStreams: 2, InStreams: 2})
	a.SetDrop(func(msg []byte, stream uint16, ppid uint32) bool { return stream == 0 })
	for i := byte(0); i < 6; i++ {
		if err := a.Send([]byte{i}, uint16(i%2), 3); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []byte{1, 3, 5} {
		if got, info := recvOne(t, b); got[0] != want || info.Stream != 1 {
			t.Fatalf("got %d on %d, want %d", got[0], info.Stream, want)
		}
	}
	if b.Queued() != 0 {
		t.Fatalf("%d more messages", b.Queued())
	}
	a.SetDrop(nil)
	a.Send([]byte{9}, 0, 3)
	if got, _ := recvOne(t, b); got[0] != 9 {
		t.Fatal("filter not removed")
	}
	// A dropped send on a dead association still fails.
	a.SetDrop(func([]byte, uint16, uint32) bool { return true })
	b.Abort()
	if err := a.Send([]byte{1}, 0, 3); !errors.Is(err, ErrAborted) {
		t.Fatalf("dropped send after abort: %v", err)
	}
}

// A Network refuses a Dial until somebody listens, keeps one listener per
// address, names the ends after the dialer's Local and Remote, aborts the
// associations its listener's Close leaves unaccepted (the accepted ones
// live on) and lets the address be listened on again, as a restarted peer
// does. The suite checks the rest of Dial and Accept.
func TestNetwork(t *testing.T) {
	n := NewNetwork()
	d := &Dialer{Net: n, Local: "asp:1", Remote: "stp:2905", Streams: Streams{Out: 17, MaxIn: 8}}
	ctx := context.Background()
	if _, err := d.Dial(ctx); !errors.Is(err, ErrRefused) {
		t.Fatalf("dial without listener: %v", err)
	}
	l, err := n.Listen("stp:2905", Streams{Out: 4, MaxIn: 10})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Listen("stp:2905", Streams{}); !errors.Is(err, ErrAddrInUse) {
		t.Fatalf("second listener: %v", err)
	}
	c, err := d.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s, err := l.Accept(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.LocalAddrs()[0].String() != "asp:1" || c.RemoteAddrs()[0].String() != "stp:2905" || s.RemoteAddrs()[0].String() != "asp:1" {
		t.Fatalf("addrs %v %v %v", c.LocalAddrs(), c.RemoteAddrs(), s.RemoteAddrs())
	}
	pending, err := d.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	if _, _, err := pending.Recv(make([]byte, 4)); !errors.Is(err, ErrAborted) {
		t.Fatalf("unaccepted association: %v", err)
	}
	c.Send([]byte("still"), 1, 3)
	if got, _ := recvOne(t, s); string(got) != "still" {
		t.Fatal("accepted association died with its listener")
	}
	l2, err := n.Listen("stp:2905", Streams{Out: 2, MaxIn: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if _, err := d.Dial(ctx); err != nil {
		t.Fatalf("dial after restart: %v", err)
	}
}

// BenchmarkPipe: one sender and one reader through the default queue.
func BenchmarkPipe(b *testing.B) { transporttest.Benchmark(b, contract(DefaultDepth)) }
