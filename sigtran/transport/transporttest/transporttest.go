// Package transporttest is the contract of package sigtran/transport as one
// test suite. Every implementation (kernel SCTP, M3UA over TCP, in memory)
// runs Run with a Factory that sets its associations up and says, in its
// fields, where the transport truly differs: TCP carries no streams and no
// PPID and needs whole M3UA messages, SCTP has no empty message, TCP bounds
// a message's length, the kernel names an abort ECONNRESET.
//
// What the suite pins, for every transport: messages keep their boundaries,
// stream and PPID, in order, and Send does not keep the caller's buffer;
// stream counts are negotiated (or fixed) as the Factory says and a stream
// beyond them fails with transport.ErrStream; a message longer than the
// buffer fails with transport.ErrTooLong and only it is lost; the peer's
// Close reads as io.EOF after what was sent, its Abort as
// transport.ErrAborted, this end's Close or Abort as net.ErrClosed, and
// either unblocks a waiting Recv; Accept honours its context and Close;
// Dial honours its context and is refused where nobody listens; Send from
// several goroutines keeps each sender's order; a steady flow allocates
// nothing.
//
// Benchmark measures one sender and one receiver through a Factory's
// association, for the transports' benchmarks.
package transporttest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/sipgw/sipgw/sigtran/transport"
)

// Streams is what one end asks for when an association is set up: its
// outbound streams (SCTP's OS) and the most inbound streams it accepts
// (MIS). Zero asks for the transport's default.
type Streams struct {
	Out, In uint16
}

// Factory sets up associations of one transport and describes how the
// transport differs from SCTP, the model of the contract.
type Factory struct {
	// Listen starts a listener whose associations ask for s. The suite
	// closes it.
	Listen func(t testing.TB, s Streams) transport.Listener
	// Dialer returns a dialer to l's address whose associations ask for s.
	// It is called while l is open; the suite may close l before dialling.
	Dialer func(t testing.TB, l transport.Listener, s Streams) transport.Dialer
	// Refused is wrapped by the error of a Dial to an address nobody
	// listens on (syscall.ECONNREFUSED for the kernel's transports).
	Refused error

	// DefaultStreams is the count each way when both ends ask for none.
	DefaultStreams uint16
	// StreamsCarried: a message arrives on the stream it was sent on, and
	// each direction gets min(the sender's Out, the receiver's In) streams
	// (RFC 9260 §5.1.1). Without it (TCP) an end reports its own Out both
	// ways, accepts any stream below it and receives everything on stream 0.
	StreamsCarried bool
	// AnyPPID: a message arrives with the PPID it was sent with. Without it
	// (TCP) Send refuses any PPID but transport.PPIDM3UA and every message
	// arrives with PPID 3.
	AnyPPID bool
	// EmptyMessages: an empty message is carried. Without it Send refuses
	// one (SCTP has no empty user message; an M3UA message has a header).
	EmptyMessages bool
	// Frame makes a message the transport accepts out of body (nil: body
	// as it is). M3UA over TCP puts an M3UA common header in front, which
	// its receiver needs to find the end of the message. The suite builds
	// every message it sends through Frame and reads what it put in a
	// body after the first len(Frame(nil)) octets.
	Frame func(body []byte) []byte
	// MaxMessage is the longest message Send accepts; 0 when the transport
	// has no bound of its own.
	MaxMessage int
	// AbortErr, when set, is wrapped too by the peer's Recv error after an
	// Abort: the system's name for it (syscall.ECONNRESET).
	AbortErr error
	// CloseAgainErr is wrapped by the error of a Close or Abort of an end
	// already closed; nil: such a call returns nil.
	CloseAgainErr error

	// AllocWarmup is how many messages go through an association before
	// its allocations are counted (the in-memory queue grows each slot's
	// buffer once). 0: 10.
	AllocWarmup int
	// PerSender is how many messages each of the concurrent senders sends;
	// kernel SCTP in an emulated VM takes about 0.2 ms each. 0: 500.
	PerSender int
}

