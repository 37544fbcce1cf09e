// Package ui is sipsniff's terminal UI: thin tview views over the model of
// package ui/model, fed by a session.Source (a capture file, or a live
// capture whose snapshots grow). The call list is a virtual table; Enter
// opens a call's ladder (its linked SIP and ISUP legs side by side), Enter
// again a message (SIP text, ISUP tree, hex). Keys come from the one table
// in model.Keys, which also makes the help screen.
package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/sipgw/sipgw/capture/session"
	"github.com/sipgw/sipgw/ui/model"
)

// Options configure the UI.
type Options struct {
	// Screen to draw on; nil: the terminal. Tests pass a
	// tcell.SimulationScreen.
	Screen tcell.Screen
	// Title names the input on the title line (file names, interface).
	Title string
	// Dir is where save suggests writing files (default: the current
	// directory).
	Dir string
}

type inputMode uint8

const (
	inputNone inputMode = iota
	inputFilter
	inputSearch
	inputSaveName
)

// App is the terminal UI over one Source.
type App struct {
	app *tview.Application
	src session.Source
	opt Options

	snap *session.Snapshot
	list *model.CallList

	stack []model.View
	pages *tview.Pages
	title *tview.TextView
	// bottom is the status line, or the input line while one is open.
	bottom *tview.Pages
	status *tview.TextView
	input  *tview.InputField

	table  *tview.Table
	tableH int

	lad      *model.Ladder
	ladView  *linesView
	ladLines []model.Line
	ladH     int
	// ladMarked is the mark the styled lines were made with.
	ladMarked int

	msgView, diffView, statsView, helpView, colsView *linesView
	msg, diff, stats, help                           scroller
	colsTop                                          int

	mode        inputMode
	prevFilter  string
	choosing    bool // the save choice is on the status line
	saveKind    model.SaveKind
	note        string // a message on the status line until the next key
	noteErr     bool
	searchFound bool

	stopOnce sync.Once
}

// New makes the UI over src. Run shows it.
func New(src session.Source, opt Options) *App {
	a := &App{app: tview.NewApplication(), src: src, opt: opt, list: model.NewCallList()}
	if opt.Screen != nil {
		a.app.SetScreen(opt.Screen)
	}
	a.app.EnableMouse(true)

	a.title = tview.NewTextView().SetDynamicColors(false)
	a.title.SetTextStyle(tcell.StyleDefault.Reverse(true))
	a.status = tview.NewTextView()
	a.input = tview.NewInputField().SetFieldBackgroundColor(tcell.ColorDefault)
	a.input.SetChangedFunc(a.inputChanged)
	a.input.SetDoneFunc(a.inputDone)
	a.bottom = tview.NewPages().AddPage("status", a.status, true, true).AddPage("input", a.input, true, false)

	a.table = tview.NewTable().SetSelectable(true, false).SetFixed(1, 1).SetSeparator(' ')
	a.table.SetContent(&callContent{list: a.list, sort: a.sortBy})
	a.table.SetSelectionChangedFunc(func(row, _ int) {
		if row > 0 {
			a.list.SetCursor(row - 1)
		}
	})
	a.table.SetSelectedFunc(func(row, _ int) {}) // Enter goes through the key table

	a.ladView = newLinesView()
	a.ladView.lines = func() []model.Line { return a.ladLines }
	a.ladView.hl = func() (int, int) {
		if a.lad == nil {
			return -1, -1
		}
		return a.lad.CursorLines()
	}
	a.ladView.onResize = func(w, h int) {
		a.ladH = h
		if a.lad != nil {
			a.layoutLadder(w)
		}
	}
	a.ladView.onClick = func(line int, double bool) {
		if a.lad == nil {
			return
		}
		if r := a.lad.RowAtLine(line); r >= 0 {
			a.lad.Cursor = r
			if double {
				a.openMessage()
			}
		}
	}
	a.ladView.onWheel = func(d int) {
		if a.lad != nil {
			a.lad.Top = max(0, min(a.lad.Top+d, len(a.ladLines)-1))
		}
	}

	a.msgView = a.scrollView(&a.msg)
	a.diffView = a.scrollView(&a.diff)
	a.statsView = a.scrollView(&a.stats)
	a.helpView = a.scrollView(&a.help)
	a.colsView = newLinesView()
	a.colsView.lines = func() []model.Line {
		var out []model.Line
		for _, s := range a.list.Cols.Lines() {
			out = append(out, model.Line{{Text: s}})
		}
		return out
	}
	a.colsView.top = &a.colsTop
	a.colsView.hl = func() (int, int) { return a.list.Cols.Cursor, a.list.Cols.Cursor }
	a.colsView.onClick = func(line int, double bool) {
		a.list.Cols.MoveCursor(line - a.list.Cols.Cursor)
		a.list.Cols.Toggle()
	}

	a.pages = tview.NewPages()
	for _, p := range []struct {
		v model.View
		p tview.Primitive
	}{
		{model.ViewCalls, a.table}, {model.ViewLadder, a.ladView}, {model.ViewMessage, a.msgView},
		{model.ViewDiff, a.diffView}, {model.ViewStats, a.statsView}, {model.ViewHelp, a.helpView},
		{model.ViewColumns, a.colsView},
	} {
		a.pages.AddPage(p.v.String(), p.p, true, p.v == model.ViewCalls)
	}
	a.stack = []model.View{model.ViewCalls}

	root := tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(a.title, 1, 0, false).
		AddItem(a.pages, 0, 1, true).
		AddItem(a.bottom, 1, 0, false)
	a.app.SetRoot(root, true).SetFocus(a.table)
	a.app.SetInputCapture(a.key)
	a.app.SetMouseCapture(a.mouse)
	a.app.SetBeforeDrawFunc(func(tcell.Screen) bool {
		a.updateBars()
		return false
	})
	a.refresh()
	return a
}

