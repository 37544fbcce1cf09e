package transporttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sipgw/sipgw/sigtran/transport"
)

// blockTime is how long the suite lets a goroutine reach a blocking call
// before it acts on it. If the goroutine is late, the call starts after
// the action and must give the same result, so the test stays valid.
const blockTime = 20 * time.Millisecond

// unblockTime bounds how long a blocked call may take to return once it
// has been unblocked.
const unblockTime = 5 * time.Second

// recv reads one message into a new buffer of size n.
func recv(t *testing.T, c transport.Conn, n int) ([]byte, transport.Info) {
	t.Helper()
	buf := make([]byte, n)
	k, info, err := c.Recv(buf)
	if err != nil {
		t.Fatalf("Recv: %v", err)
	}
	return buf[:k], info
}

// expect reads the next message and checks it and its Info.
func (f Factory) expect(t *testing.T, c transport.Conn, what string, want []byte, info transport.Info) {
	t.Helper()
	got, gi := recv(t, c, 65536)
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: got %d octets % .32x, want %d octets % .32x", what, len(got), got, len(want), want)
	}
	if gi != info {
		t.Fatalf("%s: Info %+v, want %+v", what, gi, info)
	}
}

func sym(n uint16) Streams { return Streams{Out: n, In: n} }

// testStreams: the counts each end reports, and the stream bound on Send
// at both ends.
func (f Factory) testStreams(t *testing.T) {
	for _, tc := range []struct {
		name         string
		dial, listen Streams
	}{
		{"asymmetric", Streams{Out: 5, In: 3}, Streams{Out: 7, In: 10}},
		{"dialler asks more", Streams{Out: 17, In: 8}, Streams{Out: 4, In: 10}},
		{"default", Streams{}, Streams{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, a := f.Pair(t, tc.dial, tc.listen)
			// What each end should report as out/in.
			dOut, dIn, aOut, aIn := tc.dial.Out, tc.dial.Out, tc.listen.Out, tc.listen.Out
			if f.StreamsCarried {
				dOut, dIn = min(tc.dial.Out, tc.listen.In), min(tc.listen.Out, tc.dial.In)
				aOut, aIn = dIn, dOut
			}
			if tc.dial == (Streams{}) {
				dOut, dIn, aOut, aIn = f.DefaultStreams, f.DefaultStreams, f.DefaultStreams, f.DefaultStreams
			}
			if d.OutStreams() != dOut || d.InStreams() != dIn || a.OutStreams() != aOut || a.InStreams() != aIn {
				t.Fatalf("dialled end out/in %d/%d, accepted end %d/%d; want %d/%d, %d/%d",
					d.OutStreams(), d.InStreams(), a.OutStreams(), a.InStreams(), dOut, dIn, aOut, aIn)
			}
			// Each end sends on its last stream; one beyond fails.
			for _, e := range []struct {
				name     string
				from, to transport.Conn
			}{{"dialled", d, a}, {"accepted", a, d}} {
				last := e.from.OutStreams() - 1
				msg := f.message([]byte(e.name))
				if err := e.from.Send(msg, last+1, transport.PPIDM3UA); !errors.Is(err, transport.ErrStream) {
					t.Fatalf("%s end: Send on stream %d of %d: %v, want ErrStream", e.name, last+1, last+1, err)
				}
				if err := e.from.Send(msg, last, transport.PPIDM3UA); err != nil {
					t.Fatalf("%s end: Send on stream %d of %d: %v", e.name, last, last+1, err)
				}
				f.expect(t, e.to, e.name+" end's last stream", msg, f.wantInfo(last, transport.PPIDM3UA))
			}
		})
	}
}

