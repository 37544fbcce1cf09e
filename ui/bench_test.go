package ui

import (
	"context"
	"net/netip"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/sipgw/sipgw/capture"
	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/capture/session"
)

var (
	bigOnce sync.Once
	big     *calls.Analysis
)

// bigAnalysis is 250k calls as the call list sees them: the size of
// make bench-sniff's capture, with a mix of outcomes and numbers spread
// over prefixes (a filter keeps a part of them).
func bigAnalysis() *calls.Analysis {
	bigOnce.Do(func() {
		const n = 250_000
		a := &calls.Analysis{Endpoints: []record.Endpoint{
			{Addr: netip.MustParseAddrPort("10.0.0.1:5060")}, {Addr: netip.MustParseAddrPort("10.0.0.2:5060")}}}
		buf := make([]calls.Call, n)
		outcomes := []calls.Outcome{calls.Answered, calls.Answered, calls.Answered, calls.Busy, calls.Rejected, calls.Cancelled, calls.Failed}
		prefixes := []string{"4930", "4940", "4969", "4989", "3312", "4420"}
		t0 := time.Date(2024, 3, 4, 9, 0, 0, 0, time.UTC).UnixNano()
		for i := range buf {
			c := &buf[i]
			c.ID, c.Group = uint32(i+1), uint32(i+1)
			c.Kind, c.Method = record.SIP, record.INVITE
			c.CallID = strconv.Itoa(i) + "-a84b4c76e66710@pc33.example.com"
			c.Calling = prefixes[i%6] + strconv.Itoa(1000000+i)
			c.Called = prefixes[(i/6)%6] + strconv.Itoa(2000000+i*7%1000000)
			c.From, c.To = c.Calling, c.Called
			c.Start = t0 + int64(i)*int64(time.Millisecond)
			c.Setup, c.Ring = c.Start, c.Start+int64(1500+i%1000)*int64(time.Millisecond)
			c.Outcome = outcomes[i%len(outcomes)]
			c.Status, c.Cause = 200, record.NoCause
			if c.Outcome == calls.Answered {
				c.Answer = c.Ring + int64(time.Second)
				c.Release = c.Answer + int64(10+i%110)*int64(time.Second)
			} else {
				c.Status = 486
			}
			c.End, c.Count = c.Release+int64(time.Millisecond), 7
			c.Caller, c.Callee = 0, 1
			a.Calls = append(a.Calls, c)
		}
		big = a
	})
	return big
}