// check reports a Factory that cannot run the suite.
func (f Factory) check() error {
	switch {
	case f.Listen == nil:
		return errors.New("transporttest: Factory.Listen is nil")
	case f.Dialer == nil:
		return errors.New("transporttest: Factory.Dialer is nil")
	case f.Refused == nil:
		return errors.New("transporttest: Factory.Refused is nil: say what a refused Dial wraps")
	case f.DefaultStreams == 0:
		return errors.New("transporttest: Factory.DefaultStreams is 0: every association has at least one stream")
	case f.PerSender > 1<<16:
		return fmt.Errorf("transporttest: Factory.PerSender %d: at most 65536 (a 16-bit sequence number)", f.PerSender)
	case f.MaxMessage < 0:
		return fmt.Errorf("transporttest: Factory.MaxMessage %d is negative", f.MaxMessage)
	}
	if n := len(f.message(nil)); f.MaxMessage > 0 && f.MaxMessage < n+64 {
		return fmt.Errorf("transporttest: Factory.MaxMessage %d leaves no room for the suite's messages", f.MaxMessage)
	}
	return nil
}

// message frames body into a new message the transport accepts.
func (f Factory) message(body []byte) []byte {
	if f.Frame == nil {
		return append([]byte(nil), body...)
	}
	return f.Frame(body)
}

// header is how many octets Frame puts before a body.
func (f Factory) header() int { return len(f.message(nil)) }

// sized returns a message of n octets in all, its body filled with fill.
func (f Factory) sized(n int, fill byte) []byte {
	body := make([]byte, n-f.header())
	for i := range body {
		body[i] = fill
	}
	return f.message(body)
}

// wantInfo is the Info a message sent on stream with ppid arrives with.
func (f Factory) wantInfo(stream uint16, ppid uint32) transport.Info {
	info := transport.Info{Stream: stream, PPID: ppid}
	if !f.StreamsCarried {
		info.Stream = 0
	}
	if !f.AnyPPID {
		info.PPID = transport.PPIDM3UA
	}
	return info
}

// Pair sets up one association through f's listener and dialer: the
// dialling end asks for dial, the accepting end for listen. The listener
// is closed once the association is accepted; both ends close when the
// test ends.
func (f Factory) Pair(t testing.TB, dial, listen Streams) (dialled, accepted transport.Conn) {
	t.Helper()
	l := f.Listen(t, listen)
	defer l.Close()
	d := f.Dialer(t, l, dial)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	type res struct {
		c   transport.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := l.Accept(ctx)
		ch <- res{c, err}
	}()
	c, err := d.Dial(ctx)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	r := <-ch
	if r.err != nil {
		t.Fatalf("Accept: %v", r.err)
	}
	t.Cleanup(func() { r.c.Close() })
	return c, r.c
}

// Run runs the contract on f's transport, one subtest per promise.
func Run(t *testing.T, f Factory) {
	if err := f.check(); err != nil {
		t.Fatal(err)
	}
	if f.AllocWarmup == 0 {
		f.AllocWarmup = 10
	}
	if f.PerSender == 0 {
		f.PerSender = 500
	}
	t.Run("Streams", f.testStreams)
	t.Run("SendRecv", f.testSendRecv)
	t.Run("EmptyMessage", f.testEmptyMessage)
	t.Run("TooLong", f.testTooLong)
	if f.MaxMessage > 0 {
		t.Run("MaxMessage", f.testMaxMessage)
	}
	t.Run("CloseIsShutdown", f.testCloseIsShutdown)
	t.Run("Abort", f.testAbort)
	t.Run("CloseUnblocksRecv", f.testCloseUnblocksRecv)
	t.Run("Accept", f.testAccept)
	t.Run("DialRefused", f.testDialRefused)
	t.Run("DialCancelled", f.testDialCancelled)
	t.Run("ConcurrentSenders", f.testConcurrentSenders)
	t.Run("SteadyStateAllocs", f.testSteadyStateAllocs)
}

// Benchmark sends DATA-sized messages (48 octets) from one end and reads
// them at the other, on streams 1 to 16 where streams are carried, and
// reports msg/s.
func Benchmark(b *testing.B, f Factory) {
	if err := f.check(); err != nil {
		b.Fatal(err)
	}
	s := Streams{Out: 17, In: 17}
	c, r := f.Pair(b, s, s)
	msg := f.sized(48, 0)
	buf := make([]byte, 256)
	done := make(chan error, 1)
	go func() {
		for i := 0; i < b.N; i++ {
			if _, _, err := r.Recv(buf); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
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
