package transporttest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"sync/atomic"
	"testing"

	"github.com/sipgw/sipgw/sigtran/transport"
	"github.com/sipgw/sipgw/sigtran/transport/mem"
	"github.com/sipgw/sipgw/sigtran/transport/transporttest"
)

// The suite must fail a transport that breaks its contract, each break in
// the subtest that pins it: this test runs itself again in a child process
// per break (the suite's failures cannot be caught in-process), with the
// in-memory transport wrapped so that it breaks one promise. The "none"
// row checks that the unbroken wrapping passes, so that a failure means the
// break and not the harness.
const brokenEnv = "TRANSPORTTEST_BROKEN"

// suite names the suite's subtests for the in-memory transport.
var suite = []string{"Streams", "SendRecv", "EmptyMessage", "TooLong", "CloseIsShutdown", "Abort",
	"CloseUnblocksRecv", "Accept", "DialRefused", "DialCancelled", "ConcurrentSenders", "SteadyStateAllocs"}

// breaks: each way of breaking the contract and the subtests that must
// catch it.
var breaks = map[string]struct {
	conn   func(transport.Conn) transport.Conn
	refuse func(error) error
	caught []string
}{
	"none": {},
	// A message longer than the buffer comes out cut instead of refused.
	"truncates": {conn: func(c transport.Conn) transport.Conn { return &truncating{Conn: c} }, caught: []string{"TooLong"}},
	// The peer's Abort reads like its Close.
	"abort as EOF": {conn: mapRecvErr(transport.ErrAborted, io.EOF), caught: []string{"Abort", "CloseUnblocksRecv/Abort"}},
	// This end's Close reads like the peer's.
	"closed as EOF": {conn: mapRecvErr(net.ErrClosed, io.EOF), caught: []string{"CloseIsShutdown", "Abort", "CloseUnblocksRecv/Close"}},
	// Every message arrives on stream 0, though streams are carried.
	"streams lost": {conn: func(c transport.Conn) transport.Conn { return &streamless{Conn: c} }, caught: []string{"Streams", "SendRecv", "ConcurrentSenders"}},
	// A stream beyond the count is dropped quietly.
	"no stream bound": {conn: func(c transport.Conn) transport.Conn { return &unbounded{Conn: c} }, caught: []string{"Streams"}},
	// Send copies the message once more on the heap.
	"allocates": {conn: func(c transport.Conn) transport.Conn { return &cloning{Conn: c} }, caught: []string{"SteadyStateAllocs"}},
	// A refused Dial says something else.
	"refusal hidden": {refuse: func(err error) error {
		if errors.Is(err, mem.ErrRefused) {
			return errors.New("could not dial")
		}
		return err
	}, caught: []string{"DialRefused"}},
}

func TestSuiteCatchesBrokenTransports(t *testing.T) {
	if name, ok := os.LookupEnv(brokenEnv); ok {
		// The child: the suite on the broken transport.
		b, ok := breaks[name]
		if !ok {
			t.Fatalf("%s=%q: no such break", brokenEnv, name)
		}
		transporttest.Run(t, brokenFactory(b.conn, b.refuse))
		return
	}
	for name, b := range breaks {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestSuiteCatchesBrokenTransports$", "-test.v", "-test.count=1", "-test.timeout=60s")
			cmd.Env = append(os.Environ(), brokenEnv+"="+name)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			switch {
			case len(b.caught) == 0 && err != nil:
				t.Fatalf("the suite failed the unbroken transport: %v\n%s", err, out)
			case len(b.caught) == 0:
				// The whole suite ran.
				for _, sub := range suite {
					if !bytes.Contains(out, []byte("--- PASS: TestSuiteCatchesBrokenTransports/"+sub+" ")) {
						t.Errorf("subtest %s did not pass\n%s", sub, out)
					}
				}
				return
			case !errors.As(err, &exit):
				t.Fatalf("the suite passed a transport whose %s (%v)\n%s", name, err, out)
			}
			for _, sub := range b.caught {
				re := regexp.MustCompile(`(?m)^\s*--- FAIL: TestSuiteCatchesBrokenTransports/` + regexp.QuoteMeta(sub) + ` `)
				if !re.Match(out) {
					t.Errorf("break %q: subtest %s did not fail\n%s", name, sub, out)
				}
			}
			if bytes.Contains(out, []byte("panic:")) || bytes.Contains(out, []byte("test timed out")) {
				t.Errorf("break %q: the suite panicked or hung instead of failing\n%s", name, out)
			}
		})
	}
}

