package ladder

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/isup"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

type scenario struct {
	name    string
	build   func() (*calls.Analysis, []*calls.Call)
	details func(*record.Message) string
}

var scenarios = []scenario{
	{"sip_call", sipCall, nil},
	{"interworked", interworked, interworkedDetails},
	{"ipv6", ipv6Call, ipv6Details},
	{"retrans", retransCall, nil},
	{"sipi", sipiCall, nil},
	{"self", selfCall, nil},
	{"hostile", sipCall, hostileDetails}, // markup, entities, line breaks in labels
}

func scenarioByName(t testing.TB, name string) scenario {
	for _, s := range scenarios {
		if s.name == name {
			return s
		}
	}
	t.Fatalf("no scenario %q", name)
	return scenario{}
}

func render(t testing.TB, s scenario, opt Options) string {
	t.Helper()
	a, g := s.build()
	opt.Details = s.details
	var b bytes.Buffer
	if err := Build(a, g).Write(&b, opt); err != nil {
		t.Fatalf("%s: Write: %v", s.name, err)
	}
	return b.String()
}

func golden(t *testing.T, file, got string) {
	t.Helper()
	path := filepath.Join("testdata", file)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the output (go test -update rewrites it):\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

func TestGolden(t *testing.T) {
	tests := []struct {
		scenario string
		file     string
		opt      Options
	}{
		{"sip_call", "sip_call_80.golden", Options{Width: 80}},
		{"sip_call", "sip_call_0.golden", Options{}},
		{"sip_call", "sip_call_ascii_80.golden", Options{Width: 80, ASCII: true}},
		{"sip_call", "sip_call_mermaid.golden", Options{Format: Mermaid}},
		{"sip_call", "sip_call_plantuml.golden", Options{Format: PlantUML}},
		{"sip_call", "sip_call_html.golden", Options{Format: HTML}},
		{"interworked", "interworked_80.golden", Options{Width: 80}},
		{"interworked", "interworked_0.golden", Options{}},
		{"interworked", "interworked_mermaid.golden", Options{Format: Mermaid}},
		{"interworked", "interworked_plantuml.golden", Options{Format: PlantUML}},
		{"interworked", "interworked_html.golden", Options{Format: HTML}},
		{"ipv6", "ipv6_80.golden", Options{Width: 80}},
		{"ipv6", "ipv6_200.golden", Options{Width: 200}},
		{"ipv6", "ipv6_64.golden", Options{Width: 64}},
		{"ipv6", "ipv6_0.golden", Options{}},
		{"retrans", "retrans_80.golden", Options{Width: 80}},
		{"sipi", "sipi_ascii_80.golden", Options{Width: 80, ASCII: true}},
		{"sipi", "sipi_mermaid.golden", Options{Format: Mermaid}},
		{"self", "self_60.golden", Options{Width: 60}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			golden(t, tt.file, render(t, scenarioByName(t, tt.scenario), tt.opt))
		})
	}
}

// rowLabels is the full label of every row, as Write draws it.
func rowLabels(s scenario) []string {
	a, g := s.build()
	l := Build(a, g)
	opt := Options{Details: s.details}
	out := make([]string, len(l.Rows))
	for i := range l.Rows {
		out[i] = l.fullLabel(&l.Rows[i], &opt)
	}
	return out
}

// At Width 0 every label is on its own arrow: the line that starts with
// the row's time holds the whole label.
func TestWidthZeroNeverCuts(t *testing.T) {
	for _, s := range scenarios {
		a, g := s.build()
		l := Build(a, g)
		labels := rowLabels(s)
		out := strings.Split(render(t, s, Options{}), "\n")
		i := 0
		for _, line := range out {
			if i < len(l.Rows) && strings.HasPrefix(line, clock(l.Rows[i].Time, time.UTC)) {
				if !strings.Contains(line, labels[i]) {
					t.Errorf("%s: row %d %q is not whole on its arrow line %q", s.name, i, labels[i], line)
				}
				i++
			}
		}
		if i != len(l.Rows) {
			t.Errorf("%s: found %d arrow lines, want %d", s.name, i, len(l.Rows))
		}
	}
}

