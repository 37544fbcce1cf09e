// Package pktfilter compiles tcpdump-style capture filters (sipsniff -f)
// to classic BPF, so that the kernel drops what is not wanted before it
// is copied to sipsniff.
//
// The compiler covers what capture filters for signalling use: host, net
// (CIDR, "mask", or a partial address) and port / portrange with src,
// dst, "src or dst", "src and dst"; the protocols ip, ip6, arp, tcp, udp,
// sctp and vlan [ID]; and, or (equal precedence, left to right, as in
// pcap-filter(7)), not, parentheses; an address or port without
// qualifiers takes the previous ones ("host a or b"). Its programs mean
// what libpcap's mean for the same expression on Ethernet and raw IP
// frames — the tests run both over generated packets — down to libpcap's
// quirks: a port matches only unfragmented IPv4 or the first fragment,
// IPv6 ports only without extension headers, vlan moves the offsets of
// everything after it. Anything else (hostnames, service names, byte
// expressions, less/greater, ether…) is an *UnsupportedError naming the
// part; Build then asks tcpdump -ddd, when installed, to compile it.
package pktfilter

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// SyntaxError is an expression that is not a filter.
type SyntaxError struct {
	Offset int // byte offset in the expression
	Msg    string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("filter: column %d: %s", e.Offset+1, e.Msg) }

// UnsupportedError is a valid-looking part of a tcpdump filter that this
// compiler does not handle.
type UnsupportedError struct {
	Offset int
	Part   string
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("filter: column %d: %q is not in the subset sipsniff compiles (host, net, port, portrange, src/dst, ip, ip6, arp, tcp, udp, sctp, vlan, and/or/not)", e.Offset+1, e.Part)
}

// ErrLinkType: the link type has no compiler here.
var ErrLinkType = errors.New("filter: link type not supported (Ethernet and raw IP are)")

type token struct {
	s   string
	off int
}

func lex(expr string) ([]token, error) {
	var ts []token
	for i := 0; i < len(expr); {
		c := expr[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			ts = append(ts, token{expr[i : i+1], i})
			i++
		case c == '!':
			ts = append(ts, token{"not", i})
			i++
		case c == '&' || c == '|':
			if i+1 < len(expr) && expr[i+1] == c {
				w := "and"
				if c == '|' {
					w = "or"
				}
				ts = append(ts, token{w, i})
				i += 2
				continue
			}
			return nil, &SyntaxError{i, fmt.Sprintf("%q: did you mean %c%c?", c, c, c)}
		case isWord(c):
			j := i
			for j < len(expr) && isWord(expr[j]) {
				j++
			}
			ts = append(ts, token{expr[i:j], i})
			i = j
		default:
			// Byte expressions (ip[6:2]), comparisons and arithmetic are
			// tcpdump's but not ours.
			return nil, &UnsupportedError{i, expr[i:]}
		}
	}
	return ts, nil
}

func isWord(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == ':' || c == '/' || c == '-' || c == '_'
}

// qualifiers of a primitive, as pcap-filter(7) names them.
type qual struct {
	proto string // "", ip, ip6, tcp, udp, sctp, arp
	dir   dir
	typ   string // "", host, net, port, portrange
}

type dir uint8

const (
	dirAny dir = iota // src or dst
	dirSrc
	dirDst
	dirBoth // src and dst
)

type parser struct {
	ts   []token
	pos  int
	expr string
	last qual // qualifiers of the last primitive, for a bare id
	g    *gen
}

func (p *parser) peek() string {
	if p.pos < len(p.ts) {
		return p.ts[p.pos].s
	}
	return ""
}

func (p *parser) off() int {
	if p.pos < len(p.ts) {
		return p.ts[p.pos].off
	}
	return len(p.expr)
}

func (p *parser) next() token {
	t := p.ts[p.pos]
	p.pos++
	return t
}

// parse: and and or have the same precedence and group left to right;
// not binds tighter (pcap-filter(7)).
func (p *parser) parse() (node, error) {
	n, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		switch p.peek() {
		case "and":
			p.pos++
			m, err := p.unary()
			if err != nil {
				return nil, err
			}
			n = &andNode{n, m}
		case "or":
			p.pos++
			m, err := p.unary()
			if err != nil {
				return nil, err
			}
			n = &orNode{n, m}
		default:
			return n, nil
		}
	}
}

func (p *parser) unary() (node, error) {
	switch p.peek() {
	case "":
		return nil, &SyntaxError{p.off(), "expression ends where a primitive should come"}
	case "not":
		p.pos++
		n, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &notNode{n}, nil
	case "(":
		open := p.off()
		p.pos++
		n, err := p.parse()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			if p.peek() == "" {
				return nil, &SyntaxError{open, "unclosed parenthesis"}
			}
			return nil, &SyntaxError{p.off(), fmt.Sprintf("%q where and, or or ) should come", p.peek())}
		}
		p.pos++
		return n, nil
	case ")", "and", "or":
		return nil, &SyntaxError{p.off(), fmt.Sprintf("%q where a primitive should come", p.peek())}
	}
	return p.primitive()
}

