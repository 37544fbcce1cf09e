package ladder

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// participant is the safe id of column i in Mermaid and PlantUML: the
// endpoint text (colons, brackets, dashes) is not a valid id in either.
func participant(i int) string { return "P" + strconv.Itoa(i+1) }

// mermaidText makes s safe as Mermaid message, note or alias text: '#'
// and ';' end a statement there (written as Mermaid's #code; entities
// instead), '<' and '>' would be read as HTML, and a line break would end
// the line.
var mermaidText = strings.NewReplacer(
	"#", "#35;", ";", "#59;", "<", "#lt;", ">", "#gt;", "\r", " ", "\n", " ",
).Replace

// plantText makes s safe as PlantUML message or note text, and as a quoted
// participant name: a line break ends the line, a double quote the name.
var plantText = strings.NewReplacer("\r", " ", "\n", " ", `"`, "'").Replace

// legStarts returns, for each leg, the row where its first message is (-1
// when the leg has none here).
func (l *Ladder) legStarts() []int {
	first := make([]int, len(l.Legs))
	for i := range first {
		first[i] = -1
	}
	for i, r := range l.Rows {
		if first[r.Leg] < 0 {
			first[r.Leg] = i
		}
	}
	return first
}

// noteAt returns the titles of the legs whose first message is row i.
func noteAt(l *Ladder, starts []int, i int) []string {
	var t []string
	for li, s := range starts {
		if s == i {
			t = append(t, l.Legs[li].Title)
		}
	}
	return t
}

func (l *Ladder) writeMermaid(w io.Writer, labels []string) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("sequenceDiagram\n")
	for i, c := range l.Columns {
		bw.WriteString("    participant " + participant(i) + " as " + mermaidText(c.Name) + "\n")
	}
	starts := l.legStarts()
	for i, r := range l.Rows {
		for _, t := range noteAt(l, starts, i) {
			bw.WriteString("    Note over " + participant(r.From))
			if r.To != r.From {
				bw.WriteString("," + participant(r.To))
			}
			bw.WriteString(": " + mermaidText(t) + "\n")
		}
		arrow := "->>"
		if r.Response {
			arrow = "-->>"
		}
		bw.WriteString("    " + participant(r.From) + arrow + participant(r.To) + ": " + mermaidText(labels[i]) + "\n")
	}
	return bw.Flush()
}

func (l *Ladder) writePlantUML(w io.Writer, labels []string) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("@startuml\n")
	for i, c := range l.Columns {
		bw.WriteString(`participant "` + plantText(c.Name) + `" as ` + participant(i) + "\n")
	}
	starts := l.legStarts()
	for i, r := range l.Rows {
		for _, t := range noteAt(l, starts, i) {
			bw.WriteString("note over " + participant(r.From))
			if r.To != r.From {
				bw.WriteString(", " + participant(r.To))
			}
			bw.WriteString(" : " + plantText(t) + "\n")
		}
		arrow := " -> "
		if r.Response {
			arrow = " --> "
		}
		bw.WriteString(participant(r.From) + arrow + participant(r.To) + " : " + plantText(labels[i]) + "\n")
	}
	bw.WriteString("@enduml\n")
	return bw.Flush()
}