// At limited widths every label still appears whole on some line, and no
// line is wider than the width unless a single label is.
func TestNarrowKeepsLabels(t *testing.T) {
	for _, s := range scenarios {
		labels := rowLabels(s)
		longest := 0
		for _, lab := range labels {
			longest = max(longest, utf8.RuneCountInString(lab))
		}
		for _, w := range []int{200, 120, 80, 64, 50, 40} {
			for _, ascii := range []bool{false, true} {
				out := render(t, s, Options{Width: w, ASCII: ascii})
				lines := strings.Split(out, "\n")
				for _, lab := range labels {
					found := false
					for _, line := range lines {
						if strings.Contains(line, lab) {
							found = true
							break
						}
					}
					if !found {
						t.Errorf("%s at width %d: label %q appears nowhere in full", s.name, w, lab)
					}
				}
				for _, line := range lines {
					if strings.HasPrefix(line, "SIP leg") || strings.HasPrefix(line, "ISUP leg") || strings.Contains(line, " = ") {
						continue // titles and legend are plain text
					}
					// 40 columns cannot hold the margin and three
					// lifelines with their minimum gaps.
					if n := utf8.RuneCountInString(line); n > max(w, longest) && w >= 64 {
						t.Errorf("%s at width %d: line of %d characters: %q", s.name, w, n, line)
					}
				}
				if ascii && strings.ContainsAny(out, "│─▶◀├┐") {
					t.Errorf("%s: ASCII output has box-drawing characters", s.name)
				}
			}
		}
	}
}

// The header shows every endpoint name in full when it fits, and names
// every abbreviation in the legend when it does not.
func TestHeaderNames(t *testing.T) {
	s := scenarioByName(t, "ipv6")
	a, g := s.build()
	l := Build(a, g)
	for _, w := range []int{0, 200, 80, 64} {
		out := render(t, s, Options{Width: w, Details: s.details})
		for i, c := range l.Columns {
			if strings.Contains(out, c.Name) {
				continue
			}
			t.Errorf("width %d: endpoint %s appears nowhere", w, c.Name)
			if !strings.Contains(out, tag(i)+" = "+c.Name) {
				t.Errorf("width %d: no legend for %s", w, c.Name)
			}
		}
		legend := strings.Contains(out, "A = ")
		if (w == 0 || w >= 80) == legend {
			t.Errorf("width %d: legend shown = %v", w, legend)
		}
	}
	if tag(0) != "A" || tag(25) != "Z" || tag(26) != "AA" || tag(27) != "AB" || tag(52) != "BA" {
		t.Errorf("tag: %q %q %q %q %q", tag(0), tag(25), tag(26), tag(27), tag(52))
	}
}

