//go:build linux

package session

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sipgw/sipgw/capture"
	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/live"
)

// callSender sends SIP calls (INVITE 100 180 200 ACK BYE 200, each call a
// Call-ID of its own) as UDP datagrams from the host end of a veth pair
// to the namespace's end, where nothing answers: the capture on the host
// end sees every datagram go out.
type callSender struct {
	conns [2]*net.UDPConn // caller → callee and back, as addresses go
	msgs  [7][]byte
	idAt  [7]int // where the Call-ID's counter digits are in each message
	n     uint64
	base  uint64 // senders' Call-IDs do not meet
}

const counterDigits = 10

func newCallSender(t testing.TB, v *veth, n int) *callSender {
	s := &callSender{base: uint64(n) << 40}
	for i := range s.conns {
		c, err := net.DialUDP("udp4", &net.UDPAddr{IP: net.ParseIP(v.HostIP), Port: 5070 + 10*n + i},
			&net.UDPAddr{IP: net.ParseIP(v.PeerIP), Port: 5060})
		if err != nil {
			t.Fatal(err)
		}
		c.SetWriteBuffer(4 << 20)
		s.conns[i] = c
	}
	zeros := strings.Repeat("0", counterDigits)
	for i, start := range []string{"INVITE sip:bob@b SIP/2.0", "SIP/2.0 100 Trying", "SIP/2.0 180 Ringing", "SIP/2.0 200 OK",
		"ACK sip:bob@b SIP/2.0", "BYE sip:bob@b SIP/2.0", "SIP/2.0 200 OK"} {
		cseq := "1 INVITE"
		switch i {
		case 4:
			cseq = "1 ACK"
		case 5, 6:
			cseq = "2 BYE"
		}
		tag := ";tag=callee"
		if i <= 1 {
			tag = ""
		}
		m := start + "\r\nVia: SIP/2.0/UDP " + v.HostIP + ":5070;branch=z9hG4bK" + zeros + "\r\nFrom: <sip:4930123456@a>;tag=caller\r\n" +
			"To: <sip:4940654321@b>" + tag + "\r\nCall-ID: " + zeros + "@load\r\nCSeq: " + cseq + "\r\nContent-Length: 0\r\n\r\n"
		s.msgs[i] = []byte(m)
		s.idAt[i] = strings.Index(m, "Call-ID: ") + len("Call-ID: ")
	}
	return s
}

// call sends one call's seven datagrams.
func (s *callSender) call() {
	s.n++
	var d [counterDigits]byte
	v := (s.base + s.n) % 1e10
	for i := counterDigits - 1; i >= 0; i-- {
		d[i] = byte('0' + v%10)
		v /= 10
	}
	for i, m := range s.msgs {
		copy(m[s.idAt[i]:], d[:])
		// Requests from the caller's socket, responses from the other: two
		// endpoints, as a call has.
		c := s.conns[0]
		if m[0] == 'S' {
			c = s.conns[1]
		}
		c.Write(m)
	}
}

func (s *callSender) close() {
	for _, c := range s.conns {
		c.Close()
	}
}

// BenchmarkLiveVethLoad: how many packets a second the live path (kernel
// filter, ring, batches, decoding, correlation) takes without the kernel
// dropping any: calls are sent over a veth pair at a set rate for three
// seconds (rates in SIPSNIFF_LOAD_RATES, packets a second, default
// 20000,50000,100000,200000) and the metrics say what was sent, captured,
// dropped by the kernel and correlated. As sipsniff -i … --calls runs:
// no spool, calls only, the default call limit.
func BenchmarkLiveVethLoad(b *testing.B) {
	rates := []int{20000, 50000, 100000, 200000}
	if s := os.Getenv("SIPSNIFF_LOAD_RATES"); s != "" {
		rates = nil
		for _, f := range strings.Split(s, ",") {
			r, err := strconv.Atoi(f)
			if err != nil {
				b.Fatal(err)
			}
			rates = append(rates, r)
		}
	}
	v := newVeth(b)
	for _, rate := range rates {
		b.Run(fmt.Sprintf("pps=%d", rate), func(b *testing.B) {
			for range b.N {
				loadRun(b, v, rate, 3*time.Second)
			}
		})
	}
}