var protos = map[string]bool{"ip": true, "ip6": true, "tcp": true, "udp": true, "sctp": true, "arp": true}
var types = map[string]bool{"host": true, "net": true, "port": true, "portrange": true}

// unsupportedWords are tcpdump's keywords outside the subset, named as
// such rather than taken for a bare host.
var unsupportedWords = map[string]bool{
	"ether": true, "rarp": true, "icmp": true, "icmp6": true, "igmp": true, "pim": true, "ah": true, "esp": true,
	"vrrp": true, "gateway": true, "broadcast": true, "multicast": true, "less": true, "greater": true, "proto": true,
	"protochain": true, "len": true, "inbound": true, "outbound": true, "ifname": true, "on": true, "mpls": true,
	"pppoed": true, "pppoes": true, "geneve": true, "vxlan": true, "decnet": true, "atalk": true, "fddi": true,
	"tr": true, "wlan": true, "type": true, "subtype": true, "dir": true, "llc": true, "iso": true, "stp": true,
	"ipx": true, "netbeui": true, "lat": true, "sca": true, "moprc": true, "mopdl": true, "link": true, "ppp": true,
	"slip": true, "radio": true, "portrange6": true, "index": true,
}

func (p *parser) primitive() (node, error) {
	start := p.off()
	var q qual
	explicit := false
	if w := p.peek(); protos[w] {
		q.proto = w
		explicit = true
		p.pos++
	} else if w == "vlan" {
		p.pos++
		return p.vlan(start)
	} else if unsupportedWords[w] {
		return nil, &UnsupportedError{start, w}
	}
	if w := p.peek(); w == "src" || w == "dst" {
		explicit = true
		p.pos++
		q.dir = dirSrc
		if w == "dst" {
			q.dir = dirDst
		}
		// "src or dst", "dst and src"…: one qualifier when the other
		// direction follows.
		if c := p.peek(); (c == "or" || c == "and") && p.pos+1 < len(p.ts) {
			o := p.ts[p.pos+1].s
			if o == "src" && w == "dst" || o == "dst" && w == "src" {
				p.pos += 2
				q.dir = dirAny
				if c == "and" {
					q.dir = dirBoth
				}
			}
		}
	}
	if w := p.peek(); types[w] {
		explicit = true
		q.typ = w
		p.pos++
	} else if unsupportedWords[w] {
		return nil, &UnsupportedError{p.off(), w}
	}
	w := p.peek()
	if w == "" || w == "and" || w == "or" || w == ")" {
		// A protocol alone: ip, udp…
		if q.proto != "" && q.dir == dirAny && q.typ == "" {
			p.last = qual{}
			return p.g.proto(q.proto), nil
		}
		return nil, &SyntaxError{p.off(), "an address or port should follow " + strings.TrimSpace(p.expr[start:p.off()])}
	}
	if w == "(" || w == "not" || protos[w] || types[w] || w == "src" || w == "dst" {
		return nil, &SyntaxError{p.off(), fmt.Sprintf("%q where an address or port should come", w)}
	}
	id := p.next()
	if !explicit {
		// A bare id takes the last primitive's qualifiers ("host a or
		// b"); alone it is no filter.
		if p.last.typ == "" {
			return nil, &SyntaxError{id.off, fmt.Sprintf("%q: say what it is (host, net, port…)", id.s)}
		}
		q = p.last
	}
	if q.typ == "" {
		q.typ = "host" // "ip src 10.0.0.1", "dst 10.0.0.1"
	}
	p.last = q
	switch q.typ {
	case "host":
		return p.host(q, id, -1)
	case "net":
		if p.peek() == "mask" {
			p.pos++
			if p.peek() == "" {
				return nil, &SyntaxError{p.off(), "mask needs a value"}
			}
			m := p.next()
			ma, err := netip.ParseAddr(m.s)
			if err != nil || !ma.Is4() {
				return nil, &SyntaxError{m.off, fmt.Sprintf("mask %q is not an IPv4 mask", m.s)}
			}
			b := ma.As4()
			v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
			bits := 0
			for ; bits < 32 && v&(1<<(31-bits)) != 0; bits++ {
			}
			if v != ^uint32(0)<<(32-bits) && bits != 32 {
				return nil, &UnsupportedError{m.off, "mask " + m.s + " (not contiguous)"}
			}
			return p.host(q, id, bits)
		}
		return p.net(q, id)
	default:
		return p.port(q, id)
	}
}