func (a *App) scrollView(s *scroller) *linesView {
	v := newLinesView()
	v.lines = func() []model.Line { return s.lines }
	v.top, v.left = &s.top, &s.left
	v.onResize = func(_, h int) { s.height = h }
	v.onWheel = s.scroll
	return v
}

// Application is the tview application (tests queue updates on it).
func (a *App) Application() *tview.Application { return a.app }

// List is the call list model.
func (a *App) List() *model.CallList { return a.list }

// View is the screen shown.
func (a *App) View() model.View { return a.stack[len(a.stack)-1] }

// Run shows the UI until the user quits or ctx ends; it follows the
// source's updates meanwhile.
func (a *App) Run(ctx context.Context) error {
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			a.Stop()
		case <-done:
		}
	}()
	if up := a.src.Updates(); up != nil {
		go a.follow(up, done)
	}
	return a.app.Run()
}

// follow redraws with each newer snapshot. It runs outside the UI's
// handlers: QueueUpdateDraw from here cannot deadlock the event loop.
func (a *App) follow(up <-chan struct{}, done <-chan struct{}) {
	for {
		select {
		case <-done:
			return
		case _, ok := <-up:
			if !ok {
				return
			}
			a.app.QueueUpdateDraw(a.refresh)
		}
	}
}

// Stop ends Run.
func (a *App) Stop() { a.stopOnce.Do(a.app.Stop) }

// refresh takes the source's newest snapshot (UI goroutine only).
func (a *App) refresh() {
	s := a.src.Snapshot()
	if s == nil || s == a.snap {
		return
	}
	a.snap = s
	a.list.SetAnalysis(s.Analysis)
	a.syncTable()
}

func (a *App) syncTable() {
	a.table.Select(a.list.Cursor()+1, 0)
}

func (a *App) updateBars() {
	t := "sipsniff"
	if a.opt.Title != "" {
		t += " — " + a.opt.Title
	}
	switch a.View() {
	case model.ViewLadder, model.ViewMessage, model.ViewDiff:
		if a.lad != nil {
			t += " — " + a.lad.Title()
		}
	default:
		t += " — " + a.View().String()
	}
	a.title.SetText(t)
	if a.mode != inputNone {
		return
	}
	switch {
	case a.choosing:
		var s []string
		for i, k := range model.SaveKinds {
			s = append(s, strconv.Itoa(i+1)+" "+k.Name)
		}
		a.status.SetTextStyle(tcell.StyleDefault.Foreground(tcell.ColorYellow))
		a.status.SetText("save: " + strings.Join(s, " · ") + " (Esc: cancel)")
	case a.note != "":
		st := tcell.StyleDefault.Foreground(tcell.ColorGreen)
		if a.noteErr {
			st = tcell.StyleDefault.Foreground(tcell.ColorRed).Bold(true)
		}
		a.status.SetTextStyle(st)
		a.status.SetText(a.note)
	default:
		a.status.SetTextStyle(tcell.StyleDefault)
		a.status.SetText(model.StatusLine(a.snap, a.list))
	}
}

func (a *App) say(s string, isErr bool) { a.note, a.noteErr = s, isErr }

