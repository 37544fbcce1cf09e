package ui

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/sipgw/sipgw/capture/pcapfile"
	"github.com/sipgw/sipgw/capture/session"
	"github.com/sipgw/sipgw/internal/gencap"
)

// sipiSource: 4 SIP-I calls, each a SIP leg with its ISUP leg over M3UA.
func sipiSource(t *testing.T) (*testSource, *session.Snapshot) {
	rep := generated(t, gencap.SIPI, 4)
	snap := &session.Snapshot{Analysis: rep.Analysis, Gen: 1, Final: true, Frames: rep.Frames, Bytes: rep.Bytes,
		ProblemCounts: rep.ProblemCounts}
	return &testSource{snap: snap, rep: rep}, snap
}

func TestCallListView(t *testing.T) {
	src, snap := sipiSource(t)
	hs := start(t, src, 160, 20)
	lines := hs.waitText("CALL", "START (UTC)", "KIND", "OUTCOME", "CALL-ID / CIRCUIT", "8 calls", "final")
	if n := len(snap.Analysis.Calls); n != 8 {
		t.Fatalf("%d legs, want 8", n)
	}
	// One row per leg, SIP and ISUP, with its numbers and circuit.
	c1, c2 := snap.Analysis.Calls[0], snap.Analysis.Calls[1]
	var sipRow, isupRow string
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) > 1 && f[0] == "1" {
			sipRow = l
		}
		if len(f) > 1 && f[0] == "2" {
			isupRow = l
		}
	}
	if !strings.Contains(sipRow, "SIP") || !strings.Contains(sipRow, c1.Called) || !strings.Contains(sipRow, "answered") || !strings.Contains(sipRow, c1.CallID[:10]) {
		t.Errorf("call 1 row %q; want SIP, called %s, answered, its Call-ID", sipRow, c1.Called)
	}
	if !strings.Contains(isupRow, "ISUP") || !strings.Contains(isupRow, "CIC") || !strings.Contains(isupRow, c2.Called) {
		t.Errorf("call 2 row %q; want the ISUP leg with its circuit and called %s", isupRow, c2.Called)
	}
	// Sorting by the next column (START) marks its title; z reverses.
	hs.runes(">")
	hs.waitText("START (UTC)▲", "sort START (UTC) ↑")
	hs.runes("z")
	lines = hs.waitText("START (UTC)▼")
	if first := strings.Fields(lines[2]); first[0] != "8" && first[0] != "7" {
		t.Errorf("sorted by start, descending: first row %q, want one of the last calls", lines[2])
	}
	// Space selects (the row is marked) and moves down.
	hs.key(tcell.KeyHome, 0)
	hs.runes(" ")
	hs.waitText("1 selected")
}

func TestColumnsView(t *testing.T) {
	src, _ := sipiSource(t)
	hs := start(t, src, 160, 20)
	hs.waitText("CALL-ID / CIRCUIT")
	hs.key(tcell.KeyF10, 0)
	lines := hs.waitText("[x] CALL", "[x] GROUP", "[ ] CALLER", "[ ] RETR")
	_ = lines
	// Hide CALL (the first), show CALLER: the hidden one lands after the
	// shown ones, CALLER is then right below the cursor.
	hs.runes(" ")
	hs.waitText("[ ] CALL\n")
	hs.key(tcell.KeyDown, 0)
	hs.key(tcell.KeyEnter, 0)
	hs.waitText("[x] CALLER")
	hs.runes("q")
	lines = hs.waitText("CALLER", "START (UTC)")
	if strings.HasPrefix(strings.TrimSpace(lines[1]), "CALL ") {
		t.Errorf("header %q still starts with CALL", lines[1])
	}
}

