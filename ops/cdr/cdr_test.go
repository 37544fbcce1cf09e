package cdr

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sipgw/sipgw/ops"
	"github.com/sipgw/sipgw/ops/metrics"
)

var t0 = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

type clock struct{ t atomic.Int64 }

func newClock() *clock               { c := &clock{}; c.t.Store(t0.UnixNano()); return c }
func (c *clock) now() time.Time      { return time.Unix(0, c.t.Load()).UTC() }
func (c *clock) add(d time.Duration) { c.t.Add(int64(d)) }
func quiet() *slog.Logger            { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
func logTo(b *syncBuf) *slog.Logger  { return slog.New(slog.NewTextHandler(b, nil)) }

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func rec(i int) ops.CDR {
	return ops.CDR{
		ID: "call-" + strconv.Itoa(i), Direction: "sip-to-isup", SIPTrunk: "carrier", ISUPTrunk: "pstn-a",
		CIC: uint16(i%30 + 1), Calling: "4930123456", Called: "4940987654", CallID: fmt.Sprintf("%08x@host", i),
		Start: t0.Add(time.Duration(i) * time.Second), Answered: t0.Add(time.Duration(i)*time.Second + 2*time.Second),
		End: t0.Add(time.Duration(i)*time.Second + 62*time.Second), DurationMS: 60000,
		SIPStatus: 200, Cause: 16, ReleasedBy: "sip", Attempts: 1,
	}
}

// readCDRs reads a file strictly: every line a complete CDR.
func readCDRs(t *testing.T, path string) []ops.CDR {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		t.Fatalf("%s: last line not ended", path)
	}
	var out []ops.CDR
	for i, line := range bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n")) {
		if len(line) == 0 && len(b) == 0 {
			break
		}
		d := json.NewDecoder(bytes.NewReader(line))
		d.DisallowUnknownFields()
		var r ops.CDR
		if err := d.Decode(&r); err != nil {
			t.Fatalf("%s line %d %q: %v", path, i+1, line, err)
		}
		out = append(out, r)
	}
	return out
}

func TestWriteAndClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cdr.jsonl")
	w, err := Open(Options{Path: path, Logger: quiet(), FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		w.Write(rec(i))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := readCDRs(t, path)
	if len(got) != 100 {
		t.Fatalf("%d records", len(got))
	}
	for i, r := range got {
		if want := rec(i); r != want {
			t.Fatalf("record %d: %+v, want %+v", i, r, want)
		}
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v", st.Mode())
	}
	if s := w.Stats(); s.Written != 100 || s.Dropped != 0 {
		t.Errorf("stats %+v", s)
	}
	// Write after Close is dropped and counted; Close again is harmless.
	w.Write(rec(100))
	if s := w.Stats(); s.Dropped != 1 {
		t.Errorf("write after close: %+v", s)
	}
	if err := w.Close(); err != nil {
		t.Error(err)
	}
}

func TestFlush(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cdr.jsonl")
	w, err := Open(Options{Path: path, Logger: quiet(), FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.Write(rec(1))
	if got := readCDRs(t, path); len(got) != 0 {
		t.Errorf("written before the flush interval: %d", len(got))
	}
	if err := w.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := readCDRs(t, path); len(got) != 1 || got[0].ID != "call-1" {
		t.Errorf("after Flush: %+v", got)
	}
}

func TestFlushInterval(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cdr.jsonl")
	w, err := Open(Options{Path: path, Logger: quiet(), FlushInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.Write(rec(1))
	deadline := time.Now().Add(5 * time.Second)
	for len(readCDRs(t, path)) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("not flushed by the interval")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRotateBySize(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cdr.jsonl")
	line, _ := json.Marshal(rec(10))
	lineLen := int64(len(line) + 1)
	clk := newClock()
	// Room for 3 lines per file; keep 4 rotated files.
	w, err := Open(Options{Path: path, MaxSize: 3*lineLen + 5, Keep: 4, Logger: quiet(), Now: func() time.Time { clk.add(time.Millisecond); return clk.now() }})
	if err != nil {
		t.Fatal(err)
	}
	const n = 20 // IDs 10…29: same length
	for i := 10; i < 10+n; i++ {
		w.Write(rec(i))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rot, err := Rotated(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(rot) != 4 {
		t.Fatalf("%d rotated files, want 4: %v", len(rot), rot)
	}
	// 20 lines at 3 per file: 6 full files rotated, 2 lines in the current
	// one; the 2 oldest rotated files were pruned.
	var all []ops.CDR
	for _, f := range append(rot, path) {
		st, _ := os.Stat(f)
		if st.Size() > 3*lineLen+5 {
			t.Errorf("%s: %d bytes, over the limit", f, st.Size())
		}
		if !strings.HasPrefix(filepath.Base(f), "cdr.jsonl") {
			t.Errorf("name %s", f)
		}
		all = append(all, readCDRs(t, f)...)
	}
	if len(all) != n-6 {
		t.Fatalf("%d records kept, want %d", len(all), n-6)
	}
	for i, r := range all {
		if want := "call-" + strconv.Itoa(16+i); r.ID != want {
			t.Errorf("record %d: %s, want %s (oldest pruned, order kept)", i, r.ID, want)
		}
	}
	if s := w.Stats(); s.Rotations != 6 || s.Written != n {
		t.Errorf("stats %+v", s)
	}
	// The rotated names carry the UTC time of the rotation.
	stamp := strings.TrimPrefix(filepath.Base(rot[0]), "cdr.jsonl.")
	if ts, err := time.Parse(stampFmt, stamp); err != nil || ts.Before(t0) || ts.After(t0.Add(time.Minute)) {
		t.Errorf("stamp %q: %v %v", stamp, ts, err)
	}
}

func TestRotateByAge(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cdr.jsonl")
	clk := newClock()
	w, err := Open(Options{Path: path, MaxAge: time.Hour, Logger: quiet(), Now: clk.now, FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(rec(1))
	w.Write(rec(2))
	w.Flush(context.Background())
	clk.add(time.Hour)
	w.Write(rec(3)) // the file is an hour old: rotated before this line
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rot, _ := Rotated(path)
	if len(rot) != 1 || filepath.Base(rot[0]) != "cdr.jsonl.20260501T110000.000Z" {
		t.Fatalf("rotated %v", rot)
	}
	if old, cur := readCDRs(t, rot[0]), readCDRs(t, path); len(old) != 2 || len(cur) != 1 || cur[0].ID != "call-3" {
		t.Errorf("old %d, current %+v", len(old), cur)
	}

	// An empty file is not rotated, and its age starts over.
	w, err = Open(Options{Path: filepath.Join(dir, "empty.jsonl"), MaxAge: time.Hour, Logger: quiet(), Now: clk.now, FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	clk.add(2 * time.Hour)
	w.Write(rec(4))
	w.Close()
	if rot, _ := Rotated(filepath.Join(dir, "empty.jsonl")); len(rot) != 0 {
		t.Errorf("empty file rotated: %v", rot)
	}
}

func TestConcurrentWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cdr.jsonl")
	const workers, per = 8, 500
	w, err := Open(Options{Path: path, MaxSize: 64 << 10, Keep: 1000, QueueSize: workers * per, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				w.Write(rec(g*per + i))
			}
		}()
	}
	wg.Add(1)
	go func() { // flushes, reopens and scrapes race with the writers
		defer wg.Done()
		for range 20 {
			w.Flush(context.Background())
			w.Reopen()
			var e metrics.Emitter
			w.Collect(context.Background(), &e)
		}
	}()
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rot, _ := Rotated(path)
	seen := map[string]int{}
	for _, f := range append(rot, path) {
		for _, r := range readCDRs(t, f) {
			seen[r.ID]++
		}
	}
	if len(seen) != workers*per {
		t.Fatalf("%d distinct records, want %d", len(seen), workers*per)
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("%s written %d times", id, n)
		}
	}
	if s := w.Stats(); s.Dropped != 0 || s.Written != workers*per {
		t.Errorf("stats %+v", s)
	}
}

// TestDropWhenFull holds the writer's goroutine so that the queue fills:
// exactly the records beyond it are dropped, counted and logged.
func TestDropWhenFull(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cdr.jsonl")
	logs := &syncBuf{}
	w, err := Open(Options{Path: path, QueueSize: 10, Logger: logTo(logs), LogEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	// Set before the first Write: the channel send orders it before the
	// loop's read.
	w.beforeRecord = func() {
		once.Do(func() { close(entered); <-release })
	}
	w.Write(rec(0))
	<-entered // the loop holds record 0; the queue is empty
	start := time.Now()
	for i := 1; i <= 25; i++ {
		w.Write(rec(i))
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Write blocked for %v", d)
	}
	if s := w.Stats(); s.Dropped != 15 || s.Queued != 10 {
		t.Errorf("stats %+v: want 15 dropped, 10 queued", s)
	}
	close(release)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := readCDRs(t, path)
	if len(got) != 11 || got[10].ID != "call-10" {
		t.Errorf("%d records written, last %v", len(got), got[len(got)-1].ID)
	}
	// One warning for the burst (LogEvery is an hour), with the count.
	if n := strings.Count(logs.String(), "CDRs dropped"); n != 1 || !strings.Contains(logs.String(), "dropped=1 ") {
		t.Errorf("log:\n%s", logs)
	}
	var e metrics.Emitter
	w.Collect(context.Background(), &e)
	if !strings.Contains(string(e.Bytes()), "sipgw_cdr_dropped_total 15\n") || e.Err() != nil {
		t.Errorf("metrics:\n%s", e.Bytes())
	}
}

// TestPartialLineCut: a file left ending in part of a line (a process
// killed inside a write, power loss) loses that part when it is opened
// again: every line stays a whole record, the earlier ones kept, the new
// ones after them. Also when the partial line is longer than the reader's
// chunk, and when the file is nothing but a partial line.
func TestPartialLineCut(t *testing.T) {
	line, _ := json.Marshal(rec(1))
	long := bytes.Repeat([]byte("x"), 200<<10)
	for _, c := range []struct {
		name      string
		content   []byte
		wantLines int // whole records before the new one
	}{
		{"short tail", append(append(slices.Clone(line), '\n'), line[:20]...), 1},
		{"tail longer than a chunk", append(append(slices.Clone(line), '\n'), long...), 1},
		{"only a partial line", slices.Clone(line[:30]), 0},
		{"whole lines", append(slices.Clone(line), '\n'), 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "cdr.jsonl")
			os.WriteFile(path, c.content, 0o640)
			w, err := Open(Options{Path: path, Logger: quiet()})
			if err != nil {
				t.Fatal(err)
			}
			w.Write(rec(2))
			w.Close()
			got := readCDRs(t, path) // fails on any partial line
			if len(got) != c.wantLines+1 || got[len(got)-1].ID != "call-2" || c.wantLines == 1 && got[0].ID != "call-1" {
				t.Errorf("records %+v", got)
			}
		})
	}
}

// TestCrashLeavesWholeLines kills a process that writes CDRs as fast as it
// can; every line in its file is complete.
func TestCrashLeavesWholeLines(t *testing.T) {
	if os.Getenv("CDR_CRASH_CHILD") != "" {
		w, err := Open(Options{Path: os.Getenv("CDR_CRASH_CHILD"), MaxSize: 256 << 10, Keep: 100, FlushInterval: time.Millisecond, Logger: quiet()})
		if err != nil {
			os.Exit(3)
		}
		for i := 0; ; i++ {
			w.Write(rec(i))
			if i%100 == 0 {
				time.Sleep(time.Millisecond)
			}
		}
	}
	path := filepath.Join(t.TempDir(), "cdr.jsonl")
	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashLeavesWholeLines$")
		cmd.Env = append(os.Environ(), "CDR_CRASH_CHILD="+path)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(150+round*70) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
	}
	rot, _ := Rotated(path)
	total := 0
	for _, f := range append(rot, path) {
		total += len(readCDRs(t, f)) // fails on any partial line
	}
	if total == 0 {
		t.Fatal("the child wrote nothing")
	}
	t.Logf("%d whole records in %d files after 3 kills", total, len(rot)+1)
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cdr.jsonl")
	w, err := Open(Options{Path: path, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(rec(1))
	w.Flush(context.Background())
	// logrotate renames the file, then signals.
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	w.Reopen()
	w.Write(rec(2))
	w.Close()
	if old, cur := readCDRs(t, path+".1"), readCDRs(t, path); len(old) != 1 || len(cur) != 1 || cur[0].ID != "call-2" {
		t.Errorf("old %+v, new %+v", old, cur)
	}
}

func TestOpenErrors(t *testing.T) {
	for _, o := range []Options{
		{},
		{Path: filepath.Join(t.TempDir(), "no", "such", "dir", "cdr.jsonl")},
		{Path: "x", MaxSize: -1},
	} {
		if w, err := Open(o); err == nil {
			w.Close()
			t.Errorf("%+v: no error", o)
		} else if o.Path != "" && o.MaxSize == 0 && !strings.Contains(err.Error(), o.Path) {
			t.Errorf("error %q does not name the file", err)
		}
	}
}

// TestWriteErrorKeepsLines: while the directory cannot take the file, lines
// are kept and written once it can.
func TestWriteErrorKeepsLines(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "cdrs")
	os.Mkdir(sub, 0o755)
	path := filepath.Join(sub, "cdr.jsonl")
	w, err := Open(Options{Path: path, Logger: quiet(), FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(rec(1))
	w.Flush(context.Background())
	// The directory disappears; a reopen fails and the records wait.
	os.RemoveAll(sub)
	w.Reopen()
	w.Write(rec(2))
	if err := w.Flush(context.Background()); err == nil {
		t.Fatal("flush into a missing directory succeeded")
	}
	os.Mkdir(sub, 0o755)
	if err := w.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if got := readCDRs(t, path); len(got) != 1 || got[0].ID != "call-2" {
		t.Errorf("after recovery: %+v", got)
	}
	if s := w.Stats(); s.Lost != 0 || s.Written != 2 {
		t.Errorf("stats %+v", s)
	}
}

func BenchmarkWrite(b *testing.B) {
	path := filepath.Join(b.TempDir(), "cdr.jsonl")
	w, err := Open(Options{Path: path, QueueSize: 1 << 16, Logger: quiet()})
	if err != nil {
		b.Fatal(err)
	}
	r := rec(1)
	b.ReportAllocs()
	n := uint64(0)
	for b.Loop() {
		w.Write(r)
		n++
	}
	w.Close()
	if s := w.Stats(); s.Written+s.Dropped != n {
		b.Fatalf("%+v", s)
	}
}
