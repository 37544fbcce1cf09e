package ladder

import (
	"bufio"
	"io"
	"slices"
	"time"
	"unicode/utf8"
)

// Text layout, in character cells:
//
//	09:30:00.000 +0.000 │──INVITE──────▶│
//	└── time ──┘ └delta┘ x[0]           x[1]
//
// An arrow between lifelines x[lo] and x[hi] has x[hi]-x[lo]-1 cells
// inside; a label of L cells fits on it with two dashes on each side and
// the head: L+5 cells, so the lifelines must be L+6 apart.
const (
	minGap    = 6 // lifelines closer than this leave no room for "──▶"
	arrowPad  = 6 // x[hi]-x[lo] needed beyond the label length
	selfPad   = 5 // a message to its own column: "├─┐ LABEL" before the next lifeline
	timeWidth = len("15:04:05.000")
	nameSep   = 2 // spaces between endpoint names in the header
)

type glyphs struct {
	life, dash, right, left, selfFrom, selfTurn rune
}

var (
	unicodeGlyphs = glyphs{'│', '─', '▶', '◀', '├', '┐'}
	asciiGlyphs   = glyphs{'|', '-', '>', '<', '|', '.'}
)

// span says lifelines lo and hi (lo < hi) must be at least need apart.
type span struct{ lo, hi, need int }

