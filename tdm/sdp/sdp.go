// Package sdp is the Session Description Protocol (RFC 8866) as the TDM
// bearer needs it, and the offer/answer model of RFC 3264 for its media:
// G.711 (PCMA, PCMU; RFC 3551) with telephone-event (RFC 4733), 20 ms
// packets, the span's law preferred. It is pure: text in, text out.
//
// Parse keeps every line it does not interpret (bandwidth, other
// attributes, other media), so a description survives Parse and Marshal.
package sdp

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
)

// Limits against hostile input.
const (
	MaxSize   = 64 << 10
	MaxMedia  = 64
	MaxFormat = 256
	MaxAttrs  = 512
)

// Session is a parsed description.
type Session struct {
	Version    int
	Origin     Origin
	Name       string
	Connection *Connection // session-level c=, or nil
	Lines      []Line      // other session-level lines (i, u, e, p, b, t, r, z, k), in order
	Attributes []Attribute
	Media      []*Media
}

// Origin is the o= line.
type Origin struct {
	Username       string
	SessionID      string
	SessionVersion uint64
	NetType        string // IN
	AddrType       string // IP4, IP6
	Address        string
}

// Connection is a c= line.
type Connection struct {
	NetType, AddrType, Address string
}

// Line is an uninterpreted line.
type Line struct {
	Type  byte
	Value string
}

// Attribute is an a= line: Name, and Value after the colon (HasValue).
type Attribute struct {
	Name     string
	Value    string
	HasValue bool
}

// Media is an m= section.
type Media struct {
	Type       string // audio, video, …
	Port       int
	NumPorts   int // 0 when absent
	Proto      string
	Formats    []string
	Connection *Connection
	Lines      []Line // i, b, k
	Attributes []Attribute
}

// Error says where a description is wrong: the line (1-based) and why.
type Error struct {
	Line   int
	Reason string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return "sdp: " + e.Reason
	}
	return "sdp: line " + strconv.Itoa(e.Line) + ": " + e.Reason
}

// Parse reads a description. Lines end in CRLF or LF (RFC 8866 §5: LF
// alone is accepted when reading).
func Parse(b []byte) (*Session, error) {
	if len(b) > MaxSize {
		return nil, &Error{Reason: "description longer than " + strconv.Itoa(MaxSize) + " octets"}
	}
	s := &Session{}
	text := string(b)
	var m *Media
	seen := map[byte]bool{}
	attrs := 0
	for n := 1; text != ""; n++ {
		line, rest, _ := strings.Cut(text, "\n")
		text = rest
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			if text == "" {
				break
			}
			return nil, &Error{n, "empty line"}
		}
		if len(line) < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z' {
			return nil, &Error{n, "not a type=value line"}
		}
		typ, val := line[0], line[2:]
		if n == 1 && typ != 'v' {
			return nil, &Error{n, "a description starts with v="}
		}
		switch typ {
		case 'v':
			if n != 1 || val != "0" {
				return nil, &Error{n, "v=0 must come first, once"}
			}
		case 'o':
			if m != nil || seen['o'] {
				return nil, &Error{n, "o= must come once, before the media"}
			}
			f := strings.Fields(val)
			if len(f) != 6 {
				return nil, &Error{n, "o= needs 6 fields"}
			}
			ver, err := strconv.ParseUint(f[2], 10, 64)
			if err != nil {
				return nil, &Error{n, "o= session version " + strconv.Quote(f[2])}
			}
			s.Origin = Origin{f[0], f[1], ver, f[3], f[4], f[5]}
		case 's':
			if m != nil || seen['s'] {
				return nil, &Error{n, "s= must come once, before the media"}
			}
			s.Name = val
		case 'c':
			c, err := parseConnection(val)
			if err != nil {
				return nil, &Error{n, err.Error()}
			}
			if m != nil {
				if m.Connection != nil {
					return nil, &Error{n, "two c= lines in a media section"}
				}
				m.Connection = c
			} else {
				if s.Connection != nil {
					return nil, &Error{n, "two session-level c= lines"}
				}
				s.Connection = c
			}
		case 'm':
			if len(s.Media) == MaxMedia {
				return nil, &Error{n, "more than " + strconv.Itoa(MaxMedia) + " media"}
			}
			var err error
			if m, err = parseMedia(val); err != nil {
				return nil, &Error{n, err.Error()}
			}
			s.Media = append(s.Media, m)
		case 'a':
			if attrs++; attrs > MaxAttrs {
				return nil, &Error{n, "too many attributes"}
			}
			name, v, has := strings.Cut(val, ":")
			if name == "" {
				return nil, &Error{n, "attribute without a name"}
			}
			a := Attribute{name, v, has}
			if m != nil {
				m.Attributes = append(m.Attributes, a)
			} else {
				s.Attributes = append(s.Attributes, a)
			}
		default:
			if m != nil {
				m.Lines = append(m.Lines, Line{typ, val})
			} else {
				s.Lines = append(s.Lines, Line{typ, val})
			}
		}
		seen[typ] = true
	}
	for _, t := range []byte{'v', 'o', 's'} {
		if !seen[t] {
			return nil, &Error{Reason: "no " + string(t) + "= line"}
		}
	}
	for i, md := range s.Media {
		if md.Connection == nil && s.Connection == nil && md.Port != 0 {
			return nil, &Error{Reason: "media " + strconv.Itoa(i) + " has no connection address (c=)"}
		}
	}
	return s, nil
}

