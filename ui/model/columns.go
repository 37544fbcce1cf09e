package model

import (
	"cmp"
	"strconv"
	"time"

	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/record"
)

// ColumnID names a call list column.
type ColumnID uint8

const (
	ColID ColumnID = iota
	ColStart
	ColKind
	ColFrom
	ColTo
	ColOutcome
	ColStatus
	ColPDD
	ColDuration
	ColMsgs
	ColGroup
	ColCallID
	ColCaller
	ColCallee
	ColMethod
	ColRetrans
	nColumns
)

// Column describes one column: its title, its usual width, how a call's
// cell reads and how two calls compare when sorting by it.
type Column struct {
	ID    ColumnID
	Title string
	Width int  // cells; the text is cut with "…" beyond it (0: no limit)
	Right bool // numbers are right-aligned
	Cell  func(a *calls.Analysis, c *calls.Call) string
	Cmp   func(a *calls.Analysis, x, y *calls.Call) int
}

// sortKeys are the numeric columns' sort keys, in Cmp's order.
var sortKeys [nColumns]func(c *calls.Call) int64

func fromOf(c *calls.Call) string {
	if c.Calling != "" {
		return c.Calling
	}
	return c.From
}

func toOf(c *calls.Call) string {
	if c.Called != "" {
		return c.Called
	}
	return c.To
}

func statusText(c *calls.Call) string {
	switch {
	case c.Status != 0 && c.Cause != record.NoCause:
		return strconv.Itoa(int(c.Status)) + "/" + strconv.Itoa(int(c.Cause))
	case c.Status != 0:
		return strconv.Itoa(int(c.Status))
	case c.Cause != record.NoCause:
		return "c" + strconv.Itoa(int(c.Cause))
	}
	return "-"
}

func durText(d time.Duration, ok bool) string {
	if !ok {
		return "-"
	}
	return d.Round(time.Millisecond).String()
}

func durKey(d time.Duration, ok bool) time.Duration {
	if !ok {
		return -1
	}
	return d
}

// circuit is the Call-ID of a SIP leg, the circuit of an ISUP leg.
func circuit(c *calls.Call) string {
	if c.Kind == record.ISUP {
		return "NI " + strconv.Itoa(int(c.NI)) + " " + c.OPC.String() + "↔" + c.DPC.String() + " CIC " + strconv.FormatUint(uint64(c.CIC), 10)
	}
	return c.CallID
}

func kindText(c *calls.Call) string {
	if c.Kind == record.ISUP {
		return "ISUP"
	}
	return "SIP"
}

func endpoint(a *calls.Analysis, id record.EndpointID) string {
	if int(id) < len(a.Endpoints) {
		return a.Endpoints[id].String()
	}
	return "?"
}