// layout is where the text ladder puts things.
type layout struct {
	x      []int    // lifeline cell of each column
	width  int      // cells of the widest fixed part (lifelines, inline labels, names)
	limit  int      // width labels are fitted to: max(Width, width)
	header []string // endpoint name lines
	legend []string // "A = name" lines for abbreviated names
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

// solve returns the gaps between adjacent lifelines that satisfy every
// span, starting from minGap. Shorter spans go first: a longer span's
// deficit is then spread over gaps that only grow, so no span satisfied
// earlier is broken.
func solve(n int, spans []span) []int {
	g := make([]int, max(n-1, 0))
	for i := range g {
		g[i] = minGap
	}
	slices.SortFunc(spans, func(a, b span) int {
		if d := (a.hi - a.lo) - (b.hi - b.lo); d != 0 {
			return d
		}
		return b.need - a.need
	})
	for _, s := range spans {
		have := 0
		for _, v := range g[s.lo:s.hi] {
			have += v
		}
		if d := s.need - have; d > 0 {
			k := s.hi - s.lo
			for i := 0; i < k; i++ {
				add := d / k
				if i < d%k {
					add++
				}
				g[s.lo+i] += add
			}
		}
	}
	return g
}

func sum(g []int) int {
	t := 0
	for _, v := range g {
		t += v
	}
	return t
}

// spread adds extra cells to the gaps, evenly, the first ones taking the
// remainder.
func spread(g []int, extra int) {
	if len(g) == 0 || extra <= 0 {
		return
	}
	for i := range g {
		g[i] += extra / len(g)
		if i < extra%len(g) {
			g[i]++
		}
	}
}

// shrink takes cells from the widest gaps until the total loses excess or
// every gap is at minGap; labels that then do not fit go above their arrow.
func shrink(g []int, excess int) {
	for ; excess > 0; excess-- {
		i := 0
		for j, v := range g {
			if v > g[i] {
				i = j
			}
		}
		if len(g) == 0 || g[i] <= minGap {
			return
		}
		g[i]--
	}
}

func (l *Ladder) layoutText(width, origin int, lens []int) layout {
	n := len(l.Columns)
	names := make([]string, n)
	nl := make([]int, n)
	for i, c := range l.Columns {
		names[i], nl[i] = c.Name, runeLen(c.Name)
	}
	var labSpans []span
	rightLab := 1
	for i, r := range l.Rows {
		lo, hi := min(r.From, r.To), max(r.From, r.To)
		switch {
		case lo != hi:
			labSpans = append(labSpans, span{lo, hi, lens[i] + arrowPad})
		case lo < n-1:
			labSpans = append(labSpans, span{lo, lo + 1, lens[i] + selfPad})
		default:
			rightLab = max(rightLab, lens[i]+selfPad-1)
		}
	}
	labSpans = dedupe(labSpans)
	nameSpans := make([]span, 0, n)
	for i := 0; i+1 < n; i++ {
		nameSpans = append(nameSpans, span{i, i + 1, nl[i] - nl[i]/2 + nl[i+1]/2 + nameSep})
	}
	rightName := 1
	if n > 0 {
		rightName = max(1, nl[n-1]-nl[n-1]/2)
	}

	x0 := origin + 1
	var g []int
	right := max(rightLab, rightName)
	total := func(g []int, right int) int { return x0 + sum(g) + right }
	if width == 0 {
		// As wide as needed: the first name may push the lifelines right.
		if n > 0 {
			x0 = max(x0, nl[0]/2)
		}
		g = solve(n, append(labSpans, nameSpans...))
	} else {
		full := solve(n, append(slices.Clone(labSpans), nameSpans...))
		if t := total(full, right); t <= width {
			g = full
			spread(g, width-t)
		} else {
			g = solve(n, labSpans)
			right = rightLab
			if t := total(g, right); t <= width {
				spread(g, width-t)
			} else {
				shrink(g, t-width)
			}
		}
	}

	lay := layout{x: make([]int, n)}
	pos := x0
	for i := range lay.x {
		lay.x[i] = pos
		if i < len(g) {
			pos += g[i]
		}
	}
	lay.width = total(g, right)
	lay.limit = max(width, lay.width)
	lay.header, lay.legend = header(lay.x, names, width)
	for _, h := range lay.header {
		lay.width = max(lay.width, runeLen(h))
	}
	return lay
}

// dedupe keeps the largest need of each (lo, hi): a 10,000-message call
// has a handful of distinct spans.
func dedupe(s []span) []span {
	best := map[[2]int]int{}
	for _, v := range s {
		k := [2]int{v.lo, v.hi}
		best[k] = max(best[k], v.need)
	}
	out := make([]span, 0, len(best))
	for k, need := range best {
		out = append(out, span{k[0], k[1], need})
	}
	// Map order is random; solve sorts, but make ties deterministic too.
	slices.SortFunc(out, func(a, b span) int {
		if a.lo != b.lo {
			return a.lo - b.lo
		}
		return a.hi - b.hi
	})
	return out
}

// header places the endpoint names over their lifelines: on one line if
// they fit, else staggered on two, else with the longest names replaced by
// letters explained in a legend. width 0 means no limit.
func header(x []int, names []string, width int) (lines, legend []string) {
	n := len(names)
	shown := slices.Clone(names)
	abbrev := make([]bool, n)
	all, even, odd := make([]int, n), []int{}, []int{}
	for i := range n {
		all[i] = i
		if i%2 == 0 {
			even = append(even, i)
		} else {
			odd = append(odd, i)
		}
	}
	for {
		if s, ok := place(x, shown, all, width); ok {
			lines = []string{nameLine(x, shown, all, s, nil)}
			break
		}
		s1, ok1 := place(x, shown, even, width)
		s2, ok2 := place(x, shown, odd, width)
		if ok1 && ok2 {
			lines = []string{nameLine(x, shown, even, s1, nil), nameLine(x, shown, odd, s2, even)}
			break
		}
		// Abbreviate the longest name still shown in full.
		j := -1
		for i := range n {
			if !abbrev[i] && (j < 0 || runeLen(shown[i]) > runeLen(shown[j])) {
				j = i
			}
		}
		if j < 0 {
			// Even letters do not fit (more columns than the width
			// holds): draw them on one line regardless.
			s, _ := place(x, shown, all, 0)
			lines = []string{nameLine(x, shown, all, s, nil)}
			break
		}
		abbrev[j] = true
		shown[j] = tag(j)
	}
	for i := range n {
		if abbrev[i] {
			legend = append(legend, tag(i)+" = "+names[i])
		}
	}
	return lines, legend
}

// tag is the letter that stands for column i: A…Z, then AA, AB…
func tag(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}

// place puts names idx on one line, each centred on its lifeline if it
// can, always covering it, nameSep spaces apart, within width (0: no
// limit).
func place(x []int, names []string, idx []int, width int) ([]int, bool) {
	starts := make([]int, len(x))
	prevEnd := -1 - nameSep
	for _, i := range idx {
		n := runeLen(names[i])
		s := max(x[i]-n/2, prevEnd+1+nameSep, 0)
		if width > 0 && s+n > width {
			s = width - n
		}
		if s < prevEnd+1+nameSep || s < 0 || s > x[i] || s+n-1 < x[i] {
			return nil, false
		}
		starts[i] = s
		prevEnd = s + n - 1
	}
	return starts, true
}

// nameLine draws names idx at starts, and the lifelines of columns life
// (the other line's names, when staggered) where no name covers them.
func nameLine(x []int, names []string, idx, starts, life []int) string {
	var b []rune
	put := func(at int, r rune) {
		for len(b) <= at {
			b = append(b, ' ')
		}
		b[at] = r
	}
	for _, i := range life {
		put(x[i], '│')
	}
	for _, i := range idx {
		j := starts[i]
		for _, r := range names[i] {
			put(j, r)
			j++
		}
	}
	return string(b)
}

// canvas is one output line being drawn.
type canvas struct {
	b   []rune
	out []byte // the line encoded, reused
}

func (c *canvas) reset(n int) {
	c.b = c.b[:0]
	for range n {
		c.b = append(c.b, ' ')
	}
}

func (c *canvas) put(at int, r rune) {
	for len(c.b) <= at {
		c.b = append(c.b, ' ')
	}
	c.b[at] = r
}

func (c *canvas) text(at int, s string) {
	for _, r := range s {
		c.put(at, r)
		at++
	}
}

func (c *canvas) ascii(at int, s []byte) {
	for _, r := range s {
		c.put(at, rune(r))
		at++
	}
}

// line returns the line drawn, trailing spaces cut, encoded in c.out
// (valid until the next call).
func (c *canvas) line() []byte {
	end := len(c.b)
	for end > 0 && c.b[end-1] == ' ' {
		end--
	}
	c.out = c.out[:0]
	for _, r := range c.b[:end] {
		c.out = utf8.AppendRune(c.out, r)
	}
	return c.out
}

// Line is one line of the text ladder.
type Line struct {
	Text string
	// Row is the index in Ladder.Rows of the message this line draws (its
	// arrow, or its label when the label is on a line of its own above
	// the arrow); -1 for the leg titles, endpoint names and legend.
	Row int
}

// TextLines renders the ladder as Write does in the Text format, one
// Line per output line, each saying which message it draws: a viewer
// scrolls through them and puts a cursor on a message (opt.Format is
// ignored).
func (l *Ladder) TextLines(opt Options) []Line {
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	if opt.Width < 0 {
		opt.Width = 0
	}
	labels := make([]string, len(l.Rows))
	for i := range l.Rows {
		labels[i] = l.fullLabel(&l.Rows[i], &opt)
	}
	out := make([]Line, 0, len(l.Rows)+len(l.Legs)+4)
	l.drawText(&opt, labels, func(b []byte, row int) {
		out = append(out, Line{Text: string(b), Row: row})
	})
	return out
}

func (l *Ladder) writeText(w io.Writer, opt *Options, labels []string) error {
	bw := bufio.NewWriter(w)
	l.drawText(opt, labels, func(b []byte, _ int) {
		bw.Write(b)
		bw.WriteByte('\n')
	})
	return bw.Flush()
}

// drawText draws the text ladder line by line; emit gets each line
// (valid only during the call) and the row it draws (-1 for headers).
func (l *Ladder) drawText(opt *Options, labels []string, emit func(b []byte, row int)) {
	for _, leg := range l.Legs {
		emit([]byte(leg.Title), -1)
	}
	if len(l.Rows) == 0 {
		emit([]byte("(no messages)"), -1)
		return
	}
	gl := unicodeGlyphs
	if opt.ASCII {
		gl = asciiGlyphs
	}
	lens := make([]int, len(labels))
	dw := 0
	var scratch []byte
	for i := range l.Rows {
		lens[i] = runeLen(labels[i])
		scratch = appendDelta(scratch[:0], l.Rows[i].Delta)
		dw = max(dw, len(scratch))
	}
	origin := timeWidth + 1 + dw + 1
	lay := l.layoutText(opt.Width, origin, lens)
	x := lay.x

	for _, h := range lay.header {
		if opt.ASCII {
			h = toASCII(h)
		}
		emit([]byte(h), -1)
	}
	for _, s := range lay.legend {
		emit([]byte(s), -1)
	}

	var c canvas
	lifelines := func() {
		c.reset(x[len(x)-1] + 1)
		for _, p := range x {
			c.b[p] = gl.life
		}
	}
	for i := range l.Rows {
		r := &l.Rows[i]
		lab, n := labels[i], lens[i]
		lo, hi := min(r.From, r.To), max(r.From, r.To)
		inner := x[hi] - x[lo] - 1
		// A label that does not fit on its arrow goes on its own line
		// above it, at labelAt.
		var above bool
		var labelAt int
		if lo == hi {
			room := lay.limit - x[lo] - 4
			if lo < len(x)-1 {
				room = x[lo+1] - x[lo] - selfPad
			}
			above, labelAt = n > room, x[lo]+4
		} else {
			above, labelAt = inner < n+arrowPad-1, x[lo]+1+(inner-n)/2
		}
		if above {
			// Keep the label over the diagram, right of the first
			// lifeline, unless it is longer than the diagram is wide.
			labelAt = min(labelAt, lay.limit-n)
			if labelAt < x[0] {
				labelAt = x[0]
				if labelAt+n > lay.limit {
					labelAt = max(lay.limit-n, 0)
				}
			}
			lifelines()
			c.text(labelAt, lab)
			emit(c.line(), i)
		}

		lifelines()
		scratch = appendClock(scratch[:0], r.Time, opt.Location)
		scratch = append(scratch, ' ')
		for range dw - len(appendDelta(scratch[len(scratch):], r.Delta)) {
			scratch = append(scratch, ' ')
		}
		scratch = appendDelta(scratch, r.Delta)
		c.ascii(0, scratch)
		if lo == hi {
			c.put(x[lo], gl.selfFrom)
			c.put(x[lo]+1, gl.dash)
			c.put(x[lo]+2, gl.selfTurn)
			if !above {
				c.text(x[lo]+4, lab)
			}
		} else {
			for p := x[lo] + 1; p < x[hi]; p++ {
				c.b[p] = gl.dash
			}
			start := x[lo] + 1 // first cell of the label's region
			if r.To > r.From {
				c.b[x[hi]-1] = gl.right
			} else {
				c.b[x[lo]+1] = gl.left
				start++
			}
			if !above {
				c.text(start+(inner-1-n)/2, lab)
			}
		}
		emit(c.line(), i)
	}
}

// toASCII swaps the lifeline glyph of header lines.
func toASCII(s string) string {
	b := []rune(s)
	for i, r := range b {
		if r == '│' {
			b[i] = '|'
		}
	}
	return string(b)
}