func TestLadderView(t *testing.T) {
	src, snap := sipiSource(t)
	hs := start(t, src, 140, 40)
	hs.waitText("8 calls")
	hs.key(tcell.KeyEnter, 0)
	c := snap.Analysis.Calls[0]
	lines := hs.waitText("Ladder of call 1 and its 1 linked leg", "SIP leg 1 (call 1)", "ISUP leg 2 (call 2) CIC",
		"INVITE (ISUP IAM)", "IAM cic=", "ACM cic=", "ANM cic=", "REL cic=", "RLC cic=", "180 Ringing", "200 OK", "BYE")
	// One column per endpoint: the SIP addresses and the point codes.
	header := lineWith(lines, "2-")
	if header == "" {
		t.Errorf("no point code column in the header")
	}
	iam := lineWith(lines, "IAM cic=")
	if !strings.ContainsAny(iam, "▶◀") || !strings.Contains(iam, "to "+c.Called) {
		t.Errorf("IAM line %q: want an arrow labelled with the called number %s", iam, c.Called)
	}
	inv := lineWith(lines, "INVITE (ISUP IAM)")
	if !strings.Contains(inv, "▶") || !strings.Contains(inv, ":") {
		t.Errorf("INVITE line %q: want an arrow with time", inv)
	}
	// Time and delta on every arrow line: "09:00:00.000 +0.000".
	if !strings.Contains(iam, "09:00:") || !strings.Contains(iam, " +0.") {
		t.Errorf("IAM line %q: want time and delta", iam)
	}
	// x: this leg only.
	hs.runes("x")
	lines = hs.waitText("Ladder of call 1 —")
	if lineWith(lines, "IAM cic=") != "" {
		t.Errorf("leg-only ladder still shows the ISUP leg")
	}
	hs.runes("x")
	hs.waitText("IAM cic=")
	// Scrolling: End goes to the last message, the cursor's line is
	// highlighted (reverse video).
	hs.key(tcell.KeyEnd, 0)
	hs.waitFor("the last message highlighted", func(s string, lines []string) bool {
		cells, w, h := hs.scr.GetContents()
		for y := 0; y < h; y++ {
			if strings.Contains(lines[y], "RLC cic=") || strings.Contains(lines[y], "200 OK") {
				_, _, attr := cells[y*w+w-1].Style.Decompose()
				if attr&tcell.AttrReverse != 0 {
					return true
				}
			}
		}
		return false
	})
	hs.runes("q")
	hs.waitText("8 calls", "CALL-ID")
}

func TestMessageView(t *testing.T) {
	src, _ := sipiSource(t)
	hs := start(t, src, 120, 120)
	hs.waitText("8 calls")
	hs.key(tcell.KeyEnter, 0)
	hs.waitText("INVITE (ISUP IAM)")
	hs.key(tcell.KeyHome, 0)
	hs.key(tcell.KeyEnter, 0)
	lines := hs.waitText("INVITE sip:", "Call-ID:", "CSeq:", "octets of binary data", "ISUP in the SIP-I body", "IAM Initial address (itu)",
		"Called party number", "Calling party number", "Frame ", "0000  ")
	if strings.Contains(strings.Join(lines, "\n"), "Circuit identification code") {
		t.Error("a SIP-I body has no CIC, the tree shows one")
	}
	// Highlighting: the start line and header names have their own style.
	cells, w, _ := hs.scr.GetContents()
	for y, l := range lines {
		if strings.HasPrefix(l, "INVITE sip:") {
			fg, _, _ := cells[y*w].Style.Decompose()
			if fg != tcell.ColorAqua {
				t.Errorf("start line colour %v", fg)
			}
		}
	}
	// Back, then a diff of the INVITE with the 200 OK.
	hs.runes("q")
	hs.waitText("Ladder of call 1")
	hs.runes(" ")
	hs.runes("/")
	hs.runes("200 OK")
	hs.key(tcell.KeyEnter, 0)
	hs.runes("d")
	lines = hs.waitText("- ", "+ SIP/2.0 200 OK", "- INVITE sip:")
	_ = lines
}

