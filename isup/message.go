package isup

// Section says where in a message a parameter is carried.
type Section uint8

const (
	Fixed    Section = iota // mandatory fixed part
	Variable                // mandatory variable part
	Optional                // optional part
)

func (s Section) String() string {
	switch s {
	case Fixed:
		return "fixed"
	case Variable:
		return "variable"
	case Optional:
		return "optional"
	}
	return "section(" + itoa(int(s)) + ")"
}

// Param is one parameter as carried on the wire. Data aliases the decoded
// input (or the slice given to Set); it excludes the name and length octets.
type Param struct {
	Code    ParamCode
	Section Section
	Data    []byte
}

// Message is one ISUP message. The zero value is ready for Decode; a
// Message reused across Decode calls decodes without allocating.
type Message struct {
	Variant Variant
	CIC     uint16 // circuit identification code (12 bits ITU, 14 bits ANSI)
	// CICSpare holds the spare high bits of the CIC octets as received,
	// so that re-encoding is exact.
	CICSpare uint8
	Type     MessageType
	// Params in wire order: fixed, then variable, then optional.
	Params []Param
	// Body holds the octets after the message type for messages without a
	// layout (unknown types, PAM, CRG).
	Body []byte
	// OptionalPresent records an optional part pointer that was non-zero
	// although no optional parameter followed (only the end octet).
	OptionalPresent bool
	// NonCanonical is set by Decode when pointers leave gaps, overlap or
	// trailing octets follow the message: Append writes the canonical form.
	NonCanonical bool
}

// Reset clears m for reuse, keeping its parameter storage.
func (m *Message) Reset() {
	p := m.Params[:0]
	*m = Message{Params: p}
}

// Layout returns the layout of m's type in m's variant (nil when raw).
func (m *Message) Layout() *Layout { return LayoutOf(m.Variant, m.Type) }

// Decode parses b, which starts with the CIC (as carried after the MTP3
// routing label or in M3UA protocol data).
func (m *Message) Decode(b []byte, v Variant) error { return m.decode(b, v, true) }

// DecodeBody parses b, which starts with the message type octet (the form
// carried in an application/ISUP body, RFC 3204). CIC is left zero.
func (m *Message) DecodeBody(b []byte, v Variant) error { return m.decode(b, v, false) }

func (m *Message) decode(b []byte, v Variant, withCIC bool) error {
	m.Reset()
	if v > ANSI {
		return &Error{Err: ErrBadVariant}
	}
	m.Variant = v
	off := 0
	if withCIC {
		if len(b) < 2 {
			return &Error{Err: ErrTruncated, Offset: 0, Detail: "no room for the CIC"}
		}
		raw := uint16(b[0]) | uint16(b[1])<<8
		m.CIC = raw & v.CICMask()
		m.CICSpare = uint8((raw &^ v.CICMask()) >> 8)
		off = 2
	}
	if len(b) <= off {
		return &Error{Err: ErrTruncated, Offset: off, Detail: "no message type octet"}
	}
	m.Type = MessageType(b[off])
	off++
	l := layouts[v][m.Type]
	if l == nil {
		m.Body = b[off:]
		return nil
	}
	// Mandatory fixed part.
	for _, fs := range l.Fixed {
		if off+fs.Len > len(b) {
			return m.err(fs.Code, true, off, ErrTruncated, "mandatory fixed parameter needs "+itoa(fs.Len)+" octets, "+itoa(len(b)-off)+" left")
		}
		m.Params = append(m.Params, Param{Code: fs.Code, Section: Fixed, Data: b[off : off+fs.Len : off+fs.Len]})
		off += fs.Len
	}
	// Pointers: one per variable parameter, then one for the optional part.
	nptr := len(l.Variable)
	if l.Optional {
		nptr++
	}
	ptrBase := off
	if len(l.Variable) == 0 && l.Optional && off == len(b) {
		// Old (1988) switches send messages such as RLC without the optional
		// part pointer; accept it and re-encode the pointer.
		m.NonCanonical = true
		return nil
	}
	if ptrBase+nptr > len(b) {
		return m.err(0, false, ptrBase, ErrTruncated, "pointer area needs "+itoa(nptr)+" octets, "+itoa(len(b)-ptrBase)+" left")
	}
	end := ptrBase + nptr // where the canonical next item starts
	for i, c := range l.Variable {
		p := ptrBase + i
		ptr := int(b[p])
		if ptr == 0 {
			return m.err(c, true, p, ErrPointer, "pointer to mandatory variable parameter is 0")
		}
		at := p + ptr
		if at < ptrBase+nptr || at >= len(b) {
			return m.err(c, true, p, ErrPointer, "pointer "+itoa(ptr)+" leads to offset "+itoa(at)+" outside the message body (length "+itoa(len(b))+")")
		}
		n := int(b[at])
		if at+1+n > len(b) {
			return m.err(c, true, at, ErrLength, "length "+itoa(n)+" runs past the end of the message ("+itoa(len(b)-at-1)+" octets left)")
		}
		if at != end {
			m.NonCanonical = true
		}
		m.Params = append(m.Params, Param{Code: c, Section: Variable, Data: b[at+1 : at+1+n : at+1+n]})
		if e := at + 1 + n; e > end {
			end = e
		} else {
			m.NonCanonical = true
		}
	}
	if !l.Optional {
		if end != len(b) {
			m.NonCanonical = true
		}
		return nil
	}
	p := ptrBase + len(l.Variable)
	ptr := int(b[p])
	if ptr == 0 {
		if end != len(b) {
			m.NonCanonical = true
		}
		return nil
	}
	at := p + ptr
	if at < end || at >= len(b) {
		if at >= len(b) {
			return m.err(0, false, p, ErrPointer, "optional part pointer "+itoa(ptr)+" leads to offset "+itoa(at)+" beyond the message end ("+itoa(len(b))+")")
		}
		m.NonCanonical = true
		if at < ptrBase+nptr {
			return m.err(0, false, p, ErrPointer, "optional part pointer "+itoa(ptr)+" leads back into the pointer area")
		}
	}
	if at != end {
		m.NonCanonical = true
	}
	m.OptionalPresent = true
	for {
		if at >= len(b) {
			return m.err(0, false, at, ErrMissingEnd, "optional part ends without the end of optional parameters octet")
		}
		c := ParamCode(b[at])
		if c == ParamEndOfOptional {
			at++
			break
		}
		if at+1 >= len(b) {
			return m.err(c, true, at, ErrTruncated, "no length octet")
		}
		n := int(b[at+1])
		if at+2+n > len(b) {
			return m.err(c, true, at+1, ErrLength, "length "+itoa(n)+" runs past the end of the message ("+itoa(len(b)-at-2)+" octets left)")
		}
		m.Params = append(m.Params, Param{Code: c, Section: Optional, Data: b[at+2 : at+2+n : at+2+n]})
		at += 2 + n
	}
	if at != len(b) {
		m.NonCanonical = true
	}
	return nil
}