// testSendRecv: messages of many sizes keep their boundaries, stream and
// PPID, in order; Send keeps no reference to the caller's buffer; both
// ways; the ends agree on their addresses.
func (f Factory) testSendRecv(t *testing.T) {
	d, a := f.Pair(t, sym(4), sym(4))
	type msg struct {
		b      []byte
		stream uint16
		ppid   uint32
	}
	var sent, want []msg
	for _, m := range []msg{
		{[]byte("aspup"), 0, transport.PPIDM3UA},
		{bytes.Repeat([]byte{1}, 1000), 1, transport.PPIDM3UA},
		{bytes.Repeat([]byte{2}, 3000), 3, transport.PPIDM3UA},
		{[]byte{9}, 2, 46}, // another PPID (Diameter): carried, not fixed
		{bytes.Repeat([]byte{3}, 40000), 1, 0x01020304},
		{[]byte("three three"), 3, 0},
		{[]byte("4"), 1, 99},
		{[]byte("end"), 2, transport.PPIDM3UA},
	} {
		b := f.message(m.b)
		err := d.Send(b, m.stream, m.ppid)
		if !f.AnyPPID && m.ppid != transport.PPIDM3UA {
			// Refused, and nothing of it may arrive: "end" follows.
			if err == nil {
				t.Fatalf("Send with PPID %d succeeded on a transport that carries only M3UA", m.ppid)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Send of %d octets on stream %d PPID %d: %v", len(b), m.stream, m.ppid, err)
		}
		sent = append(sent, msg{b, m.stream, m.ppid})
		want = append(want, msg{bytes.Clone(b), m.stream, m.ppid})
	}
	// The caller may reuse its buffer once Send returned.
	for _, m := range sent {
		for i := range m.b {
			m.b[i] = 0xee
		}
	}
	for i, m := range want {
		f.expect(t, a, fmt.Sprintf("message %d (stream %d, PPID %d)", i, m.stream, m.ppid), m.b, f.wantInfo(m.stream, m.ppid))
	}
	// And the other way.
	ack := f.message([]byte("ack"))
	if err := a.Send(ack, 3, transport.PPIDM3UA); err != nil {
		t.Fatal(err)
	}
	f.expect(t, d, "reply", ack, f.wantInfo(3, transport.PPIDM3UA))

	sameAddrs(t, "dialled end's remote vs accepted end's local", d.RemoteAddrs(), a.LocalAddrs())
	sameAddrs(t, "dialled end's local vs accepted end's remote", d.LocalAddrs(), a.RemoteAddrs())
}

func sameAddrs(t *testing.T, what string, x, y []net.Addr) {
	t.Helper()
	str := func(as []net.Addr) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.Network()+" "+a.String())
		}
		slices.Sort(out)
		return out
	}
	if sx, sy := str(x), str(y); len(sx) == 0 || !slices.Equal(sx, sy) {
		t.Fatalf("%s: %q and %q", what, sx, sy)
	}
}

// testEmptyMessage: an empty message is carried, or refused without
// harm, as the transport says.
func (f Factory) testEmptyMessage(t *testing.T) {
	d, a := f.Pair(t, sym(2), sym(2))
	err := d.Send(nil, 1, transport.PPIDM3UA)
	switch {
	case f.EmptyMessages && err != nil:
		t.Fatalf("Send of an empty message: %v", err)
	case !f.EmptyMessages && err == nil:
		t.Fatal("Send of an empty message succeeded on a transport that has none")
	case f.EmptyMessages:
		f.expect(t, a, "the empty message", []byte{}, f.wantInfo(1, transport.PPIDM3UA))
	}
	next := f.message([]byte("next"))
	if err := d.Send(next, 0, transport.PPIDM3UA); err != nil {
		t.Fatal(err)
	}
	f.expect(t, a, "the message after the empty one", next, f.wantInfo(0, transport.PPIDM3UA))
}

// testTooLong: a message longer than Recv's buffer fails with ErrTooLong
// and is dropped; the next one arrives whole; one of exactly the buffer's
// size is not too long.
func (f Factory) testTooLong(t *testing.T) {
	d, a := f.Pair(t, sym(2), sym(2))
	long, next, exact := f.sized(5000, 7), f.message([]byte("next")), f.sized(1024, 8)
	for _, m := range [][]byte{long, next, exact} {
		if err := d.Send(m, 1, transport.PPIDM3UA); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 1024)
	if n, _, err := a.Recv(buf); !errors.Is(err, transport.ErrTooLong) || n != 0 {
		t.Fatalf("Recv of %d octets into %d: %d, %v; want ErrTooLong", len(long), len(buf), n, err)
	}
	n, info, err := a.Recv(buf)
	if err != nil || !bytes.Equal(buf[:n], next) || info != f.wantInfo(1, transport.PPIDM3UA) {
		t.Fatalf("after the long one: % x %+v %v; want % x", buf[:n], info, err, next)
	}
	if n, _, err := a.Recv(buf); err != nil || !bytes.Equal(buf[:n], exact) {
		t.Fatalf("a message of the buffer's size: %d octets, %v", n, err)
	}
}

// testMaxMessage: Send refuses a message beyond the transport's bound
// and the association goes on; one at the bound arrives whole.
func (f Factory) testMaxMessage(t *testing.T) {
	d, a := f.Pair(t, sym(2), sym(2))
	over, at, next := f.sized(f.MaxMessage+1, 1), f.sized(f.MaxMessage, 2), f.message([]byte("next"))
	if err := d.Send(over, 1, transport.PPIDM3UA); err == nil {
		t.Fatalf("Send of %d octets, beyond the bound %d, succeeded", len(over), f.MaxMessage)
	}
	for _, m := range [][]byte{at, next} {
		if err := d.Send(m, 1, transport.PPIDM3UA); err != nil {
			t.Fatalf("Send of %d octets (bound %d): %v", len(m), f.MaxMessage, err)
		}
	}
	buf := make([]byte, f.MaxMessage)
	if n, _, err := a.Recv(buf); err != nil || !bytes.Equal(buf[:n], at) {
		t.Fatalf("the message at the bound: %d octets, %v", n, err)
	}
	if n, _, err := a.Recv(buf); err != nil || !bytes.Equal(buf[:n], next) {
		t.Fatalf("the message after it: % x, %v", buf[:n], err)
	}
}

