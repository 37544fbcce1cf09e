package ladder

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/record"
)

// Column is one endpoint of the ladder.
type Column struct {
	Endpoint record.EndpointID
	Name     string       // "10.0.0.1:5060", "[2001:db8::1]:5060", "2-200-1"
	Proto    record.Proto // SIP for an IP endpoint, ISUP for a point code
	Legs     []uint32     // IDs of the legs that have messages at this column
}

// Leg is one call (leg) of the group.
type Leg struct {
	Call  *calls.Call
	Title string // "SIP leg 1 (call 17) Call-ID a84b4c76e66710", "ISUP leg 2 (call 18) CIC 213"
}

// Row is one message.
type Row struct {
	Time     int64         // unix nanoseconds
	Delta    time.Duration // since the previous row (0 for the first)
	From, To int           // column indexes
	Label    string        // "INVITE", "180 Ringing", "IAM cic=213", "BYE (ISUP REL cause=16)", "(retrans)" marked
	Message  uint32        // index into Analysis.Messages
	Body     int           // index of the ISUP message in this SIP message's body (SIP-I), -1 if none
	Call     uint32        // ID of the leg the message belongs to
	Leg      int           // index into Ladder.Legs
	Response bool          // a SIP response (drawn dashed in diagrams)
}

// Ladder is the model of one call's ladder.
type Ladder struct {
	Columns []Column
	Rows    []Row
	Legs    []Leg
	a       *calls.Analysis
}

// Build makes the ladder of group (usually Analysis.GroupOf(call)). Legs
// are kept in the order given; messages of all legs are merged in time
// order (capture order for equal times). An ISUP message carried in a
// SIP-I body is folded into the row of the SIP message that carried it.
// Message indexes or endpoint IDs outside the analysis are skipped, not a
// panic.
func Build(a *calls.Analysis, group []*calls.Call) *Ladder {
	l := &Ladder{a: a}
	if a == nil {
		return l
	}
	type entry struct {
		idx uint32
		leg int
	}
	var es []entry
	for _, c := range group {
		if c == nil {
			continue
		}
		l.Legs = append(l.Legs, Leg{Call: c, Title: legTitle(len(l.Legs)+1, c)})
		for _, i := range c.Messages {
			if int(i) < len(a.Messages) {
				es = append(es, entry{i, len(l.Legs) - 1})
			}
		}
	}
	slices.SortStableFunc(es, func(x, y entry) int {
		tx, ty := a.Messages[x.idx].Time, a.Messages[y.idx].Time
		switch {
		case tx < ty:
			return -1
		case tx > ty:
			return 1
		}
		return int(x.idx) - int(y.idx)
	})

	col := map[record.EndpointID]int{}
	column := func(id record.EndpointID, leg uint32) int {
		ci, ok := col[id]
		if !ok {
			ci = len(l.Columns)
			col[id] = ci
			c := Column{Endpoint: id, Name: "?" + strconv.Itoa(int(id))}
			if int(id) < len(a.Endpoints) {
				ep := a.Endpoints[id]
				c.Name = ep.String()
				c.Proto = record.SIP
				if ep.IsPC() {
					c.Proto = record.ISUP
				}
			}
			l.Columns = append(l.Columns, c)
		}
		if c := &l.Columns[ci]; !slices.Contains(c.Legs, leg) {
			c.Legs = append(c.Legs, leg)
		}
		return ci
	}

	// Labels repeat (every "200 OK", every "ACM cic=213"): share them.
	type labelKey struct {
		m, body record.Message
	}
	labels := map[labelKey]string{}
	labelOf := func(m, body *record.Message) string {
		k := labelKey{m: *m}
		if body != nil {
			k.body = *body
		}
		// Only what label reads may tell keys apart.
		for _, x := range []*record.Message{&k.m, &k.body} {
			x.Time, x.Ref, x.Src, x.Dst, x.Call, x.CSeq = 0, record.FrameRef{}, 0, 0, 0, 0
		}
		if s, ok := labels[k]; ok {
			return s
		}
		s := label(m, body)
		labels[k] = s
		return s
	}

	l.Rows = make([]Row, 0, len(es))
	for _, e := range es {
		m := &a.Messages[e.idx]
		// ISUP in a SIP-I body comes right after its SIP message, with the
		// same frame: show it as part of that message's row.
		if m.Transport == record.SIPI && len(l.Rows) > 0 {
			prev := &l.Rows[len(l.Rows)-1]
			pm := &a.Messages[prev.Message]
			if prev.Message+1 == e.idx && pm.Flags&record.HasISUP != 0 && pm.Ref == m.Ref && prev.Body < 0 {
				prev.Body = int(e.idx)
				prev.Label = labelOf(pm, m)
				continue
			}
		}
		leg := l.Legs[e.leg].Call.ID
		r := Row{
			Time:     m.Time,
			From:     column(m.Src, leg),
			To:       column(m.Dst, leg),
			Label:    labelOf(m, nil),
			Message:  e.idx,
			Body:     -1,
			Call:     leg,
			Leg:      e.leg,
			Response: m.Proto == record.SIP && m.Method == record.MethodNone,
		}
		if n := len(l.Rows); n > 0 {
			r.Delta = time.Duration(r.Time - l.Rows[n-1].Time)
		}
		l.Rows = append(l.Rows, r)
	}
	return l
}

