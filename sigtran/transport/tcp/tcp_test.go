package tcp

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/sipgw/sipgw/sigtran/transport"
)

// m3ua builds an M3UA message of class/type with a body of n octets.
func m3ua(class, typ uint8, body []byte) []byte {
	b := make([]byte, HeaderLen+len(body))
	b[0], b[2], b[3] = Version, class, typ
	binary.BigEndian.PutUint32(b[4:], uint32(len(b)))
	copy(b[HeaderLen:], body)
	return b
}

func TestFrameLen(t *testing.T) {
	for _, tc := range []struct {
		name string
		hdr  []byte
		max  int
		want int
		ok   bool
	}{
		{"aspup", []byte{1, 0, 3, 1, 0, 0, 0, 8}, 0, 8, true},
		{"data", []byte{1, 0, 1, 1, 0, 0, 0, 44, 0xff}, 0, 44, true},
		{"at bound", []byte{1, 0, 1, 1, 0, 0, 1, 0}, 256, 256, true},
		{"above bound", []byte{1, 0, 1, 1, 0, 0, 1, 4}, 256, 0, false},
		{"default bound", []byte{1, 0, 1, 1, 0, 1, 0, 4}, 0, 0, false},
		{"huge", []byte{1, 0, 1, 1, 0xff, 0xff, 0xff, 0xff}, 0, 0, false},
		{"version 0", []byte{0, 0, 3, 1, 0, 0, 0, 8}, 0, 0, false},
		{"version 2", []byte{2, 0, 3, 1, 0, 0, 0, 8}, 0, 0, false},
		{"length 7", []byte{1, 0, 3, 1, 0, 0, 0, 7}, 0, 0, false},
		{"length 0", []byte{1, 0, 3, 1, 0, 0, 0, 0}, 0, 0, false},
		{"short", []byte{1, 0, 3, 1, 0, 0, 0}, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := FrameLen(tc.hdr, tc.max)
			if tc.ok {
				if err != nil || n != tc.want {
					t.Fatalf("FrameLen = %d, %v; want %d", n, err, tc.want)
				}
				return
			}
			var fe *FrameError
			if !errors.Is(err, ErrFrame) || !errors.As(err, &fe) || fe.Reason == "" {
				t.Fatalf("FrameLen = %d, %v; want a *FrameError wrapping ErrFrame", n, err)
			}
		})
	}
}

// pair returns both ends of one loopback connection.
func pair(t testing.TB, cfg Config) (client, server *Conn) {
	t.Helper()
	l, err := Listen("127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	d := &Dialer{Addr: l.Addrs()[0].String(), Config: cfg}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
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
		t.Fatal(err)
	}
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	t.Cleanup(func() { c.Close(); r.c.Close() })
	return c.(*Conn), r.c.(*Conn)
}

func TestSendRecv(t *testing.T) {
	a, b := pair(t, Config{Streams: 4})
	if a.OutStreams() != 4 || b.InStreams() != 4 {
		t.Fatalf("streams %d/%d, want 4", a.OutStreams(), b.InStreams())
	}
	msgs := [][]byte{
		m3ua(3, 1, nil),                         // ASPUP on stream 0
		m3ua(1, 1, bytes.Repeat([]byte{7}, 36)), // DATA on stream 1
		m3ua(1, 1, bytes.Repeat([]byte{9}, 1000)),
		m3ua(0, 1, []byte{0, 1, 0, 8, 0, 0, 0, 1}), // NTFY
	}
	streams := []uint16{0, 1, 3, 2}
	for i, m := range msgs {
		if err := a.Send(m, streams[i], transport.PPIDM3UA); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 2048)
	for i, want := range msgs {
		n, info, err := b.Recv(buf)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if !bytes.Equal(buf[:n], want) {
			t.Fatalf("message %d: got % x, want % x", i, buf[:n], want)
		}
		if info != (transport.Info{Stream: 0, PPID: transport.PPIDM3UA}) {
			t.Fatalf("message %d: info %+v, want stream 0 PPID 3", i, info)
		}
	}
	if len(a.LocalAddrs()) != 1 || a.RemoteAddrs()[0].String() != b.LocalAddrs()[0].String() {
		t.Fatalf("addresses: %v → %v vs %v", a.LocalAddrs(), a.RemoteAddrs(), b.LocalAddrs())
	}
}