// closedAgain checks what closing an end a second time returns.
func (f Factory) closedAgain(t *testing.T, c transport.Conn) {
	t.Helper()
	for _, op := range []struct {
		name string
		fn   func() error
	}{{"Close", c.Close}, {"Abort", c.Abort}} {
		err := op.fn()
		if (f.CloseAgainErr == nil && err != nil) || (f.CloseAgainErr != nil && !errors.Is(err, f.CloseAgainErr)) {
			t.Fatalf("%s of a closed end: %v, want %v", op.name, err, f.CloseAgainErr)
		}
	}
}

// testCloseIsShutdown: after the peer's Close, what it sent before is
// read, then io.EOF; the closing end's Recv and Send fail with
// net.ErrClosed; closing it again changes nothing for the peer.
func (f Factory) testCloseIsShutdown(t *testing.T) {
	d, a := f.Pair(t, Streams{}, Streams{})
	last := f.message([]byte("last words"))
	if err := d.Send(last, 0, transport.PPIDM3UA); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	f.expect(t, a, "the message sent before Close", last, f.wantInfo(0, transport.PPIDM3UA))
	if _, _, err := a.Recv(make([]byte, 64)); err != io.EOF {
		t.Fatalf("the peer's Recv after Close: %v, want io.EOF", err)
	}
	if _, _, err := d.Recv(make([]byte, 64)); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("the closing end's Recv: %v, want net.ErrClosed", err)
	}
	if err := d.Send(last, 0, transport.PPIDM3UA); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("the closing end's Send: %v, want net.ErrClosed", err)
	}
	f.closedAgain(t, d)
	if _, _, err := a.Recv(make([]byte, 64)); err != io.EOF {
		t.Fatalf("the peer's Recv after a second Close and an Abort: %v, want io.EOF", err)
	}
}

// testAbort: after the peer's Abort, Recv fails with ErrAborted; the
// aborting end's Recv and Send fail with net.ErrClosed, which is not an
// abort.
func (f Factory) testAbort(t *testing.T) {
	d, a := f.Pair(t, Streams{}, Streams{})
	if err := d.Abort(); err != nil {
		t.Fatalf("Abort: %v", err)
	}
	_, _, err := a.Recv(make([]byte, 64))
	if !errors.Is(err, transport.ErrAborted) || (f.AbortErr != nil && !errors.Is(err, f.AbortErr)) {
		t.Fatalf("the peer's Recv after Abort: %v, want ErrAborted (and %v)", err, f.AbortErr)
	}
	if _, _, err := d.Recv(make([]byte, 64)); !errors.Is(err, net.ErrClosed) || errors.Is(err, transport.ErrAborted) {
		t.Fatalf("the aborting end's Recv: %v, want net.ErrClosed and no ErrAborted", err)
	}
	if err := d.Send(f.message([]byte{1}), 0, transport.PPIDM3UA); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("the aborting end's Send: %v, want net.ErrClosed", err)
	}
	f.closedAgain(t, d)
}

// testCloseUnblocksRecv: with a Recv waiting at each end, Close or Abort
// of one end returns its Recv with net.ErrClosed and the peer's with
// io.EOF or ErrAborted.
func (f Factory) testCloseUnblocksRecv(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(transport.Conn) error
		peer error
	}{
		{"Close", transport.Conn.Close, io.EOF},
		{"Abort", transport.Conn.Abort, transport.ErrAborted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, a := f.Pair(t, Streams{}, Streams{})
			var errs [2]error
			var wg sync.WaitGroup
			for i, c := range []transport.Conn{d, a} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, _, errs[i] = c.Recv(make([]byte, 64))
				}()
			}
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			time.Sleep(blockTime)
			if err := tc.end(d); err != nil {
				t.Fatal(err)
			}
			select {
			case <-done:
			case <-time.After(unblockTime):
				t.Fatalf("Recv stayed blocked after %s", tc.name)
			}
			if !errors.Is(errs[0], net.ErrClosed) || errors.Is(errs[0], transport.ErrAborted) {
				t.Errorf("the local Recv: %v, want net.ErrClosed", errs[0])
			}
			if !errors.Is(errs[1], tc.peer) || (tc.peer == io.EOF && errs[1] != io.EOF) {
				t.Errorf("the peer's Recv: %v, want %v", errs[1], tc.peer)
			}
		})
	}
}