func loadRun(b *testing.B, v *veth, rate int, d time.Duration) {
	in, err := live.Interface(v.HostIf, "udp port 5060", live.InterfaceOptions{Tcpdump: "-"})
	if err != nil {
		b.Fatal(err)
	}
	src, err := Live(context.Background(), LiveOptions{
		Inputs:  []live.Input{in},
		Capture: capture.Options{Calls: calls.Config{CallsOnly: true}},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	// Two senders: one goroutine's system calls cap what it sends below
	// what the capture takes.
	var senders [2]*callSender
	for i := range senders {
		senders[i] = newCallSender(b, v, i)
		defer senders[i].close()
	}
	start := time.Now()
	var wg sync.WaitGroup
	var total atomic.Int64
	for _, s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sent := 0
			for time.Since(start) < d {
				due := int(float64(time.Since(start)) / float64(time.Second) * float64(rate) / 7 / float64(len(senders)))
				for sent < due {
					s.call()
					sent++
				}
				time.Sleep(time.Millisecond)
			}
			total.Add(int64(sent))
		}()
	}
	wg.Wait()
	sent := int(total.Load())
	elapsed := time.Since(start)
	// Let the last frames through, then stop.
	time.Sleep(500 * time.Millisecond)
	src.Stop()
	final := src.Wait()
	drops := final.Counters["interface "+v.HostIf+": frames dropped by the kernel (ring full)"]
	pkts := float64(sent * 7)
	b.ReportMetric(pkts/elapsed.Seconds(), "sent-pps")
	b.ReportMetric(float64(final.Frames), "captured")
	b.ReportMetric(float64(drops), "kernel-drops")
	b.ReportMetric(float64(final.Analysis.Stats.Messages)/pkts, "analysed/sent")
	b.ReportMetric(float64(final.Analysis.Stats.Calls), "calls")
}

// BenchmarkLiveLongRun: memory over a long capture with a call limit —
// calls sent over a veth pair at SIPSNIFF_LONGRUN_PPS (default 20,000
// packets a second) for SIPSNIFF_LONGRUN (default 60 s), --max-calls
// 5,000, the spool and message records kept as for the terminal UI, a
// snapshot taken every 250 ms; the live heap (after a collection) is
// sampled every 5 s. Metrics: the heap at 10 s, its highest after, at the
// end, and the spool on disk.
func BenchmarkLiveLongRun(b *testing.B) {
	b.ReportAllocs()
	dur := time.Minute
	if s := os.Getenv("SIPSNIFF_LONGRUN"); s != "" {
		var err error
		if dur, err = time.ParseDuration(s); err != nil {
			b.Fatal(err)
		}
	}
	rate := 20000
	if s := os.Getenv("SIPSNIFF_LONGRUN_PPS"); s != "" {
		rate, _ = strconv.Atoi(s)
	}
	v := newVeth(b)
	for range b.N {
		in, err := live.Interface(v.HostIf, "udp port 5060", live.InterfaceOptions{Tcpdump: "-"})
		if err != nil {
			b.Fatal(err)
		}
		src, err := Live(context.Background(), LiveOptions{
			Inputs:  []live.Input{in},
			Capture: capture.Options{Calls: calls.Config{MaxCalls: 5000}},
			Live:    live.Options{Spool: true, SpoolDir: b.TempDir()},
		})
		if err != nil {
			b.Fatal(err)
		}
		s := newCallSender(b, v, 0)
		start := time.Now()
		sent := 0
		var at10, peak uint64
		var samples []string
		next := 5 * time.Second
		for time.Since(start) < dur {
			due := int(float64(time.Since(start)) / float64(time.Second) * float64(rate) / 7)
			for sent < due {
				s.call()
				sent++
			}
			if e := time.Since(start); e >= next {
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				snap := src.Snapshot()
				samples = append(samples, fmt.Sprintf("%3.0fs heap %5.1f MB, RSS %5.1f MB, %d calls kept, %d evicted, spool %.1f MB",
					e.Seconds(), float64(ms.HeapAlloc)/1e6, float64(rss())/1e6, len(snap.Analysis.Calls), snap.Evicted, float64(snap.Counters["spool bytes on disk"])/1e6))
				if next == 10*time.Second {
					at10 = ms.HeapAlloc
				}
				if next > 10*time.Second {
					peak = max(peak, ms.HeapAlloc)
				}
				next += 5 * time.Second
			}
			time.Sleep(time.Millisecond)
		}
		s.close()
		src.Stop()
		final := src.Wait()
		b.Logf("%d calls sent in %v:\n%s", sent, dur, strings.Join(samples, "\n"))
		b.ReportMetric(float64(at10)/1e6, "heap-MB@10s")
		b.ReportMetric(float64(peak)/1e6, "heap-MB-max")
		b.ReportMetric(float64(rss())/1e6, "RSS-MB-end")
		b.ReportMetric(float64(final.Counters["spool bytes on disk"])/1e6, "spool-MB")
		b.ReportMetric(float64(final.Evicted), "evicted")
		b.ReportMetric(float64(final.Counters["interface "+v.HostIf+": frames dropped by the kernel (ring full)"]), "kernel-drops")
		src.Close()
	}
}

// rss is the process's resident set (VmRSS), in bytes.
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}
