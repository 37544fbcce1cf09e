package mem

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/sipgw/sipgw/sigtran/transport"
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

func TestPipeStreamsAndBoundaries(t *testing.T) {
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
	// Messages keep their boundaries, stream and PPID, in order.
	msgs := []struct {
		data   string
		stream uint16
		ppid   uint32
	}{{"one", 0, 3}, {"", 1, 3}, {"three three", 3, 0}, {"4", 1, 99}}
	for _, m := range msgs {
		if err := a.Send([]byte(m.data), m.stream, m.ppid); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range msgs {
		got, info := recvOne(t, b)
		if string(got) != m.data || info.Stream != m.stream || info.PPID != m.ppid {
			t.Errorf("got %q stream %d ppid %d, want %q %d %d", got, info.Stream, info.PPID, m.data, m.stream, m.ppid)
		}
	}
}

func TestSendCopies(t *testing.T) {
	a, b := Pipe(1, 1)
	msg := []byte("abc")
	if err := a.Send(msg, 0, 3); err != nil {
		t.Fatal(err)
	}
	msg[0] = 'X'
	if got, _ := recvOne(t, b); string(got) != "abc" {
		t.Fatalf("got %q: Send kept a reference to the caller's buffer", got)
	}
}

func TestTooLongIsDropped(t *testing.T) {
	a, b := Pipe(1, 1)
	a.Send(bytes.Repeat([]byte{1}, 10), 0, 3)
	a.Send([]byte{2}, 0, 3)
	buf := make([]byte, 5)
	if _, _, err := b.Recv(buf); !errors.Is(err, transport.ErrTooLong) {
		t.Fatalf("err %v, want ErrTooLong", err)
	}
	n, _, err := b.Recv(buf)
	if err != nil || n != 1 || buf[0] != 2 {
		t.Fatalf("next message: %d %v %x", n, err, buf[:n])
	}
}

func TestCloseDrainsThenEOF(t *testing.T) {
	a, b := Pipe(1, 1)
	a.Send([]byte("last words"), 0, 3)
	b.Send([]byte("lost"), 0, 3)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if got, _ := recvOne(t, b); string(got) != "last words" {
		t.Fatalf("got %q", got)
	}
	if _, _, err := b.Recv(make([]byte, 10)); err != io.EOF {
		t.Fatalf("peer Recv after drain: %v, want io.EOF", err)
	}
	if _, _, err := a.Recv(make([]byte, 10)); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("local Recv after Close: %v, want net.ErrClosed", err)
	}
	if err := a.Send([]byte("x"), 0, 3); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("local Send after Close: %v", err)
	}
	if err := b.Send([]byte("x"), 0, 3); !errors.Is(err, ErrShutdown) {
		t.Fatalf("peer Send after Close: %v", err)
	}
	// A second Close or an Abort afterwards changes nothing.
	a.Close()
	a.Abort()
	if _, _, err := b.Recv(make([]byte, 10)); err != io.EOF {
		t.Fatalf("after Abort of a closed end: %v", err)
	}
}

func TestAbortLosesQueued(t *testing.T) {
	a, b := Pipe(1, 1)
	a.Send([]byte("never read"), 0, 3)
	a.Abort()
	// The peer sees the transport-wide sentinel; this end net.ErrClosed,
	// as transport.Conn documents for every implementation.
	if _, _, err := b.Recv(make([]byte, 10)); !errors.Is(err, transport.ErrAborted) {
		t.Fatalf("peer Recv after Abort: %v", err)
	}
	if err := b.Send([]byte("x"), 0, 3); !errors.Is(err, transport.ErrAborted) {
		t.Fatalf("peer Send after Abort: %v", err)
	}
	if _, _, err := a.Recv(make([]byte, 10)); !errors.Is(err, net.ErrClosed) || errors.Is(err, transport.ErrAborted) {
		t.Fatalf("local Recv after Abort: %v", err)
	}
	if err := a.Send([]byte("x"), 0, 3); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("local Send after Abort: %v", err)
	}
}