// testAccept: Accept ends with its context and the listener still works;
// Close unblocks a waiting Accept with net.ErrClosed, and Accept after
// Close fails the same way.
func (f Factory) testAccept(t *testing.T) {
	l := f.Listen(t, Streams{})
	defer l.Close()
	if len(l.Addrs()) == 0 {
		t.Fatal("the listener has no address")
	}
	d := f.Dialer(t, l, Streams{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if c, err := l.Accept(ctx); !errors.Is(err, context.DeadlineExceeded) || c != nil {
		t.Fatalf("Accept with an ending context: %v, %v; want context.DeadlineExceeded", c, err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := d.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := l.Accept(ctx)
	if err != nil {
		t.Fatalf("Accept after a cancelled one: %v", err)
	}
	defer s.Close()
	hi := f.message([]byte("hi"))
	if err := c.Send(hi, 0, transport.PPIDM3UA); err != nil {
		t.Fatal(err)
	}
	f.expect(t, s, "through the accepted association", hi, f.wantInfo(0, transport.PPIDM3UA))

	done := make(chan error, 1)
	go func() {
		_, err := l.Accept(context.Background())
		done <- err
	}()
	time.Sleep(blockTime)
	l.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("a waiting Accept after Close: %v, want net.ErrClosed", err)
		}
	case <-time.After(unblockTime):
		t.Fatal("Close did not unblock Accept")
	}
	if _, err := l.Accept(context.Background()); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after Close: %v, want net.ErrClosed", err)
	}
}

// testDialRefused: nobody listens any more where the dialer goes.
func (f Factory) testDialRefused(t *testing.T) {
	l := f.Listen(t, Streams{})
	d := f.Dialer(t, l, Streams{})
	l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := d.Dial(ctx)
	if err == nil {
		c.Close()
	}
	if !errors.Is(err, f.Refused) {
		t.Fatalf("Dial where nobody listens: %v, want %v", err, f.Refused)
	}
}

// testDialCancelled: a Dial whose context has ended fails with the
// context's error, even with a listener there.
func (f Factory) testDialCancelled(t *testing.T) {
	l := f.Listen(t, Streams{})
	defer l.Close()
	d := f.Dialer(t, l, Streams{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c, err := d.Dial(ctx)
	if err == nil {
		c.Close()
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Dial with a cancelled context: %v, %v; want context.Canceled", c, err)
	}
}

// testConcurrentSenders: Send from several goroutines, each on its own
// stream; every message arrives once, whole, and each sender's in order.
func (f Factory) testConcurrentSenders(t *testing.T) {
	const senders, size = 4, 64
	d, a := f.Pair(t, sym(senders+1), sym(senders+1))
	errs := make(chan error, senders)
	for s := range senders {
		go func() {
			body := make([]byte, size)
			body[0] = byte(s)
			for i := range f.PerSender {
				body[1], body[2] = byte(i>>8), byte(i)
				if err := d.Send(f.message(body), uint16(1+s), transport.PPIDM3UA); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	h := f.header()
	next := make([]int, senders)
	buf := make([]byte, 2*(h+size))
	for k := 0; k < senders*f.PerSender; k++ {
		n, info, err := a.Recv(buf)
		if err != nil {
			t.Fatalf("Recv %d of %d: %v", k, senders*f.PerSender, err)
		}
		body := buf[h:n]
		if n != h+size || int(body[0]) >= senders {
			t.Fatalf("Recv %d: %d octets (want %d), sender %d", k, n, h+size, body[0])
		}
		s, i := int(body[0]), int(body[1])<<8|int(body[2])
		if info != f.wantInfo(uint16(1+s), transport.PPIDM3UA) || i != next[s] {
			t.Fatalf("sender %d: got #%d with %+v, want #%d on stream %d", s, i, info, next[s], 1+s)
		}
		next[s]++
	}
	for range senders {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// testSteadyStateAllocs: once warm, a Send and a Recv allocate nothing.
func (f Factory) testSteadyStateAllocs(t *testing.T) {
	d, a := f.Pair(t, sym(2), sym(2))
	msg := f.sized(48, 0)
	buf := make([]byte, 256)
	round := func() {
		if err := d.Send(msg, 1, transport.PPIDM3UA); err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Recv(buf); err != nil {
			t.Fatal(err)
		}
	}
	for range f.AllocWarmup {
		round()
	}
	if allocs := testing.AllocsPerRun(1000, round); allocs != 0 {
		t.Fatalf("%v allocations per Send and Recv, want 0", allocs)
	}
}