// Columns is the table of every column the call list can show.
var Columns = [nColumns]Column{
	{ColID, "CALL", 6, true,
		func(_ *calls.Analysis, c *calls.Call) string { return strconv.FormatUint(uint64(c.ID), 10) },
		func(_ *calls.Analysis, x, y *calls.Call) int { return cmp.Compare(x.ID, y.ID) }},
	{ColStart, "START (UTC)", 23, false,
		func(_ *calls.Analysis, c *calls.Call) string {
			return time.Unix(0, c.Start).UTC().Format("2006-01-02 15:04:05.000")
		},
		func(_ *calls.Analysis, x, y *calls.Call) int { return cmp.Compare(x.Start, y.Start) }},
	{ColKind, "KIND", 4, false,
		func(_ *calls.Analysis, c *calls.Call) string { return kindText(c) },
		func(_ *calls.Analysis, x, y *calls.Call) int { return cmp.Compare(x.Kind, y.Kind) }},
	{ColFrom, "FROM/CALLING", 16, false,
		func(_ *calls.Analysis, c *calls.Call) string { return fromOf(c) },
		func(_ *calls.Analysis, x, y *calls.Call) int { return cmp.Compare(fromOf(x), fromOf(y)) }},
	{ColTo, "TO/CALLED", 16, false,
		func(_ *calls.Analysis, c *calls.Call) string { return toOf(c) },
		func(_ *calls.Analysis, x, y *calls.Call) int { return cmp.Compare(toOf(x), toOf(y)) }},
	{ColOutcome, "OUTCOME", 11, false,
		func(_ *calls.Analysis, c *calls.Call) string { return c.Outcome.String() },
		func(_ *calls.Analysis, x, y *calls.Call) int { return cmp.Compare(x.Outcome, y.Outcome) }},
	{ColStatus, "STAT/CAU", 8, false,
		func(_ *calls.Analysis, c *calls.Call) string { return statusText(c) },
		func(_ *calls.Analysis, x, y *calls.Call) int {
			if d := cmp.Compare(x.Status, y.Status); d != 0 {
				return d
			}
			return cmp.Compare(x.Cause, y.Cause)
		}},
	{ColPDD, "PDD", 8, true,
		func(_ *calls.Analysis, c *calls.Call) string { return durText(c.PDD()) },
		func(_ *calls.Analysis, x, y *calls.Call) int { return cmp.Compare(durKey(x.PDD()), durKey(y.PDD())) }},
	{ColDuration, "DURATION", 9, true,
		func(_ *calls.Analysis, c *calls.Call) string { return durText(c.Duration()) },
		func(_ *calls.Analysis, x, y *calls.Call) int {
			return cmp.Compare(durKey(x.Duration()), durKey(y.Duration()))
		}},
	{ColMsgs, "MSGS", 5, true,
		func(_ *calls.Analysis, c *calls.Call) string { return strconv.FormatUint(uint64(c.Count), 10) },
		func(_ *calls.Analysis, x, y *calls.Call) int { return cmp.Compare(x.Count, y.Count) }},
	{ColGroup, "GROUP", 5, true,
		func(_ *calls.Analysis, c *calls.Call) string {
			if len(c.Linked) > 0 || c.Group != c.ID {
				return strconv.FormatUint(uint64(c.Group), 10)
			}
			return "-"
		},
		func(_ *calls.Analysis, x, y *calls.Call) int { return cmp.Compare(x.Group, y.Group) }},
	{ColCallID, "CALL-ID / CIRCUIT", 0, false,
		func(_ *calls.Analysis, c *calls.Call) string { return circuit(c) },
		func(_ *calls.Analysis, x, y *calls.Call) int { return cmp.Compare(circuit(x), circuit(y)) }},
	{ColCaller, "CALLER", 21, false,
		func(a *calls.Analysis, c *calls.Call) string { return endpoint(a, c.Caller) },
		func(a *calls.Analysis, x, y *calls.Call) int {
			return cmp.Compare(endpoint(a, x.Caller), endpoint(a, y.Caller))
		}},
	{ColCallee, "CALLEE", 21, false,
		func(a *calls.Analysis, c *calls.Call) string { return endpoint(a, c.Callee) },
		func(a *calls.Analysis, x, y *calls.Call) int {
			return cmp.Compare(endpoint(a, x.Callee), endpoint(a, y.Callee))
		}},
	{ColMethod, "METHOD", 8, false,
		func(_ *calls.Analysis, c *calls.Call) string {
			if c.Kind == record.ISUP {
				return "IAM"
			}
			return c.Method.String()
		},
		func(_ *calls.Analysis, x, y *calls.Call) int { return cmp.Compare(x.Method, y.Method) }},
	{ColRetrans, "RETR", 4, true,
		func(_ *calls.Analysis, c *calls.Call) string { return strconv.FormatUint(uint64(c.Retrans), 10) },
		func(_ *calls.Analysis, x, y *calls.Call) int { return cmp.Compare(x.Retrans, y.Retrans) }},
}