func (m *Message) err(c ParamCode, hasParam bool, off int, e error, detail string) *Error {
	return &Error{Type: m.Type, HasType: true, Param: c, HasParam: hasParam, Offset: off, Err: e, Detail: detail}
}

// Append encodes m, CIC first, and appends it to b.
func (m *Message) Append(b []byte) ([]byte, error) {
	raw := m.CIC&m.Variant.CICMask() | uint16(m.CICSpare)<<8&^m.Variant.CICMask()
	b = append(b, byte(raw), byte(raw>>8))
	return m.AppendBody(b)
}

// AppendBody encodes m from the message type octet on (no CIC), as carried
// in application/ISUP bodies, and appends it to b.
func (m *Message) AppendBody(b []byte) ([]byte, error) {
	if m.Variant > ANSI {
		return b, &Error{Err: ErrBadVariant}
	}
	start := len(b)
	b = append(b, byte(m.Type))
	l := layouts[m.Variant][m.Type]
	if l == nil {
		return append(b, m.Body...), nil
	}
	for _, fs := range l.Fixed {
		d, ok := m.find(fs.Code, Fixed)
		if !ok {
			return b[:start], m.err(fs.Code, true, len(b)-start, ErrMissingParam, "mandatory fixed parameter not set")
		}
		if len(d) != fs.Len {
			return b[:start], m.err(fs.Code, true, len(b)-start, ErrLength, "mandatory fixed parameter must have "+itoa(fs.Len)+" octets, has "+itoa(len(d)))
		}
		b = append(b, d...)
	}
	nptr := len(l.Variable)
	if l.Optional {
		nptr++
	}
	ptrBase := len(b)
	for i := 0; i < nptr; i++ {
		b = append(b, 0)
	}
	for i, c := range l.Variable {
		d, ok := m.find(c, Variable)
		if !ok {
			return b[:start], m.err(c, true, ptrBase+i-start, ErrMissingParam, "mandatory variable parameter not set")
		}
		if len(d) > 255 {
			return b[:start], m.err(c, true, ptrBase+i-start, ErrParamTooLong, "")
		}
		ptr := len(b) - (ptrBase + i)
		if ptr > 255 {
			return b[:start], m.err(c, true, ptrBase+i-start, ErrPointer, "pointer would exceed 255")
		}
		b[ptrBase+i] = byte(ptr)
		b = append(b, byte(len(d)))
		b = append(b, d...)
	}
	if !l.Optional {
		for _, p := range m.Params {
			if p.Section == Optional {
				return b[:start], m.err(p.Code, true, len(b)-start, ErrNoOptionalPart, "")
			}
		}
		return b, nil
	}
	optPtr := ptrBase + len(l.Variable)
	any := false
	for _, p := range m.Params {
		if p.Section != Optional {
			continue
		}
		if len(p.Data) > 255 {
			return b[:start], m.err(p.Code, true, len(b)-start, ErrParamTooLong, "")
		}
		if !any {
			ptr := len(b) - optPtr
			if ptr > 255 {
				return b[:start], m.err(p.Code, true, optPtr-start, ErrPointer, "optional part pointer would exceed 255")
			}
			b[optPtr] = byte(ptr)
			any = true
		}
		b = append(b, byte(p.Code), byte(len(p.Data)))
		b = append(b, p.Data...)
	}
	if !any && m.OptionalPresent {
		ptr := len(b) - optPtr
		if ptr > 255 {
			return b[:start], m.err(0, false, optPtr-start, ErrPointer, "optional part pointer would exceed 255")
		}
		b[optPtr] = byte(ptr)
		any = true
	}
	if any {
		b = append(b, byte(ParamEndOfOptional))
	}
	return b, nil
}