func TestBuild(t *testing.T) {
	a, g := interworked()
	l := Build(a, g)
	wantCols := []string{"192.168.1.10:5060", "192.168.1.1:5060", "2-200-1", "5-160-2"}
	if len(l.Columns) != len(wantCols) {
		t.Fatalf("%d columns, want %d", len(l.Columns), len(wantCols))
	}
	for i, c := range l.Columns {
		proto := record.SIP
		leg := uint32(1)
		if i >= 2 {
			proto, leg = record.ISUP, 2
		}
		if c.Name != wantCols[i] || c.Proto != proto || len(c.Legs) != 1 || c.Legs[0] != leg {
			t.Errorf("column %d = %+v, want %s %v leg %d", i, c, wantCols[i], proto, leg)
		}
	}
	if len(l.Legs) != 2 || l.Legs[0].Title != "SIP leg 1 (call 1) Call-ID 3848276298220188511@192.168.1.10" ||
		l.Legs[1].Title != "ISUP leg 2 (call 2) CIC 213" {
		t.Errorf("legs: %+v", l.Legs)
	}
	if len(l.Rows) != 12 {
		t.Fatalf("%d rows, want 12", len(l.Rows))
	}
	var prev int64
	for i, r := range l.Rows {
		if r.Time < prev {
			t.Errorf("row %d out of time order", i)
		}
		if i > 0 && r.Delta != time.Duration(r.Time-prev) {
			t.Errorf("row %d delta %v, want %v", i, r.Delta, time.Duration(r.Time-prev))
		}
		prev = r.Time
		if m := a.Messages[r.Message]; m.Call != r.Call || r.Call != l.Legs[r.Leg].Call.ID {
			t.Errorf("row %d: call %d leg %d, message of call %d", i, r.Call, r.Leg, m.Call)
		}
	}
	want := []struct {
		label    string
		from, to int
		resp     bool
	}{
		{"INVITE", 0, 1, false}, {"100 Trying", 1, 0, true}, {"IAM cic=213", 2, 3, false},
		{"ACM cic=213", 3, 2, false}, {"180 Ringing", 1, 0, true}, {"ANM cic=213", 3, 2, false},
		{"200 OK", 1, 0, true}, {"ACK", 0, 1, false}, {"BYE", 0, 1, false},
		{"REL cic=213 cause=16", 2, 3, false}, {"200 OK", 1, 0, true}, {"RLC cic=213", 3, 2, false},
	}
	for i, w := range want {
		r := l.Rows[i]
		if r.Label != w.label || r.From != w.from || r.To != w.to || r.Response != w.resp || r.Body != -1 {
			t.Errorf("row %d = %q %d→%d resp %v body %d, want %q %d→%d resp %v", i, r.Label, r.From, r.To, r.Response, r.Body, w.label, w.from, w.to, w.resp)
		}
	}

	// SIP-I: the IAM and REL in the bodies fold into their SIP rows.
	a, g = sipiCall()
	l = Build(a, g)
	labels := []string{"INVITE (ISUP IAM)", "100 Trying", "403 Forbidden cause=21", "ACK", "BYE (ISUP REL cause=16)"}
	if len(l.Rows) != len(labels) {
		t.Fatalf("SIP-I: %d rows, want %d", len(l.Rows), len(labels))
	}
	for i, lab := range labels {
		if l.Rows[i].Label != lab {
			t.Errorf("SIP-I row %d = %q, want %q", i, l.Rows[i].Label, lab)
		}
	}
	if l.Rows[0].Body != 1 || a.Messages[l.Rows[0].Body].ISUPType != isup.IAM || l.Rows[4].Body != 6 {
		t.Errorf("SIP-I bodies: %d %d", l.Rows[0].Body, l.Rows[4].Body)
	}
	// Details is asked for the SIP message and for its body.
	var seen []string
	var b bytes.Buffer
	err := l.Write(&b, Options{Details: func(m *record.Message) string {
		seen = append(seen, m.Label())
		if m.Proto == record.ISUP && m.ISUPType == isup.IAM {
			return "called 9275890000"
		}
		return ""
	}})
	if err != nil || !strings.Contains(b.String(), "INVITE (ISUP IAM) called 9275890000") {
		t.Errorf("SIP-I details: %v\n%s", err, b.String())
	}
	if strings.Join(seen, ",") != "INVITE,IAM,100,403,ACK,BYE,REL" {
		t.Errorf("Details called for %v", seen)
	}
}

func TestBuildDegenerate(t *testing.T) {
	var b bytes.Buffer
	if err := Build(nil, nil).Write(&b, Options{}); err != nil || b.String() != "(no messages)\n" {
		t.Errorf("nil analysis: %q %v", b.String(), err)
	}
	a, g := sipCall()
	// Indexes and endpoints outside the analysis are skipped or named, not a panic.
	g[0].Messages = append(g[0].Messages, 1<<30)
	a.Messages[0].Src = 99
	l := Build(a, append(g, nil))
	if len(l.Rows) != 7 || l.Columns[0].Name != "?99" {
		t.Errorf("rows %d, first column %q", len(l.Rows), l.Columns[0].Name)
	}
	for _, f := range []Format{Text, Mermaid, PlantUML, HTML} {
		b.Reset()
		if err := l.Write(&b, Options{Format: f, Width: 80}); err != nil {
			t.Errorf("%v: %v", f, err)
		}
	}
	b.Reset()
	if err := Build(a, nil).Write(&b, Options{Format: HTML}); err != nil {
		t.Errorf("empty HTML: %v", err)
	}
	if err := xmlWellFormed(b.String()); err != nil {
		t.Errorf("empty HTML: %v", err)
	}
	if err := l.Write(&b, Options{Format: Format(9)}); !errors.Is(err, ErrFormat) {
		t.Errorf("Format(9): %v", err)
	}
	// Negative width is unlimited.
	b.Reset()
	var c bytes.Buffer
	l.Write(&b, Options{Width: -5})
	l.Write(&c, Options{})
	if b.String() != c.String() {
		t.Errorf("Width -5 differs from Width 0")
	}
}

