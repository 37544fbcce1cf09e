package pktfilter

import (
	"fmt"
	"net/netip"

	"golang.org/x/net/bpf"
)

// The parser builds a tree of tests as it reads, with the offsets in
// force at that point (vlan moves them for what follows, as libpcap's code
// generator does while it parses); code is generated from the tree with a
// true and a false target for each test.

type node interface{}

type andNode struct{ a, b node }
type orNode struct{ a, b node }
type notNode struct{ a node }
type constNode bool

// cmpNode loads a field, masks it, and compares it with k.
type cmpNode struct {
	xoff int // ≥ 0: first X = 4*([xoff]&0xf) (the IPv4 header length)
	size int // 1, 2 or 4
	off  uint32
	ind  bool // the field is at X+off
	// masked: the field is ANDed with mask first (a mask of 0 too: net
	// 0.0.0.0/0).
	masked bool
	mask   uint32
	test   bpf.JumpTest // JumpEqual, JumpGreaterThan, JumpGreaterOrEqual, JumpBitsSet
	k      uint32
}

// Ether types, IP protocols.
const (
	etIPv4 = 0x0800
	etIPv6 = 0x86dd
	etARP  = 0x0806
	etRARP = 0x8035

	protoTCP  = 6
	protoUDP  = 17
	protoSCTP = 132
	protoFrag = 44 // IPv6 fragment header
)

// Link types compiled for (LINKTYPE values).
const (
	LinkEthernet = 1
	LinkRaw      = 101
)

type gen struct {
	raw bool
	lt  uint32 // offset of the Ether type (Ethernet)
	nl  uint32 // offset of the network header
}

func newGen(linkType uint16) (*gen, error) {
	switch linkType {
	case LinkEthernet:
		return &gen{lt: 12, nl: 14}, nil
	case LinkRaw:
		return &gen{raw: true}, nil
	}
	return nil, ErrLinkType
}

func (g *gen) linkName() string {
	if g.raw {
		return "raw IP"
	}
	return "Ethernet"
}

func and(ns ...node) node {
	var out node
	for _, n := range ns {
		if out == nil {
			out = n
		} else {
			out = &andNode{out, n}
		}
	}
	return out
}

func or(ns ...node) node {
	var out node
	for _, n := range ns {
		if out == nil {
			out = n
		} else {
			out = &orNode{out, n}
		}
	}
	return out
}

func (g *gen) field(size int, off uint32, test bpf.JumpTest, k uint32) *cmpNode {
	return &cmpNode{xoff: -1, size: size, off: off, test: test, k: k}
}

// etherType tests the link layer's protocol; raw IP frames carry IPv4 or
// IPv6, told by the version nibble, and nothing else.
func (g *gen) etherType(t uint32) node {
	if g.raw {
		switch t {
		case etIPv4, etIPv6:
			v := uint32(0x40)
			if t == etIPv6 {
				v = 0x60
			}
			return &cmpNode{xoff: -1, size: 1, off: g.nl, masked: true, mask: 0xf0, test: bpf.JumpEqual, k: v}
		}
		return constNode(false)
	}
	return g.field(2, g.lt, bpf.JumpEqual, t)
}

func (g *gen) proto(name string) node {
	switch name {
	case "ip":
		return g.etherType(etIPv4)
	case "ip6":
		return g.etherType(etIPv6)
	case "arp":
		return g.etherType(etARP)
	}
	p := map[string]uint32{"tcp": protoTCP, "udp": protoUDP, "sctp": protoSCTP}[name]
	// IPv6: the next header, or the one after a fragment header.
	return or(
		and(g.etherType(etIPv4), g.field(1, g.nl+9, bpf.JumpEqual, p)),
		and(g.etherType(etIPv6), or(
			g.field(1, g.nl+6, bpf.JumpEqual, p),
			and(g.field(1, g.nl+6, bpf.JumpEqual, protoFrag), g.field(1, g.nl+40, bpf.JumpEqual, p)))))
}

func pick(d dir, src, dst node) node {
	switch d {
	case dirSrc:
		return src
	case dirDst:
		return dst
	case dirBoth:
		return and(src, dst)
	}
	return or(src, dst)
}

