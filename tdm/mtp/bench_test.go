package mtp

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sipgw/sipgw/sigtran/mtp3"
	"github.com/sipgw/sipgw/tdm/channel"
	"github.com/sipgw/sipgw/tdm/linkset"
	"github.com/sipgw/sipgw/tdm/mtp2"
)

// benchPair is two of our stacks on one link over a seqpacket
// socketpair (check bits written and verified), up.
func benchPair(b *testing.B, onB func(*UserData)) (*Stack, func()) {
	sa, f, err := channel.SocketPair()
	if err != nil {
		b.Fatal(err)
	}
	sb, err := channel.FileSeqPacket(f)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	sa.VerifyFCS, sb.VerifyFCS = true, true
	once := func(c channel.Channel) func(ctx context.Context) (channel.Channel, error) {
		used := false
		return func(ctx context.Context) (channel.Channel, error) {
			if used {
				<-ctx.Done()
				return nil, ctx.Err()
			}
			used = true
			return c, nil
		}
	}
	mk := func(local, adj mtp3.PointCode, c channel.Channel, on func(*UserData)) *Stack {
		st, err := New(Config{LocalPC: local, NI: mtp3.NINational,
			Linksets: []LinksetConfig{{Name: "ls", AdjacentPC: adj, Links: []LinkConfig{{SLC: 0, Open: once(c), MTP2: mtp2.Config{T4e: 50 * time.Millisecond}}},
				Timers: linkset.Timers{}}},
			OnISUP: on})
		if err != nil {
			b.Fatal(err)
		}
		return st
	}
	a := mk(pcA, pcB, sa, nil)
	z := mk(pcB, pcA, sb, onB)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { a.Run(ctx); done <- struct{}{} }()
	go func() { z.Run(ctx); done <- struct{}{} }()
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if err := a.WaitRoute(wctx, pcB); err != nil {
		b.Fatal(err)
	}
	if err := z.WaitRoute(wctx, pcA); err != nil {
		b.Fatal(err)
	}
	return a, func() { cancel(); <-done; <-done }
}

// BenchmarkSeqPacketMSUs: ISUP messages (an 18-octet REL-sized body)
// from one stack to the other over one MTP2 link on a seqpacket socket:
// each is an MSU with FCS, acknowledged by the far end's FISUs, through
// both stacks' link and linkset loops. msu/s is the figure.
func BenchmarkSeqPacketMSUs(b *testing.B) {
	var got atomic.Int64
	a, stop := benchPair(b, func(*UserData) { got.Add(1) })
	defer stop()
	msg := make([]byte, 18)
	msg[2] = 0x0c
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		cic := uint16(i & 0xfff)
		msg[0], msg[1] = byte(cic), byte(cic>>8)
		for {
			err := a.SendISUP(pcB, cic, msg)
			if err == nil {
				break
			}
			if !errors.Is(err, ErrCongested) {
				b.Fatal(err)
			}
			time.Sleep(20 * time.Microsecond)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for got.Load() < int64(b.N) {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d arrived: %+v", got.Load(), b.N, a.Stats())
		}
		time.Sleep(100 * time.Microsecond)
	}
	el := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/el.Seconds(), "msu/s")
}

// BenchmarkLibss7UBLUBA: UBL messages to libss7 (the test peer) over one
// seqpacket link, at most 100 unanswered, each answered with UBA: msu/s
// counts the MSUs both ways through our MTP2/MTP3 and libss7's. The peer
// prints a line per message, which bounds it.
func BenchmarkLibss7UBLUBA(b *testing.B) {
	bin := buildPeer(b)
	ours, far, err := channel.SocketPair()
	if err != nil {
		b.Fatal(err)
	}
	p := startPeer(b, bin, far, false)
	far.Close()
	var got atomic.Int64
	used := false
	st, err := New(Config{LocalPC: ourPC, NI: mtp3.NINational,
		Linksets: []LinksetConfig{{Name: "libss7", AdjacentPC: peerPC, Links: []LinkConfig{{SLC: 0, Open: func(ctx context.Context) (channel.Channel, error) {
			if used {
				<-ctx.Done()
				return nil, ctx.Err()
			}
			used = true
			return ours, nil
		}}}}},
		OnISUP: func(u *UserData) {
			if len(u.Data) > 2 && u.Data[2] == 0x16 { // UBA
				got.Add(1)
			}
		}})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { st.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	p.Expect("EV UP", 10*time.Second)
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if err := st.WaitRoute(wctx, peerPC); err != nil {
		b.Fatal(err)
	}
	p.Discard()
	msg := []byte{0, 0, 0x14} // UBL
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		for int64(i)-got.Load() >= 100 {
			time.Sleep(20 * time.Microsecond)
		}
		cic := uint16(1 + i%4000)
		msg[0], msg[1] = byte(cic), byte(cic>>8)
		if err := st.SendISUP(peerPC, cic, msg); err != nil {
			b.Fatal(err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for got.Load() < int64(b.N) {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d UBA", got.Load(), b.N)
		}
		time.Sleep(50 * time.Microsecond)
	}
	el := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(2*b.N)/el.Seconds(), "msu/s")
}