func TestCloseUnblocksRecv(t *testing.T) {
	for _, tc := range []struct {
		name        string
		end         func(a, b *Conn)
		local, peer error
	}{
		{"close", func(a, b *Conn) { a.Close() }, net.ErrClosed, io.EOF},
		{"abort", func(a, b *Conn) { a.Abort() }, net.ErrClosed, ErrAborted},
		{"sever", func(a, b *Conn) { a.Sever(nil) }, ErrAborted, ErrAborted},
	} {
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
			tc.end(a, b)
			select {
			case e := <-errs:
				if !errors.Is(e[0], tc.local) || !errors.Is(e[1], tc.peer) {
					t.Fatalf("local %v peer %v, want %v %v", e[0], e[1], tc.local, tc.peer)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Recv stayed blocked")
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

// Several senders and one reader: every message arrives once, and each
// sender's messages stay in order on their stream.
func TestConcurrentSendersKeepPerStreamOrder(t *testing.T) {
	a, b := NewPipe(Options{OutStreams: 5, InStreams: 1, Depth: 64})
	const senders, per = 4, 2000
	var wg sync.WaitGroup
	for s := 0; s < senders; s++ {
		wg.Add(1)
		go func(s int) {
			defer wg.Done()
			for i := 0; i < per; i++ {
				if err := a.Send([]byte{byte(s), byte(i >> 8), byte(i)}, uint16(1+s), 3); err != nil {
					t.Error(err)
					return
				}
			}
		}(s)
	}
	next := make([]int, senders)
	buf := make([]byte, 8)
	for k := 0; k < senders*per; k++ {
		n, info, err := b.Recv(buf)
		if err != nil || n != 3 {
			t.Fatalf("Recv: %d %v", n, err)
		}
		s := int(buf[0])
		i := int(buf[1])<<8 | int(buf[2])
		if info.Stream != uint16(1+s) || i != next[s] {
			t.Fatalf("sender %d: got #%d on stream %d, want #%d", s, i, info.Stream, next[s])
		}
		next[s]++
	}
	wg.Wait()
}

func TestDialListen(t *testing.T) {
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
	// Negotiated as SCTP: min(OS, peer MIS) per direction.
	if c.OutStreams() != 10 || c.InStreams() != 4 || s.OutStreams() != 4 || s.InStreams() != 10 {
		t.Fatalf("dialer %d/%d listener %d/%d", c.OutStreams(), c.InStreams(), s.OutStreams(), s.InStreams())
	}
	if c.LocalAddrs()[0].String() != "asp:1" || c.RemoteAddrs()[0].String() != "stp:2905" || s.RemoteAddrs()[0].String() != "asp:1" {
		t.Fatalf("addrs %v %v %v", c.LocalAddrs(), c.RemoteAddrs(), s.RemoteAddrs())
	}
	c.Send([]byte("hi"), 9, 3)
	if got, info := recvOne(t, s); string(got) != "hi" || info.Stream != 9 {
		t.Fatalf("%q %d", got, info.Stream)
	}
	// Accept honours its context.
	cctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if _, err := l.Accept(cctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Accept with deadline: %v", err)
	}
	// A dialled but unaccepted association is aborted by Close; Accept
	// returns net.ErrClosed; the accepted one lives on.
	pending, err := d.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	acc := make(chan error)
	l.Close()
	go func() { _, err := l.Accept(ctx); acc <- err }()
	if err := <-acc; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after Close: %v", err)
	}
	if _, _, err := pending.Recv(make([]byte, 4)); !errors.Is(err, ErrAborted) {
		t.Fatalf("unaccepted association: %v", err)
	}
	if _, err := d.Dial(ctx); !errors.Is(err, ErrRefused) {
		t.Fatalf("dial after Close: %v", err)
	}
	c.Send([]byte("still"), 1, 3)
	if got, _ := recvOne(t, s); string(got) != "still" {
		t.Fatal("accepted association died with its listener")
	}
	// The address can be listened on again (a restarted peer).
	l2, err := n.Listen("stp:2905", Streams{Out: 2, MaxIn: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if _, err := d.Dial(ctx); err != nil {
		t.Fatalf("dial after restart: %v", err)
	}
}

func TestSteadyStateAllocatesNothing(t *testing.T) {
	a, b := Pipe(2, 2)
	msg := make([]byte, 64)
	buf := make([]byte, 272)
	// Warm the slot buffers.
	for i := 0; i < DefaultDepth; i++ {
		a.Send(msg, 1, 3)
		b.Recv(buf)
	}
	allocs := testing.AllocsPerRun(1000, func() {
		a.Send(msg, 1, 3)
		b.Recv(buf)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per message", allocs)
	}
}

func BenchmarkPipe(b *testing.B) {
	x, y := Pipe(2, 2)
	msg := make([]byte, 64)
	go func() {
		buf := make([]byte, 272)
		for {
			if _, _, err := y.Recv(buf); err != nil {
				return
			}
		}
	}()
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for i := 0; i < b.N; i++ {
		x.Send(msg, 1, 3)
	}
	x.Close()
}