// host tests an address or a network: in IPv4 (and ARP and RARP unless
// a protocol is named) or IPv6 headers.
func (g *gen) host(q qual, pfx netip.Prefix) node {
	a := pfx.Addr()
	if a.Is4() {
		b := a.As4()
		v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		m := ^uint32(0) << (32 - pfx.Bits())
		if pfx.Bits() == 0 {
			m = 0
		}
		at := func(off uint32) node {
			c := g.field(4, off, bpf.JumpEqual, v)
			if m != ^uint32(0) {
				c.masked, c.mask = true, m
			}
			return c
		}
		ip := and(g.etherType(etIPv4), pick(q.dir, at(g.nl+12), at(g.nl+16)))
		arp := func(t uint32) node { return and(g.etherType(t), pick(q.dir, at(g.nl+14), at(g.nl+24))) }
		switch {
		case q.proto == "arp":
			return arp(etARP)
		case q.proto == "ip" || g.raw:
			return ip
		}
		return or(ip, arp(etARP), arp(etRARP))
	}
	b := a.As16()
	at := func(off uint32) node {
		var ws []node
		for i := range 4 {
			bits := min(max(pfx.Bits()-32*i, 0), 32)
			if bits == 0 {
				break
			}
			m := ^uint32(0) << (32 - bits)
			w := uint32(b[4*i])<<24 | uint32(b[4*i+1])<<16 | uint32(b[4*i+2])<<8 | uint32(b[4*i+3])
			c := g.field(4, off+uint32(4*i), bpf.JumpEqual, w&m)
			if m != ^uint32(0) {
				c.masked, c.mask = true, m
			}
			ws = append(ws, c)
		}
		if len(ws) == 0 {
			return constNode(true)
		}
		return and(ws...)
	}
	return and(g.etherType(etIPv6), pick(q.dir, at(g.nl+8), at(g.nl+24)))
}

// port tests TCP, UDP or SCTP ports as libpcap does: in IPv6 only right
// after the fixed header, in IPv4 after the header's own length and only
// in the first fragment.
func (g *gen) port(q qual, lo, hi uint32, isRange bool) node {
	ps := []uint32{protoSCTP, protoTCP, protoUDP}
	if q.proto != "" {
		ps = []uint32{map[string]uint32{"tcp": protoTCP, "udp": protoUDP, "sctp": protoSCTP}[q.proto]}
	}
	protoIs := func(off uint32) node {
		var ns []node
		for _, p := range ps {
			ns = append(ns, g.field(1, off, bpf.JumpEqual, p))
		}
		return or(ns...)
	}
	cmp := func(c *cmpNode) node {
		if !isRange {
			c.test, c.k = bpf.JumpEqual, lo
			return c
		}
		c2 := *c
		c.test, c.k = bpf.JumpGreaterOrEqual, lo
		c2.test, c2.k = bpf.JumpGreaterThan, hi
		return and(c, &notNode{&c2})
	}
	v6 := and(g.etherType(etIPv6), protoIs(g.nl+6),
		pick(q.dir, cmp(g.field(2, g.nl+40, 0, 0)), cmp(g.field(2, g.nl+42, 0, 0))))
	ind := func(o uint32) *cmpNode {
		return &cmpNode{xoff: int(g.nl), size: 2, off: g.nl + o, ind: true}
	}
	v4 := and(g.etherType(etIPv4), protoIs(g.nl+9), &notNode{g.field(2, g.nl+6, bpf.JumpBitsSet, 0x1fff)},
		pick(q.dir, cmp(ind(0)), cmp(ind(2))))
	return or(v6, v4)
}

// vlan tests for an 802.1Q (or 802.1ad, or the old 0x9100) tag, and its
// ID; what follows is looked for behind the tag.
func (g *gen) vlan(id int) (node, error) {
	if g.raw {
		return nil, fmt.Errorf("no VLAN on raw IP")
	}
	n := or(g.field(2, g.lt, bpf.JumpEqual, 0x8100), g.field(2, g.lt, bpf.JumpEqual, 0x88a8), g.field(2, g.lt, bpf.JumpEqual, 0x9100))
	if id >= 0 {
		n = and(n, &cmpNode{xoff: -1, size: 2, off: g.lt + 2, masked: true, mask: 0xfff, test: bpf.JumpEqual, k: uint32(id)})
	}
	g.lt += 4
	g.nl += 4
	return n, nil
}

// fragments is true for the IP fragments a port filter would drop: a
// non-first IPv4 fragment (no ports in it) or any IPv6 fragment (libpcap
// does not look past the fragment header).
func (g *gen) fragments() node {
	return or(
		and(g.etherType(etIPv4), g.field(2, g.nl+6, bpf.JumpBitsSet, 0x1fff)),
		and(g.etherType(etIPv6), g.field(1, g.nl+6, bpf.JumpEqual, protoFrag)))
}

