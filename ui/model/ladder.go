package model

import (
	"strings"

	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/ladder"
	"github.com/sipgw/sipgw/capture/record"
)

// Ladder is the ladder screen of one call: capture/ladder's model drawn
// as text lines at the screen's width, a cursor on one message, the
// scroll position, and a message marked for a diff.
type Ladder struct {
	an       *calls.Analysis
	Call     *calls.Call
	Extended bool // the whole linked group (else this leg only)
	Lad      *ladder.Ladder
	Lines    []ladder.Line

	width  int
	first  []int // first line of each row
	arrow  []int // the arrow line of each row
	Cursor int   // row index (message) under the cursor
	Top    int   // first line shown
	Left   int   // columns scrolled off to the left
	Marked int   // row marked for a diff, -1 if none
	search string
}

// NewLadder builds the ladder of call c (with its linked legs when
// extended) in analysis a.
func NewLadder(a *calls.Analysis, c *calls.Call, extended bool) *Ladder {
	l := &Ladder{an: a, Call: c, Extended: extended, Marked: -1}
	group := []*calls.Call{c}
	if extended {
		group = a.GroupOf(c)
	}
	l.Lad = ladder.Build(a, group)
	return l
}

// Layout draws the lines for a screen of width cells (again only when the
// width changed).
func (l *Ladder) Layout(width int) {
	if width == l.width && l.Lines != nil {
		return
	}
	l.width = width
	l.Lines = l.Lad.TextLines(ladder.Options{Width: width, Details: ladder.KeyFields(l.an)})
	l.first = make([]int, len(l.Lad.Rows))
	l.arrow = make([]int, len(l.Lad.Rows))
	for i := range l.first {
		l.first[i] = -1
	}
	for i, ln := range l.Lines {
		if ln.Row < 0 {
			continue
		}
		if l.first[ln.Row] < 0 {
			l.first[ln.Row] = i
		}
		l.arrow[ln.Row] = i
	}
}

// Rows is the number of messages.
func (l *Ladder) Rows() int { return len(l.Lad.Rows) }

// Message is the analysis index of the message under the cursor.
func (l *Ladder) Message() (uint32, bool) {
	if l.Cursor < 0 || l.Cursor >= len(l.Lad.Rows) {
		return 0, false
	}
	return l.Lad.Rows[l.Cursor].Message, true
}

// MessageOf is the analysis index of row i's message, and of the ISUP in
// its SIP-I body (-1 if none).
func (l *Ladder) MessageOf(i int) (uint32, int) {
	r := &l.Lad.Rows[i]
	return r.Message, r.Body
}

// Move moves the cursor d messages and scrolls so that it shows in a
// screen of height lines.
func (l *Ladder) Move(d, height int) {
	l.Cursor = max(0, min(len(l.Lad.Rows)-1, l.Cursor+d))
	l.Show(height)
}

// Show scrolls so that the cursor's lines are on a screen of height lines.
func (l *Ladder) Show(height int) {
	if len(l.Lad.Rows) == 0 || l.first == nil {
		return
	}
	f, a := l.first[l.Cursor], l.arrow[l.Cursor]
	if l.Cursor == 0 {
		f = 0 // the titles and endpoint names come with the first message
	}
	if f < l.Top {
		l.Top = f
	}
	if a >= l.Top+height {
		l.Top = a - height + 1
	}
	l.Top = max(0, min(l.Top, len(l.Lines)-1))
}

// CursorLines is the range of lines [from, to] that draw the cursor's
// message (highlighted by the view).
func (l *Ladder) CursorLines() (int, int) {
	if len(l.Lad.Rows) == 0 || l.first == nil {
		return -1, -1
	}
	return l.first[l.Cursor], l.arrow[l.Cursor]
}

// RowAtLine is the row drawn on line i (-1 for a header line).
func (l *Ladder) RowAtLine(i int) int {
	if i < 0 || i >= len(l.Lines) {
		return -1
	}
	return l.Lines[i].Row
}

// ScrollX scrolls d columns sideways (a ladder wider than the screen).
func (l *Ladder) ScrollX(d int) {
	w := 0
	for _, ln := range l.Lines {
		w = max(w, len([]rune(ln.Text)))
	}
	l.Left = max(0, min(l.Left+d, w-1))
}

// Mark marks the cursor's message for a diff (again: unmarks it).
func (l *Ladder) Mark() {
	if l.Marked == l.Cursor {
		l.Marked = -1
		return
	}
	l.Marked = l.Cursor
}

// DiffPair returns the messages to diff: the marked one and the one under
// the cursor.
func (l *Ladder) DiffPair() (a, b uint32, ok bool) {
	if l.Marked < 0 || l.Marked >= len(l.Lad.Rows) || l.Marked == l.Cursor {
		return 0, 0, false
	}
	return l.Lad.Rows[l.Marked].Message, l.Lad.Rows[l.Cursor].Message, true
}

// Search moves the cursor to the next message whose label contains text.
func (l *Ladder) Search(text string, height int) bool {
	l.search = strings.ToLower(text)
	return l.SearchNext(height)
}

// SearchNext repeats the search after the cursor, wrapping.
func (l *Ladder) SearchNext(height int) bool {
	n := len(l.Lad.Rows)
	if l.search == "" || n == 0 {
		return false
	}
	for k := 1; k <= n; k++ {
		i := (l.Cursor + k) % n
		if strings.Contains(strings.ToLower(l.Lad.Rows[i].Label), l.search) {
			l.Cursor = i
			l.Show(height)
			return true
		}
	}
	return false
}

// Title is the ladder screen's title.
func (l *Ladder) Title() string {
	s := "Ladder of call " + itoa(int(l.Call.ID))
	if l.Extended && len(l.Lad.Legs) > 1 {
		s += " and its " + itoa(len(l.Lad.Legs)-1) + " linked leg"
		if len(l.Lad.Legs) > 2 {
			s += "s"
		}
	}
	s += " — " + itoa(len(l.Lad.Rows)) + " messages"
	return s
}

// IsISUPRow reports whether row i is an ISUP message (drawn in another
// colour).
func (l *Ladder) IsISUPRow(i int) bool {
	return i >= 0 && i < len(l.Lad.Rows) && l.an.Messages[l.Lad.Rows[i].Message].Proto == record.ISUP
}
