package isup

// Field is one node of a decoded message tree, as a protocol analyzer shows
// it: a name, a value, the value's meaning, and children.
type Field struct {
	Name string // for people, e.g. "Nature of address indicator"
	Key  string // for JSON, snake_case, e.g. "nai"
	// Value is uint64 for numeric fields, string for digits and text,
	// bool for flags, []byte for opaque octets.
	Value   any
	Meaning string // what a coded value means, e.g. "international number"
	// WS names the Wireshark/tshark field that shows the same value, when
	// one does; the tshark oracle test compares every such field.
	WS       string
	Children []Field
}

// Uint returns a numeric field.
func Uint(name, key string, v uint64, meaning, ws string) Field {
	return Field{Name: name, Key: key, Value: v, Meaning: meaning, WS: ws}
}

// Str returns a text field.
func Str(name, key, v, ws string) Field {
	return Field{Name: name, Key: key, Value: v, WS: ws}
}

// Flag returns a boolean field.
func Flag(name, key string, v bool, meaning, ws string) Field {
	return Field{Name: name, Key: key, Value: v, Meaning: meaning, WS: ws}
}

// Octets returns an opaque field.
func Octets(name, key string, v []byte, ws string) Field {
	return Field{Name: name, Key: key, Value: v, WS: ws}
}

// Group returns a field that only holds children.
func Group(name, key string, children ...Field) Field {
	return Field{Name: name, Key: key, Children: children}
}

// Names maps coded values to their meaning; an absent value reads as
// "spare" or "reserved" (see Names.Of).
type Names map[uint64]string

// Of returns the meaning of v, or def when v is not listed.
func (n Names) Of(v uint64, def string) string {
	if s, ok := n[v]; ok {
		return s
	}
	return def
}

// Enum returns a numeric field whose meaning comes from names.
func Enum(name, key string, v uint64, names Names, ws string) Field {
	return Field{Name: name, Key: key, Value: v, Meaning: names.Of(v, "spare"), WS: ws}
}
