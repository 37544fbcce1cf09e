package tcp

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/sipgw/sipgw/sigtran/transport"
	"github.com/sipgw/sipgw/sigtran/transport/transporttest"
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

// contract is M3UA over TCP on the loopback for the transporttest suite:
// no streams or PPID on the wire, whole M3UA messages only (DATA headers
// made by Frame), lengths bounded by cfg.MaxMessage.
func contract(cfg Config) transporttest.Factory {
	// One stream count both ways: the end's Out.
	with := func(s transporttest.Streams) Config {
		c := cfg
		c.Streams = s.Out
		return c
	}
	return transporttest.Factory{
		Listen: func(t testing.TB, s transporttest.Streams) transport.Listener {
			l, err := Listen("127.0.0.1:0", with(s))
			if err != nil {
				t.Fatal(err)
			}
			return l
		},
		Dialer: func(t testing.TB, l transport.Listener, s transporttest.Streams) transport.Dialer {
			return &Dialer{Addr: l.Addrs()[0].String(), Config: with(s)}
		},
		Refused:        syscall.ECONNREFUSED,
		DefaultStreams: DefaultStreams,
		Frame:          func(body []byte) []byte { return m3ua(1, 1, body) },
		MaxMessage:     cfg.maxMessage(),
		AbortErr:       syscall.ECONNRESET,
		CloseAgainErr:  net.ErrClosed,
		PerSender:      1000,
	}
}

func TestContract(t *testing.T) { transporttest.Run(t, contract(Config{})) }

// Send refuses what is not one whole M3UA message within Config.MaxMessage
// (the suite checks the stream bound, the PPID and DefaultMaxMessage).
func TestSendRejects(t *testing.T) {
	s := transporttest.Streams{Out: 2, In: 2}
	a, _ := contract(Config{MaxMessage: 64}).Pair(t, s, s)
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
		{"length mismatch", short, 1, 3, ErrFrame},
		{"version", badVersion, 1, 3, ErrFrame},
		{"above max", m3ua(1, 1, make([]byte, 64)), 1, 3, ErrFrame},
		{"header only", good[:4], 1, 3, ErrFrame},
	} {
		err := a.Send(tc.msg, tc.stream, tc.ppid)
		if !errors.Is(err, tc.want) {
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

// A connection closed in the middle of a message is io.ErrUnexpectedEOF,
// not the clean io.EOF of a close between messages (the suite's).
func TestRecvEOFInAMessage(t *testing.T) {
	for _, cut := range []int{3, 8, 12} {
		c, p := raw(t, Config{})
		p.Write(m3ua(1, 1, make([]byte, 8))[:cut])
		p.Close()
		if _, _, err := c.Recv(make([]byte, 64)); err != io.ErrUnexpectedEOF {
			t.Fatalf("cut at %d: Recv = %v, want io.ErrUnexpectedEOF", cut, err)
		}
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

// BenchmarkSendRecv: one DATA-sized message written and read on loopback.
func BenchmarkSendRecv(b *testing.B) { transporttest.Benchmark(b, contract(Config{})) }
