package channel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/sipgw/sipgw/tdm/su"
)

// SeqPacket is a signalling channel over an AF_UNIX SOCK_SEQPACKET
// socket: each packet is one signal unit followed by two check-bit
// octets, which is what libss7 2.0 read()s and write()s on a link of
// transport SS7_TRANSPORT_DAHDIMTP2 (mtp2_transmit writes the unit and 2
// more octets; mtp2_receive drops the last 2 of what it reads).
//
// libss7 never fills its check bits (they are whatever its buffer held),
// so by default received check bits are not verified; VerifyFCS turns the
// check on for peers that write them, as this package does.
type SeqPacket struct {
	c *net.UnixConn
	// VerifyFCS: a unit whose check bits are wrong is reported as
	// errored (ErrErroredSU).
	VerifyFCS bool
	rbuf      []byte
	wbuf      []byte
	oob       []byte
}

// NewSeqPacket wraps a connected unixpacket socket.
func NewSeqPacket(c *net.UnixConn) *SeqPacket {
	return &SeqPacket{c: c, rbuf: make([]byte, su.MaxLen+su.FCSLen+1), wbuf: make([]byte, 0, su.MaxLen+su.FCSLen)}
}

// SocketPair returns our end of a new seqpacket socketpair and the other
// end as a file, to hand to another process (exec.Cmd.ExtraFiles) or to
// wrap with FileSeqPacket.
func SocketPair() (*SeqPacket, *os.File, error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_SEQPACKET|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("channel: socketpair: %w", err)
	}
	ours := os.NewFile(uintptr(fds[0]), "seqpacket")
	theirs := os.NewFile(uintptr(fds[1]), "seqpacket-peer")
	sp, err := FileSeqPacket(ours)
	ours.Close() // FileSeqPacket duplicated it
	if err != nil {
		theirs.Close()
		return nil, nil, err
	}
	return sp, theirs, nil
}

// FileSeqPacket wraps a seqpacket socket given as a file (which it
// duplicates: close f when done with it).
func FileSeqPacket(f *os.File) (*SeqPacket, error) {
	c, err := net.FileConn(f)
	if err != nil {
		return nil, fmt.Errorf("channel: %s: %w", f.Name(), err)
	}
	uc, ok := c.(*net.UnixConn)
	if !ok {
		c.Close()
		return nil, fmt.Errorf("channel: %s is not a unix socket", f.Name())
	}
	return NewSeqPacket(uc), nil
}

// DialSeqPacket connects to a named seqpacket socket.
func DialSeqPacket(path string) (*SeqPacket, error) {
	c, err := net.DialUnix("unixpacket", nil, &net.UnixAddr{Name: path, Net: "unixpacket"})
	if err != nil {
		return nil, fmt.Errorf("channel: %w", err)
	}
	return NewSeqPacket(c), nil
}

// ListenSeqPacket listens on a named seqpacket socket; Accept a
// connection per link (each link's Open can be the listener's Accept).
func ListenSeqPacket(path string) (*SeqPacketListener, error) {
	l, err := net.ListenUnix("unixpacket", &net.UnixAddr{Name: path, Net: "unixpacket"})
	if err != nil {
		return nil, fmt.Errorf("channel: %w", err)
	}
	return &SeqPacketListener{l: l}, nil
}

// SeqPacketListener accepts seqpacket channels.
type SeqPacketListener struct{ l *net.UnixListener }

// Accept waits for the next connection.
func (l *SeqPacketListener) Accept() (*SeqPacket, error) {
	c, err := l.l.AcceptUnix()
	if err != nil {
		return nil, fmt.Errorf("channel: %w", err)
	}
	return NewSeqPacket(c), nil
}

// AcceptContext waits for the next connection until ctx ends (a link's
// Open must return when its context does; Accept alone cannot be
// interrupted without closing the listener, which later openings need).
func (l *SeqPacketListener) AcceptContext(ctx context.Context) (*SeqPacket, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// A short deadline, checked against ctx in between.
		l.l.SetDeadline(time.Now().Add(100 * time.Millisecond))
		c, err := l.l.AcceptUnix()
		if err == nil {
			return NewSeqPacket(c), nil
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			continue
		}
		return nil, fmt.Errorf("channel: %w", err)
	}
}

// Close stops listening (and removes the socket file).
func (l *SeqPacketListener) Close() error { return l.l.Close() }

// WriteSU implements Channel: the unit and its check bits in one packet.
func (s *SeqPacket) WriteSU(unit []byte) error {
	if len(unit) < su.HeaderLen || len(unit) > su.MaxLen {
		return fmt.Errorf("channel: unit of %d octets", len(unit))
	}
	s.wbuf = append(s.wbuf[:0], unit...)
	s.wbuf = su.AppendFCS(s.wbuf, 0)
	if _, err := s.c.Write(s.wbuf); err != nil {
		return s.gone(err)
	}
	return nil
}

// ReadSU implements Channel.
func (s *SeqPacket) ReadSU(b []byte) (int, error) {
	n, _, flags, _, err := s.c.ReadMsgUnix(s.rbuf, s.oob)
	if err != nil {
		return 0, s.gone(err)
	}
	if n == 0 {
		// A zero-length read on a seqpacket socket is the far end's
		// orderly close.
		return 0, s.gone(io.EOF)
	}
	switch {
	case flags&syscall.MSG_TRUNC != 0 || n > su.MaxLen+su.FCSLen:
		return 0, fmt.Errorf("%w: packet longer than %d octets", ErrErroredSU, su.MaxLen+su.FCSLen)
	case n < su.HeaderLen+su.FCSLen:
		return 0, fmt.Errorf("%w: packet of %d octets (a unit needs 3 and 2 check bits)", ErrErroredSU, n)
	case s.VerifyFCS && !su.CheckFCS(s.rbuf[:n]):
		return 0, fmt.Errorf("%w: check bits do not match", ErrErroredSU)
	}
	return copy(b, s.rbuf[:n-su.FCSLen]), nil
}

func (s *SeqPacket) gone(err error) error {
	if errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return fmt.Errorf("%w: %w", ErrClosed, err)
	}
	return fmt.Errorf("channel: %w", err)
}

// Close implements Channel.
func (s *SeqPacket) Close() error { return s.c.Close() }
