package metrics

import (
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// Type is a metric family's type in the text exposition format (0.0.4).
type Type uint8

const (
	Counter Type = iota + 1
	Gauge
	Untyped
)

func (t Type) String() string {
	switch t {
	case Counter:
		return "counter"
	case Gauge:
		return "gauge"
	case Untyped:
		return "untyped"
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// Emitter writes the Prometheus text exposition format, version 0.0.4: per
// family a HELP and a TYPE line, then its samples, contiguous. The format
// allows one block per family, so a family opened twice, a sample before any
// family, or an invalid name is recorded as an error (Err) and the offending
// line is left out rather than producing output a scraper would reject
// whole.
type Emitter struct {
	b      []byte
	family string
	typ    Type
	seen   map[string]bool
	err    error
}

// Family starts a family. name must be a valid metric name; counters'
// names end in "_total" by convention (the caller's choice).
func (e *Emitter) Family(name string, t Type, help string) {
	e.family = ""
	if !validName(name, true) {
		e.fail(fmt.Errorf("metrics: invalid family name %q", name))
		return
	}
	if e.seen == nil {
		e.seen = map[string]bool{}
	}
	if e.seen[name] {
		e.fail(fmt.Errorf("metrics: family %q emitted twice", name))
		return
	}
	e.seen[name] = true
	e.family, e.typ = name, t
	e.b = append(e.b, "# HELP "...)
	e.b = append(e.b, name...)
	e.b = append(e.b, ' ')
	e.b = appendEscaped(e.b, help, false)
	e.b = append(e.b, "\n# TYPE "...)
	e.b = append(e.b, name...)
	e.b = append(e.b, ' ')
	e.b = append(e.b, t.String()...)
	e.b = append(e.b, '\n')
}

// Sample writes one sample of the current family; labels are name, value
// pairs.
func (e *Emitter) Sample(v float64, labels ...string) {
	if e.family == "" {
		e.fail(fmt.Errorf("metrics: sample outside a family (labels %q)", labels))
		return
	}
	if len(labels)%2 != 0 {
		e.fail(fmt.Errorf("metrics: %s: odd label list %q", e.family, labels))
		return
	}
	for i := 0; i < len(labels); i += 2 {
		if !validName(labels[i], false) || labels[i] == "__name__" {
			e.fail(fmt.Errorf("metrics: %s: invalid label name %q", e.family, labels[i]))
			return
		}
	}
	e.b = append(e.b, e.family...)
	if len(labels) > 0 {
		e.b = append(e.b, '{')
		for i := 0; i < len(labels); i += 2 {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.b = append(e.b, labels[i]...)
			e.b = append(e.b, `="`...)
			e.b = appendEscaped(e.b, labels[i+1], true)
			e.b = append(e.b, '"')
		}
		e.b = append(e.b, '}')
	}
	e.b = append(e.b, ' ')
	e.b = appendValue(e.b, v)
	e.b = append(e.b, '\n')
}

// Err returns the first misuse recorded.
func (e *Emitter) Err() error { return e.err }

// Bytes returns what was written.
func (e *Emitter) Bytes() []byte { return e.b }

func (e *Emitter) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

// validName checks [a-zA-Z_:][a-zA-Z0-9_:]* for metric names and
// [a-zA-Z_][a-zA-Z0-9_]* for label names.
func validName(s string, colon bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case c == ':' && colon:
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// appendEscaped escapes as the format requires: backslash and newline in
// HELP; those and the double quote in label values. Invalid UTF-8 is
// replaced, since the format is UTF-8 and a trunk name comes from a file.
func appendEscaped(b []byte, s string, quote bool) []byte {
	for _, r := range s {
		switch {
		case r == '\\':
			b = append(b, `\\`...)
		case r == '\n':
			b = append(b, `\n`...)
		case r == '"' && quote:
			b = append(b, `\"`...)
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return b
}

func appendValue(b []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(b, "NaN"...)
	case math.IsInf(v, 1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return strconv.AppendInt(b, int64(v), 10)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}