func parseConnection(v string) (*Connection, error) {
	f := strings.Fields(v)
	if len(f) != 3 {
		return nil, errors.New("c= needs 3 fields")
	}
	return &Connection{f[0], f[1], f[2]}, nil
}

func parseMedia(v string) (*Media, error) {
	f := strings.Fields(v)
	if len(f) < 3 {
		return nil, errors.New("m= needs media, port and proto")
	}
	m := &Media{Type: f[0], Proto: f[2]}
	port, num, hasNum := strings.Cut(f[1], "/")
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 || port == "" || port[0] == '+' || port[0] == '-' {
		return nil, errors.New("m= port " + strconv.Quote(f[1]))
	}
	m.Port = p
	if hasNum {
		k, err := strconv.Atoi(num)
		if err != nil || k < 1 || k > 65535 || num[0] == '+' {
			return nil, errors.New("m= port count " + strconv.Quote(num))
		}
		m.NumPorts = k
	}
	if len(f)-3 > MaxFormat {
		return nil, errors.New("too many formats")
	}
	m.Formats = f[3:]
	return m, nil
}

// Marshal writes the description with CRLF line ends.
func (s *Session) Marshal() []byte {
	var b strings.Builder
	line := func(t byte, v string) {
		b.WriteByte(t)
		b.WriteByte('=')
		b.WriteString(v)
		b.WriteString("\r\n")
	}
	line('v', "0")
	o := s.Origin
	line('o', o.Username+" "+o.SessionID+" "+strconv.FormatUint(o.SessionVersion, 10)+" "+o.NetType+" "+o.AddrType+" "+o.Address)
	line('s', s.Name)
	// RFC 8866 §5 order: i u e p c b t r z k a m
	order := func(ls []Line, types string) {
		for _, t := range []byte(types) {
			for _, l := range ls {
				if l.Type == t {
					line(l.Type, l.Value)
				}
			}
		}
	}
	order(s.Lines, "iuep")
	if c := s.Connection; c != nil {
		line('c', c.NetType+" "+c.AddrType+" "+c.Address)
	}
	order(s.Lines, "b")
	hasT := false
	for _, l := range s.Lines {
		hasT = hasT || l.Type == 't'
	}
	if !hasT {
		line('t', "0 0")
	}
	order(s.Lines, "trz")
	var rest []Line
	for _, l := range s.Lines {
		if !strings.ContainsRune("iuepbtrz", rune(l.Type)) {
			rest = append(rest, l)
		}
	}
	for _, l := range rest {
		line(l.Type, l.Value)
	}
	attrs := func(as []Attribute) {
		for _, a := range as {
			if a.HasValue {
				line('a', a.Name+":"+a.Value)
			} else {
				line('a', a.Name)
			}
		}
	}
	attrs(s.Attributes)
	for _, m := range s.Media {
		port := strconv.Itoa(m.Port)
		if m.NumPorts > 0 {
			port += "/" + strconv.Itoa(m.NumPorts)
		}
		line('m', strings.Join(append([]string{m.Type, port, m.Proto}, m.Formats...), " "))
		order(m.Lines, "i")
		if c := m.Connection; c != nil {
			line('c', c.NetType+" "+c.AddrType+" "+c.Address)
		}
		for _, l := range m.Lines {
			if l.Type != 'i' {
				line(l.Type, l.Value)
			}
		}
		attrs(m.Attributes)
	}
	return []byte(b.String())
}

