package metrics

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// A strict reader of the text exposition format 0.0.4, written from the
// format's description, so that the tests check what a Prometheus server
// would accept: HELP and TYPE before a family's samples, one contiguous
// block per family, valid names, label values escaped, no series twice,
// values that parse, counters not negative.

type sample struct {
	labels map[string]string
	value  float64
}

type family struct {
	name, help, typ string
	samples         []sample
}

type page map[string]*family

func parsePage(b []byte) (page, error) {
	p := page{}
	var cur *family
	done := map[string]bool{}
	series := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	ln := 0
	for sc.Scan() {
		ln++
		line := sc.Text()
		bad := func(f string, a ...any) error { return fmt.Errorf("line %d %q: %s", ln, line, fmt.Sprintf(f, a...)) }
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "#") {
			f := strings.SplitN(line, " ", 4)
			if len(f) < 3 || (f[1] != "HELP" && f[1] != "TYPE") {
				continue // a comment
			}
			name := f[2]
			if !validName(name, true) {
				return nil, bad("invalid name")
			}
			if cur == nil || cur.name != name {
				if done[name] {
					return nil, bad("family %s appears in two blocks", name)
				}
				if cur != nil {
					done[cur.name] = true
				}
				if p[name] != nil {
					return nil, bad("family %s again", name)
				}
				cur = &family{name: name}
				p[name] = cur
			}
			rest := ""
			if len(f) == 4 {
				rest = f[3]
			}
			switch f[1] {
			case "HELP":
				if cur.help != "" {
					return nil, bad("second HELP")
				}
				h, err := unescape(rest, false)
				if err != nil {
					return nil, bad("%v", err)
				}
				cur.help = h
			case "TYPE":
				if cur.typ != "" || len(cur.samples) > 0 {
					return nil, bad("TYPE after samples or twice")
				}
				switch rest {
				case "counter", "gauge", "untyped", "summary", "histogram":
				default:
					return nil, bad("unknown type")
				}
				cur.typ = rest
			}
			continue
		}
		name, labels, value, err := parseSample(line)
		if err != nil {
			return nil, bad("%v", err)
		}
		if cur == nil || cur.name != name {
			return nil, bad("sample of %s outside its family's block", name)
		}
		if cur.typ == "counter" && (value < 0 || math.IsNaN(value)) {
			return nil, bad("counter value %v", value)
		}
		key := name + "{" + canon(labels) + "}"
		if series[key] {
			return nil, bad("series %s twice", key)
		}
		series[key] = true
		cur.samples = append(cur.samples, sample{labels, value})
	}
	return p, sc.Err()
}

func canon(l map[string]string) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%q,", k, l[k])
	}
	return b.String()
}

func parseSample(line string) (string, map[string]string, float64, error) {
	i := 0
	for i < len(line) && line[i] != '{' && line[i] != ' ' {
		i++
	}
	name := line[:i]
	if !validName(name, true) {
		return "", nil, 0, fmt.Errorf("invalid metric name %q", name)
	}
	labels := map[string]string{}
	if i < len(line) && line[i] == '{' {
		i++
		for {
			if i < len(line) && line[i] == '}' {
				i++
				break
			}
			j := i
			for j < len(line) && line[j] != '=' {
				j++
			}
			ln := line[i:j]
			if !validName(ln, false) {
				return "", nil, 0, fmt.Errorf("invalid label name %q", ln)
			}
			if j+1 >= len(line) || line[j+1] != '"' {
				return "", nil, 0, fmt.Errorf("label %s: no opening quote", ln)
			}
			k := j + 2
			var raw strings.Builder
			for ; k < len(line) && line[k] != '"'; k++ {
				raw.WriteByte(line[k])
				if line[k] == '\\' && k+1 < len(line) {
					k++
					raw.WriteByte(line[k])
				}
			}
			if k >= len(line) {
				return "", nil, 0, fmt.Errorf("label %s: unterminated value", ln)
			}
			v, err := unescape(raw.String(), true)
			if err != nil {
				return "", nil, 0, err
			}
			if _, dup := labels[ln]; dup {
				return "", nil, 0, fmt.Errorf("label %s twice", ln)
			}
			labels[ln] = v
			i = k + 1
			if i < len(line) && line[i] == ',' {
				i++
			} else if i >= len(line) || line[i] != '}' {
				return "", nil, 0, fmt.Errorf("expected , or } after label %s", ln)
			}
		}
	}
	if i >= len(line) || line[i] != ' ' {
		return "", nil, 0, fmt.Errorf("no value")
	}
	f := strings.Fields(line[i+1:])
	if len(f) < 1 || len(f) > 2 {
		return "", nil, 0, fmt.Errorf("value and optional timestamp expected")
	}
	var v float64
	switch f[0] {
	case "NaN":
		v = math.NaN()
	case "+Inf":
		v = math.Inf(1)
	case "-Inf":
		v = math.Inf(-1)
	default:
		var err error
		if v, err = strconv.ParseFloat(f[0], 64); err != nil {
			return "", nil, 0, fmt.Errorf("value: %v", err)
		}
	}
	return name, labels, v, nil
}

func unescape(s string, quote bool) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' && quote {
			return "", fmt.Errorf("unescaped quote in %q", s)
		}
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			return "", fmt.Errorf("trailing backslash in %q", s)
		}
		switch s[i] {
		case '\\':
			b.WriteByte('\\')
		case 'n':
			b.WriteByte('\n')
		case '"':
			if !quote {
				return "", fmt.Errorf(`\" in HELP`)
			}
			b.WriteByte('"')
		default:
			return "", fmt.Errorf("unknown escape \\%c", s[i])
		}
	}
	return b.String(), nil
}

// get returns the value of the series of family name whose labels include
// want (name, value pairs); ok is false when there is none or several.
func (p page) get(name string, want ...string) (float64, bool) {
	f := p[name]
	if f == nil {
		return 0, false
	}
	var found []float64
	for _, s := range f.samples {
		match := true
		for i := 0; i < len(want); i += 2 {
			if s.labels[want[i]] != want[i+1] {
				match = false
			}
		}
		if match {
			found = append(found, s.value)
		}
	}
	if len(found) != 1 {
		return 0, false
	}
	return found[0], true
}
