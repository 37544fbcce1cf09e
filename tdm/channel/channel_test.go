package channel

import (
	"bytes"
	"context"
	"errors"
	"net"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/sipgw/sipgw/tdm/su"
)

func TestSeqPacketFraming(t *testing.T) {
	ours, theirs, err := SocketPair()
	if err != nil {
		t.Fatal(err)
	}
	defer ours.Close()
	defer theirs.Close()
	fisu := su.AppendFISU(nil, 127, true, 127, true)
	if err := ours.WriteSU(fisu); err != nil {
		t.Fatal(err)
	}
	// The far end sees one packet: the unit and its check bits, as
	// libss7 expects (it drops the last two octets it reads).
	raw := make([]byte, 64)
	n, err := syscall.Read(int(theirs.Fd()), raw)
	if err != nil || n != len(fisu)+2 || !bytes.Equal(raw[:3], fisu) || !su.CheckFCS(raw[:n]) {
		t.Fatalf("peer read %x (%d, %v)", raw[:max(n, 0)], n, err)
	}
	// libss7 writes garbage check bits: read anyway unless verified.
	if _, err := syscall.Write(int(theirs.Fd()), []byte{0xff, 0xff, 0x01, 0x02, 0xde, 0xad}); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, su.MaxLen)
	n, err = ours.ReadSU(b)
	if err != nil || !bytes.Equal(b[:n], []byte{0xff, 0xff, 0x01, 0x02}) {
		t.Fatalf("read %x %v", b[:n], err)
	}
	ours.VerifyFCS = true
	syscall.Write(int(theirs.Fd()), []byte{0xff, 0xff, 0x01, 0x02, 0xde, 0xad})
	if _, err := ours.ReadSU(b); !errors.Is(err, ErrErroredSU) {
		t.Fatalf("bad FCS: %v", err)
	}
	syscall.Write(int(theirs.Fd()), su.AppendFCS([]byte{0xff, 0xff, 0x01, 0x02}, 0))
	if n, err := ours.ReadSU(b); err != nil || n != 4 {
		t.Fatalf("good FCS: %d %v", n, err)
	}
	// Too short and too long packets are errored units, not failures.
	syscall.Write(int(theirs.Fd()), []byte{1, 2, 3})
	if _, err := ours.ReadSU(b); !errors.Is(err, ErrErroredSU) {
		t.Fatalf("short: %v", err)
	}
	syscall.Write(int(theirs.Fd()), make([]byte, 400))
	if _, err := ours.ReadSU(b); !errors.Is(err, ErrErroredSU) {
		t.Fatalf("long: %v", err)
	}
	if err := ours.WriteSU([]byte{1}); err == nil {
		t.Fatal("short write accepted")
	}
	// The far end going away is the end of the channel.
	theirs.Close()
	if _, err := ours.ReadSU(b); !errors.Is(err, ErrClosed) {
		t.Fatalf("after peer close: %v", err)
	}
}

func TestSeqPacketNamed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "link0")
	l, err := ListenSeqPacket(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	done := make(chan *SeqPacket)
	go func() {
		c, err := l.Accept()
		if err != nil {
			t.Error(err)
		}
		done <- c
	}()
	a, err := DialSeqPacket(path)
	if err != nil {
		t.Fatal(err)
	}
	b := <-done
	a.VerifyFCS, b.VerifyFCS = true, true
	unit := su.AppendMSU(nil, 1, true, 2, false, bytes.Repeat([]byte{0x85}, 272))
	if err := a.WriteSU(unit); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, su.MaxLen)
	n, err := b.ReadSU(buf)
	if err != nil || !bytes.Equal(buf[:n], unit) {
		t.Fatalf("%d %v", n, err)
	}
	// Close unblocks a pending read.
	go func() { time.Sleep(20 * time.Millisecond); b.Close() }()
	if _, err := b.ReadSU(buf); !errors.Is(err, ErrClosed) && !errors.Is(err, net.ErrClosed) {
		t.Fatalf("read after close: %v", err)
	}
	a.Close()
	if _, err := DialSeqPacket(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Fatal("dialled nothing")
	}
}

// TestSeqPacketAcceptContext: a listener's accept ends with its context,
// and the listener still accepts afterwards (a link reopened later).
func TestSeqPacketAcceptContext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "link1")
	l, err := ListenSeqPacket(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := l.AcceptContext(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("accept without a peer: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("accept returned %v after its context ended", d)
	}
	go func() {
		if c, err := DialSeqPacket(path); err == nil {
			c.WriteSU([]byte{1, 2, 0})
			c.Close()
		}
	}()
	c, err := l.AcceptContext(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, su.MaxLen)
	if n, err := c.ReadSU(buf); err != nil || !bytes.Equal(buf[:n], []byte{1, 2, 0}) {
		t.Fatalf("%x %v", buf[:n], err)
	}
}

func TestPipe(t *testing.T) {
	a, b := Pipe()
	a.Corrupt = func(u []byte) bool { return u[0] == 0x42 }
	for _, u := range [][]byte{{1, 2, 0}, {0x42, 0, 0}, {3, 4, 0}} {
		if err := a.WriteSU(u); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, su.MaxLen)
	if n, err := b.ReadSU(buf); err != nil || !bytes.Equal(buf[:n], []byte{1, 2, 0}) {
		t.Fatal(n, err)
	}
	if _, err := b.ReadSU(buf); !errors.Is(err, ErrErroredSU) {
		t.Fatal(err)
	}
	if n, err := b.ReadSU(buf); err != nil || !bytes.Equal(buf[:n], []byte{3, 4, 0}) {
		t.Fatal(n, err)
	}
	if err := a.WriteSU([]byte{1}); err == nil {
		t.Fatal("short unit written")
	}
	go func() { time.Sleep(20 * time.Millisecond); a.Close() }()
	if _, err := b.ReadSU(buf); !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
	if err := b.WriteSU([]byte{1, 2, 0}); !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
}
