package ui

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/sipgw/sipgw/capture"
	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/pcapfile"
	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/capture/session"
	"github.com/sipgw/sipgw/internal/gencap"
)

// testSource is a Source whose snapshots the test hands out one by one
// (a live capture as the UI sees it), re-reading frames from a real
// capture.
type testSource struct {
	mu   sync.Mutex
	snap *session.Snapshot
	up   chan struct{}
	rep  *capture.Report
}

func (s *testSource) Snapshot() *session.Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snap
}

func (s *testSource) Updates() <-chan struct{} { return s.up }

func (s *testSource) ReadFrame(ref record.FrameRef) (pcapfile.Frame, error) {
	return s.rep.ReadFrame(ref)
}

func (s *testSource) Close() error { return s.rep.Close() }

// publish hands out a newer snapshot and signals it (coalesced, as the
// interface says).
func (s *testSource) publish(snap *session.Snapshot) {
	s.mu.Lock()
	s.snap = snap
	s.mu.Unlock()
	select {
	case s.up <- struct{}{}:
	default:
	}
}

// generated analyses a capture made by the project's generator.
func generated(t testing.TB, kind gencap.Kind, n int) *capture.Report {
	t.Helper()
	var buf bytes.Buffer
	if _, err := gencap.Generate(&buf, gencap.DefaultConfig(kind, n)); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), kind.String()+".pcap")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := capture.Run(context.Background(), capture.Options{Files: []string{p}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rep.Close() })
	return rep
}

// prefix is the analysis as a live capture would have it after the
// calls [from, to): the same messages, calls dropped before from
// (evicted) and not yet seen after to.
func prefix(a *calls.Analysis, from, to int) *calls.Analysis {
	b := *a
	b.Calls = a.Calls[from:to]
	return &b
}

type harness struct {
	t      *testing.T
	app    *App
	scr    tcell.SimulationScreen
	cancel context.CancelFunc
	done   chan error
}

// start runs the UI over src on a simulated w×h screen.
func start(t *testing.T, src session.Source, w, h int) *harness {
	t.Helper()
	scr := tcell.NewSimulationScreen("UTF-8")
	// tview initialises the screen it is given (to 80×25): size it after.
	app := New(src, Options{Screen: scr, Title: "test", Dir: t.TempDir()})
	scr.SetSize(w, h)
	ctx, cancel := context.WithCancel(context.Background())
	hs := &harness{t: t, app: app, scr: scr, cancel: cancel, done: make(chan error, 1)}
	go func() { hs.done <- app.Run(ctx) }()
	t.Cleanup(hs.stop)
	return hs
}

func (hs *harness) stop() {
	hs.cancel()
	select {
	case <-hs.done:
	case <-time.After(5 * time.Second):
		hs.t.Error("the UI did not stop")
	}
}

// screen is the text on the screen, one string per line, taken inside
// the UI's event loop (between two draws, never during one).
func (hs *harness) screen() []string {
	ch := make(chan []string, 1)
	hs.app.Application().QueueUpdate(func() {
		cells, w, h := hs.scr.GetContents()
		lines := make([]string, h)
		for y := 0; y < h; y++ {
			var b strings.Builder
			for x := 0; x < w; x++ {
				c := cells[y*w+x]
				if len(c.Runes) == 0 {
					b.WriteByte(' ')
					continue
				}
				b.WriteString(string(c.Runes))
			}
			lines[y] = strings.TrimRight(b.String(), " ")
		}
		ch <- lines
	})
	select {
	case l := <-ch:
		return l
	case <-time.After(5 * time.Second):
		hs.t.Fatal("the UI's event loop does not answer")
		return nil
	}
}

// waitFor waits until the screen satisfies ok (the UI draws after each
// event, asynchronously), and fails showing the last screen otherwise.
func (hs *harness) waitFor(what string, ok func(s string, lines []string) bool) []string {
	hs.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		lines := hs.screen()
		s := strings.Join(lines, "\n")
		if ok(s, lines) {
			return lines
		}
		if time.Now().After(deadline) {
			hs.t.Fatalf("waiting for %s; the screen is:\n%s", what, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitText waits until every one of texts is on the screen.
func (hs *harness) waitText(texts ...string) []string {
	hs.t.Helper()
	return hs.waitFor(strings.Join(texts, ", "), func(s string, _ []string) bool {
		for _, x := range texts {
			if !strings.Contains(s, x) {
				return false
			}
		}
		return true
	})
}

// key types keys as the terminal would send them.
func (hs *harness) key(k tcell.Key, r rune) {
	hs.app.Application().QueueEvent(tcell.NewEventKey(k, r, tcell.ModNone))
}

func (hs *harness) runes(s string) {
	for _, r := range s {
		hs.key(tcell.KeyRune, r)
	}
}

// lineWith returns the first screen line containing s ("" if none).
func lineWith(lines []string, s string) string {
	for _, l := range lines {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

func offline(t *testing.T, files ...string) session.Source {
	t.Helper()
	src, err := session.Offline(context.Background(), capture.Options{Files: files})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// inUI runs f in the UI's event loop and waits for it: the model belongs
// to that goroutine.
func (hs *harness) inUI(f func()) {
	done := make(chan struct{})
	hs.app.Application().QueueUpdate(func() { f(); close(done) })
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		hs.t.Fatal("the UI's event loop does not answer")
	}
}

// cursorID is the call number under the call list's cursor.
func (hs *harness) cursorID() (id uint32) {
	hs.inUI(func() {
		if c := hs.app.List().CurrentCall(); c != nil {
			id = c.ID
		}
	})
	return id
}

func (hs *harness) inputText() (s string) {
	hs.inUI(func() { s = hs.app.input.GetText() })
	return s
}