func TestLocation(t *testing.T) {
	out := render(t, scenarioByName(t, "sip_call"), Options{Location: time.FixedZone("CEST", 2*3600)})
	if !strings.Contains(out, "\n11:30:00.000 ") || !strings.Contains(out, "11:31:04.500 +59.988") {
		t.Errorf("times not in the given zone:\n%s", out)
	}
}

func TestFormat(t *testing.T) {
	for f := Text; f <= HTML; f++ {
		g, err := ParseFormat(strings.ToUpper(f.String()))
		if err != nil || g != f {
			t.Errorf("ParseFormat(%q) = %v, %v", f.String(), g, err)
		}
	}
	for s, f := range map[string]Format{"puml": PlantUML, "mmd": Mermaid, "txt": Text, "htm": HTML} {
		if g, err := ParseFormat(s); err != nil || g != f {
			t.Errorf("ParseFormat(%q) = %v, %v", s, g, err)
		}
	}
	if _, err := ParseFormat("svg"); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), `"svg"`) {
		t.Errorf("ParseFormat(svg): %v", err)
	}
	if Format(7).String() != "Format(7)" {
		t.Errorf("Format(7).String() = %q", Format(7).String())
	}
}

func TestReasonAndDelta(t *testing.T) {
	for code, want := range map[uint16]string{100: "Trying", 180: "Ringing", 183: "Session Progress", 200: "OK",
		401: "Unauthorized", 486: "Busy Here", 487: "Request Terminated", 503: "Service Unavailable", 603: "Decline", 299: ""} {
		if got := Reason(code); got != want {
			t.Errorf("Reason(%d) = %q, want %q", code, got, want)
		}
	}
	for d, want := range map[time.Duration]string{0: "+0.000", 1499 * time.Microsecond: "+0.001",
		1500 * time.Microsecond: "+0.002", 88959 * time.Millisecond: "+88.959", -time.Second: "+0.000"} {
		if got := delta(d); got != want {
			t.Errorf("delta(%v) = %q, want %q", d, got, want)
		}
	}
}

var (
	mmdParticipant = regexp.MustCompile(`^    participant (P[0-9]+) as ([^#;\n]+)$`)
	mmdArrow       = regexp.MustCompile(`^    (P[0-9]+)(->>|-->>)(P[0-9]+): (.+)$`)
	mmdNote        = regexp.MustCompile(`^    Note over (P[0-9]+)(?:,(P[0-9]+))?: (.+)$`)
	pumlParticip   = regexp.MustCompile(`^participant "([^"\n]+)" as (P[0-9]+)$`)
	pumlArrow      = regexp.MustCompile(`^(P[0-9]+) (->|-->) (P[0-9]+) : (.+)$`)
	pumlNote       = regexp.MustCompile(`^note over (P[0-9]+)(?:, (P[0-9]+))? : (.+)$`)
	mmdEntity      = regexp.MustCompile(`#[0-9a-z]+;`)
)

// mmdBadText reports whether Mermaid text holds '#' or ';' other than in a
// #code; entity, or '<', '>'.
func mmdBadText(s string) bool {
	return strings.ContainsAny(mmdEntity.ReplaceAllString(s, ""), "#;<>\n")
}

// hostileDetails puts every character the diagram languages care about
// into labels.
func hostileDetails(m *record.Message) string {
	if m.Method == record.INVITE {
		return "<b>x</b>; #1 \"q\" & \\n\r\nend\tof line"
	}
	return ""
}

