package session

import (
	"context"
	"os"
	"runtime/debug"
	"testing"
	"time"

	"github.com/sipgw/sipgw/capture"
)

// BenchmarkOfflineFinal: how long a large file (SIPSNIFF_BENCH_CAPTURE,
// by default make bench-sniff's 250k-call capture) takes to its final
// snapshot now that Offline shows it while it is read, against
// capture.Run alone (what Offline was): the snapshots on the way must
// not make the end later. GC target as sipsniff sets it.
func BenchmarkOfflineFinal(b *testing.B) {
	path := os.Getenv("SIPSNIFF_BENCH_CAPTURE")
	if path == "" {
		path = "/tmp/sipsniff-bench/sip-large.pcap"
	}
	if _, err := os.Stat(path); err != nil {
		b.Skipf("%v: make bench-sniff generates it", err)
	}
	defer debug.SetGCPercent(debug.SetGCPercent(capture.OfflineGCPercent))
	opt := capture.Options{Files: []string{path}}
	b.Run("run", func(b *testing.B) {
		for range b.N {
			o := opt
			o.Calls.CallsOnly = false
			rep, err := capture.Run(context.Background(), o)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(len(rep.Analysis.Calls)), "calls")
			rep.Close()
		}
	})
	b.Run("offline", func(b *testing.B) {
		for range b.N {
			start := time.Now()
			src, err := Offline(context.Background(), opt)
			if err != nil {
				b.Fatal(err)
			}
			first := time.Since(start)
			firstCalls := len(src.Snapshot().Analysis.Calls)
			snaps := 0
			for !src.Snapshot().Final {
				<-src.Updates()
				snaps++
			}
			b.ReportMetric(first.Seconds(), "s-first")
			b.ReportMetric(float64(firstCalls), "calls-first")
			b.ReportMetric(float64(snaps), "updates")
			b.ReportMetric(float64(len(src.Snapshot().Analysis.Calls)), "calls")
			src.Close()
		}
	})
}
