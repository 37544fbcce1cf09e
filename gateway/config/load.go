package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Error is one configuration problem: where (file, line, column), which
// field (a path such as "isup_trunks[0].cics") and what is wrong.
type Error struct {
	File         string
	Line, Column int
	Field        string
	Msg          string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line) + ":" + strconv.Itoa(e.Column))
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in one document, in file order.
type Errors []*Error

func (es Errors) Error() string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Unwrap lets errors.As find each *Error.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// maxDocument bounds what Parse reads: a configuration is a few
// kilobytes; a megabyte is a mistake (or an attack on the parser).
const maxDocument = 1 << 20

// Load reads and validates the configuration file at path.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxDocument+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return Parse(path, b)
}

// LoadDefault returns the embedded default configuration.
func LoadDefault() (*Config, error) { return Parse(DefaultName, Default) }

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// Parse decodes and validates document b; name is the file name errors
// carry. Unknown fields are errors (a misspelt key must not silently keep
// a default).
func Parse(name string, b []byte) (*Config, error) {
	if len(b) > maxDocument {
		return nil, Errors{{File: name, Msg: "larger than 1 MiB: not a configuration"}}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, yamlErrors(name, err)
	}
	c := &Config{File: name}
	if len(root.Content) == 0 {
		return nil, Errors{{File: name, Msg: "empty document"}}
	}
	if root.Content[0].Kind != yaml.MappingNode {
		return nil, Errors{{File: name, Line: root.Content[0].Line, Column: root.Content[0].Column, Msg: "the document must be a mapping of sections (sip, sip_trunks, …)"}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		return nil, placeErrors(yamlErrors(name, err), &root)
	}
	c.File = name
	pos := map[string]*yaml.Node{}
	index(&root, "", pos)
	v := &validator{c: c, pos: pos}
	v.validate()
	if len(v.errs) > 0 {
		sort.SliceStable(v.errs, func(i, j int) bool {
			a, b := v.errs[i], v.errs[j]
			return a.Line < b.Line || a.Line == b.Line && a.Column < b.Column
		})
		return nil, v.errs
	}
	return c, nil
}

// yamlErrors turns yaml.v3's errors ("line 5: field x not found in type
// config.SIP") into Errors with their line.
func yamlErrors(name string, err error) error {
	var te *yaml.TypeError
	var msgs []string
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	var es Errors
	for _, m := range msgs {
		e := &Error{File: name, Msg: m}
		if g := yamlLine.FindStringSubmatch(m); g != nil {
			e.Line, _ = strconv.Atoi(g[1])
			e.Column = 1
			e.Msg = g[2]
		}
		e.Msg = strings.ReplaceAll(e.Msg, "config.", "")
		es = append(es, e)
	}
	return es
}

// placeErrors gives a line to the errors yaml.v3 reports without one:
// those of TextUnmarshalers (span types, laws, backends, CIC ranges),
// which name the bad value in quotes; the first scalar holding that value
// is where it is.
func placeErrors(err error, root *yaml.Node) error {
	es, ok := err.(Errors)
	if !ok {
		return err
	}
	for _, e := range es {
		if e.Line != 0 {
			continue
		}
		i := strings.IndexByte(e.Msg, '"')
		if i < 0 {
			continue
		}
		v, err := strconv.QuotedPrefix(e.Msg[i:])
		if err != nil {
			continue
		}
		if v, err = strconv.Unquote(v); err != nil {
			continue
		}
		if n := findScalar(root, v); n != nil {
			e.Line, e.Column = n.Line, n.Column
		}
	}
	return es
}

func findScalar(n *yaml.Node, v string) *yaml.Node {
	if n.Kind == yaml.ScalarNode && n.Value == v {
		return n
	}
	for i, c := range n.Content {
		if n.Kind == yaml.MappingNode && i%2 == 0 {
			continue // keys
		}
		if f := findScalar(c, v); f != nil {
			return f
		}
	}
	return nil
}

// index records the node of every path: "sip.udp",
// "sip_trunks[0].acl[1]". For a mapping entry the key's node is kept (its
// line is where an operator looks), for sequence items the item's.
func index(n *yaml.Node, path string, pos map[string]*yaml.Node) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			index(c, path, pos)
		}
	case yaml.MappingNode:
		if _, ok := pos[path]; !ok {
			pos[path] = n
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			pos[p] = k
			index(v, p, pos)
		}
	case yaml.SequenceNode:
		if _, ok := pos[path]; !ok {
			pos[path] = n
		}
		for i, c := range n.Content {
			p := path + "[" + strconv.Itoa(i) + "]"
			pos[p] = c
			index(c, p, pos)
		}
	case yaml.AliasNode:
		if n.Alias != nil {
			index(n.Alias, path, pos)
		}
	}
}