// brokenFactory is the in-memory transport with its associations wrapped
// by conn and its dial errors by refuse (nil: unchanged).
func brokenFactory(conn func(transport.Conn) transport.Conn, refuse func(error) error) transporttest.Factory {
	if conn == nil {
		conn = func(c transport.Conn) transport.Conn { return c }
	}
	if refuse == nil {
		refuse = func(err error) error { return err }
	}
	n := mem.NewNetwork()
	var next atomic.Int64
	return transporttest.Factory{
		Listen: func(t testing.TB, s transporttest.Streams) transport.Listener {
			l, err := n.Listen(mem.Addr(fmt.Sprintf("l%d", next.Add(1))), mem.Streams{Out: s.Out, MaxIn: s.In})
			if err != nil {
				t.Fatal(err)
			}
			return listener{l, conn}
		},
		Dialer: func(t testing.TB, l transport.Listener, s transporttest.Streams) transport.Dialer {
			return dialer{&mem.Dialer{Net: n, Remote: l.Addrs()[0].(mem.Addr), Streams: mem.Streams{Out: s.Out, MaxIn: s.In}}, conn, refuse}
		},
		Refused:        mem.ErrRefused,
		DefaultStreams: 1,
		StreamsCarried: true,
		AnyPPID:        true,
		EmptyMessages:  true,
		AllocWarmup:    mem.DefaultDepth,
	}
}

type listener struct {
	*mem.Listener
	wrap func(transport.Conn) transport.Conn
}

func (l listener) Accept(ctx context.Context) (transport.Conn, error) {
	c, err := l.Listener.Accept(ctx)
	if err != nil {
		return nil, err
	}
	return l.wrap(c), nil
}

type dialer struct {
	d      *mem.Dialer
	wrap   func(transport.Conn) transport.Conn
	refuse func(error) error
}

func (d dialer) Dial(ctx context.Context) (transport.Conn, error) {
	c, err := d.d.Dial(ctx)
	if err != nil {
		return nil, d.refuse(err)
	}
	return d.wrap(c), nil
}

type truncating struct {
	transport.Conn
	scratch [1 << 17]byte
}

func (c *truncating) Recv(buf []byte) (int, transport.Info, error) {
	n, info, err := c.Conn.Recv(c.scratch[:])
	return copy(buf, c.scratch[:n]), info, err
}

type recvErrMapped struct {
	transport.Conn
	from, to error
}

func mapRecvErr(from, to error) func(transport.Conn) transport.Conn {
	return func(c transport.Conn) transport.Conn { return &recvErrMapped{c, from, to} }
}

func (c *recvErrMapped) Recv(buf []byte) (int, transport.Info, error) {
	n, info, err := c.Conn.Recv(buf)
	if errors.Is(err, c.from) {
		err = c.to
	}
	return n, info, err
}

type streamless struct{ transport.Conn }

func (c *streamless) Recv(buf []byte) (int, transport.Info, error) {
	n, info, err := c.Conn.Recv(buf)
	info.Stream = 0
	return n, info, err
}

type unbounded struct{ transport.Conn }

func (c *unbounded) Send(msg []byte, stream uint16, ppid uint32) error {
	if err := c.Conn.Send(msg, stream, ppid); !errors.Is(err, transport.ErrStream) {
		return err
	}
	return nil
}

type cloning struct{ transport.Conn }

func (c *cloning) Send(msg []byte, stream uint16, ppid uint32) error {
	return c.Conn.Send(bytes.Clone(msg), stream, ppid)
}