func TestFilterView(t *testing.T) {
	src, _ := sipiSource(t)
	hs := start(t, src, 160, 20)
	hs.waitText("8 calls")
	hs.key(tcell.KeyF7, 0)
	hs.runes("cic>=x")
	hs.waitText("filter (filter: column 6:")
	// Fixed, the filter applies as typed: only the ISUP legs are left.
	for range len("cic>=x") {
		hs.key(tcell.KeyBackspace2, 0)
	}
	hs.runes("isup")
	hs.key(tcell.KeyEnter, 0)
	lines := hs.waitText("4 shown (filter: isup)")
	for _, l := range lines[2:] {
		if strings.Contains(l, " SIP ") {
			t.Errorf("a SIP leg is shown with filter isup: %q", l)
		}
	}
	// F5 clears it.
	hs.key(tcell.KeyF5, 0)
	hs.waitFor("the filter cleared", func(s string, _ []string) bool {
		return !strings.Contains(s, "shown") && strings.Contains(s, "8 calls")
	})
	// Search: from the top, the row of the first ISUP leg (a search looks
	// from the row after the cursor, and the cursor followed its call when
	// the filter was cleared: put it on the first row first).
	hs.key(tcell.KeyHome, 0)
	hs.waitFor("the cursor on call 1", func(string, []string) bool { return hs.cursorID() == 1 })
	hs.runes("/")
	hs.runes("CIC")
	hs.key(tcell.KeyEnter, 0)
	hs.waitFor("the cursor on call 2", func(string, []string) bool { return hs.cursorID() == 2 })
}

func TestStatsAndHelpViews(t *testing.T) {
	src, _ := sipiSource(t)
	hs := start(t, src, 140, 60)
	hs.waitText("8 calls")
	hs.key(tcell.KeyF8, 0)
	hs.waitText("Statistics of all calls", "ASR", "100.0 %", "NER", "ACD", "PDD", "n=4", "Final SIP status", "200 OK", "Q.850 causes", "16 normal call clearing", "Decode problems: 0")
	hs.runes("q")
	hs.key(tcell.KeyF1, 0)
	hs.waitText("Call list", "Ladder", "F7 f", "filter the calls", "F2 s", "F10 t", "F4 x")
	hs.key(tcell.KeyEnd, 0)
	hs.waitText("Everywhere", "Q               quit from anywhere")
}