// toKey translates a terminal key into the model's.
func toKey(ev *tcell.EventKey) (model.Key, bool) {
	switch ev.Key() {
	case tcell.KeyRune:
		return model.R(ev.Rune()), true
	case tcell.KeyEnter:
		return model.K(model.KeyEnter), true
	case tcell.KeyEscape:
		return model.K(model.KeyEsc), true
	case tcell.KeyUp:
		return model.K(model.KeyUp), true
	case tcell.KeyDown:
		return model.K(model.KeyDown), true
	case tcell.KeyLeft:
		return model.K(model.KeyLeft), true
	case tcell.KeyRight:
		return model.K(model.KeyRight), true
	case tcell.KeyPgUp:
		return model.K(model.KeyPgUp), true
	case tcell.KeyPgDn:
		return model.K(model.KeyPgDn), true
	case tcell.KeyHome:
		return model.K(model.KeyHome), true
	case tcell.KeyEnd:
		return model.K(model.KeyEnd), true
	case tcell.KeyTab:
		return model.K(model.KeyTab), true
	case tcell.KeyBacktab:
		return model.K(model.KeyBacktab), true
	}
	if k := ev.Key(); k >= tcell.KeyF1 && k <= tcell.KeyF10 {
		return model.K(model.KeyF1 + model.KeyCode(k-tcell.KeyF1)), true
	}
	return model.Key{}, false
}

// key is the one place keys go: the input line keeps its own keys, the
// rest is looked up in the key table.
func (a *App) key(ev *tcell.EventKey) *tcell.EventKey {
	if a.mode != inputNone {
		return ev
	}
	k, ok := toKey(ev)
	if !ok {
		return ev // Ctrl-C and friends: tview's own
	}
	a.note = ""
	if a.choosing {
		a.choosing = false
		if k.Code == model.KeyRune && k.Rune >= '1' && int(k.Rune-'1') < len(model.SaveKinds) {
			a.askSaveName(model.SaveKinds[k.Rune-'1'].Kind)
		}
		return nil
	}
	a.Do(model.Dispatch(a.View(), k))
	return nil
}

// mouse: a double click on a call opens it.
func (a *App) mouse(ev *tcell.EventMouse, action tview.MouseAction) (*tcell.EventMouse, tview.MouseAction) {
	if action == tview.MouseLeftDoubleClick && a.View() == model.ViewCalls && a.mode == inputNone {
		x, y := ev.Position()
		if row, _ := a.table.CellAt(x, y); row > 0 {
			a.list.SetCursor(row - 1)
			a.syncTable()
			a.openLadder(true)
			return nil, action
		}
	}
	return ev, action
}

// Do performs an action in the current view (the key table's, or a
// test's).
func (a *App) Do(act model.Action) {
	switch act {
	case model.ActQuit:
		a.Stop()
		return
	case model.ActHelp:
		a.help = scroller{lines: toLines(model.HelpLines())}
		a.push(model.ViewHelp)
		return
	case model.ActBack:
		a.pop()
		return
	case model.ActStats:
		a.stats = scroller{lines: model.StatsLines(a.snap, a.list)}
		a.push(model.ViewStats)
		return
	case model.ActSave:
		a.choosing = true
		return
	case model.ActSearch:
		a.openInput(inputSearch, "search: ", "")
		return
	}
	switch a.View() {
	case model.ViewCalls:
		a.callsAction(act)
	case model.ViewLadder:
		a.ladderAction(act)
	case model.ViewMessage:
		if act == model.ActSearchNext {
			a.searchLines(&a.msg, a.list.SearchText())
			return
		}
		a.msg.action(act)
	case model.ViewDiff:
		a.diff.action(act)
	case model.ViewStats:
		a.stats.action(act)
	case model.ViewHelp:
		a.help.action(act)
	case model.ViewColumns:
		cs := a.list.Cols
		switch act {
		case model.ActUp:
			cs.MoveCursor(-1)
		case model.ActDown:
			cs.MoveCursor(1)
		case model.ActHome:
			cs.MoveCursor(-100)
		case model.ActEnd:
			cs.MoveCursor(100)
		case model.ActSelect:
			cs.Toggle()
		case model.ActMoveUp:
			cs.Move(-1)
		case model.ActMoveDown:
			cs.Move(1)
		}
	}
}

func toLines(ss []string) []model.Line {
	out := make([]model.Line, len(ss))
	for i, s := range ss {
		out[i] = model.Line{{Text: s}}
	}
	return out
}

func (a *App) tablePage() int {
	_, _, _, h := a.table.GetInnerRect()
	return max(1, h-2)
}

