package isup

import (
	"encoding/hex"
	"fmt"
	"io"
	"strings"
)

// Addresser is implemented by number parameters (called, calling, …).
type Addresser interface {
	// Address returns the digits as a string ("F" marks ST).
	Address() string
}

// CauseValuer is implemented by the cause indicators parameter.
type CauseValuer interface {
	CauseValue() uint8
}

// Summary holds the fields a call list shows. Pointers are nil when absent.
type Summary struct {
	Type    MessageType
	CIC     uint16
	Called  string // "" when absent
	Calling string
	Cause   int // -1 when absent
}

// Summarize extracts the called and calling digits and the cause value.
// It allocates only the digit strings.
func (m *Message) Summarize() Summary {
	s := Summary{Type: m.Type, CIC: m.CIC, Cause: -1}
	for _, p := range m.Params {
		switch p.Code {
		case ParamCalledPartyNumber, ParamCallingPartyNumber, ParamCauseIndicators:
		default:
			continue
		}
		v := NewValue(m.Variant, p.Code)
		if v == nil || v.DecodeParam(p.Data, m.Variant) != nil {
			continue
		}
		switch p.Code {
		case ParamCalledPartyNumber:
			if a, ok := v.(Addresser); ok && s.Called == "" {
				s.Called = a.Address()
			}
		case ParamCallingPartyNumber:
			if a, ok := v.(Addresser); ok && s.Calling == "" {
				s.Calling = a.Address()
			}
		case ParamCauseIndicators:
			if c, ok := v.(CauseValuer); ok && s.Cause < 0 {
				s.Cause = int(c.CauseValue())
			}
		}
	}
	return s
}

// Fields describes the whole message as a tree: header, then one node per
// parameter with its typed fields (or its raw octets when it has no typed
// view, or an "error" child when its octets do not decode).
func (m *Message) Fields() []Field {
	out := []Field{
		Uint("Circuit identification code", "cic", uint64(m.CIC), "", "isup.cic"),
		{Name: "Message type", Key: "message_type", Value: uint64(m.Type), Meaning: m.Type.Name(), WS: "isup.message_type"},
	}
	if m.Layout() == nil {
		if m.Type == PAM && len(m.Body) > 0 {
			var inner Message
			if err := inner.DecodeBody(m.Body, m.Variant); err == nil {
				out = append(out, Group("Pass-along message", "pass_along", inner.Fields()[1:]...))
				return out
			}
		}
		out = append(out, Octets("Message body", "body", m.Body, ""))
		return out
	}
	for _, p := range m.Params {
		out = append(out, ParamField(m.Variant, p))
	}
	return out
}

// ParamField describes one parameter.
func ParamField(v Variant, p Param) Field {
	f := Field{
		Name:  p.Code.Name(v),
		Key:   p.Code.Key(v),
		Value: p.Data,
	}
	if nv := NewValue(v, p.Code); nv != nil {
		if err := nv.DecodeParam(p.Data, v); err != nil {
			f.Children = []Field{Str("Error", "error", err.Error(), "")}
		} else {
			f.Children = nv.Fields(v)
		}
	}
	return f
}

// WriteText writes fields as an indented tree, one field per line.
func WriteText(w io.Writer, fields []Field) error {
	var b strings.Builder
	writeText(&b, fields, 0)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeText(b *strings.Builder, fields []Field, depth int) {
	for _, f := range fields {
		b.WriteString(strings.Repeat("  ", depth))
		b.WriteString(f.Name)
		if f.Value != nil {
			b.WriteString(": ")
			b.WriteString(FormatValue(f.Value))
		}
		if f.Meaning != "" {
			b.WriteString(" (")
			b.WriteString(f.Meaning)
			b.WriteString(")")
		}
		b.WriteByte('\n')
		writeText(b, f.Children, depth+1)
	}
}

// FormatValue renders a field value for people.
func FormatValue(v any) string {
	switch x := v.(type) {
	case []byte:
		if len(x) == 0 {
			return "(empty)"
		}
		return hex.EncodeToString(x)
	case string:
		if x == "" {
			return `""`
		}
		return x
	default:
		return fmt.Sprint(x)
	}
}

// JSONValue turns fields into a JSON-ready map: a leaf becomes key: value
// (octets as hex) and, when it has a meaning, key_text: meaning; a node with
// children becomes key: {…}. Repeated keys become arrays.
func JSONValue(fields []Field) map[string]any {
	out := make(map[string]any, len(fields))
	put := func(k string, v any) {
		if old, ok := out[k]; ok {
			if arr, ok := old.([]any); ok {
				out[k] = append(arr, v)
			} else {
				out[k] = []any{old, v}
			}
			return
		}
		out[k] = v
	}
	for _, f := range fields {
		var v any = f.Value
		if b, ok := v.([]byte); ok {
			v = hex.EncodeToString(b)
		}
		if len(f.Children) > 0 {
			node := JSONValue(f.Children)
			if f.Value != nil {
				node["octets"] = v
			}
			put(f.Key, node)
			continue
		}
		put(f.Key, v)
		if f.Meaning != "" {
			put(f.Key+"_text", f.Meaning)
		}
	}
	return out
}

// JSON returns the message as a JSON-ready map with the summary keys the
// analyzer uses (isup_type, cic, called, calling, cause) and the full tree
// under "params".
func (m *Message) JSON() map[string]any {
	s := m.Summarize()
	out := map[string]any{
		"variant":       m.Variant.String(),
		"isup_type":     m.Type.String(),
		"message_type":  uint64(m.Type),
		"message_name":  m.Type.Name(),
		"cic":           uint64(m.CIC),
		"non_canonical": m.NonCanonical,
	}
	if s.Called != "" {
		out["called"] = s.Called
	}
	if s.Calling != "" {
		out["calling"] = s.Calling
	}
	if s.Cause >= 0 {
		out["cause"] = s.Cause
	}
	fields := m.Fields()[2:]
	params := make([]map[string]any, 0, len(fields))
	for i, f := range fields {
		p := map[string]any{"name": f.Name, "key": f.Key}
		if i < len(m.Params) && m.Layout() != nil {
			p["code"] = uint64(m.Params[i].Code)
			p["section"] = m.Params[i].Section.String()
		}
		if b, ok := f.Value.([]byte); ok {
			p["octets"] = hex.EncodeToString(b)
		}
		if len(f.Children) > 0 {
			p["fields"] = JSONValue(f.Children)
		}
		params = append(params, p)
	}
	out["params"] = params
	return out
}