func TestSaveFromUI(t *testing.T) {
	src, snap := sipiSource(t)
	hs := start(t, src, 160, 20)
	hs.waitText("8 calls")
	hs.runes("s")
	hs.waitText("save: 1 pcap")
	hs.runes("1")
	hs.waitText("save pcap of the selected calls")
	path := hs.inputText()
	hs.key(tcell.KeyEnter, 0)
	hs.waitText("saved pcap of 1 call(s) to " + path)
	r, err := pcapfile.Open(path, 0, pcapfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n := 0
	for {
		_, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	// Call 1 and its linked ISUP leg: every frame of both.
	want := map[any]bool{}
	for _, c := range snap.Analysis.GroupOf(snap.Analysis.Calls[0]) {
		for _, i := range c.Messages {
			want[snap.Analysis.Messages[i].Ref] = true
		}
	}
	if n != len(want) || n == 0 {
		t.Errorf("%d frames saved, want %d", n, len(want))
	}
	// The ladder as Mermaid, from the ladder.
	hs.key(tcell.KeyEnter, 0)
	hs.waitText("Ladder of call 1")
	hs.runes("s3")
	hs.waitText("save ladder as Mermaid to")
	mpath := hs.inputText()
	hs.key(tcell.KeyEnter, 0)
	hs.waitText("saved ladder as Mermaid")
	b, err := os.ReadFile(mpath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "sequenceDiagram") || !strings.Contains(string(b), "IAM cic=") {
		t.Errorf("mermaid file:\n%s", b)
	}
	// A file that cannot be written: said on the status line.
	hs.runes("s2")
	hs.waitText("save ladder as text to")
	hs.app.Application().QueueUpdate(func() { hs.app.input.SetText(filepath.Join(t.TempDir(), "no", "such", "dir.txt")) })
	hs.key(tcell.KeyEnter, 0)
	hs.waitText("save: open ")
}

// TestLiveUpdates: a source whose snapshots grow (as a live capture's
// do): new calls appear, the cursor stays on its call, evictions are
// counted on the status line, and the end says final.
func TestLiveUpdates(t *testing.T) {
	rep := generated(t, gencap.SIPI, 10)
	a := rep.Analysis
	src := &testSource{rep: rep, up: make(chan struct{}, 1),
		snap: &session.Snapshot{Analysis: prefix(a, 0, 4), Gen: 1}}
	hs := start(t, src, 160, 30)
	hs.waitText("4 calls", "live (update 1)")
	hs.key(tcell.KeyDown, 0)
	hs.key(tcell.KeyDown, 0)
	hs.waitFor("the cursor on call 3", func(string, []string) bool { return hs.cursorID() == 3 })

	src.publish(&session.Snapshot{Analysis: prefix(a, 0, 12), Gen: 2})
	lines := hs.waitText("12 calls", "live (update 2)")
	if lineWith(lines, " CIC ") == "" || hs.cursorID() != 3 {
		t.Errorf("after the update the cursor is on call %d, want 3", hs.cursorID())
	}
	// Sorted descending by call, the new calls come on top and the
	// cursor still follows call 3.
	hs.runes("z")
	hs.waitText("CALL▼")
	src.publish(&session.Snapshot{Analysis: prefix(a, 2, 16), Gen: 3, Evicted: 2})
	lines = hs.waitText("14 calls", "2 calls evicted", "live (update 3)")
	if id := hs.cursorID(); id != 3 {
		t.Errorf("cursor on call %d, want 3", id)
	}
	if f := strings.Fields(lines[2]); f[0] != "16" {
		t.Errorf("first row %q, want call 16", lines[2])
	}
	src.publish(&session.Snapshot{Analysis: prefix(a, 2, 20), Gen: 4, Evicted: 2, Final: true})
	hs.waitText("18 calls", "2 calls evicted", "final")
	// The evicted calls' IDs are not their index any more: ladders still
	// find their legs.
	hs.key(tcell.KeyEnter, 0)
	hs.waitText("Ladder of call 3 and its 1 linked leg", "IAM cic=")
}

func TestMouse(t *testing.T) {
	src, _ := sipiSource(t)
	hs := start(t, src, 160, 20)
	hs.waitText("8 calls")
	// A click on a column title sorts by it.
	hs.app.Application().QueueEvent(tcell.NewEventMouse(40, 1, tcell.Button1, tcell.ModNone))
	hs.app.Application().QueueEvent(tcell.NewEventMouse(40, 1, tcell.ButtonNone, tcell.ModNone))
	hs.waitText("FROM/CALLING▲", "sort FROM/CALLING ↑")
	// Past tview's double-click interval, a click on a row moves there.
	time.Sleep(600 * time.Millisecond)
	hs.app.Application().QueueEvent(tcell.NewEventMouse(10, 4, tcell.Button1, tcell.ModNone))
	hs.app.Application().QueueEvent(tcell.NewEventMouse(10, 4, tcell.ButtonNone, tcell.ModNone))
	var want uint32
	hs.inUI(func() { want = hs.app.List().Call(2).ID })
	hs.waitFor("the cursor on the third row", func(string, []string) bool { return hs.cursorID() == want })
	// A second click there at once is a double click: the ladder opens.
	hs.app.Application().QueueEvent(tcell.NewEventMouse(10, 4, tcell.Button1, tcell.ModNone))
	hs.app.Application().QueueEvent(tcell.NewEventMouse(10, 4, tcell.ButtonNone, tcell.ModNone))
	hs.waitText("Ladder of call")
}