// TestDiagramSyntax checks the Mermaid and PlantUML output structurally:
// every line is a known statement, every participant is declared before
// use, every arrow uses declared participants, every row has its arrow and
// every leg its note.
func TestDiagramSyntax(t *testing.T) {
	for _, s := range scenarios {
		a, g := s.build()
		l := Build(a, g)

		out := render(t, s, Options{Format: Mermaid})
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if lines[0] != "sequenceDiagram" {
			t.Errorf("%s mermaid: first line %q", s.name, lines[0])
		}
		declared := map[string]bool{}
		arrows, notes := 0, 0
		for _, line := range lines[1:] {
			var used []string
			var text string
			switch {
			case mmdParticipant.MatchString(line):
				m := mmdParticipant.FindStringSubmatch(line)
				if declared[m[1]] {
					t.Errorf("%s mermaid: %s declared twice", s.name, m[1])
				}
				declared[m[1]] = true
				text = m[2]
			case mmdArrow.MatchString(line):
				m := mmdArrow.FindStringSubmatch(line)
				used, text = []string{m[1], m[3]}, m[4]
				arrows++
			case mmdNote.MatchString(line):
				m := mmdNote.FindStringSubmatch(line)
				used, text = []string{m[1], m[2]}, m[3]
				notes++
			default:
				t.Errorf("%s mermaid: not a statement: %q", s.name, line)
			}
			for _, p := range used {
				if p != "" && !declared[p] {
					t.Errorf("%s mermaid: %s used before it is declared: %q", s.name, p, line)
				}
			}
			if mmdBadText(text) {
				t.Errorf("%s mermaid: unescaped text %q", s.name, text)
			}
		}
		if arrows != len(l.Rows) || notes != len(l.Legs) || len(declared) != len(l.Columns) {
			t.Errorf("%s mermaid: %d arrows, %d notes, %d participants; want %d, %d, %d", s.name, arrows, notes, len(declared), len(l.Rows), len(l.Legs), len(l.Columns))
		}

		out = render(t, s, Options{Format: PlantUML})
		lines = strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if lines[0] != "@startuml" || lines[len(lines)-1] != "@enduml" {
			t.Errorf("%s plantuml: not framed by @startuml/@enduml", s.name)
		}
		declared = map[string]bool{}
		arrows, notes = 0, 0
		for _, line := range lines[1 : len(lines)-1] {
			var used []string
			switch {
			case pumlParticip.MatchString(line):
				m := pumlParticip.FindStringSubmatch(line)
				declared[m[2]] = true
			case pumlArrow.MatchString(line):
				m := pumlArrow.FindStringSubmatch(line)
				used = []string{m[1], m[3]}
				arrows++
			case pumlNote.MatchString(line):
				m := pumlNote.FindStringSubmatch(line)
				used = []string{m[1], m[2]}
				notes++
			default:
				t.Errorf("%s plantuml: not a statement: %q", s.name, line)
			}
			for _, p := range used {
				if p != "" && !declared[p] {
					t.Errorf("%s plantuml: %s used before it is declared: %q", s.name, p, line)
				}
			}
		}
		if arrows != len(l.Rows) || notes != len(l.Legs) || len(declared) != len(l.Columns) {
			t.Errorf("%s plantuml: %d arrows, %d notes, %d participants; want %d, %d, %d", s.name, arrows, notes, len(declared), len(l.Rows), len(l.Legs), len(l.Columns))
		}
	}
	// The escapes themselves.
	if got := mermaidText(`a;b#c<d>e`); got != "a#59;b#35;c#lt;d#gt;e" {
		t.Errorf("mermaidText = %q", got)
	}
}

// xmlWellFormed parses s strictly as XML (the page is XHTML-compatible).
func xmlWellFormed(s string) error {
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = true
	for {
		_, err := d.Token()
		if err != nil {
			if err.Error() == "EOF" {
				return nil
			}
			return err
		}
	}
}

