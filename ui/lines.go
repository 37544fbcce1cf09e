package ui

import (
	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/sipgw/sipgw/ui/model"
)

// styles map the model's text styles to colours.
var styles = map[model.Style]tcell.Style{
	model.Plain:       tcell.StyleDefault,
	model.Title:       tcell.StyleDefault.Bold(true).Foreground(tcell.ColorYellow),
	model.StartLine:   tcell.StyleDefault.Bold(true).Foreground(tcell.ColorAqua),
	model.HeaderName:  tcell.StyleDefault.Foreground(tcell.ColorGreen),
	model.HeaderValue: tcell.StyleDefault,
	model.Body:        tcell.StyleDefault.Foreground(tcell.ColorSilver),
	model.ISUPName:    tcell.StyleDefault.Foreground(tcell.ColorOrange),
	model.ISUPValue:   tcell.StyleDefault,
	model.Hex:         tcell.StyleDefault,
	model.Added:       tcell.StyleDefault.Foreground(tcell.ColorGreen),
	model.Removed:     tcell.StyleDefault.Foreground(tcell.ColorRed),
	model.Faint:       tcell.StyleDefault.Foreground(tcell.ColorGray),
	model.Error:       tcell.StyleDefault.Foreground(tcell.ColorRed).Bold(true),
}

// linesView draws styled lines from a scroll position, with one range of
// lines highlighted (a cursor); it knows nothing of what the lines are.
type linesView struct {
	*tview.Box
	lines     func() []model.Line
	top, left *int
	// hl says which lines [from, to] are highlighted (-1: none).
	hl func() (int, int)
	// onClick gets the line clicked (double: opened).
	onClick func(line int, double bool)
	// onWheel scrolls d lines.
	onWheel func(d int)
	// onResize gets the inner size before drawing.
	onResize func(w, h int)
}

func newLinesView() *linesView {
	return &linesView{Box: tview.NewBox()}
}

func (v *linesView) Draw(screen tcell.Screen) {
	v.Box.DrawForSubclass(screen, v)
	x, y, w, h := v.GetInnerRect()
	if v.onResize != nil {
		v.onResize(w, h)
	}
	lines := v.lines()
	top, left := 0, 0
	if v.top != nil {
		top = *v.top
	}
	if v.left != nil {
		left = *v.left
	}
	from, to := -1, -1
	if v.hl != nil {
		from, to = v.hl()
	}
	for row := 0; row < h && top+row < len(lines); row++ {
		i := top + row
		hl := i >= from && i <= to
		col := 0
		for _, sp := range lines[i] {
			st := styles[sp.Style]
			if hl {
				st = st.Reverse(true)
			}
			for _, r := range sp.Text {
				if col >= left && col-left < w {
					screen.SetContent(x+col-left, y+row, r, nil, st)
				}
				col++
			}
		}
		if hl {
			for c := max(col-left, 0); c < w; c++ {
				screen.SetContent(x+c, y+row, ' ', nil, styles[model.Plain].Reverse(true))
			}
		}
	}
}

func (v *linesView) MouseHandler() func(action tview.MouseAction, event *tcell.EventMouse, setFocus func(p tview.Primitive)) (consumed bool, capture tview.Primitive) {
	return v.WrapMouseHandler(func(action tview.MouseAction, event *tcell.EventMouse, setFocus func(p tview.Primitive)) (consumed bool, capture tview.Primitive) {
		x, y := event.Position()
		if !v.InRect(x, y) {
			return false, nil
		}
		_, iy, _, _ := v.GetInnerRect()
		top := 0
		if v.top != nil {
			top = *v.top
		}
		switch action {
		case tview.MouseLeftClick, tview.MouseLeftDoubleClick:
			setFocus(v)
			if v.onClick != nil {
				v.onClick(top+y-iy, action == tview.MouseLeftDoubleClick)
			}
			return true, nil
		case tview.MouseScrollUp:
			if v.onWheel != nil {
				v.onWheel(-3)
			}
			return true, nil
		case tview.MouseScrollDown:
			if v.onWheel != nil {
				v.onWheel(3)
			}
			return true, nil
		}
		return false, nil
	})
}

// scroller is the scroll position of a screen without a cursor (message,
// diff, statistics, help).
type scroller struct {
	top, left, height int
	lines             []model.Line
}

func (s *scroller) scroll(d int) {
	s.top = max(0, min(s.top+d, len(s.lines)-1))
}

func (s *scroller) action(a model.Action) bool {
	page := max(1, s.height-1)
	switch a {
	case model.ActUp:
		s.scroll(-1)
	case model.ActDown:
		s.scroll(1)
	case model.ActPageUp:
		s.scroll(-page)
	case model.ActPageDown:
		s.scroll(page)
	case model.ActHome:
		s.top = 0
	case model.ActEnd:
		s.top = max(0, len(s.lines)-s.height)
	case model.ActLeft:
		s.left = max(0, s.left-8)
	case model.ActRight:
		s.left += 8
	default:
		return false
	}
	return true
}