// Code generation: instructions with symbolic targets, resolved at the
// end (with an unconditional jump in between where a conditional one
// would reach further than its 8-bit offset).

type label int

type insn struct {
	ins  bpf.Instruction // not a jump
	cond bool
	test bpf.JumpTest
	k    uint32
	t, f label // conditional
	ja   bool
	to   label
}

type asm struct {
	code []insn
	pos  []int // label → instruction index
}

func (a *asm) label() label {
	a.pos = append(a.pos, -1)
	return label(len(a.pos) - 1)
}

func (a *asm) mark(l label) { a.pos[l] = len(a.code) }

func (a *asm) emit(i bpf.Instruction) { a.code = append(a.code, insn{ins: i}) }

func (a *asm) gen(n node, t, f label) {
	switch n := n.(type) {
	case *andNode:
		l := a.label()
		a.gen(n.a, l, f)
		a.mark(l)
		a.gen(n.b, t, f)
	case *orNode:
		l := a.label()
		a.gen(n.a, t, l)
		a.mark(l)
		a.gen(n.b, t, f)
	case *notNode:
		a.gen(n.a, f, t)
	case constNode:
		to := f
		if n {
			to = t
		}
		a.code = append(a.code, insn{ja: true, to: to})
	case *cmpNode:
		if n.xoff >= 0 {
			a.emit(bpf.LoadMemShift{Off: uint32(n.xoff)})
		}
		if n.ind {
			a.emit(bpf.LoadIndirect{Off: n.off, Size: n.size})
		} else {
			a.emit(bpf.LoadAbsolute{Off: n.off, Size: n.size})
		}
		if n.masked {
			a.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: n.mask})
		}
		a.code = append(a.code, insn{cond: true, test: n.test, k: n.k, t: t, f: f})
	default:
		panic(fmt.Sprintf("pktfilter: node %T", n))
	}
}

// acceptLen is what an accepting program returns: the bytes to keep.
const acceptLen = 262144

// program generates root's code, then accept and reject; prefix, if any,
// runs after a false root instead of rejecting (Build's fragments clause
// in front of tcpdump's program).
func program(root node, then []bpf.Instruction) ([]bpf.Instruction, error) {
	var a asm
	acc, rej := a.label(), a.label()
	a.gen(root, acc, rej)
	a.mark(acc)
	a.emit(bpf.RetConstant{Val: acceptLen})
	a.mark(rej)
	if then == nil {
		a.emit(bpf.RetConstant{Val: 0})
	}
	out, err := a.resolve()
	if err != nil {
		return nil, err
	}
	return append(out, then...), nil
}

func (a *asm) resolve() ([]bpf.Instruction, error) {
	for pass := 0; ; pass++ {
		if pass > len(a.code)+8 {
			return nil, fmt.Errorf("filter: jumps do not resolve")
		}
		far := -1
		var farT bool
		for i, in := range a.code {
			if !in.cond {
				continue
			}
			if a.pos[in.t]-(i+1) > 255 {
				far, farT = i, true
				break
			}
			if a.pos[in.f]-(i+1) > 255 {
				far, farT = i, false
				break
			}
		}
		if far < 0 {
			break
		}
		// A jump to the far target right after the conditional one.
		in := &a.code[far]
		target := in.f
		if farT {
			target = in.t
		}
		for l := range a.pos {
			if a.pos[l] > far {
				a.pos[l]++
			}
		}
		hop := a.label()
		a.pos[hop] = far + 1
		if farT {
			in.t = hop
		} else {
			in.f = hop
		}
		a.code = append(a.code[:far+1], append([]insn{{ja: true, to: target}}, a.code[far+1:]...)...)
	}
	out := make([]bpf.Instruction, len(a.code))
	for i, in := range a.code {
		switch {
		case in.ja:
			out[i] = bpf.Jump{Skip: uint32(a.pos[in.to] - (i + 1))}
		case in.cond:
			out[i] = bpf.JumpIf{Cond: in.test, Val: in.k, SkipTrue: uint8(a.pos[in.t] - (i + 1)), SkipFalse: uint8(a.pos[in.f] - (i + 1))}
		default:
			out[i] = in.ins
		}
	}
	if len(out) > 4096 {
		return nil, fmt.Errorf("filter: %d instructions, the kernel takes 4096", len(out))
	}
	return out, nil
}