// vlan [ID]: tagged frames; every primitive after it looks 4 octets
// further, as libpcap's does.
func (p *parser) vlan(start int) (node, error) {
	id := -1
	if w := p.peek(); w != "" && w != "and" && w != "or" && w != ")" {
		n, err := strconv.Atoi(w)
		if err != nil || n < 0 || n > 4095 {
			return nil, &SyntaxError{p.off(), fmt.Sprintf("VLAN ID %q is not 0-4095", w)}
		}
		id = n
		p.pos++
	}
	p.last = qual{}
	n, err := p.g.vlan(id)
	if err != nil {
		return nil, &UnsupportedError{start, "vlan on " + p.g.linkName()}
	}
	return n, nil
}

func (p *parser) host(q qual, id token, bits int) (node, error) {
	if q.proto != "" && q.proto != "ip" && q.proto != "ip6" && q.proto != "arp" {
		return nil, &SyntaxError{id.off, fmt.Sprintf("%s %s: a host belongs to ip, ip6 or arp", q.proto, q.typ)}
	}
	a, err := netip.ParseAddr(id.s)
	if err != nil {
		// A name, or a number (which tcpdump takes for an IPv4 address).
		return nil, &UnsupportedError{id.off, id.s + " (not an IP address)"}
	}
	if a.Zone() != "" {
		return nil, &UnsupportedError{id.off, id.s}
	}
	if bits < 0 {
		bits = a.BitLen()
	}
	return p.addr(q, id, a, bits)
}

func (p *parser) addr(q qual, id token, a netip.Addr, bits int) (node, error) {
	pfx, err := a.Prefix(bits)
	if err != nil {
		return nil, &SyntaxError{id.off, err.Error()}
	}
	if q.typ == "net" && pfx.Addr() != a {
		return nil, &SyntaxError{id.off, fmt.Sprintf("%s/%d: non-network bits set", a, bits)}
	}
	switch {
	case a.Is4() && q.proto == "ip6", a.Is6() && (q.proto == "ip" || q.proto == "arp"):
		return nil, &SyntaxError{id.off, fmt.Sprintf("%s is not an %s address", a, q.proto)}
	}
	return p.g.host(q, pfx), nil
}

// net: CIDR, or a partial dotted address ("10.1" is 10.1.0.0/16).
func (p *parser) net(q qual, id token) (node, error) {
	s, bits := id.s, -1
	if i := strings.IndexByte(s, '/'); i >= 0 {
		n, err := strconv.Atoi(s[i+1:])
		if err != nil {
			return nil, &SyntaxError{id.off + i + 1, fmt.Sprintf("prefix length %q", s[i+1:])}
		}
		s, bits = s[:i], n
	}
	a, err := netip.ParseAddr(s)
	if err != nil && !strings.Contains(s, ":") {
		parts := strings.Split(s, ".")
		if len(parts) < 4 {
			var b [4]byte
			ok := true
			for i, x := range parts {
				v, err := strconv.Atoi(x)
				if err != nil || v < 0 || v > 255 {
					ok = false
					break
				}
				b[i] = byte(v)
			}
			if ok {
				a, err = netip.AddrFrom4(b), nil
				if bits < 0 {
					bits = 8 * len(parts)
				}
			}
		}
	}
	if err != nil {
		return nil, &UnsupportedError{id.off, id.s + " (not a network address)"}
	}
	if bits < 0 {
		bits = a.BitLen()
	}
	if bits > a.BitLen() {
		return nil, &SyntaxError{id.off, fmt.Sprintf("prefix length %d", bits)}
	}
	return p.addr(q, id, a, bits)
}

func (p *parser) port(q qual, id token) (node, error) {
	switch q.proto {
	case "", "tcp", "udp", "sctp":
	default:
		return nil, &UnsupportedError{id.off, q.proto + " " + q.typ}
	}
	parse := func(s string, off int) (uint32, error) {
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, &UnsupportedError{off, s + " (a service name: give a number)"}
		}
		if n < 0 || n > 65535 {
			return 0, &SyntaxError{off, fmt.Sprintf("port %d out of range", n)}
		}
		return uint32(n), nil
	}
	lo, hi := uint32(0), uint32(0)
	if q.typ == "portrange" {
		i := strings.IndexByte(id.s, '-')
		if i <= 0 {
			return nil, &SyntaxError{id.off, fmt.Sprintf("portrange %q is not LOW-HIGH", id.s)}
		}
		var err error
		if lo, err = parse(id.s[:i], id.off); err != nil {
			return nil, err
		}
		if hi, err = parse(id.s[i+1:], id.off+i+1); err != nil {
			return nil, err
		}
		if lo > hi {
			lo, hi = hi, lo
		}
	} else {
		var err error
		if lo, err = parse(id.s, id.off); err != nil {
			return nil, err
		}
		hi = lo
	}
	return p.g.port(q, lo, hi, q.typ == "portrange"), nil
}