// Attr returns the value of the first attribute name of m.
func (m *Media) Attr(name string) (string, bool) {
	for _, a := range m.Attributes {
		if strings.EqualFold(a.Name, name) {
			return a.Value, true
		}
	}
	return "", false
}

// RTPMap is an a=rtpmap: payload type, encoding name, clock rate, channels.
type RTPMap struct {
	PT       int
	Encoding string
	Clock    int
	Channels int
}

// RTPMaps returns m's a=rtpmap attributes (malformed ones are skipped).
func (m *Media) RTPMaps() map[int]RTPMap {
	out := map[int]RTPMap{}
	for _, a := range m.Attributes {
		if !strings.EqualFold(a.Name, "rtpmap") {
			continue
		}
		pt, enc, ok := strings.Cut(a.Value, " ")
		p, err := strconv.Atoi(pt)
		if !ok || err != nil || p < 0 || p > 127 {
			continue
		}
		f := strings.Split(strings.TrimSpace(enc), "/")
		if len(f) < 2 {
			continue
		}
		clock, err := strconv.Atoi(f[1])
		if err != nil || clock <= 0 {
			continue
		}
		r := RTPMap{PT: p, Encoding: f[0], Clock: clock, Channels: 1}
		if len(f) > 2 {
			if c, err := strconv.Atoi(f[2]); err == nil && c > 0 {
				r.Channels = c
			}
		}
		out[p] = r
	}
	return out
}

// Direction is the media direction attribute (RFC 3264 §5.1).
type Direction uint8

const (
	SendRecv Direction = iota
	SendOnly
	RecvOnly
	Inactive
)

var dirNames = [...]string{"sendrecv", "sendonly", "recvonly", "inactive"}

func (d Direction) String() string {
	if int(d) < len(dirNames) {
		return dirNames[d]
	}
	return "Direction(" + strconv.Itoa(int(d)) + ")"
}

// Direction returns m's direction (session-level attributes apply when
// m has none; sendrecv by default).
func (s *Session) Direction(m *Media) Direction {
	for _, as := range [][]Attribute{m.Attributes, s.Attributes} {
		for _, a := range as {
			for i, n := range dirNames {
				if strings.EqualFold(a.Name, n) && !a.HasValue {
					return Direction(i)
				}
			}
		}
	}
	return SendRecv
}

// Address returns where m's RTP goes: its connection (or the session's)
// address and its port.
func (s *Session) Address(m *Media) (netip.AddrPort, error) {
	c := m.Connection
	if c == nil {
		c = s.Connection
	}
	if c == nil {
		return netip.AddrPort{}, errors.New("sdp: no connection address")
	}
	if !strings.EqualFold(c.NetType, "IN") {
		return netip.AddrPort{}, errors.New("sdp: network type " + strconv.Quote(c.NetType))
	}
	host, _, _ := strings.Cut(c.Address, "/") // multicast TTL/count
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.AddrPort{}, errors.New("sdp: connection address " + strconv.Quote(c.Address) + " is not an IP address")
	}
	return netip.AddrPortFrom(a, uint16(m.Port)), nil
}