// benchUI runs the UI over a 250k-call analysis on a simulated 200×50
// screen and returns a function that types one key and waits until the
// screen is drawn: what a person waits for per keystroke.
func benchUI(b *testing.B) (*App, func(k tcell.Key, r rune)) {
	a := bigAnalysis()
	src := &testSource{snap: &session.Snapshot{Analysis: a, Gen: 1, Final: true}}
	scr := tcell.NewSimulationScreen("UTF-8")
	app := New(src, Options{Screen: scr})
	scr.SetSize(200, 50)
	drawn := make(chan struct{}, 1)
	app.Application().SetAfterDrawFunc(func(tcell.Screen) {
		select {
		case drawn <- struct{}{}:
		default:
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { app.Run(ctx); close(done) }()
	b.Cleanup(func() { cancel(); <-done })
	<-drawn
	return app, func(k tcell.Key, r rune) {
		app.Application().QueueEvent(tcell.NewEventKey(k, r, tcell.ModNone))
		<-drawn
	}
}

// BenchmarkScroll250k: ↓ on the call list (model, table, draw).
func BenchmarkScroll250k(b *testing.B) {
	app, key := benchUI(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%200_000 == 199_999 {
			key(tcell.KeyHome, 0)
			continue
		}
		key(tcell.KeyDown, 0)
	}
	b.StopTimer()
	if app.List().Len() != 250_000 {
		b.Fatal(app.List().Len())
	}
}

// BenchmarkPageDown250k: PgDn, and End/Home now and then.
func BenchmarkPageDown250k(b *testing.B) {
	_, key := benchUI(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		switch i % 100 {
		case 98:
			key(tcell.KeyEnd, 0)
		case 99:
			key(tcell.KeyHome, 0)
		default:
			key(tcell.KeyPgDn, 0)
		}
	}
}

// BenchmarkFilterKeystroke250k: typing in the filter bar, which filters
// the 250k calls as the text changes ("called~^4930" ⇄ "called~^49301").
func BenchmarkFilterKeystroke250k(b *testing.B) {
	app, key := benchUI(b)
	key(tcell.KeyF7, 0)
	for _, r := range "called~^4930" {
		key(tcell.KeyRune, r)
	}
	shown := app.List().Len()
	if shown == 0 || shown == 250_000 {
		b.Fatalf("filter keeps %d calls", shown)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%2 == 0 {
			key(tcell.KeyRune, '1')
		} else {
			key(tcell.KeyBackspace2, 0)
		}
	}
}

// BenchmarkSearch250k: n (next match) over the call list.
func BenchmarkSearch250k(b *testing.B) {
	app, key := benchUI(b)
	app.Application().QueueUpdate(func() { app.List().Search("4989") })
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		key(tcell.KeyRune, 'n')
	}
}

// BenchmarkSort250k: > (sort by the next column) on 250k calls; sorting
// is once per key, not per keystroke of scrolling or filtering.
func BenchmarkSort250k(b *testing.B) {
	_, key := benchUI(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		key(tcell.KeyRune, '>')
	}
}

// BenchmarkOpen: sipsniff's UI over a capture file, from nothing to the
// call list on the screen (the analysis included): SIPSNIFF_BENCH_CAPTURE,
// by default make bench-sniff's 250k-call capture.
func BenchmarkOpen(b *testing.B) {
	path := os.Getenv("SIPSNIFF_BENCH_CAPTURE")
	if path == "" {
		path = "/tmp/sipsniff-bench/sip-large.pcap"
	}
	if _, err := os.Stat(path); err != nil {
		b.Skipf("%v: make bench-ui generates it", err)
	}
	// As sipsniff does for an offline analysis (cmd/sipsniff, runAnalyze).
	defer debug.SetGCPercent(debug.SetGCPercent(capture.OfflineGCPercent))
	for i := 0; i < b.N; i++ {
		start := time.Now()
		src, err := session.Offline(context.Background(), capture.Options{Files: []string{path}})
		if err != nil {
			b.Fatal(err)
		}
		analysed := time.Since(start)
		scr := tcell.NewSimulationScreen("UTF-8")
		app := New(src, Options{Screen: scr})
		scr.SetSize(200, 50)
		drawn := make(chan struct{}, 1)
		app.Application().SetAfterDrawFunc(func(tcell.Screen) {
			select {
			case drawn <- struct{}{}:
			default:
			}
		})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { app.Run(ctx); close(done) }()
		<-drawn
		first := time.Since(start)
		// Offline shows a file while it reads it: the complete list is
		// the one drawn after the final snapshot.
		// (Polled: Updates is the UI's own signal, which a second reader
		// would take from it.)
		for !src.Snapshot().Final {
			time.Sleep(5 * time.Millisecond)
		}
		final := len(src.Snapshot().Analysis.Calls)
		total := 0
		for total != final {
			n := make(chan int, 1)
			app.Application().QueueUpdate(func() { n <- app.List().Total() })
			if total = <-n; total != final {
				<-drawn
			}
		}
		shown := time.Since(start)
		b.ReportMetric(analysed.Seconds(), "s-first-snapshot")
		b.ReportMetric(first.Seconds(), "s-to-first-calls")
		b.ReportMetric(shown.Seconds(), "s-to-list")
		b.ReportMetric(float64(total), "calls")
		cancel()
		<-done
		src.Close()
	}
}