// MarshalLen returns the encoded length of m including the CIC.
func (m *Message) MarshalLen() int {
	n := 3
	l := m.Layout()
	if l == nil {
		return n + len(m.Body)
	}
	for _, fs := range l.Fixed {
		n += fs.Len
	}
	n += len(l.Variable)
	if l.Optional {
		n++
	}
	opt := false
	for _, p := range m.Params {
		switch p.Section {
		case Variable:
			n += 1 + len(p.Data)
		case Optional:
			n += 2 + len(p.Data)
			opt = true
		}
	}
	if opt || (m.OptionalPresent && l.Optional) {
		n++
	}
	return n
}

func (m *Message) find(c ParamCode, s Section) ([]byte, bool) {
	for i := range m.Params {
		if m.Params[i].Code == c && m.Params[i].Section == s {
			return m.Params[i].Data, true
		}
	}
	return nil, false
}

// Param returns the data of the first parameter with code c, in any section.
func (m *Message) Param(c ParamCode) ([]byte, bool) {
	for i := range m.Params {
		if m.Params[i].Code == c {
			return m.Params[i].Data, true
		}
	}
	return nil, false
}

// Has reports whether m carries parameter c.
func (m *Message) Has(c ParamCode) bool {
	_, ok := m.Param(c)
	return ok
}

// SetRaw sets parameter c to data, in the section the layout assigns it
// (optional when the layout does not name it). A parameter already present
// is replaced in place; a new one is added in wire order. data is not copied.
func (m *Message) SetRaw(c ParamCode, data []byte) {
	s := Optional
	if l := m.Layout(); l != nil {
		s = l.section(c)
	}
	for i := range m.Params {
		if m.Params[i].Code == c && m.Params[i].Section == s {
			m.Params[i].Data = data
			return
		}
	}
	p := Param{Code: c, Section: s, Data: data}
	// Keep fixed and variable parameters in layout order before optionals.
	if s == Optional {
		m.Params = append(m.Params, p)
		return
	}
	i := 0
	for i < len(m.Params) && m.Params[i].Section <= s {
		i++
	}
	m.Params = append(m.Params, Param{})
	copy(m.Params[i+1:], m.Params[i:])
	m.Params[i] = p
}

// AddOptional appends an optional parameter even if one with the same code
// exists (some parameters, e.g. generic number, may repeat).
func (m *Message) AddOptional(c ParamCode, data []byte) {
	m.Params = append(m.Params, Param{Code: c, Section: Optional, Data: data})
}

// Remove deletes every parameter with code c.
func (m *Message) Remove(c ParamCode) {
	out := m.Params[:0]
	for _, p := range m.Params {
		if p.Code != c {
			out = append(out, p)
		}
	}
	m.Params = out
}

// Value is a typed view of one parameter. Implementations decode without
// keeping references they do not document (digit fields alias the input).
type Value interface {
	// Code is the parameter code the value is carried under.
	Code() ParamCode
	// DecodeParam parses the parameter's data octets.
	DecodeParam(data []byte, v Variant) error
	// AppendParam appends the parameter's data octets to b.
	AppendParam(b []byte, v Variant) []byte
	// Fields describes the value as a tree for people and JSON.
	Fields(v Variant) []Field
}

// Get decodes the first parameter with dst's code into dst. It reports
// whether the parameter was present.
func (m *Message) Get(dst Value) (bool, error) {
	d, ok := m.Param(dst.Code())
	if !ok {
		return false, nil
	}
	if err := dst.DecodeParam(d, m.Variant); err != nil {
		if e, ok := err.(*Error); ok {
			e.Type, e.HasType = m.Type, true
			return true, e
		}
		return true, m.err(dst.Code(), true, 0, ErrInvalidValue, err.Error())
	}
	return true, nil
}

// Set encodes v and sets it with SetRaw (allocating the parameter's octets).
func (m *Message) Set(v Value) {
	m.SetRaw(v.Code(), v.AppendParam(nil, m.Variant))
}

// New returns a message of type t ready for Set.
func New(v Variant, t MessageType, cic uint16) *Message {
	return &Message{Variant: v, Type: t, CIC: cic}
}

// Validate checks that every mandatory parameter is present with the
// right length, without encoding.
func (m *Message) Validate() error {
	_, err := m.AppendBody(make([]byte, 0, m.MarshalLen()))
	return err
}
