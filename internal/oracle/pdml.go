package oracle

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
)

// Node is one <proto> or <field> element of tshark's PDML output.
type Node struct {
	Name     string
	Show     string
	Value    string
	ShowName string
	Hide     bool
	Children []*Node
}

// Packet is one frame's protocol tree.
type Packet struct {
	Protos []*Node
}

// Walk calls fn for n and every node below it, depth first in order.
func (n *Node) Walk(fn func(*Node)) {
	fn(n)
	for _, c := range n.Children {
		c.Walk(fn)
	}
}

// All returns every node named name under n (n included), in order.
func (n *Node) All(name string) []*Node {
	var out []*Node
	n.Walk(func(x *Node) {
		if x.Name == name {
			out = append(out, x)
		}
	})
	return out
}

// First returns the first node named name under n, or nil.
func (n *Node) First(name string) *Node {
	if a := n.All(name); len(a) > 0 {
		return a[0]
	}
	return nil
}

// All returns every node named name in the packet, in order.
func (p *Packet) All(name string) []*Node {
	var out []*Node
	for _, pr := range p.Protos {
		out = append(out, pr.All(name)...)
	}
	return out
}

// Proto returns the protocols named name, in order (a frame may hold
// several, e.g. ISUP in each SIP body part).
func (p *Packet) Proto(name string) []*Node {
	var out []*Node
	for _, pr := range p.Protos {
		if pr.Name == name {
			out = append(out, pr)
		}
	}
	return out
}

// Expert severities as PDML shows them (_ws.expert.severity).
const (
	SeverityWarn  = 0x00600000
	SeverityError = 0x00800000
)

// Problems lists what tshark flags in the packet: malformed protocols and
// expert infos of at least severity, as "name: text".
func (p *Packet) Problems(severity int) []string {
	var out []string
	for _, pr := range p.Protos {
		pr.Walk(func(n *Node) {
			switch n.Name {
			case "_ws.malformed":
				out = append(out, "malformed: "+n.ShowName+n.Show)
			case "_ws.expert":
				sev := n.First("_ws.expert.severity")
				if sev == nil {
					return
				}
				if s, err := strconv.ParseInt(sev.Show, 0, 64); err == nil && int(s) >= severity {
					msg := n.First("_ws.expert.message")
					text := n.ShowName
					if msg != nil {
						text = msg.Show
					}
					out = append(out, "expert: "+text)
				}
			}
		})
	}
	return out
}

// ParsePDML reads tshark -T pdml output.
func ParsePDML(r io.Reader) ([]*Packet, error) {
	d := xml.NewDecoder(r)
	var pkts []*Packet
	var stack []*Node
	var cur *Packet
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return pkts, nil
		}
		if err != nil {
			return pkts, err
		}
		switch e := tok.(type) {
		case xml.StartElement:
			switch e.Name.Local {
			case "packet":
				cur = &Packet{}
				pkts = append(pkts, cur)
			case "proto", "field":
				n := &Node{}
				for _, a := range e.Attr {
					switch a.Name.Local {
					case "name":
						n.Name = a.Value
					case "show":
						n.Show = a.Value
					case "value":
						n.Value = a.Value
					case "showname":
						n.ShowName = a.Value
					case "hide":
						n.Hide = a.Value == "yes"
					}
				}
				if len(stack) == 0 {
					if cur == nil {
						return pkts, fmt.Errorf("pdml: %s outside a packet", e.Name.Local)
					}
					cur.Protos = append(cur.Protos, n)
				} else {
					top := stack[len(stack)-1]
					top.Children = append(top.Children, n)
				}
				stack = append(stack, n)
			}
		case xml.EndElement:
			switch e.Name.Local {
			case "proto", "field":
				stack = stack[:len(stack)-1]
			case "packet":
				cur = nil
			}
		}
	}
}

// Tshark runs tshark on file with the given preferences (name:value) and
// returns the decoded packets.
func Tshark(ctx context.Context, file string, prefs ...string) ([]*Packet, error) {
	args := []string{"-n", "-r", file, "-T", "pdml"}
	for _, p := range prefs {
		args = append(args, "-o", p)
	}
	cmd := exec.CommandContext(ctx, "tshark", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("tshark %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return ParsePDML(bytes.NewReader(out))
}

// ParseNumber reads a PDML show value as a number: decimal, "0x…" hex, or
// a boolean word. ok is false for anything else.
func ParseNumber(s string) (uint64, bool) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "true", "set":
		return 1, true
	case "false", "not set":
		return 0, true
	}
	base := 10
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		s, base = s[2:], 16
	}
	n, err := strconv.ParseUint(s, base, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}
