package ui

import (
	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/sipgw/sipgw/ui/model"
)

// callContent is the call list as a virtual tview table: row 0 is the
// column titles, row i+1 the model's row i. tview asks only for the cells
// it draws, so a list of 250k calls costs the visible rows per redraw.
type callContent struct {
	tview.TableContentReadOnly
	list *model.CallList
	sort func(col model.ColumnID) // a click on a column title
}

func (c *callContent) GetRowCount() int    { return c.list.Len() + 1 }
func (c *callContent) GetColumnCount() int { return len(c.list.Cols.Shown) + 1 }

var (
	headerStyle   = tcell.StyleDefault.Bold(true).Foreground(tcell.ColorYellow)
	selectedStyle = tcell.StyleDefault.Foreground(tcell.ColorFuchsia).Bold(true)
)

func (c *callContent) GetCell(row, column int) *tview.TableCell {
	if column == 0 {
		// The selection mark: Space selects a call for save and stats.
		if row > 0 && c.list.IsSelected(row-1) {
			return tview.NewTableCell("*").SetStyle(selectedStyle)
		}
		return tview.NewTableCell(" ")
	}
	cols := c.list.Cols.Shown
	if column-1 >= len(cols) {
		return nil
	}
	id := cols[column-1]
	def := &model.Columns[id]
	if row == 0 {
		title := def.Title
		if sc, desc := c.list.Sort(); sc == id {
			if desc {
				title += "▼"
			} else {
				title += "▲"
			}
		}
		return tview.NewTableCell(title).SetStyle(headerStyle).SetSelectable(false).
			SetClickedFunc(func() bool { c.sort(id); return true })
	}
	cell := tview.NewTableCell(c.list.Cell(row-1, id)).SetMaxWidth(def.Width)
	if def.Right {
		cell.SetAlign(tview.AlignRight)
	}
	if c.list.IsSelected(row - 1) {
		cell.SetStyle(selectedStyle)
	}
	return cell
}