func (a *App) callsAction(act model.Action) {
	l := a.list
	switch act {
	case model.ActUp:
		l.Move(-1)
	case model.ActDown:
		l.Move(1)
	case model.ActPageUp:
		l.Move(-a.tablePage())
	case model.ActPageDown:
		l.Move(a.tablePage())
	case model.ActHome:
		l.SetCursor(0)
	case model.ActEnd:
		l.SetCursor(l.Len() - 1)
	case model.ActOpen:
		a.openLadder(true)
	case model.ActExtended:
		a.openLadder(false)
	case model.ActSelect:
		l.ToggleSelect()
		l.Move(1)
	case model.ActSelectAll:
		l.SelectAll()
	case model.ActSearchNext:
		if !l.SearchNext() {
			a.say("not found: "+l.SearchText(), true)
		}
	case model.ActClear:
		l.Clear()
	case model.ActFilter:
		a.prevFilter = l.Filter()
		a.openInput(inputFilter, "filter: ", l.Filter())
	case model.ActColumns:
		a.push(model.ViewColumns)
	case model.ActSortNext:
		l.SortNext(1)
	case model.ActSortPrev:
		l.SortNext(-1)
	case model.ActSortReverse:
		l.Reverse()
	}
	a.syncTable()
}

func (a *App) sortBy(col model.ColumnID) {
	if c, desc := a.list.Sort(); c == col {
		a.list.SortBy(col, !desc)
	} else {
		a.list.SortBy(col, false)
	}
	a.syncTable()
}

func (a *App) openLadder(extended bool) {
	c := a.list.CurrentCall()
	if c == nil {
		return
	}
	a.lad = model.NewLadder(a.snap.Analysis, c, extended)
	a.ladLines = nil
	a.push(model.ViewLadder)
}

// layoutLadder lays the ladder out at the view's width and styles its
// lines: ISUP messages in their own colour, the marked message too.
func (a *App) layoutLadder(w int) {
	before := a.lad.Lines
	a.lad.Layout(w)
	if a.ladLines != nil && len(before) > 0 && &before[0] == &a.lad.Lines[0] && a.ladMarked == a.lad.Marked {
		return
	}
	a.ladMarked = a.lad.Marked
	a.ladLines = make([]model.Line, len(a.lad.Lines))
	for i, ln := range a.lad.Lines {
		st := model.Plain
		switch {
		case ln.Row < 0:
			st = model.Title
		case ln.Row == a.lad.Marked:
			st = model.Added
		case a.lad.IsISUPRow(ln.Row):
			st = model.ISUPName
		}
		a.ladLines[i] = model.Line{{Text: ln.Text, Style: st}}
	}
	a.lad.Show(a.ladH)
}

func (a *App) ladderAction(act model.Action) {
	l := a.lad
	h := max(1, a.ladH)
	switch act {
	case model.ActUp:
		l.Move(-1, h)
	case model.ActDown:
		l.Move(1, h)
	case model.ActPageUp:
		l.Move(-h/2, h)
	case model.ActPageDown:
		l.Move(h/2, h)
	case model.ActHome:
		l.Move(-l.Rows(), h)
	case model.ActEnd:
		l.Move(l.Rows(), h)
	case model.ActLeft:
		l.ScrollX(-8)
	case model.ActRight:
		l.ScrollX(8)
	case model.ActOpen:
		a.openMessage()
	case model.ActSelect:
		l.Mark()
		a.ladLines = nil
	case model.ActDiff:
		x, y, ok := l.DiffPair()
		if !ok {
			a.say("mark a message with Space, move to another, then d", true)
			return
		}
		a.diff = scroller{lines: model.DiffMessages(a.snap.Analysis, x, y, a.src.ReadFrame)}
		a.push(model.ViewDiff)
	case model.ActExtended:
		a.lad = model.NewLadder(a.snap.Analysis, l.Call, !l.Extended)
		a.ladLines = nil
	case model.ActSearchNext:
		if !l.SearchNext(h) {
			a.say("not found", true)
		}
	}
}

func (a *App) openMessage() {
	idx, ok := a.lad.Message()
	if !ok {
		return
	}
	a.msg = scroller{lines: model.MessageLines(a.snap.Analysis, idx, a.src.ReadFrame)}
	a.push(model.ViewMessage)
}

func (a *App) push(v model.View) {
	a.stack = append(a.stack, v)
	a.pages.SwitchToPage(v.String())
	a.app.SetFocus(a.pages)
}

func (a *App) pop() {
	if len(a.stack) > 1 {
		a.stack = a.stack[:len(a.stack)-1]
	}
	a.pages.SwitchToPage(a.View().String())
	if a.View() == model.ViewCalls {
		a.app.SetFocus(a.table)
		a.syncTable()
	}
}

