package capture

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/internal/gencap"
)

// genCapture writes a generated capture of n calls of kind k.
func genCapture(t *testing.T, k gencap.Kind, n int, mix bool) string {
	t.Helper()
	cfg := gencap.DefaultConfig(k, n)
	cfg.Mix = mix
	var buf bytes.Buffer
	if _, err := gencap.Generate(&buf, cfg); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), k.String()+".pcap")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// The sequential stage runs on whichever worker finds it free: the number
// of workers must change nothing — the same messages visited in the same
// order with the same call IDs, the same calls and statistics.
func TestRunWorkersSameResult(t *testing.T) {
	files := []string{
		genCapture(t, gencap.SIPI, 3000, false),
		genCapture(t, gencap.SIP, 3000, true),
	}
	type visit struct {
		idx, call uint32
		t         int64
		typ       uint8
	}
	run := func(workers int) (*Report, []visit) {
		var vs []visit
		rep, err := Run(context.Background(), Options{Files: files, Workers: workers,
			Visit: func(idx, call uint32, d *record.Decoded) {
				vs = append(vs, visit{idx, call, d.Time, uint8(d.ISUPType)})
			}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rep.Close() })
		return rep, vs
	}
	want, wantV := run(1)
	if len(want.Analysis.Calls) < 6000 || len(wantV) < 50000 {
		t.Fatalf("%d calls, %d messages: the captures did not decode", len(want.Analysis.Calls), len(wantV))
	}
	for _, w := range []int{2, 3, 8} {
		got, gotV := run(w)
		if !reflect.DeepEqual(gotV, wantV) {
			t.Errorf("%d workers: the messages were visited differently", w)
		}
		if !reflect.DeepEqual(got.Analysis.Calls, want.Analysis.Calls) || !reflect.DeepEqual(got.Analysis.Stats, want.Analysis.Stats) {
			t.Errorf("%d workers: other calls or statistics", w)
		}
		if got.Frames != want.Frames || got.Messages != want.Messages || !reflect.DeepEqual(got.Counters, want.Counters) {
			t.Errorf("%d workers: %d frames, %d messages, %v; want %d, %d, %v", w, got.Frames, got.Messages, got.Counters, want.Frames, want.Messages, want.Counters)
		}
	}
}

// A cancelled run stops soon, returns the context's error and leaves no
// goroutine behind.
func TestRunCancelled(t *testing.T) {
	f := genCapture(t, gencap.SIPI, 3000, false)
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	seen := 0
	rep, err := Run(ctx, Options{Files: []string{f}, Workers: 2, Visit: func(uint32, uint32, *record.Decoded) {
		if seen++; seen == 1000 {
			cancel()
		}
	}})
	if rep != nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v, %v; want context.Canceled", rep, err)
	}
	if seen > 1000+2*batchFrames*4 {
		t.Errorf("%d messages visited after the cancel at 1000", seen)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines left (%d before)", n, before)
	}
}