// TestHTML parses the page strictly and checks that the message table and
// the SVG have a row and an arrow per message, with the text escaped.
func TestHTML(t *testing.T) {
	for _, s := range scenarios {
		a, g := s.build()
		l := Build(a, g)
		labels := rowLabels(s)
		out := render(t, s, Options{Format: HTML})
		if err := xmlWellFormed(out); err != nil {
			t.Errorf("%s: not well-formed: %v", s.name, err)
			continue
		}
		if strings.Contains(out, "<b>") {
			t.Errorf("%s: label markup not escaped", s.name)
		}
		// Walk the tree: collect table cells and SVG message lines.
		d := xml.NewDecoder(strings.NewReader(out))
		var stack []string
		var cells [][]string
		var msgs, names int
		var svgLabels []string
		var text strings.Builder
		for {
			tok, err := d.Token()
			if err != nil {
				break
			}
			switch tk := tok.(type) {
			case xml.StartElement:
				stack = append(stack, tk.Name.Local)
				text.Reset()
				cls := ""
				for _, at := range tk.Attr {
					if at.Name.Local == "class" {
						cls = at.Value
					}
				}
				switch {
				case tk.Name.Local == "tr" && len(stack) > 1 && stack[len(stack)-2] == "tbody":
					cells = append(cells, nil)
				case (tk.Name.Local == "line" || tk.Name.Local == "path") && strings.HasPrefix(cls, "msg "):
					msgs++
				case tk.Name.Local == "text" && cls == "name":
					names++
				}
			case xml.CharData:
				text.Write(tk)
			case xml.EndElement:
				switch {
				case tk.Name.Local == "td" && len(cells) > 0:
					cells[len(cells)-1] = append(cells[len(cells)-1], text.String())
				case tk.Name.Local == "text" && len(stack) > 1 && stack[len(stack)-2] == "svg":
					svgLabels = append(svgLabels, text.String())
				}
				stack = stack[:len(stack)-1]
			}
		}
		if len(cells) != len(l.Rows) || msgs != len(l.Rows) || names != len(l.Columns) {
			t.Errorf("%s: %d table rows, %d SVG arrows, %d names; want %d, %d, %d", s.name, len(cells), msgs, names, len(l.Rows), len(l.Rows), len(l.Columns))
			continue
		}
		for i, row := range cells {
			r := l.Rows[i]
			want := []string{"", clock(r.Time, time.UTC), delta(r.Delta), l.Columns[r.From].Name, l.Columns[r.To].Name, labels[i], ""}
			if len(row) != 7 || row[1] != want[1] || row[2] != want[2] || row[3] != want[3] || row[4] != want[4] || row[5] != want[5] {
				t.Errorf("%s: table row %d = %q, want %q", s.name, i, row, want)
			}
			if !contains(svgLabels, labels[i]) {
				t.Errorf("%s: SVG has no label %q", s.name, labels[i])
			}
		}
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// TestTextLines: the lines are Write's text, line for line, and each
// message's lines (its arrow, and its label when it has a line of its own)
// name its row.
func TestTextLines(t *testing.T) {
	for _, width := range []int{0, 60, 100} {
		a, g := interworked()
		l := Build(a, g)
		opt := Options{Width: width, Details: interworkedDetails}
		var buf strings.Builder
		if err := l.Write(&buf, opt); err != nil {
			t.Fatal(err)
		}
		lines := l.TextLines(opt)
		var joined strings.Builder
		for _, ln := range lines {
			joined.WriteString(ln.Text + "\n")
		}
		if joined.String() != buf.String() {
			t.Fatalf("width %d: TextLines differ from Write:\n%s\nvs\n%s", width, joined.String(), buf.String())
		}
		arrows := map[int]int{}
		for _, ln := range lines {
			if ln.Row < 0 {
				continue
			}
			if ln.Row >= len(l.Rows) {
				t.Fatalf("line %q: row %d of %d", ln.Text, ln.Row, len(l.Rows))
			}
			if strings.ContainsAny(ln.Text, "▶◀") {
				arrows[ln.Row]++
			}
		}
		for i, r := range l.Rows {
			if arrows[i] != 1 {
				t.Errorf("width %d: row %d (%s) has %d arrow lines", width, i, r.Label, arrows[i])
			}
		}
		if lines[0].Row != -1 || !strings.HasPrefix(lines[0].Text, "SIP leg 1") {
			t.Errorf("first line %+v: want the first leg's title", lines[0])
		}
	}
}