// DefaultColumns are the columns of `sipsniff --calls`, in its order.
var DefaultColumns = []ColumnID{ColID, ColStart, ColKind, ColFrom, ColTo, ColOutcome, ColStatus, ColPDD, ColDuration, ColMsgs, ColGroup, ColCallID}

// ColumnSet is the shown columns in order, and the cursor of the columns
// screen (F10).
type ColumnSet struct {
	Shown  []ColumnID
	Cursor int // index into Order() on the columns screen
}

// NewColumnSet starts with DefaultColumns.
func NewColumnSet() *ColumnSet {
	return &ColumnSet{Shown: append([]ColumnID(nil), DefaultColumns...)}
}

// Order is every column, shown ones first in their order, then the hidden
// ones: the list of the columns screen.
func (cs *ColumnSet) Order() []ColumnID {
	out := append([]ColumnID(nil), cs.Shown...)
	for id := ColumnID(0); id < nColumns; id++ {
		if !cs.IsShown(id) {
			out = append(out, id)
		}
	}
	return out
}

// IsShown reports whether column id is shown.
func (cs *ColumnSet) IsShown(id ColumnID) bool {
	for _, s := range cs.Shown {
		if s == id {
			return true
		}
	}
	return false
}

// Toggle shows or hides the column under the cursor; the last shown
// column stays.
func (cs *ColumnSet) Toggle() {
	order := cs.Order()
	if cs.Cursor < 0 || cs.Cursor >= len(order) {
		return
	}
	id := order[cs.Cursor]
	for i, s := range cs.Shown {
		if s == id {
			if len(cs.Shown) == 1 {
				return
			}
			cs.Shown = append(cs.Shown[:i], cs.Shown[i+1:]...)
			// The hidden column goes to the head of the hidden ones: keep
			// the cursor on it.
			cs.Cursor = len(cs.Shown)
			return
		}
	}
	cs.Shown = append(cs.Shown, id)
	cs.Cursor = len(cs.Shown) - 1
}

// Move moves the shown column under the cursor d places (left < 0).
func (cs *ColumnSet) Move(d int) {
	i := cs.Cursor
	j := i + d
	if i < 0 || i >= len(cs.Shown) || j < 0 || j >= len(cs.Shown) {
		return
	}
	cs.Shown[i], cs.Shown[j] = cs.Shown[j], cs.Shown[i]
	cs.Cursor = j
}

// MoveCursor moves the columns screen's cursor, within the list.
func (cs *ColumnSet) MoveCursor(d int) {
	cs.Cursor = max(0, min(int(nColumns)-1, cs.Cursor+d))
}

// Lines are the columns screen: "[x] TITLE" per column, in Order.
func (cs *ColumnSet) Lines() []string {
	var out []string
	for _, id := range cs.Order() {
		mark := "[ ] "
		if cs.IsShown(id) {
			mark = "[x] "
		}
		out = append(out, mark+Columns[id].Title)
	}
	return out
}

func init() {
	keys := map[ColumnID]func(c *calls.Call) int64{
		ColID:       func(c *calls.Call) int64 { return int64(c.ID) },
		ColStart:    func(c *calls.Call) int64 { return c.Start },
		ColKind:     func(c *calls.Call) int64 { return int64(c.Kind) },
		ColOutcome:  func(c *calls.Call) int64 { return int64(c.Outcome) },
		ColStatus:   func(c *calls.Call) int64 { return int64(c.Status)<<16 + int64(c.Cause) },
		ColPDD:      func(c *calls.Call) int64 { return int64(durKey(c.PDD())) },
		ColDuration: func(c *calls.Call) int64 { return int64(durKey(c.Duration())) },
		ColMsgs:     func(c *calls.Call) int64 { return int64(c.Count) },
		ColGroup:    func(c *calls.Call) int64 { return int64(c.Group) },
		ColMethod:   func(c *calls.Call) int64 { return int64(c.Method) },
		ColRetrans:  func(c *calls.Call) int64 { return int64(c.Retrans) },
	}
	for id, k := range keys {
		sortKeys[id] = k
	}
}
