package ladder

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/sipgw/sipgw/capture/record"
)

// Format is an output form of Write.
type Format uint8

const (
	Text     Format = iota // for a terminal
	Mermaid                // Mermaid sequenceDiagram
	PlantUML               // PlantUML sequence diagram
	HTML                   // one self-contained HTML page with an SVG ladder and a message table
)

var formatNames = [...]string{"text", "mermaid", "plantuml", "html"}

func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return fmt.Sprintf("Format(%d)", uint8(f))
}

// ErrFormat is the sentinel of ParseFormat's and Write's errors.
var ErrFormat = errors.New("unknown ladder format")

// ParseFormat reads a --format value: text, mermaid, plantuml (or puml),
// html; any case.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "text", "txt":
		return Text, nil
	case "mermaid", "mmd":
		return Mermaid, nil
	case "plantuml", "puml":
		return PlantUML, nil
	case "html", "htm":
		return HTML, nil
	}
	return 0, fmt.Errorf("ladder: %w %q (text, mermaid, plantuml or html)", ErrFormat, s)
}

// Options control Write.
type Options struct {
	// Width is the terminal width for Text. 0 draws as wide as the labels
	// and endpoint names need; otherwise columns are spread to Width, and a
	// label that does not fit between its columns goes on its own line
	// above its arrow rather than being cut.
	Width  int
	Format Format
	// ASCII draws Text with |, - and <, > instead of box-drawing characters.
	ASCII bool
	// Location is the time zone of the times shown; nil means UTC.
	Location *time.Location
	// Details returns extra label text for a message (e.g. "called 4930123"
	// for an IAM), for a caller that can re-read the message from the
	// capture. The label already has the method or status, the ISUP type
	// and CIC, and the Q.850 cause. For a SIP-I message it is called for
	// the SIP message and for the ISUP in its body. May be nil.
	Details func(m *record.Message) string
}

// Write renders the ladder in opt.Format.
func (l *Ladder) Write(w io.Writer, opt Options) error {
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
	switch opt.Format {
	case Text:
		return l.writeText(w, &opt, labels)
	case Mermaid:
		return l.writeMermaid(w, labels)
	case PlantUML:
		return l.writePlantUML(w, labels)
	case HTML:
		return l.writeHTML(w, &opt, labels)
	}
	return fmt.Errorf("ladder: %w %d", ErrFormat, opt.Format)
}

// clock is the time of day shown on each row, "15:04:05.000".
func clock(t int64, loc *time.Location) string {
	return string(appendClock(make([]byte, 0, timeWidth), t, loc))
}

func appendClock(b []byte, t int64, loc *time.Location) []byte {
	tm := time.Unix(0, t).In(loc)
	h, m, s := tm.Clock()
	ms := tm.Nanosecond() / int(time.Millisecond)
	return append(b, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+m/10), byte('0'+m%10), ':',
		byte('0'+s/10), byte('0'+s%10), '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
}

// delta is "+S.mmm", rounded to the millisecond.
func delta(d time.Duration) string { return string(appendDelta(nil, d)) }

func appendDelta(b []byte, d time.Duration) []byte {
	if d < 0 {
		d = 0
	}
	ms := int64((d + time.Millisecond/2) / time.Millisecond)
	b = append(b, '+')
	b = strconv.AppendInt(b, ms/1000, 10)
	return append(b, '.', byte('0'+ms%1000/100), byte('0'+ms%100/10), byte('0'+ms%10))
}