func TestSendRejects(t *testing.T) {
	a, _ := pair(t, Config{Streams: 2, MaxMessage: 64})
	good := m3ua(1, 1, make([]byte, 8))
	short := good[:12] // length field says 16
	badVersion := append([]byte(nil), good...)
	badVersion[0] = 2
	for _, tc := range []struct {
		name   string
		msg    []byte
		stream uint16
		ppid   uint32
		want   error
	}{
		{"stream at count", good, 2, 3, transport.ErrStream},
		{"ppid", good, 1, 0, nil},
		{"length mismatch", short, 1, 3, ErrFrame},
		{"version", badVersion, 1, 3, ErrFrame},
		{"above max", m3ua(1, 1, make([]byte, 64)), 1, 3, ErrFrame},
		{"header only", good[:4], 1, 3, ErrFrame},
	} {
		err := a.Send(tc.msg, tc.stream, tc.ppid)
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: Send = %v, want %v", tc.name, err, tc.want)
		}
	}
}

// raw returns a Conn whose peer is a plain TCP connection, to write bytes
// that Send would refuse.
func raw(t *testing.T, cfg Config) (*Conn, net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	d := &Dialer{Addr: l.Addr().String(), Config: cfg}
	c, err := d.Dial(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); p.Close() })
	return c.(*Conn), p
}

func TestRecvTooLongSkipsOne(t *testing.T) {
	c, p := raw(t, Config{})
	long := m3ua(1, 1, make([]byte, 100))
	next := m3ua(3, 4, nil) // ASPUP_ACK
	p.Write(append(append([]byte(nil), long...), next...))
	buf := make([]byte, 64)
	if _, _, err := c.Recv(buf); !errors.Is(err, transport.ErrTooLong) {
		t.Fatalf("Recv = %v, want ErrTooLong", err)
	}
	n, _, err := c.Recv(buf)
	if err != nil || !bytes.Equal(buf[:n], next) {
		t.Fatalf("after the long one: % x, %v; want % x", buf[:n], err, next)
	}
}

func TestRecvFrameErrorIsSticky(t *testing.T) {
	c, p := raw(t, Config{})
	p.Write([]byte("GET / HTTP/1.1\r\n\r\n"))
	buf := make([]byte, 64)
	for i := 0; i < 2; i++ {
		if _, _, err := c.Recv(buf); !errors.Is(err, ErrFrame) {
			t.Fatalf("Recv %d = %v, want ErrFrame", i, err)
		}
	}
}

func TestRecvEOF(t *testing.T) {
	t.Run("between messages", func(t *testing.T) {
		c, p := raw(t, Config{})
		p.Write(m3ua(3, 1, nil))
		p.Close()
		buf := make([]byte, 64)
		if _, _, err := c.Recv(buf); err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Recv(buf); err != io.EOF {
			t.Fatalf("Recv = %v, want io.EOF", err)
		}
	})
	for _, cut := range []int{3, 8, 12} {
		c, p := raw(t, Config{})
		p.Write(m3ua(1, 1, make([]byte, 8))[:cut])
		p.Close()
		if _, _, err := c.Recv(make([]byte, 64)); err != io.ErrUnexpectedEOF {
			t.Fatalf("cut at %d: Recv = %v, want io.ErrUnexpectedEOF", cut, err)
		}
	}
}

