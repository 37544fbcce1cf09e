package model

import (
	"strings"
)

// KeyCode is a key without a character of its own (or KeyRune).
type KeyCode uint8

const (
	KeyRune KeyCode = iota // Key.Rune holds the character (space included)
	KeyEnter
	KeyEsc
	KeyUp
	KeyDown
	KeyLeft
	KeyRight
	KeyPgUp
	KeyPgDn
	KeyHome
	KeyEnd
	KeyTab
	KeyBacktab
	KeyF1
	KeyF2
	KeyF3
	KeyF4
	KeyF5
	KeyF6
	KeyF7
	KeyF8
	KeyF9
	KeyF10
)

var keyNames = [...]string{"", "Enter", "Esc", "↑", "↓", "←", "→", "PgUp", "PgDn", "Home", "End", "Tab", "Shift-Tab",
	"F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "F10"}

// Key is one key press, as the views translate it from the terminal.
type Key struct {
	Code KeyCode
	Rune rune
}

// R is the key of a character.
func R(r rune) Key { return Key{Code: KeyRune, Rune: r} }

// K is a key without a character.
func K(c KeyCode) Key { return Key{Code: c} }

func (k Key) String() string {
	if k.Code == KeyRune {
		if k.Rune == ' ' {
			return "Space"
		}
		return string(k.Rune)
	}
	if int(k.Code) < len(keyNames) {
		return keyNames[k.Code]
	}
	return "?"
}

// View is one screen of the UI; key bindings belong to views.
type View uint8

const (
	ViewCalls View = iota
	ViewLadder
	ViewMessage
	ViewDiff
	ViewStats
	ViewHelp
	ViewColumns
	nViews
)

var viewNames = [...]string{"call list", "ladder", "message", "diff", "statistics", "help", "columns"}

func (v View) String() string {
	if int(v) < len(viewNames) {
		return viewNames[v]
	}
	return "?"
}

// Action is what a key does.
type Action uint8

const (
	ActNone Action = iota
	ActUp
	ActDown
	ActPageUp
	ActPageDown
	ActHome
	ActEnd
	ActLeft
	ActRight
	ActOpen
	ActSelect
	ActSave
	ActSearch
	ActSearchNext
	ActExtended
	ActClear
	ActFilter
	ActColumns
	ActSortNext
	ActSortPrev
	ActSortReverse
	ActStats
	ActHelp
	ActBack
	ActQuit
	ActDiff
	ActMoveUp
	ActMoveDown
	ActSelectAll
)

// Binding is one line of the key table.
type Binding struct {
	Action Action
	Keys   []Key
	Views  []View // where the binding applies; nil: everywhere
	Help   string
}

var scrolled = []View{ViewCalls, ViewLadder, ViewMessage, ViewDiff, ViewStats, ViewHelp, ViewColumns}

// Keys is the one key table: dispatch, the help screen and the README's
// key list are all made from it. The defaults are sngrep's keys (F2/s
// save, F3 or / search, F4/x extended view, F5 clear, F7/f filter, F10/t
// columns, Space select, Enter open, q/Esc back) so its users feel at home.
var Keys = []Binding{
	{ActUp, []Key{K(KeyUp), R('k')}, scrolled, "move up"},
	{ActDown, []Key{K(KeyDown), R('j')}, scrolled, "move down"},
	{ActPageUp, []Key{K(KeyPgUp), R('b')}, scrolled, "page up"},
	{ActPageDown, []Key{K(KeyPgDn), R(' ')}, []View{ViewMessage, ViewDiff, ViewStats, ViewHelp}, "page down"},
	{ActPageDown, []Key{K(KeyPgDn)}, []View{ViewCalls, ViewLadder, ViewColumns}, "page down"},
	{ActHome, []Key{K(KeyHome), R('g')}, scrolled, "first line"},
	{ActEnd, []Key{K(KeyEnd), R('G')}, scrolled, "last line"},
	{ActLeft, []Key{K(KeyLeft)}, []View{ViewLadder, ViewMessage, ViewDiff}, "scroll left"},
	{ActRight, []Key{K(KeyRight)}, []View{ViewLadder, ViewMessage, ViewDiff}, "scroll right"},
	{ActOpen, []Key{K(KeyEnter)}, []View{ViewCalls}, "open the call's ladder (with its linked legs)"},
	{ActOpen, []Key{K(KeyEnter)}, []View{ViewLadder}, "open the message: SIP text, ISUP tree, hex"},
	{ActSelect, []Key{R(' ')}, []View{ViewCalls}, "select or unselect the call (for save and statistics)"},
	{ActSelectAll, []Key{R('a')}, []View{ViewCalls}, "select every call shown, or none"},
	{ActSelect, []Key{R(' ')}, []View{ViewLadder}, "mark the message for a diff"},
	{ActSelect, []Key{R(' '), K(KeyEnter)}, []View{ViewColumns}, "show or hide the column"},
	{ActMoveUp, []Key{R('-')}, []View{ViewColumns}, "move the column left"},
	{ActMoveDown, []Key{R('+')}, []View{ViewColumns}, "move the column right"},
	{ActDiff, []Key{R('d')}, []View{ViewLadder}, "diff the marked message with the one under the cursor"},
	{ActSave, []Key{K(KeyF2), R('s')}, []View{ViewCalls, ViewLadder}, "save: pcap of the selected calls, ladder as text, Mermaid or HTML"},
	{ActSearch, []Key{K(KeyF3), R('/')}, []View{ViewCalls, ViewLadder, ViewMessage}, "search"},
	{ActSearchNext, []Key{R('n')}, []View{ViewCalls, ViewLadder, ViewMessage}, "next match"},
	{ActExtended, []Key{K(KeyF4), R('x')}, []View{ViewCalls, ViewLadder}, "ladder of the whole linked group (SIP and ISUP legs) or of this leg only"},
	{ActClear, []Key{K(KeyF5)}, []View{ViewCalls}, "clear the filter, the search and the selection"},
	{ActFilter, []Key{K(KeyF7), R('f')}, []View{ViewCalls}, "filter the calls (the --filter language)"},
	{ActColumns, []Key{K(KeyF10), R('t')}, []View{ViewCalls}, "choose the columns"},
	{ActSortNext, []Key{R('>')}, []View{ViewCalls}, "sort by the next column"},
	{ActSortPrev, []Key{R('<')}, []View{ViewCalls}, "sort by the previous column"},
	{ActSortReverse, []Key{R('z')}, []View{ViewCalls}, "reverse the sort order"},
	{ActStats, []Key{K(KeyF8), R('i')}, []View{ViewCalls, ViewLadder}, "statistics (ASR, NER, ACD, PDD, causes) of the calls shown"},
	{ActHelp, []Key{K(KeyF1), R('h'), R('?')}, []View{ViewCalls, ViewLadder, ViewMessage, ViewDiff, ViewStats, ViewColumns}, "this help"},
	{ActBack, []Key{K(KeyEsc), R('q')}, []View{ViewLadder, ViewMessage, ViewDiff, ViewStats, ViewHelp, ViewColumns}, "back"},
	{ActQuit, []Key{R('q'), K(KeyEsc)}, []View{ViewCalls}, "quit"},
	{ActQuit, []Key{R('Q')}, nil, "quit from anywhere"},
}

// Dispatch returns what key does in view v (ActNone if nothing).
func Dispatch(v View, k Key) Action {
	for i := range Keys {
		b := &Keys[i]
		if !applies(b, v) {
			continue
		}
		for _, bk := range b.Keys {
			if bk == k {
				return b.Action
			}
		}
	}
	return ActNone
}

func applies(b *Binding, v View) bool {
	if b.Views == nil {
		return true
	}
	for _, x := range b.Views {
		if x == v {
			return true
		}
	}
	return false
}

// KeysOf returns the keys of action a in view v, "F7/f" style ("" if none).
func KeysOf(v View, a Action) string {
	for i := range Keys {
		b := &Keys[i]
		if b.Action == a && applies(b, v) {
			return keyList(b.Keys, "/")
		}
	}
	return ""
}

func keyList(ks []Key, sep string) string {
	var s []string
	for _, k := range ks {
		s = append(s, k.String())
	}
	return strings.Join(s, sep)
}

// HelpLines is the help screen: each view's keys, from the key table.
func HelpLines() []string {
	var out []string
	out = append(out, "sipsniff — keys (mouse: click a row to move there, double-click to open, wheel to scroll, click a column title to sort)", "")
	for v := View(0); v < nViews; v++ {
		if v == ViewHelp {
			continue
		}
		out = append(out, strings.ToUpper(v.String()[:1])+v.String()[1:])
		for i := range Keys {
			b := &Keys[i]
			if b.Views == nil || !applies(b, v) {
				continue
			}
			out = append(out, "  "+pad(keyList(b.Keys, " "), 16)+b.Help)
		}
		out = append(out, "")
	}
	out = append(out, "Everywhere")
	for i := range Keys {
		if Keys[i].Views == nil {
			out = append(out, "  "+pad(keyList(Keys[i].Keys, " "), 16)+Keys[i].Help)
		}
	}
	return out
}

// HelpMarkdown is the README's key table, made from the same table.
func HelpMarkdown() string {
	var b strings.Builder
	b.WriteString("| keys | where | what |\n|---|---|---|\n")
	for i := range Keys {
		k := &Keys[i]
		where := "everywhere"
		if k.Views != nil {
			var vs []string
			for _, v := range k.Views {
				vs = append(vs, v.String())
			}
			where = strings.Join(vs, ", ")
		}
		var ks []string
		for _, x := range k.Keys {
			ks = append(ks, "`"+x.String()+"`")
		}
		b.WriteString("| " + strings.Join(ks, " ") + " | " + where + " | " + k.Help + " |\n")
	}
	return b.String()
}

func pad(s string, n int) string {
	l := len([]rune(s))
	if l >= n {
		return s + " "
	}
	return s + strings.Repeat(" ", n-l)
}
