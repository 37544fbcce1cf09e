package ladder

import (
	"bufio"
	"io"
	"strconv"
	"strings"

	"github.com/sipgw/sipgw/capture/record"
)

// The page is XHTML-compatible (every element closed, only the XML
// entities), so a strict XML parser reads it. It is written directly
// rather than with html/template: every dynamic text goes through esc,
// attribute values are numbers and fixed class names, and a 10,000-message
// ladder takes milliseconds instead of most of a second. The SVG takes its
// geometry from the text layout at unlimited width: one character cell is
// cellW pixels of the monospace font.
const (
	cellW  = 7.5
	rowH   = 22
	svgTop = 40
)

// esc escapes text for element content and quoted attribute values.
var esc = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;").Replace

const htmlHead = `<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="en">
<head>
<meta charset="utf-8"/>
<title>`

const htmlStyle = `</title>
<style>
body { font-family: sans-serif; margin: 1em; color: #222; }
h1 { font-size: 1.2em; }
ul.legs { padding-left: 1.2em; }
svg { font-family: monospace; font-size: 12px; display: block; margin: 1em 0; }
svg .life { stroke: #999; stroke-width: 1; }
svg .name { font-weight: bold; text-anchor: middle; }
svg .msg { stroke-width: 1.5; fill: none; }
svg .sip { stroke: #1f5fa8; }
svg .isup { stroke: #b5531a; }
svg .resp { stroke-dasharray: 5 3; }
svg .label { text-anchor: middle; }
svg .time { fill: #666; }
svg .head { fill: #333; }
table { border-collapse: collapse; font-family: monospace; font-size: 12px; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: left; white-space: nowrap; }
th { background: #eee; }
tr.isup td { color: #8a3d10; }
</style>
</head>
<body>
`

func px(cells float64) string { return strconv.FormatFloat(cells, 'f', 1, 64) }

func (l *Ladder) writeHTML(w io.Writer, opt *Options, labels []string) error {
	title := "Ladder"
	if len(l.Legs) > 0 {
		title = "Ladder of " + l.Legs[0].Title
		if len(l.Legs) > 1 {
			title += " and " + strconv.Itoa(len(l.Legs)-1) + " linked"
		}
	}
	lens := make([]int, len(labels))
	for i := range labels {
		lens[i] = runeLen(labels[i])
	}
	// Time and delta share the left margin: "09:30:00.000 +0.100".
	var lay layout
	if len(l.Columns) > 0 {
		lay = l.layoutText(0, timeWidth+1+len("+0.000")+2, lens)
	}
	bottom := svgTop + rowH*(len(l.Rows)+1)
	width := px(float64(lay.width+2) * cellW)
	height := strconv.Itoa(bottom + 10)

	bw := bufio.NewWriter(w)
	p := func(s ...string) {
		for _, x := range s {
			bw.WriteString(x)
		}
	}
	p(htmlHead, esc(title), htmlStyle, "<h1>", esc(title), "</h1>\n<ul class=\"legs\">\n")
	for _, leg := range l.Legs {
		p("<li>", esc(leg.Title), "</li>\n")
	}
	p("</ul>\n")
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="`, width, `" height="`, height, `" viewBox="0 0 `, width, " ", height, `" role="img">`, "\n")
	p(`<defs><marker id="head" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path class="head" d="M0,0 L10,5 L0,10 z"/></marker></defs>`, "\n")
	for i, c := range l.Columns {
		x := px(float64(lay.x[i]) * cellW)
		p(`<text class="name" x="`, x, `" y="20">`, esc(c.Name), "</text>\n")
		p(`<line class="life" x1="`, x, `" y1="28" x2="`, x, `" y2="`, strconv.Itoa(bottom), `"/>`, "\n")
	}
	class := make([]string, len(l.Rows))
	for i := range l.Rows {
		r := &l.Rows[i]
		y := strconv.Itoa(svgTop + rowH*(i+1))
		class[i] = "sip"
		if l.a.Messages[r.Message].Proto == record.ISUP {
			class[i] = "isup"
		}
		cls := class[i]
		if r.Response {
			cls += " resp"
		}
		x1, x2 := float64(lay.x[r.From])*cellW, float64(lay.x[r.To])*cellW
		p(`<text class="time" x="4" y="`, y, `">`, clock(r.Time, opt.Location), " ", delta(r.Delta), "</text>\n")
		if r.From == r.To {
			p(`<path class="msg `, cls, `" d="M`, px(x1), ",", y, ` h24 v10 h-24" marker-end="url(#head)"/>`, "\n")
			p(`<text x="`, px(x1+30), `" y="`, y, `" dy="4">`, esc(labels[i]), "</text>\n")
			continue
		}
		p(`<line class="msg `, cls, `" x1="`, px(x1), `" y1="`, y, `" x2="`, px(x2), `" y2="`, y, `" marker-end="url(#head)"/>`, "\n")
		p(`<text class="label" x="`, px((x1+x2)/2), `" y="`, y, `" dy="-4">`, esc(labels[i]), "</text>\n")
	}
	p("</svg>\n<table>\n<thead><tr><th>#</th><th>time</th><th>delta</th><th>from</th><th>to</th><th>message</th><th>leg</th></tr></thead>\n<tbody>\n")
	for i := range l.Rows {
		r := &l.Rows[i]
		p(`<tr class="`, class[i], `"><td>`, strconv.Itoa(i+1), "</td><td>", clock(r.Time, opt.Location), "</td><td>", delta(r.Delta),
			"</td><td>", esc(l.Columns[r.From].Name), "</td><td>", esc(l.Columns[r.To].Name), "</td><td>", esc(labels[i]),
			"</td><td>", strconv.Itoa(r.Leg+1), "</td></tr>\n")
	}
	p("</tbody>\n</table>\n</body>\n</html>\n")
	return bw.Flush()
}