func TestCloseUnblocksRecvAndPeerSeesEOF(t *testing.T) {
	a, b := pair(t, Config{})
	done := make(chan error, 1)
	go func() {
		_, _, err := a.Recv(make([]byte, 64))
		done <- err
	}()
	time.Sleep(20 * time.Millisecond) // let Recv block
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("local Recv = %v, want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not unblock Recv")
	}
	if _, _, err := b.Recv(make([]byte, 64)); err != io.EOF {
		t.Fatalf("peer Recv = %v, want io.EOF", err)
	}
	if err := a.Send(m3ua(3, 1, nil), 0, transport.PPIDM3UA); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("local Send after Close = %v, want net.ErrClosed", err)
	}
}

func TestAbortPeerSeesReset(t *testing.T) {
	a, b := pair(t, Config{})
	if err := a.Abort(); err != nil {
		t.Fatal(err)
	}
	_, _, err := b.Recv(make([]byte, 64))
	if !errors.Is(err, syscall.ECONNRESET) || !errors.Is(err, transport.ErrAborted) {
		t.Fatalf("peer Recv after Abort = %v, want ECONNRESET and transport.ErrAborted", err)
	}
	// This end closed it: net.ErrClosed, not an abort.
	if _, _, err := a.Recv(make([]byte, 64)); !errors.Is(err, net.ErrClosed) || errors.Is(err, transport.ErrAborted) {
		t.Fatalf("local Recv after Abort = %v, want net.ErrClosed", err)
	}
	if err := a.Send(m3ua(3, 1, nil), 0, transport.PPIDM3UA); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("local Send after Abort = %v, want net.ErrClosed", err)
	}
}

func TestAccept(t *testing.T) {
	l, err := Listen("127.0.0.1:0", Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	// A cancelled context ends Accept, and the next Accept still works.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := l.Accept(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Accept = %v, want context.DeadlineExceeded", err)
	}
	go func() {
		d := &Dialer{Addr: l.Addrs()[0].String()}
		if c, err := d.Dial(context.Background()); err == nil {
			defer c.Close()
			c.Recv(make([]byte, 8))
		}
	}()
	c, err := l.Accept(context.Background())
	if err != nil {
		t.Fatalf("Accept after a cancelled one: %v", err)
	}
	c.Close()

	// Close unblocks a pending Accept with net.ErrClosed.
	done := make(chan error, 1)
	go func() {
		_, err := l.Accept(context.Background())
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	l.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Accept after Close = %v, want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not unblock Accept")
	}
}

func TestDialLocalAddress(t *testing.T) {
	l, err := Listen("127.0.0.1:0", Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	d := &Dialer{Addr: l.Addrs()[0].String(), Local: "127.0.0.2:0"}
	c, err := d.Dial(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := c.LocalAddrs()[0].(*net.TCPAddr).IP.String(); got != "127.0.0.2" {
		t.Fatalf("local address %s, want 127.0.0.2", got)
	}
	if _, err := (&Dialer{Addr: "127.0.0.1:1", Local: "not an address"}).Dial(context.Background()); err == nil {
		t.Fatal("Dial with a bad local address succeeded")
	}
}

// TestSendRecvAllocs: the steady state allocates nothing per message.
func TestSendRecvAllocs(t *testing.T) {
	a, b := pair(t, Config{})
	msg := m3ua(1, 1, make([]byte, 40))
	buf := make([]byte, 256)
	allocs := testing.AllocsPerRun(1000, func() {
		if err := a.Send(msg, 1, transport.PPIDM3UA); err != nil {
			t.Fatal(err)
		}
		if _, _, err := b.Recv(buf); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per Send+Recv, want 0", allocs)
	}
}

// BenchmarkSendRecv: one DATA-sized message written and read on loopback.
func BenchmarkSendRecv(b *testing.B) {
	x, y := pair(b, Config{})
	msg := m3ua(1, 1, make([]byte, 40))
	buf := make([]byte, 256)
	done := make(chan error, 1)
	go func() {
		for i := 0; i < b.N; i++ {
			if _, _, err := y.Recv(buf); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := x.Send(msg, 1, transport.PPIDM3UA); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
}