func legTitle(n int, c *calls.Call) string {
	s := c.Kind.String()
	switch c.Kind {
	case record.SIP:
		s = "SIP"
	case record.ISUP:
		s = "ISUP"
	}
	s += " leg " + strconv.Itoa(n) + " (call " + strconv.FormatUint(uint64(c.ID), 10) + ")"
	switch c.Kind {
	case record.SIP:
		s += " Call-ID " + printable(c.CallID)
	case record.ISUP:
		s += " CIC " + strconv.FormatUint(uint64(c.CIC), 10)
	}
	return s
}

// label is a message's text on the ladder, without the caller's Details:
// the method or "status reason", the ISUP type and CIC, the Q.850 cause,
// the ISUP carried in a SIP-I body, and markers.
func label(m, body *record.Message) string {
	var b []byte
	switch m.Proto {
	case record.SIP:
		if m.Method != record.MethodNone {
			b = append(b, m.Method.String()...)
		} else {
			b = strconv.AppendUint(b, uint64(m.Status), 10)
			if r := Reason(m.Status); r != "" {
				b = append(b, ' ')
				b = append(b, r...)
			}
		}
		switch {
		case body != nil:
			b = append(b, " (ISUP "...)
			b = append(b, body.ISUPType.String()...)
			if body.Cause >= 0 {
				b = append(b, " cause="...)
				b = strconv.AppendInt(b, int64(body.Cause), 10)
			}
			b = append(b, ')')
		case m.Flags&record.HasISUP != 0:
			b = append(b, " (ISUP)"...)
		}
		if m.Cause >= 0 && (body == nil || body.Cause != m.Cause) {
			b = append(b, " cause="...)
			b = strconv.AppendInt(b, int64(m.Cause), 10)
		}
		if m.Flags&record.HasSDP != 0 {
			b = append(b, " (SDP)"...)
		}
	case record.ISUP:
		b = append(b, m.ISUPType.String()...)
		b = append(b, " cic="...)
		b = strconv.AppendUint(b, uint64(m.CIC), 10)
		if m.Cause >= 0 {
			b = append(b, " cause="...)
			b = strconv.AppendInt(b, int64(m.Cause), 10)
		}
	default:
		b = append(b, '?')
	}
	if m.Flags&record.Retransmission != 0 {
		b = append(b, " (retrans)"...)
	}
	if m.Flags&record.Malformed != 0 {
		b = append(b, " (malformed)"...)
	}
	return string(b)
}

// fullLabel is the row's label with the caller's Details for the message
// and for the ISUP in its body.
func (l *Ladder) fullLabel(r *Row, opt *Options) string {
	if opt.Details == nil {
		return r.Label
	}
	s := r.Label
	if d := opt.Details(&l.a.Messages[r.Message]); d != "" {
		s += " " + d
	}
	if r.Body >= 0 {
		if d := opt.Details(&l.a.Messages[r.Body]); d != "" {
			s += " " + d
		}
	}
	return printable(s)
}

// printable replaces control characters (a line break or tab from a
// message's text) with spaces: a label is one line in every format.
func printable(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}