func (a *App) openInput(m inputMode, label, text string) {
	a.mode = m
	a.input.SetLabel(label)
	a.input.SetText(text)
	a.bottom.SwitchToPage("input")
	a.app.SetFocus(a.input)
}

func (a *App) closeInput() {
	a.mode = inputNone
	a.bottom.SwitchToPage("status")
	if a.View() == model.ViewCalls {
		a.app.SetFocus(a.table)
	} else {
		a.app.SetFocus(a.pages)
	}
}

// inputChanged filters as the user types: every text that parses is
// applied at once; one that does not shows where it goes wrong.
func (a *App) inputChanged(text string) {
	if a.mode != inputFilter {
		return
	}
	if err := a.list.SetFilter(text); err != nil {
		a.input.SetLabel("filter (" + err.Error() + "): ")
		a.input.SetLabelStyle(tcell.StyleDefault.Foreground(tcell.ColorRed))
		return
	}
	a.input.SetLabel("filter: ")
	a.input.SetLabelStyle(tcell.StyleDefault)
	a.syncTable()
}

func (a *App) inputDone(key tcell.Key) {
	text := a.input.GetText()
	mode := a.mode
	if key == tcell.KeyEscape {
		if mode == inputFilter {
			a.list.SetFilter(a.prevFilter)
			a.syncTable()
		}
		a.closeInput()
		return
	}
	if key != tcell.KeyEnter {
		return
	}
	switch mode {
	case inputFilter:
		if err := a.list.SetFilter(text); err != nil {
			return // the label shows the error; the input stays open
		}
		a.closeInput()
		a.syncTable()
	case inputSearch:
		a.closeInput()
		a.search(text)
	case inputSaveName:
		a.closeInput()
		a.save(text)
	}
}

func (a *App) search(text string) {
	if text == "" {
		return
	}
	found := false
	switch a.View() {
	case model.ViewCalls:
		found = a.list.Search(text)
		a.syncTable()
	case model.ViewLadder:
		found = a.lad.Search(text, max(1, a.ladH))
	case model.ViewMessage:
		a.list.Search(text) // remembered for n
		found = a.searchLines(&a.msg, strings.ToLower(text))
	}
	if !found {
		a.say("not found: "+text, true)
	}
}

// searchLines scrolls s to the next line after its top containing text.
func (a *App) searchLines(s *scroller, text string) bool {
	if text == "" {
		return false
	}
	for k := 1; k <= len(s.lines); k++ {
		i := (s.top + k) % len(s.lines)
		if strings.Contains(strings.ToLower(s.lines[i].String()), text) {
			s.top = i
			return true
		}
	}
	return false
}

func (a *App) askSaveName(kind model.SaveKind) {
	a.saveKind = kind
	var name string
	ext := model.SaveKinds[kind].Ext
	switch {
	case kind == model.SavePcap && a.View() == model.ViewCalls && a.list.NumSelected() > 0:
		name = "sipsniff-" + strconv.Itoa(a.list.NumSelected()) + "-calls" + ext
	case a.currentCallID() != 0:
		name = "sipsniff-call-" + strconv.Itoa(int(a.currentCallID())) + ext
	default:
		a.say("no call to save", true)
		return
	}
	dir := a.opt.Dir
	if dir == "" {
		dir = "."
	}
	a.openInput(inputSaveName, "save "+model.SaveKinds[kind].Name+" to: ", filepath.Join(dir, name))
}

func (a *App) currentCallID() uint32 {
	if a.View() != model.ViewCalls && a.lad != nil {
		return a.lad.Call.ID
	}
	if c := a.list.CurrentCall(); c != nil {
		return c.ID
	}
	return 0
}

func (a *App) save(path string) {
	if path == "" || a.snap == nil {
		return
	}
	an := a.snap.Analysis
	sel := a.list.Selected()
	c := a.list.CurrentCall()
	if a.View() != model.ViewCalls && a.lad != nil {
		c = a.lad.Call
		if a.list.NumSelected() == 0 {
			sel = an.GroupOf(c)
		}
	}
	if err := model.Save(path, a.saveKind, an, sel, c, a.src.ReadFrame); err != nil {
		a.say("save: "+err.Error(), true)
		return
	}
	what := model.SaveKinds[a.saveKind].Name
	if a.saveKind == model.SavePcap {
		what = fmt.Sprintf("pcap of %d call(s)", len(sel))
	}
	a.say("saved "+what+" to "+path, false)
}
